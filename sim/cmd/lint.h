/*
 * lint.h - `rtcsim lint FILE...` (lint.c): every packet of captures
 * written anywhere checked against its RFC (trace/lint.h).
 */
#ifndef SIM_CMD_LINT_H
#define SIM_CMD_LINT_H

#include <stdio.h>

/* argv: the arguments after "lint". 0 clean, 1 errors found, 2 bad usage
 * or a file that cannot be read (or is corrupt or truncated). */
int sim_cmd_lint(int argc, char **argv, FILE *out, FILE *err);

#endif
