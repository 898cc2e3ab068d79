/* holdbench.c -- the bare hold loop on mxsim's own heap (sim/evq.c): the floor the
 * event loop is measured against (issue 10, docs/performance.md).
 *
 *   mxsim-holdbench N [OPS] [SEED]
 *
 * Fills an evq with N events at Exp(1 s) times, then runs the classic hold model:
 * pop the earliest, draw an exponential (GSL taus2 through the project's rng, as
 * mxsim's session times are drawn), push it back at now + draw. N stays constant.
 * After N warm-up holds, OPS holds (default 2e7) are timed two ways:
 *   pop_push:    evq_pop + evq_push, what mxsim's loop does (loop_run pops, a
 *                handler calls loop_schedule -> evq_push);
 *   replace_top: evq_replace_top, one sift (STYLE 7's fused replace-top).
 * Prints one line of key=value pairs; events/s = holds per second of wall time.
 * Same compiler flags as mxsim (RelWithDebInfo: -O2 -g, asserts on). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "evq.h"
#include "mx.h"
#include "rng.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One draw, as mxsim turns a GSL double into time: mx_time_from_s. */
static mx_time draw(struct rng_stream *r)
{
    return mx_time_from_s(gsl_ran_exponential(r->r, 1.0));
}

static double run_pop_push(struct evq *q, struct rng_stream *r, unsigned long long ops,
                           mx_time *sink)
{
    struct ev ev;
    double t0 = now_s();
    for (unsigned long long i = 0; i < ops; i++) {
        evq_pop(q, &ev);
        if (evq_push(q, ev.t + draw(r), ev.kind, ev.ref, NULL) != MX_OK)
            abort();
    }
    double dt = now_s() - t0;
    *sink += ev.t;
    return dt;
}

static double run_replace(struct evq *q, struct rng_stream *r, unsigned long long ops,
                          mx_time *sink)
{
    double t0 = now_s();
    for (unsigned long long i = 0; i < ops; i++) {
        const struct ev *top = evq_peek(q);
        evq_replace_top(q, top->t + draw(r), top->kind, top->ref);
    }
    double dt = now_s() - t0;
    *sink += evq_peek(q)->t;
    return dt;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mxsim-holdbench N [OPS] [SEED]\n");
        return 2;
    }
    gsl_set_error_handler_off();
    size_t n = strtoull(argv[1], NULL, 10);
    unsigned long long ops = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000000ULL;
    unsigned long long seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
    if (n < 1 || ops < 1) {
        fprintf(stderr, "mxsim-holdbench: N and OPS must be >= 1\n");
        return 2;
    }
    struct rng_stream r;
    if (rng_init(&r, rng_derive(seed, 0, 0, "holdbench")) != MX_OK)
        return 3;
    struct evq q;
    mx_time sink = 0;
    double dt[2];
    for (int variant = 0; variant < 2; variant++) {
        evq_init(&q);
        for (size_t i = 0; i < n; i++)
            if (evq_push(&q, draw(&r), 1, (uint32_t)i, NULL) != MX_OK)
                return 3;
        /* warm-up: n holds, so the heap's shape is the steady state's */
        if (variant == 0)
            run_pop_push(&q, &r, n, &sink);
        else
            run_replace(&q, &r, n, &sink);
        dt[variant] = variant == 0 ? run_pop_push(&q, &r, ops, &sink)
                                   : run_replace(&q, &r, ops, &sink);
        evq_check(&q);
        if (evq_len(&q) != n)
            abort();
        evq_fini(&q);
    }
    rng_fini(&r);
    printf("holdbench n=%zu ops=%llu pop_push_s=%.4f pop_push_events_per_s=%.4g "
           "replace_top_s=%.4f replace_top_events_per_s=%.4g sink=%lld\n",
           n, ops, dt[0], (double)ops / dt[0], dt[1], (double)ops / dt[1], (long long)(sink & 1));
    return 0;
}
