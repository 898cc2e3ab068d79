/* hist.c -- see hist.h. */
#include "hist.h"

#include <math.h>
#include <string.h>

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof *h);
}

static unsigned bucket_of(uint64_t v)
{
    if (v < HIST_SUB)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* e >= HIST_SUB_BITS */
    unsigned shift = e - HIST_SUB_BITS;
    return (shift + 1) * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
}

/* [lo, hi] of bucket i, inclusive. */
static void bucket_range(unsigned i, uint64_t *lo, uint64_t *hi)
{
    if (i < HIST_SUB) {
        *lo = *hi = i;
        return;
    }
    unsigned shift = i / HIST_SUB - 1;
    uint64_t base = (uint64_t)(HIST_SUB + i % HIST_SUB) << shift;
    *lo = base;
    *hi = base + ((UINT64_C(1) << shift) - 1);
}

void hist_add(struct hist *h, mx_time v)
{
    assert(v >= 0);
    if (h->count == 0 || v < h->min)
        h->min = v;
    if (h->count == 0 || v > h->max)
        h->max = v;
    h->count++;
    h->sum_ns += (uint64_t)v;
    h->bucket[bucket_of((uint64_t)v)]++;
}

mx_time hist_quantile(const struct hist *h, double q)
{
    if (h->count == 0)
        return 0;
    /* rank = ceil(q * count), guarded against q * count landing a hair above a
     * whole number in floating point (0.07 * 100 = 7.000000000000001). */
    double x = q * (double)h->count;
    uint64_t rank = (uint64_t)x;
    if ((double)rank < x && x - (double)rank > 1e-9 * x)
        rank++;
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            uint64_t lo, hi;
            bucket_range(i, &lo, &hi);
            mx_time mid = (mx_time)(lo + (hi - lo) / 2);
            if (mid < h->min)
                mid = h->min;
            if (mid > h->max)
                mid = h->max;
            return mid;
        }
    }
    return h->max;
}

double hist_mean_s(const struct hist *h)
{
    if (h->count == 0)
        return 0;
    return (double)h->sum_ns / (double)h->count / (double)MX_NS_PER_S;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    if (src->count == 0)
        return;
    if (dst->count == 0 || src->min < dst->min)
        dst->min = src->min;
    if (dst->count == 0 || src->max > dst->max)
        dst->max = src->max;
    dst->count += src->count;
    dst->sum_ns += src->sum_ns;
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        dst->bucket[i] += src->bucket[i];
}

mx_time hist_bucket_hi(unsigned i)
{
    uint64_t lo, hi;
    bucket_range(i, &lo, &hi);
    return (mx_time)hi;
}
