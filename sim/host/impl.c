/*
 * impl.c - loading and checking implementations under test (impl.h).
 */
#include "host/impl.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

sim_impl_call_t sim_impl_in;

static sim_impl_t builtin = { .label = "ref" };

const sim_impl_t *sim_impl_builtin(void)
{
    if (!builtin.t)
        builtin.t = rtcsim_impl(RTCSIM_IMPL_ABI_VERSION);   /* ref/impl.c's, linked in */
    return &builtin;
}

bool sim_impl_is_builtin(const sim_impl_t *impl)
{
    return impl == &builtin;
}

/* Loaded implementations live as long as the process (a table's
 * functions may be anywhere in the object, and scenarios run one per
 * child process). */
typedef struct loaded {
    sim_impl_t     impl;
    struct loaded *next;
} loaded_t;
static loaded_t *all;

const sim_impl_t *sim_impl_load(const char *path, char *err, size_t errlen)
{
    if (!path || strcmp(path, "ref") == 0)
        return sim_impl_builtin();
    for (loaded_t *l = all; l; l = l->next)
        if (strcmp(l->impl.path, path) == 0)
            return &l->impl;
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "implementation %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "implementation %s: not a regular file (a shared object built "
                 "against include/rtcsim/impl.h)", path);
        return NULL;
    }
    /* dlopen searches the library path for a name without a slash */
    char full[4096];
    snprintf(full, sizeof full, "%s%s", strchr(path, '/') ? "" : "./", path);
    /* RTLD_LOCAL: its symbols do not take the place of ours or another
     * implementation's; RTLD_NOW: an unresolved symbol fails here, not
     * in the middle of a scenario */
    void *dl = dlopen(full, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *e = dlerror();
        snprintf(err, errlen, "implementation %s: cannot load it: %s", path, e ? e : "dlopen failed");
        return NULL;
    }
    rtcsim_impl_fn fn;
    void *sym = dlsym(dl, RTCSIM_IMPL_SYMBOL);
    memcpy(&fn, &sym, sizeof fn);
    if (!fn) {
        snprintf(err, errlen, "implementation %s: it exports no symbol %s (the ABI's entry: "
                 "const rtcsim_impl_t *%s(uint32_t))", path, RTCSIM_IMPL_SYMBOL, RTCSIM_IMPL_SYMBOL);
        dlclose(dl);
        return NULL;
    }
    const rtcsim_impl_t *t = fn(RTCSIM_IMPL_ABI_VERSION);
    if (!t) {
        snprintf(err, errlen, "implementation %s: %s(%u) returned NULL: it cannot serve ABI "
                 "version %u", path, RTCSIM_IMPL_SYMBOL, RTCSIM_IMPL_ABI_VERSION,
                 RTCSIM_IMPL_ABI_VERSION);
        dlclose(dl);
        return NULL;
    }
    char why[256];
    const char *bad = rtcsim_impl_check(t, why, sizeof why);
    if (bad) {
        snprintf(err, errlen, "implementation %s: %s", path, bad);
        dlclose(dl);
        return NULL;
    }
    loaded_t *l = calloc(1, sizeof *l);
    size_t n = strlen(path) + strlen(t->name) + 4;
    char *label = malloc(n);
    char *p = strdup(path);
    if (!l || !label || !p) {
        free(l);
        free(label);
        free(p);
        snprintf(err, errlen, "implementation %s: out of memory", path);
        return NULL;     /* dl stays open: nothing of it is in use */
    }
    snprintf(label, n, "%s (%s)", path, t->name);
    l->impl = (sim_impl_t){ .t = t, .path = p, .label = label };
    l->next = all;
    all = l;
    return &l->impl;
}

/* ---- crashes ---------------------------------------------------------------- */

static int crash_fd = -1;
static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static struct sigaction before[sizeof fatal / sizeof *fatal];

static void put(const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(crash_fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void on_fatal(int sig)
{
    size_t i = 0;
    while (i < sizeof fatal / sizeof *fatal && fatal[i] != sig)
        i++;
    if (sim_impl_in.impl && crash_fd >= 0) {     /* the parent names the signal */
        put("crash\timplementation ");
        put(sim_impl_in.impl->label);
        put(" crashed in ");
        put(sim_impl_in.entry);
        put("\n");
    }
    /* back to what was there (the default, or AddressSanitizer's
     * handler), and die of the signal under it (raise: the signal may
     * have been raised, not a fault that would repeat on return) */
    if (i < sizeof fatal / sizeof *fatal)
        sigaction(sig, &before[i], NULL);
    else
        signal(sig, SIG_DFL);
    raise(sig);
}

void sim_impl_crash_report(int fd)
{
    crash_fd = fd;
    static char altstack[64 * 1024];    /* a stack overflow must not stop the report */
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
    sigaltstack(&ss, NULL);
    for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++) {
        struct sigaction sa = { .sa_handler = on_fatal, .sa_flags = SA_ONSTACK };
        sigemptyset(&sa.sa_mask);
        sigaction(fatal[i], &sa, &before[i]);
    }
}

const char *sim_impl_crash_line(const char *buf, size_t len, size_t *linelen)
{
    static const char tag[] = "crash\t";
    for (size_t i = 0; buf && i + sizeof tag - 1 <= len; ) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len;
        if (memcmp(buf + i, tag, sizeof tag - 1) == 0) {
            *linelen = end - i - (sizeof tag - 1);
            return buf + i + sizeof tag - 1;
        }
        i = end + 1;
    }
    return NULL;
}
