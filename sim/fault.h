/* fault.h -- fault windows on servers, sites, addresses (R65) and DNS (R7): fixed
 * (at = T1, T2 with for = D) or random (mtbf/mttr, or uptime/downtime distributions).
 * Owns:   the events that open and close each window; each fault's stream; the
 *         per-address fault counts (run->addr_faults).
 * Calls:  server_fault at each edge of a server's window; counts open servfail
 *         windows in the run's resolver_auth for DNS targets (R7).
 * Overlapping windows stack: a server is black-holed while any blackhole window is
 * open, else refuses while any refused window is open; a name fails while any
 * servfail window on it or on "dns" is open. */
#ifndef MXSIM_FAULT_H
#define MXSIM_FAULT_H

#include "model.h"

/* Schedules the fault's windows (or its first failure); seeds its stream. */
int fault_init(struct run *r, uint32_t f, uint64_t seed);
void fault_on_edge(void *run, const struct ev *ev);

#endif
