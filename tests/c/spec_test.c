/* The cross-host contract (tests/spec/contract.json) run in C: durations in milliseconds,
 * results as the library's JSON text. The cases come from the generated spec_cases.h. */
#include <stdint.h>

#include "harness.h"

typedef struct {
    const char *name, *op, *subject, *stream, *url, *queue, *config_json, *options_json;
    const char *headers_json, *bucket, *key;
    int64_t timeout_ms, delay_ms;
    uint64_t sequence;
    const char *error;
    uint64_t server_code;
    const char *expect[8];
} spec_case;

#include "spec_cases.h"

natskit_status natskit_panic_for_tests(void);

static natskit_client *client;
static char NOTHING_READY[] = "{\"message\":null}";
static natskit_js *js;

/* Runs one case; `*json_out` is the call's JSON result (or NULL): the library's text, or
 * NOTHING_READY for an empty no-wait receipt. */
static natskit_status run(const spec_case *c, char **json_out) {
    const char *op = c->op;
    *json_out = NULL;
    if (strcmp(op, "publish") == 0)
        return natskit_publish_msg(client, c->subject, NULL, c->headers_json, "x", 1);
    if (strcmp(op, "kv_put") == 0) {
        char config[128];
        snprintf(config, sizeof config, "{\"bucket\": \"%s\"}", c->bucket);
        natskit_kv *kv = NULL;
        CHECK_OK(natskit_kv_create(js, config, &kv));
        uint64_t revision = 0;
        natskit_status st = natskit_kv_put(kv, c->key, "x", 1, &revision);
        natskit_kv_free(kv);
        return st;
    }
    if (strcmp(op, "request") == 0) {
        natskit_message *reply = NULL;
        natskit_status st = natskit_request(client, c->subject, "x", 1, c->timeout_ms, &reply);
        natskit_message_free(reply);
        return st;
    }
    if (strcmp(op, "connect") == 0) {
        char options[256];
        snprintf(options, sizeof options, "{\"servers\": \"%s\"}", c->url);
        natskit_client *other = NULL;
        natskit_status st = natskit_connect(options, &other);
        natskit_client_free(other);
        return st;
    }
    if (strcmp(op, "stream_info") == 0) return natskit_js_stream_info(js, c->stream, json_out);
    if (strcmp(op, "create_stream") == 0) return natskit_js_stream_create(js, c->config_json, json_out);
    if (strcmp(op, "create_consumer") == 0)
        return natskit_js_consumer_create(js, c->stream, c->config_json, json_out);
    if (strcmp(op, "js_publish") == 0)
        return natskit_js_publish(js, c->subject, "x", 1, c->options_json, json_out);
    if (strcmp(op, "get_message") == 0) {
        void *data = NULL;
        size_t len = 0;
        natskit_status st =
            natskit_js_stream_get_message(js, c->stream, c->sequence, json_out, &data, &len);
        natskit_bytes_free(data, len);
        return st;
    }
    if (strcmp(op, "queue_later") == 0) {
        natskit_queue *queue = NULL;
        CHECK_OK(natskit_queue_new(client, c->queue, &queue));
        char *id = NULL;
        natskit_status st = natskit_queue_later(queue, c->delay_ms, "SpecJob", NULL, NULL, &id);
        natskit_string_free(id);
        natskit_queue_free(queue);
        return st;
    }
    if (strcmp(op, "next_no_wait") == 0) {
        natskit_subscription *sub = NULL;
        CHECK_OK(natskit_subscribe(client, c->subject, NULL, &sub));
        natskit_message *msg = NULL;
        natskit_status st = natskit_subscription_next(sub, NATSKIT_NO_WAIT, &msg);
        natskit_subscription_free(sub);
        if (st == NATSKIT_STATUS_TIMEOUT && msg == NULL) {
            *json_out = NOTHING_READY;
            return NATSKIT_STATUS_OK;
        }
        natskit_message_free(msg);
        return st;
    }
    if (strcmp(op, "panic") == 0) return natskit_panic_for_tests();
    fprintf(stderr, "no C runner for %s\n", op);
    exit(1);
}

static void check_case(const spec_case *c) {
    char *json = NULL;
    natskit_status st = run(c, &json);
    if (c->error != NULL) {
        if (strcmp(natskit_status_name(st), c->error) != 0) {
            fprintf(stderr, "%s: got %s (%s), expected %s\n", c->name, natskit_status_name(st),
                    natskit_last_error(), c->error);
            exit(1);
        }
        CHECK(natskit_last_error_server_code() == c->server_code);
    } else {
        if (st != NATSKIT_STATUS_OK) {
            fprintf(stderr, "%s: %s: %s\n", c->name, natskit_status_name(st), natskit_last_error());
            exit(1);
        }
        for (int i = 0; c->expect[i] != NULL; i++) {
            if (json == NULL || strstr(json, c->expect[i]) == NULL) {
                fprintf(stderr, "%s: %s lacks %s\n", c->name, json ? json : "(no result)", c->expect[i]);
                exit(1);
            }
            checks_passed++;
        }
    }
    if (json != NOTHING_READY) natskit_string_free(json);
}

int main(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start("{\"jetstream\": true}", &server));
    const char *url = NULL;
    CHECK_OK(natskit_local_server_url(server, &url));
    client = connect_to(url);
    CHECK_OK(natskit_js_new(client, &js));
    printf("spec_test (tests/spec/contract.json)\n");
    for (size_t i = 0; i < sizeof SPEC_CASES / sizeof SPEC_CASES[0]; i++) {
        printf("  %s ... ", SPEC_CASES[i].name);
        fflush(stdout);
        check_case(&SPEC_CASES[i]);
        tests_run++;
        printf("ok\n");
    }
    natskit_js_free(js);
    natskit_client_free(client);
    natskit_local_server_stop(server);
    printf("%d cases, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
