/*
 * stun_server.c - the simulated STUN server (stun_server.h).
 *
 * Messages are validated and built with libnice's STUN library directly,
 * never with ref/'s code: a server that shared the client's validation
 * would hide a bug the two have in common. Anything that is not a Binding
 * request is ignored and counted (RFC 8489 s.6.3: indications and
 * responses get no answer); a request for another method gets 400, one
 * with an unknown comprehension-required attribute 420 (s.6.3.1).
 */
#include "servers/stun_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <stun/stunagent.h>

/* Comprehension-required attributes (below 0x8000, RFC 8489 s.14) the
 * server knows: RFC 8489's own (s.14.1-14.11). A request with another
 * gets 420 (s.6.3.1). Zero-terminated, as libnice wants. */
static const uint16_t known_attributes[] = {
    STUN_ATTRIBUTE_MAPPED_ADDRESS, STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
    STUN_ATTRIBUTE_ERROR_CODE, STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES, STUN_ATTRIBUTE_REALM,
    STUN_ATTRIBUTE_NONCE, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
    /* ICE's (RFC 8445 s.16.1): a Binding request a peer sends by mistake
     * to the server is still answered */
    STUN_ATTRIBUTE_PRIORITY, STUN_ATTRIBUTE_USE_CANDIDATE, 0,
};

struct sim_stun_server {
    sim_udp_t              *sock;
    sim_net_t              *net;
    char                    name[48];     /* "stun:a.b.c.d:port" for the log */
    StunAgent               in, out;
    sim_stun_server_stats_t st;
};

static void log_event(sim_stun_server_t *s, const char *ev, const char *key, const char *val,
                      const sim_pkt_t *p)
{
    sim_evlog_t *log = sim_net_evlog(s->net);
    if (!log)
        return;
    char from[32], a[16];
    snprintf(from, sizeof from, "%s:%u", sim_ip_str(p->src_ip, a), p->src_port);
    sim_evarg_t args[] = { SIM_EVS("from", from), SIM_EVS(key, val) };
    sim_evlog_emit(log, sim_now(sim_net_kernel(s->net)), s->name, ev, args, 2);
}

/* Why libnice refused a message: the names RTCSocket's stats use for the
 * same reasons, so logs of both sides read alike. */
static const char *reason(StunValidationStatus v)
{
    switch (v) {
    case STUN_VALIDATION_BAD_REQUEST:
        return "bad-fingerprint";   /* the cookie was checked before: a FINGERPRINT is wrong */
    case STUN_VALIDATION_UNMATCHED_RESPONSE:
        return "unmatched-response";
    case STUN_VALIDATION_UNKNOWN_ATTRIBUTE:
    case STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE:
        return "unknown-attribute";
    default:
        return "malformed";         /* lengths (credentials are ignored here) */
    }
}

/* RFC 8489 s.12: a Binding request of RFC 3489 (no magic cookie, a
 * 128-bit transaction id) is answered as RFC 3489 s.11.1 does, with
 * MAPPED-ADDRESS, so that a client of the old form (libnice 0.1.21 asks
 * for its srflx candidate so, scenarios/interop/) learns its mapping.
 * Only a request whose length field is exact and attributes whole is
 * taken; anything else is left to the checks below (ignored). */
static bool classic_binding(sim_stun_server_t *s, sim_udp_t *u, const sim_pkt_t *p)
{
    const uint8_t *d = p->data;
    if (p->len < 20 || d[0] != 0x00 || d[1] != 0x01 || !memcmp(d + 4, "\x21\x12\xa4\x42", 4))
        return false;
    size_t len = (size_t)d[2] << 8 | d[3];
    if (len % 4 || 20 + len != p->len)
        return false;
    for (size_t pos = 20; pos < p->len;) {      /* attributes that end where the message does */
        if (pos + 4 > p->len)
            return false;
        size_t alen = (size_t)d[pos + 2] << 8 | d[pos + 3];
        pos += 4 + ((alen + 3) & ~(size_t)3);
        if (pos > p->len)
            return false;
    }
    uint8_t out[32] = { 0x01, 0x01, 0x00, 12 };
    memcpy(out + 4, d + 4, 16);
    out[20] = 0x00, out[21] = 0x01, out[22] = 0x00, out[23] = 8;   /* MAPPED-ADDRESS */
    out[24] = 0x00, out[25] = 0x01;                                  /* IPv4 */
    out[26] = (uint8_t)(p->src_port >> 8), out[27] = (uint8_t)p->src_port;
    for (int i = 0; i < 4; i++)
        out[28 + i] = (uint8_t)(p->src_ip >> (24 - 8 * i));
    s->st.answered++;
    char mapped[32], a[16];
    snprintf(mapped, sizeof mapped, "%s:%u", sim_ip_str(p->src_ip, a), p->src_port);
    log_event(s, "binding", "mapped", mapped, p);
    sim_udp_send(u, p->src_ip, p->src_port, out, sizeof out);
    return true;
}

static void on_datagram(void *arg, sim_udp_t *u, const sim_pkt_t *p)
{
    sim_stun_server_t *s = arg;
    StunMessage req, resp;
    uint8_t out[512];
    if (classic_binding(s, u, p))
        return;
    /* RFC 8489 s.5: the two top bits zero, the magic cookie; RFC 7983 s.7:
     * anything else is another protocol's */
    if (p->len < 20 || (p->data[0] & 0xc0) || memcmp(p->data + 4, "\x21\x12\xa4\x42", 4) != 0) {
        s->st.ignored++;
        log_event(s, "ignored", "reason", "not-stun", p);
        return;
    }
    StunValidationStatus v = stun_agent_validate(&s->in, &req, p->data, p->len, NULL, NULL);
    if (v == STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE) {
        size_t n = stun_agent_build_unknown_attributes_error(&s->out, &resp, out, sizeof out, &req);
        if (n) {
            s->st.refused++;
            log_event(s, "refused", "error", "420", p);
            sim_udp_send(u, p->src_ip, p->src_port, out, n);
            return;
        }
    }
    if (v != STUN_VALIDATION_SUCCESS || stun_message_get_class(&req) != STUN_REQUEST) {
        s->st.ignored++;
        log_event(s, "ignored", "reason", v != STUN_VALIDATION_SUCCESS ? reason(v) : "not-a-request", p);
        return;
    }
    if (stun_message_get_method(&req) != STUN_BINDING) {
        if (stun_agent_init_error(&s->out, &resp, out, sizeof out, &req, STUN_ERROR_BAD_REQUEST)) {
            size_t n = stun_agent_finish_message(&s->out, &resp, NULL, 0);
            s->st.refused++;
            log_event(s, "refused", "error", "400", p);
            sim_udp_send(u, p->src_ip, p->src_port, out, n);
        }
        return;
    }
    /* RFC 8489 s.12: the source transport address, as XOR-MAPPED-ADDRESS */
    struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(p->src_port),
                                .sin_addr.s_addr = htonl(p->src_ip) };
    if (!stun_agent_init_response(&s->out, &resp, out, sizeof out, &req) ||
        stun_message_append_xor_addr(&resp, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                     (const struct sockaddr_storage *)&from, sizeof from) !=
            STUN_MESSAGE_RETURN_SUCCESS)
        return; /* unreachable: a 512-byte buffer holds a Binding response */
    size_t n = stun_agent_finish_message(&s->out, &resp, NULL, 0);
    s->st.answered++;
    char mapped[32], a[16];
    snprintf(mapped, sizeof mapped, "%s:%u", sim_ip_str(p->src_ip, a), p->src_port);
    log_event(s, "binding", "mapped", mapped, p);
    sim_udp_send(u, p->src_ip, p->src_port, out, n);
}

sim_stun_server_t *sim_stun_server_new(sim_host_t *h, uint32_t ip, uint16_t port, char *err,
                                       size_t errlen)
{
    sim_stun_server_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!port)
        port = 3478;
    s->sock = sim_udp_bind(h, ip, port, on_datagram, s, err, errlen);
    if (!s->sock) {
        free(s);
        return NULL;
    }
    char a[16];
    snprintf(s->name, sizeof s->name, "stun:%s:%u", sim_ip_str(ip, a), port);
    /* Unauthenticated Binding: requests are taken with or without
     * FINGERPRINT; answers carry one (RFC 8489 s.14.7). */
    stun_agent_init(&s->in, known_attributes, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_IGNORE_CREDENTIALS);
    stun_agent_init(&s->out, known_attributes, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_IGNORE_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
    s->net = sim_host_net(h);
    return s;
}

void sim_stun_server_free(sim_stun_server_t *s)
{
    if (!s)
        return;
    sim_udp_close(s->sock);
    free(s);
}

void sim_stun_server_stats(const sim_stun_server_t *s, sim_stun_server_stats_t *st)
{
    *st = s->st;
}
