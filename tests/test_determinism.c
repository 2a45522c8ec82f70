/*
 * test_determinism.c - third-party libraries under virtual time and seeded
 * randomness (sim/vdet.c), end to end: a DTLS 1.2 + use_srtp handshake
 * between two OpenSSL endpoints (ref/dtls.c) across the simulated network,
 * with the server's first flight dropped and retransmitted under virtual
 * time, is byte-identical across two runs with one seed and differs under
 * another seed. Plus: OpenSSL's and libnice's own calls reach the
 * interposed clock and generator.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <stun/stunagent.h>
#include <stun/usages/bind.h>

#include "dtls.h"
#include "check/evlog.h"
#include "kernel/kernel.h"
#include "net/net.h"
#include "kernel/vdet.h"

/* ---- the handshake inside the simulator ------------------------------------ */

typedef struct peer {
    struct world *w;
    sim_udp_t    *sock;
    rtc_addr_t    remote;
    rtc_dtls_t   *dtls;
    sim_timer_t   timer;
} peer_t;

typedef struct world {
    sim_kernel_t *k;
    sim_net_t    *net;
    peer_t        client, server;
    /* the transcript: every datagram on the wire, with its time */
    unsigned char *log;
    size_t         log_len;
    sim_time_t     first_server_flight;     /* arrival time of the dropped flight */
    int            dropped;
    sim_time_t     client_sends[16];
    int            n_client_sends;
} world_t;

static void transcript(world_t *w, const void *p, size_t n)
{
    w->log = realloc(w->log, w->log_len + n);
    memcpy(w->log + w->log_len, p, n);
    w->log_len += n;
}

static void tap(void *arg, sim_time_t t, const sim_pkt_t *p)
{
    world_t *w = arg;
    transcript(w, &t, sizeof t);
    transcript(w, &p->src_port, sizeof p->src_port);
    transcript(w, p->data, p->len);
}

static uint64_t env_now(void *ctx)
{
    return sim_now(((world_t *)ctx)->k);
}

static void on_timer(void *arg);

/* The endpoint arms nothing (dtls.h): its owner asks when it is next due
 * after every call into it, as an RTCConnection does. */
static void rearm(peer_t *p)
{
    world_t *w = p->w;
    sim_cancel(w->k, p->timer);
    uint64_t at = rtc_dtls_next_timeout(p->dtls);
    p->timer = at == RTC_TIME_NEVER ? 0 : sim_at(w->k, at, on_timer, p);
}

static void on_timer(void *arg)
{
    peer_t *p = arg;
    p->timer = 0;
    rtc_dtls_handle_timeout(p->dtls);
    rearm(p);
}

static void env_set_timer(void *ctx, rtc_timer_owner_t owner, void *obj, uint64_t at)
{
    ck_abort_msg("DTLS armed an environment timer");
}

static rtc_send_status_t env_send(void *ctx, const rtc_addr_t *from, const rtc_addr_t *to,
                                  const uint8_t *data, size_t len)
{
    ck_abort_msg("DTLS sent through the environment, not its out callback");
    return RTC_SEND_FAILED;
}

static void dtls_out(void *user, const uint8_t *data, size_t len)
{
    peer_t *p = user;
    world_t *w = p->w;
    if (p == &w->client && w->n_client_sends < 16)
        w->client_sends[w->n_client_sends++] = sim_now(w->k);
    (void)sim_udp_send(p->sock, p->remote.ip, p->remote.port, data, len);
}

/* DTLS draws on OpenSSL's RAND (interposed by vdet), never on this; the
 * environment provides it all the same (rtc_env.h: required). */
static void env_random(void *ctx, void *buf, size_t len)
{
    ck_abort_msg("DTLS asked the environment for randomness");
}

static void on_rx(void *arg, sim_udp_t *s, const sim_pkt_t *pkt)
{
    peer_t *p = arg;
    world_t *w = p->w;
    /* Lose the server's whole first flight (it arrives at one instant). */
    if (p == &w->client) {
        if (!w->first_server_flight)
            w->first_server_flight = sim_now(w->k);
        if (sim_now(w->k) == w->first_server_flight) {
            w->dropped++;
            return;
        }
    }
    rtc_dtls_handle_datagram(p->dtls, pkt->data, pkt->len);
    rearm(p);
}

typedef struct outcome {
    unsigned char *log;
    size_t         log_len;
    int            dropped;
    sim_time_t     retransmit_at;   /* client's second send */
    sim_time_t     done_at;
    char           profile[64];
    char           fp_client[128], fp_server[128], seen_by_server[128];
    uint8_t        keys[60];
    size_t         keys_len;
} outcome_t;

static void handshake(uint64_t seed, outcome_t *o)
{
    char err[256];
    world_t *w = calloc(1, sizeof *w);
    w->k = sim_kernel_new(seed);
    sim_vdet_bind(w->k);
    sim_evlog_t *log = sim_evlog_new();
    w->net = sim_net_new(w->k, log);
    sim_link_params_t lp;
    sim_link_params_default(&lp);
    lp.latency = SIM_MS(10);
    sim_subnet_t *lan = sim_subnet_new(w->net, "lan", 0x0a000000, 24, &lp, NULL, err, sizeof err);
    sim_host_t *a = sim_host_new(w->net, "client", err, sizeof err);
    sim_host_t *b = sim_host_new(w->net, "server", err, sizeof err);
    sim_iface_t *ia = sim_iface_new(a, "eth0", lan, 0x0a000001, NULL, err, sizeof err);
    ck_assert(sim_iface_new(b, "eth0", lan, 0x0a000002, NULL, err, sizeof err));
    sim_iface_add_tap(ia, tap, w);
    w->client.w = w->server.w = w;
    w->client.sock = sim_udp_bind(a, 0, 5000, on_rx, &w->client, err, sizeof err);
    w->server.sock = sim_udp_bind(b, 0, 5001, on_rx, &w->server, err, sizeof err);

    rtc_dtls_cert_t *cc, *sc;
    ck_assert_int_eq(rtc_dtls_cert_new(&cc), RTC_DTLS_OK);
    ck_assert_int_eq(rtc_dtls_cert_new(&sc), RTC_DTLS_OK);
    rtc_env_t env = { .ctx = w, .now = env_now, .set_timer = env_set_timer, .send = env_send,
                      .random = env_random };
    w->client.remote = (rtc_addr_t){ 0x0a000002, 5001 };
    w->server.remote = (rtc_addr_t){ 0x0a000001, 5000 };
    ck_assert_int_eq(rtc_dtls_new(&env, RTC_DTLS_CLIENT, cc, NULL, dtls_out, &w->client,
                                  &w->client.dtls), RTC_DTLS_OK);
    ck_assert_int_eq(rtc_dtls_new(&env, RTC_DTLS_SERVER, sc, NULL, dtls_out, &w->server,
                                  &w->server.dtls), RTC_DTLS_OK);
    ck_assert_int_eq(rtc_dtls_start(w->server.dtls), RTC_DTLS_OK);
    rearm(&w->server);
    ck_assert_int_eq(rtc_dtls_start(w->client.dtls), RTC_DTLS_OK);
    rearm(&w->client);
    ck_assert_int_eq(rtc_dtls_start(w->client.dtls), RTC_DTLS_ERR_STATE);
    /* not DTLS (RFC 7983: first byte outside 20-63): ignored and counted */
    static const uint8_t stun_like[20] = { 0x00, 0x01 };
    rtc_dtls_handle_datagram(w->server.dtls, stun_like, sizeof stun_like);
    ck_assert_uint_eq(rtc_dtls_ignored(w->server.dtls), 1);
    ck_assert_int_eq(rtc_dtls_state(w->server.dtls), RTC_DTLS_HANDSHAKING);   /* unchanged */
    while (sim_step(w->k) && (rtc_dtls_state(w->client.dtls) != RTC_DTLS_CONNECTED ||
                              rtc_dtls_state(w->server.dtls) != RTC_DTLS_CONNECTED))
        ;
    ck_assert_int_eq(rtc_dtls_state(w->client.dtls), RTC_DTLS_CONNECTED);
    ck_assert_int_eq(rtc_dtls_state(w->server.dtls), RTC_DTLS_CONNECTED);
    sim_run_until(w->k, sim_now(w->k) + SIM_MS(50));  /* the last flight lands */

    memset(o, 0, sizeof *o);
    o->done_at = sim_now(w->k);
    o->dropped = w->dropped;
    o->retransmit_at = w->n_client_sends > 1 ? w->client_sends[1] : 0;
    snprintf(o->profile, sizeof o->profile, "%s", rtc_dtls_srtp_profile(w->client.dtls));
    ck_assert_str_eq(o->profile, rtc_dtls_srtp_profile(w->server.dtls));
    snprintf(o->fp_client, sizeof o->fp_client, "%s", rtc_dtls_cert_fingerprint(cc));
    snprintf(o->fp_server, sizeof o->fp_server, "%s", rtc_dtls_cert_fingerprint(sc));
    snprintf(o->seen_by_server, sizeof o->seen_by_server, "%s",
             rtc_dtls_peer_fingerprint(w->server.dtls));
    ck_assert_str_eq(rtc_dtls_peer_fingerprint(w->client.dtls), o->fp_server);
    uint8_t sk[60];
    o->keys_len = rtc_dtls_srtp_key_len(w->client.dtls);
    ck_assert_uint_eq(o->keys_len, strcmp(o->profile, "SRTP_AEAD_AES_128_GCM") == 0 ? 56 : 60);
    ck_assert_int_eq(rtc_dtls_srtp_keys(w->client.dtls, o->keys, o->keys_len), RTC_DTLS_OK);
    ck_assert_int_eq(rtc_dtls_srtp_keys(w->server.dtls, sk, o->keys_len), RTC_DTLS_OK);
    ck_assert_mem_eq(o->keys, sk, o->keys_len);
    /* both fingerprints and the keys are part of what must repeat */
    transcript(w, o->fp_client, strlen(o->fp_client));
    transcript(w, o->fp_server, strlen(o->fp_server));
    transcript(w, o->keys, o->keys_len);
    o->log = w->log;
    o->log_len = w->log_len;

    sim_cancel(w->k, w->client.timer);
    sim_cancel(w->k, w->server.timer);
    rtc_dtls_free(w->client.dtls);
    rtc_dtls_free(w->server.dtls);
    rtc_dtls_cert_free(cc);
    rtc_dtls_cert_free(sc);
    sim_vdet_bind(NULL);
    sim_net_free(w->net);
    sim_evlog_free(log);
    sim_kernel_free(w->k);
    free(w);
}

START_TEST(dtls_handshake_is_deterministic)
{
    outcome_t a, b, c;
    handshake(11, &a);
    handshake(11, &b);
    handshake(12, &c);
    ck_assert_int_gt(a.dropped, 0);
    /* the client's ClientHello at 0 is retransmitted when its 1 s timer
     * (RFC 6347 s.4.2.4.1) runs out, in virtual time */
    ck_assert_uint_eq(a.retransmit_at, SIM_SEC(1));
    ck_assert(strcmp(a.profile, "SRTP_AEAD_AES_128_GCM") == 0 ||
              strcmp(a.profile, "SRTP_AES128_CM_SHA1_80") == 0);
    ck_assert_str_eq(a.seen_by_server, a.fp_client);
    ck_assert_int_eq(strncmp(a.fp_client, "sha-256 ", 8), 0);
    ck_assert_uint_eq(strlen(a.fp_client), 8 + 32 * 3 - 1);
    ck_assert_str_ne(a.fp_client, a.fp_server);
    /* same seed: the same bytes at the same virtual times */
    ck_assert_uint_eq(a.log_len, b.log_len);
    ck_assert_mem_eq(a.log, b.log, a.log_len);
    ck_assert_uint_eq(a.done_at, b.done_at);
    /* another seed: other keys, certificates and randoms */
    ck_assert_str_ne(a.fp_client, c.fp_client);
    ck_assert(a.log_len != c.log_len || memcmp(a.log, c.log, a.log_len) != 0);
    ck_assert(memcmp(a.keys, c.keys, sizeof a.keys) != 0);
    free(a.log);
    free(b.log);
    free(c.log);
}
END_TEST

/* ---- the interposition itself --------------------------------------------- */

static void noop(void *arg) {}

START_TEST(openssl_reads_virtual_time)
{
    sim_kernel_t *k = sim_kernel_new(1);
    sim_at(k, SIM_SEC(86400 * 3 + 5), noop, NULL);
    sim_run_until(k, SIM_SEC(86400 * 3 + 5));
    sim_vdet_bind(k);
    /* X509_gmtime_adj reads time() inside libcrypto */
    ASN1_TIME *t = X509_gmtime_adj(NULL, 0);
    struct tm tm;
    ck_assert(ASN1_TIME_to_tm(t, &tm));
    ck_assert_int_eq((long long)timegm(&tm), SIM_VDET_EPOCH + 86400 * 3 + 5);
    ASN1_TIME_free(t);
    sim_vdet_bind(NULL);
    t = X509_gmtime_adj(NULL, 0);
    ck_assert(ASN1_TIME_to_tm(t, &tm));
    ck_assert_int_eq((long long)timegm(&tm), SIM_VDET_EPOCH);
    ASN1_TIME_free(t);
    sim_kernel_free(k);
}
END_TEST

static void stun_tid(uint64_t seed, StunTransactionId id)
{
    sim_kernel_t *k = sim_kernel_new(seed);
    sim_vdet_bind(k);
    StunAgent agent;
    StunMessage msg;
    uint8_t buf[STUN_MAX_MESSAGE_SIZE];
    stun_agent_init(&agent, NULL, STUN_COMPATIBILITY_RFC5389, STUN_AGENT_USAGE_USE_FINGERPRINT);
    ck_assert_uint_gt(stun_usage_bind_create(&agent, &msg, buf, sizeof buf), 0);
    stun_message_id(&msg, id);
    sim_vdet_bind(NULL);
    sim_kernel_free(k);
}

START_TEST(libnice_stun_ids_are_seeded)
{
    StunTransactionId a, b, c;
    stun_tid(5, a);
    stun_tid(5, b);
    stun_tid(6, c);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert(memcmp(a, c, sizeof a) != 0);
}
END_TEST

static Suite *determinism_suite(void)
{
    Suite *s = suite_create("determinism");
    TCase *t = tcase_create("libraries");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, dtls_handshake_is_deterministic);
    tcase_add_test(t, openssl_reads_virtual_time);
    tcase_add_test(t, libnice_stun_ids_are_seeded);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(determinism_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
