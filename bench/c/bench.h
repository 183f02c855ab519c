/* Shared workload shape of the C benchmarks: core messaging and JetStream workloads,
 * one line of output each. JetStream streams are memory streams, as in the Rust bench. */
#ifndef NATSKIT_BENCH_H
#define NATSKIT_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PUB_COUNT 1000000
#define PUB_SIZE 16
#define PUB_BATCH 250 /* messages per batch call (PUB_COUNT is a multiple) */
#define PUBSUB_COUNT 200000
#define PUBSUB_SIZE 128
#define REQ_COUNT 20000
#define REQ_SIZE 64
#define JS_SIZE 128
#define JS_SEQ_COUNT 20000
#define JS_PIPE_COUNT 100000
#define JS_WINDOW 256
#define JS_PULL_COUNT 100000
#define JS_BATCH 256

static inline double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Prints "<workload> <msgs/s>" for run.sh to tabulate. */
static inline void report(const char *workload, int count, double seconds) {
    printf("%s %.0f\n", workload, count / seconds);
    fflush(stdout);
}

static inline int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Prints "<workload> <1/p50>" from per-request latencies in seconds (sorted in place),
 * the same measure the Rust bench's raw async-nats row gives. */
static inline void report_p50(const char *workload, double *latencies, int count) {
    qsort(latencies, count, sizeof *latencies, cmp_double);
    printf("%s %.0f\n", workload, 1.0 / latencies[count / 2]);
    fflush(stdout);
}

#define DIE_IF(cond, what)                             \
    do {                                               \
        if (cond) {                                    \
            fprintf(stderr, "bench: %s failed\n", what); \
            exit(1);                                   \
        }                                              \
    } while (0)

#endif
