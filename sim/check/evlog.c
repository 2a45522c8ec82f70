/*
 * evlog.c - the event log (evlog.h): records in memory, JSON lines out.
 *
 * All strings of all records live in one chunked arena, so emitting an
 * event (one per dropped datagram on a lossy link) costs no malloc per
 * string. Values are stored as JSON text (RFC 8259), keys sorted.
 */
#include "check/evlog.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (64u * 1024u)

typedef struct chunk {
    struct chunk *next;
    size_t        used, cap;
    char          data[];
} chunk_t;

struct sim_evlog {
    sim_evrec_t *recs;
    size_t       n, cap;
    chunk_t     *chunks;
    size_t       bytes, max_bytes;  /* held: chunks and the record array */
    char         error[96];         /* "" while every event was kept */
};

/* NULL when out of memory; the caller drops the event. */
static void *arena(sim_evlog_t *log, size_t n, size_t align)
{
    chunk_t *c = log->chunks;
    size_t off = c ? (c->used + align - 1) & ~(align - 1) : 0;
    if (!c || off + n > c->cap) {
        size_t cap = n > CHUNK ? n : CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        log->bytes += sizeof *c + cap;
        c->cap = cap;
        c->used = 0;
        c->next = log->chunks;
        log->chunks = c;
        off = 0;
    }
    c->used = off + n;
    return c->data + off;
}

static const char *arena_str(sim_evlog_t *log, const char *s, size_t len)
{
    char *p = arena(log, len + 1, 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

sim_evlog_t *sim_evlog_new(void)
{
    sim_evlog_t *log = calloc(1, sizeof *log);
    if (log)
        log->max_bytes = SIZE_MAX;
    return log;
}

void        sim_evlog_set_max_bytes(sim_evlog_t *log, size_t n) { log->max_bytes = n; }
size_t      sim_evlog_bytes(const sim_evlog_t *log) { return log->bytes; }
const char *sim_evlog_error(const sim_evlog_t *log) { return log->error[0] ? log->error : NULL; }

void sim_evlog_free(sim_evlog_t *log)
{
    if (!log)
        return;
    while (log->chunks) {
        chunk_t *c = log->chunks;
        log->chunks = c->next;
        free(c);
    }
    free(log->recs);
    free(log);
}

size_t sim_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    else if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;       /* overlong, beyond U+10FFFF, or a surrogate */
    return len;
}

size_t sim_json_quote(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = 0;
#define PUT(ch) do { if (n + 1 < cap) out[n] = (ch); n++; } while (0)
    PUT('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        }
        if (esc) {
            PUT(esc[0]);
            PUT(esc[1]);
        } else if (c < 0x20) {
            /* RFC 8259 s.7: other control characters as \u00XX */
            char u[7];
            snprintf(u, sizeof u, "\\u%04x", c);
            for (int k = 0; k < 6; k++)
                PUT(u[k]);
        } else if (c < 0x80) {
            PUT((char)c);
        } else {
            /* RFC 8259 s.8.1: JSON text is UTF-8; a byte that starts no
             * well-formed sequence is written as U+FFFD (the text log
             * keeps the raw bytes) */
            size_t k = sim_utf8_seq((const unsigned char *)s + i, len - i);
            if (!k) {
                static const char rep[] = "\\ufffd";
                for (int r = 0; r < 6; r++)
                    PUT(rep[r]);
                continue;
            }
            for (size_t r = 0; r < k; r++)
                PUT(s[i + r]);
            i += k - 1;
        }
    }
    PUT('"');
    if (cap)
        out[n < cap ? n : cap - 1] = '\0';
#undef PUT
    return n;
}

/* JSON text of one value, into the arena. */
static const char *value_json(sim_evlog_t *log, const sim_evarg_t *a)
{
    char buf[64];
    int len;
    switch (a->type) {
    case SIM_EV_STR: {
        const char *s = a->v.s ? a->v.s : "";
        size_t sl = strlen(s);
        size_t need = sim_json_quote(s, sl, NULL, 0);
        char *p = arena(log, need + 1, 1);
        if (p)
            sim_json_quote(s, sl, p, need + 1);
        return p;
    }
    case SIM_EV_JSON:
        return arena_str(log, a->v.s ? a->v.s : "null", strlen(a->v.s ? a->v.s : "null"));
    case SIM_EV_INT:
        len = snprintf(buf, sizeof buf, "%" PRId64, a->v.i);
        break;
    case SIM_EV_BOOL:
        len = snprintf(buf, sizeof buf, "%s", a->v.b ? "true" : "false");
        break;
    case SIM_EV_NUM:
    default:
        if (!isfinite(a->v.d))
            len = snprintf(buf, sizeof buf, "null");
        else if (a->v.d == floor(a->v.d) && fabs(a->v.d) < 9007199254740992.0)
            len = snprintf(buf, sizeof buf, "%" PRId64, (int64_t)a->v.d);
        else
            len = snprintf(buf, sizeof buf, "%.17g", a->v.d);
        break;
    }
    return arena_str(log, buf, (size_t)len);
}

/* An upper bound of the bytes one event takes in the arena (its strings,
 * alignment, and its pointer arrays). */
static size_t event_bytes(const char *src, const char *name, const sim_evarg_t *args,
                          size_t nargs)
{
    size_t n = strlen(src) + strlen(name) + 2 + 2 * nargs * sizeof(void *) + sizeof(void *);
    for (size_t i = 0; i < nargs; i++) {
        const char *v = args[i].v.s ? args[i].v.s : "null";
        n += strlen(args[i].key) + 1;
        if (args[i].type == SIM_EV_STR)
            n += sim_json_quote(v, strlen(v), NULL, 0) + 1;
        else if (args[i].type == SIM_EV_JSON)
            n += strlen(v) + 1;
        else
            n += 64;
    }
    return n;
}

static void drop(sim_evlog_t *log, const char *fmt, size_t n)
{
    if (!log->error[0])
        snprintf(log->error, sizeof log->error, fmt, n);
}

void sim_evlog_emit(sim_evlog_t *log, sim_time_t t, const char *src, const char *name,
                    const sim_evarg_t *args, size_t nargs)
{
    if (log->error[0])
        return;
    /* What the log may grow by: the event's bytes, in the current chunk
     * or in new ones (each at least CHUNK, pieces that do not fit moving
     * on: at most twice the bytes, plus one chunk), and the record array
     * doubling. Checked before, so the log never holds more than the
     * bound. */
    size_t need = event_bytes(src, name, args, nargs);
    size_t grow = 0;
    if (!log->chunks || need > log->chunks->cap - log->chunks->used)
        grow = 2 * need + CHUNK + (2 * nargs + 4) * sizeof(chunk_t);
    if (log->n == log->cap)
        grow += (log->cap ? log->cap : 1024) * sizeof *log->recs;
    if (grow > log->max_bytes || log->bytes > log->max_bytes - grow) {
        drop(log, "the event log limit of %zu bytes was reached", log->max_bytes);
        return;
    }
    if (log->n == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 1024;
        sim_evrec_t *r = realloc(log->recs, cap * sizeof *r);
        if (!r) {
            drop(log, "out of memory: the event log (%zu records)", cap);
            return;
        }
        log->bytes += (cap - log->cap) * sizeof *r;
        log->recs = r;
        log->cap = cap;
    }
    sim_evrec_t *r = &log->recs[log->n];
    r->t = t;
    r->src = arena_str(log, src, strlen(src));
    r->name = arena_str(log, name, strlen(name));
    r->nargs = (uint32_t)nargs;
    r->keys = nargs ? arena(log, nargs * sizeof *r->keys, sizeof(void *)) : NULL;
    r->vals = nargs ? arena(log, nargs * sizeof *r->vals, sizeof(void *)) : NULL;
    if (!r->src || !r->name || (nargs && (!r->keys || !r->vals)))
        goto nomem;
    /* insertion sort by key: events have a handful of arguments */
    for (size_t i = 0; i < nargs; i++) {
        const char *k = arena_str(log, args[i].key, strlen(args[i].key));
        const char *v = value_json(log, &args[i]);
        if (!k || !v)
            goto nomem;
        size_t j = i;
        while (j > 0 && strcmp(r->keys[j - 1], k) > 0) {
            r->keys[j] = r->keys[j - 1];
            r->vals[j] = r->vals[j - 1];
            j--;
        }
        r->keys[j] = k;
        r->vals[j] = v;
    }
    log->n++;
    return;
nomem:
    /* what the record took of the arena stays there, unused */
    drop(log, "out of memory: the event log (%zu records)", log->n);
}

size_t sim_evlog_count(const sim_evlog_t *log) { return log->n; }

const sim_evrec_t *sim_evlog_get(const sim_evlog_t *log, size_t i)
{
    return i < log->n ? &log->recs[i] : NULL;
}

/* A small appender that counts what it could not write, like snprintf. */
typedef struct out {
    char  *buf;
    size_t cap, n;
} out_t;

static void put(out_t *o, const char *s, size_t len)
{
    if (o->n < o->cap) {
        size_t room = o->cap - o->n;
        memcpy(o->buf + o->n, s, len < room ? len : room);
    }
    o->n += len;
}

static void puts_(out_t *o, const char *s) { put(o, s, strlen(s)); }

static void put_quoted(out_t *o, const char *s)
{
    size_t len = strlen(s);
    size_t room = o->n < o->cap ? o->cap - o->n : 0;
    size_t need = sim_json_quote(s, len, room ? o->buf + o->n : NULL, room);
    o->n += need;
}

size_t sim_evlog_format(const sim_evrec_t *r, char *buf, size_t cap)
{
    out_t o = { buf, cap, 0 };
    char t[32];
    puts_(&o, "{\"args\":{");
    for (uint32_t i = 0; i < r->nargs; i++) {
        if (i)
            puts_(&o, ",");
        put_quoted(&o, r->keys[i]);
        puts_(&o, ":");
        puts_(&o, r->vals[i]);
    }
    puts_(&o, "},\"ev\":");
    put_quoted(&o, r->name);
    puts_(&o, ",\"src\":");
    put_quoted(&o, r->src);
    puts_(&o, ",\"t\":");
    puts_(&o, sim_time_str(r->t, t));
    puts_(&o, "}");
    if (cap)
        buf[o.n < cap ? o.n : cap - 1] = '\0';
    return o.n;
}

int sim_evlog_write(const sim_evlog_t *log, FILE *f)
{
    char stack[4096];
    for (size_t i = 0; i < log->n; i++) {
        size_t need = sim_evlog_format(&log->recs[i], stack, sizeof stack);
        char *buf = stack;
        if (need >= sizeof stack) {
            buf = malloc(need + 1);
            if (!buf) {
                errno = ENOMEM;
                return -1;
            }
            sim_evlog_format(&log->recs[i], buf, need + 1);
        }
        int bad = fwrite(buf, 1, need, f) != need || fputc('\n', f) == EOF;
        if (buf != stack)
            free(buf);
        if (bad)
            return -1;
    }
    return 0;
}
