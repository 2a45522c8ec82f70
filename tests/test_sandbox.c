/*
 * test_sandbox.c - the sandbox's bounds and what a script may observe:
 * C library loops charged to the instruction bound, bounds no pcall can
 * catch, the C side's memory counted (pending events, the event log,
 * datagrams in flight, what ref/'s ICE agents hold),
 * the kernel's and the event log's refusals instead of aborts, and next,
 * string.format and friends without hash-seed order or addresses.
 */
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check/evlog.h"
#include "cmd/results.h"
#include "kernel/kernel.h"
#include "fixture.h"
#include "lua/scenario.h"

/* The whole of out/<name>/events.jsonl (malloc'd). */
static char *events_of(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/out/%s/events.jsonl", fx_dir, name);
    return fx_slurp(path);
}

/* ---- 1. C library loops are charged ------------------------------------ */

START_TEST(c_library_loops_are_bounded)
{
    /* each of these ran for minutes, running no Lua instruction */
    fx_errors_with("move", "table.move({1}, 1, 2^62, 2)\n",
                (const char *const[]){ "move.lua:1: instruction limit of 200000000",
                                       "table.move would visit 4611686018427387904 elements",
                                       NULL });
    fx_errors_with("backtrack", "local n = 0\nstring.find(('a'):rep(40), ('a*'):rep(40) .. 'b')\n",
                (const char *const[]){ "backtrack.lua:2: instruction limit",
                                       "string.find on a 40-byte subject may take more than", NULL });
    fx_errors_with("gmatch", "for w in (('a'):rep(30)):gmatch(('a-'):rep(30) .. 'b') do end\n",
                (const char *const[]){ "gmatch.lua:1:", "string.gmatch on a 30-byte subject", NULL });
    fx_errors_with("gsub", "local s = ('a'):rep(30)\ns:gsub(('a?'):rep(30) .. ('a'):rep(30) .. 'b', '')\n",
                (const char *const[]){ "gsub.lua:2:", "string.gsub", NULL });
    fx_errors_with("memfind", "local s = ('a'):rep(1e6)\nstring.find(s, ('a'):rep(5e5) .. 'b', 1, true)\n",
                (const char *const[]){ "memfind.lua:2:", "string.find on a 1000000-byte subject", NULL });
    /* #t from __len with no element present */
    static const char *const fake_len =
        "local t = setmetatable({}, { __len = function() return 2^62 end })\n";
    const char *const tabs[][2] = {
        { "table.insert(t, 1, 'x')\n", "table.insert would visit" },
        { "table.remove(t, 1)\n", "table.remove would visit" },
        { "table.concat(t)\n", "table.concat would visit" },
        { "table.unpack(t)\n", "table.unpack would visit" },
        { "table.sort(t)\n", "table.sort would compare" },
    };
    for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
        char lua[512];
        snprintf(lua, sizeof lua, "%s%s", fake_len, tabs[i][0]);
        fx_errors_with("fakelen", lua, (const char *const[]){ "fakelen.lua:2: instruction limit",
                                                           tabs[i][1], NULL });
    }
    /* repeating nothing makes nothing at once; a string beyond the memory
     * bound is refused before it is built */
    PASSES("rep", "assert(string.rep('', 2^62) == '' and ('x'):rep(3, ',') == 'x,x,x')\n"
                  "assert(string.rep('', 2^62, '') == '' and ('ab'):rep(0) == '')\n");
    fx_errors_with("bigrep", "local s = string.rep('x', 2^40)\n",
                (const char *const[]){ "bigrep.lua:1: memory limit of 512 MiB exceeded: string.rep "
                                       "would make a string of 1099511627776 bytes", NULL });
    /* a linear function in a loop over a large string: the bytes count */
    fx_errors_with("scan", "local s = ('x'):rep(2^26)\nwhile true do local _ = s:upper() end\n",
                (const char *const[]){ "scan.lua:2: instruction limit", NULL });
    fx_errors_with("scan", "local s = ('x'):rep(2^26)\nwhile true do local _ = s:find('y', 1, true) end\n",
                (const char *const[]){ "scan.lua:2: instruction limit", NULL });
    fx_errors_with("scan", "local s = '\"' .. ('x'):rep(2^26) .. '\"'\nwhile true do json.decode(s) end\n",
                (const char *const[]){ "scan.lua:2: instruction limit", NULL });
}
END_TEST

START_TEST(c_library_still_works)
{
    /* patterns and the table functions as Lua has them; errors that the
     * original functions raise still name the script's line */
    PASSES("works",
        "assert(select(2, ('key = val'):match('^(%w+)%s*=%s*(.-)$')) == 'val')\n"
        "assert(('a,b,,c'):gsub(',', ';') == 'a;b;;c' and ('x1y22'):gsub('%d+', '#') == 'x#y#')\n"
        "local w = {} for x in ('one two  three'):gmatch('%a+') do w[#w + 1] = x end\n"
        "assert(table.concat(w, '|') == 'one|two|three')\n"
        "assert(('[a]'):find('[]]') == 3 and ('a.b'):find('.', 1, true) == 2)\n"
        "assert(('THE (quick) fox'):find('%((%a+)%)') == 5 and ('f(a(b)c)'):match('%b()') == '(a(b)c)')\n"
        "local t = { 3, 1, 2 } table.sort(t) table.insert(t, 1, 0) table.insert(t, 9)\n"
        "assert(table.concat(t, ',') == '0,1,2,3,9' and table.remove(t) == 9 and table.remove(t, 1) == 0)\n"
        "assert(table.concat(table.move({ 1, 2, 3 }, 1, 3, 2), ',') == '1,1,2,3')\n"
        "assert(select('#', table.unpack({ 1, 2, 3 })) == 3 and utf8.len('h\\u{e9}') == 2)\n"
        "assert(tonumber('0x10') == 16 and tonumber('z', 36) == 35 and ('%5.1f'):format(3.14159) == '  3.1')\n"
        "local ok, e = pcall(function() return ('x'):find('%') end)\n"
        "assert(not ok and e:find('works.lua:12: malformed pattern', 1, true), e)\n"
        "ok, e = pcall(function() return string.rep() end)\n"
        "assert(not ok and e:find('works.lua:14: bad argument #1 to \\'rep\\'', 1, true), e)\n"
        "ok, e = pcall(function() return table.concat({ {} }) end)\n"
        "assert(not ok and e:find('works.lua:16: invalid value (table) at index 1 in table for \\'concat\\'', 1, true), e)\n");
}
END_TEST

/* ---- 2. a tripped bound cannot be caught ------------------------------- */

START_TEST(limits_are_sticky)
{
    static const char *const spin[] = { "instruction limit of 100000 Lua instructions exceeded", NULL };
    fx_errors_with("pcall", "scenario { instructions = 100000 }\n"
                         "local ok = pcall(function() while true do end end)\n"
                         "sim.event('survived')\n", spin);
    char *ev = events_of("pcall");
    ck_assert_msg(!strstr(ev, "survived"), "%s", ev);
    free(ev);
    fx_errors_with("pcall-loop", "scenario { instructions = 100000 }\n"
                              "while true do pcall(function() while true do end end) end\n", spin);
    fx_errors_with("xpcall", "scenario { instructions = 100000 }\n"
                          "xpcall(function() while true do end end, function() while true do end end)\n",
                spin);
    fx_errors_with("xpcall-msg", "scenario { instructions = 100000 }\n"
                              "print(xpcall(function() while true do end end, function(m) return 'caught' end))\n"
                              "sim.event('survived')\n", spin);
    /* an error raised meanwhile (here by a __close handler) does not
     * replace the bound's */
    fx_errors_with("close", "scenario { instructions = 100000 }\n"
                         "pcall(function()\n"
                         "  local c <close> = setmetatable({}, { __close = function() error('mine') end })\n"
                         "  while true do end\n"
                         "end)\n", spin);
    /* once tripped, no script code runs at all, not even a __close
     * handler on the way out */
    fx_errors_with("closing", "scenario { max_pending = 1 }\n"
                           "local c <close> = setmetatable({}, { __close = function() sim.event('closing') end })\n"
                           "sim.at(1, print)\nsim.at(1, print)\n",
                (const char *const[]){ "closing.lua:4: the pending events limit of 1", NULL });
    ev = events_of("closing");
    ck_assert_msg(!strstr(ev, "closing"), "%s", ev);
    free(ev);
    /* in a callback too */
    fx_errors_with("callback", "scenario { instructions = 100000 }\n"
                            "sim.at(1, function() pcall(function() while true do end end) sim.event('survived') end)\n",
                spin);
    ev = events_of("callback");
    ck_assert_msg(!strstr(ev, "survived"), "%s", ev);
    free(ev);
    /* memory */
    fx_errors_with("memory", "pcall(function() local t = {} for i = 1, 1e9 do t[i] = { i, i, i, i } end end)\n"
                          "sim.event('survived')\n",
                (const char *const[]){ "memory.lua:1: memory limit of 512 MiB exceeded", NULL });
    ev = events_of("memory");
    ck_assert_msg(!strstr(ev, "survived"), "%s", ev);
    free(ev);
    /* virtual time: the script does not go on after sim.run said so */
    fx_errors_with("time", "scenario { max_time = 10 }\nsim.every(1, function() end)\n"
                        "pcall(sim.run)\nsim.event('survived')\n",
                (const char *const[]){ "time.lua:3: sim.run: virtual time limit of 10.000000 s", NULL });
    ev = events_of("time");
    ck_assert_msg(!strstr(ev, "survived"), "%s", ev);
    free(ev);
}
END_TEST

/* Finalizers run with Lua's hooks off: one that loops used to hang the
 * scenario, during the run and while the state closes. */
START_TEST(finalizers_are_bounded)
{
    static const char *const spin[] = { "instruction limit of 1000000 Lua instructions exceeded", NULL };
    /* collected during the run (the loop's garbage drives the collector) */
    fx_errors_with("gc-run", "scenario { instructions = 1000000 }\n"
                          "local x = setmetatable({}, { __gc = function() while true do end end })\n"
                          "x = nil\n"
                          "local t = {} for i = 1, 100000 do t[i] = {} end\n", spin);
    /* still alive when the state closes: the verdict stands, and the run
     * ends (the finalizer spends what is left of the bound) */
    sim_result_t r;
    ck_assert_int_eq(fx_run("gc-close", "scenario { instructions = 1000000 }\n"
                                        "keep = setmetatable({}, { __gc = function() while true do end end })\n"
                                        "expect.measure { 'one', 1, min = 1, max = 1 }\n", &r),
                     SIM_PASS);
    sim_result_clear(&r);
    /* a finalizer still runs, and sees its object */
    ck_assert_int_eq(fx_run("gc-works", "local mt = { __gc = function(o) sim.log('bye ' .. o.n) end }\n"
                                        "setmetatable({ n = 'x' }, mt)\n"
                                        "local t = {} for i = 1, 100000 do t[i] = {} end\n"
                                        "t = nil\n"
                                        "sim.at(1, function() for i = 1, 100000 do local _ = {} end end)\n"
                                        "expect.event { name = 'log', args = { msg = 'bye x' }, count = 1 }\n",
                                        &r), SIM_PASS);
    sim_result_clear(&r);
    /* the objects' metatables are not the script's to give a __gc */
    fx_errors_with("gc-mt", "getmetatable(net.host { name = 'a' }).__gc = function() while true do end end\n"
                         "net.host { name = 'b' }\n",
                (const char *const[]){ "gc-mt.lua:1: attempt to index a string value", NULL });
    fx_errors_with("gc-json", "getmetatable(json.decode('[]')).__gc = function() end\n",
                (const char *const[]){ "gc-json.lua:1: attempt to index a string value", NULL });
}
END_TEST

/* ---- 3. the C side's memory -------------------------------------------- */

START_TEST(c_side_is_bounded)
{
    fx_errors_with("pending", "scenario { max_pending = 100 }\n"
                           "for i = 1, 1000 do sim.at(1, function() end) end\n",
                (const char *const[]){ "pending.lua:2: the pending events limit of 100 was reached "
                                       "(scenario{max_pending=} raises it)", NULL });
    /* a pcall does not get past it either */
    fx_errors_with("pending-pcall", "scenario { max_pending = 10 }\n"
                                 "for i = 1, 1000 do pcall(sim.after, 1, function() end) end\n",
                (const char *const[]){ "the pending events limit of 10 was reached", NULL });
    fx_errors_with("log", "scenario { max_log_bytes = 100000 }\nlocal s = ('x'):rep(10000)\n"
                       "for i = 1, 100 do sim.event('big', { s = s }) end\n",
                (const char *const[]){ "log.lua:3: the event log limit of 100000 bytes was reached "
                                       "(scenario{max_log_bytes=} raises it)", NULL });
    /* the default bound: 1500 events of 1 MB once made a 1.4 GB log */
    fx_errors_with("log-default", "local s = ('x'):rep(1 << 20)\n"
                               "for i = 1, 1500 do sim.event('big', { s = s }) end\n",
                (const char *const[]){ "the event log limit of 67108864 bytes was reached", NULL });
    /* the event log's bytes count into the memory bound */
    fx_errors_with("log-memory", "scenario { max_log_bytes = 1 << 40 }\nlocal s = ('x'):rep(1 << 20)\n"
                              "for i = 1, 1500 do sim.event('big', { s = s }) end\n",
                (const char *const[]){ "log-memory.lua:3: memory limit of 512 MiB exceeded",
                                       "the simulator's records: event queue, timers, event log", NULL });
    /* so do expectations, and signalling messages in flight (here 1500 of
     * 1 MiB, with the log's own bound out of the way) */
    fx_errors_with("expect-memory", "local big = ('x'):rep(1 << 20)\n"
                                 "for i = 1, 1500 do expect.never { name = big .. i } end\n",
                (const char *const[]){ "expect-memory.lua:2: memory limit of 512 MiB exceeded", NULL });
    fx_errors_with("chan-memory", "scenario { max_log_bytes = 1 << 40 }\n"
                               "local a, b = net.host { name = 'a' }, net.host { name = 'b' }\n"
                               "local ea = net.channel { a, b, delay = 100 }\n"
                               "local big = ('x'):rep(1 << 20)\n"
                               "for i = 1, 1500 do ea:send(big) end\n",
                (const char *const[]){ "chan-memory.lua:5: memory limit of 512 MiB exceeded", NULL });
    /* datagrams in flight count (the network's packet buffers): 400000
     * of 1400 bytes into a link of 1000 s latency once held 900 MB, and
     * the run ended on the virtual time bound instead */
    fx_errors_with("flight", "scenario { max_pending = 400000 }\n"
                          "local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/24' }\n"
                          "local a, b = net.host { name = 'a' }, net.host { name = 'b' }\n"
                          "a:interface { name = 'eth0', subnet = lan, address = '10.0.0.10', link = { latency = 1000 } }\n"
                          "b:interface { name = 'eth0', subnet = lan, address = '10.0.0.20' }\n"
                          "local s, d = a:udp {}, ('x'):rep(1400)\n"
                          "for i = 1, 400000 do s:send('10.0.0.20', 7, d) end\n",
                (const char *const[]){ "flight.lua:7: memory limit of 512 MiB exceeded",
                                       "network and ICE agents", NULL });
    /* what ref/ holds counts, and is refused at the bound: 400000
     * RTCConnections once held 1.4 GB of C memory (and aborted when
     * malloc failed) */
    fx_errors_with("conns", "local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/24' }\n"
                         "local a = net.host { name = 'a' }\n"
                         "a:interface { name = 'eth0', subnet = lan, address = '10.0.0.10' }\n"
                         "local sock, keep = a:RTCSocket(), {}\n"
                         "for i = 1, 400000 do keep[i] = RTCConnection(sock) end\n",
                (const char *const[]){ "conns.lua:5: memory limit of 512 MiB exceeded",
                                       "network and ICE agents", NULL });
    /* a pcall does not get past it: the bound holds */
    fx_errors_with("conns-pcall", "local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/24' }\n"
                               "local a = net.host { name = 'a' }\n"
                               "a:interface { name = 'eth0', subnet = lan, address = '10.0.0.10' }\n"
                               "local sock, keep = a:RTCSocket(), {}\n"
                               "for i = 1, 400000 do local ok, c = pcall(RTCConnection, sock) keep[i] = c end\n"
                               "sim.event('survived')\n",
                (const char *const[]){ "conns-pcall.lua:5: memory limit of 512 MiB exceeded", NULL });
    char *ev = events_of("conns-pcall");
    ck_assert_msg(!strstr(ev, "survived"), "%s", ev);
    free(ev);
    fx_errors_with("badopt", "scenario { max_pending = 0 }\n",
                (const char *const[]){ "badopt.lua:1: scenario.max_pending must be a positive integer", NULL });
    fx_errors_with("badopt", "scenario { max_log_bytes = 'lots' }\n",
                (const char *const[]){ "badopt.lua:1: scenario.max_log_bytes must be a positive integer", NULL });
}
END_TEST

/* Run fn in a child whose address space may grow by 256 MiB more, so
 * that malloc fails there; the child's exit status is fn's result. Not
 * under AddressSanitizer, whose allocator dies when its mappings fail. */
static void with_little_memory(int (*fn)(void))
{
#ifndef __SANITIZE_ADDRESS__
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        unsigned long pages = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (!f || fscanf(f, "%lu", &pages) != 1)
            _exit(3);
        fclose(f);
        struct rlimit rl = { .rlim_cur = pages * (rlim_t)sysconf(_SC_PAGESIZE) + (256u << 20) };
        rl.rlim_max = rl.rlim_cur;
        if (setrlimit(RLIMIT_AS, &rl) < 0)
            _exit(4);
        _exit(fn());
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
#else
    (void)fn;
#endif
}

static void no_op(void *arg) { }

static int fill_queue(void)
{
    sim_kernel_t *k = sim_kernel_new(1);
    while (sim_at(k, 1, no_op, NULL))
        ;
    const char *e = sim_kernel_error(k);
    int ok = e && strncmp(e, "out of memory: the event queue", 30) == 0 && !sim_run_until(k, 2);
    sim_kernel_free(k);
    return ok ? 0 : 1;
}

static int fill_log(void)
{
    sim_evlog_t *log = sim_evlog_new();
    static char big[1 << 20];
    memset(big, 'x', sizeof big - 1);
    sim_evarg_t a = SIM_EVS("s", big);
    size_t n = 0;
    for (; !sim_evlog_error(log) && n < 100000; n++)
        sim_evlog_emit(log, 1, "src", "ev", &a, 1);
    const char *e = sim_evlog_error(log);
    int ok = e && strncmp(e, "out of memory: the event log", 28) == 0 &&
             sim_evlog_count(log) == n - 1;
    sim_evlog_free(log);
    return ok ? 0 : 1;
}

START_TEST(out_of_memory_is_an_error)
{
    with_little_memory(fill_queue);
    with_little_memory(fill_log);
}
END_TEST

/* The rtcsim command out of memory: open_memstream fails while
 * memstream_fails is set (interposed in this binary; the real one
 * otherwise). */
static bool memstream_fails;

FILE *open_memstream(char **ptr, size_t *size)
{
    static FILE *(*next)(char **, size_t *);
    if (memstream_fails)
        return NULL;
    if (!next)
        next = (FILE *(*)(char **, size_t *))dlsym(RTLD_NEXT, "open_memstream");
    return next(ptr, size);
}

START_TEST(command_out_of_memory_says_so)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        sim_result_t r = { .id = "x", .title = "x", .file = "x.lua" };
        sim_runinfo_t ri = { .items = 1 };
        memstream_fails = true;
        free(sim_results_line(&r, 0, &ri));
        _exit(0);   /* not reached: the line could not be made */
    }
    close(fds[1]);
    char buf[256] = "";
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d", status);
    ck_assert_int_gt(n, 0);
    ck_assert_str_eq(buf, "rtcsim: out of memory (a results line)\n");
}
END_TEST

static int fired;
static void on_fire(void *arg) { fired++; }

START_TEST(kernel_refuses_instead_of_aborting)
{
    sim_kernel_t *k = sim_kernel_new(1);
    sim_kernel_set_max_pending(k, 2);
    ck_assert_uint_ne(sim_at(k, 1, on_fire, NULL), 0);
    sim_timer_t b = sim_at(k, 2, on_fire, NULL);
    ck_assert_uint_ne(b, 0);
    ck_assert_ptr_null(sim_kernel_error(k));
    ck_assert_uint_eq(sim_at(k, 3, on_fire, NULL), 0);
    ck_assert_str_eq(sim_kernel_error(k), "the pending events limit of 2 was reached");
    ck_assert_uint_eq(sim_pending(k), 2);
    /* once refused, nothing more: the run is over */
    ck_assert(sim_cancel(k, b));
    ck_assert_uint_eq(sim_at(k, 3, on_fire, NULL), 0);
    fired = 0;
    ck_assert(!sim_run_until(k, 10));
    ck_assert_int_eq(fired, 0);
    ck_assert_uint_gt(sim_kernel_bytes(k), 0);
    sim_kernel_free(k);
}
END_TEST

START_TEST(event_log_refuses_instead_of_aborting)
{
    sim_evlog_t *log = sim_evlog_new();
    ck_assert_uint_eq(sim_evlog_bytes(log), 0);
    sim_evlog_set_max_bytes(log, 200000);
    sim_evarg_t a = SIM_EVS("msg", "hello");
    sim_evlog_emit(log, 1, "src", "ev", &a, 1);
    ck_assert_uint_eq(sim_evlog_count(log), 1);
    ck_assert_uint_gt(sim_evlog_bytes(log), 0);
    ck_assert_uint_le(sim_evlog_bytes(log), 200000);
    char big[100000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    a = SIM_EVS("msg", big);
    sim_evlog_emit(log, 2, "src", "ev", &a, 1);
    ck_assert_uint_eq(sim_evlog_count(log), 1);
    ck_assert_str_eq(sim_evlog_error(log), "the event log limit of 200000 bytes was reached");
    ck_assert_uint_le(sim_evlog_bytes(log), 200000);
    /* the log stays a prefix of the events: nothing after a drop */
    a = SIM_EVS("msg", "small");
    sim_evlog_emit(log, 3, "src", "ev", &a, 1);
    ck_assert_uint_eq(sim_evlog_count(log), 1);
    sim_evlog_free(log);
}
END_TEST

/* ---- 4. nothing observable depends on addresses or the hash seed ------- */

START_TEST(next_has_the_defined_order)
{
    PASSES("next",
        "local t = { zeta = 1, alpha = 2, [3] = 'c', [1] = 'a', mid = 3, [2.5] = 'x', [true] = 'y',\n"
        "            [false] = 'n', [-1] = 'm', b = 1, c = 2, d = 3, e = 4, f = 5, g = 6 }\n"
        "local a, b = {}, {}\n"
        "local k = next(t)\n"
        "while k ~= nil do a[#a + 1] = tostring(k) k = next(t, k) end\n"
        "for k in pairs(t) do b[#b + 1] = tostring(k) end\n"
        "local want = '-1,1,2.5,3,alpha,b,c,d,e,f,g,mid,zeta,false,true'\n"
        "assert(table.concat(a, ',') == want, table.concat(a, ','))\n"
        "assert(table.concat(b, ',') == want, table.concat(b, ','))\n"
        "assert(next({}) == nil and select('#', next({})) == 1)\n"
        "local f, s, i = pairs(t)\n"
        "assert(f == next and s == t and i == nil)\n"
        /* clearing fields while traversing, as Lua allows */
        "local n = 0\n"
        "for k in pairs(t) do t[k] = nil n = n + 1 end\n"
        "assert(n == 15 and next(t) == nil)\n"
        /* a key cleared, then a new traversal: the old one goes on */
        "local u = { a = 1, b = 2, c = 3 }\n"
        "assert(next(u, 'a') == 'b')\n"
        "u.b = nil\n"
        "assert(next(u) == 'a' and next(u, 'b') == 'c' and next(u, 'c') == nil)\n"
        "local ok, e = pcall(next, { [{}] = 1 })\n"
        "assert(not ok and e:find('next: a key of type table has no deterministic order'), e)\n");
    fx_errors_with("badnext", "next({ [print] = 1 })\n",
                (const char *const[]){ "badnext.lua:1: next: a key of type function", NULL });
}
END_TEST

START_TEST(no_addresses)
{
    PASSES("addr",
        "local h = net.host { name = 'h' }\n"
        "local named = setmetatable({}, { __name = 'Thing' })\n"
        "local shown = setmetatable({}, { __tostring = function() return 'mine' end })\n"
        "local function eq(a, b) assert(a == b, tostring(a) .. ' ~= ' .. tostring(b)) end\n"
        "eq(string.format('%p', {}), 'table')\n"
        "eq(string.format('%p|%p|%p', print, h, named), 'function|Host|Thing')\n"
        "eq(string.format('%8p|%-8p|', {}, {}), '   table|table   |')\n"
        "eq(string.format('%p %p %p', 'str', 1, nil), 'string (null) (null)')\n"
        "eq(string.format('%s %s %s %s', {}, print, h, named), 'table function Host Thing')\n"
        "eq(string.format('%s %10s %%p %d', shown, {}, 3), 'mine      table %p 3')\n"
        "eq(('%p'):format(shown), 'table')\n"
        "eq(tostring(named), 'Thing')\n"
        "print({}, print, h, named, shown)\n"
        "local ok, e = pcall(error, {})\n"
        "eq(tostring(e), 'table')\n");
    char path[512], line[512];
    snprintf(path, sizeof path, "%s/out/addr/log.txt", fx_dir);
    FILE *f = fopen(path, "r");
    ck_assert(f);
    ck_assert(fgets(line, sizeof line, f));
    fclose(f);
    ck_assert_str_eq(line, "[0.000000000] table\tfunction\tHost\tThing\tmine\n");
}
END_TEST

static char *first_line_with(const char *name, const char *needle)
{
    char *ev = events_of(name), *p = strstr(ev, needle);
    ck_assert_msg(p, "%s", ev);
    while (p > ev && p[-1] != '\n')
        p--;
    char *line = strndup(p, strcspn(p, "\n"));
    free(ev);
    return line;
}

START_TEST(sort_ties_do_not_follow_the_cpu_clock)
{
    /* After an unbalanced partition Lua's table.sort seeds its pivots
     * from clock(); two runs in one process use different CPU times */
    static const char *const lua =
        "local r = {}\n"
        "for i = 1, 1000 do r[i] = { v = 10 + i % 3, id = i } end\n"
        "r[1].v, r[500].v, r[1000].v = 1, 2, 3\n"
        "table.sort(r, function(a, b) return a.v < b.v end)\n"
        "local ids = {}\n"
        "for i = 1, 1000 do ids[i] = r[i].id end\n"
        "sim.event('order', { ids = table.concat(ids, ',') })\n";
    PASSES("ties", lua);
    char *a = first_line_with("ties", "\"order\"");
    PASSES("ties", lua);
    char *b = first_line_with("ties", "\"order\"");
    ck_assert_msg(strcmp(a, b) == 0, "two runs sorted ties differently:\n%.200s\n%.200s", a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(event_argument_errors_in_key_order)
{
    /* the argument named is the first bad one in byte order, whatever
     * order next() would have visited them in */
    fx_errors_with("evargs", "sim.event('x', { zz = print, aa = print, mm = print, b = 1 })\n",
                (const char *const[]){ "evargs.lua:1: sim.event: argument 'aa':", NULL });
    /* json.encode names the first bad key type in byte order */
    fx_errors_with("jsonkeys", "local t = {}\n"
                            "for i = 1, 8 do t[{}] = i t[function() end] = i t[true] = i end\n"
                            "json.encode(t)\n",
                (const char *const[]){ "jsonkeys.lua:3: json.encode: key of type boolean", NULL });
}
END_TEST

static Suite *sandbox_suite(void)
{
    Suite *s = suite_create("sandbox");
    TCase *t = tcase_create("bounds");
    tcase_add_checked_fixture(t, fx_setup, fx_teardown);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, c_library_loops_are_bounded);
    tcase_add_test(t, c_library_still_works);
    tcase_add_test(t, limits_are_sticky);
    tcase_add_test(t, c_side_is_bounded);
    tcase_add_test(t, kernel_refuses_instead_of_aborting);
    tcase_add_test(t, event_log_refuses_instead_of_aborting);
    tcase_add_test(t, out_of_memory_is_an_error);
    tcase_add_test(t, command_out_of_memory_says_so);
    suite_add_tcase(s, t);
    /* a second each; before the fix the first case never ended */
    t = tcase_create("finalizers");
    tcase_add_checked_fixture(t, fx_setup, fx_teardown);
    tcase_set_timeout(t, 20);
    tcase_add_test(t, finalizers_are_bounded);
    suite_add_tcase(s, t);
    t = tcase_create("observables");
    tcase_add_checked_fixture(t, fx_setup, fx_teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, next_has_the_defined_order);
    tcase_add_test(t, no_addresses);
    tcase_add_test(t, event_argument_errors_in_key_order);
    tcase_add_test(t, sort_ties_do_not_follow_the_cpu_clock);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sandbox_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
