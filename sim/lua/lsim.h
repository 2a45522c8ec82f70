/*
 * lsim.h - what the Lua binding files (lua_*.c) share, in the manner of
 * lauxlib: the scenario's state as the bindings see it, calling into Lua
 * under a traceback, the phase check, strict argument helpers, and the
 * userdata recipe every type uses (a metatable per type with a method
 * table, read-only fields from a getter, handler fields (on...) kept in the
 * user value table, userdata that are checked handles, not pointers).
 */
#ifndef SIM_LSIM_H
#define SIM_LSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>

#include "check/capture.h"
#include "check/evlog.h"
#include "check/sidecar.h"
#include "kernel/kernel.h"
#include "lua/catalogue.h"
#include "lua/scenario.h"
#include <rtcsim/impl.h>

#include "host/impl.h"
#include "net/net.h"

/* ---- shared by the Lua binding files (lua_*.c) -------------------------- */

typedef struct sim_ltimer sim_ltimer_t;
typedef struct sim_lexpect sim_lexpect_t;
typedef struct sim_lcapture sim_lcapture_t;
typedef struct sim_lchan sim_lchan_t;
typedef struct sim_lice sim_lice_t;
typedef struct sim_lsock sim_lsock_t;
typedef struct sim_lslot sim_lslot_t;
typedef struct sim_lmedia sim_lmedia_t;

/* The phases of a run (docs/scenarios.md, docs/decisions.md D30). What
 * changes the simulation (sending, timers, sim.run, the topology, new
 * expectations) is allowed in BUILD and RUN only; reading in CHECK too;
 * in CLOSED no object may be used at all. */
typedef enum sim_phase {
    SIM_PHASE_BUILD,                /* the main chunk */
    SIM_PHASE_RUN,                  /* the kernel runs: callbacks */
    SIM_PHASE_CHECK,                /* expectations and measure functions */
    SIM_PHASE_CLOSED,               /* the report is made; the Lua state closes */
} sim_phase_t;

typedef struct sim_scn {
    lua_State      *L;
    sim_kernel_t   *k;
    sim_evlog_t    *log;
    sim_net_t      *net;
    const sim_run_opts_t *opts;
    const char     *path;
    const char     *out_dir;
    char           *captures_dir;
    char           *lib_dir;        /* where require() looks */
    uint64_t        seed;
    uint64_t        own_seed;       /* scenario{seed=} or the default, even when
                                       --seed overrides it: goldens hold at it */
    sim_rng_t       lua_rng;        /* math.random */
    sim_phase_t     phase;
    bool            failed;         /* a Lua error stopped the run */
    bool            skipped;        /* ... because it cannot run here (SIM_SKIP) */
    char           *error;          /* its message */
    sim_time_t      max_time;       /* virtual-time bound */
    sim_time_t      duration;       /* scenario{duration=}; NEVER: until idle */
    uint64_t        instr_limit, instr_count;
    size_t          mem_used, mem_limit;
    size_t          c_bytes;        /* the C side's share of mem_limit (sim_scn_check) */
    size_t          timer_bytes;    /* held by the Lua timers' C records */
    size_t          held_bytes;     /* held by expectations and signalling messages in flight */
    char            limit[512];     /* the bound that tripped, as reported; "" while none */
    char           *title;
    FILE           *textlog;        /* print()/sim.log lines */
    sim_ltimer_t   *timers;         /* pending Lua timers */
    lua_Integer     timer_handles;  /* the last handle given out */
    sim_lexpect_t  *expects, **expects_tail;
    sim_lcapture_t *captures;
    sim_lchan_t    *channels;
    sim_lice_t     *ice;            /* RTCSockets and STUN servers */
    sim_lsock_t    *sockets;        /* open UDP sockets */
    FILE           *keylog;         /* dtls-keys.log, once a line came (lua_net.c) */
    sim_sidecar_t  *sidecar;        /* sidecar.json's collector (check/sidecar.h); NULL in a header read */

    sim_lmedia_t   *media;          /* RTCMediaSessions and local media (lua_media.c) */
    sim_lslot_t    *slots;          /* what the userdata's handles name (lsim.c) */
    size_t          nslots, capslots;
    struct sim_host_impl *host_impls;   /* net.host{impl=}: the hosts not on the default */
    size_t          nhost_impls;
    bool            foreign;        /* a host of this run is on an implementation other than
                                       the built-in one: byte goldens are compared masked */

    /* scenario{covers=} (D111): catalogue ids, checked against cat, or
     * when that is NULL against own_cat, loaded from the catalogue beside
     * the scenario (sim_catalogue_path) when covers= is first given. */
    char          **covers;
    size_t          ncovers;
    const sim_catalogue_t *cat;
    sim_catalogue_t *own_cat;
    bool            header_read;    /* sim_scenario_header: stop once the header is read */
    bool            header_done;    /* ... and it was */
    struct sim_lrun *runs;          /* net.host{run=}: live hosts (lua_live.c) */
    struct sim_lives *lives;        /* their programs, once started */
    struct sim_lreplay *replays;    /* net.trace: the traces loaded and their players */
} sim_scn_t;

/* ---- live hosts (lua_live.c, sim/host/live.h) ------------------------------ */

/* net.host{run = {argv...}, control = } for h: parse and keep the
 * program's argv; control: it speaks the control protocol. */
void sim_lua_live_declare(lua_State *L, sim_host_t *h, int idx, bool control);
/* Start the declared programs (before the kernel first runs; again is a
 * no-op). 0, or -1 with the scenario's error recorded. */
int  sim_lua_live_start(sim_scn_t *s);
/* The report's note on a real-time run; nothing without live hosts. */
void sim_lua_live_note(const sim_scn_t *s, char **notes);
/* Stop every program, delete every namespace. */
void sim_lua_live_free(sim_scn_t *s);
/* Whether h is a live host with the control protocol; whether the value
 * at idx is one's RTCSocket. */
bool sim_lua_live_is(const sim_scn_t *s, const sim_host_t *h);
bool sim_lua_live_is_socket(lua_State *L, int idx);
/* host:RTCSocket(iceServers) and RTCConnection(socket [, remote]) on a
 * live host: the program's objects, through the control protocol. */
int  sim_lua_live_socket(lua_State *L, sim_host_t *h, const rtcsim_addr_t *stun, size_t nstun,
                         const rtcsim_turn_server_t *turn, size_t nturn);
int  sim_lua_live_connection(lua_State *L);
/* The implementation of live host h's RTC objects: the run's proxy
 * (live_media.c: media entries that are requests to the program; its
 * program started first), NULL if h is not a live host; raises naming
 * what if h's program has no control protocol. */
const sim_impl_t *sim_lua_live_impl(lua_State *L, sim_host_t *h, const char *what);
/* The value at idx as a live host's RTCConnection: its handle for the
 * proxy (*impl set), or NULL if it is not one. */
rtcsim_connection_t *sim_lua_live_check_connection(lua_State *L, int idx, const sim_impl_t **impl);
/* If impl is a live run's proxy, push the RTCConnection c names (the
 * scenario's object) and return true; false and nothing pushed if not. */
bool sim_lua_live_push_connection(lua_State *L, const sim_impl_t *impl, rtcsim_connection_t *c);

/* lua_ice.c's tables, shared with live hosts: candidates and connection
 * descriptions as the spec's dictionaries (checked strictly on the way
 * in: a bad one is a Lua error naming the field), and the logged event. */
void sim_lua_push_candidate(lua_State *L, const char *id, const rtcsim_candidate_t *c);
void sim_lua_to_candidate(lua_State *L, int t, const char *conn_id, rtcsim_candidate_t *c);
void sim_lua_push_description(lua_State *L, const rtcsim_conn_desc_t *d);
void sim_lua_to_description(lua_State *L, int t, rtcsim_conn_desc_t *d);
void sim_lua_ice_log(sim_scn_t *s, const char *host, const char *cid, const rtcsim_ice_event_t *ev);

/* lua_media.c's converters, shared with live hosts (live_media.c) so that
 * a program's descriptions pass the checks a scenario's do: one
 * RTCTrackDescription at t into d (key: its key in a description, NULL
 * for setTrackProperties'; raises naming what), and back (given_only:
 * only the keys d->given names, and delete, as a scenario wrote them);
 * an RTCCodec; rtpExtHeaders { name = hex }; the string keys of the
 * table at t pushed as a sequence in byte order (their number returned). */
void   sim_lua_parse_track_desc(lua_State *L, int t, const char *what, const char *key,
                                rtcsim_track_desc_t *d);
void   sim_lua_push_track_desc(lua_State *L, const rtcsim_track_desc_t *d, bool given_only);
void   sim_lua_push_codec(lua_State *L, const rtcsim_codec_t *c);
void   sim_lua_parse_exts(lua_State *L, int t, const char *what, rtcsim_ext_header_t *out, size_t *n);
size_t sim_lua_sorted_keys(lua_State *L, int t, const char *what);

/* ---- implementations under test (host/impl.h) ---------------------------- */

/* The implementation of host h: the one net.host{impl=} named, else the
 * run's default (--impl, else the built-in ref/), loaded at its first use
 * (a load error is a Lua error naming `what`). */
const sim_impl_t *sim_lua_host_impl(lua_State *L, sim_host_t *h, const char *what);
/* net.host{impl = NAME} for h: "ref", "default", or a path given with
 * --impl (scenarios load only what the command line allows). */
void sim_lua_set_host_impl(lua_State *L, sim_host_t *h, const char *name);
/* An API call of impl returned rc < 0 with err: raise "METHOD: err",
 * followed by "(implementation X: status)" when it is not the built-in
 * one (a suffix: scenarios match the spec's part of a message). */
int  sim_lua_impl_error(lua_State *L, const sim_impl_t *impl, const char *method, int rc,
                        const char *err);
/* The report's note of which hosts ran which implementation (the run had
 * one other than the built-in one). */
void sim_lua_impl_note(const sim_scn_t *s, char **notes);
/* Counters as a table: "a.b" goes to t.a.b, "c" to t.c. */
void sim_lua_push_counters(lua_State *L, const rtcsim_counter_t *c, size_t n);

sim_scn_t *sim_scn_get(lua_State *L);
/* scenario{covers=} of the table at idx into s->covers: a list of ids of
 * the catalogue; anything else raises an error naming the id and its line
 * in the scenario file (scenario.c). */
void       sim_scn_covers(lua_State *L, int idx);
/* In a header read (sim_scenario_header): the header is read, the script
 * goes no further (a sticky stop, as a bound's). Raises. */
int        sim_scn_header_stop(lua_State *L);
/* Call the function at the top of the stack with nargs arguments below it,
 * under a traceback handler; on error record it and stop the kernel. */
void       sim_scn_call(sim_scn_t *s, int nargs);
/* Seconds (a Lua number) at argument/field idx into virtual time; raises a
 * Lua error naming `what` if negative, not finite or too large. */
sim_time_t sim_lua_time(lua_State *L, int idx, const char *what);
/* Record an event from the scenario; src and name as given. */
void       sim_scn_event(sim_scn_t *s, const char *src, const char *name,
                         const sim_evarg_t *args, size_t nargs);
/* ... an event of host's spec objects: also the sidecar's (check/sidecar.h). */
void       sim_scn_host_event(sim_scn_t *s, const char *host, const char *name,
                              const sim_evarg_t *args, size_t nargs);

/* The C work one Lua instruction stands for in the instruction bound:
 * bytes scanned, copied or allocated, or steps of the pattern matcher
 * (sandbox.c). */
#define SIM_WORK_PER_INSTR 16

/* Bounds (docs/scenarios.md). A tripped bound is sticky: its message is
 * kept in s->limit, every further Lua instruction raises it again, and
 * pcall/xpcall re-raise it, so the run ends with it whatever the script
 * does. sim_scn_limit trips (the message is formatted after the script's
 * location at stack level `level`) and raises. */
int  sim_scn_limit(lua_State *L, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Charge `units` of work done in C to the instruction bound, before doing
 * it; if it would pass the bound, trip it with a message that says what
 * the work was (fmt, ...). */
void sim_scn_charge(lua_State *L, double units, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* After a protected call made for the script (pcall, xpcall) returned rc:
 * raise again if a bound has tripped (a memory error trips the memory
 * bound), so no script catches it. */
void sim_scn_rethrow(lua_State *L, int rc);
/* Give thread co the main thread's bounds: the count hook (or, once a
 * bound has tripped, the hook that raises it at every instruction). */
void sim_scn_hook_thread(sim_scn_t *s, lua_State *co);
/* Count the C side's memory (kernel queue, Lua timers, event log) into the
 * memory bound and check the kernel's and the event log's own bounds;
 * trips (and raises, when L is not NULL) on the first one passed. Returns
 * false when a bound has tripped. */
bool sim_scn_check(sim_scn_t *s, lua_State *L);

/* Library openers: each sets one global table. */
void sim_lua_open_sim(lua_State *L);        /* sim, scenario, print, tostring, os, math.random */
void sim_lua_open_net(lua_State *L);        /* net */
void sim_lua_open_expect(lua_State *L);     /* expect */
void sim_lua_open_ice(lua_State *L);        /* RTCSocket, RTCConnection, net.stun_server */
void sim_lua_ice_free(sim_scn_t *s);
/* The connection of the RTCConnection at idx (raises if it is not one,
 * or is closed, or the scenario is over); the userdata of a connection
 * (nil if it has none); after an API call that may have queued events on
 * c (media on its connections), arm their delivery. */
rtcsim_connection_t *sim_lua_check_connection(lua_State *L, int idx, const sim_impl_t **impl);
void              sim_lua_push_connection(lua_State *L, const sim_impl_t *impl, rtcsim_connection_t *c);
void              sim_lua_connection_poke(const sim_impl_t *impl, rtcsim_connection_t *c);
void sim_lua_open_stun(lua_State *L);       /* stun: messages for misbehaving peers */
void sim_lua_open_replay(lua_State *L);     /* net.trace: rtcsim replay's player (lua_replay.c) */
void sim_lua_replay_free(sim_scn_t *s);
/* MediaStreamTrack, MediaStream, host:RTCMediaSession; freed before the
 * RTCConnections the sessions use (sim_lua_ice_free). */
void sim_lua_open_media(lua_State *L);
void sim_lua_media_free(sim_scn_t *s);
/* The sandbox over the standard libraries: pcall/xpcall, next/pairs,
 * string.format, and a cost bound on every C library loop. */
void sim_lua_open_sandbox(lua_State *L);
/* Evaluate the expectations after the run; appends to r's messages, notes
 * and measures. */
sim_verdict_t sim_lua_expect_check(sim_scn_t *s, sim_result_t *r);
/* Close captures (flush files); errors appended to messages. */
int  sim_lua_captures_close(sim_scn_t *s, char **messages);
void sim_lua_timers_free(sim_scn_t *s);
/* The pcap file of the capture userdata at idx (raises if it is not one). */
const char *sim_lua_capture_file(lua_State *L, int idx);
/* The path of its decrypted twin (capture.h), which exists only if the
 * capture saw a packet with a twin. */
const char *sim_lua_capture_twin_file(lua_State *L, int idx);
void sim_lua_net_free(sim_scn_t *s);         /* channels and captures */
void sim_lua_expects_free(sim_scn_t *s);

/* Raise a Lua error naming what and the phase unless the simulation may
 * still be changed (build and run phases): every binding that sends,
 * schedules, runs or changes the topology or the expectations calls it. */
void sim_lua_check_phase(lua_State *L, const char *what);

/* Raise a Lua error if the table at idx has a key not in allowed (a NULL-
 * terminated list): catches typos such as { latncy = 0.01 }. */
void sim_lua_check_keys(lua_State *L, int idx, const char *what, const char *const allowed[]);
/* t[k] = v for the table on top of the stack (the tables the bindings
 * hand to scripts: descriptions, stats). */
void sim_lua_set_str(lua_State *L, const char *k, const char *v);
void sim_lua_set_int(lua_State *L, const char *k, lua_Integer v);
/* Optional numeric field of the table at idx; returns def when absent.
 * Raises an error naming what.key when present but not a number. */
double sim_lua_optnum(lua_State *L, int idx, const char *what, const char *key, double def);

/* The string at idx: a Lua string (not a number) without a NUL byte,
 * which the C side would silently cut there; raises naming what. */
const char *sim_lua_checkstring(lua_State *L, int idx, const char *what);
/* The integer at idx, lo to hi: a Lua number (not a string) with no
 * fraction; raises naming what. */
lua_Integer sim_lua_checkint(lua_State *L, int idx, const char *what, lua_Integer lo,
                             lua_Integer hi);
/* Names of what a scenario builds (hosts, subnets, NATs, firewalls) are one
 * namespace (docs/decisions.md D31): raise if name is taken, naming what
 * took it; claim it once the thing exists. */
void sim_lua_name_check(lua_State *L, const char *what, const char *name);
void sim_lua_name_claim(lua_State *L, const char *name, const char *kind);

typedef int (*sim_lobj_getter)(lua_State *L, void *obj, const char *key);

/*
 * Userdata are handles: each holds the index of a slot in the scenario's
 * slot table, and the slot the C object's address. The C side owns every
 * object; when one goes away (sim_lobj_kill) its slot says so, and once the
 * scenario is over (phase CLOSED) every handle refuses, so a finalizer that
 * runs while the Lua state closes never reaches freed memory.
 */
/* Push the userdata of type mt for ptr: the same one each time for the same
 * object (so == compares objects), with an empty handler table. */
void  sim_lobj_push_ptr(lua_State *L, const char *mt, void *ptr);
/* The object of the userdata at idx, which must be of type mt; raises if it
 * is closed or the scenario is over. */
void *sim_lobj_ptr(lua_State *L, int idx, const char *mt);
/* The object ptr went away: its userdata (if any) refuse from now on with
 * "<desc> is closed". */
void  sim_lobj_kill(lua_State *L, void *ptr, const char *desc);
void  sim_lobj_free(sim_scn_t *s);
/* The type of the value at idx as a scenario author knows it: an object's
 * type name ("Host", "Subnet"), else Lua's. */
const char *sim_lobj_typename(lua_State *L, int idx);
/* __index: methods, then get's fields (of the live object), then handlers. */
int   sim_lobj_index(lua_State *L, sim_lobj_getter get);
int   sim_lobj_newindex_handlers(lua_State *L);
int   sim_lobj_newindex_readonly(lua_State *L);
/* Register type mt. */
void  sim_lobj_class(lua_State *L, const char *mt, const luaL_Reg *methods, lua_CFunction index,
                     lua_CFunction newindex, const char *type_name);

#endif
