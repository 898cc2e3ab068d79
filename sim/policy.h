/* policy.h -- which addresses one delivery tries, in which order.
 * policy_lookup() asks the sender's resolver for the nexthop's records, as Postfix
 * does for every delivery (R4, R45), and builds the address list sorted by
 * preference; policy_order() draws the try order from it.
 * Reads:  the zone, the sender's config. Draws from the resolver's and the
 *         instance's streams. Writes only the run's lookup scratch and the message. */
#ifndef MXSIM_POLICY_H
#define MXSIM_POLICY_H

#include <stdint.h>

#include "model.h"

struct resolver_rt;

/* The longest address list one delivery builds (MX hosts x their addresses); past it
 * the list is cut (model.md). */
#define POLICY_MAX_LIST (UINT32_C(1) << 16)

/* A nexthop, resolved from the scenario once: hop is a relayhost or fallback relay
 * entry, or NULL for a recipient domain (name). */
void policy_hop_init(const struct scenario *s, const struct scen_sender *snd,
                     const struct scen_hop *hop, const char *name, struct dest *d);

/* A nexthop's lookup plan, for resolvers whose answers always come in zone order
 * (resolver_zone_order): the queries a lookup makes, in order, and the list it
 * then always builds. Made once per run for each hop whose lookup succeeds and
 * is short (at most POLICY_PLAN_MAX MX records and POLICY_PLAN_MAX addresses);
 * d->plan stays NULL otherwise.
 * MX_ENOMEM or MX_OK. policy_plan_free frees it. */
#define POLICY_PLAN_MAX 64
int policy_plan(struct run *r, struct dest *d);
void policy_plan_free(struct dest *d);

/* R2, R4 to R10: the nexthop's addresses, sorted by preference and in resolver
 * order within one (R12), into r->scratch (*n of them). Adds the DNS time to
 * *latency. A hop with a plan, asked through a resolver in zone order, costs the
 * plan's queries and copies its list: the same answer, the same draws. */
enum dest_outcome policy_lookup(struct run *r, const struct dest *d, struct resolver_rt *res,
                                uint32_t *n, mx_time *latency);

/* R46 to R52: exim and sendmail order equal preferences their own ways, and skip
 * addresses that failed recently. Reorders and filters list in place (postfix and
 * ordered senders: no change); returns the new length. */
uint32_t policy_rank(struct run *r, struct dest_entry *list, uint32_t n, uint32_t inst);

/* R11, R13, R14, R53: one delivery's try order into m->try_addr. */
void policy_order(const struct dest_entry *list, uint32_t n, const struct scen_sender *snd,
                  struct rng_stream *rng, struct msg *m);

#endif
