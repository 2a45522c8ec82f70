/*
 * ice_server.h - RTCIceServer URLs (spec: "The RTCIceServer Object"):
 * stun: and stuns: URIs (RFC 7064 s.3.1), turn: and turns: URIs (RFC 7065
 * s.3.1), and the spec's own form with a user name before the host
 * (`turn:user@turn.example.org`), which RFC 7065 does not have.
 */
#ifndef RTC_ICE_SERVER_H
#define RTC_ICE_SERVER_H

#include <stddef.h>
#include <stdint.h>

typedef enum rtc_uri_scheme { RTC_URI_STUN, RTC_URI_STUNS, RTC_URI_TURN, RTC_URI_TURNS } rtc_uri_scheme_t;
typedef enum rtc_uri_transport { RTC_URI_UDP, RTC_URI_TCP } rtc_uri_transport_t;

#define RTC_URI_HOST_MAX 254        /* a DNS name (RFC 1035 s.2.3.4) plus NUL */
#define RTC_URI_USER_MAX 256

typedef struct rtc_ice_uri {
    rtc_uri_scheme_t    scheme;
    char                host[RTC_URI_HOST_MAX];   /* IPv4 literal or DNS name, as written */
    uint16_t            port;       /* 3478 by default, 5349 for stuns: and turns: */
    char                user[RTC_URI_USER_MAX];   /* empty when the URI names none */
    rtc_uri_transport_t transport;  /* turn: ?transport=, else UDP (TCP for turns:) */
} rtc_ice_uri_t;

/* Parse one URI. Returns 0, or -1 with a message in err that quotes the
 * URI and says what is wrong with it. */
int rtc_ice_uri_parse(const char *s, rtc_ice_uri_t *out, char *err, size_t errlen);

#endif
