/*
 * stun_txn.c - STUN client transactions (stun_txn.h), RFC 8489 s.6.2.1.
 */
#include "stun_txn.h"

#include <stddef.h>
#include <string.h>

#include "ice_private.h"

static uint64_t now(const rtc_txn_table_t *t)
{
    return t->s->env.now(t->s->env.ctx);
}

static void new_id(rtc_txn_table_t *t, rtc_txn_t *x)
{
    x->id[0] = (uint8_t)(t->owner >> 24);
    x->id[1] = (uint8_t)(t->owner >> 16);
    x->id[2] = (uint8_t)(t->owner >> 8);
    x->id[3] = (uint8_t)t->owner;
    t->s->env.random(t->s->env.ctx, x->id + 4, RTC_TID_LEN - 4);
}

/* libnice's id covers the magic cookie too (RFC 3489's 128 bits). */
static void full_id(const rtc_txn_t *x, StunTransactionId id)
{
    memcpy(id, "\x21\x12\xa4\x42", 4);
    memcpy(id + 4, x->id, RTC_TID_LEN);
}

static int pool_add(rtc_stun_pool_t *p)
{
    StunAgent **agents = rtc_mem_reserve(p->env, p->agents, &p->agents_cap, p->n, sizeof *p->agents);
    if (!agents)
        return RTC_ERR_NOMEM;
    p->agents = agents;
    unsigned *used = rtc_mem_reserve(p->env, p->used, &p->used_cap, p->n, sizeof *p->used);
    if (!used)
        return RTC_ERR_NOMEM;
    p->used = used;
    /* libnice's agent lives in our memory: it allocates nothing itself */
    StunAgent *a = rtc_mem_realloc(p->env, NULL, 0, sizeof *a);   /* stun_agent_init sets it all */
    if (!a)
        return RTC_ERR_NOMEM;
    rtc_stun_agent_init(a, p->usage);
    p->agents[p->n] = a;
    p->used[p->n] = 0;
    return (int)p->n++;
}

int rtc_stun_pool_init(rtc_stun_pool_t *p, const rtc_env_t *env, StunAgentUsageFlags usage)
{
    memset(p, 0, sizeof *p);
    p->env = env;
    p->usage = usage;
    return pool_add(p) < 0 ? RTC_ERR_NOMEM : 0;
}

void rtc_stun_pool_free(rtc_stun_pool_t *p)
{
    if (!p->env)
        return;     /* never initialised */
    for (size_t i = 0; i < p->n; i++)
        rtc_mem_free(p->env, p->agents[i], sizeof *p->agents[i]);
    rtc_mem_free(p->env, p->agents, p->agents_cap * sizeof *p->agents);
    rtc_mem_free(p->env, p->used, p->used_cap * sizeof *p->used);
    memset(p, 0, sizeof *p);
}

/* An agent at the end of the pool that remembers nothing is given back,
 * unless the one before it is full (the next request would make it again
 * at once): a burst of transactions (a thousand connections checking at
 * once) grows the pool, and without this it kept the burst's agents,
 * 12.8 KB each, for good. No transaction names an agent that remembers
 * none of its requests (used[]), so no index is left dangling. */
static void pool_trim(rtc_stun_pool_t *p)
{
    while (p->n > 1 && p->used[p->n - 1] == 0 && p->used[p->n - 2] < RTC_TXN_PER_AGENT) {
        p->n--;
        rtc_mem_free(p->env, p->agents[p->n], sizeof *p->agents[p->n]);
    }
}

StunAgent *rtc_stun_pool_agent(rtc_stun_pool_t *p)
{
    return p->agents[0];
}

/* The first agent with room, in pool order (so that which agent holds a
 * request is a function of the run, as everything is); RTC_ERR_NOMEM if
 * all are full and there is no memory for one more. */
static int pool_pick(rtc_stun_pool_t *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->used[i] < RTC_TXN_PER_AGENT)
            return (int)i;
    return pool_add(p);
}

void rtc_txn_table_init(rtc_txn_table_t *t, struct rtcsim_socket *s, uint32_t owner, rtc_stun_pool_t *pool)
{
    memset(t, 0, sizeof *t);
    t->s = s;
    t->owner = owner;
    t->pool = pool;
}

void *rtc_txn_new(rtc_txn_table_t *t, size_t size, size_t cap)
{
    size_t i = 0;
    while (i < t->n && t->v[i])
        i++;
    if (i == t->n) {
        rtc_txn_t **v = rtc_mem_reserve(&t->s->env, t->v, &t->cap, t->n, sizeof *t->v);
        if (!v)
            return NULL;
        t->v = v;
        t->v[t->n++] = NULL;    /* a free slot, kept for the next one if this fails */
    }
    /* one allocation: the buffer after the user's struct, aligned as it is */
    size = (size + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) * _Alignof(max_align_t);
    rtc_txn_t *x = rtc_mem_alloc(&t->s->env, size + cap);
    if (!x)
        return NULL;
    x->buf = (uint8_t *)x + size;
    x->cap = cap;
    t->v[i] = x;
    new_id(t, x);
    return x;
}

void rtc_txn_message(rtc_txn_table_t *t, rtc_txn_t *x, StunMessage *m, StunMethod method)
{
    memset(m, 0, sizeof *m);
    m->buffer = x->buf;
    m->buffer_len = x->cap;
    m->agent = rtc_stun_pool_agent(t->pool);    /* same usage as the one that will finish it */
    StunTransactionId id;
    full_id(x, id);
    stun_message_init(m, STUN_REQUEST, method, id);
}

static void send_once(rtc_txn_table_t *t, rtc_txn_t *x)
{
    rtc_socket_send(t->s, &x->from, &x->to, x->buf, x->len);
    x->sent++;
    /* RFC 8489 s.6.2.1: RTO, doubling; after the last of Rc sends, wait
     * Rm * RTO (the initial RTO) */
    x->next = now(t) + (x->sent < RTC_TXN_RC ? x->rto << (x->sent - 1) : RTC_TXN_RM * x->rto);
}

int rtc_txn_start(rtc_txn_table_t *t, rtc_txn_t *x, StunMessage *m, const uint8_t *key,
                  size_t key_len, const rtc_addr_t *from, const rtc_addr_t *to, uint64_t rto)
{
    int pick = pool_pick(t->pool);
    if (pick < 0)
        return RTC_ERR_NOMEM;
    size_t a = (size_t)pick;
    m->agent = t->pool->agents[a];
    x->len = stun_agent_finish_message(m->agent, m, key, key_len);
    if (!x->len)
        return -1;      /* the buffer is short (the agent has room: pool_pick) */
    x->agent = a;
    t->pool->used[a]++;
    x->from = *from;
    x->to = *to;
    x->rto = rto;
    x->sent = 0;
    x->cancelled = false;
    send_once(t, x);
    return 0;
}

/* Only a request libnice still remembers: forgetting one it does not know
 * scans all of its 200 slots for nothing. */
static void forget(rtc_txn_table_t *t, rtc_txn_t *x)
{
    if (!x->len || x->answered)
        return;     /* never started, or a response used it up */
    t->pool->used[x->agent]--;
    StunTransactionId id;
    full_id(x, id);
    stun_agent_forget_transaction(t->pool->agents[x->agent], id);
    pool_trim(t->pool);
}

void rtc_txn_renew(rtc_txn_table_t *t, rtc_txn_t *x)
{
    forget(t, x);
    x->answered = false;
    x->len = 0;
    new_id(t, x);
}

rtc_txn_t *rtc_txn_find(const rtc_txn_table_t *t, const uint8_t *msg)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i] && memcmp(t->v[i]->id, msg + 8, RTC_TID_LEN) == 0)
            return t->v[i];
    return NULL;
}

rtc_stun_check_t rtc_txn_validate(rtc_txn_table_t *t, rtc_txn_t *x, StunMessage *m, const uint8_t *buf,
                                  size_t len)
{
    if (!x->len || x->answered)
        return RTC_STUN_UNMATCHED;
    rtc_stun_check_t v = rtc_stun_validate(t->pool->agents[x->agent], m, buf, len, NULL, NULL);
    if (v == RTC_STUN_VALID) {
        x->answered = true;         /* libnice let go of it */
        t->pool->used[x->agent]--;
        pool_trim(t->pool);
    }
    return v;
}

void rtc_txn_cancel(rtc_txn_table_t *t, rtc_txn_t *x)
{
    if (x->cancelled)
        return;
    x->cancelled = true;
    x->sent = RTC_TXN_RC;
    x->next = now(t) + RTC_TXN_RM * x->rto;
}

void rtc_txn_free(rtc_txn_table_t *t, rtc_txn_t *x)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i] == x)
            t->v[i] = NULL;
    forget(t, x);
    /* the allocation: the user's struct up to buf, then the request */
    rtc_mem_free(&t->s->env, x, (size_t)(x->buf - (uint8_t *)x) + x->cap);
}

void rtc_txn_table_clear(rtc_txn_table_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i])
            rtc_txn_free(t, t->v[i]);   /* the pool outlives the table: forget them there */
    rtc_mem_free(&t->s->env, t->v, t->cap * sizeof *t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

uint64_t rtc_txn_next(const rtc_txn_table_t *t)
{
    uint64_t at = RTC_TIME_NEVER;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i] && t->v[i]->next < at)
            at = t->v[i]->next;
    return at;
}

rtc_txn_t *rtc_txn_poll(rtc_txn_table_t *t, uint64_t t0, size_t *cursor)
{
    for (; *cursor < t->n; (*cursor)++) {
        rtc_txn_t *x = t->v[*cursor];
        if (!x || x->next > t0)
            continue;
        if (x->sent < RTC_TXN_RC) {
            send_once(t, x);
            continue;
        }
        (*cursor)++;
        return x;       /* RFC 8489 s.6.2.1: the transaction has failed */
    }
    return NULL;
}
