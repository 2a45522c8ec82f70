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
};

/* For the socket's demultiplexer: the serial a local usefrag names, or
 * UINT32_MAX. */
uint32_t rtc_ufrag_serial(const uint8_t *ufrag, size_t len);
uint32_t rtc_connection_serial(const rtc_connection_t *c);
const char *rtc_connection_local_ufrag(const rtc_connection_t *c);
void rtc_connection_address_lost(rtc_connection_t *c, const rtc_addr_t *addr);
void rtc_connection_handle_stun(rtc_connection_t *c, const rtc_addr_t *local,
                                const rtc_addr_t *from, const uint8_t *data, size_t len);

#endif
