/* fault.h -- fault windows: [fault] at = T, for = D, on a server (R65) or on DNS.
 * Owns:   nothing but the events that open and close each window.
 * Calls:  server_fault at each edge of a server's window; counts open servfail
 *         windows in the run's resolver_auth for DNS targets (R7).
 * Overlapping windows stack: a server is black-holed while any blackhole window is
 * open, else refuses while any refused window is open; a name fails while any
 * servfail window on it or on "dns" is open. */
#ifndef MXSIM_FAULT_H
#define MXSIM_FAULT_H

#include "model.h"

void fault_init(struct run *r, uint32_t f);
void fault_on_edge(void *run, const struct ev *ev);

#endif
