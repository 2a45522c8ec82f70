/*
 * kernel.c - virtual clock, event queue and seeded random streams.
 *
 * The queue is a 4-ary min-heap of 16-byte entries ordered by (time,
 * insertion sequence), laid out so that the four children of a node fill
 * one 64-byte cache line: half the depth of a binary heap, one line
 * fetched per level, and the smallest child picked by a branch-free
 * tournament. A pending timer's callback and argument are in a slot of a
 * slab; an entry's id packs the insertion sequence (40 bits) above its
 * slot (24 bits), so ordering by id is ordering by sequence, and the id
 * is the timer's handle. The slot of the next event is prefetched while
 * the current one runs: it was written long ago and is cold. A slot
 * remembers the id of its timer: cancelling clears the slot, the heap
 * entry goes stale and is discarded when it reaches the top (lazy
 * deletion); stale entries are swept out when they outnumber live ones.
 * Limits: 2^24 pending timers (or fewer, sim_kernel_set_max_pending) and
 * 2^40 timers per run (about 30 hours at ten million a second). Passing
 * one, or running out of memory, is not an abort: sim_at returns 0, the
 * kernel keeps the reason and fires nothing more, and the scenario runner
 * reports it as the run's error.
 */
#include "kernel/kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sim_time_str(sim_time_t t, char buf[32])
{
    snprintf(buf, 32, "%" PRIu64 ".%09" PRIu64, (uint64_t)(t / 1000000000u),
             (uint64_t)(t % 1000000000u));
    return buf;
}

/* ---- random streams ---------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void sim_rng_init(sim_rng_t *r, uint64_t root_seed, const char *name)
{
    /* FNV-1a of the name, mixed with the seed through splitmix64: the
     * stream depends only on (seed, name). */
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)name; p && *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    uint64_t x = root_seed;
    x = splitmix64(&x) ^ h;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t sim_rng_u64(sim_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sim_rng_double(sim_rng_t *r)
{
    return (double)(sim_rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t sim_rng_below(sim_rng_t *r, uint64_t n)
{
    /* Rejection keeps the draw exactly uniform. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = sim_rng_u64(r);
    while (x >= limit);
    return x % n;
}

void sim_rng_bytes(sim_rng_t *r, void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        uint64_t x = sim_rng_u64(r);
        size_t n = len < 8 ? len : 8;
        memcpy(p, &x, n);
        p += n;
        len -= n;
    }
}

/* ---- kernel ------------------------------------------------------------ */

#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define SEQ_MAX   (UINT64_MAX >> SLOT_BITS)

typedef struct entry {
    sim_time_t t;
    uint64_t   id;              /* seq << SLOT_BITS | slot */
} entry_t;

typedef struct slot {
    sim_event_fn fn;
    void        *arg;
    uint64_t     id;            /* the pending timer that holds it; 0: free */
    uint32_t     next_free;     /* free-list link, UINT32_MAX ends it */
} slot_t;

struct sim_kernel {
    uint64_t   seed;
    sim_time_t now;
    uint64_t   seq;             /* next insertion sequence, from 1 */
    uint64_t   fired;
    bool       stopped;
    entry_t   *heap;            /* heap_mem + 3: children 4i+1..4i+4 share a line */
    entry_t   *heap_mem;        /* 64-byte aligned */
    size_t     n, cap;          /* heap entries, live and stale */
    size_t     stale;
    slot_t    *slots;
    uint32_t   nslots, slots_cap, free_head;
    size_t     max_pending;
    char       error[96];       /* why sim_at refused; "" while none */
    sim_pacer_fn pacer;         /* real time: sim_kernel_set_pacer */
    void      *pacer_arg;
};

sim_kernel_t *sim_kernel_new(uint64_t seed)
{
    sim_kernel_t *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->seed = seed;
    k->seq = 1;
    k->free_head = UINT32_MAX;
    k->max_pending = SIZE_MAX;
    return k;
}

void sim_kernel_free(sim_kernel_t *k)
{
    if (!k)
        return;
    free(k->heap_mem);
    free(k->slots);
    free(k);
}

uint64_t   sim_kernel_seed(const sim_kernel_t *k) { return k->seed; }
void       sim_kernel_set_seed(sim_kernel_t *k, uint64_t seed) { k->seed = seed; }
sim_time_t sim_now(const sim_kernel_t *k) { return k->now; }
uint64_t   sim_events_fired(const sim_kernel_t *k) { return k->fired; }
size_t     sim_pending(const sim_kernel_t *k) { return k->n - k->stale; }
void       sim_stop(sim_kernel_t *k) { k->stopped = true; }
void       sim_kernel_set_max_pending(sim_kernel_t *k, size_t n) { k->max_pending = n; }
const char *sim_kernel_error(const sim_kernel_t *k) { return k->error[0] ? k->error : NULL; }

size_t sim_kernel_bytes(const sim_kernel_t *k)
{
    return (k->cap ? (k->cap + 4) * sizeof *k->heap : 0) + k->slots_cap * sizeof *k->slots;
}

/* Refuse the event: keep the first reason, stop whatever run is going. */
static sim_timer_t refuse(sim_kernel_t *k, const char *fmt, size_t n)
{
    if (!k->error[0])
        snprintf(k->error, sizeof k->error, fmt, n);
    k->stopped = true;
    return 0;
}

/* (time, id) compared as one 128-bit number: a compare and a borrow, no
 * branch. Which child is the smallest is a coin toss that a branch
 * predictor loses. */
__extension__ typedef unsigned __int128 key_t128;

static inline key_t128 key(const entry_t *e)
{
    return (key_t128)e->t << 64 | e->id;
}

static inline bool before(const entry_t *a, const entry_t *b)
{
    return key(a) < key(b);
}

#define ARITY 4

static void sift_up(entry_t *h, size_t i)
{
    entry_t e = h[i];
    while (i > 0) {
        size_t parent = (i - 1) / ARITY;
        if (!before(&e, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

/* The smallest of the children of i (there is at least one). With all
 * four present, a tournament selected without branches. */
static inline size_t min_child(const entry_t *h, size_t n, size_t i)
{
    size_t c = ARITY * i + 1;
    if (c + ARITY <= n) {
        size_t a = c + before(&h[c + 1], &h[c]);
        size_t b = c + 2 + before(&h[c + 3], &h[c + 2]);
        return before(&h[b], &h[a]) ? b : a;
    }
    size_t best = c;
    for (size_t j = c + 1; j < n; j++)
        if (before(&h[j], &h[best]))
            best = j;
    return best;
}

static void sift_down(entry_t *h, size_t n, size_t i)
{
    entry_t e = h[i];
    while (ARITY * i + 1 < n) {
        size_t c = min_child(h, n, i);
        if (!before(&h[c], &e))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = e;
}

/* Remove the top. The hole left at the root goes down to a leaf along the
 * smallest children, then the last entry climbs from there: it usually
 * belongs near the bottom, so this skips most of the comparisons with it
 * that a textbook sift-down makes (Floyd's heapsort trick). */
static void pop_top(entry_t *h, size_t *np)
{
    size_t n = --*np, i = 0;
    if (n == 0)
        return;
    entry_t last = h[n];
    while (ARITY * i + 1 < n) {
        size_t c = min_child(h, n, i);
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
    sift_up(h, i);
}

static inline bool is_stale(const sim_kernel_t *k, const entry_t *e)
{
    return k->slots[e->id & SLOT_MASK].id != e->id;
}

/* Drop stale entries and rebuild the heap: O(n), run only when stale
 * entries outnumber live ones, so amortised O(1) per cancel. */
static void sweep(sim_kernel_t *k)
{
    size_t j = 0;
    for (size_t i = 0; i < k->n; i++)
        if (!is_stale(k, &k->heap[i]))
            k->heap[j++] = k->heap[i];
    k->n = j;
    k->stale = 0;
    for (size_t i = k->n / 2; i-- > 0;)
        sift_down(k->heap, k->n, i);
}

sim_timer_t sim_at(sim_kernel_t *k, sim_time_t t, sim_event_fn fn, void *arg)
{
    if (t < k->now)
        t = k->now;
    if (k->error[0])
        return 0;
    if (sim_pending(k) >= k->max_pending)
        return refuse(k, "the pending events limit of %zu was reached", k->max_pending);
    if (k->free_head == UINT32_MAX) {
        if (k->nslots == k->slots_cap) {
            uint32_t cap = k->slots_cap ? k->slots_cap * 2 : 64;
            if (cap > SLOT_MASK + 1u)
                return refuse(k, "the pending events limit of %zu was reached",
                              (size_t)SLOT_MASK + 1);
            slot_t *s = realloc(k->slots, cap * sizeof *s);
            if (!s)
                return refuse(k, "out of memory: the event queue (%zu timer slots)", cap);
            k->slots = s;
            k->slots_cap = cap;
        }
        k->slots[k->nslots] = (slot_t){ .next_free = UINT32_MAX };
        k->free_head = k->nslots++;
    }
    if (k->seq > SEQ_MAX)   /* beyond what the handles hold */
        return refuse(k, "the limit of %zu events in one run was reached", (size_t)SEQ_MAX);
    /* Grow the heap before taking the slot, so a refusal leaves no slot
     * held. */
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 256;
        /* cap is a power of two: (cap + 4) entries fill whole lines */
        entry_t *m = aligned_alloc(64, (cap + 4) * sizeof *m);
        if (!m)
            return refuse(k, "out of memory: the event queue (%zu entries)", cap);
        if (k->n)
            memcpy(m + 3, k->heap, k->n * sizeof *m);
        free(k->heap_mem);
        k->heap_mem = m;
        k->heap = m + 3;
        k->cap = cap;
    }
    uint32_t si = k->free_head;
    slot_t *s = &k->slots[si];
    k->free_head = s->next_free;
    s->id = k->seq++ << SLOT_BITS | si;
    s->fn = fn;
    s->arg = arg;
    k->heap[k->n] = (entry_t){ .t = t, .id = s->id };
    sift_up(k->heap, k->n++);
    return s->id;
}

sim_timer_t sim_after(sim_kernel_t *k, sim_time_t dt, sim_event_fn fn, void *arg)
{
    sim_time_t t = dt > SIM_TIME_NEVER - k->now ? SIM_TIME_NEVER : k->now + dt;
    return sim_at(k, t, fn, arg);
}

static void slot_release(sim_kernel_t *k, uint32_t si)
{
    slot_t *s = &k->slots[si];
    s->id = 0;
    s->next_free = k->free_head;
    k->free_head = si;
}

bool sim_cancel(sim_kernel_t *k, sim_timer_t id)
{
    uint32_t si = (uint32_t)(id & SLOT_MASK);
    if (id == 0 || si >= k->nslots || k->slots[si].id != id)
        return false;
    slot_release(k, si);
    k->stale++;
    if (k->stale > 1024 && k->stale > k->n / 2)
        sweep(k);
    return true;
}

/* Pop stale entries off the top so heap[0], if any, is live. */
static void skip_stale(sim_kernel_t *k)
{
    while (k->stale > 0 && k->n > 0 && is_stale(k, &k->heap[0])) {
        pop_top(k->heap, &k->n);
        k->stale--;
    }
}

sim_time_t sim_next_time(sim_kernel_t *k)
{
    skip_stale(k);
    return k->n ? k->heap[0].t : SIM_TIME_NEVER;
}

bool sim_step(sim_kernel_t *k)
{
    skip_stale(k);
    if (k->n == 0)
        return false;
    entry_t e = k->heap[0];
    pop_top(k->heap, &k->n);
    if (k->n)
        __builtin_prefetch(&k->slots[k->heap[0].id & SLOT_MASK]);
    slot_t *s = &k->slots[e.id & SLOT_MASK];
    sim_event_fn fn = s->fn;
    void *arg = s->arg;
    /* Release before the call so the callback may schedule or cancel
     * freely (cancelling itself returns false). */
    slot_release(k, (uint32_t)(e.id & SLOT_MASK));
    k->now = e.t;
    k->fired++;
    fn(arg);
    return true;
}

void sim_kernel_set_pacer(sim_kernel_t *k, sim_pacer_fn fn, void *arg)
{
    k->pacer = fn;
    k->pacer_arg = arg;
}

/* With a pacer: wait for t, or take what arrived first (true: look again). */
static bool paced(sim_kernel_t *k, sim_time_t t)
{
    return k->pacer && !k->stopped && k->pacer(k->pacer_arg, t);
}

bool sim_run_events(sim_kernel_t *k, sim_time_t limit)
{
    k->stopped = k->error[0] != 0;
    while (!k->stopped) {
        skip_stale(k);
        if (k->n == 0 || k->heap[0].t > limit)
            break;
        if (paced(k, k->heap[0].t))
            continue;
        sim_step(k);
    }
    return !k->stopped;
}

bool sim_run_until(sim_kernel_t *k, sim_time_t limit)
{
    if (!sim_run_events(k, limit))
        return false;
    /* real time: the run's end is a moment of the wall clock too, and
     * what arrives before it is taken */
    while (limit != SIM_TIME_NEVER && paced(k, limit))
        if (!sim_run_events(k, limit))
            return false;
    if (limit != SIM_TIME_NEVER && k->now < limit)
        k->now = limit;
    return true;
}
