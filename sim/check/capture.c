/*
 * capture.c - pcap writing and comparison (capture.h).
 *
 * Headers built here: IPv4 (RFC 791 s.3.1) with the header checksum, UDP
 * (RFC 768) with the checksum over the IPv4 pseudo-header. Files are
 * LINKTYPE_RAW with nanosecond timestamps from virtual time.
 */
#include "check/capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

struct sim_capture {
    pcap_t        *pcap;
    pcap_dumper_t *dump;
    char          *path;
    uint64_t       count;
    uint8_t       *buf;
    size_t         cap;
    char          *iobuf;           /* the file's stdio buffer: fewer, larger writes */
    /* The decrypted twin (capture.h): opened at the first packet with a
     * twin, so a capture without one costs nothing more and leaves no file. */
    char          *twin_path;
    pcap_dumper_t *twin_dump;
    char          *twin_iobuf;
    uint64_t       twins;           /* packets written with their twin payload */
    char          *twin_err;        /* why the twin file could not be written, for close */
    /* Reading back (sim_capture_packet): the file offset of every
     * MARK_EVERY-th record, filled as reads pass them. */
    uint64_t      *marks;
    size_t         nmarks, capmarks;
    uint8_t       *rbuf;
};

#define MARK_EVERY 256u
#define PCAP_FILE_HDR 24u           /* libpcap's file header, then records */
#define PCAP_REC_HDR  16u           /* seconds, nanoseconds, caplen, len: 32 bits each, host order */

#define IOBUF_SIZE (256u * 1024u)
#define IPV4_MAX   65535u           /* RFC 791: Total Length is 16 bits */

/* ---- checksums and encoding -------------------------------------------- */

/* The one's complement sum of 16-bit big-endian words (RFC 1071), taken
 * 32 bits at a time into a 64-bit accumulator: since 2^16 = 1 modulo
 * 0xffff, a 32-bit word adds the same as its two halves once folded
 * (RFC 1071 s.2(B), "parallel summation"). Eight bytes are loaded at once
 * and added as their two 32-bit halves (a payload's sum was a twentieth
 * of a call with capture on, 4 bytes at a time); a 64-bit load read as
 * big-endian is the same two words in the same order, so the sum is the
 * one the 4-byte loop gave (a datagram of 65535 bytes adds far below
 * 2^64). */
static uint64_t sum16(const uint8_t *p, size_t n, uint64_t acc)
{
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        acc += (w >> 32) + (w & 0xffffffffu);
    }
    for (; n >= 4; p += 4, n -= 4)
        acc += (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (n >= 2) {
        acc += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        n -= 2;
    }
    if (n)
        acc += (uint32_t)p[0] << 8;
    return acc;
}

static uint16_t fold(uint64_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

static void be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v) { be16(p, (uint16_t)(v >> 16)); be16(p + 2, (uint16_t)v); }

/* p's headers around payload[len], which is p's own payload or its twin. */
static size_t encode(const sim_pkt_t *p, const uint8_t *payload, uint32_t len, uint8_t *out,
                     size_t cap)
{
    size_t total = (size_t)len + SIM_IP_HDR + SIM_UDP_HDR;
    if (cap < total)
        return 0;
    uint8_t *ip = out, *udp = out + SIM_IP_HDR;
    ip[0] = 0x45;                       /* version 4, IHL 5 words */
    ip[1] = 0;
    be16(ip + 2, (uint16_t)total);
    be16(ip + 4, p->ip_id);
    be16(ip + 6, 0);                    /* no flags, offset 0 */
    ip[8] = p->ttl;
    ip[9] = 17;                         /* UDP */
    be16(ip + 10, 0);
    be32(ip + 12, p->src_ip);
    be32(ip + 16, p->dst_ip);
    be16(ip + 10, fold(sum16(ip, SIM_IP_HDR, 0)));

    uint16_t ulen = (uint16_t)(len + SIM_UDP_HDR);
    be16(udp, p->src_port);
    be16(udp + 2, p->dst_port);
    be16(udp + 4, ulen);
    be16(udp + 6, 0);
    memcpy(udp + SIM_UDP_HDR, payload, len);
    /* pseudo-header: source, destination, zero, protocol, UDP length */
    uint64_t acc = sum16(ip + 12, 8, 17u + ulen);
    uint16_t ck = fold(sum16(udp, ulen, acc));
    be16(udp + 6, ck ? ck : 0xffff);    /* RFC 768: a computed 0 is sent as all ones */
    return total;
}

size_t sim_ipv4_udp_encode(const sim_pkt_t *p, uint8_t *out, size_t cap)
{
    return encode(p, p->data, p->len, out, cap);
}

/* ---- writing ------------------------------------------------------------- */

sim_capture_t *sim_capture_open(const char *path, char *err, size_t errlen)
{
    sim_capture_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "cannot write capture %s: out of memory", path);
        return NULL;
    }
    c->pcap = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535, PCAP_TSTAMP_PRECISION_NANO);
    errno = 0;
    FILE *f = c->pcap ? fopen(path, "wb") : NULL;
    c->iobuf = f ? malloc(IOBUF_SIZE) : NULL;
    /* the largest IPv4 datagram, once: writing never needs memory, so a
     * capture cannot run out of it in the middle of a run */
    c->cap = IPV4_MAX;
    c->buf = c->iobuf ? malloc(c->cap) : NULL;
    if (f && c->buf && setvbuf(f, c->iobuf, _IOFBF, IOBUF_SIZE) == 0)
        c->dump = pcap_dump_fopen(c->pcap, f);     /* owns f from here */
    else if (f)
        fclose(f);
    if (!c->dump) {
        snprintf(err, errlen, "cannot write capture %s: %s", path,
                 errno ? strerror(errno) : (c->pcap ? pcap_geterr(c->pcap) : "libpcap failed"));
        if (c->pcap)
            pcap_close(c->pcap);
        free(c->iobuf);
        free(c->buf);
        free(c);
        return NULL;
    }
    c->path = strdup(path);
    size_t plen = strlen(path);
    size_t stem = plen >= 5 && strcmp(path + plen - 5, ".pcap") == 0 ? plen - 5 : plen;
    c->twin_path = c->path ? malloc(stem + sizeof ".decrypted.pcap") : NULL;
    if (c->twin_path) {
        memcpy(c->twin_path, path, stem);
        memcpy(c->twin_path + stem, ".decrypted.pcap", sizeof ".decrypted.pcap");
        /* a twin left by an earlier run in this folder is not this run's */
        remove(c->twin_path);
    }
    if (!c->path || !c->twin_path) {
        sim_capture_close(c, NULL, 0);
        snprintf(err, errlen, "cannot write capture %s: out of memory", path);
        return NULL;
    }
    return c;
}

static void twin_fail(sim_capture_t *c, const char *why)
{
    if (!c->twin_err && asprintf(&c->twin_err, "cannot write capture %s: %s", c->twin_path, why) < 0)
        c->twin_err = NULL;
    if (!c->twin_err)
        c->twin_err = (char *)"";   /* marks the failure; close reports it without the reason */
}

/* The first packet with a twin: the twin file starts as a copy of every
 * record written so far (none had a twin), read back from NAME.pcap. */
static void twin_open(sim_capture_t *c)
{
    if (c->twin_err)
        return;     /* failed once: not retried at every packet */
    errno = 0;
    if (pcap_dump_flush(c->dump) != 0) {
        twin_fail(c, strerror(errno));
        return;
    }
    FILE *f = fopen(c->twin_path, "wb");
    c->twin_iobuf = f ? malloc(IOBUF_SIZE) : NULL;
    if (f && c->twin_iobuf && setvbuf(f, c->twin_iobuf, _IOFBF, IOBUF_SIZE) == 0)
        c->twin_dump = pcap_dump_fopen(c->pcap, f);
    else if (f)
        fclose(f);
    if (!c->twin_dump) {
        twin_fail(c, errno ? strerror(errno) : "out of memory");
        free(c->twin_iobuf);
        c->twin_iobuf = NULL;
        return;
    }
    char e[PCAP_ERRBUF_SIZE];
    pcap_t *r = pcap_open_offline_with_tstamp_precision(c->path, PCAP_TSTAMP_PRECISION_NANO, e);
    if (!r) {
        twin_fail(c, e);
        return;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t copied = 0;
    while (pcap_next_ex(r, &h, &d) == 1) {
        pcap_dump((u_char *)c->twin_dump, h, d);
        copied++;
    }
    pcap_close(r);
    if (copied != c->count)
        twin_fail(c, "could not read back the packets written before the first twin");
}

/* One record as pcap_dump writes it (pcap-savefile(5): seconds,
 * nanoseconds under NANO precision, caplen, len, 32 bits each in host
 * order, then the packet), written here with the unlocked stdio calls:
 * the file is this capture's alone and the simulator has one thread, and
 * pcap_dump's two locked fwrites a record were a few percent of a call
 * with capture on. The bytes are pcap_dump's. */
static void dump_one(pcap_dumper_t *dump, sim_time_t t, const uint8_t *ip, size_t len)
{
    uint32_t h[4] = { (uint32_t)(t / 1000000000u), (uint32_t)(t % 1000000000u), (uint32_t)len,
                      (uint32_t)len };
    FILE *f = pcap_dump_file(dump);
    fwrite_unlocked(h, sizeof h, 1, f);
    fwrite_unlocked(ip, len, 1, f);
}

void sim_capture_write(sim_capture_t *c, sim_time_t t, const sim_pkt_t *p)
{
    size_t need = sim_pkt_ip_len(p);
    if (need > c->cap)
        return;     /* unreachable: sim_udp_send drops more than a UDP payload can be (TOO_BIG) */
    if (p->twin && !c->twin_dump)
        twin_open(c);
    sim_ipv4_udp_encode(p, c->buf, c->cap);
    dump_one(c->dump, t, c->buf, need);
    c->count++;
    if (!c->twin_dump)
        return;
    if (p->twin && p->twin_len + SIM_IP_HDR + SIM_UDP_HDR <= c->cap) {
        /* the same datagram (time, addresses, IP id) around the plain
         * payload; lengths and checksums are the twin's */
        size_t n = encode(p, p->twin, p->twin_len, c->buf, c->cap);
        dump_one(c->twin_dump, t, c->buf, n);
        c->twins++;
    } else {
        dump_one(c->twin_dump, t, c->buf, need);
    }
}

void sim_capture_tap(void *arg, sim_time_t t, const sim_pkt_t *p)
{
    sim_capture_write(arg, t, p);
}

uint64_t    sim_capture_count(const sim_capture_t *c) { return c->count; }
uint64_t    sim_capture_twins(const sim_capture_t *c) { return c->twins; }
const char *sim_capture_twin_file(const sim_capture_t *c) { return c->twin_dump ? c->twin_path : NULL; }

/* ---- reading back ------------------------------------------------------ */

/* Where a read of record n starts: the nearest mark at or before it. */
static uint64_t mark_before(const sim_capture_t *c, uint64_t n, uint64_t *off)
{
    uint64_t k = n / MARK_EVERY;
    if (k >= c->nmarks)
        k = c->nmarks ? c->nmarks - 1 : 0;
    *off = c->nmarks ? c->marks[k] : PCAP_FILE_HDR;
    return k * MARK_EVERY;
}

uint64_t sim_capture_packet_cost(const sim_capture_t *c, uint64_t n)
{
    uint64_t off;
    return n - mark_before(c, n, &off) + 1;
}

int sim_capture_packet(sim_capture_t *c, uint64_t n, sim_capture_rec_t *r, char *err, size_t errlen)
{
    if (n >= c->count) {
        snprintf(err, errlen, "capture %s has %llu packets, there is no packet %llu", c->path,
                 (unsigned long long)c->count, (unsigned long long)n + 1);
        return -1;
    }
    if (!c->rbuf && !(c->rbuf = malloc(IPV4_MAX))) {
        snprintf(err, errlen, "reading capture %s: out of memory", c->path);
        return -1;
    }
    errno = 0;
    if (pcap_dump_flush(c->dump) != 0) {
        snprintf(err, errlen, "reading capture %s: %s", c->path, strerror(errno));
        return -1;
    }
    FILE *f = fopen(c->path, "rb");
    uint64_t off, i = mark_before(c, n, &off);
    if (!f || fseeko(f, (off_t)off, SEEK_SET) != 0) {
        snprintf(err, errlen, "reading capture %s: %s", c->path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    for (;; i++) {
        if (i % MARK_EVERY == 0 && i / MARK_EVERY == c->nmarks) {
            if (c->nmarks == c->capmarks) {
                size_t cap = c->capmarks ? 2 * c->capmarks : 16;
                uint64_t *m = realloc(c->marks, cap * sizeof *m);
                if (m) {
                    c->marks = m;
                    c->capmarks = cap;
                }
            }
            if (c->nmarks < c->capmarks)     /* no room: read on without the mark */
                c->marks[c->nmarks++] = off;
        }
        uint32_t h[4];
        if (fread(h, sizeof h, 1, f) != 1 || h[2] > IPV4_MAX) {
            snprintf(err, errlen, "reading capture %s: record %llu is truncated or damaged", c->path,
                     (unsigned long long)i + 1);
            fclose(f);
            return -1;
        }
        if (i == n) {
            if (h[2] && fread(c->rbuf, h[2], 1, f) != 1) {
                snprintf(err, errlen, "reading capture %s: record %llu is truncated", c->path,
                         (unsigned long long)i + 1);
                fclose(f);
                return -1;
            }
            fclose(f);
            r->t = (sim_time_t)h[0] * 1000000000u + h[1];
            r->ip = c->rbuf;
            r->len = h[2];
            return 0;
        }
        off += PCAP_REC_HDR + h[2];
        if (fseeko(f, (off_t)off, SEEK_SET) != 0) {
            snprintf(err, errlen, "reading capture %s: %s", c->path, strerror(errno));
            fclose(f);
            return -1;
        }
    }
}

int sim_capture_close(sim_capture_t *c, char *err, size_t errlen)
{
    if (!c)
        return 0;
    int rc = 0;
    if (pcap_dump_flush(c->dump) != 0 || ferror(pcap_dump_file(c->dump))) {
        if (err)
            snprintf(err, errlen, "cannot write capture %s: %s", c->path, strerror(errno));
        rc = -1;
    }
    if (c->twin_dump) {
        if ((pcap_dump_flush(c->twin_dump) != 0 || ferror(pcap_dump_file(c->twin_dump))))
            twin_fail(c, strerror(errno));
        pcap_dump_close(c->twin_dump);
    }
    if (c->twin_err && rc == 0) {
        if (err)
            snprintf(err, errlen, "%s", *c->twin_err ? c->twin_err : "cannot write a decrypted twin");
        rc = -1;
    }
    pcap_dump_close(c->dump);
    pcap_close(c->pcap);
    free(c->iobuf);     /* after the files are closed */
    free(c->twin_iobuf);
    free(c->buf);
    free(c->rbuf);
    free(c->marks);
    free(c->path);
    free(c->twin_path);
    if (c->twin_err && *c->twin_err)
        free(c->twin_err);
    free(c);
    return rc;
}

/* ---- decoding for people ------------------------------------------------- */

const char *sim_stun_method_name(unsigned m)
{
    /* RFC 8489 s.18.2, RFC 8656 s.17, RFC 6062 s.6.2 */
    switch (m) {
    case 0x001: return "Binding";
    case 0x003: return "Allocate";
    case 0x004: return "Refresh";
    case 0x006: return "Send";
    case 0x007: return "Data";
    case 0x008: return "CreatePermission";
    case 0x009: return "ChannelBind";
    case 0x00A: return "Connect";
    case 0x00B: return "ConnectionBind";
    case 0x00C: return "ConnectionAttempt";
    default: return NULL;
    }
}

static const char *stun_class(unsigned c)
{
    static const char *const names[] = { "Request", "Indication", "Success Response",
                                         "Error Response" };
    return names[c & 3];
}

static const char *tls_handshake(unsigned t)
{
    switch (t) {
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 3: return "HelloVerifyRequest";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case 15: return "CertificateVerify";
    case 16: return "ClientKeyExchange";
    case 20: return "Finished";
    default: return NULL;
    }
}

static const char *rtcp_type(unsigned pt)
{
    switch (pt) {
    case 200: return "SR";
    case 201: return "RR";
    case 202: return "SDES";
    case 203: return "BYE";
    case 204: return "APP";
    case 205: return "RTPFB";
    case 206: return "PSFB";
    default: return NULL;
    }
}

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* The payload, classified by its first byte as RFC 7983 s.7 demultiplexes. */
static void payload_summary(const uint8_t *d, size_t n, char *out, size_t cap)
{
    if (n >= 20 && d[0] < 4 && rd32(d + 4) == 0x2112A442) {
        unsigned type = rd16(d);
        unsigned method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
        unsigned cls = ((type & 0x0010) >> 4) | ((type & 0x0100) >> 7);
        const char *m = sim_stun_method_name(method);
        char tid[25];
        for (int i = 0; i < 12; i++)
            snprintf(tid + 2 * i, 3, "%02x", d[8 + i]);
        if (m)
            snprintf(out, cap, "STUN %s %s tid=%s", m, stun_class(cls), tid);
        else
            snprintf(out, cap, "STUN method 0x%03x %s tid=%s", method, stun_class(cls), tid);
        return;
    }
    if (n >= 13 && d[0] >= 20 && d[0] <= 63 && d[1] == 0xfe) {
        static const char *const ct[] = { "ChangeCipherSpec", "Alert", "Handshake",
                                          "ApplicationData", "Heartbeat", "ACK" };
        const char *ver = d[2] == 0xfd ? "1.2" : d[2] == 0xff ? "1.0" : "?";
        const char *type = d[0] <= 25 ? ct[d[0] - 20] : "record";
        unsigned epoch = rd16(d + 3);
        if (d[0] == 22 && epoch == 0 && n >= 14 && tls_handshake(d[13]))
            snprintf(out, cap, "DTLS %s %s (%s)", ver, type, tls_handshake(d[13]));
        else
            snprintf(out, cap, "DTLS %s %s epoch %u len %u", ver, type, epoch, rd16(d + 11));
        return;
    }
    if (n >= 4 && d[0] >= 64 && d[0] <= 79) {
        snprintf(out, cap, "ChannelData 0x%04x len %u", rd16(d), rd16(d + 2));
        return;
    }
    if (n >= 8 && d[0] >= 128 && d[0] <= 191) {
        unsigned pt = d[1];
        /* RFC 5761 s.4: payload types 192-223 in the second byte are RTCP */
        if (pt >= 192 && pt <= 223 && rtcp_type(pt)) {
            snprintf(out, cap, "RTCP %s ssrc=%08x", rtcp_type(pt), rd32(d + 4));
            return;
        }
        if (n >= 12) {
            snprintf(out, cap, "RTP pt=%u seq=%u ts=%u ssrc=%08x%s", pt & 0x7f, rd16(d + 2),
                     rd32(d + 4), rd32(d + 8), pt & 0x80 ? " marker" : "");
            return;
        }
    }
    size_t show = n < 16 ? n : 16, printable = 0;
    for (size_t i = 0; i < show; i++)
        printable += d[i] >= 0x20 && d[i] < 0x7f;
    size_t o = (size_t)snprintf(out, cap, "data ");
    if (printable == show && show > 0) {
        o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "'%.*s'%s", (int)show, (const char *)d,
                              n > show ? "..." : "");
    } else {
        for (size_t i = 0; i < show && o < cap; i++)
            o += (size_t)snprintf(out + o, cap - o, "%02x", d[i]);
        if (n > show && o < cap)
            snprintf(out + o, cap - o, "...");
    }
}

const char *sim_ip_summary(const uint8_t *ip, size_t len, char *out, size_t cap)
{
    if (!cap)
        return out;
    if (len < SIM_IP_HDR || (ip[0] >> 4) != 4) {
        snprintf(out, cap, "not IPv4 (%zu bytes)", len);
        return out;
    }
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    char s[16], d[16];
    sim_ip_str(rd32(ip + 12), s);
    sim_ip_str(rd32(ip + 16), d);
    if (ihl < SIM_IP_HDR || len < ihl) {
        snprintf(out, cap, "%s > %s truncated IPv4 header", s, d);
        return out;
    }
    if (ip[9] != 17) {
        snprintf(out, cap, "%s > %s IPv4 protocol %u", s, d, ip[9]);
        return out;
    }
    if (len < ihl + SIM_UDP_HDR) {
        snprintf(out, cap, "%s > %s truncated UDP header", s, d);
        return out;
    }
    const uint8_t *u = ip + ihl;
    size_t ulen = rd16(u + 4), have = len - ihl;
    size_t plen = (ulen >= SIM_UDP_HDR ? ulen : SIM_UDP_HDR) - SIM_UDP_HDR;
    if (plen > have - SIM_UDP_HDR)
        plen = have - SIM_UDP_HDR;
    char pay[160];
    payload_summary(u + SIM_UDP_HDR, plen, pay, sizeof pay);
    snprintf(out, cap, "%s:%u > %s:%u UDP %zu bytes: %s", s, rd16(u), d, rd16(u + 2), plen, pay);
    return out;
}

/* ---- comparison ------------------------------------------------------------ */

typedef struct reader {
    const char *path;
    pcap_t     *p;
    size_t      count;
} reader_t;

static int reader_open(reader_t *r, const char *path, char *err, size_t errlen)
{
    char e[PCAP_ERRBUF_SIZE];
    r->path = path;
    r->count = 0;
    r->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, e);
    if (!r->p) {
        snprintf(err, errlen, "cannot read capture %s: %s", path, e);
        return -1;
    }
    return 0;
}

/* 1: a packet, 0: end of file, -1: error (truncated file ...). */
static int reader_next(reader_t *r, struct pcap_pkthdr **h, const u_char **d, char *err,
                       size_t errlen)
{
    int rc = pcap_next_ex(r->p, h, d);
    if (rc == 1) {
        r->count++;
        return 1;
    }
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    snprintf(err, errlen, "cannot read capture %s after packet %zu: %s", r->path, r->count,
             pcap_geterr(r->p));
    return -1;
}

static sim_time_t ts_of(const struct pcap_pkthdr *h)
{
    return (sim_time_t)h->ts.tv_sec * 1000000000u + (sim_time_t)h->ts.tv_usec;
}

/* Name the first differing byte by where it is. Checksums follow from the
 * other bytes, so a difference elsewhere is named first. */
static void describe_diff(const u_char *a, const u_char *b, size_t n, char *what, size_t cap)
{
    size_t off = n;
    for (size_t i = 0; i < n && off == n; i++)
        if (a[i] != b[i] && i != 10 && i != 11 && i != 26 && i != 27)
            off = i;
    for (size_t i = 0; i < n && off == n; i++)
        if (a[i] != b[i])
            off = i;
    if (off < SIM_IP_HDR)
        snprintf(what, cap, "IPv4 header differs at byte %zu", off);
    else if (off < SIM_IP_HDR + SIM_UDP_HDR)
        snprintf(what, cap, "UDP header differs at byte %zu", off - SIM_IP_HDR);
    else
        snprintf(what, cap, "payload differs at byte %zu", off - SIM_IP_HDR - SIM_UDP_HDR);
}

int sim_pcap_compare(const char *golden, const char *actual, sim_pcap_diff_t *d, char *err,
                     size_t errlen)
{
    memset(d, 0, sizeof *d);
    reader_t g, a;
    if (reader_open(&g, golden, err, errlen) < 0)
        return -1;
    if (reader_open(&a, actual, err, errlen) < 0) {
        pcap_close(g.p);
        return -1;
    }
    int result = 0;
    if (pcap_datalink(g.p) != pcap_datalink(a.p) || pcap_snapshot(g.p) != pcap_snapshot(a.p) ||
        pcap_get_tstamp_precision(g.p) != pcap_get_tstamp_precision(a.p)) {
        result = 1;
        snprintf(d->what, sizeof d->what, "file headers differ (link type %d vs %d, snaplen %d vs %d)",
                 pcap_datalink(g.p), pcap_datalink(a.p), pcap_snapshot(g.p), pcap_snapshot(a.p));
        snprintf(d->expected, sizeof d->expected, "(file header)");
        snprintf(d->actual, sizeof d->actual, "(file header)");
    }
    bool g_end = false, a_end = false;
    while (!g_end || !a_end) {
        struct pcap_pkthdr *gh = NULL, *ah = NULL;
        const u_char *gd = NULL, *ad = NULL;
        int gr = g_end ? 0 : reader_next(&g, &gh, &gd, err, errlen);
        int ar = a_end ? 0 : reader_next(&a, &ah, &ad, err, errlen);
        if (gr < 0 || ar < 0) {
            result = -1;
            break;
        }
        g_end = gr == 0;
        a_end = ar == 0;
        if (result != 0 || (gr == 0 && ar == 0))
            continue;   /* keep counting to the end */
        d->index = g.count > a.count ? g.count - 1 : a.count - 1;
        if (gr == 0 || ar == 0) {
            result = 1;
            if (gr == 0) {
                snprintf(d->expected, sizeof d->expected, "(end of capture)");
                d->t_actual = ts_of(ah);
                sim_ip_summary(ad, ah->caplen, d->actual, sizeof d->actual);
            } else {
                snprintf(d->actual, sizeof d->actual, "(end of capture)");
                d->t_expected = ts_of(gh);
                sim_ip_summary(gd, gh->caplen, d->expected, sizeof d->expected);
            }
            snprintf(d->what, sizeof d->what, "%s", gr == 0 ? "the golden has no more packets"
                                                            : "this run has no more packets");
            continue;
        }
        char tg[32], ta[32];
        if (ts_of(gh) != ts_of(ah))
            snprintf(d->what, sizeof d->what, "timestamp %s vs %s", sim_time_str(ts_of(gh), tg),
                     sim_time_str(ts_of(ah), ta));
        else if (gh->caplen != ah->caplen || gh->len != ah->len)
            snprintf(d->what, sizeof d->what, "length %u vs %u", gh->len, ah->len);
        else if (memcmp(gd, ad, gh->caplen) != 0)
            describe_diff(gd, ad, gh->caplen, d->what, sizeof d->what);
        else
            continue;
        result = 1;
        d->t_expected = ts_of(gh);
        d->t_actual = ts_of(ah);
        sim_ip_summary(gd, gh->caplen, d->expected, sizeof d->expected);
        sim_ip_summary(ad, ah->caplen, d->actual, sizeof d->actual);
    }
    d->n_expected = g.count;
    d->n_actual = a.count;
    pcap_close(g.p);
    pcap_close(a.p);
    return result;
}

int sim_pcap_load(const char *path, sim_pcap_records_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    reader_t r;
    if (reader_open(&r, path, err, errlen) < 0)
        return -1;
    out->linktype = pcap_datalink(r.p);
    out->snaplen = pcap_snapshot(r.p);
    size_t cap = 0, used = 0, dcap = 0;
    size_t *offs = NULL;
    int rc;
    struct pcap_pkthdr *h;
    const u_char *d;
    while ((rc = reader_next(&r, &h, &d, err, errlen)) == 1) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            sim_capture_rec_t *nr = realloc(out->rec, cap * sizeof *nr);
            size_t *no = realloc(offs, cap * sizeof *no);
            if (nr)
                out->rec = nr;
            if (no)
                offs = no;
            if (!nr || !no)
                goto oom;
        }
        if (used + h->caplen > dcap) {
            dcap = (used + h->caplen) * 2 + 4096;
            uint8_t *nd = realloc(out->data, dcap);
            if (!nd)
                goto oom;
            out->data = nd;
        }
        memcpy(out->data + used, d, h->caplen);
        offs[out->n] = used;
        out->rec[out->n].t = ts_of(h);
        out->rec[out->n].len = h->caplen;
        out->n++;
        used += h->caplen;
    }
    pcap_close(r.p);
    if (rc < 0) {
        free(offs);
        sim_pcap_records_free(out);
        return -1;
    }
    /* pointers only now: the data buffer moved while it grew */
    for (size_t i = 0; i < out->n; i++)
        out->rec[i].ip = out->data + offs[i];
    free(offs);
    return 0;
oom:
    pcap_close(r.p);
    free(offs);
    sim_pcap_records_free(out);
    snprintf(err, errlen, "cannot read capture %s: out of memory", path);
    return -1;
}

void sim_pcap_records_free(sim_pcap_records_t *r)
{
    free(r->rec);
    free(r->data);
    memset(r, 0, sizeof *r);
}
