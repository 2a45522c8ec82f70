/*
 * test_coverage.c - the coverage catalogue (sim/lua/catalogue.c),
 * scenario{covers=} (scenario.c) and `rtcsim coverage` (sim/cmd/coverage.c):
 * a malformed catalogue and an unknown id are refused naming the file and
 * line, the header is read without running the scenario, the share is
 * computed right, and the command's whole output on a fixture folder.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/coverage.h"
#include "fixture.h"
#include "lua/catalogue.h"

/* Write fx_dir/rel (its folder made). */
static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fx_dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    ck_assert_int_eq(system(cmd), 0);
    *slash = '/';
    FILE *f = fopen(path, "w");
    ck_assert(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static char *path_of(const char *rel)
{
    char *p;
    ck_assert(asprintf(&p, "%s/%s", fx_dir, rel) > 0);
    return p;
}

/* rtcsim coverage with these arguments (NULL-terminated; "@" stands for
 * fx_dir), its output and errors into *out and *err (freed by the caller). */
static int coverage(char **out, char **err, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, err);
    for (const char *a; (a = va_arg(ap, const char *)) && argc < 16;) {
        if (a[0] == '@')
            ck_assert(asprintf(&argv[argc++], "%s%s", fx_dir, a + 1) > 0);
        else
            argv[argc++] = strdup(a);
    }
    va_end(ap);
    size_t on, en;
    FILE *o = open_memstream(out, &on), *e = open_memstream(err, &en);
    ck_assert(o && e);
    int rc = sim_cmd_coverage(argc, argv, o, e);
    fclose(o);
    fclose(e);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

/* The catalogue's error for this text, or NULL when it loads. */
static char *catalogue_error(const char *text)
{
    put("cat.txt", text);
    char *p = path_of("cat.txt"), *err = NULL;
    sim_catalogue_t *c = sim_catalogue_load(p, &err);
    sim_catalogue_free(c);
    free(p);
    if (c) {
        ck_assert_ptr_null(err);
        return NULL;
    }
    ck_assert_ptr_nonnull(err);
    return err;
}

static void assert_has(const char *hay, const char *needle)
{
    ck_assert_msg(hay && strstr(hay, needle), "expected '%s' in: %s", needle, hay ? hay : "(null)");
}

START_TEST(catalogue_lines)
{
    put("cat.txt", "# comment\n\n  spec:A.b   the b of A  \nrfc1:s1\tone\n# more\nspec:A.c  c\n");
    char *p = path_of("cat.txt"), *err = NULL;
    sim_catalogue_t *c = sim_catalogue_load(p, &err);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->n, 3);
    ck_assert_uint_eq(c->ngroups, 2);
    ck_assert_str_eq(c->groups[0], "spec");
    ck_assert_str_eq(c->groups[1], "rfc1");
    ck_assert_str_eq(c->v[0].id, "spec:A.b");
    ck_assert_str_eq(c->v[0].desc, "the b of A");     /* trailing blanks gone */
    ck_assert_int_eq(c->v[0].line, 3);
    ck_assert_uint_eq(c->v[1].group, 1);
    ck_assert_int_eq(c->v[2].line, 6);
    ck_assert_int_eq(sim_catalogue_find(c, "spec:A.c"), 2);
    ck_assert_int_eq(sim_catalogue_find(c, "spec:A"), -1);
    sim_catalogue_free(c);
    free(p);

    static const struct { const char *text, *want; } bad[] = {
        { "spec:A  a\nnocolon  x\n", "cat.txt:2: 'nocolon' is not an id GROUP:NAME" },
        { ":A  a\n", "cat.txt:1: ':A' is not an id" },
        { "spec:  a\n", "cat.txt:1: 'spec:' is not an id" },
        { "Spec:A  a\n", "cat.txt:1: the group 'Spec' of an id is lower-case letters and digits" },
        { "spec:A\n", "cat.txt:1: 'spec:A' has no description" },
        { "spec:A   \n", "cat.txt:1: 'spec:A' has no description" },
        { "spec:A  a\n\nspec:A  again\n", "cat.txt:3: 'spec:A' is already the id of line 1" },
        { "spec:\x01  a\n", "has a byte 0x01" },
        { "# nothing\n\n", "the coverage catalogue has no entries" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *e = catalogue_error(bad[i].text);
        ck_assert_msg(e, "case %zu loaded", i);
        assert_has(e, bad[i].want);
        free(e);
    }
    err = NULL;
    ck_assert_ptr_null(sim_catalogue_load("/nonexistent/coverage.txt", &err));
    assert_has(err, "cannot read the coverage catalogue /nonexistent/coverage.txt");
    free(err);
}
END_TEST

static const char CATALOGUE[] =
    "# a fixture catalogue: 3 spec entries, 2 of rfc1, 1 of rfc2\n"
    "spec:A.x  the x of A\n"
    "spec:A.y  the y of A\n"
    "spec:B.z  the z of B\n"
    "rfc1:s1   one\n"
    "rfc1:s2   two\n"
    "rfc2:s9   nine\n";

/* The header read names the id's own line, in a run and in a header
 * read alike, and every malformed covers= is an error. */
START_TEST(unknown_id_names_file_and_line)
{
    put("scenarios/coverage.txt", CATALOGUE);
    /* the bad id is on line 4, the scenario{ call on line 2 */
    const char *lua = "-- a\n"
                      "scenario { name = \"x\",\n"
                      "           covers = { \"spec:A.x\",\n"
                      "                      \"spec:A.nope\" } }\n";
    put("scenarios/bad.lua", lua);
    char *p = path_of("scenarios/bad.lua");
    sim_header_t h;
    sim_scenario_header(p, NULL, &h);
    char want[600];
    snprintf(want, sizeof want, "%s:4: scenario.covers: 'spec:A.nope' is not an id of the catalogue %s/scenarios/coverage.txt",
             p, fx_dir);
    ck_assert_msg(h.error && strcmp(h.error, want) == 0, "got %s, want %s", h.error, want);
    ck_assert_uint_eq(h.ncovers, 0);    /* an error hands out no ids */
    sim_header_clear(&h);
    free(p);

    /* a run of the same scenario: an error, the same message */
    sim_result_t r;
    ck_assert_int_eq(fx_run("bad", lua, &r), SIM_ERROR);
    assert_has(r.messages, "bad.lua:4: scenario.covers: 'spec:A.nope' is not an id of the catalogue");
    sim_result_clear(&r);

    /* the good ones run */
    PASSES("good", "scenario { name = 'g', covers = { 'spec:A.x', 'rfc2:s9' } }\n");

    static const struct { const char *lua, *want; } bad[] = {
        { "scenario { covers = { 'spec:A.x', 'spec:A.x' } }\n", "bad1.lua:1: scenario.covers: 'spec:A.x' is listed twice" },
        { "scenario { covers = 'spec:A.x' }\n", "scenario.covers must be a list of catalogue ids (strings), got string" },
        { "scenario { covers = { 'spec:A.x', 5 } }\n", "scenario.covers[2] must be a string (a catalogue id), got number" },
        { "scenario { covers = { 'spec:A.x', x = 'spec:A.y' } }\n", "scenario.covers must be a list" },
        { "scenario { covers = { [1] = 'spec:A.x', [3] = 'spec:A.y' } }\n", "scenario.covers must be a list" },
        { "scenario { cover = { 'spec:A.x' } }\n", "unknown field 'cover' (did you mean 'covers'?)" },
        { "scenario { covers = { 'spec:a.x' } }\n", "'spec:a.x' is not an id of the catalogue" },
        /* a pcall does not swallow it: the scenario ends there, with it */
        { "local ok = pcall(scenario, { covers = {\n 'spec:Nope' } })\nassert(false, 'went on')\n",
          "bad8.lua:2: scenario.covers: 'spec:Nope' is not an id of the catalogue" },
        { "pcall(scenario, { covers = 7 })\nassert(false, 'went on')\n",
          "bad9.lua:1: scenario.covers must be a list of catalogue ids (strings), got number" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char name[16];
        snprintf(name, sizeof name, "bad%zu", i + 1);
        const char *const needles[] = { bad[i].want, NULL };
        fx_errors_with(name, bad[i].lua, needles);
    }

    /* ... and in a header read the same */
    put("scenarios/pc.lua", "pcall(scenario, { covers = { 'spec:Nope' } })\nlocal h = net.host { name = 'h' }\n");
    p = path_of("scenarios/pc.lua");
    sim_scenario_header(p, NULL, &h);
    assert_has(h.error, "pc.lua:1: scenario.covers: 'spec:Nope' is not an id of the catalogue");
    sim_header_clear(&h);
    free(p);

    /* no catalogue beside a scenario that declares coverage: its path named */
    put("elsewhere/lonely.lua", "scenario { covers = { 'spec:A.x' } }\n");
    p = path_of("elsewhere/lonely.lua");
    sim_scenario_header(p, NULL, &h);
    snprintf(want, sizeof want, "cannot read the coverage catalogue %s/elsewhere/coverage.txt", fx_dir);
    assert_has(h.error, want);
    sim_header_clear(&h);
    /* ... but without covers= it needs none */
    put("elsewhere/plain.lua", "scenario { name = 'plain' }\n");
    free(p);
    p = path_of("elsewhere/plain.lua");
    sim_scenario_header(p, NULL, &h);
    ck_assert_ptr_null(h.error);
    ck_assert_str_eq(h.title, "plain");
    sim_header_clear(&h);
    free(p);
}
END_TEST

/* A header read stops at scenario{}: nothing after it runs, a pcall
 * around it does not carry the script on, and a script without one stops
 * at its first call into the simulator. */
START_TEST(header_read_runs_nothing)
{
    put("scenarios/coverage.txt", CATALOGUE);
    static const struct { const char *lua; size_t ncovers; const char *title; } ok[] = {
        { "local lib = { n = 1 }\nscenario { name = 't', covers = { 'rfc1:s1' } }\nerror('ran')\n", 1, "t" },
        { "pcall(scenario, { name = 'p', covers = { 'rfc1:s2' } })\nerror('ran on')\n", 1, "p" },
        { "scenario { covers = { 'rfc1:s2' } }\nsim.run(5)\nerror('ran')\n", 1, NULL },
        { "local h = net.host { name = 'h' }\nerror('ran')\n", 0, NULL },
        { "print('hi')\n", 0, NULL },
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        put("scenarios/h.lua", ok[i].lua);
        char *p = path_of("scenarios/h.lua");
        sim_header_t h;
        sim_scenario_header(p, NULL, &h);
        ck_assert_msg(!h.error, "case %zu: %s", i, h.error);
        ck_assert_uint_eq(h.ncovers, ok[i].ncovers);
        if (ok[i].title)
            ck_assert_str_eq(h.title, ok[i].title);
        else
            ck_assert_ptr_null(h.title);
        sim_header_clear(&h);
        free(p);
    }
    /* an error before the header is the scenario's error, with its line */
    put("scenarios/e.lua", "local x = nil\nlocal y = x.field\nscenario { covers = { 'rfc1:s1' } }\n");
    char *p = path_of("scenarios/e.lua");
    sim_header_t h;
    sim_scenario_header(p, NULL, &h);
    assert_has(h.error, "e.lua:2:");
    sim_header_clear(&h);
    free(p);
}
END_TEST

/* Three scenarios (one in a subfolder, one declaring nothing) and lib/,
 * which is not a scenario. */
static void fixture_folder(void)
{
    put("scenarios/coverage.txt", CATALOGUE);
    put("scenarios/b.lua", "scenario { name = 'b', covers = { 'spec:A.x', 'rfc1:s1' } }\n");
    put("scenarios/a/one.lua", "scenario { name = 'one', covers = { 'spec:A.x', 'spec:B.z' } }\n");
    put("scenarios/a/none.lua", "scenario { name = 'none' }\n");
    put("scenarios/lib/helper.lua", "scenario { covers = { 'spec:A.y' } }\n");
}

START_TEST(share_computed)
{
    fixture_folder();
    char *out, *err;
    ck_assert_int_eq(coverage(&out, &err, "@/scenarios", NULL), 0);
    ck_assert_str_eq(err, "");
    /* spec: A.x (twice) and B.z of 3; rfc1: s1 of 2; rfc2: none of 1;
     * 3 of 6 in all. An entry covered twice counts once; 2/3 rounds up. */
    assert_has(out, "\nshare covered\n"
                    "  spec   2/3 66.7%\n"
                    "  rfc1   1/2 50.0%\n"
                    "  rfc2   0/1 0.0%\n"
                    "  total  3/6 50.0%\n");
    free(out);
    free(err);

    /* one scenario alone: 1/6 is 16.7% (16.66... rounded) */
    ck_assert_int_eq(coverage(&out, &err, "--catalogue", "@/scenarios/coverage.txt", "@/scenarios/b.lua", NULL), 0);
    assert_has(out, "  spec   1/3 33.3%\n  rfc1   1/2 50.0%\n  rfc2   0/1 0.0%\n  total  2/6 33.3%\n");
    free(out);
    free(err);
    /* every entry covered: 100.0% */
    put("scenarios/all.lua", "scenario { covers = { 'spec:A.y', 'rfc1:s2', 'rfc2:s9' } }\n");
    ck_assert_int_eq(coverage(&out, &err, "@/scenarios", NULL), 0);
    assert_has(out, "  total  6/6 100.0%\n");
    free(out);
    free(err);
}
END_TEST

START_TEST(command_output)
{
    fixture_folder();
    char *out, *err;
    ck_assert_int_eq(coverage(&out, &err, "@/scenarios/", NULL), 0);
    char *want;
    ck_assert(asprintf(&want,
        "coverage of %s/scenarios/coverage.txt by 3 scenarios\n"
        "\n"
        "spec\n"
        "  spec:A.x  a/one, b\n"
        "  spec:A.y  NOT COVERED  the y of A\n"
        "  spec:B.z  a/one\n"
        "\n"
        "rfc1\n"
        "  rfc1:s1   b\n"
        "  rfc1:s2   NOT COVERED  two\n"
        "\n"
        "rfc2\n"
        "  rfc2:s9   NOT COVERED  nine\n"
        "\n"
        "scenarios that declare no coverage: a/none\n"
        "\n"
        "share covered\n"
        "  spec   2/3 66.7%%\n"
        "  rfc1   1/2 50.0%%\n"
        "  rfc2   0/1 0.0%%\n"
        "  total  3/6 50.0%%\n", fx_dir) > 0);
    ck_assert_str_eq(out, want);
    ck_assert_str_eq(err, "");
    free(want);
    free(out);
    free(err);

    ck_assert_int_eq(coverage(&out, &err, "--json", "@/scenarios", NULL), 0);
    ck_assert(asprintf(&want,
        "{\"catalogue\":\"%s/scenarios/coverage.txt\",\"entries\":["
        "{\"covered_by\":[\"a/one\",\"b\"],\"description\":\"the x of A\",\"group\":\"spec\",\"id\":\"spec:A.x\"},"
        "{\"covered_by\":[],\"description\":\"the y of A\",\"group\":\"spec\",\"id\":\"spec:A.y\"},"
        "{\"covered_by\":[\"a/one\"],\"description\":\"the z of B\",\"group\":\"spec\",\"id\":\"spec:B.z\"},"
        "{\"covered_by\":[\"b\"],\"description\":\"one\",\"group\":\"rfc1\",\"id\":\"rfc1:s1\"},"
        "{\"covered_by\":[],\"description\":\"two\",\"group\":\"rfc1\",\"id\":\"rfc1:s2\"},"
        "{\"covered_by\":[],\"description\":\"nine\",\"group\":\"rfc2\",\"id\":\"rfc2:s9\"}],"
        "\"groups\":[{\"covered\":2,\"group\":\"spec\",\"total\":3},{\"covered\":1,\"group\":\"rfc1\",\"total\":2},"
        "{\"covered\":0,\"group\":\"rfc2\",\"total\":1}],"
        "\"scenarios\":[{\"covers\":[],\"id\":\"a/none\"},"
        "{\"covers\":[\"spec:A.x\",\"spec:B.z\"],\"id\":\"a/one\"},"
        "{\"covers\":[\"spec:A.x\",\"rfc1:s1\"],\"id\":\"b\"}],"
        "\"total\":{\"covered\":3,\"total\":6}}\n", fx_dir) > 0);
    ck_assert_str_eq(out, want);
    free(want);
    free(out);
    free(err);

    /* an unknown id: exit 2, every bad scenario named with its line, no listing */
    put("scenarios/c.lua", "scenario {\n  covers = { 'spec:A.x', 'spec:Q' } }\n");
    put("scenarios/d.lua", "scenario { covers = {\n 'rfc9:s1' } }\n");
    ck_assert_int_eq(coverage(&out, &err, "@/scenarios", NULL), 2);
    ck_assert_str_eq(out, "");
    assert_has(err, "c.lua:2: scenario.covers: 'spec:Q' is not an id of the catalogue");
    assert_has(err, "d.lua:2: scenario.covers: 'rfc9:s1' is not an id of the catalogue");
    free(out);
    free(err);
}
END_TEST

START_TEST(bad_usage)
{
    fixture_folder();
    char *out, *err;
    ck_assert_int_eq(coverage(&out, &err, "--frobnicate", NULL), 2);
    assert_has(err, "unknown option '--frobnicate'");
    free(out);
    free(err);
    ck_assert_int_eq(coverage(&out, &err, "@/scenarios", "--catalogue", NULL), 2);
    assert_has(err, "option '--catalogue' needs a value");
    free(out);
    free(err);
    ck_assert_int_eq(coverage(&out, &err, "@/nowhere", NULL), 2);
    assert_has(err, "nowhere: No such file or directory");
    free(out);
    free(err);
    ck_assert_int_eq(coverage(&out, &err, "@/captures", NULL), 2);
    assert_has(err, "no scenario (*.lua) under the paths given");
    free(out);
    free(err);
    ck_assert_int_eq(coverage(&out, &err, "--catalogue", "@/none.txt", "@/scenarios", NULL), 2);
    assert_has(err, "cannot read the coverage catalogue");
    free(out);
    free(err);
    ck_assert_int_eq(coverage(&out, &err, "--help", NULL), 0);
    assert_has(out, "usage: rtcsim coverage");
    free(out);
    free(err);
}
END_TEST

static Suite *coverage_suite(void)
{
    Suite *s = suite_create("coverage");
    TCase *t = tcase_create("coverage");
    tcase_add_checked_fixture(t, fx_setup, fx_teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, catalogue_lines);
    tcase_add_test(t, unknown_id_names_file_and_line);
    tcase_add_test(t, header_read_runs_nothing);
    tcase_add_test(t, share_computed);
    tcase_add_test(t, command_output);
    tcase_add_test(t, bad_usage);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(coverage_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
