/*
 * srtp.c - SRTP and SRTCP for one DTLS-SRTP association on libsrtp2
 * (srtp.h; RFC 3711, RFC 7714, RFC 5764 s.4.2).
 *
 * Two libsrtp sessions per association, because a libsrtp session holds
 * one wildcard template only: the outbound one (ssrc_any_outbound) under
 * our write key, the inbound one (ssrc_any_inbound) under the peer's.
 * libsrtp derives the session keys from the master key and salt itself
 * (RFC 3711 s.4.3, key derivation rate 0) and keeps the rollover counter
 * and replay list of every SSRC it has seen. It is deterministic given
 * its keys and draws no randomness, so it is fit for ref/ as it is.
 */
#include "srtp.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#define KEY_LEN      16     /* AES-128, both profiles */
#define SALT_CM      14     /* RFC 3711 s.8.2: 112-bit master salt */
#define SALT_GCM     12     /* RFC 7714 s.14.2: 96-bit master salt */
#define TAG_CM       10     /* RFC 5764 s.4.1.2: HMAC-SHA1 truncated to 80 bits */
#define TAG_GCM      16     /* RFC 7714 s.14.2: 16-octet authentication tag */
#define SRTCP_INDEX  4      /* RFC 3711 s.3.4: E flag and 31-bit SRTCP index */
/* RFC 3711 s.3.3.2 lets the receiver choose the window (at least 64);
 * 1024 rides out the reordering of a jittery simulated path. libsrtp's
 * SRTCP window is fixed at 128 whatever this says (D53). */
#define REPLAY_WINDOW 1024

struct rtc_srtp {
    rtc_srtp_profile_t profile;
    srtp_t             tx, rx;
};

const char *rtc_srtp_status_name(rtc_srtp_status_t st)
{
    switch (st) {
    case RTC_SRTP_OK: return "ok";
    case RTC_SRTP_ERR_NOMEM: return "no-memory";
    case RTC_SRTP_ERR_INIT: return "init";
    case RTC_SRTP_ERR_AUTH: return "auth";
    case RTC_SRTP_ERR_REPLAY: return "replay";
    case RTC_SRTP_ERR_MALFORMED: return "malformed";
    case RTC_SRTP_ERR_NO_ROOM: return "no-room";
    case RTC_SRTP_ERR_FAIL: return "fail";
    case RTC_SRTP__COUNT: break;
    }
    return "unknown";
}

static rtc_srtp_status_t map_status(srtp_err_status_t e)
{
    switch (e) {
    case srtp_err_status_ok: return RTC_SRTP_OK;
    case srtp_err_status_alloc_fail: return RTC_SRTP_ERR_NOMEM;
    case srtp_err_status_auth_fail: return RTC_SRTP_ERR_AUTH;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old: return RTC_SRTP_ERR_REPLAY;
    /* What libsrtp says of a packet too short, with a header it cannot
     * walk, or whose tag does not fit (a GCM packet shorter than its tag
     * is cipher_fail in 2.5). */
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
    case srtp_err_status_cipher_fail:
    case srtp_err_status_bad_mki: return RTC_SRTP_ERR_MALFORMED;
    default: return RTC_SRTP_ERR_FAIL;
    }
}

rtc_srtp_status_t rtc_srtp_global_init(void)
{
    /* libsrtp's own state is process-wide; srtp_init twice would reload
     * its crypto kernel under live sessions. */
    static int done;
    static srtp_err_status_t st;
    if (!done) {
        st = srtp_init();
        done = 1;
        if (st != srtp_err_status_ok) {
            /* Another user of the process's libsrtp got there first:
             * libsrtp refuses a second srtp_init (bad_param) but works.
             * That happens when the harness runs this ref/ beside another
             * copy of it (the built-in one and build/ref.so or a mutant,
             * D105). A session that can be made says libsrtp is ready. */
            srtp_policy_t p;
            memset(&p, 0, sizeof p);
            static unsigned char probe[SRTP_AES_ICM_128_KEY_LEN_WSALT];
            srtp_crypto_policy_set_rtp_default(&p.rtp);
            srtp_crypto_policy_set_rtcp_default(&p.rtcp);
            p.key = probe;
            p.ssrc.type = ssrc_any_outbound;
            srtp_t s;
            if (srtp_create(&s, &p) == srtp_err_status_ok) {
                srtp_dealloc(s);
                st = srtp_err_status_ok;
            }
        }
    }
    return st == srtp_err_status_ok ? RTC_SRTP_OK : RTC_SRTP_ERR_INIT;
}

bool rtc_srtp_profile_of(const char *name, rtc_srtp_profile_t *out)
{
    if (!name)
        return false;
    if (strcmp(name, "SRTP_AES128_CM_SHA1_80") == 0) {
        *out = RTC_SRTP_AES128_CM_SHA1_80;
        return true;
    }
    if (strcmp(name, "SRTP_AEAD_AES_128_GCM") == 0) {
        *out = RTC_SRTP_AEAD_AES_128_GCM;
        return true;
    }
    return false;
}

static size_t salt_len(rtc_srtp_profile_t p)
{
    return p == RTC_SRTP_AEAD_AES_128_GCM ? SALT_GCM : SALT_CM;
}

size_t rtc_srtp_key_material_len(rtc_srtp_profile_t p)
{
    return 2 * (KEY_LEN + salt_len(p));
}

size_t rtc_srtp_overhead(rtc_srtp_profile_t p, bool rtcp)
{
    /* RFC 3711 s.3.1 / s.3.4, RFC 7714 s.9.1 / s.10.1: the tag after the
     * payload, and for SRTCP the E||index word before it. No MKI. */
    size_t tag = p == RTC_SRTP_AEAD_AES_128_GCM ? TAG_GCM : TAG_CM;
    return tag + (rtcp ? SRTCP_INDEX : 0);
}

/* One direction: a session whose only policy is the wildcard of its
 * direction, keyed by key||salt as libsrtp wants them. */
static srtp_err_status_t session(rtc_srtp_profile_t p, const uint8_t *key, const uint8_t *salt,
                                 srtp_ssrc_type_t dir, srtp_t *out)
{
    uint8_t ks[KEY_LEN + SALT_CM];
    size_t sl = salt_len(p);
    memcpy(ks, key, KEY_LEN);
    memcpy(ks + KEY_LEN, salt, sl);
    srtp_policy_t pol;
    memset(&pol, 0, sizeof pol);
    if (p == RTC_SRTP_AEAD_AES_128_GCM) {
        /* RFC 7714 s.14.2: AEAD_AES_128_GCM for SRTP and SRTCP alike */
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
    } else {
        /* RFC 5764 s.4.1.2: AES_CM_128_HMAC_SHA1_80 for both */
        srtp_crypto_policy_set_rtp_default(&pol.rtp);
        srtp_crypto_policy_set_rtcp_default(&pol.rtcp);
    }
    pol.ssrc.type = dir;
    pol.key = ks;
    pol.window_size = REPLAY_WINDOW;
    /* RFC 3711 s.3.3.2: a sender never reuses an index; libsrtp checks
     * that on protect too when repeats are off. */
    pol.allow_repeat_tx = 0;
    pol.next = NULL;
    srtp_err_status_t e = srtp_create(out, &pol);
    memset(ks, 0, sizeof ks);
    return e;
}

rtc_srtp_status_t rtc_srtp_new(rtc_srtp_profile_t p, const uint8_t *material, size_t len,
                               bool is_client, rtc_srtp_t **out)
{
    *out = NULL;
    if ((p != RTC_SRTP_AES128_CM_SHA1_80 && p != RTC_SRTP_AEAD_AES_128_GCM) || !material ||
        len != rtc_srtp_key_material_len(p))
        return RTC_SRTP_ERR_INIT;
    if (rtc_srtp_global_init() != RTC_SRTP_OK)
        return RTC_SRTP_ERR_INIT;
    rtc_srtp_t *s = calloc(1, sizeof *s);
    if (!s)
        return RTC_SRTP_ERR_NOMEM;
    s->profile = p;
    /* RFC 5764 s.4.2: client_write_SRTP_master_key, server_write_..._key,
     * client_write_SRTP_master_salt, server_write_..._salt. The client
     * writes with the client halves and reads with the server's. */
    size_t sl = salt_len(p);
    const uint8_t *ckey = material, *skey = material + KEY_LEN;
    const uint8_t *csalt = material + 2 * KEY_LEN, *ssalt = csalt + sl;
    srtp_err_status_t e = session(p, is_client ? ckey : skey, is_client ? csalt : ssalt,
                                  ssrc_any_outbound, &s->tx);
    if (e == srtp_err_status_ok)
        e = session(p, is_client ? skey : ckey, is_client ? ssalt : csalt, ssrc_any_inbound,
                    &s->rx);
    if (e != srtp_err_status_ok) {
        rtc_srtp_free(s);
        return e == srtp_err_status_alloc_fail ? RTC_SRTP_ERR_NOMEM : RTC_SRTP_ERR_INIT;
    }
    *out = s;
    return RTC_SRTP_OK;
}

void rtc_srtp_free(rtc_srtp_t *s)
{
    if (!s)
        return;
    if (s->tx)
        srtp_dealloc(s->tx);
    if (s->rx)
        srtp_dealloc(s->rx);
    free(s);
}

/* libsrtp 2.5 takes an int length and writes the trailer past it
 * unchecked (srtp.h: "assumes that it can write SRTP_MAX_TRAILER_LEN"),
 * so the room is checked here, against the profile's exact overhead. */
static rtc_srtp_status_t protect(rtc_srtp_t *s, uint8_t *buf, size_t *len, size_t cap, bool rtcp)
{
    size_t over = rtc_srtp_overhead(s->profile, rtcp);
    if (*len > (size_t)INT_MAX - over || cap < *len + over)
        return RTC_SRTP_ERR_NO_ROOM;
    int n = (int)*len;
    srtp_err_status_t e = rtcp ? srtp_protect_rtcp(s->tx, buf, &n) : srtp_protect(s->tx, buf, &n);
    if (e != srtp_err_status_ok)
        return e == srtp_err_status_alloc_fail ? RTC_SRTP_ERR_NOMEM : RTC_SRTP_ERR_FAIL;
    /* unreachable unless libsrtp's trailer grew past the profile's */
    if ((size_t)n > cap)
        abort();
    *len = (size_t)n;
    return RTC_SRTP_OK;
}

static rtc_srtp_status_t unprotect(rtc_srtp_t *s, uint8_t *buf, size_t *len, bool rtcp)
{
    if (*len > INT_MAX)
        return RTC_SRTP_ERR_MALFORMED;
    int n = (int)*len;
    srtp_err_status_t e = rtcp ? srtp_unprotect_rtcp(s->rx, buf, &n) : srtp_unprotect(s->rx, buf, &n);
    if (e != srtp_err_status_ok)
        return map_status(e);
    *len = (size_t)n;
    return RTC_SRTP_OK;
}

rtc_srtp_status_t rtc_srtp_protect(rtc_srtp_t *s, uint8_t *buf, size_t *len, size_t cap)
{
    return protect(s, buf, len, cap, false);
}

rtc_srtp_status_t rtc_srtp_protect_rtcp(rtc_srtp_t *s, uint8_t *buf, size_t *len, size_t cap)
{
    return protect(s, buf, len, cap, true);
}

rtc_srtp_status_t rtc_srtp_unprotect(rtc_srtp_t *s, uint8_t *buf, size_t *len)
{
    return unprotect(s, buf, len, false);
}

rtc_srtp_status_t rtc_srtp_unprotect_rtcp(rtc_srtp_t *s, uint8_t *buf, size_t *len)
{
    return unprotect(s, buf, len, true);
}
