/* test_scenario_qmgr.c -- Postfix's queue manager and connection cache end to end:
 * the concurrency window (R29, R30), failed cohorts and dead destinations (R31,
 * R32), and caching's effect on equal-preference shares (R37 to R42). */
#include <math.h>

#include <gsl/gsl_errno.h>

#include "scenario_util.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(qmgr, .init = setup);

/* Check D1 of postfix-behaviour.md: relayhost = [127.0.0.99], where nothing listens
 * (refused), 20 messages at once, minimal_backoff_time = 20s. Each refusal takes
 * 1 ms here, so the first five deliveries overlap as in Postfix. */
static const char d1[] =
    "[simulation]\nduration = 0.02ms\ndrain = 1h\n"
    "[dns]\nrecord = x. 300 IN A 10.0.0.1\n"
    "[sender p]\nrelayhost = [127.0.0.99]\nconnect_latency = 1ms\n"
    "minimal_backoff_time = 20s\nmaximal_backoff_time = 80s\nqueue_run_delay = 10s\n"
    "[server sink]\naddress = 10.0.0.1\n"
    "[server dead]\naddress = 127.0.0.99\nsession_time = 10ms\n"
    "[fault down]\ntarget = dead\nmode = refused\nat = 0\n"
    "[traffic t]\nfrom = p\nto = example.org\nrate = 1e6/s\narrivals = constant\n";

/* R31: window 5 -> 3 -> 2 -> dead at the third failure (fail_cohorts 0.2, 0.533,
 * 1.033); the two deliveries still running fail without effect; the 15 waiting
 * messages are deferred at once without a connection (R32). */
Test(qmgr, three_refusals_kill_a_fresh_destination)
{
    struct run r;
    struct scenario *s = start_text(&r, d1, NULL, 0);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(0.5)), MX_OK);
    cr_assert_eq(r.totals.messages, 20);
    cr_assert_eq(r.totals.attempts + 0, 0); /* none finished yet */
    cr_assert_eq(r.totals.suspended, 15);
    cr_assert_eq(r.totals.deferrals, 20);
    cr_assert(r.dq[0].dead);
    cr_assert(fabs(r.dq[0].fail_cohorts - (0.2 + 1.0 / 3 + 0.5)) < 1e-12, "%.6f",
              r.dq[0].fail_cohorts);
    cr_assert_eq(r.srv[1].refused, 5);
    /* R32: dead for minimal_backoff_time, then alive again with the initial window */
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(19.9)), MX_OK);
    cr_assert(r.dq[0].dead);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(20.0015)), MX_OK);
    cr_assert(!r.dq[0].dead);
    run_fini(&r);
    scen_free(s);
}

/* R31: failed_cohort_limit = 0 means never dead: every message is tried. */
Test(qmgr, failed_cohort_limit_zero_never_kills)
{
    const char *sets[] = {"sender p.default_destination_concurrency_failed_cohort_limit=0"};
    struct run r;
    struct scenario *s = start_text(&r, d1, sets, 1);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(0.5)), MX_OK);
    cr_assert_eq(r.totals.suspended, 0);
    cr_assert_eq(r.srv[1].refused, 20);
    cr_assert(!r.dq[0].dead);
    cr_assert_eq(r.dq[0].window, 1); /* 5 -2 then -1 per failure, never below 1 */
    run_fini(&r);
    scen_free(s);
}

/* R29, R30: 200 messages at once to a server with 1 s sessions: 5 run in the first
 * second (the initial window), the window grows with good deliveries and never
 * passes the limit of 20. */
Test(qmgr, window_starts_at_five_and_stops_at_the_limit)
{
    const char text[] =
        "[simulation]\nduration = 0.2ms\ndrain = 1h\n"
        "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
        "[sender p]\nsmtp_connection_cache_on_demand = no\n"
        "[server a]\naddress = 10.0.0.1\nsession_time = 1s\n"
        "[traffic t]\nfrom = p\nto = d.\nrate = 1e6/s\narrivals = constant\n";
    struct scenario *s = load_text(text, NULL, 0);
    struct run r;
    struct mx_err err = {0};
    cr_assert_eq(run_init(&r, s, 1, 0, 0, &err), MX_OK);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(0.9)), MX_OK);
    cr_assert_eq(r.srv[0].busy, 5);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(1.5)), MX_OK);
    /* five good deliveries, each +1 (window < busy + 5): 10 run in the second second */
    cr_assert_eq(r.dq[0].window, 10);
    cr_assert_eq(r.srv[0].busy, 10);
    struct run_result res = {.server = calloc(1, sizeof *res.server)};
    cr_assert_eq(run_exec(&r, &err), MX_OK);
    run_check(&r);
    run_result(&r, &res);
    cr_assert_eq(res.delivered, 200);
    cr_assert_eq(res.server[0].peak_sessions, 20);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* R42 (mechanism of E1/E4): three equal-preference relays, one Postfix, a burst of
 * 600 messages. Without caching each relay's share is binomial around 1/3 (sd
 * sqrt(p(1-p)/600) = 0.019; allow 5 sd = 0.096). With caching, deliveries follow
 * the connections opened first, and shares swing from run to run: their sd over 8
 * runs is above 3 x the binomial sd (0.058). */
static const char burst[] =
    "[simulation]\nduration = 3s\ndrain = 1h\n"
    "[dns]\nrecord = d. 300 IN MX 10 r1.d.\nrecord = d. 300 IN MX 10 r2.d.\n"
    "record = d. 300 IN MX 10 r3.d.\nrecord = r1.d. 300 IN A 10.0.0.1\n"
    "record = r2.d. 300 IN A 10.0.0.2\nrecord = r3.d. 300 IN A 10.0.0.3\n"
    "[sender s]\nconnect_latency = lognormal(30ms, 0.5)\n"
    "[server r1]\naddress = 10.0.0.1\nsession_time = lognormal(20ms, 0.8)\n"
    "[server r2]\naddress = 10.0.0.2\nsession_time = lognormal(20ms, 0.8)\n"
    "[server r3]\naddress = 10.0.0.3\nsession_time = lognormal(20ms, 0.8)\n"
    "[traffic t]\nfrom = s\nto = d.\nrate = 200/s\narrivals = constant\n";

static double share_sd(const char *const *sets, size_t n, double *worst)
{
    struct scenario *s = load_text(burst, sets, n);
    double sum = 0, sum2 = 0;
    *worst = 0;
    for (uint64_t k = 0; k < 8; k++) {
        struct run r;
        struct run_result res;
        run_one(&r, s, k, &res);
        cr_assert_eq(res.delivered, 600);
        double x = res.server[0].share;
        sum += x, sum2 += x * x;
        for (int i = 0; i < 3; i++)
            *worst = fmax(*worst, fabs(res.server[i].share - 1.0 / 3));
        free(res.server);
        run_fini(&r);
    }
    scen_free(s);
    return sqrt((sum2 - sum * sum / 8) / 7);
}

Test(qmgr, caching_concentrates_a_burst_on_few_relays)
{
    double worst;
    const char *off[] = {"sender s.smtp_connection_cache_on_demand=no"};
    share_sd(off, 1, &worst);
    cr_assert_leq(worst, 0.096, "without caching a share strayed %.3f from 1/3", worst);
    double sd = share_sd(NULL, 0, &worst);
    cr_assert_gt(sd, 0.058, "with caching the sd of shares was only %.3f", sd);
}

/* R37 (qmgr_entry_select: "Don't enable session caching just because we have
 * concurrent deliveries"): a burst no larger than the initial window, 5 messages
 * at once to a fresh queue, runs 5 deliveries concurrently, none of them back to
 * back: no session is saved, so no smtpd worker is left held by the cache. */
Test(qmgr, a_burst_within_the_initial_window_caches_nothing)
{
    const char text[] =
        "[simulation]\nduration = 0.005ms\ndrain = 1h\n"
        "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
        "[sender p]\nconnect_latency = 1ms\n"
        "[server s]\naddress = 10.0.0.1\nsession_time = 10ms\n"
        "[traffic t]\nfrom = p\nto = d\nrate = 1e6/s\narrivals = constant\n";
    struct run r;
    struct scenario *s = start_text(&r, text, NULL, 0);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(0.5)), MX_OK);
    cr_assert_eq(r.totals.delivered, 5);
    cr_assert_eq(r.srv[0].peak, 5); /* they did run at once */
    cr_assert_eq(r.inst[0].cache_head, MX_NONE);
    cr_assert_eq(r.srv[0].busy, 0);
    run_fini(&r);
    scen_free(s);
}

/* R37, R38 (smtp_connect.c searches the cache only with CONN_LOAD): 20 messages
 * at once turn caching on once the first deliveries end (back to back) and leave
 * sessions idle in the cache; the queue then empties and is deleted (R29). A
 * message 0.5 s later starts a new queue with caching off: it neither takes one
 * of the idle sessions (they are still there, idle for less than 2 s) nor saves
 * its own. */
Test(qmgr, a_new_queue_does_not_look_in_the_cache)
{
    double times[21] = {[20] = 0.5}; /* 20 at once, then one 0.5 s later */
    write_times("/tmp/mxsim-h9-qmgr-trace.csv", times, 21);
    const char text[] =
        "[simulation]\nduration = 1s\ndrain = 1h\n"
        "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
        "[sender p]\nconnect_latency = 1ms\n"
        "[server s]\naddress = 10.0.0.1\nsession_time = 10ms\n"
        "[traffic t]\nfrom = p\nto = d\nrate = 1/s\n"
        "arrivals = trace(/tmp/mxsim-h9-qmgr-trace.csv)\n";
    struct run r;
    struct scenario *s = start_text(&r, text, NULL, 0);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(0.4)), MX_OK);
    cr_assert_eq(r.totals.delivered, 20);
    cr_assert(!r.dq[0].exists);
    cr_assert_neq(r.inst[0].cache_head, MX_NONE); /* idle sessions are cached */
    uint32_t held = r.srv[0].busy, reused = (uint32_t)r.totals.reused;
    cr_assert_gt(held, 0);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(0.6)), MX_OK);
    cr_assert_eq(r.totals.delivered, 21);
    cr_assert_eq(r.totals.reused, reused);  /* the late message did not reuse */
    cr_assert_eq(r.srv[0].busy, held);      /* nor take or add a cached session */
    run_fini(&r);
    scen_free(s);
    remove("/tmp/mxsim-h9-qmgr-trace.csv");
}

/* R28: at most qmgr_message_active_limit messages are active; the rest wait to
 * enter, so with a limit of 3 and a window of 20 only 3 sessions ever run. */
Test(qmgr, active_limit_caps_the_active_queue)
{
    const char text[] =
        "[simulation]\nduration = 0.1ms\ndrain = 1h\n"
        "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
        "[sender p]\nqmgr_message_active_limit = 3\ninitial_destination_concurrency = 20\n"
        "[server a]\naddress = 10.0.0.1\nsession_time = 1s\n"
        "[traffic t]\nfrom = p\nto = d.\nrate = 1e6/s\narrivals = constant\n";
    struct scenario *s = load_text(text, NULL, 0);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.delivered, 100);
    cr_assert_eq(res.server[0].peak_sessions, 3);
    /* 100 messages, 3 at a time, 1 s each: the last ends at 34 s; it arrived at 99 us */
    cr_assert(llabs(r.totals.delay.max - 34 * MX_NS_PER_S) < MX_NS_PER_S / 1000, "%lld",
              (long long)r.totals.delay.max);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* Messages in a queue's FIFO (waiting for a slot or for a delivery agent). */
static int in_fifo(struct run *r, uint32_t dq)
{
    int n = 0;
    for (uint32_t m = r->dq[dq].head; m != MX_NONE; m = ((struct msg *)pool_at(&r->msgs, m))->next)
        n++;
    return n;
}

/* delivery_agent_delay (mxsim's own; with the window's wait, Postfix's delays= b):
 * 10 messages 20 ms apart, each delivery 11 ms. Without the wait each message
 * finds its queue deleted (R29) and starts a fresh one without caching (R37): no
 * reuse. With 50 ms for a delivery agent the queue never empties: message 0 is
 * selected at 50 ms on a fresh queue (no caching), message 1 at 70 ms, back to
 * back with message 0's end at 61 ms, so it saves its session (R37), and messages
 * 2 to 9 each take the session the one before saved (R38): 8 reused. The wait
 * holds no window slot: never more than one session runs. */
Test(qmgr, waiting_for_a_delivery_agent_keeps_the_queue_and_its_caching)
{
    double times[10];
    for (int i = 0; i < 10; i++)
        times[i] = 0.02 * i;
    write_times("/tmp/mxsim-agent-trace.csv", times, 10);
    const char text[] =
        "[simulation]\nduration = 1s\ndrain = 1h\n"
        "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
        "[sender p]\nconnect_latency = 1ms\n"
        "[server s]\naddress = 10.0.0.1\nsession_time = 10ms\n"
        "[traffic t]\nfrom = p\nto = d\nrate = 1/s\n"
        "arrivals = trace(/tmp/mxsim-agent-trace.csv)\n";
    for (int with = 0; with <= 1; with++) {
        const char *sets[] = {"sender p.delivery_agent_delay=const(50ms)"};
        struct run r;
        struct scenario *s = start_text(&r, text, sets, with ? 1 : 0);
        cr_assert_eq(loop_run(&r.loop, mx_time_from_s(0.115)), MX_OK);
        if (with) { /* at 115 ms: messages 0 to 5 arrived, 0 to 2 are done, 3 runs
                     * (selected at 110 ms), 4 and 5 wait for an agent in the FIFO */
            cr_assert(r.dq[0].exists);
            cr_assert_eq(r.dq[0].busy, 1);
            cr_assert_eq(in_fifo(&r, 0), 2);
        }
        cr_assert_eq(loop_run(&r.loop, mx_time_from_s(2)), MX_OK);
        cr_assert_eq(r.totals.delivered, 10);
        cr_assert_eq(r.totals.reused, with ? 8 : 0);
        cr_assert_eq(r.srv[0].peak, 1);
        cr_assert_eq(in_fifo(&r, 0), 0);
        run_fini(&r);
        scen_free(s);
    }
    remove("/tmp/mxsim-agent-trace.csv");
}

/* trace_columns = time, delivery_agent_delay: each message's first delivery waits
 * its own row's value instead of the sender's draw (here const(50ms), which alone
 * gives 8 reused as above), so a replay keeps the order in which real waits came.
 * The queue selects its FIFO's head when the head is ready and a slot is free
 * (R29): a message behind a waiting one waits for it. The same 10 messages, 20 ms
 * apart, 11 ms each (1 ms to connect or for RSET, 10 ms of session):
 *   - every row 50 ms: as the draw, 8 reused;
 *   - every row 0: the rows replace the draw; no message waits, no reuse;
 *   - 50 ms for messages 0, 2 and 4, 0 for the rest: 1 (ready at 20 ms) waits
 *     behind 0; both are selected at 50 ms on a fresh queue (no caching); 2 (90
 *     ms) and 3 behind it are back to back with their ends at 61 ms, so caching
 *     comes on: both connect and save; at 130 ms 4 and 5 (behind it) take those
 *     two sessions and 6 connects; 7 (140 ms) finds all three in use; the queue
 *     empties at 151 ms, so 8 and 9 find it deleted: 2 reused;
 *   - the same waits for messages 2, 3 and 4: 0 and 1 find their queue deleted;
 *     2 waits from 40 to 90 ms on a fresh queue; 3 (110 ms) is back to back and
 *     saves; at 130 ms 4 takes that session, 5 and 6 connect; then as above: 1.
 * Draws of the same three 50 ms and seven 0 in random order cannot tell the last
 * two apart; the rows do. */
Test(qmgr, a_traces_own_waits_replace_the_draw_in_order)
{
    static const struct {
        double wait[10];
        uint64_t reused;
    } cases[] = {
        {{.05, .05, .05, .05, .05, .05, .05, .05, .05, .05}, 8},
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0},
        {{.05, 0, .05, 0, .05, 0, 0, 0, 0, 0}, 2},
        {{0, 0, .05, .05, .05, 0, 0, 0, 0, 0}, 1},
    };
    const char text[] =
        "[simulation]\nduration = 1s\ndrain = 1h\n"
        "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
        "[sender p]\nconnect_latency = 1ms\ndelivery_agent_delay = const(50ms)\n"
        "[server s]\naddress = 10.0.0.1\nsession_time = 10ms\n"
        "[traffic t]\nfrom = p\nto = d\nrate = 1/s\n"
        "arrivals = trace(/tmp/mxsim-own-wait.csv)\n"
        "trace_columns = time, delivery_agent_delay\n";
    for (size_t c = 0; c < MX_ARRAY_LEN(cases); c++) {
        FILE *f = fopen("/tmp/mxsim-own-wait.csv", "w");
        cr_assert(f);
        for (int i = 0; i < 10; i++)
            fprintf(f, "%.2f,%.2f\n", 0.02 * i, cases[c].wait[i]);
        fclose(f);
        struct run r;
        struct scenario *s = start_text(&r, text, NULL, 0);
        cr_assert_eq(loop_run(&r.loop, mx_time_from_s(2)), MX_OK);
        cr_assert_eq(r.totals.delivered, 10);
        cr_assert_eq(r.totals.reused, cases[c].reused, "case %zu: %llu reused", c,
                     (unsigned long long)r.totals.reused);
        cr_assert_eq(in_fifo(&r, 0), 0);
        run_fini(&r);
        scen_free(s);
    }
    remove("/tmp/mxsim-own-wait.csv");
}

/* R38: a cached session is probed with RSET before it carries the next message:
 * one round trip, an rset_latency draw, connect_latency's when rset_latency is not
 * set (here const 5 ms). Two messages 30 ms apart to a destination that always
 * caches: the first connects (5 ms) and delivers (10 ms); the second reuses the
 * session, 5 ms of RSET and 10 ms of delivery: both take 15 ms. With rset_latency
 * = const(2ms) the second takes 12 ms. */
Test(qmgr, a_reused_session_pays_the_rset_round_trip)
{
    write_times("/tmp/mxsim-rset-trace.csv", (const double[]){0, 0.03}, 2);
    const char text[] =
        "[simulation]\nduration = 1s\ndrain = 1h\n"
        "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
        "[sender p]\nconnect_latency = const(5ms)\nsmtp_connection_cache_destinations = d\n"
        "[server s]\naddress = 10.0.0.1\nsession_time = const(10ms)\n"
        "[traffic t]\nfrom = p\nto = d\nrate = 1/s\n"
        "arrivals = trace(/tmp/mxsim-rset-trace.csv)\n";
    struct run r;
    struct scenario *s = start_text(&r, text, NULL, 0);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(2)), MX_OK);
    cr_assert_eq(r.totals.delivered, 2);
    cr_assert_eq(r.totals.reused, 1);
    cr_assert_eq(r.totals.delay.min, mx_time_from_s(0.015));
    cr_assert_eq(r.totals.delay.max, mx_time_from_s(0.015));
    run_fini(&r);
    scen_free(s);
    /* rset_latency = const(2ms): the probe costs its own draw; the first message
     * still connects in 5 ms (15 ms), the second takes 2 + 10 = 12 ms */
    const char *sets[] = {"sender p.rset_latency=const(2ms)"};
    s = start_text(&r, text, sets, 1);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(2)), MX_OK);
    cr_assert_eq(r.totals.reused, 1);
    cr_assert_eq(r.totals.delay.min, mx_time_from_s(0.012));
    cr_assert_eq(r.totals.delay.max, mx_time_from_s(0.015));
    run_fini(&r);
    scen_free(s);
    remove("/tmp/mxsim-rset-trace.csv");
}

/* trace_columns = time, connect_latency, rset_latency, session_time: a message's
 * own values replace the draws of its first session (here const 5 ms to connect,
 * 2 ms of RSET, 10 ms of session), each where it applies; an empty field draws.
 * Three messages to a destination that always caches (R37, R38):
 *   - 0 at 0 ms, own connect 1 ms, session 20 ms: a new connection, 21 ms;
 *   - 1 at 30 ms, own connect 9 ms (not used: the session is cached), own RSET
 *     3 ms, session empty (the draw, 10 ms): 13 ms;
 *   - 2 at 60 ms, RSET empty (2 ms), session 4 ms: 6 ms.
 * With the draws alone: 15, 12 and 12 ms. Then the own connect latency is the
 * whole setup from the delivery's start, failed attempts included, as Postfix's
 * delays= c: MX 10 a refuses (R18) after its draw, 5 ms, and the connection to b
 * (MX 20) takes what is left of the message's value. With 8 ms: 3 ms, then 10 ms
 * of session: 18 ms (a connection taking all 8 ms would give 23, draws alone 20).
 * With 1 ms, less than the refusal took: nothing is left, 5 + 0 + 10 = 15 ms (a
 * refusal that took no time would give 11). */
Test(qmgr, a_traces_own_connect_rset_and_session_times_replace_the_draws)
{
    write_file("/tmp/mxsim-own-cd.csv", "time,connect_latency,rset_latency,session_time\n"
                                        "0,1ms,,20ms\n0.03,9ms,3ms,\n0.06,,,4ms\n");
    const char text[] =
        "[simulation]\nduration = 1s\ndrain = 1h\n"
        "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
        "[sender p]\nconnect_latency = const(5ms)\nrset_latency = const(2ms)\n"
        "smtp_connection_cache_destinations = d\n"
        "[server s]\naddress = 10.0.0.1\nsession_time = const(10ms)\n"
        "[traffic t]\nfrom = p\nto = d\nrate = 1/s\n"
        "arrivals = trace(/tmp/mxsim-own-cd.csv)\n"
        "trace_columns = time, connect_latency, rset_latency, session_time\n";
    struct run r;
    struct scenario *s = start_text(&r, text, NULL, 0);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(2)), MX_OK);
    cr_assert_eq(r.totals.delivered, 3);
    cr_assert_eq(r.totals.reused, 2);
    cr_assert_eq(r.totals.delay.min, mx_time_from_s(0.006));
    cr_assert_eq(r.totals.delay.max, mx_time_from_s(0.021));
    cr_assert(r.totals.delay.sum_ns == (unsigned __int128)mx_time_from_s(0.040));
    run_fini(&r);
    scen_free(s);

    /* time, connect_latency, session_time (empty) */
    write_file("/tmp/mxsim-own-cd.csv", "0,8ms,\n0.5,1ms,\n");
    const char failover[] =
        "[simulation]\nduration = 1s\ndrain = 1h\n"
        "[dns]\nrecord = d. 300 IN MX 10 a.d.\nrecord = d. 300 IN MX 20 b.d.\n"
        "record = a.d. 300 IN A 10.0.0.1\nrecord = b.d. 300 IN A 10.0.0.2\n"
        "[sender p]\nconnect_latency = const(5ms)\n"
        "[server a]\naddress = 10.0.0.1\nsession_time = const(10ms)\n"
        "[server b]\naddress = 10.0.0.2\nsession_time = const(10ms)\n"
        "[fault down]\ntarget = a\nmode = refused\nat = 0\n"
        "[traffic t]\nfrom = p\nto = d\nrate = 1/s\n"
        "arrivals = trace(/tmp/mxsim-own-cd.csv)\n"
        "trace_columns = time, connect_latency, session_time\n";
    s = start_text(&r, failover, NULL, 0);
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(2)), MX_OK);
    cr_assert_eq(r.totals.delivered, 2);
    cr_assert_eq(r.totals.delay.max, mx_time_from_s(0.018));
    cr_assert_eq(r.totals.delay.min, mx_time_from_s(0.015));
    run_fini(&r);
    scen_free(s);
    remove("/tmp/mxsim-own-cd.csv");
}

/* What a trace row's own values leave alone: the draws are still made, so every
 * other message meets the same draws as with the row's fields empty (common random
 * numbers between the two runs). Three messages a second apart (none meets
 * another), exponential connect latency and session time: with message 1 given
 * its own 2 ms and 3 ms, it takes exactly 5 ms, and messages 2 and 3 are delivered
 * at the very same times as when message 1 draws; had its draws been skipped, they
 * would take the draws message 1 took in the first run instead. */
struct done_at {
    mx_time t[4];
};

static void record_done(void *ctx, const struct trace_row *row)
{
    struct done_at *d = ctx;
    if (row->outcome == TR_DELIVERED && row->message >= 1 && row->message <= 3)
        d->t[row->message] = row->time;
}

static struct done_at run_own_rows(const char *rows)
{
    write_file("/tmp/mxsim-own-crn.csv", rows);
    const char text[] =
        "[simulation]\nduration = 10s\ndrain = 1h\n"
        "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
        "[sender p]\nconnect_latency = exp(5ms)\n"
        "[server s]\naddress = 10.0.0.1\nsession_time = exp(10ms)\n"
        "[traffic t]\nfrom = p\nto = d\nrate = 1/s\n"
        "arrivals = trace(/tmp/mxsim-own-crn.csv)\n"
        "trace_columns = time, connect_latency, session_time\n";
    struct run r;
    struct done_at d = {{0}};
    struct scenario *s = start_text(&r, text, NULL, 0);
    r.on_trace = record_done;
    r.trace_ctx = &d;
    cr_assert_eq(loop_run(&r.loop, mx_time_from_s(20)), MX_OK);
    cr_assert_eq(r.totals.delivered, 3);
    run_fini(&r);
    scen_free(s);
    remove("/tmp/mxsim-own-crn.csv");
    return d;
}

Test(qmgr, a_rows_own_values_leave_every_other_draw_alone)
{
    struct done_at drawn = run_own_rows("0,,\n1,,\n2,,\n");
    struct done_at own = run_own_rows("0,2ms,3ms\n1,,\n2,,\n");
    cr_assert_eq(own.t[1], mx_time_from_s(0.005));
    cr_assert_neq(drawn.t[1], mx_time_from_s(0.005));
    cr_assert_eq(own.t[2], drawn.t[2]);
    cr_assert_eq(own.t[3], drawn.t[3]);
}

/* A connection that waits in the server's backlog (R62, R63) starts its session
 * when a worker frees; with an own connect latency, the wait counts as setup and
 * the session starts when the value has passed, from the delivery's start.
 * process_limit 1: message 1 (at 0) connects in 1 ms (the draw) and holds the
 * worker for its own 20 ms, to 21 ms; message 2 (at 1 ms, own connect 30 ms,
 * session 5 ms) waits in the backlog from 2 ms to 21 ms, then 30 - 20 = 10 ms are
 * left: delivered at 36 ms, 35 ms after it came (without the rest, 25 ms). With an
 * own 15 ms nothing is left at 21 ms: 26 ms, 25 ms after. */
Test(qmgr, a_backlog_wait_counts_in_a_rows_own_connect_latency)
{
    const char text[] =
        "[simulation]\nduration = 1s\ndrain = 1h\n"
        "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
        "[sender p]\nconnect_latency = const(1ms)\n"
        "[server s]\naddress = 10.0.0.1\nprocess_limit = 1\nbacklog = 10\n"
        "session_time = const(10ms)\n"
        "[traffic t]\nfrom = p\nto = d\nrate = 1/s\n"
        "arrivals = trace(/tmp/mxsim-own-bl.csv)\n"
        "trace_columns = time, connect_latency, session_time\n";
    static const struct {
        const char *own_c;
        double delay;
    } cases[] = {{"30ms", 0.035}, {"15ms", 0.025}};
    for (size_t c = 0; c < MX_ARRAY_LEN(cases); c++) {
        FILE *f = fopen("/tmp/mxsim-own-bl.csv", "w");
        cr_assert(f);
        fprintf(f, "0,,20ms\n0.001,%s,5ms\n", cases[c].own_c);
        fclose(f);
        struct run r;
        struct scenario *s = start_text(&r, text, NULL, 0);
        cr_assert_eq(loop_run(&r.loop, mx_time_from_s(2)), MX_OK);
        cr_assert_eq(r.totals.delivered, 2);
        cr_assert_eq(r.totals.delay.min, mx_time_from_s(0.021));
        cr_assert_eq(r.totals.delay.max, mx_time_from_s(cases[c].delay), "own c %s",
                     cases[c].own_c);
        run_fini(&r);
        scen_free(s);
    }
    remove("/tmp/mxsim-own-bl.csv");
}
