/*
 * dtls.h - a sans-IO DTLS 1.2 endpoint with the use_srtp extension, on
 * OpenSSL (RFC 6347, RFC 5764).
 *
 * Datagrams in by rtc_dtls_handle_datagram, out through the owner's out
 * callback (one call per datagram: a flight may be several), so that the
 * owner (an RTCConnection) picks the path: its selected pair, through TURN
 * when relayed. The endpoint arms no timer of the environment: after
 * every call rtc_dtls_next_timeout says when rtc_dtls_handle_timeout is
 * due (RFC 6347 s.4.2.4 retransmission), and rtc_dtls_state says how it
 * stands. Certificates are self-signed ECDSA P-256; peers are accepted
 * whatever their certificate and identified by its fingerprint (RFC 8122
 * s.5), as WebRTC does: the caller checks it against the signalled one
 * with rtc_dtls_peer_matches. If env->keylog is set, every secret
 * negotiated goes to it as an NSS key log line.
 */
#ifndef RTC_DTLS_H
#define RTC_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc_env.h"

typedef enum rtc_dtls_status {
    RTC_DTLS_OK = 0,
    RTC_DTLS_ERR_NOMEM,         /* allocation failed */
    RTC_DTLS_ERR_CRYPTO,        /* OpenSSL refused (key, certificate, context) */
    RTC_DTLS_ERR_STATE,         /* not possible in the current state */
    RTC_DTLS_ERR_INVALID,       /* an argument is wrong (added for issue 9: a key length
                                 * that is not the profile's) */
} rtc_dtls_status_t;

typedef enum rtc_dtls_state {
    RTC_DTLS_NEW,               /* created, handshake not started */
    RTC_DTLS_HANDSHAKING,
    RTC_DTLS_CONNECTED,
    RTC_DTLS_FAILED,            /* fatal alert, protocol error, close_notify, or a
                                 * handshake OpenSSL gave up retransmitting */
} rtc_dtls_state_t;

typedef enum rtc_dtls_role { RTC_DTLS_CLIENT, RTC_DTLS_SERVER } rtc_dtls_role_t;

typedef struct rtc_dtls_cert rtc_dtls_cert_t;
typedef struct rtc_dtls rtc_dtls_t;

const char *rtc_dtls_strerror(rtc_dtls_status_t s);

/* A new ECDSA P-256 key and self-signed certificate valid for 30 days from
 * now. Returns RTC_DTLS_OK, RTC_DTLS_ERR_NOMEM or RTC_DTLS_ERR_CRYPTO; on
 * error *out is NULL. */
rtc_dtls_status_t rtc_dtls_cert_new(rtc_dtls_cert_t **out);
void              rtc_dtls_cert_free(rtc_dtls_cert_t *c);
/* "sha-256 AB:CD:..." (RFC 8122 s.5). */
const char       *rtc_dtls_cert_fingerprint(const rtc_dtls_cert_t *c);

/* Where every datagram the endpoint emits goes, synchronously from inside
 * the call that made it; data is good for the call only. It must not call
 * back into the endpoint. */
typedef void (*rtc_dtls_out_fn)(void *user, const uint8_t *data, size_t len);

/* An endpoint. The certificate is borrowed and must outlive the endpoint;
 * of env it uses now (for rtc_dtls_next_timeout) and keylog. profiles is
 * an OpenSSL use_srtp list (RFC 5764 s.4.1.2 names, colon-separated, in
 * order of preference); NULL is "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80".
 * Returns RTC_DTLS_OK, RTC_DTLS_ERR_NOMEM or RTC_DTLS_ERR_CRYPTO (OpenSSL
 * refused the key, the certificate or the profile list); on error *d is
 * NULL. */
rtc_dtls_status_t rtc_dtls_new(const rtc_env_t *env, rtc_dtls_role_t role,
                               const rtc_dtls_cert_t *cert, const char *profiles,
                               rtc_dtls_out_fn out, void *out_user, rtc_dtls_t **d);
void              rtc_dtls_free(rtc_dtls_t *d);
/* Close the association: a close_notify alert to the peer (RFC 5246
 * s.7.2.1, which RFC 6347 keeps) once connected, nothing before; the
 * endpoint takes no more datagrams (they are ignored and counted). */
void              rtc_dtls_close(rtc_dtls_t *d);
/* Begin the handshake (the client sends its ClientHello). Returns
 * RTC_DTLS_OK, or RTC_DTLS_ERR_STATE if already started. */
rtc_dtls_status_t rtc_dtls_start(rtc_dtls_t *d);
/* A datagram from the peer. One that is not a sequence of whole DTLS
 * records (RFC 6347 s.4.1; RFC 7983 s.7: first byte 20-63), one for an
 * endpoint that has failed or (a client) not started, is ignored and
 * counted (rtc_dtls_ignored). (Whole records that OpenSSL then drops,
 * RFC 6347 s.4.1.2.7, are not counted.) */
void              rtc_dtls_handle_datagram(rtc_dtls_t *d, const uint8_t *data, size_t len);
/* When rtc_dtls_handle_timeout is next due: absolute, in env->now units;
 * RTC_TIME_NEVER if nothing is pending. Valid after every call. */
uint64_t          rtc_dtls_next_timeout(const rtc_dtls_t *d);
/* The owner's call at (or after) rtc_dtls_next_timeout: retransmit the
 * last flight, or fail when OpenSSL has given up. An early call does
 * nothing. */
void              rtc_dtls_handle_timeout(rtc_dtls_t *d);

rtc_dtls_state_t  rtc_dtls_state(const rtc_dtls_t *d);
/* Once FAILED: why, in words ("no SRTP protection profile in common
 * (RFC 5764 s.4.1.2)", "the handshake timed out ..."); NULL before. */
const char       *rtc_dtls_failure(const rtc_dtls_t *d);
uint64_t          rtc_dtls_ignored(const rtc_dtls_t *d);
/* Once connected: the SRTP protection profile chosen (RFC 5764 s.4.1.2
 * names, e.g. "SRTP_AES128_CM_SHA1_80"), the peer certificate's
 * fingerprint, and the keying material (RFC 5764 s.4.2: client key,
 * server key, client salt, server salt). NULL / RTC_DTLS_ERR_STATE before. */
const char       *rtc_dtls_srtp_profile(const rtc_dtls_t *d);
const char       *rtc_dtls_peer_fingerprint(const rtc_dtls_t *d);
/* Bytes of keying material of the profile chosen (rtc_srtp_key_material_len:
 * 60 for SRTP_AES128_CM_SHA1_80, 56 for SRTP_AEAD_AES_128_GCM); 0 before. */
size_t            rtc_dtls_srtp_key_len(const rtc_dtls_t *d);
/* The exporter output (label "EXTRACTOR-dtls_srtp", no context, RFC 5764
 * s.4.2) into out: len must be rtc_dtls_srtp_key_len. RTC_DTLS_OK,
 * RTC_DTLS_ERR_STATE before, RTC_DTLS_ERR_INVALID for another len,
 * RTC_DTLS_ERR_CRYPTO if OpenSSL refused. */
rtc_dtls_status_t rtc_dtls_srtp_keys(const rtc_dtls_t *d, uint8_t *out, size_t len);
/* Once the peer's certificate has arrived: whether fingerprint ("sha-256
 * AB:CD:...", RFC 8122 s.5; hash sha-1, sha-224, sha-256, sha-384 or
 * sha-512, its name compared without case, hex digits in either case) is
 * the digest of that certificate under that hash. False before, and for
 * any other hash or a malformed fingerprint. */
bool              rtc_dtls_peer_matches(const rtc_dtls_t *d, const char *fingerprint);

#endif
