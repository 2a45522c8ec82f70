/*
 * bad_connect.c - connect returns an error status (InvalidStateError)
 * where the scenario called it correctly. The harness must end the
 * scenario in error with the implementation's message, naming the call.
 */
#include "bases.h"

#include <stdio.h>

static rtcsim_impl_t table;

static int refuse(rtcsim_connection_t *c, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "InvalidStateError: bad_connect says no");
    return RTCSIM_ERR_INVALID;
}

__attribute__((visibility("default"))) const rtcsim_impl_t *rtcsim_impl(uint32_t harness_abi)
{
    const rtcsim_impl_t *base = rtcsim_lazy_impl(harness_abi);
    if (!base)
        return NULL;
    table = *base;
    table.name = "bad_connect 1";
    table.connection_connect = refuse;
    return &table;
}
