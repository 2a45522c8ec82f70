/*
 * jsonl.c - the live-host control protocol's lines (docs/live.md,
 * version 1) as rtcsim-nice and rtcsim-live both read and write them:
 * see jsonl.h.
 */
#include "common/jsonl.h"

#include <stdarg.h>
#include <string.h>

static const sim_jsonl_config_t *cfg;

void sim_jsonl_init(const sim_jsonl_config_t *c)
{
    cfg = c;
}

/* ---- requests ---------------------------------------------------------------------- */

bool sim_req_fail(sim_req_t *r, const char *code, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(r->msg, sizeof r->msg, "%s: ", r->method);
    va_start(ap, fmt);
    vsnprintf(r->msg + n, sizeof r->msg - (size_t)n, fmt, ap);
    va_end(ap);
    r->code = code;
    return false;
}

JsonNode *sim_req_member(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req)
{
    JsonNode *n = json_object_get_member(o, k);
    /* docs/live.md: a member whose value is null is absent */
    if (!n || JSON_NODE_HOLDS_NULL(n)) {
        if (req)
            sim_req_fail(r, "invalid", "%s%s: missing", where, k);
        return NULL;
    }
    return n;
}

bool sim_json_is_str(JsonNode *n)
{
    return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING;
}

bool sim_json_is_int(JsonNode *n)
{
    return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64;
}

bool sim_json_is_bool(JsonNode *n)
{
    return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN;
}

bool sim_req_str(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                 const char **v)
{
    *v = NULL;
    JsonNode *n = sim_req_member(r, o, where, k, req);
    if (!n)
        return !req;
    if (!sim_json_is_str(n))
        return sim_req_fail(r, "invalid", "%s%s: must be a string", where, k);
    *v = json_node_get_string(n);
    return true;
}

bool sim_req_int(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                 gint64 lo, gint64 hi, gint64 *v, bool *given)
{
    JsonNode *n = sim_req_member(r, o, where, k, req);
    if (given)
        *given = n != NULL;
    if (!n)
        return !req;
    if (!sim_json_is_int(n))
        return sim_req_fail(r, "invalid", "%s%s: must be an integer", where, k);
    *v = json_node_get_int(n);
    if (*v < lo || *v > hi)
        return sim_req_fail(r, "invalid", "%s%s: must be %" G_GINT64_FORMAT " to %"
                            G_GINT64_FORMAT ", got %" G_GINT64_FORMAT, where, k, lo, hi, *v);
    return true;
}

bool sim_req_bool(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                  bool *v)
{
    JsonNode *n = sim_req_member(r, o, where, k, req);
    if (!n)
        return !req;
    if (!sim_json_is_bool(n))
        return sim_req_fail(r, "invalid", "%s%s: must be a boolean", where, k);
    *v = json_node_get_boolean(n);
    return true;
}

bool sim_req_obj(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                 JsonObject **v)
{
    *v = NULL;
    JsonNode *n = sim_req_member(r, o, where, k, req);
    if (!n)
        return !req;
    if (!JSON_NODE_HOLDS_OBJECT(n))
        return sim_req_fail(r, "invalid", "%s%s: must be an object", where, k);
    *v = json_node_get_object(n);
    return true;
}

bool sim_req_arr(sim_req_t *r, JsonObject *o, const char *where, const char *k, bool req,
                 JsonArray **v)
{
    *v = NULL;
    JsonNode *n = sim_req_member(r, o, where, k, req);
    if (!n)
        return !req;
    if (!JSON_NODE_HOLDS_ARRAY(n))
        return sim_req_fail(r, "invalid", "%s%s: must be a list", where, k);
    *v = json_node_get_array(n);
    return true;
}

/* ---- lines out ---------------------------------------------------------------------- */

/* A harness that went away (stdout closed) ends the program as stdin's
 * EOF does: SIGPIPE is ignored (both adapters' main) and the write error
 * seen here. */
static void put_node(JsonNode *root)
{
    gchar *s = json_to_string(root, FALSE);
    fputs(s, cfg->out);
    fputc('\n', cfg->out);
    if (fflush(cfg->out) != 0 || ferror(cfg->out))
        cfg->gone();
    g_free(s);
}

void sim_jsonl_put(JsonBuilder *b)
{
    JsonNode *root = json_builder_get_root(b);
    put_node(root);
    json_node_unref(root);
    g_object_unref(b);
}

void sim_json_set_str(JsonBuilder *b, const char *k, const char *v)
{
    json_builder_set_member_name(b, k);
    json_builder_add_string_value(b, v);
}

void sim_json_set_int(JsonBuilder *b, const char *k, gint64 v)
{
    json_builder_set_member_name(b, k);
    json_builder_add_int_value(b, v);
}

void sim_json_set_bool(JsonBuilder *b, const char *k, bool v)
{
    json_builder_set_member_name(b, k);
    json_builder_add_boolean_value(b, v);
}

void sim_jsonl_error(JsonNode *id, const char *code, const char *msg)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    if (id)
        json_builder_add_value(b, json_node_copy(id));
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "error");
    json_builder_begin_object(b);
    sim_json_set_str(b, "code", code);
    sim_json_set_str(b, "message", msg);
    json_builder_end_object(b);
    json_builder_end_object(b);
    if (cfg->log)
        cfg->log("error %s: %s", code, msg);
    sim_jsonl_put(b);
}

void sim_jsonl_overlong(void)
{
    sim_jsonl_error(NULL, "invalid", "line longer than 65536 bytes (docs/live.md)");
}

JsonBuilder *sim_jsonl_event_begin(const char *event, const char *key, const char *name)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    sim_json_set_str(b, "event", event);
    sim_json_set_str(b, key, name);
    return b;
}

JsonBuilder *sim_jsonl_hello_begin(const char *name)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    sim_json_set_str(b, "event", "hello");
    sim_json_set_int(b, "protocol", SIM_JSONL_PROTOCOL);
    sim_json_set_str(b, "name", name);
    return b;
}

void sim_jsonl_add_candidate(JsonBuilder *b, const sim_jsonl_candidate_t *c)
{
    json_builder_begin_object(b);
    sim_json_set_str(b, "connection-id", c->cid);
    sim_json_set_str(b, "foundation", c->foundation);
    sim_json_set_int(b, "component", c->component);
    sim_json_set_str(b, "transport", "udp");
    sim_json_set_int(b, "priority", c->priority);
    sim_json_set_str(b, "connectionAddress", c->address);
    sim_json_set_int(b, "connectionPort", c->port);
    sim_json_set_str(b, "type", c->type);
    if (c->related) {
        sim_json_set_str(b, "relatedAddress", c->related);
        sim_json_set_int(b, "relatedPort", c->related_port);
    }
    json_builder_end_object(b);
}

/* ---- lines in ----------------------------------------------------------------------- */

static void serve(JsonNode *id, const char *name, JsonObject *params)
{
    size_t k = 0;
    while (k < cfg->nmethods && strcmp(cfg->methods[k].name, name) != 0)
        k++;
    if (k == cfg->nmethods) {
        char m[160];
        snprintf(m, sizeof m, "%.80s: no such method (docs/live.md, protocol %d)", name, SIM_JSONL_PROTOCOL);
        sim_jsonl_error(id, "unsupported", m);
        return;
    }
    sim_req_t r = { .method = name, .params = params, .result = json_builder_new() };
    json_builder_begin_object(r.result);
    if (cfg->methods[k].fn(&r)) {
        json_builder_end_object(r.result);
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "id");
        json_builder_add_value(b, json_node_copy(id));
        json_builder_set_member_name(b, "result");
        json_builder_add_value(b, json_builder_get_root(r.result));
        json_builder_end_object(b);
        sim_jsonl_put(b);
    } else {
        /* every refusal goes through sim_req_fail; "failed" guards a
         * method that forgot to */
        sim_jsonl_error(id, r.code ? r.code : "failed", r.msg);
    }
    g_object_unref(r.result);
}

/* docs/live.md: an id is an integer or a string */
static bool id_ok(JsonNode *id)
{
    if (!id || !JSON_NODE_HOLDS_VALUE(id))
        return false;
    return json_node_get_value_type(id) == G_TYPE_INT64 || json_node_get_value_type(id) == G_TYPE_STRING;
}

void sim_jsonl_handle_line(const char *line, size_t len)
{
    JsonParser *p = json_parser_new();
    GError *e = NULL;
    if (cfg->log)
        cfg->log("request %.*s", (int)(len > 300 ? 300 : len), line);
    if (!json_parser_load_from_data(p, line, (gssize)len, &e)) {
        /* json-glib's messages cut the token they quote (under 200 bytes
         * in all), so this never truncates */
        char m[320];
        snprintf(m, sizeof m, "not JSON: %s", e->message);
        sim_jsonl_error(NULL, "invalid", m);
        g_error_free(e);
        g_object_unref(p);
        return;
    }
    JsonNode *root = json_parser_get_root(p);
    JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    JsonNode *id = o ? json_object_get_member(o, "id") : NULL;
    JsonNode *mn = o ? json_object_get_member(o, "method") : NULL;
    JsonNode *pn = o ? json_object_get_member(o, "params") : NULL;
    if (!o) {
        sim_jsonl_error(NULL, "invalid", "a request must be a JSON object");
    } else if (!id_ok(id)) {
        sim_jsonl_error(NULL, "invalid", "id: missing, or not a number or a string");
    } else if (!mn || !sim_json_is_str(mn)) {
        sim_jsonl_error(id, "invalid", "method: missing, or not a string");
    } else if (pn && !JSON_NODE_HOLDS_OBJECT(pn) && !JSON_NODE_HOLDS_NULL(pn)) {
        sim_jsonl_error(id, "invalid", "params: must be an object");
    } else {
        JsonObject *empty = json_object_new();
        serve(id, json_node_get_string(mn),
              pn && JSON_NODE_HOLDS_OBJECT(pn) ? json_node_get_object(pn) : empty);
        json_object_unref(empty);
        if (cfg->served)
            cfg->served();
    }
    g_object_unref(p);
}
