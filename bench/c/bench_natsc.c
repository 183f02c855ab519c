/* The same workloads over nats.c (Debian libnats-dev). Usage: bench_natsc <url>
 * The responder connection sets SendAsap: nats.c 3.4's flusher thread otherwise holds
 * every buffered publish for 1 ms, which would make each request take about 1 ms. */
#include <nats/nats.h>
#include <pthread.h>

#include "bench.h"

static natsConnection *connect_or_die(const char *url, bool send_asap) {
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    DIE_IF(natsOptions_Create(&opts) != NATS_OK, "options");
    DIE_IF(natsOptions_SetURL(opts, url) != NATS_OK, "url");
    DIE_IF(natsOptions_SetSendAsap(opts, send_asap) != NATS_OK, "send asap");
    DIE_IF(natsConnection_Connect(&nc, opts) != NATS_OK, nats_GetLastError(NULL));
    natsOptions_Destroy(opts);
    return nc;
}

/* Recreates the memory stream CN_JS on subject cn.js (untimed), fills it with `fill`
 * messages and adds the durable pull consumer "c" with explicit acks. */
static void fresh_stream(jsCtx *js, int fill) {
    jsErrCode jerr = 0;
    js_DeleteStream(js, "CN_JS", NULL, &jerr);
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    const char *subjects[] = {"cn.js"};
    sc.Name = "CN_JS";
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_MemoryStorage;
    jsStreamInfo *si = NULL;
    DIE_IF(js_AddStream(&si, js, &sc, NULL, &jerr) != NATS_OK, "add stream");
    jsStreamInfo_Destroy(si);
    char data[JS_SIZE] = {0};
    for (int i = 0; i < fill; i++)
        DIE_IF(js_PublishAsync(js, "cn.js", data, JS_SIZE, NULL) != NATS_OK, "fill");
    DIE_IF(js_PublishAsyncComplete(js, NULL) != NATS_OK, "fill complete");
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = "c";
    cc.AckPolicy = js_AckExplicit;
    jsConsumerInfo *ci = NULL;
    DIE_IF(js_AddConsumer(&ci, js, "CN_JS", &cc, NULL, &jerr) != NATS_OK, "add consumer");
    jsConsumerInfo_Destroy(ci);
}

static void jetstream_workloads(natsConnection *nc) {
    jsOptions o;
    jsOptions_Init(&o);
    o.PublishAsync.MaxPending = JS_WINDOW;
    jsCtx *js = NULL;
    DIE_IF(natsConnection_JetStream(&js, nc, &o) != NATS_OK, "jetstream");
    char data[JS_SIZE] = {0};
    jsErrCode jerr = 0;

    fresh_stream(js, 0);
    double t0 = now_seconds();
    for (int i = 0; i < JS_SEQ_COUNT; i++) {
        jsPubAck *ack = NULL;
        DIE_IF(js_Publish(&ack, js, "cn.js", data, JS_SIZE, NULL, &jerr) != NATS_OK, "js publish");
        jsPubAck_Destroy(ack);
    }
    report("js_seq_128B", JS_SEQ_COUNT, now_seconds() - t0);

    fresh_stream(js, 0);
    t0 = now_seconds();
    for (int i = 0; i < JS_PIPE_COUNT; i++)
        DIE_IF(js_PublishAsync(js, "cn.js", data, JS_SIZE, NULL) != NATS_OK, "js publish async");
    DIE_IF(js_PublishAsyncComplete(js, NULL) != NATS_OK, "js publish complete");
    report("js_pipe_128B", JS_PIPE_COUNT, now_seconds() - t0);

    fresh_stream(js, JS_PULL_COUNT);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = "CN_JS";
    so.Consumer = "c";
    natsSubscription *sub = NULL;
    DIE_IF(js_PullSubscribe(&sub, js, "cn.js", "c", NULL, &so, &jerr) != NATS_OK, "pull subscribe");
    t0 = now_seconds();
    for (int left = JS_PULL_COUNT; left > 0;) {
        natsMsgList list = {0};
        int batch = left < JS_BATCH ? left : JS_BATCH;
        DIE_IF(natsSubscription_Fetch(&list, sub, batch, 5000, &jerr) != NATS_OK, "fetch");
        for (int i = 0; i < list.Count; i++)
            DIE_IF(natsMsg_Ack(list.Msgs[i], NULL) != NATS_OK, "ack");
        left -= list.Count;
        natsMsgList_Destroy(&list);
    }
    DIE_IF(natsConnection_Flush(nc) != NATS_OK, "flush");
    report("js_pull_128B", JS_PULL_COUNT, now_seconds() - t0);
    natsSubscription_Destroy(sub);
    js_DeleteStream(js, "CN_JS", NULL, &jerr);
    jsCtx_Destroy(js);
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
    natsConnection *pub = connect_or_die(argv[1], false);
    natsConnection *sub_conn = connect_or_die(argv[1], false);
    natsConnection *responder_conn = connect_or_die(argv[1], true);
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

    struct responder r = {responder_conn, NULL, REQ_COUNT};
    DIE_IF(natsConnection_SubscribeSync(&r.sub, responder_conn, "bench.req") != NATS_OK, "subscribe");
    natsConnection_Flush(responder_conn);
    pthread_create(&thread, NULL, respond_all, &r);
    char req[REQ_SIZE] = {0};
    static double latencies[REQ_COUNT];
    for (int i = 0; i < REQ_COUNT; i++) {
        double t1 = now_seconds();
        natsMsg *reply = NULL;
        DIE_IF(natsConnection_Request(&reply, pub, "bench.req", req, REQ_SIZE, 5000) != NATS_OK, "request");
        natsMsg_Destroy(reply);
        latencies[i] = now_seconds() - t1;
    }
    report_p50("request_64B", latencies, REQ_COUNT);
    pthread_join(thread, NULL);
    natsSubscription_Destroy(r.sub);
    jetstream_workloads(pub);
    natsConnection_Destroy(responder_conn);
    natsConnection_Destroy(pub);
    natsConnection_Destroy(sub_conn);
    nats_Close();
    return 0;
}
