/*
 * socket.c - RTCSocket (ice.h): the shared transport addresses and the
 * demultiplexer that hands each STUN message to its RTCConnection.
 *
 * Requests are routed by the local username fragment, the part of
 * USERNAME before ':' (RFC 8445 s.7.2.2: "RFRAG:LFRAG" as the sender
 * writes it, so ours comes first), which begins with the connection's
 * serial; responses by the serial carried in their transaction id. Anything else is ignored and counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ice_private.h"

void *rtc_mem_alloc(const rtc_env_t *env, size_t size)
{
    if (!env->alloc)
        return calloc(1, size);     /* which need not write fresh memory */
    void *p = env->alloc(env->ctx, NULL, 0, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void *rtc_mem_realloc(const rtc_env_t *env, void *p, size_t old, size_t size)
{
    return env->alloc ? env->alloc(env->ctx, p, old, size) : realloc(p, size);
}

void rtc_mem_free(const rtc_env_t *env, void *p, size_t size)
{
    if (!p)
        return;     /* never allocated: nothing to give back */
    if (env->alloc)
        env->alloc(env->ctx, p, size, 0);
    else
        free(p);
}

void *rtc_mem_reserve(const rtc_env_t *env, void *p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return p;
    /* one more at a time, as the arrays grew before: they stay small
     * (candidates, pairs), and this keeps the memory per call down and
     * the heap's top from being trimmed and faulted in again (bench ice:
     * doubling took a third more page faults) */
    void *q = rtc_mem_realloc(env, p, *cap * elem, (n + 1) * elem);
    if (q)
        *cap = n + 1;
    return q;
}

/* The address arrays hold at least one element (an empty list is
 * allowed), so that an allocation is never of 0 bytes. */
static size_t addrs_size(size_t n)
{
    return (n ? n : 1) * sizeof(rtc_addr_t);
}

static rtc_addr_t *addrs_copy(const rtc_env_t *env, const rtc_addr_t *v, size_t n)
{
    rtc_addr_t *c = rtc_mem_alloc(env, addrs_size(n));
    if (c && n)
        memcpy(c, v, n * sizeof *v);
    return c;
}

rtc_socket_t *rtc_socket_new(const rtc_env_t *env, const rtc_addr_t *locals, size_t nlocals,
                             const rtc_addr_t *stun, size_t nstun)
{
    rtc_socket_t *s = rtc_mem_alloc(env, sizeof *s);
    if (!s)
        return NULL;
    s->env = *env;
    s->locals = addrs_copy(env, locals, nlocals);
    s->stun = addrs_copy(env, stun, nstun);
    s->nlocals = nlocals;
    s->nstun = nstun;
    rtc_txn_table_init(&s->turn, s, RTC_SOCKET_SERIAL, &s->turn_agents);
    if (!s->locals || !s->stun || rtc_stun_pool_init(&s->ice_agents, &s->env, RTC_STUN_USAGE_ICE) < 0 ||
        rtc_stun_pool_init(&s->turn_agents, &s->env, RTC_STUN_USAGE_TURN) < 0) {
        rtc_stun_pool_free(&s->ice_agents);
        rtc_stun_pool_free(&s->turn_agents);
        rtc_mem_free(env, s->locals, addrs_size(nlocals));
        rtc_mem_free(env, s->stun, addrs_size(nstun));
        rtc_mem_free(env, s, sizeof *s);
        return NULL;
    }
    return s;
}

void rtc_socket_free(rtc_socket_t *s)
{
    if (!s)
        return;
    s->env.set_timer(s->env.ctx, RTC_TIMER_SOCKET, s, RTC_TIME_NEVER);
    rtc_turn_free(s);
    rtc_stun_pool_free(&s->ice_agents);
    rtc_stun_pool_free(&s->turn_agents);
    rtc_mem_free(&s->env, s->locals, addrs_size(s->nlocals));
    rtc_mem_free(&s->env, s->stun, addrs_size(s->nstun));
    rtc_mem_free(&s->env, s->conns, s->conns_cap * sizeof *s->conns);
    rtc_env_t env = s->env;
    rtc_mem_free(&env, s, sizeof *s);
}

int rtc_socket_set_locals(rtc_socket_t *s, const rtc_addr_t *locals, size_t nlocals)
{
    rtc_addr_t *v = addrs_copy(&s->env, locals, nlocals);
    if (!v)
        return RTC_ERR_NOMEM;
    rtc_mem_free(&s->env, s->locals, addrs_size(s->nlocals));
    s->locals = v;
    s->nlocals = nlocals;
    return 0;
}

void rtc_socket_address_lost(rtc_socket_t *s, const rtc_addr_t *addr)
{
    for (size_t i = 0; i < s->nconns; i++)
        if (s->conns[i])
            rtc_connection_address_lost(s->conns[i], addr);
}

void rtc_socket_handle_timeout(rtc_socket_t *s)
{
    rtc_turn_timeout(s);
}

void rtc_socket_stats(const rtc_socket_t *s, rtc_socket_stats_t *st)
{
    *st = s->st;
}

rtc_send_status_t rtc_socket_emit(rtc_socket_t *s, const rtc_addr_t *from, const rtc_addr_t *to,
                                  const uint8_t *data, size_t len, const uint8_t *plain,
                                  size_t plain_len)
{
    rtc_send_status_t st = plain && s->env.send_twin
                               ? s->env.send_twin(s->env.ctx, from, to, data, len, plain, plain_len)
                               : s->env.send(s->env.ctx, from, to, data, len);
    if (st != RTC_SEND_OK) {
        st = st < RTC_SEND__COUNT ? st : RTC_SEND_FAILED;   /* an unknown status: it did not go */
        s->st.unsent[st]++;
    }
    return st;
}

rtc_send_status_t rtc_socket_send_twin(rtc_socket_t *s, const rtc_addr_t *from, const rtc_addr_t *to,
                                       const uint8_t *data, size_t len, const uint8_t *plain,
                                       size_t plain_len)
{
    rtc_send_status_t st = RTC_SEND_OK;
    if (!rtc_turn_send(s, from, to, data, len, plain, plain_len, &st))
        st = rtc_socket_emit(s, from, to, data, len, plain, plain_len);
    return st;
}

void rtc_socket_send(rtc_socket_t *s, const rtc_addr_t *from, const rtc_addr_t *to, const uint8_t *data,
                     size_t len)
{
    rtc_socket_send_twin(s, from, to, data, len, NULL, 0);
}

int rtc_socket_set_srtp_profiles(rtc_socket_t *s, const char *list, char *err, size_t errlen)
{
    /* RFC 5764 s.4.1.2 and RFC 7714 s.14.2: the two profiles libsrtp2 and
     * this implementation support, by OpenSSL's names */
    static const char *const known[] = { "SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_SHA1_80" };
    size_t n = strlen(list);
    if (n == 0 || n >= sizeof s->srtp_profiles) {
        snprintf(err, errlen, "SRTP profiles: expected a ':'-separated list of SRTP_AEAD_AES_128_GCM "
                              "and SRTP_AES128_CM_SHA1_80, got '%s'", list);
        return RTC_ERR_INVALID;
    }
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ":");
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            ok |= strlen(known[i]) == k && memcmp(known[i], p, k) == 0;
        if (!ok) {
            snprintf(err, errlen, "SRTP profiles: '%.*s' is not SRTP_AEAD_AES_128_GCM or "
                                  "SRTP_AES128_CM_SHA1_80", (int)k, p);
            return RTC_ERR_INVALID;
        }
        p += k + (p[k] == ':');
    }
    memcpy(s->srtp_profiles, list, n + 1);
    return 0;
}

/* Our usefrags begin with the connection's serial (connection.c). */
static rtc_connection_t *by_ufrag(rtc_socket_t *s, const uint8_t *user, size_t len)
{
    const uint8_t *colon = memchr(user, ':', len);
    size_t n = colon ? (size_t)(colon - user) : len;
    uint32_t serial = rtc_ufrag_serial(user, n);
    if (serial >= s->nconns || !s->conns[serial])
        return NULL;
    rtc_connection_t *c = s->conns[serial];
    const char *uf = rtc_connection_local_ufrag(c);
    return strlen(uf) == n && memcmp(uf, user, n) == 0 ? c : NULL;
}

void rtc_socket_handle_datagram(rtc_socket_t *s, const rtc_addr_t *local, const rtc_addr_t *from,
                                const uint8_t *data, size_t len)
{
    if (rtc_turn_input(s, local, from, data, len))
        return;     /* the TURN server's, or relayed data (handed back in here unwrapped) */
    /* RFC 7983 s.7: DTLS at first bytes 20-63, RTP and RTCP at 128-191;
     * they belong to the connection whose valid pair they came over */
    if (len > 0 && ((data[0] >= 20 && data[0] <= 63) || (data[0] >= 128 && data[0] <= 191))) {
        for (size_t i = 0; i < s->nconns; i++)
            if (s->conns[i] && rtc_connection_handle_media(s->conns[i], local, from, data, len))
                return;
        s->st.ignored[RTC_STUN_NOT_STUN]++;     /* over no pair of ours */
        return;
    }
    /* RFC 8489 s.5: a STUN header; RFC 7983 s.7 puts STUN at first bytes 0-3 */
    if (len < 20 || data[0] > 3 || memcmp(data + 4, "\x21\x12\xa4\x42", 4) != 0) {
        s->st.ignored[RTC_STUN_NOT_STUN]++;
        return;
    }
    rtc_connection_t *c = NULL;
    unsigned cls = (data[0] & 0x01) << 1 | (data[1] & 0x10) >> 4;   /* RFC 8489 s.5 */
    if (cls == 0 || cls == 1) {             /* request or indication: by USERNAME */
        size_t pos = 20, end = 20 + ((size_t)data[2] << 8 | data[3]);
        if (end > len)
            end = len;
        while (pos + 4 <= end && !c) {
            unsigned type = (unsigned)data[pos] << 8 | data[pos + 1];
            size_t alen = (size_t)data[pos + 2] << 8 | data[pos + 3];
            if (pos + 4 + alen > end)
                break;
            if (type == STUN_ATTRIBUTE_USERNAME)
                c = by_ufrag(s, data + pos + 4, alen);
            pos += 4 + ((alen + 3) & ~(size_t)3);
        }
    } else {                                /* response: by the serial in its id */
        uint32_t serial = (uint32_t)data[8] << 24 | (uint32_t)data[9] << 16 |
                          (uint32_t)data[10] << 8 | data[11];
        if (serial < s->nconns)
            c = s->conns[serial];
    }
    if (!c) {
        /* a message for no connection of ours: counted as unauthenticated
         * (requests) or unmatched (responses) */
        s->st.ignored[cls <= 1 ? RTC_STUN_UNAUTHENTICATED : RTC_STUN_UNMATCHED]++;
        return;
    }
    rtc_connection_handle_stun(c, local, from, data, len);
}
