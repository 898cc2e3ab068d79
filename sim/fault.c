/* fault.c -- see fault.h. */
#include "fault.h"

#include "server.h"

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
    server_fault(r, (uint32_t)c->server, c->mode, ev->ref % 2 ? -1 : +1);
}
