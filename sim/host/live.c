/*
 * live.c - real programs on simulated hosts (live.h).
 *
 * The one file of sim/ that reads the wall clock (the real-time pacer) and
 * starts processes. The clock is read with the raw syscall: the
 * executable's clock_gettime is the virtual one (kernel/vdet.c).
 */
#include "host/live.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/packet.h"

extern char **environ;

#define MAX_PORTS 64                /* source ports a program may send from */

struct sim_live {
    sim_lives_t *ls;
    sim_host_t  *host;
    sim_iface_t *iface;             /* its one interface (D132) */
    uint32_t     ip;                /* the address the namespace has (the interface's) */
    bool         up;                /* the TUN's link as the namespace has it */
    char         name[64];          /* argv[0] */
    char         ns[40], dev[IFNAMSIZ];
    bool         ns_made;
    int          tun;
    pid_t        pid;
    int          out;               /* the program's stdout (log, or control), -1 if none */
    int          in;                /* its stdin (control), -1 if none */
    bool         control;
    char        *lbuf;              /* control: what came of the line being read */
    size_t       llen;
    sim_live_line_fn line_fn;
    void        *line_arg;
    int          err;               /* its stderr */
    FILE        *log;
    sim_udp_t   *socks[MAX_PORTS];
    uint16_t     ports[MAX_PORTS];
    size_t       nsocks;
    uint64_t     pkts_in, pkts_out, ignored;   /* from the program, to it, not taken */
    struct sim_live *next;
};

struct sim_lives {
    sim_kernel_t *k;
    sim_live_t   *all;
    unsigned      serial;
    bool          started;          /* the wall clock's origin is set */
    uint64_t      origin;           /* wall ns at virtual 0 */
    uint64_t      max_lag;
};

static uint64_t wall_ns(void)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *sim_live_unavailable(void)
{
    if (geteuid() != 0)
        return "live hosts need root (a network namespace and a TUN device per host)";
    if (access("/dev/net/tun", R_OK | W_OK) < 0)
        return "live hosts need /dev/net/tun, which this machine does not have";
    if (access("/usr/sbin/ip", X_OK) < 0 && access("/sbin/ip", X_OK) < 0 && access("/bin/ip", X_OK) < 0)
        return "live hosts need iproute2's ip command";
    return NULL;
}

/* Run `ip ARGS...`; 0, or -1 with its complaint in err. */
static int ip_cmd(char *err, size_t errlen, const char *const args[])
{
    char *argv[16];
    size_t n = 0;
    argv[n++] = "ip";
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    int p[2];
    if (pipe(p) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    pid_t pid;
    int rc = posix_spawnp(&pid, "ip", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    char out[256] = "";
    size_t got = 0;
    ssize_t r;
    while (rc == 0 && got < sizeof out - 1 && (r = read(p[0], out + got, sizeof out - 1 - got)) > 0)
        got += (size_t)r;
    out[got] = '\0';
    close(p[0]);
    int st = 0;
    if (rc == 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    if (rc != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        out[strcspn(out, "\n")] = '\0';
        snprintf(err, errlen, "ip %s %s: %s", args[0], args[1] ? args[1] : "",
                 rc ? strerror(rc) : out[0] ? out : "failed");
        return -1;
    }
    return 0;
}

void sim_live_sweep(void)
{
    DIR *d = opendir("/run/netns");
    if (!d)
        return;
    struct dirent *e;
    char err[256];
    while ((e = readdir(d))) {
        long pid;
        int n;
        if (sscanf(e->d_name, "rtcsim-%ld-%d", &pid, &n) != 2)
            continue;
        if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;       /* its run is alive */
        const char *args[] = { "netns", "del", e->d_name, NULL };
        ip_cmd(err, sizeof err, args);
    }
    closedir(d);
}

sim_lives_t *sim_lives_new(sim_kernel_t *k)
{
    sim_lives_t *ls = calloc(1, sizeof *ls);
    if (ls)
        ls->k = k;
    return ls;
}

uint64_t sim_lives_max_lag(const sim_lives_t *ls) { return ls->max_lag; }

sim_time_t sim_lives_now(const sim_lives_t *ls)
{
    sim_time_t k = sim_now(ls->k);
    if (!ls->started)
        return k;
    uint64_t w = wall_ns();
    return w > ls->origin && w - ls->origin > k ? w - ls->origin : k;
}
const char *sim_live_name(const sim_live_t *l) { return l->name; }
uint64_t sim_live_packets(const sim_live_t *l, bool from_program) { return from_program ? l->pkts_in : l->pkts_out; }

/* ---- packets: TUN <-> the simulated host ----------------------------------- */

static uint16_t csum_add(uint32_t sum, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)b[i] << 8 | b[i + 1];
    if (n & 1)
        sum += (uint32_t)b[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* A datagram for the host: into the TUN as IPv4/UDP, checksums right. */
static void to_program(void *arg, sim_udp_t *s, const sim_pkt_t *p)
{
    sim_live_t *l = arg;
    uint8_t b[20 + 8 + 65535];
    size_t len = 28 + p->len;
    if (len > sizeof b)
        return;
    memset(b, 0, 28);
    b[0] = 0x45;
    b[2] = (uint8_t)(len >> 8), b[3] = (uint8_t)len;
    b[4] = (uint8_t)(p->ip_id >> 8), b[5] = (uint8_t)p->ip_id;
    b[8] = p->ttl ? p->ttl : 64;
    b[9] = 17;
    for (int i = 0; i < 4; i++) {
        b[12 + i] = (uint8_t)(p->src_ip >> (24 - 8 * i));
        b[16 + i] = (uint8_t)(p->dst_ip >> (24 - 8 * i));
    }
    uint16_t c = (uint16_t)~csum_add(0, b, 20);
    b[10] = (uint8_t)(c >> 8), b[11] = (uint8_t)c;
    b[20] = (uint8_t)(p->src_port >> 8), b[21] = (uint8_t)p->src_port;
    b[22] = (uint8_t)(p->dst_port >> 8), b[23] = (uint8_t)p->dst_port;
    b[24] = (uint8_t)((8 + p->len) >> 8), b[25] = (uint8_t)(8 + p->len);
    memcpy(b + 28, p->data, p->len);
    /* RFC 768: over the pseudo-header, the UDP header and the data */
    uint8_t ph[12] = { b[12], b[13], b[14], b[15], b[16], b[17], b[18], b[19], 0, 17, b[24], b[25] };
    uint16_t uc = (uint16_t)~csum_add(csum_add(0, ph, 12), b + 20, 8 + p->len);
    if (uc == 0)
        uc = 0xffff;
    b[26] = (uint8_t)(uc >> 8), b[27] = (uint8_t)uc;
    if (write(l->tun, b, len) == (ssize_t)len)
        l->pkts_out++;
}

/* The host's socket for a source port the program sends from, bound at
 * its first datagram (datagrams to ports not bound come through the
 * host's catch-all, to_program as well). */
static sim_udp_t *sock_for(sim_live_t *l, uint16_t port)
{
    for (size_t i = 0; i < l->nsocks; i++)
        if (l->ports[i] == port)
            return l->socks[i];
    if (l->nsocks == MAX_PORTS)
        return NULL;
    char err[128];
    sim_udp_t *u = sim_udp_bind(l->host, l->ip, port, to_program, l, err, sizeof err);
    if (!u)
        return NULL;
    l->ports[l->nsocks] = port;
    l->socks[l->nsocks++] = u;
    return u;
}

/* What the program sent, read from its TUN: IPv4/UDP from its address
 * goes out from the host; anything else (ARP cannot come on a TUN; IPv6,
 * TCP, ICMP, fragments) is counted and left. */
static void from_program(sim_live_t *l)
{
    uint8_t b[65536];
    ssize_t n;
    while ((n = read(l->tun, b, sizeof b)) > 0) {
        size_t ihl = (size_t)(b[0] & 15) * 4;
        if (n < 28 || b[0] >> 4 != 4 || ihl < 20 || (size_t)n < ihl + 8 || b[9] != 17 ||
            (b[6] & 0x3f) || b[7]) {
            l->ignored++;
            continue;
        }
        uint32_t src = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
        uint32_t dst = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
        uint16_t sport = (uint16_t)(b[ihl] << 8 | b[ihl + 1]), dport = (uint16_t)(b[ihl + 2] << 8 | b[ihl + 3]);
        size_t ulen = (size_t)b[ihl + 4] << 8 | b[ihl + 5];
        if (ulen < 8 || ihl + ulen > (size_t)n) {
            l->ignored++;
            continue;
        }
        if (src != l->ip) {
            /* sent from an address the host does not have: one it had
             * before a renumbering (queued in the TUN before the namespace
             * lost it), as the network drops a host socket's on a lost
             * address (net.h, SIM_DROP_NO_SOURCE) */
            sim_host_drop_unsent(l->host, SIM_DROP_NO_SOURCE, src, sport, dst, dport, ulen - 8);
            continue;
        }
        sim_udp_t *u = sock_for(l, sport);
        if (!u || sim_udp_send(u, dst, dport, b + ihl + 8, ulen - 8) < 0) {
            l->ignored++;
            continue;
        }
        l->pkts_in++;
    }
}

/* ---- the interface's changes, mirrored into the namespace ----------------------- */

/* The host's interface changed (net.h, sim_host_watch): its address (a
 * DHCP renumbering) or its link (down, up). The namespace is made to say
 * the same, so that the program sees the change as a program on a phone
 * does, in its own interfaces (the spec's update(): "usually called upon
 * network interfaces change").
 *
 * Each `ip` is a fork and exec that blocks the kernel: about 2 ms each
 * on this machine (measured with time(1): add+del 4 ms, link down 2 ms,
 * link up 2 ms), so a renumbering costs 4 ms of lateness and a down or an
 * up 2-4 ms, far inside the live tolerance (docs/live.md). Hence as few
 * as will do:
 * - renumbering: the new /32 is added before the old one is deleted, so
 *   the device never has no address and the kernel keeps the default
 *   route (it flushes a device's routes when its last address goes);
 * - down: the kernel flushes the routes through the device (its address
 *   stays, as IPv4's do on a down link);
 * - up: the local route comes back with the link, the default route is
 *   put back by hand.
 * The host's sockets on the old address are closed: the next datagram
 * from each port binds one on the new address (sock_for). */
static void mirror(void *arg, sim_iface_t *i)
{
    sim_live_t *l = arg;
    char why[200], a[16], b[16], addr[24];
    if (i != l->iface) {
        sim_net_fault(sim_host_net(l->host), "live host %s (%s): interface %s added while its "
                      "program runs; a live host has exactly one", sim_host_name(l->host), l->name,
                      sim_iface_name(i));
        return;
    }
    uint32_t ip = sim_iface_ip(i);
    bool up = sim_iface_is_up(i);
    if (ip != l->ip) {
        char old[24];
        snprintf(addr, sizeof addr, "%s/32", sim_ip_str(ip, a));
        snprintf(old, sizeof old, "%s/32", sim_ip_str(l->ip, b));
        const char *add[] = { "-n", l->ns, "addr", "add", addr, "dev", l->dev, NULL };
        const char *del[] = { "-n", l->ns, "addr", "del", old, "dev", l->dev, NULL };
        if (ip_cmd(why, sizeof why, add) < 0 || ip_cmd(why, sizeof why, del) < 0) {
            sim_net_fault(sim_host_net(l->host), "live host %s (%s): cannot renumber its namespace "
                          "from %s to %s: %s", sim_host_name(l->host), l->name, old, addr, why);
            return;
        }
        for (size_t k = 0; k < l->nsocks; k++)
            sim_udp_close(l->socks[k]);
        l->nsocks = 0;
        l->ip = ip;
    }
    if (up != l->up) {
        const char *link[] = { "-n", l->ns, "link", "set", l->dev, up ? "up" : "down", NULL };
        const char *rt[] = { "-n", l->ns, "route", "replace", "default", "dev", l->dev, NULL };
        if (ip_cmd(why, sizeof why, link) < 0 || (up && ip_cmd(why, sizeof why, rt) < 0)) {
            sim_net_fault(sim_host_net(l->host), "live host %s (%s): cannot set its namespace's "
                          "link %s: %s", sim_host_name(l->host), l->name, up ? "up" : "down", why);
            return;
        }
        l->up = up;
    }
}

/* The program's stdout and stderr to the log, line by line. */
static void drain_fd(sim_live_t *l, int *fd, const char *tag)
{
    char buf[4096];
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            close(*fd);
            *fd = -1;
        }
        return;
    }
    if (l->log)
        fprintf(l->log, "%s %s: %.*s%s", l->name, tag, (int)n, buf, buf[n - 1] == '\n' ? "" : "\n");
}

/* ---- the pacer ----------------------------------------------------------- */

/* ---- control lines ----------------------------------------------------------- */

void sim_live_on_line(sim_live_t *l, sim_live_line_fn fn, void *arg)
{
    l->line_fn = fn;
    l->line_arg = arg;
}

/* One complete line out of lbuf (malloc'd), if there is one. */
static char *cut_line(sim_live_t *l, size_t *len)
{
    char *nl = l->llen ? memchr(l->lbuf, '\n', l->llen) : NULL;
    if (!nl)
        return NULL;
    size_t n = (size_t)(nl - l->lbuf);
    char *line = malloc(n + 1);
    if (!line)
        return NULL;
    memcpy(line, l->lbuf, n);
    line[n] = '\0';
    memmove(l->lbuf, nl + 1, l->llen - n - 1);
    l->llen -= n + 1;
    *len = n;
    return line;
}

/* Read what is there into lbuf: 1 read, 0 nothing now, -1 closed or too
 * long. */
static int fill(sim_live_t *l)
{
    if (!l->lbuf && !(l->lbuf = malloc(SIM_LIVE_LINE_MAX + 1)))
        return -1;
    if (l->llen >= SIM_LIVE_LINE_MAX)
        return -1;      /* a line longer than the protocol allows */
    ssize_t r = read(l->out, l->lbuf + l->llen, SIM_LIVE_LINE_MAX - l->llen);
    if (r > 0) {
        l->llen += (size_t)r;
        return 1;
    }
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    return -1;
}

/* The complete lines already read (a request's reading may have taken
 * more than its answer) to line_fn; true if there were any. */
static bool hand_lines(sim_live_t *l)
{
    char *line;
    size_t len;
    bool any = false;
    while (l->line_fn && (line = cut_line(l, &len))) {
        l->line_fn(l->line_arg, l, line, len);
        free(line);
        any = true;
    }
    return any;
}

static bool take_lines(sim_live_t *l)
{
    int r = fill(l);
    bool any = hand_lines(l);
    if (r < 0) {
        /* closed: the next request says so; the pacer stops polling it */
        close(l->out);
        l->out = -1;
    }
    return any;
}

int sim_live_send(sim_live_t *l, const char *line, size_t len, char *err, size_t errlen)
{
    if (l->in < 0) {
        snprintf(err, errlen, "its stdin is closed");
        return -1;
    }
    for (int part = 0; part < 2; part++) {
        const char *p = part ? "\n" : line;
        size_t n = part ? 1 : len;
        while (n) {
            ssize_t w = write(l->in, p, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                snprintf(err, errlen, "writing to its stdin: %s", strerror(errno));
                return -1;
            }
            p += w;
            n -= (size_t)w;
        }
    }
    return 0;
}

int sim_live_next_line(sim_live_t *l, char **line, size_t *len, uint64_t timeout_ns, char *err,
                       size_t errlen)
{
    uint64_t end = wall_ns() + timeout_ns;
    for (;;) {
        if ((*line = cut_line(l, len)))
            return 1;
        if (l->out < 0) {
            snprintf(err, errlen, "it closed its stdout");
            return -1;
        }
        uint64_t w = wall_ns();
        if (w >= end)
            return 0;
        struct pollfd pfd = { .fd = l->out, .events = POLLIN };
        uint64_t left = end - w;
        if (poll(&pfd, 1, (int)(left / 1000000 + 1)) <= 0)
            continue;
        if (fill(l) < 0) {
            if (l->llen >= SIM_LIVE_LINE_MAX)
                snprintf(err, errlen, "it wrote a line longer than %d bytes", SIM_LIVE_LINE_MAX);
            else
                snprintf(err, errlen, "it closed its stdout (exited?)");
            close(l->out);
            l->out = -1;
            return -1;
        }
    }
}

static void read_tun(void *arg)
{
    from_program(arg);
}

/* Wait until the wall clock reaches virtual t, taking what the programs
 * send meanwhile: their packets go out at the virtual time they came,
 * by an event then (before t). true when something came. */
static bool pace(void *arg, sim_time_t t)
{
    sim_lives_t *ls = arg;
    if (!ls->started) {
        ls->started = true;
        ls->origin = wall_ns() - sim_now(ls->k);
    }
    for (;;) {
        uint64_t w = wall_ns(), target = t == SIM_TIME_NEVER ? UINT64_MAX : ls->origin + t;
        if (w >= target) {
            if (w - target > ls->max_lag && t != SIM_TIME_NEVER)
                ls->max_lag = w - target;
            return false;       /* t is due; what came is read after it */
        }
        bool handed = false;
        for (sim_live_t *l = ls->all; l; l = l->next)
            handed |= l->control && hand_lines(l);
        if (handed)
            return true;    /* they queued events of their own */
        struct pollfd fds[64 * 3];
        sim_live_t *who[64 * 3];
        nfds_t n = 0;
        for (sim_live_t *l = ls->all; l && n + 3 <= 64 * 3; l = l->next) {
            fds[n] = (struct pollfd){ .fd = l->tun, .events = POLLIN }, who[n++] = l;
            if (l->out >= 0)
                fds[n] = (struct pollfd){ .fd = l->out, .events = POLLIN }, who[n++] = l;
            if (l->err >= 0)
                fds[n] = (struct pollfd){ .fd = l->err, .events = POLLIN }, who[n++] = l;
        }
        uint64_t wait = target - w;
        int ms = wait > 1000000000ull ? 1000 : (int)((wait + 999999) / 1000000);
        if (poll(fds, n, ms) <= 0)
            continue;
        uint64_t now_w = wall_ns();
        sim_time_t vnow = now_w > ls->origin ? now_w - ls->origin : 0;
        bool came = false;
        for (nfds_t i = 0; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            sim_live_t *l = who[i];
            if (fds[i].fd == l->tun) {
                if (vnow < t && sim_at(ls->k, vnow, read_tun, l))
                    came = true;
            } else if (fds[i].fd == l->out && l->control) {
                came |= take_lines(l);      /* they queued events of their own */
            } else if (fds[i].fd == l->out) {
                drain_fd(l, &l->out, "stdout");
            } else {
                drain_fd(l, &l->err, "stderr");
            }
        }
        if (came)
            return true;
    }
}

/* ---- starting and stopping ------------------------------------------------- */

static void live_free(sim_live_t *l)
{
    if (l->in >= 0) {
        close(l->in);       /* docs/live.md: stdin closes, the program should exit */
        l->in = -1;
        int st;
        for (int i = 0; l->pid > 0 && i < 50 && waitpid(l->pid, &st, WNOHANG) == 0; i++)
            usleep(10000);
        if (l->pid > 0 && waitpid(l->pid, &st, WNOHANG) == l->pid)
            l->pid = 0;
    }
    if (l->pid > 0) {
        kill(-l->pid, SIGTERM);
        int st;
        for (int i = 0; i < 200 && waitpid(l->pid, &st, WNOHANG) == 0; i++)
            usleep(10000);      /* 2 s for it to go, then SIGKILL */
        if (waitpid(l->pid, &st, WNOHANG) == 0) {
            kill(-l->pid, SIGKILL);
            waitpid(l->pid, &st, 0);
        }
    }
    for (size_t i = 0; i < l->nsocks; i++)
        sim_udp_close(l->socks[i]);
    if (l->host) {
        sim_host_set_catchall(l->host, NULL, NULL);
        sim_host_unwatch(l->host, l);
    }
    if (l->out >= 0)
        close(l->out);
    if (l->err >= 0)
        close(l->err);
    free(l->lbuf);
    if (l->tun >= 0)
        close(l->tun);
    if (l->ns_made) {
        char err[256];
        const char *args[] = { "netns", "del", l->ns, NULL };
        ip_cmd(err, sizeof err, args);
    }
    free(l);
}

void sim_lives_free(sim_lives_t *ls)
{
    if (!ls)
        return;
    while (ls->all) {
        sim_live_t *l = ls->all;
        ls->all = l->next;
        live_free(l);
    }
    sim_kernel_set_pacer(ls->k, NULL, NULL);
    free(ls);
}

static int fail(char *err, size_t errlen, const sim_live_t *l, const char *fmt, const char *why)
{
    char what[400];
    snprintf(what, sizeof what, fmt, why);
    snprintf(err, errlen, "live host %s (%s): %s", sim_host_name(l->host), l->name, what);
    return -1;
}

sim_live_t *sim_live_start(sim_lives_t *ls, sim_host_t *h, char *const argv[], bool control,
                           FILE *log, char *err, size_t errlen)
{
    const char *why = sim_live_unavailable();
    if (why) {
        snprintf(err, errlen, "%s", why);
        return NULL;
    }
    sim_iface_t *iface = sim_host_iface_at(h, 0);
    if (!iface || sim_host_iface_at(h, 1)) {
        snprintf(err, errlen, "live host %s: needs exactly one interface (it has %s)",
                 sim_host_name(h), iface ? "more" : "none");
        return NULL;
    }
    sim_live_t *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->ls = ls;
    l->host = h;
    l->iface = iface;
    l->ip = sim_iface_ip(iface);
    l->up = true;                  /* as the namespace is set up below */
    l->tun = l->out = l->err = l->in = -1;
    l->control = control;
    l->log = log;
    snprintf(l->name, sizeof l->name, "%s", argv[0]);
    unsigned n = ls->serial++;
    snprintf(l->ns, sizeof l->ns, "rtcsim-%ld-%u", (long)getpid(), n);
    snprintf(l->dev, sizeof l->dev, "rs%ld-%u", (long)getpid() % 100000, n);
    l->next = ls->all;
    ls->all = l;
    if (n == 0)
        sim_live_sweep();

    /* the TUN, made here and moved into the namespace: its fd keeps
     * working there (DESIGN.md, "Implementations under test") */
    l->tun = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", l->dev);
    if (l->tun < 0 || ioctl(l->tun, TUNSETIFF, &ifr) < 0) {
        fail(err, errlen, l, "cannot make its TUN device: %s", strerror(errno));
        return NULL;
    }
    char addr[24], a[16];
    snprintf(addr, sizeof addr, "%s/32", sim_ip_str(l->ip, a));
    const char *mk[] = { "netns", "add", l->ns, NULL };
    const char *mv[] = { "link", "set", l->dev, "netns", l->ns, NULL };
    const char *ad[] = { "-n", l->ns, "addr", "add", addr, "dev", l->dev, NULL };
    const char *up[] = { "-n", l->ns, "link", "set", l->dev, "up", NULL };
    const char *lo[] = { "-n", l->ns, "link", "set", "lo", "up", NULL };
    const char *rt[] = { "-n", l->ns, "route", "add", "default", "dev", l->dev, NULL };
    char why_ip[200];
    if (ip_cmd(why_ip, sizeof why_ip, mk) < 0) {
        fail(err, errlen, l, "cannot make its network namespace: %s", why_ip);
        return NULL;
    }
    l->ns_made = true;
    const char *const *steps[] = { mv, ad, up, lo, rt };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (ip_cmd(why_ip, sizeof why_ip, steps[i]) < 0) {
            fail(err, errlen, l, "cannot set its namespace up: %s", why_ip);
            return NULL;
        }

    /* the program, in the namespace, in a process group of its own (so
     * that it and its children are stopped together), dying with us */
    char nspath[80];
    snprintf(nspath, sizeof nspath, "/run/netns/%s", l->ns);
    int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
    int o[2], e[2], ready[2], in[2] = { -1, -1 };
    if (nsfd < 0 || pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0 ||
        (control && pipe2(in, O_CLOEXEC) < 0)) {
        fail(err, errlen, l, "cannot prepare its start: %s", strerror(errno));
        if (nsfd >= 0)
            close(nsfd);
        return NULL;
    }
    pid_t parent = getpid();
    l->pid = fork();
    if (l->pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int nul = control ? in[0] : open("/dev/null", O_RDONLY);
        if (setns(nsfd, CLONE_NEWNET) < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(o[1], 1) < 0 ||
            dup2(e[1], 2) < 0)
            _exit(126);
        execvp(argv[0], argv);
        char msg = (char)errno;
        if (write(ready[1], &msg, 1) < 0)
            _exit(127);
        _exit(127);
    }
    close(nsfd);
    close(o[1]);
    close(e[1]);
    close(ready[1]);
    if (control) {
        close(in[0]);
        l->in = in[1];
        signal(SIGPIPE, SIG_IGN);   /* a program gone: a write error, not our death */
    }
    if (l->pid < 0) {
        close(o[0]);
        close(e[0]);
        close(ready[0]);
        fail(err, errlen, l, "cannot start it: fork: %s", strerror(errno));
        return NULL;
    }
    setpgid(l->pid, l->pid);
    /* exec succeeded when the CLOEXEC pipe closes with nothing in it */
    char code;
    ssize_t r = read(ready[0], &code, 1);
    close(ready[0]);
    l->out = o[0];
    l->err = e[0];
    fcntl(l->out, F_SETFL, O_NONBLOCK);
    fcntl(l->err, F_SETFL, O_NONBLOCK);
    if (r == 1) {
        fail(err, errlen, l, "cannot start it: %s", strerror((unsigned char)code));
        return NULL;
    }
    sim_host_set_catchall(h, to_program, l);
    sim_kernel_set_pacer(ls->k, pace, ls);
    /* the interface's later changes, and its state now if it is down */
    if (sim_host_watch(h, mirror, l) < 0) {
        fail(err, errlen, l, "cannot watch its interface: %s", "out of memory");
        return NULL;
    }
    mirror(l, iface);
    return l;
}
