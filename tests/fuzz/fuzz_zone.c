/* fuzz_zone.c -- libFuzzer harness for zone_add_file and zone_add_text (sim/zone.h).
 *
 * Input: an RFC 1035 master file. It is written to a fixed per-process path and
 * read with zone_add_file into a fresh zone; then every line of the input (up to
 * FUZZ_MAX_LINES) is also given to zone_add_text, as a [dns] record = line would
 * be, into a second zone. Each zone is then walked through every accessor of
 * zone.h, checking that every id it hands out is in range and every name and
 * address text is canonical (what runs rely on). Failures format their report.
 *
 * Build: see tests/fuzz/run.sh. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "mx.h"
#include "zone.h"

#define FUZZ_NAME "fuzz_zone"
#include "fuzz_util.h"

#define FUZZ_MAX_LINES 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_init_file("zone");
    return 0;
}

static void walk(const struct zone *z)
{
    size_t nn = zone_n_names(z), na = zone_n_addrs(z), most = 1;
    for (uint32_t a = 0; a < na; a++) {
        const char *t = zone_addr_text(z, a);
        char canon[64];
        CHECK(t && zone_canon_addr(t, canon, sizeof canon, NULL) == MX_OK);
        CHECK(strcmp(t, canon) == 0 && zone_addr(z, t) == a);
    }
    for (uint32_t i = 0; i < nn; i++) {
        const char *t = zone_name_text(z, i);
        char canon[300];
        CHECK(t && zone_canon_name(t, canon, sizeof canon, NULL) == MX_OK);
        CHECK(strcmp(t, canon) == 0 && zone_name(z, t) == i);
        size_t n;
        const struct zone_mx *mx = zone_mx(z, i, &n);
        CHECK(n == 0 || mx);
        most = n > most ? n : most;
        for (size_t k = 0; k < n; k++)
            CHECK(mx[k].host == ZONE_NONE || mx[k].host < nn);
        const uint32_t *ad = zone_addrs(z, i, &n);
        CHECK(n == 0 || ad);
        most = n > most ? n : most;
        for (size_t k = 0; k < n; k++)
            CHECK(ad[k] < na);
        const uint32_t *ns = zone_ns(z, i, &n);
        for (size_t k = 0; k < n; k++)
            CHECK(ns[k] < nn);
        uint32_t c = zone_cname(z, i);
        CHECK(c == ZONE_NONE || c < nn);
        for (int set = 0; set < ZONE_SETS; set++)
            (void)zone_ttl(z, i, (enum zone_set)set);
    }
    CHECK(zone_max_set(z) == most);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(fuzz_path, "w");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    struct zone *z = NULL;
    struct mx_err err = {0};
    char buf[600];
    if (zone_new(&z) != MX_OK)
        return 0;
    int rc = zone_add_file(z, fuzz_path, &err);
    CHECK(rc == MX_OK || rc == MX_EINPUT || rc == MX_ENOMEM);
    if (rc != MX_OK) {
        CHECK((int)err.status == rc && err.file == fuzz_path);
        mx_err_format(&err, buf, sizeof buf);
    }
    walk(z); /* what was added before an error stays consistent */
    zone_free(z);
    unlink(fuzz_path);

    /* The same text, line by line, as [dns] record = lines. */
    if (zone_new(&z) != MX_OK)
        return 0;
    char line[1001];
    size_t lines = 0;
    for (size_t i = 0; i < size && lines < FUZZ_MAX_LINES; lines++) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
        if (len < sizeof line && !memchr(data + i, '\0', len)) {
            memcpy(line, data + i, len);
            line[len] = '\0';
            struct mx_err e2 = {0};
            rc = zone_add_text(z, line, &e2);
            CHECK(rc == MX_OK || rc == MX_EINPUT || rc == MX_ENOMEM);
            if (rc != MX_OK)
                mx_err_format(&e2, buf, sizeof buf);
        }
        i += len + 1;
    }
    walk(z);
    zone_free(z);
    return 0;
}
