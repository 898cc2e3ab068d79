/* policy.h -- which addresses a sender tries, in which order.
 * policy_resolve() turns a nexthop into its address list once per run (the zone is
 * fixed and, until resolvers are modelled, answers in zone order); policy_order()
 * draws one delivery's try order from it.
 * Reads:  the zone, the sender's config. Draws from the instance's stream only. */
#ifndef MXSIM_POLICY_H
#define MXSIM_POLICY_H

#include <stdint.h>

#include "model.h"

struct zone;

/* R2, R5 to R10: the nexthop's addresses sorted by preference (stable: zone order
 * within a preference, R12). Allocates d->list; policy_dest_fini frees it. */
int policy_resolve(const struct zone *z, const struct scen_sender *snd, const char *nexthop,
                   struct dest *d, struct mx_err *err);
void policy_dest_fini(struct dest *d);

/* R11, R13, R14, R53: one delivery's try order into m->try_addr. */
void policy_order(const struct dest *d, const struct scen_sender *snd, struct rng_stream *rng,
                  struct msg *m);

#endif
