/*
 * bad_send.c - connect sends a datagram from an address the harness never
 * gave the socket (the first local address with its last byte changed:
 * 10.0.0.1 becomes 10.0.0.254), as a stack that bound a socket of its own
 * would. impl.h makes that an implementation error: the harness must end
 * the scenario in error, naming send and the address.
 */
#include "bases.h"

static rtcsim_impl_t table;
static const rtcsim_impl_t *base;
static rtcsim_env_t env;            /* the last socket's (one socket in lan-host) */
static rtcsim_addr_t first;
static bool have_first;

static rtcsim_socket_t *socket_new(const rtcsim_env_t *e, const rtcsim_addr_t *locals,
                                   size_t nlocals, const rtcsim_addr_t *stun, size_t nstun)
{
    env = *e;
    have_first = nlocals > 0;
    if (have_first)
        first = locals[0];
    return base->socket_new(e, locals, nlocals, stun, nstun);
}

static int connect_from_elsewhere(rtcsim_connection_t *c, char *err, size_t errlen)
{
    if (have_first) {
        /* a STUN Binding request's header (RFC 8489 s.5), zero transaction id */
        static const uint8_t req[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
        rtcsim_addr_t from = first, to = first;
        from.ip = (from.ip & ~0xffu) | 0xfeu;
        to.port = 3478;
        env.send(env.ctx, &from, &to, req, sizeof req);
    }
    return RTCSIM_OK;
}

__attribute__((visibility("default"))) const rtcsim_impl_t *rtcsim_impl(uint32_t harness_abi)
{
    base = rtcsim_lazy_impl(harness_abi);
    if (!base)
        return NULL;
    table = *base;
    table.name = "bad_send 1";
    table.socket_new = socket_new;
    table.connection_connect = connect_from_elsewhere;
    return &table;
}
