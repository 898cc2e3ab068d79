/* evq.h -- the pending-event set: a binary heap of struct ev, keyed (t, seq), and
 * beside it a few FIFOs of events scheduled a fixed delay ahead.
 * Owns:   the heap array, the FIFOs and the sequence counter.
 * Reads:  nothing else. Knows nothing of mail.
 * Invariants: (1) heap order: for every i > 0, !ev_before(&a[i], &a[(i-1)/2]);
 *   (2) seq values are unique and increase in scheduling order, so (t, seq) is a
 *   total order and simultaneous events pop in the order they were pushed (FIFO)
 *   on every platform; (3) each FIFO is in (t, seq) order, head first: its events
 *   are all `delay` after a clock that never goes back (evq_push_after); (4) the
 *   earliest event is the earlier of the heap's top and the FIFOs' heads, so the
 *   pop order is the one a single heap would give; (5) arrays double when full and
 *   never shrink.
 * Why the FIFOs: cancel by forgetting (loop.h) leaves timers in the set until they
 *   are due, and most of them are timeouts of a configured length that never fire
 *   (a greeting timer outlives its connection's wait). In the heap they made most
 *   of its entries, and so its depth; in a FIFO they cost O(1) to push and pop.
 * Cost: push and pop are O(log n) in the heap's size with one sift each, plus one
 *   comparison per FIFO; a FIFO push is O(1); replace_top (pop + push in one sift)
 *   is what the loop uses for a handler's first follow-up. */
#ifndef MXSIM_EVQ_H
#define MXSIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mx.h"

struct ev {
    mx_time t;
    uint64_t seq;  /* order of scheduling; unique; breaks ties FIFO */
    uint32_t kind; /* index into the loop's handler table */
    uint32_t ref;  /* pool index of the object concerned */
};
_Static_assert(sizeof(struct ev) == 24, "struct ev grew: re-measure the loop");

static inline bool ev_before(const struct ev *a, const struct ev *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* Events scheduled `delay` after the clock, oldest first: a ring of cap slots
 * (cap a power of two), n of them in use from head. */
struct evq_fifo {
    struct ev *a;
    size_t head, n, cap;
    mx_time delay;
};

/* FIFOs per queue: one per configured delay in use (a timeout per sender, 0 for
 * "at once"); delays past this many go to the heap, which is only slower. */
#define EVQ_FIFOS 8

struct evq {
    struct ev *a; /* the heap */
    size_t n, cap;
    uint64_t next_seq;
    struct evq_fifo fifo[EVQ_FIFOS];
    uint32_t n_fifo; /* FIFOs claimed, by the first push of their delay */
    int top;         /* where the earliest event is: EVQ_TOP_HEAP, a FIFO's index or
                      * EVQ_TOP_NONE; a push compares with it, a pop looks again */
};
#define EVQ_TOP_HEAP (-1)
#define EVQ_TOP_NONE (-2)

void evq_init(struct evq *q);
void evq_fini(struct evq *q);
/* Pushes (t, kind, ref) with the next sequence number, stored in *seq_out if not
 * NULL. Returns 0, or MX_ENOMEM with the queue unchanged. */
int evq_push(struct evq *q, mx_time t, uint32_t kind, uint32_t ref, uint64_t *seq_out);
/* Pushes (now + delay, kind, ref) like evq_push, into the FIFO of that delay if it
 * has one or one is left to claim. now must never decrease from one call to the
 * next (invariant 3): the caller's clock. For delays that recur (configured
 * timeouts, 0); a random delay would claim a FIFO it never reuses. */
int evq_push_after(struct evq *q, mx_time now, mx_time delay, uint32_t kind, uint32_t ref,
                   uint64_t *seq_out);
/* Removes the earliest event into *out; false if empty. */
bool evq_pop(struct evq *q, struct ev *out);
/* Removes the earliest event, which the caller has read through evq_peek. The
 * queue must not be empty. */
void evq_drop_top(struct evq *q);
/* Replaces the earliest event by a new one, in one sift when the earliest is the
 * heap's top; returns its seq. The queue must not be empty. When the earliest is a
 * FIFO's head the new event is pushed to the heap, which may have to grow: 0 (no
 * event has seq 0) if it cannot, with the queue unchanged. */
uint64_t evq_replace_top(struct evq *q, mx_time t, uint32_t kind, uint32_t ref);
/* The earliest event, or NULL if none. Valid until the next change to q. */
const struct ev *evq_peek(const struct evq *q);
size_t evq_len(const struct evq *q);
/* Asserts invariants (1), (3) and top; for tests and debug builds. */
void evq_check(const struct evq *q);

/* The sorted-array twin: same interface, O(n) insertion, obviously correct.
 * Tests run both on the same operations and compare every pop. */
struct evq_ref {
    struct ev *a;
    size_t n, cap;
    uint64_t next_seq;
};
void evq_ref_init(struct evq_ref *q);
void evq_ref_fini(struct evq_ref *q);
int evq_ref_push(struct evq_ref *q, mx_time t, uint32_t kind, uint32_t ref);
bool evq_ref_pop(struct evq_ref *q, struct ev *out);

#endif
