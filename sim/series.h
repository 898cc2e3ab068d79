/* series.h -- CSV files of times (and values) read with libcsv: rate profiles and
 * arrival traces. Streamed: a file is read in 64 KiB chunks, never whole.
 * Owns:   one open file and its libcsv parser.
 * Format: one row per line; the first column is a time (a duration such as 90s or
 * 6h, or a bare number of seconds); the second, in a profile, a number >= 0; in a
 * trace, the columns named by series_columns (trace_columns: each message's own
 * durations), each a duration or empty. A first row whose first field is not a
 * time is a header and skipped. Blank lines are skipped. Errors name the file and
 * line. */
#ifndef MXSIM_SERIES_H
#define MXSIM_SERIES_H

#include <stdbool.h>
#include <stdio.h>

#include <csv.h>

#include "mx.h"

#define SERIES_MAX_ROWS 100000000 /* rows of a profile or trace */
#define SERIES_MAX_LINE 65536 /* bytes read without a row ending */
#define SERIES_MAX_OWN 4 /* a trace's named columns after the time */

/* What a file holds, and so which columns are read and how. */
enum series_kind {
    SERIES_TIMES,   /* an arrival trace: times in order, then the columns named by
                       series_columns (none by default); later columns ignored */
    SERIES_SAMPLE,  /* empirical(FILE.csv): durations in any order */
    SERIES_PROFILE, /* time and multiplier (a number >= 0) */
};

struct series_row {
    mx_time t;
    double v;  /* SERIES_PROFILE: the multiplier; else 0 */
    mx_time own[SERIES_MAX_OWN]; /* SERIES_TIMES: the duration of named column k + 2,
                                    or -1 where its field is empty (or unnamed) */
    int line;
};

struct series {
    FILE *fp;
    const char *path;
    struct csv_parser p;
    enum series_kind kind;
    int line;         /* the line being read, 1-based */
    int rows;         /* data rows taken so far */
    size_t pending;   /* bytes read since a row last ended */
    int field;        /* field index within the current row */
    struct series_row cur;
    mx_time last_t;   /* the last row's time: rows must not go back */
    bool bad, header_seen;
    struct mx_err err;
    const char *const *own_names; /* SERIES_TIMES: the columns after the time */
    unsigned n_own;
    struct series_row *buf; /* rows parsed and not yet taken */
    size_t head, n, cap;
    bool eof;
};

int series_open(struct series *s, const char *path, enum series_kind kind, struct mx_err *err);
/* A trace's (SERIES_TIMES) columns after the time: names[0..n) (n <= SERIES_MAX_OWN),
 * used in messages; names must outlive s. Each row must then have n + 1 fields. Call
 * before the first series_next. */
void series_columns(struct series *s, const char *const *names, unsigned n);
/* The next row in *row; 0 = none left (MX_OK), or an error (bad row, I/O). Rows must
 * not go back in time, except in a SERIES_SAMPLE. */
int series_next(struct series *s, struct series_row *row, bool *got, struct mx_err *err);
void series_close(struct series *s);

#endif
