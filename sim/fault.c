/* fault.c -- see fault.h. */
#include "fault.h"

#include "server.h"
#include "zone.h"

void fault_init(struct run *r, uint32_t f)
{
    const struct scen_fault *c = &r->scen->faults[f];
    if (c->len == 0)
        return; /* a zero-length window never opens */
    loop_schedule(&r->loop, c->at, EV_FAULT, f * 2);
    if (c->len != MX_TIME_MAX && c->at <= MX_TIME_MAX - c->len)
        loop_schedule(&r->loop, c->at + c->len, EV_FAULT, f * 2 + 1);
}

void fault_on_edge(void *run, const struct ev *ev)
{
    struct run *r = run;
    const struct scen_fault *c = &r->scen->faults[ev->ref / 2];
    int delta = ev->ref % 2 ? -1 : +1;
    switch (c->target) {
    case TARGET_SERVER:
        server_fault(r, (uint32_t)c->server, c->mode, delta);
        break;
    case TARGET_DNS: /* R7: every fetch fails with SERVFAIL while open */
        r->auth.servfail_all = (uint32_t)((int64_t)r->auth.servfail_all + delta);
        break;
    case TARGET_NAME: {
        uint32_t name = zone_name(r->scen->zone, c->dns_name);
        uint32_t *n = &r->auth.servfail[r->auth.qname[name]];
        *n = (uint32_t)((int64_t)*n + delta);
        break;
    }
    }
}
