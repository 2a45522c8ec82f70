/*
 * rtc_env.h - the sans-IO seam between the reference implementation (ref/)
 * and whatever runs it (the simulator in sim/, later a live UDP loop).
 *
 * A ref object never opens a socket, never reads a clock and never asks the
 * OS for randomness. It is handed an rtc_env_t and calls back through it to
 * learn the time, to arm its timer, to send datagrams and to draw random
 * bytes. Inputs reach it as calls: API methods, received datagrams, timer
 * expiries. (README.md, "Layout": ref/ never reaches sim/.)
 *
 * An environment is this header's callbacks and a context pointer;
 * it needs nothing else of ref/ but the objects' handle_timeout calls
 * (ice.h, media.h) and, for connections, rtc_connection_opaque(). (A DTLS
 * endpoint arms no timer: its owner asks rtc_dtls_next_timeout, dtls.h.)
 *
 * Every callback is called synchronously, from inside a call the
 * environment made into ref/ (a constructor, an API method, a datagram or
 * a timer expiry); none may call back into the object that called it.
 * The environment copies what it needs: pointers passed to a callback are
 * good only for the duration of the call.
 */
#ifndef RTC_ENV_H
#define RTC_ENV_H

#include <stddef.h>
#include <stdint.h>

/* The types of the seam are the public ABI's (include/rtcsim/impl.h):
 * ref/ is that ABI's first implementation, so an rtc_env_t is an
 * rtcsim_env_t and the harness's environment reaches ref/ unchanged. */
#include <rtcsim/impl.h>

#define RTC_TIME_NEVER RTCSIM_TIME_NEVER

typedef rtcsim_addr_t        rtc_addr_t;
typedef rtcsim_timer_owner_t rtc_timer_owner_t;
#define RTC_TIMER_SOCKET     RTCSIM_TIMER_SOCKET
#define RTC_TIMER_CONNECTION RTCSIM_TIMER_CONNECTION
#define RTC_TIMER_MEDIA      RTCSIM_TIMER_MEDIA

typedef rtcsim_send_status_t rtc_send_status_t;
#define RTC_SEND_OK          RTCSIM_SEND_OK
#define RTC_SEND_NOT_LOCAL   RTCSIM_SEND_NOT_LOCAL
#define RTC_SEND_FAILED      RTCSIM_SEND_FAILED
#define RTC_SEND_TOO_LARGE   RTCSIM_SEND_TOO_LARGE
#define RTC_SEND__COUNT      RTCSIM_SEND__COUNT

typedef rtcsim_env_t rtc_env_t;

#endif
