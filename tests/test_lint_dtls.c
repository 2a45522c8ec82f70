/*
 * test_lint_dtls.c - the DTLS checker of `rtcsim lint` (trace/lint_dtls.c)
 * on captures written here with the project's own writer: each record and
 * hello check made to fire by a datagram built to break it, beside the
 * same records unbroken (no finding). The keys (RFC 5764 s.4.2) are
 * checked end to end by make lint, which rebuilds every decrypted twin of
 * the suite from its key log alone (tests/lint_check.sh, D167).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/capture.h"
#include "fixture.h"
#include "trace/lint.h"

typedef fx_cap_t cap_t;

static void cap_open(cap_t *k) { fx_cap_open(k, "test_lint_dtls", 10000000); }
static void send_dg(cap_t *k, bool from_b, const uint8_t *data, size_t len) { fx_cap_send(k, from_b, data, len); }

/* The JSON output of linting the capture: findings by code. */
static char *lint_json(cap_t *k)
{
    char *json;
    sim_lint_free(fx_cap_lint(k, NULL, &json));
    return json;
}

static int count(const char *json, const char *code)
{
    char key[80];
    snprintf(key, sizeof key, "\"code\":\"%s\"", code);
    int n = 0;
    for (const char *p = json; (p = strstr(p, key)); p++)
        n++;
    return n;
}

/* A record (RFC 6347 s.4.1): type, version, epoch, sequence, length, body. */
static size_t record(uint8_t *out, uint8_t type, uint16_t version, uint16_t epoch, uint64_t seq,
                     const uint8_t *body, size_t len)
{
    out[0] = type;
    out[1] = (uint8_t)(version >> 8);
    out[2] = (uint8_t)version;
    out[3] = (uint8_t)(epoch >> 8);
    out[4] = (uint8_t)epoch;
    for (int i = 0; i < 6; i++)
        out[5 + i] = (uint8_t)(seq >> (40 - 8 * i));
    out[11] = (uint8_t)(len >> 8);
    out[12] = (uint8_t)len;
    memcpy(out + 13, body, len);
    return 13 + len;
}

/* A handshake message in one fragment (RFC 6347 s.4.2.2). */
static size_t handshake(uint8_t *out, uint8_t type, uint16_t mseq, const uint8_t *body, size_t len)
{
    out[0] = type;
    out[1] = (uint8_t)(len >> 16); out[2] = (uint8_t)(len >> 8); out[3] = (uint8_t)len;
    out[4] = (uint8_t)(mseq >> 8); out[5] = (uint8_t)mseq;
    memset(out + 6, 0, 3);
    out[9] = (uint8_t)(len >> 16); out[10] = (uint8_t)(len >> 8); out[11] = (uint8_t)len;
    memcpy(out + 12, body, len);
    return 12 + len;
}

/* A hello's body with a use_srtp extension listing profiles (RFC 5764
 * s.4.1.1); server: a ServerHello (one suite, no cookie). */
static size_t hello_body(uint8_t *b, bool server, const uint16_t *profiles, size_t np)
{
    size_t o = 0;
    b[o++] = 0xFE; b[o++] = 0xFD;
    memset(b + o, server ? 0x22 : 0x11, 32);
    o += 32;
    b[o++] = 0;                                   /* session_id */
    if (!server) {
        b[o++] = 0;                               /* cookie */
        b[o++] = 0; b[o++] = 2; b[o++] = 0xC0; b[o++] = 0x2B;   /* suites */
        b[o++] = 1; b[o++] = 0;                   /* compression */
    } else {
        b[o++] = 0xC0; b[o++] = 0x2B; b[o++] = 0;
    }
    size_t ext = 4 + 2 + 2 * np + 1;
    b[o++] = (uint8_t)(ext >> 8); b[o++] = (uint8_t)ext;
    b[o++] = 0; b[o++] = 14;                      /* use_srtp */
    b[o++] = (uint8_t)((ext - 4) >> 8); b[o++] = (uint8_t)(ext - 4);
    b[o++] = (uint8_t)((2 * np) >> 8); b[o++] = (uint8_t)(2 * np);
    for (size_t i = 0; i < np; i++) {
        b[o++] = (uint8_t)(profiles[i] >> 8);
        b[o++] = (uint8_t)profiles[i];
    }
    b[o++] = 0;                                   /* no MKI */
    return o;
}

static void hellos(cap_t *k, const uint16_t *offered, size_t no, const uint16_t *chosen, size_t nc)
{
    uint8_t body[256], hs[300], dg[400];
    size_t n = hello_body(body, false, offered, no);
    size_t h = handshake(hs, 1, 0, body, n);
    send_dg(k, false, dg, record(dg, 22, 0xFEFF, 0, 0, hs, h));
    n = hello_body(body, true, chosen, nc);
    h = handshake(hs, 2, 0, body, n);
    send_dg(k, true, dg, record(dg, 22, 0xFEFD, 0, 0, hs, h));
}

START_TEST(clean_handshake)
{
    cap_t k;
    cap_open(&k);
    static const uint16_t offered[] = { 0x0007, 0x0001 }, chosen[] = { 0x0007 };
    hellos(&k, offered, 2, chosen, 1);
    uint8_t dg[64], z[8] = { 0 };
    /* ChangeCipherSpec in epoch 0, then Finished and data in epoch 1 */
    size_t n = record(dg, 20, 0xFEFD, 0, 1, z, 1);
    send_dg(&k, true, dg, n + record(dg + n, 22, 0xFEFD, 1, 0, z, 8));
    send_dg(&k, true, dg, record(dg, 23, 0xFEFD, 1, 1, z, 8));
    char *j = lint_json(&k);
    ck_assert_msg(strstr(j, "\"errors\":0,\"warnings\":0,\"info\":0"), "findings on clean DTLS: %s", j);
    free(j);
}
END_TEST

START_TEST(record_faults)
{
    cap_t k;
    cap_open(&k);
    uint8_t dg[64], z[8] = { 0 };
    send_dg(&k, false, dg, record(dg, 22, 0xFEFD, 0, 0, z, 8));
    send_dg(&k, false, dg, record(dg, 26, 0xFEFD, 0, 1, z, 8));          /* no such content type */
    /* no such version: a second record (a first one without a DTLS
     * version is not taken for DTLS at all, RFC 7983 as the core reads it) */
    size_t n = record(dg, 22, 0xFEFD, 0, 2, z, 8);
    send_dg(&k, false, dg, n + record(dg + n, 22, 0xFE00, 0, 3, z, 8));
    n = record(dg, 22, 0xFEFD, 0, 4, z, 8);
    size_t m = record(dg + n, 22, 0xFEFD, 0, 5, z, 8);
    dg[n + 12] = 40;                                                      /* a second record longer than the datagram */
    send_dg(&k, false, dg, n + m);
    send_dg(&k, false, dg, record(dg, 23, 0xFEFD, 0, 6, z, 8));          /* data in epoch 0 */
    send_dg(&k, false, dg, record(dg, 23, 0xFEFD, 2, 0, z, 8));          /* epoch 0 -> 2 */
    send_dg(&k, false, dg, record(dg, 23, 0xFEFD, 2, 0, z, 8));          /* the same again */
    n = record(dg, 22, 0xFEFD, 2, 1, z, 8);
    send_dg(&k, false, dg, n + 5);                                        /* 5 bytes after the record */
    char *j = lint_json(&k);
    ck_assert_int_eq(count(j, "dtls.record.type"), 1);
    ck_assert_int_eq(count(j, "dtls.record.version"), 1);
    ck_assert_int_eq(count(j, "dtls.record.length"), 1);
    ck_assert_int_eq(count(j, "dtls.data.epoch0"), 1);
    ck_assert_int_eq(count(j, "dtls.epoch"), 1);
    ck_assert_int_eq(count(j, "dtls.seq.repeat"), 1);
    ck_assert_int_eq(count(j, "dtls.record.header"), 1);
    free(j);
}
END_TEST

/* RFC 5764 s.4.1.1: the server picks exactly one of the client's profiles. */
START_TEST(use_srtp_choice)
{
    cap_t k;
    cap_open(&k);
    static const uint16_t offered[] = { 0x0007 }, other[] = { 0x0001 }, two[] = { 0x0007, 0x0001 };
    hellos(&k, offered, 1, other, 1);
    char *j = lint_json(&k);
    ck_assert_int_eq(count(j, "dtls.use-srtp.server"), 1);
    free(j);
    cap_open(&k);
    hellos(&k, two, 2, two, 2);
    j = lint_json(&k);
    ck_assert_int_eq(count(j, "dtls.use-srtp.server"), 1);
    free(j);
}
END_TEST

/* A hello whose fields run past its length, and a fragment beyond its
 * message: errors, and nothing read out of bounds (ASan). */
START_TEST(hello_bounds)
{
    cap_t k;
    cap_open(&k);
    static const uint16_t offered[] = { 0x0007 };
    uint8_t body[256], hs[300], dg[400];
    size_t n = hello_body(body, false, offered, 1);
    size_t h = handshake(hs, 1, 0, body, n - 6);                  /* cut inside the extensions */
    send_dg(&k, false, dg, record(dg, 22, 0xFEFD, 0, 0, hs, h));
    h = handshake(hs, 1, 1, body, n);
    hs[11] = (uint8_t)(hs[11] + 9);                                /* fragment longer than the message */
    send_dg(&k, false, dg, record(dg, 22, 0xFEFD, 0, 1, hs, h));
    char *j = lint_json(&k);
    ck_assert_int_eq(count(j, "dtls.hello.length"), 1);
    ck_assert_int_eq(count(j, "dtls.handshake.fragment"), 1);
    free(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lint_dtls");
    TCase *tc = tcase_create("dtls");
    tcase_add_test(tc, clean_handshake);
    tcase_add_test(tc, record_faults);
    tcase_add_test(tc, use_srtp_choice);
    tcase_add_test(tc, hello_bounds);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int f = srunner_ntests_failed(r);
    srunner_free(r);
    return f ? 1 : 0;
}
