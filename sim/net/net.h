/*
 * net.h - the simulated IPv4/UDP network.
 *
 * Topology: hosts own interfaces; an interface is attached to a subnet
 * (an IPv4 prefix with a switch) through its access link; every subnet is
 * attached to the core ("the internet") through its uplink. A datagram
 * between two subnets crosses: access link, subnet switch, uplink, core,
 * the other uplink, the other switch, the other access link.
 *
 * Every element is a node (node.h) with numbered ports; links join two
 * node ports. A NAT, a firewall or a server is just another node.
 *
 * Links are the only place where time passes and packets are lost: each
 * direction has latency, jitter (uniform in [0, jitter], so packets can
 * reorder), Bernoulli or Gilbert-Elliott loss, duplication, a rate limit
 * with a bounded tail-drop queue, and an MTU. Every drop is counted by
 * reason and written to the event log.
 */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check/evlog.h"
#include "kernel/kernel.h"
#include "net/packet.h"

typedef struct sim_net    sim_net_t;
typedef struct sim_host   sim_host_t;
typedef struct sim_iface  sim_iface_t;
typedef struct sim_subnet sim_subnet_t;
typedef struct sim_link   sim_link_t;
typedef struct sim_udp    sim_udp_t;

/* Drop reasons, counted per link direction (and per host for the
 * host-side ones) and logged as "drop" events with a "reason" argument. */
typedef enum sim_drop {
    SIM_DROP_LOSS,          /* random loss on a link */
    SIM_DROP_QUEUE,         /* rate limiter's queue full (tail drop) */
    SIM_DROP_MTU,           /* datagram larger than the link's MTU */
    SIM_DROP_NO_ROUTE,      /* no subnet or host has the destination */
    SIM_DROP_IFACE_DOWN,    /* interface down */
    SIM_DROP_NO_LISTENER,   /* no UDP socket on the destination port */
    SIM_DROP_NAT_NO_MAPPING,/* inbound to a NAT address and port with no mapping */
    SIM_DROP_NAT_FILTERED,  /* refused by the NAT's filtering (RFC 4787 s.5) */
    SIM_DROP_NAT_HAIRPIN,   /* inside to the NAT's own outside address, no hairpinning */
    SIM_DROP_FIREWALL,      /* refused by a firewall: the outside end is not on its list */
    SIM_DROP_NO_SOURCE,     /* sent from an address the host does not have (renumbered
                             * away) or that no socket of the host owns */
    SIM_DROP_TOO_BIG,       /* payload larger than a UDP datagram can carry */
    SIM_DROP_NO_MEMORY,     /* the simulator ran out of memory for this datagram */
    SIM_DROP__COUNT
} sim_drop_t;
const char *sim_drop_name(sim_drop_t d);

typedef struct sim_link_params {
    sim_time_t latency;         /* one-way propagation delay */
    sim_time_t jitter;          /* extra delay, uniform in [0, jitter] */
    double     loss;            /* Bernoulli loss probability (if ge_p == 0) */
    /* Gilbert-Elliott: used when ge_p > 0. p = P(good->bad) per packet,
     * r = P(bad->good), loss probability in each state. */
    double     ge_p, ge_r, ge_loss_good, ge_loss_bad;
    double     duplicate;       /* probability a packet is delivered twice */
    uint64_t   rate_bps;        /* 0: unlimited */
    uint32_t   queue_packets;   /* queue bound when rate limited (>= 1) */
    uint32_t   mtu;             /* largest IPv4 datagram carried, bytes */
} sim_link_params_t;

void sim_link_params_default(sim_link_params_t *p);  /* lossless, 0 delay, mtu 1500 */
/* Check ranges; on error writes which field is wrong to err. */
int  sim_link_params_check(const sim_link_params_t *p, char *err, size_t errlen);

typedef struct sim_link_stats {
    uint64_t sent;                      /* packets offered to this direction */
    uint64_t delivered;                 /* packets out (duplicates included) */
    uint64_t bytes_delivered;
    uint64_t duplicated;
    uint64_t reordered;                 /* delivered after a later-sent packet */
    uint64_t dropped[SIM_DROP__COUNT];
    uint64_t loss_runs;                 /* maximal runs of consecutive losses */
    uint64_t loss_run_max;
    uint64_t loss_run_total;            /* sum of run lengths (mean = total/runs) */
} sim_link_stats_t;

/* Observe packets: taps see the packet and the virtual time. */
typedef void (*sim_tap_fn)(void *arg, sim_time_t t, const sim_pkt_t *p);

/* NULL if out of memory. Every function below that allocates reports
 * running out of memory as its other errors (NULL or -1, "out of memory"
 * in err); a datagram the network has no memory for is a no-memory drop. */
sim_net_t    *sim_net_new(sim_kernel_t *k, sim_evlog_t *log /* may be NULL */);
void          sim_net_free(sim_net_t *n);
sim_kernel_t *sim_net_kernel(sim_net_t *n);
sim_evlog_t  *sim_net_evlog(sim_net_t *n);
/* Latency and other link parameters of the core (applied to every uplink's
 * core side: a datagram crossing the core pays its latency once). */
void          sim_net_set_core(sim_net_t *n, const sim_link_params_t *p);

/* Subnets. access: parameters of each interface's access link (copied at
 * attach time); uplink: parameters of the link to the core.
 * Errors (NULL return, err filled): bad prefix, overlapping subnet,
 * duplicate name. */
sim_subnet_t *sim_subnet_new(sim_net_t *n, const char *name, uint32_t prefix,
                             unsigned prefix_len, const sim_link_params_t *access,
                             const sim_link_params_t *uplink, char *err, size_t errlen);
sim_subnet_t *sim_subnet_find(sim_net_t *n, const char *name);
sim_link_t   *sim_subnet_uplink(sim_subnet_t *s);
void          sim_subnet_access(const sim_subnet_t *s, sim_link_params_t *p);
const char   *sim_subnet_name(const sim_subnet_t *s);

sim_host_t   *sim_host_new(sim_net_t *n, const char *name, char *err, size_t errlen);
sim_host_t   *sim_host_find(sim_net_t *n, const char *name);
const char   *sim_host_name(const sim_host_t *h);
sim_net_t    *sim_host_net(const sim_host_t *h);

/* Attach an interface with address ip in subnet s. link may override the
 * subnet's access parameters (NULL: the subnet's). Errors: address outside
 * the subnet, network or broadcast address, address in use, name in use. */
sim_iface_t  *sim_iface_new(sim_host_t *h, const char *name, sim_subnet_t *s, uint32_t ip,
                            const sim_link_params_t *link, char *err, size_t errlen);
sim_iface_t  *sim_iface_find(sim_host_t *h, const char *name);
/* The host's i-th interface, in creation order; NULL past the end. */
sim_iface_t  *sim_host_iface_at(sim_host_t *h, size_t i);
uint32_t      sim_iface_ip(const sim_iface_t *i);
const char   *sim_iface_name(const sim_iface_t *i);
sim_host_t   *sim_iface_host(const sim_iface_t *i);
sim_link_t   *sim_iface_link(sim_iface_t *i);
void          sim_iface_set_up(sim_iface_t *i, bool up);
/* Give the interface another address in its subnet (a DHCP renumbering).
 * 0, or -1 with a message (address in use, outside the subnet). */
int           sim_iface_set_ip(sim_iface_t *i, uint32_t ip, char *err, size_t errlen);
bool          sim_iface_is_up(const sim_iface_t *i);
/* Be told when an interface of h appears, goes down or comes up (the
 * operating system's network-change notification). */
typedef void (*sim_iface_fn)(void *arg, sim_iface_t *i);
int           sim_host_watch(sim_host_t *h, sim_iface_fn fn, void *arg);   /* 0 or -1 */
void          sim_host_unwatch(sim_host_t *h, void *arg);
/* Tap every datagram the interface sends (at send time) and receives (at
 * arrival time). Returns 0, or -1 if out of memory. */
int           sim_iface_add_tap(sim_iface_t *i, sim_tap_fn fn, void *arg);

/* Links. Direction 0 carries traffic away from the host/subnet end
 * ("up": interface -> switch, subnet -> core), direction 1 towards it. */
const char   *sim_link_name(const sim_link_t *l);
void          sim_link_set_params(sim_link_t *l, int dir /* 0, 1, or -1 for both */,
                                  const sim_link_params_t *p);
void          sim_link_get_params(const sim_link_t *l, int dir, sim_link_params_t *p);
void          sim_link_get_stats(const sim_link_t *l, int dir, sim_link_stats_t *s);
/* Tap datagrams as they leave the link, in either direction. */
int           sim_link_add_tap(sim_link_t *l, sim_tap_fn fn, void *arg);

/* UDP. Receive callback: the datagram is borrowed for the call. */
typedef void (*sim_udp_recv_fn)(void *arg, sim_udp_t *s, const sim_pkt_t *p);

/* Bind on ip (0: any address of the host) and port (0: an ephemeral port,
 * 49152-65535, allocated in sequence per host). Errors: port in use,
 * address not on this host. */
sim_udp_t    *sim_udp_bind(sim_host_t *h, uint32_t ip, uint16_t port,
                           sim_udp_recv_fn fn, void *arg, char *err, size_t errlen);
void          sim_udp_close(sim_udp_t *s);
/* A host whose sockets are a real program's (sim/host/live.h): a datagram
 * for a port no sim_udp_t has bound goes to fn (s NULL) instead of being
 * dropped as no-listener. fn NULL: dropped again. */
void          sim_host_set_catchall(sim_host_t *h, sim_udp_recv_fn fn, void *arg);
uint16_t      sim_udp_port(const sim_udp_t *s);
uint32_t      sim_udp_ip(const sim_udp_t *s);
/* Send a datagram. The source address is the socket's, or for a socket
 * bound to any address, the address of the interface whose subnet holds
 * dst (else the host's first interface that is up). Returns 0 when the
 * datagram left the host, -1 when it was dropped at the host (counted and
 * logged: no interface up, the socket's address no longer on the host,
 * payload too large). */
int           sim_udp_send(sim_udp_t *s, uint32_t dst_ip, uint16_t dst_port,
                           const void *data, size_t len);

/* sim_udp_send for a datagram with a decrypted twin (packet.h): twin is
 * what the captures write in its place in NAME.decrypted.pcap (rtc_env.h
 * send_twin); the network carries data, and keeps twin beside it through
 * links, NATs and the TURN server. twin NULL: sim_udp_send. */
int           sim_udp_send_twin(sim_udp_t *s, uint32_t dst_ip, uint16_t dst_port,
                                const void *data, size_t len, const void *twin, size_t twin_len);
/* Deliver p (the caller's, now the network's) to i's host as if it had
 * arrived on i from its access link: at the current time, after the
 * current step; the interface's taps see it, then its socket, as any
 * arrival (a datagram injected by a scenario). 0, or -1 when the kernel
 * has no room for the event (p dropped, no memory). */
int           sim_iface_inject(sim_iface_t *i, sim_pkt_t *p);

/* The DTLS key log (NSS key log format, one line per secret): the hosts'
 * stacks hand each line to the network (ice_host.c, rtc_env.h keylog),
 * which passes it to the sink the scenario runner set, in the order they
 * come. No sink: lines are dropped. line has no newline. */
typedef void (*sim_keylog_fn)(void *arg, const char *line);
void          sim_net_set_keylog(sim_net_t *n, sim_keylog_fn fn, void *arg);
void          sim_net_keylog(sim_net_t *n, const char *line);

/* A fault of an implementation under test (host/impl.h: a datagram from
 * an address it was never given, an event the ABI does not have): the
 * sink the scenario runner set ends the scenario in error with this
 * message; no sink: it goes to stderr. */
typedef void (*sim_fault_fn)(void *arg, const char *msg);
void          sim_net_set_fault(sim_net_t *n, sim_fault_fn fn, void *arg);
void          sim_net_fault(sim_net_t *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Count and log (as a drop from the host) a datagram h was asked to send
 * but could not even build: why is SIM_DROP_NO_SOURCE when no socket of
 * h owns (src_ip, src_port). For the hosts' environments (ice_host.c). */
void          sim_host_drop_unsent(sim_host_t *h, sim_drop_t why, uint32_t src_ip, uint16_t src_port,
                                   uint32_t dst_ip, uint16_t dst_port, size_t len);

/* Counters of drops that happen outside links (no route, no listener,
 * interface down, no source). */
void          sim_net_drop_counts(const sim_net_t *n, uint64_t out[SIM_DROP__COUNT]);
/* Iterate links in creation order (for reports); NULL past the end. */
sim_link_t   *sim_net_link_at(sim_net_t *n, size_t i);

/* Memory, for a run's memory bound (issue 8: the C side counts). Bytes
 * the network holds: its hosts, interfaces, UDP sockets, subnets, links
 * and their queues, the packet buffers (datagrams in flight and the
 * pool they come from), NATs' mappings, and what the stacks on its hosts
 * charge to it (ice_host.c: every byte ref/ allocates). */
size_t        sim_net_bytes(const sim_net_t *n);
/* A host's stack takes more bytes: 0, or -1 if the bound refuses them
 * (nothing charged). uncharge gives back what charge took. */
int           sim_net_charge(sim_net_t *n, size_t more);
void          sim_net_uncharge(sim_net_t *n, size_t less);
/* A charged realloc with rtc_env.h's alloc contract (the hosts'
 * environments give it to ref/): size 0 frees ptr (old bytes); else ptr
 * (NULL, or old bytes) becomes size bytes, or NULL if the bound refuses
 * the growth or the system is out of memory (ptr then untouched). */
void         *sim_net_realloc(sim_net_t *n, void *ptr, size_t old, size_t size);
/* The bound: before the network takes memory for a datagram (a pool
 * chunk, a large packet) or a stack charges, room(ctx, more) is asked
 * whether `more` bytes may be taken; refused, the datagram is dropped
 * (SIM_DROP_NO_MEMORY) or the charge fails. The one who sets it (the
 * scenario) decides what a refusal means. No bound by default. */
void          sim_net_set_bound(sim_net_t *n, bool (*room)(void *ctx, size_t more), void *ctx);

#endif
