/*
 * test_sidecar.c - sidecar.json (check/sidecar.h, docs/replay.md "The
 * sidecar"): a two-host call whose page sim.events what it read and was
 * given, checked against the file (hosts, addresses with a renumbering,
 * roles, descriptions before and after update(), candidates, media
 * descriptions with their track ids and SSRCs, per session, the events);
 * the same bytes from two runs; a host with no RTC objects; a run that
 * fails and one that errors still write it; the caps (D178) and the
 * collector's memory under a flood of values.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "check/sidecar.h"
#include "fixture.h"
#include "lua/json.h"

/* Alice calls Bob (the page's glue written out, as peers.lua has it),
 * sends one stream of two tracks; each thing the page reads or is given
 * is also a sim.event the checker compares with the sidecar. At 0.5 s
 * the page reads everything again, many times (nothing is added); at 1 s
 * Alice's interface is renumbered and she restarts ICE (update()), Bob
 * answers with an update() of his own; at 1.5 s her first address comes
 * back (no repeat). Quiet is a host with no RTC objects. */
static const char *const CALL =
    "scenario { name = 'sidecar call', seed = 7, duration = 2 }\n"
    "local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/24', link = { latency = 0.005 } }\n"
    "local alice = net.host { name = 'alice' }\n"
    "local ea = alice:interface { name = 'eth0', subnet = lan, address = '10.0.0.1' }\n"
    "local bob = net.host { name = 'bob' }\n"
    "bob:interface { name = 'eth0', subnet = lan, address = '10.0.0.2' }\n"
    "net.host { name = 'quiet' }:interface { name = 'eth0', subnet = lan, address = '10.0.0.3' }\n"
    "local at_a, at_b = net.channel { alice, bob, delay = 0.02 }\n"
    "local ma, mb, mc = alice:RTCMediaSession(), bob:RTCMediaSession(), alice:RTCMediaSession()\n"
    "local conn = {}\n"
    "local function read(side)\n"
    "  local d = conn[side]:getLocalDescription()\n"
    "  sim.event('page.description', { side = side, id = conn[side].id, usefrag = d.usefrag,\n"
    "                                  secret = d.secret, fingerprints = d.fingerprints })\n"
    "  return d\n"
    "end\n"
    "local function trickle(side, out)\n"
    "  conn[side].oncandidate = function(c)\n"
    "    conn[side]:setLocalCandidate(c)\n"
    "    sim.event('page.candidate', { side = side, candidate = c })\n"
    "    out:send({ candidate = c })\n"
    "  end\n"
    "end\n"
    "conn.a = RTCConnection(alice:RTCSocket())\n"
    "trickle('a', at_a)\n"
    "at_a:send({ description = read('a') })\n"
    "ma:addConnection(conn.a)\n"
    "local st = MediaStream { id = 'as', tracks = { MediaStreamTrack { kind = 'audio', id = 'alice-mic' },\n"
    "                                             MediaStreamTrack { kind = 'video', id = 'alice-cam' } } }\n"
    "ma:addStream(st)\n"
    "ma:sendStream(st)\n"
    "local md = ma:getLocalDescription()\n"
    "sim.event('page.media', { session = 1, description = md })\n"
    "sim.event('page.media', { session = 2, description = mc:getLocalDescription() })\n"
    "at_a:send({ media = md })\n"
    "conn.a:connect()\n"
    "at_a.onmessage = function(m)\n"
    "  if m.description then conn.a:setRemoteDescription(m.description) end\n"
    "  if m.candidate then conn.a:setRemoteCandidate(m.candidate) end\n"
    "end\n"
    "at_b.onmessage = function(m)\n"
    "  if m.description and conn.b then\n"
    "    conn.b:setRemoteDescription(m.description)\n"
    "    conn.b:update()\n"
    "    at_b:send({ description = read('b') })\n"
    "    conn.b:connect()\n"
    "  elseif m.description then\n"
    "    conn.b = RTCConnection(bob:RTCSocket(), m.description)\n"
    "    trickle('b', at_b)\n"
    "    at_b:send({ description = read('b') })\n"
    "    mb:addConnection(conn.b)\n"
    "    conn.b:connect()\n"
    "  end\n"
    "  if m.candidate then conn.b:setRemoteCandidate(m.candidate) end\n"
    "  if m.media then mb:setRemoteDescription(m.media) end\n"
    "end\n"
    "sim.at(0.5, function()\n"
    "  for _ = 1, 1000 do\n"
    "    conn.a:getLocalDescription(); ma:getLocalDescription(); mc:getLocalDescription()\n"
    "    ma:getLocalDescription({ msid = 'none' }); mb:getRemoteDescription()\n"
    "  end\n"
    "end)\n"
    "sim.at(1, function()\n"
    "  ea:set_address('10.0.0.7')\n"
    "  conn.a:update()\n"
    "  at_a:send({ description = read('a') })\n"
    "  conn.a:connect()\n"
    "end)\n"
    "sim.at(1.5, function() ea:set_address('10.0.0.1') end)\n";

/* The checker, in Lua over the project's JSON decoder: SIDECAR and
 * EVENTS (the run's events.jsonl) are given; it raises naming what
 * differs. */
static const char *const CHECK_CALL =
    "local sc = json.decode(SIDECAR)\n"
    "local function same(x, y, path)\n"
    "  if type(x) ~= type(y) then return path .. ': ' .. type(x) .. ' against ' .. type(y) end\n"
    "  if type(x) ~= 'table' then\n"
    "    if x ~= y then return path .. ': ' .. tostring(x) .. ' against ' .. tostring(y) end\n"
    "    return nil\n"
    "  end\n"
    "  for k, v in pairs(x) do local d = same(v, y[k], path .. '.' .. tostring(k)); if d then return d end end\n"
    "  for k in pairs(y) do if x[k] == nil then return path .. '.' .. tostring(k) .. ': missing' end end\n"
    "end\n"
    "local function eq(x, y, what) local d = same(x, y, what); if d then error(d, 0) end end\n"
    "local ev = {}\n"
    "for line in EVENTS:gmatch('[^\\n]+') do ev[#ev + 1] = json.decode(line) end\n"
    "eq(sc.format, 'rtcsim-sidecar 1', 'format')\n"
    "eq(sc.scenario, 'call', 'scenario')\n"
    "eq(sc.seed, 7, 'seed')\n"
    "eq(#sc.hosts, 3, 'hosts')\n"
    "local H = {}\n"
    "for i, name in ipairs({ 'alice', 'bob', 'quiet' }) do eq(sc.hosts[i].name, name, 'hosts[' .. i .. ']'); H[name] = sc.hosts[i] end\n"
    "eq(H.alice.addresses, { '10.0.0.1', '10.0.0.7' }, 'alice.addresses')\n"
    "eq(H.bob.addresses, { '10.0.0.2' }, 'bob.addresses')\n"
    "eq(H.quiet, { name = 'quiet', addresses = { '10.0.0.3' }, connections = {}, events = {}, media = {}, left_out = 0 }, 'quiet')\n"
    "local want = { a = { d = {}, c = {} }, b = { d = {}, c = {} } }\n"
    "local media = {}\n"
    "for _, e in ipairs(ev) do\n"
    "  if e.ev == 'page.description' then table.insert(want[e.args.side].d, e) end\n"
    "  if e.ev == 'page.candidate' then table.insert(want[e.args.side].c, { candidate = e.args.candidate, t = e.t }) end\n"
    "  if e.ev == 'page.media' then table.insert(media, { description = e.args.description, session = e.args.session, t = e.t }) end\n"
    "end\n"
    "for side, host in pairs({ a = 'alice', b = 'bob' }) do\n"
    "  local h = H[host]\n"
    "  eq(#h.connections, 1, host .. ': connections')\n"
    "  local c = h.connections[1]\n"
    "  eq(c.role, side == 'a' and 'controlling' or 'controlled', host .. ': role')\n"
    "  eq(c.left_out, 0, host .. ': left_out')\n"
    "  eq(#want[side].d, 2, host .. ': the page read two descriptions')\n"
    "  eq(#c.descriptions, 2, host .. ': descriptions')\n"
    "  for i, w in ipairs(want[side].d) do\n"
    "    eq(c['connection-id'], w.args.id, host .. ': connection-id')\n"
    "    eq(c.descriptions[i], { t = w.t, usefrag = w.args.usefrag, secret = w.args.secret,\n"
    "                            fingerprints = w.args.fingerprints }, host .. ': descriptions[' .. i .. ']')\n"
    "  end\n"
    "  if #want[side].c < 2 then error(host .. ': fewer than two candidates given', 0) end\n"
    "  eq(c.candidates, want[side].c, host .. ': candidates')\n"
    "  local spec = {}\n"
    "  for _, e in ipairs(ev) do\n"
    "    if e.src == host and e.ev ~= 'drop' then e.src = nil; spec[#spec + 1] = e end\n"
    "  end\n"
    "  eq(h.events, spec, host .. ': events')\n"
    "end\n"
    "eq(H.alice.media, media, 'alice.media')\n"
    "local d = H.alice.media[1].description\n"
    "for _, id in ipairs({ 'alice-mic', 'alice-cam' }) do\n"
    "  if not d[id] or not d[id].ssrc:match('^%d+$') then error('alice.media: track ' .. id .. ' with its ssrc', 0) end\n"
    "end\n"
    "eq(H.bob.media, {}, 'bob.media: the page never read its own')\n"
    "local names = {}\n"
    "for _, e in ipairs(H.bob.events) do names[e.ev] = (names[e.ev] or 0) + 1 end\n"
    "for _, n in ipairs({ 'candidate', 'connected', 'addstream', 'track.connected', 'dtlsconnected' }) do\n"
    "  if not names[n] then error('bob.events: no ' .. n, 0) end\n"
    "end\n"
    "return #H.alice.events + #H.bob.events\n";

/* Run checker over the sidecar and the events of out/<name>/; fails the
 * test with its message. Returns the checker's number. */
static long check_with(const char *name, const char *checker)
{
    char path[512];
    snprintf(path, sizeof path, "%s/out/%s/sidecar.json", fx_dir, name);
    char *sidecar = fx_slurp(path);
    snprintf(path, sizeof path, "%s/out/%s/events.jsonl", fx_dir, name);
    char *events = fx_slurp(path);
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    sim_json_open(L);
    lua_setglobal(L, "json");
    lua_pushstring(L, sidecar);
    lua_setglobal(L, "SIDECAR");
    lua_pushstring(L, events);
    lua_setglobal(L, "EVENTS");
    int rc = luaL_dostring(L, checker);
    ck_assert_msg(rc == LUA_OK, "%s: %s\nsidecar.json: %.3000s", name, lua_tostring(L, -1), sidecar);
    long n = (long)lua_tointeger(L, -1);
    lua_close(L);
    free(sidecar);
    free(events);
    return n;
}

static char *sidecar_of(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/out/%s/sidecar.json", fx_dir, name);
    return fx_slurp(path);
}

START_TEST(a_call_as_the_page_saw_it)
{
    PASSES("call", CALL);
    ck_assert_int_gt(check_with("call", CHECK_CALL), 10);
}
END_TEST

START_TEST(two_runs_write_the_same_bytes)
{
    PASSES("call", CALL);
    char *first = sidecar_of("call");
    PASSES("call", CALL);
    char *second = sidecar_of("call");
    ck_assert_str_eq(first, second);
    /* and the seed is what makes them the same: another seed, other bytes
     * (the ufrags, from the seeded streams) */
    char *other = NULL;
    ck_assert(asprintf(&other, "%s", CALL) > 0);
    char *seed = strstr(other, "seed = 7");
    ck_assert_ptr_nonnull(seed);
    seed[7] = '8';
    PASSES("call", other);
    char *third = sidecar_of("call");
    ck_assert_str_ne(first, third);
    free(other);
    free(first);
    free(second);
    free(third);
}
END_TEST

/* A run with no RTC objects at all; one that fails an expectation; one
 * that stops on an error: each writes its sidecar, with what came before
 * the end. */
START_TEST(every_run_writes_it)
{
    static const char *const HOSTS =
        "local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/24' }\n"
        "local a = net.host { name = 'a' }\n"
        "a:interface { name = 'eth0', subnet = lan, address = '10.0.0.1' }\n"
        "local u = a:udp {}\n"
        "sim.at(0.1, function() u:send('10.0.0.1', 9, 'x') end)\n";
    PASSES("plain", HOSTS);
    char *s = sidecar_of("plain");
    ck_assert_str_eq(s, "{\"format\":\"rtcsim-sidecar 1\",\"hosts\":[\n"
                        "{\"addresses\":[\"10.0.0.1\"],\"connections\":[],\"events\":[],\"left_out\":0,"
                        "\"media\":[],\"name\":\"a\"}],\"scenario\":\"plain\",\"seed\":1}\n");
    free(s);

    sim_result_t r;
    char *lua = NULL;
    ck_assert(asprintf(&lua, "%s%s", HOSTS,
                       "local c = RTCConnection(a:RTCSocket())\n"
                       "sim.at(0.2, function() c:getLocalDescription() end)\n"
                       "expect.event { name = 'never-comes' }\n") > 0);
    ck_assert_int_eq(fx_run("fails", lua, &r), SIM_FAIL);
    sim_result_clear(&r);
    free(lua);
    s = sidecar_of("fails");
    ck_assert_ptr_nonnull(strstr(s, "\"role\":\"controlling\""));
    ck_assert_ptr_nonnull(strstr(s, "\"t\":0.200000000,\"usefrag\":"));
    ck_assert_ptr_nonnull(strstr(s, "\"ev\":\"candidate\""));
    free(s);

    ck_assert(asprintf(&lua, "%s%s", HOSTS,
                       "local c = RTCConnection(a:RTCSocket())\n"
                       "sim.at(0.2, function() c:getLocalDescription() end)\n"
                       "sim.at(0.3, function() error('stop here') end)\n"
                       "sim.at(0.4, function() c:update(); c:getLocalDescription() end)\n") > 0);
    ck_assert_int_eq(fx_run("errs", lua, &r), SIM_ERROR);
    HAS(r, "stop here");
    sim_result_clear(&r);
    free(lua);
    s = sidecar_of("errs");
    ck_assert_ptr_nonnull(strstr(s, "\"t\":0.200000000,\"usefrag\":"));
    ck_assert_ptr_null(strstr(s, "\"t\":0.400000000"));
    free(s);
    /* written whole, then renamed: nothing is left beside it */
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s/out/errs/sidecar.json.tmp", fx_dir);
    ck_assert_int_ne(access(tmp, F_OK), 0);
}
END_TEST

/* Each list the scenario can grow is capped at 64 entries, what did not
 * fit counted: 70 restarts (71 descriptions read, each new candidates),
 * 70 renumberings (71 addresses), 70 streams added one at a time (70
 * media descriptions), and 100000 reads of one value that add nothing. */
START_TEST(lists_are_capped_and_counted)
{
    static const char *const FLOOD =
        "scenario { name = 'flood', duration = 1 }\n"
        "local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/16' }\n"
        "local h = net.host { name = 'h' }\n"
        "local e = h:interface { name = 'eth0', subnet = lan, address = '10.0.0.1' }\n"
        "local c = RTCConnection(h:RTCSocket())\n"
        "local ms = h:RTCMediaSession()\n"
        "local n = 0\n"
        "c.oncandidate = function() n = n + 1 end\n"
        "c:getLocalDescription()\n"
        "for _ = 1, 100000 do c:getLocalDescription() end\n"
        "sim.at(0.1, function()\n"
        "  for i = 1, 70 do\n"
        "    e:set_address('10.0.1.' .. i)\n"
        "    c:update(); c:getLocalDescription()\n"
        "    ms:addStream(MediaStream { id = 's' .. i, tracks = { MediaStreamTrack { kind = 'audio', id = 't' .. i } } })\n"
        "    ms:getLocalDescription()\n"
        "  end\n"
        "end)\n"
        "sim.at(0.9, function() sim.event('given', { candidates = n }) end)\n";
    static const char *const CHECK_FLOOD =
        "local sc = json.decode(SIDECAR)\n"
        "local n\n"
        "for line in EVENTS:gmatch('[^\\n]+') do local e = json.decode(line); if e.ev == 'given' then n = e.args.candidates end end\n"
        "local h = sc.hosts[1]\n"
        "local c = h.connections[1]\n"
        "local function is(x, y, what) if x ~= y then error(what .. ': ' .. tostring(x) .. ', expected ' .. tostring(y), 0) end end\n"
        "is(#h.addresses, 64, 'addresses')\n"
        "is(h.addresses[64], '10.0.1.63', 'the 64th address')\n"
        "is(#h.media, 64, 'media')\n"
        "is(h.left_out, 71 - 64 + 70 - 64, 'host left_out')\n"
        "is(#c.descriptions, 64, 'descriptions')\n"
        "is(c.descriptions[1].t, 0, 'the first description, read 100001 times')\n"
        "is(c.descriptions[2].t, 0.1, 'the second')\n"
        "if n <= 64 then error('only ' .. n .. ' candidates given: no cap met', 0) end\n"
        "is(#c.candidates, 64, 'candidates')\n"
        "is(c.left_out, 71 - 64 + n - 64, 'connection left_out')\n"
        "return n\n";
    PASSES("flood", FLOOD);
    check_with("flood", CHECK_FLOOD);
}
END_TEST

/* The collector itself: what it holds does not grow with the values it
 * is given once a list is full (one copy of the latest, to know the same
 * value again), nor with the same value given again. */
START_TEST(memory_is_bounded)
{
    sim_kernel_t *k = sim_kernel_new(1);
    sim_sidecar_t *sc = sim_sidecar_new(k);
    ck_assert_ptr_nonnull(sc);
    sim_sidecar_host(sc, "h");
    sim_sidecar_host(sc, "h");      /* once */
    sim_sidecar_conn_t *c = sim_sidecar_connection(sc, "h", "cid", true);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_null(sim_sidecar_connection(sc, "nobody", "cid", true));
    rtcsim_conn_desc_t d;
    memset(&d, 0, sizeof d);
    snprintf(d.fingerprints[0], sizeof d.fingerprints[0], "sha-256 00");
    d.nfingerprints = 1;
    snprintf(d.pwd, sizeof d.pwd, "secret-of-twenty-four-by");
    size_t at_cap = 0;
    for (int i = 0; i < 100000; i++) {
        snprintf(d.ufrag, sizeof d.ufrag, "u%08d", i);
        sim_sidecar_description(c, &d);
        sim_sidecar_description(c, &d);     /* the same again: nothing */
        if (i == SIM_SIDECAR_CAP)
            at_cap = sim_sidecar_bytes(sc);
    }
    ck_assert_uint_eq(sim_sidecar_bytes(sc), at_cap);
    char media[] = "{\"t1\":{\"kind\":\"audio\"}}";
    for (int i = 0; i < 1000; i++)
        sim_sidecar_media(sc, "h", &d, media, strlen(media));
    size_t before = sim_sidecar_bytes(sc);
    for (int i = 0; i < 100000; i++)
        sim_sidecar_media(sc, "h", &d, media, strlen(media));
    ck_assert_uint_eq(sim_sidecar_bytes(sc), before);

    char path[512];
    snprintf(path, sizeof path, "%s/mem.json", fx_dir);
    sim_evlog_t *log = sim_evlog_new();
    ck_assert_int_eq(sim_sidecar_write(sc, log, "mem", 1, path), 0);
    char *s = fx_slurp(path);
    ck_assert_ptr_nonnull(strstr(s, "\"left_out\":99936,"));   /* 100000 - 64 */
    ck_assert_ptr_nonnull(strstr(s, "\"usefrag\":\"u00000063\"}]"));
    free(s);
    /* no collector (out of memory at its making): no file, and none left
     * from before to pass for this run's */
    errno = 0;
    ck_assert_int_eq(sim_sidecar_write(NULL, log, "mem", 1, path), -1);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_int_ne(access(path, F_OK), 0);
    sim_sidecar_description(NULL, &d);
    sim_sidecar_host(NULL, "h");
    sim_evlog_free(log);
    sim_sidecar_free(sc);
    sim_kernel_free(k);
}
END_TEST

static Suite *sidecar_suite(void)
{
    Suite *s = suite_create("sidecar");
    TCase *t = tcase_create("runs");
    tcase_add_checked_fixture(t, fx_setup, fx_teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, a_call_as_the_page_saw_it);
    tcase_add_test(t, two_runs_write_the_same_bytes);
    tcase_add_test(t, every_run_writes_it);
    tcase_add_test(t, lists_are_capped_and_counted);
    tcase_add_test(t, memory_is_bounded);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sidecar_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
