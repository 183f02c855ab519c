/* W3C trace context through the C ABI against a real nats-server: trace headers for a
 * publish, a message's trace context, a job's trace context after a push with `traceparent`. */
#include "harness.h"

static const char *url;

#define PARENT "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
#define CONTEXT_JSON                                                                      \
    "{\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\"," \
    "\"flags\":1,\"sampled\":true,\"tracestate\":\"vendor=1\"}"

/* The next message's trace context JSON compared with `expected` (NULL: none). */
static void check_next_context(natskit_subscription *sub, const char *expected) {
    natskit_message *msg = NULL;
    CHECK_OK(natskit_subscription_next(sub, 2000, &msg));
    const char *json = NULL;
    CHECK_OK(natskit_message_trace_context_json(msg, &json));
    if (expected == NULL) {
        CHECK(json == NULL);
    } else {
        CHECK(json != NULL && strcmp(json, expected) == 0);
    }
    natskit_message_free(msg);
}

static void test_published_trace_context_reaches_the_subscriber(void) {
    natskit_client *c = connect_to(url);
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(c, "traced", NULL, &sub));
    char *headers = NULL;
    CHECK_OK(natskit_trace_headers("{\"x-app\": \"1\"}", PARENT, "vendor=1", &headers));
    CHECK(strstr(headers, "x-app") != NULL && strstr(headers, PARENT) != NULL);
    CHECK_OK(natskit_publish_msg(c, "traced", NULL, headers, "a", 1));
    natskit_string_free(headers);
    CHECK_OK(natskit_publish_msg(c, "traced", NULL, "{\"traceparent\": \"00-nope\"}", "b", 1));
    CHECK_OK(natskit_publish(c, "traced", "c", 1));
    check_next_context(sub, CONTEXT_JSON);
    check_next_context(sub, NULL);
    check_next_context(sub, NULL);

    headers = NULL;
    CHECK_STATUS(natskit_trace_headers(NULL, "00-bad", NULL, &headers),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("traceparent");
    CHECK(headers == NULL);
    CHECK_STATUS(natskit_trace_headers(NULL, NULL, NULL, &headers), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_trace_headers(NULL, PARENT, "Not Valid", &headers),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("tracestate");
    CHECK_STATUS(natskit_message_trace_context_json(NULL, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    natskit_subscription_free(sub);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_pushed_trace_context_reaches_the_job(void) {
    natskit_client *c = connect_to(url);
    natskit_queue *q = NULL;
    CHECK_OK(natskit_queue_new(c, "traced_c", &q));
    char *id = NULL;
    CHECK_STATUS(natskit_queue_push(q, "Job", "1", "{\"traceparent\": \"x\"}", &id),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("traceparent");
    CHECK_OK(natskit_queue_push(q, "Traced", "1",
                                "{\"traceparent\": \"" PARENT "\", \"tracestate\": \"vendor=1\"}", &id));
    natskit_string_free(id);
    CHECK_OK(natskit_queue_push(q, "Plain", "2", NULL, &id));
    natskit_string_free(id);

    natskit_worker *w = NULL;
    CHECK_OK(natskit_worker_new(c, "{\"queues\": [\"traced_c\"], \"sleep\": 500}", &w));
    for (int i = 0; i < 2; i++) {
        natskit_worker_step step = NATSKIT_WORKER_STEP_IDLE;
        natskit_job *job = NULL;
        const char *reason = NULL;
        CHECK_OK(natskit_worker_next(w, 2000, &step, &job, &reason));
        CHECK(step == NATSKIT_WORKER_STEP_JOB && job != NULL);
        const char *name = NULL;
        const char *json = NULL;
        CHECK_OK(natskit_job_name(job, &name));
        CHECK_OK(natskit_job_trace_context_json(job, &json));
        if (strcmp(name, "Traced") == 0) {
            CHECK(json != NULL && strcmp(json, CONTEXT_JSON) == 0);
        } else {
            CHECK(json == NULL);
        }
        CHECK_OK(natskit_job_complete(job, NULL));
        natskit_job_free(job);
    }
    natskit_worker_free(w);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

int main(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start(NULL, &server));
    CHECK_OK(natskit_local_server_url(server, &url));
    printf("trace_test against %s\n", url);

    RUN(test_published_trace_context_reaches_the_subscriber);
    RUN(test_pushed_trace_context_reaches_the_job);

    natskit_local_server_stop(server);
    printf("trace_test: %d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
