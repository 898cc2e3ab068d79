/* traffic.c -- see traffic.h.
 * Poisson arrivals with a profile are made by thinning (Lewis and Shedler 1979):
 * candidates at the profile's highest rate, each kept with probability m(t) / max,
 * which is exact for a piecewise-constant rate. A trace is streamed from its file:
 * one pending time at a time. */
#include "traffic.h"

#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "sender.h"
#include "series.h"

/* The profile's multiplier at time t (binary search in its cycle). */
static double multiplier(const struct scen_traffic *c, mx_time t)
{
    t %= c->profile_period;
    size_t lo = 0, hi = c->n_profile - 1; /* the last row closes the cycle */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (c->profile_time[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return c->profile_mult[lo];
}

/* The next arrival after from, or MX_TIME_MAX for none. */
static mx_time next_arrival(struct run *r, uint32_t t, mx_time from)
{
    const struct scen_traffic *c = &r->scen->traffic[t];
    struct traffic_rt *tr = &r->traffic[t];
    if (c->arrivals == ARRIVALS_TRACE) {
        struct series_row row;
        bool got = false; /* series_next leaves it alone when it fails */
        struct mx_err err = {0};
        if (series_next(tr->trace, &row, &got, &err) != MX_OK)
            r->loop.nomem = true; /* checked at load: only I/O or memory can fail here */
        for (unsigned k = 0; k < SCEN_OWN_KINDS; k++)
            tr->next_own[k] = -1;
        for (unsigned k = 0; got && k < c->n_own; k++)
            tr->next_own[c->own_kind[k]] = row.own[k];
        return got ? row.t : MX_TIME_MAX;
    }
    if (c->rate_per_s <= 0)
        return MX_TIME_MAX;
    if (c->arrivals == ARRIVALS_CONSTANT)
        return mx_add(from, mx_time_from_s(1.0 / c->rate_per_s));
    double peak = c->n_profile ? c->rate_per_s * c->profile_max : c->rate_per_s;
    if (peak <= 0)
        return MX_TIME_MAX;
    for (mx_time at = from;;) {
        at = mx_add(at, mx_time_from_s(gsl_ran_exponential(tr->rng.r, 1.0 / peak)));
        if (at >= r->end_of_arrivals)
            return MX_TIME_MAX;
        if (!c->n_profile || rng_uniform(&tr->rng) * c->profile_max < multiplier(c, at))
            return at;
    }
}

static void schedule_next(struct run *r, uint32_t t, mx_time from)
{
    mx_time at = next_arrival(r, t, from);
    if (at < from) /* a trace time before the run's clock: the trace was checked */
        at = from;
    if (at < r->end_of_arrivals)
        loop_schedule(&r->loop, at, EV_ARRIVAL, t);
}

int traffic_init(struct run *r, uint32_t t, uint64_t seed)
{
    const struct scen_traffic *c = &r->scen->traffic[t];
    struct traffic_rt *tr = &r->traffic[t];
    if (rng_init(&tr->rng, seed) != MX_OK)
        return MX_ENOMEM;
    if (c->arrivals == ARRIVALS_TRACE) {
        struct mx_err err = {0};
        if (!(tr->trace = malloc(sizeof *tr->trace)) ||
            series_open(tr->trace, c->trace_path, SERIES_TIMES, &err) != MX_OK) {
            free(tr->trace);
            tr->trace = NULL;
            return MX_ENOMEM;
        }
        series_columns(tr->trace, c->own_name, c->n_own);
        schedule_next(r, t, 0);
    } else if (c->arrivals == ARRIVALS_CONSTANT) {
        if (c->rate_per_s > 0)
            loop_schedule(&r->loop, 0, EV_ARRIVAL, t);
    } else {
        schedule_next(r, t, 0);
    }
    return MX_OK;
}

void traffic_fini(struct traffic_rt *tr)
{
    if (tr->rng.r)
        rng_fini(&tr->rng);
    if (tr->trace) {
        series_close(tr->trace);
        free(tr->trace);
        tr->trace = NULL;
    }
}

void traffic_on_arrival(void *run, const struct ev *ev)
{
    struct run *r = run;
    uint32_t t = ev->ref;
    const struct scen_traffic *c = &r->scen->traffic[t];
    uint32_t first = r->inst_base[c->sender];
    uint32_t n = (uint32_t)r->scen->senders[c->sender].instances;
    uint32_t inst = first + (n > 1 ? rng_below(&r->traffic[t].rng, n) : 0);
    sender_accept(r, inst, r->inst[inst].dq_base + r->traffic[t].nexthop, r->traffic[t].domain,
                  ev->t, MX_NONE, c->n_own ? r->traffic[t].next_own : NULL);
    schedule_next(r, t, ev->t);
}
