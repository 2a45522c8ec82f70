/*
 * test_mask.c - the masked comparison (check/mask.h): records that differ
 * only in masked fields match; a change of each checked field does not.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
    Suite *s = suite_create("mask");
    TCase *tc = tcase_create("mask");
    tcase_add_loop_test(tc, masked_fields_match_checked_fields_do_not, 0, NCASES);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int f = srunner_ntests_failed(r);
    srunner_free(r);
    return f ? 1 : 0;
}
