/*
 * test_ice.c - RTCSocket and RTCConnection (ref/ice.h) between simulated
 * hosts, with the application's part (signalling descriptions and
 * candidates, setLocalCandidate) played by the test: host candidates on a
 * LAN, server-reflexive gathering, loss during the checks, a lost
 * nomination replaced by a triggered check, a role conflict,
 * forking on one socket, consent loss.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/evlog.h"
#include "host/ice_host.h"
#include "fixture.h"
#include "kernel/kernel.h"
#include "net/net.h"
#include "servers/stun_server.h"
#include "servers/turn_server.h"
#include "ice_private.h"
#include "kernel/vdet.h"

#define SIGNAL_DELAY SIM_MS(20)

typedef struct peer {
    struct world     *w;
    sim_ice_socket_t *sock;
    rtc_connection_t *conn;
    struct peer      *other;
    int               candidates, end_of_candidates, active, connected, disconnected;
    sim_time_t        connected_at, disconnected_at;
    rtc_candidate_t   active_local, active_remote;
    rtc_cand_type_t   seen_types[8];
} peer_t;

typedef struct world {
    sim_kernel_t *k;
    sim_evlog_t  *log;
    sim_net_t    *net;
    sim_host_t   *ha, *hb;
    sim_iface_t  *ia, *ib;
    peer_t        a, b;
} world_t;

typedef struct msg {
    peer_t         *to;
    rtc_candidate_t cand;
} msg_t;

static void deliver_candidate(void *arg)
{
    msg_t *m = arg;
    char err[256];
    if (!m->to->conn) {     /* a peer that is only an address */
        free(m);
        return;
    }
    ck_assert_msg(rtc_connection_set_remote_candidate(m->to->conn, &m->cand, err, sizeof err) == 0, "%s", err);
    sim_ice_socket_poke(m->to->sock);
    free(m);
}

static void on_event(void *arg, rtc_connection_t *c, const rtc_ice_event_t *ev)
{
    peer_t *p = arg;
    char err[256];
    switch (ev->type) {
    case RTC_ICE_CANDIDATE:
        if (p->candidates < 8)
            p->seen_types[p->candidates] = ev->local.type;
        p->candidates++;
        /* the application: use it, and trickle it to the peer */
        ck_assert_msg(rtc_connection_set_local_candidate(c, &ev->local, err, sizeof err) == 0, "%s", err);
        msg_t *m = malloc(sizeof *m);
        m->to = p->other;
        m->cand = ev->local;
        sim_after(p->w->k, SIGNAL_DELAY, deliver_candidate, m);
        break;
    case RTC_ICE_END_OF_CANDIDATES:
        p->end_of_candidates++;
        break;
    case RTC_ICE_ACTIVE_CANDIDATE:
        p->active++;
        p->active_local = ev->local;
        p->active_remote = ev->remote;
        break;
    case RTC_ICE_CONNECTED:
        p->connected++;
        p->connected_at = sim_now(p->w->k);
        break;
    case RTC_ICE_DISCONNECTED:
        p->disconnected++;
        p->disconnected_at = sim_now(p->w->k);
        break;
    case RTC_ICE_TURN_ERROR:
    case RTC_ICE_DTLS_CONNECTED:
    case RTC_ICE_DTLS_FAILED:
    default:
        break;
    }
}

static void world_init(world_t *w, uint64_t seed, double loss)
{
    char err[256];
    memset(w, 0, sizeof *w);
    w->k = sim_kernel_new(seed);
    sim_vdet_bind(w->k);
    w->log = sim_evlog_new();
    w->net = sim_net_new(w->k, w->log);
    sim_link_params_t lp;
    sim_link_params_default(&lp);
    lp.latency = SIM_MS(5);
    lp.loss = loss;
    sim_subnet_t *lan = sim_subnet_new(w->net, "lan", 0x0a000000, 24, &lp, NULL, err, sizeof err);
    w->ha = sim_host_new(w->net, "a", err, sizeof err);
    w->hb = sim_host_new(w->net, "b", err, sizeof err);
    w->ia = sim_iface_new(w->ha, "eth0", lan, 0x0a000001, NULL, err, sizeof err);
    w->ib = sim_iface_new(w->hb, "eth0", lan, 0x0a000002, NULL, err, sizeof err);
    w->a.w = w->b.w = w;
    w->a.other = &w->b;
    w->b.other = &w->a;
}

static void sockets(world_t *w, const rtc_addr_t *stun, size_t nstun)
{
    char err[256];
    w->a.sock = sim_ice_socket_new(w->ha, NULL, stun, nstun, NULL, 0, on_event, &w->a, err, sizeof err);
    w->b.sock = sim_ice_socket_new(w->hb, NULL, stun, nstun, NULL, 0, on_event, &w->b, err, sizeof err);
    ck_assert_msg(w->a.sock && w->b.sock, "%s", err);
}

/* Offer, answer, connect on both sides. */
static void offer_answer(world_t *w)
{
    char err[256];
    w->a.conn = sim_ice_connection_new(w->a.sock, NULL, NULL, err, sizeof err);
    ck_assert_msg(w->a.conn, "%s", err);
    rtc_conn_desc_t offer, answer;
    rtc_connection_local_description(w->a.conn, &offer);
    w->b.conn = sim_ice_connection_new(w->b.sock, &offer, NULL, err, sizeof err);
    ck_assert_msg(w->b.conn, "%s", err);
    ck_assert_str_eq(rtc_connection_id(w->b.conn), offer.id);
    rtc_connection_local_description(w->b.conn, &answer);
    ck_assert_int_eq(rtc_connection_set_remote_description(w->b.conn, &offer, err, sizeof err), -1);
    ck_assert(strstr(err, "offerer only"));
    ck_assert_int_eq(rtc_connection_set_remote_description(w->a.conn, &answer, err, sizeof err), 0);
    ck_assert_int_eq(rtc_connection_connect(w->a.conn, err, sizeof err), 0);
    ck_assert_int_eq(rtc_connection_connect(w->b.conn, err, sizeof err), 0);
    ck_assert_int_eq(rtc_connection_connect(w->b.conn, err, sizeof err), -1);
    sim_ice_socket_poke(w->a.sock);
    sim_ice_socket_poke(w->b.sock);
}

static void world_free(world_t *w)
{
    sim_ice_socket_free(w->a.sock);
    sim_ice_socket_free(w->b.sock);
    sim_vdet_bind(NULL);
    sim_net_free(w->net);
    sim_evlog_free(w->log);
    sim_kernel_free(w->k);
}

START_TEST(host_candidates_on_a_lan)
{
    world_t w;
    world_init(&w, 1, 0);
    sockets(&w, NULL, 0);
    offer_answer(&w);
    sim_run_until(w.k, SIM_SEC(10));
    ck_assert_int_eq(w.a.candidates, 1);
    ck_assert_int_eq(w.a.end_of_candidates, 1);
    ck_assert_int_eq(w.a.connected, 1);
    ck_assert_int_eq(w.b.connected, 1);
    ck_assert_int_eq(w.a.active_local.type, RTC_CAND_HOST);
    ck_assert_uint_eq(w.a.active_remote.addr.ip, 0x0a000002);
    ck_assert_uint_eq(w.b.active_remote.addr.ip, 0x0a000001);
    /* candidates arrive 20 ms after gathering; a check round trip is 20 ms */
    ck_assert_uint_lt(w.a.connected_at, SIM_MS(200));
    ck_assert_int_eq(w.a.disconnected + w.b.disconnected, 0);
    /* consent keeps it up: still connected after 10 s */
    world_free(&w);
}
END_TEST

START_TEST(loss_during_checks)
{
    world_t w;
    world_init(&w, 4, 0.3);
    sockets(&w, NULL, 0);
    offer_answer(&w);
    sim_run_until(w.k, SIM_SEC(60));
    ck_assert_int_eq(w.a.connected, 1);
    ck_assert_int_eq(w.b.connected, 1);
    world_free(&w);
}
END_TEST

START_TEST(server_reflexive_gathering)
{
    char err[256];
    world_t w;
    world_init(&w, 2, 0);
    sim_subnet_t *dc = sim_subnet_new(w.net, "dc", 0xc6336400, 24, NULL, NULL, err, sizeof err);
    sim_host_t *hs = sim_host_new(w.net, "stun", err, sizeof err);
    sim_iface_new(hs, "eth0", dc, 0xc6336401, NULL, err, sizeof err);
    sim_stun_server_t *srv = sim_stun_server_new(hs, 0xc6336401, 3478, err, sizeof err);
    /* one server that answers, one address where nobody listens */
    rtc_addr_t servers[2] = { { 0xc6336401, 3478 }, { 0xc6336401, 3479 } };
    sockets(&w, servers, 2);
    offer_answer(&w);
    sim_run_until(w.k, SIM_SEC(60));
    /* without a NAT the server-reflexive address is the host one: redundant */
    ck_assert_int_eq(w.a.candidates, 1);
    ck_assert_int_eq(w.a.end_of_candidates, 1);
    ck_assert_int_eq(w.a.connected, 1);
    sim_stun_server_stats_t st;
    sim_stun_server_stats(srv, &st);
    ck_assert_uint_eq(st.answered, 2);
    /* end of candidates waited for the silent server's whole transaction:
     * RFC 8489 s.6.2.1, 39.5 s */
    sim_stun_server_free(srv);
    world_free(&w);
}
END_TEST

START_TEST(consent_lost)
{
    world_t w;
    world_init(&w, 5, 0);
    sockets(&w, NULL, 0);
    offer_answer(&w);
    sim_run_until(w.k, SIM_SEC(5));
    ck_assert_int_eq(w.a.connected, 1);
    sim_iface_set_up(w.ib, false);          /* b vanishes */
    sim_run_until(w.k, SIM_SEC(60));
    ck_assert_int_eq(w.a.disconnected, 1);
    /* RFC 7675: within 30 s of the last answer (plus one consent interval) */
    ck_assert_uint_le(w.a.disconnected_at, SIM_SEC(5) + SIM_SEC(30) + SIM_SEC(6));
    ck_assert_uint_ge(w.a.disconnected_at, SIM_SEC(30));
    world_free(&w);
}
END_TEST

START_TEST(descriptions_and_candidates_checked)
{
    char err[256];
    world_t w;
    world_init(&w, 6, 0);
    sockets(&w, NULL, 0);
    rtc_conn_desc_t bad = { .id = "x", .ufrag = "ab", .pwd = "0123456789012345678901" };
    ck_assert_ptr_null(sim_ice_connection_new(w.b.sock, &bad, NULL, err, sizeof err));
    ck_assert(strstr(err, "usefrag 'ab'"));
    w.a.conn = sim_ice_connection_new(w.a.sock, NULL, NULL, err, sizeof err);
    rtc_candidate_t c = { .type = RTC_CAND_HOST, .foundation = "abc", .component = 3, .priority = 1,
                          .addr = { 0x0a000002, 9 } };
    ck_assert_int_eq(rtc_connection_set_remote_candidate(w.a.conn, &c, err, sizeof err), -1);
    ck_assert(strstr(err, "component"));
    c.component = 1;
    ck_assert_int_eq(rtc_connection_set_local_candidate(w.a.conn, &c, err, sizeof err), -1);
    ck_assert(strstr(err, "not a candidate this connection gathered"));
    rtc_conn_desc_t other;
    rtc_connection_local_description(w.a.conn, &other);
    strcpy(other.id, "someone-else");
    ck_assert_int_eq(rtc_connection_set_remote_description(w.a.conn, &other, err, sizeof err), -1);
    ck_assert(strstr(err, "connection-id 'someone-else'"));
    world_free(&w);
}
END_TEST

/* An offerer whose peer exists only in its remote description: the test
 * plays the peer by hand. */
static void lone_offerer(world_t *w, uint64_t seed)
{
    char err[256];
    world_init(w, seed, 0);
    sockets(w, NULL, 0);
    w->a.conn = sim_ice_connection_new(w->a.sock, NULL, NULL, err, sizeof err);
    rtc_conn_desc_t d;
    rtc_connection_local_description(w->a.conn, &d);
    strcpy(d.ufrag, "peer");
    strcpy(d.pwd, "0123456789abcdefghijkl");
    ck_assert_int_eq(rtc_connection_set_remote_description(w->a.conn, &d, err, sizeof err), 0);
}

/* Every check fails: a remote candidate where nobody is. The pair's
 * transaction gives up after RFC 8489's 39.5 s, and ondisconnected fires. */
START_TEST(all_checks_fail)
{
    char err[256];
    world_t w;
    lone_offerer(&w, 7);
    rtc_candidate_t c = { .type = RTC_CAND_HOST, .foundation = "x", .component = 1, .priority = 100,
                          .addr = { 0x0a000063, 5000 } };
    ck_assert_int_eq(rtc_connection_set_remote_candidate(w.a.conn, &c, err, sizeof err), 0);
    ck_assert_int_eq(rtc_connection_connect(w.a.conn, err, sizeof err), 0);
    sim_ice_socket_poke(w.a.sock);
    sim_run_until(w.k, SIM_SEC(39));
    ck_assert_int_eq(w.a.disconnected, 0);
    sim_run_until(w.k, SIM_SEC(45));
    ck_assert_int_eq(w.a.disconnected, 1);
    ck_assert_int_eq(w.a.connected, 0);
    world_free(&w);
}
END_TEST

/* A remote candidate of component 2 is taken but never paired with our
 * component-1 candidates (RFC 8445 s.6.1.2.2): no check goes out. */
START_TEST(component_2_not_paired)
{
    char err[256];
    world_t w;
    lone_offerer(&w, 8);
    rtc_candidate_t c = { .type = RTC_CAND_HOST, .foundation = "x", .component = 2, .priority = 100,
                          .addr = { 0x0a000002, 5000 } };
    ck_assert_int_eq(rtc_connection_set_remote_candidate(w.a.conn, &c, err, sizeof err), 0);
    rtc_connection_connect(w.a.conn, err, sizeof err);
    sim_ice_socket_poke(w.a.sock);
    sim_run_until(w.k, SIM_SEC(5));
    sim_link_stats_t st;
    sim_link_get_stats(sim_iface_link(w.ia), 0, &st);
    ck_assert_uint_eq(st.sent, 0);
    c.component = 1;
    ck_assert_int_eq(rtc_connection_set_remote_candidate(w.a.conn, &c, err, sizeof err), 0);
    sim_run_until(w.k, SIM_SEC(6));
    sim_link_get_stats(sim_iface_link(w.ia), 0, &st);
    ck_assert_uint_gt(st.sent, 0);
    world_free(&w);
}
END_TEST

/* ---- the environment's contract (rtc_env.h), with an environment of the
 * test's own that records every call ---- */

typedef struct fake_env {
    uint64_t          now;
    rtc_send_status_t answer;       /* what send says */
    int               sends, timers;
    bool              constructing_socket;
    rtc_timer_owner_t last_owner;
    void             *last_obj, *last_opaque;
    uint64_t          last_at;
    uint16_t          watch_port;   /* sends to this port are timed */
    uint64_t          watch_at[8];
    int               nwatch;
} fake_env_t;

static uint64_t fake_now(void *ctx) { return ((fake_env_t *)ctx)->now; }

static void fake_random(void *ctx, void *buf, size_t len) { memset(buf, 0x5a, len); }

static rtc_send_status_t fake_send(void *ctx, const rtc_addr_t *from, const rtc_addr_t *to,
                                   const uint8_t *data, size_t len)
{
    fake_env_t *f = ctx;
    f->sends++;
    if (f->watch_port && to->port == f->watch_port && f->nwatch < 8)
        f->watch_at[f->nwatch++] = f->now;
    return f->answer;
}

static void fake_set_timer(void *ctx, rtc_timer_owner_t owner, void *obj, uint64_t at)
{
    fake_env_t *f = ctx;
    ck_assert_msg(!f->constructing_socket, "set_timer called from rtc_socket_new");
    f->timers++;
    f->last_owner = owner;
    f->last_obj = obj;
    f->last_at = at;
    /* a connection's opaque is there from its first timer on */
    f->last_opaque = owner == RTC_TIMER_CONNECTION ? rtc_connection_opaque(obj) : NULL;
}

START_TEST(environment_contract)
{
    char err[256];
    fake_env_t f = { .answer = RTC_SEND_NOT_LOCAL };
    rtc_env_t env = { .ctx = &f, .now = fake_now, .set_timer = fake_set_timer, .send = fake_send,
                      .random = fake_random };
    rtc_addr_t local = { 0x0a000001, 5000 }, stun = { 0x0a000009, 3478 };
    f.constructing_socket = true;
    rtc_socket_t *s = rtc_socket_new(&env, &local, 1, &stun, 1);
    f.constructing_socket = false;
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(f.timers, 0);
    /* the connection arms its timer from the constructor (the Binding
     * request to the STUN server), typed, with the opaque already there */
    int marker;
    rtc_connection_t *c = rtc_connection_new(s, NULL, &marker, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_gt(f.timers, 0);
    ck_assert_int_eq(f.last_owner, RTC_TIMER_CONNECTION);
    ck_assert_ptr_eq(f.last_obj, c);
    ck_assert_ptr_eq(f.last_opaque, &marker);
    ck_assert_uint_eq(f.last_at, SIM_MS(500));       /* RFC 8489 s.6.2.1: RTO */
    /* a send the environment refused is counted by its reason, and the
     * transaction is retransmitted as if the datagram were lost */
    ck_assert_int_eq(f.sends, 1);
    rtc_socket_stats_t st;
    rtc_socket_stats(s, &st);
    ck_assert_uint_eq(st.unsent[RTC_SEND_NOT_LOCAL], 1);
    f.now = f.last_at;
    f.answer = RTC_SEND_FAILED;
    rtc_connection_handle_timeout(c);
    ck_assert_int_eq(f.sends, 2);
    rtc_socket_stats(s, &st);
    ck_assert_uint_eq(st.unsent[RTC_SEND_NOT_LOCAL], 1);
    ck_assert_uint_eq(st.unsent[RTC_SEND_FAILED], 1);
    ck_assert_str_eq(rtc_send_status_name(RTC_SEND_FAILED), "send-failed");
    /* freeing disarms: the connection's timer, then the socket's */
    rtc_connection_free(c);
    ck_assert_int_eq(f.last_owner, RTC_TIMER_CONNECTION);
    ck_assert_uint_eq(f.last_at, RTC_TIME_NEVER);
    rtc_socket_free(s);
    ck_assert_int_eq(f.last_owner, RTC_TIMER_SOCKET);
    ck_assert_ptr_eq(f.last_obj, s);
    ck_assert_uint_eq(f.last_at, RTC_TIME_NEVER);
}
END_TEST

/* RFC 8445 s.14.3: a check's RTO is MAX(500 ms, Ta * (Waiting +
 * In-Progress pairs)). Twelve remote candidates of twelve foundations
 * make twelve Waiting pairs at connect(): the first check is sent again
 * 12 * 50 = 600 ms later, not 500. */
START_TEST(check_rto_scales_with_the_check_list)
{
    char err[256];
    fake_env_t f = { .answer = RTC_SEND_OK, .watch_port = 7000 };
    rtc_env_t env = { .ctx = &f, .now = fake_now, .set_timer = fake_set_timer, .send = fake_send,
                      .random = fake_random };
    rtc_addr_t local = { 0x0a000001, 5000 };
    rtc_socket_t *s = rtc_socket_new(&env, &local, 1, NULL, 0);
    rtc_connection_t *c = rtc_connection_new(s, NULL, NULL, NULL, err, sizeof err);
    rtc_ice_event_t ev;
    while (rtc_connection_next_event(c, &ev))
        if (ev.type == RTC_ICE_CANDIDATE)
            ck_assert_int_eq(rtc_connection_set_local_candidate(c, &ev.local, err, sizeof err), 0);
    rtc_conn_desc_t d;
    rtc_connection_local_description(c, &d);
    strcpy(d.ufrag, "peer");
    strcpy(d.pwd, "0123456789abcdefghijkl");
    ck_assert_int_eq(rtc_connection_set_remote_description(c, &d, err, sizeof err), 0);
    for (int i = 0; i < 12; i++) {
        /* the highest priority first: its check goes first */
        rtc_candidate_t rc = { .type = RTC_CAND_HOST, .component = 1, .priority = 1000u - (uint32_t)i,
                               .addr = { 0x0a000002, (uint16_t)(7000 + i) } };
        snprintf(rc.foundation, sizeof rc.foundation, "f%d", i);
        ck_assert_int_eq(rtc_connection_set_remote_candidate(c, &rc, err, sizeof err), 0);
    }
    ck_assert_int_eq(rtc_connection_connect(c, err, sizeof err), 0);
    while (f.nwatch < 2 && f.last_at != RTC_TIME_NEVER && f.now < SIM_SEC(5)) {
        f.now = f.last_at;
        rtc_connection_handle_timeout(c);
    }
    ck_assert_int_eq(f.nwatch, 2);
    ck_assert_uint_eq(f.watch_at[0], 0);
    ck_assert_uint_eq(f.watch_at[1], SIM_MS(600));
    rtc_connection_free(c);
    rtc_socket_free(s);
}
END_TEST

/* Data too large for a Send indication (or ChannelData) to the TURN
 * server is not sent, and is counted, not dropped in silence. */
START_TEST(turn_too_large_counted)
{
    char err[256];
    world_t w;
    world_init(&w, 9, 0);
    sim_host_t *ht = sim_host_new(w.net, "turn", err, sizeof err);
    sim_subnet_t *dc = sim_subnet_new(w.net, "dc", 0xc6336400, 24, NULL, NULL, err, sizeof err);
    sim_iface_new(ht, "eth0", dc, 0xc6336401, NULL, err, sizeof err);
    sim_turn_server_t *srv = sim_turn_server_new(ht, 0xc6336401, 0, "example.org", 0, err, sizeof err);
    ck_assert_int_eq(sim_turn_server_user(srv, "u", "pw"), 0);
    rtc_turn_server_t t = { .addr = { 0xc6336401, 3478 }, .user = "u", .password = "pw" };
    w.a.sock = sim_ice_socket_new(w.ha, NULL, NULL, 0, &t, 1, on_event, &w.a, err, sizeof err);
    ck_assert_msg(w.a.sock, "%s", err);
    w.a.conn = sim_ice_connection_new(w.a.sock, NULL, NULL, err, sizeof err);
    sim_run_until(w.k, SIM_SEC(1));
    rtc_socket_t *s = sim_ice_socket_handle(w.a.sock);
    ck_assert_int_eq(s->relays[0].state, RELAY_READY);
    static uint8_t data[4000];
    rtc_addr_t peer = { 0x0a000002, 7 };
    /* before the channel is bound: a Send indication, too large */
    rtc_socket_send(s, &s->relays[0].relayed, &peer, data, sizeof data);
    rtc_socket_stats_t st;
    rtc_socket_stats(s, &st);
    ck_assert_uint_eq(st.unsent[RTC_SEND_TOO_LARGE], 1);
    sim_run_until(w.k, SIM_SEC(2));
    /* once it is bound, ChannelData: the same limit */
    rtc_socket_send(s, &s->relays[0].relayed, &peer, data, sizeof data);
    rtc_socket_stats(s, &st);
    ck_assert_uint_eq(st.unsent[RTC_SEND_TOO_LARGE], 2);
    rtc_socket_send(s, &s->relays[0].relayed, &peer, data, 1000);   /* this fits (and the MTU) */
    sim_run_until(w.k, SIM_SEC(3));
    rtc_socket_stats(s, &st);
    ck_assert_uint_eq(st.unsent[RTC_SEND_TOO_LARGE], 2);
    sim_turn_stats_t ts;
    sim_turn_server_stats(srv, &ts);
    ck_assert_uint_eq(ts.relayed_out, 1);
    ck_assert_uint_eq(ts.channel_out, 1);
    sim_turn_server_free(srv);
    world_free(&w);
}
END_TEST

/* Alice's checks as her interface sends them, until she is connected
 * (then only consent checks follow): the first send of each transaction.
 * A retransmission is the request as first sent: a plain check started
 * before the nomination (a triggered one whose pair then succeeded by the
 * late answer of the check it cancelled) is still resent after it. */
typedef struct nom_watch {
    const peer_t *a;
    uint8_t       seen[64][12];     /* transaction ids */
    size_t        nseen;
    int           nominations;      /* transactions with USE-CANDIDATE */
    int           plain_after;      /* ... without it, started after the first nomination */
    sim_time_t    first_at;
} nom_watch_t;

static bool stun_has_attr(const uint8_t *d, size_t len, uint16_t type)
{
    for (size_t off = 20; off + 4 <= len;) {
        uint16_t t = (uint16_t)(d[off] << 8 | d[off + 1]), l = (uint16_t)(d[off + 2] << 8 | d[off + 3]);
        if (t == type)
            return true;
        off += 4 + ((l + 3u) & ~3u);
    }
    return false;
}

static void watch_nomination(void *arg, sim_time_t t, const sim_pkt_t *p)
{
    nom_watch_t *nw = arg;
    if (p->src_ip != 0x0a000001 || p->len < 20 || p->data[0] != 0x00 || p->data[1] != 0x01 ||
        nw->a->connected)
        return;     /* not a check of Alice's before she is connected */
    /* a nominating transaction is given up 39.5 s after its first send at
     * the earliest (RFC 8489 s.6.2.1, RTO 500 ms); then the pair fails
     * and the agent may nominate afresh: look only before that */
    if (nw->nominations && t > nw->first_at + SIM_MS(39500))
        return;
    for (size_t i = 0; i < nw->nseen; i++)
        if (memcmp(nw->seen[i], p->data + 8, 12) == 0)
            return;     /* a retransmission */
    ck_assert_uint_lt(nw->nseen, 64);
    memcpy(nw->seen[nw->nseen++], p->data + 8, 12);
    if (!stun_has_attr(p->data, p->len, 0x0025)) {  /* USE-CANDIDATE */
        nw->plain_after += nw->nominations > 0;
        return;
    }
    if (!nw->nominations++)
        nw->first_at = t;
}

/* RFC 8445 s.8.1.1, s.7.3.1.4: once the controlling agent has sent a
 * check with USE-CANDIDATE on its one pair, every check it sends until
 * the nomination is answered carries it, the triggered checks that
 * replace a lost one (a check from the peer cancels it) included. Under
 * 30% loss each way some seeds lose a nomination and replace it; without
 * USE-CANDIDATE on the replacement the nomination stalled for Rm x RTO. */
START_TEST(nomination_survives_its_replacement)
{
    int replaced_seeds = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        world_t w;
        world_init(&w, seed, 0.3);
        nom_watch_t nw = { .a = &w.a };
        ck_assert_int_eq(sim_iface_add_tap(w.ia, watch_nomination, &nw), 0);
        sockets(&w, NULL, 0);
        offer_answer(&w);
        sim_run_until(w.k, SIM_SEC(45));
        ck_assert_msg(nw.plain_after == 0, "seed %llu: %d checks without USE-CANDIDATE after the nomination",
                      (unsigned long long)seed, nw.plain_after);
        replaced_seeds += nw.nominations > 1;
        world_free(&w);
    }
    /* not vacuous: some seeds replace a nomination by another */
    ck_assert_int_gt(replaced_seeds, 0);
}
END_TEST

/* On Alice's first nomination, her eth0 stops sending (loss 1 going out):
 * from then on nothing she sends from it arrives. */
typedef struct cut_watch {
    sim_iface_t *iface;
    sim_time_t   at;            /* the first nomination; 0 none yet */
} cut_watch_t;

static void cut_at_nomination(void *arg, sim_time_t t, const sim_pkt_t *p)
{
    cut_watch_t *cw = arg;
    if (cw->at || p->src_ip != sim_iface_ip(cw->iface) || p->len < 20 || p->data[0] != 0x00 ||
        p->data[1] != 0x01 || !stun_has_attr(p->data, p->len, 0x0025))
        return;
    cw->at = t;
    sim_link_params_t lp;
    sim_link_get_params(sim_iface_link(cw->iface), 0, &lp);
    lp.loss = 1;    /* the tap runs before the link: this request is lost too */
    sim_link_set_params(sim_iface_link(cw->iface), 0, &lp);
}

/* docs/decisions.md D42: a nomination whose pair fails (its checks, the
 * triggered ones with USE-CANDIDATE that replaced the first included, go
 * unanswered until the last is given up) ends, and the agent nominates
 * the best pair still valid. Each host has a second interface on a second
 * LAN; Alice nominates the eth0 pair, the best, and eth0 goes silent. */
START_TEST(failed_nomination_moves_on)
{
    char err[256];
    world_t w;
    world_init(&w, 5, 0);
    sim_link_params_t lp;
    sim_link_params_default(&lp);
    lp.latency = SIM_MS(5);
    sim_subnet_t *lan2 = sim_subnet_new(w.net, "lan2", 0x0a000100, 24, &lp, NULL, err, sizeof err);
    ck_assert_msg(lan2, "%s", err);
    ck_assert_msg(sim_iface_new(w.ha, "eth1", lan2, 0x0a000101, NULL, err, sizeof err), "%s", err);
    ck_assert_msg(sim_iface_new(w.hb, "eth1", lan2, 0x0a000102, NULL, err, sizeof err), "%s", err);
    cut_watch_t cw = { .iface = w.ia };
    ck_assert_int_eq(sim_iface_add_tap(w.ia, cut_at_nomination, &cw), 0);
    sockets(&w, NULL, 0);
    offer_answer(&w);
    sim_run_until(w.k, SIM_SEC(120));
    ck_assert_uint_gt(cw.at, 0);
    ck_assert_int_eq(w.a.connected, 1);
    ck_assert_int_eq(w.b.connected, 1);
    /* on a pair from Alice's eth1 (to either of Bob's addresses: the
     * LANs are routed to each other) */
    ck_assert_uint_eq(w.a.active_local.addr.ip, 0x0a000101);
    ck_assert_uint_eq(w.b.active_remote.addr.ip, 0x0a000101);
    /* a nominating transaction is given up 39.5 s after its first send
     * (RFC 8489 s.6.2.1, RTO 500 ms): no sooner */
    ck_assert_uint_ge(w.a.connected_at, cw.at + SIM_MS(39500));
    world_free(&w);
}
END_TEST

/* ---- out of memory (rtc_env.h, alloc) ---------------------------------------------------- */

/* An allocator of the test's own: it keeps every live block with its
 * size, so that a wrong old_size from ref/ fails the test, fills what it
 * hands out with garbage, and refuses
 * the fail_at-th allocation (and, with all, every one after it). */
typedef struct fault_alloc {
    long   n, fail_at, refused;
    bool   all;
    size_t live;
    void  *blocks[512];
    size_t sizes[512];
} fault_alloc_t;

/* The fake environment with the allocator's state (the fake callbacks
 * see its first member). */
typedef struct fault_env {
    fake_env_t    f;
    fault_alloc_t fa;
} fault_env_t;

static int fa_find(fault_alloc_t *fa, void *p)
{
    for (int i = 0; i < 512; i++)
        if (fa->blocks[i] == p)
            return i;
    return -1;
}

static void *fault_alloc(void *ctx, void *ptr, size_t old, size_t size)
{
    fault_alloc_t *fa = &((fault_env_t *)ctx)->fa;
    int i = ptr ? fa_find(fa, ptr) : -1;
    ck_assert_msg(!ptr || (i >= 0 && fa->sizes[i] == old), "old_size %zu of a block of %zu", old,
                  i >= 0 ? fa->sizes[i] : 0);
    ck_assert(ptr || old == 0);
    if (size == 0) {
        free(ptr);
        if (ptr) {
            fa->blocks[i] = NULL;
            fa->live -= old;
        }
        return NULL;
    }
    long k = ++fa->n;
    if (k == fa->fail_at || (fa->all && k > fa->fail_at)) {
        fa->refused++;
        return NULL;
    }
    void *q = realloc(ptr, size);
    ck_assert_ptr_nonnull(q);
    if (size > old)     /* what is new is of any value (rtc_env.h): ref/ must not count on zeros */
        memset((char *)q + old, 0xa5, size - old);
    if (i < 0)
        i = fa_find(fa, NULL);
    ck_assert_int_ge(i, 0);
    fa->blocks[i] = q;
    fa->sizes[i] = size;
    fa->live = fa->live - old + size;
    return q;
}

/* Every API call of RTCSocket and RTCConnection, with the fail_at-th
 * allocation refused: each call says RTC_ERR_NOMEM or works, the
 * datagram and timer paths count what they dropped, and everything is
 * given back, with the sizes it was given. The number of allocations
 * made, for the caller's loop. */
static long api_with_refusal(long fail_at, bool all)
{
    char err[256];
    static fault_env_t fe;      /* big: not on the stack */
    memset(&fe, 0, sizeof fe);
    fe.f.answer = RTC_SEND_OK;
    fe.fa.fail_at = fail_at;
    fe.fa.all = all;
    fake_env_t *f = &fe.f;
    fault_alloc_t *fa = &fe.fa;
    rtc_env_t env = { .ctx = &fe, .now = fake_now, .set_timer = fake_set_timer, .send = fake_send,
                      .random = fake_random, .alloc = fault_alloc };
    rtc_addr_t local[2] = { { 0x0a000001, 5000 }, { 0x0a000003, 5001 } }, stun = { 0x0a000009, 3478 };
    uint64_t reported = 0;
    rtc_socket_t *s = rtc_socket_new(&env, local, 1, &stun, 1);
    if (!s) {
        ck_assert_int_gt(fa->refused, 0);
        ck_assert_uint_eq(fa->live, 0);
        return fa->n;
    }
    rtc_turn_server_t t = { .addr = { 0x0a000008, 3478 }, .user = "u", .password = "pw" };
    int rc = rtc_socket_set_turn(s, &t, 1);
    ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
    reported += rc != 0;
    rc = rtc_socket_set_locals(s, local, 2);
    ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
    reported += rc != 0;
    rtc_status_t st;
    rtc_connection_t *c = rtc_connection_new(s, NULL, NULL, &st, err, sizeof err);
    ck_assert(c ? st == RTC_OK : st == RTC_ERR_NOMEM);
    reported += !c;
    if (c) {
        rtc_ice_event_t ev;
        while (rtc_connection_next_event(c, &ev))
            if (ev.type == RTC_ICE_CANDIDATE) {
                rc = rtc_connection_set_local_candidate(c, &ev.local, err, sizeof err);
                ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
                reported += rc != 0;
            }
        rtc_conn_desc_t d;
        rtc_connection_local_description(c, &d);
        strcpy(d.ufrag, "peer");
        strcpy(d.pwd, "0123456789abcdefghijkl");
        ck_assert_int_eq(rtc_connection_set_remote_description(c, &d, err, sizeof err), 0);
        for (int i = 0; i < 3; i++) {
            rtc_candidate_t rcand = { .type = RTC_CAND_HOST, .component = 1, .priority = 1000u - (uint32_t)i,
                                      .addr = { 0x0a000002, (uint16_t)(7000 + i) } };
            snprintf(rcand.foundation, sizeof rcand.foundation, "f%d", i);
            rc = rtc_connection_set_remote_candidate(c, &rcand, err, sizeof err);
            ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
            reported += rc != 0;
        }
        rc = rtc_connection_connect(c, err, sizeof err);
        ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
        reported += rc != 0;
        for (int i = 0; i < 20 && f->last_at != RTC_TIME_NEVER; i++) {
            f->now = f->last_at;
            rtc_connection_handle_timeout(c);
            rtc_socket_handle_timeout(s);
        }
        rc = rtc_connection_update(c, err, sizeof err);
        ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
        reported += rc != 0;
        while (rtc_connection_next_event(c, &ev))
            ;
        rtc_connection_free(c);
    }
    rtc_socket_stats_t sst;
    rtc_socket_stats(s, &sst);
    reported += sst.nomem;
    rtc_socket_free(s);
    /* a refusal is never silent, and nothing is kept or miscounted */
    ck_assert_msg(!fa->refused || reported, "allocation %ld refused, nothing reported", fail_at);
    ck_assert_uint_eq(fa->live, 0);
    return fa->n;
}

START_TEST(out_of_memory_anywhere_in_the_api)
{
    long n = api_with_refusal(0, false);
    ck_assert_int_gt(n, 10);
    for (long k = 1; k <= n; k++) {
        api_with_refusal(k, false);
        api_with_refusal(k, true);
    }
}
END_TEST

/* A burst of transactions grows the socket's agent pool (32 requests an
 * agent); once they end, the agents are given back (a thousand
 * connections checking at once kept theirs, 12.8 KB each). */
START_TEST(agent_pool_shrinks_after_a_burst)
{
    static fault_env_t fe;
    memset(&fe, 0, sizeof fe);
    fe.f.answer = RTC_SEND_OK;
    rtc_env_t env = { .ctx = &fe, .now = fake_now, .set_timer = fake_set_timer, .send = fake_send,
                      .random = fake_random, .alloc = fault_alloc };
    rtc_addr_t local = { 0x0a000001, 5000 }, to = { 0x0a000002, 5000 };
    rtc_socket_t *s = rtc_socket_new(&env, &local, 1, NULL, 0);
    ck_assert_ptr_nonnull(s);
    size_t live0 = fe.fa.live;
    rtc_txn_table_t t;
    rtc_txn_table_init(&t, s, 1, &s->ice_agents);
    rtc_txn_t *x[100];
    for (int i = 0; i < 100; i++) {
        x[i] = rtc_txn_new(&t, sizeof *x[i], 160);
        ck_assert_ptr_nonnull(x[i]);
        StunMessage m;
        rtc_txn_message(&t, x[i], &m, STUN_BINDING);
        ck_assert_int_eq(rtc_txn_start(&t, x[i], &m, NULL, 0, &local, &to, RTC_TXN_RTO), 0);
    }
    ck_assert_uint_eq(s->ice_agents.n, 4);
    for (int i = 99; i >= 0; i--)
        rtc_txn_free(&t, x[i]);
    ck_assert_uint_eq(s->ice_agents.n, 1);
    rtc_txn_table_clear(&t);
    /* the pool's arrays keep their room; the agents are gone */
    ck_assert_uint_lt(fe.fa.live - live0, sizeof(StunAgent));
    rtc_socket_free(s);
    ck_assert_uint_eq(fe.fa.live, 0);
}
END_TEST

/* The network's bound (sim_net_set_bound) refusing the fail_at-th charge
 * (what ref/ allocates through ice_host.c, and the network's packet
 * buffers), in a whole ICE run with a STUN and a TURN server. */

static uint64_t oom_returns;     /* RTC_ERR_NOMEM from the handler's calls */

static void oom_event(void *arg, rtc_connection_t *c, const rtc_ice_event_t *ev)
{
    peer_t *p = arg;
    char err[256];
    if (ev->type == RTC_ICE_CONNECTED)
        p->connected++;
    if (ev->type != RTC_ICE_CANDIDATE)
        return;
    int rc = rtc_connection_set_local_candidate(c, &ev->local, err, sizeof err);
    ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
    oom_returns += rc != 0;
    if (p->other->conn) {
        rc = rtc_connection_set_remote_candidate(p->other->conn, &ev->local, err, sizeof err);
        ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
        oom_returns += rc != 0;
        sim_ice_socket_poke(p->other->sock);
    }
}

static long run_with_refusal(long fail_at, bool all, size_t *left, bool *connected)
{
    char err[256];
    world_t w;
    world_init(&w, 5, 0);
    sim_host_t *hs = sim_host_new(w.net, "servers", err, sizeof err);
    sim_subnet_t *dc = sim_subnet_new(w.net, "dc", 0xc6336400, 24, NULL, NULL, err, sizeof err);
    sim_iface_new(hs, "eth0", dc, 0xc6336401, NULL, err, sizeof err);
    size_t base = sim_net_bytes(w.net);     /* the servers' sockets are given back too */
    sim_stun_server_t *stun = sim_stun_server_new(hs, 0xc6336401, 3478, err, sizeof err);
    sim_turn_server_t *turn = sim_turn_server_new(hs, 0xc6336401, 3479, "example.org", 0, err, sizeof err);
    ck_assert(stun && turn);
    ck_assert_int_eq(sim_turn_server_user(turn, "u", "pw"), 0);
    rtc_addr_t sa = { 0xc6336401, 3478 };
    rtc_turn_server_t t = { .addr = { 0xc6336401, 3479 }, .user = "u", .password = "pw" };
    fx_refuser_t r = { .fail_at = fail_at, .all = all };
    sim_net_set_bound(w.net, fx_refuse, &r);
    uint64_t reported = 0;
    oom_returns = 0;
    w.a.sock = sim_ice_socket_new(w.ha, NULL, &sa, 1, &t, 1, oom_event, &w.a, err, sizeof err);
    w.b.sock = sim_ice_socket_new(w.hb, NULL, &sa, 1, NULL, 0, oom_event, &w.b, err, sizeof err);
    reported += !w.a.sock + !w.b.sock;
    if (w.a.sock && w.b.sock) {
        w.a.conn = sim_ice_connection_new(w.a.sock, NULL, NULL, err, sizeof err);
        reported += !w.a.conn;
        rtc_conn_desc_t offer, answer;
        if (w.a.conn) {
            rtc_connection_local_description(w.a.conn, &offer);
            w.b.conn = sim_ice_connection_new(w.b.sock, &offer, NULL, err, sizeof err);
            reported += !w.b.conn;
        }
        if (w.a.conn && w.b.conn) {
            rtc_connection_local_description(w.b.conn, &answer);
            ck_assert_int_eq(rtc_connection_set_remote_description(w.a.conn, &answer, err, sizeof err), 0);
            int rc = rtc_connection_connect(w.a.conn, err, sizeof err);
            ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
            reported += rc != 0;
            rc = rtc_connection_connect(w.b.conn, err, sizeof err);
            ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
            reported += rc != 0;
            sim_ice_socket_poke(w.a.sock);
            sim_ice_socket_poke(w.b.sock);
        }
    }
    sim_run_until(w.k, SIM_SEC(10));
    *connected = w.a.connected && w.b.connected;
    rtc_socket_stats_t st;
    for (sim_ice_socket_t *const *sp = (sim_ice_socket_t *const[]){ w.a.sock, w.b.sock, NULL }; *sp; sp++) {
        rtc_socket_stats(sim_ice_socket_handle(*sp), &st);
        reported += st.nomem;
    }
    uint64_t drops[SIM_DROP__COUNT];
    sim_net_drop_counts(w.net, drops);
    reported += drops[SIM_DROP_NO_MEMORY] + oom_returns;
    ck_assert_msg(!r.refused || reported, "charge %ld refused, nothing reported", fail_at);
    sim_ice_socket_free(w.a.sock);
    sim_ice_socket_free(w.b.sock);
    w.a.sock = w.b.sock = NULL;
    sim_stun_server_free(stun);
    sim_turn_server_free(turn);     /* and the relayed addresses' sockets */
    *left = sim_net_bytes(w.net) - base;
    world_free(&w);
    return r.n;
}

START_TEST(out_of_memory_in_a_whole_run)
{
    size_t left0, left;
    bool connected;
    long n = run_with_refusal(0, false, &left0, &connected);
    ck_assert(connected);
    ck_assert_int_gt(n, 20);
    for (long k = 1; k <= n; k++)
        for (int all = 0; all < 2; all++) {
            run_with_refusal(k, all, &left, &connected);
            /* what ref/ took is all given back: only the packet pool's
             * chunk stays, if one was made */
            ck_assert_msg(left == 0 || left == left0, "charge %ld: %zu bytes left (%zu)", k, left, left0);
        }
}
END_TEST

static Suite *ice_suite(void)
{
    Suite *s = suite_create("ice");
    TCase *t = tcase_create("connection");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, host_candidates_on_a_lan);
    tcase_add_test(t, loss_during_checks);
    tcase_add_test(t, nomination_survives_its_replacement);
    tcase_add_test(t, failed_nomination_moves_on);
    tcase_add_test(t, server_reflexive_gathering);
    tcase_add_test(t, consent_lost);
    tcase_add_test(t, descriptions_and_candidates_checked);
    tcase_add_test(t, all_checks_fail);
    tcase_add_test(t, component_2_not_paired);
    tcase_add_test(t, environment_contract);
    tcase_add_test(t, check_rto_scales_with_the_check_list);
    tcase_add_test(t, turn_too_large_counted);
    tcase_add_test(t, out_of_memory_anywhere_in_the_api);
    tcase_add_test(t, out_of_memory_in_a_whole_run);
    tcase_add_test(t, agent_pool_shrinks_after_a_burst);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ice_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
