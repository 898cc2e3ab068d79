/* explain.h -- `mxsim explain`: the MX answer as nslookup prints it, then the order
 * in which a sender would try addresses for successive messages, and what each
 * address would do at time 0.
 * Reads:  the scenario; builds one run (replication 0) to use its resolvers, the
 *         sender's stream and the fault state at time 0. Writes to the FILE given. */
#ifndef MXSIM_EXPLAIN_H
#define MXSIM_EXPLAIN_H

#include <stdint.h>
#include <stdio.h>

#include "mx.h"

struct scenario;

struct explain_opts {
    const char *from; /* sender name; NULL = the first */
    const char *to;   /* recipient domain; NULL = the sender's first traffic's */
    uint64_t seed;
    bool have_seed;
    long messages;    /* how many try orders to show */
};

int explain_print(const struct scenario *s, const struct explain_opts *o, FILE *out,
                  struct mx_err *err);

#endif
