/*
 * stun_server.h - a STUN server in the simulated network (RFC 8489 s.12:
 * the Binding method, without authentication), answering each Binding
 * request with the XOR-MAPPED-ADDRESS it came from: the server-reflexive
 * address of ICE (RFC 8445 s.5.1.1.2).
 */
#ifndef SIM_STUN_SERVER_H
#define SIM_STUN_SERVER_H

#include "net/net.h"

typedef struct sim_stun_server sim_stun_server_t;

typedef struct sim_stun_server_stats {
    uint64_t answered;          /* Binding success responses sent */
    uint64_t refused;           /* error responses sent (400, 420) */
    uint64_t ignored;           /* datagrams that were not a request to answer */
} sim_stun_server_stats_t;

/* Listen on ip:port of host h (port 0: 3478, RFC 8489 s.9). NULL with a
 * message in err if the socket cannot be bound. */
sim_stun_server_t *sim_stun_server_new(sim_host_t *h, uint32_t ip, uint16_t port, char *err,
                                       size_t errlen);
void               sim_stun_server_free(sim_stun_server_t *s);
void               sim_stun_server_stats(const sim_stun_server_t *s, sim_stun_server_stats_t *st);

#endif
