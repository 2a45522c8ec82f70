/*
 * stun_server.c - the simulated STUN server (stun_server.h).
 *
 * Messages are validated by ref/stun.c, the same path the ICE agent uses,
 * and built with libnice's STUN library. Anything that is not a Binding
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

#include "stun.h"

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

static void on_datagram(void *arg, sim_udp_t *u, const sim_pkt_t *p)
{
    sim_stun_server_t *s = arg;
    StunMessage req, resp;
    uint8_t out[512];
    rtc_stun_check_t c = rtc_stun_validate(&s->in, &req, p->data, p->len, NULL, NULL);
    if (c == RTC_STUN_UNKNOWN_ATTRIBUTE && stun_message_get_class(&req) == STUN_REQUEST) {
        size_t n = stun_agent_build_unknown_attributes_error(&s->out, &resp, out, sizeof out, &req);
        if (n) {
            s->st.refused++;
            log_event(s, "refused", "error", "420", p);
            sim_udp_send(u, p->src_ip, p->src_port, out, n);
            return;
        }
    }
    if (c != RTC_STUN_VALID || stun_message_get_class(&req) != STUN_REQUEST) {
        s->st.ignored++;
        log_event(s, "ignored", "reason", c != RTC_STUN_VALID ? rtc_stun_check_name(c) : "not-a-request", p);
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
    rtc_stun_agent_plain(&s->in, false);
    rtc_stun_agent_plain(&s->out, true);
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
