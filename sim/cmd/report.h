/*
 * report.h - the run's report folder: junit.xml and summary.txt.
 * Both are byte-identical for identical runs: no wall-clock time, no
 * host name, no output path inside them.
 */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include <stddef.h>

#include "lua/scenario.h"

/* Returns 0, or -1 with a message naming the file in err. */
int sim_report_write(const char *dir, const sim_result_t *r, size_t n, char *err, size_t errlen);
/* One scenario's lines: verdict, id, seed, virtual time, then its
 * messages and notes indented. Appended to *out. */
void  sim_report_block(const sim_result_t *r, char **out);
/* The closing lines, ending with "N passed, N failed"; malloc'd. */
char *sim_report_closing(const sim_result_t *r, size_t n);
const char *sim_verdict_name(sim_verdict_t v);

#endif
