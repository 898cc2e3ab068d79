/* loop.h -- the simulation clock and the event loop.
 * Owns:   the clock, the pending-event set (evq), the handler table, the event and
 *         stale-event counters, and a sticky out-of-memory flag.
 * Calls:  the handlers the model registers. Knows nothing of mail.
 * Invariants: (1) now never decreases: an event is never scheduled before now;
 *   (2) handlers run in (t, seq) order; (3) limits (max_events, the stop time) are
 *   checked between events, never inside a handler.
 * Cancel by forgetting (ns-3, STYLE 7): the owner of an object keeps the seq of the
 * event it still wants; a handler whose ev->seq differs calls loop_stale() and
 * returns.
 * Cost: most handlers schedule a follow-up; the first one a handler schedules
 * replaces the event being run in the heap (STYLE 7's fused replace-top), so such an
 * event costs one sift, not two. */
#ifndef MXSIM_LOOP_H
#define MXSIM_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "evq.h"
#include "mx.h"

struct loop;
typedef void (*loop_handler)(void *ctx, const struct ev *ev);

#define LOOP_MAX_KINDS 16
#define LOOP_PROGRESS_EVERY (UINT64_C(1) << 20)
#define LOOP_MEMORY_EVERY (UINT64_C(1) << 16) /* events between checks of max_rss */

struct loop {
    struct evq q;
    mx_time now;
    uint64_t events; /* handlers run, stale ones included */
    uint64_t stale;  /* events whose owner had moved on */
    uint64_t max_events; /* 0 = no limit */
    uint64_t max_rss;    /* bytes of resident memory (--max-memory); 0 = no limit */
    bool over_memory;    /* loop_run returned MX_ELIMIT for max_rss */
    bool nomem;      /* a schedule failed: the run stops with MX_ENOMEM */
    bool stop;       /* set by a handler: loop_run returns after this event */
    /* While a handler runs, its event is still the heap's top, consumed but not yet
     * removed: the first loop_schedule of the handler overwrites it (evq_replace_top,
     * one sift instead of a pop and a push), and loop_run removes it if none came.
     * The heap then holds the same events either way, so the order is unchanged. */
    bool top_consumed;
    /* Set from outside (a signal handler): loop_run returns MX_EINTR between events. */
    const volatile sig_atomic_t *interrupt;
    /* Called every LOOP_PROGRESS_EVERY events, between events, if set. */
    void (*progress)(void *ctx, const struct loop *l);
    void *progress_ctx;
    loop_handler handler[LOOP_MAX_KINDS];
    void *ctx[LOOP_MAX_KINDS];
};

/* The process's resident memory in bytes (/proc/self/statm), 0 if unknown. */
uint64_t loop_rss(void);

void loop_init(struct loop *l);
void loop_fini(struct loop *l);
void loop_on(struct loop *l, uint32_t kind, loop_handler h, void *ctx);

/* Schedules kind/ref at absolute time t >= now; returns the event's seq. On out of
 * memory sets l->nomem (the run then stops between events) and returns 0. */
uint64_t loop_schedule(struct loop *l, mx_time t, uint32_t kind, uint32_t ref);
/* Schedules kind/ref at now + delay (saturated), as loop_schedule does, for a delay
 * that recurs: a configured timeout, or 0 for "at once". Such events wait in a FIFO
 * per delay (evq.h), at O(1), not in the heap; the order is the same. */
uint64_t loop_schedule_after(struct loop *l, mx_time delay, uint32_t kind, uint32_t ref);

static inline mx_time loop_now(const struct loop *l)
{
    return l->now;
}
static inline void loop_stale(struct loop *l)
{
    l->stale++;
}

/* Runs events with t <= until in order until one sets stop; then, unless stopped,
 * sets now = until. Returns MX_OK, MX_ENOMEM, MX_EINTR when *interrupt became
 * non-zero, or MX_ELIMIT when max_events ran out (the clock then stays at the last
 * event run). */
int loop_run(struct loop *l, mx_time until);
/* True when no event is pending. */
static inline bool loop_idle(const struct loop *l)
{
    return evq_len(&l->q) == 0;
}

#endif
