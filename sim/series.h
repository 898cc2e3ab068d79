/* series.h -- CSV files of times (and values) read with libcsv: rate profiles and
 * arrival traces. Streamed: a file is read in 64 KiB chunks, never whole.
 * Owns:   one open file and its libcsv parser.
 * Format: one row per line; the first column is a time (a duration such as 90s or
 * 6h, or a bare number of seconds); the second, where the kind reads one, a number
 * >= 0 (profiles) or a duration (a trace's delivery_agent_delay). A first row whose
 * first field is not a time is a header and skipped. Blank lines are skipped.
 * Errors name the file and line. */
#ifndef MXSIM_SERIES_H
#define MXSIM_SERIES_H

#include <stdbool.h>
#include <stdio.h>

#include <csv.h>

#include "mx.h"

#define SERIES_MAX_ROWS 100000000 /* rows of a profile or trace */
#define SERIES_MAX_LINE 65536 /* bytes read without a row ending */

/* What a file holds, and so which columns are read and how. */
enum series_kind {
    SERIES_TIMES,       /* an arrival trace: times in order, later columns ignored */
    SERIES_SAMPLE,      /* empirical(FILE.csv): durations in any order */
    SERIES_PROFILE,     /* time and multiplier (a number >= 0) */
    SERIES_TIMED_WAITS, /* an arrival trace with time and delivery_agent_delay */
};

struct series_row {
    mx_time t;
    double v;  /* SERIES_PROFILE: the multiplier; else 0 */
    mx_time w; /* SERIES_TIMED_WAITS: the duration of the second column; else 0 */
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
    struct series_row *buf; /* rows parsed and not yet taken */
    size_t head, n, cap;
    bool eof;
};

int series_open(struct series *s, const char *path, enum series_kind kind, struct mx_err *err);
/* The next row in *row; 0 = none left (MX_OK), or an error (bad row, I/O). Rows must
 * not go back in time, except in a SERIES_SAMPLE. */
int series_next(struct series *s, struct series_row *row, bool *got, struct mx_err *err);
void series_close(struct series *s);

#endif
