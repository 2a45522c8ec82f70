/*
 * live_media.c - a live program's RTCMediaSession as an implementation
 * (include/rtcsim/impl.h's media entries; docs/live.md, "Media and DTMF";
 * live_media.h). Each entry is a request of the control protocol, so
 * lua_media.c and media_host.c drive the program as they drive ref/ or
 * a loaded implementation: the same methods, handlers, logged events and
 * checks, and no second binding of the spec's objects.
 *
 * Each run's proxy has a private lua_State (the json table only) where
 * params are built and answers decoded, every entry under lua_pcall
 * there: the scenario's stack is never touched from inside an entry, and
 * a bad answer becomes the program's fault (the scenario's error, naming
 * the program, the request and the line) and the entry's error status,
 * never a Lua error across the harness. The program's descriptions go
 * through lua_media.c's converters: the checks a scenario's get.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lua/json.h"
#include "lua/live_media.h"

typedef struct msess msess_t;

struct sim_lproxy {
    struct sim_lrun *r;             /* NULL once the run is freed */
    lua_State       *L;             /* private: params and answers */
    sim_impl_t       impl;
    rtcsim_impl_t    t;
    char             label[200];
    unsigned         nmade;         /* sessions made: named m1, m2, ... */
    msess_t         *sessions;
    sim_lproxy_t    *next;
};

/* The proxies of the process's runs: sim_live_media_of tells an
 * implementation that is one. */
static sim_lproxy_t *proxies;

typedef char mname_t[RTCSIM_NAME_MAX + 1];

struct msess {
    sim_lproxy_t         *p;
    char                  name[16];    /* "m1": the protocol's */
    rtcsim_env_t          env;         /* media_host.c's, copied (impl.h: borrowed) */
    rtcsim_media_event_t *q;           /* events from the program, not yet taken */
    size_t                head, nq, capq;
    mname_t              *names;       /* the last list getter's strings: valid until the
                                        * next call (impl.h) */
    const char          **ptrs;
    size_t                nnames;
    char                 *cache_key;   /* a sizing call's (max 0) request and answer, for */
    int                   cache_ref;   /* the filling call that follows it (LUA_NOREF: none) */
    msess_t              *next;
};

/* ---- requests in the private state ---------------------------------------------------- */

typedef struct job job_t;
struct job {
    msess_t    *ms;
    const char *method;             /* "session.addStream" */
    /* sets params' fields, on the table on top */
    void      (*params)(lua_State *L, job_t *j);
    /* reads the result at idx; a bad one raises */
    void      (*answer)(lua_State *L, job_t *j, int idx);
    const void *in;                 /* the entry's arguments */
    void       *out;
    size_t      max, n;
    bool        ok;                 /* a getter's found/not */
    bool        sizing;             /* out NULL, max 0: the answer is kept for the next call */
    bool        getter;             /* impl.h gives it no error: a refusal is the program's fault */
    const char *refusable;          /* ... but for this code ("invalid": no such thing) */
    bool        fault;
    int         rc;
    char        code[32];
    char        err[700];
};

static msess_t *sess(const rtcsim_media_t *m) { return (msess_t *)m; }


static void cache_drop(msess_t *ms)
{
    free(ms->cache_key);
    ms->cache_key = NULL;
    if (ms->cache_ref != LUA_NOREF)
        luaL_unref(ms->p->L, LUA_REGISTRYINDEX, ms->cache_ref);
    ms->cache_ref = LUA_NOREF;
}

static int status_of(const char *code)
{
    if (strcmp(code, "invalid") == 0 || strcmp(code, "failed") == 0)
        return RTCSIM_ERR_INVALID;      /* D139: impl.h has no other failure */
    if (strcmp(code, "unsupported") == 0)
        return RTCSIM_ERR_UNSUPPORTED;
    return 0;
}

/* The job's request, protected (job at 1). */
static int pjob(lua_State *L)
{
    job_t *j = lua_touserdata(L, 1);
    msess_t *ms = j->ms;
    if (!j->getter)
        cache_drop(ms);     /* a call that may change the session: a kept answer is stale */
    lua_createtable(L, 0, 4);
    sim_lua_set_str(L, "session", ms->name);
    if (j->params)
        j->params(L, j);
    int params = lua_gettop(L);
    /* getters size their buffer with a first call (impl.h): its answer
     * serves the call that fills it, so both see one state of the
     * program's, in one round trip */
    char *key = NULL;
    if (j->getter) {
        char why[256];
        size_t len;
        char *pj = sim_json_encode(L, params, &len, why, sizeof why);
        if (!pj)
            return luaL_error(L, "%s", why);
        size_t kl = strlen(j->method) + len + 2;
        key = malloc(kl);
        if (key)
            snprintf(key, kl, "%s %s", j->method, pj);
        free(pj);
    }
    bool cached = key && ms->cache_key && !j->sizing && strcmp(key, ms->cache_key) == 0;
    if (cached) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, ms->cache_ref);
    } else {
        int rc = sim_lua_live_call(ms->p->r, L, j->method, params, j->code, sizeof j->code, j->err,
                                   sizeof j->err);
        if (rc < 0) {
            free(key);
            j->fault = true;
            return 0;
        }
        if (rc == 1) {
            free(key);
            cache_drop(ms);
            j->rc = status_of(j->code);
            if (!j->rc)
                return luaL_error(L, "error code '%s' is none of the protocol's (invalid, "
                                     "unsupported, failed)", j->code);
            if (j->getter && !(j->refusable && strcmp(j->code, j->refusable) == 0))
                return luaL_error(L, "it refused (%s: %s) a getter that cannot fail (impl.h)",
                                  j->code, j->err);
            return 0;
        }
    }
    cache_drop(ms);
    if (key && j->sizing) {
        lua_pushvalue(L, -1);
        ms->cache_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        ms->cache_key = key;
        key = NULL;
    }
    free(key);
    if (j->answer)
        j->answer(L, j, lua_gettop(L));
    return 0;
}

/* Run a job: RTCSIM_OK, a refusal's status (its message in j->err), or
 * RTCSIM_ERR_INVALID for a fault of the program, which is then the
 * scenario's error. */
static int run(job_t *j)
{
    sim_lproxy_t *p = j->ms->p;
    j->rc = RTCSIM_OK;
    j->err[0] = '\0';
    if (!p->r) {
        snprintf(j->err, sizeof j->err, "%s: its program is gone (the scenario is over)", p->label);
        return j->rc = RTCSIM_ERR_INVALID;
    }
    lua_State *L = p->L;
    int top = lua_gettop(L);
    lua_pushcfunction(L, pjob);
    lua_pushlightuserdata(L, j);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        const char *why = lua_tostring(L, -1);
        snprintf(j->err, sizeof j->err, "%s, request %s: %s, in its answer: %.200s",
                 sim_lua_live_who(p->r), j->method, why ? why : "error", sim_lua_live_answer(p->r));
        j->fault = true;
    }
    lua_settop(L, top);
    if (j->fault) {
        sim_lua_live_stop(p->r, j->err);
        j->rc = RTCSIM_ERR_INVALID;
    }
    return j->rc;
}

/* An int entry's end: its status, with the message in the caller's buffer. */
static int finish(job_t *j, char *err, size_t errlen)
{
    int rc = run(j);
    if (rc < 0 && errlen)
        snprintf(err, errlen, "%s", j->err);
    return rc;
}

/* ---- reading answers ------------------------------------------------------------------- */

/* Field key of the table at t, which must be of type type (nil allowed
 * when opt); pushed. */
static int field(lua_State *L, int t, const char *key, int type, bool opt)
{
    int got = lua_getfield(L, t, key);
    if (got == LUA_TLIGHTUSERDATA)      /* json.null */
        got = LUA_TNIL;
    if (got == LUA_TNIL && opt)
        return LUA_TNIL;
    if (got != type)
        luaL_error(L, "field '%s' must be %s, got %s", key,
                   type == LUA_TTABLE ? "an object or a list" : lua_typename(L, type),
                   got == LUA_TNIL ? "nothing" : luaL_typename(L, -1));
    return got;
}

static lua_Integer int_field(lua_State *L, int t, const char *key, lua_Integer lo, lua_Integer hi)
{
    field(L, t, key, LUA_TNUMBER, false);
    char what[80];
    snprintf(what, sizeof what, "field '%s'", key);
    lua_Integer v = sim_lua_checkint(L, -1, what, lo, hi);
    lua_pop(L, 1);
    return v;
}

static bool bool_field(lua_State *L, int t, const char *key)
{
    field(L, t, key, LUA_TBOOLEAN, false);
    bool v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static void name_field(lua_State *L, int t, const char *key, char *dst, size_t cap)
{
    field(L, t, key, LUA_TSTRING, false);
    char what[80];
    snprintf(what, sizeof what, "field '%s'", key);
    const char *v = sim_lua_checkstring(L, -1, what);
    if (!v[0] || strlen(v) >= cap)
        luaL_error(L, "%s must be 1 to %d characters, got '%.80s'", what, (int)cap - 1, v);
    strcpy(dst, v);
    lua_pop(L, 1);
}

/* A list of names at field key of the result: kept in ms->names. */
static void names_answer(lua_State *L, job_t *j, int res, const char *key)
{
    msess_t *ms = j->ms;
    field(L, res, key, LUA_TTABLE, false);
    int t = lua_gettop(L);
    size_t n = lua_rawlen(L, t);
    if (n > 4096)
        luaL_error(L, "field '%s' lists %d names, more than 4096", key, (int)n);
    mname_t *names = realloc(ms->names, (n ? n : 1) * sizeof *names);
    if (names)
        ms->names = names;
    const char **ptrs = names ? realloc(ms->ptrs, (n ? n : 1) * sizeof *ptrs) : NULL;
    if (ptrs)
        ms->ptrs = ptrs;
    if (!names || !ptrs)
        luaL_error(L, "out of memory");
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, t, (lua_Integer)i + 1);
        const char *v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!v || !v[0] || strlen(v) > RTCSIM_NAME_MAX)
            luaL_error(L, "%s[%d] must be a name of 1 to %d characters", key, (int)i + 1,
                       RTCSIM_NAME_MAX);
        snprintf(ms->names[i], sizeof ms->names[i], "%s", v);
        ms->ptrs[i] = ms->names[i];
        lua_pop(L, 1);
    }
    ms->nnames = n;
    const char **out = j->out;
    for (size_t i = 0; i < n && i < j->max; i++)
        out[i] = ms->ptrs[i];
    j->n = n;
}

/* ---- the entries ----------------------------------------------------------------------- */

static void params_options(lua_State *L, job_t *j)
{
    const rtcsim_media_options_t *o = j->in;
    if (!o)
        return;
    lua_createtable(L, 0, 3);
    if (o->ncodecs) {
        lua_createtable(L, (int)o->ncodecs, 0);
        for (size_t i = 0; i < o->ncodecs; i++) {
            sim_lua_push_codec(L, &o->codecs[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "codecs");
    }
    if (o->attrs.video_max_width || o->attrs.video_max_height) {
        lua_createtable(L, 0, 2);
        if (o->attrs.video_max_width)
            sim_lua_set_int(L, "videoMaxWidth", o->attrs.video_max_width);
        if (o->attrs.video_max_height)
            sim_lua_set_int(L, "videoMaxHeight", o->attrs.video_max_height);
        lua_setfield(L, -2, "mediaAttributes");
    }
    if (o->nextmap) {
        lua_createtable(L, 0, (int)o->nextmap);
        for (size_t i = 0; i < o->nextmap; i++)
            sim_lua_set_int(L, o->extmap[i].uri, o->extmap[i].id);
        lua_setfield(L, -2, "extmap");
    }
    sim_json_mark(L, "object");
    lua_setfield(L, -2, "options");
}

static rtcsim_media_t *px_new(const rtcsim_env_t *env, const rtcsim_media_options_t *opt,
                              rtcsim_status_t *st, char *err, size_t errlen)
{
    /* the table is shared by no one: the proxy is the implementation
     * being called (host/impl.h's SIM_CALL notes it) */
    sim_lproxy_t *p = sim_live_media_of(sim_impl_in.impl);
    msess_t *ms = p ? calloc(1, sizeof *ms) : NULL;
    if (!ms) {
        if (st)
            *st = RTCSIM_ERR_NOMEM;
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ms->p = p;
    ms->env = *env;
    ms->cache_ref = LUA_NOREF;
    snprintf(ms->name, sizeof ms->name, "m%u", ++p->nmade);
    job_t j = { .ms = ms, .method = "session.new", .params = params_options, .in = opt };
    int rc = run(&j);
    if (rc < 0) {
        if (st)
            *st = (rtcsim_status_t)rc;
        /* media_host.c's message is this one alone: name the program */
        if (j.fault)
            snprintf(err, errlen, "%s", j.err);
        else
            snprintf(err, errlen, "%s (%s, request session.new: %s)", j.err, sim_lua_live_who(p->r),
                     j.code);
        cache_drop(ms);
        free(ms);
        return NULL;
    }
    ms->next = p->sessions;
    p->sessions = ms;
    return (rtcsim_media_t *)ms;
}

static void proxy_free(sim_lproxy_t *p)
{
    for (sim_lproxy_t **q = &proxies; *q; q = &(*q)->next)
        if (*q == p) {
            *q = p->next;
            break;
        }
    if (p->L)
        lua_close(p->L);
    free(p);
}

static void px_free(rtcsim_media_t *m)
{
    msess_t *ms = sess(m);
    sim_lproxy_t *p = ms->p;
    /* impl.h: a free disarms the timer; the program is not told (no BYE:
     * that is close()) */
    ms->env.set_timer(ms->env.ctx, RTCSIM_TIMER_MEDIA, m, RTCSIM_TIME_NEVER);
    for (msess_t **q = &p->sessions; *q; q = &(*q)->next)
        if (*q == ms) {
            *q = ms->next;
            break;
        }
    cache_drop(ms);
    free(ms->q);
    free(ms->names);
    free(ms->ptrs);
    free(ms);
    if (!p->r && !p->sessions)
        proxy_free(p);
}

/* The program's events are queued as they come (sim_live_media_event):
 * nothing is due at a timer. */
static void px_timeout(rtcsim_media_t *m) { (void)m; }

static bool px_next_event(rtcsim_media_t *m, rtcsim_media_event_t *ev)
{
    msess_t *ms = sess(m);
    if (ms->head == ms->nq)
        return false;
    *ev = ms->q[ms->head++];
    if (ms->head == ms->nq)
        ms->head = ms->nq = 0;
    return true;
}

static void params_filter(lua_State *L, job_t *j)
{
    const rtcsim_desc_filter_t *f = j->in;
    bool m = f && f->msid && f->msid[0], c = f && f->connection_id && f->connection_id[0];
    if (!m && !c)
        return;
    lua_createtable(L, 0, 2);
    if (m)
        sim_lua_set_str(L, "msid", f->msid);
    if (c)
        sim_lua_set_str(L, "connection-id", f->connection_id);
    lua_setfield(L, -2, "filter");
}

static void answer_desc(lua_State *L, job_t *j, int res)
{
    field(L, res, "description", LUA_TTABLE, false);
    int t = lua_gettop(L);
    size_t n = sim_lua_sorted_keys(L, t, "its description");
    int keys = lua_gettop(L);
    rtcsim_track_desc_t *out = j->out;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, keys, (lua_Integer)i + 1);
        const char *key = lua_tostring(L, -1);
        char what[160];
        snprintf(what, sizeof what, "its description: track '%.64s'", key);
        lua_gettable(L, t);
        lua_rawgeti(L, keys, (lua_Integer)i + 1);
        rtcsim_track_desc_t d;
        sim_lua_parse_track_desc(L, -2, what, lua_tostring(L, -1), &d);
        if (i < j->max)
            out[i] = d;
        lua_pop(L, 2);
    }
    j->n = n;
}

static size_t get_desc(const rtcsim_media_t *m, const char *method, const rtcsim_desc_filter_t *f,
                       rtcsim_track_desc_t *out, size_t max)
{
    job_t j = { .ms = sess(m), .method = method, .params = params_filter, .answer = answer_desc,
                .in = f, .out = out, .max = out ? max : 0, .getter = true, .sizing = !out || !max };
    return run(&j) < 0 ? 0 : j.n;
}

static size_t px_local_desc(const rtcsim_media_t *m, const rtcsim_desc_filter_t *f,
                            rtcsim_track_desc_t *out, size_t max)
{
    return get_desc(m, "session.getLocalDescription", f, out, max);
}

static size_t px_remote_desc(const rtcsim_media_t *m, const rtcsim_desc_filter_t *f,
                             rtcsim_track_desc_t *out, size_t max)
{
    return get_desc(m, "session.getRemoteDescription", f, out, max);
}

typedef struct set_desc {
    const rtcsim_track_desc_t *d;
    size_t                  n;
    bool                    incremental;
} set_desc_t;

static void params_set_desc(lua_State *L, job_t *j)
{
    const set_desc_t *a = j->in;
    lua_createtable(L, 0, (int)a->n);
    for (size_t i = 0; i < a->n; i++) {
        sim_lua_push_track_desc(L, &a->d[i], true);
        lua_setfield(L, -2, a->d[i].id);
    }
    sim_json_mark(L, "object");
    lua_setfield(L, -2, "description");
    sim_lua_set_str(L, "mode", a->incremental ? "incremental" : "full");
}

static int px_set_remote(rtcsim_media_t *m, const rtcsim_track_desc_t *d, size_t n, bool incremental,
                         char *err, size_t errlen)
{
    set_desc_t a = { d, n, incremental };
    job_t j = { .ms = sess(m), .method = "session.setRemoteDescription", .params = params_set_desc,
                .in = &a };
    return finish(&j, err, errlen);
}

static void params_stream(lua_State *L, job_t *j)
{
    const rtcsim_local_stream_t *s = j->in;
    /* an empty label is left out: absent is the program's "" (docs/live.md) */
    lua_createtable(L, 0, 3);
    sim_lua_set_str(L, "id", s->id);
    if (s->label[0])
        sim_lua_set_str(L, "label", s->label);
    lua_createtable(L, (int)s->ntracks, 0);
    for (size_t i = 0; i < s->ntracks; i++) {
        const rtcsim_local_track_t *t = &s->tracks[i];
        lua_createtable(L, 0, 6);
        sim_lua_set_str(L, "id", t->id);
        if (t->label[0])
            sim_lua_set_str(L, "label", t->label);
        sim_lua_set_str(L, "kind", rtcsim_kind_name(t->kind));
        if (t->fps)
            sim_lua_set_int(L, "fps", t->fps);
        if (t->bitrate)
            sim_lua_set_int(L, "bitrate", t->bitrate);
        if (t->keyframe_every)
            sim_lua_set_int(L, "keyframe_every", t->keyframe_every);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    sim_json_mark(L, "array");
    lua_setfield(L, -2, "tracks");
    lua_setfield(L, -2, "stream");
}

static int px_add_stream(rtcsim_media_t *m, const rtcsim_local_stream_t *s, char *err, size_t errlen)
{
    job_t j = { .ms = sess(m), .method = "session.addStream", .params = params_stream, .in = s };
    return finish(&j, err, errlen);
}

/* params { key = j->in (a string), [send = j->ok] } */
typedef struct named {
    const char *key, *value;
    const char *flag;               /* "send", "remote" or NULL */
    bool        on;
} named_t;

static void params_named(lua_State *L, job_t *j)
{
    const named_t *a = j->in;
    sim_lua_set_str(L, a->key, a->value);
    if (a->flag) {
        lua_pushboolean(L, a->on);
        lua_setfield(L, -2, a->flag);
    }
}

static int named_call(rtcsim_media_t *m, const char *method, named_t a, char *err, size_t errlen)
{
    job_t j = { .ms = sess(m), .method = method, .params = params_named, .in = &a };
    return finish(&j, err, errlen);
}

static int px_remove_stream(rtcsim_media_t *m, const char *msid, char *err, size_t errlen)
{
    return named_call(m, "session.removeStream", (named_t){ "stream", msid, NULL, false }, err, errlen);
}

static int px_send_stream(rtcsim_media_t *m, const char *msid, bool send, char *err, size_t errlen)
{
    return named_call(m, "session.sendStream", (named_t){ "stream", msid, "send", send }, err, errlen);
}

static int px_send_track(rtcsim_media_t *m, const char *track, bool send, char *err, size_t errlen)
{
    return named_call(m, "session.sendTrack", (named_t){ "track", track, "send", send }, err, errlen);
}

static int px_add_connection(rtcsim_media_t *m, rtcsim_connection_t *c, char *err, size_t errlen)
{
    return named_call(m, "session.addConnection",
                      (named_t){ "connection", sim_lua_live_conn_name(c), NULL, false }, err, errlen);
}

static int px_remove_connection(rtcsim_media_t *m, rtcsim_connection_t *c, char *err, size_t errlen)
{
    return named_call(m, "session.removeConnection",
                      (named_t){ "connection", sim_lua_live_conn_name(c), NULL, false }, err, errlen);
}

static void answer_connections(lua_State *L, job_t *j, int res)
{
    names_answer(L, j, res, "connections");
    rtcsim_connection_t **out = j->out;
    for (size_t i = 0; i < j->n; i++) {
        rtcsim_connection_t *c = sim_lua_live_conn_find(j->ms->p->r, j->ms->names[i]);
        if (!c)
            luaL_error(L, "connection '%s', which the harness never made", j->ms->names[i]);
        if (i < j->max)
            out[i] = c;
    }
}

static size_t px_connections(const rtcsim_media_t *m, rtcsim_connection_t **out, size_t max)
{
    job_t j = { .ms = sess(m), .method = "session.getConnections", .answer = answer_connections,
                .out = out, .max = out ? max : 0, .getter = true, .sizing = !out || !max };
    return run(&j) < 0 ? 0 : j.n;
}

typedef struct props {
    const char             *track;
    const rtcsim_track_desc_t *d;
} props_t;

static void params_props(lua_State *L, job_t *j)
{
    const props_t *a = j->in;
    sim_lua_set_str(L, "track", a->track);
    sim_lua_push_track_desc(L, a->d, true);
    sim_json_mark(L, "object");
    lua_setfield(L, -2, "properties");
}

static int px_set_props(rtcsim_media_t *m, const char *track, const rtcsim_track_desc_t *d, char *err,
                        size_t errlen)
{
    props_t a = { track, d };
    job_t j = { .ms = sess(m), .method = "session.setTrackProperties", .params = params_props, .in = &a };
    return finish(&j, err, errlen);
}

static void answer_streams(lua_State *L, job_t *j, int res) { names_answer(L, j, res, "streams"); }
static void answer_tracks(lua_State *L, job_t *j, int res) { names_answer(L, j, res, "tracks"); }

static size_t list_call(const rtcsim_media_t *m, const char *method, void (*params)(lua_State *, job_t *),
                        const void *in, void (*answer)(lua_State *, job_t *, int), const char **out,
                        size_t max, const char *refusable)
{
    job_t j = { .ms = sess(m), .method = method, .params = params, .in = in, .answer = answer,
                .out = out, .max = out ? max : 0, .getter = true, .sizing = !out || !max,
                .refusable = refusable };
    return run(&j) < 0 ? 0 : j.n;
}

static size_t px_sending(const rtcsim_media_t *m, const char **out, size_t max)
{
    return list_call(m, "session.getSendingStreams", NULL, NULL, answer_streams, out, max, NULL);
}

static size_t px_receiving(const rtcsim_media_t *m, const char **out, size_t max)
{
    return list_call(m, "session.getReceivingStreams", NULL, NULL, answer_streams, out, max, NULL);
}

static size_t px_stream_tracks(const rtcsim_media_t *m, const char *msid, bool remote, const char **out,
                               size_t max)
{
    named_t a = { "stream", msid, "remote", remote };
    /* docs/live.md: no such stream is an `invalid` error, and no tracks */
    return list_call(m, "session.streamTracks", params_named, &a, answer_tracks, out, max, "invalid");
}

static int px_close(rtcsim_media_t *m, char *err, size_t errlen)
{
    job_t j = { .ms = sess(m), .method = "session.close" };
    return finish(&j, err, errlen);
}

static void answer_stats(lua_State *L, job_t *j, int res)
{
    if (field(L, res, "stats", LUA_TTABLE, true) == LUA_TNIL)
        return;
    int t = lua_gettop(L);
    rtcsim_track_stats_t *st = j->out;
    memset(st, 0, sizeof *st);
    /* the widths of rtcsim_track_stats_t's fields (RFC 3550 s.6.4.1:
     * fraction lost 8 bits, cumulative lost signed) */
    const lua_Integer u32 = 0xffffffffll, i32 = 0x7fffffffll, u64 = LUA_MAXINTEGER;
    st->ssrc = (uint32_t)int_field(L, t, "ssrc", 0, u32);
    st->sending = bool_field(L, t, "sending");
    st->connected = bool_field(L, t, "connected");
    st->packets = (uint64_t)int_field(L, t, "packets", 0, u64);
    st->octets = (uint64_t)int_field(L, t, "octets", 0, u64);
    st->expected = (uint32_t)int_field(L, t, "expected", 0, u32);
    st->lost = (int32_t)int_field(L, t, "lost", -i32 - 1, i32);
    st->jitter = (uint32_t)int_field(L, t, "jitter", 0, u32);
    st->duplicates = (uint64_t)int_field(L, t, "duplicates", 0, u64);
    st->have_report = bool_field(L, t, "have_report");
    st->fraction_lost = (uint8_t)int_field(L, t, "fraction_lost", 0, 255);
    st->cumulative_lost = (int32_t)int_field(L, t, "cumulative_lost", -i32 - 1, i32);
    st->report_jitter = (uint32_t)int_field(L, t, "report_jitter", 0, u32);
    st->rtt_us = (uint32_t)int_field(L, t, "rtt_us", 0, u32);
    st->srs = (uint64_t)int_field(L, t, "srs", 0, u64);
    st->rrs = (uint64_t)int_field(L, t, "rrs", 0, u64);
    st->byes = (uint64_t)int_field(L, t, "byes", 0, u64);
    j->ok = true;
}

static bool px_track_stats(const rtcsim_media_t *m, const char *track, bool remote, rtcsim_track_stats_t *st)
{
    named_t a = { "track", track, "remote", remote };
    job_t j = { .ms = sess(m), .method = "session.trackStats", .params = params_named, .in = &a,
                .answer = answer_stats, .out = st, .getter = true };
    return run(&j) == 0 && j.ok;
}

static void answer_counters(lua_State *L, job_t *j, int res)
{
    field(L, res, "counters", LUA_TTABLE, false);
    int t = lua_gettop(L);
    size_t n = sim_lua_sorted_keys(L, t, "field 'counters'");
    int keys = lua_gettop(L);
    rtcsim_counter_t *out = j->out;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, keys, (lua_Integer)i + 1);
        const char *name = lua_tostring(L, -1);
        if (!name[0] || strlen(name) > RTCSIM_COUNTER_NAME_MAX)
            luaL_error(L, "counter '%.60s': a name of 1 to %d characters", name, RTCSIM_COUNTER_NAME_MAX);
        char what[80];
        snprintf(what, sizeof what, "counter '%s'", name);
        lua_pushvalue(L, -1);
        lua_gettable(L, t);
        lua_Integer v = sim_lua_checkint(L, -1, what, 0, LUA_MAXINTEGER);
        if (i < j->max) {
            snprintf(out[i].name, sizeof out[i].name, "%s", name);
            out[i].value = (uint64_t)v;
        }
        lua_pop(L, 2);
    }
    j->n = n;
}

static size_t px_counters(const rtcsim_media_t *m, rtcsim_counter_t *out, size_t max)
{
    job_t j = { .ms = sess(m), .method = "session.counters", .answer = answer_counters, .out = out,
                .max = max, .getter = true, .refusable = "unsupported" };
    return run(&j) < 0 ? 0 : j.n;
}

typedef struct dtmf_args {
    const char *track, *tones;
    int64_t     duration, gap;
} dtmf_args_t;

static void params_dtmf(lua_State *L, job_t *j)
{
    const dtmf_args_t *a = j->in;
    sim_lua_set_str(L, "track", a->track);
    sim_lua_set_str(L, "tones", a->tones);
    if (a->duration >= 0)
        sim_lua_set_int(L, "duration", a->duration);
    if (a->gap >= 0)
        sim_lua_set_int(L, "interToneGap", a->gap);
}

static int px_insert_dtmf(rtcsim_media_t *m, const char *track, const char *tones, int64_t duration_ms,
                          int64_t gap_ms, char *err, size_t errlen)
{
    dtmf_args_t a = { track, tones, duration_ms, gap_ms };
    job_t j = { .ms = sess(m), .method = "session.insertDTMF", .params = params_dtmf, .in = &a };
    return finish(&j, err, errlen);
}

static void answer_dtmf(lua_State *L, job_t *j, int res)
{
    if (field(L, res, "state", LUA_TTABLE, true) == LUA_TNIL)
        return;
    int t = lua_gettop(L);
    rtcsim_dtmf_state_t *st = j->out;
    memset(st, 0, sizeof *st);
    field(L, t, "tone_buffer", LUA_TSTRING, false);
    const char *tb = sim_lua_checkstring(L, -1, "field 'tone_buffer'");
    if (strlen(tb) > RTCSIM_DTMF_TONES_MAX)
        luaL_error(L, "field 'tone_buffer' is longer than %d tones", RTCSIM_DTMF_TONES_MAX);
    strcpy(st->tone_buffer, tb);
    lua_pop(L, 1);
    st->duration = (uint32_t)int_field(L, t, "duration", 0, 0xffffffffll);
    st->inter_tone_gap = (uint32_t)int_field(L, t, "inter_tone_gap", 0, 0xffffffffll);
    st->playing = bool_field(L, t, "playing");
    st->ssrc = (uint32_t)int_field(L, t, "ssrc", 0, 0xffffffffll);
    /* RFC 3550 s.5.1: 7 bits; null: none yet */
    st->pt = field(L, t, "pt", LUA_TNUMBER, true) == LUA_TNIL ? 0xff
                                                               : (uint8_t)int_field(L, t, "pt", 0, 127);
    j->ok = true;
}

static bool px_dtmf_state(const rtcsim_media_t *m, const char *track, rtcsim_dtmf_state_t *st)
{
    named_t a = { "track", track, NULL, false };
    job_t j = { .ms = sess(m), .method = "session.dtmfState", .params = params_named, .in = &a,
                .answer = answer_dtmf, .out = st, .getter = true };
    return run(&j) == 0 && j.ok;
}

/* ---- events ------------------------------------------------------------------------------ */

/* docs/live.md's names, in rtcsim_media_event_type_t's order */
static const char *const event_names[RTCSIM_MEDIA__COUNT] = {
    [RTCSIM_MEDIA_ADD_STREAM] = "addstream",
    [RTCSIM_MEDIA_REMOVE_STREAM] = "removestream",
    [RTCSIM_MEDIA_ADD_TRACK] = "addtrack",
    [RTCSIM_MEDIA_REMOVE_TRACK] = "removetrack",
    [RTCSIM_MEDIA_UNKNOWN_TRACK] = "unknowntrack",
    [RTCSIM_MEDIA_TRACK_CONNECTED] = "trackconnected",
    [RTCSIM_MEDIA_TRACK_DISCONNECTED] = "trackdisconnected",
    [RTCSIM_MEDIA_STREAM_CONNECTED] = "streamconnected",
    [RTCSIM_MEDIA_STREAM_DISCONNECTED] = "streamdisconnected",
    [RTCSIM_MEDIA_SSRC_CHANGED] = "ssrcchanged",
    [RTCSIM_MEDIA_DTMF_SENT] = "dtmfsent",
    [RTCSIM_MEDIA_DTMF_TONE] = "tone",
};

void sim_live_media_event(sim_lproxy_t *p, lua_State *L, int t, sim_time_t at)
{
    t = lua_absindex(L, t);
    lua_getfield(L, t, "event");
    const char *name = lua_tostring(L, -1);
    int k = 0;
    while (k < RTCSIM_MEDIA__COUNT && !(name && strcmp(event_names[k], name) == 0))
        k++;
    if (k == RTCSIM_MEDIA__COUNT)
        luaL_error(L, "event '%s' is none of the protocol's", name ? name : "?");
    lua_getfield(L, t, "session");
    const char *sname = lua_tostring(L, -1);
    msess_t *ms = p->sessions;
    while (ms && !(sname && strcmp(ms->name, sname) == 0))
        ms = ms->next;
    if (!ms)
        luaL_error(L, "event '%s' for session '%s', which the harness never made", name,
                   sname ? sname : "(none)");
    rtcsim_media_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.type = (rtcsim_media_event_type_t)k;
    bool msid = false, track = false;
    switch (ev.type) {
    case RTCSIM_MEDIA_ADD_STREAM:
    case RTCSIM_MEDIA_REMOVE_STREAM:
    case RTCSIM_MEDIA_STREAM_CONNECTED:
    case RTCSIM_MEDIA_STREAM_DISCONNECTED:
        msid = true;
        break;
    case RTCSIM_MEDIA_SSRC_CHANGED:
        track = true;
        ev.ssrc = (uint32_t)int_field(L, t, "ssrc", 0, 0xffffffffll);
        ev.new_ssrc = (uint32_t)int_field(L, t, "new_ssrc", 0, 0xffffffffll);
        break;
    case RTCSIM_MEDIA_UNKNOWN_TRACK:
        ev.ssrc = (uint32_t)int_field(L, t, "ssrc", 0, 0xffffffffll);
        field(L, t, "exts", LUA_TTABLE, false);
        sim_lua_parse_exts(L, -1, "field 'exts'", ev.exts, &ev.nexts);
        lua_pop(L, 1);
        break;
    default:
        msid = track = true;
        break;
    }
    if (msid)
        name_field(L, t, "msid", ev.msid, sizeof ev.msid);
    if (track)
        name_field(L, t, "track", ev.track, sizeof ev.track);
    if (ev.type == RTCSIM_MEDIA_TRACK_DISCONNECTED) {
        name_field(L, t, "reason", ev.reason, sizeof ev.reason);
        if (strcmp(ev.reason, "bye") != 0 && strcmp(ev.reason, "timeout") != 0)
            luaL_error(L, "field 'reason' must be 'bye' or 'timeout', got '%s'", ev.reason);
    }
    if (ev.type == RTCSIM_MEDIA_DTMF_SENT || ev.type == RTCSIM_MEDIA_DTMF_TONE) {
        field(L, t, "digit", LUA_TSTRING, false);
        const char *d = lua_tostring(L, -1);
        /* RFC 4733 s.3.2's events 0-15 */
        if (strlen(d) != 1 || !strchr("0123456789*#ABCD", d[0]))
            luaL_error(L, "field 'digit' must be one of 0-9, *, #, A-D, got '%.20s'", d);
        ev.digit = d[0];
        lua_pop(L, 1);
        field(L, t, "age", LUA_TNUMBER, false);
        double age = lua_tonumber(L, -1);
        lua_pop(L, 1);
        if (!(age >= 0) || !isfinite(age))
            luaL_error(L, "field 'age' must be a number of seconds, 0 or more");
        /* the line's virtual time less age, never before 0; a line read
         * while a request blocked the kernel is dated after now: now */
        sim_time_t now = ms->env.now(ms->env.ctx);
        if (at > now)
            at = now;
        double back = age * 1e9;
        ev.at = back >= (double)at ? 0 : at - (uint64_t)back;
        ev.duration_ms = (uint32_t)int_field(L, t, "duration_ms", 0, 0xffffffffll);
        ev.ssrc = (uint32_t)int_field(L, t, "ssrc", 0, 0xffffffffll);
        if (ev.type == RTCSIM_MEDIA_DTMF_TONE) {
            /* RFC 4733 s.2.3: a 16-bit duration, a 6-bit volume (summed
             * over segments for a long tone: 32 bits) */
            ev.duration_units = (uint32_t)int_field(L, t, "duration_units", 0, 0xffffffffll);
            ev.volume = (uint8_t)int_field(L, t, "volume", 0, 63);
            ev.ended = bool_field(L, t, "ended");
        }
    }
    if (ms->nq == ms->capq) {
        size_t cap = ms->capq ? 2 * ms->capq : 8;
        rtcsim_media_event_t *q = realloc(ms->q, cap * sizeof *q);
        if (!q)
            luaL_error(L, "out of memory for its events");
        ms->q = q;
        ms->capq = cap;
    }
    ms->q[ms->nq++] = ev;
    /* impl.h: an input that queues an event arms the timer at now, and
     * media_host.c takes the events after it fires */
    ms->env.set_timer(ms->env.ctx, RTCSIM_TIMER_MEDIA, ms, ms->env.now(ms->env.ctx));
}

/* ---- the proxy ----------------------------------------------------------------------------- */

sim_lproxy_t *sim_live_media_new(struct sim_lrun *r, const char *label, bool media, bool dtmf)
{
    sim_lproxy_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->r = r;
    snprintf(p->label, sizeof p->label, "%s", label);
    p->t = (rtcsim_impl_t){ .abi_version = RTCSIM_IMPL_ABI_VERSION, .size = sizeof p->t,
                            .name = p->label };
    if (media) {
        if (!(p->L = luaL_newstate())) {
            free(p);
            return NULL;
        }
        sim_json_open(p->L);
        lua_setfield(p->L, LUA_REGISTRYINDEX, "rtcsim.json");
        p->t.media_new = px_new;
        p->t.media_free = px_free;
        p->t.media_handle_timeout = px_timeout;
        p->t.media_next_event = px_next_event;
        p->t.media_local_description = px_local_desc;
        p->t.media_remote_description = px_remote_desc;
        p->t.media_set_remote_description = px_set_remote;
        p->t.media_add_stream = px_add_stream;
        p->t.media_remove_stream = px_remove_stream;
        p->t.media_send_stream = px_send_stream;
        p->t.media_send_track = px_send_track;
        p->t.media_add_connection = px_add_connection;
        p->t.media_remove_connection = px_remove_connection;
        p->t.media_connections = px_connections;
        p->t.media_set_track_properties = px_set_props;
        p->t.media_sending_streams = px_sending;
        p->t.media_receiving_streams = px_receiving;
        p->t.media_stream_tracks = px_stream_tracks;
        p->t.media_close = px_close;
        p->t.media_track_stats = px_track_stats;
        p->t.media_counters = px_counters;
        if (dtmf) {
            p->t.media_insert_dtmf = px_insert_dtmf;
            p->t.media_dtmf_state = px_dtmf_state;
        }
    }
    p->impl = (sim_impl_t){ .t = &p->t, .path = NULL, .label = p->label };
    p->next = proxies;
    proxies = p;
    return p;
}

void sim_live_media_detach(sim_lproxy_t *p)
{
    p->r = NULL;
    if (!p->sessions)
        proxy_free(p);
}

const sim_impl_t *sim_live_media_impl(sim_lproxy_t *p) { return &p->impl; }

sim_lproxy_t *sim_live_media_of(const sim_impl_t *impl)
{
    for (sim_lproxy_t *p = proxies; p; p = p->next)
        if (&p->impl == impl)
            return p;
    return NULL;
}
