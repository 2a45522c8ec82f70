/*
 * catalogue.h - the coverage catalogue (issue 11, "What the suite covers,
 * traced"): the spec's methods, events and attributes and the RFC
 * requirements ref/ implements, one id per line with its description
 * (scenarios/coverage.txt, docs/decisions.md D110). scenario{covers=}
 * names ids of it (scenario.c refuses any other); `rtcsim coverage`
 * (sim/cmd/coverage.c) lists which scenarios cover each.
 *
 * The file: "ID DESCRIPTION" per line, ID and description separated by
 * spaces or tabs; ID is GROUP:NAME, GROUP of lower-case letters and
 * digits ("spec", "rfc8445"), NAME printable ASCII without spaces; blank
 * lines and lines starting with '#' are skipped. Groups keep the order in
 * which the file first names them.
 */
#ifndef SIM_CATALOGUE_H
#define SIM_CATALOGUE_H

#include <stddef.h>

typedef struct sim_cat_entry {
    char   *id;             /* "rfc8445:s7.2.5.3" */
    char   *desc;
    size_t  group;          /* index into groups */
    int     line;           /* in the file, from 1 */
} sim_cat_entry_t;

typedef struct sim_catalogue {
    char            *path;
    sim_cat_entry_t *v;
    size_t           n;
    char           **groups;    /* "spec", "rfc8445", ... in file order */
    size_t           ngroups;
} sim_catalogue_t;

/* Read the catalogue at path. NULL on failure with *err a malloc'd
 * message naming the file (and line: a malformed line, a duplicate id,
 * which names the first line too); *err NULL then means out of memory. */
sim_catalogue_t *sim_catalogue_load(const char *path, char **err);
void             sim_catalogue_free(sim_catalogue_t *c);
/* The entry with this id, or -1. */
long             sim_catalogue_find(const sim_catalogue_t *c, const char *id);

#endif
