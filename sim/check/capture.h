/*
 * capture.h - pcap capture of simulated traffic, and comparison of a
 * capture with a golden one.
 *
 * Captures are written with libpcap (pcap_open_dead + pcap_dump) as
 * LINKTYPE_RAW (IPv4 with no link header), nanosecond timestamps taken
 * from virtual time, IPv4 and UDP headers built from the datagram's fields
 * with valid checksums (RFC 791 3.1, RFC 768), so tshark decodes every
 * packet with no malformed packet and no checksum error.
 */
#ifndef SIM_CAPTURE_H
#define SIM_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"
#include "net/packet.h"

typedef struct sim_capture sim_capture_t;

/* Open a capture file for writing. NULL on failure, with a message naming
 * the path and the reason in err. */
sim_capture_t *sim_capture_open(const char *path, char *err, size_t errlen);
void           sim_capture_write(sim_capture_t *c, sim_time_t t, const sim_pkt_t *p);
/* sim_tap_fn-compatible: arg is the sim_capture_t. */
void           sim_capture_tap(void *arg, sim_time_t t, const sim_pkt_t *p);
uint64_t       sim_capture_count(const sim_capture_t *c);
/* Flush and close. Returns 0, or -1 with a message in err (write error). */
int            sim_capture_close(sim_capture_t *c, char *err, size_t errlen);

/* Encode p as an IPv4 datagram (header, UDP header, payload) with valid
 * checksums into out. Returns the datagram length, or 0 if cap is short. */
size_t         sim_ipv4_udp_encode(const sim_pkt_t *p, uint8_t *out, size_t cap);

/* One-line human summary of an IPv4 datagram, e.g.
 * "10.0.0.1:5000 > 10.0.0.2:7 UDP 5 bytes: data 'hello'" or
 * "... STUN Binding Request tid=...". Never fails; writes at most cap-1
 * bytes plus NUL and returns out. */
const char    *sim_ip_summary(const uint8_t *ip, size_t len, char *out, size_t cap);

typedef struct sim_pcap_diff {
    size_t     n_expected, n_actual;  /* packets in each file (counted to the end) */
    size_t     index;                 /* first differing packet, 0-based */
    sim_time_t t_expected, t_actual;  /* its timestamps (0 if that side ended) */
    char       expected[256];         /* summary, or "(end of capture)" */
    char       actual[256];
    char       what[128];             /* what differs: "timestamp", "length", "bytes at offset 28", "link type" ... */
} sim_pcap_diff_t;

/* Compare a golden capture with an actual one, record by record.
 * Returns 0 when identical, 1 when they differ (d says where and how),
 * -1 when either file cannot be read as a pcap (missing, truncated, not a
 * pcap): err names the file and the problem. */
int            sim_pcap_compare(const char *golden, const char *actual,
                                sim_pcap_diff_t *d, char *err, size_t errlen);

#endif
