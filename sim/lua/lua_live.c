/*
 * lua_live.c - live hosts in scenarios (sim/host/live.h, docs/live.md):
 *
 *   net.host{ name = "turn", run = { "turnserver", "--listening-ip=..." } }
 *   net.host{ name = "bob", run = { "build/rtcsim-nice" }, control = true }
 *
 * A program is started once the main chunk has built the topology. With
 * control, the host's RTCSocket and RTCConnection are the program's,
 * driven through the control protocol (JSON lines): `bob:RTCSocket{...}`
 * and `RTCConnection(sock, desc)` give objects with ref/'s methods and
 * handlers, whose events are logged as ref/'s are. The program is not
 * trusted: a line that is not JSON, an unknown event, a bad candidate, a
 * request not answered in time, an early exit, each ends the scenario in
 * error naming the program, the request and the line. A program whose
 * hello lists the feature "media" has RTCMediaSessions too: the run's
 * proxy implementation (live_media.c) is then what host:RTCMediaSession
 * finds on the host, and session events go to it.
 */
#include <stdlib.h>
#include <string.h>

#include "host/live.h"
#include "lua/json.h"
#include "lua/live_media.h"
#include "lua/lsim.h"

#define MAX_ARGS     32
#define MT_LSOCK     "rtcsim.LiveSocket"
#define MT_LCONN     "rtcsim.LiveConnection"
#define TIMEOUT_NS   (10ull * 1000000000ull)    /* docs/live.md: a request's answer */

typedef struct lconn {
    struct sim_lrun *r;
    char             id[16];        /* the harness's name for it ("c1") */
    char             cid[RTCSIM_ID_MAX + 1];   /* its connection-id */
    int              ref;           /* registry ref to its userdata */
    sim_sidecar_conn_t *side;       /* its record in sidecar.json */
    struct lconn    *next;
} lconn_t;

/* A line from the program, with the virtual time it came at (media
 * events' `age` counts back from it). */
typedef struct qline {
    char      *line;
    sim_time_t at;
} qline_t;

typedef struct lsock {
    struct sim_lrun *r;
    char             id[16];
} lsock_t;

struct sim_lrun {
    sim_scn_t       *s;
    sim_host_t      *h;
    char            *argv[MAX_ARGS + 1];
    bool             control;
    sim_live_t      *live;
    char             name[96];      /* its hello's name */
    char             who[160];      /* "live host bob (NAME)" */
    char            *answer;        /* the last request's answer line */
    sim_lproxy_t    *proxy;         /* its media plane, as an implementation (after the hello) */
    lua_Integer      next_id;       /* of requests */
    unsigned         nsocks, nconns;
    lconn_t         *conns;
    qline_t         *queue;         /* lines that came, for deliver() */
    size_t           nq;
    sim_timer_t      deliver;
    struct sim_lrun *next;
};

static void run_free(struct sim_lrun *r)
{
    for (size_t i = 0; r->argv[i]; i++)
        free(r->argv[i]);
    for (size_t i = 0; i < r->nq; i++)
        free(r->queue[i].line);
    free(r->queue);
    free(r->answer);
    if (r->proxy)
        sim_live_media_detach(r->proxy);
    while (r->conns) {
        lconn_t *c = r->conns;
        r->conns = c->next;
        free(c);
    }
    free(r);
}

static struct sim_lrun *run_of(const sim_scn_t *s, const sim_host_t *h)
{
    for (struct sim_lrun *r = s->runs; r; r = r->next)
        if (r->h == h)
            return r;
    return NULL;
}

void sim_lua_live_declare(lua_State *L, sim_host_t *h, int idx, bool control)
{
    sim_scn_t *s = sim_scn_get(L);
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "net.host: field 'run' must be a list of strings { \"program\", \"arg\", ... }, "
                      "got %s", luaL_typename(L, idx));
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n < 1 || n > MAX_ARGS)
        luaL_error(L, "net.host: field 'run' must hold 1 to %d strings, got %d", MAX_ARGS, (int)n);
    /* D137: the command line names the programs; a scenario only picks
     * among them (it is untrusted input, and they run as root). An
     * allowed "P ARG..." (words separated by spaces) fixes the first
     * arguments too: run must begin with exactly those words, so that
     * `--allow-program "build/rtcsim-live --impl build/ref.so"` does not
     * let a scenario load a shared object of its choosing (D168). */
    lua_rawgeti(L, idx, 1);
    const char *prog = lua_tostring(L, -1);
    lua_pop(L, 1);
    bool allowed = false;
    for (size_t i = 0; prog && s->opts && i < s->opts->nprograms && !allowed; i++) {
        const char *w = s->opts->programs[i];
        bool match = true;
        lua_Integer k = 1;
        while (*w && match) {
            size_t len = strcspn(w, " ");
            if (len) {
                lua_rawgeti(L, idx, k++);
                const char *a = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
                match = a && strlen(a) == len && strncmp(a, w, len) == 0;
                lua_pop(L, 1);
            }
            w += len;
            w += strspn(w, " ");
        }
        allowed = match;
    }
    if (!allowed)
        luaL_error(L, "net.host: run: program '%s' (with these first arguments) is not one this run "
                      "allows: pass --allow-program %s (a scenario cannot start a program the command "
                      "line did not name)", prog ? prog : "?", prog ? prog : "PROGRAM");
    struct sim_lrun *r = calloc(1, sizeof *r);
    if (!r)
        luaL_error(L, "net.host: out of memory");
    r->s = s;
    r->h = h;
    r->control = control;
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
    snprintf(r->name, sizeof r->name, "%s", r->argv[0]);
}

bool sim_lua_live_is(const sim_scn_t *s, const sim_host_t *h)
{
    const struct sim_lrun *r = run_of(s, h);
    return r && r->control;
}

bool sim_lua_live_is_socket(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, MT_LSOCK) != NULL;
}

/* The scenario cannot go on: its error is msg, through the runner's one
 * path for errors found outside Lua (sim_net_fault: the scenario file
 * named first, the log told, the kernel stopped; the first one stands). */
static int stop(sim_scn_t *s, const char *msg)
{
    sim_net_fault(s->net, "%s", msg);
    return -1;
}

/* A fault of the program, found outside a Lua call: the scenario's error. */
static void fault(struct sim_lrun *r, const char *fmt, const char *a, const char *b)
{
    char msg[1200];
    int n = snprintf(msg, sizeof msg, "live host %s (%s): ", sim_host_name(r->h), r->name);
    snprintf(msg + n, sizeof msg - (size_t)n, fmt, a, b);
    stop(r->s, msg);
}

/* ---- lines from the program ----------------------------------------------------- */

static void deliver(void *arg);

static void queue_line(struct sim_lrun *r, const char *line)
{
    qline_t *q = realloc(r->queue, (r->nq + 1) * sizeof *q);
    char *copy = q ? strdup(line) : NULL;
    if (q)
        r->queue = q;
    if (!copy) {
        fault(r, "out of memory for its events%s%s", "", "");
        return;
    }
    sim_time_t at = sim_lives_now(r->s->lives);     /* the virtual time it came (real time) */
    r->queue[r->nq++] = (qline_t){ copy, at };
    if (!r->deliver)
        r->deliver = sim_at(r->s->k, at, deliver, r);
}

/* From the pacer, between two events: handled by an event of its own. */
static void on_line(void *arg, sim_live_t *l, const char *line, size_t len)
{
    queue_line(arg, line);
}

/* json.decode(line) on the stack, or an error message there (false). */
static bool decode(lua_State *L, const char *line)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "rtcsim.json");
    lua_getfield(L, -1, "decode");
    lua_remove(L, -2);
    lua_pushstring(L, line);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK)
        return false;
    if (lua_type(L, -1) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_pushstring(L, "not a JSON object");
        return false;
    }
    return true;
}

static lconn_t *conn_by_id(struct sim_lrun *r, const char *id)
{
    for (lconn_t *c = r->conns; c; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

/* A candidate of the program's (the table at idx): checked as the spec's
 * dictionary (relatedAddress and relatedPort, which docs/live.md allows,
 * are left out first: the harness's dictionary has none), into c. */
static void program_candidate(lua_State *L, int idx, const char *cid, rtcsim_candidate_t *c)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "a candidate must be an object");
    lua_pushnil(L);
    lua_setfield(L, idx, "relatedAddress");
    lua_pushnil(L);
    lua_setfield(L, idx, "relatedPort");
    sim_lua_to_candidate(L, idx, cid, c);
}

/* One event line, decoded at 1, that came at virtual time 2: log it as
 * ref/'s are and call the handler; a session's goes to the proxy.
 * Protected: a bad line is a Lua error, made the program's. */
static int dispatch(lua_State *L)
{
    struct sim_lrun *r = lua_touserdata(L, lua_upvalueindex(1));
    static const char *const names[] = { "candidate", "endofcandidates", "activecandidate",
                                         "connected", "disconnected", NULL };
    static const rtcsim_ice_event_type_t types[] = { RTCSIM_ICE_CANDIDATE, RTCSIM_ICE_END_OF_CANDIDATES,
        RTCSIM_ICE_ACTIVE_CANDIDATE, RTCSIM_ICE_CONNECTED, RTCSIM_ICE_DISCONNECTED };
    lua_getfield(L, 1, "event");
    const char *ev = lua_tostring(L, -1);
    if (!ev)
        return luaL_error(L, "a line with neither 'id' nor 'event'");
    int k = 0;
    while (names[k] && strcmp(names[k], ev) != 0)
        k++;
    /* not an ICE event's name: a session's, if it names one (the
     * proxy knows those names, and says if it is none) */
    if (!names[k] && lua_getfield(L, 1, "session") != LUA_TNIL) {
        if (!r->proxy)
            return luaL_error(L, "event '%s' for a session, but there is none", ev);
        sim_live_media_event(r->proxy, L, 1, (sim_time_t)lua_tointeger(L, 2));
        return 0;
    }
    if (!names[k])
        return luaL_error(L, "event '%s' is none of the protocol's", ev);
    lua_getfield(L, 1, "connection");
    const char *id = lua_tostring(L, -1);
    lconn_t *c = id ? conn_by_id(r, id) : NULL;
    if (!c)
        return luaL_error(L, "event '%s' for connection '%s', which the harness never made", ev,
                          id ? id : "(none)");
    rtcsim_ice_event_t e;
    memset(&e, 0, sizeof e);
    e.type = types[k];
    int nargs = 0;
    int top = lua_gettop(L);
    if (e.type == RTCSIM_ICE_CANDIDATE) {
        lua_getfield(L, 1, "candidate");
        program_candidate(L, -1, c->cid, &e.local);
    } else if (e.type == RTCSIM_ICE_ACTIVE_CANDIDATE) {
        lua_getfield(L, 1, "local");
        program_candidate(L, -1, c->cid, &e.local);
        lua_getfield(L, 1, "remote");
        program_candidate(L, -1, c->cid, &e.remote);
    }
    lua_settop(L, top);
    sim_lua_ice_log(r->s, sim_host_name(r->h), c->cid, &e);
    if (e.type == RTCSIM_ICE_CANDIDATE)
        sim_sidecar_candidate(c->side, &e.local);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref);
    lua_getiuservalue(L, -1, 1);
    char handler[32];
    snprintf(handler, sizeof handler, "on%s", ev);
    if (lua_getfield(L, -1, handler) != LUA_TFUNCTION)
        return 0;
    if (e.type == RTCSIM_ICE_CANDIDATE || e.type == RTCSIM_ICE_ACTIVE_CANDIDATE) {
        sim_lua_push_candidate(L, c->cid, &e.local);
        nargs++;
    }
    if (e.type == RTCSIM_ICE_ACTIVE_CANDIDATE) {
        sim_lua_push_candidate(L, c->cid, &e.remote);
        nargs++;
    }
    sim_scn_call(r->s, nargs);
    return 0;
}

static void deliver(void *arg)
{
    struct sim_lrun *r = arg;
    lua_State *L = r->s->L;
    r->deliver = 0;
    for (size_t i = 0; i < r->nq && !r->s->failed; i++) {
        int top = lua_gettop(L);
        const char *line = r->queue[i].line;
        if (!decode(L, line)) {
            fault(r, "it wrote a line that is not JSON (%s): %.200s", lua_tostring(L, -1), line);
        } else {
            lua_pushlightuserdata(L, r);
            lua_pushcclosure(L, dispatch, 1);
            lua_insert(L, -2);
            lua_pushinteger(L, (lua_Integer)r->queue[i].at);
            if (lua_pcall(L, 2, 0, 0) != LUA_OK)
                fault(r, "%s, in the line: %.200s", lua_tostring(L, -1), line);
        }
        lua_settop(L, top);
    }
    for (size_t i = 0; i < r->nq; i++)
        free(r->queue[i].line);
    r->nq = 0;
}

/* ---- requests ------------------------------------------------------------------------ */

/* Send {id, method, params = the table at params} and wait for the
 * answer (sim_lua_live_call, live_media.h). Events that come before it
 * are queued for deliver(). */
int sim_lua_live_call(struct sim_lrun *r, lua_State *L, const char *method, int params, char *code,
                      size_t codelen, char *err, size_t errlen)
{
    params = lua_absindex(L, params);
    const char *host = sim_host_name(r->h);
    free(r->answer);
    r->answer = NULL;
    if (!r->live) {
        snprintf(err, errlen, "live host %s's program is not running", host);
        return -1;
    }
    lua_Integer id = ++r->next_id;
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, id);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, method);
    lua_setfield(L, -2, "method");
    lua_pushvalue(L, params);
    lua_setfield(L, -2, "params");
    char why[512];
    size_t len;
    char *line = sim_json_encode(L, -1, &len, why, sizeof why);
    lua_pop(L, 1);
    if (!line) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    int rc = sim_live_send(r->live, line, len, why, sizeof why);
    free(line);
    if (rc < 0) {
        snprintf(err, errlen, "live host %s (%s): %s", host, r->name, why);
        return -1;
    }
    for (;;) {
        char *in;
        size_t n;
        rc = sim_live_next_line(r->live, &in, &n, TIMEOUT_NS, why, sizeof why);
        if (rc == 0) {
            snprintf(err, errlen, "live host %s (%s) did not answer request %s within 10 s", host,
                     r->name, method);
            return -1;
        }
        if (rc < 0) {
            snprintf(err, errlen, "live host %s (%s), request %s: %s", host, r->name, method, why);
            return -1;
        }
        if (!decode(L, in)) {
            snprintf(err, errlen, "live host %s (%s), request %s: a line that is not JSON (%s): %.200s",
                     host, r->name, method, lua_tostring(L, -1), in);
            lua_pop(L, 1);
            free(in);
            return -1;
        }
        lua_getfield(L, -1, "id");
        bool mine = lua_isinteger(L, -1) && lua_tointeger(L, -1) == id;
        lua_pop(L, 1);
        if (!mine) {
            lua_pop(L, 1);
            queue_line(r, in);      /* an event: after this call */
            free(in);
            continue;
        }
        r->answer = in;
        if (lua_getfield(L, -1, "error") == LUA_TTABLE) {
            lua_getfield(L, -1, "message");
            lua_getfield(L, -2, "code");
            snprintf(err, errlen, "%s", lua_tostring(L, -2) ? lua_tostring(L, -2) : "refused");
            snprintf(code, codelen, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "failed");
            lua_pop(L, 4);
            return 1;
        }
        lua_pop(L, 1);
        if (lua_getfield(L, -1, "result") != LUA_TTABLE) {
            lua_pop(L, 2);
            snprintf(err, errlen, "live host %s (%s) answered %s with neither 'result' nor 'error'",
                     host, r->name, method);
            return -1;
        }
        lua_remove(L, -2);
        return 0;
    }
}

/* sim_lua_live_call for the RTCSocket and RTCConnection bindings: the
 * result table pushed, or the method's Lua error (a refusal: the program
 * named after its message). */
static int request(lua_State *L, struct sim_lrun *r, const char *method, const char *what, int params)
{
    char code[64], err[700];
    int rc = sim_lua_live_call(r, L, method, params, code, sizeof code, err, sizeof err);
    if (rc == 1)
        return luaL_error(L, "%s: %s (live host %s, %s: %s)", what, err, sim_host_name(r->h), r->name,
                          code);
    if (rc < 0)
        return luaL_error(L, "%s: %s", what, err);
    return 1;
}

const char *sim_lua_live_answer(const struct sim_lrun *r) { return r->answer ? r->answer : ""; }
const char *sim_lua_live_who(const struct sim_lrun *r) { return r->who; }
void sim_lua_live_stop(struct sim_lrun *r, const char *msg) { stop(r->s, msg); }
const char *sim_lua_live_conn_name(const rtcsim_connection_t *c) { return ((const lconn_t *)c)->id; }

rtcsim_connection_t *sim_lua_live_conn_find(struct sim_lrun *r, const char *name)
{
    return (rtcsim_connection_t *)conn_by_id(r, name);
}

static void push_addr(lua_State *L, const rtcsim_addr_t *a)
{
    char ip[16];
    lua_createtable(L, 0, 2);
    sim_lua_set_str(L, "ip", sim_ip_str(a->ip, ip));
    sim_lua_set_int(L, "port", a->port);
}

int sim_lua_live_socket(lua_State *L, sim_host_t *h, const rtcsim_addr_t *stun, size_t nstun,
                        const rtcsim_turn_server_t *turn, size_t nturn)
{
    sim_scn_t *s = sim_scn_get(L);
    struct sim_lrun *r = run_of(s, h);
    if (sim_lua_live_start(s) < 0)
        return luaL_error(L, "host:RTCSocket: %s", s->error);
    lsock_t *ls = lua_newuserdatauv(L, sizeof *ls, 0);
    memset(ls, 0, sizeof *ls);
    ls->r = r;
    snprintf(ls->id, sizeof ls->id, "s%u", ++r->nsocks);
    luaL_setmetatable(L, MT_LSOCK);
    int u = lua_gettop(L);
    lua_createtable(L, 0, 3);
    sim_lua_set_str(L, "socket", ls->id);
    lua_createtable(L, (int)nstun, 0);
    for (size_t i = 0; i < nstun; i++) {
        push_addr(L, &stun[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "stun");
    lua_createtable(L, (int)nturn, 0);
    for (size_t i = 0; i < nturn; i++) {
        push_addr(L, &turn[i].addr);
        sim_lua_set_str(L, "username", turn[i].user);
        sim_lua_set_str(L, "password", turn[i].password);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "turn");
    request(L, r, "socket.new", "RTCSocket", -1);
    lua_settop(L, u);
    return 1;
}

int sim_lua_live_connection(lua_State *L)
{
    lsock_t *ls = luaL_checkudata(L, 1, MT_LSOCK);
    struct sim_lrun *r = ls->r;
    rtcsim_conn_desc_t remote;
    bool answerer = !lua_isnoneornil(L, 2);
    if (answerer)
        sim_lua_to_description(L, 2, &remote);
    lconn_t *c = calloc(1, sizeof *c);
    if (!c)
        return luaL_error(L, "RTCConnection: out of memory");
    c->r = r;
    snprintf(c->id, sizeof c->id, "c%u", ++r->nconns);
    c->next = r->conns;
    r->conns = c;       /* the run's from here */
    lconn_t **u = lua_newuserdatauv(L, sizeof *u, 1);
    *u = c;
    luaL_setmetatable(L, MT_LCONN);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 1);     /* its handlers */
    lua_pushvalue(L, -1);
    c->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    int top = lua_gettop(L);
    lua_createtable(L, 0, 3);
    sim_lua_set_str(L, "socket", ls->id);
    sim_lua_set_str(L, "connection", c->id);
    if (answerer) {
        sim_lua_push_description(L, &remote);
        lua_setfield(L, -2, "remote");
    }
    request(L, r, "connection.new", "RTCConnection", -1);
    lua_getfield(L, -1, "id");
    const char *cid = lua_tostring(L, -1);
    if (!cid || !cid[0] || strlen(cid) > RTCSIM_ID_MAX)
        return luaL_error(L, "RTCConnection: live host %s (%s) gave no connection-id (1 to %d "
                             "characters) in its answer to connection.new", sim_host_name(r->h), r->name,
                          RTCSIM_ID_MAX);
    if (answerer && strcmp(cid, remote.id) != 0)
        return luaL_error(L, "RTCConnection: live host %s (%s) gave the answer connection-id '%s', "
                             "not the offer's '%s'", sim_host_name(r->h), r->name, cid, remote.id);
    snprintf(c->cid, sizeof c->cid, "%s", cid);
    c->side = sim_sidecar_connection(r->s->sidecar, sim_host_name(r->h), c->cid, !answerer);
    lua_settop(L, top);
    return 1;
}

static lconn_t *check_lconn(lua_State *L)
{
    return *(lconn_t **)luaL_checkudata(L, 1, MT_LCONN);
}

const sim_impl_t *sim_lua_live_impl(lua_State *L, sim_host_t *h, const char *what)
{
    sim_scn_t *s = sim_scn_get(L);
    struct sim_lrun *r = run_of(s, h);
    if (!r)
        return NULL;
    if (!r->control)
        luaL_error(L, "%s: live host %s runs a program without control: it has no RTC objects",
                   what, sim_host_name(h));
    if (sim_lua_live_start(s) < 0)
        luaL_error(L, "%s: %s", what, s->error);
    return sim_live_media_impl(r->proxy);
}

rtcsim_connection_t *sim_lua_live_check_connection(lua_State *L, int idx, const sim_impl_t **impl)
{
    lconn_t **u = luaL_testudata(L, idx, MT_LCONN);
    if (!u)
        return NULL;
    *impl = sim_live_media_impl((*u)->r->proxy);
    return (rtcsim_connection_t *)*u;
}

bool sim_lua_live_push_connection(lua_State *L, const sim_impl_t *impl, rtcsim_connection_t *c)
{
    if (!sim_live_media_of(impl))
        return false;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ((lconn_t *)c)->ref);
    return true;
}

/* A method with params { connection, [key] = value at 2 checked by fn }. */
static int conn_call(lua_State *L, const char *method, const char *what, const char *key,
                     void (*check)(lua_State *L, lconn_t *c))
{
    sim_lua_check_phase(L, what);
    lconn_t *c = check_lconn(L);
    lua_createtable(L, 0, 2);
    sim_lua_set_str(L, "connection", c->id);
    if (key) {
        check(L, c);            /* pushes the checked value */
        lua_setfield(L, -2, key);
    }
    request(L, c->r, method, what, -1);
    return 1;
}

static void check_desc(lua_State *L, lconn_t *c)
{
    rtcsim_conn_desc_t d;
    sim_lua_to_description(L, 2, &d);
    sim_lua_push_description(L, &d);
}

static void check_cand(lua_State *L, lconn_t *c)
{
    rtcsim_candidate_t cand;
    sim_lua_to_candidate(L, 2, c->cid, &cand);
    sim_lua_push_candidate(L, c->cid, &cand);
}

static int m_get_local_description(lua_State *L)
{
    lconn_t *c = check_lconn(L);
    conn_call(L, "connection.getLocalDescription", "getLocalDescription", NULL, NULL);
    lua_getfield(L, -1, "description");
    rtcsim_conn_desc_t d;
    int t = lua_gettop(L);
    if (lua_type(L, t) != LUA_TTABLE)
        return luaL_error(L, "getLocalDescription: live host %s (%s) answered without a description",
                          sim_host_name(c->r->h), c->r->name);
    sim_lua_to_description(L, t, &d);   /* its description, held to the spec's keys */
    sim_sidecar_description(c->side, &d);
    sim_lua_push_description(L, &d);
    return 1;
}

static int m_set_remote_description(lua_State *L)
{
    conn_call(L, "connection.setRemoteDescription", "setRemoteDescription", "description", check_desc);
    return 0;
}

static int m_set_local_candidate(lua_State *L)
{
    conn_call(L, "connection.setLocalCandidate", "setLocalCandidate", "candidate", check_cand);
    return 0;
}

static int m_set_remote_candidate(lua_State *L)
{
    conn_call(L, "connection.setRemoteCandidate", "setRemoteCandidate", "candidate", check_cand);
    return 0;
}

static int m_connect(lua_State *L)
{
    conn_call(L, "connection.connect", "connect", NULL, NULL);
    return 0;
}

static int m_update(lua_State *L)
{
    conn_call(L, "connection.update", "update", NULL, NULL);
    return 0;
}

static int lconn_get(lua_State *L, void *obj, const char *key)
{
    if (strcmp(key, "id") == 0) {
        lua_pushstring(L, (*(lconn_t **)obj)->cid);
        return 1;
    }
    return 0;
}

static int lconn_index(lua_State *L)
{
    /* handlers and methods as sim_lobj_index gives them; the object is
     * the userdata itself here, not a slot */
    const char *key = luaL_checkstring(L, 2);
    if (lconn_get(L, lua_touserdata(L, 1), key))
        return 1;
    lua_getiuservalue(L, 1, 1);
    if (lua_getfield(L, -1, key) != LUA_TNIL)
        return 1;
    luaL_getmetatable(L, MT_LCONN);
    lua_getfield(L, -1, "methods");
    lua_getfield(L, -1, key);
    return 1;
}

static int lconn_newindex(lua_State *L)
{
    const char *key = luaL_checkstring(L, 2);
    if (strncmp(key, "on", 2) != 0)
        return luaL_error(L, "RTCConnection: field '%s' cannot be set (only handlers, on...)", key);
    if (!lua_isnil(L, 3) && lua_type(L, 3) != LUA_TFUNCTION)
        return luaL_error(L, "RTCConnection: handler '%s' must be a function or nil", key);
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, key);
    return 0;
}

static void open_classes(lua_State *L)
{
    if (luaL_newmetatable(L, MT_LCONN)) {
        static const luaL_Reg m[] = {
            { "getLocalDescription", m_get_local_description },
            { "setRemoteDescription", m_set_remote_description },
            { "setLocalCandidate", m_set_local_candidate },
            { "setRemoteCandidate", m_set_remote_candidate },
            { "connect", m_connect },
            { "update", m_update },
            { NULL, NULL },
        };
        luaL_newlib(L, m);
        lua_setfield(L, -2, "methods");
        lua_pushcfunction(L, lconn_index);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, lconn_newindex);
        lua_setfield(L, -2, "__newindex");
        lua_pushstring(L, "RTCConnection");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, MT_LSOCK)) {
        lua_pushstring(L, "RTCSocket");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
}

/* ---- start and stop ---------------------------------------------------------------- */

/* The hello line (docs/live.md): protocol 1, a name, the features
 * (unknown ones ignored: a later version's program still runs). */
static int hello(struct sim_lrun *r)
{
    lua_State *L = r->s->L;
    char err[300], msg[600];
    char *line;
    size_t n;
    int rc = sim_live_next_line(r->live, &line, &n, TIMEOUT_NS, err, sizeof err);
    if (rc <= 0) {
        snprintf(msg, sizeof msg, "live host %s (%s): no hello line: %s",
                 sim_host_name(r->h), r->argv[0], rc == 0 ? "nothing within 10 s" : err);
        return stop(r->s, msg);
    }
    int top = lua_gettop(L);
    bool ok = decode(L, line);
    const char *ev = NULL, *name = NULL;
    lua_Integer proto = 0;
    if (ok) {
        lua_getfield(L, top + 1, "event");
        ev = lua_tostring(L, -1);
        lua_getfield(L, top + 1, "protocol");
        proto = lua_tointeger(L, -1);
        lua_getfield(L, top + 1, "name");
        name = lua_tostring(L, -1);
    }
    if (!ok || !ev || strcmp(ev, "hello") != 0 || proto != 1) {
        snprintf(msg, sizeof msg, "live host %s (%s): its first line is not a hello of protocol "
                 "1 (docs/live.md): %.200s", sim_host_name(r->h), r->argv[0], line);
        free(line);
        lua_settop(L, top);
        return stop(r->s, msg);
    }
    if (name && name[0])
        snprintf(r->name, sizeof r->name, "%s", name);
    bool media = false, dtmf = false;
    if (lua_getfield(L, top + 1, "features") == LUA_TTABLE)
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            const char *f = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            media |= strcmp(f, "media") == 0;
            dtmf |= strcmp(f, "dtmf") == 0;
            lua_pop(L, 1);
        }
    free(line);
    lua_settop(L, top);
    snprintf(r->who, sizeof r->who, "live host %s (%s)", sim_host_name(r->h), r->name);
    char label[200];
    snprintf(label, sizeof label, "%s on live host %s", r->name, sim_host_name(r->h));
    /* dtmf only with media (docs/live.md): RTCDTMFTrack is a track of a session */
    if (!(r->proxy = sim_live_media_new(r, label, media, media && dtmf))) {
        snprintf(msg, sizeof msg, "live host %s (%s): out of memory", sim_host_name(r->h), r->name);
        return stop(r->s, msg);
    }
    return 0;
}

int sim_lua_live_start(sim_scn_t *s)
{
    if (s->failed)
        return -1;
    bool todo = false;
    for (struct sim_lrun *r = s->runs; r; r = r->next)
        todo |= !r->live;
    if (!todo)
        return 0;
    char err[512], msg[800];
    if (s->duration == SIM_TIME_NEVER) {
        snprintf(msg, sizeof msg, "a scenario with a live host (net.host{run=}) needs "
                 "scenario{duration=}: real time does not run until idle");
        return stop(s, msg);
    }
    const char *why = sim_live_unavailable();
    if (why) {      /* never passed: it could not run here, and says why (SKIP) */
        snprintf(msg, sizeof msg, "skipped, not run: %s", why);
        s->skipped = true;
        return stop(s, msg);
    }
    if (!s->lives && !(s->lives = sim_lives_new(s->k))) {
        snprintf(msg, sizeof msg, "out of memory (live hosts)");
        return stop(s, msg);
    }
    open_classes(s->L);
    for (struct sim_lrun *r = s->runs; r; r = r->next) {
        if (r->live)
            continue;
        r->live = sim_live_start(s->lives, r->h, r->argv, r->control, s->textlog, err, sizeof err);
        if (!r->live) {
            snprintf(msg, sizeof msg, "%s", err);
            return stop(s, msg);
        }
        if (r->control) {
            if (hello(r) < 0)
                return -1;
            sim_live_on_line(r->live, on_line, r);
        }
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
            sim_strcatf(notes, "  live host %s: %s, %llu datagrams out, %llu in", sim_host_name(r->h),
                        r->name, (unsigned long long)sim_live_packets(r->live, true),
                        (unsigned long long)sim_live_packets(r->live, false));
}

void sim_lua_live_free(sim_scn_t *s)
{
    for (struct sim_lrun *r = s->runs; r; r = r->next)
        if (r->deliver)
            sim_cancel(s->k, r->deliver);
    sim_lives_free(s->lives);
    s->lives = NULL;
    while (s->runs) {
        struct sim_lrun *r = s->runs;
        s->runs = r->next;
        run_free(r);
    }
}
