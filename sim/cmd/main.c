/*
 * main.c - the rtcsim command.
 *
 *   rtcsim run [--seed N] [--out DIR] [--captures DIR] [--update-captures]
 *              [--quiet] PATH...
 *
 * Exit status: 0 every scenario passed; 1 a scenario failed; 2 bad usage,
 * or a scenario that could not run (script error, missing file, topology
 * error, unreadable golden), or the report could not be written.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/report.h"
#include "lua/scenario.h"

#define DEFAULT_OUT "reports/run"

static const char usage[] =
    "usage: rtcsim run [options] PATH...\n"
    "       rtcsim --help\n"
    "\n"
    "Runs Lua scenarios (files, or folders searched for *.lua) in the deterministic\n"
    "network simulator, checks their expectations and writes a report folder.\n"
    "\n"
    "options:\n"
    "  --seed N            root seed for every scenario (overrides scenario{seed=})\n"
    "  --out DIR           the report folder of this run (default " DEFAULT_OUT ");\n"
    "                      it gets junit.xml, summary.txt and a folder per scenario\n"
    "                      with events.jsonl, log.txt and the run's pcaps\n"
    "  --captures DIR      where golden pcaps are (default: captures/ beside the\n"
    "                      scenarios/ folder that holds the scenario)\n"
    "  --update-captures   rewrite the golden pcaps from this run, on purpose;\n"
    "                      review the change (tshark -r) before committing it\n"
    "  --quiet             print only the closing lines\n"
    "\n"
    "Each scenario prints a line: PASS, FAIL (an expectation did not hold) or\n"
    "ERROR (it could not run), then the run closes with 'N passed, N failed'.\n"
    "\n"
    "exit status: 0 all passed, 1 a scenario failed,\n"
    "             2 bad usage or a scenario that could not run\n"
    "\n"
    "Same scenario and seed: byte-identical pcaps, event logs and reports.\n"
    "The scenario API is described in docs/scenarios.md.\n";

typedef struct paths {
    char **v;
    size_t n;
} paths_t;

static void paths_add(paths_t *p, const char *s)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i], s) == 0)
            return;
    p->v = realloc(p->v, (p->n + 1) * sizeof *p->v);
    if (!p->v)
        abort();
    p->v[p->n++] = strdup(s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect(const char *path, paths_t *out)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "rtcsim: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        paths_add(out, path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "rtcsim: %s: %s\n", path, strerror(errno));
        return -1;
    }
    paths_t here = { 0 };
    struct dirent *e;
    while ((e = readdir(d))) {
        /* dot files, and lib/ (Lua shared by scenarios through require) */
        if (e->d_name[0] == '.' || strcmp(e->d_name, "lib") == 0)
            continue;
        char *child;
        size_t plen = strlen(path);
        while (plen > 1 && path[plen - 1] == '/')
            plen--;     /* "scenarios/" names its files as "scenarios" does */
        if (asprintf(&child, "%.*s/%s", (int)plen, path, e->d_name) < 0)
            abort();
        struct stat cs;
        size_t len = strlen(e->d_name);
        if (stat(child, &cs) == 0 &&
            (S_ISDIR(cs.st_mode) || (len > 4 && strcmp(e->d_name + len - 4, ".lua") == 0)))
            paths_add(&here, child);
        free(child);
    }
    closedir(d);
    /* Sorted, so the order of a run never depends on the file system. */
    qsort(here.v, here.n, sizeof *here.v, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < here.n; i++) {
        if (collect(here.v[i], out) < 0)
            rc = -1;
        free(here.v[i]);
    }
    free(here.v);
    return rc;
}

/* "scenarios/net/udp-echo.lua" -> "net/udp-echo"; outside a scenarios/
 * folder, the file's base name. */
static char *scenario_id(const char *path)
{
    const char *p = path, *hit = sim_scenarios_dir(path);
    if (hit)
        p = hit + strlen("scenarios/");
    else if (strrchr(path, '/'))
        p = strrchr(path, '/') + 1;
    char *id = strdup(p);
    size_t n = strlen(id);
    if (n > 4 && strcmp(id + n - 4, ".lua") == 0)
        id[n - 4] = '\0';
    return id;
}

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "rtcsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'rtcsim --help'.\n");
    return 2;
}

static int cmd_run(int argc, char **argv)
{
    sim_run_opts_t o = { 0 };
    const char *out = DEFAULT_OUT;
    bool quiet = false;
    paths_t files = { 0 };
    int first_path = argc;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            first_path = i + 1;
            break;
        }
        if (a[0] != '-') {
            first_path = i;
            break;
        }
        if (strcmp(a, "--seed") == 0 || strcmp(a, "--out") == 0 || strcmp(a, "--captures") == 0) {
            if (i + 1 >= argc)
                return bad_usage("option '%s' needs a value", a);
            const char *v = argv[++i];
            if (strcmp(a, "--seed") == 0) {
                char *end;
                errno = 0;
                unsigned long long seed = strtoull(v, &end, 10);
                if (!*v || *end || errno || v[0] == '-')
                    return bad_usage("--seed: '%s' is not a non-negative integer", v);
                o.seed = seed;
                o.seed_set = true;
            } else if (strcmp(a, "--out") == 0) {
                out = v;
            } else {
                o.captures_dir = v;
            }
        } else if (strcmp(a, "--update-captures") == 0) {
            o.update_captures = true;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else {
            return bad_usage("unknown option '%s'", a);
        }
    }
    if (first_path >= argc)
        return bad_usage("%s", "run: give at least one scenario file or folder");
    int rc = 0;
    for (int i = first_path; i < argc; i++) {
        if (argv[i][0] == '-')
            return bad_usage("options go before the paths: '%s'", argv[i]);
        if (collect(argv[i], &files) < 0)
            rc = 2;
    }
    if (rc == 0 && files.n == 0) {
        fprintf(stderr, "rtcsim: no scenario (*.lua) found in the given paths\n");
        rc = 2;
    }
    if (rc == 0 && sim_mkdirs(out) < 0) {
        fprintf(stderr, "rtcsim: cannot create output folder %s: %s\n", out, strerror(errno));
        rc = 2;
    }
    if (rc != 0) {
        for (size_t i = 0; i < files.n; i++)
            free(files.v[i]);
        free(files.v);
        return rc;
    }
    /* A report of an earlier run must never pass for this one's. */
    char path[4096];
    snprintf(path, sizeof path, "%s/junit.xml", out);
    unlink(path);
    snprintf(path, sizeof path, "%s/summary.txt", out);
    unlink(path);

    sim_result_t *res = calloc(files.n, sizeof *res);
    if (!res)
        abort();
    for (size_t i = 0; i < files.n; i++) {
        char *id = scenario_id(files.v[i]);
        char *dir;
        if (asprintf(&dir, "%s/%s", out, id) < 0)
            abort();
        sim_scenario_run(files.v[i], id, dir, &o, &res[i]);
        if (!quiet) {
            char *block = NULL;
            sim_report_block(&res[i], &block);
            fputs(block, stdout);
            fflush(stdout);
            free(block);
        }
        if (res[i].verdict == SIM_ERROR)
            rc = 2;
        else if (res[i].verdict == SIM_FAIL && rc == 0)
            rc = 1;
        free(dir);
        free(id);
    }
    char err[4200];
    if (sim_report_write(out, res, files.n, err, sizeof err) < 0) {
        fprintf(stderr, "rtcsim: %s\n", err);
        rc = 2;
    }
    char *closing = sim_report_closing(res, files.n);
    fputs(closing, stdout);
    free(closing);
    for (size_t i = 0; i < files.n; i++) {
        sim_result_clear(&res[i]);
        free(files.v[i]);
    }
    free(res);
    free(files.v);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "help") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (argc < 2)
        fputs(usage, stderr);
    else
        return bad_usage("unknown command '%s'", argv[1]);
    return 2;
}
