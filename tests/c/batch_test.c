/* Staged and batch calls of the natskit C ABI against a real nats-server: natskit_publish_many,
 * natskit_publish_packed and natskit_js_msg_ack_many keep order and deliver every message once,
 * refuse bad input whole, and close delivers what is staged, even in a process that exits
 * right after it. */
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static const char *url;

static void sleep_ms(long ms) {
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000 * 1000};
    nanosleep(&pause, NULL);
}

/* Receives `n` messages on `sub` and checks that message i's payload is "<prefix>-<i>". */
static void expect_sequence(natskit_subscription *sub, const char *prefix, int n) {
    for (int i = 0; i < n; i++) {
        natskit_message *msg = NULL;
        CHECK_OK(natskit_subscription_next(sub, 5000, &msg));
        char *text = payload_copy(msg);
        char want[64];
        snprintf(want, sizeof want, "%s-%d", prefix, i);
        if (strcmp(text, want) != 0) fprintf(stderr, "message %d is %s, not %s\n", i, text, want);
        CHECK(strcmp(text, want) == 0);
        free(text);
        natskit_message_free(msg);
    }
    natskit_message *extra = NULL;
    CHECK_STATUS(natskit_subscription_next(sub, 100, &extra), NATSKIT_STATUS_TIMEOUT);
}

enum { MANY = 1000 };

/* Subjects alternate between two, payloads count up: one subscription sees them all, in order. */
static void test_publish_many_keeps_order(void) {
    natskit_client *c = connect_to(url);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(c, "many.*", NULL, &sub));
    CHECK_OK(natskit_client_flush(c));
    static char bodies[MANY][16];
    const char *subjects[MANY];
    const void *data[MANY];
    size_t lens[MANY];
    for (int i = 0; i < MANY; i++) {
        lens[i] = (size_t)snprintf(bodies[i], sizeof bodies[i], "m-%d", i);
        data[i] = bodies[i];
        subjects[i] = i % 2 ? "many.odd" : "many.even";
    }
    CHECK_OK(natskit_publish_many(c, subjects, data, lens, 500));
    CHECK_OK(natskit_publish(c, "many.one", "m-500", 5));
    CHECK_OK(natskit_publish_many(c, subjects + 501, data + 501, lens + 501, MANY - 501));
    CHECK_OK(natskit_publish_many(c, NULL, NULL, NULL, 0));
    CHECK_OK(natskit_client_flush(c));
    expect_sequence(sub, "m", MANY);
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_publish_packed_keeps_order(void) {
    natskit_client *c = connect_to(url);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(c, "packed", NULL, &sub));
    CHECK_OK(natskit_client_flush(c));
    static char packed[MANY * 16];
    size_t lens[MANY], len = 0;
    for (int i = 0; i < MANY; i++) {
        lens[i] = (size_t)sprintf(packed + len, "p-%d", i);
        len += lens[i];
    }
    CHECK_OK(natskit_publish_packed(c, "packed", packed, len, lens, MANY));
    CHECK_OK(natskit_client_flush(c));
    expect_sequence(sub, "p", MANY);
    /* Empty payloads are messages too. */
    size_t zeros[3] = {0, 0, 0};
    CHECK_OK(natskit_publish_packed(c, "packed", NULL, 0, zeros, 3));
    CHECK_OK(natskit_client_flush(c));
    for (int i = 0; i < 3; i++) {
        natskit_message *msg = NULL;
        CHECK_OK(natskit_subscription_next(sub, 5000, &msg));
        natskit_message_free(msg);
    }
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* Every bad batch is INVALID_ARGUMENT (or INVALID_SUBJECT / PAYLOAD_TOO_LARGE) and sends nothing. */
static void test_bad_batches_send_nothing(void) {
    natskit_client *c = connect_to(url);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(c, "bad.>", NULL, &sub));
    CHECK_OK(natskit_client_flush(c));
    const char *subjects[3] = {"bad.a", "bad.b", "bad.c"};
    const void *data[3] = {"x", "y", "z"};
    size_t lens[3] = {1, 1, 1};

    CHECK_STATUS(natskit_publish_many(NULL, subjects, data, lens, 3), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_publish_many(c, NULL, data, lens, 3), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("subjects is NULL");
    CHECK_STATUS(natskit_publish_many(c, subjects, NULL, lens, 3), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_publish_many(c, subjects, data, NULL, 3), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_publish_many(c, subjects, data, lens, (size_t)1 << 21), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("NATSKIT_BATCH_MAX");
    CHECK_STATUS(natskit_publish_many(c, subjects, data, lens, SIZE_MAX), NATSKIT_STATUS_INVALID_ARGUMENT);

    const char *null_subject[3] = {"bad.a", NULL, "bad.c"};
    CHECK_STATUS(natskit_publish_many(c, null_subject, data, lens, 3), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("message 1");
    const char *wild[3] = {"bad.a", "bad.b", "bad.*"};
    CHECK_STATUS(natskit_publish_many(c, wild, data, lens, 3), NATSKIT_STATUS_INVALID_SUBJECT);
    CHECK_ERROR_TEXT("message 2");
    const void *null_data[3] = {"x", NULL, "z"};
    CHECK_STATUS(natskit_publish_many(c, subjects, null_data, lens, 3), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("message 1");
    size_t max_payload = 0;
    CHECK_OK(natskit_client_max_payload(c, &max_payload));
    static char big[2 * 1024 * 1024];
    const void *big_data[3] = {"x", "y", big};
    size_t big_lens[3] = {1, 1, max_payload + 1};
    CHECK_STATUS(natskit_publish_many(c, subjects, big_data, big_lens, 3), NATSKIT_STATUS_PAYLOAD_TOO_LARGE);
    size_t huge[3] = {1, 1, SIZE_MAX};
    CHECK_STATUS(natskit_publish_many(c, subjects, data, huge, 3), NATSKIT_STATUS_INVALID_ARGUMENT);

    CHECK_STATUS(natskit_publish_packed(c, "bad.p", "xyz", 3, lens, 2), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("do not add up");
    size_t overflow[2] = {SIZE_MAX, 4};
    CHECK_STATUS(natskit_publish_packed(c, "bad.p", "xyz", 3, overflow, 2), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_publish_packed(c, "bad.p", NULL, 3, lens, 3), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_publish_packed(c, "bad.p", "xyz", 3, NULL, 3), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_publish_packed(c, NULL, "xyz", 3, lens, 3), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_publish_packed(c, "bad p", "xyz", 3, lens, 3), NATSKIT_STATUS_INVALID_SUBJECT);

    CHECK_OK(natskit_client_flush(c));
    natskit_message *msg = NULL;
    CHECK_STATUS(natskit_subscription_next(sub, 200, &msg), NATSKIT_STATUS_TIMEOUT);
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_close(c));
    CHECK_STATUS(natskit_publish_many(c, subjects, data, lens, 3), NATSKIT_STATUS_CLOSED);
    CHECK_STATUS(natskit_publish_packed(c, "bad.p", "xyz", 3, lens, 3), NATSKIT_STATUS_CLOSED);
    natskit_client_free(c);
}

/* A child process publishes 20000 messages, closes and exits at once: all of them arrive. */
static void test_close_delivers_staged_publishes_before_exit(void) {
    enum { N = 20000 };
    natskit_client *c = connect_to(url);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(c, "exit.x", NULL, &sub));
    CHECK_OK(natskit_client_flush(c));
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        natskit_client *child = NULL;
        char options[256];
        snprintf(options, sizeof options, "{\"servers\": \"%s\"}", url);
        if (natskit_connect(options, &child) != NATSKIT_STATUS_OK) _exit(2);
        for (int i = 0; i < N; i++) {
            char body[16];
            int len = snprintf(body, sizeof body, "e-%d", i);
            if (natskit_publish(child, "exit.x", body, (size_t)len) != NATSKIT_STATUS_OK) _exit(3);
        }
        _exit(natskit_client_close(child) == NATSKIT_STATUS_OK ? 0 : 4);
    }
    int wstatus = 0;
    CHECK(waitpid(pid, &wstatus, 0) == pid);
    CHECK(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
    expect_sequence(sub, "e", N);
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* Staged publishes keep their place before a request, a publish with headers and a flush. */
static void test_staged_publishes_precede_later_calls(void) {
    natskit_client *c = connect_to(url);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(c, "order.>", NULL, &sub));
    CHECK_OK(natskit_client_flush(c));
    for (int round = 0; round < 3; round++) {
        CHECK_OK(natskit_publish(c, "order.a", "1", 1));
        CHECK_OK(natskit_publish_msg(c, "order.b", NULL, "{\"X\": \"2\"}", "2", 1));
        natskit_message *reply = NULL;
        CHECK_STATUS(natskit_request(c, "order.c", "3", 1, 100, &reply), NATSKIT_STATUS_TIMEOUT);
        const char *want[3] = {"order.a", "order.b", "order.c"};
        for (int i = 0; i < 3; i++) {
            natskit_message *msg = NULL;
            CHECK_OK(natskit_subscription_next(sub, 5000, &msg));
            const char *subject = NULL;
            CHECK_OK(natskit_message_subject(msg, &subject));
            CHECK(strcmp(subject, want[i]) == 0);
            natskit_message_free(msg);
        }
    }
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* Staged publishes the reconnect buffer refuses when handed over fail the next call. */
static void test_refused_staged_publishes_are_reported(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start("{\"jetstream\": false}", &server));
    const char *server_url = NULL;
    CHECK_OK(natskit_local_server_url(server, &server_url));
    char options[256];
    snprintf(options, sizeof options,
             "{\"servers\": \"%s\", \"reconnect_buffer_size\": 300, \"reconnect\": {\"delay\": 50}}",
             server_url);
    natskit_client *c = NULL;
    CHECK_OK(natskit_connect(options, &c));
    natskit_local_server_stop(server);
    for (int waited = 0;; waited += 10) {
        CHECK(waited < 10000);
        char *event = NULL;
        CHECK_OK(natskit_client_poll_event(c, &event));
        int down = event != NULL && strstr(event, "disconnected") != NULL;
        natskit_string_free(event);
        if (down) break;
        sleep_ms(10);
    }
    static char payload[20][64];
    const char *subjects[20];
    const void *data[20];
    size_t lens[20];
    for (int i = 0; i < 20; i++) {
        subjects[i] = "buffered.x";
        data[i] = payload[i];
        lens[i] = sizeof payload[i];
    }
    /* Each fits the empty buffer when checked; together they overflow it when handed over. */
    CHECK_OK(natskit_publish_many(c, subjects, data, lens, 20));
    sleep_ms(300);
    CHECK_STATUS(natskit_publish(c, "other.subject", "x", 1), NATSKIT_STATUS_CONNECT);
    CHECK_ERROR_TEXT("accepted earlier were not sent");
    CHECK_ERROR_TEXT("reconnect buffer full");
    natskit_client_free(c);
}

static void test_ack_many(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = NULL;
    CHECK_OK(natskit_js_new(c, &js));
    char *info = NULL;
    CHECK_OK(natskit_js_stream_create(js, "{\"name\": \"ACKS\", \"subjects\": [\"acks.>\"], \"storage\": \"memory\"}", &info));
    natskit_string_free(info);
    CHECK_OK(natskit_js_consumer_create(js, "ACKS", "{\"durable_name\": \"c\", \"ack_policy\": \"explicit\", \"ack_wait\": 60000}", &info));
    natskit_string_free(info);
    size_t lens[100], len = 0;
    static char packed[100 * 8];
    for (int i = 0; i < 100; i++) {
        lens[i] = (size_t)sprintf(packed + len, "a-%d", i);
        len += lens[i];
    }
    CHECK_OK(natskit_publish_packed(c, "acks.x", packed, len, lens, 100));
    natskit_js_msg *batch[100];
    size_t got = 0, count = 0;
    while (got < 100) {
        CHECK_OK(natskit_js_fetch(js, "ACKS", "c", 100 - got, 5000, batch + got, &count));
        got += count;
    }
    for (int i = 0; i < 100; i++) {
        const uint8_t *data = NULL;
        size_t n = 0;
        CHECK_OK(natskit_js_msg_data(batch[i], &data, &n));
        char want[16];
        snprintf(want, sizeof want, "a-%d", i);
        CHECK(n == strlen(want) && memcmp(data, want, n) == 0);
    }
    const natskit_js_msg *nulls[2] = {batch[0], NULL};
    CHECK_STATUS(natskit_js_msg_ack_many(nulls, 2), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("message 1");
    CHECK_STATUS(natskit_js_msg_ack_many(NULL, 2), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_js_msg_ack_many((const natskit_js_msg *const *)batch, (size_t)1 << 21),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_OK(natskit_js_msg_ack_many(NULL, 0));
    CHECK_OK(natskit_js_msg_ack_many((const natskit_js_msg *const *)batch, 100));
    for (int i = 0; i < 100; i++) natskit_js_msg_free(batch[i]);
    /* All acked: nothing comes back, even once the ack wait would have passed. */
    for (int waited = 0;; waited += 25) {
        CHECK(waited < 5000);
        CHECK_OK(natskit_js_consumer_info(js, "ACKS", "c", &info));
        int done = strstr(info, "\"num_ack_pending\":0") != NULL;
        natskit_string_free(info);
        if (done) break;
        sleep_ms(25);
    }
    natskit_js_msg *none[1];
    CHECK_OK(natskit_js_fetch(js, "ACKS", "c", 1, NATSKIT_NO_WAIT, none, &count));
    CHECK(count == 0);
    natskit_js_free(js);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

int main(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start(NULL, &server));
    CHECK_OK(natskit_local_server_url(server, &url));
    printf("batch_test against %s\n", url);

    RUN(test_publish_many_keeps_order);
    RUN(test_publish_packed_keeps_order);
    RUN(test_bad_batches_send_nothing);
    RUN(test_close_delivers_staged_publishes_before_exit);
    RUN(test_staged_publishes_precede_later_calls);
    RUN(test_refused_staged_publishes_are_reported);
    RUN(test_ack_many);

    natskit_local_server_stop(server);
    printf("batch_test: %d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
