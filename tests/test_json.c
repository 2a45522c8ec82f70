/*
 * test_json.c - the JSON codec scenarios sign their messages with, and the
 * event log's JSON lines: sorted keys whatever the insertion order,
 * escaping, numbers, errors with paths and positions, every truncation of
 * a valid document refused cleanly.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "check/evlog.h"
#include "lua/json.h"

static lua_State *L;

static void setup(void)
{
    L = luaL_newstate();
    luaL_openlibs(L);
    sim_json_open(L);
    lua_setglobal(L, "json");
}

static void teardown(void)
{
    lua_close(L);
}

/* Run a chunk that returns a string; compare it. */
static void expect_str(const char *chunk, const char *want)
{
    ck_assert_msg(luaL_dostring(L, chunk) == LUA_OK, "%s: %s", chunk, lua_tostring(L, -1));
    ck_assert_str_eq(lua_tostring(L, -1), want);
    lua_settop(L, 0);
}

/* Run a chunk that must raise an error containing `part`. */
static void expect_err(const char *chunk, const char *part)
{
    ck_assert_msg(luaL_dostring(L, chunk) != LUA_OK, "no error from %s", chunk);
    ck_assert_msg(strstr(lua_tostring(L, -1), part), "'%s' not in '%s'", part,
                  lua_tostring(L, -1));
    lua_settop(L, 0);
}

START_TEST(keys_sorted_whatever_the_order)
{
    expect_str("return json.encode({ zeta = 1, alpha = { c = 3, b = 2, a = 1 }, ['connection-id'] = 'x', mid = true })",
               "{\"alpha\":{\"a\":1,\"b\":2,\"c\":3},\"connection-id\":\"x\",\"mid\":true,\"zeta\":1}");
    /* build the same table in many insertion orders: always one text */
    const char *chunk =
        "local keys = {}\n"
        "for i = 1, 40 do keys[i] = 'k' .. i end\n"
        "local first\n"
        "for round = 1, 20 do\n"
        "  local t = {}\n"
        "  for i = 1, 40 do local j = (i * (round * 7 + 3)) % 40 + 1; t[keys[j]] = j end\n"
        "  for i = 1, 40 do t[keys[i]] = i end\n"
        "  local s = json.encode(t)\n"
        "  first = first or s\n"
        "  assert(s == first, s)\n"
        "end\n"
        "return first:sub(1, 20)";
    expect_str(chunk, "{\"k1\":1,\"k10\":10,\"k1");
}
END_TEST

START_TEST(values_and_round_trips)
{
    expect_str("return json.encode({ 1, 2.5, 'a\"b\\\\c\\n\\1', true, false, json.null })",
               "[1,2.5,\"a\\\"b\\\\c\\n\\u0001\",true,false,null]");
    expect_str("return json.encode(2.0) .. ' ' .. json.encode(0.1) .. ' ' .. json.encode(-0) .. ' ' .. json.encode(1e300)",
               "2.0 0.1 0 1e+300");
    expect_str("return math.type(json.decode('2')) .. math.type(json.decode('2.0')) .. math.type(json.decode('1e2'))",
               "integerfloatfloat");
    expect_str("return json.encode({}) .. json.encode(json.decode('{}')) .. json.encode(json.decode('[]')) .. json.encode(json.object({}))",
               "[]{}[]{}");
    expect_str("local d = json.decode(' { \"a\" : [1, {\"b\": null}], \"c\": \"\\\\u00e9\\\\ud83d\\\\ude00\" } ')\n"
               "assert(d.a[2].b == json.null)\n"
               "return json.encode(d)",
               "{\"a\":[1,{\"b\":null}],\"c\":\"\xc3\xa9\xf0\x9f\x98\x80\"}");
    expect_str("return tostring(json.decode('9223372036854775807')) .. ' ' .. math.type(json.decode('9223372036854775808'))",
               "9223372036854775807 float");
}
END_TEST

START_TEST(encode_errors_name_the_path)
{
    expect_err("json.encode({ a = { b = { print } } })", "function at .a.b[1]");
    expect_err("json.encode({ 1, 2, x = 3 })", "both integer and string keys");
    expect_err("json.encode({ [true] = 1 })", "key of type boolean");
    expect_err("json.encode({ [1] = 1, [3] = 3 })", "sparse integer");
    expect_err("json.encode(0/0)", "NaN");
    expect_err("json.encode('\\255')", "not valid UTF-8");
    expect_err("local t = {} t.t = t json.encode(t)", "nesting deeper than 100");
}
END_TEST

START_TEST(decode_errors_name_line_and_column)
{
    expect_err("json.decode('{\"a\" 1}')", "line 1 column 6: expected ':'");
    expect_err("json.decode('[1,\\n 2,,]')", "line 2 column 4: unexpected character");
    expect_err("json.decode('01')", "trailing characters");
    expect_err("json.decode('\"\\\\ud800\"')", "lone high surrogate");
    expect_err("json.decode('\"\\\\udc00\"')", "lone low surrogate");
    expect_err("json.decode('\"a\\tb\"')", "control character");
    expect_err("json.decode('\"\\\\x\"')", "invalid escape");
    expect_err("json.decode('1.')", "digits must follow");
    expect_err("json.decode(string.rep('[', 101) .. string.rep(']', 101))", "nesting deeper");
    expect_err("json.decode('')", "unexpected end");
}
END_TEST

START_TEST(every_truncation_refused)
{
    const char *doc = "{\"connection-id\":\"c1\",\"usefrag\":\"a\\u00e9\",\"fingerprints\":[\"sha-256 AB:CD\"],"
                      "\"n\":-12.5e3,\"ok\":true,\"none\":null}";
    size_t n = strlen(doc);
    lua_getglobal(L, "json");
    for (size_t cut = 0; cut < n; cut++) {
        lua_getfield(L, -1, "decode");
        lua_pushlstring(L, doc, cut);
        ck_assert_msg(lua_pcall(L, 1, 1, 0) != LUA_OK, "decoded a truncation at %zu", cut);
        lua_pop(L, 1);
    }
    lua_getfield(L, -1, "decode");
    lua_pushstring(L, doc);
    ck_assert_int_eq(lua_pcall(L, 1, 1, 0), LUA_OK);
    char err[128];
    size_t len;
    char *s = sim_json_encode(L, -1, &len, err, sizeof err);
    ck_assert_str_eq(s, "{\"connection-id\":\"c1\",\"fingerprints\":[\"sha-256 AB:CD\"],\"n\":-12500.0,"
                        "\"none\":null,\"ok\":true,\"usefrag\":\"a\xc3\xa9\"}");
    free(s);
}
END_TEST

START_TEST(evlog_lines)
{
    sim_evlog_t *log = sim_evlog_new();
    sim_evarg_t args[] = { SIM_EVS("to", "10.0.0.2:7"), SIM_EVI("len", 5), SIM_EVS("reason", "lo\"ss\n"),
                           SIM_EVB("up", true), SIM_EVN("ratio", 0.25), SIM_EVN("whole", 3.0),
                           SIM_EVJ("msg", "{\"a\":1}") };
    sim_evlog_emit(log, 1500000001, "link:a.eth0:up", "drop", args, 7);
    sim_evlog_emit(log, 0, "scenario", "start", NULL, 0);
    char buf[512];
    sim_evlog_format(sim_evlog_get(log, 0), buf, sizeof buf);
    ck_assert_str_eq(buf, "{\"args\":{\"len\":5,\"msg\":{\"a\":1},\"ratio\":0.25,\"reason\":\"lo\\\"ss\\n\","
                          "\"to\":\"10.0.0.2:7\",\"up\":true,\"whole\":3},\"ev\":\"drop\","
                          "\"src\":\"link:a.eth0:up\",\"t\":1.500000001}");
    sim_evlog_format(sim_evlog_get(log, 1), buf, sizeof buf);
    ck_assert_str_eq(buf, "{\"args\":{},\"ev\":\"start\",\"src\":\"scenario\",\"t\":0.000000000}");
    /* a short buffer: still NUL-terminated, the needed length returned */
    char small[10];
    size_t need = sim_evlog_format(sim_evlog_get(log, 1), small, sizeof small);
    ck_assert_uint_eq(need, strlen(buf));
    ck_assert_uint_eq(strlen(small), sizeof small - 1);
    for (int i = 0; i < 100000; i++)
        sim_evlog_emit(log, (sim_time_t)i, "s", "e", args, 2);
    FILE *f = tmpfile();
    ck_assert_int_eq(sim_evlog_write(log, f), 0);
    rewind(f);
    int lines = 0, c;
    while ((c = fgetc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    ck_assert_int_eq(lines, 100002);
    sim_evlog_free(log);
}
END_TEST

/* RFC 8259 s.8.1: what the event log writes is UTF-8 whatever the bytes
 * (a print of binary data): well-formed sequences as they are, any other
 * byte as U+FFFD; RFC 3629 s.4's refusals (overlongs, surrogates, beyond
 * U+10FFFF, a cut sequence) included. */
START_TEST(quoted_text_is_utf8)
{
    static const struct { const char *in; const char *out; } cases[] = {
        { "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
        { "\xe2\x82\xac \xf0\x9f\x98\x80", "\"\xe2\x82\xac \xf0\x9f\x98\x80\"" },
        { "a\xff" "b", "\"a\\ufffd" "b\"" },
        { "\xc0\xaf", "\"\\ufffd\\ufffd\"" },                     /* overlong '/' */
        { "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },        /* a surrogate */
        { "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* past U+10FFFF */
        { "\xe2\x82", "\"\\ufffd\\ufffd\"" },                     /* cut short */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        size_t n = sim_json_quote(cases[i].in, strlen(cases[i].in), out, sizeof out);
        ck_assert_uint_eq(n, strlen(cases[i].out));
        ck_assert_str_eq(out, cases[i].out);
    }
}
END_TEST

static Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *t = tcase_create("codec");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, keys_sorted_whatever_the_order);
    tcase_add_test(t, values_and_round_trips);
    tcase_add_test(t, encode_errors_name_the_path);
    tcase_add_test(t, decode_errors_name_line_and_column);
    tcase_add_test(t, every_truncation_refused);
    tcase_add_test(t, evlog_lines);
    tcase_add_test(t, quoted_text_is_utf8);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(json_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
