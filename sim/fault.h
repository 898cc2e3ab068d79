/* fault.h -- fault windows on servers: [fault] at = T, for = D (R65).
 * Owns:   nothing but the events that open and close each window.
 * Calls:  server_fault at each edge. Overlapping windows stack: a server is
 *         black-holed while any blackhole window is open, else refuses while any
 *         refused window is open. */
#ifndef MXSIM_FAULT_H
#define MXSIM_FAULT_H

#include "model.h"

void fault_init(struct run *r, uint32_t f);
void fault_on_edge(void *run, const struct ev *ev);

#endif
