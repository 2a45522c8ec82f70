/*
 * test_candidate.c - candidate priorities (RFC 8445 s.5.1.2), foundations
 * (s.5.1.1.3), pair priorities (s.6.1.2.3) and the field checks of a
 * remote candidate.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "candidate.h"

START_TEST(priorities)
{
    /* 2^24 * 126 + 2^8 * 65535 + (256 - 1) for a host candidate of
     * component 1; the spec's example priority, 1694498815, is the same
     * sum for a server-reflexive one (type preference 100) */
    ck_assert_uint_eq(rtc_candidate_priority(RTC_CAND_HOST, 65535, 1), 2130706431u);
    ck_assert_uint_eq(rtc_candidate_priority(RTC_CAND_HOST, 65535, 2), 2130706430u);
    ck_assert_uint_eq(rtc_candidate_priority(RTC_CAND_SRFLX, 65535, 1), 1694498815u);
    ck_assert_uint_eq(rtc_candidate_priority(RTC_CAND_RELAY, 0, 1), 255);
    /* type dominates local preference, which dominates component */
    ck_assert_uint_gt(rtc_candidate_priority(RTC_CAND_PRFLX, 0, 2), rtc_candidate_priority(RTC_CAND_SRFLX, 65535, 1));
    ck_assert_uint_gt(rtc_candidate_priority(RTC_CAND_HOST, 2, 2), rtc_candidate_priority(RTC_CAND_HOST, 1, 1));
}
END_TEST

START_TEST(pair_priority)
{
    /* s.6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0) */
    ck_assert_uint_eq(rtc_pair_priority(10, 20), (10ull << 32) + 40);
    ck_assert_uint_eq(rtc_pair_priority(20, 10), (10ull << 32) + 40 + 1);
    ck_assert_uint_gt(rtc_pair_priority(2130706431u, 2130706431u), rtc_pair_priority(2130706431u, 1694498815u));
}
END_TEST

START_TEST(foundations)
{
    char a[33], b[33], c[33], d[33];
    rtc_candidate_foundation(RTC_CAND_HOST, 0x0a000001, 0, a);
    rtc_candidate_foundation(RTC_CAND_HOST, 0x0a000001, 0, b);
    rtc_candidate_foundation(RTC_CAND_SRFLX, 0x0a000001, 0xc6336401, c);
    rtc_candidate_foundation(RTC_CAND_HOST, 0x0a000002, 0, d);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    ck_assert_str_ne(a, d);
    ck_assert_uint_eq(strlen(a), 8);
}
END_TEST

START_TEST(checks)
{
    rtc_candidate_t ok = { .type = RTC_CAND_HOST, .foundation = "abcd1234", .component = 1,
                           .priority = 1694498815, .addr = { 0xc0000221, 10000 } };
    char err[256];
    ck_assert_int_eq(rtc_candidate_check(&ok, err, sizeof err), 0);
    rtc_candidate_t c = ok;
    c.component = 3;
    ck_assert_int_eq(rtc_candidate_check(&c, err, sizeof err), -1);
    ck_assert(strstr(err, "component must be 1 (RTP) or 2 (RTCP), got 3"));
    c = ok;
    c.addr.port = 0;
    ck_assert_int_eq(rtc_candidate_check(&c, err, sizeof err), -1);
    ck_assert(strstr(err, "connectionPort"));
    c = ok;
    c.addr.ip = 0xe0000001;
    ck_assert_int_eq(rtc_candidate_check(&c, err, sizeof err), -1);
    ck_assert(strstr(err, "connectionAddress 224.0.0.1"));
    c = ok;
    c.priority = 0;
    ck_assert_int_eq(rtc_candidate_check(&c, err, sizeof err), -1);
    ck_assert(strstr(err, "priority"));
    c = ok;
    strcpy(c.foundation, "bad foundation");
    ck_assert_int_eq(rtc_candidate_check(&c, err, sizeof err), -1);
    ck_assert(strstr(err, "foundation 'bad foundation'"));
    c = ok;
    c.foundation[0] = '\0';
    ck_assert_int_eq(rtc_candidate_check(&c, err, sizeof err), -1);
    rtc_cand_type_t t;
    ck_assert_int_eq(rtc_cand_type_parse("srflx", &t), 0);
    ck_assert_int_eq(t, RTC_CAND_SRFLX);
    ck_assert_int_eq(rtc_cand_type_parse("stun", &t), -1);
    ck_assert_str_eq(rtc_cand_type_name(RTC_CAND_RELAY), "relay");
}
END_TEST

static Suite *candidate_suite(void)
{
    Suite *s = suite_create("candidate");
    TCase *t = tcase_create("rfc8445");
    tcase_add_test(t, priorities);
    tcase_add_test(t, pair_priority);
    tcase_add_test(t, foundations);
    tcase_add_test(t, checks);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(candidate_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
