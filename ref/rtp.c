/*
 * rtp.c - RTP and RTCP on the wire, receiver statistics, the RTCP
 * interval and the synthetic media sources (rtp.h).
 *
 * Implements: RFC 7983 s.7 (demultiplexing a shared port) with RFC 5761
 * s.4 (RTP and RTCP on one port); RFC 3550 s.5.1 (RTP header), s.5.3.1
 * and RFC 8285 s.4 (header extensions), s.6.1 and A.2 (compound RTCP and
 * its validity checks), s.6.4 (SR, RR), s.6.5 (SDES), s.6.6 (BYE), A.1
 * (sequence numbers), A.3 (loss), A.8 (jitter), s.6.3 and A.7 (the RTCP
 * interval), s.4 (NTP timestamps); RFC 3551 s.4.5 for the audio
 * sources' clocks and sizes.
 *
 * Every parser reads through a bounds check against the datagram's
 * length before it touches a byte; nothing allocates.
 */
#include "rtp.h"

#include <string.h>

/* ---- byte order ----------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

const char *rtc_rtp_status_name(rtc_rtp_status_t st)
{
    static const char *const names[RTC_RTP__COUNT] = {
        [RTC_RTP_OK] = "ok",
        [RTC_RTP_TRUNCATED] = "truncated",
        [RTC_RTP_BAD_VERSION] = "bad-version",
        [RTC_RTP_BAD_PADDING] = "bad-padding",
        [RTC_RTP_BAD_EXTENSION] = "bad-extension",
        [RTC_RTP_BAD_RTCP] = "bad-rtcp",
        [RTC_RTP_NO_ROOM] = "no-room",
        [RTC_RTP_BAD_ARG] = "bad-arg",
    };
    return (unsigned)st < RTC_RTP__COUNT ? names[st] : "?";
}

/* ---- RFC 7983 s.7 ---------------------------------------------------------- */

rtc_demux_t rtc_demux(const uint8_t *data, size_t len)
{
    if (len == 0)
        return RTC_DEMUX_OTHER;
    uint8_t b = data[0];
    if (b <= 3)
        return RTC_DEMUX_STUN;
    if (b >= 16 && b <= 19)
        return RTC_DEMUX_ZRTP;
    if (b >= 20 && b <= 63)
        return RTC_DEMUX_DTLS;
    if (b >= 64 && b <= 79)
        return RTC_DEMUX_TURN_CHANNEL;
    if (b >= 128 && b <= 191) {
        /* RFC 5761 s.4: RTCP packet types 192-223 fill the whole second
         * byte, where RTP has the marker bit and a 7-bit payload type;
         * this is why RTP may not use payload types 64-95 when muxed.
         * A one-byte datagram is left to rtc_rtp_parse to refuse. */
        if (len >= 2 && data[1] >= 192 && data[1] <= 223)
            return RTC_DEMUX_RTCP;
        return RTC_DEMUX_RTP;
    }
    return RTC_DEMUX_OTHER;
}

/* ---- RTP ----------------------------------------------------------------- */

/* One element found in a RFC 8285 block: kept while there is room. */
static void ext_keep(rtc_rtp_header_t *h, uint8_t id, uint8_t len, const uint8_t *data)
{
    if (h->next < RTC_RTP_MAX_EXT) {
        h->ext[h->next].id = id;
        h->ext[h->next].len = len;
        h->ext[h->next].data = data;
        h->next++;
    } else if (h->ext_dropped < UINT8_MAX) {
        h->ext_dropped++;
    }
}

/* The elements of a RFC 8285 block of n bytes at p. */
static rtc_rtp_status_t ext_parse(rtc_rtp_header_t *h, const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (!h->ext_two_byte) {
        while (i < n) {
            uint8_t id = p[i] >> 4;
            size_t l = (size_t)(p[i] & 0x0f) + 1;
            if (id == 0) {
                /* s.4.1: padding, one byte. A non-zero length nibble on
                 * it is malformed; skipping the one byte keeps the
                 * elements after it (D50). */
                i++;
                continue;
            }
            /* s.4.2: id 15 is reserved and ends processing; we refuse
             * the packet rather than act on half a block (D50). */
            if (id == 15)
                return RTC_RTP_BAD_EXTENSION;
            if (l > n - i - 1)
                return RTC_RTP_BAD_EXTENSION;
            ext_keep(h, id, (uint8_t)l, p + i + 1);
            i += 1 + l;
        }
    } else {
        while (i < n) {
            uint8_t id = p[i];
            if (id == 0) { /* s.4.3: padding */
                i++;
                continue;
            }
            if (n - i < 2)
                return RTC_RTP_BAD_EXTENSION;
            size_t l = p[i + 1];
            if (l > n - i - 2)
                return RTC_RTP_BAD_EXTENSION;
            ext_keep(h, id, (uint8_t)l, p + i + 2);
            i += 2 + l;
        }
    }
    return RTC_RTP_OK;
}

rtc_rtp_status_t rtc_rtp_parse(const uint8_t *data, size_t len, rtc_rtp_header_t *h)
{
    memset(h, 0, sizeof *h);
    if (len < 12)
        return RTC_RTP_TRUNCATED;
    if (data[0] >> 6 != 2)
        return RTC_RTP_BAD_VERSION;
    bool padding = data[0] & 0x20, extension = data[0] & 0x10;
    h->ncsrc = data[0] & 0x0f;
    h->marker = data[1] & 0x80;
    h->pt = data[1] & 0x7f;
    h->seq = rd16(data + 2);
    h->ts = rd32(data + 4);
    h->ssrc = rd32(data + 8);
    size_t off = 12 + 4 * (size_t)h->ncsrc;
    if (off > len)
        return RTC_RTP_TRUNCATED;
    for (uint8_t i = 0; i < h->ncsrc; i++)
        h->csrc[i] = rd32(data + 12 + 4 * (size_t)i);
    if (extension) {
        /* s.5.3.1: 16 bits defined by profile, 16 bits of length in
         * 32-bit words, not counting this word */
        if (len - off < 4)
            return RTC_RTP_TRUNCATED;
        h->ext_profile = rd16(data + off);
        size_t n = 4 * (size_t)rd16(data + off + 2);
        off += 4;
        /* a block that runs past the datagram is an overrun of the
         * extension (rtp.h; counted as media.h's RTC_DROP_RTP_EXTENSION) */
        if (n > len - off)
            return RTC_RTP_BAD_EXTENSION;
        rtc_rtp_status_t st = RTC_RTP_OK;
        if (h->ext_profile == 0xBEDE) {
            st = ext_parse(h, data + off, n);
        } else if ((h->ext_profile & 0xfff0) == 0x1000) {
            /* RFC 8285 s.4.3: 0x100 then 4 "appbits" the application
             * may use; kept in ext_profile */
            h->ext_two_byte = true;
            st = ext_parse(h, data + off, n);
        }
        /* any other profile: skipped whole (s.5.3.1), next stays 0 */
        if (st != RTC_RTP_OK)
            return st;
        off += n;
    }
    h->header_len = off;
    if (padding) {
        /* s.5.1: the last octet counts the padding, itself included */
        uint8_t pad = data[len - 1];
        if (pad == 0 || pad > len - off)
            return RTC_RTP_BAD_PADDING;
        h->padding = pad;
    }
    h->payload_len = len - off - h->padding;
    return RTC_RTP_OK;
}

static bool ext_one_byte(const rtc_rtp_header_t *h)
{
    if (h->ext_two_byte)
        return false;
    for (size_t i = 0; i < h->next; i++)
        if (h->ext[i].id < 1 || h->ext[i].id > 14 || h->ext[i].len < 1 || h->ext[i].len > 16)
            return false;
    return true;
}

rtc_rtp_status_t rtc_rtp_write_header(const rtc_rtp_header_t *h, uint8_t *out, size_t cap,
                                      size_t *written)
{
    *written = 0;
    if (h->pt > 127 || h->ncsrc > 15 || h->next > RTC_RTP_MAX_EXT)
        return RTC_RTP_BAD_ARG;
    for (size_t i = 0; i < h->next; i++)
        if (h->ext[i].id == 0)
            return RTC_RTP_BAD_ARG;
    bool one = ext_one_byte(h);
    size_t elems = 0;
    for (size_t i = 0; i < h->next; i++)
        elems += (one ? 1 : 2) + (size_t)h->ext[i].len;
    size_t block = (elems + 3) / 4 * 4; /* s.5.3.1: whole 32-bit words */
    size_t need = 12 + 4 * (size_t)h->ncsrc + (h->next ? 4 + block : 0);
    if (need > cap)
        return RTC_RTP_NO_ROOM;
    out[0] = (uint8_t)(0x80 | (h->next ? 0x10 : 0) | h->ncsrc);
    out[1] = (uint8_t)((h->marker ? 0x80 : 0) | h->pt);
    wr16(out + 2, h->seq);
    wr32(out + 4, h->ts);
    wr32(out + 8, h->ssrc);
    size_t off = 12;
    for (uint8_t i = 0; i < h->ncsrc; i++, off += 4)
        wr32(out + off, h->csrc[i]);
    if (h->next) {
        uint16_t appbits = (h->ext_profile & 0xfff0) == 0x1000 ? (h->ext_profile & 0x0f) : 0;
        wr16(out + off, one ? 0xBEDE : (uint16_t)(0x1000 | appbits));
        wr16(out + off + 2, (uint16_t)(block / 4));
        off += 4;
        for (size_t i = 0; i < h->next; i++) {
            const rtc_rtp_ext_t *e = &h->ext[i];
            if (one) {
                out[off++] = (uint8_t)(e->id << 4 | (e->len - 1));
            } else {
                out[off++] = e->id;
                out[off++] = e->len;
            }
            if (e->len)
                memcpy(out + off, e->data, e->len);
            off += e->len;
        }
        /* RFC 8285 s.4.1: padding bytes are 0 */
        memset(out + off, 0, block - elems);
        off += block - elems;
    }
    *written = off;
    return RTC_RTP_OK;
}

/* ---- RTCP ---------------------------------------------------------------- */

/* s.6.4.1: a report block, 24 bytes at p. */
static void block_parse(const uint8_t *p, rtc_rtcp_block_t *b)
{
    b->ssrc = rd32(p);
    b->fraction_lost = p[4];
    uint32_t lost = (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    /* 24-bit two's complement: sign-extend */
    b->cumulative_lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
    b->ext_highest_seq = rd32(p + 8);
    b->jitter = rd32(p + 12);
    b->lsr = rd32(p + 16);
    b->dlsr = rd32(p + 20);
}

/* An SR or RR: body (after the 4-byte header) of n bytes, rc blocks. */
static rtc_rtp_status_t report_parse(const uint8_t *p, size_t n, bool sr, uint8_t rc,
                                     rtc_rtcp_t *c)
{
    size_t fixed = sr ? 24 : 4;
    /* the blocks must fit; bytes after them are a profile-specific
     * extension (s.6.4.1), allowed and skipped */
    if (n < fixed + 24 * (size_t)rc)
        return RTC_RTP_BAD_RTCP;
    if (c->nreports >= sizeof c->reports / sizeof c->reports[0])
        return RTC_RTP_OK;
    rtc_rtcp_sr_t *r = &c->reports[c->nreports++];
    r->is_sr = sr;
    r->ssrc = rd32(p);
    if (sr) {
        r->ntp = (uint64_t)rd32(p + 4) << 32 | rd32(p + 8);
        r->rtp_ts = rd32(p + 12);
        r->packets = rd32(p + 16);
        r->octets = rd32(p + 20);
    }
    r->nblocks = rc;
    for (uint8_t i = 0; i < rc; i++)
        block_parse(p + fixed + 24 * (size_t)i, &r->blocks[i]);
    return RTC_RTP_OK;
}

/* s.6.5: sc chunks in a body of n bytes. Each chunk starts on a 32-bit
 * boundary (the body does, being after a 4-byte header of a packet that
 * starts on one). */
static rtc_rtp_status_t sdes_parse(const uint8_t *p, size_t n, uint8_t sc, rtc_rtcp_t *c)
{
    size_t off = 0;
    for (uint8_t k = 0; k < sc; k++) {
        if (n - off < 4)
            return RTC_RTP_BAD_RTCP;
        rtc_rtcp_sdes_t *s = c->nsdes < RTC_RTCP_MAX_SDES ? &c->sdes[c->nsdes++] : NULL;
        if (s) {
            s->ssrc = rd32(p + off);
            s->cname_len = 0;
            s->cname[0] = '\0';
        }
        off += 4;
        bool have_cname = false;
        for (;;) {
            if (off >= n)
                return RTC_RTP_BAD_RTCP; /* the item list never ended */
            uint8_t type = p[off];
            if (type == 0)
                break;
            if (n - off < 2 || (size_t)p[off + 1] > n - off - 2)
                return RTC_RTP_BAD_RTCP;
            uint8_t l = p[off + 1];
            /* s.6.5.1: one CNAME per chunk; the first one counts */
            if (type == 1 && s && !have_cname) {
                memcpy(s->cname, p + off + 2, l);
                s->cname[l] = '\0';
                s->cname_len = l;
                have_cname = true;
            }
            off += 2 + (size_t)l;
        }
        /* the null item, then null octets to the next 32-bit boundary;
         * their values are not checked (be liberal) */
        off = (off + 1 + 3) / 4 * 4;
        if (off > n)
            return RTC_RTP_BAD_RTCP;
    }
    return RTC_RTP_OK;
}

/* s.6.6: sc sources, then an optional length-prefixed reason. */
static rtc_rtp_status_t bye_parse(const uint8_t *p, size_t n, uint8_t sc, rtc_rtcp_t *c)
{
    if (n < 4 * (size_t)sc)
        return RTC_RTP_BAD_RTCP;
    for (uint8_t k = 0; k < sc; k++)
        if (c->nbye < RTC_RTCP_MAX_BYE)
            c->bye[c->nbye++] = rd32(p + 4 * (size_t)k);
    size_t off = 4 * (size_t)sc;
    if (off < n && (size_t)p[off] > n - off - 1)
        return RTC_RTP_BAD_RTCP;
    return RTC_RTP_OK;
}

rtc_rtp_status_t rtc_rtcp_parse(const uint8_t *data, size_t len, rtc_rtcp_t *c)
{
    memset(c, 0, sizeof *c);
    if (len < 4)
        return RTC_RTP_TRUNCATED;
    size_t off = 0;
    while (off < len) {
        if (len - off < 4)
            return RTC_RTP_TRUNCATED;
        const uint8_t *p = data + off;
        if (p[0] >> 6 != 2)
            return RTC_RTP_BAD_VERSION;
        bool padding = p[0] & 0x20;
        uint8_t count = p[0] & 0x1f, type = p[1];
        size_t plen = 4 * ((size_t)rd16(p + 2) + 1);
        if (plen > len - off)
            return RTC_RTP_TRUNCATED;
        /* A.2: the first packet is an SR or RR */
        if (off == 0 && type != RTCP_SR && type != RTCP_RR)
            return RTC_RTP_BAD_RTCP;
        size_t pad = 0;
        if (padding) {
            /* A.2: only the last packet may be padded; its mask on the
             * first packet refuses the P bit there, which a compound of
             * one packet also obeys */
            if (off == 0 || off + plen != len)
                return RTC_RTP_BAD_PADDING;
            pad = p[plen - 1];
            if (pad == 0 || pad > plen - 4)
                return RTC_RTP_BAD_PADDING;
        }
        const uint8_t *body = p + 4;
        size_t n = plen - 4 - pad;
        rtc_rtp_status_t st = RTC_RTP_OK;
        switch (type) {
        case RTCP_SR:
        case RTCP_RR:
            st = report_parse(body, n, type == RTCP_SR, count, c);
            break;
        case RTCP_SDES:
            st = sdes_parse(body, n, count, c);
            break;
        case RTCP_BYE:
            st = bye_parse(body, n, count, c);
            break;
        default:
            c->other++;
            break;
        }
        if (st != RTC_RTP_OK)
            return st;
        off += plen;
    }
    return RTC_RTP_OK;
}

/* s.6.4.1 report block into 24 bytes at p. */
static void block_write(uint8_t *p, const rtc_rtcp_block_t *b)
{
    int32_t lost = b->cumulative_lost;
    /* 24-bit signed: a count beyond it is clamped (s.6.4.1) */
    if (lost > 0x7fffff)
        lost = 0x7fffff;
    if (lost < -0x800000)
        lost = -0x800000;
    uint32_t w = (uint32_t)lost & 0xffffff;
    wr32(p, b->ssrc);
    p[4] = b->fraction_lost;
    p[5] = (uint8_t)(w >> 16);
    p[6] = (uint8_t)(w >> 8);
    p[7] = (uint8_t)w;
    wr32(p + 8, b->ext_highest_seq);
    wr32(p + 12, b->jitter);
    wr32(p + 16, b->lsr);
    wr32(p + 20, b->dlsr);
}

/* s.6.4: the common header; plen is the packet's bytes, a multiple of 4. */
static void rtcp_header(uint8_t *p, uint8_t count, uint8_t type, size_t plen)
{
    p[0] = (uint8_t)(0x80 | count);
    p[1] = type;
    wr16(p + 2, (uint16_t)(plen / 4 - 1));
}

/* A chunk's bytes: SSRC, the CNAME item if any, the null item and the
 * null octets to a 32-bit boundary (s.6.5). */
static size_t sdes_chunk_len(const rtc_rtcp_sdes_t *s)
{
    size_t items = s->cname_len ? 2 + (size_t)s->cname_len : 0;
    return 4 + (items + 1 + 3) / 4 * 4;
}

rtc_rtp_status_t rtc_rtcp_write(const rtc_rtcp_t *c, uint8_t *out, size_t cap, size_t *written)
{
    *written = 0;
    if (c->nreports == 0 || c->nreports > sizeof c->reports / sizeof c->reports[0] ||
        c->nsdes > RTC_RTCP_MAX_SDES || c->nbye > RTC_RTCP_MAX_BYE)
        return RTC_RTP_BAD_ARG;
    size_t need = 0;
    for (size_t i = 0; i < c->nreports; i++) {
        if (c->reports[i].nblocks > RTC_RTCP_MAX_BLOCKS)
            return RTC_RTP_BAD_ARG;
        need += 4 + (c->reports[i].is_sr ? 24 : 4) + 24 * (size_t)c->reports[i].nblocks;
    }
    size_t sdes = 0;
    if (c->nsdes) {
        sdes = 4;
        for (size_t i = 0; i < c->nsdes; i++)
            sdes += sdes_chunk_len(&c->sdes[i]);
    }
    size_t bye = c->nbye ? 4 + 4 * c->nbye : 0;
    need += sdes + bye;
    if (need > cap)
        return RTC_RTP_NO_ROOM;
    size_t off = 0;
    for (size_t i = 0; i < c->nreports; i++) {
        const rtc_rtcp_sr_t *r = &c->reports[i];
        size_t plen = 4 + (r->is_sr ? 24 : 4) + 24 * (size_t)r->nblocks;
        uint8_t *p = out + off;
        rtcp_header(p, r->nblocks, r->is_sr ? RTCP_SR : RTCP_RR, plen);
        wr32(p + 4, r->ssrc);
        size_t b = 8;
        if (r->is_sr) {
            wr32(p + 8, (uint32_t)(r->ntp >> 32));
            wr32(p + 12, (uint32_t)r->ntp);
            wr32(p + 16, r->rtp_ts);
            wr32(p + 20, r->packets);
            wr32(p + 24, r->octets);
            b = 28;
        }
        for (uint8_t k = 0; k < r->nblocks; k++, b += 24)
            block_write(p + b, &r->blocks[k]);
        off += plen;
    }
    if (c->nsdes) {
        /* s.6.1: an SDES with a CNAME in every compound */
        uint8_t *p = out + off;
        rtcp_header(p, (uint8_t)c->nsdes, RTCP_SDES, sdes);
        size_t q = 4;
        for (size_t i = 0; i < c->nsdes; i++) {
            const rtc_rtcp_sdes_t *s = &c->sdes[i];
            size_t cl = sdes_chunk_len(s);
            memset(p + q, 0, cl); /* the null item and the padding */
            wr32(p + q, s->ssrc);
            if (s->cname_len) {
                p[q + 4] = 1; /* CNAME */
                p[q + 5] = s->cname_len;
                memcpy(p + q + 6, s->cname, s->cname_len);
            }
            q += cl;
        }
        off += sdes;
    }
    if (c->nbye) {
        /* s.6.6, no reason; s.6.1: BYE is the last packet */
        uint8_t *p = out + off;
        rtcp_header(p, (uint8_t)c->nbye, RTCP_BYE, bye);
        for (size_t i = 0; i < c->nbye; i++)
            wr32(p + 4 + 4 * i, c->bye[i]);
        off += bye;
    }
    *written = off;
    return RTC_RTP_OK;
}

/* ---- receiver statistics (A.1, A.3, A.8) --------------------------------- */

#define RTP_SEQ_MOD    (1u << 16)
#define MAX_DROPOUT    3000
#define MAX_MISORDER   100
#define MIN_SEQUENTIAL 2

/* A.1 init_seq: resets the counters, keeps A.8's and LSR state. */
static void init_seq(rtc_rtp_rx_t *rx, uint16_t seq)
{
    rx->base_seq = seq;
    rx->max_seq = seq;
    rx->bad_seq = RTP_SEQ_MOD + 1; /* so seq == bad_seq is false */
    rx->cycles = 0;
    rx->received = 0;
    rx->received_prior = 0;
    rx->expected_prior = 0;
}

void rtc_rtp_rx_init(rtc_rtp_rx_t *rx, uint16_t seq)
{
    memset(rx, 0, sizeof *rx);
    init_seq(rx, seq);
    /* A.1: a new source is on probation until MIN_SEQUENTIAL packets in
     * sequence; max_seq one behind so that this packet is the first */
    rx->max_seq = (uint16_t)(seq - 1);
    rx->probation = MIN_SEQUENTIAL;
}

/* A.1 update_seq, as written there. */
static bool update_seq(rtc_rtp_rx_t *rx, uint16_t seq)
{
    uint16_t udelta = (uint16_t)(seq - rx->max_seq);
    if (rx->probation) {
        if (seq == (uint16_t)(rx->max_seq + 1)) {
            rx->probation--;
            rx->max_seq = seq;
            if (rx->probation == 0) {
                init_seq(rx, seq);
                rx->received++;
                rx->valid = true;
                return true;
            }
        } else {
            rx->probation = MIN_SEQUENTIAL - 1;
            rx->max_seq = seq;
        }
        return false;
    } else if (udelta < MAX_DROPOUT) {
        /* in order, with a permissible gap. A repeat of max_seq lands
         * here too and A.1 counts it received; it is what we count as a
         * duplicate (D51) */
        if (udelta == 0)
            rx->duplicates++;
        if (seq < rx->max_seq)
            rx->cycles += RTP_SEQ_MOD; /* wrapped */
        rx->max_seq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        /* a very large jump: two in sequence after it mean the sender
         * restarted, so resynchronise */
        if (seq == rx->bad_seq) {
            init_seq(rx, seq);
        } else {
            rx->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
            return false;
        }
    }
    /* else: a reordered packet within MAX_MISORDER (or its duplicate) */
    rx->received++;
    return true;
}

bool rtc_rtp_rx_update(rtc_rtp_rx_t *rx, uint16_t seq, uint32_t rtp_ts, uint32_t arrival_ts)
{
    if (!update_seq(rx, seq))
        return false;
    /* A.8, in arrival order (s.6.4.1), on the packets A.1 counted.
     * Differences are taken mod 2^32 and read as signed, so the
     * timestamps' wrap does not show as jitter. */
    uint32_t transit = arrival_ts - rtp_ts;
    if (rx->have_transit) {
        int64_t d = (int32_t)(transit - rx->transit);
        if (d < 0)
            d = -d;
        /* A.8's integer form: jitter_q4 is J * 16, and
         * J += (|D| - J) / 16 becomes q4 += |D| - round(q4 / 16);
         * kept in 64 bits and saturated, since a hostile sender picks D */
        int64_t q4 = (int64_t)rx->jitter_q4 + d - (((int64_t)rx->jitter_q4 + 8) >> 4);
        rx->jitter_q4 = q4 > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)q4;
    }
    rx->transit = transit;
    rx->have_transit = true;
    return true;
}

void rtc_rtp_rx_sr(rtc_rtp_rx_t *rx, uint64_t ntp, uint64_t now)
{
    rx->lsr = rtc_ntp_mid(ntp);
    rx->lsr_at = now;
}

uint32_t rtc_rtp_rx_expected(const rtc_rtp_rx_t *rx)
{
    if (!rx->valid)
        return 0;
    /* A.3 */
    uint32_t extended_max = rx->cycles + rx->max_seq;
    return extended_max - rx->base_seq + 1;
}

int32_t rtc_rtp_rx_lost(const rtc_rtp_rx_t *rx)
{
    int64_t lost = (int64_t)rtc_rtp_rx_expected(rx) - (int64_t)rx->received;
    if (lost > INT32_MAX)
        return INT32_MAX;
    if (lost < INT32_MIN)
        return INT32_MIN;
    return (int32_t)lost;
}

uint32_t rtc_rtp_rx_jitter(const rtc_rtp_rx_t *rx)
{
    return rx->jitter_q4 >> 4;
}

void rtc_rtp_rx_block(rtc_rtp_rx_t *rx, uint32_t ssrc, uint64_t now, rtc_rtcp_block_t *b)
{
    memset(b, 0, sizeof *b);
    b->ssrc = ssrc;
    uint32_t expected = rtc_rtp_rx_expected(rx);
    b->cumulative_lost = rtc_rtp_rx_lost(rx);
    /* A.3: the fraction over the interval since the last block */
    uint32_t expected_interval = expected - rx->expected_prior;
    rx->expected_prior = expected;
    uint32_t received_interval = rx->received - rx->received_prior;
    rx->received_prior = rx->received;
    int64_t lost_interval = (int64_t)expected_interval - (int64_t)received_interval;
    if (expected_interval == 0 || lost_interval <= 0)
        b->fraction_lost = 0;
    else
        b->fraction_lost = (uint8_t)(((uint64_t)lost_interval << 8) / expected_interval);
    b->ext_highest_seq = rx->valid ? rx->cycles + rx->max_seq : 0;
    b->jitter = rtc_rtp_rx_jitter(rx);
    /* s.6.4.1: LSR 0 means no SR yet, and then DLSR is 0 too; a real
     * LSR of 0 would read the same way at the sender */
    b->lsr = rx->lsr;
    if (rx->lsr && now > rx->lsr_at) {
        uint64_t d = now - rx->lsr_at;
        /* 1/65536 s from ns, split so the product cannot overflow */
        uint64_t units = d / 1000000000u * 65536u + d % 1000000000u * 65536u / 1000000000u;
        b->dlsr = units > UINT32_MAX ? UINT32_MAX : (uint32_t)units;
    }
}

/* ---- the RTCP interval (A.7) ---------------------------------------------- */

/* A.7's constants, as written there (its COMPENSATION is 2.71828 - 1.5) */
#define RTCP_MIN_TIME           5.0
#define RTCP_SENDER_BW_FRACTION 0.25
#define RTCP_RCVR_BW_FRACTION   (1 - RTCP_SENDER_BW_FRACTION)
#define COMPENSATION            (2.71828 - 1.5)

double rtc_rtcp_interval_td(const rtc_rtcp_interval_in_t *in)
{
    double rtcp_min_time = RTCP_MIN_TIME;
    if (in->initial)
        rtcp_min_time /= 2;
    double rtcp_bw = in->rtcp_bw;
    double n = in->members;
    /* s.6.2: senders get a quarter of the RTCP bandwidth when they are a
     * quarter of the members or fewer */
    if (in->senders <= in->members * RTCP_SENDER_BW_FRACTION) {
        if (in->we_sent) {
            rtcp_bw *= RTCP_SENDER_BW_FRACTION;
            n = in->senders;
        } else {
            rtcp_bw *= RTCP_RCVR_BW_FRACTION;
            n -= in->senders;
        }
    }
    /* no RTCP bandwidth would give an infinite interval; RTCP off (RFC
     * 3556) is not modelled, so such a session reports at the minimum
     * (D52) */
    if (!(rtcp_bw > 0))
        return rtcp_min_time;
    double t = in->avg_rtcp_size * n / rtcp_bw;
    return t < rtcp_min_time ? rtcp_min_time : t;
}

double rtc_rtcp_interval(const rtc_rtcp_interval_in_t *in, double u01)
{
    /* A.7: uniform in [0.5, 1.5) Td against synchronisation, then the
     * compensation for timer reconsideration (s.6.3.1) */
    return rtc_rtcp_interval_td(in) * (u01 + 0.5) / COMPENSATION;
}

double rtc_rtcp_avg_size(double avg, size_t packet_size)
{
    return (1.0 / 16.0) * (double)packet_size + (15.0 / 16.0) * avg;
}

/* ---- NTP (s.4) ------------------------------------------------------------ */

/* 2026-01-01T00:00:00Z in seconds since the NTP epoch, 1900-01-01:
 * 1900..2025 are 126 years, 31 of them leap (1904..2024 every 4 years;
 * 1900 is not), so 126 * 365 + 31 = 46021 days, times 86400 s =
 * 3976214400 (the same as 2208988800, the Unix epoch in NTP seconds,
 * plus 1767225600, 2026 in Unix seconds). It is below 2^32: NTP era 0. */
#define NTP_ORIGIN 3976214400u

uint64_t rtc_ntp_from_ns(uint64_t ns)
{
    uint64_t secs = ns / 1000000000u + NTP_ORIGIN;
    /* the fraction in 2^-32 s: at most 999999999 * 2^32 < 2^62 */
    uint64_t frac = (ns % 1000000000u << 32) / 1000000000u;
    return (secs & 0xffffffffu) << 32 | frac;
}

uint32_t rtc_ntp_mid(uint64_t ntp)
{
    return (uint32_t)(ntp >> 16);
}

/* ---- synthetic sources ----------------------------------------------------- */

#define NS_PER_S 1000000000u

static bool name_is(const char *a, const char *b)
{
    /* RFC 4855 s.3: media subtype names are case-insensitive */
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

void rtc_source_defaults(rtc_source_params_t *p, rtc_source_kind_t kind, const char *codec,
                         uint32_t clock_rate)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    if (kind == RTC_SOURCE_VIDEO) {
        p->clock_rate = 90000; /* RFC 3551 s.5: every video payload format's */
        p->fps = 30;
        p->bitrate = 1000000;
        p->keyframe_every = 90;
        p->keyframe_scale = 5;
        p->max_packet_payload = 1100;
    } else {
        p->ptime_ms = 20;
        if (codec && name_is(codec, "opus")) {
            /* RFC 7587 s.4.1: 48000 whatever the coded bandwidth; the
             * sizes of 8 to 48 kbit/s in 20 ms */
            p->clock_rate = 48000;
            p->min_payload = 20;
            p->max_payload = 120;
        } else {
            /* PCMU, PCMA (RFC 3551 s.4.5.14) and G722 (s.4.5.2: its
             * clock is 8000 though it samples at 16000, an error of
             * RFC 1890 kept for compatibility) send 8 bits per 8 kHz
             * tick: 160 bytes in 20 ms; anything else the same */
            p->clock_rate = 8000;
            p->min_payload = 160;
            p->max_payload = 160;
        }
    }
    /* the signalled rate is what the peer's timestamps run at (D52) */
    if (clock_rate)
        p->clock_rate = clock_rate;
}

/* xorshift64* (Vigna 2016): the payload bytes and the size draws */
static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545F4914F6CDD1DULL;
}

/* a uniform draw in [0, n) by multiply-shift (no modulo bias to speak
 * of for the small n used here) */
static uint32_t rng_below(uint64_t *x, uint32_t n)
{
    return (uint32_t)(((rng_next(x) >> 32) * (uint64_t)n) >> 32);
}

/* ns from the start to the frame (audio: packet) k: computed from k, so
 * 1/fps of a second that is not a whole ns does not drift */
static uint64_t frame_time(const rtc_source_params_t *p, uint64_t k)
{
    if (p->kind == RTC_SOURCE_AUDIO)
        return k * p->ptime_ms * 1000000u;
    return k / p->fps * NS_PER_S + k % p->fps * NS_PER_S / p->fps;
}

/* the timestamp of frame k from the start, mod 2^32 as RTP's wraps */
static uint32_t frame_ts(const rtc_source_params_t *p, uint64_t k)
{
    if (p->kind == RTC_SOURCE_AUDIO)
        return (uint32_t)(k * p->clock_rate * p->ptime_ms / 1000u);
    return (uint32_t)(k / p->fps * p->clock_rate + k % p->fps * p->clock_rate / p->fps);
}

void rtc_source_init(rtc_source_t *s, const rtc_source_params_t *p, uint64_t seed, uint64_t start)
{
    memset(s, 0, sizeof *s);
    s->p = *p;
    rtc_source_params_t *q = &s->p;
    rtc_source_params_t d;
    rtc_source_defaults(&d, q->kind, NULL, 0);
    if (!q->clock_rate)
        q->clock_rate = d.clock_rate;
    if (!q->ptime_ms)
        q->ptime_ms = d.ptime_ms;
    if (!q->max_payload)
        q->max_payload = d.max_payload;
    if (q->min_payload > q->max_payload)
        q->min_payload = q->max_payload;
    if (!q->fps)
        q->fps = d.fps;
    if (!q->bitrate)
        q->bitrate = d.bitrate;
    if (!q->keyframe_every)
        q->keyframe_every = d.keyframe_every;
    if (!q->keyframe_scale)
        q->keyframe_scale = d.keyframe_scale;
    if (!q->max_packet_payload)
        q->max_packet_payload = d.max_packet_payload;
    /* splitmix64's finaliser spreads nearby seeds over the state (seeds
     * 1, 2, 3 would start xorshift's streams alike); 0 is xorshift's one
     * dead state */
    uint64_t z = seed + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    s->rng = z ? z : 0x9E3779B97F4A7C15ULL;
    s->next_at = start;
}

/* Bytes of video before frame k, times 8 * fps * W: a key frame weighs
 * K, a delta frame 1, so a period of N frames weighs W = N - 1 + K and
 * carries N * bitrate / (8 * fps) bytes: a delta frame is
 * D = N * bitrate / (8 * fps * W) bytes and a key frame K * D, and the
 * average over a period is bitrate / fps bits a frame. Summed from the
 * start, rounding does not accumulate (the size of frame k is the
 * difference of two floors). */
static uint64_t video_bytes_before(const rtc_source_params_t *p, uint64_t k)
{
    uint64_t n = p->keyframe_every, w = n - 1 + p->keyframe_scale;
    uint64_t weight = k / n * w + (k % n ? p->keyframe_scale + k % n - 1 : 0);
    uint64_t den = 8 * (uint64_t)p->fps * w;
    uint64_t num = n * p->bitrate; /* bytes before k = weight * num / den */
    return weight / den * num + weight % den * num / den;
}

static size_t video_frame_size(rtc_source_t *s)
{
    const rtc_source_params_t *p = &s->p;
    uint64_t nominal = video_bytes_before(p, s->frame + 1) - video_bytes_before(p, s->frame);
    /* +-10% from the seeded stream, uniform in steps of 1/1024: its mean
     * is 0 (the steps are symmetric), so the long-run rate is kept */
    int64_t step = (int64_t)rng_below(&s->rng, 205) - 102; /* -102..102 of 1024 */
    int64_t size = (int64_t)nominal + (int64_t)nominal * step / 1024;
    return size < 1 ? 1 : (size_t)size;
}

bool rtc_source_next(rtc_source_t *s, uint8_t *out, size_t cap, rtc_source_packet_t *pkt)
{
    const rtc_source_params_t *p = &s->p;
    uint64_t start = s->next_at - frame_time(p, s->frame);
    memset(pkt, 0, sizeof *pkt);
    size_t len;
    if (p->kind == RTC_SOURCE_AUDIO) {
        if (cap < p->max_payload)
            return false;
        len = p->min_payload + rng_below(&s->rng, p->max_payload - p->min_payload + 1);
        pkt->ts_offset = frame_ts(p, s->frame);
    } else {
        if (cap < p->max_packet_payload)
            return false;
        if (s->frame_left == 0)
            s->frame_left = (uint32_t)video_frame_size(s);
        /* ceil(left / max) packets remain; this one takes an equal
         * share, rounded up, so the shares differ by a byte at most */
        uint32_t packets = (s->frame_left + p->max_packet_payload - 1) / p->max_packet_payload;
        len = (s->frame_left + packets - 1) / packets;
        s->frame_left -= (uint32_t)len;
        pkt->ts_offset = frame_ts(p, s->frame);
        pkt->keyframe = s->frame % p->keyframe_every == 0;
        pkt->marker = s->frame_left == 0;
    }
    /* Each draw fills 8 bytes, least significant first. Whole words go
     * as one little-endian store (the compiler's single move on the
     * machines we build for; a call's sources make ~330 payloads a second
     * and this loop was a tenth of the call benchmark byte by byte), the
     * tail byte by byte: the same bytes either way. */
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t r = rng_next(&s->rng);
        uint8_t w[8] = { (uint8_t)r, (uint8_t)(r >> 8), (uint8_t)(r >> 16), (uint8_t)(r >> 24),
                         (uint8_t)(r >> 32), (uint8_t)(r >> 40), (uint8_t)(r >> 48), (uint8_t)(r >> 56) };
        memcpy(out + i, w, 8);
    }
    if (i < len) {
        uint64_t r = rng_next(&s->rng);
        for (size_t j = 0; i + j < len; j++)
            out[i + j] = (uint8_t)(r >> (8 * j));
    }
    pkt->len = len;
    if (p->kind == RTC_SOURCE_AUDIO || s->frame_left == 0) {
        s->frame++;
        s->next_at = start + frame_time(p, s->frame);
        s->ts_offset = frame_ts(p, s->frame);
    }
    return true;
}

void rtc_source_resume(rtc_source_t *s, uint64_t paused_at, uint64_t now)
{
    const rtc_source_params_t *p = &s->p;
    uint64_t start = s->next_at - frame_time(p, s->frame);
    /* The source's clock ran through the pause: resume with the first
     * frame due at or after now, its timestamp that of its sampling
     * instant (s.5.1). A video frame cut by the pause is not finished. */
    uint64_t k = s->frame + (s->frame_left ? 1 : 0);
    if (now > start) {
        uint64_t t = now - start, due;
        if (p->kind == RTC_SOURCE_AUDIO) {
            uint64_t period = (uint64_t)p->ptime_ms * 1000000u;
            due = (t + period - 1) / period;
        } else {
            /* the least k with floor(k * 1e9 / fps) >= t */
            due = t / NS_PER_S * p->fps + (t % NS_PER_S * p->fps + NS_PER_S - 1) / NS_PER_S;
        }
        if (due > k)
            k = due;
    }
    s->frame = k;
    s->frame_left = 0;
    s->next_at = start + frame_time(p, k);
    s->ts_offset = frame_ts(p, k);
}
