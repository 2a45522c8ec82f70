/*
 * live_media.h - a live program's media plane as an implementation
 * (docs/live.md, "Media and DTMF"; include/rtcsim/impl.h): what
 * lua_live.c, which runs the program and its control protocol, and
 * live_media.c, whose proxy is an rtcsim_impl_t whose media entries are
 * requests to the program, give each other. lua_media.c drives the proxy
 * as it drives any implementation (host/media_host.h).
 */
#ifndef SIM_LIVE_MEDIA_H
#define SIM_LIVE_MEDIA_H

#include "lua/lsim.h"

struct sim_lrun;
typedef struct sim_lproxy sim_lproxy_t;

/* ---- lua_live.c, for the proxy ------------------------------------------------------ */

/* Request method of r's program with the table at params of L as its
 * params (L: any state with the json table in its registry) and wait for
 * the answer. 0: its result table pushed on L. 1: refused: the error's
 * code and message in code and err. -1: the program failed (no answer in
 * 10 s, a line that is not JSON, it exited, neither result nor error):
 * err says so, naming the host, the program and the request. Nothing
 * pushed but for 0; never raises but for memory errors. */
int  sim_lua_live_call(struct sim_lrun *r, lua_State *L, const char *method, int params, char *code,
                       size_t codelen, char *err, size_t errlen);
/* The answer line of r's last call, "" if none (for messages). */
const char *sim_lua_live_answer(const struct sim_lrun *r);
/* "live host bob (NAME)": how messages name r's program. */
const char *sim_lua_live_who(const struct sim_lrun *r);
/* A fault of r's program: the scenario's error is msg (the first stands). */
void sim_lua_live_stop(struct sim_lrun *r, const char *msg);
/* A live connection's name in the protocol ("c1"), and r's connection
 * of a name (NULL if the harness made none). */
const char          *sim_lua_live_conn_name(const rtcsim_connection_t *c);
rtcsim_connection_t *sim_lua_live_conn_find(struct sim_lrun *r, const char *name);

/* ---- live_media.c, for lua_live.c ---------------------------------------------------- */

/* r's proxy, with the media plane and DTMF as the hello's features said
 * (without media, media_new is NULL: lua_media.c's "no RTCMediaSession"
 * names the program); label: what messages call it. NULL if out of memory. */
sim_lproxy_t     *sim_live_media_new(struct sim_lrun *r, const char *label, bool media, bool dtmf);
/* r is freed: the proxy lives on until its last session is freed
 * (lua_media.c frees the sessions after the runs), then goes. */
void              sim_live_media_detach(sim_lproxy_t *p);
const sim_impl_t *sim_live_media_impl(sim_lproxy_t *p);
/* The proxy impl is, or NULL if impl is no live run's. */
sim_lproxy_t     *sim_live_media_of(const sim_impl_t *impl);
/* An event line with "session", decoded at t in L, which the program
 * wrote at virtual time at: converted and queued for its session, whose
 * timer is armed at now (media_host.c then takes it). A bad line raises
 * a Lua error saying what is wrong with it (the caller makes it the
 * program's fault). */
void              sim_live_media_event(sim_lproxy_t *p, lua_State *L, int t, sim_time_t at);

#endif
