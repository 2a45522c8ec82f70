/*
 * lazy.c - the skeleton that says yes to everything and does nothing:
 * setRemoteDescription, setRemoteCandidate, connect and update return
 * RTCSIM_OK, and no check is ever sent.
 *
 * Not a model (an implementation must not claim to do what it does not:
 * the skeleton's RTCSIM_ERR_UNSUPPORTED is the honest answer). It is the
 * base of the bad implementations (bad_*.c) and their control in
 * tests/impl_check.sh: on scenarios/ice/lan-host.lua it runs to the end
 * and fails (no pair, no connected event, an empty capture), so that
 * when a bad one built on it ends in error instead, the error is its one
 * change's, not a missing feature's.
 */
#include "bases.h"

static rtcsim_impl_t table;

static int accept_description(rtcsim_connection_t *c, const rtcsim_conn_desc_t *d, char *err,
                              size_t errlen)
{
    return RTCSIM_OK;
}

static int accept_candidate(rtcsim_connection_t *c, const rtcsim_candidate_t *cand, char *err,
                            size_t errlen)
{
    return RTCSIM_OK;
}

static int accept(rtcsim_connection_t *c, char *err, size_t errlen)
{
    return RTCSIM_OK;
}

__attribute__((visibility("default"))) const rtcsim_impl_t *rtcsim_impl(uint32_t harness_abi)
{
    const rtcsim_impl_t *base = rtcsim_skeleton_impl(harness_abi);
    if (!base)
        return NULL;
    table = *base;
    table.name = "lazy (skeleton that accepts every call)";
    table.connection_set_remote_description = accept_description;
    table.connection_set_remote_candidate = accept_candidate;
    table.connection_connect = accept;
    table.connection_update = accept;
    return &table;
}
