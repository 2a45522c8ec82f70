/*
 * fixture.c - what the test suites share (fixture.h).
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---- RFC 5769 ------------------------------------------------------------ */

/* RFC 5769 s.2.1 */
const char RFC5769_REQUEST[] =
    "00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
    "00 24 00 04 6e 00 01 ff"
    "80 29 00 08 93 2f f9 b1 51 26 3b 36"
    "00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
    "00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
    "80 28 00 04 e5 7a 3b cf";
/* s.2.2 */
const char RFC5769_RESPONSE_V4[] =
    "01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
    "00 20 00 08 00 01 a1 47 e1 12 a6 43"
    "00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
    "80 28 00 04 c0 7d 4c 96";
/* s.2.3 */
const char RFC5769_RESPONSE_V6[] =
    "01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
    "00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
    "00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
    "80 28 00 04 c8 fb 0b 4c";
/* s.2.4 */
const char RFC5769_LONG_TERM[] =
    "00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e"
    "00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00"
    "00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41"
    "00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00"
    "00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66";

size_t fx_unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;
    for (unsigned v; *hex; hex++)
        if (*hex != ' ' && sscanf(hex, "%2x", &v) == 1) {
            out[n++] = (uint8_t)v;
            hex++;
        }
    return n;
}

bool fx_refuse(void *ctx, size_t more)
{
    fx_refuser_t *r = ctx;
    long k = ++r->n;
    if (k == r->fail_at || (r->all && k > r->fail_at)) {
        r->refused++;
        return false;
    }
    return true;
}

void fx_errors_with(const char *name, const char *lua, const char *const needles[])
{
    sim_result_t r;
    ck_assert_int_eq(fx_run(name, lua, &r), SIM_ERROR);
    for (const char *const *n = needles; *n; n++)
        HAS(r, *n);
    sim_result_clear(&r);
}

char *fx_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f, "%s", path);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    ck_assert_msg(m, "open_memstream");
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(f);
    fclose(m);
    return buf;
}

void fx_cap_open(fx_cap_t *k, const char *name, sim_time_t step_ns)
{
    char err[256];
    snprintf(k->path, sizeof k->path, "/tmp/%s.%d.pcap", name, (int)getpid());
    k->c = sim_capture_open(k->path, err, sizeof err);
    ck_assert_msg(k->c != NULL, "%s", err);
    k->t = 1000000000;
    k->step_ns = step_ns;
}

void fx_cap_send(fx_cap_t *k, bool from_b, const uint8_t *data, size_t len)
{
    sim_pkt_t *p = calloc(1, sizeof *p + len);
    ck_assert(p != NULL);
    p->src_ip = from_b ? 0x0a000002u : 0x0a000001u;
    p->dst_ip = from_b ? 0x0a000001u : 0x0a000002u;
    p->src_port = from_b ? 6000 : 5000;
    p->dst_port = from_b ? 5000 : 6000;
    p->ttl = 64;
    p->len = p->cap = (uint32_t)len;
    memcpy(p->data, data, len);
    k->t += k->step_ns;
    sim_capture_write(k->c, k->t, p);
    free(p);
}

sim_lint_t *fx_cap_lint(fx_cap_t *k, const sim_lint_opts_t *o, char **json)
{
    char err[512];
    ck_assert_int_eq(sim_capture_close(k->c, err, sizeof err), 0);
    sim_lint_t *l = sim_lint_new(o);
    ck_assert_msg(sim_lint_file(l, k->path, err, sizeof err) == 0, "%s", err);
    size_t sz;
    FILE *m = open_memstream(json, &sz);
    sim_lint_write_json(l, m);
    fclose(m);
    unlink(k->path);
    return l;
}
