/*
 * turn_server.h - a TURN server in the simulated network (RFC 8656, over
 * UDP): long-term credentials (401 with REALM and NONCE, 438 for a stale
 * nonce), Allocate with a lifetime, Refresh (lifetime 0 deletes),
 * CreatePermission (300 s), ChannelBind and ChannelData, Send and Data
 * indications, a quota of allocations per user. Relayed addresses are on
 * the server's own address. It never relays for a client that did not
 * authenticate, nor to a peer without a permission.
 */
#ifndef SIM_TURN_SERVER_H
#define SIM_TURN_SERVER_H

#include "net/net.h"

typedef struct sim_turn_server sim_turn_server_t;

typedef struct sim_turn_stats {
    uint64_t allocations;           /* live */
    uint64_t relayed_out, relayed_in;   /* datagrams client->peer, peer->client */
    uint64_t channel_out, channel_in;   /* of those, carried as ChannelData */
    uint64_t refused;               /* error responses (401, 438, 437, 442, 486, 400, 403) */
    uint64_t dropped;               /* datagrams relayed nowhere (no permission, no channel, not STUN,
                                       too big for UDP once wrapped for the client) */
} sim_turn_stats_t;

/* A server on ip:port of host h (port 0: 3478) for realm. NULL with a
 * message on failure. */
sim_turn_server_t *sim_turn_server_new(sim_host_t *h, uint32_t ip, uint16_t port, const char *realm,
                                       unsigned quota, char *err, size_t errlen);
void               sim_turn_server_free(sim_turn_server_t *t);
/* Add a user with a password. 0, or -1 if out of memory. */
int                sim_turn_server_user(sim_turn_server_t *t, const char *user, const char *password);
/* Start a new nonce: requests with the old one get 438 (RFC 8489 s.9.2.4). */
void               sim_turn_server_new_nonce(sim_turn_server_t *t);
void               sim_turn_server_stats(const sim_turn_server_t *t, sim_turn_stats_t *st);

#endif
