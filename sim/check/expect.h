/*
 * expect.h - expectations on the event log: an event (or none) within a
 * window of virtual time, a number of such events, events in an order.
 *
 * Matchers compare argument values as JSON text, so a scenario's expected
 * value and the logged one are compared the way they are written to the
 * log. Each check returns 0 when it holds and 1 otherwise, with a message
 * a person can act on.
 */
#ifndef SIM_EXPECT_H
#define SIM_EXPECT_H

#include <stddef.h>
#include <stdint.h>

#include "check/evlog.h"

typedef struct sim_evmatch {
    const char  *src;           /* NULL: any source */
    const char  *name;          /* NULL: any event */
    size_t       nargs;
    const char **keys;          /* each must be present ... */
    const char **vals;          /* ... with this JSON text */
    sim_time_t   t0, t1;        /* window, inclusive */
} sim_evmatch_t;

/* Index of the first record at or after `from` that matches, or -1. */
long   sim_evmatch_find(const sim_evlog_t *log, const sim_evmatch_t *m, size_t from);
/* Describe m, e.g. "drop from link:a.eth0:up {reason=\"loss\"}". */
size_t sim_evmatch_describe(const sim_evmatch_t *m, char *buf, size_t cap);

/* At least min and at most max matching events (max = UINT64_MAX: no
 * bound; min = max = 0: never). */
int sim_expect_count(const sim_evlog_t *log, const sim_evmatch_t *m, uint64_t min,
                     uint64_t max, char *msg, size_t cap);
/* The events occur in this order (each after the previous one's match). */
int sim_expect_sequence(const sim_evlog_t *log, const sim_evmatch_t *m, size_t n,
                        char *msg, size_t cap);
/* x in the fewest digits that read back as exactly x ("0.25999999999999995"
 * rather than "0.26"), or "inf", "-inf", "nan"; buf is returned. */
const char *sim_expect_num_str(double x, char buf[32]);
/* min <= value <= max; the message prints all three with
 * sim_expect_num_str, so why a bound failed is visible. */
int sim_expect_measure(const char *name, double value, double min, double max,
                       char *msg, size_t cap);

#endif
