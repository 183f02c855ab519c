/* The same three workloads over nats.c (Debian libnats-dev). Usage: bench_natsc <url> */
#include <nats/nats.h>
#include <pthread.h>

#include "bench.h"

static natsConnection *connect_or_die(const char *url) {
    natsConnection *nc = NULL;
    DIE_IF(natsConnection_ConnectTo(&nc, url) != NATS_OK, nats_GetLastError(NULL));
    return nc;
}

struct publisher { natsConnection *nc; int count; int size; };

static void *publish_all(void *arg) {
    struct publisher *p = arg;
    char data[PUBSUB_SIZE] = {0};
    for (int i = 0; i < p->count; i++)
        DIE_IF(natsConnection_Publish(p->nc, "bench.pubsub", data, p->size) != NATS_OK, "publish");
    natsConnection_Flush(p->nc);
    return NULL;
}

struct responder { natsConnection *nc; natsSubscription *sub; int count; };

static void *respond_all(void *arg) {
    struct responder *r = arg;
    char data[REQ_SIZE] = {0};
    for (int i = 0; i < r->count; i++) {
        natsMsg *m = NULL;
        DIE_IF(natsSubscription_NextMsg(&m, r->sub, 10000) != NATS_OK, "responder next");
        DIE_IF(natsConnection_Publish(r->nc, natsMsg_GetReply(m), data, REQ_SIZE) != NATS_OK, "respond");
        natsMsg_Destroy(m);
    }
    return NULL;
}

int main(int argc, char **argv) {
    DIE_IF(argc != 2, "usage: bench_natsc <url>");
    natsConnection *pub = connect_or_die(argv[1]);
    natsConnection *sub_conn = connect_or_die(argv[1]);
    char data[PUB_SIZE] = {0};

    double t0 = now_seconds();
    for (int i = 0; i < PUB_COUNT; i++)
        DIE_IF(natsConnection_Publish(pub, "bench.pub", data, PUB_SIZE) != NATS_OK, "publish");
    DIE_IF(natsConnection_Flush(pub) != NATS_OK, "flush");
    report("publish_16B", PUB_COUNT, now_seconds() - t0);

    natsSubscription *sub = NULL;
    DIE_IF(natsConnection_SubscribeSync(&sub, sub_conn, "bench.pubsub") != NATS_OK, "subscribe");
    natsSubscription_SetPendingLimits(sub, -1, -1);
    natsConnection_Flush(sub_conn);
    struct publisher p = {pub, PUBSUB_COUNT, PUBSUB_SIZE};
    pthread_t thread;
    t0 = now_seconds();
    pthread_create(&thread, NULL, publish_all, &p);
    for (int i = 0; i < PUBSUB_COUNT; i++) {
        natsMsg *m = NULL;
        DIE_IF(natsSubscription_NextMsg(&m, sub, 10000) != NATS_OK, "next");
        natsMsg_Destroy(m);
    }
    report("pubsub_128B", PUBSUB_COUNT, now_seconds() - t0);
    pthread_join(thread, NULL);
    natsSubscription_Destroy(sub);

    struct responder r = {sub_conn, NULL, REQ_COUNT};
    DIE_IF(natsConnection_SubscribeSync(&r.sub, sub_conn, "bench.req") != NATS_OK, "subscribe");
    natsConnection_Flush(sub_conn);
    pthread_create(&thread, NULL, respond_all, &r);
    char req[REQ_SIZE] = {0};
    t0 = now_seconds();
    for (int i = 0; i < REQ_COUNT; i++) {
        natsMsg *reply = NULL;
        DIE_IF(natsConnection_Request(&reply, pub, "bench.req", req, REQ_SIZE, 5000) != NATS_OK, "request");
        natsMsg_Destroy(reply);
    }
    report("request_64B", REQ_COUNT, now_seconds() - t0);
    pthread_join(thread, NULL);
    natsSubscription_Destroy(r.sub);
    natsConnection_Destroy(pub);
    natsConnection_Destroy(sub_conn);
    nats_Close();
    return 0;
}
