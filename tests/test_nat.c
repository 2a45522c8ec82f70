/*
 * test_nat.c - the NAT node against RFC 4787: mapping and filtering
 * behaviours (all nine pairs), port assignment, address pooling,
 * hairpinning, lifetime and refresh, reboot, nesting; and the firewall,
 * the other node that stands on a subnet's way out.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/evlog.h"
#include "net/firewall.h"
#include "kernel/kernel.h"
#include "net/nat.h"
#include "net/net.h"

#define INSIDE_A 0xc0a80102u    /* 192.168.1.2 */
#define INSIDE_B 0xc0a80103u
#define EXT      0xcb00710au    /* 203.0.113.10 */
#define S1       0xc6336401u    /* 198.51.100.1 */
#define S2       0xc6336402u

typedef struct rx {
    int      n;
    uint32_t from_ip[16];
    uint16_t from_port[16];
} rx_t;

static void on_rx(void *arg, sim_udp_t *s, const sim_pkt_t *p)
{
    rx_t *r = arg;
    if (r->n < 16) {
        r->from_ip[r->n] = p->src_ip;
        r->from_port[r->n] = p->src_port;
    }
    r->n++;
}

typedef struct world {
    sim_kernel_t *k;
    sim_evlog_t  *log;
    sim_net_t    *net;
    sim_nat_t    *nat;
    sim_udp_t    *a, *b, *s1_7, *s1_8, *s2_7;
    rx_t          ra, rb, r17, r18, r27;
} world_t;

static uint64_t world_seed = 11;

static void world_init(world_t *w, const sim_nat_config_t *cfg, const uint32_t *addrs, size_t naddrs)
{
    char err[256];
    memset(w, 0, sizeof *w);
    w->k = sim_kernel_new(world_seed);
    w->log = sim_evlog_new();
    w->net = sim_net_new(w->k, w->log);
    sim_subnet_t *isp = sim_subnet_new(w->net, "isp", 0xcb007100, 24, NULL, NULL, err, sizeof err);
    sim_subnet_t *dc = sim_subnet_new(w->net, "dc", 0xc6336400, 24, NULL, NULL, err, sizeof err);
    uint32_t one = EXT;
    w->nat = sim_nat_new(w->net, "nat", isp, addrs ? addrs : &one, addrs ? naddrs : 1, cfg, err, sizeof err);
    ck_assert_msg(w->nat, "%s", err);
    sim_subnet_t *home = sim_nat_inside(w->nat, "home", 0xc0a80100, 24, NULL, NULL, err, sizeof err);
    ck_assert_msg(home, "%s", err);
    sim_host_t *a = sim_host_new(w->net, "a", err, sizeof err), *b = sim_host_new(w->net, "b", err, sizeof err);
    sim_host_t *s1 = sim_host_new(w->net, "s1", err, sizeof err), *s2 = sim_host_new(w->net, "s2", err, sizeof err);
    sim_iface_new(a, "eth0", home, INSIDE_A, NULL, err, sizeof err);
    sim_iface_new(b, "eth0", home, INSIDE_B, NULL, err, sizeof err);
    sim_iface_new(s1, "eth0", dc, S1, NULL, err, sizeof err);
    sim_iface_new(s2, "eth0", dc, S2, NULL, err, sizeof err);
    w->a = sim_udp_bind(a, 0, 5000, on_rx, &w->ra, err, sizeof err);
    w->b = sim_udp_bind(b, 0, 5000, on_rx, &w->rb, err, sizeof err);
    w->s1_7 = sim_udp_bind(s1, 0, 7, on_rx, &w->r17, err, sizeof err);
    w->s1_8 = sim_udp_bind(s1, 0, 8, on_rx, &w->r18, err, sizeof err);
    w->s2_7 = sim_udp_bind(s2, 0, 7, on_rx, &w->r27, err, sizeof err);
}

static void world_free(world_t *w)
{
    sim_net_free(w->net);
    sim_evlog_free(w->log);
    sim_kernel_free(w->k);
}

static void send_run(world_t *w, sim_udp_t *from, uint32_t ip, uint16_t port)
{
    sim_udp_send(from, ip, port, "x", 1);
    sim_run_until(w->k, sim_now(w->k) + SIM_MS(1));
}

/* RFC 4787 s.4.1: which destinations share the external port. */
START_TEST(mapping_behaviours)
{
    static const struct { sim_nat_dep_t m; bool same_s1_port, same_s2; } cases[] = {
        { SIM_NAT_ENDPOINT_INDEPENDENT, true, true },
        { SIM_NAT_ADDRESS_DEPENDENT, true, false },
        { SIM_NAT_ADDRESS_PORT_DEPENDENT, false, false },
    };
    for (size_t i = 0; i < 3; i++) {
        sim_nat_config_t cfg;
        sim_nat_config_default(&cfg);
        cfg.mapping = cases[i].m;
        world_t w;
        world_init(&w, &cfg, NULL, 0);
        send_run(&w, w.a, S1, 7);
        send_run(&w, w.a, S1, 8);
        send_run(&w, w.a, S2, 7);
        ck_assert_int_eq(w.r17.n + w.r18.n + w.r27.n, 3);
        ck_assert_uint_eq(w.r17.from_ip[0], EXT);
        ck_assert_int_eq(w.r17.from_port[0] == w.r18.from_port[0], cases[i].same_s1_port);
        ck_assert_int_eq(w.r17.from_port[0] == w.r27.from_port[0], cases[i].same_s2);
        world_free(&w);
    }
}
END_TEST

/* RFC 4787 s.5: after A sent to S1:7 only, who may send back. */
START_TEST(filtering_behaviours)
{
    static const struct { sim_nat_dep_t f; int from_s1_8, from_s2_7; } cases[] = {
        { SIM_NAT_ENDPOINT_INDEPENDENT, 1, 1 },
        { SIM_NAT_ADDRESS_DEPENDENT, 1, 0 },
        { SIM_NAT_ADDRESS_PORT_DEPENDENT, 0, 0 },
    };
    for (size_t i = 0; i < 3; i++) {
        sim_nat_config_t cfg;
        sim_nat_config_default(&cfg);
        cfg.filtering = cases[i].f;
        world_t w;
        world_init(&w, &cfg, NULL, 0);
        send_run(&w, w.a, S1, 7);
        uint16_t ext_port = w.r17.from_port[0];
        send_run(&w, w.s1_7, EXT, ext_port);
        ck_assert_int_eq(w.ra.n, 1);                        /* the answer always gets in */
        ck_assert_uint_eq(w.ra.from_ip[0], S1);
        send_run(&w, w.s1_8, EXT, ext_port);
        send_run(&w, w.s2_7, EXT, ext_port);
        ck_assert_int_eq(w.ra.n, 1 + cases[i].from_s1_8 + cases[i].from_s2_7);
        uint64_t drops[SIM_DROP__COUNT];
        sim_net_drop_counts(w.net, drops);
        ck_assert_uint_eq(drops[SIM_DROP_NAT_FILTERED], 2 - cases[i].from_s1_8 - cases[i].from_s2_7);
        send_run(&w, w.s1_7, EXT, 40000);                   /* no mapping there */
        sim_net_drop_counts(w.net, drops);
        ck_assert_uint_eq(drops[SIM_DROP_NAT_NO_MAPPING], 1);
        world_free(&w);
    }
}
END_TEST

START_TEST(port_assignment_and_pooling)
{
    sim_nat_config_t cfg;
    sim_nat_config_default(&cfg);
    world_t w;
    world_init(&w, &cfg, NULL, 0);
    send_run(&w, w.a, S1, 7);
    send_run(&w, w.b, S1, 7);   /* same internal port 5000: taken, the next free one */
    ck_assert_uint_eq(w.r17.from_port[0], 5000);
    ck_assert_uint_eq(w.r17.from_port[1], 1024);
    world_free(&w);

    cfg.ports = SIM_NAT_SEQUENTIAL;
    world_init(&w, &cfg, NULL, 0);
    send_run(&w, w.a, S1, 7);
    ck_assert_uint_eq(w.r17.from_port[0], 1024);
    world_free(&w);

    cfg.ports = SIM_NAT_RANDOM;
    world_init(&w, &cfg, NULL, 0);
    send_run(&w, w.a, S1, 7);
    uint16_t r1 = w.r17.from_port[0];
    world_free(&w);
    world_init(&w, &cfg, NULL, 0);
    send_run(&w, w.a, S1, 7);
    ck_assert_uint_eq(w.r17.from_port[0], r1);              /* seeded: the same draw */
    ck_assert_uint_ge(r1, 1024);
    world_free(&w);

    /* a pool of two: hosts get addresses in turn, each keeps its own */
    uint32_t pool[2] = { EXT, EXT + 1 };
    cfg.ports = SIM_NAT_PRESERVE;
    cfg.mapping = SIM_NAT_ADDRESS_PORT_DEPENDENT;
    world_init(&w, &cfg, pool, 2);
    send_run(&w, w.a, S1, 7);
    send_run(&w, w.b, S1, 7);
    send_run(&w, w.a, S1, 8);
    ck_assert_uint_eq(w.r17.from_ip[0], EXT);
    ck_assert_uint_eq(w.r17.from_ip[1], EXT + 1);
    ck_assert_uint_eq(w.r18.from_ip[0], EXT);               /* paired (REQ-2) */
    /* once every mapping of an address has expired it is unpaired: the
     * next mapping takes the next address in turn (EXT again, after two) */
    sim_run_until(w.k, sim_now(w.k) + SIM_SEC(121));
    send_run(&w, w.b, S1, 8);
    send_run(&w, w.a, S1, 7);
    ck_assert_uint_eq(w.r18.from_ip[1], EXT);
    ck_assert_uint_eq(w.r17.from_ip[2], EXT + 1);
    world_free(&w);
}
END_TEST

/* ---- random port assignment: statistics over many mappings ---------------------------- */

#define NMAP  1000          /* mappings per run */
#define RANGE 64512.0       /* external ports 1024..65535 */

typedef struct ports { uint16_t v[NMAP]; size_t n; } ports_t;

static void ext_tap(void *arg, sim_time_t t, const sim_pkt_t *p)
{
    ports_t *ps = arg;
    if (p->src_ip == EXT && ps->n < NMAP)
        ps->v[ps->n++] = p->src_port;
}

/* A's one socket sends to NMAP remote ports through an address-and-port-
 * dependent NAT: NMAP mappings, whose external ports the tap records. */
static void collect_ports(const sim_nat_config_t *base, uint64_t seed, ports_t *ps)
{
    sim_nat_config_t cfg = *base;
    cfg.mapping = SIM_NAT_ADDRESS_PORT_DEPENDENT;
    world_t w;
    world_seed = seed;
    world_init(&w, &cfg, NULL, 0);
    world_seed = 11;
    ps->n = 0;
    ck_assert_int_eq(sim_link_add_tap(sim_nat_outside_link(w.nat), ext_tap, ps), 0);
    for (uint16_t port = 1; port <= NMAP; port++)
        send_run(&w, w.a, S1, port);
    ck_assert_uint_eq(ps->n, NMAP);
    world_free(&w);
}

/* Whether NMAP external ports look drawn uniformly from the range (RFC 4787
 * s.4.2 "random", RFC 6056). Under that model (draws without replacement,
 * which only narrows every spread below), with M = 64512 and N = 1000:
 *
 * - spread: 16 equal bins of 4032 ports, expected 62.5 each; Pearson's
 *   statistic is chi-square with 15 degrees of freedom, P(X >= 60) =
 *   2.5e-7. Sequential or preserving allocation puts all 1000 in one or
 *   two bins (X near 15000).
 * - runs: a next port adjacent to the previous one (|d| = 1) has
 *   probability 2/M = 3.1e-5 per pair, so over 999 pairs the count is
 *   Poisson with mean 0.031: P(count >= 3) = 5e-6. Sequential: 999.
 * - first differences: for independent uniforms |d|/M has density
 *   2(1 - x) on [0, 1], mean 1/3, sd sqrt(1/18) = 0.236; the mean of 999
 *   has sd 0.236 M / sqrt(999) = 481 ports if the |d| were independent,
 *   and neighbouring |d| share a draw, which at most triples the variance
 *   (correlation <= 1 with one neighbour each side): sd <= 833. Bound
 *   M/3 +- 6 * 833 = 21504 +- 5000: P(false failure) < 2e-9 by the normal
 *   tail (Chebyshev alone: < 1/36). Sequential: mean |d| = 1.
 *
 * So a uniform allocator fails one of the three with probability < 1e-5
 * per seed; each check alone rejects a sequential or preserving one. */
static bool ports_look_random(const ports_t *ps, char *why, size_t cap)
{
    double bins[16] = { 0 }, chi = 0, sum_d = 0;
    unsigned adjacent = 0;
    for (size_t i = 0; i < ps->n; i++) {
        bins[(ps->v[i] - 1024u) / 4032u]++;
        if (i > 0) {
            int d = (int)ps->v[i] - (int)ps->v[i - 1];
            adjacent += d == 1 || d == -1;
            sum_d += abs(d);
        }
    }
    double e = ps->n / 16.0;
    for (int b = 0; b < 16; b++)
        chi += (bins[b] - e) * (bins[b] - e) / e;
    double mean_d = sum_d / (double)(ps->n - 1);
    snprintf(why, cap, "chi-square %.1f (bound 60), adjacent pairs %u (bound 2), mean |d| %.0f "
             "(bound 21504 +- 5000)", chi, adjacent, mean_d);
    return chi < 60 && adjacent <= 2 && fabs(mean_d - RANGE / 3) < 5000;
}

START_TEST(random_port_assignment_is_random)
{
    sim_nat_config_t cfg;
    sim_nat_config_default(&cfg);
    static ports_t ps;
    char why[200];
    cfg.ports = SIM_NAT_RANDOM;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        collect_ports(&cfg, seed, &ps);
        ck_assert_msg(ports_look_random(&ps, why, sizeof why), "seed %llu: %s",
                      (unsigned long long)seed, why);
    }
    /* the checks have power: the other two allocators fail them */
    cfg.ports = SIM_NAT_SEQUENTIAL;
    collect_ports(&cfg, 1, &ps);
    ck_assert_msg(!ports_look_random(&ps, why, sizeof why), "sequential passed: %s", why);
    cfg.ports = SIM_NAT_PRESERVE;
    collect_ports(&cfg, 1, &ps);
    ck_assert_msg(!ports_look_random(&ps, why, sizeof why), "preserving passed: %s", why);
}
END_TEST

START_TEST(hairpinning)
{
    for (int on = 0; on < 2; on++) {
        sim_nat_config_t cfg;
        sim_nat_config_default(&cfg);
        cfg.hairpin = on;
        world_t w;
        world_init(&w, &cfg, NULL, 0);
        send_run(&w, w.a, S1, 7);                           /* A's mapping: EXT:5000 */
        send_run(&w, w.b, EXT, 5000);
        uint64_t drops[SIM_DROP__COUNT];
        sim_net_drop_counts(w.net, drops);
        ck_assert_int_eq(w.ra.n, on);
        ck_assert_uint_eq(drops[SIM_DROP_NAT_HAIRPIN], (uint64_t)!on);
        if (on) {   /* REQ-9: from B's external address, not its inside one */
            ck_assert_uint_eq(w.ra.from_ip[0], EXT);
            ck_assert_uint_eq(w.ra.from_port[0], 1024);
        }
        world_free(&w);
    }
}
END_TEST

START_TEST(lifetime_refresh_and_reboot)
{
    sim_nat_config_t cfg;
    sim_nat_config_default(&cfg);
    cfg.lifetime = SIM_SEC(30);
    world_t w;
    world_init(&w, &cfg, NULL, 0);
    send_run(&w, w.a, S1, 7);                               /* t = 0 */
    sim_run_until(w.k, SIM_SEC(20));
    send_run(&w, w.s1_7, EXT, 5000);                        /* inbound: no refresh */
    send_run(&w, w.a, S1, 7);                               /* outbound at 20 s: refresh to 50 s */
    sim_run_until(w.k, SIM_SEC(45));
    send_run(&w, w.s1_7, EXT, 5000);
    ck_assert_int_eq(w.ra.n, 2);
    sim_run_until(w.k, SIM_SEC(51));
    send_run(&w, w.s1_7, EXT, 5000);
    ck_assert_int_eq(w.ra.n, 2);                            /* expired at 50 s */
    sim_nat_stats_t st;
    sim_nat_stats(w.nat, &st);
    ck_assert_uint_eq(st.expired, 1);
    ck_assert_uint_eq(st.mappings, 0);
    /* reboot: mappings lost, a new public address */
    send_run(&w, w.a, S1, 7);
    char err[128];
    ck_assert_int_eq(sim_nat_reboot(w.nat, EXT + 5, err, sizeof err), 0);
    send_run(&w, w.s1_7, EXT, 5000);
    send_run(&w, w.a, S1, 7);
    ck_assert_uint_eq(w.r17.from_ip[w.r17.n - 1], EXT + 5);
    uint64_t drops[SIM_DROP__COUNT];
    sim_net_drop_counts(w.net, drops);
    ck_assert_uint_ge(drops[SIM_DROP_NO_ROUTE], 1);         /* the old address is gone */
    world_free(&w);
}
END_TEST

/* A home NAT behind a carrier-grade NAT (RFC 6888): the server sees the
 * CGN's address; private prefixes may repeat behind different NATs. */
START_TEST(nested)
{
    char err[256];
    sim_kernel_t *k = sim_kernel_new(1);
    sim_net_t *net = sim_net_new(k, NULL);
    sim_subnet_t *isp = sim_subnet_new(net, "isp", 0xcb007100, 24, NULL, NULL, err, sizeof err);
    sim_subnet_t *dc = sim_subnet_new(net, "dc", 0xc6336400, 24, NULL, NULL, err, sizeof err);
    sim_nat_config_t cfg;
    sim_nat_config_default(&cfg);
    uint32_t cgn_addr = EXT;
    sim_nat_t *cgn = sim_nat_new(net, "cgn", isp, &cgn_addr, 1, &cfg, err, sizeof err);
    sim_subnet_t *carrier = sim_nat_inside(cgn, "carrier", 0x64400000, 10, NULL, NULL, err, sizeof err);
    ck_assert_msg(carrier, "%s", err);                      /* 100.64.0.0/10, RFC 6598 */
    uint32_t home_addr = 0x64400005, other_addr = 0x64400006;
    sim_nat_t *home_nat = sim_nat_new(net, "home", carrier, &home_addr, 1, &cfg, err, sizeof err);
    sim_nat_t *other_nat = sim_nat_new(net, "other", carrier, &other_addr, 1, &cfg, err, sizeof err);
    sim_subnet_t *h1 = sim_nat_inside(home_nat, "lan1", 0xc0a80100, 24, NULL, NULL, err, sizeof err);
    sim_subnet_t *h2 = sim_nat_inside(other_nat, "lan2", 0xc0a80100, 24, NULL, NULL, err, sizeof err);
    ck_assert_msg(h1 && h2, "%s", err);
    sim_host_t *a = sim_host_new(net, "a", err, sizeof err), *s = sim_host_new(net, "s", err, sizeof err);
    sim_iface_new(a, "eth0", h1, INSIDE_A, NULL, err, sizeof err);
    sim_iface_new(s, "eth0", dc, S1, NULL, err, sizeof err);
    rx_t r = { 0 };
    sim_udp_t *ua = sim_udp_bind(a, 0, 5000, NULL, NULL, err, sizeof err);
    sim_udp_bind(s, 0, 7, on_rx, &r, err, sizeof err);
    sim_udp_send(ua, S1, 7, "x", 1);
    sim_run_until(k, SIM_SEC(1));
    ck_assert_int_eq(r.n, 1);
    ck_assert_uint_eq(r.from_ip[0], EXT);
    ck_assert_ptr_null(sim_nat_new(net, "bad", dc, &home_addr, 1, &cfg, err, sizeof err));
    ck_assert_msg(strstr(err, "NAT 'bad': address 100.64.0.5 is not in subnet 'dc'"), "%s", err);
    sim_net_free(net);
    sim_kernel_free(k);
}
END_TEST

/* The firewall lets through only what has a listed outside end, both
 * ways; it does not see traffic inside its subnet; it stands on a subnet
 * behind a NAT as well as on one the core routes to. */
START_TEST(firewall)
{
    world_t w;
    sim_nat_config_t cfg;
    sim_nat_config_default(&cfg);
    world_init(&w, &cfg, NULL, 0);
    char err[256];
    sim_firewall_t *fw = sim_firewall_new(w.net, "fw", sim_subnet_find(w.net, "home"), err, sizeof err);
    ck_assert_msg(fw, "%s", err);
    ck_assert_int_eq(sim_firewall_allow(fw, "198.51.100.1:7", err, sizeof err), 0);
    send_run(&w, w.a, S1, 7);       /* listed */
    send_run(&w, w.a, S1, 8);       /* not that port */
    send_run(&w, w.a, S2, 7);       /* not that address */
    send_run(&w, w.a, INSIDE_B, 5000);  /* inside: not the firewall's business */
    ck_assert_int_eq(w.r17.n, 1);
    ck_assert_int_eq(w.r18.n + w.r27.n, 0);
    ck_assert_int_eq(w.rb.n, 1);
    sim_udp_send(w.s1_7, EXT, 5000, "back", 4);     /* the listed end answers: in */
    sim_udp_send(w.s1_8, EXT, 5000, "x", 1);        /* EIF lets it through the NAT, not the firewall */
    sim_run_until(w.k, sim_now(w.k) + SIM_MS(1));
    ck_assert_int_eq(w.ra.n, 1);
    ck_assert_uint_eq(w.ra.from_port[0], 7);
    sim_firewall_stats_t st;
    sim_firewall_stats(fw, &st);
    ck_assert_uint_eq(st.out, 1);
    ck_assert_uint_eq(st.in, 1);
    ck_assert_uint_eq(st.blocked_out, 2);
    ck_assert_uint_eq(st.blocked_in, 1);
    uint64_t drops[SIM_DROP__COUNT];
    sim_net_drop_counts(w.net, drops);
    ck_assert_uint_eq(drops[SIM_DROP_FIREWALL], 3);
    /* a prefix, any port */
    ck_assert_int_eq(sim_firewall_allow(fw, "198.51.100.0/30", err, sizeof err), 0);
    send_run(&w, w.a, S2, 7);
    ck_assert_int_eq(w.r27.n, 1);
    /* bad entries, and a second node on the same uplink */
    static const char *const bad[] = { "198.51.100.1:0", "198.51.100.1:70000", "198.51.100/24",
                                       "198.51.100.1/33", "x", "198.51.100.1:", "198.51.100.0/", };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(sim_firewall_allow(fw, bad[i], err, sizeof err), -1);
        ck_assert_msg(strstr(err, "firewall 'fw': allow entry '") && strstr(err, bad[i]), "%s", err);
    }
    ck_assert_int_eq(sim_firewall_allow(fw, "198.51.100.1/24", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "has host bits set"), "%s", err);
    ck_assert_ptr_null(sim_firewall_new(w.net, "fw2", sim_subnet_find(w.net, "home"), err, sizeof err));
    ck_assert_msg(strstr(err, "firewall 'fw2': subnet 'home' already has a node on its uplink"), "%s", err);
    /* on a subnet the core routes to: S1 may reach nothing but port 7 of A's NAT */
    sim_firewall_t *dcfw = sim_firewall_new(w.net, "dcfw", sim_subnet_find(w.net, "dc"), err, sizeof err);
    ck_assert_msg(dcfw, "%s", err);
    ck_assert_int_eq(sim_firewall_allow(dcfw, "203.0.113.10:5000", err, sizeof err), 0);
    int before = w.ra.n;
    sim_udp_send(w.s1_7, EXT, 5000, "y", 1);
    sim_udp_send(w.s1_7, EXT, 5001, "z", 1);
    sim_run_until(w.k, sim_now(w.k) + SIM_MS(1));
    ck_assert_int_eq(w.ra.n, before + 1);
    sim_firewall_stats(dcfw, &st);
    ck_assert_uint_eq(st.out, 1);
    ck_assert_uint_eq(st.blocked_out, 1);
    world_free(&w);
}
END_TEST

/* A run's memory bound counts what a NAT holds (issue 8): each mapping
 * adds to the network's bytes until it expires, and one the bound
 * refuses is not made (a no-memory drop). */
static bool room_below(void *ctx, size_t more)
{
    const size_t *limit = ctx;
    return more <= *limit;
}

START_TEST(mappings_count_in_the_network)
{
    sim_nat_config_t cfg;
    sim_nat_config_default(&cfg);
    cfg.mapping = SIM_NAT_ADDRESS_PORT_DEPENDENT;   /* a mapping per destination */
    cfg.lifetime = SIM_SEC(30);
    world_t w;
    world_init(&w, &cfg, NULL, 0);
    send_run(&w, w.a, S1, 7);       /* the packet pool is made; one mapping */
    sim_run_until(w.k, SIM_SEC(40));    /* ... which expires */
    size_t base = sim_net_bytes(w.net);
    for (uint16_t port = 1000; port < 1100; port++)
        send_run(&w, w.a, S1, port);
    sim_nat_stats_t st;
    sim_nat_stats(w.nat, &st);
    ck_assert_uint_eq(st.mappings, 100);
    size_t held = sim_net_bytes(w.net) - base;
    ck_assert_msg(held >= 100 * 2 * sizeof(void *), "100 mappings hold %zu bytes", held);
    sim_run_until(w.k, sim_now(w.k) + SIM_SEC(31));
    ck_assert_uint_eq(sim_net_bytes(w.net), base);   /* all given back at expiry */
    /* the bound refuses: no mapping, a counted drop */
    size_t limit = 0;
    sim_net_set_bound(w.net, room_below, &limit);
    uint64_t before[SIM_DROP__COUNT], after[SIM_DROP__COUNT];
    sim_net_drop_counts(w.net, before);
    send_run(&w, w.a, S1, 2000);
    sim_nat_stats(w.nat, &st);
    ck_assert_uint_eq(st.mappings, 0);
    sim_net_drop_counts(w.net, after);
    ck_assert_uint_eq(after[SIM_DROP_NO_MEMORY], before[SIM_DROP_NO_MEMORY] + 1);
    world_free(&w);
}
END_TEST

static Suite *nat_suite(void)
{
    Suite *s = suite_create("nat");
    TCase *t = tcase_create("rfc4787");
    tcase_add_test(t, mapping_behaviours);
    tcase_add_test(t, filtering_behaviours);
    tcase_add_test(t, port_assignment_and_pooling);
    tcase_add_test(t, random_port_assignment_is_random);
    tcase_add_test(t, hairpinning);
    tcase_add_test(t, lifetime_refresh_and_reboot);
    tcase_add_test(t, nested);
    tcase_add_test(t, firewall);
    tcase_add_test(t, mappings_count_in_the_network);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(nat_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
