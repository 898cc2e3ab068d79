/* sender.h -- a sending MTA instance: its queue manager and its smtp deliveries.
 * Owns:   messages (the msg pool), destination queues (struct dq), instances'
 *         deferred counts, the run totals.
 * Reads:  the sender's const config, the per-run nexthop table (struct dest).
 * Calls:  policy_order for try orders, server_* for connections, loop_schedule.
 * Invariants: (1) every live message is in exactly one state: waiting in a
 *   destination queue, delivering (one pending event of its own: start, connect
 *   failure, greeting timeout or session end), or deferred (one EV_RETRY);
 *   (2) dq->busy <= the sender's smtp_destination_concurrency_limit;
 *   (3) messages counted = delivered + bounced + live counted messages. */
#ifndef MXSIM_SENDER_H
#define MXSIM_SENDER_H

#include <stdint.h>

#include "model.h"

/* A new message for instance inst, nexthop queue dq; arrived now. */
void sender_accept(struct run *r, uint32_t inst, uint32_t dq);

void sender_on_start(void *run, const struct ev *ev);
void sender_on_dns_done(void *run, const struct ev *ev);
void sender_on_connect_fail(void *run, const struct ev *ev);
void sender_on_greeting_timeout(void *run, const struct ev *ev);
void sender_on_session_end(void *run, const struct ev *ev);
void sender_on_retry(void *run, const struct ev *ev);

void sender_check(const struct run *r);

#endif
