/*
 * skeleton.c - the smallest honest implementation of rtcsim's ABI
 * (include/rtcsim/impl.h), the one docs/implementers.md walks through.
 *
 * It does the first step of RFC 8445 and nothing it cannot do:
 *   - an RTCSocket holds the transport addresses the harness bound for it
 *     (one per interface that is up);
 *   - an RTCConnection gathers a host candidate on each (s.5.1.1.1), with
 *     the priority of s.5.1.2.1 and a foundation (s.5.1.1.3), queues a
 *     candidate event for each and then endofcandidates, and makes its
 *     local description: an id and the credentials of s.5.3, drawn from
 *     env.random;
 *   - every other call returns RTCSIM_ERR_UNSUPPORTED with a message that
 *     says what is missing, and media_new is NULL (no RTCMediaSession).
 * It passes scenarios/ice/gather.lua and ends in error, naming "connect",
 * on scenarios/ice/lan-host.lua.
 *
 * It compiles against the ABI's header alone:
 *     cc -std=c11 -shared -fPIC -fvisibility=hidden -I include \
 *        -o skeleton.so tests/impl/skeleton.c
 * Everything is static but the one exported symbol, rtcsim_impl, at the
 * end: a loaded implementation binds to nothing of the harness's, and
 * the harness to nothing of it but its table.
 */
#include <rtcsim/impl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- memory through the environment ------------------------------------- */

/* env.alloc when the harness gives one (it charges the bytes to the
 * scenario's memory bound), else the C library. */
static void *mem(const rtcsim_env_t *env, void *ptr, size_t old_size, size_t new_size)
{
    if (env->alloc)
        return env->alloc(env->ctx, ptr, old_size, new_size);
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

/* Frees a block of size bytes; NULL is nothing to free (env.alloc's
 * old_size must be the block's size, so a missing block is not passed). */
static void release(const rtcsim_env_t *env, void *ptr, size_t size)
{
    if (ptr)
        mem(env, ptr, size, 0);
}

/* Messages go into the caller's buffer, which may be NULL with errlen 0
 * (snprintf writes nothing then). */
static int fail(int st, char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
    return st;
}

/* ---- RTCSocket ----------------------------------------------------------- */

struct rtcsim_socket {
    rtcsim_env_t   env;             /* copied: the harness's pointer is borrowed */
    rtcsim_addr_t *locals;
    size_t         nlocals;
    uint64_t       unhandled;       /* datagrams it cannot read (it does no STUN) */
};

static rtcsim_socket_t *socket_new(const rtcsim_env_t *env, const rtcsim_addr_t *locals,
                                   size_t nlocals, const rtcsim_addr_t *stun, size_t nstun)
{
    /* STUN servers are for srflx candidates (RFC 8445 s.5.1.1.2), which
     * the skeleton does not gather: they are ignored, and gather.lua
     * gives none. */
    rtcsim_socket_t *s = mem(env, NULL, 0, sizeof *s);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    s->env = *env;
    if (nlocals) {
        s->locals = mem(env, NULL, 0, nlocals * sizeof *locals);
        if (!s->locals) {
            release(env, s, sizeof *s);
            return NULL;
        }
        memcpy(s->locals, locals, nlocals * sizeof *locals);
    }
    s->nlocals = nlocals;
    return s;
}

static void socket_free(rtcsim_socket_t *s)
{
    if (!s)
        return;
    const rtcsim_env_t env = s->env;
    release(&env, s->locals, s->nlocals * sizeof *s->locals);
    release(&env, s, sizeof *s);
}

/* Bad or unexpected input from the network is ignored and counted, never
 * an error of the caller's. */
static void socket_handle_datagram(rtcsim_socket_t *s, const rtcsim_addr_t *local,
                                   const rtcsim_addr_t *from, const uint8_t *data, size_t len)
{
    s->unhandled++;
}

/* The socket never arms its timer, so the harness never calls this; an
 * early or spurious call must be harmless anyway (impl.h). */
static void socket_handle_timeout(rtcsim_socket_t *s)
{
}

static int socket_set_locals(rtcsim_socket_t *s, const rtcsim_addr_t *locals, size_t n)
{
    rtcsim_addr_t *copy = NULL;
    if (n) {
        copy = mem(&s->env, NULL, 0, n * sizeof *locals);
        if (!copy)
            return RTCSIM_ERR_NOMEM;    /* nothing changed */
        memcpy(copy, locals, n * sizeof *locals);
    }
    release(&s->env, s->locals, s->nlocals * sizeof *s->locals);
    s->locals = copy;
    s->nlocals = n;
    return RTCSIM_OK;
}

/* No connection of the skeleton ever uses an address (it makes no
 * checks), so none disconnects; the next gathering sees the addresses
 * socket_set_locals gives. */
static void socket_address_lost(rtcsim_socket_t *s, const rtcsim_addr_t *addr)
{
}

static size_t socket_counters(const rtcsim_socket_t *s, rtcsim_counter_t *out, size_t max)
{
    if (max >= 1) {
        snprintf(out[0].name, sizeof out[0].name, "unhandled");
        out[0].value = s->unhandled;
    }
    return 1;
}

/* ---- RTCConnection ------------------------------------------------------- */

/* RFC 8445 s.5.1.2.2: the recommended type preference of host candidates;
 * the suite holds implementations to it (docs/decisions.md D120). */
#define HOST_TYPE_PREF 126u

typedef struct local_cand {
    rtcsim_candidate_t cand;
    bool               used;        /* given back by setLocalCandidate */
} local_cand_t;

struct rtcsim_connection {
    rtcsim_socket_t    *s;
    void               *opaque;
    rtcsim_conn_desc_t  local;
    local_cand_t       *cands;
    size_t              ncands;
    /* The events not yet taken: one per candidate and endofcandidates,
     * known in full when gathering ends, so a fixed array will do. */
    rtcsim_ice_event_t *ev;
    size_t              nev, ev_next;
};

/* RFC 8839 s.5.1 ice-chars (ALPHA / DIGIT / "+" / "/"): 64 of them, so a
 * random byte's low 6 bits pick one uniformly and each char carries 6
 * bits of randomness. */
static void random_ice_chars(rtcsim_socket_t *s, char *out, size_t n)
{
    static const char chars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t r[RTCSIM_PWD_MAX];
    s->env.random(s->env.ctx, r, n);
    for (size_t i = 0; i < n; i++)
        out[i] = chars[r[i] & 63];
    out[n] = '\0';
}

/* RFC 8445 s.5.1.2.1: priority = 2^24 type preference + 2^8 local
 * preference + (256 - component). The local preference must differ
 * between host candidates of one component: the first address (the
 * harness gives them in the host's interface order) gets the highest. */
static uint32_t host_priority(size_t index, uint8_t component)
{
    uint32_t local_pref = 65535u - (uint32_t)(index > 65535 ? 65535 : index);
    return (HOST_TYPE_PREF << 24) + (local_pref << 8) + (256u - component);
}

/* RFC 8445 s.5.1.1.3: the same foundation for candidates of one type,
 * base IP, server and transport, another for any other. Host candidates
 * have no server and all are UDP here, so the type letter and the base's
 * address in hex name the class (9 ice-chars, within the 32 allowed). */
static void host_foundation(const rtcsim_addr_t *base, char out[RTCSIM_FOUNDATION_MAX + 1])
{
    snprintf(out, RTCSIM_FOUNDATION_MAX + 1, "H%08x", (unsigned)base->ip);
}

static void gather(rtcsim_connection_t *c)
{
    for (size_t i = 0; i < c->ncands; i++) {
        rtcsim_candidate_t *k = &c->cands[i].cand;
        k->type = RTCSIM_CAND_HOST;
        k->component = 1;           /* RTP and RTCP share one (RFC 5761) */
        k->priority = host_priority(i, k->component);
        k->addr = c->s->locals[i];
        k->base = c->s->locals[i];  /* a host candidate is its own base */
        host_foundation(&k->base, k->foundation);
        rtcsim_ice_event_t *e = &c->ev[c->nev++];
        e->type = RTCSIM_ICE_CANDIDATE;
        e->local = *k;
    }
    /* No srflx or relayed candidates will follow: the generation ends
     * here (RFC 8838 s.4.4). */
    c->ev[c->nev++].type = RTCSIM_ICE_END_OF_CANDIDATES;
}

static void connection_free(rtcsim_connection_t *c);

static rtcsim_connection_t *connection_new(rtcsim_socket_t *s, const rtcsim_conn_desc_t *remote,
                                           void *opaque, rtcsim_status_t *st, char *err,
                                           size_t errlen)
{
    rtcsim_status_t status = RTCSIM_ERR_NOMEM;
    rtcsim_connection_t *c = mem(&s->env, NULL, 0, sizeof *c);
    if (!c)
        goto fail;
    memset(c, 0, sizeof *c);
    c->s = s;
    c->opaque = opaque;
    c->ncands = s->nlocals;
    if (c->ncands) {
        c->cands = mem(&s->env, NULL, 0, c->ncands * sizeof *c->cands);
        if (!c->cands)
            goto fail;
        memset(c->cands, 0, c->ncands * sizeof *c->cands);
    }
    c->ev = mem(&s->env, NULL, 0, (c->ncands + 1) * sizeof *c->ev);
    if (!c->ev)
        goto fail;
    memset(c->ev, 0, (c->ncands + 1) * sizeof *c->ev);

    if (remote) {
        /* the answerer takes the offerer's id (the spec's constructor) */
        if (!remote->id[0]) {
            status = RTCSIM_ERR_INVALID;
            fail(status, err, errlen, "remote description: connection-id is empty");
            goto fail_quiet;
        }
        snprintf(c->local.id, sizeof c->local.id, "%s", remote->id);
    } else {
        random_ice_chars(s, c->local.id, 16);
    }
    /* RFC 8445 s.5.3: at least 24 bits of randomness in the ufrag and 128
     * in the password; 8 and 24 ice-chars carry 48 and 144. */
    random_ice_chars(s, c->local.ufrag, 8);
    random_ice_chars(s, c->local.pwd, 24);
    /* no DTLS: no certificate, so no fingerprint to signal */
    c->local.nfingerprints = 0;
    gather(c);
    if (st)
        *st = RTCSIM_OK;
    return c;

fail:
    fail(status, err, errlen, "out of memory");
fail_quiet:
    connection_free(c);
    if (st)
        *st = status;
    return NULL;
}

static void connection_free(rtcsim_connection_t *c)
{
    if (!c)
        return;
    const rtcsim_env_t *env = &c->s->env;
    /* an object's free disarms its timer (impl.h); this one was never
     * armed, but a real implementation's is */
    env->set_timer(env->ctx, RTCSIM_TIMER_CONNECTION, c, RTCSIM_TIME_NEVER);
    release(env, c->ev, (c->ncands + 1) * sizeof *c->ev);
    release(env, c->cands, c->ncands * sizeof *c->cands);
    release(env, c, sizeof *c);
}

static void *connection_opaque(const rtcsim_connection_t *c)
{
    return c->opaque;
}

static const char *connection_id(const rtcsim_connection_t *c)
{
    return c->local.id;
}

static int connection_local_description(rtcsim_connection_t *c, rtcsim_conn_desc_t *out)
{
    *out = c->local;
    return RTCSIM_OK;
}

static int connection_set_remote_description(rtcsim_connection_t *c, const rtcsim_conn_desc_t *d,
                                             char *err, size_t errlen)
{
    return fail(RTCSIM_ERR_UNSUPPORTED, err, errlen,
                "the skeleton takes no answer (it makes no "
                "connectivity checks, RFC 8445 s.7)");
}

/* The spec: a local candidate takes part in checks only once the page
 * gives it back. The skeleton makes no checks, but it does know its own
 * candidates, so it refuses one that is not. */
static int connection_set_local_candidate(rtcsim_connection_t *c, const rtcsim_candidate_t *cand,
                                          char *err, size_t errlen)
{
    for (size_t i = 0; i < c->ncands; i++) {
        const rtcsim_candidate_t *k = &c->cands[i].cand;
        if (k->type == cand->type && k->addr.ip == cand->addr.ip &&
            k->addr.port == cand->addr.port && k->component == cand->component) {
            c->cands[i].used = true;
            return RTCSIM_OK;
        }
    }
    return fail(RTCSIM_ERR_INVALID, err, errlen,
                "not a candidate this connection gathered");
}

static int connection_set_remote_candidate(rtcsim_connection_t *c,
                                           const rtcsim_candidate_t *cand, char *err,
                                           size_t errlen)
{
    return fail(RTCSIM_ERR_UNSUPPORTED, err, errlen,
                "the skeleton forms no candidate pairs (RFC 8445 s.6.1.2)");
}

static int connection_connect(rtcsim_connection_t *c, char *err, size_t errlen)
{
    return fail(RTCSIM_ERR_UNSUPPORTED, err, errlen,
                "the skeleton makes no connectivity checks (RFC 8445 s.7)");
}

static int connection_update(rtcsim_connection_t *c, char *err, size_t errlen)
{
    return fail(RTCSIM_ERR_UNSUPPORTED, err, errlen,
                "the skeleton does no ICE restart (RFC 8445 s.9)");
}

static void connection_handle_timeout(rtcsim_connection_t *c)
{
}

static bool connection_next_event(rtcsim_connection_t *c, rtcsim_ice_event_t *ev)
{
    if (c->ev_next == c->nev)
        return false;
    *ev = c->ev[c->ev_next++];
    return true;
}

/* ---- the table ----------------------------------------------------------- */

static const rtcsim_impl_t table = {
    .abi_version = RTCSIM_IMPL_ABI_VERSION,
    .size = sizeof(rtcsim_impl_t),
    .name = "skeleton 1",

    .socket_new = socket_new,
    .socket_free = socket_free,
    .socket_handle_datagram = socket_handle_datagram,
    .socket_handle_timeout = socket_handle_timeout,
    .socket_set_locals = socket_set_locals,
    .socket_address_lost = socket_address_lost,
    .socket_counters = socket_counters,
    /* optional and absent: TURN (socket_set_turn), DTLS-SRTP profiles */

    .connection_new = connection_new,
    .connection_free = connection_free,
    .connection_opaque = connection_opaque,
    .connection_id = connection_id,
    .connection_local_description = connection_local_description,
    .connection_set_remote_description = connection_set_remote_description,
    .connection_set_local_candidate = connection_set_local_candidate,
    .connection_set_remote_candidate = connection_set_remote_candidate,
    .connection_connect = connection_connect,
    .connection_update = connection_update,
    .connection_handle_timeout = connection_handle_timeout,
    .connection_next_event = connection_next_event,

    /* no media plane: media_new and every media_* entry NULL */
};

/* The one exported symbol. A harness of another ABI version gets NULL,
 * which it reports as a version mismatch. */
__attribute__((visibility("default"))) const rtcsim_impl_t *rtcsim_impl(uint32_t harness_abi)
{
    return harness_abi == RTCSIM_IMPL_ABI_VERSION ? &table : NULL;
}
