/*
 * dtmf.c - RFC 4733 telephone-events (dtmf.h): the payload (s.2.3), the
 * event codes of DTMF (s.3.2), the sender's schedule of one tone
 * (s.2.5.1, with long events in segments, s.2.5.1.3) and the receiver's
 * decoder (s.2.5.2, s.2.5.2.3 for segments).
 *
 * Decisions: D86 (the sender's schedule), D87 (what the receiver calls a
 * new event, a duplicate, a late packet), D88 (the receiver's timeout).
 */
#include "dtmf.h"

#include <string.h>

/* s.2.5.1.3: the duration field is 16 bits. */
#define SEG_MAX 0xffffu
#define NS_PER_S 1000000000ull

const char *rtc_dtmf_status_name(rtc_dtmf_status_t st)
{
    static const char *const names[RTC_DTMF__COUNT] = {
        [RTC_DTMF_OK] = "ok",
        [RTC_DTMF_TRUNCATED] = "truncated",
        [RTC_DTMF_BAD_EVENT] = "bad-event",
        [RTC_DTMF_NO_START] = "no-start",
        [RTC_DTMF_BACKWARDS] = "backwards",
        [RTC_DTMF_DUPLICATE] = "duplicate",
    };
    return (unsigned)st < RTC_DTMF__COUNT ? names[st] : "?";
}

/* ---- the payload (s.2.3) ---------------------------------------------------- */

void rtc_dtmf_write(const rtc_dtmf_payload_t *p, uint8_t out[RTC_DTMF_PAYLOAD_LEN])
{
    out[0] = p->event;
    /* s.2.3: E, then R (s.2.3.3: the sender sets it to 0), then volume */
    out[1] = (uint8_t)((p->end ? 0x80 : 0) | (p->volume & 0x3f));
    out[2] = (uint8_t)(p->duration >> 8);
    out[3] = (uint8_t)p->duration;
}

rtc_dtmf_status_t rtc_dtmf_parse(const uint8_t *data, size_t len, rtc_dtmf_payload_t *p)
{
    memset(p, 0, sizeof *p);
    if (!data || len < RTC_DTMF_PAYLOAD_LEN)
        return RTC_DTMF_TRUNCATED;
    p->event = data[0];
    p->end = (data[1] & 0x80) != 0;
    /* s.2.3.3: the receiver ignores R (0x40) */
    p->volume = data[1] & 0x3f;
    p->duration = (uint16_t)(data[2] << 8 | data[3]);
    /* s.3.2: the table of DTMF events ends at 16 (flash); others belong
     * to other registries (RFC 4734) that no description here offers */
    return p->event > RTC_DTMF_MAX_EVENT ? RTC_DTMF_BAD_EVENT : RTC_DTMF_OK;
}

/* ---- tones (s.3.2's table) -------------------------------------------------- */

int rtc_dtmf_event_of(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c == '*')
        return 10;
    if (c == '#')
        return 11;
    if (c >= 'A' && c <= 'D')
        return 12 + (c - 'A');
    if (c >= 'a' && c <= 'd')
        return 12 + (c - 'a');
    return -1;
}

char rtc_dtmf_char_of(uint8_t event)
{
    static const char chars[] = "0123456789*#ABCD";
    return event < 16 ? chars[event] : '\0';
}

/* ---- the sender (s.2.5.1) ------------------------------------------------------ */

void rtc_dtmf_sender_init(rtc_dtmf_sender_t *s, uint8_t event, uint8_t volume, uint32_t clock_rate,
                          uint32_t duration_ms, uint64_t interval_ns, uint64_t start)
{
    memset(s, 0, sizeof *s);
    s->event = event;
    s->volume = volume & 0x3f;
    s->clock_rate = clock_rate;
    s->start = start;
    s->interval = interval_ns;
    uint64_t units = (uint64_t)duration_ms * clock_rate / 1000;
    s->total_units = units > UINT32_MAX ? UINT32_MAX : (uint32_t)units;
}

/* The tone's elapsed units at its k-th time slot (k = 0 at start): D86,
 * one interval's worth at the first packet, as libwebrtc (it never sends
 * duration 0), computed from k rather than summed so that an interval
 * that is not a whole number of units does not drift. */
static uint32_t elapsed_at(const rtc_dtmf_sender_t *s, uint64_t k)
{
    uint64_t per = (uint64_t)s->clock_rate * s->interval;     /* units * 1e9 per slot */
    if (per == 0)
        return s->total_units;
    if (k + 1 > UINT64_MAX / per)
        return s->total_units;
    uint64_t e = (k + 1) * per / NS_PER_S;
    return e >= s->total_units ? s->total_units : (uint32_t)e;
}

uint64_t rtc_dtmf_sender_next_at(const rtc_dtmf_sender_t *s)
{
    if (s->ends_sent >= 3)
        return UINT64_MAX;
    return s->start + (uint64_t)s->packets * s->interval;
}

bool rtc_dtmf_sender_next(rtc_dtmf_sender_t *s, rtc_dtmf_packet_t *pkt)
{
    memset(pkt, 0, sizeof *pkt);
    if (s->ends_sent >= 3)
        return false;
    pkt->payload.event = s->event;
    pkt->payload.volume = s->volume;
    if (s->ends_sent > 0) {
        /* s.2.5.1.4: the final packet again, same duration and timestamp */
        pkt->payload.end = true;
        pkt->payload.duration = (uint16_t)s->sent_units;
        pkt->ts_offset = s->segment_ts_offset;
        s->ends_sent++;
        s->packets++;
        return true;
    }
    bool first_of_segment = s->packets == 0;
    if (s->packets > 0 && s->sent_units == SEG_MAX) {
        /* s.2.5.1.3: the last segment saturated the duration field; the
         * next segment's timestamp is where that one ended */
        s->segment_ts_offset += SEG_MAX;
        first_of_segment = true;
    }
    uint32_t e = elapsed_at(s, s->packets);
    uint32_t in_seg = e - s->segment_ts_offset;
    uint32_t left = s->total_units - s->segment_ts_offset;
    if (left > SEG_MAX && in_seg >= SEG_MAX) {
        /* s.2.5.1.3: this segment ends at the field's maximum, without
         * the E bit, which only the tone's last segment carries */
        in_seg = SEG_MAX;
    } else if (e >= s->total_units) {
        /* s.2.5.1.4: the packet that reaches the whole duration ends it */
        pkt->payload.end = true;
        s->ends_sent = 1;
    }
    pkt->payload.duration = (uint16_t)in_seg;
    /* s.2.5.1.1: the marker on the first packet of the event; D86: also
     * on the first of each later segment, which starts a new timestamp */
    pkt->marker = first_of_segment;
    pkt->ts_offset = s->segment_ts_offset;
    s->sent_units = in_seg;
    s->packets++;
    return true;
}

uint64_t rtc_dtmf_sender_end(const rtc_dtmf_sender_t *s)
{
    /* The end packet goes at the first slot k whose elapsed units reach
     * the total: (k + 1) * clock * interval >= total * 1e9; two more
     * follow (s.2.5.1.4). Segments take no slot of their own. */
    uint64_t per = (uint64_t)s->clock_rate * s->interval;
    uint64_t slots = 1;
    if (per > 0 && s->total_units > 0) {
        uint64_t need = (uint64_t)s->total_units * NS_PER_S;
        slots = (need + per - 1) / per;
        if (slots == 0)
            slots = 1;
    }
    return s->start + (slots - 1 + 2) * s->interval;
}

/* ---- the receiver (s.2.5.2) ----------------------------------------------------- */

void rtc_dtmf_receiver_init(rtc_dtmf_receiver_t *r)
{
    memset(r, 0, sizeof *r);
}

static rtc_dtmf_status_t counted(rtc_dtmf_receiver_t *r, rtc_dtmf_status_t st)
{
    r->counts[st]++;
    return st;
}

/* The tone under way is reported: it leaves the decoder, and its last
 * segment's timestamp is what later copies of its end packets carry. */
static void report(rtc_dtmf_receiver_t *r, rtc_dtmf_tone_t *out)
{
    *out = r->cur;
    r->active = false;
    r->have_last = true;
    r->last_ts = r->seg_ts;
}

/* RFC 3550 s.5.1 timestamps wrap: a is before b when b - a, modulo 2^32,
 * is less than half the space. */
static bool ts_before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

rtc_dtmf_status_t rtc_dtmf_receiver_input(rtc_dtmf_receiver_t *r, const uint8_t *payload, size_t len,
                                          uint32_t ts, bool marker, uint64_t now,
                                          rtc_dtmf_tone_t *out, bool *done)
{
    (void)marker;   /* D87: the timestamp tells events apart; a lost first
                     * packet takes the marker with it */
    *done = false;
    rtc_dtmf_payload_t p;
    rtc_dtmf_status_t st = rtc_dtmf_parse(payload, len, &p);
    if (st != RTC_DTMF_OK)
        return counted(r, st);

    if (r->active && ts == r->seg_ts) {
        uint32_t d = r->seg_base + p.duration;
        /* s.2.5.2.1: a duration that shrinks is an older packet */
        if (d < r->cur.duration)
            return counted(r, RTC_DTMF_BACKWARDS);
        r->cur.duration = d;
        r->cur.volume = p.volume;
        r->last_at = now;
        if (p.end || r->cur.ended) {
            /* the first end packet completes the tone (s.2.5.2.1) */
            r->cur.ended = true;
            report(r, out);
            *done = true;
        }
        return counted(r, RTC_DTMF_OK);
    }
    if (r->active && p.event == r->cur.event && !r->cur.ended && ts == r->seg_ts + SEG_MAX) {
        /* s.2.5.2.3: the next segment of a long event starts where the
         * last, saturated, one ended: the same tone goes on */
        r->seg_base += SEG_MAX;
        r->seg_ts = ts;
        r->cur.duration = r->seg_base + p.duration;
        r->cur.volume = p.volume;
        r->last_at = now;
        if (p.end) {
            r->cur.ended = true;
            report(r, out);
            *done = true;
        }
        return counted(r, RTC_DTMF_OK);
    }
    if (r->have_last && ts == r->last_ts)
        /* s.2.5.1.4's retransmitted ends, or a copy of any packet of a
         * tone already reported: counted here, never as a second tone */
        return counted(r, RTC_DTMF_DUPLICATE);
    if ((r->active && ts_before(ts, r->seg_ts)) ||
        (!r->active && r->have_last && ts_before(ts, r->last_ts)))
        /* D87: a late (reordered) packet of an event older than the one
         * under way or last reported: decoding it now would report a tone
         * out of order, or one already reported from its updates */
        return counted(r, RTC_DTMF_NO_START);
    if (p.end && p.duration == 0)
        /* an end packet of an event never seen that says nothing of how
         * long it lasted: there is no tone to report */
        return counted(r, RTC_DTMF_NO_START);

    /* A new event (s.2.5.2.1). One under way without its end is over:
     * report it from its last update (its end packets were lost). */
    bool reported_old = false;
    if (r->active) {
        report(r, out);
        *done = true;
        reported_old = true;
    }
    memset(&r->cur, 0, sizeof r->cur);
    r->cur.event = p.event;
    r->cur.digit = p.event == 16 ? '!' : rtc_dtmf_char_of(p.event);
    r->cur.ts = ts;
    r->cur.duration = p.duration;
    r->cur.volume = p.volume;
    r->cur.first_at = now;
    r->seg_ts = ts;
    r->seg_base = 0;
    r->active = true;
    r->last_at = now;
    if (p.end) {
        /* its start was lost but its end says how long it lasted */
        r->cur.ended = true;
        if (!reported_old) {
            report(r, out);
            *done = true;
        }
        /* else it waits, ended, for the next input or poll (D87) */
    }
    return counted(r, RTC_DTMF_OK);
}

bool rtc_dtmf_receiver_poll(rtc_dtmf_receiver_t *r, uint64_t now, uint64_t timeout,
                            rtc_dtmf_tone_t *out)
{
    if (!r->active)
        return false;
    /* D88: the caller's timeout, suggested 3 packet intervals plus the
     * path's jitter (the three end packets are one interval apart, so a
     * silence that long means all were lost). A tone already ended that
     * waits (D87) goes at once. */
    if (!r->cur.ended && (now < r->last_at || now - r->last_at < timeout))
        return false;
    report(r, out);
    return true;
}
