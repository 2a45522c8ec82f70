/*
 * lint.c - the lint's core (lint.h): flows, RFC 7983 demultiplexing, TURN
 * unwrapping, findings and their output. The protocols' checks are the
 * checkers of the table below, each in a file of its own.
 */
#include "trace/lint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <srtp2/srtp.h>
#include <stun/stunmessage.h>

#include "check/capture.h"

/* The checkers, in the order they see a message; NULL ends the list. */
static const sim_lint_checker_t *const checkers[SIM_LINT_MAX_CHECKERS] = {
    &sim_lint_dtls_checker,
    &sim_lint_rtp_checker,
    &sim_lint_stun_checker,
    NULL
};

#define FLOW_HASH      4096
#define MAX_FLOWS      65536        /* beyond: the least recently used is ended early */
#define SAME_KEPT      20           /* findings kept per (flow, code); the rest counted */
#define MAX_CHANNELS   64           /* channel bindings remembered per client-server flow */

typedef struct finding {
    uint64_t       packet;
    int64_t        time_ns;
    sim_lint_sev_t sev;
    sim_lint_proto_t proto;
    char           flow[160];
    char           ref[40];
    char           code[40];
    char          *msg;
} finding_t;

typedef struct code_count {
    char     code[40];
    uint64_t n;
    struct code_count *next;
} code_count_t;

typedef struct channel {
    uint16_t         number;
    sim_trace_addr_t peer;
} channel_t;

typedef struct core_flow {
    sim_lint_flow_t    f;
    code_count_t      *codes;       /* findings per code, for SAME_KEPT */
    channel_t         *channels;    /* TURN: a client-server flow's bindings (RFC 8656 s.12) */
    size_t             nchannels;
    srtp_t             srtp[2];     /* unprotecting what a (0) and b (1) send: sim_lint_flow_srtp */
    unsigned           srtp_trials; /* SRTP on it tried under other flows' associations */
    bool               ice_ok;      /* a Binding success response was seen on it: a valid pair */
    bool               skey_tried[2];   /* --srtp-keys looked up for what a (0), b (1) send */
    bool               have_client; /* TURN: which side is the client (it sent a request) */
    sim_trace_addr_t   client;
    struct core_flow  *hnext, *lnext, *lprev;
} core_flow_t;

typedef struct file_rec {
    char     *path;
    char     *error;                /* unreadable past a point: the reader's message */
    const char *format;
    uint64_t  packets, datagrams;
    uint64_t  by_proto[SIM_LINT_PROTO__COUNT];
    uint64_t  skipped[SIM_TRACE_SKIP__COUNT], first_skip[SIM_TRACE_SKIP__COUNT];
    uint64_t  counts[3], suppressed;
    size_t    first_finding, nfindings;
    int64_t   t0;
} file_rec_t;

/* A DTLS association's SRTP keys (RFC 5764 s.4.2), kept for the flows its
 * media moves to: an ICE restart or a new pair keeps the DTLS association
 * (RFC 8842 s.5 / RFC 8445 s.9: the transport changes, not the session),
 * so SRTP on a new 5-tuple that shares one endpoint with the handshake's is
 * tried under these keys, and kept where it authenticates. */
#define MAX_ASSOC 16
typedef struct assoc {
    char             profile[40];
    uint8_t          km[2 * (32 + 14)];
    size_t           len;
    sim_trace_addr_t client, server;
    char             flow[160];
} assoc_t;

/* A sender's SRTP master key and salt given on the command line
 * (--srtp-keys: SDES-style keys, RFC 4568 s.6.1's inline form). */
typedef struct sender_key {
    sim_trace_addr_t from;
    char             profile[64];
    uint8_t          ks[32 + 14];
} sender_key_t;

typedef struct keylog_entry {
    uint8_t client_random[32], master[48];
} keylog_entry_t;

struct sim_lint {
    sim_lint_opts_t opts;
    keylog_entry_t *keys;
    size_t          nkeys;
    assoc_t         assoc[MAX_ASSOC];
    size_t          nassoc;
    sender_key_t   *skeys;
    size_t          nskeys;
    bool            have_keylog;
    uint8_t         plain[65536 + 64];  /* the last decrypted message */
    const uint8_t  *last_plain;         /* set by dispatch when it decrypted this datagram's */
    size_t          last_plain_len;
    size_t          last_inner_off, last_inner_len;    /* a Send/Data indication's DATA value */
    sim_capture_t  *twin;               /* --decrypt */
    uint64_t        twin_written, twin_decrypted, twin_skipped, twin_kept;
    finding_t      *findings;
    size_t          nfindings, capfindings;
    file_rec_t     *files;
    size_t          nfiles;
    file_rec_t     *cur;
    core_flow_t    *hash[FLOW_HASH];
    core_flow_t    *lru_head, *lru_tail;
    size_t          nflows;
    uint64_t        others;             /* findings left out by opts.only_from */
    sim_trace_t    *trace;              /* the file sim_lint_begin opened, until its last step */
    bool            first;
    char            twin_tmp[4096];
};

const char *sim_lint_sev_name(sim_lint_sev_t s)
{
    return s == SIM_LINT_ERROR ? "error" : s == SIM_LINT_WARNING ? "warning" : "info";
}

const char *sim_lint_proto_name(sim_lint_proto_t p)
{
    static const char *const n[SIM_LINT_PROTO__COUNT] = { "stun", "dtls", "rtp", "rtcp", "channeldata", "zrtp",
                                                          "other" };
    return (unsigned)p < SIM_LINT_PROTO__COUNT ? n[p] : "?";
}

void **sim_lint_state(sim_lint_flow_t *f, const sim_lint_checker_t *c)
{
    size_t i = 0;
    while (i + 1 < SIM_LINT_MAX_CHECKERS && checkers[i] && checkers[i] != c)
        i++;
    return &f->state[i];    /* not listed: the slot after the listed ones (the table keeps one free) */
}

sim_lint_t *sim_lint_new(const sim_lint_opts_t *o)
{
    sim_lint_t *l = calloc(1, sizeof *l);
    if (l && o)
        l->opts = *o;
    return l;
}

const sim_lint_opts_t *sim_lint_opts(const sim_lint_t *l)
{
    return &l->opts;
}

/* ---- findings ---------------------------------------------------------------------- */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fputs("rtcsim lint: out of memory\n", stderr);
        exit(2);        /* nothing half-done is presented: the run stops */
    }
    return q;
}

void sim_lint_report(sim_lint_t *l, const sim_lint_pkt_t *p, sim_lint_flow_t *flow, sim_lint_sev_t sev,
                     const char *ref, const char *code, const char *fmt, ...)
{
    file_rec_t *fr = l->cur;
    if (!fr)
        return;
    if (p && l->opts.only_from) {
        const sim_trace_addr_t *from = p->from_a ? &p->flow->a : &p->flow->b, *o = l->opts.only_from;
        if (from->family != o->family || memcmp(from->ip, o->ip, o->family == 4 ? 4 : 16) != 0) {
            l->others++;
            return;
        }
    }
    if (p)
        flow = p->flow;
    fr->counts[sev]++;
    if (flow) {
        core_flow_t *cf = (core_flow_t *)flow;
        code_count_t *cc = cf->codes;
        while (cc && strcmp(cc->code, code) != 0)
            cc = cc->next;
        if (!cc) {
            cc = xrealloc(NULL, sizeof *cc);
            snprintf(cc->code, sizeof cc->code, "%s", code);
            cc->n = 0;
            cc->next = cf->codes;
            cf->codes = cc;
        }
        if (++cc->n > SAME_KEPT) {
            fr->suppressed++;
            return;
        }
    }
    if (l->nfindings == l->capfindings) {
        l->capfindings = l->capfindings ? 2 * l->capfindings : 256;
        l->findings = xrealloc(l->findings, l->capfindings * sizeof *l->findings);
    }
    finding_t *f = &l->findings[l->nfindings++];
    memset(f, 0, sizeof *f);
    f->packet = p ? p->d->packet : flow ? flow->first_packet : 0;
    f->time_ns = p ? p->d->time_ns : 0;
    f->sev = sev;
    f->proto = p ? p->proto : SIM_LINT_OTHER;
    snprintf(f->flow, sizeof f->flow, "%s", flow ? flow->name : "");
    snprintf(f->ref, sizeof f->ref, "%s", ref);
    snprintf(f->code, sizeof f->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    f->msg = xrealloc(NULL, strlen(buf) + 1);
    strcpy(f->msg, buf);
    fr->nfindings++;
}

uint64_t sim_lint_count(const sim_lint_t *l, sim_lint_sev_t sev)
{
    uint64_t n = 0;
    for (size_t i = 0; i < l->nfiles; i++)
        n += l->files[i].counts[sev];
    return n;
}

uint64_t sim_lint_count_others(const sim_lint_t *l) { return l->others; }

uint64_t sim_lint_count_code(const sim_lint_t *l, const char *code, uint64_t *first_packet)
{
    uint64_t n = 0;
    *first_packet = 0;
    for (size_t i = 0; i < l->nfindings; i++)
        if (strcmp(l->findings[i].code, code) == 0 && !n++)
            *first_packet = l->findings[i].packet;
    return n;
}

/* ---- flows ---------------------------------------------------------------------- */

static bool addr_eq(const sim_trace_addr_t *a, const sim_trace_addr_t *b)
{
    return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, 16) == 0;
}

static uint32_t addr_hash(const sim_trace_addr_t *a)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < 16; i++)
        h = (h ^ a->ip[i]) * 16777619u;
    return (h ^ a->port) * 16777619u;
}

static void flow_unkey(core_flow_t *cf);
static bool adopt_keys(sim_lint_t *l, core_flow_t *cf, const sim_lint_pkt_t *p);
static bool profile_policy(const char *profile, srtp_policy_t *pol, size_t *key, size_t *salt);
static bool side_key(core_flow_t *cf, int side, const char *profile, const uint8_t *ks);

static void flow_end(sim_lint_t *l, core_flow_t *cf)
{
    for (size_t i = 0; checkers[i]; i++) {
        if (checkers[i]->flow_end)
            checkers[i]->flow_end(l, &cf->f);
        if (checkers[i]->flow_free && cf->f.state[i])
            checkers[i]->flow_free(&cf->f, cf->f.state[i]);
    }
    flow_unkey(cf);
    while (cf->codes) {
        code_count_t *c = cf->codes;
        cf->codes = c->next;
        free(c);
    }
    free(cf->channels);
}

static void lru_unlink(sim_lint_t *l, core_flow_t *f)
{
    if (f->lprev)
        f->lprev->lnext = f->lnext;
    else
        l->lru_head = f->lnext;
    if (f->lnext)
        f->lnext->lprev = f->lprev;
    else
        l->lru_tail = f->lprev;
    f->lnext = f->lprev = NULL;
}

static void flow_remove(sim_lint_t *l, core_flow_t *cf)
{
    uint32_t h = (addr_hash(&cf->f.a) ^ addr_hash(&cf->f.b) ^ (cf->f.relayed ? addr_hash(&cf->f.via) : 0)) % FLOW_HASH;
    core_flow_t **pp = &l->hash[h];
    while (*pp && *pp != cf)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = cf->hnext;
    lru_unlink(l, cf);
    flow_end(l, cf);
    free(cf);
    l->nflows--;
}

static void end_all_flows(sim_lint_t *l)
{
    /* in order of first use, so that end-of-capture findings come in a
     * stable order */
    while (l->lru_tail)
        flow_remove(l, l->lru_tail);
}

static void flow_name(sim_lint_flow_t *f)
{
    char a[64], b[64], v[64];
    sim_trace_addr_str(&f->a, a, sizeof a);
    if (f->relayed && f->b.family == 0)
        snprintf(b, sizeof b, "channel 0x%04x (its peer not in the capture)", f->b.port);
    else
        sim_trace_addr_str(&f->b, b, sizeof b);
    if (f->relayed)
        snprintf(f->name, sizeof f->name, "%s <> %s via TURN %s", a, b, sim_trace_addr_str(&f->via, v, sizeof v));
    else
        snprintf(f->name, sizeof f->name, "%s <> %s %s", a, b, f->transport == SIM_TRACE_TCP ? "tcp" : "udp");
}

/* The flow of src-dst (either direction; relayed through via if given). */
static core_flow_t *flow_get(sim_lint_t *l, const sim_trace_addr_t *src, const sim_trace_addr_t *dst,
                             sim_trace_transport_t tr, const sim_trace_addr_t *via, uint64_t packet, bool *from_a)
{
    uint32_t h = (addr_hash(src) ^ addr_hash(dst) ^ (via ? addr_hash(via) : 0)) % FLOW_HASH;
    for (core_flow_t *cf = l->hash[h]; cf; cf = cf->hnext) {
        sim_lint_flow_t *f = &cf->f;
        if (f->transport != tr || f->relayed != (via != NULL) || (via && !addr_eq(&f->via, via)))
            continue;
        bool fwd = addr_eq(&f->a, src) && addr_eq(&f->b, dst), rev = addr_eq(&f->a, dst) && addr_eq(&f->b, src);
        if (fwd || rev) {
            *from_a = fwd;
            lru_unlink(l, cf);
            cf->lnext = l->lru_head;
            if (l->lru_head)
                l->lru_head->lprev = cf;
            l->lru_head = cf;
            if (!l->lru_tail)
                l->lru_tail = cf;
            return cf;
        }
    }
    if (l->nflows >= MAX_FLOWS)
        flow_remove(l, l->lru_tail);
    core_flow_t *cf = xrealloc(NULL, sizeof *cf);
    memset(cf, 0, sizeof *cf);
    cf->f.a = *src;
    cf->f.b = *dst;
    cf->f.transport = tr;
    cf->f.relayed = via != NULL;
    if (via)
        cf->f.via = *via;
    cf->f.first_packet = packet;
    flow_name(&cf->f);
    cf->hnext = l->hash[h];
    l->hash[h] = cf;
    cf->lnext = l->lru_head;
    if (l->lru_head)
        l->lru_head->lprev = cf;
    l->lru_head = cf;
    if (!l->lru_tail)
        l->lru_tail = cf;
    l->nflows++;
    *from_a = true;
    return cf;
}

/* ---- demultiplexing (RFC 7983 s.7, tightened) ---------------------------------------- */

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Ports of protocols that are not RTC media or its signalling on the
 * wire, whose payloads would otherwise fall in RFC 7983's ranges by
 * chance: DNS 53, DHCP 67/68, NTP 123, NetBIOS 137/138, SSDP 1900, SIP
 * 5060/5061, mDNS 5353, LLMNR 5355. */
static bool other_port(uint16_t p)
{
    static const uint16_t ports[] = { 53, 67, 68, 123, 137, 138, 1900, 5060, 5061, 5353, 5355 };
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
        if (p == ports[i])
            return true;
    return false;
}

static sim_lint_proto_t classify(const uint8_t *d, size_t n)
{
    if (n < 1)
        return SIM_LINT_OTHER;
    uint8_t b = d[0];
    if (b <= 3) {
        /* RFC 8489 s.5: the cookie, and a length that is the rest */
        if (n >= 20 && be16(d + 2) + 20u == n && d[4] == 0x21 && d[5] == 0x12 && d[6] == 0xA4 && d[7] == 0x42)
            return SIM_LINT_STUN;
        return SIM_LINT_OTHER;
    }
    if (b >= 16 && b <= 19)
        return SIM_LINT_ZRTP;
    if (b >= 20 && b <= 63) {
        /* RFC 6347 s.4.1: type, version 0xFEFF/0xFEFD, epoch, seq, length */
        if (n >= 13 && d[1] == 0xFE && (d[2] == 0xFF || d[2] == 0xFD) && 13u + be16(d + 11) <= n)
            return SIM_LINT_DTLS;
        return SIM_LINT_OTHER;
    }
    if (b >= 64 && b <= 79) {
        /* RFC 8656 s.12.4: the length is the data's; over UDP the
         * padding to 4 may or may not be there */
        size_t want = 4u + be16(d + 2);
        if (n >= 4 && want <= n && n <= ((want + 3) & ~(size_t)3))
            return SIM_LINT_CHANNELDATA;
        return SIM_LINT_OTHER;
    }
    if (b >= 128 && b <= 191) {
        if (n >= 2 && d[1] >= 192 && d[1] <= 223)      /* RFC 5761 s.4 */
            return n >= 8 ? SIM_LINT_RTCP : SIM_LINT_OTHER;
        if (n >= 12u + 4u * (b & 0x0F))
            return SIM_LINT_RTP;
    }
    return SIM_LINT_OTHER;
}

/* ---- TURN unwrapping (RFC 8656 s.11, s.12) --------------------------------------------- */

static bool sockaddr_to(const struct sockaddr_storage *ss, sim_trace_addr_t *a)
{
    memset(a, 0, sizeof *a);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        a->family = 4;
        memcpy(a->ip, &s4->sin_addr, 4);
        a->port = ntohs(s4->sin_port);
        return true;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        a->family = 6;
        memcpy(a->ip, &s6->sin6_addr, 16);
        a->port = ntohs(s6->sin6_port);
        return true;
    }
    return false;
}

static void dispatch(sim_lint_t *l, const sim_trace_dgram_t *d, core_flow_t *cf, bool from_a,
                     sim_lint_proto_t proto, const uint8_t *data, size_t len);

/* Data to or from a TURN peer, carried on the client-server flow cf:
 * linted on the relayed flow client <> peer. */
static void relayed(sim_lint_t *l, const sim_trace_dgram_t *d, core_flow_t *cf, bool from_client,
                    const sim_trace_addr_t *client, const sim_trace_addr_t *server, const sim_trace_addr_t *peer,
                    const uint8_t *data, size_t len)
{
    bool from_a;
    core_flow_t *rf = from_client ? flow_get(l, client, peer, cf->f.transport, server, d->packet, &from_a)
                                  : flow_get(l, peer, client, cf->f.transport, server, d->packet, &from_a);
    sim_lint_proto_t p = classify(data, len);
    l->cur->by_proto[p]++;
    /* one level: ChannelData inside relayed data would be a TURN server
     * behind a TURN server, which no ICE agent makes */
    if (p != SIM_LINT_CHANNELDATA)
        dispatch(l, d, rf, from_a, p, data, len);
}

/* RFC 8656 s.18: Send is 0x006 (libnice's STUN_IND_SEND; its STUN_SEND
 * is TURN draft 00's 0x004, which is Refresh's number) */
static void turn_stun(sim_lint_t *l, const sim_trace_dgram_t *d, core_flow_t *cf, const uint8_t *data, size_t len)
{
    StunMessage msg = { .buffer = (uint8_t *)data, .buffer_len = len };
    if (stun_message_validate_buffer_length(data, len, true) != (int)len)
        return;
    StunMethod m = stun_message_get_method(&msg);
    StunClass c = stun_message_get_class(&msg);
    /* RFC 8656 s.5: the client sends the requests and Send indications,
     * the server the Data indications */
    if ((m == STUN_ALLOCATE || m == STUN_CHANNELBIND || m == STUN_CREATEPERMISSION || m == STUN_REFRESH) &&
        c == STUN_REQUEST) {
        cf->client = d->src;
        cf->have_client = true;
    } else if (m == STUN_IND_SEND && c == STUN_INDICATION) {
        cf->client = d->src;
        cf->have_client = true;
    } else if (m == STUN_IND_DATA && c == STUN_INDICATION) {
        cf->client = d->dst;
        cf->have_client = true;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    sim_trace_addr_t peer;
    if (m == STUN_CHANNELBIND && c == STUN_REQUEST) {
        /* CHANNEL-NUMBER (RFC 8656 s.18.1): the number, then 2 bytes RFFU */
        uint32_t cn;
        if (stun_message_find32(&msg, STUN_ATTRIBUTE_CHANNEL_NUMBER, &cn) != STUN_MESSAGE_RETURN_SUCCESS ||
            stun_message_find_xor_addr(&msg, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &ss, &sl) !=
                STUN_MESSAGE_RETURN_SUCCESS || !sockaddr_to(&ss, &peer))
            return;
        uint16_t ch = (uint16_t)(cn >> 16);
        for (size_t i = 0; i < cf->nchannels; i++)
            if (cf->channels[i].number == ch) {
                cf->channels[i].peer = peer;
                return;
            }
        if (cf->nchannels < MAX_CHANNELS) {
            cf->channels = xrealloc(cf->channels, (cf->nchannels + 1) * sizeof *cf->channels);
            cf->channels[cf->nchannels++] = (channel_t){ ch, peer };
        }
        return;
    }
    if ((m == STUN_IND_SEND || m == STUN_IND_DATA) && c == STUN_INDICATION) {
        uint16_t dl;
        const uint8_t *inner = stun_message_find(&msg, STUN_ATTRIBUTE_DATA, &dl);
        if (!inner ||
            stun_message_find_xor_addr(&msg, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &ss, &sl) != STUN_MESSAGE_RETURN_SUCCESS ||
            !sockaddr_to(&ss, &peer))
            return;
        bool from_client = m == STUN_IND_SEND;
        l->last_inner_off = (size_t)(inner - data);
        l->last_inner_len = dl;
        relayed(l, d, cf, from_client, from_client ? &d->src : &d->dst, from_client ? &d->dst : &d->src, &peer, inner, dl);
    }
}

static void channel_data(sim_lint_t *l, const sim_trace_dgram_t *d, core_flow_t *cf, const uint8_t *data, size_t len)
{
    uint16_t ch = be16(data);
    size_t dl = be16(data + 2);
    sim_trace_addr_t peer = { .family = 0, .port = ch };
    for (size_t i = 0; i < cf->nchannels; i++)
        if (cf->channels[i].number == ch)
            peer = cf->channels[i].peer;
    /* the client is the side that made the allocation; a capture that
     * starts after it: the side not on TURN's port (RFC 8656 s.5: 3478,
     * 5349 over TLS), else the flow's first sender */
    bool src_is_client = cf->have_client ? addr_eq(&d->src, &cf->client)
                       : d->dst.port == 3478 || d->dst.port == 5349 ? true
                       : d->src.port == 3478 || d->src.port == 5349 ? false
                       : addr_eq(&d->src, &cf->f.a);
    relayed(l, d, cf, src_is_client, src_is_client ? &d->src : &d->dst, src_is_client ? &d->dst : &d->src, &peer,
            data + 4, dl);
    (void)len;
}

static void dispatch(sim_lint_t *l, const sim_trace_dgram_t *d, core_flow_t *cf, bool from_a,
                     sim_lint_proto_t proto, const uint8_t *data, size_t len)
{
    if (proto == SIM_LINT_STUN && data[0] == 0x01 && data[1] == 0x01)
        cf->ice_ok = true;      /* a Binding success response (RFC 8489 s.5: type 0x0101) */
    sim_lint_pkt_t p = { .d = d, .flow = &cf->f, .from_a = from_a, .proto = proto, .data = data, .len = len };
    int side = from_a ? 0 : 1;
    if (!cf->srtp[side] && !cf->skey_tried[side] && l->nskeys && (proto == SIM_LINT_RTP || proto == SIM_LINT_RTCP)) {
        cf->skey_tried[side] = true;
        const sim_trace_addr_t *sender = from_a ? &cf->f.a : &cf->f.b;
        for (size_t i = 0; i < l->nskeys; i++)
            if (addr_eq(&l->skeys[i].from, sender) && side_key(cf, side, l->skeys[i].profile, l->skeys[i].ks))
                break;
    }
    if (!cf->srtp[0] && !cf->srtp[1] && (proto == SIM_LINT_RTP || proto == SIM_LINT_RTCP))
        adopt_keys(l, cf, &p);
    srtp_t ctx = cf->srtp[from_a ? 0 : 1];
    if (ctx && (proto == SIM_LINT_RTP || proto == SIM_LINT_RTCP) && len <= sizeof l->plain - 64) {
        memcpy(l->plain, data, len);
        int n = (int)len;
        srtp_err_status_t st = proto == SIM_LINT_RTP ? srtp_unprotect(ctx, l->plain, &n)
                                                     : srtp_unprotect_rtcp(ctx, l->plain, &n);
        if (st == srtp_err_status_ok) {
            p.data = l->plain;
            p.len = (size_t)n;
            p.decrypted = true;
            l->last_plain = l->plain;
            l->last_plain_len = (size_t)n;
        } else if (st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old) {
            p.srtp_refused = true;
            /* RFC 3711 s.3.3.2: a copy of one already taken (the network's
             * or the capture's duplicate): handed on as it is */
            sim_lint_report(l, &p, NULL, SIM_LINT_INFO, "RFC 3711 s.3.3.2", "srtp.replay",
                            "%s index seen already (a duplicate): not decrypted again",
                            proto == SIM_LINT_RTP ? "SRTP" : "SRTCP");
        } else {
            p.srtp_refused = true;
            /* RFC 3711 s.3.3 step 5 / s.3.4: MUST be discarded: a forgery,
             * a corrupted packet, or keys that are not this flow's */
            sim_lint_report(l, &p, NULL, SIM_LINT_ERROR, proto == SIM_LINT_RTP ? "RFC 3711 s.3.3" : "RFC 3711 s.3.4",
                            "srtp.auth", "%s does not authenticate under the DTLS-SRTP keys (libsrtp: status %d)",
                            proto == SIM_LINT_RTP ? "SRTP" : "SRTCP", (int)st);
        }
    }
    for (size_t i = 0; checkers[i]; i++)
        if (checkers[i]->protos & (1u << proto))
            checkers[i]->packet(l, &p);
    if (l->opts.tap)
        l->opts.tap(l->opts.tap_user, &p);
}

/* The decrypted twin (--decrypt): every UDP/IPv4 datagram as captured,
 * with its SRTP/SRTCP replaced by the plain packet where it was
 * decrypted, also inside ChannelData (its length adjusted); inside a
 * Send/Data indication the original is kept (its attributes would need
 * rewriting). */
static void twin_write(sim_lint_t *l, const sim_trace_dgram_t *d, bool channel)
{
    if (d->transport != SIM_TRACE_UDP || d->src.family != 4 || d->dst.family != 4) {
        l->twin_skipped++;
        return;
    }
    const uint8_t *pay = d->data;
    size_t n = d->len;
    uint8_t *buf = NULL;
    if (l->last_plain && channel) {
        buf = malloc(4 + l->last_plain_len);
        if (buf) {
            buf[0] = d->data[0];
            buf[1] = d->data[1];
            buf[2] = (uint8_t)(l->last_plain_len >> 8);
            buf[3] = (uint8_t)l->last_plain_len;
            memcpy(buf + 4, l->last_plain, l->last_plain_len);
            pay = buf;
            n = 4 + l->last_plain_len;
            l->twin_decrypted++;
        }
    } else if (l->last_plain && d->data[0] >= 128) {
        pay = l->last_plain;
        n = l->last_plain_len;
        l->twin_decrypted++;
    } else if (l->last_plain && l->last_inner_off >= 24 &&
               l->last_inner_off + ((l->last_inner_len + 3) & ~(size_t)3) == d->len &&
               (buf = malloc(l->last_inner_off + l->last_plain_len + 3))) {
        /* a Send/Data indication whose DATA is its last attribute (RFC
         * 8656 s.11): DATA's and the message's lengths follow the plain
         * value, padded to 4 (RFC 8489 s.14) */
        size_t off = l->last_inner_off, pl = l->last_plain_len, padded = (pl + 3) & ~(size_t)3;
        memcpy(buf, d->data, off);
        memcpy(buf + off, l->last_plain, pl);
        /* padding of any value (RFC 8489 s.14): the sender's own, as the
         * captured message has it */
        bool had_pad = l->last_inner_len % 4 != 0;
        memset(buf + off + pl, had_pad ? d->data[d->len - 1] : 0, padded - pl);
        buf[off - 2] = (uint8_t)(pl >> 8);
        buf[off - 1] = (uint8_t)pl;
        n = off + padded;
        buf[2] = (uint8_t)((n - 20) >> 8);
        buf[3] = (uint8_t)(n - 20);
        pay = buf;
        l->twin_decrypted++;
    } else if (l->last_plain) {
        l->twin_kept++;
    }
    sim_pkt_t *p = calloc(1, sizeof *p + n);
    if (p) {
        p->src_ip = (uint32_t)d->src.ip[0] << 24 | (uint32_t)d->src.ip[1] << 16 | (uint32_t)d->src.ip[2] << 8 | d->src.ip[3];
        p->dst_ip = (uint32_t)d->dst.ip[0] << 24 | (uint32_t)d->dst.ip[1] << 16 | (uint32_t)d->dst.ip[2] << 8 | d->dst.ip[3];
        p->src_port = d->src.port;
        p->dst_port = d->dst.port;
        p->ttl = 64;
        p->len = p->cap = (uint32_t)n;
        memcpy(p->data, pay, n);
        sim_capture_write(l->twin, d->time_ns < 0 ? 0 : (sim_time_t)d->time_ns, p);
        l->twin_written++;
        free(p);
    }
    free(buf);
}

static void datagram(sim_lint_t *l, const sim_trace_dgram_t *d)
{
    l->last_plain = NULL;
    bool from_a;
    core_flow_t *cf = flow_get(l, &d->src, &d->dst, d->transport, NULL, d->packet, &from_a);
    sim_lint_proto_t p = (other_port(d->src.port) || other_port(d->dst.port)) ? SIM_LINT_OTHER
                                                                              : classify(d->data, d->len);
    l->cur->by_proto[p]++;
    if (p == SIM_LINT_CHANNELDATA)
        channel_data(l, d, cf, d->data, d->len);
    else
        dispatch(l, d, cf, from_a, p, d->data, d->len);
    if (p == SIM_LINT_STUN)
        turn_stun(l, d, cf, d->data, d->len);
    if (l->twin)
        twin_write(l, d, p == SIM_LINT_CHANNELDATA);
}

/* ---- keys ------------------------------------------------------------------------------ */

static int hexbytes(const char *s, size_t slen, uint8_t *out, size_t n)
{
    if (slen != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

int sim_lint_read_lines(const char *path, const char *opt, sim_lint_line_fn fn, void *ctx, char *err,
                        size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s %s: cannot read it", opt, path);
        return -1;
    }
    char line[2048];
    int r = 0;
    for (unsigned no = 1; r == 0 && fgets(line, sizeof line, f); no++) {
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%u: line longer than %zu bytes", path, no, sizeof line - 2);
            r = -1;
        } else {
            r = fn(ctx, line, path, no, err, errlen);
        }
    }
    fclose(f);
    return r;
}

/* One line of an NSS key log: NSS's format is LABEL CLIENT_RANDOM SECRET,
 * hex; TLS 1.3's labels are another key schedule (not read). */
static int keylog_line(void *ctx, const char *line, const char *path, unsigned no, char *err, size_t errlen)
{
    sim_lint_t *l = ctx;
    char label[64], cr[128], ms[256];
    if (line[0] == '#' || line[0] == '\n')
        return 0;
    if (sscanf(line, "%63s %127s %255s", label, cr, ms) != 3) {
        snprintf(err, errlen, "%s:%u: not a key log line (LABEL CLIENT_RANDOM SECRET)", path, no);
        return -1;
    }
    if (strcmp(label, "CLIENT_RANDOM") != 0)
        return 0;
    keylog_entry_t e;
    if (hexbytes(cr, strlen(cr), e.client_random, 32) < 0 || hexbytes(ms, strlen(ms), e.master, 48) < 0) {
        snprintf(err, errlen, "%s:%u: CLIENT_RANDOM needs 64 hex digits of client random and 96 of "
                              "master secret", path, no);
        return -1;
    }
    l->keys = xrealloc(l->keys, (l->nkeys + 1) * sizeof *l->keys);
    l->keys[l->nkeys++] = e;
    return 0;
}

int sim_lint_load_keylog(sim_lint_t *l, const char *path, char *err, size_t errlen)
{
    if (sim_lint_read_lines(path, "--keylog", keylog_line, l, err, errlen) < 0)
        return -1;
    l->have_keylog = true;
    return 0;
}

bool sim_lint_has_keylog(const sim_lint_t *l) { return l->have_keylog || l->nskeys; }

/* One line of --srtp-keys: ADDR:PORT PROFILE [inline:]BASE64 (D170). */
static int srtp_key_line(void *ctx, const char *line, const char *path, unsigned no, char *err, size_t errlen)
{
    sim_lint_t *l = ctx;
    char addr[128], profile[64], key[256];
    if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
        return 0;
    if (sscanf(line, "%127s %63s %255s", addr, profile, key) != 3) {
        snprintf(err, errlen, "%s:%u: not 'ADDR:PORT PROFILE [inline:]BASE64KEYSALT'", path, no);
        return -1;
    }
    sender_key_t k;
    memset(&k, 0, sizeof k);
    char *colon = strrchr(addr, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (colon)
        *colon = '\0';
    char *ip = addr;
    if (ip[0] == '[' && colon && colon[-1] == ']') {
        ip++;
        colon[-1] = '\0';
    }
    if (!colon || !end || *end || port < 1 || port > 65535 ||
        (inet_pton(AF_INET, ip, k.from.ip) == 1 ? (k.from.family = 4) : inet_pton(AF_INET6, ip, k.from.ip) == 1 ? (k.from.family = 6) : 0) == 0) {
        snprintf(err, errlen, "%s:%u: '%s' is not an address and port (the sender of the packets these keys protect)",
                 path, no, addr);
        return -1;
    }
    k.from.port = (uint16_t)port;
    srtp_policy_t pol;
    size_t klen, slen;
    if (!profile_policy(profile, &pol, &klen, &slen)) {
        snprintf(err, errlen, "%s:%u: '%s' is not an SRTP profile (RFC 5764 s.4.1.2, RFC 7714: "
                              "SRTP_AES128_CM_HMAC_SHA1_80, _32, SRTP_AEAD_AES_128_GCM, _256_GCM)", path, no, profile);
        return -1;
    }
    snprintf(k.profile, sizeof k.profile, "%s", profile);
    /* RFC 4568 s.6.1: inline:<base64 of the master key then salt> */
    const char *b64 = strncmp(key, "inline:", 7) == 0 ? key + 7 : key;
    size_t bl = strcspn(b64, "|");           /* RFC 4568's |lifetime|MKI tail is not used */
    uint8_t out[192];
    int n = bl % 4 == 0 && bl <= 4 * sizeof out / 3 ? EVP_DecodeBlock(out, (const unsigned char *)b64, (int)bl) : -1;
    if (n > 0)
        for (size_t i = bl; i > 0 && b64[i - 1] == '='; i--)
            n--;
    if (n != (int)(klen + slen)) {
        snprintf(err, errlen, "%s:%u: the key must be base64 of %zu bytes (a %zu-byte master key and a %zu-byte "
                              "salt for %s)", path, no, klen + slen, klen, slen, profile);
        return -1;
    }
    memcpy(k.ks, out, klen + slen);
    l->skeys = xrealloc(l->skeys, (l->nskeys + 1) * sizeof *l->skeys);
    l->skeys[l->nskeys++] = k;
    return 0;
}

int sim_lint_load_srtp_keys(sim_lint_t *l, const char *path, char *err, size_t errlen)
{
    return sim_lint_read_lines(path, "--srtp-keys", srtp_key_line, l, err, errlen);
}

const uint8_t *sim_lint_master_secret(const sim_lint_t *l, const uint8_t client_random[32])
{
    for (size_t i = 0; i < l->nkeys; i++)
        if (memcmp(l->keys[i].client_random, client_random, 32) == 0)
            return l->keys[i].master;
    return NULL;
}

/* The flow's two unprotecting contexts under the keys; false if the
 * profile is not one libsrtp is set up for here. */
/* A profile's policy and sizes (RFC 5764 s.4.1.2, RFC 7714 s.14.2; the
 * SDES names of RFC 4568 s.6.2 and RFC 7714 s.14.3 too); false if unknown. */
static bool profile_policy(const char *profile, srtp_policy_t *pol, size_t *key, size_t *salt)
{
    memset(pol, 0, sizeof *pol);
    if (!strcmp(profile, "SRTP_AES128_CM_HMAC_SHA1_80") || !strcmp(profile, "AES_CM_128_HMAC_SHA1_80") ||
        !strcmp(profile, "SRTP_AES128_CM_HMAC_SHA1_32") || !strcmp(profile, "AES_CM_128_HMAC_SHA1_32")) {
        *key = 16, *salt = 14;
        if (strstr(profile, "_32"))
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol->rtp);
        else
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp);   /* RFC 5764 s.4.1.2: SRTCP's tag is 80 bits */
    } else if (!strcmp(profile, "SRTP_AEAD_AES_128_GCM") || !strcmp(profile, "AEAD_AES_128_GCM")) {
        *key = 16, *salt = 12;
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtcp);
    } else if (!strcmp(profile, "SRTP_AEAD_AES_256_GCM") || !strcmp(profile, "AEAD_AES_256_GCM")) {
        *key = 32, *salt = 12;
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&pol->rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&pol->rtcp);
    } else {
        return false;
    }
    return true;
}

void sim_lint_srtp_init(void)
{
    static bool init;
    if (!init) {
        srtp_init();            /* refused only when something in the process got there first: fine */
        init = true;
    }
}

/* The context unprotecting what one side of the flow sends (side 0: a),
 * under its master key and salt (ks: key then salt). */
static bool side_key(core_flow_t *cf, int side, const char *profile, const uint8_t *ks)
{
    sim_lint_srtp_init();
    srtp_policy_t pol;
    size_t key, salt;
    if (!profile_policy(profile, &pol, &key, &salt))
        return false;
    uint8_t buf[32 + 14];
    memcpy(buf, ks, key + salt);
    pol.key = buf;
    pol.ssrc.type = ssrc_any_inbound;
    pol.window_size = 1024;     /* reordering in a capture beyond the default 128 */
    if (cf->srtp[side])
        srtp_dealloc(cf->srtp[side]);
    cf->srtp[side] = NULL;
    if (srtp_create(&cf->srtp[side], &pol) != srtp_err_status_ok)
        cf->srtp[side] = NULL;
    return cf->srtp[side] != NULL;
}

/* Both sides from DTLS-SRTP key material (RFC 5764 s.4.2's layout). */
static bool flow_keys(core_flow_t *cf, const char *profile, bool client_is_a, const uint8_t *km, size_t len)
{
    srtp_policy_t pol;
    size_t key, salt;
    if (!profile_policy(profile, &pol, &key, &salt) || len < 2 * (key + salt))
        return false;
    for (int side = 0; side < 2; side++) {
        /* side 0 unprotects what a sends: the client's keys if a is the client */
        bool client = (side == 0) == client_is_a;
        uint8_t ks[32 + 14];
        memcpy(ks, km + (client ? 0 : key), key);
        memcpy(ks + key, km + 2 * key + (client ? 0 : salt), salt);
        side_key(cf, side, profile, ks);
    }
    return cf->srtp[0] && cf->srtp[1];
}

static void flow_unkey(core_flow_t *cf)
{
    for (int i = 0; i < 2; i++)
        if (cf->srtp[i]) {
            srtp_dealloc(cf->srtp[i]);
            cf->srtp[i] = NULL;
        }
}

void sim_lint_flow_srtp(sim_lint_t *l, sim_lint_flow_t *f, const char *profile, bool client_is_a,
                        const uint8_t *km, size_t len)
{
    core_flow_t *cf = (core_flow_t *)f;
    if (!flow_keys(cf, profile, client_is_a, km, len) || len > sizeof l->assoc[0].km)
        return;
    assoc_t *a = &l->assoc[l->nassoc < MAX_ASSOC ? l->nassoc++ : MAX_ASSOC - 1];
    snprintf(a->profile, sizeof a->profile, "%s", profile);
    memcpy(a->km, km, len);
    a->len = len;
    a->client = client_is_a ? f->a : f->b;
    a->server = client_is_a ? f->b : f->a;
    snprintf(a->flow, sizeof a->flow, "%s", f->name);
}

/* SRTP on a flow with no handshake of its own: the keys of an
 * association whose handshake flow shares an endpoint with it, if one
 * authenticates a packet (at most 8 packets tried per flow). */
static bool adopt_keys(sim_lint_t *l, core_flow_t *cf, const sim_lint_pkt_t *p)
{
    if (cf->srtp_trials >= 8 || !l->nassoc || p->len > sizeof l->plain - 64)
        return false;
    cf->srtp_trials++;
    /* RFC 8445 s.11: media goes only over a valid pair; where the capture
     * shows no check that succeeded on this one, the association is not
     * taken to it (what came on it stays as captured) */
    if (!cf->ice_ok) {
        if (cf->srtp_trials == 1)
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 8445 s.11", "srtp.no-valid-pair",
                            "SRTP on a pair no ICE check in this capture made valid: not decrypted");
        return false;
    }
    for (size_t i = 0; i < l->nassoc; i++) {
        const assoc_t *a = &l->assoc[i];
        bool client_is_a;
        if (addr_eq(&a->client, &cf->f.a) || addr_eq(&a->server, &cf->f.b))
            client_is_a = true;
        else if (addr_eq(&a->client, &cf->f.b) || addr_eq(&a->server, &cf->f.a))
            client_is_a = false;
        else
            continue;
        if (!flow_keys(cf, a->profile, client_is_a, a->km, a->len))
            continue;
        memcpy(l->plain, p->data, p->len);
        int n = (int)p->len;
        srtp_t ctx = cf->srtp[p->from_a ? 0 : 1];
        srtp_err_status_t st = p->proto == SIM_LINT_RTP ? srtp_unprotect(ctx, l->plain, &n)
                                                        : srtp_unprotect_rtcp(ctx, l->plain, &n);
        /* a fresh context again, so the packet is taken by dispatch as the first */
        if (st == srtp_err_status_ok && flow_keys(cf, a->profile, client_is_a, a->km, a->len)) {
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 8842 s.5", "srtp.association-moved",
                            "SRTP under the keys of the DTLS association made on %s (the media moved to a new "
                            "pair; the association stays)", a->flow);
            return true;
        }
        flow_unkey(cf);
    }
    return false;
}

/* ---- a file ------------------------------------------------------------------------ */

/* The file being read (sim_lint_begin .. the step that ends it). */
static int file_fail(sim_lint_t *l, file_rec_t *fr, const char *err)
{
    fr->error = xrealloc(NULL, strlen(err) + 1);
    strcpy(fr->error, err);
    l->cur = NULL;
    return -1;
}

int sim_lint_begin(sim_lint_t *l, const char *path, char *err, size_t errlen)
{
    l->files = xrealloc(l->files, (l->nfiles + 1) * sizeof *l->files);
    file_rec_t *fr = &l->files[l->nfiles++];
    memset(fr, 0, sizeof *fr);
    fr->path = xrealloc(NULL, strlen(path) + 1);
    strcpy(fr->path, path);
    fr->first_finding = l->nfindings;
    l->cur = fr;
    l->first = true;
    l->twin_tmp[0] = '\0';
    if (!(l->trace = sim_trace_open(path, err, errlen)))
        return file_fail(l, fr, err);
    fr->format = sim_trace_format(l->trace);
    if (l->opts.decrypt_path) {
        snprintf(l->twin_tmp, sizeof l->twin_tmp, "%s.tmp", l->opts.decrypt_path);
        if (!(l->twin = sim_capture_open(l->twin_tmp, err, errlen))) {
            sim_trace_close(l->trace);
            l->trace = NULL;
            return file_fail(l, fr, err);
        }
    }
    return 0;
}

int sim_lint_step(sim_lint_t *l, char *err, size_t errlen)
{
    file_rec_t *fr = l->cur;
    if (!fr || !l->trace) {
        snprintf(err, errlen, "no file is being read");
        return -1;
    }
    sim_trace_dgram_t d;
    int r = sim_trace_next(l->trace, &d, err, errlen);
    if (r == 1) {
        if (l->first)
            fr->t0 = d.time_ns;
        l->first = false;
        fr->datagrams++;
        datagram(l, &d);
        return 1;
    }
    end_all_flows(l);
    fr->packets = sim_trace_packets(l->trace);
    for (int i = 0; i < SIM_TRACE_SKIP__COUNT; i++)
        fr->skipped[i] = sim_trace_skipped(l->trace, (sim_trace_skip_t)i, &fr->first_skip[i]);
    sim_trace_close(l->trace);
    l->trace = NULL;
    if (r < 0) {
        fr->error = xrealloc(NULL, strlen(err) + 1);
        strcpy(fr->error, err);
    }
    if (l->twin) {
        /* written whole, then renamed: a twin of a file read only partly is
         * not left as a result */
        char cerr[512];
        int cr = sim_capture_close(l->twin, cerr, sizeof cerr);
        l->twin = NULL;
        if (r < 0 || cr < 0 || rename(l->twin_tmp, l->opts.decrypt_path) != 0) {
            remove(l->twin_tmp);
            if (r >= 0) {
                snprintf(err, errlen, "--decrypt %s: %s", l->opts.decrypt_path, cr < 0 ? cerr : "cannot rename it");
                fr->error = xrealloc(NULL, strlen(err) + 1);
                strcpy(fr->error, err);
                r = -1;
            }
        }
    }
    l->cur = NULL;
    return r < 0 ? -1 : 0;
}

int sim_lint_file(sim_lint_t *l, const char *path, char *err, size_t errlen)
{
    if (sim_lint_begin(l, path, err, errlen) < 0)
        return -1;
    int r;
    while ((r = sim_lint_step(l, err, errlen)) == 1)
        ;
    return r;
}

void sim_lint_free(sim_lint_t *l)
{
    if (!l)
        return;
    if (l->trace) {         /* freed in the middle of a file (sim_lint_step) */
        end_all_flows(l);
        sim_trace_close(l->trace);
    }
    if (l->twin) {
        char e[256];
        sim_capture_close(l->twin, e, sizeof e);
        remove(l->twin_tmp);
    }
    for (size_t i = 0; i < l->nfindings; i++)
        free(l->findings[i].msg);
    free(l->findings);
    for (size_t i = 0; i < l->nfiles; i++) {
        free(l->files[i].path);
        free(l->files[i].error);
    }
    free(l->files);
    free(l->keys);
    free(l->skeys);
    free(l);
}

/* ---- output ------------------------------------------------------------------------ */

static double rel_s(const file_rec_t *fr, int64_t t)
{
    return t ? (double)(t - fr->t0) / 1e9 : 0.0;
}

void sim_lint_write_text(const sim_lint_t *l, FILE *out)
{
    for (size_t i = 0; i < l->nfiles; i++) {
        const file_rec_t *fr = &l->files[i];
        for (size_t k = fr->first_finding; k < fr->first_finding + fr->nfindings; k++) {
            const finding_t *f = &l->findings[k];
            if (f->sev == SIM_LINT_INFO && l->opts.quiet_info)
                continue;
            fprintf(out, "%s:%llu: %.6f s: %s: %s: %s: %s [%s]\n", fr->path, (unsigned long long)f->packet,
                    rel_s(fr, f->time_ns), f->flow, sim_lint_sev_name(f->sev), f->ref, f->msg, f->code);
        }
        if (fr->error)
            fprintf(out, "%s: error: %s\n", fr->path, fr->error);
        if (!fr->format)
            continue;
        fprintf(out, "%s: %s, %llu packets, %llu datagrams; messages, with those inside TURN: ", fr->path, fr->format,
                (unsigned long long)fr->packets, (unsigned long long)fr->datagrams);
        const char *sep = "";
        for (int p = 0; p < SIM_LINT_PROTO__COUNT; p++)
            if (fr->by_proto[p]) {
                fprintf(out, "%s%s %llu", sep, sim_lint_proto_name((sim_lint_proto_t)p),
                        (unsigned long long)fr->by_proto[p]);
                sep = ", ";
            }
        fprintf(out, "%s; %llu errors, %llu warnings, %llu info", *sep ? "" : "none", (unsigned long long)fr->counts[0],
                (unsigned long long)fr->counts[1], (unsigned long long)fr->counts[2]);
        if (fr->suppressed)
            fprintf(out, " (%llu not listed: more than %d of one kind on one flow)", (unsigned long long)fr->suppressed,
                    SAME_KEPT);
        fputs(fr->error ? "; READ PARTLY: the findings stop where the file became unreadable\n" : "\n", out);
        if (l->opts.decrypt_path && !fr->error)
            fprintf(out, "%s: decrypted twin %s: %llu datagrams, %llu of them decrypted; %llu not written "
                         "(TCP or IPv6), %llu decrypted inside a Send/Data indication whose DATA is not last, kept as captured\n",
                    fr->path, l->opts.decrypt_path, (unsigned long long)l->twin_written,
                    (unsigned long long)l->twin_decrypted, (unsigned long long)l->twin_skipped,
                    (unsigned long long)l->twin_kept);
        for (int s = 0; s < SIM_TRACE_SKIP__COUNT; s++)
            if (fr->skipped[s])
                fprintf(out, "%s: not linted: %llu packets: %s (the first is packet %llu)\n", fr->path,
                        (unsigned long long)fr->skipped[s], sim_trace_skip_name((sim_trace_skip_t)s),
                        (unsigned long long)fr->first_skip[s]);
    }
}

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

void sim_lint_write_json(const sim_lint_t *l, FILE *out)
{
    fputs("{\"files\":[", out);
    for (size_t i = 0; i < l->nfiles; i++) {
        const file_rec_t *fr = &l->files[i];
        fputs(i ? ",{" : "{", out);
        fputs("\"path\":", out);
        json_str(out, fr->path);
        if (fr->error) {
            fputs(",\"error\":", out);
            json_str(out, fr->error);
        }
        fprintf(out, ",\"format\":\"%s\",\"packets\":%llu,\"datagrams\":%llu,\"protocols\":{", fr->format ? fr->format : "",
                (unsigned long long)fr->packets, (unsigned long long)fr->datagrams);
        const char *sep = "";
        for (int p = 0; p < SIM_LINT_PROTO__COUNT; p++) {
            fprintf(out, "%s\"%s\":%llu", sep, sim_lint_proto_name((sim_lint_proto_t)p),
                    (unsigned long long)fr->by_proto[p]);
            sep = ",";
        }
        fputs("},\"not_linted\":{", out);
        sep = "";
        for (int s = 0; s < SIM_TRACE_SKIP__COUNT; s++)
            if (fr->skipped[s]) {
                fprintf(out, "%s", sep);
                json_str(out, sim_trace_skip_name((sim_trace_skip_t)s));
                fprintf(out, ":{\"packets\":%llu,\"first\":%llu}", (unsigned long long)fr->skipped[s],
                        (unsigned long long)fr->first_skip[s]);
                sep = ",";
            }
        fprintf(out, "},\"errors\":%llu,\"warnings\":%llu,\"info\":%llu,\"not_listed\":%llu,\"findings\":[",
                (unsigned long long)fr->counts[0], (unsigned long long)fr->counts[1],
                (unsigned long long)fr->counts[2], (unsigned long long)fr->suppressed);
        for (size_t k = fr->first_finding; k < fr->first_finding + fr->nfindings; k++) {
            const finding_t *f = &l->findings[k];
            fprintf(out, "%s{\"packet\":%llu,\"time\":%.9f,\"time_ns\":%lld,\"flow\":", k > fr->first_finding ? "," : "",
                    (unsigned long long)f->packet, rel_s(fr, f->time_ns), (long long)f->time_ns);
            json_str(out, f->flow);
            fprintf(out, ",\"protocol\":\"%s\",\"severity\":\"%s\",\"ref\":", sim_lint_proto_name(f->proto),
                    sim_lint_sev_name(f->sev));
            json_str(out, f->ref);
            fputs(",\"code\":", out);
            json_str(out, f->code);
            fputs(",\"message\":", out);
            json_str(out, f->msg);
            fputc('}', out);
        }
        fputs("]}", out);
    }
    fputs("]}\n", out);
}

static void xml_str(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n')
                fputc(*s, out);
        }
    }
}

int sim_lint_write_junit(const sim_lint_t *l, const char *path, char *err, size_t errlen)
{
    /* written whole to a temporary name, then renamed: a half-written
     * report never stands in for a result */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        snprintf(err, errlen, "--junit %s: cannot write it", path);
        return -1;
    }
    uint64_t failures = 0, errors = 0;
    for (size_t i = 0; i < l->nfiles; i++) {
        failures += l->files[i].counts[0] ? 1 : 0;
        errors += l->files[i].error ? 1 : 0;
    }
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"rtcsim lint\" tests=\"%zu\" "
                 "failures=\"%llu\" errors=\"%llu\">\n", l->nfiles, (unsigned long long)failures, (unsigned long long)errors);
    for (size_t i = 0; i < l->nfiles; i++) {
        const file_rec_t *fr = &l->files[i];
        fputs("<testcase classname=\"lint\" name=\"", out);
        xml_str(out, fr->path);
        fputs("\">\n", out);
        if (fr->error) {
            fputs("<error message=\"", out);
            xml_str(out, fr->error);
            fputs("\"/>\n", out);
        }
        if (fr->counts[0]) {
            fprintf(out, "<failure message=\"%llu errors\">", (unsigned long long)fr->counts[0]);
            for (size_t k = fr->first_finding; k < fr->first_finding + fr->nfindings; k++) {
                const finding_t *f = &l->findings[k];
                if (f->sev != SIM_LINT_ERROR)
                    continue;
                char line[1024];
                snprintf(line, sizeof line, "packet %llu: %s: %s: %s [%s]\n", (unsigned long long)f->packet, f->flow,
                         f->ref, f->msg, f->code);
                xml_str(out, line);
            }
            fputs("</failure>\n", out);
        }
        fputs("<system-out>", out);
        for (size_t k = fr->first_finding; k < fr->first_finding + fr->nfindings; k++) {
            const finding_t *f = &l->findings[k];
            if (f->sev == SIM_LINT_ERROR)
                continue;
            char line[1024];
            snprintf(line, sizeof line, "packet %llu: %s: %s: %s: %s [%s]\n", (unsigned long long)f->packet, f->flow,
                     sim_lint_sev_name(f->sev), f->ref, f->msg, f->code);
            xml_str(out, line);
        }
        fputs("</system-out>\n</testcase>\n", out);
    }
    fputs("</testsuite>\n</testsuites>\n", out);
    if (fclose(out) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        snprintf(err, errlen, "--junit %s: cannot write it", path);
        return -1;
    }
    return 0;
}
