/*
 * nat.c - the NAT node (nat.h), RFC 4787.
 *
 * Port 0 faces the inside subnet (through that subnet's uplink), port 1
 * the outside subnet. A mapping binds an internal transport address to an
 * external one; which outbound datagrams share a mapping is the mapping
 * behaviour (s.4.1), which inbound ones a mapping lets in is the filtering
 * behaviour (s.5), kept as the list of remote endpoints the mapping has
 * sent to. Mappings live `lifetime` past their last outbound datagram
 * (s.4.3: REQ-6, outbound refresh); inbound traffic does not refresh them.
 * The log has "mapping" at creation, "refresh" each time a mapping reaches
 * the end of a lifetime refreshed, "expire" when it dies.
 */
#include "net/nat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/node.h"

#define PORT_MIN 1024u

typedef struct perm {
    uint32_t ip;
    uint16_t port;
} perm_t;

typedef struct mapping {
    struct sim_nat *nat;
    uint32_t        in_ip, ext_ip, r_ip;    /* r_*: the remote the mapping is keyed on (ADM, APDM) */
    uint16_t        in_port, ext_port, r_port;
    sim_time_t      expires;
    sim_timer_t     timer;
    perm_t         *perms;
    size_t          nperms;
    size_t          idx;                    /* its place in nat->all */
} mapping_t;

typedef struct key {
    uint32_t a, b;
    uint16_t c, d;
} key_t_;

typedef struct slot {
    key_t_     k;
    mapping_t *m;                   /* NULL: empty; TOMB: deleted */
} slot_t;

typedef struct table {
    slot_t *v;
    size_t  cap, used;              /* used counts tombstones */
} table_t;

static mapping_t tomb_;
#define TOMB (&tomb_)

/* Paired pooling (REQ-2): the external address of an internal one while
 * it has live mappings. Slots are never emptied (in_ip 0: free; internal
 * addresses are never 0), so there are at most as many as the internal
 * addresses ever seen. */
typedef struct pair {
    uint32_t in_ip, ext_ip;
    size_t   live;                  /* live mappings of in_ip; 0: unpaired */
} pair_t;

typedef struct pairs {
    pair_t *v;
    size_t  cap, used;
} pairs_t;

struct sim_nat {
    sim_node_t        node;
    sim_nat_config_t  cfg;
    sim_subnet_t     *outside, *inside;
    sim_link_t       *out_link;     /* NAT -> outside switch (direction 0) */
    uint32_t         *addrs;
    size_t            naddrs, next_addr;
    uint16_t          next_port;
    sim_rng_t         rng;
    table_t           by_out, by_ext;
    mapping_t       **all;          /* live mappings, for reboot and free */
    size_t            nall, allcap;
    pairs_t           pairs;
    sim_nat_stats_t   st;
};

/* ---- a small hash table of mappings -------------------------------------------- */

static size_t hash(const key_t_ *k)
{
    uint64_t h = ((uint64_t)k->a << 32 | k->b) * 0x9e3779b97f4a7c15ull;
    h ^= ((uint64_t)k->c << 16 | k->d) * 0xc2b2ae3d27d4eb4full;
    return (size_t)(h ^ (h >> 29));
}

static bool key_eq(const key_t_ *x, const key_t_ *y)
{
    return x->a == y->a && x->b == y->b && x->c == y->c && x->d == y->d;
}

static mapping_t *tget(const table_t *t, const key_t_ *k)
{
    if (!t->cap)
        return NULL;
    for (size_t i = hash(k) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (!t->v[i].m)
            return NULL;
        if (t->v[i].m != TOMB && key_eq(&t->v[i].k, k))
            return t->v[i].m;
    }
}

static void tput(table_t *t, const key_t_ *k, mapping_t *m);

/* Room for one more key (load, tombstones included, at most 1/2): 0, or
 * -1 if out of memory (the table unchanged). tput cannot fail after it. */
static int treserve(table_t *t)
{
    if (2 * (t->used + 1) <= t->cap)
        return 0;
    table_t old = *t;
    size_t cap = old.cap ? old.cap * 2 : 64;
    slot_t *v = calloc(cap, sizeof *v);
    if (!v)
        return -1;
    t->v = v;
    t->cap = cap;
    t->used = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.v[i].m && old.v[i].m != TOMB)
            tput(t, &old.v[i].k, old.v[i].m);
    free(old.v);
    return 0;
}

static void tput(table_t *t, const key_t_ *k, mapping_t *m)
{
    size_t i = hash(k) & (t->cap - 1);
    while (t->v[i].m && t->v[i].m != TOMB)
        i = (i + 1) & (t->cap - 1);
    if (!t->v[i].m)
        t->used++;
    t->v[i].k = *k;
    t->v[i].m = m;
}

static void tdel(table_t *t, const key_t_ *k)
{
    if (!t->cap)
        return;
    for (size_t i = hash(k) & (t->cap - 1); t->v[i].m; i = (i + 1) & (t->cap - 1))
        if (t->v[i].m != TOMB && key_eq(&t->v[i].k, k)) {
            t->v[i].m = TOMB;
            return;
        }
}

static size_t pair_slot(const pairs_t *t, uint32_t in_ip)
{
    size_t i = (size_t)(in_ip * 0x9e3779b1u ^ in_ip >> 16) & (t->cap - 1);
    while (t->v[i].in_ip && t->v[i].in_ip != in_ip)
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* The pair of in_ip, made (unpaired) if new; NULL if out of memory. */
static pair_t *pair_of(pairs_t *t, uint32_t in_ip)
{
    if (2 * (t->used + 1) > t->cap) {
        pairs_t old = *t;
        size_t cap = old.cap ? 2 * old.cap : 64;
        pair_t *v = calloc(cap, sizeof *v);
        if (!v)
            return NULL;
        *t = (pairs_t){ v, cap, old.used };
        for (size_t i = 0; i < old.cap; i++)
            if (old.v[i].in_ip)
                t->v[pair_slot(t, old.v[i].in_ip)] = old.v[i];
        free(old.v);
    }
    pair_t *p = &t->v[pair_slot(t, in_ip)];
    if (!p->in_ip) {
        *p = (pair_t){ .in_ip = in_ip };
        t->used++;
    }
    return p;
}

/* ---- configuration ----------------------------------------------------------------- */

void sim_nat_config_default(sim_nat_config_t *c)
{
    *c = (sim_nat_config_t){ .mapping = SIM_NAT_ENDPOINT_INDEPENDENT,
                             .filtering = SIM_NAT_ENDPOINT_INDEPENDENT,
                             .ports = SIM_NAT_PRESERVE, .hairpin = true,
                             .lifetime = SIM_SEC(120) };
}

int sim_nat_config_named(sim_nat_config_t *c, const char *name)
{
    /* the classic names as RFC 4787 s.3 pairs them */
    static const struct { const char *name; sim_nat_dep_t m, f; } names[] = {
        { "full-cone", SIM_NAT_ENDPOINT_INDEPENDENT, SIM_NAT_ENDPOINT_INDEPENDENT },
        { "restricted-cone", SIM_NAT_ENDPOINT_INDEPENDENT, SIM_NAT_ADDRESS_DEPENDENT },
        { "port-restricted-cone", SIM_NAT_ENDPOINT_INDEPENDENT, SIM_NAT_ADDRESS_PORT_DEPENDENT },
        { "symmetric", SIM_NAT_ADDRESS_PORT_DEPENDENT, SIM_NAT_ADDRESS_PORT_DEPENDENT },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            c->mapping = names[i].m;
            c->filtering = names[i].f;
            return 0;
        }
    return -1;
}

/* ---- mappings ------------------------------------------------------------------------- */

static key_t_ out_key(const sim_nat_t *nat, uint32_t ip, uint16_t port, uint32_t rip, uint16_t rport)
{
    key_t_ k = { ip, 0, port, 0 };
    if (nat->cfg.mapping != SIM_NAT_ENDPOINT_INDEPENDENT)
        k.b = rip;
    if (nat->cfg.mapping == SIM_NAT_ADDRESS_PORT_DEPENDENT)
        k.d = rport;
    return k;
}

static key_t_ ext_key(uint32_t ip, uint16_t port)
{
    return (key_t_){ ip, 0, port, 0 };
}

/* A mapping's event; with times, also when the last outbound datagram
 * passed and until when the mapping now lives (for a refresh). */
static void log_mapping(sim_nat_t *nat, const char *ev, const mapping_t *m, bool times)
{
    sim_evlog_t *log = sim_net_evlog(nat->node.net);
    if (!log)
        return;
    char in[32], ext[32], a[16], b[16], last[32], until[32];
    snprintf(in, sizeof in, "%s:%u", sim_ip_str(m->in_ip, a), m->in_port);
    snprintf(ext, sizeof ext, "%s:%u", sim_ip_str(m->ext_ip, b), m->ext_port);
    sim_evarg_t args[] = { SIM_EVS("internal", in), SIM_EVS("external", ext),
                           SIM_EVS("last_out", sim_time_str(m->expires - nat->cfg.lifetime, last)),
                           SIM_EVS("expires", sim_time_str(m->expires, until)) };
    sim_evlog_emit(log, sim_now(sim_net_kernel(nat->node.net)), nat->node.name, ev, args,
                   times ? 4 : 2);
}

/* What a mapping holds, for the run's memory bound (sim_net_charge): the
 * record, its entries in the two tables and the list of all, and its
 * filter's remembered ends. */
static size_t mapping_bytes(const mapping_t *m)
{
    return sizeof *m + 2 * sizeof(slot_t) + sizeof(mapping_t *) + m->nperms * sizeof *m->perms;
}

static void mapping_free(sim_nat_t *nat, mapping_t *m)
{
    sim_net_uncharge(nat->node.net, mapping_bytes(m));
    key_t_ ok = out_key(nat, m->in_ip, m->in_port, m->r_ip, m->r_port), ek = ext_key(m->ext_ip, m->ext_port);
    tdel(&nat->by_out, &ok);
    tdel(&nat->by_ext, &ek);
    nat->all[m->idx] = nat->all[--nat->nall];
    nat->all[m->idx]->idx = m->idx;
    nat->pairs.v[pair_slot(&nat->pairs, m->in_ip)].live--;
    nat->st.mappings--;
    free(m->perms);
    free(m);
}

static void expire(void *arg)
{
    mapping_t *m = arg;
    sim_nat_t *nat = m->nat;
    sim_kernel_t *k = sim_net_kernel(nat->node.net);
    if (m->expires > sim_now(k)) {
        /* refreshed since (REQ-6): wait again. Logged here, once per
         * lifetime the mapping outlives, not once per datagram. */
        log_mapping(nat, "refresh", m, true);
        m->timer = sim_at(k, m->expires, expire, m);
        return;
    }
    nat->st.expired++;
    log_mapping(nat, "expire", m, false);
    mapping_free(nat, m);
}

static bool ext_free(const sim_nat_t *nat, uint32_t ip, uint16_t port)
{
    key_t_ k = ext_key(ip, port);
    return port >= PORT_MIN && !tget(&nat->by_ext, &k);
}

/* RFC 4787 s.4.2: preserve the internal port when free, else (and for
 * "sequential") the next free port, or a random one (seeded). */
static uint16_t pick_port(sim_nat_t *nat, uint32_t ext_ip, uint16_t in_port)
{
    if (nat->cfg.ports == SIM_NAT_PRESERVE && ext_free(nat, ext_ip, in_port))
        return in_port;
    for (unsigned tries = 0; tries < 65536 - PORT_MIN; tries++) {
        uint16_t p;
        if (nat->cfg.ports == SIM_NAT_RANDOM) {
            p = (uint16_t)(PORT_MIN + sim_rng_below(&nat->rng, 65536 - PORT_MIN));
        } else {
            p = nat->next_port;
            nat->next_port = nat->next_port == 65535 ? (uint16_t)PORT_MIN : (uint16_t)(nat->next_port + 1);
        }
        if (ext_free(nat, ext_ip, p))
            return p;
    }
    return 0;   /* every port in use */
}

/* RFC 4787 REQ-2: paired pooling, an internal address keeps its external
 * address while it has mappings; one without takes the next in turn. */
static uint32_t pick_addr(sim_nat_t *nat, const pair_t *pr)
{
    if (pr->live)
        return pr->ext_ip;
    uint32_t a = nat->addrs[nat->next_addr];
    nat->next_addr = (nat->next_addr + 1) % nat->naddrs;
    return a;
}

/* The mapping for an outbound datagram, made if needed; NULL with *why
 * the drop reason (every port in use, out of memory). */
static mapping_t *outbound_mapping(sim_nat_t *nat, uint32_t ip, uint16_t port, uint32_t rip,
                                   uint16_t rport, sim_drop_t *why)
{
    key_t_ k = out_key(nat, ip, port, rip, rport);
    mapping_t *m = tget(&nat->by_out, &k);
    sim_kernel_t *kern = sim_net_kernel(nat->node.net);
    if (!m) {
        *why = SIM_DROP_NO_MEMORY;
        pair_t *pr = pair_of(&nat->pairs, ip);
        if (!pr)
            return NULL;
        if (nat->nall == nat->allcap) {
            size_t cap = nat->allcap ? 2 * nat->allcap : 16;
            mapping_t **all = realloc(nat->all, cap * sizeof *nat->all);
            if (!all)
                return NULL;
            nat->all = all;
            nat->allcap = cap;
        }
        m = calloc(1, sizeof *m);
        if (!m || treserve(&nat->by_out) < 0 || treserve(&nat->by_ext) < 0 ||
            sim_net_charge(nat->node.net, mapping_bytes(m)) < 0) {
            free(m);
            return NULL;
        }
        /* nothing can run out of memory past here: an unpaired address
         * takes the next public one in turn only for a mapping made (or
         * refused for want of a port, as before) */
        uint32_t ext_ip = pick_addr(nat, pr);
        uint16_t ext_port = pick_port(nat, ext_ip, port);
        if (!ext_port) {
            sim_net_uncharge(nat->node.net, mapping_bytes(m));
            free(m);
            *why = SIM_DROP_NAT_NO_MAPPING;
            return NULL;
        }
        *m = (mapping_t){ .nat = nat, .in_ip = ip, .in_port = port, .ext_ip = ext_ip,
                          .ext_port = ext_port, .r_ip = k.b, .r_port = k.d };
        tput(&nat->by_out, &k, m);
        key_t_ ek = ext_key(ext_ip, ext_port);
        tput(&nat->by_ext, &ek, m);
        m->idx = nat->nall;
        nat->all[nat->nall++] = m;
        pr->ext_ip = ext_ip;
        pr->live++;
        nat->st.created++;
        nat->st.mappings++;
        log_mapping(nat, "mapping", m, false);
        m->expires = sim_now(kern) + nat->cfg.lifetime;
        m->timer = sim_at(kern, m->expires, expire, m);
    } else {
        m->expires = sim_now(kern) + nat->cfg.lifetime;     /* REQ-6: outbound refresh */
    }
    /* filtering remembers where the mapping has sent to */
    bool known = false;
    for (size_t i = 0; i < m->nperms && !known; i++)
        known = m->perms[i].ip == rip && m->perms[i].port == rport;
    if (!known) {
        perm_t *v = NULL;
        if (sim_net_charge(nat->node.net, sizeof *m->perms) == 0) {
            v = realloc(m->perms, (m->nperms + 1) * sizeof *m->perms);
            if (!v)
                sim_net_uncharge(nat->node.net, sizeof *m->perms);
        }
        if (!v) {
            /* the mapping stands; this datagram, whose answer the filter
             * could not let in, is dropped */
            *why = SIM_DROP_NO_MEMORY;
            return NULL;
        }
        m->perms = v;
        m->perms[m->nperms++] = (perm_t){ rip, rport };
    }
    return m;
}

static bool allowed(const sim_nat_t *nat, const mapping_t *m, uint32_t ip, uint16_t port)
{
    if (nat->cfg.filtering == SIM_NAT_ENDPOINT_INDEPENDENT)
        return true;
    for (size_t i = 0; i < m->nperms; i++)
        if (m->perms[i].ip == ip &&
            (nat->cfg.filtering == SIM_NAT_ADDRESS_DEPENDENT || m->perms[i].port == port))
            return true;
    return false;
}

static bool is_ours(const sim_nat_t *nat, uint32_t ip)
{
    for (size_t i = 0; i < nat->naddrs; i++)
        if (nat->addrs[i] == ip)
            return true;
    return false;
}

/* ---- the node -------------------------------------------------------------------------- */

static void deliver_inside(sim_nat_t *nat, sim_pkt_t *p, const mapping_t *m)
{
    p->dst_ip = m->in_ip;
    p->dst_port = m->in_port;
    if (p->ttl > 0)
        p->ttl--;
    sim_link_send(sim_subnet_uplink(nat->inside), 1, p);
}

static void nat_input(sim_node_t *node, int port, sim_pkt_t *p)
{
    sim_nat_t *nat = (sim_nat_t *)node;
    sim_net_t *net = node->net;
    if (port == 0) {
        bool hairpin = is_ours(nat, p->dst_ip);
        if (hairpin && !nat->cfg.hairpin) {
            sim_net_drop(net, node->name, SIM_DROP_NAT_HAIRPIN, p);
            return;
        }
        sim_drop_t why;
        mapping_t *m = outbound_mapping(nat, p->src_ip, p->src_port, p->dst_ip, p->dst_port, &why);
        if (!m) {
            sim_net_drop(net, node->name, why, p);
            return;
        }
        p->src_ip = m->ext_ip;
        p->src_port = m->ext_port;
        if (!hairpin) {
            nat->st.out++;
            if (p->ttl > 0)
                p->ttl--;
            sim_link_send(nat->out_link, 0, p);
            return;
        }
        /* RFC 4787 s.6, REQ-9: back inside, from the sender's external
         * address, through the target mapping's filtering */
        nat->st.hairpinned++;
    }
    key_t_ ek = ext_key(p->dst_ip, p->dst_port);
    mapping_t *m = tget(&nat->by_ext, &ek);
    if (!m) {
        sim_net_drop(net, node->name, SIM_DROP_NAT_NO_MAPPING, p);
        return;
    }
    if (!allowed(nat, m, p->src_ip, p->src_port)) {
        sim_net_drop(net, node->name, SIM_DROP_NAT_FILTERED, p);
        return;
    }
    nat->st.in++;
    deliver_inside(nat, p, m);
}

static const sim_node_ops_t nat_ops = { "nat", nat_input };

static void nat_destroy(sim_node_t *node)
{
    sim_nat_t *nat = (sim_nat_t *)node;
    for (size_t i = 0; i < nat->nall; i++) {
        free(nat->all[i]->perms);
        free(nat->all[i]);
    }
    free(nat->all);
    free(nat->pairs.v);
    free(nat->by_out.v);
    free(nat->by_ext.v);
    free(nat->addrs);
    free(nat);
}

sim_nat_t *sim_nat_new(sim_net_t *n, const char *name, sim_subnet_t *outside, const uint32_t *addrs,
                       size_t naddrs, const sim_nat_config_t *cfg, char *err, size_t errlen)
{
    if (!name || !*name || strlen(name) >= sizeof ((sim_node_t *)0)->name) {
        snprintf(err, errlen, "a NAT needs a name of 1 to 63 characters");
        return NULL;
    }
    if (naddrs == 0) {
        snprintf(err, errlen, "NAT '%s': give at least one outside address", name);
        return NULL;
    }
    if (cfg->lifetime == 0) {
        snprintf(err, errlen, "NAT '%s': the mapping lifetime must be greater than 0", name);
        return NULL;
    }
    sim_nat_t *nat = calloc(1, sizeof *nat);
    uint32_t *a = malloc(naddrs * sizeof *addrs);
    if (!nat || !a || sim_net_own(n, &nat->node, nat_destroy) < 0) {
        snprintf(err, errlen, "NAT '%s': out of memory", name);
        free(nat);
        free(a);
        return NULL;
    }
    /* from here the network frees nat, even if it fails to attach */
    nat->node.ops = &nat_ops;
    nat->node.net = n;
    snprintf(nat->node.name, sizeof nat->node.name, "%s", name);
    nat->cfg = *cfg;
    nat->outside = outside;
    nat->next_port = PORT_MIN;
    nat->addrs = a;
    memcpy(nat->addrs, addrs, naddrs * sizeof *addrs);
    nat->naddrs = naddrs;
    char rng[96];
    snprintf(rng, sizeof rng, "nat:%s", name);
    sim_rng_init(&nat->rng, sim_kernel_seed(sim_net_kernel(n)), rng);
    char lname[96];
    snprintf(lname, sizeof lname, "%s.outside", name);
    nat->out_link = sim_subnet_attach(outside, addrs[0], lname, nat->node.name, &nat->node, 1, NULL,
                                      err, errlen);
    for (size_t i = 1; nat->out_link && i < naddrs; i++)
        if (sim_subnet_attach_more(outside, addrs[i], nat->out_link, nat->node.name, err, errlen) < 0) {
            for (size_t j = 0; j < i; j++)
                sim_subnet_detach(outside, addrs[j]);
            nat->out_link = NULL;
        }
    if (!nat->out_link) {
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", err);
        snprintf(err, errlen, "NAT '%s': %s", name, tmp);
        return NULL;
    }
    return nat;
}

sim_subnet_t *sim_nat_inside(sim_nat_t *nat, const char *name, uint32_t prefix, unsigned len,
                             const sim_link_params_t *access, const sim_link_params_t *uplink,
                             char *err, size_t errlen)
{
    if (nat->inside) {
        snprintf(err, errlen, "NAT '%s' already has its inside subnet '%s'", nat->node.name,
                 sim_subnet_name(nat->inside));
        return NULL;
    }
    nat->inside = sim_subnet_new_behind(nat->node.net, name, prefix, len, access, uplink, &nat->node,
                                        0, err, errlen);
    return nat->inside;
}

sim_link_t *sim_nat_outside_link(sim_nat_t *nat) { return nat->out_link; }
const char *sim_nat_name(const sim_nat_t *nat) { return nat->node.name; }

void sim_nat_stats(const sim_nat_t *nat, sim_nat_stats_t *st)
{
    *st = nat->st;
}

int sim_nat_reboot(sim_nat_t *nat, uint32_t new_addr, char *err, size_t errlen)
{
    if (new_addr && new_addr != nat->addrs[0]) {
        sim_subnet_detach(nat->outside, nat->addrs[0]);
        if (sim_subnet_attach_more(nat->outside, new_addr, nat->out_link, nat->node.name, err, errlen) < 0) {
            char e[256];
            sim_subnet_attach_more(nat->outside, nat->addrs[0], nat->out_link, nat->node.name, e, sizeof e);
            return -1;
        }
        nat->addrs[0] = new_addr;
    }
    sim_kernel_t *k = sim_net_kernel(nat->node.net);
    while (nat->nall) {
        mapping_t *m = nat->all[0];
        sim_cancel(k, m->timer);
        mapping_free(nat, m);
    }
    nat->next_addr = 0;
    nat->next_port = PORT_MIN;
    sim_evlog_t *log = sim_net_evlog(nat->node.net);
    if (log) {
        char a[16];
        sim_evarg_t arg = SIM_EVS("address", sim_ip_str(nat->addrs[0], a));
        sim_evlog_emit(log, sim_now(k), nat->node.name, "reboot", &arg, 1);
    }
    return 0;
}

