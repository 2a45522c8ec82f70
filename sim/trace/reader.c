/*
 * reader.c - pcap and pcapng down to UDP datagrams and TURN-over-TCP
 * messages (reader.h).
 *
 * References: the pcap file format (draft-ietf-opsawg-pcap, s.4-5), the
 * pcapng format (draft-ietf-opsawg-pcapng, s.3-4), the link types of
 * tcpdump.org's LINKTYPE_ list, RFC 791 (IPv4, s.3.2 reassembly), RFC 8200
 * (IPv6, s.4 extension headers), RFC 768 (UDP), RFC 9293 (TCP), RFC 8656
 * s.12.5 (ChannelData over TCP), RFC 6544 s.3 (framing of ICE over TCP).
 */
#include "trace/reader.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MSG_MAX      (65535 + 20)   /* a STUN message: 20-byte header, 16-bit length */
#define MAX_FRAMES   (16u << 20)    /* a frame longer than this is corruption, not a jumbo */
#define MAX_IFACES   256            /* per pcapng section */
#define MAX_REASM    64             /* IPv4 datagrams being reassembled at once */
#define REASM_NS     (30ll * 1000000000ll)  /* RFC 791 s.3.2: a timer of about 15-120 s; 30 s */
#define MAX_FLOWS    4096           /* TCP flows followed at once */
#define FLOW_HASH    1024

/* link types (tcpdump.org LINKTYPE_*) */
enum {
    LT_NULL = 0, LT_EN10MB = 1, LT_RAW_BSD1 = 12, LT_RAW_BSD2 = 14, LT_RAW = 101, LT_LOOP = 108,
    LT_SLL = 113, LT_IPV4 = 228, LT_IPV6 = 229, LT_SLL2 = 276,
};

typedef struct iface {
    uint32_t linktype;
    uint64_t res_num;               /* units per second: 10^n or 2^n */
    bool     res_pow2;
    uint8_t  res_exp;
    int64_t  offset_s;              /* if_tsoffset */
} iface_t;

/* An IPv4 datagram being put together from its fragments. */
typedef struct reasm {
    bool     used;
    uint8_t  src[4], dst[4], proto;
    uint16_t id;
    int64_t  first_ns;
    uint32_t total;                 /* payload length once the last fragment came, else 0 */
    uint32_t frags;                 /* packets held */
    uint8_t  have[8192 / 8];        /* 8-byte units received (RFC 791: offsets in 8-byte units) */
    uint8_t  data[65536];
} reasm_t;

typedef enum { FL_UNKNOWN, FL_TURN, FL_RFC6544, FL_OPAQUE } flow_mode_t;

/* One direction of a TCP connection. */
typedef struct flow {
    sim_trace_addr_t src, dst;
    bool             synced;
    uint32_t         next_seq;
    flow_mode_t      mode;
    bool             closing;       /* FIN or RST came: dropped once drained */
    size_t           len, cap;
    uint8_t         *buf;           /* grown as needed, up to MSG_MAX + 4 */
    struct flow     *hnext;
    struct flow     *lnext, *lprev; /* in order of last use, for eviction */
} flow_t;

struct sim_trace {
    char          *path;
    const uint8_t *map;
    size_t         size;
    size_t         pos;             /* the next block */
    size_t         released;        /* bytes before this are given back (MADV_DONTNEED) */
    bool           ng, swap, nsec;
    uint32_t       linktype;        /* pcap */
    iface_t        ifaces[MAX_IFACES];
    size_t         nifaces;
    uint64_t       packets;
    uint64_t       skipped[SIM_TRACE_SKIP__COUNT], first_skip[SIM_TRACE_SKIP__COUNT];
    /* the frame being decoded */
    uint64_t       cur_packet, cur_offset;
    int64_t        cur_ns;
    reasm_t       *reasm;           /* MAX_REASM */
    flow_t        *flows[FLOW_HASH];
    flow_t        *lru_head, *lru_tail;
    size_t         nflows;
    flow_t        *pending;         /* a flow that may hold more complete messages */
    uint8_t        msg[MSG_MAX + 4];
};

const char *sim_trace_skip_name(sim_trace_skip_t why)
{
    static const char *const names[SIM_TRACE_SKIP__COUNT] = {
        [SIM_TRACE_SKIP_LINKTYPE] = "link type not decoded",
        [SIM_TRACE_SKIP_NOT_IP] = "not IP",
        [SIM_TRACE_SKIP_TRUNCATED] = "truncated",
        [SIM_TRACE_SKIP_BAD_IP] = "bad IP header",
        [SIM_TRACE_SKIP_NOT_UDP_TCP] = "neither UDP nor TCP",
        [SIM_TRACE_SKIP_FRAGMENT] = "fragment of an incomplete datagram",
        [SIM_TRACE_SKIP_TCP_CONTROL] = "TCP without payload",
        [SIM_TRACE_SKIP_TCP_STREAM] = "TCP payload not framed as STUN/TURN or RFC 6544",
    };
    return (unsigned)why < SIM_TRACE_SKIP__COUNT ? names[why] : "?";
}

static void fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]; }
static uint32_t rd32(const sim_trace_t *t, const uint8_t *p) { return t->swap ? be32(p) : le32(p); }
static uint16_t rd16(const sim_trace_t *t, const uint8_t *p)
{
    return t->swap ? be16(p) : (uint16_t)(p[1] << 8 | p[0]);
}

static void skip(sim_trace_t *t, sim_trace_skip_t why)
{
    if (!t->skipped[why]++)
        t->first_skip[why] = t->cur_packet;
}

uint64_t sim_trace_packets(const sim_trace_t *t) { return t->packets; }
const char *sim_trace_format(const sim_trace_t *t) { return t->ng ? "pcapng" : "pcap"; }

uint64_t sim_trace_skipped(const sim_trace_t *t, sim_trace_skip_t why, uint64_t *first)
{
    if ((unsigned)why >= SIM_TRACE_SKIP__COUNT)
        return 0;
    if (first)
        *first = t->first_skip[why];
    return t->skipped[why];
}

const char *sim_trace_addr_str(const sim_trace_addr_t *a, char *buf, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->ip, ip, sizeof ip);
    snprintf(buf, cap, a->family == 6 ? "[%s]:%u" : "%s:%u", ip, (unsigned)a->port);
    return buf;
}

/* ---- opening --------------------------------------------------------------------- */

sim_trace_t *sim_trace_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        fail(err, errlen, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_size < 4) {
        fail(err, errlen, "%s: %lld bytes: not a pcap or pcapng capture (too short for a header)", path,
             (long long)st.st_size);
        close(fd);
        return NULL;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        fail(err, errlen, "%s: cannot map it: %s", path, strerror(errno));
        return NULL;
    }
    madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
    sim_trace_t *t = calloc(1, sizeof *t);
    if (!t || !(t->path = strdup(path)) || !(t->reasm = calloc(MAX_REASM, sizeof *t->reasm))) {
        if (t) {
            free(t->path);
            free(t);
        }
        munmap(map, (size_t)st.st_size);
        fail(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    t->map = map;
    t->size = (size_t)st.st_size;
    uint32_t m = le32(t->map);
    if (m == 0x0A0D0D0Au) {
        t->ng = true;                   /* pcapng: the section header block says the order */
        return t;
    }
    /* pcap s.4: the magic in the writer's byte order; 0xA1B23C4D for ns */
    if (m == 0xA1B2C3D4u || m == 0xA1B23C4Du)
        t->swap = false;
    else if (m == 0xD4C3B2A1u || m == 0x4D3CB2A1u)
        t->swap = true;
    else {
        fail(err, errlen, "%s: byte offset 0: not a pcap or pcapng capture (magic %02x %02x %02x %02x)",
             path, t->map[0], t->map[1], t->map[2], t->map[3]);
        sim_trace_close(t);
        return NULL;
    }
    t->nsec = m == 0xA1B23C4Du || m == 0x4D3CB2A1u;
    if (t->size < 24) {
        fail(err, errlen, "%s: byte offset 4: truncated pcap file header (%zu of 24 bytes)", path, t->size);
        sim_trace_close(t);
        return NULL;
    }
    /* s.4: LinkType's low 16 bits; the upper ones carry FCS flags */
    t->linktype = rd32(t, t->map + 20) & 0xFFFFu;
    t->pos = 24;
    return t;
}

static void flow_free(flow_t *f)
{
    free(f->buf);
    free(f);
}

void sim_trace_close(sim_trace_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < FLOW_HASH; i++)
        while (t->flows[i]) {
            flow_t *f = t->flows[i];
            t->flows[i] = f->hnext;
            flow_free(f);
        }
    munmap((void *)t->map, t->size);
    free(t->reasm);
    free(t->path);
    free(t);
}

/* ---- decoding a frame -------------------------------------------------------------- */

static int emit(sim_trace_t *t, sim_trace_dgram_t *out, sim_trace_transport_t tr, const sim_trace_addr_t *src,
                const sim_trace_addr_t *dst, const uint8_t *data, size_t len)
{
    out->packet = t->cur_packet;
    out->offset = t->cur_offset;
    out->time_ns = t->cur_ns;
    out->transport = tr;
    out->src = *src;
    out->dst = *dst;
    out->data = data;
    out->len = len;
    return 1;
}

/* ---- TCP ---- */

static size_t flow_hash(const sim_trace_addr_t *s, const sim_trace_addr_t *d)
{
    uint32_t h = 2166136261u;
    const sim_trace_addr_t *a[2] = { s, d };
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < 16; i++)
            h = (h ^ a[k]->ip[i]) * 16777619u;
        h = (h ^ a[k]->port) * 16777619u;
    }
    return h % FLOW_HASH;
}

static bool addr_eq(const sim_trace_addr_t *a, const sim_trace_addr_t *b)
{
    return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, 16) == 0;
}

static void lru_unlink(sim_trace_t *t, flow_t *f)
{
    if (f->lprev)
        f->lprev->lnext = f->lnext;
    else
        t->lru_head = f->lnext;
    if (f->lnext)
        f->lnext->lprev = f->lprev;
    else
        t->lru_tail = f->lprev;
    f->lprev = f->lnext = NULL;
}

static void lru_front(sim_trace_t *t, flow_t *f)
{
    f->lnext = t->lru_head;
    f->lprev = NULL;
    if (t->lru_head)
        t->lru_head->lprev = f;
    t->lru_head = f;
    if (!t->lru_tail)
        t->lru_tail = f;
}

static void skip(sim_trace_t *t, sim_trace_skip_t why);

/* Forget a flow; bytes it held that made no whole message are counted. */
static void flow_drop(sim_trace_t *t, flow_t *f)
{
    if (f->len)
        skip(t, SIM_TRACE_SKIP_TCP_STREAM);
    flow_t **pp = &t->flows[flow_hash(&f->src, &f->dst)];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    lru_unlink(t, f);
    if (t->pending == f)
        t->pending = NULL;
    t->nflows--;
    flow_free(f);
}

static flow_t *flow_get(sim_trace_t *t, const sim_trace_addr_t *s, const sim_trace_addr_t *d)
{
    size_t h = flow_hash(s, d);
    for (flow_t *f = t->flows[h]; f; f = f->hnext)
        if (addr_eq(&f->src, s) && addr_eq(&f->dst, d)) {
            lru_unlink(t, f);
            lru_front(t, f);
            return f;
        }
    if (t->nflows >= MAX_FLOWS)
        flow_drop(t, t->lru_tail);      /* the least recently used: its unfinished message is lost */
    flow_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->src = *s;
    f->dst = *d;
    f->hnext = t->flows[h];
    t->flows[h] = f;
    lru_front(t, f);
    t->nflows++;
    return f;
}

static bool looks_stun(const uint8_t *p, size_t n)
{
    /* RFC 8489 s.5: the top two bits zero, the magic cookie at 4 */
    return n >= 8 && (p[0] & 0xC0) == 0 && be32(p + 4) == 0x2112A442u;
}

/* RFC 6544 s.3: a 16-bit length, then a STUN message, a DTLS record or
 * RTP/RTCP (RFC 7983 s.7's ranges, tightened: DTLS's content types 20-23
 * with a version byte 0xFE, RTP version 2), so that TLS, SIP or HTTP on
 * the same port is not taken for it. */
static bool framed_6544(const uint8_t *p, size_t n)
{
    const uint8_t *f = p + 2;
    size_t m = n - 2;
    return looks_stun(f, m) || (f[0] >= 20 && f[0] <= 23 && f[1] == 0xFE) || (f[0] & 0xC0) == 0x80;
}

/* The length of the complete message at the head of f's buffer (the bytes
 * to consume), its payload's offset and length; 0 if not complete yet;
 * SIZE_MAX if the stream is not framed as the mode says. */
static size_t frame_at(const flow_t *f, size_t *off, size_t *len)
{
    const uint8_t *p = f->buf;
    if (f->mode == FL_RFC6544) {
        if (f->len < 2)
            return 0;
        size_t n = be16(p);
        *off = 2;
        *len = n;
        return f->len >= 2 + n ? 2 + n : 0;
    }
    if (f->len < 4)
        return 0;
    if ((p[0] & 0xC0) == 0) {           /* STUN: 20-byte header and its length */
        if (f->len >= 8 && !looks_stun(p, f->len))
            return SIZE_MAX;
        size_t n = 20 + (size_t)be16(p + 2);
        *off = 0;
        *len = n;
        return f->len >= n ? n : 0;
    }
    if (p[0] >= 0x40 && p[0] <= 0x4F) { /* ChannelData, padded to 4 over TCP (RFC 8656 s.12.5) */
        size_t n = 4 + (size_t)be16(p + 2);
        size_t padded = (n + 3) & ~(size_t)3;
        *off = 0;
        *len = n;
        return f->len >= padded ? padded : 0;
    }
    return SIZE_MAX;
}

/* The next complete message of the pending flow, copied out. */
static int drain(sim_trace_t *t, sim_trace_dgram_t *out)
{
    flow_t *f = t->pending;
    if (!f)
        return 0;
    size_t off = 0, len = 0, used = frame_at(f, &off, &len);
    if (used == 0) {
        t->pending = NULL;
        if (f->closing)
            flow_drop(t, f);
        return 0;
    }
    if (used == SIZE_MAX) {
        /* the stream lost its framing (a message we could not follow):
         * what is buffered is counted, and the flow waits to resync at a
         * later segment that starts a message */
        skip(t, SIM_TRACE_SKIP_TCP_STREAM);
        f->len = 0;
        f->mode = FL_UNKNOWN;
        t->pending = NULL;
        return 0;
    }
    memcpy(t->msg, f->buf + off, len);
    memmove(f->buf, f->buf + used, f->len - used);
    f->len -= used;
    return emit(t, out, SIM_TRACE_TCP, &f->src, &f->dst, t->msg, len);
}

static int tcp(sim_trace_t *t, sim_trace_dgram_t *out, sim_trace_addr_t *src, sim_trace_addr_t *dst,
               const uint8_t *p, size_t n)
{
    if (n < 20) {
        skip(t, SIM_TRACE_SKIP_TRUNCATED);
        return 0;
    }
    size_t hl = (size_t)(p[12] >> 4) * 4;
    if (hl < 20 || hl > n) {
        skip(t, hl < 20 ? SIM_TRACE_SKIP_BAD_IP : SIM_TRACE_SKIP_TRUNCATED);
        return 0;
    }
    src->port = be16(p);
    dst->port = be16(p + 2);
    uint32_t seq = be32(p + 4);
    uint8_t flags = p[13];
    const uint8_t *pay = p + hl;
    size_t plen = n - hl;
    flow_t *f = flow_get(t, src, dst);
    if (!f) {
        skip(t, SIM_TRACE_SKIP_TCP_STREAM);     /* out of memory: counted, not hidden */
        return 0;
    }
    if (flags & 0x02) {                          /* SYN: the stream starts after it */
        f->synced = true;
        f->next_seq = seq + 1;
        f->len = 0;
        f->mode = FL_UNKNOWN;
    }
    if (!plen) {
        if (flags & 0x05)                        /* FIN or RST: the flow is done */
            flow_drop(t, f);
        skip(t, SIM_TRACE_SKIP_TCP_CONTROL);
        return 0;
    }
    if (f->synced && seq != f->next_seq) {
        uint32_t ahead = seq - f->next_seq;
        if (ahead > 0x80000000u) {               /* before next_seq: a retransmission */
            uint32_t behind = f->next_seq - seq;
            if (behind >= plen) {
                skip(t, SIM_TRACE_SKIP_TCP_CONTROL);   /* all of it seen already */
                return 0;
            }
            pay += behind;
            plen -= behind;
            seq = f->next_seq;
        } else {                                 /* a gap: what was lost cannot be framed */
            skip(t, SIM_TRACE_SKIP_TCP_STREAM);
            f->len = 0;
            f->mode = FL_UNKNOWN;
        }
    }
    f->synced = true;
    f->next_seq = seq + (uint32_t)plen;
    if (f->mode == FL_UNKNOWN || f->mode == FL_OPAQUE) {
        /* decide (or resync) at a segment that starts a message */
        if (looks_stun(pay, plen) || (plen >= 4 && pay[0] >= 0x40 && pay[0] <= 0x4F && f->mode == FL_UNKNOWN))
            f->mode = FL_TURN;
        else if (plen >= 4 && f->mode == FL_UNKNOWN && framed_6544(pay, plen))
            f->mode = FL_RFC6544;
        else {
            f->mode = FL_OPAQUE;
            skip(t, SIM_TRACE_SKIP_TCP_STREAM);
            return 0;
        }
        f->len = 0;
    }
    if (f->len + plen > MSG_MAX + 4) {
        /* more than one message could hold without a complete one:
         * not the framing we took it for */
        skip(t, SIM_TRACE_SKIP_TCP_STREAM);
        f->len = 0;
        f->mode = FL_OPAQUE;
        return 0;
    }
    if (f->len + plen > f->cap) {
        size_t cap = f->cap ? f->cap : 2048;
        while (cap < f->len + plen)
            cap *= 2;
        if (cap > MSG_MAX + 4)
            cap = MSG_MAX + 4;
        uint8_t *nb = realloc(f->buf, cap);
        if (!nb) {
            skip(t, SIM_TRACE_SKIP_TCP_STREAM);  /* out of memory: counted, not hidden */
            return 0;
        }
        f->buf = nb;
        f->cap = cap;
    }
    memcpy(f->buf + f->len, pay, plen);
    f->len += plen;
    f->closing = flags & 0x05;                   /* FIN/RST with data: deliver, then forget */
    t->pending = f;
    return drain(t, out);
}

/* ---- UDP and IP ---- */

static int udp(sim_trace_t *t, sim_trace_dgram_t *out, sim_trace_addr_t *src, sim_trace_addr_t *dst,
               const uint8_t *p, size_t n)
{
    if (n < 8) {
        skip(t, SIM_TRACE_SKIP_TRUNCATED);
        return 0;
    }
    size_t ulen = be16(p + 4);
    if (ulen < 8) {
        skip(t, SIM_TRACE_SKIP_BAD_IP);
        return 0;
    }
    if (ulen > n) {
        skip(t, SIM_TRACE_SKIP_TRUNCATED);
        return 0;
    }
    src->port = be16(p);
    dst->port = be16(p + 2);
    return emit(t, out, SIM_TRACE_UDP, src, dst, p + 8, ulen - 8);
}

static int transport(sim_trace_t *t, sim_trace_dgram_t *out, uint8_t proto, sim_trace_addr_t *src,
                     sim_trace_addr_t *dst, const uint8_t *p, size_t n)
{
    if (proto == 17)
        return udp(t, out, src, dst, p, n);
    if (proto == 6)
        return tcp(t, out, src, dst, p, n);
    skip(t, SIM_TRACE_SKIP_NOT_UDP_TCP);
    return 0;
}

static void reasm_expire(sim_trace_t *t, reasm_t *r)
{
    for (uint32_t i = 0; i < r->frags; i++)
        skip(t, SIM_TRACE_SKIP_FRAGMENT);
    r->used = false;
}

/* RFC 791 s.3.2: fragments of one datagram share source, destination,
 * protocol and identification; the offset is in 8-byte units. */
static int ipv4_fragment(sim_trace_t *t, sim_trace_dgram_t *out, const uint8_t *ip, size_t ihl,
                         const uint8_t *pay, size_t plen, bool more, size_t off8)
{
    reasm_t *r = NULL, *oldest = NULL, *freeslot = NULL;
    for (size_t i = 0; i < MAX_REASM; i++) {
        reasm_t *c = &t->reasm[i];
        if (c->used && t->cur_ns - c->first_ns > REASM_NS)
            reasm_expire(t, c);
        if (!c->used) {
            if (!freeslot)
                freeslot = c;
            continue;
        }
        if (c->id == be16(ip + 4) && c->proto == ip[9] && !memcmp(c->src, ip + 12, 4) &&
            !memcmp(c->dst, ip + 16, 4))
            r = c;
        if (!oldest || c->first_ns < oldest->first_ns)
            oldest = c;
    }
    (void)ihl;
    if (!r) {
        if (!freeslot) {
            reasm_expire(t, oldest);
            freeslot = oldest;
        }
        r = freeslot;
        memset(r->have, 0, sizeof r->have);
        r->used = true;
        memcpy(r->src, ip + 12, 4);
        memcpy(r->dst, ip + 16, 4);
        r->proto = ip[9];
        r->id = be16(ip + 4);
        r->first_ns = t->cur_ns;
        r->total = 0;
        r->frags = 0;
    }
    size_t start = off8 * 8;
    if (start + plen > sizeof r->data || (more && plen % 8)) {
        /* beyond 65535, or a middle fragment not a multiple of 8 */
        r->frags++;
        reasm_expire(t, r);
        return 0;
    }
    memcpy(r->data + start, pay, plen);
    for (size_t u = off8; u < off8 + (plen + 7) / 8; u++)
        r->have[u / 8] |= (uint8_t)(1u << (u % 8));
    r->frags++;
    if (!more)
        r->total = (uint32_t)(start + plen);
    if (!r->total)
        return 0;
    for (size_t u = 0; u < (r->total + 7) / 8; u++)
        if (!(r->have[u / 8] & (1u << (u % 8))))
            return 0;
    /* complete: the datagram is this packet's */
    sim_trace_addr_t src = { .family = 4 }, dst = { .family = 4 };
    memcpy(src.ip, r->src, 4);
    memcpy(dst.ip, r->dst, 4);
    size_t total = r->total;
    uint8_t proto = r->proto;
    memcpy(t->msg, r->data, total < sizeof t->msg ? total : sizeof t->msg);
    r->used = false;
    if (total > sizeof t->msg) {
        skip(t, SIM_TRACE_SKIP_FRAGMENT);
        return 0;
    }
    return transport(t, out, proto, &src, &dst, t->msg, total);
}

static int ipv4(sim_trace_t *t, sim_trace_dgram_t *out, const uint8_t *p, size_t n)
{
    if (n < 20) {
        skip(t, SIM_TRACE_SKIP_TRUNCATED);
        return 0;
    }
    size_t ihl = (size_t)(p[0] & 0x0F) * 4, tot = be16(p + 2);
    if ((p[0] >> 4) != 4 || ihl < 20 || tot < ihl) {
        skip(t, SIM_TRACE_SKIP_BAD_IP);
        return 0;
    }
    if (tot > n) {                       /* snapped short (Ethernet padding makes n larger, not smaller) */
        skip(t, SIM_TRACE_SKIP_TRUNCATED);
        return 0;
    }
    sim_trace_addr_t src = { .family = 4 }, dst = { .family = 4 };
    memcpy(src.ip, p + 12, 4);
    memcpy(dst.ip, p + 16, 4);
    uint16_t fo = be16(p + 6);
    bool more = fo & 0x2000;
    size_t off8 = fo & 0x1FFF;
    if (more || off8)
        return ipv4_fragment(t, out, p, ihl, p + ihl, tot - ihl, more, off8);
    return transport(t, out, p[9], &src, &dst, p + ihl, tot - ihl);
}

static int ipv6(sim_trace_t *t, sim_trace_dgram_t *out, const uint8_t *p, size_t n)
{
    if (n < 40) {
        skip(t, SIM_TRACE_SKIP_TRUNCATED);
        return 0;
    }
    if ((p[0] >> 4) != 6) {
        skip(t, SIM_TRACE_SKIP_BAD_IP);
        return 0;
    }
    size_t plen = be16(p + 4);
    if (40 + plen > n) {
        skip(t, plen ? SIM_TRACE_SKIP_TRUNCATED : SIM_TRACE_SKIP_BAD_IP);   /* 0: a jumbogram */
        return 0;
    }
    sim_trace_addr_t src = { .family = 6 }, dst = { .family = 6 };
    memcpy(src.ip, p + 8, 16);
    memcpy(dst.ip, p + 24, 16);
    uint8_t next = p[6];
    const uint8_t *q = p + 40, *end = p + 40 + plen;
    /* RFC 8200 s.4: hop-by-hop, routing, destination options, fragment,
     * AH (RFC 4302 s.2.2: its length in 4-byte units, less 2) */
    for (;;) {
        if (next == 0 || next == 43 || next == 60 || next == 51) {
            if (end - q < 8) {
                skip(t, SIM_TRACE_SKIP_TRUNCATED);
                return 0;
            }
            size_t l = next == 51 ? ((size_t)q[1] + 2) * 4 : ((size_t)q[1] + 1) * 8;
            if ((size_t)(end - q) < l) {
                skip(t, SIM_TRACE_SKIP_TRUNCATED);
                return 0;
            }
            next = q[0];
            q += l;
        } else if (next == 44) {
            if (end - q < 8) {
                skip(t, SIM_TRACE_SKIP_TRUNCATED);
                return 0;
            }
            /* an atomic fragment (RFC 8200 s.4.5: offset 0, M 0) is whole */
            if ((be16(q + 2) & 0xFFF9) != 0) {
                skip(t, SIM_TRACE_SKIP_FRAGMENT);
                return 0;
            }
            next = q[0];
            q += 8;
        } else {
            break;
        }
    }
    return transport(t, out, next, &src, &dst, q, (size_t)(end - q));
}

static int by_version(sim_trace_t *t, sim_trace_dgram_t *out, const uint8_t *p, size_t n)
{
    if (n < 1) {
        skip(t, SIM_TRACE_SKIP_TRUNCATED);
        return 0;
    }
    if ((p[0] >> 4) == 4)
        return ipv4(t, out, p, n);
    if ((p[0] >> 4) == 6)
        return ipv6(t, out, p, n);
    skip(t, SIM_TRACE_SKIP_BAD_IP);
    return 0;
}

static int by_ethertype(sim_trace_t *t, sim_trace_dgram_t *out, uint16_t et, const uint8_t *p, size_t n)
{
    if (et == 0x0800)
        return ipv4(t, out, p, n);
    if (et == 0x86DD)
        return ipv6(t, out, p, n);
    skip(t, SIM_TRACE_SKIP_NOT_IP);
    return 0;
}

static int frame(sim_trace_t *t, sim_trace_dgram_t *out, uint32_t lt, const uint8_t *p, size_t n)
{
    switch (lt) {
    case LT_EN10MB: {
        if (n < 14) {
            skip(t, SIM_TRACE_SKIP_TRUNCATED);
            return 0;
        }
        size_t off = 12;
        uint16_t et = be16(p + off);
        /* 802.1Q (0x8100), 802.1ad (0x88A8) and the older 0x9100: 4 bytes each */
        while (et == 0x8100 || et == 0x88A8 || et == 0x9100) {
            off += 4;
            if (n < off + 2) {
                skip(t, SIM_TRACE_SKIP_TRUNCATED);
                return 0;
            }
            et = be16(p + off);
        }
        return by_ethertype(t, out, et, p + off + 2, n - off - 2);
    }
    case LT_NULL:
    case LT_LOOP: {
        if (n < 4) {
            skip(t, SIM_TRACE_SKIP_TRUNCATED);
            return 0;
        }
        /* the address family: host byte order of the writer for NULL,
         * network order for LOOP; AF_INET is 2 everywhere, AF_INET6 24, 28
         * or 30 (the BSDs) */
        uint32_t fam = lt == LT_LOOP ? be32(p) : (le32(p) < 256 ? le32(p) : be32(p));
        if (fam == 2)
            return ipv4(t, out, p + 4, n - 4);
        if (fam == 24 || fam == 28 || fam == 30 || fam == 10)
            return ipv6(t, out, p + 4, n - 4);
        skip(t, SIM_TRACE_SKIP_NOT_IP);
        return 0;
    }
    case LT_RAW:
    case LT_RAW_BSD1:
    case LT_RAW_BSD2:
        return by_version(t, out, p, n);
    case LT_IPV4:
        return ipv4(t, out, p, n);
    case LT_IPV6:
        return ipv6(t, out, p, n);
    case LT_SLL:
        if (n < 16) {
            skip(t, SIM_TRACE_SKIP_TRUNCATED);
            return 0;
        }
        return by_ethertype(t, out, be16(p + 14), p + 16, n - 16);
    case LT_SLL2:
        if (n < 20) {
            skip(t, SIM_TRACE_SKIP_TRUNCATED);
            return 0;
        }
        return by_ethertype(t, out, be16(p), p + 20, n - 20);
    default:
        skip(t, SIM_TRACE_SKIP_LINKTYPE);
        return 0;
    }
}

/* ---- blocks ------------------------------------------------------------------------ */

static int64_t ts_ns(const iface_t *ifc, uint64_t ts)
{
    __extension__ typedef unsigned __int128 u128;
    int64_t off = ifc->offset_s * 1000000000ll;
    if (ifc->res_pow2) {
        u128 v = (u128)ts * 1000000000u;
        return off + (int64_t)(v >> ifc->res_exp);
    }
    if (ifc->res_exp <= 9) {
        static const uint64_t p10[] = { 1000000000, 100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1 };
        return off + (int64_t)(ts * p10[ifc->res_exp]);
    }
    uint64_t div = 1;
    for (unsigned i = 9; i < ifc->res_exp && i < 28; i++)
        div *= 10;
    return off + (int64_t)(ts / div);
}

/* pcapng s.4.2: an Interface Description Block's link type and options. */
static int ng_idb(sim_trace_t *t, const uint8_t *b, size_t blen, char *err, size_t errlen)
{
    if (blen < 20) {
        fail(err, errlen, "%s: byte offset %zu: Interface Description Block too short (%zu bytes)", t->path,
             t->pos, blen);
        return -1;
    }
    if (t->nifaces >= MAX_IFACES) {
        fail(err, errlen, "%s: byte offset %zu: more than %d interfaces in one section", t->path, t->pos,
             MAX_IFACES);
        return -1;
    }
    iface_t *ifc = &t->ifaces[t->nifaces++];
    memset(ifc, 0, sizeof *ifc);
    ifc->linktype = rd16(t, b + 8);
    ifc->res_exp = 6;                   /* if_tsresol's default: microseconds */
    const uint8_t *o = b + 16, *end = b + blen - 4;
    while (end - o >= 4) {
        uint16_t code = rd16(t, o), len = rd16(t, o + 2);
        o += 4;
        if ((size_t)(end - o) < len)
            break;                      /* a malformed option list: the rest is ignored */
        if (code == 0)
            break;
        if (code == 9 && len >= 1) {    /* if_tsresol */
            ifc->res_pow2 = o[0] & 0x80;
            ifc->res_exp = o[0] & 0x7F;
            if (ifc->res_pow2 ? ifc->res_exp > 63 : ifc->res_exp > 19) {
                fail(err, errlen, "%s: byte offset %zu: interface %zu: if_tsresol %u is beyond any clock",
                     t->path, t->pos, t->nifaces - 1, o[0]);
                return -1;
            }
        } else if (code == 14 && len >= 8) {   /* if_tsoffset, seconds */
            uint64_t v = (uint64_t)rd32(t, t->swap ? o : o + 4) << 32 | rd32(t, t->swap ? o + 4 : o);
            ifc->offset_s = (int64_t)v;
        }
        o += (len + 3u) & ~3u;
    }
    return 0;
}

/* The next frame of the file: 1 with its link type and bytes, 0 at the
 * end, -1 on a corrupt or truncated file. */
static int next_frame(sim_trace_t *t, uint32_t *lt, const uint8_t **data, size_t *caplen, char *err, size_t errlen)
{
    for (;;) {
        if (t->pos == t->size)
            return 0;
        size_t left = t->size - t->pos;
        const uint8_t *b = t->map + t->pos;
        if (!t->ng) {
            if (left < 16) {
                fail(err, errlen, "%s: byte offset %zu: truncated record header (%zu of 16 bytes)", t->path,
                     t->pos, left);
                return -1;
            }
            uint32_t incl = rd32(t, b + 8);
            if (incl > MAX_FRAMES) {
                fail(err, errlen, "%s: byte offset %zu: record of %u bytes: corrupt", t->path, t->pos, incl);
                return -1;
            }
            if (left - 16 < incl) {
                fail(err, errlen, "%s: byte offset %zu: truncated record (%zu of %u bytes)", t->path, t->pos,
                     left - 16, incl);
                return -1;
            }
            uint64_t sec = rd32(t, b), frac = rd32(t, b + 4);
            t->cur_ns = (int64_t)(sec * 1000000000ull + (t->nsec ? frac : frac * 1000ull));
            t->cur_offset = t->pos;
            t->cur_packet = ++t->packets;
            *lt = t->linktype;
            *data = b + 16;
            *caplen = incl;
            t->pos += 16 + incl;
            return 1;
        }
        if (left < 12) {
            fail(err, errlen, "%s: byte offset %zu: truncated block header (%zu of 12 bytes)", t->path, t->pos,
                 left);
            return -1;
        }
        uint32_t type = le32(b);
        if (type == 0x0A0D0D0Au) {
            /* s.4.1: a Section Header Block sets the byte order of what follows */
            if (left < 28) {
                fail(err, errlen, "%s: byte offset %zu: truncated Section Header Block", t->path, t->pos);
                return -1;
            }
            uint32_t bom = le32(b + 8);
            if (bom == 0x1A2B3C4Du)
                t->swap = false;
            else if (bom == 0x4D3C2B1Au)
                t->swap = true;
            else {
                fail(err, errlen, "%s: byte offset %zu: Section Header Block with a bad byte-order magic", t->path,
                     t->pos + 8);
                return -1;
            }
            t->nifaces = 0;
        } else {
            type = rd32(t, b);
        }
        uint32_t blen = rd32(t, b + 4);
        if (blen < 12 || blen % 4) {
            fail(err, errlen, "%s: byte offset %zu: block length %u is not a multiple of 4 of at least 12: corrupt",
                 t->path, t->pos, blen);
            return -1;
        }
        if (blen > left) {
            fail(err, errlen, "%s: byte offset %zu: truncated block (%zu of %u bytes)", t->path, t->pos, left, blen);
            return -1;
        }
        if (rd32(t, b + blen - 4) != blen) {
            fail(err, errlen, "%s: byte offset %zu: the block's trailing length differs from its leading one: corrupt",
                 t->path, t->pos + blen - 4);
            return -1;
        }
        size_t here = t->pos;
        int r = 0;
        if (type == 1) {
            if (ng_idb(t, b, blen, err, errlen) < 0)
                return -1;
        } else if (type == 6 || type == 2) {
            /* s.4.3 Enhanced Packet Block; obsolete Packet Block (type 2):
             * a 16-bit interface id and a drops count instead */
            if (blen < 32) {
                fail(err, errlen, "%s: byte offset %zu: packet block too short", t->path, here);
                return -1;
            }
            uint32_t ifid = type == 6 ? rd32(t, b + 8) : rd16(t, b + 8);
            uint32_t cap = rd32(t, b + 20);
            if (cap > blen - 32) {
                fail(err, errlen, "%s: byte offset %zu: packet of %u bytes in a block of %u: corrupt", t->path, here,
                     cap, blen);
                return -1;
            }
            if (ifid >= t->nifaces) {
                fail(err, errlen, "%s: byte offset %zu: packet on interface %u, but the section describes %zu",
                     t->path, here, ifid, t->nifaces);
                return -1;
            }
            uint64_t ts = (uint64_t)rd32(t, b + 12) << 32 | rd32(t, b + 16);
            t->cur_ns = ts_ns(&t->ifaces[ifid], ts);
            *lt = t->ifaces[ifid].linktype;
            *data = b + 28;
            *caplen = cap;
            r = 1;
        } else if (type == 3) {         /* s.4.4 Simple Packet Block: interface 0, no time */
            if (blen < 16 || !t->nifaces) {
                fail(err, errlen, "%s: byte offset %zu: Simple Packet Block %s", t->path, here,
                     blen < 16 ? "too short" : "before any interface");
                return -1;
            }
            uint32_t orig = rd32(t, b + 8);
            *lt = t->ifaces[0].linktype;
            *data = b + 12;
            *caplen = orig < blen - 16 ? orig : blen - 16;
            r = 1;              /* no time of its own: the previous packet's stands */
        }
        t->pos += blen;
        if (r) {
            t->cur_offset = here;
            t->cur_packet = ++t->packets;
            return 1;
        }
    }
}

/* What was read is never read again (datagrams point into the current
 * frame only; what is kept is copied): its pages are given back every
 * 4 MiB, so the resident size does not grow with the file. */
static void release(sim_trace_t *t)
{
    size_t page = 4096, upto = t->cur_offset & ~(page - 1);
    if (upto - t->released < (4u << 20))
        return;
    madvise((void *)(t->map + t->released), upto - t->released, MADV_DONTNEED);
    t->released = upto;
}

int sim_trace_next(sim_trace_t *t, sim_trace_dgram_t *out, char *err, size_t errlen)
{
    if (drain(t, out))
        return 1;
    for (;;) {
        uint32_t lt;
        const uint8_t *data;
        size_t caplen;
        int r = next_frame(t, &lt, &data, &caplen, err, errlen);
        if (r <= 0) {
            if (r == 0) {           /* the end: what never completed is counted */
                for (size_t i = 0; i < MAX_REASM; i++)
                    if (t->reasm[i].used)
                        reasm_expire(t, &t->reasm[i]);
                for (flow_t *f = t->lru_head; f; f = f->lnext)
                    if (f->len) {
                        skip(t, SIM_TRACE_SKIP_TCP_STREAM);
                        f->len = 0;
                    }
            }
            return r;
        }
        release(t);
        if (frame(t, out, lt, data, caplen))
            return 1;
    }
}
