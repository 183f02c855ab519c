/* A randomized driver for the C ABI (issue 14): calls every exported natskit_* function with
 * random arguments (NULL and real handles, NULL and real out-params, random strings and JSON,
 * random lengths and timeouts) against a real nats-server, and counts the statuses. Built with
 * ASan + UBSan: any crash aborts the run; any status outside the table or any PANIC fails it.
 *
 * It never lies about a buffer: a length is at most the size of the buffer passed with it
 * (huge lengths go with NULL), and an array holds at least the count given with it.
 *
 * NATSKIT_FUZZ_CALLS (default 20000) calls; NATSKIT_FUZZ_SEED picks the PRNG seed (printed);
 * NATS_URL names the server, else the driver starts one (JetStream on). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "natskit.h"

#define STATUS_COUNT 17
#define POOL 3
#define DATA_SIZE ((size_t)3 << 20) /* larger than the default max_payload (1 MB) */

static uint64_t rng_state;
static uint64_t status_counts[STATUS_COUNT];
static uint64_t calls;
static uint64_t call_limit;
static char url[512];
static char connect_options[1024];
static uint8_t *data_buf;

/* splitmix64: small, seedable, good enough to pick arguments */
static uint64_t next_u64(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static uint32_t below(uint32_t n) { return (uint32_t)(next_u64() % n); }
static bool one_in(uint32_t n) { return below(n) == 0; }

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Records a call's status; one outside the table, or a PANIC, ends the run. A call that took
 * over a second is printed (every wait the driver asks for is a few milliseconds). */
static void record(natskit_status status, const char *what, double seconds) {
    calls++;
    if (seconds > 1.0) {
        fprintf(stderr, "fuzz: slow call (%.1f s, %s): %s\n", seconds, natskit_status_name(status), what);
    }
    if ((uint32_t)status >= STATUS_COUNT) {
        fprintf(stderr, "fuzz: %s returned undefined status %u\n", what, (unsigned)status);
        exit(2);
    }
    status_counts[status]++;
    if (status == NATSKIT_STATUS_PANIC) {
        fprintf(stderr, "fuzz: %s panicked: %s\n", what, natskit_last_error());
        exit(3);
    }
}
#define CALL(expr)                                   \
    do {                                             \
        double t0_ = now_seconds();                  \
        natskit_status s_ = (expr);                  \
        record(s_, #expr, now_seconds() - t0_);      \
    } while (0)

/* ---- random strings and JSON (each returned string lives in its own ring slot) ---- */

#define RING 16
#define TEXT_MAX 70000
static char ring[RING][TEXT_MAX];
static unsigned ring_at;
static char *slot(void) { return ring[ring_at++ % RING]; }

static const char *const SUBJECTS[] = {
    "fz.a", "fz.b", "fz.req", "fz.q.x", "fz.*", "fz.>", ">", "*", "a b", "", " ", "fz..a",
    ".fz", "fz.", "fz\t", "fz\r\nPUB x 1", "$JS.API.INFO", "_INBOX.x", "fz.é", "FZS.x",
};
static const char *const NAMES[] = {
    "FZS", "FZS2", "fzkv", "fzq", "fzq2", "default", "", "a b", "a.b", "*", ">", "x/y",
    "processing", "processed", "released", "exception", "failed", "FZC", "fzc", "-",
};

static const char *pick(const char *const *list, size_t n) { return list[below((uint32_t)n)]; }

/* A random string: empty, printable, invalid UTF-8, long, with spaces and wildcards, or one
 * of the interesting names and subjects. */
static const char *random_text(void) {
    char *s = slot();
    switch (below(9)) {
    case 0: return pick(SUBJECTS, sizeof SUBJECTS / sizeof *SUBJECTS);
    case 1: return pick(NAMES, sizeof NAMES / sizeof *NAMES);
    case 2: return "";
    case 3: { /* invalid UTF-8 */
        size_t n = 1 + below(16);
        for (size_t i = 0; i < n; i++) s[i] = (char)(0x80 + below(0x80));
        s[n] = '\0';
        return s;
    }
    case 4: { /* very long */
        size_t n = one_in(8) ? 1 + below(TEXT_MAX - 1) : 1 + below(2000);
        memset(s, one_in(2) ? 'a' : '.', n);
        s[n] = '\0';
        return s;
    }
    case 5: { /* any bytes but NUL */
        size_t n = below(32);
        for (size_t i = 0; i < n; i++) s[i] = (char)(1 + below(255));
        s[n] = '\0';
        return s;
    }
    default: { /* tokens with wildcards, spaces and dots */
        static const char *const parts[] = {"fz", "a", "*", ">", " ", ".", "..", "\n", "x", "é", "\\"};
        size_t n = 1 + below(6), at = 0;
        for (size_t i = 0; i < n; i++) {
            const char *p = parts[below(sizeof parts / sizeof *parts)];
            size_t len = strlen(p);
            memcpy(s + at, p, len);
            at += len;
            if (i + 1 < n) s[at++] = '.';
        }
        s[at] = '\0';
        return s;
    }
    }
}

/* Appends a random JSON value (maybe malformed) of depth at most `depth`. */
static size_t json_value(char *s, size_t at, int depth) {
    static const char *const scalars[] = {
        "0", "-1", "1", "1e300", "-1e300", "NaN", "Infinity", "-0", "1.5", "18446744073709551616",
        "9007199254740993", "null", "true", "false", "\"\"", "\"fz.a\"", "\"a b\"", "\"*\"",
        "\"\\ud800\"", "\"nats://127.0.0.1:1\"", "\"1h\"", "\"2026-01-01T00:00:00Z\"", "[", "{",
        "\"unterminated", "0x10", "01", "",
    };
    static const char *const keys[] = {
        "servers", "name", "subjects", "bucket", "max_age", "ack_wait", "durable_name",
        "request_timeout", "connect_timeout", "queue", "queues", "sleep", "timeout", "delay",
        "tries", "max_payload", "headers", "msg_id", "ttl", "backoff", "retryUntil", "max_jobs",
        "once", "stop_when_empty", "history", "storage", "replicas", "port", "jetstream",
        "reconnect", "max_attempts", "Content-Type", "uuid", "job", "data", "seq", "id", "x",
    };
    if (at > TEXT_MAX - 512) return at;
    uint32_t kind = depth <= 0 ? 0 : below(4);
    if (kind == 0 || kind == 1) {
        const char *v = scalars[below(sizeof scalars / sizeof *scalars)];
        size_t len = strlen(v);
        memcpy(s + at, v, len);
        return at + len;
    }
    bool object = kind == 3;
    s[at++] = object ? '{' : '[';
    uint32_t n = below(5);
    for (uint32_t i = 0; i < n && at < TEXT_MAX - 512; i++) {
        if (i) s[at++] = ',';
        if (object) at += (size_t)sprintf(s + at, "\"%s\":", keys[below(sizeof keys / sizeof *keys)]);
        at = json_value(s, at, depth - 1);
    }
    if (!one_in(20)) s[at++] = object ? '}' : ']';
    return at;
}

/* Random JSON text, or NULL, or plain text, or deep nesting. */
static const char *random_json(void) {
    char *s = slot();
    switch (below(12)) {
    case 0: return NULL;
    case 1: return random_text();
    case 2: { /* deeply nested */
        size_t depth = 1 + below(30000);
        memset(s, '[', depth);
        memset(s + depth, ']', depth);
        s[2 * depth] = '\0';
        return s;
    }
    case 3: return "{}";
    case 4: return "null";
    default: {
        size_t at = json_value(s, 0, 1 + (int)below(4));
        s[at] = '\0';
        return s;
    }
    }
}

/* A JSON object for one of the create calls, mostly well-formed with random values. */
static const char *shaped_json(const char *const *templates, size_t n) {
    if (one_in(3)) return random_json();
    char *s = slot();
    char value[256];
    size_t at = json_value(value, 0, 1);
    value[at] = '\0';
    snprintf(s, TEXT_MAX, pick(templates, n), value);
    return s;
}

/* ---- numbers ---- */

static int64_t random_timeout(bool may_wait) {
    switch (below(10)) {
    case 0: case 1: case 2: return NATSKIT_NO_WAIT;
    case 3: case 4: return NATSKIT_TIMEOUT_DEFAULT;
    case 5: return may_wait ? 1 + below(3) : NATSKIT_NO_WAIT;
    case 6: { /* FOREVER only where nothing waits */
        static const int64_t bad[] = {-3, -1000, INT64_MIN, NATSKIT_FOREVER};
        return bad[below(may_wait ? 3 : 4)];
    }
    case 7: { static const int64_t huge[] = {INT64_MAX, (int64_t)1 << 62, (int64_t)1 << 50}; return huge[below(3)]; }
    default: return one_in(4) && may_wait ? 1 : 0;
    }
}

static uint64_t random_u64(void) {
    static const uint64_t special[] = {0, 1, 2, UINT64_MAX, (uint64_t)1 << 53, ((uint64_t)1 << 53) + 1, (uint64_t)INT64_MAX};
    return one_in(2) ? special[below(7)] : next_u64() % 1000;
}

/* A payload: NULL with any length (huge ones too), or the real buffer with a length within it. */
static void random_data(const void **data, size_t *len) {
    switch (below(8)) {
    case 0: *data = NULL; *len = 0; return;
    case 1: {
        static const size_t huge[] = {1, SIZE_MAX, (size_t)1 << 40, (size_t)-2, (size_t)1 << 20};
        *data = NULL;
        *len = huge[below(5)];
        return;
    }
    case 2:
        *data = data_buf;
        *len = one_in(16) ? below((uint32_t)DATA_SIZE) : (size_t)1 << (20 + below(2)); /* around max_payload */
        return;
    default: *data = data_buf; *len = below(256); return;
    }
}

/* ---- handle pools: each slot NULL or a real handle, freed when replaced ---- */

static natskit_client *clients[POOL];
static natskit_js *jss[POOL];
static natskit_kv *kvs[POOL];
static natskit_obj *objs[POOL];
static natskit_obj_watcher *obj_watchers[POOL];
static natskit_js_publisher *publishers[POOL];
static natskit_manager *managers[POOL];
static natskit_queue *queues[POOL];
static natskit_prefetch *prefetches[POOL];
static natskit_worker *workers[POOL];
static natskit_subscription *subs[POOL];
static natskit_message *messages[POOL];
static natskit_js_msg *js_msgs[POOL];
static natskit_js_consumer_messages *consumes[POOL];
static natskit_job *jobs[POOL];

#define ANY(pool) ((pool)[below(POOL + 1) % POOL])
#define MAYBE_NULL(h) (one_in(6) ? NULL : (h))
#define OUT(var) (one_in(8) ? NULL : &(var))

static natskit_client *a_client(void) { return MAYBE_NULL(ANY(clients)); }
static natskit_js *a_js(void) { return MAYBE_NULL(ANY(jss)); }

static void put_client(natskit_client *c) {
    unsigned i = below(POOL);
    if (clients[i]) {
        if (one_in(2)) CALL(natskit_client_close(clients[i]));
        natskit_client_free(clients[i]);
    }
    clients[i] = c;
}
#define PUT(pool, h, free_fn)          \
    do {                               \
        unsigned i_ = below(POOL);     \
        free_fn((pool)[i_]);           \
        (pool)[i_] = (h);              \
    } while (0)

/* Frees a string the library handed out (or nothing). */
static void take_string(char *s) {
    if (s && one_in(2)) (void)strlen(s);
    natskit_string_free(s);
}

/* ---- the calls, one per export (some calls cover a family) ---- */

static void fuzz_connect(void) {
    natskit_client *c = NULL;
    if (one_in(4)) {
        CALL(natskit_connect(connect_options, OUT(c)));
        if (c) put_client(c);
        return;
    }
    const char *opts = random_json();
    /* a random but valid config would try 127.0.0.1:4222 and its reconnects: only with NULL out */
    CALL(natskit_connect(opts, NULL));
    if (one_in(4)) CALL(natskit_connect("{\"servers\": \"nats://127.0.0.1:1\", \"connect_timeout\": 50}", &c));
    natskit_client_free(c);
}

static void fuzz_client(void) {
    natskit_client *c = a_client();
    const void *data; size_t len;
    random_data(&data, &len);
    switch (below(14)) {
    case 0: CALL(natskit_publish(c, random_text(), data, len)); break;
    case 1: CALL(natskit_publish_msg(c, random_text(), one_in(2) ? NULL : random_text(), one_in(2) ? NULL : random_json(), data, len)); break;
    case 2: {
        natskit_message *m = NULL;
        CALL(natskit_request(c, random_text(), data, len, random_timeout(true), OUT(m)));
        if (m) PUT(messages, m, natskit_message_free);
        break;
    }
    case 3: {
        natskit_message *m = NULL;
        CALL(natskit_request_msg(c, random_text(), random_json(), data, len, random_timeout(true), OUT(m)));
        if (m) PUT(messages, m, natskit_message_free);
        break;
    }
    case 4: {
        natskit_subscription *s = NULL;
        CALL(natskit_subscribe(c, one_in(2) ? "fz.>" : random_text(), one_in(2) ? NULL : random_text(), OUT(s)));
        if (s) PUT(subs, s, natskit_subscription_free);
        break;
    }
    case 5: CALL(natskit_client_flush(c)); break;
    case 6: if (one_in(20)) CALL(natskit_client_close(c)); else CALL(natskit_client_flush(c)); break;
    case 7: if (one_in(20)) CALL(natskit_client_drain(c)); else CALL(natskit_client_flush(NULL)); break;
    case 8: { size_t m = 0; CALL(natskit_client_max_payload(c, OUT(m))); break; }
    case 9: { char *j = NULL; CALL(natskit_client_stats_json(c, OUT(j))); take_string(j); break; }
    case 11: {
        static const char *const health[] = {
            "{\"streams\": [%s]}", "{\"rtt\": {\"warn\": %s}}", "{\"consumers\": [%s]}",
            "{\"queues\": %s, \"age\": {\"crit\": 1}}",
        };
        char *j = NULL;
        uint8_t code = 0;
        CALL(natskit_health(c, one_in(4) ? NULL : shaped_json(health, 4), OUT(j), OUT(code)));
        take_string(j);
        break;
    }
    case 10: { char *j = NULL; CALL(natskit_client_poll_event(c, OUT(j))); take_string(j); break; }
    case 12: { char *t = NULL; CALL(natskit_metrics(c, OUT(t))); take_string(t); break; }
    default: CALL(natskit_client_set_duration_unit(c, one_in(2) ? below(2) : (uint32_t)next_u64())); break;
    }
}

static void fuzz_misc(void) {
    uint32_t which = below(6);
    if (which < 5) calls++;
    switch (which) {
    case 0: (void)strlen(natskit_last_error()); break;
    case 1: (void)natskit_last_error_server_code(); break;
    case 2: (void)strlen(natskit_status_name(one_in(2) ? below(20) : (uint32_t)next_u64())); break;
    case 3: (void)strlen(natskit_version()); break;
    case 4: natskit_string_free(NULL); natskit_bytes_free(NULL, below(2) ? 0 : SIZE_MAX); break;
    default: {
        natskit_local_server *s = NULL;
        /* a valid config would start a server per call: only unknown keys, or no out-param */
        if (one_in(2)) CALL(natskit_local_server_start(random_json(), NULL));
        else CALL(natskit_local_server_start("{\"colour\": 1}", &s));
        natskit_local_server_stop(s);
        const char *u = NULL; uint16_t p = 0;
        CALL(natskit_local_server_url(NULL, OUT(u)));
        CALL(natskit_local_server_port(NULL, OUT(p)));
        natskit_local_server_stop(NULL);
        break;
    }
    }
}

static const char *const STREAM_TEMPLATES[] = {
    "{\"name\": \"FZS\", \"subjects\": [\"FZS.>\"], \"max_age\": %s}",
    "{\"name\": \"FZS2\", \"subjects\": %s, \"max_msgs\": 1000}",
    "{\"name\": %s, \"subjects\": [\"FZS.x\"]}",
    "{\"name\": \"FZS\", \"subjects\": [\"FZS.>\"], \"max_msgs\": 1000, \"duplicate_window\": %s}",
};
static const char *const CONSUMER_TEMPLATES[] = {
    "{\"durable_name\": \"FZC\", \"ack_wait\": %s}",
    "{\"durable_name\": %s}",
    "{\"durable_name\": \"fzc\", \"backoff\": [%s], \"max_deliver\": 3}",
    "{\"name\": \"FZC\", \"filter_subject\": %s}",
};
static const char *const KV_TEMPLATES[] = {
    "{\"bucket\": \"fzkv\", \"history\": %s}",
    "{\"bucket\": %s}",
    "{\"bucket\": \"fzkv\", \"max_age\": %s}",
};
static const char *const PUBLISH_OPTIONS[] = {
    "{\"msg_id\": %s}", "{\"ttl\": %s}", "{\"expected_stream\": %s}", "{\"headers\": %s}",
    "{\"expected_last_seq\": %s}",
};

static const char *stream_name(void) { return one_in(3) ? random_text() : (one_in(2) ? "FZS" : "FZS2"); }
static const char *consumer_name(void) { return one_in(3) ? random_text() : (one_in(2) ? "FZC" : "fzc"); }

static void fuzz_js(void) {
    natskit_js *js = a_js();
    char *j = NULL;
    const void *data; size_t len;
    random_data(&data, &len);
    switch (below(24)) {
    case 0: { natskit_js *n = NULL; CALL(natskit_js_new(a_client(), OUT(n))); if (n) PUT(jss, n, natskit_js_free); break; }
    case 1: { bool a = false; CALL(natskit_js_is_available(js, OUT(a))); break; }
    case 2: CALL(natskit_js_account_info(js, OUT(j))); break;
    case 3: CALL(natskit_js_stream_create(js, shaped_json(STREAM_TEMPLATES, 4), OUT(j))); break;
    case 4: CALL(natskit_js_stream_update(js, shaped_json(STREAM_TEMPLATES, 4), OUT(j))); break;
    case 5: CALL(natskit_js_stream_info(js, stream_name(), OUT(j))); break;
    case 6: CALL(natskit_js_stream_list(js, random_u64(), one_in(2) ? NULL : random_text(), OUT(j))); break;
    case 7: CALL(natskit_js_stream_names(js, one_in(2) ? NULL : random_text(), OUT(j))); break;
    case 8: { uint64_t n = 0; CALL(natskit_js_stream_purge(js, stream_name(), random_json(), OUT(n))); break; }
    case 9: if (one_in(10)) CALL(natskit_js_stream_delete(js, stream_name())); else CALL(natskit_js_stream_delete(js, random_text())); break;
    case 10: case 11: {
        void *d = NULL; size_t l = 0;
        if (below(2)) CALL(natskit_js_stream_get_message(js, stream_name(), random_u64(), OUT(j), OUT(d), OUT(l)));
        else CALL(natskit_js_stream_last_message(js, stream_name(), random_text(), OUT(j), OUT(d), OUT(l)));
        natskit_bytes_free(d, l);
        break;
    }
    case 12: CALL(natskit_js_stream_delete_message(js, stream_name(), random_u64())); break;
    case 13: CALL(natskit_js_consumer_create(js, stream_name(), shaped_json(CONSUMER_TEMPLATES, 4), OUT(j))); break;
    case 14: CALL(natskit_js_consumer_update(js, stream_name(), shaped_json(CONSUMER_TEMPLATES, 4), OUT(j))); break;
    case 15: CALL(natskit_js_consumer_info(js, stream_name(), consumer_name(), OUT(j))); break;
    case 16: CALL(natskit_js_consumer_list(js, stream_name(), random_u64(), OUT(j))); break;
    case 17: CALL(natskit_js_consumer_delete(js, stream_name(), one_in(5) ? consumer_name() : random_text())); break;
    case 18:
        if (below(2)) CALL(natskit_js_consumer_pause(js, stream_name(), consumer_name(), one_in(2) ? "2030-01-01T00:00:00Z" : random_text(), OUT(j)));
        else CALL(natskit_js_consumer_resume(js, stream_name(), consumer_name(), OUT(j)));
        break;
    case 19: case 20:
        CALL(natskit_js_publish(js, one_in(2) ? "FZS.a" : random_text(), data, len, shaped_json(PUBLISH_OPTIONS, 5), OUT(j)));
        break;
    case 21: {
        natskit_js_publisher *p = NULL;
        size_t max = one_in(4) ? (size_t)next_u64() : below(8);
        CALL(natskit_js_publisher_new(js, max, OUT(p)));
        if (p) PUT(publishers, p, natskit_js_publisher_free);
        break;
    }
    case 22:
        CALL(natskit_js_publisher_publish(MAYBE_NULL(ANY(publishers)), one_in(2) ? "FZS.p" : random_text(), data, len, shaped_json(PUBLISH_OPTIONS, 5)));
        break;
    default: CALL(natskit_js_publisher_wait(MAYBE_NULL(ANY(publishers)), OUT(j))); break;
    }
    take_string(j);
}

/* A fetch's TIMEOUT_DEFAULT waits the whole JetStream API timeout: rarely. */
static int64_t fetch_timeout(void) {
    int64_t t = random_timeout(true);
    return t == NATSKIT_TIMEOUT_DEFAULT && !one_in(50) ? NATSKIT_NO_WAIT : t;
}

static void fuzz_fetch(void) {
    natskit_js_msg *slots[16] = {0};
    size_t count = 0;
    natskit_js *js = a_js();
    if (below(2)) {
        size_t max = below(17);
        bool null_array = one_in(8);
        if (null_array && one_in(2)) max = (size_t)next_u64();
        CALL(natskit_js_fetch(js, stream_name(), consumer_name(), max, fetch_timeout(), null_array ? NULL : slots, OUT(count)));
        if (!null_array)
            for (size_t i = 0; i < count && i < 16; i++) {
                if (one_in(2)) PUT(js_msgs, slots[i], natskit_js_msg_free);
                else natskit_js_msg_free(slots[i]);
            }
    } else {
        natskit_js_msg *m = NULL;
        CALL(natskit_js_fetch_next(js, stream_name(), consumer_name(), fetch_timeout(), OUT(m)));
        if (m) PUT(js_msgs, m, natskit_js_msg_free);
    }
}

static const char *const CONSUME_OPTIONS[] = {
    "{\"batch\": %s}", "{\"expires\": %s}", "{\"batch\": 4, \"expires\": %s}", "{\"heartbeat\": %s}",
};

static const char *const ORDERED_OPTIONS[] = {
    "{\"opt_start_seq\": %s}", "{\"deliver_policy\": %s}", "{\"filter_subjects\": %s}", "{\"heartbeat\": %s}",
};

static void fuzz_consume(void) {
    natskit_js_consumer_messages *h = MAYBE_NULL(ANY(consumes));
    switch (below(5)) {
    case 0: {
        natskit_js_consumer_messages *n = NULL;
        if (below(2)) CALL(natskit_js_consume(a_js(), stream_name(), consumer_name(), shaped_json(CONSUME_OPTIONS, 4), OUT(n)));
        else CALL(natskit_js_ordered(a_js(), stream_name(), shaped_json(ORDERED_OPTIONS, 4), OUT(n)));
        if (n) PUT(consumes, n, natskit_js_consume_free);
        break;
    }
    case 1: case 2: {
        natskit_js_msg *m = NULL;
        CALL(natskit_js_consume_next(h, random_timeout(true), OUT(m)));
        if (m) PUT(js_msgs, m, natskit_js_msg_free);
        break;
    }
    case 3: CALL(natskit_js_consume_stop(h)); break;
    default: PUT(consumes, NULL, natskit_js_consume_free); calls++; /* a free is a call too (it records no status) */ break;
    }
}

static void fuzz_js_msg(void) {
    natskit_js_msg *m = MAYBE_NULL(ANY(js_msgs));
    const char *s = NULL;
    switch (below(10)) {
    case 0: CALL(natskit_js_msg_subject(m, OUT(s))); break;
    case 1: { const uint8_t *d = NULL; size_t l = 0; CALL(natskit_js_msg_data(m, OUT(d), OUT(l))); if (d && l) (void)d[l - 1]; break; }
    case 2: CALL(natskit_js_msg_headers_json(m, OUT(s))); break;
    case 3: CALL(natskit_js_msg_metadata_json(m, OUT(s))); break;
    case 4: CALL(natskit_js_msg_ack(m)); break;
    case 5: CALL(natskit_js_msg_double_ack(m)); break;
    case 6: CALL(natskit_js_msg_nak(m, random_timeout(false))); break;
    case 7: CALL(natskit_js_msg_term(m, one_in(2) ? NULL : random_text())); break;
    case 8: CALL(natskit_js_msg_in_progress(m)); break;
    default: PUT(js_msgs, NULL, natskit_js_msg_free); calls++; /* a free is a call too (it records no status) */ break;
    }
    if (s) (void)strlen(s);
}

static const char *kv_key(void) { return one_in(2) ? "k1" : random_text(); }

static void fuzz_kv(void) {
    natskit_kv *kv = MAYBE_NULL(ANY(kvs));
    const void *data; size_t len;
    random_data(&data, &len);
    uint64_t rev = 0;
    char *j = NULL;
    switch (below(12)) {
    case 0: { natskit_kv *n = NULL; CALL(natskit_kv_create(a_js(), shaped_json(KV_TEMPLATES, 3), OUT(n))); if (n) PUT(kvs, n, natskit_kv_free); break; }
    case 1: { natskit_kv *n = NULL; CALL(natskit_kv_open(a_js(), one_in(2) ? "fzkv" : random_text(), OUT(n))); if (n) PUT(kvs, n, natskit_kv_free); break; }
    case 2: CALL(natskit_kv_delete_bucket(a_js(), one_in(20) ? "fzkv" : random_text())); break;
    case 3: CALL(natskit_kv_put(kv, kv_key(), data, len, OUT(rev))); break;
    case 4: CALL(natskit_kv_create_key(kv, kv_key(), data, len, OUT(rev))); break;
    case 5: CALL(natskit_kv_update(kv, kv_key(), data, len, random_u64(), OUT(rev))); break;
    case 6: { void *d = NULL; size_t l = 0; CALL(natskit_kv_get(kv, kv_key(), OUT(j), OUT(d), OUT(l))); natskit_bytes_free(d, l); break; }
    case 7: CALL(natskit_kv_delete(kv, kv_key())); break;
    case 8: CALL(natskit_kv_purge(kv, kv_key())); break;
    case 9: CALL(natskit_kv_keys(kv, OUT(j))); break;
    case 10: CALL(natskit_kv_history(kv, kv_key(), OUT(j))); break;
    default: PUT(kvs, NULL, natskit_kv_free); calls++; /* a free is a call too (it records no status) */ break;
    }
    take_string(j);
}

static const char *const OBJ_TEMPLATES[] = {
    "{\"bucket\": %s}",
    "{\"bucket\": \"fzobj\", \"max_age\": %s}",
    "{\"bucket\": \"fzobj\", \"storage\": %s}",
};
static const char *const OBJ_PUT_OPTIONS[] = {
    "{\"description\": %s}", "{\"headers\": %s}", "{\"metadata\": %s}",
};

static const char *obj_name(void) { return one_in(2) ? "o1" : random_text(); }

/* Object stores; a get to a file only ever writes one fixed temporary path. */
static void fuzz_obj(void) {
    natskit_obj *obj = MAYBE_NULL(ANY(objs));
    const void *data; size_t len;
    random_data(&data, &len);
    char *j = NULL;
    const char *options = one_in(2) ? NULL : shaped_json(OBJ_PUT_OPTIONS, 3);
    switch (below(18)) {
    case 0: { natskit_obj *n = NULL; CALL(natskit_obj_create(a_js(), shaped_json(OBJ_TEMPLATES, 3), OUT(n))); if (n) PUT(objs, n, natskit_obj_free); break; }
    case 1: { natskit_obj *n = NULL; CALL(natskit_obj_open(a_js(), one_in(2) ? "fzobj" : random_text(), OUT(n))); if (n) PUT(objs, n, natskit_obj_free); break; }
    case 2: CALL(natskit_obj_delete_bucket(a_js(), one_in(20) ? "fzobj" : random_text())); break;
    case 3: CALL(natskit_obj_buckets(a_js(), OUT(j))); break;
    case 4: CALL(natskit_obj_put(obj, obj_name(), data, len, options, one_in(2) ? NULL : &j)); break;
    case 5: CALL(natskit_obj_put_file(obj, obj_name(), one_in(2) ? "/proc/self/stat" : random_text(), options, one_in(2) ? NULL : &j)); break;
    case 6: { void *d = NULL; size_t l = 0; CALL(natskit_obj_get(obj, obj_name(), OUT(j), OUT(d), OUT(l))); natskit_bytes_free(d, l); break; }
    case 7: CALL(natskit_obj_get_file(obj, obj_name(), one_in(4) ? NULL : "/tmp/natskit-fuzz-obj", one_in(2) ? NULL : &j)); break;
    case 8: CALL(natskit_obj_info(obj, obj_name(), OUT(j))); break;
    case 9: CALL(natskit_obj_list(obj, OUT(j))); break;
    case 10: CALL(natskit_obj_delete(obj, obj_name())); break;
    case 11: CALL(natskit_obj_link(obj, obj_name(), obj_name(), one_in(2) ? NULL : &j)); break;
    case 12: if (one_in(50)) CALL(natskit_obj_seal(obj)); break;
    case 13: { natskit_obj_watcher *n = NULL; CALL(natskit_obj_watch(obj, one_in(2) ? NULL : random_json(), OUT(n))); if (n) PUT(obj_watchers, n, natskit_obj_watch_free); break; }
    case 14: CALL(natskit_obj_watch_next(MAYBE_NULL(ANY(obj_watchers)), random_timeout(false), OUT(j))); break;
    case 15: CALL(natskit_obj_watch_stop(MAYBE_NULL(ANY(obj_watchers)))); break;
    case 16: PUT(obj_watchers, NULL, natskit_obj_watch_free); calls++; break;
    default: PUT(objs, NULL, natskit_obj_free); calls++; /* a free is a call too (it records no status) */ break;
    }
    take_string(j);
}

static void fuzz_manager(void) {
    natskit_manager *m = MAYBE_NULL(ANY(managers));
    switch (below(5)) {
    case 0: {
        natskit_manager *n = NULL;
        char config[1200];
        snprintf(config, sizeof config, "{\"default\": \"a\", \"connections\": {\"a\": %s}}", connect_options);
        CALL(natskit_manager_new(one_in(2) ? config : random_json(), OUT(n)));
        if (n) PUT(managers, n, natskit_manager_free);
        break;
    }
    case 1: {
        natskit_client *c = NULL;
        CALL(natskit_manager_connection(m, one_in(2) ? NULL : (one_in(2) ? "a" : random_text()), OUT(c)));
        if (c) put_client(c);
        break;
    }
    case 2: CALL(natskit_manager_close(m, one_in(2) ? NULL : random_text())); break;
    case 3: CALL(natskit_manager_close_all(one_in(4) ? m : NULL)); break;
    default: PUT(managers, NULL, natskit_manager_free); calls++; /* a free is a call too (it records no status) */ break;
    }
}

static void fuzz_message(void) {
    natskit_message *m = MAYBE_NULL(ANY(messages));
    const char *s = NULL;
    const void *data; size_t len;
    random_data(&data, &len);
    switch (below(6)) {
    case 0: CALL(natskit_message_subject(m, OUT(s))); break;
    case 1: CALL(natskit_message_reply(m, OUT(s))); break;
    case 2: { const uint8_t *d = NULL; size_t l = 0; CALL(natskit_message_data(m, OUT(d), OUT(l))); if (d && l) (void)d[l - 1]; break; }
    case 3: CALL(natskit_message_headers_json(m, OUT(s))); break;
    case 4: CALL(natskit_message_respond(m, one_in(2) ? NULL : random_json(), data, len)); break;
    default: PUT(messages, NULL, natskit_message_free); calls++; /* a free is a call too (it records no status) */ break;
    }
    if (s) (void)strlen(s);
}

static void fuzz_subscription(void) {
    natskit_subscription *s = MAYBE_NULL(ANY(subs));
    natskit_message *m = NULL;
    switch (below(6)) {
    case 0: case 1: CALL(natskit_subscription_next(s, s ? random_timeout(true) : NATSKIT_FOREVER, OUT(m))); break;
    case 2: {
        const natskit_subscription *list[POOL];
        size_t n = below(POOL + 1), index = 0;
        for (size_t i = 0; i < n; i++) list[i] = subs[i]; /* NULL entries are bad input too */
        bool null_list = one_in(8);
        if (null_list && one_in(2)) n = (size_t)next_u64();
        CALL(natskit_subscription_next_any(null_list ? NULL : list, n, random_timeout(true), OUT(index), OUT(m)));
        break;
    }
    case 3: if (one_in(4)) CALL(natskit_subscription_unsubscribe(s)); else CALL(natskit_subscription_drain(s)); break;
    case 4: { uint64_t d = 0; CALL(natskit_subscription_dropped(s, OUT(d))); break; }
    default: PUT(subs, NULL, natskit_subscription_free); calls++; /* a free is a call too (it records no status) */ break;
    }
    if (m) PUT(messages, m, natskit_message_free);
}

static const char *const PUSH_TEMPLATES[] = {
    "{\"delay\": %s}", "{\"tries\": %s}", "{\"backoff\": %s}", "{\"timeout\": %s}",
    "{\"retryUntil\": %s}", "{\"id\": %s}", "{\"uniqueKey\": %s}",
};
static const char *const WORKER_TEMPLATES[] = {
    "{\"queues\": [\"fzq\"], \"sleep\": %s}", "{\"queues\": %s, \"sleep\": 5}",
    "{\"queues\": [\"fzq\"], \"sleep\": 5, \"max_jobs\": %s}", "{\"sleep\": 5, \"timeout\": %s}",
    "{\"queues\": [\"fzq\"], \"sleep\": 5, \"rest\": %s}", "{\"queues\": [\"fzq\"], \"sleep\": 5, \"prefetch\": %s}",
};

static void keep_job(natskit_job *job) { if (job) PUT(jobs, job, natskit_job_free); }

static void fuzz_queue(void) {
    natskit_queue *q = MAYBE_NULL(ANY(queues));
    char *j = NULL;
    int64_t delay = random_timeout(false);
    switch (below(20)) {
    case 0: { natskit_queue *n = NULL; CALL(natskit_queue_new(a_client(), one_in(2) ? "fzq" : random_text(), OUT(n))); if (n) PUT(queues, n, natskit_queue_free); break; }
    case 1: case 2: CALL(natskit_queue_push(q, one_in(2) ? "FuzzJob" : random_text(), random_json(), shaped_json(PUSH_TEMPLATES, 7), OUT(j))); break;
    case 3: CALL(natskit_queue_later(q, delay, random_text(), random_json(), shaped_json(PUSH_TEMPLATES, 7), OUT(j))); break;
    case 4: CALL(natskit_queue_push_envelope(q, random_json(), delay, OUT(j))); break;
    case 5: CALL(natskit_queue_push_envelopes(q, random_json(), delay, OUT(j))); break;
    case 6: CALL(natskit_queue_push_copy(q, random_json(), delay, OUT(j))); break;
    case 7: { natskit_job *job = NULL; CALL(natskit_queue_pop(q, random_timeout(true), OUT(job))); keep_job(job); break; }
    case 8: {
        natskit_job *slots[8] = {0};
        size_t max = below(9), count = 0;
        bool null_array = one_in(8);
        if (null_array && one_in(2)) max = (size_t)next_u64();
        CALL(natskit_queue_pop_many(q, max, random_timeout(true), null_array ? NULL : slots, OUT(count)));
        if (!null_array) for (size_t i = 0; i < count && i < 8; i++) keep_job(slots[i]);
        break;
    }
    case 9:
        if (one_in(4)) CALL(natskit_queue_placement_json(q, OUT(j)));
        else if (one_in(10)) CALL(natskit_queue_migrate_json(q, OUT(j)));
        else CALL(natskit_queue_size_json(q, OUT(j)));
        break;
    case 10: if (one_in(10)) CALL(natskit_queue_clear_json(q, OUT(j))); else CALL(natskit_queue_clear_json(NULL, OUT(j))); break;
    case 11: { uint64_t n = 0; CALL(natskit_queue_clear(one_in(10) ? q : NULL, OUT(n))); break; }
    case 12: CALL(natskit_queue_failed_list(q, one_in(2) ? NULL : random_text(), OUT(j))); break;
    case 13: CALL(natskit_queue_failed_get(q, random_text(), OUT(j))); break;
    case 14: CALL(natskit_queue_failed_retry(q, random_json(), OUT(j))); break;
    case 15: { bool found = false; CALL(natskit_queue_failed_forget(q, random_text(), OUT(found))); break; }
    case 16: { uint64_t n = 0; CALL(natskit_queue_failed_flush(q, random_timeout(false), OUT(n))); break; }
    case 17: CALL(natskit_queue_failed_report(q, random_json(), below(2), one_in(2) ? NULL : random_text())); break;
    case 18: {
        natskit_prefetch *p = NULL;
        CALL(natskit_prefetch_new(q, one_in(4) ? (size_t)next_u64() : below(8), OUT(p)));
        if (p) PUT(prefetches, p, natskit_prefetch_free);
        break;
    }
    default: PUT(queues, NULL, natskit_queue_free); calls++; /* a free is a call too (it records no status) */ break;
    }
    take_string(j);
}

static void fuzz_prefetch_and_worker(void) {
    natskit_prefetch *p = MAYBE_NULL(ANY(prefetches));
    natskit_worker *w = MAYBE_NULL(ANY(workers));
    natskit_job *job = NULL;
    char *j = NULL;
    switch (below(10)) {
    case 0: CALL(natskit_prefetch_pop(p, random_timeout(true), OUT(job))); break;
    case 1: { size_t n = 0; CALL(natskit_prefetch_unreserve(p, OUT(n))); break; }
    case 2: { natskit_worker *n = NULL; CALL(natskit_worker_new(a_client(), shaped_json(WORKER_TEMPLATES, 6), OUT(n))); if (n) PUT(workers, n, natskit_worker_free); break; }
    case 3: CALL(natskit_worker_hook_check(random_text())); break;
    case 4: case 5: {
        natskit_worker_step step = 0;
        const char *reason = NULL;
        CALL(natskit_worker_next(w, random_timeout(true), OUT(step), OUT(job), OUT(reason)));
        if (reason) (void)strlen(reason);
        break;
    }
    case 6: if (one_in(4)) CALL(natskit_worker_stop(w)); else CALL(natskit_worker_stop(NULL)); break;
    case 7: CALL(natskit_worker_report_memory(w, random_u64())); break;
    case 8: CALL(natskit_worker_stats_json(w, OUT(j))); break;
    default:
        if (below(2)) PUT(workers, NULL, natskit_worker_free);
        else PUT(prefetches, NULL, natskit_prefetch_free);
        calls++; /* a free is a call too (it records no status) */
        break;
    }
    keep_job(job);
    take_string(j);
}

static void fuzz_job(void) {
    natskit_job *job = MAYBE_NULL(ANY(jobs));
    const char *s = NULL;
    char *j = NULL;
    switch (below(14)) {
    case 0: CALL(natskit_job_id(job, OUT(s))); break;
    case 1: CALL(natskit_job_name(job, OUT(s))); break;
    case 2: CALL(natskit_job_queue(job, OUT(s))); break;
    case 3: CALL(natskit_job_payload_json(job, OUT(s))); break;
    case 4: CALL(natskit_job_envelope_json(job, OUT(s))); break;
    case 5: CALL(natskit_job_invalid(job, OUT(s))); break;
    case 6: { uint32_t a = 0; CALL(natskit_job_attempts(job, OUT(a))); break; }
    case 7: CALL(natskit_job_complete(job, OUT(j))); break;
    case 8: CALL(natskit_job_delete(job, OUT(j))); break;
    case 9: CALL(natskit_job_release(job, random_timeout(false), OUT(j))); break;
    case 10: CALL(natskit_job_fail(job, one_in(2) ? NULL : random_text(), OUT(j))); break;
    case 11: CALL(natskit_job_error(job, random_text(), one_in(2) ? NULL : random_text(), one_in(2) ? NULL : random_text(), OUT(j))); break;
    default: PUT(jobs, NULL, natskit_job_free); calls++; /* a free is a call too (it records no status) */ break;
    }
    if (s) (void)strlen(s);
    take_string(j);
}

static void (*const FAMILIES[])(void) = {
    fuzz_connect, fuzz_client, fuzz_client, fuzz_client, fuzz_misc, fuzz_js, fuzz_js, fuzz_js,
    fuzz_fetch, fuzz_consume, fuzz_js_msg, fuzz_kv, fuzz_kv, fuzz_obj, fuzz_manager, fuzz_message, fuzz_subscription,
    fuzz_subscription, fuzz_queue, fuzz_queue, fuzz_queue, fuzz_prefetch_and_worker, fuzz_job,
};

static void free_all(void) {
    for (int i = 0; i < POOL; i++) {
        natskit_job_free(jobs[i]);
        natskit_js_msg_free(js_msgs[i]);
        natskit_js_consume_free(consumes[i]);
        natskit_message_free(messages[i]);
        natskit_subscription_free(subs[i]);
        natskit_worker_free(workers[i]);
        natskit_prefetch_free(prefetches[i]);
        natskit_queue_free(queues[i]);
        natskit_js_publisher_free(publishers[i]);
        natskit_kv_free(kvs[i]);
        natskit_obj_watch_free(obj_watchers[i]);
        natskit_obj_free(objs[i]);
        natskit_js_free(jss[i]);
        natskit_manager_free(managers[i]);
        if (clients[i]) natskit_client_close(clients[i]);
        natskit_client_free(clients[i]);
    }
}

static uint64_t env_u64(const char *name, uint64_t fallback) {
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : fallback;
}

int main(void) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    rng_state = env_u64("NATSKIT_FUZZ_SEED", (uint64_t)time(NULL) ^ ((uint64_t)start.tv_nsec << 20));
    call_limit = env_u64("NATSKIT_FUZZ_CALLS", 20000);
    printf("fuzz_driver: seed %" PRIu64 " (NATSKIT_FUZZ_SEED), %" PRIu64 " calls (NATSKIT_FUZZ_CALLS)\n", rng_state, call_limit);
    fflush(stdout);

    natskit_local_server *server = NULL;
    const char *given = getenv("NATS_URL");
    if (given && *given) {
        snprintf(url, sizeof url, "%s", given);
    } else {
        const char *u = NULL;
        if (natskit_local_server_start("{\"jetstream\": true}", &server) != NATSKIT_STATUS_OK ||
            natskit_local_server_url(server, &u) != NATSKIT_STATUS_OK) {
            fprintf(stderr, "fuzz: cannot start nats-server: %s\n", natskit_last_error());
            return 1;
        }
        snprintf(url, sizeof url, "%s", u);
    }
    /* short timeouts (seconds, as in every connection config) keep the calls that wait short */
    snprintf(connect_options, sizeof connect_options,
             "{\"servers\": \"%s\", \"request_timeout\": 0.005, \"jetstream\": {\"timeout\": 0.2}}", url);
    data_buf = malloc(DATA_SIZE);
    if (!data_buf) return 1;
    for (size_t i = 0; i < DATA_SIZE; i++) data_buf[i] = (uint8_t)i;

    natskit_client *first = NULL;
    if (natskit_connect(connect_options, &first) != NATSKIT_STATUS_OK) {
        fprintf(stderr, "fuzz: cannot connect to %s: %s\n", url, natskit_last_error());
        return 1;
    }
    clients[0] = first;
    natskit_js_new(first, &jss[0]);
    natskit_queue_new(first, "fzq", &queues[0]);
    natskit_subscribe(first, "fz.>", NULL, &subs[0]);

    const size_t families = sizeof FAMILIES / sizeof *FAMILIES;
    uint64_t report = call_limit / 10 ? call_limit / 10 : 1, next_report = report;
    while (calls < call_limit) {
        if (!clients[0] || one_in(5000)) { /* keep one live connection most of the time */
            natskit_client *c = NULL;
            if (natskit_connect(connect_options, &c) == NATSKIT_STATUS_OK) {
                if (clients[0]) natskit_client_free(clients[0]);
                clients[0] = c;
            }
        }
        FAMILIES[below((uint32_t)families)]();
        if (calls >= next_report) {
            clock_gettime(CLOCK_MONOTONIC, &end);
            printf("fuzz_driver: %" PRIu64 " calls, %.1f s\n", calls,
                   (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9);
            fflush(stdout);
            next_report += report;
        }
    }
    free_all();
    natskit_local_server_stop(server);
    free(data_buf);

    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("fuzz_driver: %" PRIu64 " calls in %.1f s, 0 crashes; statuses:", calls, seconds);
    for (uint32_t s = 0; s < STATUS_COUNT; s++)
        if (status_counts[s]) printf(" %s=%" PRIu64, natskit_status_name(s), status_counts[s]);
    printf("\n");
    return 0;
}
