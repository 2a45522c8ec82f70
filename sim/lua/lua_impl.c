/*
 * lua_impl.c - which implementation each host of a scenario runs
 * (lsim.h, "implementations under test"), and the shapes its answers take
 * in Lua (errors, counters).
 *
 * A scenario can name only what the command line allows: "ref" (the
 * built-in ref/), "default" (the run's --impl, else ref) or a path given
 * with --impl. A scenario never loads code of its own choosing: it is
 * untrusted input (docs/decisions.md D104).
 */
#include <stdlib.h>
#include <string.h>

#include "lua/lsim.h"

struct sim_host_impl {
    sim_host_t *h;
    const char *path;               /* NULL: the built-in one */
};

static const char *default_path(const sim_scn_t *s)
{
    return s->opts && s->opts->nimpls ? s->opts->impls[0] : NULL;
}

void sim_lua_set_host_impl(lua_State *L, sim_host_t *h, const char *name)
{
    sim_scn_t *s = sim_scn_get(L);
    const char *path = NULL;
    bool found = strcmp(name, "ref") == 0;
    if (!found && strcmp(name, "default") == 0) {
        path = default_path(s);
        found = true;
    }
    for (size_t i = 0; !found && s->opts && i < s->opts->nimpls; i++)
        if (strcmp(name, s->opts->impls[i]) == 0) {
            path = s->opts->impls[i];
            found = true;
        }
    if (!found)
        luaL_error(L, "net.host: impl '%s' is not one this run was given: use \"ref\", "
                      "\"default\", or a path passed with --impl (a scenario cannot load code "
                      "the command line did not name)", name);
    struct sim_host_impl *hi = realloc(s->host_impls, (s->nhost_impls + 1) * sizeof *hi);
    if (!hi)
        luaL_error(L, "net.host: out of memory");
    s->host_impls = hi;
    s->host_impls[s->nhost_impls++] = (struct sim_host_impl){ h, path };
}

const sim_impl_t *sim_lua_host_impl(lua_State *L, sim_host_t *h, const char *what)
{
    sim_scn_t *s = sim_scn_get(L);
    /* a live host's objects are its program's (D136): the run's proxy */
    const sim_impl_t *live = sim_lua_live_impl(L, h, what);
    if (live) {
        s->foreign = true;
        return live;
    }
    const char *path = default_path(s);
    for (size_t i = 0; i < s->nhost_impls; i++)
        if (s->host_impls[i].h == h)
            path = s->host_impls[i].path;
    if (!path)
        return sim_impl_builtin();
    char err[1024];
    const sim_impl_t *impl = sim_impl_load(path, err, sizeof err);
    if (!impl)
        luaL_error(L, "%s: %s", what, err);
    if (!sim_impl_is_builtin(impl))
        s->foreign = true;
    return impl;
}

int sim_lua_impl_error(lua_State *L, const sim_impl_t *impl, const char *method, int rc,
                       const char *err)
{
    /* err is the caller's buffer of at least 256 bytes, which the
     * implementation filled: bound it */
    char msg[256];
    snprintf(msg, sizeof msg, "%.*s", (int)sizeof msg - 1, err ? err : "");
    const char *why = msg[0] ? msg : rtcsim_strerror(rc);
    if (sim_impl_is_builtin(impl))
        return luaL_error(L, "%s: %s", method, why);
    return luaL_error(L, "%s: %s (implementation %s: %s)", method, why, impl->label,
                      rtcsim_strerror(rc));
}

/* The group table for "a.b" (created at t.a when missing), left on the
 * stack above t; NULL name part is the counter's own. */
void sim_lua_push_counters(lua_State *L, const rtcsim_counter_t *c, size_t n)
{
    lua_createtable(L, 0, (int)n);
    int t = lua_gettop(L);
    for (size_t i = 0; i < n; i++) {
        char name[RTCSIM_COUNTER_NAME_MAX + 1];
        memcpy(name, c[i].name, sizeof name);
        name[sizeof name - 1] = '\0';       /* an implementation's string: bound it */
        char *dot = strchr(name, '.');
        if (!dot) {
            sim_lua_set_int(L, name, (lua_Integer)c[i].value);
            continue;
        }
        *dot = '\0';
        if (lua_getfield(L, t, name) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -1);
            lua_setfield(L, t, name);
        }
        sim_lua_set_int(L, dot + 1, (lua_Integer)c[i].value);
        lua_pop(L, 1);
    }
}

void sim_lua_impl_note(const sim_scn_t *s, char **notes)
{
    const char *def = default_path(s);
    sim_strcatf(notes, "implementation under test: %s, on every host%s (byte goldens compared "
                "masked, D103)", def ? def : "ref", s->nhost_impls ? " but those below" : "");
    for (size_t i = 0; i < s->nhost_impls; i++)
        sim_strcatf(notes, "  host %s: %s", sim_host_name(s->host_impls[i].h),
                    s->host_impls[i].path ? s->host_impls[i].path : "ref");
}
