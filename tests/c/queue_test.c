/* natskit job queue through the C ABI against a real nats-server with JetStream:
 * push/pop/finish, tries and the dead-letter subject, backoff, release/fail/delete, delayed
 * jobs, priority, unique jobs, sizes, the failed-jobs store and the worker loop. */
#include <math.h>
#include <time.h>

#include "harness.h"

static const char *url;
static int next_store;

/* Milliseconds on a monotonic clock. */
static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection to the queues, failed store and unique locks numbered `n` (retry_after 1 s;
 * `extra` is more "queue" keys, e.g. ", \"tries\": 2"). */
static natskit_client *connect_store(int n, const char *extra) {
    char options[768];
    snprintf(options, sizeof options,
             "{\"servers\": \"%s\", \"queue\": {\"retry_after\": 1, \"stream\": \"JOBS_%d\", "
             "\"subject_prefix\": \"jobs%d\", \"failed_bucket\": \"failed_%d\", "
             "\"unique_bucket\": \"unique_%d\"%s}}",
             url, n, n, n, n, extra);
    natskit_client *client = NULL;
    CHECK_OK(natskit_connect(options, &client));
    return client;
}

/* A connection whose queues, failed store and unique locks are private to one test. */
static natskit_client *connect_queues(const char *extra) {
    return connect_store(++next_store, extra);
}

static natskit_queue *open_queue(natskit_client *c, const char *name) {
    natskit_queue *q = NULL;
    CHECK_OK(natskit_queue_new(c, name, &q));
    return q;
}

/* Pushes and returns the id (caller frees with natskit_string_free). */
static char *push(natskit_queue *q, const char *name, const char *payload, const char *options) {
    char *id = NULL;
    CHECK_OK(natskit_queue_push(q, name, payload, options, &id));
    CHECK(id != NULL);
    return id;
}

static natskit_job *pop(natskit_queue *q, long long timeout_ms) {
    natskit_job *job = NULL;
    CHECK_OK(natskit_queue_pop(q, timeout_ms, &job));
    CHECK(job != NULL);
    return job;
}

/* Finishes with `status` of the finishing call and checks the event's kind. */
static void check_event(char *event, const char *kind) {
    char expected[64];
    snprintf(expected, sizeof expected, "\"event\":\"%s\"", kind);
    if (strstr(event, expected) == NULL) {
        fprintf(stderr, "event %s is not %s\n", event, kind);
        exit(1);
    }
    checks_passed++;
    natskit_string_free(event);
}

/* The number after `"key":` in `json`, or -1. */
static long field(const char *json, const char *key) {
    char needle[64];
    snprintf(needle, sizeof needle, "\"%s\":", key);
    const char *at = strstr(json, needle);
    return at ? strtol(at + strlen(needle), NULL, 10) : -1;
}

/* Polls the queue's size (the server updates counters shortly after an ack) until it is
 * (ready, reserved, delayed, failed), failing after 5 s. */
static void wait_size(natskit_queue *q, int ready, int reserved, int delayed, int failed) {
    long long deadline = now_ms() + 5000;
    for (;;) {
        char *json = NULL;
        CHECK_OK(natskit_queue_size_json(q, &json));
        int same = field(json, "ready") == ready && field(json, "reserved") == reserved &&
                   field(json, "delayed") == delayed && field(json, "failed") == failed;
        if (same || now_ms() > deadline) {
            if (!same) fprintf(stderr, "size %s, expected (%d, %d, %d, %d)\n", json, ready, reserved, delayed, failed);
            natskit_string_free(json);
            CHECK(same);
            return;
        }
        natskit_string_free(json);
        struct timespec pause = {0, 25 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

static void test_push_pop_complete(void) {
    natskit_client *c = connect_queues("");
    natskit_queue *q = open_queue(c, "default");
    char *id = push(q, "SendEmail", "{\"to\": \"ada@example.com\", \"n\": 1}", NULL);
    wait_size(q, 1, 0, 0, 0);

    natskit_job *job = pop(q, 2000);
    const char *text = NULL;
    CHECK_OK(natskit_job_id(job, &text));
    CHECK(strcmp(text, id) == 0);
    CHECK_OK(natskit_job_name(job, &text));
    CHECK(strcmp(text, "SendEmail") == 0);
    CHECK_OK(natskit_job_queue(job, &text));
    CHECK(strcmp(text, "default") == 0);
    CHECK_OK(natskit_job_payload_json(job, &text));
    CHECK(strcmp(text, "{\"n\":1,\"to\":\"ada@example.com\"}") == 0);
    CHECK_OK(natskit_job_envelope_json(job, &text));
    CHECK(strstr(text, "\"job\":\"SendEmail\"") != NULL);
    uint32_t attempts = 0;
    CHECK_OK(natskit_job_attempts(job, &attempts));
    CHECK(attempts == 1);
    wait_size(q, 0, 1, 0, 0);

    char *event = NULL;
    CHECK_OK(natskit_job_complete(job, &event));
    CHECK(strstr(event, id) != NULL);
    check_event(event, "processed");
    CHECK_STATUS(natskit_job_complete(job, NULL), NATSKIT_STATUS_QUEUE);
    CHECK_ERROR_TEXT("already finished");
    CHECK_STATUS(natskit_job_release(job, 0, NULL), NATSKIT_STATUS_QUEUE);
    natskit_job_free(job);
    wait_size(q, 0, 0, 0, 0);

    natskit_job *none = NULL;
    CHECK_STATUS(natskit_queue_pop(q, 100, &none), NATSKIT_STATUS_TIMEOUT);
    CHECK(none == NULL);
    natskit_string_free(id);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_tries_exhausted_to_failed_store_and_dead_letter(void) {
    natskit_client *c =
        connect_queues(", \"tries\": 2, \"dead_letter_subject\": \"jobs.dlq\"");
    natskit_subscription *dlq = NULL;
    CHECK_OK(natskit_subscribe(c, "jobs.dlq", NULL, &dlq));
    natskit_queue *q = open_queue(c, "mail");
    char *id = push(q, "Flaky", "[1, 2]", NULL);

    natskit_job *job = pop(q, 2000);
    char *event = NULL;
    CHECK_OK(natskit_job_error(job, "RuntimeException", "boom 1", "at line 1", &event));
    CHECK(strstr(event, "\"hook\":\"released\"") != NULL);
    check_event(event, "retrying");
    natskit_job_free(job);

    job = pop(q, 2000);
    uint32_t attempts = 0;
    CHECK_OK(natskit_job_attempts(job, &attempts));
    CHECK(attempts == 2);
    CHECK_OK(natskit_job_error(job, "RuntimeException", "boom 2", "at line 2", &event));
    CHECK(strstr(event, "boom 2") != NULL);
    check_event(event, "failed");
    natskit_job_free(job);

    natskit_message *msg = NULL;
    CHECK_OK(natskit_subscription_next(dlq, 5000, &msg));
    char *body = payload_copy(msg);
    CHECK(strstr(body, "\"original_queue\":\"mail\"") != NULL);
    CHECK(strstr(body, "\"original_connection\":\"default\"") != NULL);
    CHECK(strstr(body, "\"failure_exception\":\"RuntimeException\"") != NULL);
    CHECK(strstr(body, "\"failure_message\":\"boom 2\"") != NULL);
    CHECK(strstr(body, "\"failure_trace\":\"at line 2\"") != NULL);
    CHECK(strstr(body, "\"failed_at\":") != NULL);
    CHECK(strstr(body, "\"job\":\"Flaky\"") != NULL);
    CHECK(strstr(body, id) != NULL);
    free(body);
    natskit_message_free(msg);

    char *json = NULL;
    CHECK_OK(natskit_queue_failed_get(q, id, &json));
    CHECK(strstr(json, "\"exception\":\"RuntimeException\"") != NULL);
    CHECK(strstr(json, "\"queue\":\"mail\"") != NULL);
    CHECK(strstr(json, "\"trace\":\"at line 2\"") != NULL);
    natskit_string_free(json);
    wait_size(q, 0, 0, 0, 1);

    natskit_job *none = NULL;
    CHECK_STATUS(natskit_queue_pop(q, 200, &none), NATSKIT_STATUS_TIMEOUT);
    natskit_string_free(id);
    natskit_subscription_free(dlq);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_backoff_is_no_earlier_than_configured(void) {
    natskit_client *c = connect_queues("");
    natskit_queue *q = open_queue(c, "default");
    char *id = push(q, "Backoff", NULL, "{\"tries\": 3, \"backoff\": [1000, 2000]}");
    natskit_job *job = pop(q, 2000);
    char *event = NULL;
    long long failed_at = now_ms();
    CHECK_OK(natskit_job_error(job, "E", "first", NULL, &event));
    CHECK(strstr(event, "\"delay\":1000,") != NULL);
    check_event(event, "retrying");
    natskit_job_free(job);
    wait_size(q, 0, 0, 1, 0);

    job = pop(q, 5000);
    CHECK(now_ms() - failed_at >= 1000);
    uint32_t attempts = 0;
    CHECK_OK(natskit_job_attempts(job, &attempts));
    CHECK(attempts == 2);
    failed_at = now_ms();
    CHECK_OK(natskit_job_error(job, "E", "second", NULL, &event));
    CHECK(strstr(event, "\"delay\":2000,") != NULL);
    check_event(event, "retrying");
    natskit_job_free(job);

    job = pop(q, 6000);
    CHECK(now_ms() - failed_at >= 2000);
    CHECK_OK(natskit_job_complete(job, NULL));
    natskit_job_free(job);
    natskit_string_free(id);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_release_fail_delete(void) {
    natskit_client *c = connect_queues("");
    natskit_queue *q = open_queue(c, "default");
    char *id = push(q, "Release", NULL, "{\"tries\": 5}");
    natskit_job *job = pop(q, 2000);
    char *event = NULL;
    CHECK_OK(natskit_job_release(job, 0, &event));
    check_event(event, "released");
    natskit_job_free(job);
    job = pop(q, 2000);
    uint32_t attempts = 0;
    CHECK_OK(natskit_job_attempts(job, &attempts));
    CHECK(attempts == 2);
    CHECK_OK(natskit_job_delete(job, &event));
    check_event(event, "deleted");
    natskit_job_free(job);
    wait_size(q, 0, 0, 0, 0);

    char *doomed = push(q, "Doomed", NULL, "{\"tries\": 5}");
    job = pop(q, 2000);
    CHECK_OK(natskit_job_fail(job, "customer gone", &event));
    CHECK(strstr(event, "customer gone") != NULL);
    check_event(event, "failed");
    natskit_job_free(job);
    char *json = NULL;
    CHECK_OK(natskit_queue_failed_get(q, doomed, &json));
    CHECK(strstr(json, "\"exception\":\"JobFailed\"") != NULL);
    CHECK(strstr(json, "\"message\":\"customer gone\"") != NULL);
    natskit_string_free(json);
    wait_size(q, 0, 0, 0, 1);

    natskit_string_free(id);
    natskit_string_free(doomed);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* The line `name{labels} value` is in the Prometheus text. */
static void expect_sample(const char *text, const char *sample) {
    char line[512];
    snprintf(line, sizeof line, "\n%s\n", sample);
    if (strstr(text, line) == NULL) {
        fprintf(stderr, "%s missing from\n%s\n", sample, text);
        exit(1);
    }
    checks_passed++;
}

static void test_metrics_count_a_known_workload(void) {
    natskit_client *c = connect_queues("");
    natskit_queue *q = open_queue(c, "metered");
    for (int i = 0; i < 3; i++) natskit_string_free(push(q, "Send", NULL, NULL));
    for (int i = 0; i < 2; i++) natskit_string_free(push(q, "Boom", NULL, "{\"tries\": 1}"));
    for (int i = 0; i < 5; i++) {
        natskit_job *job = pop(q, 2000);
        const char *name = NULL;
        CHECK_OK(natskit_job_name(job, &name));
        char *event = NULL;
        if (strcmp(name, "Send") == 0) {
            CHECK_OK(natskit_job_complete(job, &event));
        } else {
            CHECK_OK(natskit_job_error(job, "RuntimeError", "boom", NULL, &event));
        }
        natskit_string_free(event);
        natskit_job_free(job);
    }
    char *text = NULL;
    CHECK_OK(natskit_metrics(c, &text));
#define Q "{messaging_system=\"nats\",messaging_destination_name=\"metered\",job_name="
    expect_sample(text, "natskit_queue_jobs_pushed_total" Q "\"Send\"} 3");
    expect_sample(text, "natskit_queue_jobs_pushed_total" Q "\"Boom\"} 2");
    expect_sample(text, "natskit_queue_jobs_processed_total" Q "\"Send\"} 3");
    expect_sample(text, "natskit_queue_jobs_failed_total" Q "\"Boom\"} 2");
    expect_sample(text, "natskit_queue_jobs_failed_total" Q "\"Send\"} 0");
    expect_sample(text, "messaging_process_duration_seconds_count" Q "\"Send\"} 3");
    expect_sample(text, "natskit_queue_job_wait_seconds_count" Q "\"Boom\"} 2");
#undef Q
    expect_sample(text, "nats_client_connection_state{messaging_system=\"nats\",state=\"connected\"} 1");
    natskit_string_free(text);
    CHECK_STATUS(natskit_metrics(NULL, &text), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_metrics(c, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_delayed_job_appears_at_its_time(void) {
    natskit_client *c = connect_queues("");
    natskit_queue *q = open_queue(c, "default");
    long long pushed_at = now_ms();
    char *id = NULL;
    CHECK_OK(natskit_queue_later(q, 1500, "Later", "{\"k\": \"v\"}", NULL, &id));
    CHECK(id != NULL);
    wait_size(q, 0, 0, 1, 0);
    natskit_job *job = NULL;
    CHECK_STATUS(natskit_queue_pop(q, 0, &job), NATSKIT_STATUS_TIMEOUT);
    job = pop(q, 6000);
    CHECK(now_ms() - pushed_at >= 1500);
    const char *payload = NULL;
    CHECK_OK(natskit_job_payload_json(job, &payload));
    CHECK(strcmp(payload, "{\"k\":\"v\"}") == 0);
    CHECK_OK(natskit_job_complete(job, NULL));
    natskit_job_free(job);
    natskit_string_free(id);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* Takes the next job from the worker (failing on stop or after 5 s idle). */
static natskit_job *worker_job(natskit_worker *w) {
    long long deadline = now_ms() + 5000;
    while (now_ms() < deadline) {
        natskit_worker_step step = NATSKIT_WORKER_STEP_STOP;
        natskit_job *job = NULL;
        const char *reason = NULL;
        CHECK_OK(natskit_worker_next(w, 500, &step, &job, &reason));
        CHECK(step != NATSKIT_WORKER_STEP_STOP);
        if (step == NATSKIT_WORKER_STEP_JOB) return job;
        CHECK(job == NULL);
    }
    CHECK(!"no job within 5 s");
    return NULL;
}

static void test_priority_and_unique(void) {
    natskit_client *c = connect_queues("");
    natskit_queue *low = open_queue(c, "default");
    natskit_queue *high = open_queue(c, "high");
    char *ids[4];
    ids[0] = push(low, "Low", "1", NULL);
    ids[1] = push(low, "Low", "2", NULL);
    ids[2] = push(high, "High", "1", NULL);
    ids[3] = push(high, "High", "2", NULL);

    natskit_worker *w = NULL;
    CHECK_OK(natskit_worker_new(c, "{\"queues\": [\"high\", \"default\"], \"sleep\": 500}", &w));
    const char *expected[4] = {"High", "High", "Low", "Low"};
    for (int i = 0; i < 4; i++) {
        natskit_job *job = worker_job(w);
        const char *name = NULL;
        CHECK_OK(natskit_job_name(job, &name));
        CHECK(strcmp(name, expected[i]) == 0);
        CHECK_OK(natskit_job_complete(job, NULL));
        natskit_job_free(job);
    }
    char *stats = NULL;
    CHECK_OK(natskit_worker_stats_json(w, &stats));
    CHECK(strcmp(stats, "{\"jobs\":4,\"processed\":4,\"retried\":0,\"failed\":0}") == 0);
    natskit_string_free(stats);
    natskit_worker_free(w);

    char *first = push(low, "Unique", NULL, "{\"uniqueKey\": \"order-7\"}");
    char *second = (char *)"unchanged";
    CHECK_OK(natskit_queue_push(low, "Unique", NULL, "{\"uniqueKey\": \"order-7\"}", &second));
    CHECK(second == NULL);
    wait_size(low, 1, 0, 0, 0);
    natskit_job *job = pop(low, 2000);
    CHECK_OK(natskit_queue_push(low, "Unique", NULL, "{\"uniqueKey\": \"order-7\"}", &second));
    CHECK(second == NULL);
    CHECK_OK(natskit_job_complete(job, NULL));
    natskit_job_free(job);
    char *third = push(low, "Unique", NULL, "{\"uniqueKey\": \"order-7\"}");
    CHECK(strcmp(third, first) != 0);
    uint64_t purged = 0;
    CHECK_OK(natskit_queue_clear(low, &purged));
    CHECK(purged == 1);
    wait_size(low, 0, 0, 0, 0);

    for (int i = 0; i < 4; i++) natskit_string_free(ids[i]);
    natskit_string_free(first);
    natskit_string_free(third);
    natskit_queue_free(low);
    natskit_queue_free(high);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_unique_refuse(void) {
    natskit_client *c = connect_queues(", \"unique\": \"refuse\"");
    natskit_queue *q = open_queue(c, "default");
    char *id = push(q, "Unique", NULL, "{\"uniqueKey\": \"k\"}");
    char *again = NULL;
    CHECK_STATUS(natskit_queue_push(q, "Unique", NULL, "{\"uniqueKey\": \"k\"}", &again),
                 NATSKIT_STATUS_QUEUE);
    CHECK_ERROR_TEXT("unique key");
    CHECK(again == NULL);
    natskit_string_free(id);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_failed_store_list_retry_forget_flush(void) {
    natskit_client *c = connect_queues("");
    natskit_queue *q = open_queue(c, "default");
    natskit_queue *other = open_queue(c, "other");
    char *ids[3];
    natskit_queue *queues[3] = {q, q, other};
    for (int i = 0; i < 3; i++) {
        ids[i] = push(queues[i], "Broken", NULL, NULL);
        natskit_job *job = pop(queues[i], 2000);
        char *event = NULL;
        CHECK_OK(natskit_job_error(job, "E", "broken", NULL, &event));
        check_event(event, "failed");
        natskit_job_free(job);
    }
    char *json = NULL;
    CHECK_OK(natskit_queue_failed_list(q, "default", &json));
    CHECK(strstr(json, ids[0]) && strstr(json, ids[1]) && !strstr(json, ids[2]));
    natskit_string_free(json);
    CHECK_OK(natskit_queue_failed_list(q, NULL, &json));
    CHECK(strstr(json, ids[0]) && strstr(json, ids[1]) && strstr(json, ids[2]));
    natskit_string_free(json);

    char ids_json[128];
    snprintf(ids_json, sizeof ids_json, "[\"%s\"]", ids[0]);
    char *retried = NULL;
    CHECK_OK(natskit_queue_failed_retry(q, ids_json, &retried));
    CHECK(strcmp(retried, ids_json) == 0);
    natskit_string_free(retried);
    CHECK_STATUS(natskit_queue_failed_retry(q, "[\"nope\"]", &retried), NATSKIT_STATUS_NOT_FOUND);
    wait_size(q, 1, 0, 0, 1);
    natskit_job *job = pop(q, 2000);
    uint32_t attempts = 0;
    CHECK_OK(natskit_job_attempts(job, &attempts));
    CHECK(attempts == 1);
    const char *id = NULL;
    CHECK_OK(natskit_job_id(job, &id));
    CHECK(strcmp(id, ids[0]) == 0);
    CHECK_OK(natskit_job_complete(job, NULL));
    natskit_job_free(job);

    bool found = false;
    CHECK_OK(natskit_queue_failed_forget(q, ids[1], &found));
    CHECK(found);
    CHECK_OK(natskit_queue_failed_forget(q, ids[1], &found));
    CHECK(!found);
    CHECK_STATUS(natskit_queue_failed_get(q, ids[1], &json), NATSKIT_STATUS_NOT_FOUND);
    wait_size(q, 0, 0, 0, 0);

    uint64_t flushed = 9;
    CHECK_OK(natskit_queue_failed_flush(q, 3600000, &flushed));
    CHECK(flushed == 0);
    CHECK_OK(natskit_queue_failed_flush(q, -1, &flushed));
    CHECK(flushed == 1);
    CHECK_OK(natskit_queue_failed_list(q, NULL, &json));
    CHECK(strcmp(json, "[]") == 0);
    natskit_string_free(json);

    for (int i = 0; i < 3; i++) natskit_string_free(ids[i]);
    natskit_queue_free(q);
    natskit_queue_free(other);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_worker_stops(void) {
    natskit_client *c = connect_queues("");
    natskit_queue *q = open_queue(c, "default");
    for (int i = 0; i < 3; i++) natskit_string_free(push(q, "Job", NULL, NULL));

    natskit_worker *w = NULL;
    CHECK_OK(natskit_worker_new(c, "{\"max_jobs\": 2, \"sleep\": 500}", &w));
    for (int i = 0; i < 2; i++) {
        natskit_job *job = worker_job(w);
        CHECK_OK(natskit_job_complete(job, NULL));
        natskit_job_free(job);
    }
    natskit_worker_step step = NATSKIT_WORKER_STEP_JOB;
    natskit_job *job = NULL;
    const char *reason = NULL;
    CHECK_OK(natskit_worker_next(w, 500, &step, &job, &reason));
    CHECK(step == NATSKIT_WORKER_STEP_STOP && job == NULL && strcmp(reason, "max_jobs") == 0);
    natskit_worker_free(w);

    CHECK_OK(natskit_worker_new(c, "{\"stop_when_empty\": true, \"sleep\": 500}", &w));
    job = worker_job(w);
    CHECK_OK(natskit_job_error(job, "E", "x", NULL, NULL));
    natskit_job_free(job);
    CHECK_OK(natskit_worker_next(w, 500, &step, &job, &reason));
    CHECK(step == NATSKIT_WORKER_STEP_STOP && strcmp(reason, "empty") == 0);
    char *stats = NULL;
    CHECK_OK(natskit_worker_stats_json(w, &stats));
    CHECK(strcmp(stats, "{\"jobs\":1,\"processed\":0,\"retried\":0,\"failed\":1}") == 0);
    natskit_string_free(stats);
    natskit_worker_free(w);

    natskit_string_free(push(q, "Job", NULL, NULL));
    CHECK_OK(natskit_worker_new(c, "{\"sleep\": 500}", &w));
    CHECK_OK(natskit_worker_stop(w));
    CHECK_OK(natskit_worker_next(w, 500, &step, &job, &reason));
    CHECK(step == NATSKIT_WORKER_STEP_STOP && strcmp(reason, "requested") == 0);
    natskit_worker_free(w);
    wait_size(q, 1, 0, 0, 1);

    CHECK_STATUS(natskit_worker_new(c, "{\"queues\": []}", &w), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_worker_new(c, "{\"sleeep\": 1}", &w), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_worker_new(c, "{\"queue\": [\"mail\"]}", &w), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_OK(natskit_worker_hook_check("released"));
    CHECK_STATUS(natskit_worker_hook_check("retrying"), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("`released` hears `retrying`");
    CHECK_STATUS(natskit_worker_hook_check(NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_invalid_arguments(void) {
    natskit_client *c = connect_queues("");
    natskit_queue *q = NULL;
    CHECK_STATUS(natskit_queue_new(NULL, "a", &q), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_queue_new(c, "bad name", &q), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_queue_new(c, "a", NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(q == NULL);
    q = open_queue(c, "default");
    char *id = NULL;
    CHECK_STATUS(natskit_queue_push(q, NULL, NULL, NULL, &id), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_queue_push(q, "J", "{oops", NULL, &id), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("payload_json is not valid JSON");
    CHECK_STATUS(natskit_queue_push(q, "J", NULL, "{\"trys\": 1}", &id),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_queue_push(q, "J", NULL, NULL, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_queue_later(q, -1, "J", NULL, NULL, &id), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_queue_push_envelope(q, "{}", 0, &id), NATSKIT_STATUS_SERIALIZATION);
    CHECK(id == NULL);
    natskit_job *job = NULL;
    CHECK_STATUS(natskit_queue_pop(q, -5, &job), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_queue_pop(NULL, 0, &job), NATSKIT_STATUS_INVALID_ARGUMENT);
    size_t count = 7;
    CHECK_STATUS(natskit_queue_pop_many(q, 0, 0, &job, &count), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_queue_pop_many(q, 1, 0, NULL, &count), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(count == 7);
    CHECK_STATUS(natskit_queue_failed_retry(q, "{}", &id), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_queue_push(q, "J", NULL, "{\"backoff\": [-1000]}", &id), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("backoff");
    const char *text = NULL;
    uint32_t attempts = 0;
    CHECK_STATUS(natskit_job_id(NULL, &text), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_job_attempts(NULL, &attempts), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_job_complete(NULL, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_job_error(NULL, "E", NULL, NULL, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_worker_next(NULL, 0, NULL, NULL, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_worker_stop(NULL), NATSKIT_STATUS_INVALID_ARGUMENT);

    natskit_string_free(push(q, "J", NULL, NULL));
    natskit_job *jobs[4] = {NULL, NULL, NULL, NULL};
    CHECK_OK(natskit_queue_pop_many(q, 4, 2000, jobs, &count));
    CHECK(count == 1 && jobs[0] != NULL && jobs[1] == NULL);
    CHECK_STATUS(natskit_job_error(jobs[0], NULL, NULL, NULL, NULL),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_job_release(jobs[0], -1, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_OK(natskit_job_complete(jobs[0], NULL));
    natskit_job_free(jobs[0]);

    natskit_queue_free(NULL);
    natskit_job_free(NULL);
    natskit_worker_free(NULL);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* The job id is the JetStream message id: a repeated push with it is stored once. */
static void test_repeated_push_with_the_same_id_is_stored_once(void) {
    natskit_client *c = connect_queues("");
    natskit_queue *q = open_queue(c, "dedup");
    char *first = push(q, "Ship", "1", "{\"id\": \"order-7\"}");
    CHECK(strcmp(first, "order-7") == 0);
    natskit_string_free(first);
    natskit_string_free(push(q, "Ship", "2", "{\"id\": \"order-7\"}"));
    wait_size(q, 1, 0, 0, 0);
    natskit_job *job = pop(q, 2000);
    const char *text = NULL;
    CHECK_OK(natskit_job_payload_json(job, &text));
    CHECK(strcmp(text, "1") == 0);
    char *event = NULL;
    CHECK_OK(natskit_job_complete(job, &event));
    check_event(event, "processed");
    natskit_job_free(job);
    natskit_job *none = NULL;
    CHECK_STATUS(natskit_queue_pop(q, 200, &none), NATSKIT_STATUS_TIMEOUT);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

/* A queue in its own stream: jobs pushed to the shared stream move there with migrate, and
 * the placement names the stream; a partitioned queue spreads over three streams. */
static void test_per_queue_stream_and_migrate(void) {
    int n = ++next_store;
    natskit_client *shared = connect_store(n, "");
    natskit_queue *old = open_queue(shared, "moved");
    natskit_string_free(push(old, "Ship", "1", NULL));
    char *later = NULL;
    CHECK_OK(natskit_queue_later(old, 3600000, "Ship", "2", NULL, &later));
    natskit_string_free(later);
    natskit_client *c = connect_store(n, ", \"streams\": \"per-queue\", \"per_queue_prefix\": \"own_c\", "
                                         "\"queues\": {\"wide\": {\"partitions\": 3}}");
    natskit_queue *q = open_queue(c, "moved");
    char *json = NULL;
    CHECK_OK(natskit_queue_migrate_json(q, &json));
    CHECK(field(json, "ready") == 1 && field(json, "delayed") == 1 && field(json, "reserved") == 0);
    char stream[64];
    snprintf(stream, sizeof stream, "\"stream\":\"JOBS_%d_moved\"", n);
    CHECK(strstr(json, stream) != NULL);
    natskit_string_free(json);
    CHECK_OK(natskit_queue_placement_json(q, &json));
    CHECK(strstr(json, stream) != NULL && strstr(json, "\"layout\":\"per-queue\"") != NULL);
    CHECK(field(json, "replicas") == 1);
    natskit_string_free(json);
    CHECK_STATUS(natskit_queue_migrate_json(NULL, &json), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_queue_placement_json(q, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    wait_size(old, 0, 0, 0, 0);
    wait_size(q, 1, 0, 1, 0);
    natskit_job *job = pop(q, 2000);
    const char *text = NULL;
    CHECK_OK(natskit_job_payload_json(job, &text));
    CHECK(strcmp(text, "1") == 0);
    char *event = NULL;
    CHECK_OK(natskit_job_complete(job, &event));
    check_event(event, "processed");
    natskit_job_free(job);

    /* A partitioned queue: three streams, jobs of every partition taken. */
    natskit_queue *wide = open_queue(c, "wide");
    const char *keys[] = {"a", "b", "c", "d", "e", "f"};
    for (int i = 0; i < 6; i++) {
        char options[64];
        snprintf(options, sizeof options, "{\"partitionKey\": \"%s\"}", keys[i]);
        natskit_string_free(push(wide, "Wide", "1", options));
    }
    wait_size(wide, 6, 0, 0, 0);
    CHECK_OK(natskit_queue_placement_json(wide, &json));
    snprintf(stream, sizeof stream, "\"stream\":\"JOBS_%d_wide~2\"", n);
    CHECK(strstr(json, "\"partitions\":[") != NULL && strstr(json, stream) != NULL);
    natskit_string_free(json);
    for (int i = 0; i < 6; i++) {
        natskit_job *w = pop(wide, 2000);
        CHECK_OK(natskit_job_complete(w, NULL));
        natskit_job_free(w);
    }
    wait_size(wide, 0, 0, 0, 0);
    natskit_queue_free(wide);
    natskit_queue_free(old);
    natskit_queue_free(q);
    CHECK_OK(natskit_client_close(shared));
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(shared);
    natskit_client_free(c);
}

int main(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start(NULL, &server));
    CHECK_OK(natskit_local_server_url(server, &url));
    printf("queue_test against %s\n", url);

    RUN(test_push_pop_complete);
    RUN(test_tries_exhausted_to_failed_store_and_dead_letter);
    RUN(test_backoff_is_no_earlier_than_configured);
    RUN(test_release_fail_delete);
    RUN(test_delayed_job_appears_at_its_time);
    RUN(test_priority_and_unique);
    RUN(test_repeated_push_with_the_same_id_is_stored_once);
    RUN(test_unique_refuse);
    RUN(test_failed_store_list_retry_forget_flush);
    RUN(test_worker_stops);
    RUN(test_metrics_count_a_known_workload);
    RUN(test_invalid_arguments);
    RUN(test_per_queue_stream_and_migrate);

    natskit_local_server_stop(server);
    printf("queue_test: %d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
