/*
 * test_net.c - the simulated network: routing, link loss (Bernoulli and
 * Gilbert-Elliott bursts), duplication, jitter and reordering, the rate
 * limiter's queue, the MTU, drops and their log, topology errors, and
 * stream independence. Every statistical bound is several standard
 * deviations wide for the right model and excludes the obvious wrong ones.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/evlog.h"
#include "kernel/kernel.h"
#include "net/firewall.h"
#include "net/nat.h"
#include "net/net.h"
#include "net/node.h"

#define SEED 7

typedef struct rx {
    sim_kernel_t *k;
    uint64_t      n;
    uint32_t      last_seq;
    uint64_t      out_of_order;
    sim_time_t    first, last, min_delay, max_delay;
    uint32_t      seqs[200000];
} rx_t;

/* Payloads carry the sequence number and the send time. */
static void rx_fn(void *arg, sim_udp_t *s, const sim_pkt_t *p)
{
    rx_t *r = arg;
    uint32_t seq;
    sim_time_t sent;
    memcpy(&seq, p->data, 4);
    memcpy(&sent, p->data + 4, 8);
    sim_time_t now = sim_now(r->k), d = now - sent;
    if (r->n == 0) {
        r->first = now;
        r->min_delay = r->max_delay = d;
    }
    if (d < r->min_delay)
        r->min_delay = d;
    if (d > r->max_delay)
        r->max_delay = d;
    if (r->n > 0 && seq < r->last_seq)
        r->out_of_order++;
    r->last_seq = seq;
    if (r->n < 200000)
        r->seqs[r->n] = seq;
    r->n++;
    r->last = now;
}

typedef struct world {
    sim_kernel_t *k;
    sim_evlog_t  *log;
    sim_net_t    *net;
    sim_subnet_t *lan;
    sim_host_t   *a, *b;
    sim_iface_t  *ia, *ib;
    sim_udp_t    *tx, *rxs;
    rx_t         *rx;
} world_t;

static void world_init(world_t *w, uint64_t seed, const sim_link_params_t *access)
{
    char err[256];
    w->k = sim_kernel_new(seed);
    w->log = sim_evlog_new();
    w->net = sim_net_new(w->k, w->log);
    w->lan = sim_subnet_new(w->net, "lan", 0x0a000000, 24, access, NULL, err, sizeof err);
    ck_assert_msg(w->lan, "%s", err);
    w->a = sim_host_new(w->net, "a", err, sizeof err);
    w->b = sim_host_new(w->net, "b", err, sizeof err);
    w->ia = sim_iface_new(w->a, "eth0", w->lan, 0x0a000001, NULL, err, sizeof err);
    w->ib = sim_iface_new(w->b, "eth0", w->lan, 0x0a000002, NULL, err, sizeof err);
    ck_assert(w->ia && w->ib);
    w->rx = calloc(1, sizeof *w->rx);
    w->rx->k = w->k;
    w->tx = sim_udp_bind(w->a, 0, 0, NULL, NULL, err, sizeof err);
    w->rxs = sim_udp_bind(w->b, 0, 9, rx_fn, w->rx, err, sizeof err);
    ck_assert(w->tx && w->rxs);
}

static void world_free(world_t *w)
{
    sim_net_free(w->net);
    sim_evlog_free(w->log);
    sim_kernel_free(w->k);
    free(w->rx);
}

static void send_one(world_t *w, uint32_t seq, size_t len)
{
    uint8_t buf[2000] = { 0 };
    sim_time_t now = sim_now(w->k);
    memcpy(buf, &seq, 4);
    memcpy(buf + 4, &now, 8);
    sim_udp_send(w->tx, 0x0a000002, 9, buf, len < 12 ? 12 : len);
}

/* Send n datagrams, one every `gap` ns, then run until idle. */
static void send_paced(world_t *w, uint32_t n, sim_time_t gap, size_t len)
{
    for (uint32_t i = 0; i < n; i++) {
        sim_run_until(w->k, (sim_time_t)i * gap);
        send_one(w, i, len);
    }
    sim_run_until(w->k, SIM_TIME_NEVER);
}

/* Clean LAN; the a.eth0 link towards the switch gets p. */
static void world_up(world_t *w, uint64_t seed, const sim_link_params_t *p)
{
    sim_link_params_t clean;
    sim_link_params_default(&clean);
    world_init(w, seed, &clean);
    sim_link_set_params(sim_iface_link(w->ia), 0, p);
}

/* The a.eth0 access link carries a -> switch ("up"). */
static void stats_up(world_t *w, sim_link_stats_t *st)
{
    sim_link_get_stats(sim_iface_link(w->ia), 0, st);
}

START_TEST(clean_link_delivers_in_order_with_latency)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    p.latency = SIM_MS(5);
    world_t w;
    world_init(&w, SEED, &p);
    send_paced(&w, 1000, SIM_MS(1), 100);
    ck_assert_uint_eq(w.rx->n, 1000);
    ck_assert_uint_eq(w.rx->out_of_order, 0);
    /* two access links of 5 ms each */
    ck_assert_uint_eq(w.rx->min_delay, SIM_MS(10));
    ck_assert_uint_eq(w.rx->max_delay, SIM_MS(10));
    ck_assert_uint_eq(sim_evlog_count(w.log), 0);
    world_free(&w);
}
END_TEST

START_TEST(bernoulli_loss_ratio_and_runs)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    p.loss = 0.1;
    world_t w;
    world_up(&w, SEED, &p);
    enum { N = 100000 };
    send_paced(&w, N, SIM_US(10), 20);
    sim_link_stats_t st;
    stats_up(&w, &st);
    double ratio = (double)st.dropped[SIM_DROP_LOSS] / N;
    /* sd of the ratio: sqrt(.1*.9/1e5) = 0.00095 */
    ck_assert_msg(fabs(ratio - 0.1) < 0.005, "loss ratio %f (seed %d)", ratio, SEED);
    ck_assert_uint_eq(w.rx->n + st.dropped[SIM_DROP_LOSS], N);
    /* independent losses: mean run 1/(1-p) = 1.11 */
    double mean_run = (double)st.loss_run_total / (double)st.loss_runs;
    ck_assert_msg(fabs(mean_run - 1.111) < 0.05, "mean run %f", mean_run);
    /* every loss is in the event log, with its reason */
    ck_assert_uint_eq(sim_evlog_count(w.log), st.dropped[SIM_DROP_LOSS]);
    const sim_evrec_t *r = sim_evlog_get(w.log, 0);
    ck_assert_str_eq(r->name, "drop");
    ck_assert_str_eq(r->src, "link:a.eth0:up");
    int found = 0;
    for (uint32_t i = 0; i < r->nargs; i++)
        if (strcmp(r->keys[i], "reason") == 0) {
            ck_assert_str_eq(r->vals[i], "\"loss\"");
            found = 1;
        }
    ck_assert(found);
    world_free(&w);
}
END_TEST

/* Gilbert-Elliott with loss only in the bad state: stationary loss
 * p/(p+r) = 1/6 and mean burst 1/r = 4; a Bernoulli model with the same
 * loss would give mean bursts of 1.2. */
START_TEST(gilbert_elliott_bursts)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    p.ge_p = 0.05;
    p.ge_r = 0.25;
    p.ge_loss_good = 0;
    p.ge_loss_bad = 1;
    world_t w;
    world_up(&w, SEED, &p);
    enum { N = 100000 };
    send_paced(&w, N, SIM_US(10), 20);
    sim_link_stats_t st;
    stats_up(&w, &st);
    double ratio = (double)st.dropped[SIM_DROP_LOSS] / N;
    double mean_run = (double)st.loss_run_total / (double)st.loss_runs;
    ck_assert_msg(fabs(ratio - 1.0 / 6) < 0.015, "loss ratio %f (seed %d)", ratio, SEED);
    ck_assert_msg(fabs(mean_run - 4.0) < 0.3, "mean run %f (seed %d)", mean_run, SEED);
    ck_assert_uint_gt(st.loss_run_max, 15);
    ck_assert_uint_eq(st.loss_run_total, st.dropped[SIM_DROP_LOSS]);
    world_free(&w);
}
END_TEST

START_TEST(duplication)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    p.duplicate = 0.2;
    world_t w;
    world_init(&w, SEED, &p);
    enum { N = 20000 };
    send_paced(&w, N, SIM_US(100), 20);
    sim_link_stats_t up, down;
    stats_up(&w, &up);
    sim_link_get_stats(sim_iface_link(w.ib), 1, &down);
    /* duplicated on both access links: each copy can be duplicated again */
    ck_assert_uint_eq(w.rx->n, N + up.duplicated + down.duplicated);
    double r1 = (double)up.duplicated / N;
    ck_assert_msg(fabs(r1 - 0.2) < 0.015, "dup ratio %f", r1);
    ck_assert_uint_eq(up.delivered, N + up.duplicated);
    world_free(&w);
}
END_TEST

START_TEST(jitter_reorders_within_bounds)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    p.latency = SIM_MS(10);
    p.jitter = SIM_MS(5);
    world_t w;
    world_up(&w, SEED, &p);
    send_paced(&w, 5000, SIM_MS(1), 20);
    sim_link_stats_t st;
    stats_up(&w, &st);
    ck_assert_uint_eq(w.rx->n, 5000);
    ck_assert_uint_ge(w.rx->min_delay, SIM_MS(10));
    ck_assert_uint_le(w.rx->max_delay, SIM_MS(15));
    ck_assert_uint_gt(w.rx->max_delay - w.rx->min_delay, SIM_MS(4));
    ck_assert_uint_gt(st.reordered, 100);
    ck_assert_uint_gt(w.rx->out_of_order, 100);
    world_free(&w);
}
END_TEST

/* 1 Mbit/s, queue of 10: 1028-byte datagrams take 8.224 ms each. */
START_TEST(rate_limit_and_tail_drop)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    p.rate_bps = 1000000;
    p.queue_packets = 10;
    world_t w;
    world_up(&w, SEED, &p);
    for (uint32_t i = 0; i < 100; i++)
        send_one(&w, i, 1000);
    sim_run_until(w.k, SIM_TIME_NEVER);
    sim_link_stats_t st;
    stats_up(&w, &st);
    ck_assert_uint_eq(st.dropped[SIM_DROP_QUEUE], 90);
    ck_assert_uint_eq(w.rx->n, 10);
    ck_assert_uint_eq(w.rx->first, 8224000);
    ck_assert_uint_eq(w.rx->last, 10 * 8224000ull);
    for (int i = 0; i < 10; i++)
        ck_assert_uint_eq(w.rx->seqs[i], (uint32_t)i);
    world_free(&w);
}
END_TEST

START_TEST(rate_limit_below_rate_never_drops)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    p.rate_bps = 1000000;
    p.queue_packets = 2;
    world_t w;
    world_up(&w, SEED, &p);
    send_paced(&w, 1000, SIM_MS(9), 1000);     /* 0.91 Mbit/s */
    sim_link_stats_t st;
    stats_up(&w, &st);
    ck_assert_uint_eq(st.dropped[SIM_DROP_QUEUE], 0);
    ck_assert_uint_eq(w.rx->n, 1000);
    world_free(&w);
}
END_TEST

START_TEST(mtu)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    world_t w;
    world_init(&w, SEED, &p);
    send_one(&w, 1, 1472);                      /* 1500 bytes of IPv4 */
    send_one(&w, 2, 1473);
    sim_run_until(w.k, SIM_TIME_NEVER);
    sim_link_stats_t st;
    stats_up(&w, &st);
    ck_assert_uint_eq(w.rx->n, 1);
    ck_assert_uint_eq(w.rx->seqs[0], 1);
    ck_assert_uint_eq(st.dropped[SIM_DROP_MTU], 1);
    world_free(&w);
}
END_TEST

START_TEST(routing_through_the_core)
{
    char err[256];
    sim_kernel_t *k = sim_kernel_new(SEED);
    sim_net_t *n = sim_net_new(k, NULL);
    sim_link_params_t access, up, core;
    sim_link_params_default(&access);
    sim_link_params_default(&up);
    sim_link_params_default(&core);
    access.latency = SIM_MS(1);
    up.latency = SIM_MS(2);
    core.latency = SIM_MS(20);
    sim_net_set_core(n, &core);
    sim_subnet_t *s1 = sim_subnet_new(n, "home", 0xc0a80100, 24, &access, &up, err, sizeof err);
    sim_subnet_t *s2 = sim_subnet_new(n, "office", 0xc0a80200, 24, &access, &up, err, sizeof err);
    ck_assert(s1 && s2);
    sim_host_t *a = sim_host_new(n, "a", err, sizeof err), *b = sim_host_new(n, "b", err, sizeof err);
    ck_assert(sim_iface_new(a, "eth0", s1, 0xc0a80102, NULL, err, sizeof err));
    ck_assert(sim_iface_new(b, "eth0", s2, 0xc0a80202, NULL, err, sizeof err));
    rx_t *r = calloc(1, sizeof *r);
    r->k = k;
    sim_udp_t *tx = sim_udp_bind(a, 0, 0, NULL, NULL, err, sizeof err);
    ck_assert(sim_udp_bind(b, 0, 9, rx_fn, r, err, sizeof err));
    ck_assert_uint_eq(sim_udp_port(tx), 49152);
    uint8_t buf[12] = { 0 };
    sim_udp_send(tx, 0xc0a80202, 9, buf, sizeof buf);
    sim_udp_send(tx, 0xc0a80203, 9, buf, sizeof buf);   /* nobody there */
    sim_udp_send(tx, 0x08080808, 9, buf, sizeof buf);   /* no such subnet */
    sim_udp_send(tx, 0xc0a80202, 10, buf, sizeof buf);  /* no listener */
    sim_run_until(k, SIM_TIME_NEVER);
    ck_assert_uint_eq(r->n, 1);
    ck_assert_uint_eq(r->first, SIM_MS(1 + 2 + 20 + 2 + 1));
    uint64_t drops[SIM_DROP__COUNT];
    sim_net_drop_counts(n, drops);
    ck_assert_uint_eq(drops[SIM_DROP_NO_ROUTE], 2);
    ck_assert_uint_eq(drops[SIM_DROP_NO_LISTENER], 1);
    free(r);
    sim_net_free(n);
    sim_kernel_free(k);
}
END_TEST

START_TEST(interface_down_drops_both_ways)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    world_t w;
    world_init(&w, SEED, &p);
    sim_iface_set_up(w.ib, false);
    send_one(&w, 1, 20);
    sim_run_until(w.k, SIM_TIME_NEVER);
    ck_assert_uint_eq(w.rx->n, 0);
    sim_iface_set_up(w.ia, false);
    ck_assert_int_eq(sim_udp_send(w.tx, 0x0a000002, 9, "x", 1), -1);
    uint64_t drops[SIM_DROP__COUNT];
    sim_net_drop_counts(w.net, drops);
    ck_assert_uint_eq(drops[SIM_DROP_IFACE_DOWN], 2);
    sim_iface_set_up(w.ia, true);
    sim_iface_set_up(w.ib, true);
    send_one(&w, 2, 20);
    sim_run_until(w.k, SIM_TIME_NEVER);
    ck_assert_uint_eq(w.rx->n, 1);
    world_free(&w);
}
END_TEST

/* The log's lines, joined, for searching. */
static char *log_text(const sim_evlog_t *log)
{
    size_t cap = 1 << 16, len = 0;
    char *t = calloc(1, cap);
    for (size_t i = 0; i < sim_evlog_count(log); i++) {
        len += sim_evlog_format(sim_evlog_get(log, i), t + len, cap - len);
        ck_assert(len + 2 < cap);
        t[len++] = '\n';
    }
    return t;
}

/* A socket left on an address its host no longer has, the environment of
 * a host sending from an address no socket owns, and a payload no UDP
 * datagram can carry: each is a counted, logged drop, never a silent one. */
START_TEST(unsendable_datagrams_are_counted)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    world_t w;
    world_init(&w, SEED, &p);
    char err[256];
    sim_udp_t *bound = sim_udp_bind(w.a, 0x0a000001, 5000, NULL, NULL, err, sizeof err);
    ck_assert_msg(bound, "%s", err);
    ck_assert_int_eq(sim_iface_set_ip(w.ia, 0x0a000011, err, sizeof err), 0);
    ck_assert_int_eq(sim_udp_send(bound, 0x0a000002, 9, "x", 1), -1);
    sim_host_drop_unsent(w.a, SIM_DROP_NO_SOURCE, 0x0a000001, 5001, 0x0a000002, 9, 3);
    static uint8_t huge[SIM_UDP_MAX_PAYLOAD + 1];
    ck_assert_int_eq(sim_udp_send(w.tx, 0x0a000002, 9, huge, sizeof huge), -1);
    sim_run_until(w.k, SIM_TIME_NEVER);
    uint64_t drops[SIM_DROP__COUNT];
    sim_net_drop_counts(w.net, drops);
    ck_assert_uint_eq(drops[SIM_DROP_NO_SOURCE], 2);
    ck_assert_uint_eq(drops[SIM_DROP_TOO_BIG], 1);
    ck_assert_uint_eq(drops[SIM_DROP_IFACE_DOWN], 0);
    char *t = log_text(w.log);
    ck_assert_msg(strstr(t, "{\"from\":\"10.0.0.1:5000\",\"len\":1,\"reason\":\"no-source\",\"to\":\"10.0.0.2:9\"},\"ev\":\"drop\",\"src\":\"a\"") &&
                  strstr(t, "{\"from\":\"10.0.0.1:5001\",\"len\":3,\"reason\":\"no-source\"") &&
                  strstr(t, "\"len\":65508,\"reason\":\"too-big\""), "%s", t);
    free(t);
    world_free(&w);
}
END_TEST

/* sim_net_bytes: what the network holds, for the memory bound. The
 * bound (sim_net_set_bound) is asked before packet buffers are taken;
 * refused, the datagram is a no-memory drop. */
static size_t room_left;

static bool room_fn(void *ctx, size_t more)
{
    if (more > room_left)
        return false;
    room_left -= more;
    return true;
}

START_TEST(bytes_held_are_counted)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    p.mtu = 9000;       /* jumbo frames: a 4000-byte datagram goes whole */
    world_t w;
    world_init(&w, SEED, &p);
    char err[256];
    size_t b0 = sim_net_bytes(w.net);
    ck_assert_uint_gt(b0, 0);       /* hosts, interfaces, links, sockets */
    sim_udp_t *u = sim_udp_bind(w.a, 0x0a000001, 6000, NULL, NULL, err, sizeof err);
    ck_assert_msg(u, "%s", err);
    size_t b1 = sim_net_bytes(w.net);
    ck_assert_uint_gt(b1, b0);
    sim_udp_close(u);
    ck_assert_uint_eq(sim_net_bytes(w.net), b0);
    /* a datagram too large for the pool's buffers is held while in flight */
    static uint8_t big[4000];
    ck_assert_int_eq(sim_udp_send(w.tx, 0x0a000002, 9, big, sizeof big), 0);
    size_t b2 = sim_net_bytes(w.net);
    ck_assert_uint_ge(b2, b0 + sizeof big);
    sim_run_until(w.k, SIM_TIME_NEVER);
    ck_assert_uint_eq(sim_net_bytes(w.net), b0);
    /* pooled ones: the pool's chunk is counted once made */
    ck_assert_int_eq(sim_udp_send(w.tx, 0x0a000002, 9, "x", 1), 0);
    size_t b3 = sim_net_bytes(w.net);
    ck_assert_uint_gt(b3, b0);
    sim_run_until(w.k, SIM_TIME_NEVER);
    /* charges, and the bound */
    ck_assert_int_eq(sim_net_charge(w.net, 100), 0);
    ck_assert_uint_eq(sim_net_bytes(w.net), b3 + 100);
    sim_net_uncharge(w.net, 100);
    room_left = 50;
    sim_net_set_bound(w.net, room_fn, NULL);
    ck_assert_int_eq(sim_net_charge(w.net, 100), -1);
    ck_assert_uint_eq(sim_net_bytes(w.net), b3);
    ck_assert_int_eq(sim_udp_send(w.tx, 0x0a000002, 9, big, sizeof big), -1);
    uint64_t drops[SIM_DROP__COUNT];
    sim_net_drop_counts(w.net, drops);
    ck_assert_uint_eq(drops[SIM_DROP_NO_MEMORY], 1);
    ck_assert_uint_eq(sim_net_bytes(w.net), b3);
    world_free(&w);
}
END_TEST

typedef struct late { world_t *w; sim_iface_t *i; } late_t;

static void add_late_iface(void *arg)
{
    late_t *l = arg;
    char err[256];
    l->i = sim_iface_new(l->w->a, "eth1", l->w->lan, 0x0a000021, NULL, err, sizeof err);
    ck_assert_msg(l->i, "%s", err);
}

/* An interface that appears during the run is logged as down, up and
 * renumbering are; the ones built before the first event are not. */
START_TEST(interface_added_while_running_is_logged)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    world_t w;
    world_init(&w, SEED, &p);
    late_t l = { &w, NULL };
    sim_at(w.k, SIM_MS(250), add_late_iface, &l);
    sim_run_until(w.k, SIM_TIME_NEVER);
    ck_assert(l.i);
    char *t = log_text(w.log);
    ck_assert_msg(strstr(t, "{\"args\":{\"address\":\"10.0.0.33\",\"subnet\":\"lan\"},"
                             "\"ev\":\"iface-new\",\"src\":\"a.eth1\",\"t\":0.250000000}"), "%s", t);
    ck_assert_msg(!strstr(t, "a.eth0"), "setup-time interfaces are not events: %s", t);
    free(t);
    world_free(&w);
}
END_TEST

/* ---- out of memory ----------------------------------------------------------- */

/* Allocation failure injection: the test binary's malloc family fails
 * once `fail_in` allocations have succeeded (-1: never). Not under ASan,
 * which owns the allocator. */
#if !defined(__SANITIZE_ADDRESS__)
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static long fail_in = -1;
static bool armed;                  /* only the simulator's calls count, not check's */
static bool fail_now(void)
{
    if (fail_in < 0 || !armed)
        return false;
    if (fail_in == 0)
        return true;
    fail_in--;
    return false;
}
void *malloc(size_t n) { return fail_now() ? NULL : __libc_malloc(n); }
void *calloc(size_t n, size_t m) { return fail_now() ? NULL : __libc_calloc(n, m); }
void *realloc(void *p, size_t n) { return fail_now() ? NULL : __libc_realloc(p, n); }

static void nothing(void *arg) { (void)arg; }
static void ignore(void *arg, sim_udp_t *u, const sim_pkt_t *p) { (void)arg; }

/* Build a small network, a NAT and a firewall included, and send through
 * it, with the k-th allocation failing, for every k until none fails:
 * every call either works or says "out of memory"; nothing aborts. */
START_TEST(out_of_memory_is_an_error)
{
    bool completed = false;
    for (long k = 0; !completed && k < 5000; k++) {
        char err[256] = "";
        sim_kernel_t *kern = sim_kernel_new(SEED);
        /* the kernel's queue is not under test: grow it first, so that
         * only the network's allocations can fail */
        for (int i = 0; i < 4096; i++)
            sim_at(kern, 0, nothing, NULL);
        sim_run_until(kern, 0);
        fail_in = k;
        armed = true;
        sim_net_t *n = sim_net_new(kern, NULL);
        armed = false;
        if (!n) {
            fail_in = -1;
            sim_kernel_free(kern);
            continue;
        }
#define OK_OR_OOM(x) do { err[0] = 0; armed = true; bool ok_ = (x); armed = false; if (!ok_) { ck_assert_msg(strstr(err, "out of memory"), \
            "allocation %ld: %s: %s", k, #x, err); goto done; } } while (0)
        sim_subnet_t *lan, *isp, *home;
        sim_host_t *a, *b;
        sim_udp_t *ua, *ub;
        sim_nat_t *nat;
        sim_nat_config_t cfg;
        sim_nat_config_default(&cfg);
        cfg.filtering = SIM_NAT_ADDRESS_PORT_DEPENDENT;
        uint32_t ext = 0x0b000005;
        sim_link_params_t lp;
        sim_link_params_default(&lp);
        lp.rate_bps = 1000000;
        lp.duplicate = 0.5;
        OK_OR_OOM(lan = sim_subnet_new(n, "lan", 0x0a000000, 24, &lp, NULL, err, sizeof err));
        OK_OR_OOM(isp = sim_subnet_new(n, "isp", 0x0b000000, 24, NULL, NULL, err, sizeof err));
        OK_OR_OOM(nat = sim_nat_new(n, "nat", isp, &ext, 1, &cfg, err, sizeof err));
        OK_OR_OOM(home = sim_nat_inside(nat, "home", 0xc0a80000, 24, &lp, NULL, err, sizeof err));
        OK_OR_OOM(sim_firewall_new(n, "fw", lan, err, sizeof err));
        sim_firewall_t *fw;
        OK_OR_OOM(fw = sim_firewall_new(n, "fw2", isp, err, sizeof err));
        OK_OR_OOM(sim_firewall_allow(fw, "0.0.0.0/0", err, sizeof err) == 0);
        OK_OR_OOM(a = sim_host_new(n, "a", err, sizeof err));
        OK_OR_OOM(b = sim_host_new(n, "b", err, sizeof err));
        OK_OR_OOM(sim_iface_new(a, "eth0", home, 0xc0a80002, NULL, err, sizeof err));
        OK_OR_OOM(sim_iface_new(b, "eth0", isp, 0x0b000002, NULL, err, sizeof err));
        OK_OR_OOM(ua = sim_udp_bind(a, 0, 0, ignore, NULL, err, sizeof err));
        OK_OR_OOM(ub = sim_udp_bind(b, 0, 9, ignore, NULL, err, sizeof err));
        armed = true;
        for (int i = 0; i < 40; i++)
            sim_udp_send(ua, 0x0b000002, (uint16_t)(9 + i % 3), "0123456789", 10);
        sim_run_until(kern, SIM_TIME_NEVER);
        armed = false;
        completed = fail_in > 0;        /* nothing failed this time round */
    done:
        fail_in = -1;
        sim_net_free(n);
        sim_kernel_free(kern);
    }
    ck_assert_msg(completed, "never ran to the end without a failure");
}
END_TEST
#endif

/* Prefixes may not overlap within one routing domain (the core's, or one
 * gateway's inside) and may repeat across domains; the message names the
 * first overlapping subnet in creation order. */
static void gw_input(sim_node_t *node, int port, sim_pkt_t *p) { sim_pkt_free(node->net, p); }

START_TEST(routing_domains)
{
    static const sim_node_ops_t gw_ops = { "gw", gw_input };
    char err[256];
    sim_kernel_t *k = sim_kernel_new(SEED);
    sim_net_t *n = sim_net_new(k, NULL);
    sim_node_t g1 = { .ops = &gw_ops, .net = n, .name = "g1" }, g2 = { .ops = &gw_ops, .net = n, .name = "g2" };
    ck_assert(sim_subnet_new_behind(n, "a", 0x0a000000, 24, NULL, NULL, &g1, 0, err, sizeof err));
    ck_assert(sim_subnet_new_behind(n, "b", 0x0a000100, 24, NULL, NULL, &g1, 0, err, sizeof err));
    ck_assert(!sim_subnet_new_behind(n, "c", 0x0a000000, 16, NULL, NULL, &g1, 0, err, sizeof err));
    ck_assert_msg(strstr(err, "overlaps subnet 'a'"), "%s", err);
    ck_assert(!sim_subnet_new_behind(n, "c", 0x0a000180, 25, NULL, NULL, &g1, 0, err, sizeof err));
    ck_assert_msg(strstr(err, "overlaps subnet 'b'"), "%s", err);
    ck_assert_msg(sim_subnet_new_behind(n, "c", 0x0a000000, 16, NULL, NULL, &g2, 0, err, sizeof err), "%s", err);
    ck_assert_msg(sim_subnet_new(n, "d", 0x0a000000, 8, NULL, NULL, err, sizeof err), "%s", err);
    ck_assert(!sim_subnet_new(n, "e", 0x0a010000, 16, NULL, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "overlaps subnet 'd'"), "%s", err);
    sim_net_free(n);
    sim_kernel_free(k);
}
END_TEST

START_TEST(topology_errors)
{
    char err[256];
    sim_kernel_t *k = sim_kernel_new(SEED);
    sim_net_t *n = sim_net_new(k, NULL);
    sim_subnet_t *s = sim_subnet_new(n, "lan", 0x0a000000, 24, NULL, NULL, err, sizeof err);
    ck_assert(s);
    ck_assert(!sim_subnet_new(n, "lan2", 0x0a000080, 25, NULL, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "overlaps subnet 'lan'"), "%s", err);
    ck_assert(!sim_subnet_new(n, "lan", 0x0b000000, 24, NULL, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "already exists"), "%s", err);
    ck_assert(!sim_subnet_new(n, "x", 0x0b000001, 24, NULL, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "host bits"), "%s", err);
    sim_host_t *a = sim_host_new(n, "a", err, sizeof err);
    ck_assert(!sim_host_new(n, "a", err, sizeof err));
    ck_assert(sim_iface_new(a, "eth0", s, 0x0a000001, NULL, err, sizeof err));
    sim_host_t *b = sim_host_new(n, "b", err, sizeof err);
    ck_assert(!sim_iface_new(b, "eth0", s, 0x0a000001, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "10.0.0.1 is already used by a.eth0"), "%s", err);
    ck_assert(!sim_iface_new(b, "eth0", s, 0x0a000100, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "not in subnet 'lan'"), "%s", err);
    ck_assert(!sim_iface_new(b, "eth0", s, 0x0a0000ff, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "broadcast"), "%s", err);
    ck_assert(sim_udp_bind(a, 0, 5000, NULL, NULL, err, sizeof err));
    ck_assert(!sim_udp_bind(a, 0x0a000001, 5000, NULL, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "port 5000 is already in use"), "%s", err);
    ck_assert(!sim_udp_bind(a, 0x0a000009, 0, NULL, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "has no address 10.0.0.9"), "%s", err);
    sim_link_params_t p;
    sim_link_params_default(&p);
    p.loss = 1.5;
    ck_assert_int_eq(sim_link_params_check(&p, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "loss"), "%s", err);
    sim_net_free(n);
    sim_kernel_free(k);
}
END_TEST

/* Same seed, same losses; another seed, other losses; and a link added
 * elsewhere does not change this link's draws. */
static void loss_pattern(uint64_t seed, bool extra, uint32_t *out, uint64_t *n)
{
    sim_link_params_t p;
    sim_link_params_default(&p);
    world_t w;
    world_init(&w, seed, &p);
    if (extra) {
        char err[256];
        sim_host_t *c = sim_host_new(w.net, "c", err, sizeof err);
        ck_assert(sim_iface_new(c, "eth0", w.lan, 0x0a000003, NULL, err, sizeof err));
    }
    p.loss = 0.3;
    p.jitter = SIM_MS(3);
    sim_link_set_params(sim_iface_link(w.ia), 0, &p);
    send_paced(&w, 2000, SIM_MS(1), 20);
    *n = w.rx->n;
    memcpy(out, w.rx->seqs, w.rx->n * sizeof *out);
    world_free(&w);
}

START_TEST(determinism_and_independence)
{
    static uint32_t a[2000], b[2000], c[2000], d[2000];
    uint64_t na, nb, nc, nd;
    loss_pattern(SEED, false, a, &na);
    loss_pattern(SEED, false, b, &nb);
    loss_pattern(SEED + 1, false, c, &nc);
    loss_pattern(SEED, true, d, &nd);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(a, b, na * sizeof *a);
    ck_assert(nc != na || memcmp(a, c, na * sizeof *a) != 0);
    ck_assert_uint_eq(na, nd);
    ck_assert_mem_eq(a, d, na * sizeof *a);
}
END_TEST

static Suite *net_suite(void)
{
    Suite *s = suite_create("net");
    TCase *t = tcase_create("links");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, clean_link_delivers_in_order_with_latency);
    tcase_add_test(t, bernoulli_loss_ratio_and_runs);
    tcase_add_test(t, gilbert_elliott_bursts);
    tcase_add_test(t, duplication);
    tcase_add_test(t, jitter_reorders_within_bounds);
    tcase_add_test(t, rate_limit_and_tail_drop);
    tcase_add_test(t, rate_limit_below_rate_never_drops);
    tcase_add_test(t, mtu);
    suite_add_tcase(s, t);
    t = tcase_create("topology");
    tcase_add_test(t, routing_through_the_core);
    tcase_add_test(t, interface_down_drops_both_ways);
    tcase_add_test(t, unsendable_datagrams_are_counted);
    tcase_add_test(t, bytes_held_are_counted);
    tcase_add_test(t, interface_added_while_running_is_logged);
#if !defined(__SANITIZE_ADDRESS__)
    tcase_add_test(t, out_of_memory_is_an_error);
#endif
    tcase_add_test(t, topology_errors);
    tcase_add_test(t, routing_domains);
    tcase_add_test(t, determinism_and_independence);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(net_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
