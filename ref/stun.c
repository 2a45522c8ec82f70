/*
 * stun.c - validation of incoming STUN messages (stun.h) on libnice's
 * STUN library.
 */
#include "stun.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* Comprehension-required attributes (below 0x8000, RFC 8489 s.14) that a
 * message may carry without being refused: RFC 8489's, ICE's (RFC 8445
 * s.16.1) and TURN's (RFC 8656 s.18). Zero-terminated, as libnice wants. */
static const uint16_t known_attributes[] = {
    STUN_ATTRIBUTE_MAPPED_ADDRESS, STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
    STUN_ATTRIBUTE_ERROR_CODE, STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES, STUN_ATTRIBUTE_REALM,
    STUN_ATTRIBUTE_NONCE, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, STUN_ATTRIBUTE_PRIORITY,
    STUN_ATTRIBUTE_USE_CANDIDATE, STUN_ATTRIBUTE_CHANNEL_NUMBER, STUN_ATTRIBUTE_LIFETIME,
    STUN_ATTRIBUTE_XOR_PEER_ADDRESS, STUN_ATTRIBUTE_DATA, STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS,
    STUN_ATTRIBUTE_REQUESTED_TRANSPORT, STUN_ATTRIBUTE_DONT_FRAGMENT, 0,
};

const char *rtc_stun_check_name(rtc_stun_check_t c)
{
    static const char *const names[RTC_STUN__COUNT] = {
        [RTC_STUN_VALID] = "valid",
        [RTC_STUN_NOT_STUN] = "not-stun",
        [RTC_STUN_MALFORMED] = "malformed",
        [RTC_STUN_BAD_FINGERPRINT] = "bad-fingerprint",
        [RTC_STUN_UNAUTHENTICATED] = "unauthenticated",
        [RTC_STUN_BAD_INTEGRITY] = "bad-integrity",
        [RTC_STUN_UNMATCHED] = "unmatched-response",
        [RTC_STUN_UNKNOWN_ATTRIBUTE] = "unknown-attribute",
    };
    return c < RTC_STUN__COUNT ? names[c] : "?";
}

void rtc_stun_agent_init(StunAgent *a, StunAgentUsageFlags usage)
{
    stun_agent_init(a, known_attributes, STUN_COMPATIBILITY_RFC5389, usage);
}

void rtc_stun_agent_ice(StunAgent *a)
{
    rtc_stun_agent_init(a, RTC_STUN_USAGE_ICE);
}

void rtc_stun_agent_turn(StunAgent *a)
{
    rtc_stun_agent_init(a, RTC_STUN_USAGE_TURN);
}

void rtc_stun_agent_plain(StunAgent *a, bool fingerprint)
{
    rtc_stun_agent_init(a, STUN_AGENT_USAGE_IGNORE_CREDENTIALS |
                               (fingerprint ? STUN_AGENT_USAGE_USE_FINGERPRINT : 0));
}

typedef struct lookup {
    rtc_stun_password_fn fn;
    void                *arg;
} lookup_t;

static bool validater(StunAgent *agent, StunMessage *message, uint8_t *username,
                      uint16_t username_len, uint8_t **password, size_t *password_len,
                      void *user_data)
{
    lookup_t *l = user_data;
    const uint8_t *pw;
    size_t len;
    if (!l->fn || !username || !l->fn(l->arg, username, username_len, &pw, &len))
        return false;
    *password = (uint8_t *)pw;
    *password_len = len;
    return true;
}

rtc_stun_check_t rtc_stun_validate(StunAgent *a, StunMessage *msg, const uint8_t *buf, size_t len,
                                   rtc_stun_password_fn fn, void *arg)
{
    /* RFC 8489 s.5: the two top bits are zero and the cookie is fixed; a
     * datagram failing that is some other protocol's (RFC 7983 s.7). */
    if (len < 20 || (buf[0] & 0xc0) || memcmp(buf + 4, "\x21\x12\xa4\x42", 4) != 0)
        return RTC_STUN_NOT_STUN;
    lookup_t l = { fn, arg };
    switch (stun_agent_validate(a, msg, buf, len, validater, &l)) {
    case STUN_VALIDATION_SUCCESS:
        return RTC_STUN_VALID;
    case STUN_VALIDATION_NOT_STUN:
    case STUN_VALIDATION_INCOMPLETE_STUN:
        return RTC_STUN_MALFORMED;
    case STUN_VALIDATION_BAD_REQUEST:
        /* with the cookie checked above, libnice says this of a FINGERPRINT
         * that is absent or does not match */
        return RTC_STUN_BAD_FINGERPRINT;
    case STUN_VALIDATION_UNAUTHORIZED_BAD_REQUEST:
        return RTC_STUN_UNAUTHENTICATED;
    case STUN_VALIDATION_UNAUTHORIZED:
    case STUN_VALIDATION_FORBIDDEN:
        return RTC_STUN_BAD_INTEGRITY;
    case STUN_VALIDATION_UNMATCHED_RESPONSE:
        return RTC_STUN_UNMATCHED;
    case STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE:
    case STUN_VALIDATION_UNKNOWN_ATTRIBUTE:
        return RTC_STUN_UNKNOWN_ATTRIBUTE;
    }
    return RTC_STUN_MALFORMED;
}

size_t rtc_stun_finish(StunAgent *a, StunMessage *msg, const uint8_t *key, size_t key_len)
{
    size_t n = stun_agent_finish_message(a, msg, key, key_len);
    if (n && stun_message_get_class(msg) == STUN_REQUEST) {
        StunTransactionId id;
        stun_message_id(msg, id);
        stun_agent_forget_transaction(a, id);
    }
    return n;
}

/* RFC 8489 s.14.2 (XOR-MAPPED-ADDRESS), and RFC 8656 s.18.3, s.18.5
 * (XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS), which share its encoding:
 * libnice does the XOR; this is the one place that converts to and from
 * rtc_addr_t. */
int rtc_stun_put_xor(StunMessage *m, StunAttribute type, const rtc_addr_t *a)
{
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(a->port),
                              .sin_addr.s_addr = htonl(a->ip) };
    return stun_message_append_xor_addr(m, type, (const struct sockaddr_storage *)&in, sizeof in) ==
                   STUN_MESSAGE_RETURN_SUCCESS ? 0 : -1;
}

int rtc_stun_get_xor(const StunMessage *m, StunAttribute type, rtc_addr_t *out)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (stun_message_find_xor_addr(m, type, &ss, &sl) != STUN_MESSAGE_RETURN_SUCCESS ||
        ss.ss_family != AF_INET)
        return -1;
    const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
    out->ip = ntohl(in->sin_addr.s_addr);
    out->port = ntohs(in->sin_port);
    return 0;
}
