/*
 * mask.c - the mask, written once per protocol (issue 11). Each datagram
 * is classified by the first byte of its UDP payload as RFC 7983 s.7
 * demultiplexes it, and compared field by field; docs/scenarios.md
 * ("Masked captures") lists the fields and D100-D102 the choices.
 */
#include "check/mask.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* Per-SSRC state for RTP (RFC 3550 s.5.1): SSRCs and initial sequence
 * numbers and timestamps are the implementation's random choices, so the
 * golden's SSRCs are paired with this run's in order of first appearance
 * and only the progression is compared: each packet's sequence and
 * timestamp deltas from the previous packet of its SSRC equal the
 * golden's (D101). */
typedef struct ssrc_pair {
    uint32_t g, a;
    uint16_t gseq, aseq;
    uint32_t gts, ats;
} ssrc_pair_t;

typedef struct mask_state {
    ssrc_pair_t pairs[64];
    size_t      npairs;
    char       *what;
    size_t      cap;
} mask_state_t;

static int fail(mask_state_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(mask_state_t *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->what, st->cap, fmt, ap);
    va_end(ap);
    return 1;
}

/* ---- STUN / TURN (RFC 8489 s.5, s.14; RFC 8656 s.18; RFC 8445 s.16.1) ---- */

#define A_USERNAME      0x0006
#define A_MI            0x0008
#define A_ERROR_CODE    0x0009
#define A_XOR_PEER      0x0012
#define A_XOR_RELAYED   0x0016
#define A_REALM         0x0014
#define A_NONCE         0x0015
#define A_XOR_MAPPED    0x0020
#define A_PRIORITY      0x0024
#define A_MI_SHA256     0x001c
#define A_SOFTWARE      0x8022
#define A_FINGERPRINT   0x8028

/* SOFTWARE is free text any implementation may add or leave out (RFC 8489
 * s.14.14), so it is not in the compared set; every other type is. */
static bool attr_in_set(uint16_t t) { return t != A_SOFTWARE; }

typedef struct stun_view {
    uint16_t       type;
    size_t         n;
    uint16_t       types[48];
    const uint8_t *vals[48];
    uint16_t       lens[48];
    bool           ok;
} stun_view_t;

static void stun_parse(const uint8_t *p, size_t len, stun_view_t *v)
{
    memset(v, 0, sizeof *v);
    if (len < 20 || rd32(p + 4) != 0x2112A442u)
        return;
    v->type = rd16(p);
    size_t mlen = rd16(p + 2), off = 20;
    if (20 + mlen > len)
        return;
    while (off + 4 <= 20 + mlen) {
        uint16_t t = rd16(p + off), l = rd16(p + off + 2);
        if (off + 4 + l > 20 + mlen)
            return;
        if (v->n < 48) {
            v->types[v->n] = t;
            v->vals[v->n] = p + off + 4;
            v->lens[v->n] = l;
            v->n++;
        }
        off += 4 + (size_t)((l + 3u) & ~3u);   /* RFC 8489 s.14: padded to 4 */
    }
    v->ok = true;
}

static int find_attr(const stun_view_t *v, uint16_t t)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->types[i] == t)
            return (int)i;
    return -1;
}

static const char *attr_name(uint16_t t, char *buf, size_t cap)
{
    static const struct { uint16_t t; const char *n; } names[] = {
        { 0x0001, "MAPPED-ADDRESS" }, { A_USERNAME, "USERNAME" }, { A_MI, "MESSAGE-INTEGRITY" },
        { A_ERROR_CODE, "ERROR-CODE" }, { 0x000a, "UNKNOWN-ATTRIBUTES" }, { 0x000c, "CHANNEL-NUMBER" },
        { 0x000d, "LIFETIME" }, { A_XOR_PEER, "XOR-PEER-ADDRESS" }, { 0x0013, "DATA" },
        { A_REALM, "REALM" }, { A_NONCE, "NONCE" }, { A_XOR_RELAYED, "XOR-RELAYED-ADDRESS" },
        { 0x0019, "REQUESTED-TRANSPORT" }, { A_MI_SHA256, "MESSAGE-INTEGRITY-SHA256" },
        { A_XOR_MAPPED, "XOR-MAPPED-ADDRESS" }, { A_PRIORITY, "PRIORITY" },
        { 0x0025, "USE-CANDIDATE" }, { A_SOFTWARE, "SOFTWARE" }, { A_FINGERPRINT, "FINGERPRINT" },
        { 0x8029, "ICE-CONTROLLED" }, { 0x802a, "ICE-CONTROLLING" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].t == t)
            return names[i].n;
    snprintf(buf, cap, "attribute 0x%04x", t);
    return buf;
}

/* The decoded address of an XOR-*-ADDRESS (RFC 8489 s.14.2): family, port
 * and IPv4 address un-XORed with the magic cookie. IPv6 would need the
 * transaction id, which differs by design; its value is then compared as
 * "present" only. */
static bool xor_addr(const uint8_t *v, size_t l, char *out, size_t cap)
{
    if (l < 8 || v[1] != 0x01)
        return false;
    uint16_t port = rd16(v + 2) ^ 0x2112;
    uint32_t a = rd32(v + 4) ^ 0x2112A442u;
    snprintf(out, cap, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, port);
    return true;
}

static int compare_stun(mask_state_t *st, const uint8_t *g, size_t gl, const uint8_t *a, size_t al)
{
    stun_view_t vg, va;
    stun_parse(g, gl, &vg);
    stun_parse(a, al, &va);
    if (!vg.ok || !va.ok)
        return vg.ok != va.ok ? fail(st, "STUN message %s", vg.ok ? "malformed in this run" : "malformed in the golden") : 0;
    if (vg.type != va.type)
        return fail(st, "STUN message type 0x%04x vs 0x%04x (class and method are compared)", vg.type, va.type);
    char b1[32];
    /* the set of attribute types, each way (D100: not their order or lengths) */
    for (int side = 0; side < 2; side++) {
        const stun_view_t *x = side ? &va : &vg, *y = side ? &vg : &va;
        for (size_t i = 0; i < x->n; i++)
            if (attr_in_set(x->types[i]) && find_attr(y, x->types[i]) < 0)
                return fail(st, "STUN %s present %s", attr_name(x->types[i], b1, sizeof b1),
                            side ? "in this run, not in the golden" : "in the golden, not in this run");
    }
    for (size_t i = 0; i < vg.n; i++) {
        uint16_t t = vg.types[i];
        int j = find_attr(&va, t);
        if (j < 0)
            continue;
        const uint8_t *x = vg.vals[i], *y = va.vals[j];
        size_t xl = vg.lens[i], yl = va.lens[j];
        if (t == A_XOR_MAPPED || t == A_XOR_PEER || t == A_XOR_RELAYED) {
            char sg[40] = "?", sa[40] = "?";
            bool og = xor_addr(x, xl, sg, sizeof sg), oa = xor_addr(y, yl, sa, sizeof sa);
            if (og != oa || (og && strcmp(sg, sa) != 0))
                return fail(st, "STUN %s %s vs %s", attr_name(t, b1, sizeof b1), sg, sa);
        } else if (t == A_ERROR_CODE) {
            /* RFC 8489 s.14.8: class * 100 + number; the reason phrase is free */
            unsigned cg = xl >= 4 ? (x[2] & 7u) * 100 + x[3] : 0, ca = yl >= 4 ? (y[2] & 7u) * 100 + y[3] : 0;
            if (cg != ca)
                return fail(st, "STUN ERROR-CODE %u vs %u", cg, ca);
        } else if (t == A_PRIORITY && xl == 4 && yl == 4) {
            /* RFC 8445 s.5.1.2.1: type preference << 24 | local preference << 8 |
             * (256 - component); the local preference is the implementation's */
            uint32_t pg = rd32(x), pa = rd32(y);
            if ((pg >> 24) != (pa >> 24))
                return fail(st, "STUN PRIORITY type preference %u vs %u", pg >> 24, pa >> 24);
            if ((pg & 255) != (pa & 255))
                return fail(st, "STUN PRIORITY component %u vs %u", 256 - (pg & 255), 256 - (pa & 255));
        }
    }
    return 0;
}

/* ---- DTLS (RFC 6347 s.4.1, s.4.2.2) ---------------------------------------- */

/* The sequence of records: content type each, and for a plaintext
 * (epoch 0) handshake record its handshake message type. Encrypted
 * records' lengths depend on the cipher's padding and the certificate, so
 * they are not compared (D100). */
static size_t dtls_walk(const uint8_t *p, size_t len, unsigned *out, size_t cap)
{
    size_t n = 0, off = 0;
    while (off + 13 <= len && n < cap) {
        unsigned ct = p[off], epoch = rd16(p + off + 3);
        size_t rl = rd16(p + off + 11);
        unsigned hs = (ct == 22 && epoch == 0 && rl >= 1 && off + 13 + rl <= len) ? p[off + 13] : 0;
        out[n++] = ct << 8 | hs;
        off += 13 + rl;
    }
    return n;
}

static int compare_dtls(mask_state_t *st, const uint8_t *g, size_t gl, const uint8_t *a, size_t al)
{
    unsigned rg[32], ra[32];
    size_t ng = dtls_walk(g, gl, rg, 32), na = dtls_walk(a, al, ra, 32);
    for (size_t i = 0; i < ng && i < na; i++) {
        if (rg[i] >> 8 != ra[i] >> 8)
            return fail(st, "DTLS record %zu content type %u vs %u", i + 1, rg[i] >> 8, ra[i] >> 8);
        if ((rg[i] & 255) != (ra[i] & 255))
            return fail(st, "DTLS record %zu handshake type %u vs %u", i + 1, rg[i] & 255, ra[i] & 255);
    }
    if (ng != na)
        return fail(st, "DTLS datagram has %zu records vs %zu", ng, na);
    return 0;
}

/* ---- RTP / RTCP (RFC 3550 s.5.1, s.6.1; RFC 5761 s.4) ----------------------- */

/* RTCP packet types of a compound (RFC 3550 s.6.1). Only the first
 * header of an SRTCP packet is in the clear (RFC 3711 s.3.4), so the walk
 * counts past the first only if every header is well formed and the
 * lengths end exactly at the datagram's end (a plain or decrypted one). */
static size_t rtcp_walk(const uint8_t *p, size_t len, unsigned *out, size_t cap)
{
    size_t n = 0, off = 0;
    while (off + 4 <= len && n < cap) {
        if (p[off] >> 6 != 2 || p[off + 1] < 192 || p[off + 1] > 223)
            break;
        out[n++] = p[off + 1];
        off += 4 * ((size_t)rd16(p + off + 2) + 1);
    }
    return off == len ? n : (n ? 1 : 0);
}

static ssrc_pair_t *pair_of(mask_state_t *st, uint32_t g, uint32_t a, bool *fresh, bool *clash)
{
    *fresh = *clash = false;
    for (size_t i = 0; i < st->npairs; i++) {
        if (st->pairs[i].g == g || st->pairs[i].a == a) {
            *clash = st->pairs[i].g != g || st->pairs[i].a != a;
            return &st->pairs[i];
        }
    }
    if (st->npairs == sizeof st->pairs / sizeof st->pairs[0])
        return NULL;
    *fresh = true;
    ssrc_pair_t *p = &st->pairs[st->npairs++];
    p->g = g;
    p->a = a;
    return p;
}

static int compare_rtp(mask_state_t *st, const uint8_t *g, size_t gl, const uint8_t *a, size_t al)
{
    if (gl < 12 || al < 12)
        return gl != al ? fail(st, "RTP/RTCP packet shorter than a header (%zu vs %zu bytes)", gl, al) : 0;
    if (g[0] >> 6 != a[0] >> 6)
        return fail(st, "RTP version %u vs %u", g[0] >> 6, a[0] >> 6);
    unsigned pg = g[1] & 0x7f, pa = a[1] & 0x7f;
    bool rtcp_g = pg >= 64 && pg <= 95, rtcp_a = pa >= 64 && pa <= 95;   /* RFC 5761 s.4 */
    if (rtcp_g != rtcp_a)
        return fail(st, "%s vs %s", rtcp_g ? "RTCP" : "RTP", rtcp_a ? "RTCP" : "RTP");
    if (rtcp_g) {
        unsigned tg[16], ta[16];
        size_t ng = rtcp_walk(g, gl, tg, 16), na = rtcp_walk(a, al, ta, 16);
        for (size_t i = 0; i < ng && i < na; i++)
            if (tg[i] != ta[i])
                return fail(st, "RTCP packet %zu of the compound: type %u vs %u", i + 1, tg[i], ta[i]);
        if (ng != na)
            return fail(st, "RTCP compound of %zu packets vs %zu", ng, na);
        return 0;
    }
    if (pg != pa)
        return fail(st, "RTP payload type %u vs %u", pg, pa);
    if ((g[1] & 0x80) != (a[1] & 0x80))
        return fail(st, "RTP marker %u vs %u", g[1] >> 7, a[1] >> 7);
    bool fresh, clash;
    ssrc_pair_t *p = pair_of(st, rd32(g + 8), rd32(a + 8), &fresh, &clash);
    if (clash)
        return fail(st, "RTP SSRC 0x%08x vs 0x%08x: the golden's SSRCs and this run's do not pair one to one",
                    rd32(g + 8), rd32(a + 8));
    uint16_t sg = rd16(g + 2), sa = rd16(a + 2);
    uint32_t ttg = rd32(g + 4), tta = rd32(a + 4);
    if (p && !fresh) {
        uint16_t dg = (uint16_t)(sg - p->gseq), da = (uint16_t)(sa - p->aseq);
        if (dg != da)
            return fail(st, "RTP sequence number advances by %u vs %u since the SSRC's previous packet", dg, da);
        uint32_t eg = ttg - p->gts, ea = tta - p->ats;
        if (eg != ea)
            return fail(st, "RTP timestamp advances by %u vs %u since the SSRC's previous packet", eg, ea);
    }
    if (p) {
        p->gseq = sg;
        p->aseq = sa;
        p->gts = ttg;
        p->ats = tta;
    }
    return 0;
}

/* ---- a datagram ------------------------------------------------------------- */

typedef enum { K_STUN, K_ZRTP, K_DTLS, K_TURN_CHANNEL, K_RTP, K_OTHER } kind_t;

/* RFC 7983 s.7 (updating RFC 5764 s.5.1.2) */
static kind_t classify(const uint8_t *p, size_t len)
{
    if (len == 0)
        return K_OTHER;
    uint8_t b = p[0];
    if (b <= 3)
        return K_STUN;
    if (b >= 16 && b <= 19)
        return K_ZRTP;
    if (b >= 20 && b <= 63)
        return K_DTLS;
    if (b >= 64 && b <= 79)
        return K_TURN_CHANNEL;
    if (b >= 128 && b <= 191)
        return K_RTP;
    return K_OTHER;
}

static const char *kind_name(kind_t k)
{
    static const char *const n[] = { "STUN", "ZRTP", "DTLS", "TURN ChannelData", "RTP/RTCP", "other UDP" };
    return n[k];
}

static int compare_payload(mask_state_t *st, const uint8_t *g, size_t gl, const uint8_t *a, size_t al, int depth)
{
    kind_t kg = classify(g, gl), ka = classify(a, al);
    /* a zero-length UDP payload or bytes no RFC 7983 range claims: length only */
    if (kg != ka)
        return fail(st, "%s vs %s (RFC 7983 first byte %u vs %u)", kind_name(kg), kind_name(ka),
                    gl ? g[0] : 0, al ? a[0] : 0);
    switch (kg) {
    case K_STUN:
        return compare_stun(st, g, gl, a, al);
    case K_DTLS:
        return compare_dtls(st, g, gl, a, al);
    case K_RTP:
        return compare_rtp(st, g, gl, a, al);
    case K_TURN_CHANNEL: {
        /* RFC 8656 s.12.4: the channel number is the client's choice; the
         * inner datagram is compared again, once (no nesting in TURN) */
        if (gl < 4 || al < 4)
            return gl != al ? fail(st, "ChannelData shorter than its header") : 0;
        size_t ig = rd16(g + 2), ia = rd16(a + 2);
        if (ig + 4 > gl || ia + 4 > al || depth > 0)
            return ig != ia ? fail(st, "ChannelData length %zu vs %zu", ig, ia) : 0;
        kind_t i1 = classify(g + 4, ig);
        if (i1 == K_OTHER || i1 == K_ZRTP)   /* application data: length as other UDP */
            return ig != ia ? fail(st, "ChannelData length %zu vs %zu", ig, ia) : 0;
        return compare_payload(st, g + 4, ig, a + 4, ia, depth + 1);
    }
    case K_ZRTP:
    case K_OTHER:
        break;
    }
    return gl != al ? fail(st, "%s payload length %zu vs %zu", kind_name(kg), gl, al) : 0;
}

static int compare_datagram(mask_state_t *st, const uint8_t *g, size_t gl, const uint8_t *a, size_t al)
{
    if (gl < SIM_IP_HDR + SIM_UDP_HDR || al < SIM_IP_HDR + SIM_UDP_HDR)
        return gl != al ? fail(st, "datagram shorter than IPv4 and UDP headers (%zu vs %zu bytes)", gl, al) : 0;
    if (g[9] != a[9])
        return fail(st, "IP protocol %u vs %u", g[9], a[9]);
    /* addresses and ports after the NAT are what the network did: exact */
    if (memcmp(g + 12, a + 12, 4) != 0)
        return fail(st, "source address differs");
    if (memcmp(g + 16, a + 16, 4) != 0)
        return fail(st, "destination address differs");
    if (rd16(g + 20) != rd16(a + 20))
        return fail(st, "source port %u vs %u", rd16(g + 20), rd16(a + 20));
    if (rd16(g + 22) != rd16(a + 22))
        return fail(st, "destination port %u vs %u", rd16(g + 22), rd16(a + 22));
    size_t ihl = (size_t)(g[0] & 15) * 4, iha = (size_t)(a[0] & 15) * 4;
    if (ihl < SIM_IP_HDR || iha < SIM_IP_HDR || ihl + SIM_UDP_HDR > gl || iha + SIM_UDP_HDR > al)
        return fail(st, "IPv4 header length %zu vs %zu", ihl, iha);
    return compare_payload(st, g + ihl + SIM_UDP_HDR, gl - ihl - SIM_UDP_HDR, a + iha + SIM_UDP_HDR,
                           al - iha - SIM_UDP_HDR, 0);
}

int sim_mask_compare_records(const sim_pcap_records_t *g, const sim_pcap_records_t *a,
                             sim_time_t tolerance, sim_pcap_diff_t *d)
{
    memset(d, 0, sizeof *d);
    d->n_expected = g->n;
    d->n_actual = a->n;
    mask_state_t st = { .what = d->what, .cap = sizeof d->what };
    if (g->linktype != a->linktype) {
        snprintf(d->what, sizeof d->what, "link type %d vs %d", g->linktype, a->linktype);
        snprintf(d->expected, sizeof d->expected, "(file header)");
        snprintf(d->actual, sizeof d->actual, "(file header)");
        return 1;
    }
    /* D100: records are paired in order (the golden's order is the order
     * of the network's events; per-flow reordering is a difference) */
    size_t n = g->n < a->n ? g->n : a->n;
    for (size_t i = 0; i <= n; i++) {
        d->index = i;
        if (i == n) {
            if (g->n == a->n)
                return 0;
            const sim_capture_rec_t *r = g->n > n ? &g->rec[i] : &a->rec[i];
            if (g->n > n) {
                d->t_expected = r->t;
                sim_ip_summary(r->ip, r->len, d->expected, sizeof d->expected);
                snprintf(d->actual, sizeof d->actual, "(end of capture)");
            } else {
                d->t_actual = r->t;
                sim_ip_summary(r->ip, r->len, d->actual, sizeof d->actual);
                snprintf(d->expected, sizeof d->expected, "(end of capture)");
            }
            snprintf(d->what, sizeof d->what, "%s", g->n > n ? "this run has no more packets"
                                                             : "the golden has no more packets");
            return 1;
        }
        const sim_capture_rec_t *rg = &g->rec[i], *ra = &a->rec[i];
        sim_time_t dt = rg->t > ra->t ? rg->t - ra->t : ra->t - rg->t;
        int rc;
        if (dt > tolerance) {
            char t1[32], t2[32];
            rc = fail(&st, "timestamp %s vs %s, more than the tolerance %s apart", sim_time_str(rg->t, t1),
                      sim_time_str(ra->t, t2), sim_time_str(tolerance, (char[32]){ 0 }));
        } else {
            rc = compare_datagram(&st, rg->ip, rg->len, ra->ip, ra->len);
        }
        if (rc) {
            d->t_expected = rg->t;
            d->t_actual = ra->t;
            sim_ip_summary(rg->ip, rg->len, d->expected, sizeof d->expected);
            sim_ip_summary(ra->ip, ra->len, d->actual, sizeof d->actual);
            return 1;
        }
    }
    return 0;
}

int sim_pcap_compare_masked(const char *golden, const char *actual, sim_time_t tolerance,
                            sim_pcap_diff_t *d, char *err, size_t errlen)
{
    sim_pcap_records_t g, a;
    memset(d, 0, sizeof *d);
    if (sim_pcap_load(golden, &g, err, errlen) < 0)
        return -1;
    if (sim_pcap_load(actual, &a, err, errlen) < 0) {
        sim_pcap_records_free(&g);
        return -1;
    }
    int rc = sim_mask_compare_records(&g, &a, tolerance, d);
    sim_pcap_records_free(&g);
    sim_pcap_records_free(&a);
    return rc;
}
