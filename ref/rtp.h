/*
 * rtp.h - RTP and RTCP on the wire (RFC 3550, RFC 8285, RFC 5761, RFC
 * 7983), the receiver statistics of RFC 3550 appendix A, the RTCP
 * transmission interval (s.6.3, A.7), and the deterministic synthetic
 * media sources the reference implementation sends.
 *
 * Pure functions over caller buffers: nothing here allocates, reads a
 * clock or draws randomness of its own (callers pass times and random
 * draws in). Every parser takes untrusted bytes and returns a status that
 * names what was wrong; none reads outside [data, data + len).
 */
#ifndef RTC_RTP_H
#define RTC_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- RFC 7983 s.7: what a datagram on a shared port is ------------------- */

typedef enum rtc_demux {
    RTC_DEMUX_STUN,         /* first byte 0-3 */
    RTC_DEMUX_ZRTP,         /* 16-19 */
    RTC_DEMUX_DTLS,         /* 20-63 */
    RTC_DEMUX_TURN_CHANNEL, /* 64-79 */
    RTC_DEMUX_RTP,          /* 128-191, and the second byte's payload type is not RTCP's */
    RTC_DEMUX_RTCP,         /* 128-191 with payload type 192-223 (RFC 5761 s.4) */
    RTC_DEMUX_OTHER,        /* anything else, or empty */
} rtc_demux_t;

rtc_demux_t rtc_demux(const uint8_t *data, size_t len);

/* Why a packet was refused, for the counters by reason. */
typedef enum rtc_rtp_status {
    RTC_RTP_OK = 0,
    RTC_RTP_TRUNCATED,      /* shorter than its fixed header, CSRC list or a length field says */
    RTC_RTP_BAD_VERSION,    /* version is not 2 */
    RTC_RTP_BAD_PADDING,    /* padding count 0 or larger than the payload */
    RTC_RTP_BAD_EXTENSION,  /* a header extension that overruns its block or the packet,
                             * or an element with the reserved id 15 (RFC 8285 s.4.2) */
    RTC_RTP_BAD_RTCP,       /* an RTCP compound that breaks RFC 3550 s.6.1 / A.2 */
    RTC_RTP_NO_ROOM,        /* building: the caller's buffer is too small */
    /* Contract change (h-rtp, additive): the writers' inputs can be out of
     * their fields' ranges (a bug of the caller, not of the network), and
     * writing them would make a packet our own parser refuses. */
    RTC_RTP_BAD_ARG,        /* building: a field out of its range (see each writer) */
    RTC_RTP__COUNT
} rtc_rtp_status_t;

/* "ok", "truncated", "bad-version", "bad-padding", "bad-extension",
 * "bad-rtcp", "no-room", "bad-arg": the names the counters are reported under. */
const char *rtc_rtp_status_name(rtc_rtp_status_t st);

/* ---- RTP (RFC 3550 s.5.1) with header extensions (RFC 8285) ---------------- */

#define RTC_RTP_MAX_EXT     16
#define RTC_RTP_EXT_MAX_LEN 255

typedef struct rtc_rtp_ext {
    uint8_t        id;          /* 1-14 (one-byte form) or 1-255 (two-byte form) */
    uint8_t        len;         /* 1-16 (one-byte), 0-255 (two-byte) */
    const uint8_t *data;        /* parse: points into the packet; build: the caller's */
} rtc_rtp_ext_t;

typedef struct rtc_rtp_header {
    bool          marker;
    uint8_t       pt;           /* 0-127 */
    uint16_t      seq;
    uint32_t      ts;
    uint32_t      ssrc;
    uint8_t       ncsrc;
    uint32_t      csrc[15];
    size_t        next;                     /* elements of a RFC 8285 extension */
    rtc_rtp_ext_t ext[RTC_RTP_MAX_EXT];     /* parse: elements beyond 16 are skipped, counted in ext_dropped */
    uint8_t       ext_dropped;
    bool          ext_two_byte;             /* parse: the block was 0x100x; build: force the two-byte form */
    uint16_t      ext_profile;              /* parse: the block's "defined by profile" field (0xBEDE, 0x100x, other) */
    size_t        header_len;               /* parse: bytes before the payload */
    size_t        payload_len;              /* parse: payload bytes, padding excluded */
    uint8_t       padding;                  /* parse: padding bytes (0 if none) */
} rtc_rtp_header_t;

/* Parse an RTP packet. An extension block whose profile field is neither
 * 0xBEDE nor 0x100x is skipped whole (RFC 3550 s.5.3.1) and next is 0;
 * padding bytes (value 0) inside one-byte and two-byte blocks are skipped
 * (RFC 8285 s.4.1). The payload is data + h->header_len, h->payload_len
 * bytes. */
rtc_rtp_status_t rtc_rtp_parse(const uint8_t *data, size_t len, rtc_rtp_header_t *h);

/* Write the header of h (version 2, no padding) into out (cap bytes),
 * its extension elements in the one-byte form when every id is 1-14 and
 * every length 1-16 and ext_two_byte is false, else the two-byte form;
 * the block padded to 32 bits. *written is the header's length (the
 * caller appends the payload). RTC_RTP_OK, RTC_RTP_NO_ROOM, or
 * RTC_RTP_BAD_ARG: pt above 127, ncsrc above 15, next above
 * RTC_RTP_MAX_EXT, or an element with id 0 (it would read as padding). */
rtc_rtp_status_t rtc_rtp_write_header(const rtc_rtp_header_t *h, uint8_t *out, size_t cap,
                                      size_t *written);

/* ---- RTCP (RFC 3550 s.6) --------------------------------------------------- */

#define RTCP_SR   200
#define RTCP_RR   201
#define RTCP_SDES 202
#define RTCP_BYE  203
#define RTCP_APP  204

#define RTC_RTCP_MAX_BLOCKS 31
#define RTC_RTCP_MAX_SDES   16
#define RTC_RTCP_MAX_BYE    16

typedef struct rtc_rtcp_block {     /* s.6.4.1 report block */
    uint32_t ssrc;
    uint8_t  fraction_lost;         /* fixed point, /256 */
    int32_t  cumulative_lost;       /* 24-bit signed on the wire */
    uint32_t ext_highest_seq;
    uint32_t jitter;                /* timestamp units */
    uint32_t lsr;                   /* middle 32 bits of the NTP time of the last SR */
    uint32_t dlsr;                  /* 1/65536 s */
} rtc_rtcp_block_t;

typedef struct rtc_rtcp_sr {
    uint32_t         ssrc;
    bool             is_sr;         /* false: an RR */
    uint64_t         ntp;           /* 32.32 fixed point */
    uint32_t         rtp_ts;
    uint32_t         packets, octets;
    uint8_t          nblocks;
    rtc_rtcp_block_t blocks[RTC_RTCP_MAX_BLOCKS];
} rtc_rtcp_sr_t;

typedef struct rtc_rtcp_sdes {      /* one chunk, its CNAME (s.6.5.1) */
    uint32_t ssrc;
    uint8_t  cname_len;
    char     cname[256];
} rtc_rtcp_sdes_t;

/* A compound packet, parsed or to build. Packets of other types (APP,
 * RTPFB, PSFB, XR) are skipped when parsing and counted in `other`. */
typedef struct rtc_rtcp {
    size_t          nreports;               /* SRs and RRs, in the order they came */
    rtc_rtcp_sr_t   reports[4];
    size_t          nsdes;
    rtc_rtcp_sdes_t sdes[RTC_RTCP_MAX_SDES];
    size_t          nbye;
    uint32_t        bye[RTC_RTCP_MAX_BYE];
    size_t          other;
} rtc_rtcp_t;

/* Parse a compound RTCP packet: every packet's version 2 and length
 * within the datagram (A.2), the first an SR or RR (s.6.1), padding only
 * on the last. Reports beyond 4, chunks beyond 16 and BYE sources beyond
 * 16 are skipped (still validated). RTC_RTP_OK, RTC_RTP_TRUNCATED,
 * RTC_RTP_BAD_VERSION, RTC_RTP_BAD_PADDING or RTC_RTP_BAD_RTCP. */
rtc_rtp_status_t rtc_rtcp_parse(const uint8_t *data, size_t len, rtc_rtcp_t *c);

/* Write the compound c: its reports (SR or RR as each says), then one
 * SDES packet with c's chunks (CNAME items), then one BYE packet with c's
 * sources if nbye > 0 (s.6.1: BYE last). *written is its length.
 * RTC_RTP_OK, RTC_RTP_NO_ROOM, or RTC_RTP_BAD_ARG: no report (s.6.1: the
 * compound starts with an SR or RR), more than 4, a report with more
 * than 31 blocks, more than 16 chunks or BYE sources. */
rtc_rtp_status_t rtc_rtcp_write(const rtc_rtcp_t *c, uint8_t *out, size_t cap, size_t *written);

/* ---- receiver statistics (RFC 3550 A.1, A.3, A.8) ------------------------- */

typedef struct rtc_rtp_rx {
    /* A.1 */
    uint16_t max_seq;
    uint32_t cycles, base_seq, bad_seq, probation;
    uint32_t received, expected_prior, received_prior;
    /* A.8 */
    uint32_t transit;
    uint32_t jitter_q4;             /* jitter * 16, as A.8 keeps it */
    bool     have_transit;
    /* s.6.4.1 LSR/DLSR */
    uint32_t lsr;
    uint64_t lsr_at;                /* ns, the caller's clock, when that SR arrived */
    bool     valid;                 /* A.1: out of probation */
    uint64_t duplicates;            /* a packet whose sequence number was already seen recently */
} rtc_rtp_rx_t;

/* First packet of a source: A.1 init_seq, with MIN_SEQUENTIAL probation.
 * As in A.1, the caller then passes that same packet to
 * rtc_rtp_rx_update. */
void rtc_rtp_rx_init(rtc_rtp_rx_t *rx, uint16_t seq);
/* A.1 update_seq, then A.8 with arrival in timestamp units (the caller
 * converts its clock at the codec's rate). Returns false if the packet
 * is not counted (probation, or a jump the algorithm rejects). */
bool rtc_rtp_rx_update(rtc_rtp_rx_t *rx, uint16_t seq, uint32_t rtp_ts, uint32_t arrival_ts);
/* An SR from this source arrived at time now (ns): remember LSR. */
void rtc_rtp_rx_sr(rtc_rtp_rx_t *rx, uint64_t ntp, uint64_t now);
/* The report block for this source at time now (A.3: fraction since the
 * last block, so calling this advances the interval). */
void rtc_rtp_rx_block(rtc_rtp_rx_t *rx, uint32_t ssrc, uint64_t now, rtc_rtcp_block_t *b);
/* Expected and lost so far (A.3), without advancing anything. */
uint32_t rtc_rtp_rx_expected(const rtc_rtp_rx_t *rx);
int32_t  rtc_rtp_rx_lost(const rtc_rtp_rx_t *rx);
/* jitter in timestamp units (jitter_q4 >> 4) */
uint32_t rtc_rtp_rx_jitter(const rtc_rtp_rx_t *rx);

/* ---- the RTCP interval (RFC 3550 s.6.3.1, A.7) ----------------------------- */

typedef struct rtc_rtcp_interval_in {
    uint32_t members, senders;
    double   rtcp_bw;               /* bytes per second for RTCP: 5% of the session's (s.6.2) */
    double   avg_rtcp_size;         /* bytes, including UDP and IP headers (s.6.2) */
    bool     we_sent;
    bool     initial;               /* no RTCP sent yet: the 5 s minimum halved (s.6.2) */
} rtc_rtcp_interval_in_t;

/* The deterministic interval Td in seconds (A.7 before randomisation:
 * the sender/receiver split, the 5 s minimum, halved if initial). */
double rtc_rtcp_interval_td(const rtc_rtcp_interval_in_t *in);
/* The randomised interval of A.7: Td times u in [0.5, 1.5) (u01 is a
 * uniform draw in [0, 1) from the caller's seeded stream), divided by
 * e - 3/2 (the compensation for timer reconsideration). */
double rtc_rtcp_interval(const rtc_rtcp_interval_in_t *in, double u01);

/* avg_rtcp_size update of s.6.3.3: new = 1/16 * packet_size + 15/16 * old */
double rtc_rtcp_avg_size(double avg, size_t packet_size);

/* NTP time (32.32 fixed point, s.4) of a time in ns from the caller's
 * origin, which is taken to be 2026-01-01 00:00:00 UTC so that the values
 * look like times (they are virtual). */
uint64_t rtc_ntp_from_ns(uint64_t ns);
/* The middle 32 bits (LSR, s.6.4.1). */
uint32_t rtc_ntp_mid(uint64_t ntp);

/* ---- synthetic sources --------------------------------------------------- */

typedef enum rtc_source_kind { RTC_SOURCE_AUDIO, RTC_SOURCE_VIDEO } rtc_source_kind_t;

typedef struct rtc_source_params {
    rtc_source_kind_t kind;
    uint32_t clock_rate;        /* the codec's: 48000 (Opus), 8000 (PCMU), 90000 (video) */
    uint32_t ptime_ms;          /* audio: 20 */
    uint32_t min_payload, max_payload;  /* audio: bytes per packet, drawn uniformly in
                                         * [min, max] (PCMU: 160..160, Opus: 20..120) */
    uint32_t fps;               /* video: frames per second (30) */
    uint32_t bitrate;           /* video: bits per second of payload (1000000) */
    uint32_t keyframe_every;    /* video: a key frame every this many frames (90) */
    uint32_t keyframe_scale;    /* video: a key frame is this many times a delta frame (5) */
    uint32_t max_packet_payload;/* video: payload bytes per RTP packet at most (1100) */
} rtc_source_params_t;

/* The default parameters for an audio codec by name ("opus", "PCMU",
 * "PCMA", "G722", anything else: 20 ms, 160 bytes) or for video. */
void rtc_source_defaults(rtc_source_params_t *p, rtc_source_kind_t kind, const char *codec,
                         uint32_t clock_rate);

typedef struct rtc_source {
    rtc_source_params_t p;
    uint64_t rng;               /* xorshift64* state; never 0 */
    uint64_t next_at;           /* ns: when the next packet is due */
    uint64_t frame;             /* index of the frame (audio: packet) being sent or due
                                 * next, counted from the start, frames skipped by a
                                 * pause included (rtc_source_resume) */
    uint32_t ts_offset;         /* timestamp units since the start */
    uint32_t frame_left;        /* video: payload bytes of the current frame still to send */
} rtc_source_t;

/* A source that starts at time start (ns), its payload bytes from seed
 * (any value; 0 is replaced). Parameters of 0 other than min_payload
 * take the defaults of the kind (audio: 8000 Hz, 20 ms, 160 bytes;
 * video: as rtc_source_defaults), and min_payload above max_payload is
 * lowered to it, so that no parameter divides by 0 or empties a frame. */
void rtc_source_init(rtc_source_t *s, const rtc_source_params_t *p, uint64_t seed, uint64_t start);

typedef struct rtc_source_packet {
    uint32_t ts_offset;         /* timestamp units from the source's start (the caller adds
                                 * its random initial timestamp) */
    bool     marker;            /* the last packet of a video frame; false for audio */
    bool     keyframe;          /* video: this packet belongs to a key frame */
    size_t   len;               /* payload bytes written */
} rtc_source_packet_t;

/* Write the next payload into out (cap bytes; at least max_payload or
 * max_packet_payload) and advance: next_at is then the time of the
 * packet after it (audio: every ptime; video: the packets of one frame
 * back to back at the frame's time, the next frame 1/fps later).
 * Returns false if cap is too small (nothing advanced). */
bool rtc_source_next(rtc_source_t *s, uint8_t *out, size_t cap, rtc_source_packet_t *pkt);
/* Pause and resume (sendTrack false/true): resuming at time now keeps the
 * timestamp running at the clock rate across the pause (RFC 3550 s.5.1:
 * the timestamp reflects the sampling instant). */
void rtc_source_resume(rtc_source_t *s, uint64_t paused_at, uint64_t now);

#endif
