/*
 * jsonl.h - the side of the live-host control protocol (docs/live.md,
 * version 1) that rtcsim-nice and rtcsim-live share: the request record
 * and its typed parameter getters, the lines they write (responses,
 * refusals, events, the hello) and the reading of one request line into
 * a call of the adapter's method table.
 *
 * Each adapter keeps its own input loop (GLib's main loop in rtcsim-nice,
 * poll(2) in rtcsim-live) and hands every complete line to
 * sim_jsonl_handle_line. Where the two had read the protocol apart (a
 * null member, an id that is neither an integer nor a string, the
 * refusals' wording and length), docs/live.md now says, and this file
 * does it for both.
 *
 * This file is compiled into the two adapters only, never into rtcsim:
 * it sits three levels under sim/, out of the Makefile's sim/[*]/[*].c.
 */
#ifndef SIM_ADAPTERS_JSONL_H
#define SIM_ADAPTERS_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-glib/json-glib.h>

#define SIM_JSONL_PROTOCOL 1
/* docs/live.md: "no line longer than 64 KiB" */
#define SIM_JSONL_LINE_MAX 65536
/* The largest refusal message, with its NUL */
#define SIM_REQ_MSG_MAX 400

/* One request being served: the method's name, its params and the result
 * object it builds; a refusal is code and msg (sim_req_fail). */
typedef struct sim_req {
    const char *method;
    JsonObject *params;                /* never NULL */
    JsonBuilder *result;               /* an open object */
    const char *code;                  /* NULL: ok */
    char msg[SIM_REQ_MSG_MAX];
} sim_req_t;

/* A method: true with r->result filled, or false with r failed. */
typedef struct sim_req_method {
    const char *name;
    bool (*fn)(sim_req_t *r);
} sim_req_method_t;

typedef struct sim_jsonl_config {
    FILE *out;                         /* the protocol's stdout */
    /* A line could not be written (the harness went away): the adapter
     * ends as at stdin's EOF. */
    void (*gone)(void);
    const sim_req_method_t *methods;
    size_t nmethods;
    /* Each request line and each refusal, when not NULL (--debug). */
    void (*log)(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
    /* After each request that reached the method table, when not NULL. */
    void (*served)(void);
} sim_jsonl_config_t;

/* The configuration every call below uses; borrowed for the program's
 * life. */
void sim_jsonl_init(const sim_jsonl_config_t *cfg);

/* ---- requests ---------------------------------------------------------------------- */

/* r refused with code ("invalid", "unsupported", "failed") and the
 * message "<method>: <fmt...>"; false, for `return sim_req_fail(...)`. */
bool sim_req_fail(sim_req_t *r, const char *code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

enum { SIM_OPT = 0, SIM_REQ = 1 };     /* a getter's `req`: optional, required */

/* Member k of o; `where` names o in messages ("stream.tracks[1]."). NULL
 * with r failed when it is missing and required, NULL with r untouched
 * when it is absent and optional; the typed getters below check the
 * rest. */
JsonNode *sim_req_member(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req);

bool sim_json_is_str(JsonNode *n);
bool sim_json_is_int(JsonNode *n);
bool sim_json_is_bool(JsonNode *n);

/* Typed members: false with r failed ("invalid", naming where and k) when
 * missing and required or of the wrong type. Absent and optional: true,
 * with *v NULL for a string, an object or a list, untouched for a
 * boolean, and *given (when not NULL) false for an integer, which must
 * otherwise be in [lo, hi]. */
bool sim_req_str(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                 const char **v);
bool sim_req_int(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                 gint64 lo, gint64 hi, gint64 *v, bool *given);
bool sim_req_bool(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                  bool *v);
bool sim_req_obj(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                 JsonObject **v);
bool sim_req_arr(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                 JsonArray **v);

/* ---- lines out ---------------------------------------------------------------------- */

/* Member k of the open object b: a string, an integer, a boolean. */
void sim_json_set_str(JsonBuilder *b, const char *k, const char *v);
void sim_json_set_int(JsonBuilder *b, const char *k, gint64 v);
void sim_json_set_bool(JsonBuilder *b, const char *k, bool v);

/* b's root as one line on the protocol's stdout; b is unreffed. */
void sim_jsonl_put(JsonBuilder *b);

/* {"id":id,"error":{"code":code,"message":msg}}; id NULL is null. */
void sim_jsonl_error(JsonNode *id, const char *code, const char *msg);

/* The refusal of a line past SIM_JSONL_LINE_MAX (id null). */
void sim_jsonl_overlong(void);

/* An open event object: {"event":event,key:name, ... */
JsonBuilder *sim_jsonl_event_begin(const char *event, const char *key, const char *name);

/* An open hello object: {"event":"hello","protocol":1,"name":name, ... */
JsonBuilder *sim_jsonl_hello_begin(const char *name);

/* An RTCIceCandidateDescription with the spec's keys, in docs/live.md's
 * order; relatedAddress/relatedPort (RFC 8839 s.5.1 rel-addr, rel-port)
 * only with related set (the types that have a base elsewhere). */
typedef struct sim_jsonl_candidate {
    const char *cid, *foundation;
    gint64 component, priority;
    const char *address;
    gint64 port;
    const char *type;                  /* "host", "srflx", "prflx", "relay" */
    const char *related;               /* NULL: none */
    gint64 related_port;
} sim_jsonl_candidate_t;

void sim_jsonl_add_candidate(JsonBuilder *b, const sim_jsonl_candidate_t *c);

/* ---- lines in ----------------------------------------------------------------------- */

/* One line of stdin (without its newline, at most SIM_JSONL_LINE_MAX
 * bytes): a request answered by its method, or a refusal. */
void sim_jsonl_handle_line(const char *line, size_t len);

#endif
