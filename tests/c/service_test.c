/* natskit C ABI services (micro) against a real nats-server: pull-style endpoints, data and
 * error answers, exact stats, discovery, two instances in queue group q, stop, bad input. */
#include <pthread.h>

#include "harness.h"

static const char *url;

/* Sends `count` requests to `subject` from its own connection; "fail" for the first `errors`. */
struct caller {
    const char *subject;
    int count;
    int errors;
    int answered;
    int error_headers;
};

static void *call(void *arg) {
    struct caller *c = arg;
    natskit_client *client = connect_to(url);
    for (int i = 0; i < c->count; i++) {
        const char *body = i < c->errors ? "fail" : "2+2";
        natskit_message *reply = NULL;
        CHECK_OK(natskit_request(client, c->subject, body, strlen(body), 5000, &reply));
        const char *headers = NULL;
        CHECK_OK(natskit_message_headers_json(reply, &headers));
        if (strstr(headers, "\"Nats-Service-Error-Code\":[\"422\"]") != NULL &&
            strstr(headers, "\"Nats-Service-Error\":[\"cannot add\"]") != NULL) {
            c->error_headers++;
        } else {
            char *text = payload_copy(reply);
            CHECK(strcmp(text, "4") == 0);
            free(text);
        }
        c->answered++;
        natskit_message_free(reply);
    }
    CHECK_OK(natskit_client_close(client));
    natskit_client_free(client);
    return NULL;
}

/* Answers requests until `count` were answered: "4", or an error for "fail". */
static void serve(natskit_endpoint *endpoint, int count) {
    for (int i = 0; i < count; i++) {
        natskit_service_request *request = NULL;
        CHECK_OK(natskit_endpoint_next(endpoint, 5000, &request));
        const uint8_t *data = NULL;
        size_t len = 0;
        CHECK_OK(natskit_service_request_data(request, &data, &len));
        if (len == 4 && memcmp(data, "fail", 4) == 0) {
            CHECK_OK(natskit_service_request_respond_error(request, 422, "cannot add"));
        } else {
            CHECK_OK(natskit_service_request_respond(request, NULL, "4", 1));
            CHECK_STATUS(natskit_service_request_respond(request, NULL, "again", 5),
                         NATSKIT_STATUS_INVALID_ARGUMENT);
            CHECK_ERROR_TEXT("already answered");
        }
        natskit_service_request_free(request);
    }
}

static void test_endpoint_answers_and_stats_count_exactly(void) {
    natskit_client *c = connect_to(url);
    natskit_service *service = NULL;
    CHECK_OK(natskit_service_add(
        c, "{\"name\": \"adder\", \"version\": \"1.0.0\", \"description\": \"adds\", "
           "\"metadata\": {\"lang\": \"c\"}}",
        &service));
    natskit_endpoint *add = NULL;
    CHECK_OK(natskit_service_add_endpoint(service, "math", "{\"subject\": \"add\", \"name\": \"add\"}",
                                          &add));
    natskit_service_request *none = NULL;
    CHECK_STATUS(natskit_endpoint_next(add, 20, &none), NATSKIT_STATUS_TIMEOUT);
    CHECK(none == NULL);

    struct caller caller = {"math.add", 7, 3, 0, 0};
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, call, &caller) == 0);
    serve(add, 7);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(caller.answered == 7 && caller.error_headers == 3);

    char *stats = NULL;
    CHECK_OK(natskit_service_stats_json(service, &stats));
    CHECK(strstr(stats, "\"num_requests\":7") != NULL);
    CHECK(strstr(stats, "\"num_errors\":3") != NULL);
    CHECK(strstr(stats, "\"last_error\":\"422:cannot add\"") != NULL);
    natskit_string_free(stats);
    char *info = NULL;
    CHECK_OK(natskit_service_info_json(service, &info));
    CHECK(strstr(info, "\"subject\":\"math.add\"") != NULL);
    CHECK(strstr(info, "\"queue_group\":\"q\"") != NULL);
    CHECK(strstr(info, "\"lang\":\"c\"") != NULL);
    natskit_string_free(info);

    const char *id = NULL;
    CHECK_OK(natskit_service_id(service, &id));
    char *found = NULL;
    CHECK_OK(natskit_service_discover(c, "STATS", "adder", id, NATSKIT_TIMEOUT_DEFAULT, &found));
    CHECK(found[0] == '[' && strstr(found, id) != NULL);
    CHECK(strstr(found, "\"num_requests\":7") != NULL);
    natskit_string_free(found);

    CHECK_OK(natskit_service_stop(service));
    CHECK_STATUS(natskit_endpoint_next(add, 200, &none), NATSKIT_STATUS_CLOSED);
    CHECK_OK(natskit_service_discover(c, "PING", "adder", NULL, 300, &found));
    CHECK(strcmp(found, "[]") == 0);
    natskit_string_free(found);
    natskit_endpoint_free(add);
    natskit_service_free(service);
    CHECK_OK(natskit_client_close(c));
    natskit_client_free(c);
}

static void test_two_instances_share_queue_group_q(void) {
    natskit_client *a = connect_to(url), *b = connect_to(url);
    natskit_service *first = NULL, *second = NULL;
    const char *config = "{\"name\": \"pair\", \"version\": \"2.0.0\"}";
    CHECK_OK(natskit_service_add(a, config, &first));
    CHECK_OK(natskit_service_add(b, config, &second));
    natskit_endpoint *e1 = NULL, *e2 = NULL;
    CHECK_OK(natskit_service_add_endpoint(first, NULL, "{\"subject\": \"pair.add\"}", &e1));
    CHECK_OK(natskit_service_add_endpoint(second, NULL, "{\"subject\": \"pair.add\"}", &e2));

    struct caller caller = {"pair.add", 20, 0, 0, 0};
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, call, &caller) == 0);
    int served[2] = {0, 0};
    while (served[0] + served[1] < 20) {
        natskit_endpoint *ends[2] = {e1, e2};
        for (int i = 0; i < 2; i++) {
            natskit_service_request *request = NULL;
            if (natskit_endpoint_next(ends[i], 10, &request) == NATSKIT_STATUS_OK) {
                CHECK_OK(natskit_service_request_respond(request, NULL, "4", 1));
                natskit_service_request_free(request);
                served[i]++;
            }
        }
    }
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(served[0] > 0 && served[1] > 0);

    char *found = NULL;
    CHECK_OK(natskit_service_discover(a, "INFO", "pair", NULL, 1000, &found));
    CHECK(strstr(found, "\"name\":\"pair-add\"") != NULL);
    const char *first_id = NULL, *second_id = NULL;
    CHECK_OK(natskit_service_id(first, &first_id));
    CHECK_OK(natskit_service_id(second, &second_id));
    CHECK(strstr(found, first_id) != NULL && strstr(found, second_id) != NULL);
    natskit_string_free(found);

    natskit_endpoint_free(e1);
    natskit_endpoint_free(e2);
    natskit_service_free(first);
    natskit_service_free(second);
    natskit_client_free(a);
    natskit_client_free(b);
}

static void test_bad_input_is_refused(void) {
    natskit_client *c = connect_to(url);
    natskit_service *service = NULL;
    CHECK_STATUS(natskit_service_add(c, "{\"name\": \"x\", \"version\": \"1.0\"}", &service),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("semantic version");
    CHECK_STATUS(natskit_service_add(c, "{\"name\": \"x\"}", &service), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_service_add(c, "{\"name\": \"x\", \"version\": \"1.0.0\", \"colour\": 1}", &service),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_service_add(c, NULL, &service), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_service_add(NULL, "{}", &service), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(service == NULL);
    CHECK_OK(natskit_service_add(c, "{\"name\": \"x\", \"version\": \"1.0.0\"}", &service));
    natskit_endpoint *endpoint = NULL;
    CHECK_STATUS(natskit_service_add_endpoint(service, NULL, "{\"subject\": \"a..b\"}", &endpoint),
                 NATSKIT_STATUS_INVALID_SUBJECT);
    CHECK_STATUS(natskit_service_add_endpoint(service, NULL, "{\"subject\": \"a\"}", NULL),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_endpoint_next(NULL, 0, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_service_request_respond_error(NULL, 1, "x"), NATSKIT_STATUS_INVALID_ARGUMENT);
    char *found = NULL;
    CHECK_STATUS(natskit_service_discover(c, "HELLO", NULL, NULL, 100, &found), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_service_discover(c, "PING", NULL, NULL, NATSKIT_FOREVER, &found),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(found == NULL);
    natskit_service_free(NULL);
    natskit_endpoint_free(NULL);
    natskit_service_request_free(NULL);
    natskit_service_free(service);
    natskit_client_free(c);
}

int main(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start("{\"jetstream\": false}", &server));
    CHECK_OK(natskit_local_server_url(server, &url));
    printf("service_test against %s\n", url);

    RUN(test_endpoint_answers_and_stats_count_exactly);
    RUN(test_two_instances_share_queue_group_q);
    RUN(test_bad_input_is_refused);

    natskit_local_server_stop(server);
    printf("service_test: %d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
