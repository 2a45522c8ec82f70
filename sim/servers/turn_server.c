/*
 * turn_server.c - the simulated TURN server (turn_server.h), RFC 8656.
 *
 * Messages are validated (long-term credentials, RFC 8489 s.9.2) and
 * built with libnice's STUN library directly, never with ref/'s code: a
 * server that shared the client's path would hide a bug the two have in
 * common. Addresses are its own too (xor_get, xor_put). Each allocation
 * has a relay socket of its own on the server's address.
 */
#include "servers/turn_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stun/stunagent.h>

/* Comprehension-required attributes (below 0x8000) the server knows: RFC
 * 8489's (s.14) and RFC 8656's (s.18). Zero-terminated, as libnice wants. */
static const uint16_t known_attributes[] = {
    STUN_ATTRIBUTE_MAPPED_ADDRESS, STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
    STUN_ATTRIBUTE_ERROR_CODE, STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES, STUN_ATTRIBUTE_REALM,
    STUN_ATTRIBUTE_NONCE, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, STUN_ATTRIBUTE_CHANNEL_NUMBER,
    STUN_ATTRIBUTE_LIFETIME, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, STUN_ATTRIBUTE_DATA,
    STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, STUN_ATTRIBUTE_REQUESTED_TRANSPORT,
    STUN_ATTRIBUTE_DONT_FRAGMENT, 0,
};

/* An IPv4 transport address, host byte order. */
typedef struct taddr {
    uint32_t ip;
    uint16_t port;
} taddr_t;

#define DEFAULT_LIFETIME   600u     /* s, RFC 8656 s.3.2 */
#define MAX_LIFETIME       3600u
#define PERMISSION_LIFE    SIM_SEC(300)    /* s.9 */
#define CHANNEL_LIFE       SIM_SEC(600)    /* s.12 */

typedef struct perm {
    uint32_t   ip;
    sim_time_t expires;
} perm_t;

typedef struct chan {
    uint16_t   number;
    taddr_t peer;
    sim_time_t expires;
} chan_t;

typedef struct alloc {
    struct sim_turn_server *t;
    taddr_t  client;
    char        user[128];
    sim_udp_t  *relay;
    sim_time_t  expires;
    sim_timer_t timer;
    uint8_t     tid[12];            /* the Allocate that made it: its retransmissions */
    uint32_t    life;               /* ... and the lifetime its answer gave */
    perm_t     *perms;
    size_t      nperms;
    chan_t     *chans;
    size_t      nchans;
    struct alloc *next;
} alloc_t;

typedef struct user {
    char *name, *password;
} user_t;

struct sim_turn_server {
    sim_host_t      *host;
    sim_kernel_t    *k;
    sim_evlog_t     *log;
    sim_udp_t       *sock;
    uint32_t         ip;
    char             src[48];
    char             realm[128];
    char             nonce[33];
    unsigned         quota;
    sim_rng_t        rng;
    StunAgent        agent;
    user_t          *users;
    size_t           nusers;
    alloc_t         *allocs;
    sim_turn_stats_t st;
};

static void log_event(sim_turn_server_t *t, const char *ev, const char *k1, const char *v1)
{
    if (!t->log)
        return;
    sim_evarg_t a = SIM_EVS(k1, v1);
    sim_evlog_emit(t->log, sim_now(t->k), t->src, ev, &a, 1);
}

static const char *addr_str(taddr_t a, char buf[32])
{
    char ip[16];
    snprintf(buf, 32, "%s:%u", sim_ip_str(a.ip, ip), a.port);
    return buf;
}

static void new_nonce(sim_turn_server_t *t)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++)
        t->nonce[i] = hex[sim_rng_below(&t->rng, 16)];
    t->nonce[16] = '\0';
}

void sim_turn_server_new_nonce(sim_turn_server_t *t)
{
    new_nonce(t);
}

/* libnice's validater: the password of a USERNAME (from which libnice
 * derives the long-term key with the message's REALM, RFC 8489 s.9.2.2). */
static bool password_of(StunAgent *agent, StunMessage *msg, uint8_t *user, uint16_t len,
                        uint8_t **pw, size_t *pwlen, void *arg)
{
    sim_turn_server_t *t = arg;
    for (size_t i = 0; user && i < t->nusers; i++)
        if (strlen(t->users[i].name) == len && memcmp(t->users[i].name, user, len) == 0) {
            *pw = (uint8_t *)t->users[i].password;
            *pwlen = strlen(t->users[i].password);
            return true;
        }
    return false;
}

static alloc_t *find_alloc(sim_turn_server_t *t, uint32_t ip, uint16_t port)
{
    for (alloc_t *a = t->allocs; a; a = a->next)
        if (a->client.ip == ip && a->client.port == port)
            return a;
    return NULL;
}

static void alloc_free(sim_turn_server_t *t, alloc_t *a)
{
    for (alloc_t **pp = &t->allocs; *pp; pp = &(*pp)->next)
        if (*pp == a) {
            *pp = a->next;
            break;
        }
    sim_cancel(t->k, a->timer);
    sim_udp_close(a->relay);
    free(a->perms);
    free(a->chans);
    free(a);
    t->st.allocations--;
}

static void alloc_expire(void *arg)
{
    alloc_t *a = arg;
    sim_turn_server_t *t = a->t;
    a->timer = 0;
    if (a->expires > sim_now(t->k)) {
        a->timer = sim_at(t->k, a->expires, alloc_expire, a);
        return;
    }
    char c[32];
    log_event(t, "allocation-expired", "client", addr_str(a->client, c));
    alloc_free(t, a);
}

static bool permitted(const alloc_t *a, uint32_t ip, sim_time_t now)
{
    for (size_t i = 0; i < a->nperms; i++)
        if (a->perms[i].ip == ip && a->perms[i].expires > now)
            return true;
    return false;
}

/* Install or refresh a permission; -1 out of memory (nothing changed). */
static int permit(alloc_t *a, uint32_t ip, sim_time_t until)
{
    for (size_t i = 0; i < a->nperms; i++)
        if (a->perms[i].ip == ip) {
            a->perms[i].expires = until;
            return 0;
        }
    perm_t *g = realloc(a->perms, (a->nperms + 1) * sizeof *a->perms);
    if (!g)
        return -1;
    a->perms = g;
    a->perms[a->nperms++] = (perm_t){ ip, until };
    return 0;
}

static void send_msg(sim_turn_server_t *t, const sim_pkt_t *to, const uint8_t *buf, size_t len)
{
    if (len)
        sim_udp_send(t->sock, to->src_ip, to->src_port, buf, len);
}

/* Error response; 401 and 438 carry REALM and NONCE (RFC 8489 s.9.2.4). */
static void send_error(sim_turn_server_t *t, const sim_pkt_t *p, StunMessage *req, int code)
{
    StunMessage m;
    uint8_t buf[512];
    t->st.refused++;
    if (!stun_agent_init_error(&t->agent, &m, buf, sizeof buf, req, (StunError)code))
        return;
    if (code == STUN_ERROR_UNAUTHORIZED || code == STUN_ERROR_STALE_NONCE) {
        stun_message_append_string(&m, STUN_ATTRIBUTE_REALM, t->realm);
        stun_message_append_string(&m, STUN_ATTRIBUTE_NONCE, t->nonce);
        m.key = NULL;       /* no MESSAGE-INTEGRITY on a challenge */
    }
    send_msg(t, p, buf, stun_agent_finish_message(&t->agent, &m, NULL, 0));
    char c[16];
    snprintf(c, sizeof c, "%d", code);
    log_event(t, "refused", "error", c);
}

static void on_relay(void *arg, sim_udp_t *u, const sim_pkt_t *p);

/* RFC 8489 s.14.2, the encoding XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS
 * share (RFC 8656 s.18.3, s.18.5), written here from the RFC rather than
 * taken from libnice or ref/: family 0x01, port XOR the cookie's high 16
 * bits, address XOR the cookie. -1 if absent, short or not IPv4. */
#define COOKIE 0x2112a442u

static int xor_get(const StunMessage *m, StunAttribute type, taddr_t *out)
{
    uint16_t len;
    const uint8_t *v = stun_message_find(m, type, &len);
    if (!v || len < 8 || v[1] != 0x01)
        return -1;
    out->port = (uint16_t)((v[2] << 8 | v[3]) ^ (COOKIE >> 16));
    out->ip = ((uint32_t)v[4] << 24 | (uint32_t)v[5] << 16 | (uint32_t)v[6] << 8 | v[7]) ^ COOKIE;
    return 0;
}

static void xor_put(StunMessage *m, StunAttribute type, taddr_t a)
{
    uint16_t port = (uint16_t)(a.port ^ (COOKIE >> 16));
    uint32_t ip = a.ip ^ COOKIE;
    const uint8_t v[8] = { 0, 0x01, (uint8_t)(port >> 8), (uint8_t)port,
                           (uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip };
    stun_message_append_bytes(m, type, v, sizeof v);
}

/* s.7.2: the success response to an Allocate (the relayed address, the
 * lifetime, the client's mapped address). */
static void allocate_answer(sim_turn_server_t *t, const sim_pkt_t *p, StunMessage *req, const alloc_t *a)
{
    StunMessage m;
    uint8_t buf[512];
    stun_agent_init_response(&t->agent, &m, buf, sizeof buf, req);
    xor_put(&m, STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, (taddr_t){ t->ip, sim_udp_port(a->relay) });
    stun_message_append32(&m, STUN_ATTRIBUTE_LIFETIME, a->life);
    xor_put(&m, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, a->client);
    send_msg(t, p, buf, stun_agent_finish_message(&t->agent, &m, NULL, 0));
}

static void on_request(sim_turn_server_t *t, const sim_pkt_t *p, StunMessage *req)
{
    /* the nonce must be the current one (RFC 8489 s.9.2.4) */
    uint16_t nlen = 0;
    const char *nonce = stun_message_find(req, STUN_ATTRIBUTE_NONCE, &nlen);
    if (!nonce || nlen != strlen(t->nonce) || memcmp(nonce, t->nonce, nlen) != 0) {
        send_error(t, p, req, STUN_ERROR_STALE_NONCE);
        return;
    }
    uint16_t ulen = 0;
    const char *user = stun_message_find(req, STUN_ATTRIBUTE_USERNAME, &ulen);
    alloc_t *a = find_alloc(t, p->src_ip, p->src_port);
    StunMethod method = stun_message_get_method(req);
    sim_time_t now = sim_now(t->k);
    StunMessage m;
    uint8_t buf[512];
    char c[32];

    if (method == STUN_ALLOCATE) {
        /* s.7.2: a 5-tuple in use is a 437, but for a retransmission of
         * the Allocate that made the allocation (its answer was lost): the
         * same transaction (RFC 8489 s.6.2.1) gets its success again, as
         * coturn answers it (D187) */
        if (a && memcmp(a->tid, req->buffer + 8, 12) == 0) {
            allocate_answer(t, p, req, a);
            return;
        }
        if (a) {
            send_error(t, p, req, STUN_ERROR_ALLOCATION_MISMATCH);
            return;
        }
        uint32_t transport = 0;
        if (stun_message_find32(req, STUN_ATTRIBUTE_REQUESTED_TRANSPORT, &transport) != STUN_MESSAGE_RETURN_SUCCESS) {
            send_error(t, p, req, STUN_ERROR_BAD_REQUEST);
            return;
        }
        if ((transport >> 24) != 17) {
            send_error(t, p, req, STUN_ERROR_UNSUPPORTED_TRANSPORT);
            return;
        }
        unsigned mine = 0;
        for (alloc_t *x = t->allocs; x; x = x->next)
            mine += strlen(x->user) == ulen && memcmp(x->user, user, ulen) == 0;
        if (mine >= t->quota) {
            send_error(t, p, req, STUN_ERROR_ALLOCATION_QUOTA_REACHED);   /* s.7.2 */
            return;
        }
        a = calloc(1, sizeof *a);
        if (!a) {
            send_error(t, p, req, STUN_ERROR_INSUFFICIENT_CAPACITY);   /* out of memory */
            return;
        }
        char err[256];
        a->relay = sim_udp_bind(t->host, t->ip, 0, on_relay, a, err, sizeof err);
        if (!a->relay) {
            free(a);
            send_error(t, p, req, STUN_ERROR_INSUFFICIENT_CAPACITY);
            return;
        }
        a->t = t;
        a->client = (taddr_t){ p->src_ip, p->src_port };
        snprintf(a->user, sizeof a->user, "%.*s", (int)ulen, user);
        uint32_t life = DEFAULT_LIFETIME;
        if (stun_message_find32(req, STUN_ATTRIBUTE_LIFETIME, &life) != STUN_MESSAGE_RETURN_SUCCESS)
            life = DEFAULT_LIFETIME;
        if (life > MAX_LIFETIME)
            life = MAX_LIFETIME;
        if (life == 0)
            life = DEFAULT_LIFETIME;
        a->expires = now + SIM_SEC(life);
        a->timer = sim_at(t->k, a->expires, alloc_expire, a);
        memcpy(a->tid, req->buffer + 8, 12);
        a->life = life;
        a->next = t->allocs;
        t->allocs = a;
        t->st.allocations++;
        allocate_answer(t, p, req, a);
        log_event(t, "allocation", "client", addr_str(a->client, c));
        return;
    }
    if (!a) {
        send_error(t, p, req, STUN_ERROR_ALLOCATION_MISMATCH);
        return;
    }
    if (method == STUN_REFRESH) {
        uint32_t life = DEFAULT_LIFETIME;
        if (stun_message_find32(req, STUN_ATTRIBUTE_LIFETIME, &life) != STUN_MESSAGE_RETURN_SUCCESS)
            life = DEFAULT_LIFETIME;
        if (life > MAX_LIFETIME)
            life = MAX_LIFETIME;
        stun_agent_init_response(&t->agent, &m, buf, sizeof buf, req);
        stun_message_append32(&m, STUN_ATTRIBUTE_LIFETIME, life);
        send_msg(t, p, buf, stun_agent_finish_message(&t->agent, &m, NULL, 0));
        if (life == 0) {            /* s.8: a lifetime of 0 deletes */
            log_event(t, "allocation-deleted", "client", addr_str(a->client, c));
            alloc_free(t, a);
        } else {
            a->expires = now + SIM_SEC(life);
        }
        return;
    }
    if (method == STUN_CREATEPERMISSION) {
        taddr_t peer;
        if (xor_get(req, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &peer) < 0) {
            send_error(t, p, req, STUN_ERROR_BAD_REQUEST);
            return;
        }
        /* s.9; out of memory: 508 Insufficient Capacity, as for a quota */
        if (permit(a, peer.ip, now + PERMISSION_LIFE) < 0) {
            send_error(t, p, req, STUN_ERROR_INSUFFICIENT_CAPACITY);
            return;
        }
        stun_agent_init_response(&t->agent, &m, buf, sizeof buf, req);
        send_msg(t, p, buf, stun_agent_finish_message(&t->agent, &m, NULL, 0));
        log_event(t, "permission", "peer", sim_ip_str(peer.ip, c));
        return;
    }
    if (method == STUN_CHANNELBIND) {
        taddr_t peer;
        uint32_t num;
        if (xor_get(req, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &peer) < 0 ||
            stun_message_find32(req, STUN_ATTRIBUTE_CHANNEL_NUMBER, &num) != STUN_MESSAGE_RETURN_SUCCESS ||
            (num >> 16) < 0x4000 || (num >> 16) > 0x4fff) {
            send_error(t, p, req, STUN_ERROR_BAD_REQUEST);       /* s.11.2 */
            return;
        }
        uint16_t number = (uint16_t)(num >> 16);
        for (size_t i = 0; i < a->nchans; i++) {
            bool same_num = a->chans[i].number == number;
            bool same_peer = a->chans[i].peer.ip == peer.ip && a->chans[i].peer.port == peer.port;
            if (same_num != same_peer) {
                send_error(t, p, req, STUN_ERROR_BAD_REQUEST);   /* bound otherwise */
                return;
            }
        }
        size_t i = 0;
        while (i < a->nchans && a->chans[i].number != number)
            i++;
        /* s.11.2 (the binding installs a permission too); out of memory:
         * 508 Insufficient Capacity, as for a quota */
        if (permit(a, peer.ip, now + PERMISSION_LIFE) < 0) {
            send_error(t, p, req, STUN_ERROR_INSUFFICIENT_CAPACITY);
            return;
        }
        if (i == a->nchans) {
            chan_t *g = realloc(a->chans, (a->nchans + 1) * sizeof *a->chans);
            if (!g) {
                send_error(t, p, req, STUN_ERROR_INSUFFICIENT_CAPACITY);
                return;
            }
            a->chans = g;
            a->nchans++;
        }
        a->chans[i] = (chan_t){ number, peer, now + CHANNEL_LIFE };
        stun_agent_init_response(&t->agent, &m, buf, sizeof buf, req);
        send_msg(t, p, buf, stun_agent_finish_message(&t->agent, &m, NULL, 0));
        log_event(t, "channel", "peer", addr_str(peer, c));
        return;
    }
    send_error(t, p, req, STUN_ERROR_BAD_REQUEST);
}

/* The value of the DATA attribute of the STUN message m[n], or NULL: a
 * walk of the attributes (RFC 8489 s.14: type, length, value padded to 4)
 * for a twin, which carries no valid MESSAGE-INTEGRITY for libnice to
 * check. Bounded by n and by the message length. */
static const uint8_t *stun_data_of(const uint8_t *m, size_t n, size_t *len)
{
    if (n < 20)
        return NULL;
    size_t end = 20u + (size_t)(m[2] << 8 | m[3]);
    if (end > n)
        return NULL;
    for (size_t o = 20; o + 4 <= end;) {
        unsigned type = (unsigned)(m[o] << 8 | m[o + 1]);
        size_t alen = (size_t)(m[o + 2] << 8 | m[o + 3]);
        if (o + 4 + alen > end)
            return NULL;
        if (type == STUN_ATTRIBUTE_DATA) {
            *len = alen;
            return m + o + 4;
        }
        o += 4 + ((alen + 3) & ~(size_t)3);
    }
    return NULL;
}

/* Send indication: client to peer through the relay (s.10.2). */
static void on_send(sim_turn_server_t *t, const sim_pkt_t *p, StunMessage *ind)
{
    alloc_t *a = find_alloc(t, p->src_ip, p->src_port);
    taddr_t peer;
    uint16_t len = 0;
    const void *data = stun_message_find(ind, STUN_ATTRIBUTE_DATA, &len);
    if (!a || xor_get(ind, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &peer) < 0 || !data ||
        !permitted(a, peer.ip, sim_now(t->k))) {
        t->st.dropped++;
        return;
    }
    t->st.relayed_out++;
    /* the twin (a Send indication around the plain packet) yields the
     * relayed datagram's twin, its DATA (rtc_env.h send_twin) */
    size_t tlen = 0;
    const uint8_t *twin = p->twin ? stun_data_of(p->twin, p->twin_len, &tlen) : NULL;
    sim_udp_send_twin(a->relay, peer.ip, peer.port, data, len, twin, tlen);
}

/* ChannelData: client to peer (s.12.5). */
static void on_channel_data(sim_turn_server_t *t, const sim_pkt_t *p)
{
    alloc_t *a = find_alloc(t, p->src_ip, p->src_port);
    uint16_t number = (uint16_t)(p->data[0] << 8 | p->data[1]);
    uint16_t len = (uint16_t)(p->data[2] << 8 | p->data[3]);
    sim_time_t now = sim_now(t->k);
    if (a && 4u + len <= p->len)
        for (size_t i = 0; i < a->nchans; i++)
            if (a->chans[i].number == number && a->chans[i].expires > now &&
                permitted(a, a->chans[i].peer.ip, now)) {
                t->st.relayed_out++;
                t->st.channel_out++;
                /* the twin's ChannelData gives the relayed datagram's twin */
                const uint8_t *twin = NULL;
                size_t tlen = 0;
                if (p->twin && p->twin_len >= 4) {
                    tlen = (size_t)(p->twin[2] << 8 | p->twin[3]);
                    twin = 4u + tlen <= p->twin_len ? p->twin + 4 : NULL;
                }
                sim_udp_send_twin(a->relay, a->chans[i].peer.ip, a->chans[i].peer.port,
                                  p->data + 4, len, twin, twin ? tlen : 0);
                return;
            }
    t->st.dropped++;
}

static void on_datagram(void *arg, sim_udp_t *u, const sim_pkt_t *p)
{
    sim_turn_server_t *t = arg;
    if (p->len >= 4 && p->data[0] >= 0x40 && p->data[0] <= 0x4f) {
        on_channel_data(t, p);
        return;
    }
    StunMessage m;
    /* RFC 8489 s.5: the two top bits zero and the magic cookie, else not
     * STUN (RFC 7983 s.7) */
    if (p->len < 20 || (p->data[0] & 0xc0) || memcmp(p->data + 4, "\x21\x12\xa4\x42", 4) != 0) {
        t->st.dropped++;
        return;
    }
    StunValidationStatus v = stun_agent_validate(&t->agent, &m, p->data, p->len, password_of, t);
    if (v == STUN_VALIDATION_NOT_STUN || v == STUN_VALIDATION_INCOMPLETE_STUN ||
        v == STUN_VALIDATION_BAD_REQUEST) {
        t->st.dropped++;
        return;
    }
    StunClass cls = stun_message_get_class(&m);
    if (cls == STUN_INDICATION) {
        if (v == STUN_VALIDATION_SUCCESS && stun_message_get_method(&m) == STUN_IND_SEND)
            on_send(t, p, &m);
        else
            t->st.dropped++;
        return;
    }
    if (cls != STUN_REQUEST) {
        t->st.dropped++;
        return;
    }
    if (v == STUN_VALIDATION_UNAUTHORIZED_BAD_REQUEST || v == STUN_VALIDATION_UNAUTHORIZED) {
        /* RFC 8489 s.9.2.4: challenge (no credentials) or refuse (wrong
         * ones) with 401 and a fresh realm and nonce */
        send_error(t, p, &m, STUN_ERROR_UNAUTHORIZED);
        return;
    }
    if (v != STUN_VALIDATION_SUCCESS) {
        send_error(t, p, &m, STUN_ERROR_BAD_REQUEST);
        return;
    }
    on_request(t, p, &m);
}

/* What a datagram from a peer becomes on its way to the client: ChannelData
 * (4 bytes more) or a Data indication (about 40 more). A peer may send up
 * to the largest UDP payload, so the message is built here, not on the
 * stack, and one that UDP cannot carry to the client is a drop. */
static uint8_t relay_buf[SIM_UDP_MAX_PAYLOAD + 64];
/* The same for the datagram's decrypted twin (packet.h), built beside it
 * with the same channel or transaction id. */
static uint8_t twin_buf[SIM_UDP_MAX_PAYLOAD + 64];

/* ChannelData around data[len] into buf: the number, the length, the data
 * (padded to 4 bytes over UDP it need not be, s.12.5). */
static size_t channel_data(uint8_t *buf, uint16_t number, const uint8_t *data, size_t len)
{
    buf[0] = (uint8_t)(number >> 8);
    buf[1] = (uint8_t)number;
    buf[2] = (uint8_t)(len >> 8);
    buf[3] = (uint8_t)len;
    memcpy(buf + 4, data, len);
    return len + 4;
}

/* A Data indication (s.11.6) from peer carrying data[len] into buf, with
 * transaction id id; its length, or 0 if it does not fit. */
static size_t data_indication(sim_turn_server_t *t, uint8_t *buf, size_t cap, const uint8_t *id,
                              taddr_t peer, const uint8_t *data, size_t len)
{
    /* header 20, XOR-PEER-ADDRESS 12, DATA 4 and the data padded to 4
     * (RFC 8489 s.14): known before building, as libnice's lengths are 16
     * bits and would wrap past 65535 */
    if (20u + 12u + 4u + ((len + 3u) & ~(size_t)3) > SIM_UDP_MAX_PAYLOAD)
        return 0;
    StunMessage m = { .buffer = buf, .buffer_len = cap, .agent = &t->agent };
    size_t n = 0;
    if (stun_message_init(&m, STUN_INDICATION, STUN_IND_DATA, id)) {
        xor_put(&m, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, peer);
        if (stun_message_append_bytes(&m, STUN_ATTRIBUTE_DATA, data, len) ==
            STUN_MESSAGE_RETURN_SUCCESS)
            n = stun_agent_finish_message(&t->agent, &m, NULL, 0);
    }
    return n <= SIM_UDP_MAX_PAYLOAD ? n : 0;
}

/* Counted and logged like the network's drops: a datagram from the peer
 * that the client can never be given (no silent loss). */
static void drop_too_big(sim_turn_server_t *t, const alloc_t *a, const sim_pkt_t *p)
{
    t->st.dropped++;
    if (!t->log)
        return;
    char from[32], to[32];
    sim_evarg_t args[] = { SIM_EVS("reason", "too-big"),
                           SIM_EVS("from", addr_str((taddr_t){ p->src_ip, p->src_port }, from)),
                           SIM_EVS("to", addr_str(a->client, to)), SIM_EVI("len", p->len) };
    sim_evlog_emit(t->log, sim_now(t->k), t->src, "drop", args, 4);
}

/* Data from a peer to a relayed address (s.10.3, s.12.6). */
static void on_relay(void *arg, sim_udp_t *u, const sim_pkt_t *p)
{
    alloc_t *a = arg;
    sim_turn_server_t *t = a->t;
    sim_time_t now = sim_now(t->k);
    if (!permitted(a, p->src_ip, now)) {
        t->st.dropped++;
        char c[16];
        log_event(t, "no-permission", "peer", sim_ip_str(p->src_ip, c));
        return;
    }
    uint8_t *buf = relay_buf;
    for (size_t i = 0; i < a->nchans; i++)
        if (a->chans[i].peer.ip == p->src_ip && a->chans[i].peer.port == p->src_port &&
            a->chans[i].expires > now) {
            if (4u + p->len > SIM_UDP_MAX_PAYLOAD) {
                drop_too_big(t, a, p);
                return;
            }
            size_t n = channel_data(buf, a->chans[i].number, p->data, p->len);
            size_t tn = 0;
            if (p->twin && 4u + p->twin_len <= SIM_UDP_MAX_PAYLOAD)
                tn = channel_data(twin_buf, a->chans[i].number, p->twin, p->twin_len);
            t->st.relayed_in++;
            t->st.channel_in++;
            sim_udp_send_twin(t->sock, a->client.ip, a->client.port, buf, n, tn ? twin_buf : NULL, tn);
            return;
        }
    /* RFC 8656 s.11.6: a Data indication. Its transaction id comes from
     * the server's own seeded stream, not from libnice's (which draws from
     * one stream for the whole process: another component's draws would
     * shift it). libnice's id is the magic cookie then 12 bytes. Too big
     * is known before the id is drawn, as it always was: the stream's
     * draws stay those of the goldens. */
    if (20u + 12u + 4u + ((p->len + 3u) & ~3u) > SIM_UDP_MAX_PAYLOAD) {
        drop_too_big(t, a, p);
        return;
    }
    StunTransactionId id;
    memcpy(id, "\x21\x12\xa4\x42", 4);
    sim_rng_bytes(&t->rng, id + 4, sizeof id - 4);
    taddr_t peer = { p->src_ip, p->src_port };
    size_t n = data_indication(t, buf, sizeof relay_buf, id, peer, p->data, p->len);
    if (n == 0) {
        drop_too_big(t, a, p);
        return;
    }
    /* the twin: the same message (same id; lengths, and FINGERPRINT were
     * the agent to add one, computed for the twin's bytes) */
    size_t tn = p->twin ? data_indication(t, twin_buf, sizeof twin_buf, id, peer, p->twin, p->twin_len)
                        : 0;
    t->st.relayed_in++;
    sim_udp_send_twin(t->sock, a->client.ip, a->client.port, buf, n, tn ? twin_buf : NULL, tn);
}

sim_turn_server_t *sim_turn_server_new(sim_host_t *h, uint32_t ip, uint16_t port, const char *realm,
                                       unsigned quota, char *err, size_t errlen)
{
    sim_turn_server_t *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory (a TURN server)");
        return NULL;
    }
    if (!port)
        port = 3478;
    t->sock = sim_udp_bind(h, ip, port, on_datagram, t, err, errlen);
    if (!t->sock) {
        free(t);
        return NULL;
    }
    t->host = h;
    t->ip = ip;
    t->k = sim_net_kernel(sim_host_net(h));
    t->log = sim_net_evlog(sim_host_net(h));
    t->quota = quota ? quota : 10;
    char a[16];
    snprintf(t->src, sizeof t->src, "turn:%s:%u", sim_ip_str(ip, a), port);
    snprintf(t->realm, sizeof t->realm, "%s", realm);
    sim_rng_init(&t->rng, sim_kernel_seed(t->k), t->src);
    new_nonce(t);
    stun_agent_init(&t->agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_LONG_TERM_CREDENTIALS);
    return t;
}

int sim_turn_server_user(sim_turn_server_t *t, const char *user, const char *password)
{
    user_t *u = realloc(t->users, (t->nusers + 1) * sizeof *u);
    if (!u)
        return -1;
    t->users = u;
    char *name = strdup(user), *pw = strdup(password);
    if (!name || !pw) {
        free(name);
        free(pw);
        return -1;
    }
    t->users[t->nusers++] = (user_t){ .name = name, .password = pw };
    return 0;
}

void sim_turn_server_stats(const sim_turn_server_t *t, sim_turn_stats_t *st)
{
    *st = t->st;
}

void sim_turn_server_free(sim_turn_server_t *t)
{
    if (!t)
        return;
    while (t->allocs)
        alloc_free(t, t->allocs);
    sim_udp_close(t->sock);
    for (size_t i = 0; i < t->nusers; i++) {
        free(t->users[i].name);
        free(t->users[i].password);
    }
    free(t->users);
    free(t);
}
