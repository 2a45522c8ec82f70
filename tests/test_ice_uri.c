/*
 * test_ice_uri.c - STUN and TURN URIs (RFC 7064, RFC 7065, and the
 * spec's user@host form): what parses to what, and what is refused with
 * which message.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lua/ice_uri.h"

static const struct {
    const char *uri;
    sim_uri_scheme_t scheme;
    const char *host, *user;
    uint16_t port;
    sim_uri_transport_t transport;
} good[] = {
    { "stun:stun.example.net", SIM_URI_STUN, "stun.example.net", "", 3478, SIM_URI_UDP },
    { "STUN:198.51.100.1:19302", SIM_URI_STUN, "198.51.100.1", "", 19302, SIM_URI_UDP },
    { "stuns:stun.example.net", SIM_URI_STUNS, "stun.example.net", "", 5349, SIM_URI_TCP },
    { "turn:user@turn.example.org", SIM_URI_TURN, "turn.example.org", "user", 3478, SIM_URI_UDP },
    { "turn:turn.example.org:3479?transport=udp", SIM_URI_TURN, "turn.example.org", "", 3479, SIM_URI_UDP },
    { "turn:a@b.c?transport=TCP", SIM_URI_TURN, "b.c", "a", 3478, SIM_URI_TCP },
    { "turns:turn.example.org", SIM_URI_TURNS, "turn.example.org", "", 5349, SIM_URI_TCP },
    { "turn:x-1.example", SIM_URI_TURN, "x-1.example", "", 3478, SIM_URI_UDP },
};

static const struct {
    const char *uri, *says;
} bad[] = {
    { "stun.example.net", "no scheme" },
    { "http://stun.example.net", "unknown scheme 'http'" },
    { "stun://stun.example.net", "no '//'" },
    { "stun:", "is not a host name" },
    { "stun:stun.example.net:0", "port must be a number from 1 to 65535" },
    { "stun:stun.example.net:65536", "port must be a number from 1 to 65535" },
    { "stun:stun.example.net:", "port must be" },
    { "stun:stun.example.net:80x", "unexpected 'x'" },
    { "stun:user@stun.example.net", "a user name belongs only in turn:" },
    { "stun:stun.example.net?transport=udp", "stun: and stuns: URLs take no query" },
    { "turn:turn.example.org?transport=sctp", "transport must be udp or tcp" },
    { "turn:turn.example.org?foo=bar", "the only query" },
    { "turn:@turn.example.org", "empty or too long user name" },
    { "turn:[2001:db8::1]", "IPv6 literals are not supported" },
    { "stun:-bad.example", "is not a host name" },
    { "stun:bad-.example", "is not a host name" },
    { "stun:a..b", "is not a host name" },
    { "stun:a b", "is not a host name" },
};

START_TEST(parses)
{
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        sim_ice_uri_t u;
        char err[512];
        ck_assert_msg(sim_ice_uri_parse(good[i].uri, &u, err, sizeof err) == 0, "%s: %s", good[i].uri, err);
        ck_assert_int_eq(u.scheme, good[i].scheme);
        ck_assert_str_eq(u.host, good[i].host);
        ck_assert_str_eq(u.user, good[i].user);
        ck_assert_uint_eq(u.port, good[i].port);
        ck_assert_int_eq(u.transport, good[i].transport);
    }
}
END_TEST

START_TEST(refuses)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_ice_uri_t u;
        char err[512] = "";
        ck_assert_msg(sim_ice_uri_parse(bad[i].uri, &u, err, sizeof err) == -1, "accepted %s", bad[i].uri);
        ck_assert_msg(strstr(err, bad[i].says), "%s: '%s' not in '%s'", bad[i].uri, bad[i].says, err);
        ck_assert_msg(strstr(err, bad[i].uri), "the message does not quote the URL: %s", err);
    }
}
END_TEST

static Suite *ice_server_suite(void)
{
    Suite *s = suite_create("ice_server");
    TCase *t = tcase_create("uri");
    tcase_add_test(t, parses);
    tcase_add_test(t, refuses);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ice_server_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
