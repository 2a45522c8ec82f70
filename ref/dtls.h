/*
 * dtls.h - a sans-IO DTLS 1.2 endpoint with the use_srtp extension, on
 * OpenSSL (RFC 6347, RFC 5764).
 *
 * Datagrams in by rtc_dtls_handle_datagram, out through env->send (one
 * call per datagram: a flight may be several); retransmission by the one
 * timer armed through env->set_timer (RTC_TIMER_DTLS) and fired by rtc_dtls_handle_timeout.
 * Certificates are self-signed ECDSA P-256; peers are accepted whatever
 * their certificate and identified by its fingerprint (RFC 8122 s.5), as
 * WebRTC does: the fingerprint is checked against the signalled one by
 * the caller.
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
} rtc_dtls_status_t;

typedef enum rtc_dtls_state {
    RTC_DTLS_NEW,               /* created, handshake not started */
    RTC_DTLS_HANDSHAKING,
    RTC_DTLS_CONNECTED,
    RTC_DTLS_FAILED,            /* fatal alert or protocol error */
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

/* An endpoint that sends from local to remote. The certificate is
 * borrowed and must outlive the endpoint. Returns RTC_DTLS_OK,
 * RTC_DTLS_ERR_NOMEM or RTC_DTLS_ERR_CRYPTO; on error *out is NULL. */
typedef void (*rtc_dtls_out_fn)(void *user, const uint8_t *data, size_t len);
rtc_dtls_status_t rtc_dtls_new(const rtc_env_t *env, rtc_dtls_role_t role,
                               const rtc_dtls_cert_t *cert, const char *profiles,
                               rtc_dtls_out_fn out, void *out_user, rtc_dtls_t **d);
uint64_t          rtc_dtls_next_timeout(const rtc_dtls_t *d);
bool              rtc_dtls_peer_matches(const rtc_dtls_t *d, const char *fingerprint);
void              rtc_dtls_free(rtc_dtls_t *d);
/* Begin the handshake (the client sends its ClientHello). Returns
 * RTC_DTLS_OK, or RTC_DTLS_ERR_STATE if already started. */
rtc_dtls_status_t rtc_dtls_start(rtc_dtls_t *d);
/* A datagram from the peer. Anything that is not DTLS is ignored and
 * counted (rtc_dtls_ignored). */
void              rtc_dtls_handle_datagram(rtc_dtls_t *d, const uint8_t *data, size_t len);
/* The timer armed through env->set_timer fired. */
void              rtc_dtls_handle_timeout(rtc_dtls_t *d);

rtc_dtls_state_t  rtc_dtls_state(const rtc_dtls_t *d);
uint64_t          rtc_dtls_ignored(const rtc_dtls_t *d);
/* Once connected: the SRTP protection profile chosen (RFC 5764 s.4.1.2
 * names, e.g. "SRTP_AES128_CM_SHA1_80"), the peer certificate's
 * fingerprint, and the keying material (RFC 5764 s.4.2: client key,
 * server key, client salt, server salt). NULL / RTC_DTLS_ERR_STATE before. */
const char       *rtc_dtls_srtp_profile(const rtc_dtls_t *d);
const char       *rtc_dtls_peer_fingerprint(const rtc_dtls_t *d);
rtc_dtls_status_t rtc_dtls_srtp_keys(const rtc_dtls_t *d, uint8_t *out, size_t len);

#endif
