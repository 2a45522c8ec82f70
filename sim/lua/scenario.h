/*
 * scenario.h - running one Lua scenario: the sandbox, its limits, the
 * topology it builds, the expectations it states, and its outputs.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/kernel.h"

/* SKIP: the scenario could not run on this machine (a live host without
 * root or a TUN device, D134): never a pass, not a failure; its message
 * says why. */
typedef enum sim_verdict { SIM_PASS = 0, SIM_FAIL = 1, SIM_ERROR = 2, SIM_SKIP = 3 } sim_verdict_t;

/* rtcsim replay's files (docs/replay.md), read by the run's
 * net.trace{ command = true }. */
typedef struct sim_replay_files {
    const char *trace, *side;
    const char *keylog, *srtp_keys, *credentials, *sidecar;   /* NULL: none */
    const char *role;               /* --role: the side's ICE role when the trace has none */
    const char *media;              /* --media: the side's media description (JSON), or NULL */
    const char *live;               /* --live: "PROGRAM ARG...", the IUT on a live host, or NULL */
    bool        encrypted;
} sim_replay_files_t;

typedef struct sim_run_opts {
    bool        seed_set;           /* --seed given: overrides scenario{seed=} */
    uint64_t    seed;
    const char *captures_dir;       /* golden pcaps; NULL: derived from the path */
    bool        update_captures;
    /* --impl PATH (repeatable): impls[0] is every host's implementation
     * unless net.host{impl=} names "ref" or another of these; none: ref/ */
    const char *const *impls;
    size_t      nimpls;
    /* --allow-program PATH (repeatable): the programs a scenario may
     * start on a live host (net.host{run=}); none: no live hosts */
    const char *const *programs;
    size_t      nprograms;
    const sim_replay_files_t *replay;   /* rtcsim replay: its files; NULL otherwise */
    const char *lib_dir;            /* where require() looks; NULL: derived from the path */
} sim_run_opts_t;

/* One expect.measure, as checked: the report summarises these over seeds
 * from the numbers, never from the text. */
typedef struct sim_measure {
    char          *name;
    double         value;           /* NaN: the measure could not be taken */
    double         min, max;        /* the bounds; -inf/inf when not given */
    bool           pass;
} sim_measure_t;

/* What a scenario produced, for the report. */
typedef struct sim_result {
    char          *id;              /* "net/udp-echo" */
    char          *file;            /* as given */
    char          *title;           /* scenario{name=}, or the id when none */
    sim_verdict_t  verdict;
    uint64_t       seed;
    sim_time_t     end_time;
    uint64_t       events;
    char          *messages;        /* failures/errors, one per line */
    char          *notes;           /* measures and other lines for the summary */
    sim_measure_t *measures;        /* in the order stated */
    size_t         nmeasures;
    bool           lost;            /* no result came back from the run (it was
                                       killed, or died): only id, file, seed,
                                       verdict (ERROR) and messages are set */
} sim_result_t;

/* Run the scenario at path, writing its outputs into out_dir (created).
 * Fills r (free with sim_result_clear). */
void sim_scenario_run(const char *path, const char *id, const char *out_dir,
                      const sim_run_opts_t *o, sim_result_t *r);
void sim_result_clear(sim_result_t *r);
/* Append a measure to r (copies name). 0, or -1 out of memory. */
int  sim_result_add_measure(sim_result_t *r, const char *name, double value, double min,
                            double max, bool pass);

/* What a scenario's header declares, read without running it: the
 * script runs in its sandbox up to scenario{} and stops there (or at its
 * first call into the simulator when it has no header). */
typedef struct sim_header {
    char   *title;          /* scenario{name=}; NULL when none */
    char  **covers;         /* scenario{covers=}, as listed */
    size_t  ncovers;
    char   *error;          /* NULL, or why the header could not be read
                               ("file:line: ..."): a script error before or
                               in scenario{}, an id not in the catalogue */
} sim_header_t;

typedef struct sim_catalogue sim_catalogue_t;

/* Read the header of the scenario at path, checking covers= against cat
 * (NULL: the catalogue beside the scenario, sim_catalogue_path). Fills h
 * (free with sim_header_clear). */
void  sim_scenario_header(const char *path, const sim_catalogue_t *cat, sim_header_t *h);
void  sim_header_clear(sim_header_t *h);
/* The catalogue a scenario at path declares its coverage against (D110):
 * scenarios/coverage.txt of the scenarios/ folder that holds it, else
 * coverage.txt in its own folder. malloc'd; NULL out of memory. */
char *sim_catalogue_path(const char *path);

/* The "scenarios/" component of path (the last one), or NULL. */
const char *sim_scenarios_dir(const char *path);

/* mkdir -p, then check the folder is writable. 0, or -1 with errno. */
int  sim_mkdirs(const char *path);

/* Append a formatted line to a malloc'd string (*buf may be NULL). */
void sim_strcatf(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
