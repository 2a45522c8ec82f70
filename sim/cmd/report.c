/*
 * report.c - junit.xml (one testcase per scenario, failures and errors
 * carrying their messages) and summary.txt.
 */
#include "cmd/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sim_verdict_name(sim_verdict_t v)
{
    return v == SIM_PASS ? "PASS" : v == SIM_FAIL ? "FAIL" : "ERROR";
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

static int write_junit(const char *path, const sim_result_t *r, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    size_t fails = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        fails += r[i].verdict == SIM_FAIL;
        errors += r[i].verdict == SIM_ERROR;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"rtcsim\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n", n,
            fails, errors);
    fprintf(f, "  <testsuite name=\"rtcsim\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
            n, fails, errors);
    for (size_t i = 0; i < n; i++) {
        char t[32];
        /* time is the scenario's virtual duration, not the wall clock */
        fprintf(f, "    <testcase classname=\"rtcsim\" name=\"");
        xml_put(f, r[i].id);
        fprintf(f, "\" file=\"");
        xml_put(f, r[i].file);
        fprintf(f, "\" time=\"%s\">\n", sim_time_str(r[i].end_time, t));
        if (r[i].verdict != SIM_PASS) {
            char line[512];
            first_line(r[i].messages, line, sizeof line);
            const char *tag = r[i].verdict == SIM_FAIL ? "failure" : "error";
            fprintf(f, "      <%s message=\"", tag);
            xml_put(f, line);
            fprintf(f, "\">");
            xml_put(f, r[i].messages);
            fprintf(f, "</%s>\n", tag);
        }
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

static void indent_lines(char **out, const char *text)
{
    for (const char *p = text; p && *p;) {
        size_t len = strcspn(p, "\n");
        sim_strcatf(out, "      %.*s", (int)len, p);
        p += len + (p[len] == '\n');
    }
}

void sim_report_block(const sim_result_t *r, char **out)
{
    char t[32];
    sim_strcatf(out, "%-5s %s  (seed %llu, %s s virtual, %llu events)", sim_verdict_name(r->verdict),
                r->id, (unsigned long long)r->seed, sim_time_str(r->end_time, t),
                (unsigned long long)r->events);
    indent_lines(out, r->messages);
    indent_lines(out, r->notes);
}

char *sim_report_closing(const sim_result_t *r, size_t n)
{
    char *out = NULL;
    size_t pass = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        pass += r[i].verdict == SIM_PASS;
        errors += r[i].verdict == SIM_ERROR;
    }
    if (errors)
        sim_strcatf(&out, "%zu of the failed could not run (errors above)", errors);
    sim_strcatf(&out, "%zu passed, %zu failed", pass, n - pass);
    return out;
}

int sim_report_write(const char *dir, const sim_result_t *r, size_t n, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/junit.xml", dir);
    if (write_junit(path, r, n) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/summary.txt", dir);
    char *sum = NULL;
    for (size_t i = 0; i < n; i++)
        sim_report_block(&r[i], &sum);
    char *closing = sim_report_closing(r, n);
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f || (sum && fputs(sum, f) < 0) || fputs(closing, f) < 0)
        rc = -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(sum);
    free(closing);
    if (rc < 0)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return rc;
}
