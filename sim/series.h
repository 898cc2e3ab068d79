/* series.h -- CSV files of times (and values) read with libcsv: rate profiles and
 * arrival traces. Streamed: a file is read in 64 KiB chunks, never whole.
 * Owns:   one open file and its libcsv parser.
 * Format: one row per line; the first column is a time (a duration such as 90s or
 * 6h, or a bare number of seconds), the second (profiles) a number >= 0. A first
 * row whose first field is not a time is a header and skipped. Blank lines are
 * skipped. Errors name the file and line. */
#ifndef MXSIM_SERIES_H
#define MXSIM_SERIES_H

#include <stdbool.h>
#include <stdio.h>

#include <csv.h>

#include "mx.h"

#define SERIES_MAX_ROWS 100000000 /* rows of a profile or trace */
#define SERIES_MAX_LINE 65536 /* bytes read without a row ending */

struct series_row {
    mx_time t;
    double v; /* second column, or 0 */
    int line;
};

struct series {
    FILE *fp;
    const char *path;
    struct csv_parser p;
    int columns;      /* 1: times; 2: times and values */
    int line;         /* the line being read, 1-based */
    int rows;         /* data rows taken so far */
    size_t pending;   /* bytes read since a row last ended */
    int field;        /* field index within the current row */
    struct series_row cur;
    mx_time last_t;   /* the last row's time: rows must not go back */
    bool any_order;   /* set after series_open: rows may go back (a sample of values) */
    bool bad, header_seen;
    struct mx_err err;
    struct series_row *buf; /* rows parsed and not yet taken */
    size_t head, n, cap;
    bool eof;
};

int series_open(struct series *s, const char *path, int columns, struct mx_err *err);
/* The next row in *row; 0 = none left (MX_OK), or an error (bad row, I/O). Rows must
 * not go back in time. */
int series_next(struct series *s, struct series_row *row, bool *got, struct mx_err *err);
void series_close(struct series *s);

#endif
