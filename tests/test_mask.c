/*
 * test_mask.c - the masked comparison (check/mask.h): records that differ
 * only in masked fields match; a change of each checked field does not.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/mask.h"

typedef struct { sim_pcap_records_t r; uint8_t buf[8][256]; } recs_t;

static void add(recs_t *x, sim_time_t t, uint16_t sport, const uint8_t *pay, size_t len)
{
    sim_pkt_t *p = calloc(1, sizeof *p + len);
    p->src_ip = 0x0a000001;
    p->dst_ip = 0x0a000002;
    p->src_port = sport;
    p->dst_port = 3478;
    p->ttl = 64;
    p->len = (uint32_t)len;
    memcpy(p->data, pay, len);
    size_t i = x->r.n;
    size_t n = sim_ipv4_udp_encode(p, x->buf[i], sizeof x->buf[i]);
    free(p);
    x->r.rec = realloc(x->r.rec, (i + 1) * sizeof *x->r.rec);
    x->r.rec[i] = (sim_capture_rec_t){ .t = t, .ip = x->buf[i], .len = n };
    x->r.n++;
}

/* A Binding request: tid, PRIORITY, XOR-MAPPED-ADDRESS (RFC 8489 s.14.2). */
static size_t stun(uint8_t *b, uint16_t type, uint8_t tid, uint32_t prio, uint16_t xport)
{
    memset(b, 0, 64);
    b[0] = (uint8_t)(type >> 8); b[1] = (uint8_t)type;
    b[3] = 20;
    b[4] = 0x21; b[5] = 0x12; b[6] = 0xA4; b[7] = 0x42;
    memset(b + 8, tid, 12);
    uint8_t *a = b + 20;
    a[1] = 0x24; a[3] = 4;
    a[4] = (uint8_t)(prio >> 24); a[5] = (uint8_t)(prio >> 16); a[6] = (uint8_t)(prio >> 8); a[7] = (uint8_t)prio;
    a += 8;
    a[1] = 0x20; a[3] = 8; a[5] = 1;
    a[6] = (uint8_t)((xport ^ 0x2112) >> 8); a[7] = (uint8_t)(xport ^ 0x2112);
    a[8] = 0x2b; a[9] = 0x12; a[10] = 0xa4; a[11] = 0x43;
    return 40;
}

static size_t rtp(uint8_t *b, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, uint8_t fill)
{
    b[0] = 0x80; b[1] = pt;
    b[2] = (uint8_t)(seq >> 8); b[3] = (uint8_t)seq;
    for (int i = 0; i < 4; i++) {
        b[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    memset(b + 12, fill, 20);
    return 32;
}

/* golden: STUN, then two RTP of one SSRC; variants change one thing */
enum { SAME_MASKED, STUN_TYPE, XOR_PORT, PRIO_TYPE, SEQ_STEP, TS_STEP, PT, LATE, PORT, NCASES };

static void build(recs_t *x, int v, bool golden)
{
    memset(x, 0, sizeof *x);
    uint8_t b[64];
    bool g = golden;
    /* masked fields always differ between golden and the variant: tid,
     * PRIORITY's local preference, SSRC, initial seq and ts, payload */
    size_t n = stun(b, v == STUN_TYPE && !g ? 0x0101 : 0x0001, g ? 1 : 2,
                    (v == PRIO_TYPE && !g ? 100u : 110u) << 24 | (g ? 65535u : 1234u) << 8 | 255,
                    v == XOR_PORT && !g ? 5001 : 5000);
    add(x, SIM_MS(100), v == PORT && !g ? 4000 : 5000, b, n);
    uint32_t ssrc = g ? 0x11111111 : 0x22222222;
    uint16_t s0 = g ? 100 : 60000;
    uint32_t t0 = g ? 1000 : 4000000000u;
    n = rtp(b, 111, s0, t0, ssrc, g ? 0xaa : 0x55);
    add(x, SIM_MS(120), 5000, b, n);
    n = rtp(b, v == PT && !g ? 0 : 111, (uint16_t)(s0 + (v == SEQ_STEP && !g ? 2 : 1)),
            t0 + (v == TS_STEP && !g ? 480 : 960), ssrc, g ? 0xaa : 0x55);
    add(x, v == LATE && !g ? SIM_MS(200) : SIM_MS(140), 5000, b, n);
}

START_TEST(masked_fields_match_checked_fields_do_not)
{
    static const char *const want[NCASES] = {
        NULL, "STUN message type", "XOR-MAPPED-ADDRESS", "type preference", "sequence number",
        "timestamp advances", "payload type", "tolerance", "source port",
    };
    recs_t g, a;
    build(&g, _i, true);
    build(&a, _i, false);
    sim_pcap_diff_t d;
    int rc = sim_mask_compare_records(&g.r, &a.r, SIM_MS(50), &d);
    if (!want[_i]) {
        ck_assert_msg(rc == 0, "expected a match, got: %s", d.what);
    } else {
        ck_assert_int_eq(rc, 1);
        ck_assert_msg(strstr(d.what, want[_i]), "case %d: '%s' lacks '%s'", _i, d.what, want[_i]);
    }
    free(g.r.rec);
    free(a.r.rec);
}
END_TEST

/* One record each side: golden payload g, actual payload a. */
static int one(const uint8_t *g, size_t gl, const uint8_t *a, size_t al, sim_pcap_diff_t *d)
{
    recs_t x, y;
    memset(&x, 0, sizeof x);
    memset(&y, 0, sizeof y);
    add(&x, SIM_MS(10), 5000, g, gl);
    add(&y, SIM_MS(10), 5000, a, al);
    int rc = sim_mask_compare_records(&x.r, &y.r, SIM_MS(50), d);
    free(x.r.rec);
    free(y.r.rec);
    return rc;
}

/* DTLS (RFC 6347 s.4.1): a ClientHello record, then an epoch-1 record */
static size_t dtls(uint8_t *b, uint8_t hs, uint8_t ct2, uint8_t fill, size_t enc)
{
    memset(b, 0, 128);
    b[0] = 22; b[1] = 0xfe; b[2] = 0xfd; b[12] = 4;
    b[13] = hs; memset(b + 14, fill, 3);
    uint8_t *r = b + 17;
    r[0] = ct2; r[1] = 0xfe; r[2] = 0xfd; r[4] = 1; r[12] = (uint8_t)enc;
    memset(r + 13, fill, enc);
    return 17 + 13 + enc;
}

START_TEST(dtls_types_compared_randoms_and_lengths_not)
{
    uint8_t g[128], a[128];
    sim_pcap_diff_t d;
    size_t gl = dtls(g, 1, 23, 0x11, 40);
    ck_assert_int_eq(one(g, gl, a, dtls(a, 1, 23, 0x22, 56), &d), 0);
    ck_assert_int_eq(one(g, gl, a, dtls(a, 2, 23, 0x11, 40), &d), 1);
    ck_assert_ptr_nonnull(strstr(d.what, "handshake type 1 vs 2"));
    ck_assert_int_eq(one(g, gl, a, dtls(a, 1, 21, 0x11, 40), &d), 1);
    ck_assert_ptr_nonnull(strstr(d.what, "record 2 content type 23 vs 21"));
}
END_TEST

START_TEST(channeldata_number_ignored_inner_compared)
{
    uint8_t g[80], a[80], in[64];
    sim_pcap_diff_t d;
    size_t n = stun(in, 0x0001, 1, 110u << 24 | 255, 5000);
    g[0] = 0x40; g[1] = 0x00; g[2] = 0; g[3] = (uint8_t)n; memcpy(g + 4, in, n);
    memcpy(a, g, 4 + n);
    a[1] = 0x07;                                  /* another channel number */
    ck_assert_int_eq(one(g, 4 + n, a, 4 + n, &d), 0);
    stun(in, 0x0001, 9, 110u << 24 | 255, 6000);  /* inner XOR-MAPPED port */
    memcpy(a + 4, in, n);
    ck_assert_int_eq(one(g, 4 + n, a, 4 + n, &d), 1);
    ck_assert_ptr_nonnull(strstr(d.what, "XOR-MAPPED-ADDRESS 10.0.0.1:5000 vs 10.0.0.1:6000"));
}
END_TEST

START_TEST(rtcp_compound_types_and_other_udp_length)
{
    /* SR (200, 28 bytes) + SDES (202, 8 bytes): RFC 3550 s.6.1 */
    uint8_t g[36] = { 0x80, 200, 0, 6 }, a[36];
    g[28] = 0x81; g[29] = 202; g[31] = 1;
    memcpy(a, g, sizeof a);
    a[4] = 0x99;                                  /* another SSRC */
    sim_pcap_diff_t d;
    ck_assert_int_eq(one(g, 36, a, 36, &d), 0);
    a[29] = 203;                                  /* BYE in place of SDES */
    ck_assert_int_eq(one(g, 36, a, 36, &d), 1);
    ck_assert_ptr_nonnull(strstr(d.what, "RTCP packet 2 of the compound: type 202 vs 203"));
    uint8_t u[8] = { 250, 1, 2, 3, 4, 5, 6 }, v[8] = { 251, 9, 9, 9, 9, 9, 9 };   /* 250: no RFC 7983 range */
    ck_assert_int_eq(one(u, 7, v, 7, &d), 0);
    ck_assert_int_eq(one(u, 7, v, 6, &d), 1);
    ck_assert_ptr_nonnull(strstr(d.what, "other UDP payload length 7 vs 6"));
}
END_TEST

static void write_pcap(const char *path, int v, bool golden)
{
    recs_t x;
    build(&x, v, golden);
    char err[256];
    sim_capture_t *c = sim_capture_open(path, err, sizeof err);
    ck_assert_msg(c != NULL, "%s", err);
    /* back to packets: the records' UDP payloads */
    for (size_t i = 0; i < x.r.n; i++) {
        size_t len = x.r.rec[i].len - 28;
        sim_pkt_t *p = calloc(1, sizeof *p + len);
        const uint8_t *ip = x.r.rec[i].ip;
        p->src_ip = 0x0a000001;
        p->dst_ip = 0x0a000002;
        p->src_port = (uint16_t)(ip[20] << 8 | ip[21]);
        p->dst_port = 3478;
        p->ttl = 64;
        p->len = (uint32_t)len;
        memcpy(p->data, ip + 28, len);
        sim_capture_write(c, x.r.rec[i].t, p);
        free(p);
    }
    ck_assert_int_eq(sim_capture_close(c, err, sizeof err), 0);
    free(x.r.rec);
}

START_TEST(files_masked_match_and_errors)
{
    char dir[] = "/tmp/test_mask.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char g[64], a[64], b[64], err[600];
    snprintf(g, sizeof g, "%s/g.pcap", dir);
    snprintf(a, sizeof a, "%s/a.pcap", dir);
    snprintf(b, sizeof b, "%s/b.pcap", dir);
    write_pcap(g, SAME_MASKED, true);
    write_pcap(a, SAME_MASKED, false);
    write_pcap(b, SEQ_STEP, false);
    sim_pcap_diff_t d;
    ck_assert_int_eq(sim_pcap_compare(g, a, &d, err, sizeof err), 1);   /* bytes differ */
    ck_assert_int_eq(sim_pcap_compare_masked(g, a, SIM_MS(50), &d, err, sizeof err), 0);
    ck_assert_int_eq(sim_pcap_compare_masked(g, b, SIM_MS(50), &d, err, sizeof err), 1);
    ck_assert_uint_eq(d.index, 2);
    ck_assert_uint_eq(d.n_expected, 3);
    ck_assert_ptr_nonnull(strstr(d.actual, "RTP"));
    snprintf(b, sizeof b, "%s/missing.pcap", dir);
    ck_assert_int_eq(sim_pcap_compare_masked(g, b, SIM_MS(50), &d, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "missing.pcap"));
    unlink(g);
    unlink(a);
    snprintf(b, sizeof b, "%s/b.pcap", dir);
    unlink(b);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mask");
    TCase *tc = tcase_create("mask");
    tcase_add_loop_test(tc, masked_fields_match_checked_fields_do_not, 0, NCASES);
    tcase_add_test(tc, dtls_types_compared_randoms_and_lengths_not);
    tcase_add_test(tc, channeldata_number_ignored_inner_compared);
    tcase_add_test(tc, rtcp_compound_types_and_other_udp_length);
    tcase_add_test(tc, files_masked_match_and_errors);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int f = srunner_ntests_failed(r);
    srunner_free(r);
    return f ? 1 : 0;
}
