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
