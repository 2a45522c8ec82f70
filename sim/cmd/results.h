/*
 * results.h - a run's results as lines of JSON: what a child sends its
 * parent through the pipe, and results.jsonl of a report folder, from
 * which `rtcsim merge` rebuilds junit.xml and summary.txt exactly.
 *
 * One line per item (a scenario at a seed), keys sorted:
 *   end_time events file id item items list lost measures messages notes
 *   seed seeds title verdict
 * item is the item's place in the whole run's list (all shards), items the
 * length of that list, list a digest of it (shards of one run agree on it),
 * seeds the swept range "A..B" or "" when the run did not sweep.
 */
#ifndef SIM_RESULTS_H
#define SIM_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "lua/scenario.h"

/* What every line of one run shares. */
typedef struct sim_runinfo {
    size_t   items;
    uint64_t list;          /* FNV-1a over the items' files and seeds */
    char     seeds[48];     /* "A..B", or "" */
} sim_runinfo_t;

/* The line (ending in '\n') for item `item` of the run; malloc'd. */
char *sim_results_line(const sim_result_t *r, size_t item, const sim_runinfo_t *ri);
/* Parse one line (without or with its '\n'). 0, or -1 with a message in
 * err; r is then cleared. */
int   sim_results_parse(const char *line, sim_result_t *r, size_t *item, sim_runinfo_t *ri,
                        char *err, size_t errlen);

#endif
