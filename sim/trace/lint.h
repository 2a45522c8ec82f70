/*
 * lint.h - `rtcsim lint`'s engine (issue 13): every datagram of a capture
 * (trace/reader.h) is demultiplexed as RFC 7983 s.7 says, unwrapped from
 * TURN (ChannelData, Send and Data indications: RFC 8656 s.11, s.12) and
 * handed to the checkers of its protocol, which name each finding with
 * the packet, the time, the flow, the RFC section and a severity.
 *
 * The core (lint.c) owns the flows, the demultiplexing, the TURN
 * unwrapping and the findings; each protocol's checks are a checker
 * (sim_lint_checker_t) in a file of its own, listed in lint.c's table.
 * A checker keeps its per-flow state behind sim_lint_state() and must keep
 * it bounded (per SSRC, per open transaction), never per packet: memory
 * follows the open flows, not the file's length.
 *
 * Demultiplexing without ICE (a capture of plain RTP among other traffic):
 * the first byte's range (RFC 7983) is only a candidate; a datagram is
 * taken for STUN only with the magic cookie and a length that fits, for
 * ChannelData only with a length that fits the datagram, for DTLS only
 * with a record header that fits, for RTP/RTCP only with version 2 and a
 * header that fits (RTCP when the second byte is 192-223, RFC 5761 s.4).
 * Datagrams to or from well-known ports of other protocols (DNS, SIP,
 * NTP, mDNS, SSDP, NetBIOS, DHCP) are counted as other protocols.
 */
#ifndef SIM_TRACE_LINT_H
#define SIM_TRACE_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace/reader.h"

typedef enum sim_lint_sev { SIM_LINT_ERROR, SIM_LINT_WARNING, SIM_LINT_INFO } sim_lint_sev_t;
const char *sim_lint_sev_name(sim_lint_sev_t s);    /* "error", "warning", "info" */

/* What a datagram was taken for. */
typedef enum sim_lint_proto {
    SIM_LINT_STUN,                  /* STUN/TURN message (RFC 8489, RFC 8656) */
    SIM_LINT_DTLS,                  /* DTLS records (RFC 6347, RFC 9147) */
    SIM_LINT_RTP,                   /* RTP (RFC 3550), SRTP (RFC 3711) */
    SIM_LINT_RTCP,                  /* RTCP (RFC 3550 s.6), SRTCP */
    SIM_LINT_CHANNELDATA,           /* TURN ChannelData (RFC 8656 s.12.4): unwrapped by the core */
    SIM_LINT_ZRTP,                  /* RFC 7983: 16-19, counted only */
    SIM_LINT_OTHER,                 /* none of them (or a well-known other protocol's port) */
    SIM_LINT_PROTO__COUNT
} sim_lint_proto_t;
const char *sim_lint_proto_name(sim_lint_proto_t p);   /* "stun", "dtls", "rtp", ... */

#define SIM_LINT_MAX_CHECKERS 8

/* A conversation between two transport addresses (either direction), or
 * a relayed one: the client's side of a TURN allocation and one peer,
 * whose data travels wrapped on the client-server flow (relayed set). */
typedef struct sim_lint_flow {
    sim_trace_addr_t      a, b;     /* a: the sender of the flow's first datagram */
    sim_trace_transport_t transport;
    bool                  relayed;  /* b is a TURN peer reached through the server `via` */
    sim_trace_addr_t      via;
    char                  name[160];    /* "10.0.0.1:5000 > 10.0.0.2:3478 udp", "... via TURN ..." */
    uint64_t              first_packet;
    void                 *state[SIM_LINT_MAX_CHECKERS];
} sim_lint_flow_t;

/* One message handed to a checker. */
typedef struct sim_lint_pkt {
    const sim_trace_dgram_t *d;     /* the packet: number, time, addresses as captured */
    sim_lint_flow_t         *flow;
    bool                     from_a;   /* sent by flow->a */
    sim_lint_proto_t         proto;
    const uint8_t           *data;  /* the message: inside ChannelData or a Send/Data */
    size_t                   len;   /* indication for a relayed flow */
    bool                     decrypted;  /* RTP/RTCP: data is the plain packet of SRTP/SRTCP the
                                          * core authenticated and decrypted (sim_lint_flow_srtp) */
    bool                     srtp_refused;  /* RTP/RTCP: the core holds its sender's keys and it did
                                             * not authenticate (srtp.auth) or was a duplicate
                                             * (srtp.replay); data is as captured */
} sim_lint_pkt_t;

typedef struct sim_lint sim_lint_t;

typedef struct sim_lint_checker {
    const char *name;               /* "stun", "rtp", ... */
    /* Called for each message of a protocol it takes (protos: a bit per
     * sim_lint_proto_t). */
    unsigned    protos;
    void      (*packet)(sim_lint_t *l, const sim_lint_pkt_t *p);
    /* Called once per flow at the end of the capture (what never came:
     * an unanswered request, an event with no end), then flow_free. */
    void      (*flow_end)(sim_lint_t *l, sim_lint_flow_t *f);
    void      (*flow_free)(sim_lint_flow_t *f, void *state);
} sim_lint_checker_t;

/* The checker's per-flow state slot (NULL until it sets it). */
void **sim_lint_state(sim_lint_flow_t *f, const sim_lint_checker_t *c);

/* A finding about p (p NULL with flow: about the flow as a whole, at the
 * end). ref: "RFC 8489 s.14.7"; code: a stable short id for tools and
 * pinned tests ("stun.fingerprint"); the message says what is wrong with
 * the values seen. */
void sim_lint_report(sim_lint_t *l, const sim_lint_pkt_t *p, sim_lint_flow_t *flow, sim_lint_sev_t sev,
                     const char *ref, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* A credential the STUN checker verifies MESSAGE-INTEGRITY with (RFC
 * 8489 s.9): "ice UFRAG PASSWORD" (short-term, s.9.1) or "turn USERNAME
 * REALM PASSWORD" (long-term, s.9.2). */
typedef struct sim_lint_cred {
    bool turn;
    char user[256], realm[256], password[256];
} sim_lint_cred_t;
/* Each line of a text file given on the command line (a key log, SRTP
 * keys, credentials) to fn, with its number: "OPT PATH: cannot read it"
 * when it cannot be opened, "PATH:N: line longer than ..." for a line
 * past 2046 bytes; fn returns 0, or -1 with err written. */
typedef int (*sim_lint_line_fn)(void *ctx, const char *line, const char *path, unsigned no, char *err,
                                size_t errlen);
int sim_lint_read_lines(const char *path, const char *opt, sim_lint_line_fn fn, void *ctx, char *err,
                        size_t errlen);
/* One line of a credentials file: 1 (a credential in c), 0 (blank or a
 * '#' comment), -1 (err says what is wrong with it). */
int sim_lint_cred_parse(const char *line, sim_lint_cred_t *c, char *err, size_t errlen);
/* Append the credential of one line to *creds (a malloc'd array of *n);
 * where names the line in errors ("FILE:N"). 0, or -1 with "WHERE: why". */
int sim_lint_cred_add(sim_lint_cred_t **creds, size_t *n, const char *line, const char *where,
                      char *err, size_t errlen);
/* Every line of a credentials file, appended. 0, or -1 with the message. */
int sim_lint_cred_read(sim_lint_cred_t **creds, size_t *n, const char *path, char *err, size_t errlen);

/* Options of a run. */
typedef struct sim_lint_opts {
    bool        quiet_info;         /* leave info findings out of the text output */
    const char *decrypt_path;       /* write the decrypted twin of the (one) file linted here */
    uint32_t    telephone_event[4]; /* RTP payload types given as RFC 4733 telephone-event (bit pt % 32 of [pt / 32]) */
    bool        rtcp_rsize;         /* reduced-size RTCP (RFC 5506) announced: non-compound RTCP is no error */
    const sim_lint_cred_t *creds;   /* --credentials/--credential (the caller's, for the run) */
    size_t      ncreds;
    /* Every message as the checkers get it (after decryption), for a
     * reader of the capture other than the checkers: rtcsim replay's
     * player (sim/replay/player.c). NULL: none. */
    void      (*tap)(void *user, const sim_lint_pkt_t *p);
    void       *tap_user;
    /* Findings only on what this address (any port) sent, and on flows as
     * a whole; the others are counted (sim_lint_count_others): rtcsim
     * replay judges the implementation's packets, not the trace's. */
    const sim_trace_addr_t *only_from;
} sim_lint_opts_t;

sim_lint_t *sim_lint_new(const sim_lint_opts_t *o);
const sim_lint_opts_t *sim_lint_opts(const sim_lint_t *l);    /* the run's options, for checkers */
void        sim_lint_free(sim_lint_t *l);

/* An NSS key log (CLIENT_RANDOM lines; others ignored). 0, or -1 with
 * "FILE:LINE: why" in err. */
int         sim_lint_load_keylog(sim_lint_t *l, const char *path, char *err, size_t errlen);
bool        sim_lint_has_keylog(const sim_lint_t *l);      /* a key log or --srtp-keys was given */
/* SRTP keys by sender (--srtp-keys: lines "ADDR:PORT PROFILE
 * [inline:]BASE64", the master key then salt as RFC 4568 s.6.1 writes
 * them): SRTP and SRTCP that sender sends are authenticated and decrypted
 * with them. 0, or -1 with "FILE:LINE: why" in err. */
int         sim_lint_load_srtp_keys(sim_lint_t *l, const char *path, char *err, size_t errlen);
/* The 48-byte master secret the key log gives for a client random, or NULL. */
const uint8_t *sim_lint_master_secret(const sim_lint_t *l, const uint8_t client_random[32]);
/* libsrtp's srtp_init, once per process for sim/'s users of libsrtp (the
 * lint, the replay player's endpoint): a second srtp_init would run the
 * crypto kernel's self-tests again and be refused. (ref/ keeps its own
 * guard, behind the seam; libsrtp refuses whichever comes second, and
 * works.) */
void        sim_lint_srtp_init(void);
/* DTLS-SRTP keys for f (RFC 5764 s.4.2's layout: client key, server key,
 * client salt, server salt; profile as RFC 5764 s.4.1.2 / RFC 7714 name
 * it): from here on the core authenticates and decrypts the flow's SRTP
 * and SRTCP and hands checkers the plain packets (decrypted). */
void        sim_lint_flow_srtp(sim_lint_t *l, sim_lint_flow_t *f, const char *profile, bool client_is_a,
                               const uint8_t *material, size_t len);

/* The checkers (one file each). */
extern const sim_lint_checker_t sim_lint_dtls_checker;
extern const sim_lint_checker_t sim_lint_rtp_checker;      /* RTP, RTCP, RFC 4733 (lint_rtp.c) */

/* Lint one file: 0, or -1 with "FILE: ..." in err (unreadable; the
 * findings up to the error are kept and marked as from a partial read). */
int         sim_lint_file(sim_lint_t *l, const char *path, char *err, size_t errlen);
/* The same a datagram at a time, for a reader that pulls (the replay
 * player): begin (0, or -1 as sim_lint_file), then step: 1 a datagram
 * was linted (its messages went to the tap), 0 the end (the flows ended),
 * -1 an error (as sim_lint_file's). */
int         sim_lint_begin(sim_lint_t *l, const char *path, char *err, size_t errlen);
int         sim_lint_step(sim_lint_t *l, char *err, size_t errlen);

/* Output of everything linted so far. */
void        sim_lint_write_text(const sim_lint_t *l, FILE *out);
void        sim_lint_write_json(const sim_lint_t *l, FILE *out);
int         sim_lint_write_junit(const sim_lint_t *l, const char *path, char *err, size_t errlen);
uint64_t    sim_lint_count(const sim_lint_t *l, sim_lint_sev_t sev);
/* Findings left out by only_from. */
uint64_t    sim_lint_count_others(const sim_lint_t *l);
/* Findings with this code so far, and the first one's packet (0: none). */
uint64_t    sim_lint_count_code(const sim_lint_t *l, const char *code, uint64_t *first_packet);

/* The checkers (lint.c's table). */
extern const sim_lint_checker_t sim_lint_stun_checker;     /* lint_stun.c: STUN, TURN, ICE */

#endif
