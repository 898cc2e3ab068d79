/* mx.c -- error reports and time conversion shared by every module. */
#include "mx.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

mx_time mx_time_from_s(double s)
{
    if (!(s > 0)) /* also catches NaN */
        return 0;
    double ns = s * (double)MX_NS_PER_S;
    if (ns >= (double)MX_TIME_CAP)
        return MX_TIME_CAP;
    /* llround(ns), without its call (3 % of a busy run's instructions): ns > 0 and
     * below 2^63, so the cast truncates; below 2^52, t and ns - t are exact (t <=
     * ns < 2t once ns >= 1; t = 0 below), and halves go up, as llround's do;
     * from 2^52 on, ns is a whole number and the cast exact. */
    mx_time t = (mx_time)ns;
    return ns - (double)t >= 0.5 ? t + 1 : t;
}

double mx_wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int mx_fail(struct mx_err *e, enum mx_status s, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->status = s;
    }
    return (int)s;
}

const char *mx_err_format(const struct mx_err *e, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    if (e->file && e->line > 0 && e->col > 0)
        n += (size_t)snprintf(buf + n, len - n, "%s:%d:%d: ", e->file, e->line, e->col);
    else if (e->file && e->line > 0)
        n += (size_t)snprintf(buf + n, len - n, "%s:%d: ", e->file, e->line);
    else if (e->file)
        n += (size_t)snprintf(buf + n, len - n, "%s: ", e->file);
    if (n < len && e->where[0])
        n += (size_t)snprintf(buf + n, len - n, "%s: ", e->where);
    if (n < len)
        n += (size_t)snprintf(buf + n, len - n, "%s", e->msg);
    if (n < len && e->hint[0])
        snprintf(buf + n, len - n, "; did you mean \"%s\"?", e->hint);
    return buf;
}

int mx_exit_code(enum mx_status s)
{
    switch (s) {
    case MX_OK:
        return 0;
    case MX_EINPUT:
        return 2;
    default:
        return 3;
    }
}

void mx_err_file(struct mx_err *e, const char *path)
{
    snprintf(e->file_buf, sizeof e->file_buf, "%s", path);
    e->file = e->file_buf;
}

/* did you mean: Levenshtein distance over at most 64 characters */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *mx_nearest(const char *word, const char *const *cand, size_t n)
{
    size_t limit = strlen(word) / 3 > 2 ? strlen(word) / 3 : 2, best = (size_t)-1;
    const char *pick = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, cand[i]);
        if (d <= limit && d < best)
            best = d, pick = cand[i];
    }
    return pick;
}
