/* The other side of the PHP interop test, over the C ABI in its own process:
 * interop_peer <url> <in-subject> <out-subject> waits for one message on <in-subject>,
 * prints "got <payload>" and publishes "from-c:<payload>" to <out-subject>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natskit.h"

static int fail(const char *what, natskit_status status) {
    fprintf(stderr, "interop_peer: %s: %s: %s\n", what, natskit_status_name(status), natskit_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: interop_peer <url> <in-subject> <out-subject>\n");
        return 2;
    }
    char options[512];
    snprintf(options, sizeof options, "{\"servers\": \"%s\"}", argv[1]);
    natskit_client *client = NULL;
    natskit_status status = natskit_connect(options, &client);
    if (status != NATSKIT_STATUS_OK) return fail("connect", status);
    natskit_subscription *sub = NULL;
    if ((status = natskit_subscribe(client, argv[2], NULL, &sub)) != NATSKIT_STATUS_OK) return fail("subscribe", status);
    if ((status = natskit_client_flush(client)) != NATSKIT_STATUS_OK) return fail("flush", status);
    printf("ready\n");
    fflush(stdout);

    natskit_message *msg = NULL;
    if ((status = natskit_subscription_next(sub, 10000, &msg)) != NATSKIT_STATUS_OK) return fail("next", status);
    const uint8_t *data = NULL;
    size_t len = 0;
    natskit_message_data(msg, &data, &len);
    printf("got %.*s\n", (int)len, (const char *)data);
    fflush(stdout);
    char answer[1024];
    int n = snprintf(answer, sizeof answer, "from-c:%.*s", (int)len, (const char *)data);
    if ((status = natskit_publish(client, argv[3], answer, (size_t)n)) != NATSKIT_STATUS_OK) return fail("publish", status);
    natskit_message_free(msg);
    natskit_subscription_free(sub);
    status = natskit_client_close(client);
    natskit_client_free(client);
    return status == NATSKIT_STATUS_OK ? 0 : fail("close", status);
}
