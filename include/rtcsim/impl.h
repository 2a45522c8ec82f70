/*
 * rtcsim/impl.h - the ABI between the rtcsim harness and an implementation
 * under test of the RTCMediaSession object model (RTCSocket, RTCConnection,
 * RTCMediaSession with its MediaStreams and MediaStreamTracks, RTCDTMFTrack).
 *
 * This header is the whole contract. It needs nothing but the C standard
 * library: an implementation includes it, builds a shared object, and
 * exports one function,
 *
 *     const rtcsim_impl_t *rtcsim_impl(uint32_t harness_abi);
 *
 * which returns its table of entry points (or NULL if it cannot serve a
 * harness of that ABI version). `rtcsim run --impl PATH.so` loads it with
 * dlopen and checks the table (abi_version, size, the required entries)
 * when a scenario first makes an object on it; a failed check is that
 * scenario's error. docs/implementers.md is the guide: what to
 * implement, in what order, a skeleton, how to read a failure.
 *
 * The shape is sans-IO. The implementation never opens a socket, never
 * reads a clock, never asks the OS for randomness. The harness hands it an
 * environment (rtcsim_env_t: the time, one timer per object, sending a
 * datagram, random bytes, memory) and feeds it inputs: API calls (the
 * spec's methods), received datagrams, timer expiries. Outputs are
 * datagrams (env.send), timers (env.set_timer) and events, which the
 * implementation queues and the harness takes after each input
 * (*_next_event): the spec's handlers then run after the implementation's
 * processing, as a browser runs them from a queued task, and never inside
 * it. Given the same inputs and the same random bytes, an implementation
 * must do the same thing: that is what makes a run repeat from its seed.
 *
 * Conventions:
 *   - Handles are opaque pointers the implementation defines.
 *   - A call that can fail returns int: RTCSIM_OK (0) or a negative
 *     rtcsim_status_t, with a message in the caller's err buffer (errlen
 *     bytes, always NUL-terminated when errlen > 0) that names the
 *     argument or field at fault.
 *   - Strings are NUL-terminated UTF-8; fixed-size fields hold at most
 *     their *_MAX characters. Out-parameters are caller-supplied buffers:
 *     list getters write up to max entries and return how many there are,
 *     so a NULL/0 call sizes the buffer.
 *   - Pointers passed in are borrowed for the duration of the call (copy
 *     what you keep); pointers returned (ids, names) stay valid until the
 *     next call on that object.
 *   - Addresses are IPv4 in host byte order (the simulated network is
 *     IPv4).
 *   - Entries marked "optional" may be NULL: the harness then reports the
 *     feature as not implemented (a scenario that needs it ends in error,
 *     naming the entry), never as passed.
 *
 * Versioning: RTCSIM_IMPL_ABI_VERSION changes whenever a type or entry
 * of this header changes in a way an implementation built against the old
 * header would misread; the harness accepts only its own version.
 * rtcsim_impl_t.size lets later minor versions add entries at the end.
 */
#ifndef RTCSIM_IMPL_H
#define RTCSIM_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTCSIM_IMPL_ABI_VERSION 1u
#define RTCSIM_IMPL_SYMBOL      "rtcsim_impl"

/* ---- status ------------------------------------------------------------- */

typedef enum rtcsim_status {
    RTCSIM_OK = 0,
    RTCSIM_ERR_INVALID = -1,        /* a bad argument, or a call out of order (the spec's
                                     * InvalidStateError: the message starts with that name) */
    RTCSIM_ERR_NOMEM = -2,          /* env.alloc refused, or out of memory: nothing changed, or
                                     * only whole steps of the work (the object stays usable) */
    RTCSIM_ERR_UNSUPPORTED = -3,    /* the implementation does not do this (yet) */
} rtcsim_status_t;

static inline const char *rtcsim_strerror(int st)
{
    switch (st) {
    case RTCSIM_OK: return "ok";
    case RTCSIM_ERR_INVALID: return "invalid";
    case RTCSIM_ERR_NOMEM: return "out of memory";
    case RTCSIM_ERR_UNSUPPORTED: return "not supported";
    default: return "unknown status";
    }
}

/* ---- the environment the harness provides ------------------------------- */

#define RTCSIM_TIME_NEVER UINT64_MAX

typedef struct rtcsim_addr {
    uint32_t ip;                    /* IPv4, host byte order */
    uint16_t port;
} rtcsim_addr_t;

/* What a timer belongs to: the type of set_timer's obj, and the entry the
 * harness calls when it fires. */
typedef enum rtcsim_timer_owner {
    RTCSIM_TIMER_SOCKET,            /* rtcsim_socket_t: socket_handle_timeout(obj) */
    RTCSIM_TIMER_CONNECTION,        /* rtcsim_connection_t: connection_handle_timeout(obj) */
    RTCSIM_TIMER_MEDIA,             /* rtcsim_media_t: media_handle_timeout(obj) */
} rtcsim_timer_owner_t;

/* What became of a datagram handed to env.send. */
typedef enum rtcsim_send_status {
    RTCSIM_SEND_OK = 0,             /* sent (it may still be lost on the way, as UDP is) */
    RTCSIM_SEND_NOT_LOCAL,          /* from is no longer one of the socket's addresses */
    RTCSIM_SEND_FAILED,             /* nothing could be sent now (interface down, no buffer) */
    RTCSIM_SEND_TOO_LARGE,          /* more than fits in one datagram */
    RTCSIM_SEND__COUNT
} rtcsim_send_status_t;

static inline const char *rtcsim_send_status_name(rtcsim_send_status_t st)
{
    switch (st) {
    case RTCSIM_SEND_OK: return "ok";
    case RTCSIM_SEND_NOT_LOCAL: return "send-not-local";
    case RTCSIM_SEND_FAILED: return "send-failed";
    case RTCSIM_SEND_TOO_LARGE: return "send-too-large";
    default: return "send-unknown";
    }
}

/*
 * Every callback is called synchronously from inside a call the harness
 * made into the implementation, and none calls back into the
 * implementation. The harness copies what it keeps.
 */
typedef struct rtcsim_env {
    void *ctx;                      /* the first argument of every callback */

    /* Required. Virtual time in nanoseconds from a fixed origin; never
     * goes backwards. The only clock an implementation may read. */
    uint64_t (*now)(void *ctx);

    /* Required. Each object (socket, connection, media session) has one
     * timer: arm it for absolute time at (now() units), replacing any
     * earlier time; RTCSIM_TIME_NEVER disarms it. At or before now(): it
     * fires as soon as the current call has returned. When it fires the
     * harness calls the owner's handle_timeout once; a late call must act
     * on all that is due, an early one must be harmless. An object's free
     * disarms its timer; a connection's timer may be armed from inside
     * connection_new (connection_opaque already answers then). */
    void (*set_timer)(void *ctx, rtcsim_timer_owner_t owner, void *obj, uint64_t at);

    /* Required. One UDP datagram from local transport address from (one
     * the harness gave the socket) to to. Never blocks. A datagram from an
     * address the harness never gave this socket is an implementation
     * error: the harness ends the scenario in error, naming it. */
    rtcsim_send_status_t (*send)(void *ctx, const rtcsim_addr_t *from, const rtcsim_addr_t *to,
                                 const uint8_t *data, size_t len);

    /* Required. len random bytes (ICE credentials, tie-breakers,
     * transaction ids, SSRCs, jitter). The harness draws them from the
     * run's seed: an implementation that takes randomness from elsewhere
     * does not repeat. (DTLS libraries' own RAND is the harness's too:
     * it seeds OpenSSL's in its process.) */
    void (*random)(void *ctx, void *buf, size_t len);

    /* Optional (NULL: use realloc/free). lua_Alloc's contract: new_size
     * > 0 resizes ptr (NULL: a new block, old_size 0), returning NULL
     * when refused (ptr untouched); new_size 0 frees ptr and returns
     * NULL; old_size is always the block's size. The harness charges
     * these bytes to the scenario's memory bound and may refuse them:
     * a refusal is out of memory (RTCSIM_ERR_NOMEM, or work dropped and
     * counted). */
    void *(*alloc)(void *ctx, void *ptr, size_t old_size, size_t new_size);

    /* Optional (NULL: use send). send for a datagram that carries SRTP or
     * SRTCP, with plain the same datagram holding the decrypted RTP or
     * RTCP (inside the same TURN framing, lengths adjusted): the harness
     * writes it to its decrypted twin captures; the peer never sees it. */
    rtcsim_send_status_t (*send_twin)(void *ctx, const rtcsim_addr_t *from,
                                      const rtcsim_addr_t *to, const uint8_t *data, size_t len,
                                      const uint8_t *plain, size_t plain_len);

    /* Optional. One NSS key log line (no newline) per DTLS secret, so
     * that captures decode in Wireshark. */
    void (*keylog)(void *ctx, const char *line);
} rtcsim_env_t;

/* ---- RTCSocket and RTCConnection (ICE, RFC 8445; DTLS-SRTP, RFC 5763) --- */

typedef struct rtcsim_socket rtcsim_socket_t;
typedef struct rtcsim_connection rtcsim_connection_t;

typedef enum rtcsim_cand_type {
    RTCSIM_CAND_HOST, RTCSIM_CAND_SRFLX, RTCSIM_CAND_PRFLX, RTCSIM_CAND_RELAY
} rtcsim_cand_type_t;

static inline const char *rtcsim_cand_type_name(rtcsim_cand_type_t t)
{
    switch (t) {
    case RTCSIM_CAND_HOST: return "host";
    case RTCSIM_CAND_SRFLX: return "srflx";
    case RTCSIM_CAND_PRFLX: return "prflx";
    case RTCSIM_CAND_RELAY: return "relay";
    default: return "unknown";
    }
}

/* 0, or -1 if s names no type. */
static inline int rtcsim_cand_type_parse(const char *s, rtcsim_cand_type_t *t)
{
    for (int i = RTCSIM_CAND_HOST; i <= RTCSIM_CAND_RELAY; i++) {
        const char *n = rtcsim_cand_type_name((rtcsim_cand_type_t)i), *p = s;
        while (*n && *n == *p)
            n++, p++;
        if (!*n && !*p) {
            *t = (rtcsim_cand_type_t)i;
            return 0;
        }
    }
    return -1;
}

#define RTCSIM_FOUNDATION_MAX 32    /* RFC 8445 s.5.1.1.3 */

/* RTCIceCandidateDescription. */
typedef struct rtcsim_candidate {
    rtcsim_cand_type_t type;
    char               foundation[RTCSIM_FOUNDATION_MAX + 1];
    uint8_t            component;   /* 1 (RTP) or 2 (RTCP) */
    uint32_t           priority;
    rtcsim_addr_t      addr;        /* the transport address signalled */
    rtcsim_addr_t      base;        /* local candidates: where it is sent from */
} rtcsim_candidate_t;

#define RTCSIM_ID_MAX    64
#define RTCSIM_UFRAG_MAX 32
#define RTCSIM_PWD_MAX   64
#define RTCSIM_FP_MAX    4          /* fingerprints in a description, at most */
#define RTCSIM_FP_LEN    (8 + 64 * 3)   /* "sha-512 " and 64 hex pairs with colons, NUL */

/* RTCConnectionDescription, with the DTLS certificate's fingerprints in
 * RFC 8122 s.5 form ("sha-256 AB:CD:..."). */
typedef struct rtcsim_conn_desc {
    char   id[RTCSIM_ID_MAX + 1];
    char   ufrag[RTCSIM_UFRAG_MAX + 1];
    char   pwd[RTCSIM_PWD_MAX + 1];
    size_t nfingerprints;
    char   fingerprints[RTCSIM_FP_MAX][RTCSIM_FP_LEN];
} rtcsim_conn_desc_t;

/* A TURN server (RTCIceServer with a turn: URL and a credential). */
typedef struct rtcsim_turn_server {
    rtcsim_addr_t addr;
    char          user[128];
    char          password[128];
} rtcsim_turn_server_t;

typedef enum rtcsim_ice_event_type {
    RTCSIM_ICE_CANDIDATE,           /* oncandidate: local */
    RTCSIM_ICE_END_OF_CANDIDATES,   /* onendofcandidates */
    RTCSIM_ICE_ACTIVE_CANDIDATE,    /* onactivecandidate: local, remote (the selected pair) */
    RTCSIM_ICE_CONNECTED,           /* onconnected */
    RTCSIM_ICE_DISCONNECTED,        /* ondisconnected */
    /* not spec events; an implementation may fire them, scenarios that
     * look for them say so */
    RTCSIM_ICE_TURN_ERROR,          /* no relay from local.addr's TURN server; code: the STUN
                                     * error code, 0 for no answer */
    RTCSIM_ICE_DTLS_CONNECTED,      /* DTLS-SRTP keys ready; text: the profile's name */
    RTCSIM_ICE_DTLS_FAILED,         /* text: why (e.g. a fingerprint mismatch) */
    RTCSIM_ICE__COUNT               /* a type at or above this is an implementation error */
} rtcsim_ice_event_type_t;

typedef struct rtcsim_ice_event {
    rtcsim_ice_event_type_t type;
    rtcsim_candidate_t      local, remote;
    int                     code;
    char                    text[160];
} rtcsim_ice_event_t;

/* A named counter: what an object ignored, dropped or could not do, for
 * scenarios' measures. Names are lower case; a dot groups them
 * ("bad-integrity", "send-failed", "dropped.srtp-auth": the last is
 * t.dropped["srtp-auth"] in the Lua API's table). docs/implementers.md lists
 * the names the suite reads; an implementation reports those it keeps. */
#define RTCSIM_COUNTER_NAME_MAX 47
typedef struct rtcsim_counter {
    char     name[RTCSIM_COUNTER_NAME_MAX + 1];
    uint64_t value;
} rtcsim_counter_t;

/* ---- RTCMediaSession, MediaStream, MediaStreamTrack, RTCDTMFTrack ------- */

typedef struct rtcsim_media rtcsim_media_t;

#define RTCSIM_NAME_MAX    64       /* ids, labels, msids, codec names */
#define RTCSIM_MAX_CODECS  8
#define RTCSIM_MAX_PARAMS  4
#define RTCSIM_MAX_EXTS    8
#define RTCSIM_EXT_URI_MAX 127
#define RTCSIM_EXT_VAL_MAX 32

typedef enum rtcsim_kind { RTCSIM_KIND_AUDIO, RTCSIM_KIND_VIDEO, RTCSIM_KIND_DTMF } rtcsim_kind_t;

static inline const char *rtcsim_kind_name(rtcsim_kind_t k)
{
    return k == RTCSIM_KIND_AUDIO ? "audio" : k == RTCSIM_KIND_VIDEO ? "video" : "dtmf";
}

/* true and *k set if s is "audio", "video" or "dtmf". */
static inline bool rtcsim_kind_parse(const char *s, rtcsim_kind_t *k)
{
    for (int i = RTCSIM_KIND_AUDIO; s && i <= RTCSIM_KIND_DTMF; i++) {
        const char *n = rtcsim_kind_name((rtcsim_kind_t)i), *p = s;
        while (*n && *n == *p)
            n++, p++;
        if (!*n && !*p) {
            *k = (rtcsim_kind_t)i;
            return true;
        }
    }
    return false;
}

typedef struct rtcsim_codec_param {
    char name[RTCSIM_NAME_MAX + 1];
    bool has_value;
    char value[RTCSIM_NAME_MAX + 1];
} rtcsim_codec_param_t;

/* RTCCodec; clock_rate, channels 0: not given. */
typedef struct rtcsim_codec {
    uint8_t              pt;        /* payload-id, 0-127 */
    rtcsim_kind_t        kind;
    char                 name[RTCSIM_NAME_MAX + 1];
    uint32_t             clock_rate;
    uint32_t             channels;
    size_t               nparams;
    rtcsim_codec_param_t params[RTCSIM_MAX_PARAMS];
} rtcsim_codec_t;

/* RTCMediaAttributes; 0: not given. */
typedef struct rtcsim_media_attrs {
    uint32_t video_max_width, video_max_height;
} rtcsim_media_attrs_t;

/* An RTP header extension (RFC 8285): its name (the extmap URI, or the id
 * in decimal when unmapped) and value. */
typedef struct rtcsim_ext_header {
    char    name[RTCSIM_EXT_URI_MAX + 1];
    uint8_t len;
    uint8_t value[RTCSIM_EXT_VAL_MAX];
} rtcsim_ext_header_t;

typedef struct rtcsim_extmap {
    uint8_t id;                     /* 1-14 one-byte, up to 255 two-byte */
    char    uri[RTCSIM_EXT_URI_MAX + 1];
} rtcsim_extmap_t;

/* Which keys an RTCTrackDescription gave (incremental mode and
 * setTrackProperties change only those). */
enum {
    RTCSIM_TD_ID = 1u << 0, RTCSIM_TD_KIND = 1u << 1, RTCSIM_TD_SSRC = 1u << 2,
    RTCSIM_TD_MSID = 1u << 3, RTCSIM_TD_CONNECTION = 1u << 4, RTCSIM_TD_CODECS = 1u << 5,
    RTCSIM_TD_ATTRS = 1u << 6, RTCSIM_TD_EXTS = 1u << 7, RTCSIM_TD_DELETE = 1u << 8,
};

/* RTCTrackDescription. */
typedef struct rtcsim_track_desc {
    unsigned             given;     /* RTCSIM_TD_* */
    char                 id[RTCSIM_NAME_MAX + 1];
    rtcsim_kind_t        kind;
    uint32_t             ssrc;      /* the spec's DOMString, in decimal */
    char                 msid[RTCSIM_NAME_MAX + 1];
    char                 connection_id[RTCSIM_ID_MAX + 1];
    size_t               ncodecs;
    rtcsim_codec_t       codecs[RTCSIM_MAX_CODECS];
    rtcsim_media_attrs_t attrs;
    size_t               nexts;
    rtcsim_ext_header_t  exts[RTCSIM_MAX_EXTS];
    bool                 del;       /* incremental mode: { delete = true } */
} rtcsim_track_desc_t;

/* RTCMediaSessionDescriptionFilter: NULL or "" matches any. */
typedef struct rtcsim_desc_filter {
    const char *msid;
    const char *connection_id;
} rtcsim_desc_filter_t;

/* RTCMediaSessionOptions. ncodecs 0: the implementation's defaults. */
typedef struct rtcsim_media_options {
    size_t               ncodecs;
    rtcsim_codec_t       codecs[RTCSIM_MAX_CODECS];
    rtcsim_media_attrs_t attrs;
    size_t               nextmap;
    rtcsim_extmap_t      extmap[RTCSIM_MAX_EXTS];
} rtcsim_media_options_t;

/* A local MediaStreamTrack. The harness has no cameras: a track is a
 * synthetic source the implementation makes (audio: a frame every 20 ms
 * at its codec's rate; video: fps frames at bitrate, a key frame every
 * keyframe_every); 0 fields: the implementation's defaults. */
typedef struct rtcsim_local_track {
    char          id[RTCSIM_NAME_MAX + 1];
    char          label[RTCSIM_NAME_MAX + 1];
    rtcsim_kind_t kind;
    uint32_t      fps, bitrate, keyframe_every;
} rtcsim_local_track_t;

typedef struct rtcsim_local_stream {
    char                        id[RTCSIM_NAME_MAX + 1];
    char                        label[RTCSIM_NAME_MAX + 1];
    size_t                      ntracks;
    const rtcsim_local_track_t *tracks;
} rtcsim_local_stream_t;

typedef enum rtcsim_media_event_type {
    RTCSIM_MEDIA_ADD_STREAM,            /* onaddstream: msid (remote) */
    RTCSIM_MEDIA_REMOVE_STREAM,         /* onremovestream: msid */
    RTCSIM_MEDIA_ADD_TRACK,             /* MediaStream onaddtrack: msid, track */
    RTCSIM_MEDIA_REMOVE_TRACK,          /* MediaStream onremovetrack: msid, track */
    RTCSIM_MEDIA_UNKNOWN_TRACK,         /* onunknowntrack: ssrc, exts */
    RTCSIM_MEDIA_TRACK_CONNECTED,       /* remote MediaStreamTrack onconnected: msid, track */
    RTCSIM_MEDIA_TRACK_DISCONNECTED,    /* ... ondisconnected: msid, track, reason "bye"|"timeout" */
    RTCSIM_MEDIA_STREAM_CONNECTED,      /* remote MediaStream onconnected: msid */
    RTCSIM_MEDIA_STREAM_DISCONNECTED,   /* ... ondisconnected: msid */
    RTCSIM_MEDIA_SSRC_CHANGED,          /* not a spec event: a local SSRC collided (RFC 3550
                                         * s.8.2): track, ssrc (old), new_ssrc */
    RTCSIM_MEDIA_DTMF_SENT,             /* not a spec event: a local RTCDTMFTrack started a tone:
                                         * msid, track, digit, at, duration_ms, ssrc */
    RTCSIM_MEDIA_DTMF_TONE,             /* RTCDTMFTrack ontone (remote, RFC 4733 s.2.5.2): msid,
                                         * track, digit, at (first packet's arrival),
                                         * duration_ms, duration_units, volume, ended, ssrc */
    RTCSIM_MEDIA__COUNT                 /* at or above: an implementation error */
} rtcsim_media_event_type_t;

typedef struct rtcsim_media_event {
    rtcsim_media_event_type_t type;
    char                msid[RTCSIM_NAME_MAX + 1];
    char                track[RTCSIM_NAME_MAX + 1];
    char                reason[16];
    uint32_t            ssrc, new_ssrc;
    size_t              nexts;
    rtcsim_ext_header_t exts[RTCSIM_MAX_EXTS];
    char                digit;
    uint64_t            at;         /* ns, env.now() units */
    uint32_t            duration_ms, duration_units;
    uint8_t             volume;
    bool                ended;
} rtcsim_media_event_t;

/* A track's RTP figures (RFC 3550): what a local source sent and the
 * peer's last report about it, or what this side measured of a remote
 * source (A.3 loss, A.8 jitter). */
typedef struct rtcsim_track_stats {
    uint32_t ssrc;
    bool     sending, connected;
    uint64_t packets, octets;
    uint32_t expected;
    int32_t  lost;
    uint32_t jitter;                /* timestamp units */
    uint64_t duplicates;
    bool     have_report;
    uint8_t  fraction_lost;
    int32_t  cumulative_lost;
    uint32_t report_jitter;
    uint32_t rtt_us;                /* from LSR/DLSR (s.6.4.1), 0 if none */
    uint64_t srs, rrs, byes;        /* RTCP sent (local) or received (remote) */
} rtcsim_track_stats_t;

/* The spec's defaults and bounds for insertDTMF (values outside are
 * clamped). */
#define RTCSIM_DTMF_DURATION_DEFAULT 100
#define RTCSIM_DTMF_GAP_DEFAULT     50
#define RTCSIM_DTMF_TONES_MAX       256
#define RTCSIM_DTMF_DURATION_MIN    70
#define RTCSIM_DTMF_DURATION_MAX    6000
#define RTCSIM_DTMF_GAP_MIN         50

/* An RTCDTMFTrack's attributes. */
typedef struct rtcsim_dtmf_state {
    char     tone_buffer[RTCSIM_DTMF_TONES_MAX + 1];   /* toneBuffer */
    uint32_t duration, inter_tone_gap;                  /* ms, in effect */
    bool     playing;
    uint32_t ssrc;                  /* the audio source's it shares, 0: none */
    uint8_t  pt;                    /* its telephone-event payload type, 0xff: none */
} rtcsim_dtmf_state_t;

/* ---- the table of entry points ------------------------------------------ */

typedef struct rtcsim_impl {
    uint32_t    abi_version;        /* RTCSIM_IMPL_ABI_VERSION */
    uint32_t    size;               /* sizeof(rtcsim_impl_t) as the implementation saw it */
    const char *name;               /* "libfoo 1.2": named in every report line */

    /* RTCSocket. locals: its bound transport addresses (one per
     * interface that is up), stun: STUN servers for srflx candidates.
     * Copied. NULL if out of memory. */
    rtcsim_socket_t *(*socket_new)(const rtcsim_env_t *env, const rtcsim_addr_t *locals,
                                   size_t nlocals, const rtcsim_addr_t *stun, size_t nstun);
    void (*socket_free)(rtcsim_socket_t *s);        /* after its connections */
    void (*socket_handle_datagram)(rtcsim_socket_t *s, const rtcsim_addr_t *local,
                                   const rtcsim_addr_t *from, const uint8_t *data, size_t len);
    void (*socket_handle_timeout)(rtcsim_socket_t *s);
    /* TURN servers to allocate relayed candidates on (before any
     * connection). Optional. */
    int  (*socket_set_turn)(rtcsim_socket_t *s, const rtcsim_turn_server_t *t, size_t n);
    /* The host's addresses changed (an interface came up or went down):
     * the socket now has these; the next gathering uses them. */
    int  (*socket_set_locals)(rtcsim_socket_t *s, const rtcsim_addr_t *locals, size_t n);
    /* The host lost addr: a connection using it disconnects at once. */
    void (*socket_address_lost)(rtcsim_socket_t *s, const rtcsim_addr_t *addr);
    /* DTLS-SRTP profiles offered, an OpenSSL-style list
     * ("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"). Optional. */
    int  (*socket_set_srtp_profiles)(rtcsim_socket_t *s, const char *list, char *err,
                                     size_t errlen);
    /* Counters (see rtcsim_counter_t). Optional. */
    size_t (*socket_counters)(const rtcsim_socket_t *s, rtcsim_counter_t *out, size_t max);

    /* RTCConnection. remote NULL: the offerer, with a fresh id; else the
     * answerer, taking remote's id. opaque: the harness's pointer for it
     * (connection_opaque), answered from the first callback on:
     * gathering starts at once. NULL on error with *st (if st) and err. */
    rtcsim_connection_t *(*connection_new)(rtcsim_socket_t *s, const rtcsim_conn_desc_t *remote,
                                           void *opaque, rtcsim_status_t *st, char *err,
                                           size_t errlen);
    void  (*connection_free)(rtcsim_connection_t *c);
    void *(*connection_opaque)(const rtcsim_connection_t *c);
    const char *(*connection_id)(const rtcsim_connection_t *c);
    /* getLocalDescription(). */
    int  (*connection_local_description)(rtcsim_connection_t *c, rtcsim_conn_desc_t *out);
    int  (*connection_set_remote_description)(rtcsim_connection_t *c, const rtcsim_conn_desc_t *d,
                                              char *err, size_t errlen);
    int  (*connection_set_local_candidate)(rtcsim_connection_t *c, const rtcsim_candidate_t *cand,
                                           char *err, size_t errlen);
    int  (*connection_set_remote_candidate)(rtcsim_connection_t *c,
                                            const rtcsim_candidate_t *cand, char *err,
                                            size_t errlen);
    int  (*connection_connect)(rtcsim_connection_t *c, char *err, size_t errlen);
    /* update(): an ICE restart of the local side (RFC 8445 s.9). */
    int  (*connection_update)(rtcsim_connection_t *c, char *err, size_t errlen);
    void (*connection_handle_timeout)(rtcsim_connection_t *c);
    /* The next queued event; false when none. Called after every input. */
    bool (*connection_next_event)(rtcsim_connection_t *c, rtcsim_ice_event_t *ev);
    /* Optional. */
    size_t (*connection_counters)(const rtcsim_connection_t *c, rtcsim_counter_t *out,
                                  size_t max);

    /* RTCMediaSession: the whole media plane is optional (media_new NULL:
     * an ICE-only implementation). opt NULL: the defaults. Its
     * connections are this implementation's, made on sockets of the same
     * host. */
    rtcsim_media_t *(*media_new)(const rtcsim_env_t *env, const rtcsim_media_options_t *opt,
                                 rtcsim_status_t *st, char *err, size_t errlen);
    void (*media_free)(rtcsim_media_t *m);
    void (*media_handle_timeout)(rtcsim_media_t *m);
    bool (*media_next_event)(rtcsim_media_t *m, rtcsim_media_event_t *ev);
    /* getLocalDescription / getRemoteDescription (filter NULL: all). */
    size_t (*media_local_description)(const rtcsim_media_t *m, const rtcsim_desc_filter_t *f,
                                      rtcsim_track_desc_t *out, size_t max);
    size_t (*media_remote_description)(const rtcsim_media_t *m, const rtcsim_desc_filter_t *f,
                                       rtcsim_track_desc_t *out, size_t max);
    int  (*media_set_remote_description)(rtcsim_media_t *m, const rtcsim_track_desc_t *d,
                                         size_t n, bool incremental, char *err, size_t errlen);
    int  (*media_add_stream)(rtcsim_media_t *m, const rtcsim_local_stream_t *s, char *err,
                             size_t errlen);
    int  (*media_remove_stream)(rtcsim_media_t *m, const char *msid, char *err, size_t errlen);
    int  (*media_send_stream)(rtcsim_media_t *m, const char *msid, bool send, char *err,
                              size_t errlen);
    int  (*media_send_track)(rtcsim_media_t *m, const char *track, bool send, char *err,
                             size_t errlen);
    int  (*media_add_connection)(rtcsim_media_t *m, rtcsim_connection_t *c, char *err,
                                 size_t errlen);
    int  (*media_remove_connection)(rtcsim_media_t *m, rtcsim_connection_t *c, char *err,
                                    size_t errlen);
    size_t (*media_connections)(const rtcsim_media_t *m, rtcsim_connection_t **out, size_t max);
    int  (*media_set_track_properties)(rtcsim_media_t *m, const char *track,
                                       const rtcsim_track_desc_t *d, char *err, size_t errlen);
    size_t (*media_sending_streams)(const rtcsim_media_t *m, const char **out, size_t max);
    size_t (*media_receiving_streams)(const rtcsim_media_t *m, const char **out, size_t max);
    /* A stream's track ids (remote: a remote stream). */
    size_t (*media_stream_tracks)(const rtcsim_media_t *m, const char *msid, bool remote,
                                  const char **out, size_t max);
    int  (*media_close)(rtcsim_media_t *m, char *err, size_t errlen);
    bool (*media_track_stats)(const rtcsim_media_t *m, const char *track, bool remote,
                              rtcsim_track_stats_t *st);
    /* Optional. */
    size_t (*media_counters)(const rtcsim_media_t *m, rtcsim_counter_t *out, size_t max);

    /* RTCDTMFTrack (optional, both or neither). insertDTMF: duration_ms,
     * gap_ms < 0 take the defaults. */
    int  (*media_insert_dtmf)(rtcsim_media_t *m, const char *track, const char *tones,
                              int64_t duration_ms, int64_t gap_ms, char *err, size_t errlen);
    bool (*media_dtmf_state)(const rtcsim_media_t *m, const char *track, rtcsim_dtmf_state_t *st);
} rtcsim_impl_t;

/*
 * The harness's check of a table, the one `rtcsim run --impl` and the
 * adapter build/rtcsim-live apply before calling anything: NULL if t is a
 * table they accept, else why not (in why, or a constant). An
 * implementation may run it on its own table in a unit test.
 */
static inline const char *rtcsim_impl_check(const rtcsim_impl_t *t, char *why, size_t len)
{
#define RTCSIM_E_(name) { #name, offsetof(rtcsim_impl_t, name) }
    typedef struct { const char *name; size_t off; } entry_t;
    static const entry_t required[] = {
        RTCSIM_E_(socket_new), RTCSIM_E_(socket_free), RTCSIM_E_(socket_handle_datagram),
        RTCSIM_E_(socket_handle_timeout), RTCSIM_E_(socket_set_locals), RTCSIM_E_(socket_address_lost),
        RTCSIM_E_(connection_new), RTCSIM_E_(connection_free), RTCSIM_E_(connection_opaque),
        RTCSIM_E_(connection_id), RTCSIM_E_(connection_local_description),
        RTCSIM_E_(connection_set_remote_description), RTCSIM_E_(connection_set_local_candidate),
        RTCSIM_E_(connection_set_remote_candidate), RTCSIM_E_(connection_connect),
        RTCSIM_E_(connection_update), RTCSIM_E_(connection_handle_timeout),
        RTCSIM_E_(connection_next_event),
    };
    /* with media_new, all of these: the media plane is all or nothing */
    static const entry_t media[] = {
        RTCSIM_E_(media_free), RTCSIM_E_(media_handle_timeout), RTCSIM_E_(media_next_event),
        RTCSIM_E_(media_local_description), RTCSIM_E_(media_remote_description),
        RTCSIM_E_(media_set_remote_description), RTCSIM_E_(media_add_stream),
        RTCSIM_E_(media_remove_stream), RTCSIM_E_(media_send_stream), RTCSIM_E_(media_send_track),
        RTCSIM_E_(media_add_connection), RTCSIM_E_(media_remove_connection),
        RTCSIM_E_(media_connections), RTCSIM_E_(media_set_track_properties),
        RTCSIM_E_(media_sending_streams), RTCSIM_E_(media_receiving_streams),
        RTCSIM_E_(media_stream_tracks), RTCSIM_E_(media_close), RTCSIM_E_(media_track_stats),
    };
#undef RTCSIM_E_
    if (t->abi_version != RTCSIM_IMPL_ABI_VERSION) {
        snprintf(why, len, "it was built for ABI version %u; this rtcsim speaks version %u "
                 "(rebuild it against this rtcsim's include/rtcsim/impl.h)",
                 (unsigned)t->abi_version, RTCSIM_IMPL_ABI_VERSION);
        return why;
    }
    if (t->size < sizeof *t) {
        snprintf(why, len, "its table is %u bytes, not the %zu of ABI version %u (built against "
                 "another impl.h?)", (unsigned)t->size, sizeof *t, RTCSIM_IMPL_ABI_VERSION);
        return why;
    }
    if (!t->name || !t->name[0])
        return "its table has no name";
    for (int plane = 0; plane < 2; plane++) {
        const entry_t *e = plane ? media : required;
        size_t n = plane ? sizeof media / sizeof *media : sizeof required / sizeof *required;
        if (plane && !t->media_new)
            break;
        for (size_t i = 0; i < n; i++) {
            void (*fn)(void);
            memcpy(&fn, (const char *)t + e[i].off, sizeof fn);
            if (fn)
                continue;
            snprintf(why, len, plane ? "its table has media_new but lacks %s (the media plane is "
                                       "all or nothing)" : "its table lacks the required entry %s",
                     e[i].name);
            return why;
        }
    }
    if (!t->media_insert_dtmf != !t->media_dtmf_state)
        return "its table has one of media_insert_dtmf and media_dtmf_state but not the other";
    return NULL;
}

/* The symbol an implementation exports (RTCSIM_IMPL_SYMBOL), declared
 * here so that the compiler checks its definition: the table for
 * harness_abi, or NULL if the implementation cannot serve that version. */
const rtcsim_impl_t *rtcsim_impl(uint32_t harness_abi);
typedef const rtcsim_impl_t *(*rtcsim_impl_fn)(uint32_t harness_abi);

#ifdef __cplusplus
}
#endif

#endif
