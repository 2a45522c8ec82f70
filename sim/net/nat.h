/*
 * nat.h - a NAT between an inside subnet and an outside one, with the
 * behaviours of RFC 4787: mapping (s.4.1) and filtering (s.5) each
 * endpoint-independent, address-dependent or address-and-port-dependent;
 * port assignment (s.4.2) preserving, sequential or random; a pool of
 * public addresses (paired: one internal address always gets the same
 * external one, s.4.1 REQ-2); hairpinning (s.6); mapping lifetime (s.4.3,
 * refreshed by outbound traffic only) and expiry; reboot. NATs nest: the
 * outside subnet may itself be behind another NAT.
 */
#ifndef SIM_NAT_H
#define SIM_NAT_H

#include "net/net.h"

typedef struct sim_nat sim_nat_t;

typedef enum sim_nat_dep {
    SIM_NAT_ENDPOINT_INDEPENDENT,
    SIM_NAT_ADDRESS_DEPENDENT,
    SIM_NAT_ADDRESS_PORT_DEPENDENT,
} sim_nat_dep_t;

typedef enum sim_nat_ports { SIM_NAT_PRESERVE, SIM_NAT_SEQUENTIAL, SIM_NAT_RANDOM } sim_nat_ports_t;

typedef struct sim_nat_config {
    sim_nat_dep_t   mapping, filtering;
    sim_nat_ports_t ports;
    bool            hairpin;
    sim_time_t      lifetime;       /* RFC 4787 REQ-5: at least 2 min; default 120 s */
} sim_nat_config_t;

void sim_nat_config_default(sim_nat_config_t *c);     /* endpoint-independent both, preserve, hairpin, 120 s */
/* "full-cone", "restricted-cone", "port-restricted-cone", "symmetric":
 * 0, or -1 if the name is unknown. */
int  sim_nat_config_named(sim_nat_config_t *c, const char *name);

typedef struct sim_nat_stats {
    uint64_t out, in;               /* datagrams translated each way */
    uint64_t hairpinned;
    uint64_t mappings;              /* live mappings */
    uint64_t created, expired;
} sim_nat_stats_t;

/* A NAT named name whose outside is in subnet outside at the given
 * addresses (at least one). The inside subnet is made afterwards with
 * sim_nat_inside. NULL with a message on bad parameters. */
sim_nat_t *sim_nat_new(sim_net_t *n, const char *name, sim_subnet_t *outside, const uint32_t *addrs,
                       size_t naddrs, const sim_nat_config_t *cfg, char *err, size_t errlen);
/* The subnet behind the NAT. */
sim_subnet_t *sim_nat_inside(sim_nat_t *nat, const char *name, uint32_t prefix, unsigned len,
                             const sim_link_params_t *access, const sim_link_params_t *uplink,
                             char *err, size_t errlen);
sim_link_t   *sim_nat_outside_link(sim_nat_t *nat);
const char   *sim_nat_name(const sim_nat_t *nat);
/* Lose every mapping (logged); with new_addr != 0 the first public address
 * becomes new_addr (it must be free in the outside subnet). 0 or -1. */
int           sim_nat_reboot(sim_nat_t *nat, uint32_t new_addr, char *err, size_t errlen);
void          sim_nat_stats(const sim_nat_t *nat, sim_nat_stats_t *st);

#endif
