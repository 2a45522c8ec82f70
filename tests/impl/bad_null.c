/*
 * bad_null.c - a table with a required entry NULL: connection_next_event,
 * which every implementation must have (events are how the spec's
 * handlers run). The harness must refuse the table at load, naming the
 * entry, rather than call through NULL when the first event is due.
 */
#include "bases.h"

static rtcsim_impl_t table;

__attribute__((visibility("default"))) const rtcsim_impl_t *rtcsim_impl(uint32_t harness_abi)
{
    const rtcsim_impl_t *base = rtcsim_lazy_impl(harness_abi);
    if (!base)
        return NULL;
    table = *base;
    table.name = "bad_null 1";
    table.connection_next_event = NULL;
    return &table;
}
