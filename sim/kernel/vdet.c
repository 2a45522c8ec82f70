/*
 * vdet.c - the one file that stands in for the OS clock and randomness
 * (vdet.h). Nothing here reads the real clock or the OS's entropy.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "kernel/vdet.h"

#include <stddef.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/rand.h>

static sim_kernel_t *bound;
static sim_rng_t     rng_openssl, rng_gnutls;

static sim_time_t vnow(void)
{
    return bound ? sim_now(bound) : 0;
}

/* ---- time ------------------------------------------------------------------ */

int gettimeofday(struct timeval *restrict tv, void *restrict tz) /* virtual */
{
    sim_time_t t = vnow();
    tv->tv_sec = (time_t)(SIM_VDET_EPOCH + (long long)(t / 1000000000u));
    tv->tv_usec = (suseconds_t)(t % 1000000000u / 1000u);
    return 0;
}

int clock_gettime(clockid_t clk, struct timespec *tp) /* virtual */
{
    sim_time_t t = vnow();
    /* CLOCK_REALTIME (and its variants) count from the epoch; every other
     * clock (monotonic, boot time, CPU time) from virtual time 0. */
    long long base = clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE ? SIM_VDET_EPOCH : 0;
    tp->tv_sec = (time_t)(base + (long long)(t / 1000000000u));
    tp->tv_nsec = (long)(t % 1000000000u);
    return 0;
}

time_t time(time_t *out) /* virtual */
{
    time_t now = (time_t)(SIM_VDET_EPOCH + (long long)(vnow() / 1000000000u));
    if (out)
        *out = now;
    return now;
}

/* Processor time, as virtual time: Lua's table.sort seeds its pivots
 * from clock() once a partition comes out unbalanced, and the order it
 * leaves equal elements in then followed the CPU time used. */
clock_t clock(void) /* virtual */
{
    return (clock_t)(vnow() / (1000000000u / CLOCKS_PER_SEC));
}

/* ---- randomness -------------------------------------------------------------- */

/* libnice's STUN library draws transaction ids here (GnuTLS's prototype,
 * declared here so the GnuTLS headers are not needed). */
int gnutls_rnd(int level, void *data, size_t len);
int gnutls_rnd(int level, void *data, size_t len)
{
    sim_rng_bytes(&rng_gnutls, data, len);
    return 0;
}

static int ossl_bytes(unsigned char *buf, int num)
{
    if (num > 0)
        sim_rng_bytes(&rng_openssl, buf, (size_t)num);
    return 1;
}

static int ossl_seed(const void *buf, int num) { return 1; }
static int ossl_add(const void *buf, int num, double entropy) { return 1; }
static int ossl_status(void) { return 1; }

static const RAND_METHOD ossl_method = {
    .seed = ossl_seed,
    .bytes = ossl_bytes,
    .add = ossl_add,
    .pseudorand = ossl_bytes,
    .status = ossl_status,
};

/* Before main: from the first call on, the libraries see the unbound
 * state, never the OS. */
__attribute__((constructor)) static void vdet_init(void)
{
    sim_vdet_bind(NULL);
}

void sim_vdet_bind(sim_kernel_t *k)
{
    bound = k;
    uint64_t seed = k ? sim_kernel_seed(k) : 0;
    sim_rng_init(&rng_openssl, seed, "vdet:openssl");
    sim_rng_init(&rng_gnutls, seed, "vdet:gnutls");
    /* Installed on every bind: OpenSSL keeps the pointer, which is static. */
    RAND_set_rand_method(&ossl_method);
}
