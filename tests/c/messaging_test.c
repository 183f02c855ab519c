/* natskit C ABI against a real nats-server: pub/sub, queue groups, request/reply,
 * error statuses, headers, events, stats and a multithreaded publisher. */
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static const char *url;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_version_and_status_names(void) {
    CHECK(strlen(natskit_version()) > 0);
    CHECK(strcmp(natskit_status_name(NATSKIT_STATUS_NO_RESPONDERS), "NO_RESPONDERS") == 0);
    CHECK(strcmp(natskit_status_name(NATSKIT_STATUS_OK), "OK") == 0);
    CHECK(strcmp(natskit_status_name(9999), "UNKNOWN") == 0);
    CHECK(NATSKIT_STATUS_TIMEOUT == 6 && NATSKIT_STATUS_IO == 16);
}

static void test_publish_subscribe(void) {
    natskit_client *c = connect_to(url);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(c, "orders.*", NULL, &sub));
    CHECK_OK(natskit_publish(c, "orders.created", "hello", 5));
    CHECK_OK(natskit_publish(c, "orders.empty", NULL, 0));

    natskit_message *msg = NULL;
    CHECK_OK(natskit_subscription_next(sub, 5000, &msg));
    const char *subject = NULL;
    CHECK_OK(natskit_message_subject(msg, &subject));
    CHECK(strcmp(subject, "orders.created") == 0);
    const char *reply = "unchanged";
    CHECK_OK(natskit_message_reply(msg, &reply));
    CHECK(reply == NULL);
    char *text = payload_copy(msg);
    CHECK(strcmp(text, "hello") == 0);
    free(text);
    const char *headers = NULL;
    CHECK_OK(natskit_message_headers_json(msg, &headers));
    CHECK(strcmp(headers, "{}") == 0);
    natskit_message_free(msg);

    CHECK_OK(natskit_subscription_next(sub, 5000, &msg));
    const uint8_t *data = (const uint8_t *)"x";
    size_t len = 99;
    CHECK_OK(natskit_message_data(msg, &data, &len));
    CHECK(len == 0);
    natskit_message_free(msg);

    msg = NULL;
    CHECK_STATUS(natskit_subscription_next(sub, 50, &msg), NATSKIT_STATUS_TIMEOUT);
    CHECK(msg == NULL);
    CHECK_STATUS(natskit_subscription_next(sub, 0, &msg), NATSKIT_STATUS_TIMEOUT);

    CHECK_OK(natskit_subscription_unsubscribe(sub));
    CHECK_STATUS(natskit_subscription_next(sub, 10, &msg), NATSKIT_STATUS_CLOSED);
    CHECK_ERROR_TEXT("orders.*");
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_close(c));
    CHECK_OK(natskit_client_close(c));
    CHECK_STATUS(natskit_publish(c, "orders.late", NULL, 0), NATSKIT_STATUS_CLOSED);
    natskit_client_free(c);
}

static void test_queue_group(void) {
    natskit_client *c = connect_to(url);
    natskit_subscription *a = NULL, *b = NULL;
    CHECK_OK(natskit_subscribe(c, "work", "workers", &a));
    CHECK_OK(natskit_subscribe(c, "work", "workers", &b));
    char body[8];
    for (int i = 0; i < 100; i++) {
        int n = snprintf(body, sizeof body, "%d", i);
        CHECK_OK(natskit_publish(c, "work", body, (size_t)n));
    }
    CHECK_OK(natskit_client_flush(c));

    /* Each message once: every body 0..99 seen exactly once, by one member or the other. */
    const natskit_subscription *subs[2] = {a, b};
    int seen[100] = {0};
    int per_member[2] = {0, 0};
    size_t index = 0;
    natskit_message *msg = NULL;
    for (int received = 0; received < 200; received++) {
        if (natskit_subscription_next_any(subs, 2, 300, &index, &msg) != NATSKIT_STATUS_OK) break;
        CHECK(index < 2);
        per_member[index]++;
        char *text = payload_copy(msg);
        int n = atoi(text);
        CHECK(n >= 0 && n < 100);
        seen[n]++;
        free(text);
        natskit_message_free(msg);
    }
    for (int i = 0; i < 100; i++) CHECK(seen[i] == 1);
    CHECK(per_member[0] + per_member[1] == 100);
    natskit_subscription_free(a);
    natskit_subscription_free(b);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* After fork() the parent's client is CLOSED in the child and still works in the parent. */
static void test_client_is_closed_in_a_forked_child(void) {
    natskit_client *c = connect_to(url);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        natskit_status status = natskit_publish(c, "forked.x", "x", 1);
        _exit(status == NATSKIT_STATUS_CLOSED ? 0 : 1);
    }
    int wstatus = 0;
    long long deadline = now_ms() + 10000;
    while (waitpid(pid, &wstatus, WNOHANG) == 0) {
        CHECK(now_ms() < deadline);
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    CHECK(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
    CHECK_OK(natskit_publish(c, "forked.x", "parent", 6));
    CHECK_OK(natskit_client_flush(c));
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

struct responder {
    natskit_subscription *sub;
    int answered;
};

/* Answers one request with "re:<payload>" and the request's X-Id header. */
static void *respond_once(void *arg) {
    struct responder *r = arg;
    natskit_message *msg = NULL;
    if (natskit_subscription_next(r->sub, 5000, &msg) != NATSKIT_STATUS_OK) return NULL;
    char *text = payload_copy(msg);
    char answer[64];
    snprintf(answer, sizeof answer, "re:%s", text);
    free(text);
    const char *reply = NULL;
    natskit_message_reply(msg, &reply);
    if (reply != NULL &&
        natskit_message_respond(msg, "{\"X-Answered\": \"yes\"}", answer,
                                strlen(answer)) == NATSKIT_STATUS_OK)
        r->answered = 1;
    natskit_message_free(msg);
    return NULL;
}

static void test_request_reply(void) {
    natskit_client *c = connect_to(url);
    struct responder r = {NULL, 0};
    CHECK_OK(natskit_subscribe(c, "svc.echo", NULL, &r.sub));
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, respond_once, &r) == 0);
    natskit_message *reply = NULL;
    CHECK_OK(natskit_request(c, "svc.echo", "ping", 4, 5000, &reply));
    pthread_join(thread, NULL);
    CHECK(r.answered == 1);
    char *text = payload_copy(reply);
    CHECK(strcmp(text, "re:ping") == 0);
    free(text);
    const char *headers = NULL;
    CHECK_OK(natskit_message_headers_json(reply, &headers));
    CHECK(strstr(headers, "\"X-Answered\":[\"yes\"]") != NULL);
    CHECK_STATUS(natskit_message_respond(reply, NULL, NULL, 0), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("no reply subject");
    natskit_message_free(reply);
    natskit_subscription_free(r.sub);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_no_responders_and_timeout(void) {
    natskit_client *c = connect_to(url);
    natskit_message *reply = NULL;
    CHECK_STATUS(natskit_request(c, "nobody.home", NULL, 0, 2000, &reply),
                 NATSKIT_STATUS_NO_RESPONDERS);
    CHECK(reply == NULL);
    CHECK_ERROR_TEXT("no responders for nobody.home");

    natskit_subscription *silent = NULL;
    CHECK_OK(natskit_subscribe(c, "svc.silent", NULL, &silent));
    CHECK_STATUS(natskit_request(c, "svc.silent", NULL, 0, 100, &reply), NATSKIT_STATUS_TIMEOUT);
    CHECK(reply == NULL);
    CHECK_ERROR_TEXT("request to svc.silent timed out after 100 ms");
    natskit_subscription_free(silent);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_a_thread_answers_its_own_request(void) {
    natskit_client *c = connect_to(url);
    natskit_subscription *subs[1] = {NULL};
    CHECK_OK(natskit_subscribe(c, "svc.self", NULL, &subs[0]));
    CHECK_OK(natskit_client_flush(c));
    natskit_pending_request *req = NULL;
    CHECK_OK(natskit_request_start(c, "svc.self", NULL, "ping", 4, 2000, &req));
    size_t index = 99;
    natskit_message *msg = NULL;
    CHECK_OK(natskit_pending_request_wait(req, (const natskit_subscription *const *)subs, 1, &index, &msg));
    CHECK(index == 0);
    CHECK_OK(natskit_message_respond(msg, NULL, "pong", 4));
    natskit_message_free(msg);
    CHECK_OK(natskit_pending_request_wait(req, (const natskit_subscription *const *)subs, 1, &index, &msg));
    CHECK(index == 1);
    char *text = payload_copy(msg);
    CHECK(strcmp(text, "pong") == 0);
    free(text);
    natskit_message_free(msg);
    CHECK_STATUS(natskit_pending_request_wait(req, NULL, 0, &index, &msg), NATSKIT_STATUS_INVALID_ARGUMENT);
    natskit_pending_request_free(req);

    CHECK_OK(natskit_request_start(c, "svc.self", NULL, NULL, 0, 100, &req));
    CHECK_OK(natskit_pending_request_wait(req, (const natskit_subscription *const *)subs, 1, &index, &msg));
    natskit_message_free(msg);
    CHECK_STATUS(natskit_pending_request_wait(req, (const natskit_subscription *const *)subs, 1, &index, &msg),
                 NATSKIT_STATUS_TIMEOUT);
    CHECK_ERROR_TEXT("request to svc.self timed out after 100 ms");
    natskit_pending_request_free(req);
    natskit_subscription_free(subs[0]);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_headers_and_reply_subject(void) {
    natskit_client *c = connect_to(url);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(c, "hdr.test", NULL, &sub));
    CHECK_OK(natskit_publish_msg(c, "hdr.test", "hdr.answer",
                                 "{\"X-Trace\": [\"a\", \"b\"], \"Content-Type\": \"text/plain\"}",
                                 "body", 4));
    natskit_message *msg = NULL;
    CHECK_OK(natskit_subscription_next(sub, 5000, &msg));
    const char *headers = NULL;
    CHECK_OK(natskit_message_headers_json(msg, &headers));
    CHECK(strstr(headers, "\"X-Trace\":[\"a\",\"b\"]") != NULL);
    CHECK(strstr(headers, "\"Content-Type\":[\"text/plain\"]") != NULL);
    const char *again = NULL;
    CHECK_OK(natskit_message_headers_json(msg, &again));
    CHECK(again == headers);
    const char *reply = NULL;
    CHECK_OK(natskit_message_reply(msg, &reply));
    CHECK(strcmp(reply, "hdr.answer") == 0);
    natskit_message_free(msg);

    CHECK_STATUS(natskit_publish_msg(c, "hdr.test", NULL, "[1, 2]", NULL, 0),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("headers");
    CHECK_STATUS(natskit_publish(c, "bad subject", NULL, 0), NATSKIT_STATUS_INVALID_SUBJECT);
    CHECK_STATUS(natskit_publish(c, "wild.*", NULL, 0), NATSKIT_STATUS_INVALID_SUBJECT);

    size_t max = 0;
    CHECK_OK(natskit_client_max_payload(c, &max));
    CHECK(max > 0);
    uint8_t *big = calloc(max + 1, 1);
    CHECK_STATUS(natskit_publish(c, "hdr.test", big, max + 1), NATSKIT_STATUS_PAYLOAD_TOO_LARGE);
    CHECK_ERROR_TEXT("exceeds server max_payload");
    free(big);
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_stats_events_and_drain(void) {
    natskit_client *c = connect_to(url);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(c, "stats.x", NULL, &sub));
    for (int i = 0; i < 3; i++) CHECK_OK(natskit_publish(c, "stats.x", "abc", 3));
    CHECK_OK(natskit_client_flush(c));

    char *stats = NULL;
    CHECK_OK(natskit_client_stats_json(c, &stats));
    unsigned long out_msgs = 0, in_msgs = 0;
    CHECK(strstr(stats, "\"out_msgs\":") != NULL && strstr(stats, "\"in_msgs\":") != NULL);
    CHECK(sscanf(strstr(stats, "\"out_msgs\":"), "\"out_msgs\":%lu", &out_msgs) == 1);
    CHECK(sscanf(strstr(stats, "\"in_msgs\":"), "\"in_msgs\":%lu", &in_msgs) == 1);
    CHECK(out_msgs >= 3 && in_msgs >= 3);
    natskit_string_free(stats);

    /* The connected event is recorded by the library's I/O thread: poll until it is there. */
    char *event = NULL;
    for (int i = 0; i < 200 && event == NULL; i++) {
        CHECK_OK(natskit_client_poll_event(c, &event));
        if (event == NULL) usleep(10000);
    }
    CHECK(event != NULL && strstr(event, "\"event\":\"connected\"") != NULL);
    natskit_string_free(event);

    CHECK_OK(natskit_subscription_drain(sub));
    int received = 0;
    natskit_message *msg = NULL;
    natskit_status status;
    while ((status = natskit_subscription_next(sub, 2000, &msg)) == NATSKIT_STATUS_OK) {
        received++;
        natskit_message_free(msg);
    }
    CHECK(received == 3);
    CHECK(status == NATSKIT_STATUS_CLOSED);
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_drain(c));
    CHECK_STATUS(natskit_client_flush(c), NATSKIT_STATUS_CLOSED);
    natskit_client_free(c);
}

static void test_manager(void) {
    char config[512];
    snprintf(config, sizeof config,
             "{\"default\": \"main\", \"connections\": {\"main\": {\"servers\": \"%s\"}, "
             "\"other\": {\"servers\": \"%s\", \"name\": \"other\"}}}",
             url, url);
    natskit_manager *m = NULL;
    CHECK_OK(natskit_manager_new(config, &m));
    natskit_client *main_conn = NULL, *other = NULL;
    CHECK_OK(natskit_manager_connection(m, NULL, &main_conn));
    CHECK_OK(natskit_manager_connection(m, "other", &other));
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(other, "mgr.x", NULL, &sub));
    CHECK_OK(natskit_client_flush(other)); /* the interest must reach the server before main's publish */
    CHECK_OK(natskit_publish(main_conn, "mgr.x", "1", 1));
    natskit_message *msg = NULL;
    CHECK_OK(natskit_subscription_next(sub, 5000, &msg));
    natskit_message_free(msg);
    natskit_subscription_free(sub);

    natskit_client *missing = NULL;
    CHECK_STATUS(natskit_manager_connection(m, "nope", &missing), NATSKIT_STATUS_CONFIG);
    CHECK(missing == NULL);
    CHECK_ERROR_TEXT("no connection named \"nope\"");
    CHECK_OK(natskit_manager_close(m, "other"));
    CHECK_STATUS(natskit_publish(other, "mgr.x", NULL, 0), NATSKIT_STATUS_CLOSED);
    CHECK_OK(natskit_manager_close_all(m));
    natskit_client_free(main_conn);
    natskit_client_free(other);
    natskit_manager_free(m);

    natskit_manager *bad = NULL;
    CHECK_STATUS(natskit_manager_new("{\"servers\": 5}", &bad), NATSKIT_STATUS_CONFIG);
    CHECK(bad == NULL);
}

static void test_connect_errors(void) {
    natskit_client *c = NULL;
    CHECK_STATUS(natskit_connect("{\"servers\": \"nats://127.0.0.1:1\", \"connect_timeout\": 2}", &c),
                 NATSKIT_STATUS_CONNECT);
    CHECK(c == NULL);
    CHECK_ERROR_TEXT("127.0.0.1:1");
    CHECK_STATUS(natskit_connect("{not json", &c), NATSKIT_STATUS_CONFIG);
    CHECK_STATUS(natskit_connect("{\"unknown_key\": 1}", &c), NATSKIT_STATUS_CONFIG);
}

/* Credentials in a server URL are used; a wrong password is AUTHORIZATION without it. */
static void test_url_credentials(void) {
    natskit_local_server *secured = NULL;
    CHECK_OK(natskit_local_server_start(
        "{\"jetstream\": false, \"user\": \"bob\", \"password\": \"pw-right-1\"}", &secured));
    uint16_t port = 0;
    CHECK_OK(natskit_local_server_port(secured, &port));
    char with_creds[128];
    snprintf(with_creds, sizeof with_creds, "nats://bob:pw-right-1@127.0.0.1:%u", (unsigned)port);
    natskit_client *c = connect_to(with_creds);
    CHECK_OK(natskit_client_flush(c));
    natskit_client_free(c);
    char options[256];
    snprintf(options, sizeof options,
             "{\"servers\": \"nats://bob:pw-S3CRET@127.0.0.1:%u\", \"reconnect\": {\"max_attempts\": 0}}",
             (unsigned)port);
    c = NULL;
    CHECK_STATUS(natskit_connect(options, &c), NATSKIT_STATUS_AUTHORIZATION);
    CHECK(c == NULL);
    CHECK_ERROR_TEXT("\"bob\"");
    CHECK(strstr(natskit_last_error(), "pw-S3CRET") == NULL);
    CHECK_STATUS(natskit_connect("{\"servers\": \"nats://bob:pw-S3CRET@bad host:4222\"}", &c),
                 NATSKIT_STATUS_CONFIG);
    CHECK_ERROR_TEXT("bob:***@bad host");
    CHECK(strstr(natskit_last_error(), "pw-S3CRET") == NULL);
    natskit_local_server_stop(secured);

    natskit_local_server *tokened = NULL;
    CHECK_OK(natskit_local_server_start("{\"jetstream\": false, \"token\": \"tok-in-url-7\"}", &tokened));
    CHECK_OK(natskit_local_server_port(tokened, &port));
    snprintf(with_creds, sizeof with_creds, "nats://tok-in-url-7@127.0.0.1:%u", (unsigned)port);
    c = connect_to(with_creds);
    CHECK_OK(natskit_client_flush(c));
    natskit_client_free(c);
    natskit_local_server_stop(tokened);
}

#define PUBLISHERS 4
#define PER_PUBLISHER 10000

static void *publish_many(void *arg) {
    natskit_client *c = arg;
    for (int i = 0; i < PER_PUBLISHER; i++)
        if (natskit_publish(c, "load.x", "0123456789abcdef", 16) != NATSKIT_STATUS_OK)
            return (void *)1;
    return NULL;
}

static void test_multithreaded_publishers(void) {
    natskit_client *c = connect_to(url);
    natskit_client *receiver = connect_to(url);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(receiver, "load.x", NULL, &sub));
    CHECK_OK(natskit_client_flush(receiver));
    pthread_t threads[PUBLISHERS];
    for (int i = 0; i < PUBLISHERS; i++) CHECK(pthread_create(&threads[i], NULL, publish_many, c) == 0);
    int received = 0;
    natskit_message *msg = NULL;
    while (received < PUBLISHERS * PER_PUBLISHER &&
           natskit_subscription_next(sub, 10000, &msg) == NATSKIT_STATUS_OK) {
        received++;
        natskit_message_free(msg);
    }
    for (int i = 0; i < PUBLISHERS; i++) {
        void *failed = NULL;
        pthread_join(threads[i], &failed);
        CHECK(failed == NULL);
    }
    CHECK(received == PUBLISHERS * PER_PUBLISHER);
    uint64_t dropped = 1;
    CHECK_OK(natskit_subscription_dropped(sub, &dropped));
    CHECK(dropped == 0);
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_close(c));
    CHECK_OK(natskit_client_close(receiver));
    natskit_client_free(c);
    natskit_client_free(receiver);
}

int main(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start("{\"jetstream\": false}", &server));
    CHECK_OK(natskit_local_server_url(server, &url));
    uint16_t port = 0;
    CHECK_OK(natskit_local_server_port(server, &port));
    CHECK(port != 0 && port != 4222);
    printf("messaging_test against %s\n", url);

    RUN(test_version_and_status_names);
    RUN(test_publish_subscribe);
    RUN(test_queue_group);
    RUN(test_client_is_closed_in_a_forked_child);
    RUN(test_request_reply);
    RUN(test_no_responders_and_timeout);
    RUN(test_a_thread_answers_its_own_request);
    RUN(test_headers_and_reply_subject);
    RUN(test_stats_events_and_drain);
    RUN(test_manager);
    RUN(test_connect_errors);
    RUN(test_url_credentials);
    RUN(test_multithreaded_publishers);

    natskit_local_server_stop(server);
    printf("messaging_test: %d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
