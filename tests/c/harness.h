/* A minimal test harness for the natskit C tests: CHECK macros and a local server. */
#ifndef NATSKIT_TEST_HARNESS_H
#define NATSKIT_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natskit.h"

static int checks_passed;
static int tests_run;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
        checks_passed++;                                                             \
    } while (0)

/* Checks a call's status and prints natskit_last_error() when it differs. */
#define CHECK_STATUS(call, expected)                                                   \
    do {                                                                               \
        natskit_status got_ = (call);                                                  \
        if (got_ != (expected)) {                                                      \
            fprintf(stderr, "%s:%d: %s returned %s (expected %s): %s\n", __FILE__,      \
                    __LINE__, #call, natskit_status_name(got_),                        \
                    natskit_status_name(expected), natskit_last_error());              \
            exit(1);                                                                   \
        }                                                                              \
        checks_passed++;                                                               \
    } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, NATSKIT_STATUS_OK)

/* Asserts natskit_last_error() contains `needle`. */
#define CHECK_ERROR_TEXT(needle)                                                        \
    do {                                                                                \
        if (strstr(natskit_last_error(), (needle)) == NULL) {                           \
            fprintf(stderr, "%s:%d: last error \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, \
                    natskit_last_error(), (needle));                                    \
            exit(1);                                                                    \
        }                                                                               \
        checks_passed++;                                                                \
    } while (0)

#define RUN(test)                      \
    do {                               \
        printf("  %s ... ", #test);    \
        fflush(stdout);                \
        test();                        \
        tests_run++;                   \
        printf("ok\n");                \
    } while (0)

/* The payload of a message as a NUL-terminated copy (caller frees). */
static inline char *payload_copy(const natskit_message *msg) {
    const uint8_t *data = NULL;
    size_t len = 0;
    CHECK_OK(natskit_message_data(msg, &data, &len));
    char *text = malloc(len + 1);
    CHECK(text != NULL);
    if (len > 0) memcpy(text, data, len);
    text[len] = '\0';
    return text;
}

/* Connects to `url` with default options. */
static inline natskit_client *connect_to(const char *url) {
    char options[256];
    snprintf(options, sizeof options, "{\"servers\": \"%s\"}", url);
    natskit_client *client = NULL;
    CHECK_OK(natskit_connect(options, &client));
    CHECK(client != NULL);
    return client;
}

#endif
