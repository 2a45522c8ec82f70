/*
 * lint_stun.c - the STUN/TURN/ICE checker of `rtcsim lint` (issue 13,
 * decisions D154-D159): headers and attributes (RFC 8489 s.5, s.14),
 * MESSAGE-INTEGRITY(-SHA256) with the credentials given (s.9.1, s.9.2),
 * FINGERPRINT (s.14.7), transactions and retransmissions (s.6.2, s.6.3),
 * ICE pacing (RFC 8445 s.14.2), consent freshness (RFC 7675 s.5.1) and
 * TURN's requests and indications (RFC 8656).
 *
 * libnice parses: stun_message_validate_buffer_length for the framing,
 * stun_message_get_class/_method, stun_message_find* for the attributes.
 * Where libnice has nothing public the code here does it, and says so:
 * libnice has no attribute iterator (order and duplicates are walked here,
 * after libnice has validated every TLV's length); its stun_message_find
 * stops at MESSAGE-INTEGRITY (nothing after it but FINGERPRINT is found,
 * so MESSAGE-INTEGRITY-SHA256, which follows it, never is); it knows no
 * MESSAGE-INTEGRITY-SHA256; and stun_agent_validate takes the key from
 * a USERNAME (a response has none) and refuses a response to a request
 * that agent did not send. So the HMACs are OpenSSL's, keyed per message
 * from the credentials (a response: its request's).
 */
#include "check/capture.h"
#include "trace/lint.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stun/stunmessage.h>

/* RFC 8656 s.18: Send is 0x006 (libnice's STUN_SEND is TURN draft 00's
 * 0x004, Refresh's number: a libnice limitation) */
#define TURN_SEND       STUN_IND_SEND   /* 0x006; libnice's STUN_SEND is TURN-00's 0x004 */
#define MAX_TX          64          /* open transactions kept per flow (then the oldest goes) */
#define MAX_AGENTS      1024        /* sender addresses kept for ICE pacing (then the oldest goes) */
#define MS              1000000LL   /* ns */

/* RFC 8489 s.6.2.1: Rc = 7 transmissions, RTO doubling from an initial
 * RTO that "SHOULD be greater than or equal to 500 ms" (the exceptions:
 * "other mechanisms ... such as the ones defined in ICE"; and ICE's, RFC
 * 8445 s.14.3, RTO = MAX(500 ms, Ta * N * (Waiting + In-Progress)), is
 * also at least 500 ms). So the first retransmission comes >= 500 ms after
 * the first transmission; each next interval is twice the one before.
 * Capture timestamps carry jitter when the capture point is not the
 * sender: 25 ms (5 %) of slack on the floor, 10 % on the doubling (D156). */
#define RTO_FLOOR_NS    (500 * MS)
#define RTO_SLACK_NS    (25 * MS)
#define RC              7
/* A whole transaction lasts at most 39.5 s (RFC 8489 s.6.2.1: with
 * RTO = 500 ms, sent at 0, .5, 1.5, 3.5, 7.5, 15.5, 31.5 s, then Rm = 16
 * RTOs waited: 39.5 s): a response within that much of the capture's
 * start may answer a request sent before it (D155). */
#define TX_SPAN_NS      (39500 * MS)
/* RFC 8445 s.14.2: all transactions of an implementation's agents MUST NOT
 * be sent more often than once every 5 ms; Ta SHOULD default to 50 ms and
 * MAY differ (signalled), so below 50 ms is worth knowing only (D157). */
#define PACE_MUST_NS    (5 * MS)
#define TA_DEFAULT_NS   (50 * MS)
/* RFC 7675 s.5.1: consent intervals MUST be randomized over 0.8-1.2 x the
 * basic period, which SHOULD default to 5 s, and the period between checks
 * MUST NOT be set below 4 s. Checks in the first second after nomination
 * may still be ICE's triggered checks (RFC 8445 s.7.3.1.4): not counted
 * as consent checks (D158). */
#define CONSENT_MIN_NS  (4000 * MS)
#define CONSENT_MAX_NS  (6000 * MS)
#define CONSENT_GRACE_NS (1000 * MS)
#define CONSENT_SAME_NS (2 * MS)    /* intervals this close are "not randomized" */

enum {
    A_MAPPED_ADDRESS = 0x0001, A_USERNAME = 0x0006, A_MI = 0x0008, A_ERROR_CODE = 0x0009,
    A_CHANNEL_NUMBER = 0x000C, A_LIFETIME = 0x000D, A_XOR_PEER = 0x0012, A_DATA = 0x0013, A_REALM = 0x0014,
    A_NONCE = 0x0015, A_XOR_RELAYED = 0x0016, A_REQ_TRANSPORT = 0x0019, A_MI_SHA256 = 0x001C,
    A_PASSWORD_ALG = 0x001D, A_XOR_MAPPED = 0x0020, A_PRIORITY = 0x0024, A_USE_CANDIDATE = 0x0025,
    A_SOFTWARE = 0x8022, A_FINGERPRINT = 0x8028, A_ICE_CONTROLLED = 0x8029, A_ICE_CONTROLLING = 0x802A,
};

typedef struct tx {
    uint8_t  id[12];
    uint16_t method;
    bool     from_a, used, ice_check, rc_warned;
    bool     answered;              /* kept after its answer, to know the answers to its retransmissions */
    uint8_t  n;                     /* transmissions seen */
    int      cred;                  /* the credential its MESSAGE-INTEGRITY verified with, -1 none */
    bool     longterm;              /* the request carried REALM (TURN's long-term credential) */
    bool     use_candidate;
    int64_t  first, last, last_iv;
    uint64_t packet;
    uint64_t age;
} tx_t;

typedef struct side {
    uint8_t user[64];               /* the USERNAME of its last check (an ICE restart changes it) */
    size_t  ulen;
    bool    have_consent;           /* a consent check seen from this side */
    int64_t last_consent;
    int64_t ivs[4];                 /* the last consent intervals, for randomization */
    size_t  nivs;
    bool    norandom_said;
} side_t;

typedef struct stun_flow {
    tx_t    *tx;                    /* grown by doubling up to MAX_TX: memory follows open transactions */
    size_t   ntx, captx;
    uint64_t ages;
    bool     evicted;               /* a transaction was dropped: a later response may lack its request */
    bool     integrity_said, nocred_said, rfc3489_said, unbound_said, dup_said;
    bool     nominated, media;
    int64_t  nominated_at, media_at;
    side_t   side[2];               /* [0]: sent by a, [1]: by b */
    int64_t  t0;                    /* the flow's first message */
    /* per side: the shortest wait for an answer to its own requests (a
     * round trip if captured near it) and the shortest it took to answer
     * the other's (a turnaround if captured near it): D157 */
    int64_t  own_wait[2], answer_wait[2];
} stun_flow_t;

/* The ICE agents' addresses, across flows (RFC 8445 s.14.2's pacing is
 * per implementation, not per pair): kept while the file is linted and
 * dropped when its last flow ends (sim_lint_file ends every flow at the
 * end of a file, and lints one file at a time). */
typedef struct agent {
    sim_trace_addr_t addr;
    int64_t          last_check;
    uint8_t          recent[8][12];     /* the last checks' transaction ids: one check seen on */
    size_t           nrecent;           /* two flows (a TURN server's capture) is one check */
    bool             ta_said;
    uint64_t         age;
} agent_t;
static struct {
    size_t   nflows;
    agent_t  agents[MAX_AGENTS];
    size_t   nagents;
    uint64_t ages;
    int64_t  t0;                    /* the first message of the file this checker saw */
} g;

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }


static const char *class_name(StunClass c)
{
    return c == STUN_REQUEST ? "request" : c == STUN_INDICATION ? "indication"
         : c == STUN_RESPONSE ? "success response" : "error response";
}

/* ---- credentials ------------------------------------------------------------------ */

static size_t word(const char **s, char *out, size_t cap)
{
    while (**s == ' ' || **s == '\t')
        (*s)++;
    size_t n = 0;
    while (**s && **s != ' ' && **s != '\t' && **s != '\n' && **s != '\r') {
        if (n + 1 < cap)
            out[n] = **s;
        n++;
        (*s)++;
    }
    out[n < cap ? n : cap - 1] = 0;
    return n;
}

int sim_lint_cred_parse(const char *line, sim_lint_cred_t *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    const char *s = line;
    char kind[16];
    size_t n = word(&s, kind, sizeof kind);
    if (n == 0 || kind[0] == '#')
        return 0;
    char *f[3] = { c->user, NULL, NULL };
    size_t want;
    if (strcmp(kind, "ice") == 0) {
        f[1] = c->password;
        want = 2;
    } else if (strcmp(kind, "turn") == 0) {
        c->turn = true;
        f[1] = c->realm;
        f[2] = c->password;
        want = 3;
    } else {
        snprintf(err, errlen, "'%s': a credential is 'ice UFRAG PASSWORD' or 'turn USERNAME REALM PASSWORD'", kind);
        return -1;
    }
    for (size_t i = 0; i < want; i++) {
        size_t k = word(&s, f[i], sizeof c->user);
        if (k == 0) {
            snprintf(err, errlen, "%s: %zu fields missing (%s)", kind, want - i,
                     c->turn ? "turn USERNAME REALM PASSWORD" : "ice UFRAG PASSWORD");
            return -1;
        }
        if (k >= sizeof c->user) {
            snprintf(err, errlen, "%s: field %zu is longer than %zu bytes", kind, i + 1, sizeof c->user - 1);
            return -1;
        }
    }
    char rest[8];
    if (word(&s, rest, sizeof rest) && rest[0] != '#') {
        snprintf(err, errlen, "%s: more fields than %s", kind,
                 c->turn ? "turn USERNAME REALM PASSWORD" : "ice UFRAG PASSWORD");
        return -1;
    }
    if (!c->turn && strchr(c->user, ':')) {
        snprintf(err, errlen, "ice: a ufrag has no ':' (RFC 8445 s.5.3: ice-char is ALPHA / DIGIT / '+' / '/')");
        return -1;
    }
    return 1;
}

static void cred_name(const sim_lint_cred_t *c, char *out, size_t cap)
{
    if (c->turn)
        snprintf(out, cap, "turn %s realm %s", c->user, c->realm);
    else
        snprintf(out, cap, "ice ufrag %s", c->user);
}

/* The credential for a request or indication: ICE's by the ufrag before
 * the colon of USERNAME (RFC 8445 s.7.2.2: "RFRAG:LFRAG", the receiver's
 * password keys it), TURN's by USERNAME and REALM. -1: none given. */
static int cred_for(const sim_lint_opts_t *o, const uint8_t *user, size_t ulen, const uint8_t *realm, size_t rlen)
{
    if (!user)
        return -1;
    for (size_t i = 0; i < o->ncreds; i++) {
        const sim_lint_cred_t *c = &o->creds[i];
        if (c->turn) {
            if (realm && strlen(c->user) == ulen && memcmp(c->user, user, ulen) == 0 && strlen(c->realm) == rlen &&
                memcmp(c->realm, realm, rlen) == 0)
                return (int)i;
        } else if (!realm) {
            const uint8_t *colon = memchr(user, ':', ulen);
            size_t fl = colon ? (size_t)(colon - user) : ulen;
            if (strlen(c->user) == fl && memcmp(c->user, user, fl) == 0)
                return (int)i;
        }
    }
    return -1;
}

/* The HMAC key (RFC 8489 s.9.1.1: short-term, the password; s.9.2.2:
 * long-term, MD5 or, with PASSWORD-ALGORITHM SHA-256, SHA-256 of
 * "username:realm:password"; OpaqueString/SASLprep is not applied: the
 * credentials are taken as given). */
static size_t cred_key(const sim_lint_cred_t *c, bool sha256_alg, uint8_t key[64])
{
    if (!c->turn) {
        size_t n = strlen(c->password);
        memcpy(key, c->password, n);
        return n;
    }
    char buf[800];
    int n = snprintf(buf, sizeof buf, "%s:%s:%s", c->user, c->realm, c->password);
    unsigned kl = 0;
    EVP_Digest(buf, (size_t)n, key, &kl, sha256_alg ? EVP_sha256() : EVP_md5(), NULL);
    return kl;
}

/* ---- helpers ---------------------------------------------------------------------- */

/* Bytes from the capture made safe for a finding: printable ASCII kept,
 * the rest as \xNN, at most 64 bytes of input. */
static const char *printable(const uint8_t *b, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < 64 && o + 5 < cap; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7F && b[i] != '\\' && b[i] != '\'')
            out[o++] = (char)b[i];
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", b[i]);
    }
    out[o] = 0;
    return out;
}

static uint32_t crc32_stun(const uint8_t *p, size_t n, uint16_t len_field)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (i == 2)
            b = (uint8_t)(len_field >> 8);
        else if (i == 3)
            b = (uint8_t)len_field;
        c ^= b;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

static stun_flow_t *state(const sim_lint_pkt_t *p)
{
    void **slot = sim_lint_state(p->flow, &sim_lint_stun_checker);
    if (!*slot) {
        stun_flow_t *s = calloc(1, sizeof *s);
        if (!s) {
            fputs("rtcsim lint: out of memory\n", stderr);
            exit(2);
        }
        s->t0 = p->d->time_ns;
        s->own_wait[0] = s->own_wait[1] = s->answer_wait[0] = s->answer_wait[1] = INT64_MAX;
        if (g.nflows++ == 0) {
            g.nagents = 0;
            g.ages = 0;
            g.t0 = p->d->time_ns;
        }
        *slot = s;
    }
    return *slot;
}

static bool addr_eq(const sim_trace_addr_t *a, const sim_trace_addr_t *b)
{
    return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, 16) == 0;
}

static agent_t *agent_get(const sim_trace_addr_t *a)
{
    agent_t *old = NULL;
    for (size_t i = 0; i < g.nagents; i++) {
        if (addr_eq(&g.agents[i].addr, a)) {
            g.agents[i].age = ++g.ages;
            return &g.agents[i];
        }
        if (!old || g.agents[i].age < old->age)
            old = &g.agents[i];
    }
    agent_t *n = g.nagents < MAX_AGENTS ? &g.agents[g.nagents++] : old;
    memset(n, 0, sizeof *n);
    n->addr = *a;
    n->last_check = INT64_MIN;
    n->age = ++g.ages;
    return n;
}

/* ---- one message: header and attributes ----------------------------------------------- */

typedef struct attrs {
    size_t   mi_off, mi256_off, fp_off;    /* offsets of the attributes' headers; 0: absent */
    uint16_t mi256_len;
    const uint8_t *user, *realm;
    uint16_t ulen, rlen;
    bool     sha256_alg;
} attrs_t;

static bool known_attr(uint16_t t)
{
    switch (t) {
    case A_MAPPED_ADDRESS: case A_USERNAME: case A_MI: case A_ERROR_CODE: case 0x000A /* UNKNOWN-ATTRIBUTES */:
    case A_CHANNEL_NUMBER: case A_LIFETIME: case A_XOR_PEER: case A_DATA: case A_REALM: case A_NONCE:
    case A_XOR_RELAYED: case 0x0017 /* REQUESTED-ADDRESS-FAMILY */: case 0x0018 /* EVEN-PORT */:
    case A_REQ_TRANSPORT: case 0x001A /* DONT-FRAGMENT */: case 0x001B /* ACCESS-TOKEN */: case A_MI_SHA256:
    case A_PASSWORD_ALG: case 0x001E /* USERHASH */: case A_XOR_MAPPED: case 0x0022 /* RESERVATION-TOKEN */:
    case A_PRIORITY: case A_USE_CANDIDATE: case 0x002A /* CONNECTION-ID */:
    case 0x0003: case 0x0004: case 0x0005: case 0x0026: case 0x0027:   /* RFC 3489, RFC 5780 */
        return true;
    default:
        return false;
    }
}

/* The fixed sizes and ranges of RFC 8489 s.14, RFC 8445 s.16.1, RFC 8656
 * s.18. */
static void check_attr(sim_lint_t *l, const sim_lint_pkt_t *p, uint16_t t, const uint8_t *v, uint16_t n)
{
    switch (t) {
    case A_MAPPED_ADDRESS: case A_XOR_MAPPED: case A_XOR_PEER: case A_XOR_RELAYED: {
        const char *nm = t == A_MAPPED_ADDRESS ? "MAPPED-ADDRESS" : t == A_XOR_MAPPED ? "XOR-MAPPED-ADDRESS"
                       : t == A_XOR_PEER ? "XOR-PEER-ADDRESS" : "XOR-RELAYED-ADDRESS";
        const char *ref = t == A_MAPPED_ADDRESS ? "RFC 8489 s.14.1" : t == A_XOR_MAPPED ? "RFC 8489 s.14.2"
                        : t == A_XOR_PEER ? "RFC 8656 s.18.3" : "RFC 8656 s.18.5";
        if (n < 4 || (v[1] != 1 && v[1] != 2))
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, ref, "stun.attr-value", "%s: family 0x%02x (1: IPv4, 2: IPv6)",
                            nm, n >= 2 ? v[1] : 0);
        else if ((v[1] == 1 && n != 8) || (v[1] == 2 && n != 20))
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, ref, "stun.attr-length", "%s: %u bytes for %s (%u)", nm, n,
                            v[1] == 1 ? "IPv4" : "IPv6", v[1] == 1 ? 8 : 20);
        break;
    }
    case A_PRIORITY: case A_LIFETIME: case A_FINGERPRINT: case A_CHANNEL_NUMBER: case A_REQ_TRANSPORT:
        if (n != 4) {
            const char *nm = t == A_PRIORITY ? "PRIORITY" : t == A_LIFETIME ? "LIFETIME" : t == A_FINGERPRINT ? "FINGERPRINT"
                           : t == A_CHANNEL_NUMBER ? "CHANNEL-NUMBER" : "REQUESTED-TRANSPORT";
            const char *ref = t == A_PRIORITY ? "RFC 8445 s.16.1" : t == A_LIFETIME ? "RFC 8656 s.18.2"
                            : t == A_FINGERPRINT ? "RFC 8489 s.14.7" : t == A_CHANNEL_NUMBER ? "RFC 8656 s.18.1"
                            : "RFC 8656 s.18.7";
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, ref, "stun.attr-length", "%s: %u bytes (4)", nm, n);
        } else if (t == A_CHANNEL_NUMBER && (be16(v) < 0x4000 || be16(v) > 0x4FFF)) {
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8656 s.12", "turn.channel",
                            "CHANNEL-NUMBER 0x%04x outside 0x4000-0x4FFF", be16(v));
        } else if (t == A_REQ_TRANSPORT && v[0] != 17 && v[0] != 6) {
            sim_lint_report(l, p, NULL, SIM_LINT_WARNING, "RFC 8656 s.18.7", "turn.transport",
                            "REQUESTED-TRANSPORT %u: neither UDP (17) nor TCP (6, RFC 6062): a server answers 442", v[0]);
        }
        break;
    case A_ICE_CONTROLLED: case A_ICE_CONTROLLING:
        if (n != 8)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8445 s.16.1", "stun.attr-length", "%s: %u bytes (8)",
                            t == A_ICE_CONTROLLED ? "ICE-CONTROLLED" : "ICE-CONTROLLING", n);
        break;
    case A_USE_CANDIDATE:
        if (n != 0)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8445 s.16.1", "stun.attr-length",
                            "USE-CANDIDATE: %u bytes (none)", n);
        break;
    case A_MI:
        if (n != 20)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.14.5", "stun.attr-length",
                            "MESSAGE-INTEGRITY: %u bytes (20)", n);
        break;
    case A_MI_SHA256:
        if (n < 16 || n > 32 || n % 4)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.14.6", "stun.attr-length",
                            "MESSAGE-INTEGRITY-SHA256: %u bytes (16 to 32, a multiple of 4)", n);
        break;
    case A_ERROR_CODE:
        if (n < 4)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.14.8", "stun.attr-length",
                            "ERROR-CODE: %u bytes (at least 4)", n);
        else if ((v[2] & 7) < 3 || (v[2] & 7) > 6 || v[3] > 99)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.14.8", "stun.attr-value",
                            "ERROR-CODE class %u number %u (class 3-6, number 0-99)", v[2] & 7, v[3]);
        break;
    case A_USERNAME:
        if (n > 513)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.14.3", "stun.attr-length",
                            "USERNAME: %u bytes (less than 513)", n);
        break;
    case A_REALM: case A_NONCE: case A_SOFTWARE:
        if (n > 763)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR,
                            t == A_REALM ? "RFC 8489 s.14.9" : t == A_NONCE ? "RFC 8489 s.14.10" : "RFC 8489 s.14.14",
                            "stun.attr-length", "%s: %u bytes (less than 763)",
                            t == A_REALM ? "REALM" : t == A_NONCE ? "NONCE" : "SOFTWARE", n);
        break;
    default:
        break;
    }
}

/* Walk the attributes (libnice has validated that each fits: RFC 8489
 * s.14, padded to 4, the padding's value not checked). */
static void walk_attrs(sim_lint_t *l, const sim_lint_pkt_t *p, const uint8_t *m, size_t len, attrs_t *a)
{
    memset(a, 0, sizeof *a);
    uint16_t seen[32];
    size_t nseen = 0;
    bool dup_said = false, after_said = false, unknown_said = false;
    for (size_t off = 20; off + 4 <= len;) {
        uint16_t t = be16(m + off), n = be16(m + off + 2);
        if (off + 4 + n > len)
            break;
        const uint8_t *v = m + off + 4;
        if (a->fp_off) {
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.14.7", "stun.fingerprint",
                            "attribute 0x%04x after FINGERPRINT, which MUST be the last", t);
        } else if ((a->mi_off || a->mi256_off) && t != A_FINGERPRINT && !(t == A_MI_SHA256 && !a->mi256_off) &&
                   !after_said) {
            after_said = true;
            sim_lint_report(l, p, NULL, SIM_LINT_WARNING, a->mi256_off ? "RFC 8489 s.14.6" : "RFC 8489 s.14.5",
                            "stun.attr-order",
                            "attribute 0x%04x after MESSAGE-INTEGRITY%s: a receiver MUST ignore it", t,
                            a->mi256_off ? "-SHA256" : "");
        }
        if (t < 0x8000 && !known_attr(t) && !unknown_said) {
            /* RFC 8489 s.14: 0x0000-0x7FFF are comprehension-required: a
             * request with one the server does not know gets 420 */
            unknown_said = true;
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 8489 s.14", "stun.attr-unknown",
                            "comprehension-required attribute 0x%04x that the lint does not know", t);
        }
        bool dup = false;
        for (size_t i = 0; i < nseen; i++)
            dup |= seen[i] == t;
        if (dup && !dup_said) {
            dup_said = true;
            sim_lint_report(l, p, NULL, SIM_LINT_WARNING, "RFC 8489 s.14", "stun.duplicate",
                            "attribute 0x%04x appears twice: only the first is processed", t);
        } else if (!dup && nseen < 32) {
            seen[nseen++] = t;
        }
        if (!dup) {
            check_attr(l, p, t, v, n);
            if (t == A_MI)
                a->mi_off = off;
            else if (t == A_MI_SHA256) {
                a->mi256_off = off;
                a->mi256_len = n;
            } else if (t == A_FINGERPRINT)
                a->fp_off = off;
            else if (t == A_USERNAME && !a->mi_off && !a->mi256_off) {
                a->user = v;
                a->ulen = n;
            } else if (t == A_REALM && !a->mi_off && !a->mi256_off) {
                a->realm = v;
                a->rlen = n;
            } else if (t == A_PASSWORD_ALG && n >= 2 && be16(v) == 0x0002)
                a->sha256_alg = true;
        }
        off += 4 + (((size_t)n + 3) & ~(size_t)3);
    }
}

static void check_fingerprint(sim_lint_t *l, const sim_lint_pkt_t *p, const uint8_t *m, const attrs_t *a)
{
    if (!a->fp_off || be16(m + a->fp_off + 2) != 4)
        return;
    /* RFC 8489 s.14.7: CRC-32 of the message up to FINGERPRINT, its length
     * field as if the message ended with it, XOR 0x5354554e */
    uint32_t want = crc32_stun(m, a->fp_off, (uint16_t)(a->fp_off + 8 - 20)) ^ 0x5354554eu;
    uint32_t got = be32(m + a->fp_off + 4);
    if (got != want)
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.14.7", "stun.fingerprint",
                        "FINGERPRINT 0x%08x, the message's CRC-32 XOR 0x5354554e is 0x%08x", got, want);
}

/* HMAC over the message up to the attribute at off, its length field as if
 * the message ended with the attribute (alen bytes of value). */
static bool hmac_ok(const uint8_t *m, size_t off, uint16_t alen, const uint8_t *key, size_t klen, bool sha256)
{
    uint8_t buf[1 << 16];
    if (off > sizeof buf)
        return false;
    memcpy(buf, m, off);
    uint16_t lf = (uint16_t)(off + 4 + alen - 20);
    buf[2] = (uint8_t)(lf >> 8);
    buf[3] = (uint8_t)lf;
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned ml = 0;
    if (!HMAC(sha256 ? EVP_sha256() : EVP_sha1(), key, (int)klen, buf, off, mac, &ml))
        return false;
    return ml >= alen && memcmp(mac, m + off + 4, alen) == 0;
}

/* RFC 8489 s.9.1.3, s.9.2.4: MESSAGE-INTEGRITY(-SHA256) with the key of
 * cred (-1: none known). Returns the credential that verified it. */
static void check_integrity(sim_lint_t *l, const sim_lint_pkt_t *p, stun_flow_t *s, const uint8_t *m,
                            const attrs_t *a, int cred, bool longterm_req)
{
    if (!a->mi_off && !a->mi256_off)
        return;
    const sim_lint_opts_t *o = sim_lint_opts(l);
    if (!o->ncreds) {
        if (!s->integrity_said) {
            s->integrity_said = true;
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 8489 s.9", "stun.integrity-unchecked",
                            "MESSAGE-INTEGRITY not checked on this flow: no credentials given (--credentials)");
        }
        return;
    }
    if (cred < 0) {
        if (!s->nocred_said) {
            s->nocred_said = true;
            char u[300], r[300];
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 8489 s.9", "stun.integrity-unchecked",
                            "MESSAGE-INTEGRITY not checked on this flow: no credential given for %s%s%s%s%s%s",
                            a->user ? "USERNAME '" : "the request of this response",
                            a->user ? printable(a->user, a->ulen, u, sizeof u) : "", a->user ? "'" : "",
                            a->realm ? " realm '" : "", a->realm ? printable(a->realm, a->rlen, r, sizeof r) : "",
                            a->realm ? "'" : "");
        }
        return;
    }
    const sim_lint_cred_t *c = &o->creds[cred];
    (void)longterm_req;
    uint8_t key[64];
    size_t kl = cred_key(c, a->sha256_alg, key);
    char cn[600];
    cred_name(c, cn, sizeof cn);
    if (a->mi_off && be16(m + a->mi_off + 2) == 20 && !hmac_ok(m, a->mi_off, 20, key, kl, false))
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, c->turn ? "RFC 8489 s.9.2.4" : "RFC 8489 s.9.1.3",
                        "stun.integrity", "MESSAGE-INTEGRITY does not verify with the credential '%s'", cn);
    if (a->mi256_off && a->mi256_len >= 16 && a->mi256_len <= 32 && a->mi256_len % 4 == 0 &&
        !hmac_ok(m, a->mi256_off, a->mi256_len, key, kl, true))
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, c->turn ? "RFC 8489 s.9.2.4" : "RFC 8489 s.9.1.3",
                        "stun.integrity", "MESSAGE-INTEGRITY-SHA256 does not verify with the credential '%s'", cn);
}

/* ---- transactions ----------------------------------------------------------------- */

static tx_t *tx_find(stun_flow_t *s, const uint8_t *id, bool from_a)
{
    for (size_t i = 0; i < s->ntx; i++)
        if (s->tx[i].used && s->tx[i].from_a == from_a && memcmp(s->tx[i].id, id, 12) == 0)
            return &s->tx[i];
    return NULL;
}

/* A free slot, else the least recently used answered one, else the least
 * recently used (its answer, if it comes, will be unmatched). */
static tx_t *tx_new(stun_flow_t *s)
{
    tx_t *old = NULL, *old_answered = NULL;
    if (s->ntx < MAX_TX) {
        if (s->ntx == s->captx) {
            size_t cap = s->captx ? 2 * s->captx : 4;
            tx_t *t = realloc(s->tx, cap * sizeof *t);
            if (!t) {
                fputs("rtcsim lint: out of memory\n", stderr);
                exit(2);
            }
            s->tx = t;
            s->captx = cap;
        }
        memset(&s->tx[s->ntx], 0, sizeof *s->tx);
        return &s->tx[s->ntx++];
    }
    for (size_t i = 0; i < s->ntx; i++) {
        tx_t *x = &s->tx[i];
        if (!x->used)
            return x;
        if (x->answered && (!old_answered || x->age < old_answered->age))
            old_answered = x;
        if (!old || x->age < old->age)
            old = x;
    }
    if (old_answered)
        return old_answered;
    s->evicted = true;
    return old;
}

static const sim_trace_addr_t *sender(const sim_lint_pkt_t *p)
{
    return p->from_a ? &p->flow->a : &p->flow->b;
}

/* RFC 8445 s.14.2: new checks from one address (all its flows). The
 * times are those of the capture point: away from the sender, queueing
 * can bring two checks closer than they were sent, so a gap below 5 ms is
 * an error only where the capture is shown to be near the sender (its
 * answers to the other side come in less than half the time its own
 * requests wait for theirs, or both are 0: D157), else info. */
static void pacing(sim_lint_t *l, const sim_lint_pkt_t *p, const stun_flow_t *s)
{
    agent_t *ag = agent_get(sender(p));
    int64_t t = p->d->time_ns;
    for (size_t i = 0; i < ag->nrecent && i < 8; i++)
        if (memcmp(ag->recent[i], p->data + 8, 12) == 0)
            return;
    memcpy(ag->recent[ag->nrecent++ % 8], p->data + 8, 12);
    int sd = p->from_a ? 0 : 1;
    /* both waits 0: a path with no delay at all (a simulator's), where
     * nothing can bunch */
    bool near = s->answer_wait[sd] != INT64_MAX && s->own_wait[sd] != INT64_MAX &&
                (s->answer_wait[sd] * 2 < s->own_wait[sd] || (s->answer_wait[sd] == 0 && s->own_wait[sd] == 0));
    if (ag->last_check != INT64_MIN) {
        int64_t dt = t - ag->last_check;
        if (dt >= 0 && dt < PACE_MUST_NS)
            sim_lint_report(l, p, NULL, near ? SIM_LINT_ERROR : SIM_LINT_INFO, "RFC 8445 s.14.2", "ice.pacing",
                            "a new check %.3f ms after the previous one from this address: all transactions of an "
                            "implementation MUST NOT be sent more often than once every 5 ms%s", (double)dt / 1e6,
                            near ? "" : " (not shown to be captured at the sender: the network may have bunched them)");
        else if (dt >= 0 && dt < TA_DEFAULT_NS && !ag->ta_said) {
            ag->ta_said = true;
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 8445 s.14.2", "ice.ta",
                            "new checks from this address %.3f ms apart: below the default Ta of 50 ms (another Ta "
                            "MAY be signalled; the lint does not know it); said once per address",
                            (double)dt / 1e6);
        }
    }
    ag->last_check = t;
}

/* RFC 7675 s.5.1: a consent check (a new Binding request after
 * nomination, or after media started without a nomination seen). */
static void consent(sim_lint_t *l, const sim_lint_pkt_t *p, stun_flow_t *s, const attrs_t *a)
{
    int64_t t = p->d->time_ns;
    side_t *me = &s->side[p->from_a ? 0 : 1];
    size_t ul = a->ulen < sizeof me->user ? a->ulen : sizeof me->user;
    if (me->ulen && (me->ulen != ul || memcmp(me->user, a->user, ul) != 0)) {
        /* new ufrags: an ICE restart (RFC 8445 s.9): a new session's
         * connectivity checks, consent only after its nomination */
        s->nominated = false;
        s->media = false;
        for (int i = 0; i < 2; i++) {
            s->side[i].have_consent = false;
            s->side[i].nivs = 0;
        }
    }
    memcpy(me->user, a->user, ul);
    me->ulen = ul;
    bool by_nomination = s->nominated;
    int64_t from = s->nominated ? s->nominated_at : s->media_at;
    if ((!s->nominated && !s->media) || t < from + CONSENT_GRACE_NS)
        return;
    side_t *sd = &s->side[p->from_a ? 0 : 1];
    if (sd->have_consent) {
        int64_t iv = t - sd->last_consent;
        if (iv < CONSENT_MIN_NS)
            sim_lint_report(l, p, NULL, by_nomination ? SIM_LINT_ERROR : SIM_LINT_INFO, "RFC 7675 s.5.1",
                            "ice.consent",
                            "consent check %.3f s after the previous one on this pair: the period MUST NOT be set "
                            "below 4 s%s", (double)iv / 1e9,
                            by_nomination ? "" : " (no nomination seen: these may be connectivity checks)");
        else if (iv > CONSENT_MAX_NS && by_nomination)
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 7675 s.5.1", "ice.consent-late",
                            "consent check %.3f s after the previous one: beyond 1.2 x the default 5 s period "
                            "(a lost check, or a longer period)", (double)iv / 1e9);
        if (sd->nivs < 4)
            sd->ivs[sd->nivs++] = iv;
        if (sd->nivs == 4 && !sd->norandom_said && by_nomination) {
            int64_t lo = sd->ivs[0], hi = sd->ivs[0];
            for (size_t i = 1; i < 4; i++) {
                lo = sd->ivs[i] < lo ? sd->ivs[i] : lo;
                hi = sd->ivs[i] > hi ? sd->ivs[i] : hi;
            }
            sd->norandom_said = true;
            if (hi - lo < CONSENT_SAME_NS)
                sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 7675 s.5.1", "ice.consent-random",
                                "4 consent intervals all %.3f s (within 2 ms): each interval MUST be randomized "
                                "over 0.8-1.2 x the basic period", (double)lo / 1e9);
        }
    }
    sd->have_consent = true;
    sd->last_consent = t;
}

static void request(sim_lint_t *l, const sim_lint_pkt_t *p, stun_flow_t *s, const StunMessage *msg, StunMethod m,
                    const attrs_t *a, int cred)
{
    const uint8_t *id = p->data + 8;
    tx_t *tx = tx_find(s, id, p->from_a);
    int64_t t = p->d->time_ns;
    if (tx) {
        /* a retransmission (RFC 8489 s.6.2.1) */
        int64_t iv = t - tx->last;
        if (iv == 0) {
            /* the same request at the same instant: one packet captured
             * twice (a host's packet to itself, seen leaving and coming
             * in), not a retransmission */
            if (!s->dup_said) {
                s->dup_said = true;
                sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 8489 s.6.2.1", "stun.captured-twice",
                                "request seen twice at the same instant: taken for one packet captured twice; said "
                                "once per flow");
            }
            return;
        }
        tx->n = tx->n < 255 ? (uint8_t)(tx->n + 1) : tx->n;
        tx->age = ++s->ages;
        if (p->flow->transport == SIM_TRACE_TCP && !p->flow->relayed && tx->n == 2)
            sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 8489 s.6.2.2", "stun.rto-tcp",
                            "request retransmitted over TCP, where reliability is TCP's and there are no "
                            "retransmissions at the STUN level");
        else if (tx->n == 2 && iv < RTO_FLOOR_NS - RTO_SLACK_NS)
            sim_lint_report(l, p, NULL, SIM_LINT_WARNING, "RFC 8489 s.6.2.1", "stun.rto",
                            "first retransmission %.1f ms after the request: the initial RTO SHOULD be >= 500 ms "
                            "(for ICE checks RFC 8445 s.14.3: RTO = MAX(500 ms, ...))", (double)iv / 1e6);
        else if (tx->n > 2 && tx->last_iv > 0 && iv * 10 < tx->last_iv * 18)
            sim_lint_report(l, p, NULL, SIM_LINT_WARNING, "RFC 8489 s.6.2.1", "stun.rto",
                            "retransmission %u after %.1f ms, the interval before was %.1f ms: the RTO doubles "
                            "after each retransmission", tx->n - 1, (double)iv / 1e6, (double)tx->last_iv / 1e6);
        if (tx->n > RC && !tx->rc_warned) {
            tx->rc_warned = true;
            sim_lint_report(l, p, NULL, SIM_LINT_WARNING, "RFC 8489 s.6.2.1", "stun.rc",
                            "request sent %u times: Rc SHOULD default to 7 transmissions", tx->n);
        }
        tx->last_iv = iv;
        tx->last = t;
        return;
    }
    tx = tx_new(s);
    memset(tx, 0, sizeof *tx);
    memcpy(tx->id, id, 12);
    tx->used = true;
    tx->method = (uint16_t)m;
    tx->from_a = p->from_a;
    tx->n = 1;
    tx->first = tx->last = t;
    tx->packet = p->d->packet;
    tx->age = ++s->ages;
    tx->cred = cred;
    tx->longterm = a->realm != NULL;
    tx->ice_check = m == STUN_BINDING && stun_message_has_attribute(msg, STUN_ATTRIBUTE_PRIORITY);
    tx->use_candidate = m == STUN_BINDING && stun_message_has_attribute(msg, STUN_ATTRIBUTE_USE_CANDIDATE);
    if (tx->ice_check)
        pacing(l, p, s);
    if (m == STUN_BINDING && a->user)
        consent(l, p, s, a);

    /* TURN's requests (RFC 8656) */
    if (m == STUN_ALLOCATE && !stun_message_has_attribute(msg, STUN_ATTRIBUTE_REQUESTED_TRANSPORT))
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8656 s.7.1", "turn.allocate",
                        "Allocate request without REQUESTED-TRANSPORT");
    if ((m == STUN_CREATEPERMISSION || m == STUN_CHANNELBIND) &&
        !stun_message_has_attribute(msg, STUN_ATTRIBUTE_XOR_PEER_ADDRESS))
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, m == STUN_CHANNELBIND ? "RFC 8656 s.12.1" : "RFC 8656 s.9.1",
                        m == STUN_CHANNELBIND ? "turn.channelbind" : "turn.permission", "%s request without XOR-PEER-ADDRESS",
                        m == STUN_CHANNELBIND ? "ChannelBind" : "CreatePermission");
    if (m == STUN_CHANNELBIND && !stun_message_has_attribute(msg, STUN_ATTRIBUTE_CHANNEL_NUMBER))
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8656 s.12.1", "turn.channelbind",
                        "ChannelBind request without CHANNEL-NUMBER");
}

static void response(sim_lint_t *l, const sim_lint_pkt_t *p, stun_flow_t *s, const StunMessage *msg, StunMethod m,
                     StunClass c, const attrs_t *a)
{
    tx_t *tx = tx_find(s, p->data + 8, !p->from_a);
    if (tx && tx->answered)
        return;                 /* an answer to a retransmission, or one packet captured twice */
    if (!tx) {
        bool early = p->d->time_ns - s->t0 < TX_SPAN_NS || p->d->time_ns - g.t0 < TX_SPAN_NS || s->evicted;
        sim_lint_report(l, p, NULL, early ? SIM_LINT_INFO : SIM_LINT_WARNING, "RFC 8489 s.6.3", "stun.unmatched",
                        "%s %s with no request in the capture%s", sim_stun_method_name(m) ? sim_stun_method_name(m) : "?",
                        class_name(c),
                        early ? " (it may answer one sent before the capture began)" : "");
        check_integrity(l, p, s, p->data, a, -1, false);
        return;
    }
    if (tx->n == 1) {
        int64_t w = p->d->time_ns - tx->first;
        int rq = tx->from_a ? 0 : 1;
        if (w >= 0 && w < s->own_wait[rq])
            s->own_wait[rq] = w;
        if (w >= 0 && w < s->answer_wait[1 - rq])
            s->answer_wait[1 - rq] = w;
    }
    if (tx->method != m)
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.6.3.1.1", "stun.method-mismatch",
                        "%s %s to a %s request (packet %llu)", sim_stun_method_name(m) ? sim_stun_method_name(m) : "?", class_name(c),
                        sim_stun_method_name(tx->method) ? sim_stun_method_name(tx->method) : "?", (unsigned long long)tx->packet);
    check_integrity(l, p, s, p->data, a, tx->cred, tx->longterm);
    /* s.6.3.1.1: a Binding success response carries the request's source
     * as XOR-MAPPED-ADDRESS (s.6.3.3: the client checks it is there) */
    if (c == STUN_RESPONSE && m == STUN_BINDING && !stun_message_has_attribute(msg, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS))
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.6.3.1.1", "stun.attr-missing",
                        "Binding success response without XOR-MAPPED-ADDRESS");
    int code = 0;
    if (c == STUN_ERROR && stun_message_find_error(msg, &code) != STUN_MESSAGE_RETURN_SUCCESS)
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.6.3.1.1", "stun.attr-missing",
                        "error response without a valid ERROR-CODE");
    /* RFC 8489 s.9.2.4: a 401 or 438 to a long-term credential request
     * (TURN's, or one that carried REALM) carries REALM and NONCE */
    if (c == STUN_ERROR && (code == 401 || code == 438) && (tx->longterm || m != STUN_BINDING) &&
        (!stun_message_has_attribute(msg, STUN_ATTRIBUTE_REALM) ||
         !stun_message_has_attribute(msg, STUN_ATTRIBUTE_NONCE)))
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.9.2.4", "turn.auth",
                        "%d error response to %s without %s", code, sim_stun_method_name(m) ? sim_stun_method_name(m) : "?",
                        stun_message_has_attribute(msg, STUN_ATTRIBUTE_REALM) ? "NONCE" : "REALM");
    if (c == STUN_RESPONSE && tx->use_candidate && !s->nominated) {
        s->nominated = true;
        s->nominated_at = p->d->time_ns;
    }
    tx->answered = true;
}

static void stun_message(sim_lint_t *l, const sim_lint_pkt_t *p, stun_flow_t *s)
{
    const uint8_t *m = p->data;
    size_t len = p->len;
    uint16_t mlen = be16(m + 2);
    /* RFC 8489 s.5: the length's last 2 bits are zero (attributes are
     * padded), and each attribute fits (s.14): libnice's checks */
    if (mlen % 4) {
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.5", "stun.length",
                        "message length %u is not a multiple of 4", mlen);
        return;
    }
    int v = stun_message_validate_buffer_length(m, len, true);
    if (v != (int)len) {
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.14", "stun.attr-length",
                        "an attribute's length runs past the message's end (libnice: %s)",
                        v == STUN_MESSAGE_BUFFER_INCOMPLETE ? "incomplete" : "invalid");
        return;
    }
    StunMessage msg = { .buffer = (uint8_t *)m, .buffer_len = len };
    StunMethod meth = stun_message_get_method(&msg);
    StunClass c = stun_message_get_class(&msg);
    if (!sim_stun_method_name(meth)) {
        sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 8489 s.18.2", "stun.method",
                        "method 0x%03x is not one the lint knows (RFC 8489, RFC 8656, RFC 6062)", meth);
        return;
    }
    if ((meth == TURN_SEND || meth == STUN_IND_DATA) && c != STUN_INDICATION)
        sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8656 s.11", "stun.class",
                        "%s as a %s: it is an indication only", sim_stun_method_name(meth), class_name(c));
    attrs_t a;
    walk_attrs(l, p, m, len, &a);
    check_fingerprint(l, p, m, &a);
    const sim_lint_opts_t *o = sim_lint_opts(l);
    if (c == STUN_REQUEST) {
        int cred = cred_for(o, a.user, a.ulen, a.realm, a.rlen);
        check_integrity(l, p, s, m, &a, cred, a.realm != NULL);
        request(l, p, s, &msg, meth, &a, cred);
    } else if (c == STUN_INDICATION) {
        check_integrity(l, p, s, m, &a, cred_for(o, a.user, a.ulen, a.realm, a.rlen), a.realm != NULL);
        if ((meth == TURN_SEND || meth == STUN_IND_DATA) &&
            (!stun_message_has_attribute(&msg, STUN_ATTRIBUTE_XOR_PEER_ADDRESS) ||
             !stun_message_has_attribute(&msg, STUN_ATTRIBUTE_DATA)))
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, meth == TURN_SEND ? "RFC 8656 s.11.1" : "RFC 8656 s.11.3",
                            "turn.indication", "%s indication without %s", sim_stun_method_name(meth),
                            stun_message_has_attribute(&msg, STUN_ATTRIBUTE_DATA) ? "XOR-PEER-ADDRESS" : "DATA");
    } else {
        response(l, p, s, &msg, meth, c, &a);
    }
}

/* A datagram the core took for no protocol: an RFC 3489 message (no
 * magic cookie: RFC 8489 s.5 says it is told by that), or a STUN header
 * whose length does not match the datagram. */
static void other(sim_lint_t *l, const sim_lint_pkt_t *p, stun_flow_t *s)
{
    const uint8_t *m = p->data;
    size_t n = p->len;
    if (n < 20 || m[0] > 3)
        return;
    bool cookie = be32(m + 4) == 0x2112A442u;
    uint16_t mlen = be16(m + 2);
    if (cookie) {
        if (mlen + 20u != n)
            sim_lint_report(l, p, NULL, SIM_LINT_ERROR, "RFC 8489 s.5", "stun.length",
                            "STUN header with the magic cookie: length %u + 20, the datagram has %zu bytes", mlen, n);
        return;
    }
    uint16_t type = be16(m);
    static const uint16_t t3489[] = { 0x0001, 0x0101, 0x0111, 0x0002, 0x0102, 0x0112 };
    bool known = false;
    for (size_t i = 0; i < sizeof t3489 / sizeof t3489[0]; i++)
        known |= type == t3489[i];
    if (!known || mlen + 20u != n || mlen % 4 || stun_message_validate_buffer_length(m, n, true) != (int)n)
        return;
    if (!s->rfc3489_said) {
        s->rfc3489_said = true;
        sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 8489 s.5", "stun.rfc3489",
                        "an RFC 3489 message (no magic cookie, type 0x%04x): only its framing is checked; said once "
                        "per flow", type);
    }
}

static void packet(sim_lint_t *l, const sim_lint_pkt_t *p)
{
    stun_flow_t *s = state(p);
    if (p->flow->relayed && p->flow->b.family == 0 && !s->unbound_said) {
        s->unbound_said = true;
        sim_lint_report(l, p, NULL, SIM_LINT_INFO, "RFC 8656 s.12", "turn.channel-unbound",
                        "ChannelData on channel 0x%04x, whose ChannelBind is not in the capture", p->flow->b.port);
    }
    switch (p->proto) {
    case SIM_LINT_STUN:
        stun_message(l, p, s);
        break;
    case SIM_LINT_DTLS: case SIM_LINT_RTP: case SIM_LINT_RTCP:
        if (!s->media) {
            s->media = true;
            s->media_at = p->d->time_ns;
        }
        break;
    case SIM_LINT_OTHER:
        other(l, p, s);
        break;
    default:
        break;
    }
}

/* RFC 8489 s.6.3: what was never answered. */
static void flow_end(sim_lint_t *l, sim_lint_flow_t *f)
{
    stun_flow_t *s = *sim_lint_state(f, &sim_lint_stun_checker);
    if (!s)
        return;
    size_t n = 0;
    uint64_t first = 0;
    for (size_t i = 0; i < s->ntx; i++)
        if (s->tx[i].used && !s->tx[i].answered) {
            if (!n || s->tx[i].packet < first)
                first = s->tx[i].packet;
            n++;
        }
    if (n)
        sim_lint_report(l, NULL, f, SIM_LINT_INFO, "RFC 8489 s.6.3", "stun.unanswered",
                        "%zu request%s never answered in the capture (the first: packet %llu)%s", n, n > 1 ? "s" : "",
                        (unsigned long long)first, s->evicted ? "; more were dropped unmatched past 64 open" : "");
}

static void flow_free(sim_lint_flow_t *f, void *st)
{
    stun_flow_t *s = st;
    free(s->tx);
    free(s);
    if (g.nflows)
        g.nflows--;
}

const sim_lint_checker_t sim_lint_stun_checker = {
    .name = "stun",
    .protos = 1u << SIM_LINT_STUN | 1u << SIM_LINT_DTLS | 1u << SIM_LINT_RTP | 1u << SIM_LINT_RTCP |
              1u << SIM_LINT_OTHER,
    .packet = packet,
    .flow_end = flow_end,
    .flow_free = flow_free,
};

int sim_lint_cred_add(sim_lint_cred_t **creds, size_t *n, const char *line, const char *where,
                      char *err, size_t errlen)
{
    sim_lint_cred_t c;
    char e[256];
    int r = sim_lint_cred_parse(line, &c, e, sizeof e);
    if (r < 0) {
        snprintf(err, errlen, "%s: %s", where, e);
        return -1;
    }
    if (r == 0)
        return 0;
    sim_lint_cred_t *m = realloc(*creds, (*n + 1) * sizeof **creds);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *creds = m;
    (*creds)[(*n)++] = c;
    return 0;
}

typedef struct cred_list { sim_lint_cred_t **creds; size_t *n; } cred_list_t;

static int cred_line(void *ctx, const char *line, const char *path, unsigned no, char *err, size_t errlen)
{
    cred_list_t *c = ctx;
    char where[4200];
    snprintf(where, sizeof where, "%s:%u", path, no);
    return sim_lint_cred_add(c->creds, c->n, line, where, err, errlen);
}

int sim_lint_cred_read(sim_lint_cred_t **creds, size_t *n, const char *path, char *err, size_t errlen)
{
    cred_list_t c = { creds, n };
    return sim_lint_read_lines(path, "--credentials", cred_line, &c, err, errlen);
}
