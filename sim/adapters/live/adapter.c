/*
 * adapter.c - rtcsim-live: any in-process implementation of the C ABI
 * (include/rtcsim/impl.h, e.g. build/ref.so) served as a live program,
 * driven by the live-host control protocol (docs/live.md, version 1,
 * with "Media and DTMF") on stdin and stdout.
 *
 * The adapter is the harness of a sans-IO implementation on real I/O:
 * env.now is CLOCK_MONOTONIC, env.random getrandom(2), env.send a
 * sendto() from the UDP socket bound at `from`, and each object's one
 * timer is kept here and fired from the poll loop. After every input (a
 * request, a datagram, a timer) the events of every object are taken and
 * written as the protocol's event lines. How the protocol maps onto the
 * table, and what is decided where the contract leaves it open, is the
 * "Adapters: any in-process implementation" section of docs/live.md;
 * the choices are D143-D147 in docs/decisions.md.
 *
 * The protocol owns stdout: a private copy of its descriptor carries the
 * lines and fd 1 becomes stderr, so that nothing the implementation or a
 * library prints can corrupt the stream.
 *
 * Usage: rtcsim-live --impl PATH.so [--address IPV4]... [--keylog FILE] [--debug]
 *   --address: bind each socket on these local addresses (the unit test
 *   uses 127.0.0.1); without it, every IPv4 address of the host but
 *   loopback, which in a live host's namespace is the TUN device's alone.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "rtcsim/impl.h"
#include "common/jsonl.h"

/* One socket per local address; a live host has one interface (D132),
 * the bound is for a test machine's --address list. */
#define MAX_LOCALS 16
/* Events taken from one object after one input, at most: a queue that
 * does not empty is an implementation's bug, and must not stop the loop
 * (the rest are taken after the next input). */
#define EVENTS_PER_INPUT 4096
/* Datagrams read from one socket in one turn of the loop, so that one
 * busy socket cannot starve stdin and the timers. */
#define READS_PER_TURN 64
#define ERR_LEN 256

/* ---- state ------------------------------------------------------------------------- */

typedef struct sock {
    char *name;                        /* the harness's ("s1") */
    rtcsim_socket_t *h;
    rtcsim_env_t env;                  /* ctx: this sock_t */
    size_t n;
    int fd[MAX_LOCALS];
    rtcsim_addr_t local[MAX_LOCALS];
    struct sock *next;
} sock_t;

typedef struct conn {
    char *name;                        /* the harness's ("c1") */
    rtcsim_connection_t *h;
    struct conn *next;
} conn_t;

typedef struct sess {
    char *name;                        /* the harness's ("m1") */
    rtcsim_media_t *h;
    rtcsim_env_t env;                  /* ctx: NULL (its datagrams leave by its connections') */
    struct sess *next;
} sess_t;

/* One armed timer per object (impl.h, env.set_timer), by owner and the
 * implementation's handle: a timer may be armed from inside the *_new
 * call, before the adapter has the handle in its own lists. */
typedef struct tmr {
    rtcsim_timer_owner_t owner;
    void *obj;
    uint64_t at;
} tmr_t;

static const rtcsim_impl_t *T;
static FILE *proto;                    /* the protocol's stdout */
static FILE *keylog_file;
static bool debug;
static bool quit;
static sock_t *sockets;
static conn_t *conns;
static sess_t *sessions;
static tmr_t *timers;
static size_t ntimers, cap_timers;
static uint32_t addresses[MAX_LOCALS]; /* host byte order, from --address */
static size_t naddresses;
static uint64_t bad_sends;             /* env.send from an address never given */

static void logf_(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void logf_(const char *fmt, ...)
{
    va_list ap;
    fputs("rtcsim-live: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- the environment (impl.h, rtcsim_env_t) ------------------------------------------ */

static uint64_t env_now(void *ctx)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static tmr_t *timer_find(rtcsim_timer_owner_t owner, const void *obj)
{
    for (size_t i = 0; i < ntimers; i++)
        if (timers[i].owner == owner && timers[i].obj == obj)
            return &timers[i];
    return NULL;
}

static void timer_drop(rtcsim_timer_owner_t owner, const void *obj)
{
    tmr_t *t = timer_find(owner, obj);
    if (t)
        *t = timers[--ntimers];
}

static void env_set_timer(void *ctx, rtcsim_timer_owner_t owner, void *obj, uint64_t at)
{
    if (owner > RTCSIM_TIMER_MEDIA || !obj) {
        logf_("implementation bug: set_timer with owner %d, object %p: ignored", (int)owner, obj);
        return;
    }
    if (at == RTCSIM_TIME_NEVER) {
        timer_drop(owner, obj);
        return;
    }
    tmr_t *t = timer_find(owner, obj);
    if (!t) {
        if (ntimers == cap_timers) {
            cap_timers = cap_timers ? 2 * cap_timers : 16;
            timers = g_renew(tmr_t, timers, cap_timers);
        }
        t = &timers[ntimers++];
        t->owner = owner;
        t->obj = obj;
    }
    t->at = at;
}

static bool addr_eq(const rtcsim_addr_t *a, const rtcsim_addr_t *b)
{
    return a->ip == b->ip && a->port == b->port;
}

static void sin_of(const rtcsim_addr_t *a, struct sockaddr_in *sin)
{
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(a->ip);
    sin->sin_port = htons(a->port);
}

static const char *addr_str(const rtcsim_addr_t *a, char buf[24])
{
    struct in_addr in = { htonl(a->ip) };
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &in, ip, sizeof ip);
    snprintf(buf, 24, "%s:%u", ip, (unsigned)a->port);
    return buf;
}

/* The fd bound at from: of the socket whose env this is, or, for a media
 * session's env (ctx NULL), of any socket (its connections' sockets). */
static int fd_at(const sock_t *only, const rtcsim_addr_t *from)
{
    for (const sock_t *s = sockets; s; s = s->next)
        for (size_t i = 0; (!only || s == only) && i < s->n; i++)
            if (addr_eq(&s->local[i], from))
                return s->fd[i];
    /* inside socket_new the socket is not in the list yet */
    for (size_t i = 0; only && i < only->n; i++)
        if (addr_eq(&only->local[i], from))
            return only->fd[i];
    return -1;
}

static rtcsim_send_status_t env_send(void *ctx, const rtcsim_addr_t *from, const rtcsim_addr_t *to,
                                     const uint8_t *data, size_t len)
{
    char a[24], b[24];
    int fd = fd_at(ctx, from);
    if (fd < 0) {
        /* impl.h: a datagram from an address never given is the
         * implementation's error; here it is logged, dropped, counted */
        bad_sends++;
        logf_("implementation bug: send from %s (never given to %s) to %s: dropped (%llu so far)",
              addr_str(from, a), ctx ? ((sock_t *)ctx)->name : "any socket", addr_str(to, b),
              (unsigned long long)bad_sends);
        return RTCSIM_SEND_NOT_LOCAL;
    }
    struct sockaddr_in sin;
    sin_of(to, &sin);
    if (sendto(fd, data, len, 0, (struct sockaddr *)&sin, sizeof sin) >= 0)
        return RTCSIM_SEND_OK;
    if (errno == EMSGSIZE)
        return RTCSIM_SEND_TOO_LARGE;
    if (debug)
        logf_("send %s -> %s: %s", addr_str(from, a), addr_str(to, b), strerror(errno));
    return RTCSIM_SEND_FAILED;
}

static void env_random(void *ctx, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* no randomness is no credentials: nothing sane to go on with */
            logf_("getrandom: %s", strerror(errno));
            abort();
        }
        p += n;
        len -= (size_t)n;
    }
}

static void env_keylog(void *ctx, const char *line)
{
    if (!keylog_file)
        return;
    fprintf(keylog_file, "%s\n", line);
    fflush(keylog_file);
}

static void env_init(rtcsim_env_t *e, void *ctx)
{
    *e = (rtcsim_env_t){ .ctx = ctx, .now = env_now, .set_timer = env_set_timer,
                         .send = env_send, .random = env_random, .alloc = NULL,
                         .send_twin = NULL, .keylog = env_keylog };
}

/* ---- output --------------------------------------------------------------------------- */

/* An implementation's strings are fixed arrays it filled: bounded before
 * they are read as C strings. */
#define BOUND(a) ((a)[sizeof(a) - 1] = '\0')

static void add_hex(JsonBuilder *b, const uint8_t *v, size_t n)
{
    char s[2 * RTCSIM_EXT_VAL_MAX + 1];
    if (n > RTCSIM_EXT_VAL_MAX)
        n = RTCSIM_EXT_VAL_MAX;
    for (size_t i = 0; i < n; i++)
        snprintf(s + 2 * i, 3, "%02x", v[i]);
    s[2 * n] = '\0';
    json_builder_add_string_value(b, s);
}

/* RTCIceCandidateDescription as docs/live.md writes one; related
 * (RFC 8839 s.5.1 rel-addr, rel-port) is the base of the types that have
 * one elsewhere. */
static void add_candidate(JsonBuilder *b, const char *cid, rtcsim_candidate_t *c)
{
    char a[24], ra[24];
    struct in_addr in;
    BOUND(c->foundation);
    in.s_addr = htonl(c->addr.ip);
    inet_ntop(AF_INET, &in, a, sizeof a);
    sim_jsonl_candidate_t d = {
        .cid = cid, .foundation = c->foundation, .component = c->component,
        .priority = c->priority, .address = a, .port = c->addr.port,
        .type = rtcsim_cand_type_name(c->type),
    };
    if (c->type != RTCSIM_CAND_HOST) {
        in.s_addr = htonl(c->base.ip);
        inet_ntop(AF_INET, &in, ra, sizeof ra);
        d.related = ra;
        d.related_port = c->base.port;
    }
    sim_jsonl_add_candidate(b, &d);
}

static const char *conn_cid(const conn_t *c)
{
    const char *id = T->connection_id(c->h);
    return id ? id : "";
}

static void emit_ice(const conn_t *c, rtcsim_ice_event_t *ev)
{
    static const char *const names[] = {
        [RTCSIM_ICE_CANDIDATE] = "candidate", [RTCSIM_ICE_END_OF_CANDIDATES] = "endofcandidates",
        [RTCSIM_ICE_ACTIVE_CANDIDATE] = "activecandidate", [RTCSIM_ICE_CONNECTED] = "connected",
        [RTCSIM_ICE_DISCONNECTED] = "disconnected",
    };
    BOUND(ev->text);
    switch (ev->type) {
    case RTCSIM_ICE_TURN_ERROR: {
        char a[24];
        /* not a protocol event (docs/live.md): the log's */
        logf_("%s: turn-error from %s, code %d %s", c->name, addr_str(&ev->local.addr, a), ev->code,
              ev->text);
        return;
    }
    case RTCSIM_ICE_DTLS_CONNECTED:
        logf_("%s: dtls connected %s", c->name, ev->text);
        return;
    case RTCSIM_ICE_DTLS_FAILED:
        logf_("%s: dtls failed: %s", c->name, ev->text);
        return;
    default:
        break;
    }
    if ((unsigned)ev->type >= G_N_ELEMENTS(names)) {
        logf_("implementation bug: %s: ICE event of type %d (impl.h has %d): dropped", c->name,
              (int)ev->type, (int)RTCSIM_ICE__COUNT);
        return;
    }
    JsonBuilder *b = sim_jsonl_event_begin(names[ev->type], "connection", c->name);
    const char *cid = conn_cid(c);
    if (ev->type == RTCSIM_ICE_CANDIDATE) {
        json_builder_set_member_name(b, "candidate");
        add_candidate(b, cid, &ev->local);
    } else if (ev->type == RTCSIM_ICE_ACTIVE_CANDIDATE) {
        json_builder_set_member_name(b, "local");
        add_candidate(b, cid, &ev->local);
        json_builder_set_member_name(b, "remote");
        add_candidate(b, cid, &ev->remote);
    }
    json_builder_end_object(b);
    if (debug)
        logf_("event %s %s", names[ev->type], c->name);
    sim_jsonl_put(b);
}

/* docs/live.md, "Media and DTMF": the event's name, and impl.h's
 * rtcsim_media_event_t fields its type has. */
static void emit_media(const sess_t *s, rtcsim_media_event_t *ev)
{
    static const char *const names[] = {
        [RTCSIM_MEDIA_ADD_STREAM] = "addstream", [RTCSIM_MEDIA_REMOVE_STREAM] = "removestream",
        [RTCSIM_MEDIA_ADD_TRACK] = "addtrack", [RTCSIM_MEDIA_REMOVE_TRACK] = "removetrack",
        [RTCSIM_MEDIA_UNKNOWN_TRACK] = "unknowntrack",
        [RTCSIM_MEDIA_TRACK_CONNECTED] = "trackconnected",
        [RTCSIM_MEDIA_TRACK_DISCONNECTED] = "trackdisconnected",
        [RTCSIM_MEDIA_STREAM_CONNECTED] = "streamconnected",
        [RTCSIM_MEDIA_STREAM_DISCONNECTED] = "streamdisconnected",
        [RTCSIM_MEDIA_SSRC_CHANGED] = "ssrcchanged", [RTCSIM_MEDIA_DTMF_SENT] = "dtmfsent",
        [RTCSIM_MEDIA_DTMF_TONE] = "tone",
    };
    if ((unsigned)ev->type >= G_N_ELEMENTS(names)) {
        logf_("implementation bug: %s: media event of type %d (impl.h has %d): dropped", s->name,
              (int)ev->type, (int)RTCSIM_MEDIA__COUNT);
        return;
    }
    BOUND(ev->msid);
    BOUND(ev->track);
    BOUND(ev->reason);
    JsonBuilder *b = sim_jsonl_event_begin(names[ev->type], "session", s->name);
    bool msid = false, track = false, dtmf = false;
    switch (ev->type) {
    case RTCSIM_MEDIA_ADD_STREAM:
    case RTCSIM_MEDIA_REMOVE_STREAM:
    case RTCSIM_MEDIA_STREAM_CONNECTED:
    case RTCSIM_MEDIA_STREAM_DISCONNECTED:
        msid = true;
        break;
    case RTCSIM_MEDIA_ADD_TRACK:
    case RTCSIM_MEDIA_REMOVE_TRACK:
    case RTCSIM_MEDIA_TRACK_CONNECTED:
    case RTCSIM_MEDIA_TRACK_DISCONNECTED:
        msid = track = true;
        break;
    case RTCSIM_MEDIA_DTMF_SENT:
    case RTCSIM_MEDIA_DTMF_TONE:
        msid = track = dtmf = true;
        break;
    default:
        break;
    }
    if (msid)
        sim_json_set_str(b, "msid", ev->msid);
    if (track || ev->type == RTCSIM_MEDIA_SSRC_CHANGED)
        sim_json_set_str(b, "track", ev->track);
    if (ev->type == RTCSIM_MEDIA_TRACK_DISCONNECTED)
        sim_json_set_str(b, "reason", ev->reason);
    if (ev->type == RTCSIM_MEDIA_UNKNOWN_TRACK || ev->type == RTCSIM_MEDIA_SSRC_CHANGED)
        sim_json_set_int(b, "ssrc", ev->ssrc);
    if (ev->type == RTCSIM_MEDIA_SSRC_CHANGED)
        sim_json_set_int(b, "new_ssrc", ev->new_ssrc);
    if (ev->type == RTCSIM_MEDIA_UNKNOWN_TRACK) {
        json_builder_set_member_name(b, "exts");
        json_builder_begin_object(b);
        for (size_t i = 0; i < ev->nexts && i < RTCSIM_MAX_EXTS; i++) {
            BOUND(ev->exts[i].name);
            json_builder_set_member_name(b, ev->exts[i].name);
            add_hex(b, ev->exts[i].value, ev->exts[i].len);
        }
        json_builder_end_object(b);
    }
    if (dtmf) {
        char digit[2] = { ev->digit, '\0' };
        sim_json_set_str(b, "digit", digit);
        /* docs/live.md: age is how long before this line the thing
         * happened, in the program's own clock; at 0 is "no time" (D145) */
        uint64_t now = env_now(NULL);
        double age = 0;
        if (ev->at && ev->at <= now)
            age = (double)(now - ev->at) / 1e9;
        else if (ev->at > now)
            logf_("implementation bug: %s: %s at %llu ns, after now (%llu): age 0", s->name,
                  names[ev->type], (unsigned long long)ev->at, (unsigned long long)now);
        json_builder_set_member_name(b, "age");
        json_builder_add_double_value(b, age);
        sim_json_set_int(b, "duration_ms", ev->duration_ms);
        if (ev->type == RTCSIM_MEDIA_DTMF_TONE) {
            sim_json_set_int(b, "duration_units", ev->duration_units);
            sim_json_set_int(b, "volume", ev->volume);
            sim_json_set_bool(b, "ended", ev->ended);
        }
        sim_json_set_int(b, "ssrc", ev->ssrc);
    }
    json_builder_end_object(b);
    if (debug)
        logf_("event %s %s %s %s", names[ev->type], s->name, ev->msid, ev->track);
    sim_jsonl_put(b);
}

/* After every input: what every object queued (impl.h, *_next_event). */
static void take_events(void)
{
    for (conn_t *c = conns; c && !quit; c = c->next) {
        rtcsim_ice_event_t ev;
        for (int k = 0; k < EVENTS_PER_INPUT; k++) {
            memset(&ev, 0, sizeof ev);
            if (!T->connection_next_event(c->h, &ev))
                break;
            emit_ice(c, &ev);
        }
    }
    for (sess_t *s = sessions; s && T->media_next_event && !quit; s = s->next) {
        rtcsim_media_event_t ev;
        for (int k = 0; k < EVENTS_PER_INPUT; k++) {
            memset(&ev, 0, sizeof ev);
            if (!T->media_next_event(s->h, &ev))
                break;
            emit_media(s, &ev);
        }
    }
}

/* ---- requests: reading parameters --------------------------------------------------------- */

/* An entry's status as the protocol's code (docs/live.md): the spec's
 * InvalidStateError keeps its name in front, as the protocol asks. */
static bool status(sim_req_t *r, int rc, const char *err)
{
    if (rc == RTCSIM_OK)
        return true;
    const char *code = rc == RTCSIM_ERR_INVALID ? "invalid"
                     : rc == RTCSIM_ERR_UNSUPPORTED ? "unsupported" : "failed";
    const char *m = err && err[0] ? err : rtcsim_strerror(rc);
    /* an implementation names the spec's method ("sendStream: ..."), the
     * protocol's name takes its place */
    const char *dot = strchr(r->method, '.');
    const char *spec = dot ? dot + 1 : r->method;
    size_t sl = strlen(spec);
    if (strncmp(m, spec, sl) == 0 && m[sl] == ':')
        m += sl + 1 + (m[sl + 1] == ' ');
    r->code = code;
    if (strncmp(m, "InvalidStateError", 17) == 0)
        snprintf(r->msg, sizeof r->msg, "%s (%s)", m, r->method);
    else
        snprintf(r->msg, sizeof r->msg, "%s: %s", r->method, m);
    return false;
}

/* A string the ABI holds in a char[cap]: 0 (empty true) or 1 to cap-1
 * bytes. */
static bool get_bounded(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                        bool empty, char *dst, size_t cap)
{
    const char *v;
    if (!sim_req_str(r, o, where, k, req, &v))
        return false;
    if (!v)
        return true;
    if ((!empty && !v[0]) || strlen(v) >= cap)
        return sim_req_fail(r, "invalid", "%s%s: must be %d to %zu characters, got %zu", where, k,
                            empty ? 0 : 1, cap - 1, strlen(v));
    memcpy(dst, v, strlen(v) + 1);
    return true;
}

/* An id or a credential: not empty. */
static bool get_name(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                     char *dst, size_t cap)
{
    return get_bounded(r, o, where, k, req, false, dst, cap);
}

/* A label or a codec's name: may be empty. */
static bool get_text(sim_req_t *r, JsonObject *o, const char *where, const char *k, char *dst,
                     size_t cap)
{
    return get_bounded(r, o, where, k, SIM_OPT, true, dst, cap);
}

static bool parse_ipv4(const char *s, uint32_t *ip)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    *ip = ntohl(a.s_addr);
    return true;
}

/* An object's member names sorted bytewise, so that what reaches the
 * implementation does not depend on the line's key order (free with
 * g_list_free). */
static gint by_bytes(gconstpointer a, gconstpointer b)
{
    return strcmp(a, b);
}

static GList *sorted_members(JsonObject *o)
{
    return g_list_sort(json_object_get_members(o), by_bytes);
}

/* ---- requests: the objects by name --------------------------------------------------------- */

static sock_t *find_sock(const char *name)
{
    for (sock_t *s = sockets; s; s = s->next)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

static conn_t *find_conn(const char *name)
{
    for (conn_t *c = conns; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static sess_t *find_sess(const char *name)
{
    for (sess_t *s = sessions; s; s = s->next)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

static bool get_sock(sim_req_t *r, sock_t **s)
{
    const char *name;
    if (!sim_req_str(r, r->params, "", "socket", SIM_REQ, &name))
        return false;
    if (!(*s = find_sock(name)))
        return sim_req_fail(r, "invalid", "socket: no socket '%s'", name);
    return true;
}

static bool get_conn(sim_req_t *r, conn_t **c)
{
    const char *name;
    if (!sim_req_str(r, r->params, "", "connection", SIM_REQ, &name))
        return false;
    if (!(*c = find_conn(name)))
        return sim_req_fail(r, "invalid", "connection: no connection '%s'", name);
    return true;
}

/* The session of a session.* request; unsupported when the table has no
 * media plane (docs/live.md: the hello said so). */
static bool get_sess(sim_req_t *r, sess_t **s)
{
    const char *name;
    if (!T->media_new)
        return sim_req_fail(r, "unsupported", "%s has no media plane (media_new)", T->name);
    if (!sim_req_str(r, r->params, "", "session", SIM_REQ, &name))
        return false;
    if (!(*s = find_sess(name)))
        return sim_req_fail(r, "invalid", "session: no session '%s'", name);
    return true;
}

/* ---- requests: ICE --------------------------------------------------------------------------- */

/* RTCConnectionDescription with the spec's keys (docs/live.md). */
static bool get_conn_desc(sim_req_t *r, JsonObject *o, const char *where, rtcsim_conn_desc_t *d)
{
    char w[64];
    JsonArray *fp;
    snprintf(w, sizeof w, "%s.", where);
    memset(d, 0, sizeof *d);
    if (!get_name(r, o, w, "connection-id", SIM_REQ, d->id, sizeof d->id) ||
        !get_name(r, o, w, "usefrag", SIM_REQ, d->ufrag, sizeof d->ufrag) ||
        !get_name(r, o, w, "secret", SIM_REQ, d->pwd, sizeof d->pwd) ||
        !sim_req_arr(r, o, w, "fingerprints", SIM_OPT, &fp))
        return false;
    guint n = fp ? json_array_get_length(fp) : 0;
    if (n > RTCSIM_FP_MAX)
        return sim_req_fail(r, "invalid",
                            "%sfingerprints: at most %d, got %u", w, RTCSIM_FP_MAX, n);
    for (guint i = 0; i < n; i++) {
        JsonNode *e = json_array_get_element(fp, i);
        /* the form (RFC 8122 s.5) is the implementation's to check */
        if (!sim_json_is_str(e) || strlen(json_node_get_string(e)) >= RTCSIM_FP_LEN)
            return sim_req_fail(r, "invalid", "%sfingerprints[%u]: must be a string of at most %d "
                                "characters", w, i, RTCSIM_FP_LEN - 1);
        memcpy(d->fingerprints[i], json_node_get_string(e), strlen(json_node_get_string(e)) + 1);
    }
    d->nfingerprints = n;
    return true;
}

/* RTCIceCandidateDescription, checked as the Lua API checks one
 * (sim/lua/lua_ice.c, sim_lua_to_candidate): relatedAddress and
 * relatedPort are taken and dropped (D135); the base is the address. */
static bool get_candidate(sim_req_t *r, const conn_t *c, rtcsim_candidate_t *cand)
{
    const char *w = "candidate.", *cid, *tr, *addr, *type;
    JsonObject *o;
    gint64 comp, prio, port;
    memset(cand, 0, sizeof *cand);
    if (!sim_req_obj(r, r->params, "", "candidate", SIM_REQ, &o) ||
        !sim_req_str(r, o, w, "connection-id", SIM_REQ, &cid) ||
        !get_name(r, o, w, "foundation", SIM_REQ, cand->foundation, sizeof cand->foundation) ||
        !sim_req_int(r, o, w, "component", SIM_REQ, 1, 2, &comp, NULL) ||
        !sim_req_str(r, o, w, "transport", SIM_REQ, &tr) ||
        !sim_req_int(r, o, w, "priority", SIM_REQ, 1, 0x7fffffff, &prio, NULL) ||
        !sim_req_str(r, o, w, "connectionAddress", SIM_REQ, &addr) ||
        !sim_req_int(r, o, w, "connectionPort", SIM_REQ, 1, 65535, &port, NULL) ||
        !sim_req_str(r, o, w, "type", SIM_REQ, &type))
        return false;
    if (strcmp(cid, conn_cid(c)) != 0)
        return sim_req_fail(r, "invalid",
                            "candidate.connection-id: '%s' is not this connection's ('%s')",
                            cid, conn_cid(c));
    if (strcmp(tr, "udp") != 0)
        return sim_req_fail(r, "invalid", "candidate.transport: must be 'udp', got '%s'", tr);
    if (!parse_ipv4(addr, &cand->addr.ip))
        return sim_req_fail(r, "invalid",
                            "candidate.connectionAddress: '%s' is not an IPv4 address", addr);
    if (rtcsim_cand_type_parse(type, &cand->type) < 0)
        return sim_req_fail(r, "invalid",
                            "candidate.type: must be host, srflx, prflx or relay, got '%s'",
                            type);
    cand->component = (uint8_t)comp;
    cand->priority = (uint32_t)prio;
    cand->addr.port = (uint16_t)port;
    cand->base = cand->addr;
    return true;
}

/* The host's IPv4 addresses but loopback (interfaces that are up), when
 * no --address was given: on a live host, the TUN device's alone. */
static size_t host_addresses(uint32_t *ips, size_t max)
{
    struct ifaddrs *ifs, *i;
    size_t n = 0;
    if (getifaddrs(&ifs) < 0)
        return 0;
    for (i = ifs; i && n < max; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) ||
            (i->ifa_flags & IFF_LOOPBACK))
            continue;
        ips[n++] = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
    }
    freeifaddrs(ifs);
    return n;
}

static void sock_close(sock_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        close(s->fd[i]);
    g_free(s->name);
    g_free(s);
}

/* A list of servers {ip, port[, username, password]}; `turn` with the
 * credentials. */
static bool get_servers(sim_req_t *r, const char *k, bool turn, rtcsim_addr_t *addrs,
                        rtcsim_turn_server_t *ts, size_t max, size_t *n)
{
    JsonArray *a;
    char w[32];
    *n = 0;
    if (!sim_req_arr(r, r->params, "", k, SIM_OPT, &a))
        return false;
    guint len = a ? json_array_get_length(a) : 0;
    if (len > max)
        return sim_req_fail(r, "unsupported", "%s: at most %zu servers, got %u", k, max, len);
    for (guint i = 0; i < len; i++) {
        JsonNode *e = json_array_get_element(a, i);
        const char *ip;
        gint64 port;
        uint32_t v;
        snprintf(w, sizeof w, "%s[%u].", k, i);
        if (!JSON_NODE_HOLDS_OBJECT(e))
            return sim_req_fail(r, "invalid", "%s[%u]: must be an object", k, i);
        JsonObject *o = json_node_get_object(e);
        if (!sim_req_str(r, o, w, "ip", SIM_REQ, &ip) ||
            !sim_req_int(r, o, w, "port", SIM_REQ, 1, 65535, &port, NULL))
            return false;
        if (!parse_ipv4(ip, &v))
            return sim_req_fail(r, "invalid", "%sip: '%s' is not an IPv4 address", w, ip);
        rtcsim_addr_t addr = { v, (uint16_t)port };
        if (turn) {
            memset(&ts[i], 0, sizeof ts[i]);
            ts[i].addr = addr;
            if (!get_name(r, o, w, "username", SIM_REQ, ts[i].user, sizeof ts[i].user) ||
                !get_name(r, o, w, "password", SIM_REQ, ts[i].password, sizeof ts[i].password))
                return false;
        } else {
            addrs[i] = addr;
        }
        (*n)++;
    }
    return true;
}

#define MAX_SERVERS 16

/* socket.new: one UDP socket per local address, port 0 (the kernel's
 * choice), given to the implementation as the socket's locals (D143). */
static bool m_socket_new(sim_req_t *r)
{
    const char *name;
    rtcsim_addr_t stun[MAX_SERVERS];
    rtcsim_turn_server_t turn[MAX_SERVERS];
    size_t nstun, nturn;
    if (!sim_req_str(r, r->params, "", "socket", SIM_REQ, &name) ||
        !get_servers(r, "stun", false, stun, NULL, MAX_SERVERS, &nstun) ||
        !get_servers(r, "turn", true, NULL, turn, MAX_SERVERS, &nturn))
        return false;
    if (find_sock(name))
        return sim_req_fail(r, "invalid", "socket: '%s' already exists", name);
    if (nturn && !T->socket_set_turn)
        return sim_req_fail(r, "unsupported", "turn: %s has no TURN (socket_set_turn)", T->name);
    uint32_t ips[MAX_LOCALS];
    size_t nips = naddresses;
    memcpy(ips, addresses, sizeof ips);
    if (!nips)
        nips = host_addresses(ips, MAX_LOCALS);
    if (!nips)
        return sim_req_fail(r, "failed",
                            "this host has no IPv4 address but loopback (give --address)");
    sock_t *s = g_new0(sock_t, 1);
    s->name = g_strdup(name);
    env_init(&s->env, s);
    for (size_t i = 0; i < nips; i++) {
        rtcsim_addr_t a = { ips[i], 0 };
        struct sockaddr_in sin;
        socklen_t sl = sizeof sin;
        char as[24];
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sin_of(&a, &sin);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
            getsockname(fd, (struct sockaddr *)&sin, &sl) < 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            sock_close(s);
            return sim_req_fail(r, "failed", "cannot bind a UDP socket on %s: %s", addr_str(&a, as),
                                strerror(e));
        }
        s->fd[s->n] = fd;
        s->local[s->n].ip = ips[i];
        s->local[s->n].port = ntohs(sin.sin_port);
        s->n++;
    }
    s->h = T->socket_new(&s->env, s->local, s->n, stun, nstun);
    if (!s->h) {
        sock_close(s);
        return sim_req_fail(r, "failed", "%s: socket_new returned NULL (out of memory)", T->name);
    }
    if (nturn) {
        /* refused: nothing is left behind, as connection.new's refusals */
        int rc = T->socket_set_turn(s->h, turn, nturn);
        if (rc != RTCSIM_OK) {
            T->socket_free(s->h);
            timer_drop(RTCSIM_TIMER_SOCKET, s->h);
            sock_close(s);
            return status(r, rc, "socket_set_turn refused the TURN servers");
        }
    }
    s->next = sockets;
    sockets = s;
    return true;
}

static bool m_connection_new(sim_req_t *r)
{
    sock_t *s;
    const char *name;
    JsonObject *ro;
    rtcsim_conn_desc_t remote;
    if (!get_sock(r, &s) || !sim_req_str(r, r->params, "", "connection", SIM_REQ, &name) ||
        !sim_req_obj(r, r->params, "", "remote", SIM_OPT, &ro) ||
        (ro && !get_conn_desc(r, ro, "remote", &remote)))
        return false;
    if (find_conn(name))
        return sim_req_fail(r, "invalid", "connection: '%s' already exists", name);
    conn_t *c = g_new0(conn_t, 1);
    c->name = g_strdup(name);
    rtcsim_status_t st = RTCSIM_ERR_NOMEM;
    char err[ERR_LEN] = "";
    c->h = T->connection_new(s->h, ro ? &remote : NULL, c, &st, err, sizeof err);
    if (!c->h) {
        g_free(c->name);
        g_free(c);
        return status(r, st ? (int)st : RTCSIM_ERR_NOMEM, err);
    }
    c->next = conns;
    conns = c;
    sim_json_set_str(r->result, "id", conn_cid(c));
    return true;
}

static bool m_get_local_description(sim_req_t *r)
{
    conn_t *c;
    rtcsim_conn_desc_t d;
    if (!get_conn(r, &c))
        return false;
    memset(&d, 0, sizeof d);
    if (!status(r, T->connection_local_description(c->h, &d), "connection_local_description failed"))
        return false;
    BOUND(d.id);
    BOUND(d.ufrag);
    BOUND(d.pwd);
    JsonBuilder *b = r->result;
    json_builder_set_member_name(b, "description");
    json_builder_begin_object(b);
    sim_json_set_str(b, "connection-id", d.id);
    sim_json_set_str(b, "usefrag", d.ufrag);
    sim_json_set_str(b, "secret", d.pwd);
    json_builder_set_member_name(b, "fingerprints");
    json_builder_begin_array(b);
    for (size_t i = 0; i < d.nfingerprints && i < RTCSIM_FP_MAX; i++) {
        BOUND(d.fingerprints[i]);
        json_builder_add_string_value(b, d.fingerprints[i]);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return true;
}

static bool m_set_remote_description(sim_req_t *r)
{
    conn_t *c;
    JsonObject *o;
    rtcsim_conn_desc_t d;
    char err[ERR_LEN] = "";
    if (!get_conn(r, &c) || !sim_req_obj(r, r->params, "", "description", SIM_REQ, &o) ||
        !get_conn_desc(r, o, "description", &d))
        return false;
    return status(r, T->connection_set_remote_description(c->h, &d, err, sizeof err), err);
}

static bool m_set_local_candidate(sim_req_t *r)
{
    conn_t *c;
    rtcsim_candidate_t cand;
    char err[ERR_LEN] = "";
    if (!get_conn(r, &c) || !get_candidate(r, c, &cand))
        return false;
    return status(r, T->connection_set_local_candidate(c->h, &cand, err, sizeof err), err);
}

static bool m_set_remote_candidate(sim_req_t *r)
{
    conn_t *c;
    rtcsim_candidate_t cand;
    char err[ERR_LEN] = "";
    if (!get_conn(r, &c) || !get_candidate(r, c, &cand))
        return false;
    return status(r, T->connection_set_remote_candidate(c->h, &cand, err, sizeof err), err);
}

static bool m_connect(sim_req_t *r)
{
    conn_t *c;
    char err[ERR_LEN] = "";
    if (!get_conn(r, &c))
        return false;
    return status(r, T->connection_connect(c->h, err, sizeof err), err);
}

static bool m_update(sim_req_t *r)
{
    conn_t *c;
    char err[ERR_LEN] = "";
    if (!get_conn(r, &c))
        return false;
    return status(r, T->connection_update(c->h, err, sizeof err), err);
}

/* ---- requests: media, the spec's dictionaries ---------------------------------------------- */

/* The SSRC as the spec's DOMString (RFC 3550 s.5.1: 32 bits) in decimal,
 * read as the Lua API reads it: digits, no sign, no leading zero. */
static bool parse_ssrc(const char *v, uint32_t *ssrc)
{
    size_t n = strlen(v);
    unsigned long long x = 0;
    if (n < 1 || n > 10 || (n > 1 && v[0] == '0'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (unsigned)(v[i] - '0');
    }
    if (x > 0xffffffffull)
        return false;
    *ssrc = (uint32_t)x;
    return true;
}

static bool get_kind(sim_req_t *r, JsonObject *o, const char *where, bool req, rtcsim_kind_t *k,
                     bool *given)
{
    const char *v;
    if (!sim_req_str(r, o, where, "kind", req, &v))
        return false;
    *given = v != NULL;
    if (v && !rtcsim_kind_parse(v, k))
        return sim_req_fail(r, "invalid",
                            "%skind: must be audio, video or dtmf, got '%s'", where, v);
    return true;
}

/* One of a key and its alias (the spec's examples' hzRate and
 * connections, D72, read as the Lua API reads them), in [lo, hi]. */
static bool get_aliased(sim_req_t *r, JsonObject *o, const char *where, const char *k,
                        const char *alias, gint64 hi, uint32_t *v)
{
    bool a = json_object_has_member(o, k), b = json_object_has_member(o, alias), given;
    gint64 x;
    if (a && b)
        return sim_req_fail(r, "invalid",
                            "%s: give '%s' or its alias '%s', not both", where, k, alias);
    if (!sim_req_int(r, o, where, a ? k : alias, SIM_OPT, 1, hi, &x, &given))
        return false;
    if (given)
        *v = (uint32_t)x;
    return true;
}

/* RTCCodec (docs/live.md: payload-id, kind, name, clockRate,
 * numChannels, params). */
static bool get_codec(sim_req_t *r, JsonNode *n, const char *where, rtcsim_codec_t *c)
{
    gint64 pt;
    bool given;
    JsonArray *params;
    memset(c, 0, sizeof *c);
    if (!JSON_NODE_HOLDS_OBJECT(n))
        return sim_req_fail(r, "invalid", "%s: must be an object (RTCCodec)", where);
    JsonObject *o = json_node_get_object(n);
    char w[200];
    snprintf(w, sizeof w, "%.180s.", where);
    /* RFC 3550 s.5.1: PT is 7 bits; a clock rate is a positive count of
     * Hz, channels 1-255 (RFC 8866 s.6.6) */
    if (!sim_req_int(r, o, w, "payload-id", SIM_REQ, 0, 127, &pt, NULL) ||
        !get_kind(r, o, w, SIM_REQ, &c->kind, &given) ||
        !get_text(r, o, w, "name", c->name, sizeof c->name) ||
        !get_aliased(r, o, where, "clockRate", "hzRate", 0xffffffff, &c->clock_rate) ||
        !get_aliased(r, o, where, "numChannels", "connections", 255, &c->channels) ||
        !sim_req_arr(r, o, w, "params", SIM_OPT, &params))
        return false;
    c->pt = (uint8_t)pt;
    guint np = params ? json_array_get_length(params) : 0;
    if (np > RTCSIM_MAX_PARAMS)
        return sim_req_fail(r, "invalid", "%sparams: at most %d, got %u", w, RTCSIM_MAX_PARAMS, np);
    for (guint i = 0; i < np; i++) {
        JsonNode *e = json_array_get_element(params, i);
        char pw[240];
        snprintf(pw, sizeof pw, "%sparams[%u].", w, i);
        if (!JSON_NODE_HOLDS_OBJECT(e))
            return sim_req_fail(r, "invalid",
                                "%sparams[%u]: must be an object {name, value}", w, i);
        JsonObject *po = json_node_get_object(e);
        rtcsim_codec_param_t *p = &c->params[i];
        if (!get_name(r, po, pw, "name", SIM_REQ, p->name, sizeof p->name))
            return false;
        if (json_object_has_member(po, "value")) {
            const char *v;
            if (!sim_req_str(r, po, pw, "value", SIM_REQ, &v))
                return false;
            if (strlen(v) >= sizeof p->value)
                return sim_req_fail(r, "invalid", "%svalue: at most %zu characters", pw,
                                    sizeof p->value - 1);
            memcpy(p->value, v, strlen(v) + 1);
            p->has_value = true;
        }
        c->nparams++;
    }
    return true;
}

static bool get_codecs(sim_req_t *r, JsonObject *o, const char *where, rtcsim_codec_t *dst,
                       size_t *n, bool *given)
{
    JsonArray *a;
    char w[190];
    if (!sim_req_arr(r, o, where, "codecs", SIM_OPT, &a))
        return false;
    *given = a != NULL;
    guint len = a ? json_array_get_length(a) : 0;
    if (len > RTCSIM_MAX_CODECS)
        return sim_req_fail(r, "invalid",
                            "%scodecs: at most %d, got %u", where, RTCSIM_MAX_CODECS, len);
    *n = 0;
    for (guint i = 0; i < len; i++) {
        snprintf(w, sizeof w, "%.160scodecs[%u]", where, i);
        if (!get_codec(r, json_array_get_element(a, i), w, &dst[i]))
            return false;
        (*n)++;
    }
    return true;
}

/* RTCMediaAttributes: the example's dictionary, or the IDL's list of
 * them merged (D72, as the Lua API takes it). */
static bool get_attrs(sim_req_t *r, JsonObject *o, const char *where, rtcsim_media_attrs_t *a,
                      bool *given)
{
    JsonNode *n = sim_req_member(r, o, where, "mediaAttributes", SIM_OPT);
    memset(a, 0, sizeof *a);
    *given = n != NULL;
    if (!n)
        return true;
    JsonArray *list = JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
    if (!list && !JSON_NODE_HOLDS_OBJECT(n))
        return sim_req_fail(r, "invalid", "%smediaAttributes: must be an object {videoMaxWidth, "
                            "videoMaxHeight} or a list of them", where);
    guint len = list ? json_array_get_length(list) : 1;
    for (guint i = 0; i < len; i++) {
        JsonNode *e = list ? json_array_get_element(list, i) : n;
        char w[128];
        if (list)
            snprintf(w, sizeof w, "%smediaAttributes[%u].", where, i);
        else
            snprintf(w, sizeof w, "%smediaAttributes.", where);
        if (!JSON_NODE_HOLDS_OBJECT(e))
            return sim_req_fail(r, "invalid", "%s: must be an object", w);
        static const char *const keys[] = { "videoMaxWidth", "videoMaxHeight" };
        uint32_t *dst[] = { &a->video_max_width, &a->video_max_height };
        for (int k = 0; k < 2; k++) {
            gint64 v;
            bool g;
            /* a positive int (the IDL's int): 0 would say "not given" */
            if (!sim_req_int(r, json_node_get_object(e), w, keys[k], SIM_OPT, 1, 0x7fffffff, &v,
                             &g))
                return false;
            if (g && *dst[k] && *dst[k] != v)
                return sim_req_fail(r, "invalid",
                                    "%s%s: %" G_GINT64_FORMAT ", an earlier member said %u",
                                    w, keys[k], v, *dst[k]);
            if (g)
                *dst[k] = (uint32_t)v;
        }
    }
    return true;
}

static int hexval(char ch)
{
    return g_ascii_xdigit_value(ch);
}

/* rtpExtHeaders: name (an extmap URI or a decimal id) -> value in hex
 * (D73), taken in bytewise order of name. */
static bool get_exts(sim_req_t *r, JsonObject *o, const char *where, rtcsim_ext_header_t *dst,
                     size_t *n, bool *given)
{
    JsonObject *e;
    if (!sim_req_obj(r, o, where, "rtpExtHeaders", SIM_OPT, &e))
        return false;
    *given = e != NULL;
    *n = 0;
    if (!e)
        return true;
    if (json_object_get_size(e) > RTCSIM_MAX_EXTS)
        return sim_req_fail(r, "invalid", "%srtpExtHeaders: at most %d header extensions", where,
                            RTCSIM_MAX_EXTS);
    GList *keys = sorted_members(e);
    bool ok = true;
    for (GList *k = keys; k && ok; k = k->next) {
        const char *name = k->data;
        JsonNode *v = json_object_get_member(e, name);
        rtcsim_ext_header_t *x = &dst[*n];
        memset(x, 0, sizeof *x);
        if (!name[0] || strlen(name) > RTCSIM_EXT_URI_MAX) {
            ok = sim_req_fail(r, "invalid",
                              "%srtpExtHeaders: a name of 1 to %d characters, got %zu",
                              where, RTCSIM_EXT_URI_MAX, strlen(name));
            break;
        }
        const char *hex = sim_json_is_str(v) ? json_node_get_string(v) : NULL;
        size_t hl = hex ? strlen(hex) : 1;
        bool good = hex && hl % 2 == 0 && hl / 2 <= RTCSIM_EXT_VAL_MAX;
        for (size_t i = 0; good && i < hl / 2; i++) {
            int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
            good = hi >= 0 && lo >= 0;
            x->value[i] = (uint8_t)(hi << 4 | lo);
        }
        if (!good) {
            ok = sim_req_fail(r, "invalid",
                              "%srtpExtHeaders['%s']: must be the value's bytes in hex, at "
                              "most %d bytes", where, name, RTCSIM_EXT_VAL_MAX);
            break;
        }
        memcpy(x->name, name, strlen(name) + 1);
        x->len = (uint8_t)(hl / 2);
        (*n)++;
    }
    g_list_free(keys);
    return ok;
}

/* One RTCTrackDescription (docs/live.md; the keys and checks of the Lua
 * API's parse_track_desc, sim/lua/lua_media.c). key: the track id it is
 * keyed by in a description, NULL for setTrackProperties' properties. */
static bool get_track_desc(sim_req_t *r, JsonNode *n, const char *where, const char *key,
                           rtcsim_track_desc_t *d)
{
    bool g;
    const char *v;
    memset(d, 0, sizeof *d);
    if (!JSON_NODE_HOLDS_OBJECT(n))
        return sim_req_fail(r, "invalid", "%s: must be an object (RTCTrackDescription)", where);
    JsonObject *o = json_node_get_object(n);
    char w[128];
    snprintf(w, sizeof w, "%s.", where);
    if (key) {
        /* keyed by track id (spec, "The RTCMediaSessionDescription
         * Object"): an id field must agree with the key (D73) */
        if (!key[0] || strlen(key) > RTCSIM_NAME_MAX)
            return sim_req_fail(r, "invalid",
                                "%s: a track id of 1 to %d characters as its key", where,
                                RTCSIM_NAME_MAX);
        memcpy(d->id, key, strlen(key) + 1);
        d->given |= RTCSIM_TD_ID;
    }
    if (!sim_req_str(r, o, w, "id", SIM_OPT, &v))
        return false;
    if (v) {
        if (key && strcmp(v, key) != 0)
            return sim_req_fail(r, "invalid",
                                "%sid: '%s', but the track is keyed by '%s'", w, v, key);
        if (!get_name(r, o, w, "id", SIM_REQ, d->id, sizeof d->id))
            return false;
        d->given |= RTCSIM_TD_ID;
    }
    if (!get_kind(r, o, w, SIM_OPT, &d->kind, &g))
        return false;
    d->given |= g ? RTCSIM_TD_KIND : 0;
    if (!sim_req_str(r, o, w, "ssrc", SIM_OPT, &v))
        return false;
    if (v) {
        if (!parse_ssrc(v, &d->ssrc))
            return sim_req_fail(r, "invalid",
                                "%sssrc: must be a decimal number 0 to 4294967295 in a "
                                "string, got '%s'", w, v);
        d->given |= RTCSIM_TD_SSRC;
    }
    if (!sim_req_str(r, o, w, "msid", SIM_OPT, &v))
        return false;
    if (v) {
        if (!get_name(r, o, w, "msid", SIM_REQ, d->msid, sizeof d->msid))
            return false;
        d->given |= RTCSIM_TD_MSID;
    }
    if (!sim_req_str(r, o, w, "connection-id", SIM_OPT, &v))
        return false;
    if (v) {
        if (strlen(v) > RTCSIM_ID_MAX)
            return sim_req_fail(r, "invalid",
                                "%sconnection-id: at most %d characters", w, RTCSIM_ID_MAX);
        memcpy(d->connection_id, v, strlen(v) + 1);
        d->given |= RTCSIM_TD_CONNECTION;
    }
    if (!get_codecs(r, o, w, d->codecs, &d->ncodecs, &g))
        return false;
    d->given |= g ? RTCSIM_TD_CODECS : 0;
    if (!get_attrs(r, o, w, &d->attrs, &g))
        return false;
    d->given |= g ? RTCSIM_TD_ATTRS : 0;
    if (!get_exts(r, o, w, d->exts, &d->nexts, &g))
        return false;
    d->given |= g ? RTCSIM_TD_EXTS : 0;
    if (json_object_has_member(o, "delete")) {
        if (!sim_req_bool(r, o, w, "delete", SIM_REQ, &d->del))
            return false;
        d->given |= RTCSIM_TD_DELETE;
    }
    return true;
}

static void add_codec(JsonBuilder *b, rtcsim_codec_t *c)
{
    BOUND(c->name);
    json_builder_begin_object(b);
    sim_json_set_int(b, "payload-id", c->pt);
    sim_json_set_str(b, "kind", rtcsim_kind_name(c->kind));
    if (c->name[0])
        sim_json_set_str(b, "name", c->name);
    if (c->clock_rate)
        sim_json_set_int(b, "clockRate", c->clock_rate);
    if (c->channels)
        sim_json_set_int(b, "numChannels", c->channels);
    if (c->nparams) {
        json_builder_set_member_name(b, "params");
        json_builder_begin_array(b);
        for (size_t i = 0; i < c->nparams && i < RTCSIM_MAX_PARAMS; i++) {
            BOUND(c->params[i].name);
            BOUND(c->params[i].value);
            json_builder_begin_object(b);
            sim_json_set_str(b, "name", c->params[i].name);
            if (c->params[i].has_value)
                sim_json_set_str(b, "value", c->params[i].value);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
}

/* An RTCTrackDescription with the keys, and only the keys, the Lua API's
 * push_track_desc writes (sim/lua/lua_media.c), so that a scenario sees
 * the same table from a live program as from an in-process one. */
static void add_track_desc(JsonBuilder *b, rtcsim_track_desc_t *d)
{
    char ssrc[16];
    json_builder_begin_object(b);
    sim_json_set_str(b, "id", d->id);
    sim_json_set_str(b, "kind", rtcsim_kind_name(d->kind));
    snprintf(ssrc, sizeof ssrc, "%u", (unsigned)d->ssrc);
    sim_json_set_str(b, "ssrc", ssrc);
    sim_json_set_str(b, "msid", d->msid);
    if (d->connection_id[0])
        sim_json_set_str(b, "connection-id", d->connection_id);
    json_builder_set_member_name(b, "codecs");
    json_builder_begin_array(b);
    for (size_t i = 0; i < d->ncodecs && i < RTCSIM_MAX_CODECS; i++)
        add_codec(b, &d->codecs[i]);
    json_builder_end_array(b);
    if (d->attrs.video_max_width || d->attrs.video_max_height) {
        json_builder_set_member_name(b, "mediaAttributes");
        json_builder_begin_object(b);
        if (d->attrs.video_max_width)
            sim_json_set_int(b, "videoMaxWidth", d->attrs.video_max_width);
        if (d->attrs.video_max_height)
            sim_json_set_int(b, "videoMaxHeight", d->attrs.video_max_height);
        json_builder_end_object(b);
    }
    if (d->nexts) {
        json_builder_set_member_name(b, "rtpExtHeaders");
        json_builder_begin_object(b);
        for (size_t i = 0; i < d->nexts && i < RTCSIM_MAX_EXTS; i++) {
            BOUND(d->exts[i].name);
            json_builder_set_member_name(b, d->exts[i].name);
            add_hex(b, d->exts[i].value, d->exts[i].len);
        }
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
}

/* ---- requests: media ------------------------------------------------------------------------ */

static bool get_options(sim_req_t *r, JsonObject *o, rtcsim_media_options_t *opt)
{
    const char *w = "options.";
    bool g;
    JsonObject *x;
    memset(opt, 0, sizeof *opt);
    if (!get_codecs(r, o, w, opt->codecs, &opt->ncodecs, &g) ||
        !get_attrs(r, o, w, &opt->attrs, &g) || !sim_req_obj(r, o, w, "extmap", SIM_OPT, &x))
        return false;
    if (!x)
        return true;
    /* extmap (D72): URI -> RFC 8285 id, 1-14 one-byte, 1-255 two-byte (s.4.2) */
    if (json_object_get_size(x) > RTCSIM_MAX_EXTS)
        return sim_req_fail(r, "invalid", "options.extmap: at most %d extensions", RTCSIM_MAX_EXTS);
    GList *keys = sorted_members(x);
    bool ok = true;
    for (GList *k = keys; k && ok; k = k->next) {
        const char *uri = k->data;
        rtcsim_extmap_t *e = &opt->extmap[opt->nextmap];
        gint64 id;
        char ew[RTCSIM_EXT_URI_MAX + 32];
        snprintf(ew, sizeof ew, "options.extmap['%.*s']", RTCSIM_EXT_URI_MAX, uri);
        if (!uri[0] || strlen(uri) > RTCSIM_EXT_URI_MAX) {
            ok = sim_req_fail(r, "invalid", "options.extmap: a URI of 1 to %d characters",
                              RTCSIM_EXT_URI_MAX);
            break;
        }
        if (!(ok = sim_req_int(r, x, "options.extmap.", uri, SIM_REQ, 1, 255, &id, NULL)))
            break;
        for (size_t i = 0; i < opt->nextmap && ok; i++)
            if (opt->extmap[i].id == id)
                ok = sim_req_fail(r, "invalid", "%s: id %d is '%s''s already", ew, (int)id,
                                  opt->extmap[i].uri);
        memcpy(e->uri, uri, strlen(uri) + 1);
        e->id = (uint8_t)id;
        opt->nextmap++;
    }
    g_list_free(keys);
    return ok;
}

static bool m_session_new(sim_req_t *r)
{
    const char *name;
    JsonObject *o;
    rtcsim_media_options_t opt;
    if (!T->media_new)
        return sim_req_fail(r, "unsupported", "%s has no media plane (media_new)", T->name);
    if (!sim_req_str(r, r->params, "", "session", SIM_REQ, &name) ||
        !sim_req_obj(r, r->params, "", "options", SIM_OPT, &o) || (o && !get_options(r, o, &opt)))
        return false;
    if (find_sess(name))
        return sim_req_fail(r, "invalid", "session: '%s' already exists", name);
    sess_t *s = g_new0(sess_t, 1);
    s->name = g_strdup(name);
    env_init(&s->env, NULL);
    rtcsim_status_t st = RTCSIM_ERR_NOMEM;
    char err[ERR_LEN] = "";
    s->h = T->media_new(&s->env, o ? &opt : NULL, &st, err, sizeof err);
    if (!s->h) {
        g_free(s->name);
        g_free(s);
        return status(r, st ? (int)st : RTCSIM_ERR_NOMEM, err);
    }
    s->next = sessions;
    sessions = s;
    return true;
}

/* RTCMediaSessionDescriptionFilter: {msid, connection-id}, either. */
static bool get_filter(sim_req_t *r, rtcsim_desc_filter_t *f, bool *given)
{
    JsonObject *o;
    memset(f, 0, sizeof *f);
    if (!sim_req_obj(r, r->params, "", "filter", SIM_OPT, &o))
        return false;
    *given = o != NULL;
    return !o || (sim_req_str(r, o, "filter.", "msid", SIM_OPT, &f->msid) &&
                  sim_req_str(r, o, "filter.", "connection-id", SIM_OPT, &f->connection_id));
}

static bool description(sim_req_t *r, bool remote)
{
    sess_t *s;
    rtcsim_desc_filter_t f;
    bool given;
    if (!get_sess(r, &s) || !get_filter(r, &f, &given))
        return false;
    size_t (*get)(const rtcsim_media_t *, const rtcsim_desc_filter_t *, rtcsim_track_desc_t *,
                  size_t) = remote ? T->media_remote_description : T->media_local_description;
    const rtcsim_desc_filter_t *fp = given ? &f : NULL;
    size_t want = get(s->h, fp, NULL, 0);
    if (want > 4096)            /* an implementation's count: bound what it makes us hold */
        want = 4096;
    rtcsim_track_desc_t *d = g_new0(rtcsim_track_desc_t, want ? want : 1);
    size_t n = get(s->h, fp, d, want);
    if (n > want)
        n = want;
    json_builder_set_member_name(r->result, "description");
    json_builder_begin_object(r->result);
    for (size_t i = 0; i < n; i++) {
        BOUND(d[i].id);
        BOUND(d[i].msid);
        BOUND(d[i].connection_id);
        json_builder_set_member_name(r->result, d[i].id);
        add_track_desc(r->result, &d[i]);
    }
    json_builder_end_object(r->result);
    g_free(d);
    return true;
}

static bool m_get_local(sim_req_t *r) { return description(r, false); }
static bool m_get_remote(sim_req_t *r) { return description(r, true); }

static bool m_set_remote(sim_req_t *r)
{
    sess_t *s;
    JsonObject *o;
    const char *mode;
    if (!get_sess(r, &s) || !sim_req_obj(r, r->params, "", "description", SIM_REQ, &o) ||
        !sim_req_str(r, r->params, "", "mode", SIM_OPT, &mode))
        return false;
    bool incremental = mode && strcmp(mode, "incremental") == 0;
    if (mode && !incremental && strcmp(mode, "full") != 0)
        return sim_req_fail(r, "invalid", "mode: must be 'full' or 'incremental', got '%s'", mode);
    GList *keys = sorted_members(o);
    size_t n = g_list_length(keys);
    rtcsim_track_desc_t *d = g_new0(rtcsim_track_desc_t, n ? n : 1);
    bool ok = true;
    size_t i = 0;
    for (GList *k = keys; k && ok; k = k->next, i++) {
        char w[RTCSIM_NAME_MAX + 32];
        snprintf(w, sizeof w, "description['%.*s']", RTCSIM_NAME_MAX, (const char *)k->data);
        ok = get_track_desc(r, json_object_get_member(o, k->data), w, k->data, &d[i]);
        if (ok && !incremental && (d[i].given & RTCSIM_TD_DELETE))
            ok = sim_req_fail(r, "invalid",
                              "%s.delete: for incremental mode (a full description removes "
                              "a track by leaving it out)", w);
    }
    g_list_free(keys);
    char err[ERR_LEN] = "";
    if (ok)
        ok = status(r, T->media_set_remote_description(s->h, d, n, incremental, err, sizeof err),
                    err);
    g_free(d);
    return ok;
}

static bool m_add_stream(sim_req_t *r)
{
    sess_t *s;
    JsonObject *o;
    JsonArray *tracks;
    rtcsim_local_stream_t ls;
    memset(&ls, 0, sizeof ls);
    if (!get_sess(r, &s) || !sim_req_obj(r, r->params, "", "stream", SIM_REQ, &o) ||
        !get_name(r, o, "stream.", "id", SIM_REQ, ls.id, sizeof ls.id) ||
        !get_text(r, o, "stream.", "label", ls.label, sizeof ls.label) ||
        !sim_req_arr(r, o, "stream.", "tracks", SIM_OPT, &tracks))
        return false;
    guint n = tracks ? json_array_get_length(tracks) : 0;
    rtcsim_local_track_t *t = g_new0(rtcsim_local_track_t, n ? n : 1);
    bool ok = true;
    for (guint i = 0; i < n && ok; i++) {
        JsonNode *e = json_array_get_element(tracks, i);
        char w[48];
        bool g;
        gint64 v[3] = { 0, 0, 0 };
        static const char *const nums[] = { "fps", "bitrate", "keyframe_every" };
        snprintf(w, sizeof w, "stream.tracks[%u].", i);
        if (!JSON_NODE_HOLDS_OBJECT(e)) {
            ok = sim_req_fail(r, "invalid", "stream.tracks[%u]: must be an object", i);
            break;
        }
        JsonObject *to = json_node_get_object(e);
        ok = get_name(r, to, w, "id", SIM_REQ, t[i].id, sizeof t[i].id) &&
             get_text(r, to, w, "label", t[i].label, sizeof t[i].label) &&
             get_kind(r, to, w, SIM_REQ, &t[i].kind, &g);
        /* 0 or absent: the implementation's defaults (impl.h) */
        for (int k = 0; k < 3 && ok; k++)
            ok = sim_req_int(r, to, w, nums[k], SIM_OPT, 0, 0xffffffff, &v[k], &g);
        t[i].fps = (uint32_t)v[0];
        t[i].bitrate = (uint32_t)v[1];
        t[i].keyframe_every = (uint32_t)v[2];
    }
    ls.ntracks = n;
    ls.tracks = t;
    char err[ERR_LEN] = "";
    if (ok)
        ok = status(r, T->media_add_stream(s->h, &ls, err, sizeof err), err);
    g_free(t);
    return ok;
}

static bool m_remove_stream(sim_req_t *r)
{
    sess_t *s;
    const char *id;
    char err[ERR_LEN] = "";
    if (!get_sess(r, &s) || !sim_req_str(r, r->params, "", "stream", SIM_REQ, &id))
        return false;
    return status(r, T->media_remove_stream(s->h, id, err, sizeof err), err);
}

static bool m_send_stream(sim_req_t *r)
{
    sess_t *s;
    const char *id;
    bool send;
    char err[ERR_LEN] = "";
    if (!get_sess(r, &s) || !sim_req_str(r, r->params, "", "stream", SIM_REQ, &id) ||
        !sim_req_bool(r, r->params, "", "send", SIM_REQ, &send))
        return false;
    return status(r, T->media_send_stream(s->h, id, send, err, sizeof err), err);
}

static bool m_send_track(sim_req_t *r)
{
    sess_t *s;
    const char *id;
    bool send;
    char err[ERR_LEN] = "";
    if (!get_sess(r, &s) || !sim_req_str(r, r->params, "", "track", SIM_REQ, &id) ||
        !sim_req_bool(r, r->params, "", "send", SIM_REQ, &send))
        return false;
    return status(r, T->media_send_track(s->h, id, send, err, sizeof err), err);
}

static bool m_add_connection(sim_req_t *r)
{
    sess_t *s;
    conn_t *c;
    char err[ERR_LEN] = "";
    if (!get_sess(r, &s) || !get_conn(r, &c))
        return false;
    return status(r, T->media_add_connection(s->h, c->h, err, sizeof err), err);
}

static bool m_remove_connection(sim_req_t *r)
{
    sess_t *s;
    conn_t *c;
    char err[ERR_LEN] = "";
    if (!get_sess(r, &s) || !get_conn(r, &c))
        return false;
    return status(r, T->media_remove_connection(s->h, c->h, err, sizeof err), err);
}

static bool m_get_connections(sim_req_t *r)
{
    sess_t *s;
    if (!get_sess(r, &s))
        return false;
    size_t want = T->media_connections(s->h, NULL, 0);
    if (want > 4096)
        want = 4096;
    rtcsim_connection_t **cs = g_new0(rtcsim_connection_t *, want ? want : 1);
    size_t n = T->media_connections(s->h, cs, want);
    if (n > want)
        n = want;
    json_builder_set_member_name(r->result, "connections");
    json_builder_begin_array(r->result);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        /* only connections the adapter made (opaque is the conn_t) */
        conn_t *c = NULL;
        for (conn_t *k = conns; k && !c; k = k->next)
            if (k->h == cs[i])
                c = k;
        if (c)
            json_builder_add_string_value(r->result, c->name);
        else
            ok = sim_req_fail(r, "failed",
                              "%s listed a connection the adapter never made", T->name);
    }
    json_builder_end_array(r->result);
    g_free(cs);
    return ok;
}

static bool m_set_track_properties(sim_req_t *r)
{
    sess_t *s;
    const char *id;
    rtcsim_track_desc_t d;
    char err[ERR_LEN] = "";
    if (!get_sess(r, &s) || !sim_req_str(r, r->params, "", "track", SIM_REQ, &id))
        return false;
    JsonNode *n = sim_req_member(r, r->params, "", "properties", SIM_REQ);
    if (!n || !get_track_desc(r, n, "properties", NULL, &d))
        return false;
    if (d.given & RTCSIM_TD_DELETE)
        return sim_req_fail(r, "invalid",
                            "properties.delete: for setRemoteDescription's incremental "
                            "mode (removeStream stops a local track)");
    return status(r, T->media_set_track_properties(s->h, id, &d, err, sizeof err), err);
}

/* A list of names an implementation returned (pointers valid until the
 * next call on the object), as a JSON list under key. */
static void add_names(sim_req_t *r, const char *key, const char **ids, size_t n)
{
    json_builder_set_member_name(r->result, key);
    json_builder_begin_array(r->result);
    for (size_t i = 0; i < n; i++)
        json_builder_add_string_value(r->result, ids[i] ? ids[i] : "");
    json_builder_end_array(r->result);
}

static bool streams(sim_req_t *r, bool receiving)
{
    sess_t *s;
    if (!get_sess(r, &s))
        return false;
    size_t (*get)(const rtcsim_media_t *, const char **, size_t) =
        receiving ? T->media_receiving_streams : T->media_sending_streams;
    size_t want = get(s->h, NULL, 0);
    if (want > 4096)
        want = 4096;
    const char **ids = g_new0(const char *, want ? want : 1);
    size_t n = get(s->h, ids, want);
    add_names(r, "streams", ids, n < want ? n : want);
    g_free(ids);
    return true;
}

static bool m_sending_streams(sim_req_t *r) { return streams(r, false); }
static bool m_receiving_streams(sim_req_t *r) { return streams(r, true); }

/* The ABI lists a stream only through its tracks: a local stream with
 * none cannot be told from no stream, and is answered as none; a remote
 * one is known from getReceivingStreams (D146). */
static bool m_stream_tracks(sim_req_t *r)
{
    sess_t *s;
    const char *id;
    bool remote = false;
    if (!get_sess(r, &s) || !sim_req_str(r, r->params, "", "stream", SIM_REQ, &id) ||
        !sim_req_bool(r, r->params, "", "remote", SIM_OPT, &remote))
        return false;
    bool known = false;
    if (remote) {
        size_t want = T->media_receiving_streams(s->h, NULL, 0);
        if (want > 4096)
            want = 4096;
        const char **ids = g_new0(const char *, want ? want : 1);
        size_t n = T->media_receiving_streams(s->h, ids, want);
        for (size_t i = 0; i < n && i < want && !known; i++)
            known = ids[i] && strcmp(ids[i], id) == 0;
        g_free(ids);
    }
    size_t want = T->media_stream_tracks(s->h, id, remote, NULL, 0);
    if (want > 4096)
        want = 4096;
    if (!want && !known)
        return sim_req_fail(r, "invalid", "stream: this session has no %s stream '%s'",
                            remote ? "remote" : "local", id);
    const char **ids = g_new0(const char *, want ? want : 1);
    size_t n = T->media_stream_tracks(s->h, id, remote, ids, want);
    add_names(r, "tracks", ids, n < want ? n : want);
    g_free(ids);
    return true;
}

static bool m_track_stats(sim_req_t *r)
{
    sess_t *s;
    const char *id;
    bool remote = false;
    rtcsim_track_stats_t st;
    if (!get_sess(r, &s) || !sim_req_str(r, r->params, "", "track", SIM_REQ, &id) ||
        !sim_req_bool(r, r->params, "", "remote", SIM_OPT, &remote))
        return false;
    memset(&st, 0, sizeof st);
    JsonBuilder *b = r->result;
    json_builder_set_member_name(b, "stats");
    if (!T->media_track_stats(s->h, id, remote, &st)) {
        json_builder_add_null_value(b);
        return true;
    }
    json_builder_begin_object(b);
    sim_json_set_int(b, "ssrc", st.ssrc);
    sim_json_set_bool(b, "sending", st.sending);
    sim_json_set_bool(b, "connected", st.connected);
    sim_json_set_int(b, "packets", (gint64)st.packets);
    sim_json_set_int(b, "octets", (gint64)st.octets);
    sim_json_set_int(b, "expected", st.expected);
    sim_json_set_int(b, "lost", st.lost);
    sim_json_set_int(b, "jitter", st.jitter);
    sim_json_set_int(b, "duplicates", (gint64)st.duplicates);
    sim_json_set_bool(b, "have_report", st.have_report);
    sim_json_set_int(b, "fraction_lost", st.fraction_lost);
    sim_json_set_int(b, "cumulative_lost", st.cumulative_lost);
    sim_json_set_int(b, "report_jitter", st.report_jitter);
    sim_json_set_int(b, "rtt_us", st.rtt_us);
    sim_json_set_int(b, "srs", (gint64)st.srs);
    sim_json_set_int(b, "rrs", (gint64)st.rrs);
    sim_json_set_int(b, "byes", (gint64)st.byes);
    json_builder_end_object(b);
    return true;
}

static bool m_counters(sim_req_t *r)
{
    sess_t *s;
    rtcsim_counter_t buf[64];
    if (!get_sess(r, &s))
        return false;
    if (!T->media_counters)
        return sim_req_fail(r, "unsupported",
                            "%s keeps no session counters (media_counters)", T->name);
    size_t n = T->media_counters(s->h, buf, G_N_ELEMENTS(buf));
    json_builder_set_member_name(r->result, "counters");
    json_builder_begin_object(r->result);
    for (size_t i = 0; i < n && i < G_N_ELEMENTS(buf); i++) {
        BOUND(buf[i].name);
        sim_json_set_int(r->result, buf[i].name, (gint64)buf[i].value);
    }
    json_builder_end_object(r->result);
    return true;
}

static bool m_close(sim_req_t *r)
{
    sess_t *s;
    char err[ERR_LEN] = "";
    if (!get_sess(r, &s))
        return false;
    return status(r, T->media_close(s->h, err, sizeof err), err);
}

/* insertDTMF's duration or interToneGap in ms: absent, the spec's
 * default (-1 to the table); a number, rounded down and bounded as the
 * Lua API bounds it (the implementation clamps to the spec's bounds,
 * D90). */
static bool get_ms(sim_req_t *r, const char *k, int64_t *v)
{
    JsonNode *n = sim_req_member(r, r->params, "", k, SIM_OPT);
    *v = -1;
    if (!n)
        return true;
    GType t = JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n) : G_TYPE_INVALID;
    if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
        return sim_req_fail(r, "invalid", "%s: must be a number (ms)", k);
    double x = t == G_TYPE_INT64 ? (double)json_node_get_int(n) : json_node_get_double(n);
    if (x != x)
        return sim_req_fail(r, "invalid", "%s: NaN", k);
    *v = x < 0 ? 0 : x > 1e9 ? 1000000000 : (int64_t)x;
    return true;
}

static bool get_dtmf_sess(sim_req_t *r, sess_t **s)
{
    if (!get_sess(r, s))
        return false;
    if (!T->media_insert_dtmf)
        return sim_req_fail(r, "unsupported",
                            "%s has no RTCDTMFTrack (media_insert_dtmf)", T->name);
    return true;
}

static bool m_insert_dtmf(sim_req_t *r)
{
    sess_t *s;
    const char *track, *tones;
    int64_t dur, gap;
    char err[ERR_LEN] = "";
    if (!get_dtmf_sess(r, &s) || !sim_req_str(r, r->params, "", "track", SIM_REQ, &track) ||
        !sim_req_str(r, r->params, "", "tones", SIM_REQ, &tones) || !get_ms(r, "duration", &dur) ||
        !get_ms(r, "interToneGap", &gap))
        return false;
    return status(r, T->media_insert_dtmf(s->h, track, tones, dur, gap, err, sizeof err), err);
}

static bool m_dtmf_state(sim_req_t *r)
{
    sess_t *s;
    const char *track;
    rtcsim_dtmf_state_t st;
    if (!get_dtmf_sess(r, &s) || !sim_req_str(r, r->params, "", "track", SIM_REQ, &track))
        return false;
    memset(&st, 0, sizeof st);
    JsonBuilder *b = r->result;
    json_builder_set_member_name(b, "state");
    if (!T->media_dtmf_state(s->h, track, &st)) {
        json_builder_add_null_value(b);
        return true;
    }
    BOUND(st.tone_buffer);
    json_builder_begin_object(b);
    sim_json_set_str(b, "tone_buffer", st.tone_buffer);
    sim_json_set_int(b, "duration", st.duration);
    sim_json_set_int(b, "inter_tone_gap", st.inter_tone_gap);
    sim_json_set_bool(b, "playing", st.playing);
    sim_json_set_int(b, "ssrc", st.ssrc);
    json_builder_set_member_name(b, "pt");
    if (st.pt == 0xff)
        json_builder_add_null_value(b);
    else
        json_builder_add_int_value(b, st.pt);
    json_builder_end_object(b);
    return true;
}

static bool m_shutdown(sim_req_t *r)
{
    quit = true;
    return true;
}

/* The harness went away (a line could not be written): as stdin's EOF. */
static void stop(void)
{
    quit = true;
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
    { "session.new", m_session_new },
    { "session.getLocalDescription", m_get_local },
    { "session.getRemoteDescription", m_get_remote },
    { "session.setRemoteDescription", m_set_remote },
    { "session.addStream", m_add_stream },
    { "session.removeStream", m_remove_stream },
    { "session.sendStream", m_send_stream },
    { "session.sendTrack", m_send_track },
    { "session.addConnection", m_add_connection },
    { "session.removeConnection", m_remove_connection },
    { "session.getConnections", m_get_connections },
    { "session.setTrackProperties", m_set_track_properties },
    { "session.getSendingStreams", m_sending_streams },
    { "session.getReceivingStreams", m_receiving_streams },
    { "session.streamTracks", m_stream_tracks },
    { "session.trackStats", m_track_stats },
    { "session.counters", m_counters },
    { "session.close", m_close },
    { "session.insertDTMF", m_insert_dtmf },
    { "session.dtmfState", m_dtmf_state },
    { "shutdown", m_shutdown },
};

/* ---- the request loop --------------------------------------------------------------------- */

/* stdin's bytes so far; a line past SIM_JSONL_LINE_MAX is answered once and
 * skipped to its end. */
static char inbuf[SIM_JSONL_LINE_MAX + 2];
static size_t inlen;
static bool overlong;

static void take_input(const char *data, size_t n, bool eof)
{
    for (size_t i = 0; i < n && !quit; i++) {
        char ch = data[i];
        if (ch != '\n') {
            if (overlong)
                continue;
            if (inlen == SIM_JSONL_LINE_MAX + 1) {
                sim_jsonl_overlong();
                overlong = true;
                continue;
            }
            inbuf[inlen++] = ch;
            continue;
        }
        if (!overlong) {
            size_t l = inlen && inbuf[inlen - 1] == '\r' ? inlen - 1 : inlen;
            if (l > SIM_JSONL_LINE_MAX)
                sim_jsonl_overlong();
            else
                sim_jsonl_handle_line(inbuf, l);
        }
        inlen = 0;
        overlong = false;
    }
    if (eof && inlen && !overlong && !quit)
        sim_jsonl_handle_line(inbuf, inlen);
}

/* ---- the poll loop -------------------------------------------------------------------------- */

static void fire(const tmr_t *t)
{
    switch (t->owner) {
    case RTCSIM_TIMER_SOCKET: T->socket_handle_timeout(t->obj); break;
    case RTCSIM_TIMER_CONNECTION: T->connection_handle_timeout(t->obj); break;
    case RTCSIM_TIMER_MEDIA: T->media_handle_timeout(t->obj); break;
    }
}

/* Every timer due now fires once (late is fine: impl.h asks a late call
 * to act on all that is due); one re-armed at or before now fires in the
 * next turn, after stdin and the sockets were looked at. */
static void fire_timers(void)
{
    uint64_t now = env_now(NULL);
    size_t n = 0;
    tmr_t *due = g_new(tmr_t, ntimers ? ntimers : 1);
    for (size_t i = 0; i < ntimers; i++)
        if (timers[i].at <= now)
            due[n++] = timers[i];
    for (size_t i = 0; i < n && !quit; i++) {
        tmr_t *t = timer_find(due[i].owner, due[i].obj);
        if (!t || t->at > now)
            continue;               /* disarmed or moved by an earlier one's call */
        tmr_t fired = *t;
        *t = timers[--ntimers];     /* disarmed before the call, which may re-arm it */
        fire(&fired);
        take_events();
    }
    g_free(due);
}

/* ms until the first timer, for poll(): -1 none, 0 due. */
static int poll_timeout(void)
{
    if (!ntimers)
        return -1;
    uint64_t first = RTCSIM_TIME_NEVER, now = env_now(NULL);
    for (size_t i = 0; i < ntimers; i++)
        if (timers[i].at < first)
            first = timers[i].at;
    if (first <= now)
        return 0;
    uint64_t ms = (first - now + 999999) / 1000000;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void read_socket(sock_t *s, size_t i)
{
    static uint8_t buf[65536];
    for (int k = 0; k < READS_PER_TURN && !quit; k++) {
        struct sockaddr_in sin;
        socklen_t sl = sizeof sin;
        ssize_t n = recvfrom(s->fd[i], buf, sizeof buf, 0, (struct sockaddr *)&sin, &sl);
        if (n < 0)
            return;                 /* EAGAIN, or an ICMP error of an earlier send */
        if (sl < sizeof sin || sin.sin_family != AF_INET)
            continue;
        rtcsim_addr_t from = { ntohl(sin.sin_addr.s_addr), ntohs(sin.sin_port) };
        T->socket_handle_datagram(s->h, &s->local[i], &from, buf, (size_t)n);
        take_events();
    }
}

static void run(void)
{
    bool stdin_open = true;
    while (!quit) {
        size_t nfds = 1;
        for (sock_t *s = sockets; s; s = s->next)
            nfds += s->n;
        struct pollfd *pf = g_new0(struct pollfd, nfds);
        sock_t **ps = g_new0(sock_t *, nfds);
        size_t *pi = g_new0(size_t, nfds);
        pf[0].fd = stdin_open ? 0 : -1;
        pf[0].events = POLLIN;
        size_t k = 1;
        for (sock_t *s = sockets; s; s = s->next)
            for (size_t i = 0; i < s->n; i++, k++) {
                pf[k].fd = s->fd[i];
                pf[k].events = POLLIN;
                ps[k] = s;
                pi[k] = i;
            }
        int rc = poll(pf, nfds, poll_timeout());
        if (rc < 0 && errno != EINTR) {
            logf_("poll: %s", strerror(errno));
            quit = true;
        }
        if (rc > 0 && pf[0].revents) {
            char b[16384];
            ssize_t n = read(0, b, sizeof b);
            if (n > 0) {
                take_input(b, (size_t)n, false);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                /* docs/live.md: stdin closes when the scenario ends */
                take_input(b, 0, true);
                stdin_open = false;
                quit = true;
            }
        }
        /* sockets are freed only at the end, so ps[] still holds */
        for (size_t j = 1; rc > 0 && j < nfds && !quit; j++)
            if (pf[j].revents)
                read_socket(ps[j], pi[j]);
        if (!quit)
            fire_timers();
        g_free(pf);
        g_free(ps);
        g_free(pi);
    }
}

/* impl.h's order: media sessions, then connections, then sockets; each
 * free disarms the object's timer. */
static void free_all(void)
{
    while (sessions) {
        sess_t *s = sessions;
        sessions = s->next;
        T->media_free(s->h);
        timer_drop(RTCSIM_TIMER_MEDIA, s->h);
        g_free(s->name);
        g_free(s);
    }
    while (conns) {
        conn_t *c = conns;
        conns = c->next;
        T->connection_free(c->h);
        timer_drop(RTCSIM_TIMER_CONNECTION, c->h);
        g_free(c->name);
        g_free(c);
    }
    while (sockets) {
        sock_t *s = sockets;
        sockets = s->next;
        T->socket_free(s->h);
        timer_drop(RTCSIM_TIMER_SOCKET, s->h);
        sock_close(s);
    }
    g_free(timers);
    timers = NULL;
    ntimers = cap_timers = 0;
}

/* ---- loading the implementation ------------------------------------------------------------- */

/* The table of PATH.so, checked as the harness checks one; NULL with a
 * message on stderr otherwise. */
static const rtcsim_impl_t *load(const char *path)
{
    char full[PATH_MAX];
    /* dlopen searches the library path for a name without a slash */
    snprintf(full, sizeof full, "%s%s", strchr(path, '/') ? "" : "./", path);
    void *dl = dlopen(full, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *e = dlerror();
        logf_("implementation %s: cannot load it: %s", path, e ? e : "dlopen failed");
        return NULL;
    }
    void *sym = dlsym(dl, RTCSIM_IMPL_SYMBOL);
    rtcsim_impl_fn fn;
    memcpy(&fn, &sym, sizeof fn);
    if (!fn) {
        logf_("implementation %s: it exports no symbol %s (const rtcsim_impl_t *%s(uint32_t))",
              path, RTCSIM_IMPL_SYMBOL, RTCSIM_IMPL_SYMBOL);
        return NULL;
    }
    const rtcsim_impl_t *t = fn(RTCSIM_IMPL_ABI_VERSION);
    if (!t) {
        logf_("implementation %s: %s(%u) returned NULL: it cannot serve ABI version %u", path,
              RTCSIM_IMPL_SYMBOL, RTCSIM_IMPL_ABI_VERSION, RTCSIM_IMPL_ABI_VERSION);
        return NULL;
    }
    char why[256];
    const char *bad = rtcsim_impl_check(t, why, sizeof why);
    if (bad) {
        logf_("implementation %s: %s", path, bad);
        return NULL;
    }
    return t;                       /* dl stays open for the process's life */
}

static void hello(void)
{
    char name[256];
    snprintf(name, sizeof name, "%s (live)", T->name);
    JsonBuilder *b = sim_jsonl_hello_begin(name);
    json_builder_set_member_name(b, "features");
    json_builder_begin_array(b);
    if (T->media_new)
        json_builder_add_string_value(b, "media");
    /* docs/live.md: dtmf only with media */
    if (T->media_new && T->media_insert_dtmf)
        json_builder_add_string_value(b, "dtmf");
    json_builder_end_array(b);
    json_builder_end_object(b);
    sim_jsonl_put(b);
}

static int usage(void)
{
    fprintf(stderr, "usage: rtcsim-live --impl PATH.so [--address IPV4]... [--keylog FILE] "
                    "[--debug]\n"
                    "  serves an implementation of include/rtcsim/impl.h over rtcsim's live-host\n"
                    "  control protocol (docs/live.md) on stdin/stdout\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *impl = NULL, *keylog = NULL;
    for (int i = 1; i < argc; i++) {
        uint32_t ip;
        if (strcmp(argv[i], "--impl") == 0 && i + 1 < argc && !impl) {
            impl = argv[++i];
        } else if (strcmp(argv[i], "--address") == 0 && i + 1 < argc &&
                   parse_ipv4(argv[i + 1], &ip) && naddresses < MAX_LOCALS) {
            addresses[naddresses++] = ip;
            i++;
        } else if (strcmp(argv[i], "--keylog") == 0 && i + 1 < argc && !keylog) {
            keylog = argv[++i];
        } else if (strcmp(argv[i], "--debug") == 0) {
            debug = true;
        } else {
            logf_("bad argument '%s'", argv[i]);
            return usage();
        }
    }
    if (!impl) {
        logf_("--impl PATH.so is required");
        return usage();
    }
    signal(SIGPIPE, SIG_IGN);
    if (!(T = load(impl)))
        return 2;
    /* D168: a live host's arguments come from the scenario, untrusted, and
     * the program runs as root: a key log only below the directory it
     * runs in (a second --impl is refused above for the same reason) */
    if (keylog && (keylog[0] == '/' || strstr(keylog, ".."))) {
        logf_("--keylog %s: give a relative path without '..' (it is written as root)", keylog);
        return usage();
    }
    if (keylog && !(keylog_file = fopen(keylog, "a"))) {
        logf_("--keylog %s: %s", keylog, strerror(errno));
        return 2;
    }
    /* the protocol keeps stdout; fd 1 becomes stderr for everyone else */
    int pfd = dup(1);
    if (pfd < 0 || !(proto = fdopen(pfd, "w")) || dup2(2, 1) < 0) {
        logf_("stdout: %s", strerror(errno));
        return 1;
    }
    fcntl(pfd, F_SETFD, FD_CLOEXEC);
    /* the protocol's line handling is common/jsonl.c's; after every
     * request, the events it caused */
    static sim_jsonl_config_t protocol = {
        .gone = stop, .methods = methods, .nmethods = G_N_ELEMENTS(methods),
        .served = take_events,
    };
    protocol.out = proto;
    protocol.log = debug ? logf_ : NULL;
    sim_jsonl_init(&protocol);
    hello();
    run();
    free_all();
    if (bad_sends)
        logf_("%llu datagrams from addresses never given were dropped (implementation bugs)",
              (unsigned long long)bad_sends);
    if (keylog_file)
        fclose(keylog_file);
    fclose(proto);
    return 0;
}
