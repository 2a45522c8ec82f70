/*
 * connection.c - RTCConnection (ice.h): an ICE agent for one data stream
 * and one component (RTP and RTCP multiplexed, RFC 8843's practice),
 * following RFC 8445:
 *
 *  - gathering (s.5.1.1): a host candidate per socket address at once; a
 *    server-reflexive one per (address, STUN server) from a Binding
 *    transaction (RFC 8489 s.6.2.1 retransmissions); end of candidates when
 *    every transaction has an answer or has timed out;
 *  - the check list (s.6.1.2): pairs of active local candidates (passed
 *    back by setLocalCandidate) and remote ones, ordered by pair priority,
 *    one Waiting pair per foundation at first, the rest Frozen;
 *  - checks paced every Ta (s.14.2), triggered checks first (s.7.3.1.4),
 *    retransmitted from the RTO of s.14.3, doubling, 7 sends (RFC 8489
 *    s.6.2.1, the transaction engine of stun_txn.h);
 *  - answering checks (s.7.3), peer-reflexive candidates on both sides
 *    (s.7.2.5.3.1, s.7.3.1.3), role conflicts by tie-breaker and 487
 *    (s.7.2.5.1, s.7.3.1.1), symmetric address checks (s.7.2.5.2.1);
 *  - regular nomination by the controlling agent with USE-CANDIDATE
 *    (s.8.1.1), once no better pair can still succeed, on every check of
 *    the pair until one is answered (docs/decisions.md D41, D42); once a
 *    pair is nominated, the other pairs' checks end (s.8.1.2);
 *  - consent freshness (RFC 7675 s.5.1): a check every 5 s (randomised
 *    0.8-1.2) on the selected pair, consent lost after 30 s without an
 *    answer, which fires ondisconnected, as does a check list whose pairs
 *    all failed.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <stun/usages/ice.h>

#include "dtls.h"
#include "ice_private.h"

#define MS(x)            ((uint64_t)(x) * 1000000ull)
#define TA               MS(50)
/* RFC 8445 s.14.2: whatever an agent's Ta, new transactions MUST NOT be
 * sent more often than once every 5 ms */
#define TA_FLOOR         MS(5)
#define CONSENT_INTERVAL MS(5000)
#define CONSENT_TIMEOUT  MS(30000)
#define NOMINATION_WAIT  MS(1000)   /* longest wait for a better pair once one is valid */

/* REMOVED: taken off the check list once a pair was nominated (s.8.1.2).
 * The pair stays in pairs[] as a tombstone, so that indices held by
 * transactions stay good and the same pair is not formed (and checked)
 * again; it is never checked nor counted. */
typedef enum { FROZEN, WAITING, IN_PROGRESS, SUCCEEDED, FAILED, REMOVED } pair_state_t;
typedef enum { TX_SERVER, TX_CHECK } tx_kind_t;

typedef struct pair {
    size_t       local, remote;     /* indices into lc[] and rc[] */
    pair_state_t state;
    bool         nominated;         /* succeeded with USE-CANDIDATE (or told so) */
    bool         nominating;        /* controlling: picked for nomination, not yet answered */
    size_t       valid_local;       /* s.7.2.5.3.2: the local candidate of the valid pair */
    bool         nominate_next;     /* controlled: USE-CANDIDATE seen before success */
} pair_t;

/* A transaction of the connection's: the engine's part first. */
typedef struct tx {
    rtc_txn_t  txn;
    tx_kind_t  kind;
    size_t     pair;                /* TX_CHECK */
    size_t     local;               /* TX_SERVER: socket address index */
    bool       use_candidate;
    bool       consent;
} tx_t;

struct rtcsim_connection {
    rtc_socket_t   *s;
    uint32_t        serial;
    bool            offerer, controlling, have_remote, connecting, connected, gathered;
    bool            restarting;     /* update() called, connect() not yet */
    bool            closed;         /* rtc_connection_close: sends and takes nothing more */
    uint64_t        tie;
    rtc_conn_desc_t local, remote;
    rtc_candidate_t *lc;
    bool            *lc_active;
    size_t          nlc, lc_cap, lc_active_cap;
    rtc_candidate_t *rc;
    size_t          nrc, rc_cap;
    pair_t          *pairs;
    size_t          npairs, pairs_cap;
    size_t          *triggered;     /* FIFO of pair indices */
    size_t          ntrig, trig_cap;
    rtc_txn_table_t txns;           /* transactions under way (agents: the socket's ice_agents) */
    long            selected;       /* pair index, -1 none */
    bool            consent_on;     /* consent checks go on for sel_local/remote */
    rtc_candidate_t sel_local, sel_remote;   /* the pair in use (kept across a restart) */
    uint64_t        next_check, consent_at, consent_expire;
    uint64_t        last_paced;     /* when pace() last sent a check (if paced) */
    bool            paced;
    uint64_t        nominate_at;    /* RTC_TIME_NEVER until a pair is valid */
    rtc_ice_event_t *ev;
    size_t          nev, ev_head, ev_cap;
    void            *opaque;        /* the environment's */
    /* the media plane's transport (ice.h): DTLS-SRTP over the pair in use */
    rtc_dtls_cert_t *cert;
    rtc_dtls_t      *dtls;
    bool             has_link;
    rtc_media_link_t link;
    rtc_dtls_phase_t phase;
    rtc_transport_stats_t tst;
};

/* ---- small helpers ------------------------------------------------------------ */

/* What did not fit in memory is dropped and counted (rtc_socket_stats:
 * nomem); an API call during which something was dropped returns
 * RTC_ERR_NOMEM (drops_since). */
static void nomem(rtc_connection_t *c)
{
    c->s->st.nomem++;
}

static int drops_since(const rtc_connection_t *c, uint64_t before, char *err, size_t errlen)
{
    if (c->s->st.nomem == before)
        return 0;
    snprintf(err, errlen, "out of memory (%llu candidates, pairs, checks or events dropped)",
             (unsigned long long)(c->s->st.nomem - before));
    return RTC_ERR_NOMEM;
}

static uint64_t now(const rtc_connection_t *c)
{
    return c->s->env.now(c->s->env.ctx);
}

static void random_bytes(const rtc_connection_t *c, void *buf, size_t len)
{
    c->s->env.random(c->s->env.ctx, buf, len);
}

/* RFC 8445 s.5.3: ufrag at least 24 bits, password at least 128 bits of
 * randomness, in ice-chars. */
static void random_ice_chars(const rtc_connection_t *c, char *out, size_t n)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t r[RTC_PWD_MAX];
    random_bytes(c, r, n);
    for (size_t i = 0; i < n; i++)
        out[i] = chars[r[i] & 63];
    out[n] = '\0';
}

/* The usefrag: four ice-chars naming the connection's serial in its socket
 * (24 bits), so a request finds its connection at once, then eight random
 * ones (48 bits; RFC 8445 s.5.3 asks for at least 24). */
static void make_ufrag(rtc_connection_t *c)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 4; i++)
        c->local.ufrag[i] = chars[(c->serial >> (18 - 6 * i)) & 63];
    random_ice_chars(c, c->local.ufrag + 4, 8);
}

uint32_t rtc_ufrag_serial(const uint8_t *ufrag, size_t len)
{
    uint32_t v = 0;
    if (len < 4)
        return UINT32_MAX;
    for (int i = 0; i < 4; i++) {
        uint8_t ch = ufrag[i];
        int d = ch >= 'A' && ch <= 'Z' ? ch - 'A' : ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
              : ch >= '0' && ch <= '9' ? ch - '0' + 52 : ch == '+' ? 62 : ch == '/' ? 63 : -1;
        if (d < 0)
            return UINT32_MAX;
        v = v << 6 | (uint32_t)d;
    }
    return v;
}

void *rtc_connection_opaque(const rtc_connection_t *c) { return c->opaque; }

static bool addr_eq(const rtc_addr_t *a, const rtc_addr_t *b)
{
    return a->ip == b->ip && a->port == b->port;
}

/* The queued event, or NULL if there was no memory for it (dropped). */
static rtc_ice_event_t *emit(rtc_connection_t *c, rtc_ice_event_type_t type, const rtc_candidate_t *l,
                             const rtc_candidate_t *r)
{
    if (c->nev == c->ev_cap) {
        /* compact, then grow */
        if (c->ev_head) {
            memmove(c->ev, c->ev + c->ev_head, (c->nev - c->ev_head) * sizeof *c->ev);
            c->nev -= c->ev_head;
            c->ev_head = 0;
        }
        if (c->nev == c->ev_cap) {
            size_t cap = c->ev_cap ? c->ev_cap * 2 : 16;
            rtc_ice_event_t *v = rtc_mem_realloc(&c->s->env, c->ev, c->ev_cap * sizeof *v, cap * sizeof *v);
            if (!v) {
                nomem(c);
                return NULL;
            }
            c->ev = v;
            c->ev_cap = cap;
        }
    }
    rtc_ice_event_t *e = &c->ev[c->nev++];
    memset(e, 0, sizeof *e);
    e->type = type;
    if (l)
        e->local = *l;
    if (r)
        e->remote = *r;
    return e;
}

bool rtc_connection_next_event(rtc_connection_t *c, rtc_ice_event_t *ev)
{
    if (c->ev_head == c->nev) {
        /* drained: events come in bursts, so give the memory back */
        rtc_mem_free(&c->s->env, c->ev, c->ev_cap * sizeof *c->ev);
        c->ev = NULL;
        c->nev = c->ev_head = c->ev_cap = 0;
        return false;
    }
    *ev = c->ev[c->ev_head++];
    return true;
}

uint32_t    rtc_connection_serial(const rtc_connection_t *c) { return c->serial; }
const char *rtc_connection_local_ufrag(const rtc_connection_t *c) { return c->local.ufrag; }
const char *rtc_connection_id(const rtc_connection_t *c) { return c->local.id; }
bool        rtc_connection_is_offerer(const rtc_connection_t *c) { return c->offerer; }

/* RFC 5763 s.5: a certificate of the connection's own (self-signed),
 * identified by its fingerprint in the description (RFC 8122 s.5). */
static int ensure_cert(rtc_connection_t *c)
{
    if (c->cert)
        return 0;
    rtc_dtls_status_t ds = rtc_dtls_cert_new(&c->cert);
    if (ds != RTC_DTLS_OK)
        return RTC_ERR_NOMEM;       /* OpenSSL could not make it: its memory, in practice */
    snprintf(c->local.fingerprints[0], sizeof c->local.fingerprints[0], "%s",
             rtc_dtls_cert_fingerprint(c->cert));
    c->local.nfingerprints = 1;
    return 0;
}

int rtc_connection_local_description(rtc_connection_t *c, rtc_conn_desc_t *out)
{
    int rc = ensure_cert(c);
    *out = c->local;
    return rc;
}

/* ---- timers ----------------------------------------------------------------------- */

static void arm(rtc_connection_t *c)
{
    uint64_t at = rtc_txn_next(&c->txns);
    if (c->connecting && c->have_remote && c->next_check < at)
        at = c->next_check;
    if (c->controlling && c->selected < 0 && c->nominate_at < at)
        at = c->nominate_at;
    if (c->consent_on) {
        if (c->consent_at < at)
            at = c->consent_at;
        if (c->consent_expire < at)
            at = c->consent_expire;
    }
    if (c->dtls && rtc_dtls_next_timeout(c->dtls) < at)
        at = rtc_dtls_next_timeout(c->dtls);
    c->s->env.set_timer(c->s->env.ctx, RTC_TIMER_CONNECTION, c, at);
}

/* ---- transactions ------------------------------------------------------------------ */

static tx_t *tx_at(const rtc_connection_t *c, size_t i)
{
    return (tx_t *)c->txns.v[i];
}

/* NULL (counted) if out of memory. */
static tx_t *tx_new(rtc_connection_t *c, tx_kind_t kind, StunMessage *m)
{
    tx_t *t = rtc_txn_new(&c->txns, sizeof *t, 160);   /* the longest check: 148 bytes (32-char ufrags) */
    if (!t) {
        nomem(c);
        return NULL;
    }
    t->kind = kind;
    rtc_txn_message(&c->txns, &t->txn, m, STUN_BINDING);
    return t;
}

static void tx_free(rtc_connection_t *c, tx_t *t)
{
    rtc_txn_free(&c->txns, &t->txn);
}

/* ---- gathering ------------------------------------------------------------------- */

#define NO_CAND ((size_t)-1)

/* The index of the local candidate, or NO_CAND (counted) if out of
 * memory. */
static size_t add_local(rtc_connection_t *c, rtc_cand_type_t type, const rtc_addr_t *addr,
                        const rtc_addr_t *base, uint32_t server_ip, size_t iface, bool active)
{
    for (size_t i = 0; i < c->nlc; i++)
        if (addr_eq(&c->lc[i].addr, addr) && addr_eq(&c->lc[i].base, base))
            return i;   /* RFC 8445 s.5.1.3: a redundant candidate is dropped */
    rtc_candidate_t *lc = rtc_mem_reserve(&c->s->env, c->lc, &c->lc_cap, c->nlc, sizeof *c->lc);
    if (lc)
        c->lc = lc;
    bool *act = lc ? rtc_mem_reserve(&c->s->env, c->lc_active, &c->lc_active_cap, c->nlc, sizeof *act) : NULL;
    if (!act) {
        nomem(c);
        return NO_CAND;
    }
    c->lc_active = act;
    rtc_candidate_t *l = &c->lc[c->nlc];
    memset(l, 0, sizeof *l);
    l->type = type;
    l->component = 1;
    /* s.5.1.2.1: local preference falls with the interface's rank */
    l->priority = rtc_candidate_priority(type, (uint16_t)(65535 - iface), 1);
    l->addr = *addr;
    l->base = *base;
    rtc_candidate_foundation(type, base->ip, server_ip, l->foundation);
    c->lc_active[c->nlc] = active;
    return c->nlc++;
}

static void maybe_end_of_candidates(rtc_connection_t *c)
{
    if (c->gathered)
        return;
    for (size_t i = 0; i < c->txns.n; i++)
        if (tx_at(c, i) && tx_at(c, i)->kind == TX_SERVER)
            return;
    for (size_t i = 0; i < c->s->nrelays; i++)
        if (c->s->relays[i].state == RELAY_ALLOCATING || c->s->relays[i].state == RELAY_IDLE)
            return;
    c->gathered = true;
    emit(c, RTC_ICE_END_OF_CANDIDATES, NULL, NULL);
}

static void gather(rtc_connection_t *c)
{
    rtc_socket_t *s = c->s;
    for (size_t i = 0; i < s->nlocals; i++) {
        size_t k = add_local(c, RTC_CAND_HOST, &s->locals[i], &s->locals[i], 0, i, false);
        if (k != NO_CAND)
            emit(c, RTC_ICE_CANDIDATE, &c->lc[k], NULL);
    }
    for (size_t i = 0; i < s->nlocals; i++)
        for (size_t j = 0; j < s->nstun; j++) {
            /* RFC 8489 s.12: an unauthenticated Binding request (with
             * FINGERPRINT, as the connection's agent adds to all) */
            StunMessage m;
            tx_t *t = tx_new(c, TX_SERVER, &m);
            if (!t)
                continue;       /* no srflx candidate from this server (counted) */
            t->local = i;
            int rc = rtc_txn_start(&c->txns, &t->txn, &m, NULL, 0, &s->locals[i], &s->stun[j], RTC_TXN_RTO);
            if (rc < 0) {
                /* a Binding request fits: only memory for another agent can be short */
                if (rc == RTC_ERR_NOMEM)
                    nomem(c);
                tx_free(c, t);
            }
        }
    /* relayed candidates: the socket's TURN allocations */
    rtc_turn_start(s);
    for (size_t i = 0; i < s->nrelays; i++)
        if (s->relays[i].state == RELAY_READY || s->relays[i].state == RELAY_FAILED)
            rtc_connection_relay_done(c, i);
    maybe_end_of_candidates(c);
}

void rtc_connection_relay_done(rtc_connection_t *c, size_t ri)
{
    if (c->closed)
        return;
    const rtc_relay_t *r = &c->s->relays[ri];
    if (c->gathered)
        return;     /* a relay that comes after the end of candidates waits for update() */
    if (r->state == RELAY_READY) {
        size_t before = c->nlc;
        /* RFC 8445 s.5.1.1.2: a relayed candidate is its own base */
        size_t k = add_local(c, RTC_CAND_RELAY, &r->relayed, &r->relayed, r->srv.addr.ip, 0, false);
        if (k == before)
            emit(c, RTC_ICE_CANDIDATE, &c->lc[k], NULL);
    } else if (r->state == RELAY_FAILED) {
        rtc_candidate_t srv = { .addr = r->srv.addr };
        rtc_ice_event_t *e = emit(c, RTC_ICE_TURN_ERROR, &srv, NULL);
        if (e)
            e->code = r->error;
    }
    maybe_end_of_candidates(c);
}

/* Drop the check list and the checks under way (an ICE restart). The
 * selected pair, if any, is kept: its candidates are copied out so consent
 * can go on until a new pair is nominated. */
static void forget_checks(rtc_connection_t *c);

/* ---- the check list ---------------------------------------------------------------- */

static uint64_t pair_prio(const rtc_connection_t *c, const pair_t *p)
{
    uint32_t l = c->lc[p->local].priority, r = c->rc[p->remote].priority;
    return c->controlling ? rtc_pair_priority(l, r) : rtc_pair_priority(r, l);
}

/* s.7.2.5.3.2: the valid pair a check produced has the local candidate at
 * the mapped address (srflx or prflx where the check's was the host base)
 * and is ranked by that candidate's priority, not by the checked pair's. */
static uint64_t valid_prio(const rtc_connection_t *c, const pair_t *p)
{
    uint32_t l = c->lc[p->valid_local].priority, r = c->rc[p->remote].priority;
    return c->controlling ? rtc_pair_priority(l, r) : rtc_pair_priority(r, l);
}

static long find_pair(const rtc_connection_t *c, size_t local, size_t remote)
{
    for (size_t i = 0; i < c->npairs; i++)
        if (c->pairs[i].local == local && c->pairs[i].remote == remote)
            return (long)i;
    return -1;
}

/* s.6.1.2.4: a pair whose local candidate is server-reflexive is replaced
 * by its base; duplicates are pruned. -1 (counted) if out of memory. */
static long add_pair(rtc_connection_t *c, size_t local, size_t remote)
{
    if (c->lc[local].type == RTC_CAND_SRFLX)
        for (size_t i = 0; i < c->nlc; i++)
            if (c->lc[i].type == RTC_CAND_HOST && addr_eq(&c->lc[i].addr, &c->lc[local].base)) {
                local = i;
                break;
            }
    long have = find_pair(c, local, remote);
    if (have >= 0)
        return have;
    pair_t *v = rtc_mem_reserve(&c->s->env, c->pairs, &c->pairs_cap, c->npairs, sizeof *v);
    if (!v) {
        nomem(c);
        return -1;
    }
    c->pairs = v;
    pair_t *p = &c->pairs[c->npairs];
    memset(p, 0, sizeof *p);
    p->local = local;
    p->remote = remote;
    /* s.6.1.2.6: the first pair of a foundation waits, the rest freeze */
    p->state = WAITING;
    for (size_t i = 0; i < c->npairs; i++)
        if (strcmp(c->lc[c->pairs[i].local].foundation, c->lc[local].foundation) == 0 &&
            strcmp(c->rc[c->pairs[i].remote].foundation, c->rc[remote].foundation) == 0)
            p->state = FROZEN;
    /* docs/decisions.md D40: a pair formed once one is nominated (a late
     * candidate, a peer-reflexive one) would have been removed at the
     * nomination (s.8.1.2), so it is born removed */
    if (c->selected >= 0)
        p->state = REMOVED;
    return (long)c->npairs++;
}

/* s.6.1.2.2: pairs of the same component; ours are all component 1
 * (RTP and RTCP multiplexed) */
static void pair_all(rtc_connection_t *c)
{
    for (size_t l = 0; l < c->nlc; l++)
        if (c->lc_active[l])
            for (size_t r = 0; r < c->nrc; r++)
                if (c->rc[r].component == c->lc[l].component)
                    add_pair(c, l, r);
}

/* Out of memory, the triggered check is dropped (counted): the pair is
 * checked in its turn instead. */
static void trigger(rtc_connection_t *c, size_t pair)
{
    for (size_t i = 0; i < c->ntrig; i++)
        if (c->triggered[i] == pair)
            return;
    size_t *v = rtc_mem_reserve(&c->s->env, c->triggered, &c->trig_cap, c->ntrig, sizeof *v);
    if (!v) {
        nomem(c);
        return;
    }
    c->triggered = v;
    c->triggered[c->ntrig++] = pair;
}

/* A pair whose check failed is no longer being nominated: the
 * controlling agent picks again (maybe_nominate; docs/decisions.md D42). */
static void fail_pair(rtc_connection_t *c, size_t pi)
{
    c->pairs[pi].state = FAILED;
    c->pairs[pi].nominating = false;
}

/* A role switch (s.7.2.5.1, s.7.3.1.1) ends a nomination decided in the
 * controlling role: a controlled agent does not nominate, and one that
 * becomes controlling again decides afresh (docs/decisions.md D42). */
static void set_role(rtc_connection_t *c, bool controlling)
{
    c->controlling = controlling;
    for (size_t i = 0; i < c->npairs; i++)
        c->pairs[i].nominating = false;
}

/* RFC 8445 s.14.3: RTO = MAX(500 ms, Ta * (Waiting + In-Progress pairs)),
 * so that retransmissions make room for the first checks of the rest. */
static uint64_t check_rto(const rtc_connection_t *c)
{
    uint64_t n = 0;
    for (size_t i = 0; i < c->npairs; i++)
        n += c->pairs[i].state == WAITING || c->pairs[i].state == IN_PROGRESS;
    return n * TA > RTC_TXN_RTO ? n * TA : RTC_TXN_RTO;
}

/* A check on pair pi, or with consent, a consent check on the pair in use. */
static void send_check(rtc_connection_t *c, size_t pi, bool use_candidate, bool consent)
{
    StunMessage m;
    tx_t *t = tx_new(c, TX_CHECK, &m);
    if (!t)
        return;     /* counted; the pair keeps its state, to be checked again */
    const rtc_candidate_t *l = consent ? &c->sel_local : &c->lc[c->pairs[pi].local];
    const rtc_candidate_t *r = consent ? &c->sel_remote : &c->rc[c->pairs[pi].remote];
    char user[2 * RTC_UFRAG_MAX + 2];
    snprintf(user, sizeof user, "%s:%s", c->remote.ufrag, c->local.ufrag);  /* s.7.2.2 */
    stun_message_append_string(&m, STUN_ATTRIBUTE_USERNAME, user);
    /* s.7.1.1: the priority a peer-reflexive candidate learnt from this
     * check would have */
    stun_message_append32(&m, STUN_ATTRIBUTE_PRIORITY,
                          rtc_candidate_priority(RTC_CAND_PRFLX, (uint16_t)(l->priority >> 8), 1));
    stun_message_append64(&m, c->controlling ? STUN_ATTRIBUTE_ICE_CONTROLLING : STUN_ATTRIBUTE_ICE_CONTROLLED, c->tie);
    if (use_candidate)
        stun_message_append_flag(&m, STUN_ATTRIBUTE_USE_CANDIDATE);
    t->pair = pi;
    t->use_candidate = use_candidate;
    t->consent = consent;
    /* consent checks are plain STUN transactions (RFC 7675 s.5.1) */
    uint64_t rto = consent ? RTC_TXN_RTO : check_rto(c);
    pair_state_t was = consent ? FROZEN : c->pairs[pi].state;    /* consent: no pair of the list */
    if (!consent)
        c->pairs[pi].state = IN_PROGRESS;
    /* the key is the remote password, which libnice's agent remembers by
     * pointer: c->remote lives as long as the connection */
    int rc = rtc_txn_start(&c->txns, &t->txn, &m, (const uint8_t *)c->remote.pwd, strlen(c->remote.pwd),
                           &l->base, &r->addr, rto);
    if (rc < 0) {
        tx_free(c, t);
        if (rc == RTC_ERR_NOMEM) {
            nomem(c);   /* no agent to remember it: not sent, to be tried again */
            if (!consent)
                c->pairs[pi].state = was;
        } else if (!consent) {
            fail_pair(c, pi);   /* the request does not fit: it never can */
        }
    }
}

/* One check per Ta: a triggered one, else the best Waiting pair, else the
 * best Frozen one (s.6.1.4.2). */
static void pace(rtc_connection_t *c)
{
    long best = -1;
    /* a pair that succeeded while it waited in the triggered queue (the
     * answer to the check s.7.3.1.4 cancelled came after all) needs no
     * new check: checking it again would have the peer, whose check on
     * it then finds it In-Progress, trigger one back, and so on, a check
     * each way every pacing step until nomination (D169); the check
     * that nominates it (s.8.1.1, queued here by maybe_nominate) still goes */
    while (c->ntrig && c->pairs[c->triggered[0]].state == SUCCEEDED &&
           !(c->controlling && c->pairs[c->triggered[0]].nominating))
        memmove(c->triggered, c->triggered + 1, --c->ntrig * sizeof *c->triggered);
    if (c->ntrig) {
        best = (long)c->triggered[0];
        memmove(c->triggered, c->triggered + 1, --c->ntrig * sizeof *c->triggered);
    } else {
        for (int want = WAITING; want >= FROZEN && best < 0; want--)
            for (size_t i = 0; i < c->npairs; i++)
                if ((int)c->pairs[i].state == want &&
                    (best < 0 || pair_prio(c, &c->pairs[i]) > pair_prio(c, &c->pairs[best])))
                    best = (long)i;
    }
    if (best >= 0) {
        pair_t *p = &c->pairs[best];
        /* s.8.1.1: the check that nominates carries USE-CANDIDATE, and so
         * does every check on the pair until one is answered
         * (docs/decisions.md D41): a triggered check that replaces a lost
         * nomination (s.7.3.1.4) nominates too, or the nomination would
         * wait for the cancelled check to be given up, Rm x RTO later */
        send_check(c, (size_t)best, c->controlling && p->nominating, false);
        c->last_paced = now(c);
        c->paced = true;
    }
    c->next_check = now(c) + TA;
}

/* Cancel the checks under way on pair pi: no more retransmissions and no
 * failure on timeout, but a response that comes within the transaction's
 * timeout is still taken (s.7.3.1.4's definition, which s.8.1.2 uses). */
static void cancel_checks(rtc_connection_t *c, size_t pi)
{
    for (size_t i = 0; i < c->txns.n; i++) {
        tx_t *t = tx_at(c, i);
        if (t && t->kind == TX_CHECK && t->pair == pi && !t->consent)
            rtc_txn_cancel(&c->txns, &t->txn);
    }
}

/* RFC 8445 s.8.1.2: once a pair is nominated for a component, "the agent
 * MUST remove all the Waiting and Frozen candidate pairs for the same
 * component from the checklist and from the triggered-check queue", and
 * for an In-Progress pair of lower priority than the nominated one it
 * "SHOULD cease retransmissions for its check". Higher-priority checks go
 * on (they may still succeed; the nomination stands either way). All our
 * pairs are component 1. */
static void end_checks(rtc_connection_t *c)
{
    const pair_t *sel = &c->pairs[c->selected];
    uint64_t nominated = sel->state == SUCCEEDED ? valid_prio(c, sel) : pair_prio(c, sel);
    for (size_t i = 0; i < c->npairs; i++) {
        pair_t *p = &c->pairs[i];
        if ((long)i == c->selected)
            continue;
        if (p->state == WAITING || p->state == FROZEN)
            p->state = REMOVED;
        else if (p->state == IN_PROGRESS && pair_prio(c, p) < nominated)
            cancel_checks(c, i);
    }
    c->ntrig = 0;
}

static void transport_changed(rtc_connection_t *c);

static void select_pair(rtc_connection_t *c, size_t pi)
{
    if (c->selected == (long)pi)
        return;
    c->selected = (long)pi;
    c->nominate_at = RTC_TIME_NEVER;
    pair_t *p = &c->pairs[pi];
    c->sel_local = c->lc[p->state == SUCCEEDED ? p->valid_local : p->local];
    c->sel_remote = c->rc[p->remote];
    c->consent_on = true;
    end_checks(c);
    emit(c, RTC_ICE_ACTIVE_CANDIDATE, &c->sel_local, &c->sel_remote);
    if (!c->connected) {
        c->connected = true;
        emit(c, RTC_ICE_CONNECTED, NULL, NULL);
    }
    uint8_t r;
    random_bytes(c, &r, 1);
    c->consent_at = now(c) + CONSENT_INTERVAL * (80 + r % 41) / 100;   /* RFC 7675 s.5.1 */
    c->consent_expire = now(c) + CONSENT_TIMEOUT;
    transport_changed(c);
}

static void disconnect(rtc_connection_t *c)
{
    c->selected = -1;
    c->nominate_at = RTC_TIME_NEVER;
    c->consent_on = false;
    /* nothing more goes to the peer (RFC 7675 s.5.1: once consent is
     * lost the agent stops sending): consent checks under way stop */
    for (size_t i = 0; i < c->txns.n; i++)
        if (tx_at(c, i) && tx_at(c, i)->kind == TX_CHECK && tx_at(c, i)->consent)
            tx_free(c, tx_at(c, i));
    c->connecting = false;
    if (c->connected) {
        c->connected = false;
        emit(c, RTC_ICE_DISCONNECTED, NULL, NULL);
        transport_changed(c);
    }
}

void rtc_connection_address_lost(rtc_connection_t *c, const rtc_addr_t *addr)
{
    if (c->closed)
        return;
    if (c->consent_on && addr_eq(&c->sel_local.base, addr)) {
        disconnect(c);
        arm(c);
    }
}

/* The controlling agent nominates the best valid pair once no pair
 * that would rank above it can still succeed, or once a valid pair has
 * waited NOMINATION_WAIT for a better one (s.8.1.1 leaves the criteria to
 * the agent; a pair that ranks higher may take 39.5 s to fail). */
static void maybe_nominate(rtc_connection_t *c)
{
    if (!c->controlling || c->selected >= 0)
        return;
    long best = -1;
    for (size_t i = 0; i < c->npairs; i++)
        if (c->pairs[i].state == SUCCEEDED &&
            (best < 0 || valid_prio(c, &c->pairs[i]) > valid_prio(c, &c->pairs[best])))
            best = (long)i;
    if (best < 0 || c->pairs[best].nominated) {
        c->nominate_at = RTC_TIME_NEVER;    /* nothing to nominate, or done */
        return;
    }
    if (c->nominate_at == RTC_TIME_NEVER)
        c->nominate_at = now(c) + NOMINATION_WAIT;
    if (now(c) < c->nominate_at)
        for (size_t i = 0; i < c->npairs; i++)
            if ((c->pairs[i].state == WAITING || c->pairs[i].state == IN_PROGRESS ||
                 c->pairs[i].state == FROZEN) && pair_prio(c, &c->pairs[i]) > valid_prio(c, &c->pairs[best]))
                return;
    c->nominate_at = RTC_TIME_NEVER;
    for (size_t i = 0; i < c->npairs; i++)
        if (c->pairs[i].nominating)
            return;     /* a nomination is under way */
    /* s.8.1.1: "it repeats the connectivity check that produced this
     * valid pair (by enqueuing the pair that generated the check into the
     * triggered-check queue), this time with the USE-CANDIDATE attribute" */
    c->pairs[best].nominating = true;
    trigger(c, (size_t)best);
}

static void all_failed_check(rtc_connection_t *c)
{
    if (!c->connecting || c->npairs == 0 || c->selected >= 0 || c->consent_on)
        return;
    for (size_t i = 0; i < c->npairs; i++)
        if (c->pairs[i].state != FAILED)
            return;
    for (size_t i = 0; i < c->txns.n; i++)
        if (tx_at(c, i) && tx_at(c, i)->kind == TX_CHECK)
            return;
    c->connected = true;    /* so that disconnect() reports it */
    disconnect(c);
}

/* ---- incoming -------------------------------------------------------------------------- */

static bool password(void *arg, const uint8_t *user, size_t len, const uint8_t **pw, size_t *pwlen)
{
    rtc_connection_t *c = arg;
    size_t n = strlen(c->local.ufrag);
    if (len <= n || memcmp(user, c->local.ufrag, n) != 0 || user[n] != ':')
        return false;
    *pw = (const uint8_t *)c->local.pwd;
    *pwlen = strlen(c->local.pwd);
    return true;
}

/* The local candidate a datagram arrived on: a host one, or a relayed
 * one (the socket unwraps what its TURN server relays). */
static size_t local_of(rtc_connection_t *c, const rtc_addr_t *addr)
{
    for (size_t i = 0; i < c->nlc; i++)
        if ((c->lc[i].type == RTC_CAND_HOST || c->lc[i].type == RTC_CAND_RELAY) &&
            addr_eq(&c->lc[i].addr, addr))
            return i;
    return (size_t)-1;
}

static void on_request(rtc_connection_t *c, StunMessage *req, const rtc_addr_t *local,
                       const rtc_addr_t *from)
{
    struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons(from->port),
                               .sin_addr.s_addr = htonl(from->ip) };
    uint8_t out[512];
    size_t len = sizeof out;
    StunMessage resp;
    bool control = c->controlling;
    StunUsageIceReturn r = stun_usage_ice_conncheck_create_reply(
        rtc_stun_pool_agent(&c->s->ice_agents), req, &resp, out, &len, (struct sockaddr_storage *)&src, sizeof src, &control,
        c->tie, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
    if (len)    /* finished by libnice, with the request's key */
        rtc_socket_send(c->s, local, from, out, len);
    if (r == STUN_USAGE_ICE_RETURN_ROLE_CONFLICT && control == c->controlling)
        return;     /* we kept our role and answered 487 (s.7.3.1.1) */
    if (r != STUN_USAGE_ICE_RETURN_SUCCESS && r != STUN_USAGE_ICE_RETURN_ROLE_CONFLICT)
        return;
    if (control != c->controlling)
        set_role(c, control);
    if (!c->have_remote)
        return;     /* answered; checks wait for the remote description */
    size_t l = local_of(c, local);
    if (l == (size_t)-1)
        return;
    /* s.7.3.1.3: an unknown source is a peer-reflexive remote candidate */
    size_t rix = c->nrc;
    for (size_t i = 0; i < c->nrc; i++)
        if (addr_eq(&c->rc[i].addr, from))
            rix = i;
    if (rix == c->nrc) {
        rtc_candidate_t *v = rtc_mem_reserve(&c->s->env, c->rc, &c->rc_cap, c->nrc, sizeof *v);
        if (!v) {
            nomem(c);   /* answered; the peer-reflexive candidate waits for its next check */
            return;
        }
        c->rc = v;
        rtc_candidate_t *rc = &c->rc[c->nrc++];
        memset(rc, 0, sizeof *rc);
        rc->type = RTC_CAND_PRFLX;
        rc->component = 1;
        rc->priority = stun_usage_ice_conncheck_priority(req);
        rc->addr = *from;
        rc->base = *from;
        rtc_candidate_foundation(RTC_CAND_PRFLX, from->ip, 0, rc->foundation);
    }
    if (!c->lc_active[l])
        return;     /* s.7.3.1.4 wants a triggered check; the spec wants setLocalCandidate first */
    long pi = add_pair(c, l, rix);
    if (pi < 0)
        return;     /* out of memory (counted): answered, no triggered check */
    pair_t *p = &c->pairs[pi];
    bool use = stun_usage_ice_conncheck_use_candidate(req);
    if (use && !c->controlling) {
        /* s.7.3.1.5: nominated now if the pair has succeeded, else when a
         * check of it succeeds: the one In-Progress (cancelled below, but
         * its answer is still taken) or the triggered one */
        if (p->state == SUCCEEDED) {
            p->nominated = true;
            select_pair(c, (size_t)pi);
        } else {
            p->nominate_next = true;
        }
    }
    /* docs/decisions.md D40: once a pair is nominated, a check on another
     * pair is answered (above) but triggers no check: s.8.1.2 ended the
     * checks of the component, and a triggered check would start again
     * what it ended */
    if (c->selected >= 0 && pi != c->selected)
        return;
    if (p->state == IN_PROGRESS) {
        /* s.7.3.1.4: cancel the check under way (it may still be answered)
         * and check again at once */
        cancel_checks(c, (size_t)pi);
        p->state = WAITING;
    }
    if (p->state != SUCCEEDED)
        trigger(c, (size_t)pi);
    if (!c->connecting)
        return;
    /* The triggered check goes at once rather than at the next Ta tick
     * (s.6.1.4.2): one check early, to answer a peer that is already
     * checking without adding up to 50 ms; but never within s.14.2's 5 ms
     * of the check sent last (found by rtcsim lint's ice.pacing, D169). */
    uint64_t at = now(c);
    if (c->paced && at < c->last_paced + TA_FLOOR)
        at = c->last_paced + TA_FLOOR;
    if (c->next_check > at)
        c->next_check = at;
}

static void on_check_response(rtc_connection_t *c, tx_t *t, StunMessage *m, const rtc_addr_t *local,
                              const rtc_addr_t *from)
{
    size_t pi = t->pair;
    bool consent = t->consent, use = t->use_candidate;
    rtc_addr_t sent_to = t->txn.to, sent_from = t->txn.from;
    tx_free(c, t);
    bool same_path = addr_eq(from, &sent_to) && addr_eq(local, &sent_from);
    if (consent) {
        /* RFC 7675 s.5.1: an answer on the same path renews consent */
        if (same_path && stun_message_get_class(m) == STUN_RESPONSE)
            c->consent_expire = now(c) + CONSENT_TIMEOUT;
        return;
    }
    pair_t *p = &c->pairs[pi];
    /* s.7.2.5.2.1: the response must come back on the same 5-tuple */
    if (!same_path) {
        fail_pair(c, pi);
        maybe_nominate(c);  /* D42: a nomination that failed is made again */
        return;
    }
    if (stun_message_get_class(m) == STUN_ERROR) {
        int code = 0;
        stun_message_find_error(m, &code);
        if (code == STUN_ERROR_ROLE_CONFLICT) {
            /* s.7.2.5.1: switch role, check again */
            set_role(c, !c->controlling);
            p->state = WAITING;
            trigger(c, pi);
        } else {
            fail_pair(c, pi);
            maybe_nominate(c);
        }
        return;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    rtc_addr_t mapped = sent_from;
    if (stun_usage_ice_conncheck_process(m, &ss, &sl, STUN_USAGE_ICE_COMPATIBILITY_RFC5245) ==
            STUN_USAGE_ICE_RETURN_SUCCESS && ss.ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
        mapped.ip = ntohl(in->sin_addr.s_addr);
        mapped.port = ntohs(in->sin_port);
    }
    /* s.7.2.5.3.1: a mapped address we do not know is a peer-reflexive
     * local candidate, active as its base is; s.7.2.5.3.2: the valid
     * pair's local candidate is the one at the mapped address */
    size_t valid = c->nlc;
    for (size_t i = 0; i < c->nlc && valid == c->nlc; i++)
        if (addr_eq(&c->lc[i].addr, &mapped) && addr_eq(&c->lc[i].base, &sent_from))
            valid = i;
    if (valid == c->nlc)
        valid = add_local(c, RTC_CAND_PRFLX, &mapped, &sent_from, 0, 0, true);
    if (valid == NO_CAND) {
        p->state = FAILED;  /* no memory for its valid pair: the check's result is lost (counted) */
        maybe_nominate(c);
        return;
    }
    p->valid_local = valid;
    p->state = SUCCEEDED;
    /* s.7.2.5.3.3: unfreeze the pairs of the same foundation */
    for (size_t i = 0; i < c->npairs; i++)
        if (c->pairs[i].state == FROZEN &&
            strcmp(c->lc[c->pairs[i].local].foundation, c->lc[p->local].foundation) == 0)
            c->pairs[i].state = WAITING;
    if ((use && c->controlling) || (!c->controlling && p->nominate_next)) {
        p->nominated = true;
        p->nominating = false;
        select_pair(c, pi);
    }
    maybe_nominate(c);
}

static void on_server_response(rtc_connection_t *c, tx_t *t, StunMessage *m)
{
    size_t iface = t->local;
    rtc_addr_t base = t->txn.from, server = t->txn.to;
    tx_free(c, t);
    rtc_addr_t mapped;
    if (stun_message_get_class(m) == STUN_RESPONSE && rtc_stun_get_xor(m, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &mapped) == 0) {
        size_t before = c->nlc;
        size_t k = add_local(c, RTC_CAND_SRFLX, &mapped, &base, server.ip, iface, false);
        if (k == before)
            emit(c, RTC_ICE_CANDIDATE, &c->lc[k], NULL);
        /* s.5.1.3: without a NAT the server-reflexive address is the host
         * one; it is redundant and not signalled */
    }
    maybe_end_of_candidates(c);
}

void rtc_connection_handle_stun(rtc_connection_t *c, const rtc_addr_t *local, const rtc_addr_t *from,
                                const uint8_t *data, size_t len)
{
    if (c->closed) {
        unsigned k = (data[0] & 0x01) << 1 | (data[1] & 0x10) >> 4;
        c->s->st.ignored[k <= 1 ? RTC_STUN_UNAUTHENTICATED : RTC_STUN_UNMATCHED]++;   /* as for no connection */
        return;
    }
    StunMessage m;
    unsigned cls = (data[0] & 0x01) << 1 | (data[1] & 0x10) >> 4;
    tx_t *t = cls >= 2 ? (tx_t *)rtc_txn_find(&c->txns, data) : NULL;
    if (cls >= 2 && !t) {
        c->s->st.ignored[RTC_STUN_UNMATCHED]++;
        return;
    }
    /* a response, against the request libnice's agent remembered with its
     * key; a request, with the password of the USERNAME it names */
    rtc_stun_check_t v = t ? rtc_txn_validate(&c->txns, &t->txn, &m, data, len)
                           : rtc_stun_validate(rtc_stun_pool_agent(&c->s->ice_agents), &m, data, len, password, c);
    if (v != RTC_STUN_VALID) {
        c->s->st.ignored[v]++;
        return;
    }
    if (cls == 0)
        on_request(c, &m, local, from);
    else if (t && t->kind == TX_SERVER)
        on_server_response(c, t, &m);
    else if (t)
        on_check_response(c, t, &m, local, from);
    arm(c);
}

static void dtls_progress(rtc_connection_t *c);

void rtc_connection_handle_timeout(rtc_connection_t *c)
{
    if (c->closed)
        return;     /* a late expiry: the timer was disarmed */
    uint64_t t0 = now(c);
    rtc_txn_t *x;
    for (size_t cur = 0; (x = rtc_txn_poll(&c->txns, t0, &cur));) {
        /* RFC 8489 s.6.2.1: the transaction has failed */
        tx_t *t = (tx_t *)x;
        if (t->kind == TX_SERVER) {
            tx_free(c, t);
            maybe_end_of_candidates(c);
        } else {
            if (!t->consent && !t->txn.cancelled)
                fail_pair(c, t->pair);
            tx_free(c, t);
            maybe_nominate(c);
        }
    }
    if (c->controlling && c->selected < 0 && c->nominate_at <= t0)
        maybe_nominate(c);
    if (c->connecting && c->have_remote && c->next_check <= t0)
        pace(c);
    if (c->consent_on && c->consent_expire <= t0) {
        disconnect(c);      /* RFC 7675 s.5.1: consent lost */
    } else if (c->consent_on && c->consent_at <= t0) {
        send_check(c, 0, false, true);
        uint8_t r;
        random_bytes(c, &r, 1);
        c->consent_at = t0 + CONSENT_INTERVAL * (80 + r % 41) / 100;
    }
    all_failed_check(c);
    if (c->dtls && rtc_dtls_next_timeout(c->dtls) <= t0) {
        rtc_dtls_handle_timeout(c->dtls);
        dtls_progress(c);
    }
    arm(c);
}

/* ---- the API ------------------------------------------------------------------------ */

static int check_desc(const rtc_conn_desc_t *d, char *err, size_t errlen)
{
    /* RFC 8445 s.5.3: ufrag 4-256 and password 22-256 ice-chars (bounded
     * here by the description's buffers) */
    size_t u = strlen(d->ufrag), p = strlen(d->pwd);
    if (!d->id[0]) {
        snprintf(err, errlen, "connection-id must not be empty");
        return -1;
    }
    if (u < 4 || strspn(d->ufrag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != u) {
        snprintf(err, errlen, "usefrag '%s' must be at least 4 letters, digits, '+' or '/' (RFC 8445 s.5.3)", d->ufrag);
        return -1;
    }
    if (p < 22 || strspn(d->pwd, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != p) {
        snprintf(err, errlen, "secret must be at least 22 letters, digits, '+' or '/' (RFC 8445 s.5.3)");
        return -1;
    }
    if (d->nfingerprints > RTC_FP_MAX) {
        snprintf(err, errlen, "fingerprints: at most %d", RTC_FP_MAX);
        return -1;
    }
    for (size_t i = 0; i < d->nfingerprints; i++) {
        char why[200];
        if (rtc_fingerprint_check(d->fingerprints[i], why, sizeof why) < 0) {
            snprintf(err, errlen, "fingerprints[%zu]: %s", i + 1, why);
            return -1;
        }
    }
    return 0;
}

/* RFC 8122 s.5: hash-func SP fingerprint, the fingerprint upper-case hex
 * pairs joined by colons (lower case accepted, as browsers do); the
 * length is the hash's. RFC 8122 s.5 names md2 and md5 too, but forbids
 * their use since RFC 8122 (s.5: "MUST NOT"), so they are refused. */
int rtc_fingerprint_check(const char *f, char *err, size_t errlen)
{
    static const struct { const char *name; size_t bytes; } hashes[] = {
        { "sha-1", 20 }, { "sha-224", 28 }, { "sha-256", 32 }, { "sha-384", 48 }, { "sha-512", 64 },
    };
    const char *sp = strchr(f, ' ');
    size_t hn = sp ? (size_t)(sp - f) : 0, bytes = 0;
    for (size_t i = 0; i < sizeof hashes / sizeof *hashes; i++)
        if (strlen(hashes[i].name) == hn && strncasecmp(hashes[i].name, f, hn) == 0)
            bytes = hashes[i].bytes;
    if (!sp || !bytes) {
        snprintf(err, errlen, "'%.40s' is not \"hash HEX:HEX...\" with hash sha-1, sha-224, sha-256, "
                              "sha-384 or sha-512 (RFC 8122 s.5)", f);
        return -1;
    }
    const char *h = sp + 1;
    if (strlen(h) != bytes * 3 - 1) {
        snprintf(err, errlen, "'%.40s...': a %.*s fingerprint is %zu hex pairs joined by ':' (RFC 8122 s.5)",
                 f, (int)hn, f, bytes);
        return -1;
    }
    for (size_t i = 0; h[i]; i++) {
        bool ok = i % 3 == 2 ? h[i] == ':' : isxdigit((unsigned char)h[i]) != 0;
        if (!ok) {
            snprintf(err, errlen, "'%.40s...': character %zu of the fingerprint is '%c', expected %s "
                                  "(RFC 8122 s.5)", f, hn + 2 + i, h[i], i % 3 == 2 ? "':'" : "a hex digit");
            return -1;
        }
    }
    return 0;
}

rtc_connection_t *rtc_connection_new(rtc_socket_t *s, const rtc_conn_desc_t *remote, void *opaque,
                                     rtc_status_t *st, char *err, size_t errlen)
{
    if (st)
        *st = RTC_ERR_INVALID;
    if (remote && check_desc(remote, err, errlen) < 0)
        return NULL;
    if (st)
        *st = RTC_ERR_NOMEM;
    /* the socket's table doubles: a socket may have many connections, and
     * growing it by one would copy it O(n^2) */
    rtc_connection_t **conns = s->conns;
    if (s->nconns == s->conns_cap) {
        size_t cap = s->conns_cap ? 2 * s->conns_cap : 4;
        conns = rtc_mem_realloc(&s->env, s->conns, s->conns_cap * sizeof *conns, cap * sizeof *conns);
        if (conns) {
            s->conns = conns;
            s->conns_cap = cap;
        }
    }
    rtc_connection_t *c = conns ? rtc_mem_alloc(&s->env, sizeof *c) : NULL;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    uint64_t before = s->st.nomem;
    c->s = s;
    c->opaque = opaque;     /* before gathering arms the first timer (rtc_env.h) */
    c->selected = -1;
    c->nominate_at = RTC_TIME_NEVER;
    c->serial = (uint32_t)s->nconns;
    rtc_txn_table_init(&c->txns, s, c->serial, &s->ice_agents);
    s->conns[s->nconns++] = c;
    c->offerer = remote == NULL;
    c->controlling = c->offerer;    /* the spec's offerer is the controlling agent */
    random_bytes(c, &c->tie, sizeof c->tie);
    if (remote) {
        c->remote = *remote;
        c->have_remote = true;
        snprintf(c->local.id, sizeof c->local.id, "%s", remote->id);
    } else {
        random_ice_chars(c, c->local.id, 16);
    }
    make_ufrag(c);
    random_ice_chars(c, c->local.pwd, 24);
    gather(c);
    if (drops_since(c, before, err, errlen) < 0) {
        /* a connection that could not gather all it has is not made: the
         * caller gets no half of one (its serial stays unused) */
        rtc_connection_free(c);
        return NULL;
    }
    arm(c);
    if (st)
        *st = RTC_OK;
    return c;
}

void rtc_connection_free(rtc_connection_t *c)
{
    if (!c)
        return;
    c->s->env.set_timer(c->s->env.ctx, RTC_TIMER_CONNECTION, c, RTC_TIME_NEVER);
    c->s->conns[c->serial] = NULL;
    rtc_dtls_free(c->dtls);
    rtc_dtls_cert_free(c->cert);
    const rtc_env_t *env = &c->s->env;
    rtc_mem_free(env, c->lc, c->lc_cap * sizeof *c->lc);
    rtc_mem_free(env, c->lc_active, c->lc_active_cap * sizeof *c->lc_active);
    rtc_mem_free(env, c->rc, c->rc_cap * sizeof *c->rc);
    rtc_mem_free(env, c->pairs, c->pairs_cap * sizeof *c->pairs);
    rtc_mem_free(env, c->triggered, c->trig_cap * sizeof *c->triggered);
    rtc_mem_free(env, c->ev, c->ev_cap * sizeof *c->ev);
    rtc_txn_table_clear(&c->txns);
    rtc_mem_free(env, c, sizeof *c);
}

int rtc_connection_set_remote_description(rtc_connection_t *c, const rtc_conn_desc_t *d, char *err,
                                          size_t errlen)
{
    if (c->closed) {
        snprintf(err, errlen, "RTCConnection '%s' is closed (its RTCMediaSession closed it)", c->local.id);
        return RTC_ERR_INVALID;
    }
    /* The spec: "This method must be only used by the offerer peer." The
     * answerer takes its remote description at construction; after that
     * it may take only a restarted one (new usefrag), which is how it
     * learns of the offerer's update() (docs/decisions.md). */
    bool restart = c->have_remote && strcmp(d->ufrag, c->remote.ufrag) != 0;
    if (!c->offerer && !restart) {
        snprintf(err, errlen, "setRemoteDescription is for the offerer only: this connection was "
                              "made with the remote description (an answerer takes only a "
                              "restarted one, with a new usefrag)");
        return -1;
    }
    if (check_desc(d, err, errlen) < 0)
        return -1;
    if (strcmp(d->id, c->local.id) != 0) {
        snprintf(err, errlen, "connection-id '%s' is not this connection's ('%s')", d->id, c->local.id);
        return -1;
    }
    if (restart) {
        /* RFC 8445 s.9: the remote side restarted; its candidates and the
         * pairs made with them belong to the old generation */
        forget_checks(c);
        c->nrc = 0;
    }
    c->remote = *d;
    c->have_remote = true;
    return 0;
}

int rtc_connection_set_local_candidate(rtc_connection_t *c, const rtc_candidate_t *cand, char *err,
                                       size_t errlen)
{
    if (c->closed) {
        snprintf(err, errlen, "RTCConnection '%s' is closed (its RTCMediaSession closed it)", c->local.id);
        return RTC_ERR_INVALID;
    }
    for (size_t i = 0; i < c->nlc; i++)
        if (addr_eq(&c->lc[i].addr, &cand->addr) && c->lc[i].type == cand->type &&
            c->lc[i].priority == cand->priority) {
            uint64_t before = c->s->st.nomem;
            if (!c->lc_active[i]) {
                c->lc_active[i] = true;
                if (c->connecting)
                    pair_all(c);
            }
            return drops_since(c, before, err, errlen);
        }
    snprintf(err, errlen, "not a candidate this connection gathered (setLocalCandidate takes "
                          "what oncandidate gave)");
    return -1;
}

int rtc_connection_set_remote_candidate(rtc_connection_t *c, const rtc_candidate_t *cand, char *err,
                                        size_t errlen)
{
    if (c->closed) {
        snprintf(err, errlen, "RTCConnection '%s' is closed (its RTCMediaSession closed it)", c->local.id);
        return RTC_ERR_INVALID;
    }
    if (rtc_candidate_check(cand, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < c->nrc; i++)
        if (addr_eq(&c->rc[i].addr, &cand->addr) && c->rc[i].component == cand->component) {
            /* s.7.3.1.3 / RFC 8838 s.11.4: a signalled candidate replaces
             * the peer-reflexive one learnt for the same address */
            if (c->rc[i].type == RTC_CAND_PRFLX)
                c->rc[i] = *cand;
            return 0;
        }
    rtc_candidate_t *v = rtc_mem_reserve(&c->s->env, c->rc, &c->rc_cap, c->nrc, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory (the remote candidate)");
        return RTC_ERR_NOMEM;
    }
    c->rc = v;
    c->rc[c->nrc++] = *cand;
    uint64_t before = c->s->st.nomem;
    if (c->connecting) {
        pair_all(c);
        arm(c);
    }
    return drops_since(c, before, err, errlen);
}

static void forget_checks(rtc_connection_t *c)
{
    for (size_t i = 0; i < c->txns.n; i++)
        if (tx_at(c, i) && tx_at(c, i)->kind == TX_CHECK && !tx_at(c, i)->consent)
            tx_free(c, tx_at(c, i));
    c->npairs = 0;
    c->ntrig = 0;
    c->selected = -1;
    c->nominate_at = RTC_TIME_NEVER;
}

int rtc_connection_update(rtc_connection_t *c, char *err, size_t errlen)
{
    if (c->closed) {
        snprintf(err, errlen, "RTCConnection '%s' is closed (its RTCMediaSession closed it)", c->local.id);
        return RTC_ERR_INVALID;
    }
    uint64_t before = c->s->st.nomem;
    make_ufrag(c);
    random_ice_chars(c, c->local.pwd, 24);
    forget_checks(c);
    c->nlc = 0;
    c->gathered = false;
    for (size_t i = 0; i < c->txns.n; i++)
        if (tx_at(c, i) && tx_at(c, i)->kind == TX_SERVER)
            tx_free(c, tx_at(c, i));
    c->connecting = false;
    c->restarting = true;
    gather(c);
    arm(c);
    return drops_since(c, before, err, errlen);
}

int rtc_connection_connect(rtc_connection_t *c, char *err, size_t errlen)
{
    if (c->closed) {
        snprintf(err, errlen, "RTCConnection '%s' is closed (its RTCMediaSession closed it)", c->local.id);
        return RTC_ERR_INVALID;
    }
    if (c->connecting || (c->connected && !c->restarting)) {
        snprintf(err, errlen, "connect() was already called");
        return -1;
    }
    uint64_t before = c->s->st.nomem;
    c->connecting = true;
    c->restarting = false;
    pair_all(c);
    c->next_check = now(c);
    arm(c);
    return drops_since(c, before, err, errlen);
}

/* ---- the media plane's transport: DTLS-SRTP over the pair in use (ice.h) ---------- */

bool rtc_connection_is_connected(const rtc_connection_t *c)
{
    return c->connected && c->selected >= 0;
}

rtc_dtls_phase_t rtc_connection_dtls_phase(const rtc_connection_t *c)
{
    return c->phase;
}

void rtc_connection_transport_stats(const rtc_connection_t *c, rtc_transport_stats_t *st)
{
    *st = c->tst;
    if (c->dtls)
        st->dtls_ignored += rtc_dtls_ignored(c->dtls);
}

static void notify(rtc_connection_t *c)
{
    if (c->has_link && c->link.on_change)
        c->link.on_change(c->link.user, c);
}

/* DTLS records go over the pair in use, wherever it is now (RFC 8445
 * s.12: a change of pair keeps the association). */
static void dtls_out(void *user, const uint8_t *data, size_t len)
{
    rtc_connection_t *c = user;
    if (c->selected >= 0)
        rtc_socket_send(c->s, &c->sel_local.base, &c->sel_remote.addr, data, len);
}

static void dtls_fail(rtc_connection_t *c, const char *why)
{
    c->phase = RTC_DTLS_PHASE_FAILED;
    rtc_ice_event_t *e = emit(c, RTC_ICE_DTLS_FAILED, NULL, NULL);
    if (e)
        snprintf(e->text, sizeof e->text, "%s", why);
    notify(c);
}

/* After every input to the endpoint: the handshake may have ended. */
static void dtls_progress(rtc_connection_t *c)
{
    if (c->phase != RTC_DTLS_PHASE_HANDSHAKE)
        return;
    rtc_dtls_state_t ds = rtc_dtls_state(c->dtls);
    if (ds == RTC_DTLS_FAILED) {
        char why[160];
        snprintf(why, sizeof why, "DTLS: %s", rtc_dtls_failure(c->dtls));
        dtls_fail(c, why);
        return;
    }
    if (ds != RTC_DTLS_CONNECTED)
        return;
    /* RFC 5763 s.5 / RFC 8122 s.5: the certificate the peer presented must
     * match a fingerprint its description signalled; else no media */
    bool ok = false;
    for (size_t i = 0; i < c->remote.nfingerprints && !ok; i++)
        ok = rtc_dtls_peer_matches(c->dtls, c->remote.fingerprints[i]);
    if (!ok) {
        char why[160];
        if (!c->remote.nfingerprints)
            snprintf(why, sizeof why, "the remote description signalled no fingerprint (RFC 5763 s.5)");
        else
            snprintf(why, sizeof why, "the peer's certificate matches none of the %zu fingerprints "
                                      "signalled (RFC 5763 s.5)", c->remote.nfingerprints);
        dtls_fail(c, why);
        return;
    }
    c->phase = RTC_DTLS_PHASE_UP;
    rtc_ice_event_t *e = emit(c, RTC_ICE_DTLS_CONNECTED, NULL, NULL);
    if (e)
        snprintf(e->text, sizeof e->text, "%s", rtc_dtls_srtp_profile(c->dtls));
    notify(c);
}

/* The endpoint, once media is attached and there is a pair to run it on.
 * RFC 8842 s.5.3: the answerer's a=setup:active makes it the DTLS client. */
static void dtls_begin(rtc_connection_t *c)
{
    if (c->dtls || !c->has_link || c->selected < 0 || c->phase == RTC_DTLS_PHASE_FAILED)
        return;
    if (ensure_cert(c) < 0) {
        nomem(c);           /* tried again at the next change of the transport */
        return;
    }
    rtc_dtls_role_t role = c->offerer ? RTC_DTLS_SERVER : RTC_DTLS_CLIENT;
    rtc_dtls_status_t ds = rtc_dtls_new(&c->s->env, role, c->cert,
                                        c->s->srtp_profiles[0] ? c->s->srtp_profiles : NULL,
                                        dtls_out, c, &c->dtls);
    if (ds != RTC_DTLS_OK) {
        if (ds == RTC_DTLS_ERR_NOMEM)
            nomem(c);       /* tried again at the next change of the transport */
        else
            dtls_fail(c, "no DTLS endpoint: OpenSSL refused it");
        return;
    }
    c->phase = RTC_DTLS_PHASE_HANDSHAKE;
    if (role == RTC_DTLS_CLIENT)
        rtc_dtls_start(c->dtls);
    dtls_progress(c);
}

static void transport_changed(rtc_connection_t *c)
{
    dtls_begin(c);
    notify(c);
}

int rtc_connection_attach_media(rtc_connection_t *c, const rtc_media_link_t *link, char *err,
                                size_t errlen)
{
    if (!link) {
        c->has_link = false;
        memset(&c->link, 0, sizeof c->link);
        return 0;
    }
    if (c->has_link) {
        snprintf(err, errlen, "connection '%s' already carries a media session", c->local.id);
        return RTC_ERR_INVALID;
    }
    if (c->closed) {
        snprintf(err, errlen, "RTCConnection '%s' is closed", c->local.id);
        return RTC_ERR_INVALID;
    }
    c->link = *link;
    c->has_link = true;
    uint64_t before = c->s->st.nomem;
    dtls_begin(c);
    arm(c);
    return drops_since(c, before, err, errlen);
}

int rtc_connection_srtp_keys(const rtc_connection_t *c, const char **profile, uint8_t *out, size_t len,
                             bool *is_client)
{
    if (c->phase != RTC_DTLS_PHASE_UP)
        return RTC_ERR_INVALID;
    *profile = rtc_dtls_srtp_profile(c->dtls);
    *is_client = !c->offerer;
    if (len == 0)
        return 0;       /* the profile only: it says how long the keys are */
    return rtc_dtls_srtp_keys(c->dtls, out, len) == RTC_DTLS_OK ? 0 : RTC_ERR_INVALID;
}

rtc_send_status_t rtc_connection_send_media(rtc_connection_t *c, const uint8_t *data, size_t len,
                                            const uint8_t *plain, size_t plain_len)
{
    if (c->selected < 0)
        return RTC_SEND_FAILED;
    return rtc_socket_send_twin(c->s, &c->sel_local.base, &c->sel_remote.addr, data, len, plain,
                                plain_len);
}

/* RFC 8445 s.12.2: media is accepted over any valid pair (s.7.2.5.3.2),
 * the one in use first. */
static bool over_valid_pair(const rtc_connection_t *c, const rtc_addr_t *local, const rtc_addr_t *from)
{
    if (c->selected >= 0 && addr_eq(&c->sel_local.base, local) && addr_eq(&c->sel_remote.addr, from))
        return true;
    for (size_t i = 0; i < c->npairs; i++) {
        const pair_t *p = &c->pairs[i];
        if (p->state == SUCCEEDED && addr_eq(&c->lc[p->valid_local].base, local) &&
            addr_eq(&c->rc[p->remote].addr, from))
            return true;
    }
    return false;
}

bool rtc_connection_handle_media(rtc_connection_t *c, const rtc_addr_t *local, const rtc_addr_t *from,
                                 const uint8_t *data, size_t len)
{
    if (c->closed)
        return false;   /* the socket counts it, as for no connection */
    if (!over_valid_pair(c, local, from))
        return false;
    if (data[0] >= 20 && data[0] <= 63) {          /* RFC 7983 s.7: DTLS */
        /* a record before this side has a pair in use (or media) is
         * dropped: the client retransmits its flight (RFC 6347 s.4.2.4) */
        if (!c->dtls) {
            c->tst.dtls_ignored++;
            return true;
        }
        rtc_dtls_handle_datagram(c->dtls, data, len);
        dtls_progress(c);
        arm(c);
        return true;
    }
    /* RTP and RTCP (RFC 7983 s.7: 128-191; RFC 5761 muxed) */
    if (!c->has_link || !c->link.on_packet) {
        c->tst.media_no_link++;
        return true;
    }
    c->link.on_packet(c->link.user, c, data, len);
    return true;
}

bool rtc_connection_is_closed(const rtc_connection_t *c)
{
    return c->closed;
}

void rtc_connection_close(rtc_connection_t *c)
{
    if (c->closed)
        return;
    /* RFC 5246 s.7.2.1: close_notify, over the pair in use, while there is one */
    if (c->dtls)
        rtc_dtls_close(c->dtls);
    for (size_t i = 0; i < c->txns.n; i++)
        if (tx_at(c, i))
            tx_free(c, tx_at(c, i));
    c->closed = true;
    c->connecting = c->consent_on = false;
    c->ntrig = 0;
    c->nominate_at = RTC_TIME_NEVER;
    c->has_link = false;
    memset(&c->link, 0, sizeof c->link);
    c->s->env.set_timer(c->s->env.ctx, RTC_TIMER_CONNECTION, c, RTC_TIME_NEVER);
}
