/*
 * ice_uri.h - RTCIceServer URLs (spec: "The RTCIceServer Object"):
 * stun: and stuns: URIs (RFC 7064 s.3.1), turn: and turns: URIs (RFC 7065
 * s.3.1), and the spec's own form with a user name before the host
 * (`turn:user@turn.example.org`), which RFC 7065 does not have.
 */
#ifndef SIM_ICE_URI_H
#define SIM_ICE_URI_H

#include <stddef.h>
#include <stdint.h>

typedef enum sim_uri_scheme { SIM_URI_STUN, SIM_URI_STUNS, SIM_URI_TURN, SIM_URI_TURNS } sim_uri_scheme_t;
typedef enum sim_uri_transport { SIM_URI_UDP, SIM_URI_TCP } sim_uri_transport_t;

#define SIM_URI_HOST_MAX 254        /* a DNS name (RFC 1035 s.2.3.4) plus NUL */
#define SIM_URI_USER_MAX 256

typedef struct sim_ice_uri {
    sim_uri_scheme_t    scheme;
    char                host[SIM_URI_HOST_MAX];   /* IPv4 literal or DNS name, as written */
    uint16_t            port;       /* 3478 by default, 5349 for stuns: and turns: */
    char                user[SIM_URI_USER_MAX];   /* empty when the URI names none */
    sim_uri_transport_t transport;  /* turn: ?transport=, else UDP (TCP for turns:) */
} sim_ice_uri_t;

/* Parse one URI. Returns 0, or -1 with a message in err that quotes the
 * URI and says what is wrong with it. */
int sim_ice_uri_parse(const char *s, sim_ice_uri_t *out, char *err, size_t errlen);

#endif
