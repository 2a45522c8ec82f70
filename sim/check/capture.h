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
/* The decrypted twin. A capture that sees a packet with a twin payload
 * (packet.h) writes, beside NAME.pcap, NAME.decrypted.pcap: every packet
 * of the capture, in the same order at the same times with the same
 * addresses and IP id, the twin's payload in place of the packet's where
 * it has one (IPv4 and UDP lengths and checksums computed for it). The
 * file is begun at the first such packet (with a copy of those before)
 * and exists only if there was one; open removes one left by an earlier
 * run. NAME.pcap is the same whether or not there are twins. */
uint64_t       sim_capture_twins(const sim_capture_t *c);          /* packets written with a twin */
const char    *sim_capture_twin_file(const sim_capture_t *c);      /* NULL: no twin file (yet) */

/* Read back packet n (0-based) of those written so far: its time and its
 * IPv4 datagram, in a buffer of the capture's that the next read reuses.
 * 0, or -1 with a message (n out of range, the file unreadable). The
 * cost is sim_capture_packet_cost records stepped over (reads remember
 * where every 256th record is, so reading in order costs little). */
typedef struct sim_capture_rec {
    sim_time_t     t;
    const uint8_t *ip;
    size_t         len;
} sim_capture_rec_t;
int            sim_capture_packet(sim_capture_t *c, uint64_t n, sim_capture_rec_t *r, char *err,
                                  size_t errlen);
uint64_t       sim_capture_packet_cost(const sim_capture_t *c, uint64_t n);
/* Flush and close (both files). Returns 0, or -1 with a message in err
 * (a write error, or the twin file could not be made). */
int            sim_capture_close(sim_capture_t *c, char *err, size_t errlen);

/* Encode p as an IPv4 datagram (header, UDP header, payload) with valid
 * checksums into out. Returns the datagram length, or 0 if cap is short. */
/* A STUN method's name (RFC 8489 s.18.2, RFC 8656 s.17), or NULL. */
const char    *sim_stun_method_name(unsigned method);
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

/* Every record of a pcap, read with the reader sim_pcap_compare uses (for
 * comparisons that look at more than one record at a time, check/mask.h).
 * 0 with *recs (free with sim_pcap_records_free) and *n set, or -1 with
 * err naming the file and the problem. linktype and snaplen are the file
 * header's. */
typedef struct sim_pcap_records {
    size_t             n;
    int                linktype, snaplen;
    sim_capture_rec_t *rec;      /* rec[i].ip points into storage owned here */
    uint8_t           *data;
} sim_pcap_records_t;
int            sim_pcap_load(const char *path, sim_pcap_records_t *out, char *err, size_t errlen);
void           sim_pcap_records_free(sim_pcap_records_t *r);

#endif
