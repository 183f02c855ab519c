/* The three workloads over the natskit C ABI. Usage: bench_natskit <url> */
#include <pthread.h>
#include <string.h>

#include "bench.h"
#include "natskit.h"

static natskit_client *connect_or_die(const char *url) {
    char options[256];
    snprintf(options, sizeof options, "{\"servers\": \"%s\"}", url);
    natskit_client *c = NULL;
    DIE_IF(natskit_connect(options, &c) != NATSKIT_STATUS_OK, natskit_last_error());
    return c;
}

struct publisher { natskit_client *client; int count; size_t size; };

static void *publish_all(void *arg) {
    struct publisher *p = arg;
    char data[PUBSUB_SIZE] = {0};
    for (int i = 0; i < p->count; i++)
        DIE_IF(natskit_publish(p->client, "bench.pubsub", data, p->size) != NATSKIT_STATUS_OK, "publish");
    return NULL;
}

struct responder { natskit_subscription *sub; int count; };

static void *respond_all(void *arg) {
    struct responder *r = arg;
    char data[REQ_SIZE] = {0};
    for (int i = 0; i < r->count; i++) {
        natskit_message *m = NULL;
        DIE_IF(natskit_subscription_next(r->sub, 10000, &m) != NATSKIT_STATUS_OK, "responder next");
        DIE_IF(natskit_message_respond(m, NULL, data, REQ_SIZE) != NATSKIT_STATUS_OK, "respond");
        natskit_message_free(m);
    }
    return NULL;
}

int main(int argc, char **argv) {
    DIE_IF(argc != 2, "usage: bench_natskit <url>");
    natskit_client *pub = connect_or_die(argv[1]);
    natskit_client *sub_conn = connect_or_die(argv[1]);
    char data[PUB_SIZE] = {0};

    double t0 = now_seconds();
    for (int i = 0; i < PUB_COUNT; i++)
        DIE_IF(natskit_publish(pub, "bench.pub", data, PUB_SIZE) != NATSKIT_STATUS_OK, "publish");
    DIE_IF(natskit_client_flush(pub) != NATSKIT_STATUS_OK, "flush");
    report("publish_16B", PUB_COUNT, now_seconds() - t0);

    natskit_subscription *sub = NULL;
    DIE_IF(natskit_subscribe(sub_conn, "bench.pubsub", NULL, &sub) != NATSKIT_STATUS_OK, "subscribe");
    DIE_IF(natskit_client_flush(sub_conn) != NATSKIT_STATUS_OK, "flush");
    struct publisher p = {pub, PUBSUB_COUNT, PUBSUB_SIZE};
    pthread_t thread;
    t0 = now_seconds();
    pthread_create(&thread, NULL, publish_all, &p);
    for (int i = 0; i < PUBSUB_COUNT; i++) {
        natskit_message *m = NULL;
        DIE_IF(natskit_subscription_next(sub, 10000, &m) != NATSKIT_STATUS_OK, "next");
        natskit_message_free(m);
    }
    report("pubsub_128B", PUBSUB_COUNT, now_seconds() - t0);
    pthread_join(thread, NULL);
    natskit_subscription_free(sub);

    struct responder r = {NULL, REQ_COUNT};
    DIE_IF(natskit_subscribe(sub_conn, "bench.req", NULL, &r.sub) != NATSKIT_STATUS_OK, "subscribe");
    DIE_IF(natskit_client_flush(sub_conn) != NATSKIT_STATUS_OK, "flush");
    pthread_create(&thread, NULL, respond_all, &r);
    char req[REQ_SIZE] = {0};
    t0 = now_seconds();
    for (int i = 0; i < REQ_COUNT; i++) {
        natskit_message *reply = NULL;
        DIE_IF(natskit_request(pub, "bench.req", req, REQ_SIZE, 5000, &reply) != NATSKIT_STATUS_OK, "request");
        natskit_message_free(reply);
    }
    report("request_64B", REQ_COUNT, now_seconds() - t0);
    pthread_join(thread, NULL);
    natskit_subscription_free(r.sub);
    natskit_client_close(pub);
    natskit_client_close(sub_conn);
    natskit_client_free(pub);
    natskit_client_free(sub_conn);
    return 0;
}
