/* test_testbed.c -- the measured testbed cases of postfix-behaviour.md (E2, E3,
 * E5), run as the ready scenarios in scenarios/testbed/, against real Postfix 3.7's
 * numbers. Each scenario runs 10 replications (its [simulation] replications);
 * the numbers compared are means over them.
 *
 * How the bands are set. The testbed figures come from one real run each, so their
 * own spread is unknown; Postfix logs delays to two significant digits. Where the
 * mechanism fixes the number (every delivery pays the timeout, nothing is
 * delivered while relay1 is down) the test is exact. Where it is a queueing
 * outcome, the band is the logging resolution plus the spread of the 10
 * replications (their sd is below 0.2 s for every delay asserted here), rounded
 * up to the next half second. Where mxsim is known to differ (caching reuses more
 * connections than the testbed saw: docs/model.md, "Known gaps"), the test asserts
 * the rule's effect and its direction, and the gap is written down. */
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>

#include "scenario_util.h"

#define TB MXSIM_SOURCE_DIR "/scenarios/testbed/"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(testbed, .init = setup);

struct means {
    double messages, delivered, p50, p90, max, timeout_fraction, deferrals, suspended, reused;
    double relay1_refused, relay1_timed_out, relay1_accepted, relay2_accepted;
    double min_delay_s; /* the smallest delay of any replication */
};

static struct means run_file(const char *file, const char *const *sets, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, TB "%s", file);
    struct scenario *s = NULL;
    struct mx_err err = {0};
    cr_assert_eq(scen_load(path, sets, n, &s, &err), MX_OK, "%s", err.msg);
    struct means m = {.min_delay_s = INFINITY};
    long reps = s->sim.replications;
    for (long k = 0; k < reps; k++) {
        struct run r;
        struct run_result res;
        run_one(&r, s, (uint64_t)k, &res);
        m.messages += res.messages;
        m.delivered += res.delivered;
        m.p50 += res.delay_p50;
        m.p90 += res.delay_p90;
        m.max += res.delay_max;
        m.timeout_fraction += res.timeout_fraction;
        m.deferrals += res.deferrals;
        m.suspended += res.suspended;
        m.reused += res.reused_fraction;
        m.relay1_refused += res.server[0].refused;
        m.relay1_timed_out += res.server[0].timed_out;
        m.relay1_accepted += res.server[0].accepted;
        m.relay2_accepted += res.server[1].accepted;
        m.min_delay_s = fmin(m.min_delay_s, mx_time_to_s(r.totals.delay.min));
        free(res.server);
        run_fini(&r);
    }
    double *f = &m.messages;
    for (double *p = f; p < &m.min_delay_s; p++)
        *p /= (double)reps;
    scen_free(s);
    return m;
}

static const char *const no_cache[] = {"sender postfix.smtp_connection_cache_on_demand=no"};

/* E3 drop without caching (R19, R27, R29): every delivery pays the 2 s connect
 * timeout; the window of 20 caps throughput at 20 / 2 s, so 600 messages drain in
 * about 60 s. Measured: p50 33 s, p90 56.1 s, max 62 s. */
Test(testbed, e3_blackhole_without_caching)
{
    struct means m = run_file("e3-blackhole.ini", no_cache, 1);
    cr_assert_eq(m.delivered, 600);
    cr_assert_eq(m.timeout_fraction, 1.0);
    cr_assert_eq(m.relay1_timed_out, 600);
    cr_assert_geq(m.min_delay_s, 2.0);
    cr_assert(fabs(m.p50 - 33) <= 1.0, "p50 %.2f", m.p50);
    cr_assert(fabs(m.p90 - 56.1) <= 1.5, "p90 %.2f", m.p90);
    cr_assert(fabs(m.max - 62) <= 1.5, "max %.2f", m.max);
}

/* E3 drop with caching (R37 to R43): once sessions to relay2 are cached under the
 * nexthop, deliveries skip the silent primary. Measured: 31 of 600 paid the
 * timeout, p50 4.0 s, max 6.1 s. mxsim: about 25 pay, p50 3.4 s, max 6.1 s (caching
 * comes on only back to back, R37); the effect, a tenfold cut and delays of
 * seconds instead of a minute, is asserted. */
Test(testbed, e3_blackhole_with_caching)
{
    struct means m = run_file("e3-blackhole.ini", NULL, 0);
    cr_assert_eq(m.delivered, 600);
    cr_assert(m.timeout_fraction > 0.01 && m.timeout_fraction <= 0.1, "%.3f",
              m.timeout_fraction);
    cr_assert(m.p50 < 4.5, "p50 %.2f", m.p50);
    cr_assert(m.max < 6.5, "max %.2f", m.max);
    cr_assert_gt(m.reused, 0.9);
}

/* E2 refused (R18, R43): relay1 refuses; every message ends at relay2 and nobody
 * waits a timeout. Without caching every delivery is refused by relay1 first
 * (measured: 1000 of 1000); with caching only those that open a new connection
 * are (measured 331 on a cold Postfix; mxsim about 27: docs/model.md, "Known gaps"). */
Test(testbed, e2_refused_primary)
{
    struct means m = run_file("e2-refused.ini", no_cache, 1);
    cr_assert_eq(m.relay2_accepted, 1000);
    cr_assert_eq(m.relay1_refused, 1000);
    cr_assert_eq(m.timeout_fraction, 0);
    struct means c = run_file("e2-refused.ini", NULL, 0);
    cr_assert_eq(c.relay2_accepted, 1000);
    cr_assert(c.relay1_refused < 331, "%.1f", c.relay1_refused);
    cr_assert_gt(c.relay1_refused, 5);
    cr_assert_eq(c.timeout_fraction, 0);
    /* p99 with caching is below p99 without (measured 0.28 s against 0.83 s) */
    cr_assert_lt(c.p50, m.p50);
}

/* E5, relayhost = [relay1] (R2, R31, R32): relay1 refuses for 10 s; no MX lookup,
 * so relay2 is never used. Three refusals kill the destination; from then on mail
 * is deferred without a connection ("suspended") until relay1 is back. Measured:
 * 1,260 deferrals of which 1,233 suspended (97.9 %); all 300 delivered within
 * 8.1 s of relay1's return; p50 18 s. */
Test(testbed, e5_bracketed_relayhost_waits_for_relay1)
{
    struct means m = run_file("e5-relayhost.ini", NULL, 0);
    cr_assert_eq(m.delivered, 300);
    cr_assert_eq(m.relay2_accepted, 0);
    cr_assert_geq(m.min_delay_s, 10.0 - 1.5); /* the last arrival is at 1.495 s */
    cr_assert(m.suspended / m.deferrals > 0.95, "%.3f", m.suspended / m.deferrals);
    /* The count is set by backoff (2-8 s) and scans (2 s) over 10 s: within 15 %. */
    cr_assert(fabs(m.deferrals - 1260) <= 0.15 * 1260, "%.0f", m.deferrals);
    cr_assert_leq(m.max, 10 + 8.1 + 1.5);
    /* Scan granularity (2 s) and the 2 s dead period move p50 by steps of 2 s. */
    cr_assert(fabs(m.p50 - 18) <= 2.5, "p50 %.2f", m.p50);
}

/* E5, relayhost = e2.example.test (MX 10 relay1, MX 20 relay2): MX lookup, so
 * failover at once: no deferral, everything to relay2. Measured: p50 0.30 s, 28 of
 * 300 refused by relay1 first. */
Test(testbed, e5_mx_relayhost_fails_over)
{
    const char *sets[] = {"sender postfix.relayhost=e2.example.test"};
    struct means m = run_file("e5-relayhost.ini", sets, 1);
    cr_assert_eq(m.delivered, 300);
    cr_assert_eq(m.deferrals, 0);
    cr_assert_eq(m.relay2_accepted, 300);
    cr_assert_gt(m.relay1_refused, 0);
    cr_assert_lt(m.relay1_refused, 300);
    cr_assert_lt(m.p50, 1.0);
}

/* E5, relayhost = relay1.example.test (no brackets, but no MX: its A record, R2,
 * R5): the same picture as [relay1]. Measured: 1,268 deferrals (1,246 suspended),
 * p50 14 s. */
Test(testbed, e5_host_relayhost_without_mx_is_like_brackets)
{
    const char *sets[] = {"sender postfix.relayhost=relay1.example.test"};
    struct means m = run_file("e5-relayhost.ini", sets, 1);
    cr_assert_eq(m.delivered, 300);
    cr_assert_eq(m.relay2_accepted, 0);
    cr_assert(m.suspended / m.deferrals > 0.95, "%.3f", m.suspended / m.deferrals);
    cr_assert(fabs(m.deferrals - 1268) <= 0.15 * 1268, "%.0f", m.deferrals);
}

/* E3 nogreet without caching (R20): relay1 accepts connections and never greets;
 * each delivery waits the 3 s smtp_helo_timeout before relay2. Measured: p50 51 s,
 * max 90 s (87 of the 600 first attempts hit the 2 s connect timeout instead, a
 * limit of the testbed's sink that mxsim does not model, R64: so mxsim's maximum
 * is a little later). */
Test(testbed, e3_nogreet_without_caching)
{
    const char *sets[] = {"sender postfix.smtp_connection_cache_on_demand=no",
                          "fault drop.mode=nogreet"};
    struct means m = run_file("e3-blackhole.ini", sets, 2);
    cr_assert_eq(m.delivered, 600);
    cr_assert_eq(m.timeout_fraction, 1.0);
    cr_assert_geq(m.min_delay_s, 3.0);
    cr_assert(fabs(m.p50 - 51) <= 1.5, "p50 %.2f", m.p50);
    cr_assert(m.max >= 90 && m.max <= 90 * 1.1, "max %.2f", m.max);
}
