/*
 * lua_stun.c - the `stun` table: STUN messages built and read by
 * libnice's STUN library, for scenarios that play a misbehaving peer
 * (a check with a wrong MESSAGE-INTEGRITY or FINGERPRINT, a role
 * conflict) and read what comes back.
 *
 *   stun.request{ username=, password=, priority=, controlling= | controlled=,
 *                 use_candidate=, damage = "integrity" | "fingerprint" } -> bytes
 *   stun.parse(bytes) -> { class=, method=, error=, transaction= } or nil
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <stun/stunagent.h>

#include "lua/lsim.h"

static int l_request(lua_State *L)
{
    sim_scn_t *s = sim_scn_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = { "username", "password", "priority", "controlling",
                                        "controlled", "use_candidate", "damage", NULL };
    sim_lua_check_keys(L, 1, "stun.request", keys);
    /* libnice's agent as ICE uses it (RFC 8445 s.7.2.2: short-term
     * credentials, FINGERPRINT on every message); it only builds here
     * (no attribute list: it validates nothing) and is dropped after */
    StunAgent a;
    static const uint16_t none[] = { 0 };
    stun_agent_init(&a, none, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
    uint8_t buf[512];
    StunMessage m = { .buffer = buf, .buffer_len = sizeof buf, .agent = &a };
    StunTransactionId id;
    memcpy(id, "\x21\x12\xa4\x42", 4);
    sim_rng_bytes(&s->lua_rng, id + 4, 12);
    stun_message_init(&m, STUN_REQUEST, STUN_BINDING, id);

    const char *user = NULL, *pw = NULL, *damage = NULL;
    if (lua_getfield(L, 1, "username") != LUA_TNIL)
        user = sim_lua_checkstring(L, -1, "stun.request: username");
    if (lua_getfield(L, 1, "password") != LUA_TNIL)
        pw = sim_lua_checkstring(L, -1, "stun.request: password");
    if (lua_getfield(L, 1, "damage") != LUA_TNIL) {
        damage = sim_lua_checkstring(L, -1, "stun.request: damage");
        if (strcmp(damage, "integrity") != 0 && strcmp(damage, "fingerprint") != 0)
            return luaL_error(L, "stun.request: damage must be 'integrity' or 'fingerprint'");
    }
    lua_pop(L, 3);
    if (user)
        stun_message_append_string(&m, STUN_ATTRIBUTE_USERNAME, user);
    if (lua_getfield(L, 1, "priority") != LUA_TNIL)
        stun_message_append32(&m, STUN_ATTRIBUTE_PRIORITY,
                              (uint32_t)sim_lua_checkint(L, -1, "stun.request: priority", 0, UINT32_MAX));
    if (lua_getfield(L, 1, "controlling") != LUA_TNIL)
        stun_message_append64(&m, STUN_ATTRIBUTE_ICE_CONTROLLING,
                              (uint64_t)sim_lua_checkint(L, -1, "stun.request: controlling",
                                                         LUA_MININTEGER, LUA_MAXINTEGER));
    if (lua_getfield(L, 1, "controlled") != LUA_TNIL)
        stun_message_append64(&m, STUN_ATTRIBUTE_ICE_CONTROLLED,
                              (uint64_t)sim_lua_checkint(L, -1, "stun.request: controlled",
                                                         LUA_MININTEGER, LUA_MAXINTEGER));
    if (lua_getfield(L, 1, "use_candidate") != LUA_TNIL && lua_toboolean(L, -1))
        stun_message_append_flag(&m, STUN_ATTRIBUTE_USE_CANDIDATE);
    lua_pop(L, 4);
    /* A wrong MESSAGE-INTEGRITY behind a right FINGERPRINT: the key is
     * damaged, not the bytes. */
    char key[256];
    size_t klen = pw ? strlen(pw) : 0;
    if (klen >= sizeof key)
        return luaL_error(L, "stun.request: password too long");
    if (pw)
        memcpy(key, pw, klen);
    if (damage && strcmp(damage, "integrity") == 0 && klen)
        key[0] ^= 1;
    size_t n = stun_agent_finish_message(&a, &m, pw ? (const uint8_t *)key : NULL, klen);
    if (!n)
        return luaL_error(L, "stun.request: the message does not fit in 512 bytes");
    if (damage && strcmp(damage, "fingerprint") == 0)
        buf[n - 1] ^= 1;
    lua_pushlstring(L, (const char *)buf, n);
    return 1;
}

static int l_parse(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TSTRING)     /* D32: a number is not bytes */
        return luaL_error(L, "stun.parse: the bytes must be a string, got %s", luaL_typename(L, 1));
    size_t len;
    const uint8_t *b = (const uint8_t *)lua_tolstring(L, 1, &len);
    if (stun_message_validate_buffer_length(b, len, true) != (int)len) {
        lua_pushnil(L);
        return 1;
    }
    StunMessage m = { .buffer = (uint8_t *)b, .buffer_len = len };
    static const char *const classes[] = { "request", "indication", "success", "error" };
    lua_createtable(L, 0, 4);
    lua_pushstring(L, classes[stun_message_get_class(&m) & 3]);
    lua_setfield(L, -2, "class");
    lua_pushinteger(L, stun_message_get_method(&m));
    lua_setfield(L, -2, "method");
    int code;
    if (stun_message_find_error(&m, &code) == STUN_MESSAGE_RETURN_SUCCESS) {
        lua_pushinteger(L, code);
        lua_setfield(L, -2, "error");
    }
    char tid[25];
    for (int i = 0; i < 12; i++)
        snprintf(tid + 2 * i, 3, "%02x", b[8 + i]);
    lua_pushstring(L, tid);
    lua_setfield(L, -2, "transaction");
    return 1;
}

void sim_lua_open_stun(lua_State *L)
{
    static const luaL_Reg f[] = { { "request", l_request }, { "parse", l_parse }, { NULL, NULL } };
    luaL_newlib(L, f);
    lua_setglobal(L, "stun");
}
