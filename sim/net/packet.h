/*
 * packet.h - a UDP/IPv4 datagram as it travels the simulated network.
 *
 * The network carries datagrams, not frames: addresses, ports, an IP
 * identification and TTL, and the UDP payload. Capture builds the IPv4 and
 * UDP headers (with checksums) from these fields when it writes a pcap.
 */
#ifndef SIM_PACKET_H
#define SIM_PACKET_H

#include <stdint.h>
#include <stddef.h>

#define SIM_IP_HDR  20u
#define SIM_UDP_HDR 8u
#define SIM_UDP_MAX_PAYLOAD (65535u - SIM_IP_HDR - SIM_UDP_HDR)

typedef struct sim_pkt {
    uint32_t src_ip, dst_ip;        /* host byte order */
    uint16_t src_port, dst_port;
    uint16_t ip_id;                 /* set by the sending host, kept by copies */
    uint8_t  ttl;
    uint32_t len;                   /* UDP payload bytes */
    uint32_t cap;                   /* bytes allocated in data[] */
    uint64_t seq;                   /* per link direction, for reorder counts */
    void    *hop;                   /* the link direction carrying it now */
    /* The decrypted twin of the payload (rtc_env.h send_twin): the same
     * UDP payload with SRTP/SRTCP replaced by plain RTP/RTCP, for the
     * captures' NAME.decrypted.pcap only; nobody receives it. NULL for
     * almost every datagram. Owned by the packet (sim_pkt_set_twin, node.h),
     * freed and copied with it. */
    uint8_t *twin;
    uint32_t twin_len;
    struct sim_pkt *next, *prev;    /* pool free list; list of large packets */
    uint8_t  data[];
} sim_pkt_t;

/* Length of the IPv4 datagram that carries p. */
static inline uint32_t sim_pkt_ip_len(const sim_pkt_t *p)
{
    return p->len + SIM_IP_HDR + SIM_UDP_HDR;
}

/* "a.b.c.d" of a host-order address into buf (at least 16 bytes). */
const char *sim_ip_str(uint32_t ip, char buf[16]);
/* Parse dotted quad; returns 0 on success, -1 if s is not one. */
int sim_ip_parse(const char *s, uint32_t *ip);

#endif
