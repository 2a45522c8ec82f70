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
#include <openssl/evp.h>
#include <srtp2/srtp.h>

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

/* --srtp-keys (sim_lint_load_srtp_keys): SRTP protected here with libsrtp
 * under a known key (AES_CM_128_HMAC_SHA1_80, RFC 3711) is decrypted and
 * checked plain under that key, written plain to the twin, and every
 * packet is an srtp.auth error under another key. */
static const char key_b64[] = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";   /* RFC 4568 s.6.1's sample */

static void protected_call(cap_t *k, uint8_t plain[5][64], size_t *plain_len)
{
    static bool init;
    if (!init) {
        srtp_init();
        init = true;
    }
    uint8_t ks[30];
    EVP_DecodeBlock(ks, (const unsigned char *)key_b64, 40);
    srtp_policy_t pol;
    memset(&pol, 0, sizeof pol);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
    pol.key = ks;
    pol.ssrc.type = ssrc_any_outbound;
    srtp_t out;
    ck_assert_int_eq(srtp_create(&out, &pol), srtp_err_status_ok);
    for (int i = 0; i < 5; i++) {
        uint8_t b[128] = { 0x80, 111, 0, (uint8_t)(1 + i), 0, 0, 0, (uint8_t)(160 * i), 0x12, 0x34, 0x56, 0x78 };
        memset(b + 12, 0xA0 + i, 40);
        memcpy(plain[i], b, 52);
        int n = 52;
        ck_assert_int_eq(srtp_protect(out, b, &n), srtp_err_status_ok);
        send_dg(k, false, b, (size_t)n);
    }
    *plain_len = 52;
    srtp_dealloc(out);
}

static char *keys_file(const char *line)
{
    char *path = strdup("/tmp/test_lint_dtls.keys.XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
    close(fd);
    return path;
}

START_TEST(srtp_keys)
{
    uint8_t plain[5][64];
    size_t plen;
    char twin[] = "/tmp/test_lint_dtls.twin.XXXXXX";
    int tfd = mkstemp(twin);
    close(tfd);
    for (int wrong = 0; wrong < 2; wrong++) {
        cap_t k;
        cap_open(&k);
        protected_call(&k, plain, &plen);
        char line[200];
        snprintf(line, sizeof line, "# the sender\n10.0.0.1:5000 SRTP_AES128_CM_HMAC_SHA1_80 inline:%s\n",
                 wrong ? "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" : key_b64);
        char *kf = keys_file(line);
        char err[512];
        ck_assert_int_eq(sim_capture_close(k.c, err, sizeof err), 0);
        sim_lint_opts_t o = { .decrypt_path = twin };
        sim_lint_t *l = sim_lint_new(&o);
        ck_assert_msg(sim_lint_load_srtp_keys(l, kf, err, sizeof err) == 0, "%s", err);
        ck_assert_msg(sim_lint_file(l, k.path, err, sizeof err) == 0, "%s", err);
        ck_assert_uint_eq(sim_lint_count(l, SIM_LINT_ERROR), wrong ? 5 : 0);
        sim_lint_free(l);
        unlink(k.path);
        unlink(kf);
        free(kf);
        /* the twin: the plain packets where they were decrypted */
        sim_trace_t *t = sim_trace_open(twin, err, sizeof err);
        ck_assert_msg(t != NULL, "%s", err);
        sim_trace_dgram_t d;
        for (int i = 0; i < 5; i++) {
            ck_assert_int_eq(sim_trace_next(t, &d, err, sizeof err), 1);
            bool same = d.len == plen && memcmp(d.data, plain[i], plen) == 0;
            ck_assert_msg(same != (bool)wrong, "packet %d %s", i + 1, wrong ? "decrypted under a wrong key" : "not decrypted");
        }
        sim_trace_close(t);
    }
    unlink(twin);
}
END_TEST

START_TEST(srtp_keys_bad_lines)
{
    static const struct { const char *line, *needle; } cases[] = {
        { "10.0.0.1 SRTP_AES128_CM_HMAC_SHA1_80 x\n", "'10.0.0.1' is not an address and port" },
        { "10.0.0.1:5000 SRTP_NULL AAAA\n", "'SRTP_NULL' is not an SRTP profile" },
        { "10.0.0.1:5000 SRTP_AEAD_AES_128_GCM inline:AAAA\n", "base64 of 28 bytes" },
        { "10.0.0.1:5000\n", "not 'ADDR:PORT PROFILE [inline:]BASE64KEYSALT'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *kf = keys_file(cases[i].line);
        char err[512] = "";
        sim_lint_t *l = sim_lint_new(NULL);
        ck_assert_int_eq(sim_lint_load_srtp_keys(l, kf, err, sizeof err), -1);
        ck_assert_msg(strstr(err, cases[i].needle) && strstr(err, kf) && strstr(err, ":1:"), "'%s' lacks '%s'", err,
                      cases[i].needle);
        sim_lint_free(l);
        unlink(kf);
        free(kf);
    }
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
    tcase_add_test(tc, srtp_keys);
    tcase_add_test(tc, srtp_keys_bad_lines);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int f = srunner_ntests_failed(r);
    srunner_free(r);
    return f ? 1 : 0;
}
