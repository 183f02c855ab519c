/* A program built against the natskit C release: the header's version is the library's, and a
 * message goes round a real server. Usage: app NATS_URL */
#include <stdio.h>
#include <string.h>

#include <natskit.h>

#define STR(x) #x
#define VERSION_OF(major, minor, patch) STR(major) "." STR(minor) "." STR(patch)

static int check(natskit_status status, const char *what) {
    if (status != NATSKIT_STATUS_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, natskit_status_name(status), natskit_last_error());
    }
    return status == NATSKIT_STATUS_OK;
}

int main(int argc, char **argv) {
    const char *header = VERSION_OF(NATSKIT_VERSION_MAJOR, NATSKIT_VERSION_MINOR, NATSKIT_VERSION_PATCH);
    if (argc != 2 || strcmp(header, NATSKIT_VERSION) != 0 || strcmp(natskit_version(), NATSKIT_VERSION) != 0) {
        fprintf(stderr, "usage: app NATS_URL (header %s, library %s)\n", header, natskit_version());
        return 2;
    }
    char options[256];
    snprintf(options, sizeof options, "{\"servers\": \"%s\"}", argv[1]);
    natskit_client *client = NULL;
    natskit_subscription *sub = NULL;
    natskit_message *msg = NULL;
    const uint8_t *data = NULL;
    size_t len = 0;
    int ok = check(natskit_connect(options, &client), "connect")
        && check(natskit_subscribe(client, "dist.c", NULL, &sub), "subscribe")
        && check(natskit_publish(client, "dist.c", "hello", 5), "publish")
        && check(natskit_subscription_next(sub, 5000, &msg), "next")
        && check(natskit_message_data(msg, &data, &len), "data")
        && len == 5 && memcmp(data, "hello", 5) == 0
        && check(natskit_client_close(client), "close");
    natskit_message_free(msg);
    natskit_subscription_free(sub);
    natskit_client_free(client);
    if (!ok) return 1;
    printf("natskit %s: ok\n", natskit_version());
    return 0;
}
