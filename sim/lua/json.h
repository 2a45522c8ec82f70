/*
 * json.h - JSON (RFC 8259) for Lua values: the `json` table scenarios see,
 * and the encoder the runner uses for signalling and event arguments.
 *
 * Encoding is deterministic: object keys are emitted in byte order,
 * whatever order pairs() would give. Tables decoded from JSON remember
 * whether they were an array or an object (a shared metatable), so empty
 * ones re-encode as they came; json.array(t) / json.object(t) set the mark
 * on a table of the scenario's own. json.null stands for null.
 */
#ifndef SIM_JSON_H
#define SIM_JSON_H

#include <stddef.h>

#include <lua.h>

/* Push the json table { encode, decode, null, array, object }. */
int   sim_json_open(lua_State *L);
/* Mark the table on top of the stack as a JSON array or object (how:
 * "array" or "object", the json table's functions), so that an empty one
 * encodes as what it is; the table stays on top. */
void  sim_json_mark(lua_State *L, const char *how);
/* Encode the value at idx. Returns a malloc'd NUL-terminated string and its
 * length, or NULL with a message naming the offending path in err. */
char *sim_json_encode(lua_State *L, int idx, size_t *len, char *err, size_t errlen);

#endif
