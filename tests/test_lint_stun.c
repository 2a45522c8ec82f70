/*
 * test_lint_stun.c - the STUN/TURN/ICE checker of `rtcsim lint`
 * (sim/trace/lint_stun.c) on captures written here with the project's
 * writer: messages signed by libnice (an implementation other than the
 * checker's HMAC and CRC), then broken one way at a time; each finding
 * is read back from the JSON output by its code and severity.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stun/stunagent.h>
#include <stun/stunmessage.h>

#include "check/capture.h"
#include "cmd/lint.h"
#include "fixture.h"
#include "trace/lint.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define A IP(10, 0, 0, 1)
#define B IP(10, 0, 0, 2)
#define C IP(10, 0, 0, 3)
#define S IP(198, 51, 100, 1)      /* a TURN server */

/* ---- captures ---------------------------------------------------------------------- */

typedef struct cap {
    sim_capture_t *c;
    char           path[64];
} cap_t;

static void cap_open(cap_t *k)
{
    static int n;
    snprintf(k->path, sizeof k->path, "/tmp/test_lint_stun.%d.%d.pcap", (int)getpid(), n++);
    char err[256];
    k->c = sim_capture_open(k->path, err, sizeof err);
    ck_assert_msg(k->c != NULL, "%s", err);
}

static void put(cap_t *k, double t_ms, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, const uint8_t *d, size_t n)
{
    sim_pkt_t *p = calloc(1, sizeof *p + n);
    p->src_ip = src;
    p->dst_ip = dst;
    p->src_port = sp;
    p->dst_port = dp;
    p->ttl = 64;
    p->len = (uint32_t)n;
    p->cap = (uint32_t)n;
    memcpy(p->data, d, n);
    sim_capture_write(k->c, (sim_time_t)(t_ms * 1e6), p);
    free(p);
}

/* Lint the capture; the JSON output (the caller frees it). */
static char *lint(cap_t *k, const sim_lint_opts_t *o)
{
    char err[256];
    ck_assert_int_eq(sim_capture_close(k->c, err, sizeof err), 0);
    sim_lint_t *l = sim_lint_new(o);
    ck_assert_int_eq(sim_lint_file(l, k->path, err, sizeof err), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    sim_lint_write_json(l, m);
    fclose(m);
    sim_lint_free(l);
    unlink(k->path);
    return buf;
}

/* Findings with this code (and severity, if sev is not NULL). */
static int count(const char *json, const char *code, const char *sev)
{
    char key[96];
    snprintf(key, sizeof key, "\"code\":\"%s\"", code);
    int n = 0;
    for (const char *p = strstr(json, key); p; p = strstr(p + 1, key)) {
        const char *obj = p;
        while (obj > json && *obj != '{')
            obj--;
        char s[64];
        snprintf(s, sizeof s, "\"severity\":\"%s\"", sev ? sev : "");
        if (!sev || (strstr(obj, s) && strstr(obj, s) < p))
            n++;
    }
    return n;
}

static int total(const char *json, const char *sev)
{
    char key[64];
    snprintf(key, sizeof key, "\"severity\":\"%s\"", sev);
    int n = 0;
    for (const char *p = strstr(json, key); p; p = strstr(p + 1, key))
        n++;
    return n;
}

/* ---- messages, made by libnice ------------------------------------------------------- */

static StunAgent ice_agent, lt_agent, plain_agent;

static void agents(void)
{
    static const uint16_t known[] = { STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY, STUN_ATTRIBUTE_PRIORITY,
                                      STUN_ATTRIBUTE_USE_CANDIDATE, STUN_ATTRIBUTE_ICE_CONTROLLING, 0 };
    stun_agent_init(&ice_agent, known, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
    stun_agent_init(&lt_agent, known, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_LONG_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
    stun_agent_init(&plain_agent, known, STUN_COMPATIBILITY_RFC5389, STUN_AGENT_USAGE_USE_FINGERPRINT);
}

typedef struct msg {
    StunMessage m;
    uint8_t     b[1200];
    size_t      len;
} msg_t;

static void tid(msg_t *x, unsigned id)
{
    memset(x->b + 8, 0, 12);
    x->b[16] = (uint8_t)(id >> 24);
    x->b[17] = (uint8_t)(id >> 16);
    x->b[18] = (uint8_t)(id >> 8);
    x->b[19] = (uint8_t)id;
}

/* An ICE check from the agent whose ufrag is lfrag to rfrag's, signed with
 * rfrag's password. */
static void check_req(msg_t *x, unsigned id, const char *user, const char *pw, bool use_candidate)
{
    stun_agent_init_request(&ice_agent, &x->m, x->b, sizeof x->b, STUN_BINDING);
    tid(x, id);
    stun_message_append_string(&x->m, STUN_ATTRIBUTE_USERNAME, user);
    stun_message_append32(&x->m, STUN_ATTRIBUTE_PRIORITY, 0x6e0001ff);
    stun_message_append64(&x->m, STUN_ATTRIBUTE_ICE_CONTROLLING, 0x0102030405060708ull);
    if (use_candidate)
        stun_message_append_flag(&x->m, STUN_ATTRIBUTE_USE_CANDIDATE);
    x->len = stun_agent_finish_message(&ice_agent, &x->m, (const uint8_t *)pw, strlen(pw));
    ck_assert(x->len > 0);
}

static void check_resp(msg_t *x, const msg_t *req, const char *pw)
{
    msg_t r = *req;
    r.m.buffer = r.b;
    r.m.key = NULL;
    r.m.key_len = 0;
    stun_agent_init_response(&ice_agent, &x->m, x->b, sizeof x->b, &r.m);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5000), .sin_addr.s_addr = htonl(A) };
    stun_message_append_xor_addr(&x->m, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, (struct sockaddr_storage *)&sa, sizeof sa);
    x->len = stun_agent_finish_message(&ice_agent, &x->m, (const uint8_t *)pw, strlen(pw));
    ck_assert(x->len > 0);
}

/* A plain message (no integrity, FINGERPRINT), attributes added by fn. */
static void plain(msg_t *x, StunClass c, StunMethod m, unsigned id)
{
    memset(&x->m, 0, sizeof x->m);
    x->m.buffer = x->b;
    x->m.buffer_len = sizeof x->b;
    stun_message_init(&x->m, c, m, (const uint8_t[16]){ 0x21, 0x12, 0xA4, 0x42 });
    tid(x, id);
}

static void plain_finish(msg_t *x)
{
    x->len = stun_agent_finish_message(&plain_agent, &x->m, NULL, 0);
    ck_assert(x->len > 0);
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* The offset of attribute t's header in x, 0 if absent. */
static size_t attr_at(const msg_t *x, uint16_t t)
{
    for (size_t off = 20; off + 4 <= x->len; off += 4 + ((get16(x->b + off + 2) + 3u) & ~3u))
        if (get16(x->b + off) == t)
            return off;
    return 0;
}

/* Recompute a FINGERPRINT after a change (libnice's CRC, via its agent: a
 * message re-finished would move it; so by hand, as RFC 8489 s.14.7). */
static void refinger(msg_t *x)
{
    size_t off = attr_at(x, STUN_ATTRIBUTE_FINGERPRINT);
    ck_assert(off);
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < off; i++) {
        c ^= x->b[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    c = ~c ^ 0x5354554eu;
    x->b[off + 4] = (uint8_t)(c >> 24), x->b[off + 5] = (uint8_t)(c >> 16), x->b[off + 6] = (uint8_t)(c >> 8),
    x->b[off + 7] = (uint8_t)c;
}

static const sim_lint_cred_t ice_creds[] = {
    { .turn = false, .user = "RFRAG", .password = "rpassword-0123456789" },
    { .turn = false, .user = "LFRAG", .password = "lpassword-0123456789" },
};
static const sim_lint_opts_t with_creds = { .creds = ice_creds, .ncreds = 2 };

/* A checks B (B's ufrag RFRAG, password rpassword...), B answers. */
static void exchange(cap_t *k, double t, unsigned id, const char *req_pw, const char *resp_pw)
{
    msg_t q, r;
    check_req(&q, id, "RFRAG:LFRAG", req_pw, false);
    check_resp(&r, &q, resp_pw);
    put(k, t, A, 5000, B, 6000, q.b, q.len);
    put(k, t + 10, B, 6000, A, 5000, r.b, r.len);
}

/* ---- tests ------------------------------------------------------------------------- */

START_TEST(clean_check_verifies)
{
    cap_t k;
    cap_open(&k);
    exchange(&k, 0, 1, "rpassword-0123456789", "rpassword-0123456789");
    char *j = lint(&k, &with_creds);
    ck_assert_int_eq(total(j, "error"), 0);
    ck_assert_int_eq(total(j, "warning"), 0);
    ck_assert_int_eq(count(j, "stun.integrity-unchecked", NULL), 0);
    free(j);
}
END_TEST

START_TEST(integrity_wrong_key)
{
    cap_t k;
    cap_open(&k);
    exchange(&k, 0, 1, "not-the-password", "rpassword-0123456789");   /* request bad */
    exchange(&k, 100, 2, "rpassword-0123456789", "lpassword-0123456789");   /* response bad */
    char *j = lint(&k, &with_creds);
    ck_assert_int_eq(count(j, "stun.integrity", "error"), 2);
    ck_assert_ptr_nonnull(strstr(j, "ice ufrag RFRAG"));
    free(j);
}
END_TEST

START_TEST(integrity_unchecked_without_creds)
{
    cap_t k;
    cap_open(&k);
    exchange(&k, 0, 1, "x", "y");
    exchange(&k, 100, 2, "x", "y");
    char *j = lint(&k, NULL);
    ck_assert_int_eq(count(j, "stun.integrity-unchecked", "info"), 1);    /* once per flow */
    ck_assert_int_eq(total(j, "error"), 0);
    free(j);
}
END_TEST

START_TEST(integrity_long_term)
{
    /* key = MD5("user:example.org:secret"), computed by libnice */
    cap_t k;
    cap_open(&k);
    for (int bad = 0; bad < 2; bad++) {
        msg_t x;
        stun_agent_init_request(&lt_agent, &x.m, x.b, sizeof x.b, STUN_ALLOCATE);
        tid(&x, 10u + (unsigned)bad);
        stun_message_append32(&x.m, STUN_ATTRIBUTE_REQUESTED_TRANSPORT, 17u << 24);
        stun_message_append_string(&x.m, STUN_ATTRIBUTE_USERNAME, "user");
        stun_message_append_string(&x.m, STUN_ATTRIBUTE_REALM, "example.org");
        stun_message_append_string(&x.m, STUN_ATTRIBUTE_NONCE, "nonce123");
        const char *pw = bad ? "wrong" : "secret";
        x.len = stun_agent_finish_message(&lt_agent, &x.m, (const uint8_t *)pw, strlen(pw));
        ck_assert(x.len > 0);
        put(&k, 1000.0 * bad, A, 5000, S, 3478, x.b, x.len);
    }
    sim_lint_cred_t c;
    char err[128];
    ck_assert_int_eq(sim_lint_cred_parse("turn user example.org secret", &c, err, sizeof err), 1);
    sim_lint_opts_t o = { .creds = &c, .ncreds = 1 };
    char *j = lint(&k, &o);
    ck_assert_int_eq(count(j, "stun.integrity", "error"), 1);
    ck_assert_ptr_nonnull(strstr(j, "turn user realm example.org"));
    ck_assert_int_eq(count(j, "turn.allocate", NULL), 0);
    free(j);
}
END_TEST

/* RFC 5769's vectors: s.2.1's request and s.2.2's response (short-term,
 * ufrag "evtj"), s.2.4's long-term request (its password after SASLprep;
 * the lint applies none); then each with a bit of MESSAGE-INTEGRITY
 * flipped. */
START_TEST(rfc5769_vectors)
{
    for (int bad = 0; bad < 2; bad++) {
        cap_t k;
        cap_open(&k);
        uint8_t b[300];
        size_t n = fx_unhex(RFC5769_REQUEST, b);
        if (bad)
            b[n - 8 - 1] ^= 1, b[n - 1] = b[n - 1];    /* the MI's last byte; FINGERPRINT redone below */
        if (bad) {
            msg_t x = { .len = n };
            memcpy(x.b, b, n);
            refinger(&x);
            memcpy(b, x.b, n);
        }
        put(&k, 0, A, 5000, B, 6000, b, n);
        n = fx_unhex(RFC5769_RESPONSE_V4, b);
        put(&k, 10, B, 6000, A, 5000, b, n);
        n = fx_unhex(RFC5769_LONG_TERM, b);
        if (bad)
            b[n - 1] ^= 1;
        put(&k, 20, A, 5001, S, 3478, b, n);
        sim_lint_cred_t c[2];
        char err[128];
        ck_assert_int_eq(sim_lint_cred_parse("ice evtj VOkJxbRl1RmTxUk/WvJxBt", &c[0], err, sizeof err), 1);
        ck_assert_int_eq(sim_lint_cred_parse("turn \xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9 "
                                             "example.org TheMatrIX", &c[1], err, sizeof err), 1);
        sim_lint_opts_t o = { .creds = c, .ncreds = 2 };
        char *j = lint(&k, &o);
        ck_assert_int_eq(count(j, "stun.integrity", "error"), bad ? 2 : 0);
        ck_assert_int_eq(count(j, "stun.fingerprint", NULL), 0);
        ck_assert_int_eq(count(j, "stun.integrity-unchecked", NULL), 0);
        ck_assert_int_eq(count(j, "stun.unmatched", NULL), 0);
        free(j);
    }
}
END_TEST

/* MESSAGE-INTEGRITY-SHA256 (RFC 8489 s.14.6), made here: HMAC-SHA256 over
 * the message up to it, the length field counting it, truncated to 24. */
START_TEST(integrity_sha256)
{
    for (int bad = 0; bad < 2; bad++) {
        cap_t k;
        cap_open(&k);
        msg_t x;
        plain(&x, STUN_REQUEST, STUN_BINDING, 1);
        stun_message_append_string(&x.m, STUN_ATTRIBUTE_USERNAME, "RFRAG:LFRAG");
        size_t off = stun_message_length(&x.m);
        x.b[2] = (uint8_t)((off + 28 - 20) >> 8), x.b[3] = (uint8_t)(off + 28 - 20);
        uint8_t mac[32];
        unsigned ml;
        const char *pw = bad ? "wrong" : "rpassword-0123456789";
        HMAC(EVP_sha256(), pw, (int)strlen(pw), x.b, off, mac, &ml);
        memcpy(x.b + off, "\x00\x1c\x00\x18", 4);
        memcpy(x.b + off + 4, mac, 24);
        x.len = off + 28;
        put(&k, 0, A, 5000, B, 6000, x.b, x.len);
        char *j = lint(&k, &with_creds);
        ck_assert_int_eq(count(j, "stun.integrity", "error"), bad);
        ck_assert_int_eq(count(j, "stun.attr-length", NULL), 0);
        free(j);
    }
}
END_TEST

START_TEST(fingerprint_bad_and_not_last)
{
    cap_t k;
    cap_open(&k);
    msg_t q;
    check_req(&q, 1, "RFRAG:LFRAG", "rpassword-0123456789", false);
    q.b[q.len - 1] ^= 1;                    /* the CRC's last bit */
    put(&k, 0, A, 5000, B, 6000, q.b, q.len);
    /* an attribute after FINGERPRINT */
    msg_t p;
    plain(&p, STUN_INDICATION, STUN_BINDING, 2);
    plain_finish(&p);
    memcpy(p.b + p.len, "\x80\x22\x00\x04test", 8);     /* SOFTWARE */
    p.len += 8;
    p.b[3] = (uint8_t)(p.len - 20);
    put(&k, 100, A, 5000, B, 6000, p.b, p.len);
    char *j = lint(&k, NULL);
    ck_assert_int_eq(count(j, "stun.fingerprint", "error"), 2);
    free(j);
}
END_TEST

START_TEST(attribute_lengths_and_values)
{
    cap_t k;
    cap_open(&k);
    msg_t x;
    /* PRIORITY of 8 bytes */
    plain(&x, STUN_INDICATION, STUN_BINDING, 1);
    stun_message_append64(&x.m, STUN_ATTRIBUTE_PRIORITY, 1);
    plain_finish(&x);
    put(&k, 0, A, 5000, B, 6000, x.b, x.len);
    /* an ERROR-CODE of class 7 in an error response */
    plain(&x, STUN_ERROR, STUN_BINDING, 2);
    stun_message_append_bytes(&x.m, STUN_ATTRIBUTE_ERROR_CODE, "\x00\x00\x07\x01", 4);
    plain_finish(&x);
    put(&k, 100, A, 5000, B, 6000, x.b, x.len);
    /* XOR-MAPPED-ADDRESS family 3 */
    plain(&x, STUN_INDICATION, STUN_BINDING, 3);
    stun_message_append_bytes(&x.m, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, "\x00\x03\x00\x01\x01\x02\x03\x04", 8);
    plain_finish(&x);
    put(&k, 200, A, 5000, B, 6000, x.b, x.len);
    /* XOR-PEER-ADDRESS: IPv4 in 20 bytes */
    plain(&x, STUN_INDICATION, STUN_BINDING, 6);
    stun_message_append_bytes(&x.m, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, "\x00\x01\x00\x01\x01\x02\x03\x04"
                              "\0\0\0\0\0\0\0\0\0\0\0\0", 20);
    plain_finish(&x);
    put(&k, 250, A, 5000, B, 6000, x.b, x.len);
    /* MESSAGE-INTEGRITY-SHA256 of 12 bytes, then a message length not a multiple of 4 */
    plain(&x, STUN_INDICATION, STUN_BINDING, 4);
    stun_message_append_bytes(&x.m, 0x001C, "0123456789ab", 12);
    x.len = stun_message_length(&x.m);
    put(&k, 300, A, 5000, B, 6000, x.b, x.len);
    plain(&x, STUN_INDICATION, STUN_BINDING, 5);
    stun_message_append_bytes(&x.m, STUN_ATTRIBUTE_SOFTWARE, "abc", 3);
    x.len = 20 + 7;
    x.b[3] = 7;
    put(&k, 400, A, 5000, B, 6000, x.b, x.len);
    char *j = lint(&k, NULL);
    ck_assert_int_eq(count(j, "stun.attr-length", "error"), 3);
    ck_assert_int_eq(count(j, "stun.attr-value", "error"), 2);
    ck_assert_int_eq(count(j, "stun.length", "error"), 1);
    free(j);
}
END_TEST

START_TEST(duplicate_and_after_integrity)
{
    cap_t k;
    cap_open(&k);
    msg_t x;
    plain(&x, STUN_INDICATION, STUN_BINDING, 1);
    stun_message_append32(&x.m, STUN_ATTRIBUTE_PRIORITY, 1);
    stun_message_append32(&x.m, STUN_ATTRIBUTE_PRIORITY, 2);
    plain_finish(&x);
    put(&k, 0, A, 5000, B, 6000, x.b, x.len);
    /* SOFTWARE after MESSAGE-INTEGRITY, FINGERPRINT redone */
    msg_t q;
    check_req(&q, 2, "RFRAG:LFRAG", "rpassword-0123456789", false);
    size_t fp = attr_at(&q, STUN_ATTRIBUTE_FINGERPRINT);
    memcpy(q.b + fp + 8, q.b + fp, 8);
    memcpy(q.b + fp, "\x80\x22\x00\x04test", 8);
    q.len += 8;
    q.b[3] = (uint8_t)(q.len - 20);
    refinger(&q);
    put(&k, 100, A, 5000, B, 6000, q.b, q.len);
    char *j = lint(&k, NULL);
    ck_assert_int_eq(count(j, "stun.duplicate", "warning"), 1);
    ck_assert_int_eq(count(j, "stun.attr-order", "warning"), 1);
    ck_assert_int_eq(count(j, "stun.fingerprint", NULL), 0);
    free(j);
}
END_TEST

START_TEST(transactions)
{
    cap_t k;
    cap_open(&k);
    msg_t q, r;
    /* answered: nothing; a response early with no request: info */
    exchange(&k, 0, 1, "p", "p");
    check_req(&q, 99, "RFRAG:LFRAG", "p", false);
    check_resp(&r, &q, "p");
    put(&k, 20, B, 6000, A, 5000, r.b, r.len);
    /* late, the same: warning */
    tid(&r, 98);
    put(&k, 60000, B, 6000, A, 5000, r.b, r.len);
    /* a Binding request answered by an Allocate success: error */
    plain(&q, STUN_REQUEST, STUN_BINDING, 7);
    plain_finish(&q);
    plain(&r, STUN_RESPONSE, STUN_ALLOCATE, 7);
    plain_finish(&r);
    put(&k, 60100, A, 5000, B, 6000, q.b, q.len);
    put(&k, 60110, B, 6000, A, 5000, r.b, r.len);
    /* a Binding success without XOR-MAPPED-ADDRESS: error */
    plain(&q, STUN_REQUEST, STUN_BINDING, 10);
    plain_finish(&q);
    plain(&r, STUN_RESPONSE, STUN_BINDING, 10);
    plain_finish(&r);
    put(&k, 60150, A, 5000, B, 6000, q.b, q.len);
    put(&k, 60160, B, 6000, A, 5000, r.b, r.len);
    /* never answered: one info at the end */
    plain(&q, STUN_REQUEST, STUN_BINDING, 8);
    plain_finish(&q);
    put(&k, 60200, A, 5000, B, 6000, q.b, q.len);
    plain(&q, STUN_REQUEST, STUN_BINDING, 9);
    plain_finish(&q);
    put(&k, 60300, A, 5000, B, 6000, q.b, q.len);
    char *j = lint(&k, NULL);
    ck_assert_int_eq(count(j, "stun.unmatched", "info"), 1);
    ck_assert_int_eq(count(j, "stun.unmatched", "warning"), 1);
    ck_assert_int_eq(count(j, "stun.method-mismatch", "error"), 1);
    ck_assert_int_eq(count(j, "stun.attr-missing", "error"), 1);
    ck_assert_int_eq(count(j, "stun.unanswered", "info"), 1);
    ck_assert_ptr_nonnull(strstr(j, "2 requests never answered"));
    free(j);
}
END_TEST

/* One request sent at these times (ms), never answered. */
static char *retransmit(const double *t, size_t n)
{
    cap_t k;
    cap_open(&k);
    msg_t q;
    plain(&q, STUN_REQUEST, STUN_BINDING, 1);
    plain_finish(&q);
    for (size_t i = 0; i < n; i++)
        put(&k, t[i], A, 5000, S, 3478, q.b, q.len);
    return lint(&k, NULL);
}

START_TEST(retransmissions)
{
    static const double good[] = { 0, 500, 1500, 3500, 7500, 15500, 31500 };
    char *j = retransmit(good, 7);
    ck_assert_int_eq(count(j, "stun.rto", NULL) + count(j, "stun.rc", NULL), 0);
    free(j);
    static const double early[] = { 0, 200, 600 };
    j = retransmit(early, 3);
    ck_assert_int_eq(count(j, "stun.rto", "warning"), 1);
    free(j);
    static const double flat[] = { 0, 500, 1000, 1500 };
    j = retransmit(flat, 4);
    ck_assert_int_eq(count(j, "stun.rto", "warning"), 2);
    free(j);
    static const double many[] = { 0, 500, 1500, 3500, 7500, 15500, 31500, 63500 };
    j = retransmit(many, 8);
    ck_assert_int_eq(count(j, "stun.rc", "warning"), 1);
    ck_assert_int_eq(count(j, "stun.rto", NULL), 0);
    free(j);
}
END_TEST

/* A's new checks at these times; B answers after `wait` ms, and has A answer
 * one of its checks after `turn` ms. */
static char *pace(const double *t, size_t n, double wait, double turn)
{
    cap_t k;
    cap_open(&k);
    msg_t q, r;
    /* first, on the flows A-B and A-C: each peer's check that A answers,
     * A's that each peer answers, 50 ms apart */
    for (unsigned i = 0; i < 2; i++) {
        uint32_t peer = i ? C : B;
        check_req(&q, 500 + i, "LFRAG:RFRAG", "p", false);
        check_resp(&r, &q, "p");
        put(&k, 0, peer, 6000, A, 5000, q.b, q.len);
        put(&k, turn, A, 5000, peer, 6000, r.b, r.len);
        check_req(&q, 600 + i, "RFRAG:LFRAG", "p", false);
        check_resp(&r, &q, "p");
        put(&k, 50.0 * i, A, 5000, peer, 6000, q.b, q.len);
        put(&k, 50.0 * i + wait, peer, 6000, A, 5000, r.b, r.len);
    }
    /* then A's checks, to B and C in turn */
    for (size_t i = 0; i < n; i++) {
        uint32_t peer = i % 2 ? C : B;
        check_req(&q, 1 + (unsigned)i, "RFRAG:LFRAG", "p", false);
        check_resp(&r, &q, "p");
        put(&k, 200 + t[i], A, 5000, peer, 6000, q.b, q.len);
        put(&k, 200 + t[i] + wait, peer, 6000, A, 5000, r.b, r.len);
    }
    return lint(&k, NULL);
}

START_TEST(ice_pacing)
{
    /* captured at A: its answers take 0.1 ms, its checks 20 ms */
    static const double fast[] = { 0, 2, 60 };
    char *j = pace(fast, 3, 20, 0.1);
    ck_assert_int_eq(count(j, "ice.pacing", "error"), 1);
    free(j);
    /* captured far from A (its answers take as long as its checks'): info */
    j = pace(fast, 3, 20, 20);
    ck_assert_int_eq(count(j, "ice.pacing", "error"), 0);
    ck_assert_int_eq(count(j, "ice.pacing", "info"), 1);
    free(j);
    /* 20 ms apart: below Ta's default, once per address */
    static const double ta[] = { 0, 20, 40, 100 };
    j = pace(ta, 4, 20, 0.1);
    ck_assert_int_eq(count(j, "ice.pacing", NULL), 0);
    ck_assert_int_eq(count(j, "ice.ta", "info"), 1);
    free(j);
    static const double paced[] = { 0, 50, 100 };
    j = pace(paced, 3, 20, 0.1);
    ck_assert_int_eq(count(j, "ice.pacing", NULL) + count(j, "ice.ta", NULL), 0);
    free(j);
}
END_TEST

/* A nominates (USE-CANDIDATE, answered at 10 ms), then checks at these
 * times (s). */
static char *consent(const double *t, size_t n)
{
    cap_t k;
    cap_open(&k);
    msg_t q, r;
    check_req(&q, 1, "RFRAG:LFRAG", "p", true);
    check_resp(&r, &q, "p");
    put(&k, 0, A, 5000, B, 6000, q.b, q.len);
    put(&k, 10, B, 6000, A, 5000, r.b, r.len);
    for (size_t i = 0; i < n; i++) {
        check_req(&q, 2 + (unsigned)i, "RFRAG:LFRAG", "p", false);
        check_resp(&r, &q, "p");
        put(&k, t[i] * 1000, A, 5000, B, 6000, q.b, q.len);
        put(&k, t[i] * 1000 + 10, B, 6000, A, 5000, r.b, r.len);
    }
    return lint(&k, NULL);
}

START_TEST(consent_intervals)
{
    static const double good[] = { 4.5, 9.8, 14.7, 20.5, 25.0 };
    char *j = consent(good, 5);
    ck_assert_int_eq(count(j, "ice.consent", NULL) + count(j, "ice.consent-random", NULL), 0);
    free(j);
    static const double quick[] = { 5, 8, 13.2 };
    j = consent(quick, 3);
    ck_assert_int_eq(count(j, "ice.consent", "error"), 1);
    free(j);
    static const double fixed[] = { 5, 10, 15, 20, 25 };
    j = consent(fixed, 5);
    ck_assert_int_eq(count(j, "ice.consent-random", "error"), 1);
    free(j);
    /* an ICE restart (new ufrags) starts over: its checks are not consent's */
    cap_t k;
    cap_open(&k);
    msg_t q, r;
    check_req(&q, 1, "RFRAG:LFRAG", "p", true);
    check_resp(&r, &q, "p");
    put(&k, 0, A, 5000, B, 6000, q.b, q.len);
    put(&k, 10, B, 6000, A, 5000, r.b, r.len);
    check_req(&q, 2, "RFRAG:LFRAG", "p", false);
    put(&k, 5000, A, 5000, B, 6000, q.b, q.len);
    check_req(&q, 3, "RFRAG2:LFRAG2", "p", false);
    put(&k, 6000, A, 5000, B, 6000, q.b, q.len);
    check_req(&q, 4, "RFRAG2:LFRAG2", "p", false);
    put(&k, 6100, A, 5000, B, 6000, q.b, q.len);
    j = lint(&k, NULL);
    ck_assert_int_eq(count(j, "ice.consent", NULL), 0);
    free(j);
}
END_TEST

START_TEST(turn_requests_and_indications)
{
    cap_t k;
    cap_open(&k);
    msg_t x;
    plain(&x, STUN_REQUEST, STUN_ALLOCATE, 1);              /* no REQUESTED-TRANSPORT */
    plain_finish(&x);
    put(&k, 0, A, 5000, S, 3478, x.b, x.len);
    plain(&x, STUN_ERROR, STUN_ALLOCATE, 1);                /* 401 without NONCE */
    stun_message_append_error(&x.m, STUN_ERROR_UNAUTHORIZED);
    stun_message_append_string(&x.m, STUN_ATTRIBUTE_REALM, "example.org");
    plain_finish(&x);
    put(&k, 10, S, 3478, A, 5000, x.b, x.len);
    plain(&x, STUN_REQUEST, STUN_CREATEPERMISSION, 2);      /* no XOR-PEER-ADDRESS */
    plain_finish(&x);
    put(&k, 100, A, 5000, S, 3478, x.b, x.len);
    plain(&x, STUN_REQUEST, STUN_CHANNELBIND, 3);           /* channel 0x3000 */
    stun_message_append32(&x.m, STUN_ATTRIBUTE_CHANNEL_NUMBER, 0x30000000u);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(7000), .sin_addr.s_addr = htonl(B) };
    stun_message_append_xor_addr(&x.m, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, (struct sockaddr_storage *)&sa, sizeof sa);
    plain_finish(&x);
    put(&k, 200, A, 5000, S, 3478, x.b, x.len);
    plain(&x, STUN_INDICATION, (StunMethod)0x006, 4);       /* Send without DATA */
    stun_message_append_xor_addr(&x.m, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, (struct sockaddr_storage *)&sa, sizeof sa);
    plain_finish(&x);
    put(&k, 300, A, 5000, S, 3478, x.b, x.len);
    /* ChannelData on 0x4001, never bound, carrying RTP */
    uint8_t cd[4 + 12] = { 0x40, 0x01, 0x00, 12, 0x80, 0x00, 0x00, 0x01 };
    put(&k, 400, A, 5000, S, 3478, cd, sizeof cd);
    char *j = lint(&k, NULL);
    ck_assert_int_eq(count(j, "turn.allocate", "error"), 1);
    ck_assert_int_eq(count(j, "turn.auth", "error"), 1);
    ck_assert_int_eq(count(j, "turn.permission", "error"), 1);
    ck_assert_int_eq(count(j, "turn.channel", "error"), 1);
    ck_assert_int_eq(count(j, "turn.indication", "error"), 1);
    ck_assert_int_eq(count(j, "turn.channel-unbound", "info"), 1);
    free(j);
}
END_TEST

START_TEST(rfc3489_and_length)
{
    cap_t k;
    cap_open(&k);
    /* RFC 3489 Binding request: no cookie, one CHANGE-REQUEST */
    uint8_t old[28] = { 0x00, 0x01, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                        0x00, 0x03, 0x00, 0x04, 0, 0, 0, 0 };
    put(&k, 0, A, 5000, S, 3478, old, sizeof old);
    put(&k, 10, A, 5000, S, 3478, old, sizeof old);
    /* the cookie, a length that is not the datagram's */
    msg_t x;
    plain(&x, STUN_REQUEST, STUN_BINDING, 1);
    plain_finish(&x);
    x.b[x.len++] = 0;
    x.b[x.len++] = 0;
    x.b[x.len++] = 0;
    x.b[x.len++] = 0;
    put(&k, 20, A, 5000, S, 3478, x.b, x.len);
    char *j = lint(&k, NULL);
    ck_assert_int_eq(count(j, "stun.rfc3489", "info"), 1);
    ck_assert_int_eq(count(j, "stun.length", "error"), 1);
    free(j);
}
END_TEST

START_TEST(open_transactions_bounded)
{
    /* 70 requests never answered: 64 kept; then, a minute on, the answer
     * to the first, whose request was dropped: info, not a warning */
    cap_t k;
    cap_open(&k);
    msg_t q, r;
    for (unsigned i = 0; i < 70; i++) {
        plain(&q, STUN_REQUEST, STUN_BINDING, 100 + i);
        plain_finish(&q);
        put(&k, i, A, 5000, S, 3478, q.b, q.len);
    }
    plain(&r, STUN_RESPONSE, STUN_BINDING, 100);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5000), .sin_addr.s_addr = htonl(A) };
    stun_message_append_xor_addr(&r.m, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, (struct sockaddr_storage *)&sa, sizeof sa);
    plain_finish(&r);
    put(&k, 60000, S, 3478, A, 5000, r.b, r.len);
    char *j = lint(&k, NULL);
    ck_assert_int_eq(count(j, "stun.unmatched", "info"), 1);
    ck_assert_int_eq(count(j, "stun.unmatched", "warning"), 0);
    ck_assert_ptr_nonnull(strstr(j, "64 requests never answered"));
    ck_assert_ptr_nonnull(strstr(j, "more were dropped"));
    free(j);
}
END_TEST

START_TEST(hostile_bytes)
{
    /* STUN-shaped datagrams of random attributes: whatever they say, the
     * checker reads within them (run under make asan) */
    cap_t k;
    cap_open(&k);
    uint32_t s = 12345;
    for (int i = 0; i < 3000; i++) {
        uint8_t d[200];
        size_t n = 20 + 4 * (size_t)(i % 45);
        for (size_t b = 0; b < n; b++) {
            s ^= s << 13, s ^= s >> 17, s ^= s << 5;
            d[b] = (uint8_t)s;
        }
        d[0] &= 0x01;
        d[2] = (uint8_t)((n - 20) >> 8), d[3] = (uint8_t)(n - 20);
        d[4] = 0x21, d[5] = 0x12, d[6] = 0xA4, d[7] = 0x42;
        if (i % 3 == 0 && n >= 28) {            /* a plausible first attribute */
            d[20] = 0x80, d[21] = 0x28, d[22] = 0, d[23] = (uint8_t)(i % 9);
        }
        put(&k, i, A, (uint16_t)(5000 + i % 7), B, 6000, d, n);
    }
    char *j = lint(&k, &with_creds);
    ck_assert_ptr_nonnull(strstr(j, "\"stun\":3000"));
    free(j);
}
END_TEST

START_TEST(credentials_parse)
{
    sim_lint_cred_t c;
    char err[256];
    ck_assert_int_eq(sim_lint_cred_parse("ice abc pw", &c, err, sizeof err), 1);
    ck_assert(!c.turn);
    ck_assert_str_eq(c.user, "abc");
    ck_assert_str_eq(c.password, "pw");
    ck_assert_int_eq(sim_lint_cred_parse("turn u r p  # a comment", &c, err, sizeof err), 1);
    ck_assert(c.turn);
    ck_assert_str_eq(c.realm, "r");
    ck_assert_int_eq(sim_lint_cred_parse("   # comment", &c, err, sizeof err), 0);
    ck_assert_int_eq(sim_lint_cred_parse("", &c, err, sizeof err), 0);
    ck_assert_int_eq(sim_lint_cred_parse("ice abc", &c, err, sizeof err), -1);
    ck_assert_int_eq(sim_lint_cred_parse("turn u r", &c, err, sizeof err), -1);
    ck_assert_int_eq(sim_lint_cred_parse("ice a b c", &c, err, sizeof err), -1);
    ck_assert_int_eq(sim_lint_cred_parse("sip a b", &c, err, sizeof err), -1);

    /* the command: a bad line names the file and the line, exit 2 */
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_lint_stun.%d.creds", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("# mine\nice RFRAG pw\nturn only-two fields\n", f);
    fclose(f);
    char *ob = NULL, *eb = NULL;
    size_t ol, el;
    FILE *out = open_memstream(&ob, &ol), *errf = open_memstream(&eb, &el);
    char *argv[] = { "--credentials", path, "/nonexistent.pcap", NULL };
    ck_assert_int_eq(sim_cmd_lint(3, argv, out, errf), 2);
    fclose(out);
    fclose(errf);
    char want[128];
    snprintf(want, sizeof want, "%s:3:", path);
    ck_assert_msg(strstr(eb, want) != NULL, "%s", eb);
    free(ob);
    free(eb);
    unlink(path);
}
END_TEST

int main(void)
{
    agents();
    Suite *s = suite_create("lint_stun");
    TCase *t = tcase_create("stun");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, clean_check_verifies);
    tcase_add_test(t, integrity_wrong_key);
    tcase_add_test(t, integrity_unchecked_without_creds);
    tcase_add_test(t, integrity_long_term);
    tcase_add_test(t, rfc5769_vectors);
    tcase_add_test(t, integrity_sha256);
    tcase_add_test(t, fingerprint_bad_and_not_last);
    tcase_add_test(t, attribute_lengths_and_values);
    tcase_add_test(t, duplicate_and_after_integrity);
    tcase_add_test(t, transactions);
    tcase_add_test(t, retransmissions);
    tcase_add_test(t, ice_pacing);
    tcase_add_test(t, consent_intervals);
    tcase_add_test(t, turn_requests_and_indications);
    tcase_add_test(t, rfc3489_and_length);
    tcase_add_test(t, open_transactions_bounded);
    tcase_add_test(t, hostile_bytes);
    tcase_add_test(t, credentials_parse);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
