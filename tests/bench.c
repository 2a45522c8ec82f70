/*
 * bench.c - `make bench`: throughput of the kernel and the network, and
 * the media plane's calls against libsrtp2 alone, as medians of several
 * runs. Wall time is read with the raw clock_gettime
 * system call, because the executable interposes clock_gettime with
 * virtual time (sim/vdet.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <malloc.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <stun/stunagent.h>

#include "check/capture.h"
#include "host/ice_host.h"
#include "servers/stun_server.h"
#include "kernel/vdet.h"
#include "check/evlog.h"
#include "kernel/kernel.h"
#include "lua/scenario.h"
#include "net/nat.h"
#include "net/net.h"
#include "srtp.h"
#include "stun.h"
#include "servers/turn_server.h"
#include "trace/lint.h"
#include "replay/player.h"

#define RUNS 5

static double wall(void)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- kernel: the hold model. 100,000 timers pending; each event
 * schedules one more at a random time ahead, so the queue stays full. */

typedef struct hold {
    sim_kernel_t *k;
    sim_rng_t     rng;
} hold_t;

static void hold_fire(void *arg)
{
    hold_t *h = arg;
    sim_after(h->k, 1 + sim_rng_below(&h->rng, 1000000), hold_fire, h);
}

static double bench_kernel(size_t pending, uint64_t events)
{
    hold_t h = { .k = sim_kernel_new(1) };
    sim_rng_init(&h.rng, 1, "bench");
    for (size_t i = 0; i < pending; i++)
        sim_at(h.k, sim_rng_below(&h.rng, 1000000), hold_fire, &h);
    double t0 = wall();
    for (uint64_t i = 0; i < events; i++)
        sim_step(h.k);
    double dt = wall() - t0;
    sim_kernel_free(h.k);
    return (double)events / dt;
}

/* The same hold model on a textbook binary heap of (time, sequence) with
 * no callbacks and no cancellation: the yardstick for the kernel's figure
 * on whatever machine the benchmark runs. */
typedef struct pe {
    uint64_t t, seq;
} pe_t;

static int pe_lt(const pe_t *a, const pe_t *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void pe_push(pe_t *h, size_t *n, pe_t e)
{
    size_t j = (*n)++;
    while (j > 0 && pe_lt(&e, &h[(j - 1) / 2])) {
        h[j] = h[(j - 1) / 2];
        j = (j - 1) / 2;
    }
    h[j] = e;
}

static pe_t pe_pop(pe_t *h, size_t *n)
{
    pe_t top = h[0], e = h[--*n];
    size_t j = 0, c;
    while ((c = 2 * j + 1) < *n) {
        if (c + 1 < *n && pe_lt(&h[c + 1], &h[c]))
            c++;
        if (!pe_lt(&h[c], &e))
            break;
        h[j] = h[c];
        j = c;
    }
    h[j] = e;
    return top;
}

static double bench_plain_heap(size_t pending, uint64_t events)
{
    pe_t *h = malloc((pending + 1) * sizeof *h);
    size_t n = 0;
    uint64_t seq = 0;
    sim_rng_t rng;
    sim_rng_init(&rng, 1, "bench");
    for (size_t i = 0; i < pending; i++)
        pe_push(h, &n, (pe_t){ sim_rng_below(&rng, 1000000), seq++ });
    double t0 = wall();
    for (uint64_t i = 0; i < events; i++) {
        pe_t e = pe_pop(h, &n);
        pe_push(h, &n, (pe_t){ e.t + 1 + sim_rng_below(&rng, 1000000), seq++ });
    }
    double dt = wall() - t0;
    free(h);
    return (double)events / dt;
}

/* ---- network: datagrams through a lossy, jittery link, captured at the
 * sending interface, drops logged. */

typedef struct flow {
    sim_kernel_t *k;
    sim_udp_t    *tx;
    uint64_t      left, received;
} flow_t;

static void on_rx(void *arg, sim_udp_t *s, const sim_pkt_t *p)
{
    ((flow_t *)arg)->received++;
}

static void send_tick(void *arg)
{
    flow_t *f = arg;
    static const uint8_t payload[160];
    sim_udp_send(f->tx, 0x0a000002, 9, payload, sizeof payload);
    if (--f->left)
        sim_after(f->k, SIM_US(10), send_tick, f);
}

static double bench_link(uint64_t n, const char *pcap)
{
    char err[512];
    flow_t f = { .k = sim_kernel_new(1), .left = n };
    sim_evlog_t *log = sim_evlog_new();
    sim_net_t *net = sim_net_new(f.k, log);
    sim_link_params_t p;
    sim_link_params_default(&p);
    sim_subnet_t *lan = sim_subnet_new(net, "lan", 0x0a000000, 24, &p, NULL, err, sizeof err);
    sim_host_t *a = sim_host_new(net, "a", err, sizeof err), *b = sim_host_new(net, "b", err, sizeof err);
    sim_iface_t *ia = sim_iface_new(a, "eth0", lan, 0x0a000001, NULL, err, sizeof err);
    sim_iface_new(b, "eth0", lan, 0x0a000002, NULL, err, sizeof err);
    p.latency = SIM_MS(5);
    p.jitter = SIM_MS(1);
    p.loss = 0.01;
    sim_link_set_params(sim_iface_link(ia), 0, &p);
    sim_capture_t *cap = sim_capture_open(pcap, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    sim_iface_add_tap(ia, sim_capture_tap, cap);
    f.tx = sim_udp_bind(a, 0, 0, NULL, NULL, err, sizeof err);
    sim_udp_bind(b, 0, 9, on_rx, &f, err, sizeof err);
    sim_at(f.k, 0, send_tick, &f);
    double t0 = wall();
    sim_run_until(f.k, SIM_TIME_NEVER);
    double dt = wall() - t0;
    sim_capture_close(cap, err, sizeof err);
    sim_net_free(net);
    sim_evlog_free(log);
    sim_kernel_free(f.k);
    return (double)n / dt;
}

/* ---- a NAT: datagrams from an inside host to a server and back through
 * a port-restricted cone, with capture on the NAT's outside. */

typedef struct natflow {
    sim_kernel_t *k;
    sim_udp_t    *tx;
    uint64_t      left, back;
} natflow_t;

static void nat_back(void *arg, sim_udp_t *s, const sim_pkt_t *p)
{
    ((natflow_t *)arg)->back++;
}

static void nat_echo(void *arg, sim_udp_t *s, const sim_pkt_t *p)
{
    sim_udp_send(s, p->src_ip, p->src_port, p->data, p->len);
}

static void nat_tick(void *arg)
{
    natflow_t *f = arg;
    static const uint8_t payload[160];
    sim_udp_send(f->tx, 0xc6336401, 7, payload, sizeof payload);
    if (--f->left)
        sim_after(f->k, SIM_US(10), nat_tick, f);
}

static double bench_nat(uint64_t n, const char *pcap)
{
    char err[512];
    natflow_t f = { .k = sim_kernel_new(1), .left = n };
    sim_evlog_t *log = sim_evlog_new();
    sim_net_t *net = sim_net_new(f.k, log);
    sim_subnet_t *isp = sim_subnet_new(net, "isp", 0xcb007100, 24, NULL, NULL, err, sizeof err);
    sim_subnet_t *dc = sim_subnet_new(net, "dc", 0xc6336400, 24, NULL, NULL, err, sizeof err);
    sim_nat_config_t cfg;
    sim_nat_config_default(&cfg);
    sim_nat_config_named(&cfg, "port-restricted-cone");
    uint32_t ext = 0xcb00710a;
    sim_nat_t *nat = sim_nat_new(net, "nat", isp, &ext, 1, &cfg, err, sizeof err);
    sim_subnet_t *home = sim_nat_inside(nat, "home", 0xc0a80100, 24, NULL, NULL, err, sizeof err);
    sim_host_t *a = sim_host_new(net, "a", err, sizeof err), *s = sim_host_new(net, "s", err, sizeof err);
    sim_iface_new(a, "eth0", home, 0xc0a80102, NULL, err, sizeof err);
    sim_iface_new(s, "eth0", dc, 0xc6336401, NULL, err, sizeof err);
    sim_capture_t *cap = sim_capture_open(pcap, err, sizeof err);
    sim_link_add_tap(sim_nat_outside_link(nat), sim_capture_tap, cap);
    f.tx = sim_udp_bind(a, 0, 5000, nat_back, &f, err, sizeof err);
    sim_udp_bind(s, 0, 7, nat_echo, NULL, err, sizeof err);
    sim_at(f.k, 0, nat_tick, &f);
    double t0 = wall();
    sim_run_until(f.k, SIM_TIME_NEVER);
    double dt = wall() - t0;
    if (f.back != n)
        fprintf(stderr, "bench: %llu of %llu came back through the NAT\n", (unsigned long long)f.back,
                (unsigned long long)n);
    sim_capture_close(cap, err, sizeof err);
    sim_net_free(net);
    sim_evlog_free(log);
    sim_kernel_free(f.k);
    return 2.0 * (double)n / dt;    /* each datagram crosses the NAT twice */
}

/* ---- a TURN relay: a client with a channel to a peer that echoes; the
 * client sends ChannelData every 10 us of virtual time, the server relays
 * it to the peer and the echo back as ChannelData (RFC 8656 s.12), with
 * capture on the server's interface. */

typedef struct turnflow {
    sim_kernel_t *k;
    sim_udp_t    *client;
    StunAgent     agent;
    uint8_t       last[512];
    size_t        len;
    char          nonce[64];
    uint64_t      left, back;
} turnflow_t;

static void turn_client_rx(void *arg, sim_udp_t *s, const sim_pkt_t *p)
{
    turnflow_t *f = arg;
    if (p->len && p->data[0] >= 0x40 && p->data[0] <= 0x4f) {
        f->back++;
        return;
    }
    f->len = p->len < sizeof f->last ? p->len : sizeof f->last;
    memcpy(f->last, p->data, f->len);
}

/* Send a request (authenticated once a nonce is known), run until it is
 * answered; the error code of the answer (0: success). */
static int turn_ask(turnflow_t *f, StunMethod method, uint32_t peer_ip, uint16_t peer_port)
{
    StunMessage m;
    uint8_t buf[512];
    stun_agent_init_request(&f->agent, &m, buf, sizeof buf, method);
    if (method == STUN_ALLOCATE)
        stun_message_append32(&m, STUN_ATTRIBUTE_REQUESTED_TRANSPORT, 17u << 24);
    if (peer_ip) {
        stun_message_append32(&m, STUN_ATTRIBUTE_CHANNEL_NUMBER, 0x4000u << 16);
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(peer_port),
                                  .sin_addr.s_addr = htonl(peer_ip) };
        stun_message_append_xor_addr(&m, STUN_ATTRIBUTE_XOR_PEER_ADDRESS,
                                     (const struct sockaddr_storage *)&in, sizeof in);
    }
    if (f->nonce[0]) {
        stun_message_append_string(&m, STUN_ATTRIBUTE_USERNAME, "bench");
        stun_message_append_string(&m, STUN_ATTRIBUTE_REALM, "example.org");
        stun_message_append_string(&m, STUN_ATTRIBUTE_NONCE, f->nonce);
    }
    size_t n = stun_agent_finish_message(&f->agent, &m, f->nonce[0] ? (const uint8_t *)"pw" : NULL,
                                         f->nonce[0] ? 2 : 0);
    sim_udp_send(f->client, 0xc6336401, 3478, buf, n);
    sim_run_until(f->k, sim_now(f->k) + SIM_MS(10));
    StunMessage r = { .buffer = f->last, .buffer_len = f->len };
    uint16_t nlen;
    const char *nonce = stun_message_find(&r, STUN_ATTRIBUTE_NONCE, &nlen);
    if (nonce && nlen < sizeof f->nonce) {
        memcpy(f->nonce, nonce, nlen);
        f->nonce[nlen] = '\0';
    }
    int code = 0;
    if (stun_message_get_class(&r) == STUN_ERROR)
        stun_message_find_error(&r, &code);
    return code;
}

static void turn_tick(void *arg)
{
    turnflow_t *f = arg;
    static const uint8_t chandata[4 + 160] = { 0x40, 0x00, 0x00, 160 };
    sim_udp_send(f->client, 0xc6336401, 3478, chandata, sizeof chandata);
    if (--f->left)
        sim_after(f->k, SIM_US(10), turn_tick, f);
}

static double bench_turn(uint64_t n, const char *pcap)
{
    char err[512];
    turnflow_t f = { .k = sim_kernel_new(1), .left = n };
    sim_vdet_bind(f.k);
    rtc_stun_agent_turn(&f.agent);
    sim_evlog_t *log = sim_evlog_new();
    sim_net_t *net = sim_net_new(f.k, log);
    sim_subnet_t *isp = sim_subnet_new(net, "isp", 0xcb007100, 24, NULL, NULL, err, sizeof err);
    sim_subnet_t *dc = sim_subnet_new(net, "dc", 0xc6336400, 24, NULL, NULL, err, sizeof err);
    sim_host_t *c = sim_host_new(net, "c", err, sizeof err), *s = sim_host_new(net, "turn", err, sizeof err);
    sim_host_t *p = sim_host_new(net, "p", err, sizeof err);
    sim_iface_new(c, "eth0", isp, 0xcb00710a, NULL, err, sizeof err);
    sim_iface_t *sif = sim_iface_new(s, "eth0", dc, 0xc6336401, NULL, err, sizeof err);
    sim_iface_new(p, "eth0", isp, 0xcb007114, NULL, err, sizeof err);
    sim_turn_server_t *srv = sim_turn_server_new(s, 0xc6336401, 0, "example.org", 1, err, sizeof err);
    sim_turn_server_user(srv, "bench", "pw");
    f.client = sim_udp_bind(c, 0, 5000, turn_client_rx, &f, err, sizeof err);
    sim_udp_bind(p, 0, 7, nat_echo, NULL, err, sizeof err);
    if (turn_ask(&f, STUN_ALLOCATE, 0, 0) != 401 || turn_ask(&f, STUN_ALLOCATE, 0, 0) != 0 ||
        turn_ask(&f, STUN_CHANNELBIND, 0xcb007114, 7) != 0) {
        fprintf(stderr, "bench: the TURN server refused the allocation or the channel\n");
        exit(1);
    }
    sim_capture_t *cap = sim_capture_open(pcap, err, sizeof err);
    sim_iface_add_tap(sif, sim_capture_tap, cap);
    sim_after(f.k, 0, turn_tick, &f);
    double t0 = wall();
    sim_run_until(f.k, SIM_TIME_NEVER);
    double dt = wall() - t0;
    if (f.back != n)
        fprintf(stderr, "bench: %llu of %llu came back through the relay\n",
                (unsigned long long)f.back, (unsigned long long)n);
    sim_capture_close(cap, err, sizeof err);
    sim_turn_server_free(srv);
    sim_vdet_bind(NULL);
    sim_net_free(net);
    sim_evlog_free(log);
    sim_kernel_free(f.k);
    return 2.0 * (double)n / dt;    /* each datagram is relayed twice: out and back */
}

/* ---- ICE: N connections between two hosts, candidates handed over at
 * once (no signalling delay), until every one is connected. */

typedef struct icebench {
    const sim_impl_t *impl;         /* the built-in ref/, through its ABI table */
    sim_ice_socket_t *sa, *sb;
    rtcsim_connection_t **a, **b;
    size_t            n, connected;
    /* connection -> its peer and the peer's socket, open addressing, so
     * the harness itself stays O(1) per event */
    rtcsim_connection_t **keys, **vals;
    sim_ice_socket_t **socks;
    size_t            cap;
} icebench_t;

static size_t ib_slot(const icebench_t *ib, const rtcsim_connection_t *c)
{
    size_t h = ((uintptr_t)c >> 4) * 0x9e3779b97f4a7c15ull;
    size_t i = h & (ib->cap - 1);
    while (ib->keys[i] && ib->keys[i] != c)
        i = (i + 1) & (ib->cap - 1);
    return i;
}

static void ib_link(icebench_t *ib, rtcsim_connection_t *x, rtcsim_connection_t *y)
{
    size_t i = ib_slot(ib, x);
    ib->keys[i] = x;
    ib->vals[i] = y;
    ib->socks[i] = ib->sb;
    i = ib_slot(ib, y);
    ib->keys[i] = y;
    ib->vals[i] = x;
    ib->socks[i] = ib->sa;
}

static rtcsim_connection_t *ib_peer(icebench_t *ib, rtcsim_connection_t *c, sim_ice_socket_t **sock)
{
    size_t i = ib_slot(ib, c);
    if (!ib->keys[i])
        return NULL;    /* the answerer's half is not made yet */
    *sock = ib->socks[i];
    return ib->vals[i];
}

static void ib_event(void *arg, rtcsim_connection_t *c, const rtcsim_ice_event_t *ev)
{
    icebench_t *ib = arg;
    char err[256];
    if (ev->type == RTCSIM_ICE_CANDIDATE) {
        SIM_CALL(ib->impl, connection_set_local_candidate, c, &ev->local, err, sizeof err);
        sim_ice_socket_t *sock;
        rtcsim_connection_t *peer = ib_peer(ib, c, &sock);
        if (peer) {
            SIM_CALL(ib->impl, connection_set_remote_candidate, peer, &ev->local, err, sizeof err);
            sim_ice_socket_poke(sock);
        }
    } else if (ev->type == RTCSIM_ICE_CONNECTED) {
        ib->connected++;
    }
}

typedef struct ice_result {
    double   seconds;
    double   bytes_per_conn;
    bool     all;
} ice_result_t;

static ice_result_t bench_ice(size_t n, bool with_stun)
{
    char err[512];
    sim_kernel_t *k = sim_kernel_new(1);
    sim_vdet_bind(k);
    sim_net_t *net = sim_net_new(k, NULL);
    sim_link_params_t p;
    sim_link_params_default(&p);
    sim_subnet_t *lan = sim_subnet_new(net, "lan", 0x0a000000, 24, &p, NULL, err, sizeof err);
    sim_subnet_t *dc = sim_subnet_new(net, "dc", 0xc6336400, 24, &p, NULL, err, sizeof err);
    sim_host_t *a = sim_host_new(net, "a", err, sizeof err), *b = sim_host_new(net, "b", err, sizeof err);
    sim_host_t *hs = sim_host_new(net, "stun", err, sizeof err);
    sim_iface_new(a, "eth0", lan, 0x0a000001, NULL, err, sizeof err);
    sim_iface_new(b, "eth0", lan, 0x0a000002, NULL, err, sizeof err);
    sim_iface_new(hs, "eth0", dc, 0xc6336401, NULL, err, sizeof err);
    sim_stun_server_t *srv = with_stun ? sim_stun_server_new(hs, 0xc6336401, 3478, err, sizeof err) : NULL;
    rtcsim_addr_t stun = { 0xc6336401, 3478 };
    icebench_t ib = { .impl = sim_impl_builtin() };
    ib.a = calloc(n, sizeof *ib.a);
    ib.b = calloc(n, sizeof *ib.b);
    for (ib.cap = 16; ib.cap < 4 * n; ib.cap *= 2)
        ;
    ib.keys = calloc(ib.cap, sizeof *ib.keys);
    ib.vals = calloc(ib.cap, sizeof *ib.vals);
    ib.socks = calloc(ib.cap, sizeof *ib.socks);
    double t0 = wall();
    size_t heap0 = mallinfo2().uordblks;
    ib.sa = sim_ice_socket_new(a, NULL, &stun, with_stun, NULL, 0, ib_event, &ib, err, sizeof err);
    ib.sb = sim_ice_socket_new(b, NULL, &stun, with_stun, NULL, 0, ib_event, &ib, err, sizeof err);
    for (size_t i = 0; i < n; i++) {
        ib.a[i] = sim_ice_connection_new(ib.sa, NULL, NULL, err, sizeof err);
        rtcsim_conn_desc_t offer, answer;
        SIM_CALL(ib.impl, connection_local_description, ib.a[i], &offer);
        ib.b[i] = sim_ice_connection_new(ib.sb, &offer, NULL, err, sizeof err);
        SIM_CALL(ib.impl, connection_local_description, ib.b[i], &answer);
        ib_link(&ib, ib.a[i], ib.b[i]);
        SIM_CALL(ib.impl, connection_set_remote_description, ib.a[i], &answer, err, sizeof err);
        ib.n = i + 1;
        SIM_CALL(ib.impl, connection_connect, ib.a[i], err, sizeof err);
        SIM_CALL(ib.impl, connection_connect, ib.b[i], err, sizeof err);
    }
    while (ib.connected < 2 * n && sim_step(k))
        ;
    ice_result_t r = { wall() - t0, 0, ib.connected == 2 * n };
    r.bytes_per_conn = ((double)mallinfo2().uordblks - (double)heap0) / (double)n;
    sim_ice_socket_free(ib.sa);
    sim_ice_socket_free(ib.sb);
    sim_stun_server_free(srv);
    free(ib.a);
    free(ib.b);
    free(ib.keys);
    free(ib.vals);
    free(ib.socks);
    sim_vdet_bind(NULL);
    sim_net_free(net);
    sim_kernel_free(k);
    return r;
}

/* ---- srtp: libsrtp2 alone, the packets of a call. Per direction
 * npackets_audio Opus packets (100-byte payloads) and npackets_video
 * video packets (1100-byte payloads), each protected by one end and
 * unprotected by the other, both directions, interleaved as a call sends
 * them (about 2.3 video packets per audio packet at 50 audio packets/s and
 * 1 Mbit/s of video). Seconds of wall time, setup excluded: the baseline
 * the call benchmark's SRTP share is measured against. */
double bench_srtp_baseline(rtc_srtp_profile_t p, uint64_t npackets_audio, uint64_t npackets_video);
static double srtp_call_baseline(rtc_srtp_profile_t p, uint64_t npackets_audio, uint64_t npackets_video,
                                 size_t audio_payload, size_t video_payload);
double bench_srtp_baseline(rtc_srtp_profile_t p, uint64_t npackets_audio, uint64_t npackets_video)
{
    return srtp_call_baseline(p, npackets_audio, npackets_video, 100, 1100);
}

/* The same with the payload sizes given: the call benchmark's, at the
 * mean payload its sources sent (below 1500 - 12 - the tag). */
static double srtp_call_baseline(rtc_srtp_profile_t p, uint64_t npackets_audio, uint64_t npackets_video,
                                 size_t audio_payload, size_t video_payload)
{
    uint8_t m[64];
    for (size_t i = 0; i < sizeof m; i++)
        m[i] = (uint8_t)(i * 37 + 1);
    rtc_srtp_t *end[2];
    if (rtc_srtp_global_init() != RTC_SRTP_OK ||
        rtc_srtp_new(p, m, rtc_srtp_key_material_len(p), true, &end[0]) != RTC_SRTP_OK ||
        rtc_srtp_new(p, m, rtc_srtp_key_material_len(p), false, &end[1]) != RTC_SRTP_OK) {
        fprintf(stderr, "bench srtp: libsrtp refused the keys\n");
        exit(1);
    }
    /* RFC 3550 s.5.1 headers: per direction an audio and a video SSRC */
    uint16_t seq[2][2] = { { 0 } };
    uint8_t buf[1500];
    uint64_t total = npackets_audio + npackets_video;
    double t0 = wall();
    for (uint64_t i = 0, a = 0, v = 0; i < total; i++) {
        /* Bresenham's interleaving: audio packet a goes when its share of i is due */
        bool audio = v >= npackets_video || (a < npackets_audio && a * total <= i * npackets_audio);
        int kind = audio ? 0 : 1;
        size_t payload = audio ? audio_payload : video_payload;
        audio ? a++ : v++;
        for (int dir = 0; dir < 2; dir++) {
            uint16_t sq = seq[dir][kind]++;
            uint32_t ssrc = 0x1000u + (uint32_t)(dir * 2 + kind);
            buf[0] = 0x80;
            buf[1] = (uint8_t)(audio ? 111 : 96);
            buf[2] = (uint8_t)(sq >> 8);
            buf[3] = (uint8_t)sq;
            uint32_t ts = (uint32_t)sq * (audio ? 960u : 3000u);
            for (int k = 0; k < 4; k++) {
                buf[4 + k] = (uint8_t)(ts >> (24 - 8 * k));
                buf[8 + k] = (uint8_t)(ssrc >> (24 - 8 * k));
            }
            memset(buf + 12, (int)(sq & 0xff), payload);
            size_t len = 12 + payload;
            if (rtc_srtp_protect(end[dir], buf, &len, sizeof buf) != RTC_SRTP_OK ||
                rtc_srtp_unprotect(end[1 - dir], buf, &len) != RTC_SRTP_OK || len != 12 + payload) {
                fprintf(stderr, "bench srtp: packet %llu did not round-trip\n", (unsigned long long)i);
                exit(1);
            }
        }
    }
    double t = wall() - t0;
    rtc_srtp_free(end[0]);
    rtc_srtp_free(end[1]);
    return t;
}

/* ---- a call, and 100 calls: the scenarios of bench/ (bench/lib/calls.lua),
 * each run by sim_scenario_run in a fresh process (this executable again,
 * `bench --scenario FILE DIR`), so that every run starts from the same
 * heap and its peak RSS is its own (its VmHWM, read by itself). The time is the
 * child's wall time around sim_scenario_run: the Lua, the topology, the
 * calls, the event log and the pcaps written into DIR (page cache; the
 * files are deleted after), not exec or the dynamic linker. */

#define SCN_MEASURES 8

typedef struct scn_out {
    double wall;                    /* s */
    double end;                     /* virtual s at the end */
    long   maxrss_kb;               /* the child's peak RSS (VmHWM) */
    int    verdict;
    size_t n;
    char   name[SCN_MEASURES][32];
    double value[SCN_MEASURES];
} scn_out_t;

/* This process's peak RSS (VmHWM), kB; -1 if /proc says nothing. */
static long vm_hwm_kb(void)
{
    long hwm = -1;
    FILE *st = fopen("/proc/self/status", "r");
    char l[256];
    while (st && fgets(l, sizeof l, st))
        if (sscanf(l, "VmHWM: %ld kB", &hwm) == 1)
            break;
    if (st)
        fclose(st);
    return hwm;
}

/* In the child: run the scenario and print its wall time, verdict and
 * measures on stdout, one "key value" a line. */
static int scenario_child(const char *file, const char *dir)
{
    sim_run_opts_t o = { .seed_set = false };
    sim_result_t r;
    double t0 = wall();
    sim_scenario_run(file, "bench", dir, &o, &r);
    double dt = wall() - t0;
    /* Peak RSS of this process image (VmHWM): the rusage of a child
     * counts the parent's pages it had before exec (Linux keeps the
     * larger hiwater across exec), so a parent grown by the earlier parts
     * hid every call's memory. */
    printf("wall %.9f\nverdict %d\nend %.9f\nhwm %ld\n", dt, (int)r.verdict, (double)r.end_time / 1e9, vm_hwm_kb());
    for (size_t i = 0; i < r.nmeasures; i++)
        printf("m %.17g %s\n", r.measures[i].value, r.measures[i].name);
    if (r.verdict != SIM_PASS && r.messages)
        fprintf(stderr, "bench: %s: %s\n", file, r.messages);
    sim_result_clear(&r);
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static scn_out_t run_scenario(const char *file)
{
    char dir[] = "/tmp/rtcsim-bench-XXXXXX";
    scn_out_t out = { .verdict = -1, .maxrss_kb = -1 };
    int p[2];
    if (!mkdtemp(dir) || pipe(p) < 0) {
        perror("bench: mkdtemp/pipe");
        exit(1);
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench: fork");
        exit(1);
    }
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        char sub[sizeof dir + 4];
        snprintf(sub, sizeof sub, "%s/run", dir);
        execl("/proc/self/exe", "bench", "--scenario", file, sub, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        int off = 0;
        if (sscanf(line, "wall %lf", &out.wall) == 1 || sscanf(line, "verdict %d", &out.verdict) == 1 ||
            sscanf(line, "end %lf", &out.end) == 1 || sscanf(line, "hwm %ld", &out.maxrss_kb) == 1)
            continue;
        if (out.n < SCN_MEASURES && sscanf(line, "m %lf %n", &out.value[out.n], &off) == 1 && off) {
            line[strcspn(line, "\n")] = 0;
            snprintf(out.name[out.n], sizeof out.name[0], "%s", line + off);
            out.n++;
        }
    }
    if (f)
        fclose(f);
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: the run of %s did not finish\n", file);
        exit(1);
    }
    if (out.maxrss_kb < 0) {
        fprintf(stderr, "bench: no VmHWM in /proc/self/status\n");
        exit(1);
    }
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (out.verdict != SIM_PASS) {
        fprintf(stderr, "bench: %s did not pass (verdict %d)\n", file, out.verdict);
        exit(1);
    }
    return out;
}

static double measure_of(const scn_out_t *o, const char *name)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->name[i], name) == 0)
            return o->value[i];
    fprintf(stderr, "bench: the scenario has no measure '%s'\n", name);
    exit(1);
}

#define CALL_RUNS 3

/* The 10-minute call per profile, against libsrtp2 alone on the packets
 * it sent: per direction half of each kind's count (the call is
 * symmetric), at the mean payload it sent. Runs of the call and of the
 * baseline alternate, so a load that comes and goes hits both alike. */
static void bench_call(void)
{
    static const char *const files[] = { "bench/call-gcm.lua", "bench/call-cm80.lua" };
    static const rtc_srtp_profile_t profiles[] = { RTC_SRTP_AEAD_AES_128_GCM, RTC_SRTP_AES128_CM_SHA1_80 };
    static const char *const names[] = { "AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80" };
    for (int j = 0; j < 2; j++) {
        double call[CALL_RUNS], base[CALL_RUNS];
        scn_out_t o;
        for (int i = 0; i < CALL_RUNS; i++) {
            o = run_scenario(files[j]);
            call[i] = o.wall;
            double na = measure_of(&o, "audio packets"), nv = measure_of(&o, "video packets");
            base[i] = srtp_call_baseline(profiles[j], (uint64_t)(na / 2), (uint64_t)(nv / 2),
                                         (size_t)(measure_of(&o, "audio octets") / na + 0.5),
                                         (size_t)(measure_of(&o, "video octets") / nv + 0.5));
        }
        double c = median(call, CALL_RUNS), b = median(base, CALL_RUNS);
        printf("  a 10-minute call, audio + 1 Mbit/s video both ways, capture + twin, %-24s %6.3f s"
               " (libsrtp2 alone: %.3f s, ratio %.2f; %.0f RTP packets; median of %d)\n", names[j], c, b, c / b,
               measure_of(&o, "audio packets") + measure_of(&o, "video packets"), CALL_RUNS);
    }
}

/* 100 of those calls at once for 10 virtual seconds: memory per call (peak
 * RSS over that of a run with no call, the same libraries and Lua loaded,
 * divided by 100) and virtual seconds simulated per wall second. */
static void bench_calls100(void)
{
    double secs[CALL_RUNS], kb[CALL_RUNS], virt = 0;
    for (int i = 0; i < CALL_RUNS; i++) {
        scn_out_t idle = run_scenario("bench/calls0.lua");
        scn_out_t o = run_scenario("bench/calls100.lua");
        secs[i] = o.wall;
        virt = o.end;
        kb[i] = (double)(o.maxrss_kb - idle.maxrss_kb) / 100;
    }
    double w = median(secs, CALL_RUNS);
    printf("  100 such calls at once (GCM), %.0f virtual s: %6.3f s wall, %5.2f virtual s per wall s,"
           " %6.0f KB per call (peak RSS; median of %d)\n", virt, w, virt / w, median(kb, CALL_RUNS),
           CALL_RUNS);
}

/* `bench [kernel|link|nat|turn|topology|ice|srtp|call|calls100]...` runs only the parts named */
/* ---- topology: n hosts, each with an interface on one of the /16
 * subnets of 10.0.0.0/8, built through the functions net.host and
 * host:interface call (sim_host_new, sim_iface_new). Addresses are handed
 * out in a scrambled order so a structure that only likes ascending
 * inserts shows. Seconds for the whole build, the network freed after. */
static double bench_topology(uint32_t n)
{
    sim_kernel_t *k = sim_kernel_new(1);
    sim_net_t *net = sim_net_new(k, NULL);
    char err[256], name[32];
    uint32_t nsub = (n + 65000) / 65000;
    sim_subnet_t **subs = calloc(nsub, sizeof *subs);
    double t0 = wall();
    for (uint32_t s = 0; s < nsub; s++) {
        snprintf(name, sizeof name, "lan%u", s);
        subs[s] = sim_subnet_new(net, name, 0x0a000000u | s << 16, 16, NULL, NULL, err, sizeof err);
    }
    for (uint32_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "h%u", i);
        sim_host_t *h = sim_host_new(net, name, err, sizeof err);
        uint32_t j = (uint32_t)(((uint64_t)i * 40503u) % 65000u);   /* 40503 is prime to 65000 */
        if (!h || !sim_iface_new(h, "eth0", subs[i / 65000], (0x0a000000u | (i / 65000) << 16) + 2 + j, NULL,
                                 err, sizeof err)) {
            fprintf(stderr, "bench topology: %s\n", err);
            exit(1);
        }
    }
    double t = wall() - t0;
    sim_net_free(net);
    sim_kernel_free(k);
    free(subs);
    return t;
}

static bool wanted(int argc, char **argv, const char *part)
{
    if (argc < 2)
        return true;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], part) == 0)
            return true;
    return false;
}

/* ---- rtcsim lint over a large capture (issue 13) ------------------------------------------ */


typedef struct lint_run { double wall; long hwm_kb; uint64_t packets; } lint_run_t;

/* In a process of its own (bench --lint FILE [KEYLOG]): one lint, its
 * wall time and peak RSS on stdout. */
static int lint_child(const char *path, const char *keylog)
{
    sim_lint_t *l = sim_lint_new(NULL);
    char err[512];
    double t0 = wall();
    if (!l || (keylog && sim_lint_load_keylog(l, keylog, err, sizeof err) < 0) ||
        sim_lint_file(l, path, err, sizeof err) < 0) {
        fprintf(stderr, "bench lint: %s\n", err);
        return 1;
    }
    double dt = wall() - t0;
    printf("%.9f %ld\n", dt, vm_hwm_kb());
    sim_lint_free(l);
    return 0;
}

/* One lint of path (with keylog if not NULL), exec'd afresh so that its
 * peak RSS is its own: a forked child's VmHWM starts at the parent's, and
 * this process has grown by the parts before. */
static lint_run_t lint_once(const char *path, const char *keylog)
{
    lint_run_t r = { -1, -1, 0 };
    int p[2];
    if (pipe(p) < 0)
        exit(1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl("/proc/self/exe", "bench", "--lint", path, keylog, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char buf[128] = "";
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        sscanf(buf, "%lf %ld", &r.wall, &r.hwm_kb) != 2) {
        fprintf(stderr, "bench lint: the lint of %s did not finish\n", path);
        exit(1);
    }
    return r;
}

/* argv (execvp'd, its output to /dev/null) run to its end: its wall time
 * and the largest peak RSS of its process tree (wait4's maxrss); what
 * failed exits the bench with the message. */
static lint_run_t timed_run(char *const argv[], const char *failed)
{
    lint_run_t r = { -1, -1, 0 };
    fflush(stdout);
    double t0 = wall();
    pid_t pid = fork();
    if (pid == 0) {
        int dn = open("/dev/null", O_WRONLY);
        dup2(dn, 1);
        dup2(dn, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: %s\n", failed);
        exit(1);
    }
    r.wall = wall() - t0;
    r.hwm_kb = ru.ru_maxrss;
    return r;
}

/* tshark's plain read of the same file (tshark -r FILE -q: every packet
 * dissected, nothing printed); this process is small when it forks it. */
static lint_run_t tshark_once(const char *path)
{
    char *argv[] = { "tshark", "-r", (char *)path, "-q", NULL };
    return timed_run(argv, "tshark -r FILE -q failed (is tshark installed?)");
}

/* The first tenth of a pcap's records (the first tenth of the call), as
 * a file of its own: the lint's memory on it against the whole file's
 * says whether memory grows with the length. */
static void pcap_prefix(const char *from, const char *to, uint64_t *total)
{
    static uint8_t data[1 << 18];
    uint8_t hdr[24], rec[16];
    uint64_t n = 0;
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out || fread(hdr, 1, 24, in) != 24 || fwrite(hdr, 1, 24, out) != 24)
        exit(1);
    for (int pass = 0; pass < 2; pass++) {
        uint64_t k = 0;
        fseek(in, 24, SEEK_SET);
        while (fread(rec, 1, 16, in) == 16) {
            uint32_t len = (uint32_t)rec[8] | (uint32_t)rec[9] << 8 | (uint32_t)rec[10] << 16 |
                           (uint32_t)rec[11] << 24;
            if (len > sizeof data || fread(data, 1, len, in) != len)
                exit(1);
            if (pass == 0) {
                n++;
            } else if (k++ < n / 10) {
                if (fwrite(rec, 1, 16, out) != 16 || fwrite(data, 1, len, out) != len)
                    exit(1);
            } else {
                break;
            }
        }
    }
    fclose(in);
    if (fclose(out) != 0)
        exit(1);
    *total = n;
}

/* rtcsim replay of path (the side 10.0.0.1, its sidecar and key log found
 * beside it) against ref/, in a process tree of its own: wall time and the
 * largest peak RSS of the tree (wait4's maxrss). */
static lint_run_t replay_once(const char *dir, const char *path)
{
    char exe[4096], rtcsim[4200], out[4200];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        exit(1);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';                /* build/tests */
    *strrchr(exe, '/') = '\0';                /* build */
    snprintf(rtcsim, sizeof rtcsim, "%s/rtcsim", exe);
    snprintf(out, sizeof out, "%s/replay", dir);
    char *argv[] = { rtcsim, "replay", (char *)path, "--side", "10.0.0.1", "--out", out, NULL };
    return timed_run(argv, "rtcsim replay of the bench's capture did not pass");
}

/* rtcsim replay over the same capture: Alice's half played to ref/ (the
 * trace read twice by the lint's engine, every SRTP packet decrypted,
 * re-protected and decrypted again by the IUT, the IUT's capture written
 * and linted). */
static void bench_replay(const char *dir, const char *cap, const char *tenth)
{
    double w[RUNS];
    long hm = 0;
    for (int i = 0; i < RUNS; i++) {
        lint_run_t r = replay_once(dir, cap);
        w[i] = r.wall;
        hm = r.hwm_kb > hm ? r.hwm_kb : hm;
    }
    double m = median(w, RUNS);
    lint_run_t t = replay_once(dir, tenth);
    /* how many messages it plays: the player's own count */
    char err[512], keys[4200];
    snprintf(keys, sizeof keys, "%.*s/dtls-keys.log", (int)(strrchr(cap, '/') - cap), cap);
    sim_player_opts_t po = { .trace = cap, .side = "10.0.0.1", .keylog = keys };
    sim_player_t *p = sim_player_load(&po, err, sizeof err);
    if (!p) {
        fprintf(stderr, "bench replay: %s\n", err);
        exit(1);
    }
    sim_player_stats_t st;
    sim_player_stats(p, &st);
    printf("  replay: Alice's side of that capture (%llu messages, %.0f s of call) against ref/, the IUT's capture\n"
           "    written and linted: %7.3f s, %5.0f thousand messages/s; peak RSS %ld kB (the first tenth of the\n"
           "    capture: %ld kB)\n", (unsigned long long)st.kept, sim_player_duration(p), m,
           (double)st.kept / m / 1e3, hm, t.hwm_kb);
    sim_player_free(p);
}

static void bench_lint(void)
{
    char dir[] = "/tmp/rtcsim-bench-lint-XXXXXX";
    if (!mkdtemp(dir))
        exit(1);
    char sub[sizeof dir + 8], cap[sizeof dir + 64], keys[sizeof dir + 64], part[sizeof dir + 64];
    snprintf(sub, sizeof sub, "%s/run", dir);
    fflush(stdout);
    double t0 = wall();
    pid_t pid = fork();
    if (pid == 0) {
        int dn = open("/dev/null", O_WRONLY);
        dup2(dn, 1);
        execl("/proc/self/exe", "bench", "--scenario", "bench/lint-call.lua", sub, (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench lint: bench/lint-call.lua did not run\n");
        exit(1);
    }
    double gen = wall() - t0;
    snprintf(cap, sizeof cap, "%s/alice.eth0.pcap", sub);
    snprintf(keys, sizeof keys, "%s/dtls-keys.log", sub);
    snprintf(part, sizeof part, "%s/tenth.pcap", sub);   /* beside the run's sidecar and key log */
    struct stat st;
    if (stat(cap, &st) < 0) {
        fprintf(stderr, "bench lint: the scenario wrote no %s\n", cap);
        exit(1);
    }
    uint64_t packets = 0;
    pcap_prefix(cap, part, &packets);
    double mb = (double)st.st_size / 1e6;
    printf("  lint: a capture of %llu packets, %.0f MB (bench/lint-call.lua, written in %.1f s)\n",
           (unsigned long long)packets, mb, gen);
    double w[RUNS], tw[RUNS];
    long h[RUNS];
    const char *kinds[] = { "headers only (no key log)", "with the key log: SRTP authenticated and decrypted" };
    double plain_wall = 0;
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < RUNS; i++) {
            lint_run_t r = lint_once(cap, k ? keys : NULL);
            w[i] = r.wall;
            h[i] = r.hwm_kb;
        }
        double m = median(w, RUNS);
        if (!k)
            plain_wall = m;
        long hm = h[0];
        for (int i = 1; i < RUNS; i++)
            hm = h[i] > hm ? h[i] : hm;
        printf("    rtcsim lint, %-52s %7.3f s: %5.2f million packets/s, %6.0f MB/s, peak RSS %ld kB\n", kinds[k],
               m, (double)packets / m / 1e6, mb / m, hm);
    }
    lint_run_t tenth = lint_once(part, keys);
    lint_run_t whole = lint_once(cap, keys);
    printf("    peak RSS with the key log, the first tenth of the file %ld kB, the whole file %ld kB\n",
           tenth.hwm_kb, whole.hwm_kb);
    long th = 0;
    for (int i = 0; i < 3; i++) {
        lint_run_t r = tshark_once(cap);
        tw[i] = r.wall;
        th = r.hwm_kb > th ? r.hwm_kb : th;
    }
    double tm = median(tw, 3);

    printf("    tshark -r FILE -q (parse only), same file, same run: %7.3f s: %5.2f million packets/s, peak RSS %ld kB (median of 3)\n",
           tm, (double)packets / tm / 1e6, th);
    printf("    lint (headers only) is %.1f times as fast as tshark's plain read\n", tm / plain_wall);
    /* the floor under any reader that looks at every record: reading the
     * file, nothing else (read() into a buffer, from the page cache) */
    double rw[RUNS];
    for (int i = 0; i < RUNS; i++) {
        static char chunk[1 << 20];
        int fd = open(cap, O_RDONLY);
        double r0 = wall();
        while (fd >= 0 && read(fd, chunk, sizeof chunk) > 0)
            ;
        rw[i] = wall() - r0;
        if (fd >= 0)
            close(fd);
    }
    double rm = median(rw, RUNS);
    printf("    reading the file alone (read() of 1 MiB chunks): %7.3f s, %5.0f MB/s: the lint takes %.1f times that,"
           " tshark %.1f times\n", rm, mb / rm, plain_wall / rm, tm / rm);
    bench_replay(dir, cap, part);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--scenario") == 0)
        return scenario_child(argv[2], argv[3]);
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "--lint") == 0)
        return lint_child(argv[2], argc == 4 ? argv[3] : NULL);
    static const char *const parts[] = { "kernel", "link", "nat", "turn", "topology", "ice", "srtp",
                                         "call", "calls100", "lint" };
    for (int i = 1; i < argc; i++) {
        size_t j = 0;
        while (j < 10 && strcmp(argv[i], parts[j]) != 0)
            j++;
        if (j == 10) {
            fprintf(stderr, "usage: bench [kernel|link|nat|turn|topology|ice|srtp|call|calls100|lint]..."
                            " (no part: all)\n");
            return 2;
        }
    }
    const char *pcap = "/tmp/rtcsim-bench.pcap";
    double v[RUNS];
    printf("rtcsim benchmarks: median of %d runs each\n", RUNS);
    if (wanted(argc, argv, "kernel")) {
        for (int i = 0; i < RUNS; i++)
            v[i] = bench_kernel(100000, 10000000);
        printf("  kernel events/s, 100,000 timers pending:        %6.2f million\n", median(v, RUNS) / 1e6);
        for (int i = 0; i < RUNS; i++)
            v[i] = bench_plain_heap(100000, 10000000);
        printf("    (yardstick: a bare binary heap, same load:    %6.2f million)\n", median(v, RUNS) / 1e6);
    }
    if (wanted(argc, argv, "link")) {
        for (int i = 0; i < RUNS; i++)
            v[i] = bench_link(2000000, pcap);
        printf("  datagrams/s, lossy jittery link, capture on:    %6.2f million\n", median(v, RUNS) / 1e6);
    }
    if (wanted(argc, argv, "nat")) {
        for (int i = 0; i < RUNS; i++)
            v[i] = bench_nat(1000000, pcap);
        printf("  datagrams/s through a NAT (each way), capture on: %5.2f million\n", median(v, RUNS) / 1e6);
    }
    if (wanted(argc, argv, "turn")) {
        for (int i = 0; i < RUNS; i++)
            v[i] = bench_turn(1000000, pcap);
        printf("  datagrams/s relayed by TURN as ChannelData (each way), capture on: %5.2f million\n",
               median(v, RUNS) / 1e6);
    }
    unlink(pcap);
    if (wanted(argc, argv, "topology")) {
        static const uint32_t sizes[] = { 10000, 100000 };
        double per[2];
        for (int j = 0; j < 2; j++) {
            for (int i = 0; i < RUNS; i++)
                v[i] = bench_topology(sizes[j]);
            per[j] = median(v, RUNS);
            printf("  topology, %6u hosts with an interface each:   %7.3f s\n", sizes[j], per[j]);
        }
        printf("    (10 times the hosts: %.1f times the time; linear is 10)\n", per[1] / per[0]);
    }
    if (wanted(argc, argv, "srtp")) {
        /* a 10-minute 1:1 call, per direction: Opus at 50 packets/s; 1 Mbit/s
         * of video in 1100-byte payloads, 10^6 / (8 * 1100) = 113.6 packets/s */
        const uint64_t audio = 600 * 50, video = 600 * 1000000 / (8 * 1100);
        static const rtc_srtp_profile_t profiles[] = { RTC_SRTP_AES128_CM_SHA1_80,
                                                       RTC_SRTP_AEAD_AES_128_GCM };
        static const char *const names[] = { "AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM" };
        for (int j = 0; j < 2; j++) {
            for (int i = 0; i < RUNS; i++)
                v[i] = bench_srtp_baseline(profiles[j], audio, video);
            double t = median(v, RUNS);
            printf("  SRTP, a 10-minute call (%llu packets, both ways), %-24s %6.3f s (%4.0f ns a packet, protect + unprotect)\n",
                   (unsigned long long)(2 * (audio + video)), names[j], t,
                   t * 1e9 / (double)(2 * (audio + video)));
        }
    }
    if (wanted(argc, argv, "call"))
        bench_call();
    if (wanted(argc, argv, "calls100"))
        bench_calls100();
    if (wanted(argc, argv, "lint"))
        bench_lint();
    if (!wanted(argc, argv, "ice"))
        return 0;
    static const size_t ns[] = { 1, 100, 1000 };
    for (int stun = 0; stun < 2; stun++)
        for (size_t j = 0; j < 3; j++) {
            double secs[RUNS], bytes = 0;
            bool all = true;
            for (int i = 0; i < RUNS; i++) {
                ice_result_t r = bench_ice(ns[j], stun);
                secs[i] = r.seconds;
                bytes = r.bytes_per_conn;
                all &= r.all;
            }
            printf("  ICE, %4zu connections, %-22s %9.0f us wall (%6.1f us each), %6.0f bytes each%s\n",
                   ns[j], stun ? "LAN + STUN server:" : "LAN, host candidates:", median(secs, RUNS) * 1e6,
                   median(secs, RUNS) * 1e6 / (double)ns[j], bytes, all ? "" : "  NOT ALL CONNECTED");
        }
    return 0;
}
