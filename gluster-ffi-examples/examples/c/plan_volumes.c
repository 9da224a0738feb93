/*
 * plan_volumes: embeds the gluster placement engine from C.
 *
 * Loads a Heketi topology load file (argv[1]) with a default device size, plans a replica-3
 * volume and an arbiter volume, commits both to the cluster, prints the plans, then makes
 * requests that must fail (no device matches a tag rule; an unknown request field) and
 * prints why. Then times the two calls a provisioning service makes, on a generated cluster of
 * 10 zones x 100 nodes x 10 devices: gp_plan alone (request parsing, planning, plan JSON) and
 * gp_plan + gp_cluster_commit per volume (GP_TIMING_ITERATIONS calls each, default 2000).
 * Exits 0 when everything behaved as expected, 1 otherwise.
 *
 * Output lines start with a keyword so that tests can check them:
 *   VERSION <version>
 *   PLAN <name> <plan json>
 *   COMMITTED <name>
 *   FAILED <name> <result code name>
 *   MESSAGE <line of the error message>     (one per line of the message)
 *   REASONS <json array of reasons>
 *   TIMING <what> <nanoseconds> ns per call (<devices> devices)
 *
 * Build (see run-examples.sh):
 *   gcc -I include examples/c/plan_volumes.c target/debug/libgluster_placement_ffi.a \
 *       -lpthread -ldl -lm -o plan_volumes
 */

#define _POSIX_C_SOURCE 199309L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gluster_placement.h"

/* Reads a whole file into a malloc'ed buffer; the caller frees it. */
static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    unsigned char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 4096;
            unsigned char *grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        size_t n = fread(buf + *len, 1, cap - *len, f);
        if (n == 0) {
            break;
        }
        *len += n;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Prints the last error of this thread: its code, its message line by line (asking for the
 * size first, the way a caller with no fixed buffer does) and the reasons as JSON. */
static void print_last_error(const char *name, gp_result rc) {
    printf("FAILED %s %s\n", name, gp_result_name(rc));

    size_t needed = 0;
    gp_last_error_message(NULL, 0, &needed); /* BUFFER_TOO_SMALL, reports the size */
    char *message = malloc(needed);
    if (message != NULL &&
        gp_last_error_message(message, needed, &needed) == GP_RESULT_OK) {
        for (char *line = strtok(message, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            printf("MESSAGE %s\n", line);
        }
    }
    free(message);

    gp_string *reasons = NULL;
    if (gp_last_error_reasons_json(&reasons) == GP_RESULT_OK) {
        printf("REASONS %s\n", gp_string_ptr(reasons));
    }
    gp_string_free(reasons);
}

/* Plans `request` with `seed`, prints the plan and commits it. Returns 1 on success. */
static int plan_and_commit(gp_cluster *cluster, const char *name, const char *request,
                           uint64_t seed, const char *must_contain) {
    gp_string *plan = NULL;
    gp_result rc = gp_plan(cluster, request, seed, &plan);
    if (rc != GP_RESULT_OK) {
        print_last_error(name, rc);
        return 0;
    }
    const char *json = gp_string_ptr(plan);
    printf("PLAN %s %s\n", name, json);
    int ok = strstr(json, must_contain) != NULL;
    if (!ok) {
        fprintf(stderr, "UNEXPECTED: plan %s lacks %s\n", name, must_contain);
    }
    rc = gp_cluster_commit(cluster, json);
    gp_string_free(plan); /* the plan text was only borrowed by gp_cluster_commit */
    if (rc != GP_RESULT_OK) {
        print_last_error(name, rc);
        return 0;
    }
    printf("COMMITTED %s\n", name);
    return ok;
}

/* Makes a request that must fail with `expected`. Returns 1 when it does. */
static int expect_failure(gp_cluster *cluster, const char *name, const char *request,
                          gp_result expected) {
    gp_string *plan = NULL;
    gp_result rc = gp_plan(cluster, request, 3, &plan);
    if (rc == GP_RESULT_OK) {
        fprintf(stderr, "UNEXPECTED: %s was placed: %s\n", name, gp_string_ptr(plan));
        gp_string_free(plan);
        return 0;
    }
    print_last_error(name, rc);
    if (rc != expected) {
        fprintf(stderr, "UNEXPECTED: %s failed with %s, expected %s\n", name,
                gp_result_name(rc), gp_result_name(expected));
        return 0;
    }
    return 1;
}

/* Appends formatted text to a growing buffer; returns 0 when out of memory. */
static int append(char **buf, size_t *len, size_t *cap, const char *text) {
    size_t n = strlen(text);
    if (*len + n + 1 > *cap) {
        size_t grown_cap = (*cap + n + 1) * 2;
        char *grown = realloc(*buf, grown_cap);
        if (grown == NULL) {
            return 0;
        }
        *buf = grown;
        *cap = grown_cap;
    }
    memcpy(*buf + *len, text, n + 1);
    *len += n;
    return 1;
}

/* A Heketi load file of `zones` x `nodes` x `devices`; the caller frees it. */
static char *generated_topology(int zones, int nodes, int devices, size_t *len) {
    char *buf = NULL;
    size_t cap = 0;
    char part[160];
    *len = 0;
    int ok = append(&buf, len, &cap, "{\"clusters\":[{\"nodes\":[");
    for (int z = 1; z <= zones && ok; z++) {
        for (int n = 0; n < nodes && ok; n++) {
            snprintf(part, sizeof part,
                     "%s{\"node\":{\"hostnames\":{\"manage\":[\"z%d-n%d\"],"
                     "\"storage\":[\"10.%d.%d.%d\"]},\"zone\":%d},\"devices\":[",
                     (z == 1 && n == 0) ? "" : ",", z, n, z, n / 250, n % 250, z);
            ok = append(&buf, len, &cap, part);
            for (int d = 0; d < devices && ok; d++) {
                snprintf(part, sizeof part, "%s\"/dev/vd%d\"", d == 0 ? "" : ",", d);
                ok = append(&buf, len, &cap, part);
            }
            ok = ok && append(&buf, len, &cap, "]}");
        }
    }
    ok = ok && append(&buf, len, &cap, "]}]}");
    if (!ok) {
        free(buf);
        return NULL;
    }
    return buf;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Times gp_plan, then gp_plan + gp_cluster_commit, on 10 zones x 100 nodes x 10 devices. */
static int time_calls(long iterations) {
    size_t len = 0;
    char *topology = generated_topology(10, 100, 10, &len);
    if (topology == NULL) {
        return 0;
    }
    gp_cluster *cluster = NULL;
    gp_result rc = gp_cluster_new((const unsigned char *)topology, len, "4TiB", &cluster);
    free(topology);
    if (rc != GP_RESULT_OK) {
        print_last_error("timing topology", rc);
        return 0;
    }
    const char *request = "{\"size\":\"10GiB\",\"volumetype\":\"replicate:3\"}";
    int ok = 1;
    double start = now_ns();
    for (long i = 0; i < iterations && ok; i++) {
        gp_string *plan = NULL;
        rc = gp_plan(cluster, request, (uint64_t)i, &plan);
        ok = rc == GP_RESULT_OK;
        gp_string_free(plan);
    }
    double plan_ns = (now_ns() - start) / (double)iterations;
    start = now_ns();
    for (long i = 0; i < iterations && ok; i++) {
        gp_string *plan = NULL;
        rc = gp_plan(cluster, request, (uint64_t)i, &plan);
        ok = rc == GP_RESULT_OK && gp_cluster_commit(cluster, gp_string_ptr(plan)) == GP_RESULT_OK;
        gp_string_free(plan);
    }
    double commit_ns = (now_ns() - start) / (double)iterations;
    if (!ok) {
        print_last_error("timing", gp_last_error_code());
    } else {
        printf("TIMING gp_plan %.0f ns per call (10000 devices)\n", plan_ns);
        printf("TIMING gp_plan+gp_cluster_commit %.0f ns per call (10000 devices)\n", commit_ns);
    }
    gp_cluster_free(cluster);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s HEKETI_TOPOLOGY.json\n", argv[0]);
        return 2;
    }
    printf("VERSION %s\n", gp_version());

    size_t len = 0;
    unsigned char *topology = read_file(argv[1], &len);
    if (topology == NULL) {
        return 1;
    }
    gp_cluster *cluster = NULL;
    /* A Heketi load file has no device sizes: every device is 1 TiB. */
    gp_result rc = gp_cluster_new(topology, len, "1TiB", &cluster);
    free(topology); /* borrowed for the call only */
    if (rc != GP_RESULT_OK) {
        print_last_error("topology", rc);
        return 1;
    }

    int ok = 1;
    ok &= plan_and_commit(cluster, "vol-r3",
                          "{\"name\":\"vol-r3\",\"size\":\"100GiB\","
                          "\"volumetype\":\"replicate:3\",\"zone_checking\":\"strict\"}",
                          1, "\"role\":\"data\"");
    ok &= plan_and_commit(cluster, "vol-arbiter",
                          "{\"name\":\"vol-arbiter\",\"size\":\"100GiB\","
                          "\"volumetype\":\"replicate:3\",\"arbiter\":true,"
                          "\"zone_checking\":\"strict\"}",
                          2, "\"role\":\"arbiter\"");
    /* No device carries media=nvme: refused, with the tag rule as the reason. */
    ok &= expect_failure(cluster, "vol-nvme",
                         "{\"name\":\"vol-nvme\",\"size\":\"10GiB\","
                         "\"device_tag_match\":[\"media=nvme\"]}",
                         GP_RESULT_INFEASIBLE);
    /* A misspelt field is an error naming it, not a silent default. */
    ok &= expect_failure(cluster, "vol-typo", "{\"size\":\"10GiB\",\"replicas\":3}",
                         GP_RESULT_INVALID_REQUEST);

    rc = gp_cluster_free(cluster);
    if (rc != GP_RESULT_OK) {
        print_last_error("free", rc);
        ok = 0;
    }

    const char *iterations = getenv("GP_TIMING_ITERATIONS");
    long n = iterations != NULL ? strtol(iterations, NULL, 10) : 2000;
    if (n > 0) {
        ok &= time_calls(n);
    }
    printf("%s\n", ok ? "OK" : "NOT OK");
    return ok ? 0 : 1;
}
