/*
 * player.h - rtcsim replay's player (issue 13, docs/replay.md): one side
 * of a recorded ICE session, played from a capture to an implementation
 * under test (the IUT) on a simulated host, at the recorded relative
 * times.
 *
 * Loading (sim_player_load) reads the trace through the lint's engine
 * (trace/lint.h: its demultiplexing, TURN unwrapping and SRTP decryption
 * from a key log or SRTP keys) and counts what the recorded side sent
 * that can be replayed: ICE checks and Binding indications, RTP and RTCP
 * (plain: decrypted, or plain in the trace). What cannot be is counted by
 * reason (the recorded responses and DTLS are replaced, see below; TURN
 * and STUN-server traffic, other protocols and SRTP without keys are not
 * replayed). Playing reads it again, a datagram at a time as the
 * messages fall due: what the player holds is the few messages read
 * ahead, not the trace, whatever its length.
 *
 * Playing (sim_player_attach, _start): on its host the player
 *   - sends each check again re-signed (RFC 8445 s.7.2.2: USERNAME
 *     "IUT-ufrag:own-ufrag", MESSAGE-INTEGRITY with the IUT's password,
 *     FINGERPRINT; every other attribute and the transaction id kept), so
 *     that the trace's retransmissions stay retransmissions;
 *   - answers the IUT's checks itself (RFC 8445 s.7.3), which replaces
 *     the recorded responses;
 *   - runs a fresh DTLS-SRTP handshake with the IUT (replay/dtls_peer.h),
 *     in the role the spec gives its ICE role (D43: the answerer is the
 *     client), since the recorded one is bound to its randoms;
 *   - re-protects the trace's RTP and RTCP under the new keys, keeping
 *     every header field and payload.
 * ICE traffic keeps the trace's times from the start; media (from the
 * trace's first RTP/RTCP packet on) keeps its times from the moment the
 * new keys exist (D181).
 */
#ifndef SIM_REPLAY_PLAYER_H
#define SIM_REPLAY_PLAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check/evlog.h"
#include "net/net.h"
#include "trace/lint.h"

typedef struct sim_player sim_player_t;

typedef struct sim_player_opts {
    const char *trace;              /* the capture */
    const char *side;               /* "ADDR" or "ADDR:PORT": the recorded side to play */
    const char *keylog;             /* NSS key log of the trace's DTLS (optional) */
    const char *srtp_keys;          /* or SRTP keys by sender (rtcsim lint --srtp-keys) */
    const sim_lint_cred_t *creds;   /* the trace's credentials: its checks must validate */
    size_t      ncreds;
    bool        encrypted;          /* RTP on flows without ICE or DTLS is SRTP too */
} sim_player_opts_t;

/* Why something the side sent is not played as it was. */
typedef enum sim_player_skip {
    SIM_PLAYER_RESPONSE,            /* a recorded STUN response: the player answers itself */
    SIM_PLAYER_DTLS,                /* recorded DTLS: replaced by a fresh handshake */
    SIM_PLAYER_TURN,                /* TURN requests and indications (to a server) */
    SIM_PLAYER_SERVER,              /* Binding requests to a STUN server (no PRIORITY) */
    SIM_PLAYER_ENCRYPTED,           /* SRTP/SRTCP without keys for it */
    SIM_PLAYER_UNAUTHENTICATED,     /* SRTP/SRTCP that does not authenticate under the keys given */
    SIM_PLAYER_TCP,                 /* over TCP (RFC 6544): the player plays UDP */
    SIM_PLAYER_OTHER,               /* not STUN, DTLS, RTP or RTCP */
    SIM_PLAYER_SKIP__COUNT
} sim_player_skip_t;
const char *sim_player_skip_name(sim_player_skip_t s);

/* A source (SSRC) the side sent RTP from, as the trace has it. */
#define SIM_PLAYER_MAX_PTS 8
#define SIM_PLAYER_MAX_EXT 16
#define SIM_PLAYER_MAX_EVENTS 64
typedef struct sim_player_event {   /* an RFC 4733 event (4-byte payload), by timestamp */
    uint8_t  pt, event, volume;
    bool     end;
    uint32_t timestamp;
    uint16_t duration;              /* the largest seen, timestamp units */
    uint32_t packets;
} sim_player_event_t;
typedef struct sim_player_source {
    uint32_t ssrc;
    uint8_t  pts[SIM_PLAYER_MAX_PTS];
    size_t   npts;
    uint64_t packets, rtcp;
    double   first, last;           /* s from the trace's start */
    uint8_t  ext_ids[SIM_PLAYER_MAX_EXT];   /* RFC 8285 ids of its first packet (what
                                             * onunknowntrack reports), in order */
    size_t   next;
    bool     ext_malformed;             /* ... which do not parse (D184) */
    sim_player_event_t events[SIM_PLAYER_MAX_EVENTS];
    size_t   nevents;
    bool     bye;                   /* an RTCP BYE named it (RFC 3550 s.6.6) */
} sim_player_source_t;

/* Counters of a run (sim_player_stats). */
typedef struct sim_player_stats {
    uint64_t kept;                  /* messages to play */
    uint64_t skipped[SIM_PLAYER_SKIP__COUNT];
    uint64_t sent_checks, sent_indications, sent_rtp, sent_rtcp;
    uint64_t unsent_no_target, unsent_no_keys, unsent_failed;
    uint64_t transactions, answered, errors, unanswered;   /* the replayed checks, by transaction */
    double   rtt_max;               /* s, first transmission to first answer */
    uint64_t iut_checks, iut_answered, iut_bad, iut_nominations, iut_indications;
    uint64_t iut_mapped_other;      /* its answers whose XOR-MAPPED-ADDRESS is not the player's socket */
    uint64_t iut_dtls, iut_srtp, iut_srtp_bad, iut_ignored;
    bool     dtls_connected, dtls_failed, dtls_closed, media_started, done;
} sim_player_stats_t;

/* Read the trace. NULL with err saying what is wrong and where ("FILE:
 * packet N: ..."): unreadable or not a capture, no datagram from the
 * side (the senders it has are listed), a key log that decrypts none of
 * the side's SRTP, credentials its checks do not validate under. */
sim_player_t *sim_player_load(const sim_player_opts_t *o, char *err, size_t errlen);
void          sim_player_free(sim_player_t *p);
size_t        sim_player_bytes(const sim_player_t *p);    /* what it holds (the trace kept) */

/* What the trace says of the side. */
const char   *sim_player_role(const sim_player_t *p);   /* "controlling", "controlled", NULL: no checks */
const char   *sim_player_trace_ufrag(const sim_player_t *p);   /* the side's (USERNAME), or NULL */
double        sim_player_duration(const sim_player_t *p);      /* s, first to last message kept */
size_t        sim_player_sources(const sim_player_t *p, const sim_player_source_t **out);
size_t        sim_player_ports(const sim_player_t *p, const uint16_t **out);   /* the side's, as recorded */

/* Put the player on host h (sockets on its first interface's address,
 * the recorded ports), in ICE role controlling or not (its DTLS role
 * follows, D43). Its own credentials are drawn from rng. Events go to
 * log as source src. 0, or -1 with err. */
int  sim_player_attach(sim_player_t *p, sim_host_t *h, bool controlling, sim_rng_t *rng,
                       sim_evlog_t *log, const char *src, char *err, size_t errlen);
const char *sim_player_address(const sim_player_t *p);     /* its sockets' (dotted quad) */
const char *sim_player_ufrag(const sim_player_t *p);
const char *sim_player_password(const sim_player_t *p);
const char *sim_player_fingerprint(const sim_player_t *p);
/* The IUT's credentials and the fingerprints it signalled (RFC 8122). */
int  sim_player_set_remote(sim_player_t *p, const char *ufrag, const char *password,
                           const char *const *fingerprints, size_t nfp, char *err, size_t errlen);
/* One of the IUT's candidates (trickled or in its description). */
int  sim_player_add_remote(sim_player_t *p, uint32_t ip, uint16_t port, uint32_t priority);
/* Begin: the trace's first message goes now. 0, or -1 with err (not
 * attached, no remote credentials). */
int  sim_player_start(sim_player_t *p, char *err, size_t errlen);
void sim_player_stats(const sim_player_t *p, sim_player_stats_t *st);

#endif
