/*
 * test_rtp.c - rtp.h: the RFC 7983 demultiplexer; RTP headers with CSRCs,
 * padding and RFC 8285 extensions from packets written by hand from the
 * RFC layouts; compound RTCP (RFC 3550 s.6) the same way; every
 * truncation of each; RFC 3550 A.1 (probation, wrap, jumps), A.3 (loss
 * fractions), A.8 (jitter), LSR/DLSR, the A.7 interval, NTP time, and the
 * synthetic sources' timing, sizes and rate.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "rtp.h"

/* A copy of data in a block of exactly len bytes, so that a read past it
 * is a heap overflow under `make asan`. */
static uint8_t *exact(const uint8_t *data, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, data, len);
    return p;
}

/* ---- demux ---------------------------------------------------------------- */

START_TEST(demux_ranges)
{
    static const struct { uint8_t b0, b1; rtc_demux_t d; } cases[] = {
        { 0, 1, RTC_DEMUX_STUN },    { 3, 0, RTC_DEMUX_STUN },    { 4, 0, RTC_DEMUX_OTHER },
        { 15, 0, RTC_DEMUX_OTHER },  { 16, 0, RTC_DEMUX_ZRTP },   { 19, 0, RTC_DEMUX_ZRTP },
        { 20, 0, RTC_DEMUX_DTLS },   { 23, 0xfe, RTC_DEMUX_DTLS }, { 63, 0, RTC_DEMUX_DTLS },
        { 64, 0, RTC_DEMUX_TURN_CHANNEL }, { 79, 0, RTC_DEMUX_TURN_CHANNEL },
        { 80, 0, RTC_DEMUX_OTHER },  { 127, 0, RTC_DEMUX_OTHER },
        /* RFC 5761 s.4: the whole second byte decides */
        { 0x80, 0x00, RTC_DEMUX_RTP },  { 0x80, 0x60, RTC_DEMUX_RTP },
        { 0x80, 0x40, RTC_DEMUX_RTP },  { 0x80, 0x5f, RTC_DEMUX_RTP }, /* 192-223 & 0x7f */
        { 0x80, 0xbf, RTC_DEMUX_RTP },  /* marker + pt 63 */
        { 0x80, 0xc0, RTC_DEMUX_RTCP }, /* 192 */
        { 0x81, 0xc8, RTC_DEMUX_RTCP }, /* SR */
        { 0x80, 0xdf, RTC_DEMUX_RTCP }, /* 223 */
        { 0x80, 0xe0, RTC_DEMUX_RTP },  /* marker + pt 96 */
        { 0xbf, 0x6f, RTC_DEMUX_RTP },  { 0xc0, 0x60, RTC_DEMUX_OTHER },
        { 0xff, 0xc8, RTC_DEMUX_OTHER },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t d[2] = { cases[i].b0, cases[i].b1 };
        ck_assert_msg(rtc_demux(d, 2) == cases[i].d, "bytes %u %u", d[0], d[1]);
    }
    uint8_t one = 0x80;
    ck_assert_int_eq(rtc_demux(&one, 1), RTC_DEMUX_RTP);
    ck_assert_int_eq(rtc_demux(&one, 0), RTC_DEMUX_OTHER);
}
END_TEST

/* ---- RTP ------------------------------------------------------------------ */

/* RFC 3550 s.5.1 with X=1, CC=2; RFC 8285 s.4.2 one-byte block of two
 * words: id 1 (L=0, one byte), a padding byte, id 3 (L=1, two bytes),
 * two padding bytes; three bytes of payload. */
static const uint8_t RTP1[] = {
    0x92, 0xef, 0x12, 0x34,                         /* V=2 X CC=2, M PT=111, seq */
    0xde, 0xad, 0xbe, 0xef,                         /* timestamp */
    0x11, 0x22, 0x33, 0x44,                         /* SSRC */
    0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb, /* CSRCs */
    0xbe, 0xde, 0x00, 0x02,                         /* 0xBEDE, 2 words */
    0x10, 0x80, 0x00, 0x31, 0xab, 0xcd, 0x00, 0x00,
    0x01, 0x02, 0x03,                               /* payload */
};

/* P=1 X=1 CC=0; RFC 8285 s.4.3 two-byte block with appbits 5: id 7 of
 * length 0, a padding byte, id 12 of length 3; two bytes of payload and
 * three of padding. */
static const uint8_t RTP2[] = {
    0xb0, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01,
    0x10, 0x05, 0x00, 0x02,
    0x07, 0x00, 0x00, 0x0c, 0x03, 'a', 'b', 'c',
    0x55, 0x66,
    0x00, 0x00, 0x03,
};

START_TEST(rtp_known_packets)
{
    rtc_rtp_header_t h;
    uint8_t *p = exact(RTP1, sizeof RTP1);
    ck_assert_int_eq(rtc_rtp_parse(p, sizeof RTP1, &h), RTC_RTP_OK);
    ck_assert(h.marker);
    ck_assert_uint_eq(h.pt, 111);
    ck_assert_uint_eq(h.seq, 0x1234);
    ck_assert_uint_eq(h.ts, 0xdeadbeef);
    ck_assert_uint_eq(h.ssrc, 0x11223344);
    ck_assert_uint_eq(h.ncsrc, 2);
    ck_assert_uint_eq(h.csrc[0], 0xaaaaaaaa);
    ck_assert_uint_eq(h.csrc[1], 0xbbbbbbbb);
    ck_assert_uint_eq(h.ext_profile, 0xBEDE);
    ck_assert(!h.ext_two_byte);
    ck_assert_uint_eq(h.next, 2);
    ck_assert_uint_eq(h.ext[0].id, 1);
    ck_assert_uint_eq(h.ext[0].len, 1);
    ck_assert_uint_eq(h.ext[0].data[0], 0x80);
    ck_assert_uint_eq(h.ext[1].id, 3);
    ck_assert_uint_eq(h.ext[1].len, 2);
    ck_assert_uint_eq(h.ext[1].data[0], 0xab);
    ck_assert_uint_eq(h.ext[1].data[1], 0xcd);
    ck_assert_uint_eq(h.header_len, 32);
    ck_assert_uint_eq(h.payload_len, 3);
    ck_assert_uint_eq(h.padding, 0);
    ck_assert_uint_eq(p[h.header_len], 0x01);
    free(p);

    p = exact(RTP2, sizeof RTP2);
    ck_assert_int_eq(rtc_rtp_parse(p, sizeof RTP2, &h), RTC_RTP_OK);
    ck_assert(!h.marker);
    ck_assert_uint_eq(h.pt, 96);
    ck_assert(h.ext_two_byte);
    ck_assert_uint_eq(h.ext_profile, 0x1005);
    ck_assert_uint_eq(h.next, 2);
    ck_assert_uint_eq(h.ext[0].id, 7);
    ck_assert_uint_eq(h.ext[0].len, 0);
    ck_assert_uint_eq(h.ext[1].id, 12);
    ck_assert_uint_eq(h.ext[1].len, 3);
    ck_assert_mem_eq(h.ext[1].data, "abc", 3);
    ck_assert_uint_eq(h.header_len, 24);
    ck_assert_uint_eq(h.payload_len, 2);
    ck_assert_uint_eq(h.padding, 3);
    free(p);

    /* a block of another profile is skipped whole (RFC 3550 s.5.3.1) */
    static const uint8_t other[] = { 0x90, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9,
                                     0x12, 0x34, 0x00, 0x01, 0xf0, 0x13, 0x00, 0x00, 0x77 };
    ck_assert_int_eq(rtc_rtp_parse(other, sizeof other, &h), RTC_RTP_OK);
    ck_assert_uint_eq(h.ext_profile, 0x1234);
    ck_assert_uint_eq(h.next, 0);
    ck_assert_uint_eq(h.header_len, 20);
    ck_assert_uint_eq(h.payload_len, 1);
}
END_TEST

START_TEST(rtp_bad_packets)
{
    rtc_rtp_header_t h;
    uint8_t b[64];
    /* version 1, and 3 */
    memcpy(b, RTP1, sizeof RTP1);
    b[0] = 0x52;
    ck_assert_int_eq(rtc_rtp_parse(b, sizeof RTP1, &h), RTC_RTP_BAD_VERSION);
    b[0] = 0xd2;
    ck_assert_int_eq(rtc_rtp_parse(b, sizeof RTP1, &h), RTC_RTP_BAD_VERSION);

    /* RFC 8285 s.4.2: id 15, even after a good element */
    static const uint8_t id15[] = { 0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
                                    0xbe, 0xde, 0x00, 0x01, 0x10, 0x01, 0xf0, 0x00 };
    ck_assert_int_eq(rtc_rtp_parse(id15, sizeof id15, &h), RTC_RTP_BAD_EXTENSION);
    /* one-byte element of 4 bytes in a block with 3 left */
    static const uint8_t over1[] = { 0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
                                     0xbe, 0xde, 0x00, 0x01, 0x13, 0xaa, 0xbb, 0xcc, 0xdd };
    ck_assert_int_eq(rtc_rtp_parse(over1, sizeof over1, &h), RTC_RTP_BAD_EXTENSION);
    /* two-byte element of 3 bytes with 2 left */
    static const uint8_t over2[] = { 0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
                                     0x10, 0x00, 0x00, 0x01, 0x01, 0x03, 0xaa, 0xbb, 0xcc };
    ck_assert_int_eq(rtc_rtp_parse(over2, sizeof over2, &h), RTC_RTP_BAD_EXTENSION);
    /* two-byte element whose length byte is outside the block */
    static const uint8_t over3[] = { 0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
                                     0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05 };
    ck_assert_int_eq(rtc_rtp_parse(over3, sizeof over3, &h), RTC_RTP_BAD_EXTENSION);
    /* a block of 5 words in a packet with one */
    static const uint8_t over4[] = { 0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
                                     0xbe, 0xde, 0x00, 0x05, 0x10, 0x01, 0x00, 0x00 };
    ck_assert_int_eq(rtc_rtp_parse(over4, sizeof over4, &h), RTC_RTP_BAD_EXTENSION);

    /* s.5.1 padding: a count of 0, more than follows the header, and
     * exactly what follows it (an empty payload, fine) */
    uint8_t pad[16] = { 0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 0 };
    ck_assert_int_eq(rtc_rtp_parse(pad, 16, &h), RTC_RTP_BAD_PADDING);
    pad[15] = 5;
    ck_assert_int_eq(rtc_rtp_parse(pad, 16, &h), RTC_RTP_BAD_PADDING);
    pad[15] = 4;
    ck_assert_int_eq(rtc_rtp_parse(pad, 16, &h), RTC_RTP_OK);
    ck_assert_uint_eq(h.payload_len, 0);
    ck_assert_uint_eq(h.padding, 4);
    /* a header alone with P set: the count is a header byte, larger
     * than the nothing after the header */
    pad[11] = 0x01;
    ck_assert_int_eq(rtc_rtp_parse(pad, 12, &h), RTC_RTP_BAD_PADDING);

    /* 20 elements of one byte each (10 words): 16 kept, 4 counted */
    uint8_t many[12 + 4 + 40] = { 0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0x00, 0x0a };
    for (int i = 0; i < 20; i++) {
        many[16 + 2 * i] = (uint8_t)((1 + i % 14) << 4);
        many[16 + 2 * i + 1] = (uint8_t)i;
    }
    ck_assert_int_eq(rtc_rtp_parse(many, sizeof many, &h), RTC_RTP_OK);
    ck_assert_uint_eq(h.next, RTC_RTP_MAX_EXT);
    ck_assert_uint_eq(h.ext_dropped, 4);
    ck_assert_uint_eq(h.ext[15].id, 2);
    ck_assert_uint_eq(h.ext[15].data[0], 15);
}
END_TEST

/* libnice's stun tests' habit: every length short of the whole. The
 * status for each is the one the layout implies. */
START_TEST(rtp_every_truncation)
{
    rtc_rtp_header_t h;
    for (size_t len = 0; len <= sizeof RTP1; len++) {
        uint8_t *p = exact(RTP1, len);
        rtc_rtp_status_t st = rtc_rtp_parse(p, len, &h);
        rtc_rtp_status_t want = len < 12   ? RTC_RTP_TRUNCATED  /* fixed header */
                              : len < 20   ? RTC_RTP_TRUNCATED  /* CSRC list */
                              : len < 24   ? RTC_RTP_TRUNCATED  /* extension header */
                              : len < 32   ? RTC_RTP_BAD_EXTENSION /* its block */
                                           : RTC_RTP_OK;
        ck_assert_msg(st == want, "RTP1 cut to %zu: %s, want %s", len, rtc_rtp_status_name(st),
                      rtc_rtp_status_name(want));
        if (st == RTC_RTP_OK)
            ck_assert_uint_eq(h.payload_len, len - 32);
        free(p);
    }
    /* with padding there is no length field: a cut in the payload can
     * still parse, and then what it says adds up to the cut */
    for (size_t len = 0; len <= sizeof RTP2; len++) {
        uint8_t *p = exact(RTP2, len);
        rtc_rtp_status_t st = rtc_rtp_parse(p, len, &h);
        if (len < 24)
            ck_assert_msg(st != RTC_RTP_OK, "RTP2 cut to %zu parsed", len);
        if (st == RTC_RTP_OK)
            ck_assert_uint_eq(h.header_len + h.payload_len + h.padding, len);
        free(p);
    }
}
END_TEST

START_TEST(rtp_write_and_round_trip)
{
    /* the one-byte form, written by hand: id 1 (1 byte), id 3 (2 bytes),
     * 5 bytes padded to 8 */
    static const uint8_t want[] = {
        0x90, 0x60, 0xab, 0xcd, 0x00, 0x00, 0x03, 0xe8, 0xca, 0xfe, 0xba, 0xbe,
        0xbe, 0xde, 0x00, 0x02, 0x10, 0x80, 0x31, 0xab, 0xcd, 0x00, 0x00, 0x00,
    };
    static const uint8_t e1[] = { 0x80 }, e3[] = { 0xab, 0xcd };
    rtc_rtp_header_t h = { .pt = 96, .seq = 0xabcd, .ts = 1000, .ssrc = 0xcafebabe, .next = 2 };
    h.ext[0] = (rtc_rtp_ext_t){ 1, 1, e1 };
    h.ext[1] = (rtc_rtp_ext_t){ 3, 2, e3 };
    uint8_t out[128];
    size_t n;
    ck_assert_int_eq(rtc_rtp_write_header(&h, out, sizeof out, &n), RTC_RTP_OK);
    ck_assert_uint_eq(n, sizeof want);
    ck_assert_mem_eq(out, want, sizeof want);
    for (size_t cap = 0; cap < sizeof want; cap++)
        ck_assert_int_eq(rtc_rtp_write_header(&h, out, cap, &n), RTC_RTP_NO_ROOM);

    /* each reason for the two-byte form, with CSRCs and a marker; round
     * trip through the parser with a payload behind */
    static const uint8_t big[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 };
    for (int why = 0; why < 4; why++) {
        rtc_rtp_header_t w = { .marker = true, .pt = 127, .seq = 65535, .ts = 0xffffffff,
                               .ssrc = 7, .ncsrc = 15, .next = 3, .ext_profile = 0x1009 };
        for (uint32_t i = 0; i < 15; i++)
            w.csrc[i] = 0x01010101u * i;
        w.ext[0] = (rtc_rtp_ext_t){ 2, 4, big };
        w.ext[1] = (rtc_rtp_ext_t){ 14, 16, big };
        w.ext[2] = (rtc_rtp_ext_t){ 5, 1, big };
        if (why == 0)
            w.ext[2].len = 0;
        if (why == 1)
            w.ext[2].id = 15;
        if (why == 2)
            w.ext[2].len = 17;
        if (why == 3)
            w.ext_two_byte = true;
        ck_assert_int_eq(rtc_rtp_write_header(&w, out, sizeof out, &n), RTC_RTP_OK);
        ck_assert_uint_eq(n % 4, 0);
        ck_assert_uint_eq(out[72], 0x10);
        ck_assert_uint_eq(out[73], 0x09); /* appbits kept */
        memcpy(out + n, "payload", 7);
        rtc_rtp_header_t r;
        ck_assert_int_eq(rtc_rtp_parse(out, n + 7, &r), RTC_RTP_OK);
        ck_assert(r.marker && r.ext_two_byte);
        ck_assert_uint_eq(r.pt, 127);
        ck_assert_uint_eq(r.seq, 65535);
        ck_assert_uint_eq(r.ts, 0xffffffff);
        ck_assert_uint_eq(r.ncsrc, 15);
        ck_assert_uint_eq(r.csrc[14], 0x0e0e0e0e);
        ck_assert_uint_eq(r.next, 3);
        for (int i = 0; i < 3; i++) {
            ck_assert_uint_eq(r.ext[i].id, w.ext[i].id);
            ck_assert_uint_eq(r.ext[i].len, w.ext[i].len);
            ck_assert_mem_eq(r.ext[i].data, big, w.ext[i].len);
        }
        ck_assert_uint_eq(r.header_len, n);
        ck_assert_uint_eq(r.payload_len, 7);
    }
    /* the one-byte form round trips too, with every id and length edge */
    rtc_rtp_header_t o = { .pt = 0, .next = 2 };
    o.ext[0] = (rtc_rtp_ext_t){ 1, 16, big };
    o.ext[1] = (rtc_rtp_ext_t){ 14, 1, big + 3 };
    ck_assert_int_eq(rtc_rtp_write_header(&o, out, sizeof out, &n), RTC_RTP_OK);
    rtc_rtp_header_t r;
    ck_assert_int_eq(rtc_rtp_parse(out, n, &r), RTC_RTP_OK);
    ck_assert(!r.ext_two_byte);
    ck_assert_uint_eq(r.next, 2);
    ck_assert_uint_eq(r.ext[0].len, 16);
    ck_assert_uint_eq(r.ext[1].id, 14);
    ck_assert_uint_eq(r.ext[1].data[0], 4);
    ck_assert_uint_eq(r.payload_len, 0);

    /* no extension: 12 bytes, X clear */
    rtc_rtp_header_t plain = { .pt = 8, .seq = 1 };
    ck_assert_int_eq(rtc_rtp_write_header(&plain, out, sizeof out, &n), RTC_RTP_OK);
    ck_assert_uint_eq(n, 12);
    ck_assert_uint_eq(out[0], 0x80);

    /* what cannot be written */
    rtc_rtp_header_t bad = plain;
    bad.pt = 128;
    ck_assert_int_eq(rtc_rtp_write_header(&bad, out, sizeof out, &n), RTC_RTP_BAD_ARG);
    bad = plain;
    bad.ncsrc = 16;
    ck_assert_int_eq(rtc_rtp_write_header(&bad, out, sizeof out, &n), RTC_RTP_BAD_ARG);
    bad = plain;
    bad.next = 1;
    bad.ext[0] = (rtc_rtp_ext_t){ 0, 1, big };
    ck_assert_int_eq(rtc_rtp_write_header(&bad, out, sizeof out, &n), RTC_RTP_BAD_ARG);
    bad.next = RTC_RTP_MAX_EXT + 1;
    ck_assert_int_eq(rtc_rtp_write_header(&bad, out, sizeof out, &n), RTC_RTP_BAD_ARG);
    ck_assert_str_eq(rtc_rtp_status_name(RTC_RTP_BAD_EXTENSION), "bad-extension");
    ck_assert_str_eq(rtc_rtp_status_name(RTC_RTP_BAD_ARG), "bad-arg");
    ck_assert_str_eq(rtc_rtp_status_name(RTC_RTP__COUNT), "?");
}
END_TEST

/* ---- RTCP ----------------------------------------------------------------- */

/* RFC 3550 s.6.4.1 SR with one block, s.6.5 SDES with a CNAME, s.6.6 BYE
 * with a reason: 52 + 16 + 12 bytes. */
static const uint8_t RTCP1[] = {
    0x81, 0xc8, 0x00, 0x0c, 0x01, 0x02, 0x03, 0x04,     /* SR, RC=1, 13 words, SSRC */
    0xed, 0x01, 0x23, 0x45, 0x80, 0x00, 0x00, 0x00,     /* NTP */
    0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x64,     /* RTP ts, packets 100 */
    0x00, 0x00, 0x3e, 0x80,                             /* octets 16000 */
    0x0a, 0x0b, 0x0c, 0x0d, 0x40, 0xff, 0xff, 0xfe,     /* block: fraction 64, lost -2 */
    0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x20,     /* ext seq, jitter 32 */
    0x23, 0x45, 0x80, 0x00, 0x00, 0x01, 0x00, 0x00,     /* LSR, DLSR 1 s */
    0x81, 0xca, 0x00, 0x03, 0x01, 0x02, 0x03, 0x04,     /* SDES, SC=1, 4 words */
    0x01, 0x05, 'a', 'b', 'c', 'd', 'e', 0x00,          /* CNAME "abcde", end */
    0x81, 0xcb, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04,     /* BYE, SC=1, 3 words */
    0x03, 'b', 'y', 'e',                                /* reason */
};

START_TEST(rtcp_known_compound)
{
    rtc_rtcp_t c;
    uint8_t *p = exact(RTCP1, sizeof RTCP1);
    ck_assert_int_eq(rtc_rtcp_parse(p, sizeof RTCP1, &c), RTC_RTP_OK);
    free(p);
    ck_assert_uint_eq(c.nreports, 1);
    const rtc_rtcp_sr_t *r = &c.reports[0];
    ck_assert(r->is_sr);
    ck_assert_uint_eq(r->ssrc, 0x01020304);
    ck_assert_uint_eq(r->ntp, 0xed01234580000000ULL);
    ck_assert_uint_eq(r->rtp_ts, 0x1000);
    ck_assert_uint_eq(r->packets, 100);
    ck_assert_uint_eq(r->octets, 16000);
    ck_assert_uint_eq(r->nblocks, 1);
    ck_assert_uint_eq(r->blocks[0].ssrc, 0x0a0b0c0d);
    ck_assert_uint_eq(r->blocks[0].fraction_lost, 64);
    ck_assert_int_eq(r->blocks[0].cumulative_lost, -2);
    ck_assert_uint_eq(r->blocks[0].ext_highest_seq, 0x1000a);
    ck_assert_uint_eq(r->blocks[0].jitter, 32);
    ck_assert_uint_eq(r->blocks[0].lsr, 0x23458000);
    ck_assert_uint_eq(r->blocks[0].dlsr, 65536);
    ck_assert_uint_eq(c.nsdes, 1);
    ck_assert_uint_eq(c.sdes[0].ssrc, 0x01020304);
    ck_assert_uint_eq(c.sdes[0].cname_len, 5);
    ck_assert_str_eq(c.sdes[0].cname, "abcde");
    ck_assert_uint_eq(c.nbye, 1);
    ck_assert_uint_eq(c.bye[0], 0x01020304);
    ck_assert_uint_eq(c.other, 0);

    /* the writer gives back the same bytes, the BYE without its reason */
    uint8_t want[76];
    memcpy(want, RTCP1, 68);
    memcpy(want + 68, "\x81\xcb\x00\x01\x01\x02\x03\x04", 8);
    uint8_t out[256];
    size_t n;
    ck_assert_int_eq(rtc_rtcp_write(&c, out, sizeof out, &n), RTC_RTP_OK);
    ck_assert_uint_eq(n, sizeof want);
    ck_assert_mem_eq(out, want, sizeof want);
    for (size_t cap = 0; cap < n; cap++)
        ck_assert_int_eq(rtc_rtcp_write(&c, out, cap, &n), RTC_RTP_NO_ROOM);

    /* every truncation: whole packets parse (a shorter compound), any
     * other cut is short of a length field */
    for (size_t len = 0; len < sizeof RTCP1; len++) {
        p = exact(RTCP1, len);
        rtc_rtp_status_t st = rtc_rtcp_parse(p, len, &c);
        rtc_rtp_status_t want_st = len == 52 || len == 68 ? RTC_RTP_OK : RTC_RTP_TRUNCATED;
        ck_assert_msg(st == want_st, "RTCP1 cut to %zu: %s", len, rtc_rtp_status_name(st));
        free(p);
    }
}
END_TEST

START_TEST(rtcp_bad_compounds)
{
    rtc_rtcp_t c;
    uint8_t b[128];
#define PARSE(n) rtc_rtcp_parse(b, (n), &c)
    /* the first packet not an SR or RR (A.2) */
    ck_assert_int_eq(rtc_rtcp_parse(RTCP1 + 52, 28, &c), RTC_RTP_BAD_RTCP);
    /* version 1 in the first and in a later packet */
    memcpy(b, RTCP1, 80);
    b[0] = 0x41;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_VERSION);
    memcpy(b, RTCP1, 80);
    b[52] = 0x41;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_VERSION);
    /* padding on the first packet, on a middle one; on the last with a
     * count of 0, of more than its body, and a good one */
    memcpy(b, RTCP1, 80);
    b[0] |= 0x20;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_PADDING);
    memcpy(b, RTCP1, 80);
    b[52] |= 0x20;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_PADDING);
    /* a padded APP in the middle, its count plausible (4) */
    memcpy(b, RTCP1, 52);
    memcpy(b + 52, "\xa0\xcc\x00\x02\x01\x02\x03\x04nam\x04", 12);
    memcpy(b + 64, RTCP1 + 52, 16);
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_PADDING);
    b[52] = 0x80;
    ck_assert_int_eq(PARSE(80), RTC_RTP_OK);
    memcpy(b, RTCP1, 68);
    memcpy(b + 68, "\xa1\xcb\x00\x02\x01\x02\x03\x04\x00\x00\x00\x00", 12);
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_PADDING);
    b[79] = 9;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_PADDING);
    b[79] = 4;
    ck_assert_int_eq(PARSE(80), RTC_RTP_OK);
    ck_assert_uint_eq(c.nbye, 1);
    /* padding that takes the BYE's source: refused, not read */
    b[79] = 8;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_RTCP);
    /* an SR that says 2 blocks and has room for 1 */
    memcpy(b, RTCP1, 80);
    b[0] = 0x82;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_RTCP);
    /* an RR with a profile extension after its block: fine */
    static const uint8_t rr_ext[] = { 0x81, 0xc9, 0x00, 0x08, 0, 0, 0, 1,
                                      0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                      0, 0, 0, 0, 0, 0, 0, 0, 0xee, 0xee, 0xee, 0xee };
    ck_assert_int_eq(rtc_rtcp_parse(rr_ext, sizeof rr_ext, &c), RTC_RTP_OK);
    ck_assert(!c.reports[0].is_sr);
    ck_assert_uint_eq(c.reports[0].blocks[0].ssrc, 2);
    /* SDES: an item running past the packet; no end of the item list;
     * a chunk count larger than the chunks */
    memcpy(b, RTCP1, 80);
    b[61] = 0x06;
    b[67] = 'f'; /* "abcdef" fills the chunk, no null left */
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_RTCP);
    b[61] = 0x07;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_RTCP);
    memcpy(b, RTCP1, 80);
    b[52] = 0x82;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_RTCP);
    /* BYE: a reason longer than the packet; more sources than fit */
    memcpy(b, RTCP1, 80);
    b[76] = 4;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_RTCP);
    memcpy(b, RTCP1, 80);
    b[68] = 0x83;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_RTCP);
    /* a length beyond the datagram */
    memcpy(b, RTCP1, 80);
    b[2] = 0x01;
    ck_assert_int_eq(PARSE(80), RTC_RTP_TRUNCATED);
    /* a length that ends inside the next packet: what follows is read
     * as a header, and its first byte has version 0 */
    memcpy(b, RTCP1, 80);
    b[3] = 0x0d;
    ck_assert_int_eq(PARSE(80), RTC_RTP_BAD_VERSION);
    /* an APP packet (and RTPFB) in between: skipped, counted */
    memcpy(b, RTCP1, 52);
    memcpy(b + 52, "\x80\xcc\x00\x02\x01\x02\x03\x04name\x81\xcd\x00\x02\0\0\0\1\0\0\0\2", 24);
    ck_assert_int_eq(PARSE(76), RTC_RTP_OK);
    ck_assert_uint_eq(c.other, 2);
    ck_assert_uint_eq(c.nreports, 1);
#undef PARSE
}
END_TEST

START_TEST(rtcp_write_round_trip)
{
    rtc_rtcp_t c = { .nreports = 2, .nsdes = 3, .nbye = 2 };
    c.reports[0] = (rtc_rtcp_sr_t){ .ssrc = 11, .is_sr = true, .ntp = 0x0102030405060708ULL,
                                    .rtp_ts = 99, .packets = 5, .octets = 800, .nblocks = 3 };
    /* 24-bit cumulative lost: in range both ways, and clamped */
    static const int32_t lost[3] = { 0x1000000, -0x1000000, -1 };
    static const int32_t want[3] = { 0x7fffff, -0x800000, -1 };
    for (int i = 0; i < 3; i++)
        c.reports[0].blocks[i] = (rtc_rtcp_block_t){ (uint32_t)(100 + i), (uint8_t)(i * 50),
                                                     lost[i], 70000u + (uint32_t)i, 3, 4, 5 };
    c.reports[1] = (rtc_rtcp_sr_t){ .ssrc = 12, .nblocks = 31 };
    for (int i = 0; i < 31; i++)
        c.reports[1].blocks[i].ssrc = (uint32_t)i;
    /* CNAMEs of 0, 1, 255 bytes: chunk padding of each length mod 4 */
    c.sdes[0] = (rtc_rtcp_sdes_t){ .ssrc = 11 };
    c.sdes[1] = (rtc_rtcp_sdes_t){ .ssrc = 12, .cname_len = 1, .cname = "x" };
    c.sdes[2] = (rtc_rtcp_sdes_t){ .ssrc = 13, .cname_len = 255 };
    memset(c.sdes[2].cname, 'q', 255);
    c.bye[0] = 11;
    c.bye[1] = 12;
    uint8_t out[2048];
    size_t n;
    ck_assert_int_eq(rtc_rtcp_write(&c, out, sizeof out, &n), RTC_RTP_OK);
    /* SR 4+24+72, RR 4+4+744, SDES 4 + 8 + 8 + 264, BYE 4+8 */
    ck_assert_uint_eq(n, 100 + 752 + 284 + 12);
    ck_assert_uint_eq(out[100 + 752 + 4 + 8 + 8 + 4 + 1], 255);
    rtc_rtcp_t r;
    ck_assert_int_eq(rtc_rtcp_parse(out, n, &r), RTC_RTP_OK);
    ck_assert_uint_eq(r.nreports, 2);
    ck_assert_uint_eq(r.reports[0].ntp, 0x0102030405060708ULL);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(r.reports[0].blocks[i].cumulative_lost, want[i]);
        ck_assert_uint_eq(r.reports[0].blocks[i].fraction_lost, i * 50);
        ck_assert_uint_eq(r.reports[0].blocks[i].ext_highest_seq, 70000u + (uint32_t)i);
        ck_assert_uint_eq(r.reports[0].blocks[i].dlsr, 5);
    }
    ck_assert(!r.reports[1].is_sr);
    ck_assert_uint_eq(r.reports[1].nblocks, 31);
    ck_assert_uint_eq(r.reports[1].blocks[30].ssrc, 30);
    ck_assert_uint_eq(r.nsdes, 3);
    ck_assert_uint_eq(r.sdes[0].cname_len, 0);
    ck_assert_str_eq(r.sdes[1].cname, "x");
    ck_assert_uint_eq(r.sdes[2].cname_len, 255);
    ck_assert_mem_eq(r.sdes[2].cname, c.sdes[2].cname, 255);
    ck_assert_uint_eq(r.nbye, 2);
    ck_assert_uint_eq(r.bye[1], 12);

    /* what cannot be written */
    rtc_rtcp_t bad = c;
    bad.nreports = 0;
    ck_assert_int_eq(rtc_rtcp_write(&bad, out, sizeof out, &n), RTC_RTP_BAD_ARG);
    bad = c;
    bad.reports[1].nblocks = 32;
    ck_assert_int_eq(rtc_rtcp_write(&bad, out, sizeof out, &n), RTC_RTP_BAD_ARG);
    bad = c;
    bad.nsdes = RTC_RTCP_MAX_SDES + 1;
    ck_assert_int_eq(rtc_rtcp_write(&bad, out, sizeof out, &n), RTC_RTP_BAD_ARG);
    bad = c;
    bad.nbye = RTC_RTCP_MAX_BYE + 1;
    ck_assert_int_eq(rtc_rtcp_write(&bad, out, sizeof out, &n), RTC_RTP_BAD_ARG);

    /* beyond what the struct holds: validated, skipped. Five RRs, then an
     * SDES of 17 chunks and a BYE of 17 sources */
    size_t o = 0;
    for (int i = 0; i < 5; i++, o += 8)
        memcpy(out + o, "\x80\xc9\x00\x01\0\0\0\0", 8);
    out[o] = 0x91, out[o + 1] = 0xca, out[o + 2] = 0, out[o + 3] = 34;
    memset(out + o + 4, 0, 17 * 8);
    o += 4 + 17 * 8;
    out[o] = 0x91, out[o + 1] = 0xcb, out[o + 2] = 0, out[o + 3] = 17;
    memset(out + o + 4, 0, 17 * 4);
    o += 4 + 17 * 4;
    ck_assert_int_eq(rtc_rtcp_parse(out, o, &r), RTC_RTP_OK);
    ck_assert_uint_eq(r.nreports, 4);
    ck_assert_uint_eq(r.nsdes, RTC_RTCP_MAX_SDES);
    ck_assert_uint_eq(r.nbye, RTC_RTCP_MAX_BYE);
}
END_TEST

/* ---- A.1, A.3 ------------------------------------------------------------- */

static rtc_rtp_rx_t rx_started(uint16_t seq)
{
    rtc_rtp_rx_t rx;
    rtc_rtp_rx_init(&rx, seq);
    ck_assert(!rtc_rtp_rx_update(&rx, seq, 0, 0));
    ck_assert(!rx.valid);
    ck_assert_uint_eq(rtc_rtp_rx_expected(&rx), 0);
    ck_assert(rtc_rtp_rx_update(&rx, (uint16_t)(seq + 1), 0, 0));
    ck_assert(rx.valid);
    return rx;
}

START_TEST(rx_probation_wrap_and_jumps)
{
    /* MIN_SEQUENTIAL 2: the second in-sequence packet validates, and
     * counting starts there (A.1 init_seq on it) */
    rtc_rtp_rx_t rx = rx_started(100);
    ck_assert_uint_eq(rx.base_seq, 101);
    ck_assert_uint_eq(rx.received, 1);
    ck_assert_uint_eq(rtc_rtp_rx_expected(&rx), 1);
    /* out of sequence during probation restarts it */
    rtc_rtp_rx_init(&rx, 100);
    ck_assert(!rtc_rtp_rx_update(&rx, 100, 0, 0));
    ck_assert(!rtc_rtp_rx_update(&rx, 105, 0, 0));
    ck_assert(!rx.valid);
    ck_assert(rtc_rtp_rx_update(&rx, 106, 0, 0));
    ck_assert_uint_eq(rx.base_seq, 106);

    /* 65534, 65535 -> 0, 1: one cycle, the extended sequence 65537 */
    rx = rx_started(65534);
    ck_assert(rtc_rtp_rx_update(&rx, 0, 0, 0));
    ck_assert(rtc_rtp_rx_update(&rx, 1, 0, 0));
    ck_assert_uint_eq(rx.cycles, 65536);
    ck_assert_uint_eq(rx.cycles + rx.max_seq, 65537);
    ck_assert_uint_eq(rtc_rtp_rx_expected(&rx), 3);
    ck_assert_int_eq(rtc_rtp_rx_lost(&rx), 0);
    /* a packet from before the wrap is reordered, not a new cycle */
    ck_assert(rtc_rtp_rx_update(&rx, 65535, 0, 0));
    ck_assert_uint_eq(rx.cycles, 65536);
    ck_assert_int_eq(rtc_rtp_rx_lost(&rx), -1);

    /* jumps: 2999 ahead is a gap (MAX_DROPOUT 3000), 3000 is not counted
     * until the next in sequence confirms a restart */
    rx = rx_started(1000); /* max 1001 */
    ck_assert(rtc_rtp_rx_update(&rx, 1001 + 2999, 0, 0));
    ck_assert_uint_eq(rtc_rtp_rx_expected(&rx), 3000);
    ck_assert_int_eq(rtc_rtp_rx_lost(&rx), 2998);
    ck_assert(!rtc_rtp_rx_update(&rx, 4000 + 3000, 0, 0));
    ck_assert_uint_eq(rx.max_seq, 4000);
    ck_assert(rtc_rtp_rx_update(&rx, 4001, 0, 0)); /* the old stream goes on */
    ck_assert(!rtc_rtp_rx_update(&rx, 9000, 0, 0));
    ck_assert(rtc_rtp_rx_update(&rx, 9001, 0, 0)); /* restart confirmed */
    ck_assert_uint_eq(rx.base_seq, 9001);
    ck_assert_uint_eq(rx.received, 1);
    ck_assert_uint_eq(rtc_rtp_rx_expected(&rx), 1);
    /* backwards: up to 99 is reordered; 100 (udelta = 2^16 - 100, A.1's
     * "udelta <= RTP_SEQ_MOD - MAX_MISORDER") is a jump */
    ck_assert(rtc_rtp_rx_update(&rx, 9001 - 99, 0, 0));
    ck_assert(!rtc_rtp_rx_update(&rx, 9001 - 100, 0, 0));

    /* D51: a repeat of the highest sequence number is a duplicate (A.1
     * counts it received, so lost can go below 0) */
    rx = rx_started(7); /* valid at 8 */
    ck_assert(rtc_rtp_rx_update(&rx, 9, 0, 0));
    ck_assert(rtc_rtp_rx_update(&rx, 9, 0, 0));
    ck_assert_uint_eq(rx.duplicates, 1);
    ck_assert_int_eq(rtc_rtp_rx_lost(&rx), -1);
}
END_TEST

START_TEST(rx_loss_fraction)
{
    /* valid from seq 1; 2..100 with 11..20 missing: expected 100,
     * received 90 */
    rtc_rtp_rx_t rx = rx_started(0);
    for (uint16_t s = 2; s <= 100; s++)
        if (s < 11 || s > 20)
            ck_assert(rtc_rtp_rx_update(&rx, s, 0, 0));
    ck_assert_uint_eq(rtc_rtp_rx_expected(&rx), 100);
    ck_assert_int_eq(rtc_rtp_rx_lost(&rx), 10);
    rtc_rtcp_block_t b;
    rtc_rtp_rx_block(&rx, 42, 0, &b);
    ck_assert_uint_eq(b.ssrc, 42);
    ck_assert_uint_eq(b.fraction_lost, 25); /* 10 * 256 / 100 = 25.6, floored */
    ck_assert_int_eq(b.cumulative_lost, 10);
    ck_assert_uint_eq(b.ext_highest_seq, 100);
    /* 101..200, only the even ones: 50 of 100 in this interval */
    for (uint16_t s = 101; s <= 200; s++)
        if (s % 2 == 0)
            ck_assert(rtc_rtp_rx_update(&rx, s, 0, 0));
    rtc_rtp_rx_block(&rx, 42, 0, &b);
    ck_assert_uint_eq(b.fraction_lost, 128);
    ck_assert_int_eq(b.cumulative_lost, 60);
    ck_assert_uint_eq(b.ext_highest_seq, 200);
    /* nothing new: 0; then duplicates, more received than expected: 0
     * (A.3: a negative interval loss reports 0), cumulative down by 5 */
    rtc_rtp_rx_block(&rx, 42, 0, &b);
    ck_assert_uint_eq(b.fraction_lost, 0);
    for (int i = 0; i < 5; i++)
        ck_assert(rtc_rtp_rx_update(&rx, 200, 0, 0));
    rtc_rtp_rx_block(&rx, 42, 0, &b);
    ck_assert_uint_eq(b.fraction_lost, 0);
    ck_assert_int_eq(b.cumulative_lost, 55);
    ck_assert_uint_eq(rx.duplicates, 5);
    /* all but the packet that ends the interval lost: 99 * 256 / 100 */
    ck_assert(rtc_rtp_rx_update(&rx, 300, 0, 0));
    rtc_rtp_rx_block(&rx, 42, 0, &b);
    ck_assert_uint_eq(b.fraction_lost, 253);
}
END_TEST

/* ---- A.8 ------------------------------------------------------------------ */

START_TEST(rx_jitter)
{
    /* transits 1000, 1010, 1000, 1030, 1030 (160 ticks a packet):
     * |D| = 10, 10, 30, 0. A.8's integer form, by hand:
     *   q4 = 0  + 10 - (0 + 8 >> 4)  = 10
     *   q4 = 10 + 10 - (18 >> 4)     = 19
     *   q4 = 19 + 30 - (27 >> 4)     = 48
     *   q4 = 48 +  0 - (56 >> 4)     = 45, J = 45 >> 4 = 2
     * against the real-valued J: 0.625, 1.2109, 3.0103, 2.8221. */
    static const uint32_t transit[] = { 1000, 1010, 1000, 1030, 1030 };
    static const uint32_t q4[] = { 0, 10, 19, 48, 45 };
    rtc_rtp_rx_t rx;
    rtc_rtp_rx_init(&rx, 0);
    ck_assert(!rtc_rtp_rx_update(&rx, 0, 0, 777)); /* probation: no transit kept */
    double j = 0;
    for (int i = 0; i < 5; i++) {
        uint32_t ts = 0xfffffe00u + 160u * (uint32_t)i; /* wraps at i = 4 */
        ck_assert(rtc_rtp_rx_update(&rx, (uint16_t)(1 + i), ts, ts + transit[i]));
        ck_assert_uint_eq(rx.jitter_q4, q4[i]);
        if (i) {
            double d = fabs((double)transit[i] - (double)transit[i - 1]);
            j += (d - j) / 16;
        }
        ck_assert_msg(fabs(rx.jitter_q4 / 16.0 - j) < 0.07, "packet %d: %u/16 vs %f", i,
                      rx.jitter_q4, j);
    }
    ck_assert_uint_eq(rtc_rtp_rx_jitter(&rx), 2);
    /* |D| = 100 every packet: J converges to 100 (the integer form
     * settles where round(q4 / 16) = 100, q4 in [1592, 1607]) */
    for (int i = 0; i < 400; i++) {
        uint32_t ts = 160u * (uint32_t)i;
        ck_assert(rtc_rtp_rx_update(&rx, (uint16_t)(6 + i), ts, ts + (i % 2 ? 100u : 0u)));
    }
    ck_assert_uint_ge(rx.jitter_q4, 1592);
    ck_assert_uint_le(rx.jitter_q4, 1607);
    /* a packet the algorithm does not count leaves jitter alone */
    uint32_t before = rx.jitter_q4;
    ck_assert(!rtc_rtp_rx_update(&rx, 40000, 0, 123456789));
    ck_assert_uint_eq(rx.jitter_q4, before);
    /* a hostile |D| of 2^31 - 1 every packet saturates, no wrap */
    for (int i = 0; i < 400; i++)
        rtc_rtp_rx_update(&rx, (uint16_t)(407 + i), 0, i % 2 ? 0x7fffffffu : 0);
    ck_assert_uint_eq(rx.jitter_q4, UINT32_MAX);
}
END_TEST

START_TEST(rx_lsr_dlsr)
{
    rtc_rtp_rx_t rx = rx_started(0);
    rtc_rtcp_block_t b;
    rtc_rtp_rx_block(&rx, 1, 5000000000u, &b);
    ck_assert_uint_eq(b.lsr, 0); /* s.6.4.1: no SR yet */
    ck_assert_uint_eq(b.dlsr, 0);
    uint64_t ntp = 0xed01234580000000ULL;
    rtc_rtp_rx_sr(&rx, ntp, 1000000000u);
    /* 1.5 s later: 1.5 * 65536 = 98304; 1 ns short of 1 s: 65535 */
    rtc_rtp_rx_block(&rx, 1, 2500000000u, &b);
    ck_assert_uint_eq(b.lsr, 0x23458000);
    ck_assert_uint_eq(b.dlsr, 98304);
    rtc_rtp_rx_block(&rx, 1, 1999999999u, &b);
    ck_assert_uint_eq(b.dlsr, 65535);
    /* 100000 s: beyond DLSR's 32 bits (65536 s), saturated */
    rtc_rtp_rx_block(&rx, 1, 1000000000u + 100000ULL * 1000000000u, &b);
    ck_assert_uint_eq(b.dlsr, UINT32_MAX);
}
END_TEST

/* ---- A.7, NTP ------------------------------------------------------------- */

START_TEST(rtcp_interval)
{
    /* two members, both senders, 6250 B/s (5% of 1 Mbit/s): senders are
     * not a quarter or less, so no split; 100 * 2 / 6250 = 0.032 s is
     * under the minimum: 5 s, 2.5 s before the first RTCP */
    rtc_rtcp_interval_in_t in = { .members = 2, .senders = 2, .rtcp_bw = 6250,
                                  .avg_rtcp_size = 100, .we_sent = true };
    ck_assert_double_eq(rtc_rtcp_interval_td(&in), 5.0);
    in.initial = true;
    ck_assert_double_eq(rtc_rtcp_interval_td(&in), 2.5);
    /* randomised: Td * [0.5, 1.5) / (2.71828 - 1.5) */
    ck_assert_double_eq_tol(rtc_rtcp_interval(&in, 0.0), 2.5 * 0.5 / 1.21828, 1e-12);
    ck_assert_double_eq_tol(rtc_rtcp_interval(&in, 0.999), 2.5 * 1.499 / 1.21828, 1e-12);
    in.initial = false;
    ck_assert_double_eq_tol(rtc_rtcp_interval(&in, 0.5), 5.0 / 1.21828, 1e-12);

    /* 1000 members, 10 senders, 120-byte reports, 6250 B/s: a receiver
     * shares 3/4 of the bandwidth with 990 others: 120 * 990 / 4687.5 =
     * 25.344 s; a sender shares 1/4 with 10: 120 * 10 / 1562.5 = 0.768
     * s, so the minimum; with 500 senders no split: 120 * 1000 / 6250 =
     * 19.2 s */
    rtc_rtcp_interval_in_t big = { .members = 1000, .senders = 10, .rtcp_bw = 6250,
                                   .avg_rtcp_size = 120 };
    ck_assert_double_eq_tol(rtc_rtcp_interval_td(&big), 25.344, 1e-9);
    ck_assert_double_eq_tol(rtc_rtcp_interval(&big, 0.25), 25.344 * 0.75 / 1.21828, 1e-9);
    big.we_sent = true;
    ck_assert_double_eq(rtc_rtcp_interval_td(&big), 5.0);
    big.senders = 500;
    big.we_sent = false;
    ck_assert_double_eq_tol(rtc_rtcp_interval_td(&big), 19.2, 1e-9);
    /* the boundary: 250 senders are a quarter, the split applies:
     * 120 * 750 / 4687.5 = 19.2 for a receiver. (The split is continuous
     * there, so "<" for "<=" cannot be seen; these pin the values.) */
    big.senders = 250;
    ck_assert_double_eq_tol(rtc_rtcp_interval_td(&big), 19.2, 1e-9);
    big.we_sent = true; /* 120 * 250 / 1562.5 */
    ck_assert_double_eq_tol(rtc_rtcp_interval_td(&big), 19.2, 1e-9);
    big.senders = 100; /* 120 * 100 / 1562.5 */
    ck_assert_double_eq_tol(rtc_rtcp_interval_td(&big), 7.68, 1e-9);
    /* D52: no bandwidth, the minimum */
    big.rtcp_bw = 0;
    ck_assert_double_eq(rtc_rtcp_interval_td(&big), 5.0);

    /* s.6.3.3 */
    ck_assert_double_eq(rtc_rtcp_avg_size(100, 260), 110.0);
    ck_assert_double_eq(rtc_rtcp_avg_size(0, 16), 1.0);
}
END_TEST

START_TEST(ntp_time)
{
    /* the origin from the C library: 2026-01-01 in Unix seconds plus
     * 2208988800, the Unix epoch in NTP's (RFC 868) */
    struct tm tm = { .tm_year = 126, .tm_mon = 0, .tm_mday = 1 };
    uint64_t origin = (uint64_t)timegm(&tm) + 2208988800u;
    ck_assert_uint_eq(origin, 3976214400u);
    ck_assert_uint_eq(rtc_ntp_from_ns(0), origin << 32);
    ck_assert_uint_eq(rtc_ntp_from_ns(1500000000u), (origin + 1) << 32 | 0x80000000u);
    /* 1 ns is 4.29 units of 2^-32 s: floored */
    ck_assert_uint_eq(rtc_ntp_from_ns(1) & 0xffffffffu, 4);
    ck_assert_uint_eq(rtc_ntp_from_ns(999999999u) & 0xffffffffu, 0xfffffffbu);
    ck_assert_uint_eq(rtc_ntp_mid(0xed01234580000000ULL), 0x23458000u);
    /* 2036-02-07 06:28:16 UTC ends NTP era 0: the seconds wrap */
    uint64_t era = (4294967296ULL - origin) * 1000000000u;
    ck_assert_uint_eq(rtc_ntp_from_ns(era) >> 32, 0);
}
END_TEST

/* ---- sources -------------------------------------------------------------- */

START_TEST(source_defaults)
{
    rtc_source_params_t p;
    rtc_source_defaults(&p, RTC_SOURCE_AUDIO, "opus", 0);
    ck_assert_uint_eq(p.clock_rate, 48000);
    ck_assert_uint_eq(p.ptime_ms, 20);
    ck_assert_uint_eq(p.min_payload, 20);
    ck_assert_uint_eq(p.max_payload, 120);
    rtc_source_defaults(&p, RTC_SOURCE_AUDIO, "OPUS", 48000);
    ck_assert_uint_eq(p.max_payload, 120);
    static const char *const eight[] = { "PCMU", "PCMA", "G722", "telephone-event", "x" };
    for (int i = 0; i < 5; i++) {
        rtc_source_defaults(&p, RTC_SOURCE_AUDIO, eight[i], 0);
        ck_assert_uint_eq(p.clock_rate, 8000);
        ck_assert_uint_eq(p.min_payload, 160);
        ck_assert_uint_eq(p.max_payload, 160);
        ck_assert_uint_eq(p.ptime_ms, 20);
    }
    rtc_source_defaults(&p, RTC_SOURCE_AUDIO, NULL, 16000);
    ck_assert_uint_eq(p.clock_rate, 16000);
    rtc_source_defaults(&p, RTC_SOURCE_VIDEO, "VP8", 0);
    ck_assert_uint_eq(p.kind, RTC_SOURCE_VIDEO);
    ck_assert_uint_eq(p.clock_rate, 90000);
    ck_assert_uint_eq(p.fps, 30);
    ck_assert_uint_eq(p.bitrate, 1000000);
    ck_assert_uint_eq(p.keyframe_every, 90);
    ck_assert_uint_eq(p.keyframe_scale, 5);
    ck_assert_uint_eq(p.max_packet_payload, 1100);
}
END_TEST

START_TEST(source_audio)
{
    rtc_source_params_t p;
    rtc_source_defaults(&p, RTC_SOURCE_AUDIO, "opus", 0);
    rtc_source_t s, t;
    const uint64_t start = 1234567;
    rtc_source_init(&s, &p, 42, start);
    rtc_source_init(&t, &p, 42, start);
    uint8_t a[200], b[200];
    rtc_source_packet_t pk, pt;
    ck_assert(!rtc_source_next(&s, a, 119, &pk)); /* cap under max_payload */
    ck_assert_uint_eq(s.next_at, start);
    ck_assert_uint_eq(s.frame, 0);
    bool seen_min = false, seen_max = false;
    for (uint64_t i = 0; i < 3000; i++) {
        ck_assert_uint_eq(s.next_at, start + i * 20000000u);
        ck_assert(rtc_source_next(&s, a, sizeof a, &pk));
        ck_assert(rtc_source_next(&t, b, sizeof b, &pt));
        ck_assert_uint_eq(pk.ts_offset, (uint32_t)(i * 960));
        ck_assert(!pk.marker && !pk.keyframe);
        ck_assert_uint_ge(pk.len, 20);
        ck_assert_uint_le(pk.len, 120);
        seen_min |= pk.len == 20;
        seen_max |= pk.len == 120;
        ck_assert_uint_eq(pk.len, pt.len);
        ck_assert_mem_eq(a, b, pk.len); /* same seed, same bytes */
    }
    /* 3000 draws over 101 sizes: each end missed with probability
     * (100/101)^3000 < 1e-12 */
    ck_assert(seen_min && seen_max);
    ck_assert_uint_eq(s.ts_offset, 3000 * 960);
    /* another seed, other bytes */
    rtc_source_init(&t, &p, 43, start);
    rtc_source_init(&s, &p, 42, start);
    rtc_source_next(&s, a, sizeof a, &pk);
    rtc_source_next(&t, b, sizeof b, &pt);
    ck_assert(pk.len != pt.len || memcmp(a, b, pk.len) != 0);
    /* seed 0 is replaced, and still a stream */
    rtc_source_init(&t, &p, 0, 0);
    ck_assert_uint_ne(t.rng, 0);

    /* PCMU: 160 bytes, 160 ticks */
    rtc_source_defaults(&p, RTC_SOURCE_AUDIO, "PCMU", 0);
    rtc_source_init(&s, &p, 1, 0);
    for (int i = 0; i < 10; i++) {
        ck_assert(rtc_source_next(&s, a, 160, &pk));
        ck_assert_uint_eq(pk.len, 160);
        ck_assert_uint_eq(pk.ts_offset, 160u * (uint32_t)i);
    }

    /* pause after packet 10, resume 1.005 s after the start: the next
     * packet is the one due at or after it, 51 (1.02 s), its timestamp
     * 51 * 160 as if the source had run on (RFC 3550 s.5.1) */
    rtc_source_resume(&s, 200000000u, 1005000000u);
    ck_assert_uint_eq(s.next_at, 1020000000u);
    ck_assert(rtc_source_next(&s, a, 160, &pk));
    ck_assert_uint_eq(pk.ts_offset, 51 * 160);
    ck_assert_uint_eq(s.next_at, 1040000000u);
    /* resumed on a packet's time exactly: that one */
    rtc_source_resume(&s, 1040000000u, 2000000000u);
    ck_assert_uint_eq(s.next_at, 2000000000u);
    ck_assert_uint_eq(s.ts_offset, 100 * 160);
    /* resumed before the next was due: nothing skipped */
    rtc_source_resume(&s, 2000000000u, 1990000000u);
    ck_assert_uint_eq(s.next_at, 2000000000u);
}
END_TEST

/* The payload bytes as rtp.c's comments define them, from a model written
 * here: the seed through splitmix64's finaliser, then xorshift64*
 * (Vigna 2016); an audio packet draws its size (multiply-shift into
 * [min, max]) and then fills its payload 8 bytes a draw, least
 * significant byte first. Pins the bytes every capture golden of a call
 * is made of, so a faster fill (word stores) must give these. */
static uint64_t model_next(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545F4914F6CDD1DULL;
}

START_TEST(source_payload_bytes)
{
    rtc_source_params_t p;
    rtc_source_defaults(&p, RTC_SOURCE_AUDIO, "opus", 0);
    rtc_source_t s;
    rtc_source_init(&s, &p, 5, 0);
    uint64_t z = 5 + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    uint64_t x = z;
    bool tails[8] = { false };
    for (int i = 0; i < 400; i++) {
        uint8_t out[200], want[200];
        rtc_source_packet_t pk;
        ck_assert(rtc_source_next(&s, out, sizeof out, &pk));
        size_t len = 20 + (size_t)(((model_next(&x) >> 32) * 101u) >> 32);
        ck_assert_uint_eq(pk.len, len);
        for (size_t k = 0; k < len; k++) {
            if (k % 8 == 0)
                z = model_next(&x);
            want[k] = (uint8_t)(z >> (8 * (k % 8)));
        }
        ck_assert_mem_eq(out, want, len);
        tails[len % 8] = true;
    }
    /* every tail length met: 400 sizes over 101 values, each residue mod
     * 8 holds 12 or 13 of them, missed with probability < (89/101)^400 */
    for (int r = 0; r < 8; r++)
        ck_assert(tails[r]);
}
END_TEST

START_TEST(source_video)
{
    rtc_source_params_t p;
    rtc_source_defaults(&p, RTC_SOURCE_VIDEO, "VP8", 0);
    rtc_source_t s;
    const uint64_t start = 777;
    rtc_source_init(&s, &p, 9, start);
    static uint8_t out[1100];
    rtc_source_packet_t pk;
    ck_assert(!rtc_source_next(&s, out, 1099, &pk));
    ck_assert_uint_eq(s.frame_left, 0);
    /* A delta frame is D = N * bitrate / (8 * fps * (N - 1 + K)) =
     * 90 * 10^6 / (240 * 94) = 3989.36 bytes, a key frame 5 D =
     * 19946.8; each +-10% (102/1024 at most): [3591, 4387] and
     * [17956, 21934] with the rounding */
    uint64_t bytes = 0, frames = 0, key_bytes = 0, delta_bytes = 0, keys = 0;
    const uint64_t ten_min = 600ULL * 1000000000u;
    while (s.next_at < start + ten_min) {
        uint64_t k = s.frame, at = s.next_at;
        /* the frame's time from its index: 1/30 s is not a whole ns */
        ck_assert_uint_eq(at, start + k * 1000000000u / 30);
        size_t size = 0, npk = 0, lo = SIZE_MAX, hi = 0;
        do {
            ck_assert_uint_eq(s.next_at, at); /* back to back */
            ck_assert(rtc_source_next(&s, out, sizeof out, &pk));
            ck_assert_uint_le(pk.len, 1100);
            ck_assert_uint_eq(pk.ts_offset, (uint32_t)(k * 3000));
            ck_assert(pk.keyframe == (k % 90 == 0));
            size += pk.len;
            lo = pk.len < lo ? pk.len : lo;
            hi = pk.len > hi ? pk.len : hi;
            npk++;
        } while (!pk.marker);
        ck_assert_uint_eq(npk, (size + 1099) / 1100); /* ceil(size / max) */
        ck_assert_uint_le(hi - lo, 1);                 /* near-equal */
        ck_assert_uint_eq(s.frame, k + 1);
        if (k % 90 == 0) {
            ck_assert_uint_ge(size, 17956);
            ck_assert_uint_le(size, 21934);
            key_bytes += size, keys++;
        } else {
            ck_assert_uint_ge(size, 3591);
            ck_assert_uint_le(size, 4387);
            delta_bytes += size;
        }
        bytes += size;
        frames++;
    }
    ck_assert_uint_eq(frames, 18000);
    ck_assert_uint_eq(s.next_at, start + ten_min); /* no drift in 18000 frames */
    /* 10 minutes at 1 Mbit/s: 75,000,000 bytes, within 1% */
    double rate = (double)bytes * 8 / 600;
    ck_assert_msg(fabs(rate - 1e6) < 1e4, "rate %f bit/s", rate);
    /* key frames five times the delta frames, on average (within 2%) */
    double ratio = ((double)key_bytes / (double)keys) / ((double)delta_bytes / (double)(frames - keys));
    ck_assert_msg(fabs(ratio - 5) < 0.1, "key/delta %f", ratio);

    /* pause in the middle of a frame, resume before the next is due: the
     * cut frame is dropped, the next frame is the next one */
    rtc_source_init(&s, &p, 9, 0);
    ck_assert(rtc_source_next(&s, out, sizeof out, &pk)); /* key frame, packet 1 of 19 */
    ck_assert(!pk.marker);
    ck_assert_uint_gt(s.frame_left, 0);
    rtc_source_resume(&s, 0, 1000);
    ck_assert_uint_eq(s.frame, 1);
    ck_assert_uint_eq(s.frame_left, 0);
    ck_assert_uint_eq(s.next_at, 33333333);
    ck_assert_uint_eq(s.ts_offset, 3000);
    /* resume at 2 s exactly: frame 60; at 2 s + 1 ns: frame 61 */
    rtc_source_resume(&s, 1000, 2000000000u);
    ck_assert_uint_eq(s.frame, 60);
    ck_assert_uint_eq(s.next_at, 2000000000u);
    rtc_source_resume(&s, 1000, 2000000001u);
    ck_assert_uint_eq(s.frame, 61);
    ck_assert_uint_eq(s.next_at, 2033333333u);
    ck_assert_uint_eq(s.ts_offset, 61 * 3000);
    ck_assert(rtc_source_next(&s, out, sizeof out, &pk));
    ck_assert_uint_eq(pk.ts_offset, 61 * 3000);

    /* zero parameters take the defaults (no division by 0) */
    rtc_source_params_t z = { .kind = RTC_SOURCE_VIDEO };
    rtc_source_init(&s, &z, 1, 0);
    ck_assert_uint_eq(s.p.fps, 30);
    ck_assert(rtc_source_next(&s, out, sizeof out, &pk));
    rtc_source_params_t za = { .kind = RTC_SOURCE_AUDIO, .min_payload = 500 };
    rtc_source_init(&s, &za, 1, 0);
    ck_assert(rtc_source_next(&s, out, sizeof out, &pk));
    ck_assert_uint_eq(pk.len, 160);
}
END_TEST

static Suite *rtp_suite(void)
{
    Suite *s = suite_create("rtp");
    TCase *t = tcase_create("wire");
    tcase_add_test(t, demux_ranges);
    tcase_add_test(t, rtp_known_packets);
    tcase_add_test(t, rtp_bad_packets);
    tcase_add_test(t, rtp_every_truncation);
    tcase_add_test(t, rtp_write_and_round_trip);
    tcase_add_test(t, rtcp_known_compound);
    tcase_add_test(t, rtcp_bad_compounds);
    tcase_add_test(t, rtcp_write_round_trip);
    suite_add_tcase(s, t);
    t = tcase_create("statistics");
    tcase_add_test(t, rx_probation_wrap_and_jumps);
    tcase_add_test(t, rx_loss_fraction);
    tcase_add_test(t, rx_jitter);
    tcase_add_test(t, rx_lsr_dlsr);
    tcase_add_test(t, rtcp_interval);
    tcase_add_test(t, ntp_time);
    suite_add_tcase(s, t);
    t = tcase_create("sources");
    tcase_add_test(t, source_defaults);
    tcase_add_test(t, source_audio);
    tcase_add_test(t, source_payload_bytes);
    tcase_add_test(t, source_video);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rtp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
