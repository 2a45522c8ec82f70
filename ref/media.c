/*
 * media.c - RTCMediaSession (media.h), sans-IO: local streams sent as
 * RTP/RTCP (RFC 3550) over SRTP (RFC 3711, RFC 7714) keyed by each
 * RTCConnection's DTLS (RFC 5764), RTP and RTCP on one port (RFC 5761);
 * remote tracks from arriving RTP. The engine; the spec's descriptions,
 * filters and the events of the remote description are media_desc.c's,
 * what the two share is media_private.h.
 *
 * Time only from env.now, randomness only from env.random, memory only
 * through env.alloc (libsrtp's own allocations, made inside rtc_srtp_new,
 * are outside it). What the decisions D60-D69 of docs/decisions.md fix is
 * cited where it is implemented.
 */
#include "media.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "media_private.h"

static const rtc_codec_t default_codecs[] = {
    { .pt = 111, .kind = RTC_KIND_AUDIO, .name = "opus", .clock_rate = 48000, .channels = 2 },
    { .pt = 0,   .kind = RTC_KIND_AUDIO, .name = "PCMU", .clock_rate = 8000, .channels = 1 },
    { .pt = 96,  .kind = RTC_KIND_VIDEO, .name = "VP8",  .clock_rate = 90000 },
    /* D92: what browsers offer for RFC 4733 s.7.1.1, one per audio
     * clock rate (Opus 48000, PCMU 8000) */
    { .pt = 110, .kind = RTC_KIND_DTMF,  .name = "telephone-event", .clock_rate = 48000, .channels = 1 },
    { .pt = 126, .kind = RTC_KIND_DTMF,  .name = "telephone-event", .clock_rate = 8000, .channels = 1 },
};

/* RFC 4733 s.2.5.1.2 leaves the update interval to the sender; 50 ms is
 * what the issue and browsers use (D93). Volume 10 (-10 dBm0, s.2.3.4),
 * as browsers send (D93). */
#define DTMF_INTERVAL_NS (50 * 1000000ull)
#define DTMF_VOLUME      10
/* D89: the spec's ',' pause */
#define DTMF_PAUSE_NS    (2 * NS_PER_S)
/* D94: a tone under way whose packets stop for 4 intervals (3 updates
 * lost in a row are still the same tone) ended without an end packet */
#define DTMF_RX_TIMEOUT_NS (4 * DTMF_INTERVAL_NS)

/* ---- errors, time and randomness ----------------------------------------- */

int media_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return RTC_ERR_INVALID;
}

int media_nomem(char *err, size_t errlen, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: out of memory", what);
    return RTC_ERR_NOMEM;
}

static uint64_t now_ns(const rtc_media_t *m)
{
    return m->env.now(m->env.ctx);
}

static uint32_t rand32(rtc_media_t *m)
{
    uint32_t v;
    m->env.random(m->env.ctx, &v, sizeof v);
    return v;
}

/* ---- events and the timer ------------------------------------------------- */

rtc_media_event_t *media_push_event(rtc_media_t *m, rtc_media_event_type_t type, const char *msid,
                                    const char *track)
{
    if (m->nev - m->ev_head >= MEDIA_MAX_EVENTS) {
        m->st.dropped[RTC_DROP_NOMEM]++;
        return NULL;
    }
    if (m->ev_head == m->nev)
        m->ev_head = m->nev = 0;
    if (m->nev == m->ev_cap && m->ev_head > 0) {
        memmove(m->ev, m->ev + m->ev_head, (m->nev - m->ev_head) * sizeof *m->ev);
        m->nev -= m->ev_head;
        m->ev_head = 0;
    }
    rtc_media_event_t *v = rtc_mem_reserve(&m->env, m->ev, &m->ev_cap, m->nev, sizeof *m->ev);
    if (!v) {
        m->st.dropped[RTC_DROP_NOMEM]++;
        return NULL;
    }
    m->ev = v;
    rtc_media_event_t *e = &m->ev[m->nev++];
    memset(e, 0, sizeof *e);
    e->type = type;
    if (msid)
        snprintf(e->msid, sizeof e->msid, "%s", msid);
    if (track)
        snprintf(e->track, sizeof e->track, "%s", track);
    return e;
}

bool rtc_media_next_event(rtc_media_t *m, rtc_media_event_t *ev)
{
    if (m->ev_head == m->nev)
        return false;
    *ev = m->ev[m->ev_head++];
    return true;
}

/* ---- lookups -------------------------------------------------------------- */

static media_conn_t *conn_rec(rtc_media_t *m, const rtc_connection_t *c)
{
    for (size_t i = 0; c && i < m->nconns; i++)
        if (m->conns[i].c == c)
            return &m->conns[i];
    return NULL;
}

static media_conn_t *conn_by_id(rtc_media_t *m, const char *id)
{
    for (size_t i = 0; i < m->nconns; i++)
        if (strcmp(rtc_connection_id(m->conns[i].c), id) == 0)
            return &m->conns[i];
    return NULL;
}

bool media_conn_id_known(const rtc_media_t *m, const char *id)
{
    return conn_by_id((rtc_media_t *)m, id) != NULL;
}

/* The connection a track rides (spec, addConnection: "the first
 * connection added" unless its description names another). */
static media_conn_t *conn_of(rtc_media_t *m, const rtc_track_desc_t *d)
{
    if ((d->given & RTC_TD_CONNECTION) && d->connection_id[0])
        return conn_by_id(m, d->connection_id);
    return m->nconns ? &m->conns[0] : NULL;
}

ssize_t media_local_by_id(const rtc_media_t *m, const char *id)
{
    for (size_t i = 0; i < m->nlt; i++)
        if (strcmp(m->lt[i].desc.id, id) == 0)
            return (ssize_t)i;
    return -1;
}

/* A dtmf track shares its audio track's SSRC (spec, RTCDTMFTrack): the
 * source is the audio track's, the one this finds. */
ssize_t media_local_by_ssrc(const rtc_media_t *m, uint32_t ssrc)
{
    for (size_t i = 0; i < m->nlt; i++)
        if (m->lt[i].desc.kind != RTC_KIND_DTMF && m->lt[i].desc.ssrc == ssrc)
            return (ssize_t)i;
    return -1;
}

/* The remote track of an SSRC: a dtmf track shares its audio track's
 * (D95), which is the source's; the dtmf track only when it is alone. */
static ssize_t remote_by_ssrc(const rtc_media_t *m, uint32_t ssrc)
{
    ssize_t dtmf = -1;
    for (size_t i = 0; i < m->nrt; i++) {
        if (m->rt[i].desc.ssrc != ssrc)
            continue;
        if (m->rt[i].desc.kind != RTC_KIND_DTMF)
            return (ssize_t)i;
        if (dtmf < 0)
            dtmf = (ssize_t)i;
    }
    return dtmf;
}

bool media_is_dtmf_codec(const rtc_codec_t *c)
{
    return strcasecmp(c->name, "telephone-event") == 0;
}

ssize_t media_unknown_by_ssrc(const rtc_media_t *m, uint32_t ssrc)
{
    for (size_t i = 0; i < m->nunk; i++)
        if (m->unk[i].src.ssrc == ssrc)
            return (ssize_t)i;
    return -1;
}

ssize_t media_stream_idx(const stream_rec_t *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].id, id) == 0)
            return (ssize_t)i;
    return -1;
}

static bool ssrc_in_use(const rtc_media_t *m, uint32_t ssrc)
{
    if (media_local_by_ssrc(m, ssrc) >= 0 || remote_by_ssrc(m, ssrc) >= 0 ||
        media_unknown_by_ssrc(m, ssrc) >= 0)
        return true;
    for (size_t i = 0; i < m->nconns; i++)
        if (m->conns[i].rr_ssrc == ssrc)
            return true;
    return false;
}

/* RFC 3550 s.8.1: 32 random bits, not one known locally or in the
 * remote description (a collision is then only with an SSRC the peer
 * has not told us of, which s.8.2 resolves). */
static uint32_t pick_ssrc(rtc_media_t *m)
{
    uint32_t v;
    do
        v = rand32(m);
    while (ssrc_in_use(m, v));
    return v;
}

static const rtc_codec_t *codec_by_pt(const rtc_codec_t *v, size_t n, uint8_t pt)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].pt == pt)
            return &v[i];
    return NULL;
}

const rtc_codec_t *media_first_codec_of(const rtc_codec_t *v, size_t n, rtc_kind_t k)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].kind == k)
            return &v[i];
    return NULL;
}

static uint32_t clock_of(const rtc_codec_t *c);

/* The remote dtmf track of ssrc whose description has payload type pt
 * as a telephone-event codec; -1 if none. */
static ssize_t remote_dtmf_of(const rtc_media_t *m, uint32_t ssrc, uint8_t pt)
{
    for (size_t i = 0; i < m->nrt; i++) {
        const remote_track_t *r = &m->rt[i];
        if (r->desc.kind != RTC_KIND_DTMF || r->desc.ssrc != ssrc)
            continue;
        const rtc_codec_t *c = codec_by_pt(r->desc.codecs, r->desc.ncodecs, pt);
        if (c && media_is_dtmf_codec(c))
            return (ssize_t)i;
    }
    return -1;
}

/* D92: RFC 4733 s.2.1 wants the event clock to be the audio's (one SSRC,
 * one timestamp clock); telephone-event/8000 is the fallback. */
const rtc_codec_t *media_dtmf_codec(const rtc_codec_t *v, size_t n, const rtc_codec_t *audio)
{
    const rtc_codec_t *any = NULL, *at8000 = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!media_is_dtmf_codec(&v[i]))
            continue;
        if (audio && clock_of(&v[i]) == clock_of(audio))
            return &v[i];
        if (!at8000 && clock_of(&v[i]) == 8000)
            at8000 = &v[i];
        if (!any)
            any = &v[i];
    }
    return at8000 ? at8000 : any;
}

local_track_t *media_first_audio(rtc_media_t *m)
{
    for (size_t i = 0; i < m->nlt; i++)
        if (m->lt[i].desc.kind == RTC_KIND_AUDIO)
            return &m->lt[i];
    return NULL;
}

/* A codec's clock rate when it gives none: the RFC 3551 s.6 rates of
 * the static types and the rates browsers use (RFC 7587 s.4.1: Opus
 * signals 48000; video payload formats 90000). */
static uint32_t clock_of(const rtc_codec_t *c)
{
    if (c->clock_rate)
        return c->clock_rate;
    if (c->kind == RTC_KIND_VIDEO)
        return 90000;
    if (strcasecmp(c->name, "opus") == 0)
        return 48000;
    return 8000;
}

/* D65: an extension name maps to the id the options' extmap gives it;
 * a decimal name 1-255 (what onunknowntrack reports for an unmapped id)
 * is that id. 0: no id. */
uint8_t media_ext_id(const rtc_media_options_t *o, const char *name)
{
    for (size_t i = 0; i < o->nextmap; i++)
        if (strcmp(o->extmap[i].uri, name) == 0)
            return o->extmap[i].id;
    char *end;
    unsigned long v = strtoul(name, &end, 10);
    if (name[0] >= '1' && name[0] <= '9' && *end == '\0' && v <= 255)
        return (uint8_t)v;
    return 0;
}

/* ---- the timer ------------------------------------------------------------ */

/* How long a remote source may send no RTP before it is disconnected:
 * D63, RFC 3550 s.6.3.5's sender timeout, 2 x Td with Td the
 * deterministic interval (the 5 s minimum included, not halved) of the
 * connection it rides. */
static uint64_t rtp_timeout_ns(rtc_media_t *m, const media_conn_t *mc);
static void     reconcile(rtc_media_t *m);
static uint64_t dtmf_due(rtc_media_t *m, local_track_t *t);

/* The least rtp_timeout_ns can be: 2 x s.6.2's 5 s minimum of Td
 * (rtc_rtcp_interval_td, not the initial halving). A remote source heard
 * less than this ago cannot time out before a deadline this far ahead,
 * so the timer needs its exact timeout (interval_in over every track)
 * only then: computing it on every packet was a twentieth of a call. */
#define RTP_TIMEOUT_MIN_NS (10 * NS_PER_S)

void media_rearm(rtc_media_t *m, bool from_timeout)
{
    uint64_t at = RTC_TIME_NEVER;
    if (!m->closed) {
        uint64_t now = now_ns(m);
        reconcile(m);
        /* an event queued by an input other than the timer: fire at once
         * so the environment, which drains after each expiry, learns of it
         * (rtc_env.h: a time at or before now fires after this call) */
        if (!from_timeout && m->ev_head < m->nev)
            at = now;
        for (size_t i = 0; i < m->nlt; i++) {
            if (m->lt[i].sending && m->lt[i].src.next_at < at)
                at = m->lt[i].src.next_at;
            uint64_t d = dtmf_due(m, &m->lt[i]);
            if (d < at)
                at = d;
        }
        for (size_t i = 0; i < m->nrt; i++)
            if (m->rt[i].dtmf.active && m->rt[i].dtmf.last_at + DTMF_RX_TIMEOUT_NS < at)
                at = m->rt[i].dtmf.last_at + DTMF_RX_TIMEOUT_NS;
        for (size_t i = 0; i < m->nconns; i++)
            if (m->conns[i].rtcp_at < at)
                at = m->conns[i].rtcp_at;
        for (size_t i = 0; i < m->nrt; i++) {
            remote_track_t *r = &m->rt[i];
            if (!r->connected)
                continue;
            if (r->src.last_rtp + RTP_TIMEOUT_MIN_NS >= at)
                continue;       /* its deadline is no sooner than at */
            uint64_t t = r->src.last_rtp + rtp_timeout_ns(m, conn_rec(m, r->src.heard_on));
            if (t < at)
                at = t;
        }
    }
    if (at != m->timer_at || from_timeout) {
        m->timer_at = at;
        m->env.set_timer(m->env.ctx, RTC_TIMER_MEDIA, m, at);
    }
}

/* ---- RTCP out (RFC 3550 s.6) --------------------------------------------- */

/* Nominal bits per second of a source, for the session bandwidth of
 * s.6.2 (D62): audio its mean payload plus RTP, UDP and IPv4 headers per
 * packet time; video its payload bit rate (the headers of ~100 packets a
 * second add ~3%, within what the estimate can claim). */
static double nominal_bps(rtc_kind_t kind, const rtc_codec_t *c, const rtc_local_track_t *cfg)
{
    if (kind == RTC_KIND_DTMF || !c)
        return 0;
    rtc_source_params_t p;
    rtc_source_defaults(&p, kind == RTC_KIND_VIDEO ? RTC_SOURCE_VIDEO : RTC_SOURCE_AUDIO, c->name,
                        clock_of(c));
    if (kind == RTC_KIND_VIDEO)
        return cfg && cfg->bitrate ? cfg->bitrate : p.bitrate;
    double per = (p.min_payload + p.max_payload) / 2.0 + 12 + IP_UDP_OVERHEAD;
    return per * 8 * 1000.0 / (p.ptime_ms ? p.ptime_ms : 20);
}

static void interval_in(rtc_media_t *m, const media_conn_t *mc, rtc_rtcp_interval_in_t *in)
{
    memset(in, 0, sizeof *in);
    double bw = 0;
    uint64_t now = now_ns(m);
    for (size_t i = 0; i < m->nlt; i++) {
        local_track_t *t = &m->lt[i];
        if (conn_of(m, &t->desc) != mc)
            continue;
        in->members++;
        if (t->sending) {
            in->senders++;
            in->we_sent = true;
        }
        bw += nominal_bps(t->desc.kind, media_first_codec_of(t->desc.codecs, t->desc.ncodecs, t->desc.kind),
                          &t->cfg);
    }
    if (!in->we_sent)
        in->members++;          /* our receiver SSRC */
    for (size_t i = 0; i < m->nrt; i++) {
        remote_track_t *r = &m->rt[i];
        if (conn_of(m, &r->desc) != mc && r->src.heard_on != mc->c)
            continue;
        in->members++;
        if (r->src.have_rx && now - r->src.last_rtp < 10 * NS_PER_S)
            in->senders++;
        bw += nominal_bps(r->desc.kind, media_first_codec_of(r->desc.codecs, r->desc.ncodecs, r->desc.kind),
                          NULL);
    }
    for (size_t i = 0; i < m->nunk; i++)
        if (m->unk[i].src.heard_on == mc->c)
            in->members++;
    /* nothing to go by: a 64 kbit/s audio call's */
    if (bw <= 0)
        bw = 64000;
    in->rtcp_bw = 0.05 * bw / 8;     /* s.6.2: 5% of the session bandwidth, bytes/s */
    in->avg_rtcp_size = mc->avg_rtcp_size;
    in->initial = mc->rtcp_initial;
}

static uint64_t rtp_timeout_ns(rtc_media_t *m, const media_conn_t *mc)
{
    if (!mc)
        return 10 * NS_PER_S;      /* 2 x the 5 s minimum: no connection to measure */
    rtc_rtcp_interval_in_t in;
    interval_in(m, mc, &in);
    in.initial = false;
    return (uint64_t)(2 * rtc_rtcp_interval_td(&in) * 1e9);
}

static void schedule_rtcp(rtc_media_t *m, media_conn_t *mc)
{
    rtc_rtcp_interval_in_t in;
    interval_in(m, mc, &in);
    uint32_t r = rand32(m);
    double u = r / 4294967296.0;
    mc->rtcp_at = now_ns(m) + (uint64_t)(rtc_rtcp_interval(&in, u) * 1e9);
}

/* RTP timestamp of a sending source at time now: the sampling clock
 * runs from its start, pauses included (rtc_source_resume). */
static uint32_t rtp_ts_now(const local_track_t *t, uint64_t now)
{
    uint64_t dt = now > t->start_ns ? now - t->start_ns : 0;
    return t->ts0 + (uint32_t)((dt / 1000) * t->clock_rate / 1000000);
}

static void sr_of(const local_track_t *t, uint64_t now, rtc_rtcp_sr_t *sr)
{
    memset(sr, 0, sizeof *sr);
    sr->ssrc = t->desc.ssrc;
    sr->is_sr = true;
    sr->ntp = rtc_ntp_from_ns(now);
    sr->rtp_ts = rtp_ts_now(t, now);
    sr->packets = t->ssrc_packets;
    sr->octets = t->ssrc_octets;
}

static void add_cname(rtc_media_t *m, rtc_rtcp_t *c, uint32_t ssrc)
{
    if (c->nsdes >= RTC_RTCP_MAX_SDES)
        return;
    rtc_rtcp_sdes_t *s = &c->sdes[c->nsdes++];
    s->ssrc = ssrc;
    s->cname_len = (uint8_t)strlen(m->cname);
    memcpy(s->cname, m->cname, s->cname_len);
}

/* Report blocks for the remote sources heard on mc (s.6.4.1), at most
 * the 31 one report holds. */
static void add_blocks(rtc_media_t *m, media_conn_t *mc, rtc_rtcp_sr_t *sr, uint64_t now)
{
    for (size_t i = 0; i < m->nrt + m->nunk && sr->nblocks < RTC_RTCP_MAX_BLOCKS; i++) {
        rx_src_t *s = i < m->nrt ? &m->rt[i].src : &m->unk[i - m->nrt].src;
        if (!s->have_rx || s->heard_on != mc->c)
            continue;
        rtc_rtp_rx_block(&s->rx, s->ssrc, now, &sr->blocks[sr->nblocks++]);
    }
}

/* Protect (SRTCP) and send one compound. */
static void emit_rtcp(rtc_media_t *m, media_conn_t *mc, const rtc_rtcp_t *c)
{
    uint8_t plain[MEDIA_PKT_MAX], prot[MEDIA_PKT_MAX + MEDIA_SRTP_ROOM];
    size_t len;
    if (!mc->srtp || rtc_rtcp_write(c, plain, sizeof plain, &len) != RTC_RTP_OK) {
        m->st.unsent++;
        return;
    }
    memcpy(prot, plain, len);
    size_t plen = len;
    if (rtc_srtp_protect_rtcp(mc->srtp, prot, &plen, sizeof prot) != RTC_SRTP_OK) {
        m->st.unsent++;
        return;
    }
    /* The twin goes with it always: whether it is kept is the business of
     * the connection's socket environment, which sends (rtc_socket_emit
     * uses plain send without send_twin); the session's own environment
     * sends nothing, so its send_twin says nothing. */
    rtc_send_status_t s = rtc_connection_send_media(mc->c, prot, plen, plain, len);
    if (s != RTC_SEND_OK) {
        m->st.unsent++;
        return;
    }
    m->st.rtcp_sent++;
    mc->avg_rtcp_size = rtc_rtcp_avg_size(mc->avg_rtcp_size, plen + IP_UDP_OVERHEAD);
    mc->rtcp_initial = false;
}

/* The regular compound of a connection (s.6.1, s.6.4): an SR per local
 * source sending there (report blocks in the first), or an RR from the
 * receiver SSRC when none sends; SDES CNAME for each reporter. Reports
 * beyond the four a compound holds go in further compounds. */
static void send_report(rtc_media_t *m, media_conn_t *mc)
{
    uint64_t now = now_ns(m);
    rtc_rtcp_t c;
    memset(&c, 0, sizeof c);
    bool first = true;
    for (size_t i = 0; i < m->nlt; i++) {
        local_track_t *t = &m->lt[i];
        if (!t->sending || t->sent_on != mc->c)
            continue;
        rtc_rtcp_sr_t *sr = &c.reports[c.nreports++];
        sr_of(t, now, sr);
        if (first)
            add_blocks(m, mc, sr, now);
        first = false;
        add_cname(m, &c, t->desc.ssrc);
        t->st.srs++;
        if (c.nreports == sizeof c.reports / sizeof *c.reports) {
            emit_rtcp(m, mc, &c);
            memset(&c, 0, sizeof c);
        }
    }
    if (first) {
        rtc_rtcp_sr_t *rr = &c.reports[c.nreports++];
        rr->ssrc = mc->rr_ssrc;
        add_blocks(m, mc, rr, now);
        add_cname(m, &c, mc->rr_ssrc);
    }
    if (c.nreports)
        emit_rtcp(m, mc, &c);
}

/* s.6.6: a BYE for the sources in idx (which were sending on mc), in a
 * compound led by their SRs so that it is valid (s.6.1) and the peer
 * gets their last counts. Sent at once: s.6.3.7's BYE reconsideration is
 * for sessions of 50 members or more, and ours are a call's few. */
static void send_bye(rtc_media_t *m, media_conn_t *mc, const size_t *idx, size_t n)
{
    uint64_t now = now_ns(m);
    for (size_t k = 0; k < n; k += 4) {
        rtc_rtcp_t c;
        memset(&c, 0, sizeof c);
        for (size_t j = k; j < n && j < k + 4; j++) {
            local_track_t *t = &m->lt[idx[j]];
            sr_of(t, now, &c.reports[c.nreports++]);
            add_cname(m, &c, t->desc.ssrc);
            c.bye[c.nbye++] = t->desc.ssrc;
            t->st.srs++;
            t->st.byes++;
        }
        emit_rtcp(m, mc, &c);
    }
}

/* ---- RTP out (RFC 3550 s.5.1) ----------------------------------------- */

/* One plain RTP packet (len <= MEDIA_PKT_MAX), protected and sent on
 * mc with its plain twin (always: see emit_rtcp); what did not go is
 * counted. */
static void protect_and_send(rtc_media_t *m, media_conn_t *mc, const uint8_t *plain, size_t len)
{
    uint8_t prot[MEDIA_PKT_MAX + MEDIA_SRTP_ROOM];
    size_t plen = len;
    memcpy(prot, plain, len);
    if (rtc_srtp_protect(mc->srtp, prot, &plen, sizeof prot) != RTC_SRTP_OK ||
        rtc_connection_send_media(mc->c, prot, plen, plain, len) != RTC_SEND_OK) {
        m->st.unsent++;
        return;
    }
    m->st.rtp_sent++;
}

static void send_rtp(rtc_media_t *m, local_track_t *t, media_conn_t *mc)
{
    uint8_t payload[MEDIA_PKT_MAX], plain[MEDIA_PKT_MAX];
    rtc_source_packet_t pk;
    if (!rtc_source_next(&t->src, payload, sizeof payload, &pk)) {
        /* unreachable: the source's payloads are bounded by its params,
         * all below MEDIA_PKT_MAX; stop rather than spin */
        t->want = t->sending = false;
        return;
    }
    const rtc_codec_t *c = media_first_codec_of(t->desc.codecs, t->desc.ncodecs, t->desc.kind);
    rtc_rtp_header_t h;
    memset(&h, 0, sizeof h);
    h.marker = pk.marker;
    h.pt = c ? c->pt : 0;
    h.seq = t->seq++;
    h.ts = t->ts0 + pk.ts_offset;
    h.ssrc = t->desc.ssrc;
    /* RFC 8285: the description's extensions, under the extmap's ids
     * (setTrackProperties refused names without one) */
    for (size_t i = 0; i < t->desc.nexts && h.next < RTC_RTP_MAX_EXT; i++) {
        uint8_t id = media_ext_id(&m->opt, t->desc.exts[i].name);
        if (!id)
            continue;
        h.ext[h.next++] = (rtc_rtp_ext_t){ id, t->desc.exts[i].len, t->desc.exts[i].value };
    }
    size_t hl;
    if (rtc_rtp_write_header(&h, plain, sizeof plain, &hl) != RTC_RTP_OK || hl + pk.len > sizeof plain) {
        m->st.unsent++;
        return;
    }
    memcpy(plain + hl, payload, pk.len);
    t->st.packets++;
    t->st.octets += pk.len;
    t->ssrc_packets++;
    t->ssrc_octets += (uint32_t)pk.len;
    protect_and_send(m, mc, plain, hl + pk.len);
}

/* ---- RTCDTMFTrack out (RFC 4733 s.2.5.1) ------------------------------- */

/* One telephone-event packet on the audio source a's SSRC and sequence
 * space (spec: the dtmf track inherits its SSRC; RFC 4733 s.2.1: the
 * events are of that RTP stream), counted in its SR counts (RFC 3550
 * s.6.4.1: every packet of the SSRC). */
static void send_dtmf_packet(rtc_media_t *m, local_track_t *t, local_track_t *a, media_conn_t *mc,
                             const rtc_dtmf_packet_t *pk)
{
    uint8_t plain[64];
    rtc_rtp_header_t h;
    memset(&h, 0, sizeof h);
    h.marker = pk->marker;
    h.pt = t->dtmf.pt;
    h.seq = a->seq++;
    /* s.2.5.1.1: every packet of an event carries its start's timestamp
     * (a long tone's later segments theirs, s.2.5.1.3) */
    h.ts = t->dtmf.ts + pk->ts_offset;
    h.ssrc = a->desc.ssrc;
    size_t hl;
    if (rtc_rtp_write_header(&h, plain, sizeof plain - RTC_DTMF_PAYLOAD_LEN, &hl) != RTC_RTP_OK) {
        m->st.unsent++;     /* unreachable: a 12-byte header */
        return;
    }
    rtc_dtmf_write(&pk->payload, plain + hl);
    a->st.packets++;
    a->st.octets += RTC_DTMF_PAYLOAD_LEN;
    a->ssrc_packets++;
    a->ssrc_octets += RTC_DTMF_PAYLOAD_LEN;
    t->st.packets++;
    t->st.octets += RTC_DTMF_PAYLOAD_LEN;
    protect_and_send(m, mc, plain, hl + RTC_DTMF_PAYLOAD_LEN);
}

/* The audio track a dtmf track's tones go on: the one holding while a
 * tone plays, else the session's first audio track (D92). */
static local_track_t *dtmf_audio(rtc_media_t *m, local_track_t *t)
{
    if (t->dtmf.playing) {
        ssize_t i = media_local_by_id(m, t->dtmf.audio);
        return i >= 0 ? &m->lt[i] : NULL;
    }
    return media_first_audio(m);
}

/* When a dtmf track next has something to do; never while its audio
 * track does not send (the tones wait for it, D91). */
static uint64_t dtmf_due(rtc_media_t *m, local_track_t *t)
{
    if (t->desc.kind != RTC_KIND_DTMF)
        return RTC_TIME_NEVER;
    local_track_t *a = dtmf_audio(m, t);
    if (!a || !a->sending) {
        /* the tone's audio track stopped or went: the tone is cut (its
         * packets have no stream to ride), the buffer waits */
        if (t->dtmf.playing) {
            t->dtmf.playing = false;
            if (a)
                a->dtmf_hold = false;
        }
        return RTC_TIME_NEVER;
    }
    if (t->dtmf.playing)
        return rtc_dtmf_sender_next_at(&t->dtmf.snd);
    return t->dtmf.buf[0] ? t->dtmf.next_at : RTC_TIME_NEVER;
}

static void dtmf_start_tone(rtc_media_t *m, local_track_t *t, local_track_t *a, char c, uint64_t now)
{
    const rtc_codec_t *codec = codec_by_pt(t->desc.codecs, t->desc.ncodecs, t->dtmf.pt);
    uint32_t clock = codec ? clock_of(codec) : 8000;
    rtc_dtmf_sender_init(&t->dtmf.snd, (uint8_t)rtc_dtmf_event_of(c), DTMF_VOLUME, clock,
                         t->dtmf.duration_ms, DTMF_INTERVAL_NS, now);
    /* s.2.5.1.1: the event's timestamp is the audio clock's at its start;
     * the audio source is held (s.2.5.1.1: no audio of the same instant,
     * D93) while its clock keeps running */
    t->dtmf.ts = rtp_ts_now(a, now);
    t->dtmf.playing = true;
    snprintf(t->dtmf.audio, sizeof t->dtmf.audio, "%s", a->desc.id);
    a->dtmf_hold = true;
    rtc_media_event_t *e = media_push_event(m, RTC_MEDIA_DTMF_SENT, t->desc.msid, t->desc.id);
    if (e) {
        e->digit = c >= 'a' && c <= 'd' ? (char)(c - 'a' + 'A') : c;
        e->at = now;
        e->duration_ms = t->dtmf.duration_ms;
        e->ssrc = a->desc.ssrc;
        e->volume = DTMF_VOLUME;
    }
}

/* What is due of a dtmf track's tones at now. */
static void dtmf_step(rtc_media_t *m, local_track_t *t, uint64_t now)
{
    /* bounded: each turn sends a packet, ends a tone or takes a character */
    for (int n = 0; n < 4 * RTC_DTMF_TONES_MAX + 2000; n++) {
        uint64_t due = dtmf_due(m, t);
        if (due > now)
            return;
        local_track_t *a = dtmf_audio(m, t);
        media_conn_t *mc = conn_rec(m, a->sent_on);     /* dtmf_due: a sends */
        if (!mc)
            return;     /* unreachable: a sending track has its connection */
        if (t->dtmf.playing) {
            rtc_dtmf_packet_t pk;
            if (rtc_dtmf_sender_next(&t->dtmf.snd, &pk))
                send_dtmf_packet(m, t, a, mc, &pk);
            if (rtc_dtmf_sender_next_at(&t->dtmf.snd) == UINT64_MAX) {
                /* the spec's interToneGap runs from the last packet */
                t->dtmf.playing = false;
                a->dtmf_hold = false;
                t->dtmf.next_at = rtc_dtmf_sender_end(&t->dtmf.snd) + (uint64_t)t->dtmf.gap_ms * 1000000;
            }
            continue;
        }
        char c = t->dtmf.buf[0];
        memmove(t->dtmf.buf, t->dtmf.buf + 1, strlen(t->dtmf.buf));
        if (c == ',')
            t->dtmf.next_at = now + DTMF_PAUSE_NS;
        else
            dtmf_start_tone(m, t, a, c, now);
    }
}

static void source_params(const local_track_t *t, const rtc_codec_t *c, rtc_source_params_t *p)
{
    rtc_source_defaults(p, t->desc.kind == RTC_KIND_VIDEO ? RTC_SOURCE_VIDEO : RTC_SOURCE_AUDIO,
                        c ? c->name : "", c ? clock_of(c) : 8000);
    if (t->desc.kind == RTC_KIND_VIDEO) {
        if (t->cfg.fps)
            p->fps = t->cfg.fps;
        if (t->cfg.bitrate)
            p->bitrate = t->cfg.bitrate;
        if (t->cfg.keyframe_every)
            p->keyframe_every = t->cfg.keyframe_every;
    }
}

static void start_track(rtc_media_t *m, local_track_t *t, media_conn_t *mc, uint64_t now)
{
    if (!t->started) {
        const rtc_codec_t *c = media_first_codec_of(t->desc.codecs, t->desc.ncodecs, t->desc.kind);
        rtc_source_params_t p;
        source_params(t, c, &p);
        t->clock_rate = p.clock_rate;
        rtc_source_init(&t->src, &p, t->seed, now);
        t->start_ns = now;
        t->started = true;
    } else {
        rtc_source_resume(&t->src, t->paused_at, now);
    }
    t->sending = true;
    t->sent_on = mc->c;
}

static void pause_track(rtc_media_t *m, local_track_t *t, bool bye)
{
    if (!t->sending)
        return;
    media_conn_t *mc = conn_rec(m, t->sent_on);
    if (bye && mc) {
        size_t i = (size_t)(t - m->lt);
        send_bye(m, mc, &i, 1);
    }
    t->sending = false;
    t->paused_at = now_ns(m);
}

/* Bring every local track's sending in line with what was asked and
 * what its connection allows: a track asked to send starts when its
 * connection's keys are ready (spec: sendTrack before connected waits),
 * and moves (BYE on the old) when setTrackProperties moves it. DTMF
 * tracks have no synthetic source (RTCDTMFTrack sends their events). */
static void reconcile(rtc_media_t *m)
{
    uint64_t now = now_ns(m);
    for (size_t i = 0; i < m->nlt; i++) {
        local_track_t *t = &m->lt[i];
        media_conn_t *mc = conn_of(m, &t->desc);
        bool can = t->want && mc && mc->srtp && t->desc.kind != RTC_KIND_DTMF;
        if (t->sending && (!can || t->sent_on != mc->c))
            pause_track(m, t, true);
        if (can && !t->sending)
            start_track(m, t, mc, now);
    }
}

/* ---- connections ---------------------------------------------------------- */

static void on_change(void *user, rtc_connection_t *c);
static void on_packet(void *user, rtc_connection_t *c, const uint8_t *data, size_t len);

/* The keys are exported once, when DTLS comes up (RFC 5764 s.4.2), and
 * kept for the association's life (an ICE restart keeps it). */
static void conn_update(rtc_media_t *m, media_conn_t *mc)
{
    if (mc->srtp || mc->srtp_failed || rtc_connection_dtls_phase(mc->c) != RTC_DTLS_PHASE_UP)
        return;
    /* len 0 asks the profile, whose key and salt lengths say how much
     * material to export (ice.h) */
    const char *name = NULL;
    bool is_client = false;
    rtc_srtp_profile_t p;
    uint8_t key[128];
    size_t len;
    if (rtc_connection_srtp_keys(mc->c, &name, NULL, 0, &is_client) != 0 || !name ||
        !rtc_srtp_profile_of(name, &p) || (len = rtc_srtp_key_material_len(p)) > sizeof key ||
        rtc_connection_srtp_keys(mc->c, &name, key, len, &is_client) != 0) {
        mc->srtp_failed = true;
        return;
    }
    rtc_srtp_status_t s = rtc_srtp_new(p, key, len, is_client, &mc->srtp);
    memset(key, 0, sizeof key);     /* the keys live in libsrtp's contexts from here */
    if (s != RTC_SRTP_OK) {
        mc->srtp_failed = true;
        return;
    }
    mc->rtcp_initial = true;
    schedule_rtcp(m, mc);
}

static void on_change(void *user, rtc_connection_t *c)
{
    rtc_media_t *m = user;
    media_conn_t *mc = conn_rec(m, c);
    if (!mc || m->closed)
        return;
    conn_update(m, mc);
    media_rearm(m, false);
}

static const rtc_media_link_t *link_of(rtc_media_t *m, rtc_media_link_t *l)
{
    l->user = m;
    l->on_change = on_change;
    l->on_packet = on_packet;
    return l;
}

static void conn_drop(rtc_media_t *m, size_t i)
{
    media_conn_t *mc = &m->conns[i];
    rtc_connection_attach_media(mc->c, NULL, NULL, 0);
    rtc_srtp_free(mc->srtp);
    for (size_t j = 0; j < m->nrt + m->nunk; j++) {
        rx_src_t *s = j < m->nrt ? &m->rt[j].src : &m->unk[j - m->nrt].src;
        if (s->heard_on == mc->c)
            s->heard_on = NULL;
    }
    for (size_t j = 0; j < m->nlt; j++)
        if (m->lt[j].sent_on == mc->c)
            m->lt[j].sent_on = NULL;
    memmove(&m->conns[i], &m->conns[i + 1], (m->nconns - i - 1) * sizeof *m->conns);
    m->nconns--;
}

int rtc_media_add_connection(rtc_media_t *m, rtc_connection_t *c, char *err, size_t errlen)
{
    if (m->closed)
        return media_fail(err, errlen, "addConnection: the session is closed");
    if (!c)
        return media_fail(err, errlen, "addConnection: no connection");
    if (conn_rec(m, c))
        return media_fail(err, errlen, "addConnection: connection '%s' was added already",
                          rtc_connection_id(c));
    media_conn_t *v = rtc_mem_reserve(&m->env, m->conns, &m->conns_cap, m->nconns, sizeof *v);
    if (!v)
        return media_nomem(err, errlen, "addConnection");
    m->conns = v;
    media_conn_t *mc = &m->conns[m->nconns];
    memset(mc, 0, sizeof *mc);
    mc->c = c;
    mc->rr_ssrc = pick_ssrc(m);
    mc->rtcp_at = RTC_TIME_NEVER;
    mc->rtcp_initial = true;
    /* s.6.3.2: the probable size of the first compound: an RR or SR with
     * a block or two, SDES with a 16-character CNAME */
    mc->avg_rtcp_size = 100 + IP_UDP_OVERHEAD;
    m->nconns++;
    rtc_media_link_t l;
    int r = rtc_connection_attach_media(c, link_of(m, &l), err, errlen);
    if (r != 0) {
        m->nconns--;
        return r;
    }
    conn_update(m, &m->conns[m->nconns - 1]);
    media_rearm(m, false);
    return 0;
}

int rtc_media_remove_connection(rtc_media_t *m, rtc_connection_t *c, char *err, size_t errlen)
{
    if (m->closed)
        return media_fail(err, errlen, "removeConnection: the session is closed");
    media_conn_t *mc = conn_rec(m, c);
    if (!mc)
        return media_fail(err, errlen, "removeConnection: the connection is not one of the session's");
    /* D64: a local track rides while it sends or waits to; a remote one
     * while its description puts it there */
    for (size_t i = 0; i < m->nlt; i++)
        if ((m->lt[i].want || m->lt[i].sending) && conn_of(m, &m->lt[i].desc) == mc)
            return media_fail(err, errlen, "removeConnection: local track '%s' rides on connection '%s'",
                              m->lt[i].desc.id, rtc_connection_id(c));
    for (size_t i = 0; i < m->nrt; i++)
        if (conn_of(m, &m->rt[i].desc) == mc)
            return media_fail(err, errlen, "removeConnection: remote track '%s' rides on connection '%s'",
                              m->rt[i].desc.id, rtc_connection_id(c));
    conn_drop(m, (size_t)(mc - m->conns));
    media_rearm(m, false);
    return 0;
}

size_t rtc_media_connections(const rtc_media_t *m, rtc_connection_t **out, size_t max)
{
    for (size_t i = 0; i < m->nconns && i < max; i++)
        out[i] = m->conns[i].c;
    return m->nconns;
}

/* ---- remote media ------------------------------------------------------ */

static bool stream_has_connected(const rtc_media_t *m, const char *msid, ssize_t except)
{
    for (size_t i = 0; i < m->nrt; i++)
        if ((ssize_t)i != except && m->rt[i].connected && strcmp(m->rt[i].desc.msid, msid) == 0)
            return true;
    return false;
}

/* A remote track stops being connected: its event, then its stream's
 * when it was the last connected one (spec: a MediaStream disconnects
 * when its last remaining track does). */
void media_remote_disconnect(rtc_media_t *m, size_t i, const char *reason)
{
    remote_track_t *r = &m->rt[i];
    if (!r->connected)
        return;
    r->connected = false;
    rtc_media_event_t *e = media_push_event(m, RTC_MEDIA_TRACK_DISCONNECTED, r->desc.msid, r->desc.id);
    if (e) {
        snprintf(e->reason, sizeof e->reason, "%s", reason);
        e->ssrc = r->desc.ssrc;
    }
    ssize_t s = media_stream_idx(m->rs, m->nrs, r->desc.msid);
    if (s >= 0 && m->rs[s].connected && !stream_has_connected(m, r->desc.msid, (ssize_t)i)) {
        m->rs[s].connected = false;
        media_push_event(m, RTC_MEDIA_STREAM_DISCONNECTED, r->desc.msid, NULL);
    }
}

static void remote_connect(rtc_media_t *m, size_t i)
{
    remote_track_t *r = &m->rt[i];
    ssize_t s = media_stream_idx(m->rs, m->nrs, r->desc.msid);
    if (r->connected || s < 0)
        return;     /* s < 0 unreachable: a remote track's stream is added with it */
    r->connected = true;
    r->st.connected = true;
    rtc_media_event_t *e = media_push_event(m, RTC_MEDIA_TRACK_CONNECTED, r->desc.msid, r->desc.id);
    if (e)
        e->ssrc = r->desc.ssrc;
    if (!m->rs[s].connected) {
        m->rs[s].connected = true;
        media_push_event(m, RTC_MEDIA_STREAM_CONNECTED, r->desc.msid, NULL);
    }
}

/* s.8.2: the peer uses one of our SSRCs: ours changes (a fresh one),
 * the old is said goodbye to where it was sending. */
void media_local_collision(rtc_media_t *m, size_t i)
{
    local_track_t *t = &m->lt[i];
    uint32_t old = t->desc.ssrc;
    if (t->sending) {
        media_conn_t *mc = conn_rec(m, t->sent_on);
        if (mc)
            send_bye(m, mc, &i, 1);
    }
    /* pick with the old one still in the table, so it is not drawn again */
    uint32_t fresh = pick_ssrc(m);
    t->desc.ssrc = fresh;
    /* the dtmf tracks that share it follow it (spec: they have its SSRC) */
    for (size_t k = 0; k < m->nlt; k++)
        if (m->lt[k].desc.kind == RTC_KIND_DTMF && m->lt[k].desc.ssrc == old)
            m->lt[k].desc.ssrc = fresh;
    t->ssrc_packets = t->ssrc_octets = 0;
    rtc_media_event_t *e = media_push_event(m, RTC_MEDIA_SSRC_CHANGED, t->desc.msid, t->desc.id);
    if (e) {
        e->ssrc = old;
        e->new_ssrc = fresh;
    }
}

static void ext_name(const rtc_media_options_t *o, uint8_t id, char *out, size_t n)
{
    for (size_t i = 0; i < o->nextmap; i++)
        if (o->extmap[i].id == id) {
            snprintf(out, n, "%s", o->extmap[i].uri);
            return;
        }
    snprintf(out, n, "%u", id);
}

/* A tone a remote dtmf track decoded: its event (RFC 4733 s.2.5.2). */
static void dtmf_tone_event(rtc_media_t *m, remote_track_t *r, const rtc_dtmf_tone_t *tone)
{
    rtc_media_event_t *e = media_push_event(m, RTC_MEDIA_DTMF_TONE, r->desc.msid, r->desc.id);
    if (!e)
        return;
    uint32_t clock = r->dtmf_clock ? r->dtmf_clock : 8000;
    e->digit = tone->digit;
    e->at = tone->first_at;
    e->duration_units = tone->duration;
    e->duration_ms = (uint32_t)((uint64_t)tone->duration * 1000 / clock);
    e->volume = tone->volume;
    e->ended = tone->ended;
    e->ssrc = r->desc.ssrc;
}

/* RTP for a source we know (a described track or a recorded unknown
 * one): A.1 and A.8 with the arrival time in the codec's clock. */
static void rx_count(rx_src_t *s, const rtc_rtp_header_t *h, rtc_connection_t *c, uint64_t now,
                     uint32_t clock)
{
    uint32_t arrival = (uint32_t)((now / 1000) * clock / 1000000);
    if (!s->have_rx) {
        rtc_rtp_rx_init(&s->rx, h->seq);
        s->have_rx = true;
    }
    rtc_rtp_rx_update(&s->rx, h->seq, h->ts, arrival);
    s->heard_on = c;
    s->last_rtp = now;
}

static void rtp_in(rtc_media_t *m, rtc_connection_t *c, const uint8_t *p, size_t len)
{
    rtc_rtp_header_t h;
    rtc_rtp_status_t rs = rtc_rtp_parse(p, len, &h);
    if (rs != RTC_RTP_OK) {
        m->st.dropped[rs == RTC_RTP_BAD_EXTENSION ? RTC_DROP_RTP_EXTENSION
                                                  : RTC_DROP_RTP_MALFORMED]++;
        return;
    }
    uint64_t now = now_ns(m);
    ssize_t li = media_local_by_ssrc(m, h.ssrc);
    if (li >= 0)
        media_local_collision(m, (size_t)li);
    ssize_t ri = remote_by_ssrc(m, h.ssrc);
    ssize_t di = remote_dtmf_of(m, h.ssrc, h.pt);
    if (di >= 0) {
        /* D95: a telephone-event of a described dtmf track goes to its
         * decoder, never to the audio's payload checks; its sequence
         * number is the shared source's (RFC 3550 A.1 is per SSRC, so it
         * is not counted lost there) */
        remote_track_t *r = &m->rt[di];
        const rtc_codec_t *codec = codec_by_pt(r->desc.codecs, r->desc.ncodecs, h.pt);
        m->st.rtp_received++;
        r->dtmf_clock = clock_of(codec);
        r->st.packets++;
        r->st.octets += h.payload_len;
        if (ri >= 0 && ri != di) {
            remote_track_t *a = &m->rt[ri];
            const rtc_codec_t *ac = media_first_codec_of(a->desc.codecs, a->desc.ncodecs, a->desc.kind);
            rx_count(&a->src, &h, c, now, ac ? clock_of(ac) : r->dtmf_clock);
        }
        rtc_dtmf_tone_t tone;
        bool done = false;
        rtc_dtmf_status_t ds = rtc_dtmf_receiver_input(&r->dtmf, p + h.header_len, h.payload_len, h.ts,
                                                       h.marker, now, &tone, &done);
        switch (ds) {
        case RTC_DTMF_OK:         break;
        case RTC_DTMF_DUPLICATE:  m->st.dtmf_duplicates++; break;
        case RTC_DTMF_TRUNCATED:  m->st.dropped[RTC_DROP_DTMF_TRUNCATED]++; break;
        case RTC_DTMF_BAD_EVENT:  m->st.dropped[RTC_DROP_DTMF_BAD_EVENT]++; break;
        case RTC_DTMF_NO_START:   m->st.dropped[RTC_DROP_DTMF_NO_START]++; break;
        case RTC_DTMF_BACKWARDS:  m->st.dropped[RTC_DROP_DTMF_BACKWARDS]++; break;
        case RTC_DTMF__COUNT:     break;
        }
        /* a tone completed by this packet is reported even when the
         * packet itself was refused (a new event ends the one before) */
        if (done)
            dtmf_tone_event(m, r, &tone);
        return;
    }
    if (ri >= 0) {
        remote_track_t *r = &m->rt[ri];
        const rtc_codec_t *codec = codec_by_pt(r->desc.codecs, r->desc.ncodecs, h.pt);
        if (!codec) {
            m->st.dropped[RTC_DROP_UNKNOWN_PT]++;
            return;
        }
        m->st.rtp_received++;
        rx_count(&r->src, &h, c, now, clock_of(codec));
        r->st.packets++;
        r->st.octets += h.payload_len;
        /* D66: a track that disconnected (BYE, timeout) connects again
         * on its next RTP */
        remote_connect(m, (size_t)ri);
        return;
    }
    m->st.rtp_received++;
    const rtc_codec_t *codec = codec_by_pt(m->opt.codecs, m->opt.ncodecs, h.pt);
    uint32_t clock = codec ? clock_of(codec) : 90000;
    ssize_t ui = media_unknown_by_ssrc(m, h.ssrc);
    if (ui < 0) {
        if (m->nunk >= MEDIA_MAX_UNKNOWN) {
            m->st.dropped[RTC_DROP_TOO_MANY_SOURCES]++;
            return;
        }
        unknown_src_t *v = rtc_mem_reserve(&m->env, m->unk, &m->unk_cap, m->nunk, sizeof *v);
        if (!v) {
            m->st.dropped[RTC_DROP_NOMEM]++;
            return;
        }
        m->unk = v;
        ui = (ssize_t)m->nunk++;
        memset(&m->unk[ui], 0, sizeof m->unk[ui]);
        m->unk[ui].src.ssrc = h.ssrc;
        /* onunknowntrack, once per SSRC, with this packet's extensions
         * (RFC 8285) named by the extmap, unmapped ids by number; values
         * longer than an event holds are cut to RTC_EXT_VAL_MAX */
        rtc_media_event_t *e = media_push_event(m, RTC_MEDIA_UNKNOWN_TRACK, NULL, NULL);
        if (e) {
            e->ssrc = h.ssrc;
            for (size_t i = 0; i < h.next && e->nexts < RTC_MAX_EXTS; i++) {
                rtc_ext_header_t *x = &e->exts[e->nexts++];
                ext_name(&m->opt, h.ext[i].id, x->name, sizeof x->name);
                x->len = h.ext[i].len > RTC_EXT_VAL_MAX ? RTC_EXT_VAL_MAX : h.ext[i].len;
                memcpy(x->value, h.ext[i].data, x->len);
            }
        }
    }
    unknown_src_t *u = &m->unk[ui];
    rx_count(&u->src, &h, c, now, clock);
    u->packets++;
    u->octets += h.payload_len;
}

static rx_src_t *rx_by_ssrc(rtc_media_t *m, uint32_t ssrc, remote_track_t **track)
{
    ssize_t i = remote_by_ssrc(m, ssrc);
    *track = i >= 0 ? &m->rt[i] : NULL;
    if (i >= 0)
        return &m->rt[i].src;
    i = media_unknown_by_ssrc(m, ssrc);
    return i >= 0 ? &m->unk[i].src : NULL;
}

static void rtcp_in(rtc_media_t *m, media_conn_t *mc, const uint8_t *p, size_t len)
{
    rtc_rtcp_t c;
    if (rtc_rtcp_parse(p, len, &c) != RTC_RTP_OK) {
        m->st.dropped[RTC_DROP_RTCP_MALFORMED]++;
        return;
    }
    m->st.rtcp_received++;
    uint64_t now = now_ns(m);
    mc->avg_rtcp_size = rtc_rtcp_avg_size(mc->avg_rtcp_size, len + IP_UDP_OVERHEAD);
    for (size_t i = 0; i < c.nreports; i++) {
        const rtc_rtcp_sr_t *r = &c.reports[i];
        ssize_t li = media_local_by_ssrc(m, r->ssrc);
        if (li >= 0)
            media_local_collision(m, (size_t)li);
        remote_track_t *t;
        rx_src_t *s = rx_by_ssrc(m, r->ssrc, &t);
        if (s && s->have_rx && r->is_sr)
            rtc_rtp_rx_sr(&s->rx, r->ntp, now);     /* LSR for our blocks (s.6.4.1) */
        if (t) {
            if (r->is_sr)
                t->st.srs++;
            else
                t->st.rrs++;
        }
        for (size_t b = 0; b < r->nblocks; b++) {
            const rtc_rtcp_block_t *blk = &r->blocks[b];
            ssize_t k = media_local_by_ssrc(m, blk->ssrc);
            if (k < 0)
                continue;
            rtc_track_stats_t *st = &m->lt[k].st;
            st->have_report = true;
            st->fraction_lost = blk->fraction_lost;
            st->cumulative_lost = blk->cumulative_lost;
            st->report_jitter = blk->jitter;
            /* s.6.4.1: RTT = A - LSR - DLSR in 1/65536 s, A our NTP
             * time's middle bits now; LSR 0 means no SR seen */
            if (blk->lsr) {
                uint32_t a = rtc_ntp_mid(rtc_ntp_from_ns(now));
                uint32_t rtt = a - blk->lsr - blk->dlsr;
                if (rtt < 0x80000000u)
                    st->rtt_us = (uint32_t)(((uint64_t)rtt * 1000000) >> 16);
            }
        }
    }
    for (size_t i = 0; i < c.nbye; i++) {
        ssize_t ri = remote_by_ssrc(m, c.bye[i]);
        if (ri < 0)
            continue;
        m->rt[ri].st.byes++;
        media_remote_disconnect(m, (size_t)ri, "bye");
    }
}

static void on_packet(void *user, rtc_connection_t *c, const uint8_t *data, size_t len)
{
    rtc_media_t *m = user;
    if (m->closed) {
        m->st.dropped[RTC_DROP_CLOSED]++;   /* unreachable: close() detaches */
        return;
    }
    media_conn_t *mc = conn_rec(m, c);
    if (!mc)
        return;     /* unreachable: a connection calls only the link attached to it */
    if (!mc->srtp) {
        m->st.dropped[RTC_DROP_NO_KEYS]++;
        return;
    }
    if (len > sizeof m->rxbuf) {
        m->st.dropped[RTC_DROP_RTP_MALFORMED]++;
        return;
    }
    /* RFC 5761 s.4: RTCP when the second byte is 192-223, i.e. a
     * payload type RTP never uses */
    rtc_demux_t d = rtc_demux(data, len);
    memcpy(m->rxbuf, data, len);
    size_t n = len;
    rtc_srtp_status_t s;
    if (d == RTC_DEMUX_RTCP)
        s = rtc_srtp_unprotect_rtcp(mc->srtp, m->rxbuf, &n);
    else if (d == RTC_DEMUX_RTP)
        s = rtc_srtp_unprotect(mc->srtp, m->rxbuf, &n);
    else {
        m->st.dropped[RTC_DROP_RTP_MALFORMED]++;
        return;
    }
    if (s != RTC_SRTP_OK) {
        m->st.dropped[s == RTC_SRTP_ERR_AUTH     ? RTC_DROP_SRTP_AUTH
                      : s == RTC_SRTP_ERR_REPLAY ? RTC_DROP_SRTP_REPLAY
                                                 : RTC_DROP_SRTP_OTHER]++;
        return;
    }
    if (d == RTC_DEMUX_RTCP)
        rtcp_in(m, mc, m->rxbuf, n);
    else
        rtp_in(m, c, m->rxbuf, n);
    media_rearm(m, false);
}

void rtc_media_handle_timeout(rtc_media_t *m)
{
    if (m->closed)
        return;
    uint64_t now = now_ns(m);
    reconcile(m);
    /* the tones first: one starting now holds its audio before the
     * audio's packet of this instant, one ending releases it */
    for (size_t i = 0; i < m->nlt; i++)
        if (m->lt[i].desc.kind == RTC_KIND_DTMF)
            dtmf_step(m, &m->lt[i], now);
    for (size_t i = 0; i < m->nlt; i++) {
        local_track_t *t = &m->lt[i];
        media_conn_t *mc = t->sending ? conn_rec(m, t->sent_on) : NULL;
        /* a late timer sends what was due (a video frame's packets all
         * are due at once); bounded so that a very late one cannot spin:
         * 2000 packets is over 2 s of 1 Mbit/s video */
        for (int n = 0; mc && t->sending && t->src.next_at <= now && n < 2000; n++) {
            if (t->dtmf_hold) {
                /* D93: held by a tone, the source's packet is made (its
                 * clock and bytes run on) and not sent: no sequence
                 * number taken */
                uint8_t scratch[MEDIA_PKT_MAX];
                rtc_source_packet_t pk;
                if (!rtc_source_next(&t->src, scratch, sizeof scratch, &pk))
                    break;
                continue;
            }
            send_rtp(m, t, mc);
        }
    }
    for (size_t i = 0; i < m->nrt; i++) {
        remote_track_t *r = &m->rt[i];
        rtc_dtmf_tone_t tone;
        if (r->dtmf.active && rtc_dtmf_receiver_poll(&r->dtmf, now, DTMF_RX_TIMEOUT_NS, &tone))
            dtmf_tone_event(m, r, &tone);
    }
    for (size_t i = 0; i < m->nconns; i++) {
        media_conn_t *mc = &m->conns[i];
        if (mc->rtcp_at > now)
            continue;
        send_report(m, mc);
        schedule_rtcp(m, mc);
    }
    for (size_t i = 0; i < m->nrt; i++) {
        remote_track_t *r = &m->rt[i];
        if (r->connected && now >= r->src.last_rtp + RTP_TIMEOUT_MIN_NS &&
            now >= r->src.last_rtp + rtp_timeout_ns(m, conn_rec(m, r->src.heard_on)))
            media_remote_disconnect(m, i, "timeout");
    }
    media_rearm(m, true);
}

/* ---- the session ---------------------------------------------------------- */

rtc_media_t *rtc_media_new(const rtc_env_t *env, const rtc_media_options_t *opt, void *opaque,
                           rtc_status_t *st, char *err, size_t errlen)
{
    rtc_status_t dummy;
    if (!st)
        st = &dummy;
    *st = RTC_ERR_INVALID;
    if (opt && media_check_options(opt, err, errlen) < 0)
        return NULL;
    rtc_media_t *m = rtc_mem_alloc(env, sizeof *m);
    if (!m) {
        *st = RTC_ERR_NOMEM;
        media_nomem(err, errlen, "RTCMediaSession");
        return NULL;
    }
    m->env = *env;
    m->opaque = opaque;
    if (opt)
        m->opt = *opt;
    if (m->opt.ncodecs == 0) {
        /* a browser's offer (issue 9, "Options"); D60 */
        m->opt.ncodecs = sizeof default_codecs / sizeof *default_codecs;
        memcpy(m->opt.codecs, default_codecs, sizeof default_codecs);
    }
    m->timer_at = RTC_TIME_NEVER;
    /* RFC 7022 s.4.2: a CNAME of 96 random bits, base64 (16 characters),
     * one per session so that the peer groups our sources (s.6.5.1) */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t r[12];
    m->env.random(m->env.ctx, r, sizeof r);
    for (size_t i = 0; i < 4; i++) {
        uint32_t v = (uint32_t)r[3 * i] << 16 | (uint32_t)r[3 * i + 1] << 8 | r[3 * i + 2];
        for (size_t j = 0; j < 4; j++)
            m->cname[4 * i + j] = b64[(v >> (18 - 6 * j)) & 63];
    }
    *st = RTC_OK;
    return m;
}

void rtc_media_free(rtc_media_t *m)
{
    if (!m)
        return;
    while (m->nconns)
        conn_drop(m, m->nconns - 1);
    m->env.set_timer(m->env.ctx, RTC_TIMER_MEDIA, m, RTC_TIME_NEVER);
    rtc_mem_free(&m->env, m->conns, m->conns_cap * sizeof *m->conns);
    rtc_mem_free(&m->env, m->lt, m->lt_cap * sizeof *m->lt);
    rtc_mem_free(&m->env, m->ls, m->ls_cap * sizeof *m->ls);
    rtc_mem_free(&m->env, m->rt, m->rt_cap * sizeof *m->rt);
    rtc_mem_free(&m->env, m->rs, m->rs_cap * sizeof *m->rs);
    rtc_mem_free(&m->env, m->unk, m->unk_cap * sizeof *m->unk);
    rtc_mem_free(&m->env, m->ev, m->ev_cap * sizeof *m->ev);
    rtc_env_t env = m->env;
    rtc_mem_free(&env, m, sizeof *m);
}

void *rtc_media_opaque(const rtc_media_t *m)
{
    return m->opaque;
}

int rtc_media_close(rtc_media_t *m, char *err, size_t errlen)
{
    if (m->closed)
        return media_fail(err, errlen, "close: the session is closed already");
    /* BYE for every sending source, per connection in one go (s.6.6) */
    for (size_t k = 0; k < m->nconns; k++) {
        size_t idx[64], n = 0;
        for (size_t i = 0; i < m->nlt; i++) {
            local_track_t *t = &m->lt[i];
            if (!t->sending || t->sent_on != m->conns[k].c)
                continue;
            idx[n++] = i;
            if (n == sizeof idx / sizeof *idx) {
                send_bye(m, &m->conns[k], idx, n);
                n = 0;
            }
        }
        if (n)
            send_bye(m, &m->conns[k], idx, n);
    }
    for (size_t i = 0; i < m->nlt; i++)
        m->lt[i].want = m->lt[i].sending = false;
    /* the spec: "Closes all the RTCConnection instances" (D75) */
    while (m->nconns) {
        rtc_connection_t *c = m->conns[m->nconns - 1].c;
        conn_drop(m, m->nconns - 1);
        rtc_connection_close(c);
    }
    m->closed = true;
    m->timer_at = RTC_TIME_NEVER;
    m->env.set_timer(m->env.ctx, RTC_TIMER_MEDIA, m, RTC_TIME_NEVER);
    return 0;
}

/* ---- local streams -------------------------------------------------------- */

/* The spec's mapping of a dtmf track: "the new DTMF track inherits the
 * SSRC value of the first audio track in the RTCMediaSession" (D92:
 * the first added), and its codec is the session's telephone-event of
 * that track's clock. */
static void dtmf_map(rtc_media_t *m, local_track_t *t)
{
    local_track_t *a = media_first_audio(m);
    t->desc.ssrc = a ? a->desc.ssrc : 0;
    const rtc_codec_t *ac = a ? media_first_codec_of(a->desc.codecs, a->desc.ncodecs, RTC_KIND_AUDIO) : NULL;
    const rtc_codec_t *c = media_dtmf_codec(m->opt.codecs, m->opt.ncodecs, ac);
    t->desc.ncodecs = 0;
    if (c)
        t->desc.codecs[t->desc.ncodecs++] = *c;
    t->dtmf.pt = c ? c->pt : 0;
}

int rtc_media_add_stream(rtc_media_t *m, const rtc_local_stream_t *s, char *err, size_t errlen)
{
    if (m->closed)
        return media_fail(err, errlen, "addStream: the session is closed");
    if (!s->id[0])
        return media_fail(err, errlen, "addStream: the stream has no id");
    if (media_stream_idx(m->ls, m->nls, s->id) >= 0)
        return media_fail(err, errlen, "addStream: stream '%s' was added already", s->id);
    for (size_t i = 0; i < s->ntracks; i++) {
        const rtc_local_track_t *t = &s->tracks[i];
        if (!t->id[0])
            return media_fail(err, errlen, "addStream: stream '%s': track %zu has no id", s->id, i + 1);
        if (!media_kind_valid(t->kind))
            return media_fail(err, errlen, "addStream: track '%s': kind must be audio, video or dtmf",
                              t->id);
        if (media_local_by_id(m, t->id) >= 0)
            return media_fail(err, errlen, "addStream: track '%s' is in a stream added already", t->id);
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->tracks[j].id, t->id) == 0)
                return media_fail(err, errlen, "addStream: track '%s' given twice", t->id);
        if (t->kind != RTC_KIND_DTMF && !media_first_codec_of(m->opt.codecs, m->opt.ncodecs, t->kind))
            return media_fail(err, errlen, "addStream: track '%s': the session's codecs have no %s codec",
                              t->id, rtc_kind_name(t->kind));
    }
    /* spec, RTCDTMFTrack: "added into a sending MediaStream containing,
     * at least, an audio MediaStreamTrack" */
    bool has_audio = false, has_dtmf = false;
    const char *dtmf_id = NULL;
    for (size_t i = 0; i < s->ntracks; i++) {
        has_audio |= s->tracks[i].kind == RTC_KIND_AUDIO;
        if (s->tracks[i].kind == RTC_KIND_DTMF && !has_dtmf) {
            has_dtmf = true;
            dtmf_id = s->tracks[i].id;
        }
    }
    if (has_dtmf && !has_audio)
        return media_fail(err, errlen, "addStream: stream '%s': dtmf track '%s' needs an audio track in "
                          "its stream (spec, RTCDTMFTrack)", s->id, dtmf_id);
    stream_rec_t *ls = rtc_mem_reserve(&m->env, m->ls, &m->ls_cap, m->nls, sizeof *ls);
    if (ls)
        m->ls = ls;
    local_track_t *lt = ls && s->ntracks ? rtc_mem_reserve(&m->env, m->lt, &m->lt_cap,
                                                           m->nlt + s->ntracks - 1, sizeof *lt)
                                         : m->lt;
    if (!ls || (s->ntracks && !lt))
        return media_nomem(err, errlen, "addStream");
    m->lt = lt;
    stream_rec_t *sr = &m->ls[m->nls++];
    memset(sr, 0, sizeof *sr);
    snprintf(sr->id, sizeof sr->id, "%s", s->id);
    snprintf(sr->label, sizeof sr->label, "%s", s->label);
    for (size_t i = 0; i < s->ntracks; i++) {
        local_track_t *t = &m->lt[m->nlt];
        memset(t, 0, sizeof *t);
        t->cfg = s->tracks[i];
        rtc_track_desc_t *d = &t->desc;
        d->given = RTC_TD_ID | RTC_TD_KIND | RTC_TD_SSRC | RTC_TD_MSID | RTC_TD_CODECS;
        snprintf(d->id, sizeof d->id, "%s", t->cfg.id);
        d->kind = t->cfg.kind;
        snprintf(d->msid, sizeof d->msid, "%s", s->id);
        /* the session's codecs of the track's kind, in the options'
         * order: the first is the one it sends (D60) */
        for (size_t j = 0; j < m->opt.ncodecs; j++)
            if (m->opt.codecs[j].kind == d->kind)
                d->codecs[d->ncodecs++] = m->opt.codecs[j];
        if (d->kind == RTC_KIND_VIDEO && (m->opt.attrs.video_max_width || m->opt.attrs.video_max_height)) {
            d->attrs = m->opt.attrs;
            d->given |= RTC_TD_ATTRS;
        }
        /* RFC 3550 s.8.1 SSRC; s.5.1 random initial sequence number and
         * timestamp; the source's payload bytes from the same stream. A
         * dtmf track has no SSRC of its own: sendTrack maps it (below) */
        if (d->kind != RTC_KIND_DTMF)
            d->ssrc = pick_ssrc(m);
        t->dtmf.duration_ms = RTC_DTMF_DURATION_DEFAULT;
        t->dtmf.gap_ms = RTC_DTMF_GAP_DEFAULT;
        m->nlt++;
        uint32_t r[4];
        m->env.random(m->env.ctx, r, sizeof r);
        t->seq = (uint16_t)r[0];
        t->ts0 = r[1];
        t->seed = (uint64_t)r[2] << 32 | r[3];
    }
    for (size_t i = m->nlt - s->ntracks; i < m->nlt; i++)
        if (m->lt[i].desc.kind == RTC_KIND_DTMF)
            dtmf_map(m, &m->lt[i]);
    media_rearm(m, false);
    return 0;
}

static int track_of_stream_send(rtc_media_t *m, size_t i, bool send)
{
    local_track_t *t = &m->lt[i];
    if (t->desc.kind == RTC_KIND_DTMF) {
        /* D91: sending makes the mapping afresh; stopping empties the
         * buffer (a tone under way ends with its end packets) */
        t->want = send;
        if (send)
            dtmf_map(m, t);
        else
            t->dtmf.buf[0] = '\0';
        return 0;
    }
    if (send) {
        t->want = true;
    } else {
        t->want = false;
        pause_track(m, t, true);
    }
    return 0;
}

int rtc_media_remove_stream(rtc_media_t *m, const char *msid, char *err, size_t errlen)
{
    if (m->closed)
        return media_fail(err, errlen, "removeStream: the session is closed");
    ssize_t s = msid ? media_stream_idx(m->ls, m->nls, msid) : -1;
    if (s < 0)
        return media_fail(err, errlen, "removeStream: no local stream '%s'", msid ? msid : "");
    for (size_t i = 0; i < m->nlt;) {
        if (strcmp(m->lt[i].desc.msid, msid) != 0) {
            i++;
            continue;
        }
        track_of_stream_send(m, i, false);
        memmove(&m->lt[i], &m->lt[i + 1], (m->nlt - i - 1) * sizeof *m->lt);
        m->nlt--;
    }
    memmove(&m->ls[s], &m->ls[s + 1], (m->nls - (size_t)s - 1) * sizeof *m->ls);
    m->nls--;
    media_rearm(m, false);
    return 0;
}

int rtc_media_send_stream(rtc_media_t *m, const char *msid, bool send, char *err, size_t errlen)
{
    if (m->closed)
        return media_fail(err, errlen, "sendStream: the session is closed");
    if (!msid || media_stream_idx(m->ls, m->nls, msid) < 0)
        return media_fail(err, errlen, "sendStream: no local stream '%s' (addStream first)",
                          msid ? msid : "");
    for (size_t i = 0; i < m->nlt; i++)
        if (strcmp(m->lt[i].desc.msid, msid) == 0)
            track_of_stream_send(m, i, send);
    media_rearm(m, false);
    return 0;
}

int rtc_media_send_track(rtc_media_t *m, const char *track, bool send, char *err, size_t errlen)
{
    if (m->closed)
        return media_fail(err, errlen, "sendTrack: the session is closed");
    ssize_t i = track ? media_local_by_id(m, track) : -1;
    if (i < 0)
        return media_fail(err, errlen, "sendTrack: no local track '%s' (addStream first)",
                          track ? track : "");
    track_of_stream_send(m, (size_t)i, send);
    media_rearm(m, false);
    return 0;
}

/* ---- RTCDTMFTrack (spec, "The RTCDTMFTrack") ------------------------------ */

static uint32_t dtmf_clamp(int64_t v, uint32_t def, uint32_t lo, uint32_t hi)
{
    if (v < 0)
        return def;
    return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

int rtc_media_insert_dtmf(rtc_media_t *m, const char *track, const char *tones, int64_t duration_ms,
                          int64_t gap_ms, char *err, size_t errlen)
{
    if (m->closed)
        return media_fail(err, errlen, "InvalidStateError: insertDTMF: the session is closed");
    ssize_t i = track ? media_local_by_id(m, track) : -1;
    if (i < 0)
        return media_fail(err, errlen, "InvalidStateError: insertDTMF: track '%s' is in no stream added "
                          "to this RTCMediaSession (addStream)", track ? track : "");
    local_track_t *t = &m->lt[i];
    if (t->desc.kind != RTC_KIND_DTMF)
        return media_fail(err, errlen, "insertDTMF: track '%s' is an %s track, not an RTCDTMFTrack", track,
                          rtc_kind_name(t->desc.kind));
    if (!t->want)
        return media_fail(err, errlen, "InvalidStateError: insertDTMF: RTCDTMFTrack '%s' is not sent "
                          "(sendTrack or sendStream first)", track);
    if (!t->desc.ncodecs)
        return media_fail(err, errlen, "insertDTMF: the session's codecs have no telephone-event codec "
                          "(RFC 4733 s.7.1.1) for RTCDTMFTrack '%s'", track);
    if (!tones)
        return media_fail(err, errlen, "insertDTMF: no tones");
    if (strlen(tones) > RTC_DTMF_TONES_MAX)
        return media_fail(err, errlen, "insertDTMF: tones: %zu characters, at most %d", strlen(tones),
                          RTC_DTMF_TONES_MAX);
    /* D89: tones and ',' are kept (a-d as A-D), the rest dropped now;
     * D91: the new buffer replaces what had not started */
    size_t n = 0;
    for (const char *p = tones; *p; p++) {
        if (*p == ',' || rtc_dtmf_event_of(*p) >= 0)
            t->dtmf.buf[n++] = *p >= 'a' && *p <= 'd' ? (char)(*p - 'a' + 'A') : *p;
    }
    t->dtmf.buf[n] = '\0';
    /* D90: clamped to the spec's bounds, as RTCDTMFSender clamps */
    t->dtmf.duration_ms = dtmf_clamp(duration_ms, RTC_DTMF_DURATION_DEFAULT, RTC_DTMF_DURATION_MIN,
                                     RTC_DTMF_DURATION_MAX);
    t->dtmf.gap_ms = dtmf_clamp(gap_ms, RTC_DTMF_GAP_DEFAULT, RTC_DTMF_GAP_MIN, RTC_DTMF_GAP_MAX);
    /* idle (no tone, no gap or pause running): the first starts now */
    uint64_t now = now_ns(m);
    if (!t->dtmf.playing && t->dtmf.next_at < now)
        t->dtmf.next_at = now;
    media_rearm(m, false);
    return 0;
}

bool rtc_media_dtmf_state(const rtc_media_t *m, const char *track, rtc_dtmf_state_t *st)
{
    ssize_t i = track ? media_local_by_id(m, track) : -1;
    if (i < 0 || m->lt[i].desc.kind != RTC_KIND_DTMF)
        return false;
    const local_track_t *t = &m->lt[i];
    memset(st, 0, sizeof *st);
    snprintf(st->tone_buffer, sizeof st->tone_buffer, "%s", t->dtmf.buf);
    st->duration = t->dtmf.duration_ms;
    st->inter_tone_gap = t->dtmf.gap_ms;
    st->playing = t->dtmf.playing;
    st->ssrc = t->desc.ssrc;
    st->pt = t->desc.ncodecs ? t->dtmf.pt : 0xff;
    return true;
}
