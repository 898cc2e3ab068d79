/* dist.h -- distribution specs as scenarios write them, and draws from them (GSL).
 *   const(X) exp(MEAN) uniform(A, B) lognormal(MEDIAN, SIGMA) gamma(SHAPE, SCALE)
 *   weibull(SHAPE, SCALE); a bare duration means const(duration).
 * Times (X, MEAN, A, B, MEDIAN, SCALE) are durations ("250ms"); SIGMA and SHAPE
 * are plain numbers. A spec is immutable after parsing; draws take the caller's
 * stream. */
#ifndef MXSIM_DIST_H
#define MXSIM_DIST_H

#include "mx.h"

struct rng_stream;

enum dist_kind { DIST_CONST, DIST_EXP, DIST_UNIFORM, DIST_LOGNORMAL, DIST_GAMMA, DIST_WEIBULL };

struct dist {
    enum dist_kind kind;
    double a, b; /* parameters, times in seconds */
    double log_a; /* lognormal: log(a), set by dist_parse (a log per draw saved) */
};

/* Fills only err->msg, naming the expected form and what was found. */
int dist_parse(const char *s, struct dist *out, struct mx_err *err);
mx_time dist_draw(const struct dist *d, struct rng_stream *rng);
/* The distribution's mean in seconds (for tests and docs). */
double dist_mean_s(const struct dist *d);

#endif
