/*
 * kernel.h - the simulator kernel: virtual time, the event queue, timers and
 * seeded random streams.
 *
 * Virtual time is a 64-bit count of nanoseconds since the start of the run.
 * Nothing here reads the wall clock: time moves only when the kernel jumps
 * to the next event. Events fire in (time, insertion sequence) order, so two
 * events scheduled for the same instant fire in the order they were
 * scheduled, and a run is a function of its seed (README.md).
 */
#ifndef SIM_KERNEL_H
#define SIM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t sim_time_t;            /* nanoseconds of virtual time */
#define SIM_TIME_NEVER UINT64_MAX
#define SIM_NS(x)  ((sim_time_t)(x))
#define SIM_US(x)  ((sim_time_t)(x) * 1000ull)
#define SIM_MS(x)  ((sim_time_t)(x) * 1000000ull)
#define SIM_SEC(x) ((sim_time_t)(x) * 1000000000ull)

/* "1.234000000": virtual time as seconds with nine decimals. */
const char *sim_time_str(sim_time_t t, char buf[32]);

/* ---- random streams ---------------------------------------------------- */

/* xoshiro256** seeded through splitmix64. A stream is derived from the run's
 * root seed and a component name, so streams of different components are
 * independent and adding a component never shifts another one's draws. */
typedef struct sim_rng {
    uint64_t s[4];
} sim_rng_t;

void     sim_rng_init(sim_rng_t *r, uint64_t root_seed, const char *name);
uint64_t sim_rng_u64(sim_rng_t *r);
double   sim_rng_double(sim_rng_t *r);          /* uniform in [0, 1) */
uint64_t sim_rng_below(sim_rng_t *r, uint64_t n); /* uniform in [0, n), n > 0 */
void     sim_rng_bytes(sim_rng_t *r, void *buf, size_t len);

/* ---- kernel ------------------------------------------------------------ */

typedef struct sim_kernel sim_kernel_t;
typedef uint64_t sim_timer_t;           /* 0 is never a live timer */
typedef void (*sim_event_fn)(void *arg);

sim_kernel_t *sim_kernel_new(uint64_t seed);
void          sim_kernel_free(sim_kernel_t *k);
uint64_t      sim_kernel_seed(const sim_kernel_t *k);
/* Change the root seed. Only meaningful before any component has derived
 * its stream from the kernel's seed (the scenario runner allows it only
 * before the topology is built). */
void          sim_kernel_set_seed(sim_kernel_t *k, uint64_t seed);
sim_time_t    sim_now(const sim_kernel_t *k);

/* Schedule fn(arg) at absolute time t (clamped to now if in the past).
 * Returns a handle for sim_cancel; handles are never reused. Returns 0
 * when the event cannot be queued (out of memory, or the pending bound
 * reached): the kernel then holds an error (sim_kernel_error) and fires
 * nothing more, so the run ends and its owner reports why. */
sim_timer_t sim_at(sim_kernel_t *k, sim_time_t t, sim_event_fn fn, void *arg);
sim_timer_t sim_after(sim_kernel_t *k, sim_time_t dt, sim_event_fn fn, void *arg);
/* Cancel a pending timer. Returns false if it already fired, was cancelled,
 * or is 0; cancelling twice is safe. */
bool        sim_cancel(sim_kernel_t *k, sim_timer_t id);

size_t      sim_pending(const sim_kernel_t *k);
sim_time_t  sim_next_time(sim_kernel_t *k);   /* SIM_TIME_NEVER if idle */
/* Fire the next event. Returns false when the queue is empty. */
bool        sim_step(sim_kernel_t *k);
/* Fire every event whose time is <= limit, then set now = limit (if later).
 * Stops early, returning false, when sim_stop() was called from an event. */
bool        sim_run_until(sim_kernel_t *k, sim_time_t limit);
/* Fire every event whose time is <= limit, leaving the clock at the last
 * one fired (for running "until idle" under a bound). Same return. */
bool        sim_run_events(sim_kernel_t *k, sim_time_t limit);
void        sim_stop(sim_kernel_t *k);
uint64_t    sim_events_fired(const sim_kernel_t *k);

/* Real time (a live host runs, sim/host/live.h): before each event, and
 * before the clock moves to a run's limit, the kernel calls
 * pacer(arg, t) with that event's (or the limit's) virtual time; the
 * pacer waits until the wall clock reaches t or something arrives from
 * outside, which it schedules (at its arrival time, never before now) and
 * returns true, so the kernel looks again at what is next. false: t is
 * due. NULL (the default): virtual time jumps, as in every run without
 * a live host. */
typedef bool (*sim_pacer_fn)(void *arg, sim_time_t t);
void        sim_kernel_set_pacer(sim_kernel_t *k, sim_pacer_fn fn, void *arg);

/* At most n events pending (default: the queue's own bound, 2^24). */
void        sim_kernel_set_max_pending(sim_kernel_t *k, size_t n);
/* Bytes the queue holds (heap entries and timer slots). */
size_t      sim_kernel_bytes(const sim_kernel_t *k);
/* Why sim_at refused an event ("out of memory: ...", or the pending
 * bound), or NULL. */
const char *sim_kernel_error(const sim_kernel_t *k);

#endif
