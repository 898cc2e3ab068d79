/* out.h -- CSV output files, written with libcsv, complete or not at all.
 * Owns:   one open output file.
 * A file is written as NAME.tmp.PID in its directory; out_close() flushes, fsyncs,
 * checks fclose and renames it to NAME; out_abort() (and any failure) unlinks the
 * temporary. So an interrupted run never leaves a file that looks complete. */
#ifndef MXSIM_OUT_H
#define MXSIM_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mx.h"

struct out {
    FILE *fp;
    char path[4096], tmp[4200];
    bool first_field; /* no comma before the next field */
    bool failed;
    bool finished;    /* the temporary is complete and closed, not yet renamed */
};

/* Creates dir (and parents) if needed. MX_EIO with the path and errno. */
int out_mkdir(const char *dir, struct mx_err *err);
int out_open(struct out *o, const char *dir, const char *name, struct mx_err *err);
void out_str(struct out *o, const char *s);  /* quoted by libcsv when needed */
void out_u64(struct out *o, uint64_t v);
void out_num(struct out *o, double v);       /* shortest text that reads back the same */
void out_end_row(struct out *o);
/* Flushes, fsyncs and closes the temporary (out_finish), then renames it
 * (out_commit); out_close does both. Writing several files, finish them all, then
 * commit them all, so that an error in any leaves none renamed. */
int out_finish(struct out *o, struct mx_err *err);
int out_commit(struct out *o, struct mx_err *err);
int out_close(struct out *o, struct mx_err *err);
/* Closes and unlinks the temporary of an unfinished or uncommitted file. */
void out_abort(struct out *o);

/* A part: rows that one process writes at exactly `path` and another appends to
 * its own file (a worker's replication, mxsim run -j). out_part_close closes it
 * and keeps it (no fsync: it lives until out_append_part); out_abort unlinks it. */
int out_open_part(struct out *o, const char *path, struct mx_err *err);
int out_part_close(struct out *o, struct mx_err *err);
/* Appends the bytes of the part at path to o, then unlinks the part. */
int out_append_part(struct out *o, const char *path, struct mx_err *err);

#endif
