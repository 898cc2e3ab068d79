/* test_units.c -- durations, rates, numbers, whole numbers and booleans as
 * scenarios write them (sim/units.h), with the exact error messages. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "units.h"

#define DUR_FORMAT "expected a duration such as 250ms, 30s, 5m, 2h, 5d or 1w, got "
#define RATE_FORMAT "expected a rate such as 20/s, 300/m, 5000/h or 1e5/d, got "

static const int64_t NS = MX_NS_PER_S;

Test(units, durations_in_every_unit)
{
    static const struct {
        const char *s;
        mx_time ns;
    } ok[] = {
        {"250ms", 250000000},
        {"30s", 30 * NS},
        {"5m", 300 * NS},
        {"2h", 7200 * NS},
        {"5d", 432000 * NS},
        {"1w", 604800 * NS},
        {"45", 45 * NS},          /* bare number: seconds */
        {"0", 0},
        {"1.5h", 5400 * NS},
        {"0.1s", 100000000},
        {"0.3", 300000000},
        {".5s", 500000000},
        {"2.", 2 * NS},
        {"1e3ms", NS},
        {"0.0000000004s", 0},     /* 0.4 ns rounds to 0 */
        {"0.0000000015s", 2},     /* 1.5 ns rounds to 2 */
        {"36500d", MX_TIME_CAP},  /* exactly 100 years: allowed */
    };
    for (size_t k = 0; k < MX_ARRAY_LEN(ok); k++) {
        struct mx_err err = {0};
        mx_time t = -1;
        cr_assert_eq(units_parse_duration(ok[k].s, &t, &err), MX_OK, "\"%s\": %s", ok[k].s,
                     err.msg);
        cr_assert_eq(t, ok[k].ns, "\"%s\" gave %lld ns, expected %lld", ok[k].s, (long long)t,
                     (long long)ok[k].ns);
    }
}

static void assert_duration_error(const char *s, const char *msg)
{
    struct mx_err err = {0};
    mx_time t = 12345;
    cr_assert_eq(units_parse_duration(s, &t, &err), MX_EINPUT, "\"%s\" accepted", s);
    cr_assert_eq(err.status, MX_EINPUT);
    cr_assert_str_eq(err.msg, msg, "\"%s\"", s);
    cr_assert_eq(t, 12345, "\"%s\": output written on error", s);
}

Test(units, malformed_durations_are_rejected_with_the_exact_message)
{
    static const char *const bad[] = {
        "3o s", "-5s", "", "5x", "inf", "nan", "5 s", "5S", "s", "1e", "0x10s", "+5s",
        "5ms5", "1e400s", "101y", "1,5h",
    };
    char want[200];
    for (size_t k = 0; k < MX_ARRAY_LEN(bad); k++) {
        snprintf(want, sizeof want, DUR_FORMAT "\"%s\"", bad[k]);
        assert_duration_error(bad[k], want);
    }
}

Test(units, durations_over_100_years_are_rejected)
{
    assert_duration_error("36500.001d",
                          "expected a duration of at most 100 years, got \"36500.001d\"");
    assert_duration_error("5215w", "expected a duration of at most 100 years, got \"5215w\"");
    assert_duration_error("1e12", "expected a duration of at most 100 years, got \"1e12\"");
}

Test(units, rates_in_every_unit)
{
    static const struct {
        const char *s;
        double per_s;
    } ok[] = {
        {"20/s", 20}, {"300/m", 5}, {"5000/h", 5000.0 / 3600}, {"1e5/d", 1e5 / 86400},
        {"0.5/s", 0.5}, {"1e7/s", 1e7},
    };
    for (size_t k = 0; k < MX_ARRAY_LEN(ok); k++) {
        struct mx_err err = {0};
        double r = -1;
        cr_assert_eq(units_parse_rate(ok[k].s, &r, &err), MX_OK, "\"%s\": %s", ok[k].s, err.msg);
        cr_assert(r == ok[k].per_s, "\"%s\" gave %.17g/s, expected %.17g", ok[k].s, r,
                  ok[k].per_s);
    }
}

Test(units, malformed_rates_are_rejected_with_the_exact_message)
{
    static const char *const bad[] = {
        "20", "20/y", "20/", "/s", "-20/s", "20 /s", "20/ s", "20/S", "20/sec", "inf/s", "",
    };
    char want[200];
    for (size_t k = 0; k < MX_ARRAY_LEN(bad); k++) {
        struct mx_err err = {0};
        double r = -1;
        cr_assert_eq(units_parse_rate(bad[k], &r, &err), MX_EINPUT, "\"%s\" accepted", bad[k]);
        snprintf(want, sizeof want, RATE_FORMAT "\"%s\"", bad[k]);
        cr_assert_str_eq(err.msg, want);
        cr_assert(r == -1);
    }
}

Test(units, rates_over_the_cap_are_rejected)
{
    struct mx_err err = {0};
    double r;
    cr_assert_eq(units_parse_rate("10000001/s", &r, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "expected a rate of at most 10000000/s, got \"10000001/s\"");
    cr_assert_eq(units_parse_rate("6e8/m", &r, &err), MX_OK, "6e8/m is exactly the cap");
    cr_assert(r == 1e7);
}

Test(units, numbers_are_plain_non_negative_decimals)
{
    struct mx_err err = {0};
    double v;
    cr_assert_eq(units_parse_number("0.5", &v, &err), MX_OK);
    cr_assert(v == 0.5);
    cr_assert_eq(units_parse_number("2.5e-3", &v, &err), MX_OK);
    cr_assert(v == 2.5e-3);
    static const char *const bad[] = {"-1", "", "1s", " 1", "nan", "0x1p3", "1e"};
    char want[200];
    for (size_t k = 0; k < MX_ARRAY_LEN(bad); k++) {
        cr_assert_eq(units_parse_number(bad[k], &v, &err), MX_EINPUT, "\"%s\" accepted", bad[k]);
        snprintf(want, sizeof want, "expected a number such as 0.5, got \"%s\"", bad[k]);
        cr_assert_str_eq(err.msg, want);
    }
}

Test(units, ints_within_range)
{
    struct mx_err err = {0};
    long v;
    cr_assert_eq(units_parse_int("0", 0, 10, &v, &err), MX_OK);
    cr_assert_eq(v, 0);
    cr_assert_eq(units_parse_int("10", 0, 10, &v, &err), MX_OK);
    cr_assert_eq(v, 10);
    cr_assert_eq(units_parse_int("-3", -5, 5, &v, &err), MX_OK);
    cr_assert_eq(v, -3);

    v = 99;
    cr_assert_eq(units_parse_int("11", 0, 10, &v, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "expected a whole number from 0 to 10, got \"11\"");
    cr_assert_eq(units_parse_int("-1", 0, 10, &v, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "expected a whole number from 0 to 10, got \"-1\"");
    cr_assert_eq(v, 99, "output written on error");

    static const char *const bad[] = {"", "1.5", "5x", "+5", "1e3", "99999999999999999999"};
    char want[200];
    for (size_t k = 0; k < MX_ARRAY_LEN(bad); k++) {
        cr_assert_eq(units_parse_int(bad[k], 0, 1000, &v, &err), MX_EINPUT, "\"%s\" accepted",
                     bad[k]);
        snprintf(want, sizeof want, "expected a whole number, got \"%s\"", bad[k]);
        cr_assert_str_eq(err.msg, want);
    }
}

Test(units, bools_accept_yes_no_words_in_any_case)
{
    static const char *const yes[] = {"yes", "true", "on", "1", "YES", "True"};
    static const char *const no[] = {"no", "false", "off", "0", "No", "OFF"};
    struct mx_err err = {0};
    for (size_t k = 0; k < MX_ARRAY_LEN(yes); k++) {
        int b = -1;
        cr_assert_eq(units_parse_bool(yes[k], &b, &err), MX_OK, "\"%s\"", yes[k]);
        cr_assert_eq(b, 1, "\"%s\"", yes[k]);
        b = -1;
        cr_assert_eq(units_parse_bool(no[k], &b, &err), MX_OK, "\"%s\"", no[k]);
        cr_assert_eq(b, 0, "\"%s\"", no[k]);
    }
    static const char *const bad[] = {"", "y", "2", "yes ", "nope"};
    char want[200];
    for (size_t k = 0; k < MX_ARRAY_LEN(bad); k++) {
        int b = -1;
        cr_assert_eq(units_parse_bool(bad[k], &b, &err), MX_EINPUT, "\"%s\" accepted", bad[k]);
        snprintf(want, sizeof want, "expected yes or no, got \"%s\"", bad[k]);
        cr_assert_str_eq(err.msg, want);
        cr_assert_eq(b, -1);
    }
}

/* mx_time_from_s rounds to the nearest ns, halves away from zero, as llround does
 * (it no longer calls it): checked against llround at the halves, just beside
 * them (one ulp either way), at 2^52 and 2^53 ns where the fraction disappears,
 * and on 2e6 seconds spread over every decade from 1e-12 s to 1e10 s (past the
 * 100-year cap, where it saturates instead). Any disagreement would change a
 * run's times, and so its results. */
Test(units, seconds_round_to_the_nearest_ns_as_llround)
{
    double probes[] = {1e-10, 4.999999999e-10, 5e-10, 1.5e-9, 2.5e-9, 0.0000000015,
                       0.4999999999, 0.5, 1.0000000005, 123.4567891235,
                       4503599.627370496, 9007199.254740992, 86400.0000000005};
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
        for (int side = -1; side <= 1; side++) {
            double s = side < 0 ? nextafter(probes[i], 0) : side > 0 ? nextafter(probes[i], 1e30)
                                                                     : probes[i];
            double ns = s * (double)MX_NS_PER_S;
            cr_assert_eq(mx_time_from_s(s), llround(ns), "%.17g s", s);
        }
    uint64_t x = 88172645463325252u; /* xorshift64: a fixed spread of doubles */
    for (int i = 0; i < 2000000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double s = ldexp((double)(x >> 11), -53) * pow(10, (double)(x % 23) - 12); /* to 1e10 s */
        double ns = s * (double)MX_NS_PER_S;
        cr_assert_eq(mx_time_from_s(s), ns >= (double)MX_TIME_CAP ? MX_TIME_CAP : llround(ns),
                     "%.17g s", s);
    }
    cr_assert_eq(mx_time_from_s(0), 0);
    cr_assert_eq(mx_time_from_s(-1), 0);
    cr_assert_eq(mx_time_from_s(NAN), 0);
    cr_assert_eq(mx_time_from_s(4e9), MX_TIME_CAP);
}
