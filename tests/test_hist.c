/* test_hist.c -- the log-bucketed histogram (sim/hist.h): quantiles within
 * HIST_REL_ERROR of the exact nearest-rank order statistic, exact min, max and
 * mean, the empty case. */
#include <math.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>

#include "dist.h"
#include "hist.h"
#include "rng.h"

static void quiet_gsl(void)
{
    gsl_set_error_handler_off();
}
TestSuite(hist, .init = quiet_gsl);

static int cmp_time(const void *a, const void *b)
{
    mx_time x = *(const mx_time *)a, y = *(const mx_time *)b;
    return (x > y) - (x < y);
}

Test(hist, empty_histogram_reports_zero)
{
    static struct hist h; /* 58 KiB: not on the stack */
    hist_init(&h);
    cr_assert_eq(h.count, 0);
    cr_assert_eq(hist_quantile(&h, 0), 0);
    cr_assert_eq(hist_quantile(&h, 0.5), 0);
    cr_assert_eq(hist_quantile(&h, 1), 0);
    cr_assert(hist_mean_s(&h) == 0);
}

Test(hist, nearest_rank_at_small_n_is_exact)
{
    /* 1..10 ns, added out of order. Rank ceil(q n), at least 1. */
    static struct hist h;
    hist_init(&h);
    static const mx_time v[] = {7, 3, 10, 1, 9, 2, 8, 5, 4, 6};
    for (size_t k = 0; k < MX_ARRAY_LEN(v); k++)
        hist_add(&h, v[k]);
    static const struct {
        double q;
        mx_time want;
    } c[] = {
        {0, 1}, {0.05, 1}, {0.1, 1}, {0.11, 2}, {0.5, 5}, {0.51, 6},
        {0.9, 9}, {0.91, 10}, {0.99, 10}, {1, 10},
    };
    for (size_t k = 0; k < MX_ARRAY_LEN(c); k++)
        cr_assert_eq(hist_quantile(&h, c[k].q), c[k].want, "q %.2f gave %lld, expected %lld",
                     c[k].q, (long long)hist_quantile(&h, c[k].q), (long long)c[k].want);
    cr_assert_eq(h.min, 1);
    cr_assert_eq(h.max, 10);
    cr_assert(hist_mean_s(&h) == 5.5e-9);
}

Test(hist, one_value_is_every_quantile_exactly)
{
    /* 123456789 ns lies in a bucket 2^19 wide; clamping to [min, max] makes every
     * quantile exact rather than the bucket's midpoint. */
    static struct hist h;
    hist_init(&h);
    hist_add(&h, 123456789);
    for (int k = 0; k <= 10; k++)
        cr_assert_eq(hist_quantile(&h, k / 10.0), 123456789, "q %d/10", k);
}

/* 100001 lognormal draws (median 10 s, sigma 2.5: from ~0.1 ms to days) plus each
 * integer 0..127 ns twenty times: n = 102561. n is coprime to 10, so q n is never
 * an integer for the decimal quantiles below and the rank ceil(q n) does not
 * depend on rounding in q n. The reference sorts and takes the rank exactly. */
enum { N_LOG = 100001, N_SMALL = 128 * 20, N = N_LOG + N_SMALL };

Test(hist, quantiles_within_rel_error_of_exact_order_statistics)
{
    static struct hist h;
    static mx_time v[N];
    struct dist d;
    struct rng_stream s;
    hist_init(&h);
    cr_assert_eq(dist_parse("lognormal(10s, 2.5)", &d, NULL), MX_OK);
    cr_assert_eq(rng_init(&s, rng_derive(11, 0, 0, "hist")), MX_OK);
    unsigned __int128 sum = 0;
    for (size_t i = 0; i < N; i++) {
        v[i] = i < N_LOG ? dist_draw(&d, &s) : (mx_time)((i - N_LOG) % 128);
        hist_add(&h, v[i]);
        sum += (uint64_t)v[i];
    }
    rng_fini(&s);
    qsort(v, N, sizeof v[0], cmp_time);
    cr_assert_lt(v[N_SMALL], MX_NS_PER_S / 1000, "draws reach below 1 ms");
    cr_assert_gt(v[N - 1], 86400 * MX_NS_PER_S, "draws reach past a day");

    cr_assert_eq(h.count, N);
    cr_assert_eq(h.min, v[0]);
    cr_assert_eq(h.max, v[N - 1]);
    cr_assert(hist_mean_s(&h) == (double)sum / N / (double)MX_NS_PER_S);

    /* q = num/den for every per-mille, and three tail quantiles. */
    for (uint64_t k = 0; k <= 1003; k++) {
        uint64_t num = k, den = 1000;
        if (k > 1000) {
            num = k == 1001 ? 9999 : k == 1002 ? 99999 : 999999;
            den = k == 1001 ? 10000 : k == 1002 ? 100000 : 1000000;
        }
        uint64_t rank = (num * N + den - 1) / den;
        mx_time exact = v[rank ? rank - 1 : 0];
        mx_time got = hist_quantile(&h, (double)num / (double)den);
        double err = fabs((double)got - (double)exact);
        cr_assert(err <= HIST_REL_ERROR * (double)exact,
                  "q %llu/%llu: got %lld, exact %lld, relative error %.3g > %.3g",
                  (unsigned long long)num, (unsigned long long)den, (long long)got,
                  (long long)exact, err / (double)exact, HIST_REL_ERROR);
        if (exact < 128) /* one bucket per value: exact */
            cr_assert_eq(got, exact, "q %llu/%llu", (unsigned long long)num,
                         (unsigned long long)den);
    }
}

Test(hist, mean_is_exact_past_double_and_int64_precision)
{
    /* Four values of 2^62 and 100000 of 1 ns: the sum 2^64 + 100000 overflows
     * 64 bits, and a double accumulator would drop every 1 ns added to 2^62. */
    static struct hist h;
    hist_init(&h);
    const mx_time big = INT64_C(1) << 62;
    for (int i = 0; i < 4; i++)
        hist_add(&h, big);
    for (int i = 0; i < 100000; i++)
        hist_add(&h, 1);
    unsigned __int128 sum = ((unsigned __int128)1 << 64) + 100000;
    double want = (double)sum / 100004 / (double)MX_NS_PER_S;
    cr_assert(hist_mean_s(&h) == want, "mean %.17g s, expected %.17g s", hist_mean_s(&h), want);
    cr_assert_eq(h.min, 1);
    cr_assert_eq(h.max, big);
    cr_assert_eq(hist_quantile(&h, 0.5), 1);
    cr_assert_eq(hist_quantile(&h, 1), big);
}
