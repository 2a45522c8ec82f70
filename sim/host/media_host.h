/*
 * media_host.h - runs an implementation's RTCMediaSession
 * (include/rtcsim/impl.h, through host/impl.h) on a simulated host: the session's timer on the kernel, a seeded random stream of its
 * own, its memory charged to the network (the scenario's bound), and its
 * events handed to the caller after every timer expiry (the session arms
 * its timer at now() when an input queues an event, so the caller hears
 * of events from the network at the same virtual time, after the step
 * that caused them, as a browser fires them).
 *
 * The session's datagrams go out through its connections, whose socket
 * environment (ice_host.h) sends them; this environment's send is never
 * used.
 */
#ifndef SIM_MEDIA_HOST_H
#define SIM_MEDIA_HOST_H

#include <rtcsim/impl.h>

#include "host/impl.h"
#include "net/net.h"

typedef struct sim_media sim_media_t;

/* Called for each event the session queued, in order, from a kernel
 * step of its own (never from inside an API call). */
typedef void (*sim_media_event_fn)(void *arg, sim_media_t *m, const rtcsim_media_event_t *ev);

/* impl's session on h (impl NULL: the built-in one; opts NULL: the
 * defaults); impl must have a media plane (media_new). Its random stream is named
 * "media:<host>:<n>", n the lowest number above those of the host's live
 * sessions (0 for the first), so that a second session does not perturb
 * the first's draws. NULL with a message
 * in err on bad options or out of memory. */
sim_media_t *sim_media_new(sim_host_t *h, const sim_impl_t *impl, const rtcsim_media_options_t *opts,
                           sim_media_event_fn fn, void *arg, char *err, size_t errlen);
/* Frees the session (media_free: no BYE; media_close first for that);
 * connections added to it are the caller's and stay. */
void         sim_media_free(sim_media_t *m);
/* The implementation's handle, and the implementation. */
rtcsim_media_t   *sim_media_handle(sim_media_t *m);
const sim_impl_t *sim_media_impl(const sim_media_t *m);
void        *sim_media_arg(const sim_media_t *m);
/* Deliver the events the session has queued, from a kernel step of its
 * own at the same virtual time. Not needed after API calls (a call that
 * queues an event arms the session's timer at now, and the events are
 * delivered after that expiry); here for symmetry with
 * sim_ice_socket_poke, and harmless. */
void         sim_media_poke(sim_media_t *m);

#endif
