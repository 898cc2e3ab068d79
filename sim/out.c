/* out.c -- see out.h. */
#include "out.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

int out_mkdir(const char *dir, struct mx_err *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return mx_fail(err, MX_EINPUT, "output directory name too long");
    for (char *p = buf + 1;; p++) {
        char c = *p;
        if (c == '/' || c == '\0') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return mx_fail(err, MX_EIO, "cannot create directory %s: %s", buf,
                               strerror(errno));
            *p = c;
        }
        if (!c)
            break;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return mx_fail(err, MX_EIO, "%s is not a directory", dir);
    return MX_OK;
}

/* Creates o->tmp, where the rows go. */
static int create_tmp(struct out *o, struct mx_err *err)
{
    o->fp = fopen(o->tmp, "w");
    if (!o->fp)
        return mx_fail(err, MX_EIO, "cannot create %s: %s", o->tmp, strerror(errno));
    o->first_field = true;
    return MX_OK;
}

int out_open(struct out *o, const char *dir, const char *name, struct mx_err *err)
{
    memset(o, 0, sizeof *o);
    snprintf(o->path, sizeof o->path, "%s/%s", dir, name);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", o->path, (long)getpid());
    return create_tmp(o, err);
}

static void sep(struct out *o)
{
    if (!o->first_field && putc(',', o->fp) == EOF)
        o->failed = true;
    o->first_field = false;
}

void out_str(struct out *o, const char *s)
{
    sep(o);
    /* libcsv quotes always; plain fields are written bare for readability. */
    if (strpbrk(s, ",\"\r\n") == NULL && *s != ' ') {
        if (fputs(s, o->fp) == EOF)
            o->failed = true;
    } else if (csv_fwrite(o->fp, s, strlen(s)) != 0) {
        o->failed = true;
    }
}

void out_u64(struct out *o, uint64_t v)
{
    sep(o);
    if (fprintf(o->fp, "%llu", (unsigned long long)v) < 0)
        o->failed = true;
}

void out_num(struct out *o, double v)
{
    char buf[40];
    sep(o);
    if (!isfinite(v)) {
        snprintf(buf, sizeof buf, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    } else {
        /* The shortest %.Ng that reads back to the same double: exact and stable. */
        for (int prec = 6; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, v);
            if (strtod(buf, NULL) == v)
                break;
        }
    }
    if (fputs(buf, o->fp) == EOF)
        o->failed = true;
}

void out_end_row(struct out *o)
{
    if (putc('\n', o->fp) == EOF)
        o->failed = true;
    o->first_field = true;
}

void out_abort(struct out *o)
{
    if (o->fp)
        fclose(o->fp);
    if (o->fp || o->finished)
        unlink(o->tmp);
    o->fp = NULL;
    o->finished = false;
}

int out_finish(struct out *o, struct mx_err *err)
{
    int e = 0;
    if (o->failed || ferror(o->fp))
        e = errno ? errno : EIO;
    else if (fflush(o->fp) != 0 || fsync(fileno(o->fp)) != 0)
        e = errno;
    if (fclose(o->fp) != 0 && !e)
        e = errno;
    o->fp = NULL;
    o->finished = !e;
    if (e) {
        unlink(o->tmp);
        return mx_fail(err, MX_EIO, "cannot write %s: %s", o->path, strerror(e));
    }
    return MX_OK;
}

int out_commit(struct out *o, struct mx_err *err)
{
    assert(o->finished);
    if (rename(o->tmp, o->path) != 0) {
        int e = errno;
        unlink(o->tmp);
        o->finished = false;
        return mx_fail(err, MX_EIO, "cannot rename %s to %s: %s", o->tmp, o->path, strerror(e));
    }
    o->finished = false;
    return MX_OK;
}

int out_close(struct out *o, struct mx_err *err)
{
    int rc = out_finish(o, err);
    return rc ? rc : out_commit(o, err);
}

int out_open_part(struct out *o, const char *path, struct mx_err *err)
{
    memset(o, 0, sizeof *o);
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->tmp, sizeof o->tmp, "%s", path);
    return create_tmp(o, err);
}

int out_part_close(struct out *o, struct mx_err *err)
{
    int e = o->failed || ferror(o->fp) ? (errno ? errno : EIO) : 0;
    if (fclose(o->fp) != 0 && !e)
        e = errno;
    o->fp = NULL;
    if (e) {
        unlink(o->tmp);
        return mx_fail(err, MX_EIO, "cannot write %s: %s", o->tmp, strerror(e));
    }
    return MX_OK;
}

int out_append_part(struct out *o, const char *path, struct mx_err *err)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return mx_fail(err, MX_EIO, "cannot read %s: %s", path, strerror(errno));
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, o->fp) != n)
            o->failed = true;
    int e = ferror(in) ? (errno ? errno : EIO) : 0;
    fclose(in);
    unlink(path);
    if (e)
        return mx_fail(err, MX_EIO, "cannot read %s: %s", path, strerror(e));
    return MX_OK;
}
