/*
 * bad_crash.c - an implementation that dies of SIGSEGV in connection_new
 * (a write through a NULL pointer). The harness must survive it (the
 * scenario runs in a child process), mark the scenario error, name the
 * signal and the call, and go on with the next scenario.
 */
#include "bases.h"

#include <stddef.h>

static rtcsim_impl_t table;

static rtcsim_connection_t *crash(rtcsim_socket_t *s, const rtcsim_conn_desc_t *remote,
                                  void *opaque, rtcsim_status_t *st, char *err, size_t errlen)
{
    /* volatile: the compiler may not drop the store as undefined */
    volatile int *p = NULL;
    *p = 1;
    return NULL;
}

__attribute__((visibility("default"))) const rtcsim_impl_t *rtcsim_impl(uint32_t harness_abi)
{
    const rtcsim_impl_t *base = rtcsim_lazy_impl(harness_abi);
    if (!base)
        return NULL;
    table = *base;
    table.name = "bad_crash 1";
    table.connection_new = crash;
    return &table;
}
