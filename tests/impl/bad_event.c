/*
 * bad_event.c - after its real events, a connection fires one of a type
 * the ABI does not have (RTCSIM_ICE__COUNT + 5). The harness must end
 * the scenario in error, naming the event's number and the call
 * (connection_next_event), rather than index a table of names with it.
 */
#include "bases.h"

#include <string.h>

static rtcsim_impl_t table;
static const rtcsim_impl_t *base;
static bool fired;

static bool next_event(rtcsim_connection_t *c, rtcsim_ice_event_t *ev)
{
    if (base->connection_next_event(c, ev))
        return true;
    if (fired)
        return false;
    fired = true;
    memset(ev, 0, sizeof *ev);
    ev->type = (rtcsim_ice_event_type_t)(RTCSIM_ICE__COUNT + 5);
    return true;
}

__attribute__((visibility("default"))) const rtcsim_impl_t *rtcsim_impl(uint32_t harness_abi)
{
    base = rtcsim_lazy_impl(harness_abi);
    if (!base)
        return NULL;
    table = *base;
    table.name = "bad_event 1";
    table.connection_next_event = next_event;
    return &table;
}
