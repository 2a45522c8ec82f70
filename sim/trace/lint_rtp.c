/*
 * lint_rtp.c - the RTP, RTCP and RFC 4733 checker of `rtcsim lint`
 * (lint.h; issue 13; docs/decisions.md D160-D165).
 *
 * RTP (RFC 3550 s.5.1, RFC 8285): the fixed header, padding, header
 * extensions, and per SSRC the sequence (RFC 3550 A.1: loss, duplicates,
 * reordering and restarts counted, reported as info at the flow's end),
 * the timestamp, the marker and the payload type. RTCP (RFC 3550 s.6.1,
 * s.6.4-6.6, RFC 5506): the lengths of the compound, its first packet, its
 * CNAME, BYE last, report block counts; SRTCP (RFC 3711 s.3.4) only in its
 * clear first 8 bytes. RFC 4733 events on the payload types given with
 * --telephone-event or found by D163's rule.
 *
 * Plain or SRTP (D160): SRTP leaves the RTP header and extensions in
 * clear (RFC 3711 s.3.1), so everything but the padding count and the
 * payload is checked either way. A flow is known plain once an RTCP
 * datagram on it walks exactly to its end (SRTCP always carries 4 more
 * bytes of index and a tag, RFC 3711 s.3.4); known SRTP once a DTLS
 * handshake or SRTCP was seen on it and no plain RTCP; else unknown.
 *
 * State is per flow, per SSRC (at most MAX_SSRC a flow), fixed in size.
 */
#include "trace/lint.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SSRC      32            /* SSRCs followed per flow; more: counted once */
#define MAX_DROPOUT   3000          /* RFC 3550 A.1 */
#define MAX_MISORDER  100           /* RFC 3550 A.1 */
#define SEQ_MOD       65536u
#define WIN_BITS      64            /* duplicates told from late packets this far behind the highest */
#define MAX_DEFERRED  20            /* non-compound RTCP findings held until the flow shows a compound */
#define TE_MIN        2             /* D163: packets of one event that make a PT telephone-event */
#define SEG_MAX       0xFFFFu
#define EXT_CLEAR_MIN 3             /* D164: extensions that walk before a flow's are taken for clear */       /* RFC 4733 s.2.5.1.3: a segment's longest duration */

enum { TE_UNKNOWN = 0, TE_YES, TE_NO };

typedef struct held {               /* a packet's place, to report it later */
    sim_trace_dgram_t d;
    uint16_t seq;
    uint32_t ts;
    bool     marker, contiguous;
    uint8_t  ev[4];
} held_t;

typedef struct dtmf {
    bool     active;                /* an event seen, its timestamp ts */
    uint32_t ts;
    uint8_t  code;
    uint16_t dur;
    bool     ended;                 /* an E packet seen */
    uint16_t end_dur;
    unsigned ends;                  /* E packets seen for it */
    unsigned end_seqs;              /* of them, under distinct sequence numbers */
    uint16_t last_end_seq;
    uint16_t last_seq;              /* of its last packet */
    bool     audio_said;            /* audio seen during it (said once) */
    bool     ts_said;               /* a packet of it under another timestamp (said once) */
    uint32_t alt_ts;                /* that timestamp, taken for the event's from then on */
    held_t   first_end;
} dtmf_t;

typedef struct ssrc_st {
    uint32_t ssrc;
    bool     from_a;
    uint64_t packets;
    /* RFC 3550 A.1 */
    uint16_t max_seq;
    uint32_t cycles, base_seq, bad_seq;
    uint64_t received, dups, reorders, restarts, end_repeats_same_seq;
    uint64_t win;                   /* bit i: max_seq - i seen */
    bool     have_prev;
    uint16_t prev_seq;              /* the last packet's, any order */
    /* timestamps, markers, frames (not of telephone-events) */
    bool     have_ts, prev_marker;
    uint8_t  prev_media_pt;         /* frames are counted within one payload type */
    uint32_t last_ts;
    uint64_t markers, media, shared_ts, frames_multi, frames_multi_marked, ts_back;
    bool     in_multi;
    /* payload types */
    uint8_t  pt;
    uint32_t pts_seen[4];
    uint8_t  te[128];               /* TE_*: is this PT telephone-event on this SSRC */
    uint8_t  cand_pt;
    unsigned ncand;
    held_t   cand;
    dtmf_t   ev;
} ssrc_st_t;

typedef struct rtp_flow {
    bool       dtls_seen, plain_rtcp, srtcp, srtcp_said, padding_said, ssrc_cap_said, profile_said;
    bool       keys;                /* the core decrypted SRTP/SRTCP of this flow (--keylog, D167) */
    bool       compound_seen;
    int        ext_clear;           /* D164: extensions that walked (up to EXT_CLEAR_MIN); -1: opaque */
    uint64_t   noncompound;
    held_t     deferred[MAX_DEFERRED];
    char       deferred_code[MAX_DEFERRED][24];
    size_t     ndeferred;
    ssrc_st_t *s[MAX_SSRC];
    size_t     ns;
} rtp_flow_t;

/* RFC 4733 s.2.3.5: "A sender MUST NOT transmit a zero duration for
 * events other than those defined as states"; the DTMF events 0-16 (s.3.2)
 * are not states, other codes' documents may define them so. */
static sim_lint_sev_t zero_sev(unsigned code)
{
    return code <= 16 ? SIM_LINT_ERROR : SIM_LINT_INFO;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static rtp_flow_t *flow_st(sim_lint_flow_t *f)
{
    void **slot = sim_lint_state(f, &sim_lint_rtp_checker);
    if (!*slot)
        *slot = calloc(1, sizeof(rtp_flow_t));
    if (!*slot) {
        fputs("rtcsim lint: out of memory\n", stderr);
        exit(2);
    }
    return *slot;
}

/* D160: this packet's payload is plain: the core decrypted it (D167), or
 * the flow is known plain and has no keys (with keys, a packet handed on
 * as captured is SRTP that did not authenticate or was a replay). */
static bool pkt_plain(const sim_lint_pkt_t *p, const rtp_flow_t *fs)
{
    return p->decrypted || (!fs->keys && fs->plain_rtcp);
}

static bool known_srtp(const sim_lint_pkt_t *p, const rtp_flow_t *fs)
{
    return !p->decrypted && (fs->keys || (!fs->plain_rtcp && (fs->dtls_seen || fs->srtcp)));
}

static bool te_given(const sim_lint_t *l, unsigned pt)
{
    const sim_lint_opts_t *o = sim_lint_opts(l);
    return pt < 128 && (o->telephone_event[pt / 32] >> (pt % 32) & 1u);
}

/* Report about a held packet (its number and time). */
static void report_held(sim_lint_t *l, sim_lint_flow_t *f, const held_t *h, sim_lint_proto_t proto, sim_lint_sev_t sev,
                        const char *ref, const char *code, const char *msg)
{
    sim_lint_pkt_t p = { .d = &h->d, .flow = f, .proto = proto };
    sim_lint_report(l, &p, f, sev, ref, code, "%s", msg);
}

static void hold(held_t *h, const sim_lint_pkt_t *p)
{
    memset(h, 0, sizeof *h);
    h->d.packet = p->d->packet;
    h->d.time_ns = p->d->time_ns;
    h->d.transport = p->d->transport;
    h->d.src = p->d->src;
    h->d.dst = p->d->dst;
}

/* ---- RFC 3550 A.1 -------------------------------------------------------------- */

enum seq_res { SEQ_FIRST, SEQ_NEXT, SEQ_DUP, SEQ_LATE, SEQ_JUMP, SEQ_RESTART };

static void seq_init(ssrc_st_t *s, uint16_t seq)
{
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = SEQ_MOD + 1;   /* so seq == bad_seq is false */
    s->cycles = 0;
    s->received = 1;
    s->win = 1;
}

static enum seq_res seq_update(ssrc_st_t *s, uint16_t seq)
{
    uint16_t udelta = (uint16_t)(seq - s->max_seq);
    if (udelta == 0)
        return SEQ_DUP;
    if (udelta < MAX_DROPOUT) {
        /* in order, with a permissible gap */
        if (seq < s->max_seq)
            s->cycles += SEQ_MOD;
        s->max_seq = seq;
        s->win = udelta >= WIN_BITS ? 1 : (s->win << udelta) | 1;
        s->received++;
        s->bad_seq = SEQ_MOD + 1;
        return SEQ_NEXT;
    }
    if (udelta <= SEQ_MOD - MAX_MISORDER) {
        /* a very large jump: a restart if the next packet follows it */
        if (seq == s->bad_seq) {
            seq_init(s, seq);
            return SEQ_RESTART;
        }
        s->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
        return SEQ_JUMP;
    }
    /* behind the highest by at most MAX_MISORDER: a duplicate or late */
    unsigned back = SEQ_MOD - udelta;
    if (back < WIN_BITS) {
        if (s->win >> back & 1u)
            return SEQ_DUP;
        s->win |= (uint64_t)1 << back;
    }
    s->received++;
    s->reorders++;
    return SEQ_LATE;
}

/* ---- RFC 4733 ---------------------------------------------------------------- */

/* The event under way is over (a new one began, or the flow ended):
 * its final packet's repeats (s.2.5.1.4), judged only when the sender
 * is seen to have moved on (moved_on: the packet right after its last
 * end packet in sequence is something else). */
static void dtmf_close(sim_lint_t *l, sim_lint_flow_t *f, ssrc_st_t *s, bool moved_on)
{
    dtmf_t *e = &s->ev;
    /* judged only with none of them lost: the packet before the first
     * seen was seen, and the one after the last follows it (moved_on)
     * with no gap among them */
    uint16_t span = (uint16_t)(e->last_end_seq - e->first_end.seq + 1);
    if (e->active && e->ended && e->ends < 3 && moved_on && e->first_end.contiguous && span == e->end_seqs) {
        char m[200];
        snprintf(m, sizeof m, "SSRC 0x%08x: the final packet of event %u (timestamp %u) was sent %u time%s, not three",
                 s->ssrc, e->code, e->ts, e->ends, e->ends == 1 ? "" : "s");
        report_held(l, f, &e->first_end, SIM_LINT_RTP, SIM_LINT_WARNING, "RFC 4733 s.2.5.1.4", "dtmf.end.repeat", m);
    }
    memset(e, 0, sizeof *e);
}

/* One telephone-event packet (4-byte payload ev) of s, in sequence order
 * unless late. contiguous: the SSRC's packet before it in sequence was
 * seen (no loss between), so a missing marker is the sender's. */
/* The event's first end packet (RFC 4733 s.2.5.1.4): its repeats are
 * counted from here. */
static void first_end(dtmf_t *e, const held_t *h, uint16_t dur)
{
    e->ended = true;
    e->end_dur = dur;
    e->ends = 1;
    e->end_seqs = 1;
    e->last_end_seq = h->seq;
    e->first_end = *h;
}

static void dtmf_packet(sim_lint_t *l, const sim_lint_pkt_t *p, ssrc_st_t *s, const held_t *h, bool late, bool dup)
{
    const uint8_t *ev = h->ev;
    uint8_t code = ev[0];
    bool end = ev[1] & 0x80, r = ev[1] & 0x40;
    uint16_t dur = be16(ev + 2);
    sim_lint_flow_t *f = p->flow;
    dtmf_t *e = &s->ev;
    char m[256];
    if (r && !dup) {
        snprintf(m, sizeof m, "SSRC 0x%08x event %u: the R bit is set (byte 0x%02x: E, R, volume): the sender MUST set it to 0; "
                 "a volume above 63 does not fit its 6 bits", s->ssrc, code, ev[1]);
        report_held(l, f, h, SIM_LINT_RTP, SIM_LINT_ERROR, "RFC 4733 s.2.3", "dtmf.reserved", m);
    }
    if (code > 16 && !dup && !(e->active && e->ts == h->ts)) {
        snprintf(m, sizeof m, "SSRC 0x%08x: event code %u is not a DTMF event (0-16, RFC 4733 s.3.2): another "
                 "registry's (RFC 4734 modem/fax, RFC 5244 signals) or unassigned", s->ssrc, code);
        report_held(l, f, h, SIM_LINT_RTP, SIM_LINT_INFO, "RFC 4733 s.3.2", "dtmf.event", m);
    }
    if (late)
        return;     /* a late packet says nothing of the event's order */
    if (e->active && (h->ts == e->ts || (e->ts_said && h->ts == e->alt_ts))) {
        e->last_seq = h->seq;
        if (code != e->code) {
            snprintf(m, sizeof m, "SSRC 0x%08x: event %u under timestamp %u, whose event is %u: one timestamp is one event",
                     s->ssrc, code, h->ts, e->code);
            report_held(l, f, h, SIM_LINT_RTP, SIM_LINT_ERROR, "RFC 4733 s.2.5.1.2", "dtmf.ts", m);
            return;
        }
        if (e->ended) {
            if (!end) {
                if (dup)
                    return;     /* a copy of an earlier update, made by the network */
                snprintf(m, sizeof m, "SSRC 0x%08x event %u (timestamp %u): a packet without the E bit after its final "
                         "packet: once set, E stays set", s->ssrc, code, h->ts);
                report_held(l, f, h, SIM_LINT_RTP, SIM_LINT_ERROR, "RFC 4733 s.2.5.1.4", "dtmf.end.kept", m);
                return;
            }
            if (dur != e->end_dur) {
                snprintf(m, sizeof m, "SSRC 0x%08x event %u: a retransmitted final packet with duration %u, the first had %u",
                         s->ssrc, code, dur, e->end_dur);
                report_held(l, f, h, SIM_LINT_RTP, SIM_LINT_WARNING, "RFC 4733 s.2.5.1.4", "dtmf.end.duration", m);
            }
            e->ends++;
            if (h->seq != e->last_end_seq)
                e->end_seqs++;
            e->last_end_seq = h->seq;
            return;
        }
        if (dup)
            return;
        if (dur < e->dur) {
            snprintf(m, sizeof m, "SSRC 0x%08x event %u: duration %u after %u: an update's duration only grows",
                     s->ssrc, code, dur, e->dur);
            report_held(l, f, h, SIM_LINT_RTP, SIM_LINT_ERROR, "RFC 4733 s.2.5.1.2", "dtmf.duration.back", m);
        } else if (dur == 0) {
            snprintf(m, sizeof m, "SSRC 0x%08x event %u: an update with duration 0%s", s->ssrc, code,
                     code <= 16 ? " (MUST NOT: 0 is for events defined as states, and DTMF's are not)" : "");
            report_held(l, f, h, SIM_LINT_RTP, zero_sev(code), "RFC 4733 s.2.3.5", "dtmf.duration.zero", m);
        }
        if (dur > e->dur)
            e->dur = dur;
        if (end)
            first_end(e, h, dur);
        return;
    }
    if (dup)
        return;
    /* another timestamp: a new event, or the next segment of this one */
    bool segment = e->active && !e->ended && e->dur == SEG_MAX && code == e->code && h->ts == e->ts + SEG_MAX;
    if (e->active && !e->ended && !segment && code == e->code && !h->marker && h->contiguous) {
        /* the event's packet under another timestamp: said once an
         * event, which keeps its own timestamp */
        if (!e->ts_said) {
            e->ts_said = true;
            e->alt_ts = h->ts;
            snprintf(m, sizeof m, "SSRC 0x%08x event %u: %s packet with timestamp %u, its event's is %u: every packet "
                     "of an event, its end packets too, carries the event's timestamp", s->ssrc, code,
                     end ? "a final" : "an update", h->ts, e->ts);
            report_held(l, f, h, SIM_LINT_RTP, SIM_LINT_ERROR, end ? "RFC 4733 s.2.5.1.4" : "RFC 4733 s.2.5.1.2", "dtmf.ts",
                        m);
        }
        e->last_seq = h->seq;
        if (dur > e->dur)
            e->dur = dur;
        if (end && !e->ended) {
            e->ended = true;
            e->end_dur = dur;
            e->ends = 1;
            e->end_seqs = 1;
            e->last_end_seq = h->seq;
            e->first_end = *h;
        }
        return;
    }
    if (e->active && !e->ended && !segment) {
        snprintf(m, sizeof m, "SSRC 0x%08x event %u (timestamp %u): no final packet (E bit) seen before the next event: "
                 "lost, or never sent", s->ssrc, e->code, e->ts);
        report_held(l, f, h, SIM_LINT_RTP, SIM_LINT_INFO, "RFC 4733 s.2.5.1.4", "dtmf.noend", m);
    }
    if (e->active && e->ended)
        dtmf_close(l, f, s, (uint16_t)(e->last_end_seq + 1) == h->seq);
    if (!segment && !h->marker && h->contiguous) {
        snprintf(m, sizeof m, "SSRC 0x%08x event %u: the first packet of the event (timestamp %u) has no marker bit, and "
                 "the packet before it in sequence was seen", s->ssrc, code, h->ts);
        report_held(l, f, h, SIM_LINT_RTP, SIM_LINT_ERROR, "RFC 4733 s.2.5.1.1", "dtmf.marker", m);
    }
    if (dur == 0 && !end && !segment) {
        snprintf(m, sizeof m, "SSRC 0x%08x event %u: its first packet says duration 0%s", s->ssrc, code,
                 code <= 16 ? " (MUST NOT: 0 is for events defined as states, and DTMF's are not)" : "");
        report_held(l, f, h, SIM_LINT_RTP, zero_sev(code), "RFC 4733 s.2.3.5", "dtmf.duration.zero", m);
    }
    memset(e, 0, sizeof *e);
    e->active = true;
    e->last_seq = h->seq;
    e->ts = h->ts;
    e->code = code;
    e->dur = dur;
    if (end)
        first_end(e, h, dur);
}

/* D163: a dynamic PT whose payloads are 4-byte events of a DTMF shape
 * (R clear, code 0-16), TE_MIN of them under one timestamp with
 * durations that do not fall, is telephone-event on that SSRC. */
static bool te_shape(const uint8_t *ev) { return ev[0] <= 16 && !(ev[1] & 0x40); }

/* ---- RTP ---------------------------------------------------------------------- */

static ssrc_st_t *ssrc_get(sim_lint_t *l, const sim_lint_pkt_t *p, rtp_flow_t *fs, uint32_t ssrc)
{
    for (size_t i = 0; i < fs->ns; i++)
        if (fs->s[i]->ssrc == ssrc && fs->s[i]->from_a == p->from_a)
            return fs->s[i];
    if (fs->ns == MAX_SSRC) {
        if (!fs->ssrc_cap_said)
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 3550 s.8", "rtp.ssrc.cap",
                            "more than %d SSRCs on this flow: SSRC 0x%08x and later ones are not followed", MAX_SSRC, ssrc);
        fs->ssrc_cap_said = true;
        return NULL;
    }
    ssrc_st_t *s = calloc(1, sizeof *s);
    if (!s) {
        fputs("rtcsim lint: out of memory\n", stderr);
        exit(2);
    }
    s->ssrc = ssrc;
    s->from_a = p->from_a;
    fs->s[fs->ns++] = s;
    return s;
}

/* RFC 8285 s.4.2, s.4.3: walk the elements of the extension at x, n
 * bytes; false with what is wrong in why/ref/code where it does not. */
typedef struct ext_fault {
    const char *ref, *code;
    char        why[200];
} ext_fault_t;

static bool walk_ext(uint16_t profile, const uint8_t *x, size_t n, ext_fault_t *e)
{
    size_t i = 0;
    if (profile == 0xBEDE) {
        /* s.4.2: one-byte headers: ID (4 bits), L (4 bits: length - 1) */
        e->ref = "RFC 8285 s.4.2";
        while (i < n) {
            uint8_t b = x[i];
            if (b == 0) {           /* a padding byte: the value 0 */
                i++;
                continue;
            }
            unsigned id = b >> 4, len = (b & 15u) + 1;
            if (id == 15) {
                e->code = "rtp.ext.id15";
                snprintf(e->why, sizeof e->why, "one-byte header extension element with ID 15 at byte %zu: reserved, it "
                         "MUST NOT be used (a parser stops there and ignores what follows)", i);
                return false;
            }
            if (id == 0) {
                e->code = "rtp.ext.id0";
                snprintf(e->why, sizeof e->why, "one-byte header extension byte 0x%02x at %zu: ID 0 is padding and MUST "
                         "NOT be used as an element's ID (a padding byte is 0)", b, i);
                return false;
            }
            if (i + 1 + len > n) {
                e->code = "rtp.ext.elem";
                snprintf(e->why, sizeof e->why, "one-byte element ID %u at byte %zu says %u data bytes; the extension "
                         "has %zu left", id, i, len, n - i - 1);
                return false;
            }
            i += 1 + len;
        }
        return true;
    }
    /* s.4.3: two-byte headers: ID (8 bits, 0 is padding), length (8 bits) */
    e->ref = "RFC 8285 s.4.3";
    while (i < n) {
        if (x[i] == 0) {
            i++;
            continue;
        }
        if (i + 2 > n || i + 2 + x[i + 1] > n) {
            e->code = "rtp.ext.elem";
            snprintf(e->why, sizeof e->why, "two-byte element ID %u at byte %zu: its length %s does not fit the %zu "
                     "bytes left", x[i], i, i + 2 > n ? "(cut off)" : "byte", n - i);
            return false;
        }
        i += 2u + x[i + 1];
    }
    return true;
}

/* D164: the elements are checked on a flow whose extensions are in
 * clear: known plain, or whose first EXT_CLEAR_MIN extensions walked.
 * One that does not walk before that makes the flow's opaque (RFC 6904
 * keeps the element headers in clear, proprietary schemes such as
 * Discord's encrypt them): one info, no further element checks. */
static void check_ext(sim_lint_t *l, const sim_lint_pkt_t *p, rtp_flow_t *fs, uint16_t profile, const uint8_t *x, size_t n)
{
    ext_fault_t e;
    if (fs->ext_clear < 0)
        return;
    if (walk_ext(profile, x, n, &e)) {
        if (fs->ext_clear < EXT_CLEAR_MIN)
            fs->ext_clear++;
        return;
    }
    if (fs->ext_clear >= EXT_CLEAR_MIN || fs->plain_rtcp || fs->keys) {
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, e.ref, e.code, "%s", e.why);
        return;
    }
    fs->ext_clear = -1;
    sim_lint_report(l, p, NULL, SIM_LINT_INFO, e.ref, "rtp.ext.opaque",
                    "header extension elements that do not parse (%s) before %d had: this flow's extensions are taken "
                    "for encrypted and not checked further (D164)", e.why, EXT_CLEAR_MIN);
}

static void rtp_packet(sim_lint_t *l, const sim_lint_pkt_t *p, rtp_flow_t *fs)
{
    const uint8_t *d = p->data;
    size_t n = p->len;
    /* s.5.1: the core hands version 2 with the fixed header and CSRCs
     * in; checked again so that nothing below reads past n */
    if (n < 12 || (d[0] >> 6) != 2) {
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.5.1", "rtp.version", "RTP version %u, not 2",
                        n ? d[0] >> 6 : 0);
        return;
    }
    unsigned cc = d[0] & 15u;
    bool padding = d[0] & 0x20, ext = d[0] & 0x10, marker = d[1] & 0x80;
    unsigned pt = d[1] & 0x7Fu;
    size_t hdr = 12 + 4 * (size_t)cc;
    if (hdr > n) {
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.5.1", "rtp.csrc",
                        "CSRC count %u needs a %zu-byte header; the packet has %zu bytes", cc, hdr, n);
        return;
    }
    if (ext) {
        /* s.5.3.1: 16 bits profile-defined, 16 bits length in 32-bit words */
        if (hdr + 4 > n) {
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.5.3.1", "rtp.ext.length",
                            "X bit set but the packet ends %zu bytes after the CSRCs, before the extension header", n - hdr);
            return;
        }
        size_t xl = 4 * (size_t)be16(d + hdr + 2);
        uint16_t profile = be16(d + hdr);
        bool rfc8285 = profile == 0xBEDE || (profile & 0xFFF0) == 0x1000;
        if (!rfc8285 && !fs->plain_rtcp && !fs->keys) {
            /* D164: neither RFC 8285 form: a profile's own, or a header
             * encrypted by a scheme that is not SRTP: not checked */
            if (!fs->profile_said)
                sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 3550 s.5.3.1", "rtp.ext.profile",
                                "header extension with profile-defined value 0x%04x (neither RFC 8285 form) on a flow not "
                                "known plain: its length and contents not checked, later ones not reported (D164)", profile);
            fs->profile_said = true;
            return;
        }
        if (hdr + 4 + xl > n) {
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.5.3.1", "rtp.ext.length",
                            "header extension of %u words (%zu bytes) does not fit the %zu bytes after its header",
                            be16(d + hdr + 2), xl, n - hdr - 4);
            return;
        }
        if (rfc8285)
            check_ext(l, p, fs, profile, d + hdr + 4, xl);
        hdr += 4 + xl;
    }
    size_t payload = n - hdr;
    if (p->decrypted)
        fs->keys = true;
    bool plain = pkt_plain(p, fs);
    if (padding) {
        if (plain) {
            /* s.5.1: the last octet counts the padding, itself included */
            unsigned count = d[n - 1];
            if (count == 0 || count > payload) {
                sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.5.1", "rtp.padding",
                                "P bit set, padding count %u: it must be 1 to the %zu bytes after the header", count, payload);
                return;
            }
            payload -= count;
        } else if (!known_srtp(p, fs) && !fs->padding_said) {
            fs->padding_said = true;
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 3711 s.3.1", "rtp.padding.unchecked",
                            "P bit set on a flow not known to be plain RTP: under SRTP the padding count is encrypted, so "
                            "it is not checked on this flow (D160)");
        }
    }
    if (fs->keys && !p->decrypted)
        return;     /* D160: a replay or a forgery the core reported (srtp.replay, srtp.auth): not the source's */
    uint16_t seq = be16(d + 2);
    uint32_t ts = be32(d + 4), ssrc = be32(d + 8);
    ssrc_st_t *s = ssrc_get(l, p, fs, ssrc);
    if (!s)
        return;
    s->packets++;
    bool contiguous = s->have_prev && (uint16_t)(s->prev_seq + 1) == seq;
    enum seq_res r;
    if (s->packets == 1) {
        seq_init(s, seq);
        r = SEQ_FIRST;
    } else {
        r = seq_update(s, seq);
    }
    if (r == SEQ_LATE)
        contiguous = false;
    s->have_prev = true;
    s->prev_seq = seq;
    if (r == SEQ_JUMP) {
        sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 3550 A.1", "rtp.seq.jump",
                        "SSRC 0x%08x: sequence number %u after %u: %u %s (a restart if the next follows it)", ssrc, seq,
                        s->max_seq, (uint16_t)(seq - s->max_seq) < SEQ_MOD / 2 ? (uint16_t)(seq - s->max_seq)
                                                                               : (uint16_t)(s->max_seq - seq),
                        (uint16_t)(seq - s->max_seq) < SEQ_MOD / 2 ? "ahead, more than 3000" : "behind, more than 100");
    } else if (r == SEQ_RESTART) {
        s->restarts++;
        s->have_ts = false;
        memset(&s->ev, 0, sizeof s->ev);
    }

    /* the payload type: telephone-event (given, or D163's rule) */
    bool te = false, te_plain4 = false;
    held_t h;
    if (pt >= 96 || te_given(l, pt)) {
        uint8_t v = te_given(l, pt) ? TE_YES : s->te[pt];
        hold(&h, p);
        h.seq = seq;
        h.ts = ts;
        h.marker = marker;
        h.contiguous = contiguous;
        bool four = payload == 4 && (!padding || plain);
        if (four)
            memcpy(h.ev, d + hdr, 4);
        if (v == TE_YES) {
            te = true;
            te_plain4 = four;
            if (!four && plain && te_given(l, pt) && (payload == 0 || payload % 4 != 0))
                sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 4733 s.2.3", "dtmf.length",
                                "telephone-event payload of %zu bytes: events are 4 bytes each", payload);
        } else if (v == TE_UNKNOWN && r != SEQ_JUMP) {
            if (four && te_shape(h.ev) && s->ncand && s->cand_pt == pt && s->cand.ts == ts &&
                be16(h.ev + 2) >= be16(s->cand.ev + 2) && h.ev[0] == s->cand.ev[0]) {
                if (++s->ncand >= TE_MIN) {
                    s->te[pt] = TE_YES;
                    sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 4733 s.2.3", "dtmf.found",
                                    "SSRC 0x%08x: payload type %u taken for telephone-event (D163: 4-byte payloads of a "
                                    "DTMF event's shape under one timestamp)", ssrc, pt);
                    dtmf_packet(l, p, s, &s->cand, false, false);
                    te = true;
                    te_plain4 = true;
                }
            } else if (four && te_shape(h.ev)) {
                s->cand_pt = (uint8_t)pt;
                s->cand = h;
                s->ncand = 1;
                te = true;      /* held: not audio, not yet an event */
            } else {
                /* not an event's shape: decided only where the payload
                 * is known plain (an SRTP packet handed on as captured
                 * says nothing of its PT) */
                if (plain)
                    s->te[pt] = TE_NO;
                if (s->cand_pt == pt)
                    s->ncand = 0;
            }
        }
    }
    if (te && te_plain4 && (r == SEQ_NEXT || r == SEQ_FIRST || r == SEQ_LATE || r == SEQ_RESTART || r == SEQ_DUP))
        dtmf_packet(l, p, s, &h, r == SEQ_LATE, r == SEQ_DUP);
    if (r == SEQ_DUP) {
        /* RFC 4733 s.2.5.1.4: a final packet retransmitted under its own
         * sequence number is not a network duplicate */
        if (te && te_plain4 && (h.ev[1] & 0x80))
            s->end_repeats_same_seq++;
        else
            s->dups++;
        return;
    }
    if (r == SEQ_JUMP)
        return;

    /* s.5.1: the payload type of the SSRC */
    if (!(s->pts_seen[pt / 32] >> (pt % 32) & 1u)) {
        bool known = te || s->te[pt] == TE_YES || pt == 13 || (s->packets > 1 && (s->te[s->pt] == TE_YES || s->pt == 13));
        if (s->packets > 1 && !known)
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 3550 s.5.1", "rtp.pt.change",
                            "SSRC 0x%08x: payload type %u after %u (a codec change, or a payload type the lint cannot "
                            "name: telephone-event under SRTP, redundancy; a source may change it)", ssrc, pt, s->pt);
        s->pts_seen[pt / 32] |= 1u << (pt % 32);
    }
    s->pt = (uint8_t)pt;
    if (te)
        return;

    /* the event before is over: its final packet's repeats judged */
    if (s->ev.active && s->ev.ended && r == SEQ_NEXT)
        dtmf_close(l, p->flow, s, (uint16_t)(s->ev.last_end_seq + 1) == seq);
    /* RFC 4733: audio while an event is under way: said once an event,
     * and only when the audio follows the event's last packet with no
     * gap (a gap may hold its lost final packets) */
    if (s->ev.active && !s->ev.ended && !s->ev.audio_said && r != SEQ_LATE) {
        s->ev.audio_said = true;
        if ((uint16_t)(s->ev.last_seq + 1) == seq)
            sim_lint_report(l, p, NULL, SIM_LINT_WARNING, "RFC 4733 s.2.5.1.1", "dtmf.audio",
                        "SSRC 0x%08x: audio (payload type %u) while event %u (timestamp %u) is under way, before its "
                        "final packet", ssrc, pt, s->ev.code, s->ev.ts);
    }
    /* s.5.1: timestamps, markers (in sequence order only) */
    if (r == SEQ_LATE)
        return;
    s->media++;
    if (marker)
        s->markers++;
    if (s->have_ts) {
        int32_t dt = (int32_t)(ts - s->last_ts);
        /* a step of 2^30 or more either way (over 3 hours at 90 kHz) is
         * a discontinuity (a sender's restarted clock, a first packet
         * stamped 0), which modular arithmetic cannot call back or ahead */
        if (dt < 0 && dt > -(INT32_C(1) << 30) && s->ts_back++ == 0)
            sim_lint_report(l, p, NULL, SIM_LINT_WARNING, "RFC 3550 s.5.1", "rtp.ts.back",
                            "SSRC 0x%08x: timestamp %u after %u on a later sequence number (%d ticks back; the sampling "
                            "clock increments monotonically: only codecs that send frames out of order do this; the SSRC's "
                            "others are counted at the flow's end)",
                            ssrc, ts, s->last_ts, dt);
        if (pt != s->prev_media_pt) {
            s->in_multi = false;    /* another format (an event PT the lint cannot name, under SRTP) */
        } else if (dt == 0) {
            s->shared_ts++;
            s->in_multi = true;
        } else {
            if (s->in_multi) {
                s->frames_multi++;
                if (s->prev_marker)
                    s->frames_multi_marked++;
            }
            s->in_multi = false;
        }
    }
    s->have_ts = true;
    s->last_ts = ts;
    s->prev_marker = marker;
    s->prev_media_pt = (uint8_t)pt;
}

/* ---- RTCP --------------------------------------------------------------------- */

static void noncompound(sim_lint_t *l, const sim_lint_pkt_t *p, rtp_flow_t *fs, const char *code, const char *msg)
{
    if (sim_lint_opts(l)->rtcp_rsize)
        return;     /* announced: RFC 5506 s.3 */
    fs->noncompound++;
    if (fs->compound_seen) {
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.6.1", code, "%s", msg);
        return;
    }
    if (fs->ndeferred < MAX_DEFERRED) {
        held_t *h = &fs->deferred[fs->ndeferred];
        hold(h, p);
        snprintf(fs->deferred_code[fs->ndeferred], sizeof fs->deferred_code[0], "%s", code);
        fs->ndeferred++;
    }
}

static void compound_seen(sim_lint_t *l, sim_lint_flow_t *f, rtp_flow_t *fs)
{
    if (fs->compound_seen)
        return;
    fs->compound_seen = true;
    /* the flow is not reduced-size throughout: what was held is wrong */
    for (size_t i = 0; i < fs->ndeferred; i++) {
        const char *c = fs->deferred_code[i];
        report_held(l, f, &fs->deferred[i], SIM_LINT_RTCP, SIM_LINT_ERROR, "RFC 3550 s.6.1", c,
                    strcmp(c, "rtcp.cname") == 0
                        ? "compound RTCP without an SDES CNAME item (the flow also sends compounds: not reduced-size)"
                        : "compound RTCP whose first packet is not an SR or RR (the flow also sends compounds: not "
                          "reduced-size)");
    }
    fs->ndeferred = 0;
}

/* SDES (s.6.5): chunks of SSRC and items, each chunk ended by a null
 * item and padded to 32 bits. Returns whether a CNAME was seen; bad set
 * where it does not parse. */
static bool sdes_cname(const uint8_t *q, size_t pl, unsigned sc, bool *bad)
{
    size_t i = 4;
    bool cname = false;
    for (unsigned c = 0; c < sc; c++) {
        if (i + 4 > pl) {
            *bad = true;
            return cname;
        }
        i += 4;
        for (;;) {
            if (i >= pl) {
                *bad = true;
                return cname;
            }
            if (q[i] == 0) {
                i = (i + 4) & ~(size_t)3;   /* the null item and the padding to the next word */
                break;
            }
            if (i + 2 > pl || i + 2 + q[i + 1] > pl) {
                *bad = true;
                return cname;
            }
            if (q[i] == 1)
                cname = true;
            i += 2u + q[i + 1];
        }
    }
    return cname;
}

/* D161: the end of an SRTCP packet (RFC 3711 s.3.4): the E bit and a
 * 31-bit index, followed by a 10-byte tag (HMAC-SHA1-80, which SRTCP
 * uses under both RFC 5764 s.4.1.2 SHA1 profiles), or last, after the
 * 16-byte tag (AEAD, RFC 7714 s.9.1). E set and an index below 2^24 (a
 * session's count of compounds) in either place is taken for SRTCP. */
static bool srtcp_trailer(const uint8_t *d, size_t n)
{
    static const size_t at[] = { 14, 4 };    /* bytes from the end: index + HMAC tag; index alone */
    for (size_t i = 0; i < 2; i++) {
        if (n < at[i] + 8)
            continue;
        uint32_t w = be32(d + n - at[i]);
        if ((w & 0x80000000u) && (w & 0x7FFFFFFFu) < (1u << 24))
            return true;
    }
    return false;
}

static void rtcp_packet(sim_lint_t *l, const sim_lint_pkt_t *p, rtp_flow_t *fs)
{
    const uint8_t *d = p->data;
    size_t n = p->len;
    if (n < 8)
        return;     /* the core hands 8 bytes at least */
    size_t l1 = 4 * ((size_t)be16(d + 2) + 1);
    if (l1 > n) {
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.6.4.1", "rtcp.length",
                        "first RTCP packet's length %u words says %zu bytes; the datagram has %zu", be16(d + 2), l1, n);
        return;
    }
    /* walk the lengths (s.6.1, A.2) */
    size_t off = 0;
    bool walk = true;
    while (off < n) {
        if (off + 4 > n || (d[off] >> 6) != 2 || off + 4 * ((size_t)be16(d + off + 2) + 1) > n) {
            walk = false;
            break;
        }
        off += 4 * ((size_t)be16(d + off + 2) + 1);
    }
    bool srtcp = false;
    if (p->decrypted)
        fs->keys = true;
    if (!walk) {
        /* with keys (D167), a datagram handed on as captured is SRTCP
         * that did not authenticate or a replay */
        bool plain_flow = p->decrypted || (fs->plain_rtcp && !fs->keys);
        if (n - l1 < 8 || p->decrypted || (plain_flow && !srtcp_trailer(d, n))) {
            /* not SRTCP: plain RTCP on this flow, or no room for SRTCP's
             * 4-byte index and a tag (RFC 3711 s.3.4) */
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.6.1", "rtcp.length",
                            "the compound's packet lengths do not add up to the %zu-byte datagram (a packet at byte %zu %s)",
                            n, off, off + 4 > n ? "is cut off" : (d[off] >> 6) != 2 ? "is not version 2" : "overruns it");
            return;
        }
        srtcp = true;
        fs->srtcp = true;
        if (!fs->srtcp_said) {
            fs->srtcp_said = true;
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 3711 s.3.4", "rtcp.srtcp",
                            "SRTCP (or another encrypted RTCP): past the first 8 bytes the compound is encrypted and an "
                            "index and tag follow, so only the first packet's header is checked on this flow (D161)");
        }
    } else if (!p->decrypted) {
        fs->plain_rtcp = true;
    }
    /* the first packet: SR or RR (s.6.1), its report count fitting its length */
    unsigned pt = d[1], rc = d[0] & 31u;
    if (pt == 200 || pt == 201) {
        size_t need = (pt == 200 ? 28 : 8) + 24 * (size_t)rc;
        if (need > l1)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, pt == 200 ? "RFC 3550 s.6.4.1" : "RFC 3550 s.6.4.2",
                            pt == 200 ? "rtcp.sr.blocks" : "rtcp.rr.blocks",
                            "%s with %u report blocks needs %zu bytes; its length says %zu", pt == 200 ? "SR" : "RR", rc,
                            need, l1);
    }
    bool first_report = pt == 200 || pt == 201;
    if (srtcp) {
        if (!first_report)
            noncompound(l, p, fs, "rtcp.compound.first", "SRTCP compound whose first packet is not an SR or RR");
        else
            compound_seen(l, p->flow, fs);
        return;
    }
    /* plain: every packet */
    bool cname = false, bye_seen = false, bye_reported = false;
    for (size_t o = 0; o < n;) {
        const uint8_t *q = d + o;
        size_t pl = 4 * ((size_t)be16(q + 2) + 1);
        unsigned qpt = q[1], count = q[0] & 31u;
        bool last = o + pl == n;
        if (bye_seen && !bye_reported) {
            bye_reported = true;
            sim_lint_report(l, p, NULL, SIM_LINT_WARNING, "RFC 3550 s.6.1", "rtcp.bye.last",
                            "an RTCP packet of type %u after the BYE at byte %zu: BYE should be the last packet sent", qpt, o);
        }
        if (q[0] & 0x20) {
            /* s.6.4.1: padding only on the last packet (A.2), its count
             * in the last octet, itself included */
            if (!last)
                sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.6.4.1", "rtcp.padding",
                                "P bit on the RTCP packet at byte %zu, not the compound's last: only the last may be padded", o);
            else if (q[pl - 1] == 0 || q[pl - 1] > pl - 4)
                sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.6.4.1", "rtcp.padding",
                                "padding count %u in a %zu-byte RTCP packet", q[pl - 1], pl);
        }
        if (o > 0 && (qpt == 200 || qpt == 201)) {
            size_t need = (qpt == 200 ? 28 : 8) + 24 * (size_t)count;
            if (need > pl)
                sim_lint_report(l, p, NULL, SIM_LINT_ERROR, qpt == 200 ? "RFC 3550 s.6.4.1" : "RFC 3550 s.6.4.2",
                                qpt == 200 ? "rtcp.sr.blocks" : "rtcp.rr.blocks",
                                "%s at byte %zu with %u report blocks needs %zu bytes; its length says %zu",
                                qpt == 200 ? "SR" : "RR", o, count, need, pl);
        } else if (qpt == 202) {
            bool bad = false;
            if (sdes_cname(q, pl, count, &bad))
                cname = true;
            if (bad)
                sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.6.5", "rtcp.sdes",
                                "SDES at byte %zu: its %u chunks' items do not fit its %zu bytes", o, count, pl);
        } else if (qpt == 203) {
            bye_seen = true;
            if (4 + 4 * (size_t)count > pl)
                sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.6.6", "rtcp.bye",
                                "BYE at byte %zu with %u sources needs %zu bytes; its length says %zu", o, count,
                                4 + 4 * (size_t)count, pl);
            else if (4 + 4 * (size_t)count < pl && 4 + 4 * (size_t)count + 1 + q[4 + 4 * count] > pl)
                sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 3550 s.6.6", "rtcp.bye",
                                "BYE at byte %zu: its reason's length %u overruns it", o, q[4 + 4 * count]);
        }
        o += pl;
    }
    if (!first_report)
        noncompound(l, p, fs, "rtcp.compound.first", "compound RTCP whose first packet is not an SR or RR");
    else if (!cname)
        noncompound(l, p, fs, "rtcp.cname", "compound RTCP without an SDES CNAME item");
    else
        compound_seen(l, p->flow, fs);
}

/* ---- the checker ---------------------------------------------------------------- */

static void packet(sim_lint_t *l, const sim_lint_pkt_t *p)
{
    rtp_flow_t *fs = flow_st(p->flow);
    if (p->proto == SIM_LINT_DTLS) {
        /* RFC 6347 s.4.1: content type 22, a handshake: DTLS-SRTP keys
         * may come from it (RFC 5764), so the media may be SRTP */
        if (p->len >= 1 && p->data[0] == 22)
            fs->dtls_seen = true;
        return;
    }
    if (p->proto == SIM_LINT_RTP)
        rtp_packet(l, p, fs);
    else if (p->proto == SIM_LINT_RTCP)
        rtcp_packet(l, p, fs);
}

static void flow_end(sim_lint_t *l, sim_lint_flow_t *f)
{
    rtp_flow_t *fs = *sim_lint_state(f, &sim_lint_rtp_checker);
    if (!fs)
        return;
    for (size_t i = 0; i < fs->ns; i++) {
        ssrc_st_t *s = fs->s[i];
        dtmf_close(l, f, s, false);
        uint64_t expected = (uint64_t)s->cycles + s->max_seq - s->base_seq + 1;
        if (s->packets && expected > s->received)
            sim_lint_report(l, NULL, f, SIM_LINT_INFO, "RFC 3550 A.1", "rtp.seq.loss",
                            "SSRC 0x%08x: %llu of %llu packets missing from the sequence%s", s->ssrc,
                            (unsigned long long)(expected - s->received), (unsigned long long)expected,
                            s->restarts ? " since its last restart" : "");
        if (s->dups)
            sim_lint_report(l, NULL, f, SIM_LINT_INFO, "RFC 3550 A.1", "rtp.seq.dup",
                            "SSRC 0x%08x: %llu duplicate packets (a sequence number seen again)", s->ssrc,
                            (unsigned long long)s->dups);
        if (s->reorders)
            sim_lint_report(l, NULL, f, SIM_LINT_INFO, "RFC 3550 A.1", "rtp.seq.reorder",
                            "SSRC 0x%08x: %llu packets came after a later sequence number", s->ssrc,
                            (unsigned long long)s->reorders);
        if (s->restarts)
            sim_lint_report(l, NULL, f, SIM_LINT_INFO, "RFC 3550 A.1", "rtp.seq.restart",
                            "SSRC 0x%08x: its sequence restarted %llu times (a jump of more than %d kept)", s->ssrc,
                            (unsigned long long)s->restarts, MAX_DROPOUT);
        if (s->ts_back > 1)
            sim_lint_report(l, NULL, f, SIM_LINT_INFO, "RFC 3550 s.5.1", "rtp.ts.back.count",
                            "SSRC 0x%08x: %llu packets in all with a timestamp behind the one before in sequence",
                            s->ssrc, (unsigned long long)s->ts_back);
        if (s->in_multi) {
            s->frames_multi++;
            if (s->prev_marker)
                s->frames_multi_marked++;
        }
        if (s->frames_multi && s->frames_multi_marked < s->frames_multi)
            sim_lint_report(l, NULL, f, SIM_LINT_INFO, "RFC 3551 s.4.1", "rtp.marker",
                            "SSRC 0x%08x: %llu of %llu frames of several packets (one timestamp) end without the marker "
                            "(video payload formats mark a frame's last packet)", s->ssrc,
                            (unsigned long long)(s->frames_multi - s->frames_multi_marked),
                            (unsigned long long)s->frames_multi);
        else if (!s->frames_multi && s->markers)
            sim_lint_report(l, NULL, f, SIM_LINT_INFO, "RFC 3551 s.4.1", "rtp.marker",
                            "SSRC 0x%08x: the marker on %llu of %llu media packets (audio: a talkspurt's first)", s->ssrc,
                            (unsigned long long)s->markers, (unsigned long long)s->media);
    }
    if (fs->noncompound && !fs->compound_seen)
        sim_lint_report(l, NULL, f, SIM_LINT_INFO, "RFC 5506 s.3", "rtcp.rsize",
                        "all %llu RTCP datagrams of this flow are non-compound (no SR/RR first, or no CNAME): taken for "
                        "reduced-size RTCP negotiated out of band (D162; --rtcp-rsize says so)",
                        (unsigned long long)fs->noncompound);
}

static void flow_free(sim_lint_flow_t *f, void *state)
{
    rtp_flow_t *fs = state;
    for (size_t i = 0; i < fs->ns; i++)
        free(fs->s[i]);
    free(fs);
    (void)f;
}

const sim_lint_checker_t sim_lint_rtp_checker = {
    .name = "rtp",
    .protos = 1u << SIM_LINT_RTP | 1u << SIM_LINT_RTCP | 1u << SIM_LINT_DTLS,
    .packet = packet,
    .flow_end = flow_end,
    .flow_free = flow_free,
};
