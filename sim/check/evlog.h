/*
 * evlog.h - the event log: every event of a run, from the network, the
 * scenario and (later) the spec objects, as JSON lines.
 *
 * One line per event: {"args":{...},"ev":NAME,"src":SOURCE,"t":SECONDS}
 * with keys in sorted order at every level and t printed with nine
 * decimals, so two runs with one seed write identical bytes.
 * Records are also kept in memory for expectations to match against.
 */
#ifndef SIM_EVLOG_H
#define SIM_EVLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/kernel.h"

typedef enum sim_evtype { SIM_EV_STR, SIM_EV_INT, SIM_EV_NUM, SIM_EV_BOOL, SIM_EV_JSON } sim_evtype_t;

typedef struct sim_evarg {
    const char  *key;
    sim_evtype_t type;
    union {
        const char *s;              /* SIM_EV_STR, or SIM_EV_JSON (already JSON text) */
        int64_t     i;
        double      d;
        bool        b;
    } v;
} sim_evarg_t;

#define SIM_EVS(k, x) ((sim_evarg_t){ .key = (k), .type = SIM_EV_STR, .v.s = (x) })
#define SIM_EVI(k, x) ((sim_evarg_t){ .key = (k), .type = SIM_EV_INT, .v.i = (int64_t)(x) })
#define SIM_EVN(k, x) ((sim_evarg_t){ .key = (k), .type = SIM_EV_NUM, .v.d = (x) })
#define SIM_EVB(k, x) ((sim_evarg_t){ .key = (k), .type = SIM_EV_BOOL, .v.b = (x) })
#define SIM_EVJ(k, x) ((sim_evarg_t){ .key = (k), .type = SIM_EV_JSON, .v.s = (x) })

/* A stored event. args[i] values are JSON text; keys are sorted. */
typedef struct sim_evrec {
    sim_time_t   t;
    const char  *src;
    const char  *name;
    uint32_t     nargs;
    const char **keys;
    const char **vals;
} sim_evrec_t;

typedef struct sim_evlog sim_evlog_t;

/* NULL when out of memory. */
sim_evlog_t *sim_evlog_new(void);
void         sim_evlog_free(sim_evlog_t *log);
/* Bound the bytes the log holds (default: no bound). */
void         sim_evlog_set_max_bytes(sim_evlog_t *log, size_t n);
/* Bytes the log holds: its records and their strings. */
size_t       sim_evlog_bytes(const sim_evlog_t *log);
/* Why an event was dropped (the bound, or out of memory), or NULL. From
 * the first such event on, every later one is dropped too, so the log is
 * a prefix of the run's events; its owner reports the error. */
const char  *sim_evlog_error(const sim_evlog_t *log);
/* Record one event. args may be in any order; they are stored sorted by
 * key. Keys must be unique within one event. */
void         sim_evlog_emit(sim_evlog_t *log, sim_time_t t, const char *src,
                            const char *name, const sim_evarg_t *args, size_t nargs);
size_t             sim_evlog_count(const sim_evlog_t *log);
const sim_evrec_t *sim_evlog_get(const sim_evlog_t *log, size_t i);
/* The JSON-lines form of one record, without newline, into a static-free
 * caller buffer; returns the length it needs (like snprintf). */
size_t       sim_evlog_format(const sim_evrec_t *r, char *buf, size_t cap);
/* Write every record as JSON lines. Returns 0, or -1 with errno set. */
int          sim_evlog_write(const sim_evlog_t *log, FILE *f);

/* Append s to out as a JSON string literal (quotes and escapes included;
 * a byte that is not well-formed UTF-8 becomes U+FFFD). Shared by every
 * writer that emits JSON. Returns bytes needed. */
size_t       sim_json_quote(const char *s, size_t len, char *out, size_t cap);
/* The length (1-4) of the well-formed UTF-8 sequence (RFC 3629 s.4) that
 * starts s (n > 0 bytes), or 0 if none does. */
size_t       sim_utf8_seq(const unsigned char *s, size_t n);

#endif
