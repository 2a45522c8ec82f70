/*
 * test_lifetime.c - the life of what a scenario sees (issue 8): objects
 * used after the scenario is over (finalizers while the Lua state closes),
 * objects that went away (a closed socket), the phases of a run (nothing
 * changes the simulation while the expectations are checked), out of
 * memory as an error, and input refused rather than truncated or guessed.
 *
 * Run under `make asan` too: before the fixes several of these read freed
 * memory, which only the sanitizer (or a crash) shows.
 */
#include <check.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "lua/scenario.h"


/* The run's text log (print() lines), malloc'd. */
static char *text_log(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/out/%s/log.txt", fx_dir, name);
    FILE *f = fopen(path, "r");
    ck_assert(f);
    char *buf = NULL;
    size_t len = 0;
    ck_assert(getdelim(&buf, &len, '\0', f) >= 0);
    fclose(f);
    return buf;
}

#define LOG_HAS(log, s) ck_assert_msg(strstr((log), (s)), "expected '%s' in the log: %s", (s), (log))

/* One object of every type, named so that a test can reach each. */
static const char *const WORLD =
    "local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/24', link = { latency = 0.01 } }\n"
    "local a = net.host { name = 'a' }\n"
    "local ea = a:interface { name = 'eth0', subnet = lan, address = '10.0.0.1' }\n"
    "local b = net.host { name = 'b' }\n"
    "b:interface { name = 'eth0', subnet = lan, address = '10.0.0.2' }\n"
    "local srv = net.host { name = 'srv' }\n"
    "srv:interface { name = 'eth0', subnet = lan, address = '10.0.0.9' }\n"
    "local wan = net.subnet { name = 'wan', prefix = '192.0.2.0/24' }\n"
    "local nat = net.nat { name = 'nat', outside = wan, address = '192.0.2.1' }\n"
    "local fw = net.firewall { name = 'fw', subnet = wan, allow = {} }\n"
    "local sb = b:udp { port = 9 }\n"
    "sb.onreceive = function(d) sim.event('got', { data = d }) end\n"
    "local sa = a:udp {}\n"
    "local cap = net.capture(ea)\n"
    "local ca, cb = net.channel { a, b }\n"
    "local stun_srv = net.stun_server { host = srv }\n"
    "local turn = net.turn_server { host = srv, port = 3479, users = { u = 'p' } }\n"
    "local rs = a:RTCSocket()\n"
    "local conn = RTCConnection(rs)\n"
    "local link = ea.link\n"
    "local objects = { Subnet = lan, Host = a, Interface = ea, Link = link, Socket = sa,\n"
    "  Capture = cap, ChannelEnd = ca, NAT = nat, Firewall = fw, StunServer = stun_srv,\n"
    "  TurnServer = turn, RTCSocket = rs, RTCConnection = conn }\n";

static char *with_world(const char *body)
{
    char *s;
    ck_assert(asprintf(&s, "%s%s", WORLD, body) > 0);
    return s;
}

/* Item 1: finalizers run while the Lua state closes, after the run. Each
 * touches an object: a field, a method, a capture's count. Before the fix
 * the C records were freed first (a read of freed memory: ASan, or a
 * crash). Now every use is refused with the phase in the message. */
START_TEST(finalizers_after_the_scenario)
{
    sim_result_t r;
    char *lua = with_world(
        "keep = {}    -- a global: the finalizers run when the state closes, not before\n"
        "local function touch(what, f)\n"
        "  keep[#keep + 1] = setmetatable({}, { __gc = function()\n"
        "    local ok, err = pcall(f)\n"
        "    print('gc', what, ok, err)\n"
        "  end })\n"
        "end\n"
        "touch('id', function() return conn.id end)\n"
        "touch('connect', function() conn:connect() end)\n"
        "touch('count', function() return cap.count end)\n"
        "touch('send', function() sa:send('10.0.0.2', 9, 'late') end)\n"
        "touch('stats', function() return rs:stats() end)\n"
        "touch('host', function() return a.name end)\n"
        "touch('link', function() return link:stats('up') end)\n"
        "touch('nat', function() return nat:stats() end)\n"
        "touch('fw', function() return fw.name end)\n"
        "touch('stun', function() return stun_srv:stats() end)\n"
        "touch('turn', function() return turn:stats() end)\n"
        "touch('chan', function() ca:send('x') end)\n"
        "touch('run', function() sim.run() end)\n"
        "touch('iface', function() return ea.address end)\n"
        "touch('subnet', function() return lan.name end)\n"
        "sim.at(1, function() sa:send('10.0.0.2', 9, 'hi') end)\n"
        "expect.event { name = 'got', count = 1 }\n");
    ck_assert_int_eq(fx_run("gc", lua, &r), SIM_PASS);
    char *log = text_log("gc");
    LOG_HAS(log, "gc\tid\tfalse\t");
    LOG_HAS(log, "RTCConnection: the scenario is over: objects can no longer be used");
    LOG_HAS(log, "gc\tconnect\tfalse\t");
    LOG_HAS(log, "gc\tcount\tfalse\t");
    LOG_HAS(log, "Capture: the scenario is over");
    LOG_HAS(log, "gc\tsend\tfalse\t");
    LOG_HAS(log, "Socket: the scenario is over");
    LOG_HAS(log, "RTCSocket: the scenario is over");
    LOG_HAS(log, "Host: the scenario is over");
    LOG_HAS(log, "Link: the scenario is over");
    LOG_HAS(log, "NAT: the scenario is over");
    LOG_HAS(log, "Firewall: the scenario is over");
    LOG_HAS(log, "StunServer: the scenario is over");
    LOG_HAS(log, "TurnServer: the scenario is over");
    LOG_HAS(log, "ChannelEnd: the scenario is over");
    LOG_HAS(log, "Interface: the scenario is over");
    LOG_HAS(log, "Subnet: the scenario is over");
    LOG_HAS(log, "sim.run: the scenario is over");
    ck_assert_ptr_null(strstr(log, "\ttrue"));
    free(log);
    sim_result_clear(&r);
    free(lua);
}
END_TEST

/* Every type refuses the same way, found from the table of objects: a
 * type added to WORLD but not to the handles shows here. */
START_TEST(every_type_refuses_when_over)
{
    sim_result_t r;
    char *lua = with_world(
        "keep = {}\n"
        "for name, o in pairs(objects) do\n"
        "  keep[#keep + 1] = setmetatable({}, { __gc = function()\n"
        "    local ok, err = pcall(function() return o.name end)\n"
        "    print('gc', name, ok, err)\n"
        "  end })\n"
        "end\n");
    ck_assert_int_eq(fx_run("types", lua, &r), SIM_PASS);
    char *log = text_log("types");
    static const char *const types[] = { "Subnet", "Host", "Interface", "Link", "Socket", "Capture",
                                         "ChannelEnd", "NAT", "Firewall", "StunServer", "TurnServer",
                                         "RTCSocket", "RTCConnection" };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "gc\t%s\tfalse\t", types[i]);
        LOG_HAS(log, want);
        snprintf(want, sizeof want, "%s: the scenario is over: objects can no longer be used",
                 types[i]);
        LOG_HAS(log, want);
    }
    free(log);
    sim_result_clear(&r);
    free(lua);
}
END_TEST

/* A closed socket: its record is gone and its userdata says so. */
START_TEST(closed_socket_refuses)
{
    sim_result_t r;
    char *lua = with_world(
        "sa:close()\n"
        "local ok, err = pcall(function() sa:send('10.0.0.2', 9, 'x') end)\n"
        "assert(not ok)\n"
        "print('send', err)\n"
        "ok, err = pcall(function() return sa.port end)\n"
        "assert(not ok)\n"
        "print('port', err)\n"
        "ok, err = pcall(function() sa:close() end)\n"
        "print('again', err)\n"
        "ok, err = pcall(function() sa.onreceive = print end)\n"
        "print('handler', err)\n"
        "ok, err = pcall(function() a.name = 'x' end)\n"
        "print('readonly', err)\n"
        "-- the address of the freed record may come back for a new socket\n"
        "local s2 = a:udp {}\n"
        "assert(s2 ~= sa and s2.port)\n"
        "assert(a == ea.host and ea.link == link, 'one userdata per object')\n");
    ck_assert_int_eq(fx_run("closed", lua, &r), SIM_PASS);
    char *log = text_log("closed");
    LOG_HAS(log, "send\t");
    LOG_HAS(log, "closed.lua:25: Socket a:49152 is closed");
    LOG_HAS(log, "closed.lua:28: Socket a:49152 is closed");
    LOG_HAS(log, "closed.lua:31: Socket a:49152 is closed");
    LOG_HAS(log, "closed.lua:33: Socket a:49152 is closed");
    LOG_HAS(log, "cannot set field 'name': Host objects are read-only");
    free(log);
    sim_result_clear(&r);
    free(lua);
}
END_TEST

/* Items 1 and 2: a measure function that changes the simulation while the
 * expectations are checked. Before the fix: sending wrote into the freed
 * capture, sim.run ran the kernel mid-check (and changed the event log).
 * Now each is an error of that measure, naming the phase. */
START_TEST(check_phase_refuses_changes)
{
    static const struct {
        const char *body;
        const char *msg;
    } cases[] = {
        { "sa:send('10.0.0.2', 9, 'late')", "socket:send: not allowed while expectations are checked" },
        { "sim.run()", "sim.run: not allowed while expectations are checked" },
        { "sim.run(100)", "sim.run: not allowed while expectations are checked" },
        { "sim.at(5, function() end)", "sim.at: not allowed while expectations are checked" },
        { "sim.after(1, function() end)", "sim.after: not allowed while expectations are checked" },
        { "sim.every(1, function() end)", "sim.every: not allowed while expectations are checked" },
        { "sim.cancel(1)", "sim.cancel: not allowed while expectations are checked" },
        { "sim.event('late')", "sim.event: not allowed while expectations are checked" },
        { "net.host { name = 'late' }", "net.host: not allowed while expectations are checked" },
        { "net.subnet { name = 'l2', prefix = '10.9.0.0/24' }", "net.subnet: not allowed" },
        { "a:interface { name = 'eth1', subnet = lan, address = '10.0.0.7' }", "host:interface: not allowed" },
        { "a:udp {}", "host:udp: not allowed" },
        { "sa:close()", "socket:close: not allowed" },
        { "ea:down()", "interface:down: not allowed" },
        { "ea:up()", "interface:up: not allowed" },
        { "ea:set_address('10.0.0.8')", "interface:set_address: not allowed" },
        { "link:set { latency = 1 }", "link:set: not allowed" },
        { "net.core { latency = 1 }", "net.core: not allowed" },
        { "net.capture(ea, 'late')", "net.capture: not allowed" },
        { "net.channel { a, b }", "net.channel: not allowed" },
        { "ca:send('x')", "send: not allowed while expectations are checked" },
        { "nat:reboot()", "nat:reboot: not allowed" },
        { "net.nat { name = 'n2', outside = wan, address = '192.0.2.5' }", "net.nat: not allowed" },
        { "net.firewall { name = 'f2', subnet = lan, allow = {} }", "net.firewall: not allowed" },
        { "net.stun_server { host = b }", "net.stun_server: not allowed" },
        { "net.turn_server { host = b }", "net.turn_server: not allowed" },
        { "turn:new_nonce()", "turn_server:new_nonce: not allowed" },
        { "a:RTCSocket()", "host:RTCSocket: not allowed" },
        { "RTCConnection(rs)", "RTCConnection: not allowed" },
        { "conn:connect()", "connect: not allowed while expectations are checked" },
        { "conn:update()", "update: not allowed" },
        { "conn:setRemoteDescription(conn:getLocalDescription())", "setRemoteDescription: not allowed" },
        { "expect.event { name = 'x' }", "expect.event: not allowed" },
        { "expect.never { name = 'x' }", "expect.never: not allowed" },
        { "expect.measure { 'x', 1 }", "expect.measure: not allowed" },
        { "scenario { name = 'late' }", "scenario: not allowed" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body,
                 "sim.at(1, function() sa:send('10.0.0.2', 9, 'hi') end)\n"
                 "expect.measure { 'late', function() %s; return 0 end }\n"
                 "expect.event { name = 'got', count = 1 }\n"
                 "expect.measure { 'capture', function() return cap.count end, min = 1, max = 1 }\n",
                 cases[i].body);
        char *lua = with_world(body);
        sim_result_t r;
        ck_assert_msg(fx_run("check", lua, &r) == SIM_ERROR, "%s: not refused", cases[i].body);
        HAS(r, cases[i].msg);
        /* what follows the refused measure still sees the run as it was */
        ck_assert_msg(strstr(r.notes, "measure capture = 1 "), "%s: %s", cases[i].body, r.notes);
        ck_assert_msg(!strstr(r.messages, "expected exactly 1 event"), "%s: %s", cases[i].body,
                      r.messages);
        sim_result_clear(&r);
        free(lua);
    }
}
END_TEST

/* Reading stays allowed while the expectations are checked, and print
 * goes to the text log only: the event log the expectations read does not
 * change under them. */
START_TEST(check_phase_reads)
{
    sim_result_t r;
    char *lua = with_world(
        "sim.at(1, function() sa:send('10.0.0.2', 9, 'hi') end)\n"
        "expect.measure { 'reads', function()\n"
        "  print('checking', a.name, ea.address, link:stats('up').sent, nat:stats().out,\n"
        "        fw:stats()['in'], stun_srv:stats().answered, turn:stats().allocations,\n"
        "        conn.id ~= nil, conn:getLocalDescription().usefrag ~= nil, rs:stats() ~= nil,\n"
        "        sa.port, sim.now())\n"
        "  return cap.count end, min = 1, max = 1 }\n"
        "expect.never { src = 'scenario', name = 'log' }\n");
    ck_assert_int_eq(fx_run("reads", lua, &r), SIM_PASS);
    char *log = text_log("reads");
    LOG_HAS(log, "checking\ta\t10.0.0.1\t1\t0\t0\t0\t0\ttrue\ttrue\ttrue\t49152\t1.02");
    free(log);
    sim_result_clear(&r);
    free(lua);
}
END_TEST

/* sim.run from the main chunk is the build phase running the kernel: a
 * callback inside it may not run it again, and after it the main chunk
 * goes on building. */
START_TEST(run_from_main_chunk)
{
    sim_result_t r;
    char *lua = with_world(
        "sim.at(1, function()\n"
        "  local ok, err = pcall(sim.run)\n"
        "  sim.event('inner', { ok = ok, err = err })\n"
        "end)\n"
        "sim.run(2)\n"
        "net.host { name = 'after' }\n"
        "expect.event { name = 'inner', args = { ok = false,\n"
        "  err = 'sim.run: cannot run the simulation from inside a callback' } }\n");
    ck_assert_int_eq(fx_run("runmain", lua, &r), SIM_PASS);
    sim_result_clear(&r);
    free(lua);
}
END_TEST

/* Item 4: input refused, not truncated or guessed. Each case is the main
 * chunk after WORLD; the run must stop with an error that says what. */
typedef struct {
    const char *body;
    const char *says;
} bad_case_t;

static const char *const CAND =
    "local function cand(t)\n"
    "  local c = { ['connection-id'] = conn.id, foundation = 'f', component = 1, transport = 'udp',\n"
    "              priority = 1, connectionAddress = '10.0.0.2', connectionPort = 7, type = 'host' }\n"
    "  for k, v in pairs(t) do c[k] = v end\n"
    "  return c\n"
    "end\n";

/* Every case is run, and each one that is not refused as it should be is
 * named: one failing case does not hide the next. */
static void expect_errors(const bad_case_t *cases, size_t n)
{
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) {
        char *body;
        ck_assert(asprintf(&body, "%s%s", CAND, cases[i].body) > 0);
        char *lua = with_world(body);
        sim_result_t r;
        sim_verdict_t v = fx_run("bad", lua, &r);
        const char *m = r.messages ? r.messages : "(none)";
        if (v != SIM_ERROR || !strstr(m, cases[i].says) || !strstr(m, "bad.lua:")) {
            fprintf(stderr, "case %zu: %s  wanted '%s', got verdict %d: %s\n", i, cases[i].body,
                    cases[i].says, (int)v, m);
            wrong++;
        }
        sim_result_clear(&r);
        free(lua);
        free(body);
    }
    ck_assert_msg(wrong == 0, "%zu of %zu cases not refused as they should be", wrong, n);
}

START_TEST(embedded_nul_refused)
{
    static const bad_case_t cases[] = {
        { "conn:setRemoteCandidate(cand { connectionAddress = '10.0.0.2\\0junk' })\n",
          "RTCIceCandidateDescription: field 'connectionAddress' holds a NUL byte (at byte 8)" },
        { "conn:setRemoteCandidate(cand { foundation = 'f\\0g' })\n",
          "field 'foundation' holds a NUL byte" },
        { "RTCConnection(rs, { ['connection-id'] = 'x', usefrag = 'abcd\\0efgh', secret = string.rep('s', 22) })\n",
          "RTCConnectionDescription: field 'usefrag' holds a NUL byte" },
        { "a:RTCSocket({ { url = 'stun:10.0.0.9\\0:99' } })\n",
          "RTCSocket: iceServers[1].url[1] holds a NUL byte" },
        { "a:RTCSocket({ { url = { 'stun:10.0.0.9', 'turn:u@10.0.0.9\\0' }, credential = 'p' } })\n",
          "RTCSocket: iceServers[1].url[2] holds a NUL byte" },
        { "a:RTCSocket({ { url = 'turn:u@10.0.0.9:3479', credential = 'p\\0q' } })\n",
          "iceServers[1].credential holds a NUL byte" },
        { "expect.event { name = 'got\\0x' }\n", "name holds a NUL byte" },
        { "expect.never { src = 'a\\0' }\n", "src holds a NUL byte" },
        { "sim.event('got\\0x')\n", "sim.event: the name holds a NUL byte" },
        { "net.host { name = 'h\\0x' }\n", "field 'name' holds a NUL byte" },
        { "net.capture(ea, 'c\\0x')\n", "net.capture: the name holds a NUL byte" },
        { "sa:send('10.0.0.2\\0', 9, 'x')\n", "send: the address holds a NUL byte" },
        { "net.firewall { name = 'f2', subnet = lan, allow = { '10.0.0.1\\0' } }\n",
          "net.firewall 'f2': allow[1] holds a NUL byte" },
        { "stun.request { username = 'a\\0b' }\n", "stun.request: username holds a NUL byte" },
        { "expect.measure { 'm\\0x', 1 }\n", "expect.measure: the name holds a NUL byte" },
        { "net.nat { name = 'n2', outside = wan, address = '192.0.2.7', mapping = 'endpoint-independent\\0' }\n",
          "net.nat: mapping holds a NUL byte" },
        { "net.stun_server { host = b, address = '10.0.0.2\\0' }\n",
          "net.stun_server: field 'address' holds a NUL byte" },
        { "require('peers\\0x')\n", "require: the name holds a NUL byte" },
        { "sim.event('e', { ['a\\0b'] = 1 })\n", "sim.event: an argument's key holds a NUL byte" },
        { "expect.event { name = 'got', args = { ['data\\0x'] = 'hi' } }\n",
          "expectation args: a key holds a NUL byte" },
        { "link:stats('up\\0x')\n", "the direction holds a NUL byte" },
        { "local p = sa['port\\0x']\n", "a field name holds a NUL byte" },
        { "conn['onconnected\\0x'] = print\n", "a field name holds a NUL byte" },
        /* a key with a NUL is not the known key it starts with */
        { "net.host { name = 'h2', ['name\\0x'] = 1 }\n", "net.host: unknown field 'name" },
    };
    expect_errors(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* print and sim.log keep every byte: a NUL no longer cuts the line in
 * log.txt or in the log event (which carries it as \u0000). */
START_TEST(print_keeps_every_byte)
{
    sim_result_t r;
    ck_assert_int_eq(fx_run("printnul", "print('a\\0b', 1)\n"
                                     "sim.log('c\\0d')\n"
                                     "expect.event { name = 'log', args = { msg = 'a\\0b\\t1' }, count = 1 }\n"
                                     "expect.event { name = 'log', args = { msg = 'c\\0d' }, count = 1 }\n",
                     &r), SIM_PASS);
    sim_result_clear(&r);
    char path[512], buf[256];
    snprintf(path, sizeof path, "%s/out/printnul/log.txt", fx_dir);
    FILE *f = fopen(path, "r");
    ck_assert(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ck_assert_ptr_nonnull(memmem(buf, n, "a\0b\t1\n", 6));
    ck_assert_ptr_nonnull(memmem(buf, n, "c\0d\n", 4));
}
END_TEST

START_TEST(numbers_are_numbers)
{
    static const bad_case_t cases[] = {
        { "conn:setRemoteCandidate(cand { connectionPort = '49152' })\n",
          "RTCIceCandidateDescription: field 'connectionPort' must be an integer, got string" },
        { "conn:setRemoteCandidate(cand { component = 1.5 })\n",
          "field 'component' must be an integer, got a fraction" },
        { "conn:setRemoteCandidate(cand { priority = '1' })\n", "field 'priority' must be an integer, got string" },
        { "link:set { latency = '0.01' }\n", "expected a time in seconds (a number), got string" },
        { "link:set { loss = '0.1' }\n", "loss must be a number, got string" },
        { "link:set { mtu = '1500' }\n", "mtu must be a number, got string" },
        { "b:udp { port = '19' }\n", "udp: port must be an integer, got string" },
        { "b:udp { port = 19.5 }\n", "udp: port must be an integer, got a fraction" },
        { "sa:send('10.0.0.2', '9', 'x')\n", "send: the port must be an integer, got string" },
        /* and a number is not a string where bytes or text go */
        { "sa:send('10.0.0.2', 9, 5)\n", "send: the data must be a string, got number" },
        { "stun.parse(5)\n", "stun.parse: the bytes must be a string, got number" },
        { "json.decode(5)\n", "json.decode: the text must be a string, got number" },
        { "net.stun_server { host = b, port = '3478' }\n", "net.stun_server: port must be an integer, got string" },
        { "net.turn_server { host = b, quota = '5' }\n", "net.turn_server: quota (allocations) must be an integer" },
        { "sim.at('1', function() end)\n", "sim.at: expected a time in seconds (a number), got string" },
        { "sim.every(1, function() end, { count = '2' })\n", "sim.every: count must be an integer, got string" },
        { "sim.cancel('1')\n", "sim.cancel: the handle must be an integer, got string" },
        { "expect.event { name = 'got', count = '1' }\n", "expectation count must be an integer, got string" },
        { "expect.measure { 'm', '3' }\n", "the second entry must be a number or a function" },
        { "expect.measure { 'm', 3, min = '1' }\n", "expect.measure.min must be a number, got string" },
        { "net.channel { a, srv, delay = '0.1' }\n", "net.channel delay: expected a time in seconds" },
        { "stun.request { priority = '5' }\n", "stun.request: priority must be an integer, got string" },
        { "net.nat { name = 'n2', outside = wan, address = '192.0.2.7', lifetime = '30' }\n",
          "net.nat lifetime: expected a time in seconds (a number), got string" },
    };
    expect_errors(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* A measure function's result is strict too: "3" is not a measure. */
START_TEST(measure_result_is_a_number)
{
    sim_result_t r;
    char *lua = with_world("expect.measure { 'm', function() return '3' end, min = 3, max = 3 }\n");
    ck_assert_int_eq(fx_run("mstr", lua, &r), SIM_ERROR);
    HAS(r, "measure m: the function did not return a number");
    sim_result_clear(&r);
    free(lua);
}
END_TEST

START_TEST(names_are_unique)
{
    static const bad_case_t cases[] = {
        { "net.nat { name = 'nat', outside = wan, address = '192.0.2.7' }\n",
          "net.nat: the name 'nat' is already used by a NAT" },
        { "net.host { name = 'nat' }\n", "net.host: the name 'nat' is already used by a NAT" },
        { "net.subnet { name = 'a', prefix = '10.5.0.0/24' }\n", "net.subnet: the name 'a' is already used by a host" },
        { "net.firewall { name = 'lan', subnet = lan, allow = {} }\n",
          "net.firewall: the name 'lan' is already used by a subnet" },
        { "net.nat { name = 'fw', outside = wan, address = '192.0.2.7' }\n",
          "net.nat: the name 'fw' is already used by a firewall" },
        { "net.host { name = 'a' }\n", "net.host: the name 'a' is already used by a host" },
        { "net.channel { a, b }\n", "net.channel: hosts 'a' and 'b' already have a channel" },
        /* names with dots that would make a link name twice */
        { "local h = net.host { name = 'a.eth1' }\n"
          "h:interface { name = 'x', subnet = lan, address = '10.0.0.20' }\n"
          "a:interface { name = 'eth1.x', subnet = lan, address = '10.0.0.21' }\n",
          "interface a.eth1.x: its link would be named 'a.eth1.x', as one that exists" },
        { "a:interface { name = 'x.uplink', subnet = lan, address = '10.0.0.21' }\n"
          "net.subnet { name = 'a.x', prefix = '10.7.0.0/24' }\n",
          "net.subnet: its link would be named 'a.x.uplink', as one that exists" },
        { "net.channel { b, a }\n", "net.channel: hosts 'b' and 'a' already have a channel" },
    };
    expect_errors(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(contradictions_refused)
{
    static const bad_case_t cases[] = {
        { "net.nat { name = 'n2', outside = wan, address = '192.0.2.7', type = 'symmetric',\n"
          "          mapping = 'endpoint-independent' }\n",
          "net.nat 'n2': give type or mapping/filtering, not both (type 'symmetric' sets the mapping)" },
        { "net.nat { name = 'n2', outside = wan, address = '192.0.2.7', type = 'full-cone',\n"
          "          filtering = 'address-dependent' }\n",
          "(type 'full-cone' sets the filtering)" },
        { "a:RTCSocket({ { url = {} } })\n", "RTCSocket: iceServers[1].url is an empty list" },
        { "local d = conn:getLocalDescription()\n"
          "RTCConnection(rs, { ['connection-id'] = d['connection-id'], usefrag = 'abcdefghijkl',\n"
          "  secret = string.rep('s', 22), fingerprints = 'x' })\n",
          "RTCConnectionDescription: field 'fingerprints' must be a list, got string" },
        { "conn:setRemoteDescription(conn:getLocalDescription())\n",
          "setRemoteDescription: RTCConnection '" },
        { "conn:setRemoteDescription(conn:getLocalDescription())\n", "was given its own local description" },
        { "a:RTCSocket({ { urls = 'stun:10.0.0.9' } })\n",
          "RTCIceServer: unknown field 'urls' (did you mean 'url'?)" },
        { "link:set { latncy = 1 }\n", "unknown field 'latncy' (did you mean 'latency'?)" },
    };
    expect_errors(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* What is right still goes: a float with no fraction is an integer, the
 * other side's description is taken. */
START_TEST(strict_but_not_picky)
{
    sim_result_t r;
    char *lua = with_world(
        CAND);
    char *body;
    ck_assert(asprintf(&body, "%s%s", lua, "b:udp { port = 19.0 }\n"
                       "local other = RTCConnection(b:RTCSocket(), conn:getLocalDescription())\n"
                       "conn:setRemoteDescription(other:getLocalDescription())\n"
                       "conn:setRemoteCandidate(cand { connectionPort = 7.0 })\n") > 0);
    ck_assert_int_eq(fx_run("fine", body, &r), SIM_PASS);
    sim_result_clear(&r);
    free(body);
    free(lua);
}
END_TEST

/* ---- out of memory ---------------------------------------------------------------- */

/* calloc fails once, the oom_nth one after the scenario opens the capture
 * file oom-arm.pcap: by then the topology is built (whose allocations,
 * other engineers' code, still abort), and what follows in the scenario is
 * the allocation under test. Both are interposed here, in the test binary
 * only, passing everything else on to the next definition (libc's, or the
 * sanitizer's under `make asan`). */
static int oom_nth, oom_countdown, oom_hits;

static void *(*next_calloc)(size_t, size_t);
static FILE *(*next_fopen)(const char *, const char *);

void *calloc(size_t n, size_t size)
{
    if (!next_calloc) {
        static bool looking;
        if (looking)
            return NULL;    /* dlsym's own allocation, should it make one: it copes */
        looking = true;
        next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
        looking = false;
    }
    if (oom_countdown > 0 && --oom_countdown == 0) {
        oom_hits++;
        return NULL;
    }
    return next_calloc(n, size);
}

FILE *fopen(const char *path, const char *mode)
{
    if (!next_fopen)
        next_fopen = (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");
    FILE *f = next_fopen(path, mode);
    size_t len = strlen(path);
    if (len >= 13 && strcmp(path + len - 13, "/oom-arm.pcap") == 0)
        oom_countdown = oom_nth;
    return f;
}

/* Item 3: every allocation of the bindings that used to abort() is now an
 * error of that scenario, naming what could not be allocated. */
START_TEST(out_of_memory_is_an_error)
{
    static const struct {
        int         nth;
        const char *body;
        const char *says;
    } cases[] = {
        { 1, "net.channel { a, srv }", "net.channel: out of memory (channel record)" },
        { 1, "ca:send({ x = 1 })", "send: out of memory (a message in flight)" },
        { 1, "RTCConnection(rs)", "RTCConnection: out of memory (connection record)" },
        { 1, "a:RTCSocket()", "RTCSocket: out of memory (record)" },
        { 1, "b:udp {}", "udp: out of memory (socket record)" },
        { 1, "net.capture(ea, 'second')", "net.capture: out of memory (capture 'second')" },
        { 1, "expect.event { name = 'x' }", "out of memory (an expectation)" },
        { 2, "expect.event { name = 'x' }", "out of memory (an expectation)" },
        { 2, "expect.never { name = 'x' }", "out of memory (an expectation)" },
        { 2, "expect.sequence { { name = 'x' }, { name = 'y' } }", "out of memory (an expectation)" },
        { 1, "expect.measure { 'm', 1 }", "out of memory (an expectation)" },
        { 2, "expect.table { 't', rows = { 'r' }, cols = { 'c' }, expected = { { 'x' } }, measured = {} }",
          "out of memory (an expectation)" },
        { 3, "expect.table { 't', rows = { 'r' }, cols = { 'c' }, expected = { { 'x' } }, measured = {} }",
          "out of memory (an expectation)" },
        { 4, "expect.table { 't', rows = { 'r' }, cols = { 'c' }, expected = { { 'x' } }, measured = {} }",
          "out of memory (an expectation)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body, "net.capture(ea, 'oom-arm')\n%s\n", cases[i].body);
        char *lua = with_world(body);
        sim_result_t r;
        oom_nth = cases[i].nth;
        oom_hits = 0;
        sim_verdict_t v = fx_run("oom", lua, &r);
        oom_nth = oom_countdown = 0;
        ck_assert_msg(oom_hits == 1, "%s: the allocation was not reached", cases[i].body);
        ck_assert_msg(v == SIM_ERROR, "%s: verdict %d", cases[i].body, (int)v);
        HAS(r, cases[i].says);
        HAS(r, "oom.lua:");
        sim_result_clear(&r);
        free(lua);
    }
}
END_TEST

static Suite *lifetime_suite(void)
{
    Suite *s = suite_create("lifetime");
    TCase *t = tcase_create("handles");
    tcase_add_checked_fixture(t, fx_setup, fx_teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, finalizers_after_the_scenario);
    tcase_add_test(t, every_type_refuses_when_over);
    tcase_add_test(t, closed_socket_refuses);
    suite_add_tcase(s, t);
    t = tcase_create("phases");
    tcase_add_checked_fixture(t, fx_setup, fx_teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, check_phase_refuses_changes);
    tcase_add_test(t, check_phase_reads);
    tcase_add_test(t, run_from_main_chunk);
    suite_add_tcase(s, t);
    t = tcase_create("input");
    tcase_add_checked_fixture(t, fx_setup, fx_teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, embedded_nul_refused);
    tcase_add_test(t, print_keeps_every_byte);
    tcase_add_test(t, numbers_are_numbers);
    tcase_add_test(t, measure_result_is_a_number);
    tcase_add_test(t, names_are_unique);
    tcase_add_test(t, contradictions_refused);
    tcase_add_test(t, strict_but_not_picky);
    suite_add_tcase(s, t);
    t = tcase_create("memory");
    tcase_add_checked_fixture(t, fx_setup, fx_teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, out_of_memory_is_an_error);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lifetime_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
