/*
 * lua_live.c - live hosts in scenarios: net.host{ name =, run = { "prog",
 * "arg", ... } } runs an unmodified program on the host (sim/host/live.h,
 * docs/live.md), started once the main chunk has built the topology.
 */
#include <stdlib.h>
#include <string.h>

#include "host/live.h"
#include "lua/lsim.h"

#define MAX_ARGS 32

struct sim_lrun {
    sim_host_t      *h;
    char            *argv[MAX_ARGS + 1];
    sim_live_t      *live;
    struct sim_lrun *next;
};

static void run_free(struct sim_lrun *r)
{
    for (size_t i = 0; r->argv[i]; i++)
        free(r->argv[i]);
    free(r);
}

void sim_lua_live_declare(lua_State *L, sim_host_t *h, int idx)
{
    sim_scn_t *s = sim_scn_get(L);
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "net.host: field 'run' must be a list of strings { \"program\", \"arg\", ... }, "
                      "got %s", luaL_typename(L, idx));
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n < 1 || n > MAX_ARGS)
        luaL_error(L, "net.host: field 'run' must hold 1 to %d strings, got %d", MAX_ARGS, (int)n);
    struct sim_lrun *r = calloc(1, sizeof *r);
    if (!r)
        luaL_error(L, "net.host: out of memory");
    r->h = h;
    r->next = s->runs;
    s->runs = r;        /* owned by the scenario from here: freed however this ends */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        char what[64];
        snprintf(what, sizeof what, "net.host: run[%d]", (int)i);
        const char *a = sim_lua_checkstring(L, -1, what);
        if (!a[0])
            luaL_error(L, "%s is empty", what);
        if (!(r->argv[i - 1] = strdup(a)))
            luaL_error(L, "net.host: out of memory");
        lua_pop(L, 1);
    }
}

/* The scenario cannot go on: its error is msg (the first one stands). */
static int stop(sim_scn_t *s, const char *fmt, const char *a, const char *b)
{
    if (!s->failed) {
        char msg[1024];
        snprintf(msg, sizeof msg, fmt, a, b);
        s->error = strdup(msg);
        s->failed = true;
        sim_stop(s->k);
    }
    return -1;
}

int sim_lua_live_start(sim_scn_t *s)
{
    if (!s->runs || s->lives)
        return 0;
    char err[512];
    if (s->duration == SIM_TIME_NEVER)
        return stop(s, "%s: a scenario with a live host (net.host{run=}) needs scenario{duration=}: "
                       "real time does not run until idle%s", s->path, "");
    const char *why = sim_live_unavailable();
    if (why)    /* never passed: it could not run here, and says why */
        return stop(s, "%s: skipped, not run: %s", s->path, why);
    s->lives = sim_lives_new(s->k);
    if (!s->lives)
        return stop(s, "%s: out of memory (live hosts)%s", s->path, "");
    for (struct sim_lrun *r = s->runs; r; r = r->next) {
        r->live = sim_live_start(s->lives, r->h, r->argv, false, s->textlog, err, sizeof err);
        if (!r->live)
            return stop(s, "%s: %s", s->path, err);
    }
    return 0;
}

void sim_lua_live_note(const sim_scn_t *s, char **notes)
{
    if (!s->lives)
        return;
    char t[32];
    sim_strcatf(notes, "real time: live hosts ran (not a function of the seed; largest "
                "lateness of an event %s s)", sim_time_str(sim_lives_max_lag(s->lives), t));
    for (const struct sim_lrun *r = s->runs; r; r = r->next)
        if (r->live)
            sim_strcatf(notes, "  live host %s: %s, %llu datagrams out, %llu in",
                        sim_host_name(r->h), sim_live_name(r->live),
                        (unsigned long long)sim_live_packets(r->live, true),
                        (unsigned long long)sim_live_packets(r->live, false));
}

void sim_lua_live_free(sim_scn_t *s)
{
    sim_lives_free(s->lives);
    s->lives = NULL;
    while (s->runs) {
        struct sim_lrun *r = s->runs;
        s->runs = r->next;
        run_free(r);
    }
}
