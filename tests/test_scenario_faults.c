/* test_scenario_faults.c -- fault targets and timing (R65): sites, addresses,
 * several windows, random up/down processes, slow servers. */
#include <math.h>

#include <gsl/gsl_errno.h>

#include "scenario_util.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(faults, .init = setup);

/* MX 10 a1 (two addresses) and a2 on site "east", MX 20 b on "west"; one message
 * per second; no caching, so each delivery shows where it could go. */
static const char base[] =
    "[simulation]\nduration = 1h\nseed = 2\n"
    "[dns]\n"
    "record = d. 300 IN MX 10 a1.d.\nrecord = d. 300 IN MX 10 a2.d.\n"
    "record = d. 300 IN MX 20 b.d.\n"
    "record = a1.d. 300 IN A 10.0.0.1\nrecord = a1.d. 300 IN A 10.0.0.11\n"
    "record = a2.d. 300 IN A 10.0.0.2\nrecord = b.d. 300 IN A 10.0.0.3\n"
    "[sender s]\nsmtp_connection_cache_on_demand = no\ninstances = 10\n"
    "[server a1]\naddress = 10.0.0.1, 10.0.0.11\nsite = east\nsession_time = 100ms\n"
    "[server a2]\naddress = 10.0.0.2\nsite = east\nsession_time = 100ms\n"
    "[server b]\naddress = 10.0.0.3\nsite = west\nsession_time = 100ms\n"
    "[traffic t]\nfrom = s\nto = d.\nrate = 1/s\narrivals = constant\n";

static struct run_result run_with(const char *fault, struct run *r, struct scenario **s)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", base, fault);
    *s = load_text(text, NULL, 0);
    struct run_result res;
    run_one(r, *s, 0, &res);
    return res;
}

/* A site outage takes every server of the site down at once: all mail goes west. */
Test(faults, site_outage_takes_all_its_servers)
{
    struct run r;
    struct scenario *s;
    struct run_result res =
        run_with("[fault dc]\ntarget = east\nmode = refused\nat = 0\n", &r, &s);
    cr_assert_eq(res.delivered, 3600);
    cr_assert_eq(res.server[2].accepted, 3600);
    cr_assert_eq(res.server[0].accepted + res.server[1].accepted, 0);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* A fault on one address leaves the server's other address working: a1 still takes
 * mail through 10.0.0.11, and only connections to 10.0.0.1 are refused. */
Test(faults, address_fault_spares_the_other_address)
{
    struct run r;
    struct scenario *s;
    struct run_result res =
        run_with("[fault nic]\ntarget = 10.0.0.1\nmode = refused\nat = 0\n", &r, &s);
    cr_assert_eq(res.delivered, 3600);
    cr_assert_eq(res.server[2].accepted, 0); /* the backup never needed */
    cr_assert_gt(res.server[0].accepted, 0);
    cr_assert_gt(res.server[0].refused, 0);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* Several windows: at = 10m, 30m with for = 5m: b takes mail for 10 minutes in all
 * (600 messages at 1/s, exactly: constant arrivals, the site refuses at once). */
Test(faults, several_windows)
{
    struct run r;
    struct scenario *s;
    struct run_result res = run_with("[fault dc]\ntarget = east\nmode = refused\n"
                                     "at = 10m, 30m\nfor = 5m\n", &r, &s);
    cr_assert_eq(res.server[2].accepted, 600);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* mtbf/mttr: the site is down a fraction mttr / (mtbf + mttr) = 20 / 80 = 0.25 of the
 * time in the long run. Over T = 2000 h with exponential up (60 min) and down
 * (20 min) times the fraction's sd is sqrt(2 U^2 D^2 / ((U + D)^3 T)) = 0.0069;
 * 5 sd = 0.034. One message a minute samples it (binomial sd 0.0013). */
Test(faults, random_outages_match_their_availability)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", base,
             "[fault flaky]\ntarget = east\nmode = refused\nmtbf = 1h\nmttr = 20m\n");
    const char *sets[] = {"simulation.duration=2000h", "traffic t.rate=1/m",
                          "sender s.instances=1"};
    struct scenario *s = load_text(text, sets, 3);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    double down = (double)res.server[2].accepted / (double)res.delivered;
    cr_assert(fabs(down - 0.25) <= 0.034, "fraction sent west %.4f", down);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* slow: every session of the target takes factor times longer. */
Test(faults, slow_multiplies_session_times)
{
    struct run r;
    struct scenario *s;
    struct run_result res = run_with("[fault slow]\ntarget = east\nmode = slow\nfactor = 7\n"
                                     "at = 0\n", &r, &s);
    cr_assert_eq(res.delivered, 3600);
    cr_assert_eq(r.totals.delay.min, mx_time_from_s(0.7));
    cr_assert_eq(r.totals.delay.max, mx_time_from_s(0.7));
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* slow lengthens sessions over cached connections too (caching on, 5/s). */
Test(faults, slow_applies_to_reused_connections)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", base,
             "[fault slow]\ntarget = east\nmode = slow\nfactor = 7\nat = 0\n");
    const char *sets[] = {"sender s.smtp_connection_cache_on_demand=yes", "sender s.instances=1",
                          "traffic t.rate=5/s"};
    struct scenario *s = load_text(text, sets, 3);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_gt(res.reused_fraction, 0.5);
    cr_assert_eq(r.totals.delay.min, mx_time_from_s(0.7));
    free(res.server);
    run_fini(&r);
    scen_free(s);
}
