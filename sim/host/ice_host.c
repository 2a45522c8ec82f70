/*
 * ice_host.c - the simulator as the environment of an implementation's
 * RTCSocket (ice_host.h).
 */
#include "host/ice_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct conn_slot {
    struct sim_ice_socket *s;
    rtcsim_connection_t      *c;
    sim_timer_t            timer;
    void                  *user;    /* the caller's record of the connection */
} conn_slot_t;

struct sim_ice_socket {
    sim_host_t      *host;
    sim_net_t       *net;           /* the host's: ref/'s bytes are charged to it */
    sim_kernel_t    *k;
    const sim_impl_t *impl;
    rtcsim_socket_t *ref;
    sim_udp_t      **udp;
    rtcsim_addr_t   *locals;
    size_t           nlocals;
    rtcsim_addr_t   *given;         /* every address it was ever given (sends from others: a fault) */
    size_t           ngiven;
    conn_slot_t    **conns;
    size_t           nconns, conns_cap;
    sim_rng_t        rng;
    sim_ice_event_fn fn;
    void            *arg;
    sim_timer_t      drain;
    sim_timer_t      timer;         /* the socket's own */
};

static void drain(void *arg)
{
    sim_ice_socket_t *s = arg;
    s->drain = 0;
    rtcsim_ice_event_t ev;
    for (size_t i = 0; i < s->nconns; i++)
        while (SIM_CALL(s->impl, connection_next_event, s->conns[i]->c, &ev)) {
            if ((unsigned)ev.type >= RTCSIM_ICE__COUNT) {
                sim_net_fault(s->net, "implementation %s: connection_next_event: event type %u "
                              "is none of the ABI's (rtcsim_ice_event_type_t)",
                              s->impl->label, (unsigned)ev.type);
                return;
            }
            ev.text[sizeof ev.text - 1] = '\0';   /* an implementation's strings: bounded */
            ev.local.foundation[sizeof ev.local.foundation - 1] = '\0';
            ev.remote.foundation[sizeof ev.remote.foundation - 1] = '\0';
            s->fn(s->arg, s->conns[i]->c, &ev);
        }
}

void sim_ice_socket_poke(sim_ice_socket_t *s)
{
    if (!s->drain)
        s->drain = sim_after(s->k, 0, drain, s);
}

static uint64_t env_now(void *ctx)
{
    return sim_now(((sim_ice_socket_t *)ctx)->k);
}

static void env_random(void *ctx, void *buf, size_t len)
{
    sim_rng_bytes(&((sim_ice_socket_t *)ctx)->rng, buf, len);
}

/* env_send and env_send_twin: one path, so that a datagram with a twin
 * meets the same checks as one without (rtc_env.h). */
static rtcsim_send_status_t send_from(sim_ice_socket_t *s, const rtcsim_addr_t *from, const rtcsim_addr_t *to,
                                   const uint8_t *data, size_t len, const uint8_t *plain,
                                   size_t plain_len)
{
    if (len > SIM_UDP_MAX_PAYLOAD || (plain && plain_len > SIM_UDP_MAX_PAYLOAD))
        return RTCSIM_SEND_TOO_LARGE;
    for (size_t i = 0; i < s->nlocals; i++)
        if (s->locals[i].ip == from->ip && s->locals[i].port == from->port)
            return sim_udp_send_twin(s->udp[i], to->ip, to->port, data, len, plain, plain_len) == 0
                       ? RTCSIM_SEND_OK
                       : RTCSIM_SEND_FAILED;
    /* An address it was never given: the implementation's fault. */
    bool known = false;
    for (size_t i = 0; i < s->ngiven && !known; i++)
        known = s->given[i].ip == from->ip && s->given[i].port == from->port;
    if (!known) {
        char a[16];
        sim_ip_str(from->ip, a);
        sim_net_fault(s->net, "implementation %s: send: a datagram from %s:%u, an address the "
                      "harness never gave this socket", s->impl->label, a, from->port);
        return RTCSIM_SEND_NOT_LOCAL;
    }
    /* No socket owns the source (an address the host has lost, closed by
     * refresh): the network counts it as a drop, the implementation as a
     * send that did not go. */
    sim_host_drop_unsent(s->host, SIM_DROP_NO_SOURCE, from->ip, from->port, to->ip, to->port, len);
    return RTCSIM_SEND_NOT_LOCAL;
}

static rtcsim_send_status_t env_send(void *ctx, const rtcsim_addr_t *from, const rtcsim_addr_t *to,
                                  const uint8_t *data, size_t len)
{
    return send_from(ctx, from, to, data, len, NULL, 0);
}

/* The plain twin goes with the datagram for the captures' decrypted twin
 * files (sim_udp_send_twin); the peer receives data only. */
static rtcsim_send_status_t env_send_twin(void *ctx, const rtcsim_addr_t *from, const rtcsim_addr_t *to,
                                       const uint8_t *data, size_t len, const uint8_t *plain,
                                       size_t plain_len)
{
    return send_from(ctx, from, to, data, len, plain, plain_len);
}

/* Every host's lines go to the one sink of the network, in the order
 * they come (the scenario's dtls-keys.log). */
static void env_keylog(void *ctx, const char *line)
{
    sim_net_keylog(((sim_ice_socket_t *)ctx)->net, line);
}

/* rtc_env.h's alloc: every byte ref/ holds is charged to the network
 * (sim_net_charge), so that the scenario's memory bound sees it and can
 * refuse it; a refusal is out of memory for ref/. */
static void *env_alloc(void *ctx, void *ptr, size_t old, size_t size)
{
    return sim_net_realloc(((sim_ice_socket_t *)ctx)->net, ptr, old, size);
}

static void conn_timer(void *arg)
{
    conn_slot_t *slot = arg;
    slot->timer = 0;
    SIM_CALLV(slot->s->impl, connection_handle_timeout, slot->c);
    sim_ice_socket_poke(slot->s);
}

static void socket_timer(void *arg)
{
    sim_ice_socket_t *s = arg;
    s->timer = 0;
    SIM_CALLV(s->impl, socket_handle_timeout, s->ref);
    sim_ice_socket_poke(s);
}

static void env_set_timer(void *ctx, rtcsim_timer_owner_t owner, void *obj, uint64_t at)
{
    sim_ice_socket_t *s = ctx;
    sim_timer_t *timer;
    sim_event_fn fire;
    void *arg;
    switch (owner) {
    case RTCSIM_TIMER_SOCKET:          /* the socket's own (TURN) timer */
        timer = &s->timer;
        fire = socket_timer;
        arg = s;
        break;
    case RTCSIM_TIMER_CONNECTION:      /* its slot was passed to connection_new */
        arg = SIM_CALL(s->impl, connection_opaque, obj);
        timer = &((conn_slot_t *)arg)->timer;
        fire = conn_timer;
        break;
    default:
        return;     /* unreachable: this environment runs sockets and connections only */
    }
    sim_cancel(s->k, *timer);
    *timer = at == RTCSIM_TIME_NEVER ? 0 : sim_at(s->k, at, fire, arg);
}

static void on_datagram(void *arg, sim_udp_t *u, const sim_pkt_t *p)
{
    sim_ice_socket_t *s = arg;
    rtcsim_addr_t local = { p->dst_ip, p->dst_port }, from = { p->src_ip, p->src_port };
    SIM_CALLV(s->impl, socket_handle_datagram, s->ref, &local, &from, p->data, p->len);
    sim_ice_socket_poke(s);
}

/* The OS tells of an interface change: a lost address ends the
 * connections that were using it. */
static bool host_has_up(sim_host_t *h, uint32_t ip)
{
    for (size_t j = 0; sim_host_iface_at(h, j); j++) {
        sim_iface_t *f = sim_host_iface_at(h, j);
        if (sim_iface_ip(f) == ip && sim_iface_is_up(f))
            return true;
    }
    return false;
}

static void on_iface(void *arg, sim_iface_t *iface)
{
    sim_ice_socket_t *s = arg;
    for (size_t i = 0; i < s->nlocals; i++)
        if (!host_has_up(s->host, s->locals[i].ip)) {
            SIM_CALLV(s->impl, socket_address_lost, s->ref, &s->locals[i]);
            sim_ice_socket_poke(s);
        }
}

/* Bind the interfaces that are up and not bound yet; close the ports of
 * those that are down. The socket gathers on the result next time. */
int sim_ice_socket_refresh(sim_ice_socket_t *s, char *err, size_t errlen)
{
    size_t keep = 0;
    for (size_t i = 0; i < s->nlocals; i++) {
        if (host_has_up(s->host, s->locals[i].ip)) {
            s->udp[keep] = s->udp[i];
            s->locals[keep++] = s->locals[i];
        } else {
            sim_udp_close(s->udp[i]);
        }
    }
    s->nlocals = keep;
    for (size_t j = 0; sim_host_iface_at(s->host, j); j++) {
        sim_iface_t *f = sim_host_iface_at(s->host, j);
        bool bound = false;
        for (size_t i = 0; i < s->nlocals; i++)
            bound |= s->locals[i].ip == sim_iface_ip(f);
        if (bound || !sim_iface_is_up(f))
            continue;
        sim_udp_t *u = sim_udp_bind(s->host, sim_iface_ip(f), 0, on_datagram, s, err, errlen);
        if (!u)
            return -1;
        sim_udp_t **udp = realloc(s->udp, (s->nlocals + 1) * sizeof *s->udp);
        if (udp)
            s->udp = udp;
        rtcsim_addr_t *locals = udp ? realloc(s->locals, (s->nlocals + 1) * sizeof *s->locals) : NULL;
        if (!locals) {
            sim_udp_close(u);
            snprintf(err, errlen, "out of memory (binding the interfaces)");
            return -1;
        }
        s->locals = locals;
        rtcsim_addr_t *given = realloc(s->given, (s->ngiven + 1) * sizeof *s->given);
        if (!given) {
            sim_udp_close(u);
            snprintf(err, errlen, "out of memory (binding the interfaces)");
            return -1;
        }
        s->given = given;
        s->udp[s->nlocals] = u;
        s->locals[s->nlocals++] = (rtcsim_addr_t){ sim_iface_ip(f), sim_udp_port(u) };
        s->given[s->ngiven++] = s->locals[s->nlocals - 1];
    }
    if (s->ref && SIM_CALL(s->impl, socket_set_locals, s->ref, s->locals, s->nlocals) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

sim_ice_socket_t *sim_ice_socket_new(sim_host_t *h, const sim_impl_t *impl,
                                     const rtcsim_addr_t *stun, size_t nstun,
                                     const rtcsim_turn_server_t *turn, size_t nturn,
                                     sim_ice_event_fn fn, void *arg, char *err, size_t errlen)
{
    sim_ice_socket_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->host = h;
    s->impl = impl ? impl : sim_impl_builtin();
    s->net = sim_host_net(h);
    s->k = sim_net_kernel(s->net);
    s->fn = fn;
    s->arg = arg;
    if (sim_ice_socket_refresh(s, err, errlen) < 0) {
        sim_ice_socket_free(s);
        return NULL;
    }
    /* one random stream per socket, named after its host and first port */
    char name[128];
    snprintf(name, sizeof name, "ice:%s:%u", sim_host_name(h),
             s->nlocals ? s->locals[0].port : 0);
    sim_rng_init(&s->rng, sim_kernel_seed(s->k), name);
    rtcsim_env_t env = { .ctx = s, .now = env_now, .set_timer = env_set_timer, .send = env_send,
                      .random = env_random, .alloc = env_alloc,
                      .send_twin = env_send_twin, .keylog = env_keylog };
    s->ref = SIM_CALL(s->impl, socket_new, &env, s->locals, s->nlocals, stun, nstun);
    if (!s->ref) {
        snprintf(err, errlen, "out of memory");
        sim_ice_socket_free(s);
        return NULL;
    }
    if (nturn && !s->impl->t->socket_set_turn) {
        snprintf(err, errlen, "implementation %s has no TURN client (socket_set_turn)",
                 s->impl->label);
        sim_ice_socket_free(s);
        return NULL;
    }
    if (nturn && SIM_CALL(s->impl, socket_set_turn, s->ref, turn, nturn) < 0) {
        snprintf(err, errlen, "out of memory");
        sim_ice_socket_free(s);
        return NULL;
    }
    sim_host_watch(h, on_iface, s);
    return s;
}

rtcsim_socket_t *sim_ice_socket_handle(sim_ice_socket_t *s) { return s->ref; }
const sim_impl_t *sim_ice_socket_impl(const sim_ice_socket_t *s) { return s->impl; }

rtcsim_connection_t *sim_ice_connection_new(sim_ice_socket_t *s, const rtcsim_conn_desc_t *remote,
                                         void *user, char *err, size_t errlen)
{
    conn_slot_t *slot = calloc(1, sizeof *slot);
    if (!slot) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    slot->s = s;
    slot->user = user;
    if (s->nconns == s->conns_cap) {
        /* doubling: a socket may have many connections */
        size_t cap = s->conns_cap ? 2 * s->conns_cap : 4;
        conn_slot_t **conns = realloc(s->conns, cap * sizeof *s->conns);
        if (!conns) {
            free(slot);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        s->conns = conns;
        s->conns_cap = cap;
    }
    s->conns[s->nconns++] = slot;
    if (errlen)
        err[0] = '\0';
    slot->c = SIM_CALL(s->impl, connection_new, s->ref, remote, slot, NULL, err, errlen);
    if (!slot->c && errlen) {
        err[errlen - 1] = '\0';     /* an implementation's message: bounded */
        if (!err[0])
            snprintf(err, errlen, "implementation %s: connection_new failed and said nothing",
                     s->impl->label);
    }
    if (!slot->c) {
        s->nconns--;
        free(slot);
        return NULL;
    }
    sim_ice_socket_poke(s);
    return slot->c;
}

void sim_ice_socket_free(sim_ice_socket_t *s)
{
    if (!s)
        return;
    sim_cancel(s->k, s->drain);
    sim_cancel(s->k, s->timer);
    sim_host_unwatch(s->host, s);
    /* connections first (freeing one disarms its timer through the slot
     * table), then the slots */
    for (size_t i = 0; i < s->nconns; i++)
        SIM_CALLV(s->impl, connection_free, s->conns[i]->c);
    for (size_t i = 0; i < s->nconns; i++)
        free(s->conns[i]);
    for (size_t i = 0; i < s->nlocals; i++)
        sim_udp_close(s->udp[i]);
    if (s->ref)
        SIM_CALLV(s->impl, socket_free, s->ref);
    free(s->conns);
    free(s->udp);
    free(s->locals);
    free(s->given);
    free(s);
}

void *sim_ice_connection_user(const sim_impl_t *impl, const rtcsim_connection_t *c)
{
    const conn_slot_t *slot = SIM_CALL(impl, connection_opaque, c);
    return slot ? slot->user : NULL;
}
