/* natskit JetStream through the C ABI against a real nats-server: streams, stored messages,
 * publish with ack (dedup, expectations), consumers with counters, pull fetch with metadata
 * and acks (nak delay, term), continuous consume, pipelined publish, key-value and its watch, and a
 * server without JetStream. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static const char *url;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Checks that `json` contains `needle`. */
static void expect_json(char *json, const char *needle) {
    if (strstr(json, needle) == NULL) {
        fprintf(stderr, "JSON %s lacks %s\n", json, needle);
        exit(1);
    }
    checks_passed++;
}

/* Polls a consumer's info until it contains both needles (the server updates its counters
 * shortly after acks), failing after 5 s. */
static void wait_consumer(natskit_js *js, const char *stream, const char *consumer,
                          const char *a, const char *b) {
    long long deadline = now_ms() + 5000;
    for (;;) {
        char *info = NULL;
        CHECK_OK(natskit_js_consumer_info(js, stream, consumer, &info));
        int found = strstr(info, a) != NULL && strstr(info, b) != NULL;
        if (found || now_ms() > deadline) {
            if (!found) fprintf(stderr, "consumer info %s lacks %s or %s\n", info, a, b);
            natskit_string_free(info);
            CHECK(found);
            return;
        }
        natskit_string_free(info);
        struct timespec pause = {0, 25 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

static natskit_js *open_js(natskit_client *c) {
    natskit_js *js = NULL;
    CHECK_OK(natskit_js_new(c, &js));
    return js;
}

static void publish_n(natskit_js *js, const char *subject, int n) {
    for (int i = 0; i < n; i++) {
        char body[32], *ack = NULL;
        int len = snprintf(body, sizeof body, "msg-%d", i);
        CHECK_OK(natskit_js_publish(js, subject, body, (size_t)len, NULL, &ack));
        natskit_string_free(ack);
    }
}

static void test_streams_round_trip(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = open_js(c);
    bool available = false;
    CHECK_OK(natskit_js_is_available(js, &available));
    CHECK(available);
    char *info = NULL;
    CHECK_OK(natskit_js_stream_create(js,
        "{\"name\": \"ORDERS\", \"subjects\": [\"orders.>\"], \"storage\": \"memory\", "
        "\"max_msgs\": 1000, \"max_age\": 3600000, \"description\": \"orders\", "
        "\"duplicate_window\": 60000}", &info));
    expect_json(info, "\"max_msgs\":1000");
    expect_json(info, "\"max_age\":3600000");
    expect_json(info, "\"duplicate_window\":60000");
    expect_json(info, "\"storage\":\"memory\"");
    natskit_string_free(info);
    CHECK_OK(natskit_js_stream_update(js,
        "{\"name\": \"ORDERS\", \"subjects\": [\"orders.>\"], \"storage\": \"memory\", "
        "\"max_msgs\": 500, \"max_age\": 3600000, \"description\": \"orders v2\", "
        "\"duplicate_window\": 60000}", &info));
    natskit_string_free(info);
    CHECK_OK(natskit_js_stream_info(js, "ORDERS", &info));
    expect_json(info, "\"max_msgs\":500");
    expect_json(info, "\"description\":\"orders v2\"");
    expect_json(info, "\"messages\":0");
    natskit_string_free(info);

    publish_n(js, "orders.new", 3);
    publish_n(js, "orders.paid", 2);
    CHECK_OK(natskit_js_stream_info(js, "ORDERS", &info));
    expect_json(info, "\"messages\":5");
    expect_json(info, "\"first_seq\":1");
    expect_json(info, "\"last_seq\":5");
    natskit_string_free(info);

    char *meta = NULL;
    void *data = NULL;
    size_t len = 0;
    CHECK_OK(natskit_js_stream_get_message(js, "ORDERS", 2, &meta, &data, &len));
    expect_json(meta, "\"subject\":\"orders.new\"");
    expect_json(meta, "\"sequence\":2");
    expect_json(meta, "\"time\":\"20");
    CHECK(strstr(meta, "Z\"") != NULL);
    CHECK(len == 5 && memcmp(data, "msg-1", 5) == 0);
    natskit_string_free(meta);
    natskit_bytes_free(data, len);
    CHECK_OK(natskit_js_stream_last_message(js, "ORDERS", "orders.paid", &meta, &data, &len));
    expect_json(meta, "\"sequence\":5");
    CHECK(len == 5 && memcmp(data, "msg-1", 5) == 0);
    natskit_string_free(meta);
    natskit_bytes_free(data, len);
    CHECK_OK(natskit_js_stream_delete_message(js, "ORDERS", 2));
    CHECK_STATUS(natskit_js_stream_get_message(js, "ORDERS", 2, &meta, &data, &len),
                 NATSKIT_STATUS_NOT_FOUND);

    uint64_t purged = 0;
    CHECK_OK(natskit_js_stream_purge(js, "ORDERS", "{\"subject\": \"orders.new\", \"keep\": 1}", &purged));
    CHECK(purged == 1);
    CHECK_OK(natskit_js_stream_purge(js, "ORDERS", NULL, &purged));
    CHECK(purged == 3);
    CHECK_STATUS(natskit_js_stream_purge(js, "ORDERS", "{\"kept\": 1}", &purged),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(natskit_last_error_server_code() == 0);

    for (int i = 0; i < 3; i++) {
        char config[128];
        snprintf(config, sizeof config,
                 "{\"name\": \"PAGE_%d\", \"subjects\": [\"page.%d\"], \"storage\": \"memory\"}", i, i);
        CHECK_OK(natskit_js_stream_create(js, config, &info));
        natskit_string_free(info);
    }
    CHECK_STATUS(natskit_js_stream_create(
                     js, "{\"name\": \"PAGE_0\", \"subjects\": [\"elsewhere\"]}", &info),
                 NATSKIT_STATUS_JETSTREAM);
    CHECK(natskit_last_error_server_code() == 10058);
    char *page = NULL;
    CHECK_OK(natskit_js_stream_list(js, 0, NULL, &page));
    expect_json(page, "\"total\":4");
    expect_json(page, "\"offset\":0");
    natskit_string_free(page);
    CHECK_OK(natskit_js_stream_list(js, 3, NULL, &page));
    expect_json(page, "\"offset\":3");
    CHECK(strstr(page, "\"name\":") != NULL);
    natskit_string_free(page);
    CHECK_OK(natskit_js_stream_names(js, "page.1", &page));
    CHECK(strcmp(page, "[\"PAGE_1\"]") == 0);
    natskit_string_free(page);
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "PAGE_%d", i);
        CHECK_OK(natskit_js_stream_delete(js, name));
    }
    CHECK_OK(natskit_js_stream_delete(js, "ORDERS"));
    CHECK_STATUS(natskit_js_stream_info(js, "ORDERS", &info), NATSKIT_STATUS_NOT_FOUND);
    CHECK_ERROR_TEXT("10059");
    CHECK(natskit_last_error_server_code() == 10059);
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_publish_dedup_and_expectations(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = open_js(c);
    char *info = NULL;
    CHECK_OK(natskit_js_stream_create(js, "{\"name\": \"PUB\", \"subjects\": [\"pub.>\"], \"storage\": \"memory\"}", &info));
    natskit_string_free(info);
    char *ack = NULL;
    CHECK_OK(natskit_js_publish(js, "pub.a", "x", 1, "{\"msg_id\": \"m-1\", \"headers\": {\"X-K\": \"v\"}}", &ack));
    CHECK(strcmp(ack, "{\"stream\":\"PUB\",\"sequence\":1,\"duplicate\":false,\"domain\":null}") == 0);
    natskit_string_free(ack);
    CHECK_OK(natskit_js_publish(js, "pub.a", "x", 1, "{\"msg_id\": \"m-1\"}", &ack));
    expect_json(ack, "\"duplicate\":true");
    natskit_string_free(ack);
    CHECK_OK(natskit_js_publish(js, "pub.a", "y", 1, "{\"expected_last_seq\": 1}", &ack));
    expect_json(ack, "\"sequence\":2");
    natskit_string_free(ack);
    ack = NULL;
    CHECK_STATUS(natskit_js_publish(js, "pub.a", "z", 1, "{\"expected_last_seq\": 1}", &ack),
                 NATSKIT_STATUS_JETSTREAM);
    CHECK_ERROR_TEXT("10071");
    CHECK(ack == NULL);
    CHECK_STATUS(natskit_js_publish(js, "pub.a", "z", 1, "{\"msg\": 1}", &ack),
                 NATSKIT_STATUS_INVALID_ARGUMENT);

    char *meta = NULL;
    void *data = NULL;
    size_t len = 0;
    CHECK_OK(natskit_js_stream_get_message(js, "PUB", 1, &meta, &data, &len));
    expect_json(meta, "\"X-K\":[\"v\"]");
    natskit_string_free(meta);
    natskit_bytes_free(data, len);

    natskit_js_publisher *p = NULL;
    CHECK_STATUS(natskit_js_publisher_new(js, 0, &p), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_OK(natskit_js_publisher_new(js, 16, &p));
    for (int i = 0; i < 200; i++) CHECK_OK(natskit_js_publisher_publish(p, "pub.b", "p", 1, NULL));
    char *summary = NULL;
    CHECK_OK(natskit_js_publisher_wait(p, &summary));
    CHECK(strcmp(summary, "{\"acked\":200,\"duplicates\":0,\"last_sequence\":202}") == 0);
    natskit_string_free(summary);
    natskit_js_publisher_free(p);
    CHECK_OK(natskit_js_stream_delete(js, "PUB"));
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_consumers_and_pull(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = open_js(c);
    char *info = NULL;
    CHECK_OK(natskit_js_stream_create(js, "{\"name\": \"WORK\", \"subjects\": [\"work.>\"], \"storage\": \"memory\"}", &info));
    natskit_string_free(info);
    publish_n(js, "work.a", 5);
    CHECK_OK(natskit_js_consumer_create(js, "WORK",
        "{\"durable_name\": \"w\", \"ack_policy\": \"explicit\", \"ack_wait\": 30000, "
        "\"max_deliver\": 5, \"filter_subject\": \"work.>\", \"description\": \"workers\"}", &info));
    expect_json(info, "\"ack_wait\":30000");
    expect_json(info, "\"max_deliver\":5");
    expect_json(info, "\"num_pending\":5");
    natskit_string_free(info);

    natskit_js_msg *msgs[8] = {NULL};
    size_t count = 0;
    CHECK_OK(natskit_js_fetch(js, "WORK", "w", 3, 2000, msgs, &count));
    CHECK(count == 3);
    const char *text = NULL;
    CHECK_OK(natskit_js_msg_metadata_json(msgs[0], &text));
    CHECK(strstr(text, "\"stream\":\"WORK\"") && strstr(text, "\"consumer\":\"w\"") &&
          strstr(text, "\"stream_seq\":1") && strstr(text, "\"delivered\":1") &&
          strstr(text, "\"pending\":4"));
    CHECK_OK(natskit_js_msg_subject(msgs[2], &text));
    CHECK(strcmp(text, "work.a") == 0);
    const uint8_t *data = NULL;
    size_t len = 0;
    CHECK_OK(natskit_js_msg_data(msgs[2], &data, &len));
    CHECK(len == 5 && memcmp(data, "msg-2", 5) == 0);
    CHECK_OK(natskit_js_msg_ack(msgs[0]));
    CHECK_OK(natskit_js_msg_double_ack(msgs[1]));
    CHECK_OK(natskit_js_msg_in_progress(msgs[2]));
    CHECK_OK(natskit_js_msg_term(msgs[2], "bad input"));
    for (size_t i = 0; i < count; i++) natskit_js_msg_free(msgs[i]);

    wait_consumer(js, "WORK", "w", "\"num_pending\":2", "\"num_ack_pending\":0");

    natskit_js_msg *m = NULL;
    CHECK_OK(natskit_js_fetch_next(js, "WORK", "w", 2000, &m));
    CHECK_OK(natskit_js_msg_metadata_json(m, &text));
    CHECK(strstr(text, "\"stream_seq\":4") != NULL);
    long long naked_at = now_ms();
    CHECK_OK(natskit_js_msg_nak(m, 1000));
    natskit_js_msg_free(m);
    CHECK_OK(natskit_js_fetch_next(js, "WORK", "w", 2000, &m));
    CHECK_OK(natskit_js_msg_metadata_json(m, &text));
    CHECK(strstr(text, "\"stream_seq\":5") != NULL);
    CHECK_OK(natskit_js_msg_ack(m));
    natskit_js_msg_free(m);
    CHECK_OK(natskit_js_fetch_next(js, "WORK", "w", 5000, &m));
    CHECK(now_ms() - naked_at >= 1000);
    CHECK_OK(natskit_js_msg_metadata_json(m, &text));
    CHECK(strstr(text, "\"stream_seq\":4") && strstr(text, "\"delivered\":2"));
    CHECK_OK(natskit_js_msg_ack(m));
    natskit_js_msg_free(m);

    m = NULL;
    CHECK_STATUS(natskit_js_fetch_next(js, "WORK", "w", 300, &m), NATSKIT_STATUS_TIMEOUT);
    CHECK(m == NULL);
    CHECK_OK(natskit_js_fetch(js, "WORK", "w", 4, NATSKIT_NO_WAIT, msgs, &count));
    CHECK(count == 0);
    wait_consumer(js, "WORK", "w", "\"num_pending\":0", "\"num_ack_pending\":0");
    wait_consumer(js, "WORK", "w", "\"num_waiting\":0", "\"num_redelivered\":0");

    char *state = NULL;
    CHECK_OK(natskit_js_consumer_pause(js, "WORK", "w", "2099-01-01T00:00:00Z", &state));
    expect_json(state, "\"paused\":true");
    natskit_string_free(state);
    CHECK_OK(natskit_js_consumer_resume(js, "WORK", "w", &state));
    expect_json(state, "\"paused\":false");
    natskit_string_free(state);
    CHECK_STATUS(natskit_js_consumer_pause(js, "WORK", "w", "tomorrow", &state),
                 NATSKIT_STATUS_INVALID_ARGUMENT);

    CHECK_OK(natskit_js_consumer_update(js, "WORK",
        "{\"durable_name\": \"w\", \"ack_policy\": \"explicit\", \"ack_wait\": 30000, "
        "\"max_deliver\": 5, \"filter_subject\": \"work.>\", \"description\": \"updated\"}", &info));
    expect_json(info, "\"description\":\"updated\"");
    natskit_string_free(info);
    CHECK_OK(natskit_js_consumer_create(js, "WORK", "{\"durable_name\": \"other\"}", &info));
    natskit_string_free(info);
    char *page = NULL;
    CHECK_OK(natskit_js_consumer_list(js, "WORK", 0, &page));
    expect_json(page, "\"total\":2");
    natskit_string_free(page);
    CHECK_OK(natskit_js_consumer_delete(js, "WORK", "other"));
    CHECK_STATUS(natskit_js_consumer_info(js, "WORK", "other", &info), NATSKIT_STATUS_NOT_FOUND);
    CHECK_ERROR_TEXT("10014");
    CHECK_OK(natskit_js_stream_delete(js, "WORK"));
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_key_value(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = open_js(c);
    natskit_kv *kv = NULL;
    CHECK_OK(natskit_kv_create(js, "{\"bucket\": \"settings\", \"history\": 5, \"storage\": \"memory\"}", &kv));
    uint64_t rev = 0, rev2 = 0;
    CHECK_OK(natskit_kv_put(kv, "color", "red", 3, &rev));
    CHECK(rev == 1);
    CHECK_OK(natskit_kv_update(kv, "color", "blue", 4, rev, &rev2));
    CHECK(rev2 == 2);
    CHECK_STATUS(natskit_kv_update(kv, "color", "green", 5, rev, &rev2), NATSKIT_STATUS_JETSTREAM);
    CHECK_STATUS(natskit_kv_create_key(kv, "color", "x", 1, &rev2), NATSKIT_STATUS_JETSTREAM);
    CHECK_OK(natskit_kv_create_key(kv, "size", "L", 1, &rev2));
    CHECK(rev2 == 3);

    char *entry = NULL;
    void *data = NULL;
    size_t len = 0;
    CHECK_OK(natskit_kv_get(kv, "color", &entry, &data, &len));
    expect_json(entry, "\"revision\":2");
    expect_json(entry, "\"operation\":\"PUT\"");
    CHECK(len == 4 && memcmp(data, "blue", 4) == 0);
    natskit_string_free(entry);
    natskit_bytes_free(data, len);

    char *keys = NULL;
    CHECK_OK(natskit_kv_keys(kv, &keys));
    CHECK(strstr(keys, "\"color\"") && strstr(keys, "\"size\""));
    natskit_string_free(keys);
    CHECK_OK(natskit_kv_delete(kv, "color"));
    CHECK_STATUS(natskit_kv_get(kv, "color", &entry, &data, &len), NATSKIT_STATUS_NOT_FOUND);
    char *history = NULL;
    CHECK_OK(natskit_kv_history(kv, "color", &history));
    expect_json(history, "\"value\":\"red\"");
    expect_json(history, "\"value\":\"blue\"");
    expect_json(history, "\"operation\":\"DEL\"");
    natskit_string_free(history);
    CHECK_OK(natskit_kv_purge(kv, "size"));
    CHECK_OK(natskit_kv_keys(kv, &keys));
    CHECK(strcmp(keys, "[]") == 0);
    natskit_string_free(keys);
    natskit_kv_free(kv);

    CHECK_OK(natskit_kv_open(js, "settings", &kv));
    natskit_kv_free(kv);
    CHECK_OK(natskit_kv_delete_bucket(js, "settings"));
    CHECK_STATUS(natskit_kv_open(js, "settings", &kv), NATSKIT_STATUS_NOT_FOUND);
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_without_jetstream(void) {
    natskit_local_server *plain = NULL;
    CHECK_OK(natskit_local_server_start("{\"jetstream\": false}", &plain));
    const char *plain_url = NULL;
    CHECK_OK(natskit_local_server_url(plain, &plain_url));
    natskit_client *c = connect_to(plain_url);
    natskit_js *js = open_js(c);
    bool available = true;
    CHECK_OK(natskit_js_is_available(js, &available));
    CHECK(!available);
    char *json = NULL;
    CHECK_STATUS(natskit_js_account_info(js, &json), NATSKIT_STATUS_JETSTREAM_NOT_ENABLED);
    CHECK_STATUS(natskit_js_stream_info(js, "X", &json), NATSKIT_STATUS_JETSTREAM_NOT_ENABLED);
    CHECK(json == NULL);
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
    natskit_local_server_stop(plain);
}

static void test_account_and_arguments(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = open_js(c);
    char *json = NULL;
    CHECK_OK(natskit_js_account_info(js, &json));
    expect_json(json, "\"streams\":");
    natskit_string_free(json);
    CHECK_STATUS(natskit_js_new(NULL, &js), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_stream_create(js, "{bad", &json), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_stream_info(js, "a.b", &json), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_stream_info(js, NULL, &json), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_publish(js, "x", NULL, 3, NULL, &json), NATSKIT_STATUS_INVALID_ARGUMENT);
    natskit_js_msg *m = NULL;
    size_t count = 0;
    CHECK_STATUS(natskit_js_fetch(js, "S", "C", 0, 0, &m, &count), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_fetch_next(js, "S", "C", NATSKIT_FOREVER, &m), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_fetch_next(js, "S", "C", -7, &m), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("NATSKIT_TIMEOUT_DEFAULT");
    CHECK_STATUS(natskit_js_msg_ack(NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_msg_nak(NULL, 0), NATSKIT_STATUS_INVALID_ARGUMENT);
    natskit_kv *kv = NULL;
    CHECK_STATUS(natskit_kv_create(js, "{\"bucket\": \"b\", \"history\": 99}", &kv), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_kv_create(js, "{\"buckets\": \"b\"}", &kv), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(kv == NULL && m == NULL);
    natskit_js_free(NULL);
    natskit_js_msg_free(NULL);
    natskit_js_publisher_free(NULL);
    natskit_kv_free(NULL);
    natskit_bytes_free(NULL, 0);
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* Durations in JSON configs and infos are milliseconds, both ways; a fractional TTL is refused. */
static void test_durations_are_milliseconds(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = open_js(c);
    char *info = NULL;
    CHECK_OK(natskit_js_stream_create(js,
        "{\"name\": \"UNITS\", \"subjects\": [\"units.>\"], \"storage\": \"memory\", "
        "\"max_age\": 90000, \"allow_msg_ttl\": true}", &info));
    expect_json(info, "\"max_age\":90000,");
    natskit_string_free(info);
    CHECK_OK(natskit_js_consumer_create(js, "UNITS",
        "{\"durable_name\": \"u\", \"ack_policy\": \"explicit\", \"ack_wait\": 2500, "
        "\"max_deliver\": 4, \"backoff\": [2500, 4000]}", &info));
    expect_json(info, "\"ack_wait\":2500,");
    expect_json(info, "\"backoff\":[2500,4000]");
    natskit_string_free(info);
    CHECK_STATUS(natskit_js_stream_create(js,
        "{\"name\": \"BAD\", \"subjects\": [\"bad\"], \"max_age\": -1}", &info),
        NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("max_age");
    char *ack = NULL;
    CHECK_STATUS(natskit_js_publish(js, "units.a", "x", 1, "{\"ttl\": 1500}", &ack),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("ttl");
    CHECK_STATUS(natskit_js_publish(js, "units.a", "x", 1, "{\"ttl\": 500}", &ack),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_OK(natskit_js_publish(js, "units.a", "x", 1, "{\"ttl\": 2000}", &ack));
    natskit_string_free(ack);
    void *data = NULL;
    size_t len = 0;
    char *meta = NULL;
    CHECK_OK(natskit_js_stream_get_message(js, "UNITS", 1, &meta, &data, &len));
    expect_json(meta, "\"Nats-TTL\":");
    expect_json(meta, "\"2\"");
    natskit_string_free(meta);
    natskit_bytes_free(data, len);
    natskit_kv *kv = NULL;
    CHECK_OK(natskit_kv_create(js, "{\"bucket\": \"ttl\", \"max_age\": 60000, \"storage\": \"memory\"}", &kv));
    CHECK_OK(natskit_js_stream_info(js, "KV_ttl", &info));
    expect_json(info, "\"max_age\":60000,");
    natskit_string_free(info);
    natskit_kv_free(kv);
    natskit_js_free(js);
    /* A client switched to seconds (the PHP wrapper's unit) reads the same stream in seconds. */
    CHECK_STATUS(natskit_client_set_duration_unit(c, 7), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_OK(natskit_client_set_duration_unit(c, NATSKIT_DURATION_UNIT_SECONDS));
    js = open_js(c);
    CHECK_OK(natskit_js_stream_info(js, "UNITS", &info));
    expect_json(info, "\"max_age\":90.0,");
    natskit_string_free(info);
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* NATSKIT_NO_WAIT returns at once with nothing ready; NATSKIT_TIMEOUT_DEFAULT waits for the
 * connection's jetstream.timeout. */
static void test_timeout_sentinels(void) {
    char options[256];
    snprintf(options, sizeof options, "{\"servers\": \"%s\", \"jetstream\": {\"timeout\": 1.5}}", url);
    natskit_client *c = NULL;
    CHECK_OK(natskit_connect(options, &c));
    natskit_js *js = open_js(c);
    char *info = NULL;
    CHECK_OK(natskit_js_stream_create(js, "{\"name\": \"WAIT\", \"subjects\": [\"wait\"], \"storage\": \"memory\"}", &info));
    natskit_string_free(info);
    CHECK_OK(natskit_js_consumer_create(js, "WAIT", "{\"durable_name\": \"w\", \"ack_policy\": \"explicit\"}", &info));
    natskit_string_free(info);
    natskit_js_msg *m = NULL;
    /* The first pull also looks the consumer up; time the second. */
    CHECK_STATUS(natskit_js_fetch_next(js, "WAIT", "w", NATSKIT_NO_WAIT, &m), NATSKIT_STATUS_TIMEOUT);
    long long started = now_ms();
    CHECK_STATUS(natskit_js_fetch_next(js, "WAIT", "w", NATSKIT_NO_WAIT, &m), NATSKIT_STATUS_TIMEOUT);
    CHECK(now_ms() - started < 1000);
    started = now_ms();
    CHECK_STATUS(natskit_js_fetch_next(js, "WAIT", "w", NATSKIT_TIMEOUT_DEFAULT, &m), NATSKIT_STATUS_TIMEOUT);
    long long waited = now_ms() - started;
    CHECK(waited >= 1400 && waited < 5000);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(c, "quiet", NULL, &sub));
    natskit_message *msg = NULL;
    started = now_ms();
    CHECK_STATUS(natskit_subscription_next(sub, NATSKIT_NO_WAIT, &msg), NATSKIT_STATUS_TIMEOUT);
    CHECK_STATUS(natskit_subscription_next(sub, NATSKIT_TIMEOUT_DEFAULT, &msg), NATSKIT_STATUS_TIMEOUT);
    CHECK(now_ms() - started < 1000);
    natskit_subscription_free(sub);
    CHECK(m == NULL && msg == NULL);
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* Entries until 300 ms pass with none, as "key=value;" or "key:OP;" into buf. */
static void drain(natskit_kv_watcher *w, char *buf, size_t size) {
    buf[0] = '\0';
    char *entry = NULL;
    void *data = NULL;
    size_t len = 0;
    natskit_status st;
    while ((st = natskit_kv_watch_next(w, 300, &entry, &data, &len)) == NATSKIT_STATUS_OK) {
        char key[64] = "", op[16] = "";
        CHECK(sscanf(strstr(entry, "\"key\":\"") + 7, "%63[^\"]", key) == 1);
        CHECK(sscanf(strstr(entry, "\"operation\":\"") + 13, "%15[^\"]", op) == 1);
        size_t used = strlen(buf);
        if (strcmp(op, "PUT") == 0)
            snprintf(buf + used, size - used, "%s=%.*s;", key, (int)len, (const char *)data);
        else
            snprintf(buf + used, size - used, "%s:%s;", key, op);
        natskit_string_free(entry);
        natskit_bytes_free(data, len);
    }
    CHECK(st == NATSKIT_STATUS_TIMEOUT);
}

static natskit_status stop_status = NATSKIT_STATUS_PANIC;

static void *stop_later(void *w) {
    usleep(100 * 1000);
    stop_status = natskit_kv_watch_stop(w);
    return NULL;
}

static void test_kv_watch(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = open_js(c);
    natskit_kv *kv = NULL;
    CHECK_OK(natskit_kv_create(js, "{\"bucket\": \"cwatch\", \"history\": 5, \"storage\": \"memory\"}", &kv));
    uint64_t rev = 0;
    CHECK_OK(natskit_kv_put(kv, "color", "red", 3, &rev));
    CHECK_OK(natskit_kv_put(kv, "color", "blue", 4, &rev));
    CHECK_OK(natskit_kv_put(kv, "size", "L", 1, &rev));
    CHECK_OK(natskit_kv_delete(kv, "size"));

    char seen[512];
    bool done = true;
    natskit_kv_watcher *w = NULL;
    CHECK_OK(natskit_kv_watch(kv, ">", NULL, &w));
    CHECK_OK(natskit_kv_watch_initial_done(w, &done));
    CHECK(!done);
    drain(w, seen, sizeof seen);
    CHECK(strcmp(seen, "color=blue;size:DEL;") == 0);
    CHECK_OK(natskit_kv_watch_initial_done(w, &done));
    CHECK(done);

    natskit_kv_watcher *history = NULL, *live = NULL, *updates = NULL;
    CHECK_OK(natskit_kv_watch(kv, ">", "{\"include_history\": true}", &history));
    drain(history, seen, sizeof seen);
    CHECK(strcmp(seen, "color=red;color=blue;size=L;size:DEL;") == 0);
    CHECK_OK(natskit_kv_watch(kv, ">", "{\"ignore_deletes\": true}", &live));
    drain(live, seen, sizeof seen);
    CHECK(strcmp(seen, "color=blue;") == 0);
    CHECK_OK(natskit_kv_watch(kv, ">", "{\"updates_only\": true}", &updates));
    drain(updates, seen, sizeof seen);
    CHECK(strcmp(seen, "") == 0);
    CHECK_OK(natskit_kv_put(kv, "size", "M", 1, &rev));
    CHECK_OK(natskit_kv_purge(kv, "color"));
    drain(updates, seen, sizeof seen);
    CHECK(strcmp(seen, "size=M;color:PURGE;") == 0);
    drain(w, seen, sizeof seen);
    CHECK(strcmp(seen, "size=M;color:PURGE;") == 0);

    /* stopped from another thread while waiting forever; every later next is CLOSED too */
    char *entry = NULL;
    void *data = NULL;
    size_t len = 0;
    pthread_t stopper;
    CHECK(pthread_create(&stopper, NULL, stop_later, w) == 0);
    CHECK_STATUS(natskit_kv_watch_next(w, NATSKIT_FOREVER, &entry, &data, &len), NATSKIT_STATUS_CLOSED);
    CHECK(pthread_join(stopper, NULL) == 0);
    CHECK(stop_status == NATSKIT_STATUS_OK);
    CHECK_STATUS(natskit_kv_watch_next(w, NATSKIT_NO_WAIT, &entry, &data, &len), NATSKIT_STATUS_CLOSED);
    CHECK(entry == NULL && data == NULL);

    /* inputs are checked before anything is sent */
    natskit_kv_watcher *bad = NULL;
    CHECK_STATUS(natskit_kv_watch(kv, ">", "{\"include_history\": true, \"updates_only\": true}", &bad),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_kv_watch(kv, ">", "{\"history\": true}", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_kv_watch(kv, ">", "not json", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_kv_watch(kv, "a b", NULL, &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_kv_watch(kv, NULL, NULL, &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_kv_watch(NULL, ">", NULL, &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_kv_watch(kv, ">", NULL, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(bad == NULL);
    CHECK_STATUS(natskit_kv_watch_next(NULL, 0, &entry, &data, &len), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_kv_watch_next(live, -7, &entry, &data, &len), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_kv_watch_next(live, 0, NULL, &data, &len), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_kv_watch_initial_done(live, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_kv_watch_stop(NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    natskit_kv_watch_free(NULL);

    natskit_kv_watch_free(w);
    natskit_kv_watch_free(history);
    natskit_kv_watch_free(live);
    natskit_kv_watch_free(updates);
    natskit_kv_free(kv);
    CHECK_OK(natskit_kv_delete_bucket(js, "cwatch"));
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void *stop_consume_later(void *h) {
    usleep(100 * 1000);
    stop_status = natskit_js_consume_stop(h);
    return NULL;
}

/* Takes the next consumed message, checks its payload and acks it. */
static void take_acked(natskit_js_consumer_messages *h, const char *want) {
    natskit_js_msg *m = NULL;
    CHECK_OK(natskit_js_consume_next(h, 3000, &m));
    const uint8_t *data = NULL;
    size_t len = 0;
    CHECK_OK(natskit_js_msg_data(m, &data, &len));
    CHECK(len == strlen(want) && memcmp(data, want, len) == 0);
    CHECK_OK(natskit_js_msg_ack(m));
    natskit_js_msg_free(m);
}

/* natskit_js_consume: messages published before and while consuming come in order and are
 * acked; next times out when idle, a stop from another thread ends a waiting next with
 * CLOSED; bad options and arguments are INVALID_ARGUMENT. */
static void test_consume(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = open_js(c);
    char *info = NULL;
    CHECK_OK(natskit_js_stream_create(js, "{\"name\": \"LIVE\", \"subjects\": [\"live.>\"], \"storage\": \"memory\"}", &info));
    natskit_string_free(info);
    CHECK_OK(natskit_js_consumer_create(js, "LIVE", "{\"durable_name\": \"l\", \"ack_policy\": \"explicit\"}", &info));
    natskit_string_free(info);
    publish_n(js, "live.a", 3);

    natskit_js_consumer_messages *h = NULL;
    CHECK_OK(natskit_js_consume(js, "LIVE", "l", "{\"batch\": 2, \"expires\": 1000}", &h));
    take_acked(h, "msg-0");
    take_acked(h, "msg-1");
    take_acked(h, "msg-2");
    natskit_js_msg *m = NULL;
    long long started = now_ms();
    CHECK_STATUS(natskit_js_consume_next(h, 300, &m), NATSKIT_STATUS_TIMEOUT);
    CHECK(m == NULL && now_ms() - started >= 250);
    CHECK_STATUS(natskit_js_consume_next(h, NATSKIT_NO_WAIT, &m), NATSKIT_STATUS_TIMEOUT);
    publish_n(js, "live.b", 2);
    take_acked(h, "msg-0");
    take_acked(h, "msg-1");
    wait_consumer(js, "LIVE", "l", "\"num_pending\":0", "\"num_ack_pending\":0");

    pthread_t stopper;
    stop_status = NATSKIT_STATUS_PANIC;
    CHECK(pthread_create(&stopper, NULL, stop_consume_later, h) == 0);
    started = now_ms();
    CHECK_STATUS(natskit_js_consume_next(h, NATSKIT_FOREVER, &m), NATSKIT_STATUS_CLOSED);
    CHECK(now_ms() - started < 3000);
    pthread_join(stopper, NULL);
    CHECK(stop_status == NATSKIT_STATUS_OK);
    CHECK_STATUS(natskit_js_consume_next(h, NATSKIT_NO_WAIT, &m), NATSKIT_STATUS_CLOSED);
    CHECK_OK(natskit_js_consume_stop(h));
    natskit_js_consume_free(h);

    natskit_js_consumer_messages *defaults = NULL, *bad = NULL;
    CHECK_OK(natskit_js_consume(js, "LIVE", "l", NULL, &defaults));
    CHECK_STATUS(natskit_js_consume(js, "LIVE", "l", "{\"batch\": 0}", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_consume(js, "LIVE", "l", "{\"batch\": 1.5}", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_consume(js, "LIVE", "l", "{\"expires\": -1}", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_consume(js, "LIVE", "l", "{\"max\": 3}", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_consume(js, "LIVE", "l", "not json", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_consume(js, "LIVE", "missing", NULL, &bad), NATSKIT_STATUS_NOT_FOUND);
    CHECK_STATUS(natskit_js_consume(js, NULL, "l", NULL, &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_consume(NULL, "LIVE", "l", NULL, &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_consume(js, "LIVE", "l", NULL, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(bad == NULL);
    CHECK_STATUS(natskit_js_consume_next(NULL, 0, &m), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_consume_next(defaults, -7, &m), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_consume_next(defaults, 0, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_consume_stop(NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    natskit_js_consume_free(NULL);
    natskit_js_consume_free(defaults);
    CHECK_OK(natskit_js_stream_delete(js, "LIVE"));
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* natskit_health: OK with what exists, CRITICAL naming what is missing, WARNING past a lag
 * threshold (milliseconds for durations, as everywhere in C), and bad options refused. */
static void test_health(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = open_js(c);
    char *info = NULL;
    CHECK_OK(natskit_js_stream_create(js, "{\"name\": \"HEALTH\", \"subjects\": [\"health.>\"], \"storage\": \"memory\"}", &info));
    natskit_string_free(info);
    CHECK_OK(natskit_js_consumer_create(js, "HEALTH", "{\"durable_name\": \"reader\"}", &info));
    natskit_string_free(info);
    for (int i = 0; i < 3; i++) {
        char *ack = NULL;
        CHECK_OK(natskit_js_publish(js, "health.x", "x", 1, NULL, &ack));
        natskit_string_free(ack);
    }
    char *report = NULL;
    uint8_t status = 9;
    CHECK_OK(natskit_health(c, NULL, &report, &status));
    CHECK(status == 0);
    expect_json(report, "\"status\":\"OK\"");
    expect_json(report, "\"name\":\"connection\"");
    natskit_string_free(report);

    CHECK_OK(natskit_health(c, "{\"streams\": [\"HEALTH\", \"GONE\"], \"rtt\": {\"crit\": 60000}}", &report, &status));
    CHECK(status == 2);
    expect_json(report, "\"name\":\"stream:GONE\",\"status\":\"CRITICAL\"");
    natskit_string_free(report);

    CHECK_OK(natskit_health(c, "{\"consumers\": [\"HEALTH:reader\"], \"lag\": {\"warn\": 2}}", &report, &status));
    CHECK(status == 1);
    expect_json(report, "\"lag\":3");
    natskit_string_free(report);

    CHECK_STATUS(natskit_health(c, "{\"consumers\": [\"no-colon\"]}", &report, &status), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_health(c, "{\"rtt\": {\"warn\": -1}}", &report, &status), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_health(c, "{\"bogus\": 1}", &report, &status), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_health(c, "[", &report, &status), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_health(NULL, NULL, &report, &status), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_health(c, NULL, NULL, &status), NATSKIT_STATUS_INVALID_ARGUMENT);
    natskit_js_free(js);
    natskit_client_free(c);
}

int main(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start(NULL, &server));
    CHECK_OK(natskit_local_server_url(server, &url));
    printf("jetstream_test against %s\n", url);

    RUN(test_streams_round_trip);
    RUN(test_publish_dedup_and_expectations);
    RUN(test_consumers_and_pull);
    RUN(test_key_value);
    RUN(test_kv_watch);
    RUN(test_consume);
    RUN(test_without_jetstream);
    RUN(test_account_and_arguments);
    RUN(test_durations_are_milliseconds);
    RUN(test_timeout_sentinels);
    RUN(test_health);

    natskit_local_server_stop(server);
    printf("jetstream_test: %d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
