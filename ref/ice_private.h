/*
 * ice_private.h - what RTCSocket (socket.c) and RTCConnection
 * (connection.c) share; not for users of ice.h.
 */
#ifndef RTC_ICE_PRIVATE_H
#define RTC_ICE_PRIVATE_H

#include "ice.h"
#include "stun_txn.h"

/* The owner in the transaction ids of the socket's own transactions
 * (TURN); a connection's are its serial (stun_txn.h). */
#define RTC_SOCKET_SERIAL 0xffffffffu

typedef struct rtc_perm {
    uint32_t ip;
    bool     ok;                /* the server said yes */
    uint64_t used;              /* last datagram sent to this peer */
} rtc_perm_t;

typedef struct rtc_chan {
    rtc_addr_t peer;
    uint16_t   number;
    bool       bound;
} rtc_chan_t;

typedef enum { RELAY_IDLE, RELAY_ALLOCATING, RELAY_READY, RELAY_FAILED } rtc_relay_state_t;

typedef struct rtc_relay {
    rtc_turn_server_t srv;
    rtc_addr_t        base, relayed;
    rtc_relay_state_t state;
    int               error;
    bool              authed;   /* a 401 gave us realm and nonce */
    char              realm[128], nonce[128];
    uint64_t          refresh_at, last_tick;
    rtc_perm_t       *perms;
    size_t            nperms, perms_cap;
    rtc_chan_t       *chans;
    size_t            nchans, chans_cap;
} rtc_relay_t;

typedef enum { STX_ALLOCATE, STX_REFRESH, STX_PERMISSION, STX_CHANNEL } rtc_stx_kind_t;

/* A transaction of the socket's own, with a TURN server: the engine's
 * part first. */
typedef struct rtc_stx {
    rtc_txn_t      txn;
    rtc_stx_kind_t kind;
    size_t         relay;
    uint32_t       peer_ip;
    rtc_addr_t     peer;
    uint16_t       channel;
} rtc_stx_t;

struct rtcsim_socket {
    rtc_env_t           env;
    rtc_addr_t         *locals;
    size_t              nlocals;
    rtc_addr_t         *stun;
    size_t              nstun;
    rtc_connection_t  **conns;      /* by serial; NULL once freed */
    size_t              nconns, conns_cap;
    rtc_socket_stats_t  st;
    rtc_stun_pool_t     ice_agents;     /* short-term credentials: the connections' */
    rtc_stun_pool_t     turn_agents;    /* long-term credentials: TURN's */
    rtc_txn_table_t     turn;           /* TURN transactions (rtc_stx_t) */
    rtc_relay_t        *relays;
    size_t              nrelays;
    char                srtp_profiles[96];  /* the DTLS use_srtp offer (rtc_socket_set_srtp_profiles) */
};

/* socket.c: ref/'s allocations, all through env.alloc (rtc_env.h).
 * rtc_mem_alloc's block is zeroed; NULL when out of memory. rtc_mem_free
 * takes the size the block was given. */
void *rtc_mem_alloc(const rtc_env_t *env, size_t size);
/* p of old bytes (NULL: 0) to size bytes, size > 0; NULL when out of
 * memory, p untouched. */
void *rtc_mem_realloc(const rtc_env_t *env, void *p, size_t old, size_t size);
void  rtc_mem_free(const rtc_env_t *env, void *p, size_t size);
/* Room for element n of the array p of *cap elements of elem bytes: p
 * itself while n < *cap, else p grown to n + 1 elements (*cap updated).
 * NULL when out of memory: p and *cap untouched. */
void *rtc_mem_reserve(const rtc_env_t *env, void *p, size_t *cap, size_t n, size_t elem);

/* socket.c: send from a local transport address: a relayed one goes
 * through its TURN server (rtc_turn_send), any other straight out. */
void rtc_socket_send(rtc_socket_t *s, const rtc_addr_t *from, const rtc_addr_t *to,
                     const uint8_t *data, size_t len);
/* Hand one datagram to env.send as it is; count it if it did not go.
 * With plain (not NULL): to env.send_twin with its decrypted twin, or
 * env.send without it when the environment has no send_twin. */
rtc_send_status_t rtc_socket_emit(rtc_socket_t *s, const rtc_addr_t *from, const rtc_addr_t *to,
                                  const uint8_t *data, size_t len, const uint8_t *plain,
                                  size_t plain_len);
/* rtc_socket_send with a twin (media: rtc_connection_send_media). */
rtc_send_status_t rtc_socket_send_twin(rtc_socket_t *s, const rtc_addr_t *from, const rtc_addr_t *to,
                                       const uint8_t *data, size_t len, const uint8_t *plain,
                                       size_t plain_len);

/* turn.c: the socket's TURN client. */
void rtc_turn_start(rtc_socket_t *s);                 /* allocate on every idle relay */
/* If from is a relayed address, send through its TURN server
 * (ChannelData once bound, else a Send indication) and return true; *st
 * (if not NULL) is what became of it. plain: the twin (rtc_socket_emit),
 * wrapped the same way. */
bool rtc_turn_send(rtc_socket_t *s, const rtc_addr_t *from, const rtc_addr_t *to,
                   const uint8_t *data, size_t len, const uint8_t *plain, size_t plain_len,
                   rtc_send_status_t *st);
/* A datagram from a TURN server: handled (true) or not ours (false). */
bool rtc_turn_input(rtc_socket_t *s, const rtc_addr_t *local, const rtc_addr_t *from,
                    const uint8_t *data, size_t len);
void rtc_turn_timeout(rtc_socket_t *s);
void rtc_turn_free(rtc_socket_t *s);
/* connection.c: a relay became ready or failed. */
void rtc_connection_relay_done(rtc_connection_t *c, size_t relay);

/* For the socket's demultiplexer: the serial a local usefrag names, or
 * UINT32_MAX. */
uint32_t rtc_ufrag_serial(const uint8_t *ufrag, size_t len);
uint32_t rtc_connection_serial(const rtc_connection_t *c);
const char *rtc_connection_local_ufrag(const rtc_connection_t *c);
void rtc_connection_address_lost(rtc_connection_t *c, const rtc_addr_t *addr);
void rtc_connection_handle_stun(rtc_connection_t *c, const rtc_addr_t *local,
                                const rtc_addr_t *from, const uint8_t *data, size_t len);
/* A DTLS, RTP or RTCP datagram (RFC 7983) at local from `from`: true if
 * it came over one of c's valid pairs (then c took it), else false. */
bool rtc_connection_handle_media(rtc_connection_t *c, const rtc_addr_t *local,
                                 const rtc_addr_t *from, const uint8_t *data, size_t len);

#endif
