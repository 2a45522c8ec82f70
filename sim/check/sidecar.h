/*
 * sidecar.h - sidecar.json, which every run writes beside its events and
 * captures (docs/replay.md, "The sidecar"): per host, what the page was
 * given by the spec objects (its addresses, each connection's role, the
 * local descriptions it read, the candidates oncandidate gave, the local
 * media descriptions it read) and the events the host's objects fired.
 * A capture holds no signalling; this file and dtls-keys.log are what a
 * replay needs besides it.
 *
 * The bindings call the collector where the data passes; the collector
 * keeps what the file will say, stamped with the kernel's virtual time,
 * and writes it at the end of the run. Each list it keeps that the
 * scenario can grow at will is capped at SIM_SIDECAR_CAP entries and a
 * value read again adds nothing (D178); what did not fit is counted in
 * the file's "left_out". The bytes it holds are charged to the run's
 * memory bound (sim_sidecar_bytes). Every function takes a NULL sidecar
 * or connection (a header read has none; out of memory) and then does
 * nothing.
 */
#ifndef SIM_SIDECAR_H
#define SIM_SIDECAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check/evlog.h"
#include "kernel/kernel.h"
#include <rtcsim/impl.h>

/* Entries per list (a connection's descriptions and candidates, a host's
 * addresses and media descriptions), D178. */
#define SIM_SIDECAR_CAP 64

typedef struct sim_sidecar sim_sidecar_t;
typedef struct sim_sidecar_conn sim_sidecar_conn_t;

/* Times are k's. NULL when out of memory. */
sim_sidecar_t *sim_sidecar_new(sim_kernel_t *k);
void           sim_sidecar_free(sim_sidecar_t *sc);
/* Bytes held (for the run's memory bound). */
size_t         sim_sidecar_bytes(const sim_sidecar_t *sc);

/* A host was made (names are unique: D31); the file lists hosts in this
 * order, each whether or not it ever has RTC objects. */
void sim_sidecar_host(sim_sidecar_t *sc, const char *host);
/* An interface of host was given address ip (made, or renumbered). */
void sim_sidecar_address(sim_sidecar_t *sc, const char *host, uint32_t ip);
/* An RTCConnection was made on host: controlling for RTCConnection(socket)
 * (the offerer), controlled for RTCConnection(socket, description). The
 * record lives as long as sc; NULL when out of memory. */
sim_sidecar_conn_t *sim_sidecar_connection(sim_sidecar_t *sc, const char *host, const char *cid,
                                           bool controlling);
/* The page read the connection's local description d. */
void sim_sidecar_description(sim_sidecar_conn_t *c, const rtcsim_conn_desc_t *d);
/* oncandidate gave the local candidate cand. */
void sim_sidecar_candidate(sim_sidecar_conn_t *c, const rtcsim_candidate_t *cand);
/* The page read the whole local description of a media session on host
 * (getLocalDescription() without a filter), as the JSON text json; session
 * names the session (any pointer unique to it for the run). */
void sim_sidecar_media(sim_sidecar_t *sc, const char *host, const void *session, const char *json,
                       size_t len);
/* Record i of the run's event log is an event of host's spec objects. */
void sim_sidecar_event(sim_sidecar_t *sc, const char *host, size_t i);

/* Write the file at path: whole into path.tmp, then renamed, so that a
 * reader never sees half of one. log is the run's event log (the events'
 * records); scenario the run's id ("media/call-lan"), seed its seed (as
 * the run ended: scenario{seed=} sets it after the collector is made).
 * 0, or -1 with errno set (ENOMEM when the collector ran out of memory on
 * the way: no file is written then, and none is left at path). */
int  sim_sidecar_write(const sim_sidecar_t *sc, const sim_evlog_t *log, const char *scenario,
                       uint64_t seed, const char *path);

#endif
