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

#define RTC_TIME_NEVER UINT64_MAX

typedef struct rtc_addr {
    uint32_t ip;                    /* IPv4, host byte order */
    uint16_t port;
} rtc_addr_t;

/* What a timer belongs to: the type of set_timer's obj, and the call the
 * environment makes when the timer fires. */
typedef enum rtc_timer_owner {
    RTC_TIMER_SOCKET,       /* rtc_socket_t: rtc_socket_handle_timeout(obj) */
    RTC_TIMER_CONNECTION,   /* rtc_connection_t: rtc_connection_handle_timeout(obj) */
    RTC_TIMER_MEDIA,        /* rtc_media_t: rtc_media_handle_timeout(obj) */
} rtc_timer_owner_t;

/* What became of a datagram handed to send. */
typedef enum rtc_send_status {
    RTC_SEND_OK = 0,        /* sent (it may still be lost on the way, as UDP is) */
    RTC_SEND_NOT_LOCAL,     /* from is not a transport address of the environment's */
    RTC_SEND_FAILED,        /* from is, but nothing could be sent now (interface down, no buffer) */
    RTC_SEND_TOO_LARGE,     /* more than can go in one datagram from there */
    RTC_SEND__COUNT
} rtc_send_status_t;

typedef struct rtc_env {
    /* Passed back as the first argument of every callback. */
    void *ctx;

    /* Required. The current time in nanoseconds, from any fixed origin;
     * never goes backwards. */
    uint64_t (*now)(void *ctx);

    /* Required. Each object has one timer, of the owner its type says:
     * arm it to fire at absolute time `at` (now() units), replacing any
     * earlier time; RTC_TIME_NEVER disarms it. A time at or before now()
     * fires as soon as the environment can, after the current call has
     * returned. When it fires, the environment makes the handle_timeout
     * call of that owner (above), once. A late call is fine (the object
     * acts on all that is due), an early one harmless.
     *
     * When the environment can first be asked: a socket's timer, never
     * from rtc_socket_new; a connection's, from rtc_connection_new on (gathering starts at once),
     * but rtc_connection_opaque(obj) already returns the pointer the
     * environment passed to rtc_connection_new, so it can find its state
     * for the connection. An object disarms its timer when it is freed
     * (a set_timer(..., RTC_TIME_NEVER) from its free call); after that
     * the environment must not call its handle_timeout. */
    void (*set_timer)(void *ctx, rtc_timer_owner_t owner, void *obj, uint64_t at);

    /* Required. Send one UDP datagram from local transport address `from`
     * (one of those the environment gave the object) to `to`. Never
     * blocks; the status says whether it went (see rtc_send_status_t).
     * The object counts what did not go (rtc_socket_stats) and relies on
     * its own retransmissions, as for a datagram lost on the way. */
    rtc_send_status_t (*send)(void *ctx, const rtc_addr_t *from, const rtc_addr_t *to,
                              const uint8_t *data, size_t len);

    /* Required. Fill buf with len random bytes (ICE credentials,
     * tie-breakers, STUN transaction ids, consent jitter). They must be
     * unpredictable to others on the network (RFC 8489 s.6: transaction
     * ids; RFC 8445 s.5.3: credentials), so a live environment reads a
     * CSPRNG; the simulator draws them from a seeded stream instead, for
     * runs that repeat. DTLS takes its randomness from OpenSSL's RAND. */
    void (*random)(void *ctx, void *buf, size_t len);

    /* Optional (NULL: the C library's realloc and free). Every byte ref/
     * allocates for a socket and its connections, libnice's StunAgents
     * included, comes from here, so that the environment can count it
     * and refuse it, in the manner of Lua's lua_Alloc:
     *   - new_size > 0: ptr (NULL, or a block of old_size bytes this
     *     callback returned) becomes a block of new_size bytes, its first
     *     min(old_size, new_size) bytes kept, the rest of any value (ref/
     *     zeroes what it needs zeroed); ptr NULL has old_size 0; NULL if
     *     refused or out of memory, ptr then untouched and still
     *     old_size bytes;
     *   - new_size == 0: ptr (of old_size bytes; NULL is allowed) is
     *     freed; returns NULL.
     * old_size is always the size the block was given, so the
     * environment needs no bookkeeping of its own to count. A refusal is
     * out of memory for ref/: an API call returns RTC_ERR_NOMEM (ice.h)
     * with nothing lost; a datagram or timer expiry drops what it could
     * not hold and counts it (rtc_socket_stats: nomem). */
    void *(*alloc)(void *ctx, void *ptr, size_t old_size, size_t new_size);

    /* Optional (NULL: send is used). send, for a datagram that carries
     * SRTP or SRTCP: plain is the same datagram with the protected packet
     * replaced by its plain RTP or RTCP (inside the same ChannelData or
     * Send indication when it goes through a TURN server, lengths
     * adjusted). The environment sends data and may keep plain for a
     * decrypted twin of its captures; the peer never sees plain. */
    rtc_send_status_t (*send_twin)(void *ctx, const rtc_addr_t *from, const rtc_addr_t *to,
                                   const uint8_t *data, size_t len,
                                   const uint8_t *plain, size_t plain_len);

    /* Optional. One line of the NSS key log format (no newline), e.g.
     * "CLIENT_RANDOM <64 hex> <96 hex>", for each DTLS secret negotiated,
     * so that a capture's handshake and keys can be decoded by Wireshark. */
    void (*keylog)(void *ctx, const char *line);
} rtc_env_t;

#endif
