/*
 * media_private.h - what the RTCMediaSession engine (media.c) and its
 * descriptions (media_desc.c) share; not for users of media.h.
 */
#ifndef RTC_MEDIA_PRIVATE_H
#define RTC_MEDIA_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ice_private.h"        /* rtc_mem_* (ref/'s allocations, socket.c) */
#include "dtmf.h"
#include "media.h"
#include "rtp.h"
#include "srtp.h"

/* A peer can make us hold a record per SSRC it sends from: bounded, the
 * rest counted (RTC_DROP_TOO_MANY_SOURCES). 64 is far above any real
 * call's sources and a few KB of memory. */
#define MEDIA_MAX_UNKNOWN 64
/* Events queued and not yet pulled; past it, dropped and counted as
 * no-memory (the environment drains after every expiry, so only a
 * description of thousands of tracks in one call comes near). */
#define MEDIA_MAX_EVENTS  4096
#define NS_PER_S 1000000000ull

/* Plain packets we build: the synthetic video source's 1100-byte payload,
 * a 12-byte header, at most 8 extensions of 32 bytes (2 + 32 each in the
 * two-byte form) plus the block's 4-byte header: 1100 + 12 + 276 + 4 =
 * 1392, under 1500 with SRTP's tag (16 bytes at most). */
#define MEDIA_PKT_MAX     1500
#define MEDIA_SRTP_ROOM   64
/* Received datagrams: a peer may send any size up to a UDP datagram's;
 * larger than this is not RTP we could have asked for (our MTU-sized
 * packets and the peer's) and is dropped as malformed. */
#define MEDIA_RX_MAX      4096
/* IPv4 + UDP, for the RTCP sizes of s.6.2 ("including lower-layer
 * transport and network protocol headers"). */
#define IP_UDP_OVERHEAD   28

/* ---- records ------------------------------------------------------------ */

typedef struct media_conn {
    rtc_connection_t *c;
    rtc_srtp_t       *srtp;         /* once DTLS is up and the keys made a context */
    bool              srtp_failed;
    uint32_t          rr_ssrc;      /* the RR's SSRC when no local source sends here (s.6.4.2) */
    uint64_t          rtcp_at;      /* next compound, RTC_TIME_NEVER before keys */
    bool              rtcp_initial; /* no compound sent yet (s.6.2: the minimum halved) */
    double            avg_rtcp_size;
} media_conn_t;

/* What a receiver keeps of one remote SSRC. */
typedef struct rx_src {
    uint32_t          ssrc;
    bool              have_rx;
    rtc_rtp_rx_t      rx;
    rtc_connection_t *heard_on;     /* where its RTP last came from */
    uint64_t          last_rtp;
} rx_src_t;

typedef struct local_track {
    rtc_track_desc_t  desc;         /* getLocalDescription's */
    rtc_local_track_t cfg;
    bool              want;         /* sendTrack(true) and not stopped since */
    bool              sending;      /* RTP going out on sent_on */
    bool              started;      /* the source has been initialised */
    rtc_connection_t *sent_on;
    uint64_t          start_ns, paused_at;
    uint16_t          seq;
    uint32_t          ts0;
    uint32_t          clock_rate;
    uint64_t          seed;
    rtc_source_t      src;
    uint32_t          ssrc_packets, ssrc_octets;   /* the SR's counts: per SSRC (s.6.4.1) */
    rtc_track_stats_t st;
    /* audio: held by a tone of a dtmf track sharing its SSRC (RFC 4733
     * s.2.5.1.1, D93): its source's clock runs, its packets are not sent */
    bool              dtmf_hold;
    /* dtmf (h-dtmfengine): the RTCDTMFTrack's tone buffer and schedule */
    struct {
        char              buf[RTC_DTMF_TONES_MAX + 1];
        uint32_t          duration_ms, gap_ms;
        bool              playing;      /* snd's packets going out */
        uint64_t          next_at;      /* the next character starts (not playing) */
        char              audio[RTC_NAME_MAX + 1];  /* the held audio track, while playing */
        rtc_dtmf_sender_t snd;
        uint32_t          ts;           /* the RTP timestamp of the tone's start */
        uint8_t           pt;
    } dtmf;
} local_track_t;

typedef struct remote_track {
    rtc_track_desc_t  desc;
    rx_src_t          src;
    bool              connected;
    rtc_track_stats_t st;
    rtc_dtmf_receiver_t dtmf;       /* kind dtmf: the decoder of its telephone-events */
    uint32_t          dtmf_clock;   /* its telephone-event codec's clock, from the last packet */
} remote_track_t;

typedef struct unknown_src {
    rx_src_t src;
    uint64_t packets, octets;
} unknown_src_t;

typedef struct stream_rec {
    char id[RTC_NAME_MAX + 1];
    char label[RTC_NAME_MAX + 1];
    bool connected;                 /* remote: onconnected fired, ondisconnected not since */
} stream_rec_t;

struct rtcsim_media {
    rtc_env_t           env;
    void               *opaque;
    rtc_media_options_t opt;
    char                cname[17];
    bool                closed;
    media_conn_t       *conns;
    size_t              nconns, conns_cap;
    local_track_t      *lt;
    size_t              nlt, lt_cap;
    stream_rec_t       *ls;
    size_t              nls, ls_cap;
    remote_track_t     *rt;
    size_t              nrt, rt_cap;
    stream_rec_t       *rs;
    size_t              nrs, rs_cap;
    unknown_src_t      *unk;
    size_t              nunk, unk_cap;
    rtc_media_event_t  *ev;
    size_t              ev_head, nev, ev_cap;
    rtc_media_stats_t   st;
    uint64_t            timer_at;
    uint8_t             rxbuf[MEDIA_RX_MAX];
};

/* ---- shared functions ------------------------------------------------------- */

/* media.c: err gets the message (printf-style); returns RTC_ERR_INVALID. */
int media_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* media.c: err gets "<what>: out of memory"; returns RTC_ERR_NOMEM. */
int media_nomem(char *err, size_t errlen, const char *what);

/* media.c: queue an event (msid, track may be NULL) and return it for its
 * other fields; NULL when the queue is full or out of memory (counted as
 * RTC_DROP_NOMEM). */
rtc_media_event_t *media_push_event(rtc_media_t *m, rtc_media_event_type_t type, const char *msid,
                                    const char *track);
/* media.c: bring sending in line with the tracks and set the timer to the
 * next thing due; every input that changes the session ends with it
 * (from_timeout: only rtc_media_handle_timeout). */
void media_rearm(rtc_media_t *m, bool from_timeout);

/* media.c: lookups in the session's records; -1 when there is none. */
bool    media_conn_id_known(const rtc_media_t *m, const char *id);
ssize_t media_local_by_id(const rtc_media_t *m, const char *id);
ssize_t media_local_by_ssrc(const rtc_media_t *m, uint32_t ssrc);
ssize_t media_unknown_by_ssrc(const rtc_media_t *m, uint32_t ssrc);
ssize_t media_stream_idx(const stream_rec_t *v, size_t n, const char *id);
/* media.c: the first codec of kind k in v, the one a track sends (D60);
 * NULL when v has none. */
const rtc_codec_t *media_first_codec_of(const rtc_codec_t *v, size_t n, rtc_kind_t k);
/* media.c: the RTP header extension id of name (D65); 0: none. */
uint8_t media_ext_id(const rtc_media_options_t *o, const char *name);

/* media.c: remote track i is no longer connected (reason: "bye",
 * "timeout", "removed"): its event, and its stream's if it was the last. */
void media_remote_disconnect(rtc_media_t *m, size_t i, const char *reason);
/* media.c: local track i's SSRC is the peer's too (RFC 3550 s.8.2): a BYE
 * where it was sending, a fresh SSRC, the ssrcchanged event. */
void media_local_collision(rtc_media_t *m, size_t i);

/* media.c: the session's telephone-event codec for a dtmf track (D92):
 * the one whose clock is that of the audio codec's (audio may be NULL),
 * else telephone-event/8000, else any; NULL when the options have none. */
const rtc_codec_t *media_dtmf_codec(const rtc_codec_t *v, size_t n, const rtc_codec_t *audio);
/* media.c: the first local audio track of the session (D92's "first"):
 * the first added; NULL if none. */
local_track_t *media_first_audio(rtc_media_t *m);
/* media.c: a codec is telephone-event (RFC 4733 s.7.1.1) */
bool media_is_dtmf_codec(const rtc_codec_t *c);

/* media_desc.c: k is one of the kinds media.h names. */
bool media_kind_valid(rtc_kind_t k);
/* media_desc.c: the options of rtc_media_new, checked; an error names the
 * field. */
int media_check_options(const rtc_media_options_t *o, char *err, size_t errlen);

#endif
