/* The same workloads over the natskit C ABI. Usage: bench_natskit <url> */
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

static void ok_or_die(natskit_status status, const char *what) {
    if (status != NATSKIT_STATUS_OK) {
        fprintf(stderr, "bench: %s failed: %s\n", what, natskit_last_error());
        exit(1);
    }
}

/* Recreates the memory stream CK_JS on subject ck.js (untimed), fills it with `fill`
 * messages and adds the durable pull consumer "c" with explicit acks. */
static void fresh_stream(natskit_js *js, int fill) {
    char data[JS_SIZE] = {0};
    char *info = NULL;
    natskit_js_stream_delete(js, "CK_JS");
    ok_or_die(natskit_js_stream_create(js, "{\"name\": \"CK_JS\", \"subjects\": [\"ck.js\"], \"storage\": \"memory\"}", &info), "stream create");
    natskit_string_free(info);
    natskit_js_publisher *filler = NULL;
    ok_or_die(natskit_js_publisher_new(js, JS_WINDOW, &filler), "publisher");
    for (int i = 0; i < fill; i++)
        ok_or_die(natskit_js_publisher_publish(filler, "ck.js", data, JS_SIZE, NULL), "fill");
    ok_or_die(natskit_js_publisher_wait(filler, &info), "fill wait");
    natskit_string_free(info);
    natskit_js_publisher_free(filler);
    ok_or_die(natskit_js_consumer_create(js, "CK_JS", "{\"durable_name\": \"c\", \"ack_policy\": \"explicit\"}", &info), "consumer create");
    natskit_string_free(info);
}

static void jetstream_workloads(natskit_client *client) {
    natskit_js *js = NULL;
    ok_or_die(natskit_js_new(client, &js), "jetstream");
    char data[JS_SIZE] = {0};
    char *text = NULL;

    fresh_stream(js, 0);
    double t0 = now_seconds();
    for (int i = 0; i < JS_SEQ_COUNT; i++) {
        ok_or_die(natskit_js_publish(js, "ck.js", data, JS_SIZE, NULL, &text), "js publish");
        natskit_string_free(text);
    }
    report("js_seq_128B", JS_SEQ_COUNT, now_seconds() - t0);

    fresh_stream(js, 0);
    natskit_js_publisher *publisher = NULL;
    t0 = now_seconds();
    ok_or_die(natskit_js_publisher_new(js, JS_WINDOW, &publisher), "publisher");
    for (int i = 0; i < JS_PIPE_COUNT; i++)
        ok_or_die(natskit_js_publisher_publish(publisher, "ck.js", data, JS_SIZE, NULL), "js publisher publish");
    ok_or_die(natskit_js_publisher_wait(publisher, &text), "js publisher wait");
    report("js_pipe_128B", JS_PIPE_COUNT, now_seconds() - t0);
    natskit_string_free(text);
    natskit_js_publisher_free(publisher);

    fresh_stream(js, JS_PULL_COUNT);
    natskit_js_msg *batch[JS_BATCH];
    t0 = now_seconds();
    for (int left = JS_PULL_COUNT; left > 0;) {
        size_t count = 0;
        size_t want = left < JS_BATCH ? (size_t)left : JS_BATCH;
        ok_or_die(natskit_js_fetch(js, "CK_JS", "c", want, 5000, batch, &count), "fetch");
        ok_or_die(natskit_js_msg_ack_many((const natskit_js_msg *const *)batch, count), "ack many");
        for (size_t i = 0; i < count; i++) natskit_js_msg_free(batch[i]);
        left -= (int)count;
    }
    ok_or_die(natskit_client_flush(client), "flush");
    report("js_pull_128B", JS_PULL_COUNT, now_seconds() - t0);
    natskit_js_stream_delete(js, "CK_JS");
    natskit_js_free(js);
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

    /* The same messages, PUB_BATCH per natskit_publish_packed call. */
    static char packed[PUB_SIZE * PUB_BATCH];
    static size_t lens[PUB_BATCH];
    for (int i = 0; i < PUB_BATCH; i++) lens[i] = PUB_SIZE;
    t0 = now_seconds();
    for (int i = 0; i < PUB_COUNT; i += PUB_BATCH)
        DIE_IF(natskit_publish_packed(pub, "bench.pub", packed, sizeof packed, lens, PUB_BATCH) != NATSKIT_STATUS_OK,
               "publish packed");
    DIE_IF(natskit_client_flush(pub) != NATSKIT_STATUS_OK, "flush");
    report("publish_packed_16B", PUB_COUNT, now_seconds() - t0);

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
    static double latencies[REQ_COUNT];
    for (int i = 0; i < REQ_COUNT; i++) {
        double t1 = now_seconds();
        natskit_message *reply = NULL;
        DIE_IF(natskit_request(pub, "bench.req", req, REQ_SIZE, 5000, &reply) != NATSKIT_STATUS_OK, "request");
        natskit_message_free(reply);
        latencies[i] = now_seconds() - t1;
    }
    report_p50("request_64B", latencies, REQ_COUNT);
    pthread_join(thread, NULL);
    natskit_subscription_free(r.sub);
    jetstream_workloads(pub);
    natskit_client_close(pub);
    natskit_client_close(sub_conn);
    natskit_client_free(pub);
    natskit_client_free(sub_conn);
    return 0;
}
