/*
 * lua_sim.c - the `sim` table (virtual time, timers, running, logging,
 * events), `scenario{}`, and the sandbox's replacements for functions
 * whose standard versions are not deterministic: tostring and print
 * (no addresses; print to the run's log), os.time/os.clock (virtual),
 * math.random (seeded). next/pairs, pcall/xpcall, string.format and the
 * C library's bounds are in sandbox.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "kernel/vdet.h"
#include "lua/json.h"
#include "lua/lsim.h"

struct sim_ltimer {
    sim_scn_t    *s;
    int           fnref;
    sim_timer_t   id;
    lua_Integer   handle;
    sim_time_t    interval;         /* 0: one-shot */
    lua_Integer   remaining;        /* firings left for `every`; <0: unbounded */
    sim_ltimer_t *prev, *next;
};

/* ---- timers ---------------------------------------------------------------- */

static void timer_unlink(sim_ltimer_t *t)
{
    sim_scn_t *s = t->s;
    if (t->prev)
        t->prev->next = t->next;
    else
        s->timers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    luaL_unref(s->L, LUA_REGISTRYINDEX, t->fnref);
    s->timer_bytes -= sizeof *t;
    free(t);
}

static void timer_fire(void *arg)
{
    sim_ltimer_t *t = arg;
    sim_scn_t *s = t->s;
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, t->fnref);
    /* Reschedule (or retire) before the call, so the callback may cancel
     * its own timer. */
    if (t->interval && t->remaining != 0) {
        if (t->remaining > 0)
            t->remaining--;
        if (t->remaining == 0)
            timer_unlink(t);
        else
            t->id = sim_after(s->k, t->interval, timer_fire, t);
    } else {
        timer_unlink(t);
    }
    sim_scn_call(s, 0);
}

static int schedule(lua_State *L, sim_time_t at, int fnidx, sim_time_t interval,
                    lua_Integer count)
{
    sim_scn_t *s = sim_scn_get(L);
    luaL_checktype(L, fnidx, LUA_TFUNCTION);
    sim_scn_check(s, L);
    sim_ltimer_t *t = calloc(1, sizeof *t);
    if (!t)
        return sim_scn_limit(L, 1, "out of memory: a timer");
    s->timer_bytes += sizeof *t;
    lua_pushvalue(L, fnidx);
    t->fnref = luaL_ref(L, LUA_REGISTRYINDEX);
    t->s = s;
    t->handle = ++s->timer_handles;
    t->interval = interval;
    t->remaining = count;
    t->next = s->timers;
    if (s->timers)
        s->timers->prev = t;
    s->timers = t;
    lua_Integer handle = t->handle;
    t->id = sim_at(s->k, at, timer_fire, t);
    if (!t->id)
        timer_unlink(t);
    /* the queue refused it, or it passed the memory bound: trips */
    sim_scn_check(s, L);
    lua_pushinteger(L, handle);
    return 1;
}

/* sim.at(t, fn): call fn at absolute virtual time t (seconds). */
static int l_at(lua_State *L)
{
    sim_lua_check_phase(L, "sim.at");
    sim_scn_t *s = sim_scn_get(L);
    sim_time_t t = sim_lua_time(L, 1, "sim.at");
    if (t < sim_now(s->k))
        return luaL_error(L, "sim.at: time %f s is in the past (now %f s)", t / 1e9,
                          sim_now(s->k) / 1e9);
    return schedule(L, t, 2, 0, 0);
}

/* sim.after(dt, fn) */
static int l_after(lua_State *L)
{
    sim_lua_check_phase(L, "sim.after");
    sim_scn_t *s = sim_scn_get(L);
    return schedule(L, sim_now(s->k) + sim_lua_time(L, 1, "sim.after"), 2, 0, 0);
}

/* sim.every(interval, fn [, {start=, count=}]) */
static int l_every(lua_State *L)
{
    sim_lua_check_phase(L, "sim.every");
    sim_scn_t *s = sim_scn_get(L);
    sim_time_t iv = sim_lua_time(L, 1, "sim.every");
    if (iv == 0)
        return luaL_error(L, "sim.every: the interval must be greater than 0");
    sim_time_t start = sim_now(s->k) + iv;
    lua_Integer count = -1;
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        static const char *const keys[] = { "start", "count", NULL };
        sim_lua_check_keys(L, 3, "sim.every options", keys);
        if (lua_getfield(L, 3, "start") != LUA_TNIL)
            start = sim_lua_time(L, -1, "sim.every start");
        lua_pop(L, 1);
        if (lua_getfield(L, 3, "count") != LUA_TNIL) {
            count = sim_lua_checkint(L, -1, "sim.every: count", 1, LUA_MAXINTEGER);
        }
        lua_pop(L, 1);
    }
    if (start < sim_now(s->k))
        return luaL_error(L, "sim.every: start is in the past");
    return schedule(L, start, 2, iv, count);
}

/* sim.cancel(handle) -> true if it was pending */
static int l_cancel(lua_State *L)
{
    sim_lua_check_phase(L, "sim.cancel");
    sim_scn_t *s = sim_scn_get(L);
    lua_Integer h = sim_lua_checkint(L, 1, "sim.cancel: the handle", LUA_MININTEGER, LUA_MAXINTEGER);
    for (sim_ltimer_t *t = s->timers; t; t = t->next)
        if (t->handle == h) {
            sim_cancel(s->k, t->id);
            timer_unlink(t);
            lua_pushboolean(L, 1);
            return 1;
        }
    lua_pushboolean(L, 0);
    return 1;
}

void sim_lua_timers_free(sim_scn_t *s)
{
    while (s->timers) {
        sim_ltimer_t *t = s->timers;
        s->timers = t->next;
        free(t);
    }
}

/* ---- running ---------------------------------------------------------------- */

static int l_now(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)sim_now(sim_scn_get(L)->k) / 1e9);
    return 1;
}

/* sim.run([t]): run the simulation to absolute time t, or until no event is
 * pending. Only from the main chunk: a callback runs inside the kernel. */
static int l_run(lua_State *L)
{
    sim_scn_t *s = sim_scn_get(L);
    sim_lua_check_phase(L, "sim.run");
    if (s->phase == SIM_PHASE_RUN)
        return luaL_error(L, "sim.run: cannot run the simulation from inside a callback");
    sim_time_t limit = s->max_time;
    if (!lua_isnoneornil(L, 1)) {
        limit = sim_lua_time(L, 1, "sim.run");
        if (limit < sim_now(s->k))
            return luaL_error(L, "sim.run: time %f s is in the past (now %f s)", limit / 1e9,
                              sim_now(s->k) / 1e9);
        if (limit > s->max_time)
            return luaL_error(L, "sim.run: time %f s is beyond the virtual time limit of %f s",
                              limit / 1e9, s->max_time / 1e9);
    }
    if (sim_lua_live_start(s) < 0)
        return luaL_error(L, "sim.run: %s", s->error);
    s->phase = SIM_PHASE_RUN;
    if (lua_isnoneornil(L, 1))
        sim_run_events(s->k, limit);
    else
        sim_run_until(s->k, limit);
    s->phase = SIM_PHASE_BUILD;
    if (s->failed)
        return luaL_error(L, "(stopped by the error above)");
    sim_scn_check(s, L);
    if (lua_isnoneornil(L, 1) && sim_pending(s->k) > 0)
        return sim_scn_limit(L, 1, "sim.run: virtual time limit of %f s reached with %d events pending",
                             s->max_time / 1e9, (int)sim_pending(s->k));
    return 0;
}

/* ---- logging and events -------------------------------------------------- */

/* The line at the top of L's stack (a string), whole: a NUL byte in it is
 * written to log.txt as it is, and the log event then carries the string
 * as JSON ("a\u0000b"), which the event log's C strings would cut. */
static void log_line(lua_State *L, sim_scn_t *s)
{
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    char t[32];
    if (s->textlog) {
        fprintf(s->textlog, "[%s] ", sim_time_str(sim_now(s->k), t));
        fwrite(msg, 1, len, s->textlog);
        fputc('\n', s->textlog);
    }
    /* The event log is what the expectations read: from the check phase
     * on it no longer changes, and print goes to the text log only. */
    if (s->phase >= SIM_PHASE_CHECK)
        return;
    if (strlen(msg) == len) {
        sim_evarg_t a = SIM_EVS("msg", msg);
        sim_scn_event(s, "scenario", "log", &a, 1);
        return;
    }
    /* quoted as the event log quotes a C string, over every byte */
    size_t need = sim_json_quote(msg, len, NULL, 0);
    char *json = malloc(need + 1);
    if (!json)
        luaL_error(L, "print: out of memory (the log line)");
    sim_json_quote(msg, len, json, need + 1);
    sim_evarg_t a = SIM_EVJ("msg", json);
    sim_scn_event(s, "scenario", "log", &a, 1);
    free(json);
}

/* tostring without memory addresses, which change from run to run: a
 * table is "table", a userdata its type's name ("Host", "Socket"). */
static const char *to_string(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TTABLE:
    case LUA_TFUNCTION:
    case LUA_TUSERDATA:
    case LUA_TLIGHTUSERDATA:
    case LUA_TTHREAD:
        if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
            lua_pop(L, 1);
            break;
        }
        int t = luaL_getmetafield(L, idx, "__name");
        if (t == LUA_TSTRING)
            return lua_tostring(L, -1);
        if (t != LUA_TNIL)
            lua_pop(L, 1);
        lua_pushstring(L, luaL_typename(L, idx));
        return lua_tostring(L, -1);
    }
    return luaL_tolstring(L, idx, NULL);
}

static int l_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    to_string(L, 1);
    return 1;
}

/* print(...) and sim.log(...): tab-separated, like print. */
static int l_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        to_string(L, i);
        luaL_addvalue(&b);
        if (i < n)
            luaL_addchar(&b, '\t');
    }
    luaL_pushresult(&b);
    log_line(L, sim_scn_get(L));
    return 0;
}

/* sim.event(name [, args]): an event of the scenario's own, for expectations. */
static int l_event(lua_State *L)
{
    sim_lua_check_phase(L, "sim.event");
    sim_scn_t *s = sim_scn_get(L);
    const char *name = sim_lua_checkstring(L, 1, "sim.event: the name");
    size_t n = 0;
    sim_evarg_t args[64];
    char *vals[64];
    /* The argument that fails is the first in byte order, so the message
     * does not depend on next()'s order. */
    const char *bad = NULL;
    char bad_err[256] = "";
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            if (lua_type(L, -2) != LUA_TSTRING) {
                for (size_t i = 0; i < n; i++)
                    free(vals[i]);
                return luaL_error(L, "sim.event: argument keys must be strings");
            }
            size_t klen;
            if (strlen(lua_tolstring(L, -2, &klen)) != klen) {
                for (size_t i = 0; i < n; i++)
                    free(vals[i]);
                return luaL_error(L, "sim.event: an argument's key holds a NUL byte");
            }
            if (n == 64) {
                for (size_t i = 0; i < n; i++)
                    free(vals[i]);
                return luaL_error(L, "sim.event: more than 64 arguments");
            }
            char err[256];
            size_t len;
            const char *key = lua_tostring(L, -2);  /* anchored by the table */
            vals[n] = sim_json_encode(L, -1, &len, err, sizeof err);
            if (vals[n]) {
                args[n] = SIM_EVJ(key, vals[n]);
                n++;
            } else if (!bad || strcmp(key, bad) < 0) {
                bad = key;
                snprintf(bad_err, sizeof bad_err, "%s", err);
            }
            lua_pop(L, 1);
        }
    }
    if (!bad)
        sim_scn_event(s, "scenario", name, args, n);
    for (size_t i = 0; i < n; i++)
        free(vals[i]);
    if (bad)
        return luaL_error(L, "sim.event: argument '%s': %s", bad, bad_err);
    sim_scn_check(s, L);
    return 0;
}

/* ---- require ---------------------------------------------------------------- */

/* require(name): a Lua file from the scenarios' lib/ folder, run once in
 * the scenario's sandbox; its result is cached like package.loaded. Names
 * are plain (letters, digits, '_', '-'): nothing outside lib/ loads. */
static int l_require(lua_State *L)
{
    sim_scn_t *s = sim_scn_get(L);
    const char *name = sim_lua_checkstring(L, 1, "require: the name");
    if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(name))
        return luaL_error(L, "require: '%s' is not a plain name (letters, digits, '_', '-')", name);
    lua_getfield(L, LUA_REGISTRYINDEX, "rtcsim.loaded");
    if (lua_getfield(L, -1, name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    char *path;
    if (asprintf(&path, "%s/%s.lua", s->lib_dir, name) < 0)
        return luaL_error(L, "out of memory");
    int rc = luaL_loadfilex(L, path, "t");
    free(path);
    if (rc != LUA_OK)
        return luaL_error(L, "require '%s': %s", name, lua_tostring(L, -1));
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

/* ---- scenario{} ------------------------------------------------------------ */

/* scenario.key of the table at 1, a positive integer, if given. */
static bool opt_count(lua_State *L, const char *key, lua_Integer *n)
{
    int isint = 0;
    bool given = lua_getfield(L, 1, key) != LUA_TNIL;
    *n = lua_tointegerx(L, -1, &isint);
    lua_pop(L, 1);
    if (given && (!isint || *n < 1))
        luaL_error(L, "scenario.%s must be a positive integer", key);
    return given;
}

static int l_scenario(lua_State *L)
{
    sim_lua_check_phase(L, "scenario");
    sim_scn_t *s = sim_scn_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = { "name", "seed", "duration", "max_time", "instructions",
                                        "max_pending", "max_log_bytes", "covers", NULL };
    sim_lua_check_keys(L, 1, "scenario", keys);
    if (s->title)
        return luaL_error(L, "scenario{} given twice");
    if (sim_net_link_at(s->net, 1) || sim_pending(s->k) || sim_now(s->k))
        return luaL_error(L, "scenario{} must come first, before the topology and any timer");
    if (lua_getfield(L, 1, "name") != LUA_TNIL)
        s->title = strdup(sim_lua_checkstring(L, -1, "scenario.name"));
    else
        s->title = strdup(s->path);
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "seed") != LUA_TNIL) {
        lua_Integer seed = sim_lua_checkint(L, -1, "scenario.seed", 0, LUA_MAXINTEGER);
        s->own_seed = (uint64_t)seed;
        if (!s->opts->seed_set) {
            s->seed = (uint64_t)seed;
            sim_kernel_set_seed(s->k, s->seed);
            /* The libraries' streams (libnice's transaction ids, OpenSSL)
             * follow the new seed too: a run at scenario{seed=N} must be
             * the run `rtcsim run --seed N` replays. */
            sim_vdet_bind(s->k);
            sim_rng_init(&s->lua_rng, s->seed, "lua:math.random");
        }
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "max_time") != LUA_TNIL)
        s->max_time = sim_lua_time(L, -1, "scenario.max_time");
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "duration") != LUA_TNIL) {
        s->duration = sim_lua_time(L, -1, "scenario.duration");
        if (s->duration > s->max_time)
            s->max_time = s->duration;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "instructions") != LUA_TNIL) {
        lua_Integer n = sim_lua_checkint(L, -1, "scenario.instructions", 1, LUA_MAXINTEGER);
        s->instr_limit = (uint64_t)n;
    }
    lua_pop(L, 1);
    lua_Integer n;
    if (opt_count(L, "max_pending", &n))
        sim_kernel_set_max_pending(s->k, (size_t)n);
    if (opt_count(L, "max_log_bytes", &n))
        sim_evlog_set_max_bytes(s->log, (size_t)n);
    sim_scn_covers(L, 1);
    if (s->header_read)
        return sim_scn_header_stop(L);
    return 0;
}

/* ---- deterministic replacements ------------------------------------------ */

static int l_os_time(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)(sim_now(sim_scn_get(L)->k) / 1000000000ull));
    return 1;
}

static int l_os_clock(lua_State *L)
{
    return l_now(L);
}

/* math.random with Lua 5.4's argument rules, drawn from the run's seeded
 * stream "lua:math.random". */
static int l_random(lua_State *L)
{
    sim_scn_t *s = sim_scn_get(L);
    lua_Integer lo, hi;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, (lua_Number)sim_rng_double(&s->lua_rng));
        return 1;
    case 1:
        lo = 1;
        hi = luaL_checkinteger(L, 1);
        if (hi == 0) {
            lua_pushinteger(L, (lua_Integer)sim_rng_u64(&s->lua_rng));
            return 1;
        }
        break;
    case 2:
        lo = luaL_checkinteger(L, 1);
        hi = luaL_checkinteger(L, 2);
        break;
    default:
        return luaL_error(L, "math.random: wrong number of arguments");
    }
    luaL_argcheck(L, lo <= hi, lua_gettop(L), "interval is empty");
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    uint64_t r = span == UINT64_MAX ? sim_rng_u64(&s->lua_rng)
                                    : sim_rng_below(&s->lua_rng, span + 1);
    lua_pushinteger(L, (lua_Integer)((uint64_t)lo + r));
    return 1;
}

static int l_randomseed(lua_State *L)
{
    sim_scn_t *s = sim_scn_get(L);
    lua_Integer x = luaL_checkinteger(L, 1);
    sim_rng_init(&s->lua_rng, (uint64_t)x, "lua:math.random");
    return 0;
}

void sim_lua_open_sim(lua_State *L)
{
    static const luaL_Reg simf[] = {
        { "at", l_at }, { "after", l_after }, { "every", l_every }, { "cancel", l_cancel },
        { "now", l_now }, { "run", l_run }, { "log", l_print }, { "event", l_event },
        { NULL, NULL },
    };
    luaL_newlib(L, simf);
    lua_setglobal(L, "sim");
    lua_register(L, "scenario", l_scenario);
    lua_register(L, "print", l_print);
    lua_register(L, "tostring", l_tostring);
    lua_register(L, "require", l_require);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "rtcsim.loaded");

    lua_newtable(L);
    lua_pushcfunction(L, l_os_time);
    lua_setfield(L, -2, "time");
    lua_pushcfunction(L, l_os_clock);
    lua_setfield(L, -2, "clock");
    lua_setglobal(L, "os");

    lua_getglobal(L, "math");
    lua_pushcfunction(L, l_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, l_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);

    sim_json_open(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "rtcsim.json");
    lua_setglobal(L, "json");
}
