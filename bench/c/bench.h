/* Shared workload shape of the C benchmarks: three workloads, one line of output each. */
#ifndef NATSKIT_BENCH_H
#define NATSKIT_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PUB_COUNT 1000000
#define PUB_SIZE 16
#define PUBSUB_COUNT 200000
#define PUBSUB_SIZE 128
#define REQ_COUNT 20000
#define REQ_SIZE 64

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

#define DIE_IF(cond, what)                             \
    do {                                               \
        if (cond) {                                    \
            fprintf(stderr, "bench: %s failed\n", what); \
            exit(1);                                   \
        }                                              \
    } while (0)

#endif
