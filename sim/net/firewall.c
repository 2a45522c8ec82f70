/*
 * firewall.c - the firewall node (firewall.h). Port 0 faces the subnet,
 * port 1 the uplink (node.h, sim_subnet_splice).
 */
#include "net/firewall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/node.h"
#include "net/packet.h"

typedef struct rule {
    uint32_t prefix, mask;
    uint16_t port;              /* 0: any */
} rule_t;

struct sim_firewall {
    sim_node_t           node;
    sim_subnet_t        *subnet;
    sim_link_t          *inner;     /* to the subnet's switch (direction 1) */
    rule_t              *rules;
    size_t               nrules;
    sim_firewall_stats_t st;
};

static bool listed(const sim_firewall_t *fw, uint32_t ip, uint16_t port)
{
    for (size_t i = 0; i < fw->nrules; i++)
        if ((ip & fw->rules[i].mask) == fw->rules[i].prefix &&
            (!fw->rules[i].port || fw->rules[i].port == port))
            return true;
    return false;
}

static void fw_input(sim_node_t *node, int port, sim_pkt_t *p)
{
    sim_firewall_t *fw = (sim_firewall_t *)node;
    bool out = port == 0;
    if (!(out ? listed(fw, p->dst_ip, p->dst_port) : listed(fw, p->src_ip, p->src_port))) {
        if (out)
            fw->st.blocked_out++;
        else
            fw->st.blocked_in++;
        sim_net_drop(node->net, node->name, SIM_DROP_FIREWALL, p);
        return;
    }
    if (out) {
        fw->st.out++;
        sim_link_send(sim_subnet_uplink(fw->subnet), 0, p);
    } else {
        fw->st.in++;
        sim_link_send(fw->inner, 1, p);
    }
}

static const sim_node_ops_t fw_ops = { "firewall", fw_input };

static void fw_destroy(sim_node_t *node)
{
    sim_firewall_t *fw = (sim_firewall_t *)node;
    free(fw->rules);
    free(fw);
}

sim_firewall_t *sim_firewall_new(sim_net_t *n, const char *name, sim_subnet_t *s, char *err,
                                 size_t errlen)
{
    if (!name || !*name || strlen(name) >= sizeof ((sim_node_t *)0)->name) {
        snprintf(err, errlen, "a firewall needs a name of 1 to 63 characters");
        return NULL;
    }
    sim_firewall_t *fw = calloc(1, sizeof *fw);
    if (!fw || sim_net_own(n, &fw->node, fw_destroy) < 0) {
        snprintf(err, errlen, "firewall '%s': out of memory", name);
        free(fw);
        return NULL;
    }
    /* from here the network frees fw, even if it fails to stand */
    fw->node.ops = &fw_ops;
    fw->node.net = n;
    snprintf(fw->node.name, sizeof fw->node.name, "%s", name);
    fw->subnet = s;
    char e[200];
    fw->inner = sim_subnet_splice(s, &fw->node, e, sizeof e);
    if (!fw->inner) {
        snprintf(err, errlen, "firewall '%s': %s", name, e);
        return NULL;
    }
    return fw;
}

/* A decimal number in [lo, hi] filling s; -1 if s is not one. */
static long number(const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *s && !*end && v >= lo && v <= hi ? v : -1;
}

int sim_firewall_allow(sim_firewall_t *fw, const char *entry, char *err, size_t errlen)
{
    char buf[64];
    if (strlen(entry) >= sizeof buf)
        goto bad;
    snprintf(buf, sizeof buf, "%s", entry);
    rule_t r = { 0, 0xffffffffu, 0 };
    char *colon = strchr(buf, ':');
    if (colon) {
        *colon = '\0';
        long port = number(colon + 1, 1, 65535);
        if (port < 0)
            goto bad;
        r.port = (uint16_t)port;
    }
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        long len = number(slash + 1, 0, 32);
        if (len < 0)
            goto bad;
        r.mask = len ? 0xffffffffu << (32 - len) : 0;
    }
    if (sim_ip_parse(buf, &r.prefix) < 0)
        goto bad;
    if (r.prefix & ~r.mask) {
        snprintf(err, errlen, "firewall '%s': allow entry '%s' has host bits set beyond its prefix",
                 fw->node.name, entry);
        return -1;
    }
    rule_t *v = realloc(fw->rules, (fw->nrules + 1) * sizeof *fw->rules);
    if (!v) {
        snprintf(err, errlen, "firewall '%s': out of memory", fw->node.name);
        return -1;
    }
    fw->rules = v;
    fw->rules[fw->nrules++] = r;
    return 0;
bad:
    snprintf(err, errlen, "firewall '%s': allow entry '%.80s' is not an address or a prefix "
                          "(a.b.c.d or a.b.c.d/len), with an optional :port (1-65535)",
             fw->node.name, entry);
    return -1;
}

const char *sim_firewall_name(const sim_firewall_t *fw) { return fw->node.name; }

void sim_firewall_stats(const sim_firewall_t *fw, sim_firewall_stats_t *st)
{
    *st = fw->st;
}
