/* qmgr.h -- Postfix's queue manager, per destination queue (instance x nexthop, R1):
 * the concurrency window with its feedback (R29 to R31), dead destinations (R32),
 * and the on-demand connection-caching decision (R37).
 * Owns:   struct dq (window, busy count, waiting FIFO, dead state, cache flags), and
 *         each instance's active-queue count and admission queues (R28).
 * Calls:  sender_start for a message it lets go, sender_suspend for one it defers
 *         without a delivery ("delivery temporarily suspended"); loop_schedule.
 * Invariants: (1) a delivery starts only while busy < window (busy may exceed
 *   window after a cut); a dead queue starts nothing and holds no waiting mail; (2) a queue with busy = 0 and nothing waiting is deleted: its window and
 *   flags start afresh with the next message (R29); (3) waiting messages are in
 *   FIFO order of arrival at the queue. */
#ifndef MXSIM_QMGR_H
#define MXSIM_QMGR_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

enum qmgr_feedback {
    QMGR_GOOD,      /* delivered, or a hard failure that is not the site's (R36) */
    QMGR_SITE_FAIL, /* every address failed, or DNS failed temporarily (R36) */
};

/* R28: a new (fresh = true) or retried message asks to enter its instance's active
 * queue: at once if it holds fewer than qmgr_message_active_limit messages, else it
 * waits, new mail before retried mail. */
void qmgr_admit(struct run *r, uint32_t m, bool fresh);
/* A message left the active queue (delivered, bounced or deferred). */
void qmgr_left(struct run *r, uint32_t inst);
void qmgr_on_admit(void *run, const struct ev *ev);
/* EV_AGENT: the head of a queue's FIFO is ready (delivery_agent_delay): select. */
void qmgr_on_agent(void *run, const struct ev *ev);
/* A delivery of queue dq ended with this feedback. */
void qmgr_done(struct run *r, uint32_t dq, enum qmgr_feedback fb);
/* R37: should the delivery being started on dq save its session afterwards
 * (Postfix's CONN_STORE)? Should it look for a cached session first (CONN_LOAD,
 * R38)? Both as decided when it was selected. */
bool qmgr_cache_store(const struct run *r, uint32_t dq);
bool qmgr_cache_load(const struct run *r, uint32_t dq);
void qmgr_on_revive(void *run, const struct ev *ev);
void qmgr_check(const struct run *r, uint32_t dq);

#endif
