/*
 * media.h - RTCMediaSession (spec: "The RTCMediaSession Class", "The
 * RTCMediaSessionDescription Object", "... DescriptionFilter", and the
 * MediaStream/MediaStreamTrack extensions), sans-IO.
 *
 * A session sends local streams' tracks as RTP over the RTCConnections
 * added to it (SRTP keyed by each connection's DTLS, rtp.h, srtp.h) and
 * receives the remote peer's, described by the remote
 * RTCMediaSessionDescription. Inputs: API calls, SRTP/SRTCP from its
 * connections (through the media link it attaches, ice.h), its timer
 * (RTC_TIMER_MEDIA). Outputs: datagrams through the connections, events
 * (pulled), one timer.
 *
 * Descriptions are arrays of rtc_track_desc_t here; the Lua binding
 * turns them into the spec's table keyed by track id.
 */
#ifndef RTC_MEDIA_H
#define RTC_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ice.h"
#include "rtc_env.h"

typedef struct rtc_media rtc_media_t;

#define RTC_NAME_MAX    64      /* ids, labels, msids, codec names */
#define RTC_MAX_CODECS  8
#define RTC_MAX_PARAMS  4
#define RTC_MAX_EXTS    8
#define RTC_EXT_URI_MAX 127
#define RTC_EXT_VAL_MAX 32

typedef enum rtc_kind { RTC_KIND_AUDIO, RTC_KIND_VIDEO, RTC_KIND_DTMF } rtc_kind_t;

/* "audio", "video", "dtmf"; and back (false for any other string). */
const char *rtc_kind_name(rtc_kind_t k);
bool        rtc_kind_of(const char *s, rtc_kind_t *out);

typedef struct rtc_codec_param {
    char name[RTC_NAME_MAX + 1];
    bool has_value;
    char value[RTC_NAME_MAX + 1];
} rtc_codec_param_t;

/* RTCCodec. clock_rate/channels 0: not given. */
typedef struct rtc_codec {
    uint8_t           pt;               /* payload-id, 0-127 */
    rtc_kind_t        kind;
    char              name[RTC_NAME_MAX + 1];
    uint32_t          clock_rate;
    uint32_t          channels;
    size_t            nparams;
    rtc_codec_param_t params[RTC_MAX_PARAMS];
} rtc_codec_t;

/* RTCMediaAttributes; 0: not given. */
typedef struct rtc_media_attrs {
    uint32_t video_max_width, video_max_height;
} rtc_media_attrs_t;

/* One RTP header extension: its name (the extmap URI, or the id in
 * decimal when unmapped) and value bytes (RFC 8285: 1-16 bytes in the
 * one-byte form, 0-255 in the two-byte form; at most RTC_EXT_VAL_MAX
 * here). */
typedef struct rtc_ext_header {
    char    name[RTC_EXT_URI_MAX + 1];
    uint8_t len;
    uint8_t value[RTC_EXT_VAL_MAX];
} rtc_ext_header_t;

/* One extmap entry: an RFC 8285 id (1-14 one-byte, up to 255 two-byte)
 * and its URI. */
typedef struct rtc_extmap {
    uint8_t id;
    char    uri[RTC_EXT_URI_MAX + 1];
} rtc_extmap_t;

/* Which keys a description gave (incremental mode and
 * setTrackProperties change only those). */
enum {
    RTC_TD_ID = 1u << 0, RTC_TD_KIND = 1u << 1, RTC_TD_SSRC = 1u << 2, RTC_TD_MSID = 1u << 3,
    RTC_TD_CONNECTION = 1u << 4, RTC_TD_CODECS = 1u << 5, RTC_TD_ATTRS = 1u << 6,
    RTC_TD_EXTS = 1u << 7, RTC_TD_DELETE = 1u << 8,
};

/* RTCTrackDescription. */
typedef struct rtc_track_desc {
    unsigned          given;            /* RTC_TD_* */
    char              id[RTC_NAME_MAX + 1];
    rtc_kind_t        kind;
    uint32_t          ssrc;             /* the spec's DOMString, decimal */
    char              msid[RTC_NAME_MAX + 1];
    char              connection_id[RTC_ID_MAX + 1];
    size_t            ncodecs;
    rtc_codec_t       codecs[RTC_MAX_CODECS];
    rtc_media_attrs_t attrs;
    size_t            nexts;
    rtc_ext_header_t  exts[RTC_MAX_EXTS];
    bool              del;              /* incremental mode: { delete = true } */
} rtc_track_desc_t;

/* RTCMediaSessionDescriptionFilter: NULL or "" fields match any. */
typedef struct rtc_desc_filter {
    const char *msid;
    const char *connection_id;
} rtc_desc_filter_t;

/* RTCMediaSessionOptions (see docs/decisions.md for what the spec leaves
 * open). ncodecs 0: the defaults (Opus/48000/2 pt 111, PCMU/8000 pt 0,
 * VP8/90000 pt 96). extmap: the ids the session sends and parses
 * extensions under. */
typedef struct rtc_media_options {
    size_t            ncodecs;
    rtc_codec_t       codecs[RTC_MAX_CODECS];
    rtc_media_attrs_t attrs;
    size_t            nextmap;
    rtc_extmap_t      extmap[RTC_MAX_EXTS];
} rtc_media_options_t;

/* A local MediaStreamTrack and its synthetic source (rtp.h). 0 fields
 * take the source defaults. */
typedef struct rtc_local_track {
    char       id[RTC_NAME_MAX + 1];
    char       label[RTC_NAME_MAX + 1];
    rtc_kind_t kind;
    uint32_t   fps, bitrate, keyframe_every;     /* video */
} rtc_local_track_t;

typedef struct rtc_local_stream {
    char                     id[RTC_NAME_MAX + 1];
    char                     label[RTC_NAME_MAX + 1];
    size_t                   ntracks;
    const rtc_local_track_t *tracks;
} rtc_local_stream_t;

typedef enum rtc_media_event_type {
    RTC_MEDIA_ADD_STREAM,           /* onaddstream: msid (remote) */
    RTC_MEDIA_REMOVE_STREAM,        /* onremovestream: msid */
    RTC_MEDIA_ADD_TRACK,            /* MediaStream onaddtrack: msid, track (remote) */
    RTC_MEDIA_REMOVE_TRACK,         /* MediaStream onremovetrack: msid, track */
    RTC_MEDIA_UNKNOWN_TRACK,        /* onunknowntrack: ssrc, exts */
    RTC_MEDIA_TRACK_CONNECTED,      /* remote MediaStreamTrack onconnected: msid, track */
    RTC_MEDIA_TRACK_DISCONNECTED,   /* ... ondisconnected: msid, track, reason "bye" or "timeout" */
    RTC_MEDIA_STREAM_CONNECTED,     /* remote MediaStream onconnected: msid */
    RTC_MEDIA_STREAM_DISCONNECTED,  /* ... ondisconnected: msid */
    RTC_MEDIA_SSRC_CHANGED,         /* not a spec event: a local source's SSRC collided (RFC 3550
                                     * s.8.2) and changed: track, ssrc (old), new_ssrc */
    /* added by h-dtmfengine (issue 10): */
    RTC_MEDIA_DTMF_SENT,            /* not a spec event: a local RTCDTMFTrack started a tone:
                                     * msid, track, digit, at (ns), duration_ms, ssrc */
    RTC_MEDIA_DTMF_TONE,            /* a remote dtmf track decoded a tone (RFC 4733 s.2.5.2): msid,
                                     * track, digit, at (ns, its first packet's arrival),
                                     * duration_ms, duration_units, volume, ended, ssrc */
} rtc_media_event_type_t;

typedef struct rtc_media_event {
    rtc_media_event_type_t type;
    char             msid[RTC_NAME_MAX + 1];
    char             track[RTC_NAME_MAX + 1];
    char             reason[16];
    uint32_t         ssrc, new_ssrc;
    size_t           nexts;
    rtc_ext_header_t exts[RTC_MAX_EXTS];
    /* added by h-dtmfengine: the DTMF events' */
    char             digit;
    uint64_t         at;
    uint32_t         duration_ms, duration_units;
    uint8_t          volume;
    bool             ended;
} rtc_media_event_t;

/* Packets the session dropped, by reason (bad input from the network:
 * ignored and counted). */
typedef enum rtc_media_drop {
    RTC_DROP_SRTP_AUTH,         /* SRTP/SRTCP tag did not verify */
    RTC_DROP_SRTP_REPLAY,       /* libsrtp's replay window refused it */
    RTC_DROP_SRTP_OTHER,        /* any other unprotect failure */
    RTC_DROP_NO_KEYS,           /* SRTP before DTLS was up, or after it failed */
    RTC_DROP_RTP_MALFORMED,     /* rtc_rtp_parse refused the plain packet */
    RTC_DROP_RTP_EXTENSION,     /* its header extension overran the packet */
    RTC_DROP_RTCP_MALFORMED,    /* rtc_rtcp_parse refused it */
    RTC_DROP_UNKNOWN_PT,        /* a payload type no codec of the track's description has */
    RTC_DROP_CLOSED,            /* arrived after close() */
    RTC_DROP_NOMEM,             /* no memory for a new remote source */
    RTC_DROP_TOO_MANY_SOURCES,  /* added by h-media: RTP from yet another unknown SSRC past the
                                 * 64 the session keeps (a peer bounds what it makes us hold) */
    /* added by h-dtmfengine: a telephone-event packet the decoder refused (dtmf.h's statuses) */
    RTC_DROP_DTMF_TRUNCATED,    /* payload under 4 bytes */
    RTC_DROP_DTMF_BAD_EVENT,    /* event code above 16 (RFC 4733 s.3.2) */
    RTC_DROP_DTMF_NO_START,     /* an end or update of an event never started */
    RTC_DROP_DTMF_BACKWARDS,    /* the event's duration went down (s.2.5.2.1) */
    RTC_DROP__COUNT
} rtc_media_drop_t;

/* "srtp-auth", "srtp-replay", ... as above. */
const char *rtc_media_drop_name(rtc_media_drop_t d);

/* Per source figures, for scenarios' measures. */
typedef struct rtc_track_stats {
    uint32_t ssrc;
    bool     sending, connected;
    uint64_t packets, octets;           /* sent (local) or received (remote) */
    /* remote: what this side measures (RFC 3550 A.3, A.8) */
    uint32_t expected;
    int32_t  lost;
    uint32_t jitter;                    /* timestamp units */
    uint64_t duplicates;
    /* local: the last report block the peer sent about this source */
    bool     have_report;
    uint8_t  fraction_lost;
    int32_t  cumulative_lost;
    uint32_t report_jitter;
    uint32_t rtt_us;                    /* from LSR/DLSR (s.6.4.1), 0 if none */
    uint64_t srs, rrs, byes;            /* RTCP sent (local) or received (remote) */
} rtc_track_stats_t;

typedef struct rtc_media_stats {
    uint64_t dropped[RTC_DROP__COUNT];
    uint64_t rtp_sent, rtcp_sent, rtp_received, rtcp_received;
    uint64_t unsent;                    /* datagrams a connection could not send */
    uint64_t dtmf_duplicates;           /* added by h-dtmfengine: telephone-event packets of a tone
                                         * already reported (repeated end packets): not drops */
} rtc_media_stats_t;

/* opt NULL: the defaults. opaque: the environment's pointer, returned by
 * rtc_media_opaque (env.set_timer may be called with RTC_TIMER_MEDIA
 * from here on). NULL with a message in err on bad options (RTC_ERR_INVALID
 * in *st) or out of memory (RTC_ERR_NOMEM). */
rtc_media_t *rtc_media_new(const rtc_env_t *env, const rtc_media_options_t *opt, void *opaque,
                           rtc_status_t *st, char *err, size_t errlen);
/* Frees the session (no BYE: that is close()'s); detaches it from its
 * connections, which it does not own. */
void  rtc_media_free(rtc_media_t *m);
void *rtc_media_opaque(const rtc_media_t *m);
void  rtc_media_handle_timeout(rtc_media_t *m);
bool  rtc_media_next_event(rtc_media_t *m, rtc_media_event_t *ev);

/* Every call below returns 0, or RTC_ERR_INVALID / RTC_ERR_NOMEM with a
 * message in err naming the argument or field, and then changes nothing.
 * After close() every call but the getters returns RTC_ERR_INVALID. */

/* getLocalDescription / getRemoteDescription: the tracks that match f
 * (NULL: all), in the order they were added; writes up to max into out
 * and returns how many match. */
size_t rtc_media_local_description(const rtc_media_t *m, const rtc_desc_filter_t *f,
                                   rtc_track_desc_t *out, size_t max);
size_t rtc_media_remote_description(const rtc_media_t *m, const rtc_desc_filter_t *f,
                                    rtc_track_desc_t *out, size_t max);
/* setRemoteDescription. Full mode (incremental false): d is the whole
 * collection; tracks not in it are removed. Incremental: the tracks given
 * are added or changed (only their given keys), those with del removed.
 * Checks everything before changing anything: ids unique, a new track
 * has id, kind, ssrc and msid, ssrcs unique among the remote tracks,
 * connection-id one of the session's connections, codecs' payload-ids
 * 0-127 and unique within a track. */
int rtc_media_set_remote_description(rtc_media_t *m, const rtc_track_desc_t *d, size_t n,
                                     bool incremental, char *err, size_t errlen);

/* addStream / removeStream (removeStream stops its tracks: BYE). */
int rtc_media_add_stream(rtc_media_t *m, const rtc_local_stream_t *s, char *err, size_t errlen);
int rtc_media_remove_stream(rtc_media_t *m, const char *msid, char *err, size_t errlen);
/* sendStream / sendTrack: send true starts (or waits for the connection to
 * connect), false stops (BYE for the sources stopped). */
int rtc_media_send_stream(rtc_media_t *m, const char *msid, bool send, char *err, size_t errlen);
int rtc_media_send_track(rtc_media_t *m, const char *track, bool send, char *err, size_t errlen);
/* addConnection / removeConnection / getConnections. The session attaches
 * its media link to the connection (ice.h); removeConnection refuses
 * (RTC_ERR_INVALID, naming the track) while a local or remote track rides
 * on it. */
int    rtc_media_add_connection(rtc_media_t *m, rtc_connection_t *c, char *err, size_t errlen);
int    rtc_media_remove_connection(rtc_media_t *m, rtc_connection_t *c, char *err, size_t errlen);
size_t rtc_media_connections(const rtc_media_t *m, rtc_connection_t **out, size_t max);
/* setTrackProperties: d's given keys among codecs, mediaAttributes,
 * rtpExtHeaders and connection-id are applied; id, kind, ssrc, msid
 * given are refused, naming the key. */
int rtc_media_set_track_properties(rtc_media_t *m, const char *track, const rtc_track_desc_t *d,
                                   char *err, size_t errlen);
/* getSendingStreams / getReceivingStreams: msids in the order added. */
size_t rtc_media_sending_streams(const rtc_media_t *m, const char **out, size_t max);
size_t rtc_media_receiving_streams(const rtc_media_t *m, const char **out, size_t max);
/* The tracks of a stream (local or remote, by msid): ids in order. */
size_t rtc_media_stream_tracks(const rtc_media_t *m, const char *msid, bool remote,
                               const char **out, size_t max);
/* close(): BYE for every source, every connection detached; nothing sent
 * after. 0, or RTC_ERR_INVALID if already closed. */
int rtc_media_close(rtc_media_t *m, char *err, size_t errlen);

/* Figures of a local (remote false) or remote track by id; false if none. */
bool rtc_media_track_stats(const rtc_media_t *m, const char *track, bool remote,
                           rtc_track_stats_t *st);
void rtc_media_stats(const rtc_media_t *m, rtc_media_stats_t *st);

/* ---- RTCDTMFTrack (added by h-dtmfengine, issue 10) ------------------------ */

/* Tones an insertDTMF may queue: a page's dial string is a few dozen;
 * more is refused (a user's error), the buffer stays fixed-size. */
#define RTC_DTMF_TONES_MAX 256
#define RTC_DTMF_DURATION_DEFAULT 100
#define RTC_DTMF_DURATION_MIN     70        /* the spec's bounds; outside: clamped (D90) */
#define RTC_DTMF_DURATION_MAX     6000
#define RTC_DTMF_GAP_DEFAULT      50
#define RTC_DTMF_GAP_MIN          50
#define RTC_DTMF_GAP_MAX          60000     /* D90: a bound so times stay small */

/* insertDTMF on local dtmf track `track`: tones replaces what remains of
 * the tone buffer (D91); characters other than tones and ',' are
 * dropped (D89); duration_ms and gap_ms < 0 take the defaults, others
 * are clamped to the bounds (D90). RTC_ERR_INVALID when the track is
 * none, not a dtmf track, not sent (sendTrack/sendStream: the message
 * starts "InvalidStateError"), the session has no telephone-event codec,
 * or tones is longer than RTC_DTMF_TONES_MAX. */
int rtc_media_insert_dtmf(rtc_media_t *m, const char *track, const char *tones, int64_t duration_ms,
                          int64_t gap_ms, char *err, size_t errlen);

typedef struct rtc_dtmf_state {
    char     tone_buffer[RTC_DTMF_TONES_MAX + 1];  /* the characters not yet started */
    uint32_t duration, inter_tone_gap;              /* ms, the values in effect */
    bool     playing;                               /* a tone's packets are going out */
    uint32_t ssrc;                                  /* the audio source's it shares (0: none) */
    uint8_t  pt;                                    /* its telephone-event codec's, 0xff: none */
} rtc_dtmf_state_t;

/* A local dtmf track's state; false if track is no local dtmf track. */
bool rtc_media_dtmf_state(const rtc_media_t *m, const char *track, rtc_dtmf_state_t *st);

#endif
