/*
 * live_peer.c - a live program on pipes for the adapters' unit tests:
 * see live_peer.h.
 */
#include "live_peer.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long lp_now_ms(void)
{
    struct timespec t;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

const char *lp_built(const char *name, const char *env, char *buf, size_t cap)
{
    const char *e = getenv(env);
    if (e)
        return e;
    ssize_t n = readlink("/proc/self/exe", buf, cap - 32);
    ck_assert_int_gt(n, 0);
    buf[n] = 0;
    for (int k = 0; k < 2; k++)
        *strrchr(buf, '/') = 0;
    strcat(buf, "/");
    strcat(buf, name);
    return buf;
}

void lp_start(lp_peer_t *p, const char *name, char *const argv[], int netns)
{
    int to[2], from[2];
    memset(p, 0, sizeof *p);
    p->name = name;
    ck_assert_int_eq(pipe(to), 0);
    ck_assert_int_eq(pipe(from), 0);
    p->pid = fork();
    ck_assert_int_ge(p->pid, 0);
    if (p->pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        close(to[0]); close(to[1]); close(from[0]); close(from[1]);
        if (netns >= 0 && setns(netns, CLONE_NEWNET) < 0)
            _exit(126);
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    p->in = to[1];
    p->out = from[0];
    p->buf = g_string_new(NULL);
    g_queue_init(&p->events);
}

int lp_wait(lp_peer_t *p)
{
    long deadline = lp_now_ms() + LP_ANSWER_MS;
    for (;;) {
        long left = deadline - lp_now_ms();
        struct pollfd pf = { .fd = p->out, .events = POLLIN };
        if (left <= 0 || poll(&pf, 1, (int)left) <= 0) {
            if (left <= 0)
                return -1;
            continue;
        }
        char b[4096];
        ssize_t k = read(p->out, b, sizeof b);
        if (k <= 0)
            break;
        g_string_append_len(p->buf, b, k);
    }
    int st;
    if (waitpid(p->pid, &st, 0) != p->pid)
        return -1;
    p->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void lp_eof(lp_peer_t *p)
{
    close(p->in);
    p->in = -1;
}

void lp_free(lp_peer_t *p)
{
    if (p->in >= 0)
        close(p->in);
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
    }
    close(p->out);
    g_string_free(p->buf, TRUE);
    g_queue_clear_full(&p->events, (GDestroyNotify)json_node_unref);
}

void lp_send(lp_peer_t *p, const char *line)
{
    size_t n = strlen(line);
    ck_assert_int_eq(write(p->in, line, n), (ssize_t)n);
    ck_assert_int_eq(write(p->in, "\n", 1), 1);
}

JsonNode *lp_line(lp_peer_t *p, long deadline)
{
    for (;;) {
        char *nl = memchr(p->buf->str, '\n', p->buf->len);
        if (nl) {
            *nl = 0;
            JsonParser *jp = json_parser_new();
            GError *e = NULL;
            if (!json_parser_load_from_data(jp, p->buf->str, -1, &e))
                ck_abort_msg("%s wrote a line that is not JSON: '%s' (%s)", p->name, p->buf->str,
                             e->message);
            JsonNode *n = json_node_copy(json_parser_get_root(jp));
            g_object_unref(jp);
            g_string_erase(p->buf, 0, nl - p->buf->str + 1);
            return n;
        }
        long left = deadline - lp_now_ms();
        if (left <= 0)
            return NULL;
        struct pollfd pf = { .fd = p->out, .events = POLLIN };
        if (poll(&pf, 1, (int)left) <= 0)
            continue;
        char b[16384];
        ssize_t k = read(p->out, b, sizeof b);
        if (k <= 0)
            return NULL;                        /* EOF: the caller says what it expected */
        g_string_append_len(p->buf, b, k);
    }
}

JsonObject *lp_obj(JsonNode *n)
{
    ck_assert(n && JSON_NODE_HOLDS_OBJECT(n));
    return json_node_get_object(n);
}

const char *lp_str(JsonObject *o, const char *k)
{
    JsonNode *n = json_object_get_member(o, k);
    ck_assert_msg(n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING,
                  "member '%s' is not a string", k);
    return json_node_get_string(n);
}

gint64 lp_num(JsonObject *o, const char *k)
{
    JsonNode *n = json_object_get_member(o, k);
    ck_assert_msg(n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64,
                  "member '%s' is not an integer", k);
    return json_node_get_int(n);
}

double lp_real(JsonObject *o, const char *k)
{
    JsonNode *n = json_object_get_member(o, k);
    ck_assert_msg(n && JSON_NODE_HOLDS_VALUE(n), "member '%s' is missing", k);
    return json_node_get_double(n);        /* json-glib converts an integer */
}

bool lp_flag(JsonObject *o, const char *k)
{
    JsonNode *n = json_object_get_member(o, k);
    ck_assert_msg(n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN,
                  "member '%s' is not a boolean", k);
    return json_node_get_boolean(n);
}

JsonNode *lp_call(lp_peer_t *p, const char *method, const char *params)
{
    char *line = g_strdup_printf("{\"id\":%d,\"method\":\"%s\"%s%s}", ++p->id, method,
                                 params ? ",\"params\":" : "", params ? params : "");
    lp_send(p, line);
    g_free(line);
    long deadline = lp_now_ms() + LP_ANSWER_MS;
    for (;;) {
        JsonNode *n = lp_line(p, deadline);
        ck_assert_msg(n, "%s: no answer to %s", p->name, method);
        if (json_object_has_member(lp_obj(n), "event")) {
            g_queue_push_tail(&p->events, n);
            continue;
        }
        ck_assert_int_eq(lp_num(lp_obj(n), "id"), p->id);
        return n;
    }
}

JsonNode *lp_ok(lp_peer_t *p, const char *method, const char *params)
{
    JsonNode *n = lp_call(p, method, params);
    JsonObject *o = lp_obj(n);
    if (json_object_has_member(o, "error")) {
        JsonObject *e = json_object_get_object_member(o, "error");
        ck_abort_msg("%s: %s(%s) failed: %s: %s", p->name, method, params ? params : "",
                     lp_str(e, "code"), lp_str(e, "message"));
    }
    JsonNode *r = json_node_copy(json_object_get_member(o, "result"));
    ck_assert(JSON_NODE_HOLDS_OBJECT(r));
    json_node_unref(n);
    return r;
}

void lp_ok0(lp_peer_t *p, const char *method, const char *params)
{
    json_node_unref(lp_ok(p, method, params));
}

void lp_refused(lp_peer_t *p, const char *method, const char *params, const char *code,
                const char *names)
{
    JsonNode *n = lp_call(p, method, params);
    JsonObject *o = lp_obj(n);
    ck_assert_msg(json_object_has_member(o, "error"), "%s(%s) was accepted", method,
                  params ? params : "");
    JsonObject *e = json_object_get_object_member(o, "error");
    ck_assert_msg(strcmp(lp_str(e, "code"), code) == 0, "%s(%s): code %s, not %s (%s)", method,
                  params ? params : "", lp_str(e, "code"), code, lp_str(e, "message"));
    ck_assert_msg(strstr(lp_str(e, "message"), names), "%s: message '%s' does not name '%s'",
                  method, lp_str(e, "message"), names);
    json_node_unref(n);
}

void lp_trickle(lp_peer_t *p, lp_peer_t *other, const char *conn, JsonNode *candidate)
{
    char *cj = json_to_string(candidate, FALSE);
    char *params = g_strdup_printf("{\"connection\":\"%s\",\"candidate\":%s}", conn, cj);
    lp_ok0(p, "connection.setLocalCandidate", params);
    if (other)
        lp_ok0(other, "connection.setRemoteCandidate", params);
    g_free(params);
    g_free(cj);
}

bool lp_pump(lp_peer_t *a, lp_peer_t *b, lp_take_fn take, lp_done_fn done, long deadline)
{
    lp_peer_t *ps[2] = { a, b };
    while (!done(a, b)) {
        bool any = false;
        for (int i = 0; i < 2; i++) {
            JsonNode *n;
            while ((n = g_queue_pop_head(&ps[i]->events))) {
                take(ps[i], n);
                any = true;
            }
        }
        if (any)
            continue;
        /* once, so that poll never sees a deadline already past (a
         * negative timeout would wait for ever) */
        long left = deadline - lp_now_ms();
        if (left <= 0)
            return false;
        struct pollfd pf[2] = { { .fd = a->out, .events = POLLIN }, { .fd = b->out, .events = POLLIN } };
        bool buffered = false;
        for (int i = 0; i < 2; i++)
            if (memchr(ps[i]->buf->str, '\n', ps[i]->buf->len))
                pf[i].revents = POLLIN, buffered = true;
        if (!buffered && poll(pf, 2, (int)left) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (!pf[i].revents)
                continue;
            JsonNode *n = lp_line(ps[i], lp_now_ms() + 100);
            if (!n)
                continue;
            ck_assert_msg(json_object_has_member(lp_obj(n), "event"),
                          "%s: a response nobody asked for", ps[i]->name);
            g_queue_push_tail(&ps[i]->events, n);
        }
    }
    return true;
}
