/*
 * firewall.h - a firewall on a subnet's uplink that blocks UDP except to
 * listed destinations: a datagram crosses when its outside end (the
 * destination going out, the source coming in) is on the list; traffic
 * inside the subnet is not its business. Every blocked datagram is a
 * "firewall-blocked" drop, counted and logged from the firewall's name.
 */
#ifndef SIM_FIREWALL_H
#define SIM_FIREWALL_H

#include "net/net.h"

typedef struct sim_firewall sim_firewall_t;

typedef struct sim_firewall_stats {
    uint64_t out, in;           /* datagrams let through each way */
    uint64_t blocked_out, blocked_in;
} sim_firewall_stats_t;

/* A firewall named name on subnet s's uplink, letting nothing through
 * until entries are allowed. NULL with a message. */
sim_firewall_t *sim_firewall_new(sim_net_t *n, const char *name, sim_subnet_t *s, char *err,
                                 size_t errlen);
/* Allow an outside end: "a.b.c.d", "a.b.c.d/len" (a prefix), either with
 * ":port" (any port without). 0, or -1 with a message naming the entry. */
int             sim_firewall_allow(sim_firewall_t *fw, const char *entry, char *err, size_t errlen);
const char     *sim_firewall_name(const sim_firewall_t *fw);
void            sim_firewall_stats(const sim_firewall_t *fw, sim_firewall_stats_t *st);

#endif
