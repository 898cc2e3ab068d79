/* fault.c -- see fault.h. */
#include "fault.h"

#include "dist.h"
#include "server.h"
#include "zone.h"

/* A fault's windows are all scheduled at the start (two events each); a random
 * fault schedules its next edge when one happens, from its own stream. */
int fault_init(struct run *r, uint32_t f, uint64_t seed)
{
    const struct scen_fault *c = &r->scen->faults[f];
    if (rng_init(&r->fault_rng[f], seed) != MX_OK)
        return MX_ENOMEM;
    if (c->random) {
        loop_schedule(&r->loop, dist_draw(&c->up, &r->fault_rng[f]), EV_FAULT, f * 2);
        return MX_OK;
    }
    for (size_t i = 0; i < c->n_windows; i++) {
        if (c->len[i] == 0)
            continue; /* a zero-length window never opens */
        loop_schedule(&r->loop, c->at[i], EV_FAULT, f * 2);
        if (c->len[i] != MX_TIME_MAX && c->at[i] <= MX_TIME_MAX - c->len[i])
            loop_schedule(&r->loop, c->at[i] + c->len[i], EV_FAULT, f * 2 + 1);
    }
    return MX_OK;
}

static void count(uint32_t *n, int delta)
{
    assert(delta > 0 || *n > 0);
    *n = (uint32_t)((int64_t)*n + delta);
}

void fault_on_edge(void *run, const struct ev *ev)
{
    struct run *r = run;
    uint32_t f = ev->ref / 2;
    const struct scen_fault *c = &r->scen->faults[f];
    int delta = ev->ref % 2 ? -1 : +1;
    switch (c->target) {
    case TARGET_SERVER:
        server_fault(r, (uint32_t)c->server, c->mode, c->factor, delta);
        break;
    case TARGET_SITE: /* every server of the site at once */
        for (size_t i = 0; i < c->n_site; i++)
            server_fault(r, (uint32_t)c->site[i], c->mode, c->factor, delta);
        break;
    case TARGET_ADDR:
        count(&r->addr_faults[(size_t)zone_addr(r->scen->zone, c->addr) * FAULT_MODES + c->mode],
              delta);
        break;
    case TARGET_DNS: /* R7: every fetch fails with SERVFAIL while open */
        count(&r->auth.servfail_all, delta);
        break;
    case TARGET_NAME: {
        uint32_t name = zone_name(r->scen->zone, c->dns_name);
        count(&r->auth.servfail[r->auth.qname[name]], delta);
        count(&r->auth.servfail_names, delta);
        break;
    }
    }
    if (c->random) { /* down for a downtime draw, then up for an uptime draw */
        const struct dist *d = delta > 0 ? &c->down : &c->up;
        mx_time gap = dist_draw(d, &r->fault_rng[f]), now = loop_now(&r->loop);
        if (gap < MX_TIME_MAX - now)
            loop_schedule(&r->loop, now + gap, EV_FAULT, f * 2 + (delta > 0));
    }
}
