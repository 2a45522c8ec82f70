/*
 * rtc_env.h - the sans-IO seam between the reference implementation (ref/)
 * and whatever runs it (the simulator in sim/, later a live UDP loop).
 *
 * A ref object never opens a socket, never reads a clock and never asks the
 * OS for randomness. It is handed an rtc_env_t and calls back through it to
 * learn the time, to arm its one timer, and to send datagrams. Inputs reach
 * it as calls: API methods, received datagrams, timer expiries.
 * (README.md, "Layout": ref/ never reaches sim/.)
 */
#ifndef RTC_ENV_H
#define RTC_ENV_H

#include <stddef.h>
#include <stdint.h>

#define RTC_TIME_NEVER UINT64_MAX

typedef struct rtc_addr {
    uint32_t ip;                    /* IPv4, host byte order */
    uint16_t port;
} rtc_addr_t;

typedef struct rtc_env {
    void *ctx;
    /* Current time in nanoseconds. */
    uint64_t (*now)(void *ctx);
    /* Arm the single timer of obj to fire at absolute time `at`;
     * RTC_TIME_NEVER disarms it. Re-arming replaces the previous time. */
    void (*set_timer)(void *ctx, void *obj, uint64_t at);
    /* Send one datagram from a local transport address. */
    void (*send)(void *ctx, const rtc_addr_t *from, const rtc_addr_t *to,
                 const uint8_t *data, size_t len);
    /* Random bytes (ICE credentials, tie-breakers, transaction ids); the
     * simulator draws them from a seeded stream. May be NULL for objects
     * that take randomness elsewhere (DTLS: OpenSSL's RAND). */
    void (*random)(void *ctx, void *buf, size_t len);
} rtc_env_t;

#endif
