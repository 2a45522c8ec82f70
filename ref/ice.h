/*
 * ice.h - RTCSocket and RTCConnection (spec: "The RTCSocket Class", "The
 * RTCConnection Class"): ICE (RFC 8445) over a shared set of local
 * transport addresses, sans-IO.
 *
 * An RTCSocket owns one UDP transport address per local interface, bound
 * by the environment, and the STUN servers to gather server-reflexive
 * candidates from. RTCConnections share the socket's addresses and are
 * told apart by their username fragments (requests) and transaction ids
 * (responses); that is the spec's serial and parallel forking.
 *
 * Events (candidate, endofcandidates, activecandidate, connected,
 * disconnected) are queued and pulled by the environment after each input,
 * so an application's handler never runs in the middle of an update.
 */
#ifndef RTC_ICE_H
#define RTC_ICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "candidate.h"
#include "rtc_env.h"
#include "stun.h"

/* The handles and types the ABI (include/rtcsim/impl.h) defines are
 * ref/'s own: its objects are the ABI's handles, so ref/impl.c hands
 * these functions to the harness unwrapped. */
typedef struct rtcsim_socket     rtc_socket_t;
typedef struct rtcsim_connection rtc_connection_t;

#define RTC_ID_MAX    RTCSIM_ID_MAX
#define RTC_UFRAG_MAX RTCSIM_UFRAG_MAX
#define RTC_PWD_MAX   RTCSIM_PWD_MAX
#define RTC_FP_MAX    RTCSIM_FP_MAX
#define RTC_FP_LEN    RTCSIM_FP_LEN

/* RTCConnectionDescription (RFC 8122 s.5 fingerprints; the local
 * description has the sha-256 one of the connection's certificate). */
typedef rtcsim_conn_desc_t rtc_conn_desc_t;

/* 0 if s is a fingerprint in the form above, else -1 with a message in
 * err that says what is wrong. */
int rtc_fingerprint_check(const char *s, char *err, size_t errlen);

typedef rtcsim_turn_server_t rtc_turn_server_t;

typedef rtcsim_ice_event_type_t rtc_ice_event_type_t;
#define RTC_ICE_CANDIDATE         RTCSIM_ICE_CANDIDATE
#define RTC_ICE_END_OF_CANDIDATES RTCSIM_ICE_END_OF_CANDIDATES
#define RTC_ICE_ACTIVE_CANDIDATE  RTCSIM_ICE_ACTIVE_CANDIDATE
#define RTC_ICE_CONNECTED         RTCSIM_ICE_CONNECTED
#define RTC_ICE_DISCONNECTED      RTCSIM_ICE_DISCONNECTED
#define RTC_ICE_TURN_ERROR        RTCSIM_ICE_TURN_ERROR
#define RTC_ICE_DTLS_CONNECTED    RTCSIM_ICE_DTLS_CONNECTED
#define RTC_ICE_DTLS_FAILED       RTCSIM_ICE_DTLS_FAILED
typedef rtcsim_ice_event_t rtc_ice_event_t;

/* What the API calls that return int return: 0, or one of these with a
 * message in err (RTC_ERR_NOMEM: env.alloc refused or the system is out
 * of memory; the call made no change, or only whole steps of the work it
 * does, so the object stays usable and consistent). */
typedef rtcsim_status_t rtc_status_t;
#define RTC_OK          RTCSIM_OK
#define RTC_ERR_INVALID RTCSIM_ERR_INVALID
#define RTC_ERR_NOMEM   RTCSIM_ERR_NOMEM

#define rtc_strerror rtcsim_strerror   /* "ok", "invalid", "out of memory" */

/* Datagrams that reached a socket and were ignored, by reason; datagrams
 * the socket meant to send that did not go, by reason. */
typedef struct rtc_socket_stats {
    uint64_t ignored[RTC_STUN__COUNT];  /* indexed by rtc_stun_check_t (VALID: no connection for it) */
    uint64_t unsent[RTC_SEND__COUNT];   /* indexed by rtc_send_status_t (OK: unused); TOO_LARGE
                                         * also counts what does not fit in a Send indication or
                                         * ChannelData to a TURN server */
    uint64_t nomem;                     /* work a datagram or timer expiry dropped for want of
                                         * memory (rtc_env.h, alloc): a transaction not started,
                                         * a candidate, pair, triggered check or event not kept */
} rtc_socket_stats_t;

/* "send-not-local", "send-failed", "send-too-large" ("ok" for RTC_SEND_OK). */
#define rtc_send_status_name rtcsim_send_status_name

/* locals: the socket's bound transport addresses, in the order of the
 * host's interfaces; stun: STUN servers' addresses. Both copied. NULL if
 * out of memory (then nothing was called in env but alloc). */
rtc_socket_t *rtc_socket_new(const rtc_env_t *env, const rtc_addr_t *locals, size_t nlocals,
                             const rtc_addr_t *stun, size_t nstun);
/* Frees the socket; its connections must be freed first. */
void          rtc_socket_free(rtc_socket_t *s);
void          rtc_socket_handle_datagram(rtc_socket_t *s, const rtc_addr_t *local,
                                         const rtc_addr_t *from, const uint8_t *data, size_t len);
void          rtc_socket_stats(const rtc_socket_t *s, rtc_socket_stats_t *st);
/* The socket's own timer (RTC_TIMER_SOCKET: TURN retransmissions and
 * refreshes) fired. */
void          rtc_socket_handle_timeout(rtc_socket_t *s);
/* TURN servers (copied) to allocate relayed addresses on, from the
 * socket's first address. Connections gather relay candidates from them.
 * Call before making connections. 0, or RTC_ERR_NOMEM (no change). */
int           rtc_socket_set_turn(rtc_socket_t *s, const rtc_turn_server_t *t, size_t n);
/* The SRTP protection profiles its connections' DTLS offers, an OpenSSL
 * list such as "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80" (the
 * default, in that order of preference). 0, or RTC_ERR_INVALID with a
 * message (a name that is not one of those two). */
int           rtc_socket_set_srtp_profiles(rtc_socket_t *s, const char *list, char *err, size_t errlen);
/* The host's addresses changed: the socket now has these (copied); the
 * next gathering (update()) uses them. 0, or RTC_ERR_NOMEM (no change). */
int           rtc_socket_set_locals(rtc_socket_t *s, const rtc_addr_t *locals, size_t nlocals);
/* The host lost a local address: a connection whose pair in use is on it
 * is disconnected at once (ondisconnected), as a browser is on a network
 * change. */
void          rtc_socket_address_lost(rtc_socket_t *s, const rtc_addr_t *addr);

/* The offerer passes remote = NULL and gets a fresh id; the answerer
 * passes the offerer's description and takes its id. opaque is the
 * environment's own pointer for the connection, returned by
 * rtc_connection_opaque() from the first callback on (gathering starts at
 * once, so set_timer and send are called before this returns). NULL with
 * a message in err on a bad description, or out of memory (then *st, if
 * st is not NULL, is RTC_ERR_NOMEM, else RTC_ERR_INVALID; the connection
 * never was: its timer is disarmed). */
rtc_connection_t *rtc_connection_new(rtc_socket_t *s, const rtc_conn_desc_t *remote, void *opaque,
                                     rtc_status_t *st, char *err, size_t errlen);
void        rtc_connection_free(rtc_connection_t *c);
/* The local description. The connection's certificate (RFC 5763 s.5)
 * is made at the first call (or when DTLS starts), not with the
 * connection: it is most of a connection's cost (an ECDSA key and a
 * signature, ~0.25 ms of OpenSSL). 0, or RTC_ERR_NOMEM when the
 * certificate could not be made (then out has no fingerprint, and the
 * next call tries again). */
int         rtc_connection_local_description(rtc_connection_t *c, rtc_conn_desc_t *out);
const char *rtc_connection_id(const rtc_connection_t *c);
bool        rtc_connection_is_offerer(const rtc_connection_t *c);
/* Each returns 0, or an rtc_status_t with a message in err: INVALID
 * with no change made; NOMEM with no change made (set_*), or, for
 * connect and update, with the candidates, pairs and checks that did
 * fit (the work goes on with them). */
int  rtc_connection_set_remote_description(rtc_connection_t *c, const rtc_conn_desc_t *d,
                                           char *err, size_t errlen);
int  rtc_connection_set_local_candidate(rtc_connection_t *c, const rtc_candidate_t *cand,
                                        char *err, size_t errlen);
int  rtc_connection_set_remote_candidate(rtc_connection_t *c, const rtc_candidate_t *cand,
                                         char *err, size_t errlen);
int  rtc_connection_connect(rtc_connection_t *c, char *err, size_t errlen);
/* ICE restart of the local side (RFC 8445 s.9): new usefrag and secret,
 * gathering again, the check list emptied; checks resume at connect().
 * The selected pair stays in use until a new one is nominated. */
int  rtc_connection_update(rtc_connection_t *c, char *err, size_t errlen);
/* The connection's timer (RTC_TIMER_CONNECTION) fired. It acts on what is
 * due, so a call before the time it asked for is harmless. */
void rtc_connection_handle_timeout(rtc_connection_t *c);
/* The pointer the environment passed to rtc_connection_new. */
void *rtc_connection_opaque(const rtc_connection_t *c);
/* Take the next queued event; false when there is none. */
bool rtc_connection_next_event(rtc_connection_t *c, rtc_ice_event_t *ev);

/* ---- the media plane's transport: DTLS-SRTP over the selected pair -----
 *
 * RFC 7983 s.7 on the socket's shared ports: STUN (0-3) goes to ICE as
 * before; DTLS (20-63) to the connection's DTLS endpoint; RTP and RTCP
 * (128-191, RFC 5761) to the attached media link. A datagram is the
 * connection's when it comes to a local address from a remote address of
 * one of its valid pairs (RFC 8445 s.12.2); else it is ignored and counted.
 *
 * DTLS (RFC 5763, RFC 5764) starts once a media link is attached and ICE
 * has selected a pair: the answerer is the DTLS client (RFC 8842 s.5.3:
 * the answer's a=setup:active), the offerer the server; a change of the
 * selected pair or an ICE restart keeps the association (RFC 8445 s.12:
 * the pair in use changes, the DTLS association does not). The peer's
 * certificate must match a fingerprint of the remote description, else
 * RTC_ICE_DTLS_FAILED and no keys. */

typedef struct rtc_media_link {
    void *user;
    /* DTLS became connected (keys ready) or failed; ICE connected or
     * disconnected; the selected pair changed. Called from inside the
     * connection's processing, after its state is updated; the callee
     * may send (rtc_connection_send_media) but not free the connection. */
    void (*on_change)(void *user, rtc_connection_t *c);
    /* An SRTP or SRTCP packet (RFC 7983: first byte 128-191) for this
     * connection, borrowed for the call. */
    void (*on_packet)(void *user, rtc_connection_t *c, const uint8_t *data, size_t len);
} rtc_media_link_t;

/* Attach (link copied) or detach (NULL) the media plane. Attaching
 * enables DTLS on this connection. 0, RTC_ERR_INVALID (one is attached
 * already) or RTC_ERR_NOMEM (the certificate or endpoint could not be
 * made), with a message in err. */
int  rtc_connection_attach_media(rtc_connection_t *c, const rtc_media_link_t *link,
                                 char *err, size_t errlen);

typedef enum rtc_dtls_phase {
    RTC_DTLS_PHASE_OFF,         /* no media attached, or ICE has no pair yet */
    RTC_DTLS_PHASE_HANDSHAKE,
    RTC_DTLS_PHASE_UP,          /* keys ready */
    RTC_DTLS_PHASE_FAILED,
} rtc_dtls_phase_t;

rtc_dtls_phase_t rtc_connection_dtls_phase(const rtc_connection_t *c);
/* ICE: connected with a selected pair (consent not expired). */
bool rtc_connection_is_connected(const rtc_connection_t *c);
/* Once UP: the SRTP profile's OpenSSL name and the keying material (RFC
 * 5764 s.4.2) into out (len bytes: rtc_srtp_key_material_len), and
 * whether this side is the DTLS client. len 0: the profile and role only
 * (the profile says how long the keys are). 0, or RTC_ERR_INVALID before
 * or when len is not the profile's. */
int  rtc_connection_srtp_keys(const rtc_connection_t *c, const char **profile, uint8_t *out,
                              size_t len, bool *is_client);
/* Send one SRTP/SRTCP datagram over the selected pair (through its TURN
 * server when the local candidate is relayed). plain, if not NULL, is
 * its decrypted twin (rtc_env.h: send_twin). RTC_SEND_OK, or
 * RTC_SEND_FAILED when no pair is selected; other statuses as env.send's. */
rtc_send_status_t rtc_connection_send_media(rtc_connection_t *c, const uint8_t *data, size_t len,
                                            const uint8_t *plain, size_t plain_len);
/* Close the connection (RTCMediaSession.close() closes the connections it
 * carries: the spec's "Closes all the RTCConnection instances"; D75): a
 * DTLS close_notify if DTLS is up, then nothing more is sent (no checks,
 * no consent, no media) and nothing more is taken (datagrams for it are
 * ignored and counted by the socket); every API call but the getters
 * returns RTC_ERR_INVALID. No event fires on this side; the peer sees
 * the BYEs, then its consent run out (RFC 7675). */
void rtc_connection_close(rtc_connection_t *c);
bool rtc_connection_is_closed(const rtc_connection_t *c);
/* Datagrams for this connection's transport that were ignored: DTLS
 * records the endpoint refused, RTP/RTCP with no media link. (Media from
 * no valid pair is no connection's: the socket counts it, not-stun.) */
typedef struct rtc_transport_stats {
    uint64_t dtls_ignored;
    uint64_t media_no_link;     /* RTP/RTCP with no media link attached */
} rtc_transport_stats_t;
void rtc_connection_transport_stats(const rtc_connection_t *c, rtc_transport_stats_t *st);

#endif
