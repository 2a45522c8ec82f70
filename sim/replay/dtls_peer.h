/*
 * dtls_peer.h - the replay player's own DTLS-SRTP endpoint (issue 13,
 * docs/replay.md "The player's DTLS-SRTP endpoint"): a fresh DTLS 1.2
 * handshake with the use_srtp extension (RFC 6347, RFC 5764) run with the
 * implementation under test in the recorded side's role, then SRTP and
 * SRTCP (RFC 3711, RFC 7714) under the keys it exported, to re-protect a
 * trace's plain RTP/RTCP and to read what the implementation sends.
 *
 * It shares no code with ref/dtls.c or ref/srtp.c, on purpose: when ref/
 * is the implementation under test, a fault there must not be masked by
 * the same fault on the player's side.
 *
 * Sans-IO: datagrams in by sim_dtls_peer_datagram, out through the
 * caller's out function (one call a datagram, from inside the call that
 * made it); every call takes the caller's virtual time, and after every
 * call sim_dtls_peer_next_timeout says when sim_dtls_peer_timeout is due
 * (RFC 6347 s.4.2.4). OpenSSL reads the clock itself: in rtcsim it reads
 * the bound kernel's (sim/kernel/vdet.c), so `now` must be that kernel's
 * time. The certificate is a fresh self-signed ECDSA P-256 one per
 * endpoint; the peer is accepted whatever its certificate, and the
 * caller compares sim_dtls_peer_remote_fingerprint with the signalled
 * one (RFC 8122 s.5, RFC 8827 s.6.5).
 */
#ifndef SIM_REPLAY_DTLS_PEER_H
#define SIM_REPLAY_DTLS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"

typedef struct sim_dtls_peer sim_dtls_peer_t;

/* One datagram to send; data is good for the call only. It must not call
 * back into the endpoint. */
typedef void (*sim_dtls_peer_out_fn)(void *user, const uint8_t *data, size_t len);
/* One NSS key log line ("CLIENT_RANDOM <64 hex> <96 hex>"), no newline. */
typedef void (*sim_dtls_peer_keylog_fn)(void *user, const char *line);

typedef enum sim_dtls_peer_state {
    SIM_DTLS_PEER_NEW,          /* made; a client not started, a server before its first ClientHello */
    SIM_DTLS_PEER_HANDSHAKING,
    SIM_DTLS_PEER_CONNECTED,    /* keys exported, SRTP contexts ready */
    SIM_DTLS_PEER_FAILED,       /* an alert, a protocol error, no profile in common, the
                                 * retransmissions given up, the peer's close_notify, or closed */
} sim_dtls_peer_state_t;

/* The room protect needs past the packet: libsrtp's SRTP_MAX_TRAILER_LEN
 * (its srtp_protect may write that far, srtp.h) and SRTCP's E||index
 * word (RFC 3711 s.3.4). */
#define SIM_DTLS_PEER_TRAILER_MAX (16 + 128 + 4)

/* An endpoint. client: the ClientHello sender (RFC 5763 s.5's active
 * side). profiles: an OpenSSL use_srtp list, colon-separated, in order of
 * preference, of SRTP_AES128_CM_SHA1_80, SRTP_AES128_CM_SHA1_32,
 * SRTP_AEAD_AES_128_GCM and SRTP_AEAD_AES_256_GCM; NULL is
 * "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80". now: the certificate's
 * notBefore (valid 30 days). keylog may be NULL. 0 and *p, or -1 with
 * err saying why (a profile named that is not one of the four, OpenSSL
 * refusing the key or the context) and *p NULL. */
int  sim_dtls_peer_new(bool client, const char *profiles, sim_time_t now,
                       sim_dtls_peer_out_fn out, sim_dtls_peer_keylog_fn keylog, void *user,
                       sim_dtls_peer_t **p, char *err, size_t errlen);
void sim_dtls_peer_free(sim_dtls_peer_t *p);

/* This endpoint's certificate: "sha-256 AB:CD:..." (RFC 8122 s.5). */
const char *sim_dtls_peer_fingerprint(const sim_dtls_peer_t *p);
/* A client sends its ClientHello; a server does nothing (it answers the
 * first ClientHello). Once only: later calls do nothing. */
void sim_dtls_peer_start(sim_dtls_peer_t *p, sim_time_t now);
/* A datagram from the peer. Ignored and counted (sim_dtls_peer_ignored):
 * one that is not whole DTLS records (RFC 6347 s.4.1); one carrying, in
 * epoch 0, a handshake message only this endpoint's own role sends (a
 * ClientHello to a client, a ServerHello to a server: D176); any before a
 * client has started, and any but a ClientHello to a server not yet
 * begun; any once FAILED or closed. */
void sim_dtls_peer_datagram(sim_dtls_peer_t *p, sim_time_t now, const uint8_t *d, size_t n);
/* When sim_dtls_peer_timeout is due (absolute, the callers' time), or
 * SIM_TIME_NEVER. Valid after every call. */
sim_time_t sim_dtls_peer_next_timeout(const sim_dtls_peer_t *p);
/* At (or after) next_timeout: the last flight again, the timer doubled
 * (RFC 6347 s.4.2.4.1: 1 s, at most 60 s), or FAILED once the 13th
 * expiry passes without an answer (D173). Early, nothing. */
void sim_dtls_peer_timeout(sim_dtls_peer_t *p, sim_time_t now);

sim_dtls_peer_state_t sim_dtls_peer_state(const sim_dtls_peer_t *p);
/* Once FAILED: why, in words; NULL before. */
const char *sim_dtls_peer_error(const sim_dtls_peer_t *p);
/* Datagrams ignored (see sim_dtls_peer_datagram). */
uint64_t sim_dtls_peer_ignored(const sim_dtls_peer_t *p);
/* Once CONNECTED: the profile chosen (RFC 5764 s.4.1.2 / RFC 7714 s.14.2
 * name as OpenSSL spells it, "SRTP_AES128_CM_SHA1_80"), the peer
 * certificate's "sha-256 ..." fingerprint; NULL before. Both stay
 * readable after a later close or failure. */
const char *sim_dtls_peer_profile(const sim_dtls_peer_t *p);
const char *sim_dtls_peer_remote_fingerprint(const sim_dtls_peer_t *p);

/* SRTP (rtcp false) or SRTCP (true), from CONNECTED until free (a later
 * close or alert does not take the keys away: D176). protect: plain in
 * (n bytes), protected out under this side's half of RFC 5764 s.4.2's
 * keys; in and out may be the same buffer; cap >= n +
 * SIM_DTLS_PEER_TRAILER_MAX (the packet grows by the profile's tag, and
 * 4 for SRTCP, but libsrtp may write further).
 * unprotect: the reverse under the peer's half, cap >= n. 0 with *outlen,
 * or -1; unprotect's *why is then "auth", "replay", "no-keys" (not
 * connected) or "other" (too short, not RTP/RTCP, no room). */
int  sim_dtls_peer_protect(sim_dtls_peer_t *p, bool rtcp, const uint8_t *in, size_t n,
                           uint8_t *out, size_t cap, size_t *outlen);
int  sim_dtls_peer_unprotect(sim_dtls_peer_t *p, bool rtcp, const uint8_t *in, size_t n,
                             uint8_t *out, size_t cap, size_t *outlen, const char **why);

/* close_notify to the peer once connected (RFC 5246 s.7.2.1, kept by RFC
 * 6347); nothing before. Then FAILED ("closed") and deaf. */
void sim_dtls_peer_close(sim_dtls_peer_t *p);

#endif
