/*
 * bad_nosym.c - a shared object without the symbol rtcsim_impl: the
 * table is there, exported under another name (a typo, or a C++ build
 * without extern "C", which mangles it). The harness must say that the
 * object lacks rtcsim_impl.
 */
#include "bases.h"

const rtcsim_impl_t *rtcsim_impl_table(uint32_t harness_abi);

__attribute__((visibility("default"))) const rtcsim_impl_t *rtcsim_impl_table(uint32_t harness_abi)
{
    return rtcsim_lazy_impl(harness_abi);
}
