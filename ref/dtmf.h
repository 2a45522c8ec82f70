/*
 * dtmf.h - DTMF as RFC 4733 telephone-events (which obsoletes RFC 2833):
 * the payload format (s.2.3), the sender's schedule of one tone's packets
 * (s.2.5.1), the receiver's decoder (s.2.5.2), and the tone string of
 * the spec's insertDTMF.
 *
 * Pure functions over caller state, as rtp.h: nothing allocates, reads a
 * clock or draws randomness; times are the caller's (ns), RTP timestamps
 * and durations are in the event's clock units.
 */
#ifndef RTC_DTMF_H
#define RTC_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the payload (RFC 4733 s.2.3) -------------------------------------------- */

#define RTC_DTMF_PAYLOAD_LEN 4
#define RTC_DTMF_MAX_EVENT   16     /* s.3.2: 0-9, *, #, A-D, flash (16) */

typedef struct rtc_dtmf_payload {
    uint8_t  event;         /* s.3.2: 0-9 digits, 10 '*', 11 '#', 12-15 'A'-'D', 16 flash */
    bool     end;           /* E bit */
    uint8_t  volume;        /* 0-63, in -dBm0 (s.2.3.4) */
    uint16_t duration;      /* timestamp units since the event's start (s.2.3.5) */
} rtc_dtmf_payload_t;

typedef enum rtc_dtmf_status {
    RTC_DTMF_OK = 0,
    RTC_DTMF_TRUNCATED,     /* fewer than 4 bytes */
    RTC_DTMF_BAD_EVENT,     /* an event code above 16 (s.3.2's table) */
    RTC_DTMF_NO_START,      /* an end packet (or an update) of an event whose start was never
                             * seen and that carries no duration to recover it (duration 0),
                             * or a late packet of an event older than the one under way or
                             * last reported (D87): see the decoder */
    RTC_DTMF_BACKWARDS,     /* the duration of an event went down (s.2.5.2.1: discard) */
    RTC_DTMF_DUPLICATE,     /* a packet of an event already reported (a repeated end packet,
                             * a duplicate): not an error, counted so it is not counted twice */
    RTC_DTMF__COUNT
} rtc_dtmf_status_t;

/* "ok", "truncated", "bad-event", "no-start", "backwards", "duplicate". */
const char *rtc_dtmf_status_name(rtc_dtmf_status_t st);

/* Write the 4 bytes of p into out. */
void              rtc_dtmf_write(const rtc_dtmf_payload_t *p, uint8_t out[RTC_DTMF_PAYLOAD_LEN]);
/* Parse a payload (len bytes; bytes past the fourth are ignored, s.2.3
 * allows several events only with redundancy, RFC 2198, not used here):
 * RTC_DTMF_OK, RTC_DTMF_TRUNCATED or RTC_DTMF_BAD_EVENT. */
rtc_dtmf_status_t rtc_dtmf_parse(const uint8_t *data, size_t len, rtc_dtmf_payload_t *p);

/* ---- tones (the spec's insertDTMF) ------------------------------------------- */

/* The event code of a tone character ('0'-'9', '*', '#', 'A'-'D', 'a'-'d'),
 * or -1 for any other character (',' included: it is a pause). */
int  rtc_dtmf_event_of(char c);
/* The character of an event code 0-15 ('0'-'9', '*', '#', 'A'-'D'), '\0'
 * for any other. */
char rtc_dtmf_char_of(uint8_t event);

/* ---- the sender (RFC 4733 s.2.5.1) ------------------------------------------ */

/* One tone's packets, at times start + k * interval (k = 0, 1, ...), all
 * with the event's start timestamp (s.2.5.1.1): the first with the
 * marker bit; the duration field growing by interval each packet
 * (s.2.5.1.2); once the tone's whole duration is reached, the final
 * packet with the E bit, sent three times (s.2.5.1.4) with the same
 * duration, at the same interval. A duration longer than 0xffff units is
 * split into segments (s.2.5.1.3); not needed for the spec's 6 s at
 * 8000 Hz (48,000 units) but at 48000 Hz (288,000 units) it is. */
typedef struct rtc_dtmf_sender {
    uint8_t  event, volume;
    uint32_t clock_rate;            /* the telephone-event codec's */
    uint64_t start;                 /* ns: the tone's first packet */
    uint64_t interval;              /* ns between packets (D: 50 ms) */
    uint32_t total_units;           /* the tone's duration in timestamp units */
    uint32_t sent_units;            /* duration field of the last packet sent */
    uint32_t segment_ts_offset;     /* s.2.5.1.3: units from the tone's start to this segment's */
    uint8_t  ends_sent;             /* 0-3 */
    uint32_t packets;               /* sent so far */
} rtc_dtmf_sender_t;

/* A tone of event, lasting duration_ms, from time start (ns). */
void rtc_dtmf_sender_init(rtc_dtmf_sender_t *s, uint8_t event, uint8_t volume, uint32_t clock_rate,
                          uint32_t duration_ms, uint64_t interval_ns, uint64_t start);

typedef struct rtc_dtmf_packet {
    rtc_dtmf_payload_t payload;
    bool     marker;                /* the first packet of the event (of each segment) */
    uint32_t ts_offset;             /* units from the tone's start: the RTP timestamp is the
                                     * caller's timestamp at the tone's start plus this (0 but
                                     * for a long tone's later segments) */
} rtc_dtmf_packet_t;

/* When the next packet is due (ns), or UINT64_MAX once the tone is done. */
uint64_t rtc_dtmf_sender_next_at(const rtc_dtmf_sender_t *s);
/* The next packet (call at or after next_at); false once done. */
bool     rtc_dtmf_sender_next(rtc_dtmf_sender_t *s, rtc_dtmf_packet_t *pkt);
/* The time (ns) the tone's last packet goes: where the inter-tone gap
 * starts. */
uint64_t rtc_dtmf_sender_end(const rtc_dtmf_sender_t *s);

/* ---- the receiver (RFC 4733 s.2.5.2) ----------------------------------------- */

/* A decoded tone: one per event (one RTP timestamp), reported once. */
typedef struct rtc_dtmf_tone {
    uint8_t  event;
    char     digit;                 /* rtc_dtmf_char_of(event), '!' for flash (16) */
    uint32_t ts;                    /* the event's RTP timestamp */
    uint32_t duration;              /* timestamp units: from the end packet, or the longest
                                     * update when every end packet was lost */
    uint8_t  volume;
    bool     ended;                 /* an end packet was seen (false: reported on the next
                                     * event or the timeout, from its updates) */
    uint64_t first_at;              /* ns: arrival of its first packet seen */
} rtc_dtmf_tone_t;

typedef struct rtc_dtmf_receiver {
    bool     active;                /* an event under way (not yet reported) */
    bool     have_last;             /* an event was reported: last_ts is its timestamp */
    rtc_dtmf_tone_t cur;
    uint32_t last_ts;               /* the timestamp of the last event reported */
    uint64_t last_at;               /* ns: the last packet of the current event */
    uint64_t counts[RTC_DTMF__COUNT];
    /* Added by dtmf.c (additive): a long event comes in segments, each
     * with its own timestamp (s.2.5.2.3); cur.ts stays the first's. */
    uint32_t seg_ts;                /* the current segment's timestamp (last_ts: the
                                     * last segment's, which its end packets carry) */
    uint32_t seg_base;              /* units of the tone before the current segment */
} rtc_dtmf_receiver_t;

void rtc_dtmf_receiver_init(rtc_dtmf_receiver_t *r);
/* A telephone-event packet's payload with its RTP timestamp and marker
 * bit, arrived at now (ns). Returns its status (counted in r->counts);
 * when it completes a tone (an end packet, or the first packet of a new
 * event while one was under way without its end), *out is that tone and
 * *done is true. A new event is told by a timestamp not seen before; an
 * end packet for an event already reported is a duplicate. */
rtc_dtmf_status_t rtc_dtmf_receiver_input(rtc_dtmf_receiver_t *r, const uint8_t *payload, size_t len,
                                          uint32_t ts, bool marker, uint64_t now,
                                          rtc_dtmf_tone_t *out, bool *done);
/* An event under way with no packet for timeout ns is over (its end
 * packets were lost): report it from its updates. True (and *out) if
 * one was reported. */
bool rtc_dtmf_receiver_poll(rtc_dtmf_receiver_t *r, uint64_t now, uint64_t timeout,
                            rtc_dtmf_tone_t *out);

#endif
