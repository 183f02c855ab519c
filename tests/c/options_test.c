/* Connection options pass through the C config JSON: no_echo, inbox_prefix,
 * retry_on_initial_connect (core/tests/options.rs tests each one in depth). */
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

static natskit_client *connect_json(const char *extra) {
    char options[256];
    snprintf(options, sizeof options, "{\"servers\": \"%s\", %s}", url, extra);
    natskit_client *client = NULL;
    CHECK_OK(natskit_connect(options, &client));
    return client;
}

static void test_no_echo(void) {
    natskit_client *quiet = connect_json("\"no_echo\": true");
    natskit_client *other = connect_to(url);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(quiet, "opts.echo", NULL, &sub));
    CHECK_OK(natskit_client_flush(quiet));
    CHECK_OK(natskit_publish(quiet, "opts.echo", "own", 3));
    CHECK_OK(natskit_client_flush(quiet));
    CHECK_OK(natskit_publish(other, "opts.echo", "other", 5));
    CHECK_OK(natskit_client_flush(other));
    natskit_message *msg = NULL;
    CHECK_OK(natskit_subscription_next(sub, 5000, &msg));
    char *text = payload_copy(msg);
    CHECK(strcmp(text, "other") == 0);
    free(text);
    natskit_message_free(msg);
    CHECK_STATUS(natskit_subscription_next(sub, 200, &msg), NATSKIT_STATUS_TIMEOUT);
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_close(quiet));
    CHECK_OK(natskit_client_close(other));
    natskit_client_free(quiet);
    natskit_client_free(other);
}

struct responder {
    natskit_subscription *sub;
    char reply[128];
};

static void *respond_once(void *arg) {
    struct responder *r = arg;
    natskit_message *msg = NULL;
    if (natskit_subscription_next(r->sub, 5000, &msg) != NATSKIT_STATUS_OK) return NULL;
    const char *reply = NULL;
    natskit_message_reply(msg, &reply);
    if (reply != NULL) snprintf(r->reply, sizeof r->reply, "%s", reply);
    natskit_message_respond(msg, NULL, "pong", 4);
    natskit_message_free(msg);
    return NULL;
}

static void test_inbox_prefix(void) {
    natskit_client *responder = connect_to(url);
    natskit_client *requester = connect_json("\"inbox_prefix\": \"_C.inbox\"");
    struct responder r = {NULL, ""};
    CHECK_OK(natskit_subscribe(responder, "opts.svc", NULL, &r.sub));
    CHECK_OK(natskit_client_flush(responder));
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, respond_once, &r) == 0);
    natskit_message *answer = NULL;
    CHECK_OK(natskit_request(requester, "opts.svc", "ping", 4, 5000, &answer));
    pthread_join(thread, NULL);
    CHECK(strncmp(r.reply, "_C.inbox.", 9) == 0);
    natskit_message_free(answer);
    natskit_subscription_free(r.sub);
    CHECK_OK(natskit_client_close(responder));
    CHECK_OK(natskit_client_close(requester));
    natskit_client_free(responder);
    natskit_client_free(requester);
}

static uint16_t late_port;
static natskit_local_server *late_server;

static void *start_late(void *arg) {
    (void)arg;
    usleep(1000 * 1000);
    char options[64];
    snprintf(options, sizeof options, "{\"jetstream\": false, \"port\": %u}", late_port);
    natskit_local_server_start(options, &late_server);
    return NULL;
}

static void test_retry_on_initial_connect(void) {
    /* A port that was free a moment ago: a server's, stopped. */
    natskit_local_server *gone = NULL;
    CHECK_OK(natskit_local_server_start("{\"jetstream\": false}", &gone));
    CHECK_OK(natskit_local_server_port(gone, &late_port));
    natskit_local_server_stop(gone);
    char options[256];
    natskit_client *c = NULL;

    snprintf(options, sizeof options, "{\"servers\": \"nats://127.0.0.1:%u\"}", late_port);
    long long started = now_ms();
    CHECK_STATUS(natskit_connect(options, &c), NATSKIT_STATUS_CONNECT);
    CHECK(now_ms() - started < 500);

    snprintf(options, sizeof options,
             "{\"servers\": \"nats://127.0.0.1:%u\", \"retry_on_initial_connect\": true, "
             "\"reconnect\": {\"max_attempts\": 2, \"delay\": 0.01}}",
             late_port);
    CHECK_STATUS(natskit_connect(options, &c), NATSKIT_STATUS_CONNECT);
    CHECK_ERROR_TEXT("gave up after 3 connect attempts");

    snprintf(options, sizeof options,
             "{\"servers\": \"nats://127.0.0.1:%u\", \"retry_on_initial_connect\": true, "
             "\"reconnect\": {\"delay\": 0.05, \"max_delay\": 0.2}}",
             late_port);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, start_late, NULL) == 0);
    started = now_ms();
    CHECK_OK(natskit_connect(options, &c));
    CHECK(now_ms() - started >= 900);
    pthread_join(thread, NULL);
    CHECK(late_server != NULL);
    CHECK_OK(natskit_client_flush(c));
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
    natskit_local_server_stop(late_server);
}

static void test_bad_values(void) {
    natskit_client *c = NULL;
    CHECK_STATUS(natskit_connect("{\"reconnect_buffer_size\": -1}", &c), NATSKIT_STATUS_CONFIG);
    CHECK_ERROR_TEXT("reconnect_buffer_size");
    CHECK_STATUS(natskit_connect("{\"no_echo\": \"yes\"}", &c), NATSKIT_STATUS_CONFIG);
    CHECK_ERROR_TEXT("no_echo");
}

int main(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start("{\"jetstream\": false}", &server));
    CHECK_OK(natskit_local_server_url(server, &url));
    printf("options_test against %s\n", url);

    RUN(test_no_echo);
    RUN(test_inbox_prefix);
    RUN(test_retry_on_initial_connect);
    RUN(test_bad_values);

    natskit_local_server_stop(server);
    printf("options_test: %d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
