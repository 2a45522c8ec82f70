/*
 * player.c - rtcsim replay's player (player.h, docs/replay.md).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stun/stunagent.h>

#include "replay/dtls_peer.h"
#include "replay/player.h"

#define MAX_PORTS   16
#define MAX_PEERS   64
#define MAX_REMOTES 32
#define MAX_SENDERS 256
#define MAX_SOURCES 64
#define MAX_FP      8

enum { K_CHECK, K_IND, K_RTP, K_RTCP };

typedef struct msg {
    int64_t  t;                     /* ns since the side's first datagram */
    uint64_t packet;
    size_t   off;                   /* into the arena of the messages read ahead */
    uint32_t len;
    uint8_t  kind, local;
    uint16_t peer;
} msg_t;

typedef struct txn {
    uint8_t    id[12];
    uint64_t   packet;              /* the trace's first transmission (0: the player's own) */
    sim_time_t first;
    uint32_t   sent;
    bool       answered, error;
    bool       own, nominate;       /* a check of the player's own (the trace has none) */
} txn_t;

typedef struct peer {
    sim_trace_addr_t a;
    bool ice, dtls;
} peer_t;

typedef struct sender {
    sim_trace_addr_t a;
    uint64_t n;
} sender_t;

typedef struct remote {
    uint32_t ip, prio;
    uint16_t port;
} remote_t;

typedef struct sock {
    sim_player_t *p;
    sim_udp_t    *u;
    uint8_t       index;
} sock_t;

struct sim_player {
    /* loading */
    sim_player_opts_t o;
    sim_trace_addr_t side;
    bool             side_port;
    bool             have_t0;
    int64_t          t0_abs;        /* the first datagram to or from the side, as recorded */
    int64_t          t_media;       /* the first RTP/RTCP kept, relative; INT64_MAX: none */
    int              pass;          /* 1: reading it through (sim_player_load), 2: playing */
    int64_t          last_t;        /* the last message to play, relative */
    char            *trace, *keylog, *srtp_keys;    /* the player's copies, for the second pass */
    sim_lint_cred_t *creds;
    sim_lint_t      *lint;          /* the second pass: the trace read as it is played */
    msg_t           *queue;         /* ... its messages read and not yet played */
    size_t           qhead, qn, qcap;
    uint8_t         *arena;         /* their bytes */
    size_t           narena, caparena;
    uint16_t         ports[MAX_PORTS];
    size_t           nports;
    peer_t           peers[MAX_PEERS];
    size_t           npeers;
    sender_t         senders[MAX_SENDERS];
    size_t           nsenders;
    uint64_t         other_senders;
    sim_player_source_t sources[MAX_SOURCES];
    size_t           nsources;
    int              role;          /* 0 unknown, 1 controlling, 2 controlled */
    char             trace_ufrag[257];
    uint64_t         side_seen, side_srtp, side_srtp_ok, first_srtp;
    char             load_err[512];
    sim_player_stats_t st;

    /* playing */
    sim_host_t      *h;
    sim_kernel_t    *k;
    sim_evlog_t     *log;
    char             src[64];
    sock_t           socks[MAX_PORTS];
    bool             controlling, attached, have_remote, started, keys;
    char             ufrag[9], pwd[33], address[16];
    char             r_ufrag[257], r_pwd[257];
    char            *r_fp[MAX_FP];
    size_t           nrfp;
    char             username[520];     /* "IUT-ufrag:own-ufrag": the checks' USERNAME */
    remote_t         remotes[MAX_REMOTES];
    size_t           nremotes;
    bool             active;            /* the pair the IUT nominated or answered on */
    uint32_t         active_ip;
    uint16_t         active_port;
    uint8_t          active_local;
    StunAgent        agent;
    sim_rng_t        rng;               /* its own checks' transaction ids and tie-breaker */
    uint64_t         tie;
    sim_timer_t      own_timer;
    size_t           own_txn;           /* index + 1 of the own check in flight */
    sim_time_t       own_rto;
    sim_dtls_peer_t *dtls;
    sim_timer_t      dtls_timer, send_timer;
    sim_time_t       start, keys_at;
    txn_t           *txns;
    size_t           ntxns, captxns;
    uint8_t          buf[65536 + SIM_DTLS_PEER_TRAILER_MAX];   /* a message re-signed or (un)protected */
};

const char *sim_player_skip_name(sim_player_skip_t s)
{
    static const char *const n[SIM_PLAYER_SKIP__COUNT] = {
        "response", "dtls", "turn", "stun-server", "encrypted", "unauthenticated", "tcp", "other" };
    return s < SIM_PLAYER_SKIP__COUNT ? n[s] : "?";
}

static uint16_t be16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
static uint32_t be32(const uint8_t *b) { return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]; }

static bool addr_eq(const sim_trace_addr_t *a, const sim_trace_addr_t *b)
{
    return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

static bool is_side(const sim_player_t *p, const sim_trace_addr_t *a)
{
    return a->family == p->side.family && memcmp(a->ip, p->side.ip, a->family == 4 ? 4 : 16) == 0 &&
           (!p->side_port || a->port == p->side.port);
}

/* ---- loading --------------------------------------------------------------------------- */

static void load_fail(sim_player_t *p, const char *fmt, uint64_t packet, const char *what)
{
    if (!p->load_err[0])
        snprintf(p->load_err, sizeof p->load_err, fmt, (unsigned long long)packet, what);
}

static int peer_index(sim_player_t *p, const sim_trace_addr_t *a)
{
    for (size_t i = 0; i < p->npeers; i++)
        if (addr_eq(&p->peers[i].a, a))
            return (int)i;
    if (p->npeers == MAX_PEERS)
        return -1;
    p->peers[p->npeers].a = *a;
    p->peers[p->npeers].ice = p->peers[p->npeers].dtls = false;
    return (int)p->npeers++;
}

static int port_index(sim_player_t *p, uint16_t port)
{
    for (size_t i = 0; i < p->nports; i++)
        if (p->ports[i] == port)
            return (int)i;
    if (p->nports == MAX_PORTS)
        return -1;
    p->ports[p->nports] = port;
    return (int)p->nports++;
}

static void count_sender(sim_player_t *p, const sim_trace_addr_t *a)
{
    for (size_t i = 0; i < p->nsenders; i++)
        if (addr_eq(&p->senders[i].a, a)) {
            p->senders[i].n++;
            return;
        }
    if (p->nsenders == MAX_SENDERS) {
        p->other_senders++;
        return;
    }
    p->senders[p->nsenders].a = *a;
    p->senders[p->nsenders++].n = 1;
}

/* A STUN attribute's value in a message whose length was checked by the
 * lint's classifier (RFC 8489 s.14: type, length, value padded to 4). */
static const uint8_t *stun_attr(const uint8_t *m, size_t len, uint16_t type, uint16_t *alen)
{
    size_t end = 20 + be16(m + 2);
    if (end > len)
        end = len;
    for (size_t off = 20; off + 4 <= end;) {
        uint16_t t = be16(m + off), l = be16(m + off + 2);
        if (off + 4 + l > end)
            return NULL;
        if (t == type) {
            *alen = l;
            return m + off + 4;
        }
        off += 4 + (((size_t)l + 3) & ~(size_t)3);
    }
    return NULL;
}

static sim_player_source_t *source(sim_player_t *p, uint32_t ssrc)
{
    for (size_t i = 0; i < p->nsources; i++)
        if (p->sources[i].ssrc == ssrc)
            return &p->sources[i];
    if (p->nsources == MAX_SOURCES)
        return NULL;
    sim_player_source_t *s = &p->sources[p->nsources++];
    memset(s, 0, sizeof *s);
    s->ssrc = ssrc;
    return s;
}

/* What the trace's plain RTP says of its source: payload types, RFC 8285
 * extension ids (s.4.2 one-byte, s.4.3 two-byte), RFC 4733 events (a
 * 4-byte payload: event, E/R/volume, duration, s.2.3). */
static void note_rtp(sim_player_t *p, const uint8_t *d, size_t n, double t)
{
    if (n < 12)
        return;
    size_t cc = d[0] & 0x0f, hl = 12 + 4 * cc;
    if (hl > n)
        return;
    sim_player_source_t *s = source(p, be32(d + 8));
    if (!s)
        return;
    uint8_t pt = d[1] & 0x7f;
    if (!s->packets)
        s->first = t;
    s->packets++;
    s->last = t;
    bool seen = false;
    for (size_t i = 0; i < s->npts; i++)
        seen |= s->pts[i] == pt;
    if (!seen && s->npts < SIM_PLAYER_MAX_PTS)
        s->pts[s->npts++] = pt;
    size_t payload = hl;
    bool first = s->packets == 1;     /* onunknowntrack reports the first packet's extensions */
    if (d[0] & 0x10) {
        if (hl + 4 > n)
            return;
        uint16_t profile = be16(d + hl);
        size_t words = be16(d + hl + 2), end = hl + 4 + 4 * words;
        if (end > n)
            return;
        payload = end;
        bool one = profile == 0xBEDE, two = (profile & 0xfff0) == 0x1000;
        if (first && (one || two)) {
            /* RFC 8285 s.4.2 / s.4.3, read strictly: a zero byte is
             * padding; an element that runs past the block, id 15, or id 0
             * with a length is malformed, and receivers differ on what to
             * make of it (ref/ refuses the packet, D50), so a malformed
             * first block is reported as such, not compared (D184) */
            s->ext_malformed = false;
            for (size_t off = hl + 4; off < end && !s->ext_malformed;) {
                if (d[off] == 0) {
                    off++;
                    continue;
                }
                uint8_t id = one ? d[off] >> 4 : d[off];
                size_t l = one ? (size_t)(d[off] & 0x0f) + 1 : off + 1 < end ? d[off + 1] : 0;
                size_t hdr = one ? 1 : 2;
                if ((one && (id == 15 || id == 0)) || off + hdr > end || off + hdr + l > end) {
                    s->ext_malformed = true;
                    break;
                }
                bool have = false;
                for (size_t i = 0; i < s->next; i++)
                    have |= s->ext_ids[i] == id;
                if (!have && s->next < SIM_PLAYER_MAX_EXT)
                    s->ext_ids[s->next++] = id;
                off += hdr + l;
            }
        }
    }
    size_t plen = n - payload;
    if ((d[0] & 0x20) && plen && d[n - 1] <= plen)
        plen -= d[n - 1];
    if (plen != 4)
        return;
    const uint8_t *e = d + payload;
    uint32_t ts = be32(d + 4);
    sim_player_event_t *ev = NULL;
    for (size_t i = 0; i < s->nevents; i++)
        if (s->events[i].timestamp == ts && s->events[i].pt == pt)
            ev = &s->events[i];
    if (!ev) {
        if (s->nevents == SIM_PLAYER_MAX_EVENTS)
            return;
        ev = &s->events[s->nevents++];
        memset(ev, 0, sizeof *ev);
        ev->pt = pt;
        ev->timestamp = ts;
        ev->event = e[0];
    }
    ev->packets++;
    ev->volume = e[1] & 0x3f;
    ev->end |= (e[1] & 0x80) != 0;
    if (be16(e + 2) > ev->duration)
        ev->duration = be16(e + 2);
}

/* RFC 3550 s.6.6: the SSRCs a BYE names, in a compound of plain RTCP. */
static void note_rtcp(sim_player_t *p, const uint8_t *d, size_t n)
{
    for (size_t off = 0; off + 4 <= n;) {
        size_t len = 4 * ((size_t)be16(d + off + 2) + 1);
        if (off + len > n)
            return;
        if (off + 8 <= n) {
            sim_player_source_t *s = source(p, be32(d + off + 4));
            if (s)
                s->rtcp++;
        }
        if (d[off + 1] == 203)
            for (size_t i = 0, sc = d[off] & 0x1f; i < sc && off + 8 + 4 * i <= off + len; i++) {
                sim_player_source_t *s = source(p, be32(d + off + 4 + 4 * i));
                if (s)
                    s->bye = true;
            }
        off += len;
    }
}

/* A message to play, from the side's port `port`: a port becomes a socket
 * of the player's only when something is played from it. */
static void keep(sim_player_t *p, const sim_lint_pkt_t *lp, int kind, uint16_t port, int peer, int64_t t)
{
    int local = port_index(p, port);
    if (local < 0) {
        load_fail(p, "packet %llu: %s", lp->d->packet, "the side plays from more than 16 ports");
        return;
    }
    if (p->pass == 1) {     /* counted; played from the second pass */
        p->st.kept++;
        p->last_t = t;
        return;
    }
    if (p->narena + lp->len > p->caparena) {
        size_t cap = p->caparena ? p->caparena : 65536;
        while (cap < p->narena + lp->len)
            cap *= 2;
        uint8_t *a = realloc(p->arena, cap);
        if (!a) {
            p->st.unsent_failed++;
            return;
        }
        p->arena = a;
        p->caparena = cap;
    }
    if (p->qn == p->qcap) {
        size_t cap = p->qcap ? 2 * p->qcap : 16;
        msg_t *m = realloc(p->queue, cap * sizeof *m);
        if (!m) {
            p->st.unsent_failed++;
            return;
        }
        p->queue = m;
        p->qcap = cap;
    }
    memcpy(p->arena + p->narena, lp->data, lp->len);
    p->queue[p->qn++] = (msg_t){ .t = t, .packet = lp->d->packet, .off = p->narena, .len = (uint32_t)lp->len,
                                 .kind = (uint8_t)kind, .local = (uint8_t)local, .peer = (uint16_t)peer };
    p->narena += lp->len;
}

static void skip(sim_player_t *p, sim_player_skip_t why)
{
    if (p->pass == 1)
        p->st.skipped[why]++;
}

static void tap(void *user, const sim_lint_pkt_t *lp)
{
    sim_player_t *p = user;
    const sim_trace_addr_t *from = lp->from_a ? &lp->flow->a : &lp->flow->b;
    const sim_trace_addr_t *to = lp->from_a ? &lp->flow->b : &lp->flow->a;
    if (p->pass == 1)
        count_sender(p, from);
    bool out = is_side(p, from);
    if (!out && !is_side(p, to))
        return;
    if (!p->have_t0) {
        p->have_t0 = true;
        p->t0_abs = lp->d->time_ns;
    }
    int peer = peer_index(p, out ? to : from);
    if (peer < 0) {
        load_fail(p, "packet %llu: %s", lp->d->packet, "the side talks to more than 64 addresses");
        return;
    }
    peer_t *pe = &p->peers[peer];
    bool stun = lp->proto == SIM_LINT_STUN && lp->len >= 20;
    uint16_t alen;
    bool check = stun && be16(lp->data) == 0x0001 && stun_attr(lp->data, lp->len, 0x0024, &alen);
    if (check || lp->proto == SIM_LINT_DTLS) {
        pe->ice |= check;
        pe->dtls |= lp->proto == SIM_LINT_DTLS;
    }
    if (!out)
        return;
    p->side_seen += p->pass == 1;
    int64_t t = lp->d->time_ns - p->t0_abs;
    if (lp->d->transport == SIM_TRACE_TCP) {
        skip(p, SIM_PLAYER_TCP);
        return;
    }
    uint16_t local = from->port;
    switch (lp->proto) {
    case SIM_LINT_STUN: {
        if (!stun) {
            skip(p, SIM_PLAYER_OTHER);
            return;
        }
        uint16_t type = be16(lp->data), method = type & 0x3eef, klass = type & 0x0110;
        if (method != 0x0001) {
            skip(p, SIM_PLAYER_TURN);           /* RFC 8656: Allocate, Refresh, Send, ... */
        } else if (klass == 0x0100 || klass == 0x0110) {
            skip(p, SIM_PLAYER_RESPONSE);       /* answered by the player itself */
        } else if (klass == 0x0010) {
            keep(p, lp, K_IND, local, peer, t); /* RFC 8445 s.11: keepalives */
        } else if (!check) {
            skip(p, SIM_PLAYER_SERVER);         /* no PRIORITY: not ICE (RFC 8445 s.7.1.1) */
        } else {
            if (!p->role)
                p->role = stun_attr(lp->data, lp->len, 0x802A, &alen) ? 1
                        : stun_attr(lp->data, lp->len, 0x8029, &alen) ? 2 : 0;
            const uint8_t *u = stun_attr(lp->data, lp->len, 0x0006, &alen);
            const uint8_t *colon = u ? memchr(u, ':', alen) : NULL;
            if (colon && !p->trace_ufrag[0]) {
                size_t l = (size_t)(u + alen - colon - 1);
                if (l >= sizeof p->trace_ufrag)
                    l = sizeof p->trace_ufrag - 1;
                memcpy(p->trace_ufrag, colon + 1, l);
                p->trace_ufrag[l] = '\0';
            }
            keep(p, lp, K_CHECK, local, peer, t);
        }
        return;
    }
    case SIM_LINT_DTLS:
        skip(p, SIM_PLAYER_DTLS);
        return;
    case SIM_LINT_RTP:
    case SIM_LINT_RTCP: {
        bool secure = pe->ice || pe->dtls || p->o.encrypted;
        if (p->pass == 1 && (lp->decrypted || lp->srtp_refused)) {
            p->side_srtp++;
            if (!p->first_srtp)
                p->first_srtp = lp->d->packet;
        }
        if (lp->srtp_refused) {
            skip(p, SIM_PLAYER_UNAUTHENTICATED);
            return;
        }
        if (!lp->decrypted && secure) {
            skip(p, SIM_PLAYER_ENCRYPTED);
            return;
        }
        bool rtp = lp->proto == SIM_LINT_RTP;
        if (p->pass == 1) {
            p->side_srtp_ok += lp->decrypted;
            if (p->t_media == INT64_MAX)
                p->t_media = t;
            if (rtp)
                note_rtp(p, lp->data, lp->len, (double)t / 1e9);
            else
                note_rtcp(p, lp->data, lp->len);
        }
        keep(p, lp, rtp ? K_RTP : K_RTCP, local, peer, t);
        return;
    }
    default:
        skip(p, SIM_PLAYER_OTHER);
        return;
    }
}

static int parse_side(const char *s, sim_trace_addr_t *a, bool *with_port)
{
    char host[64];
    const char *port = NULL;
    memset(a, 0, sizeof *a);
    if (s[0] == '[') {                      /* [v6]:port */
        const char *e = strchr(s, ']');
        if (!e || (size_t)(e - s - 1) >= sizeof host)
            return -1;
        memcpy(host, s + 1, (size_t)(e - s - 1));
        host[e - s - 1] = '\0';
        if (e[1] == ':')
            port = e + 2;
        else if (e[1])
            return -1;
    } else {
        const char *c = strchr(s, ':');
        bool v6 = c && strchr(c + 1, ':');
        size_t l = v6 || !c ? strlen(s) : (size_t)(c - s);
        if (l >= sizeof host)
            return -1;
        memcpy(host, s, l);
        host[l] = '\0';
        if (!v6 && c)
            port = c + 1;
    }
    if (inet_pton(AF_INET, host, a->ip) == 1)
        a->family = 4;
    else if (inet_pton(AF_INET6, host, a->ip) == 1)
        a->family = 6;
    else
        return -1;
    *with_port = port != NULL;
    if (port) {
        char *end;
        long v = strtol(port, &end, 10);
        if (!*port || *end || v < 1 || v > 65535)
            return -1;
        a->port = (uint16_t)v;
    }
    return 0;
}

/* After "no datagram from the side": what the reader could not take,
 * by reason, appended at err + n (the file is read again: an error path). */
static void unreadable(const char *path, char *err, size_t errlen, int n)
{
    char e2[256];
    sim_trace_t *t = sim_trace_open(path, e2, sizeof e2);
    if (!t)
        return;
    sim_trace_dgram_t d;
    while (sim_trace_next(t, &d, e2, sizeof e2) == 1)
        ;
    for (int i = 0; i < SIM_TRACE_SKIP__COUNT && n > 0 && (size_t)n < errlen; i++) {
        uint64_t first, k = sim_trace_skipped(t, (sim_trace_skip_t)i, &first);
        if (k)
            n += snprintf(err + n, errlen - (size_t)n, "; %llu packets %s (the first: packet %llu)",
                          (unsigned long long)k, sim_trace_skip_name((sim_trace_skip_t)i), (unsigned long long)first);
    }
    sim_trace_close(t);
}

/* The lint engine a pass reads the trace through: the keys and the
 * credentials given, the player's tap. */
static int open_lint(sim_player_t *p, sim_lint_t **out, char *err, size_t errlen)
{
    sim_lint_opts_t lo = { .quiet_info = true, .creds = p->o.creds, .ncreds = p->o.ncreds, .tap = tap,
                           .tap_user = p };
    sim_lint_t *l = sim_lint_new(&lo);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    if (p->o.keylog)
        rc = sim_lint_load_keylog(l, p->o.keylog, err, errlen);
    if (!rc && p->o.srtp_keys)
        rc = sim_lint_load_srtp_keys(l, p->o.srtp_keys, err, errlen);
    *out = l;
    return rc;
}

sim_player_t *sim_player_load(const sim_player_opts_t *o, char *err, size_t errlen)
{
    sim_player_t *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->o = *o;
    p->t_media = INT64_MAX;
    if (parse_side(o->side, &p->side, &p->side_port) < 0) {
        snprintf(err, errlen, "side '%s' is not ADDR or ADDR:PORT (IPv4, or IPv6 as [ADDR]:PORT)", o->side);
        free(p);
        return NULL;
    }
    p->pass = 1;
    p->trace = strdup(o->trace);
    p->keylog = o->keylog ? strdup(o->keylog) : NULL;
    p->srtp_keys = o->srtp_keys ? strdup(o->srtp_keys) : NULL;
    p->creds = o->ncreds ? malloc(o->ncreds * sizeof *o->creds) : NULL;
    if (!p->trace || (o->keylog && !p->keylog) || (o->srtp_keys && !p->srtp_keys) || (o->ncreds && !p->creds)) {
        snprintf(err, errlen, "out of memory");
        sim_player_free(p);
        return NULL;
    }
    if (o->ncreds)
        memcpy(p->creds, o->creds, o->ncreds * sizeof *o->creds);
    p->o.trace = p->trace;
    p->o.keylog = p->keylog;
    p->o.srtp_keys = p->srtp_keys;
    p->o.creds = p->creds;
    sim_lint_t *l = NULL;
    int rc = open_lint(p, &l, err, errlen);
    if (!rc)
        rc = sim_lint_file(l, o->trace, err, errlen);
    uint64_t first = 0;
    if (!rc && p->load_err[0]) {
        snprintf(err, errlen, "%s: %s", o->trace, p->load_err);
        rc = -1;
    }
    if (!rc && o->ncreds && sim_lint_count_code(l, "stun.integrity", &first)) {
        snprintf(err, errlen, "%s: packet %llu: MESSAGE-INTEGRITY does not validate under the credentials given: "
                 "they are not this trace's (rtcsim lint --credentials shows every such packet)",
                 o->trace, (unsigned long long)first);
        rc = -1;
    }
    if (!rc && o->ncreds && sim_lint_count_code(l, "stun.integrity-unchecked", &first)) {
        snprintf(err, errlen, "%s: packet %llu: no credential given is for this check's USERNAME: the credentials "
                 "are not this trace's (its ufrags: rtcsim lint TRACE names them)", o->trace, (unsigned long long)first);
        rc = -1;
    }
    if (!rc && !p->side_seen) {
        /* the busiest first: the ends of a call, not the background */
        for (size_t i = 1; i < p->nsenders; i++)
            for (size_t j = i; j > 0 && p->senders[j].n > p->senders[j - 1].n; j--) {
                sender_t x = p->senders[j];
                p->senders[j] = p->senders[j - 1];
                p->senders[j - 1] = x;
            }
        uint64_t rest = p->other_senders;
        for (size_t i = 8; i < p->nsenders; i++)
            rest += p->senders[i].n;
        int n = snprintf(err, errlen, "%s: no datagram from %s; its busiest senders are:", o->trace, o->side);
        for (size_t i = 0; i < p->nsenders && i < 8 && n > 0 && (size_t)n < errlen; i++) {
            char a[80];
            n += snprintf(err + n, errlen - (size_t)n, " %s (%llu)", sim_trace_addr_str(&p->senders[i].a, a, sizeof a),
                          (unsigned long long)p->senders[i].n);
        }
        if (rest && n > 0 && (size_t)n < errlen)
            snprintf(err + n, errlen - (size_t)n, " and %llu datagrams from others", (unsigned long long)rest);
        if (!p->nsenders && n > 0 && (size_t)n < errlen)
            n += snprintf(err + n, errlen - (size_t)n, " none (no UDP or TCP datagram in it)");
        unreadable(o->trace, err, errlen, n);
        rc = -1;
    }
    if (!rc && (o->keylog || o->srtp_keys) && p->side_srtp && !p->side_srtp_ok) {
        snprintf(err, errlen, "%s: packet %llu: the keys given do not match: none of the %llu SRTP/SRTCP packets "
                 "from %s authenticates under them", o->trace, (unsigned long long)p->first_srtp,
                 (unsigned long long)p->side_srtp, o->side);
        rc = -1;
    }
    if (!rc && !p->st.kept) {
        int n = snprintf(err, errlen, "%s: nothing %s sent can be replayed:", o->trace, o->side);
        for (int i = 0; i < SIM_PLAYER_SKIP__COUNT && n > 0 && (size_t)n < errlen; i++)
            if (p->st.skipped[i])
                n += snprintf(err + n, errlen - (size_t)n, " %s %llu", sim_player_skip_name((sim_player_skip_t)i),
                              (unsigned long long)p->st.skipped[i]);
        if (p->st.skipped[SIM_PLAYER_ENCRYPTED] && n > 0 && (size_t)n < errlen)
            snprintf(err + n, errlen - (size_t)n, " (SRTP needs --keylog or --srtp-keys)");
        rc = -1;
    }
    sim_lint_free(l);
    if (rc) {
        sim_player_free(p);
        return NULL;
    }
    return p;
}

size_t sim_player_bytes(const sim_player_t *p)
{
    return sizeof *p + p->caparena + p->qcap * sizeof *p->queue + p->captxns * sizeof *p->txns +
           p->o.ncreds * sizeof *p->creds;
}

const char *sim_player_role(const sim_player_t *p)
{
    return p->role == 1 ? "controlling" : p->role == 2 ? "controlled" : NULL;
}
const char *sim_player_trace_ufrag(const sim_player_t *p) { return p->trace_ufrag[0] ? p->trace_ufrag : NULL; }
double sim_player_duration(const sim_player_t *p)
{
    return (double)p->last_t / 1e9;
}
size_t sim_player_sources(const sim_player_t *p, const sim_player_source_t **out)
{
    *out = p->sources;
    return p->nsources;
}
size_t sim_player_ports(const sim_player_t *p, const uint16_t **out)
{
    *out = p->ports;
    return p->nports;
}

/* ---- playing --------------------------------------------------------------------------- */

static sim_time_t now(const sim_player_t *p) { return sim_now(p->k); }

static void event(sim_player_t *p, const char *name, const sim_evarg_t *args, size_t n)
{
    if (p->log)
        sim_evlog_emit(p->log, now(p), p->src, name, args, n);
}

static const remote_t *remote_for(const sim_player_t *p, uint16_t peer)
{
    return p->nremotes ? &p->remotes[peer % p->nremotes] : NULL;
}

static void send_to(sim_player_t *p, uint8_t local, uint32_t ip, uint16_t port, const uint8_t *d, size_t n,
                    const uint8_t *twin, size_t twin_len)
{
    sock_t *s = &p->socks[local < p->nports ? local : 0];
    if (sim_udp_send_twin(s->u, ip, port, d, n, twin, twin_len) < 0)
        p->st.unsent_failed++;
}

static void dtls_out(void *user, const uint8_t *d, size_t n)
{
    sim_player_t *p = user;
    const remote_t *r = remote_for(p, 0);
    if (p->active)
        send_to(p, p->active_local, p->active_ip, p->active_port, d, n, NULL, 0);
    else if (r)
        send_to(p, 0, r->ip, r->port, d, n, NULL, 0);
    else
        p->st.unsent_no_target++;
}

static void dtls_keylog(void *user, const char *line)
{
    sim_player_t *p = user;
    sim_net_keylog(sim_host_net(p->h), line);
}

static void pump(void *arg);
static void dtls_arm(sim_player_t *p);

static void dtls_fired(void *arg)
{
    sim_player_t *p = arg;
    p->dtls_timer = 0;
    sim_dtls_peer_timeout(p->dtls, now(p));
    dtls_arm(p);
}

/* After every call into the endpoint: its retransmission timer, and
 * whether the handshake has just ended. */
static void dtls_arm(sim_player_t *p)
{
    if (p->dtls_timer)
        sim_cancel(p->k, p->dtls_timer);
    p->dtls_timer = 0;
    sim_dtls_peer_state_t s = sim_dtls_peer_state(p->dtls);
    if (s == SIM_DTLS_PEER_HANDSHAKING) {
        sim_time_t at = sim_dtls_peer_next_timeout(p->dtls);
        if (at != SIM_TIME_NEVER)
            p->dtls_timer = sim_at(p->k, at < now(p) ? now(p) : at, dtls_fired, p);
    } else if (s == SIM_DTLS_PEER_CONNECTED && !p->st.dtls_connected) {
        p->st.dtls_connected = true;
        /* RFC 8122 s.5 / RFC 5763 s.5: the certificate must be the one
         * the IUT signalled */
        const char *fp = sim_dtls_peer_remote_fingerprint(p->dtls);
        bool match = false;
        for (size_t i = 0; fp && i < p->nrfp; i++)
            match |= strcasecmp(fp, p->r_fp[i]) == 0;
        if (!match) {
            p->st.dtls_failed = true;
            sim_evarg_t a[] = { SIM_EVS("reason", "the IUT's certificate matches no fingerprint it signalled"),
                                SIM_EVS("fingerprint", fp ? fp : "") };
            event(p, "dtlsfailed", a, 2);
            return;
        }
        p->keys = true;
        p->keys_at = now(p);
        sim_evarg_t a[] = { SIM_EVS("profile", sim_dtls_peer_profile(p->dtls)),
                            SIM_EVS("role", p->controlling ? "server" : "client") };
        event(p, "dtlsconnected", a, 2);
        if (!p->send_timer)
            p->send_timer = sim_at(p->k, now(p), pump, p);
    } else if (s == SIM_DTLS_PEER_FAILED && p->st.dtls_connected && !p->st.dtls_closed) {
        /* after the handshake: the IUT closed (close_notify) or broke it */
        p->st.dtls_closed = true;
        sim_evarg_t a[] = { SIM_EVS("reason", sim_dtls_peer_error(p->dtls)) };
        event(p, "dtlsclosed", a, 1);
    } else if (s == SIM_DTLS_PEER_FAILED && !p->st.dtls_failed && !p->st.dtls_connected) {
        p->st.dtls_failed = true;
        sim_evarg_t a[] = { SIM_EVS("reason", sim_dtls_peer_error(p->dtls)) };
        event(p, "dtlsfailed", a, 1);
    }
}

static txn_t *txn_find(sim_player_t *p, const uint8_t *id)
{
    for (size_t i = p->ntxns; i-- > 0;)
        if (memcmp(p->txns[i].id, id, 12) == 0)
            return &p->txns[i];
    return NULL;
}

/* RFC 8445 s.7.2.2: the check again, under this session's credentials:
 * USERNAME "IUT:own", MESSAGE-INTEGRITY keyed by the IUT's password,
 * FINGERPRINT; the trace's other attributes (PRIORITY, USE-CANDIDATE,
 * ICE-CONTROLLING/CONTROLLED and any others) and its transaction id
 * kept. What followed MESSAGE-INTEGRITY is dropped (RFC 8489 s.14.5). */
static size_t resign(sim_player_t *p, const uint8_t *m, size_t len, uint8_t *out, size_t cap)
{
    StunMessage msg = { .buffer = out, .buffer_len = cap, .agent = &p->agent };
    StunTransactionId id;
    memcpy(id, m + 4, 16);
    if (!stun_message_init(&msg, STUN_REQUEST, STUN_BINDING, id))
        return 0;
    if (stun_message_append_string(&msg, STUN_ATTRIBUTE_USERNAME, p->username) != STUN_MESSAGE_RETURN_SUCCESS)
        return 0;
    size_t end = 20 + be16(m + 2);
    for (size_t off = 20; off + 4 <= end && end <= len;) {
        uint16_t t = be16(m + off), l = be16(m + off + 2);
        if (off + 4 + l > end || t == 0x0008 || t == 0x001C || t == 0x8028)
            break;
        if (t != 0x0006 &&
            stun_message_append_bytes(&msg, (StunAttribute)t, m + off + 4, l) != STUN_MESSAGE_RETURN_SUCCESS)
            return 0;
        off += 4 + (((size_t)l + 3) & ~(size_t)3);
    }
    /* a retransmission saves the id again: forget the earlier one first
     * (libnice keeps STUN_AGENT_MAX_SAVED_IDS) */
    stun_agent_forget_transaction(&p->agent, id);
    size_t n = stun_agent_finish_message(&p->agent, &msg, (const uint8_t *)p->r_pwd, strlen(p->r_pwd));
    for (size_t i = 0; !n && i < p->ntxns; i++)
        if (!p->txns[i].answered) {
            StunTransactionId old;
            memcpy(old, "\x21\x12\xa4\x42", 4);
            memcpy(old + 4, p->txns[i].id, 12);
            if (stun_agent_forget_transaction(&p->agent, old))
                n = stun_agent_finish_message(&p->agent, &msg, (const uint8_t *)p->r_pwd, strlen(p->r_pwd));
        }
    return n;
}

static txn_t *txn_new(sim_player_t *p, const uint8_t *id, uint64_t packet)
{
    if (p->ntxns == p->captxns) {
        size_t cap = p->captxns ? 2 * p->captxns : 64;
        txn_t *v = realloc(p->txns, cap * sizeof *v);
        if (!v)
            return NULL;
        p->txns = v;
        p->captxns = cap;
    }
    txn_t *t = &p->txns[p->ntxns++];
    memset(t, 0, sizeof *t);
    memcpy(t->id, id, 12);
    t->packet = packet;
    t->first = now(p);
    p->st.transactions++;
    return t;
}

/* A trace without a check of the side (plain RTP, or a capture begun
 * mid-session) still needs ICE before DTLS and media: a controlling
 * player checks the IUT's best candidate itself and nominates it when the
 * check succeeds (RFC 8445 s.8.1.1, regular nomination), retransmitting
 * as RFC 8489 s.6.2.1 does from an RTO of 500 ms (RFC 8445 s.14.3), at
 * most Rc = 7 times (D182). */
static void own_check(void *arg);

static void own_send(sim_player_t *p, bool nominate)
{
    const remote_t *r = remote_for(p, 0);
    if (!r) {
        p->st.unsent_no_target++;
        return;
    }
    txn_t *t = p->own_txn ? &p->txns[p->own_txn - 1] : NULL;
    if (!t || t->nominate != nominate || t->answered) {
        uint8_t id[12];
        sim_rng_bytes(&p->rng, id, sizeof id);
        if (!(t = txn_new(p, id, 0))) {
            p->st.unsent_failed++;
            return;
        }
        t->own = true;
        t->nominate = nominate;
        p->own_txn = p->ntxns;
        p->own_rto = 500000000;
    }
    uint8_t buf[512];
    StunMessage msg = { .buffer = buf, .buffer_len = sizeof buf, .agent = &p->agent };
    StunTransactionId id;
    memcpy(id, "\x21\x12\xa4\x42", 4);
    memcpy(id + 4, t->id, 12);
    size_t n = 0;
    /* PRIORITY of a host candidate (RFC 8445 s.5.1.2.1: type preference
     * 126, local preference 65535, component 1) */
    if (stun_message_init(&msg, STUN_REQUEST, STUN_BINDING, id) &&
        stun_message_append_string(&msg, STUN_ATTRIBUTE_USERNAME, p->username) == STUN_MESSAGE_RETURN_SUCCESS &&
        stun_message_append32(&msg, STUN_ATTRIBUTE_PRIORITY, 2130706431u) == STUN_MESSAGE_RETURN_SUCCESS &&
        stun_message_append64(&msg, STUN_ATTRIBUTE_ICE_CONTROLLING, p->tie) == STUN_MESSAGE_RETURN_SUCCESS &&
        (!nominate || stun_message_append_flag(&msg, STUN_ATTRIBUTE_USE_CANDIDATE) == STUN_MESSAGE_RETURN_SUCCESS)) {
        stun_agent_forget_transaction(&p->agent, id);
        n = stun_agent_finish_message(&p->agent, &msg, (const uint8_t *)p->r_pwd, strlen(p->r_pwd));
    }
    if (!n) {
        p->st.unsent_failed++;
        return;
    }
    t->sent++;
    p->st.sent_checks++;
    send_to(p, 0, r->ip, r->port, buf, n, NULL, 0);
    if (t->sent < 7) {
        p->own_timer = sim_at(p->k, now(p) + p->own_rto, own_check, p);
        p->own_rto *= 2;
    }
}

static void own_check(void *arg)
{
    sim_player_t *p = arg;
    p->own_timer = 0;
    txn_t *t = p->own_txn ? &p->txns[p->own_txn - 1] : NULL;
    own_send(p, t && t->nominate);
}

static void send_msg(sim_player_t *p, const msg_t *m)
{
    const uint8_t *d = p->arena + m->off;
    const remote_t *r = remote_for(p, m->peer);
    uint32_t ip = r ? r->ip : 0;
    uint16_t port = r ? r->port : 0;
    uint8_t local = m->local;
    /* once the IUT's own checks have shown where it is reachable (a NAT's
     * mapping: peer-reflexive, RFC 8445 s.7.3.1.3), everything goes there */
    if (p->active) {
        ip = p->active_ip;
        port = p->active_port;
        local = p->active_local;
    }
    if (!ip) {
        p->st.unsent_no_target++;
        return;
    }
    uint8_t *buf = p->buf;
    size_t n;
    switch (m->kind) {
    case K_CHECK: {
        if (!(n = resign(p, d, m->len, buf, sizeof p->buf))) {
            p->st.unsent_failed++;
            return;
        }
        txn_t *t = txn_find(p, d + 8);
        if (!t && !(t = txn_new(p, d + 8, m->packet))) {
            p->st.unsent_failed++;
            return;
        }
        t->sent++;
        p->st.sent_checks++;
        send_to(p, local, ip, port, buf, n, NULL, 0);
        return;
    }
    case K_IND:
        p->st.sent_indications++;
        send_to(p, local, ip, port, d, m->len, NULL, 0);
        return;
    default: {
        bool rtcp = m->kind == K_RTCP;
        if (!p->keys || sim_dtls_peer_protect(p->dtls, rtcp, d, m->len, buf, sizeof p->buf, &n) < 0) {
            p->st.unsent_no_keys++;
            return;
        }
        if (rtcp)
            p->st.sent_rtcp++;
        else
            p->st.sent_rtp++;
        /* the trace's plain packet is the capture's decrypted twin */
        send_to(p, local, ip, port, buf, n, d, m->len);
        return;
    }
    }
}

/* The trace in order: ICE keeps its times from the start; media (from the
 * trace's first RTP/RTCP on) waits for the new keys and keeps its times
 * from then (D181). */
/* The next messages to play, read from the trace as it is played (the
 * second pass): false at its end, or when it cannot be read (counted). */
static bool refill(sim_player_t *p)
{
    p->qhead = p->qn = 0;
    p->narena = 0;
    char err[512];
    while (p->lint && p->qn == 0) {
        int r = sim_lint_step(p->lint, err, sizeof err);
        if (r == 1)
            continue;
        if (r < 0) {
            sim_evarg_t a[] = { SIM_EVS("error", err) };
            event(p, "trace.error", a, 1);
            p->st.unsent_failed++;
        }
        sim_lint_free(p->lint);
        p->lint = NULL;
    }
    return p->qn > 0;
}

static void pump(void *arg)
{
    sim_player_t *p = arg;
    p->send_timer = 0;
    while (p->qhead < p->qn || refill(p)) {
        const msg_t *m = &p->queue[p->qhead];
        sim_time_t due;
        if (m->t < p->t_media) {
            due = p->start + (sim_time_t)m->t;
        } else if (p->keys) {
            if (!p->st.media_started) {
                p->st.media_started = true;
                event(p, "media.start", NULL, 0);
            }
            due = p->keys_at + (sim_time_t)(m->t - p->t_media);
        } else {
            return;     /* dtls_arm pumps again once the keys are there */
        }
        if (due > now(p)) {
            p->send_timer = sim_at(p->k, due, pump, p);
            return;
        }
        p->qhead++;
        send_msg(p, m);
    }
    if (!p->st.done) {
        p->st.done = true;
        sim_evarg_t a[] = { SIM_EVI("checks", p->st.sent_checks), SIM_EVI("rtp", p->st.sent_rtp),
                            SIM_EVI("rtcp", p->st.sent_rtcp) };
        event(p, "done", a, 3);
    }
}

static bool validater(StunAgent *agent, StunMessage *message, uint8_t *username, uint16_t username_len,
                      uint8_t **password, size_t *password_len, void *user_data)
{
    (void)agent;
    (void)message;
    sim_player_t *p = user_data;
    /* RFC 8445 s.7.3: USERNAME "own:IUT" */
    size_t ul = strlen(p->ufrag), rl = strlen(p->r_ufrag);
    if (!username || username_len != ul + 1 + rl || memcmp(username, p->ufrag, ul) != 0 ||
        username[ul] != ':' || memcmp(username + ul + 1, p->r_ufrag, rl) != 0)
        return false;
    *password = (uint8_t *)p->pwd;
    *password_len = strlen(p->pwd);
    return true;
}

static void on_stun(sim_player_t *p, sock_t *s, const sim_pkt_t *pk, const uint8_t *d, size_t n)
{
    StunMessage msg;
    StunValidationStatus v = stun_agent_validate(&p->agent, &msg, d, n, validater, p);
    int klass = v == STUN_VALIDATION_SUCCESS ? (int)stun_message_get_class(&msg) : -1;
    if (klass == STUN_REQUEST) {
        p->st.iut_checks++;
        bool use = stun_message_find_flag(&msg, STUN_ATTRIBUTE_USE_CANDIDATE) == STUN_MESSAGE_RETURN_SUCCESS;
        uint8_t buf[512];
        StunMessage resp;
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(pk->src_port),
                                   .sin_addr.s_addr = htonl(pk->src_ip) };
        size_t rn = 0;
        if (stun_agent_init_response(&p->agent, &resp, buf, sizeof buf, &msg) &&
            stun_message_append_xor_addr(&resp, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, (struct sockaddr_storage *)&sin,
                                         sizeof sin) == STUN_MESSAGE_RETURN_SUCCESS)
            rn = stun_agent_finish_message(&p->agent, &resp, (const uint8_t *)p->pwd, strlen(p->pwd));
        if (!rn) {
            p->st.unsent_failed++;
            return;
        }
        p->st.iut_answered++;
        if (sim_udp_send(s->u, pk->src_ip, pk->src_port, buf, rn) < 0)
            p->st.unsent_failed++;
        if (use || !p->active) {
            p->active = true;
            p->active_ip = pk->src_ip;
            p->active_port = pk->src_port;
            p->active_local = s->index;
        }
        if (use && !p->st.iut_nominations++) {
            char a[16];
            sim_evarg_t ea[] = { SIM_EVS("from", sim_ip_str(pk->src_ip, a)), SIM_EVI("port", pk->src_port) };
            event(p, "nominated", ea, 2);
            /* D43: the answerer (the controlled side) is the DTLS client,
             * and starts once ICE has selected the pair */
            if (!p->controlling && sim_dtls_peer_state(p->dtls) == SIM_DTLS_PEER_NEW) {
                sim_dtls_peer_start(p->dtls, now(p));
                dtls_arm(p);
            }
        }
        return;
    }
    if (klass == STUN_RESPONSE || klass == STUN_ERROR) {
        txn_t *t = txn_find(p, d + 8);
        if (!t || t->answered || t->error) {
            return;     /* an answer to a retransmission: counted once */
        }
        if (klass == STUN_ERROR) {
            int code = 0;
            stun_message_find_error(&msg, &code);
            t->error = true;
            p->st.errors++;
            sim_evarg_t a[] = { SIM_EVI("packet", t->packet), SIM_EVI("code", code) };
            event(p, "check.error", a, 2);
            return;
        }
        t->answered = true;
        p->st.answered++;
        /* RFC 8489 s.14.2: the answer names where the request came from;
         * the player's own address, unless a NAT stands between */
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
        if (stun_message_find_xor_addr(&msg, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &ss, &sl) != STUN_MESSAGE_RETURN_SUCCESS ||
            ss.ss_family != AF_INET || ntohl(sin->sin_addr.s_addr) != sim_udp_ip(s->u) ||
            ntohs(sin->sin_port) != sim_udp_port(s->u))
            p->st.iut_mapped_other++;
        if (t->own) {
            if (p->own_timer)
                sim_cancel(p->k, p->own_timer);
            p->own_timer = 0;
            if (!t->nominate)
                own_send(p, true);
        }
        double rtt = (double)(now(p) - t->first) / 1e9;
        if (rtt > p->st.rtt_max)
            p->st.rtt_max = rtt;
        /* the controlling player's nominated pair: a success to a check
         * with USE-CANDIDATE (RFC 8445 s.8.1.1) */
        if (p->controlling || !p->active) {
            p->active = true;
            p->active_ip = pk->src_ip;
            p->active_port = pk->src_port;
            p->active_local = s->index;
        }
        return;
    }
    if (klass == STUN_INDICATION) {
        p->st.iut_indications++;
        return;
    }
    p->st.iut_bad++;
}

static void on_receive(void *arg, sim_udp_t *u, const sim_pkt_t *pk)
{
    (void)u;
    sock_t *s = arg;
    sim_player_t *p = s->p;
    const uint8_t *d = pk->data;
    size_t n = pk->len;
    if (!n || !p->have_remote) {
        p->st.iut_ignored++;
        return;
    }
    /* RFC 7983 s.7 */
    if (d[0] <= 3) {
        on_stun(p, s, pk, d, n);
    } else if (d[0] >= 20 && d[0] <= 63) {
        p->st.iut_dtls++;
        sim_dtls_peer_datagram(p->dtls, now(p), d, n);
        dtls_arm(p);
    } else if (d[0] >= 128 && d[0] <= 191) {
        size_t on;
        const char *why;
        bool rtcp = n >= 2 && d[1] >= 192 && d[1] <= 223;   /* RFC 5761 s.4 */
        if (p->keys && sim_dtls_peer_unprotect(p->dtls, rtcp, d, n, p->buf, sizeof p->buf, &on, &why) == 0)
            p->st.iut_srtp++;
        else
            p->st.iut_srtp_bad++;
    } else {
        p->st.iut_ignored++;
    }
}

static void rand_chars(sim_rng_t *rng, char *out, size_t n)
{
    /* RFC 8445 s.5.3: ice-chars, ALPHA / DIGIT / "+" / "/" */
    static const char c[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i++)
        out[i] = c[sim_rng_below(rng, 64)];
    out[n] = '\0';
}

int sim_player_attach(sim_player_t *p, sim_host_t *h, bool controlling, sim_rng_t *rng, sim_evlog_t *log,
                      const char *src, char *err, size_t errlen)
{
    if (p->attached) {
        snprintf(err, errlen, "the player is on a host already");
        return -1;
    }
    sim_iface_t *i = sim_host_iface_at(h, 0);
    if (!i) {
        snprintf(err, errlen, "host '%s' has no interface", sim_host_name(h));
        return -1;
    }
    p->h = h;
    sim_ip_str(sim_iface_ip(i), p->address);
    p->k = sim_net_kernel(sim_host_net(h));
    p->log = log;
    snprintf(p->src, sizeof p->src, "%s", src);
    for (size_t j = 0; j < p->nports; j++) {
        p->socks[j] = (sock_t){ .p = p, .index = (uint8_t)j };
        if (!(p->socks[j].u = sim_udp_bind(h, sim_iface_ip(i), p->ports[j], on_receive, &p->socks[j], err, errlen))) {
            while (j-- > 0)
                sim_udp_close(p->socks[j].u);
            return -1;
        }
    }
    p->controlling = controlling;
    rand_chars(rng, p->ufrag, 8);
    rand_chars(rng, p->pwd, 24);
    p->rng = *rng;
    p->tie = sim_rng_u64(&p->rng);
    static const uint16_t known[] = { STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
                                      STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, STUN_ATTRIBUTE_PRIORITY,
                                      STUN_ATTRIBUTE_USE_CANDIDATE, STUN_ATTRIBUTE_ERROR_CODE,
                                      STUN_ATTRIBUTE_FINGERPRINT, 0 };
    stun_agent_init(&p->agent, known, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
    /* D43: the offerer (controlling) is the DTLS server */
    if (sim_dtls_peer_new(!controlling, NULL, now(p), dtls_out, dtls_keylog, p, &p->dtls, err, errlen) < 0) {
        for (size_t j = 0; j < p->nports; j++)
            sim_udp_close(p->socks[j].u);
        return -1;
    }
    p->attached = true;
    return 0;
}

const char *sim_player_address(const sim_player_t *p) { return p->address; }
const char *sim_player_ufrag(const sim_player_t *p) { return p->ufrag; }
const char *sim_player_password(const sim_player_t *p) { return p->pwd; }
const char *sim_player_fingerprint(const sim_player_t *p) { return p->dtls ? sim_dtls_peer_fingerprint(p->dtls) : ""; }

int sim_player_set_remote(sim_player_t *p, const char *ufrag, const char *password, const char *const *fp,
                          size_t nfp, char *err, size_t errlen)
{
    if (!p->attached) {
        snprintf(err, errlen, "the player is on no host yet");
        return -1;
    }
    /* RFC 8445 s.5.3: a ufrag of 4-256 characters, a password of 22-256 */
    if (strlen(ufrag) < 4 || strlen(ufrag) > 256 || strlen(password) < 22 || strlen(password) > 256) {
        snprintf(err, errlen, "the IUT's ufrag must be 4-256 characters and its password 22-256 (RFC 8445 s.5.3)");
        return -1;
    }
    if (nfp > MAX_FP) {
        snprintf(err, errlen, "more than %d fingerprints", MAX_FP);
        return -1;
    }
    for (size_t i = 0; i < p->nrfp; i++)
        free(p->r_fp[i]);
    p->nrfp = 0;
    for (size_t i = 0; i < nfp; i++)
        if (!(p->r_fp[p->nrfp] = strdup(fp[i]))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        } else {
            p->nrfp++;
        }
    snprintf(p->r_ufrag, sizeof p->r_ufrag, "%s", ufrag);
    snprintf(p->r_pwd, sizeof p->r_pwd, "%s", password);
    snprintf(p->username, sizeof p->username, "%s:%s", p->r_ufrag, p->ufrag);
    p->have_remote = true;
    return 0;
}

int sim_player_add_remote(sim_player_t *p, uint32_t ip, uint16_t port, uint32_t prio)
{
    for (size_t i = 0; i < p->nremotes; i++)
        if (p->remotes[i].ip == ip && p->remotes[i].port == port)
            return 0;
    if (p->nremotes == MAX_REMOTES)
        return -1;
    /* by priority, highest first (RFC 8445 s.6.1.2.3): the trace's first
     * peer address is the IUT's best candidate */
    size_t at = p->nremotes;
    while (at > 0 && p->remotes[at - 1].prio < prio) {
        p->remotes[at] = p->remotes[at - 1];
        at--;
    }
    p->remotes[at] = (remote_t){ .ip = ip, .port = port, .prio = prio };
    p->nremotes++;
    return 0;
}

int sim_player_start(sim_player_t *p, char *err, size_t errlen)
{
    if (!p->attached || !p->have_remote) {
        snprintf(err, errlen, "the player needs its host and the IUT's description before it starts");
        return -1;
    }
    if (p->started) {
        snprintf(err, errlen, "the player has started already");
        return -1;
    }
    /* the second pass meets the peers and ports again in the same order
     * (their indices hold); what it learns of each flow it learns again,
     * so that each message is taken as the first pass took it */
    p->pass = 2;
    for (size_t i = 0; i < p->npeers; i++)
        p->peers[i].ice = p->peers[i].dtls = false;
    if (open_lint(p, &p->lint, err, errlen) < 0 || sim_lint_begin(p->lint, p->trace, err, errlen) < 0) {
        sim_lint_free(p->lint);
        p->lint = NULL;
        return -1;
    }
    p->started = true;
    p->start = now(p);
    p->send_timer = sim_at(p->k, p->start, pump, p);
    if (!p->role && p->controlling) {
        sim_evarg_t a[] = { SIM_EVS("reason", "the trace holds no ICE check of the side") };
        event(p, "ice.own", a, 1);
        own_send(p, false);
    }
    return 0;
}

void sim_player_stats(const sim_player_t *p, sim_player_stats_t *st)
{
    *st = p->st;
    st->unanswered = 0;
    for (size_t i = 0; i < p->ntxns; i++)
        st->unanswered += !p->txns[i].answered && !p->txns[i].error;
}

void sim_player_free(sim_player_t *p)
{
    if (!p)
        return;
    if (p->k) {
        if (p->send_timer)
            sim_cancel(p->k, p->send_timer);
        if (p->dtls_timer)
            sim_cancel(p->k, p->dtls_timer);
        if (p->own_timer)
            sim_cancel(p->k, p->own_timer);
    }
    for (size_t j = 0; p->attached && j < p->nports; j++)
        sim_udp_close(p->socks[j].u);
    if (p->dtls)
        sim_dtls_peer_free(p->dtls);
    for (size_t i = 0; i < p->nrfp; i++)
        free(p->r_fp[i]);
    free(p->txns);
    sim_lint_free(p->lint);
    free(p->queue);
    free(p->arena);
    free(p->trace);
    free(p->keylog);
    free(p->srtp_keys);
    free(p->creds);
    free(p);
}
