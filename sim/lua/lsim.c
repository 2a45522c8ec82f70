/*
 * lsim.c - what the binding files share (lsim.h): argument helpers, the
 * phase check, and the userdata recipe: userdata are checked handles into
 * a per-scenario slot table, never owning pointers.
 */
#include "lua/lsim.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* a and b differ by one character added, removed or changed: a typo
 * ("latncy"), or the W3C's plural ("urls" for "url"). */
static bool one_edit(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la < lb)
        return one_edit(b, a);
    if (la - lb > 1)
        return false;
    size_t i = 0;
    while (i < lb && a[i] == b[i])
        i++;
    if (la == lb)       /* changed at i: the rest must agree */
        return i < la && strcmp(a + i + 1, b + i + 1) == 0;
    return strcmp(a + i + 1, b + i) == 0;   /* a has one more, at i */
}

void sim_lua_set_str(lua_State *L, const char *k, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

void sim_lua_set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

void sim_lua_check_keys(lua_State *L, int idx, const char *what, const char *const allowed[])
{
    idx = lua_absindex(L, idx);
    bool positional = false;
    for (const char *const *a = allowed; *a; a++)
        positional |= strcmp(*a, "[1]") == 0;
    /* Report the first unknown key in byte order, not in next() order,
     * which changes from run to run. */
    const char *bad = NULL;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (positional && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1)
            continue;
        size_t klen = 0;
        const char *key = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &klen)
                                                         : luaL_typename(L, -1);
        bool ok = false;
        /* a key with a NUL byte is not the known key it starts with */
        if (lua_type(L, -1) == LUA_TSTRING && strlen(key) == klen)
            for (const char *const *a = allowed; *a && !ok; a++)
                ok = strcmp(*a, key) == 0;
        if (!ok && (!bad || strcmp(key, bad) < 0))
            bad = key;      /* a string of the table or a type name: both outlive the loop */
    }
    if (!bad)
        return;
    for (const char *const *a = allowed; *a; a++)
        if (strcmp(*a, "[1]") != 0 && one_edit(*a, bad))
            luaL_error(L, "%s: unknown field '%s' (did you mean '%s'?)", what, bad, *a);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    bool first = true;
    for (const char *const *a = allowed; *a; a++) {
        if (strcmp(*a, "[1]") == 0)
            continue;
        if (!first)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, *a);
        first = false;
    }
    luaL_pushresult(&b);
    luaL_error(L, "%s: unknown field '%s' (known: %s)", what, bad, lua_tostring(L, -1));
}

double sim_lua_optnum(lua_State *L, int idx, const char *what, const char *key, double def)
{
    double v = def;
    int t = lua_getfield(L, idx, key);
    if (t != LUA_TNIL) {
        /* a Lua number: "0.01" is a string, as everywhere in the API */
        if (t != LUA_TNUMBER || !isfinite(v = (double)lua_tonumber(L, -1)))
            luaL_error(L, "%s.%s must be a number, got %s", what, key,
                       t == LUA_TNUMBER ? "an infinite or NaN one" : luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return v;
}

const char *sim_lua_checkstring(lua_State *L, int idx, const char *what)
{
    if (lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, "%s must be a string, got %s", what, luaL_typename(L, idx));
    size_t len;
    const char *v = lua_tolstring(L, idx, &len);
    if (strlen(v) != len)
        luaL_error(L, "%s holds a NUL byte (at byte %d): C would cut it there", what,
                   (int)strlen(v));
    return v;
}

lua_Integer sim_lua_checkint(lua_State *L, int idx, const char *what, lua_Integer lo,
                             lua_Integer hi)
{
    int isint = 0;
    lua_Integer v = 0;
    if (lua_type(L, idx) == LUA_TNUMBER)
        v = lua_tointegerx(L, idx, &isint);     /* 3.0 is 3; 3.5 is not an integer */
    if (!isint)
        luaL_error(L, "%s must be an integer, got %s", what,
                   lua_type(L, idx) == LUA_TNUMBER ? "a fraction" : luaL_typename(L, idx));
    if (v < lo || v > hi)
        luaL_error(L, "%s must be %I to %I, got %I", what, lo, hi, v);
    return v;
}

/* Registry table: name -> the kind of thing that has it. */
#define NAMES "rtcsim.names"

void sim_lua_name_check(lua_State *L, const char *what, const char *name)
{
    int top = lua_gettop(L);
    if (lua_getfield(L, LUA_REGISTRYINDEX, NAMES) == LUA_TTABLE &&
        lua_getfield(L, -1, name) == LUA_TSTRING)
        luaL_error(L, "%s: the name '%s' is already used by a %s (hosts, subnets, NATs and "
                      "firewalls share one namespace)", what, name, lua_tostring(L, -1));
    lua_settop(L, top);
}

void sim_lua_name_claim(lua_State *L, const char *name, const char *kind)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, NAMES) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, NAMES);
    }
    lua_pushstring(L, kind);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* ---- phases ------------------------------------------------------------------ */

void sim_lua_check_phase(lua_State *L, const char *what)
{
    /* A header read ends at the first call past scenario{} (D111): what
     * follows builds the run, which a header read does not make. */
    if (sim_scn_get(L)->header_read && strcmp(what, "scenario") != 0)
        sim_scn_header_stop(L);
    switch (sim_scn_get(L)->phase) {
    case SIM_PHASE_BUILD:
    case SIM_PHASE_RUN:
        return;
    case SIM_PHASE_CHECK:
        luaL_error(L, "%s: not allowed while expectations are checked", what);
        break;
    case SIM_PHASE_CLOSED:
        luaL_error(L, "%s: the scenario is over: objects can no longer be used", what);
        break;
    }
}

/* ---- handles ------------------------------------------------------------------- */

struct sim_lslot {
    void *ptr;                      /* NULL once the object went away */
    char  dead[96];                 /* then: what it was, for the error */
};

typedef struct lobj {
    size_t slot;
} lobj_t;

/* Registry table: light userdata (the C address) -> its userdata, so that
 * an object has one userdata and one slot however often it is pushed. */
#define OBJECTS "rtcsim.objects"

static void push_objects(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, OBJECTS) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, OBJECTS);
}

void sim_lobj_push_ptr(lua_State *L, const char *mt, void *ptr)
{
    sim_scn_t *s = sim_scn_get(L);
    push_objects(L);
    if (lua_rawgetp(L, -1, ptr) == LUA_TUSERDATA && luaL_testudata(L, -1, mt)) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    if (s->nslots == s->capslots) {
        size_t cap = s->capslots ? 2 * s->capslots : 64;
        sim_lslot_t *n = realloc(s->slots, cap * sizeof *n);
        if (!n)
            luaL_error(L, "out of memory (the table of objects)");
        s->slots = n;
        s->capslots = cap;
    }
    lobj_t *o = lua_newuserdatauv(L, sizeof *o, 1);
    o->slot = s->nslots;
    s->slots[s->nslots++] = (sim_lslot_t){ .ptr = ptr };
    lua_newtable(L);
    lua_setiuservalue(L, -2, 1);
    luaL_setmetatable(L, mt);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, ptr);
    lua_remove(L, -2);
}

/* The object behind the handle at idx (known to be one of ours). */
static void *resolve(lua_State *L, int idx)
{
    sim_scn_t *s = sim_scn_get(L);
    const lobj_t *o = lua_touserdata(L, idx);
    if (s->phase == SIM_PHASE_CLOSED)
        luaL_error(L, "%s: the scenario is over: objects can no longer be used",
                   sim_lobj_typename(L, idx));
    const sim_lslot_t *sl = &s->slots[o->slot];
    if (!sl->ptr)
        luaL_error(L, "%s is closed", sl->dead);
    return sl->ptr;
}

void *sim_lobj_ptr(lua_State *L, int idx, const char *mt)
{
    luaL_checkudata(L, idx, mt);
    return resolve(L, idx);
}

void sim_lobj_kill(lua_State *L, void *ptr, const char *desc)
{
    sim_scn_t *s = sim_scn_get(L);
    push_objects(L);
    if (lua_rawgetp(L, -1, ptr) == LUA_TUSERDATA) {
        sim_lslot_t *sl = &s->slots[((lobj_t *)lua_touserdata(L, -1))->slot];
        sl->ptr = NULL;
        snprintf(sl->dead, sizeof sl->dead, "%s", desc);
        /* the address may be reused by a new object, which gets its own */
        lua_pushnil(L);
        lua_rawsetp(L, -3, ptr);
    }
    lua_pop(L, 2);
}

void sim_lobj_free(sim_scn_t *s)
{
    free(s->slots);
    s->slots = NULL;
    s->nslots = s->capslots = 0;
}

const char *sim_lobj_typename(lua_State *L, int idx)
{
    const char *t = luaL_typename(L, idx);
    int mt = luaL_getmetafield(L, idx, "__name");
    if (mt == LUA_TSTRING)
        t = lua_tostring(L, -1);    /* interned in the metatable: stays valid */
    if (mt != LUA_TNIL)
        lua_pop(L, 1);
    return t;
}

/* __index: methods first, then the fields a `getter` pushes, then the user
 * value table (handlers). */
int sim_lobj_index(lua_State *L, sim_lobj_getter get)
{
    const char *key = sim_lua_checkstring(L, 2, "a field name");
    if (luaL_getmetafield(L, 1, "methods") != LUA_TNIL) {
        if (lua_getfield(L, -1, key) != LUA_TNIL)
            return 1;
        lua_pop(L, 2);
    }
    /* past the methods, a dead object (or any, once the scenario is
     * over) refuses: its fields and handlers are gone with it */
    void *obj = resolve(L, 1);
    if (get && get(L, obj, key))
        return 1;
    lua_getiuservalue(L, 1, 1);
    lua_getfield(L, -1, key);
    return 1;
}

/* Only handler fields (on...) may be assigned; anything else is a typo. */
int sim_lobj_newindex_handlers(lua_State *L)
{
    const char *key = sim_lua_checkstring(L, 2, "a field name");
    if (strncmp(key, "on", 2) != 0)
        return luaL_error(L, "cannot set field '%s' of %s", key, sim_lobj_typename(L, 1));
    resolve(L, 1);      /* a dead object takes no handler */
    if (!lua_isnil(L, 3))
        luaL_checktype(L, 3, LUA_TFUNCTION);
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, key);
    return 0;
}

int sim_lobj_newindex_readonly(lua_State *L)
{
    return luaL_error(L, "cannot set field '%s': %s objects are read-only",
                      luaL_checkstring(L, 2), sim_lobj_typename(L, 1));
}

void sim_lobj_class(lua_State *L, const char *mt, const luaL_Reg *methods, lua_CFunction index,
                    lua_CFunction newindex, const char *type_name)
{
    luaL_newmetatable(L, mt);
    lua_pushstring(L, type_name);
    lua_setfield(L, -2, "__name");
    /* getmetatable(obj) gives the type's name, not the table: a script
     * that could edit it could give objects made after a __gc, which Lua
     * would run with the bounds' hook off (sandbox.c, finalizers) */
    lua_pushstring(L, type_name);
    lua_setfield(L, -2, "__metatable");
    lua_pushcfunction(L, index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, newindex);
    lua_setfield(L, -2, "__newindex");
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "methods");
    lua_pop(L, 1);
}

