/* test_scenario_mta.c -- senders other than Postfix (R46 to R53), against Postfix,
 * on seed 000's three equal-preference MX with 3, 6 and 1 addresses. */
#include <math.h>

#include <gsl/gsl_errno.h>

#include "scenario_util.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(mta, .init = setup);

#define SPREAD MXSIM_SOURCE_DIR "/scenarios/seed000-spread.ini"

static struct scenario *load_file(const char *const *sets, size_t n)
{
    struct scenario *s = NULL;
    struct mx_err err = {0};
    cr_assert_eq(scen_load(SPREAD, sets, n, &s, &err), MX_OK, "%s", err.msg);
    return s;
}

static void shares(const char *const *sets, size_t n, uint64_t rep, double out[3])
{
    struct scenario *s = load_file(sets, n);
    struct run r;
    struct run_result res;
    run_one(&r, s, rep, &res);
    for (int i = 0; i < 3; i++)
        out[i] = res.server[i].share;
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* About 72,000 messages per run: a share's binomial sd is at most
 * sqrt(0.25 / 72000) = 0.0019; 5 sd = 0.0094 (miss 6e-7 per share). */
#define TOL 0.0094

/* R11: Postfix shuffles addresses across hosts: shares 3/10, 6/10, 1/10 (caching
 * off, or R42 would move them). R46: exim shuffles hosts: 1/3 each. */
Test(mta, postfix_spreads_by_address_exim_by_host)
{
    double p[3];
    const char *postfix[] = {"sender internet.smtp_connection_cache_on_demand=no"};
    shares(postfix, 1, 0, p);
    cr_assert(fabs(p[0] - 0.3) <= TOL && fabs(p[1] - 0.6) <= TOL && fabs(p[2] - 0.1) <= TOL,
              "postfix %.4f %.4f %.4f", p[0], p[1], p[2]);
    const char *exim[] = {"sender internet.mta=exim"};
    shares(exim, 1, 0, p);
    for (int i = 0; i < 3; i++)
        cr_assert(fabs(p[i] - 1.0 / 3) <= TOL, "exim host %d: %.4f", i, p[i]);
}

/* R51: one sendmail process orders equal preferences by a hash seeded per process:
 * everything goes to one host, and which one changes from process to process. */
Test(mta, sendmail_keeps_one_order_per_process)
{
    const char *sets[] = {"sender internet.mta=sendmail"};
    int winners[3] = {0};
    for (uint64_t rep = 0; rep < 6; rep++) {
        double p[3];
        shares(sets, 1, rep, p);
        int w = p[0] == 1.0 ? 0 : p[1] == 1.0 ? 1 : p[2] == 1.0 ? 2 : -1;
        cr_assert_neq(w, -1, "rep %llu: %.3f %.3f %.3f", (unsigned long long)rep, p[0], p[1], p[2]);
        winners[w]++;
    }
    cr_assert_lt(winners[0], 6); /* 6 runs with the same winner: chance 3 x (1/3)^6 */
    cr_assert_lt(winners[1], 6);
    cr_assert_lt(winners[2], 6);
}

/* R48, R52: exim and sendmail remember a refusing host and skip it; Postfix asks it
 * again on every delivery (R17). MX 10 relay1 refuses for the whole hour, MX 20
 * relay2 is up, 1 message/s. exim skips relay1 for 15 min after each refusal (4
 * refusals an hour), sendmail for 30 min (2), Postfix without caching: every
 * message (3600). */
Test(mta, exim_and_sendmail_skip_a_failed_host)
{
    const char text[] =
        "[simulation]\nduration = 1h\n"
        "[dns]\nrecord = d. 300 IN MX 10 relay1.d.\nrecord = d. 300 IN MX 20 relay2.d.\n"
        "record = relay1.d. 300 IN A 10.0.0.1\nrecord = relay2.d. 300 IN A 10.0.0.2\n"
        "[sender s]\nsmtp_connection_cache_on_demand = no\n"
        "[server relay1]\naddress = 10.0.0.1\n"
        "[server relay2]\naddress = 10.0.0.2\nsession_time = 100ms\n"
        "[fault down]\ntarget = relay1\nmode = refused\nat = 0\n"
        "[traffic t]\nfrom = s\nto = d.\nrate = 1/s\narrivals = constant\n";
    const char *mtas[] = {"sender s.mta=exim", "sender s.mta=sendmail", "sender s.mta=postfix"};
    const uint64_t want[] = {4, 2, 3600};
    for (int i = 0; i < 3; i++) {
        struct scenario *s = load_text(text, &mtas[i], 1);
        struct run r;
        struct run_result res;
        run_one(&r, s, 0, &res);
        cr_assert_eq(res.delivered, 3600);
        cr_assert_eq(res.server[1].accepted, 3600);
        cr_assert_eq(res.server[0].refused, want[i], "%s: %llu", mtas[i],
                     (unsigned long long)res.server[0].refused);
        free(res.server);
        run_fini(&r);
        scen_free(s);
    }
}

/* MTA defaults (docs/senders.md): exim waits 5 min on a silent address (R49),
 * sendmail the kernel's 127 s (R19, R52), Postfix 30 s (R19). */
Test(mta, connect_timeouts_follow_the_mta)
{
    const char *exim[] = {"sender internet.mta=exim"};
    struct scenario *s = load_file(exim, 1);
    cr_assert_eq(s->senders[0].smtp_connect_timeout, 300 * MX_NS_PER_S);
    cr_assert_eq(s->senders[0].queue_run_delay, 1800 * MX_NS_PER_S);
    scen_free(s);
    const char *sm[] = {"sender internet.mta=sendmail"};
    s = load_file(sm, 1);
    cr_assert_eq(s->senders[0].smtp_connect_timeout, 127 * MX_NS_PER_S);
    scen_free(s);
    const char *set[] = {"sender internet.mta=exim", "sender internet.smtp_connect_timeout=1m"};
    s = load_file(set, 2);
    cr_assert_eq(s->senders[0].smtp_connect_timeout, 60 * MX_NS_PER_S); /* set wins */
    scen_free(s);
}
