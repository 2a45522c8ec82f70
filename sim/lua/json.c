/*
 * json.c - JSON (RFC 8259) encode and decode for Lua values (json.h).
 */
#include "lua/json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "check/evlog.h"

#define MAX_DEPTH 100
#define MT_ARRAY  "rtcsim.json.array"
#define MT_OBJECT "rtcsim.json.object"

static const char null_tag = 0;     /* json.null is a light userdata to this */

/* ---- encoding ----------------------------------------------------------- */

typedef struct buf {
    char  *p;
    size_t n, cap;
    bool   oom;
} buf_t;

static void put(buf_t *b, const char *s, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void puts_(buf_t *b, const char *s) { put(b, s, strlen(s)); }

typedef struct enc {
    lua_State *L;
    buf_t      b;
    char      *err;
    size_t     errlen;
    char       path[256];
} enc_t;

static int fail(enc_t *e, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(e->err, e->errlen, "%s at %s", what, e->path[0] ? e->path : "the top level");
    return -1;
}

/* RFC 3629 s.4: well-formed UTF-8 (sim_utf8_seq, evlog.h). */
static bool utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0, k; i < n; i += k)
        if (!(k = sim_utf8_seq(s + i, n - i)))
            return false;
    return true;
}

static void put_string(buf_t *b, const char *s, size_t len)
{
    size_t need = sim_json_quote(s, len, NULL, 0);
    char stack[256], *q = need < sizeof stack ? stack : malloc(need + 1);
    if (!q) {
        b->oom = true;
        return;
    }
    sim_json_quote(s, len, q, need + 1);
    put(b, q, need);
    if (q != stack)
        free(q);
}

/* Shortest decimal that reads back as the same double; integral values
 * keep a ".0" so they decode as floats again. */
static void put_float(buf_t *b, double x)
{
    char s[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, x);
        if (strtod(s, NULL) == x)
            break;
    }
    if (!strpbrk(s, ".eE"))
        strcat(s, ".0");
    puts_(b, s);
}

static int mark_of(lua_State *L, int idx)
{
    /* 1: array, 2: object, 0: unmarked */
    int mark = 0;
    if (lua_getmetatable(L, idx)) {
        luaL_getmetatable(L, MT_ARRAY);
        if (lua_rawequal(L, -1, -2))
            mark = 1;
        lua_pop(L, 1);
        luaL_getmetatable(L, MT_OBJECT);
        if (lua_rawequal(L, -1, -2))
            mark = 2;
        lua_pop(L, 2);
    }
    return mark;
}

typedef struct key {
    const char *s;
    size_t      len;
} key_t_;

static int cmp_key(const void *a, const void *b)
{
    const key_t_ *x = a, *y = b;
    int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int encode(enc_t *e, int idx, int depth);

static int encode_table(enc_t *e, int idx, int depth)
{
    lua_State *L = e->L;
    if (depth >= MAX_DEPTH)
        return fail(e, "nesting deeper than %d (a cycle?)", MAX_DEPTH);
    if (!lua_checkstack(L, 4))
        return fail(e, "out of stack");
    int mark = mark_of(L, idx);
    /* Survey the keys: array if exactly 1..n, object if all strings. */
    lua_Integer n = 0, ints = 0, strs = 0;
    /* Of several bad keys, name the first type name in byte order: the
     * order next() visits them in follows their addresses. */
    const char *bad = NULL;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            strs++;
        } else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
            ints++;
            if (lua_tointeger(L, -1) > n)
                n = lua_tointeger(L, -1);
        } else if (!bad || strcmp(luaL_typename(L, -1), bad) < 0) {
            bad = luaL_typename(L, -1);
        }
    }
    if (bad)
        return fail(e, "key of type %s", bad);
    bool array = mark == 1 || (mark == 0 && strs == 0);
    size_t plen = strlen(e->path);
    if (array) {
        if (strs > 0 || ints != n)
            return fail(e, "a table with %s keys cannot be a JSON array",
                        strs ? "string" : "sparse integer");
        put(&e->b, "[", 1);
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1)
                put(&e->b, ",", 1);
            snprintf(e->path + plen, sizeof e->path - plen, "[%lld]", (long long)i);
            lua_rawgeti(L, idx, i);
            int rc = encode(e, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
            if (rc < 0)
                return -1;
        }
        e->path[plen] = '\0';
        put(&e->b, "]", 1);
        return 0;
    }
    if (ints > 0)
        return fail(e, "a table with both integer and string keys");
    key_t_ *keys = malloc((size_t)(strs ? strs : 1) * sizeof *keys);
    if (!keys)
        return fail(e, "out of memory");
    size_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        /* the table anchors its keys, so the pointers stay valid */
        keys[k].s = lua_tolstring(L, -1, &keys[k].len);
        k++;
    }
    qsort(keys, k, sizeof *keys, cmp_key);
    put(&e->b, "{", 1);
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++) {
        if (i)
            put(&e->b, ",", 1);
        put_string(&e->b, keys[i].s, keys[i].len);
        put(&e->b, ":", 1);
        snprintf(e->path + plen, sizeof e->path - plen, ".%.*s", (int)keys[i].len, keys[i].s);
        if (!utf8_valid((const unsigned char *)keys[i].s, keys[i].len)) {
            rc = fail(e, "key that is not valid UTF-8");
            break;
        }
        lua_pushlstring(L, keys[i].s, keys[i].len);
        lua_rawget(L, idx);
        rc = encode(e, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
    }
    free(keys);
    if (rc == 0) {
        e->path[plen] = '\0';
        put(&e->b, "}", 1);
    }
    return rc;
}

static int encode(enc_t *e, int idx, int depth)
{
    lua_State *L = e->L;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        puts_(&e->b, "null");
        return 0;
    case LUA_TBOOLEAN:
        puts_(&e->b, lua_toboolean(L, idx) ? "true" : "false");
        return 0;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            char s[32];
            snprintf(s, sizeof s, "%lld", (long long)lua_tointeger(L, idx));
            puts_(&e->b, s);
        } else {
            double x = (double)lua_tonumber(L, idx);
            if (!isfinite(x))
                return fail(e, "number %g (JSON has no NaN or infinity)", x);
            put_float(&e->b, x);
        }
        return 0;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (!utf8_valid((const unsigned char *)s, len))
            return fail(e, "string that is not valid UTF-8");
        put_string(&e->b, s, len);
        return 0;
    }
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == (void *)&null_tag) {
            puts_(&e->b, "null");
            return 0;
        }
        break;
    case LUA_TTABLE:
        return encode_table(e, idx, depth);
    }
    return fail(e, "%s", luaL_typename(L, idx));
}

char *sim_json_encode(lua_State *L, int idx, size_t *len, char *err, size_t errlen)
{
    enc_t e = { .L = L, .err = err, .errlen = errlen };
    int top = lua_gettop(L);
    int rc = encode(&e, lua_absindex(L, idx), 0);
    lua_settop(L, top);
    if (rc == 0 && e.b.oom)
        rc = fail(&e, "out of memory");
    if (rc < 0) {
        free(e.b.p);
        return NULL;
    }
    if (!e.b.p)
        put(&e.b, "", 0);
    *len = e.b.n;
    return e.b.p;
}

static int l_encode(lua_State *L)
{
    luaL_checkany(L, 1);
    char err[320];
    size_t len;
    char *s = sim_json_encode(L, 1, &len, err, sizeof err);
    if (!s)
        return luaL_error(L, "json.encode: %s", err);
    lua_pushlstring(L, s, len);
    free(s);
    return 1;
}

/* ---- decoding ------------------------------------------------------------ */

typedef struct dec {
    lua_State  *L;
    const char *s, *p, *end;
} dec_t;

static int dec_error(dec_t *d, const char *what)
{
    int line = 1, col = 1;
    for (const char *q = d->s; q < d->p; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return luaL_error(d->L, "json.decode: line %d column %d: %s", line, col, what);
}

static void skip_ws(dec_t *d)
{
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\t' || *d->p == '\n' || *d->p == '\r'))
        d->p++;
}

static void decode_value(dec_t *d, int depth);

static void put_utf8(luaL_Buffer *b, uint32_t cp)
{
    char u[4];
    int n;
    if (cp < 0x80) {
        u[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    } else {
        u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    }
    luaL_addlstring(b, u, (size_t)n);
}

static int hex4(dec_t *d, uint32_t *out)
{
    if (d->end - d->p < 4)
        return -1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = d->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    d->p += 4;
    *out = v;
    return 0;
}

/* RFC 8259 s.7 strings; d->p is at the opening quote. */
static void decode_string(dec_t *d)
{
    luaL_Buffer b;
    const char *start = ++d->p;
    luaL_buffinit(d->L, &b);
    for (;;) {
        if (d->p >= d->end)
            dec_error(d, "unterminated string");
        unsigned char c = (unsigned char)*d->p;
        if (c == '"')
            break;
        if (c < 0x20)
            dec_error(d, "control character in string");
        if (c != '\\') {
            d->p++;
            continue;
        }
        luaL_addlstring(&b, start, (size_t)(d->p - start));
        d->p++;
        if (d->p >= d->end)
            dec_error(d, "unterminated string");
        char esc = *d->p++;
        switch (esc) {
        case '"': luaL_addchar(&b, '"'); break;
        case '\\': luaL_addchar(&b, '\\'); break;
        case '/': luaL_addchar(&b, '/'); break;
        case 'b': luaL_addchar(&b, '\b'); break;
        case 'f': luaL_addchar(&b, '\f'); break;
        case 'n': luaL_addchar(&b, '\n'); break;
        case 'r': luaL_addchar(&b, '\r'); break;
        case 't': luaL_addchar(&b, '\t'); break;
        case 'u': {
            uint32_t cp, lo;
            if (hex4(d, &cp) < 0)
                dec_error(d, "bad \\u escape");
            if (cp >= 0xdc00 && cp <= 0xdfff)
                dec_error(d, "lone low surrogate");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (d->end - d->p < 2 || d->p[0] != '\\' || d->p[1] != 'u')
                    dec_error(d, "lone high surrogate");
                d->p += 2;
                if (hex4(d, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
                    dec_error(d, "bad low surrogate");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            put_utf8(&b, cp);
            break;
        }
        default:
            d->p--;
            dec_error(d, "invalid escape");
        }
        start = d->p;
    }
    luaL_addlstring(&b, start, (size_t)(d->p - start));
    d->p++;
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(d->L, -1, &len);
    if (!utf8_valid((const unsigned char *)s, len))
        dec_error(d, "string is not valid UTF-8");
}

static void decode_number(dec_t *d)
{
    const char *q = d->p;
    bool is_float = false;
    if (q < d->end && *q == '-')
        q++;
    if (q < d->end && *q == '0') {
        q++;
    } else if (q < d->end && *q >= '1' && *q <= '9') {
        while (q < d->end && *q >= '0' && *q <= '9')
            q++;
    } else {
        dec_error(d, "invalid number");
    }
    if (q < d->end && *q == '.') {
        is_float = true;
        q++;
        if (q >= d->end || *q < '0' || *q > '9')
            dec_error(d, "invalid number: digits must follow '.'");
        while (q < d->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < d->end && (*q == 'e' || *q == 'E')) {
        is_float = true;
        q++;
        if (q < d->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= d->end || *q < '0' || *q > '9')
            dec_error(d, "invalid number: bad exponent");
        while (q < d->end && *q >= '0' && *q <= '9')
            q++;
    }
    char tmp[64];
    size_t len = (size_t)(q - d->p);
    if (len >= sizeof tmp)
        dec_error(d, "number too long");
    memcpy(tmp, d->p, len);
    tmp[len] = '\0';
    if (!is_float) {
        char *end;
        errno = 0;
        long long v = strtoll(tmp, &end, 10);
        /* out of int64 range: a float, as Lua's own reader does */
        if (errno != ERANGE) {
            lua_pushinteger(d->L, (lua_Integer)v);
            d->p = q;
            return;
        }
    }
    lua_pushnumber(d->L, (lua_Number)strtod(tmp, NULL));
    d->p = q;
}

static void decode_value(dec_t *d, int depth)
{
    lua_State *L = d->L;
    if (depth >= MAX_DEPTH)
        dec_error(d, "nesting deeper than 100");
    luaL_checkstack(L, 4, "json.decode");
    skip_ws(d);
    if (d->p >= d->end)
        dec_error(d, "unexpected end of input");
    char c = *d->p;
    if (c == '{') {
        d->p++;
        lua_newtable(L);
        luaL_setmetatable(L, MT_OBJECT);
        skip_ws(d);
        if (d->p < d->end && *d->p == '}') {
            d->p++;
            return;
        }
        for (;;) {
            skip_ws(d);
            if (d->p >= d->end || *d->p != '"')
                dec_error(d, "expected a string key");
            decode_string(d);
            skip_ws(d);
            if (d->p >= d->end || *d->p != ':')
                dec_error(d, "expected ':'");
            d->p++;
            decode_value(d, depth + 1);
            lua_rawset(L, -3);
            skip_ws(d);
            if (d->p < d->end && *d->p == ',') {
                d->p++;
                continue;
            }
            if (d->p < d->end && *d->p == '}') {
                d->p++;
                return;
            }
            dec_error(d, "expected ',' or '}'");
        }
    }
    if (c == '[') {
        d->p++;
        lua_newtable(L);
        luaL_setmetatable(L, MT_ARRAY);
        skip_ws(d);
        if (d->p < d->end && *d->p == ']') {
            d->p++;
            return;
        }
        for (lua_Integer i = 1;; i++) {
            decode_value(d, depth + 1);
            lua_rawseti(L, -2, i);
            skip_ws(d);
            if (d->p < d->end && *d->p == ',') {
                d->p++;
                continue;
            }
            if (d->p < d->end && *d->p == ']') {
                d->p++;
                return;
            }
            dec_error(d, "expected ',' or ']'");
        }
    }
    if (c == '"') {
        decode_string(d);
        return;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        decode_number(d);
        return;
    }
    static const struct { const char *word; int kind; } words[] = {
        { "true", 1 }, { "false", 2 }, { "null", 3 },
    };
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if ((size_t)(d->end - d->p) >= n && memcmp(d->p, words[i].word, n) == 0) {
            d->p += n;
            if (words[i].kind == 3)
                lua_pushlightuserdata(L, (void *)&null_tag);
            else
                lua_pushboolean(L, words[i].kind == 1);
            return;
        }
    }
    dec_error(d, "unexpected character");
}

static int l_decode(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TSTRING)     /* D32: 5 is not the text "5" */
        return luaL_error(L, "json.decode: the text must be a string, got %s", luaL_typename(L, 1));
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    dec_t d = { L, s, s, s + len };
    decode_value(&d, 0);
    skip_ws(&d);
    if (d.p != d.end)
        dec_error(&d, "trailing characters after the value");
    return 1;
}

static int mark(lua_State *L, const char *mt)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getmetatable(L, 1)) {
        int m = mark_of(L, 1);
        lua_pop(L, 1);
        if (!m)
            return luaL_argerror(L, 1, "table already has a metatable");
    }
    lua_settop(L, 1);
    luaL_setmetatable(L, mt);
    return 1;
}

static int l_array(lua_State *L) { return mark(L, MT_ARRAY); }
static int l_object(lua_State *L) { return mark(L, MT_OBJECT); }

int sim_json_open(lua_State *L)
{
    /* Locked (__metatable) as the objects' are (lsim.c): json marks
     * tables from C, so a __gc a script added would run unbounded. */
    luaL_newmetatable(L, MT_ARRAY);
    lua_pushliteral(L, "json.array");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
    luaL_newmetatable(L, MT_OBJECT);
    lua_pushliteral(L, "json.object");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
    static const luaL_Reg f[] = {
        { "encode", l_encode }, { "decode", l_decode }, { "array", l_array },
        { "object", l_object }, { NULL, NULL },
    };
    luaL_newlib(L, f);
    lua_pushlightuserdata(L, (void *)&null_tag);
    lua_setfield(L, -2, "null");
    return 1;
}

void sim_json_mark(lua_State *L, const char *how)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "rtcsim.json");
    lua_getfield(L, -1, how);
    lua_remove(L, -2);
    lua_insert(L, -2);
    lua_call(L, 1, 1);
}
