/*
 * test_stun_server.c - the simulated STUN server: a Binding request built
 * by libnice's bind usage comes back with the client's address as
 * XOR-MAPPED-ADDRESS and validates on the client; other methods get 400,
 * unknown comprehension-required attributes 420, and everything else is
 * ignored and counted.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stun/stunagent.h>
#include <stun/usages/bind.h>

#include "fixture.h"
#include "check/evlog.h"
#include "kernel/kernel.h"
#include "net/net.h"
#include "stun.h"
#include "servers/stun_server.h"
#include "kernel/vdet.h"

typedef struct client {
    StunAgent    agent;
    int          responses;
    rtc_stun_check_t last;
    rtc_addr_t   mapped;
    unsigned     error;
    uint8_t      raw[64];       /* the last reply's first bytes, as they came */
    size_t       rawlen;
} client_t;

static void on_reply(void *arg, sim_udp_t *u, const sim_pkt_t *p)
{
    client_t *c = arg;
    StunMessage m;
    c->responses++;
    c->rawlen = p->len < sizeof c->raw ? p->len : sizeof c->raw;
    memcpy(c->raw, p->data, c->rawlen);
    c->last = rtc_stun_validate(&c->agent, &m, p->data, p->len, NULL, NULL);
    if (c->last != RTC_STUN_VALID)
        return;
    if (stun_message_get_class(&m) == STUN_ERROR) {
        int code = 0;
        stun_message_find_error(&m, &code);
        c->error = (unsigned)code;
    } else {
        rtc_stun_get_xor(&m, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &c->mapped);
    }
}

typedef struct world {
    sim_kernel_t      *k;
    sim_evlog_t       *log;
    sim_net_t         *net;
    sim_stun_server_t *server;
    sim_udp_t         *sock;
    client_t           c;
} world_t;

static void world_init(world_t *w)
{
    char err[256];
    memset(w, 0, sizeof *w);
    w->k = sim_kernel_new(3);
    sim_vdet_bind(w->k);
    w->log = sim_evlog_new();
    w->net = sim_net_new(w->k, w->log);
    sim_subnet_t *home = sim_subnet_new(w->net, "home", 0x0a000000, 24, NULL, NULL, err, sizeof err);
    sim_subnet_t *dc = sim_subnet_new(w->net, "dc", 0xc6336400, 24, NULL, NULL, err, sizeof err);
    sim_host_t *a = sim_host_new(w->net, "a", err, sizeof err);
    sim_host_t *srv = sim_host_new(w->net, "stun", err, sizeof err);
    ck_assert(sim_iface_new(a, "eth0", home, 0x0a000005, NULL, err, sizeof err));
    ck_assert(sim_iface_new(srv, "eth0", dc, 0xc6336401, NULL, err, sizeof err));
    w->server = sim_stun_server_new(srv, 0xc6336401, 0, err, sizeof err);
    ck_assert_msg(w->server, "%s", err);
    ck_assert(!sim_stun_server_new(srv, 0xc6336401, 3478, err, sizeof err));  /* port in use */
    rtc_stun_agent_plain(&w->c.agent, true);
    w->sock = sim_udp_bind(a, 0, 0, on_reply, &w->c, err, sizeof err);
}

static void world_free(world_t *w)
{
    sim_stun_server_free(w->server);
    sim_vdet_bind(NULL);
    sim_net_free(w->net);
    sim_evlog_free(w->log);
    sim_kernel_free(w->k);
}

START_TEST(binding_returns_the_source_address)
{
    world_t w;
    world_init(&w);
    StunMessage m;
    uint8_t buf[STUN_MAX_MESSAGE_SIZE];
    size_t n = stun_usage_bind_create(&w.c.agent, &m, buf, sizeof buf);
    ck_assert_uint_gt(n, 0);
    sim_udp_send(w.sock, 0xc6336401, 3478, buf, n);
    sim_run_until(w.k, SIM_TIME_NEVER);
    ck_assert_int_eq(w.c.responses, 1);
    ck_assert_int_eq(w.c.last, RTC_STUN_VALID);
    ck_assert_uint_eq(w.c.mapped.ip, 0x0a000005);
    ck_assert_uint_eq(w.c.mapped.port, sim_udp_port(w.sock));
    sim_stun_server_stats_t st;
    sim_stun_server_stats(w.server, &st);
    ck_assert_uint_eq(st.answered, 1);
    ck_assert_str_eq(sim_evlog_get(w.log, 0)->name, "binding");
    ck_assert_str_eq(sim_evlog_get(w.log, 0)->src, "stun:198.51.100.1:3478");
    world_free(&w);
}
END_TEST

/* RFC 8489 s.12: a Binding request of RFC 3489's form (no magic cookie)
 * is answered with MAPPED-ADDRESS (RFC 3489 s.11.2.1), its 128-bit
 * transaction id echoed; one whose length field is wrong is ignored. */
START_TEST(rfc3489_binding_answered_with_mapped_address)
{
    world_t w;
    world_init(&w);
    uint8_t req[20] = { 0x00, 0x01, 0x00, 0x00 };
    for (int i = 4; i < 20; i++)
        req[i] = (uint8_t)(0xa0 + i);
    sim_udp_send(w.sock, 0xc6336401, 3478, req, sizeof req);
    uint8_t bad[24];
    memcpy(bad, req, 20);
    bad[3] = 8;                         /* says 8 bytes of attributes, has 4 */
    memset(bad + 20, 0, 4);
    sim_udp_send(w.sock, 0xc6336401, 3478, bad, sizeof bad);
    sim_run_until(w.k, SIM_TIME_NEVER);
    ck_assert_int_eq(w.c.responses, 1);
    ck_assert_uint_eq(w.c.rawlen, 32);
    ck_assert_uint_eq(w.c.raw[0], 0x01);     /* Binding success response */
    ck_assert_uint_eq(w.c.raw[1], 0x01);
    ck_assert_uint_eq(w.c.raw[3], 12);
    ck_assert(memcmp(w.c.raw + 4, req + 4, 16) == 0);
    const uint8_t attr[] = { 0x00, 0x01, 0x00, 0x08, 0x00, 0x01 };     /* MAPPED-ADDRESS, IPv4 */
    ck_assert(memcmp(w.c.raw + 20, attr, sizeof attr) == 0);
    uint16_t port = sim_udp_port(w.sock);
    ck_assert_uint_eq(w.c.raw[26] << 8 | w.c.raw[27], port);
    const uint8_t ip[] = { 10, 0, 0, 5 };
    ck_assert(memcmp(w.c.raw + 28, ip, 4) == 0);
    sim_stun_server_stats_t st;
    sim_stun_server_stats(w.server, &st);
    ck_assert_uint_eq(st.answered, 1);
    ck_assert_uint_eq(st.ignored, 1);
    world_free(&w);
}
END_TEST

START_TEST(refusals_and_ignored_datagrams)
{
    world_t w;
    world_init(&w);
    StunMessage m;
    uint8_t buf[512];
    /* Allocate to a STUN-only server: 400 */
    ck_assert(stun_agent_init_request(&w.c.agent, &m, buf, sizeof buf, STUN_ALLOCATE));
    size_t n = stun_agent_finish_message(&w.c.agent, &m, NULL, 0);
    sim_udp_send(w.sock, 0xc6336401, 3478, buf, n);
    sim_run_until(w.k, SIM_TIME_NEVER);
    ck_assert_int_eq(w.c.last, RTC_STUN_VALID);
    ck_assert_uint_eq(w.c.error, 400);
    /* an unknown comprehension-required attribute (0x7f00): 420 */
    ck_assert(stun_agent_init_request(&w.c.agent, &m, buf, sizeof buf, STUN_BINDING));
    stun_message_append32(&m, 0x7f00, 1);
    n = stun_agent_finish_message(&w.c.agent, &m, NULL, 0);
    sim_udp_send(w.sock, 0xc6336401, 3478, buf, n);
    sim_run_until(w.k, SIM_TIME_NEVER);
    ck_assert_uint_eq(w.c.error, 420);
    /* not STUN, a truncated request, an indication: no answer */
    sim_udp_send(w.sock, 0xc6336401, 3478, "hello", 5);
    ck_assert(stun_agent_init_request(&w.c.agent, &m, buf, sizeof buf, STUN_BINDING));
    n = stun_agent_finish_message(&w.c.agent, &m, NULL, 0);
    sim_udp_send(w.sock, 0xc6336401, 3478, buf, n - 1);
    ck_assert(stun_agent_init_indication(&w.c.agent, &m, buf, sizeof buf, STUN_BINDING));
    n = stun_agent_finish_message(&w.c.agent, &m, NULL, 0);
    sim_udp_send(w.sock, 0xc6336401, 3478, buf, n);
    sim_run_until(w.k, SIM_TIME_NEVER);
    ck_assert_int_eq(w.c.responses, 2);
    sim_stun_server_stats_t st;
    sim_stun_server_stats(w.server, &st);
    ck_assert_uint_eq(st.refused, 2);
    ck_assert_uint_eq(st.ignored, 3);
    ck_assert_uint_eq(st.answered, 0);
    world_free(&w);
}
END_TEST

/* RFC 5769 s.2.1, the sample request (a Binding request with credentials
 * the server ignores, RFC 8489 s.12): it passes the server's own
 * validation and is answered. */
START_TEST(rfc5769_request_answered)
{
    world_t w;
    world_init(&w);
    uint8_t buf[256];
    size_t n = fx_unhex(RFC5769_REQUEST, buf);
    ck_assert_uint_eq(n, 108);
    sim_udp_send(w.sock, 0xc6336401, 3478, buf, n);
    buf[3] += 4;            /* a length that is not the datagram's: not answered */
    sim_udp_send(w.sock, 0xc6336401, 3478, buf, n);
    sim_run_until(w.k, SIM_TIME_NEVER);
    sim_stun_server_stats_t st;
    sim_stun_server_stats(w.server, &st);
    ck_assert_uint_eq(st.answered, 1);
    ck_assert_uint_eq(st.ignored, 1);
    ck_assert_str_eq(sim_evlog_get(w.log, 1)->name, "ignored");
    world_free(&w);
}
END_TEST

static Suite *stun_server_suite(void)
{
    Suite *s = suite_create("stun_server");
    TCase *t = tcase_create("binding");
    tcase_add_test(t, binding_returns_the_source_address);
    tcase_add_test(t, refusals_and_ignored_datagrams);
    tcase_add_test(t, rfc3489_binding_answered_with_mapped_address);
    tcase_add_test(t, rfc5769_request_answered);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stun_server_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
