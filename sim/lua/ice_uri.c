/*
 * ice_uri.c - parsing of STUN and TURN URIs (ice_uri.h).
 *
 *   stunURI = scheme ":" host [ ":" port ]                    RFC 7064 s.3.1
 *   turnURI = scheme ":" host [ ":" port ] [ "?transport=" transport ]
 *                                                             RFC 7065 s.3.1
 * Schemes are case-insensitive (RFC 3986 s.3.1). Hosts are IPv4 literals
 * or DNS names; IPv6 literals are refused, since the simulated network is
 * IPv4 only. A "user@" before the host is accepted on turn: and turns:
 * (the spec's example), decided in docs/decisions.md.
 */
#include "lua/ice_uri.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int fail(char *err, size_t errlen, const char *uri, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "bad ICE server URL '%.300s': %s", uri, what);
    return -1;
}

/* RFC 1123 s.2.1 host names: labels of letters, digits and hyphens, not
 * starting or ending with a hyphen; an IPv4 literal passes as well. */
static bool host_ok(const char *h, size_t n)
{
    if (n == 0 || n >= SIM_URI_HOST_MAX)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (c == '.') {
            if (label == 0 || h[i - 1] == '-')
                return false;
            label = 0;
        } else if (isalnum((unsigned char)c) || (c == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0 && h[n - 1] != '-';
}

int sim_ice_uri_parse(const char *s, sim_ice_uri_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *colon = strchr(s, ':');
    if (!colon)
        return fail(err, errlen, s, "no scheme (stun:, stuns:, turn: or turns:)");
    size_t sl = (size_t)(colon - s);
    static const struct { const char *name; sim_uri_scheme_t scheme; uint16_t port; } schemes[] = {
        { "stun", SIM_URI_STUN, 3478 }, { "stuns", SIM_URI_STUNS, 5349 },
        { "turn", SIM_URI_TURN, 3478 }, { "turns", SIM_URI_TURNS, 5349 },
    };
    size_t k;
    for (k = 0; k < 4; k++)
        if (strlen(schemes[k].name) == sl && strncasecmp(s, schemes[k].name, sl) == 0)
            break;
    if (k == 4)
        return fail(err, errlen, s, "unknown scheme '%.*s' (stun:, stuns:, turn: or turns:)",
                    (int)(sl < 20 ? sl : 20), s);
    out->scheme = schemes[k].scheme;
    out->port = schemes[k].port;
    out->transport = out->scheme == SIM_URI_TURNS || out->scheme == SIM_URI_STUNS ? SIM_URI_TCP
                                                                                  : SIM_URI_UDP;
    bool turn = out->scheme == SIM_URI_TURN || out->scheme == SIM_URI_TURNS;
    const char *p = colon + 1;
    if (p[0] == '/' && p[1] == '/')
        return fail(err, errlen, s, "no '//' after the scheme (RFC 7064/7065 URIs have no authority part)");

    const char *at = strchr(p, '@');
    const char *query = strchr(p, '?');
    if (at && (!query || at < query)) {
        if (!turn)
            return fail(err, errlen, s, "a user name belongs only in turn: and turns: URLs");
        size_t ul = (size_t)(at - p);
        if (ul == 0 || ul >= SIM_URI_USER_MAX)
            return fail(err, errlen, s, "empty or too long user name before '@'");
        memcpy(out->user, p, ul);
        p = at + 1;
    }
    if (*p == '[')
        return fail(err, errlen, s, "IPv6 literals are not supported: the simulated network is IPv4");
    size_t hl = strcspn(p, ":?");
    if (!host_ok(p, hl))
        return fail(err, errlen, s, "'%.*s' is not a host name or IPv4 address", (int)(hl < 80 ? hl : 80), p);
    memcpy(out->host, p, hl);
    p += hl;
    if (*p == ':') {
        p++;
        size_t dl = strspn(p, "0123456789");
        unsigned long port = 0;
        for (size_t i = 0; i < dl && port <= 65535; i++)
            port = port * 10 + (unsigned long)(p[i] - '0');
        if (dl == 0 || port == 0 || port > 65535)
            return fail(err, errlen, s, "port must be a number from 1 to 65535");
        out->port = (uint16_t)port;
        p += dl;
    }
    if (*p == '?') {
        if (!turn)
            return fail(err, errlen, s, "stun: and stuns: URLs take no query");
        p++;
        if (strncmp(p, "transport=", 10) != 0)
            return fail(err, errlen, s, "the only query a turn: URL takes is ?transport=udp or ?transport=tcp");
        p += 10;
        if (strcasecmp(p, "udp") == 0)
            out->transport = SIM_URI_UDP;
        else if (strcasecmp(p, "tcp") == 0)
            out->transport = SIM_URI_TCP;
        else
            return fail(err, errlen, s, "transport must be udp or tcp");
        p += strlen(p);
    }
    if (*p)
        return fail(err, errlen, s, "unexpected '%.20s' after the host and port", p);
    return 0;
}
