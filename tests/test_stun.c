/*
 * test_stun.c - the RFC 5769 test vectors through rtc_stun_validate, the
 * path every incoming STUN message takes, and the responses through the
 * transaction engine (stun_txn.h): the sample request (short-term
 * credentials), the IPv4 and IPv6 responses, and the request with
 * long-term authentication; plus flipped bits, wrong passwords, every
 * truncation, and foreign datagrams.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stun/stunagent.h>

#include "fixture.h"
#include "ice_private.h"
#include "stun.h"
#include "stun_txn.h"

typedef struct cred {
    const char *user, *password;
} cred_t;

static bool lookup(void *arg, const uint8_t *username, size_t len, const uint8_t **pw,
                   size_t *pw_len)
{
    const cred_t *c = arg;
    if (len != strlen(c->user) || memcmp(username, c->user, len) != 0)
        return false;
    *pw = (const uint8_t *)c->password;
    *pw_len = strlen(c->password);
    return true;
}

static const cred_t SHORT = { "evtj:h6vY", "VOkJxbRl1RmTxUk/WvJxBt" };

START_TEST(sample_request)
{
    uint8_t buf[256];
    size_t n = fx_unhex(RFC5769_REQUEST, buf);
    ck_assert_uint_eq(n, 108);
    StunAgent a;
    StunMessage m;
    rtc_stun_agent_ice(&a);
    ck_assert_int_eq(rtc_stun_validate(&a, &m, buf, n, lookup, (void *)&SHORT), RTC_STUN_VALID);
    uint32_t prio;
    ck_assert_int_eq(stun_message_find32(&m, STUN_ATTRIBUTE_PRIORITY, &prio), STUN_MESSAGE_RETURN_SUCCESS);
    ck_assert_uint_eq(prio, 0x6e0001ff);
    cred_t wrong = { "evtj:h6vY", "VOkJxbRl1RmTxUk/WvJxBT" };
    ck_assert_int_eq(rtc_stun_validate(&a, &m, buf, n, lookup, &wrong), RTC_STUN_BAD_INTEGRITY);
    cred_t other = { "someone:else", "VOkJxbRl1RmTxUk/WvJxBt" };
    ck_assert_int_eq(rtc_stun_validate(&a, &m, buf, n, lookup, &other), RTC_STUN_BAD_INTEGRITY);
    /* one bit flipped in MESSAGE-INTEGRITY, then in FINGERPRINT: the
     * FINGERPRINT, checked first, catches both (RFC 8489 s.14.7); an
     * integrity error behind a good FINGERPRINT is the next test */
    uint8_t bad[256];
    memcpy(bad, buf, n);
    bad[84] ^= 0x01;
    ck_assert_int_eq(rtc_stun_validate(&a, &m, bad, n, lookup, (void *)&SHORT), RTC_STUN_BAD_FINGERPRINT);
    memcpy(bad, buf, n);
    bad[n - 1] ^= 0x80;
    ck_assert_int_eq(rtc_stun_validate(&a, &m, bad, n, lookup, (void *)&SHORT), RTC_STUN_BAD_FINGERPRINT);
}
END_TEST

/* A MESSAGE-INTEGRITY error that the FINGERPRINT does not catch: the
 * message rebuilt by libnice with another key. */
START_TEST(integrity_checked_behind_a_good_fingerprint)
{
    StunAgent tx, rx;
    StunMessage m;
    uint8_t buf[512];
    rtc_stun_agent_ice(&tx);
    rtc_stun_agent_ice(&rx);
    ck_assert(stun_agent_init_request(&tx, &m, buf, sizeof buf, STUN_BINDING));
    ck_assert_int_eq(stun_message_append_string(&m, STUN_ATTRIBUTE_USERNAME, SHORT.user),
                     STUN_MESSAGE_RETURN_SUCCESS);
    size_t n = stun_agent_finish_message(&tx, &m, (const uint8_t *)"not the password", 16);
    ck_assert_uint_gt(n, 0);
    StunMessage in;
    ck_assert_int_eq(rtc_stun_validate(&rx, &in, buf, n, lookup, (void *)&SHORT), RTC_STUN_BAD_INTEGRITY);
    /* and with the right key, the same construction validates */
    ck_assert(stun_agent_init_request(&tx, &m, buf, sizeof buf, STUN_BINDING));
    stun_message_append_string(&m, STUN_ATTRIBUTE_USERNAME, SHORT.user);
    n = stun_agent_finish_message(&tx, &m, (const uint8_t *)SHORT.password, strlen(SHORT.password));
    ck_assert_int_eq(rtc_stun_validate(&rx, &in, buf, n, lookup, (void *)&SHORT), RTC_STUN_VALID);
    /* no USERNAME / MESSAGE-INTEGRITY at all: refused before any key */
    ck_assert(stun_agent_init_request(&tx, &m, buf, sizeof buf, STUN_BINDING));
    n = stun_agent_finish_message(&tx, &m, NULL, 0);
    ck_assert_int_eq(rtc_stun_validate(&rx, &in, buf, n, lookup, (void *)&SHORT), RTC_STUN_UNAUTHENTICATED);
}
END_TEST

/* Responses are matched to the request that was sent, with its key. */
/* libnice's transaction id covers the magic cookie too: 16 bytes from
 * offset 4 of the message. */
static void send_request(StunAgent *a, const uint8_t cookie_and_tid[16])
{
    static uint8_t buf[512];
    StunMessage req = { .buffer = buf, .buffer_len = sizeof buf, .agent = a };
    StunTransactionId id;
    memcpy(id, cookie_and_tid, 16);
    ck_assert(stun_message_init(&req, STUN_REQUEST, STUN_BINDING, id));
    ck_assert_uint_gt(stun_agent_finish_message(a, &req, (const uint8_t *)SHORT.password,
                                                strlen(SHORT.password)), 0);
}

/* An RTCSocket whose environment sends nowhere, for the engine to send
 * through. */
static uint64_t env_now(void *ctx) { return 0; }
static void env_timer(void *ctx, rtc_timer_owner_t owner, void *obj, uint64_t at) {}
static rtc_send_status_t env_send(void *ctx, const rtc_addr_t *from, const rtc_addr_t *to,
                                  const uint8_t *data, size_t len)
{
    return RTC_SEND_OK;
}
static void env_random(void *ctx, void *buf, size_t len) { memset(buf, 7, len); }

static rtc_socket_t *engine_socket(void)
{
    static const rtc_env_t env = { .now = env_now, .set_timer = env_timer, .send = env_send,
                                   .random = env_random };
    rtc_addr_t local = { 0x0a000001, 5000 };
    rtc_socket_t *s = rtc_socket_new(&env, &local, 1, NULL, 0);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* A Binding request sent through the engine with the transaction id of
 * the response vector resp (the vectors' ids are the test's, not drawn). */
static rtc_txn_t *engine_request(rtc_txn_table_t *t, const uint8_t *resp, const char *key)
{
    rtc_txn_t *x = rtc_txn_new(t, sizeof *x, 512);
    memcpy(x->id, resp + 8, RTC_TID_LEN);
    StunMessage m;
    rtc_txn_message(t, x, &m, STUN_BINDING);
    rtc_addr_t to = { 0xc0000201, 3478 };
    ck_assert_int_eq(rtc_txn_start(t, x, &m, (const uint8_t *)key, strlen(key), &to, &to, RTC_TXN_RTO), 0);
    return x;
}

START_TEST(sample_responses)
{
    uint8_t v4[256], v6[256];
    size_t n4 = fx_unhex(RFC5769_RESPONSE_V4, v4), n6 = fx_unhex(RFC5769_RESPONSE_V6, v6);
    ck_assert_uint_eq(n4, 80);
    ck_assert_uint_eq(n6, 92);
    StunAgent a;
    StunMessage m;
    rtc_stun_agent_ice(&a);
    ck_assert_int_eq(rtc_stun_validate(&a, &m, v4, n4, NULL, NULL), RTC_STUN_UNMATCHED);
    send_request(&a, v4 + 4);
    ck_assert_int_eq(rtc_stun_validate(&a, &m, v4, n4, NULL, NULL), RTC_STUN_VALID);
    rtc_addr_t mapped;
    ck_assert_int_eq(rtc_stun_get_xor(&m, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &mapped), 0);
    ck_assert_uint_eq(mapped.ip, 0xc0000201);   /* 192.0.2.1 */
    ck_assert_uint_eq(mapped.port, 32853);

    rtc_stun_agent_ice(&a);
    send_request(&a, v6 + 4);
    ck_assert_int_eq(rtc_stun_validate(&a, &m, v6, n6, NULL, NULL), RTC_STUN_VALID);
    ck_assert_int_eq(rtc_stun_get_xor(&m, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &mapped), -1);     /* not IPv4 */
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    ck_assert_int_eq(stun_message_find_xor_addr(&m, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &ss, &sl),
                     STUN_MESSAGE_RETURN_SUCCESS);
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
    static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
                                      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
    ck_assert_mem_eq(in6->sin6_addr.s6_addr, want, 16);
    ck_assert_uint_eq(ntohs(in6->sin6_port), 32853);
    /* the connections' and the TURN client's path: the transaction
     * engine (stun_txn.h), whose agent remembers the request with its key */
    rtc_socket_t *s = engine_socket();
    rtc_txn_table_t t;
    rtc_txn_table_init(&t, s, 0, &s->ice_agents);
    ck_assert_ptr_null(rtc_txn_find(&t, v4));
    rtc_txn_t *x = engine_request(&t, v4, SHORT.password);
    ck_assert_ptr_eq(rtc_txn_find(&t, v4), x);
    v4[n4 - 1] ^= 1;
    ck_assert_int_eq(rtc_txn_validate(&t, x, &m, v4, n4), RTC_STUN_BAD_FINGERPRINT);
    v4[n4 - 1] ^= 1;
    ck_assert_int_eq(rtc_txn_validate(&t, x, &m, v4, n4), RTC_STUN_VALID);
    ck_assert_int_eq(rtc_txn_validate(&t, x, &m, v4, n4), RTC_STUN_UNMATCHED);    /* used up */
    rtc_txn_free(&t, x);
    x = engine_request(&t, v6, SHORT.password);
    ck_assert_int_eq(rtc_txn_validate(&t, x, &m, v6, n6), RTC_STUN_VALID);
    rtc_txn_free(&t, x);
    x = engine_request(&t, v4, "x");
    ck_assert_int_eq(rtc_txn_validate(&t, x, &m, v4, n4), RTC_STUN_BAD_INTEGRITY);
    rtc_txn_free(&t, x);        /* forgets it, in the engine and in libnice's agent */
    ck_assert_ptr_null(rtc_txn_find(&t, v4));
    ck_assert_int_eq(rtc_stun_validate(rtc_stun_pool_agent(&s->ice_agents), &m, v4, n4, NULL, NULL),
                     RTC_STUN_UNMATCHED);
    /* more requests under way than one libnice agent remembers (200):
     * the socket's pool grows by an agent every RTC_TXN_PER_AGENT */
    rtc_txn_t *many[250];
    for (int i = 0; i < 250; i++) {
        uint8_t other[20];      /* v4's header, the id's last byte changed */
        memcpy(other, v4, 20);
        other[19] = (uint8_t)i;
        many[i] = engine_request(&t, other, SHORT.password);
    }
    ck_assert_uint_eq(s->ice_agents.n, (250 + RTC_TXN_PER_AGENT - 1) / RTC_TXN_PER_AGENT);
    for (int i = 0; i < 250; i++)
        rtc_txn_free(&t, many[i]);
    for (size_t i = 0; i < s->ice_agents.n; i++)
        ck_assert_uint_eq(s->ice_agents.used[i], 0);
    rtc_txn_table_clear(&t);
    rtc_socket_free(s);
    /* a response whose MESSAGE-INTEGRITY was made with another key */
    rtc_stun_agent_ice(&a);
    static uint8_t buf[512];
    StunMessage req = { .buffer = buf, .buffer_len = sizeof buf, .agent = &a };
    StunTransactionId id;
    memcpy(id, v4 + 4, 16);
    stun_message_init(&req, STUN_REQUEST, STUN_BINDING, id);
    stun_agent_finish_message(&a, &req, (const uint8_t *)"other", 5);
    ck_assert_int_eq(rtc_stun_validate(&a, &m, v4, n4, NULL, NULL), RTC_STUN_BAD_INTEGRITY);
}
END_TEST

START_TEST(long_term_request)
{
    uint8_t buf[256];
    size_t n = fx_unhex(RFC5769_LONG_TERM, buf);
    ck_assert_uint_eq(n, 116);
    StunAgent a;
    StunMessage m;
    rtc_stun_agent_turn(&a);
    /* RFC 5769 s.2.4: the username and password after SASLprep */
    cred_t c = { "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9", "TheMatrIX" };
    ck_assert_int_eq(rtc_stun_validate(&a, &m, buf, n, lookup, &c), RTC_STUN_VALID);
    cred_t wrong = { c.user, "TheMatrix" };
    ck_assert_int_eq(rtc_stun_validate(&a, &m, buf, n, lookup, &wrong), RTC_STUN_BAD_INTEGRITY);
}
END_TEST

START_TEST(truncations_and_foreign_datagrams)
{
    uint8_t buf[256];
    size_t n = fx_unhex(RFC5769_REQUEST, buf);
    StunAgent a;
    StunMessage m;
    rtc_stun_agent_ice(&a);
    for (size_t len = 0; len < n; len++) {
        rtc_stun_check_t c = rtc_stun_validate(&a, &m, buf, len, lookup, (void *)&SHORT);
        ck_assert_msg(c != RTC_STUN_VALID, "a truncation to %zu bytes validated", len);
    }
    static const uint8_t dtls[16] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 0, 0 };
    ck_assert_int_eq(rtc_stun_validate(&a, &m, dtls, sizeof dtls, lookup, (void *)&SHORT), RTC_STUN_NOT_STUN);
    static const uint8_t rtp[24] = { 0x80, 0x60 };
    ck_assert_int_eq(rtc_stun_validate(&a, &m, rtp, sizeof rtp, lookup, (void *)&SHORT), RTC_STUN_NOT_STUN);
    /* a STUN header whose length runs past the datagram */
    memcpy(buf + 2, "\x01\x00", 2);
    ck_assert_int_eq(rtc_stun_validate(&a, &m, buf, n, lookup, (void *)&SHORT), RTC_STUN_MALFORMED);
    ck_assert_str_eq(rtc_stun_check_name(RTC_STUN_BAD_FINGERPRINT), "bad-fingerprint");
}
END_TEST

static Suite *stun_suite(void)
{
    Suite *s = suite_create("stun");
    TCase *t = tcase_create("rfc5769");
    tcase_add_test(t, sample_request);
    tcase_add_test(t, integrity_checked_behind_a_good_fingerprint);
    tcase_add_test(t, sample_responses);
    tcase_add_test(t, long_term_request);
    tcase_add_test(t, truncations_and_foreign_datagrams);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stun_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
