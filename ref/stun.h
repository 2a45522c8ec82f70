/*
 * stun.h - the one path every incoming STUN message takes: length and
 * header checks, FINGERPRINT, credentials and MESSAGE-INTEGRITY, matching
 * a response to its request (RFC 8489 s.6.3, s.9, s.14.5-14.7), all done by
 * libnice's STUN library. RTCConnection (connectivity checks, RFC 8445
 * s.7.3) and the TURN client use it; so do the RFC 5769 vectors in
 * tests/test_stun.c.
 */
#ifndef RTC_STUN_H
#define RTC_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stun/stunagent.h>

#include "rtc_env.h"

/* What became of an incoming message. Everything but RTC_STUN_VALID is
 * "ignore and count" for a datagram from the network. */
typedef enum rtc_stun_check {
    RTC_STUN_VALID = 0,
    RTC_STUN_NOT_STUN,          /* not STUN at all (RFC 7983 demux: another protocol) */
    RTC_STUN_MALFORMED,         /* truncated, bad lengths, no magic cookie */
    RTC_STUN_BAD_FINGERPRINT,   /* FINGERPRINT missing or wrong (RFC 8489 s.14.7) */
    RTC_STUN_UNAUTHENTICATED,   /* USERNAME or MESSAGE-INTEGRITY missing where required */
    RTC_STUN_BAD_INTEGRITY,     /* unknown USERNAME, or MESSAGE-INTEGRITY mismatch */
    RTC_STUN_UNMATCHED,         /* a response to no request of ours */
    RTC_STUN_UNKNOWN_ATTRIBUTE, /* a comprehension-required attribute we do not know */
    RTC_STUN__COUNT
} rtc_stun_check_t;

const char *rtc_stun_check_name(rtc_stun_check_t c);

/* The password (short-term) or the password from which the long-term key
 * is derived, for a USERNAME; false if the user is unknown. The password
 * must stay valid until the message has been answered. */
typedef bool (*rtc_stun_password_fn)(void *arg, const uint8_t *username, size_t len,
                                     const uint8_t **password, size_t *password_len);

/* libnice's usage flags for agents as ICE uses them (RFC 8445 s.7.2.2:
 * short-term credentials, FINGERPRINT on every message) and as TURN does
 * (RFC 8656 s.9: long-term credentials). */
#define RTC_STUN_USAGE_ICE  (STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT)
#define RTC_STUN_USAGE_TURN STUN_AGENT_USAGE_LONG_TERM_CREDENTIALS

/* An agent for RFC 8489 (libnice's RFC 5389 compatibility) with the
 * usage flags given, which knows the comprehension-required attributes of
 * STUN, ICE and TURN. */
void rtc_stun_agent_init(StunAgent *a, StunAgentUsageFlags usage);
void rtc_stun_agent_ice(StunAgent *a);      /* rtc_stun_agent_init(a, RTC_STUN_USAGE_ICE) */
void rtc_stun_agent_turn(StunAgent *a);     /* rtc_stun_agent_init(a, RTC_STUN_USAGE_TURN) */
/* Unauthenticated Binding (RFC 8489 s.12), client or server side. With
 * fingerprint, FINGERPRINT is added to what the agent builds and required
 * on what it validates; without, neither. */
void rtc_stun_agent_plain(StunAgent *a, bool fingerprint);

/* Validate buf as a message for agent a: a request or indication with the
 * password fn gives for its USERNAME, a response against the request a
 * remembered when it was finished (stun_txn.h). On RTC_STUN_VALID, msg
 * refers to buf (which must outlive msg). */
rtc_stun_check_t rtc_stun_validate(StunAgent *a, StunMessage *msg, const uint8_t *buf, size_t len,
                                   rtc_stun_password_fn fn, void *arg);

/* Finish a request nobody will match a response to (a scenario's crafted
 * check, sim/lua/lua_stun.c): MESSAGE-INTEGRITY with key, FINGERPRINT per
 * the agent, and the agent does not keep the transaction. Returns its
 * length, 0 if the buffer is short. */
size_t rtc_stun_finish(StunAgent *a, StunMessage *msg, const uint8_t *key, size_t key_len);

/* An IPv4 address attribute in the XOR-MAPPED-ADDRESS encoding (RFC 8489
 * s.14.2; TURN's XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS, RFC 8656
 * s.18): get returns -1 if absent or not IPv4, put -1 if it does not fit. */
int rtc_stun_get_xor(const StunMessage *msg, StunAttribute type, rtc_addr_t *out);
int rtc_stun_put_xor(StunMessage *msg, StunAttribute type, const rtc_addr_t *a);

#endif
