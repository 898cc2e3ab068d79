/* test_dist.c -- distribution specs (sim/dist.h): every form with its exact
 * parameters, the exact error messages, and sample means against the stated
 * means with tolerances derived from the CLT. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>

#include "dist.h"
#include "rng.h"

static void quiet_gsl(void)
{
    gsl_set_error_handler_off();
}
TestSuite(dist, .init = quiet_gsl);

#define USAGE                                                                                 \
    "a distribution: const(X), exp(MEAN), uniform(A, B), lognormal(MEDIAN, SIGMA), "         \
    "gamma(SHAPE, SCALE), weibull(SHAPE, SCALE), empirical(FILE.csv) or a duration"

Test(dist, every_form_parses_to_its_exact_parameters)
{
    static const struct {
        const char *s;
        enum dist_kind kind;
        double a, b; /* seconds for times */
    } ok[] = {
        {"const(3s)", DIST_CONST, 3, 0},
        {"exp(250ms)", DIST_EXP, 0.25, 0},
        {"uniform(0.1s, 1.5m)", DIST_UNIFORM, 0.1, 90},
        {"uniform(2s, 2s)", DIST_UNIFORM, 2, 2},
        {"lognormal(2s, 0.5)", DIST_LOGNORMAL, 2, 0.5},
        {"gamma(2, 3s)", DIST_GAMMA, 2, 3},
        {"weibull(1.5, 2h)", DIST_WEIBULL, 1.5, 7200},
        {"250ms", DIST_CONST, 0.25, 0},  /* a bare duration is const */
        {"45", DIST_CONST, 45, 0},       /* a bare number is seconds */
        {"  exp ( 5s )  ", DIST_EXP, 5, 0},
        {"uniform(1s,3s)", DIST_UNIFORM, 1, 3},
        {"gamma( 0.5 ,\t1d )", DIST_GAMMA, 0.5, 86400},
        {"const(0)", DIST_CONST, 0, 0},
    };
    for (size_t k = 0; k < MX_ARRAY_LEN(ok); k++) {
        struct dist d;
        struct mx_err err = {0};
        cr_assert_eq(dist_parse(ok[k].s, &d, &err), MX_OK, "\"%s\": %s", ok[k].s, err.msg);
        cr_assert(d.kind == ok[k].kind && d.a == ok[k].a && d.b == ok[k].b,
                  "\"%s\": kind %d, a %.17g, b %.17g", ok[k].s, (int)d.kind, d.a, d.b);
    }
}

Test(dist, bad_specs_are_rejected_with_the_exact_message)
{
    static const struct {
        const char *s, *msg;
    } bad[] = {
        /* unknown name, or neither a form nor a duration */
        {"normal(1s, 2s)", "expected " USAGE ", got \"normal(1s, 2s)\""},
        {"Exp(1s)", "expected " USAGE ", got \"Exp(1s)\""},
        {"fast", "expected " USAGE ", got \"fast\""},
        {"", "expected " USAGE ", got \"\""},
        /* wrong argument count */
        {"exp(1s, 2s)", "exp(MEAN): expected 1 argument, got \"exp(1s, 2s)\""},
        {"uniform(1s)", "uniform(A, B): expected 2 arguments, got \"uniform(1s)\""},
        {"gamma(1, 2s, 3)", "gamma(SHAPE, SCALE): expected 2 arguments, got \"gamma(1, 2s, 3)\""},
        /* bad argument: the message quotes the argument, trimmed */
        {"exp(fast)", "exp(MEAN): expected a duration such as 250ms or 30s, got \"fast\""},
        {"exp(-1s)", "exp(MEAN): expected a duration such as 250ms or 30s, got \"-1s\""},
        {"uniform(1s, )", "uniform(A, B): expected a duration such as 250ms or 30s, got \"\""},
        {"lognormal(1s, wide)", "lognormal(MEDIAN, SIGMA): expected a number, got \"wide\""},
        {"gamma(2s, 3s)", "gamma(SHAPE, SCALE): expected a number, got \"2s\""},
        /* missing or misplaced closing parenthesis */
        {"exp(5s", "exp(MEAN): expected a closing \")\", got \"exp(5s\""},
        {"exp(5s) x", "exp(MEAN): expected a closing \")\", got \"exp(5s) x\""},
        /* parameter constraints */
        {"uniform(5s, 1s)", "uniform(A, B): expected A <= B, got \"uniform(5s, 1s)\""},
        {"exp(0s)", "exp(MEAN): expected a positive MEAN, got \"exp(0s)\""},
        {"lognormal(0, 1)", "lognormal(MEDIAN, SIGMA): expected a positive MEDIAN, got "
                            "\"lognormal(0, 1)\""},
        {"gamma(0, 1s)", "gamma(SHAPE, SCALE): expected a positive SHAPE and SCALE, got "
                         "\"gamma(0, 1s)\""},
        {"weibull(1, 0s)", "weibull(SHAPE, SCALE): expected a positive SHAPE and SCALE, got "
                           "\"weibull(1, 0s)\""},
    };
    for (size_t k = 0; k < MX_ARRAY_LEN(bad); k++) {
        struct dist d = {.kind = DIST_EXP, .a = -7};
        struct mx_err err = {0};
        cr_assert_eq(dist_parse(bad[k].s, &d, &err), MX_EINPUT, "\"%s\" accepted", bad[k].s);
        cr_assert_eq(err.status, MX_EINPUT);
        cr_assert_str_eq(err.msg, bad[k].msg);
        cr_assert(d.kind == DIST_EXP && d.a == -7, "\"%s\": output written on error", bad[k].s);
    }
}

Test(dist, over_long_spec_is_rejected_by_length)
{
    char s[131];
    memset(s, 'x', 130);
    s[130] = '\0';
    struct dist d;
    struct mx_err err = {0};
    cr_assert_eq(dist_parse(s, &d, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "expected " USAGE ", got a value of 130 characters");
}

Test(dist, const_draws_exactly_its_value)
{
    struct dist d;
    struct rng_stream s;
    cr_assert_eq(dist_parse("const(1.5ms)", &d, NULL), MX_OK);
    cr_assert_eq(rng_init(&s, rng_derive(7, 0, 0, "dist.const")), MX_OK);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(dist_draw(&d, &s), 1500000);
    cr_assert(dist_mean_s(&d) == 0.0015);
    rng_fini(&s);
}

/* Draws N values of spec from the stream named `stream` (seed 7, point 0, rep 0)
 * and returns the sample mean and (unbiased) variance in seconds. Draws are
 * rounded to whole ns, a bias under 1e-9 s, far below every tolerance here. */
enum { N = 100000 };
static void sample(const char *spec, const char *stream, double *mean, double *var)
{
    struct dist d;
    struct mx_err err = {0};
    struct rng_stream s;
    cr_assert_eq(dist_parse(spec, &d, &err), MX_OK, "\"%s\": %s", spec, err.msg);
    cr_assert_eq(rng_init(&s, rng_derive(7, 0, 0, stream)), MX_OK);
    double m = 0, m2 = 0; /* Welford */
    for (long i = 1; i <= N; i++) {
        mx_time t = dist_draw(&d, &s);
        cr_assert_geq(t, 0);
        double x = mx_time_to_s(t), dx = x - m;
        m += dx / (double)i;
        m2 += dx * (x - m);
    }
    rng_fini(&s);
    *mean = m;
    *var = m2 / (N - 1);
}

/* Checks that dist_mean_s(spec) is the stated mean `mu`, and that the sample mean
 * of N draws is within 4.5 standard errors of it: se = sqrt(var / N) by the CLT,
 * P(|Z| > 4.5) = 6.8e-6 two-sided. Returns the sample variance. */
static double check_mean(const char *spec, const char *stream, double mu, double var)
{
    struct dist d;
    cr_assert_eq(dist_parse(spec, &d, NULL), MX_OK);
    cr_assert(fabs(dist_mean_s(&d) - mu) <= 1e-12 * mu, "%s: dist_mean_s %.15g, formula %.15g",
              spec, dist_mean_s(&d), mu);
    double m, v, tol = 4.5 * sqrt(var / N);
    sample(spec, stream, &m, &v);
    cr_assert(fabs(m - mu) <= tol, "%s: sample mean %.6f, mean %.6f, tolerance %.6f", spec, m,
              mu, tol);
    return v;
}

/* exp(2s): mean 2, var = mean^2 = 4; se = 2/sqrt(1e5) = 0.00632, tol 0.0285.
 * Reading the argument as a rate (mean 0.5 s) would miss by 1.5. */
Test(dist, exp_sample_mean_matches_its_mean)
{
    check_mean("exp(2s)", "dist.exp", 2.0, 4.0);
}

/* uniform(1s, 3s): mean (A+B)/2 = 2, var (B-A)^2/12 = 1/3; se 0.00183, tol 0.00822. */
Test(dist, uniform_sample_mean_matches_its_mean)
{
    check_mean("uniform(1s, 3s)", "dist.uniform", 2.0, 1.0 / 3);
}

/* lognormal(1s, 0.5): mu = ln(MEDIAN) = 0, mean = MEDIAN e^(s^2/2) = 1.13315,
 * var = mean^2 (e^(s^2) - 1) = 0.36470; se 0.00191, tol 0.00859. Taking MEDIAN
 * as the mean would miss by 0.133. */
Test(dist, lognormal_sample_mean_matches_its_mean)
{
    check_mean("lognormal(1s, 0.5)", "dist.lognormal", exp(0.125), exp(0.25) * (exp(0.25) - 1));
}

/* gamma(2, 3s): mean k theta = 6, var k theta^2 = 18; se 0.0134, tol 0.0604.
 * The mean is symmetric in k and theta, so the variance is checked too:
 * Var(s^2) ~ sigma^4 (2 + 6/k) / N (excess kurtosis 6/k), sd(s^2) = 18 sqrt(5/1e5)
 * = 0.127, tol 4.5 sd = 0.573. Swapped (gamma(3, 2s)) the variance is 12. */
Test(dist, gamma_sample_mean_and_variance_match)
{
    double v = check_mean("gamma(2, 3s)", "dist.gamma", 6.0, 18.0);
    double tol = 4.5 * 18.0 * sqrt(5.0 / N);
    cr_assert(fabs(v - 18.0) <= tol, "sample variance %.4f, expected 18 +- %.4f", v, tol);
}

/* weibull(1.5, 2s): mean lambda G(1 + 1/k) = 2 G(5/3) = 1.80549, var lambda^2
 * (G(1 + 2/k) - G(1 + 1/k)^2) = 1.50276; se 0.00388, tol 0.0174. Swapping shape
 * and scale (GSL's order) gives mean 1.5 G(1.5) = 1.329. */
Test(dist, weibull_sample_mean_matches_its_mean)
{
    double g1 = tgamma(1 + 1 / 1.5), g2 = tgamma(1 + 2 / 1.5);
    check_mean("weibull(1.5, 2s)", "dist.weibull", 2 * g1, 4 * (g2 - g1 * g1));
}

Test(dist, same_stream_draws_the_same_values)
{
    struct dist d;
    struct rng_stream a, b;
    cr_assert_eq(dist_parse("lognormal(10s, 2)", &d, NULL), MX_OK);
    cr_assert_eq(rng_init(&a, rng_derive(3, 1, 2, "sender")), MX_OK);
    cr_assert_eq(rng_init(&b, rng_derive(3, 1, 2, "sender")), MX_OK);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(dist_draw(&d, &a), dist_draw(&d, &b), "draw %d", i);
    rng_fini(&a);
    rng_fini(&b);
}
