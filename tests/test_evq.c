/* test_evq.c -- the pending-event set (sim/evq.h): FIFO ties, the heap against its
 * sorted-array twin, replace_top as pop + push, the heap-order check. */
#include <signal.h>
#include <stdint.h>

#include <criterion/criterion.h>

#include "evq.h"

/* SplitMix64: a small, fixed, platform-independent generator for operation mixes. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void assert_same_ev(const struct ev *a, const struct ev *b, uint64_t op)
{
    cr_assert(a->t == b->t && a->seq == b->seq && a->kind == b->kind && a->ref == b->ref,
              "op %llu: heap gave (t %lld, seq %llu, ref %u), twin (t %lld, seq %llu, ref %u)",
              (unsigned long long)op, (long long)a->t, (unsigned long long)a->seq, a->ref,
              (long long)b->t, (unsigned long long)b->seq, b->ref);
}

/* Heap order checked with Criterion too, so a failure names the slot. */
static void assert_heap_order(const struct evq *q)
{
    evq_check(q);
    for (size_t i = 1; i < q->n; i++)
        cr_assert(!ev_before(&q->a[i], &q->a[(i - 1) / 2]), "slot %zu precedes its parent", i);
}

Test(evq, empty_queue_pops_nothing)
{
    struct evq q;
    struct ev e;
    evq_init(&q);
    cr_assert_null(evq_peek(&q));
    cr_assert_not(evq_pop(&q, &e));
    cr_assert_eq(evq_len(&q), 0);
    evq_fini(&q);
}

Test(evq, equal_times_pop_in_order)
{
    /* Ties interleaved with earlier and later events: the ties keep push order. */
    static const mx_time t[] = {5, 9, 5, 1, 5, 5, 9, 1, 5, 5};
    struct evq q;
    uint64_t seq[MX_ARRAY_LEN(t)];
    evq_init(&q);
    for (uint32_t i = 0; i < MX_ARRAY_LEN(t); i++) {
        cr_assert_eq(evq_push(&q, t[i], 0, i, &seq[i]), MX_OK);
        if (i > 0)
            cr_assert_eq(seq[i], seq[i - 1] + 1, "seq %llu for push %u",
                         (unsigned long long)seq[i], i);
    }
    static const uint32_t want[] = {3, 7, 0, 2, 4, 5, 8, 9, 1, 6};
    for (size_t k = 0; k < MX_ARRAY_LEN(want); k++) {
        struct ev e;
        cr_assert(evq_pop(&q, &e));
        cr_assert_eq(e.ref, want[k], "pop %zu: ref %u, expected %u", k, e.ref, want[k]);
        cr_assert_eq(e.t, t[e.ref]);
        cr_assert_eq(e.seq, seq[e.ref]);
    }
    cr_assert_eq(evq_len(&q), 0);
    evq_fini(&q);
}

Test(evq, seq_zero_never_names_an_event)
{
    /* Owners keep the seq they wait for in zeroed memory; 0 must never be current. */
    struct evq q;
    uint64_t seq = 0;
    evq_init(&q);
    cr_assert_eq(evq_push(&q, 0, 0, 0, &seq), MX_OK);
    cr_assert_neq(seq, 0);
    struct evq_ref r;
    evq_ref_init(&r);
    cr_assert_eq(r.next_seq, q.next_seq - 1, "the twin numbers events as the heap does");
    evq_ref_fini(&r);
    evq_fini(&q);
}

Test(evq, many_equal_times_pop_in_order_across_growth)
{
    /* 1000 ties: past the first growth (256), still FIFO. */
    struct evq q;
    evq_init(&q);
    for (uint32_t i = 0; i < 1000; i++)
        cr_assert_eq(evq_push(&q, 42, i % 3, i, NULL), MX_OK);
    assert_heap_order(&q);
    for (uint32_t i = 0; i < 1000; i++) {
        struct ev e;
        cr_assert(evq_pop(&q, &e));
        cr_assert_eq(e.ref, i, "pop %u gave ref %u", i, e.ref);
        cr_assert_eq(e.kind, i % 3);
    }
    evq_fini(&q);
}

/* Runs `ops` random operations on the heap and its twin and compares every event
 * that leaves. Ops: push (1/2), pop (1/4), replace_top (1/4; on the twin pop +
 * push). In `clocked` mode times are now + [0, 8), like a simulation, so the whole
 * pop sequence must be in (t, seq) order; otherwise times are drawn from [0, 16)
 * regardless of what has popped. Either way ties are common. The push bias is
 * flipped every 8000 ops so the queue grows to ~2000 events and drains. */
static void run_against_twin(uint64_t seed, uint64_t ops, bool clocked)
{
    struct evq q;
    struct evq_ref r;
    evq_init(&q);
    evq_ref_init(&r);
    uint64_t s = seed, pops = 0;
    mx_time now = 0;
    struct ev prev = {0}, a, b;
    bool have_prev = false;
    size_t peak = 0;
    for (uint64_t op = 0; op < ops || evq_len(&q); op++) {
        uint64_t x = next_u64(&s);
        mx_time d = (mx_time)((x >> 60) & (clocked ? 7 : 15)), t = (clocked ? now : 0) + d;
        uint32_t kind = (uint32_t)((x >> 32) & 15), ref = (uint32_t)x;
        unsigned pick = (unsigned)(x & 3);
        if ((op / 8000) % 2 == 1 && pick == 1)
            pick = 2; /* draining phase: push 1/4, pop 1/2, replace 1/4 */
        if (op >= ops)
            pick = 2; /* final drain */
        if (pick == 3 && evq_len(&q) == 0)
            pick = 0;
        if (pick <= 1) {
            cr_assert_eq(evq_push(&q, t, kind, ref, NULL), MX_OK);
            cr_assert_eq(evq_ref_push(&r, t, kind, ref), MX_OK);
        } else if (pick == 2) {
            bool got = evq_pop(&q, &a);
            cr_assert_eq(got, evq_ref_pop(&r, &b), "op %llu", (unsigned long long)op);
            if (!got)
                continue;
            assert_same_ev(&a, &b, op);
            pops++;
        } else {
            a = *evq_peek(&q);
            if (clocked) /* a handler schedules its follow-up at or after its own time */
                t = a.t + d;
            uint64_t seq = evq_replace_top(&q, t, kind, ref);
            cr_assert(evq_ref_pop(&r, &b));
            assert_same_ev(&a, &b, op);
            cr_assert_eq(evq_ref_push(&r, t, kind, ref), MX_OK);
            cr_assert_eq(seq, r.next_seq - 1, "replace_top seq %llu", (unsigned long long)seq);
            pops++;
        }
        if (pick >= 2) { /* something left: a */
            if (clocked && have_prev)
                cr_assert(ev_before(&prev, &a), "op %llu: (t %lld, seq %llu) after (%lld, %llu)",
                          (unsigned long long)op, (long long)a.t, (unsigned long long)a.seq,
                          (long long)prev.t, (unsigned long long)prev.seq);
            prev = a;
            have_prev = true;
            now = a.t;
        }
        cr_assert_eq(evq_len(&q), r.n);
        if (evq_len(&q) > peak)
            peak = evq_len(&q);
        if (op % 4096 == 0)
            assert_heap_order(&q);
    }
    assert_heap_order(&q);
    /* The mix really exercised a deep heap and many pops. */
    cr_assert_gt(peak, 1000, "peak queue length %zu", peak);
    cr_assert_gt(pops, ops / 3);
    evq_ref_fini(&r);
    evq_fini(&q);
}

Test(evq, clocked_random_ops_match_sorted_twin_in_t_seq_order)
{
    run_against_twin(1, 1000000, true);
}

Test(evq, unclocked_random_ops_match_sorted_twin)
{
    run_against_twin(2, 200000, false);
}

Test(evq, replace_top_is_pop_then_push)
{
    /* Two queues fed the same pushes; one uses replace_top, the other pop + push.
     * Both must hand out the same events, seqs included, to the last one. */
    struct evq q1, q2;
    evq_init(&q1);
    evq_init(&q2);
    uint64_t s = 3;
    for (uint32_t i = 0; i < 500; i++) {
        mx_time t = (mx_time)(next_u64(&s) % 10);
        evq_push(&q1, t, 1, i, NULL);
        evq_push(&q2, t, 1, i, NULL);
    }
    for (uint32_t i = 0; i < 5000; i++) {
        mx_time t = (mx_time)(next_u64(&s) % 12);
        struct ev top = *evq_peek(&q1), e;
        uint64_t seq1 = evq_replace_top(&q1, t, 2, 1000 + i), seq2;
        cr_assert(evq_pop(&q2, &e));
        evq_push(&q2, t, 2, 1000 + i, &seq2);
        assert_same_ev(&top, &e, i);
        cr_assert_eq(seq1, seq2);
        cr_assert_eq(evq_len(&q1), 500);
        assert_heap_order(&q1);
    }
    struct ev a, b;
    while (evq_pop(&q1, &a)) {
        cr_assert(evq_pop(&q2, &b));
        assert_same_ev(&a, &b, 0);
    }
    cr_assert_eq(evq_len(&q2), 0);
    evq_fini(&q1);
    evq_fini(&q2);
}

Test(evq, replace_top_with_a_tie_goes_after_existing_ties)
{
    struct evq q;
    evq_init(&q);
    evq_push(&q, 10, 0, 1, NULL);
    evq_push(&q, 20, 0, 2, NULL);
    evq_push(&q, 20, 0, 3, NULL);
    evq_replace_top(&q, 20, 0, 4); /* replaces ref 1 */
    uint32_t want[] = {2, 3, 4};
    for (size_t k = 0; k < 3; k++) {
        struct ev e;
        cr_assert(evq_pop(&q, &e));
        cr_assert_eq(e.ref, want[k], "pop %zu: ref %u", k, e.ref);
        cr_assert_eq(e.t, 20);
    }
    evq_fini(&q);
}

Test(evq, check_aborts_on_a_broken_heap, .signal = SIGABRT)
{
    /* evq_check must not be a no-op: a child earlier than its parent aborts. */
    struct evq q;
    evq_init(&q);
    evq_push(&q, 1, 0, 0, NULL);
    evq_push(&q, 2, 0, 1, NULL);
    q.a[1].t = 0;
    evq_check(&q);
    evq_fini(&q);
}

/* Fixed-delay FIFOs beside the heap: a clocked mix of heap pushes, pushes a fixed
 * delay ahead (over more distinct delays than there are FIFOs, so some go to the
 * heap), pops and replace_tops, against the twin fed the same absolute times. Every
 * event that leaves must match, seqs included: the FIFOs change the cost, never the
 * order. */
Test(evq, fixed_delay_fifos_match_sorted_twin)
{
    static const mx_time delay[] = {0, 3, 7, 7, 0, 30, 2, 9, 11, 13, 17, 19}; /* 10 distinct */
    struct evq q;
    struct evq_ref r;
    evq_init(&q);
    evq_ref_init(&r);
    uint64_t s = 11, pops = 0, fifo_pushes = 0;
    mx_time now = 0;
    struct ev a, b;
    size_t peak = 0;
    for (uint64_t op = 0; op < 400000 || evq_len(&q); op++) {
        uint64_t x = next_u64(&s);
        unsigned pick = (unsigned)(x & 7);
        if (op >= 400000 || ((op / 8000) % 2 == 1 && pick < 2))
            pick = 5; /* draining */
        if (evq_len(&q) == 0 && pick >= 5)
            pick = 0;
        uint32_t ref = (uint32_t)(x >> 32);
        if (pick <= 1) { /* heap, at now + [0, 16) */
            mx_time t = now + (mx_time)((x >> 8) & 15);
            cr_assert_eq(evq_push(&q, t, 1, ref, NULL), MX_OK);
            cr_assert_eq(evq_ref_push(&r, t, 1, ref), MX_OK);
        } else if (pick <= 4) { /* a fixed delay */
            mx_time d = delay[(x >> 8) % MX_ARRAY_LEN(delay)];
            uint64_t seq;
            cr_assert_eq(evq_push_after(&q, now, d, 2, ref, &seq), MX_OK);
            cr_assert_eq(evq_ref_push(&r, now + d, 2, ref), MX_OK);
            cr_assert_eq(seq, r.next_seq - 1);
            fifo_pushes++;
        } else if (pick <= 6) {
            cr_assert(evq_pop(&q, &a));
            cr_assert(evq_ref_pop(&r, &b));
            assert_same_ev(&a, &b, op);
            now = a.t;
            pops++;
        } else { /* a handler's first follow-up replaces its own event */
            a = *evq_peek(&q);
            now = a.t;
            mx_time t = now + (mx_time)((x >> 8) & 15);
            uint64_t seq = evq_replace_top(&q, t, 3, ref);
            cr_assert(evq_ref_pop(&r, &b));
            assert_same_ev(&a, &b, op);
            cr_assert_eq(evq_ref_push(&r, t, 3, ref), MX_OK);
            cr_assert_eq(seq, r.next_seq - 1);
            pops++;
        }
        cr_assert_eq(evq_len(&q), r.n);
        if (evq_len(&q) > peak)
            peak = evq_len(&q);
        if (op % 4096 == 0)
            evq_check(&q);
    }
    cr_assert_eq(q.n_fifo, EVQ_FIFOS, "every FIFO claimed, the rest went to the heap");
    cr_assert_gt(peak, 1000, "peak queue length %zu", peak);
    cr_assert_gt(pops, 100000);
    cr_assert_gt(fifo_pushes, 100000);
    evq_ref_fini(&r);
    evq_fini(&q);
}

Test(evq, check_aborts_on_an_unordered_fifo, .signal = SIGABRT)
{
    struct evq q;
    evq_init(&q);
    evq_push_after(&q, 0, 5, 0, 0, NULL);
    evq_push_after(&q, 1, 5, 0, 1, NULL);
    q.fifo[0].a[1].t = 4; /* before its predecessor */
    evq_check(&q);
    evq_fini(&q);
}
