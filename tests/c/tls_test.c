/* TLS through the C ABI: with certificates made at test time by tests/tls/certs.sh, a client
 * trusting the server's CA round-trips a message; one trusting another CA, or none, gets
 * NATSKIT_STATUS_CONNECT with the cause in natskit_last_error(). */
#include <libgen.h>
#include <unistd.h>

#include "harness.h"

/* A temp dir holding the test PKI (written by tests/tls/certs.sh, found from this file). */
static void make_certs(char *dir) {
    char here[1024];
    snprintf(here, sizeof here, "%s", __FILE__);
    CHECK(mkdtemp(dir) != NULL);
    char command[4096];
    snprintf(command, sizeof command, "sh '%s/../tls/certs.sh' '%s'", dirname(here), dir);
    CHECK(system(command) == 0);
}

/* Connects to `url` trusting `ca` (a file in `dir`, or none when NULL); returns the status. */
static natskit_status connect_tls(const char *url, const char *dir, const char *ca,
                                  natskit_client **client) {
    char tls[1200] = "{}";
    if (ca != NULL) snprintf(tls, sizeof tls, "{\"ca\": \"%s/%s\"}", dir, ca);
    char options[2048];
    snprintf(options, sizeof options,
             "{\"servers\": \"%s\", \"tls\": %s, \"connect_timeout\": 3,"
             " \"reconnect\": {\"max_attempts\": 0}}",
             url, tls);
    return natskit_connect(options, client);
}

static void test_tls_connects_with_the_right_ca_only(void) {
    char dir[] = "/tmp/natskit-tls-XXXXXX";
    make_certs(dir);
    char options[2048];
    snprintf(options, sizeof options,
             "{\"jetstream\": false, \"args\": [\"--tls\", \"--tlscert\", \"%s/server.pem\","
             " \"--tlskey\", \"%s/server-key.pem\"]}",
             dir, dir);
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start(options, &server));
    const char *url = NULL;
    CHECK_OK(natskit_local_server_url(server, &url));

    natskit_client *c = NULL;
    CHECK_OK(connect_tls(url, dir, "ca.pem", &c));
    natskit_subscription *sub = NULL;
    CHECK_OK(natskit_subscribe(c, "tls.echo", NULL, &sub));
    CHECK_OK(natskit_client_flush(c));
    CHECK_OK(natskit_publish(c, "tls.echo", "over tls", 8));
    natskit_message *msg = NULL;
    CHECK_OK(natskit_subscription_next(sub, 5000, &msg));
    char *text = payload_copy(msg);
    CHECK(strcmp(text, "over tls") == 0);
    free(text);
    natskit_message_free(msg);
    natskit_subscription_free(sub);
    natskit_client_free(c);

    natskit_client *refused = NULL;
    CHECK_STATUS(connect_tls(url, dir, "other-ca.pem", &refused), NATSKIT_STATUS_CONNECT);
    CHECK(refused == NULL);
    CHECK_ERROR_TEXT("certificate verification failed");
    CHECK_ERROR_TEXT("unknown issuer");
    CHECK_STATUS(connect_tls(url, dir, NULL, &refused), NATSKIT_STATUS_CONNECT);
    CHECK_ERROR_TEXT("certificate verification failed");

    natskit_local_server_stop(server);
    char command[1100];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    CHECK(system(command) == 0);
}

int main(void) {
    printf("tls_test\n");
    RUN(test_tls_connects_with_the_right_ca_only);
    printf("%d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
