/* traffic.c -- see traffic.h. */
#include "traffic.h"

#include <gsl/gsl_randist.h>

#include "sender.h"

static mx_time next_gap(struct run *r, uint32_t t)
{
    const struct scen_traffic *c = &r->scen->traffic[t];
    if (c->arrivals == ARRIVALS_CONSTANT)
        return mx_time_from_s(1.0 / c->rate_per_s);
    return mx_time_from_s(gsl_ran_exponential(r->traffic[t].rng.r, 1.0 / c->rate_per_s));
}

static void schedule_next(struct run *r, uint32_t t, mx_time from)
{
    mx_time gap = next_gap(r, t), at = mx_add(from, gap);
    if (gap > 0 && at < r->end_of_arrivals) /* gap 0: a rate too high to resolve in ns */
        loop_schedule(&r->loop, at, EV_ARRIVAL, t);
    else if (gap == 0 && from < r->end_of_arrivals)
        loop_schedule(&r->loop, from, EV_ARRIVAL, t);
}

int traffic_init(struct run *r, uint32_t t, uint64_t seed)
{
    if (rng_init(&r->traffic[t].rng, seed) != MX_OK)
        return MX_ENOMEM;
    if (r->scen->traffic[t].rate_per_s <= 0)
        return MX_OK; /* rate 0: no arrivals */
    if (r->scen->traffic[t].arrivals == ARRIVALS_CONSTANT)
        loop_schedule(&r->loop, 0, EV_ARRIVAL, t);
    else
        schedule_next(r, t, 0);
    return MX_OK;
}

void traffic_fini(struct traffic_rt *tr)
{
    if (tr->rng.r)
        rng_fini(&tr->rng);
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
                  ev->t, MX_NONE);
    schedule_next(r, t, ev->t);
}
