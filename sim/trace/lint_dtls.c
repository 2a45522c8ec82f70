/*
 * lint_dtls.c - the DTLS checker of rtcsim lint (lint.h): record headers,
 * epochs and lengths (RFC 6347 s.4.1), the handshake's hellos (RFC 5246
 * s.7.4.1, RFC 6347 s.4.2.2) with use_srtp (RFC 5764 s.4.1), and, given
 * an NSS key log with the session's master secret, the SRTP keys (RFC
 * 5764 s.4.2: the exporter of RFC 5705 s.4 with the label
 * "EXTRACTOR-dtls_srtp"), handed to the core so that SRTP and SRTCP on the
 * flow are authenticated and decrypted (lint.h: sim_lint_flow_srtp).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "trace/lint.h"

#define HS_MAX 8192             /* a hello reassembled from fragments; larger ones are not needed */

typedef struct dir_state {
    bool     seen;
    uint16_t epoch;             /* the highest seen */
    uint64_t last_seq;          /* in that epoch */
    bool     ccs;               /* sent ChangeCipherSpec */
} dir_state_t;

typedef struct dtls_state {
    dir_state_t dir[2];         /* sent by flow->a, by flow->b */
    bool        have_client_random, have_server_random, client_is_a, keyed, key_missing_said;
    uint8_t     client_random[32], server_random[32];
    uint16_t    version, suite, profile;
    uint16_t    offered[16];
    size_t      noffered;
    bool        offered_srtp;
    /* the hello being reassembled (RFC 6347 s.4.2.3) */
    uint8_t     hs_type;
    uint16_t    hs_seq;
    uint32_t    hs_len, hs_have;
    bool        hs_from_a, hs_active;
    uint8_t     hs[HS_MAX];
} dtls_state_t;

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be24(const uint8_t *p) { return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]; }
static uint64_t be48(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 6; i++)
        v = v << 8 | p[i];
    return v;
}

static void dtls_free(sim_lint_flow_t *f, void *st)
{
    (void)f;
    free(st);
}

/* SRTP protection profiles (RFC 5764 s.4.1.2, RFC 7714 s.14.2). */
static const char *profile_name(uint16_t p)
{
    switch (p) {
    case 0x0001: return "SRTP_AES128_CM_HMAC_SHA1_80";
    case 0x0002: return "SRTP_AES128_CM_HMAC_SHA1_32";
    case 0x0007: return "SRTP_AEAD_AES_128_GCM";
    case 0x0008: return "SRTP_AEAD_AES_256_GCM";
    default: return NULL;
    }
}

/* The PRF's hash (RFC 5246 s.5: SHA-256 unless the suite says; the
 * *_SHA384 suites of RFC 5289; DTLS 1.0's is TLS 1.0's MD5+SHA-1, RFC
 * 2246 s.5). */
static const char *prf_digest(uint16_t version, uint16_t suite)
{
    if (version == 0xFEFF)
        return "MD5-SHA1";
    switch (suite) {
    case 0x009D: case 0x009F: case 0x00A3: case 0x00A5: case 0x00A7: case 0x00AB: case 0x00AD:
    case 0xC024: case 0xC028: case 0xC02C: case 0xC030: case 0xC032: case 0xC02E: case 0xC02A:
    case 0xC0AD: case 0xC0AF:
        return "SHA384";
    default:
        return "SHA256";
    }
}

static bool exporter(const char *digest, const uint8_t *ms, const uint8_t *crand, const uint8_t *srand,
                     uint8_t *out, size_t outlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    if (!kdf)
        return false;
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (!ctx)
        return false;
    static const char label[] = "EXTRACTOR-dtls_srtp";
    uint8_t seed[sizeof label - 1 + 64];
    memcpy(seed, label, sizeof label - 1);
    memcpy(seed + sizeof label - 1, crand, 32);
    memcpy(seed + sizeof label - 1 + 32, srand, 32);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)ms, 48),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed),
        OSSL_PARAM_construct_end(),
    };
    bool ok = EVP_KDF_derive(ctx, out, outlen, params) > 0;
    EVP_KDF_CTX_free(ctx);
    return ok;
}

static void try_keys(sim_lint_t *l, const sim_lint_pkt_t *p, dtls_state_t *s)
{
    if (s->keyed || !s->have_client_random || !s->have_server_random || !s->profile)
        return;
    const char *name = profile_name(s->profile);
    if (!name)
        return;
    const uint8_t *ms = sim_lint_master_secret(l, s->client_random);
    if (!ms) {
        if (sim_lint_has_keylog(l) && !s->key_missing_said) {
            s->key_missing_said = true;
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 5764 s.4.2", "dtls.no-key",
                            "the key log has no master secret for this handshake's client random: its "
                            "SRTP is not decrypted");
        }
        return;
    }
    uint8_t km[2 * (32 + 14)];
    size_t key = s->profile == 0x0008 ? 32 : 16, salt = s->profile >= 0x0007 ? 12 : 14;
    if (!exporter(prf_digest(s->version, s->suite), ms, s->client_random, s->server_random, km,
                  2 * (key + salt)))
        return;
    s->keyed = true;
    sim_lint_flow_srtp(l, p->flow, name, s->client_is_a, km, 2 * (key + salt));
}

/* A complete ClientHello or ServerHello body (RFC 5246 s.7.4.1.2-3). */
static void hello(sim_lint_t *l, const sim_lint_pkt_t *p, dtls_state_t *s, uint8_t type, const uint8_t *b,
                  size_t n, bool from_a)
{
    /* version(2) random(32) session_id<0..32> [cookie<0..255>] suites|suite compression(s) exts */
    if (n < 35)
        goto short_;
    size_t o = 34;
    if (b[o] > 32) {
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 5246 s.7.4.1.2", "dtls.hello.session-id",
                        "a session_id of %u bytes (at most 32)", b[o]);
        return;
    }
    o += 1 + b[o];
    if (type == 1) {
        if (o + 1 > n)
            goto short_;
        o += 1 + b[o];                     /* RFC 6347 s.4.2.1: the cookie */
        if (o + 2 > n)
            goto short_;
        size_t sl = be16(b + o);
        if (sl < 2 || sl % 2 || o + 2 + sl > n)
            goto short_;
        o += 2 + sl;
        if (o + 1 > n)
            goto short_;
        o += 1 + b[o];
        memcpy(s->client_random, b + 2, 32);
        s->have_client_random = true;
        s->client_is_a = from_a;
    } else {
        if (o + 3 > n)
            goto short_;
        s->suite = be16(b + o);
        s->version = be16(b);
        o += 3;
        memcpy(s->server_random, b + 2, 32);
        s->have_server_random = true;
    }
    if (o == n)
        return;                            /* no extensions */
    if (o + 2 > n)
        goto short_;
    size_t el = be16(b + o);
    o += 2;
    if (o + el != n)
        goto short_;
    while (o + 4 <= n) {
        uint16_t et = be16(b + o), len = be16(b + o + 2);
        o += 4;
        if (o + len > n)
            goto short_;
        if (et == 14 && len >= 2) {        /* use_srtp, RFC 5764 s.4.1.1 */
            size_t pl = be16(b + o);
            if (pl % 2 || 2 + pl + 1 > len) {
                sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 5764 s.4.1.1", "dtls.use-srtp",
                                "a use_srtp extension whose profile list does not hold together");
            } else if (type == 1) {
                s->offered_srtp = true;
                s->noffered = 0;
                for (size_t i = 0; i < pl / 2 && s->noffered < 16; i++)
                    s->offered[s->noffered++] = be16(b + o + 2 + 2 * i);
            } else {
                /* the server answers with exactly one of the client's */
                if (pl != 2)
                    sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 5764 s.4.1.1", "dtls.use-srtp.server",
                                    "the ServerHello's use_srtp lists %zu profiles (it MUST list one)", pl / 2);
                else
                    s->profile = be16(b + o + 2);
                bool offered = false;
                for (size_t i = 0; i < s->noffered; i++)
                    offered |= s->offered[i] == s->profile;
                if (pl == 2 && s->offered_srtp && !offered)
                    sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 5764 s.4.1.1", "dtls.use-srtp.server",
                                    "the server chose SRTP profile 0x%04x, which the client did not offer",
                                    s->profile);
            }
        }
        o += len;
    }
    try_keys(l, p, s);
    return;
short_:
    sim_lint_report(l, p, NULL, SIM_LINT_ERROR, type == 1 ? "RFC 5246 s.7.4.1.2" : "RFC 5246 s.7.4.1.3",
                    "dtls.hello.length", "the %s's fields run past its %zu bytes",
                    type == 1 ? "ClientHello" : "ServerHello", n);
}

/* A plaintext handshake fragment (RFC 6347 s.4.2.2): only the hellos are
 * read, reassembled from fragments in order. */
static void handshake(sim_lint_t *l, const sim_lint_pkt_t *p, dtls_state_t *s, const uint8_t *f, size_t n)
{
    while (n) {
        if (n < 12) {
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 6347 s.4.2.2", "dtls.handshake.header",
                            "a handshake fragment of %zu bytes, shorter than its 12-byte header", n);
            return;
        }
        uint8_t type = f[0];
        uint32_t len = be24(f + 1), off = be24(f + 6), flen = be24(f + 9);
        uint16_t seq = be16(f + 4);
        if (12u + flen > n || (uint64_t)off + flen > len) {
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 6347 s.4.2.3", "dtls.handshake.fragment",
                            "a fragment at %u of %u bytes for a message of %u, in %zu bytes", off, flen, len, n);
            return;
        }
        if ((type == 1 || type == 2) && len <= HS_MAX) {
            if (!s->hs_active || s->hs_type != type || s->hs_seq != seq || s->hs_from_a != p->from_a) {
                s->hs_active = off == 0;
                s->hs_type = type;
                s->hs_seq = seq;
                s->hs_len = len;
                s->hs_have = 0;
                s->hs_from_a = p->from_a;
            }
            if (s->hs_active && off == s->hs_have) {   /* in order; a retransmission starts again */
                memcpy(s->hs + off, f + 12, flen);
                s->hs_have += flen;
                if (s->hs_have == s->hs_len) {
                    s->hs_active = false;
                    hello(l, p, s, type, s->hs, s->hs_len, p->from_a);
                }
            }
        }
        f += 12 + flen;
        n -= 12 + flen;
    }
}

static void packet(sim_lint_t *l, const sim_lint_pkt_t *p);

const sim_lint_checker_t sim_lint_dtls_checker = {
    .name = "dtls", .protos = 1u << SIM_LINT_DTLS, .packet = packet, .flow_free = dtls_free,
};

static void packet(sim_lint_t *l, const sim_lint_pkt_t *p)
{
    void **slot = sim_lint_state(p->flow, &sim_lint_dtls_checker);
    dtls_state_t *s = *slot;
    if (!s && !(s = *slot = calloc(1, sizeof *s)))
        return;
    dir_state_t *d = &s->dir[p->from_a ? 0 : 1];
    const uint8_t *r = p->data;
    size_t n = p->len;
    while (n) {
        if ((r[0] & 0xE0) == 0x20) {
            /* RFC 9147 s.4: DTLS 1.3's unified header (001CSLEE): encrypted,
             * its fields beyond the first byte not read here */
            return;
        }
        if (n < 13) {
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 6347 s.4.1", "dtls.record.header",
                            "%zu bytes left after the records, shorter than a 13-byte record header", n);
            return;
        }
        uint8_t type = r[0];
        uint16_t ver = be16(r + 1), epoch = be16(r + 3), len = be16(r + 11);
        uint64_t seq = be48(r + 5);
        if (13u + len > n) {
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 6347 s.4.1", "dtls.record.length",
                            "a record of %u bytes in the %zu left of the datagram", len, n - 13);
            return;
        }
        /* RFC 6347 s.4.1, RFC 5246 s.6.2.1 and A.1: change_cipher_spec 20,
         * alert 21, handshake 22, application_data 23, heartbeat 24 (RFC
         * 6520), tls12_cid 25 (RFC 9146) */
        if (type < 20 || type > 25)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 6347 s.4.1", "dtls.record.type",
                            "content type %u is not one TLS defines", type);
        if (ver != 0xFEFF && ver != 0xFEFD)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 6347 s.4.1", "dtls.record.version",
                            "record version 0x%04x (DTLS 1.0 is 0xFEFF, 1.2 0xFEFD)", ver);
        /* RFC 5246 s.6.2.3: a ciphertext record at most 2^14 + 2048 */
        if (len > 16384 + 2048)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 5246 s.6.2.3", "dtls.record.too-long",
                            "a record of %u bytes (at most 2^14 + 2048)", len);
        /* RFC 6347 s.4.1: the epoch grows by one at each cipher state
         * change; earlier epochs come back only in retransmitted flights */
        if (d->seen && epoch > d->epoch + 1)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 6347 s.4.1", "dtls.epoch",
                            "epoch %u after %u: an epoch was skipped", epoch, d->epoch);
        if (!d->seen || epoch > d->epoch) {
            d->epoch = epoch;
            d->last_seq = seq;
        } else if (epoch == d->epoch) {
            if (seq <= d->last_seq && d->seen)
                sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 6347 s.4.1.2.6", "dtls.seq.repeat",
                                "epoch %u sequence %llu again or out of order (after %llu)", epoch,
                                (unsigned long long)seq, (unsigned long long)d->last_seq);
            else
                d->last_seq = seq;
        }
        d->seen = true;
        if (type == 20)
            d->ccs = true;
        if (type == 22 && epoch == 0)
            handshake(l, p, s, r + 13, len);
        if (type == 23 && epoch == 0)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 5246 s.7.4.9", "dtls.data.epoch0",
                            "application data in epoch 0, before the handshake finished");
        r += 13 + len;
        n -= 13 + len;
    }
}
