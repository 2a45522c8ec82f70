/*
 * scenario.c - one scenario run: a sandboxed Lua state over a fresh
 * kernel, event log and network; the main chunk builds the topology and
 * schedules actions; then the kernel runs to the scenario's duration or
 * until idle; then the expectations are checked and the outputs written.
 *
 * Limits (each ends the run with a clear error): Lua instructions (which
 * also count the C library's work, sandbox.c), memory (the Lua heap and
 * the C side's kernel queue, timers, event log, and network with what
 * ref/ holds, D47), pending events, event
 * log bytes, and virtual time. A tripped limit is sticky (lsim.h): the
 * script cannot catch it. A Lua error anywhere (main chunk or callback)
 * stops the run; its message names the file and line.
 */
#include "lua/lsim.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "kernel/vdet.h"

#define DEFAULT_SEED       1
#define DEFAULT_MAX_TIME   SIM_SEC(600)
#define DEFAULT_INSTR      200000000ull         /* Lua VM instructions */
#define DEFAULT_MEM        (512u << 20)
#define DEFAULT_PENDING    1000000
#define DEFAULT_LOG_BYTES  (64u << 20)
#define HOOK_EVERY         10000

void sim_strcatf(char **buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t old = *buf ? strlen(*buf) : 0;
    char *b = realloc(*buf, old + (size_t)n + 2);
    if (!b)
        return;     /* out of memory: the line is lost, the verdict stands */
    va_start(ap, fmt);
    vsnprintf(b + old, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b[old + (size_t)n] = '\n';
    b[old + (size_t)n + 1] = '\0';
    *buf = b;
}

sim_scn_t *sim_scn_get(lua_State *L)
{
    return *(sim_scn_t **)lua_getextraspace(L);
}

sim_time_t sim_lua_time(lua_State *L, int idx, const char *what)
{
    /* a Lua number: "1.5" is a string, as everywhere in the API */
    int isnum = lua_type(L, idx) == LUA_TNUMBER;
    lua_Number x = lua_tonumber(L, idx);
    if (!isnum)
        luaL_error(L, "%s: expected a time in seconds (a number), got %s", what,
                   luaL_typename(L, idx));
    if (!isfinite(x) || x < 0 || x > 1e9)
        luaL_error(L, "%s: time %f s is out of range (0 to 1e9 seconds)", what, (double)x);
    return (sim_time_t)llround(x * 1e9);
}

void sim_scn_event(sim_scn_t *s, const char *src, const char *name, const sim_evarg_t *args,
                   size_t nargs)
{
    sim_evlog_emit(s->log, sim_now(s->k), src, name, args, nargs);
}

void sim_scn_host_event(sim_scn_t *s, const char *host, const char *name, const sim_evarg_t *args,
                        size_t nargs)
{
    size_t n = sim_evlog_count(s->log);
    sim_scn_event(s, host, name, args, nargs);
    if (sim_evlog_count(s->log) > n)        /* kept: not past the log's bound */
        sim_sidecar_event(s->sidecar, host, n);
}

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static void record_error(sim_scn_t *s, const char *full)
{
    if (s->failed)
        return;
    s->failed = true;
    /* The first line names file:line and the problem; the traceback goes
     * to the text log. A tripped bound is the error, whatever message the
     * script's handlers made of it on the way out. */
    const char *first = s->limit[0] ? s->limit : full;
    size_t n = strcspn(first, "\n");
    s->error = strndup(first, n);
    if (s->textlog) {
        if (s->limit[0] && strncmp(full, s->limit, strlen(s->limit)) != 0)
            fprintf(s->textlog, "error: %s\n", s->limit);
        fprintf(s->textlog, "error: %s\n", full);
    }
    sim_stop(s->k);
}

/* ---- bounds ----------------------------------------------------------------- */

/* A bound has tripped: whatever Lua code runs now (a handler, a
 * finalizer, a __close) ends at its first instruction. */
static void limit_hook(lua_State *L, lua_Debug *ar)
{
    lua_pushstring(L, sim_scn_get(L)->limit);
    lua_error(L);
}

/* Trip a bound: keep the first message, prefixed with the script's
 * location (the first Lua function from `level` up: the bound may trip
 * in a C function pcall called; no allocation: the memory bound may be
 * the one), hook every instruction, stop the kernel. */
static void trip(sim_scn_t *s, lua_State *L, int level, const char *fmt, va_list ap)
{
    if (!s->limit[0]) {
        lua_Debug ar;
        int n = -1;
        for (; L && n < 0 && lua_getstack(L, level, &ar); level++)
            if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
                n = snprintf(s->limit, sizeof s->limit, "%s:%d: ", ar.short_src, ar.currentline);
        if (n < 0)
            n = snprintf(s->limit, sizeof s->limit, "%s: ", s->path);
        if (n < 0 || (size_t)n >= sizeof s->limit)
            n = 0;
        vsnprintf(s->limit + n, sizeof s->limit - (size_t)n, fmt, ap);
    }
    lua_sethook(s->L, limit_hook, LUA_MASKCOUNT, 1);
    sim_stop(s->k);
}

static void trip_f(sim_scn_t *s, lua_State *L, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void trip_f(sim_scn_t *s, lua_State *L, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    trip(s, L, level, fmt, ap);
    va_end(ap);
}

static int raise_limit(lua_State *L)
{
    lua_pushstring(L, sim_scn_get(L)->limit);
    return lua_error(L);
}

int sim_scn_limit(lua_State *L, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    trip(sim_scn_get(L), L, level, fmt, ap);
    va_end(ap);
    return raise_limit(L);
}

void sim_scn_charge(lua_State *L, double units, const char *fmt, ...)
{
    sim_scn_t *s = sim_scn_get(L);
    if (units > (double)s->instr_limit - (double)s->instr_count) {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        sim_scn_limit(L, 1, "instruction limit of %llu Lua instructions exceeded: %s",
                      (unsigned long long)s->instr_limit, what);
    }
    s->instr_count += (uint64_t)units;
}

static void trip_memory(sim_scn_t *s, lua_State *L, int level)
{
    trip_f(s, L, level, "memory limit of %zu MiB exceeded (the Lua heap holds %zu bytes; "
                        "the simulator's records: event queue, timers, event log, expectations, "
                        "messages, network and ICE agents %zu)",
           s->mem_limit >> 20, s->mem_used, s->c_bytes);
}

/* What the C side holds: the kernel's queue, the event log, the Lua
 * timers' records, expectations and signalling messages in flight, and
 * the network's (datagrams in flight, hosts, sockets, and every byte ref/
 * holds, which ice_host.c charges to it). */
static size_t c_bytes(const sim_scn_t *s)
{
    return sim_kernel_bytes(s->k) + sim_evlog_bytes(s->log) + s->timer_bytes + s->held_bytes +
           sim_sidecar_bytes(s->sidecar) + (s->net ? sim_net_bytes(s->net) : 0);
}

/* The network's bound (sim_net_set_bound): a datagram or an ICE agent's
 * allocation that would pass the memory bound is refused, and the bound
 * trips there (docs/decisions.md D47), so the scenario ends with the
 * memory error whichever path (an API call, a datagram, a timer) hit it. */
static bool net_room(void *ctx, size_t more)
{
    sim_scn_t *s = ctx;
    s->c_bytes = c_bytes(s);
    if (s->mem_used + s->c_bytes + more <= s->mem_limit)
        return true;
    trip_memory(s, s->L, 0);
    return false;
}

void sim_scn_rethrow(lua_State *L, int rc)
{
    sim_scn_t *s = sim_scn_get(L);
    if (rc == LUA_ERRMEM)
        trip_memory(s, L, 1);
    if (s->limit[0])
        raise_limit(L);
}

/* The C side's bounds at `level` of L's stack (L NULL: outside Lua). */
static bool check_at(sim_scn_t *s, lua_State *L, int level)
{
    if (!s->limit[0]) {
        const char *e = sim_kernel_error(s->k);
        if (!e)
            e = sim_evlog_error(s->log);
        const char *hint = !e ? NULL
                         : strncmp(e, "the pending events limit", 24) == 0 ? "max_pending"
                         : strncmp(e, "the event log limit", 19) == 0 ? "max_log_bytes" : NULL;
        s->c_bytes = c_bytes(s);
        if (hint)
            trip_f(s, L, level, "%s (scenario{%s=} raises it)", e, hint);
        else if (e)
            trip_f(s, L, level, "%s", e);
        else if (s->mem_used + s->c_bytes > s->mem_limit)
            trip_memory(s, L, level);
    }
    if (s->limit[0] && L)
        raise_limit(L);
    return !s->limit[0];
}

bool sim_scn_check(sim_scn_t *s, lua_State *L)
{
    return check_at(s, L, 1);
}

void sim_scn_call(sim_scn_t *s, int nargs)
{
    lua_State *L = s->L;
    if (!s->failed && !check_at(s, NULL, 0))
        record_error(s, s->limit);
    if (s->failed) {
        lua_pop(L, nargs + 1);
        return;
    }
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    int rc = lua_pcall(L, nargs, 0, base);
    if (rc == LUA_ERRMEM)
        trip_memory(s, NULL, 0);
    if (rc != LUA_OK) {
        record_error(s, lua_tostring(L, -1) ? lua_tostring(L, -1) : "(error)");
        lua_pop(L, 1);
    } else if (s->limit[0]) {
        record_error(s, s->limit);
    }
    lua_remove(L, base);
}

/* An implementation under test did what the ABI forbids (sim_net_fault):
 * the scenario ends in error, naming the scenario file, the
 * implementation and the call. */
static void on_fault(void *arg, const char *msg)
{
    sim_scn_t *s = arg;
    char *full = NULL;
    sim_strcatf(&full, "%s: %s", s->path, msg);
    record_error(s, full ? full : msg);
    free(full);
}

static void *scn_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sim_scn_t *s = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        s->mem_used -= old;
        return NULL;
    }
    /* The C side's memory counts too (c_bytes, kept by sim_scn_check).
     * A refusal is not yet the bound: Lua collects and asks again, and
     * only the memory error that follows trips it (sim_scn_rethrow). */
    if (nsize > old) {
        if (s->mem_used - old + nsize + s->c_bytes > s->mem_limit)
            return NULL;
        /* the bytes handed out are work done: copies the VM makes (s .. t)
         * run one instruction whatever their size */
        s->instr_count += (nsize - old) / SIM_WORK_PER_INSTR;
    }
    void *p = realloc(ptr, nsize);
    if (p)
        s->mem_used = s->mem_used - old + nsize;
    return p;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    sim_scn_t *s = sim_scn_get(L);
    s->instr_count += HOOK_EVERY;
    if (s->instr_count > s->instr_limit)
        sim_scn_limit(L, 0, "instruction limit of %llu Lua instructions exceeded (a runaway loop?)",
                      (unsigned long long)s->instr_limit);
    check_at(s, L, 0);
}

void sim_scn_hook_thread(sim_scn_t *s, lua_State *co)
{
    if (s->limit[0])
        lua_sethook(co, limit_hook, LUA_MASKCOUNT, 1);
    else
        lua_sethook(co, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
}

/* ---- scenario{covers=} (D111) ------------------------------------------------ */

int sim_scn_header_stop(lua_State *L)
{
    sim_scn_t *s = sim_scn_get(L);
    s->header_done = !s->limit[0];     /* a bound or a bad covers= tripped first: that error */
    /* sticky, so a pcall around scenario{} cannot carry the script on */
    return sim_scn_limit(L, 1, "the header is read");
}

/* The line of the scenario file, from `from` on, where id first appears
 * quoted: the line an error about it names (a table constructor keeps no
 * line per element). `from` when it is not found. */
static int id_line(const char *path, int from, const char *id)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return from;
    char *buf = NULL;
    size_t cap = 0, n = strlen(id);
    int line = 0, hit = 0;
    while (!hit && getline(&buf, &cap, f) >= 0) {
        if (++line < from)
            continue;
        for (const char *p = buf; !hit && (p = strstr(p, id)); p++)
            if (p > buf && (p[-1] == '"' || p[-1] == '\'') && p[n] == p[-1])
                hit = line;
    }
    free(buf);
    fclose(f);
    return hit ? hit : from;
}

/* A bad covers= ends the run as a tripped bound does (sticky: a pcall
 * around scenario{} cannot swallow it, so a declaration cannot rot
 * unseen); the message is "file:line: ..." as given. Raises. */
static int covers_error(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int covers_error(lua_State *L, const char *fmt, ...)
{
    sim_scn_t *s = sim_scn_get(L);
    if (!s->limit[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->limit, sizeof s->limit, fmt, ap);
        va_end(ap);
    }
    lua_sethook(s->L, limit_hook, LUA_MASKCOUNT, 1);
    sim_stop(s->k);
    return raise_limit(L);
}

/* What covers= is checked against: the one given (a header read for
 * `rtcsim coverage`), else the catalogue beside the scenario, read once. */
static const sim_catalogue_t *catalogue(sim_scn_t *s, lua_State *L)
{
    if (s->cat)
        return s->cat;
    if (!s->own_cat) {
        char *path = sim_catalogue_path(s->path), *err = NULL;
        if (!path)
            luaL_error(L, "out of memory");
        s->own_cat = sim_catalogue_load(path, &err);
        free(path);
        if (!s->own_cat) {
            char msg[400];
            snprintf(msg, sizeof msg, "%s", err ? err : "out of memory");
            free(err);
            trip_f(s, L, 1, "scenario.covers: %s", msg);
            raise_limit(L);
        }
    }
    return s->own_cat;
}

void sim_scn_covers(lua_State *L, int idx)
{
    sim_scn_t *s = sim_scn_get(L);
    idx = lua_absindex(L, idx);
    if (lua_getfield(L, idx, "covers") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, -1)) {
        trip_f(s, L, 1, "scenario.covers must be a list of catalogue ids (strings), got %s",
               luaL_typename(L, -1));
        raise_limit(L);
    }
    int t = lua_gettop(L);
    size_t n = lua_rawlen(L, t), keys = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        keys++;
    }
    if (keys != n) {
        trip_f(s, L, 1, "scenario.covers must be a list (keys 1 to n, no holes, no names)");
        raise_limit(L);
    }
    const sim_catalogue_t *cat = catalogue(s, L);
    /* the Lua code that called scenario{} (through pcall, say): its
     * file and line, as trip() finds them */
    const char *src = s->path;
    char short_src[LUA_IDSIZE];
    int call_line = 0;
    lua_Debug ar;
    for (int level = 1; call_line <= 0 && lua_getstack(L, level, &ar); level++)
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            call_line = ar.currentline;
            snprintf(short_src, sizeof short_src, "%s", ar.short_src);
            src = short_src;
        }
    for (size_t i = 1; i <= n; i++) {
        if (lua_rawgeti(L, t, (lua_Integer)i) != LUA_TSTRING) {
            trip_f(s, L, 1, "scenario.covers[%d] must be a string (a catalogue id), got %s", (int)i,
                   luaL_typename(L, -1));
            raise_limit(L);
        }
        size_t len;
        const char *id = lua_tolstring(L, -1, &len);
        bool known = strlen(id) == len && sim_catalogue_find(cat, id) >= 0;
        bool twice = false;
        for (size_t j = 0; known && !twice && j < s->ncovers; j++)
            twice = strcmp(s->covers[j], id) == 0;
        if (!known || twice) {
            int at = call_line > 0 ? id_line(s->path, call_line, id) : 0;
            if (!known)
                covers_error(L, "%s:%d: scenario.covers: '%s' is not an id of the catalogue %s", src,
                             at, id, cat->path);
            covers_error(L, "%s:%d: scenario.covers: '%s' is listed twice", src, at, id);
        }
        char **v = realloc(s->covers, (s->ncovers + 1) * sizeof *v);
        if (!v || !(v[s->ncovers] = strdup(id))) {
            if (v)
                s->covers = v;
            luaL_error(L, "out of memory");
        }
        s->covers = v;
        s->ncovers++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

int sim_mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) < 0 && errno != EEXIST)
        return -1;
    return access(buf, W_OK);
}

const char *sim_scenarios_dir(const char *path)
{
    const char *hit = NULL;
    for (const char *p = path; (p = strstr(p, "scenarios/")); p++)
        if (p == path || p[-1] == '/')
            hit = p;
    return hit;
}

/* path's prefix up to the scenarios/ folder, then tail, in *d: 1; 0 if the
 * scenario is not in one; -1 out of memory. */
static int beside_scenarios(const char *path, const char *tail, char **d)
{
    const char *hit = sim_scenarios_dir(path);
    *d = NULL;
    if (!hit)
        return 0;
    if (asprintf(d, "%.*s%s", (int)(hit - path), path, tail) < 0) {
        *d = NULL;
        return -1;
    }
    return 1;
}

/* The folder that holds the scenario file, with its trailing '/' ("" for
 * a file in the current directory), then tail. */
static char *beside_file(const char *path, const char *tail)
{
    const char *slash = strrchr(path, '/');
    char *d;
    if (asprintf(&d, "%.*s%s", slash ? (int)(slash - path + 1) : 0, path, tail) < 0)
        return NULL;
    return d;
}

/* Where goldens and shared Lua are follows from the scenario's path alone,
 * never from the current directory (D27): in a scenarios/ tree, captures/
 * beside that scenarios/ folder and scenarios/lib/; elsewhere, captures/
 * and lib/ in the scenario's own folder. --captures overrides the first.
 * NULL: out of memory. */
static char *derive_captures_dir(const char *path, const sim_run_opts_t *o)
{
    if (o->captures_dir)
        return strdup(o->captures_dir);
    char *d;
    int rc = beside_scenarios(path, "captures", &d);
    return rc ? d : beside_file(path, "captures");
}

static char *derive_lib_dir(const char *path)
{
    char *d;
    int rc = beside_scenarios(path, "scenarios/lib", &d);
    return rc ? d : beside_file(path, "lib");
}

char *sim_catalogue_path(const char *path)
{
    char *d;
    int rc = beside_scenarios(path, "scenarios/coverage.txt", &d);
    return rc ? d : beside_file(path, "coverage.txt");
}

static void finish(sim_scn_t *s, const char *id, sim_result_t *r)
{
    char *path = NULL;
    if (s->out_dir && asprintf(&path, "%s/events.jsonl", s->out_dir) >= 0) {
        FILE *f = fopen(path, "w");
        if (!f || sim_evlog_write(s->log, f) < 0 || fclose(f) != 0) {
            sim_strcatf(&r->messages, "cannot write %s: %s", path, strerror(errno));
            r->verdict = SIM_ERROR;
        }
        free(path);
    }
    /* a failed or errored run too: it is the one a user wants to replay */
    path = NULL;
    if (s->out_dir && asprintf(&path, "%s/sidecar.json", s->out_dir) >= 0) {
        if (sim_sidecar_write(s->sidecar, s->log, id, s->seed, path) < 0) {
            sim_strcatf(&r->messages, "cannot write %s: %s", path, strerror(errno));
            r->verdict = SIM_ERROR;
        }
        free(path);
    }
}

/* Free what the run made, Lua first. */
static void close_run(sim_scn_t *s)
{
    /* Close the Lua state first, while every C object is still valid: the
     * finalizers it runs find the handles refusing (phase CLOSED), not
     * freed memory. Only then free what the handles named. */
    s->phase = SIM_PHASE_CLOSED;
    lua_close(s->L);
    s->L = NULL;
    sim_lua_live_free(s);      /* the programs and namespaces, first: they hold host sockets */
    sim_lua_timers_free(s);
    sim_lua_net_free(s);
    sim_lua_media_free(s);     /* detaches from the connections: before them */
    sim_lua_replay_free(s);    /* the players hold host sockets and a DTLS endpoint */
    sim_lua_ice_free(s);
    sim_lua_expects_free(s);
    sim_lobj_free(s);
    sim_vdet_bind(NULL);
    sim_net_free(s->net);
    sim_evlog_free(s->log);
    sim_sidecar_free(s->sidecar);
    sim_kernel_free(s->k);
    if (s->textlog)
        fclose(s->textlog);
    free(s->captures_dir);
    free(s->lib_dir);
    free(s->title);
    free(s->error);
    free(s->host_impls);
    for (size_t i = 0; i < s->ncovers; i++)
        free(s->covers[i]);
    free(s->covers);
    sim_catalogue_free(s->own_cat);
}

/* The sandbox (docs/scenarios.md): the libraries a scenario has, the
 * bindings, the instruction count. */
static void open_sandbox(lua_State *L)
{
    static const luaL_Reg libs[] = {
        { LUA_GNAME, luaopen_base }, { LUA_TABLIBNAME, luaopen_table },
        { LUA_STRLIBNAME, luaopen_string }, { LUA_MATHLIBNAME, luaopen_math },
        { LUA_UTF8LIBNAME, luaopen_utf8 }, { NULL, NULL },
    };
    for (const luaL_Reg *l = libs; l->func; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    /* Sandbox: nothing that reaches files, processes or C code. */
    static const char *const banned[] = { "dofile", "loadfile", "load", "collectgarbage", NULL };
    for (const char *const *b = banned; *b; b++) {
        lua_pushnil(L);
        lua_setglobal(L, *b);
    }
    sim_lua_open_sim(L);
    sim_lua_open_net(L);
    sim_lua_open_expect(L);
    sim_lua_open_ice(L);
    sim_lua_open_media(L);
    sim_lua_open_stun(L);
    sim_lua_open_replay(L);
    sim_lua_open_sandbox(L);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
}

void sim_scenario_run(const char *path, const char *id, const char *out_dir,
                      const sim_run_opts_t *o, sim_result_t *r)
{
    memset(r, 0, sizeof *r);
    r->id = strdup(id);
    r->file = strdup(path);

    sim_scn_t s = {
        .opts = o, .path = path, .out_dir = out_dir,
        .seed = o->seed_set ? o->seed : DEFAULT_SEED, .own_seed = DEFAULT_SEED,
        .max_time = DEFAULT_MAX_TIME, .duration = SIM_TIME_NEVER,
        .instr_limit = DEFAULT_INSTR, .mem_limit = DEFAULT_MEM,
    };
    s.expects_tail = &s.expects;
    r->seed = s.seed;

    if (sim_mkdirs(out_dir) < 0) {
        sim_strcatf(&r->messages, "cannot create output folder %s: %s", out_dir, strerror(errno));
        r->verdict = SIM_ERROR;
        r->title = strdup(id);
        return;
    }
    char *logpath = NULL;
    if (asprintf(&logpath, "%s/log.txt", out_dir) < 0) {
        sim_strcatf(&r->messages, "%s: out of memory (setting up the run)", path);
        r->verdict = SIM_ERROR;
        r->title = strdup(id);
        return;
    }
    s.textlog = fopen(logpath, "w");
    if (!s.textlog) {
        sim_strcatf(&r->messages, "cannot write %s: %s", logpath, strerror(errno));
        r->verdict = SIM_ERROR;
        r->title = strdup(id);
        free(logpath);
        return;
    }
    free(logpath);

    s.captures_dir = derive_captures_dir(path, o);
    s.lib_dir = o->lib_dir ? strdup(o->lib_dir) : derive_lib_dir(path);
    s.k = sim_kernel_new(s.seed);
    s.log = sim_evlog_new();
    if (!s.k || !s.log) {
        sim_strcatf(&r->messages, "%s: out of memory: the %s", path, s.k ? "event log" : "kernel");
        r->verdict = SIM_ERROR;
        r->title = strdup(id);
        sim_kernel_free(s.k);
        sim_evlog_free(s.log);
        fclose(s.textlog);
        free(s.captures_dir);
        free(s.lib_dir);
        return;
    }
    sim_kernel_set_max_pending(s.k, DEFAULT_PENDING);
    sim_evlog_set_max_bytes(s.log, DEFAULT_LOG_BYTES);
    s.sidecar = sim_sidecar_new(s.k);   /* NULL: the run ends in error at its writing */
    s.net = sim_net_new(s.k, s.log);
    sim_rng_init(&s.lua_rng, s.seed, "lua:math.random");
    sim_vdet_bind(s.k);

    s.L = s.captures_dir && s.lib_dir && s.net ? lua_newstate(scn_alloc, &s) : NULL;
    if (s.net) {
        sim_net_set_bound(s.net, net_room, &s);
        sim_net_set_fault(s.net, on_fault, &s);
    }
    if (!s.L) {
        sim_strcatf(&r->messages, "%s: out of memory (setting up the run)", path);
        r->verdict = SIM_ERROR;
        r->title = strdup(id);
        sim_vdet_bind(NULL);
        sim_net_free(s.net);
        sim_evlog_free(s.log);
        sim_sidecar_free(s.sidecar);
        sim_kernel_free(s.k);
        fclose(s.textlog);
        free(s.captures_dir);
        free(s.lib_dir);
        return;
    }
    lua_State *L = s.L;
    *(sim_scn_t **)lua_getextraspace(L) = &s;
    open_sandbox(L);

    int rc = luaL_loadfilex(L, path, "t");
    if (rc != LUA_OK) {
        const char *m = lua_tostring(L, -1);
        /* "cannot open x.lua" already names the file; syntax errors
         * carry file:line. */
        record_error(&s, m ? m : "cannot load scenario");
        lua_pop(L, 1);
    } else {
        sim_scn_call(&s, 0);
    }

    if (!s.failed)
        sim_lua_live_start(&s);     /* live hosts: their programs, once the topology is built */
    if (!s.failed) {
        s.phase = SIM_PHASE_RUN;
        if (s.duration != SIM_TIME_NEVER) {
            sim_run_until(s.k, s.duration);
        } else {
            sim_run_events(s.k, s.max_time);
            if (!s.failed && sim_pending(s.k) > 0) {
                char t[32];
                sim_strcatf(&s.error,
                            "%s: virtual time limit of %s s reached with %zu events pending "
                            "(give scenario{duration=...} or stop the periodic timers)",
                            path, sim_time_str(s.max_time, t), sim_pending(s.k));
                if (s.error)
                    s.error[strlen(s.error) - 1] = '\0';
                s.failed = true;
            }
        }
    }
    /* A bound passed where no Lua ran (the network filling the event log)
     * is reported here. */
    if (!s.failed && !check_at(&s, NULL, 0))
        record_error(&s, s.limit);

    /* From here the simulation is read, not changed: captures are closed
     * and the expectations see one event log (lsim.h: sim_lua_check_phase). */
    s.phase = SIM_PHASE_CHECK;
    sim_verdict_t v = SIM_PASS;
    if (s.foreign)
        sim_lua_impl_note(&s, &r->notes);
    sim_lua_live_note(&s, &r->notes);
    if (sim_lua_captures_close(&s, &r->messages) < 0)
        v = SIM_ERROR;
    if (s.failed) {
        sim_strcatf(&r->messages, "%s", s.error ? s.error : "out of memory (the error message)");
        v = s.skipped ? SIM_SKIP : SIM_ERROR;
    } else {
        sim_verdict_t e = sim_lua_expect_check(&s, r);
        if (e > v)
            v = e;
    }
    r->verdict = v;
    r->end_time = sim_now(s.k);
    r->events = sim_evlog_count(s.log);
    r->seed = s.seed;
    /* scenario{} without a name leaves its path as the title: show the id */
    r->title = strdup(s.title && strcmp(s.title, path) != 0 ? s.title : id);
    finish(&s, id, r);

    close_run(&s);
}

void sim_result_clear(sim_result_t *r)
{
    free(r->id);
    free(r->file);
    free(r->title);
    free(r->messages);
    free(r->notes);
    for (size_t i = 0; i < r->nmeasures; i++)
        free(r->measures[i].name);
    free(r->measures);
    memset(r, 0, sizeof *r);
}

int sim_result_add_measure(sim_result_t *r, const char *name, double value, double min,
                           double max, bool pass)
{
    size_t n = r->nmeasures;
    if ((n & (n - 1)) == 0) {       /* 0, 1, 2, 4, ...: double the room */
        sim_measure_t *m = realloc(r->measures, (n ? 2 * n : 1) * sizeof *m);
        if (!m)
            return -1;
        r->measures = m;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    r->measures[r->nmeasures++] = (sim_measure_t){ copy, value, min, max, pass };
    return 0;
}

/* ---- the header alone (D111) ------------------------------------------------- */

void sim_scenario_header(const char *path, const sim_catalogue_t *cat, sim_header_t *h)
{
    memset(h, 0, sizeof *h);
    static const sim_run_opts_t o = { 0 };
    /* The run's own state and sandbox, so that what the script does before
     * and in scenario{} (require, locals) behaves as in a run; no output
     * folder, no text log: nothing reaches the disk. */
    sim_scn_t s = {
        .opts = &o, .path = path, .seed = DEFAULT_SEED, .own_seed = DEFAULT_SEED,
        .max_time = DEFAULT_MAX_TIME, .duration = SIM_TIME_NEVER,
        .instr_limit = DEFAULT_INSTR, .mem_limit = DEFAULT_MEM,
        .cat = cat, .header_read = true,
    };
    s.expects_tail = &s.expects;
    s.captures_dir = derive_captures_dir(path, &o);
    s.lib_dir = derive_lib_dir(path);
    s.k = sim_kernel_new(s.seed);
    s.log = sim_evlog_new();
    s.net = s.k && s.log ? sim_net_new(s.k, s.log) : NULL;
    s.L = s.captures_dir && s.lib_dir && s.net ? lua_newstate(scn_alloc, &s) : NULL;
    if (!s.L) {
        sim_strcatf(&h->error, "%s: out of memory (reading the header)", path);
        sim_net_free(s.net);
        sim_evlog_free(s.log);
        sim_kernel_free(s.k);
        free(s.captures_dir);
        free(s.lib_dir);
        return;
    }
    sim_net_set_bound(s.net, net_room, &s);
    sim_rng_init(&s.lua_rng, s.seed, "lua:math.random");
    sim_vdet_bind(s.k);
    *(sim_scn_t **)lua_getextraspace(s.L) = &s;
    open_sandbox(s.L);
    int rc = luaL_loadfilex(s.L, path, "t");
    if (rc != LUA_OK) {
        const char *m = lua_tostring(s.L, -1);
        record_error(&s, m ? m : "cannot load scenario");
        lua_pop(s.L, 1);
    } else {
        sim_scn_call(&s, 0);
    }
    if (s.failed && !s.header_done) {
        h->error = s.error ? s.error : strdup("out of memory (the error message)");
        s.error = NULL;
    } else {
        if (s.title && strcmp(s.title, path) != 0)
            h->title = strdup(s.title);
        h->covers = s.covers;
        h->ncovers = s.ncovers;
        s.covers = NULL;
        s.ncovers = 0;
    }
    close_run(&s);
}

void sim_header_clear(sim_header_t *h)
{
    free(h->title);
    for (size_t i = 0; i < h->ncovers; i++)
        free(h->covers[i]);
    free(h->covers);
    free(h->error);
    memset(h, 0, sizeof *h);
}
