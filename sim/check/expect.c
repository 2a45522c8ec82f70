/*
 * expect.c - checking expectations against the event log (expect.h).
 */
#include "check/expect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *arg_of(const sim_evrec_t *r, const char *key)
{
    for (uint32_t i = 0; i < r->nargs; i++)
        if (strcmp(r->keys[i], key) == 0)
            return r->vals[i];
    return NULL;
}

static int matches(const sim_evrec_t *r, const sim_evmatch_t *m, bool check_time)
{
    if (check_time && (r->t < m->t0 || r->t > m->t1))
        return 0;
    if (m->name && strcmp(r->name, m->name) != 0)
        return 0;
    if (m->src && strcmp(r->src, m->src) != 0)
        return 0;
    for (size_t i = 0; i < m->nargs; i++) {
        const char *v = arg_of(r, m->keys[i]);
        if (!v || strcmp(v, m->vals[i]) != 0)
            return 0;
    }
    return 1;
}

long sim_evmatch_find(const sim_evlog_t *log, const sim_evmatch_t *m, size_t from)
{
    size_t n = sim_evlog_count(log);
    for (size_t i = from; i < n; i++)
        if (matches(sim_evlog_get(log, i), m, true))
            return (long)i;
    return -1;
}

size_t sim_evmatch_describe(const sim_evmatch_t *m, char *buf, size_t cap)
{
    size_t len = (size_t)snprintf(buf, cap, "%s", m->name ? m->name : "any event");
    if (m->src)
        len += (size_t)snprintf(buf + (len < cap ? len : cap), len < cap ? cap - len : 0,
                                " from %s", m->src);
    for (size_t i = 0; i < m->nargs; i++)
        len += (size_t)snprintf(buf + (len < cap ? len : cap), len < cap ? cap - len : 0,
                                "%s%s=%s%s", i == 0 ? " {" : ", ", m->keys[i], m->vals[i],
                                i + 1 == m->nargs ? "}" : "");
    return len;
}

static const char *window_str(const sim_evmatch_t *m, char *buf, size_t cap)
{
    char a[32], b[32];
    if (m->t0 == 0 && m->t1 == SIM_TIME_NEVER)
        snprintf(buf, cap, "at any time");
    else if (m->t1 == SIM_TIME_NEVER)
        snprintf(buf, cap, "from %s s on", sim_time_str(m->t0, a));
    else
        snprintf(buf, cap, "within [%s, %s] s", sim_time_str(m->t0, a), sim_time_str(m->t1, b));
    return buf;
}

/* Where do matching events fall outside the window? Helps a person see a
 * late (or early) event at once. */
static void outside_hint(const sim_evlog_t *log, const sim_evmatch_t *m, char *buf, size_t cap)
{
    size_t n = sim_evlog_count(log), count = 0;
    const sim_evrec_t *first = NULL;
    for (size_t i = 0; i < n; i++) {
        const sim_evrec_t *r = sim_evlog_get(log, i);
        if (matches(r, m, false) && (r->t < m->t0 || r->t > m->t1)) {
            if (!first)
                first = r;
            count++;
        }
    }
    char t[32];
    if (first)
        snprintf(buf, cap, "; %zu outside the window, the first at %s s", count,
                 sim_time_str(first->t, t));
    else
        snprintf(buf, cap, "; none at any other time either");
}

int sim_expect_count(const sim_evlog_t *log, const sim_evmatch_t *m, uint64_t min,
                     uint64_t max, char *msg, size_t cap)
{
    uint64_t count = 0;
    long first_extra = -1;
    for (long i = sim_evmatch_find(log, m, 0); i >= 0; i = sim_evmatch_find(log, m, (size_t)i + 1))
        if (++count == max + 1 && max != UINT64_MAX)
            first_extra = i;
    if (count >= min && count <= max)
        return 0;
    char what[512], win[96], hint[128] = "";
    sim_evmatch_describe(m, what, sizeof what);
    window_str(m, win, sizeof win);
    if (max == 0) {
        char t[32];
        snprintf(msg, cap, "expected no event %s %s, but %llu occurred, the first at %s s", what,
                 win, (unsigned long long)count,
                 sim_time_str(sim_evlog_get(log, (size_t)first_extra)->t, t));
        return 1;
    }
    if (count < min)
        outside_hint(log, m, hint, sizeof hint);
    if (max == UINT64_MAX)
        snprintf(msg, cap, "expected at least %llu event%s %s %s, found %llu%s",
                 (unsigned long long)min, min == 1 ? "" : "s", what, win,
                 (unsigned long long)count, hint);
    else
        snprintf(msg, cap, "expected %llu to %llu events %s %s, found %llu%s",
                 (unsigned long long)min, (unsigned long long)max, what, win,
                 (unsigned long long)count, hint);
    return 1;
}

int sim_expect_sequence(const sim_evlog_t *log, const sim_evmatch_t *m, size_t n, char *msg,
                        size_t cap)
{
    size_t from = 0;
    sim_time_t prev_t = 0;
    for (size_t i = 0; i < n; i++) {
        long at = sim_evmatch_find(log, &m[i], from);
        if (at < 0) {
            char what[512], win[96], t[32];
            sim_evmatch_describe(&m[i], what, sizeof what);
            window_str(&m[i], win, sizeof win);
            if (i == 0)
                snprintf(msg, cap, "sequence step 1 of %zu: no event %s %s", n, what, win);
            else
                snprintf(msg, cap,
                         "sequence step %zu of %zu: no event %s %s after step %zu (at %s s)",
                         i + 1, n, what, win, i, sim_time_str(prev_t, t));
            return 1;
        }
        prev_t = sim_evlog_get(log, (size_t)at)->t;
        from = (size_t)at + 1;
    }
    return 0;
}

const char *sim_expect_num_str(double x, char buf[32])
{
    if (!isfinite(x)) {
        snprintf(buf, 32, "%s", isnan(x) ? "nan" : x < 0 ? "-inf" : "inf");
        return buf;
    }
    /* %.17g always reads back exactly (IEEE 754 binary64); %.15g is exact
     * for every decimal of up to 15 digits and prints 10 as "10", not
     * "1e+01": take the first of 15, 16, 17 digits that reads back. */
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, 32, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

int sim_expect_measure(const char *name, double value, double min, double max, char *msg,
                       size_t cap)
{
    if (!isnan(value) && value >= min && value <= max)
        return 0;
    char v[32], a[32], b[32];
    snprintf(msg, cap, "measure %s = %s, expected within [%s, %s]", name,
             sim_expect_num_str(value, v), sim_expect_num_str(min, a), sim_expect_num_str(max, b));
    return 1;
}
