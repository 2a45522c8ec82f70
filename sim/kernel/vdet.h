/*
 * vdet.h - virtual time and seeded randomness for third-party libraries.
 *
 * The rtcsim executables define gettimeofday, clock_gettime, time, clock
 * and gnutls_rnd themselves (vdet.c), so the calls OpenSSL, libnice's STUN
 * library and Lua make resolve to these definitions (symbol interposition)
 * rather than to libc's or GnuTLS's; and they install an OpenSSL
 * RAND_METHOD. Time is the bound kernel's virtual time on a fixed epoch;
 * randomness comes from streams derived from the kernel's seed.
 * (README.md: same scenario and seed, byte-identical outputs.)
 */
#ifndef SIM_VDET_H
#define SIM_VDET_H

#include "kernel/kernel.h"

/* The wall-clock instant virtual time 0 stands for: 2026-01-01T00:00:00Z. */
#define SIM_VDET_EPOCH 1767225600ll

/* Bind (or, with NULL, unbind) the kernel whose clock and seed the
 * libraries see. Binding restarts the libraries' random streams from the
 * kernel's seed. Unbound, time stands still at the epoch and the streams
 * come from seed 0: still nothing from the OS. */
void sim_vdet_bind(sim_kernel_t *k);

#endif
