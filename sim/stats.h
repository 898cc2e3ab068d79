/* stats.h -- statistics over replications: means and Student-t confidence
 * intervals (GSL). Pure functions; no state. */
#ifndef MXSIM_STATS_H
#define MXSIM_STATS_H

#include <stddef.h>

/* Mean of n values and the half-width of its 95% confidence interval, t(0.975,
 * n - 1) * sd / sqrt(n) with the sample sd. n = 1: half-width NaN (undefined). */
void stats_mean_ci95(const double *x, size_t n, double *mean, double *half);

#endif
