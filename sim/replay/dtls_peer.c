/*
 * dtls_peer.c - the replay player's DTLS-SRTP endpoint (dtls_peer.h):
 * DTLS 1.2 with use_srtp (RFC 6347, RFC 5764) on OpenSSL, SRTP and SRTCP
 * (RFC 3711, RFC 7714) on libsrtp2. Written apart from ref/dtls.c and
 * ref/srtp.c (the code the harness judges), so that the player does not
 * carry ref/'s faults into a replay against ref/.
 *
 * OpenSSL reads and writes through a BIO of this file: a write is one
 * datagram, passed to the caller at once; a read gives the one datagram
 * being handled, whole, then "try again". Its retransmission timer runs
 * on the clock OpenSSL reads (the bound kernel's, sim/kernel/vdet.c);
 * the durations are this file's (timer_next, RFC 6347 s.4.2.4.1), and
 * after every call the deadline is taken again as the caller's now plus
 * what OpenSSL says is left.
 */
#include "replay/dtls_peer.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <srtp2/srtp.h>

#include "kernel/vdet.h"
#include "trace/lint.h"

_Static_assert(SIM_DTLS_PEER_TRAILER_MAX == SRTP_MAX_TRAILER_LEN + 4,
               "SIM_DTLS_PEER_TRAILER_MAX is libsrtp's trailer and SRTCP's index");

/* The link MTU the handshake's flights are cut to: below any path the
 * simulator builds, TURN's 36 bytes of Send indication included (RFC
 * 8656 s.11); OpenSSL takes off the 28 of IPv4 and UDP (peer_bio_ctrl). */
#define LINK_MTU      1200
#define IPV4_UDP      28
/* RFC 6347 s.4.2.4.1: 1 s initial, doubled on each expiry, 60 s at most */
#define TIMER_FIRST_US 1000000u
#define TIMER_MAX_US   60000000u
/* "sha-256 " and 32 octets as "AB:" */
#define FP_SIZE       (8 + 32 * 3)
/* RFC 3711 s.3.3.2: the receiver picks its replay window (64 at least);
 * 1024 rides out a jittery path. The same for the sending side, where
 * libsrtp keeps it too: a trace reordered within it is re-protected. */
#define REPLAY_WINDOW 1024
/* the profiles offered, as given: the four names once each fit */
#define OFFER_MAX     128

/* The four profiles (RFC 5764 s.4.1.2; RFC 7714 s.12 and s.14.2 for GCM:
 * a 96-bit salt, a 128- or 256-bit key, a 16-octet tag for SRTP and
 * SRTCP alike). For SRTP_AES128_CM_SHA1_32 the 32-bit tag is SRTP's
 * only: SRTCP keeps 80 bits (RFC 5764 s.4.1.2). */
typedef struct suite {
    const char *name;
    uint16_t    id;                 /* SRTPProtectionProfile */
    size_t      key, salt;          /* master key and salt, octets */
    size_t      rtp_tag, rtcp_tag;  /* octets */
    void      (*rtp)(srtp_crypto_policy_t *), (*rtcp)(srtp_crypto_policy_t *);
} suite_t;

/* (libsrtp's "rtp_default" is AES_CM_128_HMAC_SHA1_80: its
 * srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 is a macro for it) */
static const suite_t SUITES[] = {
    { "SRTP_AES128_CM_SHA1_80", 0x0001, 16, 14, 10, 10, srtp_crypto_policy_set_rtp_default,
      srtp_crypto_policy_set_rtp_default },
    { "SRTP_AES128_CM_SHA1_32", 0x0002, 16, 14, 4, 10, srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
      srtp_crypto_policy_set_rtp_default },
    { "SRTP_AEAD_AES_128_GCM", 0x0007, 16, 12, 16, 16, srtp_crypto_policy_set_aes_gcm_128_16_auth,
      srtp_crypto_policy_set_aes_gcm_128_16_auth },
    { "SRTP_AEAD_AES_256_GCM", 0x0008, 32, 12, 16, 16, srtp_crypto_policy_set_aes_gcm_256_16_auth,
      srtp_crypto_policy_set_aes_gcm_256_16_auth },
};
#define NSUITES (sizeof SUITES / sizeof SUITES[0])

struct sim_dtls_peer {
    bool                    client, started;
    bool                    no_profile;     /* a server refused the ClientHello for it */
    char                    offer[OFFER_MAX];   /* the profiles offered, as given */
    sim_dtls_peer_state_t   state;
    const char             *error;          /* once FAILED */
    char                    why[200];       /* an error with OpenSSL's words in it */
    sim_dtls_peer_out_fn    out;
    sim_dtls_peer_keylog_fn keylog;
    void                   *user;
    EVP_PKEY               *key;
    SSL_CTX                *ctx;
    SSL                    *ssl;
    const uint8_t          *inbox;          /* the datagram OpenSSL is reading, or NULL */
    size_t                  inbox_len;
    sim_time_t              now;            /* of the call under way */
    sim_time_t              deadline;
    uint64_t                ignored;
    const suite_t          *suite;          /* once CONNECTED */
    srtp_t                  tx, rx;
    char                    fp[FP_SIZE], remote_fp[FP_SIZE];
};

/* ---- fingerprints, the certificate ------------------------------------------------ */

/* RFC 8122 s.5: "sha-256", a space, the digest of the certificate's DER
 * as upper-case hex octets joined by colons. */
static bool fingerprint_of(X509 *x, char out[FP_SIZE])
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32)
        return false;
    memcpy(out, "sha-256 ", 8);
    char *o = out + 8;
    for (unsigned i = 0; i < n; i++) {
        *o++ = hex[md[i] >> 4];
        *o++ = hex[md[i] & 15];
        *o++ = i + 1 < n ? ':' : '\0';
    }
    return true;
}

/* RFC 5280 s.4.1: a v3 certificate, self-issued (issuer = subject),
 * CN=rtcsim-replay, a positive 63-bit serial from OpenSSL's RAND (the
 * simulator's seeded stream, sim/kernel/vdet.c), valid from the caller's
 * now (virtual time on vdet's epoch) for 30 days, ecdsa-with-SHA256
 * (RFC 5758 s.3.2). */
static X509 *self_signed(EVP_PKEY *key, sim_time_t now)
{
    time_t from = (time_t)(SIM_VDET_EPOCH + (long long)(now / SIM_SEC(1)));
    unsigned char serial[8];
    X509 *x = X509_new();
    X509_NAME *cn = X509_NAME_new();
    BIGNUM *bn = NULL;
    bool ok = x && cn && RAND_bytes(serial, sizeof serial) == 1;
    if (ok) {
        serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x01);    /* positive, never 0 */
        bn = BN_bin2bn(serial, sizeof serial, NULL);
        ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
             X509_set_version(x, X509_VERSION_3) &&
             X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &from) &&
             X509_time_adj_ex(X509_getm_notAfter(x), 30, 0, &from) &&
             X509_NAME_add_entry_by_txt(cn, "CN", MBSTRING_ASC, (const unsigned char *)"rtcsim-replay",
                                        -1, -1, 0) &&
             X509_set_subject_name(x, cn) && X509_set_issuer_name(x, cn) && X509_set_pubkey(x, key) &&
             X509_sign(x, key, EVP_sha256()) > 0;
    }
    BN_free(bn);
    X509_NAME_free(cn);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* ---- the BIO between OpenSSL and the caller ---------------------------------------- */

static int peer_bio_write(BIO *b, const char *data, int len)
{
    /* OpenSSL writes a datagram at a time (each record it builds for the
     * MTU); the caller sends it or loses it, and a lost flight is the
     * retransmission timer's to mend (RFC 6347 s.4.2.4). */
    if (len <= 0)
        return len;
    sim_dtls_peer_t *p = BIO_get_data(b);
    p->out(p->user, (const uint8_t *)data, (size_t)len);
    return len;
}

/* The datagram being handled, whole, once; then "try again". One larger
 * than OpenSSL's read buffer (16 kB and more of records) is dropped and
 * counted: cut short it would be records lost. */
static int peer_bio_read(BIO *b, char *buf, int size)
{
    sim_dtls_peer_t *p = BIO_get_data(b);
    const uint8_t *d = p->inbox;
    size_t n = p->inbox_len;
    p->inbox = NULL;
    BIO_clear_retry_flags(b);
    if (d && size > 0 && n <= (size_t)size) {
        memcpy(buf, d, n);
        return (int)n;
    }
    p->ignored += d != NULL;
    BIO_set_retry_read(b);
    return -1;
}

static long peer_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    sim_dtls_peer_t *p = BIO_get_data(b);
    if (cmd == BIO_CTRL_FLUSH || cmd == BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT)
        return 1;       /* nothing is buffered; the timer is read with DTLSv1_get_timeout */
    if (cmd == BIO_CTRL_DGRAM_GET_MTU_OVERHEAD)
        return IPV4_UDP;
    if (cmd == BIO_CTRL_DGRAM_QUERY_MTU || cmd == BIO_CTRL_DGRAM_GET_FALLBACK_MTU)
        return LINK_MTU - IPV4_UDP;
    if (cmd == BIO_CTRL_PENDING)
        return p && p->inbox ? (long)p->inbox_len : 0;
    return 0;
}

static BIO_METHOD *peer_bio_method(void)
{
    static BIO_METHOD *method;
    if (method == NULL) {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtcsim-replay-dtls");
        if (m && BIO_meth_set_write(m, peer_bio_write) && BIO_meth_set_read(m, peer_bio_read) &&
            BIO_meth_set_ctrl(m, peer_bio_ctrl))
            method = m;
        else
            BIO_meth_free(m);
    }
    return method;
}

/* ---- OpenSSL's callbacks --------------------------------------------------------------- */

/* WebRTC trusts the certificate whose fingerprint was signalled, not a
 * chain (RFC 8827 s.6.5): any certificate passes here, and the caller
 * compares sim_dtls_peer_remote_fingerprint. SSL_VERIFY_PEER stays on so
 * that a server asks the client for one (RFC 5763 s.5). */
static int accept_certificate(X509_STORE_CTX *store, void *arg)
{
    return 1;
}

/* RFC 6347 s.4.2.4.1: the timer starts at 1 s and doubles on each
 * expiry up to 60 s; OpenSSL passes 0 for a new flight's first timer. */
static unsigned int timer_next(SSL *ssl, unsigned int previous_us)
{
    if (previous_us == 0)
        return TIMER_FIRST_US;
    return previous_us >= TIMER_MAX_US / 2 ? TIMER_MAX_US : previous_us * 2;
}

/* NSS key log: for DTLS 1.2 OpenSSL gives one CLIENT_RANDOM line a
 * handshake, which lets `rtcsim lint --keylog` read the replay's own
 * captures. */
static void keylog_line(const SSL *ssl, const char *line)
{
    sim_dtls_peer_t *p = SSL_get_app_data(ssl);
    if (p && p->keylog)
        p->keylog(p->user, line);
}

/* RFC 5764 s.4.1.1 lets the server choose any profile of the client's
 * list; this one takes the client's first that it offers itself (D174),
 * so that the other side's preference decides whichever role it has.
 * (OpenSSL alone would take the server's first.) No profile in common,
 * or no use_srtp at all, is refused here with handshake_failure, the
 * "appropriate DTLS alert" s.4.1.1 asks for when plain DTLS will not do. */
static int client_hello(SSL *ssl, int *alert, void *arg)
{
    sim_dtls_peer_t *p = SSL_get_app_data(ssl);
    const unsigned char *ext;
    size_t len;
    char list[OFFER_MAX] = "";
    /* UseSRTPData: SRTPProtectionProfiles<2..2^16-1>, srtp_mki<0..255> */
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_use_srtp, &ext, &len) == 1 && len >= 2) {
        size_t n = (size_t)ext[0] << 8 | ext[1];
        for (size_t i = 2; i + 1 < len && i < 2 + n; i += 2) {
            uint16_t id = (uint16_t)(ext[i] << 8 | ext[i + 1]);
            /* (the offer holds the four names only, none inside another) */
            for (const suite_t *s = SUITES; s < SUITES + NSUITES; s++)
                if (s->id == id && strstr(p->offer, s->name) && !strstr(list, s->name))
                    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ":" : "",
                             s->name);
        }
    }
    if (!list[0] || SSL_set_tlsext_use_srtp(ssl, list) != 0) {
        p->no_profile = true;
        *alert = SSL_AD_HANDSHAKE_FAILURE;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

/* ---- making one --------------------------------------------------------------------------- */

static const suite_t *suite_named(const char *name, size_t len)
{
    for (size_t i = 0; i < NSUITES; i++)
        if (strlen(SUITES[i].name) == len && memcmp(SUITES[i].name, name, len) == 0)
            return &SUITES[i];
    return NULL;
}

/* Every name of the list one of SUITES: OpenSSL would take the NULL
 * ciphers' profiles too, which this endpoint has no SRTP policy for. */
static bool profiles_known(const char *list, char *err, size_t errlen)
{
    const char *s = list;
    for (;;) {
        const char *colon = strchr(s, ':');
        size_t len = colon ? (size_t)(colon - s) : strlen(s);
        if (!suite_named(s, len)) {
            snprintf(err, errlen,
                     "DTLS-SRTP profile '%.*s' in \"%s\": not one of SRTP_AES128_CM_SHA1_80, "
                     "SRTP_AES128_CM_SHA1_32, SRTP_AEAD_AES_128_GCM, SRTP_AEAD_AES_256_GCM",
                     (int)(len > 64 ? 64 : len), s, list);
            return false;
        }
        if (!colon)
            return true;
        s = colon + 1;
    }
}

int sim_dtls_peer_new(bool client, const char *profiles, sim_time_t now, sim_dtls_peer_out_fn out,
                      sim_dtls_peer_keylog_fn keylog, void *user, sim_dtls_peer_t **pp, char *err,
                      size_t errlen)
{
    *pp = NULL;
    const char *list = profiles ? profiles : "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
    if (!profiles_known(list, err, errlen))
        return -1;
    if (strlen(list) >= OFFER_MAX) {
        snprintf(err, errlen, "DTLS-SRTP profiles \"%.64s...\": too long a list (each of the four once)", list);
        return -1;
    }
    sim_dtls_peer_t *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "DTLS endpoint: out of memory");
        return -1;
    }
    p->client = client;
    p->out = out;
    p->keylog = keylog;
    p->user = user;
    p->now = now;
    p->deadline = SIM_TIME_NEVER;
    p->state = SIM_DTLS_PEER_NEW;
    snprintf(p->offer, sizeof p->offer, "%s", list);
    sim_lint_srtp_init();
    const char *what = "the P-256 key";
    X509 *cert = NULL;
    BIO *bio = NULL;
    p->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (p->key) {
        what = "the self-signed certificate";
        cert = self_signed(p->key, now);
    }
    if (cert && fingerprint_of(cert, p->fp)) {
        what = "the DTLS 1.2 context";
        p->ctx = SSL_CTX_new(client ? DTLS_client_method() : DTLS_server_method());
    }
    if (p->ctx && SSL_CTX_set_min_proto_version(p->ctx, DTLS1_2_VERSION) &&
        SSL_CTX_set_max_proto_version(p->ctx, DTLS1_2_VERSION) && SSL_CTX_use_certificate(p->ctx, cert) &&
        SSL_CTX_use_PrivateKey(p->ctx, p->key) && SSL_CTX_check_private_key(p->ctx)) {
        what = "the use_srtp profiles";
        /* RFC 5764 s.4.1.1; OpenSSL returns 0 when it took the list */
        if (SSL_CTX_set_tlsext_use_srtp(p->ctx, list) == 0) {
            what = "the DTLS endpoint";
            SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
            SSL_CTX_set_cert_verify_callback(p->ctx, accept_certificate, NULL);
            /* the MTU is this file's (LINK_MTU); and the keys are the
             * first handshake's, exported once: a renegotiation is
             * refused with no_renegotiation (RFC 5246 s.7.2.2, D176) */
            SSL_CTX_set_options(p->ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION);
            SSL_CTX_set_keylog_callback(p->ctx, keylog_line);
            if (!client)
                SSL_CTX_set_client_hello_cb(p->ctx, client_hello, NULL);
            p->ssl = SSL_new(p->ctx);
            bio = p->ssl && peer_bio_method() ? BIO_new(peer_bio_method()) : NULL;
        }
    }
    X509_free(cert);        /* the context holds its own reference */
    if (!bio || !SSL_set_app_data(p->ssl, p)) {
        unsigned long e = ERR_peek_last_error();
        snprintf(err, errlen, "DTLS endpoint: OpenSSL refused %s%s%s", what, e ? ": " : "",
                 e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "?" : "");
        ERR_clear_error();
        BIO_free(bio);
        sim_dtls_peer_free(p);
        return -1;
    }
    BIO_set_data(bio, p);
    BIO_set_init(bio, 1);
    SSL_set_bio(p->ssl, bio, bio);      /* the SSL owns it from here */
    DTLS_set_link_mtu(p->ssl, LINK_MTU);
    DTLS_set_timer_cb(p->ssl, timer_next);
    if (client)
        SSL_set_connect_state(p->ssl);
    else
        SSL_set_accept_state(p->ssl);
    *pp = p;
    return 0;
}

static void srtp_drop(srtp_t *s)
{
    if (*s)
        srtp_dealloc(*s);
    *s = NULL;
}

void sim_dtls_peer_free(sim_dtls_peer_t *p)
{
    if (p == NULL)
        return;
    SSL_free(p->ssl);           /* and its BIO */
    SSL_CTX_free(p->ctx);
    EVP_PKEY_free(p->key);
    srtp_drop(&p->tx);
    srtp_drop(&p->rx);
    free(p);
}

/* ---- the handshake ------------------------------------------------------------------------ */

static void fail(sim_dtls_peer_t *p, const char *why)
{
    p->state = SIM_DTLS_PEER_FAILED;
    p->error = why;
    p->deadline = SIM_TIME_NEVER;
}

/* why, and OpenSSL's own words for it when it has some */
static void fail_ssl(sim_dtls_peer_t *p, const char *why)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    if (reason)
        snprintf(p->why, sizeof p->why, "%s (OpenSSL: %s)", why, reason);
    else
        snprintf(p->why, sizeof p->why, "%s", why);
    fail(p, p->why);
}

/* One direction's libsrtp session: a wildcard SSRC policy of that
 * direction under key || salt. */
static bool srtp_session(const suite_t *s, const uint8_t *key, const uint8_t *salt, bool outbound,
                         srtp_t *out)
{
    uint8_t master[32 + 14];
    srtp_policy_t pol;
    memset(&pol, 0, sizeof pol);
    memcpy(master, key, s->key);
    memcpy(master + s->key, salt, s->salt);
    s->rtp(&pol.rtp);
    s->rtcp(&pol.rtcp);
    pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    pol.key = master;
    pol.window_size = REPLAY_WINDOW;
    /* D175: a packet the trace holds twice is protected twice, alike, and
     * sent as recorded; the receiver's replay check is what it meets */
    pol.allow_repeat_tx = outbound;
    bool ok = srtp_create(out, &pol) == srtp_err_status_ok;
    memset(master, 0, sizeof master);
    if (!ok)
        *out = NULL;
    return ok;
}

/* RFC 5764 s.4.2: the exporter (label "EXTRACTOR-dtls_srtp", no
 * context) gives client_write_SRTP_master_key, server_write_..._key,
 * client_write_SRTP_master_salt, server_write_..._salt. A side writes
 * with its own halves and reads with its peer's. */
static bool export_keys(sim_dtls_peer_t *p)
{
    static const char label[] = "EXTRACTOR-dtls_srtp";
    const suite_t *s = p->suite;
    uint8_t km[2 * (32 + 14)];
    size_t len = 2 * (s->key + s->salt);
    if (SSL_export_keying_material(p->ssl, km, len, label, strlen(label), NULL, 0, 0) != 1)
        return false;
    const uint8_t *key[2] = { km, km + s->key };                        /* client, server */
    const uint8_t *salt[2] = { km + 2 * s->key, km + 2 * s->key + s->salt };
    int mine = p->client ? 0 : 1;
    bool ok = srtp_session(s, key[mine], salt[mine], true, &p->tx) &&
              srtp_session(s, key[1 - mine], salt[1 - mine], false, &p->rx);
    memset(km, 0, sizeof km);
    if (!ok) {
        srtp_drop(&p->tx);      /* both or neither: protect and profile go by tx */
        srtp_drop(&p->rx);
    }
    return ok;
}

static void handshake_done(sim_dtls_peer_t *p)
{
    const SRTP_PROTECTION_PROFILE *chosen = SSL_get_selected_srtp_profile(p->ssl);
    X509 *peer = SSL_get0_peer_certificate(p->ssl);
    if (!chosen) {
        /* a client whose server left use_srtp out: RFC 5764 s.4.1.1
         * lets the handshake end in plain DTLS, which carries no media
         * here; close_notify tells the peer at once (D174) */
        SSL_shutdown(p->ssl);
        fail(p, "no SRTP protection profile in common (RFC 5764 s.4.1.2)");
        return;
    }
    p->suite = suite_named(chosen->name, strlen(chosen->name));
    if (!p->suite || !peer || !fingerprint_of(peer, p->remote_fp)) {
        /* unreachable: OpenSSL takes only a profile offered, and a
         * certificate is required (SSL_VERIFY_FAIL_IF_NO_PEER_CERT) */
        fail(p, "the handshake ended without the profile or the certificate it requires");
        return;
    }
    if (!export_keys(p)) {
        fail_ssl(p, "the SRTP keys could not be exported or keyed (RFC 5764 s.4.2)");
        return;
    }
    p->state = SIM_DTLS_PEER_CONNECTED;
}

/* SSL_get_error's answer for rc: 0 (SSL_ERROR_NONE) for done, or
 * whether OpenSSL only waits for more. */
static int ssl_outcome(const sim_dtls_peer_t *p, int rc, bool *waiting)
{
    int e = rc > 0 ? SSL_ERROR_NONE : SSL_get_error(p->ssl, rc);
    *waiting = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
    return e;
}

/* Run OpenSSL on what has come, then take its timer again. */
static void drive(sim_dtls_peer_t *p)
{
    bool waiting;
    switch (p->state) {
    case SIM_DTLS_PEER_HANDSHAKING:
        if (ssl_outcome(p, SSL_do_handshake(p->ssl), &waiting) == SSL_ERROR_NONE)
            handshake_done(p);
        else if (p->no_profile)
            fail(p, "the ClientHello offered no SRTP protection profile in common (RFC 5764 s.4.1.1): "
                    "handshake_failure sent");
        else if (!waiting)
            fail_ssl(p, "the DTLS handshake failed: a fatal alert or a protocol error");
        break;
    case SIM_DTLS_PEER_CONNECTED: {
        /* After the handshake only alerts and a retransmitted last flight
         * (which OpenSSL answers with its own, RFC 6347 s.4.2.4) come
         * here; DTLS-SRTP has no application data (RFC 5764 s.4.1) and
         * any is read and dropped. */
        unsigned char sink[2048];
        int e = ssl_outcome(p, SSL_read(p->ssl, sink, sizeof sink), &waiting);
        if (e == SSL_ERROR_ZERO_RETURN)
            fail(p, "the peer closed the association (close_notify)");
        else if (e != SSL_ERROR_NONE && !waiting)
            fail_ssl(p, "the association failed: a fatal alert or a protocol error");
        break;
    }
    default:
        break;
    }
    ERR_clear_error();
    struct timeval left;
    p->deadline = SIM_TIME_NEVER;
    if (p->state == SIM_DTLS_PEER_HANDSHAKING && DTLSv1_get_timeout(p->ssl, &left) == 1)
        p->deadline = p->now + SIM_SEC((sim_time_t)left.tv_sec) + SIM_US((sim_time_t)left.tv_usec);
}

void sim_dtls_peer_start(sim_dtls_peer_t *p, sim_time_t now)
{
    if (p->started || p->state != SIM_DTLS_PEER_NEW)
        return;
    p->started = true;
    p->now = now;
    if (p->client) {
        p->state = SIM_DTLS_PEER_HANDSHAKING;
        drive(p);
    }
}

/* RFC 6347 s.4.1: a datagram holds whole records, each a 13-octet header
 * (type, version, epoch, sequence number, length) and its fragment;
 * content types 20-23 (RFC 5246 s.6.2.1; heartbeat is never negotiated
 * here), versions DTLS 1.0 {254,255} and 1.2 {254,253}, a fragment of
 * at most 2^14 + 2048 octets (RFC 5246 s.6.2.3). */
static bool whole_records(const uint8_t *d, size_t n)
{
    if (!d || n == 0)
        return false;
    for (size_t at = 0; at < n;) {
        if (n - at < 13)
            return false;
        const uint8_t *r = d + at;
        size_t len = (size_t)r[11] << 8 | r[12];
        if (r[0] < 20 || r[0] > 23 || r[1] != 254 || (r[2] != 255 && r[2] != 253) ||
            len > 16384 + 2048 || len > n - at - 13)
            return false;
        at += 13 + len;
    }
    return true;
}

/* The handshake messages the datagram's plaintext (epoch 0) records
 * carry, as a set of msg_type bits (RFC 5246 s.7.4: hello_request 0,
 * client_hello 1, server_hello 2, hello_verify_request 3 of RFC 6347
 * s.4.3.2, new_session_ticket 4 of RFC 5077 s.3.3, server_key_exchange
 * 12, certificate_request 13, server_hello_done 14, certificate_verify
 * 15, client_key_exchange 16; the others are not in it). */
#define HS(t) (1u << (t))
static uint32_t plain_handshakes(const uint8_t *d, size_t n)
{
    uint32_t set = 0;
    for (size_t at = 0; at + 13 < n; at += 13 + ((size_t)d[at + 11] << 8 | d[at + 12])) {
        const uint8_t *r = d + at;
        if (r[0] == 22 && r[3] == 0 && r[4] == 0 && (r[11] || r[12]) && r[13] < 32)
            set |= HS(r[13]);
    }
    return set;
}

/* Whether the endpoint must leave the datagram alone (D176): a handshake
 * message only its own role sends (its own flight reflected, or a peer
 * that took the same role), or, to a server not yet begun, anything but
 * a ClientHello (it answers the first ClientHello, and nothing else may
 * set it going). */
static bool not_for_me(const sim_dtls_peer_t *p, const uint8_t *d, size_t n)
{
    static const uint32_t client_sends = HS(1) | HS(15) | HS(16);
    static const uint32_t server_sends = HS(0) | HS(2) | HS(3) | HS(4) | HS(12) | HS(13) | HS(14);
    uint32_t set = plain_handshakes(d, n);
    if (set & (p->client ? client_sends : server_sends))
        return true;
    return !p->client && p->state == SIM_DTLS_PEER_NEW && !(set & HS(1));
}

void sim_dtls_peer_datagram(sim_dtls_peer_t *p, sim_time_t now, const uint8_t *d, size_t n)
{
    p->now = now;
    if (p->state == SIM_DTLS_PEER_FAILED || (p->client && !p->started) || !whole_records(d, n) ||
        not_for_me(p, d, n)) {
        p->ignored++;
        return;
    }
    if (p->state == SIM_DTLS_PEER_NEW) {
        p->started = true;
        p->state = SIM_DTLS_PEER_HANDSHAKING;
    }
    p->inbox = d;
    p->inbox_len = n;
    drive(p);
    p->inbox = NULL;
}

sim_time_t sim_dtls_peer_next_timeout(const sim_dtls_peer_t *p)
{
    return p->deadline;
}

void sim_dtls_peer_timeout(sim_dtls_peer_t *p, sim_time_t now)
{
    p->now = now;
    if (p->state != SIM_DTLS_PEER_HANDSHAKING || now < p->deadline)
        return;
    /* RFC 6347 s.4.2.4: the last flight again, the timer doubled
     * (timer_next); -1 once OpenSSL gives up, on the expiry after its
     * twelfth (DTLS1_TMO_ALERT_COUNT, D173) */
    if (DTLSv1_handle_timeout(p->ssl) < 0) {
        fail(p, "the DTLS handshake timed out: no answer to 12 retransmissions of a flight (RFC 6347 "
                "s.4.2.4)");
        ERR_clear_error();
        return;
    }
    drive(p);
}

void sim_dtls_peer_close(sim_dtls_peer_t *p)
{
    if (p->state == SIM_DTLS_PEER_CONNECTED)
        SSL_shutdown(p->ssl);   /* our close_notify (RFC 5246 s.7.2.1); none awaited */
    ERR_clear_error();
    if (p->state != SIM_DTLS_PEER_FAILED)
        fail(p, "closed");
}

const char *sim_dtls_peer_fingerprint(const sim_dtls_peer_t *p) { return p->fp; }
sim_dtls_peer_state_t sim_dtls_peer_state(const sim_dtls_peer_t *p) { return p->state; }
uint64_t sim_dtls_peer_ignored(const sim_dtls_peer_t *p) { return p->ignored; }

const char *sim_dtls_peer_error(const sim_dtls_peer_t *p)
{
    return p->state == SIM_DTLS_PEER_FAILED ? p->error : NULL;
}

const char *sim_dtls_peer_profile(const sim_dtls_peer_t *p)
{
    return p->tx ? p->suite->name : NULL;
}

const char *sim_dtls_peer_remote_fingerprint(const sim_dtls_peer_t *p)
{
    return p->tx ? p->remote_fp : NULL;
}

/* ---- SRTP ------------------------------------------------------------------------------------- */

int sim_dtls_peer_protect(sim_dtls_peer_t *p, bool rtcp, const uint8_t *in, size_t n, uint8_t *out,
                          size_t cap, size_t *outlen)
{
    if (!p->tx)
        return -1;
    /* RFC 3711 s.3.1 and s.3.4, RFC 7714 s.9.1 and s.10.1: the tag after
     * the packet, and before it, for SRTCP, the E flag and index */
    size_t grows = rtcp ? p->suite->rtcp_tag + 4 : p->suite->rtp_tag;
    /* libsrtp 2.5 may write its SRTP_MAX_TRAILER_LEN past the packet
     * (srtp.h), whatever the profile's tag */
    if (n > (size_t)INT_MAX - SIM_DTLS_PEER_TRAILER_MAX || cap < n + SIM_DTLS_PEER_TRAILER_MAX)
        return -1;
    memmove(out, in, n);
    int len = (int)n;
    srtp_err_status_t st = rtcp ? srtp_protect_rtcp(p->tx, out, &len) : srtp_protect(p->tx, out, &len);
    /* the length is the profile's, or libsrtp is not doing what it says */
    if (st != srtp_err_status_ok || (size_t)len != n + grows)
        return -1;
    *outlen = (size_t)len;
    return 0;
}

int sim_dtls_peer_unprotect(sim_dtls_peer_t *p, bool rtcp, const uint8_t *in, size_t n, uint8_t *out,
                            size_t cap, size_t *outlen, const char **why)
{
    const char *unused;
    if (!why)
        why = &unused;
    if (!p->rx) {
        *why = "no-keys";
        return -1;
    }
    if (n > INT_MAX || cap < n) {
        *why = "other";
        return -1;
    }
    memmove(out, in, n);
    int len = (int)n;
    srtp_err_status_t st = rtcp ? srtp_unprotect_rtcp(p->rx, out, &len) : srtp_unprotect(p->rx, out, &len);
    switch (st) {
    case srtp_err_status_ok:
        *outlen = (size_t)len;
        return 0;
    case srtp_err_status_auth_fail:
        *why = "auth";
        break;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        *why = "replay";
        break;
    default:
        *why = "other";
        break;
    }
    return -1;
}
