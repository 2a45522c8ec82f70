/*
 * bases.h - the implementations the bad ones are built on (Makefile,
 * $(BUILD)/impl/): skeleton.c and lazy.c compiled a second time with
 * their export renamed, so that one .so can hold a base and the one
 * change that makes it bad, and the bases' sources stay free of
 * switches.
 */
#ifndef RTCSIM_TESTS_IMPL_BASES_H
#define RTCSIM_TESTS_IMPL_BASES_H

#include <rtcsim/impl.h>

/* skeleton.c's table (-Drtcsim_impl=rtcsim_skeleton_impl). */
const rtcsim_impl_t *rtcsim_skeleton_impl(uint32_t harness_abi);
/* lazy.c's table (-Drtcsim_impl=rtcsim_lazy_impl). */
const rtcsim_impl_t *rtcsim_lazy_impl(uint32_t harness_abi);

#endif
