/* sender.h -- a sending MTA instance: its queue manager and its smtp deliveries.
 * Owns:   messages (the msg pool), instances' deferred counts, the run totals.
 * Reads:  the sender's const config, the per-run nexthop table (struct dest).
 * Calls:  policy_* for lookups and try orders, qmgr_* for windows, scache_* for
 *         cached connections, server_* for new ones, loop_schedule.
 * Invariants: (1) every live message is in exactly one state: waiting in a
 *   destination queue, delivering (one pending event of its own: start, connect
 *   failure, greeting timeout or session end), or deferred (one EV_RETRY);
 *   (2) messages counted = delivered + bounced + live counted messages. */
#ifndef MXSIM_SENDER_H
#define MXSIM_SENDER_H

#include <stdint.h>

#include "model.h"

/* A message for instance inst, nexthop queue dq, recipient domain; arrived now at
 * this hop; origin: when it entered the system. from: the message a relay server
 * forwards (its flags carry over), or MX_NONE for a new one. own: NULL, or a new
 * message's own values from its trace row (trace_columns), indexed by enum
 * scen_own, -1 where it has none: each replaces one draw (its first delivery's
 * agent wait, its first session's connect or RSET latency and session time). */
void sender_accept(struct run *r, uint32_t inst, uint32_t dq, uint32_t domain, mx_time origin,
                   uint32_t from, const mx_time *own);
/* For qmgr: start a delivery of m (its window slot is taken). */
void sender_start(struct run *r, uint32_t m);
/* For qmgr: defer m without a delivery (dead destination, R32). */
void sender_suspend(struct run *r, uint32_t m);

void sender_on_start(void *run, const struct ev *ev);
void sender_on_dns_done(void *run, const struct ev *ev);
void sender_on_connect_fail(void *run, const struct ev *ev);
void sender_on_greeting_timeout(void *run, const struct ev *ev);
void sender_on_session_end(void *run, const struct ev *ev);
void sender_on_retry(void *run, const struct ev *ev);

void sender_check(const struct run *r);

#endif
