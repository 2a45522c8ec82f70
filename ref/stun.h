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

/* Agents as ICE uses them (RFC 8445 s.7.2.2: short-term credentials,
 * FINGERPRINT on every message) and as TURN does (RFC 8656 s.9: long-term
 * credentials). */
void rtc_stun_agent_ice(StunAgent *a);
void rtc_stun_agent_turn(StunAgent *a);
/* Unauthenticated Binding (RFC 8489 s.12), client or server side. With
 * fingerprint, FINGERPRINT is added to what the agent builds and required
 * on what it validates; without, neither. */
void rtc_stun_agent_plain(StunAgent *a, bool fingerprint);

/* Validate buf as a message for agent a; on RTC_STUN_VALID, msg refers to
 * buf (which must outlive msg). */
rtc_stun_check_t rtc_stun_validate(StunAgent *a, StunMessage *msg, const uint8_t *buf, size_t len,
                                   rtc_stun_password_fn fn, void *arg);

/* Validate buf as the response to a request of ours, sent with key (NULL:
 * unauthenticated), whose transaction the caller has already matched.
 * The agent is scratch space the caller provides (libnice's StunAgent is
 * 12.8 KB, too much to keep one per connection) and must outlive msg; it
 * is set up as rtc_stun_agent_ice (ice) or rtc_stun_agent_plain(true). */
rtc_stun_check_t rtc_stun_validate_response(StunAgent *scratch, StunMessage *msg, const uint8_t *buf,
                                            size_t len, bool ice, const uint8_t *key, size_t key_len);
/* The same for a response from a TURN server (long-term credentials):
 * md5 is the key (MD5 of user:realm:password), NULL before the client
 * knows the realm (a 401 carries no MESSAGE-INTEGRITY). */
rtc_stun_check_t rtc_stun_validate_turn_response(StunAgent *scratch, StunMessage *msg, const uint8_t *buf,
                                                 size_t len, const uint8_t *password, size_t password_len,
                                                 const uint8_t md5[16]);
/* Finish a message we built (MESSAGE-INTEGRITY with key, FINGERPRINT per
 * the agent) without the agent keeping its transaction: responses are
 * validated with rtc_stun_validate_response. Returns its length, 0 if the
 * buffer is short. */
size_t rtc_stun_finish(StunAgent *a, StunMessage *msg, const uint8_t *key, size_t key_len);

/* An IPv4 address attribute in the XOR-MAPPED-ADDRESS encoding (RFC 8489
 * s.14.2; TURN's XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS, RFC 8656
 * s.18): get returns -1 if absent or not IPv4, put -1 if it does not fit. */
int rtc_stun_get_xor(const StunMessage *msg, StunAttribute type, rtc_addr_t *out);
int rtc_stun_put_xor(StunMessage *msg, StunAttribute type, const rtc_addr_t *a);

#endif
