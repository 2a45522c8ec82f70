/*
 * impl.c - ref/ as an implementation of the public ABI
 * (include/rtcsim/impl.h): the table the harness calls ref/ through.
 *
 * ref/'s objects are the ABI's handles and its types are the ABI's (the
 * headers alias them), so nearly every entry is ref/'s own function: the
 * only cost of the seam is an indirect call. What is here is what has
 * another shape in the ABI: counters by name instead of ref/'s structs,
 * and a session made without an opaque pointer (the harness gives each
 * session its own environment).
 *
 * The same table is linked into the rtcsim executable (the built-in
 * "ref") and exported from build/ref.so and the mutants
 * (tests/mutants/), whose builds name themselves with RTC_IMPL_NAME.
 */
#include <stdio.h>
#include <string.h>

#include "ice.h"
#include "media.h"

#ifndef RTC_IMPL_NAME
#define RTC_IMPL_NAME "ref"
#endif

/* Appends name = value when there is room; counts it either way, so a
 * caller that passed max 0 learns how many there are. */
static void counter(rtcsim_counter_t *out, size_t max, size_t *n, const char *group,
                    const char *name, uint64_t value)
{
    if (*n < max) {
        snprintf(out[*n].name, sizeof out[*n].name, "%s%s%s", group ? group : "",
                 group ? "." : "", name);
        out[*n].value = value;
    }
    (*n)++;
}

/* The socket's: datagrams ignored by reason (RTC_STUN_VALID: for no
 * connection, "valid" there is the name of nothing to ignore, so it is
 * left out), sends that did not go, work dropped for memory. */
static size_t socket_counters(const rtc_socket_t *s, rtcsim_counter_t *out, size_t max)
{
    rtc_socket_stats_t st;
    rtc_socket_stats(s, &st);
    size_t n = 0;
    for (int i = 1; i < RTC_STUN__COUNT; i++)
        counter(out, max, &n, NULL, rtc_stun_check_name((rtc_stun_check_t)i), st.ignored[i]);
    for (int i = 1; i < RTC_SEND__COUNT; i++)
        counter(out, max, &n, NULL, rtc_send_status_name((rtc_send_status_t)i), st.unsent[i]);
    counter(out, max, &n, NULL, "no-memory", st.nomem);
    return n;
}

static size_t connection_counters(const rtc_connection_t *c, rtcsim_counter_t *out, size_t max)
{
    rtc_transport_stats_t st;
    rtc_connection_transport_stats(c, &st);
    size_t n = 0;
    counter(out, max, &n, NULL, "dtls-ignored", st.dtls_ignored);
    counter(out, max, &n, NULL, "media-no-link", st.media_no_link);
    return n;
}

static size_t media_counters(const rtc_media_t *m, rtcsim_counter_t *out, size_t max)
{
    rtc_media_stats_t st;
    rtc_media_stats(m, &st);
    size_t n = 0;
    for (int i = 0; i < RTC_DROP__COUNT; i++)
        counter(out, max, &n, "dropped", rtc_media_drop_name((rtc_media_drop_t)i), st.dropped[i]);
    counter(out, max, &n, NULL, "rtp_sent", st.rtp_sent);
    counter(out, max, &n, NULL, "rtcp_sent", st.rtcp_sent);
    counter(out, max, &n, NULL, "rtp_received", st.rtp_received);
    counter(out, max, &n, NULL, "rtcp_received", st.rtcp_received);
    counter(out, max, &n, NULL, "unsent", st.unsent);
    counter(out, max, &n, NULL, "dtmf_duplicates", st.dtmf_duplicates);
    return n;
}

static rtc_media_t *media_new(const rtc_env_t *env, const rtc_media_options_t *opt,
                              rtc_status_t *st, char *err, size_t errlen)
{
    return rtc_media_new(env, opt, NULL, st, err, errlen);
}

static const rtcsim_impl_t table = {
    .abi_version = RTCSIM_IMPL_ABI_VERSION,
    .size = sizeof(rtcsim_impl_t),
    .name = RTC_IMPL_NAME,

    .socket_new = rtc_socket_new,
    .socket_free = rtc_socket_free,
    .socket_handle_datagram = rtc_socket_handle_datagram,
    .socket_handle_timeout = rtc_socket_handle_timeout,
    .socket_set_turn = rtc_socket_set_turn,
    .socket_set_locals = rtc_socket_set_locals,
    .socket_address_lost = rtc_socket_address_lost,
    .socket_set_srtp_profiles = rtc_socket_set_srtp_profiles,
    .socket_counters = socket_counters,

    .connection_new = rtc_connection_new,
    .connection_free = rtc_connection_free,
    .connection_opaque = rtc_connection_opaque,
    .connection_id = rtc_connection_id,
    .connection_local_description = rtc_connection_local_description,
    .connection_set_remote_description = rtc_connection_set_remote_description,
    .connection_set_local_candidate = rtc_connection_set_local_candidate,
    .connection_set_remote_candidate = rtc_connection_set_remote_candidate,
    .connection_connect = rtc_connection_connect,
    .connection_update = rtc_connection_update,
    .connection_handle_timeout = rtc_connection_handle_timeout,
    .connection_next_event = rtc_connection_next_event,
    .connection_counters = connection_counters,

    .media_new = media_new,
    .media_free = rtc_media_free,
    .media_handle_timeout = rtc_media_handle_timeout,
    .media_next_event = rtc_media_next_event,
    .media_local_description = rtc_media_local_description,
    .media_remote_description = rtc_media_remote_description,
    .media_set_remote_description = rtc_media_set_remote_description,
    .media_add_stream = rtc_media_add_stream,
    .media_remove_stream = rtc_media_remove_stream,
    .media_send_stream = rtc_media_send_stream,
    .media_send_track = rtc_media_send_track,
    .media_add_connection = rtc_media_add_connection,
    .media_remove_connection = rtc_media_remove_connection,
    .media_connections = rtc_media_connections,
    .media_set_track_properties = rtc_media_set_track_properties,
    .media_sending_streams = rtc_media_sending_streams,
    .media_receiving_streams = rtc_media_receiving_streams,
    .media_stream_tracks = rtc_media_stream_tracks,
    .media_close = rtc_media_close,
    .media_track_stats = rtc_media_track_stats,
    .media_counters = media_counters,

    .media_insert_dtmf = rtc_media_insert_dtmf,
    .media_dtmf_state = rtc_media_dtmf_state,
};

/* The ABI's one exported symbol. In build/ref.so everything else is
 * hidden (-fvisibility=hidden), so a loaded implementation and the
 * built-in one never bind to each other's functions. */
__attribute__((visibility("default"))) const rtcsim_impl_t *rtcsim_impl(uint32_t harness_abi)
{
    return harness_abi == RTCSIM_IMPL_ABI_VERSION ? &table : NULL;
}
