/* test_loop.c -- the clock and event loop (sim/loop.h): (t, seq) order, the stop
 * time, the event limit, cancel by forgetting. */
#include <signal.h>
#include <stdint.h>

#include <criterion/criterion.h>

#include "loop.h"

/* What the handlers saw, in the order they ran. */
struct trace {
    struct loop *l;
    size_t n;
    struct {
        mx_time now, t;
        uint32_t kind, ref;
        uint64_t seq;
    } e[64];
};

static void record(void *ctx, const struct ev *ev)
{
    struct trace *tr = ctx;
    cr_assert_lt(tr->n, MX_ARRAY_LEN(tr->e));
    tr->e[tr->n].now = loop_now(tr->l);
    tr->e[tr->n].t = ev->t;
    tr->e[tr->n].kind = ev->kind;
    tr->e[tr->n].ref = ev->ref;
    tr->e[tr->n].seq = ev->seq;
    tr->n++;
}

/* Kind 1 records, then schedules ref - 1 at now (a tie with anything already
 * there) while ref > 0: a handler scheduling a follow-up at the current time. */
static void record_and_chain(void *ctx, const struct ev *ev)
{
    struct trace *tr = ctx;
    record(ctx, ev);
    if (ev->ref > 0)
        loop_schedule(tr->l, loop_now(tr->l), 1, ev->ref - 1);
}

static void setup(struct loop *l, struct trace *tr)
{
    loop_init(l);
    *tr = (struct trace){.l = l};
    loop_on(l, 0, record, tr);
    loop_on(l, 1, record_and_chain, tr);
}

Test(loop, handlers_run_in_t_seq_order)
{
    struct loop l;
    struct trace tr;
    setup(&l, &tr);
    static const mx_time t[] = {30, 10, 20, 10, 30, 10};
    for (uint32_t i = 0; i < MX_ARRAY_LEN(t); i++)
        loop_schedule(&l, t[i], 0, i);
    cr_assert_eq(loop_run(&l, MX_TIME_MAX), MX_OK);
    static const uint32_t want[] = {1, 3, 5, 2, 0, 4};
    cr_assert_eq(tr.n, MX_ARRAY_LEN(want));
    for (size_t k = 0; k < tr.n; k++) {
        cr_assert_eq(tr.e[k].ref, want[k], "event %zu: ref %u, expected %u", k, tr.e[k].ref,
                     want[k]);
        cr_assert_eq(tr.e[k].now, t[want[k]], "the clock shows the event's time");
    }
    cr_assert_eq(l.events, MX_ARRAY_LEN(t));
    cr_assert(loop_idle(&l));
    loop_fini(&l);
}

Test(loop, event_scheduled_at_now_runs_after_pending_ties)
{
    /* At t = 5: chain(2) is pushed first, then plain events a and b. chain(2)
     * schedules chain(1) at 5, which must run after a and b (later seq), and so on. */
    struct loop l;
    struct trace tr;
    setup(&l, &tr);
    loop_schedule(&l, 5, 1, 2);
    loop_schedule(&l, 5, 0, 100);
    loop_schedule(&l, 5, 0, 101);
    loop_schedule(&l, 6, 0, 102);
    cr_assert_eq(loop_run(&l, MX_TIME_MAX), MX_OK);
    static const uint32_t want_kind[] = {1, 0, 0, 1, 1, 0};
    static const uint32_t want_ref[] = {2, 100, 101, 1, 0, 102};
    cr_assert_eq(tr.n, 6);
    for (size_t k = 0; k < tr.n; k++) {
        cr_assert(tr.e[k].kind == want_kind[k] && tr.e[k].ref == want_ref[k],
                  "event %zu: kind %u ref %u", k, tr.e[k].kind, tr.e[k].ref);
        if (k > 0 && tr.e[k].t == tr.e[k - 1].t)
            cr_assert_gt(tr.e[k].seq, tr.e[k - 1].seq);
    }
    loop_fini(&l);
}

Test(loop, run_until_stops_at_until_and_sets_now)
{
    struct loop l;
    struct trace tr;
    setup(&l, &tr);
    loop_schedule(&l, 10, 0, 0);
    loop_schedule(&l, 20, 0, 1); /* exactly at until: runs */
    loop_schedule(&l, 21, 0, 2);
    cr_assert_eq(loop_run(&l, 20), MX_OK);
    cr_assert_eq(tr.n, 2);
    cr_assert_eq(tr.e[1].ref, 1);
    cr_assert_eq(loop_now(&l), 20);
    cr_assert_not(loop_idle(&l));

    /* Nothing due by until: nothing runs, the clock still moves to until. */
    loop_schedule(&l, 30, 0, 3);
    cr_assert_eq(loop_run(&l, 20), MX_OK);
    cr_assert_eq(tr.n, 2);
    cr_assert_eq(loop_run(&l, 21), MX_OK);
    cr_assert_eq(tr.n, 3);
    cr_assert_eq(loop_now(&l), 21);
    cr_assert_eq(loop_run(&l, 25), MX_OK);
    cr_assert_eq(tr.n, 3);
    cr_assert_eq(loop_now(&l), 25);

    /* Drained: the clock goes to until; an earlier until never moves it back. */
    cr_assert_eq(loop_run(&l, 1000), MX_OK);
    cr_assert_eq(tr.n, 4);
    cr_assert_eq(tr.e[3].now, 30);
    cr_assert_eq(loop_now(&l), 1000);
    cr_assert(loop_idle(&l));
    cr_assert_eq(loop_run(&l, 500), MX_OK);
    cr_assert_eq(loop_now(&l), 1000);
    loop_fini(&l);
}

Test(loop, max_events_stops_with_elimit)
{
    struct loop l;
    struct trace tr;
    setup(&l, &tr);
    for (uint32_t i = 0; i < 5; i++)
        loop_schedule(&l, 10 * (i + 1), 0, i);
    l.max_events = 3;
    cr_assert_eq(loop_run(&l, 100), MX_ELIMIT);
    cr_assert_eq(tr.n, 3);
    cr_assert_eq(l.events, 3);
    cr_assert_eq(loop_now(&l), 30, "the clock stays at the last event run, not until");
    cr_assert_eq(evq_len(&l.q), 2);
    /* Still at the limit on the next call; raising it lets the rest run. */
    cr_assert_eq(loop_run(&l, 100), MX_ELIMIT);
    cr_assert_eq(tr.n, 3);
    l.max_events = 0;
    cr_assert_eq(loop_run(&l, 100), MX_OK);
    cr_assert_eq(tr.n, 5);
    cr_assert_eq(loop_now(&l), 100);
    loop_fini(&l);
}

Test(loop, max_events_counts_events_handlers_schedule)
{
    /* chain(9) makes 10 events in all; a limit of 4 runs exactly 4. */
    struct loop l;
    struct trace tr;
    setup(&l, &tr);
    loop_schedule(&l, 1, 1, 9);
    l.max_events = 4;
    cr_assert_eq(loop_run(&l, MX_TIME_MAX), MX_ELIMIT);
    cr_assert_eq(tr.n, 4);
    cr_assert_eq(tr.e[3].ref, 6);
    loop_fini(&l);
}

/* Kind 3 records and asks the loop to stop after this event at ref 1. */
static void record_and_stop(void *ctx, const struct ev *ev)
{
    struct trace *tr = ctx;
    record(ctx, ev);
    if (ev->ref == 1)
        tr->l->stop = true;
}

Test(loop, stop_returns_after_the_current_event)
{
    struct loop l;
    struct trace tr;
    setup(&l, &tr);
    loop_on(&l, 3, record_and_stop, &tr);
    for (uint32_t i = 0; i < 3; i++)
        loop_schedule(&l, 10 * (i + 1), 3, i);
    loop_schedule(&l, 20, 0, 9); /* a tie after the stopping event: not run */
    cr_assert_eq(loop_run(&l, 100), MX_OK);
    cr_assert_eq(tr.n, 2);
    cr_assert_eq(tr.e[1].ref, 1);
    cr_assert_eq(loop_now(&l), 20, "stopped: the clock stays at the stopping event");
    cr_assert_eq(evq_len(&l.q), 2);
    l.stop = false;
    cr_assert_eq(loop_run(&l, 100), MX_OK);
    cr_assert_eq(tr.n, 4);
    cr_assert_eq(tr.e[2].ref, 9);
    cr_assert_eq(loop_now(&l), 100);
    loop_fini(&l);
}

/* Cancel by forgetting: a timer object keeps the seq of the event it still wants;
 * rearming schedules a new event and leaves the old one to be skipped. */
struct timer {
    struct loop *l;
    uint64_t want_seq;
    int fired;
    mx_time fired_at;
};

static void on_timer(void *ctx, const struct ev *ev)
{
    struct timer *tm = ctx;
    if (ev->seq != tm->want_seq) {
        loop_stale(tm->l);
        return;
    }
    tm->fired++;
    tm->fired_at = ev->t;
}

Test(loop, stale_events_are_skipped_by_seq)
{
    struct loop l;
    loop_init(&l);
    struct timer tm = {.l = &l};
    loop_on(&l, 2, on_timer, &tm);
    tm.want_seq = loop_schedule(&l, 100, 2, 0);
    tm.want_seq = loop_schedule(&l, 50, 2, 0);  /* rearmed earlier */
    tm.want_seq = loop_schedule(&l, 200, 2, 0); /* rearmed later */
    cr_assert_eq(loop_run(&l, 250), MX_OK);
    cr_assert_eq(tm.fired, 1);
    cr_assert_eq(tm.fired_at, 200);
    cr_assert_eq(l.stale, 2);
    cr_assert_eq(l.events, 3, "stale events count as events run");

    /* Cancelled outright: a zeroed tag, as 0 never names an event. */
    tm.want_seq = loop_schedule(&l, 300, 2, 0);
    cr_assert_neq(tm.want_seq, 0);
    tm.want_seq = 0;
    cr_assert_eq(loop_run(&l, 400), MX_OK);
    cr_assert_eq(tm.fired, 1);
    cr_assert_eq(l.stale, 3);
    loop_fini(&l);
}

Test(loop, scheduling_before_now_aborts, .signal = SIGABRT)
{
    struct loop l;
    struct trace tr;
    setup(&l, &tr);
    cr_assert_eq(loop_run(&l, 100), MX_OK);
    loop_schedule(&l, 99, 0, 0);
    loop_fini(&l);
}

/* Kind 4 records, then while ref > 0 schedules ref - 1 a fixed delay ahead (0, 5 or
 * 10: the loop's FIFOs) and a plain event 0 to 3 ahead (the heap). ctx->after picks
 * loop_schedule_after or loop_schedule at now + delay for the first. */
struct fixed_trace {
    struct trace tr;
    bool after;
};

static void record_fixed(void *ctx, const struct ev *ev)
{
    struct fixed_trace *ft = ctx;
    struct loop *l = ft->tr.l;
    record(&ft->tr, ev);
    if (ev->ref == 0)
        return;
    mx_time d = (mx_time)(ev->ref % 3) * 5;
    if (ft->after)
        loop_schedule_after(l, d, 4, ev->ref - 1);
    else
        loop_schedule(l, loop_now(l) + d, 4, ev->ref - 1);
    loop_schedule(l, loop_now(l) + (mx_time)(ev->ref % 4), 0, 1000 + ev->ref);
}

static void run_fixed(struct fixed_trace *ft, struct loop *l, bool after)
{
    loop_init(l);
    *ft = (struct fixed_trace){.tr = {.l = l}, .after = after};
    loop_on(l, 0, record, &ft->tr);
    loop_on(l, 4, record_fixed, ft);
    loop_schedule(l, 0, 4, 20);
    loop_schedule(l, 0, 0, 999);
    loop_schedule(l, 7, 0, 998);
    cr_assert_eq(loop_run(l, MX_TIME_MAX), MX_OK);
    cr_assert(loop_idle(l));
}

Test(loop, schedule_after_runs_in_the_order_of_schedule)
{
    /* The FIFOs change what an event costs, never when it runs: the same script with
     * loop_schedule_after and with loop_schedule(now + delay) runs the same events,
     * seqs included. */
    struct loop l1, l2;
    struct fixed_trace a, b;
    run_fixed(&a, &l1, true);
    run_fixed(&b, &l2, false);
    cr_assert_eq(a.tr.n, 43);
    cr_assert_eq(a.tr.n, b.tr.n);
    for (size_t k = 0; k < a.tr.n; k++)
        cr_assert(a.tr.e[k].t == b.tr.e[k].t && a.tr.e[k].seq == b.tr.e[k].seq &&
                      a.tr.e[k].kind == b.tr.e[k].kind && a.tr.e[k].ref == b.tr.e[k].ref,
                  "event %zu: (t %lld, ref %u) against (t %lld, ref %u)", k,
                  (long long)a.tr.e[k].t, a.tr.e[k].ref, (long long)b.tr.e[k].t, b.tr.e[k].ref);
    cr_assert_gt(l1.q.n_fifo, 0);
    loop_fini(&l1);
    loop_fini(&l2);
}
