/*
 * reader.h - reads captures this project did not write (issue 13): pcap
 * and pcapng files, down to the UDP datagrams (and TURN-over-TCP
 * messages) they carry, for `rtcsim lint` and `rtcsim replay`.
 *
 * Formats: pcap (either byte order, microsecond or nanosecond magic) and
 * pcapng (any number of sections, either byte order each, any number of
 * interfaces each with its own link type, if_tsresol and if_tsoffset;
 * Enhanced, Simple and obsolete Packet Blocks; other blocks skipped).
 * Link types: Ethernet (with 802.1Q/802.1ad tags), raw IP (IPv4 or IPv6),
 * Linux cooked SLL and SLL2, BSD loopback (NULL and LOOP). Network: IPv4
 * (fragments reassembled, RFC 791 s.3.2) and IPv6 (extension headers
 * stepped over, RFC 8200 s.4). Transport: UDP; TCP segments of a flow in
 * sequence order, cut into the STUN messages and ChannelData frames they
 * carry (TURN over TCP, RFC 8656 s.12.5: ChannelData padded to 4 bytes)
 * or, where a flow starts with the 2-byte framing of RFC 6544 s.3, into
 * its frames.
 *
 * Streaming: the file is mapped, not copied; what is kept is per open
 * flow (fragments waiting, a TCP flow's unfinished message), bounded, so
 * memory does not grow with the file's length.
 *
 * Errors: a file that is not a capture, or is truncated or corrupt at the
 * block level, is an error naming the file and the byte offset. A packet
 * the reader cannot take down to a datagram (another protocol, a
 * truncated header, a fragment never completed) is counted by reason with
 * the first packet's number, never silently dropped.
 */
#ifndef SIM_TRACE_READER_H
#define SIM_TRACE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_trace sim_trace_t;

/* An address: IPv4 (family 4, the first 4 bytes) or IPv6 (family 6). */
typedef struct sim_trace_addr {
    uint8_t  family;
    uint8_t  ip[16];
    uint16_t port;
} sim_trace_addr_t;

typedef enum sim_trace_transport { SIM_TRACE_UDP, SIM_TRACE_TCP } sim_trace_transport_t;

/* One datagram (UDP) or one framed message (TCP): data points into the
 * mapped file or a buffer of the reader, valid until the next call. */
typedef struct sim_trace_dgram {
    uint64_t              packet;   /* the capture's packet number, from 1 (the last
                                     * fragment's or segment's for reassembled data) */
    uint64_t              offset;   /* that packet's block's byte offset in the file */
    int64_t               time_ns;  /* since the Unix epoch, as recorded */
    sim_trace_transport_t transport;
    sim_trace_addr_t      src, dst;
    const uint8_t        *data;
    size_t                len;
} sim_trace_dgram_t;

/* Why a packet gave no datagram. */
typedef enum sim_trace_skip {
    SIM_TRACE_SKIP_LINKTYPE,        /* an interface's link type the reader does not decode */
    SIM_TRACE_SKIP_NOT_IP,          /* Ethernet/SLL carrying another protocol (ARP, ...) */
    SIM_TRACE_SKIP_TRUNCATED,       /* captured shorter than its headers say (snaplen) */
    SIM_TRACE_SKIP_BAD_IP,          /* an IP header that does not hold together */
    SIM_TRACE_SKIP_NOT_UDP_TCP,     /* ICMP, SCTP, ... */
    SIM_TRACE_SKIP_FRAGMENT,        /* a fragment whose datagram never completed, or IPv6's */
    SIM_TRACE_SKIP_TCP_CONTROL,     /* a TCP segment with no payload (SYN, ACK, FIN) */
    SIM_TRACE_SKIP_TCP_STREAM,      /* TCP payload that is not STUN/ChannelData/RFC 6544 framing,
                                     * or a gap in the stream */
    SIM_TRACE_SKIP__COUNT
} sim_trace_skip_t;

const char *sim_trace_skip_name(sim_trace_skip_t why);

/* NULL with "FILE: why" (and the byte offset where it applies) in err. */
sim_trace_t *sim_trace_open(const char *path, char *err, size_t errlen);
void         sim_trace_close(sim_trace_t *t);
/* The next datagram: 1, 0 at the end of the file, -1 with "FILE: byte
 * offset N: why" in err (the file is corrupt or truncated there; what came
 * before was read). */
int          sim_trace_next(sim_trace_t *t, sim_trace_dgram_t *out, char *err, size_t errlen);
/* Packets (frames) read so far, and those that gave no datagram for why,
 * with the first such packet's number (0: none). */
uint64_t     sim_trace_packets(const sim_trace_t *t);
uint64_t     sim_trace_skipped(const sim_trace_t *t, sim_trace_skip_t why, uint64_t *first);
/* "pcap" or "pcapng". */
const char  *sim_trace_format(const sim_trace_t *t);
/* "198.51.100.1:3478" or "[2001:db8::1]:3478" into buf (at least 56 bytes). */
const char  *sim_trace_addr_str(const sim_trace_addr_t *a, char *buf, size_t cap);

#endif
