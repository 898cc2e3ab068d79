/* fuzz_series.c -- libFuzzer harness for the CSV reader of profiles and traces
 * (sim/series.h: series_open, series_next, series_close), as sim/scen.c reads them
 * at load and sim/traffic.c streams a trace during a run.
 *
 * Input: the CSV file itself. It is written to a fixed per-process path and read
 * three times, as a trace (SERIES_TIMES), as a profile (SERIES_PROFILE) and as a
 * trace with all four own columns (SERIES_TIMES after series_columns: what
 * trace_columns names), row by row until the end or an error.
 * Besides the sanitizers, it checks what callers rely on:
 *   - every row: t >= 0, t not before the previous row's t, a line number from 1 to
 *     the number of line ends + 1 that never goes back; as a trace, v == 0 and
 *     every own[k] == -1; as a profile, v >= 0 and finite, own[k] == -1; with own
 *     columns, v == 0 and each own[k] -1 (an empty field) or >= 0;
 *   - no more rows than line ends (CR or LF) + 1, nor than SERIES_MAX_ROWS;
 *   - an error is MX_EINPUT, MX_EIO or MX_ENOMEM with err.status equal to it, names
 *     the file, has a line in [0, line ends + 1], and formats (mx_err_format);
 *   - after the last row (got == false, MX_OK), asking again gives no row again;
 *   - the profile and own-column readings succeed only on inputs where the
 *     1-column reading succeeds with the same times and lines (a profile, or a
 *     trace with own columns, is a trace with more columns).
 *
 * Build: see tests/fuzz/run.sh. */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "mx.h"
#include "series.h"

#define FUZZ_NAME "fuzz_series"
#include "fuzz_util.h"

#define FUZZ_KEEP 4096 /* rows remembered for the cross-check (max_len 4096: enough) */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_init_file("csv");
    return 0;
}

struct reading {
    int rc;
    size_t rows;
    mx_time t[FUZZ_KEEP];
    int line[FUZZ_KEEP];
};

static const char *const own_names[SERIES_MAX_OWN] = {"delivery_agent_delay", "connect_latency",
                                                      "rset_latency", "session_time"};

static void read_all(enum series_kind kind, unsigned n_own, int max_line, int max_rows,
                     struct reading *out)
{
    struct series s;
    struct mx_err err = {0};
    char buf[600];
    out->rows = 0;
    out->rc = series_open(&s, fuzz_path, kind, &err);
    CHECK(out->rc == MX_OK); /* the file exists and is readable */
    if (n_own)
        series_columns(&s, own_names, n_own);
    mx_time last = 0;
    int last_line = 1;
    for (;;) {
        struct series_row row;
        bool got = false;
        int rc = series_next(&s, &row, &got, &err);
        if (rc != MX_OK) {
            CHECK(rc == MX_EINPUT || rc == MX_EIO || rc == MX_ENOMEM);
            CHECK((int)err.status == rc);
            CHECK(rc == MX_ENOMEM || (err.file && strcmp(err.file, fuzz_path) == 0));
            CHECK(err.line >= 0 && err.line <= max_line);
            mx_err_format(&err, buf, sizeof buf);
            out->rc = rc;
            break;
        }
        if (!got) { /* the end: stays the end */
            got = true;
            CHECK(series_next(&s, &row, &got, &err) == MX_OK && !got);
            break;
        }
        CHECK(row.t >= 0 && row.t >= last);
        CHECK(row.line >= 1 && row.line <= max_line && row.line >= last_line);
        if (kind == SERIES_PROFILE)
            CHECK(row.v >= 0 && isfinite(row.v));
        else
            CHECK(row.v == 0);
        for (unsigned k = 0; k < SERIES_MAX_OWN; k++)
            CHECK(k < n_own ? row.own[k] >= -1 : row.own[k] == -1);
        last = row.t;
        last_line = row.line;
        if (out->rows < FUZZ_KEEP) {
            out->t[out->rows] = row.t;
            out->line[out->rows] = row.line;
        }
        out->rows++;
        CHECK(out->rows <= (size_t)max_rows && out->rows <= SERIES_MAX_ROWS);
    }
    series_close(&s);
}

static struct reading one, two, waits;

static void same_rows(const struct reading *two)
{
    if (two->rc != MX_OK)
        return;
    CHECK(one.rc == MX_OK && one.rows == two->rows);
    size_t n = one.rows < FUZZ_KEEP ? one.rows : FUZZ_KEEP;
    for (size_t i = 0; i < n; i++)
        CHECK(one.t[i] == two->t[i] && one.line[i] == two->line[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(fuzz_path, "wb");
    if (!f)
        abort();
    if (size)
        fwrite(data, 1, size, f);
    fclose(f);
    int max_line = 1, max_rows = 1; /* a row ends at CR or LF; only LF starts a line */
    for (size_t i = 0; i < size; i++) {
        max_line += data[i] == '\n';
        max_rows += data[i] == '\n' || data[i] == '\r';
    }
    read_all(SERIES_TIMES, 0, max_line, max_rows, &one);
    read_all(SERIES_PROFILE, 0, max_line, max_rows, &two);
    read_all(SERIES_TIMES, SERIES_MAX_OWN, max_line, max_rows, &waits);
    /* A valid profile, or trace with own columns, is a valid trace with the same
     * rows. (Not the converse: a trace row may lack the later columns.) */
    same_rows(&two);
    same_rows(&waits);
    return 0;
}
