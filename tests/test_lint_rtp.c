/*
 * test_lint_rtp.c - the RTP, RTCP and RFC 4733 checker of `rtcsim lint`
 * (trace/lint_rtp.c) on captures written here with the project's own
 * writer: each check made to fire by a packet built to break it, beside
 * the same traffic unbroken; A.1's counts across the wrap; plain, SRTP
 * and opaque flows told apart (D160, D161, D164); the telephone-event
 * rule (D163); reduced-size RTCP (D162); and random bytes, which must
 * never be read past.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/capture.h"
#include "fixture.h"
#include "trace/lint.h"


typedef fx_cap_t cap_t;

static void cap_open(cap_t *k) { fx_cap_open(k, "test_lint_rtp", 20000000); }

/* One datagram a -> b (from_b: b -> a), 20 ms after the last. */
static void send_dg(cap_t *k, bool from_b, const uint8_t *data, size_t len) { fx_cap_send(k, from_b, data, len); }

static void n16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void n32(uint8_t *p, uint32_t v) { n16(p, (uint16_t)(v >> 16)); n16(p + 2, (uint16_t)v); }

/* An RTP packet: header (no CSRC), optional extension bytes (with their
 * 4-byte header given), payload. Returns its length. */
static size_t rtp(uint8_t *out, bool marker, unsigned pt, uint16_t seq, uint32_t ts, uint32_t ssrc,
                  const uint8_t *ext, size_t extlen, const uint8_t *pl, size_t plen)
{
    out[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0));
    out[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
    n16(out + 2, seq);
    n32(out + 4, ts);
    n32(out + 8, ssrc);
    size_t n = 12;
    if (ext) {
        memcpy(out + n, ext, extlen);
        n += extlen;
    }
    memcpy(out + n, pl, plen);
    return n + plen;
}

static void audio(cap_t *k, unsigned pt, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
    uint8_t b[256], pl[40];
    memset(pl, 0x55, sizeof pl);
    send_dg(k, false, b, rtp(b, false, pt, seq, ts, ssrc, NULL, 0, pl, sizeof pl));
}

/* RTCP pieces: SR (no blocks), RR (rc blocks), SDES with CNAME, BYE. */
static size_t sr(uint8_t *o, uint32_t ssrc)
{
    memset(o, 0, 28);
    o[0] = 0x80;
    o[1] = 200;
    n16(o + 2, 6);
    n32(o + 4, ssrc);
    return 28;
}

static size_t sdes(uint8_t *o, uint32_t ssrc, bool cname)
{
    memset(o, 0, 20);
    o[0] = 0x81;
    o[1] = 202;
    n16(o + 2, 4);
    n32(o + 4, ssrc);
    o[8] = cname ? 1 : 2;       /* CNAME, else NAME */
    o[9] = 6;
    memcpy(o + 10, "abc@de", 6);
    /* o[16..19] = 0: the null item and padding */
    return 20;
}

static size_t bye(uint8_t *o, uint32_t ssrc)
{
    o[0] = 0x81;
    o[1] = 203;
    n16(o + 2, 1);
    n32(o + 4, ssrc);
    return 8;
}

static void compound(cap_t *k, uint32_t ssrc)
{
    uint8_t b[128];
    size_t n = sr(b, ssrc);
    n += sdes(b + n, ssrc, true);
    send_dg(k, false, b, n);
}

/* Lint the capture; the JSON of its findings in *json (freed by the caller). */
static sim_lint_t *lint(cap_t *k, const sim_lint_opts_t *o, char **json) { return fx_cap_lint(k, o, json); }

/* Whether the finding whose code is at p (in json) has severity sev:
 * its "severity" comes before its ref and code. */
__attribute__((noinline)) static bool sev_is(const char *json, size_t at, const char *sev)
{
    size_t open = at;
    while (open > 0 && json[open] != '{')
        open--;
    char want[40];
    snprintf(want, sizeof want, "\"severity\":\"%s\"", sev);
    size_t wl = strlen(want);
    for (size_t i = open; i + wl <= at; i++)
        if (memcmp(json + i, want, wl) == 0)
            return true;
    return false;
}

/* Findings with this code (and severity, NULL: any). Not inlined: GCC 12
 * takes the caller's open_memstream buffer for a dangling pointer. */
__attribute__((noinline))
static int count(const char *json, const char *code, const char *sev)
{
    char needle[96];
    snprintf(needle, sizeof needle, "\"code\":\"%s\"", code);
    int n = 0;
    size_t at = 0;
    const char *hit;
    while ((hit = strstr(json + at, needle)) != NULL) {
        at = (size_t)(hit - json);
        if (!sev || sev_is(json, at, sev))
            n++;
        at++;
    }
    return n;
}

static bool has_text(const char *json, const char *s) { return strstr(json, s) != NULL; }

/* ---- RTP ------------------------------------------------------------------- */

START_TEST(clean_call_is_clean)
{
    cap_t k;
    cap_open(&k);
    compound(&k, 0x1111);
    for (uint16_t i = 0; i < 50; i++)
        audio(&k, 111, (uint16_t)(1000 + i), 960u * i, 0x1111);
    uint8_t b[128];
    size_t n = sr(b, 0x1111);
    n += sdes(b + n, 0x1111, true);
    n += bye(b + n, 0x1111);
    send_dg(&k, false, b, n);
    char *json;
    sim_lint_t *l = lint(&k, NULL, &json);
    ck_assert_msg(sim_lint_count(l, SIM_LINT_ERROR) == 0 && sim_lint_count(l, SIM_LINT_WARNING) == 0, "%s", json);
    ck_assert_int_eq(count(json, "rtp.seq.loss", NULL), 0);
    free(json);
    sim_lint_free(l);
}
END_TEST

START_TEST(padding_count)
{
    for (int variant = 0; variant < 3; variant++) {
        cap_t k;
        cap_open(&k);
        compound(&k, 0x2222);       /* the flow is known plain (D160) */
        uint8_t b[128], pl[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 3 };
        pl[11] = variant == 0 ? 3 : variant == 1 ? 0 : 13;  /* fits; 0; more than the payload */
        size_t n = rtp(b, false, 0, 1, 0, 0x2222, NULL, 0, pl, sizeof pl);
        b[0] |= 0x20;
        send_dg(&k, false, b, n);
        char *json;
        sim_lint_t *l = lint(&k, NULL, &json);
        ck_assert_msg(count(json, "rtp.padding", "error") == (variant == 0 ? 0 : 1), "variant %d: %s", variant, json);
        free(json);
        sim_lint_free(l);
    }
}
END_TEST

START_TEST(padding_unknown_flow_not_judged)
{
    /* no RTCP: plain or SRTP cannot be told, the count is not read */
    cap_t k;
    cap_open(&k);
    uint8_t b[128], pl[12] = { 0 };
    size_t n = rtp(b, false, 0, 1, 0, 0x2222, NULL, 0, pl, sizeof pl);
    b[0] |= 0x20;
    send_dg(&k, false, b, n);
    char *json;
    sim_lint_t *l = lint(&k, NULL, &json);
    ck_assert_int_eq(count(json, "rtp.padding", NULL), 0);
    ck_assert_int_eq(count(json, "rtp.padding.unchecked", "info"), 1);
    free(json);
    sim_lint_free(l);
}
END_TEST

/* Three packets with good one-byte extensions, then one made by mk. */
static char *ext_run(const uint8_t *bad, size_t badlen, bool plain)
{
    cap_t k;
    cap_open(&k);
    if (plain)
        compound(&k, 0x3333);
    static const uint8_t good[] = { 0xBE, 0xDE, 0, 2, 0x10, 0xAA, 0x33, 1, 2, 3, 4, 0 }; /* id1 1 byte, id3 4, pad */
    uint8_t b[256], pl[20] = { 0 };
    uint16_t seq = 10;
    if (!plain)
        for (int i = 0; i < 3; i++, seq++)
            send_dg(&k, false, b, rtp(b, false, 96, seq, 3000u * seq, 0x3333, good, sizeof good, pl, sizeof pl));
    send_dg(&k, false, b, rtp(b, false, 96, seq, 3000u * seq, 0x3333, bad, badlen, pl, sizeof pl));
    char *json;
    sim_lint_t *l = lint(&k, NULL, &json);
    sim_lint_free(l);
    return json;
}

START_TEST(ext_one_byte)
{
    static const uint8_t id15[] = { 0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0xF0, 0 };
    static const uint8_t over[] = { 0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0x23, 0 };    /* id2 says 4 bytes, 1 left */
    static const uint8_t over1[] = { 0xBE, 0xDE, 0, 1, 0x13, 1, 2, 3 };         /* id1 says 4 bytes, 3 left */
    static const uint8_t full[] = { 0xBE, 0xDE, 0, 1, 0x12, 1, 2, 3 };          /* id1, 3 bytes: fills it */
    static const uint8_t id0[] = { 0xBE, 0xDE, 0, 1, 0x05, 0, 0, 0 };
    static const uint8_t fine[] = { 0xBE, 0xDE, 0, 1, 0, 0x10, 0xAA, 0 };       /* padding first: allowed */
    char *j = ext_run(id15, sizeof id15, false);
    ck_assert_msg(count(j, "rtp.ext.id15", "error") == 1, "%s", j);
    free(j);
    j = ext_run(over, sizeof over, false);
    ck_assert_msg(count(j, "rtp.ext.elem", "error") == 1, "%s", j);
    free(j);
    j = ext_run(id0, sizeof id0, false);
    ck_assert_msg(count(j, "rtp.ext.id0", "error") == 1, "%s", j);
    free(j);
    j = ext_run(fine, sizeof fine, false);
    ck_assert_msg(!has_text(j, "\"severity\":\"error\""), "%s", j);
    free(j);
    j = ext_run(over1, sizeof over1, false);
    ck_assert_msg(count(j, "rtp.ext.elem", "error") == 1, "%s", j);
    free(j);
    j = ext_run(full, sizeof full, false);
    ck_assert_msg(!has_text(j, "\"severity\":\"error\""), "%s", j);
    free(j);
    /* known plain: the first extension is judged at once */
    j = ext_run(over, sizeof over, true);
    ck_assert_msg(count(j, "rtp.ext.elem", "error") == 1, "%s", j);
    free(j);
}
END_TEST

START_TEST(ext_two_byte_and_length)
{
    static const uint8_t two_ok[] = { 0x10, 0x00, 0, 2, 5, 3, 1, 2, 3, 0, 7, 0 };      /* id5 L3, pad, id7 L0 */
    static const uint8_t two_over[] = { 0x10, 0x00, 0, 1, 5, 3, 1, 2 };              /* id5 L3, 2 left */
    static const uint8_t too_long[] = { 0xBE, 0xDE, 0, 7, 0x10, 0xAA, 0, 0 };         /* 7 words: 28 bytes, 24 there */
    static const uint8_t just_fits[] = { 0xBE, 0xDE, 0, 6, 0x10, 0xAA, 0, 0 };        /* 6 words: the 4 and 20 */
    char *j = ext_run(two_ok, sizeof two_ok, false);
    ck_assert_msg(!has_text(j, "\"severity\":\"error\""), "%s", j);
    free(j);
    j = ext_run(two_over, sizeof two_over, false);
    ck_assert_msg(count(j, "rtp.ext.elem", "error") == 1, "%s", j);
    free(j);
    /* after the extension's header the packet has its 4 bytes and 20 of payload */
    j = ext_run(too_long, sizeof too_long, false);
    ck_assert_msg(count(j, "rtp.ext.length", "error") == 1, "%s", j);
    free(j);
    j = ext_run(just_fits, sizeof just_fits, false);
    ck_assert_msg(count(j, "rtp.ext.length", NULL) == 0, "%s", j);
    free(j);
}
END_TEST

START_TEST(ext_opaque_flow)
{
    /* D164: the first extension of a flow does not parse (encrypted
     * element headers): one info, no errors for the rest */
    cap_t k;
    cap_open(&k);
    static const uint8_t enc[] = { 0xBE, 0xDE, 0, 1, 0x3C, 0x15, 0xDC, 0xE7 };
    static const uint8_t enc2[] = { 0xBE, 0xDE, 0, 1, 0xF0, 0x15, 0xDC, 0xE7 };
    uint8_t b[256], pl[20] = { 0 };
    send_dg(&k, false, b, rtp(b, false, 120, 1, 0, 0x4444, enc, sizeof enc, pl, sizeof pl));
    for (uint16_t s = 2; s < 6; s++)
        send_dg(&k, false, b, rtp(b, false, 120, s, 960u * s, 0x4444, enc2, sizeof enc2, pl, sizeof pl));
    char *json;
    sim_lint_t *l = lint(&k, NULL, &json);
    ck_assert_msg(count(json, "rtp.ext.opaque", "info") == 1, "%s", json);
    ck_assert_uint_eq(sim_lint_count(l, SIM_LINT_ERROR), 0);
    free(json);
    sim_lint_free(l);
}
END_TEST

START_TEST(sequence_a1_across_the_wrap)
{
    cap_t k;
    cap_open(&k);
    /* 65533..65535, 0, 2, 1 (late), 1 (a duplicate), 4 (3 lost) */
    static const uint16_t seqs[] = { 65533, 65534, 65535, 0, 2, 1, 1, 4 };
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
        audio(&k, 0, seqs[i], 160u * (uint32_t)(uint16_t)(seqs[i] + 3), 0x5555);
    char *json;
    sim_lint_t *l = lint(&k, NULL, &json);
    ck_assert_msg(has_text(json, "SSRC 0x00005555: 1 of 8 packets missing"), "%s", json);
    ck_assert_msg(has_text(json, "SSRC 0x00005555: 1 duplicate packets"), "%s", json);
    ck_assert_msg(has_text(json, "SSRC 0x00005555: 1 packets came after a later"), "%s", json);
    ck_assert_uint_eq(sim_lint_count(l, SIM_LINT_ERROR) + sim_lint_count(l, SIM_LINT_WARNING), 0);
    free(json);
    sim_lint_free(l);
}
END_TEST

START_TEST(sequence_restart)
{
    cap_t k;
    cap_open(&k);
    audio(&k, 0, 100, 0, 0x5656);
    audio(&k, 0, 101, 160, 0x5656);
    audio(&k, 0, 40000, 320, 0x5656);       /* a jump */
    audio(&k, 0, 40001, 480, 0x5656);       /* followed: a restart */
    audio(&k, 0, 40002, 640, 0x5656);
    char *json;
    sim_lint_t *l = lint(&k, NULL, &json);
    ck_assert_msg(count(json, "rtp.seq.jump", "info") == 1, "%s", json);
    ck_assert_msg(count(json, "rtp.seq.restart", "info") == 1, "%s", json);
    ck_assert_msg(count(json, "rtp.seq.loss", NULL) == 0, "%s", json);
    free(json);
    sim_lint_free(l);
}
END_TEST

START_TEST(timestamps_and_frames)
{
    cap_t k;
    cap_open(&k);
    uint8_t b[128], pl[30] = { 0 };
    /* a video frame of 3 packets sharing a timestamp, the marker on the
     * last; a second frame without it; then a timestamp going back */
    send_dg(&k, false, b, rtp(b, false, 96, 1, 9000, 0x6666, NULL, 0, pl, sizeof pl));
    send_dg(&k, false, b, rtp(b, false, 96, 2, 9000, 0x6666, NULL, 0, pl, sizeof pl));
    send_dg(&k, false, b, rtp(b, true, 96, 3, 9000, 0x6666, NULL, 0, pl, sizeof pl));
    send_dg(&k, false, b, rtp(b, false, 96, 4, 12000, 0x6666, NULL, 0, pl, sizeof pl));
    send_dg(&k, false, b, rtp(b, false, 96, 5, 12000, 0x6666, NULL, 0, pl, sizeof pl));
    send_dg(&k, false, b, rtp(b, true, 96, 6, 15000, 0x6666, NULL, 0, pl, sizeof pl));
    send_dg(&k, false, b, rtp(b, true, 96, 7, 6000, 0x6666, NULL, 0, pl, sizeof pl));
    /* a late packet (reordered) going back is not reported */
    send_dg(&k, false, b, rtp(b, true, 96, 6, 15000, 0x6667, NULL, 0, pl, sizeof pl));
    send_dg(&k, false, b, rtp(b, true, 96, 8, 18000, 0x6667, NULL, 0, pl, sizeof pl));
    send_dg(&k, false, b, rtp(b, true, 96, 7, 15000, 0x6667, NULL, 0, pl, sizeof pl));
    char *json;
    sim_lint_t *l = lint(&k, NULL, &json);
    ck_assert_msg(count(json, "rtp.ts.back", "warning") == 1, "%s", json);
    ck_assert_msg(has_text(json, "SSRC 0x00006666: 1 of 2 frames of several packets"), "%s", json);
    free(json);
    sim_lint_free(l);
}
END_TEST

START_TEST(ssrc_cap)
{
    cap_t k;
    cap_open(&k);
    for (uint32_t i = 0; i < 40; i++)
        audio(&k, 0, 1, 0, 0x7000 + i);
    char *json;
    sim_lint_t *l = lint(&k, NULL, &json);
    ck_assert_msg(count(json, "rtp.ssrc.cap", "info") == 1, "%s", json);
    free(json);
    sim_lint_free(l);
}
END_TEST

/* ---- RTCP ------------------------------------------------------------------ */

/* A flow with one good compound, then the datagram b. */
static char *rtcp_run(const uint8_t *b, size_t n, const sim_lint_opts_t *o, bool lead_compound, sim_lint_t **lp)
{
    cap_t k;
    cap_open(&k);
    if (lead_compound)
        compound(&k, 0x8888);
    send_dg(&k, false, b, n);
    char *json;
    sim_lint_t *l = lint(&k, o, &json);
    if (lp)
        *lp = l;
    else
        sim_lint_free(l);
    return json;
}

START_TEST(rtcp_compound_rules)
{
    uint8_t b[256];
    size_t n;
    char *j;
    /* SDES alone, then an RR without CNAME, on a flow that sends compounds */
    n = sdes(b, 0x8888, true);
    j = rtcp_run(b, n, NULL, true, NULL);
    ck_assert_msg(count(j, "rtcp.compound.first", "error") == 1, "%s", j);
    free(j);
    n = sr(b, 0x8888);
    n += sdes(b + n, 0x8888, false);
    j = rtcp_run(b, n, NULL, true, NULL);
    ck_assert_msg(count(j, "rtcp.cname", "error") == 1, "%s", j);
    free(j);
    /* BYE before SDES */
    n = sr(b, 0x8888);
    n += bye(b + n, 0x8888);
    n += sdes(b + n, 0x8888, true);
    j = rtcp_run(b, n, NULL, true, NULL);
    ck_assert_msg(count(j, "rtcp.bye.last", "warning") == 1, "%s", j);
    ck_assert_msg(!has_text(j, "\"severity\":\"error\""), "%s", j);
    free(j);
    /* the lengths: the SDES says one word more than there is, 2 bytes short */
    n = sr(b, 0x8888);
    n += sdes(b + n, 0x8888, true);
    b[31] = 5;
    j = rtcp_run(b, n + 2, NULL, true, NULL);
    ck_assert_msg(count(j, "rtcp.length", "error") == 1, "%s", j);
    free(j);
    /* an SR saying 2 report blocks in 28 bytes */
    n = sr(b, 0x8888);
    b[0] |= 2;
    n += sdes(b + n, 0x8888, true);
    j = rtcp_run(b, n, NULL, true, NULL);
    ck_assert_msg(count(j, "rtcp.sr.blocks", "error") == 1, "%s", j);
    free(j);
    /* SDES whose item overruns it */
    n = sr(b, 0x8888);
    n += sdes(b + n, 0x8888, true);
    b[28 + 9] = 40;
    j = rtcp_run(b, n, NULL, true, NULL);
    ck_assert_msg(count(j, "rtcp.sdes", "error") == 1, "%s", j);
    free(j);
    /* padding on a packet that is not the last (its last byte a count
     * that would fit) */
    n = sr(b, 0x8888);
    b[0] |= 0x20;
    b[27] = 4;
    n += sdes(b + n, 0x8888, true);
    j = rtcp_run(b, n, NULL, true, NULL);
    ck_assert_msg(count(j, "rtcp.padding", "error") == 1, "%s", j);
    free(j);
    /* on the last, a count of 0, then one that fits */
    n = sr(b, 0x8888);
    size_t at = n;
    n += sdes(b + n, 0x8888, true);
    b[at] |= 0x20;
    j = rtcp_run(b, n, NULL, true, NULL);
    ck_assert_msg(count(j, "rtcp.padding", "error") == 1, "%s", j);
    free(j);
    b[n - 1] = 3;
    j = rtcp_run(b, n, NULL, true, NULL);
    ck_assert_msg(count(j, "rtcp.padding", NULL) == 0, "%s", j);
    free(j);
}
END_TEST

START_TEST(rtcp_reduced_size)
{
    uint8_t b[64];
    size_t n = sdes(b, 0x8888, true);       /* not a compound: no SR/RR first */
    sim_lint_t *l;
    /* every RTCP of the flow non-compound: one info, no error (D162) */
    char *j = rtcp_run(b, n, NULL, false, &l);
    ck_assert_msg(count(j, "rtcp.rsize", "info") == 1, "%s", j);
    ck_assert_uint_eq(sim_lint_count(l, SIM_LINT_ERROR), 0);
    free(j);
    sim_lint_free(l);
    /* announced with --rtcp-rsize: nothing */
    sim_lint_opts_t o = { .rtcp_rsize = true };
    j = rtcp_run(b, n, &o, true, &l);
    ck_assert_msg(count(j, "rtcp.rsize", NULL) == 0 && count(j, "rtcp.compound.first", NULL) == 0, "%s", j);
    free(j);
    sim_lint_free(l);
    /* held until a compound shows the flow is not reduced-size */
    cap_t k;
    cap_open(&k);
    send_dg(&k, false, b, n);
    compound(&k, 0x8888);
    j = NULL;
    l = lint(&k, NULL, &j);
    ck_assert_msg(count(j, "rtcp.compound.first", "error") == 1 && count(j, "rtcp.rsize", NULL) == 0, "%s", j);
    ck_assert_msg(has_text(j, "\"packet\":1,"), "the held finding keeps its packet: %s", j);
    free(j);
    sim_lint_free(l);
}
END_TEST

START_TEST(srtcp_first_header_only)
{
    uint8_t b[128];
    size_t n = sr(b, 0x8888);
    /* 20 bytes of "ciphertext", then E|index 1 and a 10-byte tag */
    for (int i = 0; i < 20; i++)
        b[n++] = (uint8_t)(0x37 * i + 1);
    n32(b + n, 0x80000001u);
    n += 4;
    memset(b + n, 0xA5, 10);
    n += 10;
    sim_lint_t *l;
    char *j = rtcp_run(b, n, NULL, false, &l);
    ck_assert_msg(count(j, "rtcp.srtcp", "info") == 1, "%s", j);
    ck_assert_msg(sim_lint_count(l, SIM_LINT_ERROR) == 0, "%s", j);
    free(j);
    sim_lint_free(l);
    /* on a flow known plain, a datagram that does not walk and has no
     * SRTCP trailer is a length error */
    b[n - 14] = 0x00;
    j = rtcp_run(b, n, NULL, true, &l);
    ck_assert_msg(count(j, "rtcp.length", "error") == 1, "%s", j);
    free(j);
    sim_lint_free(l);
    /* too short for any SRTCP trailer: an error anywhere */
    n = sr(b, 0x8888);
    b[n++] = 0x80;
    b[n++] = 202;
    b[n++] = 0;
    b[n++] = 9;
    j = rtcp_run(b, n, NULL, false, &l);
    ck_assert_msg(count(j, "rtcp.length", "error") == 1, "%s", j);
    free(j);
    sim_lint_free(l);
}
END_TEST

/* ---- RFC 4733 ---------------------------------------------------------------- */

static void ev(cap_t *k, bool m, unsigned pt, uint16_t seq, uint32_t ts, uint8_t code, bool e, uint8_t vol, uint16_t dur)
{
    uint8_t b[64], pl[4] = { code, (uint8_t)((e ? 0x80 : 0) | vol), (uint8_t)(dur >> 8), (uint8_t)dur };
    send_dg(k, false, b, rtp(b, m, pt, seq, ts, 0x9999, NULL, 0, pl, 4));
}

/* Audio 0-4, one event (seq 5-: marker, 3 updates, 3 ends), audio after;
 * break says what to change. */
enum brk { OK, NO_MARKER, DUR_BACK, ONE_END, AUDIO_DURING, TS_MOVES, E_CLEARED, DUR_ZERO, DUR_ZERO_TWICE, END_LOST };

static char *dtmf_run(enum brk br, const sim_lint_opts_t *o, sim_lint_t **lp)
{
    cap_t k;
    cap_open(&k);
    compound(&k, 0x9999);
    uint16_t seq = 0;
    for (; seq < 5; seq++)
        audio(&k, 111, seq, 960u * seq, 0x9999);
    uint32_t ts0 = 960u * seq;
    ev(&k, br != NO_MARKER, 126, seq++, ts0, 1, false, 10, br == DUR_ZERO || br == DUR_ZERO_TWICE ? 0 : 400);
    ev(&k, false, 126, seq++, ts0, 1, false, 10, br == DUR_ZERO_TWICE ? 0 : 800);
    if (br == AUDIO_DURING)
        audio(&k, 111, seq++, ts0 + 960, 0x9999);
    ev(&k, false, 126, seq++, br == TS_MOVES ? ts0 + 800 : ts0, 1, false, 10, br == DUR_BACK ? 700 : 1200);
    ev(&k, false, 126, seq++, ts0, 1, false, 10, 1600);
    ev(&k, false, 126, seq++, ts0, 1, true, 10, 1600);
    if (br == END_LOST) {
        seq++;      /* the second final packet lost on the way: the capture cannot tell */
        ev(&k, false, 126, seq++, ts0, 1, true, 10, 1600);
    } else if (br != ONE_END) {
        ev(&k, false, 126, seq++, ts0, 1, br != E_CLEARED, 10, 1600);
        ev(&k, false, 126, seq++, ts0, 1, true, 10, 1600);
    }
    for (int i = 0; i < 3; i++, seq++)
        audio(&k, 111, seq, ts0 + 1600 + 960u * (uint32_t)i, 0x9999);
    char *json;
    sim_lint_t *l = lint(&k, o, &json);
    if (lp)
        *lp = l;
    else
        sim_lint_free(l);
    return json;
}

START_TEST(dtmf_good_event)
{
    sim_lint_t *l;
    char *j = dtmf_run(OK, NULL, &l);
    ck_assert_msg(count(j, "dtmf.found", "info") == 1, "%s", j);
    ck_assert_msg(sim_lint_count(l, SIM_LINT_ERROR) == 0 && sim_lint_count(l, SIM_LINT_WARNING) == 0, "%s", j);
    ck_assert_msg(count(j, "rtp.pt.change", NULL) == 0, "%s", j);
    free(j);
    sim_lint_free(l);
}
END_TEST

START_TEST(dtmf_breakages)
{
    static const struct { enum brk b; const char *code, *sev; int n; } cases[] = {
        { NO_MARKER, "dtmf.marker", "error", 1 },
        { DUR_BACK, "dtmf.duration.back", "error", 1 },
        { ONE_END, "dtmf.end.repeat", "warning", 1 },
        { AUDIO_DURING, "dtmf.audio", "warning", 1 },
        { TS_MOVES, "dtmf.ts", "error", 1 },
        { E_CLEARED, "dtmf.end.kept", "error", 1 },
        { DUR_ZERO, "dtmf.duration.zero", "error", 1 },
        { DUR_ZERO_TWICE, "dtmf.duration.zero", "error", 2 },
        { END_LOST, "dtmf.end.repeat", NULL, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *j = dtmf_run(cases[i].b, NULL, NULL);
        ck_assert_msg(count(j, cases[i].code, cases[i].sev) == cases[i].n, "case %zu (%s): %s", i, cases[i].code, j);
        free(j);
    }
}
END_TEST

START_TEST(dtmf_given_pt_and_fields)
{
    /* --telephone-event 101: R bit and a non-DTMF code are judged there,
     * which D163's rule would not take for an event */
    sim_lint_opts_t o = { 0 };
    o.telephone_event[101 / 32] |= 1u << (101 % 32);
    cap_t k;
    cap_open(&k);
    compound(&k, 0x9999);
    ev(&k, true, 101, 1, 8000, 20, false, 0x40 | 10, 160);
    ev(&k, false, 101, 2, 8000, 20, true, 10, 320);
    ev(&k, false, 101, 3, 8000, 20, true, 10, 320);
    ev(&k, false, 101, 4, 8000, 20, true, 10, 320);
    char *j;
    sim_lint_t *l = lint(&k, &o, &j);
    ck_assert_msg(count(j, "dtmf.reserved", "error") == 1, "%s", j);
    ck_assert_msg(count(j, "dtmf.event", "info") == 1, "%s", j);
    ck_assert_msg(count(j, "dtmf.found", NULL) == 0, "%s", j);
    free(j);
    sim_lint_free(l);
    /* without the option, the same packets are not an event */
    cap_open(&k);
    compound(&k, 0x9999);
    ev(&k, true, 101, 1, 8000, 20, false, 0x40 | 10, 160);
    ev(&k, false, 101, 2, 8000, 20, true, 10, 320);
    l = lint(&k, NULL, &j);
    ck_assert_msg(count(j, "dtmf.reserved", NULL) == 0 && count(j, "dtmf.found", NULL) == 0, "%s", j);
    free(j);
    sim_lint_free(l);
}
END_TEST

START_TEST(dtmf_end_repeats_under_one_sequence_number)
{
    /* sipp's way: the three final packets share a sequence number; they
     * are the end's retransmissions, not network duplicates */
    cap_t k;
    cap_open(&k);
    ev(&k, true, 101, 10, 8000, 1, false, 10, 160);
    ev(&k, false, 101, 11, 8000, 1, false, 10, 320);
    ev(&k, false, 101, 12, 8000, 1, true, 10, 480);
    ev(&k, false, 101, 12, 8000, 1, true, 10, 480);
    ev(&k, false, 101, 12, 8000, 1, true, 10, 480);
    ev(&k, true, 101, 13, 9000, 2, false, 10, 160);
    char *j;
    sim_lint_t *l = lint(&k, NULL, &j);
    ck_assert_msg(count(j, "rtp.seq.dup", NULL) == 0 && count(j, "dtmf.end.repeat", NULL) == 0, "%s", j);
    ck_assert_uint_eq(sim_lint_count(l, SIM_LINT_ERROR), 0);
    free(j);
    sim_lint_free(l);
}
END_TEST

/* ---- hostile input ------------------------------------------------------------- */

START_TEST(random_bytes_are_safe)
{
    cap_t k;
    cap_open(&k);
    uint32_t x = 12345;
    uint8_t b[300];
    for (int i = 0; i < 4000; i++) {
        size_t n = 1 + (x >> 7) % 200;
        for (size_t m = 0; m < n; m++) {
            x = x * 1103515245u + 12345u;
            b[m] = (uint8_t)(x >> 16);
        }
        b[0] = (uint8_t)(0x80 | (b[0] & 0x3F));     /* RTP or RTCP's first byte */
        if (i % 3 == 0)
            b[1] = (uint8_t)(200 + b[1] % 8);        /* RTCP */
        else if (i % 3 == 1 && n > 16) {
            b[0] = 0x90;                            /* an extension of either form */
            b[12] = i % 2 ? 0xBE : 0x10;
            b[13] = i % 2 ? 0xDE : 0x00;
        }
        send_dg(&k, i % 2, b, n);
    }
    /* and as events: every dynamic PT given as telephone-event */
    for (int i = 0; i < 3000; i++) {
        x = x * 1103515245u + 12345u;
        uint8_t pl[8] = { (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24), (uint8_t)x, 1, 2, 3, 4 };
        x = x * 1103515245u + 12345u;
        size_t n = rtp(b, x & 0x100, 96 + (x >> 9) % 4, (uint16_t)(i + (x >> 20) % 5 - 2), 8000u * (uint32_t)((x >> 12) % 4),
                       0xABCD, NULL, 0, pl, (x >> 14) % 8 ? 4 : (x >> 15) % 9);
        send_dg(&k, false, b, n);
    }
    sim_lint_opts_t o = { .telephone_event = { 0, 0, 0, 0xFFFFFFFFu } };
    char *j;
    sim_lint_t *l = lint(&k, &o, &j);
    ck_assert_ptr_nonnull(j);
    free(j);
    sim_lint_free(l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lint_rtp");
    TCase *t = tcase_create("rtp");
    tcase_add_test(t, clean_call_is_clean);
    tcase_add_test(t, padding_count);
    tcase_add_test(t, padding_unknown_flow_not_judged);
    tcase_add_test(t, ext_one_byte);
    tcase_add_test(t, ext_two_byte_and_length);
    tcase_add_test(t, ext_opaque_flow);
    tcase_add_test(t, sequence_a1_across_the_wrap);
    tcase_add_test(t, sequence_restart);
    tcase_add_test(t, timestamps_and_frames);
    tcase_add_test(t, ssrc_cap);
    tcase_add_test(t, rtcp_compound_rules);
    tcase_add_test(t, rtcp_reduced_size);
    tcase_add_test(t, srtcp_first_header_only);
    tcase_add_test(t, dtmf_good_event);
    tcase_add_test(t, dtmf_breakages);
    tcase_add_test(t, dtmf_given_pt_and_fields);
    tcase_add_test(t, dtmf_end_repeats_under_one_sequence_number);
    tcase_add_test(t, random_bytes_are_safe);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
