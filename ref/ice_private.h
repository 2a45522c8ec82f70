/*
 * ice_private.h - what RTCSocket (socket.c) and RTCConnection
 * (connection.c) share; not for users of ice.h.
 */
#ifndef RTC_ICE_PRIVATE_H
#define RTC_ICE_PRIVATE_H

#include "ice.h"

/* Transaction ids are ours: the first four bytes name the connection (its
 * serial in the socket), so a response reaches its connection at once;
 * the other eight are random (RFC 8489 s.5: "uniformly and randomly
 * chosen" is what matters for the 96 bits as a whole being unguessable to
 * an off-path attacker, and 64 random bits keep that in a simulator). */
#define RTC_TID_LEN 12

#define RTC_SOCKET_SERIAL 0xffffffffu    /* the socket's own transactions */

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
    uint8_t           key[16];  /* MD5(user:realm:password), RFC 8489 s.9.2.2 */
    uint64_t          refresh_at, last_tick;
    rtc_perm_t       *perms;
    size_t            nperms;
    rtc_chan_t       *chans;
    size_t            nchans;
} rtc_relay_t;

typedef enum { STX_ALLOCATE, STX_REFRESH, STX_PERMISSION, STX_CHANNEL } rtc_stx_kind_t;

/* A transaction of the socket's own, with a TURN server. */
typedef struct rtc_stx {
    rtc_stx_kind_t kind;
    size_t         relay;
    uint8_t        tid[RTC_TID_LEN];
    uint32_t       peer_ip;
    rtc_addr_t     peer;
    uint16_t       channel;
    int            sent;
    uint64_t       next, rto;
    size_t         len;
    uint8_t        buf[320];
} rtc_stx_t;

struct rtc_socket {
    rtc_env_t           env;
    rtc_addr_t         *locals;
    size_t              nlocals;
    rtc_addr_t         *stun;
    size_t              nstun;
    rtc_connection_t  **conns;      /* by serial; NULL once freed */
    size_t              nconns;
    rtc_socket_stats_t  st;
    StunAgent           ice;        /* builds checks and answers, validates requests */
    StunAgent           plain;      /* builds Binding requests to STUN servers */
    StunAgent           turn;       /* builds TURN requests (long-term credentials) */
    rtc_relay_t        *relays;
    size_t              nrelays;
    rtc_stx_t         **stx;        /* NULL slots are free */
    size_t              nstx;
};

/* socket.c: send from a local transport address: a relayed one goes
 * through its TURN server (rtc_turn_send), any other straight out. */
void rtc_socket_send(rtc_socket_t *s, const rtc_addr_t *from, const rtc_addr_t *to,
                     const uint8_t *data, size_t len);
/* Hand one datagram to env.send as it is; count it if it did not go. */
void rtc_socket_emit(rtc_socket_t *s, const rtc_addr_t *from, const rtc_addr_t *to,
                     const uint8_t *data, size_t len);

/* turn.c: the socket's TURN client. */
void rtc_turn_start(rtc_socket_t *s);                 /* allocate on every idle relay */
/* If from is a relayed address, send through its TURN server
 * (ChannelData once bound, else a Send indication) and return true. */
bool rtc_turn_send(rtc_socket_t *s, const rtc_addr_t *from, const rtc_addr_t *to,
                   const uint8_t *data, size_t len);
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

#endif
