/*
 * test_replay_dtls.c - the replay player's DTLS-SRTP endpoint
 * (sim/replay/dtls_peer.c): two endpoints back to back through memory
 * under a virtual clock OpenSSL sees (sim/kernel/vdet.c), in both roles
 * and all four profiles (RFC 5764 s.4.1.2, RFC 7714 s.14.2); the profile
 * the client prefers; fingerprints against the certificates in the
 * transcript (RFC 8122 s.5); SRTP and SRTCP both ways, tampering and
 * replay; the keys checked by a route that is not the endpoint's (the
 * lint's RFC 5764 s.4.2 derivation from the key log, over a capture of
 * the session); lost flights at the RFC 6347 s.4.2.4.1 timer and the
 * handshake that gives up; byte-identical transcripts for one seed;
 * interop with ref/'s rtc_dtls and rtc_srtp in each role; bad input and
 * mutated handshake records (ignored, counted, nothing crashes).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "dtls.h"
#include "fixture.h"
#include "kernel/kernel.h"
#include "kernel/vdet.h"
#include "replay/dtls_peer.h"
#include "srtp.h"
#include "trace/lint.h"

/* The four profiles with their tags as the RFCs give them (RFC 5764
 * s.4.1.2: 80 or 32 bits for SRTP, SRTCP 80 either way; RFC 7714 s.14.2:
 * 16 octets), written here apart from the endpoint's table. */
static const struct { const char *name; size_t rtp_tag, rtcp_tag; } PROF[] = {
    { "SRTP_AES128_CM_SHA1_80", 10, 10 },
    { "SRTP_AES128_CM_SHA1_32", 4, 10 },
    { "SRTP_AEAD_AES_128_GCM", 16, 16 },
    { "SRTP_AEAD_AES_256_GCM", 16, 16 },
};
#define NPROF 4

#define MAXQ   64
#define LOGMAX (256 * 1024)

typedef struct world world_t;

typedef struct end {
    world_t         *w;
    bool             client;
    sim_dtls_peer_t *peer;          /* one of peer, ref */
    rtc_dtls_t      *ref;
    rtc_dtls_cert_t *cert;
    struct { uint8_t b[2048]; size_t n; } q[MAXQ];      /* sent, not yet delivered */
    int              nq;
    int              sent;
    sim_time_t       sent_at[32];
    char             keylog[4][200];
    int              nkeylog;
} end_t;

struct world {
    sim_kernel_t *k;
    end_t         c, s;
    uint64_t      drop;             /* bit i: the run's i-th datagram is lost */
    bool          drop_from_s;      /* every datagram of s is lost */
    int           ndg;
    /* every datagram sent: 'c' or 's', two octets of length, the octets */
    uint8_t       log[LOGMAX];
    size_t        loglen;
    /* mutate (fuzz): a mutated copy of each datagram delivered first */
    sim_rng_t    *mutate;
};

static void note(world_t *w, char who, const uint8_t *d, size_t n)
{
    ck_assert_uint_le(w->loglen + 3 + n, LOGMAX);
    w->log[w->loglen++] = (uint8_t)who;
    w->log[w->loglen++] = (uint8_t)(n >> 8);
    w->log[w->loglen++] = (uint8_t)n;
    memcpy(w->log + w->loglen, d, n);
    w->loglen += n;
}

static void out_cb(void *user, const uint8_t *d, size_t n)
{
    end_t *e = user;
    world_t *w = e->w;
    if (e->sent < 32)
        e->sent_at[e->sent] = sim_now(w->k);
    e->sent++;
    note(w, e->client ? 'c' : 's', d, n);
    int i = w->ndg++;
    if ((i < 64 && (w->drop >> i & 1)) || (w->drop_from_s && !e->client))
        return;
    ck_assert_int_lt(e->nq, MAXQ);
    ck_assert_uint_le(n, sizeof e->q[0].b);
    memcpy(e->q[e->nq].b, d, n);
    e->q[e->nq++].n = n;
}

static void keylog_cb(void *user, const char *line)
{
    end_t *e = user;
    ck_assert_int_lt(e->nkeylog, 4);
    snprintf(e->keylog[e->nkeylog++], sizeof e->keylog[0], "%s", line);
}

/* ref/'s environment: the clock and the key log; nothing else is used */
static uint64_t ref_now(void *ctx) { return sim_now(((end_t *)ctx)->w->k); }
static void ref_keylog(void *ctx, const char *line) { keylog_cb(ctx, line); }

static void end_make(world_t *w, end_t *e, bool client, bool ref, const char *profiles)
{
    char err[256];
    e->w = w;
    e->client = client;
    if (ref) {
        rtc_env_t env = { .ctx = e, .now = ref_now, .keylog = ref_keylog };
        ck_assert_int_eq(rtc_dtls_cert_new(&e->cert), RTC_DTLS_OK);
        ck_assert_int_eq(rtc_dtls_new(&env, client ? RTC_DTLS_CLIENT : RTC_DTLS_SERVER, e->cert, profiles,
                                      out_cb, e, &e->ref), RTC_DTLS_OK);
    } else {
        ck_assert_msg(sim_dtls_peer_new(client, profiles, sim_now(w->k), out_cb, keylog_cb, e, &e->peer, err,
                                        sizeof err) == 0, "%s", err);
    }
}

static void world_init(world_t *w, uint64_t seed, bool c_ref, bool s_ref, const char *cprof, const char *sprof)
{
    memset(w, 0, sizeof *w);
    w->k = sim_kernel_new(seed);
    sim_vdet_bind(w->k);
    end_make(w, &w->c, true, c_ref, cprof);
    end_make(w, &w->s, false, s_ref, sprof);
}

static void world_free(world_t *w)
{
    for (end_t *e = &w->c; e; e = e == &w->c ? &w->s : NULL) {
        sim_dtls_peer_free(e->peer);
        rtc_dtls_free(e->ref);
        rtc_dtls_cert_free(e->cert);
    }
    sim_vdet_bind(NULL);
    sim_kernel_free(w->k);
}

/* A world on the heap (it holds the transcript) begun, and ended. */
static world_t *world_new(uint64_t seed, bool c_ref, bool s_ref, const char *cprof, const char *sprof)
{
    world_t *w = malloc(sizeof *w);
    ck_assert(w != NULL);
    world_init(w, seed, c_ref, s_ref, cprof, sprof);
    return w;
}

static void world_del(world_t *w)
{
    world_free(w);
    free(w);
}

static sim_dtls_peer_state_t end_state(const end_t *e)
{
    if (e->peer)
        return sim_dtls_peer_state(e->peer);
    switch (rtc_dtls_state(e->ref)) {
    case RTC_DTLS_NEW: return SIM_DTLS_PEER_NEW;
    case RTC_DTLS_HANDSHAKING: return SIM_DTLS_PEER_HANDSHAKING;
    case RTC_DTLS_CONNECTED: return SIM_DTLS_PEER_CONNECTED;
    default: return SIM_DTLS_PEER_FAILED;
    }
}

static void end_in(end_t *e, const uint8_t *d, size_t n)
{
    if (e->peer)
        sim_dtls_peer_datagram(e->peer, sim_now(e->w->k), d, n);
    else
        rtc_dtls_handle_datagram(e->ref, d, n);
}

static sim_time_t end_next(const end_t *e)
{
    return e->peer ? sim_dtls_peer_next_timeout(e->peer) : rtc_dtls_next_timeout(e->ref);
}

static void end_timeout(end_t *e)
{
    if (e->peer)
        sim_dtls_peer_timeout(e->peer, sim_now(e->w->k));
    else
        rtc_dtls_handle_timeout(e->ref);
}

static void start(world_t *w)
{
    if (w->s.peer)
        sim_dtls_peer_start(w->s.peer, sim_now(w->k));
    else
        ck_assert_int_eq(rtc_dtls_start(w->s.ref), RTC_DTLS_OK);
    ck_assert_uint_eq(end_next(&w->s), SIM_TIME_NEVER);    /* a server waits */
    if (w->c.peer)
        sim_dtls_peer_start(w->c.peer, sim_now(w->k));
    else
        ck_assert_int_eq(rtc_dtls_start(w->c.ref), RTC_DTLS_OK);
}

static bool settled(const end_t *e)
{
    sim_dtls_peer_state_t st = end_state(e);
    return st == SIM_DTLS_PEER_CONNECTED || st == SIM_DTLS_PEER_FAILED;
}

/* A copy of d with one of: a few bits flipped, cut short, a record
 * length or a handshake length rewritten, a byte run repeated. */
static size_t mutated(sim_rng_t *r, const uint8_t *d, size_t n, uint8_t *out)
{
    memcpy(out, d, n);
    switch (sim_rng_below(r, 5)) {
    case 0:
        for (uint64_t i = 0, k = 1 + sim_rng_below(r, 4); i < k; i++)
            out[sim_rng_below(r, n)] ^= (uint8_t)(1u << sim_rng_below(r, 8));
        return n;
    case 1:
        return (size_t)sim_rng_below(r, n);
    case 2:
        if (n >= 13) {
            out[11] = (uint8_t)sim_rng_below(r, 256);
            out[12] = (uint8_t)sim_rng_below(r, 256);
        }
        return n;
    case 3:
        if (n >= 25)        /* the handshake header: length, fragment offset or length */
            out[14 + sim_rng_below(r, 11)] = (uint8_t)sim_rng_below(r, 256);
        return n;
    default: {
        size_t at = (size_t)sim_rng_below(r, n), len = (size_t)sim_rng_below(r, n - at + 1);
        if (n + len > 2048)
            len = 2048 - n;
        memmove(out + at + len, out + at, n - at);
        return n + len;
    }
    }
}

/* Deliver what is queued, a datagram at a time, 1 ms apart; with nothing
 * queued, jump the clock to the earlier timeout. Until both ends settle
 * with nothing in flight, or the clock would pass limit. */
static void run(world_t *w, sim_time_t limit)
{
    while (!(settled(&w->c) && settled(&w->s) && w->c.nq == 0 && w->s.nq == 0)) {
        end_t *from = w->c.nq ? &w->c : w->s.nq ? &w->s : NULL;
        if (from) {
            end_t *to = from == &w->c ? &w->s : &w->c;
            static uint8_t d[2048], m[4096];
            size_t n = from->q[0].n;
            memcpy(d, from->q[0].b, n);
            memmove(from->q, from->q + 1, (size_t)(--from->nq) * sizeof from->q[0]);
            sim_run_until(w->k, sim_now(w->k) + SIM_MS(1));
            if (w->mutate && sim_rng_below(w->mutate, 2))
                end_in(to, m, mutated(w->mutate, d, n, m));
            end_in(to, d, n);
            continue;
        }
        sim_time_t tc = end_next(&w->c), ts = end_next(&w->s), t = tc < ts ? tc : ts;
        if (t == SIM_TIME_NEVER || t > limit)
            return;
        if (t > sim_now(w->k))
            sim_run_until(w->k, t);
        end_t *e = tc <= ts ? &w->c : &w->s;
        end_timeout(e);
        /* a timer that fired is rearmed later, or stopped */
        ck_assert_msg(end_next(e) > t, "%c: the timeout due at %llu ns did nothing", e->client ? 'c' : 's',
                      (unsigned long long)t);
    }
}

/* The i-th datagram of the transcript, and who sent it. */
static const uint8_t *logged(const world_t *w, int i, char *who, size_t *n)
{
    size_t at = 0;
    for (int k = 0; at < w->loglen; k++) {
        size_t len = (size_t)w->log[at + 1] << 8 | w->log[at + 2];
        if (k == i) {
            *who = (char)w->log[at];
            *n = len;
            return w->log + at + 3;
        }
        at += 3 + len;
    }
    return NULL;
}

/* The first epoch-0 handshake message of type t that who sent: its body,
 * unfragmented (RFC 6347 s.4.2.2: 12 octets of header before it). */
static const uint8_t *handshake_msg(const world_t *w, char who, uint8_t t, size_t *len)
{
    char from;
    size_t n;
    const uint8_t *d;
    for (int i = 0; (d = logged(w, i, &from, &n)); i++)
        for (size_t at = 0; from == who && at + 25 <= n; at += 13 + ((size_t)d[at + 11] << 8 | d[at + 12])) {
            const uint8_t *r = d + at;
            if (r[0] == 22 && r[3] == 0 && r[4] == 0 && r[13] == t) {
                size_t body = (size_t)r[14] << 16 | (size_t)r[15] << 8 | r[16];
                size_t frag = (size_t)r[22] << 16 | (size_t)r[23] << 8 | r[24];
                ck_assert_msg(frag == body && !r[19] && !r[20] && !r[21], "handshake message %u fragmented", t);
                *len = body;
                return r + 25;
            }
        }
    return NULL;
}

/* RFC 8122 s.5 of a DER certificate, computed here. */
static void fp_of(const uint8_t *der, size_t n, char out[104])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    ck_assert(EVP_Digest(der, n, md, &mdlen, EVP_sha256(), NULL) && mdlen == 32);
    int o = snprintf(out, 104, "sha-256");
    for (int i = 0; i < 32; i++)
        o += snprintf(out + o, (size_t)(104 - o), "%c%02X", i ? ':' : ' ', md[i]);
}

/* The fingerprint of the certificate who sent in its Certificate message
 * (RFC 5246 s.7.4.2: a 3-octet list length, then each certificate with
 * its 3-octet length; the first is the sender's). */
static void sent_cert_fp(const world_t *w, char who, char out[104])
{
    size_t len;
    const uint8_t *m = handshake_msg(w, who, 11, &len);
    ck_assert_msg(m && len > 6, "no Certificate from %c", who);
    size_t n = (size_t)m[3] << 16 | (size_t)m[4] << 8 | m[5];
    ck_assert_uint_le(6 + n, len);
    fp_of(m + 6, n, out);
}

/* RTP (RFC 3550 s.5.1): V=2, PT 111, seq, ts, SSRC, a payload. */
static size_t rtp(uint8_t *b, uint16_t seq, uint32_t ssrc, size_t payload)
{
    b[0] = 0x80;
    b[1] = 111;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    uint32_t ts = 160u * seq;
    for (int i = 0; i < 4; i++) {
        b[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    for (size_t i = 0; i < payload; i++)
        b[12 + i] = (uint8_t)(i * 7 + seq);
    return 12 + payload;
}

/* RTCP (RFC 3550 s.6.4.1): an SR with no report block. */
static size_t rtcp_sr(uint8_t *b, uint32_t ssrc)
{
    memset(b, 0, 28);
    b[0] = 0x80;
    b[1] = 200;
    b[3] = 6;
    for (int i = 0; i < 4; i++)
        b[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    memcpy(b + 8, "NTPTIMESTAMP\x01\x02\x03\x04\x00\x00\x00\x05", 20);
    return 28;
}

/* from protects, to unprotects: the plain packet comes back whole. */
static void srtp_through(sim_dtls_peer_t *from, sim_dtls_peer_t *to, bool rtcp, const uint8_t *plain, size_t n,
                         size_t grows)
{
    uint8_t prot[1600], back[1600];
    size_t pl = 0, bl = 0;
    const char *why = NULL;
    ck_assert_int_eq(sim_dtls_peer_protect(from, rtcp, plain, n, prot, sizeof prot, &pl), 0);
    ck_assert_uint_eq(pl, n + grows);
    ck_assert_msg(memcmp(prot + (rtcp ? 8 : 12), plain + (rtcp ? 8 : 12), n - (rtcp ? 8 : 12)) != 0,
                  "the payload went out in clear");
    ck_assert_msg(sim_dtls_peer_unprotect(to, rtcp, prot, pl, back, sizeof back, &bl, &why) == 0, "%s", why);
    ck_assert_uint_eq(bl, n);
    ck_assert(memcmp(back, plain, n) == 0);
}

/* ---- the handshake, both roles, every profile ------------------------------------------ */

START_TEST(handshake_and_srtp)
{
    /* the client lists every profile from _i on; the server the reverse
     * order: the client's first (PROF[_i]) must win, not the server's */
    char cprof[128] = "", sprof[128] = "";
    for (int k = 0; k < NPROF; k++) {
        snprintf(cprof + strlen(cprof), sizeof cprof - strlen(cprof), "%s%s", k ? ":" : "",
                 PROF[(_i + k) % NPROF].name);
        snprintf(sprof + strlen(sprof), sizeof sprof - strlen(sprof), "%s%s", k ? ":" : "",
                 PROF[(_i + NPROF - 1 - k) % NPROF].name);
    }
    world_t *w = world_new(11, false, false, cprof, sprof);
    sim_dtls_peer_t *c = w->c.peer, *s = w->s.peer;
    ck_assert_ptr_null(sim_dtls_peer_profile(c));
    ck_assert_ptr_null(sim_dtls_peer_remote_fingerprint(c));
    start(w);
    /* RFC 6347 s.4.2.4.1: the ClientHello's timer is 1 s */
    ck_assert_uint_eq(sim_dtls_peer_next_timeout(c), sim_now(w->k) + SIM_SEC(1));
    run(w, SIM_SEC(10));
    ck_assert_msg(sim_dtls_peer_state(c) == SIM_DTLS_PEER_CONNECTED, "client: %s", sim_dtls_peer_error(c));
    ck_assert_msg(sim_dtls_peer_state(s) == SIM_DTLS_PEER_CONNECTED, "server: %s", sim_dtls_peer_error(s));
    ck_assert_str_eq(sim_dtls_peer_profile(c), PROF[_i].name);
    ck_assert_str_eq(sim_dtls_peer_profile(s), PROF[_i].name);
    ck_assert_uint_eq(sim_dtls_peer_next_timeout(c), SIM_TIME_NEVER);
    ck_assert_uint_eq(sim_dtls_peer_next_timeout(s), SIM_TIME_NEVER);
    ck_assert_uint_eq(sim_dtls_peer_ignored(c) + sim_dtls_peer_ignored(s), 0);
    ck_assert_ptr_null(sim_dtls_peer_error(c));
    /* each side's fingerprint is its certificate's as it went out, and
     * the other side saw that one */
    char fpc[104], fps[104];
    sent_cert_fp(w, 'c', fpc);
    sent_cert_fp(w, 's', fps);
    ck_assert_str_eq(sim_dtls_peer_fingerprint(c), fpc);
    ck_assert_str_eq(sim_dtls_peer_fingerprint(s), fps);
    ck_assert_str_ne(fpc, fps);
    ck_assert_str_eq(sim_dtls_peer_remote_fingerprint(c), fps);
    ck_assert_str_eq(sim_dtls_peer_remote_fingerprint(s), fpc);
    /* the key log: one CLIENT_RANDOM line a side, the same, naming the
     * ClientHello's random (RFC 6347 s.4.2.1: after client_version) */
    ck_assert_int_eq(w->c.nkeylog, 1);
    ck_assert_int_eq(w->s.nkeylog, 1);
    ck_assert_str_eq(w->c.keylog[0], w->s.keylog[0]);
    ck_assert_uint_eq(strlen(w->c.keylog[0]), 14 + 64 + 1 + 96);
    size_t len;
    const uint8_t *hello = handshake_msg(w, 'c', 1, &len);
    ck_assert(hello && len > 34);
    char want[80] = "CLIENT_RANDOM ";
    for (int k = 0; k < 32; k++)
        snprintf(want + 14 + 2 * k, 3, "%02x", hello[2 + k]);
    ck_assert_msg(strncasecmp(w->c.keylog[0], want, 14 + 64) == 0, "%s vs %s", w->c.keylog[0], want);

    /* SRTP and SRTCP both ways, the tag and index as the RFCs size them */
    uint8_t p[1500];
    for (uint16_t seq = 1000; seq < 1010; seq++) {
        size_t n = rtp(p, seq, 0x11223344, 160);
        srtp_through(c, s, false, p, n, PROF[_i].rtp_tag);
        n = rtp(p, seq, 0x55667788, 1000);
        srtp_through(s, c, false, p, n, PROF[_i].rtp_tag);
    }
    size_t n = rtcp_sr(p, 0x11223344);
    srtp_through(c, s, true, p, n, PROF[_i].rtcp_tag + 4);
    srtp_through(s, c, true, p, n, PROF[_i].rtcp_tag + 4);

    /* one side's packets do not pass its own inbound context: the two
     * directions are keyed apart (RFC 5764 s.4.2) */
    uint8_t prot[1600], back[1600];
    size_t pl, bl;
    const char *why = NULL;
    n = rtp(p, 2000, 0x11223344, 100);
    ck_assert_int_eq(sim_dtls_peer_protect(c, false, p, n, prot, sizeof prot, &pl), 0);
    ck_assert_int_eq(sim_dtls_peer_unprotect(c, false, prot, pl, back, sizeof back, &bl, &why), -1);
    ck_assert_str_eq(why, "auth");
    /* a flipped byte, in the payload and in the tag, is "auth" */
    for (size_t at = 20; at < pl; at = at == 20 ? pl - 1 : pl) {
        uint8_t bad[1600];
        memcpy(bad, prot, pl);
        bad[at] ^= 0x40;
        why = NULL;
        ck_assert_int_eq(sim_dtls_peer_unprotect(s, false, bad, pl, back, sizeof back, &bl, &why), -1);
        ck_assert_str_eq(why, "auth");
    }
    /* then the packet itself passes, and a second time is "replay" */
    ck_assert_int_eq(sim_dtls_peer_unprotect(s, false, prot, pl, back, sizeof back, &bl, &why), 0);
    ck_assert_int_eq(sim_dtls_peer_unprotect(s, false, prot, pl, back, sizeof back, &bl, &why), -1);
    ck_assert_str_eq(why, "replay");
    n = rtcp_sr(p, 0x11223344);
    ck_assert_int_eq(sim_dtls_peer_protect(c, true, p, n, prot, sizeof prot, &pl), 0);
    prot[10] ^= 1;
    ck_assert_int_eq(sim_dtls_peer_unprotect(s, true, prot, pl, back, sizeof back, &bl, &why), -1);
    ck_assert_str_eq(why, "auth");
    prot[10] ^= 1;
    ck_assert_int_eq(sim_dtls_peer_unprotect(s, true, prot, pl, back, sizeof back, &bl, &why), 0);
    ck_assert_int_eq(sim_dtls_peer_unprotect(s, true, prot, pl, back, sizeof back, &bl, &why), -1);
    ck_assert_str_eq(why, "replay");
    /* D175: a packet protected twice (a trace's duplicate) comes out the
     * same, and the receiver takes it once */
    uint8_t again[1600];
    size_t al;
    n = rtp(p, 2001, 0x11223344, 100);
    ck_assert_int_eq(sim_dtls_peer_protect(c, false, p, n, prot, sizeof prot, &pl), 0);
    ck_assert_int_eq(sim_dtls_peer_protect(c, false, p, n, again, sizeof again, &al), 0);
    ck_assert(al == pl && memcmp(again, prot, pl) == 0);
    /* too small a buffer: refused, nothing written past it */
    ck_assert_int_eq(sim_dtls_peer_protect(c, false, p, n, prot, n + PROF[_i].rtp_tag - 1, &pl), -1);
    world_del(w);
}
END_TEST

/* ---- the keys, by the lint's route -------------------------------------------------------- */

/* The session as a capture (client 10.0.0.1:5000, server 10.0.0.2:6000),
 * SRTP and SRTCP each way after the handshake, linted with the key log
 * the endpoints wrote: the lint derives the keys itself (RFC 5764 s.4.2
 * from the master secret, trace/lint_dtls.c) and must authenticate and
 * decrypt every packet. A key half swapped, a salt of the wrong length or
 * the wrong tag would each be srtp.auth errors. */
START_TEST(keys_as_the_lint_derives_them)
{
    world_t *w = world_new(12, false, false, PROF[_i].name, PROF[_i].name);
    start(w);
    run(w, SIM_SEC(10));
    ck_assert_int_eq(sim_dtls_peer_state(w->c.peer), SIM_DTLS_PEER_CONNECTED);
    fx_cap_t k;
    fx_cap_open(&k, "test_replay_dtls", SIM_MS(1));
    char who;
    size_t n;
    const uint8_t *d;
    for (int i = 0; (d = logged(w, i, &who, &n)); i++)
        fx_cap_send(&k, who == 's', d, n);
    int media = 0;
    for (uint16_t seq = 1; seq <= 20; seq++)
        for (int side = 0; side < 2; side++) {
            uint8_t p[1500], prot[1700];
            size_t pl, len = seq == 10 ? rtcp_sr(p, side ? 0xbbbb : 0xaaaa) : rtp(p, seq, side ? 0xbbbb : 0xaaaa, 200);
            ck_assert_int_eq(sim_dtls_peer_protect(side ? w->s.peer : w->c.peer, seq == 10, p, len, prot,
                                                   sizeof prot, &pl), 0);
            fx_cap_send(&k, side == 1, prot, pl);
            media++;
        }
    char keylog[96], twin[96], err[512];
    snprintf(keylog, sizeof keylog, "/tmp/test_replay_dtls.%d.keys", (int)getpid());
    snprintf(twin, sizeof twin, "/tmp/test_replay_dtls.%d.twin.pcap", (int)getpid());
    FILE *f = fopen(keylog, "w");
    ck_assert(f != NULL);
    fprintf(f, "%s\n", w->c.keylog[0]);
    fclose(f);
    ck_assert_int_eq(sim_capture_close(k.c, err, sizeof err), 0);
    sim_lint_opts_t o = { .decrypt_path = twin };
    sim_lint_t *l = sim_lint_new(&o);
    ck_assert_msg(sim_lint_load_keylog(l, keylog, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(sim_lint_file(l, k.path, err, sizeof err) == 0, "%s", err);
    char *text = NULL, *json = NULL;
    size_t sz;
    FILE *m = open_memstream(&text, &sz);
    sim_lint_write_text(l, m);
    fclose(m);
    m = open_memstream(&json, &sz);
    sim_lint_write_json(l, m);
    fclose(m);
    /* (check's messages are short: the lint's first lines only) */
    ck_assert_msg(!strstr(json, "\"srtp.auth\""), "%s: srtp.auth: %.600s", PROF[_i].name, text);
    char said[64];
    snprintf(said, sizeof said, " %d of them decrypted", media);
    ck_assert_msg(strstr(text, said), "%s: expected '%s' in: %.600s", PROF[_i].name, said, text);
    sim_lint_free(l);
    free(text);
    free(json);
    unlink(keylog);
    unlink(twin);
    unlink(k.path);
    world_del(w);
}
END_TEST

/* ---- lost flights ------------------------------------------------------------------------ */

/* Each datagram of the handshake lost in turn, then the first two: the
 * handshake still completes, by the RFC 6347 s.4.2.4 timer. */
START_TEST(lost_flights_are_retransmitted)
{
    world_t *w = world_new(13, false, false, NULL, NULL);
    start(w);
    run(w, SIM_SEC(10));
    int total = w->ndg;
    ck_assert_int_eq(sim_dtls_peer_state(w->s.peer), SIM_DTLS_PEER_CONNECTED);
    world_free(w);
    ck_assert_int_ge(total, 4);
    for (int i = 0; i <= total; i++) {
        uint64_t mask = i < total ? 1ull << i : 3;
        world_init(w, 13, false, false, NULL, NULL);
        w->drop = mask;
        start(w);
        run(w, SIM_SEC(60));
        ck_assert_msg(sim_dtls_peer_state(w->c.peer) == SIM_DTLS_PEER_CONNECTED &&
                          sim_dtls_peer_state(w->s.peer) == SIM_DTLS_PEER_CONNECTED,
                      "loss mask 0x%llx: client %s, server %s", (unsigned long long)mask,
                      sim_dtls_peer_error(w->c.peer), sim_dtls_peer_error(w->s.peer));
        ck_assert_str_eq(sim_dtls_peer_remote_fingerprint(w->c.peer), sim_dtls_peer_fingerprint(w->s.peer));
        if (mask & 1) {
            /* the ClientHello again 1 s after the first (s.4.2.4.1), and,
             * lost again, 2 s after that (the timer doubled) */
            ck_assert_uint_eq(w->c.sent_at[1] - w->c.sent_at[0], SIM_SEC(1));
            if (mask & 2)
                ck_assert_uint_eq(w->c.sent_at[2] - w->c.sent_at[1], SIM_SEC(2));
        }
        world_free(w);
    }
    free(w);
}
END_TEST

/* Nothing comes back: the ClientHello goes at 0, 1, 3, 7, 15, 31, 63 s,
 * then every 60 s (s.4.2.4.1: doubling to 60 s at most), twelve times
 * again in all, and the thirteenth expiry fails the handshake (D173):
 * 63 + 7 * 60 = 483 s. Before that the client is still trying. */
START_TEST(handshake_gives_up)
{
    world_t *w = world_new(14, false, false, NULL, NULL);
    w->drop_from_s = true;
    start(w);
    sim_time_t t0 = sim_now(w->k);
    /* an early call does nothing */
    sim_run_until(w->k, t0 + SIM_MS(980));
    sim_dtls_peer_timeout(w->c.peer, sim_now(w->k));
    ck_assert_int_eq(w->c.sent, 1);
    /* a record OpenSSL drops (epoch 1 before any key) 20 ms before the
     * timer leaves it where it was (D173: under 15 ms, OpenSSL would
     * take the timer for expired and retransmit then) */
    static const uint8_t epoch1[14] = { 23, 254, 253, 0, 1, 0, 0, 0, 0, 0, 9, 0, 1, 0 };
    sim_dtls_peer_datagram(w->c.peer, sim_now(w->k), epoch1, sizeof epoch1);
    ck_assert_uint_eq(sim_dtls_peer_ignored(w->c.peer), 0);
    ck_assert_uint_eq(sim_dtls_peer_next_timeout(w->c.peer), t0 + SIM_SEC(1));
    run(w, t0 + SIM_SEC(482));
    ck_assert_int_eq(sim_dtls_peer_state(w->c.peer), SIM_DTLS_PEER_HANDSHAKING);
    ck_assert_uint_eq(sim_dtls_peer_next_timeout(w->c.peer), t0 + SIM_SEC(483));
    run(w, t0 + SIM_SEC(1000));
    ck_assert_int_eq(sim_dtls_peer_state(w->c.peer), SIM_DTLS_PEER_FAILED);
    ck_assert_ptr_nonnull(strstr(sim_dtls_peer_error(w->c.peer), "timed out"));
    ck_assert_uint_eq(sim_dtls_peer_next_timeout(w->c.peer), SIM_TIME_NEVER);
    ck_assert_int_eq(w->c.sent, 13);
    static const int at[] = { 0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 303, 363, 423 };
    for (int i = 0; i < 13; i++)
        ck_assert_uint_eq(w->c.sent_at[i] - t0, SIM_SEC(at[i]));
    world_del(w);
}
END_TEST

/* ---- determinism --------------------------------------------------------------------------- */

static void transcript(uint64_t seed, uint64_t drop, uint8_t **out, size_t *len)
{
    world_t *w = world_new(seed, false, false, NULL, NULL);
    w->drop = drop;
    start(w);
    run(w, SIM_SEC(60));
    ck_assert_int_eq(sim_dtls_peer_state(w->c.peer), SIM_DTLS_PEER_CONNECTED);
    uint8_t p[1500], prot[1700];
    size_t pl;
    for (uint16_t seq = 1; seq <= 5; seq++) {
        ck_assert_int_eq(sim_dtls_peer_protect(w->c.peer, false, p, rtp(p, seq, 1, 50), prot, sizeof prot, &pl), 0);
        note(w, 'c', prot, pl);
    }
    note(w, 'k', (const uint8_t *)w->c.keylog[0], strlen(w->c.keylog[0]));
    *out = malloc(w->loglen);
    memcpy(*out, w->log, w->loglen);
    *len = w->loglen;
    world_del(w);
}

START_TEST(same_seed_same_bytes)
{
    for (uint64_t drop = 0; drop < 3; drop += 2) {      /* lossless, and the ServerHello's flight's first lost */
        uint8_t *a, *b, *c;
        size_t la, lb, lc;
        transcript(21, drop, &a, &la);
        transcript(21, drop, &b, &lb);
        transcript(22, drop, &c, &lc);
        ck_assert_msg(la == lb && memcmp(a, b, la) == 0, "seed 21, drop 0x%llx: two runs differ",
                      (unsigned long long)drop);
        ck_assert_msg(la != lc || memcmp(a, c, la) != 0, "seeds 21 and 22 gave the same bytes");
        free(a);
        free(b);
        free(c);
    }
}
END_TEST

/* ---- ref/ on the other side ----------------------------------------------------------------- */

static const rtc_srtp_profile_t REF_PROF[] = { RTC_SRTP_AES128_CM_SHA1_80, RTC_SRTP_AEAD_AES_128_GCM };
static const char *const REF_NAME[] = { "SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM" };

/* _i: bit 0 the profile, bit 1 ref/ is the client (else the server). */
START_TEST(interop_with_ref)
{
    int pi = _i & 1;
    bool ref_client = _i & 2;
    world_t *w = world_new(31, ref_client, !ref_client, REF_NAME[pi], REF_NAME[pi]);
    end_t *me = ref_client ? &w->s : &w->c, *it = ref_client ? &w->c : &w->s;
    start(w);
    run(w, SIM_SEC(10));
    ck_assert_msg(end_state(me) == SIM_DTLS_PEER_CONNECTED, "%s", sim_dtls_peer_error(me->peer));
    ck_assert_msg(end_state(it) == SIM_DTLS_PEER_CONNECTED, "%s", rtc_dtls_failure(it->ref));
    ck_assert_str_eq(sim_dtls_peer_profile(me->peer), REF_NAME[pi]);
    ck_assert_str_eq(rtc_dtls_srtp_profile(it->ref), REF_NAME[pi]);
    ck_assert_str_eq(sim_dtls_peer_remote_fingerprint(me->peer), rtc_dtls_cert_fingerprint(it->cert));
    ck_assert(rtc_dtls_peer_matches(it->ref, sim_dtls_peer_fingerprint(me->peer)));
    ck_assert_str_eq(me->keylog[0], it->keylog[0]);
    /* ref/'s SRTP under ref/'s exported keys */
    uint8_t km[64];
    size_t kl = rtc_dtls_srtp_key_len(it->ref);
    ck_assert_int_eq(rtc_dtls_srtp_keys(it->ref, km, kl), RTC_DTLS_OK);
    rtc_srtp_t *rs;
    ck_assert_int_eq(rtc_srtp_new(REF_PROF[pi], km, kl, ref_client, &rs), RTC_SRTP_OK);
    for (int rtcp = 0; rtcp < 2; rtcp++)
        for (uint16_t seq = 1; seq <= 3; seq++) {
            uint8_t p[1500], buf[1700], back[1700];
            size_t n = rtcp ? rtcp_sr(p, 0x1234) : rtp(p, seq, 0x1234, 300), len = n, bl;
            const char *why = "";
            /* ref/ to the endpoint */
            memcpy(buf, p, n);
            ck_assert_int_eq(rtcp ? rtc_srtp_protect_rtcp(rs, buf, &len, sizeof buf)
                                  : rtc_srtp_protect(rs, buf, &len, sizeof buf), RTC_SRTP_OK);
            ck_assert_msg(sim_dtls_peer_unprotect(me->peer, rtcp, buf, len, back, sizeof back, &bl, &why) == 0,
                          "ref/'s %s: %s", rtcp ? "SRTCP" : "SRTP", why);
            ck_assert(bl == n && memcmp(back, p, n) == 0);
            /* the endpoint to ref/ */
            ck_assert_int_eq(sim_dtls_peer_protect(me->peer, rtcp, p, n, buf, sizeof buf, &len), 0);
            ck_assert_int_eq(rtcp ? rtc_srtp_unprotect_rtcp(rs, buf, &len) : rtc_srtp_unprotect(rs, buf, &len),
                             RTC_SRTP_OK);
            ck_assert(len == n && memcmp(buf, p, n) == 0);
        }
    rtc_srtp_free(rs);
    world_del(w);
}
END_TEST

/* ---- bad input ----------------------------------------------------------------------------- */

START_TEST(bad_arguments)
{
    char err[256] = "";
    sim_dtls_peer_t *p = (sim_dtls_peer_t *)&err;
    ck_assert_int_eq(sim_dtls_peer_new(true, "SRTP_AES128_CM_SHA1_80:SRTP_NULL_SHA1_80", 0, out_cb, NULL, NULL, &p,
                                       err, sizeof err), -1);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err, "'SRTP_NULL_SHA1_80'"), "%s", err);
    ck_assert_int_eq(sim_dtls_peer_new(true, "", 0, out_cb, NULL, NULL, &p, err, sizeof err), -1);
    ck_assert_int_eq(sim_dtls_peer_new(true, "SRTP_AES128_CM_SHA1_80:", 0, out_cb, NULL, NULL, &p, err, sizeof err),
                     -1);
    /* before keys: nothing protected, nothing unprotected */
    world_t *w = world_new(41, false, false, NULL, NULL);
    uint8_t pk[200], out[400];
    size_t n = rtp(pk, 1, 1, 20), ol;
    const char *why = NULL;
    ck_assert_int_eq(sim_dtls_peer_protect(w->c.peer, false, pk, n, out, sizeof out, &ol), -1);
    ck_assert_int_eq(sim_dtls_peer_unprotect(w->c.peer, false, pk, n, out, sizeof out, &ol, &why), -1);
    ck_assert_str_eq(why, "no-keys");
    ck_assert_ptr_null(sim_dtls_peer_error(w->c.peer));
    start(w);
    run(w, SIM_SEC(10));
    /* too short to be SRTP, or no room: "other" */
    ck_assert_int_eq(sim_dtls_peer_unprotect(w->s.peer, false, pk, 5, out, sizeof out, &ol, &why), -1);
    ck_assert_str_eq(why, "other");
    ck_assert_int_eq(sim_dtls_peer_unprotect(w->s.peer, false, pk, n, out, n - 1, &ol, &why), -1);
    ck_assert_str_eq(why, "other");
    world_del(w);
}
END_TEST

START_TEST(no_profile_in_common)
{
    world_t *w = world_new(42, false, false, "SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM");
    start(w);
    run(w, SIM_SEC(10));
    ck_assert_int_eq(sim_dtls_peer_state(w->c.peer), SIM_DTLS_PEER_FAILED);
    ck_assert_int_eq(sim_dtls_peer_state(w->s.peer), SIM_DTLS_PEER_FAILED);
    ck_assert_msg(strstr(sim_dtls_peer_error(w->s.peer), "no SRTP protection profile in common"), "%s",
                  sim_dtls_peer_error(w->s.peer));
    ck_assert_msg(strstr(sim_dtls_peer_error(w->c.peer), "handshake"), "%s", sim_dtls_peer_error(w->c.peer));
    ck_assert_ptr_null(sim_dtls_peer_profile(w->c.peer));
    ck_assert_uint_eq(sim_dtls_peer_next_timeout(w->c.peer), SIM_TIME_NEVER);
    world_free(w);
    /* ref/ as the server leaves use_srtp out instead (RFC 5764 s.4.1.1):
     * the endpoint, a client, ends the handshake and closes */
    world_init(w, 42, false, true, "SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM");
    start(w);
    run(w, SIM_SEC(10));
    ck_assert_int_eq(sim_dtls_peer_state(w->c.peer), SIM_DTLS_PEER_FAILED);
    ck_assert_msg(strstr(sim_dtls_peer_error(w->c.peer), "no SRTP protection profile in common"), "%s",
                  sim_dtls_peer_error(w->c.peer));
    world_del(w);
}
END_TEST

START_TEST(garbage_and_misdirected_records)
{
    world_t *w = world_new(43, false, false, NULL, NULL);
    sim_dtls_peer_t *c = w->c.peer, *s = w->s.peer;
    static const uint8_t stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
    static const uint8_t shortrec[12] = { 22, 254, 253 };
    static const uint8_t longer[20] = { 22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200 };
    static const uint8_t badver[13] = { 22, 3, 3 };
    static const uint8_t badtype[13] = { 19, 254, 253 };
    const struct { const uint8_t *d; size_t n; } junk[] = {
        { NULL, 0 }, { stun, 0 }, { stun, sizeof stun }, { shortrec, sizeof shortrec },
        { longer, sizeof longer }, { badver, sizeof badver }, { badtype, sizeof badtype },
    };
    size_t nj = sizeof junk / sizeof junk[0];
    uint64_t want = 0;
    /* before anything: a client not started ignores all, even a record */
    sim_dtls_peer_datagram(c, 0, (const uint8_t *)"\x16\xfe\xfd\0\0\0\0\0\0\0\0\0\0", 13);
    ck_assert_uint_eq(sim_dtls_peer_ignored(c), 1);
    for (size_t i = 0; i < nj; i++) {
        sim_dtls_peer_datagram(s, 0, junk[i].d, junk[i].n);
        want++;
    }
    /* a server not yet begun takes nothing but a ClientHello: not a
     * record of another kind (a fatal alert, epoch 0), nor one of a later
     * epoch */
    static const uint8_t alert[15] = { 21, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 40 };
    static const uint8_t epoch1[14] = { 22, 254, 253, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1 };
    sim_dtls_peer_datagram(s, 0, alert, sizeof alert);
    sim_dtls_peer_datagram(s, 0, epoch1, sizeof epoch1);
    want += 2;
    ck_assert_uint_eq(sim_dtls_peer_ignored(s), want);
    ck_assert_int_eq(sim_dtls_peer_state(s), SIM_DTLS_PEER_NEW);
    ck_assert_int_eq(w->s.sent, 0);
    start(w);
    /* the client's own ClientHello reflected back to it: not for a client */
    char who;
    size_t n = 0;
    const uint8_t *hello = logged(w, 0, &who, &n);
    ck_assert(hello != NULL);
    uint8_t copy[2048];
    memcpy(copy, hello, n);
    sim_dtls_peer_datagram(c, sim_now(w->k), copy, n);
    ck_assert_uint_eq(sim_dtls_peer_ignored(c), 2);
    ck_assert_int_eq(sim_dtls_peer_state(c), SIM_DTLS_PEER_HANDSHAKING);
    ck_assert_int_eq(w->c.sent, 1);
    /* the ClientHello to the server, whose answer starts with a
     * ServerHello: fed back to the server, it is not for a server */
    ck_assert_int_eq(w->c.nq, 1);
    w->c.nq = 0;
    sim_dtls_peer_datagram(s, sim_now(w->k), w->c.q[0].b, w->c.q[0].n);
    ck_assert_int_eq(sim_dtls_peer_state(s), SIM_DTLS_PEER_HANDSHAKING);
    ck_assert_int_ge(w->s.nq, 1);
    memcpy(copy, w->s.q[0].b, w->s.q[0].n);
    ck_assert_int_eq(copy[13], 2);     /* server_hello */
    sim_dtls_peer_datagram(s, sim_now(w->k), copy, w->s.q[0].n);
    ck_assert_uint_eq(sim_dtls_peer_ignored(s), want + 1);
    ck_assert_int_eq(sim_dtls_peer_state(s), SIM_DTLS_PEER_HANDSHAKING);
    /* garbage mid-handshake, then the handshake finishes */
    for (size_t k = 0; k < nj; k++)
        sim_dtls_peer_datagram(c, sim_now(w->k), junk[k].d, junk[k].n);
    ck_assert_uint_eq(sim_dtls_peer_ignored(c), 2 + nj);
    ck_assert_int_eq(sim_dtls_peer_state(c), SIM_DTLS_PEER_HANDSHAKING);
    run(w, SIM_SEC(30));
    const uint8_t *d;
    ck_assert_msg(sim_dtls_peer_state(c) == SIM_DTLS_PEER_CONNECTED, "%s", sim_dtls_peer_error(c));
    ck_assert_int_eq(sim_dtls_peer_state(s), SIM_DTLS_PEER_CONNECTED);
    /* records after close: the client closes (close_notify), the server
     * takes it and fails; both then ignore every record */
    sim_dtls_peer_close(c);
    ck_assert_str_eq(sim_dtls_peer_error(c), "closed");
    ck_assert_int_eq(w->c.nq, 1);
    run(w, SIM_SEC(60));
    ck_assert_int_eq(sim_dtls_peer_state(s), SIM_DTLS_PEER_FAILED);
    ck_assert_ptr_nonnull(strstr(sim_dtls_peer_error(s), "close_notify"));
    uint64_t ic = sim_dtls_peer_ignored(c), is = sim_dtls_peer_ignored(s);
    int sent = w->c.sent + w->s.sent;
    for (int k = 0; (d = logged(w, k, &who, &n)); k++) {
        memcpy(copy, d, n);
        sim_dtls_peer_datagram(who == 'c' ? s : c, sim_now(w->k), copy, n);
    }
    ck_assert_uint_eq(sim_dtls_peer_ignored(c) + sim_dtls_peer_ignored(s), ic + is + (uint64_t)w->ndg);
    ck_assert_int_eq(w->c.sent + w->s.sent, sent);
    sim_dtls_peer_close(c);         /* twice is harmless */
    /* D176: the keys made stay usable to the end */
    uint8_t p[200];
    srtp_through(c, s, false, p, rtp(p, 7, 7, 40), 16);
    ck_assert_str_eq(sim_dtls_peer_profile(c), "SRTP_AEAD_AES_128_GCM");
    world_del(w);
}
END_TEST

/* Mutated copies of the handshake's datagrams delivered before the real
 * ones, at every step, in both roles; then garbage after the end. The
 * handshake may fail (a mutated record can be a well-formed fatal
 * error); nothing may crash or leak (make asan, valgrind), and every
 * failure says why. */
START_TEST(mutated_handshakes)
{
    world_t *w = calloc(1, sizeof *w);
    sim_rng_t r;
    int connected = 0, failed = 0;
    for (int round = 0; round < 150; round++) {
        sim_rng_init(&r, (uint64_t)round, "test_replay_dtls:mutate");
        world_init(w, 50 + (uint64_t)round, false, false, NULL, NULL);
        w->mutate = &r;
        start(w);
        run(w, SIM_SEC(600));
        for (end_t *e = &w->c; e; e = e == &w->c ? &w->s : NULL) {
            sim_dtls_peer_state_t st = sim_dtls_peer_state(e->peer);
            ck_assert_msg(st == SIM_DTLS_PEER_CONNECTED || st == SIM_DTLS_PEER_FAILED,
                          "round %d (kernel seed %d, mutation seed %d): %c left in state %d", round, 50 + round,
                          round, e->client ? 'c' : 's', (int)st);
            if (st == SIM_DTLS_PEER_FAILED)
                ck_assert_ptr_nonnull(sim_dtls_peer_error(e->peer));
        }
        if (sim_dtls_peer_state(w->c.peer) == SIM_DTLS_PEER_CONNECTED &&
            sim_dtls_peer_state(w->s.peer) == SIM_DTLS_PEER_CONNECTED)
            connected++;
        else
            failed++;
        /* after the end: the transcript mutated again, to both */
        char who;
        size_t n;
        const uint8_t *d;
        uint8_t m[4096];
        for (int i = 0; (d = logged(w, i, &who, &n)); i++) {
            size_t ml = mutated(&r, d, n, m);
            sim_dtls_peer_datagram(who == 'c' ? w->s.peer : w->c.peer, sim_now(w->k), m, ml);
        }
        world_free(w);
    }
    /* the mutations must have done something, and not everything */
    ck_assert_int_gt(connected, 0);
    ck_assert_int_gt(failed, 0);
    free(w);
}
END_TEST

static Suite *replay_dtls_suite(void)
{
    Suite *s = suite_create("replay_dtls");
    TCase *t = tcase_create("dtls_peer");
    tcase_set_timeout(t, 120);
    tcase_add_loop_test(t, handshake_and_srtp, 0, NPROF);
    tcase_add_loop_test(t, keys_as_the_lint_derives_them, 0, NPROF);
    tcase_add_test(t, lost_flights_are_retransmitted);
    tcase_add_test(t, handshake_gives_up);
    tcase_add_test(t, same_seed_same_bytes);
    tcase_add_loop_test(t, interop_with_ref, 0, 4);
    tcase_add_test(t, bad_arguments);
    tcase_add_test(t, no_profile_in_common);
    tcase_add_test(t, garbage_and_misdirected_records);
    tcase_add_test(t, mutated_handshakes);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(replay_dtls_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
