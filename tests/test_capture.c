/*
 * test_capture.c - pcap writing (headers, checksums, virtual timestamps),
 * comparison with a golden (equal, a changed byte, a shifted timestamp, a
 * missing packet, truncated and foreign files), and the one-line decoder.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "check/capture.h"

static sim_pkt_t *pkt(uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, const void *data,
                      size_t len)
{
    sim_pkt_t *p = calloc(1, sizeof *p + len);
    p->src_ip = src;
    p->dst_ip = dst;
    p->src_port = sp;
    p->dst_port = dp;
    p->ttl = 64;
    p->ip_id = 0x1234;
    p->len = (uint32_t)len;
    memcpy(p->data, data, len);
    return p;
}

/* An independent one's-complement sum, RFC 1071 s.4.1 style. */
static uint16_t rfc1071(const uint8_t *a, size_t n, const uint8_t *b, size_t m)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i += 2)
        sum += (uint32_t)(a[i] << 8) + (i + 1 < n ? a[i + 1] : 0);
    for (size_t i = 0; i < m; i += 2)
        sum += (uint32_t)(b[i] << 8) + (i + 1 < m ? b[i + 1] : 0);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

START_TEST(ipv4_udp_headers_and_checksums)
{
    for (size_t len = 0; len < 40; len++) {     /* odd and even lengths */
        uint8_t data[40];
        for (size_t i = 0; i < len; i++)
            data[i] = (uint8_t)(i * 37 + len);
        sim_pkt_t *p = pkt(0xc0a80001, 5000, 0x0a000002, 7, data, len);
        uint8_t out[128];
        size_t n = sim_ipv4_udp_encode(p, out, sizeof out);
        ck_assert_uint_eq(n, 28 + len);
        ck_assert_uint_eq(out[0], 0x45);
        ck_assert_uint_eq((out[2] << 8 | out[3]), n);
        ck_assert_uint_eq(out[9], 17);
        /* a valid header sums to zero (RFC 791 s.3.1) */
        ck_assert_uint_eq(rfc1071(out, 20, NULL, 0), 0);
        /* UDP over the pseudo-header (RFC 768) also sums to zero */
        uint8_t ph[12];
        memcpy(ph, out + 12, 8);
        ph[8] = 0;
        ph[9] = 17;
        ph[10] = (uint8_t)((8 + len) >> 8);
        ph[11] = (uint8_t)(8 + len);
        uint16_t ck = (uint16_t)(out[26] << 8 | out[27]);
        ck_assert_uint_ne(ck, 0);
        ck_assert_uint_eq(rfc1071(ph, 12, out + 20, 8 + len), 0);
        ck_assert_mem_eq(out + 28, data, len);
        ck_assert_uint_eq(sim_ipv4_udp_encode(p, out, n - 1), 0);   /* short buffer */
        free(p);
    }
}
END_TEST

/* Known answer, computed by hand: 10.0.0.1:1 > 10.0.0.2:2, payload "a",
 * id 0x1234, TTL 64. IPv4 header words sum to 0xab65, checksum 0x549a;
 * UDP: pseudo-header 0x141d + header 0x000c + data 0x6100 = 0x7529,
 * checksum 0x8ad6. */
START_TEST(known_answer)
{
    sim_pkt_t *p = pkt(0x0a000001, 1, 0x0a000002, 2, "a", 1);
    uint8_t out[64];
    ck_assert_uint_eq(sim_ipv4_udp_encode(p, out, sizeof out), 29);
    static const uint8_t want[29] = {
        0x45, 0, 0, 29, 0x12, 0x34, 0, 0, 64, 17, 0x54, 0x9a, 10, 0, 0, 1, 10, 0, 0, 2,
        0, 1, 0, 2, 0, 9, 0x8a, 0xd6, 'a',
    };
    ck_assert_mem_eq(out, want, sizeof want);
    free(p);
}
END_TEST

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/rtcsim-test-capture-XXXXXX");
    ck_assert(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Write a capture of n datagrams; `tweak` changes one thing of packet 2. */
static void write_capture(const char *name, int n, int tweak)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    sim_capture_t *c = sim_capture_open(path, err, sizeof err);
    ck_assert_msg(c, "%s", err);
    for (int i = 0; i < n; i++) {
        char payload[32];
        snprintf(payload, sizeof payload, "ping %d", i);
        if (i == 2 && tweak == 1)
            payload[0] = 'P';
        sim_pkt_t *p = pkt(0x0a000001, 5000, 0x0a000002, 7, payload, strlen(payload));
        sim_time_t t = SIM_MS(100) * (sim_time_t)i + 7;
        if (i == 2 && tweak == 2)
            t += 1;
        sim_capture_write(c, t, p);
        free(p);
    }
    ck_assert_uint_eq(sim_capture_count(c), (uint64_t)n);
    ck_assert_int_eq(sim_capture_close(c, err, sizeof err), 0);
}

static int compare(const char *a, const char *b, sim_pcap_diff_t *d, char *err)
{
    char pa[128], pb[128];
    snprintf(pa, sizeof pa, "%s/%s", dir, a);
    snprintf(pb, sizeof pb, "%s/%s", dir, b);
    return sim_pcap_compare(pa, pb, d, err, 512);
}

START_TEST(written_capture_reads_back)
{
    write_capture("a.pcap", 3, 0);
    char path[128], e[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/a.pcap", dir);
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, e);
    ck_assert(pc);
    ck_assert_int_eq(pcap_datalink(pc), DLT_RAW);
    struct pcap_pkthdr *h;
    const u_char *d;
    ck_assert_int_eq(pcap_next_ex(pc, &h, &d), 1);
    ck_assert_int_eq(pcap_next_ex(pc, &h, &d), 1);
    ck_assert_int_eq(h->ts.tv_sec, 0);
    ck_assert_int_eq(h->ts.tv_usec, 100000007);   /* nanoseconds */
    ck_assert_uint_eq(h->caplen, 28 + 6);
    ck_assert_mem_eq(d + 28, "ping 1", 6);
    pcap_close(pc);
    char err[256];
    ck_assert_ptr_null(sim_capture_open("/nonexistent/dir/x.pcap", err, sizeof err));
    ck_assert_msg(strstr(err, "/nonexistent/dir/x.pcap"), "%s", err);
}
END_TEST

START_TEST(compare_finds_the_first_difference)
{
    sim_pcap_diff_t d;
    char err[512];
    write_capture("a.pcap", 5, 0);
    write_capture("b.pcap", 5, 0);
    write_capture("byte.pcap", 5, 1);
    write_capture("time.pcap", 5, 2);
    write_capture("short.pcap", 4, 0);
    ck_assert_int_eq(compare("a.pcap", "b.pcap", &d, err), 0);
    ck_assert_uint_eq(d.n_expected, 5);
    ck_assert_int_eq(compare("a.pcap", "byte.pcap", &d, err), 1);
    ck_assert_uint_eq(d.index, 2);
    ck_assert_str_eq(d.what, "payload differs at byte 0");
    ck_assert_msg(strstr(d.expected, "'ping 2'") && strstr(d.actual, "'Ping 2'"), "%s / %s",
                  d.expected, d.actual);
    ck_assert_int_eq(compare("a.pcap", "time.pcap", &d, err), 1);
    ck_assert_uint_eq(d.index, 2);
    ck_assert_str_eq(d.what, "timestamp 0.200000007 vs 0.200000008");
    ck_assert_int_eq(compare("a.pcap", "short.pcap", &d, err), 1);
    ck_assert_uint_eq(d.index, 4);
    ck_assert_str_eq(d.actual, "(end of capture)");
    ck_assert_uint_eq(d.n_expected, 5);
    ck_assert_uint_eq(d.n_actual, 4);
}
END_TEST

/* Every cut of a valid golden is either refused as unreadable (-1, naming
 * the file) or, where the cut falls between records, seen as a shorter
 * capture (1): never equal, never a crash. */
START_TEST(truncated_and_foreign_goldens)
{
    write_capture("a.pcap", 3, 0);
    char path[128], cut[128], err[512];
    snprintf(path, sizeof path, "%s/a.pcap", dir);
    snprintf(cut, sizeof cut, "%s/cut.pcap", dir);
    FILE *f = fopen(path, "rb");
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    int refused = 0;
    for (size_t len = 0; len < n; len++) {
        f = fopen(cut, "wb");
        fwrite(buf, 1, len, f);
        fclose(f);
        sim_pcap_diff_t d;
        int rc = sim_pcap_compare(cut, path, &d, err, sizeof err);
        ck_assert_msg(rc != 0, "a cut at %zu compared equal", len);
        if (rc < 0) {
            ck_assert_msg(strstr(err, "cut.pcap"), "%s", err);
            refused++;
        }
    }
    ck_assert_int_gt(refused, (int)n / 2);
    f = fopen(cut, "w");
    fputs("not a capture at all, just text\n", f);
    fclose(f);
    sim_pcap_diff_t d;
    ck_assert_int_eq(sim_pcap_compare(cut, path, &d, err, sizeof err), -1);
    ck_assert_int_eq(compare("missing.pcap", "a.pcap", &d, err), -1);
    ck_assert_msg(strstr(err, "missing.pcap"), "%s", err);
}
END_TEST

static const char *summary(const void *payload, size_t len, char *out)
{
    sim_pkt_t *p = pkt(0x0a000001, 1000, 0x0a000002, 2000, payload, len);
    uint8_t ip[2048];
    size_t n = sim_ipv4_udp_encode(p, ip, sizeof ip);
    free(p);
    return sim_ip_summary(ip, n, out, 256);
}

START_TEST(one_line_summaries)
{
    char s[256];
    /* RFC 5769 s.2.1 sample request header: Binding Request */
    static const uint8_t stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7,
                                      0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae };
    ck_assert_str_eq(summary(stun, 20, s), "10.0.0.1:1000 > 10.0.0.2:2000 UDP 20 bytes: STUN Binding "
                                           "Request tid=b7e7a701bc34d686fa87dfae");
    uint8_t resp[20];
    memcpy(resp, stun, 20);
    resp[0] = 0x01;                                 /* 0x0101 success response */
    ck_assert(strstr(summary(resp, 20, s), "STUN Binding Success Response"));
    resp[1] = 0x13;                                 /* 0x0113 Allocate error response */
    ck_assert(strstr(summary(resp, 20, s), "STUN Allocate Error Response"));
    static const uint8_t hello[14] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 1 };
    ck_assert(strstr(summary(hello, 14, s), "DTLS 1.2 Handshake (ClientHello)"));
    static const uint8_t rtp[12] = { 0x80, 0xe0, 0, 5, 0, 0, 0, 160, 0xde, 0xad, 0xbe, 0xef };
    ck_assert(strstr(summary(rtp, 12, s), "RTP pt=96 seq=5 ts=160 ssrc=deadbeef marker"));
    static const uint8_t sr[8] = { 0x80, 200, 0, 6, 0, 0, 0, 1 };
    ck_assert(strstr(summary(sr, 8, s), "RTCP SR ssrc=00000001"));
    static const uint8_t cd[6] = { 0x40, 0x00, 0, 2, 'h', 'i' };
    ck_assert(strstr(summary(cd, 6, s), "ChannelData 0x4000 len 2"));
    ck_assert(strstr(summary("hello", 5, s), "data 'hello'"));
    static const uint8_t bin[3] = { 0xff, 0x00, 0x7f };
    ck_assert(strstr(summary(bin, 3, s), "data ff007f"));
    /* truncated and foreign input never crash */
    uint8_t ip[64];
    sim_pkt_t *p = pkt(1, 2, 3, 4, "abc", 3);
    size_t n = sim_ipv4_udp_encode(p, ip, sizeof ip);
    free(p);
    for (size_t len = 0; len <= n; len++)
        ck_assert(sim_ip_summary(ip, len, s, sizeof s) == s && strlen(s) > 0);
    ip[9] = 6;
    ck_assert(strstr(sim_ip_summary(ip, n, s, sizeof s), "protocol 6"));
}
END_TEST

static Suite *capture_suite(void)
{
    Suite *s = suite_create("capture");
    TCase *t = tcase_create("pcap");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, ipv4_udp_headers_and_checksums);
    tcase_add_test(t, known_answer);
    tcase_add_test(t, written_capture_reads_back);
    tcase_add_test(t, compare_finds_the_first_difference);
    tcase_add_test(t, truncated_and_foreign_goldens);
    tcase_add_test(t, one_line_summaries);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(capture_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
