/*
 * fixture.c - the scenario fixture of the test suites (fixture.h).
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

char fx_dir[256];

void fx_setup(void)
{
    snprintf(fx_dir, sizeof fx_dir, "/tmp/rtcsim-test-XXXXXX");
    ck_assert(mkdtemp(fx_dir));
    char d[300];
    snprintf(d, sizeof d, "%s/scenarios", fx_dir);
    mkdir(d, 0777);
    snprintf(d, sizeof d, "%s/captures", fx_dir);
    mkdir(d, 0777);
}

void fx_teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx_dir);
    ck_assert_int_eq(system(cmd), 0);
}

sim_verdict_t fx_run_opts(const char *name, const char *lua, const sim_run_opts_t *o,
                          sim_result_t *r)
{
    char path[512], out[512];
    snprintf(path, sizeof path, "%s/scenarios/%s.lua", fx_dir, name);
    FILE *f = fopen(path, "w");
    ck_assert(f);
    fputs(lua, f);
    fclose(f);
    snprintf(out, sizeof out, "%s/out/%s", fx_dir, name);
    sim_scenario_run(path, name, out, o, r);
    return r->verdict;
}

sim_verdict_t fx_run(const char *name, const char *lua, sim_result_t *r)
{
    sim_run_opts_t o = { 0 };
    return fx_run_opts(name, lua, &o, r);
}
