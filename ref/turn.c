/*
 * turn.c - the TURN client of RTCSocket (RFC 8656 over UDP).
 *
 * A relayed address is a transport address of the socket, as its host
 * addresses are: one allocation per TURN server, from the socket's first
 * address (RFC 8656 s.7.2 allows one allocation per 5-tuple, so the
 * connections forking on one socket share it). Allocate goes out without
 * credentials, the 401 brings REALM and NONCE, the retry carries the
 * long-term MESSAGE-INTEGRITY (RFC 8489 s.9.2); a 438 brings a new nonce.
 * The allocation is refreshed at half its lifetime; permissions (s.9) and
 * channels (s.12) are asked for when the socket first sends to a peer and
 * kept alive every 4 minutes while that peer is sent to; data goes as
 * ChannelData once the channel is bound, as Send indications before.
 * Data indications and ChannelData from the server are unwrapped and
 * handed to the demultiplexer as arriving at the relayed address.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <stun/stunagent.h>

#include "ice_private.h"

#define MS(x)        ((uint64_t)(x) * 1000000ull)
#define KEEPALIVE    MS(240000)     /* permissions last 300 s (s.9), channels 600 s (s.12) */

static uint64_t now(const rtc_socket_t *s) { return s->env.now(s->env.ctx); }

static bool addr_eq(const rtc_addr_t *a, const rtc_addr_t *b)
{
    return a->ip == b->ip && a->port == b->port;
}

static void relays_free(rtc_socket_t *s)
{
    for (size_t i = 0; i < s->nrelays; i++) {
        rtc_mem_free(&s->env, s->relays[i].perms, s->relays[i].perms_cap * sizeof *s->relays[i].perms);
        rtc_mem_free(&s->env, s->relays[i].chans, s->relays[i].chans_cap * sizeof *s->relays[i].chans);
    }
    rtc_mem_free(&s->env, s->relays, (s->nrelays ? s->nrelays : 1) * sizeof *s->relays);
}

int rtc_socket_set_turn(rtc_socket_t *s, const rtc_turn_server_t *t, size_t n)
{
    rtc_relay_t *r = rtc_mem_alloc(&s->env, (n ? n : 1) * sizeof *r);
    if (!r)
        return RTC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        r[i].srv = t[i];
        r[i].state = RELAY_IDLE;
    }
    relays_free(s);
    s->relays = r;
    s->nrelays = n;
    return 0;
}

/* ---- transactions ------------------------------------------------------------- */

static void arm(rtc_socket_t *s)
{
    uint64_t at = rtc_txn_next(&s->turn);
    for (size_t i = 0; i < s->nrelays; i++)
        if (s->relays[i].state == RELAY_READY && s->relays[i].refresh_at < at)
            at = s->relays[i].refresh_at;
    s->env.set_timer(s->env.ctx, RTC_TIMER_SOCKET, s, at);
}

static void relay_done(rtc_socket_t *s, size_t ri, rtc_relay_state_t state, int error);

static void stx_free(rtc_socket_t *s, rtc_stx_t *t)
{
    rtc_txn_free(&s->turn, &t->txn);
}

/* The transaction failed (no answer, or it could not be sent): an
 * Allocate's relay fails; the others are tried again at the next
 * refresh. */
static void stx_failed(rtc_socket_t *s, rtc_stx_t *t)
{
    size_t ri = t->relay;
    rtc_stx_kind_t kind = t->kind;
    stx_free(s, t);
    if (kind == STX_ALLOCATE)
        relay_done(s, ri, RELAY_FAILED, 0);         /* no answer */
}

/* Build and send t's request; authenticated once the relay knows its
 * realm and nonce (RFC 8489 s.9.2.4: USERNAME, REALM, NONCE, and
 * MESSAGE-INTEGRITY keyed with MD5(user:realm:password), which libnice's
 * agent derives from the first three and the password). */
static void stx_build(rtc_socket_t *s, rtc_stx_t *t)
{
    rtc_relay_t *r = &s->relays[t->relay];
    static const StunMethod methods[] = { STUN_ALLOCATE, STUN_REFRESH, STUN_CREATEPERMISSION, STUN_CHANNELBIND };
    StunMessage m;
    rtc_txn_message(&s->turn, &t->txn, &m, methods[t->kind]);
    if (t->kind == STX_ALLOCATE)
        stun_message_append32(&m, STUN_ATTRIBUTE_REQUESTED_TRANSPORT, 17u << 24);   /* UDP, s.18.8 */
    if (t->kind == STX_PERMISSION)
        rtc_stun_put_xor(&m, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &(rtc_addr_t){ t->peer_ip, 0 });
    if (t->kind == STX_CHANNEL) {
        stun_message_append32(&m, STUN_ATTRIBUTE_CHANNEL_NUMBER, (uint32_t)t->channel << 16);
        rtc_stun_put_xor(&m, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &t->peer);
    }
    const uint8_t *key = NULL;
    if (r->authed) {
        stun_message_append_string(&m, STUN_ATTRIBUTE_USERNAME, r->srv.user);
        stun_message_append_string(&m, STUN_ATTRIBUTE_REALM, r->realm);
        stun_message_append_string(&m, STUN_ATTRIBUTE_NONCE, r->nonce);
        key = (const uint8_t *)r->srv.password;     /* lives as long as the socket */
    }
    int rc = rtc_txn_start(&s->turn, &t->txn, &m, key, key ? strlen(r->srv.password) : 0, &r->base,
                           &r->srv.addr, RTC_TXN_RTO);
    if (rc == RTC_ERR_NOMEM)
        s->st.nomem++;
    if (rc < 0)
        stx_failed(s, t);   /* as one never answered */
}

/* A transaction with the relay's server. Out of memory, it fails as one
 * never answered would (an Allocate's relay fails; a refresh, permission
 * or channel is tried again at the next refresh), counted. */
static void start(rtc_socket_t *s, rtc_stx_kind_t kind, size_t relay, uint32_t peer_ip, rtc_addr_t peer,
                  uint16_t channel)
{
    /* the longest: a ChannelBind with 127-byte user, realm and nonce */
    rtc_stx_t *t = rtc_txn_new(&s->turn, sizeof *t, 512);
    if (!t) {
        s->st.nomem++;
        if (kind == STX_ALLOCATE)
            relay_done(s, relay, RELAY_FAILED, 0);
        return;
    }
    t->kind = kind;
    t->relay = relay;
    t->peer_ip = peer_ip;
    t->peer = peer;
    t->channel = channel;
    stx_build(s, t);
}

/* ---- relays --------------------------------------------------------------------- */

static void relay_done(rtc_socket_t *s, size_t ri, rtc_relay_state_t state, int error)
{
    s->relays[ri].state = state;
    s->relays[ri].error = error;
    for (size_t i = 0; i < s->nconns; i++)
        if (s->conns[i])
            rtc_connection_relay_done(s->conns[i], ri);
}

void rtc_turn_start(rtc_socket_t *s)
{
    for (size_t i = 0; i < s->nrelays; i++) {
        rtc_relay_t *r = &s->relays[i];
        if (r->state != RELAY_IDLE || s->nlocals == 0)
            continue;
        r->base = s->locals[0];
        r->state = RELAY_ALLOCATING;
        start(s, STX_ALLOCATE, i, 0, (rtc_addr_t){ 0, 0 }, 0);
    }
    arm(s);
}

static rtc_perm_t *perm_of(rtc_relay_t *r, uint32_t ip)
{
    for (size_t i = 0; i < r->nperms; i++)
        if (r->perms[i].ip == ip)
            return &r->perms[i];
    return NULL;
}

static rtc_chan_t *chan_of(rtc_relay_t *r, const rtc_addr_t *peer)
{
    for (size_t i = 0; i < r->nchans; i++)
        if (addr_eq(&r->chans[i].peer, peer))
            return &r->chans[i];
    return NULL;
}

/* s.10.1: a Send indication carrying data to peer, with transaction id
 * id, into buf; its length, or 0 if it does not fit. */
static size_t send_indication(rtc_socket_t *s, const StunTransactionId id, const rtc_addr_t *peer,
                              const uint8_t *data, size_t len, uint8_t *buf, size_t cap)
{
    StunMessage m = { .buffer = buf, .buffer_len = cap, .agent = rtc_stun_pool_agent(&s->turn_agents) };
    if (stun_message_init(&m, STUN_INDICATION, STUN_IND_SEND, id) &&
        rtc_stun_put_xor(&m, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, peer) == 0 &&
        stun_message_append_bytes(&m, STUN_ATTRIBUTE_DATA, data, len) == STUN_MESSAGE_RETURN_SUCCESS)
        return stun_agent_finish_message(rtc_stun_pool_agent(&s->turn_agents), &m, NULL, 0);   /* not remembered: no answer comes */
    return 0;
}

/* s.12.4: ChannelData into buf (its length field is 16 bits); its
 * length, or 0 if it does not fit. */
static size_t channel_data(uint16_t number, const uint8_t *data, size_t len, uint8_t *buf, size_t cap)
{
    if (len + 4 > cap)
        return 0;
    buf[0] = (uint8_t)(number >> 8);
    buf[1] = (uint8_t)number;
    buf[2] = (uint8_t)(len >> 8);
    buf[3] = (uint8_t)len;
    memcpy(buf + 4, data, len);
    return len + 4;
}

bool rtc_turn_send(rtc_socket_t *s, const rtc_addr_t *from, const rtc_addr_t *to, const uint8_t *data,
                   size_t len, const uint8_t *plain, size_t plain_len, rtc_send_status_t *st)
{
    size_t ri = 0;
    while (ri < s->nrelays && !(s->relays[ri].state == RELAY_READY && addr_eq(&s->relays[ri].relayed, from)))
        ri++;
    if (ri == s->nrelays)
        return false;
    rtc_send_status_t dummy;
    if (!st)
        st = &dummy;
    *st = RTC_SEND_OK;
    rtc_relay_t *r = &s->relays[ri];
    rtc_perm_t *p = perm_of(r, to->ip);
    if (!p) {
        /* out of memory: the datagram is dropped, counted; the next one
         * to this peer tries again */
        rtc_perm_t *v = rtc_mem_reserve(&s->env, r->perms, &r->perms_cap, r->nperms, sizeof *v);
        rtc_chan_t *cv = v ? rtc_mem_reserve(&s->env, r->chans, &r->chans_cap, r->nchans, sizeof *cv) : NULL;
        if (v)
            r->perms = v;
        if (!cv) {
            s->st.nomem++;
            *st = RTC_SEND_FAILED;
            return true;
        }
        r->chans = cv;
        p = &r->perms[r->nperms++];
        *p = (rtc_perm_t){ .ip = to->ip };
        start(s, STX_PERMISSION, ri, to->ip, *to, 0);
        /* s.12: a channel too, for the datagrams that follow */
        rtc_chan_t *ch = &r->chans[r->nchans];
        *ch = (rtc_chan_t){ .peer = *to, .number = (uint16_t)(0x4000 + r->nchans) };
        r->nchans++;
        start(s, STX_CHANNEL, ri, to->ip, *to, ch->number);
        arm(s);
    }
    p->used = now(s);
    rtc_chan_t *ch = chan_of(r, to);
    /* the twin is wrapped as the datagram is (rtc_env.h: send_twin) */
    uint8_t buf[2048 + 64], twin[2048 + 64];
    size_t n, tn = 0;
    if (ch && ch->bound) {
        n = channel_data(ch->number, data, len, buf, sizeof buf);
        if (n && plain)
            tn = channel_data(ch->number, plain, plain_len, twin, sizeof twin);
    } else {
        /* s.10.1: a Send indication (it waits for no permission answer: if
         * the permission is not installed yet the server drops it, and the
         * ICE check is retransmitted). Its transaction id is ours, from
         * env.random, as every id is (RFC 8489 s.6: indications too); the
         * twin has the same. */
        StunTransactionId id;
        memcpy(id, "\x21\x12\xa4\x42", 4);
        memset(id + 4, 0xff, 4);            /* RTC_SOCKET_SERIAL: answers (none) would be ours */
        s->env.random(s->env.ctx, id + 8, RTC_TID_LEN - 4);
        n = send_indication(s, id, to, data, len, buf, sizeof buf);
        if (n && plain)
            tn = send_indication(s, id, to, plain, plain_len, twin, sizeof twin);
    }
    if (!n) {
        s->st.unsent[RTC_SEND_TOO_LARGE]++;    /* it does not fit in the largest datagram we build */
        *st = RTC_SEND_TOO_LARGE;
        return true;
    }
    *st = rtc_socket_emit(s, &r->base, &r->srv.addr, buf, n, tn ? twin : NULL, tn);
    return true;
}

/* ---- from the server -------------------------------------------------------------- */

static void on_response(rtc_socket_t *s, rtc_stx_t *t, const uint8_t *data, size_t len)
{
    rtc_relay_t *r = &s->relays[t->relay];
    size_t ri = t->relay;
    StunMessage m;
    rtc_stun_check_t v = rtc_txn_validate(&s->turn, &t->txn, &m, data, len);
    if (v != RTC_STUN_VALID) {
        s->st.ignored[v]++;
        return;
    }
    rtc_stx_kind_t kind = t->kind;
    int code = 0;
    if (stun_message_get_class(&m) == STUN_ERROR)
        stun_message_find_error(&m, &code);
    bool challenge = code == STUN_ERROR_UNAUTHORIZED && !r->authed;
    if (challenge || code == STUN_ERROR_STALE_NONCE) {
        /* RFC 8489 s.9.2.5: take realm and nonce, retry with credentials */
        uint16_t n;
        const char *realm = stun_message_find(&m, STUN_ATTRIBUTE_REALM, &n);
        if (realm && n < sizeof r->realm) {
            memcpy(r->realm, realm, n);
            r->realm[n] = '\0';
        }
        const char *nonce = stun_message_find(&m, STUN_ATTRIBUTE_NONCE, &n);
        if (nonce && n < sizeof r->nonce) {
            memcpy(r->nonce, nonce, n);
            r->nonce[n] = '\0';
        }
        r->authed = true;
        rtc_txn_renew(&s->turn, &t->txn);      /* a new transaction */
        stx_build(s, t);
        arm(s);
        return;
    }
    rtc_addr_t peer = t->peer;
    uint16_t channel = t->channel;
    stx_free(s, t);
    if (kind == STX_ALLOCATE) {
        uint32_t life = 600;
        if (code == 0 && rtc_stun_get_xor(&m, STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, &r->relayed) == 0) {
            stun_message_find32(&m, STUN_ATTRIBUTE_LIFETIME, &life);
            /* the first refresh comes before a permission's 300 s are up */
            uint64_t half = MS(life) * 1000 / 2;
            r->refresh_at = now(s) + (half < KEEPALIVE ? half : KEEPALIVE);
            r->last_tick = now(s);
            relay_done(s, ri, RELAY_READY, 0);
        } else {
            relay_done(s, ri, RELAY_FAILED, code ? code : 500);
        }
    } else if (kind == STX_PERMISSION) {
        rtc_perm_t *p = perm_of(r, peer.ip);
        if (p)
            p->ok = code == 0;
    } else if (kind == STX_CHANNEL) {
        rtc_chan_t *ch = chan_of(r, &peer);
        if (ch && ch->number == channel)
            ch->bound = code == 0;
    } else if (kind == STX_REFRESH && code != 0) {
        relay_done(s, ri, RELAY_FAILED, code);
    }
    arm(s);
}

bool rtc_turn_input(rtc_socket_t *s, const rtc_addr_t *local, const rtc_addr_t *from, const uint8_t *data,
                    size_t len)
{
    size_t ri = 0;
    while (ri < s->nrelays &&
           !(s->relays[ri].state != RELAY_IDLE && addr_eq(&s->relays[ri].base, local) &&
             addr_eq(&s->relays[ri].srv.addr, from)))
        ri++;
    if (ri == s->nrelays)
        return false;
    rtc_relay_t *r = &s->relays[ri];
    if (len >= 4 && data[0] >= 0x40 && data[0] <= 0x4f) {
        /* s.12.6: ChannelData from a peer */
        uint16_t number = (uint16_t)(data[0] << 8 | data[1]), n = (uint16_t)(data[2] << 8 | data[3]);
        if (4u + n > len) {
            s->st.ignored[RTC_STUN_MALFORMED]++;    /* longer than the datagram */
            return true;
        }
        for (size_t i = 0; i < r->nchans; i++)
            if (r->chans[i].number == number && r->chans[i].bound) {
                rtc_socket_handle_datagram(s, &r->relayed, &r->chans[i].peer, data + 4, n);
                return true;
            }
        s->st.ignored[RTC_STUN_NOT_STUN]++;         /* a channel we did not bind */
        return true;
    }
    if (len < 20 || data[0] > 3)
        return false;
    unsigned cls = (data[0] & 0x01) << 1 | (data[1] & 0x10) >> 4;
    if (cls >= 2) {
        if (memcmp(data + 8, "\xff\xff\xff\xff", 4) != 0)
            return false;       /* an ICE response for a connection */
        rtc_stx_t *t = (rtc_stx_t *)rtc_txn_find(&s->turn, data);
        if (t) {
            on_response(s, t, data, len);
            return true;
        }
        s->st.ignored[RTC_STUN_UNMATCHED]++;
        return true;
    }
    /* s.10.4: a Data indication */
    StunMessage m;
    rtc_addr_t peer;
    uint16_t dl;
    const void *d;
    rtc_stun_check_t v = rtc_stun_validate(rtc_stun_pool_agent(&s->turn_agents), &m, data, len, NULL, NULL);
    if (v != RTC_STUN_VALID) {
        s->st.ignored[v]++;
        return true;
    }
    if (stun_message_get_method(&m) != STUN_IND_DATA ||
        rtc_stun_get_xor(&m, STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &peer) < 0 ||
        !(d = stun_message_find(&m, STUN_ATTRIBUTE_DATA, &dl))) {
        s->st.ignored[RTC_STUN_MALFORMED]++;
        return true;
    }
    rtc_socket_handle_datagram(s, &r->relayed, &peer, d, dl);
    return true;
}

void rtc_turn_timeout(rtc_socket_t *s)
{
    uint64_t t0 = now(s);
    rtc_txn_t *x;
    for (size_t cur = 0; (x = rtc_txn_poll(&s->turn, t0, &cur));)
        stx_failed(s, (rtc_stx_t *)x);     /* RFC 8489 s.6.2.1: no answer */
    for (size_t i = 0; i < s->nrelays; i++) {
        rtc_relay_t *r = &s->relays[i];
        if (r->state != RELAY_READY || r->refresh_at > t0)
            continue;
        /* keep the allocation, and the permissions and channels of the
         * peers sent to since the last refresh: the others run out */
        start(s, STX_REFRESH, i, 0, (rtc_addr_t){ 0, 0 }, 0);
        for (size_t j = 0; j < r->nperms; j++)
            if (r->perms[j].used >= r->last_tick)
                start(s, STX_PERMISSION, i, r->perms[j].ip, (rtc_addr_t){ r->perms[j].ip, 0 }, 0);
        for (size_t j = 0; j < r->nchans; j++) {
            rtc_perm_t *p = perm_of(r, r->chans[j].peer.ip);
            if (r->chans[j].bound && p && p->used >= r->last_tick)
                start(s, STX_CHANNEL, i, r->chans[j].peer.ip, r->chans[j].peer, r->chans[j].number);
        }
        r->last_tick = t0;
        r->refresh_at = t0 + KEEPALIVE;
    }
    arm(s);
}

void rtc_turn_free(rtc_socket_t *s)
{
    rtc_txn_table_clear(&s->turn);
    relays_free(s);
}
