/*
 * live_peer.h - what the adapters' unit tests (test_nice_adapter.c,
 * test_live_adapter.c) share: a live program (build/rtcsim-nice,
 * build/rtcsim-live) run as a child on pipes, driven through the control
 * protocol (docs/live.md, version 1) as the harness drives one: its lines
 * read with deadlines, requests sent and their answers waited for, the
 * events that come meanwhile kept; the JSON accessors that fail the test
 * on a member of the wrong type.
 *
 * These are real-time tests of programs with their own clock: every
 * wait has a wall-clock deadline, in ms of lp_now_ms.
 */
#ifndef TESTS_LIVE_PEER_H
#define TESTS_LIVE_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-glib/json-glib.h>

/* A request's answer: docs/live.md's harness waits 10 s; the adapters
 * answer at once, so 5 s is only a guard against a hung test. The same
 * bound for a program to exit. */
#define LP_ANSWER_MS 5000

typedef struct lp_peer {
    const char *name;                  /* in failure messages */
    pid_t pid;                         /* 0 once lp_wait reaped it */
    int in, out;                       /* its stdin (we write; -1 closed), its stdout */
    GString *buf;                      /* its stdout read, not yet a whole line */
    GQueue events;                     /* JsonNode: events read during a call, not yet taken */
    int id;                            /* the last request's */
} lp_peer_t;

/* The wall clock, in ms, by the system call: the sim objects the tests
 * link define clock_gettime (virtual time, sim/kernel/vdet.c), so the
 * libc name would read the simulator's clock. */
long lp_now_ms(void);

/* BUILD/<name> beside this test's BUILD/tests/ (for build/ and
 * build-asan/ alike) into buf, or the environment variable env if set. */
const char *lp_built(const char *name, const char *env, char *buf, size_t cap);

/* Run argv (argv[0] the program's path) as p, its stdin and stdout on
 * pipes; netns >= 0: in that network namespace (setns), as on a live
 * host. */
void lp_start(lp_peer_t *p, const char *name, char *const argv[], int netns);

/* Its exit status (128 + signal), or -1 if it did not exit within
 * LP_ANSWER_MS: its exit closes its stdout, so the wait is for that EOF
 * (what it still wrote is kept in p->buf), then for the status. */
int lp_wait(lp_peer_t *p);

/* EOF on its stdin, as when the scenario ends (docs/live.md). */
void lp_eof(lp_peer_t *p);

/* Its pipes closed, the program killed if it still runs. */
void lp_free(lp_peer_t *p);

/* One line (a newline is added) to its stdin. */
void lp_send(lp_peer_t *p, const char *line);

/* The next line of p parsed (any JSON; the caller unrefs it), or NULL at
 * the deadline or EOF. A line that is not JSON fails the test: stdout
 * carries the protocol and nothing else. */
JsonNode *lp_line(lp_peer_t *p, long deadline);

/* n as an object, member k as a string, an integer, a number (json-glib
 * converts an integer), a boolean: the test fails on any other. */
JsonObject *lp_obj(JsonNode *n);
const char *lp_str(JsonObject *o, const char *k);
gint64 lp_num(JsonObject *o, const char *k);
double lp_real(JsonObject *o, const char *k);
bool lp_flag(JsonObject *o, const char *k);

/* Request method with params (a JSON object's text, or NULL); the whole
 * response (unref it). Events read meanwhile wait in p->events, as the
 * harness keeps them (docs/live.md). */
JsonNode *lp_call(lp_peer_t *p, const char *method, const char *params);

/* A request that must succeed: its result object (unref it); lp_ok0
 * drops it. */
JsonNode *lp_ok(lp_peer_t *p, const char *method, const char *params);
void lp_ok0(lp_peer_t *p, const char *method, const char *params);

/* A request that must fail with code, its message naming `names`. */
void lp_refused(lp_peer_t *p, const char *method, const char *params, const char *code,
                const char *names);

/* A candidate p announced (the member "candidate" of its event) trickled
 * as scenarios/lib/peers.lua does it: setLocalCandidate on p's connection
 * conn first, then setRemoteCandidate on other's (other NULL: kept). */
void lp_trickle(lp_peer_t *p, lp_peer_t *other, const char *conn, JsonNode *candidate);

/* Take the events of a and b as they come, each by take(p, event) (which
 * owns it; a's queued ones before b's), until done(a, b) or the deadline;
 * whether done. a may be b. A response nobody asked for fails the test. */
typedef void (*lp_take_fn)(lp_peer_t *p, JsonNode *event);
typedef bool (*lp_done_fn)(lp_peer_t *a, lp_peer_t *b);
bool lp_pump(lp_peer_t *a, lp_peer_t *b, lp_take_fn take, lp_done_fn done, long deadline);

#endif
