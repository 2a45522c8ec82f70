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

typedef struct rtcsim_media rtc_media_t;

/* The description, option and event types are the ABI's
 * (include/rtcsim/impl.h). */
#define RTC_NAME_MAX    RTCSIM_NAME_MAX
#define RTC_MAX_CODECS  RTCSIM_MAX_CODECS
#define RTC_MAX_PARAMS  RTCSIM_MAX_PARAMS
#define RTC_MAX_EXTS    RTCSIM_MAX_EXTS
#define RTC_EXT_URI_MAX RTCSIM_EXT_URI_MAX
#define RTC_EXT_VAL_MAX RTCSIM_EXT_VAL_MAX

typedef rtcsim_kind_t rtc_kind_t;
#define RTC_KIND_AUDIO RTCSIM_KIND_AUDIO
#define RTC_KIND_VIDEO RTCSIM_KIND_VIDEO
#define RTC_KIND_DTMF  RTCSIM_KIND_DTMF
#define rtc_kind_name  rtcsim_kind_name     /* "audio", "video", "dtmf" */
#define rtc_kind_of    rtcsim_kind_parse

typedef rtcsim_codec_param_t rtc_codec_param_t;
typedef rtcsim_codec_t       rtc_codec_t;
typedef rtcsim_media_attrs_t rtc_media_attrs_t;
typedef rtcsim_ext_header_t  rtc_ext_header_t;
typedef rtcsim_extmap_t      rtc_extmap_t;

#define RTC_TD_ID         RTCSIM_TD_ID
#define RTC_TD_KIND       RTCSIM_TD_KIND
#define RTC_TD_SSRC       RTCSIM_TD_SSRC
#define RTC_TD_MSID       RTCSIM_TD_MSID
#define RTC_TD_CONNECTION RTCSIM_TD_CONNECTION
#define RTC_TD_CODECS     RTCSIM_TD_CODECS
#define RTC_TD_ATTRS      RTCSIM_TD_ATTRS
#define RTC_TD_EXTS       RTCSIM_TD_EXTS
#define RTC_TD_DELETE     RTCSIM_TD_DELETE

typedef rtcsim_track_desc_t    rtc_track_desc_t;
typedef rtcsim_desc_filter_t   rtc_desc_filter_t;
/* RTCMediaSessionOptions: ncodecs 0 takes ref/'s defaults (Opus/48000/2
 * pt 111, PCMU/8000 pt 0, VP8/90000 pt 96, telephone-event /48000 pt 110
 * and /8000 pt 126). */
typedef rtcsim_media_options_t rtc_media_options_t;
typedef rtcsim_local_track_t   rtc_local_track_t;
typedef rtcsim_local_stream_t  rtc_local_stream_t;

typedef rtcsim_media_event_type_t rtc_media_event_type_t;
#define RTC_MEDIA_ADD_STREAM          RTCSIM_MEDIA_ADD_STREAM
#define RTC_MEDIA_REMOVE_STREAM       RTCSIM_MEDIA_REMOVE_STREAM
#define RTC_MEDIA_ADD_TRACK           RTCSIM_MEDIA_ADD_TRACK
#define RTC_MEDIA_REMOVE_TRACK        RTCSIM_MEDIA_REMOVE_TRACK
#define RTC_MEDIA_UNKNOWN_TRACK       RTCSIM_MEDIA_UNKNOWN_TRACK
#define RTC_MEDIA_TRACK_CONNECTED     RTCSIM_MEDIA_TRACK_CONNECTED
#define RTC_MEDIA_TRACK_DISCONNECTED  RTCSIM_MEDIA_TRACK_DISCONNECTED
#define RTC_MEDIA_STREAM_CONNECTED    RTCSIM_MEDIA_STREAM_CONNECTED
#define RTC_MEDIA_STREAM_DISCONNECTED RTCSIM_MEDIA_STREAM_DISCONNECTED
#define RTC_MEDIA_SSRC_CHANGED        RTCSIM_MEDIA_SSRC_CHANGED
#define RTC_MEDIA_DTMF_SENT           RTCSIM_MEDIA_DTMF_SENT
#define RTC_MEDIA_DTMF_TONE           RTCSIM_MEDIA_DTMF_TONE
typedef rtcsim_media_event_t rtc_media_event_t;

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

typedef rtcsim_track_stats_t rtc_track_stats_t;

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
#define RTC_DTMF_TONES_MAX        RTCSIM_DTMF_TONES_MAX
#define RTC_DTMF_DURATION_DEFAULT RTCSIM_DTMF_DURATION_DEFAULT
#define RTC_DTMF_DURATION_MIN     RTCSIM_DTMF_DURATION_MIN  /* the spec's bounds; outside: clamped (D90) */
#define RTC_DTMF_DURATION_MAX     RTCSIM_DTMF_DURATION_MAX
#define RTC_DTMF_GAP_DEFAULT      RTCSIM_DTMF_GAP_DEFAULT
#define RTC_DTMF_GAP_MIN          RTCSIM_DTMF_GAP_MIN
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

typedef rtcsim_dtmf_state_t rtc_dtmf_state_t;

/* A local dtmf track's state; false if track is no local dtmf track. */
bool rtc_media_dtmf_state(const rtc_media_t *m, const char *track, rtc_dtmf_state_t *st);

#endif
