/*
 * ice_host.h - runs an implementation's RTCSocket and its RTCConnections
 * (include/rtcsim/impl.h, through host/impl.h) on a simulated host: one
 * UDP socket per interface, kernel timers, a seeded random stream, and
 * events handed to the caller asynchronously (at the same virtual time,
 * after the current step), as a browser fires them.
 *
 * What the implementation does wrong is a fault (sim_net_fault): a
 * datagram from an address this socket was never given, an event type
 * the ABI does not have.
 */
#ifndef SIM_ICE_HOST_H
#define SIM_ICE_HOST_H

#include <rtcsim/impl.h>

#include "host/impl.h"
#include "net/net.h"

typedef struct sim_ice_socket sim_ice_socket_t;

typedef void (*sim_ice_event_fn)(void *arg, rtcsim_connection_t *c, const rtcsim_ice_event_t *ev);

/* Bind an ephemeral UDP port on each interface of h that is up, and make
 * impl's socket on them (impl NULL: the built-in one). NULL with a
 * message in err on failure. */
sim_ice_socket_t *sim_ice_socket_new(sim_host_t *h, const sim_impl_t *impl,
                                     const rtcsim_addr_t *stun, size_t nstun,
                                     const rtcsim_turn_server_t *turn, size_t nturn,
                                     sim_ice_event_fn fn, void *arg, char *err, size_t errlen);
/* Frees the socket and every connection made on it. */
void              sim_ice_socket_free(sim_ice_socket_t *s);
/* The implementation's handle, and the implementation. */
rtcsim_socket_t     *sim_ice_socket_handle(sim_ice_socket_t *s);
const sim_impl_t    *sim_ice_socket_impl(const sim_ice_socket_t *s);
/* A connection on s; user is the caller's, given back by
 * sim_ice_connection_user (events name the connection: this finds the
 * caller's record of it at once). */
rtcsim_connection_t *sim_ice_connection_new(sim_ice_socket_t *s, const rtcsim_conn_desc_t *remote,
                                         void *user, char *err, size_t errlen);
void             *sim_ice_connection_user(const sim_impl_t *impl, const rtcsim_connection_t *c);
/* Follow the host's interfaces (before update()): bind those that came
 * up, close those that went down. 0, or -1 with a message. */
int               sim_ice_socket_refresh(sim_ice_socket_t *s, char *err, size_t errlen);
/* After an API call on one of its connections: arm the delivery of the
 * events it queued. */
void              sim_ice_socket_poke(sim_ice_socket_t *s);

#endif
