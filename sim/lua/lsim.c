/*
 * lsim.c - what the binding files share (lsim.h): argument helpers and the
 * userdata recipe.
 */
#include "lua/lsim.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

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
        const char *key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1);
        bool ok = false;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (const char *const *a = allowed; *a && !ok; a++)
                ok = strcmp(*a, key) == 0;
        if (!ok && (!bad || strcmp(key, bad) < 0))
            bad = key;      /* a string of the table or a type name: both outlive the loop */
    }
    if (!bad)
        return;
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
        int isnum;
        v = (double)lua_tonumberx(L, -1, &isnum);
        if (!isnum || !isfinite(v))
            luaL_error(L, "%s.%s must be a number, got %s", what, key, luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return v;
}

void *sim_lobj_push(lua_State *L, const char *mt, size_t size)
{
    void *p = lua_newuserdatauv(L, size, 1);
    memset(p, 0, size);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 1);
    luaL_setmetatable(L, mt);
    return p;
}

void sim_lobj_push_ptr(lua_State *L, const char *mt, void *ptr)
{
    *(void **)sim_lobj_push(L, mt, sizeof ptr) = ptr;
}

void *sim_lobj_ptr(lua_State *L, int idx, const char *mt)
{
    return *(void **)luaL_checkudata(L, idx, mt);
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

static int obj_eq(lua_State *L)
{
    lua_pushboolean(L, *(void **)lua_touserdata(L, 1) == *(void **)lua_touserdata(L, 2));
    return 1;
}

/* __index: methods first, then the fields a `getter` pushes, then the user
 * value table (handlers). */
int sim_lobj_index(lua_State *L, sim_lobj_getter get)
{
    const char *key = luaL_checkstring(L, 2);
    if (luaL_getmetafield(L, 1, "methods") != LUA_TNIL) {
        if (lua_getfield(L, -1, key) != LUA_TNIL)
            return 1;
        lua_pop(L, 2);
    }
    if (get && get(L, lua_touserdata(L, 1), key))
        return 1;
    lua_getiuservalue(L, 1, 1);
    lua_getfield(L, -1, key);
    return 1;
}

/* Only handler fields (on...) may be assigned; anything else is a typo. */
int sim_lobj_newindex_handlers(lua_State *L)
{
    const char *key = luaL_checkstring(L, 2);
    if (strncmp(key, "on", 2) != 0)
        return luaL_error(L, "cannot set field '%s' of %s", key, luaL_typename(L, 1));
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
                      luaL_checkstring(L, 2), luaL_typename(L, 1));
}

void sim_lobj_class(lua_State *L, const char *mt, const luaL_Reg *methods, lua_CFunction index,
                      lua_CFunction newindex, lua_CFunction gc, const char *type_name)
{
    luaL_newmetatable(L, mt);
    lua_pushstring(L, type_name);
    lua_setfield(L, -2, "__name");
    lua_pushcfunction(L, index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, newindex);
    lua_setfield(L, -2, "__newindex");
    if (gc) {
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__gc");
    } else {
        lua_pushcfunction(L, obj_eq);
        lua_setfield(L, -2, "__eq");
    }
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "methods");
    lua_pop(L, 1);
}

