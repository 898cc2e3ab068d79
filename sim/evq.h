/* evq.h -- the pending-event set: a binary heap of struct ev, keyed (t, seq).
 * Owns:   the heap array and the sequence counter.
 * Reads:  nothing else. Knows nothing of mail.
 * Invariants: (1) heap order: for every i > 0, !ev_before(&a[i], &a[(i-1)/2]);
 *   (2) seq values are unique and increase in scheduling order, so (t, seq) is a
 *   total order and simultaneous events pop in the order they were pushed (FIFO)
 *   on every platform; (3) the array doubles when full and never shrinks.
 * Cost: push and pop are O(log n) with one sift each; replace_top (pop + push in
 *   one sift) is what a handler that schedules exactly one follow-up uses. */
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

struct evq {
    struct ev *a;
    size_t n, cap;
    uint64_t next_seq;
};

void evq_init(struct evq *q);
void evq_fini(struct evq *q);
/* Pushes (t, kind, ref) with the next sequence number, stored in *seq_out if not
 * NULL. Returns 0, or MX_ENOMEM with the queue unchanged. */
int evq_push(struct evq *q, mx_time t, uint32_t kind, uint32_t ref, uint64_t *seq_out);
/* Removes the earliest event into *out; false if empty. */
bool evq_pop(struct evq *q, struct ev *out);
/* Replaces the earliest event by a new one in one sift; returns its seq.
 * The queue must not be empty. */
uint64_t evq_replace_top(struct evq *q, mx_time t, uint32_t kind, uint32_t ref);
static inline const struct ev *evq_peek(const struct evq *q)
{
    return q->n ? &q->a[0] : NULL;
}
static inline size_t evq_len(const struct evq *q)
{
    return q->n;
}
/* Asserts invariant (1); for tests and debug builds. */
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
