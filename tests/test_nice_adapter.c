/*
 * test_nice_adapter.c - build/rtcsim-nice, the libnice adapter, through
 * the live-host control protocol (docs/live.md, version 1) on pipes, on
 * loopback (no namespace, no STUN server): the hello line; two adapters
 * through the offer/answer dance with trickled candidates to `connected`
 * and `activecandidate` on both; an ICE restart (RFC 8445 s.9) that
 * reconnects with new credentials; the roles and the hold-until-connect
 * seen on the wire by a UDP socket of the test's own playing the peer
 * (RFC 8445 s.7.1.3, s.7.2.2); socket.new's STUN and TURN servers
 * reached at sockets of the test's; `disconnected` when every pair
 * fails; every kind of bad request; shutdown and EOF.
 *
 * This is a real-time test of a program with its own clock: its bounds
 * are wall-clock times, derived beside each from RFC 8445's pacing.
 */
#include <check.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <linux/if.h>
#include <linux/if_tun.h>

#include "live_peer.h"

/* RFC 8445 s.14.2: checks are paced one per Ta, 50 ms by default (libnice
 * uses 20 ms; the RFC's is the slower, so bounds from it hold for both). */
#define TA_MS 50
/* With one host candidate on each side each check list has one pair
 * (s.6.1.2): the controlling side's ordinary check leaves within Ta of
 * connect() (s.6.1.4.2), the peer's triggered check within another
 * (s.7.3.1.4), the nomination (s.8.1.1, regular: one more check with
 * USE-CANDIDATE) within a third, and loopback adds no delay worth
 * counting: 3 Ta = 150 ms. libnice's own grace and a loaded 2-core
 * machine (two agents, make -j2) get the rest: 40 Ta = 2 s. */
#define CONNECT_BOUND_MS (40 * TA_MS)
/* A first check to the fake peer: within one Ta of connect(); the same
 * margin for the machine: 20 Ta = 1 s. The time that must pass with no
 * check before connect() is the same 1 s: 20 checks' worth. */
#define CHECK_BOUND_MS (20 * TA_MS)
/* ---- one adapter on pipes ----------------------------------------------------------- */

typedef struct peer {
    lp_peer_t io;
    /* what its events said */
    int ncand, neoc, nactive, nconnected, ndisconnected;
    long connected_at;
    JsonNode *active;                  /* the last activecandidate */
    GPtrArray *cands;                  /* JsonNode: its candidate events' candidates */
    struct peer *other;                /* trickle candidates to it, NULL: keep */
} peer_t;

/* >= 0: peer_start runs the adapter in this network namespace, without
 * --address (renumbering_regathers) */
static int peer_netns = -1;

static void peer_start(peer_t *p, const char *name)
{
    static char path[PATH_MAX];
    char *exe = (char *)lp_built("rtcsim-nice", "RTCSIM_NICE", path, sizeof path);
    char *on_loopback[] = { exe, "--address", "127.0.0.1", NULL };
    /* in a namespace of the test's: the adapter finds its addresses */
    char *in_netns[] = { exe, NULL };
    memset(p, 0, sizeof *p);
    lp_start(&p->io, name, peer_netns >= 0 ? in_netns : on_loopback, peer_netns);
    p->cands = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
}

static void peer_free(peer_t *p)
{
    lp_free(&p->io);
    g_ptr_array_unref(p->cands);
    if (p->active)
        json_node_unref(p->active);
}

static char *to_json(JsonNode *n)
{
    return json_to_string(n, FALSE);
}

/* The spec's RTCIceCandidateDescription keys, as docs/live.md shows them:
 * exactly those (related ones only off host candidates), of these types. */
static void check_candidate(JsonObject *c, const char *cid)
{
    static const char *const keys[] = { "connection-id", "foundation", "component", "transport",
                                        "priority", "connectionAddress", "connectionPort", "type" };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        ck_assert_msg(json_object_has_member(c, keys[i]), "candidate without '%s'", keys[i]);
    ck_assert_str_eq(lp_str(c, "connection-id"), cid);
    ck_assert_int_gt(strlen(lp_str(c, "foundation")), 0);
    ck_assert_int_eq(lp_num(c, "component"), 1);
    ck_assert_str_eq(lp_str(c, "transport"), "udp");
    gint64 prio = lp_num(c, "priority");
    ck_assert(prio >= 1 && prio <= 0x7fffffff);        /* RFC 8445 s.5.1.2.1 */
    ck_assert_str_eq(lp_str(c, "connectionAddress"), "127.0.0.1");
    gint64 port = lp_num(c, "connectionPort");
    ck_assert(port >= 1 && port <= 65535);
    ck_assert_str_eq(lp_str(c, "type"), "host");    /* loopback, no server */
    ck_assert_uint_eq(json_object_get_size(c), G_N_ELEMENTS(keys));
}

static void check_event_conn(JsonObject *e)
{
    ck_assert_str_eq(lp_str(e, "connection"), "c1");
}

/* p's peer_t: io is its first member (C11 s.6.7.2.1p15). */
static peer_t *peer_of(lp_peer_t *p)
{
    return (peer_t *)p;
}

/* The connection-id take_event checks candidates against: pump's. */
static const char *pump_cid;

/* Look at one event of p as the harness would: count it, check its form,
 * trickle a candidate to p->other (setLocalCandidate on p first, as the
 * scenarios' peers library does). */
static void take_event(lp_peer_t *io, JsonNode *n)
{
    peer_t *p = peer_of(io);
    const char *cid = pump_cid;
    JsonObject *e = lp_obj(n);
    const char *name = lp_str(e, "event");
    check_event_conn(e);
    if (strcmp(name, "candidate") == 0) {
        JsonObject *c = json_object_get_object_member(e, "candidate");
        check_candidate(c, cid);
        p->ncand++;
        JsonNode *cn = json_object_get_member(e, "candidate");
        g_ptr_array_add(p->cands, json_node_copy(cn));
        lp_trickle(&p->io, p->other ? &p->other->io : NULL, "c1", cn);
    } else if (strcmp(name, "endofcandidates") == 0) {
        ck_assert_msg(p->ncand > 0, "%s: endofcandidates before any candidate", p->io.name);
        p->neoc++;
    } else if (strcmp(name, "activecandidate") == 0) {
        check_candidate(json_object_get_object_member(e, "local"), cid);
        check_candidate(json_object_get_object_member(e, "remote"), cid);
        p->nactive++;
        if (p->active)
            json_node_unref(p->active);
        p->active = json_node_ref(n);
    } else if (strcmp(name, "connected") == 0) {
        p->nconnected++;
        p->connected_at = lp_now_ms();
    } else if (strcmp(name, "disconnected") == 0) {
        p->ndisconnected++;
    } else {
        ck_abort_msg("%s: an event the protocol does not have: %s", p->io.name, name);
    }
    json_node_unref(n);
}

/* Look at the events of a and b as they come until done(a, b) or the
 * deadline; whether done is then true. */
static bool pump(peer_t *a, peer_t *b, const char *cid, lp_done_fn done, long deadline)
{
    pump_cid = cid;
    return lp_pump(&a->io, &b->io, take_event, done, deadline);
}

static bool both_gathered(lp_peer_t *a, lp_peer_t *b)
{
    return peer_of(a)->neoc >= 1 && peer_of(b)->neoc >= 1;
}

static bool both_connected(lp_peer_t *ia, lp_peer_t *ib)
{
    peer_t *a = peer_of(ia), *b = peer_of(ib);
    return a->nconnected >= 1 && b->nconnected >= 1 && a->nactive >= 1 && b->nactive >= 1;
}

static int active_before_a, active_before_b, eoc_before_a, eoc_before_b;

static bool both_restarted(lp_peer_t *ia, lp_peer_t *ib)
{
    peer_t *a = peer_of(ia), *b = peer_of(ib);
    return a->nactive > active_before_a && b->nactive > active_before_b &&
           a->neoc > eoc_before_a && b->neoc > eoc_before_b;
}

static void hello(peer_t *p)
{
    JsonNode *n = lp_line(&p->io, lp_now_ms() + LP_ANSWER_MS);
    ck_assert_msg(n, "%s: no hello line", p->io.name);
    JsonObject *o = lp_obj(n);
    ck_assert_str_eq(lp_str(o, "event"), "hello");
    ck_assert_int_eq(lp_num(o, "protocol"), 1);
    ck_assert_str_eq(lp_str(o, "name"), "libnice 0.1.21");
    json_node_unref(n);
}

static JsonObject *member_obj(JsonNode *n, const char *k)
{
    return json_object_get_object_member(lp_obj(n), k);
}

/* The active pair's local candidate is one its side announced, the remote
 * one one the other side announced (same address and port). */
static bool announced(const peer_t *p, JsonObject *c)
{
    for (guint i = 0; i < p->cands->len; i++) {
        JsonObject *o = lp_obj(g_ptr_array_index(p->cands, i));
        if (lp_num(o, "connectionPort") == lp_num(c, "connectionPort") &&
            strcmp(lp_str(o, "connectionAddress"), lp_str(c, "connectionAddress")) == 0)
            return true;
    }
    return false;
}

static void check_active(peer_t *p, peer_t *other)
{
    JsonObject *e = lp_obj(p->active);
    ck_assert_msg(announced(p, json_object_get_object_member(e, "local")),
                  "%s: active local candidate was never announced", p->io.name);
    ck_assert_msg(announced(other, json_object_get_object_member(e, "remote")),
                  "%s: active remote candidate is not the peer's", p->io.name);
}

/* ---- the offer/answer dance, connected, restarted --------------------------------- */

START_TEST(offer_answer_connect_restart)
{
    peer_t a, b;
    peer_start(&a, "offerer");
    peer_start(&b, "answerer");
    hello(&a);
    hello(&b);
    a.other = &b;
    b.other = &a;

    lp_ok0(&a.io, "socket.new", "{\"socket\":\"s1\",\"stun\":[],\"turn\":[]}");
    JsonNode *r = lp_ok(&a.io, "connection.new", "{\"socket\":\"s1\",\"connection\":\"c1\"}");
    char *cid = g_strdup(lp_str(lp_obj(r), "id"));
    json_node_unref(r);
    ck_assert_int_gt(strlen(cid), 0);

    JsonNode *da = lp_ok(&a.io, "connection.getLocalDescription", "{\"connection\":\"c1\"}");
    JsonObject *desc_a = member_obj(da, "description");
    ck_assert_str_eq(lp_str(desc_a, "connection-id"), cid);
    /* RFC 8445 s.5.3: at least 4 and 22 characters (24 and 128 bits) */
    ck_assert_int_ge(strlen(lp_str(desc_a, "usefrag")), 4);
    ck_assert_int_ge(strlen(lp_str(desc_a, "secret")), 22);
    ck_assert(JSON_NODE_HOLDS_ARRAY(json_object_get_member(desc_a, "fingerprints")));
    char *ja = to_json(json_object_get_member(lp_obj(da), "description"));

    /* the answerer takes the offer at construction and its connection-id */
    lp_ok0(&b.io, "socket.new", "{\"socket\":\"s1\"}");
    char *params = g_strdup_printf("{\"socket\":\"s1\",\"connection\":\"c1\",\"remote\":%s}", ja);
    r = lp_ok(&b.io, "connection.new", params);
    ck_assert_str_eq(lp_str(lp_obj(r), "id"), cid);
    json_node_unref(r);
    g_free(params);
    JsonNode *db = lp_ok(&b.io, "connection.getLocalDescription", "{\"connection\":\"c1\"}");
    char *jb = to_json(json_object_get_member(lp_obj(db), "description"));

    /* trickle: each side's candidates reach the other before connect(),
     * and before the offerer has the answer (held: D126) */
    ck_assert_msg(pump(&a, &b, cid, both_gathered, lp_now_ms() + LP_ANSWER_MS),
                  "gathering did not end with endofcandidates on both sides");
    ck_assert_int_eq(a.neoc, 1);
    ck_assert_int_eq(b.neoc, 1);

    params = g_strdup_printf("{\"connection\":\"c1\",\"description\":%s}", jb);
    lp_ok0(&a.io, "connection.setRemoteDescription", params);
    g_free(params);
    long t0 = lp_now_ms();
    lp_ok0(&a.io, "connection.connect", "{\"connection\":\"c1\"}");
    lp_ok0(&b.io, "connection.connect", "{\"connection\":\"c1\"}");
    ck_assert_msg(pump(&a, &b, cid, both_connected, t0 + CONNECT_BOUND_MS),
                  "not connected with an active pair on both sides within %d ms "
                  "(offerer: %d connected, %d active; answerer: %d, %d)", CONNECT_BOUND_MS,
                  a.nconnected, a.nactive, b.nconnected, b.nactive);
    fprintf(stderr, "test_nice_adapter: connected after %ld ms (offerer), %ld ms (answerer)\n",
            a.connected_at - t0, b.connected_at - t0);
    check_active(&a, &b);
    check_active(&b, &a);

    /* ICE restart (RFC 8445 s.9) from the offerer, as scenarios/lib/peers.lua
     * does it: new credentials, same connection-id */
    active_before_a = a.nactive;
    active_before_b = b.nactive;
    eoc_before_a = a.neoc;
    eoc_before_b = b.neoc;
    lp_ok0(&a.io, "connection.update", "{\"connection\":\"c1\"}");
    JsonNode *da2 = lp_ok(&a.io, "connection.getLocalDescription", "{\"connection\":\"c1\"}");
    JsonObject *desc_a2 = member_obj(da2, "description");
    ck_assert_str_eq(lp_str(desc_a2, "connection-id"), cid);
    ck_assert_str_ne(lp_str(desc_a2, "usefrag"), lp_str(desc_a, "usefrag"));
    ck_assert_str_ne(lp_str(desc_a2, "secret"), lp_str(desc_a, "secret"));
    char *ja2 = to_json(json_object_get_member(lp_obj(da2), "description"));
    params = g_strdup_printf("{\"connection\":\"c1\",\"description\":%s}", ja2);
    lp_ok0(&b.io, "connection.setRemoteDescription", params);
    g_free(params);
    lp_ok0(&b.io, "connection.update", "{\"connection\":\"c1\"}");
    JsonNode *db2 = lp_ok(&b.io, "connection.getLocalDescription", "{\"connection\":\"c1\"}");
    JsonObject *desc_b2 = member_obj(db2, "description");
    ck_assert_str_ne(lp_str(desc_b2, "usefrag"),
                     lp_str(member_obj(db, "description"), "usefrag"));
    char *jb2 = to_json(json_object_get_member(lp_obj(db2), "description"));
    params = g_strdup_printf("{\"connection\":\"c1\",\"description\":%s}", jb2);
    lp_ok0(&a.io, "connection.setRemoteDescription", params);
    g_free(params);
    t0 = lp_now_ms();
    lp_ok0(&a.io, "connection.connect", "{\"connection\":\"c1\"}");
    lp_ok0(&b.io, "connection.connect", "{\"connection\":\"c1\"}");
    /* the candidates come again with endofcandidates (D129), and a pair
     * is selected again under the new credentials */
    ck_assert_msg(pump(&a, &b, cid, both_restarted, t0 + CONNECT_BOUND_MS),
                  "no new active pair on both sides within %d ms of the restart", CONNECT_BOUND_MS);
    check_active(&a, &b);
    check_active(&b, &a);
    /* the session never went down: connected fired once (D19, D127) */
    ck_assert_int_eq(a.nconnected, 1);
    ck_assert_int_eq(b.nconnected, 1);
    ck_assert_int_eq(a.ndisconnected, 0);
    ck_assert_int_eq(b.ndisconnected, 0);

    /* shutdown answers {} and exits 0; EOF on stdin exits 0 */
    lp_ok0(&a.io, "shutdown", NULL);
    ck_assert_int_eq(lp_wait(&a.io), 0);
    lp_eof(&b.io);
    ck_assert_int_eq(lp_wait(&b.io), 0);

    json_node_unref(da);
    json_node_unref(db);
    json_node_unref(da2);
    json_node_unref(db2);
    g_free(ja);
    g_free(jb);
    g_free(ja2);
    g_free(jb2);
    g_free(cid);
    peer_free(&a);
    peer_free(&b);
}
END_TEST

/* ---- the wire, seen by a fake peer --------------------------------------------------- */

typedef struct check_seen {
    bool got;
    bool controlling, controlled, use_candidate;
    char username[128];
} check_seen_t;

/* Wait for a STUN Binding request (RFC 8489 s.5, s.6: type 0x0001, magic
 * cookie) on fd and read its ICE attributes (RFC 8445 s.16.1:
 * ICE-CONTROLLED 0x8029, ICE-CONTROLLING 0x802A, USE-CANDIDATE 0x0025;
 * RFC 8489 s.14.3 USERNAME 0x0006). */
static check_seen_t wait_check(int fd, long deadline)
{
    check_seen_t s = { 0 };
    for (;;) {
        long left = deadline - lp_now_ms();
        if (left <= 0)
            return s;
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        if (poll(&pf, 1, (int)left) <= 0)
            continue;
        uint8_t m[1500];
        ssize_t n = recv(fd, m, sizeof m, 0);
        if (n < 20 || m[0] != 0x00 || m[1] != 0x01 || m[4] != 0x21 || m[5] != 0x12 ||
            m[6] != 0xa4 || m[7] != 0x42)
            continue;
        size_t len = (size_t)(m[2] << 8 | m[3]);
        if (20 + len > (size_t)n)
            continue;
        for (size_t off = 20; off + 4 <= 20 + len;) {
            unsigned t = m[off] << 8 | m[off + 1], l = m[off + 2] << 8 | m[off + 3];
            if (off + 4 + l > 20 + len)
                break;
            if (t == 0x802a) s.controlling = true;
            if (t == 0x8029) s.controlled = true;
            if (t == 0x0025) s.use_candidate = true;
            if (t == 0x0006 && l < sizeof s.username) {
                memcpy(s.username, m + off + 4, l);
                s.username[l] = 0;
            }
            off += 4 + ((l + 3) & ~3u);        /* RFC 8489 s.14: 32-bit aligned */
        }
        s.got = true;
        return s;
    }
}

static int udp_socket(int *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin_port);
    return fd;
}

#define FAKE_UFRAG "fake"
#define FAKE_PWD "fakefakefakefakefakefake"

/* One adapter against a UDP socket of the test's: the role on the wire
 * (the offerer controls, the answerer is controlled: RFC 8445 s.6.1.1,
 * s.7.1.3), the USERNAME "remote:local" (s.7.2.2) with the local usefrag
 * the adapter reported, and no check before connect() (D126). */
static void role_on_wire(bool offerer)
{
    peer_t p;
    peer_start(&p, offerer ? "offerer" : "answerer");
    hello(&p);
    int port, fd = udp_socket(&port);
    const char *cid = "fakeconnection01";
    lp_ok0(&p.io, "socket.new", "{\"socket\":\"s1\"}");
    char *fake_desc = g_strdup_printf("{\"connection-id\":\"%s\",\"usefrag\":\"" FAKE_UFRAG
                                      "\",\"secret\":\"" FAKE_PWD "\",\"fingerprints\":[]}", cid);
    char *params;
    JsonNode *r;
    if (offerer) {
        r = lp_ok(&p.io, "connection.new", "{\"socket\":\"s1\",\"connection\":\"c1\"}");
        cid = lp_str(lp_obj(r), "id");
        g_free(fake_desc);
        fake_desc = g_strdup_printf("{\"connection-id\":\"%s\",\"usefrag\":\"" FAKE_UFRAG
                                    "\",\"secret\":\"" FAKE_PWD "\",\"fingerprints\":[]}", cid);
        params = g_strdup_printf("{\"connection\":\"c1\",\"description\":%s}", fake_desc);
        lp_ok0(&p.io, "connection.setRemoteDescription", params);
        g_free(params);
    } else {
        params = g_strdup_printf("{\"socket\":\"s1\",\"connection\":\"c1\",\"remote\":%s}",
                                 fake_desc);
        r = lp_ok(&p.io, "connection.new", params);
        g_free(params);
        ck_assert_str_eq(lp_str(lp_obj(r), "id"), cid);
    }
    JsonNode *d = lp_ok(&p.io, "connection.getLocalDescription", "{\"connection\":\"c1\"}");
    const char *ufrag = lp_str(member_obj(d, "description"), "usefrag");
    params = g_strdup_printf("{\"connection\":\"c1\",\"candidate\":{\"connection-id\":\"%s\","
                             "\"foundation\":\"9\",\"component\":1,\"transport\":\"udp\","
                             "\"priority\":2130706431,\"connectionAddress\":\"127.0.0.1\","
                             "\"connectionPort\":%d,\"type\":\"host\"}}", cid, port);
    lp_ok0(&p.io, "connection.setRemoteCandidate", params);
    g_free(params);

    check_seen_t s = wait_check(fd, lp_now_ms() + CHECK_BOUND_MS);
    ck_assert_msg(!s.got, "a check left before connect()");
    long t0 = lp_now_ms();
    lp_ok0(&p.io, "connection.connect", "{\"connection\":\"c1\"}");
    s = wait_check(fd, t0 + CHECK_BOUND_MS);
    ck_assert_msg(s.got, "no check within %d ms of connect()", CHECK_BOUND_MS);
    ck_assert_msg(s.controlling == offerer && s.controlled == !offerer,
                  "%s: ICE-CONTROLLING %d, ICE-CONTROLLED %d", p.io.name, s.controlling,
                  s.controlled);
    char want[64];
    snprintf(want, sizeof want, FAKE_UFRAG ":%s", ufrag);
    ck_assert_str_eq(s.username, want);

    json_node_unref(d);
    json_node_unref(r);
    g_free(fake_desc);
    close(fd);
    peer_free(&p);
}

START_TEST(offerer_controls)
{
    role_on_wire(true);
}
END_TEST

START_TEST(answerer_is_controlled)
{
    role_on_wire(false);
}
END_TEST

/* Wait for a STUN request of method `method` (RFC 8489 s.5: the type's
 * class bits 0 for a request; the length that of the datagram) on fd;
 * whether one came. No magic cookie is asked for: libnice 0.1.21 sends
 * its server-reflexive Binding requests in RFC 3489's form (agent.c,
 * priv_add_new_candidate_discovery_stun: STUN_COMPATIBILITY_RFC3489), a
 * 128-bit transaction id where the cookie would be. */
static bool wait_request(int fd, unsigned method, long deadline)
{
    for (;;) {
        long left = deadline - lp_now_ms();
        if (left <= 0)
            return false;
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        if (poll(&pf, 1, (int)left) <= 0)
            continue;
        uint8_t m[1500];
        ssize_t n = recv(fd, m, sizeof m, 0);
        if (n >= 20 && (unsigned)(m[0] << 8 | m[1]) == method &&
            (size_t)(m[2] << 8 | m[3]) + 20 == (size_t)n)
            return true;
    }
}

/* socket.new's servers reach libnice: gathering sends a Binding request
 * to the STUN server (RFC 8445 s.5.1.1.2) and an Allocate (RFC 8656
 * s.7.1, method 0x003) to the TURN server, each a UDP socket of the
 * test's, within CHECK_BOUND_MS of connection.new (gathering starts at
 * once, the spec's "Operation"; the first transaction leaves within one
 * Ta, s.14.2). */
START_TEST(servers_on_wire)
{
    peer_t p;
    peer_start(&p, "adapter");
    hello(&p);
    int sport, sfd = udp_socket(&sport), tport, tfd = udp_socket(&tport);
    char *params = g_strdup_printf("{\"socket\":\"s1\",\"stun\":[{\"ip\":\"127.0.0.1\",\"port\":%d}],"
                                   "\"turn\":[{\"ip\":\"127.0.0.1\",\"port\":%d,\"username\":\"u\","
                                   "\"password\":\"p\"}]}", sport, tport);
    lp_ok0(&p.io, "socket.new", params);
    g_free(params);
    long t0 = lp_now_ms();
    lp_ok0(&p.io, "connection.new", "{\"socket\":\"s1\",\"connection\":\"c1\"}");
    ck_assert_msg(wait_request(sfd, 0x0001, t0 + CHECK_BOUND_MS), "no Binding request to the STUN server");
    ck_assert_msg(wait_request(tfd, 0x0003, t0 + CHECK_BOUND_MS), "no Allocate to the TURN server");
    /* two STUN servers are more than NiceAgent takes (D125) */
    lp_refused(&p.io, "socket.new", "{\"socket\":\"s2\",\"stun\":[{\"ip\":\"127.0.0.1\","
               "\"port\":1},{\"ip\":\"127.0.0.1\",\"port\":2}]}", "unsupported", "stun");
    close(sfd);
    close(tfd);
    peer_free(&p);
}
END_TEST

/* RFC 8489 s.14.7: FINGERPRINT is the CRC-32 of ISO 3309 (reflected,
 * polynomial 0xEDB88320) XORed with 0x5354554e. */
static uint32_t crc32_iso3309(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/* Answer every Binding request on fd with a 400 (Bad Request) error
 * response, unrecoverable (RFC 8489 s.6.3.4) and sent without
 * MESSAGE-INTEGRITY as a 400 may be, with a FINGERPRINT as ICE's
 * messages carry (RFC 8445 s.7.1), so that the sender fails the pair
 * (RFC 8445 s.7.2.5.4). Until p says `event`, or the deadline; the
 * connected and disconnected events p wrote meanwhile are counted. */
static bool refuse_checks_until(peer_t *p, int fd, const char *event, long deadline)
{
    for (;;) {
        JsonNode *n;
        while ((n = g_queue_pop_head(&p->io.events))) {
            JsonObject *e = lp_obj(n);
            const char *name = lp_str(e, "event");
            bool hit = strcmp(name, event) == 0;
            if (strcmp(name, "connected") == 0)
                p->nconnected++;
            if (strcmp(name, "disconnected") == 0)
                p->ndisconnected++;
            json_node_unref(n);
            if (hit)
                return true;
        }
        long left = deadline - lp_now_ms();
        if (left <= 0)
            return false;
        struct pollfd pf[2] = { { .fd = fd, .events = POLLIN }, { .fd = p->io.out, .events = POLLIN } };
        if (memchr(p->io.buf->str, '\n', p->io.buf->len))
            pf[1].revents = POLLIN;
        else if (poll(pf, 2, (int)left) <= 0)
            continue;
        if (pf[1].revents) {
            n = lp_line(&p->io, lp_now_ms() + 100);
            if (n)
                g_queue_push_tail(&p->io.events, n);
        }
        if (!(pf[0].revents & POLLIN))
            continue;
        uint8_t m[1500], r[64];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t k = recvfrom(fd, m, sizeof m, 0, (struct sockaddr *)&from, &fl);
        if (k < 20 || m[0] != 0x00 || m[1] != 0x01)
            continue;
        static const char reason[] = "Bad Request";       /* 11 bytes, padded to 12 */
        size_t len = 0;
        r[len++] = 0x01; r[len++] = 0x11;                   /* Binding error response */
        r[len++] = 0; r[len++] = 0;                         /* length, below */
        memcpy(r + len, m + 4, 16);                         /* cookie and transaction id */
        len += 16;
        r[len++] = 0x00; r[len++] = 0x09;                   /* ERROR-CODE */
        r[len++] = 0; r[len++] = 4 + 11;
        r[len++] = 0; r[len++] = 0; r[len++] = 4; r[len++] = 0;   /* class 4, number 0 */
        memcpy(r + len, reason, 11);
        len += 11;
        r[len++] = 0;
        size_t body = len - 20 + 8;                         /* with the FINGERPRINT */
        r[2] = (uint8_t)(body >> 8);
        r[3] = (uint8_t)body;
        uint32_t fp = crc32_iso3309(r, len) ^ 0x5354554eu;
        r[len++] = 0x80; r[len++] = 0x28; r[len++] = 0; r[len++] = 4;
        r[len++] = (uint8_t)(fp >> 24); r[len++] = (uint8_t)(fp >> 16);
        r[len++] = (uint8_t)(fp >> 8); r[len++] = (uint8_t)fp;
        sendto(fd, r, len, 0, (struct sockaddr *)&from, fl);
    }
}

/* Every pair failed before the connection ever connected: FAILED, and so
 * `disconnected` (D127, as ref/'s D16). libnice declares a component
 * FAILED once its check list has had nothing to do for its idle grace
 * (agent.c DEFAULT_IDLE_TIMEOUT, 5000 ms); the one pair fails at its
 * first check, within a Ta of connect(): 5 s + 3 s of margin (60 Ta). */
#define FAIL_BOUND_MS (5000 + 60 * TA_MS)

START_TEST(failed_checks_disconnect)
{
    peer_t p;
    peer_start(&p, "offerer");
    hello(&p);
    int port, fd = udp_socket(&port);
    lp_ok0(&p.io, "socket.new", "{\"socket\":\"s1\"}");
    JsonNode *r = lp_ok(&p.io, "connection.new", "{\"socket\":\"s1\",\"connection\":\"c1\"}");
    const char *cid = lp_str(lp_obj(r), "id");
    char *params = g_strdup_printf("{\"connection\":\"c1\",\"description\":{\"connection-id\":\"%s\","
                                   "\"usefrag\":\"" FAKE_UFRAG "\",\"secret\":\"" FAKE_PWD "\"}}", cid);
    lp_ok0(&p.io, "connection.setRemoteDescription", params);
    g_free(params);
    params = g_strdup_printf("{\"connection\":\"c1\",\"candidate\":{\"connection-id\":\"%s\","
                             "\"foundation\":\"9\",\"component\":1,\"transport\":\"udp\","
                             "\"priority\":2130706431,\"connectionAddress\":\"127.0.0.1\","
                             "\"connectionPort\":%d,\"type\":\"host\"}}", cid, port);
    lp_ok0(&p.io, "connection.setRemoteCandidate", params);
    g_free(params);
    long t0 = lp_now_ms();
    lp_ok0(&p.io, "connection.connect", "{\"connection\":\"c1\"}");
    ck_assert_msg(refuse_checks_until(&p, fd, "disconnected", t0 + FAIL_BOUND_MS),
                  "no disconnected within %d ms of every pair failing", FAIL_BOUND_MS);
    fprintf(stderr, "test_nice_adapter: disconnected after %ld ms\n", lp_now_ms() - t0);
    ck_assert_int_eq(p.nconnected, 0);
    ck_assert_int_eq(p.ndisconnected, 1);
    json_node_unref(r);
    close(fd);
    peer_free(&p);
}
END_TEST

/* ---- bad requests ------------------------------------------------------------------ */

START_TEST(bad_requests)
{
    peer_t p;
    peer_start(&p, "adapter");
    hello(&p);

    /* a line that is not JSON: id null, invalid, and the adapter carries on */
    /* an id neither an integer nor a string is no id (D172) */
    static const char *const junk[] = { "hello there", "{\"id\":1,", "[1,2]", "{\"method\":\"shutdown\"}",
                                        "{\"id\":true,\"method\":\"shutdown\"}",
                                        "{\"id\":1.5,\"method\":\"shutdown\"}" };
    for (size_t i = 0; i < G_N_ELEMENTS(junk); i++) {
        lp_send(&p.io, junk[i]);
        JsonNode *n = lp_line(&p.io, lp_now_ms() + LP_ANSWER_MS);
        ck_assert_msg(n, "no answer to '%s'", junk[i]);
        JsonObject *o = lp_obj(n);
        ck_assert(JSON_NODE_HOLDS_NULL(json_object_get_member(o, "id")));
        ck_assert_str_eq(lp_str(json_object_get_object_member(o, "error"), "code"), "invalid");
        json_node_unref(n);
    }

    /* docs/live.md: no line longer than 64 KiB; one that is longer is
     * refused whole, and the next line is read */
    GString *big = g_string_new("{\"id\":99,\"method\":\"socket.new\",\"params\":{\"socket\":\"");
    while (big->len < 70000)
        g_string_append_c(big, 'x');
    g_string_append(big, "\"}}");
    lp_send(&p.io, big->str);
    g_string_free(big, TRUE);
    JsonNode *n = lp_line(&p.io, lp_now_ms() + LP_ANSWER_MS);
    ck_assert_msg(n, "no answer to a 70000-byte line");
    ck_assert(JSON_NODE_HOLDS_NULL(json_object_get_member(lp_obj(n), "id")));
    ck_assert(strstr(lp_str(json_object_get_object_member(lp_obj(n), "error"), "message"),
                     "65536"));
    json_node_unref(n);

    lp_refused(&p.io, "connection.dance", "{}", "unsupported", "connection.dance: no such method (docs/live.md");
    /* a member whose value is null is absent (D172) */
    lp_refused(&p.io, "socket.new", "{\"socket\":null}", "invalid", "socket: missing");
    lp_refused(&p.io, "socket.new", "{}", "invalid", "socket");
    lp_refused(&p.io, "socket.new", "{\"socket\":7}", "invalid", "socket");
    lp_refused(&p.io, "socket.new", "{\"socket\":\"s1\",\"stun\":{}}", "invalid", "stun");
    lp_refused(&p.io, "socket.new", "{\"socket\":\"s1\",\"stun\":[{\"ip\":\"10.0.0.1\"}]}",
               "invalid", "stun[0].port");
    lp_refused(&p.io, "socket.new", "{\"socket\":\"s1\",\"turn\":[{\"ip\":\"10.0.0.1\","
               "\"port\":3478,\"username\":\"u\"}]}", "invalid", "turn[0].password");
    lp_ok0(&p.io, "socket.new", "{\"socket\":\"s1\"}");
    lp_refused(&p.io, "socket.new", "{\"socket\":\"s1\"}", "invalid", "s1");
    lp_refused(&p.io, "connection.new", "{\"connection\":\"c1\"}", "invalid", "socket");
    lp_refused(&p.io, "connection.new", "{\"socket\":\"s9\",\"connection\":\"c1\"}", "invalid",
               "s9");
    lp_refused(&p.io, "connection.new", "{\"socket\":\"s1\",\"connection\":\"c1\",\"remote\":"
               "{\"connection-id\":\"x\",\"usefrag\":\"abcd\"}}", "invalid", "remote.secret");
    lp_refused(&p.io, "connection.getLocalDescription", "{\"connection\":\"c1\"}", "invalid", "c1");
    JsonNode *r = lp_ok(&p.io, "connection.new", "{\"socket\":\"s1\",\"connection\":\"c1\"}");
    char *cid = g_strdup(lp_str(lp_obj(r), "id"));
    json_node_unref(r);
    lp_refused(&p.io, "connection.new", "{\"socket\":\"s1\",\"connection\":\"c1\"}", "invalid",
               "c1");
    lp_refused(&p.io, "connection.connect", NULL, "invalid", "connection");
    lp_refused(&p.io, "connection.connect", "{\"connection\":\"c2\"}", "invalid", "c2");
    lp_refused(&p.io, "connection.update", "{\"connection\":[]}", "invalid", "connection");
    lp_refused(&p.io, "connection.setRemoteDescription", "{\"connection\":\"c1\"}", "invalid",
               "description");
    lp_refused(&p.io, "connection.setRemoteDescription", "{\"connection\":\"c1\",\"description\":"
               "{\"connection-id\":\"other\",\"usefrag\":\"abcd\",\"secret\":\"abcdefghijklmnopqrstuv\"}}",
               "invalid", "description.connection-id");
    lp_refused(&p.io, "connection.setRemoteDescription", "{\"connection\":\"c1\",\"description\":"
               "{\"connection-id\":\"x\",\"usefrag\":\"ab\",\"secret\":\"abcdefghijklmnopqrstuv\"}}",
               "invalid", "description.usefrag");

    /* candidates: each key missing, then each of the wrong type */
    static const char *const ckeys[] = { "connection-id", "foundation", "component", "transport",
                                         "priority", "connectionAddress", "connectionPort", "type" };
    char *vals[8];
    vals[0] = g_strdup_printf("\"%s\"", cid);
    vals[1] = g_strdup("\"1\"");
    vals[2] = g_strdup("1");
    vals[3] = g_strdup("\"udp\"");
    vals[4] = g_strdup("2130706431");
    vals[5] = g_strdup("\"127.0.0.1\"");
    vals[6] = g_strdup("5000");
    vals[7] = g_strdup("\"host\"");
    static const char *const wrong[] = { "1", "2", "\"1\"", "17", "\"high\"", "7", "\"5000\"", "[]" };
    for (int mode = 0; mode < 2; mode++)
        for (int k = 0; k < 8; k++) {
            GString *c = g_string_new("{\"connection\":\"c1\",\"candidate\":{");
            bool first = true;
            for (int j = 0; j < 8; j++) {
                if (j == k && mode == 0)
                    continue;
                g_string_append_printf(c, "%s\"%s\":%s", first ? "" : ",", ckeys[j],
                                       j == k ? wrong[j] : vals[j]);
                first = false;
            }
            g_string_append(c, "}}");
            char name[64];
            snprintf(name, sizeof name, "candidate.%s", ckeys[k]);
            lp_refused(&p.io, "connection.setRemoteCandidate", c->str, "invalid", name);
            g_string_free(c, TRUE);
        }
    /* values of the right type out of range or form */
    char *c = g_strdup_printf("{\"connection\":\"c1\",\"candidate\":{\"connection-id\":\"%s\","
                              "\"foundation\":\"1\",\"component\":1,\"transport\":\"tcp\","
                              "\"priority\":1,\"connectionAddress\":\"127.0.0.1\","
                              "\"connectionPort\":5000,\"type\":\"host\"}}", cid);
    lp_refused(&p.io, "connection.setRemoteCandidate", c, "invalid", "candidate.transport");
    g_free(c);
    c = g_strdup_printf("{\"connection\":\"c1\",\"candidate\":{\"connection-id\":\"%s\","
                        "\"foundation\":\"1\",\"component\":1,\"transport\":\"udp\","
                        "\"priority\":1,\"connectionAddress\":\"localhost\","
                        "\"connectionPort\":5000,\"type\":\"host\"}}", cid);
    lp_refused(&p.io, "connection.setRemoteCandidate", c, "invalid", "candidate.connectionAddress");
    g_free(c);
    /* setLocalCandidate takes only what the connection gathered */
    c = g_strdup_printf("{\"connection\":\"c1\",\"candidate\":{\"connection-id\":\"%s\","
                        "\"foundation\":\"1\",\"component\":1,\"transport\":\"udp\","
                        "\"priority\":1,\"connectionAddress\":\"127.0.0.1\","
                        "\"connectionPort\":9,\"type\":\"host\"}}", cid);
    lp_refused(&p.io, "connection.setLocalCandidate", c, "invalid", "candidate");
    g_free(c);
    for (int k = 0; k < 8; k++)
        g_free(vals[k]);

    /* calls out of order: connect twice; an answerer's setRemoteDescription
     * without a restart */
    lp_ok0(&p.io, "connection.connect", "{\"connection\":\"c1\"}");
    lp_refused(&p.io, "connection.connect", "{\"connection\":\"c1\"}", "invalid",
               "InvalidStateError");
    char *offer = g_strdup_printf("{\"connection-id\":\"%s\",\"usefrag\":\"abcd\","
                                  "\"secret\":\"abcdefghijklmnopqrstuv\",\"fingerprints\":[]}", cid);
    char *pp = g_strdup_printf("{\"socket\":\"s1\",\"connection\":\"c2\",\"remote\":%s}", offer);
    lp_ok0(&p.io, "connection.new", pp);
    g_free(pp);
    pp = g_strdup_printf("{\"connection\":\"c2\",\"description\":%s}", offer);
    lp_refused(&p.io, "connection.setRemoteDescription", pp, "invalid", "InvalidStateError");
    g_free(pp);
    g_free(offer);

    /* still answering after all that; then EOF ends it with status 0 */
    lp_ok0(&p.io, "connection.getLocalDescription", "{\"connection\":\"c1\"}");
    lp_eof(&p.io);
    ck_assert_int_eq(lp_wait(&p.io), 0);
    g_free(cid);
    peer_free(&p);
}
END_TEST

/* ---- update() after the host's address changed ------------------------------------ */

/* The test's namespace, named by the runner's pid in main(), deleted by
 * the case's teardown in the runner (a failed check ends the test's own
 * process before it could). */
static char test_ns[40];

static void netns_teardown(void)
{
    char cmd[80];
    snprintf(cmd, sizeof cmd, "ip netns del %s 2>/dev/null", test_ns);
    if (system(cmd) < 0)
        fprintf(stderr, "test_nice_adapter: cannot delete namespace %s\n", test_ns);
}

/* `ip ARGS` (a format); its exit status. */
static int ip(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static int ip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *cmd = g_strdup_printf("ip %s 2>&1", args);
    int st = system(cmd);
    g_free(cmd);
    g_free(args);
    return st;
}

/* Read p's events until endofcandidates (or the deadline), each
 * candidate's address into addrs and port into ports; the count of
 * `disconnected` among them into *down. Whether endofcandidates came. */
static bool gathered(peer_t *p, GPtrArray *addrs, GArray *ports, int *down, long deadline)
{
    for (;;) {
        JsonNode *n = g_queue_pop_head(&p->io.events);
        if (!n)
            n = lp_line(&p->io, deadline);
        if (!n)
            return false;
        JsonObject *e = lp_obj(n);
        ck_assert_msg(json_object_has_member(e, "event"), "%s: a response nobody asked for", p->io.name);
        const char *name = lp_str(e, "event");
        if (strcmp(name, "candidate") == 0) {
            JsonObject *c = json_object_get_object_member(e, "candidate");
            g_ptr_array_add(addrs, g_strdup(lp_str(c, "connectionAddress")));
            gint64 port = lp_num(c, "connectionPort");
            g_array_append_val(ports, port);
        } else if (strcmp(name, "disconnected") == 0) {
            (*down)++;
        }
        bool eoc = strcmp(name, "endofcandidates") == 0;
        json_node_unref(n);
        if (eoc)
            return true;
    }
}

/* The adapter runs as on a live host: in a namespace whose one interface
 * is a TUN device (held open here, so that it is running: libnice lists
 * only interfaces up and running) with a /32. It gathers on 10.99.0.1;
 * the namespace is renumbered to 10.99.0.2 as sim/host/live.c does it
 * (the new address added, the old deleted); update() must announce
 * candidates on 10.99.0.2 only, under new credentials (the spec's
 * update(): gathering again; D148). A second update() with nothing
 * changed is D129's restart: the same candidates, announced again. */
START_TEST(renumbering_regathers)
{
    if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) < 0) {
        fprintf(stderr, "test_nice_adapter: renumbering_regathers skipped: needs root and "
                        "/dev/net/tun\n");
        return;
    }
    const char *ns = test_ns;
    char dev[IFNAMSIZ];
    snprintf(dev, sizeof dev, "nt%ld", (long)getpid() % 100000);
    int tun = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", dev);
    ck_assert_int_ge(tun, 0);
    ck_assert_int_eq(ioctl(tun, TUNSETIFF, &ifr), 0);
    ck_assert_int_eq(ip("netns add %s", ns), 0);
    ck_assert_int_eq(ip("link set %s netns %s", dev, ns), 0);
    ck_assert_int_eq(ip("-n %s addr add 10.99.0.1/32 dev %s", ns, dev), 0);
    ck_assert_int_eq(ip("-n %s link set %s up", ns, dev), 0);
    char nspath[80];
    snprintf(nspath, sizeof nspath, "/run/netns/%s", ns);
    peer_netns = open(nspath, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(peer_netns, 0);

    peer_t p;
    peer_start(&p, "renumbered");
    close(peer_netns);
    peer_netns = -1;
    hello(&p);
    lp_ok0(&p.io, "socket.new", "{\"socket\":\"s1\"}");
    lp_ok0(&p.io, "connection.new", "{\"socket\":\"s1\",\"connection\":\"c1\"}");
    JsonNode *d1 = lp_ok(&p.io, "connection.getLocalDescription", "{\"connection\":\"c1\"}");
    GPtrArray *addrs = g_ptr_array_new_with_free_func(g_free);
    GArray *ports = g_array_new(FALSE, FALSE, sizeof(gint64));
    int down = 0;
    ck_assert_msg(gathered(&p, addrs, ports, &down, lp_now_ms() + LP_ANSWER_MS),
                  "no endofcandidates");
    ck_assert_uint_ge(addrs->len, 1);
    for (guint i = 0; i < addrs->len; i++)
        ck_assert_str_eq(g_ptr_array_index(addrs, i), "10.99.0.1");

    ck_assert_int_eq(ip("-n %s addr add 10.99.0.2/32 dev %s", ns, dev), 0);
    ck_assert_int_eq(ip("-n %s addr del 10.99.0.1/32 dev %s", ns, dev), 0);
    lp_ok0(&p.io, "connection.update", "{\"connection\":\"c1\"}");
    JsonNode *d2 = lp_ok(&p.io, "connection.getLocalDescription", "{\"connection\":\"c1\"}");
    ck_assert_str_ne(lp_str(member_obj(d2, "description"), "usefrag"),
                     lp_str(member_obj(d1, "description"), "usefrag"));
    ck_assert_str_eq(lp_str(member_obj(d2, "description"), "connection-id"),
                     lp_str(member_obj(d1, "description"), "connection-id"));
    g_ptr_array_set_size(addrs, 0);
    g_array_set_size(ports, 0);
    ck_assert_msg(gathered(&p, addrs, ports, &down, lp_now_ms() + LP_ANSWER_MS),
                  "no endofcandidates after update()");
    ck_assert_uint_ge(addrs->len, 1);
    for (guint i = 0; i < addrs->len; i++)
        ck_assert_msg(strcmp(g_ptr_array_index(addrs, i), "10.99.0.2") == 0,
                      "update() after the renumbering announced %s, which the host no longer has",
                      (char *)g_ptr_array_index(addrs, i));
    ck_assert_int_eq(down, 0);              /* never connected: nothing to lose */

    /* nothing changed since: D129's restart, the same candidates again */
    GArray *before = g_array_copy(ports);
    g_ptr_array_set_size(addrs, 0);
    g_array_set_size(ports, 0);
    lp_ok0(&p.io, "connection.update", "{\"connection\":\"c1\"}");
    ck_assert_msg(gathered(&p, addrs, ports, &down, lp_now_ms() + LP_ANSWER_MS),
                  "no endofcandidates after the second update()");
    ck_assert_uint_eq(ports->len, before->len);
    for (guint i = 0; i < ports->len; i++) {
        ck_assert_str_eq(g_ptr_array_index(addrs, i), "10.99.0.2");
        ck_assert_int_eq(g_array_index(ports, gint64, i), g_array_index(before, gint64, i));
    }

    lp_ok0(&p.io, "shutdown", NULL);
    ck_assert_int_eq(lp_wait(&p.io), 0);
    json_node_unref(d1);
    json_node_unref(d2);
    g_array_unref(before);
    g_array_unref(ports);
    g_ptr_array_unref(addrs);
    peer_free(&p);
    close(tun);
}
END_TEST

static Suite *nice_adapter_suite(void)
{
    Suite *s = suite_create("nice_adapter");
    TCase *tc = tcase_create("protocol");
    /* bounds above are a few seconds each; the whole case is far under */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, offer_answer_connect_restart);
    tcase_add_test(tc, offerer_controls);
    tcase_add_test(tc, answerer_is_controlled);
    tcase_add_test(tc, servers_on_wire);
    tcase_add_test(tc, failed_checks_disconnect);
    tcase_add_test(tc, bad_requests);
    suite_add_tcase(s, tc);
    TCase *nc = tcase_create("netns");
    tcase_set_timeout(nc, 60);
    tcase_add_unchecked_fixture(nc, NULL, netns_teardown);
    tcase_add_test(nc, renumbering_regathers);
    suite_add_tcase(s, nc);
    return s;
}

int main(void)
{
    /* a dead adapter's pipe must fail a write, not kill the test */
    signal(SIGPIPE, SIG_IGN);
    snprintf(test_ns, sizeof test_ns, "nicetest-%ld", (long)getpid());
    SRunner *sr = srunner_create(nice_adapter_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
