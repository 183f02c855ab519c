/* natskit_local_cluster: a client given every node's URL keeps publishing, to core NATS and
 * to an R3 stream, while each node in turn is killed (so the one it uses dies too). */
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* How long the client may take to work again after a kill. */
#define RECOVERY_MS 15000

/* Milliseconds on a monotonic clock. */
static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A publish (flushed) and a JetStream publish, tried until both succeed or RECOVERY_MS pass. */
static void check_keeps_working(natskit_client *c, natskit_js *js) {
    long long deadline = now_ms() + RECOVERY_MS;
    for (;;) {
        char *ack = NULL;
        if (natskit_publish(c, "failover.core", "x", 1) == NATSKIT_STATUS_OK &&
            natskit_client_flush(c) == NATSKIT_STATUS_OK &&
            natskit_js_publish(js, "failover.js", "x", 1, NULL, &ack) == NATSKIT_STATUS_OK) {
            natskit_string_free(ack);
            return;
        }
        if (now_ms() > deadline) {
            fprintf(stderr, "no publish within %d ms of the kill: %s\n", RECOVERY_MS,
                    natskit_last_error());
            exit(1);
        }
        usleep(100000);
    }
}

static void test_client_survives_each_node_dying(void) {
    natskit_local_cluster *cluster = NULL;
    CHECK_OK(natskit_local_cluster_start(&cluster));
    const char *urls = NULL;
    CHECK_OK(natskit_local_cluster_urls(cluster, &urls));
    CHECK(strstr(urls, "nats://127.0.0.1:") == urls && strchr(urls, ',') != NULL);

    natskit_client *c = connect_to(urls);
    natskit_js *js = NULL;
    CHECK_OK(natskit_js_new(c, &js));
    char *info = NULL;
    CHECK_OK(natskit_js_stream_create(
        js, "{\"name\": \"FAILOVER\", \"subjects\": [\"failover.js\"], \"num_replicas\": 3}", &info));
    natskit_string_free(info);
    check_keeps_working(c, js);

    for (size_t node = 0; node < 3; node++) {
        CHECK_OK(natskit_local_cluster_kill(cluster, node));
        check_keeps_working(c, js);
        CHECK_OK(natskit_local_cluster_restart(cluster, node));
    }

    CHECK_STATUS(natskit_local_cluster_kill(cluster, 3), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("no node 3");
    CHECK_STATUS(natskit_local_cluster_restart(cluster, 3), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_local_cluster_kill(NULL, 0), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_local_cluster_urls(cluster, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_local_cluster_start(NULL), NATSKIT_STATUS_INVALID_ARGUMENT);

    natskit_js_free(js);
    natskit_client_free(c);
    natskit_local_cluster_free(cluster);
    natskit_local_cluster_free(NULL);
}

int main(void) {
    printf("cluster_test\n");
    RUN(test_client_survives_each_node_dying);
    printf("%d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
