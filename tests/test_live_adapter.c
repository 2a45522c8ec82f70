/*
 * test_live_adapter.c - build/rtcsim-live, the adapter that serves an
 * in-process implementation (here build/ref.so) as a live program,
 * through the control protocol (docs/live.md, version 1 with "Media and
 * DTMF") on pipes, two adapters on this machine's address (not loopback:
 * ref/ refuses loopback candidates, D147), the test signalling between
 * them as a page would: the hello and its features; ICE to `connected`
 * and `activecandidate` on both sides; a media session each with an audio
 * track and an RTCDTMFTrack, descriptions exchanged, to `addstream` and
 * `trackconnected` on both sides; track stats that count packets;
 * insertDTMF("12") on one side heard as two `tone` events on the other;
 * close() heard as `trackdisconnected` with reason "bye"; bad requests
 * answered with the right codes while the adapter keeps serving;
 * shutdown, EOF, and a table that cannot be loaded.
 *
 * This is a real-time test of programs with their own clock: its bounds
 * are wall-clock times, derived beside each from the RFCs and the spec,
 * widened by the live tolerance (docs/live.md, 0.5 s) where the
 * scheduler is in them. No fixed sleeps: every wait is for an event,
 * with a deadline.
 */
#include <check.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "live_peer.h"

/* docs/live.md: scheduling and a process's start, on top of the RFCs' */
#define LIVE_TOLERANCE_MS 500
/* RFC 8445 s.14.2: checks paced one per Ta, 50 ms by default. One host
 * candidate each side: one pair, its check within Ta of connect(), the
 * triggered check and the nomination within two more (s.6.1.4.2,
 * s.7.3.1.4, s.8.1.1): 150 ms; with the live tolerance and a loaded
 * 2-core machine (two adapters, make -j2), 2 s. */
#define CONNECT_BOUND_MS 2000
/* From connected to a remote track's `trackconnected`: the DTLS handshake
 * (RFC 6347 s.4.2.4: two flights each way, loopback's round trips are
 * microseconds) and the first audio frame (a frame every 20 ms, impl.h's
 * synthetic source), then the first SRTP packet: 20 ms and the round
 * trips; the same 2 s margin as above. */
#define MEDIA_BOUND_MS 2000
/* insertDTMF("12") with the spec's defaults (duration 100 ms,
 * interToneGap 50 ms): per the sender's schedule (scenarios/lib/
 * dtmfcall.lua, D86/D93), "1" starts at once, its first end packet at
 * 50 ms; "2" starts at 100 + 2 * 50 (the end's copies) + 50 = 200 ms, its
 * first end at 250 ms, and RFC 4733 s.2.5.2 reports a tone at its end:
 * 250 ms, plus the live tolerance, plus 250 ms for the machine. */
#define TONES_BOUND_MS 1000
/* A tone's age (the time from its first packet's arrival to the event
 * line): its first end packet leaves (ceil(100 / 50) - 1) * 50 = 50 ms
 * after its first (D86), so 50 ms, and the live tolerance on top. */
#define TONE_AGE_MAX (0.050 + LIVE_TOLERANCE_MS / 1000.0)
/* RFC 3550 s.6.6: BYE is sent at close(), so the peer hears it within a
 * round trip: loopback's, and the live tolerance, and the machine's. */
#define BYE_BOUND_MS 1000
/* ---- one adapter on pipes ----------------------------------------------------------- */

typedef struct peer {
    lp_peer_t io;
    GPtrArray *seen;                   /* JsonNode: every event taken, in order */
    struct peer *other;                /* its candidates are trickled to it */
    char cid[80];
} peer_t;

static void peer_start_argv(peer_t *p, const char *name, char **argv)
{
    memset(p, 0, sizeof *p);
    lp_start(&p->io, name, argv, -1);
    p->seen = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
}

static char adapter_buf[PATH_MAX], impl_buf[PATH_MAX];

/* The address both adapters bind on. Not loopback: ref/ refuses a
 * loopback remote candidate (ref/candidate.c, rtc_candidate_check: "can
 * never be a remote candidate", RFC 8445 s.5.1.1.1 leaves loopback out of
 * gathering), so the two talk over the machine's first non-loopback IPv4
 * address, which the kernel still routes locally (D147). */
static const char *test_address(void)
{
    static char a[INET_ADDRSTRLEN];
    if (a[0])
        return a;
    const char *env = getenv("RTCSIM_LIVE_ADDRESS");
    if (env)
        return g_strlcpy(a, env, sizeof a), a;
    struct ifaddrs *ifs;
    ck_assert_int_eq(getifaddrs(&ifs), 0);
    for (struct ifaddrs *i = ifs; i && !a[0]; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && (i->ifa_flags & IFF_UP) &&
            !(i->ifa_flags & IFF_LOOPBACK))
            inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof a);
    freeifaddrs(ifs);
    ck_assert_msg(a[0], "this machine has no IPv4 address but loopback, and ref/ refuses loopback "
                        "candidates: set RTCSIM_LIVE_ADDRESS");
    return a;
}

/* keylog: --keylog's file, or NULL. */
static void peer_start_keylog(peer_t *p, const char *name, const char *keylog)
{
    char *argv[] = { (char *)lp_built("rtcsim-live", "RTCSIM_LIVE", adapter_buf, sizeof adapter_buf),
                     "--impl", (char *)lp_built("ref.so", "RTCSIM_LIVE_IMPL", impl_buf, sizeof impl_buf),
                     "--address", (char *)test_address(), keylog ? "--keylog" : NULL,
                     (char *)keylog, NULL };
    peer_start_argv(p, name, argv);
}

static void peer_start(peer_t *p, const char *name)
{
    peer_start_keylog(p, name, NULL);
}

static void peer_free(peer_t *p)
{
    lp_free(&p->io);
    g_ptr_array_unref(p->seen);
}

/* p's peer_t: io is its first member (C11 s.6.7.2.1p15). */
static peer_t *peer_of(lp_peer_t *p)
{
    return (peer_t *)p;
}

/* Take one event: keep it; trickle a candidate to the other side, as
 * scenarios/lib/peers.lua does (setLocalCandidate first). */
static void take(lp_peer_t *io, JsonNode *n)
{
    peer_t *p = peer_of(io);
    JsonObject *e = lp_obj(n);
    const char *name = lp_str(e, "event");
    g_ptr_array_add(p->seen, n);
    if (strcmp(name, "candidate") == 0) {
        ck_assert_str_eq(lp_str(e, "connection"), "c1");
        lp_trickle(&p->io, p->other ? &p->other->io : NULL, "c1",
                   json_object_get_member(e, "candidate"));
    }
}

/* The events of p named `name` whose string members match the pairs in
 * kv (NULL-terminated), counted; *last the last of them. */
static int count(peer_t *p, const char *name, const char *const *kv, JsonObject **last)
{
    int n = 0;
    for (guint i = 0; i < p->seen->len; i++) {
        JsonObject *e = lp_obj(g_ptr_array_index(p->seen, i));
        if (strcmp(lp_str(e, "event"), name) != 0)
            continue;
        bool match = true;
        for (const char *const *k = kv; k && k[0] && match; k += 2) {
            JsonNode *m = json_object_get_member(e, k[0]);
            match = m && JSON_NODE_HOLDS_VALUE(m) &&
                    json_node_get_value_type(m) == G_TYPE_STRING &&
                    strcmp(json_node_get_string(m), k[1]) == 0;
        }
        if (match) {
            n++;
            if (last)
                *last = e;
        }
    }
    return n;
}

/* Take the events of a and b as they come until done(a, b) or the
 * deadline; whether done. */
static bool pump(peer_t *a, peer_t *b, lp_done_fn done, long deadline)
{
    return lp_pump(&a->io, &b->io, take, done, deadline);
}

static void hello(peer_t *p, const char *const *features)
{
    JsonNode *n = lp_line(&p->io, lp_now_ms() + LP_ANSWER_MS);
    ck_assert_msg(n, "%s: no hello line", p->io.name);
    JsonObject *o = lp_obj(n);
    ck_assert_str_eq(lp_str(o, "event"), "hello");
    ck_assert_int_eq(lp_num(o, "protocol"), 1);
    /* "<table name> (live)": ref/'s table is named "ref" */
    ck_assert_str_eq(lp_str(o, "name"), "ref (live)");
    JsonArray *f = json_object_get_array_member(o, "features");
    ck_assert(f);
    guint nf = 0;
    while (features[nf])
        nf++;
    ck_assert_uint_eq(json_array_get_length(f), nf);
    for (guint i = 0; i < nf; i++)
        ck_assert_str_eq(json_array_get_string_element(f, i), features[i]);
    json_node_unref(n);
}

static char *member_json(JsonNode *n, const char *k)
{
    return json_to_string(json_object_get_member(lp_obj(n), k), FALSE);
}

/* ---- predicates ---------------------------------------------------------------------- */

static bool connected(lp_peer_t *ia, lp_peer_t *ib)
{
    peer_t *a = peer_of(ia), *b = peer_of(ib);
    return count(a, "connected", NULL, NULL) && count(b, "connected", NULL, NULL) &&
           count(a, "activecandidate", NULL, NULL) && count(b, "activecandidate", NULL, NULL);
}

static const char *const a_mic[] = { "msid", "a-stream", "track", "a-mic", NULL };
static const char *const b_mic[] = { "msid", "b-stream", "track", "b-mic", NULL };
static const char *const a_stream[] = { "msid", "a-stream", NULL };
static const char *const b_stream[] = { "msid", "b-stream", NULL };

static bool media_up(lp_peer_t *ia, lp_peer_t *ib)
{
    peer_t *a = peer_of(ia), *b = peer_of(ib);
    return count(a, "addstream", b_stream, NULL) && count(b, "addstream", a_stream, NULL) &&
           count(a, "trackconnected", b_mic, NULL) && count(b, "trackconnected", a_mic, NULL);
}

static const char *const a_dtmf[] = { "msid", "a-stream", "track", "a-dtmf", NULL };

static bool two_tones(lp_peer_t *ia, lp_peer_t *ib)
{
    peer_t *a = peer_of(ia), *b = peer_of(ib);
    return count(b, "tone", a_dtmf, NULL) >= 2 && count(a, "dtmfsent", a_dtmf, NULL) >= 2;
}

static bool bye(lp_peer_t *a, lp_peer_t *ib)
{
    peer_t *b = peer_of(ib);
    return count(b, "trackdisconnected", a_mic, NULL) >= 1;
}

/* ---- the call ------------------------------------------------------------------------ */

static const char *const all_features[] = { "media", "dtmf", NULL };

/* ICE between a (offerer) and b (answerer) to connected on both. */
static void ice(peer_t *a, peer_t *b)
{
    lp_ok0(&a->io, "socket.new", "{\"socket\":\"s1\",\"stun\":[],\"turn\":[]}");
    JsonNode *r = lp_ok(&a->io, "connection.new", "{\"socket\":\"s1\",\"connection\":\"c1\"}");
    g_strlcpy(a->cid, lp_str(lp_obj(r), "id"), sizeof a->cid);
    json_node_unref(r);
    ck_assert_int_gt(strlen(a->cid), 0);
    JsonNode *da = lp_ok(&a->io, "connection.getLocalDescription", "{\"connection\":\"c1\"}");
    JsonObject *desc = json_object_get_object_member(lp_obj(da), "description");
    ck_assert_str_eq(lp_str(desc, "connection-id"), a->cid);
    /* RFC 8445 s.5.3: at least 24 and 128 bits of randomness, 4 and 22
     * characters */
    ck_assert_int_ge(strlen(lp_str(desc, "usefrag")), 4);
    ck_assert_int_ge(strlen(lp_str(desc, "secret")), 22);
    /* ref/ does DTLS-SRTP: RFC 8122 s.5 "sha-256 AB:..." */
    JsonArray *fp = json_object_get_array_member(desc, "fingerprints");
    ck_assert_uint_ge(json_array_get_length(fp), 1);
    ck_assert(g_str_has_prefix(json_array_get_string_element(fp, 0), "sha-256 "));
    char *ja = member_json(da, "description");

    lp_ok0(&b->io, "socket.new", "{\"socket\":\"s1\"}");
    char *params = g_strdup_printf("{\"socket\":\"s1\",\"connection\":\"c1\",\"remote\":%s}", ja);
    r = lp_ok(&b->io, "connection.new", params);
    /* the answerer takes the offer's */
    ck_assert_str_eq(lp_str(lp_obj(r), "id"), a->cid);
    g_strlcpy(b->cid, a->cid, sizeof b->cid);
    json_node_unref(r);
    g_free(params);
    JsonNode *db = lp_ok(&b->io, "connection.getLocalDescription", "{\"connection\":\"c1\"}");
    char *jb = member_json(db, "description");
    params = g_strdup_printf("{\"connection\":\"c1\",\"description\":%s}", jb);
    lp_ok0(&a->io, "connection.setRemoteDescription", params);
    g_free(params);
    long t0 = lp_now_ms();
    lp_ok0(&a->io, "connection.connect", "{\"connection\":\"c1\"}");
    lp_ok0(&b->io, "connection.connect", "{\"connection\":\"c1\"}");
    ck_assert_msg(pump(a, b, connected, t0 + CONNECT_BOUND_MS),
                  "ICE: not connected with an active pair on both sides within %d ms",
                  CONNECT_BOUND_MS);
    fprintf(stderr, "test_live_adapter: connected after %ld ms\n", lp_now_ms() - t0);
    /* the active pair: loopback host candidates of this connection */
    for (peer_t *p = a; p; p = p == a ? b : NULL) {
        JsonObject *e = NULL;
        count(p, "activecandidate", NULL, &e);
        JsonObject *l = json_object_get_object_member(e, "local");
        ck_assert_str_eq(lp_str(l, "connection-id"), a->cid);
        ck_assert_str_eq(lp_str(l, "connectionAddress"), test_address());
        ck_assert_str_eq(lp_str(l, "type"), "host");
        ck_assert_str_eq(lp_str(json_object_get_object_member(e, "remote"), "connectionAddress"),
                         test_address());
    }
    g_free(ja);
    g_free(jb);
    json_node_unref(da);
    json_node_unref(db);
}

/* p's session m1 on c1, sending stream <x>-stream of <x>-mic (audio) and
 * <x>-dtmf; its whole local description set on q (full mode). */
static void media_side(peer_t *p, peer_t *q, const char *x)
{
    lp_ok0(&p->io, "session.new", "{\"session\":\"m1\"}");
    lp_ok0(&p->io, "session.addConnection", "{\"session\":\"m1\",\"connection\":\"c1\"}");
    char *params = g_strdup_printf("{\"session\":\"m1\",\"stream\":{\"id\":\"%s-stream\",\"label\":"
                                   "\"%s\",\"tracks\":[{\"id\":\"%s-mic\",\"kind\":\"audio\"},"
                                   "{\"id\":\"%s-dtmf\",\"kind\":\"dtmf\"}]}}", x, x, x, x);
    lp_ok0(&p->io, "session.addStream", params);
    g_free(params);
    params = g_strdup_printf("{\"session\":\"m1\",\"stream\":\"%s-stream\",\"send\":true}", x);
    lp_ok0(&p->io, "session.sendStream", params);
    g_free(params);
}

static JsonNode *exchange(peer_t *p, peer_t *q)
{
    JsonNode *d = lp_ok(&p->io, "session.getLocalDescription", "{\"session\":\"m1\"}");
    char *dj = member_json(d, "description");
    char *params = g_strdup_printf("{\"session\":\"m1\",\"description\":%s,\"mode\":\"full\"}", dj);
    lp_ok0(&q->io, "session.setRemoteDescription", params);
    g_free(params);
    g_free(dj);
    return d;
}

/* The RTCTrackDescription keys push_track_desc writes for a track with no
 * mediaAttributes or rtpExtHeaders (sim/lua/lua_media.c), exactly:
 * connection-id only when the implementation gave one. */
static void check_track_desc(JsonObject *t, const char *id, const char *kind, const char *msid)
{
    static const char *const keys[] = { "id", "kind", "ssrc", "msid", "codecs" };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        ck_assert_msg(json_object_has_member(t, keys[i]), "track '%s' without '%s'", id, keys[i]);
    bool cid = json_object_has_member(t, "connection-id");
    if (cid)
        ck_assert_int_gt(strlen(lp_str(t, "connection-id")), 0);
    ck_assert_uint_eq(json_object_get_size(t), G_N_ELEMENTS(keys) + cid);
    ck_assert_str_eq(lp_str(t, "id"), id);
    ck_assert_str_eq(lp_str(t, "kind"), kind);
    ck_assert_str_eq(lp_str(t, "msid"), msid);
    /* the spec's DOMString SSRC (RFC 3550 s.5.1, 32 bits) in decimal */
    const char *ssrc = lp_str(t, "ssrc");
    ck_assert(strlen(ssrc) >= 1 && strspn(ssrc, "0123456789") == strlen(ssrc));
    ck_assert_uint_ge(json_array_get_length(json_object_get_array_member(t, "codecs")), 1);
}

/* The telephone-event clock of the dtmf track in description d. */
static gint64 dtmf_clock(JsonNode *d, const char *track)
{
    JsonObject *t = json_object_get_object_member(json_object_get_object_member(lp_obj(d), "description"),
                                                  track);
    ck_assert(t);
    JsonObject *c = json_array_get_object_element(json_object_get_array_member(t, "codecs"), 0);
    ck_assert_str_eq(lp_str(c, "name"), "telephone-event");
    ck_assert_str_eq(lp_str(c, "kind"), "dtmf");
    return lp_num(c, "clockRate");
}

static JsonObject *stats(peer_t *p, const char *track, bool remote, JsonNode **keep)
{
    char *params = g_strdup_printf("{\"session\":\"m1\",\"track\":\"%s\",\"remote\":%s}", track,
                                   remote ? "true" : "false");
    *keep = lp_ok(&p->io, "session.trackStats", params);
    g_free(params);
    JsonNode *s = json_object_get_member(lp_obj(*keep), "stats");
    ck_assert_msg(s && JSON_NODE_HOLDS_OBJECT(s), "%s: no stats for %s track %s", p->io.name,
                  remote ? "remote" : "local", track);
    return json_node_get_object(s);
}

START_TEST(call_media_dtmf_bye)
{
    peer_t a, b;
    char keylog[] = "test_live_adapter.keylog.XXXXXX";   /* relative: rtcsim-live writes a key log only below its directory (D168) */
    int kfd = mkstemp(keylog);
    ck_assert_int_ge(kfd, 0);
    close(kfd);
    peer_start_keylog(&a, "offerer", keylog);
    peer_start(&b, "answerer");
    hello(&a, all_features);
    hello(&b, all_features);
    a.other = &b;
    b.other = &a;
    ice(&a, &b);

    /* media: each side a session on its connection, a stream of an audio
     * track and an RTCDTMFTrack, its description to the other */
    long t0 = lp_now_ms();
    media_side(&a, &b, "a");
    media_side(&b, &a, "b");
    JsonNode *da = exchange(&a, &b);
    JsonNode *db = exchange(&b, &a);
    JsonObject *dao = json_object_get_object_member(lp_obj(da), "description");
    ck_assert_uint_eq(json_object_get_size(dao), 2);
    check_track_desc(json_object_get_object_member(dao, "a-mic"), "a-mic", "audio", "a-stream");
    check_track_desc(json_object_get_object_member(dao, "a-dtmf"), "a-dtmf", "dtmf", "a-stream");
    ck_assert_msg(pump(&a, &b, media_up, t0 + MEDIA_BOUND_MS),
                  "media: no addstream and trackconnected on both sides within %d ms "
                  "(a: %d addstream, %d trackconnected; b: %d, %d)", MEDIA_BOUND_MS,
                  count(&a, "addstream", b_stream, NULL), count(&a, "trackconnected", b_mic, NULL),
                  count(&b, "addstream", a_stream, NULL), count(&b, "trackconnected", a_mic, NULL));
    fprintf(stderr, "test_live_adapter: media up after %ld ms\n", lp_now_ms() - t0);
    /* env.keylog to --keylog: media flows, so DTLS (1.2, RFC 6347) gave
     * its secrets, as NSS key log lines ("CLIENT_RANDOM <random>
     * <master secret>", the TLS 1.2 form) */
    gchar *keys = NULL;
    ck_assert(g_file_get_contents(keylog, &keys, NULL, NULL));
    ck_assert_msg(g_str_has_prefix(keys, "CLIENT_RANDOM ") && strchr(keys, '\n'),
                  "--keylog: '%.80s' is not an NSS key log", keys);
    g_free(keys);
    unlink(keylog);

    /* what b knows of a's stream, by the getters */
    JsonNode *r = lp_ok(&b.io, "session.getReceivingStreams", "{\"session\":\"m1\"}");
    JsonArray *rs = json_object_get_array_member(lp_obj(r), "streams");
    ck_assert_uint_eq(json_array_get_length(rs), 1);
    ck_assert_str_eq(json_array_get_string_element(rs, 0), "a-stream");
    json_node_unref(r);
    r = lp_ok(&b.io, "session.streamTracks", "{\"session\":\"m1\",\"stream\":\"a-stream\",\"remote\":true}");
    ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(lp_obj(r), "tracks")), 2);
    json_node_unref(r);
    r = lp_ok(&b.io, "session.getConnections", "{\"session\":\"m1\"}");
    JsonArray *cs = json_object_get_array_member(lp_obj(r), "connections");
    ck_assert_uint_eq(json_array_get_length(cs), 1);
    ck_assert_str_eq(json_array_get_string_element(cs, 0), "c1");
    json_node_unref(r);
    r = lp_ok(&b.io, "session.getRemoteDescription", "{\"session\":\"m1\",\"filter\":{\"msid\":\"a-stream\"}}");
    JsonObject *rd = json_object_get_object_member(lp_obj(r), "description");
    ck_assert_uint_eq(json_object_get_size(rd), 2);
    ck_assert_str_eq(lp_str(json_object_get_object_member(rd, "a-mic"), "ssrc"),
                     lp_str(json_object_get_object_member(dao, "a-mic"), "ssrc"));
    json_node_unref(r);

    /* RTP counted: what a sent of a-mic, what b received of it (RFC 3550
     * s.6.4.1's sender's packet count; A.3's received count) */
    JsonNode *k1, *k2;
    JsonObject *sa = stats(&a, "a-mic", false, &k1);
    JsonObject *sb = stats(&b, "a-mic", true, &k2);
    ck_assert(lp_flag(sa, "sending"));
    ck_assert_int_gt(lp_num(sa, "packets"), 0);
    ck_assert_int_gt(lp_num(sa, "octets"), 0);
    ck_assert_int_gt(lp_num(sb, "packets"), 0);
    ck_assert_int_eq(lp_num(sb, "ssrc"), atoll(lp_str(json_object_get_object_member(dao, "a-mic"), "ssrc")));
    json_node_unref(k1);
    json_node_unref(k2);
    r = lp_ok(&b.io, "session.counters", "{\"session\":\"m1\"}");
    ck_assert_int_gt(lp_num(json_object_get_object_member(lp_obj(r), "counters"), "rtp_received"),
                     0);
    json_node_unref(r);

    /* b stops sending: its own timers are then RTCP's (RFC 3550 s.6.2:
     * seconds), so what it reports from here on must come from polling
     * its events after each datagram, not after its timers */
    lp_ok0(&b.io, "session.sendStream",
           "{\"session\":\"m1\",\"stream\":\"b-stream\",\"send\":false}");

    /* insertDTMF("12") with the spec's defaults on a, heard by b */
    t0 = lp_now_ms();
    lp_ok0(&a.io, "session.insertDTMF",
           "{\"session\":\"m1\",\"track\":\"a-dtmf\",\"tones\":\"12\"}");
    r = lp_ok(&a.io, "session.dtmfState", "{\"session\":\"m1\",\"track\":\"a-dtmf\"}");
    JsonObject *st = json_object_get_object_member(lp_obj(r), "state");
    /* the spec's defaults, "insertDTMF": 100 ms, interToneGap 50 ms */
    ck_assert_int_eq(lp_num(st, "duration"), 100);
    ck_assert_int_eq(lp_num(st, "inter_tone_gap"), 50);
    json_node_unref(r);
    ck_assert_msg(pump(&a, &b, two_tones, t0 + TONES_BOUND_MS),
                  "insertDTMF(\"12\"): %d tone events at b, %d dtmfsent at a within %d ms",
                  count(&b, "tone", a_dtmf, NULL), count(&a, "dtmfsent", a_dtmf, NULL),
                  TONES_BOUND_MS);
    fprintf(stderr, "test_live_adapter: two tones after %ld ms\n", lp_now_ms() - t0);
    gint64 clock = dtmf_clock(da, "a-dtmf");
    int k = 0;
    for (guint i = 0; i < b.seen->len; i++) {
        JsonObject *e = lp_obj(g_ptr_array_index(b.seen, i));
        if (strcmp(lp_str(e, "event"), "tone") != 0)
            continue;
        const char *want = k++ == 0 ? "1" : "2";
        ck_assert_str_eq(lp_str(e, "msid"), "a-stream");
        ck_assert_str_eq(lp_str(e, "track"), "a-dtmf");
        ck_assert_str_eq(lp_str(e, "digit"), want);
        ck_assert(lp_flag(e, "ended"));
        /* the spec's bounds of a tone's duration (70 to 6000 ms, impl.h's
         * RTCSIM_DTMF_DURATION_MIN/MAX) hold, and it is the default asked
         * for; RFC 4733 s.2.5.1.3: the duration in the event's clock units */
        gint64 d = lp_num(e, "duration_ms");
        ck_assert(d >= 70 && d <= 6000);
        ck_assert_int_eq(d, 100);
        ck_assert_int_eq(lp_num(e, "duration_units"), 100 * clock / 1000);
        ck_assert(lp_num(e, "volume") >= 0 && lp_num(e, "volume") <= 63);    /* RFC 4733 s.2.3.4 */
        double age = lp_real(e, "age");
        ck_assert_msg(age > 0 && age <= TONE_AGE_MAX, "tone '%s': age %.3f s, not in (0, %.3f]",
                      want, age, TONE_AGE_MAX);
        ck_assert_int_eq(lp_num(e, "ssrc"), atoll(lp_str(json_object_get_object_member(dao, "a-mic"), "ssrc")));
    }
    ck_assert_int_eq(k, 2);
    k = 0;
    for (guint i = 0; i < a.seen->len; i++) {
        JsonObject *e = lp_obj(g_ptr_array_index(a.seen, i));
        if (strcmp(lp_str(e, "event"), "dtmfsent") != 0)
            continue;
        ck_assert_str_eq(lp_str(e, "digit"), k++ == 0 ? "1" : "2");
        ck_assert_int_eq(lp_num(e, "duration_ms"), 100);
        /* a tone is started by a's timer and taken right after it */
        double age = lp_real(e, "age");
        ck_assert_msg(age >= 0 && age <= LIVE_TOLERANCE_MS / 1000.0, "dtmfsent: age %.3f", age);
    }

    /* close() on a: BYE (RFC 3550 s.6.6), heard by b as its remote
     * track's ondisconnected, reason "bye" */
    t0 = lp_now_ms();
    lp_ok0(&a.io, "session.close", "{\"session\":\"m1\"}");
    ck_assert_msg(pump(&a, &b, bye, t0 + BYE_BOUND_MS),
                  "close(): no trackdisconnected of a-mic at b within %d ms", BYE_BOUND_MS);
    JsonObject *e = NULL;
    count(&b, "trackdisconnected", a_mic, &e);
    ck_assert_str_eq(lp_str(e, "reason"), "bye");

    /* shutdown answers and exits 0; EOF on stdin the same */
    lp_ok0(&a.io, "shutdown", NULL);
    ck_assert_int_eq(lp_wait(&a.io), 0);
    lp_eof(&b.io);
    ck_assert_int_eq(lp_wait(&b.io), 0);
    json_node_unref(da);
    json_node_unref(db);
    peer_free(&a);
    peer_free(&b);
}
END_TEST

/* socket.new's servers reach the wire: a STUN Binding request (RFC 8489
 * s.5: type 0x0001, the magic cookie) at the STUN server and a TURN
 * Allocate request (RFC 8656 s.7.1: type 0x0003) at the TURN server, two
 * UDP sockets of the test's, each from a port the adapter bound and
 * announced as the host candidate (env.send from the socket at `from`). */
static int udp_socket(const char *ip, int *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t sl = sizeof sin;
    ck_assert_int_ge(fd, 0);
    inet_pton(AF_INET, ip, &sin.sin_addr);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

/* The first datagram at fd within ms: its STUN type, and its source port. */
static int stun_type_at(int fd, long ms, int *from_port)
{
    struct pollfd pf = { .fd = fd, .events = POLLIN };
    uint8_t b[1500];
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    if (poll(&pf, 1, (int)ms) <= 0)
        return -1;
    ssize_t n = recvfrom(fd, b, sizeof b, 0, (struct sockaddr *)&sin, &sl);
    ck_assert_int_ge(n, 20);                                  /* RFC 8489 s.5: a 20-byte header */
    ck_assert_msg(b[4] == 0x21 && b[5] == 0x12 && b[6] == 0xa4 && b[7] == 0x42, "no magic cookie");
    *from_port = ntohs(sin.sin_port);
    return b[0] << 8 | b[1];
}

static bool gathered(lp_peer_t *ia, lp_peer_t *b)
{
    peer_t *a = peer_of(ia);
    return count(a, "candidate", NULL, NULL) >= 1;
}

START_TEST(servers_on_wire)
{
    peer_t p;
    int sport, tport;
    const char *ip = test_address();
    int sfd = udp_socket(ip, &sport), tfd = udp_socket(ip, &tport);
    peer_start(&p, "adapter");
    hello(&p, all_features);
    char *params = g_strdup_printf("{\"socket\":\"s1\",\"stun\":[{\"ip\":\"%s\",\"port\":%d}],"
                                   "\"turn\":[{\"ip\":\"%s\",\"port\":%d,\"username\":\"u\","
                                   "\"password\":\"p\"}]}", ip, sport, ip, tport);
    lp_ok0(&p.io, "socket.new", params);
    g_free(params);
    lp_ok0(&p.io, "connection.new", "{\"socket\":\"s1\",\"connection\":\"c1\"}");
    /* gathering starts at connection.new (the spec); the first request
     * leaves within a Ta (RFC 8445 s.5.1.1.2, 50 ms); 1 s for the machine */
    int from_s = 0, from_t = 0;
    ck_assert_int_eq(stun_type_at(sfd, 1000, &from_s), 0x0001);
    ck_assert_int_eq(stun_type_at(tfd, 1000, &from_t), 0x0003);
    ck_assert_msg(pump(&p, &p, gathered, lp_now_ms() + 1000), "no host candidate");
    JsonObject *e = NULL;
    count(&p, "candidate", NULL, &e);
    JsonObject *c = json_object_get_object_member(e, "candidate");
    for (guint i = 0; i < p.seen->len; i++) {
        JsonObject *ev = lp_obj(g_ptr_array_index(p.seen, i));
        if (strcmp(lp_str(ev, "event"), "candidate") == 0 &&
            strcmp(lp_str(json_object_get_object_member(ev, "candidate"), "type"), "host") == 0)
            c = json_object_get_object_member(ev, "candidate");
    }
    ck_assert_str_eq(lp_str(c, "type"), "host");
    ck_assert_int_eq(lp_num(c, "connectionPort"), from_s);
    ck_assert_int_eq(lp_num(c, "connectionPort"), from_t);
    lp_ok0(&p.io, "shutdown", NULL);
    ck_assert_int_eq(lp_wait(&p.io), 0);
    peer_free(&p);
    close(sfd);
    close(tfd);
}
END_TEST

START_TEST(bad_requests)
{
    peer_t p;
    peer_start(&p, "adapter");
    hello(&p, all_features);
    /* unknown names: a session, a connection, a socket */
    lp_refused(&p.io, "session.getLocalDescription", "{\"session\":\"m9\"}", "invalid", "m9");
    lp_refused(&p.io, "session.addStream", "{\"stream\":{\"id\":\"s\"}}", "invalid", "session");
    lp_refused(&p.io, "connection.connect", "{\"connection\":\"c9\"}", "invalid", "c9");
    lp_refused(&p.io, "connection.new", "{\"socket\":\"s9\",\"connection\":\"c1\"}", "invalid",
               "s9");
    lp_ok0(&p.io, "session.new", "{\"session\":\"m1\"}");
    lp_refused(&p.io, "session.new", "{\"session\":\"m1\"}", "invalid", "already");
    lp_refused(&p.io, "session.addConnection", "{\"session\":\"m1\",\"connection\":\"c1\"}",
               "invalid", "c1");
    /* descriptions' fields, of every kind of wrong */
    static const struct { const char *track, *names; } bad[] = {
        { "{\"kind\":\"audio\",\"ssrc\":\"12x\"}", "ssrc" },
        { "{\"kind\":\"audio\",\"ssrc\":42}", "ssrc" },
        { "{\"kind\":\"audio\",\"ssrc\":\"4294967296\"}", "ssrc" },
        { "{\"kind\":\"smell\"}", "kind" },
        { "{\"id\":\"other\",\"kind\":\"audio\"}", "keyed" },
        { "{\"kind\":\"audio\",\"msid\":\"\"}", "msid" },
        { "{\"kind\":\"audio\",\"codecs\":[{\"payload-id\":128,\"kind\":\"audio\"}]}", "payload-id" },
        { "{\"kind\":\"audio\",\"codecs\":[{\"kind\":\"audio\"}]}", "payload-id" },
        { "{\"kind\":\"audio\",\"codecs\":{}}", "codecs" },
        { "{\"kind\":\"audio\",\"codecs\":[{\"payload-id\":0,\"kind\":\"audio\",\"clockRate\":8000,"
          "\"hzRate\":8000}]}", "hzRate" },
        { "{\"kind\":\"audio\",\"codecs\":[{\"payload-id\":0,\"kind\":\"audio\",\"numChannels\":0}]}",
          "numChannels" },
        { "{\"kind\":\"audio\",\"mediaAttributes\":{\"videoMaxWidth\":-1}}", "videoMaxWidth" },
        { "{\"kind\":\"audio\",\"rtpExtHeaders\":{\"1\":\"abc\"}}", "rtpExtHeaders" },
        { "{\"kind\":\"audio\",\"delete\":true}", "delete" },
        { "[]", "RTCTrackDescription" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *params = g_strdup_printf("{\"session\":\"m1\",\"description\":{\"t1\":%s},"
                                       "\"mode\":\"full\"}", bad[i].track);
        lp_refused(&p.io, "session.setRemoteDescription", params, "invalid", bad[i].names);
        g_free(params);
    }
    lp_refused(&p.io, "session.setRemoteDescription",
               "{\"session\":\"m1\",\"description\":{},\"mode\":\"partial\"}", "invalid", "mode");
    lp_refused(&p.io, "session.addStream", "{\"session\":\"m1\",\"stream\":{\"id\":\"s\","
               "\"tracks\":[{\"id\":\"t\",\"kind\":\"audio\",\"fps\":-3}]}}", "invalid", "fps");
    lp_refused(&p.io, "session.insertDTMF", "{\"session\":\"m1\",\"track\":\"d\",\"tones\":12}",
               "invalid", "tones");
    lp_refused(&p.io, "session.sendStream",
               "{\"session\":\"m1\",\"stream\":\"s\",\"send\":\"yes\"}", "invalid", "send");
    lp_refused(&p.io, "session.streamTracks", "{\"session\":\"m1\",\"stream\":\"nope\"}", "invalid",
               "nope");
    /* the implementation's own refusals come through with its message */
    lp_refused(&p.io, "session.sendStream",
               "{\"session\":\"m1\",\"stream\":\"nope\",\"send\":true}", "invalid", "nope");
    /* no such track: null, not an error (docs/live.md) */
    JsonNode *r = lp_ok(&p.io, "session.trackStats", "{\"session\":\"m1\",\"track\":\"nope\"}");
    ck_assert(JSON_NODE_HOLDS_NULL(json_object_get_member(lp_obj(r), "stats")));
    json_node_unref(r);
    r = lp_ok(&p.io, "session.dtmfState", "{\"session\":\"m1\",\"track\":\"nope\"}");
    ck_assert(JSON_NODE_HOLDS_NULL(json_object_get_member(lp_obj(r), "state")));
    json_node_unref(r);
    /* the protocol's own: an unknown method, params not an object, no
     * method, a line that is not JSON, one that is not an object */
    lp_refused(&p.io, "session.frobnicate", "{\"session\":\"m1\"}", "unsupported", "frobnicate");
    lp_refused(&p.io, "session.counters", "[1]", "invalid", "params");
    const char *lines[] = { "{\"id\":99}", "not json", "[1,2]", "{\"method\":\"shutdown\"}" };
    for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
        ck_assert_int_eq(write(p.io.in, lines[i], strlen(lines[i])), (ssize_t)strlen(lines[i]));
        ck_assert_int_eq(write(p.io.in, "\n", 1), 1);
        JsonNode *n = lp_line(&p.io, lp_now_ms() + LP_ANSWER_MS);
        ck_assert_msg(n, "no answer to '%s'", lines[i]);
        JsonObject *e = json_object_get_object_member(lp_obj(n), "error");
        ck_assert_msg(e, "'%s' was accepted", lines[i]);
        ck_assert_str_eq(lp_str(e, "code"), "invalid");
        JsonNode *id = json_object_get_member(lp_obj(n), "id");
        ck_assert(i == 0 ? json_node_get_int(id) == 99 : JSON_NODE_HOLDS_NULL(id));
        json_node_unref(n);
    }
    /* still serving after all that */
    r = lp_ok(&p.io, "session.counters", "{\"session\":\"m1\"}");
    ck_assert_int_eq(lp_num(json_object_get_object_member(lp_obj(r), "counters"), "rtp_sent"), 0);
    json_node_unref(r);
    lp_eof(&p.io);
    ck_assert_int_eq(lp_wait(&p.io), 0);
    peer_free(&p);
}
END_TEST

/* A table that cannot be served: exit 2, a message naming it on stderr,
 * no hello on stdout. */
START_TEST(unloadable)
{
    peer_t p;
    char *argv[] = { (char *)lp_built("rtcsim-live", "RTCSIM_LIVE", adapter_buf, sizeof adapter_buf),
                     "--impl", "/nonexistent/impl.so", NULL };
    peer_start_argv(&p, "adapter", argv);
    ck_assert_int_eq(lp_wait(&p.io), 2);
    ck_assert_ptr_null(lp_line(&p.io, lp_now_ms() + 100));
    peer_free(&p);
    char *noimpl[] = { argv[0], NULL };
    peer_start_argv(&p, "adapter", noimpl);
    ck_assert_int_eq(lp_wait(&p.io), 2);
    peer_free(&p);
}
END_TEST

static Suite *live_adapter_suite(void)
{
    Suite *s = suite_create("live_adapter");
    TCase *tc = tcase_create("protocol");
    /* the bounds above add up to a few seconds */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, call_media_dtmf_bye);
    tcase_add_test(tc, servers_on_wire);
    tcase_add_test(tc, bad_requests);
    tcase_add_test(tc, unloadable);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* a dead adapter's pipe must fail a write, not kill the test */
    signal(SIGPIPE, SIG_IGN);
    SRunner *sr = srunner_create(live_adapter_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
