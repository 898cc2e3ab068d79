/* hist.h -- a log-bucketed histogram of non-negative times: bounded memory,
 * stated error.
 * Owns:   its bucket counts, count, exact sum, min and max.
 * Buckets follow HdrHistogram's layout: values below 2^HIST_SUB_BITS ns have a
 * bucket each; above, each power of two [2^e, 2^(e+1)) is split into
 * 2^HIST_SUB_BITS equal buckets. A quantile is reported as its bucket's midpoint,
 * clamped to [min, max], so its relative error is at most 2^-(HIST_SUB_BITS+1)
 * = 1/256 (0.39%) of the exact order statistic. Memory is fixed (HIST_BUCKETS
 * counters, 58 KiB) whatever the number of values. Mean, min and max are exact.
 * Hand-written rather than gsl_histogram: GSL's needs fixed ranges chosen in
 * advance and a binary search per value; this is O(1) per value and covers 0 to
 * 2^63 ns with a constant relative error. */
#ifndef MXSIM_HIST_H
#define MXSIM_HIST_H

#include <stdint.h>

#include "mx.h"

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS ((63 - HIST_SUB_BITS + 1) * HIST_SUB)
#define HIST_REL_ERROR (1.0 / (2 * HIST_SUB))

struct hist {
    uint64_t count;
    unsigned __int128 sum_ns;
    mx_time min, max;
    uint64_t bucket[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, mx_time v);
/* Nearest-rank quantile, q in [0, 1]: the smallest recorded value v such that at
 * least ceil(q * count) values are <= v, within HIST_REL_ERROR. 0 if empty. */
mx_time hist_quantile(const struct hist *h, double q);
double hist_mean_s(const struct hist *h);
/* Adds src's values to dst (exact: the same buckets, counts and sums). */
void hist_merge(struct hist *dst, const struct hist *src);
/* The largest value bucket i holds, for listing a distribution (delays.csv). */
mx_time hist_bucket_hi(unsigned i);

#endif
