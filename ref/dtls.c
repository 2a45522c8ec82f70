/*
 * dtls.c - sans-IO DTLS 1.2 + use_srtp on OpenSSL (dtls.h).
 *
 * OpenSSL talks to a BIO of our own with datagram semantics: each write is
 * one datagram, handed to the owner's out callback at once; a read returns
 * the one datagram being handled, then "retry". So no datagram boundary is
 * lost and nothing is buffered here. OpenSSL keeps the retransmission
 * timer (RFC 6347 s.4.2.4: 1 s initial, doubling, at most 60 s, and it
 * gives up after 12 expiries); after every step the endpoint records from
 * DTLSv1_get_timeout when the owner must call back (rtc_dtls_next_timeout).
 * Time and randomness reach OpenSSL from whoever runs the endpoint (the
 * simulator interposes them, sim/vdet.c); nothing here reads either.
 */
#include "dtls.h"

#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "srtp.h"

#define DTLS_MTU 1200       /* fits any path the simulator builds, with room for TURN */
#define FP_LEN   (8 + 32 * 3)
/* RFC 6347 s.4.1: type, version, epoch, sequence number, length */
#define RECORD_HEADER 13

/* A self-signed P-256 certificate is under 400 bytes of DER. */
#define CERT_DER_MAX 400

struct rtc_dtls_cert {
    EVP_PKEY *key;
    uint8_t   der[CERT_DER_MAX];    /* the certificate, DER (RFC 5280 s.4.1) */
    size_t    der_len;
    char      fingerprint[FP_LEN];
};

struct rtc_dtls {
    const char      *why;           /* once FAILED: what happened */
    rtc_env_t        env;
    rtc_dtls_out_fn  out;
    void            *out_user;
    rtc_dtls_role_t  role;
    rtc_dtls_state_t state;
    SSL_CTX         *ctx;
    SSL             *ssl;
    const uint8_t   *in;            /* datagram being handled */
    size_t           in_len;
    uint64_t         ignored;
    uint64_t         next_timeout;  /* absolute, env.now units */
    char             peer_fp[FP_LEN];
};

const char *rtc_dtls_strerror(rtc_dtls_status_t s)
{
    switch (s) {
    case RTC_DTLS_OK: return "ok";
    case RTC_DTLS_ERR_NOMEM: return "out of memory";
    case RTC_DTLS_ERR_CRYPTO: return "OpenSSL refused the operation";
    case RTC_DTLS_ERR_STATE: return "not possible in the current state";
    case RTC_DTLS_ERR_INVALID: return "invalid argument";
    }
    return "unknown status";
}

/* RFC 8122 s.5: hash function name, then upper-case hex pairs with colons,
 * of the certificate's DER. */
static void fingerprint(const uint8_t *der, size_t len, char out[FP_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    out[0] = '\0';
    if (!EVP_Digest(der, len, md, &n, EVP_sha256(), NULL) || n != 32)
        return;
    size_t o = (size_t)snprintf(out, FP_LEN, "sha-256 ");
    for (unsigned i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, FP_LEN - o, i ? ":%02X" : "%02X", md[i]);
}

/* DER (X.690) a tag and its definite length into out; the header's size. */
static size_t der_header(uint8_t *out, uint8_t tag, size_t len)
{
    out[0] = tag;
    if (len < 128) {
        out[1] = (uint8_t)len;
        return 2;
    }
    if (len < 256) {
        out[1] = 0x81;
        out[2] = (uint8_t)len;
        return 3;
    }
    out[1] = 0x82;
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    return 4;
}

/* The certificate is written out in DER here rather than built as an
 * X509 object: OpenSSL 3.0's X509_set_pubkey encodes the key through its
 * encoder framework, 0.17 ms a call, seven times the key generation and
 * the signature together, and every RTCConnection makes a certificate.
 * The X509 object is parsed from this DER only when a DTLS endpoint
 * needs it (rtc_dtls_new). RFC 5280 s.4.1: a v3 certificate, a random
 * positive 64-bit serial (s.4.1.2.2), signed with ecdsa-with-SHA256
 * (RFC 5758 s.3.2), issuer and subject CN=rtcsim, valid 30 days from now,
 * the key an id-ecPublicKey on prime256v1 (RFC 5480 s.2), uncompressed. */
static bool cert_der(rtc_dtls_cert_t *c)
{
    static const uint8_t version[] = { 0xa0, 0x03, 0x02, 0x01, 0x02 };
    static const uint8_t sigalg[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
    static const uint8_t name[] = { 0x30, 0x11, 0x31, 0x0f, 0x30, 0x0d, 0x06, 0x03, 0x55, 0x04, 0x03,
                                    0x0c, 0x06, 'r', 't', 'c', 's', 'i', 'm' };
    static const uint8_t spki[] = { 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                    0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
                                    0x07, 0x03, 0x42, 0x00 };
    uint8_t tbs[300], *t = tbs + 4;     /* room for the SEQUENCE header */
    memcpy(t, version, sizeof version);
    t += sizeof version;
    *t++ = 0x02;
    *t++ = 8;
    /* OpenSSL's RAND: seeded by whoever runs ref/ (the simulator's,
     * sim/kernel/vdet.c), as DTLS's own randoms are */
    if (RAND_bytes(t, 8) != 1)
        return false;
    t[0] &= 0x7f;                       /* positive */
    t[0] |= 0x40;                       /* and its first byte not 0: DER's minimal form */
    t += 8;
    memcpy(t, sigalg, sizeof sigalg);
    t += sizeof sigalg;
    memcpy(t, name, sizeof name);
    t += sizeof name;
    /* validity: two UTCTimes, from the clock OpenSSL reads (virtual in
     * the simulator, sim/kernel/vdet.c); ref/ reads none itself */
    uint8_t *v = t;
    t += 2;
    for (long adj = 0; adj <= 30L * 24 * 3600; adj += 30L * 24 * 3600) {
        ASN1_TIME *at = X509_gmtime_adj(NULL, adj);
        unsigned char *p = t;
        int n = at ? i2d_ASN1_TIME(at, &p) : -1;
        ASN1_TIME_free(at);
        if (n <= 0 || n > 17)
            return false;
        t += n;
    }
    v[0] = 0x30;
    v[1] = (uint8_t)(t - v - 2);
    memcpy(t, name, sizeof name);
    t += sizeof name;
    memcpy(t, spki, sizeof spki);
    t += sizeof spki;
    size_t pl = 0;
    if (!EVP_PKEY_get_octet_string_param(c->key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, t, 65, &pl) || pl != 65)
        return false;
    t += 65;
    size_t body = (size_t)(t - tbs - 4);
    size_t h = der_header(tbs, 0x30, body);     /* 3 bytes: the body is 128 to 255 */
    memmove(tbs + h, tbs + 4, body);
    size_t tbs_len = h + body;
    /* the signature over the TBSCertificate */
    uint8_t sig[80];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, c->key) == 1 &&
              EVP_DigestSign(md, sig, &sig_len, tbs, tbs_len) == 1;
    EVP_MD_CTX_free(md);
    if (!ok)
        return false;
    /* Certificate ::= SEQUENCE { tbs, signatureAlgorithm, BIT STRING } */
    uint8_t bits[4 + sizeof sig];
    size_t bh = der_header(bits, 0x03, sig_len + 1);
    bits[bh] = 0;                       /* no unused bits */
    memcpy(bits + bh + 1, sig, sig_len);
    size_t bits_len = bh + 1 + sig_len;
    size_t all = tbs_len + sizeof sigalg + bits_len;
    size_t ch = der_header(c->der, 0x30, all);
    if (ch + all > sizeof c->der)
        return false;
    uint8_t *o = c->der + ch;
    memcpy(o, tbs, tbs_len);
    memcpy(o + tbs_len, sigalg, sizeof sigalg);
    memcpy(o + tbs_len + sizeof sigalg, bits, bits_len);
    c->der_len = ch + all;
    return true;
}

rtc_dtls_status_t rtc_dtls_cert_new(rtc_dtls_cert_t **out)
{
    *out = NULL;
    rtc_dtls_cert_t *c = calloc(1, sizeof *c);
    if (!c)
        return RTC_DTLS_ERR_NOMEM;
    c->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!c->key || !cert_der(c)) {
        ERR_clear_error();
        rtc_dtls_cert_free(c);
        return RTC_DTLS_ERR_CRYPTO;
    }
    fingerprint(c->der, c->der_len, c->fingerprint);
    *out = c;
    return RTC_DTLS_OK;
}

void rtc_dtls_cert_free(rtc_dtls_cert_t *c)
{
    if (!c)
        return;
    EVP_PKEY_free(c->key);
    free(c);
}

const char *rtc_dtls_cert_fingerprint(const rtc_dtls_cert_t *c)
{
    return c->fingerprint;
}

/* ---- the datagram BIO -------------------------------------------------------- */

static int bio_write(BIO *b, const char *data, int len)
{
    rtc_dtls_t *d = BIO_get_data(b);
    /* A flight the owner could not send is a flight lost: the handshake's
     * own retransmission timer sends it again (RFC 6347 s.4.2.4). */
    if (len > 0)
        d->out(d->out_user, (const uint8_t *)data, (size_t)len);
    return len;
}

static int bio_read(BIO *b, char *buf, int len)
{
    rtc_dtls_t *d = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (!d->in) {
        BIO_set_retry_read(b);
        return -1;
    }
    size_t n = d->in_len < (size_t)len ? d->in_len : (size_t)len;
    memcpy(buf, d->in, n);
    d->in = NULL;
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    rtc_dtls_t *d = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
        return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return DTLS_MTU;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
        return 28;          /* IPv4 + UDP */
    case BIO_CTRL_PENDING:
        return d && d->in ? (long)d->in_len : 0;
    case BIO_CTRL_WPENDING:
        return 0;
    default:
        return 0;
    }
}

static BIO_METHOD *bio_method(void)
{
    static BIO_METHOD *m;
    if (!m) {
        m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtcsim-datagram");
        if (m) {
            BIO_meth_set_write(m, bio_write);
            BIO_meth_set_read(m, bio_read);
            BIO_meth_set_ctrl(m, bio_ctrl);
        }
    }
    return m;
}

/* ---- the endpoint --------------------------------------------------------------- */

/* WebRTC authenticates the peer by the fingerprint signalled out of band,
 * not by a CA: accept any certificate here (RFC 8827 s.6.5). */
static int accept_any(int ok, X509_STORE_CTX *store)
{
    return 1;
}

static void release(rtc_dtls_t *d)
{
    SSL_free(d->ssl);
    SSL_CTX_free(d->ctx);
    free(d);
}

/* The NSS key log line OpenSSL writes for each secret (CLIENT_RANDOM for
 * DTLS 1.2), so that Wireshark can decode the capture. */
static void keylog_line(const SSL *ssl, const char *line)
{
    rtc_dtls_t *d = SSL_get_app_data(ssl);
    if (d && d->env.keylog)
        d->env.keylog(d->env.ctx, line);
}

rtc_dtls_status_t rtc_dtls_new(const rtc_env_t *env, rtc_dtls_role_t role,
                               const rtc_dtls_cert_t *cert, const char *profiles,
                               rtc_dtls_out_fn out, void *out_user, rtc_dtls_t **dp)
{
    *dp = NULL;
    rtc_dtls_t *d = calloc(1, sizeof *d);
    if (!d)
        return RTC_DTLS_ERR_NOMEM;
    d->env = *env;
    d->out = out;
    d->out_user = out_user;
    d->role = role;
    d->state = RTC_DTLS_NEW;
    d->next_timeout = RTC_TIME_NEVER;
    BIO *bio = NULL;
    d->ctx = SSL_CTX_new(DTLS_method());
    const unsigned char *der = cert->der;
    X509 *x509 = d2i_X509(NULL, &der, (long)cert->der_len);    /* the context takes a reference */
    int ok = d->ctx && x509 && bio_method() &&
             SSL_CTX_set_min_proto_version(d->ctx, DTLS1_2_VERSION) &&
             SSL_CTX_use_certificate(d->ctx, x509) &&
             SSL_CTX_use_PrivateKey(d->ctx, cert->key) &&
             /* RFC 5764 s.4.1.2; returns 0 on success, and refuses a list
              * with a name it does not know */
             SSL_CTX_set_tlsext_use_srtp(
                 d->ctx, profiles ? profiles : "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") == 0;
    X509_free(x509);
    if (ok) {
        SSL_CTX_set_verify(d->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
        SSL_CTX_set_options(d->ctx, SSL_OP_NO_QUERY_MTU);
        if (env->keylog)
            SSL_CTX_set_keylog_callback(d->ctx, keylog_line);
        d->ssl = SSL_new(d->ctx);
        bio = d->ssl ? BIO_new(bio_method()) : NULL;
        ok = bio != NULL && SSL_set_app_data(d->ssl, d) == 1;
    }
    if (!ok) {
        ERR_clear_error();
        BIO_free(bio);
        release(d);
        return RTC_DTLS_ERR_CRYPTO;
    }
    BIO_set_data(bio, d);
    BIO_set_init(bio, 1);
    SSL_set_bio(d->ssl, bio, bio);
    SSL_set_mtu(d->ssl, DTLS_MTU - 28);
    if (role == RTC_DTLS_CLIENT)
        SSL_set_connect_state(d->ssl);
    else
        SSL_set_accept_state(d->ssl);
    *dp = d;
    return RTC_DTLS_OK;
}

void rtc_dtls_free(rtc_dtls_t *d)
{
    if (!d)
        return;
    release(d);
}

/* OpenSSL's timer is relative to its own clock (gettimeofday); the owner's
 * is env->now. Both are the same clock run by the environment, so now +
 * what remains is the instant. */
static void fail(rtc_dtls_t *d, const char *why)
{
    d->state = RTC_DTLS_FAILED;
    d->why = why;
}

static void note_timeout(rtc_dtls_t *d)
{
    struct timeval tv;
    uint64_t at = RTC_TIME_NEVER;
    if (d->state == RTC_DTLS_HANDSHAKING && DTLSv1_get_timeout(d->ssl, &tv) == 1)
        at = d->env.now(d->env.ctx) + (uint64_t)tv.tv_sec * 1000000000u +
             (uint64_t)tv.tv_usec * 1000u;
    d->next_timeout = at;
}

static void on_connected(rtc_dtls_t *d)
{
    /* RFC 5764 s.4.1.2 lets a handshake with no common profile fall back
     * to plain DTLS; without SRTP keys it is of no use here (D54). Both
     * ends see the same outcome. */
    if (!SSL_get_selected_srtp_profile(d->ssl)) {
        fail(d, "no SRTP protection profile in common (RFC 5764 s.4.1.2)");
        return;
    }
    d->state = RTC_DTLS_CONNECTED;
    X509 *peer = SSL_get1_peer_certificate(d->ssl);
    if (peer) {
        /* of its DER as it came (RFC 8122 s.5) */
        unsigned char *der = NULL;
        int n = i2d_X509(peer, &der);
        if (n > 0)
            fingerprint(der, (size_t)n, d->peer_fp);
        OPENSSL_free(der);
        X509_free(peer);
    }
}

static void step(rtc_dtls_t *d)
{
    if (d->state == RTC_DTLS_HANDSHAKING) {
        int rc = SSL_do_handshake(d->ssl);
        if (rc == 1) {
            on_connected(d);
        } else {
            int e = SSL_get_error(d->ssl, rc);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                fail(d, "the handshake failed (a fatal alert or a protocol error)");
        }
    } else if (d->state == RTC_DTLS_CONNECTED) {
        /* Post-handshake records (a retransmitted Finished, alerts):
         * application data is not used over DTLS-SRTP. A record that does
         * not decrypt is dropped by OpenSSL (RFC 6347 s.4.1.2.7) and reads
         * as "want read"; close_notify and a fatal alert end the
         * association. */
        char buf[2048];
        int rc = SSL_read(d->ssl, buf, sizeof buf);
        if (rc <= 0) {
            int e = SSL_get_error(d->ssl, rc);
            if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SSL)
                fail(d, "the peer closed the association or sent a fatal alert");
        }
    }
    ERR_clear_error();
    note_timeout(d);
}

rtc_dtls_status_t rtc_dtls_start(rtc_dtls_t *d)
{
    if (d->state != RTC_DTLS_NEW)
        return RTC_DTLS_ERR_STATE;
    d->state = RTC_DTLS_HANDSHAKING;
    if (d->role == RTC_DTLS_CLIENT)
        step(d);
    return RTC_DTLS_OK;
}

/* Whether data is whole DTLS 1.x records end to end (RFC 6347 s.4.1: a
 * datagram carries one or more records, none split), each of a content
 * type TLS defines (20-25) and version {254, x}. OpenSSL would drop the
 * rest silently; caught here they are counted, and OpenSSL never sees a
 * truncated record. */
static bool records(const uint8_t *data, size_t len)
{
    if (len == 0)
        return false;
    while (len > 0) {
        if (len < RECORD_HEADER || data[0] < 20 || data[0] > 25 || data[1] != 254)
            return false;
        size_t n = (size_t)data[11] << 8 | data[12];
        if (n > len - RECORD_HEADER)
            return false;
        data += RECORD_HEADER + n;
        len -= RECORD_HEADER + n;
    }
    return true;
}

void rtc_dtls_handle_datagram(rtc_dtls_t *d, const uint8_t *data, size_t len)
{
    /* RFC 7983 s.7: DTLS records start with a byte in 20..63; and a
     * client answers nothing before it has started. */
    if (!data || !records(data, len) || d->state == RTC_DTLS_FAILED ||
        (d->state == RTC_DTLS_NEW && d->role == RTC_DTLS_CLIENT)) {
        d->ignored++;
        return;
    }
    if (d->state == RTC_DTLS_NEW)       /* a server answers the first ClientHello */
        d->state = RTC_DTLS_HANDSHAKING;
    d->in = data;
    d->in_len = len;
    step(d);
    d->in = NULL;
}

void rtc_dtls_handle_timeout(rtc_dtls_t *d)
{
    if (d->state != RTC_DTLS_HANDSHAKING)
        return;
    /* RFC 6347 s.4.2.4: retransmit the last flight, back off; OpenSSL
     * says -1 once it has given up (its DTLS1_TMO_ALERT_COUNT). Early,
     * it does nothing and says 0. */
    if (DTLSv1_handle_timeout(d->ssl) < 0)
        fail(d, "the handshake timed out (no answer to its retransmissions, RFC 6347 s.4.2.4)");
    ERR_clear_error();
    note_timeout(d);
}

void rtc_dtls_close(rtc_dtls_t *d)
{
    if (d->state == RTC_DTLS_CONNECTED)
        SSL_shutdown(d->ssl);       /* our close_notify; we wait for none back */
    ERR_clear_error();
    fail(d, "closed");
    d->next_timeout = RTC_TIME_NEVER;
}

uint64_t         rtc_dtls_next_timeout(const rtc_dtls_t *d) { return d->next_timeout; }
rtc_dtls_state_t rtc_dtls_state(const rtc_dtls_t *d) { return d->state; }
const char      *rtc_dtls_failure(const rtc_dtls_t *d) { return d->state == RTC_DTLS_FAILED ? d->why : NULL; }
uint64_t         rtc_dtls_ignored(const rtc_dtls_t *d) { return d->ignored; }

const char *rtc_dtls_srtp_profile(const rtc_dtls_t *d)
{
    if (d->state != RTC_DTLS_CONNECTED)
        return NULL;
    SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
    return p ? p->name : NULL;
}

const char *rtc_dtls_peer_fingerprint(const rtc_dtls_t *d)
{
    return d->state == RTC_DTLS_CONNECTED && d->peer_fp[0] ? d->peer_fp : NULL;
}

size_t rtc_dtls_srtp_key_len(const rtc_dtls_t *d)
{
    rtc_srtp_profile_t p;
    return rtc_srtp_profile_of(rtc_dtls_srtp_profile(d), &p) ? rtc_srtp_key_material_len(p) : 0;
}

rtc_dtls_status_t rtc_dtls_srtp_keys(const rtc_dtls_t *d, uint8_t *out, size_t len)
{
    static const char label[] = "EXTRACTOR-dtls_srtp";
    if (d->state != RTC_DTLS_CONNECTED)
        return RTC_DTLS_ERR_STATE;
    if (len != rtc_dtls_srtp_key_len(d))
        return RTC_DTLS_ERR_INVALID;
    if (SSL_export_keying_material(d->ssl, out, len, label, sizeof label - 1, NULL, 0, 0) != 1) {
        ERR_clear_error();
        return RTC_DTLS_ERR_CRYPTO;
    }
    return RTC_DTLS_OK;
}

/* RFC 8122 s.5: hash-func SP fingerprint, the fingerprint 2HEX *(":" 2HEX);
 * s.5 also says hash names compare without regard to case. */
bool rtc_dtls_peer_matches(const rtc_dtls_t *d, const char *fp)
{
    static const struct { const char *name; const EVP_MD *(*md)(void); } hashes[] = {
        { "sha-1", EVP_sha1 },     { "sha-224", EVP_sha224 }, { "sha-256", EVP_sha256 },
        { "sha-384", EVP_sha384 }, { "sha-512", EVP_sha512 },
    };
    X509 *peer = d->ssl ? SSL_get0_peer_certificate(d->ssl) : NULL;
    if (!peer || !fp)
        return false;
    const char *sp = strchr(fp, ' ');
    if (!sp)
        return false;
    const EVP_MD *md = NULL;
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0] && !md; i++)
        if (strlen(hashes[i].name) == (size_t)(sp - fp) &&
            strncasecmp(fp, hashes[i].name, (size_t)(sp - fp)) == 0)
            md = hashes[i].md();
    unsigned char want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!md || !X509_digest(peer, md, want, &n)) {
        ERR_clear_error();
        return false;
    }
    const char *h = sp + 1;
    size_t k = 0;
    for (;;) {
        if (k == EVP_MAX_MD_SIZE || !isxdigit((unsigned char)h[0]) || !isxdigit((unsigned char)h[1]))
            return false;
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1)
            return false;
        got[k++] = (unsigned char)v;
        h += 2;
        if (*h == '\0')
            break;
        if (*h++ != ':')
            return false;
    }
    return k == n && memcmp(got, want, n) == 0;
}
