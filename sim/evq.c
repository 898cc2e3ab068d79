/* evq.c -- binary heap over a flat array of struct ev (see evq.h). */
#include "evq.h"

#include <stdlib.h>
#include <string.h>

void evq_init(struct evq *q)
{
    memset(q, 0, sizeof *q);
    q->next_seq = 1; /* 0 never names an event: a zeroed tag is never current */
}

void evq_fini(struct evq *q)
{
    free(q->a);
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

int evq_push(struct evq *q, mx_time t, uint32_t kind, uint32_t ref, uint64_t *seq_out)
{
    if (q->n == q->cap && grow(&q->a, &q->cap) != MX_OK)
        return MX_ENOMEM;
    struct ev e = {.t = t, .seq = q->next_seq++, .kind = kind, .ref = ref};
    sift_up(q->a, q->n++, e);
    if (seq_out)
        *seq_out = e.seq;
    return MX_OK;
}

bool evq_pop(struct evq *q, struct ev *out)
{
    if (q->n == 0)
        return false;
    *out = q->a[0];
    if (--q->n > 0)
        sift_down(q->a, q->n, 0, q->a[q->n]);
    return true;
}

uint64_t evq_replace_top(struct evq *q, mx_time t, uint32_t kind, uint32_t ref)
{
    assert(q->n > 0);
    struct ev e = {.t = t, .seq = q->next_seq++, .kind = kind, .ref = ref};
    sift_down(q->a, q->n, 0, e);
    return e.seq;
}

void evq_check(const struct evq *q)
{
    for (size_t i = 1; i < q->n; i++)
        assert(!ev_before(&q->a[i], &q->a[(i - 1) / 2]));
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
