/* expect.h -- [expect] lines: a metric, an operator, a bound; checked against a
 * run's points.csv (the means over replications, and their 95% CIs).
 *   delivered_fraction >= 0.999
 *   delay_p99 <= 10m ci        (ci: the bound must hold for the CI's far end)
 *   share(relay1) <= 0.6
 *   utilization(relay2) < 0.8
 * A metric is a column of points.csv without its _mean suffix; a server's metric
 * (share, accepted, refused, timed_out, tempfailed, peak_sessions, utilization)
 * as NAME(SERVER); or an accessor p99(delay) for delay_p99.
 * Values are numbers, or durations (10m, 250ms) for the delay metrics.
 * Owns:   nothing: pure parsing and evaluation. */
#ifndef MXSIM_EXPECT_H
#define MXSIM_EXPECT_H

#include <stdbool.h>
#include <stdio.h>

#include "mx.h"

struct scenario;

enum expect_op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ };

struct expect {
    char column[300];   /* the points.csv column of the mean */
    char ci_column[300];
    char text[300];     /* as written */
    enum expect_op op;
    double bound;
    bool ci;
    int line;
};

/* Parses one [expect] line. Fills err->msg on bad input. */
int expect_parse(const char *text, struct expect *e, struct mx_err *err);

/* Reads DIR/points.csv and checks every expectation of s; prints one line per
 * expectation to out and, with junit, writes a JUnit XML report there. *failed is
 * the number that failed. */
int expect_check(const struct scenario *s, const char *dir, FILE *out, const char *junit,
                 int *failed, struct mx_err *err);

#endif
