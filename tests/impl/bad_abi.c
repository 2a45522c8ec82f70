/*
 * bad_abi.c - an implementation built against another version of the
 * header: its table says abi_version 1 more than the harness's, and it
 * hands it over whatever version the harness asks for (it does not
 * check). The harness must refuse it at load, naming both versions.
 */
#include "bases.h"

static rtcsim_impl_t table;

__attribute__((visibility("default"))) const rtcsim_impl_t *rtcsim_impl(uint32_t harness_abi)
{
    table = *rtcsim_lazy_impl(RTCSIM_IMPL_ABI_VERSION);
    table.name = "bad_abi 1";
    table.abi_version = RTCSIM_IMPL_ABI_VERSION + 1;
    return &table;
}
