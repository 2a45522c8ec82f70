/*
 * test_dtmf.c - dtmf.h: RFC 4733 payloads written by hand from the s.2.3
 * figure, the s.3.2 table, the sender's packets of a short tone written
 * out by hand and of a 6 s tone at 48 kHz (s.2.5.1.3 segments), the
 * receiver under loss, duplicates, reordering, bad and truncated input,
 * a real sipp capture (../shared/captures) and the project's own
 * (captures/dtmf/loss.*) through the receiver.
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtmf.h"
#include "fixture.h"
#include "rtp.h"

#define MS 1000000ull

/* A copy of data in a block of exactly len bytes, so that a read past it
 * is a heap overflow under `make asan`. */
static uint8_t *exact(const uint8_t *data, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);
    if (len)
        memcpy(p, data, len);
    return p;
}

/* ---- payload ---------------------------------------------------------------- */

START_TEST(payload_bytes)
{
    /* s.2.3: event (8) | E R volume(6) | duration (16, network order).
     * Digit 1, E, volume 10, 2240 units: 01 | 1 0 001010 | 08 c0. */
    rtc_dtmf_payload_t p = { .event = 1, .end = true, .volume = 10, .duration = 2240 };
    uint8_t out[5] = { 0, 0, 0, 0, 0xa5 };
    rtc_dtmf_write(&p, out);
    static const uint8_t want[4] = { 0x01, 0x8a, 0x08, 0xc0 };
    ck_assert_mem_eq(out, want, 4);
    ck_assert_uint_eq(out[4], 0xa5);        /* nothing past the 4 bytes */

    /* '#', no E, volume 63 (any higher bits of volume are not its own) */
    p = (rtc_dtmf_payload_t){ .event = 11, .end = false, .volume = 0xff, .duration = 0xfffe };
    rtc_dtmf_write(&p, out);
    static const uint8_t want2[4] = { 0x0b, 0x3f, 0xff, 0xfe };
    ck_assert_mem_eq(out, want2, 4);

    rtc_dtmf_payload_t q;
    ck_assert_int_eq(rtc_dtmf_parse(want, 4, &q), RTC_DTMF_OK);
    ck_assert_uint_eq(q.event, 1);
    ck_assert(q.end);
    ck_assert_uint_eq(q.volume, 10);
    ck_assert_uint_eq(q.duration, 2240);

    /* s.2.3.3: R is ignored on receive */
    static const uint8_t r_set[4] = { 0x05, 0xca, 0x01, 0x90 };
    ck_assert_int_eq(rtc_dtmf_parse(r_set, 4, &q), RTC_DTMF_OK);
    ck_assert_uint_eq(q.event, 5);
    ck_assert(q.end);
    ck_assert_uint_eq(q.volume, 10);
    ck_assert_uint_eq(q.duration, 400);

    /* bytes past the fourth are ignored */
    static const uint8_t longer[6] = { 0x02, 0x0a, 0x00, 0xa0, 0xff, 0xff };
    ck_assert_int_eq(rtc_dtmf_parse(longer, 6, &q), RTC_DTMF_OK);
    ck_assert_uint_eq(q.duration, 160);
}
END_TEST

START_TEST(payload_bad_and_truncated)
{
    rtc_dtmf_payload_t q;
    static const uint8_t flash[4] = { 16, 0x0a, 0, 160 }, e17[4] = { 17, 0x0a, 0, 160 },
                         e255[4] = { 255, 0x8a, 0, 160 };
    ck_assert_int_eq(rtc_dtmf_parse(flash, 4, &q), RTC_DTMF_OK);
    ck_assert_int_eq(rtc_dtmf_parse(e17, 4, &q), RTC_DTMF_BAD_EVENT);
    ck_assert_int_eq(rtc_dtmf_parse(e255, 4, &q), RTC_DTMF_BAD_EVENT);
    for (size_t len = 0; len < 4; len++) {
        uint8_t *d = exact(flash, len);
        ck_assert_msg(rtc_dtmf_parse(d, len, &q) == RTC_DTMF_TRUNCATED, "len %zu", len);
        free(d);
    }
    ck_assert_int_eq(rtc_dtmf_parse(NULL, 0, &q), RTC_DTMF_TRUNCATED);
    ck_assert_str_eq(rtc_dtmf_status_name(RTC_DTMF_BAD_EVENT), "bad-event");
    ck_assert_str_eq(rtc_dtmf_status_name(RTC_DTMF_NO_START), "no-start");
    ck_assert_str_eq(rtc_dtmf_status_name(RTC_DTMF__COUNT), "?");
}
END_TEST

START_TEST(tone_table)
{
    /* s.3.2 */
    static const char *const chars = "0123456789*#ABCD";
    for (int e = 0; e < 16; e++) {
        ck_assert_int_eq(rtc_dtmf_event_of(chars[e]), e);
        ck_assert_int_eq(rtc_dtmf_char_of((uint8_t)e), chars[e]);
    }
    ck_assert_int_eq(rtc_dtmf_event_of('a'), 12);
    ck_assert_int_eq(rtc_dtmf_event_of('d'), 15);
    ck_assert_int_eq(rtc_dtmf_event_of('e'), -1);
    ck_assert_int_eq(rtc_dtmf_event_of('E'), -1);
    ck_assert_int_eq(rtc_dtmf_event_of(','), -1);
    ck_assert_int_eq(rtc_dtmf_event_of(' '), -1);
    ck_assert_int_eq(rtc_dtmf_event_of('\0'), -1);
    ck_assert_int_eq(rtc_dtmf_char_of(16), '\0');
    ck_assert_int_eq(rtc_dtmf_char_of(200), '\0');
}
END_TEST

/* ---- sender ------------------------------------------------------------------ */

START_TEST(sender_short_tone)
{
    /* 100 ms at 8000 Hz = 800 units, a packet every 50 ms = 400 units.
     * D86: the first packet says one interval already, so the second
     * reaches 800 and is the end, sent three times (s.2.5.1.4):
     *   t=0    M  dur 400
     *   t=50      dur 800 E
     *   t=100     dur 800 E
     *   t=150     dur 800 E     and nothing more. */
    static const struct { uint64_t at; bool m, e; uint16_t dur; } want[] = {
        { 0, true, false, 400 },
        { 50 * MS, false, true, 800 },
        { 100 * MS, false, true, 800 },
        { 150 * MS, false, true, 800 },
    };
    const uint64_t t0 = 7 * MS;
    rtc_dtmf_sender_t s;
    rtc_dtmf_sender_init(&s, 5, 10, 8000, 100, 50 * MS, t0);
    ck_assert_uint_eq(s.total_units, 800);
    ck_assert_uint_eq(rtc_dtmf_sender_end(&s), t0 + 150 * MS);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ck_assert_uint_eq(rtc_dtmf_sender_next_at(&s), t0 + want[i].at);
        rtc_dtmf_packet_t k;
        ck_assert(rtc_dtmf_sender_next(&s, &k));
        ck_assert_msg(k.marker == want[i].m, "packet %zu marker", i);
        ck_assert_msg(k.payload.end == want[i].e, "packet %zu E", i);
        ck_assert_msg(k.payload.duration == want[i].dur, "packet %zu duration %u", i,
                      k.payload.duration);
        ck_assert_uint_eq(k.payload.event, 5);
        ck_assert_uint_eq(k.payload.volume, 10);
        ck_assert_uint_eq(k.ts_offset, 0);
    }
    ck_assert_uint_eq(s.packets, 4);
    ck_assert_uint_eq(rtc_dtmf_sender_next_at(&s), UINT64_MAX);
    rtc_dtmf_packet_t k;
    ck_assert(!rtc_dtmf_sender_next(&s, &k));

    /* 70 ms (560 units) is not a whole number of intervals: 400, then the
     * end at 560. */
    rtc_dtmf_sender_init(&s, 0, 10, 8000, 70, 50 * MS, 0);
    ck_assert(rtc_dtmf_sender_next(&s, &k));
    ck_assert_uint_eq(k.payload.duration, 400);
    ck_assert(!k.payload.end);
    ck_assert(rtc_dtmf_sender_next(&s, &k));
    ck_assert_uint_eq(k.payload.duration, 560);
    ck_assert(k.payload.end);
    ck_assert_uint_eq(rtc_dtmf_sender_end(&s), 150 * MS);
}
END_TEST

/* Every packet of a tone, in order, into pk (room for cap); their count. */
static size_t all_packets(rtc_dtmf_sender_t *s, rtc_dtmf_packet_t *pk, uint64_t *at, size_t cap)
{
    size_t n = 0;
    while (rtc_dtmf_sender_next_at(s) != UINT64_MAX) {
        ck_assert(n < cap);
        at[n] = rtc_dtmf_sender_next_at(s);
        ck_assert(rtc_dtmf_sender_next(s, &pk[n]));
        n++;
    }
    return n;
}

START_TEST(sender_long_tone_segments)
{
    /* 6000 ms at 48000 Hz = 288,000 units, 2400 a packet. Slot k says
     * (k + 1) * 2400 elapsed; the end is at k = 119 (288,000), then two
     * copies: 122 packets. s.2.5.1.3: a segment ends at 0xffff units, at
     * the first slot past it, and the next starts 0xffff units later:
     * segments at 0, 65535, 131070, 196605, 262140, the last lasting
     * 288000 - 262140 = 25860. Segment ends at k with (k+1)*2400 >=
     * 65535 * j: k = 27, 54, 81, 109; new segments one slot later. */
    static rtc_dtmf_packet_t pk[200];
    static uint64_t at[200];
    rtc_dtmf_sender_t s;
    rtc_dtmf_sender_init(&s, 9, 10, 48000, 6000, 50 * MS, 0);
    ck_assert_uint_eq(s.total_units, 288000);
    size_t n = all_packets(&s, pk, at, 200);
    ck_assert_uint_eq(n, 122);
    ck_assert_uint_eq(rtc_dtmf_sender_end(&s), at[n - 1]);
    ck_assert_uint_eq(at[121], 121 * 50 * MS);

    static const size_t seg_start[] = { 0, 28, 55, 82, 110 };
    static const size_t seg_end[] = { 27, 54, 81, 109 };
    size_t si = 0, ei = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        bool starts = si < 5 && seg_start[si] == i;
        ck_assert_msg(pk[i].marker == starts, "packet %zu marker", i);
        if (starts) {
            ck_assert_uint_eq(pk[i].ts_offset, 65535u * si);
            si++;
        } else {
            ck_assert_uint_eq(pk[i].ts_offset, pk[i - 1].ts_offset);
            ck_assert_msg(pk[i].payload.duration >= pk[i - 1].payload.duration,
                          "packet %zu duration went down", i);
        }
        if (ei < 4 && seg_end[ei] == i) {
            ck_assert_uint_eq(pk[i].payload.duration, 0xffff);
            ck_assert(!pk[i].payload.end);
            total += 0xffff;
            ei++;
        }
        ck_assert_msg(pk[i].payload.end == (i >= 119), "packet %zu E", i);
    }
    ck_assert_uint_eq(si, 5);
    ck_assert_uint_eq(ei, 4);
    ck_assert_uint_eq(pk[119].payload.duration, 25860);
    ck_assert_uint_eq(pk[121].payload.duration, 25860);
    total += pk[121].payload.duration;
    ck_assert_uint_eq(total, 288000);
    /* the first packet of a new segment: 28 * 2400 + 2400 - 65535 */
    ck_assert_uint_eq(pk[28].payload.duration, 69600 - 65535);

    /* and the receiver puts the segments back into one tone */
    rtc_dtmf_receiver_t r;
    rtc_dtmf_receiver_init(&r);
    int tones = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b[4];
        rtc_dtmf_write(&pk[i].payload, b);
        rtc_dtmf_tone_t t;
        bool done;
        rtc_dtmf_status_t st = rtc_dtmf_receiver_input(&r, b, 4, 1000 + pk[i].ts_offset,
                                                       pk[i].marker, at[i], &t, &done);
        ck_assert_msg(st == (i < 120 ? RTC_DTMF_OK : RTC_DTMF_DUPLICATE), "packet %zu: %s", i,
                      rtc_dtmf_status_name(st));
        if (done) {
            tones++;
            ck_assert_uint_eq(t.duration, 288000);
            ck_assert_uint_eq(t.ts, 1000);
            ck_assert(t.ended);
            ck_assert_int_eq(t.digit, '9');
        }
    }
    ck_assert_int_eq(tones, 1);
}
END_TEST

/* ---- receiver ------------------------------------------------------------------ */

/* One packet of a test stream: event, E, duration, timestamp, arrival. */
typedef struct pkt {
    uint8_t event;
    bool end;
    uint16_t dur;
    uint32_t ts;
    uint64_t at;
} pkt_t;

typedef struct run {
    rtc_dtmf_receiver_t r;
    rtc_dtmf_tone_t tones[8];
    int ntones;
} run_t;

static rtc_dtmf_status_t feed(run_t *u, pkt_t k)
{
    rtc_dtmf_payload_t p = { .event = k.event, .end = k.end, .volume = 10, .duration = k.dur };
    uint8_t b[4];
    rtc_dtmf_write(&p, b);
    uint8_t *d = exact(b, 4);
    rtc_dtmf_tone_t t;
    bool done = true;
    rtc_dtmf_status_t st = rtc_dtmf_receiver_input(&u->r, d, 4, k.ts, false, k.at, &t, &done);
    free(d);
    if (done) {
        ck_assert(u->ntones < 8);
        u->tones[u->ntones++] = t;
    }
    return st;
}

/* A 200 ms tone at 8000 Hz from D86's sender: 400, 800, 1200, 1600 E x3,
 * packets 50 ms apart from t. */
static pkt_t tone200(int k, uint8_t ev, uint32_t ts, uint64_t t)
{
    uint16_t d = (uint16_t)(k < 3 ? 400 * (k + 1) : 1600);
    return (pkt_t){ ev, k >= 3, d, ts, t + (uint64_t)k * 50 * MS };
}

START_TEST(receiver_clean)
{
    run_t u = { 0 };
    rtc_dtmf_receiver_init(&u.r);
    for (int k = 0; k < 6; k++) {
        rtc_dtmf_status_t st = feed(&u, tone200(k, 3, 8000, 0));
        ck_assert_int_eq(st, k < 4 ? RTC_DTMF_OK : RTC_DTMF_DUPLICATE);
        ck_assert_int_eq(u.ntones, k < 3 ? 0 : 1);
    }
    ck_assert_int_eq(u.tones[0].digit, '3');
    ck_assert_uint_eq(u.tones[0].duration, 1600);
    ck_assert_uint_eq(u.tones[0].ts, 8000);
    ck_assert_uint_eq(u.tones[0].volume, 10);
    ck_assert(u.tones[0].ended);
    ck_assert_uint_eq(u.tones[0].first_at, 0);
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_OK], 4);
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_DUPLICATE], 2);
    rtc_dtmf_tone_t t;
    ck_assert(!rtc_dtmf_receiver_poll(&u.r, 10000 * MS, 150 * MS, &t));
}
END_TEST

START_TEST(receiver_lost_first)
{
    /* the first packet (and its marker) lost: the tone starts at the
     * second; the end packets still give the whole duration */
    run_t u = { 0 };
    rtc_dtmf_receiver_init(&u.r);
    for (int k = 1; k < 6; k++)
        feed(&u, tone200(k, 3, 8000, 0));
    ck_assert_int_eq(u.ntones, 1);
    ck_assert_uint_eq(u.tones[0].duration, 1600);
    ck_assert_uint_eq(u.tones[0].first_at, 50 * MS);

    /* only the end packets arrive: one tone, at the first */
    run_t v = { 0 };
    rtc_dtmf_receiver_init(&v.r);
    for (int k = 3; k < 6; k++)
        feed(&v, tone200(k, 3, 8000, 0));
    ck_assert_int_eq(v.ntones, 1);
    ck_assert(v.tones[0].ended);
    ck_assert_uint_eq(v.tones[0].duration, 1600);
    ck_assert_uint_eq(v.r.counts[RTC_DTMF_OK], 1);
    ck_assert_uint_eq(v.r.counts[RTC_DTMF_DUPLICATE], 2);
}
END_TEST

START_TEST(receiver_ends_lost)
{
    /* all three end packets of the first tone lost: reported from its
     * last update (1200) when the next event starts, ended = false */
    run_t u = { 0 };
    rtc_dtmf_receiver_init(&u.r);
    for (int k = 0; k < 3; k++)
        feed(&u, tone200(k, 1, 8000, 0));
    ck_assert_int_eq(u.ntones, 0);
    for (int k = 0; k < 6; k++)
        feed(&u, tone200(k, 2, 8000 + 2400, 300 * MS));
    ck_assert_int_eq(u.ntones, 2);
    ck_assert_int_eq(u.tones[0].digit, '1');
    ck_assert_uint_eq(u.tones[0].duration, 1200);
    ck_assert(!u.tones[0].ended);
    ck_assert_int_eq(u.tones[1].digit, '2');
    ck_assert_uint_eq(u.tones[1].duration, 1600);
    ck_assert(u.tones[1].ended);

    /* ... and by poll when nothing follows: the last packet at 100 ms,
     * timeout 150 ms (D88: 3 intervals) */
    run_t v = { 0 };
    rtc_dtmf_receiver_init(&v.r);
    for (int k = 0; k < 3; k++)
        feed(&v, tone200(k, 1, 8000, 0));
    rtc_dtmf_tone_t t;
    ck_assert(!rtc_dtmf_receiver_poll(&v.r, 100 * MS + 150 * MS - 1, 150 * MS, &t));
    ck_assert(rtc_dtmf_receiver_poll(&v.r, 100 * MS + 150 * MS, 150 * MS, &t));
    ck_assert_uint_eq(t.duration, 1200);
    ck_assert(!t.ended);
    ck_assert(!rtc_dtmf_receiver_poll(&v.r, 1000 * MS, 150 * MS, &t));
    /* an end packet of it arriving after all: reported already */
    ck_assert_int_eq(feed(&v, tone200(3, 1, 8000, 0)), RTC_DTMF_DUPLICATE);
    ck_assert_int_eq(v.ntones, 0);
}
END_TEST

START_TEST(receiver_duplicates)
{
    /* every packet twice (a duplicating path), the retransmitted ends
     * too: one tone, each copy counted once as a duplicate or as a
     * repeated update */
    run_t u = { 0 };
    rtc_dtmf_receiver_init(&u.r);
    for (int k = 0; k < 6; k++) {
        feed(&u, tone200(k, 4, 8000, 0));
        feed(&u, tone200(k, 4, 8000, 0));
    }
    ck_assert_int_eq(u.ntones, 1);
    ck_assert_uint_eq(u.tones[0].duration, 1600);
    /* the updates' copies are updates with no growth (3 + 3), the first
     * end ok, its 5 copies duplicates */
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_OK], 7);
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_DUPLICATE], 5);
}
END_TEST

START_TEST(receiver_reordering)
{
    run_t u = { 0 };
    rtc_dtmf_receiver_init(&u.r);
    /* k=1 before k=0: the older update goes backwards (s.2.5.2.1) */
    ck_assert_int_eq(feed(&u, tone200(1, 6, 8000, 0)), RTC_DTMF_OK);
    ck_assert_int_eq(feed(&u, tone200(0, 6, 8000, 0)), RTC_DTMF_BACKWARDS);
    ck_assert_int_eq(feed(&u, tone200(2, 6, 8000, 0)), RTC_DTMF_OK);
    /* the next tone starts before the first's end packets arrive: the
     * first is reported from its updates; its ends, late, are duplicates */
    ck_assert_int_eq(feed(&u, tone200(0, 7, 10400, 300 * MS)), RTC_DTMF_OK);
    ck_assert_int_eq(u.ntones, 1);
    ck_assert_uint_eq(u.tones[0].duration, 1200);
    ck_assert_int_eq(feed(&u, tone200(3, 6, 8000, 0)), RTC_DTMF_DUPLICATE);
    /* a packet of a tone older still: late, no-start (D87) */
    ck_assert_int_eq(feed(&u, tone200(3, 5, 5600, 0)), RTC_DTMF_NO_START);
    for (int k = 1; k < 6; k++)
        feed(&u, tone200(k, 7, 10400, 300 * MS));
    ck_assert_int_eq(u.ntones, 2);
    ck_assert_int_eq(u.tones[1].digit, '7');
    ck_assert_uint_eq(u.tones[1].duration, 1600);
    /* after it, a late packet of the first tone again */
    ck_assert_int_eq(feed(&u, tone200(2, 6, 8000, 0)), RTC_DTMF_NO_START);
    ck_assert_int_eq(u.ntones, 2);
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_BACKWARDS], 1);
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_NO_START], 2);
    /* across the 32-bit wrap of RTP timestamps, a newer one is newer */
    run_t w = { 0 };
    rtc_dtmf_receiver_init(&w.r);
    for (int k = 0; k < 4; k++)
        feed(&w, tone200(k, 1, 0xfffffc00u, 0));
    ck_assert_int_eq(feed(&w, tone200(3, 2, 0x00000400u, 300 * MS)), RTC_DTMF_OK);
    ck_assert_int_eq(w.ntones, 2);
}
END_TEST

START_TEST(receiver_backwards_end)
{
    /* an end packet whose duration is below the last update's is older
     * than it: ignored, the tone is still under way */
    run_t u = { 0 };
    rtc_dtmf_receiver_init(&u.r);
    feed(&u, (pkt_t){ 8, false, 1200, 100, 0 });
    ck_assert_int_eq(feed(&u, (pkt_t){ 8, true, 800, 100, 10 * MS }), RTC_DTMF_BACKWARDS);
    ck_assert_int_eq(u.ntones, 0);
    ck_assert_int_eq(feed(&u, (pkt_t){ 8, true, 1600, 100, 20 * MS }), RTC_DTMF_OK);
    ck_assert_int_eq(u.ntones, 1);
    ck_assert_uint_eq(u.tones[0].duration, 1600);
}
END_TEST

START_TEST(receiver_bad_input)
{
    run_t u = { 0 };
    rtc_dtmf_receiver_init(&u.r);
    ck_assert_int_eq(feed(&u, (pkt_t){ 17, true, 800, 100, 0 }), RTC_DTMF_BAD_EVENT);
    ck_assert_int_eq(u.ntones, 0);
    ck_assert(!u.r.active);
    /* an end packet of an unseen event with no duration: nothing to tell */
    ck_assert_int_eq(feed(&u, (pkt_t){ 1, true, 0, 100, 0 }), RTC_DTMF_NO_START);
    ck_assert_int_eq(u.ntones, 0);
    /* flash (16) is an event, with '!' for its digit */
    ck_assert_int_eq(feed(&u, (pkt_t){ 16, true, 800, 900, 0 }), RTC_DTMF_OK);
    ck_assert_int_eq(u.ntones, 1);
    ck_assert_int_eq(u.tones[0].digit, '!');

    /* every truncation of a valid payload, in a block of exactly its size */
    static const uint8_t good[4] = { 1, 0x0a, 0x01, 0x90 };
    for (size_t len = 0; len < 4; len++) {
        uint8_t *d = exact(good, len);
        rtc_dtmf_tone_t t;
        bool done = true;
        ck_assert_int_eq(rtc_dtmf_receiver_input(&u.r, d, len, 5000, true, 0, &t, &done),
                         RTC_DTMF_TRUNCATED);
        ck_assert(!done);
        free(d);
    }
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_TRUNCATED], 4);
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_BAD_EVENT], 1);
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_NO_START], 1);
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_OK], 1);
}
END_TEST

START_TEST(receiver_end_while_one_under_way)
{
    /* a tone under way without its end, then only the end packets of the
     * next: the first is reported at once, the second waits (D87) and
     * goes at the next poll, or at its next copy */
    run_t u = { 0 };
    rtc_dtmf_receiver_init(&u.r);
    feed(&u, tone200(0, 1, 8000, 0));
    feed(&u, tone200(3, 2, 10400, 300 * MS));
    ck_assert_int_eq(u.ntones, 1);
    ck_assert_int_eq(u.tones[0].digit, '1');
    rtc_dtmf_tone_t t;
    ck_assert(rtc_dtmf_receiver_poll(&u.r, 450 * MS, 150 * MS, &t));
    ck_assert_int_eq(t.digit, '2');
    ck_assert(t.ended);
    ck_assert_uint_eq(t.duration, 1600);
    ck_assert_int_eq(feed(&u, tone200(4, 2, 10400, 300 * MS)), RTC_DTMF_DUPLICATE);

    run_t v = { 0 };
    rtc_dtmf_receiver_init(&v.r);
    feed(&v, tone200(0, 1, 8000, 0));
    feed(&v, tone200(3, 2, 10400, 300 * MS));
    ck_assert_int_eq(feed(&v, tone200(4, 2, 10400, 300 * MS)), RTC_DTMF_OK);
    ck_assert_int_eq(v.ntones, 2);
    ck_assert(v.tones[1].ended);
    ck_assert_int_eq(feed(&v, tone200(5, 2, 10400, 300 * MS)), RTC_DTMF_DUPLICATE);
}
END_TEST

/* ---- the sipp capture ------------------------------------------------------------ */

#define SIPP "../shared/captures/rtp-rfc2833-dtmf-digit1_sipp.pcap"
/* the project's own: scenarios/dtmf/loss.lua's sender-side twin */
#define OWN "captures/dtmf/loss.alice.eth0.decrypted.pcap"

/* What a capture gave the receiver: its frames, the RTP packets of the
 * payload type asked for, and the tones reported, in order. */
typedef struct capture_run {
    rtc_dtmf_receiver_t r;
    int frames, packets, ntones;
    rtc_dtmf_tone_t tones[8];
} capture_run_t;

/* Feeds every RTP packet of payload type pt in the pcap at path to a fresh
 * receiver, at the capture's times (opened at nanosecond precision, so a
 * microsecond file reads in ns too). Link types: Ethernet II (sipp's) and
 * raw IPv4 (the project's captures, sim/check/capture.c). A capture's
 * other datagrams (STUN, DTLS, RTCP, other payload types: RFC 7983 s.7's
 * first byte, RFC 5761 s.4's RTCP packet types 192-223) are skipped; a
 * frame that is not IPv4/UDP fails the test. */
static void read_capture(const char *path, uint8_t pt, capture_run_t *u)
{
    memset(u, 0, sizeof *u);
    rtc_dtmf_receiver_init(&u->r);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
    ck_assert_msg(pc, "%s: %s", path, err);
    int dlt = pcap_datalink(pc);
    ck_assert_msg(dlt == DLT_EN10MB || dlt == DLT_RAW, "%s: link type %d", path, dlt);
    size_t l2 = dlt == DLT_EN10MB ? 14 : 0;
    struct pcap_pkthdr *h;
    const u_char *d;
    while (pcap_next_ex(pc, &h, &d) == 1) {
        u->frames++;
        /* [Ethernet II (14)], IPv4 (IHL words), UDP (8) */
        size_t len = h->caplen;
        ck_assert_uint_ge(len, l2 + 20 + 8);
        if (l2)
            ck_assert_uint_eq((unsigned)(d[12] << 8 | d[13]), 0x0800);
        ck_assert_uint_eq(d[l2] >> 4, 4);
        size_t ihl = (size_t)(d[l2] & 0x0f) * 4;
        ck_assert_uint_eq(d[l2 + 9], 17);
        size_t off = l2 + ihl + 8;
        ck_assert_uint_ge(len, off);
        if (len == off || d[off] < 128 || d[off] > 191)
            continue;
        if (len >= off + 2 && (d[off + 1] & 0x7f) >= 64 && (d[off + 1] & 0x7f) <= 95)
            continue;
        rtc_rtp_header_t rh;
        ck_assert_int_eq(rtc_rtp_parse(d + off, len - off, &rh), RTC_RTP_OK);
        if (rh.pt != pt)
            continue;
        u->packets++;
        uint64_t now = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
        rtc_dtmf_tone_t t;
        bool done;
        rtc_dtmf_receiver_input(&u->r, d + off + rh.header_len, rh.payload_len, rh.ts, rh.marker, now,
                                &t, &done);
        if (done) {
            ck_assert_int_lt(u->ntones, 8);
            u->tones[u->ntones++] = t;
        }
    }
    pcap_close(pc);
}

START_TEST(capture_sipp_digit1)
{
    if (access(SIPP, R_OK) != 0) {
        printf("skipped: %s not present\n", SIPP);
        return;
    }
    capture_run_t u;
    read_capture(SIPP, 101, &u);
    /* tshark -V: 7 packets ts 13280, durations 0..1920 by 320, marker on
     * the first, then 3 end packets of duration 2240 (one sequence
     * number), volume 10, event 1 */
    ck_assert_int_eq(u.frames, 10);
    ck_assert_int_eq(u.packets, 10);
    ck_assert_int_eq(u.ntones, 1);
    rtc_dtmf_tone_t got = u.tones[0];
    ck_assert_int_eq(got.digit, '1');
    ck_assert_uint_eq(got.event, 1);
    ck_assert_uint_eq(got.duration, 2240);
    ck_assert_uint_eq(got.ts, 13280);
    ck_assert_uint_eq(got.volume, 10);
    ck_assert(got.ended);
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_OK], 8);
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_DUPLICATE], 2);
}
END_TEST

/* scenarios/dtmf/loss.lua: Alice inserts "123" with 300 ms tones and the
 * 50 ms gap on a telephone-event/48000 (pt 110, D92); her interface sees
 * every packet she sends (the loss is on Bob's downlink). D86's schedule:
 * per tone updates 50..250 ms (5) and the end (300 ms = 14400 units)
 * three times, 8 packets; tones start 300 + 50 + 50 = 400 ms apart, so
 * their RTP timestamps (the audio clock's, D93) are 0.4 * 48000 = 19200
 * apart and their first packets 400 ms apart. */
START_TEST(capture_own_123)
{
    capture_run_t u;
    read_capture(OWN, 110, &u);
    ck_assert_int_eq(u.packets, 24);
    ck_assert_int_gt(u.frames, u.packets);     /* the audio, STUN, DTLS, RTCP skipped */
    ck_assert_int_eq(u.ntones, 3);
    for (int k = 0; k < 3; k++) {
        rtc_dtmf_tone_t t = u.tones[k];
        ck_assert_int_eq(t.digit, "123"[k]);
        ck_assert_uint_eq(t.event, (unsigned)(k + 1));
        ck_assert_uint_eq(t.duration, 14400);
        ck_assert_uint_eq(t.volume, 10);
        ck_assert(t.ended);
        if (k > 0) {
            ck_assert_uint_eq(t.ts - u.tones[k - 1].ts, 19200);
            ck_assert_uint_eq(t.first_at - u.tones[k - 1].first_at, 400 * MS);
        }
    }
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_OK], 18);
    ck_assert_uint_eq(u.r.counts[RTC_DTMF_DUPLICATE], 6);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dtmf");
    TCase *tc = tcase_create("dtmf");
    tcase_add_test(tc, payload_bytes);
    tcase_add_test(tc, payload_bad_and_truncated);
    tcase_add_test(tc, tone_table);
    tcase_add_test(tc, sender_short_tone);
    tcase_add_test(tc, sender_long_tone_segments);
    tcase_add_test(tc, receiver_clean);
    tcase_add_test(tc, receiver_lost_first);
    tcase_add_test(tc, receiver_ends_lost);
    tcase_add_test(tc, receiver_duplicates);
    tcase_add_test(tc, receiver_reordering);
    tcase_add_test(tc, receiver_backwards_end);
    tcase_add_test(tc, receiver_bad_input);
    tcase_add_test(tc, receiver_end_while_one_under_way);
    tcase_add_test(tc, capture_sipp_digit1);
    tcase_add_test(tc, capture_own_123);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
