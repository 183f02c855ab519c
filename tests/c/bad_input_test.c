/* Bad input through the C ABI (issue 14): huge buffer lengths are refused before anything is
 * read or copied, huge durations and bad headers, keys and counts are errors with a stable
 * status, never an abort; the client stays usable after each. */
#include "harness.h"

#define INVALID NATSKIT_STATUS_INVALID_ARGUMENT
#define TOO_LARGE NATSKIT_STATUS_PAYLOAD_TOO_LARGE

/* A length the process could never allocate; the buffer behind it is one byte. */
static const size_t HUGE_LEN = (size_t)1 << 40;

static const char *url;
static natskit_client *client;
static natskit_js *js;

/* The client still publishes and answers a request round trip after a refused call. */
static void check_still_usable(void) {
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(client, "bad.alive", NULL, &sub));
    CHECK_OK(natskit_publish(client, "bad.alive", "ok", 2));
    natskit_message *msg = NULL;
    CHECK_OK(natskit_subscription_next(sub, 5000, &msg));
    CHECK(msg != NULL);
    natskit_message_free(msg);
    natskit_subscription_free(sub);
}

static void test_huge_lengths_are_payload_too_large(void) {
    const char one = 'x';
    CHECK_STATUS(natskit_publish(client, "bad.s", &one, HUGE_LEN), TOO_LARGE);
    CHECK_ERROR_TEXT("max_payload");
    CHECK_STATUS(natskit_publish_msg(client, "bad.s", NULL, NULL, &one, HUGE_LEN), TOO_LARGE);
    natskit_message *reply = (natskit_message *)0x1;
    CHECK_STATUS(natskit_request(client, "bad.s", &one, HUGE_LEN, 100, &reply), TOO_LARGE);
    CHECK(reply == (natskit_message *)0x1);
    char *ack = NULL;
    CHECK_STATUS(natskit_js_publish(js, "bad.s", &one, HUGE_LEN, NULL, &ack), TOO_LARGE);
    CHECK(ack == NULL);
    natskit_js_publisher *publisher = NULL;
    CHECK_OK(natskit_js_publisher_new(js, 4, &publisher));
    CHECK_STATUS(natskit_js_publisher_publish(publisher, "bad.s", &one, HUGE_LEN, NULL), TOO_LARGE);
    natskit_js_publisher_free(publisher);
    natskit_kv *kv = NULL;
    CHECK_OK(natskit_kv_create(js, "{\"bucket\": \"BAD_INPUT\"}", &kv));
    uint64_t revision = 0;
    CHECK_STATUS(natskit_kv_put(kv, "k", &one, HUGE_LEN, &revision), TOO_LARGE);
    CHECK_STATUS(natskit_kv_create_key(kv, "k", &one, HUGE_LEN, &revision), TOO_LARGE);
    CHECK_STATUS(natskit_kv_update(kv, "k", &one, HUGE_LEN, 1, &revision), TOO_LARGE);
    CHECK(revision == 0);
    natskit_kv_free(kv);
    /* A length no buffer can have (a negative length cast to size_t) is INVALID_ARGUMENT. */
    CHECK_STATUS(natskit_publish(client, "bad.s", &one, (size_t)-1), INVALID);
    check_still_usable();
}

static void test_respond_with_a_huge_length(void) {
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(client, "bad.req", NULL, &sub));
    CHECK_OK(natskit_publish_msg(client, "bad.req", "bad.reply", NULL, "q", 1));
    natskit_message *msg = NULL;
    CHECK_OK(natskit_subscription_next(sub, 5000, &msg));
    const char one = 'x';
    CHECK_STATUS(natskit_message_respond(msg, NULL, &one, HUGE_LEN), TOO_LARGE);
    natskit_message_free(msg);
    natskit_subscription_free(sub);
    check_still_usable();
}

static void test_headers_the_server_would_misread(void) {
    const char *bad[] = {
        "{\"\": \"v\"}", "{\"a b\": \"v\"}", "{\"a:b\": \"v\"}", "{\"ok\": \"a\\r\\nb\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_STATUS(natskit_publish_msg(client, "bad.h", NULL, bad[i], "x", 1), INVALID);
        CHECK_ERROR_TEXT("header");
    }
    check_still_usable();
}

static void test_kv_keys_and_counts(void) {
    natskit_kv *kv = NULL;
    CHECK_OK(natskit_kv_open(js, "BAD_INPUT", &kv));
    uint64_t revision = 0;
    CHECK_STATUS(natskit_kv_put(kv, "a b", "v", 1, &revision), INVALID);
    CHECK_ERROR_TEXT("kv key");
    CHECK_STATUS(natskit_kv_put(kv, "a..b", "v", 1, &revision), INVALID);
    CHECK_STATUS(natskit_kv_put(kv, "", "v", 1, &revision), INVALID);
    CHECK_OK(natskit_kv_put(kv, "a.b", "v", 1, &revision));
    CHECK(revision > 0);
    natskit_kv_free(kv);
    natskit_js_publisher *publisher = (natskit_js_publisher *)0x1;
    CHECK_STATUS(natskit_js_publisher_new(js, 0, &publisher), INVALID);
    CHECK_ERROR_TEXT("max_in_flight");
    CHECK(publisher == (natskit_js_publisher *)0x1);
}

static void test_huge_durations(void) {
    natskit_client *c = (natskit_client *)0x1;
    char options[256];
    snprintf(options, sizeof options, "{\"servers\": \"%s\", \"connect_timeout\": 1e300}", url);
    CHECK_STATUS(natskit_connect(options, &c), NATSKIT_STATUS_CONFIG);
    CHECK_ERROR_TEXT("connect_timeout");
    snprintf(options, sizeof options, "{\"servers\": \"%s\", \"request_timeout\": -1}", url);
    CHECK_STATUS(natskit_connect(options, &c), NATSKIT_STATUS_CONFIG);
    CHECK_ERROR_TEXT("request_timeout");
    snprintf(options, sizeof options, "{\"servers\": \"%s\", \"reconnect\": {\"max_attempts\": -7}}", url);
    CHECK_STATUS(natskit_connect(options, &c), NATSKIT_STATUS_CONFIG);
    CHECK_ERROR_TEXT("max_attempts");
    snprintf(options, sizeof options, "{\"servers\": \"%s\", \"queue\": {\"replicas\": 0}}", url);
    CHECK_STATUS(natskit_connect(options, &c), NATSKIT_STATUS_CONFIG);
    CHECK_ERROR_TEXT("queue.replicas");
    snprintf(options, sizeof options, "{\"servers\": \"%s\", \"nkey_seed\": \"SUNOTASEED\"}", url);
    CHECK_STATUS(natskit_connect(options, &c), NATSKIT_STATUS_CONFIG);
    CHECK_ERROR_TEXT("nkey_seed");
    CHECK(strstr(natskit_last_error(), "SUNOTASEED") == NULL);
    CHECK(c == (natskit_client *)0x1);

    natskit_queue *queue = NULL;
    CHECK_OK(natskit_queue_new(client, "bad", &queue));
    char *id = NULL;
    CHECK_STATUS(natskit_queue_push(queue, "Job", NULL, "{\"delay\": 1e300}", &id), INVALID);
    CHECK_ERROR_TEXT("delay");
    CHECK_STATUS(natskit_queue_later(queue, INT64_MAX, "Job", NULL, NULL, &id), INVALID);
    CHECK(id == NULL);
    natskit_queue_free(queue);

    natskit_message *reply = (natskit_message *)0x1;
    CHECK_STATUS(natskit_request(client, "bad.s", "x", 1, INT64_MAX, &reply), INVALID);
    CHECK(reply == (natskit_message *)0x1);
    check_still_usable();
}

int main(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start("{\"jetstream\": true}", &server));
    CHECK_OK(natskit_local_server_url(server, &url));
    client = connect_to(url);
    CHECK_OK(natskit_js_new(client, &js));

    RUN(test_huge_lengths_are_payload_too_large);
    RUN(test_respond_with_a_huge_length);
    RUN(test_headers_the_server_would_misread);
    RUN(test_kv_keys_and_counts);
    RUN(test_huge_durations);

    natskit_js_free(js);
    CHECK_OK(natskit_client_close(client));
    natskit_client_free(client);
    natskit_local_server_stop(server);
    printf("bad_input_test: %d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
