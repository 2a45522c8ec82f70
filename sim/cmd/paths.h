/*
 * paths.h - the scenario files a command's PATH arguments name, as
 * `rtcsim run` and `rtcsim coverage` both find them, and their ids.
 */
#ifndef SIM_CMD_PATHS_H
#define SIM_CMD_PATHS_H

#include <stddef.h>
#include <stdio.h>

typedef struct sim_paths {
    char **v;
    size_t n;
} sim_paths_t;

/* Append a copy of s. 0, or -1 out of memory. */
int   sim_paths_add(sim_paths_t *l, const char *s);
/* Free the strings and the list; l is empty after. */
void  sim_paths_free(sim_paths_t *l);
/* The scenarios under path: a file as given (once, however often it is
 * named); a folder's *.lua and subfolders, in sorted order (a run's order
 * never depends on the file system), without dot files and lib/ (Lua
 * shared through require). 0, or -1 with the message written to err. */
int   sim_paths_collect(const char *path, sim_paths_t *out, FILE *err);
/* "scenarios/net/udp-echo.lua" -> "net/udp-echo"; outside a scenarios/
 * folder, the file's base name. malloc'd; NULL out of memory. */
char *sim_scenario_id(const char *path);

#endif
