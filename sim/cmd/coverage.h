/*
 * coverage.h - `rtcsim coverage` (coverage.c): the coverage catalogue's
 * entries with the scenarios that cover each, and the share covered.
 */
#ifndef SIM_COVERAGE_H
#define SIM_COVERAGE_H

#include <stdio.h>

/* rtcsim coverage with argv the arguments after "coverage": the listing
 * (or --json) on out, errors on err. 0 listed (or --help); 2 bad usage, a
 * catalogue or scenario that cannot be read, an id not in the catalogue. */
int sim_cmd_coverage(int argc, char **argv, FILE *out, FILE *err);

#endif
