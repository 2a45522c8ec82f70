/*
 * test_kernel.c - the kernel: event order and ties (also under a hold
 * model), cancellation, run bounds, and the seeded random streams.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/kernel.h"

#define SEED 42

typedef struct rec {
    sim_kernel_t *k;
    int           log[4096];
    sim_time_t    at[4096];
    int           n;
} rec_t;

typedef struct ev {
    rec_t *r;
    int    id;
} ev_t;

static void note(void *arg)
{
    ev_t *e = arg;
    e->r->at[e->r->n] = sim_now(e->r->k);
    e->r->log[e->r->n++] = e->id;
}

START_TEST(order_by_time_then_insertion)
{
    rec_t r = { .k = sim_kernel_new(SEED) };
    static const sim_time_t t[] = { 50, 10, 30, 10, 20, 50, 0, 10 };
    ev_t e[8];
    for (int i = 0; i < 8; i++) {
        e[i] = (ev_t){ &r, i };
        sim_at(r.k, t[i], note, &e[i]);
    }
    ck_assert_uint_eq(sim_pending(r.k), 8);
    while (sim_step(r.k))
        ;
    static const int want[] = { 6, 1, 3, 7, 4, 2, 0, 5 };
    ck_assert_int_eq(r.n, 8);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(r.log[i], want[i]);
        ck_assert_uint_eq(r.at[i], t[want[i]]);
    }
    ck_assert_uint_eq(sim_events_fired(r.k), 8);
    sim_kernel_free(r.k);
}
END_TEST

/* Many events at one instant fire in insertion order, even with the heap
 * reshuffled by other times around them. */
START_TEST(ties_keep_insertion_order)
{
    rec_t r = { .k = sim_kernel_new(SEED) };
    static ev_t e[2000];
    for (int i = 0; i < 2000; i++) {
        e[i] = (ev_t){ &r, i };
        sim_at(r.k, i % 2 ? 100 : (sim_time_t)(3000 - i), note, &e[i]);
    }
    sim_run_until(r.k, 100);
    int prev = -1, count = 0;
    for (int i = 0; i < r.n; i++)
        if (r.at[i] == 100) {
            ck_assert_int_gt(r.log[i], prev);
            prev = r.log[i];
            count++;
        }
    ck_assert_int_eq(count, 1000);
    sim_kernel_free(r.k);
}
END_TEST

START_TEST(events_scheduled_in_the_past_fire_now)
{
    rec_t r = { .k = sim_kernel_new(SEED) };
    ev_t a = { &r, 1 };
    sim_run_until(r.k, 1000);
    ck_assert_uint_eq(sim_now(r.k), 1000);
    sim_at(r.k, 5, note, &a);
    sim_step(r.k);
    ck_assert_uint_eq(r.at[0], 1000);
    sim_kernel_free(r.k);
}
END_TEST

typedef struct canceller {
    sim_kernel_t *k;
    sim_timer_t   victim;
    bool          result;
} canceller_t;

static void cancel_other(void *arg)
{
    canceller_t *c = arg;
    c->result = sim_cancel(c->k, c->victim);
}

START_TEST(cancellation)
{
    rec_t r = { .k = sim_kernel_new(SEED) };
    ev_t e[4] = { { &r, 0 }, { &r, 1 }, { &r, 2 }, { &r, 3 } };
    sim_timer_t t0 = sim_at(r.k, 10, note, &e[0]);
    sim_timer_t t1 = sim_at(r.k, 20, note, &e[1]);
    sim_timer_t t2 = sim_at(r.k, 30, note, &e[2]);
    ck_assert(sim_cancel(r.k, t1));
    ck_assert(!sim_cancel(r.k, t1));            /* twice is safe */
    ck_assert(!sim_cancel(r.k, 0));
    ck_assert(!sim_cancel(r.k, 0xffffffffffffull));
    ck_assert_uint_eq(sim_pending(r.k), 2);
    /* an event cancels a later one */
    canceller_t c = { r.k, t2, false };
    sim_at(r.k, 15, cancel_other, &c);
    sim_run_until(r.k, 100);
    ck_assert(c.result);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.log[0], 0);
    ck_assert(!sim_cancel(r.k, t0));            /* already fired */
    /* a handle of a fired timer does not cancel the timer that reuses its slot */
    sim_timer_t t3 = sim_at(r.k, 200, note, &e[3]);
    ck_assert(!sim_cancel(r.k, t0));
    ck_assert(!sim_cancel(r.k, t1));
    ck_assert_uint_ne(t3, t0);
    sim_run_until(r.k, 300);
    ck_assert_int_eq(r.n, 2);
    ck_assert_int_eq(r.log[1], 3);
    sim_kernel_free(r.k);
}
END_TEST

/* Mass cancellation triggers the sweep; what is left still fires in order. */
START_TEST(mass_cancellation_keeps_order)
{
    enum { N = 4000 };
    rec_t *r = calloc(1, sizeof *r);
    r->k = sim_kernel_new(SEED);
    static ev_t e[N];
    sim_timer_t id[N];
    sim_rng_t g;
    sim_rng_init(&g, SEED, "test");
    for (int i = 0; i < N; i++) {
        e[i] = (ev_t){ r, i };
        id[i] = sim_at(r->k, sim_rng_below(&g, 100000), note, &e[i]);
    }
    int kept = 0;
    for (int i = 0; i < N; i++)
        if (i % 10 != 0)
            ck_assert(sim_cancel(r->k, id[i]));
        else
            kept++;
    ck_assert_uint_eq(sim_pending(r->k), (size_t)kept);
    sim_run_until(r->k, SIM_TIME_NEVER);
    ck_assert_int_eq(r->n, kept);
    for (int i = 0; i < r->n; i++) {
        ck_assert_int_eq(r->log[i] % 10, 0);
        if (i)
            ck_assert_uint_le(r->at[i - 1], r->at[i]);
    }
    sim_kernel_free(r->k);
    free(r);
}
END_TEST

/* A hold model with many ties, timers scheduled while others fire: every
 * event must come in (time, scheduling order) order. Each event carries
 * the number of its sim_at call. */
typedef struct hold {
    sim_kernel_t *k;
    sim_rng_t     g;
    uint64_t      calls, fired, last_call;
    sim_time_t    last_t;
    bool          ok;
} hold_t;

typedef struct hev {
    hold_t  *h;
    uint64_t call;
} hev_t;

static void hold_schedule(hold_t *h, hev_t *e, sim_time_t t);

static void hold_fire(void *arg)
{
    hev_t *e = arg;
    hold_t *h = e->h;
    sim_time_t now = sim_now(h->k);
    if (h->fired && (now < h->last_t || (now == h->last_t && e->call < h->last_call)))
        h->ok = false;
    h->last_t = now;
    h->last_call = e->call;
    if (++h->fired < 50000)
        hold_schedule(h, e, now + sim_rng_below(&h->g, 40));   /* ties are common */
}

static void hold_schedule(hold_t *h, hev_t *e, sim_time_t t)
{
    e->call = h->calls++;
    sim_at(h->k, t, hold_fire, e);
}

START_TEST(hold_model_order)
{
    enum { N = 3000 };
    static hev_t e[N];
    hold_t h = { .k = sim_kernel_new(SEED), .ok = true };
    sim_rng_init(&h.g, SEED, "hold");
    for (int i = 0; i < N; i++) {
        e[i].h = &h;
        hold_schedule(&h, &e[i], sim_rng_below(&h.g, 40));
    }
    sim_run_until(h.k, SIM_TIME_NEVER);
    ck_assert(h.ok);
    ck_assert_uint_eq(h.fired, 50000 + N - 1);
    sim_kernel_free(h.k);
}
END_TEST

static void stopper(void *arg)
{
    sim_stop(arg);
}

START_TEST(run_until_bounds_and_stop)
{
    rec_t r = { .k = sim_kernel_new(SEED) };
    ev_t a = { &r, 1 }, b = { &r, 2 }, c = { &r, 3 };
    sim_at(r.k, 100, note, &a);
    sim_at(r.k, 200, note, &b);
    sim_at(r.k, 201, note, &c);
    ck_assert(sim_run_until(r.k, 200));
    ck_assert_int_eq(r.n, 2);                   /* inclusive bound */
    ck_assert_uint_eq(sim_now(r.k), 200);
    ck_assert_uint_eq(sim_next_time(r.k), 201);
    sim_at(r.k, 150 + 100, stopper, r.k);
    sim_at(r.k, 300, note, &a);
    ck_assert(!sim_run_until(r.k, 1000));       /* stopped at 250 */
    ck_assert_uint_eq(sim_now(r.k), 250);
    ck_assert_int_eq(r.n, 3);
    ck_assert(sim_run_until(r.k, 1000));
    ck_assert_int_eq(r.n, 4);
    ck_assert_uint_eq(sim_next_time(r.k), SIM_TIME_NEVER);
    sim_kernel_free(r.k);
}
END_TEST

/* ---- random streams -------------------------------------------------------- */

START_TEST(rng_streams_repeat_and_differ)
{
    sim_rng_t a, b, c, d;
    sim_rng_init(&a, SEED, "link:a.eth0:up");
    sim_rng_init(&b, SEED, "link:a.eth0:up");
    sim_rng_init(&c, SEED, "link:a.eth0:down");
    sim_rng_init(&d, SEED + 1, "link:a.eth0:up");
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sim_rng_u64(&a);
        ck_assert_uint_eq(x, sim_rng_u64(&b));
        same_c += x == sim_rng_u64(&c);
        same_d += x == sim_rng_u64(&d);
    }
    ck_assert_int_eq(same_c, 0);
    ck_assert_int_eq(same_d, 0);
}
END_TEST

/* A stream depends only on (seed, name): creating and drawing from other
 * streams in between does not shift it. */
START_TEST(rng_stream_independent_of_others)
{
    sim_rng_t a1, a2, other;
    sim_rng_init(&a1, SEED, "host-a");
    uint64_t first[16];
    for (int i = 0; i < 16; i++)
        first[i] = sim_rng_u64(&a1);
    sim_rng_init(&other, SEED, "host-b");
    for (int i = 0; i < 100; i++)
        sim_rng_u64(&other);
    sim_rng_init(&a2, SEED, "host-a");
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(first[i], sim_rng_u64(&a2));
}
END_TEST

/* Uniformity of sim_rng_below (chi-square, 9 degrees of freedom: the 0.999
 * quantile is 27.9) and of sim_rng_double; low correlation between two
 * streams with neighbouring names. */
START_TEST(rng_statistics)
{
    sim_rng_t r, s;
    sim_rng_init(&r, SEED, "stats-1");
    sim_rng_init(&s, SEED, "stats-2");
    enum { N = 200000 };
    long bins[10] = { 0 };
    double sum = 0, sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < N; i++) {
        uint64_t v = sim_rng_below(&r, 10);
        ck_assert_uint_lt(v, 10);
        bins[v]++;
        double x = sim_rng_double(&r), y = sim_rng_double(&s);
        ck_assert(x >= 0.0 && x < 1.0);
        sum += x;
        sx += x; sy += y; sxy += x * y; sxx += x * x; syy += y * y;
    }
    double chi = 0;
    for (int i = 0; i < 10; i++)
        chi += (bins[i] - N / 10.0) * (bins[i] - N / 10.0) / (N / 10.0);
    ck_assert_msg(chi < 27.9, "chi-square %f (seed %d)", chi, SEED);
    ck_assert_msg(fabs(sum / N - 0.5) < 0.005, "mean %f", sum / N);
    double corr = (N * sxy - sx * sy) / sqrt((N * sxx - sx * sx) * (N * syy - sy * sy));
    ck_assert_msg(fabs(corr) < 0.01, "correlation %f", corr);
}
END_TEST

/* The streams are part of the product's output: every golden depends on
 * them. The derivation sim_rng_init(seed, name) -> outputs is pinned two
 * ways: against a model written here from the published algorithms (not
 * from kernel.c), and against literal values computed outside C (Python,
 * from the same published definitions).
 *
 * Model, from the references:
 * - FNV-1a, 64-bit (Fowler/Noll/Vo, draft-eastlake-fnv): offset basis
 *   0xcbf29ce484222325; per byte "hash ^= octet; hash *= 0x100000001b3".
 * - splitmix64 (Vigna, splitmix64.c, after Steele/Lea/Flood 2014):
 *   "z = (x += 0x9e3779b97f4a7c15); z = (z ^ (z >> 30)) *
 *   0xbf58476d1ce4e5b9; z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
 *   return z ^ (z >> 31);". Its first outputs from x = 0 are
 *   0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4 (a widely published vector).
 * - xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number
 *   generators", 2018, and xoshiro256starstar.c): "result = rotl(s[1] * 5,
 *   7) * 9; t = s[1] << 17; s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2];
 *   s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);".
 * - rtcsim's derivation (D7): x = splitmix64(seed) ^ fnv1a(name), then the
 *   four state words are the next four splitmix64 outputs from x. */
typedef struct model { uint64_t s[4]; } model_t;

static uint64_t model_splitmix(uint64_t *x)
{
    *x += 0x9e3779b97f4a7c15ull;
    uint64_t z = *x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t model_rotl(uint64_t x, unsigned k) { return (x << k) | (x >> (64 - k)); }

static uint64_t model_next(model_t *m)
{
    uint64_t *s = m->s;
    uint64_t out = model_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = model_rotl(s[3], 45);
    return out;
}

static void model_init(model_t *m, uint64_t seed, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    uint64_t x = seed;
    x = model_splitmix(&x) ^ h;
    for (int i = 0; i < 4; i++)
        m->s[i] = model_splitmix(&x);
}

START_TEST(rng_known_answer)
{
    /* the model itself against published vectors */
    uint64_t x = 0;
    ck_assert_uint_eq(model_splitmix(&x), 0xe220a8397b1dcdafull);
    ck_assert_uint_eq(model_splitmix(&x), 0x6e789e6aa1b965f4ull);
    model_t mk = { { 1, 2, 3, 4 } };
    ck_assert_uint_eq(model_next(&mk), 11520);      /* rotl(2 * 5, 7) * 9 */
    ck_assert_uint_eq(model_next(&mk), 0);
    ck_assert_uint_eq(model_next(&mk), 1509978240);
    sim_rng_t k = { { 1, 2, 3, 4 } };
    ck_assert_uint_eq(sim_rng_u64(&k), 11520);
    ck_assert_uint_eq(sim_rng_u64(&k), 0);
    ck_assert_uint_eq(sim_rng_u64(&k), 1509978240);

    /* literal first outputs of sim_rng_init(seed, name) */
    static const struct { uint64_t seed; const char *name; uint64_t out[3]; } kat[] = {
        { 1, "x", { 0xd150c8b91eb1c140ull, 0x349fccd8fed9f255ull, 0xd9026c3ee2188415ull } },
        { 42, "link:a.eth0:up", { 0x71a8668f490dd56aull, 0x0c238b01679176e7ull, 0x4272051c83f5815aull } },
        { 0, "", { 0x1e28178eedbf0f30ull, 0x32dadb1a9e4a4d08ull, 0x4ef49088479a6d5cull } },
        { 7, "lua:math.random", { 0xe570e3eab6a70a77ull, 0xa78cef92dc9a8a98ull, 0x108218269b02c1c0ull } },
        { UINT64_MAX, "nat:nat1", { 0x526dc49e09529a13ull, 0x2fc75077432bea51ull, 0x9743e0bdd8915233ull } },
    };
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        sim_rng_t r;
        sim_rng_init(&r, kat[i].seed, kat[i].name);
        for (int j = 0; j < 3; j++)
            ck_assert_msg(sim_rng_u64(&r) == kat[i].out[j], "seed %llu name '%s' output %d",
                          (unsigned long long)kat[i].seed, kat[i].name, j);
    }

    /* and the model over many (seed, name) pairs and a long prefix */
    static const char *const names[] = { "a", "link:core:up", "link:core:down", "signal:a>b",
                                         "nat:home", "stun:s1", "\xff\x01" };
    for (uint64_t seed = 0; seed < 64; seed++)
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            sim_rng_t r;
            model_t m;
            sim_rng_init(&r, seed * 0x9e3779b97f4a7c15ull, names[i]);
            model_init(&m, seed * 0x9e3779b97f4a7c15ull, names[i]);
            for (int j = 0; j < 100; j++)
                ck_assert_msg(sim_rng_u64(&r) == model_next(&m), "seed %llu name '%s' output %d",
                              (unsigned long long)seed, names[i], j);
        }
}
END_TEST

static Suite *kernel_suite(void)
{
    Suite *s = suite_create("kernel");
    TCase *t = tcase_create("queue");
    tcase_add_test(t, order_by_time_then_insertion);
    tcase_add_test(t, ties_keep_insertion_order);
    tcase_add_test(t, events_scheduled_in_the_past_fire_now);
    tcase_add_test(t, cancellation);
    tcase_add_test(t, mass_cancellation_keeps_order);
    tcase_add_test(t, hold_model_order);
    tcase_add_test(t, run_until_bounds_and_stop);
    suite_add_tcase(s, t);
    t = tcase_create("rng");
    tcase_add_test(t, rng_streams_repeat_and_differ);
    tcase_add_test(t, rng_stream_independent_of_others);
    tcase_add_test(t, rng_statistics);
    tcase_add_test(t, rng_known_answer);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kernel_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
