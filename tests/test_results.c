/*
 * test_results.c - result lines (sim/cmd/results.h): what a child sends
 * its parent and what merge reads back must render the same bytes, so a
 * line must read back exactly, and a cut or damaged line must be refused
 * (a child that died half way through its write is an ERROR, not a
 * result).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check/expect.h"
#include "cmd/results.h"

static sim_result_t sample(void)
{
    sim_result_t r = { 0 };
    r.id = strdup("net/x");
    r.file = strdup("scenarios/net/x \"q\".lua");
    r.title = strdup("tab\there, \\ and \x01, UTF-8 \xc3\xa9");
    r.verdict = SIM_FAIL;
    r.seed = UINT64_MAX;
    r.end_time = 1234567890123;
    r.events = 42;
    r.messages = strdup("line one\nline two\n");
    sim_result_add_measure(&r, "tiny", 0.26 - 0x1p-54, 0.26, 1.8, false);
    sim_result_add_measure(&r, "unbounded", 1e300, -INFINITY, INFINITY, true);
    sim_result_add_measure(&r, "not taken", NAN, 0, 1, false);
    return r;
}

START_TEST(a_line_reads_back_exactly)
{
    sim_result_t r = sample(), back;
    sim_runinfo_t ri = { .items = 9, .list = 0x0123456789abcdefull }, ri2;
    strcpy(ri.seeds, "3..5");
    char *line = sim_results_line(&r, 7, &ri), err[200];
    ck_assert_ptr_nonnull(strchr(line, '\n'));
    ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1);
    size_t item = 0;
    ck_assert_int_eq(sim_results_parse(line, &back, &item, &ri2, err, sizeof err), 0);
    ck_assert_uint_eq(item, 7);
    ck_assert_uint_eq(ri2.items, 9);
    ck_assert(ri2.list == ri.list);
    ck_assert_str_eq(ri2.seeds, "3..5");
    ck_assert_str_eq(back.title, r.title);
    ck_assert_str_eq(back.file, r.file);
    ck_assert_str_eq(back.messages, r.messages);
    ck_assert_ptr_null(back.notes);
    ck_assert(back.seed == UINT64_MAX);
    ck_assert_int_eq(back.verdict, SIM_FAIL);
    ck_assert_uint_eq(back.nmeasures, 3);
    ck_assert(back.measures[0].value == 0.26 - 0x1p-54);
    ck_assert(back.measures[1].min == -INFINITY && back.measures[1].max == INFINITY);
    ck_assert(isnan(back.measures[2].value));
    ck_assert(back.measures[1].pass && !back.measures[0].pass);
    /* and writes the same line again */
    char *again = sim_results_line(&back, item, &ri2);
    ck_assert_str_eq(again, line);
    free(again);
    free(line);
    sim_result_clear(&r);
    sim_result_clear(&back);
}
END_TEST

/* Every verdict reads back as itself (SKIP: a scenario this machine
 * cannot run, D134). */
START_TEST(every_verdict_reads_back)
{
    static const sim_verdict_t all[] = { SIM_PASS, SIM_FAIL, SIM_ERROR, SIM_SKIP };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        sim_result_t r = sample(), back;
        r.verdict = all[i];
        sim_runinfo_t ri = { .items = 1 }, ri2;
        char *line = sim_results_line(&r, 0, &ri), err[200];
        size_t item;
        ck_assert_int_eq(sim_results_parse(line, &back, &item, &ri2, err, sizeof err), 0);
        ck_assert_int_eq(back.verdict, all[i]);
        free(line);
        sim_result_clear(&r);
        sim_result_clear(&back);
    }
}
END_TEST

START_TEST(every_cut_line_refused)
{
    sim_result_t r = sample(), back;
    sim_runinfo_t ri = { .items = 1 }, ri2;
    char *line = sim_results_line(&r, 0, &ri), err[200];
    size_t n = strlen(line) - 1, item;  /* without its '\n' */
    for (size_t cut = 0; cut < n; cut++) {
        char *part = strndup(line, cut);
        ck_assert_msg(sim_results_parse(part, &back, &item, &ri2, err, sizeof err) < 0,
                      "a line cut at %zu parsed", cut);
        ck_assert_ptr_null(back.id);
        free(part);
    }
    free(line);
    sim_result_clear(&r);
}
END_TEST

START_TEST(damaged_lines_refused)
{
    static const char *const bad[] = {
        "{}",
        "not json",
        "{\"end_time\":1,\"end_time\":2}",
        "{\"bogus\":1}",
    };
    sim_result_t back;
    sim_runinfo_t ri;
    size_t item;
    char err[200];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_int_lt(sim_results_parse(bad[i], &back, &item, &ri, err, sizeof err), 0);
    /* a good line without one of its keys */
    sim_result_t r = sample();
    sim_runinfo_t ri1 = { .items = 1 };
    char *line = sim_results_line(&r, 0, &ri1), *k = strstr(line, ",\"events\":42");
    ck_assert_ptr_nonnull(k);
    memmove(k, k + strlen(",\"events\":42"), strlen(k + strlen(",\"events\":42")) + 1);
    ck_assert_int_lt(sim_results_parse(line, &back, &item, &ri, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "a key is missing"));
    free(line);
    sim_result_clear(&r);
    ck_assert_int_lt(sim_results_parse("{\"bogus\":1}", &back, &item, &ri, err, sizeof err), 0);
    ck_assert_str_eq(err, "unknown key at byte 9");
}
END_TEST

START_TEST(numbers_in_fewest_exact_digits)
{
    char b[32];
    ck_assert_str_eq(sim_expect_num_str(0.26, b), "0.26");
    ck_assert_str_eq(sim_expect_num_str(0.26 - 0x1p-54, b), "0.25999999999999995");
    ck_assert_str_eq(sim_expect_num_str(10, b), "10");
    ck_assert_str_eq(sim_expect_num_str(0.1 + 0.2, b), "0.30000000000000004");
    ck_assert_str_eq(sim_expect_num_str(-INFINITY, b), "-inf");
    ck_assert_str_eq(sim_expect_num_str(NAN, b), "nan");
}
END_TEST

static Suite *results_suite(void)
{
    Suite *s = suite_create("results");
    TCase *t = tcase_create("lines");
    tcase_add_test(t, a_line_reads_back_exactly);
    tcase_add_test(t, every_verdict_reads_back);
    tcase_add_test(t, every_cut_line_refused);
    tcase_add_test(t, damaged_lines_refused);
    tcase_add_test(t, numbers_in_fewest_exact_digits);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(results_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
