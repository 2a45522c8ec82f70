/*
 * stun_txn.h - STUN client transactions over UDP (RFC 8489 s.6.2.1), the
 * one engine under RTCConnection's connectivity checks and Binding
 * requests to STUN servers (connection.c) and the socket's TURN client
 * (turn.c).
 *
 * A table holds the transactions under way, each keyed by its transaction
 * id; the request is kept as sent, retransmitted after RTO, 2*RTO, ...
 * (Rc sends in all), and the transaction times out Rm*RTO after the last
 * send. The caller picks the RTO per transaction (RFC 8445 s.14.3 gives
 * connectivity checks their own). A libnice StunAgent remembers every
 * request with its key when the request is finished
 * (stun_agent_finish_message) and validates a response against it
 * (stun_agent_validate); the engine tells it to forget a transaction that
 * ends without one (stun_agent_forget_transaction).
 *
 * Agents come from a pool the socket keeps, one per usage (ICE's
 * short-term credentials, TURN's long-term ones), shared by its
 * connections. libnice's agent is 12.8 KB, remembers at most 200
 * requests and scans them one by one on every finish, match and forget:
 * an agent per connection costs more memory than the connection, one per
 * socket runs out with a few hundred connections checking at once. So a
 * pool agent holds at most RTC_TXN_PER_AGENT requests, and the pool grows
 * by an agent when all are that full.
 *
 * libnice's own retransmission timer (stun/usages/timer.h) is not used:
 * it reads the system clock, and ref/ takes its time from env.now.
 */
#ifndef RTC_STUN_TXN_H
#define RTC_STUN_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stun/stunagent.h>

#include "rtc_env.h"
#include "stun.h"

/* RFC 8489 s.6.2.1: the recommended values */
#define RTC_TXN_RTO ((uint64_t)500 * 1000000u)
#define RTC_TXN_RC  7
#define RTC_TXN_RM  16

/* Transaction ids are ours: the first four bytes name the owner (a
 * connection's serial in its socket, or 0xffffffff for the socket's own),
 * so a response reaches its owner at once; the other eight are random
 * (RFC 8489 s.5: "uniformly and randomly chosen" is what matters for the
 * 96 bits as a whole being unguessable to an off-path attacker, and 64
 * random bits keep that in a simulator). */
#define RTC_TID_LEN 12

struct rtcsim_socket;

#define RTC_TXN_PER_AGENT 32

typedef struct rtc_stun_pool {
    const rtc_env_t    *env;        /* the socket's: its alloc */
    StunAgentUsageFlags usage;
    StunAgent         **agents;     /* agents[0] also validates requests, builds answers */
    unsigned           *used;       /* requests each remembers */
    size_t              n, agents_cap, used_cap;
} rtc_stun_pool_t;

/* A pool of agents with libnice's usage flags (credentials, FINGERPRINT),
 * allocated through env (which must outlive the pool); its first agent
 * is made at once. 0, or RTC_ERR_NOMEM (ice.h): then the pool is empty,
 * to be freed. */
int        rtc_stun_pool_init(rtc_stun_pool_t *p, const rtc_env_t *env, StunAgentUsageFlags usage);
/* Frees the agents; also a pool memset to zero, or one init failed on. */
void       rtc_stun_pool_free(rtc_stun_pool_t *p);
/* The agent for what is not a transaction of ours: requests to validate
 * and answer, indications. */
StunAgent *rtc_stun_pool_agent(rtc_stun_pool_t *p);

/* One transaction. A user embeds it as the first member of a struct of
 * its own (what the request was for), allocated by rtc_txn_new. */
typedef struct rtc_txn {
    uint8_t    id[RTC_TID_LEN];
    int        sent;
    bool       cancelled;       /* RFC 8445 s.7.3.1.4: no more sends, no failure on timeout */
    bool       answered;        /* a valid response used up libnice's memory of it */
    size_t     agent;           /* the pool agent that remembers it, once started */
    uint64_t   rto, next;       /* next: the next send, or the timeout after the last */
    rtc_addr_t from, to;
    size_t     len, cap;
    uint8_t   *buf;             /* the request as sent: cap bytes after the user's struct */
} rtc_txn_t;

typedef struct rtc_txn_table {
    struct rtcsim_socket *s;       /* sends through rtc_socket_send; env.now, env.random */
    uint32_t           owner;   /* the first four bytes of every id */
    rtc_stun_pool_t   *pool;    /* the socket's */
    rtc_txn_t        **v;       /* NULL slots are free */
    size_t             n, cap;
} rtc_txn_table_t;

void rtc_txn_table_init(rtc_txn_table_t *t, struct rtcsim_socket *s, uint32_t owner, rtc_stun_pool_t *pool);
/* Frees every transaction. */
void rtc_txn_table_clear(rtc_txn_table_t *t);

/* A new transaction in t of size bytes (the user's struct, zeroed, an
 * rtc_txn_t first) and a request of up to cap bytes, with a fresh id;
 * NULL if out of memory (nothing changed, no id drawn). */
void *rtc_txn_new(rtc_txn_table_t *t, size_t size, size_t cap);
/* Start building x's request for method in x->buf, with x's id. */
void rtc_txn_message(rtc_txn_table_t *t, rtc_txn_t *x, StunMessage *m, StunMethod method);
/* Finish m (MESSAGE-INTEGRITY with key, which must stay valid for the
 * transaction's life; FINGERPRINT per the agent), remember it, send it
 * from `from` to `to` and schedule its retransmissions with rto. -1 if
 * the request does not fit in the buffer, RTC_ERR_NOMEM (-2) if the pool
 * needed another agent and there was no memory for it: then nothing was
 * sent and x should be freed as failed. */
int  rtc_txn_start(rtc_txn_table_t *t, rtc_txn_t *x, StunMessage *m, const uint8_t *key,
                   size_t key_len, const rtc_addr_t *from, const rtc_addr_t *to, uint64_t rto);
/* A new transaction in place of x (its id forgotten, a new one drawn),
 * for a request that is built and started again (RFC 8489 s.9.2.5: the
 * retry after a 401 or 438 is a new transaction). */
void rtc_txn_renew(rtc_txn_table_t *t, rtc_txn_t *x);
/* The transaction the response msg (at least 20 bytes) answers, or NULL. */
rtc_txn_t *rtc_txn_find(const rtc_txn_table_t *t, const uint8_t *msg);
/* Validate msg, a response found to be x's, against x's request (the key
 * it was sent with); on RTC_STUN_VALID, libnice has used up the match. */
rtc_stun_check_t rtc_txn_validate(rtc_txn_table_t *t, rtc_txn_t *x, StunMessage *m, const uint8_t *buf,
                                  size_t len);
/* s.7.3.1.4's cancellation: no more retransmissions, a response within
 * the transaction's timeout is still taken, no failure after it. */
void rtc_txn_cancel(rtc_txn_table_t *t, rtc_txn_t *x);
void rtc_txn_free(rtc_txn_table_t *t, rtc_txn_t *x);
/* The earliest time a transaction of t needs attention. */
uint64_t rtc_txn_next(const rtc_txn_table_t *t);
/* At now: retransmit what is due, and return the transactions that timed
 * out, one per call (*cursor starts at 0), NULL when done. The caller
 * frees each one it gets. */
rtc_txn_t *rtc_txn_poll(rtc_txn_table_t *t, uint64_t now, size_t *cursor);

#endif
