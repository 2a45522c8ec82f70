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

/* The entries an implementation must have (impl.h says which are
 * optional), by offset, so that the check names the one missing. */
#define E(name) { #name, offsetof(rtcsim_impl_t, name) }
typedef struct { const char *name; size_t off; } entry_t;
static const entry_t required[] = {
    E(socket_new), E(socket_free), E(socket_handle_datagram), E(socket_handle_timeout),
    E(socket_set_locals), E(socket_address_lost),
    E(connection_new), E(connection_free), E(connection_opaque), E(connection_id),
    E(connection_local_description), E(connection_set_remote_description),
    E(connection_set_local_candidate), E(connection_set_remote_candidate), E(connection_connect),
    E(connection_update), E(connection_handle_timeout), E(connection_next_event),
};
/* With media_new, all of these. */
static const entry_t media[] = {
    E(media_free), E(media_handle_timeout), E(media_next_event), E(media_local_description),
    E(media_remote_description), E(media_set_remote_description), E(media_add_stream),
    E(media_remove_stream), E(media_send_stream), E(media_send_track), E(media_add_connection),
    E(media_remove_connection), E(media_connections), E(media_set_track_properties),
    E(media_sending_streams), E(media_receiving_streams), E(media_stream_tracks), E(media_close),
    E(media_track_stats),
};
#undef E

static bool has(const rtcsim_impl_t *t, size_t off)
{
    void (*fn)(void);
    memcpy(&fn, (const char *)t + off, sizeof fn);
    return fn != NULL;
}

static const char *check_table(const rtcsim_impl_t *t, char *why, size_t len)
{
    if (t->abi_version != RTCSIM_IMPL_ABI_VERSION) {
        snprintf(why, len, "it was built for ABI version %u; this rtcsim speaks version %u "
                 "(rebuild it against this rtcsim's include/rtcsim/impl.h)",
                 (unsigned)t->abi_version, RTCSIM_IMPL_ABI_VERSION);
        return why;
    }
    if (t->size < sizeof *t) {
        snprintf(why, len, "its table is %u bytes, not the %zu of ABI version %u (built against "
                 "another impl.h?)", (unsigned)t->size, sizeof *t, RTCSIM_IMPL_ABI_VERSION);
        return why;
    }
    if (!t->name || !t->name[0])
        return "its table has no name";
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!has(t, required[i].off)) {
            snprintf(why, len, "its table lacks the required entry %s", required[i].name);
            return why;
        }
    if (t->media_new)
        for (size_t i = 0; i < sizeof media / sizeof *media; i++)
            if (!has(t, media[i].off)) {
                snprintf(why, len, "its table has media_new but lacks %s (the media plane is "
                         "all or nothing)", media[i].name);
                return why;
            }
    if (!t->media_insert_dtmf != !t->media_dtmf_state)
        return "its table has one of media_insert_dtmf and media_dtmf_state but not the other";
    return NULL;
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
    const char *bad = check_table(t, why, sizeof why);
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
