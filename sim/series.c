/* series.c -- see series.h. */
#include "series.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

static void clear_row(struct series_row *row)
{
    row->t = -1;
    row->v = 0;
    for (unsigned k = 0; k < SERIES_MAX_OWN; k++)
        row->own[k] = -1;
}

int series_open(struct series *s, const char *path, enum series_kind kind, struct mx_err *err)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->kind = kind;
    clear_row(&s->cur);
    s->line = 1;
    /* REPALL_NL: every line end is reported, blank lines too, so lines can be
     * counted (a row ends at CR or LF; only LF starts a new line) */
    if (csv_init(&s->p, CSV_APPEND_NULL | CSV_REPALL_NL) != 0)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    /* libcsv grows a field by this much at a time (128 bytes by default: a long
     * field costs quadratic copying before SERIES_MAX_LINE stops it) */
    csv_set_blk_size(&s->p, 4096);
    s->fp = fopen(path, "rb");
    if (!s->fp) {
        csv_free(&s->p);
        mx_err_file(err, path);
        return mx_fail(err, MX_EINPUT, "cannot open: %s", strerror(errno));
    }
    return MX_OK;
}

void series_columns(struct series *s, const char *const *names, unsigned n)
{
    assert(s->kind == SERIES_TIMES && n <= SERIES_MAX_OWN && s->rows == 0);
    s->own_names = names;
    s->n_own = n;
}

void series_close(struct series *s)
{
    if (s->fp)
        fclose(s->fp);
    s->fp = NULL;
    csv_free(&s->p);
    free(s->buf);
    s->buf = NULL;
}

static void fail_row(struct series *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail_row(struct series *s, const char *fmt, ...)
{
    if (s->bad)
        return;
    s->bad = true;
    mx_err_file(&s->err, s->path);
    s->err.line = s->line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err.msg, sizeof s->err.msg, fmt, ap);
    va_end(ap);
    s->err.status = MX_EINPUT;
}

/* libcsv: one field is complete. */
static void on_field(void *data, size_t len, void *ctx)
{
    struct series *s = ctx;
    const char *f = data ? data : "";
    (void)len;
    while (*f == ' ' || *f == '\t')
        f++;
    struct mx_err e = {0};
    if (s->field == 0) {
        if (units_parse_duration(f, &s->cur.t, &e) != MX_OK) {
            if (!s->header_seen)
                s->cur.t = -2; /* a header row */
            else
                fail_row(s, "expected a time such as 90s, 6h or 3600, got \"%s\"", f);
        }
    } else if (s->cur.t != -2) {
        if (s->kind == SERIES_PROFILE && s->field == 1) {
            if (units_parse_number(f, &s->cur.v, &e) != MX_OK)
                fail_row(s, "expected a number >= 0, got \"%s\"", f);
        } else if (s->kind == SERIES_TIMES && (unsigned)s->field <= s->n_own && *f) {
            /* a named column; an empty field stays -1 (no value: the draw) */
            const char *name = s->own_names[s->field - 1];
            if (units_parse_duration(f, &s->cur.own[s->field - 1], &e) != MX_OK)
                fail_row(s, "expected a %s such as 50ms or 0.2, got \"%s\"", name, f);
        }
    }
    s->field++;
}

/* libcsv: a row is complete. */
static void take_row(struct series *s, int fields);

static void on_row(int c, void *ctx)
{
    struct series *s = ctx;
    int fields = s->field;
    s->field = 0;
    if (fields > 0 && !s->bad)
        take_row(s, fields);
    if (c == '\n')
        s->line++;
}

static void take_row(struct series *s, int fields)
{
    if (s->cur.t == -2) { /* the header */
        s->header_seen = true;
        s->cur.t = -1;
        return;
    }
    s->header_seen = true;
    if (s->kind == SERIES_PROFILE && fields < 2) {
        fail_row(s, "expected two columns, time and multiplier");
        return;
    }
    if (s->kind == SERIES_TIMES && fields < (int)s->n_own + 1) {
        static const char *const count[] = {"", "", "two", "three", "four", "five"};
        char names[256] = "time";
        for (unsigned k = 0; k < s->n_own; k++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                     k + 1 == s->n_own ? " and " : ", ", s->own_names[k]);
        fail_row(s, "expected %s columns, %s", count[s->n_own + 1], names);
        return;
    }
    if (s->cur.t < s->last_t && s->kind != SERIES_SAMPLE) {
        fail_row(s, "expected times in order, got %.9g s after %.9g s", mx_time_to_s(s->cur.t),
                 mx_time_to_s(s->last_t));
        return;
    }
    if (s->rows >= SERIES_MAX_ROWS) {
        fail_row(s, "expected at most %d rows", SERIES_MAX_ROWS);
        return;
    }
    s->last_t = s->cur.t;
    if (s->head + s->n == s->cap) {
        if (s->head > 0) { /* slide the pending rows to the front */
            memmove(s->buf, s->buf + s->head, s->n * sizeof *s->buf);
            s->head = 0;
        } else {
            size_t ncap = s->cap ? s->cap * 2 : 1024;
            struct series_row *nb = realloc(s->buf, ncap * sizeof *nb);
            if (!nb) {
                s->bad = true;
                mx_fail(&s->err, MX_ENOMEM, "out of memory");
                return;
            }
            s->buf = nb;
            s->cap = ncap;
        }
    }
    s->rows++;
    s->cur.line = s->line;
    s->buf[s->head + s->n++] = s->cur;
    clear_row(&s->cur);
}

int series_next(struct series *s, struct series_row *row, bool *got, struct mx_err *err)
{
    char chunk[65536];
    while (s->n == 0 && !s->eof && !s->bad) {
        size_t k = fread(chunk, 1, sizeof chunk, s->fp);
        int line = s->line, rows = s->rows;
        if (k > 0 && csv_parse(&s->p, chunk, k, on_field, on_row, s) != k) {
            mx_err_file(err, s->path);
            return mx_fail(err, MX_EINPUT, "%s", csv_strerror(csv_error(&s->p)));
        }
        /* A line that never ends (/dev/zero, a binary file) would grow libcsv's
         * field buffer for ever: SERIES_MAX_LINE bytes without a row is an error. */
        s->pending = s->line == line && s->rows == rows ? s->pending + k : 0;
        if (s->pending > SERIES_MAX_LINE) {
            mx_err_file(err, s->path);
            err->line = s->line;
            return mx_fail(err, MX_EINPUT, "expected lines of at most %d bytes, got a longer one",
                           SERIES_MAX_LINE);
        }
        if (k < sizeof chunk) {
            if (ferror(s->fp)) {
                int e = errno;
                mx_err_file(err, s->path);
                if (e == EISDIR) /* the user named a directory: bad input, not I/O */
                    return mx_fail(err, MX_EINPUT, "expected a CSV file, got a directory");
                return mx_fail(err, MX_EIO, "cannot read: %s", strerror(e));
            }
            csv_fini(&s->p, on_field, on_row, s);
            s->eof = true;
        }
    }
    if (s->bad && s->n == 0) {
        *err = s->err;
        if (s->err.file == s->err.file_buf)
            err->file = err->file_buf;
        return err->status;
    }
    *got = s->n > 0;
    if (*got) {
        *row = s->buf[s->head++];
        s->n--;
        if (s->n == 0)
            s->head = 0;
    }
    return MX_OK;
}
