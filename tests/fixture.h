/*
 * fixture.h - what the test suites share: a fresh folder per test with
 * scenarios/ and captures/ in it and running a scenario written inline;
 * the RFC 5769 STUN test vectors.
 */
#ifndef TESTS_FIXTURE_H
#define TESTS_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check/capture.h"
#include "lua/scenario.h"
#include "trace/lint.h"

/* The test's folder, made by fx_setup, removed by fx_teardown (a checked
 * fixture: tcase_add_checked_fixture(tc, fx_setup, fx_teardown)). */
extern char fx_dir[256];
void fx_setup(void);
void fx_teardown(void);

/* Write scenarios/<name>.lua and run it, its report in out/<name>; the
 * result is the caller's (sim_result_clear). */
sim_verdict_t fx_run_opts(const char *name, const char *lua, const sim_run_opts_t *o,
                          sim_result_t *r);
sim_verdict_t fx_run(const char *name, const char *lua, sim_result_t *r);

/* RFC 5769's sample messages, as hex (spaces between bytes), and their
 * decoder: s.2.1 the request (short-term credentials), s.2.2 and s.2.3
 * the IPv4 and IPv6 responses, s.2.4 the request with long-term
 * credentials. */
extern const char RFC5769_REQUEST[], RFC5769_RESPONSE_V4[], RFC5769_RESPONSE_V6[],
                  RFC5769_LONG_TERM[];
/* The bytes of hex into out (big enough); their count. */
size_t fx_unhex(const char *hex, uint8_t *out);

/* A network memory bound (sim_net_set_bound) that refuses the fail_at-th
 * charge, or every charge from it on (all): for the tests that refuse
 * each allocation of a run in turn. n counts the charges asked for. */
typedef struct fx_refuser {
    long n, fail_at, refused;
    bool all;
} fx_refuser_t;
bool fx_refuse(void *ctx, size_t more);

/* Run an inline scenario that must pass. */
#define PASSES(name, lua) do { \
        sim_result_t r_; \
        sim_verdict_t v_ = fx_run((name), (lua), &r_); \
        ck_assert_msg(v_ == SIM_PASS, "%s: %s", (name), r_.messages ? r_.messages : "(none)"); \
        sim_result_clear(&r_); \
    } while (0)
/* Run an inline scenario that must end in an error whose message has
 * each of the needles (a NULL-terminated list). */
void fx_errors_with(const char *name, const char *lua, const char *const needles[]);
/* The whole of a file, NUL-terminated (the caller frees it); fails the
 * test when it cannot be read. */
char *fx_slurp(const char *path);

#define HAS(r, s) ck_assert_msg((r).messages && strstr((r).messages, (s)), \
                                "expected '%s' in: %s", (s), (r).messages ? (r).messages : "(none)")

/* A capture a test writes with the project's own writer (check/capture.h),
 * for the lint's tests: datagrams between a (10.0.0.1:5000) and b
 * (10.0.0.2:6000), each step_ns after the one before, from 1 s. */
typedef struct fx_cap {
    char           path[96];
    sim_capture_t *c;
    sim_time_t     t, step_ns;
} fx_cap_t;
void fx_cap_open(fx_cap_t *k, const char *name, sim_time_t step_ns);
void fx_cap_send(fx_cap_t *k, bool from_b, const uint8_t *data, size_t len);
/* Close the capture, lint it with o (NULL: the defaults), its JSON output
 * in *json (the caller frees it), the file removed; the lint is returned
 * for sim_lint_count (the caller frees it). */
sim_lint_t *fx_cap_lint(fx_cap_t *k, const sim_lint_opts_t *o, char **json);

#endif
