/*
 * test_turn_server.c - the TURN server (RFC 8656 over UDP) driven by a
 * client written here with libnice's STUN library: the 401 challenge,
 * wrong credentials, a stale nonce (438), Allocate, permissions, Send and
 * Data indications, channels, Refresh to 0, the quota, permission expiry.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <stun/stunagent.h>

#include "fixture.h"
#include "check/evlog.h"
#include "kernel/kernel.h"
#include "net/net.h"
#include "stun.h"
#include "servers/turn_server.h"
#include "kernel/vdet.h"

#define SERVER 0xc6336401u  /* 198.51.100.1 */
#define CLIENT 0x0a000002u
#define PEER   0xcb007105u  /* 203.0.113.5 */
#define PEER2  0xcb007106u

typedef struct got {
    int      n;
    uint8_t  last[2048];
    size_t   len, full_len;     /* what last holds; the datagram's length */
    uint32_t from_ip;
    uint16_t from_port;
} got_t;

static void on_rx(void *arg, sim_udp_t *s, const sim_pkt_t *p)
{
    got_t *g = arg;
    g->n++;
    g->len = p->len < sizeof g->last ? p->len : sizeof g->last;
    g->full_len = p->len;
    memcpy(g->last, p->data, g->len);
    g->from_ip = p->src_ip;
    g->from_port = p->src_port;
}

typedef struct world {
    sim_kernel_t      *k;
    sim_net_t         *net;
    sim_turn_server_t *srv;
    sim_udp_t         *client, *client2, *peer, *peer2;
    got_t              gc, gc2, gp, gp2;
    StunAgent          agent;
    char               nonce[64];
    uint8_t            sent[1024];       /* the last request, as sent */
    size_t             sentlen;
} world_t;

static void world_init(world_t *w, unsigned quota)
{
    char err[256];
    memset(w, 0, sizeof *w);
    w->k = sim_kernel_new(4);
    sim_vdet_bind(w->k);
    w->net = sim_net_new(w->k, NULL);
    /* links that carry any UDP datagram: the server, not the network,
     * decides what it cannot relay (relaying_large) */
    sim_link_params_t big;
    sim_link_params_default(&big);
    big.mtu = 65535;
    sim_net_set_core(w->net, &big);
    sim_subnet_t *lan = sim_subnet_new(w->net, "lan", 0x0a000000, 24, &big, &big, err, sizeof err);
    sim_subnet_t *dc = sim_subnet_new(w->net, "dc", 0xc6336400, 24, &big, &big, err, sizeof err);
    sim_subnet_t *pn = sim_subnet_new(w->net, "peers", 0xcb007100, 24, &big, &big, err, sizeof err);
    sim_host_t *c = sim_host_new(w->net, "c", err, sizeof err), *s = sim_host_new(w->net, "turn", err, sizeof err);
    sim_host_t *p = sim_host_new(w->net, "p", err, sizeof err), *p2 = sim_host_new(w->net, "p2", err, sizeof err);
    sim_iface_new(c, "eth0", lan, CLIENT, NULL, err, sizeof err);
    sim_iface_new(s, "eth0", dc, SERVER, NULL, err, sizeof err);
    sim_iface_new(p, "eth0", pn, PEER, NULL, err, sizeof err);
    sim_iface_new(p2, "eth0", pn, PEER2, NULL, err, sizeof err);
    w->srv = sim_turn_server_new(s, SERVER, 0, "example.org", quota, err, sizeof err);
    ck_assert_msg(w->srv, "%s", err);
    sim_turn_server_user(w->srv, "alice", "secret");
    w->client = sim_udp_bind(c, 0, 5000, on_rx, &w->gc, err, sizeof err);
    w->client2 = sim_udp_bind(c, 0, 5001, on_rx, &w->gc2, err, sizeof err);
    w->peer = sim_udp_bind(p, 0, 9, on_rx, &w->gp, err, sizeof err);
    w->peer2 = sim_udp_bind(p2, 0, 9, on_rx, &w->gp2, err, sizeof err);
    rtc_stun_agent_turn(&w->agent);
}

static void world_free(world_t *w)
{
    sim_turn_server_free(w->srv);
    sim_vdet_bind(NULL);
    sim_net_free(w->net);
    sim_kernel_free(w->k);
}

static void run(world_t *w)
{
    sim_run_until(w->k, sim_now(w->k) + SIM_MS(10));
}

static void add_xor(StunMessage *m, StunAttribute type, uint32_t ip, uint16_t port)
{
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip) };
    stun_message_append_xor_addr(m, type, (const struct sockaddr_storage *)&in, sizeof in);
}

typedef struct req {
    StunMethod  method;
    const char *user, *password;
    bool        indication;
    uint32_t    transport, lifetime, channel;
    bool        has_lifetime;
    uint32_t    peer_ip;
    uint16_t    peer_port;
    const char *data;
} req_t;

static void send_req(world_t *w, sim_udp_t *from, const req_t *r)
{
    StunMessage m;
    uint8_t buf[1024];
    if (r->indication)
        ck_assert(stun_agent_init_indication(&w->agent, &m, buf, sizeof buf, r->method));
    else
        ck_assert(stun_agent_init_request(&w->agent, &m, buf, sizeof buf, r->method));
    if (r->transport)
        stun_message_append32(&m, STUN_ATTRIBUTE_REQUESTED_TRANSPORT, r->transport << 24);
    if (r->has_lifetime)
        stun_message_append32(&m, STUN_ATTRIBUTE_LIFETIME, r->lifetime);
    if (r->channel)
        stun_message_append32(&m, STUN_ATTRIBUTE_CHANNEL_NUMBER, r->channel << 16);
    if (r->peer_ip)
        add_xor(&m, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, r->peer_ip, r->peer_port);
    if (r->data)
        stun_message_append_bytes(&m, STUN_ATTRIBUTE_DATA, r->data, strlen(r->data));
    if (r->user) {
        stun_message_append_string(&m, STUN_ATTRIBUTE_USERNAME, r->user);
        stun_message_append_string(&m, STUN_ATTRIBUTE_REALM, "example.org");
        stun_message_append_string(&m, STUN_ATTRIBUTE_NONCE, w->nonce);
    }
    size_t n = stun_agent_finish_message(&w->agent, &m, r->password ? (const uint8_t *)r->password : NULL,
                                         r->password ? strlen(r->password) : 0);
    ck_assert_uint_gt(n, 0);
    memcpy(w->sent, buf, n);
    w->sentlen = n;
    sim_udp_send(from, SERVER, 3478, buf, n);
    run(w);
}

/* The class and error code of the last message the client got; the nonce
 * is kept for the next request. */
static int last_error(world_t *w, got_t *g)
{
    StunMessage m = { .buffer = g->last, .buffer_len = g->len };
    uint16_t nlen;
    const char *nonce = stun_message_find(&m, STUN_ATTRIBUTE_NONCE, &nlen);
    if (nonce && nlen < sizeof w->nonce) {
        memcpy(w->nonce, nonce, nlen);
        w->nonce[nlen] = '\0';
    }
    int code = 0;
    if (stun_message_get_class(&m) == STUN_ERROR)
        stun_message_find_error(&m, &code);
    return code;
}

static uint16_t relayed_port(got_t *g)
{
    StunMessage m = { .buffer = g->last, .buffer_len = g->len };
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    ck_assert_int_eq(stun_message_find_xor_addr(&m, STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, &ss, &sl),
                     STUN_MESSAGE_RETURN_SUCCESS);
    const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
    ck_assert_uint_eq(ntohl(in->sin_addr.s_addr), SERVER);
    return ntohs(in->sin_port);
}

static uint16_t allocate(world_t *w)
{
    req_t a = { .method = STUN_ALLOCATE, .transport = 17 };
    send_req(w, w->client, &a);
    ck_assert_int_eq(last_error(w, &w->gc), 401);          /* the challenge */
    a.user = "alice";
    a.password = "secret";
    send_req(w, w->client, &a);
    ck_assert_int_eq(last_error(w, &w->gc), 0);
    return relayed_port(&w->gc);
}

START_TEST(credentials)
{
    world_t w;
    world_init(&w, 0);
    req_t a = { .method = STUN_ALLOCATE, .transport = 17 };
    send_req(&w, w.client, &a);
    ck_assert_int_eq(last_error(&w, &w.gc), 401);
    ck_assert_str_ne(w.nonce, "");
    a.user = "alice";
    a.password = "wrong";
    send_req(&w, w.client, &a);
    ck_assert_int_eq(last_error(&w, &w.gc), 401);
    a.user = "mallory";
    a.password = "secret";
    send_req(&w, w.client, &a);
    ck_assert_int_eq(last_error(&w, &w.gc), 401);
    sim_turn_server_new_nonce(w.srv);
    a.user = "alice";
    send_req(&w, w.client, &a);
    ck_assert_int_eq(last_error(&w, &w.gc), 438);           /* and the new nonce came with it */
    a.transport = 6;
    send_req(&w, w.client, &a);
    ck_assert_int_eq(last_error(&w, &w.gc), 442);
    a.transport = 17;
    send_req(&w, w.client, &a);
    ck_assert_int_eq(last_error(&w, &w.gc), 0);
    send_req(&w, w.client, &a);
    ck_assert_int_eq(last_error(&w, &w.gc), 437);           /* one allocation per 5-tuple */
    sim_turn_stats_t st;
    sim_turn_server_stats(w.srv, &st);
    ck_assert_uint_eq(st.allocations, 1);
    world_free(&w);
}
END_TEST

/* RFC 8656 s.7.2 with RFC 8489 s.6.2.1 (D187): the Allocate that made the
 * allocation, retransmitted because its answer was lost, is answered with
 * the same success again; another Allocate on the 5-tuple is a 437. */
START_TEST(allocate_retransmitted)
{
    world_t w;
    world_init(&w, 0);
    uint16_t port = allocate(&w);
    sim_udp_send(w.client, SERVER, 3478, w.sent, w.sentlen);
    run(&w);
    ck_assert_int_eq(last_error(&w, &w.gc), 0);
    ck_assert_uint_eq(relayed_port(&w.gc), port);
    StunMessage m = { .buffer = w.gc.last, .buffer_len = w.gc.len };
    ck_assert_mem_eq(w.gc.last + 8, w.sent + 8, 12);        /* its transaction */
    uint32_t life = 0;
    ck_assert_int_eq(stun_message_find32(&m, STUN_ATTRIBUTE_LIFETIME, &life), STUN_MESSAGE_RETURN_SUCCESS);
    ck_assert_uint_eq(life, 600);
    req_t a = { .method = STUN_ALLOCATE, .transport = 17, .user = "alice", .password = "secret" };
    send_req(&w, w.client, &a);                              /* a new transaction */
    ck_assert_int_eq(last_error(&w, &w.gc), 437);
    sim_turn_stats_t st;
    sim_turn_server_stats(w.srv, &st);
    ck_assert_uint_eq(st.allocations, 1);
    world_free(&w);
}
END_TEST

START_TEST(relaying)
{
    world_t w;
    world_init(&w, 0);
    uint16_t relay = allocate(&w);
    /* no permission yet: nothing goes out, nothing comes in */
    req_t send = { .method = STUN_IND_SEND, .indication = true, .peer_ip = PEER, .peer_port = 9, .data = "hello" };
    send_req(&w, w.client, &send);
    ck_assert_int_eq(w.gp.n, 0);
    int before = w.gc.n;
    sim_udp_send(w.peer, SERVER, relay, "in", 2);
    run(&w);
    ck_assert_int_eq(w.gc.n, before);
    req_t perm = { .method = STUN_CREATEPERMISSION, .user = "alice", .password = "secret", .peer_ip = PEER };
    send_req(&w, w.client, &perm);
    ck_assert_int_eq(last_error(&w, &w.gc), 0);
    send_req(&w, w.client, &send);
    ck_assert_int_eq(w.gp.n, 1);
    ck_assert_mem_eq(w.gp.last, "hello", 5);
    ck_assert_uint_eq(w.gp.from_ip, SERVER);
    ck_assert_uint_eq(w.gp.from_port, relay);
    /* the peer answers: a Data indication */
    sim_udp_send(w.peer, SERVER, relay, "back", 4);
    run(&w);
    StunMessage m = { .buffer = w.gc.last, .buffer_len = w.gc.len };
    ck_assert_int_eq(stun_message_get_class(&m), STUN_INDICATION);
    ck_assert_int_eq(stun_message_get_method(&m), STUN_IND_DATA);
    uint16_t dl;
    const void *d = stun_message_find(&m, STUN_ATTRIBUTE_DATA, &dl);
    ck_assert(d && dl == 4 && memcmp(d, "back", 4) == 0);
    /* another peer has no permission */
    int n = w.gc.n;
    sim_udp_send(w.peer2, SERVER, relay, "x", 1);
    run(&w);
    ck_assert_int_eq(w.gc.n, n);
    /* a channel: ChannelData both ways */
    req_t bind = { .method = STUN_CHANNELBIND, .user = "alice", .password = "secret", .peer_ip = PEER,
                   .peer_port = 9, .channel = 0x4001 };
    send_req(&w, w.client, &bind);
    ck_assert_int_eq(last_error(&w, &w.gc), 0);
    sim_udp_send(w.peer, SERVER, relay, "chan", 4);
    run(&w);
    ck_assert_uint_eq(w.gc.len, 8);
    ck_assert_mem_eq(w.gc.last, "\x40\x01\x00\x04" "chan", 8);
    sim_udp_send(w.client, SERVER, 3478, "\x40\x01\x00\x02" "up", 6);
    run(&w);
    ck_assert_mem_eq(w.gp.last, "up", 2);
    /* an unbound channel number is dropped */
    n = w.gp.n;
    sim_udp_send(w.client, SERVER, 3478, "\x40\x02\x00\x02" "no", 6);
    run(&w);
    ck_assert_int_eq(w.gp.n, n);
    /* permissions end after 300 s without refresh (s.9) */
    sim_run_until(w.k, sim_now(w.k) + SIM_SEC(301));
    n = w.gc.n;
    sim_udp_send(w.peer, SERVER, relay, "late", 4);
    run(&w);
    ck_assert_int_eq(w.gc.n, n);
    world_free(&w);
}
END_TEST

/* A peer may send any UDP datagram to a relayed address. What the client
 * can be given (ChannelData up to 65,503 bytes of data, a Data indication
 * up to 65,468) is relayed; what UDP cannot carry to it is a counted drop.
 * Before the fix the server built its messages in 2 KB: a larger datagram
 * was counted as relayed and vanished. */
START_TEST(relaying_large)
{
    world_t w;
    world_init(&w, 0);
    uint16_t relay = allocate(&w);
    req_t perm = { .method = STUN_CREATEPERMISSION, .user = "alice", .password = "secret", .peer_ip = PEER };
    send_req(&w, w.client, &perm);
    ck_assert_int_eq(last_error(&w, &w.gc), 0);
    static uint8_t data[SIM_UDP_MAX_PAYLOAD];
    static const struct { size_t len, out; } di[] = {   /* out 0: dropped */
        { 3000, 20 + 12 + 4 + 3000 }, { 65468, 65504 }, { 65469, 0 }, { 65507, 0 } };
    sim_turn_stats_t st0, st;
    for (size_t i = 0; i < sizeof di / sizeof di[0]; i++) {
        sim_turn_server_stats(w.srv, &st0);
        int n = w.gc.n;
        sim_udp_send(w.peer, SERVER, relay, data, di[i].len);
        run(&w);
        sim_turn_server_stats(w.srv, &st);
        ck_assert_int_eq(w.gc.n, n + (di[i].out ? 1 : 0));
        if (di[i].out)
            ck_assert_uint_eq(w.gc.full_len, di[i].out);
        ck_assert_uint_eq(st.relayed_in, st0.relayed_in + (di[i].out ? 1 : 0));
        ck_assert_uint_eq(st.dropped, st0.dropped + (di[i].out ? 0 : 1));
    }
    req_t bind = { .method = STUN_CHANNELBIND, .user = "alice", .password = "secret", .peer_ip = PEER,
                   .peer_port = 9, .channel = 0x4001 };
    send_req(&w, w.client, &bind);
    ck_assert_int_eq(last_error(&w, &w.gc), 0);
    static const struct { size_t len, out; } cd[] = { { 3000, 3004 }, { 65503, 65507 }, { 65504, 0 } };
    for (size_t i = 0; i < sizeof cd / sizeof cd[0]; i++) {
        sim_turn_server_stats(w.srv, &st0);
        int n = w.gc.n;
        sim_udp_send(w.peer, SERVER, relay, data, cd[i].len);
        run(&w);
        sim_turn_server_stats(w.srv, &st);
        ck_assert_int_eq(w.gc.n, n + (cd[i].out ? 1 : 0));
        if (cd[i].out) {
            ck_assert_uint_eq(w.gc.full_len, cd[i].out);
            ck_assert_mem_eq(w.gc.last, "\x40\x01", 2);
        }
        ck_assert_uint_eq(st.channel_in, st0.channel_in + (cd[i].out ? 1 : 0));
        ck_assert_uint_eq(st.dropped, st0.dropped + (cd[i].out ? 0 : 1));
    }
    world_free(&w);
}
END_TEST

START_TEST(refresh_and_quota)
{
    world_t w;
    world_init(&w, 1);
    allocate(&w);
    req_t a2 = { .method = STUN_ALLOCATE, .transport = 17, .user = "alice", .password = "secret" };
    send_req(&w, w.client2, &a2);
    ck_assert_int_eq(last_error(&w, &w.gc2), 486);          /* quota of one */
    req_t refresh = { .method = STUN_REFRESH, .user = "alice", .password = "secret", .has_lifetime = true,
                      .lifetime = 0 };
    send_req(&w, w.client, &refresh);
    ck_assert_int_eq(last_error(&w, &w.gc), 0);
    sim_turn_stats_t st;
    sim_turn_server_stats(w.srv, &st);
    ck_assert_uint_eq(st.allocations, 0);
    send_req(&w, w.client2, &a2);
    ck_assert_int_eq(last_error(&w, &w.gc2), 0);            /* room again */
    /* an allocation not refreshed goes after its lifetime (600 s) */
    sim_run_until(w.k, sim_now(w.k) + SIM_SEC(601));
    sim_turn_server_stats(w.srv, &st);
    ck_assert_uint_eq(st.allocations, 0);
    world_free(&w);
}
END_TEST

/* RFC 5769 s.2.4, the request with long-term authentication, through the
 * server's own validation: with the vector's user and password its
 * MESSAGE-INTEGRITY holds, and the server goes on to its nonce check
 * (438: the vector's nonce is not the server's); with another password,
 * 401. */
#define MATRIX "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9"

START_TEST(rfc5769_long_term_request)
{
    uint8_t buf[256];
    size_t n = fx_unhex(RFC5769_LONG_TERM, buf);
    ck_assert_uint_eq(n, 116);
    static const char *const passwords[] = { "TheMatrIX", "TheMatrix" };
    static const int want[] = { 438, 401 };
    for (int i = 0; i < 2; i++) {
        world_t w;
        world_init(&w, 0);
        sim_turn_server_user(w.srv, MATRIX, passwords[i]);
        sim_udp_send(w.client, SERVER, 3478, buf, n);
        run(&w);
        ck_assert_int_eq(w.gc.n, 1);
        ck_assert_int_eq(last_error(&w, &w.gc), want[i]);
        world_free(&w);
    }
}
END_TEST

static Suite *turn_suite(void)
{
    Suite *s = suite_create("turn_server");
    TCase *t = tcase_create("rfc8656");
    tcase_add_test(t, credentials);
    tcase_add_test(t, allocate_retransmitted);
    tcase_add_test(t, relaying);
    tcase_add_test(t, relaying_large);
    tcase_add_test(t, refresh_and_quota);
    tcase_add_test(t, rfc5769_long_term_request);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(turn_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
