/*
 * lua_replay.c - net.trace: a recorded trace and its player (issue 13,
 * docs/replay.md; replay/player.h), the primitive under scenarios/lib/
 * replay.lua's replay{}.
 *
 *   net.trace{ file =, side =, keylog =, srtp_keys =, credentials = { lines },
 *              sidecar =, encrypted = }        files under the run's captures/
 *   net.trace{ command = true }                 rtcsim replay's own files
 *   tr.file, tr.side, tr.role, tr.ufrag, tr.duration, tr.kept, tr.sidecar, tr.media (texts or nil:
 *   rtcsim replay --sidecar, --media)
 *   tr:sources(), tr:skipped(), tr:ports()
 *   tr:play{ host =, controlling = }            once
 *   tr:description() -> { usefrag =, secret =, fingerprints = { fp } }
 *   tr:set_remote{ usefrag =, secret =, fingerprints = }, tr:add_remote(candidate), tr:start()
 *   tr:stats()
 * The player's events have the source "replay".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "lua/lsim.h"
#include "replay/player.h"

#define MT_REPLAY "rtcsim.Trace"
#define MT_HOST   "rtcsim.Host"
#define MAX_SIDECAR     ((size_t)16 << 20)

typedef struct sim_lreplay {
    sim_player_t       *p;
    char               *file, *side, *sidecar, *media;
    size_t              sidecar_len, media_len;
    bool                played;
    char                role[16];   /* rtcsim replay --role: when the trace has no check of the side */
    const char         *live;       /* rtcsim replay --live: "PROGRAM ARG..." (the command's string) */
    struct sim_lreplay *next;
} sim_lreplay_t;

/* A file a scenario names: under the run's captures folder, never
 * outside it (no absolute path, no ".."). */
static char *scenario_file(lua_State *L, sim_scn_t *s, const char *name, const char *key)
{
    if (!name[0] || name[0] == '/' || strstr(name, "..") || !s->captures_dir)
        luaL_error(L, "net.trace: %s '%s' must be a path under captures/ (no '/' first, no '..')", key, name);
    char *path;
    if (asprintf(&path, "%s/%s", s->captures_dir, name) < 0)
        luaL_error(L, "net.trace: out of memory");
    return path;
}

static void record_free(sim_lreplay_t *r)
{
    if (!r)
        return;
    sim_player_free(r->p);
    free(r->sidecar);
    free(r->media);
    free(r->file);
    free(r->side);
    free(r);
}

static char *read_text(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read it", path);
        return NULL;
    }
    char *b = malloc(max + 1);
    size_t n = b ? fread(b, 1, max + 1, f) : 0;
    fclose(f);
    if (!b || n > max) {
        free(b);
        snprintf(err, errlen, "%s: %s", path, b ? "larger than a sidecar may be" : "out of memory");
        return NULL;
    }
    b[n] = '\0';
    *len = n;
    return b;
}

static int l_trace(lua_State *L)
{
    sim_lua_check_phase(L, "net.trace");
    sim_scn_t *s = sim_scn_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = { "file", "side", "keylog", "srtp_keys", "credentials", "sidecar",
                                        "encrypted", "command", NULL };
    sim_lua_check_keys(L, 1, "net.trace", keys);
    char *paths[5] = { NULL, NULL, NULL, NULL, NULL };  /* trace, keylog, srtp keys, sidecar, media */
    const char *side = NULL, *shown = NULL, *role = NULL, *live = NULL;
    bool encrypted = false;
    sim_lint_cred_t *creds = NULL;
    size_t ncreds = 0;
    char err[4800];
    int bad = 0;
    if (lua_getfield(L, 1, "command") != LUA_TNIL && lua_toboolean(L, -1)) {
        const sim_replay_files_t *f = s->opts->replay;
        if (!f)
            return luaL_error(L, "net.trace{ command = true }: this run is not rtcsim replay's");
        lua_getfield(L, 1, "file");
        if (!lua_isnil(L, -1))
            return luaL_error(L, "net.trace: command = true takes its files from the command line, not 'file'");
        lua_pop(L, 1);
        paths[0] = strdup(f->trace);
        paths[1] = f->keylog ? strdup(f->keylog) : NULL;
        paths[2] = f->srtp_keys ? strdup(f->srtp_keys) : NULL;
        paths[3] = f->sidecar ? strdup(f->sidecar) : NULL;
        paths[4] = f->media ? strdup(f->media) : NULL;
        side = f->side;
        shown = f->trace;
        role = f->role;
        live = f->live;
        encrypted = f->encrypted;
        if (f->credentials && sim_lint_cred_read(&creds, &ncreds, f->credentials, err, sizeof err) < 0)
            bad = 1;
    } else {
        static const char *const fk[] = { "file", "keylog", "srtp_keys", "sidecar" };
        for (int i = 0; i < 4; i++) {
            if (lua_getfield(L, 1, fk[i]) != LUA_TNIL) {
                const char *v = sim_lua_checkstring(L, -1, fk[i]);
                paths[i] = scenario_file(L, s, v, fk[i]);
                if (i == 0)
                    shown = v;
            } else if (i == 0) {
                return luaL_error(L, "net.trace: field 'file' (a capture under captures/) is required");
            }
            lua_pop(L, 1);
        }
        if (lua_getfield(L, 1, "side") == LUA_TNIL)
            return luaL_error(L, "net.trace: field 'side' (\"ADDR\" or \"ADDR:PORT\") is required");
        side = sim_lua_checkstring(L, -1, "net.trace: side");
        lua_pop(L, 1);
        lua_getfield(L, 1, "encrypted");
        encrypted = lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (lua_getfield(L, 1, "credentials") != LUA_TNIL) {
            luaL_checktype(L, -1, LUA_TTABLE);
            lua_Integer n = luaL_len(L, -1);
            for (lua_Integer i = 1; i <= n && !bad; i++) {
                lua_geti(L, -1, i);
                const char *line = sim_lua_checkstring(L, -1, "net.trace: a credentials line");
                char where[64];
                snprintf(where, sizeof where, "credentials[%lld]", (long long)i);
                bad = sim_lint_cred_add(&creds, &ncreds, line, where, err, sizeof err) < 0;
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    sim_lreplay_t *r = calloc(1, sizeof *r);
    if (!r || !paths[0]) {
        snprintf(err, sizeof err, "out of memory");
        bad = 1;
    }
    if (!bad && paths[3] && !(r->sidecar = read_text(paths[3], MAX_SIDECAR, &r->sidecar_len, err, sizeof err)))
        bad = 1;
    if (!bad && paths[4] && !(r->media = read_text(paths[4], MAX_SIDECAR, &r->media_len, err, sizeof err)))
        bad = 1;
    struct stat sb;
    if (!bad && stat(paths[0], &sb) == 0)     /* reading the trace is C work the bound counts */
        sim_scn_charge(L, (double)sb.st_size / SIM_WORK_PER_INSTR, "net.trace would read %lld bytes",
                       (long long)sb.st_size);
    if (!bad) {
        sim_player_opts_t po = { .trace = paths[0], .side = side, .keylog = paths[1], .srtp_keys = paths[2],
                                 .creds = creds, .ncreds = ncreds, .encrypted = encrypted };
        if (!(r->p = sim_player_load(&po, err, sizeof err)))
            bad = 1;
    }
    for (int i = 0; i < 5; i++)
        free(paths[i]);
    free(creds);
    if (!bad) {
        snprintf(r->role, sizeof r->role, "%s", role ? role : "");
        r->live = live;
        r->file = strdup(shown);
        r->side = strdup(side);
        bad = !r->file || !r->side;
        if (bad)
            snprintf(err, sizeof err, "out of memory");
    }
    if (bad) {
        record_free(r);
        return luaL_error(L, "net.trace: %s", err);
    }
    r->next = s->replays;
    s->replays = r;
    /* what it keeps of the trace counts in the memory bound (freed at the
     * run's end, with the player) */
    s->held_bytes += sim_player_bytes(r->p) + r->sidecar_len + r->media_len;
    sim_scn_check(s, L);
    sim_lobj_push_ptr(L, MT_REPLAY, r);
    return 1;
}

static sim_lreplay_t *check(lua_State *L) { return sim_lobj_ptr(L, 1, MT_REPLAY); }

static sim_lreplay_t *check_played(lua_State *L, const char *what)
{
    sim_lreplay_t *r = check(L);
    if (!r->played)
        luaL_error(L, "%s: the trace has no player yet (tr:play{ host = })", what);
    return r;
}

static int m_play(lua_State *L)
{
    sim_lua_check_phase(L, "trace:play");
    sim_scn_t *s = sim_scn_get(L);
    sim_lreplay_t *r = check(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const keys[] = { "host", "controlling", NULL };
    sim_lua_check_keys(L, 2, "trace:play", keys);
    if (r->played)
        return luaL_error(L, "trace:play: this trace has a player already");
    lua_getfield(L, 2, "host");
    if (!luaL_testudata(L, -1, MT_HOST))
        return luaL_error(L, "trace:play: field 'host' must be a host, got %s", sim_lobj_typename(L, -1));
    sim_host_t *h = sim_lobj_ptr(L, -1, MT_HOST);
    if (sim_lua_live_is(s, h))
        return luaL_error(L, "trace:play: host '%s' is a live host: the player plays on a simulated one",
                          sim_host_name(h));
    lua_getfield(L, 2, "controlling");
    const char *role = sim_player_role(r->p) ? sim_player_role(r->p) : r->role[0] ? r->role : NULL;
    if (lua_isnil(L, -1) && !role)
        return luaL_error(L, "trace:play: the trace holds no ICE check of the side: say controlling = true or false");
    bool controlling = lua_isnil(L, -1) ? strcmp(role, "controlling") == 0 : lua_toboolean(L, -1);
    lua_pop(L, 2);
    sim_rng_t rng;
    char name[96];
    snprintf(name, sizeof name, "replay:%s", r->side);
    sim_rng_init(&rng, s->seed, name);
    char err[512];
    if (sim_player_attach(r->p, h, controlling, &rng, s->log, "replay", err, sizeof err) < 0)
        return luaL_error(L, "trace:play: %s", err);
    r->played = true;
    return 0;
}

static int m_description(lua_State *L)
{
    sim_lreplay_t *r = check_played(L, "trace:description");
    lua_createtable(L, 0, 4);
    sim_lua_set_str(L, "address", sim_player_address(r->p));
    sim_lua_set_str(L, "usefrag", sim_player_ufrag(r->p));
    sim_lua_set_str(L, "secret", sim_player_password(r->p));
    lua_createtable(L, 1, 0);
    lua_pushstring(L, sim_player_fingerprint(r->p));
    lua_rawseti(L, -2, 1);
    lua_setfield(L, -2, "fingerprints");
    return 1;
}

/* A method that changes the player: the run still going, a player, and a
 * table argument. */
static sim_lreplay_t *changing(lua_State *L, const char *what)
{
    sim_lua_check_phase(L, what);
    sim_lreplay_t *r = check_played(L, what);
    luaL_checktype(L, 2, LUA_TTABLE);
    return r;
}

static int m_set_remote(lua_State *L)
{
    sim_lreplay_t *r = changing(L, "trace:set_remote");
    lua_getfield(L, 2, "usefrag");
    const char *u = sim_lua_checkstring(L, -1, "trace:set_remote: usefrag");
    lua_getfield(L, 2, "secret");
    const char *pw = sim_lua_checkstring(L, -1, "trace:set_remote: secret");
    const char *fp[8];
    size_t nfp = 0;
    if (lua_getfield(L, 2, "fingerprints") != LUA_TNIL) {
        luaL_checktype(L, -1, LUA_TTABLE);
        lua_Integer n = luaL_len(L, -1);
        if (n > 8)
            return luaL_error(L, "trace:set_remote: more than 8 fingerprints");
        for (lua_Integer i = 1; i <= n; i++) {
            lua_geti(L, -1, i);
            fp[nfp++] = sim_lua_checkstring(L, -1, "trace:set_remote: a fingerprint");
            lua_pop(L, 1);
        }
    }
    char err[256];
    if (sim_player_set_remote(r->p, u, pw, fp, nfp, err, sizeof err) < 0)
        return luaL_error(L, "trace:set_remote: %s", err);
    lua_pop(L, 3);
    return 0;
}

static int m_add_remote(lua_State *L)
{
    sim_lreplay_t *r = changing(L, "trace:add_remote");
    lua_getfield(L, 2, "connectionAddress");
    const char *a = sim_lua_checkstring(L, -1, "trace:add_remote: connectionAddress");
    uint32_t ip;
    if (sim_ip_parse(a, &ip) < 0)
        return luaL_error(L, "trace:add_remote: '%s' is not an IPv4 address", a);
    lua_getfield(L, 2, "connectionPort");
    lua_Integer port = sim_lua_checkint(L, -1, "trace:add_remote: connectionPort", 1, 65535);
    lua_getfield(L, 2, "priority");
    lua_Integer prio = lua_isnil(L, -1) ? 0 : sim_lua_checkint(L, -1, "trace:add_remote: priority", 0, UINT32_MAX);
    lua_pop(L, 3);
    if (sim_player_add_remote(r->p, ip, (uint16_t)port, (uint32_t)prio) < 0)
        return luaL_error(L, "trace:add_remote: more than 32 candidates");
    return 0;
}

static int m_start(lua_State *L)
{
    sim_lua_check_phase(L, "trace:start");
    sim_lreplay_t *r = check_played(L, "trace:start");
    char err[256];
    if (sim_player_start(r->p, err, sizeof err) < 0)
        return luaL_error(L, "trace:start: %s", err);
    return 0;
}

/* An array of n unsigned integers of `size` bytes (1 or 2), as a list. */
static void push_uints(lua_State *L, const void *v, size_t n, size_t size)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushinteger(L, size == 1 ? ((const uint8_t *)v)[i] : ((const uint16_t *)v)[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static int m_sources(lua_State *L)
{
    sim_lreplay_t *r = check(L);
    const sim_player_source_t *src;
    size_t n = sim_player_sources(r->p, &src);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        const sim_player_source_t *so = &src[i];
        lua_createtable(L, 0, 10);
        /* an SSRC as the descriptions write it (a decimal string) */
        char ssrc[16];
        snprintf(ssrc, sizeof ssrc, "%u", so->ssrc);
        sim_lua_set_str(L, "ssrc", ssrc);
        sim_lua_set_int(L, "packets", (lua_Integer)so->packets);
        sim_lua_set_int(L, "rtcp", (lua_Integer)so->rtcp);
        lua_pushnumber(L, so->first);
        lua_setfield(L, -2, "first");
        lua_pushnumber(L, so->last);
        lua_setfield(L, -2, "last");
        lua_pushboolean(L, so->bye);
        lua_setfield(L, -2, "bye");
        push_uints(L, so->pts, so->npts, 1);
        lua_setfield(L, -2, "pts");
        push_uints(L, so->ext_ids, so->next, 1);
        lua_setfield(L, -2, "extensions");
        lua_pushboolean(L, so->ext_malformed);
        lua_setfield(L, -2, "extensions_malformed");
        lua_createtable(L, (int)so->nevents, 0);
        for (size_t j = 0; j < so->nevents; j++) {
            const sim_player_event_t *e = &so->events[j];
            lua_createtable(L, 0, 7);
            sim_lua_set_int(L, "pt", e->pt);
            sim_lua_set_int(L, "event", e->event);
            sim_lua_set_int(L, "volume", e->volume);
            sim_lua_set_int(L, "duration", e->duration);
            sim_lua_set_int(L, "timestamp", e->timestamp);
            sim_lua_set_int(L, "packets", e->packets);
            lua_pushboolean(L, e->end);
            lua_setfield(L, -2, "ended");
            lua_rawseti(L, -2, (lua_Integer)j + 1);
        }
        lua_setfield(L, -2, "events");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int m_skipped(lua_State *L)
{
    sim_lreplay_t *r = check(L);
    sim_player_stats_t st;
    sim_player_stats(r->p, &st);
    lua_createtable(L, 0, SIM_PLAYER_SKIP__COUNT);
    for (int i = 0; i < SIM_PLAYER_SKIP__COUNT; i++)
        sim_lua_set_int(L, sim_player_skip_name((sim_player_skip_t)i), (lua_Integer)st.skipped[i]);
    return 1;
}

static int m_ports(lua_State *L)
{
    sim_lreplay_t *r = check(L);
    const uint16_t *ports;
    size_t n = sim_player_ports(r->p, &ports);
    push_uints(L, ports, n, 2);
    return 1;
}

static int m_stats(lua_State *L)
{
    sim_lreplay_t *r = check(L);
    sim_player_stats_t st;
    sim_player_stats(r->p, &st);
    lua_createtable(L, 0, 24);
    static const struct { const char *k; size_t off; } f[] = {
#define F(x) { #x, offsetof(sim_player_stats_t, x) }
        F(kept), F(sent_checks), F(sent_indications), F(sent_rtp), F(sent_rtcp), F(unsent_no_target),
        F(unsent_no_keys), F(unsent_failed), F(transactions), F(answered), F(errors), F(unanswered),
        F(iut_checks), F(iut_answered), F(iut_bad), F(iut_nominations), F(iut_indications), F(iut_mapped_other), F(iut_dtls),
        F(iut_srtp), F(iut_srtp_bad), F(iut_ignored),
#undef F
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        sim_lua_set_int(L, f[i].k, (lua_Integer) * (const uint64_t *)((const char *)&st + f[i].off));
    lua_pushnumber(L, st.rtt_max);
    lua_setfield(L, -2, "rtt_max");
    lua_pushboolean(L, st.dtls_connected && !st.dtls_failed);
    lua_setfield(L, -2, "dtls_connected");
    lua_pushboolean(L, st.media_started);
    lua_setfield(L, -2, "media_started");
    lua_pushboolean(L, st.done);
    lua_setfield(L, -2, "done");
    return 1;
}

static int get(lua_State *L, void *obj, const char *key)
{
    sim_lreplay_t *r = obj;
    if (strcmp(key, "file") == 0)
        lua_pushstring(L, r->file);
    else if (strcmp(key, "side") == 0)
        lua_pushstring(L, r->side);
    else if (strcmp(key, "role") == 0)
        lua_pushstring(L, sim_player_role(r->p) ? sim_player_role(r->p) : r->role[0] ? r->role : NULL);
    else if (strcmp(key, "ufrag") == 0)
        lua_pushstring(L, sim_player_trace_ufrag(r->p));
    else if (strcmp(key, "duration") == 0)
        lua_pushnumber(L, sim_player_duration(r->p));
    else if (strcmp(key, "kept") == 0) {
        sim_player_stats_t st;
        sim_player_stats(r->p, &st);
        lua_pushinteger(L, (lua_Integer)st.kept);
    } else if (strcmp(key, "live") == 0) {
        /* the program's argv, split at spaces, as net.host{ run = } takes it */
        if (!r->live)
            return 0;
        lua_newtable(L);
        lua_Integer n = 0;
        for (const char *p = r->live; *p;) {
            while (*p == ' ')
                p++;
            size_t l = strcspn(p, " ");
            if (l) {
                lua_pushlstring(L, p, l);
                lua_rawseti(L, -2, ++n);
            }
            p += l;
        }
    } else if (strcmp(key, "media") == 0) {
        if (r->media)
            lua_pushlstring(L, r->media, r->media_len);
        else
            lua_pushnil(L);
    } else if (strcmp(key, "sidecar") == 0) {
        if (r->sidecar)
            lua_pushlstring(L, r->sidecar, r->sidecar_len);
        else
            lua_pushnil(L);
    } else
        return 0;
    return 1;
}

static int replay_index(lua_State *L) { return sim_lobj_index(L, get); }

void sim_lua_replay_free(sim_scn_t *s)
{
    while (s->replays) {
        sim_lreplay_t *r = s->replays;
        s->replays = r->next;
        record_free(r);
    }
}

void sim_lua_open_replay(lua_State *L)
{
    static const luaL_Reg m[] = {
        { "play", m_play }, { "description", m_description }, { "set_remote", m_set_remote },
        { "add_remote", m_add_remote }, { "start", m_start }, { "sources", m_sources },
        { "skipped", m_skipped }, { "ports", m_ports }, { "stats", m_stats }, { NULL, NULL },
    };
    sim_lobj_class(L, MT_REPLAY, m, replay_index, sim_lobj_newindex_readonly, "Trace");
    lua_getglobal(L, "net");
    lua_pushcfunction(L, l_trace);
    lua_setfield(L, -2, "trace");
    lua_pop(L, 1);
}
