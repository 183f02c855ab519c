/* Every export's NULL / invalid-UTF-8 / bad-length paths return INVALID_ARGUMENT (never crash),
 * out-params stay untouched on failure, and every _free accepts NULL. */
#include "harness.h"

#define INVALID NATSKIT_STATUS_INVALID_ARGUMENT

static const char bad_utf8[] = {'o', (char)0xff, 'k', 0};
static const char *url;

static natskit_client *client;
static natskit_subscription *sub;
static natskit_message *msg;
static natskit_manager *manager;
static natskit_local_server *server;

static void test_frees_accept_null(void) {
    natskit_client_free(NULL);
    natskit_subscription_free(NULL);
    natskit_message_free(NULL);
    natskit_manager_free(NULL);
    natskit_local_server_stop(NULL);
    natskit_string_free(NULL);
}

static void test_connect_and_manager(void) {
    natskit_client *c = (natskit_client *)0x1;
    CHECK_STATUS(natskit_connect(NULL, &c), INVALID);
    CHECK_ERROR_TEXT("options_json is NULL");
    CHECK_STATUS(natskit_connect(bad_utf8, &c), INVALID);
    CHECK_ERROR_TEXT("not valid UTF-8");
    CHECK_STATUS(natskit_connect("{}", NULL), INVALID);
    CHECK(c == (natskit_client *)0x1);

    natskit_manager *m = (natskit_manager *)0x1;
    CHECK_STATUS(natskit_manager_new(bad_utf8, &m), INVALID);
    CHECK_STATUS(natskit_manager_new("{}", NULL), INVALID);
    CHECK(m == (natskit_manager *)0x1);
    CHECK_STATUS(natskit_manager_connection(NULL, NULL, &c), INVALID);
    CHECK_STATUS(natskit_manager_connection(manager, bad_utf8, &c), INVALID);
    CHECK_STATUS(natskit_manager_connection(manager, NULL, NULL), INVALID);
    CHECK(c == (natskit_client *)0x1);
    CHECK_STATUS(natskit_manager_close(NULL, "default"), INVALID);
    CHECK_STATUS(natskit_manager_close(manager, NULL), INVALID);
    CHECK_STATUS(natskit_manager_close(manager, bad_utf8), INVALID);
    CHECK_STATUS(natskit_manager_close_all(NULL), INVALID);
}

static void test_publish(void) {
    const char *d = "x";
    CHECK_STATUS(natskit_publish(NULL, "a", d, 1), INVALID);
    CHECK_ERROR_TEXT("client is NULL");
    CHECK_STATUS(natskit_publish(client, NULL, d, 1), INVALID);
    CHECK_STATUS(natskit_publish(client, bad_utf8, d, 1), INVALID);
    CHECK_STATUS(natskit_publish(client, "a", NULL, 1), INVALID);
    CHECK_ERROR_TEXT("data is NULL but its length is 1");
    CHECK_STATUS(natskit_publish(client, "a", d, (size_t)-1), INVALID);
    CHECK_ERROR_TEXT("out of range");
    CHECK_STATUS(natskit_publish_msg(NULL, "a", NULL, NULL, d, 1), INVALID);
    CHECK_STATUS(natskit_publish_msg(client, NULL, NULL, NULL, d, 1), INVALID);
    CHECK_STATUS(natskit_publish_msg(client, "a", bad_utf8, NULL, d, 1), INVALID);
    CHECK_STATUS(natskit_publish_msg(client, "a", NULL, bad_utf8, d, 1), INVALID);
    CHECK_STATUS(natskit_publish_msg(client, "a", NULL, "{\"h\": [1]}", d, 1), INVALID);
    CHECK_STATUS(natskit_publish_msg(client, "a", NULL, NULL, NULL, 3), INVALID);
}

static void test_request(void) {
    natskit_message *reply = (natskit_message *)0x1;
    CHECK_STATUS(natskit_request(NULL, "a", NULL, 0, 100, &reply), INVALID);
    CHECK_STATUS(natskit_request(client, NULL, NULL, 0, 100, &reply), INVALID);
    CHECK_STATUS(natskit_request(client, bad_utf8, NULL, 0, 100, &reply), INVALID);
    CHECK_STATUS(natskit_request(client, "a", NULL, 5, 100, &reply), INVALID);
    CHECK_STATUS(natskit_request(client, "a", NULL, 0, -5, &reply), INVALID);
    CHECK_ERROR_TEXT("timeout_ms -5");
    CHECK_STATUS(natskit_request(client, "a", NULL, 0, 100, NULL), INVALID);
    CHECK_ERROR_TEXT("reply_out (out-param) is NULL");
    CHECK_STATUS(natskit_request_msg(client, "a", bad_utf8, NULL, 0, 100, &reply), INVALID);
    CHECK_STATUS(natskit_request_msg(client, "a", "\"str\"", NULL, 0, 100, &reply), INVALID);
    CHECK_STATUS(natskit_request_msg(NULL, "a", NULL, NULL, 0, 100, &reply), INVALID);
    CHECK(reply == (natskit_message *)0x1);
}

static void test_subscribe_and_receive(void) {
    natskit_subscription *s = (natskit_subscription *)0x1;
    CHECK_STATUS(natskit_subscribe(NULL, "a", NULL, &s), INVALID);
    CHECK_STATUS(natskit_subscribe(client, NULL, NULL, &s), INVALID);
    CHECK_STATUS(natskit_subscribe(client, bad_utf8, NULL, &s), INVALID);
    CHECK_STATUS(natskit_subscribe(client, "a", bad_utf8, &s), INVALID);
    CHECK_STATUS(natskit_subscribe(client, "a", NULL, NULL), INVALID);
    CHECK_STATUS(natskit_subscribe(client, "a..b", NULL, &s), NATSKIT_STATUS_INVALID_SUBJECT);
    CHECK(s == (natskit_subscription *)0x1);

    natskit_message *m = (natskit_message *)0x1;
    CHECK_STATUS(natskit_subscription_next(NULL, 10, &m), INVALID);
    CHECK_ERROR_TEXT("subscription is NULL");
    CHECK_STATUS(natskit_subscription_next(sub, 10, NULL), INVALID);
    CHECK_STATUS(natskit_subscription_next(sub, -7, &m), INVALID);
    CHECK_ERROR_TEXT("NATSKIT_FOREVER (-2)");
    size_t index = 77;
    const natskit_subscription *subs[2] = {sub, NULL};
    CHECK_STATUS(natskit_subscription_next_any(subs, 2, 10, &index, &m), INVALID);
    CHECK_ERROR_TEXT("subscriptions[1] is NULL");
    CHECK_STATUS(natskit_subscription_next_any(NULL, 1, 10, &index, &m), INVALID);
    CHECK_STATUS(natskit_subscription_next_any(subs, (size_t)-1, 10, &index, &m), INVALID);
    CHECK_STATUS(natskit_subscription_next_any(subs, 1, 10, NULL, &m), INVALID);
    CHECK_STATUS(natskit_subscription_next_any(subs, 1, 10, &index, NULL), INVALID);
    CHECK_STATUS(natskit_subscription_next_any(NULL, 0, NATSKIT_FOREVER, &index, &m), INVALID);
    CHECK_STATUS(natskit_subscription_next_any(NULL, 0, 10, &index, &m), NATSKIT_STATUS_TIMEOUT);
    CHECK(m == (natskit_message *)0x1 && index == 77);

    uint64_t dropped = 5;
    CHECK_STATUS(natskit_subscription_dropped(NULL, &dropped), INVALID);
    CHECK_STATUS(natskit_subscription_dropped(sub, NULL), INVALID);
    CHECK(dropped == 5);
    CHECK_STATUS(natskit_subscription_unsubscribe(NULL), INVALID);
    CHECK_STATUS(natskit_subscription_drain(NULL), INVALID);
}

static void test_client_calls(void) {
    CHECK_STATUS(natskit_client_flush(NULL), INVALID);
    CHECK_STATUS(natskit_client_close(NULL), INVALID);
    CHECK_STATUS(natskit_client_drain(NULL), INVALID);
    size_t max = 3;
    CHECK_STATUS(natskit_client_max_payload(NULL, &max), INVALID);
    CHECK_STATUS(natskit_client_max_payload(client, NULL), INVALID);
    CHECK(max == 3);
    char *text = (char *)0x1;
    CHECK_STATUS(natskit_client_stats_json(NULL, &text), INVALID);
    CHECK_STATUS(natskit_client_stats_json(client, NULL), INVALID);
    CHECK_STATUS(natskit_client_poll_event(NULL, &text), INVALID);
    CHECK_STATUS(natskit_client_poll_event(client, NULL), INVALID);
    CHECK(text == (char *)0x1);
}

static void test_message_calls(void) {
    const char *text = "untouched";
    const uint8_t *data = NULL;
    size_t len = 42;
    CHECK_STATUS(natskit_message_subject(NULL, &text), INVALID);
    CHECK_STATUS(natskit_message_subject(msg, NULL), INVALID);
    CHECK_STATUS(natskit_message_reply(NULL, &text), INVALID);
    CHECK_STATUS(natskit_message_reply(msg, NULL), INVALID);
    CHECK_STATUS(natskit_message_headers_json(NULL, &text), INVALID);
    CHECK_STATUS(natskit_message_headers_json(msg, NULL), INVALID);
    CHECK_STATUS(natskit_message_data(NULL, &data, &len), INVALID);
    CHECK_STATUS(natskit_message_data(msg, NULL, &len), INVALID);
    CHECK_STATUS(natskit_message_data(msg, &data, NULL), INVALID);
    CHECK(strcmp(text, "untouched") == 0 && len == 42);
    CHECK_STATUS(natskit_message_respond(NULL, NULL, NULL, 0), INVALID);
    CHECK_STATUS(natskit_message_respond(msg, bad_utf8, NULL, 0), INVALID);
    CHECK_STATUS(natskit_message_respond(msg, NULL, NULL, 9), INVALID);
}

static void test_local_server_calls(void) {
    natskit_local_server *s = (natskit_local_server *)0x1;
    CHECK_STATUS(natskit_local_server_start(bad_utf8, &s), INVALID);
    CHECK_STATUS(natskit_local_server_start(NULL, NULL), INVALID);
    CHECK_STATUS(natskit_local_server_start("{\"colour\": 1}", &s), NATSKIT_STATUS_SERIALIZATION);
    CHECK(s == (natskit_local_server *)0x1);
    const char *u = "untouched";
    uint16_t port = 7;
    CHECK_STATUS(natskit_local_server_url(NULL, &u), INVALID);
    CHECK_STATUS(natskit_local_server_url(server, NULL), INVALID);
    CHECK_STATUS(natskit_local_server_port(NULL, &port), INVALID);
    CHECK_STATUS(natskit_local_server_port(server, NULL), INVALID);
    CHECK(strcmp(u, "untouched") == 0 && port == 7);
}

/* The hidden panic trigger of the library's tests; deliberately absent from natskit.h. */
natskit_status natskit_panic_for_tests(void);

/* A panic inside the library is a status, not a crash. */
static void test_panic_is_a_status(void) {
    CHECK_STATUS(natskit_panic_for_tests(), NATSKIT_STATUS_PANIC);
    CHECK_ERROR_TEXT("deliberate panic for tests");
    CHECK(natskit_last_error_server_code() == 0);
}

/* The header's enum is the core's table: same numbers, same names, nothing beyond it. */
static void test_status_table_is_the_core_table(void) {
#define SAME(status, name) CHECK(strcmp(natskit_status_name(status), name) == 0)
    SAME(NATSKIT_STATUS_OK, "OK");
    SAME(NATSKIT_STATUS_INVALID_ARGUMENT, "INVALID_ARGUMENT");
    SAME(NATSKIT_STATUS_INVALID_SUBJECT, "INVALID_SUBJECT");
    SAME(NATSKIT_STATUS_CONFIG, "CONFIG");
    SAME(NATSKIT_STATUS_CONNECT, "CONNECT");
    SAME(NATSKIT_STATUS_AUTHORIZATION, "AUTHORIZATION");
    SAME(NATSKIT_STATUS_TIMEOUT, "TIMEOUT");
    SAME(NATSKIT_STATUS_NO_RESPONDERS, "NO_RESPONDERS");
    SAME(NATSKIT_STATUS_PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    SAME(NATSKIT_STATUS_CLOSED, "CLOSED");
    SAME(NATSKIT_STATUS_JETSTREAM_NOT_ENABLED, "JETSTREAM_NOT_ENABLED");
    SAME(NATSKIT_STATUS_JETSTREAM, "JETSTREAM");
    SAME(NATSKIT_STATUS_NOT_FOUND, "NOT_FOUND");
    SAME(NATSKIT_STATUS_SERIALIZATION, "SERIALIZATION");
    SAME(NATSKIT_STATUS_QUEUE, "QUEUE");
    SAME(NATSKIT_STATUS_PANIC, "PANIC");
    SAME(NATSKIT_STATUS_IO, "IO");
    SAME(NATSKIT_STATUS_IO + 1, "UNKNOWN");
#undef SAME
}

int main(void) {
    CHECK_OK(natskit_local_server_start("{\"jetstream\": false}", &server));
    CHECK_OK(natskit_local_server_url(server, &url));
    client = connect_to(url);
    char config[256];
    snprintf(config, sizeof config, "{\"servers\": \"%s\"}", url);
    CHECK_OK(natskit_manager_new(config, &manager));
    CHECK_OK(natskit_subscribe(client, "args.x", NULL, &sub));
    CHECK_OK(natskit_publish_msg(client, "args.x", "args.reply", NULL, "m", 1));
    CHECK_OK(natskit_subscription_next(sub, 5000, &msg));

    RUN(test_panic_is_a_status);
    RUN(test_status_table_is_the_core_table);
    RUN(test_frees_accept_null);
    RUN(test_connect_and_manager);
    RUN(test_publish);
    RUN(test_request);
    RUN(test_subscribe_and_receive);
    RUN(test_client_calls);
    RUN(test_message_calls);
    RUN(test_local_server_calls);

    natskit_message_free(msg);
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_close(client));
    natskit_client_free(client);
    natskit_manager_free(manager);
    natskit_local_server_stop(server);
    printf("arguments_test: %d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
