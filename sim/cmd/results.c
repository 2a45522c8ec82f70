/*
 * results.c - results as JSON lines (results.h): RFC 8259 text, written
 * with keys sorted and numbers in their shortest exact form, so a line read
 * back renders the very bytes the run rendered.
 */
#include "cmd/results.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/expect.h"
#include "cmd/report.h"

/* ---- writing ------------------------------------------------------------------ */

/* RFC 8259 s.7: quote, backslash and control characters escaped; other
 * bytes as they are (a message is whatever bytes the run produced). */
static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* JSON has no infinities: a bound that was not given is the string "inf"
 * or "-inf" (and an untaken measure "nan"). */
static void put_num(FILE *f, double x)
{
    char b[32];
    sim_expect_num_str(x, b);
    if (isfinite(x))
        fputs(b, f);
    else
        fprintf(f, "\"%s\"", b);
}

char *sim_results_line(const sim_result_t *r, size_t item, const sim_runinfo_t *ri)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        sim_cmd_nomem("a results line");
    fprintf(f, "{\"end_time\":%llu,\"events\":%llu,\"file\":", (unsigned long long)r->end_time,
            (unsigned long long)r->events);
    put_str(f, r->file);
    fputs(",\"id\":", f);
    put_str(f, r->id);
    fprintf(f, ",\"item\":%zu,\"items\":%zu,\"list\":\"%016llx\",\"lost\":%s,\"measures\":[",
            item, ri->items, (unsigned long long)ri->list, r->lost ? "true" : "false");
    for (size_t i = 0; i < r->nmeasures; i++) {
        const sim_measure_t *m = &r->measures[i];
        fputs(i ? ",{\"max\":" : "{\"max\":", f);
        put_num(f, m->max);
        fputs(",\"min\":", f);
        put_num(f, m->min);
        fputs(",\"name\":", f);
        put_str(f, m->name);
        fprintf(f, ",\"pass\":%s,\"value\":", m->pass ? "true" : "false");
        put_num(f, m->value);
        fputc('}', f);
    }
    fputs("],\"messages\":", f);
    put_str(f, r->messages);
    fputs(",\"notes\":", f);
    put_str(f, r->notes);
    fprintf(f, ",\"seed\":%llu,\"seeds\":", (unsigned long long)r->seed);
    put_str(f, ri->seeds);
    fputs(",\"title\":", f);
    put_str(f, r->title);
    fputs(",\"verdict\":", f);
    put_str(f, sim_verdict_name(r->verdict));
    fputs("}\n", f);
    if (fclose(f) != 0)
        sim_cmd_nomem("a results line");
    return buf;
}

/* ---- reading -------------------------------------------------------------------- */

typedef struct rd {
    const char *p;
    const char *err;        /* the first problem */
} rd_t;

static void skip_ws(rd_t *d)
{
    while (*d->p == ' ' || *d->p == '\t' || *d->p == '\r' || *d->p == '\n')
        d->p++;
}

static bool fail(rd_t *d, const char *what)
{
    if (!d->err)
        d->err = what;
    return false;
}

static bool eat(rd_t *d, char c)
{
    skip_ws(d);
    if (*d->p != c)
        return false;
    d->p++;
    return true;
}

/* A string; malloc'd into *out. Only the escapes put_str writes, and the
 * other simple ones of RFC 8259 s.7; \u only below 0x80. */
static bool get_str(rd_t *d, char **out)
{
    skip_ws(d);
    if (*d->p != '"')
        return fail(d, "expected a string");
    d->p++;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        sim_cmd_nomem("reading results");
    bool ok = true;
    for (;;) {
        char c = *d->p++;
        if (c == '"')
            break;
        if (c == '\0' || (unsigned char)c < 0x20) {
            ok = fail(d, "unterminated string");
            d->p--;
            break;
        }
        if (c != '\\') {
            fputc(c, f);
            continue;
        }
        c = *d->p++;
        const char *simple = strchr("\"\\/bfnrt", c);
        if (c && simple) {
            fputc("\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"], f);
        } else if (c == 'u') {
            unsigned v;
            int n = 0;
            if (sscanf(d->p, "%4x%n", &v, &n) != 1 || n != 4 || v >= 0x80 || v == 0) {
                ok = fail(d, "unsupported \\u escape");
                break;
            }
            fputc((int)v, f);
            d->p += 4;
        } else {
            if (!c)
                d->p--;     /* never past the end */
            ok = fail(d, "bad escape in a string");
            break;
        }
    }
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    *out = buf;
    return true;
}

static bool get_u64(rd_t *d, uint64_t *out)
{
    skip_ws(d);
    if (*d->p < '0' || *d->p > '9')
        return fail(d, "expected a non-negative integer");
    char *end;
    errno = 0;
    unsigned long long v = strtoull(d->p, &end, 10);
    if (errno)
        return fail(d, "integer out of range");
    d->p = end;
    *out = v;
    return true;
}

static bool get_bool(rd_t *d, bool *out)
{
    skip_ws(d);
    if (strncmp(d->p, "true", 4) == 0) {
        d->p += 4;
        *out = true;
        return true;
    }
    if (strncmp(d->p, "false", 5) == 0) {
        d->p += 5;
        *out = false;
        return true;
    }
    return fail(d, "expected true or false");
}

static bool get_num(rd_t *d, double *out)
{
    skip_ws(d);
    if (*d->p == '"') {
        char *s;
        if (!get_str(d, &s))
            return false;
        bool ok = true;
        if (strcmp(s, "inf") == 0)
            *out = INFINITY;
        else if (strcmp(s, "-inf") == 0)
            *out = -INFINITY;
        else if (strcmp(s, "nan") == 0)
            *out = NAN;
        else
            ok = fail(d, "expected a number");
        free(s);
        return ok;
    }
    char *end;
    *out = strtod(d->p, &end);
    if (end == d->p)
        return fail(d, "expected a number");
    d->p = end;
    return true;
}

/* A string value for key, or "" as NULL (no messages, no notes). */
static bool get_opt_str(rd_t *d, char **out)
{
    if (!get_str(d, out))
        return false;
    if (!**out) {
        free(*out);
        *out = NULL;
    }
    return true;
}

static bool get_measures(rd_t *d, sim_result_t *r)
{
    if (!eat(d, '['))
        return fail(d, "measures: expected a list");
    if (eat(d, ']'))
        return true;
    do {
        if (!eat(d, '{'))
            return fail(d, "measures: expected an object");
        sim_measure_t m = { 0 };
        char *name = NULL;
        unsigned seen = 0;
        do {
            char *key;
            if (!get_str(d, &key))
                break;
            bool ok = eat(d, ':') || fail(d, "expected ':'");
            if (ok && strcmp(key, "max") == 0)
                ok = get_num(d, &m.max), seen |= 1;
            else if (ok && strcmp(key, "min") == 0)
                ok = get_num(d, &m.min), seen |= 2;
            else if (ok && strcmp(key, "name") == 0 && !name)
                ok = get_str(d, &name), seen |= 4;
            else if (ok && strcmp(key, "pass") == 0)
                ok = get_bool(d, &m.pass), seen |= 8;
            else if (ok && strcmp(key, "value") == 0)
                ok = get_num(d, &m.value), seen |= 16;
            else if (ok)
                ok = fail(d, "measures: unknown key");
            free(key);
            if (!ok)
                break;
        } while (eat(d, ','));
        if (!d->err && (!eat(d, '}') || seen != 31))
            fail(d, "measures: an entry is incomplete");
        if (d->err) {
            free(name);
            return false;
        }
        sim_result_add_measure(r, name, m.value, m.min, m.max, m.pass);
        free(name);
    } while (eat(d, ','));
    return eat(d, ']') || fail(d, "measures: expected ']'");
}

int sim_results_parse(const char *line, sim_result_t *r, size_t *item, sim_runinfo_t *ri,
                      char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    memset(ri, 0, sizeof *ri);
    rd_t d = { .p = line };
    uint64_t u, seen = 0;
    char *verdict = NULL, *seeds = NULL, *list = NULL;
    if (!eat(&d, '{'))
        fail(&d, "expected an object");
    while (!d.err) {
        char *key;
        if (!get_str(&d, &key))
            break;
        if (!eat(&d, ':')) {
            free(key);
            fail(&d, "expected ':'");
            break;
        }
        /* each key once: a bit per key of the sorted list */
        static const char *const keys[] = { "end_time", "events", "file", "id", "item", "items",
                                            "list", "lost", "measures", "messages", "notes",
                                            "seed", "seeds", "title", "verdict", NULL };
        int k = 0;
        while (keys[k] && strcmp(keys[k], key) != 0)
            k++;
        free(key);
        if (!keys[k] || (seen & (1u << k))) {
            fail(&d, keys[k] ? "a key is given twice" : "unknown key");
            break;
        }
        seen |= 1u << k;
        switch (k) {
        case 0: if (get_u64(&d, &u)) r->end_time = (sim_time_t)u; break;
        case 1: if (get_u64(&d, &u)) r->events = u; break;
        case 2: get_str(&d, &r->file); break;
        case 3: get_str(&d, &r->id); break;
        case 4: if (get_u64(&d, &u)) *item = (size_t)u; break;
        case 5: if (get_u64(&d, &u)) ri->items = (size_t)u; break;
        case 6: get_str(&d, &list); break;
        case 7: get_bool(&d, &r->lost); break;
        case 8: get_measures(&d, r); break;
        case 9: get_opt_str(&d, &r->messages); break;
        case 10: get_opt_str(&d, &r->notes); break;
        case 11: get_u64(&d, &r->seed); break;
        case 12: get_str(&d, &seeds); break;
        case 13: get_str(&d, &r->title); break;
        case 14: get_str(&d, &verdict); break;
        }
        if (d.err || !eat(&d, ','))
            break;
    }
    if (!d.err && !eat(&d, '}'))
        fail(&d, "expected ',' or '}'");
    skip_ws(&d);
    if (!d.err && *d.p)
        fail(&d, "text after the object");
    if (!d.err && seen != (1u << 15) - 1)
        fail(&d, "a key is missing");
    if (!d.err) {
        char *end;
        ri->list = strtoull(list, &end, 16);
        if (strlen(list) != 16 || *end)
            fail(&d, "list: expected 16 hex digits");
        if (strlen(seeds) >= sizeof ri->seeds)
            fail(&d, "seeds: too long");
        else
            strcpy(ri->seeds, seeds);
        if (strcmp(verdict, "PASS") == 0)
            r->verdict = SIM_PASS;
        else if (strcmp(verdict, "FAIL") == 0)
            r->verdict = SIM_FAIL;
        else if (strcmp(verdict, "ERROR") == 0)
            r->verdict = SIM_ERROR;
        else if (strcmp(verdict, "SKIP") == 0)
            r->verdict = SIM_SKIP;
        else
            fail(&d, "verdict: expected PASS, FAIL, ERROR or SKIP");
    }
    free(verdict);
    free(seeds);
    free(list);
    if (d.err) {
        snprintf(err, errlen, "%s at byte %td", d.err, d.p - line);
        sim_result_clear(r);
        return -1;
    }
    return 0;
}
