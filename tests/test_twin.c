/*
 * test_twin.c - decrypted twins (packet.h, capture.h): a client behind a
 * NAT and a TURN server, a peer; datagrams with and without twins, through
 * ChannelData and Send/Data indications; both capture files with the right
 * counts and bytes; no twin file without twins; the key log sink; and
 * net.inject and cap:packet from a scenario.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <stun/stunagent.h>

#include "fixture.h"
#include "check/capture.h"
#include "kernel/kernel.h"
#include "kernel/vdet.h"
#include "net/nat.h"
#include "net/node.h"
#include "net/net.h"
#include "servers/turn_server.h"
#include "stun.h"

#define SERVER 0xc6336401u  /* 198.51.100.1 */
#define NATPUB 0xc6336402u  /* 198.51.100.2 */
#define CLIENT 0x0a000002u
#define PEER   0xcb007105u  /* 203.0.113.5 */
#define CHAN   0x4000u

typedef struct got {
    int     n;
    uint8_t last[2048];
    size_t  len;
} got_t;

static void on_rx(void *arg, sim_udp_t *s, const sim_pkt_t *p)
{
    got_t *g = arg;
    g->n++;
    g->len = p->len < sizeof g->last ? p->len : sizeof g->last;
    memcpy(g->last, p->data, g->len);
}

typedef struct world {
    sim_kernel_t      *k;
    sim_net_t         *net;
    sim_turn_server_t *srv;
    sim_udp_t         *client, *peer, *peer10;
    got_t              gc, gp, gp10;
    StunAgent          agent;
    char               nonce[64];
    sim_capture_t     *cap[3];      /* the client's interface, the NAT's outside, the peer's interface */
    char               path[3][400];
} world_t;

static const char *const cap_names[3] = { "c.eth0", "nat.outside", "p.eth0" };

/* Where the test's captures go: TEST_TWIN_OUT keeps them for tshark. */
static const char *out_dir(void)
{
    const char *d = getenv("TEST_TWIN_OUT");
    return d && *d ? d : fx_dir;
}

static void world_init(world_t *w, const char *dir)
{
    char err[256];
    memset(w, 0, sizeof *w);
    w->k = sim_kernel_new(7);
    sim_vdet_bind(w->k);
    w->net = sim_net_new(w->k, NULL);
    sim_subnet_t *pub = sim_subnet_new(w->net, "pub", 0xc6336400, 24, NULL, NULL, err, sizeof err);
    sim_subnet_t *pn = sim_subnet_new(w->net, "peers", 0xcb007100, 24, NULL, NULL, err, sizeof err);
    ck_assert_msg(pub && pn, "%s", err);
    sim_nat_config_t cfg;
    sim_nat_config_default(&cfg);
    uint32_t a = NATPUB;
    sim_nat_t *nat = sim_nat_new(w->net, "nat", pub, &a, 1, &cfg, err, sizeof err);
    ck_assert_msg(nat, "%s", err);
    sim_subnet_t *lan = sim_nat_inside(nat, "lan", 0x0a000000, 24, NULL, NULL, err, sizeof err);
    ck_assert_msg(lan, "%s", err);
    sim_host_t *c = sim_host_new(w->net, "c", err, sizeof err), *s = sim_host_new(w->net, "turn", err, sizeof err);
    sim_host_t *p = sim_host_new(w->net, "p", err, sizeof err);
    sim_iface_t *ic = sim_iface_new(c, "eth0", lan, CLIENT, NULL, err, sizeof err);
    sim_iface_new(s, "eth0", pub, SERVER, NULL, err, sizeof err);
    sim_iface_t *ip = sim_iface_new(p, "eth0", pn, PEER, NULL, err, sizeof err);
    ck_assert(ic && ip);
    w->srv = sim_turn_server_new(s, SERVER, 0, "example.org", 0, err, sizeof err);
    ck_assert_msg(w->srv, "%s", err);
    sim_turn_server_user(w->srv, "alice", "secret");
    w->client = sim_udp_bind(c, 0, 5000, on_rx, &w->gc, err, sizeof err);
    w->peer = sim_udp_bind(p, 0, 9, on_rx, &w->gp, err, sizeof err);
    w->peer10 = sim_udp_bind(p, 0, 10, on_rx, &w->gp10, err, sizeof err);
    for (int i = 0; i < 3; i++) {
        snprintf(w->path[i], sizeof w->path[i], "%s/%s.pcap", dir, cap_names[i]);
        w->cap[i] = sim_capture_open(w->path[i], err, sizeof err);
        ck_assert_msg(w->cap[i], "%s", err);
    }
    sim_iface_add_tap(ic, sim_capture_tap, w->cap[0]);
    sim_link_add_tap(sim_nat_outside_link(nat), sim_capture_tap, w->cap[1]);
    sim_iface_add_tap(ip, sim_capture_tap, w->cap[2]);
    rtc_stun_agent_turn(&w->agent);
}

static void world_free(world_t *w)
{
    for (int i = 0; i < 3; i++)
        if (w->cap[i])
            sim_capture_close(w->cap[i], NULL, 0);
    sim_turn_server_free(w->srv);
    sim_vdet_bind(NULL);
    sim_net_free(w->net);
    sim_kernel_free(w->k);
}

static void run(world_t *w)
{
    sim_run_until(w->k, sim_now(w->k) + SIM_MS(10));
}

static void add_xor(StunMessage *m, uint32_t ip, uint16_t port)
{
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip) };
    stun_message_append_xor_addr(m, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, (const struct sockaddr_storage *)&in,
                                 sizeof in);
}

/* A request (with credentials once the nonce is known) or a Send
 * indication carrying data; its bytes in buf. */
static size_t build(world_t *w, StunMethod method, bool cred, uint32_t channel, const uint8_t *data,
                    size_t dlen, uint8_t *buf, size_t cap)
{
    StunMessage m;
    if (method == STUN_IND_SEND)
        ck_assert(stun_agent_init_indication(&w->agent, &m, buf, cap, method));
    else
        ck_assert(stun_agent_init_request(&w->agent, &m, buf, cap, method));
    if (method == STUN_ALLOCATE)
        stun_message_append32(&m, STUN_ATTRIBUTE_REQUESTED_TRANSPORT, 17u << 24);
    if (channel)
        stun_message_append32(&m, STUN_ATTRIBUTE_CHANNEL_NUMBER, channel << 16);
    if (method != STUN_ALLOCATE)
        add_xor(&m, PEER, 9);
    if (data)
        stun_message_append_bytes(&m, STUN_ATTRIBUTE_DATA, data, dlen);
    if (cred) {
        stun_message_append_string(&m, STUN_ATTRIBUTE_USERNAME, "alice");
        stun_message_append_string(&m, STUN_ATTRIBUTE_REALM, "example.org");
        stun_message_append_string(&m, STUN_ATTRIBUTE_NONCE, w->nonce);
    }
    size_t n = stun_agent_finish_message(&w->agent, &m, cred ? (const uint8_t *)"secret" : NULL,
                                         cred ? 6 : 0);
    ck_assert_uint_gt(n, 0);
    return n;
}

static void request(world_t *w, StunMethod method, bool cred, uint32_t channel)
{
    uint8_t buf[512];
    size_t n = build(w, method, cred, channel, NULL, 0, buf, sizeof buf);
    sim_udp_send(w->client, SERVER, 3478, buf, n);
    run(w);
    StunMessage m = { .buffer = w->gc.last, .buffer_len = w->gc.len };
    uint16_t nlen;
    const char *nonce = stun_message_find(&m, STUN_ATTRIBUTE_NONCE, &nlen);
    if (nonce && nlen < sizeof w->nonce) {
        memcpy(w->nonce, nonce, nlen);
        w->nonce[nlen] = '\0';
    }
}

static uint16_t relayed_port(got_t *g)
{
    StunMessage m = { .buffer = g->last, .buffer_len = g->len };
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    ck_assert_int_eq(stun_message_find_xor_addr(&m, STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, &ss, &sl),
                     STUN_MESSAGE_RETURN_SUCCESS);
    return ntohs(((const struct sockaddr_in *)&ss)->sin_port);
}

/* An RTP packet (RFC 3550 s.5.1: V=2, PT 96) and its "protected" form:
 * the payload scrambled and a 10-byte tag added, as SRTP's would be
 * (RFC 3711 s.3.1); the bytes need only differ. */
static size_t rtp(uint8_t *out, uint16_t seq, bool protect)
{
    static const uint8_t hdr[12] = { 0x80, 96, 0, 0, 0, 0, 0x03, 0xc0, 0x11, 0x22, 0x33, 0x44 };
    memcpy(out, hdr, sizeof hdr);
    out[2] = (uint8_t)(seq >> 8);
    out[3] = (uint8_t)seq;
    for (int i = 0; i < 20; i++)
        out[12 + i] = (uint8_t)(protect ? 0xa5 ^ (i * 37 + seq) : i);
    if (!protect)
        return 32;
    memset(out + 32, 0xee, 10);
    return 42;
}

static size_t channel_data(uint8_t *out, const uint8_t *d, size_t n)
{
    out[0] = CHAN >> 8;
    out[1] = CHAN & 255;
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
    memcpy(out + 4, d, n);
    return n + 4;
}

/* The DATA of a STUN message, by walking its attributes (RFC 8489 s.14). */
static const uint8_t *data_attr(const uint8_t *m, size_t n, size_t *len)
{
    for (size_t o = 20; o + 4 <= n;) {
        size_t alen = (size_t)(m[o + 2] << 8 | m[o + 3]);
        if ((m[o] << 8 | m[o + 1]) == STUN_ATTRIBUTE_DATA && o + 4 + alen <= n) {
            *len = alen;
            return m + o + 4;
        }
        o += 4 + ((alen + 3) & ~(size_t)3);
    }
    return NULL;
}

typedef struct rec {
    struct pcap_pkthdr h;
    uint8_t            d[2048];
} rec_t;

/* Every record of a pcap; their count. */
static size_t read_all(const char *path, rec_t *out, size_t max)
{
    char e[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, e);
    ck_assert_msg(p, "%s: %s", path, e);
    struct pcap_pkthdr *h;
    const u_char *d;
    size_t n = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        ck_assert_uint_lt(n, max);
        ck_assert_uint_le(h->caplen, sizeof out[n].d);
        out[n].h = *h;
        memcpy(out[n].d, d, h->caplen);
        n++;
    }
    pcap_close(p);
    return n;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* One's complement check of the IPv4 header and the UDP checksum with the
 * pseudo-header (RFC 791 s.3.1, RFC 768): both sum to 0xffff when valid. */
static bool sums_ok(const uint8_t *ip, size_t n)
{
    uint32_t a = 0;
    for (size_t i = 0; i < 20; i += 2)
        a += rd16(ip + i);
    while (a >> 16)
        a = (a & 0xffff) + (a >> 16);
    size_t ulen = rd16(ip + 24);
    if (a != 0xffff || rd16(ip + 2) != n || ulen + 20 != n)
        return false;
    uint32_t u = 17u + (uint32_t)ulen;
    for (size_t i = 12; i < 20; i += 2)
        u += rd16(ip + i);
    for (size_t i = 0; i < ulen; i += 2)
        u += (uint32_t)(ip[20 + i] << 8 | (i + 1 < ulen ? ip[21 + i] : 0));
    while (u >> 16)
        u = (u & 0xffff) + (u >> 16);
    return u == 0xffff;
}

static rec_t recs[2][64];

START_TEST(twins_through_nat_and_turn)
{
    world_t w;
    world_init(&w, out_dir());
    /* before any twin: copied into the twin file when the first comes */
    sim_udp_send(w.client, PEER, 9, "plain before", 12);
    run(&w);
    request(&w, STUN_ALLOCATE, false, 0);                   /* 401 */
    request(&w, STUN_ALLOCATE, true, 0);
    uint16_t relay = relayed_port(&w.gc);
    request(&w, STUN_CREATEPERMISSION, true, 0);
    request(&w, STUN_CHANNELBIND, true, CHAN);
    for (int i = 0; i < 3; i++)
        ck_assert_ptr_null(sim_capture_twin_file(w.cap[i]));

    uint8_t srtp[64], plain[64], cd[80], cdt[80], ind[256], indt[256];
    size_t ns, np, n, nt;
    /* 1. client to peer, ChannelData */
    ns = rtp(srtp, 1, true);
    np = rtp(plain, 1, false);
    n = channel_data(cd, srtp, ns);
    nt = channel_data(cdt, plain, np);
    ck_assert_int_eq(sim_udp_send_twin(w.client, SERVER, 3478, cd, n, cdt, nt), 0);
    run(&w);
    ck_assert_int_eq(w.gp.n, 2);                    /* "plain before", then this */
    ck_assert_mem_eq(w.gp.last, srtp, ns);          /* the peer sees the protected packet */
    /* 2. client to peer, Send indication */
    ns = rtp(srtp, 2, true);
    np = rtp(plain, 2, false);
    n = build(&w, STUN_IND_SEND, false, 0, srtp, ns, ind, sizeof ind);
    nt = build(&w, STUN_IND_SEND, false, 0, plain, np, indt, sizeof indt);
    ck_assert_int_eq(sim_udp_send_twin(w.client, SERVER, 3478, ind, n, indt, nt), 0);
    run(&w);
    ck_assert_int_eq(w.gp.n, 3);
    /* 3. peer (the channel's) to client: ChannelData */
    ns = rtp(srtp, 3, true);
    np = rtp(plain, 3, false);
    sim_udp_send_twin(w.peer, SERVER, relay, srtp, ns, plain, np);
    run(&w);
    ck_assert_int_eq(w.gc.n, 5);                    /* 4 responses, then this */
    ck_assert_uint_eq(w.gc.last[0], 0x40);
    /* 4. peer from port 10 (no channel): Data indication */
    ns = rtp(srtp, 4, true);
    np = rtp(plain, 4, false);
    sim_udp_send_twin(w.peer10, SERVER, relay, srtp, ns, plain, np);
    run(&w);
    ck_assert_int_eq(w.gc.n, 6);
    ck_assert_uint_eq(rd16(w.gc.last), 0x0017);     /* Data indication (RFC 8656 s.17) */
    /* after the twins, one without */
    sim_udp_send(w.client, PEER, 9, "plain after", 11);
    run(&w);

    /* twins: client side 2 out, 2 in; the NAT's outside the same; the peer
     * 2 in, 2 out */
    static const uint64_t twins[3] = { 4, 4, 4 };
    uint64_t counts[3];
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(sim_capture_twins(w.cap[i]), twins[i]);
        ck_assert_ptr_nonnull(sim_capture_twin_file(w.cap[i]));
        counts[i] = sim_capture_count(w.cap[i]);
        char err[256];
        ck_assert_int_eq(sim_capture_close(w.cap[i], err, sizeof err), 0);
        w.cap[i] = NULL;
    }
    for (int c = 0; c < 3; c++) {
        char tpath[420];
        snprintf(tpath, sizeof tpath, "%s/%s.decrypted.pcap", out_dir(), cap_names[c]);
        size_t na = read_all(w.path[c], recs[0], 64), nb = read_all(tpath, recs[1], 64);
        ck_assert_uint_eq(na, counts[c]);
        ck_assert_uint_eq(nb, na);
        uint64_t differ = 0, seq_seen = 0;
        for (size_t i = 0; i < na; i++) {
            const rec_t *a = &recs[0][i], *b = &recs[1][i];
            ck_assert(a->h.ts.tv_sec == b->h.ts.tv_sec && a->h.ts.tv_usec == b->h.ts.tv_usec);
            ck_assert_mem_eq(a->d + 4, b->d + 4, 2);        /* IP id */
            ck_assert_mem_eq(a->d + 12, b->d + 12, 12);     /* addresses, ports */
            ck_assert_msg(sums_ok(b->d, b->h.caplen), "%s packet %zu: bad lengths or checksums", tpath, i + 1);
            if (a->h.caplen == b->h.caplen && memcmp(a->d, b->d, a->h.caplen) == 0)
                continue;
            differ++;
            /* the twin's RTP is the plain one of the same sequence number,
             * wherever it sits (bare, in ChannelData, in DATA) */
            const uint8_t *u = b->d + 28, *pa = a->d + 28;
            size_t ul = b->h.caplen - 28, rl = 0;
            const uint8_t *r = NULL;
            if (u[0] == 0x80) {
                r = u;
                rl = ul;
            } else if (u[0] == 0x40) {
                ck_assert_uint_eq(rd16(u + 2), ul - 4);     /* the length is the twin's */
                r = u + 4;
                rl = ul - 4;
            } else {
                ck_assert_uint_eq(rd16(u + 2), ul - 20);    /* the STUN length is the twin's */
                if (rd16(u) == 0x0017)      /* the server's Data indication: its id */
                    ck_assert_mem_eq(u + 4, pa + 4, 16);
                r = data_attr(u, ul, &rl);
            }
            ck_assert_ptr_nonnull(r);
            ck_assert_uint_eq(rl, 32);
            rtp(plain, rd16(r + 2), false);
            ck_assert_mem_eq(r, plain, 32);
            seq_seen |= 1u << rd16(r + 2);
        }
        ck_assert_uint_eq(differ, twins[c]);
        ck_assert_uint_eq(seq_seen, 0x1e);                  /* sequence numbers 1 to 4 */
    }
    world_free(&w);
}
END_TEST

START_TEST(no_twin_no_file)
{
    world_t w;
    world_init(&w, fx_dir);
    char stale[420];
    snprintf(stale, sizeof stale, "%s/c.eth0.decrypted.pcap", fx_dir);
    sim_udp_send(w.client, PEER, 9, "x", 1);
    /* a duplicate on the wire copies the twin too (sim_pkt_clone) */
    run(&w);
    ck_assert_uint_eq(sim_capture_count(w.cap[0]), 1);
    ck_assert_ptr_null(sim_capture_twin_file(w.cap[0]));
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(sim_capture_close(w.cap[i], NULL, 0), 0);
        w.cap[i] = NULL;
    }
    struct stat st;
    ck_assert_int_ne(stat(stale, &st), 0);
    /* one left by an earlier run is removed when the capture opens */
    FILE *f = fopen(stale, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    char err[256];
    w.cap[0] = sim_capture_open(w.path[0], err, sizeof err);
    ck_assert_int_ne(stat(stale, &st), 0);
    world_free(&w);
}
END_TEST

/* A twin is memory like the datagram: the network counts it while the
 * datagram lives, and gives it back with it; a clone carries its own. */
static bool no_room_after(void *ctx, size_t more)
{
    size_t *left = ctx;
    if (more > *left)
        return false;
    *left -= more;
    return true;
}

START_TEST(twin_memory)
{
    world_t w;
    world_init(&w, fx_dir);
    run(&w);
    /* the pool's chunks stay counted once grown: measure with p taken */
    sim_pkt_t *p = sim_pkt_alloc(w.net, 10);
    ck_assert_ptr_nonnull(p);
    size_t with_pkt = sim_net_bytes(w.net);
    ck_assert_int_eq(sim_pkt_set_twin(w.net, p, "0123456789abcdef", 16), 0);
    size_t with16 = sim_net_bytes(w.net);
    ck_assert_uint_ge(with16, with_pkt + 16);
    sim_pkt_t *c = sim_pkt_clone(w.net, p);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_ne(c->twin, p->twin);
    ck_assert_mem_eq(c->twin, "0123456789abcdef", 16);
    sim_pkt_free(w.net, c);
    ck_assert_uint_eq(sim_net_bytes(w.net), with16);
    ck_assert_int_eq(sim_pkt_set_twin(w.net, p, "xy", 2), 0);      /* replaces the first */
    ck_assert_uint_eq(sim_net_bytes(w.net), with16 - 14);
    sim_pkt_free(w.net, p);
    ck_assert_uint_le(sim_net_bytes(w.net), with_pkt);
    /* refused by the bound: the datagram is not sent (a no-memory drop) */
    size_t left = 0;
    sim_net_set_bound(w.net, no_room_after, &left);
    uint64_t d[SIM_DROP__COUNT];
    ck_assert_int_eq(sim_udp_send_twin(w.client, PEER, 9, "x", 1, "y", 1), -1);
    sim_net_drop_counts(w.net, d);
    ck_assert_uint_eq(d[SIM_DROP_NO_MEMORY], 1);
    sim_net_set_bound(w.net, NULL, NULL);
    world_free(&w);
}
END_TEST

typedef struct lines {
    char buf[256];
} lines_t;

static void sink(void *arg, const char *line)
{
    lines_t *l = arg;
    strncat(l->buf, line, sizeof l->buf - strlen(l->buf) - 2);
    strcat(l->buf, "|");
}

START_TEST(keylog_sink)
{
    world_t w;
    world_init(&w, fx_dir);
    sim_net_keylog(w.net, "dropped: no sink");
    lines_t l = { "" };
    sim_net_set_keylog(w.net, sink, &l);
    sim_net_keylog(w.net, "CLIENT_RANDOM aa bb");
    sim_net_keylog(w.net, "CLIENT_RANDOM cc dd");
    ck_assert_str_eq(l.buf, "CLIENT_RANDOM aa bb|CLIENT_RANDOM cc dd|");
    world_free(&w);
}
END_TEST

static const char INJECT_LUA[] =
    "scenario{ name = 'inject', duration = 1 }\n"
    "local lan = net.subnet{ name = 'lan', prefix = '10.0.0.0/24', link = { latency = 0.01 } }\n"
    "local a = net.host{ name = 'a' }\n"
    "local ia = a:interface{ name = 'eth0', subnet = lan, address = '10.0.0.1' }\n"
    "local b = net.host{ name = 'b' }\n"
    "local ib = b:interface{ name = 'eth0', subnet = lan, address = '10.0.0.2' }\n"
    "local WANT = 1\n"
    "local cap = net.capture(ib)\n"
    "local got = {}\n"
    "local sb = b:udp{ port = 7 }\n"
    "sb.onreceive = function(data, ip, port) got[#got + 1] = data .. '@' .. ip .. ':' .. port end\n"
    "net.inject(ib, { src = '10.0.0.9:1234', dst = '10.0.0.2:7', data = '\\x80\\x00forged\\0', twin = '\\x80\\x00plain' })\n"
    "net.inject(ia.link, { src = '10.0.0.1:5', dst = '10.0.0.2:7', data = 'uplink', dir = 'up' })\n"
    "local function err(f, want)\n"
    "  local ok, e = pcall(f)\n"
    "  if ok or not string.find(e, want, 1, true) then error('wanted an error with ' .. want .. ', got ' .. tostring(e)) end\n"
    "end\n"
    "err(function() net.inject(ib, { src = '10.0.0.9', dst = '10.0.0.2:7', data = 'x' }) end, \"field 'src' must be\")\n"
    "err(function() net.inject(ib, { src = '10.0.0.9:1', dst = '10.0.0.2:70000', data = 'x' }) end, \"field 'dst' must be\")\n"
    "err(function() net.inject(ib, { src = '10.0.0.9:1', dst = '10.0.0.2:7', data = 5 }) end, \"field 'data' must be a string\")\n"
    "err(function() net.inject(ib, { src = '10.0.0.9:1', dst = '10.0.0.2:7' }) end, \"field 'data' must be\")\n"
    "err(function() net.inject(ib, { src = '10.0.0.9:1', dst = '10.0.0.2:7', data = 'x', dir = 'up' }) end, \"'dir' is for a link\")\n"
    "err(function() net.inject(ia.link, { src = '10.0.0.9:1', dst = '10.0.0.2:7', data = 'x', dir = 'sideways' }) end, \"'up' or 'down'\")\n"
    "err(function() net.inject(ib, { src = '10.0.0.9:1', dst = '10.0.0.2:7', data = 'x', tiwn = 'y' }) end, 'tiwn')\n"
    "err(function() net.inject(a, {}) end, 'argument 1 must be an interface or a link, got Host')\n"
    "err(function() net.inject(ib, 'x') end, 'argument 2 must be a table')\n"
    "err(function() net.inject(ib, { src = '10.0.0.9:1', dst = '10.0.0.2:7', data = string.rep('x', 70000) }) end, 'more than a UDP datagram')\n"
    "err(function() cap:packet(1) end, 'has written 0 packets so far, there is no packet 1')\n"
    "err(function() cap:packet(0) end, 'packet number')\n"
    "err(function() cap:packet('1') end, 'packet number')\n"
    "sim.at(0.5, function()\n"
    "  if #got ~= 2 or got[1] ~= '\\x80\\x00forged\\0@10.0.0.9:1234' or got[2] ~= 'uplink@10.0.0.1:5' then\n"
    "    error('got ' .. table.concat(got, ','))\n"
    "  end\n"
    "  local p = cap:packet(1)\n"
    "  if p.time ~= 0 or p.src ~= '10.0.0.9:1234' or p.dst ~= '10.0.0.2:7' or p.data ~= '\\x80\\x00forged\\0' then\n"
    "    error('packet 1: ' .. p.time .. ' ' .. p.src .. ' ' .. p.dst)\n"
    "  end\n"
    "  local q = cap:packet(2)\n"
    "  if q.time ~= 20000000 or q.src ~= '10.0.0.1:5' or q.data ~= 'uplink' then error('packet 2: ' .. q.time .. ' ' .. q.src) end\n"
    "  if cap.count ~= 2 or cap.twins ~= WANT then error('count ' .. cap.count .. ' twins ' .. cap.twins) end\n"
    "  err(function() cap:packet(3) end, 'there is no packet 3')\n"
    "end)\n"
    "expect.capture{ cap, decrypted = 't/inject.decrypted.pcap' }\n";

START_TEST(inject_and_packet)
{
    sim_result_t r = { 0 };
    sim_run_opts_t o = { .update_captures = true };
    ck_assert_int_eq(fx_run_opts("inject", INJECT_LUA, &o, &r), SIM_PASS);
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("inject", INJECT_LUA, &r), SIM_PASS);
    sim_result_clear(&r);
    /* the twin golden is compared: one byte of the injected twin changed */
    char *changed = strdup(INJECT_LUA);
    char *at = strstr(changed, "plain");
    at[0] = 'P';
    ck_assert_int_eq(fx_run("inject", changed, &r), SIM_FAIL);
    HAS(r, "decrypted twin of capture b.eth0 differs from golden");
    sim_result_clear(&r);
    /* no twin: 'decrypted' is an error that says so */
    char *none = strdup(INJECT_LUA);
    at = strstr(none, ", twin = ");
    memmove(at, strstr(at, " })"), strlen(strstr(at, " })")) + 1);
    strstr(none, "WANT = 1")[7] = '0';
    ck_assert_int_ne(fx_run("inject", none, &r), SIM_PASS);
    HAS(r, "has no decrypted twin");
    sim_result_clear(&r);
    free(changed);
    free(none);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("twin");
    TCase *tc = tcase_create("twin");
    tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, twins_through_nat_and_turn);
    tcase_add_test(tc, no_twin_no_file);
    tcase_add_test(tc, twin_memory);
    tcase_add_test(tc, keylog_sink);
    tcase_add_test(tc, inject_and_packet);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
