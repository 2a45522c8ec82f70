/*
 * paths.c - scenario files and ids (paths.h).
 */
#include "cmd/paths.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lua/scenario.h"

int sim_paths_add(sim_paths_t *l, const char *s)
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

void sim_paths_free(sim_paths_t *l)
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

int sim_paths_collect(const char *path, sim_paths_t *out, FILE *err)
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
        if (sim_paths_add(out, path) < 0) {
            fprintf(err, "rtcsim: out of memory (the list of scenarios)\n");
            return -1;
        }
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(err, "rtcsim: %s: %s\n", path, strerror(errno));
        return -1;
    }
    sim_paths_t here = { 0 };
    size_t plen = strlen(path);
    while (plen > 1 && path[plen - 1] == '/')
        plen--;     /* "scenarios/" names its files as "scenarios" does */
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
            rc = sim_paths_add(&here, child);
        free(child);
    }
    closedir(d);
    if (rc < 0)
        fprintf(err, "rtcsim: out of memory (the list of scenarios)\n");
    if (here.n)     /* qsort of NULL is undefined, even of nothing */
        qsort(here.v, here.n, sizeof *here.v, cmp_str);
    for (size_t i = 0; rc == 0 && i < here.n; i++)
        rc = sim_paths_collect(here.v[i], out, err);
    sim_paths_free(&here);
    return rc;
}

char *sim_scenario_id(const char *path)
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
