/* Ordered consumers (natskit_js_ordered), push consumers through natskit_js_consume, and the
 * idle heartbeats of a consume, through the C ABI against a real nats-server. Messages are
 * taken pull-style with natskit_js_consume_next on the caller's thread. */
#include <time.h>

#include "harness.h"

static const char *url;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void publish_range(natskit_js *js, const char *subject, int from, int to) {
    for (int i = from; i < to; i++) {
        char body[32], *ack = NULL;
        int len = snprintf(body, sizeof body, "m%d", i);
        CHECK_OK(natskit_js_publish(js, subject, body, (size_t)len, NULL, &ack));
        natskit_string_free(ack);
    }
}

static void create_stream(natskit_js *js, const char *config_json) {
    char *info = NULL;
    CHECK_OK(natskit_js_stream_create(js, config_json, &info));
    natskit_string_free(info);
}

/* The stream sequence of the next message within `timeout_ms` (the message is freed); 0 when
 * none came. */
static unsigned long long next_seq(natskit_js_consumer_messages *h, int64_t timeout_ms) {
    natskit_js_msg *m = NULL;
    natskit_status s = natskit_js_consume_next(h, timeout_ms, &m);
    if (s == NATSKIT_STATUS_TIMEOUT) return 0;
    CHECK(s == NATSKIT_STATUS_OK);
    const char *meta = NULL;
    CHECK_OK(natskit_js_msg_metadata_json(m, &meta));
    const char *at = strstr(meta, "\"stream_seq\":");
    CHECK(at != NULL);
    unsigned long long seq = strtoull(at + strlen("\"stream_seq\":"), NULL, 10);
    natskit_js_msg_free(m);
    return seq;
}

/* Every message of a stream in sequence order, filters and start positions, and options that
 * cannot describe a start are INVALID_ARGUMENT. */
static void test_ordered(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = NULL;
    CHECK_OK(natskit_js_new(c, &js));
    create_stream(js, "{\"name\": \"ORD\", \"subjects\": [\"ord.*\"], \"storage\": \"memory\"}");
    publish_range(js, "ord.a", 0, 1000);
    publish_range(js, "ord.b", 1000, 2000);

    natskit_js_consumer_messages *h = NULL;
    CHECK_OK(natskit_js_ordered(js, "ORD", "{\"heartbeat\": 500}", &h));
    for (unsigned long long i = 1; i <= 2000; i++) CHECK(next_seq(h, 5000) == i);
    CHECK(next_seq(h, 300) == 0);
    natskit_js_consume_free(h);

    CHECK_OK(natskit_js_ordered(js, "ORD", "{\"filter_subjects\": \"ord.b\", \"opt_start_seq\": 1990}", &h));
    for (unsigned long long i = 1990; i <= 2000; i++) CHECK(next_seq(h, 5000) == i);
    CHECK(next_seq(h, 300) == 0);
    natskit_js_consume_free(h);

    CHECK_OK(natskit_js_ordered(js, "ORD", "{\"deliver_policy\": \"last_per_subject\", \"filter_subjects\": [\"ord.*\"]}", &h));
    CHECK(next_seq(h, 5000) == 1000);
    CHECK(next_seq(h, 5000) == 2000);
    CHECK_OK(natskit_js_consume_stop(h));
    natskit_js_msg *m = NULL;
    CHECK_STATUS(natskit_js_consume_next(h, 100, &m), NATSKIT_STATUS_CLOSED);
    natskit_js_consume_free(h);

    natskit_js_consumer_messages *bad = NULL;
    CHECK_STATUS(natskit_js_ordered(js, "ORD", "{\"deliver_policy\": \"first\"}", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_ordered(js, "ORD", "{\"opt_start_seq\": 0}", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_ordered(js, "ORD", "{\"heartbeat\": -1}", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_ordered(js, "ORD", "[1]", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_ordered(js, "NOPE", NULL, &bad), NATSKIT_STATUS_NOT_FOUND);
    CHECK_STATUS(natskit_js_ordered(js, NULL, NULL, &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_ordered(NULL, "ORD", NULL, &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_ordered(js, "ORD", NULL, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(bad == NULL);
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* A consume whose consumer is deleted returns NOT_FOUND within its heartbeats, not never; a
 * push consumer is consumed with nak (redelivered) and term; a heartbeat over half of
 * expires is INVALID_ARGUMENT. */
static void test_heartbeats_and_push(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = NULL;
    CHECK_OK(natskit_js_new(c, &js));
    char *info = NULL;
    create_stream(js, "{\"name\": \"HB\", \"subjects\": [\"hb\"], \"storage\": \"memory\"}");
    CHECK_OK(natskit_js_consumer_create(js, "HB", "{\"durable_name\": \"gone\", \"ack_policy\": \"explicit\"}", &info));
    natskit_string_free(info);
    natskit_js_consumer_messages *h = NULL, *bad = NULL;
    CHECK_STATUS(natskit_js_consume(js, "HB", "gone", "{\"heartbeat\": 600, \"expires\": 1000}", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_OK(natskit_js_consume(js, "HB", "gone", "{\"heartbeat\": 300}", &h));
    CHECK(next_seq(h, 800) == 0);
    CHECK_OK(natskit_js_consumer_delete(js, "HB", "gone"));
    natskit_js_msg *m = NULL;
    long long started = now_ms();
    CHECK_STATUS(natskit_js_consume_next(h, NATSKIT_FOREVER, &m), NATSKIT_STATUS_NOT_FOUND);
    CHECK(now_ms() - started < 3000);
    natskit_js_consume_free(h);

    CHECK_OK(natskit_js_consumer_create(js, "HB",
        "{\"durable_name\": \"push\", \"deliver_subject\": \"deliver.hb\", \"ack_policy\": \"explicit\", "
        "\"flow_control\": true, \"idle_heartbeat\": 500}", &info));
    natskit_string_free(info);
    publish_range(js, "hb", 0, 3);
    CHECK_OK(natskit_js_consume(js, "HB", "push", NULL, &h));
    /* First deliveries come in order; the nak'd first message comes again among them. */
    int first = 0, redelivered = 0;
    while (first < 3 || !redelivered) {
        CHECK_OK(natskit_js_consume_next(h, 5000, &m));
        const char *meta = NULL;
        CHECK_OK(natskit_js_msg_metadata_json(m, &meta));
        if (strstr(meta, "\"delivered\":2")) {
            CHECK(strstr(meta, "\"stream_seq\":1,") != NULL);
            CHECK_OK(natskit_js_msg_double_ack(m));
            redelivered = 1;
        } else {
            char want[32];
            snprintf(want, sizeof want, "\"stream_seq\":%d,", ++first);
            CHECK(strstr(meta, want) != NULL);
            if (first == 1) CHECK_OK(natskit_js_msg_nak(m, -1));
            else if (first == 2) CHECK_OK(natskit_js_msg_term(m, "bad"));
            else CHECK_OK(natskit_js_msg_double_ack(m));
        }
        natskit_js_msg_free(m);
    }
    CHECK(next_seq(h, 1500) == 0); /* idle past two heartbeats: still healthy */
    natskit_js_consume_free(h);
    CHECK_OK(natskit_js_consumer_info(js, "HB", "push", &info));
    CHECK(strstr(info, "\"num_ack_pending\":0") && strstr(info, "\"num_pending\":0"));
    natskit_string_free(info);
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

int main(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start(NULL, &server));
    CHECK_OK(natskit_local_server_url(server, &url));
    printf("consumers_test against %s\n", url);
    RUN(test_ordered);
    RUN(test_heartbeats_and_push);
    natskit_local_server_stop(server);
    printf("consumers_test: %d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
