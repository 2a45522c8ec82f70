/*
 * lua_obj.h - the userdata recipe every binding file uses: a metatable
 * per type with a method table, read-only fields from a getter, handler
 * fields (on...) kept in the user value table, type-checked access.
 */
#ifndef SIM_LUA_OBJ_H
#define SIM_LUA_OBJ_H

#include <lua.h>
#include <stddef.h>

#include <lauxlib.h>

typedef int (*sim_lobj_getter)(lua_State *L, void *ud, const char *key);

/* A new zeroed userdata of size bytes with metatable mt and an empty
 * handler table. */
void *sim_lobj_push(lua_State *L, const char *mt, size_t size);
/* A userdata holding just ptr (objects owned elsewhere). */
void  sim_lobj_push_ptr(lua_State *L, const char *mt, void *ptr);
/* The pointer held by the userdata at idx, which must be of type mt. */
void *sim_lobj_ptr(lua_State *L, int idx, const char *mt);
/* The type of the value at idx as a scenario author knows it: an object's
 * type name ("Host", "Subnet"), else Lua's. */
const char *sim_lobj_typename(lua_State *L, int idx);
/* __index: methods, then get's fields, then handlers. */
int   sim_lobj_index(lua_State *L, sim_lobj_getter get);
int   sim_lobj_newindex_handlers(lua_State *L);
int   sim_lobj_newindex_readonly(lua_State *L);
/* Register type mt; gc NULL gives pointer-equality __eq instead. */
void  sim_lobj_class(lua_State *L, const char *mt, const luaL_Reg *methods, lua_CFunction index,
                     lua_CFunction newindex, lua_CFunction gc, const char *type_name);

#endif
