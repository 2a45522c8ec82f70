/*
 * media_host.c - the simulator as the environment of an
 * implementation's RTCMediaSession (media_host.h).
 */
#include "host/media_host.h"

#include <stdio.h>
#include <stdlib.h>

#include "kernel/kernel.h"

struct sim_media {
    sim_host_t        *host;
    sim_net_t         *net;         /* the host's: ref/'s bytes are charged to it */
    sim_kernel_t      *k;
    const sim_impl_t  *impl;
    rtcsim_media_t    *ref;
    sim_rng_t          rng;
    sim_media_event_fn fn;
    void              *arg;
    sim_timer_t        timer;
    sim_timer_t        drain;
    unsigned           serial;      /* its number among the host's live sessions */
    struct sim_media  *next_live;
};

/* The live sessions, to number a host's without a counter in the host:
 * only the host pointers' equality is used, so the numbers depend only
 * on the order of the calls (a session freed and another made reuse a
 * number, which only repeats a dead session's draws). */
static sim_media_t *live;

static void drain(void *arg)
{
    sim_media_t *m = arg;
    m->drain = 0;
    rtcsim_media_event_t ev;
    while (SIM_CALL(m->impl, media_next_event, m->ref, &ev)) {
        if ((unsigned)ev.type >= RTCSIM_MEDIA__COUNT) {
            sim_net_fault(m->net, "implementation %s: media_next_event: event type %u is none "
                          "of the ABI's (rtcsim_media_event_type_t)", m->impl->label,
                          (unsigned)ev.type);
            return;
        }
        /* an implementation's strings: bounded before anyone reads them */
        ev.msid[sizeof ev.msid - 1] = ev.track[sizeof ev.track - 1] = '\0';
        ev.reason[sizeof ev.reason - 1] = '\0';
        if (ev.nexts > RTCSIM_MAX_EXTS)
            ev.nexts = RTCSIM_MAX_EXTS;
        for (size_t i = 0; i < ev.nexts; i++) {
            ev.exts[i].name[sizeof ev.exts[i].name - 1] = '\0';
            if (ev.exts[i].len > RTCSIM_EXT_VAL_MAX)
                ev.exts[i].len = RTCSIM_EXT_VAL_MAX;
        }
        m->fn(m->arg, m, &ev);
    }
}

void sim_media_poke(sim_media_t *m)
{
    if (!m->drain)
        m->drain = sim_after(m->k, 0, drain, m);
}

static uint64_t env_now(void *ctx)
{
    return sim_now(((sim_media_t *)ctx)->k);
}

static void env_random(void *ctx, void *buf, size_t len)
{
    sim_rng_bytes(&((sim_media_t *)ctx)->rng, buf, len);
}

/* Never called: a session sends through its connections, whose socket's
 * environment (ice_host.c) puts the datagrams on the network. */
static rtcsim_send_status_t env_send(void *ctx, const rtcsim_addr_t *from, const rtcsim_addr_t *to,
                                  const uint8_t *data, size_t len)
{
    return RTCSIM_SEND_NOT_LOCAL;
}

/* As ice_host.c's: every byte ref/ holds is charged to the network, so
 * the scenario's memory bound (D39, D47) sees the session's too. */
static void *env_alloc(void *ctx, void *ptr, size_t old, size_t size)
{
    return sim_net_realloc(((sim_media_t *)ctx)->net, ptr, old, size);
}

static void media_timer(void *arg)
{
    sim_media_t *m = arg;
    m->timer = 0;
    SIM_CALLV(m->impl, media_handle_timeout, m->ref);
    /* the session queued events during that expiry, or during the inputs
     * before it that armed it at now (ref/media.h's
     * rtc_media_handle_timeout): hand them over, in this same step */
    drain(m);
}

static void env_set_timer(void *ctx, rtcsim_timer_owner_t owner, void *obj, uint64_t at)
{
    sim_media_t *m = ctx;
    if (owner != RTCSIM_TIMER_MEDIA)
        return;     /* unreachable: this environment runs one session */
    sim_cancel(m->k, m->timer);
    m->timer = at == RTCSIM_TIME_NEVER ? 0 : sim_at(m->k, at < sim_now(m->k) ? sim_now(m->k) : at,
                                                 media_timer, m);
}

sim_media_t *sim_media_new(sim_host_t *h, const sim_impl_t *impl, const rtcsim_media_options_t *opts,
                           sim_media_event_fn fn, void *arg, char *err, size_t errlen)
{
    sim_media_t *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->host = h;
    m->impl = impl ? impl : sim_impl_builtin();
    if (!m->impl->t->media_new) {
        snprintf(err, errlen, "implementation %s has no RTCMediaSession (media_new)", m->impl->label);
        free(m);
        return NULL;
    }
    m->net = sim_host_net(h);
    m->k = sim_net_kernel(m->net);
    m->fn = fn;
    m->arg = arg;
    for (sim_media_t *o = live; o; o = o->next_live)
        if (o->host == h && o->serial >= m->serial)
            m->serial = o->serial + 1;
    char name[160];
    snprintf(name, sizeof name, "media:%s:%u", sim_host_name(h), m->serial);
    sim_rng_init(&m->rng, sim_kernel_seed(m->k), name);
    rtcsim_env_t env = { .ctx = m, .now = env_now, .set_timer = env_set_timer, .send = env_send,
                      .random = env_random, .alloc = env_alloc };
    rtcsim_status_t st;
    if (errlen)
        err[0] = '\0';
    m->ref = SIM_CALL(m->impl, media_new, &env, opts, &st, err, errlen);
    if (!m->ref && errlen) {
        err[errlen - 1] = '\0';     /* an implementation's message: bounded */
        if (!err[0])
            snprintf(err, errlen, "implementation %s: media_new failed and said nothing",
                     m->impl->label);
    }
    if (!m->ref) {
        free(m);
        return NULL;
    }
    m->next_live = live;
    live = m;
    return m;
}

void sim_media_free(sim_media_t *m)
{
    if (!m)
        return;
    SIM_CALLV(m->impl, media_free, m->ref);     /* disarms its timer through env_set_timer */
    sim_cancel(m->k, m->timer);
    sim_cancel(m->k, m->drain);
    for (sim_media_t **p = &live; *p; p = &(*p)->next_live)
        if (*p == m) {
            *p = m->next_live;
            break;
        }
    free(m);
}

rtcsim_media_t   *sim_media_handle(sim_media_t *m) { return m->ref; }
const sim_impl_t *sim_media_impl(const sim_media_t *m) { return m->impl; }
void        *sim_media_arg(const sim_media_t *m) { return m->arg; }
