/* Object store from C against a real nats-server: a multi-chunk object with its digest, files
 * both ways, list/info/delete/link/seal and the error codes. */
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "harness.h"

static const char *url;

/* 300 KiB: three 128 KiB chunks; byte i is (i*31 + 7) % 251. */
#define SIZE (300 * 1024)
/* SHA-256 of those bytes, computed independently (Python hashlib). */
#define DIGEST "SHA-256=7rBWme8OcZ392cmKHSr50bF0mCrl547iNeJo_ixRVkE="

static natskit_obj *create_bucket(natskit_js **js_out, natskit_client **c_out) {
    *c_out = connect_to(url);
    CHECK_OK(natskit_js_new(*c_out, js_out));
    natskit_obj *obj = NULL;
    CHECK_OK(natskit_obj_create(*js_out,
                                "{\"bucket\": \"cfiles\", \"description\": \"c files\", "
                                "\"max_age\": 60000, \"storage\": \"memory\"}",
                                &obj));
    return obj;
}

static void test_round_trip_files_and_errors(void) {
    natskit_client *c = NULL;
    natskit_js *js = NULL;
    natskit_obj *obj = create_bucket(&js, &c);

    uint8_t *data = malloc(SIZE);
    CHECK(data != NULL);
    for (size_t i = 0; i < SIZE; i++) data[i] = (uint8_t)((i * 31 + 7) % 251);
    char *info = NULL;
    CHECK_OK(natskit_obj_put(obj, "report.bin", data, SIZE,
                             "{\"description\": \"r\", \"headers\": {\"X-Kind\": \"bin\"}}", &info));
    CHECK(strstr(info, "\"size\":307200") != NULL);
    CHECK(strstr(info, "\"chunks\":3") != NULL);
    CHECK(strstr(info, DIGEST) != NULL);
    natskit_string_free(info);

    void *got = NULL;
    size_t len = 0;
    info = NULL;
    CHECK_OK(natskit_obj_get(obj, "report.bin", &info, &got, &len));
    CHECK(len == SIZE && memcmp(got, data, SIZE) == 0);
    CHECK(strstr(info, "\"X-Kind\":[\"bin\"]") != NULL);
    natskit_bytes_free(got, len);
    natskit_string_free(info);

    /* Files both ways: the file is streamed, the digest is the same. */
    char path[] = "/tmp/natskit-obj-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK_OK(natskit_obj_get_file(obj, "report.bin", path, NULL));
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    uint8_t *copy = malloc(SIZE + 1);
    CHECK(fread(copy, 1, SIZE + 1, f) == SIZE && memcmp(copy, data, SIZE) == 0);
    fclose(f);
    free(copy);
    info = NULL;
    CHECK_OK(natskit_obj_put_file(obj, "copy.bin", path, NULL, &info));
    CHECK(strstr(info, DIGEST) != NULL);
    natskit_string_free(info);
    unlink(path);

    CHECK_OK(natskit_obj_link(obj, "latest", "copy.bin", NULL));
    got = NULL;
    info = NULL;
    CHECK_OK(natskit_obj_get(obj, "latest", &info, &got, &len));
    CHECK(len == SIZE && memcmp(got, data, SIZE) == 0);
    natskit_bytes_free(got, len);
    natskit_string_free(info);

    char *list = NULL;
    CHECK_OK(natskit_obj_list(obj, &list));
    CHECK(strstr(list, "\"name\":\"copy.bin\"") != NULL);
    CHECK(strstr(list, "\"name\":\"latest\"") != NULL);
    CHECK(strstr(list, "\"name\":\"report.bin\"") != NULL);
    natskit_string_free(list);

    CHECK_OK(natskit_obj_delete(obj, "copy.bin"));
    info = NULL;
    CHECK_STATUS(natskit_obj_info(obj, "copy.bin", &info), NATSKIT_STATUS_NOT_FOUND);
    CHECK(info == NULL);
    CHECK_STATUS(natskit_obj_get(obj, "nope", &info, &got, &len), NATSKIT_STATUS_NOT_FOUND);
    CHECK_ERROR_TEXT("not found");
    CHECK_STATUS(natskit_obj_get_file(obj, "nope", "/tmp/natskit-obj-nope", NULL),
                 NATSKIT_STATUS_NOT_FOUND);
    CHECK(access("/tmp/natskit-obj-nope", F_OK) != 0);
    CHECK_STATUS(natskit_obj_delete(obj, "nope"), NATSKIT_STATUS_NOT_FOUND);
    CHECK_STATUS(natskit_obj_put(obj, "", data, 1, NULL, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_obj_put(obj, "x", data, 1, "{\"size\": 1}", NULL),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_obj_put(NULL, "x", data, 1, NULL, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_obj_put_file(obj, "x", "/nonexistent/file", NULL, NULL),
                 NATSKIT_STATUS_NOT_FOUND);

    char *names = NULL;
    CHECK_OK(natskit_obj_buckets(js, &names));
    CHECK(strcmp(names, "[\"cfiles\"]") == 0);
    natskit_string_free(names);

    CHECK_OK(natskit_obj_seal(obj));
    CHECK_STATUS(natskit_obj_put(obj, "more", data, 1, NULL, NULL), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_ERROR_TEXT("sealed");

    natskit_obj *missing = NULL;
    CHECK_STATUS(natskit_obj_open(js, "absent", &missing), NATSKIT_STATUS_NOT_FOUND);
    CHECK_STATUS(natskit_obj_open(js, "bad.name", &missing), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(natskit_obj_create(js, "{\"bucket\": \"x\", \"max_age\": -1}", &missing),
                 NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(missing == NULL);
    CHECK_OK(natskit_obj_delete_bucket(js, "cfiles"));
    CHECK_STATUS(natskit_obj_open(js, "cfiles", &missing), NATSKIT_STATUS_NOT_FOUND);

    free(data);
    natskit_obj_free(obj);
    natskit_obj_free(NULL);
    natskit_js_free(js);
    natskit_client_free(c);
}

/* The watch gives the objects already there, then puts and deletes; stop ends it. */
static void test_watch(void) {
    natskit_client *c = connect_to(url);
    natskit_js *js = NULL;
    CHECK_OK(natskit_js_new(c, &js));
    natskit_obj *obj = NULL;
    CHECK_OK(natskit_obj_create(js, "{\"bucket\": \"cwatch\", \"storage\": \"memory\"}", &obj));
    CHECK_OK(natskit_obj_put(obj, "a", "1", 1, NULL, NULL));
    natskit_obj_watcher *w = NULL;
    CHECK_OK(natskit_obj_watch(obj, NULL, &w));
    char *info = NULL;
    CHECK_OK(natskit_obj_watch_next(w, 2000, &info));
    CHECK(strstr(info, "\"name\":\"a\"") != NULL && strstr(info, "\"deleted\":false") != NULL);
    natskit_string_free(info);
    CHECK_STATUS(natskit_obj_watch_next(w, 200, &info), NATSKIT_STATUS_TIMEOUT);

    CHECK_OK(natskit_obj_put(obj, "b", "22", 2, NULL, NULL));
    CHECK_OK(natskit_obj_delete(obj, "a"));
    CHECK_OK(natskit_obj_watch_next(w, 2000, &info));
    CHECK(strstr(info, "\"name\":\"b\"") != NULL && strstr(info, "\"size\":2") != NULL);
    natskit_string_free(info);
    CHECK_OK(natskit_obj_watch_next(w, 2000, &info));
    CHECK(strstr(info, "\"name\":\"a\"") != NULL && strstr(info, "\"deleted\":true") != NULL);
    natskit_string_free(info);

    natskit_obj_watcher *bad = NULL;
    CHECK_STATUS(natskit_obj_watch(obj, "{\"history\": true}", &bad), NATSKIT_STATUS_INVALID_ARGUMENT);
    CHECK_OK(natskit_obj_watch_stop(w));
    CHECK_STATUS(natskit_obj_watch_next(w, 200, &info), NATSKIT_STATUS_CLOSED);
    natskit_obj_watch_free(w);
    natskit_obj_watch_free(NULL);
    CHECK_OK(natskit_obj_delete_bucket(js, "cwatch"));
    natskit_obj_free(obj);
    natskit_js_free(js);
    natskit_client_free(c);
}

int main(void) {
    natskit_local_server *server = NULL;
    CHECK_OK(natskit_local_server_start(NULL, &server));
    CHECK_OK(natskit_local_server_url(server, &url));
    printf("object_store_test against %s\n", url);

    RUN(test_round_trip_files_and_errors);
    RUN(test_watch);

    natskit_local_server_stop(server);
    printf("object_store_test: %d tests, %d checks passed\n", tests_run, checks_passed);
    return 0;
}
