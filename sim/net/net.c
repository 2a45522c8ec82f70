/*
 * net.c - hosts, interfaces, subnets, the core, links and UDP.
 *
 * See net.h for the topology. Routing is a tree: an interface's access
 * link leads to its subnet's switch, the switch's uplink leads to the
 * core, and the core holds a route per subnet prefix (longest match).
 * The core is a node whose own link ("core") loops back into it, so the
 * core's latency, loss and taps are those of an ordinary link.
 */
#include "net/node.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PKT_POOL_CAP 2048u      /* pooled buffers hold this much payload */
#define PKT_CHUNK    64u        /* pooled packets allocated at a time */
#define SOCK_BUCKETS 64u

static const char *const drop_names[SIM_DROP__COUNT] = {
    [SIM_DROP_LOSS] = "loss",
    [SIM_DROP_QUEUE] = "queue",
    [SIM_DROP_MTU] = "mtu",
    [SIM_DROP_NO_ROUTE] = "no-route",
    [SIM_DROP_IFACE_DOWN] = "iface-down",
    [SIM_DROP_NO_LISTENER] = "no-listener",
    [SIM_DROP_NAT_NO_MAPPING] = "nat-no-mapping",
    [SIM_DROP_NAT_FILTERED] = "nat-filtered",
    [SIM_DROP_NAT_HAIRPIN] = "nat-hairpin",
    [SIM_DROP_FIREWALL] = "firewall-blocked",
    [SIM_DROP_NO_SOURCE] = "no-source",
    [SIM_DROP_TOO_BIG] = "too-big",
    [SIM_DROP_NO_MEMORY] = "no-memory",
};

const char *sim_drop_name(sim_drop_t d)
{
    return d < SIM_DROP__COUNT ? drop_names[d] : "?";
}

/* ---- types ------------------------------------------------------------- */

typedef struct tap {
    sim_tap_fn fn;
    void      *arg;
} tap_t;

typedef struct taps {
    tap_t *v;
    size_t n;
} taps_t;

typedef struct link_dir {
    sim_link_t       *link;
    int               dir;
    sim_link_params_t p;
    sim_rng_t         rng;
    sim_link_stats_t  st;
    bool              ge_bad;       /* Gilbert-Elliott state */
    uint64_t          run;          /* current run of consecutive losses */
    uint64_t          next_seq;
    uint64_t          max_seq;      /* highest seq delivered, +1 */
    sim_time_t        busy_until;   /* rate limiter: end of last departure */
    sim_time_t       *q;            /* departure times of queued packets */
    uint32_t          qhead, qlen, qcap;
    sim_node_t       *to;
    int               to_port;
} link_dir_t;

struct sim_link {
    sim_net_t  *net;
    char        name[64];
    char        src[2][72];        /* "name:up" / "name:down" for the log */
    link_dir_t  d[2];
    taps_t      taps;
};

typedef struct route {
    uint32_t prefix, mask;
    unsigned len;
    int      port;
} route_t;

typedef struct core {
    sim_node_t   node;
    sim_link_t  *loop;              /* the core's own link */
    route_t     *routes;
    size_t       nroutes;
    sim_link_t **ports;             /* port i -> uplink of subnet i */
    size_t       nports;
} core_t;

/* An address on a subnet: an interface's, or a node's (a NAT's outside
 * addresses). The switch sends datagrams for ip down `link`. */
typedef struct attach {
    uint32_t    ip;
    sim_link_t *link;
    const char *owner;              /* "host.iface" or the node's name, for errors */
} attach_t;

struct sim_subnet {
    sim_node_t        node;         /* the switch; port 0 uplink, then one per attachment */
    uint32_t          prefix, mask;
    unsigned          len;
    sim_link_params_t access;
    sim_link_t       *uplink;
    sim_link_t       *up_out;       /* where the switch sends up: the uplink, or a filter's link */
    sim_node_t       *gateway;      /* NULL: the core */
    sim_subnet_t     *next_behind;  /* the next subnet of the same routing domain */
    attach_t         *by_ip;        /* hash table on ip (link NULL: free), cap a power of 2 */
    size_t            n, cap;
    size_t            nports;       /* attachments made so far */
};

struct sim_iface {
    sim_host_t   *host;
    int           port;             /* host-side port */
    char          name[32];
    char          full[100];        /* "host.iface" */
    sim_subnet_t *subnet;
    uint32_t      ip;
    bool          up;
    sim_link_t   *link;
    taps_t        taps;
};

struct sim_udp {
    sim_host_t     *host;
    uint32_t        ip;
    uint16_t        port;
    sim_udp_recv_fn fn;
    void           *arg;
    sim_udp_t      *next;
};

typedef struct watcher {
    sim_iface_fn fn;
    void        *arg;
} watcher_t;

struct sim_host {
    sim_node_t    node;
    sim_iface_t **ifaces;
    size_t        nifaces;
    watcher_t    *watchers;
    size_t        nwatchers;
    sim_udp_t    *socks[SOCK_BUCKETS];
    sim_udp_recv_fn catchall;       /* sim_host_set_catchall */
    void         *catchall_arg;
    uint16_t      next_eph;
    uint16_t      next_ip_id;
};

/* A packet's twin payload (packet.h) lives in a block of its own, on the
 * network's list of them, so that the twins of datagrams still in flight
 * when the network is freed are freed with it, as the pool's are. */
typedef struct twin {
    struct twin *next, *prev;
    size_t       size;              /* what was charged for the block */
    uint8_t      data[];
} twin_t;

typedef struct owned {
    sim_node_t *node;
    void      (*destroy)(sim_node_t *);
} owned_t;

/* Nodes by name (hosts, subnets): open addressing, never deleted from. */
typedef struct names {
    sim_node_t **v;
    size_t       n, cap;
} names_t;

struct sim_net {
    sim_kernel_t   *k;
    sim_evlog_t    *log;
    core_t          core;
    names_t         host_names, subnet_names;
    sim_subnet_t  **subnets;
    size_t          nsubnets;
    sim_host_t    **hosts;
    size_t          nhosts;
    sim_link_t    **links;
    size_t          nlinks;
    sim_pkt_t      *pool;           /* free pooled packets */
    void          **chunks;         /* pooled packets are carved from these */
    size_t          nchunks;
    sim_pkt_t      *big;            /* live packets too large for the pool */
    uint64_t        drops[SIM_DROP__COUNT];
    owned_t        *owned;          /* nodes of other kinds (NATs), freed with the network */
    size_t          nowned;
    size_t          bytes;          /* sim_net_bytes */
    bool          (*room)(void *ctx, size_t more);     /* sim_net_set_bound */
    void           *room_ctx;
    twin_t         *twins;          /* live twin payloads (sim_pkt_set_twin) */
    sim_keylog_fn   keylog;         /* sim_net_set_keylog */
    void           *keylog_arg;
    sim_fault_fn    fault;          /* sim_net_set_fault */
    void           *fault_arg;
};

/* ---- memory ------------------------------------------------------------ */

/* What the run's memory bound sees (net.h, sim_net_bytes): the objects
 * (hosts, interfaces, sockets, subnets, links and their queues) are
 * counted when made; the datagrams, and what host stacks charge, are
 * asked of the bound first (take), since a run can make them without
 * end. */
static bool take(sim_net_t *n, size_t more)
{
    if (n->room && !n->room(n->room_ctx, more))
        return false;
    n->bytes += more;
    return true;
}

size_t sim_net_bytes(const sim_net_t *n) { return n->bytes; }

int sim_net_charge(sim_net_t *n, size_t more)
{
    return take(n, more) ? 0 : -1;
}

void sim_net_uncharge(sim_net_t *n, size_t less)
{
    n->bytes -= less;
}

void *sim_net_realloc(sim_net_t *n, void *ptr, size_t old, size_t size)
{
    if (size == 0) {
        free(ptr);
        sim_net_uncharge(n, old);
        return NULL;
    }
    if (size > old && sim_net_charge(n, size - old) < 0)
        return NULL;
    void *q = realloc(ptr, size);
    if (!q) {
        if (size > old)
            sim_net_uncharge(n, size - old);
        return NULL;
    }
    if (size < old)
        sim_net_uncharge(n, old - size);
    return q;
}

void sim_net_set_bound(sim_net_t *n, bool (*room)(void *ctx, size_t more), void *ctx)
{
    n->room = room;
    n->room_ctx = ctx;
}

/* ---- helpers ----------------------------------------------------------- */

/* Room for element n of the array *arrp (elements of size elem): arrays
 * double when their length reaches a power of two, so n pushes cost O(n)
 * (growing by one would copy the array at each push). The capacity is
 * implied: at least the power of two at or above the length, which still
 * holds after elements are removed. 0, or -1 if out of memory (the array
 * is unchanged). */
static int grow(void *arrp, size_t n, size_t elem)
{
    if (n & (n - 1))
        return 0;
    void *arr;
    memcpy(&arr, arrp, sizeof arr);
    size_t cap = n ? 2 * n : 1;
    if (cap > SIZE_MAX / elem)
        return -1;
    void *q = realloc(arr, cap * elem);
    if (!q)
        return -1;
    memcpy(arrp, &q, sizeof q);
    return 0;
}

#define PUSH(arr, n, v) (grow(&(arr), (n), sizeof *(arr)) < 0 ? -1 : ((arr)[(n)++] = (v), 0))

/* FNV-1a (a fixed function: tables hold no order that reaches output). */
static size_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (size_t)(h ^ (h >> 32));
}

static sim_node_t *names_get(const names_t *t, const char *name)
{
    if (!t->cap)
        return NULL;
    for (size_t i = name_hash(name) & (t->cap - 1); t->v[i]; i = (i + 1) & (t->cap - 1))
        if (strcmp(t->v[i]->name, name) == 0)
            return t->v[i];
    return NULL;
}

static void names_put_slot(sim_node_t **v, size_t cap, sim_node_t *node)
{
    size_t i = name_hash(node->name) & (cap - 1);
    while (v[i])
        i = (i + 1) & (cap - 1);
    v[i] = node;
}

/* Make room for one more name (load kept at most 1/2): 0 or -1. After
 * it, names_put cannot fail. */
static int names_reserve(names_t *t)
{
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        sim_node_t **v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < t->cap; i++)
            if (t->v[i])
                names_put_slot(v, cap, t->v[i]);
        free(t->v);
        t->v = v;
        t->cap = cap;
    }
    return 0;
}

static void names_put(names_t *t, sim_node_t *node)
{
    names_put_slot(t->v, t->cap, node);
    t->n++;
}

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void taps_fire(const taps_t *t, sim_time_t now, const sim_pkt_t *p)
{
    for (size_t i = 0; i < t->n; i++)
        t->v[i].fn(t->v[i].arg, now, p);
}

static int taps_add(taps_t *t, sim_tap_fn fn, void *arg)
{
    return PUSH(t->v, t->n, ((tap_t){ fn, arg }));
}

static uint32_t mask_of(unsigned len)
{
    return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static void endpoint_str(char *buf, size_t cap, uint32_t ip, uint16_t port)
{
    char a[16];
    snprintf(buf, cap, "%s:%u", sim_ip_str(ip, a), port);
}

/* ---- packets ----------------------------------------------------------- */

/* Packets live either in the pool (carved from chunks, freed with the
 * network, so datagrams still in flight when a run ends are not leaked) or,
 * when larger than the pool's buffers, on a list of their own. */
#define POOL_STRIDE ((sizeof(sim_pkt_t) + PKT_POOL_CAP + 15) & ~(size_t)15)

static int pool_grow(sim_net_t *n)
{
    /* the pool keeps its chunks until the network is freed: they stay
     * counted */
    if (!take(n, POOL_STRIDE * PKT_CHUNK))
        return -1;
    unsigned char *c = malloc(POOL_STRIDE * PKT_CHUNK);
    if (!c || PUSH(n->chunks, n->nchunks, c) < 0) {
        free(c);
        sim_net_uncharge(n, POOL_STRIDE * PKT_CHUNK);
        return -1;
    }
    for (size_t i = 0; i < PKT_CHUNK; i++) {
        sim_pkt_t *p = (sim_pkt_t *)(c + i * POOL_STRIDE);
        p->cap = PKT_POOL_CAP;
        p->next = n->pool;
        n->pool = p;
    }
    return 0;
}

sim_pkt_t *sim_pkt_alloc(sim_net_t *n, size_t len)
{
    sim_pkt_t *p;
    if (len <= PKT_POOL_CAP) {
        if (!n->pool && pool_grow(n) < 0)
            return NULL;
        p = n->pool;
        n->pool = p->next;
        p->next = p->prev = NULL;
    } else {
        if (!take(n, sizeof *p + len))
            return NULL;
        p = malloc(sizeof *p + len);
        if (!p) {
            sim_net_uncharge(n, sizeof *p + len);
            return NULL;
        }
        p->cap = (uint32_t)len;
        p->prev = NULL;
        p->next = n->big;
        if (n->big)
            n->big->prev = p;
        n->big = p;
    }
    p->len = (uint32_t)len;
    p->hop = NULL;
    p->twin = NULL;
    p->twin_len = 0;
    return p;
}

static void twin_free(sim_net_t *n, sim_pkt_t *p)
{
    if (!p->twin)
        return;
    twin_t *t = (twin_t *)(void *)(p->twin - offsetof(twin_t, data));
    if (t->prev)
        t->prev->next = t->next;
    else
        n->twins = t->next;
    if (t->next)
        t->next->prev = t->prev;
    sim_net_uncharge(n, t->size);
    free(t);
    p->twin = NULL;
    p->twin_len = 0;
}

int sim_pkt_set_twin(sim_net_t *n, sim_pkt_t *p, const void *data, size_t len)
{
    if (len > SIM_UDP_MAX_PAYLOAD)
        return -1;
    size_t size = sizeof(twin_t) + len;
    if (!take(n, size))
        return -1;
    twin_t *t = malloc(size);
    if (!t) {
        sim_net_uncharge(n, size);
        return -1;
    }
    twin_free(n, p);
    t->size = size;
    if (len)
        memcpy(t->data, data, len);
    t->prev = NULL;
    t->next = n->twins;
    if (n->twins)
        n->twins->prev = t;
    n->twins = t;
    p->twin = t->data;
    p->twin_len = (uint32_t)len;
    return 0;
}

sim_pkt_t *sim_pkt_clone(sim_net_t *n, const sim_pkt_t *p)
{
    sim_pkt_t *c = sim_pkt_alloc(n, p->len);
    if (!c)
        return NULL;
    c->src_ip = p->src_ip;
    c->dst_ip = p->dst_ip;
    c->src_port = p->src_port;
    c->dst_port = p->dst_port;
    c->ip_id = p->ip_id;
    c->ttl = p->ttl;
    c->seq = p->seq;
    memcpy(c->data, p->data, p->len);
    /* a copy on the wire (a duplicate) is the same packet to a capture */
    if (p->twin && sim_pkt_set_twin(n, c, p->twin, p->twin_len) < 0) {
        sim_pkt_free(n, c);
        return NULL;
    }
    return c;
}

void sim_pkt_free(sim_net_t *n, sim_pkt_t *p)
{
    twin_free(n, p);
    if (p->cap == PKT_POOL_CAP) {
        p->next = n->pool;
        n->pool = p;
        return;
    }
    if (p->prev)
        p->prev->next = p->next;
    else
        n->big = p->next;
    if (p->next)
        p->next->prev = p->prev;
    sim_net_uncharge(n, sizeof *p + p->cap);
    free(p);
}

static void log_drop_of(sim_net_t *n, const char *src, sim_drop_t why, uint32_t sip, uint16_t sport,
                        uint32_t dip, uint16_t dport, size_t len)
{
    if (!n->log)
        return;
    char s[32], d[32];
    endpoint_str(s, sizeof s, sip, sport);
    endpoint_str(d, sizeof d, dip, dport);
    sim_evarg_t args[] = {
        SIM_EVS("reason", drop_names[why]), SIM_EVS("from", s), SIM_EVS("to", d),
        SIM_EVI("len", (int64_t)len),
    };
    sim_evlog_emit(n->log, sim_now(n->k), src, "drop", args, 4);
}

static void log_drop(sim_net_t *n, const char *src, sim_drop_t why, const sim_pkt_t *p)
{
    log_drop_of(n, src, why, p->src_ip, p->src_port, p->dst_ip, p->dst_port, p->len);
}

void sim_net_drop(sim_net_t *n, const char *src, sim_drop_t why, sim_pkt_t *p)
{
    n->drops[why]++;
    log_drop(n, src, why, p);
    sim_pkt_free(n, p);
}

void sim_net_drop_counts(const sim_net_t *n, uint64_t out[SIM_DROP__COUNT])
{
    memcpy(out, n->drops, sizeof n->drops);
}

/* ---- links ------------------------------------------------------------- */

void sim_link_params_default(sim_link_params_t *p)
{
    *p = (sim_link_params_t){ .queue_packets = 64, .mtu = 1500 };
}

static bool prob_ok(double x) { return x >= 0.0 && x <= 1.0; }

int sim_link_params_check(const sim_link_params_t *p, char *err, size_t errlen)
{
    const struct { const char *name; double v; } probs[] = {
        { "loss", p->loss }, { "ge_p", p->ge_p }, { "ge_r", p->ge_r },
        { "ge_loss_good", p->ge_loss_good }, { "ge_loss_bad", p->ge_loss_bad },
        { "duplicate", p->duplicate },
    };
    for (size_t i = 0; i < sizeof probs / sizeof probs[0]; i++)
        if (!prob_ok(probs[i].v)) {
            errf(err, errlen, "%s must be a probability in [0, 1], got %g", probs[i].name, probs[i].v);
            return -1;
        }
    if (p->ge_p > 0 && p->ge_r <= 0) {
        errf(err, errlen, "ge_r must be > 0 when ge_p is set (the bad state would never end)");
        return -1;
    }
    if (p->mtu < SIM_IP_HDR + SIM_UDP_HDR || p->mtu > 65535) {
        errf(err, errlen, "mtu must be in [28, 65535], got %u", p->mtu);
        return -1;
    }
    if (p->rate_bps && p->queue_packets < 1) {
        errf(err, errlen, "queue must hold at least 1 packet");
        return -1;
    }
    return 0;
}

static void dir_init(sim_net_t *n, sim_link_t *l, int dir, sim_node_t *to, int to_port,
                     const sim_link_params_t *p)
{
    link_dir_t *d = &l->d[dir];
    d->link = l;
    d->dir = dir;
    d->p = *p;
    d->to = to;
    d->to_port = to_port;
    /* One stream per link direction, named after it: adding a link never
     * changes the draws of another. */
    sim_rng_init(&d->rng, sim_kernel_seed(n->k), l->src[dir]);
}

sim_link_t *sim_link_new(sim_net_t *n, const char *name, sim_node_t *a, int pa,
                         sim_node_t *b, int pb, const sim_link_params_t *p)
{
    sim_link_t *l = calloc(1, sizeof *l);
    if (!l || PUSH(n->links, n->nlinks, l) < 0) {
        free(l);
        return NULL;
    }
    l->net = n;
    n->bytes += sizeof *l;
    snprintf(l->name, sizeof l->name, "%s", name);
    snprintf(l->src[0], sizeof l->src[0], "link:%s:up", name);
    snprintf(l->src[1], sizeof l->src[1], "link:%s:down", name);
    dir_init(n, l, 0, b, pb, p);
    dir_init(n, l, 1, a, pa, p);
    return l;
}

static void link_free(sim_link_t *l)
{
    free(l->d[0].q);
    free(l->d[1].q);
    free(l->taps.v);
    free(l);
}

const char *sim_link_name(const sim_link_t *l) { return l->name; }

void sim_link_set_params(sim_link_t *l, int dir, const sim_link_params_t *p)
{
    for (int i = 0; i < 2; i++)
        if (dir < 0 || dir == i)
            l->d[i].p = *p;
}

void sim_link_get_params(const sim_link_t *l, int dir, sim_link_params_t *p)
{
    *p = l->d[dir & 1].p;
}

void sim_link_get_stats(const sim_link_t *l, int dir, sim_link_stats_t *s)
{
    const link_dir_t *d = &l->d[dir & 1];
    *s = d->st;
    if (d->run > 0) {       /* a run still open counts as it stands */
        s->loss_runs++;
        s->loss_run_total += d->run;
        if (d->run > s->loss_run_max)
            s->loss_run_max = d->run;
    }
}

int sim_link_add_tap(sim_link_t *l, sim_tap_fn fn, void *arg)
{
    return taps_add(&l->taps, fn, arg);
}

sim_link_t *sim_net_link_at(sim_net_t *n, size_t i)
{
    return i < n->nlinks ? n->links[i] : NULL;
}

static void link_drop(link_dir_t *d, sim_drop_t why, sim_pkt_t *p)
{
    d->st.dropped[why]++;
    log_drop(d->link->net, d->link->src[d->dir], why, p);
    sim_pkt_free(d->link->net, p);
}

static void link_deliver(void *arg)
{
    sim_pkt_t *p = arg;
    link_dir_t *d = p->hop;
    sim_link_t *l = d->link;
    d->st.delivered++;
    d->st.bytes_delivered += p->len;
    if (p->seq + 1 < d->max_seq)
        d->st.reordered++;
    else
        d->max_seq = p->seq + 1;
    taps_fire(&l->taps, sim_now(l->net->k), p);
    p->hop = NULL;
    d->to->ops->input(d->to, d->to_port, p);
}

/* Loss decision for one packet, RFC 3611 s.4.7.2 style two-state model
 * when Gilbert-Elliott parameters are set. */
static bool lose(link_dir_t *d)
{
    const sim_link_params_t *p = &d->p;
    if (p->ge_p > 0) {
        double u = sim_rng_double(&d->rng);
        if (d->ge_bad) {
            if (u < p->ge_r)
                d->ge_bad = false;
        } else if (u < p->ge_p) {
            d->ge_bad = true;
        }
        double pl = d->ge_bad ? p->ge_loss_bad : p->ge_loss_good;
        return pl > 0 && sim_rng_double(&d->rng) < pl;
    }
    return p->loss > 0 && sim_rng_double(&d->rng) < p->loss;
}

static sim_time_t delay(link_dir_t *d)
{
    sim_time_t j = d->p.jitter ? sim_rng_below(&d->rng, d->p.jitter + 1) : 0;
    return d->p.latency + j;
}

void sim_link_send(sim_link_t *l, int dir, sim_pkt_t *p)
{
    link_dir_t *d = &l->d[dir];
    sim_kernel_t *k = l->net->k;
    sim_time_t now = sim_now(k);
    d->st.sent++;
    p->seq = d->next_seq++;

    if (sim_pkt_ip_len(p) > d->p.mtu) {
        link_drop(d, SIM_DROP_MTU, p);
        return;
    }

    sim_time_t depart = now;
    if (d->p.rate_bps) {
        /* Packets whose departure is still ahead are waiting (or on the
         * wire); a full queue drops the newcomer (tail drop). */
        while (d->qlen && d->q[d->qhead] <= now) {
            d->qhead = (d->qhead + 1) % d->qcap;
            d->qlen--;
        }
        if (d->qlen >= d->p.queue_packets) {
            link_drop(d, SIM_DROP_QUEUE, p);
            return;
        }
        if (d->qlen == d->qcap) {
            uint32_t cap = d->qcap ? d->qcap * 2 : 16;
            sim_time_t *q = malloc(cap * sizeof *q);
            if (!q) {   /* before the rate is charged: it never reached the wire */
                link_drop(d, SIM_DROP_NO_MEMORY, p);
                return;
            }
            for (uint32_t i = 0; i < d->qlen; i++)
                q[i] = d->q[(d->qhead + i) % d->qcap];
            l->net->bytes += (cap - d->qcap) * sizeof *q;
            free(d->q);
            d->q = q;
            d->qcap = cap;
            d->qhead = 0;
        }
        sim_time_t start = d->busy_until > now ? d->busy_until : now;
        uint64_t bits = (uint64_t)sim_pkt_ip_len(p) * 8u;
        depart = start + (bits * 1000000000ull + d->p.rate_bps - 1) / d->p.rate_bps;
        d->busy_until = depart;
        d->q[(d->qhead + d->qlen++) % d->qcap] = depart;
    }

    if (lose(d)) {
        d->run++;
        link_drop(d, SIM_DROP_LOSS, p);
        return;
    }
    if (d->run > 0) {
        d->st.loss_runs++;
        d->st.loss_run_total += d->run;
        if (d->run > d->st.loss_run_max)
            d->st.loss_run_max = d->run;
        d->run = 0;
    }

    if (d->p.duplicate > 0 && sim_rng_double(&d->rng) < d->p.duplicate) {
        sim_pkt_t *c = sim_pkt_clone(l->net, p);
        if (c) {
            c->hop = d;
            d->st.duplicated++;
            sim_at(k, depart + delay(d), link_deliver, c);
        } else {    /* no memory for the copy: counted, no jitter draw for it */
            d->st.dropped[SIM_DROP_NO_MEMORY]++;
        }
    }
    p->hop = d;
    sim_at(k, depart + delay(d), link_deliver, p);
}

/* ---- the core ---------------------------------------------------------- */

enum { CORE_LOOP_IN = -1, CORE_LOOP_OUT = -2 };

static void core_input(sim_node_t *node, int port, sim_pkt_t *p)
{
    core_t *c = (core_t *)node;
    if (port != CORE_LOOP_OUT) {
        /* From an uplink: cross the core's own link first. */
        sim_link_send(c->loop, 0, p);
        return;
    }
    const route_t *best = NULL;
    for (size_t i = 0; i < c->nroutes; i++) {
        const route_t *r = &c->routes[i];
        if ((p->dst_ip & r->mask) == r->prefix && (!best || r->len > best->len))
            best = r;
    }
    if (!best) {
        sim_net_drop(node->net, "core", SIM_DROP_NO_ROUTE, p);
        return;
    }
    if (p->ttl > 0)
        p->ttl--;
    sim_link_send(c->ports[best->port], 1, p);
}

static const sim_node_ops_t core_ops = { "core", core_input };

void sim_net_set_core(sim_net_t *n, const sim_link_params_t *p)
{
    sim_link_set_params(n->core.loop, 0, p);
}

/* ---- subnets ----------------------------------------------------------- */

static size_t ip_slot(const sim_subnet_t *s, uint32_t ip)
{
    return (size_t)((ip * 0x9e3779b1u) ^ (ip >> 16)) & (s->cap - 1);
}

/* The attachment of ip: a hash table (linear probing), so building a
 * subnet of n addresses costs O(n) whatever their order. */
static const attach_t *subnet_lookup(const sim_subnet_t *s, uint32_t ip)
{
    if (!s->cap)
        return NULL;
    for (size_t i = ip_slot(s, ip); s->by_ip[i].link; i = (i + 1) & (s->cap - 1))
        if (s->by_ip[i].ip == ip)
            return &s->by_ip[i];
    return NULL;
}

static void subnet_input(sim_node_t *node, int port, sim_pkt_t *p)
{
    sim_subnet_t *s = (sim_subnet_t *)node;
    if ((p->dst_ip & s->mask) != s->prefix) {
        if (port == 0) /* came from the core and is not ours: nowhere to go */
            sim_net_drop(node->net, node->name, SIM_DROP_NO_ROUTE, p);
        else
            sim_link_send(s->up_out, 0, p);
        return;
    }
    const attach_t *a = subnet_lookup(s, p->dst_ip);
    if (!a) {
        sim_net_drop(node->net, node->name, SIM_DROP_NO_ROUTE, p);
        return;
    }
    sim_link_send(a->link, 1, p);
}

/* Check that ip may be attached to s; 0, or -1 with a message. */
static int attach_check(const sim_subnet_t *s, uint32_t ip, char *err, size_t errlen)
{
    char a[16], b[16];
    if ((ip & s->mask) != s->prefix) {
        errf(err, errlen, "address %s is not in subnet '%s' (%s/%u)", sim_ip_str(ip, a),
             s->node.name, sim_ip_str(s->prefix, b), s->len);
        return -1;
    }
    if (ip == s->prefix || ip == (s->prefix | ~s->mask)) {
        errf(err, errlen, "address %s is the %s address of subnet '%s'", sim_ip_str(ip, a),
             ip == s->prefix ? "network" : "broadcast", s->node.name);
        return -1;
    }
    const attach_t *other = subnet_lookup(s, ip);
    if (other) {
        errf(err, errlen, "address %s is already used by %s", sim_ip_str(ip, a), other->owner);
        return -1;
    }
    return 0;
}

static void attach_slot(sim_subnet_t *s, attach_t a)
{
    size_t i = ip_slot(s, a.ip);
    while (s->by_ip[i].link)
        i = (i + 1) & (s->cap - 1);
    s->by_ip[i] = a;
    s->n++;
}

/* Room for one more attachment (load at most 1/2): 0, or -1 if out of
 * memory. attach_add cannot fail after it. */
static int attach_reserve(sim_subnet_t *s)
{
    if (2 * (s->n + 1) <= s->cap)
        return 0;
    sim_subnet_t old = *s;
    attach_t *v = calloc(old.cap ? 2 * old.cap : 16, sizeof *v);
    if (!v)
        return -1;
    s->by_ip = v;
    s->cap = old.cap ? 2 * old.cap : 16;
    s->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.by_ip[i].link)
            attach_slot(s, old.by_ip[i]);
    free(old.by_ip);
    return 0;
}

static void attach_add(sim_subnet_t *s, uint32_t ip, sim_link_t *link, const char *owner)
{
    attach_slot(s, (attach_t){ ip, link, owner });
}

sim_link_t *sim_subnet_attach(sim_subnet_t *s, uint32_t ip, const char *link_name, const char *owner,
                              sim_node_t *node, int port, const sim_link_params_t *p, char *err,
                              size_t errlen)
{
    if (attach_check(s, ip, err, errlen) < 0)
        return NULL;
    sim_link_t *l = attach_reserve(s) < 0 ? NULL
                  : sim_link_new(s->node.net, link_name, node, port, &s->node, (int)s->nports + 1,
                                 p ? p : &s->access);
    if (!l) {
        errf(err, errlen, "%s: out of memory", owner);
        return NULL;
    }
    s->nports++;
    attach_add(s, ip, l, owner);
    return l;
}

int sim_net_own(sim_net_t *n, sim_node_t *node, void (*destroy)(sim_node_t *))
{
    return PUSH(n->owned, n->nowned, ((owned_t){ node, destroy }));
}

void sim_subnet_detach(sim_subnet_t *s, uint32_t ip)
{
    attach_t *a = (attach_t *)subnet_lookup(s, ip);
    if (!a)
        return;
    /* Linear-probing delete: re-place the rest of the cluster so that no
     * lookup stops early at the hole. */
    size_t i = (size_t)(a - s->by_ip);
    s->by_ip[i].link = NULL;
    s->n--;
    for (size_t j = (i + 1) & (s->cap - 1); s->by_ip[j].link; j = (j + 1) & (s->cap - 1)) {
        attach_t t = s->by_ip[j];
        s->by_ip[j].link = NULL;
        s->n--;
        attach_slot(s, t);
    }
}

int sim_subnet_attach_more(sim_subnet_t *s, uint32_t ip, sim_link_t *link, const char *owner,
                           char *err, size_t errlen)
{
    if (attach_check(s, ip, err, errlen) < 0)
        return -1;
    if (attach_reserve(s) < 0) {
        errf(err, errlen, "%s: out of memory", owner);
        return -1;
    }
    attach_add(s, ip, link, owner);
    return 0;
}

static const sim_node_ops_t subnet_ops = { "subnet", subnet_input };

static sim_subnet_t *subnet_create(sim_net_t *n, const char *name, uint32_t prefix,
                                   unsigned prefix_len, const sim_link_params_t *access,
                                   const sim_link_params_t *uplink, sim_node_t *gw, int gw_port,
                                   char *err, size_t errlen)
{
    if (!name || !*name || strlen(name) >= sizeof ((sim_node_t *)0)->name) {
        errf(err, errlen, "subnet name must be 1 to 63 characters");
        return NULL;
    }
    if (sim_subnet_find(n, name)) {
        errf(err, errlen, "subnet '%s' already exists", name);
        return NULL;
    }
    if (prefix_len < 8 || prefix_len > 30) {
        errf(err, errlen, "subnet '%s': prefix length must be 8 to 30, got %u", name, prefix_len);
        return NULL;
    }
    uint32_t mask = mask_of(prefix_len);
    if (prefix & ~mask) {
        char a[16];
        errf(err, errlen, "subnet '%s': %s/%u has host bits set", name,
             sim_ip_str(prefix, a), prefix_len);
        return NULL;
    }
    /* Prefixes must not overlap within one routing domain: the core's, or
     * one gateway's inside (two homes behind two NATs may both be
     * 192.168.1.0/24). Each domain lists its own subnets, so a NAT's
     * inside is checked against that NAT's alone, not every subnet made. */
    sim_node_t *domain = gw ? gw : &n->core.node;
    sim_subnet_t **tail = &domain->behind;     /* kept in creation order, for the message */
    for (sim_subnet_t *o = domain->behind; o; tail = &o->next_behind, o = o->next_behind) {
        uint32_t m = mask & o->mask;    /* the shorter of the two masks */
        if ((prefix & m) == (o->prefix & m)) {
            char a[16], b[16];
            errf(err, errlen, "subnet '%s' (%s/%u) overlaps subnet '%s' (%s/%u)", name,
                 sim_ip_str(prefix, a), prefix_len, o->node.name, sim_ip_str(o->prefix, b), o->len);
            return NULL;
        }
    }
    sim_link_params_t def;
    sim_link_params_default(&def);
    if (access && sim_link_params_check(access, err, errlen) < 0)
        return NULL;
    if (uplink && sim_link_params_check(uplink, err, errlen) < 0)
        return NULL;

    /* Everything that can run out of memory comes first, so a failure
     * leaves the network as it was (but for an unused link). */
    core_t *c = &n->core;
    sim_subnet_t *s = calloc(1, sizeof *s);
    if (!s || grow(&n->subnets, n->nsubnets, sizeof *n->subnets) < 0 ||
        names_reserve(&n->subnet_names) < 0 ||
        (!gw && (grow(&c->ports, c->nports, sizeof *c->ports) < 0 ||
                 grow(&c->routes, c->nroutes, sizeof *c->routes) < 0))) {
        free(s);
        errf(err, errlen, "subnet '%s': out of memory", name);
        return NULL;
    }
    s->node.ops = &subnet_ops;
    s->node.net = n;
    n->bytes += sizeof *s;
    snprintf(s->node.name, sizeof s->node.name, "%s", name);
    s->prefix = prefix;
    s->mask = mask;
    s->len = prefix_len;
    s->access = access ? *access : def;
    char lname[80];
    snprintf(lname, sizeof lname, "%s.uplink", name);
    s->gateway = gw;
    s->uplink = gw ? sim_link_new(n, lname, &s->node, 0, gw, gw_port, uplink ? uplink : &def)
                   : sim_link_new(n, lname, &s->node, 0, &c->node, (int)c->nports, uplink ? uplink : &def);
    if (!s->uplink) {
        free(s);
        errf(err, errlen, "subnet '%s': out of memory", name);
        return NULL;
    }
    if (!gw) {
        c->ports[c->nports++] = s->uplink;
        c->routes[c->nroutes++] = (route_t){ prefix, mask, prefix_len, (int)c->nports - 1 };
    }
    s->up_out = s->uplink;
    *tail = s;
    n->subnets[n->nsubnets++] = s;
    names_put(&n->subnet_names, &s->node);
    return s;
}

sim_link_t *sim_subnet_splice(sim_subnet_t *s, sim_node_t *node, char *err, size_t errlen)
{
    if (s->up_out != s->uplink) {
        errf(err, errlen, "subnet '%s' already has a node on its uplink", s->node.name);
        return NULL;
    }
    sim_link_params_t def;
    sim_link_params_default(&def);
    char lname[160];
    snprintf(lname, sizeof lname, "%s.%s", s->node.name, node->name);
    sim_link_t *l = sim_link_new(s->node.net, lname, &s->node, 0, node, 0, &def);
    if (!l) {
        errf(err, errlen, "subnet '%s': out of memory", s->node.name);
        return NULL;
    }
    /* what comes down the uplink now reaches node's port 1 */
    s->uplink->d[1].to = node;
    s->uplink->d[1].to_port = 1;
    s->up_out = l;
    return l;
}

sim_subnet_t *sim_subnet_new(sim_net_t *n, const char *name, uint32_t prefix,
                             unsigned prefix_len, const sim_link_params_t *access,
                             const sim_link_params_t *uplink, char *err, size_t errlen)
{
    return subnet_create(n, name, prefix, prefix_len, access, uplink, NULL, 0, err, errlen);
}

sim_subnet_t *sim_subnet_new_behind(sim_net_t *n, const char *name, uint32_t prefix,
                                    unsigned prefix_len, const sim_link_params_t *access,
                                    const sim_link_params_t *uplink, sim_node_t *gw, int gw_port,
                                    char *err, size_t errlen)
{
    return subnet_create(n, name, prefix, prefix_len, access, uplink, gw, gw_port, err, errlen);
}

sim_subnet_t *sim_subnet_find(sim_net_t *n, const char *name)
{
    return (sim_subnet_t *)names_get(&n->subnet_names, name);
}

sim_link_t *sim_subnet_uplink(sim_subnet_t *s) { return s->uplink; }
void sim_subnet_access(const sim_subnet_t *s, sim_link_params_t *p) { *p = s->access; }
const char *sim_subnet_name(const sim_subnet_t *s) { return s->node.name; }

/* ---- hosts and interfaces --------------------------------------------- */

static sim_udp_t *sock_find(const sim_host_t *h, uint32_t ip, uint16_t port)
{
    sim_udp_t *any = NULL;
    for (sim_udp_t *s = h->socks[port % SOCK_BUCKETS]; s; s = s->next) {
        if (s->port != port)
            continue;
        if (s->ip == ip)
            return s;
        if (s->ip == 0)
            any = s;
    }
    return any;
}

static void host_input(sim_node_t *node, int port, sim_pkt_t *p)
{
    sim_host_t *h = (sim_host_t *)node;
    sim_iface_t *i = h->ifaces[port];
    if (!i->up) {
        sim_net_drop(node->net, node->name, SIM_DROP_IFACE_DOWN, p);
        return;
    }
    taps_fire(&i->taps, sim_now(node->net->k), p);
    sim_udp_t *s = sock_find(h, p->dst_ip, p->dst_port);
    if (!s && h->catchall) {
        h->catchall(h->catchall_arg, NULL, p);
        sim_pkt_free(node->net, p);
        return;
    }
    if (!s) {
        sim_net_drop(node->net, node->name, SIM_DROP_NO_LISTENER, p);
        return;
    }
    s->fn(s->arg, s, p);
    sim_pkt_free(node->net, p);
}

static const sim_node_ops_t host_ops = { "host", host_input };

void sim_host_set_catchall(sim_host_t *h, sim_udp_recv_fn fn, void *arg)
{
    h->catchall = fn;
    h->catchall_arg = arg;
}

static bool name_ok(const char *name, size_t cap)
{
    return name && *name && strlen(name) < cap;
}

sim_host_t *sim_host_new(sim_net_t *n, const char *name, char *err, size_t errlen)
{
    if (!name_ok(name, sizeof ((sim_node_t *)0)->name)) {
        errf(err, errlen, "host name must be 1 to 63 characters");
        return NULL;
    }
    if (sim_host_find(n, name)) {
        errf(err, errlen, "host '%s' already exists", name);
        return NULL;
    }
    sim_host_t *h = calloc(1, sizeof *h);
    if (!h || grow(&n->hosts, n->nhosts, sizeof *n->hosts) < 0 || names_reserve(&n->host_names) < 0) {
        free(h);
        errf(err, errlen, "host '%s': out of memory", name);
        return NULL;
    }
    h->node.ops = &host_ops;
    h->node.net = n;
    n->bytes += sizeof *h;
    snprintf(h->node.name, sizeof h->node.name, "%s", name);
    h->next_eph = 49152;
    n->hosts[n->nhosts++] = h;
    names_put(&n->host_names, &h->node);
    return h;
}

/* By name through a hash table: building n hosts costs O(n), not the
 * O(n^2) of a scan per new name. */
sim_host_t *sim_host_find(sim_net_t *n, const char *name)
{
    return (sim_host_t *)names_get(&n->host_names, name);
}

const char *sim_host_name(const sim_host_t *h) { return h->node.name; }
sim_net_t  *sim_host_net(const sim_host_t *h) { return h->node.net; }

static void notify(sim_iface_t *i);

sim_iface_t *sim_iface_new(sim_host_t *h, const char *name, sim_subnet_t *s, uint32_t ip,
                           const sim_link_params_t *link, char *err, size_t errlen)
{
    if (!name_ok(name, sizeof ((sim_iface_t *)0)->name)) {
        errf(err, errlen, "host '%s': interface name must be 1 to 31 characters", h->node.name);
        return NULL;
    }
    if (sim_iface_find(h, name)) {
        errf(err, errlen, "host '%s' already has an interface '%s'", h->node.name, name);
        return NULL;
    }
    if (attach_check(s, ip, err, errlen) < 0)
        return NULL;
    if (link && sim_link_params_check(link, err, errlen) < 0)
        return NULL;

    sim_iface_t *i = calloc(1, sizeof *i);
    if (!i || grow(&h->ifaces, h->nifaces, sizeof *h->ifaces) < 0) {
        free(i);
        errf(err, errlen, "host '%s': out of memory", h->node.name);
        return NULL;
    }
    i->host = h;
    i->port = (int)h->nifaces;
    snprintf(i->name, sizeof i->name, "%s", name);
    i->subnet = s;
    i->ip = ip;
    i->up = true;
    snprintf(i->full, sizeof i->full, "%s.%s", h->node.name, name);
    i->link = sim_subnet_attach(s, ip, i->full, i->full, &h->node, i->port, link, err, errlen);
    if (!i->link) {
        free(i);
        return NULL;
    }
    h->ifaces[h->nifaces++] = i;
    h->node.net->bytes += sizeof *i;
    /* An interface that appears while the run is under way (from an event)
     * is a network change like down, up and renumbering, and is logged as
     * they are; the topology built before the first event is not. */
    sim_net_t *n = h->node.net;
    if (n->log && sim_events_fired(n->k) > 0) {
        char a[16];
        sim_evarg_t args[] = { SIM_EVS("address", sim_ip_str(ip, a)), SIM_EVS("subnet", s->node.name) };
        sim_evlog_emit(n->log, sim_now(n->k), i->full, "iface-new", args, 2);
    }
    notify(i);
    return i;
}

sim_iface_t *sim_iface_find(sim_host_t *h, const char *name)
{
    for (size_t i = 0; i < h->nifaces; i++)
        if (strcmp(h->ifaces[i]->name, name) == 0)
            return h->ifaces[i];
    return NULL;
}

sim_iface_t *sim_host_iface_at(sim_host_t *h, size_t i)
{
    return i < h->nifaces ? h->ifaces[i] : NULL;
}

uint32_t     sim_iface_ip(const sim_iface_t *i) { return i->ip; }
const char  *sim_iface_name(const sim_iface_t *i) { return i->name; }
sim_host_t  *sim_iface_host(const sim_iface_t *i) { return i->host; }
sim_link_t  *sim_iface_link(sim_iface_t *i) { return i->link; }
bool         sim_iface_is_up(const sim_iface_t *i) { return i->up; }

static void notify(sim_iface_t *i)
{
    sim_host_t *h = i->host;
    for (size_t j = 0; j < h->nwatchers; j++)
        h->watchers[j].fn(h->watchers[j].arg, i);
}

int sim_host_watch(sim_host_t *h, sim_iface_fn fn, void *arg)
{
    return PUSH(h->watchers, h->nwatchers, ((watcher_t){ fn, arg }));
}

void sim_host_unwatch(sim_host_t *h, void *arg)
{
    for (size_t j = 0; j < h->nwatchers; j++)
        if (h->watchers[j].arg == arg) {
            h->watchers[j] = h->watchers[--h->nwatchers];
            j--;
        }
}

void sim_iface_set_up(sim_iface_t *i, bool up)
{
    if (i->up == up)
        return;
    i->up = up;
    sim_net_t *n = i->host->node.net;
    if (n->log) {
        char a[16];
        sim_evarg_t args[] = { SIM_EVS("address", sim_ip_str(i->ip, a)) };
        sim_evlog_emit(n->log, sim_now(n->k), i->full, up ? "iface-up" : "iface-down", args, 1);
    }
    notify(i);
}

int sim_iface_set_ip(sim_iface_t *i, uint32_t ip, char *err, size_t errlen)
{
    if (ip == i->ip)
        return 0;
    if (attach_check(i->subnet, ip, err, errlen) < 0)
        return -1;
    if (attach_reserve(i->subnet) < 0) {
        errf(err, errlen, "%s: out of memory", i->full);
        return -1;
    }
    attach_add(i->subnet, ip, i->link, i->full);
    sim_subnet_detach(i->subnet, i->ip);
    char a[16], b[16];
    sim_net_t *n = i->host->node.net;
    if (n->log) {
        sim_evarg_t args[] = { SIM_EVS("old", sim_ip_str(i->ip, a)), SIM_EVS("address", sim_ip_str(ip, b)) };
        sim_evlog_emit(n->log, sim_now(n->k), i->full, "iface-address", args, 2);
    }
    /* sockets bound to the old address stay, and reach nothing */
    i->ip = ip;
    notify(i);
    return 0;
}

int sim_iface_add_tap(sim_iface_t *i, sim_tap_fn fn, void *arg)
{
    return taps_add(&i->taps, fn, arg);
}

/* ---- UDP ---------------------------------------------------------------- */

static bool host_has_ip(const sim_host_t *h, uint32_t ip)
{
    for (size_t i = 0; i < h->nifaces; i++)
        if (h->ifaces[i]->ip == ip)
            return true;
    return false;
}

static bool port_taken(const sim_host_t *h, uint32_t ip, uint16_t port)
{
    for (sim_udp_t *s = h->socks[port % SOCK_BUCKETS]; s; s = s->next)
        if (s->port == port && (s->ip == ip || s->ip == 0 || ip == 0))
            return true;
    return false;
}

sim_udp_t *sim_udp_bind(sim_host_t *h, uint32_t ip, uint16_t port, sim_udp_recv_fn fn,
                        void *arg, char *err, size_t errlen)
{
    char a[16];
    if (ip && !host_has_ip(h, ip)) {
        errf(err, errlen, "host '%s' has no address %s", h->node.name, sim_ip_str(ip, a));
        return NULL;
    }
    if (port == 0) {
        /* Ephemeral range of RFC 6335 s.6, handed out in sequence. */
        for (unsigned tries = 0; tries < 16384; tries++) {
            uint16_t cand = h->next_eph;
            h->next_eph = cand == 65535 ? 49152 : cand + 1;
            if (!port_taken(h, ip, cand)) {
                port = cand;
                break;
            }
        }
        if (port == 0) {
            errf(err, errlen, "host '%s': no free ephemeral port", h->node.name);
            return NULL;
        }
    } else if (port_taken(h, ip, port)) {
        errf(err, errlen, "host '%s': UDP port %u is already in use", h->node.name, port);
        return NULL;
    }
    sim_udp_t *s = malloc(sizeof *s);
    if (!s) {
        errf(err, errlen, "host '%s': out of memory", h->node.name);
        return NULL;
    }
    h->node.net->bytes += sizeof *s;
    *s = (sim_udp_t){ .host = h, .ip = ip, .port = port, .fn = fn, .arg = arg };
    s->next = h->socks[port % SOCK_BUCKETS];
    h->socks[port % SOCK_BUCKETS] = s;
    return s;
}

void sim_udp_close(sim_udp_t *s)
{
    if (!s)
        return;
    sim_udp_t **pp = &s->host->socks[s->port % SOCK_BUCKETS];
    while (*pp && *pp != s)
        pp = &(*pp)->next;
    if (*pp)
        *pp = s->next;
    s->host->node.net->bytes -= sizeof *s;
    free(s);
}

uint16_t    sim_udp_port(const sim_udp_t *s) { return s->port; }
uint32_t    sim_udp_ip(const sim_udp_t *s) { return s->ip; }

static sim_iface_t *route_out(const sim_host_t *h, uint32_t src, uint32_t dst)
{
    sim_iface_t *first_up = NULL;
    for (size_t j = 0; j < h->nifaces; j++) {
        sim_iface_t *i = h->ifaces[j];
        if (src)            /* a bound socket leaves by its own interface */
        {
            if (i->ip == src)
                return i;
            continue;
        }
        if (i->up && (dst & i->subnet->mask) == i->subnet->prefix)
            return i;
        if (i->up && !first_up)
            first_up = i;
    }
    return first_up;
}

void sim_host_drop_unsent(sim_host_t *h, sim_drop_t why, uint32_t src_ip, uint16_t src_port,
                          uint32_t dst_ip, uint16_t dst_port, size_t len)
{
    sim_net_t *n = h->node.net;
    n->drops[why]++;
    log_drop_of(n, h->node.name, why, src_ip, src_port, dst_ip, dst_port, len);
}

static int udp_send(sim_udp_t *s, uint32_t dst_ip, uint16_t dst_port, const void *data, size_t len,
                    const void *twin, size_t twin_len)
{
    sim_host_t *h = s->host;
    if (len > SIM_UDP_MAX_PAYLOAD || (twin && twin_len > SIM_UDP_MAX_PAYLOAD)) {
        sim_host_drop_unsent(h, SIM_DROP_TOO_BIG, s->ip, s->port, dst_ip, dst_port, len);
        return -1;
    }
    sim_net_t *n = h->node.net;
    sim_iface_t *i = route_out(h, s->ip, dst_ip);
    sim_pkt_t *p = sim_pkt_alloc(n, len);
    if (p && twin && sim_pkt_set_twin(n, p, twin, twin_len) < 0) {
        /* the twin is charged like the datagram: no room for it is no room */
        sim_pkt_free(n, p);
        p = NULL;
    }
    if (!p) {
        sim_host_drop_unsent(h, SIM_DROP_NO_MEMORY, i ? i->ip : s->ip, s->port, dst_ip, dst_port, len);
        return -1;
    }
    p->src_ip = i ? i->ip : s->ip;
    p->src_port = s->port;
    p->dst_ip = dst_ip;
    p->dst_port = dst_port;
    p->ttl = 64;
    p->ip_id = h->next_ip_id++;
    memcpy(p->data, data, len);
    if (!i || !i->up) {
        /* no interface of a bound socket: its address has left the host
         * (renumbered), which is not an interface that is down */
        sim_net_drop(n, h->node.name, !i && s->ip ? SIM_DROP_NO_SOURCE : SIM_DROP_IFACE_DOWN, p);
        return -1;
    }
    taps_fire(&i->taps, sim_now(n->k), p);
    sim_link_send(i->link, 0, p);
    return 0;
}

int sim_udp_send(sim_udp_t *s, uint32_t dst_ip, uint16_t dst_port, const void *data, size_t len)
{
    return udp_send(s, dst_ip, dst_port, data, len, NULL, 0);
}

int sim_udp_send_twin(sim_udp_t *s, uint32_t dst_ip, uint16_t dst_port, const void *data, size_t len,
                      const void *twin, size_t twin_len)
{
    return udp_send(s, dst_ip, dst_port, data, len, twin, twin_len);
}

/* An injected datagram reaches the host at the time it was injected, once
 * the current step is over (sim_iface_inject): the interface rides in hop
 * until then, as a link direction does on a link. */
static void inject_deliver(void *arg)
{
    sim_pkt_t *p = arg;
    sim_iface_t *i = p->hop;
    p->hop = NULL;
    host_input(&i->host->node, i->port, p);
}

int sim_iface_inject(sim_iface_t *i, sim_pkt_t *p)
{
    sim_net_t *n = i->host->node.net;
    p->hop = i;
    if (!sim_after(n->k, 0, inject_deliver, p)) {
        p->hop = NULL;
        sim_net_drop(n, i->full, SIM_DROP_NO_MEMORY, p);
        return -1;
    }
    return 0;
}

void sim_net_set_keylog(sim_net_t *n, sim_keylog_fn fn, void *arg)
{
    n->keylog = fn;
    n->keylog_arg = arg;
}

void sim_net_keylog(sim_net_t *n, const char *line)
{
    if (n->keylog)
        n->keylog(n->keylog_arg, line);
}

void sim_net_set_fault(sim_net_t *n, sim_fault_fn fn, void *arg)
{
    n->fault = fn;
    n->fault_arg = arg;
}

void sim_net_fault(sim_net_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n->fault)
        n->fault(n->fault_arg, msg);
    else
        fprintf(stderr, "%s\n", msg);
}

/* ---- the network ---------------------------------------------------------- */

sim_net_t *sim_net_new(sim_kernel_t *k, sim_evlog_t *log)
{
    sim_net_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->k = k;
    n->log = log;
    n->core.node.ops = &core_ops;
    n->core.node.net = n;
    snprintf(n->core.node.name, sizeof n->core.node.name, "core");
    sim_link_params_t def;
    sim_link_params_default(&def);
    def.mtu = 65535;
    n->core.loop = sim_link_new(n, "core", &n->core.node, CORE_LOOP_IN, &n->core.node,
                                CORE_LOOP_OUT, &def);
    if (!n->core.loop) {
        free(n);
        return NULL;
    }
    return n;
}

sim_kernel_t *sim_net_kernel(sim_net_t *n) { return n->k; }
sim_evlog_t  *sim_net_evlog(sim_net_t *n) { return n->log; }

void sim_net_free(sim_net_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nhosts; i++) {
        sim_host_t *h = n->hosts[i];
        for (size_t j = 0; j < SOCK_BUCKETS; j++)
            while (h->socks[j]) {
                sim_udp_t *s = h->socks[j];
                h->socks[j] = s->next;
                free(s);
            }
        for (size_t j = 0; j < h->nifaces; j++) {
            free(h->ifaces[j]->taps.v);
            free(h->ifaces[j]);
        }
        free(h->ifaces);
        free(h->watchers);
        free(h);
    }
    for (size_t i = 0; i < n->nsubnets; i++) {
        free(n->subnets[i]->by_ip);
        free(n->subnets[i]);
    }
    for (size_t i = 0; i < n->nowned; i++)
        n->owned[i].destroy(n->owned[i].node);
    free(n->owned);
    for (size_t i = 0; i < n->nlinks; i++)
        link_free(n->links[i]);
    while (n->big) {
        sim_pkt_t *p = n->big;
        n->big = p->next;
        free(p);
    }
    while (n->twins) {
        twin_t *t = n->twins;
        n->twins = t->next;
        free(t);
    }
    for (size_t i = 0; i < n->nchunks; i++)
        free(n->chunks[i]);
    free(n->chunks);
    free(n->core.routes);
    free(n->core.ports);
    free(n->hosts);
    free(n->subnets);
    free(n->host_names.v);
    free(n->subnet_names.v);
    free(n->links);
    free(n);
}
