/*
 * report.h - the run's report folder: junit.xml and summary.txt.
 * Both are byte-identical for identical runs: no wall-clock time, no
 * host name, no output path inside them.
 */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd/results.h"
#include "lua/scenario.h"

/* Writes results.jsonl (item[i] is r[i]'s place in the run's list),
 * junit.xml and summary.txt into dir. Returns 0, or -1 with a message
 * naming the file in err. */
int   sim_report_write(const char *dir, const sim_result_t *r, const size_t *item, size_t n,
                       const sim_runinfo_t *ri, char *err, size_t errlen);
/* One item's lines: verdict, id (and name), seed, virtual time, then its
 * messages and notes indented; in a sweep, a failed item's replay command.
 * Appended to *out. */
void  sim_report_block(const sim_result_t *r, bool sweep, char **out);
/* What follows the blocks: in a sweep (seeds "A..B") the measures over the
 * seeds per scenario, then the closing lines, ending with
 * "N passed, N failed"; malloc'd. */
char *sim_report_tail(const sim_result_t *r, size_t n, const char *seeds);
const char *sim_verdict_name(sim_verdict_t v);

/* The rtcsim command (the parent: main.c, report.c, results.c) out of
 * memory: it has nothing else sensible to do but say so, "rtcsim: out
 * of memory (what)" on stderr, and exit 2 (a run that could not be
 * judged, as a scenario error is). */
_Noreturn void sim_cmd_nomem(const char *what);

#endif
