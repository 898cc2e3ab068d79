/* dist.h -- distribution specs as scenarios write them, and draws from them (GSL).
 *   const(X) exp(MEAN) uniform(A, B) lognormal(MEDIAN, SIGMA) gamma(SHAPE, SCALE)
 *   weibull(SHAPE, SCALE); a bare duration means const(duration);
 *   empirical(FILE.csv): one of the file's durations, each with the same chance
 *   (the sample's own distribution). dist_parse only recognises it
 *   (dist_empirical_path); the scenario reader loads the file (scen.c).
 * Times (X, MEAN, A, B, MEDIAN, SCALE) are durations ("250ms"); SIGMA and SHAPE
 * are plain numbers. A spec is immutable after parsing; draws take the caller's
 * stream. */
#ifndef MXSIM_DIST_H
#define MXSIM_DIST_H

#include <stdbool.h>
#include <stddef.h>

#include "mx.h"

struct rng_stream;

enum dist_kind {
    DIST_CONST,
    DIST_EXP,
    DIST_UNIFORM,
    DIST_LOGNORMAL,
    DIST_GAMMA,
    DIST_WEIBULL,
    DIST_EMPIRICAL
};

/* empirical(FILE.csv): at most this many values */
#define DIST_MAX_EMPIRICAL 1000000

struct dist {
    enum dist_kind kind;
    double a, b; /* parameters, times in seconds; empirical: a = the values' mean */
    double log_a; /* lognormal: log(a), set by dist_parse (a log per draw saved) */
    const mx_time *values; /* empirical: n_values durations, owned by the scenario */
    size_t n_values;
};

/* Fills only err->msg, naming the expected form and what was found. An
 * empirical(FILE) spec is refused here: the scenario reader loads it. */
int dist_parse(const char *s, struct dist *out, struct mx_err *err);
/* If s is "empirical(FILE)", copies FILE (trimmed) into path and returns true. */
bool dist_empirical_path(const char *s, char *path, size_t len);
mx_time dist_draw(const struct dist *d, struct rng_stream *rng);
/* The distribution's mean in seconds (for tests and docs). */
double dist_mean_s(const struct dist *d);

#endif
