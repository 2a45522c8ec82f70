/*
 * report.c - junit.xml (one testcase per item, failures and errors
 * carrying their messages), summary.txt and results.jsonl, all rendered
 * from the results alone: `rtcsim merge` renders the same bytes from the
 * results.jsonl of shards.
 */
#include "cmd/report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/expect.h"

_Noreturn void sim_cmd_nomem(const char *what)
{
    /* no allocation here: stdio's stderr is unbuffered */
    fprintf(stderr, "rtcsim: out of memory (%s)\n", what);
    exit(2);
}

const char *sim_verdict_name(sim_verdict_t v)
{
    return v == SIM_PASS ? "PASS" : v == SIM_FAIL ? "FAIL" : v == SIM_SKIP ? "SKIP" : "ERROR";
}

/* XML 1.0 s.2.4 character data: escape markup; drop control characters
 * XML cannot carry. */
static void xml_put(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if (c >= 0x20 || c == '\n' || c == '\t')
                fputc(c, f);
        }
    }
}

static void first_line(const char *s, char *out, size_t cap)
{
    size_t n = s ? strcspn(s, "\n") : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s ? s : "", n);
    out[n] = '\0';
}

static int write_junit(const char *path, const sim_result_t *r, size_t n, bool sweep)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    size_t fails = 0, errors = 0, skips = 0;
    for (size_t i = 0; i < n; i++) {
        fails += r[i].verdict == SIM_FAIL;
        errors += r[i].verdict == SIM_ERROR;
        skips += r[i].verdict == SIM_SKIP;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"rtcsim\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
            "skipped=\"%zu\">\n", n, fails, errors, skips);
    fprintf(f, "  <testsuite name=\"rtcsim\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
            "skipped=\"%zu\">\n", n, fails, errors, skips);
    for (size_t i = 0; i < n; i++) {
        char t[32];
        /* time is the scenario's virtual duration, not the wall clock */
        /* D28: the id (unique, stable) as classname, the scenario's name as
         * name; in a sweep the seed makes each testcase's name unique */
        fprintf(f, "    <testcase classname=\"");
        xml_put(f, r[i].id);
        fprintf(f, "\" name=\"");
        xml_put(f, r[i].title);
        if (sweep)
            fprintf(f, " [seed %llu]", (unsigned long long)r[i].seed);
        fprintf(f, "\" file=\"");
        xml_put(f, r[i].file);
        fprintf(f, "\" time=\"%s\">\n", sim_time_str(r[i].end_time, t));
        if (r[i].verdict != SIM_PASS) {
            char line[512];
            first_line(r[i].messages, line, sizeof line);
            const char *tag = r[i].verdict == SIM_FAIL ? "failure"
                            : r[i].verdict == SIM_SKIP ? "skipped" : "error";
            fprintf(f, "      <%s message=\"", tag);
            xml_put(f, line);
            fprintf(f, "\">");
            xml_put(f, r[i].messages);
            fprintf(f, "</%s>\n", tag);
        }
        if (r[i].lost && !sweep)  /* no result: its seed (scenario{seed=}) is not known */
            fprintf(f, "      <system-out>no result");
        else
            fprintf(f, "      <system-out>seed %llu, %llu events",
                    (unsigned long long)r[i].seed, (unsigned long long)r[i].events);
        if (r[i].notes) {
            fputc('\n', f);
            xml_put(f, r[i].notes);
        }
        fprintf(f, "</system-out>\n");
        fprintf(f, "    </testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    return fclose(f);
}

/* text's lines, indented, appended to *out in one piece: a line at a time
 * through sim_strcatf would measure *out again for each (quadratic in a
 * scenario's 200,000 measures). */
static void indent_lines(char **out, const char *text)
{
    if (!text || !*text)
        return;
    char *block = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&block, &blen);
    if (!f)
        sim_cmd_nomem("a report block");
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        fprintf(f, "      %.*s\n", (int)len, p);
        p += len + (p[len] == '\n');
    }
    if (fclose(f) != 0 || !block)
        sim_cmd_nomem("a report block");
    sim_strcatf(out, "%.*s", (int)(blen - 1), block);   /* sim_strcatf ends the line */
    free(block);
}

/* s as one shell word: as it is when plainly safe, else single-quoted */
static char *shell_word(const char *s)
{
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789_./-+=:,";
    if (*s && !s[strspn(s, safe)])
        return strdup(s);
    char *q = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&q, &len);
    if (!f)
        sim_cmd_nomem("a report line");
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
    fclose(f);
    return q;
}

void sim_report_block(const sim_result_t *r, bool sweep, char **out)
{
    char t[32];
    char *name = NULL;
    if (strcmp(r->title, r->id) != 0 && asprintf(&name, "%s - %s", r->id, r->title) < 0)
        sim_cmd_nomem("a report line");
    if (r->lost && sweep)
        sim_strcatf(out, "%-5s %s  (seed %llu, no result)", sim_verdict_name(r->verdict),
                    name ? name : r->id, (unsigned long long)r->seed);
    else if (r->lost)
        sim_strcatf(out, "%-5s %s  (no result)", sim_verdict_name(r->verdict), name ? name : r->id);
    else
        sim_strcatf(out, "%-5s %s  (seed %llu, %s s virtual, %llu events)",
                    sim_verdict_name(r->verdict), name ? name : r->id,
                    (unsigned long long)r->seed, sim_time_str(r->end_time, t),
                    (unsigned long long)r->events);
    free(name);
    indent_lines(out, r->messages);
    indent_lines(out, r->notes);
    if (sweep && r->verdict != SIM_PASS) {
        char *w = shell_word(r->file);
        sim_strcatf(out, "      replay: rtcsim run --seed %llu %s", (unsigned long long)r->seed, w);
        free(w);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Over the items of one scenario (r[0..n), consecutive in the list), each
 * measure by name in the order first stated: min, median (the lower middle
 * one of an even count: a value some seed measured), max, over the seeds
 * that took it, and how many seeds failed it. */
static void scenario_measures(const sim_result_t *r, size_t n, char **out)
{
    bool header = false;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < r[i].nmeasures; j++) {
            const char *mname = r[i].measures[j].name;
            bool earlier = false;   /* summarised at its first appearance */
            for (size_t a = 0; a <= i && !earlier; a++)
                for (size_t b = 0; b < (a == i ? j : r[a].nmeasures) && !earlier; b++)
                    earlier = strcmp(r[a].measures[b].name, mname) == 0;
            if (earlier)
                continue;
            double *v = malloc(n * sizeof *v);
            if (!v)
                sim_cmd_nomem("the measures");
            size_t taken = 0, seeds = 0, failed = 0;
            for (size_t a = i; a < n; a++) {
                bool seen = false, bad = false;
                for (size_t b = 0; b < r[a].nmeasures; b++) {
                    const sim_measure_t *m = &r[a].measures[b];
                    if (strcmp(m->name, mname) != 0 || seen)
                        continue;
                    seen = true;
                    bad = !m->pass;
                    if (!isnan(m->value))
                        v[taken++] = m->value;
                }
                seeds += seen;
                failed += bad;
            }
            if (!header)
                sim_strcatf(out, "  %s", r[0].id);
            header = true;
            if (taken == 0) {
                sim_strcatf(out, "    %s  not taken  (%zu seeds, %zu failed)", mname, seeds, failed);
            } else {
                qsort(v, taken, sizeof *v, cmp_double);
                char a[32], b[32], c[32];
                sim_strcatf(out, "    %s  min %s  median %s  max %s  (%zu seeds, %zu failed)",
                            mname, sim_expect_num_str(v[0], a),
                            sim_expect_num_str(v[(taken - 1) / 2], b),
                            sim_expect_num_str(v[taken - 1], c), seeds, failed);
            }
            free(v);
        }
}

char *sim_report_tail(const sim_result_t *r, size_t n, const char *seeds)
{
    char *out = NULL;
    if (seeds[0]) {
        char *m = NULL;
        for (size_t i = 0, j; i < n; i = j) {
            for (j = i + 1; j < n && strcmp(r[j].id, r[i].id) == 0 &&
                            strcmp(r[j].file, r[i].file) == 0; j++)
                ;
            scenario_measures(&r[i], j - i, &m);
        }
        if (m) {
            sim_strcatf(&out, "measures over seeds %s:", seeds);
            out = realloc(out, strlen(out) + strlen(m) + 1);
            if (!out)
                sim_cmd_nomem("the report");
            strcat(out, m);
            free(m);
        }
    }
    size_t pass = 0, errors = 0, skips = 0;
    for (size_t i = 0; i < n; i++) {
        pass += r[i].verdict == SIM_PASS;
        errors += r[i].verdict == SIM_ERROR;
        skips += r[i].verdict == SIM_SKIP;
    }
    if (errors)
        sim_strcatf(&out, "%zu of the failed could not run (errors above)", errors);
    if (skips)      /* neither passed nor failed: not run here, and why is above (D134) */
        sim_strcatf(&out, "%zu skipped: they cannot run on this machine (reasons above)", skips);
    sim_strcatf(&out, "%zu passed, %zu failed", pass, n - pass - skips);
    return out;
}

static int write_text(const char *path, const char *a, const char *b)
{
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f || (a && fputs(a, f) < 0) || (b && fputs(b, f) < 0))
        rc = -1;
    if (f && fclose(f) != 0)
        rc = -1;
    return rc;
}

int sim_report_write(const char *dir, const sim_result_t *r, const size_t *item, size_t n,
                     const sim_runinfo_t *ri, char *err, size_t errlen)
{
    bool sweep = ri->seeds[0] != '\0';
    char path[4096];
    /* results.jsonl first: whatever else fails, merge has what it needs */
    snprintf(path, sizeof path, "%s/results.jsonl", dir);
    char *lines = NULL;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char *l = sim_results_line(&r[i], item[i], ri);
        lines = realloc(lines, len + strlen(l) + 1);
        if (!lines)
            sim_cmd_nomem("the results");
        strcpy(lines + len, l);
        len += strlen(l);
        free(l);
    }
    int rc = write_text(path, lines, NULL);
    free(lines);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/junit.xml", dir);
        rc = write_junit(path, r, n, sweep);
    }
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/summary.txt", dir);
        char *sum = NULL;
        for (size_t i = 0; i < n; i++)
            sim_report_block(&r[i], sweep, &sum);
        char *tail = sim_report_tail(r, n, ri->seeds);
        rc = write_text(path, sum, tail);
        free(sum);
        free(tail);
    }
    if (rc != 0)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return rc;
}
