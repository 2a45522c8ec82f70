/*
 * coverage.c - `rtcsim coverage`: which scenarios cover which entry of the
 * coverage catalogue (issue 11, "What the suite covers, traced";
 * docs/decisions.md D110-D113).
 *
 * Each scenario's header is read without running it (sim_scenario_header:
 * the script runs in its sandbox up to scenario{} and stops), its covers=
 * checked against the catalogue; then every entry is listed with the
 * scenarios that cover it, the uncovered ones marked NOT COVERED, and the
 * share covered per group and in all. Deterministic: scenarios in path
 * order (folders sorted), entries in catalogue order.
 */
#include "cmd/coverage.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lua/catalogue.h"
#include "lua/scenario.h"

static const char usage[] =
    "usage: rtcsim coverage [--json] [--catalogue FILE] [PATH...]\n"
    "\n"
    "Reads the header of every scenario under PATH (files, or folders searched\n"
    "for *.lua; default: scenarios) without running it, and lists every entry\n"
    "of the coverage catalogue with the scenarios whose scenario{covers=}\n"
    "names it, NOT COVERED where none does, then the share covered per group\n"
    "(spec, each RFC) and in total.\n"
    "\n"
    "  --catalogue FILE  the catalogue (default: the one the first scenario is\n"
    "                    checked against: scenarios/coverage.txt beside it)\n"
    "  --json            one JSON object instead of the text (keys sorted)\n"
    "\n"
    "exit status: 0 listed; 2 bad usage, an unreadable catalogue or scenario,\n"
    "             or an id that is not in the catalogue\n";

typedef struct list {
    char **v;
    size_t n;
} list_t;

/* 0, or -1 out of memory. */
static int list_add(list_t *l, const char *s)
{
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        return -1;
    l->v = v;
    if (!(v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

static void list_free(list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The scenarios under path as `rtcsim run` finds them: a file as given; a
 * folder's *.lua and subfolders, sorted, without dot files and lib/.
 * 0, or -1 with the message on err. */
static int collect(const char *path, list_t *out, FILE *err)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(err, "rtcsim: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        for (size_t i = 0; i < out->n; i++)
            if (strcmp(out->v[i], path) == 0)
                return 0;
        return list_add(out, path) < 0 ? (fprintf(err, "rtcsim: out of memory\n"), -1) : 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(err, "rtcsim: %s: %s\n", path, strerror(errno));
        return -1;
    }
    list_t here = { 0 };
    size_t plen = strlen(path);
    while (plen > 1 && path[plen - 1] == '/')
        plen--;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "lib") == 0)
            continue;
        char *child;
        if (asprintf(&child, "%.*s/%s", (int)plen, path, e->d_name) < 0) {
            rc = -1;
            break;
        }
        struct stat cs;
        size_t len = strlen(e->d_name);
        if (stat(child, &cs) == 0 &&
            (S_ISDIR(cs.st_mode) || (len > 4 && strcmp(e->d_name + len - 4, ".lua") == 0)))
            rc = list_add(&here, child);
        free(child);
    }
    closedir(d);
    if (rc < 0)
        fprintf(err, "rtcsim: out of memory\n");
    if (here.n)     /* qsort of NULL is undefined, even of nothing */
        qsort(here.v, here.n, sizeof *here.v, cmp_str);
    for (size_t i = 0; rc == 0 && i < here.n; i++)
        rc = collect(here.v[i], out, err);
    list_free(&here);
    return rc;
}

/* The scenario's id as `rtcsim run` names it: "ice/lan-host". */
static char *scenario_id(const char *path)
{
    const char *p = path, *hit = sim_scenarios_dir(path);
    if (hit)
        p = hit + strlen("scenarios/");
    else if (strrchr(path, '/'))
        p = strrchr(path, '/') + 1;
    char *id = strdup(p);
    size_t n = id ? strlen(id) : 0;
    if (n > 4 && strcmp(id + n - 4, ".lua") == 0)
        id[n - 4] = '\0';
    return id;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* D112: a share is covered / total, printed to one decimal, rounded half
 * up in integers (so 2/3 is 66.7% on every machine's printf); an empty
 * group is 0.0%. */
static void print_share(FILE *f, size_t covered, size_t total)
{
    unsigned long long permille = total ? (2000ull * covered + total) / (2 * total) : 0;
    fprintf(f, "%zu/%zu %llu.%llu%%", covered, total, permille / 10, permille % 10);
}

typedef struct cov {
    const sim_catalogue_t *cat;
    list_t   ids;               /* scenario ids, in path order */
    list_t  *covers;            /* per scenario: its covers= */
    list_t  *by;                /* per entry: the scenario ids covering it */
} cov_t;

static void write_text(const cov_t *c, FILE *out)
{
    size_t w = 0;
    for (size_t i = 0; i < c->cat->n; i++)
        if (strlen(c->cat->v[i].id) > w)
            w = strlen(c->cat->v[i].id);
    fprintf(out, "coverage of %s by %zu scenarios\n", c->cat->path, c->ids.n);
    for (size_t g = 0; g < c->cat->ngroups; g++) {
        fprintf(out, "\n%s\n", c->cat->groups[g]);
        for (size_t i = 0; i < c->cat->n; i++) {
            const sim_cat_entry_t *e = &c->cat->v[i];
            if (e->group != g)
                continue;
            fprintf(out, "  %-*s  ", (int)w, e->id);
            if (c->by[i].n == 0) {
                fprintf(out, "NOT COVERED  %s\n", e->desc);
                continue;
            }
            for (size_t j = 0; j < c->by[i].n; j++)
                fprintf(out, "%s%s", j ? ", " : "", c->by[i].v[j]);
            fputc('\n', out);
        }
    }
    size_t none = 0;
    for (size_t i = 0; i < c->ids.n; i++)
        none += c->covers[i].n == 0;
    if (none) {
        fprintf(out, "\nscenarios that declare no coverage:");
        for (size_t i = 0; i < c->ids.n; i++)
            if (c->covers[i].n == 0)
                fprintf(out, " %s", c->ids.v[i]);
        fputc('\n', out);
    }
    fprintf(out, "\nshare covered\n");
    size_t gw = strlen("total");
    for (size_t g = 0; g < c->cat->ngroups; g++)
        if (strlen(c->cat->groups[g]) > gw)
            gw = strlen(c->cat->groups[g]);
    for (size_t g = 0; g <= c->cat->ngroups; g++) {
        size_t n = 0, total = 0;
        for (size_t i = 0; i < c->cat->n; i++)
            if (g == c->cat->ngroups || c->cat->v[i].group == g) {
                total++;
                n += c->by[i].n > 0;
            }
        fprintf(out, "  %-*s  ", (int)gw, g < c->cat->ngroups ? c->cat->groups[g] : "total");
        print_share(out, n, total);
        fputc('\n', out);
    }
}

static void json_list(FILE *out, const list_t *l)
{
    fputc('[', out);
    for (size_t j = 0; j < l->n; j++) {
        if (j)
            fputc(',', out);
        json_str(out, l->v[j]);
    }
    fputc(']', out);
}

/* Keys in byte order, as every writer of the project (DESIGN.md). */
static void write_json(const cov_t *c, FILE *out)
{
    fprintf(out, "{\"catalogue\":");
    json_str(out, c->cat->path);
    fprintf(out, ",\"entries\":[");
    for (size_t i = 0; i < c->cat->n; i++) {
        const sim_cat_entry_t *e = &c->cat->v[i];
        fprintf(out, "%s{\"covered_by\":", i ? "," : "");
        json_list(out, &c->by[i]);
        fprintf(out, ",\"description\":");
        json_str(out, e->desc);
        fprintf(out, ",\"group\":");
        json_str(out, c->cat->groups[e->group]);
        fprintf(out, ",\"id\":");
        json_str(out, e->id);
        fputc('}', out);
    }
    fprintf(out, "],\"groups\":[");
    size_t all = 0;
    for (size_t g = 0; g < c->cat->ngroups; g++) {
        size_t n = 0, total = 0;
        for (size_t i = 0; i < c->cat->n; i++)
            if (c->cat->v[i].group == g) {
                total++;
                n += c->by[i].n > 0;
            }
        all += n;
        fprintf(out, "%s{\"covered\":%zu,\"group\":", g ? "," : "", n);
        json_str(out, c->cat->groups[g]);
        fprintf(out, ",\"total\":%zu}", total);
    }
    fprintf(out, "],\"scenarios\":[");
    for (size_t i = 0; i < c->ids.n; i++) {
        fprintf(out, "%s{\"covers\":", i ? "," : "");
        json_list(out, &c->covers[i]);
        fprintf(out, ",\"id\":");
        json_str(out, c->ids.v[i]);
        fputc('}', out);
    }
    fprintf(out, "],\"total\":{\"covered\":%zu,\"total\":%zu}}\n", all, c->cat->n);
}

static int bad_usage(FILE *err, const char *fmt, const char *arg)
{
    fprintf(err, "rtcsim: coverage: ");
    fprintf(err, fmt, arg);
    fprintf(err, "\nTry 'rtcsim coverage --help'.\n");
    return 2;
}

int sim_cmd_coverage(int argc, char **argv, FILE *out, FILE *err)
{
    bool json = false, opts = true;
    const char *catpath = NULL;
    list_t paths = { 0 }, files = { 0 };
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = false;
        } else if (opts && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            fputs(usage, out);
            list_free(&paths);
            return 0;
        } else if (opts && strcmp(a, "--json") == 0) {
            json = true;
        } else if (opts && strncmp(a, "--catalogue=", 12) == 0) {
            catpath = a + 12;
        } else if (opts && strcmp(a, "--catalogue") == 0) {
            if (i + 1 == argc)
                rc = bad_usage(err, "option '%s' needs a value", a);
            else
                catpath = argv[++i];
        } else if (opts && a[0] == '-' && a[1]) {
            rc = bad_usage(err, "unknown option '%s'", a);
        } else if (list_add(&paths, a) < 0) {
            fprintf(err, "rtcsim: out of memory\n");
            rc = 2;
        }
    }
    if (rc == 0 && catpath && !*catpath)
        rc = bad_usage(err, "%s", "--catalogue: the file name is empty");
    if (rc == 0 && paths.n == 0 && list_add(&paths, "scenarios") < 0)
        rc = 2;
    for (size_t i = 0; rc == 0 && i < paths.n; i++)
        if (collect(paths.v[i], &files, err) < 0)
            rc = 2;
    if (rc == 0 && files.n == 0) {
        fprintf(err, "rtcsim: coverage: no scenario (*.lua) under the paths given\n");
        rc = 2;
    }
    list_free(&paths);

    sim_catalogue_t *cat = NULL;
    if (rc == 0) {
        char *derived = catpath ? NULL : sim_catalogue_path(files.v[0]), *msg = NULL;
        cat = sim_catalogue_load(catpath ? catpath : derived ? derived : "", &msg);
        if (!cat) {
            fprintf(err, "rtcsim: %s\n", msg ? msg : "out of memory");
            rc = 2;
        }
        free(msg);
        free(derived);
    }
    cov_t c = { .cat = cat };
    if (rc == 0) {
        c.covers = calloc(files.n, sizeof *c.covers);
        c.by = calloc(cat->n, sizeof *c.by);
        if (!c.covers || !c.by) {
            fprintf(err, "rtcsim: out of memory\n");
            rc = 2;
        }
    }
    /* Every header is read, so that one run names every bad declaration. */
    for (size_t i = 0; rc != 2 && c.covers && i < files.n; i++) {
        sim_header_t h;
        sim_scenario_header(files.v[i], cat, &h);
        char *id = scenario_id(files.v[i]);
        if (!id || list_add(&c.ids, id) < 0) {
            fprintf(err, "rtcsim: out of memory\n");
            free(id);
            sim_header_clear(&h);
            rc = 2;
            break;
        }
        if (h.error) {
            fprintf(err, "rtcsim: %s\n", h.error);
            rc = 1;         /* go on reading; 2 at the end */
        }
        for (size_t j = 0; j < h.ncovers; j++) {
            long e = sim_catalogue_find(cat, h.covers[j]);
            if (list_add(&c.covers[i], h.covers[j]) < 0 || (e >= 0 && list_add(&c.by[e], id) < 0)) {
                fprintf(err, "rtcsim: out of memory\n");
                rc = 2;
            }
        }
        free(id);
        sim_header_clear(&h);
    }
    if (rc == 1)
        rc = 2;
    if (rc == 0) {
        if (json)
            write_json(&c, out);
        else
            write_text(&c, out);
        if (fflush(out) != 0 || ferror(out)) {
            fprintf(err, "rtcsim: coverage: cannot write the listing: %s\n", strerror(errno));
            rc = 2;
        }
    }
    for (size_t i = 0; c.covers && i < files.n; i++)
        list_free(&c.covers[i]);
    for (size_t i = 0; c.by && i < cat->n; i++)
        list_free(&c.by[i]);
    free(c.covers);
    free(c.by);
    list_free(&c.ids);
    list_free(&files);
    sim_catalogue_free(cat);
    return rc;
}
