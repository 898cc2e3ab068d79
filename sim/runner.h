/* runner.h -- runs a scenario's replications and writes the output directory.
 * Owns:   the output files of one `mxsim run`: summary, servers, points (means and
 *         95% CIs over replications), timeseries (first replication), delays (the
 *         delay distribution over all replications), faults. All are finished, then
 *         all renamed: an error or a signal leaves none.
 * Calls:  run_* per replication, out_* for the files. Never prints: progress and
 *         errors go back to cli through struct mx_err. */
#ifndef MXSIM_RUNNER_H
#define MXSIM_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "mx.h"

struct scenario;
struct loop;

struct runner_opts {
    const char *out_dir;
    bool have_seed;
    uint64_t seed;         /* overrides [simulation] seed when have_seed */
    long replications;     /* 0 = the scenario's */
    bool reproducible;     /* write 0 as wall_seconds, so files are byte-identical */
    bool trace;            /* write trace.csv: every connection attempt and outcome */
    uint64_t max_events;   /* per replication; 0 = no limit */
    /* Set by a signal handler: the run stops between events, writing nothing. */
    const volatile sig_atomic_t *interrupt;
    /* Called now and then between events (cli prints progress on a terminal). */
    void (*progress)(void *ctx, const struct loop *l);
    void *progress_ctx;
};

int runner_run(const struct scenario *s, const struct runner_opts *o, struct mx_err *err);

#endif
