/* mx.c -- error reports and time conversion shared by every module. */
#include "mx.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

mx_time mx_time_from_s(double s)
{
    if (!(s > 0)) /* also catches NaN */
        return 0;
    double ns = s * (double)MX_NS_PER_S;
    if (ns >= (double)MX_TIME_CAP)
        return MX_TIME_CAP;
    return (mx_time)llround(ns);
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
    if (e->file && e->line > 0)
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
