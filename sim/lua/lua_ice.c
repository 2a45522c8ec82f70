/*
 * lua_ice.c - RTCSocket and RTCConnection for scenarios, with the spec's
 * names (spec: "The RTCConnection Class", "The RTCSocket Class"), and
 * net.stun_server.
 *
 *   local sock = host:RTCSocket({ { url = "stun:stun.example.net" } })
 *   local conn = RTCConnection(sock [, remoteDescription])
 *   conn.oncandidate = function(candidate) ... end
 *
 * A socket belongs to the host it is made on (the spec's constructor has
 * no host: a page runs on one machine; a scenario has several). Host names
 * in URLs resolve to the first address of the simulated host of that name.
 * Every spec event is also logged: source the host, name the event, and
 * the connection's id among the arguments.
 *
 * The objects are the host's implementation's (sim_lua_host_impl: ref/,
 * or one loaded with --impl), reached through its table only (SIM_CALL).
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "host/ice_host.h"
#include "lua/ice_uri.h"
#include "lua/lsim.h"
#include "servers/stun_server.h"
#include "servers/turn_server.h"

#define MT_SOCKET "rtcsim.RTCSocket"
#define MT_CONN   "rtcsim.RTCConnection"
#define MT_STUN   "rtcsim.StunServer"
#define MT_TURN   "rtcsim.TurnServer"
#define MT_HOST   "rtcsim.Host"

typedef struct lconn {
    rtcsim_connection_t *c;
    struct sim_lice  *li;               /* the RTCSocket it was made on */
    int               ref;              /* registry ref to its userdata */
    sim_sidecar_conn_t *side;           /* its record in sidecar.json */
    struct lconn     *next;
} lconn_t;

struct sim_lice {
    sim_scn_t         *s;
    sim_ice_socket_t  *sock;            /* NULL for a server record */
    sim_stun_server_t *stun;
    sim_turn_server_t *turn;
    const char        *host;
    lconn_t           *conns;
    sim_lice_t        *next;
};

/* ---- candidates and descriptions as tables ------------------------------------ */

void sim_lua_push_candidate(lua_State *L, const char *id, const rtcsim_candidate_t *c)
{
    char a[16];
    lua_createtable(L, 0, 8);
    sim_lua_set_str(L, "connection-id", id);
    sim_lua_set_str(L, "foundation", c->foundation);
    sim_lua_set_int(L, "component", c->component);
    sim_lua_set_str(L, "transport", "udp");
    sim_lua_set_int(L, "priority", c->priority);
    sim_lua_set_str(L, "connectionAddress", sim_ip_str(c->addr.ip, a));
    sim_lua_set_int(L, "connectionPort", c->addr.port);
    sim_lua_set_str(L, "type", rtcsim_cand_type_name(c->type));
}

void sim_lua_push_description(lua_State *L, const rtcsim_conn_desc_t *d)
{
    lua_createtable(L, 0, 4);
    sim_lua_set_str(L, "connection-id", d->id);
    sim_lua_set_str(L, "usefrag", d->ufrag);
    sim_lua_set_str(L, "secret", d->pwd);
    /* a JSON array even when empty (json.array), so that it stays one
     * through the signalling channel */
    lua_getfield(L, LUA_REGISTRYINDEX, "rtcsim.json");
    lua_getfield(L, -1, "array");
    lua_createtable(L, (int)d->nfingerprints, 0);
    for (size_t i = 0; i < d->nfingerprints; i++) {
        lua_pushstring(L, d->fingerprints[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_call(L, 1, 1);
    lua_setfield(L, -3, "fingerprints");
    lua_pop(L, 1);
}

static const char *field_str(lua_State *L, int t, const char *what, const char *k)
{
    char fwhat[96];
    snprintf(fwhat, sizeof fwhat, "%s: field '%s'", what, k);
    /* raw: a field an __index made up would be held by nothing once
     * popped (and could be collected while we use it) */
    t = lua_absindex(L, t);
    lua_pushstring(L, k);
    lua_rawget(L, t);
    const char *v = sim_lua_checkstring(L, -1, fwhat);
    lua_pop(L, 1);      /* anchored by the table */
    return v;
}

static lua_Integer field_int(lua_State *L, int t, const char *what, const char *k, lua_Integer lo,
                             lua_Integer hi)
{
    char fwhat[96];
    snprintf(fwhat, sizeof fwhat, "%s: field '%s'", what, k);
    lua_getfield(L, t, k);
    lua_Integer v = sim_lua_checkint(L, -1, fwhat, lo, hi);
    lua_pop(L, 1);
    return v;
}

static void copy_field(lua_State *L, char *dst, size_t cap, int t, const char *what, const char *k)
{
    const char *v = field_str(L, t, what, k);
    if (strlen(v) >= cap)
        luaL_error(L, "%s: field '%s' is longer than %d characters", what, k, (int)cap - 1);
    strcpy(dst, v);
}

void sim_lua_to_description(lua_State *L, int t, rtcsim_conn_desc_t *d)
{
    static const char *const keys[] = { "connection-id", "usefrag", "secret", "fingerprints", NULL };
    luaL_checktype(L, t, LUA_TTABLE);
    sim_lua_check_keys(L, t, "RTCConnectionDescription", keys);
    memset(d, 0, sizeof *d);
    copy_field(L, d->id, sizeof d->id, t, "RTCConnectionDescription", "connection-id");
    copy_field(L, d->ufrag, sizeof d->ufrag, t, "RTCConnectionDescription", "usefrag");
    copy_field(L, d->pwd, sizeof d->pwd, t, "RTCConnectionDescription", "secret");
    /* RFC 8122 s.5 fingerprints: a list of "hash HEX:HEX..." */
    int ft = lua_getfield(L, t, "fingerprints");
    if (ft != LUA_TNIL && ft != LUA_TTABLE)
        luaL_error(L, "RTCConnectionDescription: field 'fingerprints' must be a list, got %s",
                   luaL_typename(L, -1));
    if (ft == LUA_TTABLE) {
        int f = lua_gettop(L);
        lua_Integer n = (lua_Integer)lua_rawlen(L, f);
        lua_pushnil(L);
        while (lua_next(L, f)) {        /* only 1..n: a hole or a key is a mistake */
            lua_pop(L, 1);
            if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n)
                luaL_error(L, "RTCConnectionDescription: field 'fingerprints' must be a list of strings");
        }
        if (n > RTCSIM_FP_MAX)
            luaL_error(L, "RTCConnectionDescription: fingerprints: at most %d, got %d", RTCSIM_FP_MAX, (int)n);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, f, i);
            char what[96];
            snprintf(what, sizeof what, "RTCConnectionDescription: fingerprints[%d]", (int)i);
            const char *v = sim_lua_checkstring(L, -1, what);
            /* the form (RFC 8122 s.5) is the implementation's to check,
             * in connection_new or set_remote_description; a string that
             * cannot even be held is the scenario's mistake */
            if (strlen(v) >= sizeof d->fingerprints[0])
                luaL_error(L, "%s: longer than %d characters (RFC 8122 s.5: sha-512 is the longest)",
                           what, (int)sizeof d->fingerprints[0] - 1);
            snprintf(d->fingerprints[i - 1], sizeof d->fingerprints[i - 1], "%s", v);
            lua_pop(L, 1);
        }
        d->nfingerprints = (size_t)n;
    }
    lua_pop(L, 1);
}

void sim_lua_to_candidate(lua_State *L, int t, const char *conn_id, rtcsim_candidate_t *c)
{
    static const char *const keys[] = { "connection-id", "foundation", "component", "transport",
                                        "priority", "connectionAddress", "connectionPort", "type",
                                        NULL };
    const char *what = "RTCIceCandidateDescription";
    luaL_checktype(L, t, LUA_TTABLE);
    sim_lua_check_keys(L, t, what, keys);
    memset(c, 0, sizeof *c);
    const char *id = field_str(L, t, what, "connection-id");
    if (strcmp(id, conn_id) != 0)
        luaL_error(L, "%s: connection-id '%s' is not this connection's ('%s')", what, id, conn_id);
    copy_field(L, c->foundation, sizeof c->foundation, t, what, "foundation");
    c->component = (uint8_t)field_int(L, t, what, "component", 1, 2);
    const char *tr = field_str(L, t, what, "transport");
    if (strcmp(tr, "udp") != 0)
        luaL_error(L, "%s: transport must be 'udp', got '%s'", what, tr);
    c->priority = (uint32_t)field_int(L, t, what, "priority", 1, 0x7fffffff);
    const char *addr = field_str(L, t, what, "connectionAddress");
    if (sim_ip_parse(addr, &c->addr.ip) < 0)
        luaL_error(L, "%s: connectionAddress '%s' is not an IPv4 address", what, addr);
    c->addr.port = (uint16_t)field_int(L, t, what, "connectionPort", 1, 65535);
    c->base = c->addr;
    const char *type = field_str(L, t, what, "type");
    if (rtcsim_cand_type_parse(type, &c->type) < 0)
        luaL_error(L, "%s: type must be host, srflx, prflx or relay, got '%s'", what, type);
}

/* ---- events ------------------------------------------------------------------------ */

static const char *const event_names[] = {
    [RTCSIM_ICE_CANDIDATE] = "candidate",
    [RTCSIM_ICE_END_OF_CANDIDATES] = "endofcandidates",
    [RTCSIM_ICE_ACTIVE_CANDIDATE] = "activecandidate",
    [RTCSIM_ICE_CONNECTED] = "connected",
    [RTCSIM_ICE_DISCONNECTED] = "disconnected",
    [RTCSIM_ICE_TURN_ERROR] = "turn-error",
    [RTCSIM_ICE_DTLS_CONNECTED] = "dtlsconnected",
    [RTCSIM_ICE_DTLS_FAILED] = "dtlsfailed",
};

static const sim_impl_t *impl_of(const sim_lice_t *li)
{
    return sim_ice_socket_impl(li->sock);
}

static const char *conn_id(const sim_lice_t *li, const rtcsim_connection_t *c)
{
    const char *id = SIM_CALL(impl_of(li), connection_id, c);
    return id ? id : "";
}

static void log_event(sim_lice_t *li, rtcsim_connection_t *c, const rtcsim_ice_event_t *ev)
{
    sim_lua_ice_log(li->s, li->host, conn_id(li, c), ev);
}

void sim_lua_ice_log(sim_scn_t *s, const char *host, const char *cid, const rtcsim_ice_event_t *ev)
{
    char l[64], r[64], a[16], b[16];
    sim_evarg_t args[4];
    size_t n = 0;
    args[n++] = SIM_EVS("connection", cid);
    char srv[32];
    if (ev->type == RTCSIM_ICE_TURN_ERROR) {
        snprintf(srv, sizeof srv, "%s:%u", sim_ip_str(ev->local.addr.ip, a), ev->local.addr.port);
        args[n++] = SIM_EVS("server", srv);
        args[n++] = SIM_EVI("error", ev->code);
    }
    if (ev->type == RTCSIM_ICE_CANDIDATE || ev->type == RTCSIM_ICE_ACTIVE_CANDIDATE) {
        snprintf(l, sizeof l, "%s %s:%u", rtcsim_cand_type_name(ev->local.type),
                 sim_ip_str(ev->local.addr.ip, a), ev->local.addr.port);
        args[n++] = SIM_EVS("local", l);
    }
    if (ev->type == RTCSIM_ICE_ACTIVE_CANDIDATE) {
        snprintf(r, sizeof r, "%s %s:%u", rtcsim_cand_type_name(ev->remote.type),
                 sim_ip_str(ev->remote.addr.ip, b), ev->remote.addr.port);
        args[n++] = SIM_EVS("remote", r);
    }
    if (ev->type == RTCSIM_ICE_DTLS_CONNECTED)
        args[n++] = SIM_EVS("profile", ev->text);
    if (ev->type == RTCSIM_ICE_DTLS_FAILED)
        args[n++] = SIM_EVS("reason", ev->text);
    sim_scn_host_event(s, host, event_names[ev->type], args, n);
}

static void on_event(void *arg, rtcsim_connection_t *c, const rtcsim_ice_event_t *ev)
{
    sim_lice_t *li = arg;
    lua_State *L = li->s->L;
    log_event(li, c, ev);
    if (ev->type == RTCSIM_ICE_TURN_ERROR)
        return;     /* logged only: the spec has no event for it */
    lconn_t *lc = sim_ice_connection_user(impl_of(li), c);
    if (!lc)
        return;
    if (ev->type == RTCSIM_ICE_CANDIDATE)
        sim_sidecar_candidate(lc->side, &ev->local);
    lua_rawgeti(L, LUA_REGISTRYINDEX, lc->ref);
    lua_getiuservalue(L, -1, 1);
    lua_remove(L, -2);
    char handler[32];
    snprintf(handler, sizeof handler, "on%s", event_names[ev->type]);
    if (lua_getfield(L, -1, handler) != LUA_TFUNCTION) {
        lua_pop(L, 2);
        return;
    }
    lua_remove(L, -2);
    int nargs = 0;
    if (ev->type == RTCSIM_ICE_CANDIDATE || ev->type == RTCSIM_ICE_ACTIVE_CANDIDATE) {
        sim_lua_push_candidate(L, conn_id(li, c), &ev->local);
        nargs++;
    }
    if (ev->type == RTCSIM_ICE_ACTIVE_CANDIDATE) {
        sim_lua_push_candidate(L, conn_id(li, c), &ev->remote);
        nargs++;
    }
    if (ev->type == RTCSIM_ICE_DTLS_CONNECTED || ev->type == RTCSIM_ICE_DTLS_FAILED) {
        /* not spec events: a table { profile = } or { reason = } */
        lua_createtable(L, 0, 1);
        sim_lua_set_str(L, ev->type == RTCSIM_ICE_DTLS_CONNECTED ? "profile" : "reason", ev->text);
        nargs++;
    }
    sim_scn_call(li->s, nargs);
}

/* ---- RTCSocket ---------------------------------------------------------------------- */

static sim_lice_t *new_record(lua_State *L, sim_scn_t *s, const char *what)
{
    sim_lice_t *li = calloc(1, sizeof *li);
    if (!li)
        luaL_error(L, "%s: out of memory (record)", what);
    li->s = s;
    li->next = s->ice;
    s->ice = li;
    return li;
}

/* A URL's host: an IPv4 literal, or the name of a simulated host. */
static uint32_t resolve(lua_State *L, sim_scn_t *s, const char *url, const char *host)
{
    uint32_t ip;
    if (sim_ip_parse(host, &ip) == 0)
        return ip;
    sim_host_t *h = sim_host_find(s->net, host);
    sim_iface_t *i = h ? sim_host_iface_at(h, 0) : NULL;
    if (!i)
        luaL_error(L, "RTCSocket: ICE server URL '%s': no simulated host named '%s'", url, host);
    return sim_iface_ip(i);
}

/* host:RTCSocket([iceServers]) */
static int l_socket(lua_State *L)
{
    sim_lua_check_phase(L, "host:RTCSocket");
    sim_scn_t *s = sim_scn_get(L);
    sim_host_t *h = sim_lobj_ptr(L, 1, MT_HOST);
    rtcsim_addr_t stun[16];
    size_t nstun = 0;
    rtcsim_turn_server_t turn[8];
    size_t nturn = 0;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        for (lua_Integer i = 1; lua_rawgeti(L, 2, i) != LUA_TNIL; i++) {
            int e = lua_gettop(L);
            if (lua_type(L, e) != LUA_TTABLE)
                return luaL_error(L, "RTCSocket: iceServers[%I] must be a table { url = ..., credential = ... }", i);
            static const char *const keys[] = { "url", "credential", NULL };
            sim_lua_check_keys(L, e, "RTCIceServer", keys);
            const char *cred = NULL;
            char what[96];
            if (lua_getfield(L, e, "credential") != LUA_TNIL) {
                snprintf(what, sizeof what, "RTCSocket: iceServers[%d].credential", (int)i);
                cred = sim_lua_checkstring(L, -1, what);
            }
            lua_pop(L, 1);
            /* url: a string or a sequence of them (the IDL's sequence<DOMString>) */
            lua_getfield(L, e, "url");
            if (lua_type(L, -1) == LUA_TSTRING) {
                lua_createtable(L, 1, 0);
                lua_insert(L, -2);
                lua_rawseti(L, -2, 1);
            } else if (lua_type(L, -1) != LUA_TTABLE) {
                return luaL_error(L, "RTCSocket: iceServers[%I].url must be a URL or a list of them", i);
            }
            int urls = lua_gettop(L);
            if (lua_rawlen(L, urls) == 0)
                return luaL_error(L, "RTCSocket: iceServers[%I].url is an empty list: give a URL", i);
            for (lua_Integer j = 1; lua_rawgeti(L, urls, j) != LUA_TNIL; j++) {
                snprintf(what, sizeof what, "RTCSocket: iceServers[%d].url[%d]", (int)i, (int)j);
                const char *url = sim_lua_checkstring(L, -1, what);
                sim_ice_uri_t u;
                char err[512];
                if (sim_ice_uri_parse(url, &u, err, sizeof err) < 0)
                    return luaL_error(L, "RTCSocket: %s", err);
                if (u.scheme == SIM_URI_STUNS)
                    return luaL_error(L, "RTCSocket: '%s': STUN over TLS is not simulated", url);
                if ((u.scheme == SIM_URI_TURN || u.scheme == SIM_URI_TURNS) && !cred)
                    return luaL_error(L, "RTCSocket: '%s': a turn: URL needs a credential", url);
                uint32_t ip = resolve(L, s, url, u.host);
                if (u.scheme == SIM_URI_STUN) {
                    if (nstun == sizeof stun / sizeof stun[0])
                        return luaL_error(L, "RTCSocket: more than 16 STUN servers");
                    stun[nstun++] = (rtcsim_addr_t){ ip, u.port };
                }
                if (u.scheme == SIM_URI_TURN) {
                    if (u.transport != SIM_URI_UDP)
                        return luaL_error(L, "RTCSocket: '%s': only TURN over UDP is simulated", url);
                    if (!u.user[0])
                        return luaL_error(L, "RTCSocket: '%s': a turn: URL needs a user (turn:user@host)", url);
                    if (nturn == sizeof turn / sizeof turn[0])
                        return luaL_error(L, "RTCSocket: more than 8 TURN servers");
                    if (strlen(u.user) >= sizeof turn[0].user || strlen(cred) >= sizeof turn[0].password)
                        return luaL_error(L, "RTCSocket: '%s': user or credential longer than 127 characters", url);
                    rtcsim_turn_server_t *t = &turn[nturn++];
                    memset(t, 0, sizeof *t);
                    t->addr = (rtcsim_addr_t){ ip, u.port };
                    memcpy(t->user, u.user, strlen(u.user) + 1);
                    memcpy(t->password, cred, strlen(cred) + 1);
                }
                if (u.scheme == SIM_URI_TURNS)
                    return luaL_error(L, "RTCSocket: '%s': TURN over TLS is not simulated", url);
                lua_pop(L, 1);
            }
            lua_settop(L, e - 1);
        }
        lua_pop(L, 1);
    }
    /* options (not in the spec): { srtpProfiles = "A:B" }, the DTLS
     * use_srtp offer of its connections */
    const char *profiles = NULL;
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        static const char *const okeys[] = { "srtpProfiles", NULL };
        sim_lua_check_keys(L, 3, "RTCSocket options", okeys);
        if (lua_getfield(L, 3, "srtpProfiles") != LUA_TNIL)
            profiles = sim_lua_checkstring(L, -1, "RTCSocket options: srtpProfiles");
        lua_pop(L, 1);
    }
    if (sim_lua_live_is(s, h))      /* a live host: its program's RTCSocket (lua_live.c) */
        return sim_lua_live_socket(L, h, stun, nstun, turn, nturn);
    const sim_impl_t *impl = sim_lua_host_impl(L, h, "host:RTCSocket");
    if (profiles && !impl->t->socket_set_srtp_profiles)
        return luaL_error(L, "RTCSocket: implementation %s does not take srtpProfiles "
                             "(socket_set_srtp_profiles)", impl->label);
    sim_lice_t *li = new_record(L, s, "RTCSocket");
    li->host = sim_host_name(h);
    char err[256] = "";
    li->sock = sim_ice_socket_new(h, impl, stun, nstun, turn, nturn, on_event, li, err, sizeof err);
    if (!li->sock) {
        sim_scn_check(s, L);    /* out of memory at the bound: the memory error */
        return luaL_error(L, "RTCSocket: %s", err);
    }
    if (profiles && SIM_CALL(impl, socket_set_srtp_profiles, sim_ice_socket_handle(li->sock), profiles,
                             err, sizeof err) < 0)
        return luaL_error(L, "RTCSocket: %s", err);
    sim_lobj_push_ptr(L, MT_SOCKET, li);
    return 1;
}

/* ---- RTCConnection ------------------------------------------------------------------- */

static lconn_t *check_conn(lua_State *L)
{
    return sim_lobj_ptr(L, 1, MT_CONN);
}

rtcsim_connection_t *sim_lua_check_connection(lua_State *L, int idx, const sim_impl_t **impl)
{
    lconn_t *lc = sim_lobj_ptr(L, idx, MT_CONN);
    *impl = impl_of(lc->li);
    return lc->c;
}

void sim_lua_push_connection(lua_State *L, const sim_impl_t *impl, rtcsim_connection_t *c)
{
    lconn_t *lc = sim_ice_connection_user(impl, c);
    if (lc)
        lua_rawgeti(L, LUA_REGISTRYINDEX, lc->ref);
    else
        lua_pushnil(L);
}

void sim_lua_connection_poke(const sim_impl_t *impl, rtcsim_connection_t *c)
{
    lconn_t *lc = sim_ice_connection_user(impl, c);
    if (lc)
        sim_ice_socket_poke(lc->li->sock);
}

/* RTCConnection(socket [, remoteDescription]) */
static int l_connection(lua_State *L)
{
    sim_lua_check_phase(L, "RTCConnection");
    if (sim_lua_live_is_socket(L, 1))
        return sim_lua_live_connection(L);
    sim_lice_t *li = sim_lobj_ptr(L, 1, MT_SOCKET);
    rtcsim_conn_desc_t remote, *rp = NULL;
    if (!lua_isnoneornil(L, 2)) {
        sim_lua_to_description(L, 2, &remote);
        rp = &remote;
    }
    lconn_t *lc = calloc(1, sizeof *lc);
    if (!lc)
        return luaL_error(L, "RTCConnection: out of memory (connection record)");
    char err[256] = "";
    lc->c = sim_ice_connection_new(li->sock, rp, lc, err, sizeof err);
    if (!lc->c) {
        free(lc);
        sim_scn_check(sim_scn_get(L), L);   /* out of memory at the bound: the memory error */
        return luaL_error(L, "RTCConnection: %s", err);
    }
    lc->li = li;
    lc->side = sim_sidecar_connection(sim_scn_get(L)->sidecar, li->host, conn_id(li, lc->c), !rp);
    lc->next = li->conns;
    li->conns = lc;
    sim_lobj_push_ptr(L, MT_CONN, lc);
    lua_pushvalue(L, -1);
    lc->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 1;
}

static int done(lua_State *L, lconn_t *lc, int rc, const char *method, const char *err)
{
    if (rc == RTCSIM_ERR_NOMEM)
        sim_scn_check(sim_scn_get(L), L);   /* at the bound: the memory error */
    if (rc < 0)
        return sim_lua_impl_error(L, impl_of(lc->li), method, rc, err);
    sim_ice_socket_poke(lc->li->sock);
    return 0;
}

static int m_get_local_description(lua_State *L)
{
    lconn_t *lc = check_conn(L);
    rtcsim_conn_desc_t d;
    memset(&d, 0, sizeof d);
    int rc = SIM_CALL(impl_of(lc->li), connection_local_description, lc->c, &d);
    if (rc == RTCSIM_ERR_NOMEM)
        return luaL_error(L, "getLocalDescription: out of memory (the DTLS certificate)");
    if (rc < 0)
        return sim_lua_impl_error(L, impl_of(lc->li), "getLocalDescription", rc, "");
    sim_sidecar_description(lc->side, &d);
    sim_lua_push_description(L, &d);
    return 1;
}

static int m_set_remote_description(lua_State *L)
{
    sim_lua_check_phase(L, "setRemoteDescription");
    lconn_t *lc = check_conn(L);
    rtcsim_conn_desc_t d, own;
    sim_lua_to_description(L, 2, &d);
    /* the usefrag names a side (RFC 8445 s.5.3): this side's own would
     * have it check with itself */
    memset(&own, 0, sizeof own);
    (void)SIM_CALL(impl_of(lc->li), connection_local_description, lc->c, &own);  /* its ufrag */
    if (strcmp(d.ufrag, own.ufrag) == 0)
        return luaL_error(L, "setRemoteDescription: RTCConnection '%s' was given its own local "
                             "description (usefrag '%s'); give the other side's", own.id, own.ufrag);
    char err[256] = "";
    return done(L, lc, SIM_CALL(impl_of(lc->li), connection_set_remote_description, lc->c, &d, err, sizeof err),
                "setRemoteDescription", err);
}

static int m_set_local_candidate(lua_State *L)
{
    sim_lua_check_phase(L, "setLocalCandidate");
    lconn_t *lc = check_conn(L);
    rtcsim_candidate_t c;
    sim_lua_to_candidate(L, 2, conn_id(lc->li, lc->c), &c);
    char err[256] = "";
    return done(L, lc, SIM_CALL(impl_of(lc->li), connection_set_local_candidate, lc->c, &c, err, sizeof err),
                "setLocalCandidate", err);
}

static int m_set_remote_candidate(lua_State *L)
{
    sim_lua_check_phase(L, "setRemoteCandidate");
    lconn_t *lc = check_conn(L);
    rtcsim_candidate_t c;
    sim_lua_to_candidate(L, 2, conn_id(lc->li, lc->c), &c);
    char err[256] = "";
    return done(L, lc, SIM_CALL(impl_of(lc->li), connection_set_remote_candidate, lc->c, &c, err, sizeof err),
                "setRemoteCandidate", err);
}

static int m_connect(lua_State *L)
{
    sim_lua_check_phase(L, "connect");
    lconn_t *lc = check_conn(L);
    char err[256] = "";
    return done(L, lc, SIM_CALL(impl_of(lc->li), connection_connect, lc->c, err, sizeof err), "connect", err);
}

/* update(): "usually called upon network interfaces change": the socket
 * follows the host's interfaces first, then the connection restarts. */
static int m_update(lua_State *L)
{
    sim_lua_check_phase(L, "update");
    lconn_t *lc = check_conn(L);
    char err[256] = "";
    if (sim_ice_socket_refresh(lc->li->sock, err, sizeof err) < 0) {
        sim_scn_check(sim_scn_get(L), L);   /* out of memory at the bound: the memory error */
        return luaL_error(L, "update: %s", err);
    }
    return done(L, lc, SIM_CALL(impl_of(lc->li), connection_update, lc->c, err, sizeof err), "update", err);
}

static int conn_get(lua_State *L, void *obj, const char *key)
{
    lconn_t *lc = obj;
    if (strcmp(key, "id") == 0) {
        lua_pushstring(L, conn_id(lc->li, lc->c));
        return 1;
    }
    return 0;
}

static int conn_index(lua_State *L) { return sim_lobj_index(L, conn_get); }
static int socket_index(lua_State *L) { return sim_lobj_index(L, NULL); }

/* ---- net.stun_server ------------------------------------------------------------------ */

/* net.stun_server{ host =, address =, port = } */
static int l_stun_server(lua_State *L)
{
    sim_lua_check_phase(L, "net.stun_server");
    sim_scn_t *s = sim_scn_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = { "host", "address", "port", NULL };
    sim_lua_check_keys(L, 1, "net.stun_server", keys);
    lua_getfield(L, 1, "host");
    if (!luaL_testudata(L, -1, MT_HOST))
        return luaL_error(L, "net.stun_server: field 'host' must be a host, got %s", sim_lobj_typename(L, -1));
    sim_host_t *h = sim_lobj_ptr(L, -1, MT_HOST);
    lua_pop(L, 1);
    uint32_t ip = 0;
    if (lua_getfield(L, 1, "address") != LUA_TNIL) {
        const char *a = sim_lua_checkstring(L, -1, "net.stun_server: field 'address'");
        if (sim_ip_parse(a, &ip) < 0)
            return luaL_error(L, "net.stun_server: '%s' is not an IPv4 address", a);
    } else {
        sim_iface_t *i = sim_host_iface_at(h, 0);
        if (!i)
            return luaL_error(L, "net.stun_server: host '%s' has no interface", sim_host_name(h));
        ip = sim_iface_ip(i);
    }
    lua_pop(L, 1);
    lua_Integer port = 3478;
    if (lua_getfield(L, 1, "port") != LUA_TNIL)
        port = sim_lua_checkint(L, -1, "net.stun_server: port", 1, 65535);
    lua_pop(L, 1);
    char err[256];
    sim_stun_server_t *srv = sim_stun_server_new(h, ip, (uint16_t)port, err, sizeof err);
    if (!srv)
        return luaL_error(L, "net.stun_server: %s", err);
    sim_lice_t *li = new_record(L, s, "net.stun_server");
    li->stun = srv;
    sim_lobj_push_ptr(L, MT_STUN, li);
    return 1;
}

static int stun_stats(lua_State *L)
{
    sim_lice_t *li = sim_lobj_ptr(L, 1, MT_STUN);
    sim_stun_server_stats_t st;
    sim_stun_server_stats(li->stun, &st);
    lua_createtable(L, 0, 3);
    sim_lua_set_int(L, "answered", (lua_Integer)st.answered);
    sim_lua_set_int(L, "refused", (lua_Integer)st.refused);
    sim_lua_set_int(L, "ignored", (lua_Integer)st.ignored);
    return 1;
}

static int stun_index(lua_State *L) { return sim_lobj_index(L, NULL); }

/* net.turn_server{ host =, address =, port =, realm =, users = { name = password }, quota = } */
static int l_turn_server(lua_State *L)
{
    sim_lua_check_phase(L, "net.turn_server");
    sim_scn_t *s = sim_scn_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = { "host", "address", "port", "realm", "users", "quota", NULL };
    sim_lua_check_keys(L, 1, "net.turn_server", keys);
    lua_getfield(L, 1, "host");
    if (!luaL_testudata(L, -1, MT_HOST))
        return luaL_error(L, "net.turn_server: field 'host' must be a host, got %s", sim_lobj_typename(L, -1));
    sim_host_t *h = sim_lobj_ptr(L, -1, MT_HOST);
    lua_pop(L, 1);
    uint32_t ip = 0;
    if (lua_getfield(L, 1, "address") != LUA_TNIL) {
        const char *a = sim_lua_checkstring(L, -1, "net.turn_server: field 'address'");
        if (sim_ip_parse(a, &ip) < 0)
            return luaL_error(L, "net.turn_server: '%s' is not an IPv4 address", a);
    } else {
        sim_iface_t *i = sim_host_iface_at(h, 0);
        if (!i)
            return luaL_error(L, "net.turn_server: host '%s' has no interface", sim_host_name(h));
        ip = sim_iface_ip(i);
    }
    lua_pop(L, 1);
    lua_Integer port = 3478, quota = 10;
    if (lua_getfield(L, 1, "port") != LUA_TNIL)
        port = sim_lua_checkint(L, -1, "net.turn_server: port", 1, 65535);
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "quota") != LUA_TNIL)
        quota = sim_lua_checkint(L, -1, "net.turn_server: quota (allocations)", 1, 1000000);
    lua_pop(L, 1);
    const char *realm = "rtcsim";
    if (lua_getfield(L, 1, "realm") != LUA_TNIL)
        realm = sim_lua_checkstring(L, -1, "net.turn_server: field 'realm'");
    char err[256];
    sim_turn_server_t *srv = sim_turn_server_new(h, ip, (uint16_t)port, realm, (unsigned)quota, err, sizeof err);
    lua_pop(L, 1);
    if (!srv)
        return luaL_error(L, "net.turn_server: %s", err);
    sim_lice_t *li = new_record(L, s, "net.turn_server");
    li->turn = srv;
    if (lua_getfield(L, 1, "users") != LUA_TNIL) {
        luaL_checktype(L, -1, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "net.turn_server: users maps names to passwords (strings)");
            sim_lua_checkstring(L, -2, "net.turn_server: a user's name");
            sim_lua_checkstring(L, -1, "net.turn_server: a user's password");
            sim_turn_server_user(srv, lua_tostring(L, -2), lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    sim_lobj_push_ptr(L, MT_TURN, li);
    return 1;
}

static int turn_stats(lua_State *L)
{
    sim_lice_t *li = sim_lobj_ptr(L, 1, MT_TURN);
    sim_turn_stats_t st;
    sim_turn_server_stats(li->turn, &st);
    lua_createtable(L, 0, 7);
    sim_lua_set_int(L, "allocations", (lua_Integer)st.allocations);
    sim_lua_set_int(L, "relayed_out", (lua_Integer)st.relayed_out);
    sim_lua_set_int(L, "relayed_in", (lua_Integer)st.relayed_in);
    sim_lua_set_int(L, "channel_out", (lua_Integer)st.channel_out);
    sim_lua_set_int(L, "channel_in", (lua_Integer)st.channel_in);
    sim_lua_set_int(L, "refused", (lua_Integer)st.refused);
    sim_lua_set_int(L, "dropped", (lua_Integer)st.dropped);
    return 1;
}

static int turn_new_nonce(lua_State *L)
{
    sim_lua_check_phase(L, "turn_server:new_nonce");
    sim_lice_t *li = sim_lobj_ptr(L, 1, MT_TURN);
    sim_turn_server_new_nonce(li->turn);
    return 0;
}

/* socket:stats() -> the socket's counters (ref/'s: ignored datagrams by
 * reason, unsent ones, "no-memory"): rtcsim_counter_t names */
static int socket_stats(lua_State *L)
{
    sim_lice_t *li = sim_lobj_ptr(L, 1, MT_SOCKET);
    const sim_impl_t *impl = impl_of(li);
    if (!impl->t->socket_counters)
        return luaL_error(L, "stats: implementation %s keeps no socket counters (socket_counters)",
                          impl->label);
    rtcsim_socket_t *h = sim_ice_socket_handle(li->sock);
    rtcsim_counter_t buf[64];
    size_t n = SIM_CALL(impl, socket_counters, h, buf, 64);
    sim_lua_push_counters(L, buf, n < 64 ? n : 64);
    return 1;
}

/* conn:transportStats() -> the connection's counters (ref/'s: what its
 * DTLS-SRTP transport ignored, "dtls-ignored" (D55) and "media-no-link").
 * scenarios/media/network-garbage.lua counts DTLS garbage by reason,
 * which reaches no other counter. */
static int m_transport_stats(lua_State *L)
{
    lconn_t *lc = check_conn(L);
    const sim_impl_t *impl = impl_of(lc->li);
    if (!impl->t->connection_counters)
        return luaL_error(L, "transportStats: implementation %s keeps no connection counters "
                             "(connection_counters)", impl->label);
    rtcsim_counter_t buf[64];
    size_t n = SIM_CALL(impl, connection_counters, lc->c, buf, 64);
    sim_lua_push_counters(L, buf, n < 64 ? n : 64);
    return 1;
}

void sim_lua_ice_free(sim_scn_t *s)
{
    while (s->ice) {
        sim_lice_t *li = s->ice;
        s->ice = li->next;
        sim_ice_socket_free(li->sock);
        sim_stun_server_free(li->stun);
        sim_turn_server_free(li->turn);
        while (li->conns) {
            lconn_t *lc = li->conns;
            li->conns = lc->next;
            free(lc);
        }
        free(li);
    }
}

void sim_lua_open_ice(lua_State *L)
{
    static const luaL_Reg conn_m[] = {
        { "getLocalDescription", m_get_local_description },
        { "setRemoteDescription", m_set_remote_description },
        { "setLocalCandidate", m_set_local_candidate },
        { "setRemoteCandidate", m_set_remote_candidate },
        { "connect", m_connect },
        { "update", m_update },
        { "transportStats", m_transport_stats },
        { NULL, NULL },
    };
    static const luaL_Reg sock_m[] = { { "stats", socket_stats }, { NULL, NULL } };
    static const luaL_Reg stun_m[] = { { "stats", stun_stats }, { NULL, NULL } };
    static const luaL_Reg turn_m[] = { { "stats", turn_stats }, { "new_nonce", turn_new_nonce }, { NULL, NULL } };
    sim_lobj_class(L, MT_CONN, conn_m, conn_index, sim_lobj_newindex_handlers, "RTCConnection");
    sim_lobj_class(L, MT_SOCKET, sock_m, socket_index, sim_lobj_newindex_readonly, "RTCSocket");
    sim_lobj_class(L, MT_STUN, stun_m, stun_index, sim_lobj_newindex_readonly, "StunServer");
    sim_lobj_class(L, MT_TURN, turn_m, stun_index, sim_lobj_newindex_readonly, "TurnServer");
    lua_register(L, "RTCConnection", l_connection);
    /* host:RTCSocket(iceServers) */
    luaL_getmetatable(L, MT_HOST);
    lua_getfield(L, -1, "methods");
    lua_pushcfunction(L, l_socket);
    lua_setfield(L, -2, "RTCSocket");
    lua_pop(L, 2);
    lua_getglobal(L, "net");
    lua_pushcfunction(L, l_stun_server);
    lua_setfield(L, -2, "stun_server");
    lua_pushcfunction(L, l_turn_server);
    lua_setfield(L, -2, "turn_server");
    lua_pop(L, 1);
}
