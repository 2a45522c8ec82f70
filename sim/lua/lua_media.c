/*
 * lua_media.c - RTCMediaSession, MediaStream and MediaStreamTrack for
 * scenarios, with the spec's names (spec: "The RTCMediaSession Class",
 * "The RTCMediaSessionDescription Object", "The
 * RTCMediaSessionDescriptionFilter Object", "Extensions to MediaCapture
 * MediaStream", "... MediaStreamTrack"; issue 9).
 *
 *   local mic = MediaStreamTrack{ kind = "audio" }
 *   local cam = MediaStreamTrack{ kind = "video", fps = 30, bitrate = 500000 }
 *   local s = MediaStream{ tracks = { mic, cam } }
 *   local ms = host:RTCMediaSession{ codecs = { ... } }
 *   ms:addConnection(conn); ms:addStream(s); ms:sendStream(s)
 *   ms.onaddstream = function(stream) ... end
 *
 * Local media are plain descriptions (C records) until a session takes
 * them; remote streams and tracks are made here from the session's
 * events and getters, one object per remote stream or track, so the
 * stream onaddstream gave is the one getReceivingStreams() lists.
 * Descriptions are tables keyed by track id (RTCMediaSessionDescription)
 * of RTCTrackDescription tables with the spec's keys; every key is read
 * in byte order, never in next() order (which changes per process).
 * docs/decisions.md D70-D74 say what the spec left open.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "host/ice_host.h"
#include "host/media_host.h"
#include "lua/json.h"
#include "lua/lsim.h"

#define MT_HOST    "rtcsim.Host"
#define MT_CONN    "rtcsim.RTCConnection"
#define MT_SESSION "rtcsim.RTCMediaSession"
#define MT_LTRACK  "rtcsim.MediaStreamTrack"
#define MT_LSTREAM "rtcsim.MediaStream"
#define MT_RTRACK  "rtcsim.RemoteMediaStreamTrack"
#define MT_RSTREAM "rtcsim.RemoteMediaStream"

/* Tracks a local MediaStream holds: a page's stream has one or two; a
 * bound keeps the record fixed-size. */
#define STREAM_MAX_TRACKS 16

typedef struct lsession lsession_t;

typedef struct ltrack {
    rtcsim_local_track_t t;
    struct ltrack    *next;
} ltrack_t;

typedef struct lstream {
    char            id[RTCSIM_NAME_MAX + 1];
    char            label[RTCSIM_NAME_MAX + 1];
    size_t          ntracks;
    ltrack_t       *tracks[STREAM_MAX_TRACKS];
    unsigned        sessions;       /* sessions it was added to: addTrack is refused then */
    struct lstream *next;
} lstream_t;

/* A remote stream or track as the session's events and getters named
 * it; gone once removed (a later one of that id is a new object). */
typedef struct rtrack {
    lsession_t    *ls;
    char           id[RTCSIM_NAME_MAX + 1];
    char           msid[RTCSIM_NAME_MAX + 1];
    bool           gone;
    struct rtrack *next;
} rtrack_t;

typedef struct rstream {
    lsession_t     *ls;
    char            msid[RTCSIM_NAME_MAX + 1];
    bool            gone;
    struct rstream *next;
} rstream_t;

/* A local stream added to a session. */
typedef struct added {
    lstream_t    *st;
    struct added *next;
} added_t;

struct lsession {
    sim_scn_t  *s;
    sim_media_t *m;
    const char *host;
    bool        closed;
    added_t    *added;
    rtrack_t   *rtracks;
    rstream_t  *rstreams;
    lsession_t *next;
};

struct sim_lmedia {
    ltrack_t   *tracks;
    lstream_t  *streams;
    lsession_t *sessions;
    unsigned    ntracks, nstreams;      /* for default ids */
    size_t      nsessions;
};

static sim_lmedia_t *media_of(lua_State *L)
{
    sim_scn_t *s = sim_scn_get(L);
    if (!s->media) {
        s->media = calloc(1, sizeof *s->media);
        if (!s->media)
            luaL_error(L, "out of memory (the media records)");
    }
    return s->media;
}

/* A C record of `size` bytes, counted in the scenario's memory bound
 * (held_bytes): local tracks and streams outlive their userdata, so a
 * loop making them would otherwise grow the C heap with the Lua heap
 * flat. Past the bound: the memory error, raised (L) or, from an event
 * (L NULL), NULL and the bound tripped for the run to end with. */
static void *record_new(lua_State *L, sim_scn_t *s, size_t size)
{
    s->held_bytes += size;
    if (!sim_scn_check(s, L)) {
        s->held_bytes -= size;
        return NULL;
    }
    void *p = calloc(1, size);
    if (!p) {
        s->held_bytes -= size;
        if (L)
            luaL_error(L, "out of memory (a media record)");
    }
    return p;
}

static void record_free(sim_scn_t *s, void *p, size_t size)
{
    s->held_bytes -= size;
    free(p);
}

/* ---- small helpers ---------------------------------------------------------------- */

static void set_bool(lua_State *L, const char *k, bool v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, k);
}


/* What a message names ("setRemoteDescription: track 'a1': codecs[2]"):
 * nested fields make long names, cut at WHAT_MAX, which only shortens a
 * message. */
#define WHAT_MAX 256

static void name_of(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void name_of(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

static void copy_name(lua_State *L, char *dst, size_t cap, const char *v, const char *what)
{
    if (strlen(v) >= cap)
        luaL_error(L, "%s is longer than %d characters", what, (int)cap - 1);
    strcpy(dst, v);
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The string keys of the table at t, sorted in byte order, pushed as a
 * sequence. Any other key is an error naming what. Returns how many.
 * An allocation here may run a finalizer that changes t (snapshots,
 * below): the keys are anchored in a table of ours before any pointer
 * to them is kept, and a t that grew meanwhile is an error, not more
 * keys than the room made for them. */
size_t sim_lua_sorted_keys(lua_State *L, int t, const char *what)
{
    t = lua_absindex(L, t);
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "%s: keys must be strings, got %s", what, luaL_typename(L, -1));
        n++;
    }
    if (n > (size_t)INT_MAX)
        luaL_error(L, "%s: more than %d keys", what, INT_MAX);
    lua_createtable(L, (int)n, 0);      /* the anchors; its array part is not resized below */
    int anchors = lua_gettop(L);
    size_t i = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING || i == n)
            luaL_error(L, "%s: the table changed while it was read (a finalizer?)", what);
        lua_pushvalue(L, -1);
        lua_rawseti(L, anchors, (lua_Integer)++i);
    }
    n = i;
    const char **keys = lua_newuserdatauv(L, (n ? n : 1) * sizeof *keys, 0);
    for (i = 0; i < n; i++) {
        lua_rawgeti(L, anchors, (lua_Integer)i + 1);
        keys[i] = lua_tostring(L, -1);      /* anchored by anchors */
        lua_pop(L, 1);
    }
    qsort(keys, n, sizeof *keys, by_string);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, keys[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_replace(L, anchors);
    lua_settop(L, anchors);
    return n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* An extension's bytes as lower-case hex (D73: JSON carries no bytes). */
static void push_hex(lua_State *L, const uint8_t *v, size_t n)
{
    char buf[2 * RTCSIM_EXT_VAL_MAX + 1];
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n && i < RTCSIM_EXT_VAL_MAX; i++) {
        buf[2 * i] = digits[v[i] >> 4];
        buf[2 * i + 1] = digits[v[i] & 15];
    }
    lua_pushlstring(L, buf, 2 * (n < RTCSIM_EXT_VAL_MAX ? n : RTCSIM_EXT_VAL_MAX));
}

/* ---- snapshots of the session ---------------------------------------------------- */

/*
 * A Lua allocation may run the collector, and the collector a script's
 * finalizer (sandbox.c runs them), which may call the session: add a
 * remote track (the engine's arrays move), remove a stream, add a
 * connection. So no pointer into the engine, and no count taken before
 * an allocation, is used after one: what a getter lists is copied into a
 * userdata first, and the count is the one the copy was made with.
 */
/* How often the copy is retried when finalizers keep growing the list
 * while its room is allocated; then the first ones are listed. */
#define SNAP_TRIES 4

/* The descriptions get lists, as a userdata pushed on the stack. */
/* An implementation's strings are fixed arrays it filled: bound them
 * before they are read as C strings. */
#define TERMINATE(a) ((a)[sizeof(a) - 1] = '\0')
static void terminate_desc(rtcsim_track_desc_t *d)
{
    TERMINATE(d->id);
    TERMINATE(d->msid);
    TERMINATE(d->connection_id);
    if (d->ncodecs > RTCSIM_MAX_CODECS)
        d->ncodecs = RTCSIM_MAX_CODECS;
    for (size_t i = 0; i < d->ncodecs; i++) {
        TERMINATE(d->codecs[i].name);
        if (d->codecs[i].nparams > RTCSIM_MAX_PARAMS)
            d->codecs[i].nparams = RTCSIM_MAX_PARAMS;
        for (size_t j = 0; j < d->codecs[i].nparams; j++) {
            TERMINATE(d->codecs[i].params[j].name);
            TERMINATE(d->codecs[i].params[j].value);
        }
    }
    if (d->nexts > RTCSIM_MAX_EXTS)
        d->nexts = RTCSIM_MAX_EXTS;
    for (size_t i = 0; i < d->nexts; i++) {
        TERMINATE(d->exts[i].name);
        if (d->exts[i].len > RTCSIM_EXT_VAL_MAX)
            d->exts[i].len = RTCSIM_EXT_VAL_MAX;
    }
}

static size_t get_descs(sim_media_t *sm, bool remote, const rtcsim_desc_filter_t *f,
                        rtcsim_track_desc_t *out, size_t max)
{
    const sim_impl_t *impl = sim_media_impl(sm);
    return remote ? SIM_CALL(impl, media_remote_description, sim_media_handle(sm), f, out, max)
                  : SIM_CALL(impl, media_local_description, sim_media_handle(sm), f, out, max);
}

static rtcsim_track_desc_t *snap_descs(lua_State *L, sim_media_t *sm, bool remote,
                                       const rtcsim_desc_filter_t *f, size_t *n)
{
    for (int tries = 1;; tries++) {
        size_t want = get_descs(sm, remote, f, NULL, 0);
        if (want > 4096)        /* an implementation's count: bound what it makes us hold */
            want = 4096;
        rtcsim_track_desc_t *d = lua_newuserdatauv(L, (want ? want : 1) * sizeof *d, 0);
        memset(d, 0, (want ? want : 1) * sizeof *d);
        size_t got = get_descs(sm, remote, f, d, want);
        if (got <= want || tries == SNAP_TRIES) {
            *n = got < want ? got : want;
            for (size_t i = 0; i < *n; i++)
                terminate_desc(&d[i]);
            return d;
        }
        lua_pop(L, 1);
    }
}

typedef char name_t[RTCSIM_NAME_MAX + 1];

/* What snap_names lists: the msids of the sending (local) or receiving
 * (remote) streams, or the ids of a remote stream's tracks. */
typedef enum { SNAP_SENDING, SNAP_RECEIVING, SNAP_TRACKS } snap_what_t;

static size_t list_names(sim_media_t *sm, snap_what_t what, const char *msid, const char **out,
                         size_t max)
{
    const sim_impl_t *impl = sim_media_impl(sm);
    rtcsim_media_t *m = sim_media_handle(sm);
    switch (what) {
    case SNAP_SENDING:
        return SIM_CALL(impl, media_sending_streams, m, out, max);
    case SNAP_RECEIVING:
        return SIM_CALL(impl, media_receiving_streams, m, out, max);
    case SNAP_TRACKS:
        break;
    }
    return SIM_CALL(impl, media_stream_tracks, m, msid, true, out, max);
}

/* Those names, copied, as a userdata pushed on the stack. */
static name_t *snap_names(lua_State *L, sim_media_t *m, snap_what_t what, const char *msid,
                          size_t *n)
{
    for (int tries = 1;; tries++) {
        size_t want = list_names(m, what, msid, NULL, 0);
        if (want > 4096)        /* an implementation's count: bound what it makes us hold */
            want = 4096;
        const char **ids = lua_newuserdatauv(L, (want ? want : 1) * (sizeof *ids + sizeof(name_t)), 0);
        name_t *names = (name_t *)(ids + (want ? want : 1));
        size_t got = list_names(m, what, msid, ids, want);
        if (got <= want || tries == SNAP_TRIES) {
            *n = got < want ? got : want;
            for (size_t i = 0; i < *n; i++)
                snprintf(names[i], sizeof names[i], "%s", ids[i] ? ids[i] : "");
            return names;
        }
        lua_pop(L, 1);
    }
}

/* ---- objects from arguments ------------------------------------------------------- */

static ltrack_t *opt_ltrack(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, MT_LTRACK) ? sim_lobj_ptr(L, idx, MT_LTRACK) : NULL;
}

static ltrack_t *check_ltrack(lua_State *L, int idx, const char *what)
{
    if (luaL_testudata(L, idx, MT_RTRACK))
        luaL_error(L, "%s: a local MediaStreamTrack (from MediaStreamTrack{}), got a remote one", what);
    ltrack_t *t = opt_ltrack(L, idx);
    if (!t)
        luaL_error(L, "%s: a MediaStreamTrack, got %s", what, sim_lobj_typename(L, idx));
    return t;
}

static lstream_t *check_lstream(lua_State *L, int idx, const char *what)
{
    if (luaL_testudata(L, idx, MT_RSTREAM))
        luaL_error(L, "%s: a local MediaStream (from MediaStream{}), got a remote one", what);
    if (!luaL_testudata(L, idx, MT_LSTREAM))
        luaL_error(L, "%s: a MediaStream, got %s", what, sim_lobj_typename(L, idx));
    return sim_lobj_ptr(L, idx, MT_LSTREAM);
}

/* The rtcsim_connection_t of an RTCConnection (lua_ice.c's accessor checks
 * the handle); a clear message for anything else. */
static rtcsim_connection_t *check_conn(lua_State *L, int idx, const char *what, const lsession_t *ls)
{
    const sim_impl_t *impl;
    /* a live host's connection is its program's: the run's proxy
     * implementation is the one its session is on (live_media.c) */
    rtcsim_connection_t *c = sim_lua_live_check_connection(L, idx, &impl);
    if (!c && !luaL_testudata(L, idx, MT_CONN))
        luaL_error(L, "%s: an RTCConnection, got %s", what, sim_lobj_typename(L, idx));
    if (!c)
        c = sim_lua_check_connection(L, idx, &impl);
    /* one implementation's session cannot carry another's connection:
     * their handles mean nothing to each other */
    if (impl != sim_media_impl(ls->m))
        luaL_error(L, "%s: the RTCConnection is implementation %s's, the RTCMediaSession "
                      "implementation %s's (make both on the same host)", what, impl->label,
                   sim_media_impl(ls->m)->label);
    return c;
}

static lsession_t *check_session(lua_State *L)
{
    return sim_lobj_ptr(L, 1, MT_SESSION);
}

/* A mutating method: the phase allows it and the session is open
 * (D71: a method after close() is an InvalidStateError). */
static lsession_t *open_session(lua_State *L, const char *method)
{
    sim_lua_check_phase(L, method);
    lsession_t *ls = check_session(L);
    if (ls->closed)
        luaL_error(L, "InvalidStateError: %s: the RTCMediaSession is closed", method);
    return ls;
}

/* ---- MediaStreamTrack and MediaStream (local) --------------------------------------- */

/* The ids local tracks and streams took, as keys "t:<id>" and "s:<id>"
 * of a registry table: a lookup is one hash probe (a scan of the records
 * made the n-th of a loop cost n, uncharged), and the table is in the
 * Lua heap, so the bound sees it. */
#define IDS "rtcsim.media.ids"

static bool id_used(lua_State *L, char ns, const char *id)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, IDS) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, IDS);
    }
    lua_pushfstring(L, "%c:%s", ns, id);
    bool used = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return used;
}

static void id_claim(lua_State *L, char ns, const char *id)
{
    lua_getfield(L, LUA_REGISTRYINDEX, IDS);      /* made by id_used */
    lua_pushfstring(L, "%c:%s", ns, id);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

static bool track_id_used(lua_State *L, const char *id) { return id_used(L, 't', id); }
static bool stream_id_used(lua_State *L, const char *id) { return id_used(L, 's', id); }

static void opt_name(lua_State *L, int t, const char *what, const char *key, char *dst, size_t cap)
{
    char fwhat[WHAT_MAX];
    name_of(fwhat, sizeof fwhat, "%s: field '%s'", what, key);
    if (lua_getfield(L, t, key) != LUA_TNIL) {
        const char *v = sim_lua_checkstring(L, -1, fwhat);
        if (!v[0])
            luaL_error(L, "%s is empty", fwhat);
        copy_name(L, dst, cap, v, fwhat);
    }
    lua_pop(L, 1);
}

/* A new local track's record and userdata: its id given (unique among
 * the scenario's tracks: descriptions are keyed by it) or made
 * "<prefix>-N". */
static int push_local_track(lua_State *L, sim_lmedia_t *md, rtcsim_local_track_t *t, const char *what,
                            const char *prefix)
{
    if (!t->id[0]) {
        do
            snprintf(t->id, sizeof t->id, "%s-%u", prefix, ++md->ntracks);
        while (track_id_used(L, t->id));
    } else if (track_id_used(L, t->id)) {
        return luaL_error(L, "%s: id '%s' is taken by another track of the scenario "
                             "(descriptions are keyed by track id)", what, t->id);
    }
    /* claimed before the record: a failure between leaves an id unused,
     * never a record the set does not know */
    id_claim(L, 't', t->id);
    ltrack_t *lt = record_new(L, sim_scn_get(L), sizeof *lt);
    lt->t = *t;
    lt->next = md->tracks;
    md->tracks = lt;
    sim_lobj_push_ptr(L, MT_LTRACK, lt);
    return 1;
}

/* MediaStreamTrack{ kind = "audio"|"video", id =, label =, fps =, bitrate = } */
static int l_track(lua_State *L)
{
    static const char *const keys[] = { "kind", "id", "label", "fps", "bitrate", NULL };
    const char *what = "MediaStreamTrack";
    sim_lua_check_phase(L, what);
    luaL_checktype(L, 1, LUA_TTABLE);
    sim_lua_check_keys(L, 1, what, keys);
    sim_lmedia_t *md = media_of(L);
    rtcsim_local_track_t t;
    memset(&t, 0, sizeof t);
    lua_getfield(L, 1, "kind");
    const char *kind = sim_lua_checkstring(L, -1, "MediaStreamTrack: field 'kind'");
    if (!rtcsim_kind_parse(kind, &t.kind) || t.kind == RTCSIM_KIND_DTMF)
        return luaL_error(L, "MediaStreamTrack: field 'kind' must be 'audio' or 'video', got '%s'", kind);
    lua_pop(L, 1);
    opt_name(L, 1, what, "id", t.id, sizeof t.id);
    opt_name(L, 1, what, "label", t.label, sizeof t.label);
    /* fps up to 240 and 100 Mbit/s: beyond any camera a call sends */
    if (lua_getfield(L, 1, "fps") != LUA_TNIL) {
        if (t.kind != RTCSIM_KIND_VIDEO)
            return luaL_error(L, "MediaStreamTrack: field 'fps' is for video tracks");
        t.fps = (uint32_t)sim_lua_checkint(L, -1, "MediaStreamTrack: field 'fps'", 1, 240);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "bitrate") != LUA_TNIL) {
        if (t.kind != RTCSIM_KIND_VIDEO)
            return luaL_error(L, "MediaStreamTrack: field 'bitrate' is for video tracks");
        t.bitrate = (uint32_t)sim_lua_checkint(L, -1, "MediaStreamTrack: field 'bitrate'", 1000,
                                               100000000);
    }
    lua_pop(L, 1);
    return push_local_track(L, md, &t, "MediaStreamTrack", "track");
}

/* RTCDTMFTrack{ id =, label = } (spec, "The RTCDTMFTrack"): a local
 * track of kind "dtmf", added to a MediaStream with an audio track. */
static int l_dtmf_track(lua_State *L)
{
    static const char *const keys[] = { "id", "label", NULL };
    const char *what = "RTCDTMFTrack";
    sim_lua_check_phase(L, what);
    if (lua_isnoneornil(L, 1))
        lua_settop(L, 0), lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    sim_lua_check_keys(L, 1, what, keys);
    sim_lmedia_t *md = media_of(L);
    rtcsim_local_track_t t;
    memset(&t, 0, sizeof t);
    t.kind = RTCSIM_KIND_DTMF;
    opt_name(L, 1, what, "id", t.id, sizeof t.id);
    opt_name(L, 1, what, "label", t.label, sizeof t.label);
    return push_local_track(L, md, &t, "RTCDTMFTrack", "dtmf");
}

static int add_track(lua_State *L, lstream_t *st, int idx, const char *what)
{
    ltrack_t *t = check_ltrack(L, idx, what);
    for (size_t i = 0; i < st->ntracks; i++)
        if (st->tracks[i] == t)
            return luaL_error(L, "%s: track '%s' is in stream '%s' already", what, t->t.id, st->id);
    if (st->ntracks == STREAM_MAX_TRACKS)
        return luaL_error(L, "%s: stream '%s' has %d tracks, the most it may", what, st->id,
                          STREAM_MAX_TRACKS);
    st->tracks[st->ntracks++] = t;
    return 0;
}

/* MediaStream{ id =, label =, tracks = { t1, t2 } } */
static int l_stream(lua_State *L)
{
    static const char *const keys[] = { "id", "label", "tracks", NULL };
    const char *what = "MediaStream";
    sim_lua_check_phase(L, what);
    if (lua_isnoneornil(L, 1))
        lua_settop(L, 0), lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    sim_lua_check_keys(L, 1, what, keys);
    sim_lmedia_t *md = media_of(L);
    lstream_t st;
    memset(&st, 0, sizeof st);
    opt_name(L, 1, what, "id", st.id, sizeof st.id);
    opt_name(L, 1, what, "label", st.label, sizeof st.label);
    int tt = lua_getfield(L, 1, "tracks");
    if (tt != LUA_TNIL && tt != LUA_TTABLE)
        return luaL_error(L, "MediaStream: field 'tracks' must be a list of MediaStreamTrack, got %s",
                          luaL_typename(L, -1));
    if (tt == LUA_TTABLE) {
        static const char *const pos[] = { "[1]", NULL };
        sim_lua_check_keys(L, -1, "MediaStream: field 'tracks'", pos);
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            char w[WHAT_MAX];
            name_of(w, sizeof w, "MediaStream: tracks[%d]", (int)i);
            add_track(L, &st, -1, w);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* a default id once the stream is good: refused ones take none */
    if (!st.id[0]) {
        do
            snprintf(st.id, sizeof st.id, "stream-%u", ++md->nstreams);
        while (stream_id_used(L, st.id));
    } else if (stream_id_used(L, st.id)) {
        return luaL_error(L, "MediaStream: id '%s' is taken by another stream of the scenario "
                             "(it is the msid of its tracks)", st.id);
    }
    id_claim(L, 's', st.id);
    lstream_t *p = record_new(L, sim_scn_get(L), sizeof *p);
    *p = st;
    p->next = md->streams;
    md->streams = p;
    sim_lobj_push_ptr(L, MT_LSTREAM, p);
    return 1;
}

static int lstream_add_track(lua_State *L)
{
    sim_lua_check_phase(L, "addTrack");
    lstream_t *st = check_lstream(L, 1, "addTrack");
    if (st->sessions)
        return luaL_error(L, "addTrack: stream '%s' was given to an RTCMediaSession already "
                             "(a session takes a stream's tracks when it is added)", st->id);
    return add_track(L, st, 2, "addTrack");
}

/* getTracks / getAudioTracks / getVideoTracks of a local stream */
static int lstream_tracks_of(lua_State *L, int kind)
{
    lstream_t *st = check_lstream(L, 1, "getTracks");
    lua_newtable(L);
    lua_Integer n = 0;
    for (size_t i = 0; i < st->ntracks; i++) {
        if (kind >= 0 && st->tracks[i]->t.kind != (rtcsim_kind_t)kind)
            continue;
        sim_lobj_push_ptr(L, MT_LTRACK, st->tracks[i]);
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

static int lstream_get_tracks(lua_State *L) { return lstream_tracks_of(L, -1); }
static int lstream_get_audio(lua_State *L) { return lstream_tracks_of(L, RTCSIM_KIND_AUDIO); }
static int lstream_get_video(lua_State *L) { return lstream_tracks_of(L, RTCSIM_KIND_VIDEO); }

static lsession_t *dtmf_session(lua_State *L, const ltrack_t *t);

static int ltrack_get(lua_State *L, void *obj, const char *key)
{
    ltrack_t *t = obj;
    if (t->t.kind == RTCSIM_KIND_DTMF &&
        (!strcmp(key, "toneBuffer") || !strcmp(key, "duration") || !strcmp(key, "interToneGap"))) {
        /* the session it was added to; before that, the spec's defaults */
        lsession_t *ls = dtmf_session(L, t);
        rtcsim_dtmf_state_t ds = { .duration = RTCSIM_DTMF_DURATION_DEFAULT,
                                .inter_tone_gap = RTCSIM_DTMF_GAP_DEFAULT };
        if (ls && sim_media_impl(ls->m)->t->media_dtmf_state)
            SIM_CALL(sim_media_impl(ls->m), media_dtmf_state, sim_media_handle(ls->m), t->t.id, &ds);
        TERMINATE(ds.tone_buffer);
        if (key[0] == 't')
            lua_pushstring(L, ds.tone_buffer);
        else
            lua_pushinteger(L, key[0] == 'd' ? ds.duration : ds.inter_tone_gap);
        return 1;
    }
    if (strcmp(key, "id") == 0)
        lua_pushstring(L, t->t.id);
    else if (strcmp(key, "label") == 0)
        lua_pushstring(L, t->t.label);
    else if (strcmp(key, "kind") == 0)
        lua_pushstring(L, rtcsim_kind_name(t->t.kind));
    else if (strcmp(key, "fps") == 0 && t->t.fps)
        lua_pushinteger(L, t->t.fps);
    else if (strcmp(key, "bitrate") == 0 && t->t.bitrate)
        lua_pushinteger(L, t->t.bitrate);
    else if (strcmp(key, "remote") == 0)
        lua_pushboolean(L, 0);
    else
        return 0;
    return 1;
}

static int lstream_get(lua_State *L, void *obj, const char *key)
{
    lstream_t *st = obj;
    if (strcmp(key, "id") == 0)
        lua_pushstring(L, st->id);
    else if (strcmp(key, "label") == 0)
        lua_pushstring(L, st->label);
    else if (strcmp(key, "remote") == 0)
        lua_pushboolean(L, 0);
    else
        return 0;
    return 1;
}

static int ltrack_index(lua_State *L) { return sim_lobj_index(L, ltrack_get); }
static int lstream_index(lua_State *L) { return sim_lobj_index(L, lstream_get); }

/* ---- remote streams and tracks ----------------------------------------------------- */

static rstream_t *rstream_find(lsession_t *ls, const char *msid)
{
    for (rstream_t *r = ls->rstreams; r; r = r->next)
        if (!r->gone && strcmp(r->msid, msid) == 0)
            return r;
    return NULL;
}

static rstream_t *rstream_get(lua_State *L, lsession_t *ls, const char *msid)
{
    rstream_t *r = rstream_find(ls, msid);
    if (r)
        return r;
    r = record_new(L, ls->s, sizeof *r);
    r->ls = ls;
    snprintf(r->msid, sizeof r->msid, "%s", msid);
    r->next = ls->rstreams;
    ls->rstreams = r;
    return r;
}

static rtrack_t *rtrack_find(lsession_t *ls, const char *id)
{
    for (rtrack_t *r = ls->rtracks; r; r = r->next)
        if (!r->gone && strcmp(r->id, id) == 0)
            return r;
    return NULL;
}

static rtrack_t *rtrack_get(lua_State *L, lsession_t *ls, const char *id, const char *msid)
{
    rtrack_t *r = rtrack_find(ls, id);
    if (r) {
        if (msid[0])
            snprintf(r->msid, sizeof r->msid, "%s", msid);
        return r;
    }
    r = record_new(L, ls->s, sizeof *r);
    r->ls = ls;
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->msid, sizeof r->msid, "%s", msid);
    r->next = ls->rtracks;
    ls->rtracks = r;
    return r;
}

/* The remote description's entry for a track id (its kind), if any:
 * looked up among its stream's (the copy's cost charged as any
 * allocation, scenario.c's allocator: a field read is not a free scan of every
 * remote track). */
static bool remote_desc_of(lua_State *L, rtrack_t *r, rtcsim_track_desc_t *out)
{
    rtcsim_desc_filter_t f = { .msid = r->msid };
    size_t n;
    const rtcsim_track_desc_t *d = snap_descs(L, r->ls->m, true,
                                           &f, &n);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++)
        if (strcmp(d[i].id, r->id) == 0) {
            *out = d[i];
            found = true;
        }
    lua_pop(L, 1);
    return found;
}

/* The fields a remote track and a remote stream share: id, label (a
 * remote one has none: the description carries no label), remote. */
static int remote_field(lua_State *L, const char *id, const char *key)
{
    if (strcmp(key, "id") == 0)
        lua_pushstring(L, id);
    else if (strcmp(key, "label") == 0)
        lua_pushstring(L, "");
    else if (strcmp(key, "remote") == 0)
        lua_pushboolean(L, 1);
    else
        return 0;
    return 1;
}

static int rtrack_get_field(lua_State *L, void *obj, const char *key)
{
    rtrack_t *r = obj;
    if (remote_field(L, r->id, key))
        return 1;
    if (strcmp(key, "kind") == 0) {
        rtcsim_track_desc_t d;
        if (remote_desc_of(L, r, &d) && (d.given & RTCSIM_TD_KIND))
            lua_pushstring(L, rtcsim_kind_name(d.kind));
        else
            lua_pushnil(L);
        return 1;
    }
    return 0;
}

static int rstream_get_field(lua_State *L, void *obj, const char *key)
{
    rstream_t *r = obj;
    return remote_field(L, r->msid, key);
}

static int rtrack_index(lua_State *L) { return sim_lobj_index(L, rtrack_get_field); }
static int rstream_index(lua_State *L) { return sim_lobj_index(L, rstream_get_field); }

static int rstream_tracks_of(lua_State *L, int kind)
{
    rstream_t *r = sim_lobj_ptr(L, 1, MT_RSTREAM);
    lua_newtable(L);
    if (r->gone)
        return 1;
    lua_Integer k = 0;
    if (kind < 0) {
        size_t n;
        const name_t *ids = snap_names(L, r->ls->m, SNAP_TRACKS, r->msid, &n);
        for (size_t i = 0; i < n; i++) {
            sim_lobj_push_ptr(L, MT_RTRACK, rtrack_get(L, r->ls, ids[i], r->msid));
            lua_rawseti(L, -3, ++k);
        }
    } else {
        /* the remote description lists a stream's tracks in the order
         * rtc_media_stream_tracks does, with their kinds, in one copy */
        rtcsim_desc_filter_t f = { .msid = r->msid };
        size_t n;
        const rtcsim_track_desc_t *d = snap_descs(L, r->ls->m, true, &f, &n);
        for (size_t i = 0; i < n; i++) {
            if (!(d[i].given & RTCSIM_TD_KIND) || d[i].kind != (rtcsim_kind_t)kind)
                continue;
            sim_lobj_push_ptr(L, MT_RTRACK, rtrack_get(L, r->ls, d[i].id, r->msid));
            lua_rawseti(L, -3, ++k);
        }
    }
    lua_pop(L, 1);
    return 1;
}

static int rstream_get_tracks(lua_State *L) { return rstream_tracks_of(L, -1); }
static int rstream_get_audio(lua_State *L) { return rstream_tracks_of(L, RTCSIM_KIND_AUDIO); }
static int rstream_get_video(lua_State *L) { return rstream_tracks_of(L, RTCSIM_KIND_VIDEO); }

/* ---- descriptions: Lua tables to rtcsim_track_desc_t and back --------------------------- */

/* The string on top, the value of field key of what. */
static const char *field_string(lua_State *L, const char *what, const char *key)
{
    char fwhat[WHAT_MAX];
    name_of(fwhat, sizeof fwhat, "%s: field '%s'", what, key);
    return sim_lua_checkstring(L, -1, fwhat);
}

static uint32_t parse_ssrc(lua_State *L, const char *what, const char *v)
{
    /* the spec's DOMString holding the 32-bit SSRC (RFC 3550 s.5.1) in
     * decimal: digits only, no sign, no leading zero but for "0" */
    size_t n = strlen(v);
    bool ok = n >= 1 && n <= 10 && !(n > 1 && v[0] == '0');
    unsigned long long x = 0;
    for (size_t i = 0; ok && i < n; i++) {
        ok = v[i] >= '0' && v[i] <= '9';
        x = x * 10 + (unsigned)(v[i] - '0');
    }
    if (!ok || x > 0xffffffffull)
        luaL_error(L, "%s: field 'ssrc' must be a decimal number 0 to 4294967295 in a string, got '%s'",
                   what, v);
    return (uint32_t)x;
}

static uint32_t field_uint(lua_State *L, int t, const char *what, const char *key, lua_Integer lo,
                           lua_Integer hi)
{
    char fwhat[WHAT_MAX];
    name_of(fwhat, sizeof fwhat, "%s: field '%s'", what, key);
    lua_getfield(L, t, key);
    uint32_t v = (uint32_t)sim_lua_checkint(L, -1, fwhat, lo, hi);
    lua_pop(L, 1);
    return v;
}

/* RTCCodec. The spec's examples write hzRate and connections where its
 * IDL has clockRate and numChannels: both are read, the IDL's are
 * written (D72); one codec giving both names of one field is refused. */
static void parse_codec(lua_State *L, int t, const char *what, rtcsim_codec_t *c)
{
    static const char *const keys[] = { "payload-id", "kind", "name", "clockRate", "numChannels",
                                        "hzRate", "connections", "params", NULL };
    t = lua_absindex(L, t);
    if (lua_type(L, t) != LUA_TTABLE)
        luaL_error(L, "%s must be a table (RTCCodec), got %s", what, luaL_typename(L, t));
    sim_lua_check_keys(L, t, what, keys);
    memset(c, 0, sizeof *c);
    if (lua_getfield(L, t, "payload-id") == LUA_TNIL)
        luaL_error(L, "%s: field 'payload-id' is missing", what);
    lua_pop(L, 1);
    /* RFC 3550 s.5.1: PT is 7 bits */
    c->pt = (uint8_t)field_uint(L, t, what, "payload-id", 0, 127);
    if (lua_getfield(L, t, "kind") == LUA_TNIL)
        luaL_error(L, "%s: field 'kind' is missing", what);
    const char *kind = field_string(L, what, "kind");
    if (!rtcsim_kind_parse(kind, &c->kind))
        luaL_error(L, "%s: field 'kind' must be 'audio', 'video' or 'dtmf', got '%s'", what, kind);
    lua_pop(L, 1);
    if (lua_getfield(L, t, "name") != LUA_TNIL) {
        char fwhat[WHAT_MAX];
        name_of(fwhat, sizeof fwhat, "%s: field 'name'", what);
        copy_name(L, c->name, sizeof c->name, field_string(L, what, "name"), fwhat);
    }
    lua_pop(L, 1);
    static const char *const pairs_[][2] = { { "clockRate", "hzRate" }, { "numChannels", "connections" } };
    for (int i = 0; i < 2; i++) {
        bool a = lua_getfield(L, t, pairs_[i][0]) != LUA_TNIL;
        bool b = lua_getfield(L, t, pairs_[i][1]) != LUA_TNIL;
        lua_pop(L, 2);
        if (a && b)
            luaL_error(L, "%s: give '%s' or its alias '%s' (the spec's examples), not both", what,
                       pairs_[i][0], pairs_[i][1]);
        const char *key = a ? pairs_[i][0] : b ? pairs_[i][1] : NULL;
        if (!key)
            continue;
        /* a clock rate is a positive 32-bit count of Hz; channels 1-255 (RFC 8866 s.6.6) */
        uint32_t v = field_uint(L, t, what, key, 1, i == 0 ? 0xffffffff : 255);
        if (i == 0)
            c->clock_rate = v;
        else
            c->channels = v;
    }
    int pt = lua_getfield(L, t, "params");
    if (pt != LUA_TNIL) {
        char pwhat[WHAT_MAX];
        if (pt != LUA_TTABLE)
            luaL_error(L, "%s: field 'params' must be a list of { name =, value = }, got %s", what,
                       luaL_typename(L, -1));
        int p = lua_gettop(L);
        static const char *const pos[] = { "[1]", NULL };
        name_of(pwhat, sizeof pwhat, "%s: field 'params'", what);
        sim_lua_check_keys(L, p, pwhat, pos);
        for (lua_Integer i = 1; lua_rawgeti(L, p, i) != LUA_TNIL; i++) {
            name_of(pwhat, sizeof pwhat, "%s: params[%d]", what, (int)i);
            if ((size_t)i > RTCSIM_MAX_PARAMS)
                luaL_error(L, "%s: more than %d params", what, RTCSIM_MAX_PARAMS);
            if (lua_type(L, -1) != LUA_TTABLE)
                luaL_error(L, "%s must be a table { name =, value = }, got %s", pwhat,
                           luaL_typename(L, -1));
            static const char *const pkeys[] = { "name", "value", NULL };
            sim_lua_check_keys(L, -1, pwhat, pkeys);
            rtcsim_codec_param_t *cp = &c->params[c->nparams++];
            char fw[WHAT_MAX];
            if (lua_getfield(L, -1, "name") == LUA_TNIL)
                luaL_error(L, "%s: field 'name' is missing", pwhat);
            name_of(fw, sizeof fw, "%s: field 'name'", pwhat);
            copy_name(L, cp->name, sizeof cp->name, sim_lua_checkstring(L, -1, fw), fw);
            lua_pop(L, 1);
            if (lua_getfield(L, -1, "value") != LUA_TNIL) {
                name_of(fw, sizeof fw, "%s: field 'value'", pwhat);
                copy_name(L, cp->value, sizeof cp->value, sim_lua_checkstring(L, -1, fw), fw);
                cp->has_value = true;
            }
            lua_pop(L, 2);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static void parse_codecs(lua_State *L, int t, const char *what, rtcsim_codec_t *out, size_t *n)
{
    t = lua_absindex(L, t);
    if (lua_type(L, t) != LUA_TTABLE)
        luaL_error(L, "%s: field 'codecs' must be a list of RTCCodec, got %s", what, luaL_typename(L, t));
    static const char *const pos[] = { "[1]", NULL };
    char cwhat[WHAT_MAX];
    name_of(cwhat, sizeof cwhat, "%s: field 'codecs'", what);
    sim_lua_check_keys(L, t, cwhat, pos);
    *n = 0;
    for (lua_Integer i = 1; lua_rawgeti(L, t, i) != LUA_TNIL; i++) {
        if ((size_t)i > RTCSIM_MAX_CODECS)
            luaL_error(L, "%s: more than %d codecs", what, RTCSIM_MAX_CODECS);
        name_of(cwhat, sizeof cwhat, "%s: codecs[%d]", what, (int)i);
        parse_codec(L, -1, cwhat, &out[(*n)++]);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* RTCMediaAttributes: the IDL's sequence<RTCMediaAttributes> or the
 * example's dictionary; a sequence is merged, and two of its members
 * giving one key different values are refused (D72). */
static void parse_attrs(lua_State *L, int t, const char *what, rtcsim_media_attrs_t *a)
{
    static const char *const keys[] = { "videoMaxWidth", "videoMaxHeight", NULL };
    t = lua_absindex(L, t);
    if (lua_type(L, t) != LUA_TTABLE)
        luaL_error(L, "%s: field 'mediaAttributes' must be a table { videoMaxWidth =, videoMaxHeight = } "
                      "or a list of them, got %s", what, luaL_typename(L, t));
    memset(a, 0, sizeof *a);
    bool seq = lua_rawgeti(L, t, 1) != LUA_TNIL;
    lua_pop(L, 1);
    char awhat[WHAT_MAX];
    if (seq) {
        static const char *const pos[] = { "[1]", NULL };
        name_of(awhat, sizeof awhat, "%s: field 'mediaAttributes'", what);
        sim_lua_check_keys(L, t, awhat, pos);
    }
    for (lua_Integer i = 1; seq ? lua_rawgeti(L, t, i) != LUA_TNIL : i == 1; i++) {
        if (!seq)
            lua_pushvalue(L, t);
        if (seq)
            name_of(awhat, sizeof awhat, "%s: mediaAttributes[%d]", what, (int)i);
        else
            name_of(awhat, sizeof awhat, "%s: mediaAttributes", what);
        if (lua_type(L, -1) != LUA_TTABLE)
            luaL_error(L, "%s must be a table, got %s", awhat, luaL_typename(L, -1));
        sim_lua_check_keys(L, -1, awhat, keys);
        uint32_t *dst[2] = { &a->video_max_width, &a->video_max_height };
        for (int k = 0; k < 2; k++) {
            if (lua_getfield(L, -1, keys[k]) == LUA_TNIL) {
                lua_pop(L, 1);
                continue;
            }
            lua_pop(L, 1);
            /* a positive int (the IDL's int?): 0 would say "not given" */
            uint32_t v = field_uint(L, -1, awhat, keys[k], 1, 0x7fffffff);
            if (*dst[k] && *dst[k] != v)
                luaL_error(L, "%s: field '%s' is %d, an earlier member of the list said %d", awhat,
                           keys[k], (int)v, (int)*dst[k]);
            *dst[k] = v;
        }
        lua_pop(L, 1);
    }
}

/* rtpExtHeaders: name (an extmap URI, or an id in decimal) -> value as
 * hex (D73). */
void sim_lua_parse_exts(lua_State *L, int t, const char *what, rtcsim_ext_header_t *out, size_t *n)
{
    t = lua_absindex(L, t);
    char ewhat[WHAT_MAX];
    name_of(ewhat, sizeof ewhat, "%s: field 'rtpExtHeaders'", what);
    if (lua_type(L, t) != LUA_TTABLE)
        luaL_error(L, "%s must be a table { name = hex value }, got %s", ewhat, luaL_typename(L, t));
    size_t nk = sim_lua_sorted_keys(L, t, ewhat);
    if (nk > RTCSIM_MAX_EXTS)
        luaL_error(L, "%s: more than %d header extensions", ewhat, RTCSIM_MAX_EXTS);
    *n = 0;
    for (size_t i = 0; i < nk; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        const char *name = lua_tostring(L, -1);
        rtcsim_ext_header_t *e = &out[(*n)++];
        memset(e, 0, sizeof *e);
        char fw[WHAT_MAX];
        name_of(fw, sizeof fw, "%s: the name '%s'", ewhat, name);
        sim_lua_checkstring(L, -1, fw);
        if (!name[0])
            luaL_error(L, "%s: an empty name", ewhat);
        copy_name(L, e->name, sizeof e->name, name, fw);
        lua_gettable(L, t);
        name_of(fw, sizeof fw, "%s['%s']", ewhat, e->name);
        const char *hex = sim_lua_checkstring(L, -1, fw);
        size_t hl = strlen(hex);
        if (hl % 2 || hl / 2 > RTCSIM_EXT_VAL_MAX)
            luaL_error(L, "%s must be the value's bytes in hex, at most %d bytes, got '%s'", fw,
                       RTCSIM_EXT_VAL_MAX, hex);
        for (size_t k = 0; k < hl / 2; k++) {
            int hi = hexval(hex[2 * k]), lo = hexval(hex[2 * k + 1]);
            if (hi < 0 || lo < 0)
                luaL_error(L, "%s must be the value's bytes in hex, got '%s'", fw, hex);
            e->value[k] = (uint8_t)(hi << 4 | lo);
        }
        e->len = (uint8_t)(hl / 2);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* One RTCTrackDescription at t. key: the id it is keyed by in a
 * description (NULL for setTrackProperties' lone description). */
void sim_lua_parse_track_desc(lua_State *L, int t, const char *what, const char *key,
                              rtcsim_track_desc_t *d)
{
    static const char *const keys[] = { "id", "kind", "ssrc", "msid", "connection-id", "codecs",
                                        "mediaAttributes", "rtpExtHeaders", "delete", NULL };
    t = lua_absindex(L, t);
    if (lua_type(L, t) != LUA_TTABLE)
        luaL_error(L, "%s must be a table (RTCTrackDescription), got %s", what, luaL_typename(L, t));
    sim_lua_check_keys(L, t, what, keys);
    memset(d, 0, sizeof *d);
    char fw[WHAT_MAX];
    if (key) {
        /* the description is keyed by track id (spec: "The
         * RTCMediaSessionDescription Object"): the key is the id, given
         * whether or not the entry repeats it ({ delete = true } does not,
         * in the spec's example); an id field must agree with it (D73) */
        name_of(fw, sizeof fw, "%s: its key", what);
        if (!key[0])
            luaL_error(L, "%s: missing id: the key is empty (a track is keyed by its id)", what);
        copy_name(L, d->id, sizeof d->id, key, fw);
        d->given |= RTCSIM_TD_ID;
    }
    if (lua_getfield(L, t, "id") != LUA_TNIL) {
        const char *id = field_string(L, what, "id");
        if (key && strcmp(id, key) != 0)
            luaL_error(L, "%s: field 'id' is '%s', but the track is keyed by '%s'", what, id, key);
        name_of(fw, sizeof fw, "%s: field 'id'", what);
        copy_name(L, d->id, sizeof d->id, id, fw);
        d->given |= RTCSIM_TD_ID;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, t, "kind") != LUA_TNIL) {
        const char *kind = field_string(L, what, "kind");
        if (!rtcsim_kind_parse(kind, &d->kind))
            luaL_error(L, "%s: field 'kind' must be 'audio', 'video' or 'dtmf', got '%s'", what, kind);
        d->given |= RTCSIM_TD_KIND;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, t, "ssrc") != LUA_TNIL) {
        d->ssrc = parse_ssrc(L, what, field_string(L, what, "ssrc"));
        d->given |= RTCSIM_TD_SSRC;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, t, "msid") != LUA_TNIL) {
        name_of(fw, sizeof fw, "%s: field 'msid'", what);
        const char *v = field_string(L, what, "msid");
        if (!v[0])
            luaL_error(L, "%s is empty", fw);
        copy_name(L, d->msid, sizeof d->msid, v, fw);
        d->given |= RTCSIM_TD_MSID;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, t, "connection-id") != LUA_TNIL) {
        name_of(fw, sizeof fw, "%s: field 'connection-id'", what);
        copy_name(L, d->connection_id, sizeof d->connection_id,
                  field_string(L, what, "connection-id"), fw);
        d->given |= RTCSIM_TD_CONNECTION;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, t, "codecs") != LUA_TNIL) {
        parse_codecs(L, -1, what, d->codecs, &d->ncodecs);
        d->given |= RTCSIM_TD_CODECS;
    } else {
        lua_pop(L, 1);
    }
    if (lua_getfield(L, t, "mediaAttributes") != LUA_TNIL) {
        parse_attrs(L, -1, what, &d->attrs);
        d->given |= RTCSIM_TD_ATTRS;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, t, "rtpExtHeaders") != LUA_TNIL) {
        sim_lua_parse_exts(L, -1, what, d->exts, &d->nexts);
        d->given |= RTCSIM_TD_EXTS;
    }
    lua_pop(L, 1);
    int dt = lua_getfield(L, t, "delete");
    if (dt != LUA_TNIL) {
        if (dt != LUA_TBOOLEAN)
            luaL_error(L, "%s: field 'delete' must be a boolean, got %s", what, luaL_typename(L, -1));
        d->del = lua_toboolean(L, -1);
        d->given |= RTCSIM_TD_DELETE;
    }
    lua_pop(L, 1);
}

void sim_lua_push_codec(lua_State *L, const rtcsim_codec_t *c)
{
    lua_createtable(L, 0, 6);
    sim_lua_set_int(L, "payload-id", c->pt);
    sim_lua_set_str(L, "kind", rtcsim_kind_name(c->kind));
    if (c->name[0])
        sim_lua_set_str(L, "name", c->name);
    if (c->clock_rate)
        sim_lua_set_int(L, "clockRate", c->clock_rate);
    if (c->channels)
        sim_lua_set_int(L, "numChannels", c->channels);
    if (c->nparams) {
        lua_createtable(L, (int)c->nparams, 0);
        for (size_t i = 0; i < c->nparams; i++) {
            lua_createtable(L, 0, 2);
            sim_lua_set_str(L, "name", c->params[i].name);
            if (c->params[i].has_value)
                sim_lua_set_str(L, "value", c->params[i].value);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        sim_json_mark(L, "array");
        lua_setfield(L, -2, "params");
    }
}

void sim_lua_push_track_desc(lua_State *L, const rtcsim_track_desc_t *d, bool given_only)
{
    /* given_only: the keys d->given names, and delete: what a scenario
     * wrote, for a live program (an absent kind is not "audio") */
    unsigned g = given_only ? d->given : ~(unsigned)RTCSIM_TD_DELETE;
    char ssrc[16];
    lua_createtable(L, 0, 8);
    if (g & RTCSIM_TD_ID)
        sim_lua_set_str(L, "id", d->id);
    if (g & RTCSIM_TD_KIND)
        sim_lua_set_str(L, "kind", rtcsim_kind_name(d->kind));
    snprintf(ssrc, sizeof ssrc, "%u", (unsigned)d->ssrc);
    if (g & RTCSIM_TD_SSRC)
        sim_lua_set_str(L, "ssrc", ssrc);
    if (g & RTCSIM_TD_MSID)
        sim_lua_set_str(L, "msid", d->msid);
    if ((g & RTCSIM_TD_CONNECTION) && (given_only || d->connection_id[0]))
        sim_lua_set_str(L, "connection-id", d->connection_id);
    if (g & RTCSIM_TD_CODECS) {
        lua_createtable(L, (int)d->ncodecs, 0);
        for (size_t i = 0; i < d->ncodecs; i++) {
            sim_lua_push_codec(L, &d->codecs[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        sim_json_mark(L, "array");
        lua_setfield(L, -2, "codecs");
    }
    /* written as the example's dictionary (D72) */
    if ((g & RTCSIM_TD_ATTRS) && (given_only || d->attrs.video_max_width || d->attrs.video_max_height)) {
        lua_createtable(L, 0, 2);
        if (d->attrs.video_max_width)
            sim_lua_set_int(L, "videoMaxWidth", d->attrs.video_max_width);
        if (d->attrs.video_max_height)
            sim_lua_set_int(L, "videoMaxHeight", d->attrs.video_max_height);
        if (given_only)
            sim_json_mark(L, "object");
        lua_setfield(L, -2, "mediaAttributes");
    }
    if ((g & RTCSIM_TD_EXTS) && (given_only || d->nexts)) {
        lua_createtable(L, 0, (int)d->nexts);
        for (size_t i = 0; i < d->nexts && i < RTCSIM_MAX_EXTS; i++) {
            push_hex(L, d->exts[i].value, d->exts[i].len);
            lua_setfield(L, -2, d->exts[i].name);
        }
        if (given_only)
            sim_json_mark(L, "object");
        lua_setfield(L, -2, "rtpExtHeaders");
    }
    if (g & RTCSIM_TD_DELETE) {
        lua_pushboolean(L, d->del);
        lua_setfield(L, -2, "delete");
    }
}

/* RTCMediaSessionDescriptionFilter at idx (nil: none), its strings
 * copied into f (a finalizer may change the table while the getter's
 * copy is allocated). */
typedef struct filter_buf {
    rtcsim_desc_filter_t f;
    char              msid[RTCSIM_NAME_MAX + 1];
    char              connection_id[RTCSIM_ID_MAX + 1];
} filter_buf_t;

static const rtcsim_desc_filter_t *parse_filter(lua_State *L, int idx, const char *what, filter_buf_t *fb)
{
    if (lua_isnoneornil(L, idx))
        return NULL;
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: the filter must be a table { msid =, [\"connection-id\"] = }, got %s", what,
                   luaL_typename(L, idx));
    static const char *const keys[] = { "msid", "connection-id", NULL };
    char fw[WHAT_MAX];
    name_of(fw, sizeof fw, "%s: filter", what);
    sim_lua_check_keys(L, idx, fw, keys);
    memset(fb, 0, sizeof *fb);
    if (lua_getfield(L, idx, "msid") != LUA_TNIL) {
        name_of(fw, sizeof fw, "%s: filter field 'msid'", what);
        copy_name(L, fb->msid, sizeof fb->msid, sim_lua_checkstring(L, -1, fw), fw);
        fb->f.msid = fb->msid;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "connection-id") != LUA_TNIL) {
        name_of(fw, sizeof fw, "%s: filter field 'connection-id'", what);
        copy_name(L, fb->connection_id, sizeof fb->connection_id, sim_lua_checkstring(L, -1, fw), fw);
        fb->f.connection_id = fb->connection_id;
    }
    lua_pop(L, 1);
    return &fb->f;
}

/* The whole local description on top, as the page read it, for
 * sidecar.json; its encoding charged as the C work it is. */
static void sidecar_media(lua_State *L, lsession_t *ls)
{
    size_t len;
    char err[256];
    char *json = sim_json_encode(L, -1, &len, err, sizeof err);
    if (!json)
        return;     /* provably unreachable: the binding's own table of strings and numbers */
    sim_sidecar_media(ls->s->sidecar, ls->host, ls, json, len);
    free(json);
    sim_scn_charge(L, (double)len / SIM_WORK_PER_INSTR, "getLocalDescription: %zu bytes", len);
}

static int push_description(lua_State *L, bool remote, const char *what)
{
    lsession_t *ls = check_session(L);
    filter_buf_t fb;
    const rtcsim_desc_filter_t *f = parse_filter(L, 2, what, &fb);
    size_t n;
    const rtcsim_track_desc_t *d = snap_descs(L, ls->m, remote, f, &n);
    lua_createtable(L, 0, (int)n);
    for (size_t i = 0; i < n; i++) {
        sim_lua_push_track_desc(L, &d[i], false);
        lua_setfield(L, -2, d[i].id);
    }
    sim_json_mark(L, "object");
    if (!remote && (!f || (!f->msid && !f->connection_id)))   /* the whole description */
        sidecar_media(L, ls);
    return 1;
}

/* ---- RTCMediaSession ------------------------------------------------------------------ */

/* An engine call's result: 0, or its message as a Lua error. The
 * engine's messages name the method already; one that does not gets it
 * in front. exc: the exception a refusal is (D71), or NULL. */
static int done_as(lua_State *L, lsession_t *ls, int rc, const char *method, const char *exc,
                   const char *err)
{
    if (rc == RTCSIM_ERR_NOMEM)
        sim_scn_check(ls->s, L);    /* at the bound: the memory error */
    if (rc < 0) {
        /* the exception is the spec's, whoever implements it; a message
         * from an implementation under test says whose it is */
        const sim_impl_t *impl = sim_media_impl(ls->m);
        bool other = !sim_impl_is_builtin(impl);
        char msg[256];      /* err: a 256-byte buffer the implementation filled; bounded */
        snprintf(msg, sizeof msg, "%.*s", (int)sizeof msg - 1, err);
        err = msg;
        size_t ml = strlen(method);
        bool named = strncmp(err, method, ml) == 0 && err[ml] == ':';
        return luaL_error(L, "%s%s%s%s%s%s%s%s", exc ? exc : "", exc ? ": " : "",
                          named ? "" : method, named ? "" : ": ", err[0] ? err : rtcsim_strerror(rc),
                          other ? " (implementation " : "", other ? impl->label : "", other ? ")" : "");
    }
    sim_media_poke(ls->m);
    return 0;
}

static int done(lua_State *L, lsession_t *ls, int rc, const char *method, const char *err)
{
    return done_as(L, ls, rc, method, NULL, err);
}

static void parse_options(lua_State *L, int t, rtcsim_media_options_t *o)
{
    static const char *const keys[] = { "codecs", "mediaAttributes", "extmap", NULL };
    const char *what = "RTCMediaSession: options";
    memset(o, 0, sizeof *o);
    if (lua_isnoneornil(L, t))
        return;
    if (lua_type(L, t) != LUA_TTABLE)
        luaL_error(L, "%s must be a table, got %s", what, luaL_typename(L, t));
    sim_lua_check_keys(L, t, what, keys);
    if (lua_getfield(L, t, "codecs") != LUA_TNIL)
        parse_codecs(L, -1, what, o->codecs, &o->ncodecs);
    else
        lua_pop(L, 1);
    if (lua_getfield(L, t, "mediaAttributes") != LUA_TNIL)
        parse_attrs(L, -1, what, &o->attrs);
    lua_pop(L, 1);
    /* extmap (not in the spec, D72): URI -> RFC 8285 id, the names of
     * rtpExtHeaders on the wire */
    if (lua_getfield(L, t, "extmap") != LUA_TNIL) {
        int e = lua_gettop(L);
        const char *ew = "RTCMediaSession: options field 'extmap'";
        if (lua_type(L, e) != LUA_TTABLE)
            luaL_error(L, "%s must be a table { [uri] = id }, got %s", ew, luaL_typename(L, e));
        size_t nk = sim_lua_sorted_keys(L, e, ew);
        if (nk > RTCSIM_MAX_EXTS)
            luaL_error(L, "%s: more than %d extensions", ew, RTCSIM_MAX_EXTS);
        for (size_t i = 0; i < nk; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i + 1);
            const char *uri = lua_tostring(L, -1);
            char fw[WHAT_MAX];
            name_of(fw, sizeof fw, "%s['%s']", ew, uri);
            sim_lua_checkstring(L, -1, fw);
            rtcsim_extmap_t *x = &o->extmap[o->nextmap++];
            copy_name(L, x->uri, sizeof x->uri, uri, fw);
            lua_gettable(L, e);
            /* RFC 8285 s.4.2: ids 1-14 in the one-byte form, 1-255 in the two-byte */
            x->id = (uint8_t)sim_lua_checkint(L, -1, fw, 1, 255);
            lua_pop(L, 1);
            for (size_t k = 0; k + 1 < o->nextmap; k++)
                if (o->extmap[k].id == x->id)
                    luaL_error(L, "%s: id %d is '%s''s already", fw, x->id, o->extmap[k].uri);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static void on_event(void *arg, sim_media_t *m, const rtcsim_media_event_t *ev);

/* host:RTCMediaSession([options]): the session runs on that host (D72). */
static int l_session(lua_State *L)
{
    sim_lua_check_phase(L, "host:RTCMediaSession");
    /* options at 2 even when absent: with host:RTCMediaSession() the
     * userdata below would land at 2 and be read as the options (fixed by
     * h-scenb: "options must be a table, got userdata") */
    lua_settop(L, 2);
    sim_scn_t *s = sim_scn_get(L);
    sim_host_t *h = sim_lobj_ptr(L, 1, MT_HOST);
    /* the options at 2 whether given or not: host:RTCMediaSession() would
     * find the options' own buffer there */
    lua_settop(L, 2);
    rtcsim_media_options_t *o = lua_newuserdatauv(L, sizeof *o, 0);
    parse_options(L, 2, o);
    sim_lmedia_t *md = media_of(L);
    /* sim_media_new numbers the session by a scan of the live ones (one
     * step each, charged as an instruction): a loop making sessions
     * meets the instruction bound, not minutes of uncharged C */
    sim_scn_charge(L, (double)md->nsessions, "host:RTCMediaSession scans the %zu sessions made so far",
                   md->nsessions);
    const sim_impl_t *impl = sim_lua_host_impl(L, h, "host:RTCMediaSession");
    lsession_t *ls = record_new(L, s, sizeof *ls);
    ls->s = s;
    ls->host = sim_host_name(h);
    char err[256] = "";
    ls->m = sim_media_new(h, impl, lua_isnoneornil(L, 2) ? NULL : o, on_event, ls, err, sizeof err);
    if (!ls->m) {
        record_free(s, ls, sizeof *ls);
        sim_scn_check(s, L);    /* out of memory at the bound: the memory error */
        return luaL_error(L, "RTCMediaSession: %s", err);
    }
    ls->next = md->sessions;
    md->sessions = ls;
    md->nsessions++;
    sim_lobj_push_ptr(L, MT_SESSION, ls);
    return 1;
}

static int m_get_local_description(lua_State *L)
{
    return push_description(L, false, "getLocalDescription");
}

static int m_get_remote_description(lua_State *L)
{
    return push_description(L, true, "getRemoteDescription");
}

/* setRemoteDescription(description [, incremental]) */
static int m_set_remote_description(lua_State *L)
{
    const char *what = "setRemoteDescription";
    lsession_t *ls = open_session(L, what);
    bool incremental = false;
    if (!lua_isnoneornil(L, 3)) {
        if (lua_type(L, 3) != LUA_TBOOLEAN)
            return luaL_error(L, "%s: incremental must be a boolean, got %s", what, luaL_typename(L, 3));
        incremental = lua_toboolean(L, 3);
    }
    lua_settop(L, 3);
    if (lua_isnil(L, 2))        /* the IDL's nullable description: an empty one */
        lua_newtable(L), lua_replace(L, 2);
    if (lua_type(L, 2) != LUA_TTABLE)
        return luaL_error(L, "%s: the description must be a table keyed by track id, got %s", what,
                          luaL_typename(L, 2));
    size_t n = sim_lua_sorted_keys(L, 2, "setRemoteDescription: the description");
    int keys = lua_gettop(L);
    rtcsim_track_desc_t *d = lua_newuserdatauv(L, (n ? n : 1) * sizeof *d, 0);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, keys, (lua_Integer)i + 1);
        const char *key = lua_tostring(L, -1);
        char tw[WHAT_MAX];
        name_of(tw, sizeof tw, "%s: track '%.64s'", what, key);
        lua_gettable(L, 2);
        lua_rawgeti(L, keys, (lua_Integer)i + 1);
        sim_lua_parse_track_desc(L, -2, tw, lua_tostring(L, -1), &d[i]);
        lua_pop(L, 2);
        if (!incremental && (d[i].given & RTCSIM_TD_DELETE))
            return luaL_error(L, "%s: field 'delete' is for incremental mode (a full description "
                                 "removes a track by leaving it out)", tw);
    }
    char err[256] = "";
    return done(L, ls, SIM_CALL(sim_media_impl(ls->m), media_set_remote_description, sim_media_handle(ls->m), d, n, incremental, err,
                                                        sizeof err), what, err);
}

static added_t **find_added(lsession_t *ls, const lstream_t *st)
{
    added_t **a = &ls->added;
    while (*a && (*a)->st != st)
        a = &(*a)->next;
    return a;
}

static int m_add_stream(lua_State *L)
{
    const char *what = "addStream";
    lsession_t *ls = open_session(L, what);
    lstream_t *st = check_lstream(L, 2, what);
    if (*find_added(ls, st))
        return luaL_error(L, "%s: stream '%s' is added already", what, st->id);
    /* the count before the allocation: a finalizer it runs may add a
     * track to the stream (not added yet, so addTrack is allowed) */
    size_t nt = st->ntracks;
    rtcsim_local_track_t *tr = lua_newuserdatauv(L, (nt ? nt : 1) * sizeof *tr, 0);
    if (st->ntracks != nt || *find_added(ls, st) || ls->closed)
        return luaL_error(L, "%s: stream '%s' or the session changed while it was added (a finalizer?)",
                          what, st->id);
    for (size_t i = 0; i < nt; i++)
        tr[i] = st->tracks[i]->t;
    rtcsim_local_stream_t s = { .ntracks = nt, .tracks = tr };
    memcpy(s.id, st->id, sizeof s.id);
    memcpy(s.label, st->label, sizeof s.label);
    added_t *a = record_new(L, ls->s, sizeof *a);
    char err[256] = "";
    int rc = SIM_CALL(sim_media_impl(ls->m), media_add_stream, sim_media_handle(ls->m), &s, err, sizeof err);
    if (rc < 0) {
        record_free(ls->s, a, sizeof *a);
        return done(L, ls, rc, what, err);
    }
    a->st = st;
    *find_added(ls, NULL) = a;     /* at the end: the order added */
    st->sessions++;
    return done(L, ls, 0, what, err);
}

/* A local stream the session has (D71: one it does not have is named). */
static added_t **check_added(lua_State *L, lsession_t *ls, int idx, const char *what)
{
    lstream_t *st = check_lstream(L, idx, what);
    added_t **a = find_added(ls, st);
    if (!*a)
        luaL_error(L, "InvalidStateError: %s: stream '%s' was not added to this RTCMediaSession "
                      "(addStream)", what, st->id);
    return a;
}

static int m_remove_stream(lua_State *L)
{
    const char *what = "removeStream";
    lsession_t *ls = open_session(L, what);
    added_t **a = check_added(L, ls, 2, what);
    char err[256] = "";
    int rc = SIM_CALL(sim_media_impl(ls->m), media_remove_stream, sim_media_handle(ls->m), (*a)->st->id, err, sizeof err);
    if (rc == 0) {
        added_t *gone = *a;
        *a = gone->next;
        gone->st->sessions--;
        record_free(ls->s, gone, sizeof *gone);
    }
    return done(L, ls, rc, what, err);
}

/* The optional flag of sendStream/sendTrack (D70): absent or true sends,
 * false stops. */
static bool send_flag(lua_State *L, int idx, const char *what)
{
    if (lua_isnoneornil(L, idx))
        return true;
    if (lua_type(L, idx) != LUA_TBOOLEAN)
        luaL_error(L, "%s: the flag must be a boolean (false stops sending), got %s", what,
                   luaL_typename(L, idx));
    return lua_toboolean(L, idx);
}

static int m_send_stream(lua_State *L)
{
    const char *what = "sendStream";
    lsession_t *ls = open_session(L, what);
    added_t **a = check_added(L, ls, 2, what);
    bool send = send_flag(L, 3, what);
    char err[256] = "";
    return done(L, ls, SIM_CALL(sim_media_impl(ls->m), media_send_stream, sim_media_handle(ls->m), (*a)->st->id, send, err, sizeof err),
                what, err);
}

/* A local track of a stream the session has. */
static ltrack_t *check_sent_track(lua_State *L, lsession_t *ls, int idx, const char *what)
{
    ltrack_t *t = check_ltrack(L, idx, what);
    for (added_t *a = ls->added; a; a = a->next)
        for (size_t i = 0; i < a->st->ntracks; i++)
            if (a->st->tracks[i] == t)
                return t;
    luaL_error(L, "InvalidStateError: %s: track '%s' is in no stream added to this RTCMediaSession "
                  "(addStream)", what, t->t.id);
    return NULL;
}

/* The session a local dtmf track's stream was added to (the first of
 * the scenario's, D95: a track is in one session's
 * streams in practice); NULL if none. */
static lsession_t *dtmf_session(lua_State *L, const ltrack_t *t)
{
    for (lsession_t *ls = media_of(L)->sessions; ls; ls = ls->next) {
        if (ls->closed)
            continue;
        for (added_t *a = ls->added; a; a = a->next)
            for (size_t i = 0; i < a->st->ntracks; i++)
                if (a->st->tracks[i] == t)
                    return ls;
    }
    return NULL;
}

/* The optional duration/interToneGap of insertDTMF: absent or nil, the
 * default (-1); a number otherwise, an integer after rounding down. */
static int64_t dtmf_ms_arg(lua_State *L, int idx, const char *name)
{
    if (lua_isnoneornil(L, idx))
        return -1;
    if (lua_type(L, idx) != LUA_TNUMBER)
        return luaL_error(L, "insertDTMF: argument '%s' must be a number (ms), got %s", name,
                          luaL_typename(L, idx));
    lua_Number v = lua_tonumber(L, idx);
    if (v != v)
        return luaL_error(L, "insertDTMF: argument '%s' is NaN", name);
    /* D90: out of bounds is clamped by the engine; far out is its bound */
    if (v < 0)
        return 0;
    if (v > 1e9)
        return 1000000000;
    return (int64_t)v;
}

/* dtmf:insertDTMF(tones [, duration [, interToneGap]]) */
static int ltrack_insert_dtmf(lua_State *L)
{
    const char *what = "insertDTMF";
    sim_lua_check_phase(L, what);
    ltrack_t *t = check_ltrack(L, 1, what);
    if (t->t.kind != RTCSIM_KIND_DTMF)
        return luaL_error(L, "insertDTMF: track '%s' is a MediaStreamTrack of kind %s, not an RTCDTMFTrack",
                          t->t.id, rtcsim_kind_name(t->t.kind));
    if (lua_type(L, 2) != LUA_TSTRING)
        return luaL_error(L, "insertDTMF: argument 'tones' must be a string, got %s", luaL_typename(L, 2));
    const char *tones = sim_lua_checkstring(L, 2, "insertDTMF: argument 'tones'");
    int64_t dur = dtmf_ms_arg(L, 3, "duration");
    int64_t gap = dtmf_ms_arg(L, 4, "interToneGap");
    lsession_t *ls = dtmf_session(L, t);
    if (!ls)
        return luaL_error(L, "InvalidStateError: insertDTMF: RTCDTMFTrack '%s' is in no stream added to an "
                             "RTCMediaSession (addStream, then sendTrack)", t->t.id);
    const sim_impl_t *impl = sim_media_impl(ls->m);
    if (!impl->t->media_insert_dtmf)
        return luaL_error(L, "insertDTMF: implementation %s has no RTCDTMFTrack (media_insert_dtmf)",
                          impl->label);
    char err[256] = "";
    int rc = SIM_CALL(impl, media_insert_dtmf, sim_media_handle(ls->m), t->t.id, tones, dur, gap, err,
                      sizeof err);
    return done(L, ls, rc, what, err);
}

static int m_send_track(lua_State *L)
{
    const char *what = "sendTrack";
    lsession_t *ls = open_session(L, what);
    ltrack_t *t = check_sent_track(L, ls, 2, what);
    bool send = send_flag(L, 3, what);
    char err[256] = "";
    return done(L, ls, SIM_CALL(sim_media_impl(ls->m), media_send_track, sim_media_handle(ls->m), t->t.id, send, err, sizeof err),
                what, err);
}

static int m_add_connection(lua_State *L)
{
    const char *what = "addConnection";
    lsession_t *ls = open_session(L, what);
    rtcsim_connection_t *c = check_conn(L, 2, what, ls);
    char err[256] = "";
    return done(L, ls, SIM_CALL(sim_media_impl(ls->m), media_add_connection, sim_media_handle(ls->m), c, err, sizeof err), what, err);
}

/* removeConnection: the spec's TODO exception is InvalidStateError (D71). */
static int m_remove_connection(lua_State *L)
{
    const char *what = "removeConnection";
    lsession_t *ls = open_session(L, what);
    rtcsim_connection_t *c = check_conn(L, 2, what, ls);
    char err[256] = "";
    int rc = SIM_CALL(sim_media_impl(ls->m), media_remove_connection, sim_media_handle(ls->m), c, err, sizeof err);
    return done_as(L, ls, rc, what, rc == RTCSIM_ERR_INVALID ? "InvalidStateError" : NULL, err);
}

static int m_get_connections(lua_State *L)
{
    lsession_t *ls = check_session(L);
    rtcsim_media_t *m = sim_media_handle(ls->m);
    const sim_impl_t *impl = sim_media_impl(ls->m);
    size_t want = SIM_CALL(impl, media_connections, m, NULL, 0);
    if (want > 4096)        /* an implementation's count: bound what it makes us hold */
        want = 4096;
    rtcsim_connection_t **cs = lua_newuserdatauv(L, (want ? want : 1) * sizeof *cs, 0);
    /* a finalizer run by that allocation may have added one: list what
     * the room holds (connections live until the scenario is over) */
    size_t n = SIM_CALL(impl, media_connections, m, cs, want);
    if (n > want)
        n = want;
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        /* only connections the harness made (a handle the implementation
         * made up has no record) */
        if (cs[i] && sim_lua_live_push_connection(L, impl, cs[i])) {
            lua_rawseti(L, -2, (lua_Integer)i + 1);
            continue;
        }
        void *lc = cs[i] ? sim_ice_connection_user(impl, cs[i]) : NULL;
        if (!lc)
            return luaL_error(L, "getConnections: implementation %s listed a connection the "
                                 "harness never made", impl->label);
        sim_lobj_push_ptr(L, MT_CONN, lc);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int m_set_track_properties(lua_State *L)
{
    const char *what = "setTrackProperties";
    lsession_t *ls = open_session(L, what);
    ltrack_t *t = check_sent_track(L, ls, 2, what);
    char tw[WHAT_MAX];
    name_of(tw, sizeof tw, "%s: track '%s'", what, t->t.id);
    rtcsim_track_desc_t *d = lua_newuserdatauv(L, sizeof *d, 0);
    sim_lua_parse_track_desc(L, 3, tw, NULL, d);
    if (d->given & RTCSIM_TD_DELETE)
        return luaL_error(L, "%s: field 'delete' is for setRemoteDescription's incremental mode "
                             "(removeStream stops a local track)", tw);
    char err[256] = "";
    return done(L, ls, SIM_CALL(sim_media_impl(ls->m), media_set_track_properties, sim_media_handle(ls->m), t->t.id, d, err, sizeof err),
                what, err);
}

static int m_get_sending_streams(lua_State *L)
{
    lsession_t *ls = check_session(L);
    size_t n;
    const name_t *ids = snap_names(L, ls->m, SNAP_SENDING, NULL, &n);
    lua_createtable(L, (int)n, 0);
    lua_Integer k = 0;
    for (size_t i = 0; i < n; i++)
        for (added_t *a = ls->added; a; a = a->next)
            if (strcmp(a->st->id, ids[i]) == 0) {
                /* no use of a after this push: a finalizer may free it */
                sim_lobj_push_ptr(L, MT_LSTREAM, a->st);
                lua_rawseti(L, -2, ++k);
                break;
            }
    return 1;
}

static int m_get_receiving_streams(lua_State *L)
{
    lsession_t *ls = check_session(L);
    size_t n;
    const name_t *ids = snap_names(L, ls->m, SNAP_RECEIVING, NULL, &n);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        sim_lobj_push_ptr(L, MT_RSTREAM, rstream_get(L, ls, ids[i]));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int m_close(lua_State *L)
{
    const char *what = "close";
    lsession_t *ls = open_session(L, what);
    char err[256] = "";
    int rc = SIM_CALL(sim_media_impl(ls->m), media_close, sim_media_handle(ls->m), err, sizeof err);
    if (rc == 0)
        ls->closed = true;
    return done(L, ls, rc, what, err);
}

/* session:stats() -> the session's counters (ref/'s: { dropped = { reason
 * = n }, rtp_sent, rtcp_sent, rtp_received, rtcp_received, unsent,
 * dtmf_duplicates }) */
static int m_stats(lua_State *L)
{
    lsession_t *ls = check_session(L);
    const sim_impl_t *impl = sim_media_impl(ls->m);
    if (!impl->t->media_counters)
        return luaL_error(L, "stats: implementation %s keeps no session counters (media_counters)",
                          impl->label);
    rtcsim_counter_t buf[64];
    size_t n = SIM_CALL(impl, media_counters, sim_media_handle(ls->m), buf, 64);
    sim_lua_push_counters(L, buf, n < 64 ? n : 64);
    return 1;
}

/* session:trackStats(track): a local track's (what it sent, the peer's
 * last report about it) or a remote one's (what this side measured). */
static int m_track_stats(lua_State *L)
{
    lsession_t *ls = check_session(L);
    const char *id;
    bool remote = false;
    if (luaL_testudata(L, 2, MT_RTRACK)) {
        rtrack_t *r = sim_lobj_ptr(L, 2, MT_RTRACK);
        if (r->ls != ls)
            return luaL_error(L, "trackStats: remote track '%s' is another session's", r->id);
        id = r->id;
        remote = true;
    } else {
        id = check_ltrack(L, 2, "trackStats")->t.id;
    }
    rtcsim_track_stats_t st;
    if (!SIM_CALL(sim_media_impl(ls->m), media_track_stats, sim_media_handle(ls->m), id, remote, &st))
        return luaL_error(L, "trackStats: this RTCMediaSession has no %s track '%s'",
                          remote ? "remote" : "local", id);
    char ssrc[16];
    snprintf(ssrc, sizeof ssrc, "%u", (unsigned)st.ssrc);
    lua_createtable(L, 0, 18);
    sim_lua_set_str(L, "ssrc", ssrc);
    set_bool(L, "sending", st.sending);
    set_bool(L, "connected", st.connected);
    sim_lua_set_int(L, "packets", (lua_Integer)st.packets);
    sim_lua_set_int(L, "octets", (lua_Integer)st.octets);
    sim_lua_set_int(L, "expected", (lua_Integer)st.expected);
    sim_lua_set_int(L, "lost", (lua_Integer)st.lost);
    sim_lua_set_int(L, "jitter", (lua_Integer)st.jitter);
    sim_lua_set_int(L, "duplicates", (lua_Integer)st.duplicates);
    set_bool(L, "have_report", st.have_report);
    sim_lua_set_int(L, "fraction_lost", (lua_Integer)st.fraction_lost);
    sim_lua_set_int(L, "cumulative_lost", (lua_Integer)st.cumulative_lost);
    sim_lua_set_int(L, "report_jitter", (lua_Integer)st.report_jitter);
    lua_pushnumber(L, (lua_Number)st.rtt_us / 1e6);    /* seconds, as every time in the API */
    lua_setfield(L, -2, "rtt");
    sim_lua_set_int(L, "srs", (lua_Integer)st.srs);
    sim_lua_set_int(L, "rrs", (lua_Integer)st.rrs);
    sim_lua_set_int(L, "byes", (lua_Integer)st.byes);
    return 1;
}

static int session_index(lua_State *L) { return sim_lobj_index(L, NULL); }

/* ---- events ------------------------------------------------------------------------------ */

/* Logged names (docs/scenarios.md, D74); src is the host. */
static const char *const event_names[] = {
    [RTCSIM_MEDIA_ADD_STREAM] = "addstream",
    [RTCSIM_MEDIA_REMOVE_STREAM] = "removestream",
    [RTCSIM_MEDIA_ADD_TRACK] = "addtrack",
    [RTCSIM_MEDIA_REMOVE_TRACK] = "removetrack",
    [RTCSIM_MEDIA_UNKNOWN_TRACK] = "unknowntrack",
    [RTCSIM_MEDIA_TRACK_CONNECTED] = "track.connected",
    [RTCSIM_MEDIA_TRACK_DISCONNECTED] = "track.disconnected",
    [RTCSIM_MEDIA_STREAM_CONNECTED] = "stream.connected",
    [RTCSIM_MEDIA_STREAM_DISCONNECTED] = "stream.disconnected",
    [RTCSIM_MEDIA_SSRC_CHANGED] = "ssrc-changed",
    [RTCSIM_MEDIA_DTMF_SENT] = "dtmf.sent",
    [RTCSIM_MEDIA_DTMF_TONE] = "dtmf.tone",
};

/* JSON of an event's rtpExtHeaders: { name: hex } in byte order of name. */
static void exts_json(const rtcsim_media_event_t *ev, char *out, size_t cap)
{
    size_t order[RTCSIM_MAX_EXTS], n = ev->nexts < RTCSIM_MAX_EXTS ? ev->nexts : RTCSIM_MAX_EXTS;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(ev->exts[order[j - 1]].name, ev->exts[order[j]].name) > 0; j--) {
            size_t x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    size_t w = 0;
    w += (size_t)snprintf(out + w, cap - w, "{");
    for (size_t i = 0; i < n && w < cap; i++) {
        const rtcsim_ext_header_t *e = &ev->exts[order[i]];
        w += (size_t)snprintf(out + w, cap - w, "%s\"", i ? "," : "");
        /* names are extmap URIs or decimal ids; escape what JSON must */
        for (const char *p = e->name; *p && w + 8 < cap; p++) {
            unsigned char ch = (unsigned char)*p;
            if (ch == '"' || ch == '\\')
                w += (size_t)snprintf(out + w, cap - w, "\\%c", ch);
            else if (ch < 0x20 || ch >= 0x7f)
                w += (size_t)snprintf(out + w, cap - w, "\\u%04x", ch);
            else
                out[w++] = (char)ch;
        }
        if (w >= cap)
            break;
        w += (size_t)snprintf(out + w, cap - w, "\":\"");
        for (size_t k = 0; k < e->len && k < RTCSIM_EXT_VAL_MAX && w < cap; k++)
            w += (size_t)snprintf(out + w, cap - w, "%02x", e->value[k]);
        if (w < cap)
            w += (size_t)snprintf(out + w, cap - w, "\"");
    }
    if (w + 2 > cap)
        w = cap - 2;
    out[w++] = '}';
    out[w] = '\0';
}

static void log_event(lsession_t *ls, const rtcsim_media_event_t *ev)
{
    sim_evarg_t args[8];
    size_t n = 0;
    char digit[2] = { ev->digit, '\0' };
    char ssrc[16], nssrc[16], exts[RTCSIM_MAX_EXTS * (RTCSIM_EXT_URI_MAX * 6 + 2 * RTCSIM_EXT_VAL_MAX + 8) + 4];
    switch (ev->type) {
    case RTCSIM_MEDIA_ADD_STREAM:
    case RTCSIM_MEDIA_REMOVE_STREAM:
    case RTCSIM_MEDIA_STREAM_CONNECTED:
    case RTCSIM_MEDIA_STREAM_DISCONNECTED:
        args[n++] = SIM_EVS("stream", ev->msid);
        break;
    case RTCSIM_MEDIA_ADD_TRACK:
    case RTCSIM_MEDIA_REMOVE_TRACK:
    case RTCSIM_MEDIA_TRACK_CONNECTED:
        args[n++] = SIM_EVS("stream", ev->msid);
        args[n++] = SIM_EVS("track", ev->track);
        break;
    case RTCSIM_MEDIA_TRACK_DISCONNECTED:
        args[n++] = SIM_EVS("stream", ev->msid);
        args[n++] = SIM_EVS("track", ev->track);
        args[n++] = SIM_EVS("reason", ev->reason);
        break;
    case RTCSIM_MEDIA_UNKNOWN_TRACK:
        snprintf(ssrc, sizeof ssrc, "%u", (unsigned)ev->ssrc);
        args[n++] = SIM_EVS("ssrc", ssrc);
        exts_json(ev, exts, sizeof exts);
        args[n++] = SIM_EVJ("rtpExtHeaders", exts);
        break;
    case RTCSIM_MEDIA_SSRC_CHANGED:
        snprintf(ssrc, sizeof ssrc, "%u", (unsigned)ev->ssrc);
        snprintf(nssrc, sizeof nssrc, "%u", (unsigned)ev->new_ssrc);
        args[n++] = SIM_EVS("track", ev->track);
        args[n++] = SIM_EVS("ssrc", ssrc);
        args[n++] = SIM_EVS("new_ssrc", nssrc);
        break;
    case RTCSIM_MEDIA_DTMF_SENT:
    case RTCSIM_MEDIA_DTMF_TONE:
        args[n++] = SIM_EVS("track", ev->track);
        args[n++] = SIM_EVS("digit", digit);
        args[n++] = SIM_EVI("start_ns", ev->at);     /* exact, where seconds would print 1.3999... */
        args[n++] = SIM_EVI("duration", ev->duration_ms);
        if (ev->type == RTCSIM_MEDIA_DTMF_TONE) {
            args[n++] = SIM_EVI("units", ev->duration_units);
            args[n++] = SIM_EVI("volume", ev->volume);
            args[n++] = SIM_EVB("ended", ev->ended);
        }
        break;    default:        /* out-of-range types never get here: media_host.c refuses them */
        break;
    }
    sim_scn_host_event(ls->s, ls->host, event_names[ev->type], args, n);
}

/* Push handler `name` of the object on top (replacing it); false (and
 * nothing pushed) when none is set. */
static bool push_handler(lua_State *L, const char *name)
{
    lua_getiuservalue(L, -1, 1);
    lua_remove(L, -2);
    if (lua_getfield(L, -1, name) != LUA_TFUNCTION) {
        lua_pop(L, 2);
        return false;
    }
    lua_remove(L, -2);
    return true;
}

static void on_event(void *arg, sim_media_t *m, const rtcsim_media_event_t *ev)
{
    lsession_t *ls = arg;
    lua_State *L = ls->s->L;
    if ((size_t)ev->type >= sizeof event_names / sizeof event_names[0] || !event_names[ev->type])
        return;     /* an event this binding does not know: nothing to name it by */
    log_event(ls, ev);
    int top = lua_gettop(L);
    rstream_t *rs = NULL;
    rtrack_t *rt = NULL;
    /* The records are made here, not in a protected call: out of memory
     * would raise outside any pcall, so refuse quietly (the event was
     * logged). */
    switch (ev->type) {
    case RTCSIM_MEDIA_ADD_STREAM:
    case RTCSIM_MEDIA_REMOVE_STREAM:
    case RTCSIM_MEDIA_STREAM_CONNECTED:
    case RTCSIM_MEDIA_STREAM_DISCONNECTED:
    case RTCSIM_MEDIA_ADD_TRACK:
    case RTCSIM_MEDIA_REMOVE_TRACK:
        rs = rstream_find(ls, ev->msid);
        if (!rs && (rs = record_new(NULL, ls->s, sizeof *rs))) {
            rs->ls = ls;
            snprintf(rs->msid, sizeof rs->msid, "%s", ev->msid);
            rs->next = ls->rstreams;
            ls->rstreams = rs;
        }
        if (!rs)
            return;
        break;
    default:
        break;
    }
    switch (ev->type) {
    case RTCSIM_MEDIA_ADD_TRACK:
    case RTCSIM_MEDIA_REMOVE_TRACK:
    case RTCSIM_MEDIA_TRACK_CONNECTED:
    case RTCSIM_MEDIA_TRACK_DISCONNECTED:
    case RTCSIM_MEDIA_DTMF_TONE:
        rt = rtrack_find(ls, ev->track);
        if (!rt && (rt = record_new(NULL, ls->s, sizeof *rt))) {
            rt->ls = ls;
            snprintf(rt->id, sizeof rt->id, "%s", ev->track);
            rt->next = ls->rtracks;
            ls->rtracks = rt;
        }
        if (!rt)
            return;
        snprintf(rt->msid, sizeof rt->msid, "%s", ev->msid);
        break;
    default:
        break;
    }
    int nargs = 0;
    bool call = false;
    switch (ev->type) {
    case RTCSIM_MEDIA_ADD_STREAM:
    case RTCSIM_MEDIA_REMOVE_STREAM:
        sim_lobj_push_ptr(L, MT_SESSION, ls);
        if ((call = push_handler(L, ev->type == RTCSIM_MEDIA_ADD_STREAM ? "onaddstream" : "onremovestream"))) {
            sim_lobj_push_ptr(L, MT_RSTREAM, rs);
            nargs = 1;
        }
        break;
    case RTCSIM_MEDIA_ADD_TRACK:
    case RTCSIM_MEDIA_REMOVE_TRACK:
        sim_lobj_push_ptr(L, MT_RSTREAM, rs);
        if ((call = push_handler(L, ev->type == RTCSIM_MEDIA_ADD_TRACK ? "onaddtrack" : "onremovetrack"))) {
            sim_lobj_push_ptr(L, MT_RTRACK, rt);
            nargs = 1;
        }
        break;
    case RTCSIM_MEDIA_STREAM_CONNECTED:
    case RTCSIM_MEDIA_STREAM_DISCONNECTED:
        sim_lobj_push_ptr(L, MT_RSTREAM, rs);
        call = push_handler(L, ev->type == RTCSIM_MEDIA_STREAM_CONNECTED ? "onconnected" : "ondisconnected");
        break;
    case RTCSIM_MEDIA_TRACK_CONNECTED:
    case RTCSIM_MEDIA_TRACK_DISCONNECTED:
        sim_lobj_push_ptr(L, MT_RTRACK, rt);
        call = push_handler(L, ev->type == RTCSIM_MEDIA_TRACK_CONNECTED ? "onconnected" : "ondisconnected");
        break;
    case RTCSIM_MEDIA_UNKNOWN_TRACK: {
        sim_lobj_push_ptr(L, MT_SESSION, ls);
        if ((call = push_handler(L, "onunknowntrack"))) {
            char ssrc[16];
            snprintf(ssrc, sizeof ssrc, "%u", (unsigned)ev->ssrc);
            lua_createtable(L, 0, 2);
            sim_lua_set_str(L, "ssrc", ssrc);
            lua_createtable(L, 0, (int)ev->nexts);
            for (size_t i = 0; i < ev->nexts && i < RTCSIM_MAX_EXTS; i++) {
                push_hex(L, ev->exts[i].value, ev->exts[i].len);
                lua_setfield(L, -2, ev->exts[i].name);
            }
            sim_json_mark(L, "object");
            lua_setfield(L, -2, "rtpExtHeaders");
            nargs = 1;
        }
        break;
    }
    case RTCSIM_MEDIA_SSRC_CHANGED:
    case RTCSIM_MEDIA_DTMF_SENT:
        break;      /* logged only: the spec has no event for it */
    case RTCSIM_MEDIA_DTMF_TONE:
        /* not a spec event (the spec's RTCDTMFTrack only sends): the
         * remote dtmf track's ontone, D95 */
        sim_lobj_push_ptr(L, MT_RTRACK, rt);
        if ((call = push_handler(L, "ontone"))) {
            char d[2] = { ev->digit, '\0' };
            lua_createtable(L, 0, 6);
            sim_lua_set_str(L, "digit", d);
            lua_pushnumber(L, (lua_Number)ev->at / 1e9);
            lua_setfield(L, -2, "start");
            sim_lua_set_int(L, "duration", ev->duration_ms);
            sim_lua_set_int(L, "units", ev->duration_units);
            sim_lua_set_int(L, "volume", ev->volume);
            set_bool(L, "ended", ev->ended);
            nargs = 1;
        }
        break;
    default:
        break;
    }
    if (call)
        sim_scn_call(ls->s, nargs);
    lua_settop(L, top);
    /* a removed stream or track is gone once its handlers have seen it:
     * one of that id added later is a new object */
    if (ev->type == RTCSIM_MEDIA_REMOVE_STREAM)
        rs->gone = true;
    if (ev->type == RTCSIM_MEDIA_REMOVE_TRACK)
        rt->gone = true;
    (void)m;
}

/* ---- registration and teardown ------------------------------------------------------------ */

void sim_lua_media_free(sim_scn_t *s)
{
    sim_lmedia_t *md = s->media;
    if (!md)
        return;
    while (md->sessions) {
        lsession_t *ls = md->sessions;
        md->sessions = ls->next;
        sim_media_free(ls->m);
        while (ls->added) {
            added_t *a = ls->added;
            ls->added = a->next;
            record_free(s, a, sizeof *a);
        }
        while (ls->rtracks) {
            rtrack_t *r = ls->rtracks;
            ls->rtracks = r->next;
            record_free(s, r, sizeof *r);
        }
        while (ls->rstreams) {
            rstream_t *r = ls->rstreams;
            ls->rstreams = r->next;
            record_free(s, r, sizeof *r);
        }
        record_free(s, ls, sizeof *ls);
    }
    while (md->tracks) {
        ltrack_t *t = md->tracks;
        md->tracks = t->next;
        record_free(s, t, sizeof *t);
    }
    while (md->streams) {
        lstream_t *st = md->streams;
        md->streams = st->next;
        record_free(s, st, sizeof *st);
    }
    free(md);
    s->media = NULL;
}

void sim_lua_open_media(lua_State *L)
{
    static const luaL_Reg session_m[] = {
        { "getLocalDescription", m_get_local_description },
        { "setRemoteDescription", m_set_remote_description },
        { "getRemoteDescription", m_get_remote_description },
        { "addStream", m_add_stream },
        { "removeStream", m_remove_stream },
        { "sendStream", m_send_stream },
        { "sendTrack", m_send_track },
        { "addConnection", m_add_connection },
        { "removeConnection", m_remove_connection },
        { "getConnections", m_get_connections },
        { "setTrackProperties", m_set_track_properties },
        { "getSendingStreams", m_get_sending_streams },
        { "getReceivingStreams", m_get_receiving_streams },
        { "close", m_close },
        { "stats", m_stats },
        { "trackStats", m_track_stats },
        { NULL, NULL },
    };
    static const luaL_Reg ltrack_m[] = { { "insertDTMF", ltrack_insert_dtmf }, { NULL, NULL } };
    static const luaL_Reg rtrack_m[] = { { NULL, NULL } };
    static const luaL_Reg lstream_m[] = {
        { "getTracks", lstream_get_tracks },
        { "getAudioTracks", lstream_get_audio },
        { "getVideoTracks", lstream_get_video },
        { "addTrack", lstream_add_track },
        { NULL, NULL },
    };
    static const luaL_Reg rstream_m[] = {
        { "getTracks", rstream_get_tracks },
        { "getAudioTracks", rstream_get_audio },
        { "getVideoTracks", rstream_get_video },
        { NULL, NULL },
    };
    sim_lobj_class(L, MT_SESSION, session_m, session_index, sim_lobj_newindex_handlers, "RTCMediaSession");
    sim_lobj_class(L, MT_LTRACK, ltrack_m, ltrack_index, sim_lobj_newindex_readonly, "MediaStreamTrack");
    sim_lobj_class(L, MT_LSTREAM, lstream_m, lstream_index, sim_lobj_newindex_readonly, "MediaStream");
    sim_lobj_class(L, MT_RTRACK, rtrack_m, rtrack_index, sim_lobj_newindex_handlers, "MediaStreamTrack");
    sim_lobj_class(L, MT_RSTREAM, rstream_m, rstream_index, sim_lobj_newindex_handlers, "MediaStream");
    lua_register(L, "MediaStreamTrack", l_track);
    lua_register(L, "MediaStream", l_stream);
    lua_register(L, "RTCDTMFTrack", l_dtmf_track);
    luaL_getmetatable(L, MT_HOST);
    lua_getfield(L, -1, "methods");
    lua_pushcfunction(L, l_session);
    lua_setfield(L, -2, "RTCMediaSession");
    lua_pop(L, 2);
}
