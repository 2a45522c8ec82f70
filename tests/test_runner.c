/*
 * test_runner.c - the scenario runner end to end: expectations that hold
 * and that fail (missing, late, out of order, a wrong golden), errors that
 * stop a scenario (syntax, runtime, topology, limits, bad goldens), the
 * sandbox, and determinism of what a scenario sees.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "lua/scenario.h"


static const char *const TWO_HOSTS =
    "local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/24', link = { latency = 0.01 } }\n"
    "local a = net.host { name = 'a' }\n"
    "local ea = a:interface { name = 'eth0', subnet = lan, address = '10.0.0.1' }\n"
    "local b = net.host { name = 'b' }\n"
    "b:interface { name = 'eth0', subnet = lan, address = '10.0.0.2' }\n"
    "local s = b:udp { port = 9 }\n"
    "s.onreceive = function(d) sim.event('got', { data = d }) end\n"
    "local c = a:udp {}\n";

static char *with_hosts(const char *body)
{
    char *s;
    ck_assert(asprintf(&s, "%s%s", TWO_HOSTS, body) > 0);
    return s;
}

START_TEST(event_expectations_hold)
{
    sim_result_t r;
    char *lua = with_hosts("sim.at(1, function() c:send('10.0.0.2', 9, 'hi') end)\n"
                           "local lc, uc = net.capture(ea.link), net.capture(lan.uplink)\n"
                           "expect.measure { 'link capture', function() return lc.count end, min = 1, max = 1 }\n"
                           "expect.measure { 'uplink capture', function() return uc.count end, min = 0, max = 0 }\n"
                           "expect.event { name = 'got', args = { data = 'hi' }, within = { 1.02, 1.02 } }\n"
                           "expect.event { name = 'got', count = 1 }\n"
                           "expect.never { name = 'drop' }\n");
    ck_assert_int_eq(fx_run("ok", lua, &r), SIM_PASS);
    ck_assert_uint_eq(r.end_time, 1020000000ull);
    sim_result_clear(&r);
    free(lua);
}
END_TEST

START_TEST(missing_event_fails)
{
    sim_result_t r;
    char *lua = with_hosts("sim.at(1, function() c:send('10.0.0.2', 9, 'hi') end)\n"
                           "expect.event { name = 'got', args = { data = 'bye' } }\n");
    ck_assert_int_eq(fx_run("missing", lua, &r), SIM_FAIL);
    HAS(r, "missing.lua:10:");
    HAS(r, "expected at least 1 event got {data=\"bye\"}");
    HAS(r, "found 0");
    sim_result_clear(&r);
    free(lua);
}
END_TEST

START_TEST(late_event_fails)
{
    sim_result_t r;
    char *lua = with_hosts("sim.at(1, function() c:send('10.0.0.2', 9, 'hi') end)\n"
                           "expect.event { name = 'got', within = { 0, 1.01 } }\n");
    ck_assert_int_eq(fx_run("late", lua, &r), SIM_FAIL);
    HAS(r, "within [0.000000000, 1.010000000] s, found 0; 1 outside the window, the first at 1.020000000 s");
    sim_result_clear(&r);
    free(lua);
}
END_TEST

START_TEST(never_and_sequence_fail)
{
    sim_result_t r;
    char *lua = with_hosts("sim.at(1, function() c:send('10.0.0.2', 9, 'one') end)\n"
                           "sim.at(2, function() c:send('10.0.0.2', 9, 'two') end)\n"
                           "sim.at(3, function() c:send('10.0.0.2', 10, 'x') end)\n"
                           "expect.never { name = 'drop', args = { reason = 'no-listener' } }\n"
                           "expect.sequence { { name = 'got', args = { data = 'two' } },\n"
                           "                  { name = 'got', args = { data = 'one' } } }\n"
                           "expect.sequence { { name = 'got', args = { data = 'one' } },\n"
                           "                  { name = 'got', args = { data = 'two' } } }\n");
    ck_assert_int_eq(fx_run("order", lua, &r), SIM_FAIL);
    HAS(r, "expected no event drop {reason=\"no-listener\"} at any time, but 1 occurred, the first at 3.020000000 s");
    HAS(r, "sequence step 2 of 2: no event got {data=\"one\"} at any time after step 1 (at 2.020000000 s)");
    /* the sequence that holds does not appear */
    ck_assert_ptr_null(strstr(r.messages, "order.lua:16:"));
    sim_result_clear(&r);
    free(lua);
}
END_TEST

START_TEST(measure_expectations)
{
    sim_result_t r;
    ck_assert_int_eq(fx_run("m", "local x = 3\n"
                              "expect.measure { 'x', function() return x end, min = 4, max = 5 }\n"
                              "expect.measure { 'y', 2, min = 1, max = 3 }\n", &r), SIM_FAIL);
    HAS(r, "m.lua:2: measure x = 3, expected within [4, 5]");
    ck_assert_ptr_null(strstr(r.messages, "measure y"));
    ck_assert(strstr(r.notes, "measure y = 2"));
    sim_result_clear(&r);
    /* Reports and the summary over seeds key measures and tables by name:
     * a second of one name is refused (D33), not merged or dropped. */
    ck_assert_int_eq(fx_run("m2", "expect.measure { 'x', 1 }\n"
                               "expect.table { 'x', rows = { 'r' }, cols = { 'c' },\n"
                               "               expected = { { 'a' } }, measured = { { 'a' } } }\n"
                               "expect.measure { 'x', 2 }\n", &r), SIM_ERROR);
    HAS(r, "m2.lua:4: expect.measure: a measure named 'x' was already stated at ");
    HAS(r, "m2.lua:1\n");
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("t3", "local t = { 't', rows = { 'r' }, cols = { 'c' },\n"
                               "            expected = { { 'a' } }, measured = { { 'a' } } }\n"
                               "expect.table(t)\nexpect.table(t)\n", &r), SIM_ERROR);
    HAS(r, "t3.lua:4: expect.table: a table named 't' was already stated at ");
    sim_result_clear(&r);
    /* a function that raises a value with no text says what it raised,
     * not "(null)" */
    ck_assert_int_eq(fx_run("m3", "expect.measure { 'x', function() error({}) end }\n"
                               "expect.measure { 'y', function() error() end }\n"
                               "expect.table { 't', rows = { 'r' }, cols = { 'c' }, expected = { { 'a' } },\n"
                               "               measured = function() error(true) end }\n", &r), SIM_ERROR);
    HAS(r, "m3.lua:1: measure x: (error object is a table value)");
    HAS(r, "m3.lua:2: measure y: (error object is a nil value)");
    HAS(r, "m3.lua:3: table t: (error object is a boolean value)");
    ck_assert_ptr_null(strstr(r.messages, "(null)"));
    sim_result_clear(&r);
}
END_TEST

START_TEST(table_expectations)
{
    sim_result_t r;
    static const char *const T =
        "local m = { { 'a', 'b' }, { 'c' } }\n"
        "expect.table { 't', rows = { 'r1', 'r2' }, cols = { 'x', 'y' },\n"
        "               expected = { { 'a', 'b' }, { 'c', EXP } }, measured = function() return m end }\n";
    char *lua;
    /* a missing cell reads "-" */
    ck_assert(asprintf(&lua, "EXP = '-'\n%s", T) > 0);
    ck_assert_int_eq(fx_run("t1", lua, &r), SIM_PASS);
    ck_assert(strstr(r.notes, "table t (rows by columns"));
    ck_assert(strstr(r.notes, "r2        c  -\n"));
    sim_result_clear(&r);
    free(lua);
    ck_assert(asprintf(&lua, "EXP = 'd'\n%s", T) > 0);
    ck_assert_int_eq(fx_run("t2", lua, &r), SIM_FAIL);
    HAS(r, "t2.lua:3: table t: 1 of 4 cells differ");
    HAS(r, "row r2, column y: expected d, measured -");
    ck_assert(strstr(r.notes, "r2        c  -*\n"));
    sim_result_clear(&r);
    free(lua);
    static const char *const bad[][2] = {
        { "expect.table { 't', rows = { 'r' }, cols = { 'c' }, expected = { { 'a', 'b' } }, measured = {} }",
          "expected[1] (row 'r') must list 1 cells" },
        { "expect.table { 't', rows = {}, cols = { 'c' }, expected = {}, measured = {} }",
          "field 'rows' is empty" },
        { "expect.table { 't', rows = { 'r' }, cols = { 'c' }, expected = { { 1 } }, measured = {} }",
          "expected[1][1] (row 'r', column 'c') must be a string" },
        { "expect.table { 't', rows = { 'r' }, cols = { 'c' }, expected = { { 'a' } }, measured = 3 }",
          "'measured' must be a table of rows, or a function returning one" },
        { "expect.table { 't', rows = { 'r' }, cols = { 'c' }, expected = { { 'a' } }, measured = function() return 3 end }",
          "table t: the measured table is a number, not a table of rows" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(fx_run("tb", bad[i][0], &r), SIM_ERROR);
        HAS(r, bad[i][1]);
        sim_result_clear(&r);
    }
}
END_TEST

static const char *const CAPTURED =
    "local cap = net.capture(ea)\n"
    "sim.at(1, function() c:send('10.0.0.2', 9, PAYLOAD) end)\n"
    "sim.at(2, function() c:send('10.0.0.2', 9, 'second') end)\n"
    "expect.capture { cap, golden = 'sub/x.pcap' }\n";

static char *captured(const char *payload)
{
    char *s;
    ck_assert(asprintf(&s, "PAYLOAD = '%s'\n%s%s", payload, TWO_HOSTS, CAPTURED) > 0);
    return s;
}

START_TEST(golden_capture_lifecycle)
{
    sim_result_t r;
    char *good = captured("first"), *bad = captured("firsT");
    /* no golden yet: an error that says how to make one */
    ck_assert_int_eq(fx_run("cap", good, &r), SIM_ERROR);
    HAS(r, "does not exist; create it from this run with `rtcsim run --update-captures");
    sim_result_clear(&r);
    /* on purpose: --update-captures writes it */
    sim_run_opts_t up = { .update_captures = true };
    ck_assert_int_eq(fx_run_opts("cap", good, &up, &r), SIM_PASS);
    ck_assert(strstr(r.notes, "updated golden"));
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("cap", good, &r), SIM_PASS);
    sim_result_clear(&r);
    /* a different payload: fails at packet 1, with both summaries */
    ck_assert_int_eq(fx_run("cap", bad, &r), SIM_FAIL);
    HAS(r, "capture a.eth0 differs from golden");
    HAS(r, "at packet 1");
    HAS(r, "'first'");
    HAS(r, "'firsT'");
    sim_result_clear(&r);
    /* a truncated golden is an error naming the file */
    char g[512];
    snprintf(g, sizeof g, "%s/captures/sub/x.pcap", fx_dir);
    struct stat st;
    ck_assert_int_eq(stat(g, &st), 0);
    ck_assert_int_eq(truncate(g, st.st_size - 3), 0);
    ck_assert_int_eq(fx_run("cap", good, &r), SIM_ERROR);
    HAS(r, "x.pcap");
    sim_result_clear(&r);
    /* not a pcap at all */
    FILE *f = fopen(g, "w");
    fputs("this is not a capture\n", f);
    fclose(f);
    ck_assert_int_eq(fx_run("cap", good, &r), SIM_ERROR);
    HAS(r, "x.pcap");
    sim_result_clear(&r);
    free(good);
    free(bad);
}
END_TEST

START_TEST(script_errors_name_file_and_line)
{
    sim_result_t r;
    ck_assert_int_eq(fx_run("syntax", "local x = \nfunction(", &r), SIM_ERROR);
    HAS(r, "syntax.lua:2:");
    sim_result_clear(&r);
    char *lua = with_hosts("sim.at(1, function()\n  local t = nil\n  return t.x\nend)\n");
    ck_assert_int_eq(fx_run("runtime", lua, &r), SIM_ERROR);
    HAS(r, "runtime.lua:11: attempt to index a nil value");
    sim_result_clear(&r);
    free(lua);
    lua = with_hosts("local z = net.host { name = 'z' }\n"
                     "z:interface { name = 'eth0', subnet = lan, address = '10.0.0.1' }\n");
    ck_assert_int_eq(fx_run("clash", lua, &r), SIM_ERROR);
    HAS(r, "clash.lua:10: interface z.eth0: address 10.0.0.1 is already used by a.eth0");
    sim_result_clear(&r);
    free(lua);
    ck_assert_int_eq(fx_run("subnet", "net.subnet { name = 'x', prefix = '10.0.0.0/24' }\n"
                                   "net.subnet { name = 'y', prefix = '10.0.0.0/16' }\n", &r),
                     SIM_ERROR);
    HAS(r, "subnet.lua:2: net.subnet: subnet 'y' (10.0.0.0/16) overlaps subnet 'x'");
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("unknown", "net.subnet { name = 'x', prefix = '10.0.0.0/24',\n"
                                    "  link = { latncy = 1 } }\n", &r), SIM_ERROR);
    HAS(r, "unknown.lua:1: net.subnet 'x' link: unknown field 'latncy'");
    sim_result_clear(&r);
    lua = with_hosts("local z = net.host { name = 'z' }\nz:interface { name = 'eth0', subnet = 'nope', address = '10.9.0.1' }\n");
    ck_assert_int_eq(fx_run("nosubnet", lua, &r), SIM_ERROR);
    HAS(r, "nosubnet.lua:10: interface z.eth0: unknown subnet 'nope'");
    sim_result_clear(&r);
    free(lua);
    lua = with_hosts("b:udp { port = 9 }\n");
    ck_assert_int_eq(fx_run("port", lua, &r), SIM_ERROR);
    HAS(r, "port.lua:9: udp: host 'b': UDP port 9 is already in use");
    sim_result_clear(&r);
    free(lua);
    ck_assert_int_eq(fx_run("nofile", "", &r), SIM_PASS);  /* an empty scenario is fine */
    sim_result_clear(&r);
    sim_run_opts_t o = { 0 };
    sim_scenario_run("/nonexistent/x.lua", "x", "/tmp/rtcsim-test-runner-none", &o, &r);
    ck_assert_int_eq(r.verdict, SIM_ERROR);
    HAS(r, "/nonexistent/x.lua");
    sim_result_clear(&r);
    system("rm -rf /tmp/rtcsim-test-runner-none");
}
END_TEST

START_TEST(limits)
{
    sim_result_t r;
    ck_assert_int_eq(fx_run("spin", "scenario { instructions = 100000 }\nwhile true do end\n", &r),
                     SIM_ERROR);
    HAS(r, "instruction limit of 100000");
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("forever", "scenario { max_time = 10 }\n"
                                    "sim.every(1, function() end)\n", &r), SIM_ERROR);
    HAS(r, "virtual time limit of 10.000000000 s reached with 1 events pending");
    sim_result_clear(&r);
    /* a duration ends a periodic scenario without error */
    ck_assert_int_eq(fx_run("bounded", "scenario { duration = 10 }\n"
                                    "local n = 0\nsim.every(1, function() n = n + 1 end)\n"
                                    "expect.measure { 'n', function() return n end, min = 10, max = 10 }\n",
                         &r), SIM_PASS);
    ck_assert_uint_eq(r.end_time, 10000000000ull);
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("memory", "local t = {}\nfor i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end\n",
                         &r), SIM_ERROR);
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("late-scenario", "net.host { name = 'a' }\nnet.subnet { name = 'x', prefix = '10.0.0.0/24' }\n"
                                          "scenario { seed = 2 }\n", &r), SIM_ERROR);
    HAS(r, "late-scenario.lua:3: scenario{} must come first");
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("nested", "sim.at(1, function() sim.run(2) end)\n", &r), SIM_ERROR);
    HAS(r, "cannot run the simulation from inside a callback");
    sim_result_clear(&r);
}
END_TEST

START_TEST(sandbox)
{
    sim_result_t r;
    /* require loads plain names from scenarios/lib/ only, once */
    char lib[512];
    snprintf(lib, sizeof lib, "%s/scenarios/lib", fx_dir);
    mkdir(lib, 0777);
    snprintf(lib, sizeof lib, "%s/scenarios/lib/helper.lua", fx_dir);
    FILE *f = fopen(lib, "w");
    fputs("count = (count or 0) + 1\nreturn { twice = function(x) return 2 * x end }\n", f);
    fclose(f);
    ck_assert_int_eq(fx_run("req", "local h = require('helper')\nassert(require('helper') == h and count == 1)\n"
                                "assert(h.twice(21) == 42)\n", &r), SIM_PASS);
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("req-bad", "require('../req')\n", &r), SIM_ERROR);
    HAS(r, "req-bad.lua:1: require: '../req' is not a plain name");
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("req-none", "require('nothere')\n", &r), SIM_ERROR);
    HAS(r, "scenarios/lib/nothere.lua");
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("sandbox",
        "assert(os.execute == nil and io == nil and package == nil)\n"
        "assert(load == nil and loadfile == nil and dofile == nil and debug == nil)\n"
        "assert(os.getenv == nil and os.remove == nil and os.exit == nil)\n"
        "assert(os.time() == 0 and os.clock() == 0)\n"
        "assert(tostring({}) == 'table' and tostring(print) == 'function' and tostring(net.host { name = 'h' }) == 'Host')\n"
        "assert(tostring(setmetatable({}, { __tostring = function() return 'mine' end })) == 'mine' and tostring(1.5) == '1.5')\n"
        "sim.at(90.5, function() assert(os.time() == 90 and os.clock() == 90.5) sim.event('t') end)\n"
        "expect.event { name = 't', within = { 90.5, 90.5 } }\n", &r), SIM_PASS);
    sim_result_clear(&r);
}
END_TEST

static const char *const ORDERS =
    "local t = { zeta = 1, alpha = 2, [3] = 'c', [1] = 'a', mid = 3, [2.5] = 'x', [true] = 'y' }\n"
    "local keys = {}\n"
    "for k in pairs(t) do keys[#keys + 1] = tostring(k) end\n"
    "local draws = {}\n"
    "for i = 1, 5 do draws[i] = math.random(1000000) end\n"
    "sim.event('order', { keys = table.concat(keys, ','), draws = table.concat(draws, ',') })\n";

static char *event_arg(const sim_result_t *r, const char *key)
{
    /* read back events.jsonl of that scenario */
    char path[512], line[4096];
    snprintf(path, sizeof path, "%s/out/%s/events.jsonl", fx_dir, r->id);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f, "%s", path);
    char *res = NULL;
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, key);
        if (p) {
            p += strlen(key) + 3;   /* skip key":" */
            char *e = strchr(p, '"');
            res = strndup(p, (size_t)(e - p));
        }
    }
    fclose(f);
    return res;
}

START_TEST(pairs_sorted_and_random_seeded)
{
    sim_result_t r;
    ck_assert_int_eq(fx_run("orders", ORDERS, &r), SIM_PASS);
    char *keys = event_arg(&r, "keys"), *d1 = event_arg(&r, "draws");
    ck_assert_str_eq(keys, "1,2.5,3,alpha,mid,zeta,true");
    sim_result_clear(&r);
    ck_assert_int_eq(fx_run("orders", ORDERS, &r), SIM_PASS);
    char *d2 = event_arg(&r, "draws");
    ck_assert_str_eq(d1, d2);
    sim_result_clear(&r);
    sim_run_opts_t o = { .seed_set = true, .seed = 99 };
    ck_assert_int_eq(fx_run_opts("orders", ORDERS, &o, &r), SIM_PASS);
    ck_assert_uint_eq(r.seed, 99);
    char *d3 = event_arg(&r, "draws");
    ck_assert_str_ne(d1, d3);
    sim_result_clear(&r);
    free(keys);
    free(d1);
    free(d2);
    free(d3);
    ck_assert_int_eq(fx_run("badpairs", "for k in pairs({ [{}] = 1 }) do end\n", &r), SIM_ERROR);
    HAS(r, "badpairs.lua:1: pairs: a key of type table has no deterministic order");
    sim_result_clear(&r);
}
END_TEST

START_TEST(signalling_channel)
{
    sim_result_t r;
    char *lua = with_hosts(
        "local ca, cb = net.channel { a, b, delay = 0.05 }\n"
        "cb.onmessage = function(m) sim.event('signal', { kind = m.kind, n = m.n }) end\n"
        "sim.at(1, function() ca:send({ kind = 'offer', n = 1 }); ca:send({ kind = 'cand', n = 2 }) end)\n"
        "expect.sequence { { name = 'signal', args = { kind = 'offer', n = 1 }, within = { 1.05, 1.05 } },\n"
        "                  { name = 'signal', args = { kind = 'cand', n = 2 }, within = { 1.05, 1.05 } } }\n"
        "expect.event { src = 'signal:a>b', name = 'send', count = 2 }\n");
    ck_assert_int_eq(fx_run("signal", lua, &r), SIM_PASS);
    sim_result_clear(&r);
    free(lua);
    lua = with_hosts("local ca, cb = net.channel { a, b, loss = 1 }\n"
                     "cb.onmessage = function(m) sim.event('signal') end\n"
                     "sim.at(1, function() ca:send('x') end)\n"
                     "expect.never { name = 'signal' }\n"
                     "expect.event { src = 'signal:a>b', name = 'drop', args = { msg = 'x' } }\n");
    ck_assert_int_eq(fx_run("signal-loss", lua, &r), SIM_PASS);
    sim_result_clear(&r);
    free(lua);
    lua = with_hosts("local ca, cb = net.channel { a, b }\nca:send({ f = print })\n");
    ck_assert_int_eq(fx_run("signal-bad", lua, &r), SIM_ERROR);
    HAS(r, "signal-bad.lua:10: send:");
    sim_result_clear(&r);
    free(lua);
}
END_TEST

typedef struct bad_case {
    const char *body, *says;
} bad_case_t;

/* Each body, after TWO_HOSTS, must stop the scenario with an error that
 * says `says` and names the scenario's file and line. */
static void expect_errors(const bad_case_t *cases, size_t n)
{
    sim_result_t r;
    for (size_t i = 0; i < n; i++) {
        char *lua = with_hosts(cases[i].body);
        ck_assert_int_eq(fx_run("bad", lua, &r), SIM_ERROR);
        HAS(r, cases[i].says);
        HAS(r, "bad.lua:");
        sim_result_clear(&r);
        free(lua);
    }
}

START_TEST(ice_bad_input)
{
    static const bad_case_t cases[] = {
        { "local s = a:RTCSocket({ { url = 'stun:nowhere.example' } })\n",
          "no simulated host named 'nowhere.example'" },
        { "local s = a:RTCSocket({ { url = 'turn:x@10.0.0.2' } })\n", "a turn: URL needs a credential" },
        { "local s = a:RTCSocket({ { url = 'stun:10.0.0.2:0' } })\n", "port must be a number from 1 to 65535" },
        { "local s = a:RTCSocket({ { uri = 'stun:10.0.0.2' } })\n", "unknown field 'uri'" },
        { "local c = RTCConnection(a:RTCSocket(), { ['connection-id'] = 'x', usefrag = 'ab', secret = string.rep('s', 22) })\n",
          "usefrag 'ab'" },
        { "local c = RTCConnection(a:RTCSocket())\n"
          "c:setRemoteCandidate({ ['connection-id'] = c.id, foundation = 'f', component = 1, transport = 'udp',\n"
          "  priority = 1, connectionAddress = '10.0.0.2', connectionPort = 70000, type = 'host' })\n",
          "field 'connectionPort' must be 1 to 65535, got 70000" },
        { "local c = RTCConnection(a:RTCSocket())\n"
          "c:setRemoteCandidate({ ['connection-id'] = 'other', foundation = 'f', component = 1, transport = 'udp',\n"
          "  priority = 1, connectionAddress = '10.0.0.2', connectionPort = 7, type = 'host' })\n",
          "connection-id 'other' is not this connection's" },
        { "local c = RTCConnection(a:RTCSocket())\n"
          "c:setRemoteCandidate({ ['connection-id'] = c.id, foundation = 'f', component = 3, transport = 'udp',\n"
          "  priority = 1, connectionAddress = '10.0.0.2', connectionPort = 7, type = 'host' })\n",
          "field 'component' must be 1 to 2, got 3" },
        { "local c = RTCConnection(a:RTCSocket())\n"
          "c:setRemoteCandidate({ ['connection-id'] = c.id, foundation = 'f', component = 1, transport = 'tcp',\n"
          "  priority = 1, connectionAddress = '10.0.0.2', connectionPort = 7, type = 'host' })\n",
          "transport must be 'udp', got 'tcp'" },
        { "local c = RTCConnection(a:RTCSocket())\n"
          "c:setRemoteCandidate({ ['connection-id'] = c.id, foundation = 'f', component = 1, transport = 'udp',\n"
          "  priority = 1, connectionAddress = 'ten', connectionPort = 7, type = 'relayed' })\n",
          "connectionAddress 'ten' is not an IPv4 address" },
        { "local c = RTCConnection(a:RTCSocket())\nlocal d = c:getLocalDescription()\n"
          "local b2 = RTCConnection(b:RTCSocket(), d)\nb2:setRemoteDescription(d)\n",
          "setRemoteDescription: setRemoteDescription is for the offerer only" },
        { "local c = RTCConnection(a:RTCSocket())\nc:connect()\nc:connect()\n", "connect() was already called" },
    };
    expect_errors(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(nat_bad_input)
{
    static const bad_case_t cases[] = {
        { "net.nat { name = 'n', outside = lan, address = '10.0.0.9', type = 'cone' }\n",
          "type must be full-cone, restricted-cone, port-restricted-cone or symmetric, got 'cone'" },
        { "net.nat { name = 'n', outside = lan, address = '10.9.0.9' }\n", "address 10.9.0.9 is not in subnet 'lan'" },
        { "net.nat { name = 'n', outside = lan, address = '10.0.0.1' }\n", "address 10.0.0.1 is already used by a.eth0" },
        { "net.nat { name = 'n', outside = lan }\n", "give at least one outside address" },
        { "net.nat { name = 'n', outside = lan, address = '10.0.0.9', lifetime = 0 }\n", "lifetime must be greater than 0" },
        { "net.nat { name = 'n', outside = lan, address = '10.0.0.9', mapping = 'weird' }\n", "mapping must be endpoint-independent" },
        { "net.nat { name = 'n', outside = lan, address = '10.0.0.9', ports = 'odd' }\n", "ports must be preserve, sequential or random" },
        { "net.nat { name = 'n', outside = lan, address = '10.0.0.9', hairpinning = true }\n", "unknown field 'hairpinning'" },
        { "net.nat { name = 'n', outside = 'nowhere', address = '10.0.0.9' }\n", "net.nat 'n': unknown subnet 'nowhere'" },
        { "net.nat { name = 'n', outside = a, address = '10.0.0.9' }\n", "net.nat 'n': field 'outside' must be a subnet or its name" },
        { "local n = net.nat { name = 'n', outside = lan, address = '10.0.0.9' }\n"
          "net.subnet { name = 'h1', prefix = '192.168.1.0/24', behind = n }\n"
          "net.subnet { name = 'h2', prefix = '192.168.2.0/24', behind = n }\n", "already has its inside subnet 'h1'" },
        { "net.subnet { name = 'h', prefix = '192.168.1.0/24', behind = lan }\n", "field 'behind' must be a NAT, got Subnet" },
        { "local i = a:interface { name = 'eth1', subnet = lan, address = '10.0.0.5' }\ni:set_address('10.0.0.2')\n",
          "set_address: address 10.0.0.2 is already used by b.eth0" },
        { "net.firewall { name = 'f', subnet = 'nowhere', allow = {} }\n",
          "net.firewall 'f': unknown subnet 'nowhere'" },
        { "net.firewall { name = 'f', subnet = 3, allow = {} }\n",
          "net.firewall 'f': field 'subnet' must be a subnet or its name" },
        { "net.firewall { name = 'f', subnet = lan }\n", "net.firewall 'f': field 'allow' must be a list" },
        { "net.firewall { name = 'f', subnet = lan, allow = { '10.0.0.1', 5 } }\n",
          "net.firewall 'f': allow[2] must be a string" },
        { "net.firewall { name = 'f', subnet = lan, allow = { '10.0.0.300' } }\n",
          "firewall 'f': allow entry '10.0.0.300' is not an address or a prefix" },
        { "net.firewall { name = 'f', subnet = lan, allow = {}, deny = {} }\n", "unknown field 'deny'" },
        { "net.firewall { name = 'f', subnet = lan, allow = {} }\nnet.firewall { name = 'g', subnet = lan, allow = {} }\n",
          "firewall 'g': subnet 'lan' already has a node on its uplink" },
        { "net.turn_server { host = lan }\n", "field 'host' must be a host, got Subnet" },
        { "net.turn_server { host = b, port = 9 }\n", "UDP port 9 is already in use" },
        { "net.turn_server { host = b, users = { alice = 1 } }\n", "users maps names to passwords" },
        { "local t = net.turn_server { host = b, users = { alice = 'pw' } }\n"
          "assert(t:stats().allocations == 0)\nerror('turn ok')\n", "turn ok" },
    };
    expect_errors(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* A datagram from a peer larger than the server's old 2 KB buffer was
 * counted as relayed and vanished; one that UDP cannot carry to the client
 * once wrapped was lost the same way. Now the first is delivered (the
 * client's socket sees it, as not STUN) and the second is a `drop` event
 * from the TURN server with its reason, counted in `dropped`. */
START_TEST(turn_drops_are_logged)
{
    sim_result_t r;
    ck_assert_int_eq(fx_run("turn-drop",
        "scenario { duration = 3 }\n"
        "local dc = net.subnet { name = 'dc', prefix = '198.51.100.0/24', link = { mtu = 65535 } }\n"
        "local srv = net.host { name = 'turn.example.net' }\n"
        "srv:interface { name = 'eth0', subnet = dc, address = '198.51.100.2' }\n"
        "net.turn_server { host = srv, realm = 'x', users = { alice = 'pw' } }\n"
        "local a = net.host { name = 'a' }\n"
        "a:interface { name = 'eth0', subnet = dc, address = '198.51.100.10' }\n"
        "local b = net.host { name = 'b' }\n"
        "b:interface { name = 'eth0', subnet = dc, address = '198.51.100.20' }\n"
        "local sa = a:RTCSocket { { url = 'turn:alice@turn.example.net', credential = 'pw' } }\n"
        "local ca = RTCConnection(sa)\n"
        "local cb = RTCConnection(b:RTCSocket(), ca:getLocalDescription())\n"
        "ca:setRemoteDescription(cb:getLocalDescription())\n"
        "ca.oncandidate = function(c) if c.type == 'relay' then ca:setLocalCandidate(c) end end\n"
        "cb.oncandidate = function(c) cb:setLocalCandidate(c); ca:setRemoteCandidate(c) end\n"
        "ca:connect()\n"
        "local u = b:udp {}\n"
        "sim.at(1, function() u:send('198.51.100.2', 49152, ('x'):rep(3000)) end)\n"
        "sim.at(1.1, function() u:send('198.51.100.2', 49152, ('x'):rep(65469)) end)\n"
        "expect.event { src = 'turn:198.51.100.2:3478', name = 'drop', count = 1,\n"
        "               args = { reason = 'too-big', from = '198.51.100.20:49153', len = 65469 } }\n"
        "expect.never { src = 'turn:198.51.100.2:3478', name = 'drop', within = { 0, 1.05 } }\n"
        "expect.measure { 'relayed to a, not STUN', function() return sa:stats()['not-stun'] end, min = 1, max = 1 }\n"
        , &r), SIM_PASS);
    sim_result_clear(&r);
}
END_TEST

static Suite *runner_suite(void)
{
    Suite *s = suite_create("runner");
    TCase *t = tcase_create("expectations");
    tcase_add_checked_fixture(t, fx_setup, fx_teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, event_expectations_hold);
    tcase_add_test(t, missing_event_fails);
    tcase_add_test(t, late_event_fails);
    tcase_add_test(t, never_and_sequence_fail);
    tcase_add_test(t, measure_expectations);
    tcase_add_test(t, table_expectations);
    tcase_add_test(t, golden_capture_lifecycle);
    tcase_add_test(t, turn_drops_are_logged);
    suite_add_tcase(s, t);
    t = tcase_create("errors");
    tcase_add_checked_fixture(t, fx_setup, fx_teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, script_errors_name_file_and_line);
    tcase_add_test(t, limits);
    tcase_add_test(t, sandbox);
    tcase_add_test(t, pairs_sorted_and_random_seeded);
    tcase_add_test(t, signalling_channel);
    tcase_add_test(t, ice_bad_input);
    tcase_add_test(t, nat_bad_input);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(runner_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
