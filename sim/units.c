/* units.c -- see units.h. */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* strtod, but only plain decimals: no sign, hex, inf or nan; at least one digit. */
static int plain_number(const char *s, double *out, const char **end)
{
    const char *p = s;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits++;
    if (digits == 0)
        return -1;
    if (*p == 'e' || *p == 'E') { /* 1e6 */
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (*q >= '0' && *q <= '9') {
            while (*q >= '0' && *q <= '9')
                q++;
            p = q;
        }
    }
    errno = 0;
    char *e;
    *out = strtod(s, &e);
    if (e != p || errno == ERANGE || !isfinite(*out))
        return -1;
    *end = p;
    return 0;
}

int units_parse_number(const char *s, double *out, struct mx_err *err)
{
    const char *end;
    double v;
    if (plain_number(s, &v, &end) != 0 || *end)
        return mx_fail(err, MX_EINPUT, "expected a number such as 0.5, got \"%s\"", s);
    *out = v;
    return MX_OK;
}

int units_parse_int(const char *s, long lo, long hi, long *out, struct mx_err *err)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno == ERANGE || (*s == '+'))
        return mx_fail(err, MX_EINPUT, "expected a whole number, got \"%s\"", s);
    if (v < lo || v > hi)
        return mx_fail(err, MX_EINPUT, "expected a whole number from %ld to %ld, got \"%s\"", lo,
                       hi, s);
    *out = v;
    return MX_OK;
}

int units_parse_bool(const char *s, int *out, struct mx_err *err)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < MX_ARRAY_LEN(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, MX_OK;
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, MX_OK;
    }
    return mx_fail(err, MX_EINPUT, "expected yes or no, got \"%s\"", s);
}

struct unit {
    const char *name;
    double ns;
};
static const struct unit dur_units[] = {
    {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}, {"d", 86400e9}, {"w", 604800e9},
};

int units_parse_duration(const char *s, mx_time *out, struct mx_err *err)
{
    const char *end;
    double v, mult = 0;
    if (plain_number(s, &v, &end) == 0) {
        if (!*end)
            mult = 1e9;
        for (size_t i = 0; !mult && i < MX_ARRAY_LEN(dur_units); i++)
            if (strcmp(end, dur_units[i].name) == 0)
                mult = dur_units[i].ns;
    }
    if (!mult)
        return mx_fail(err, MX_EINPUT,
                       "expected a duration such as 250ms, 30s, 5m, 2h, 5d or 1w, got \"%s\"", s);
    double ns = v * mult;
    if (ns > (double)MX_TIME_CAP)
        return mx_fail(err, MX_EINPUT, "expected a duration of at most 100 years, got \"%s\"", s);
    *out = (mx_time)llround(ns);
    return MX_OK;
}

static const struct unit rate_units[] = {
    {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400},
};

int units_parse_rate(const char *s, double *per_s, struct mx_err *err)
{
    const char *end;
    double v, div = 0;
    if (plain_number(s, &v, &end) == 0 && *end == '/')
        for (size_t i = 0; i < MX_ARRAY_LEN(rate_units); i++)
            if (strcmp(end + 1, rate_units[i].name) == 0)
                div = rate_units[i].ns;
    if (!div)
        return mx_fail(err, MX_EINPUT, "expected a rate such as 20/s, 300/m, 5000/h or 1e5/d, got \"%s\"",
                       s);
    double r = v / div;
    if (r > UNITS_RATE_MAX_PER_S)
        return mx_fail(err, MX_EINPUT, "expected a rate of at most %.0f/s, got \"%s\"",
                       UNITS_RATE_MAX_PER_S, s);
    *per_s = r;
    return MX_OK;
}
