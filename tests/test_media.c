/*
 * test_media.c - RTCMediaSession (ref/media.h): options, local and remote
 * descriptions (full, incremental, delete, filters), setTrackProperties,
 * every bad input the issue lists (refused, naming the field, nothing
 * changed), events and their order; SSRC collisions (RFC 3550 s.8.2);
 * removeConnection while a track rides; close. The description tests run
 * the session in a bare environment of the test's (a counter clock, a
 * fixed-seed generator); the end-to-end call runs two sessions on two
 * simulated hosts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media.h"
#include "srtp.h"
#include "host/ice_host.h"
#include "host/media_host.h"
#include "fixture.h"
#include "kernel/kernel.h"
#include "kernel/vdet.h"
#include "net/net.h"
#include "net/packet.h"

/* ---- a bare environment --------------------------------------------------- */

typedef struct fenv {
    uint64_t now;
    uint64_t rng;
    uint64_t timer_at;
    int      timer_sets;
} fenv_t;

static uint64_t f_now(void *ctx) { return ((fenv_t *)ctx)->now; }

static void f_set_timer(void *ctx, rtc_timer_owner_t owner, void *obj, uint64_t at)
{
    fenv_t *f = ctx;
    if (owner == RTC_TIMER_MEDIA) {
        f->timer_at = at;
        f->timer_sets++;
    }
}

static rtc_send_status_t f_send(void *ctx, const rtc_addr_t *from, const rtc_addr_t *to,
                                const uint8_t *data, size_t len)
{
    return RTC_SEND_OK;
}

static void f_random(void *ctx, void *buf, size_t len)
{
    fenv_t *f = ctx;
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        f->rng ^= f->rng << 13;
        f->rng ^= f->rng >> 7;
        f->rng ^= f->rng << 17;
        b[i] = (uint8_t)(f->rng >> 24);
    }
}

#define SEED 0x9e3779b97f4a7c15ull

typedef struct fx {
    fenv_t        f;
    rtc_env_t     env;
    rtc_media_t  *m;
    rtc_socket_t *sock;
    rtc_connection_t *c1, *c2;
    char          err[512];
} fx_t;

static void fx_init(fx_t *x, const rtc_media_options_t *o)
{
    memset(x, 0, sizeof *x);
    x->f.now = 1000000000ull;
    x->f.rng = SEED;
    x->f.timer_at = RTC_TIME_NEVER;
    x->env = (rtc_env_t){ .ctx = &x->f, .now = f_now, .set_timer = f_set_timer, .send = f_send,
                          .random = f_random };
    rtc_status_t st;
    x->m = rtc_media_new(&x->env, o, x, &st, x->err, sizeof x->err);
    ck_assert_msg(x->m, "seed %llx: %s", (unsigned long long)SEED, x->err);
}

/* Two connections on one socket, added to the session (connection-id
 * checks need real ones). */
static void fx_conns(fx_t *x)
{
    rtc_addr_t local = { 0x0a000001, 5000 };
    x->sock = rtc_socket_new(&x->env, &local, 1, NULL, 0);
    ck_assert(x->sock);
    x->c1 = rtc_connection_new(x->sock, NULL, NULL, NULL, x->err, sizeof x->err);
    x->c2 = rtc_connection_new(x->sock, NULL, NULL, NULL, x->err, sizeof x->err);
    ck_assert_msg(x->c1 && x->c2, "%s", x->err);
    ck_assert_msg(rtc_media_add_connection(x->m, x->c1, x->err, sizeof x->err) == 0, "%s", x->err);
    ck_assert_msg(rtc_media_add_connection(x->m, x->c2, x->err, sizeof x->err) == 0, "%s", x->err);
}

static void fx_done(fx_t *x)
{
    rtc_media_free(x->m);
    if (x->c1)
        rtc_connection_free(x->c1);
    if (x->c2)
        rtc_connection_free(x->c2);
    if (x->sock)
        rtc_socket_free(x->sock);
}

/* The events queued, as one line: "add-stream s1, add-track s1/a1, ..." */
static const char *ev_short(rtc_media_event_type_t t)
{
    switch (t) {
    case RTC_MEDIA_ADD_STREAM:          return "add-stream";
    case RTC_MEDIA_REMOVE_STREAM:       return "remove-stream";
    case RTC_MEDIA_ADD_TRACK:           return "add-track";
    case RTC_MEDIA_REMOVE_TRACK:        return "remove-track";
    case RTC_MEDIA_UNKNOWN_TRACK:       return "unknown-track";
    case RTC_MEDIA_TRACK_CONNECTED:     return "track-connected";
    case RTC_MEDIA_TRACK_DISCONNECTED:  return "track-disconnected";
    case RTC_MEDIA_STREAM_CONNECTED:    return "stream-connected";
    case RTC_MEDIA_STREAM_DISCONNECTED: return "stream-disconnected";
    case RTC_MEDIA_SSRC_CHANGED:        return "ssrc-changed";
    case RTC_MEDIA_DTMF_SENT:           return "dtmf-sent";
    case RTC_MEDIA_DTMF_TONE:           return "dtmf-tone";
    default:                            break;
    }
    return "?";
}

static char evbuf[4096];

static const char *events(rtc_media_t *m)
{
    rtc_media_event_t ev;
    evbuf[0] = '\0';
    while (rtc_media_next_event(m, &ev)) {
        size_t n = strlen(evbuf);
        snprintf(evbuf + n, sizeof evbuf - n, "%s%s %s%s%s%s%s", n ? ", " : "", ev_short(ev.type),
                 ev.msid, ev.track[0] ? "/" : "", ev.track, ev.reason[0] ? ":" : "", ev.reason);
    }
    return evbuf;
}

#define EVENTS(m, want) do { const char *got_ = events(m); \
    ck_assert_msg(strcmp(got_, (want)) == 0, "events: got '%s', want '%s'", got_, (want)); } while (0)
#define REFUSED(call, x, want) do { int r_ = (call); \
    ck_assert_msg(r_ == RTC_ERR_INVALID, "accepted, expected an error with '%s'", (want)); \
    ck_assert_msg(strstr((x)->err, (want)), "error '%s' does not say '%s'", (x)->err, (want)); } while (0)
#define OK(call, x) ck_assert_msg((call) == 0, "%s", (x)->err)

static rtc_track_desc_t td(const char *id, rtc_kind_t kind, uint32_t ssrc, const char *msid)
{
    rtc_track_desc_t d;
    memset(&d, 0, sizeof d);
    d.given = RTC_TD_ID | RTC_TD_KIND | RTC_TD_SSRC | RTC_TD_MSID | RTC_TD_CODECS;
    snprintf(d.id, sizeof d.id, "%s", id);
    d.kind = kind;
    d.ssrc = ssrc;
    snprintf(d.msid, sizeof d.msid, "%s", msid);
    d.ncodecs = 1;
    d.codecs[0] = kind == RTC_KIND_VIDEO
                      ? (rtc_codec_t){ .pt = 96, .kind = RTC_KIND_VIDEO, .name = "VP8", .clock_rate = 90000 }
                      : (rtc_codec_t){ .pt = 111, .kind = RTC_KIND_AUDIO, .name = "opus", .clock_rate = 48000,
                                       .channels = 2 };
    return d;
}

static size_t remote_ids(rtc_media_t *m, const rtc_desc_filter_t *f, char *out, size_t n)
{
    rtc_track_desc_t d[16];
    size_t k = rtc_media_remote_description(m, f, d, 16);
    out[0] = '\0';
    for (size_t i = 0; i < k && i < 16; i++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? "," : "", d[i].id);
    return k;
}

static size_t local_ids(rtc_media_t *m, const rtc_desc_filter_t *f, char *out, size_t n)
{
    rtc_track_desc_t d[16];
    size_t k = rtc_media_local_description(m, f, d, 16);
    out[0] = '\0';
    for (size_t i = 0; i < k && i < 16; i++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? "," : "", d[i].id);
    return k;
}

static void add_av(fx_t *x, const char *msid, const char *a, const char *v)
{
    rtc_local_track_t t[2];
    memset(t, 0, sizeof t);
    snprintf(t[0].id, sizeof t[0].id, "%s", a);
    t[0].kind = RTC_KIND_AUDIO;
    snprintf(t[1].id, sizeof t[1].id, "%s", v);
    t[1].kind = RTC_KIND_VIDEO;
    rtc_local_stream_t s = { .ntracks = 2, .tracks = t };
    snprintf(s.id, sizeof s.id, "%s", msid);
    OK(rtc_media_add_stream(x->m, &s, x->err, sizeof x->err), x);
}

/* ---- options -------------------------------------------------------------- */

START_TEST(options_defaults_and_refusals)
{
    fx_t x;
    fx_init(&x, NULL);
    add_av(&x, "s", "a", "v");
    rtc_track_desc_t d[2];
    ck_assert_uint_eq(rtc_media_local_description(x.m, NULL, d, 2), 2);
    /* a browser's offer: Opus/48000/2 pt 111 then PCMU pt 0; VP8 pt 96 */
    ck_assert_uint_eq(d[0].ncodecs, 2);
    ck_assert_str_eq(d[0].codecs[0].name, "opus");
    ck_assert_uint_eq(d[0].codecs[0].pt, 111);
    ck_assert_uint_eq(d[0].codecs[0].clock_rate, 48000);
    ck_assert_uint_eq(d[0].codecs[0].channels, 2);
    ck_assert_uint_eq(d[0].codecs[1].pt, 0);
    ck_assert_uint_eq(d[1].ncodecs, 1);
    ck_assert_uint_eq(d[1].codecs[0].pt, 96);
    ck_assert_uint_eq(d[1].codecs[0].clock_rate, 90000);
    fx_done(&x);

    rtc_media_options_t o;
    memset(&o, 0, sizeof o);
    o.ncodecs = 2;
    o.codecs[0] = (rtc_codec_t){ .pt = 8, .kind = RTC_KIND_AUDIO, .name = "PCMA", .clock_rate = 8000 };
    o.codecs[1] = (rtc_codec_t){ .pt = 128, .kind = RTC_KIND_AUDIO, .name = "x" };
    fenv_t f = { .now = 1, .rng = SEED };
    rtc_env_t env = { .ctx = &f, .now = f_now, .set_timer = f_set_timer, .send = f_send,
                      .random = f_random };
    char err[256];
    rtc_status_t st = RTC_OK;
    ck_assert_ptr_null(rtc_media_new(&env, &o, NULL, &st, err, sizeof err));
    ck_assert_int_eq(st, RTC_ERR_INVALID);
    ck_assert_msg(strstr(err, "codecs[2]: payload-id 128 outside 0-127"), "%s", err);
    o.codecs[1].pt = 8;
    ck_assert_ptr_null(rtc_media_new(&env, &o, NULL, &st, err, sizeof err));
    ck_assert_msg(strstr(err, "codecs[2]: payload-id 8 used twice"), "%s", err);
    o.codecs[1].pt = 9;
    o.codecs[1].kind = (rtc_kind_t)7;
    ck_assert_ptr_null(rtc_media_new(&env, &o, NULL, &st, err, sizeof err));
    ck_assert_msg(strstr(err, "codecs[2]: kind must be audio, video or dtmf"), "%s", err);
    o.codecs[1].kind = RTC_KIND_AUDIO;
    o.nextmap = 2;
    o.extmap[0] = (rtc_extmap_t){ 1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level" };
    o.extmap[1] = (rtc_extmap_t){ 1, "urn:x-track-id" };
    ck_assert_ptr_null(rtc_media_new(&env, &o, NULL, &st, err, sizeof err));
    ck_assert_msg(strstr(err, "extmap id 1 used twice"), "%s", err);
    o.extmap[1].id = 0;
    ck_assert_ptr_null(rtc_media_new(&env, &o, NULL, &st, err, sizeof err));
    ck_assert_msg(strstr(err, "extmap 'urn:x-track-id': id 0"), "%s", err);
    o.extmap[1].id = 2;
    rtc_media_t *m = rtc_media_new(&env, &o, NULL, &st, err, sizeof err);
    ck_assert_msg(m, "%s", err);
    /* a session with no video codec refuses a video track, naming it */
    fx_t y;
    memset(&y, 0, sizeof y);
    y.m = m;
    rtc_local_track_t t = { .id = "cam", .kind = RTC_KIND_VIDEO };
    rtc_local_stream_t s = { .id = "s", .ntracks = 1, .tracks = &t };
    REFUSED(rtc_media_add_stream(m, &s, y.err, sizeof y.err), &y, "track 'cam': the session's codecs have no video codec");
    rtc_media_free(m);
}
END_TEST

/* ---- local streams -------------------------------------------------------- */

START_TEST(add_stream_describes_tracks)
{
    rtc_media_options_t o;
    memset(&o, 0, sizeof o);
    o.attrs = (rtc_media_attrs_t){ 640, 480 };
    fx_t x;
    fx_init(&x, &o);
    add_av(&x, "s1", "a1", "v1");
    add_av(&x, "s2", "a2", "v2");
    rtc_track_desc_t d[4];
    ck_assert_uint_eq(rtc_media_local_description(x.m, NULL, d, 4), 4);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_str_eq(d[i].msid, i < 2 ? "s1" : "s2");
        for (size_t j = 0; j < i; j++)
            ck_assert_uint_ne(d[i].ssrc, d[j].ssrc);
        /* mediaAttributes go to video tracks only (D60) */
        ck_assert_uint_eq(d[i].attrs.video_max_width, d[i].kind == RTC_KIND_VIDEO ? 640 : 0);
        ck_assert_uint_eq(!!(d[i].given & RTC_TD_ATTRS), d[i].kind == RTC_KIND_VIDEO);
    }
    ck_assert_str_eq(d[0].id, "a1");
    ck_assert_str_eq(d[3].id, "v2");
    const char *ids[4];
    ck_assert_uint_eq(rtc_media_sending_streams(x.m, ids, 4), 2);
    ck_assert_str_eq(ids[0], "s1");
    ck_assert_uint_eq(rtc_media_stream_tracks(x.m, "s2", false, ids, 4), 2);
    ck_assert_str_eq(ids[1], "v2");

    /* refusals, and no change */
    rtc_local_track_t t[2] = { { .id = "a1", .kind = RTC_KIND_AUDIO }, { .id = "z", .kind = RTC_KIND_AUDIO } };
    rtc_local_stream_t s = { .id = "s3", .ntracks = 2, .tracks = t };
    REFUSED(rtc_media_add_stream(x.m, &s, x.err, sizeof x.err), &x, "track 'a1' is in a stream added already");
    snprintf(t[0].id, sizeof t[0].id, "z");
    REFUSED(rtc_media_add_stream(x.m, &s, x.err, sizeof x.err), &x, "track 'z' given twice");
    t[0].id[0] = '\0';
    REFUSED(rtc_media_add_stream(x.m, &s, x.err, sizeof x.err), &x, "track 1 has no id");
    snprintf(t[0].id, sizeof t[0].id, "y");
    snprintf(s.id, sizeof s.id, "s1");
    REFUSED(rtc_media_add_stream(x.m, &s, x.err, sizeof x.err), &x, "stream 's1' was added already");
    s.id[0] = '\0';
    REFUSED(rtc_media_add_stream(x.m, &s, x.err, sizeof x.err), &x, "the stream has no id");
    ck_assert_uint_eq(rtc_media_local_description(x.m, NULL, d, 4), 4);

    REFUSED(rtc_media_send_track(x.m, "nope", true, x.err, sizeof x.err), &x, "no local track 'nope'");
    REFUSED(rtc_media_send_stream(x.m, "nope", true, x.err, sizeof x.err), &x, "no local stream 'nope'");
    REFUSED(rtc_media_remove_stream(x.m, "nope", x.err, sizeof x.err), &x, "no local stream 'nope'");
    OK(rtc_media_remove_stream(x.m, "s1", x.err, sizeof x.err), &x);
    char ids_s[256];
    ck_assert_uint_eq(local_ids(x.m, NULL, ids_s, sizeof ids_s), 2);
    ck_assert_str_eq(ids_s, "a2,v2");
    /* local media makes no remote events */
    EVENTS(x.m, "");
    fx_done(&x);
}
END_TEST

/* ---- the remote description ----------------------------------------------- */

START_TEST(remote_full_mode)
{
    fx_t x;
    fx_init(&x, NULL);
    rtc_track_desc_t d[3] = { td("a1", RTC_KIND_AUDIO, 11, "s1"), td("v1", RTC_KIND_VIDEO, 12, "s1"),
                              td("a2", RTC_KIND_AUDIO, 21, "s2") };
    int sets = x.f.timer_sets;
    OK(rtc_media_set_remote_description(x.m, d, 3, false, x.err, sizeof x.err), &x);
    /* the events are for the environment to pull: the timer at now */
    ck_assert_int_gt(x.f.timer_sets, sets);
    ck_assert_uint_eq(x.f.timer_at, x.f.now);
    EVENTS(x.m, "add-stream s1, add-track s1/a1, add-track s1/v1, add-stream s2, add-track s2/a2");
    char ids[256];
    ck_assert_uint_eq(remote_ids(x.m, NULL, ids, sizeof ids), 3);
    ck_assert_str_eq(ids, "a1,v1,a2");
    const char *ms[4];
    ck_assert_uint_eq(rtc_media_receiving_streams(x.m, ms, 4), 2);
    ck_assert_str_eq(ms[1], "s2");
    /* full mode replaces: v1 and s2's a2 go (v1 first, in the
     * collection's order), a3 comes in s1 */
    rtc_track_desc_t e[2] = { td("a1", RTC_KIND_AUDIO, 11, "s1"), td("a3", RTC_KIND_AUDIO, 31, "s1") };
    OK(rtc_media_set_remote_description(x.m, e, 2, false, x.err, sizeof x.err), &x);
    EVENTS(x.m, "remove-track s1/v1, remove-track s2/a2, remove-stream s2, add-track s1/a3");
    ck_assert_uint_eq(remote_ids(x.m, NULL, ids, sizeof ids), 2);
    ck_assert_str_eq(ids, "a1,a3");
    /* a track whose msid changes is removed and added again (D61) */
    e[1] = td("a3", RTC_KIND_AUDIO, 31, "s9");
    OK(rtc_media_set_remote_description(x.m, e, 2, false, x.err, sizeof x.err), &x);
    EVENTS(x.m, "remove-track s1/a3, add-stream s9, add-track s9/a3");
    /* an empty full description removes everything */
    OK(rtc_media_set_remote_description(x.m, NULL, 0, false, x.err, sizeof x.err), &x);
    EVENTS(x.m, "remove-track s1/a1, remove-stream s1, remove-track s9/a3, remove-stream s9");
    ck_assert_uint_eq(rtc_media_receiving_streams(x.m, ms, 4), 0);
    fx_done(&x);
}
END_TEST

START_TEST(remote_incremental_and_delete)
{
    fx_t x;
    fx_init(&x, NULL);
    rtc_track_desc_t d[2] = { td("a1", RTC_KIND_AUDIO, 11, "s1"), td("v1", RTC_KIND_VIDEO, 12, "s1") };
    OK(rtc_media_set_remote_description(x.m, d, 2, true, x.err, sizeof x.err), &x);
    EVENTS(x.m, "add-stream s1, add-track s1/a1, add-track s1/v1");
    /* incremental: only the keys given change; the rest stays */
    rtc_track_desc_t c;
    memset(&c, 0, sizeof c);
    c.given = RTC_TD_ID | RTC_TD_CODECS;
    snprintf(c.id, sizeof c.id, "a1");
    c.ncodecs = 2;
    c.codecs[0] = (rtc_codec_t){ .pt = 0, .kind = RTC_KIND_AUDIO, .name = "PCMU", .clock_rate = 8000 };
    c.codecs[1] = (rtc_codec_t){ .pt = 8, .kind = RTC_KIND_AUDIO, .name = "PCMA", .clock_rate = 8000 };
    OK(rtc_media_set_remote_description(x.m, &c, 1, true, x.err, sizeof x.err), &x);
    EVENTS(x.m, "");
    rtc_track_desc_t out[4];
    rtc_desc_filter_t f = { .msid = "s1" };
    ck_assert_uint_eq(rtc_media_remote_description(x.m, &f, out, 4), 2);
    ck_assert_str_eq(out[0].id, "a1");
    ck_assert_uint_eq(out[0].ssrc, 11);
    ck_assert_uint_eq(out[0].ncodecs, 2);
    ck_assert_uint_eq(out[0].codecs[1].pt, 8);
    ck_assert_uint_eq(out[1].codecs[0].pt, 96);
    /* a new stream's track, incremental: the others stay */
    rtc_track_desc_t a2 = td("a2", RTC_KIND_AUDIO, 21, "s2");
    OK(rtc_media_set_remote_description(x.m, &a2, 1, true, x.err, sizeof x.err), &x);
    EVENTS(x.m, "add-stream s2, add-track s2/a2");
    /* the spec's example: { [id] = { delete = true } } */
    rtc_track_desc_t del;
    memset(&del, 0, sizeof del);
    del.given = RTC_TD_ID | RTC_TD_DELETE;
    del.del = true;
    snprintf(del.id, sizeof del.id, "a1");
    OK(rtc_media_set_remote_description(x.m, &del, 1, true, x.err, sizeof x.err), &x);
    EVENTS(x.m, "remove-track s1/a1");
    snprintf(del.id, sizeof del.id, "v1");
    OK(rtc_media_set_remote_description(x.m, &del, 1, true, x.err, sizeof x.err), &x);
    EVENTS(x.m, "remove-track s1/v1, remove-stream s1");
    char ids[64];
    ck_assert_uint_eq(remote_ids(x.m, NULL, ids, sizeof ids), 1);
    ck_assert_str_eq(ids, "a2");
    fx_done(&x);
}
END_TEST

/* Each bad description is refused with an error naming the track and
 * the field, and changes nothing (the collection and no events). */
START_TEST(remote_bad_input)
{
    fx_t x;
    fx_init(&x, NULL);
    fx_conns(&x);
    rtc_track_desc_t base[2] = { td("a1", RTC_KIND_AUDIO, 11, "s1"), td("v1", RTC_KIND_VIDEO, 12, "s1") };
    OK(rtc_media_set_remote_description(x.m, base, 2, false, x.err, sizeof x.err), &x);
    events(x.m);
    static const struct { int what; bool inc; const char *want; } cases[] = {
        { 0, false, "track 2: missing 'id'" },
        { 1, false, "track 'b': missing 'kind'" },
        { 2, false, "track 'b': missing 'ssrc'" },
        { 3, false, "track 'b': missing 'msid'" },
        { 4, false, "track 'b': id given twice" },
        { 5, false, "track 'b': ssrc 11 is track 'a1''s too" },
        { 6, true,  "track 'b': ssrc 12 is track 'v1''s too" },
        { 7, false, "track 'b': connection-id 'nope' is not one of the session's connections" },
        { 8, false, "track 'b': codecs[1]: payload-id 128 outside 0-127" },
        { 9, false, "track 'b': codecs[2]: payload-id 111 used twice" },
        { 10, false, "track 'b': kind must be audio, video or dtmf" },
        { 11, false, "track 'b': 'delete' is for incremental mode" },
        { 12, true, "track 'b': 'delete' of a track the remote description does not have" },
        { 13, true, "track 'b': missing 'ssrc'" },      /* a new track needs all four */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rtc_track_desc_t d[2] = { td("a1", RTC_KIND_AUDIO, 11, "s1"), td("b", RTC_KIND_AUDIO, 99, "s2") };
        size_t n = 2;
        switch (cases[i].what) {
        case 0: d[1].given &= ~(unsigned)RTC_TD_ID; d[1].id[0] = '\0'; break;
        case 1: d[1].given &= ~(unsigned)RTC_TD_KIND; break;
        case 2: d[1].given &= ~(unsigned)RTC_TD_SSRC; break;
        case 3: d[1].given &= ~(unsigned)RTC_TD_MSID; break;
        case 4: snprintf(d[0].id, sizeof d[0].id, "b"); break;
        case 5: d[1].ssrc = 11; break;
        case 6: d[0] = d[1]; d[0].ssrc = 12; n = 1; break;
        case 7: d[1].given |= RTC_TD_CONNECTION; snprintf(d[1].connection_id, sizeof d[1].connection_id, "nope"); break;
        case 8: d[1].codecs[0].pt = 128; break;
        case 9: d[1].ncodecs = 2; d[1].codecs[1] = d[1].codecs[0]; break;
        case 10: d[1].kind = (rtc_kind_t)3; break;
        case 11: case 12: d[1].given = RTC_TD_ID | RTC_TD_DELETE; d[1].del = true; break;
        case 13: d[0] = d[1]; d[0].given &= ~(unsigned)RTC_TD_SSRC; n = 1; break;
        }
        x.err[0] = '\0';
        int r = rtc_media_set_remote_description(x.m, d, n, cases[i].inc, x.err, sizeof x.err);
        ck_assert_msg(r == RTC_ERR_INVALID, "case %zu accepted", i);
        ck_assert_msg(strstr(x.err, cases[i].want), "case %zu: '%s' does not say '%s'", i, x.err, cases[i].want);
        ck_assert_msg(strncmp(x.err, "setRemoteDescription: ", 22) == 0, "case %zu: %s", i, x.err);
        char ids[64];
        ck_assert_uint_eq(remote_ids(x.m, NULL, ids, sizeof ids), 2);
        ck_assert_str_eq(ids, "a1,v1");
        EVENTS(x.m, "");
    }
    /* the same with a known connection-id goes through */
    rtc_track_desc_t ok = td("b", RTC_KIND_AUDIO, 99, "s2");
    ok.given |= RTC_TD_CONNECTION;
    snprintf(ok.connection_id, sizeof ok.connection_id, "%s", rtc_connection_id(x.c2));
    OK(rtc_media_set_remote_description(x.m, &ok, 1, true, x.err, sizeof x.err), &x);
    EVENTS(x.m, "add-stream s2, add-track s2/b");
    fx_done(&x);
}
END_TEST

START_TEST(filters)
{
    fx_t x;
    fx_init(&x, NULL);
    fx_conns(&x);
    rtc_track_desc_t d[3] = { td("a1", RTC_KIND_AUDIO, 11, "s1"), td("v1", RTC_KIND_VIDEO, 12, "s1"),
                              td("a2", RTC_KIND_AUDIO, 21, "s2") };
    d[1].given |= RTC_TD_CONNECTION;
    snprintf(d[1].connection_id, sizeof d[1].connection_id, "%s", rtc_connection_id(x.c2));
    OK(rtc_media_set_remote_description(x.m, d, 3, false, x.err, sizeof x.err), &x);
    char ids[128];
    rtc_desc_filter_t f = { .msid = "s1" };
    ck_assert_uint_eq(remote_ids(x.m, &f, ids, sizeof ids), 2);
    ck_assert_str_eq(ids, "a1,v1");
    /* D68: a track without connection-id is on the first connection */
    f = (rtc_desc_filter_t){ .connection_id = rtc_connection_id(x.c1) };
    ck_assert_uint_eq(remote_ids(x.m, &f, ids, sizeof ids), 2);
    ck_assert_str_eq(ids, "a1,a2");
    f = (rtc_desc_filter_t){ .msid = "s1", .connection_id = rtc_connection_id(x.c2) };
    ck_assert_uint_eq(remote_ids(x.m, &f, ids, sizeof ids), 1);
    ck_assert_str_eq(ids, "v1");
    f = (rtc_desc_filter_t){ .msid = "s3" };
    ck_assert_uint_eq(remote_ids(x.m, &f, ids, sizeof ids), 0);
    f = (rtc_desc_filter_t){ .msid = "" };
    ck_assert_uint_eq(remote_ids(x.m, &f, ids, sizeof ids), 3);

    add_av(&x, "L1", "la", "lv");
    add_av(&x, "L2", "lb", "lw");
    rtc_track_desc_t p;
    memset(&p, 0, sizeof p);
    p.given = RTC_TD_CONNECTION;
    snprintf(p.connection_id, sizeof p.connection_id, "%s", rtc_connection_id(x.c2));
    OK(rtc_media_set_track_properties(x.m, "lw", &p, x.err, sizeof x.err), &x);
    f = (rtc_desc_filter_t){ .connection_id = rtc_connection_id(x.c2) };
    ck_assert_uint_eq(local_ids(x.m, &f, ids, sizeof ids), 1);
    ck_assert_str_eq(ids, "lw");
    f = (rtc_desc_filter_t){ .msid = "L2" };
    ck_assert_uint_eq(local_ids(x.m, &f, ids, sizeof ids), 2);
    ck_assert_str_eq(ids, "lb,lw");
    f = (rtc_desc_filter_t){ .msid = "L2", .connection_id = rtc_connection_id(x.c1) };
    ck_assert_uint_eq(local_ids(x.m, &f, ids, sizeof ids), 1);
    ck_assert_str_eq(ids, "lb");
    fx_done(&x);
}
END_TEST

START_TEST(set_track_properties)
{
    rtc_media_options_t o;
    memset(&o, 0, sizeof o);
    o.nextmap = 1;
    o.extmap[0] = (rtc_extmap_t){ 1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level" };
    fx_t x;
    fx_init(&x, &o);
    fx_conns(&x);
    add_av(&x, "s", "a", "v");
    rtc_track_desc_t before;
    rtc_media_local_description(x.m, NULL, &before, 1);
    static const struct { unsigned bit; const char *key; } fixed[] = {
        { RTC_TD_ID, "id" }, { RTC_TD_KIND, "kind" }, { RTC_TD_SSRC, "ssrc" }, { RTC_TD_MSID, "msid" },
    };
    for (size_t i = 0; i < 4; i++) {
        rtc_track_desc_t p = td("a", RTC_KIND_AUDIO, 5, "s");
        p.given = fixed[i].bit | RTC_TD_CODECS;
        char want[96];
        snprintf(want, sizeof want, "setTrackProperties: the key '%s' cannot be changed", fixed[i].key);
        REFUSED(rtc_media_set_track_properties(x.m, "a", &p, x.err, sizeof x.err), &x, want);
    }
    rtc_track_desc_t p;
    memset(&p, 0, sizeof p);
    p.given = RTC_TD_EXTS;
    p.nexts = 1;
    snprintf(p.exts[0].name, sizeof p.exts[0].name, "urn:x-track-id");
    p.exts[0].len = 2;
    REFUSED(rtc_media_set_track_properties(x.m, "a", &p, x.err, sizeof x.err), &x,
            "rtpExtHeaders 'urn:x-track-id' has no id in the session's extmap");
    p.given = RTC_TD_CODECS;
    p.ncodecs = 1;
    p.codecs[0] = (rtc_codec_t){ .pt = 200, .kind = RTC_KIND_AUDIO, .name = "PCMA" };
    REFUSED(rtc_media_set_track_properties(x.m, "a", &p, x.err, sizeof x.err), &x,
            "track 'a': codecs[1]: payload-id 200 outside 0-127");
    p.codecs[0].kind = RTC_KIND_VIDEO;
    p.codecs[0].pt = 97;
    REFUSED(rtc_media_set_track_properties(x.m, "a", &p, x.err, sizeof x.err), &x,
            "track 'a': codecs: no audio codec");
    p.given = RTC_TD_CONNECTION;
    snprintf(p.connection_id, sizeof p.connection_id, "nope");
    REFUSED(rtc_media_set_track_properties(x.m, "a", &p, x.err, sizeof x.err), &x,
            "connection-id 'nope' is not one of the session's connections");
    REFUSED(rtc_media_set_track_properties(x.m, "zz", &p, x.err, sizeof x.err), &x, "no local track 'zz'");
    rtc_track_desc_t now;
    rtc_media_local_description(x.m, NULL, &now, 1);
    ck_assert_mem_eq(&now, &before, sizeof now);

    /* applied: codecs, rtpExtHeaders, mediaAttributes; getLocalDescription shows them */
    memset(&p, 0, sizeof p);
    p.given = RTC_TD_CODECS | RTC_TD_EXTS | RTC_TD_ATTRS;
    p.ncodecs = 1;
    p.codecs[0] = (rtc_codec_t){ .pt = 8, .kind = RTC_KIND_AUDIO, .name = "PCMA", .clock_rate = 8000 };
    p.nexts = 1;
    snprintf(p.exts[0].name, sizeof p.exts[0].name, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    p.exts[0].len = 1;
    p.exts[0].value[0] = 0x85;
    p.attrs.video_max_width = 320;
    OK(rtc_media_set_track_properties(x.m, "a", &p, x.err, sizeof x.err), &x);
    rtc_media_local_description(x.m, NULL, &now, 1);
    ck_assert_uint_eq(now.ncodecs, 1);
    ck_assert_str_eq(now.codecs[0].name, "PCMA");
    ck_assert_uint_eq(now.nexts, 1);
    ck_assert_uint_eq(now.exts[0].value[0], 0x85);
    ck_assert(now.given & RTC_TD_EXTS);
    ck_assert_uint_eq(now.attrs.video_max_width, 320);
    ck_assert_uint_eq(now.ssrc, before.ssrc);
    /* a decimal name is its id (D65) */
    snprintf(p.exts[0].name, sizeof p.exts[0].name, "7");
    p.given = RTC_TD_EXTS;
    OK(rtc_media_set_track_properties(x.m, "a", &p, x.err, sizeof x.err), &x);
    fx_done(&x);
}
END_TEST

START_TEST(ssrc_collision_from_description)
{
    fx_t x;
    fx_init(&x, NULL);
    add_av(&x, "s", "a", "v");
    rtc_track_desc_t l[2];
    rtc_media_local_description(x.m, NULL, l, 2);
    /* RFC 3550 s.8.2: the peer describes our audio's SSRC: ours changes */
    rtc_track_desc_t d = td("r", RTC_KIND_AUDIO, l[0].ssrc, "rs");
    OK(rtc_media_set_remote_description(x.m, &d, 1, false, x.err, sizeof x.err), &x);
    rtc_media_event_t ev[4];
    size_t n = 0;
    while (n < 4 && rtc_media_next_event(x.m, &ev[n]))
        n++;
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(ev[2].type, RTC_MEDIA_SSRC_CHANGED);
    ck_assert_str_eq(ev[2].track, "a");
    ck_assert_uint_eq(ev[2].ssrc, l[0].ssrc);
    rtc_track_desc_t after[2];
    rtc_media_local_description(x.m, NULL, after, 2);
    ck_assert_uint_eq(after[0].ssrc, ev[2].new_ssrc);
    ck_assert_uint_ne(after[0].ssrc, l[0].ssrc);
    ck_assert_uint_ne(after[0].ssrc, after[1].ssrc);
    ck_assert_uint_eq(after[1].ssrc, l[1].ssrc);
    fx_done(&x);
}
END_TEST

START_TEST(remove_connection_while_riding)
{
    fx_t x;
    fx_init(&x, NULL);
    fx_conns(&x);
    add_av(&x, "s", "a", "v");
    REFUSED(rtc_media_add_connection(x.m, x.c1, x.err, sizeof x.err), &x, "was added already");
    /* waiting to send on the first connection: it rides */
    OK(rtc_media_send_track(x.m, "v", true, x.err, sizeof x.err), &x);
    REFUSED(rtc_media_remove_connection(x.m, x.c1, x.err, sizeof x.err), &x,
            "local track 'v' rides on connection");
    rtc_connection_t *cs[4];
    ck_assert_uint_eq(rtc_media_connections(x.m, cs, 4), 2);
    OK(rtc_media_send_track(x.m, "v", false, x.err, sizeof x.err), &x);
    /* a remote track described on the second */
    rtc_track_desc_t d = td("r", RTC_KIND_AUDIO, 77, "rs");
    d.given |= RTC_TD_CONNECTION;
    snprintf(d.connection_id, sizeof d.connection_id, "%s", rtc_connection_id(x.c2));
    OK(rtc_media_set_remote_description(x.m, &d, 1, false, x.err, sizeof x.err), &x);
    REFUSED(rtc_media_remove_connection(x.m, x.c2, x.err, sizeof x.err), &x,
            "remote track 'r' rides on connection");
    OK(rtc_media_remove_connection(x.m, x.c1, x.err, sizeof x.err), &x);
    ck_assert_uint_eq(rtc_media_connections(x.m, cs, 4), 1);
    ck_assert_ptr_eq(cs[0], x.c2);
    REFUSED(rtc_media_remove_connection(x.m, x.c1, x.err, sizeof x.err), &x, "not one of the session's");
    fx_done(&x);
}
END_TEST

START_TEST(close_refuses_all_but_getters)
{
    fx_t x;
    fx_init(&x, NULL);
    fx_conns(&x);
    add_av(&x, "s", "a", "v");
    rtc_track_desc_t d = td("r", RTC_KIND_AUDIO, 77, "rs");
    OK(rtc_media_set_remote_description(x.m, &d, 1, false, x.err, sizeof x.err), &x);
    OK(rtc_media_close(x.m, x.err, sizeof x.err), &x);
    ck_assert_uint_eq(x.f.timer_at, RTC_TIME_NEVER);
    REFUSED(rtc_media_close(x.m, x.err, sizeof x.err), &x, "closed");
    REFUSED(rtc_media_send_track(x.m, "a", true, x.err, sizeof x.err), &x, "sendTrack: the session is closed");
    REFUSED(rtc_media_send_stream(x.m, "s", true, x.err, sizeof x.err), &x, "closed");
    REFUSED(rtc_media_remove_stream(x.m, "s", x.err, sizeof x.err), &x, "closed");
    REFUSED(rtc_media_set_remote_description(x.m, &d, 1, false, x.err, sizeof x.err), &x, "closed");
    REFUSED(rtc_media_set_track_properties(x.m, "a", &d, x.err, sizeof x.err), &x, "closed");
    REFUSED(rtc_media_add_connection(x.m, x.c1, x.err, sizeof x.err), &x, "closed");
    REFUSED(rtc_media_remove_connection(x.m, x.c1, x.err, sizeof x.err), &x, "closed");
    rtc_local_track_t t = { .id = "z", .kind = RTC_KIND_AUDIO };
    rtc_local_stream_t s = { .id = "z", .ntracks = 1, .tracks = &t };
    REFUSED(rtc_media_add_stream(x.m, &s, x.err, sizeof x.err), &x, "closed");
    /* the getters still answer */
    rtc_track_desc_t out[2];
    ck_assert_uint_eq(rtc_media_local_description(x.m, NULL, out, 2), 2);
    ck_assert_uint_eq(rtc_media_remote_description(x.m, NULL, out, 2), 1);
    rtc_connection_t *cs[2];
    ck_assert_uint_eq(rtc_media_connections(x.m, cs, 2), 0);
    fx_done(&x);
}
END_TEST


/* ---- a call between two simulated hosts --------------------------------- */

#define SIGNAL_DELAY SIM_MS(20)
#define LATENCY      SIM_MS(5)      /* each access link: one way a->b crosses two */

typedef struct peer {
    struct world     *w;
    sim_ice_socket_t *sock;
    rtc_connection_t *conn;
    sim_media_t      *sm;
    struct peer      *other;
    char              log[8192];    /* "t=1.234 track-connected s/a; ..." */
    int               ice_connected, dtls_connected, dtls_failed;
} peer_t;

typedef struct world {
    sim_kernel_t *k;
    sim_net_t    *net;
    sim_host_t   *ha, *hb;
    sim_iface_t  *ia, *ib;
    peer_t        a, b;
    uint64_t      seed;
    /* a tap on b's link: the last SRTP packet a sent, for a replay */
    uint8_t       grabbed[1500];
    size_t        grabbed_len;
    /* datagrams from a seen on b's link after quiet_from (close tests) */
    sim_time_t    quiet_from;
    uint64_t      after_quiet;
} world_t;

typedef struct cmsg {
    peer_t         *to;
    rtc_candidate_t cand;
} cmsg_t;

static void deliver_candidate(void *arg)
{
    cmsg_t *m = arg;
    char err[256];
    ck_assert_msg(rtc_connection_set_remote_candidate(m->to->conn, &m->cand, err, sizeof err) == 0, "%s", err);
    sim_ice_socket_poke(m->to->sock);
    free(m);
}

static void on_ice(void *arg, rtc_connection_t *c, const rtc_ice_event_t *ev)
{
    peer_t *p = arg;
    char err[256];
    switch (ev->type) {
    case RTC_ICE_CANDIDATE: {
        ck_assert_msg(rtc_connection_set_local_candidate(c, &ev->local, err, sizeof err) == 0, "%s", err);
        cmsg_t *m = malloc(sizeof *m);
        m->to = p->other;
        m->cand = ev->local;
        sim_after(p->w->k, SIGNAL_DELAY, deliver_candidate, m);
        break;
    }
    case RTC_ICE_CONNECTED:      p->ice_connected++; break;
    case RTC_ICE_DTLS_CONNECTED: p->dtls_connected++; break;
    case RTC_ICE_DTLS_FAILED:    p->dtls_failed++; break;
    default: break;
    }
}

static void on_media(void *arg, sim_media_t *sm, const rtc_media_event_t *ev)
{
    peer_t *p = arg;
    size_t n = strlen(p->log);
    uint64_t t = sim_now(p->w->k);
    snprintf(p->log + n, sizeof p->log - n, "t=%llu.%03llu %s %s%s%s%s%s; ",
             (unsigned long long)(t / 1000000000), (unsigned long long)(t / 1000000 % 1000),
             ev_short(ev->type), ev->msid, ev->track[0] ? "/" : "", ev->track,
             ev->reason[0] ? ":" : "", ev->reason);
    if (ev->type == RTC_MEDIA_DTMF_TONE || ev->type == RTC_MEDIA_DTMF_SENT) {
        n = strlen(p->log);
        snprintf(p->log + n, sizeof p->log - n, "digit=%c dur=%u units=%u ended=%d; ", ev->digit,
                 ev->duration_ms, ev->duration_units, ev->ended);
    }
    if (ev->type == RTC_MEDIA_UNKNOWN_TRACK) {
        n = strlen(p->log);
        snprintf(p->log + n, sizeof p->log - n, "ssrc=%u exts=%zu%s%s; ", ev->ssrc, ev->nexts,
                 ev->nexts ? " " : "", ev->nexts ? ev->exts[0].name : "");
    }
}

/* The time (ns) of the first log entry that contains what, or UINT64_MAX. */
static uint64_t log_at(const peer_t *p, const char *what)
{
    const char *s = strstr(p->log, what);
    if (!s)
        return UINT64_MAX;
    while (s > p->log && !(s[0] == 't' && s[1] == '='))
        s--;
    unsigned long long sec = 0, ms = 0;
    sscanf(s, "t=%llu.%llu", &sec, &ms);
    return sec * 1000000000ull + ms * 1000000ull;
}

static int log_count(const peer_t *p, const char *what)
{
    int n = 0;
    for (const char *s = strstr(p->log, what); s; s = strstr(s + 1, what))
        n++;
    return n;
}

static void grab(void *arg, sim_time_t t, const sim_pkt_t *pk)
{
    world_t *w = arg;
    if (pk->src_ip == 0x0a000001 && w->quiet_from && t > w->quiet_from)
        w->after_quiet++;
    /* an SRTP packet (RFC 7983: 128-191, not RTCP) from a to b */
    if (pk->src_ip == 0x0a000001 && pk->len > 12 && pk->len <= sizeof w->grabbed &&
        pk->data[0] >= 128 && pk->data[0] <= 191 && !(pk->data[1] >= 192 && pk->data[1] <= 223)) {
        memcpy(w->grabbed, pk->data, pk->len);
        w->grabbed_len = pk->len;
    }
}

static void call_init(world_t *w, uint64_t seed, const rtc_media_options_t *o)
{
    char err[256];
    memset(w, 0, sizeof *w);
    w->seed = seed;
    w->k = sim_kernel_new(seed);
    sim_vdet_bind(w->k);
    w->net = sim_net_new(w->k, NULL);
    sim_link_params_t lp;
    sim_link_params_default(&lp);
    lp.latency = LATENCY;
    sim_subnet_t *lan = sim_subnet_new(w->net, "lan", 0x0a000000, 24, &lp, NULL, err, sizeof err);
    w->ha = sim_host_new(w->net, "a", err, sizeof err);
    w->hb = sim_host_new(w->net, "b", err, sizeof err);
    w->ia = sim_iface_new(w->ha, "eth0", lan, 0x0a000001, NULL, err, sizeof err);
    w->ib = sim_iface_new(w->hb, "eth0", lan, 0x0a000002, NULL, err, sizeof err);
    ck_assert_msg(w->ia && w->ib, "%s", err);
    sim_link_add_tap(sim_iface_link(w->ib), grab, w);
    w->a.w = w->b.w = w;
    w->a.other = &w->b;
    w->b.other = &w->a;
    w->a.sock = sim_ice_socket_new(w->ha, NULL, NULL, 0, NULL, 0, on_ice, &w->a, err, sizeof err);
    w->b.sock = sim_ice_socket_new(w->hb, NULL, NULL, 0, NULL, 0, on_ice, &w->b, err, sizeof err);
    ck_assert_msg(w->a.sock && w->b.sock, "%s", err);
    w->a.sm = sim_media_new(w->ha, NULL, o, on_media, &w->a, err, sizeof err);
    w->b.sm = sim_media_new(w->hb, NULL, o, on_media, &w->b, err, sizeof err);
    ck_assert_msg(w->a.sm && w->b.sm, "%s", err);
    /* offer, answer; both sessions take their connection before ICE runs */
    w->a.conn = sim_ice_connection_new(w->a.sock, NULL, NULL, err, sizeof err);
    ck_assert_msg(w->a.conn, "%s", err);
    ck_assert_msg(rtc_media_add_connection(sim_media_handle(w->a.sm), w->a.conn, err, sizeof err) == 0, "%s", err);
    rtc_conn_desc_t offer, answer;
    rtc_connection_local_description(w->a.conn, &offer);
    w->b.conn = sim_ice_connection_new(w->b.sock, &offer, NULL, err, sizeof err);
    ck_assert_msg(w->b.conn, "%s", err);
    ck_assert_msg(rtc_media_add_connection(sim_media_handle(w->b.sm), w->b.conn, err, sizeof err) == 0, "%s", err);
    rtc_connection_local_description(w->b.conn, &answer);
    ck_assert_msg(rtc_connection_set_remote_description(w->a.conn, &answer, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(rtc_connection_connect(w->a.conn, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(rtc_connection_connect(w->b.conn, err, sizeof err) == 0, "%s", err);
    sim_ice_socket_poke(w->a.sock);
    sim_ice_socket_poke(w->b.sock);
}

static void call_free(world_t *w)
{
    sim_media_free(w->a.sm);
    sim_media_free(w->b.sm);
    sim_ice_socket_free(w->a.sock);
    sim_ice_socket_free(w->b.sock);
    sim_vdet_bind(NULL);
    sim_net_free(w->net);
    sim_kernel_free(w->k);
}

static rtc_media_t *M(peer_t *p) { return sim_media_handle(p->sm); }

/* p adds a stream <msid> with an audio and a video track and sends it. */
static void send_av(peer_t *p, const char *msid, const char *a, const char *v)
{
    char err[256];
    rtc_local_track_t t[2];
    memset(t, 0, sizeof t);
    snprintf(t[0].id, sizeof t[0].id, "%s", a);
    t[0].kind = RTC_KIND_AUDIO;
    snprintf(t[1].id, sizeof t[1].id, "%s", v);
    t[1].kind = RTC_KIND_VIDEO;
    t[1].bitrate = 300000;      /* keeps the suite quick; the rate is the source's business */
    rtc_local_stream_t s = { .ntracks = 2, .tracks = t };
    snprintf(s.id, sizeof s.id, "%s", msid);
    ck_assert_msg(rtc_media_add_stream(M(p), &s, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(rtc_media_send_stream(M(p), msid, true, err, sizeof err) == 0, "%s", err);
}

/* from's local description becomes to's remote one (signalling, at once) */
static void signal_desc(peer_t *from, peer_t *to)
{
    char err[256];
    rtc_track_desc_t d[8];
    size_t n = rtc_media_local_description(M(from), NULL, d, 8);
    ck_assert_msg(rtc_media_set_remote_description(M(to), d, n, false, err, sizeof err) == 0, "%s", err);
}

static rtc_track_stats_t tstats(peer_t *p, const char *id, bool remote)
{
    rtc_track_stats_t st;
    ck_assert_msg(rtc_media_track_stats(M(p), id, remote, &st), "no track %s", id);
    return st;
}

static rtc_media_stats_t mstats(peer_t *p)
{
    rtc_media_stats_t st;
    rtc_media_stats(M(p), &st);
    return st;
}

START_TEST(call_on_a_lan)
{
    world_t w;
    call_init(&w, 11, NULL);
    send_av(&w.a, "sa", "aa", "va");
    send_av(&w.b, "sb", "ab", "vb");
    signal_desc(&w.a, &w.b);
    signal_desc(&w.b, &w.a);
    sim_run_until(w.k, SIM_SEC(12));
    ck_assert_int_eq(w.a.dtls_connected, 1);
    ck_assert_int_eq(w.b.dtls_connected, 1);
    for (int i = 0; i < 2; i++) {
        peer_t *p = i ? &w.b : &w.a;
        const char *ms = i ? "sa" : "sb", *au = i ? "aa" : "ab", *vi = i ? "va" : "vb";
        char want[64];
        snprintf(want, sizeof want, "add-stream %s;", ms);
        ck_assert_msg(log_count(p, want) == 1, "seed %llu: %s", (unsigned long long)w.seed, p->log);
        snprintf(want, sizeof want, "track-connected %s/%s;", ms, au);
        uint64_t ta = log_at(p, want);
        snprintf(want, sizeof want, "track-connected %s/%s;", ms, vi);
        uint64_t tv = log_at(p, want);
        snprintf(want, sizeof want, "stream-connected %s;", ms);
        uint64_t ts = log_at(p, want);
        ck_assert_msg(ta != UINT64_MAX && tv != UINT64_MAX && ts != UINT64_MAX, "%s", p->log);
        ck_assert_int_eq(log_count(p, want), 1);
        ck_assert_int_eq(log_count(p, "disconnected"), 0);
        /* the stream connects with its first track, not before */
        ck_assert_uint_ge(ts, ta < tv ? ta : tv);
        rtc_track_stats_t ra = tstats(p, au, true);
        /* audio, 50 packets a second from DTLS up (well under 1 s here)
         * to 12 s: at least 11 s worth, at most 12 s */
        ck_assert_msg(ra.packets >= 550 && ra.packets <= 601, "%llu audio packets", (unsigned long long)ra.packets);
        ck_assert(ra.connected);
        ck_assert_int_eq(ra.lost, 0);
        rtc_track_stats_t la = tstats(p->other, au, false);
        /* all arrived but what is on the way: the path's 10 ms is half
         * an audio packet time, so at most one */
        ck_assert_uint_le(la.packets - ra.packets, 1);
        /* the peer's RR/SR blocks about our audio: nothing lost; RTT of
         * s.6.4.1 is the path's 2 x (2 x 5 ms), to the 1/65536 s of
         * LSR/DLSR (two roundings: 31 us) */
        ck_assert(la.have_report);
        ck_assert_int_eq(la.cumulative_lost, 0);
        ck_assert_uint_eq(la.fraction_lost, 0);
        ck_assert_msg(la.rtt_us >= 20000 - 31 && la.rtt_us <= 20000 + 31, "rtt %u us", la.rtt_us);
        ck_assert_uint_ge(la.srs, 1);
        rtc_media_stats_t ms_ = mstats(p);
        for (int d = 0; d < RTC_DROP__COUNT; d++)
            ck_assert_msg(ms_.dropped[d] == 0, "%s: %llu", rtc_media_drop_name(d), (unsigned long long)ms_.dropped[d]);
        ck_assert_uint_ge(ms_.rtcp_received, 2);
        ck_assert_uint_eq(ms_.unsent, 0);
    }
    call_free(&w);
}
END_TEST

/* 5% Bernoulli loss on b's access link, both ways, after the call is up:
 * what b's receiver reports about a's audio. Audio is 50 packets/s, so 60 s
 * give n = 3000 packets; lost ~ Binomial(n, 0.05): mean 150, sd
 * sqrt(3000 x 0.05 x 0.95) = 11.9; 5 sd either side is [90, 210], i.e.
 * 3% to 7% of what was expected. One report interval (5 s at most, 250
 * packets) has sd 1.4% of fraction lost: the last report's fraction is
 * within 5% + 5 sd = 12% (31/256). */
START_TEST(rr_fraction_lost_under_loss)
{
    for (uint64_t seed = 21; seed < 24; seed++) {
        world_t w;
        call_init(&w, seed, NULL);
        send_av(&w.a, "sa", "aa", "va");
        signal_desc(&w.a, &w.b);
        sim_run_until(w.k, SIM_SEC(3));
        sim_link_params_t lp;
        sim_link_get_params(sim_iface_link(w.ib), 0, &lp);
        lp.loss = 0.05;
        sim_link_set_params(sim_iface_link(w.ib), -1, &lp);
        rtc_track_stats_t r0 = tstats(&w.b, "aa", true);
        sim_run_until(w.k, SIM_SEC(63));
        rtc_track_stats_t r1 = tstats(&w.b, "aa", true);
        uint32_t expected = r1.expected - r0.expected;
        int32_t lost = r1.lost - r0.lost;
        ck_assert_msg(expected >= 2990 && expected <= 3010, "seed %llu: expected %u", (unsigned long long)seed, expected);
        ck_assert_msg(lost >= 90 && lost <= 210, "seed %llu: lost %d of %u", (unsigned long long)seed, lost, expected);
        rtc_track_stats_t la = tstats(&w.a, "aa", false);
        ck_assert(la.have_report);
        ck_assert_msg(la.fraction_lost <= 31, "seed %llu: fraction %u/256", (unsigned long long)seed, la.fraction_lost);
        /* the cumulative count the peer reports is the receiver's own, up
         * to the packets since its last report (5 s at most: 250, at 5%
         * loss ~12, say 40 to be 5 sd safe) */
        ck_assert_msg(la.cumulative_lost <= r1.lost && la.cumulative_lost + 40 >= r1.lost,
                      "seed %llu: reported %d, measured %d", (unsigned long long)seed, la.cumulative_lost, r1.lost);
        ck_assert_int_eq(log_count(&w.b, "disconnected"), 0);
        call_free(&w);
    }
}
END_TEST

/* sendTrack(false): BYE, the peer's track disconnects ("bye"), the stream
 * stays (its video is still connected); sendTrack(true): it connects again
 * (D66); removeStream: BYE for the rest, and the stream disconnects. */
START_TEST(bye_then_resume_then_remove)
{
    world_t w;
    char err[256];
    call_init(&w, 31, NULL);
    send_av(&w.a, "sa", "aa", "va");
    signal_desc(&w.a, &w.b);
    sim_run_until(w.k, SIM_SEC(3));
    ck_assert_int_eq(log_count(&w.b, "stream-connected sa;"), 1);
    ck_assert_int_eq(rtc_media_send_track(M(&w.a), "aa", false, err, sizeof err), 0);
    sim_run_until(w.k, SIM_SEC(4));
    ck_assert_msg(log_count(&w.b, "track-disconnected sa/aa:bye;") == 1, "%s", w.b.log);
    ck_assert_int_eq(log_count(&w.b, "stream-disconnected"), 0);
    ck_assert_uint_eq(tstats(&w.a, "aa", false).byes, 1);
    ck_assert_uint_eq(tstats(&w.b, "aa", true).byes, 1);
    uint64_t before = tstats(&w.b, "aa", true).packets;
    sim_run_until(w.k, SIM_SEC(5));
    ck_assert_uint_eq(tstats(&w.b, "aa", true).packets, before);
    ck_assert_int_eq(rtc_media_send_track(M(&w.a), "aa", true, err, sizeof err), 0);
    sim_run_until(w.k, SIM_SEC(6));
    ck_assert_msg(log_count(&w.b, "track-connected sa/aa;") == 2, "%s", w.b.log);
    /* the receiver saw no loss across the pause: the sequence ran on */
    ck_assert_int_eq(tstats(&w.b, "aa", true).lost, 0);
    ck_assert_int_eq(rtc_media_remove_stream(M(&w.a), "sa", err, sizeof err), 0);
    sim_run_until(w.k, SIM_SEC(7));
    ck_assert_msg(log_count(&w.b, "track-disconnected sa/va:bye;") == 1, "%s", w.b.log);
    ck_assert_msg(log_count(&w.b, "track-disconnected sa/aa:bye;") == 2, "%s", w.b.log);
    ck_assert_msg(log_count(&w.b, "stream-disconnected sa;") == 1, "%s", w.b.log);
    uint64_t sent = mstats(&w.a).rtp_sent;
    sim_run_until(w.k, SIM_SEC(9));
    ck_assert_uint_eq(mstats(&w.a).rtp_sent, sent);
    call_free(&w);
}
END_TEST

/* Total loss from t = 3 s: the tracks disconnect with reason "timeout"
 * 2 x Td after their last packet (D63: Td is the 5 s minimum here, since
 * 5% of ~400 kbit/s is far more than 4 members' RTCP needs), so at
 * 3 s + 10 s, within one packet time (20 ms) and the timer's rounding. */
START_TEST(timeout_under_total_loss)
{
    world_t w;
    call_init(&w, 41, NULL);
    send_av(&w.a, "sa", "aa", "va");
    signal_desc(&w.a, &w.b);
    sim_run_until(w.k, SIM_SEC(3));
    sim_link_params_t lp;
    sim_link_get_params(sim_iface_link(w.ib), 0, &lp);
    lp.loss = 1.0;
    sim_link_set_params(sim_iface_link(w.ib), -1, &lp);
    sim_run_until(w.k, SIM_SEC(20));
    uint64_t t = log_at(&w.b, "track-disconnected sa/aa:timeout;");
    ck_assert_msg(t != UINT64_MAX, "%s", w.b.log);
    ck_assert_msg(t >= SIM_SEC(13) - SIM_MS(40) && t <= SIM_SEC(13) + SIM_MS(20), "at %llu: %s",
                  (unsigned long long)t, w.b.log);
    ck_assert_int_eq(log_count(&w.b, "track-disconnected sa/va:timeout;"), 1);
    ck_assert_int_eq(log_count(&w.b, "stream-disconnected sa;"), 1);
    /* the path comes back: the tracks connect again (D66) */
    lp.loss = 0;
    sim_link_set_params(sim_iface_link(w.ib), -1, &lp);
    sim_run_until(w.k, SIM_SEC(22));
    ck_assert_msg(log_count(&w.b, "stream-connected sa;") == 2, "%s", w.b.log);
    call_free(&w);
}
END_TEST

/* RTP before the description: onunknowntrack once per SSRC, with the audio
 * level extension named by the extmap; then the description comes and the
 * tracks connect on their next RTP. */
START_TEST(unknown_track_then_matched)
{
    rtc_media_options_t o;
    memset(&o, 0, sizeof o);
    o.nextmap = 1;
    o.extmap[0] = (rtc_extmap_t){ 1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level" };
    world_t w;
    char err[256];
    call_init(&w, 51, &o);
    send_av(&w.a, "sa", "aa", "va");
    rtc_track_desc_t p;
    memset(&p, 0, sizeof p);
    p.given = RTC_TD_EXTS;
    p.nexts = 1;
    snprintf(p.exts[0].name, sizeof p.exts[0].name, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    p.exts[0].len = 1;
    p.exts[0].value[0] = 0x80 | 30;     /* RFC 6464: voice, -30 dBov */
    ck_assert_msg(rtc_media_set_track_properties(M(&w.a), "aa", &p, err, sizeof err) == 0, "%s", err);
    sim_run_until(w.k, SIM_SEC(3));
    rtc_track_desc_t la[2];
    rtc_media_local_description(M(&w.a), NULL, la, 2);
    char want[128];
    snprintf(want, sizeof want, "ssrc=%u exts=1 urn:ietf:params:rtp-hdrext:ssrc-audio-level;", la[0].ssrc);
    ck_assert_msg(log_count(&w.b, want) == 1, "%s", w.b.log);
    snprintf(want, sizeof want, "ssrc=%u exts=0;", la[1].ssrc);
    ck_assert_msg(log_count(&w.b, want) == 1, "%s", w.b.log);
    ck_assert_int_eq(log_count(&w.b, "unknown-track"), 2);
    ck_assert_int_eq(log_count(&w.b, "track-connected"), 0);
    signal_desc(&w.a, &w.b);
    sim_run_until(w.k, SIM_SEC(4));
    ck_assert_msg(log_count(&w.b, "add-stream sa;") == 1, "%s", w.b.log);
    ck_assert_msg(log_count(&w.b, "track-connected sa/aa;") == 1, "%s", w.b.log);
    ck_assert_msg(log_count(&w.b, "track-connected sa/va;") == 1, "%s", w.b.log);
    ck_assert_int_eq(log_count(&w.b, "unknown-track"), 2);
    /* its statistics came with it: the packets before the description count */
    ck_assert_uint_ge(tstats(&w.b, "aa", true).expected, 190);
    call_free(&w);
}
END_TEST

/* A forged packet (bad tag) and a replayed one reach b's session through
 * a's connection: dropped and counted, media undisturbed. */
START_TEST(forged_and_replayed_dropped)
{
    world_t w;
    call_init(&w, 61, NULL);
    send_av(&w.a, "sa", "aa", "va");
    signal_desc(&w.a, &w.b);
    sim_run_until(w.k, SIM_SEC(3));
    ck_assert_uint_gt(w.grabbed_len, 12);
    uint8_t forged[1500];
    memcpy(forged, w.grabbed, w.grabbed_len);
    forged[w.grabbed_len - 1] ^= 1;                 /* the tag's last bit */
    forged[3] ^= 0x55;                              /* and another sequence number */
    ck_assert_int_eq(rtc_connection_send_media(w.a.conn, forged, w.grabbed_len, NULL, 0), RTC_SEND_OK);
    ck_assert_int_eq(rtc_connection_send_media(w.a.conn, w.grabbed, w.grabbed_len, NULL, 0), RTC_SEND_OK);
    uint8_t junk[3] = { 0x80, 0x00, 0x01 };         /* too short to be SRTP */
    ck_assert_int_eq(rtc_connection_send_media(w.a.conn, junk, sizeof junk, NULL, 0), RTC_SEND_OK);
    sim_run_until(w.k, SIM_SEC(5));
    rtc_media_stats_t st = mstats(&w.b);
    ck_assert_uint_eq(st.dropped[RTC_DROP_SRTP_AUTH], 1);
    ck_assert_uint_eq(st.dropped[RTC_DROP_SRTP_REPLAY], 1);
    ck_assert_uint_eq(st.dropped[RTC_DROP_SRTP_OTHER] + st.dropped[RTC_DROP_RTP_MALFORMED], 1);
    ck_assert_int_eq(log_count(&w.b, "disconnected"), 0);
    ck_assert_int_eq(tstats(&w.b, "aa", true).lost, 0);
    call_free(&w);
}
END_TEST

/* close(): BYE for every source, nothing sent after, every call refused. */
START_TEST(close_says_bye)
{
    world_t w;
    char err[256];
    call_init(&w, 71, NULL);
    send_av(&w.a, "sa", "aa", "va");
    signal_desc(&w.a, &w.b);
    sim_run_until(w.k, SIM_SEC(3));
    ck_assert_int_eq(rtc_media_close(M(&w.a), err, sizeof err), 0);
    rtc_media_stats_t st = mstats(&w.a);
    sim_run_until(w.k, SIM_SEC(6));
    ck_assert_msg(log_count(&w.b, "track-disconnected sa/aa:bye;") == 1, "%s", w.b.log);
    ck_assert_msg(log_count(&w.b, "track-disconnected sa/va:bye;") == 1, "%s", w.b.log);
    ck_assert_int_eq(log_count(&w.b, "timeout"), 0);
    rtc_media_stats_t st2 = mstats(&w.a);
    ck_assert_uint_eq(st2.rtp_sent, st.rtp_sent);
    ck_assert_uint_eq(st2.rtcp_sent, st.rtcp_sent);
    call_free(&w);
}
END_TEST

/* close() closes the connections too (D75): after the BYE and DTLS's
 * close_notify, which reach b's link within 2 x 5 ms, nothing more
 * leaves a (no consent checks either), nothing a gets is taken, a's
 * connection refuses its methods; b's consent runs out 30 s later
 * (RFC 7675 s.5.1) and b disconnects. */
START_TEST(close_closes_the_connections)
{
    world_t w;
    char err[256];
    call_init(&w, 72, NULL);
    send_av(&w.a, "sa", "aa", "va");
    send_av(&w.b, "sb", "ab", "vb");
    signal_desc(&w.a, &w.b);
    signal_desc(&w.b, &w.a);
    sim_run_until(w.k, SIM_SEC(3));
    ck_assert(rtc_connection_is_connected(w.a.conn) && !rtc_connection_is_closed(w.a.conn));
    ck_assert_int_eq(rtc_media_close(M(&w.a), err, sizeof err), 0);
    ck_assert(rtc_connection_is_closed(w.a.conn));
    w.quiet_from = SIM_SEC(3) + 2 * LATENCY;
    rtc_socket_stats_t before, after;
    rtc_socket_stats(sim_ice_socket_handle(w.a.sock), &before);
    sim_run_until(w.k, SIM_SEC(20));
    ck_assert_uint_eq(w.after_quiet, 0);
    ck_assert(rtc_connection_is_connected(w.b.conn));     /* consent lasts 30 s */
    sim_run_until(w.k, SIM_SEC(40));
    ck_assert_uint_eq(w.after_quiet, 0);
    ck_assert(!rtc_connection_is_connected(w.b.conn));
    /* b went on sending until then: a took none of it */
    rtc_socket_stats(sim_ice_socket_handle(w.a.sock), &after);
    ck_assert_uint_gt(after.ignored[RTC_STUN_NOT_STUN] + after.ignored[RTC_STUN_UNAUTHENTICATED],
                      before.ignored[RTC_STUN_NOT_STUN] + before.ignored[RTC_STUN_UNAUTHENTICATED] + 100);
    ck_assert_int_eq(rtc_connection_connect(w.a.conn, err, sizeof err), RTC_ERR_INVALID);
    ck_assert(strstr(err, "is closed"));
    ck_assert_int_eq(rtc_connection_update(w.a.conn, err, sizeof err), RTC_ERR_INVALID);
    call_free(&w);
}
END_TEST

/* Protect plain with tx and hand it to a's connection (the peer's session
 * sees it as a's). */
static void inject(world_t *w, rtc_srtp_t *tx, const uint8_t *plain, size_t len, bool rtcp)
{
    uint8_t buf[1600];
    memcpy(buf, plain, len);
    size_t n = len;
    rtc_srtp_status_t st = rtcp ? rtc_srtp_protect_rtcp(tx, buf, &n, sizeof buf)
                                : rtc_srtp_protect(tx, buf, &n, sizeof buf);
    ck_assert_msg(st == RTC_SRTP_OK, "protect: %s", rtc_srtp_status_name(st));
    ck_assert_int_eq(rtc_connection_send_media(w->a.conn, buf, n, NULL, 0), RTC_SEND_OK);
}

/* An SRTP context that protects as a does (the test holds a's keys). */
static rtc_srtp_t *a_sender(world_t *w)
{
    const char *prof;
    bool client;
    uint8_t key[128];
    ck_assert_int_eq(rtc_connection_srtp_keys(w->a.conn, &prof, NULL, 0, &client), 0);
    rtc_srtp_profile_t p;
    ck_assert(rtc_srtp_profile_of(prof, &p));
    size_t klen = rtc_srtp_key_material_len(p);
    ck_assert_int_eq(rtc_connection_srtp_keys(w->a.conn, &prof, key, klen, &client), 0);
    rtc_srtp_t *tx;
    ck_assert_int_eq(rtc_srtp_new(p, key, klen, client, &tx), RTC_SRTP_OK);
    return tx;
}

static size_t rtp_plain(uint8_t *out, uint8_t b0, uint8_t pt, uint16_t seq, uint32_t ssrc)
{
    uint8_t h[12] = { b0, pt, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, 0x10, 0, (uint8_t)(ssrc >> 24),
                      (uint8_t)(ssrc >> 16), (uint8_t)(ssrc >> 8), (uint8_t)ssrc };
    memcpy(out, h, 12);
    memset(out + 12, 0x55, 20);
    return 32;
}

/* Well protected (the test holds a's keys) but malformed inside, or a
 * flood of new SSRCs: each dropped and counted by reason, no crash,
 * the call undisturbed. */
START_TEST(malformed_inside_srtp_dropped)
{
    world_t w;
    char err[256];
    call_init(&w, 81, NULL);
    send_av(&w.a, "sa", "aa", "va");
    signal_desc(&w.a, &w.b);
    /* a track b is told of that a does not send: Opus only */
    rtc_track_desc_t ghost = td("ghost", RTC_KIND_AUDIO, 424242, "gs");
    ck_assert_int_eq(rtc_media_set_remote_description(M(&w.b), &ghost, 1, true, err, sizeof err), 0);
    sim_run_until(w.k, SIM_SEC(2));
    rtc_srtp_t *tx = a_sender(&w);
    uint8_t pk[64];
    /* VP8's payload type on an Opus-only track */
    inject(&w, tx, pk, rtp_plain(pk, 0x80, 96, 1, 424242), false);
    /* a one-byte extension element (id 1, 16 bytes) in a block of one word */
    size_t n = rtp_plain(pk, 0x90, 111, 1, 515151);
    memcpy(pk + 12, (uint8_t[]){ 0xBE, 0xDE, 0x00, 0x01, 0x1F, 0x00, 0x00, 0x00 }, 8);
    inject(&w, tx, pk, n, false);
    /* padding flagged, its count 0 (RFC 3550 s.5.1) */
    n = rtp_plain(pk, 0xA0, 111, 1, 525252);
    pk[n - 1] = 0;
    inject(&w, tx, pk, n, false);
    /* an RR whose length says 32 bytes, in 8 */
    uint8_t rr[8] = { 0x81, 201, 0x00, 0x07, 0x00, 0x08, 0x08, 0x08 };
    inject(&w, tx, rr, sizeof rr, true);
    /* 70 new SSRCs: 64 are kept as unknown tracks, the rest counted */
    for (uint32_t i = 0; i < 70; i++)
        inject(&w, tx, pk, rtp_plain(pk, 0x80, 111, 7, 600000 + i), false);
    sim_run_until(w.k, SIM_SEC(4));
    rtc_media_stats_t st = mstats(&w.b);
    ck_assert_uint_eq(st.dropped[RTC_DROP_UNKNOWN_PT], 1);
    ck_assert_uint_eq(st.dropped[RTC_DROP_RTP_EXTENSION], 1);
    ck_assert_uint_eq(st.dropped[RTC_DROP_RTP_MALFORMED], 1);
    ck_assert_uint_eq(st.dropped[RTC_DROP_RTCP_MALFORMED], 1);
    ck_assert_uint_eq(st.dropped[RTC_DROP_TOO_MANY_SOURCES], 6);
    ck_assert_int_eq(log_count(&w.b, "unknown-track"), 64);
    ck_assert_int_eq(log_count(&w.b, "disconnected"), 0);
    ck_assert_int_eq(tstats(&w.b, "aa", true).lost, 0);
    ck_assert(tstats(&w.b, "va", true).connected);
    ck_assert(!tstats(&w.b, "ghost", true).connected);
    rtc_srtp_free(tx);
    call_free(&w);
}
END_TEST


/* Bad telephone-events from the network (issue 10, "Bad input"): a
 * payload under 4 bytes, an event code above 16 (RFC 4733 s.3.2), an end
 * packet of an event older than the one reported (no start), a duration
 * that goes backwards (s.2.5.2.1): each ignored and counted by reason;
 * the good tone among them is reported once. They come, protected with
 * a's keys, on a DTMF track b is told of (sharing its audio track's SSRC,
 * D95) that a does not send. */
static size_t te_plain(uint8_t *out, bool marker, uint16_t seq, uint32_t ts, const uint8_t *pl, size_t n)
{
    size_t len = rtp_plain(out, 0x80, (uint8_t)(110 | (marker ? 0x80 : 0)), seq, 737373);
    out[4] = (uint8_t)(ts >> 24);
    out[5] = (uint8_t)(ts >> 16);
    out[6] = (uint8_t)(ts >> 8);
    out[7] = (uint8_t)ts;
    memcpy(out + 12, pl, n);
    return len - 20 + n;
}

START_TEST(dtmf_bad_events_counted)
{
    world_t w;
    char err[256];
    call_init(&w, 83, NULL);
    send_av(&w.a, "sa", "aa", "va");
    signal_desc(&w.a, &w.b);
    rtc_track_desc_t d[2] = { td("ga", RTC_KIND_AUDIO, 737373, "gs"), td("gd", RTC_KIND_DTMF, 737373, "gs") };
    d[1].codecs[0] = (rtc_codec_t){ .pt = 110, .kind = RTC_KIND_AUDIO, .name = "telephone-event", .clock_rate = 48000 };
    ck_assert_msg(rtc_media_set_remote_description(M(&w.b), d, 2, true, err, sizeof err) == 0, "%s", err);
    sim_run_until(w.k, SIM_SEC(2));
    rtc_srtp_t *tx = a_sender(&w);
    uint8_t pk[64];
    uint16_t seq = 100;
    /* a good tone "5" at ts 48000: start, update, end x3 */
    inject(&w, tx, pk, te_plain(pk, true, seq++, 48000, (uint8_t[]){ 5, 10, 0x09, 0x60 }, 4), false);
    inject(&w, tx, pk, te_plain(pk, false, seq++, 48000, (uint8_t[]){ 5, 10, 0x12, 0xc0 }, 4), false);
    /* backwards: 2400 after 4800 */
    inject(&w, tx, pk, te_plain(pk, false, seq++, 48000, (uint8_t[]){ 5, 10, 0x09, 0x60 }, 4), false);
    for (int i = 0; i < 3; i++)
        inject(&w, tx, pk, te_plain(pk, false, seq++, 48000, (uint8_t[]){ 5, 0x8a, 0x1c, 0x20 }, 4), false);
    /* truncated: 3 bytes */
    inject(&w, tx, pk, te_plain(pk, true, seq++, 96000, (uint8_t[]){ 6, 10, 0x09 }, 3), false);
    /* event 17 */
    inject(&w, tx, pk, te_plain(pk, true, seq++, 96000, (uint8_t[]){ 17, 10, 0x09, 0x60 }, 4), false);
    /* an end packet of an event older than the one reported */
    inject(&w, tx, pk, te_plain(pk, false, seq++, 24000, (uint8_t[]){ 7, 0x8a, 0x1c, 0x20 }, 4), false);
    sim_run_until(w.k, SIM_SEC(3));
    rtc_media_stats_t st = mstats(&w.b);
    ck_assert_uint_eq(st.dropped[RTC_DROP_DTMF_TRUNCATED], 1);
    ck_assert_uint_eq(st.dropped[RTC_DROP_DTMF_BAD_EVENT], 1);
    ck_assert_uint_eq(st.dropped[RTC_DROP_DTMF_NO_START], 1);
    ck_assert_uint_eq(st.dropped[RTC_DROP_DTMF_BACKWARDS], 1);
    ck_assert_uint_eq(st.dtmf_duplicates, 2);           /* the end packet's two repeats */
    /* the good one, once, from its end packet: 7200 units at 48 kHz */
    ck_assert_msg(log_count(&w.b, "dtmf-tone") == 1, "%s", w.b.log);
    ck_assert_msg(log_count(&w.b, "digit=5 dur=150 units=7200 ended=1;") == 1, "%s", w.b.log);
    ck_assert(tstats(&w.b, "aa", true).connected);      /* the call goes on */
    ck_assert_int_eq(tstats(&w.b, "aa", true).lost, 0);
    rtc_srtp_free(tx);
    call_free(&w);
}
END_TEST

/* Same seed, same call: the same events at the same times and the same
 * figures; another seed draws other SSRCs. */
START_TEST(same_seed_same_call)
{
    static char logs[2][2][8192];
    rtc_track_stats_t st[3];
    uint32_t ssrc[3];
    for (int run = 0; run < 3; run++) {
        world_t w;
        call_init(&w, run < 2 ? 91 : 92, NULL);
        send_av(&w.a, "sa", "aa", "va");
        send_av(&w.b, "sb", "ab", "vb");
        signal_desc(&w.a, &w.b);
        signal_desc(&w.b, &w.a);
        sim_run_until(w.k, SIM_SEC(8));
        if (run < 2) {
            memcpy(logs[run][0], w.a.log, sizeof w.a.log);
            memcpy(logs[run][1], w.b.log, sizeof w.b.log);
        }
        st[run] = tstats(&w.a, "va", false);
        ssrc[run] = st[run].ssrc;
        call_free(&w);
    }
    ck_assert_str_eq(logs[0][0], logs[1][0]);
    ck_assert_str_eq(logs[0][1], logs[1][1]);
    ck_assert_mem_eq(&st[0], &st[1], sizeof st[0]);
    ck_assert_uint_ne(ssrc[0], ssrc[2]);
}
END_TEST


/* ---- out of memory (D48): every charge refused in turn -------------------------------- */

/* Refuses the fail_at-th charge to the network (everything ref/ allocates
 * through the hosts' environments, and packet buffers), or all from it
 * on. */

static uint64_t oom_reported;   /* NOMEM returns from the calls the handlers make */

static void oom_ice(void *arg, rtc_connection_t *c, const rtc_ice_event_t *ev)
{
    peer_t *p = arg;
    char err[256];
    if (ev->type == RTC_ICE_DTLS_CONNECTED)
        p->dtls_connected++;
    if (ev->type != RTC_ICE_CANDIDATE)
        return;
    int rc = rtc_connection_set_local_candidate(c, &ev->local, err, sizeof err);
    ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
    oom_reported += rc != 0;
    if (p->other->conn) {
        rc = rtc_connection_set_remote_candidate(p->other->conn, &ev->local, err, sizeof err);
        ck_assert(rc == 0 || rc == RTC_ERR_NOMEM);
        oom_reported += rc != 0;
        sim_ice_socket_poke(p->other->sock);
    }
}

static void oom_media(void *arg, sim_media_t *sm, const rtc_media_event_t *ev)
{
    peer_t *p = arg;
    if (ev->type == RTC_MEDIA_TRACK_CONNECTED)
        p->ice_connected++;     /* here: remote tracks connected */
}

/* A status from an API call: 0, or NOMEM (counted); nothing else. */
static bool oom_ok(int rc)
{
    ck_assert_msg(rc == 0 || rc == RTC_ERR_NOMEM, "rc %d", rc);
    oom_reported += rc != 0;
    return rc == 0;
}

/* A whole call (ICE, DTLS, SRTP audio both ways, RTCP) with charge
 * fail_at refused; returns how many charges the run made, and in *left
 * what the network still holds after everything is freed. */
static long media_with_refusal(long fail_at, bool all, size_t *left, int *connected)
{
    char err[256];
    world_t w;
    memset(&w, 0, sizeof w);
    w.k = sim_kernel_new(5);
    sim_vdet_bind(w.k);
    w.net = sim_net_new(w.k, NULL);
    sim_link_params_t lp;
    sim_link_params_default(&lp);
    lp.latency = LATENCY;
    sim_subnet_t *lan = sim_subnet_new(w.net, "lan", 0x0a000000, 24, &lp, NULL, err, sizeof err);
    w.ha = sim_host_new(w.net, "a", err, sizeof err);
    w.hb = sim_host_new(w.net, "b", err, sizeof err);
    ck_assert(sim_iface_new(w.ha, "eth0", lan, 0x0a000001, NULL, err, sizeof err));
    ck_assert(sim_iface_new(w.hb, "eth0", lan, 0x0a000002, NULL, err, sizeof err));
    w.a.w = w.b.w = &w;
    w.a.other = &w.b;
    w.b.other = &w.a;
    size_t base = sim_net_bytes(w.net);
    fx_refuser_t r = { .fail_at = fail_at, .all = all };
    sim_net_set_bound(w.net, fx_refuse, &r);
    oom_reported = 0;
    uint64_t reported = 0;
    peer_t *ps[2] = { &w.a, &w.b };
    sim_host_t *hs[2] = { w.ha, w.hb };
    bool up = true;
    for (int i = 0; i < 2 && up; i++) {
        ps[i]->sock = sim_ice_socket_new(hs[i], NULL, NULL, 0, NULL, 0, oom_ice, ps[i], err, sizeof err);
        ps[i]->sm = ps[i]->sock ? sim_media_new(hs[i], NULL, NULL, oom_media, ps[i], err, sizeof err) : NULL;
        up = ps[i]->sm != NULL;
    }
    reported += !up;
    rtc_conn_desc_t offer, answer;
    if (up && !(w.a.conn = sim_ice_connection_new(w.a.sock, NULL, NULL, err, sizeof err)))
        reported++, up = false;
    if (up) {
        rtc_connection_local_description(w.a.conn, &offer);
        if (!(w.b.conn = sim_ice_connection_new(w.b.sock, &offer, NULL, err, sizeof err)))
            reported++, up = false;
    }
    if (up) {
        rtc_connection_local_description(w.b.conn, &answer);
        ck_assert_int_eq(rtc_connection_set_remote_description(w.a.conn, &answer, err, sizeof err), 0);
    }
    rtc_local_track_t t = { .id = "mic", .kind = RTC_KIND_AUDIO };
    for (int i = 0; i < 2 && up; i++) {
        rtc_local_stream_t st = { .id = "s", .ntracks = 1, .tracks = &t };
        snprintf(st.id, sizeof st.id, "s%d", i);
        snprintf(t.id, sizeof t.id, "mic%d", i);
        up = oom_ok(rtc_media_add_connection(M(ps[i]), ps[i]->conn, err, sizeof err)) &&
             oom_ok(rtc_media_add_stream(M(ps[i]), &st, err, sizeof err)) &&
             oom_ok(rtc_media_send_stream(M(ps[i]), st.id, true, err, sizeof err));
    }
    for (int i = 0; i < 2 && up; i++) {
        rtc_track_desc_t d[2];
        size_t n = rtc_media_local_description(M(ps[i]), NULL, d, 2);
        up = oom_ok(rtc_media_set_remote_description(M(ps[1 - i]), d, n, false, err, sizeof err));
    }
    for (int i = 0; i < 2 && up; i++) {
        up = oom_ok(rtc_connection_connect(ps[i]->conn, err, sizeof err));
        sim_ice_socket_poke(ps[i]->sock);
    }
    sim_run_until(w.k, SIM_SEC(4));
    *connected = w.a.ice_connected + w.b.ice_connected;
    for (int i = 0; i < 2; i++) {
        if (ps[i]->sock) {
            rtc_socket_stats_t st;
            rtc_socket_stats(sim_ice_socket_handle(ps[i]->sock), &st);
            reported += st.nomem;
        }
        if (ps[i]->sm)
            reported += mstats(ps[i]).dropped[RTC_DROP_NOMEM];
    }
    uint64_t drops[SIM_DROP__COUNT];
    sim_net_drop_counts(w.net, drops);
    reported += drops[SIM_DROP_NO_MEMORY] + oom_reported;
    ck_assert_msg(!r.refused || reported, "charge %ld refused, nothing reported", fail_at);
    for (int i = 0; i < 2; i++) {
        sim_media_free(ps[i]->sm);      /* before the connections it rides */
        sim_ice_socket_free(ps[i]->sock);
    }
    /* what is still on the wire (a packet and its twin) arrives at
     * closed ports and is freed */
    sim_run_until(w.k, SIM_SEC(5));
    *left = sim_net_bytes(w.net) - base;
    sim_vdet_bind(NULL);
    sim_net_free(w.net);
    sim_kernel_free(w.k);
    return r.n;
}

START_TEST(out_of_memory_in_a_whole_call)
{
    size_t left0, left;
    int connected;
    long n = media_with_refusal(0, false, &left0, &connected);
    ck_assert_int_eq(connected, 2);     /* undisturbed, both remote tracks connect */
    ck_assert_int_gt(n, 50);
    for (long k = 1; k <= n; k++)
        for (int all = 0; all < 2; all++) {
            media_with_refusal(k, all, &left, &connected);
            /* all ref/ took is given back; only the packet pool's chunk
             * may stay */
            ck_assert_msg(left == 0 || left == left0, "charge %ld: %zu bytes left (%zu)", k, left, left0);
        }
}
END_TEST

/* ---- RTCDTMFTrack (issue 10) ---------------------------------------------- */

/* RTP headers (in the clear under SRTP, RFC 3711 s.3.1) a sent to b */
typedef struct seen_rtp {
    uint64_t t;
    uint8_t  pt;
    bool     marker;
    uint16_t seq;
    uint32_t ts, ssrc;
    uint8_t  e_byte;        /* the payload's second byte (E bit, volume) for telephone-events */
} seen_rtp_t;

static seen_rtp_t seen[4096];
static size_t     nseen;

static void grab_rtp(void *arg, sim_time_t t, const sim_pkt_t *pk)
{
    (void)arg;
    if (pk->src_ip != 0x0a000001 || pk->len < 16 || pk->data[0] < 128 || pk->data[0] > 191 ||
        (pk->data[1] >= 192 && pk->data[1] <= 223) || nseen == sizeof seen / sizeof *seen)
        return;
    const uint8_t *d = pk->data;
    seen[nseen++] = (seen_rtp_t){ t, d[1] & 0x7f, (d[1] & 0x80) != 0, (uint16_t)(d[2] << 8 | d[3]),
                                  (uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7],
                                  (uint32_t)d[8] << 24 | (uint32_t)d[9] << 16 | (uint32_t)d[10] << 8 | d[11],
                                  0 };
}

/* a adds stream "sa" of audio "aa" and dtmf "da" and sends it; b is told */
static void send_audio_dtmf(world_t *w)
{
    char err[256];
    rtc_local_track_t t[2];
    memset(t, 0, sizeof t);
    snprintf(t[0].id, sizeof t[0].id, "aa");
    t[0].kind = RTC_KIND_AUDIO;
    snprintf(t[1].id, sizeof t[1].id, "da");
    t[1].kind = RTC_KIND_DTMF;
    rtc_local_stream_t st = { .ntracks = 2, .tracks = t };
    snprintf(st.id, sizeof st.id, "sa");
    ck_assert_msg(rtc_media_add_stream(M(&w->a), &st, err, sizeof err) == 0, "%s", err);
    /* not sent yet: insertDTMF refused as a state error */
    ck_assert_int_eq(rtc_media_insert_dtmf(M(&w->a), "da", "1", -1, -1, err, sizeof err), RTC_ERR_INVALID);
    ck_assert_msg(strncmp(err, "InvalidStateError", 17) == 0, "%s", err);
    ck_assert_msg(rtc_media_send_stream(M(&w->a), "sa", true, err, sizeof err) == 0, "%s", err);
    signal_desc(&w->a, &w->b);
}

static int ninserts;

static void insert_at(void *arg)
{
    world_t *w = arg;
    char err[256];
    const char *tones = ninserts++ ? "A#" : "1";
    ck_assert_msg(rtc_media_insert_dtmf(M(&w->a), "da", tones, -1, -1, err, sizeof err) == 0, "%s", err);
    sim_media_poke(w->a.sm);
}

static rtc_dtmf_state_t dstate(peer_t *p, const char *id)
{
    rtc_dtmf_state_t ds;
    ck_assert(rtc_media_dtmf_state(M(p), id, &ds));
    return ds;
}

START_TEST(dtmf_tones_sent_and_received)
{
    world_t w;
    call_init(&w, 31, NULL);
    nseen = 0;
    sim_link_add_tap(sim_iface_link(w.ib), grab_rtp, &w);
    send_audio_dtmf(&w);
    /* the mapping: the dtmf track has the audio track's SSRC, kind dtmf,
     * the telephone-event of Opus's clock (D92: pt 110) */
    rtc_track_desc_t d[4];
    size_t n = rtc_media_local_description(M(&w.a), NULL, d, 4);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(d[1].id, "da");
    ck_assert_int_eq(d[1].kind, RTC_KIND_DTMF);
    ck_assert_uint_eq(d[1].ssrc, d[0].ssrc);
    ck_assert_uint_eq(d[1].ncodecs, 1);
    ck_assert_str_eq(d[1].codecs[0].name, "telephone-event");
    ck_assert_uint_eq(d[1].codecs[0].pt, 110);
    rtc_dtmf_state_t ds = dstate(&w.a, "da");
    ck_assert_str_eq(ds.tone_buffer, "");
    ck_assert_uint_eq(ds.duration, 100);
    ck_assert_uint_eq(ds.inter_tone_gap, 50);
    ninserts = 0;
    sim_at(w.k, SIM_SEC(3), insert_at, &w);
    sim_at(w.k, SIM_SEC(4), insert_at, &w);
    /* toneBuffer drains: "A#" at 4 s, the A starts at once, so "#"
     * while it plays (packets 0-100 ms, ends to 200 ms, 50 ms gap) */
    sim_run_until(w.k, SIM_SEC(4) + SIM_MS(1));
    ds = dstate(&w.a, "da");
    ck_assert_str_eq(ds.tone_buffer, "#");
    ck_assert(ds.playing);
    sim_run_until(w.k, SIM_SEC(4) + SIM_MS(260));
    ck_assert_str_eq(dstate(&w.a, "da").tone_buffer, "");
    sim_run_until(w.k, SIM_SEC(6));
    /* three tones, in order, each of its 100 ms (4800 units at 48 kHz),
     * reported from their end packets */
    ck_assert_int_eq(log_count(&w.b, "dtmf-tone"), 3);
    const char *t1 = strstr(w.b.log, "digit=1 dur=100 units=4800 ended=1");
    const char *t2 = strstr(w.b.log, "digit=A dur=100 units=4800 ended=1");
    const char *t3 = strstr(w.b.log, "digit=# dur=100 units=4800 ended=1");
    ck_assert_msg(t1 && t2 && t3 && t1 < t2 && t2 < t3, "%s", w.b.log);
    ck_assert_int_eq(log_count(&w.a, "dtmf-sent"), 3);
    /* on the wire: every packet from the audio SSRC, in one sequence
     * space with no gap (the tones took the audio's numbers); each
     * telephone-event run has one timestamp and its marker on the first;
     * no audio packet inside a run (D93) */
    uint32_t ssrc = d[0].ssrc;
    int runs = 0;
    size_t first = 0;
    bool in = false;
    uint16_t prev_seq = 0;
    bool have_prev = false;
    for (size_t i = 0; i < nseen; i++) {
        ck_assert_uint_eq(seen[i].ssrc, ssrc);
        if (have_prev)
            ck_assert_msg(seen[i].seq == (uint16_t)(prev_seq + 1), "seq %u after %u", seen[i].seq, prev_seq);
        prev_seq = seen[i].seq;
        have_prev = true;
        bool ev = seen[i].pt == 110;
        if (ev && !in) {
            runs++;
            first = i;
            ck_assert(seen[i].marker);
        } else if (ev) {
            ck_assert_uint_eq(seen[i].ts, seen[first].ts);
            ck_assert(!seen[i].marker);
        }
        in = ev;
    }
    ck_assert_int_eq(runs, 3);
    /* the telephone-event packets do not show as audio loss at b */
    ck_assert_int_eq(tstats(&w.b, "aa", true).lost, 0);
    rtc_media_stats_t ms = mstats(&w.b);
    for (int k = 0; k < RTC_DROP__COUNT; k++)
        ck_assert_msg(ms.dropped[k] == 0, "%s: %llu", rtc_media_drop_name(k), (unsigned long long)ms.dropped[k]);
    /* the repeated end packets: 2 of each tone's 3 are duplicates */
    ck_assert_uint_eq(ms.dtmf_duplicates, 6);
    call_free(&w);
}
END_TEST

START_TEST(dtmf_refusals_and_bounds)
{
    char err[256];
    fx_t x;
    fx_init(&x, NULL);
    rtc_local_track_t t[2];
    memset(t, 0, sizeof t);
    snprintf(t[0].id, sizeof t[0].id, "d");
    t[0].kind = RTC_KIND_DTMF;
    rtc_local_stream_t st = { .ntracks = 1, .tracks = t };
    snprintf(st.id, sizeof st.id, "s");
    /* a dtmf track without an audio track in its stream */
    ck_assert_int_eq(rtc_media_add_stream(x.m, &st, err, sizeof err), RTC_ERR_INVALID);
    ck_assert_msg(strstr(err, "needs an audio track"), "%s", err);
    snprintf(t[1].id, sizeof t[1].id, "a");
    t[1].kind = RTC_KIND_AUDIO;
    st.ntracks = 2;
    ck_assert_int_eq(rtc_media_add_stream(x.m, &st, err, sizeof err), 0);
    ck_assert_int_eq(rtc_media_insert_dtmf(x.m, "a", "1", -1, -1, err, sizeof err), RTC_ERR_INVALID);
    ck_assert_int_eq(rtc_media_send_track(x.m, "d", true, err, sizeof err), 0);
    /* D89: unknown characters dropped at once, a-d as A-D; D90: clamped */
    ck_assert_int_eq(rtc_media_insert_dtmf(x.m, "d", "1x,b*#?", 10, 0, err, sizeof err), 0);
    rtc_dtmf_state_t ds;
    ck_assert(rtc_media_dtmf_state(x.m, "d", &ds));
    ck_assert_str_eq(ds.tone_buffer, "1,B*#");
    ck_assert_uint_eq(ds.duration, 70);
    ck_assert_uint_eq(ds.inter_tone_gap, 50);
    ck_assert_int_eq(rtc_media_insert_dtmf(x.m, "d", "9", 7000, 51, err, sizeof err), 0);
    ck_assert(rtc_media_dtmf_state(x.m, "d", &ds));
    /* D91: the buffer replaced */
    ck_assert_str_eq(ds.tone_buffer, "9");
    ck_assert_uint_eq(ds.duration, 6000);
    ck_assert_uint_eq(ds.inter_tone_gap, 51);
    fx_done(&x);
    /* no telephone-event codec in the options: a clear error */
    rtc_media_options_t o;
    memset(&o, 0, sizeof o);
    o.ncodecs = 1;
    o.codecs[0] = (rtc_codec_t){ .pt = 0, .kind = RTC_KIND_AUDIO, .name = "PCMU", .clock_rate = 8000 };
    fx_init(&x, &o);
    ck_assert_int_eq(rtc_media_add_stream(x.m, &st, err, sizeof err), 0);
    ck_assert_int_eq(rtc_media_send_track(x.m, "d", true, err, sizeof err), 0);
    ck_assert_int_eq(rtc_media_insert_dtmf(x.m, "d", "1", -1, -1, err, sizeof err), RTC_ERR_INVALID);
    ck_assert_msg(strstr(err, "telephone-event"), "%s", err);
    fx_done(&x);
}
END_TEST

static Suite *media_suite(void)
{
    Suite *s = suite_create("media");
    TCase *tc = tcase_create("descriptions");
    tcase_add_test(tc, options_defaults_and_refusals);
    tcase_add_test(tc, add_stream_describes_tracks);
    tcase_add_test(tc, remote_full_mode);
    tcase_add_test(tc, remote_incremental_and_delete);
    tcase_add_test(tc, remote_bad_input);
    tcase_add_test(tc, filters);
    tcase_add_test(tc, set_track_properties);
    tcase_add_test(tc, ssrc_collision_from_description);
    tcase_add_test(tc, remove_connection_while_riding);
    tcase_add_test(tc, close_refuses_all_but_getters);
    suite_add_tcase(s, tc);
    tc = tcase_create("call");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, call_on_a_lan);
    tcase_add_test(tc, rr_fraction_lost_under_loss);
    tcase_add_test(tc, bye_then_resume_then_remove);
    tcase_add_test(tc, timeout_under_total_loss);
    tcase_add_test(tc, unknown_track_then_matched);
    tcase_add_test(tc, forged_and_replayed_dropped);
    tcase_add_test(tc, close_says_bye);
    tcase_add_test(tc, close_closes_the_connections);
    tcase_add_test(tc, malformed_inside_srtp_dropped);
    tcase_add_test(tc, dtmf_bad_events_counted);
    tcase_add_test(tc, same_seed_same_call);
    tcase_add_test(tc, out_of_memory_in_a_whole_call);
    tcase_add_test(tc, dtmf_tones_sent_and_received);
    tcase_add_test(tc, dtmf_refusals_and_bounds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(media_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
