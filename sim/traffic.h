/* traffic.h -- arrival processes, one per [traffic]: Poisson (optionally with a rate
 * profile), constant rate, or a replayed trace of arrival times.
 * Owns:   struct traffic_rt (its stream and nexthop index).
 * Calls:  sender_accept for each arrival; loop_schedule for the next one.
 * Arrivals fall in [0, duration); the instance of a multi-instance sender is drawn
 * uniformly from the traffic's own stream (a Poisson stream split at random is
 * Poisson at rate/instances per instance). */
#ifndef MXSIM_TRAFFIC_H
#define MXSIM_TRAFFIC_H

#include "model.h"

int traffic_init(struct run *r, uint32_t t, uint64_t seed);
void traffic_fini(struct traffic_rt *tr);
void traffic_on_arrival(void *run, const struct ev *ev);

#endif
