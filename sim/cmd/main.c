/*
 * main.c - the rtcsim command.
 *
 *   rtcsim run [options] PATH...     options anywhere; `--` ends them
 *   rtcsim merge --out DIR DIR...
 *
 * Each item of a run (a scenario at a seed) runs in a child process, so a
 * scenario that crashes or hangs costs its own item only: the parent
 * reports it as ERROR and always writes the report.
 *
 * Exit status: 0 every scenario passed; 1 a scenario failed; 2 bad usage,
 * or a scenario that could not run (script error, missing file, topology
 * error, unreadable golden, killed), or the report could not be written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/coverage.h"
#include "cmd/lint.h"
#include "cmd/paths.h"
#include "cmd/report.h"
#include "host/impl.h"
#include "cmd/results.h"
#include "lua/scenario.h"
#include "replay/player.h"

#define DEFAULT_OUT     "reports/run"
#define DEFAULT_TIMEOUT 600
#define MAX_SEEDS       100000      /* items of one sweep; more: split it */
#define MAX_JOBS        256
#define MAX_TIMEOUT     604800      /* a week */

static const char usage[] =
    "usage: rtcsim run [options] PATH...\n"
    "       rtcsim merge --out DIR SHARD_DIR...\n"
    "       rtcsim coverage [--json] [--catalogue FILE] [PATH...]\n"
    "       rtcsim lint [--json] [--junit FILE] FILE...\n"
    "       rtcsim replay TRACE --side ADDR[:PORT] [options]\n"
    "       rtcsim --help\n"
    "\n"
    "run: runs Lua scenarios (files, or folders searched for *.lua) in the\n"
    "deterministic network simulator, each in a child process, checks their\n"
    "expectations and writes a report folder. Options may come before or after\n"
    "the paths; '--' ends them; '--opt=value' is the same as '--opt value'.\n"
    "\n"
    "options:\n"
    "  --seed N            root seed for every scenario (overrides scenario{seed=})\n"
    "  --seeds A..B        run every scenario once per seed A to B (at most 100000\n"
    "                      items); each failing seed prints the command replaying\n"
    "                      it, and the report gives each measure's min, median and\n"
    "                      max over the seeds\n"
    "  --shard K/N         run only the K-th of N slices of the (scenario, seed)\n"
    "                      list: item i (from 0) goes to slice (i mod N) + 1\n"
    "  --jobs N            run up to N scenarios at once (default 1); the output\n"
    "                      and the reports are the same as with 1\n"
    "  --timeout SECONDS   wall-clock limit per scenario (default 600; 0: none);\n"
    "                      a scenario past it is killed and reported as ERROR\n"
    "  --out DIR           the report folder of this run (default " DEFAULT_OUT ");\n"
    "                      it gets junit.xml, summary.txt, results.jsonl and a\n"
    "                      folder per scenario (per seed with --seeds:\n"
    "                      DIR/<id>/seed-<N>/) with events.jsonl, log.txt, pcaps\n"
    "  --captures DIR      where golden pcaps are (default: captures/ beside the\n"
    "                      scenarios/ folder that holds the scenario; for a\n"
    "                      scenario outside a scenarios/ folder, captures/ in its\n"
    "                      own folder; never the current directory's)\n"
    "  --update-captures   rewrite the golden pcaps from this run, on purpose;\n"
    "                      review the change (tshark -r) before committing it\n"
    "  --impl PATH.so      run the hosts' RTC objects on this implementation under\n"
    "                      test (a shared object exporting rtcsim_impl, see\n"
    "                      docs/implementers.md) instead of the built-in ref/;\n"
    "                      byte-for-byte goldens are then compared field-wise\n"
    "                      (masked). Repeatable: the first is every host's, the\n"
    "                      others (and \"ref\") only where net.host{impl=} names\n"
    "                      them\n"
    "  --allow-program P   a scenario may start program P on a live host\n"
    "                      (net.host{run={P,...}}, as root in a network\n"
    "                      namespace: docs/live.md); repeatable; no other\n"
    "                      program can be started. \"P ARG...\" (quoted) fixes\n"
    "                      the first arguments too: run must begin with them\n"
    "  --quiet             print only the closing lines\n"
    "\n"
    "Each scenario prints a line: PASS, FAIL (an expectation did not hold) or\n"
    "ERROR (it could not run) or SKIP (it cannot run on this machine: a live\n"
    "host without root or a TUN device; why is said), then the run closes with\n"
    "'N passed, N failed' (skipped ones are neither).\n"
    "A golden capture is compared only at the seed it was recorded at (the\n"
    "scenario's own); at another seed the report says it was not compared.\n"
    "Shared Lua for require() is in scenarios/lib/, or lib/ beside a scenario\n"
    "outside a scenarios/ folder.\n"
    "\n"
    "merge: joins the report folders of the shards of one run into DIR, whose\n"
    "junit.xml and summary.txt are those of the run unsharded; prints the\n"
    "summary and exits as that run would have.\n"
    "\n"
    "coverage: lists every entry of the coverage catalogue (the spec's methods,\n"
    "events and attributes, the RFC requirements) with the scenarios whose\n"
    "scenario{covers=} names it, NOT COVERED where none does, and the share\n"
    "covered; reads the headers only (rtcsim coverage --help).\n"
    "\n"
    "lint: checks every packet of pcap/pcapng captures against its RFC (STUN,\n"
    "TURN, DTLS, RTP, RTCP, RFC 4733) and names each finding with the packet,\n"
    "time, flow, RFC section and severity; exit 0 clean, 1 errors found, 2 bad\n"
    "usage or unreadable file (rtcsim lint --help).\n"
    "\n"
    "replay: plays the recorded side ADDR of a capture to an implementation in\n"
    "the simulator (ref/, or the first --impl) at the recorded times: checks\n"
    "re-signed, a fresh DTLS handshake, the media re-protected (docs/replay.md;\n"
    "rtcsim replay --help).\n"
    "\n"
    "exit status: 0 all passed, 1 a scenario failed,\n"
    "             2 bad usage or a scenario that could not run\n"
    "\n"
    "Same scenario and seed: byte-identical pcaps, event logs and reports.\n"
    "The scenario API is described in docs/scenarios.md, sweeps and shards in\n"
    "docs/sweeps.md.\n";


static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "rtcsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'rtcsim --help'.\n");
    return 2;
}

/* ---- options ----------------------------------------------------------------- */

typedef struct args {
    sim_run_opts_t o;
    const char    *out;
    bool           quiet;
    bool           sweep;           /* --seeds */
    uint64_t       seed_a, seed_b;
    unsigned long  shard_k, shard_n; /* 0: not sharded */
    unsigned long  jobs;
    unsigned long  timeout;         /* seconds; 0: none */
    sim_paths_t        paths;           /* as given, in order */
    const char   **impls;           /* --impl, in order (o.impls) */
    const char   **programs;        /* --allow-program (o.programs) */
} args_t;

/* A non-negative decimal integer, all of s. */
static bool parse_u64(const char *s, uint64_t *v)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end || errno)
        return false;
    *v = x;
    return true;
}

static int parse_value(args_t *a, const char *opt, const char *v)
{
    uint64_t x, y;
    if (strcmp(opt, "--seed") == 0) {
        if (!parse_u64(v, &x))
            return bad_usage("--seed: '%s' is not a non-negative integer", v);
        a->o.seed = x;
        a->o.seed_set = true;
    } else if (strcmp(opt, "--seeds") == 0) {
        const char *dots = strstr(v, "..");
        char first[32];
        if (!dots || (size_t)(dots - v) >= sizeof first)
            return bad_usage("--seeds: '%s' is not a range A..B of non-negative integers", v);
        memcpy(first, v, (size_t)(dots - v));
        first[dots - v] = '\0';
        if (!parse_u64(first, &x) || !parse_u64(dots + 2, &y))
            return bad_usage("--seeds: '%s' is not a range A..B of non-negative integers", v);
        if (x > y)
            return bad_usage("--seeds: '%s' is empty: A must not be greater than B", v);
        if (y - x >= MAX_SEEDS)
            return bad_usage("--seeds: '%s' is more than 100000 seeds; split the sweep into "
                             "several runs", v);
        a->sweep = true;
        a->seed_a = x;
        a->seed_b = y;
    } else if (strcmp(opt, "--shard") == 0) {
        const char *slash = strchr(v, '/');
        char k[32];
        if (!slash || (size_t)(slash - v) >= sizeof k)
            return bad_usage("--shard: '%s' is not K/N (the K-th of N slices)", v);
        memcpy(k, v, (size_t)(slash - v));
        k[slash - v] = '\0';
        if (!parse_u64(k, &x) || !parse_u64(slash + 1, &y))
            return bad_usage("--shard: '%s' is not K/N (the K-th of N slices)", v);
        if (x < 1 || x > y || y > 1000000)
            return bad_usage("--shard: '%s': K must be 1 to N (and N at most 1000000)", v);
        a->shard_k = (unsigned long)x;
        a->shard_n = (unsigned long)y;
    } else if (strcmp(opt, "--jobs") == 0) {
        if (!parse_u64(v, &x) || x < 1 || x > MAX_JOBS)
            return bad_usage("--jobs: '%s' is not a number of jobs from 1 to 256", v);
        a->jobs = (unsigned long)x;
    } else if (strcmp(opt, "--timeout") == 0) {
        if (!parse_u64(v, &x) || x > MAX_TIMEOUT)
            return bad_usage("--timeout: '%s' is not a number of seconds from 0 (none) to "
                             "604800", v);
        a->timeout = (unsigned long)x;
    } else if (strcmp(opt, "--out") == 0) {
        if (!*v)
            return bad_usage("%s: the folder name is empty", opt);
        a->out = v;
    } else if (strcmp(opt, "--allow-program") == 0) {
        if (!*v)
            return bad_usage("%s: the program is empty", opt);
        const char **p = realloc(a->programs, (a->o.nprograms + 1) * sizeof *p);
        if (!p)
            sim_cmd_nomem("the arguments");
        p[a->o.nprograms++] = v;
        a->programs = p;
        a->o.programs = p;
    } else if (strcmp(opt, "--impl") == 0) {
        if (!*v)
            return bad_usage("%s: the path is empty", opt);
        const char **impls = realloc(a->impls, (a->o.nimpls + 1) * sizeof *impls);
        if (!impls)
            sim_cmd_nomem("the arguments");
        impls[a->o.nimpls++] = v;
        a->impls = impls;
        a->o.impls = impls;
    } else {
        a->o.captures_dir = v;
    }
    return 0;
}

/* Options anywhere among the paths, as getopt_long does; `--` ends them.
 * `merge` takes only --out. */
static int parse_args(int argc, char **argv, bool merge, args_t *a)
{
    static const char *const valued[] = { "--seed", "--seeds", "--shard", "--jobs", "--timeout",
                                          "--out", "--captures", "--impl", "--allow-program", NULL };
    bool opts = true;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (opts && strcmp(arg, "--") == 0) {
            opts = false;
            continue;
        }
        if (!opts || arg[0] != '-' || strcmp(arg, "-") == 0) {
            /* not deduplicated: collect() drops a scenario given twice, and
             * merge must see a folder given twice */
            a->paths.v = realloc(a->paths.v, (a->paths.n + 1) * sizeof *a->paths.v);
            if (!a->paths.v)
                sim_cmd_nomem("the arguments");
            a->paths.v[a->paths.n++] = strdup(arg);
            continue;
        }
        char name[64];
        const char *eq = strchr(arg, '='), *v = NULL;
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        if (len >= sizeof name)
            return bad_usage("unknown option '%s'", arg);
        memcpy(name, arg, len);
        name[len] = '\0';
        const char *const *k = valued;
        while (*k && strcmp(*k, name) != 0)
            k++;
        if (merge && *k && strcmp(*k, "--out") != 0)
            return bad_usage("merge: option '%s' is for run; merge takes --out DIR", name);
        if (*k) {
            if (eq)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            else
                return bad_usage("option '%s' needs a value", name);
            int rc = parse_value(a, name, v);
            if (rc)
                return rc;
            continue;
        }
        if (eq && (strcmp(name, "--update-captures") == 0 || strcmp(name, "--quiet") == 0))
            return bad_usage("option '%s' takes no value", name);
        if (!merge && strcmp(arg, "--update-captures") == 0)
            a->o.update_captures = true;
        else if (!merge && strcmp(arg, "--quiet") == 0)
            a->quiet = true;
        else
            return bad_usage("unknown option '%s'", arg);
    }
    return 0;
}

/* ---- running the items, each in a child ---------------------------------------- */

typedef struct item {
    const char *file;
    char       *id;
    char       *dir;
    sim_run_opts_t o;               /* the run's, with this item's seed */
    size_t      index;              /* in the whole list (every shard) */
} item_t;

typedef struct child {
    pid_t   pid;
    int     fd;                     /* the result comes through it */
    int     timer;                  /* timerfd, or -1 */
    size_t  slot;                   /* into the selected items */
    char   *buf;
    size_t  len;
    bool    timed_out;
} child_t;

static void lost(sim_result_t *r, const item_t *it, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The child gave no usable result: say why, naming the file. */
static void lost(sim_result_t *r, const item_t *it, const char *fmt, ...)
{
    memset(r, 0, sizeof *r);
    r->id = strdup(it->id);
    r->title = strdup(it->id);
    r->file = strdup(it->file);
    r->seed = it->o.seed;
    r->verdict = SIM_ERROR;
    r->lost = true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sim_strcatf(&r->messages, "%s: %s", it->file, msg);
}

/* In the child: run the item, send the result line, exit. Nothing of the
 * parent's stdio is flushed here (_exit): the parent flushed before fork. */
static void child_main(const item_t *it, int fd, const sim_runinfo_t *ri)
{
    sim_impl_crash_report(fd);      /* a crash inside an implementation names it */
    sim_result_t r;
    sim_scenario_run(it->file, it->id, it->dir, &it->o, &r);
    char *line = sim_results_line(&r, it->index, ri);
    size_t len = strlen(line), off = 0;
    while (off < len) {
        ssize_t w = write(fd, line + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(3);
        off += (size_t)w;
    }
    _exit(0);
}

static int child_start(child_t *c, const item_t *it, size_t slot, const args_t *a,
                       const sim_runinfo_t *ri, sim_result_t *r)
{
    int p[2];
    memset(c, 0, sizeof *c);
    c->timer = -1;
    c->slot = slot;
    if (pipe2(p, O_CLOEXEC) < 0) {
        lost(r, it, "cannot start its run: pipe: %s", strerror(errno));
        return -1;
    }
    /* The wall-clock guard is a timerfd that the kernel expires: nothing
     * reads a clock, and it reaches a report only when it trips, which is
     * by nature not a function of the seed (docs/sweeps.md). */
    if (a->timeout) {
        c->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
        struct itimerspec ts = { .it_value = { .tv_sec = (time_t)a->timeout } };
        if (c->timer < 0 || timerfd_settime(c->timer, 0, &ts, NULL) < 0) {
            lost(r, it, "cannot start its run: timerfd: %s", strerror(errno));
            close(p[0]);
            close(p[1]);
            if (c->timer >= 0)
                close(c->timer);
            return -1;
        }
    }
    fflush(stdout);
    fflush(stderr);
    c->pid = fork();
    if (c->pid < 0) {
        lost(r, it, "cannot start its run: fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        if (c->timer >= 0)
            close(c->timer);
        return -1;
    }
    if (c->pid == 0) {
        close(p[0]);
        child_main(it, p[1], ri);
    }
    close(p[1]);
    c->fd = p[0];
    return 0;
}

/* The child closed its end: reap it and turn what it sent into r. */
static void child_finish(child_t *c, const item_t *it, const args_t *a, sim_result_t *r)
{
    int st = 0;
    while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
        ;
    close(c->fd);
    if (c->timer >= 0)
        close(c->timer);
    char err[200];
    size_t item = 0;
    sim_runinfo_t ri;
    if (c->timed_out) {
        lost(r, it, "wall-clock limit of %lu s exceeded (killed; --timeout sets the limit, "
                    "0 for none)", a->timeout);
    } else if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        const char *abbrev = sigabbrev_np(sig);
        size_t n = 0;
        const char *crash = sim_impl_crash_line(c->buf, c->len, &n);
        if (crash)
            lost(r, it, "%.*s: killed by signal %d (SIG%s)", (int)(n > 400 ? 400 : n), crash, sig,
                 abbrev ? abbrev : "?");
        else
            lost(r, it, "killed by signal %d (SIG%s)", sig, abbrev ? abbrev : "?");
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        lost(r, it, "its run exited with status %d without a complete result",
             WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    } else if (c->len == 0 || c->buf[c->len - 1] != '\n' ||
               memchr(c->buf, '\n', c->len) != c->buf + c->len - 1) {
        lost(r, it, "its run ended without a complete result");
    } else if (sim_results_parse(c->buf, r, &item, &ri, err, sizeof err) < 0) {
        lost(r, it, "its run sent a result that does not parse (%s)", err);
    } else if (item != it->index) {
        sim_result_clear(r);
        lost(r, it, "its run sent the result of another item");
    }
    free(c->buf);
    c->buf = NULL;
}

/* Reads what is there; false at end of file. */
static bool child_read(child_t *c)
{
    char chunk[65536];
    ssize_t n = read(c->fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    c->buf = realloc(c->buf, c->len + (size_t)n + 1);
    if (!c->buf)
        sim_cmd_nomem("a child's output");
    memcpy(c->buf + c->len, chunk, (size_t)n);
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    return true;
}

/* Up to a->jobs children at once; each item's block is printed in list
 * order as soon as every item before it is done, so the output does not
 * depend on --jobs. */
static void run_items(const item_t *it, size_t n, const args_t *a, const sim_runinfo_t *ri,
                      sim_result_t *res)
{
    child_t *kids = calloc(a->jobs, sizeof *kids);
    struct pollfd *pf = calloc(2 * a->jobs, sizeof *pf);
    bool *done = calloc(n ? n : 1, sizeof *done);
    if (!kids || !pf || !done)
        sim_cmd_nomem("the job table");
    size_t running = 0, next = 0, printed = 0;
    while (printed < n) {
        while (running < a->jobs && next < n) {
            if (child_start(&kids[running], &it[next], next, a, ri, &res[next]) == 0)
                running++;
            else
                done[next] = true;
            next++;
        }
        size_t np = 0;
        for (size_t k = 0; k < running; k++) {
            pf[np++] = (struct pollfd){ .fd = kids[k].fd, .events = POLLIN };
            pf[np++] = (struct pollfd){ .fd = kids[k].timer, .events = POLLIN };
        }
        if (running && poll(pf, np, -1) < 0 && errno != EINTR) {
            perror("rtcsim: poll");
            abort();
        }
        for (size_t k = 0; k < running;) {
            child_t *c = &kids[k];
            if (pf[2 * k + 1].revents && !c->timed_out) {
                c->timed_out = true;
                kill(c->pid, SIGKILL);
                close(c->timer);
                c->timer = -1;
            }
            if (pf[2 * k].revents && !child_read(c)) {
                child_finish(c, &it[c->slot], a, &res[c->slot]);
                done[c->slot] = true;
                /* keep pf in step with kids: move the last one here */
                kids[k] = kids[--running];
                pf[2 * k] = pf[2 * running];
                pf[2 * k + 1] = pf[2 * running + 1];
                continue;
            }
            k++;
        }
        for (; printed < n && done[printed]; printed++) {
            if (a->quiet)
                continue;
            char *block = NULL;
            sim_report_block(&res[printed], a->sweep, &block);
            fputs(block, stdout);
            fflush(stdout);
            free(block);
        }
    }
    free(kids);
    free(pf);
    free(done);
}

/* FNV-1a (64 bits) over the items' files and seeds: shards of one run
 * carry the same digest, so merge can tell them from another run's. */
static uint64_t list_digest(const item_t *it, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        char seed[32];
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)it[i].o.seed);
        const char *parts[] = { it[i].file, seed };
        for (int p = 0; p < 2; p++)
            for (const char *s = parts[p];; s++) {
                h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
                if (!*s)
                    break;
            }
    }
    return h;
}

/* The report folder: made if missing, and a folder (sim_mkdirs accepts an
 * existing file). 0, or -1 with errno. */
static int make_out(const char *dir)
{
    struct stat st;
    if (sim_mkdirs(dir) < 0)
        return -1;
    if (stat(dir, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* Two scenarios with one id would write one report folder (at once, with
 * --jobs) and be told apart nowhere: refuse, naming both. */
static int check_ids(const sim_paths_t *files)
{
    int rc = 0;
    char **id = calloc(files->n, sizeof *id);
    if (!id)
        sim_cmd_nomem("the scenario ids");
    for (size_t i = 0; i < files->n; i++)
        id[i] = sim_scenario_id(files->v[i]);
    for (size_t i = 0; i < files->n; i++)
        for (size_t j = i + 1; j < files->n; j++)
            if (strcmp(id[i], id[j]) == 0) {
                fprintf(stderr, "rtcsim: %s and %s have the same id '%s' (their reports would "
                                "share a folder); run them separately\n",
                        files->v[i], files->v[j], id[i]);
                rc = -1;
            }
    for (size_t i = 0; i < files->n; i++)
        free(id[i]);
    free(id);
    return rc;
}

/* A report of an earlier run must never pass for this one's. */
static void remove_reports(const char *dir)
{
    static const char *const names[] = { "junit.xml", "summary.txt", "results.jsonl", NULL };
    for (const char *const *n = names; *n; n++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, *n);
        unlink(path);
    }
}

static int verdict_status(const sim_result_t *r, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].verdict == SIM_ERROR)
            rc = 2;
        else if (r[i].verdict == SIM_FAIL && rc == 0)
            rc = 1;
    }
    return rc;
}

static void args_free(args_t *a)
{
    for (size_t i = 0; i < a->paths.n; i++)
        free(a->paths.v[i]);
    free(a->paths.v);
    free(a->impls);
    free(a->programs);
}

static int run_files(args_t *ap, sim_paths_t *filesp, int rc);


static const char replay_usage[] =
    "usage: rtcsim replay TRACE --side ADDR[:PORT] [options]\n"
    "\n"
    "Plays the recorded side ADDR of TRACE (pcap or pcapng) to an implementation\n"
    "under test (ref/, or the first --impl) that takes the other side's place,\n"
    "through the simulator, at the recorded relative times: its ICE checks are\n"
    "re-signed with the new session's credentials (transaction ids kept), the\n"
    "implementation's checks are answered, a fresh DTLS-SRTP handshake is made,\n"
    "and the trace's RTP/RTCP (decrypted with its keys) is re-protected under the\n"
    "new keys. The run is a scenario (OUT/NAME.lua, report in OUT/NAME/), and the\n"
    "implementation's own capture is linted after it.\n"
    "\n"
    "options:\n"
    "  --side ADDR[:PORT]  the recorded side to play (IPv6 as [ADDR]:PORT)\n"
    "  --sidecar FILE      the run's sidecar.json (descriptions, roles, events);\n"
    "                      default: sidecar.json beside TRACE, if there\n"
    "  --keylog FILE       NSS key log of the trace's DTLS; default: dtls-keys.log\n"
    "                      beside TRACE, if there\n"
    "  --srtp-keys FILE    SRTP keys by sender instead (rtcsim lint --help)\n"
    "  --credentials FILE  the trace's ICE credentials ('ice UFRAG PASSWORD'):\n"
    "                      its checks must validate under them\n"
    "  --encrypted         RTP on flows without ICE or DTLS is SRTP too\n"
    "  --media FILE        the side's media description (JSON, the spec's keys, by\n"
    "                      track id), when there is no sidecar\n"
    "  --role ROLE         controlling or controlled: the side's ICE role, when\n"
    "                      the trace holds none of its checks and no sidecar says\n"
    "  --impl PATH.so      the implementation under test (default ref/)\n"
    "  --live \"PROG ARG...\" the implementation under test is this program, on a\n"
    "                      live host (its own network namespace, real time, the\n"
    "                      control protocol: docs/live.md; root and /dev/net/tun)\n"
    "  --seed N            root seed (default 1)\n"
    "  --out DIR           report folder (default reports/replay)\n"
    "  --timeout S         wall-clock seconds before the run is killed\n"
    "\n"
    "Exit status: 0 the implementation passed and its capture is clean, 1 it\n"
    "failed or its capture has lint errors, 2 bad usage or input (a file that\n"
    "is not a capture, a side not in it, keys or credentials that do not\n"
    "match: the message names the file and the packet).\n";

/* PATH's folder with name, if that file is there (NULL otherwise). */
static char *beside(const char *path, const char *name)
{
    const char *slash = strrchr(path, '/');
    char *p;
    if (asprintf(&p, "%.*s%s", slash ? (int)(slash - path + 1) : 0, path, name) < 0)
        sim_cmd_nomem("a path");
    if (access(p, R_OK) == 0)
        return p;
    free(p);
    return NULL;
}

/* The folder of Lua shared by require(), beside this executable's build
 * folder (build/rtcsim -> scenarios/lib): the replay's page is there. */
static char *find_lib_dir(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    char *d;
    if (asprintf(&d, "%s/../scenarios/lib", exe) < 0)
        sim_cmd_nomem("a path");
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/replay.lua", d);
    if (access(probe, R_OK) == 0)
        return d;
    free(d);
    return NULL;
}

static int lint_outputs(const char *dir, const char *keylog);

/* The replay's own account (replay.lua's log lines: what was played,
 * what not and why, the player's and the IUT's counters). */
static void print_log(const char *dir)
{
    char path[4200], line[8192];
    snprintf(path, sizeof path, "%s/log.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        fputs(line, stdout);
    fclose(f);
}

static int cmd_replay(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(replay_usage, stdout);
            return 0;
        }
    args_t a = { .out = "reports/replay", .jobs = 1, .timeout = DEFAULT_TIMEOUT };
    sim_replay_files_t f = { 0 };
    static const char *const own[] = { "--side", "--sidecar", "--keylog", "--srtp-keys", "--credentials",
                                       "--role", "--media", "--live", NULL };
    const char **vals[] = { &f.side, &f.sidecar, &f.keylog, &f.srtp_keys, &f.credentials, &f.role, &f.media,
                            &f.live };
    static const char *const refused[] = { "--seeds", "--shard", "--jobs", "--captures", "--update-captures",
                                           "--allow-program", NULL };
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        sim_cmd_nomem("the arguments");
    int nrest = 0, rc = 0;
    for (int i = 0; rc == 0 && i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        int k = 0;
        while (own[k] && (strlen(own[k]) != len || strncmp(own[k], arg, len) != 0))
            k++;
        int r = 0;
        while (refused[r] && (strlen(refused[r]) != len || strncmp(refused[r], arg, len) != 0))
            r++;
        if (own[k]) {
            const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!v)
                rc = bad_usage("replay: option '%s' needs a value", own[k]);
            else if (*vals[k])
                rc = bad_usage("replay: option '%s' given twice", own[k]);
            else
                *vals[k] = v;
        } else if (refused[r]) {
            rc = bad_usage("replay: option '%s' is for rtcsim run", refused[r]);
        } else if (strcmp(arg, "--encrypted") == 0) {
            f.encrypted = true;
        } else {
            rest[nrest++] = argv[i];
        }
    }
    if (rc == 0)
        rc = parse_args(nrest, rest, false, &a);
    free(rest);
    if (rc == 0 && a.paths.n != 1)
        rc = bad_usage("%s", "replay: give one TRACE (rtcsim replay --help)");
    if (rc == 0 && !f.side)
        rc = bad_usage("%s", "replay: --side ADDR[:PORT] is required: the recorded side to play");
    if (rc == 0 && f.keylog && f.srtp_keys)
        rc = bad_usage("%s", "replay: --keylog and --srtp-keys: give one of them");
    if (rc == 0 && f.role && strcmp(f.role, "controlling") != 0 && strcmp(f.role, "controlled") != 0)
        rc = bad_usage("replay: --role '%s': controlling or controlled", f.role);
    if (rc == 0 && a.o.nimpls > 1)
        rc = bad_usage("%s", "replay: one --impl: the implementation under test");
    if (rc == 0 && f.live && a.o.nimpls)
        rc = bad_usage("%s", "replay: --impl or --live: one implementation under test");
    if (rc == 0 && f.live && !f.live[strspn(f.live, " ")])
        rc = bad_usage("%s", "replay: --live: the program is empty");
    char *auto_sidecar = NULL, *auto_keylog = NULL, *lib = NULL;
    double live_duration = 0;
    if (rc == 0) {
        f.trace = a.paths.v[0];
        if (!f.sidecar && (auto_sidecar = beside(f.trace, "sidecar.json"))) {
            f.sidecar = auto_sidecar;
            fprintf(stderr, "rtcsim replay: using %s (beside the trace)\n", f.sidecar);
        }
        if (!f.keylog && !f.srtp_keys && (auto_keylog = beside(f.trace, "dtls-keys.log"))) {
            f.keylog = auto_keylog;
            fprintf(stderr, "rtcsim replay: using %s (beside the trace)\n", f.keylog);
        }
        const char *check[] = { f.trace, f.sidecar, f.keylog, f.srtp_keys, f.credentials, f.media };
        static const char *const what[] = { "TRACE", "--sidecar", "--keylog", "--srtp-keys", "--credentials",
                                            "--media" };
        for (int i = 0; rc == 0 && i < 6; i++)
            if (check[i] && access(check[i], R_OK) != 0) {
                fprintf(stderr, "rtcsim replay: %s %s: %s\n", what[i], check[i], strerror(errno));
                rc = 2;
            }
    }
    /* the trace read once here, so that bad input is exit 2 with its
     * message, before a report folder exists */
    if (rc == 0) {
        char err[4800];
        sim_lint_cred_t *creds = NULL;
        size_t ncreds = 0;
        sim_player_t *p = NULL;
        if (f.credentials && sim_lint_cred_read(&creds, &ncreds, f.credentials, err, sizeof err) < 0)
            rc = 2;
        if (rc == 0) {
            sim_player_opts_t po = { .trace = f.trace, .side = f.side, .keylog = f.keylog, .srtp_keys = f.srtp_keys,
                                     .creds = creds, .ncreds = ncreds, .encrypted = f.encrypted };
            if (!(p = sim_player_load(&po, err, sizeof err)))
                rc = 2;
        }
        /* a live run goes by the wall clock and needs an end: the trace,
         * the handshakes' few seconds, the replay's linger (at most 11 s
         * but for a sidecar's longer original run) */
        if (rc == 0)
            live_duration = sim_player_duration(p) + 15;
        if (rc == 0 && !sim_player_role(p) && !f.sidecar && !f.role) {
            snprintf(err, sizeof err, "%s: no ICE check from %s and no sidecar: say --role controlling or "
                     "--role controlled", f.trace, f.side);
            rc = 2;
        }
        if (rc)
            fprintf(stderr, "rtcsim replay: %s\n", err);
        sim_player_free(p);
        free(creds);
    }
    if (rc == 0 && !(lib = find_lib_dir())) {
        fprintf(stderr, "rtcsim replay: cannot find scenarios/lib/replay.lua beside this rtcsim (run the one "
                        "built in the source tree, build/rtcsim)\n");
        rc = 2;
    }
    char *stub = NULL, *name = NULL, *run_dir = NULL;
    if (rc == 0) {
        const char *base = strrchr(f.trace, '/');
        base = base ? base + 1 : f.trace;
        size_t bl = strlen(base);
        static const char *const ext[] = { ".pcapng", ".pcap", NULL };
        for (int i = 0; ext[i]; i++)
            if (bl > strlen(ext[i]) && strcmp(base + bl - strlen(ext[i]), ext[i]) == 0) {
                bl -= strlen(ext[i]);
                break;
            }
        if (asprintf(&name, "%.*s", (int)bl, base) < 0 || asprintf(&stub, "%s/%s.lua", a.out, name) < 0 ||
            asprintf(&run_dir, "%s/%s", a.out, name) < 0)
            sim_cmd_nomem("a path");
        FILE *sf = make_out(a.out) == 0 ? fopen(stub, "w") : NULL;
        if (!sf) {
            fprintf(stderr, "rtcsim replay: cannot write %s: %s\n", stub, strerror(errno));
            rc = 2;
        } else {
            /* the scenario run: keep it, it can go into scenarios/ as a
             * regression test once its files are under captures/ */
            char dur[64] = "";
            if (f.live)
                snprintf(dur, sizeof dur, ", duration = %.0f", live_duration + 0.5);
            fprintf(sf, "-- written by rtcsim replay (docs/replay.md)\n"
                        "scenario { name = \"replay: %s as %s\", seed = 1%s }\n"
                        "require(\"replay\") { command = true }\n", base, f.side, dur);
            if (fclose(sf) != 0) {
                fprintf(stderr, "rtcsim replay: cannot write %s\n", stub);
                rc = 2;
            }
        }
    }
    sim_paths_t files = { 0 };
    if (rc == 0 && sim_paths_add(&files, stub) < 0)
        sim_cmd_nomem("the run list");
    if (rc == 0 && f.live) {
        /* the program under test, allowed with exactly its arguments (D168) */
        const char **p = realloc(a.programs, (a.o.nprograms + 1) * sizeof *p);
        if (!p)
            sim_cmd_nomem("the arguments");
        p[a.o.nprograms++] = f.live;
        a.programs = p;
        a.o.programs = p;
    }
    if (rc == 0) {
        a.o.replay = &f;
        a.o.lib_dir = lib;
        rc = run_files(&a, &files, 0);
        print_log(run_dir);
        char keys[4200];
        snprintf(keys, sizeof keys, "%s/dtls-keys.log", run_dir);
        int lr = lint_outputs(run_dir, access(keys, R_OK) == 0 ? keys : NULL);
        if (lr > rc)
            rc = lr;
    } else {
        args_free(&a);
    }
    free(auto_sidecar);
    free(auto_keylog);
    free(lib);
    free(stub);
    free(name);
    free(run_dir);
    return rc;
}

static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

/* The implementation's own output, linted (docs/lint.md): each capture
 * the replay wrote (not the decrypted twins), with the run's key log. */
static int lint_outputs(const char *dir, const char *keylog)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "rtcsim replay: %s: no report folder\n", dir);
        return 2;
    }
    sim_paths_t caps = { 0 };
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".pcap") == 0 && !strstr(e->d_name, ".decrypted.")) {
            char p[4200];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            if (sim_paths_add(&caps, p) < 0)
                sim_cmd_nomem("the captures");
        }
    }
    closedir(d);
    qsort(caps.v, caps.n, sizeof *caps.v, cmp_str);
    /* the IUT's address on replay.lua's LAN: its packets are judged, the
     * trace's own (as the player played them) are rtcsim lint TRACE's */
    sim_trace_addr_t iut = { .family = 4, .ip = { 192, 0, 2, 2 } };
    sim_lint_opts_t lo = { .quiet_info = true, .only_from = &iut };
    sim_lint_t *l = sim_lint_new(&lo);
    if (!l)
        sim_cmd_nomem("the lint");
    char err[4200];
    int rc = 0;
    if (keylog && sim_lint_load_keylog(l, keylog, err, sizeof err) < 0) {
        fprintf(stderr, "rtcsim replay: %s\n", err);
        rc = 2;
    }
    for (size_t i = 0; rc == 0 && i < caps.n; i++)
        if (sim_lint_file(l, caps.v[i], err, sizeof err) < 0) {
            fprintf(stderr, "rtcsim replay: %s\n", err);
            rc = 2;
        }
    if (rc == 0) {
        printf("lint of the implementation's capture%s (%zu, docs/lint.md):\n", caps.n == 1 ? "" : "s", caps.n);
        sim_lint_write_text(l, stdout);
        if (sim_lint_count_others(l))
            printf("(%llu findings on the trace's own packets as the player sent them are not the "
                   "implementation's: rtcsim lint TRACE lists them)\n", (unsigned long long)sim_lint_count_others(l));
        if (sim_lint_count(l, SIM_LINT_ERROR))
            rc = 1;
    }
    sim_lint_free(l);
    sim_paths_free(&caps);
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    args_t a = { .out = DEFAULT_OUT, .jobs = 1, .timeout = DEFAULT_TIMEOUT };
    int rc = parse_args(argc, argv, false, &a);
    if (rc == 0 && a.paths.n == 0)
        rc = bad_usage("%s", "run: give at least one scenario file or folder");
    if (rc == 0 && a.sweep && a.o.seed_set)
        rc = bad_usage("%s", "--seed and --seeds: give one of them");
    if (rc == 0 && a.sweep && a.o.update_captures)
        rc = bad_usage("%s", "--update-captures with --seeds: a golden holds for one seed, the "
                             "scenario's own; update it from a run without --seeds");
    sim_paths_t files = { 0 };
    for (size_t i = 0; rc == 0 && i < a.paths.n; i++)
        if (sim_paths_collect(a.paths.v[i], &files, stderr) < 0)
            rc = 2;
    return run_files(&a, &files, rc);
}

/* Run the scenario files (the list is freed, and a's): the report folder,
 * the children, the summary. rc: an error before (then nothing runs). */
static int run_files(args_t *ap, sim_paths_t *filesp, int rc)
{
    args_t a = *ap;
    sim_paths_t files = *filesp;
    if (rc == 0 && files.n == 0) {
        fprintf(stderr, "rtcsim: no scenario (*.lua) found in the given paths\n");
        rc = 2;
    }
    if (rc == 0 && check_ids(&files) < 0)
        rc = 2;
    if (rc == 0 && make_out(a.out) < 0) {
        fprintf(stderr, "rtcsim: cannot create output folder %s: %s\n", a.out, strerror(errno));
        rc = 2;
    }
    if (rc != 0) {
        sim_paths_free(&files);
        args_free(&a);
        return rc;
    }
    remove_reports(a.out);

    /* The whole list, scenario by scenario and seed by seed; a shard keeps
     * item i when i mod N is K - 1. */
    size_t per = a.sweep ? (size_t)(a.seed_b - a.seed_a) + 1 : 1, total = files.n * per;
    item_t *all = calloc(total, sizeof *all);
    if (!all)
        sim_cmd_nomem("the run list");
    for (size_t f = 0; f < files.n; f++)
        for (size_t s = 0; s < per; s++) {
            item_t *it = &all[f * per + s];
            it->file = files.v[f];
            it->id = sim_scenario_id(files.v[f]);
            it->o = a.o;
            it->index = f * per + s;
            if (a.sweep) {
                it->o.seed_set = true;
                it->o.seed = a.seed_a + s;
                if (asprintf(&it->dir, "%s/%s/seed-%llu", a.out, it->id,
                             (unsigned long long)it->o.seed) < 0)
                    sim_cmd_nomem("a report folder name");
            } else if (asprintf(&it->dir, "%s/%s", a.out, it->id) < 0) {
                sim_cmd_nomem("a report folder name");
            }
        }
    sim_runinfo_t ri = { .items = total, .list = list_digest(all, total) };
    if (a.sweep)
        snprintf(ri.seeds, sizeof ri.seeds, "%llu..%llu", (unsigned long long)a.seed_a,
                 (unsigned long long)a.seed_b);
    item_t *sel = all;
    size_t n = total;
    if (a.shard_n) {
        sel = calloc(total, sizeof *sel);
        if (!sel)
            sim_cmd_nomem("the shard");
        n = 0;
        for (size_t i = 0; i < total; i++)
            if (i % a.shard_n == a.shard_k - 1)
                sel[n++] = all[i];
    }
    sim_result_t *res = calloc(n ? n : 1, sizeof *res);
    size_t *index = calloc(n ? n : 1, sizeof *index);
    if (!res || !index)
        sim_cmd_nomem("the results");
    for (size_t i = 0; i < n; i++)
        index[i] = sel[i].index;
    run_items(sel, n, &a, &ri, res);
    rc = verdict_status(res, n);
    char err[4200];
    if (sim_report_write(a.out, res, index, n, &ri, err, sizeof err) < 0) {
        fprintf(stderr, "rtcsim: %s\n", err);
        rc = 2;
    }
    char *tail = sim_report_tail(res, n, ri.seeds);
    fputs(tail, stdout);
    free(tail);
    for (size_t i = 0; i < n; i++)
        sim_result_clear(&res[i]);
    for (size_t i = 0; i < total; i++) {
        free(all[i].id);
        free(all[i].dir);
    }
    if (sel != all)
        free(sel);
    free(all);
    free(res);
    free(index);
    sim_paths_free(&files);
    args_free(&a);
    return rc;
}

/* ---- merge ---------------------------------------------------------------------- */

typedef struct merged {
    sim_result_t r;
    const char  *from;              /* the folder it came from; NULL: none yet */
} merged_t;

/* Read DIR/results.jsonl into m (indexed by item); the first folder fixes
 * the run's info, which every other line must match. */
static int merge_read(const char *dir, merged_t **m, sim_runinfo_t *run, bool *have_run,
                      const char **run_from)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/results.jsonl", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "rtcsim: merge: %s: %s (not the report folder of a run?)\n", path,
                strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        lineno++;
        sim_result_t r;
        sim_runinfo_t ri;
        size_t item;
        char err[200];
        if (sim_results_parse(line, &r, &item, &ri, err, sizeof err) < 0) {
            fprintf(stderr, "rtcsim: merge: %s:%ld: %s\n", path, lineno, err);
            rc = -1;
            break;
        }
        if (!*have_run) {
            *run = ri;
            *have_run = true;
            *run_from = dir;
            *m = calloc(ri.items ? ri.items : 1, sizeof **m);
            if (!*m)
                sim_cmd_nomem("merging shards");
        }
        if (ri.items != run->items || ri.list != run->list || strcmp(ri.seeds, run->seeds)) {
            fprintf(stderr,
                    "rtcsim: merge: %s and %s are shards of different runs (%zu items, seeds "
                    "'%s', list %016llx; and %zu items, seeds '%s', list %016llx)\n",
                    *run_from, dir, run->items, run->seeds, (unsigned long long)run->list,
                    ri.items, ri.seeds, (unsigned long long)ri.list);
            rc = -1;
        } else if (item >= ri.items) {
            fprintf(stderr, "rtcsim: merge: %s:%ld: item %zu of a run of %zu items\n", path,
                    lineno, item, ri.items);
            rc = -1;
        } else if ((*m)[item].from) {
            fprintf(stderr,
                    "rtcsim: merge: item %zu (%s, seed %llu) is in both %s and %s: the shards "
                    "overlap\n", item, r.id, (unsigned long long)r.seed, (*m)[item].from, dir);
            rc = -1;
        } else {
            (*m)[item].r = r;
            (*m)[item].from = dir;
            continue;
        }
        sim_result_clear(&r);
    }
    free(line);
    fclose(f);
    return rc;
}

static int cmd_merge(int argc, char **argv)
{
    args_t a = { 0 };
    int rc = parse_args(argc, argv, true, &a);
    if (rc == 0 && !a.out)
        rc = bad_usage("%s", "merge: give --out DIR, the folder of the merged report");
    if (rc == 0 && a.paths.n == 0)
        rc = bad_usage("%s", "merge: give the report folders of the shards");
    /* The merged report goes over the folder's junit.xml, summary.txt and
     * results.jsonl: into a shard's own folder it would replace that
     * shard's results, and the shards could not be merged again. */
    struct stat out_st, in_st;
    if (rc == 0 && stat(a.out, &out_st) == 0)
        for (size_t i = 0; rc == 0 && i < a.paths.n; i++)
            if (stat(a.paths.v[i], &in_st) == 0 && in_st.st_dev == out_st.st_dev &&
                in_st.st_ino == out_st.st_ino) {
                fprintf(stderr, "rtcsim: merge: --out %s is the shard folder %s: its results "
                                "would be replaced; give a folder of its own\n",
                        a.out, a.paths.v[i]);
                rc = 2;
            }
    merged_t *m = NULL;
    sim_runinfo_t run = { 0 };
    bool have_run = false;
    const char *run_from = NULL;
    for (size_t i = 0; rc == 0 && i < a.paths.n; i++)
        if (merge_read(a.paths.v[i], &m, &run, &have_run, &run_from) < 0)
            rc = 2;
    size_t missing = 0, first_missing = 0;
    for (size_t i = 0; rc == 0 && i < run.items; i++)
        if (!m[i].from && missing++ == 0)
            first_missing = i;
    if (rc == 0 && (missing || !have_run)) {
        if (!have_run)
            fprintf(stderr, "rtcsim: merge: the given folders hold no results\n");
        else
            fprintf(stderr,
                    "rtcsim: merge: %zu of the run's %zu items are in none of the folders (the "
                    "first: item %zu); give every shard of the run\n",
                    missing, run.items, first_missing);
        rc = 2;
    }
    if (rc == 0 && make_out(a.out) < 0) {
        fprintf(stderr, "rtcsim: cannot create output folder %s: %s\n", a.out, strerror(errno));
        rc = 2;
    }
    if (rc == 0) {
        remove_reports(a.out);
        sim_result_t *res = calloc(run.items, sizeof *res);
        size_t *index = calloc(run.items, sizeof *index);
        if (!res || !index)
            sim_cmd_nomem("merging shards");
        char *text = NULL;
        for (size_t i = 0; i < run.items; i++) {
            res[i] = m[i].r;
            index[i] = i;
            sim_report_block(&res[i], run.seeds[0] != '\0', &text);
        }
        char err[4200];
        rc = verdict_status(res, run.items);
        if (sim_report_write(a.out, res, index, run.items, &run, err, sizeof err) < 0) {
            fprintf(stderr, "rtcsim: %s\n", err);
            rc = 2;
        }
        char *tail = sim_report_tail(res, run.items, run.seeds);
        if (text)
            fputs(text, stdout);
        fputs(tail, stdout);
        free(text);
        free(tail);
        for (size_t i = 0; i < run.items; i++)
            sim_result_clear(&res[i]);
        free(res);
        free(index);
    } else if (m) {
        for (size_t i = 0; i < run.items; i++)
            sim_result_clear(&m[i].r);
    }
    free(m);
    args_free(&a);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "help") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "merge") == 0)
        return cmd_merge(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "coverage") == 0)
        return sim_cmd_coverage(argc - 2, argv + 2, stdout, stderr);
    if (argc >= 2 && strcmp(argv[1], "replay") == 0)
        return cmd_replay(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "lint") == 0)
        return sim_cmd_lint(argc - 2, argv + 2, stdout, stderr);
    if (argc < 2)
        fputs(usage, stderr);
    else
        return bad_usage("unknown command '%s'", argv[1]);
    return 2;
}
