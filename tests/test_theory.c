/* test_theory.c -- servers against queueing theory, and a relay chain's bookkeeping.
 * Each queueing test runs 10 replications with a fixed seed and asserts that the 95%
 * confidence interval of the replications' means (t(0.975, 9) = 2.262) covers the
 * exact value. A correct model misses 5% of the time for a random seed; the seed is
 * fixed, so the tests are stable, and a model off by more than the half-width
 * (about 2% of the value here) fails. */
#include <math.h>

#include <gsl/gsl_errno.h>

#include "scenario_util.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(theory, .init = setup);

/* MX 10 "a" (4 workers, the server under test), MX 20 "b" (plenty): a message that
 * a refuses or drops goes to b, so a sees Poisson arrivals at 3/s with exponential
 * 1 s sessions: a = 3 Erlang offered to c = 4 workers. Caching and windows are out of
 * the way; nobody gives up waiting for a greeting. */
static const char two[] =
    "[simulation]\nduration = 2h\nwarmup = 5m\nseed = 5\n"
    "[dns]\nrecord = d. 300 IN MX 10 a.d.\nrecord = d. 300 IN MX 20 b.d.\n"
    "record = a.d. 300 IN A 10.0.0.1\nrecord = b.d. 300 IN A 10.0.0.2\n"
    "[sender s]\ninitial_destination_concurrency = 1000\n"
    "smtp_destination_concurrency_limit = 1000\nsmtp_connection_cache_on_demand = no\n"
    "smtp_helo_timeout = 1d\nsmtp_connect_timeout = 1s\n"
    "[server a]\naddress = 10.0.0.1\nprocess_limit = 4\nsession_time = exp(1s)\n"
    "[server b]\naddress = 10.0.0.2\nprocess_limit = 100000\nsession_time = exp(1s)\n"
    "[traffic t]\nfrom = s\nto = d.\nrate = 3/s\n";

/* The fraction of messages server a turns away, over 10 replications: its 95% CI. */
static void blocked(const char *const *sets, size_t n, double *mean, double *half)
{
    struct scenario *s = load_text(two, sets, n);
    double x[10], sum = 0, ss = 0;
    for (uint64_t k = 0; k < 10; k++) {
        struct run r;
        struct run_result res;
        run_one(&r, s, k, &res);
        x[k] = (double)(res.server[0].refused + res.server[0].timed_out) / (double)res.messages;
        sum += x[k];
        free(res.server);
        run_fini(&r);
    }
    scen_free(s);
    *mean = sum / 10;
    for (int k = 0; k < 10; k++)
        ss += (x[k] - *mean) * (x[k] - *mean);
    *half = 2.262 * sqrt(ss / 9) / sqrt(10);
}

/* when_full = refuse: a loss system, M/M/4/4: Erlang B(4, 3) = 3.375 / 16.375. */
Test(theory, refuse_blocks_as_erlang_b)
{
    const char *sets[] = {"server a.when_full=refuse"};
    double m, h, want = 3.375 / 16.375;
    blocked(sets, 1, &m, &h);
    cr_assert(fabs(m - want) <= h && h < 0.05 * want, "blocked %.4f +- %.4f, Erlang B %.4f", m,
              h, want);
}

/* when_full = wait with a backlog of 2: M/M/4/6 (R63, R64): the blocking probability
 * P6 = a^6 / (4! 4^2) p0 with 1/p0 = sum_{n<4} a^n/n! + a^4/4! (1 + 0.75 + 0.5625). */
Test(theory, finite_backlog_blocks_as_mmck)
{
    const char *sets[] = {"server a.when_full=wait", "server a.backlog=2"};
    double p0 = 1 / (1 + 3 + 4.5 + 4.5 + 3.375 * (1 + 0.75 + 0.5625));
    double want = pow(3, 6) / (24.0 * 16) * p0;
    double m, h;
    blocked(sets, 2, &m, &h);
    cr_assert(fabs(m - want) <= h && h < 0.05 * want, "blocked %.4f +- %.4f, M/M/4/6 %.4f", m,
              h, want);
}

/* A relay chain (seed 001): every message crosses a relay and reaches its final
 * server; the end-to-end delay exceeds the per-hop delay; during relay1's
 * upgrade relay2 takes both directions. */
Test(theory, relay_chain_counts_each_message_once)
{
    struct scenario *s = NULL;
    struct mx_err err = {0};
    cr_assert_eq(scen_load(MXSIM_SOURCE_DIR "/scenarios/seed001-chain.ini", NULL, 0, &s, &err),
                 MX_OK, "%s", err.msg);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.forwarded, res.delivered); /* exactly one relay hop each */
    /* relays accept what they forward; mail and internet-mx accept what is delivered */
    cr_assert_eq(res.server[0].accepted + res.server[1].accepted, res.forwarded);
    cr_assert_eq(res.server[2].accepted + res.server[3].accepted, res.delivered);
    cr_assert_gt(res.delay_mean, res.hop_delay_mean);
    /* 30 of 120 minutes relay1 refuses: relay2 carries about a quarter of both flows
     * (Poisson counts: sd of relay2's share below 0.005; allow 0.05) */
    double share2 = (double)res.server[1].accepted / (double)res.forwarded;
    cr_assert(fabs(share2 - 0.25) < 0.05, "relay2 carried %.3f", share2);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}
