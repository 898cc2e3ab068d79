/* test_rng.c -- per-component random streams (sim/rng.h): reproducible from
 * (seed, point, rep, name), distinct when any input changes, independent of
 * which other streams exist, and uniform. */
#include <math.h>

#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>

#include "mx.h"
#include "rng.h"

static void quiet_gsl(void)
{
    gsl_set_error_handler_off();
}
TestSuite(rng, .init = quiet_gsl);

/* The first draw of the stream with this seed. */
static unsigned long first_draw(uint64_t seed64)
{
    struct rng_stream s;
    cr_assert_eq(rng_init(&s, seed64), MX_OK);
    unsigned long x = gsl_rng_get(s.r);
    rng_fini(&s);
    return x;
}

Test(rng, same_inputs_give_the_same_seed_and_sequence)
{
    uint64_t a = rng_derive(42, 3, 7, "relay1"), b = rng_derive(42, 3, 7, "relay1");
    cr_assert_eq(a, b);
    struct rng_stream x, y;
    cr_assert_eq(rng_init(&x, a), MX_OK);
    cr_assert_eq(rng_init(&y, b), MX_OK);
    for (int i = 0; i < 10000; i++)
        cr_assert_eq(gsl_rng_get(x.r), gsl_rng_get(y.r), "draw %d", i);
    rng_fini(&x);
    rng_fini(&y);
}

Test(rng, changing_any_input_changes_the_seed_and_first_draw)
{
    static const struct {
        uint64_t seed, point, rep;
        const char *name;
    } in[] = {
        {42, 3, 7, "relay1"}, /* the base case */
        {43, 3, 7, "relay1"}, /* seed */
        {42, 4, 7, "relay1"}, /* point */
        {42, 3, 8, "relay1"}, /* rep */
        {42, 3, 7, "relay2"}, /* name */
        {42, 3, 7, "relay"},  /* name prefix */
        {42, 3, 7, "1yaler"}, /* name reversed */
        {42, 3, 7, ""},       /* no name */
        {42, 7, 3, "relay1"}, /* point and rep swapped */
        {3, 42, 7, "relay1"}, /* seed and point swapped */
        {0, 0, 0, "relay1"},
        {0, 0, 0, ""},
    };
    enum { K = MX_ARRAY_LEN(in) };
    uint64_t seed[K];
    unsigned long first[K];
    for (size_t k = 0; k < K; k++) {
        seed[k] = rng_derive(in[k].seed, in[k].point, in[k].rep, in[k].name);
        cr_assert_eq(seed[k], rng_derive(in[k].seed, in[k].point, in[k].rep, in[k].name));
        first[k] = first_draw(seed[k]);
        cr_assert_eq(first[k], first_draw(seed[k]));
    }
    for (size_t i = 0; i < K; i++)
        for (size_t j = i + 1; j < K; j++) {
            cr_assert_neq(seed[i], seed[j], "inputs %zu and %zu share a seed", i, j);
            cr_assert_neq(first[i], first[j], "inputs %zu and %zu share a first draw", i, j);
        }
}

Test(rng, seeds_differing_only_in_high_bits_give_different_streams)
{
    /* taus2 keeps 32 bits per state word: the high half of the 64-bit seed must
     * still matter (gsl_rng_set() would drop it). */
    uint64_t lo = 0x12345678u, hi = lo | (UINT64_C(1) << 40);
    cr_assert_neq(first_draw(lo), first_draw(hi));
}

Test(rng, a_stream_does_not_depend_on_other_streams)
{
    /* Draw "sender" alone; then again while two other streams are created and
     * drawn from in between: the same values. */
    enum { M = 1000 };
    unsigned long alone[M];
    struct rng_stream s, o1, o2;
    cr_assert_eq(rng_init(&s, rng_derive(5, 0, 1, "sender")), MX_OK);
    for (int i = 0; i < M; i++)
        alone[i] = gsl_rng_get(s.r);
    rng_fini(&s);

    cr_assert_eq(rng_init(&o1, rng_derive(5, 0, 1, "relay1")), MX_OK);
    cr_assert_eq(rng_init(&s, rng_derive(5, 0, 1, "sender")), MX_OK);
    cr_assert_eq(rng_init(&o2, rng_derive(5, 0, 1, "mx.example")), MX_OK);
    for (int i = 0; i < M; i++) {
        (void)rng_uniform(&o1);
        cr_assert_eq(gsl_rng_get(s.r), alone[i], "draw %d", i);
        (void)rng_below(&o2, 10);
    }
    rng_fini(&o1);
    rng_fini(&o2);
    rng_fini(&s);
}

Test(rng, uniform_mean_is_one_half)
{
    /* n = 1e6 draws of U[0, 1): mean 1/2, var 1/12, se = sqrt(1/12/n) = 2.887e-4;
     * allow 4.5 se = 1.299e-3 (two-sided miss 6.8e-6). A generator confined to
     * half of [0, 1) would miss by 0.25. */
    enum { N = 1000000 };
    struct rng_stream s;
    cr_assert_eq(rng_init(&s, rng_derive(7, 0, 0, "uniform")), MX_OK);
    double sum = 0;
    for (int i = 0; i < N; i++) {
        double u = rng_uniform(&s);
        cr_assert(u >= 0 && u < 1, "draw %d: %.17g", i, u);
        sum += u;
    }
    rng_fini(&s);
    double mean = sum / N, tol = 4.5 * sqrt(1.0 / 12 / N);
    cr_assert(fabs(mean - 0.5) <= tol, "mean %.6f, tolerance %.6f", mean, tol);
}

Test(rng, below_stays_in_range_and_hits_every_value)
{
    /* n = 1e5 draws on [0, 10): each value expected 1e4 times, sd sqrt(n p (1-p))
     * = 94.9; allow 4.5 sd = 427 per value. */
    enum { N = 100000 };
    struct rng_stream s;
    cr_assert_eq(rng_init(&s, rng_derive(7, 0, 0, "below")), MX_OK);
    long hits[10] = {0};
    for (int i = 0; i < N; i++) {
        uint32_t x = rng_below(&s, 10);
        cr_assert_lt(x, 10);
        hits[x]++;
    }
    rng_fini(&s);
    for (int v = 0; v < 10; v++)
        cr_assert(labs(hits[v] - N / 10) <= 427, "value %d drawn %ld times", v, hits[v]);
}
