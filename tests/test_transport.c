/*
 * test_transport.c - the media plane's transport of an RTCConnection
 * (ref/ice.h): DTLS-SRTP over the selected pair, RFC 7983 demultiplexing
 * on the socket's ports, the fingerprint check of RFC 5763 s.5, keys
 * exported alike on both sides (RFC 5764 s.4.2), media datagrams both
 * ways, through a TURN relay with the decrypted twin wrapped as the
 * datagram is.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/evlog.h"
#include "host/ice_host.h"
#include "kernel/kernel.h"
#include "kernel/vdet.h"
#include "net/net.h"
#include "servers/turn_server.h"
#include "ice.h"
#include "srtp.h"

typedef struct side {
    sim_ice_socket_t *sock;
    rtc_connection_t *conn;
    struct side      *other;
    bool              relay_only;   /* use and signal relay candidates only */
    int               dtls_up, dtls_failed, changes, packets;
    char              profile[160], reason[160];
    uint8_t           last[64];
    size_t            last_len;
} side_t;

typedef struct world {
    sim_kernel_t *k;
    sim_evlog_t  *log;
    sim_net_t    *net;
    sim_host_t   *ha, *hb;
    sim_turn_server_t *turn;
    side_t        a, b;
} world_t;

static void on_event(void *arg, rtc_connection_t *c, const rtc_ice_event_t *ev)
{
    side_t *p = arg;
    char err[256];
    switch (ev->type) {
    case RTC_ICE_CANDIDATE:
        if (p->relay_only && ev->local.type != RTC_CAND_RELAY)
            break;
        /* the application's part, with no signalling delay */
        ck_assert_msg(rtc_connection_set_local_candidate(c, &ev->local, err, sizeof err) == 0, "%s", err);
        if (p->other->conn) {
            ck_assert_msg(rtc_connection_set_remote_candidate(p->other->conn, &ev->local, err, sizeof err) == 0,
                          "%s", err);
            sim_ice_socket_poke(p->other->sock);
        }
        break;
    case RTC_ICE_DTLS_CONNECTED:
        p->dtls_up++;
        snprintf(p->profile, sizeof p->profile, "%s", ev->text);
        break;
    case RTC_ICE_DTLS_FAILED:
        p->dtls_failed++;
        snprintf(p->reason, sizeof p->reason, "%s", ev->text);
        break;
    default:
        break;
    }
}

static void on_change(void *user, rtc_connection_t *c)
{
    ((side_t *)user)->changes++;
}

static void on_packet(void *user, rtc_connection_t *c, const uint8_t *data, size_t len)
{
    side_t *p = user;
    p->packets++;
    p->last_len = len < sizeof p->last ? len : sizeof p->last;
    memcpy(p->last, data, p->last_len);
}

static void world_init(world_t *w, uint64_t seed, bool turn)
{
    char err[256];
    memset(w, 0, sizeof *w);
    w->k = sim_kernel_new(seed);
    sim_vdet_bind(w->k);
    w->log = sim_evlog_new();
    w->net = sim_net_new(w->k, w->log);
    sim_link_params_t lp;
    sim_link_params_default(&lp);
    lp.latency = SIM_MS(5);
    sim_subnet_t *lan = sim_subnet_new(w->net, "lan", 0x0a000000, 24, &lp, NULL, err, sizeof err);
    ck_assert_msg(lan, "%s", err);
    w->ha = sim_host_new(w->net, "a", err, sizeof err);
    w->hb = sim_host_new(w->net, "b", err, sizeof err);
    ck_assert(sim_iface_new(w->ha, "eth0", lan, 0x0a000001, NULL, err, sizeof err));
    ck_assert(sim_iface_new(w->hb, "eth0", lan, 0x0a000002, NULL, err, sizeof err));
    rtc_turn_server_t ts = { .addr = { 0x0a000003, 3478 }, .user = "u", .password = "pw" };
    if (turn) {
        sim_host_t *ht = sim_host_new(w->net, "turn", err, sizeof err);
        ck_assert(sim_iface_new(ht, "eth0", lan, 0x0a000003, NULL, err, sizeof err));
        sim_turn_server_t *srv = sim_turn_server_new(ht, 0x0a000003, 3478, "example.org", 4, err, sizeof err);
        ck_assert_msg(srv, "%s", err);
        ck_assert_int_eq(sim_turn_server_user(srv, "u", "pw"), 0);
        w->a.relay_only = true;
        w->turn = srv;
    }
    w->a.other = &w->b;
    w->b.other = &w->a;
    w->a.sock = sim_ice_socket_new(w->ha, NULL, NULL, 0, turn ? &ts : NULL, turn, on_event, &w->a, err, sizeof err);
    w->b.sock = sim_ice_socket_new(w->hb, NULL, NULL, 0, NULL, 0, on_event, &w->b, err, sizeof err);
    ck_assert_msg(w->a.sock && w->b.sock, "%s", err);
}

/* Offer and answer; tamper (if not NULL) edits the answer the offerer
 * is given, as a man in the middle of the signalling would. */
static void call(world_t *w, void (*tamper)(rtc_conn_desc_t *))
{
    char err[256];
    w->a.conn = sim_ice_connection_new(w->a.sock, NULL, NULL, err, sizeof err);
    ck_assert_msg(w->a.conn, "%s", err);
    rtc_conn_desc_t offer, answer;
    rtc_connection_local_description(w->a.conn, &offer);
    ck_assert_uint_eq(offer.nfingerprints, 1);
    ck_assert_msg(rtc_fingerprint_check(offer.fingerprints[0], err, sizeof err) == 0, "%s", err);
    ck_assert(strncmp(offer.fingerprints[0], "sha-256 ", 8) == 0);
    w->b.conn = sim_ice_connection_new(w->b.sock, &offer, NULL, err, sizeof err);
    ck_assert_msg(w->b.conn, "%s", err);
    rtc_connection_local_description(w->b.conn, &answer);
    ck_assert_str_ne(answer.fingerprints[0], offer.fingerprints[0]);   /* a certificate each */
    if (tamper)
        tamper(&answer);
    ck_assert_msg(rtc_connection_set_remote_description(w->a.conn, &answer, err, sizeof err) == 0, "%s", err);
    rtc_media_link_t la = { &w->a, on_change, on_packet }, lb = { &w->b, on_change, on_packet };
    ck_assert_int_eq(rtc_connection_attach_media(w->a.conn, &la, err, sizeof err), 0);
    ck_assert_int_eq(rtc_connection_attach_media(w->b.conn, &lb, err, sizeof err), 0);
    ck_assert_int_eq(rtc_connection_attach_media(w->b.conn, &lb, err, sizeof err), RTC_ERR_INVALID);
    ck_assert_int_eq(rtc_connection_connect(w->a.conn, err, sizeof err), 0);
    ck_assert_int_eq(rtc_connection_connect(w->b.conn, err, sizeof err), 0);
    sim_ice_socket_poke(w->a.sock);
    sim_ice_socket_poke(w->b.sock);
}

static void world_free(world_t *w)
{
    sim_turn_server_free(w->turn);
    sim_ice_socket_free(w->a.sock);
    sim_ice_socket_free(w->b.sock);
    sim_vdet_bind(NULL);
    sim_net_free(w->net);
    sim_evlog_free(w->log);
    sim_kernel_free(w->k);
}

/* The keys both sides export, and a packet each way through them. */
static void check_keys_and_media(world_t *w)
{
    uint8_t ka[64], kb[64];
    const char *pa, *pb;
    bool ca, cb;
    rtc_srtp_profile_t prof;
    ck_assert_int_eq(rtc_connection_dtls_phase(w->a.conn), RTC_DTLS_PHASE_UP);
    ck_assert_int_eq(rtc_connection_srtp_keys(w->a.conn, &pa, ka, 0, &ca), 0);
    ck_assert(rtc_srtp_profile_of(pa, &prof));
    size_t n = rtc_srtp_key_material_len(prof);
    ck_assert_int_eq(rtc_connection_srtp_keys(w->a.conn, &pa, ka, n, &ca), 0);
    ck_assert_int_eq(rtc_connection_srtp_keys(w->b.conn, &pb, kb, n, &cb), 0);
    ck_assert_str_eq(pa, pb);
    ck_assert(!ca && cb);           /* the answerer is the DTLS client (ice.h) */
    ck_assert_mem_eq(ka, kb, n);    /* RFC 5764 s.4.2: the same exporter output */
    static const uint8_t rtp[] = { 0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 'x' };
    ck_assert_int_eq(rtc_connection_send_media(w->a.conn, rtp, sizeof rtp, NULL, 0), RTC_SEND_OK);
    ck_assert_int_eq(rtc_connection_send_media(w->b.conn, rtp, sizeof rtp, NULL, 0), RTC_SEND_OK);
    int before_a = w->a.packets, before_b = w->b.packets;
    sim_run_until(w->k, sim_now(w->k) + SIM_SEC(1));
    ck_assert_int_eq(w->a.packets, before_a + 1);
    ck_assert_int_eq(w->b.packets, before_b + 1);
    ck_assert_uint_eq(w->b.last_len, sizeof rtp);
    ck_assert_mem_eq(w->b.last, rtp, sizeof rtp);
}

START_TEST(dtls_srtp_on_a_lan)
{
    world_t w;
    world_init(&w, 1, false);
    call(&w, NULL);
    sim_run_until(w.k, SIM_SEC(5));
    ck_assert_int_eq(w.a.dtls_up, 1);
    ck_assert_int_eq(w.b.dtls_up, 1);
    ck_assert_int_eq(w.a.dtls_failed + w.b.dtls_failed, 0);
    /* the default offer prefers GCM (ice.h: rtc_socket_set_srtp_profiles) */
    ck_assert_str_eq(w.a.profile, "SRTP_AEAD_AES_128_GCM");
    ck_assert_int_ge(w.a.changes, 2);       /* ICE connected, then DTLS up */
    check_keys_and_media(&w);
    world_free(&w);
}
END_TEST

START_TEST(profile_chosen_by_the_offer)
{
    world_t w;
    char err[256];
    world_init(&w, 2, false);
    ck_assert_int_eq(rtc_socket_set_srtp_profiles(sim_ice_socket_handle(w.a.sock), "SRTP_AES128_CM_SHA1_80",
                                                  err, sizeof err), 0);
    ck_assert_int_eq(rtc_socket_set_srtp_profiles(sim_ice_socket_handle(w.b.sock), "SRTP_AES128_CM_SHA1_80",
                                                  err, sizeof err), 0);
    ck_assert_int_eq(rtc_socket_set_srtp_profiles(sim_ice_socket_handle(w.b.sock), "SRTP_NULL_SHA1_80",
                                                  err, sizeof err), RTC_ERR_INVALID);
    ck_assert(strstr(err, "SRTP_NULL_SHA1_80"));
    call(&w, NULL);
    sim_run_until(w.k, SIM_SEC(5));
    ck_assert_str_eq(w.a.profile, "SRTP_AES128_CM_SHA1_80");
    ck_assert_str_eq(w.b.profile, "SRTP_AES128_CM_SHA1_80");
    check_keys_and_media(&w);
    world_free(&w);
}
END_TEST

static void flip_digit(rtc_conn_desc_t *d)
{
    char *h = d->fingerprints[0] + 8;
    h[0] = h[0] == 'A' ? 'B' : 'A';
}

static void drop_fingerprints(rtc_conn_desc_t *d)
{
    d->nfingerprints = 0;
}

START_TEST(fingerprint_mismatch_fails)
{
    world_t w;
    world_init(&w, 3, false);
    call(&w, flip_digit);
    sim_run_until(w.k, SIM_SEC(5));
    /* the offerer was told the wrong certificate: it refuses the peer */
    ck_assert_int_eq(w.a.dtls_failed, 1);
    ck_assert_int_eq(w.a.dtls_up, 0);
    ck_assert(strstr(w.a.reason, "matches none of the 1 fingerprints"));
    ck_assert_int_eq(rtc_connection_dtls_phase(w.a.conn), RTC_DTLS_PHASE_FAILED);
    const char *p;
    uint8_t k[64];
    bool cl;
    ck_assert_int_eq(rtc_connection_srtp_keys(w.a.conn, &p, k, sizeof k, &cl), RTC_ERR_INVALID);
    world_free(&w);
}
END_TEST

START_TEST(no_fingerprint_fails)
{
    world_t w;
    world_init(&w, 4, false);
    call(&w, drop_fingerprints);
    sim_run_until(w.k, SIM_SEC(5));
    ck_assert_int_eq(w.a.dtls_failed, 1);
    ck_assert(strstr(w.a.reason, "no fingerprint"));
    world_free(&w);
}
END_TEST

START_TEST(fingerprint_syntax)
{
    char err[256];
    const char *good = "sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                       "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
    ck_assert_int_eq(rtc_fingerprint_check(good, err, sizeof err), 0);
    ck_assert_int_eq(rtc_fingerprint_check("SHA-1 ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01",
                                           err, sizeof err), 0);
    ck_assert_int_eq(rtc_fingerprint_check("md5 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89", err,
                                           sizeof err), -1);
    ck_assert(strstr(err, "RFC 8122"));
    ck_assert_int_eq(rtc_fingerprint_check("sha-256 AB:CD", err, sizeof err), -1);
    ck_assert(strstr(err, "32 hex pairs"));
    ck_assert_int_eq(rtc_fingerprint_check("sha-256ABCD", err, sizeof err), -1);
    char bad[128];
    snprintf(bad, sizeof bad, "%s", good);
    bad[10] = '-';
    ck_assert_int_eq(rtc_fingerprint_check(bad, err, sizeof err), -1);
    ck_assert(strstr(err, "character 11"));
    snprintf(bad, sizeof bad, "%s", good);
    bad[9] = 'G';
    ck_assert_int_eq(rtc_fingerprint_check(bad, err, sizeof err), -1);
}
END_TEST

/* Media from an address that is no valid pair's is not the connection's:
 * the socket counts it and nothing reaches the link. */
START_TEST(media_from_elsewhere_ignored)
{
    world_t w;
    world_init(&w, 5, false);
    call(&w, NULL);
    sim_run_until(w.k, SIM_SEC(3));
    rtc_socket_stats_t before, after;
    rtc_socket_stats(sim_ice_socket_handle(w.b.sock), &before);
    static const uint8_t rtp[] = { 0x80, 0x60, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4 };
    rtc_addr_t local = { 0x0a000002, 0 }, from = { 0x0a000009, 5000 };
    int packets = w.b.packets;
    local.port = 49152;         /* b's first ephemeral port: its socket's address */
    rtc_socket_handle_datagram(sim_ice_socket_handle(w.b.sock), &local, &from, rtp, sizeof rtp);
    rtc_socket_stats(sim_ice_socket_handle(w.b.sock), &after);
    ck_assert_int_eq(w.b.packets, packets);
    ck_assert_uint_eq(after.ignored[RTC_STUN_NOT_STUN], before.ignored[RTC_STUN_NOT_STUN] + 1);
    world_free(&w);
}
END_TEST

START_TEST(dtls_srtp_through_a_relay)
{
    world_t w;
    world_init(&w, 6, true);
    call(&w, NULL);
    sim_run_until(w.k, SIM_SEC(8));
    ck_assert_int_eq(w.a.dtls_up, 1);
    ck_assert_int_eq(w.b.dtls_up, 1);
    sim_turn_stats_t before, after;
    sim_turn_server_stats(w.turn, &before);
    check_keys_and_media(&w);
    /* the media went through the relay, both ways */
    sim_turn_server_stats(w.turn, &after);
    ck_assert_uint_ge(after.relayed_out + after.relayed_in, before.relayed_out + before.relayed_in + 2);
    world_free(&w);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("transport");
    TCase *t = tcase_create("dtls-srtp");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, dtls_srtp_on_a_lan);
    tcase_add_test(t, profile_chosen_by_the_offer);
    tcase_add_test(t, fingerprint_mismatch_fails);
    tcase_add_test(t, no_fingerprint_fails);
    tcase_add_test(t, fingerprint_syntax);
    tcase_add_test(t, media_from_elsewhere_ignored);
    tcase_add_test(t, dtls_srtp_through_a_relay);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
