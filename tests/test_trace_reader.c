/*
 * test_trace_reader.c - the capture reader (trace/reader.h) on files built
 * here byte by byte: every link type, both pcap byte orders and
 * resolutions, pcapng sections of both byte orders with interfaces of
 * different link types and clocks, IPv4 fragments out of order, IPv6
 * extension headers, TURN over TCP split and joined across segments; and
 * truncated, corrupt and foreign files, whose errors name the offset.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace/reader.h"

typedef struct { uint8_t b[1 << 16]; size_t n; bool be; } buf_t;

static void put(buf_t *x, const void *p, size_t n) { memcpy(x->b + x->n, p, n); x->n += n; }
static void u8(buf_t *x, uint8_t v) { x->b[x->n++] = v; }
static void u16(buf_t *x, uint16_t v)
{
    if (x->be) { u8(x, (uint8_t)(v >> 8)); u8(x, (uint8_t)v); } else { u8(x, (uint8_t)v); u8(x, (uint8_t)(v >> 8)); }
}
static void u32(buf_t *x, uint32_t v)
{
    if (x->be) { u16(x, (uint16_t)(v >> 16)); u16(x, (uint16_t)v); } else { u16(x, (uint16_t)v); u16(x, (uint16_t)(v >> 16)); }
}
static void n16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* An IPv4 header (no options) + body into out; returns its length. */
static size_t ip4(uint8_t *out, uint8_t proto, const char *src, const char *dst, uint16_t id, uint16_t frag,
                  const uint8_t *body, size_t blen)
{
    memset(out, 0, 20);
    out[0] = 0x45;
    n16(out + 2, (uint16_t)(20 + blen));
    n16(out + 4, id);
    n16(out + 6, frag);
    out[8] = 64;
    out[9] = proto;
    unsigned a[4];
    sscanf(src, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
    for (int i = 0; i < 4; i++) out[12 + i] = (uint8_t)a[i];
    sscanf(dst, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
    for (int i = 0; i < 4; i++) out[16 + i] = (uint8_t)a[i];
    memcpy(out + 20, body, blen);
    return 20 + blen;
}

static size_t udp(uint8_t *out, uint16_t sp, uint16_t dp, const char *payload)
{
    size_t n = strlen(payload);
    n16(out, sp);
    n16(out + 2, dp);
    n16(out + 4, (uint16_t)(8 + n));
    n16(out + 6, 0);
    memcpy(out + 8, payload, n);
    return 8 + n;
}

static size_t tcp(uint8_t *out, uint16_t sp, uint16_t dp, uint32_t seq, uint8_t flags, const uint8_t *pay, size_t n)
{
    memset(out, 0, 20);
    n16(out, sp);
    n16(out + 2, dp);
    out[4] = (uint8_t)(seq >> 24); out[5] = (uint8_t)(seq >> 16); out[6] = (uint8_t)(seq >> 8); out[7] = (uint8_t)seq;
    out[12] = 5 << 4;
    out[13] = flags;
    if (n)
        memcpy(out + 20, pay, n);
    return 20 + n;
}

static void pcap_header(buf_t *x, bool be, bool nsec, uint32_t linktype)
{
    x->be = be;
    u32(x, nsec ? 0xA1B23C4Du : 0xA1B2C3D4u);
    u16(x, 2); u16(x, 4); u32(x, 0); u32(x, 0); u32(x, 65535); u32(x, linktype);
}

static void pcap_rec(buf_t *x, uint32_t sec, uint32_t frac, const uint8_t *p, size_t n)
{
    u32(x, sec); u32(x, frac); u32(x, (uint32_t)n); u32(x, (uint32_t)n);
    put(x, p, n);
}

static char *write_file(const buf_t *x)
{
    char *path = strdup("/tmp/rtcsim-reader-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, x->b, x->n), (ssize_t)x->n);
    close(fd);
    return path;
}

typedef struct { size_t n; sim_trace_dgram_t d[16]; char data[16][128]; char src[16][64], dst[16][64]; int rc; char err[256]; } got_t;

static sim_trace_t *read_all(const buf_t *x, got_t *g, char **pathp)
{
    char *path = write_file(x);
    char err[256];
    sim_trace_t *t = sim_trace_open(path, err, sizeof err);
    ck_assert_msg(t, "open: %s", err);
    memset(g, 0, sizeof *g);
    sim_trace_dgram_t d;
    while ((g->rc = sim_trace_next(t, &d, g->err, sizeof g->err)) == 1 && g->n < 16) {
        g->d[g->n] = d;
        memcpy(g->data[g->n], d.data, d.len < 127 ? d.len : 127);
        sim_trace_addr_str(&d.src, g->src[g->n], 64);
        sim_trace_addr_str(&d.dst, g->dst[g->n], 64);
        g->n++;
    }
    *pathp = path;
    return t;
}

static void done(sim_trace_t *t, char *path)
{
    sim_trace_close(t);
    unlink(path);
    free(path);
}

/* Ethernet with a VLAN tag and QinQ, big-endian pcap in microseconds; ARP is counted as not IP. */
START_TEST(ethernet_vlan_be)
{
    buf_t x = { .n = 0 };
    pcap_header(&x, true, false, 1);
    uint8_t f[256], u[64];
    size_t ul = udp(u, 5000, 3478, "hello");
    memset(f, 0, 12);
    n16(f + 12, 0x8100); n16(f + 14, 7); n16(f + 16, 0x0800);
    size_t n = 18 + ip4(f + 18, 17, "10.0.0.1", "10.0.0.2", 1, 0, u, ul);
    pcap_rec(&x, 100, 250000, f, n);
    n16(f + 12, 0x88A8); n16(f + 16, 0x8100); n16(f + 18, 9); n16(f + 20, 0x0800);
    n = 22 + ip4(f + 22, 17, "10.0.0.2", "10.0.0.1", 2, 0, u, ul);
    pcap_rec(&x, 101, 0, f, n);
    n16(f + 12, 0x0806);
    pcap_rec(&x, 102, 0, f, 60);
    got_t g;
    char *path;
    sim_trace_t *t = read_all(&x, &g, &path);
    ck_assert_int_eq(g.rc, 0);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_str_eq(g.src[0], "10.0.0.1:5000");
    ck_assert_str_eq(g.dst[1], "10.0.0.1:3478");
    ck_assert_str_eq(g.data[1], "hello");
    ck_assert_int_eq(g.d[0].time_ns, 100250000000ll);
    ck_assert_uint_eq(g.d[1].packet, 2);
    ck_assert_str_eq(sim_trace_format(t), "pcap");
    uint64_t first;
    ck_assert_uint_eq(sim_trace_skipped(t, SIM_TRACE_SKIP_NOT_IP, &first), 1);
    ck_assert_uint_eq(first, 3);
    ck_assert_uint_eq(sim_trace_packets(t), 3);
    done(t, path);
}
END_TEST

/* Linux SLL, SLL2, BSD NULL (little-endian family), LOOP, raw; ns magic. */
START_TEST(link_types)
{
    static const struct { uint32_t lt; size_t hdr; } cases[] = { { 113, 16 }, { 276, 20 }, { 0, 4 }, { 108, 4 }, { 101, 0 } };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        buf_t x = { .n = 0 };
        pcap_header(&x, false, true, cases[c].lt);
        uint8_t f[256] = { 0 }, u[64];
        size_t ul = udp(u, 1, 2, "x");
        if (cases[c].lt == 113) n16(f + 14, 0x0800);
        if (cases[c].lt == 276) n16(f, 0x0800);
        if (cases[c].lt == 0) f[0] = 2;
        if (cases[c].lt == 108) f[3] = 2;
        size_t n = cases[c].hdr + ip4(f + cases[c].hdr, 17, "192.0.2.1", "192.0.2.2", 1, 0, u, ul);
        pcap_rec(&x, 1, 5, f, n);
        got_t g;
        char *path;
        sim_trace_t *t = read_all(&x, &g, &path);
        ck_assert_msg(g.n == 1, "link type %u: %zu datagrams", cases[c].lt, g.n);
        ck_assert_str_eq(g.src[0], "192.0.2.1:1");
        ck_assert_int_eq(g.d[0].time_ns, 1000000005ll);    /* nanosecond magic */
        done(t, path);
    }
}
END_TEST

/* Fragments out of order are put together (RFC 791 s.3.2); a datagram
 * missing a fragment is counted at the end, its packets named. */
START_TEST(ipv4_fragments)
{
    buf_t x = { .n = 0 };
    pcap_header(&x, false, false, 101);
    char payload[200];
    memset(payload, 'a', sizeof payload - 1);
    payload[sizeof payload - 1] = '\0';
    uint8_t u[256], f[256];
    size_t ul = udp(u, 7, 9, payload);             /* 8 + 199 bytes */
    /* three fragments at 0, 64, 128 (8-byte units 0, 8, 16), sent 2, 0, 1 */
    size_t n = ip4(f, 17, "10.1.1.1", "10.1.1.2", 77, 16, u + 128, ul - 128);
    pcap_rec(&x, 1, 0, f, n);
    n = ip4(f, 17, "10.1.1.1", "10.1.1.2", 77, 0x2000 | 0, u, 64);
    pcap_rec(&x, 1, 1, f, n);
    n = ip4(f, 17, "10.1.1.1", "10.1.1.2", 77, 0x2000 | 8, u + 64, 64);
    pcap_rec(&x, 1, 2, f, n);
    /* another datagram: only its first fragment */
    n = ip4(f, 17, "10.1.1.1", "10.1.1.2", 78, 0x2000, u, 64);
    pcap_rec(&x, 1, 3, f, n);
    got_t g;
    char *path;
    sim_trace_t *t = read_all(&x, &g, &path);
    ck_assert_int_eq(g.rc, 0);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_uint_eq(g.d[0].len, 199);
    ck_assert_uint_eq(g.d[0].packet, 3);            /* the fragment that completed it */
    ck_assert_str_eq(g.src[0], "10.1.1.1:7");
    uint64_t first;
    ck_assert_uint_eq(sim_trace_skipped(t, SIM_TRACE_SKIP_FRAGMENT, &first), 1);
    ck_assert_uint_eq(first, 4);
    done(t, path);
}
END_TEST

/* IPv6 with a hop-by-hop and a destination options header; a real
 * fragment is counted, an atomic one read. */
START_TEST(ipv6_ext)
{
    buf_t x = { .n = 0 };
    pcap_header(&x, false, false, 229);
    uint8_t f[256] = { 0 }, u[64];
    size_t ul = udp(u, 4000, 4001, "six");
    f[0] = 0x60;
    n16(f + 4, (uint16_t)(8 + 8 + ul));
    f[6] = 0;                                     /* hop-by-hop */
    f[8] = 0x20; f[8 + 15] = 1;                   /* 2001:db8::1 */
    f[9] = 0x01; f[10] = 0x0d; f[11] = 0xb8;
    f[24] = 0x20; f[25] = 0x01; f[26] = 0x0d; f[27] = 0xb8; f[39] = 2;
    f[40] = 60; f[41] = 0;                        /* -> dest opts, 8 bytes */
    f[48] = 17; f[49] = 0;                        /* -> UDP, 8 bytes */
    memcpy(f + 56, u, ul);
    pcap_rec(&x, 1, 0, f, 56 + ul);
    f[6] = 44;                                    /* a fragment header instead */
    f[40] = 17; n16(f + 42, 8 << 3);              /* offset 8: not atomic */
    pcap_rec(&x, 1, 0, f, 56 + ul);
    got_t g;
    char *path;
    sim_trace_t *t = read_all(&x, &g, &path);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_str_eq(g.src[0], "[2001:db8::1]:4000");
    ck_assert_str_eq(g.data[0], "six");
    ck_assert_uint_eq(sim_trace_skipped(t, SIM_TRACE_SKIP_FRAGMENT, NULL), 1);
    done(t, path);
}
END_TEST

static size_t stun_msg(uint8_t *b, uint16_t type, uint16_t len)
{
    memset(b, 0, 20 + len);
    n16(b, type);
    n16(b + 2, len);
    b[4] = 0x21; b[5] = 0x12; b[6] = 0xA4; b[7] = 0x42;
    return 20 + len;
}

/* TURN over TCP: a message split over two segments, two messages, a
 * padded ChannelData and a message after it in one, a retransmitted segment, and a gap. */
START_TEST(turn_tcp)
{
    buf_t x = { .n = 0 };
    pcap_header(&x, false, false, 101);
    uint8_t s[512], seg[512], f[600];
    size_t a = stun_msg(s, 0x0003, 8);            /* 28 bytes */
    uint32_t seq = 1000;
    size_t n = tcp(seg, 5555, 3478, seq - 1, 0x02, NULL, 0);   /* SYN */
    pcap_rec(&x, 1, 0, f, ip4(f, 6, "10.0.0.1", "10.0.0.9", 1, 0, seg, n));
    n = tcp(seg, 5555, 3478, seq, 0x10, s, 10);
    pcap_rec(&x, 1, 1, f, ip4(f, 6, "10.0.0.1", "10.0.0.9", 2, 0, seg, n));
    n = tcp(seg, 5555, 3478, seq + 10, 0x10, s + 10, a - 10);
    pcap_rec(&x, 1, 2, f, ip4(f, 6, "10.0.0.1", "10.0.0.9", 3, 0, seg, n));
    seq += (uint32_t)a;
    /* retransmission of the second part: nothing new */
    n = tcp(seg, 5555, 3478, seq - (uint32_t)(a - 10), 0x10, s + 10, a - 10);
    pcap_rec(&x, 1, 3, f, ip4(f, 6, "10.0.0.1", "10.0.0.9", 4, 0, seg, n));
    /* two STUN messages and ChannelData of 5 bytes padded to 8 */
    uint8_t m[256];
    size_t k = stun_msg(m, 0x0008, 0);
    k += stun_msg(m + k, 0x0016, 4);
    m[k] = 0x40; m[k + 1] = 0x00; n16(m + k + 2, 5); memcpy(m + k + 4, "abcde\0\0\0", 8);
    k += 12;
    k += stun_msg(m + k, 0x0008, 0);              /* after the padding: found only if it was skipped */
    n = tcp(seg, 5555, 3478, seq, 0x18, m, k);
    pcap_rec(&x, 1, 4, f, ip4(f, 6, "10.0.0.1", "10.0.0.9", 5, 0, seg, n));
    seq += (uint32_t)k;
    /* a gap of 100 bytes, then half a message: both counted */
    n = tcp(seg, 5555, 3478, seq + 100, 0x10, s, 10);
    pcap_rec(&x, 1, 5, f, ip4(f, 6, "10.0.0.1", "10.0.0.9", 6, 0, seg, n));
    got_t g;
    char *path;
    sim_trace_t *t = read_all(&x, &g, &path);
    ck_assert_int_eq(g.rc, 0);
    ck_assert_uint_eq(g.n, 5);
    ck_assert_uint_eq(g.d[0].len, 28);
    ck_assert_uint_eq(g.d[0].packet, 3);
    ck_assert_int_eq(g.d[0].transport, SIM_TRACE_TCP);
    ck_assert_uint_eq(g.d[1].len, 20);
    ck_assert_uint_eq(g.d[2].len, 24);
    ck_assert_uint_eq(g.d[3].len, 9);             /* ChannelData without its TCP padding */
    ck_assert_int_eq(memcmp(g.data[3] + 4, "abcde", 5), 0);
    ck_assert_uint_eq(g.d[3].packet, 5);
    ck_assert_uint_eq(g.d[4].len, 20);
    ck_assert_uint_eq(sim_trace_skipped(t, SIM_TRACE_SKIP_TCP_CONTROL, NULL), 2);  /* SYN, retransmission */
    ck_assert_uint_eq(sim_trace_skipped(t, SIM_TRACE_SKIP_TCP_STREAM, NULL), 2);   /* the gap, the half message */
    done(t, path);
}
END_TEST

static void ng_block(buf_t *x, uint32_t type, const buf_t *body)
{
    uint32_t len = (uint32_t)(12 + ((body->n + 3) & ~3u));
    u32(x, type); u32(x, len);
    put(x, body->b, body->n);
    while (x->n % 4) u8(x, 0);
    u32(x, len);
}

/* Two sections, little- then big-endian; the second with two interfaces of
 * different link types and clocks (nanoseconds; 2^-10 s with an offset). */
START_TEST(pcapng_sections)
{
    buf_t x = { .n = 0 }, b;
    uint8_t f[256] = { 0 }, u[64];
    size_t ul = udp(u, 10, 20, "ng");
    for (int sec = 0; sec < 2; sec++) {
        x.be = sec == 1;
        b = (buf_t){ .n = 0, .be = x.be };
        u32(&b, 0x1A2B3C4D); u16(&b, 1); u16(&b, 0); u32(&b, 0xFFFFFFFF); u32(&b, 0xFFFFFFFF);
        ng_block(&x, 0x0A0D0D0A, &b);
        /* interface 0: Ethernet, default resolution (microseconds) */
        b = (buf_t){ .n = 0, .be = x.be };
        u16(&b, 1); u16(&b, 0); u32(&b, 0);
        u16(&b, 0); u16(&b, 0);
        ng_block(&x, 1, &b);
        /* interface 1: raw IP; sec 0: if_tsresol 9 (ns); sec 1: 2^-10 and if_tsoffset 1000 s */
        b = (buf_t){ .n = 0, .be = x.be };
        u16(&b, 101); u16(&b, 0); u32(&b, 0);
        u16(&b, 9); u16(&b, 1); u8(&b, sec ? 0x8A : 9); u8(&b, 0); u8(&b, 0); u8(&b, 0);
        if (sec) { u16(&b, 14); u16(&b, 8); u32(&b, 0); u32(&b, 1000); }
        u16(&b, 0); u16(&b, 0);
        ng_block(&x, 1, &b);
        /* a Name Resolution Block, skipped */
        b = (buf_t){ .n = 0, .be = x.be };
        u16(&b, 0); u16(&b, 0);
        ng_block(&x, 4, &b);
        /* EPB on interface 1 at ts 3000 */
        size_t n = ip4(f, 17, "203.0.113.1", "203.0.113.2", 1, 0, u, ul);
        b = (buf_t){ .n = 0, .be = x.be };
        u32(&b, 1); u32(&b, 0); u32(&b, 3000); u32(&b, (uint32_t)n); u32(&b, (uint32_t)n);
        put(&b, f, n);
        ng_block(&x, 6, &b);
        /* EPB on interface 0 (Ethernet) at ts 7 */
        uint8_t e[256] = { 0 };
        n16(e + 12, 0x0800);
        memcpy(e + 14, f, n);
        b = (buf_t){ .n = 0, .be = x.be };
        u32(&b, 0); u32(&b, 0); u32(&b, 7); u32(&b, (uint32_t)(n + 14)); u32(&b, (uint32_t)(n + 14));
        put(&b, e, n + 14);
        ng_block(&x, 6, &b);
    }
    got_t g;
    char *path;
    sim_trace_t *t = read_all(&x, &g, &path);
    ck_assert_msg(g.rc == 0, "%s", g.err);
    ck_assert_uint_eq(g.n, 4);
    ck_assert_str_eq(sim_trace_format(t), "pcapng");
    ck_assert_int_eq(g.d[0].time_ns, 3000);                         /* ns */
    ck_assert_int_eq(g.d[1].time_ns, 7000);                         /* us */
    ck_assert_int_eq(g.d[2].time_ns, 1000000000000ll + 2929687500ll);   /* 3000/1024 s + 1000 s */
    ck_assert_int_eq(g.d[3].time_ns, 7000);
    for (size_t i = 0; i < 4; i++)
        ck_assert_str_eq(g.data[i], "ng");
    ck_assert_uint_eq(g.d[3].packet, 4);
    done(t, path);
}
END_TEST

static void expect_open_error(const buf_t *x, const char *needle)
{
    char *path = write_file(x);
    char err[256] = "";
    sim_trace_t *t = sim_trace_open(path, err, sizeof err);
    if (t) {
        sim_trace_dgram_t d;
        int r;
        while ((r = sim_trace_next(t, &d, err, sizeof err)) == 1)
            ;
        ck_assert_msg(r == -1, "no error for '%s'", needle);
        sim_trace_close(t);
    }
    ck_assert_msg(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
    ck_assert_msg(strstr(err, path), "error '%s' does not name the file", err);
    unlink(path);
    free(path);
}

START_TEST(bad_files)
{
    buf_t x = { .n = 0 };
    put(&x, "GIF89a not a capture", 20);
    expect_open_error(&x, "byte offset 0: not a pcap or pcapng capture");
    /* a record cut short: its offset named */
    x.n = 0;
    pcap_header(&x, false, false, 1);
    uint8_t f[64] = { 0 };
    pcap_rec(&x, 1, 0, f, 60);
    x.n -= 10;
    expect_open_error(&x, "byte offset 24: truncated record (50 of 60 bytes)");
    /* pcapng with a trailing length that disagrees */
    x.n = 0;
    buf_t b = { .n = 0 };
    u32(&b, 0x1A2B3C4D); u16(&b, 1); u16(&b, 0); u32(&b, 0xFFFFFFFF); u32(&b, 0xFFFFFFFF);
    ng_block(&x, 0x0A0D0D0A, &b);
    b.n = 0;
    u16(&b, 1); u16(&b, 0); u32(&b, 0);
    ng_block(&x, 1, &b);
    x.b[x.n - 4] ^= 4;
    expect_open_error(&x, "byte offset 44: the block's trailing length differs");
    /* a packet on an interface the section never described */
    x.b[x.n - 4] ^= 4;
    b.n = 0;
    u32(&b, 3); u32(&b, 0); u32(&b, 0); u32(&b, 4); u32(&b, 4); u32(&b, 0);
    ng_block(&x, 6, &b);
    expect_open_error(&x, "byte offset 48: packet on interface 3, but the section describes 1");
    /* a file too short for any header */
    x.n = 2;
    expect_open_error(&x, "not a pcap or pcapng capture");
}
END_TEST

/* What the reader cannot take to a datagram is counted, each packet once
 * by reason: ICMP, a truncated UDP header, an unknown link type. */
START_TEST(counted_not_dropped)
{
    buf_t x = { .n = 0 };
    pcap_header(&x, false, false, 101);
    uint8_t f[128], body[8] = { 8, 0 };
    pcap_rec(&x, 1, 0, f, ip4(f, 1, "10.0.0.1", "10.0.0.2", 1, 0, body, 8));
    size_t n = ip4(f, 17, "10.0.0.1", "10.0.0.2", 2, 0, body, 4);
    pcap_rec(&x, 1, 0, f, n);
    got_t g;
    char *path;
    sim_trace_t *t = read_all(&x, &g, &path);
    ck_assert_uint_eq(g.n, 0);
    ck_assert_uint_eq(sim_trace_skipped(t, SIM_TRACE_SKIP_NOT_UDP_TCP, NULL), 1);
    ck_assert_uint_eq(sim_trace_skipped(t, SIM_TRACE_SKIP_TRUNCATED, NULL), 1);
    done(t, path);
    x.n = 0;
    pcap_header(&x, false, false, 147);        /* LINKTYPE_USER0 */
    pcap_rec(&x, 1, 0, f, 10);
    t = read_all(&x, &g, &path);
    uint64_t first;
    ck_assert_uint_eq(sim_trace_skipped(t, SIM_TRACE_SKIP_LINKTYPE, &first), 1);
    ck_assert_uint_eq(first, 1);
    done(t, path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace_reader");
    TCase *tc = tcase_create("reader");
    tcase_add_test(tc, ethernet_vlan_be);
    tcase_add_test(tc, link_types);
    tcase_add_test(tc, ipv4_fragments);
    tcase_add_test(tc, ipv6_ext);
    tcase_add_test(tc, turn_tcp);
    tcase_add_test(tc, pcapng_sections);
    tcase_add_test(tc, bad_files);
    tcase_add_test(tc, counted_not_dropped);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int f = srunner_ntests_failed(r);
    srunner_free(r);
    return f ? 1 : 0;
}
