/*
 * srtp.h - SRTP and SRTCP (RFC 3711, RFC 7714) for one DTLS-SRTP
 * association (RFC 5764), on libsrtp2.
 *
 * One rtc_srtp_t holds the two directions of one RTCConnection: the
 * outbound context under the local write key, the inbound one under the
 * peer's, both for any SSRC, libsrtp's replay protection on (RFC 3711
 * s.3.3.2: a window of 1024 for SRTP, replayed packets refused; for SRTCP
 * libsrtp's window is fixed at 128 -- corrected for issue 9, D53). The keys are the exporter output of RFC 5764 s.4.2, as
 * rtc_dtls_srtp_keys returns it.
 */
#ifndef RTC_SRTP_H
#define RTC_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rtc_srtp_profile {
    RTC_SRTP_AES128_CM_SHA1_80,     /* RFC 5764 s.4.1.2: SRTP_AES128_CM_HMAC_SHA1_80, 0x0001 */
    RTC_SRTP_AEAD_AES_128_GCM,      /* RFC 7714 s.14.2: SRTP_AEAD_AES_128_GCM, 0x0007 */
} rtc_srtp_profile_t;

typedef enum rtc_srtp_status {
    RTC_SRTP_OK = 0,
    RTC_SRTP_ERR_NOMEM,         /* libsrtp could not allocate */
    RTC_SRTP_ERR_INIT,          /* libsrtp refused the policy or keys */
    RTC_SRTP_ERR_AUTH,          /* unprotect: the authentication tag does not match */
    RTC_SRTP_ERR_REPLAY,        /* unprotect: replayed, or too old for the window */
    RTC_SRTP_ERR_MALFORMED,     /* unprotect: too short or not parsable by libsrtp */
    RTC_SRTP_ERR_NO_ROOM,       /* protect: no room in the buffer for the tag */
    RTC_SRTP_ERR_FAIL,          /* any other refusal of libsrtp */
    RTC_SRTP__COUNT
} rtc_srtp_status_t;

/* "ok", "no-memory", "init", "auth", "replay", "malformed", "no-room",
 * "fail": the names the counters are reported under. */
const char *rtc_srtp_status_name(rtc_srtp_status_t st);

/* libsrtp's srtp_init, once per process (later calls do nothing). */
rtc_srtp_status_t rtc_srtp_global_init(void);

/* The profile of an RFC 5764 s.4.1.2 / RFC 7714 s.14.2 name as OpenSSL
 * reports it ("SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM"); false
 * for any other name. */
bool rtc_srtp_profile_of(const char *name, rtc_srtp_profile_t *out);
/* Bytes of keying material the profile exports: 2 * (key + salt). */
size_t rtc_srtp_key_material_len(rtc_srtp_profile_t p);
/* Bytes protect adds at most to an RTP and an RTCP packet. */
size_t rtc_srtp_overhead(rtc_srtp_profile_t p, bool rtcp);

typedef struct rtc_srtp rtc_srtp_t;

/* The association's two contexts. material is the exporter output,
 * laid out as RFC 5764 s.4.2 says (client key, server key, client salt,
 * server salt), len rtc_srtp_key_material_len(p) bytes; is_client says
 * which halves are ours to write with. RTC_SRTP_OK, RTC_SRTP_ERR_NOMEM or
 * RTC_SRTP_ERR_INIT; on error *out is NULL and nothing is held. */
rtc_srtp_status_t rtc_srtp_new(rtc_srtp_profile_t p, const uint8_t *material, size_t len,
                               bool is_client, rtc_srtp_t **out);
void              rtc_srtp_free(rtc_srtp_t *s);

/* Protect in place: buf holds *len bytes of plain RTP (RTCP) and has room
 * for cap; on RTC_SRTP_OK *len is the protected length. RTC_SRTP_OK,
 * RTC_SRTP_ERR_NO_ROOM (cap < *len + overhead) or RTC_SRTP_ERR_FAIL. */
rtc_srtp_status_t rtc_srtp_protect(rtc_srtp_t *s, uint8_t *buf, size_t *len, size_t cap);
rtc_srtp_status_t rtc_srtp_protect_rtcp(rtc_srtp_t *s, uint8_t *buf, size_t *len, size_t cap);
/* Unprotect in place: on RTC_SRTP_OK *len is the plain length. A packet
 * shorter than its header and tag is MALFORMED, a longer one cut short
 * AUTH (D53).
 * RTC_SRTP_OK, RTC_SRTP_ERR_AUTH, RTC_SRTP_ERR_REPLAY,
 * RTC_SRTP_ERR_MALFORMED or RTC_SRTP_ERR_FAIL; on error buf is
 * unspecified (the caller drops the packet). */
rtc_srtp_status_t rtc_srtp_unprotect(rtc_srtp_t *s, uint8_t *buf, size_t *len);
rtc_srtp_status_t rtc_srtp_unprotect_rtcp(rtc_srtp_t *s, uint8_t *buf, size_t *len);

#endif
