/* test_scenario_failover.c -- MX 10/20 with the primary down (R18, R19, R26, R33,
 * R34, R2), end to end through the event loop. */
#include <gsl/gsl_errno.h>

#include "scenario_util.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(failover, .init = setup);

/* Ten Postfix instances (their own windows, R29), 1 message/s for 10 min, relay1
 * (MX 10) down for the whole run in the mode given by --set. Connection caching is
 * off (the testbed's "caching off" cases) unless a test turns it on. */
static const char two_mx[] =
    "[simulation]\nduration = 10m\nseed = 3\n"
    "[dns]\n"
    "record = d. 300 IN MX 10 relay1.d.\n"
    "record = d. 300 IN MX 20 relay2.d.\n"
    "record = relay1.d. 300 IN A 10.0.0.1\n"
    "record = relay2.d. 300 IN A 10.0.0.2\n"
    "[sender s]\ninstances = 10\nsmtp_connection_cache_on_demand = no\n"
    "[server relay1]\naddress = 10.0.0.1\nsession_time = 200ms\n"
    "[server relay2]\naddress = 10.0.0.2\nsession_time = 200ms\n"
    "[fault down]\ntarget = relay1\nmode = refused\nat = 0\n"
    "[traffic t]\nfrom = s\nto = d.\nrate = 1/s\n";

/* R18: refused: every delivery goes to relay2 at once; nobody waits a timeout. */
Test(failover, refused_primary_sends_all_to_secondary_without_timeouts)
{
    struct scenario *s = load_text(two_mx, NULL, 0);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_gt(res.messages, 500);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.server[0].accepted, 0);
    cr_assert_eq(res.server[1].accepted, res.delivered);
    cr_assert_float_eq(res.server[1].share, 1.0, 0);
    cr_assert_eq(res.server[0].refused, res.delivered); /* relay1 first, every time */
    cr_assert_eq(res.server[0].timed_out, 0);
    cr_assert_eq(res.timeout_fraction, 0);
    /* The delay is relay2's session alone: 200 ms, within the histogram's error. */
    cr_assert_leq(res.delay_max, 0.2 * (1 + HIST_REL_ERROR));
    cr_assert_geq(r.totals.delay.min, mx_time_from_s(0.2));
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* R19: black hole: every delivery waits smtp_connect_timeout (30 s) on relay1, then
 * relay2 takes it: no delay is shorter than 30 s + 200 ms (some are longer: a burst
 * can fill an instance's window of 5, R29, and wait behind it). */
Test(failover, blackholed_primary_costs_every_first_attempt_the_connect_timeout)
{
    const char *sets[] = {"fault down.mode=blackhole"};
    struct scenario *s = load_text(two_mx, sets, 1);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_gt(res.messages, 500);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.server[1].accepted, res.delivered);
    cr_assert_eq(res.server[0].timed_out, res.delivered);
    cr_assert_float_eq(res.timeout_fraction, 1.0, 0);
    cr_assert_eq(r.totals.delay.min, 30 * MX_NS_PER_S + mx_time_from_s(0.2));
    free(res.server);
    run_fini(&r);
    scen_free(s);
    /* and with smtp_connect_timeout = 5s the wait follows the parameter */
    const char *sets5[] = {"fault down.mode=blackhole", "sender s.smtp_connect_timeout=5s"};
    s = load_text(two_mx, sets5, 2);
    run_one(&r, s, 0, &res);
    cr_assert_eq(r.totals.delay.min, 5 * MX_NS_PER_S + mx_time_from_s(0.2));
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* A fault window: mail goes to relay2 only while relay1 is down. Conservation holds
 * (run_check asserts delivered + bounced + in flight = messages). */
Test(failover, window_moves_mail_only_while_it_lasts)
{
    const char *sets[] = {"fault down.at=2m", "fault down.for=3m", "simulation.duration=10m"};
    struct scenario *s = load_text(two_mx, sets, 3);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.delivered, res.messages);
    /* About 3 of 10 minutes' mail: Poisson count over 3 min at 1/s: mean 180, sd 13.4;
     * allow 5 sd. */
    cr_assert(res.server[1].accepted > 180 - 67 && res.server[1].accepted < 180 + 67,
              "relay2 took %llu", (unsigned long long)res.server[1].accepted);
    cr_assert_eq(res.server[0].refused, res.server[1].accepted);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* R2, R26, R33, R34: relayhost = [relay1.d] (no MX lookup) with relay1 refusing
 * from 0 to 10 min: nothing can go to relay2; every message is deferred and retried
 * on Postfix's schedule: first at the first queue scan (every 300 s) at or after
 * age 300 s less 1 s, then age-clamped backoff. With one message at t = 0 the
 * attempts are at 0, 300 and 600 s; relay1 is back at 600 s: delivered at 600.2 s. */
Test(failover, bracketed_relayhost_defers_on_postfix_schedule)
{
    const char *sets[] = {"sender s.relayhost=[relay1.d]", "sender s.instances=1",
                          "fault down.for=10m", "traffic t.arrivals=constant",
                          "traffic t.rate=1/h", "simulation.duration=1s"};
    struct scenario *s = load_text(two_mx, sets, 6);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.messages, 1);
    cr_assert_eq(res.delivered, 1);
    cr_assert_eq(res.server[1].accepted, 0);
    cr_assert_eq(res.server[0].refused, 2);
    cr_assert_eq(r.totals.attempts, 3);
    cr_assert_eq(r.totals.delay.max, 600 * MX_NS_PER_S + mx_time_from_s(0.2));
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* R35: a message that cannot be delivered bounces at the first failed attempt at or
 * after maximal_queue_lifetime. */
Test(failover, lifetime_ends_in_a_bounce)
{
    const char *sets[] = {"sender s.relayhost=[relay1.d]", "sender s.instances=1",
                          "traffic t.arrivals=constant", "traffic t.rate=1/h",
                          "simulation.duration=1s", "sender s.maximal_queue_lifetime=1h"};
    struct scenario *s = load_text(two_mx, sets, 6);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.messages, 1);
    cr_assert_eq(res.bounced, 1);
    cr_assert_eq(res.queued_at_end, 0);
    /* Attempts at 0, 300, 600, 1200 and 2400 s (each wait = the age, R33), then at
     * 4800 s: the first failed attempt at or after the 1 h lifetime bounces. */
    cr_assert_eq(r.totals.attempts, 6);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* R21: a 421 greeting sends the delivery to the next address after the handshake
 * (connect_latency, here 0): no timeout paid, relay1 counts it as tempfailed. R22:
 * a 5xx greeting is skipped the same way by default; with smtp_skip_5xx_greeting =
 * no the message bounces at once. R20: a server that never greets costs
 * smtp_helo_timeout (300 s). */
Test(failover, greeting_faults)
{
    const char *tempfail[] = {"fault down.mode=tempfail"};
    struct scenario *s = load_text(two_mx, tempfail, 1);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.server[1].accepted, res.delivered);
    cr_assert_eq(res.server[0].tempfailed, res.delivered);
    cr_assert_eq(res.timeout_fraction, 0);
    free(res.server);
    run_fini(&r);
    scen_free(s);

    const char *reject[] = {"fault down.mode=reject"};
    s = load_text(two_mx, reject, 1);
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.server[1].accepted, res.delivered);
    free(res.server);
    run_fini(&r);
    scen_free(s);

    const char *bounce[] = {"fault down.mode=reject", "sender s.smtp_skip_5xx_greeting=no"};
    s = load_text(two_mx, bounce, 2);
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.bounced, res.messages);
    cr_assert_eq(res.server[1].accepted, 0); /* no other MX is tried (R23) */
    free(res.server);
    run_fini(&r);
    scen_free(s);

    const char *mute[] = {"fault down.mode=nogreet"};
    s = load_text(two_mx, mute, 1);
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.timeout_fraction, 1.0);
    cr_assert_eq(r.totals.delay.min, 300 * MX_NS_PER_S + mx_time_from_s(0.2));
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* R3, R25: when every address of the relayhost fails, the fallback relays are
 * tried in order in the same delivery: nothing is deferred. A relayhost list does
 * the same (Postfix 3.5+). A hard DNS failure also moves on (R25), a 5xx reply does
 * not (R23). */
Test(failover, fallback_relays_take_over_in_the_same_delivery)
{
    const char *fb[] = {"sender s.relayhost=[relay1.d]", "sender s.smtp_fallback_relay=[relay2.d]"};
    struct scenario *s = load_text(two_mx, fb, 2);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.deferrals, 0);
    cr_assert_eq(res.server[1].accepted, res.delivered);
    cr_assert_eq(res.server[0].refused, res.delivered);
    free(res.server);
    run_fini(&r);
    scen_free(s);

    const char *list[] = {"sender s.relayhost=[relay1.d], [relay2.d]"};
    s = load_text(two_mx, list, 1);
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.deferrals, 0);
    cr_assert_eq(res.server[1].accepted, res.messages);
    free(res.server);
    run_fini(&r);
    scen_free(s);

    const char *nx[] = {"traffic t.to=nowhere.d", "sender s.smtp_fallback_relay=[relay2.d]"};
    s = load_text(two_mx, nx, 2);
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.bounced, 0);
    cr_assert_eq(res.server[1].accepted, res.messages);
    free(res.server);
    run_fini(&r);
    scen_free(s);

    const char *reject[] = {"sender s.relayhost=[relay1.d]", "sender s.smtp_fallback_relay=[relay2.d]",
                            "fault down.mode=reject", "sender s.smtp_skip_5xx_greeting=no"};
    s = load_text(two_mx, reject, 4);
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.bounced, res.messages);
    cr_assert_eq(res.server[1].accepted, 0);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* transport(5) takes precedence over relayhost: a domain it names goes to its own
 * next hop; relay1 (the relayhost, refusing) is never tried for it. */
Test(failover, transport_entry_overrides_relayhost)
{
    const char *sets[] = {"sender s.relayhost=[relay1.d]", "sender s.transport=d smtp:[relay2.d]"};
    struct scenario *s = load_text(two_mx, sets, 2);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.server[1].accepted, res.delivered);
    cr_assert_eq(res.server[0].refused, 0);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* R19: smtp_connect_timeout = 0 is no limit of Postfix's own: the kernel's 127 s
 * (6 SYN retries). And a zero greeting wait against a server that never greets
 * moves on at once. Both used to leave every message waiting for no event
 * (tests/fuzz/known-bugs/bug6-connect-timeout-0.ini). */
Test(failover, zero_timeouts_still_fail_over)
{
    const char *sets[] = {"fault down.mode=blackhole", "sender s.smtp_connect_timeout=0"};
    struct scenario *s = load_text(two_mx, sets, 2);
    cr_assert_eq(s->senders[0].smtp_connect_timeout, 127 * MX_NS_PER_S);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_gt(res.messages, 500);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.server[1].accepted, res.delivered);
    cr_assert_gt(res.delay_mean, 127.0); /* every message paid the kernel's 127 s */
    run_fini(&r);
    free(res.server);
    scen_free(s);
    const char *mute[] = {"fault down.mode=nogreet", "sender s.smtp_helo_timeout=0"};
    s = load_text(two_mx, mute, 2);
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.server[1].accepted, res.delivered);
    cr_assert_lt(res.delay_mean, 1.0);
    run_fini(&r);
    free(res.server);
    scen_free(s);
}
