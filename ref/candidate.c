/*
 * candidate.c - candidate priorities, foundations and checks (candidate.h).
 */
#include "candidate.h"

#include <stdio.h>
#include <string.h>

uint32_t rtc_candidate_priority(rtc_cand_type_t t, uint16_t local_pref, uint8_t component)
{
    /* RFC 8445 s.5.1.2.2: recommended type preferences */
    static const uint32_t type_pref[] = { 126, 100, 110, 0 };
    return (type_pref[t] << 24) + ((uint32_t)local_pref << 8) + (256u - component);
}

void rtc_candidate_foundation(rtc_cand_type_t t, uint32_t base_ip, uint32_t server_ip,
                              char out[RTC_FOUNDATION_MAX + 1])
{
    /* FNV-1a over (type, base, server, transport UDP) */
    uint32_t h = 2166136261u;
    uint32_t parts[] = { (uint32_t)t, base_ip, server_ip, 17 };
    for (size_t i = 0; i < 4; i++)
        for (int b = 0; b < 32; b += 8)
            h = (h ^ ((parts[i] >> b) & 0xff)) * 16777619u;
    snprintf(out, RTC_FOUNDATION_MAX + 1, "%08x", h);
}

uint64_t rtc_pair_priority(uint32_t g, uint32_t d)
{
    uint64_t lo = g < d ? g : d, hi = g < d ? d : g;
    return (lo << 32) + 2 * hi + (g > d ? 1 : 0);
}

/* RFC 8445 s.5.1.1.3 foundation: ice-chars are ALPHA / DIGIT / "+" / "/" */
static int ice_chars(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > RTC_FOUNDATION_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return 0;
    }
    return 1;
}

int rtc_candidate_check(const rtc_candidate_t *c, char *err, size_t errlen)
{
    char a[16];
    if (!ice_chars(c->foundation)) {
        snprintf(err, errlen, "foundation '%.40s' must be 1 to 32 letters, digits, '+' or '/'",
                 c->foundation);
        return -1;
    }
    if (c->component != 1 && c->component != 2) {
        snprintf(err, errlen, "component must be 1 (RTP) or 2 (RTCP), got %u", c->component);
        return -1;
    }
    if (c->priority == 0 || c->priority > 0x7fffffffu) {
        snprintf(err, errlen, "priority must be 1 to 2^31-1 (RFC 8445 s.5.1.2), got %u", c->priority);
        return -1;
    }
    uint32_t ip = c->addr.ip;
    /* unspecified, broadcast, multicast (RFC 5771) and loopback addresses
     * can never be a remote candidate */
    if (ip == 0 || ip == 0xffffffffu || (ip >> 28) == 0xe || (ip >> 24) == 127) {
        snprintf(a, sizeof a, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
        snprintf(err, errlen, "connectionAddress %s is not a unicast address a peer can use", a);
        return -1;
    }
    if (c->addr.port == 0) {
        snprintf(err, errlen, "connectionPort must be 1 to 65535, got 0");
        return -1;
    }
    return 0;
}
