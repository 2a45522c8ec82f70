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

typedef struct rtc_socket rtc_socket_t;
typedef struct rtc_connection rtc_connection_t;

#define RTC_ID_MAX    64
#define RTC_UFRAG_MAX 32
#define RTC_PWD_MAX   64

/* RTCConnectionDescription (fingerprints come with DTLS). */
typedef struct rtc_conn_desc {
    char id[RTC_ID_MAX + 1];
    char ufrag[RTC_UFRAG_MAX + 1];
    char pwd[RTC_PWD_MAX + 1];
} rtc_conn_desc_t;

/* A TURN server for RTCSocket (spec: RTCIceServer with a turn: URL and a
 * credential). */
typedef struct rtc_turn_server {
    rtc_addr_t addr;
    char       user[128];
    char       password[128];
} rtc_turn_server_t;

typedef enum rtc_ice_event_type {
    RTC_ICE_CANDIDATE,          /* local: a gathered local candidate */
    RTC_ICE_END_OF_CANDIDATES,
    RTC_ICE_ACTIVE_CANDIDATE,   /* local, remote: the selected pair, or its change */
    RTC_ICE_CONNECTED,
    RTC_ICE_DISCONNECTED,
    RTC_ICE_TURN_ERROR,         /* not a spec event: no relay from local.addr's server; code says why */
} rtc_ice_event_type_t;

typedef struct rtc_ice_event {
    rtc_ice_event_type_t type;
    rtc_candidate_t      local, remote;
    int                  code;  /* RTC_ICE_TURN_ERROR: the STUN error code, or 0 for no answer */
} rtc_ice_event_t;

/* What the API calls that return int return: 0, or one of these with a
 * message in err (RTC_ERR_NOMEM: env.alloc refused or the system is out
 * of memory; the call made no change, or only whole steps of the work it
 * does, so the object stays usable and consistent). */
typedef enum rtc_status {
    RTC_OK = 0,
    RTC_ERR_INVALID = -1,       /* a bad argument or a call out of order */
    RTC_ERR_NOMEM = -2,
} rtc_status_t;

/* "ok", "invalid", "out of memory". */
const char   *rtc_strerror(rtc_status_t st);

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
const char   *rtc_send_status_name(rtc_send_status_t st);

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
void        rtc_connection_local_description(const rtc_connection_t *c, rtc_conn_desc_t *out);
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

#endif
