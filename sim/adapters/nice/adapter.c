/*
 * adapter.c - rtcsim-nice: RTCSocket and RTCConnection on libnice's
 * NiceAgent, driven by the live-host control protocol (docs/live.md,
 * version 1) on stdin and stdout.
 *
 * One NiceAgent per RTCConnection, in RFC 5245 compatibility (full ICE,
 * the mode libnice names after RFC 8445's predecessor), one stream, one
 * component (RTP and RTCP multiplexed, RFC 5761; docs/decisions.md D14),
 * UDP only. The offerer is controlling (RFC 8445 s.6.1.1, D15). How the
 * spec's model maps onto NiceAgent, and where it differs, is the
 * "Adapters: libnice" section of docs/live.md; the choices are D125-D129,
 * D148 and D150.
 *
 * The protocol owns stdout: the adapter keeps a private copy of the
 * descriptor for it and points fd 1 at stderr, so that nothing a library
 * prints (GLib sends debug messages to stdout by default) can corrupt the
 * stream. libnice's debug output goes to stderr, and only with --debug
 * or NICE_DEBUG set.
 *
 * Usage: rtcsim-nice [--address IPV4]... [--debug]
 *   --address: gather only on these local addresses (the unit test uses
 *   127.0.0.1); without it, every IPv4 address of the host but loopback,
 *   which in a live host's namespace is the TUN device's alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <nice/agent.h>
#include <nice/interfaces.h>
#include <nice/nice-version.h>

#include "common/jsonl.h"

#define STR_(x) #x
#define STR(x) STR_(x)

typedef struct turn_server {
    char *ip, *username, *password;
    guint port;
} turn_server_t;

typedef struct sock {
    char *id;
    char *stun_ip;                     /* NULL: none */
    guint stun_port;
    GPtrArray *turn;                   /* of turn_server_t */
    struct sock *next;
} sock_t;

typedef struct conn {
    char *id;                          /* the harness's name ("c1") */
    char *cid;                         /* the spec's connection-id */
    sock_t *sock;
    NiceAgent *agent;
    guint stream;
    bool offerer;
    bool connecting;                   /* connect() since creation or update() */
    bool have_remote;
    /* ICE restarts come in pairs (RFC 8839 s.4.4.3: a changed ufrag in an
     * offer is a restart, and its answer restarts too). remote_stale: this
     * side restarted first (update() with no restarted description
     * before it), so the remote credentials it holds are the generation
     * the peer is about to drop, and are not handed to libnice until the
     * peer's restarted description comes. remote_restarted: the peer
     * restarted first (a restarted description since the last update()),
     * so the update() that answers it keeps them (D150). */
    bool remote_stale, remote_restarted;
    char *rufrag, *rpwd;
    /* remote candidates of the remote description's generation; handed to
     * libnice when both connect() was called and the credentials are known
     * (D126) */
    GSList *rcands;                    /* of NiceCandidate */
    bool passed;                       /* rcands and credentials are in libnice */
    bool up;                           /* `connected` fired, no `disconnected` since */
    NiceComponentState state;
    guint reannounce;                  /* idle source of update()'s candidates */
    struct conn *next;
} conn_t;

static FILE *out;                      /* the protocol's stdout */
static GMainLoop *loop;
static sock_t *sockets;
static conn_t *conns;
static GPtrArray *addresses;           /* of char *, from --address */
static bool debug;

/* ---- output ----------------------------------------------------------------------- */

static const char *type_name(NiceCandidateType t)
{
    switch (t) {
    case NICE_CANDIDATE_TYPE_HOST: return "host";
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return "srflx";
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return "prflx";
    case NICE_CANDIDATE_TYPE_RELAYED: return "relay";
    }
    return "host";      /* unreachable: libnice has these four */
}

/* A candidate as docs/live.md writes one; related (RFC 8839 s.5.1
 * rel-addr, rel-port) for the types that have a base elsewhere. */
static void add_candidate(JsonBuilder *b, const conn_t *c, const NiceCandidate *nc)
{
    char a[NICE_ADDRESS_STRING_LEN], ra[NICE_ADDRESS_STRING_LEN];
    nice_address_to_string(&nc->addr, a);
    sim_jsonl_candidate_t d = {
        .cid = c->cid, .foundation = nc->foundation, .component = nc->component_id,
        .priority = nc->priority, .address = a, .port = nice_address_get_port(&nc->addr),
        .type = type_name(nc->type),
    };
    if (nc->type != NICE_CANDIDATE_TYPE_HOST && nice_address_is_valid(&nc->base_addr)) {
        nice_address_to_string(&nc->base_addr, ra);
        d.related = ra;
        d.related_port = nice_address_get_port(&nc->base_addr);
    }
    sim_jsonl_add_candidate(b, &d);
}

static JsonBuilder *event_begin(const char *name, const conn_t *c)
{
    return sim_jsonl_event_begin(name, "connection", c->id);
}

static void event_end(JsonBuilder *b)
{
    json_builder_end_object(b);
    sim_jsonl_put(b);
}

static void emit_candidate(const conn_t *c, const NiceCandidate *nc)
{
    JsonBuilder *b = event_begin("candidate", c);
    json_builder_set_member_name(b, "candidate");
    add_candidate(b, c, nc);
    event_end(b);
}

/* ---- libnice's signals ----------------------------------------------------------- */

static void on_new_candidate(NiceAgent *agent, NiceCandidate *nc, gpointer data)
{
    conn_t *c = data;
    /* one component (D14); libnice gathers only what was asked */
    if (nc->stream_id == c->stream && nc->component_id == 1)
        emit_candidate(c, nc);
}

static void on_gathering_done(NiceAgent *agent, guint stream, gpointer data)
{
    conn_t *c = data;
    if (stream == c->stream)
        event_end(event_begin("endofcandidates", c));
}

/* READY is the spec's "connected"; FAILED, whether or not it had been
 * connected, is "disconnected" (D127). A restart leaves READY for
 * GATHERING without going down, so `connected` does not fire again after
 * it unless `disconnected` came between (as ref/'s, D19). */
static void on_state(NiceAgent *agent, guint stream, guint component, guint state, gpointer data)
{
    conn_t *c = data;
    if (stream != c->stream || component != 1)
        return;
    if (state == NICE_COMPONENT_STATE_READY && !c->up) {
        c->up = true;
        event_end(event_begin("connected", c));
    } else if (state == NICE_COMPONENT_STATE_FAILED && c->state != NICE_COMPONENT_STATE_FAILED) {
        c->up = false;
        event_end(event_begin("disconnected", c));
    }
    c->state = (NiceComponentState)state;
}

static void on_selected_pair(NiceAgent *agent, guint stream, guint component, NiceCandidate *l,
                             NiceCandidate *r, gpointer data)
{
    conn_t *c = data;
    if (stream != c->stream || component != 1)
        return;
    JsonBuilder *b = event_begin("activecandidate", c);
    json_builder_set_member_name(b, "local");
    add_candidate(b, c, l);
    json_builder_set_member_name(b, "remote");
    add_candidate(b, c, r);
    event_end(b);
}

/* There is no media on this adapter yet: what arrives on the selected
 * pair is dropped; attaching is what makes libnice read the socket. */
static void on_recv(NiceAgent *agent, guint stream, guint component, guint len, gchar *buf,
                    gpointer data)
{
}

/* ---- requests: parameters -------------------------------------------------------- */

static bool ipv4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

/* RFC 8839 s.5.4: ice-char = ALPHA / DIGIT / "+" / "/" */
static bool ice_chars(const char *s, size_t lo, size_t hi)
{
    size_t n = strlen(s);
    if (n < lo || n > hi)
        return false;
    for (; *s; s++)
        if (!g_ascii_isalnum(*s) && *s != '+' && *s != '/')
            return false;
    return true;
}

static sock_t *find_sock(const char *id)
{
    for (sock_t *s = sockets; s; s = s->next)
        if (strcmp(s->id, id) == 0)
            return s;
    return NULL;
}

static conn_t *find_conn(const char *id)
{
    for (conn_t *c = conns; c; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

static bool get_conn(sim_req_t *r, conn_t **c)
{
    const char *id;
    if (!sim_req_str(r, r->params, "", "connection", SIM_REQ, &id))
        return false;
    if (!(*c = find_conn(id)))
        return sim_req_fail(r, "invalid", "connection: no connection '%s'", id);
    return true;
}

/* An RTCConnectionDescription (spec, "The RTCConnectionDescription
 * Object"); `where` names it in messages. */
typedef struct desc {
    const char *cid, *ufrag, *pwd;
} desc_t;

static bool get_desc(sim_req_t *r, JsonObject *o, const char *where, desc_t *d)
{
    char w[64];
    JsonArray *fp;
    snprintf(w, sizeof w, "%s.", where);
    if (!sim_req_str(r, o, w, "connection-id", SIM_REQ, &d->cid) ||
        !sim_req_str(r, o, w, "usefrag", SIM_REQ, &d->ufrag) ||
        !sim_req_str(r, o, w, "secret", SIM_REQ, &d->pwd) ||
        !sim_req_arr(r, o, w, "fingerprints", SIM_OPT, &fp))
        return false;
    if (!*d->cid)
        return sim_req_fail(r, "invalid", "%sconnection-id: must not be empty", w);
    /* RFC 8839 s.5.4: ice-ufrag 4 to 256 ice-chars, ice-pwd 22 to 256 */
    if (!ice_chars(d->ufrag, 4, 256))
        return sim_req_fail(r, "invalid",
                            "%susefrag: must be 4 to 256 ice-chars (RFC 8839 s.5.4)", w);
    if (!ice_chars(d->pwd, 22, 256))
        return sim_req_fail(r, "invalid",
                            "%ssecret: must be 22 to 256 ice-chars (RFC 8839 s.5.4)", w);
    /* No DTLS here: fingerprints are taken and not used (docs/live.md) */
    for (guint i = 0; fp && i < json_array_get_length(fp); i++) {
        JsonNode *n = json_array_get_element(fp, i);
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
            return sim_req_fail(r, "invalid", "%sfingerprints[%u]: must be a string", w, i);
    }
    return true;
}

static NiceCandidateType parse_type(const char *s, bool *ok)
{
    *ok = true;
    if (strcmp(s, "host") == 0) return NICE_CANDIDATE_TYPE_HOST;
    if (strcmp(s, "srflx") == 0) return NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE;
    if (strcmp(s, "prflx") == 0) return NICE_CANDIDATE_TYPE_PEER_REFLEXIVE;
    if (strcmp(s, "relay") == 0) return NICE_CANDIDATE_TYPE_RELAYED;
    *ok = false;
    return NICE_CANDIDATE_TYPE_HOST;
}

/* An RTCIceCandidateDescription of connection c, checked as the Lua API
 * checks one (sim/lua/lua_ice.c): the spec's keys, the foundation 1 to 32
 * ice-chars (RFC 8445 s.5.1.1.3), component 1 or 2, transport udp,
 * priority 1 to 2^31-1 (RFC 8445 s.5.1.2.1), an IPv4 address, a port. A
 * new NiceCandidate, or NULL with r failed. */
static NiceCandidate *get_candidate(sim_req_t *r, conn_t *c, JsonObject *o)
{
    const char *w = "candidate.", *cid, *found, *tr, *addr, *type;
    gint64 comp, prio, port, rport = 0;
    const char *raddr = NULL;
    if (!sim_req_str(r, o, w, "connection-id", SIM_REQ, &cid) ||
        !sim_req_str(r, o, w, "foundation", SIM_REQ, &found) ||
        !sim_req_int(r, o, w, "component", SIM_REQ, 1, 2, &comp, NULL) ||
        !sim_req_str(r, o, w, "transport", SIM_REQ, &tr) ||
        !sim_req_int(r, o, w, "priority", SIM_REQ, 1, 0x7fffffff, &prio, NULL) ||
        !sim_req_str(r, o, w, "connectionAddress", SIM_REQ, &addr) ||
        !sim_req_int(r, o, w, "connectionPort", SIM_REQ, 1, 65535, &port, NULL) ||
        !sim_req_str(r, o, w, "type", SIM_REQ, &type))
        return NULL;
    if (strcmp(cid, c->cid) != 0) {
        sim_req_fail(r, "invalid",
                     "candidate.connection-id: '%s' is not this connection's ('%s')", cid,
                     c->cid);
        return NULL;
    }
    if (!ice_chars(found, 1, 32)) {
        sim_req_fail(r, "invalid",
                     "candidate.foundation: must be 1 to 32 ice-chars (RFC 8445 s.5.1.1.3)");
        return NULL;
    }
    if (strcmp(tr, "udp") != 0) {
        sim_req_fail(r, "invalid", "candidate.transport: must be 'udp', got '%s'", tr);
        return NULL;
    }
    if (!ipv4(addr)) {
        sim_req_fail(r, "invalid",
                     "candidate.connectionAddress: '%s' is not an IPv4 address", addr);
        return NULL;
    }
    bool ok;
    NiceCandidateType t = parse_type(type, &ok);
    if (!ok) {
        sim_req_fail(r, "invalid",
                     "candidate.type: must be host, srflx, prflx or relay, got '%s'", type);
        return NULL;
    }
    if (json_object_has_member(o, "relatedAddress") || json_object_has_member(o, "relatedPort")) {
        if (!sim_req_str(r, o, w, "relatedAddress", SIM_REQ, &raddr) ||
            !sim_req_int(r, o, w, "relatedPort", SIM_REQ, 0, 65535, &rport, NULL))
            return NULL;
        if (!ipv4(raddr)) {
            sim_req_fail(r, "invalid",
                         "candidate.relatedAddress: '%s' is not an IPv4 address", raddr);
            return NULL;
        }
    }
    NiceCandidate *nc = nice_candidate_new(t);
    nc->transport = NICE_CANDIDATE_TRANSPORT_UDP;
    nc->stream_id = c->stream;
    nc->component_id = (guint)comp;
    nc->priority = (guint32)prio;
    g_strlcpy(nc->foundation, found, sizeof nc->foundation);
    nice_address_set_from_string(&nc->addr, addr);
    nice_address_set_port(&nc->addr, (guint)port);
    if (raddr) {
        nice_address_set_from_string(&nc->base_addr, raddr);
        nice_address_set_port(&nc->base_addr, (guint)rport);
    }
    return nc;
}

/* ---- requests: the methods -------------------------------------------------------- */

static void turn_free(gpointer p)
{
    turn_server_t *t = p;
    g_free(t->ip);
    g_free(t->username);
    g_free(t->password);
    g_free(t);
}

static void sock_free(sock_t *s)
{
    g_free(s->id);
    g_free(s->stun_ip);
    g_ptr_array_unref(s->turn);
    g_free(s);
}

/* socket.new: only the servers are kept; each connection's NiceAgent
 * binds its own port (D125). */
static bool m_socket_new(sim_req_t *r)
{
    const char *id;
    JsonArray *stun, *turn;
    if (!sim_req_str(r, r->params, "", "socket", SIM_REQ, &id) ||
        !sim_req_arr(r, r->params, "", "stun", SIM_OPT, &stun) ||
        !sim_req_arr(r, r->params, "", "turn", SIM_OPT, &turn))
        return false;
    if (find_sock(id))
        return sim_req_fail(r, "invalid", "socket: '%s' already exists", id);
    guint nstun = stun ? json_array_get_length(stun) : 0;
    /* NiceAgent has one stun-server property (D125) */
    if (nstun > 1)
        return sim_req_fail(r, "unsupported",
                            "stun: libnice's agent takes one STUN server, got %u", nstun);
    sock_t *s = g_new0(sock_t, 1);
    s->turn = g_ptr_array_new_with_free_func(turn_free);
    char w[32];
    for (guint i = 0; i < nstun; i++) {
        JsonNode *n = json_array_get_element(stun, i);
        const char *ip;
        gint64 port;
        snprintf(w, sizeof w, "stun[%u].", i);
        if (!JSON_NODE_HOLDS_OBJECT(n)) {
            sim_req_fail(r, "invalid", "stun[%u]: must be an object", i);
            goto bad;
        }
        JsonObject *o = json_node_get_object(n);
        if (!sim_req_str(r, o, w, "ip", SIM_REQ, &ip) ||
            !sim_req_int(r, o, w, "port", SIM_REQ, 1, 65535, &port, NULL))
            goto bad;
        if (!ipv4(ip)) {
            sim_req_fail(r, "invalid", "stun[%u].ip: '%s' is not an IPv4 address", i, ip);
            goto bad;
        }
        s->stun_ip = g_strdup(ip);
        s->stun_port = (guint)port;
    }
    for (guint i = 0; turn && i < json_array_get_length(turn); i++) {
        JsonNode *n = json_array_get_element(turn, i);
        const char *ip, *user, *pass;
        gint64 port;
        snprintf(w, sizeof w, "turn[%u].", i);
        if (!JSON_NODE_HOLDS_OBJECT(n)) {
            sim_req_fail(r, "invalid", "turn[%u]: must be an object", i);
            goto bad;
        }
        JsonObject *o = json_node_get_object(n);
        if (!sim_req_str(r, o, w, "ip", SIM_REQ, &ip) ||
            !sim_req_int(r, o, w, "port", SIM_REQ, 1, 65535, &port, NULL) ||
            !sim_req_str(r, o, w, "username", SIM_REQ, &user) ||
            !sim_req_str(r, o, w, "password", SIM_REQ, &pass))
            goto bad;
        if (!ipv4(ip)) {
            sim_req_fail(r, "invalid", "turn[%u].ip: '%s' is not an IPv4 address", i, ip);
            goto bad;
        }
        turn_server_t *t = g_new0(turn_server_t, 1);
        t->ip = g_strdup(ip);
        t->port = (guint)port;
        t->username = g_strdup(user);
        t->password = g_strdup(pass);
        g_ptr_array_add(s->turn, t);
    }
    s->id = g_strdup(id);
    s->next = sockets;
    sockets = s;
    return true;
bad:
    sock_free(s);
    return false;
}

/* The local addresses to gather on, now: --address, or every IPv4
 * address of the host but loopback (the simulated network is IPv4; D125).
 * libnice lists only interfaces that are up and running. */
static GPtrArray *local_ips(void)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    if (addresses->len) {
        for (guint i = 0; i < addresses->len; i++)
            g_ptr_array_add(a, g_strdup(g_ptr_array_index(addresses, i)));
        return a;
    }
    GList *ips = nice_interfaces_get_local_ips(FALSE);
    for (GList *i = ips; i; i = i->next)
        if (ipv4(i->data))
            g_ptr_array_add(a, g_strdup(i->data));
    g_list_free_full(ips, g_free);
    return a;
}

static void add_local_addresses(NiceAgent *agent)
{
    GPtrArray *ips = local_ips();
    for (guint i = 0; i < ips->len; i++) {
        NiceAddress a;
        nice_address_init(&a);
        nice_address_set_from_string(&a, g_ptr_array_index(ips, i));
        nice_agent_add_local_address(agent, &a);
    }
    g_ptr_array_unref(ips);
}

static bool has_str(GPtrArray *a, const char *s)
{
    for (guint i = 0; i < a->len; i++)
        if (strcmp(g_ptr_array_index(a, i), s) == 0)
            return true;
    return false;
}

/* Whether the host's addresses are those c's host candidates were
 * gathered on (the same set). */
static bool addresses_kept(const conn_t *c)
{
    GPtrArray *now = local_ips(), *had = g_ptr_array_new_with_free_func(g_free);
    GSList *local = nice_agent_get_local_candidates(c->agent, c->stream, 1);
    for (GSList *i = local; i; i = i->next) {
        NiceCandidate *nc = i->data;
        char a[NICE_ADDRESS_STRING_LEN];
        nice_address_to_string(&nc->addr, a);
        if (nc->type == NICE_CANDIDATE_TYPE_HOST && !has_str(had, a))
            g_ptr_array_add(had, g_strdup(a));
    }
    g_slist_free_full(local, (GDestroyNotify)nice_candidate_free);
    bool same = now->len == had->len;
    for (guint i = 0; same && i < now->len; i++)
        same = has_str(had, g_ptr_array_index(now, i));
    g_ptr_array_unref(now);
    g_ptr_array_unref(had);
    return same;
}

/* An agent of c's and its stream go (its sockets are closed). */
static void agent_free(conn_t *c, NiceAgent *agent, guint stream)
{
    if (!agent)
        return;
    g_signal_handlers_disconnect_by_data(agent, c);
    nice_agent_remove_stream(agent, stream);
    g_object_unref(agent);
}

static void agent_drop(conn_t *c)
{
    if (c->reannounce) {
        g_source_remove(c->reannounce);
        c->reannounce = 0;
    }
    agent_free(c, c->agent, c->stream);
    c->agent = NULL;
}

static void conn_free(conn_t *c)
{
    agent_drop(c);
    g_slist_free_full(c->rcands, (GDestroyNotify)nice_candidate_free);
    g_free(c->id);
    g_free(c->cid);
    g_free(c->rufrag);
    g_free(c->rpwd);
    g_free(c);
}

/* libnice needs both the remote credentials and connect() before it may
 * check (the spec: connect() "allows the ICE connection procedure to
 * begin"); until then remote candidates wait here (D126). */
static void pass_remote(conn_t *c)
{
    if (!c->connecting || !c->have_remote || c->remote_stale)
        return;
    nice_agent_set_remote_credentials(c->agent, c->stream, c->rufrag, c->rpwd);
    if (c->rcands && nice_agent_set_remote_candidates(c->agent, c->stream, 1, c->rcands) < 0)
        g_warning("libnice refused the remote candidates of %s", c->id);
    c->passed = true;
}

static void set_remote(conn_t *c, const desc_t *d)
{
    g_free(c->rufrag);
    g_free(c->rpwd);
    c->rufrag = g_strdup(d->ufrag);
    c->rpwd = g_strdup(d->pwd);
    c->have_remote = true;
}

/* The spec's connection-id for an offerer: 16 ice-chars (as ref/'s,
 * D20: RFC 8445 s.5.3's 128 bits are for credentials; an id needs only to
 * be unlikely to collide). The adapter is not ref/: GLib's generator,
 * seeded by the OS, is fine here. */
static char *make_cid(void)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *s = g_malloc(17);
    /* GLib's randomness: this is a live program, in real time, outside
     * the runs that repeat from a seed (docs/live.md, D131) */
    for (int i = 0; i < 16; i++)
        s[i] = alphabet[g_random_int_range(0, 64)];
    s[16] = 0;
    return s;
}

/* c's NiceAgent, on the host's addresses now, with its one stream (not
 * gathering yet); c->agent and c->stream. false with r failed (c->agent
 * then NULL). */
static bool agent_new(sim_req_t *r, conn_t *c)
{
    sock_t *s = c->sock;
    /* Full ICE, regular nomination (RFC 8445 s.8.1.1; D128) and consent
     * freshness (RFC 7675; D127). Not ICE_TRICKLE: the protocol has no
     * remote end-of-candidates, and libnice 0.1.21 takes remote candidates
     * at any time without it (D126). */
    c->agent = nice_agent_new_full(g_main_loop_get_context(loop), NICE_COMPATIBILITY_RFC5245,
                                   NICE_AGENT_OPTION_REGULAR_NOMINATION |
                                   NICE_AGENT_OPTION_CONSENT_FRESHNESS);
    /* RFC 8445 s.6.1.1: the offerer (no remote description) controls (D15) */
    g_object_set(c->agent, "controlling-mode", c->offerer ? TRUE : FALSE, "ice-tcp", FALSE,
                 "ice-udp", TRUE, "upnp", FALSE, NULL);
    if (s->stun_ip)
        g_object_set(c->agent, "stun-server", s->stun_ip, "stun-server-port", s->stun_port, NULL);
    add_local_addresses(c->agent);
    c->stream = nice_agent_add_stream(c->agent, 1);
    if (c->stream == 0) {
        g_object_unref(c->agent);
        c->agent = NULL;
        return sim_req_fail(r, "failed", "libnice could not add a stream");
    }
    for (guint i = 0; i < s->turn->len; i++) {
        turn_server_t *t = g_ptr_array_index(s->turn, i);
        if (!nice_agent_set_relay_info(c->agent, c->stream, 1, t->ip, t->port, t->username,
                                       t->password, NICE_RELAY_TYPE_TURN_UDP)) {
            agent_drop(c);
            return sim_req_fail(r, "failed", "libnice refused TURN server %s:%u", t->ip, t->port);
        }
    }
    g_signal_connect(c->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), c);
    g_signal_connect(c->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), c);
    g_signal_connect(c->agent, "component-state-changed", G_CALLBACK(on_state), c);
    g_signal_connect(c->agent, "new-selected-pair-full", G_CALLBACK(on_selected_pair), c);
    nice_agent_attach_recv(c->agent, c->stream, 1, g_main_loop_get_context(loop), on_recv, c);
    c->state = NICE_COMPONENT_STATE_DISCONNECTED;
    return true;
}

static bool m_connection_new(sim_req_t *r)
{
    const char *sid, *id;
    JsonObject *remote = NULL;
    desc_t d = { 0 };
    if (!sim_req_str(r, r->params, "", "socket", SIM_REQ, &sid) ||
        !sim_req_str(r, r->params, "", "connection", SIM_REQ, &id))
        return false;
    sock_t *s = find_sock(sid);
    if (!s)
        return sim_req_fail(r, "invalid", "socket: no socket '%s'", sid);
    if (find_conn(id))
        return sim_req_fail(r, "invalid", "connection: '%s' already exists", id);
    if (json_object_has_member(r->params, "remote") &&
        (!sim_req_obj(r, r->params, "", "remote", SIM_REQ, &remote) ||
         !get_desc(r, remote, "remote", &d)))
        return false;

    conn_t *c = g_new0(conn_t, 1);
    c->id = g_strdup(id);
    c->sock = s;
    c->offerer = remote == NULL;
    c->cid = remote ? g_strdup(d.cid) : make_cid();
    if (remote)
        set_remote(c, &d);
    if (!agent_new(r, c)) {
        conn_free(c);
        return false;
    }
    /* The spec: gathering starts when the RTCConnection is made */
    if (!nice_agent_gather_candidates(c->agent, c->stream)) {
        conn_free(c);
        return sim_req_fail(r, "failed",
                            "libnice could not gather candidates (no usable local address?)");
    }
    c->next = conns;
    conns = c;
    json_builder_set_member_name(r->result, "id");
    json_builder_add_string_value(r->result, c->cid);
    return true;
}

static bool m_get_local_description(sim_req_t *r)
{
    conn_t *c;
    gchar *ufrag = NULL, *pwd = NULL;
    if (!get_conn(r, &c))
        return false;
    if (!nice_agent_get_local_credentials(c->agent, c->stream, &ufrag, &pwd))
        return sim_req_fail(r, "failed", "libnice has no credentials for the stream");
    JsonBuilder *b = r->result;
    json_builder_set_member_name(b, "description");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "connection-id");
    json_builder_add_string_value(b, c->cid);
    json_builder_set_member_name(b, "usefrag");
    json_builder_add_string_value(b, ufrag);
    json_builder_set_member_name(b, "secret");
    json_builder_add_string_value(b, pwd);
    json_builder_set_member_name(b, "fingerprints");
    json_builder_begin_array(b);           /* no DTLS in this adapter */
    json_builder_end_array(b);
    json_builder_end_object(b);
    g_free(ufrag);
    g_free(pwd);
    return true;
}

static bool m_set_remote_description(sim_req_t *r)
{
    conn_t *c;
    JsonObject *o;
    desc_t d;
    if (!get_conn(r, &c) || !sim_req_obj(r, r->params, "", "description", SIM_REQ, &o) ||
        !get_desc(r, o, "description", &d))
        return false;
    if (strcmp(d.cid, c->cid) != 0)
        return sim_req_fail(r, "invalid",
                            "description.connection-id: '%s' is not this connection's ('%s')",
                            d.cid, c->cid);
    /* The spec: "This method must be only used by the offerer peer"; an
     * answerer takes only a restarted description, with a new usefrag
     * (RFC 8445 s.9), as ref/'s (D19) */
    bool restart = c->have_remote && strcmp(d.ufrag, c->rufrag) != 0;
    if (!c->offerer && !restart)
        return sim_req_fail(r, "invalid",
                            "InvalidStateError: setRemoteDescription is for the offerer "
                            "only; an answerer takes only a restarted description (a new usefrag)");
    if (restart) {
        /* the remote side restarted: its candidates so far are of the old
         * generation (RFC 8445 s.9) */
        g_slist_free_full(c->rcands, (GDestroyNotify)nice_candidate_free);
        c->rcands = NULL;
        /* the answer to this side's restart, or a restart of the peer's
         * that this side's next update() answers (D150) */
        if (c->remote_stale)
            c->remote_stale = false;
        else
            c->remote_restarted = true;
    }
    set_remote(c, &d);
    c->passed = false;
    pass_remote(c);
    return true;
}

/* libnice pairs every local candidate it gathered (RFC 8445 s.6.1.2.2
 * forms pairs from all of them), so setLocalCandidate cannot choose: it
 * checks that the candidate is one this connection gathered (D18's
 * match: address, port, type, priority) and does nothing else (D126). */
static bool m_set_local_candidate(sim_req_t *r)
{
    conn_t *c;
    JsonObject *o;
    if (!get_conn(r, &c) || !sim_req_obj(r, r->params, "", "candidate", SIM_REQ, &o))
        return false;
    NiceCandidate *want = get_candidate(r, c, o);
    if (!want)
        return false;
    GSList *local = nice_agent_get_local_candidates(c->agent, c->stream, 1);
    bool found = false;
    for (GSList *i = local; i && !found; i = i->next) {
        NiceCandidate *nc = i->data;
        found = nc->type == want->type && nc->priority == want->priority &&
                nice_address_equal(&nc->addr, &want->addr);
    }
    g_slist_free_full(local, (GDestroyNotify)nice_candidate_free);
    nice_candidate_free(want);
    if (!found)
        return sim_req_fail(r, "invalid", "candidate: not a candidate this connection gathered "
                            "(setLocalCandidate takes what the candidate event gave)");
    return true;
}

static bool m_set_remote_candidate(sim_req_t *r)
{
    conn_t *c;
    JsonObject *o;
    if (!get_conn(r, &c) || !sim_req_obj(r, r->params, "", "candidate", SIM_REQ, &o))
        return false;
    NiceCandidate *nc = get_candidate(r, c, o);
    if (!nc)
        return false;
    if (nc->component_id != 1) {
        /* D14: component 2 is accepted and never paired */
        nice_candidate_free(nc);
        return true;
    }
    c->rcands = g_slist_append(c->rcands, nc);
    if (c->passed) {
        GSList one = { nc, NULL };
        if (nice_agent_set_remote_candidates(c->agent, c->stream, 1, &one) < 0)
            return sim_req_fail(r, "failed", "libnice refused the candidate");
    }
    return true;
}

static bool m_connect(sim_req_t *r)
{
    conn_t *c;
    if (!get_conn(r, &c))
        return false;
    if (c->connecting)
        return sim_req_fail(r, "invalid", "InvalidStateError: connect() was already called");
    c->connecting = true;
    pass_remote(c);
    return true;
}

/* libnice's restart keeps the local candidates (RFC 8445 s.9 asks for new
 * credentials, not new candidates): they are announced again, with
 * endofcandidates, so that the peer, which dropped the old generation's,
 * learns them under the new credentials (D129). */
static gboolean reannounce(gpointer data)
{
    conn_t *c = data;
    c->reannounce = 0;
    GSList *local = nice_agent_get_local_candidates(c->agent, c->stream, 1);
    for (GSList *i = local; i; i = i->next)
        emit_candidate(c, i->data);
    g_slist_free_full(local, (GDestroyNotify)nice_candidate_free);
    event_end(event_begin("endofcandidates", c));
    return G_SOURCE_REMOVE;
}

static bool m_update(sim_req_t *r)
{
    conn_t *c;
    if (!get_conn(r, &c))
        return false;
    c->connecting = false;
    c->passed = false;
    /* the remote credentials wait for the peer's restart unless this
     * update() answers one (D150) */
    c->remote_stale = c->have_remote && !c->remote_restarted;
    c->remote_restarted = false;
    if (addresses_kept(c)) {
        /* RFC 8445 s.9: new ufrag and password, the checks flushed, the
         * pair in use kept meanwhile; libnice also drops the remote
         * candidates, so they are handed over again at the next connect()
         * (D129) */
        if (!nice_agent_restart_stream(c->agent, c->stream))
            return sim_req_fail(r, "failed", "libnice could not restart the stream");
        if (!c->reannounce)
            c->reannounce = g_idle_add(reannounce, c);
        return true;
    }
    /* The host's addresses changed (a renumbering, an interface gone):
     * the spec's update() gathers "again as when the RTCConnection was
     * instantiated", and libnice 0.1.21 cannot on the same agent (its
     * restart keeps the candidates, its local addresses are fixed once
     * added), so the connection gets a new agent on the addresses the
     * host has now, with new credentials (s.9) and new ports. The old one
     * goes with its pair, whose local address the host no longer has: the
     * connection is down, `disconnected` if it was up, and `connected`
     * again at the new agent's READY (D148). */
    NiceAgent *old = c->agent;
    guint old_stream = c->stream;
    if (c->reannounce) {
        g_source_remove(c->reannounce);
        c->reannounce = 0;
    }
    if (!agent_new(r, c)) {
        c->agent = old;
        c->stream = old_stream;
        return false;
    }
    agent_free(c, old, old_stream);
    if (c->up) {
        c->up = false;
        event_end(event_begin("disconnected", c));
    }
    if (!nice_agent_gather_candidates(c->agent, c->stream))
        return sim_req_fail(r, "failed",
                            "libnice could not gather candidates (no usable local address?)");
    return true;
}

static bool quitting;                  /* shutdown answered: read no more */

/* The harness went away (a line could not be written): as stdin's EOF. */
static void quit_loop(void)
{
    g_main_loop_quit(loop);
}

static bool m_shutdown(sim_req_t *r)
{
    quitting = true;
    g_main_loop_quit(loop);
    return true;
}

static const sim_req_method_t methods[] = {
    { "socket.new", m_socket_new },
    { "connection.new", m_connection_new },
    { "connection.getLocalDescription", m_get_local_description },
    { "connection.setRemoteDescription", m_set_remote_description },
    { "connection.setLocalCandidate", m_set_local_candidate },
    { "connection.setRemoteCandidate", m_set_remote_candidate },
    { "connection.connect", m_connect },
    { "connection.update", m_update },
    { "shutdown", m_shutdown },
};

/* ---- the request loop ------------------------------------------------------------- */

static GString *inbuf;
static bool skipping;                  /* inside a line past SIM_JSONL_LINE_MAX */

static void take_lines(bool eof)
{
    while (!quitting) {
        char *nl = memchr(inbuf->str, '\n', inbuf->len);
        if (!nl && !eof && inbuf->len > SIM_JSONL_LINE_MAX && !skipping) {
            sim_jsonl_overlong();
            skipping = true;
        }
        if (!nl && (skipping || !eof || inbuf->len == 0)) {
            if (skipping)
                g_string_truncate(inbuf, 0);
            return;
        }
        gsize len = nl ? (gsize)(nl - inbuf->str) : inbuf->len;
        if (skipping) {
            skipping = false;
        } else {
            gsize l = len;
            if (l && inbuf->str[l - 1] == '\r')
                l--;
            if (l > SIM_JSONL_LINE_MAX)
                sim_jsonl_overlong();
            else
                sim_jsonl_handle_line(inbuf->str, l);
        }
        g_string_erase(inbuf, 0, (gssize)(nl ? len + 1 : len));
        if (!nl)
            return;
    }
}

static gboolean on_stdin(gint fd, GIOCondition cond, gpointer data)
{
    char buf[16384];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return G_SOURCE_CONTINUE;
    if (n <= 0) {
        /* docs/live.md: stdin closes when the scenario ends */
        take_lines(true);
        g_main_loop_quit(loop);
        return G_SOURCE_REMOVE;
    }
    g_string_append_len(inbuf, buf, n);
    take_lines(false);
    return quitting ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* Everything GLib and libnice log goes to stderr; debug and info only
 * with --debug or NICE_DEBUG (GLib's default would print them on stdout). */
static GLogWriterOutput log_writer(GLogLevelFlags level, const GLogField *fields, gsize n,
                                   gpointer data)
{
    if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && !debug)
        return G_LOG_WRITER_HANDLED;
    gchar *s = g_log_writer_format_fields(level, fields, n, FALSE);
    fprintf(stderr, "rtcsim-nice: %s\n", s);
    g_free(s);
    return G_LOG_WRITER_HANDLED;
}

static void log_handler(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && !debug)
        return;
    fprintf(stderr, "rtcsim-nice: %s: %s\n", domain ? domain : "", msg);
}

static int usage(void)
{
    fprintf(stderr, "usage: rtcsim-nice [--address IPV4]... [--debug]\n"
                    "  speaks rtcsim's live-host control protocol (docs/live.md) on stdin/stdout\n");
    return 2;
}

int main(int argc, char **argv)
{
    addresses = g_ptr_array_new();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--address") == 0 && i + 1 < argc && ipv4(argv[i + 1])) {
            g_ptr_array_add(addresses, argv[++i]);
        } else if (strcmp(argv[i], "--debug") == 0) {
            debug = true;
        } else {
            fprintf(stderr, "rtcsim-nice: bad argument '%s'\n", argv[i]);
            return usage();
        }
    }
    if (getenv("NICE_DEBUG"))
        debug = true;
    signal(SIGPIPE, SIG_IGN);

    /* the protocol keeps stdout; fd 1 becomes stderr for everyone else */
    int pfd = dup(1);
    if (pfd < 0 || !(out = fdopen(pfd, "w")) || dup2(2, 1) < 0) {
        perror("rtcsim-nice: stdout");
        return 1;
    }
    g_log_set_writer_func(log_writer, NULL, NULL);
    g_log_set_default_handler(log_handler, NULL);
    nice_debug_enable(debug ? TRUE : FALSE);

    loop = g_main_loop_new(NULL, FALSE);
    inbuf = g_string_new(NULL);

    /* the protocol's line handling is common/jsonl.c's */
    static sim_jsonl_config_t protocol = {
        .gone = quit_loop, .methods = methods, .nmethods = G_N_ELEMENTS(methods),
    };
    protocol.out = out;
    sim_jsonl_init(&protocol);

    JsonBuilder *b = sim_jsonl_hello_begin("libnice " STR(NICE_VERSION_MAJOR) "."
                                           STR(NICE_VERSION_MINOR) "." STR(NICE_VERSION_MICRO));
    json_builder_end_object(b);
    sim_jsonl_put(b);

    g_unix_fd_add(0, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, NULL);
    g_main_loop_run(loop);

    while (conns) {
        conn_t *c = conns;
        conns = c->next;
        conn_free(c);
    }
    while (sockets) {
        sock_t *s = sockets;
        sockets = s->next;
        sock_free(s);
    }
    g_string_free(inbuf, TRUE);
    g_ptr_array_unref(addresses);
    g_main_loop_unref(loop);
    fclose(out);
    return 0;
}
