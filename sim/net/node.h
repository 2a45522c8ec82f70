/*
 * node.h - the element interface of the simulated network, for code that
 * adds new kinds of element (NATs, firewalls, servers).
 *
 * A node receives datagrams on numbered ports and forwards them into links.
 * Links join (node, port) pairs and carry datagrams in both directions,
 * applying delay, loss and the rest (net.h). A datagram is owned by
 * whoever holds it: a node's input takes ownership and must forward it
 * (sim_link_send) or release it (sim_pkt_free / sim_net_drop).
 */
#ifndef SIM_NODE_H
#define SIM_NODE_H

#include "net/net.h"

typedef struct sim_node sim_node_t;

typedef struct sim_node_ops {
    const char *kind;
    void (*input)(sim_node_t *n, int port, sim_pkt_t *p);
} sim_node_ops_t;

struct sim_node {
    const sim_node_ops_t *ops;
    sim_net_t            *net;
    char                  name[64];
    /* The subnets whose uplink leads to this node (the core, a NAT): one
     * routing domain, whose prefixes must not overlap. NULL (zeroed) when
     * the node is made; the network keeps it. */
    sim_subnet_t         *behind;
};

/* NULL if out of memory. */
sim_pkt_t  *sim_pkt_alloc(sim_net_t *n, size_t len);
sim_pkt_t  *sim_pkt_clone(sim_net_t *n, const sim_pkt_t *p);
void        sim_pkt_free(sim_net_t *n, sim_pkt_t *p);
/* Give p the twin payload data[len] (a copy; replaces any it had), charged
 * to the network's memory like a datagram. 0, or -1 when the bound refuses
 * it or memory runs out (p unchanged). len must fit a UDP datagram. */
int         sim_pkt_set_twin(sim_net_t *n, sim_pkt_t *p, const void *data, size_t len);

/* A link between port pa of a (its "host side", direction 0 leaves it)
 * and port pb of b. The link belongs to the network. NULL if out of
 * memory. */
sim_link_t *sim_link_new(sim_net_t *n, const char *name, sim_node_t *a, int pa,
                         sim_node_t *b, int pb, const sim_link_params_t *p);
/* Push p into direction dir of l; takes ownership. */
void        sim_link_send(sim_link_t *l, int dir, sim_pkt_t *p);

/* Attach port `port` of node to subnet s at address ip, as an interface
 * is: returns the link (direction 0 from the node to the switch). owner
 * names the attachment in errors (address in use ...). NULL with a
 * message in err. p: link parameters (NULL: the subnet's access ones). */
sim_link_t *sim_subnet_attach(sim_subnet_t *s, uint32_t ip, const char *link_name, const char *owner,
                              sim_node_t *node, int port, const sim_link_params_t *p, char *err,
                              size_t errlen);
/* Route one more address of s to an existing attachment's link (a NAT's
 * pool). 0, or -1 with a message. */
int         sim_subnet_attach_more(sim_subnet_t *s, uint32_t ip, sim_link_t *link, const char *owner,
                                   char *err, size_t errlen);
/* A subnet whose uplink leads to port gw_port of node gw (a NAT) instead
 * of the core. Its prefix may overlap subnets elsewhere. */
sim_subnet_t *sim_subnet_new_behind(sim_net_t *n, const char *name, uint32_t prefix,
                                    unsigned prefix_len, const sim_link_params_t *access,
                                    const sim_link_params_t *uplink, sim_node_t *gw, int gw_port,
                                    char *err, size_t errlen);

/* Put node on s's uplink, between the subnet and whatever the uplink
 * leads to (the core, a NAT), as a firewall stands: what the switch sends
 * up reaches node's port 0 through the returned link (direction 1 leads
 * back to the switch); what comes down the uplink reaches node's port 1,
 * and node sends it on up with sim_link_send(sim_subnet_uplink(s), 0, p).
 * One node per subnet; NULL with a message. */
sim_link_t *sim_subnet_splice(sim_subnet_t *s, sim_node_t *node, char *err, size_t errlen);
/* Stop routing ip in s to its attachment. */
void        sim_subnet_detach(sim_subnet_t *s, uint32_t ip);
/* The network frees node with destroy when it is freed. 0, or -1 if out
 * of memory (the caller still owns node). */
int         sim_net_own(sim_net_t *n, sim_node_t *node, void (*destroy)(sim_node_t *));

/* Count, log ("drop" event from src) and free a datagram dropped outside
 * a link. */
void        sim_net_drop(sim_net_t *n, const char *src, sim_drop_t why, sim_pkt_t *p);

#endif
