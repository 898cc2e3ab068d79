/* dist.c -- see dist.h. */
#include "dist.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "rng.h"
#include "units.h"

struct form {
    const char *name;
    enum dist_kind kind;
    int nargs;
    bool time[2]; /* which arguments are durations */
    const char *usage;
};

static const struct form forms[] = {
    {"const", DIST_CONST, 1, {true, false}, "const(X)"},
    {"exp", DIST_EXP, 1, {true, false}, "exp(MEAN)"},
    {"uniform", DIST_UNIFORM, 2, {true, true}, "uniform(A, B)"},
    {"lognormal", DIST_LOGNORMAL, 2, {true, false}, "lognormal(MEDIAN, SIGMA)"},
    {"gamma", DIST_GAMMA, 2, {false, true}, "gamma(SHAPE, SCALE)"},
    {"weibull", DIST_WEIBULL, 2, {false, true}, "weibull(SHAPE, SCALE)"},
};

#define DIST_USAGE                                                                            \
    "a distribution: const(X), exp(MEAN), uniform(A, B), lognormal(MEDIAN, SIGMA), "         \
    "gamma(SHAPE, SCALE), weibull(SHAPE, SCALE), empirical(FILE.csv) or a duration"

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    size_t k = strspn(s, " \t");
    memmove(s, s + k, n - k + 1);
}

static int parse_arg(char *s, bool is_time, const struct form *f, double *out,
                     struct mx_err *err)
{
    trim(s);
    if (is_time) {
        mx_time t;
        if (units_parse_duration(s, &t, err) != MX_OK)
            return mx_fail(err, MX_EINPUT, "%s: expected a duration such as 250ms or 30s, got \"%s\"",
                           f->usage, s);
        *out = mx_time_to_s(t);
        return MX_OK;
    }
    if (units_parse_number(s, out, err) != MX_OK)
        return mx_fail(err, MX_EINPUT, "%s: expected a number, got \"%s\"", f->usage, s);
    return MX_OK;
}

bool dist_empirical_path(const char *s, char *path, size_t len)
{
    s += strspn(s, " \t");
    if (strncmp(s, "empirical", 9) != 0)
        return false;
    const char *open = s + 9 + strspn(s + 9, " \t");
    const char *close = strrchr(s, ')');
    if (*open != '(' || !close || close[1 + strspn(close + 1, " \t")] != '\0')
        return false;
    open += 1 + strspn(open + 1, " \t");
    size_t n = (size_t)(close - open);
    while (n && (open[n - 1] == ' ' || open[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= len)
        return false;
    memcpy(path, open, n);
    path[n] = '\0';
    return true;
}

int dist_parse(const char *s, struct dist *out, struct mx_err *err)
{
    char buf[128];
    if (strlen(s) >= sizeof buf)
        return mx_fail(err, MX_EINPUT, "expected %s, got a value of %zu characters", DIST_USAGE,
                       strlen(s));
    strcpy(buf, s);
    trim(buf);
    char *open = strchr(buf, '(');
    if (!open) {
        mx_time t;
        if (units_parse_duration(buf, &t, err) != MX_OK)
            return mx_fail(err, MX_EINPUT, "expected %s, got \"%s\"", DIST_USAGE, s);
        *out = (struct dist){.kind = DIST_CONST, .a = mx_time_to_s(t)};
        return MX_OK;
    }
    *open = '\0';
    trim(buf);
    const struct form *f = NULL;
    for (size_t i = 0; i < MX_ARRAY_LEN(forms); i++)
        if (strcmp(buf, forms[i].name) == 0)
            f = &forms[i];
    if (!f)
        return mx_fail(err, MX_EINPUT, "expected %s, got \"%s\"", DIST_USAGE, s);
    char *args = open + 1, *close = strrchr(args, ')');
    if (!close || close[strspn(close + 1, " \t") + 1] != '\0')
        return mx_fail(err, MX_EINPUT, "%s: expected a closing \")\", got \"%s\"", f->usage, s);
    *close = '\0';
    char *comma = strchr(args, ',');
    int n = comma ? 2 : 1;
    if (comma && strchr(comma + 1, ','))
        n = 3;
    if (n != f->nargs)
        return mx_fail(err, MX_EINPUT, "%s: expected %d argument%s, got \"%s\"", f->usage, f->nargs,
                       f->nargs == 1 ? "" : "s", s);
    if (comma)
        *comma = '\0';
    struct dist d = {.kind = f->kind};
    if (parse_arg(args, f->time[0], f, &d.a, err) != MX_OK)
        return MX_EINPUT;
    if (comma && parse_arg(comma + 1, f->time[1], f, &d.b, err) != MX_OK)
        return MX_EINPUT;
    switch (d.kind) {
    case DIST_UNIFORM:
        if (d.b < d.a)
            return mx_fail(err, MX_EINPUT, "%s: expected A <= B, got \"%s\"", f->usage, s);
        break;
    case DIST_EXP:
    case DIST_LOGNORMAL:
        if (d.a <= 0)
            return mx_fail(err, MX_EINPUT, "%s: expected a positive %s, got \"%s\"", f->usage,
                           d.kind == DIST_EXP ? "MEAN" : "MEDIAN", s);
        d.log_a = log(d.a);
        break;
    case DIST_GAMMA:
    case DIST_WEIBULL:
        if (d.a <= 0 || d.b <= 0)
            return mx_fail(err, MX_EINPUT, "%s: expected a positive SHAPE and SCALE, got \"%s\"",
                           f->usage, s);
        break;
    case DIST_CONST:
    case DIST_EMPIRICAL: /* not in forms: the scenario reader loads it */
        break;
    }
    *out = d;
    return MX_OK;
}

mx_time dist_draw(const struct dist *d, struct rng_stream *rng)
{
    double x;
    switch (d->kind) {
    case DIST_CONST:
        return mx_time_from_s(d->a);
    case DIST_EXP:
        x = gsl_ran_exponential(rng->r, d->a);
        break;
    case DIST_UNIFORM:
        x = gsl_ran_flat(rng->r, d->a, d->b);
        break;
    case DIST_LOGNORMAL:
        x = gsl_ran_lognormal(rng->r, d->log_a, d->b);
        break;
    case DIST_GAMMA:
        x = gsl_ran_gamma(rng->r, d->a, d->b);
        break;
    case DIST_WEIBULL: /* GSL: weibull(a = scale, b = shape) */
        x = gsl_ran_weibull(rng->r, d->b, d->a);
        break;
    case DIST_EMPIRICAL:
        return d->values[rng_below(rng, (uint32_t)d->n_values)];
    default:
        assert(!"unknown distribution");
        return 0;
    }
    return mx_time_from_s(x);
}

double dist_mean_s(const struct dist *d)
{
    switch (d->kind) {
    case DIST_CONST:
    case DIST_EXP:
        return d->a;
    case DIST_UNIFORM:
        return (d->a + d->b) / 2;
    case DIST_LOGNORMAL:
        return d->a * exp(d->b * d->b / 2);
    case DIST_GAMMA:
        return d->a * d->b;
    case DIST_WEIBULL:
        return d->b * tgamma(1 + 1 / d->a);
    case DIST_EMPIRICAL:
        return d->a;
    }
    return 0;
}
