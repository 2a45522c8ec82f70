/*
 * lua_net.c - the `net` table: subnets, hosts, interfaces, links, UDP
 * sockets, captures and the signalling channel, as Lua userdata.
 *
 * Every object belongs to the C side (topology objects to the network, the
 * rest to the scenario's lists) and outlives the Lua state; userdata are
 * handles (lsim.h). A socket's record is freed when it is closed, and its
 * handle says so from then on. Handlers (onreceive, onmessage) are fields
 * of the userdata's user value table, which a registry reference keeps
 * alive while the C side may call them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lua/json.h"
#include "lua/lsim.h"
#include "net/firewall.h"
#include "net/nat.h"
#include "net/node.h"

#define MT_SUBNET  "rtcsim.Subnet"
#define MT_HOST    "rtcsim.Host"
#define MT_IFACE   "rtcsim.Interface"
#define MT_LINK    "rtcsim.Link"
#define MT_SOCKET  "rtcsim.Socket"
#define MT_CAPTURE "rtcsim.Capture"
#define MT_CHANEND "rtcsim.ChannelEnd"
#define MT_NAT     "rtcsim.NAT"
#define MT_FIREWALL "rtcsim.Firewall"

struct sim_lcapture {
    sim_capture_t  *cap;
    char           *name;
    char           *file;           /* path of the pcap in the run folder */
    char           *twin_file;      /* of its decrypted twin, NAME.decrypted.pcap */
    uint64_t        final_count, final_twins;
    sim_lcapture_t *next;
};

struct sim_lsock {
    sim_scn_t   *s;
    sim_udp_t   *u;
    const char  *host;              /* its host's name, for messages */
    int          ref;               /* registry ref to its userdata */
    sim_lsock_t *next;
};

typedef struct lchanend {
    sim_lchan_t *ch;
    int          end;
} lchanend_t;

typedef struct chmsg {
    sim_lchan_t  *ch;
    int           to;
    char         *json;
    struct chmsg *next;
} chmsg_t;

struct sim_lchan {
    sim_scn_t   *s;
    char         src[2][140];       /* "signal:a>b", "signal:b>a" */
    sim_time_t   delay, jitter;
    double       loss;
    sim_rng_t    rng;
    int          ref[2];            /* registry refs to the two ends */
    sim_time_t   last[2];           /* FIFO: last delivery time towards end i */
    chmsg_t     *inflight;
    lchanend_t   ends[2];           /* what the two userdata name */
    sim_lchan_t *next;
};

static const char *opt_string_field(lua_State *L, int idx, const char *key)
{
    const char *v = NULL;
    /* raw: a value an __index made up would be held by nothing once
     * popped (and could be collected while the caller uses it) */
    idx = lua_absindex(L, idx);
    lua_pushstring(L, key);
    if (lua_rawget(L, idx) != LUA_TNIL) {
        char what[64];
        snprintf(what, sizeof what, "field '%s'", key);
        v = sim_lua_checkstring(L, -1, what);
    }
    lua_pop(L, 1);      /* the string stays alive: the table holds it */
    return v;
}

static const char *req_string_field(lua_State *L, int idx, const char *what, const char *key)
{
    const char *v = opt_string_field(L, idx, key);
    if (!v)
        luaL_error(L, "%s: field '%s' is required", what, key);
    return v;
}

static uint32_t parse_ip(lua_State *L, const char *s, const char *what)
{
    uint32_t ip;
    if (sim_ip_parse(s, &ip) < 0)
        luaL_error(L, "%s: '%s' is not an IPv4 address", what, s);
    return ip;
}

/* Links are named after what they join ("a.eth0", "lan.uplink",
 * "nat.outside"), and log and draw their random stream under that name:
 * names with dots could make one twice ("a.b" + "c", "a" + "b.c"), which
 * is refused like any other shared name (docs/decisions.md D31). */
/* The link named `name`, or NULL. Links by name are kept in a registry
 * table, filled from the network's list of links as it grows (it only
 * grows), so a lookup is a table access, not a scan of every link: with
 * the scan, building N interfaces took N^2/2 string compares (40,000
 * hosts: 5.8 s). */
static sim_link_t *link_by_name(lua_State *L, const char *name)
{
    sim_net_t *net = sim_scn_get(L)->net;
    luaL_getsubtable(L, LUA_REGISTRYINDEX, "rtcsim.links");
    lua_rawgeti(L, -1, 0);                  /* how many of the list it holds */
    size_t known = (size_t)lua_tointeger(L, -1);
    lua_pop(L, 1);
    for (sim_link_t *l; (l = sim_net_link_at(net, known)); known++) {
        lua_pushstring(L, sim_link_name(l));
        if (lua_rawget(L, -2) == LUA_TNIL) {    /* the first of a name, as the scan found */
            lua_pushstring(L, sim_link_name(l));
            lua_pushlightuserdata(L, l);
            lua_rawset(L, -4);
        }
        lua_pop(L, 1);
    }
    lua_pushinteger(L, (lua_Integer)known);
    lua_rawseti(L, -2, 0);
    lua_pushstring(L, name);
    lua_rawget(L, -2);
    sim_link_t *l = lua_touserdata(L, -1);
    lua_pop(L, 2);
    return l;
}

static void link_name_check(lua_State *L, const char *what, const char *fmt, const char *a,
                            const char *b)
{
    char name[192];
    snprintf(name, sizeof name, fmt, a, b);
    if (link_by_name(L, name))
        luaL_error(L, "%s: its link would be named '%s', as one that exists", what, name);
}

/* ---- link parameters ---------------------------------------------------- */

static double prob_field(lua_State *L, int idx, const char *what, const char *key, double def)
{
    double v = sim_lua_optnum(L, idx, what, key, def);
    if (v < 0 || v > 1)
        luaL_error(L, "%s.%s must be a probability in [0, 1], got %f", what, key, v);
    return v;
}

/* Update p with the fields present in the table at idx. */
static void parse_link(lua_State *L, int idx, const char *what, sim_link_params_t *p)
{
    static const char *const keys[] = { "latency", "jitter", "loss", "burst", "duplicate",
                                        "rate", "queue", "mtu", NULL };
    idx = lua_absindex(L, idx);
    luaL_checktype(L, idx, LUA_TTABLE);
    sim_lua_check_keys(L, idx, what, keys);
    char sub[96];
    if (lua_getfield(L, idx, "latency") != LUA_TNIL) {
        snprintf(sub, sizeof sub, "%s.latency", what);
        p->latency = sim_lua_time(L, -1, sub);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "jitter") != LUA_TNIL) {
        snprintf(sub, sizeof sub, "%s.jitter", what);
        p->jitter = sim_lua_time(L, -1, sub);
    }
    lua_pop(L, 1);
    p->loss = prob_field(L, idx, what, "loss", p->loss);
    p->duplicate = prob_field(L, idx, what, "duplicate", p->duplicate);
    if (lua_getfield(L, idx, "burst") != LUA_TNIL) {
        /* Gilbert-Elliott two-state loss (RFC 3611 s.4.7.2 burst metrics
         * describe what it produces). */
        static const char *const bkeys[] = { "p", "r", "loss_good", "loss_bad", NULL };
        snprintf(sub, sizeof sub, "%s.burst", what);
        if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
            p->ge_p = 0;
        } else {
            luaL_checktype(L, -1, LUA_TTABLE);
            sim_lua_check_keys(L, -1, sub, bkeys);
            p->ge_p = prob_field(L, lua_gettop(L), sub, "p", 0);
            p->ge_r = prob_field(L, lua_gettop(L), sub, "r", 0);
            p->ge_loss_good = prob_field(L, lua_gettop(L), sub, "loss_good", 0);
            p->ge_loss_bad = prob_field(L, lua_gettop(L), sub, "loss_bad", 1);
            if (p->ge_p <= 0 || p->ge_r <= 0)
                luaL_error(L, "%s: p and r must both be greater than 0", sub);
        }
    }
    lua_pop(L, 1);
    double rate = sim_lua_optnum(L, idx, what, "rate", (double)p->rate_bps);
    if (rate < 0 || rate > 1e12)
        luaL_error(L, "%s.rate must be in bits per second, 0 to 1e12, got %f", what, rate);
    p->rate_bps = (uint64_t)rate;
    double q = sim_lua_optnum(L, idx, what, "queue", p->queue_packets);
    if (q < 1 || q > 1e6 || q != (double)(uint32_t)q)
        luaL_error(L, "%s.queue must be a whole number of packets, 1 to 1000000", what);
    p->queue_packets = (uint32_t)q;
    double mtu = sim_lua_optnum(L, idx, what, "mtu", p->mtu);
    if (mtu < 28 || mtu > 65535 || mtu != (double)(uint32_t)mtu)
        luaL_error(L, "%s.mtu must be a whole number of bytes, 28 to 65535", what);
    p->mtu = (uint32_t)mtu;
}

static void push_params(lua_State *L, const sim_link_params_t *p)
{
    lua_createtable(L, 0, 8);
    lua_pushnumber(L, p->latency / 1e9);
    lua_setfield(L, -2, "latency");
    lua_pushnumber(L, p->jitter / 1e9);
    lua_setfield(L, -2, "jitter");
    lua_pushnumber(L, p->loss);
    lua_setfield(L, -2, "loss");
    lua_pushnumber(L, p->duplicate);
    lua_setfield(L, -2, "duplicate");
    lua_pushinteger(L, (lua_Integer)p->rate_bps);
    lua_setfield(L, -2, "rate");
    lua_pushinteger(L, p->queue_packets);
    lua_setfield(L, -2, "queue");
    lua_pushinteger(L, p->mtu);
    lua_setfield(L, -2, "mtu");
    if (p->ge_p > 0) {
        lua_createtable(L, 0, 4);
        lua_pushnumber(L, p->ge_p);
        lua_setfield(L, -2, "p");
        lua_pushnumber(L, p->ge_r);
        lua_setfield(L, -2, "r");
        lua_pushnumber(L, p->ge_loss_good);
        lua_setfield(L, -2, "loss_good");
        lua_pushnumber(L, p->ge_loss_bad);
        lua_setfield(L, -2, "loss_bad");
        lua_setfield(L, -2, "burst");
    }
}

/* ---- Link --------------------------------------------------------------- */

static int dir_arg(lua_State *L, int idx)
{
    const char *d = sim_lua_checkstring(L, idx, "the direction");
    if (strcmp(d, "up") != 0 && strcmp(d, "down") != 0)
        luaL_error(L, "the direction must be 'up' or 'down', got '%s'", d);
    return d[0] == 'd';
}

/* link:set{...} changes both directions; link:set("up", {...}) one. */
static int link_set(lua_State *L)
{
    sim_lua_check_phase(L, "link:set");
    sim_link_t *l = sim_lobj_ptr(L, 1, MT_LINK);
    int dir = -1, t = 2;
    if (lua_type(L, 2) == LUA_TSTRING) {
        dir = dir_arg(L, 2);
        t = 3;
    }
    char what[96];
    snprintf(what, sizeof what, "link %s", sim_link_name(l));
    for (int d = 0; d < 2; d++) {
        if (dir >= 0 && d != dir)
            continue;
        sim_link_params_t p;
        sim_link_get_params(l, d, &p);
        parse_link(L, t, what, &p);
        sim_link_set_params(l, d, &p);
    }
    return 0;
}

static int link_params(lua_State *L)
{
    sim_link_t *l = sim_lobj_ptr(L, 1, MT_LINK);
    sim_link_params_t p;
    sim_link_get_params(l, dir_arg(L, 2), &p);
    push_params(L, &p);
    return 1;
}

static void setint(lua_State *L, const char *k, uint64_t v)
{
    lua_pushinteger(L, (lua_Integer)v);
    lua_setfield(L, -2, k);
}

/* link:stats("up"|"down") -> table of counters */
static int link_stats(lua_State *L)
{
    sim_link_t *l = sim_lobj_ptr(L, 1, MT_LINK);
    sim_link_stats_t st;
    sim_link_get_stats(l, dir_arg(L, 2), &st);
    lua_createtable(L, 0, 12);
    setint(L, "sent", st.sent);
    setint(L, "delivered", st.delivered);
    setint(L, "bytes", st.bytes_delivered);
    setint(L, "duplicated", st.duplicated);
    setint(L, "reordered", st.reordered);
    setint(L, "loss_runs", st.loss_runs);
    setint(L, "loss_run_max", st.loss_run_max);
    lua_pushnumber(L, st.loss_runs ? (double)st.loss_run_total / (double)st.loss_runs : 0.0);
    lua_setfield(L, -2, "loss_run_mean");
    lua_createtable(L, 0, SIM_DROP__COUNT);
    uint64_t total = 0;
    for (int i = 0; i < SIM_DROP__COUNT; i++) {
        setint(L, sim_drop_name((sim_drop_t)i), st.dropped[i]);
        total += st.dropped[i];
    }
    lua_setfield(L, -2, "dropped");
    setint(L, "dropped_total", total);
    return 1;
}

static int link_get(lua_State *L, void *obj, const char *key)
{
    sim_link_t *l = obj;
    if (strcmp(key, "name") == 0) {
        lua_pushstring(L, sim_link_name(l));
        return 1;
    }
    return 0;
}

static int link_index(lua_State *L) { return sim_lobj_index(L, link_get); }

/* ---- Subnet ------------------------------------------------------------- */

static int subnet_get(lua_State *L, void *obj, const char *key)
{
    sim_subnet_t *s = obj;
    if (strcmp(key, "name") == 0) {
        lua_pushstring(L, sim_subnet_name(s));
        return 1;
    }
    if (strcmp(key, "uplink") == 0) {
        sim_lobj_push_ptr(L, MT_LINK, sim_subnet_uplink(s));
        return 1;
    }
    return 0;
}

static int subnet_index(lua_State *L) { return sim_lobj_index(L, subnet_get); }

/* Field key of the table at idx: a subnet, or the name of one; anything
 * else is an error that begins with what (who wanted it). */
static sim_subnet_t *subnet_field(lua_State *L, int idx, const char *key, const char *what)
{
    sim_subnet_t *sn = NULL;
    lua_getfield(L, idx, key);
    if (lua_type(L, -1) == LUA_TSTRING) {
        char fwhat[200];
        snprintf(fwhat, sizeof fwhat, "%s: field '%s'", what, key);
        sn = sim_subnet_find(sim_scn_get(L)->net, sim_lua_checkstring(L, -1, fwhat));
        if (!sn)
            luaL_error(L, "%s: unknown subnet '%s'", what, lua_tostring(L, -1));
    } else if (luaL_testudata(L, -1, MT_SUBNET)) {
        sn = sim_lobj_ptr(L, -1, MT_SUBNET);
    } else {
        luaL_error(L, "%s: field '%s' must be a subnet or its name", what, key);
    }
    lua_pop(L, 1);
    return sn;
}

/* net.subnet{name=, prefix="10.0.0.0/24", link={...}, uplink={...}} */
static int l_subnet(lua_State *L)
{
    sim_lua_check_phase(L, "net.subnet");
    sim_scn_t *s = sim_scn_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = { "name", "prefix", "link", "uplink", "behind", NULL };
    sim_lua_check_keys(L, 1, "net.subnet", keys);
    sim_nat_t *behind = NULL;
    if (lua_getfield(L, 1, "behind") != LUA_TNIL) {
        if (!luaL_testudata(L, -1, MT_NAT))
            return luaL_error(L, "net.subnet: field 'behind' must be a NAT, got %s", sim_lobj_typename(L, -1));
        behind = sim_lobj_ptr(L, -1, MT_NAT);
    }
    lua_pop(L, 1);
    const char *name = req_string_field(L, 1, "net.subnet", "name");
    sim_lua_name_check(L, "net.subnet", name);
    link_name_check(L, "net.subnet", "%s.%s", name, "uplink");
    const char *prefix = req_string_field(L, 1, "net.subnet", "prefix");
    char addr[32];
    unsigned len;
    const char *slash = strchr(prefix, '/');
    char *end;
    if (!slash || (size_t)(slash - prefix) >= sizeof addr)
        return luaL_error(L, "net.subnet '%s': prefix '%s' is not of the form a.b.c.d/len", name,
                          prefix);
    memcpy(addr, prefix, (size_t)(slash - prefix));
    addr[slash - prefix] = '\0';
    errno = 0;
    unsigned long l = strtoul(slash + 1, &end, 10);
    if (*end || end == slash + 1 || l > 32)
        return luaL_error(L, "net.subnet '%s': prefix '%s' has a bad length", name, prefix);
    len = (unsigned)l;
    uint32_t ip = parse_ip(L, addr, "net.subnet prefix");

    sim_link_params_t access, uplink;
    sim_link_params_default(&access);
    sim_link_params_default(&uplink);
    char what[96];
    if (lua_getfield(L, 1, "link") != LUA_TNIL) {
        snprintf(what, sizeof what, "net.subnet '%s' link", name);
        parse_link(L, -1, what, &access);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "uplink") != LUA_TNIL) {
        snprintf(what, sizeof what, "net.subnet '%s' uplink", name);
        parse_link(L, -1, what, &uplink);
    }
    lua_pop(L, 1);
    char err[256];
    sim_subnet_t *sn = behind ? sim_nat_inside(behind, name, ip, len, &access, &uplink, err, sizeof err)
                              : sim_subnet_new(s->net, name, ip, len, &access, &uplink, err, sizeof err);
    if (!sn)
        return luaL_error(L, "net.subnet: %s", err);
    sim_lua_name_claim(L, name, "subnet");
    sim_lobj_push_ptr(L, MT_SUBNET, sn);
    return 1;
}

/* ---- Host and Interface ------------------------------------------------- */

static int host_get(lua_State *L, void *obj, const char *key)
{
    if (strcmp(key, "name") == 0) {
        lua_pushstring(L, sim_host_name(obj));
        return 1;
    }
    return 0;
}

static int host_index(lua_State *L) { return sim_lobj_index(L, host_get); }

static int l_host(lua_State *L)
{
    sim_lua_check_phase(L, "net.host");
    sim_scn_t *s = sim_scn_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = { "name", "impl", "run", "control", NULL };
    sim_lua_check_keys(L, 1, "net.host", keys);
    const char *name = req_string_field(L, 1, "net.host", "name");
    sim_lua_name_check(L, "net.host", name);
    /* impl: the implementation its RTC objects are (lua_impl.c) */
    const char *impl = NULL;
    if (lua_getfield(L, 1, "impl") != LUA_TNIL)
        impl = sim_lua_checkstring(L, -1, "net.host: field 'impl'");
    lua_pop(L, 1);
    char err[256];
    sim_host_t *h = sim_host_new(s->net, name, err, sizeof err);
    if (!h)
        return luaL_error(L, "net.host: %s", err);
    sim_sidecar_host(s->sidecar, name);
    if (impl)
        sim_lua_set_host_impl(L, h, impl);
    bool control = false;
    if (lua_getfield(L, 1, "control") != LUA_TNIL) {
        if (!lua_isboolean(L, -1))
            return luaL_error(L, "net.host: field 'control' must be a boolean (the program speaks "
                                 "the control protocol, docs/live.md)");
        control = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "run") != LUA_TNIL) {
        if (impl)
            return luaL_error(L, "net.host: give 'impl' or 'run', not both (a live host's objects "
                                 "are its program's)");
        sim_lua_live_declare(L, h, lua_gettop(L), control);
    } else if (control) {
        return luaL_error(L, "net.host: 'control' needs 'run' (the program that speaks it)");
    }
    lua_pop(L, 1);
    sim_lua_name_claim(L, name, "host");
    sim_lobj_push_ptr(L, MT_HOST, h);
    return 1;
}

/* host:interface{name=, subnet=, address=, link={...}} */
static int host_interface(lua_State *L)
{
    sim_lua_check_phase(L, "host:interface");
    sim_host_t *h = sim_lobj_ptr(L, 1, MT_HOST);
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const keys[] = { "name", "subnet", "address", "link", NULL };
    sim_lua_check_keys(L, 2, "interface", keys);
    const char *name = req_string_field(L, 2, "interface", "name");
    char what[160];
    snprintf(what, sizeof what, "interface %s.%s", sim_host_name(h), name);
    sim_subnet_t *sn = subnet_field(L, 2, "subnet", what);
    link_name_check(L, what, "%s.%s", sim_host_name(h), name);
    uint32_t ip = parse_ip(L, req_string_field(L, 2, "interface", "address"), "interface address");
    sim_link_params_t lp, *lpp = NULL;
    if (lua_getfield(L, 2, "link") != LUA_TNIL) {
        /* Start from the subnet's access parameters: the override changes
         * only the fields it names. */
        sim_subnet_access(sn, &lp);
        char lwhat[192];
        snprintf(lwhat, sizeof lwhat, "%s link", what);
        parse_link(L, -1, lwhat, &lp);
        lpp = &lp;
    }
    lua_pop(L, 1);
    char err[256];
    sim_iface_t *i = sim_iface_new(h, name, sn, ip, lpp, err, sizeof err);
    if (!i)
        return luaL_error(L, "interface %s.%s: %s", sim_host_name(h), name, err);
    sim_sidecar_address(sim_scn_get(L)->sidecar, sim_host_name(h), ip);
    sim_lobj_push_ptr(L, MT_IFACE, i);
    return 1;
}

static int iface_get(lua_State *L, void *obj, const char *key)
{
    sim_iface_t *i = obj;
    char a[16];
    if (strcmp(key, "name") == 0)
        lua_pushstring(L, sim_iface_name(i));
    else if (strcmp(key, "address") == 0)
        lua_pushstring(L, sim_ip_str(sim_iface_ip(i), a));
    else if (strcmp(key, "host") == 0)
        sim_lobj_push_ptr(L, MT_HOST, sim_iface_host(i));
    else if (strcmp(key, "link") == 0)
        sim_lobj_push_ptr(L, MT_LINK, sim_iface_link(i));
    else if (strcmp(key, "is_up") == 0)
        lua_pushboolean(L, sim_iface_is_up(i));
    else
        return 0;
    return 1;
}

static int iface_index(lua_State *L) { return sim_lobj_index(L, iface_get); }

static int iface_up(lua_State *L)
{
    sim_lua_check_phase(L, "interface:up");
    sim_iface_set_up(sim_lobj_ptr(L, 1, MT_IFACE), true);
    return 0;
}

static int iface_down(lua_State *L)
{
    sim_lua_check_phase(L, "interface:down");
    sim_iface_set_up(sim_lobj_ptr(L, 1, MT_IFACE), false);
    return 0;
}

/* iface:set_address("a.b.c.d"): renumbering within the subnet */
static int iface_set_address(lua_State *L)
{
    sim_lua_check_phase(L, "interface:set_address");
    sim_iface_t *i = sim_lobj_ptr(L, 1, MT_IFACE);
    uint32_t ip = parse_ip(L, sim_lua_checkstring(L, 2, "set_address: the address"), "set_address");
    char err[256];
    if (sim_iface_set_ip(i, ip, err, sizeof err) < 0)
        return luaL_error(L, "set_address: %s", err);
    sim_sidecar_address(sim_scn_get(L)->sidecar, sim_host_name(sim_iface_host(i)), ip);
    return 0;
}

/* ---- UDP sockets -------------------------------------------------------- */

static void sock_recv(void *arg, sim_udp_t *u, const sim_pkt_t *p)
{
    sim_lsock_t *ls = arg;
    lua_State *L = ls->s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ls->ref);
    lua_getiuservalue(L, -1, 1);
    if (lua_getfield(L, -1, "onreceive") != LUA_TFUNCTION) {
        lua_pop(L, 3);
        return;
    }
    lua_remove(L, -2);
    lua_remove(L, -2);
    char a[16];
    lua_pushlstring(L, (const char *)p->data, p->len);
    lua_pushstring(L, sim_ip_str(p->src_ip, a));
    lua_pushinteger(L, p->src_port);
    sim_scn_call(ls->s, 3);
}

/* host:udp{port=, address=} */
static int host_udp(lua_State *L)
{
    sim_lua_check_phase(L, "host:udp");
    sim_scn_t *s = sim_scn_get(L);
    sim_host_t *h = sim_lobj_ptr(L, 1, MT_HOST);
    uint32_t ip = 0;
    lua_Integer port = 0;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        static const char *const keys[] = { "port", "address", NULL };
        sim_lua_check_keys(L, 2, "udp", keys);
        const char *a = opt_string_field(L, 2, "address");
        if (a)
            ip = parse_ip(L, a, "udp address");
        if (lua_getfield(L, 2, "port") != LUA_TNIL)
            port = sim_lua_checkint(L, -1, "udp: port", 0, 65535);
        lua_pop(L, 1);
    }
    sim_lsock_t *ls = calloc(1, sizeof *ls);
    if (!ls)
        return luaL_error(L, "udp: out of memory (socket record)");
    ls->s = s;
    ls->host = sim_host_name(h);
    ls->ref = LUA_NOREF;
    char err[256];
    ls->u = sim_udp_bind(h, ip, (uint16_t)port, sock_recv, ls, err, sizeof err);
    if (!ls->u) {
        free(ls);
        return luaL_error(L, "udp: %s", err);
    }
    ls->next = s->sockets;
    s->sockets = ls;
    sim_lobj_push_ptr(L, MT_SOCKET, ls);
    lua_pushvalue(L, -1);
    ls->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 1;
}

static sim_lsock_t *check_sock(lua_State *L)
{
    return sim_lobj_ptr(L, 1, MT_SOCKET);
}

/* sock:send(address, port, data) -> true, or false if dropped at the host */
static int sock_send(lua_State *L)
{
    sim_lua_check_phase(L, "socket:send");
    sim_lsock_t *ls = check_sock(L);
    uint32_t ip = parse_ip(L, sim_lua_checkstring(L, 2, "send: the address"), "send");
    lua_Integer port = sim_lua_checkint(L, 3, "send: the port", 1, 65535);
    /* bytes, NULs and all; a number is not a payload (D32: 5 is not "5") */
    if (lua_type(L, 4) != LUA_TSTRING)
        return luaL_error(L, "send: the data must be a string, got %s", luaL_typename(L, 4));
    size_t len;
    const char *data = lua_tolstring(L, 4, &len);
    if (len > SIM_UDP_MAX_PAYLOAD)
        return luaL_error(L, "send: %d bytes is more than a UDP datagram holds (%d)", (int)len,
                          (int)SIM_UDP_MAX_PAYLOAD);
    lua_pushboolean(L, sim_udp_send(ls->u, ip, (uint16_t)port, data, len) == 0);
    return 1;
}

/* sock:close(): the record goes; the userdata says "... is closed" from
 * then on, to close() again as to any other method. */
static int sock_close(lua_State *L)
{
    sim_lsock_t *ls = check_sock(L);
    sim_lua_check_phase(L, "socket:close");
    sim_scn_t *s = ls->s;
    char desc[96];
    snprintf(desc, sizeof desc, "Socket %s:%u", ls->host, sim_udp_port(ls->u));
    for (sim_lsock_t **pp = &s->sockets; *pp; pp = &(*pp)->next)
        if (*pp == ls) {
            *pp = ls->next;
            break;
        }
    sim_udp_close(ls->u);
    luaL_unref(L, LUA_REGISTRYINDEX, ls->ref);
    sim_lobj_kill(L, ls, desc);
    free(ls);
    return 0;
}

static int sock_get(lua_State *L, void *obj, const char *key)
{
    sim_lsock_t *ls = obj;
    char a[16];
    if (strcmp(key, "port") == 0)
        lua_pushinteger(L, sim_udp_port(ls->u));
    else if (strcmp(key, "address") == 0)
        lua_pushstring(L, sim_ip_str(sim_udp_ip(ls->u), a));
    else
        return 0;
    return 1;
}

static int sock_index(lua_State *L) { return sim_lobj_index(L, sock_get); }

/* ---- captures ------------------------------------------------------------ */

/* Taps go through the record: once the capture is closed (before the
 * expectations are checked) a packet still seen is not written to it. */
static void capture_tap(void *arg, sim_time_t t, const sim_pkt_t *p)
{
    sim_lcapture_t *c = arg;
    if (c->cap)
        sim_capture_tap(c->cap, t, p);
}

/* net.capture(interface_or_link [, name]) */
static int l_capture(lua_State *L)
{
    sim_lua_check_phase(L, "net.capture");
    sim_scn_t *s = sim_scn_get(L);
    sim_iface_t *i = luaL_testudata(L, 1, MT_IFACE) ? sim_lobj_ptr(L, 1, MT_IFACE) : NULL;
    sim_link_t *l = luaL_testudata(L, 1, MT_LINK) ? sim_lobj_ptr(L, 1, MT_LINK) : NULL;
    if (!i && !l)
        return luaL_argerror(L, 1, "an interface or a link");
    char defname[128];
    if (i)
        snprintf(defname, sizeof defname, "%s.%s", sim_host_name(sim_iface_host(i)),
                 sim_iface_name(i));
    else
        snprintf(defname, sizeof defname, "%s", sim_link_name(l));
    const char *name = lua_isnoneornil(L, 2) ? defname : sim_lua_checkstring(L, 2, "net.capture: the name");
    if (!*name || strchr(name, '/') || strstr(name, ".."))
        return luaL_argerror(L, 2, "a capture name may not be empty or contain '/' or '..'");
    for (sim_lcapture_t *c = s->captures; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return luaL_error(L, "net.capture: a capture named '%s' already exists", name);
    sim_lcapture_t *c = calloc(1, sizeof *c);
    char err[512];
    if (c && asprintf(&c->file, "%s/%s.pcap", s->out_dir, name) < 0)
        c->file = NULL;     /* undefined after a failure */
    if (c && c->file && asprintf(&c->twin_file, "%s/%s.decrypted.pcap", s->out_dir, name) < 0)
        c->twin_file = NULL;
    if (!c || !c->file || !c->twin_file || !(c->name = strdup(name))) {
        snprintf(err, sizeof err, "out of memory (capture '%s')", name);
    } else {
        c->cap = sim_capture_open(c->file, err, sizeof err);
    }
    if (!c || !c->cap) {
        if (c) {
            free(c->file);
            free(c->twin_file);
            free(c->name);
        }
        free(c);
        return luaL_error(L, "net.capture: %s", err);
    }
    c->next = s->captures;
    s->captures = c;
    if (i)
        sim_iface_add_tap(i, capture_tap, c);
    else
        sim_link_add_tap(l, capture_tap, c);
    sim_lobj_push_ptr(L, MT_CAPTURE, c);
    return 1;
}

static int capture_get(lua_State *L, void *obj, const char *key)
{
    sim_lcapture_t *c = obj;
    if (strcmp(key, "name") == 0)
        lua_pushstring(L, c->name);
    else if (strcmp(key, "count") == 0)
        lua_pushinteger(L, (lua_Integer)(c->cap ? sim_capture_count(c->cap) : c->final_count));
    else if (strcmp(key, "twins") == 0)
        lua_pushinteger(L, (lua_Integer)(c->cap ? sim_capture_twins(c->cap) : c->final_twins));
    else
        return 0;
    return 1;
}

static int capture_index(lua_State *L) { return sim_lobj_index(L, capture_get); }

const char *sim_lua_capture_file(lua_State *L, int idx)
{
    sim_lcapture_t *c = sim_lobj_ptr(L, idx, MT_CAPTURE);
    return c->file;
}

const char *sim_lua_capture_twin_file(lua_State *L, int idx)
{
    sim_lcapture_t *c = sim_lobj_ptr(L, idx, MT_CAPTURE);
    return c->twin_file;
}

static void push_endpoint(lua_State *L, const uint8_t *ip4, const uint8_t *port)
{
    lua_pushfstring(L, "%d.%d.%d.%d:%d", ip4[0], ip4[1], ip4[2], ip4[3], port[0] << 8 | port[1]);
}

/* cap:packet(n) -> { time = ns, src = "ip:port", dst = "ip:port", data = bytes }:
 * the n-th packet (from 1) the capture has written so far, read back from
 * its file (capture.h: sim_capture_packet). */
static int capture_packet(lua_State *L)
{
    sim_lcapture_t *c = sim_lobj_ptr(L, 1, MT_CAPTURE);
    lua_Integer n = sim_lua_checkint(L, 2, "cap:packet: the packet number", 1, LUA_MAXINTEGER);
    if (!c->cap)
        return luaL_error(L, "cap:packet: capture '%s' is closed (the run is over): read its "
                             "packets while it runs", c->name);
    uint64_t count = sim_capture_count(c->cap);
    if ((uint64_t)n > count)
        return luaL_error(L, "cap:packet: capture '%s' has written %d packets so far, there is no "
                             "packet %d", c->name, (int)count, (int)n);
    /* records stepped over in the file, and the copy into Lua */
    uint64_t steps = sim_capture_packet_cost(c->cap, (uint64_t)n - 1);
    sim_scn_charge(L, (double)steps + 65535.0 / SIM_WORK_PER_INSTR,
                   "cap:packet(%d) would read %llu records", (int)n, (unsigned long long)steps);
    sim_capture_rec_t r;
    char err[512];
    if (sim_capture_packet(c->cap, (uint64_t)n - 1, &r, err, sizeof err) < 0)
        return luaL_error(L, "cap:packet: %s", err);
    if (r.len < SIM_IP_HDR + SIM_UDP_HDR)   /* never written so: every record is IPv4/UDP */
        return luaL_error(L, "cap:packet: capture '%s' packet %d is not IPv4/UDP", c->name, (int)n);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)r.t);
    lua_setfield(L, -2, "time");
    push_endpoint(L, r.ip + 12, r.ip + SIM_IP_HDR);
    lua_setfield(L, -2, "src");
    push_endpoint(L, r.ip + 16, r.ip + SIM_IP_HDR + 2);
    lua_setfield(L, -2, "dst");
    lua_pushlstring(L, (const char *)r.ip + SIM_IP_HDR + SIM_UDP_HDR, r.len - SIM_IP_HDR - SIM_UDP_HDR);
    lua_setfield(L, -2, "data");
    return 1;
}

int sim_lua_captures_close(sim_scn_t *s, char **messages)
{
    int rc = 0;
    for (sim_lcapture_t *c = s->captures; c; c = c->next) {
        if (!c->cap)
            continue;
        char err[512];
        c->final_count = sim_capture_count(c->cap);
        c->final_twins = sim_capture_twins(c->cap);
        if (sim_capture_close(c->cap, err, sizeof err) < 0) {
            sim_strcatf(messages, "%s", err);
            rc = -1;
        }
        c->cap = NULL;
    }
    if (s->keylog) {
        if (fclose(s->keylog) != 0) {
            sim_strcatf(messages, "cannot write %s/dtls-keys.log: %s", s->out_dir, strerror(errno));
            rc = -1;
        }
        s->keylog = NULL;
    }
    return rc;
}

/* ---- the signalling channel ---------------------------------------------- */

static void chan_deliver(void *arg)
{
    chmsg_t *m = arg;
    sim_lchan_t *ch = m->ch;
    sim_scn_t *s = ch->s;
    lua_State *L = s->L;
    for (chmsg_t **pp = &ch->inflight; *pp; pp = &(*pp)->next)
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    sim_evarg_t a = SIM_EVJ("msg", m->json);
    sim_scn_event(s, ch->src[1 - m->to], "deliver", &a, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ch->ref[m->to]);
    lua_getiuservalue(L, -1, 1);
    lua_remove(L, -2);
    if (lua_getfield(L, -1, "onmessage") == LUA_TFUNCTION) {
        lua_remove(L, -2);
        /* json.decode(m->json), from the copy kept in the registry so a
         * scenario cannot swap it. */
        lua_getfield(L, LUA_REGISTRYINDEX, "rtcsim.json");
        lua_getfield(L, -1, "decode");
        lua_remove(L, -2);
        lua_pushstring(L, m->json);
        if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
            lua_pop(L, 2);      /* our own encoding: cannot fail to decode */
        } else {
            sim_scn_call(s, 1);
        }
    } else {
        lua_pop(L, 2);
    }
    s->held_bytes -= strlen(m->json) + 1 + sizeof *m;
    free(m->json);
    free(m);
}

/* end:send(message): message is any JSON value (a table, a string ...). */
static int chanend_send(lua_State *L)
{
    lchanend_t *e = sim_lobj_ptr(L, 1, MT_CHANEND);
    sim_lua_check_phase(L, "send");
    luaL_checkany(L, 2);
    sim_lchan_t *ch = e->ch;
    sim_scn_t *s = ch->s;
    char err[256];
    size_t len;
    char *json = sim_json_encode(L, 2, &len, err, sizeof err);
    if (!json)
        return luaL_error(L, "send: %s", err);
    /* before anything is logged: an error leaves no half-sent message */
    chmsg_t *m = calloc(1, sizeof *m);
    if (!m) {
        free(json);
        return luaL_error(L, "send: out of memory (a message in flight)");
    }
    sim_evarg_t a = SIM_EVJ("msg", json);
    int to = 1 - e->end;
    if (ch->loss > 0 && sim_rng_double(&ch->rng) < ch->loss) {
        sim_scn_event(s, ch->src[e->end], "drop", &a, 1);
        free(json);
        free(m);
        return 0;
    }
    sim_scn_event(s, ch->src[e->end], "send", &a, 1);
    sim_time_t at = sim_now(s->k) + ch->delay +
                    (ch->jitter ? sim_rng_below(&ch->rng, ch->jitter + 1) : 0);
    /* Signalling is an ordered stream (as over a WebSocket): a message
     * never overtakes the one before it. */
    if (at < ch->last[to])
        at = ch->last[to];
    ch->last[to] = at;
    m->ch = ch;
    m->to = to;
    m->json = json;
    m->next = ch->inflight;
    ch->inflight = m;
    sim_at(s->k, at, chan_deliver, m);
    /* until delivered, the message counts in the memory bound */
    s->held_bytes += strlen(json) + 1 + sizeof *m;
    sim_scn_check(s, L);
    return 0;
}

static int chanend_index(lua_State *L) { return sim_lobj_index(L, NULL); }

/* net.channel{hostA, hostB, delay=, jitter=, loss=} -> endA, endB */
static int l_channel(lua_State *L)
{
    sim_lua_check_phase(L, "net.channel");
    sim_scn_t *s = sim_scn_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = { "[1]", "delay", "jitter", "loss", NULL };
    sim_lua_check_keys(L, 1, "net.channel", keys);
    sim_host_t *h[2];
    for (int i = 0; i < 2; i++) {
        lua_rawgeti(L, 1, i + 1);
        if (!luaL_testudata(L, -1, MT_HOST))
            return luaL_error(L, "net.channel: entries 1 and 2 must be the two hosts");
        h[i] = sim_lobj_ptr(L, -1, MT_HOST);
        lua_pop(L, 1);
    }
    if (lua_rawlen(L, 1) != 2)
        return luaL_error(L, "net.channel: give exactly two hosts");
    /* The log sources and the random stream are named after the two hosts:
     * a second channel between them would log and draw as the first
     * (docs/decisions.md D31). */
    for (sim_lchan_t *o = s->channels; o; o = o->next)
        for (int e = 0; e < 2; e++) {
            char src[140];
            snprintf(src, sizeof src, "signal:%s>%s", sim_host_name(h[0]), sim_host_name(h[1]));
            if (strcmp(o->src[e], src) == 0)
                return luaL_error(L, "net.channel: hosts '%s' and '%s' already have a channel",
                                  sim_host_name(h[0]), sim_host_name(h[1]));
        }
    sim_lchan_t *ch = calloc(1, sizeof *ch);
    if (!ch)
        return luaL_error(L, "net.channel: out of memory (channel record)");
    ch->s = s;
    ch->next = s->channels;
    s->channels = ch;
    snprintf(ch->src[0], sizeof ch->src[0], "signal:%s>%s", sim_host_name(h[0]), sim_host_name(h[1]));
    snprintf(ch->src[1], sizeof ch->src[1], "signal:%s>%s", sim_host_name(h[1]), sim_host_name(h[0]));
    sim_rng_init(&ch->rng, s->seed, ch->src[0]);
    if (lua_getfield(L, 1, "delay") != LUA_TNIL)
        ch->delay = sim_lua_time(L, -1, "net.channel delay");
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "jitter") != LUA_TNIL)
        ch->jitter = sim_lua_time(L, -1, "net.channel jitter");
    lua_pop(L, 1);
    ch->loss = prob_field(L, 1, "net.channel", "loss", 0);
    for (int i = 0; i < 2; i++) {
        ch->ends[i] = (lchanend_t){ .ch = ch, .end = i };
        sim_lobj_push_ptr(L, MT_CHANEND, &ch->ends[i]);
        lua_pushvalue(L, -1);
        ch->ref[i] = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    return 2;
}

void sim_lua_net_free(sim_scn_t *s)
{
    while (s->sockets) {
        sim_lsock_t *ls = s->sockets;
        s->sockets = ls->next;
        sim_udp_close(ls->u);
        free(ls);
    }
    while (s->channels) {
        sim_lchan_t *ch = s->channels;
        s->channels = ch->next;
        while (ch->inflight) {
            chmsg_t *m = ch->inflight;
            ch->inflight = m->next;
            free(m->json);
            free(m);
        }
        free(ch);
    }
    while (s->captures) {
        sim_lcapture_t *c = s->captures;
        s->captures = c->next;
        if (c->cap)
            sim_capture_close(c->cap, NULL, 0);
        free(c->name);
        free(c->file);
        free(c->twin_file);
        free(c);
    }
    if (s->keylog)
        fclose(s->keylog);
    s->keylog = NULL;
}

/* ---- the DTLS key log and injection ---------------------------------------- */

/* The network's key log sink (sim_net_set_keylog): dtls-keys.log beside
 * the captures, made at the first line, so that Wireshark and tshark
 * decode the handshakes and keys of the run's DTLS with that file alone
 * (-o tls.keylog_file:...). A line that cannot be written is reported
 * when the file is closed (ferror). */
static void keylog_line(void *arg, const char *line)
{
    sim_scn_t *s = arg;
    if (!s->keylog && s->phase <= SIM_PHASE_RUN) {
        char *path = NULL;
        if (asprintf(&path, "%s/dtls-keys.log", s->out_dir) >= 0) {
            s->keylog = fopen(path, "w");
            free(path);
        }
        if (!s->keylog && !s->failed) {
            /* an error of the run, as the scenario runner records one */
            sim_strcatf(&s->error, "cannot write %s/dtls-keys.log: %s", s->out_dir, strerror(errno));
            if (s->error)
                s->error[strlen(s->error) - 1] = '\0';
            s->failed = true;
            sim_stop(s->k);
            return;
        }
    }
    if (s->keylog)
        fprintf(s->keylog, "%s\n", line);
}

/* "a.b.c.d:port" of field key of the table at idx. */
static void endpoint_field(lua_State *L, int idx, const char *key, uint32_t *ip, uint16_t *port)
{
    char what[64];
    snprintf(what, sizeof what, "net.inject: field '%s'", key);
    const char *v = req_string_field(L, idx, "net.inject", key);
    const char *colon = strrchr(v, ':');
    char a[16];
    char *end;
    if (!colon || (size_t)(colon - v) >= sizeof a)
        luaL_error(L, "%s must be \"a.b.c.d:port\", got '%s'", what, v);
    memcpy(a, v, (size_t)(colon - v));
    a[colon - v] = '\0';
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (sim_ip_parse(a, ip) < 0 || end == colon + 1 || *end || colon[1] < '0' || colon[1] > '9' ||
        p > 65535)
        luaL_error(L, "%s must be \"a.b.c.d:port\" (port 0-65535), got '%s'", what, v);
    *port = (uint16_t)p;
}

/* The bytes of field key, left on the stack: the table does not hold
 * them for sure, since a later field read may run the table's __index,
 * which may drop them and make garbage enough for the collector to free
 * them before they are copied. */
static const char *bytes_field(lua_State *L, int idx, const char *key, size_t *len, bool required)
{
    int t = lua_getfield(L, idx, key);
    if (t == LUA_TNIL && !required)
        return NULL;
    /* bytes, NULs and all; a number is not a payload (D32) */
    if (t != LUA_TSTRING)
        luaL_error(L, "net.inject: field '%s' must be a string of bytes, got %s", key,
                   luaL_typename(L, -1));
    const char *d = lua_tolstring(L, -1, len);
    if (*len > SIM_UDP_MAX_PAYLOAD)
        luaL_error(L, "net.inject: field '%s' has %d bytes, more than a UDP datagram holds (%d)", key,
                   (int)*len, (int)SIM_UDP_MAX_PAYLOAD);
    return d;
}

/* net.inject(interface_or_link, { src = "ip:port", dst = "ip:port", data = bytes
 *            [, twin = bytes] [, dir = "up" | "down"] }): one datagram put into
 * the network as if it arrived there (docs/scenarios.md). An interface: it
 * reaches the host on that interface now (after the current step), as a
 * datagram from its access link does; a link: it enters the link in
 * direction dir (default "down", towards the host or subnet end), and
 * meets the link's delay, loss and MTU. Returns nothing: what becomes of
 * it is the network's (drops are counted and logged). */
static int l_inject(lua_State *L)
{
    sim_lua_check_phase(L, "net.inject");
    sim_scn_t *s = sim_scn_get(L);
    sim_iface_t *i = luaL_testudata(L, 1, MT_IFACE) ? sim_lobj_ptr(L, 1, MT_IFACE) : NULL;
    sim_link_t *l = luaL_testudata(L, 1, MT_LINK) ? sim_lobj_ptr(L, 1, MT_LINK) : NULL;
    if (!i && !l)
        return luaL_error(L, "net.inject: argument 1 must be an interface or a link, got %s",
                          sim_lobj_typename(L, 1));
    if (lua_type(L, 2) != LUA_TTABLE)
        return luaL_error(L, "net.inject: argument 2 must be a table { src =, dst =, data = }, got %s",
                          luaL_typename(L, 2));
    static const char *const keys[] = { "src", "dst", "data", "twin", "dir", NULL };
    sim_lua_check_keys(L, 2, "net.inject", keys);
    uint32_t sip, dip;
    uint16_t sport, dport;
    endpoint_field(L, 2, "src", &sip, &sport);
    endpoint_field(L, 2, "dst", &dip, &dport);
    size_t len, tlen = 0;
    const char *data = bytes_field(L, 2, "data", &len, true);
    const char *twin = bytes_field(L, 2, "twin", &tlen, false);
    int dir = 1;
    lua_getfield(L, 2, "dir");      /* on the stack, as data and twin */
    const char *d = lua_isnil(L, -1) ? NULL : sim_lua_checkstring(L, -1, "net.inject: field 'dir'");
    if (d && i)
        return luaL_error(L, "net.inject: field 'dir' is for a link (an interface's datagram "
                             "arrives at its host)");
    if (d && strcmp(d, "up") != 0 && strcmp(d, "down") != 0)
        return luaL_error(L, "net.inject: field 'dir' must be 'up' or 'down', got '%s'", d);
    if (d)
        dir = d[0] == 'd';
    /* the copy into the network's buffers */
    sim_scn_charge(L, (double)(len + tlen) / SIM_WORK_PER_INSTR, "net.inject would copy %zu bytes",
                   len + tlen);
    /* a datagram the network has no memory for is refused by its bound,
     * which trips the scenario's memory bound (net_room) */
    sim_pkt_t *p = sim_pkt_alloc(s->net, len);
    if (p && twin && sim_pkt_set_twin(s->net, p, twin, tlen) < 0) {
        sim_pkt_free(s->net, p);
        p = NULL;
    }
    if (!p) {
        sim_scn_check(s, L);
        return luaL_error(L, "net.inject: out of memory (the datagram)");
    }
    p->src_ip = sip;
    p->src_port = sport;
    p->dst_ip = dip;
    p->dst_port = dport;
    p->ttl = 64;
    p->ip_id = 0;       /* no host numbered it */
    memcpy(p->data, data, len);
    if (i)
        sim_iface_inject(i, p);
    else
        sim_link_send(l, dir, p);
    return 0;
}

/* ---- NATs ------------------------------------------------------------------- */

static sim_nat_dep_t dep_field(lua_State *L, const char *key, sim_nat_dep_t def)
{
    static const char *const names[] = { "endpoint-independent", "address-dependent",
                                         "address-and-port-dependent", NULL };
    if (lua_getfield(L, 1, key) == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    char what[64];
    snprintf(what, sizeof what, "net.nat: %s", key);
    const char *v = sim_lua_checkstring(L, -1, what);
    for (int i = 0; names[i]; i++)
        if (strcmp(v, names[i]) == 0) {
            lua_pop(L, 1);
            return (sim_nat_dep_t)i;
        }
    luaL_error(L, "net.nat: %s must be endpoint-independent, address-dependent or "
                  "address-and-port-dependent, got '%s'", key, v);
    return def;
}

/* net.nat{ name=, outside=, address= | addresses={...}, type=, mapping=,
 *          filtering=, ports=, hairpin=, lifetime= } */
static int l_nat(lua_State *L)
{
    sim_lua_check_phase(L, "net.nat");
    sim_scn_t *s = sim_scn_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = { "name", "outside", "address", "addresses", "type", "mapping",
                                        "filtering", "ports", "hairpin", "lifetime", NULL };
    sim_lua_check_keys(L, 1, "net.nat", keys);
    const char *name = req_string_field(L, 1, "net.nat", "name");
    sim_lua_name_check(L, "net.nat", name);
    char what[160];
    snprintf(what, sizeof what, "net.nat '%s'", name);
    sim_subnet_t *out = subnet_field(L, 1, "outside", what);
    link_name_check(L, what, "%s.%s", name, "outside");
    uint32_t addrs[64];
    size_t naddrs = 0;
    const char *one = opt_string_field(L, 1, "address");
    if (one)
        addrs[naddrs++] = parse_ip(L, one, "net.nat address");
    if (lua_getfield(L, 1, "addresses") != LUA_TNIL) {
        luaL_checktype(L, -1, LUA_TTABLE);
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            if (naddrs == 64)
                return luaL_error(L, "net.nat '%s': at most 64 addresses", name);
            addrs[naddrs++] = parse_ip(L, sim_lua_checkstring(L, -1, "net.nat addresses[i]"),
                                       "net.nat addresses");
            lua_pop(L, 1);
        }
        lua_pop(L, 1);      /* the nil that ended the list */
    }
    lua_pop(L, 1);          /* the list, or nil */
    sim_nat_config_t cfg;
    sim_nat_config_default(&cfg);
    const char *type = opt_string_field(L, 1, "type");
    if (type && sim_nat_config_named(&cfg, type) < 0)
        return luaL_error(L, "net.nat '%s': type must be full-cone, restricted-cone, "
                             "port-restricted-cone or symmetric, got '%s'", name, type);
    /* a type is a mapping and a filtering (RFC 4787 s.4, s.5): given with
     * either, one of the two would be silently overridden */
    for (int i = 0; type && i < 2; i++) {
        static const char *const fields[] = { "mapping", "filtering" };
        if (lua_getfield(L, 1, fields[i]) != LUA_TNIL)
            return luaL_error(L, "net.nat '%s': give type or mapping/filtering, not both "
                                 "(type '%s' sets the %s)", name, type, fields[i]);
        lua_pop(L, 1);
    }
    cfg.mapping = dep_field(L, "mapping", cfg.mapping);
    cfg.filtering = dep_field(L, "filtering", cfg.filtering);
    const char *ports = opt_string_field(L, 1, "ports");
    if (ports) {
        if (strcmp(ports, "preserve") == 0)
            cfg.ports = SIM_NAT_PRESERVE;
        else if (strcmp(ports, "sequential") == 0)
            cfg.ports = SIM_NAT_SEQUENTIAL;
        else if (strcmp(ports, "random") == 0)
            cfg.ports = SIM_NAT_RANDOM;
        else
            return luaL_error(L, "net.nat '%s': ports must be preserve, sequential or random", name);
    }
    if (lua_getfield(L, 1, "hairpin") != LUA_TNIL) {
        luaL_checktype(L, -1, LUA_TBOOLEAN);
        cfg.hairpin = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "lifetime") != LUA_TNIL)
        cfg.lifetime = sim_lua_time(L, -1, "net.nat lifetime");
    lua_pop(L, 1);
    char err[512];
    sim_nat_t *nat = sim_nat_new(s->net, name, out, addrs, naddrs, &cfg, err, sizeof err);
    if (!nat)
        return luaL_error(L, "net.nat: %s", err);
    sim_lua_name_claim(L, name, "NAT");
    sim_lobj_push_ptr(L, MT_NAT, nat);
    return 1;
}

/* nat:reboot([{ address = }]) */
static int nat_reboot(lua_State *L)
{
    sim_lua_check_phase(L, "nat:reboot");
    sim_nat_t *nat = sim_lobj_ptr(L, 1, MT_NAT);
    uint32_t ip = 0;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        static const char *const keys[] = { "address", NULL };
        sim_lua_check_keys(L, 2, "nat:reboot", keys);
        const char *a = opt_string_field(L, 2, "address");
        if (a)
            ip = parse_ip(L, a, "nat:reboot address");
    }
    char err[256];
    if (sim_nat_reboot(nat, ip, err, sizeof err) < 0)
        return luaL_error(L, "nat:reboot: %s", err);
    return 0;
}

static int nat_stats(lua_State *L)
{
    sim_nat_stats_t st;
    sim_nat_stats(sim_lobj_ptr(L, 1, MT_NAT), &st);
    lua_createtable(L, 0, 6);
    setint(L, "out", st.out);
    setint(L, "in", st.in);
    setint(L, "hairpinned", st.hairpinned);
    setint(L, "mappings", st.mappings);
    setint(L, "created", st.created);
    setint(L, "expired", st.expired);
    return 1;
}

static int nat_get(lua_State *L, void *obj, const char *key)
{
    sim_nat_t *nat = obj;
    if (strcmp(key, "name") == 0)
        lua_pushstring(L, sim_nat_name(nat));
    else if (strcmp(key, "outside_link") == 0)
        sim_lobj_push_ptr(L, MT_LINK, sim_nat_outside_link(nat));
    else
        return 0;
    return 1;
}

static int nat_index(lua_State *L) { return sim_lobj_index(L, nat_get); }

/* ---- net.core and net.link ------------------------------------------------ */

/* net.core{latency=, ...}: parameters of the core's own link. */
static int l_core(lua_State *L)
{
    sim_lua_check_phase(L, "net.core");
    sim_scn_t *s = sim_scn_get(L);
    sim_link_t *core = sim_net_link_at(s->net, 0);
    sim_link_params_t p;
    sim_link_get_params(core, 0, &p);
    parse_link(L, 1, "net.core", &p);
    sim_net_set_core(s->net, &p);
    sim_lobj_push_ptr(L, MT_LINK, core);
    return 1;
}

/* net.link(name) -> the link, or an error naming the missing one. */
static int l_link(lua_State *L)
{
    const char *name = sim_lua_checkstring(L, 1, "net.link: the name");
    sim_link_t *l = link_by_name(L, name);
    if (!l)
        return luaL_error(L, "net.link: no link named '%s'", name);
    sim_lobj_push_ptr(L, MT_LINK, l);
    return 1;
}

/* net.firewall{ name=, subnet=, allow={ "a.b.c.d[/len][:port]", ... } } */
static int l_firewall(lua_State *L)
{
    sim_lua_check_phase(L, "net.firewall");
    sim_scn_t *s = sim_scn_get(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = { "name", "subnet", "allow", NULL };
    sim_lua_check_keys(L, 1, "net.firewall", keys);
    const char *name = req_string_field(L, 1, "net.firewall", "name");
    sim_lua_name_check(L, "net.firewall", name);
    char what[160];
    snprintf(what, sizeof what, "net.firewall '%s'", name);
    sim_subnet_t *sn = subnet_field(L, 1, "subnet", what);
    link_name_check(L, what, "%s.%s", sim_subnet_name(sn), name);
    if (lua_getfield(L, 1, "allow") != LUA_TTABLE)
        return luaL_error(L, "net.firewall '%s': field 'allow' must be a list of addresses or "
                             "prefixes (an empty list blocks everything)", name);
    size_t n = lua_rawlen(L, -1);
    for (size_t i = 1; i <= n; i++) {
        if (lua_rawgeti(L, -1, (lua_Integer)i) != LUA_TSTRING)
            return luaL_error(L, "net.firewall '%s': allow[%d] must be a string", name, (int)i);
        char ewhat[200];
        snprintf(ewhat, sizeof ewhat, "net.firewall '%s': allow[%d]", name, (int)i);
        sim_lua_checkstring(L, -1, ewhat);
        lua_pop(L, 1);
    }
    char err[256];
    sim_firewall_t *fw = sim_firewall_new(s->net, name, sn, err, sizeof err);
    if (!fw)
        return luaL_error(L, "net.firewall: %s", err);
    sim_lua_name_claim(L, name, "firewall");
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i);
        if (sim_firewall_allow(fw, lua_tostring(L, -1), err, sizeof err) < 0)
            return luaL_error(L, "net.firewall: %s", err);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    sim_lobj_push_ptr(L, MT_FIREWALL, fw);
    return 1;
}

static int fw_stats(lua_State *L)
{
    sim_firewall_stats_t st;
    sim_firewall_stats(sim_lobj_ptr(L, 1, MT_FIREWALL), &st);
    lua_createtable(L, 0, 4);
    setint(L, "out", st.out);
    setint(L, "in", st.in);
    setint(L, "blocked_out", st.blocked_out);
    setint(L, "blocked_in", st.blocked_in);
    return 1;
}

static int fw_get(lua_State *L, void *obj, const char *key)
{
    sim_firewall_t *fw = obj;
    if (strcmp(key, "name") != 0)
        return 0;
    lua_pushstring(L, sim_firewall_name(fw));
    return 1;
}

static int fw_index(lua_State *L) { return sim_lobj_index(L, fw_get); }

/* net.drops() -> counts of drops outside links, by reason */
static int l_drops(lua_State *L)
{
    uint64_t d[SIM_DROP__COUNT];
    sim_net_drop_counts(sim_scn_get(L)->net, d);
    lua_createtable(L, 0, SIM_DROP__COUNT);
    for (int i = 0; i < SIM_DROP__COUNT; i++)
        setint(L, sim_drop_name((sim_drop_t)i), d[i]);
    return 1;
}

void sim_lua_open_net(lua_State *L)
{
    static const luaL_Reg none[] = { { NULL, NULL } };
    static const luaL_Reg link_m[] = {
        { "set", link_set }, { "params", link_params }, { "stats", link_stats }, { NULL, NULL },
    };
    static const luaL_Reg host_m[] = {
        { "interface", host_interface }, { "udp", host_udp }, { NULL, NULL },
    };
    static const luaL_Reg iface_m[] = { { "up", iface_up }, { "down", iface_down },
                                        { "set_address", iface_set_address }, { NULL, NULL } };
    static const luaL_Reg sock_m[] = { { "send", sock_send }, { "close", sock_close }, { NULL, NULL } };
    static const luaL_Reg chan_m[] = { { "send", chanend_send }, { NULL, NULL } };
    static const luaL_Reg nat_m[] = { { "reboot", nat_reboot }, { "stats", nat_stats }, { NULL, NULL } };
    sim_lobj_class(L, MT_LINK, link_m, link_index, sim_lobj_newindex_readonly, "Link");
    sim_lobj_class(L, MT_SUBNET, none, subnet_index, sim_lobj_newindex_readonly, "Subnet");
    sim_lobj_class(L, MT_HOST, host_m, host_index, sim_lobj_newindex_readonly, "Host");
    sim_lobj_class(L, MT_IFACE, iface_m, iface_index, sim_lobj_newindex_readonly, "Interface");
    sim_lobj_class(L, MT_SOCKET, sock_m, sock_index, sim_lobj_newindex_handlers, "Socket");
    static const luaL_Reg cap_m[] = { { "packet", capture_packet }, { NULL, NULL } };
    sim_lobj_class(L, MT_CAPTURE, cap_m, capture_index, sim_lobj_newindex_readonly, "Capture");
    sim_lobj_class(L, MT_CHANEND, chan_m, chanend_index, sim_lobj_newindex_handlers, "ChannelEnd");
    sim_lobj_class(L, MT_NAT, nat_m, nat_index, sim_lobj_newindex_readonly, "NAT");
    static const luaL_Reg fw_m[] = { { "stats", fw_stats }, { NULL, NULL } };
    sim_lobj_class(L, MT_FIREWALL, fw_m, fw_index, sim_lobj_newindex_readonly, "Firewall");

    static const luaL_Reg netf[] = {
        { "subnet", l_subnet }, { "host", l_host }, { "core", l_core }, { "link", l_link },
        { "capture", l_capture }, { "channel", l_channel }, { "drops", l_drops },
        { "nat", l_nat }, { "firewall", l_firewall }, { "inject", l_inject },
        { NULL, NULL },
    };
    luaL_newlib(L, netf);
    lua_setglobal(L, "net");
    sim_scn_t *s = sim_scn_get(L);
    if (s->net)
        sim_net_set_keylog(s->net, keylog_line, s);
}
