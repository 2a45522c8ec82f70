/*
 * sidecar.c - the collector and writer of sidecar.json (sidecar.h; the
 * format: docs/replay.md, "The sidecar"; decisions D177-D180).
 *
 * Values are kept as the JSON text the file will hold (RFC 8259, keys in
 * byte order, as every writer of the project emits them), so that "the
 * same value again" is a comparison of bytes and the file is the same
 * bytes from run to run. Times are the kernel's virtual time.
 */
#include "check/sidecar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/packet.h"

/* One entry of a list: when, which session (media only), its JSON. */
typedef struct entry {
    sim_time_t t;
    unsigned   session;
    char      *json;
} entry_t;

/* A capped list (D178): at most SIM_SIDECAR_CAP entries. */
typedef struct list {
    entry_t *v;
    size_t   n, cap;
} list_t;

/* What "the same value again" is compared with, per source of values (a
 * connection's descriptions, a media session's): the latest value read,
 * held in the list (latest) or, once the list was full, a copy (over). */
typedef struct latest {
    long  held;         /* index in the list; -1: none */
    char *over;
} latest_t;

struct sim_sidecar_conn {
    sim_sidecar_t *sc;
    char           cid[RTCSIM_ID_MAX + 1];
    bool           controlling;
    list_t         descriptions, candidates;
    latest_t       desc_latest;
    size_t         left_out;
};

typedef struct session {
    const void *key;
    latest_t    latest;
} session_t;

typedef struct host {
    char                *name;
    uint32_t             addrs[SIM_SIDECAR_CAP];
    size_t               naddrs;
    list_t               media;
    session_t           *sessions;     /* ordinal n is sessions[n - 1], by first read */
    size_t               nsessions, capsessions;
    sim_sidecar_conn_t **conns;
    size_t               nconns, capconns;
    size_t              *events;        /* indices in the run's event log */
    size_t               nevents, capevents;
    size_t               left_out;
} host_t;

struct sim_sidecar {
    sim_kernel_t *k;
    host_t      **hosts;                /* in the order they were made */
    size_t       *by_name;              /* indices of hosts, sorted by name */
    size_t        nhosts, caphosts, capnames;
    size_t        bytes;
    bool          nomem;                /* something was lost: no file is written */
};

/* ---- memory, counted ---------------------------------------------------------- */

/* Grow the array *p of *cap elements of size el to hold n + 1; false (and
 * nomem set) when out of memory. */
static bool grow(sim_sidecar_t *sc, void **p, size_t *cap, size_t n, size_t el)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? 2 * *cap : 4;
    void *q = realloc(*p, nc * el);
    if (!q) {
        sc->nomem = true;
        return false;
    }
    sc->bytes += (nc - *cap) * el;
    *p = q;
    *cap = nc;
    return true;
}

static char *dup_str(sim_sidecar_t *sc, const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (!d) {
        sc->nomem = true;
        return NULL;
    }
    memcpy(d, s, len);
    d[len] = '\0';
    sc->bytes += len + 1;
    return d;
}

static void free_str(sim_sidecar_t *sc, char *s)
{
    if (s)
        sc->bytes -= strlen(s) + 1;
    free(s);
}

/* ---- JSON text ----------------------------------------------------------------- */

/* A growing string; ok false once out of memory. */
typedef struct buf {
    char  *s;
    size_t n, cap;
    bool   ok;
} buf_t;

static void put(buf_t *b, const char *s, size_t len)
{
    if (!b->ok)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->n + len + 1)
            nc *= 2;
        char *q = realloc(b->s, nc);
        if (!q) {
            b->ok = false;
            return;
        }
        b->s = q;
        b->cap = nc;
    }
    memcpy(b->s + b->n, s, len);
    b->n += len;
    b->s[b->n] = '\0';
}

static void puts_(buf_t *b, const char *s) { put(b, s, strlen(s)); }

static void put_quoted(buf_t *b, const char *s)
{
    size_t len = strlen(s);
    size_t need = sim_json_quote(s, len, NULL, 0);
    char stack[256];
    char *q = need < sizeof stack ? stack : malloc(need + 1);
    if (!q) {
        b->ok = false;
        return;
    }
    sim_json_quote(s, len, q, need + 1);
    put(b, q, need);
    if (q != stack)
        free(q);
}

static void put_uint(buf_t *b, unsigned long long v)
{
    char n[24];
    snprintf(n, sizeof n, "%llu", v);
    puts_(b, n);
}

static void put_time(buf_t *b, sim_time_t t)
{
    char s[32];
    puts_(b, sim_time_str(t, s));   /* as events.jsonl writes "t" */
}

/* ---- the collector ---------------------------------------------------------------- */

sim_sidecar_t *sim_sidecar_new(sim_kernel_t *k)
{
    sim_sidecar_t *sc = calloc(1, sizeof *sc);
    if (!sc)
        return NULL;
    sc->k = k;
    sc->bytes = sizeof *sc;
    return sc;
}

static void list_free(sim_sidecar_t *sc, list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free_str(sc, l->v[i].json);
    free(l->v);
}

void sim_sidecar_free(sim_sidecar_t *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->nhosts; i++) {
        host_t *h = sc->hosts[i];
        for (size_t j = 0; j < h->nconns; j++) {
            sim_sidecar_conn_t *c = h->conns[j];
            list_free(sc, &c->descriptions);
            list_free(sc, &c->candidates);
            free_str(sc, c->desc_latest.over);
            free(c);
        }
        for (size_t j = 0; j < h->nsessions; j++)
            free_str(sc, h->sessions[j].latest.over);
        list_free(sc, &h->media);
        free(h->sessions);
        free(h->conns);
        free(h->events);
        free(h->name);
        free(h);
    }
    free(sc->hosts);
    free(sc->by_name);
    free(sc);
}

size_t sim_sidecar_bytes(const sim_sidecar_t *sc) { return sc ? sc->bytes : 0; }

/* The position in by_name where name is or would go. */
static size_t name_pos(const sim_sidecar_t *sc, const char *name, bool *found)
{
    size_t lo = 0, hi = sc->nhosts;
    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(sc->hosts[sc->by_name[mid]]->name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Events come per host name: a lookup per event, logarithmic in hosts. */
static host_t *host_of(sim_sidecar_t *sc, const char *name)
{
    bool found;
    size_t at = name_pos(sc, name, &found);
    return found ? sc->hosts[sc->by_name[at]] : NULL;
}

void sim_sidecar_host(sim_sidecar_t *sc, const char *name)
{
    if (!sc)
        return;
    bool found;
    size_t at = name_pos(sc, name, &found);
    if (found)
        return;
    if (!grow(sc, (void **)&sc->hosts, &sc->caphosts, sc->nhosts, sizeof *sc->hosts) ||
        !grow(sc, (void **)&sc->by_name, &sc->capnames, sc->nhosts, sizeof *sc->by_name))
        return;
    host_t *h = calloc(1, sizeof *h);
    if (!h || !(h->name = dup_str(sc, name, strlen(name)))) {
        free(h);
        sc->nomem = true;
        return;
    }
    sc->bytes += sizeof *h;
    memmove(sc->by_name + at + 1, sc->by_name + at, (sc->nhosts - at) * sizeof *sc->by_name);
    sc->by_name[at] = sc->nhosts;
    sc->hosts[sc->nhosts++] = h;
}

void sim_sidecar_address(sim_sidecar_t *sc, const char *host, uint32_t ip)
{
    host_t *h = sc ? host_of(sc, host) : NULL;
    if (!h)
        return;
    for (size_t i = 0; i < h->naddrs; i++)
        if (h->addrs[i] == ip)
            return;     /* docs/replay.md: no repeats */
    if (h->naddrs < SIM_SIDECAR_CAP)
        h->addrs[h->naddrs++] = ip;
    else
        h->left_out++;
}

sim_sidecar_conn_t *sim_sidecar_connection(sim_sidecar_t *sc, const char *host, const char *cid,
                                           bool controlling)
{
    host_t *h = sc ? host_of(sc, host) : NULL;
    if (!h || !grow(sc, (void **)&h->conns, &h->capconns, h->nconns, sizeof *h->conns))
        return NULL;
    sim_sidecar_conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        sc->nomem = true;
        return NULL;
    }
    sc->bytes += sizeof *c;
    c->sc = sc;
    snprintf(c->cid, sizeof c->cid, "%s", cid);
    c->controlling = controlling;
    c->desc_latest.held = -1;
    h->conns[h->nconns++] = c;
    return c;
}

/* Add json (the caller's malloc'd text, len bytes, now the list's or
 * freed) to l at the current time. With latest: nothing when it equals
 * the latest value of that source (D178). A full list counts the value in
 * *left_out; the latest is still kept, so the same value again is not
 * counted twice. */
static void list_add(sim_sidecar_t *sc, list_t *l, latest_t *latest, unsigned session, char *json,
                     size_t len, size_t *left_out)
{
    if (latest) {
        const char *cur = latest->over ? latest->over
                        : latest->held >= 0 ? l->v[latest->held].json : NULL;
        if (cur && strcmp(cur, json) == 0) {
            free(json);
            return;
        }
    }
    if (l->n < SIM_SIDECAR_CAP && grow(sc, (void **)&l->v, &l->cap, l->n, sizeof *l->v)) {
        sc->bytes += len + 1;
        l->v[l->n] = (entry_t){ sim_now(sc->k), session, json };
        if (latest) {
            free_str(sc, latest->over);
            latest->over = NULL;
            latest->held = (long)l->n;
        }
        l->n++;
        return;
    }
    if (sc->nomem) {
        free(json);
        return;
    }
    (*left_out)++;
    if (latest) {
        free_str(sc, latest->over);
        sc->bytes += len + 1;
        latest->over = json;
    } else {
        free(json);
    }
}

/* Take b's text for list_add; NULL (nomem set) if b ran out of memory. */
static char *take(sim_sidecar_t *sc, buf_t *b)
{
    if (!b->ok) {
        free(b->s);
        sc->nomem = true;
        return NULL;
    }
    return b->s;
}

void sim_sidecar_description(sim_sidecar_conn_t *c, const rtcsim_conn_desc_t *d)
{
    if (!c)
        return;
    /* the description as the page read it (lua_ice.c's
     * sim_lua_push_description), less its connection-id, the
     * connection's own; keys in byte order, with a \x01 where "t" goes
     * on writing (between "secret" and "usefrag"; JSON text never holds
     * a raw control byte, sim_json_quote escapes them) */
    buf_t b = { .ok = true };
    puts_(&b, "\"fingerprints\":[");
    for (size_t i = 0; i < d->nfingerprints && i < RTCSIM_FP_MAX; i++) {
        if (i)
            puts_(&b, ",");
        put_quoted(&b, d->fingerprints[i]);
    }
    puts_(&b, "],\"secret\":");
    put_quoted(&b, d->pwd);
    puts_(&b, ",\x01\"usefrag\":");
    put_quoted(&b, d->ufrag);
    char *json = take(c->sc, &b);
    if (json)
        list_add(c->sc, &c->descriptions, &c->desc_latest, 0, json, b.n, &c->left_out);
}

void sim_sidecar_candidate(sim_sidecar_conn_t *c, const rtcsim_candidate_t *cand)
{
    if (!c)
        return;
    /* as oncandidate gives it (lua_ice.c's sim_lua_push_candidate), keys
     * in byte order */
    char a[16];
    buf_t b = { .ok = true };
    puts_(&b, "{\"component\":");
    put_uint(&b, cand->component);
    puts_(&b, ",\"connection-id\":");
    put_quoted(&b, c->cid);
    puts_(&b, ",\"connectionAddress\":");
    put_quoted(&b, sim_ip_str(cand->addr.ip, a));
    puts_(&b, ",\"connectionPort\":");
    put_uint(&b, cand->addr.port);
    puts_(&b, ",\"foundation\":");
    put_quoted(&b, cand->foundation);
    puts_(&b, ",\"priority\":");
    put_uint(&b, cand->priority);
    puts_(&b, ",\"transport\":\"udp\",\"type\":");
    put_quoted(&b, rtcsim_cand_type_name(cand->type));
    puts_(&b, "}");
    char *json = take(c->sc, &b);
    if (json)
        list_add(c->sc, &c->candidates, NULL, 0, json, b.n, &c->left_out);
}

void sim_sidecar_media(sim_sidecar_t *sc, const char *host, const void *session, const char *json,
                       size_t len)
{
    host_t *h = sc ? host_of(sc, host) : NULL;
    if (!h)
        return;
    size_t k = 0;
    while (k < h->nsessions && h->sessions[k].key != session)
        k++;
    if (k == h->nsessions) {
        if (!grow(sc, (void **)&h->sessions, &h->capsessions, h->nsessions, sizeof *h->sessions))
            return;
        h->sessions[h->nsessions++] = (session_t){ session, { -1, NULL } };
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        sc->nomem = true;
        return;
    }
    memcpy(copy, json, len);
    copy[len] = '\0';
    list_add(sc, &h->media, &h->sessions[k].latest, (unsigned)k + 1, copy, len, &h->left_out);
}

void sim_sidecar_event(sim_sidecar_t *sc, const char *host, size_t i)
{
    host_t *h = sc ? host_of(sc, host) : NULL;
    if (h && grow(sc, (void **)&h->events, &h->capevents, h->nevents, sizeof *h->events))
        h->events[h->nevents++] = i;
}

/* ---- the file ------------------------------------------------------------------------ */

static void put_entries(buf_t *b, const list_t *l, const char *key)
{
    puts_(b, "[");
    for (size_t i = 0; i < l->n; i++) {
        const entry_t *e = &l->v[i];
        if (i)
            puts_(b, ",");
        if (!key) {
            /* a description: its keys, the time in its place */
            const char *cut = strchr(e->json, '\x01');
            puts_(b, "{");
            put(b, e->json, (size_t)(cut - e->json));
            puts_(b, "\"t\":");
            put_time(b, e->t);
            puts_(b, ",");
            puts_(b, cut + 1);
            puts_(b, "}");
            continue;
        }
        puts_(b, "{\"");
        puts_(b, key);
        puts_(b, "\":");
        puts_(b, e->json);
        if (e->session) {
            puts_(b, ",\"session\":");
            put_uint(b, e->session);
        }
        puts_(b, ",\"t\":");
        put_time(b, e->t);
        puts_(b, "}");
    }
    puts_(b, "]");
}

static void put_event(buf_t *b, const sim_evrec_t *r)
{
    /* as events.jsonl has it, less "src" (the host) */
    puts_(b, "{\"args\":{");
    for (uint32_t i = 0; i < r->nargs; i++) {
        if (i)
            puts_(b, ",");
        put_quoted(b, r->keys[i]);
        puts_(b, ":");
        puts_(b, r->vals[i]);
    }
    puts_(b, "},\"ev\":");
    put_quoted(b, r->name);
    puts_(b, ",\"t\":");
    put_time(b, r->t);
    puts_(b, "}");
}

/* One host, keys in byte order. */
static void put_host(buf_t *b, const host_t *h, const sim_evlog_t *log)
{
    char a[16];
    puts_(b, "{\"addresses\":[");
    for (size_t i = 0; i < h->naddrs; i++) {
        if (i)
            puts_(b, ",");
        put_quoted(b, sim_ip_str(h->addrs[i], a));
    }
    puts_(b, "],\"connections\":[");
    for (size_t i = 0; i < h->nconns; i++) {
        const sim_sidecar_conn_t *c = h->conns[i];
        puts_(b, i ? ",\n" : "\n");
        puts_(b, "{\"candidates\":");
        put_entries(b, &c->candidates, "candidate");
        puts_(b, ",\"connection-id\":");
        put_quoted(b, c->cid);
        puts_(b, ",\"descriptions\":");
        put_entries(b, &c->descriptions, NULL);
        puts_(b, ",\"left_out\":");
        put_uint(b, c->left_out);
        puts_(b, ",\"role\":");
        puts_(b, c->controlling ? "\"controlling\"" : "\"controlled\"");
        puts_(b, "}");
    }
    puts_(b, "],\"events\":[");
    for (size_t i = 0; i < h->nevents; i++) {
        const sim_evrec_t *r = sim_evlog_get(log, h->events[i]);
        if (!r)
            continue;   /* provably unreachable: the indices are of records kept */
        puts_(b, i ? ",\n" : "\n");
        put_event(b, r);
    }
    puts_(b, "],\"left_out\":");
    put_uint(b, h->left_out);
    puts_(b, ",\"media\":");
    put_entries(b, &h->media, "description");
    puts_(b, ",\"name\":");
    put_quoted(b, h->name);
    puts_(b, "}");
}

int sim_sidecar_write(const sim_sidecar_t *sc, const sim_evlog_t *log, const char *scenario,
                      uint64_t seed, const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    remove(path);       /* an earlier run's, in this folder, never passes for this one's */
    if (!sc || sc->nomem) {
        errno = ENOMEM;
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    /* a host at a time: the text held is one host's, not the file's */
    buf_t b = { .ok = true };
    puts_(&b, "{\"format\":\"rtcsim-sidecar 1\",\"hosts\":[");
    int err = 0;
    for (size_t i = 0; i <= sc->nhosts && !err; i++) {
        if (i < sc->nhosts) {
            puts_(&b, i ? ",\n" : "\n");
            put_host(&b, sc->hosts[i], log);
        } else {
            puts_(&b, "],\"scenario\":");
            put_quoted(&b, scenario);
            puts_(&b, ",\"seed\":");
            put_uint(&b, (unsigned long long)seed);
            puts_(&b, "}\n");
        }
        if (!b.ok)
            err = ENOMEM;
        else if (fwrite(b.s, 1, b.n, f) != b.n)
            err = errno ? errno : EIO;
        b.n = 0;
    }
    free(b.s);
    if (fclose(f) != 0 && !err)
        err = errno ? errno : EIO;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err) {
        remove(tmp);
        errno = err;
        return -1;
    }
    return 0;
}
