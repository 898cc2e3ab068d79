/* evq.c -- binary heap over a flat array of struct ev, and the fixed-delay FIFOs
 * beside it (see evq.h). */
#include "evq.h"

#include <stdlib.h>
#include <string.h>

void evq_init(struct evq *q)
{
    memset(q, 0, sizeof *q);
    q->next_seq = 1; /* 0 never names an event: a zeroed tag is never current */
    q->top = EVQ_TOP_NONE;
}

void evq_fini(struct evq *q)
{
    free(q->a);
    for (uint32_t i = 0; i < q->n_fifo; i++)
        free(q->fifo[i].a);
    memset(q, 0, sizeof *q);
}

static int grow(struct ev **a, size_t *cap)
{
    size_t ncap = *cap ? *cap * 2 : 256, bytes;
    if (!mx_mul_ok(ncap, sizeof **a, &bytes))
        return MX_ENOMEM;
    struct ev *na = realloc(*a, bytes);
    if (!na)
        return MX_ENOMEM;
    *a = na;
    *cap = ncap;
    return MX_OK;
}

static void sift_up(struct ev *a, size_t i, struct ev e)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_before(&e, &a[p]))
            break;
        a[i] = a[p];
        i = p;
    }
    a[i] = e;
}

static void sift_down(struct ev *a, size_t n, size_t i, struct ev e)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ev_before(&a[c + 1], &a[c]))
            c++;
        if (!ev_before(&a[c], &e))
            break;
        a[i] = a[c];
        i = c;
    }
    a[i] = e;
}

/* Refills the root after a pop with e, the last leaf (Floyd's bottom-up variant,
 * Knuth 5.2.3 ex. 18). A leaf is almost always among the latest events (in a
 * simulation, most pending events are timers far ahead), so the classic sift_down
 * takes it back to the bottom at two comparisons a level. This walks the hole down
 * along the earlier children at one comparison a level, then lets e climb, which it
 * rarely does by more than a level. Not used by replace_top: a new event is often
 * due soon and would climb far. */
static void refill_root(struct ev *a, size_t n, struct ev e)
{
    size_t i = 0, c;
    while ((c = 2 * i + 1) + 1 < n) {
        c += ev_before(&a[c + 1], &a[c]);
        a[i] = a[c];
        i = c;
    }
    if (c < n) { /* an only child, at the end of the array */
        a[i] = a[c];
        i = c;
    }
    sift_up(a, i, e);
}

static const struct ev *event_at(const struct evq *q, int src)
{
    if (src == EVQ_TOP_HEAP)
        return &q->a[0];
    return &q->fifo[src].a[q->fifo[src].head];
}

/* Where the earliest event is, found by looking at every head: after a pop. */
static int find_top(const struct evq *q)
{
    int src = q->n ? EVQ_TOP_HEAP : EVQ_TOP_NONE;
    for (uint32_t i = 0; i < q->n_fifo; i++) {
        const struct evq_fifo *f = &q->fifo[i];
        if (f->n && (src == EVQ_TOP_NONE || ev_before(&f->a[f->head], event_at(q, src))))
            src = (int)i;
    }
    return src;
}

/* e was just pushed to src: it is the earliest if it precedes the earliest. */
static void note_push(struct evq *q, int src, const struct ev *e)
{
    if (q->top == EVQ_TOP_NONE || ev_before(e, event_at(q, q->top)))
        q->top = src;
}

int evq_push(struct evq *q, mx_time t, uint32_t kind, uint32_t ref, uint64_t *seq_out)
{
    if (q->n == q->cap && grow(&q->a, &q->cap) != MX_OK)
        return MX_ENOMEM;
    struct ev e = {.t = t, .seq = q->next_seq++, .kind = kind, .ref = ref};
    sift_up(q->a, q->n++, e);
    note_push(q, EVQ_TOP_HEAP, &e);
    if (seq_out)
        *seq_out = e.seq;
    return MX_OK;
}

/* The FIFO of delay, claimed if it has none and one is left; NULL: use the heap. */
static struct evq_fifo *fifo_of(struct evq *q, mx_time delay)
{
    for (uint32_t i = 0; i < q->n_fifo; i++)
        if (q->fifo[i].delay == delay)
            return &q->fifo[i];
    if (q->n_fifo == EVQ_FIFOS)
        return NULL;
    struct evq_fifo *f = &q->fifo[q->n_fifo++];
    f->delay = delay;
    return f;
}

/* Doubles a full ring, unrolled to start at slot 0. */
static int fifo_grow(struct evq_fifo *f)
{
    size_t ncap = f->cap ? f->cap * 2 : 64, bytes;
    if (!mx_mul_ok(ncap, sizeof *f->a, &bytes))
        return MX_ENOMEM;
    struct ev *na = malloc(bytes);
    if (!na)
        return MX_ENOMEM;
    size_t first = f->cap - f->head; /* slots from head to the end of the old ring */
    if (f->n) {
        memcpy(na, f->a + f->head, first * sizeof *na);
        memcpy(na + first, f->a, (f->n - first) * sizeof *na);
    }
    free(f->a);
    f->a = na;
    f->head = 0;
    f->cap = ncap;
    return MX_OK;
}

int evq_push_after(struct evq *q, mx_time now, mx_time delay, uint32_t kind, uint32_t ref,
                   uint64_t *seq_out)
{
    assert(delay >= 0);
    mx_time t = mx_add(now, delay);
    struct evq_fifo *f = fifo_of(q, delay);
    if (!f)
        return evq_push(q, t, kind, ref, seq_out);
    if (f->n == f->cap && fifo_grow(f) != MX_OK)
        return MX_ENOMEM;
    size_t mask = f->cap - 1;
    struct ev e = {.t = t, .seq = q->next_seq++, .kind = kind, .ref = ref};
    /* invariant (3): now did not go back since the last push */
    assert(f->n == 0 || ev_before(&f->a[(f->head + f->n - 1) & mask], &e));
    f->a[(f->head + f->n++) & mask] = e;
    note_push(q, (int)(f - q->fifo), &e);
    if (seq_out)
        *seq_out = e.seq;
    return MX_OK;
}

const struct ev *evq_peek(const struct evq *q)
{
    return q->top == EVQ_TOP_NONE ? NULL : event_at(q, q->top);
}

size_t evq_len(const struct evq *q)
{
    size_t n = q->n;
    for (uint32_t i = 0; i < q->n_fifo; i++)
        n += q->fifo[i].n;
    return n;
}

static void fifo_drop_head(struct evq_fifo *f)
{
    f->head = (f->head + 1) & (f->cap - 1);
    f->n--;
}

bool evq_pop(struct evq *q, struct ev *out)
{
    const struct ev *top = evq_peek(q);
    if (!top)
        return false;
    *out = *top;
    evq_drop_top(q);
    return true;
}

void evq_drop_top(struct evq *q)
{
    assert(q->top != EVQ_TOP_NONE);
    if (q->top != EVQ_TOP_HEAP)
        fifo_drop_head(&q->fifo[q->top]);
    else if (--q->n > 0)
        refill_root(q->a, q->n, q->a[q->n]);
    q->top = find_top(q);
}

uint64_t evq_replace_top(struct evq *q, mx_time t, uint32_t kind, uint32_t ref)
{
    assert(q->top != EVQ_TOP_NONE);
    struct ev e = {.t = t, .seq = q->next_seq, .kind = kind, .ref = ref};
    if (q->top != EVQ_TOP_HEAP) { /* a FIFO's head goes; the new event joins the heap */
        if (q->n == q->cap && grow(&q->a, &q->cap) != MX_OK)
            return 0;
        fifo_drop_head(&q->fifo[q->top]);
        sift_up(q->a, q->n++, e);
    } else {
        sift_down(q->a, q->n, 0, e);
    }
    q->next_seq++;
    q->top = find_top(q);
    return e.seq;
}

void evq_check(const struct evq *q)
{
    for (size_t i = 1; i < q->n; i++)
        assert(!ev_before(&q->a[i], &q->a[(i - 1) / 2]));
    assert(q->top == find_top(q));
    for (uint32_t k = 0; k < q->n_fifo; k++) {
        const struct evq_fifo *f = &q->fifo[k];
        assert(f->n <= f->cap);
        for (size_t i = 1; i < f->n; i++)
            assert(ev_before(&f->a[(f->head + i - 1) & (f->cap - 1)],
                             &f->a[(f->head + i) & (f->cap - 1)]));
    }
    (void)q;
}

void evq_ref_init(struct evq_ref *q)
{
    memset(q, 0, sizeof *q);
    q->next_seq = 1; /* numbered as evq_init numbers them */
}

void evq_ref_fini(struct evq_ref *q)
{
    free(q->a);
    memset(q, 0, sizeof *q);
}

int evq_ref_push(struct evq_ref *q, mx_time t, uint32_t kind, uint32_t ref)
{
    if (q->n == q->cap && grow(&q->a, &q->cap) != MX_OK)
        return MX_ENOMEM;
    struct ev e = {.t = t, .seq = q->next_seq++, .kind = kind, .ref = ref};
    /* Kept sorted latest-first, so the earliest pops from the end. */
    size_t i = q->n;
    while (i > 0 && ev_before(&q->a[i - 1], &e)) {
        q->a[i] = q->a[i - 1];
        i--;
    }
    q->a[i] = e;
    q->n++;
    return MX_OK;
}

bool evq_ref_pop(struct evq_ref *q, struct ev *out)
{
    if (q->n == 0)
        return false;
    *out = q->a[--q->n];
    return true;
}
