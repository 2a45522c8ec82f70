/*
 * catalogue.c - reading the coverage catalogue (catalogue.h). A malformed
 * line is an error naming the file and line, never skipped: the catalogue
 * is what every scenario's covers= is checked against, and a silently
 * dropped id would turn declarations into errors far from their cause.
 */
#include "lua/catalogue.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0)
        *err = NULL;
    va_end(ap);
}

void sim_catalogue_free(sim_catalogue_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].id);
        free(c->v[i].desc);
    }
    for (size_t i = 0; i < c->ngroups; i++)
        free(c->groups[i]);
    free(c->v);
    free(c->groups);
    free(c->path);
    free(c);
}

long sim_catalogue_find(const sim_catalogue_t *c, const char *id)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].id, id) == 0)
            return (long)i;
    return -1;
}

/* The group's index, added at the end when new; -1 out of memory. */
static long group_of(sim_catalogue_t *c, const char *g, size_t glen)
{
    for (size_t i = 0; i < c->ngroups; i++)
        if (strlen(c->groups[i]) == glen && memcmp(c->groups[i], g, glen) == 0)
            return (long)i;
    char **v = realloc(c->groups, (c->ngroups + 1) * sizeof *v);
    if (!v)
        return -1;
    c->groups = v;
    if (!(v[c->ngroups] = strndup(g, glen)))
        return -1;
    return (long)c->ngroups++;
}

/* One line that is not blank or a comment: 0, 1 malformed (*err set), -1
 * out of memory. */
static int add_line(sim_catalogue_t *c, char *s, int line, char **err)
{
    size_t idlen = strcspn(s, " \t");
    const char *colon = memchr(s, ':', idlen);
    size_t glen = colon ? (size_t)(colon - s) : 0;
    if (!colon || glen == 0 || glen + 1 == idlen) {
        fail(err, "%s:%d: '%.*s' is not an id GROUP:NAME", c->path, line, (int)idlen, s);
        return 1;
    }
    for (size_t i = 0; i < glen; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))) {
            fail(err, "%s:%d: the group '%.*s' of an id is lower-case letters and digits",
                 c->path, line, (int)glen, s);
            return 1;
        }
    for (size_t i = glen + 1; i < idlen; i++)
        if (s[i] <= ' ' || s[i] > '~') {
            fail(err, "%s:%d: the id '%.*s' has a byte 0x%02x: printable ASCII only",
                 c->path, line, (int)idlen, s, (unsigned char)s[i]);
            return 1;
        }
    const char *d = s + idlen + strspn(s + idlen, " \t");
    if (!*d) {
        fail(err, "%s:%d: '%.*s' has no description (ID, spaces, then what it is)", c->path,
             line, (int)idlen, s);
        return 1;
    }
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->v[i].id) == idlen && memcmp(c->v[i].id, s, idlen) == 0) {
            fail(err, "%s:%d: '%.*s' is already the id of line %d", c->path, line, (int)idlen,
                 s, c->v[i].line);
            return 1;
        }
    long g = group_of(c, s, glen);
    if (g < 0)
        return -1;
    if ((c->n & (c->n - 1)) == 0) {     /* 0, 1, 2, 4, ...: double the room */
        sim_cat_entry_t *v = realloc(c->v, (c->n ? 2 * c->n : 1) * sizeof *v);
        if (!v)
            return -1;
        c->v = v;
    }
    sim_cat_entry_t *e = &c->v[c->n];
    e->id = strndup(s, idlen);
    e->desc = strdup(d);
    e->group = (size_t)g;
    e->line = line;
    if (!e->id || !e->desc) {
        free(e->id);
        free(e->desc);
        return -1;
    }
    c->n++;
    return 0;
}

sim_catalogue_t *sim_catalogue_load(const char *path, char **err)
{
    *err = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        fail(err, "cannot read the coverage catalogue %s: %s", path, strerror(errno));
        return NULL;
    }
    sim_catalogue_t *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path))) {
        free(c);
        fclose(f);
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    int line = 0, rc = 0;
    while (rc == 0 && (len = getline(&buf, &cap, f)) >= 0) {
        line++;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
                           buf[len - 1] == ' ' || buf[len - 1] == '\t'))
            buf[--len] = '\0';
        if ((size_t)len != strlen(buf)) {
            fail(err, "%s:%d: a NUL byte", path, line);
            rc = 1;
            break;
        }
        char *s = buf + strspn(buf, " \t");
        if (*s && *s != '#')
            rc = add_line(c, s, line, err);
    }
    if (rc == 0 && ferror(f)) {
        fail(err, "cannot read the coverage catalogue %s: %s", path, strerror(errno));
        rc = 1;
    }
    free(buf);
    fclose(f);
    if (rc == 0 && c->n == 0) {
        fail(err, "%s: the coverage catalogue has no entries", path);
        rc = 1;
    }
    if (rc != 0) {
        sim_catalogue_free(c);
        return NULL;
    }
    return c;
}
