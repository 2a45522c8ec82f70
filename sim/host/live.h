/*
 * live.h - real programs on simulated hosts (issue 12, docs/live.md).
 *
 * A live host runs an unmodified program in a network namespace of its
 * own whose only interface is a TUN device: IPv4/UDP packets the program
 * sends enter the simulated network at the host's interface (as if the
 * host had sent them: access link, NATs, captures), and datagrams for the
 * host leave into the TUN. While a live host exists the kernel runs in
 * real time: virtual time is paced to the wall clock (sim_kernel_set_pacer),
 * and what the program sends is scheduled at the virtual time it arrives.
 *
 * The drift: an event due at virtual t runs at wall time >= t (the pacer
 * never runs one early); it runs late by however long the events before
 * it took, and by the time a blocking request to a program took. The run
 * records the largest lateness (sim_lives_max_lag) and the report gives
 * it; expectations' windows in live scenarios are widened by the
 * documented tolerance, not by this figure.
 *
 * Real time is by nature not a function of the seed: live scenarios are
 * outside the determinism check and byte goldens.
 *
 * The host's interface is watched: its renumbering, down and up are
 * made the namespace's too (the TUN's address, link and default route),
 * so that the program sees its network change as on a phone (D149).
 *
 * Needs root, /dev/net/tun and iproute2's `ip`. sim_live_unavailable says
 * why not, for a scenario to be skipped with that reason, never passed.
 * Namespaces and devices are named rtcsim-<pid>-<n>, so parallel runs do
 * not collide, and are deleted on every exit path of the run (and those
 * of a run that died are swept by the next, sim_live_sweep).
 */
#ifndef SIM_LIVE_H
#define SIM_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/kernel.h"
#include "net/net.h"

typedef struct sim_lives sim_lives_t;
typedef struct sim_live sim_live_t;

/* NULL if live hosts can run here, else why not (a sentence). */
const char  *sim_live_unavailable(void);
/* Delete the namespaces left by runs whose process is gone. */
void         sim_live_sweep(void);

/* The run's live hosts, on kernel k (the pacer is installed at the first
 * start). */
sim_lives_t *sim_lives_new(sim_kernel_t *k);
/* Tears down every program and namespace (also when a start failed
 * halfway). */
void         sim_lives_free(sim_lives_t *ls);
/* How late the latest event ran against the wall clock (ns). */
uint64_t     sim_lives_max_lag(const sim_lives_t *ls);
/* The virtual time of "now" for what arrives from a program: the wall
 * clock's, never before the kernel's now. */
sim_time_t   sim_lives_now(const sim_lives_t *ls);

/* Start argv (argv[0] looked up in PATH) on host h, which must have one
 * interface. Its stderr (and stdout unless control) goes to log; with
 * control, its stdin and stdout are the control protocol's (docs/live.md:
 * sim_live_request). NULL with a message naming the program and the step
 * that failed. */
sim_live_t  *sim_live_start(sim_lives_t *ls, sim_host_t *h, char *const argv[], bool control,
                            FILE *log, char *err, size_t errlen);
const char  *sim_live_name(const sim_live_t *l);    /* argv[0] */
/* Datagrams the program sent into the network (from_program true), or
 * the network delivered to it. */
uint64_t     sim_live_packets(const sim_live_t *l, bool from_program);

/* ---- the control protocol's transport (control = true; docs/live.md) ----
 * Lines without their newline, at most SIM_LIVE_LINE_MAX bytes. */
#define SIM_LIVE_LINE_MAX 65536
/* Lines that come while the kernel runs go to fn (from the pacer, between
 * two events: fn queues them for an event of its own). */
typedef void (*sim_live_line_fn)(void *arg, sim_live_t *l, const char *line, size_t len);
void         sim_live_on_line(sim_live_t *l, sim_live_line_fn fn, void *arg);
/* Write one line to the program's stdin. 0, or -1 with why in err. */
int          sim_live_send(sim_live_t *l, const char *line, size_t len, char *err, size_t errlen);
/* The next line from its stdout, waiting up to timeout_ns of wall time:
 * 1 and a malloc'd line (*len bytes, NUL-terminated); 0 when the time ran
 * out; -1 with why in err (it closed its stdout or exited, or sent a line
 * too long). */
int          sim_live_next_line(sim_live_t *l, char **line, size_t *len, uint64_t timeout_ns,
                                char *err, size_t errlen);

#endif
