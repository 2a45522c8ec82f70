/*
 * sandbox.c - the sandbox over Lua 5.4's standard libraries (lsim.h):
 *
 *  - pcall and xpcall that cannot catch a tripped bound (scenario.c keeps
 *    it sticky; these re-raise it, and a message handler is not run once
 *    one has tripped);
 *  - next in one defined order, the same as pairs: numbers ascending, then
 *    strings in byte order, then false, true. Lua's own order follows its
 *    per-process string hash seed and the addresses of tables;
 *  - string.format without addresses: %p and %s of an object print what
 *    tostring (lua_sim.c) prints;
 *  - setmetatable whose __gc finalizers run under the bounds (Lua runs
 *    finalizers with hooks off);
 *  - a cost for every C library function that can loop without running a
 *    Lua instruction, charged to the instruction bound before it runs.
 *
 * The cost model. One Lua instruction stands for SIM_WORK_PER_INSTR units
 * of C work: a byte scanned or copied, or a step of the pattern matcher;
 * a table element visited costs a whole instruction (a lua_geti/lua_seti
 * pair is as slow as one). The allocator charges every byte it hands out
 * (scenario.c), which covers what a function builds; here each function
 * is charged what it may do beyond that, from its arguments, before it
 * runs, so a call that would pass the bound never starts.
 *
 * Every C function the sandbox offers, with its worst case (n: bytes of
 * the string arguments; "memory" means the allocator bounds it):
 *   lstrlib  len O(1); sub, upper, lower, reverse, byte, char O(n) or
 *            O(results), results bounded by the Lua stack (1M slots);
 *            rep(s, k, sep) O(k) even when s and sep are empty (k up to
 *            2^63: the loop that ran for minutes), else memory;
 *            format O(n + 418 per argument) (5.4 limits widths to two
 *            digits); pack, packsize, unpack O(n + format), padding to
 *            memory; dump O(function size);
 *            find, match, gmatch, gsub: Lua's matcher backtracks without
 *            a step bound: O(n * m) for a plain find (memfind), and for a
 *            pattern up to (n + 1) * prod over its quantified items of
 *            (longest run of the subject the item matches + 1) * 2^(items
 *            with ?) paths, each costing the pattern's length plus the
 *            runs and n per %b or back-reference (pattern_steps).
 *   ltablib  concat, insert, remove, move, unpack: one step per element
 *            between the bounds given or #t, which __len may make 2^62
 *            with no element present; sort O(#t log #t); pack O(args).
 *   lutf8lib char O(args); codes one code point per call; codepoint, len,
 *            offset O(n).
 *   lbaselib tonumber O(n); select, rawlen, rawequal, rawget, rawset,
 *            type, getmetatable, setmetatable, assert, error, ipairs (one
 *            element per call), warn (no handler: nothing) O(1) or
 *            O(args); next O(#t) to start a traversal, O(log #t) after;
 *            pairs, print, tostring, pcall, xpcall here or in lua_sim.c;
 *            load, loadfile, dofile, collectgarbage are not offered.
 *   lmathlib every function O(1) or O(args) (min, max); random and
 *            randomseed are the run's seeded stream (lua_sim.c).
 *   json     decode O(n), charged; encode O(the value's size), its text
 *            bounded by memory when it becomes a Lua string.
 * The charged ones are wrapped; the others cannot run longer than memory
 * or the stack allows.
 */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lua/lsim.h"

#define UNITS(steps) ((double)(steps) / SIM_WORK_PER_INSTR)

/* ---- calling the original functions --------------------------------------- */

/* Message handler: an error the original C function raised itself would
 * have named the script's line had the script called it directly; called
 * from a wrapper it names none. Seen from here, level 1 raised it, level
 * 2 is the wrapper, level 3 the script (if a C function is there,
 * luaL_where gives "" and nothing changes). Errors raised in Lua (a gsub
 * callback, a sort comparator) already carry their line. */
static int locate(lua_State *L)
{
    lua_Debug ar;
    if (lua_type(L, 1) != LUA_TSTRING)
        return 1;
    for (int level = 1; level <= 2; level++)
        if (!lua_getstack(L, level, &ar) || !lua_getinfo(L, "S", &ar) || ar.what[0] != 'C')
            return 1;
    luaL_where(L, 3);
    lua_pushvalue(L, 1);
    lua_concat(L, 2);
    return 1;
}

/* Call the original function at orig with this call's arguments and
 * return what it returns. */
static int call_orig(lua_State *L, int orig)
{
    int n = lua_gettop(L);
    lua_pushcfunction(L, locate);
    lua_pushvalue(L, orig);
    lua_rotate(L, 1, 2);
    int rc = lua_pcall(L, n, LUA_MULTRET, 1);
    if (rc != LUA_OK) {
        sim_scn_rethrow(L, rc);
        return lua_error(L);
    }
    lua_remove(L, 1);
    return lua_gettop(L);
}

/* ---- bounds stay tripped ---------------------------------------------------- */

static int l_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    int rc = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    sim_scn_rethrow(L, rc);
    lua_pushboolean(L, rc == LUA_OK);
    lua_insert(L, 1);
    return lua_gettop(L);
}

/* The script's message handler, unless a bound has tripped: then the
 * bound's message is the error and no script code runs. */
static int guarded_handler(lua_State *L)
{
    sim_scn_t *s = sim_scn_get(L);
    if (s->limit[0]) {
        lua_pushstring(L, s->limit);
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int l_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);
    lua_pushvalue(L, 1);
    lua_insert(L, 3);                   /* f, handler, f, args... */
    int rc = lua_pcall(L, n - 2, LUA_MULTRET, 2);
    sim_scn_rethrow(L, rc);
    lua_pushboolean(L, rc == LUA_OK);
    lua_replace(L, 2);
    return lua_gettop(L) - 1;
}

/* ---- next and pairs: one defined order ----------------------------------- */

/* Keys sort numbers first (ascending), then strings (byte order), then
 * false before true. Other key types have no order that holds from run to
 * run, so next() and pairs() refuse them. */
static int key_rank(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER: return 0;
    case LUA_TSTRING: return 1;
    case LUA_TBOOLEAN: return 2;
    default: return -1;
    }
}

/* <0, 0, >0 as the key at a sorts before, with, after the key at b. */
static int key_cmp(lua_State *L, int a, int b)
{
    int ra = key_rank(L, a), rb = key_rank(L, b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (ra == 1) {
        size_t la, lb;
        const char *x = lua_tolstring(L, a, &la), *y = lua_tolstring(L, b, &lb);
        int c = memcmp(x, y, la < lb ? la : lb);
        return c ? c : (la > lb) - (la < lb);
    }
    if (ra == 2)
        return lua_toboolean(L, a) - lua_toboolean(L, b);
    return lua_compare(L, a, b, LUA_OPLT) ? -1 : !lua_compare(L, a, b, LUA_OPEQ);
}

static int key_less(lua_State *L)
{
    lua_pushboolean(L, key_cmp(L, 1, 2) < 0);
    return 1;
}

static void check_key(lua_State *L, int idx, const char *who)
{
    if (key_rank(L, idx) < 0)
        luaL_error(L, "%s: a key of type %s has no deterministic order; use ipairs or string keys",
                   who, luaL_typename(L, idx));
}

/* Push the first key of table t (nil if empty), in one pass. */
static void first_key(lua_State *L, int t, const char *who)
{
    lua_Integer n = 0;
    lua_pushnil(L);                     /* the smallest so far */
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        check_key(L, -1, who);
        if (n++ == 0 || key_cmp(L, -1, -2) < 0) {
            lua_pushvalue(L, -1);
            lua_replace(L, -3);
        }
    }
    sim_scn_charge(L, (double)n, "%s would visit %lld keys", who, (long long)n);
}

/* The snapshot of t's keys, sorted (upvalue 1: t -> keys), and where each
 * one is (upvalue 2: t -> { key = position }), built on demand. Pushes
 * the keys and the positions tables. */
static lua_Integer snapshot(lua_State *L, int t)
{
    lua_pushvalue(L, t);
    if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TTABLE) {
        lua_pushvalue(L, t);
        lua_rawget(L, lua_upvalueindex(2));
        return (lua_Integer)lua_rawlen(L, -2);
    }
    lua_pop(L, 1);
    lua_newtable(L);
    lua_newtable(L);
    int keys = lua_gettop(L) - 1, pos = keys + 1;
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        check_key(L, -1, "next");
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, ++n);
    }
    sim_scn_charge(L, (double)n * (1 + log2((double)n + 1)), "next would sort %lld keys",
                   (long long)n);
    lua_pushvalue(L, lua_upvalueindex(3));      /* the original table.sort */
    lua_pushvalue(L, keys);
    lua_pushcfunction(L, key_less);
    lua_call(L, 2, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, keys, i);
        lua_pushinteger(L, i);
        lua_rawset(L, pos);
    }
    lua_pushvalue(L, t);
    lua_pushvalue(L, keys);
    lua_rawset(L, lua_upvalueindex(1));
    lua_pushvalue(L, t);
    lua_pushvalue(L, pos);
    lua_rawset(L, lua_upvalueindex(2));
    return n;
}

/* next(t [, k]): the key after k in the defined order and its value; the
 * first key when k is nil. Starting a traversal forgets t's snapshot (t
 * may have changed since); the following calls sort t's keys once and
 * then step through them, skipping keys cleared meanwhile. A k no longer
 * in t (cleared, then the snapshot rebuilt) is not an error: the
 * traversal goes on from where k would be. */
static int l_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) {
        for (int u = 1; u <= 2; u++) {
            lua_pushvalue(L, 1);
            lua_pushnil(L);
            lua_rawset(L, lua_upvalueindex(u));
        }
        first_key(L, 1, "next");
        if (lua_isnil(L, -1))
            return 1;
        lua_pushvalue(L, -1);
        lua_rawget(L, 1);
        return 2;
    }
    check_key(L, 2, "next");
    lua_Integer n = snapshot(L, 1);
    int keys = lua_gettop(L) - 1, pos = keys + 1;
    lua_pushvalue(L, 2);
    lua_Integer i = lua_rawget(L, pos) == LUA_TNUMBER ? lua_tointeger(L, -1) : 0;
    lua_pop(L, 1);
    if (i == 0) {
        /* the last key not after k, by bisection */
        lua_Integer lo = 0, hi = n;
        while (lo < hi) {
            lua_Integer mid = lo + (hi - lo + 1) / 2;
            lua_rawgeti(L, keys, mid);
            int c = key_cmp(L, -1, 2);
            lua_pop(L, 1);
            if (c <= 0)
                lo = mid;
            else
                hi = mid - 1;
        }
        i = lo;
    }
    for (i++; i <= n; i++) {
        lua_rawgeti(L, keys, i);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, 1) != LUA_TNIL)
            return 2;
        lua_pop(L, 2);
    }
    lua_pushnil(L);
    return 1;
}

/* pairs(t): __pairs, or next, t, nil as in Lua 5.4, with the sandbox's
 * next. The keys are checked here, so a table used as a key is an error
 * at the pairs() call. */
static int l_pairs(lua_State *L)
{
    luaL_checkany(L, 1);
    if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 3);
        return 3;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    first_key(L, 1, "pairs");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* ---- string.format without addresses --------------------------------------- */

static bool is_object(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TTABLE: case LUA_TFUNCTION: case LUA_TUSERDATA:
    case LUA_TLIGHTUSERDATA: case LUA_TTHREAD:
        return true;
    default:
        return false;
    }
}

/* What %p prints: an object's type as tostring names it without
 * __tostring (its __name, else its Lua type); "string" for a string (Lua
 * would print the address of its copy); "(null)" for the rest, as Lua. */
static void push_id(lua_State *L, int idx)
{
    if (is_object(L, idx)) {
        int t = luaL_getmetafield(L, idx, "__name");
        if (t == LUA_TSTRING)
            return;
        if (t != LUA_TNIL)
            lua_pop(L, 1);
        lua_pushstring(L, luaL_typename(L, idx));
    } else {
        lua_pushstring(L, lua_type(L, idx) == LUA_TSTRING ? "string" : "(null)");
    }
}

/* Upvalues: 1 the original string.format, 2 the sandbox's tostring. Each
 * %s of an object gets tostring's text, each %p becomes a %s of push_id;
 * then the original formats. */
static int w_format(lua_State *L)
{
    size_t flen;
    const char *f = luaL_checklstring(L, 1, &flen);
    int top = lua_gettop(L), arg = 1, nptr = 0;
    double bytes = (double)flen;
    for (size_t i = 0; i < flen; i++) {
        if (f[i] != '%')
            continue;
        if (++i < flen && f[i] == '%')
            continue;
        while (i < flen && strchr("-+ #0123456789.", f[i]))
            i++;
        if (i >= flen || ++arg > top)
            break;
        if (f[i] == 'p') {
            push_id(L, arg);
            lua_replace(L, arg);
            nptr++;
        } else if (f[i] == 's' && is_object(L, arg)) {
            lua_pushvalue(L, lua_upvalueindex(2));
            lua_pushvalue(L, arg);
            lua_call(L, 1, 1);
            lua_replace(L, arg);
        }
        if (lua_type(L, arg) == LUA_TSTRING)
            bytes += (double)lua_rawlen(L, arg);
    }
    sim_scn_charge(L, UNITS(bytes), "string.format would copy %.0f bytes", bytes);
    if (nptr) {
        luaL_Buffer b;
        char *p = luaL_buffinitsize(L, &b, flen);
        memcpy(p, f, flen);
        for (size_t i = 0; i < flen; i++) {
            if (p[i] != '%')
                continue;
            if (++i < flen && p[i] == '%')
                continue;
            while (i < flen && strchr("-+ #0123456789.", p[i]))
                i++;
            if (i < flen && p[i] == 'p')
                p[i] = 's';
        }
        luaL_pushresultsize(&b, flen);
        lua_replace(L, 1);
    }
    return call_orig(L, lua_upvalueindex(1));
}

/* ---- the pattern matcher's worst case --------------------------------------- */

/* Lua's character classes (manual s.6.4.1). */
static bool class_has(int c, int cl)
{
    bool r;
    switch (tolower(cl)) {
    case 'a': r = isalpha(c); break;
    case 'c': r = iscntrl(c); break;
    case 'd': r = isdigit(c); break;
    case 'g': r = isgraph(c); break;
    case 'l': r = islower(c); break;
    case 'p': r = ispunct(c); break;
    case 's': r = isspace(c); break;
    case 'u': r = isupper(c); break;
    case 'w': r = isalnum(c); break;
    case 'x': r = isxdigit(c); break;
    default: return cl == c;
    }
    return isupper(cl) ? !r : r;
}

/* Does byte c match the single-character class p..ep ('.', %x, [set] or
 * a literal)? */
static bool item_has(int c, const char *p, const char *ep)
{
    if (*p == '.')
        return true;
    if (*p == '%')
        return ep - p > 1 && class_has(c, (unsigned char)p[1]);
    if (*p != '[')
        return (unsigned char)*p == c;
    const char *q = p + 1, *end = ep - 1;       /* end: the closing ']' */
    bool neg = q < end && *q == '^';
    if (neg)
        q++;
    for (; q < end; q++) {
        if (*q == '%' && q + 1 < end) {
            if (class_has(c, (unsigned char)*++q))
                return !neg;
        } else if (q + 2 < end && q[1] == '-') {
            if ((unsigned char)q[0] <= c && c <= (unsigned char)q[2])
                return !neg;
            q += 2;
        } else if ((unsigned char)*q == c) {
            return !neg;
        }
    }
    return neg;
}

/* End of the single-character class at p[i] (as lstrlib reads it: the
 * first byte of a set is part of it even if it is ']'); m if malformed. */
static size_t item_end(const char *p, size_t m, size_t i)
{
    if (p[i] == '%')
        return i + 2 <= m ? i + 2 : m;
    if (p[i] != '[')
        return i + 1;
    size_t j = i + 1;
    if (j < m && p[j] == '^')
        j++;
    do {
        if (j >= m)
            return m;
        if (p[j++] == '%' && j < m)
            j++;
    } while (j < m && p[j] != ']');
    return j < m ? j + 1 : m;
}

/* Longest run of subject bytes matching the class p..ep. */
static size_t longest_run(const char *s, size_t n, const char *p, const char *ep)
{
    size_t best = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        cur = item_has((unsigned char)s[i], p, ep) ? cur + 1 : 0;
        if (cur > best)
            best = cur;
    }
    return best;
}

/* An upper bound of the steps Lua's matcher takes for pattern p on a
 * subject of n bytes, over every start position; stops early (returning
 * more than cap) once it passes cap. A path through the pattern chooses,
 * at each item quantified with * + or -, how many bytes it takes (at most
 * the longest run of bytes it matches, plus none), and at each ? whether
 * to take one; each path costs the pattern's length, the runs scanned,
 * and n per %b or back-reference. Computing the runs costs n per item,
 * counted too. A malformed pattern is bounded up to where it goes wrong;
 * the original raises the error there. */
static double pattern_steps(const char *s, size_t n, const char *p, size_t m, bool anchor,
                            double cap)
{
    size_t i = 0;
    double starts = (double)n + 1, paths = 1, path_cost = (double)m, scan = 0;
    if (anchor && m > 0 && p[0] == '^') {
        starts = 1;
        i = 1;
    }
    while (i < m && starts * paths * path_cost + scan <= cap) {
        if (p[i] == '(' || p[i] == ')' || (p[i] == '$' && i + 1 == m)) {
            i++;
            continue;
        }
        if (p[i] == '%' && i + 1 < m && (p[i + 1] == 'b' || isdigit((unsigned char)p[i + 1]))) {
            path_cost += (double)n;
            i += p[i + 1] == 'b' ? 4 : 2;
            continue;
        }
        if (p[i] == '%' && i + 1 < m && p[i + 1] == 'f') {
            i += 2;
            if (i < m)
                i = item_end(p, m, i);
            continue;
        }
        size_t e = item_end(p, m, i);
        if (e < m && strchr("*+-", p[e])) {
            size_t run = longest_run(s, n, p + i, p + e);
            scan += (double)n;
            paths *= (double)run + 1;
            path_cost += (double)run;
            e++;
        } else if (e < m && p[e] == '?') {
            paths *= 2;
            e++;
        }
        i = e;
    }
    return starts * paths * path_cost + scan;
}

/* Charge a pattern function's worst case; `anchor`: '^' anchors (not in
 * gmatch). */
static void charge_pattern(lua_State *L, const char *fn, bool anchor, bool plain_arg)
{
    size_t n, m;
    const char *s = luaL_checklstring(L, 1, &n);
    const char *p = luaL_checklstring(L, 2, &m);
    sim_scn_t *sc = sim_scn_get(L);
    double cap = ((double)sc->instr_limit - (double)sc->instr_count + 1) * SIM_WORK_PER_INSTR;
    double steps;
    if (plain_arg && lua_toboolean(L, 4))
        steps = ((double)n + 1) * (double)m;    /* memfind: a compare per start */
    else
        steps = pattern_steps(s, n, p, m, anchor, cap);
    sim_scn_charge(L, UNITS(steps), "%s on a %zu-byte subject may take %s%.3g matcher steps "
                   "(quantified items that can match the same bytes backtrack); "
                   "simplify the pattern or split the subject", fn, n,
                   steps > cap ? "more than " : "", steps > cap ? cap : steps);
}

static int w_find(lua_State *L)
{
    charge_pattern(L, "string.find", true, true);
    return call_orig(L, lua_upvalueindex(1));
}

static int w_match(lua_State *L)
{
    charge_pattern(L, "string.match", true, false);
    return call_orig(L, lua_upvalueindex(1));
}

static int w_gmatch(lua_State *L)
{
    /* the whole subject at once: every later step of the iterator is
     * paid for here */
    charge_pattern(L, "string.gmatch", false, false);
    return call_orig(L, lua_upvalueindex(1));
}

static int w_gsub(lua_State *L)
{
    charge_pattern(L, "string.gsub", true, false);
    return call_orig(L, lua_upvalueindex(1));
}

/* ---- string.rep and the linear functions ---------------------------------- */

static int w_rep(lua_State *L)
{
    size_t l, lsep;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0)
        return call_orig(L, lua_upvalueindex(1));
    /* Lua copies nothing n times: the one loop no byte bounds */
    if (l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    sim_scn_t *s = sim_scn_get(L);
    double size = (double)n * (double)l + ((double)n - 1) * (double)lsep;
    if (size > (double)s->mem_limit - (double)s->mem_used - (double)s->c_bytes)
        return sim_scn_limit(L, 1, "memory limit of %zu MiB exceeded: string.rep would make "
                             "a string of %.0f bytes", s->mem_limit >> 20, size);
    return call_orig(L, lua_upvalueindex(1));
}

/* The bytes of the string arguments, as read (scanned, copied). */
static int w_linear(lua_State *L)
{
    double bytes = 0;
    for (int i = 1; i <= lua_gettop(L); i++)
        if (lua_type(L, i) == LUA_TSTRING)
            bytes += (double)lua_rawlen(L, i);
    bytes += lua_gettop(L);
    sim_scn_charge(L, UNITS(bytes), "a string function would read %.0f bytes", bytes);
    return call_orig(L, lua_upvalueindex(1));
}

/* ---- the table functions ---------------------------------------------------- */

/* #t as the original will see it (__len included), or -1 when t is not a
 * table: the original then raises its own error. */
static lua_Integer len_of(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return -1;
    return luaL_len(L, idx);
}

static lua_Integer int_arg(lua_State *L, int idx, lua_Integer def)
{
    int isint;
    lua_Integer v = lua_tointegerx(L, idx, &isint);
    return lua_isnoneornil(L, idx) ? def : isint ? v : def;
}

/* Elements from lo to hi, one step each (none if hi < lo). */
static void charge_span(lua_State *L, const char *fn, lua_Integer lo, lua_Integer hi)
{
    if (hi < lo)
        return;
    double n = (double)hi - (double)lo + 1;
    sim_scn_charge(L, n, "%s would visit %.0f elements", fn, n);
}

static int w_concat(lua_State *L)
{
    lua_Integer i = int_arg(L, 3, 1);
    lua_Integer j = lua_isnoneornil(L, 4) ? len_of(L, 1) : int_arg(L, 4, 0);
    charge_span(L, "table.concat", i, j);
    return call_orig(L, lua_upvalueindex(1));
}

static int w_unpack(lua_State *L)
{
    lua_Integer i = int_arg(L, 2, 1);
    lua_Integer j = lua_isnoneornil(L, 3) ? len_of(L, 1) : int_arg(L, 3, 0);
    charge_span(L, "table.unpack", i, j);
    return call_orig(L, lua_upvalueindex(1));
}

static int w_insert(lua_State *L)
{
    if (lua_gettop(L) == 3)
        charge_span(L, "table.insert", int_arg(L, 2, 0), len_of(L, 1));
    return call_orig(L, lua_upvalueindex(1));
}

static int w_remove(lua_State *L)
{
    lua_Integer n = len_of(L, 1);
    charge_span(L, "table.remove", int_arg(L, 2, n), n);
    return call_orig(L, lua_upvalueindex(1));
}

static int w_move(lua_State *L)
{
    charge_span(L, "table.move", int_arg(L, 2, 1), int_arg(L, 3, 0));
    return call_orig(L, lua_upvalueindex(1));
}

static int w_sort(lua_State *L)
{
    double n = (double)len_of(L, 1);
    if (n > 1)
        sim_scn_charge(L, n * log2(n), "table.sort would compare %.0f elements", n);
    return call_orig(L, lua_upvalueindex(1));
}

/* ---- opening ---------------------------------------------------------------- */

/* Replace lib.name by wrap, holding the original as upvalue 1 (and the
 * extra value on top of the stack, if any, as upvalue 2). */
static void wrap(lua_State *L, const char *lib, const char *name, lua_CFunction w, bool extra)
{
    lua_getglobal(L, lib);
    lua_getfield(L, -1, name);
    if (extra) {
        lua_pushvalue(L, -3);
        lua_remove(L, -4);
    }
    lua_pushcclosure(L, w, extra ? 2 : 1);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* A copy of library table lib in the registry's loaded table, where
 * luaL_argerror looks up a C function's name: an error the original
 * raises then says "bad argument #1 to 'string.rep'", not "to '?'". */
static void keep_originals(lua_State *L, const char *lib)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_newtable(L);
    lua_getglobal(L, lib);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -5);
    }
    lua_pop(L, 1);
    lua_setfield(L, -2, lib);
    lua_pop(L, 1);
}

/* ---- finalizers ------------------------------------------------------------- */

/* Lua runs a __gc finalizer with debug hooks off (lgc.c, GCTM), so the
 * instruction bound never sees one: a finalizer that loops, during the
 * run or while the state closes, would hang the scenario. The sandbox's
 * setmetatable puts this in a Lua __gc's place: it runs the script's
 * finalizer in a thread of its own, which has the bounds' hook. An error
 * there, the bound's included, ends the finalizer (Lua reports errors in
 * finalizers as warnings, which the sandbox does not show). The metatable
 * the script gave is changed, so its __gc reads as this function. */
static int bounded_gc(lua_State *L)
{
    lua_State *co = lua_newthread(L);
    sim_scn_hook_thread(sim_scn_get(L), co);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 2);
    int nres;
    int rc = lua_resume(co, L, 1, &nres);
    if (rc != LUA_OK && rc != LUA_YIELD) {
        lua_xmove(co, L, 1);
        return lua_error(L);
    }
    return 0;
}

static int l_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE && lua_getfield(L, 2, "__gc") != LUA_TNIL) {
        if (lua_tocfunction(L, -1) != bounded_gc) {
            lua_pushcclosure(L, bounded_gc, 1);
            lua_setfield(L, 2, "__gc");
        } else {
            lua_pop(L, 1);
        }
    } else if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

void sim_lua_open_sandbox(lua_State *L)
{
    keep_originals(L, "string");
    keep_originals(L, "table");
    keep_originals(L, "utf8");
    keep_originals(L, "_G");

    lua_register(L, "pcall", l_pcall);
    lua_register(L, "xpcall", l_xpcall);
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, l_setmetatable, 1);
    lua_setglobal(L, "setmetatable");

    /* next: two weak-keyed tables (snapshots, positions), the original
     * table.sort */
    for (int i = 0; i < 2; i++) {
        lua_newtable(L);
        lua_newtable(L);
        lua_pushliteral(L, "k");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
    }
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_remove(L, -2);
    lua_pushcclosure(L, l_next, 3);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "next");
    lua_pushcclosure(L, l_pairs, 1);
    lua_setglobal(L, "pairs");

    lua_getglobal(L, "tostring");       /* the sandbox's (lua_sim.c) */
    wrap(L, "string", "format", w_format, true);
    wrap(L, "string", "find", w_find, false);
    wrap(L, "string", "match", w_match, false);
    wrap(L, "string", "gmatch", w_gmatch, false);
    wrap(L, "string", "gsub", w_gsub, false);
    wrap(L, "string", "rep", w_rep, false);
    static const char *const str_linear[] = { "byte", "char", "lower", "upper", "reverse",
                                              "sub", "pack", "packsize", "unpack", "dump",
                                              NULL };
    for (const char *const *f = str_linear; *f; f++)
        wrap(L, "string", *f, w_linear, false);
    static const char *const utf8_linear[] = { "char", "codepoint", "len", "offset", NULL };
    for (const char *const *f = utf8_linear; *f; f++)
        wrap(L, "utf8", *f, w_linear, false);
    wrap(L, "table", "concat", w_concat, false);
    wrap(L, "table", "unpack", w_unpack, false);
    wrap(L, "table", "insert", w_insert, false);
    wrap(L, "table", "remove", w_remove, false);
    wrap(L, "table", "move", w_move, false);
    wrap(L, "table", "sort", w_sort, false);
    wrap(L, "_G", "tonumber", w_linear, false);
    wrap(L, "json", "decode", w_linear, false);
}
