/*
 * impl.h - the implementations under test a run can put on its hosts:
 * the built-in one (ref/, linked in) and shared objects loaded with
 * dlopen (`rtcsim run --impl PATH.so`), each reached only through its
 * table of entry points (include/rtcsim/impl.h).
 *
 * Every call into an implementation goes through SIM_CALL or SIM_CALLV,
 * which note the implementation and the entry being called: a crash
 * inside it is then reported with both (sim_impl_crash_report), and a
 * fault it commits (a datagram from an address it was never given, an
 * event the spec does not have) names them too.
 */
#ifndef SIM_IMPL_H
#define SIM_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <rtcsim/impl.h>

typedef struct sim_impl {
    const rtcsim_impl_t *t;
    char                *path;      /* as given; NULL for the built-in one */
    char                *label;     /* "ref" or "PATH (name)": what messages call it */
} sim_impl_t;

/* ref/, linked into this executable. */
const sim_impl_t *sim_impl_builtin(void);
/* PATH loaded (once per process: a later call with the same path returns
 * the same implementation) and its table checked: the symbol, the ABI
 * version, the table's size and every required entry. NULL with a
 * message that names the path and what is wrong. */
const sim_impl_t *sim_impl_load(const char *path, char *err, size_t errlen);
bool              sim_impl_is_builtin(const sim_impl_t *impl);

/* What is being called now (for crash reports): set by SIM_CALL. */
typedef struct sim_impl_call {
    const sim_impl_t *impl;
    const char       *entry;
} sim_impl_call_t;
extern sim_impl_call_t sim_impl_in;

#define SIM_CALL(impl, entry, ...) __extension__ ({                                   \
        sim_impl_call_t prev_ = sim_impl_in;                                          \
        sim_impl_in = (sim_impl_call_t){ (impl), #entry };                            \
        __typeof__((impl)->t->entry(__VA_ARGS__)) r_ = (impl)->t->entry(__VA_ARGS__); \
        sim_impl_in = prev_;                                                          \
        r_; })
#define SIM_CALLV(impl, entry, ...) do {                                              \
        sim_impl_call_t prev_ = sim_impl_in;                                          \
        sim_impl_in = (sim_impl_call_t){ (impl), #entry };                            \
        (impl)->t->entry(__VA_ARGS__);                                                \
        sim_impl_in = prev_;                                                          \
    } while (0)

/* In a run's child process: on a fatal signal while an implementation is
 * being called, write "crash\timplementation X crashed in ENTRY" and a
 * newline to fd (async-signal-safe), then die of the signal as
 * before. The parent reads it where the result line would have been. */
void sim_impl_crash_report(int fd);
/* The line such a crash left, or NULL if buf holds none. */
const char *sim_impl_crash_line(const char *buf, size_t len, size_t *linelen);

#endif
