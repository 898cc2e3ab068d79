/* sweep.h -- runs a sweep: every point of a scenario's grid (grid.h) times its
 * replications, on worker processes, and writes the output directory in the order
 * of the runs, whatever the number of workers.
 *   Runs are numbered point * replications + replication. A shard K/N runs the
 *   runs [floor((K-1) T / N), floor(K T / N)) of T; manifest.ini says which, so that
 *   merge can check that shards fit together.
 *   The runs go to `jobs` worker processes, forked once each: a worker reads a run
 *   number from its socket, loads that run's point (or keeps it from its last run),
 *   runs one replication with the streams of (seed, point, replication) and sends
 *   the result back. A run depends on nothing but its number, so which worker runs
 *   it changes no byte. A worker that dies is reported with the run it was doing
 *   and replaced; the other runs are kept.
 * Owns:   the output files of one sweep (summary, servers, points, manifest).
 * Calls:  scen_load_point per point, runner_* for the rows, out_* for the files. */
#ifndef MXSIM_SWEEP_H
#define MXSIM_SWEEP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mx.h"

struct scenario;

struct sweep_opts {
    const char *path;          /* the scenario, and its --set overrides: each point is */
    const char *const *sets;   /* loaded from them */
    size_t n_set;
    const char *out_dir;
    long jobs;                 /* worker processes, 1 to WORKERS_MAX */
    uint64_t shard_k, shard_n; /* shard K of N, 1 <= K <= N; 1/1: every run */
    bool have_seed;
    uint64_t seed;             /* overrides [simulation] seed when have_seed */
    bool reproducible;         /* wall_seconds 0 */
    uint64_t max_events;       /* per run; 0 = no limit */
    uint64_t max_memory;       /* bytes of resident memory per run; 0 = no limit */
    const volatile sig_atomic_t *interrupt;
    FILE *log;                 /* failed runs, and progress if progress; NULL: quiet */
    bool progress;
};

/* Runs s0's grid (s0: the scenario at point 0). MX_OK when every run of the shard
 * ran; *failed counts the runs that did not (their rows are missing, the rest is
 * written; the caller exits non-zero). */
int sweep_run(const struct scenario *s0, const struct sweep_opts *o, uint64_t *failed,
              struct mx_err *err);

/* Prints the command that runs one row (point, replication) alone, and the point's
 * swept values as a comment. */
void sweep_print_run(FILE *out, const struct scenario *s0, const struct sweep_opts *o,
                     uint64_t point, long rep);

/* Which runs shard k of n holds: [*lo, *hi). */
void sweep_shard_range(uint64_t runs, uint64_t k, uint64_t n, uint64_t *lo, uint64_t *hi);

/* manifest.ini: which runs of which sweep a directory holds. */
struct sweep_manifest {
    const char *version, *scenario;
    uint64_t fingerprint, points, replications, runs, shard_k, shard_n, first_run, end_run,
        failed;
};
void sweep_manifest(FILE *out, const struct sweep_manifest *m);

/* A 64-bit fingerprint of what decides a sweep's results: the scenario file's
 * bytes, the --set overrides, the seed, the replications and mxsim's version. */
int sweep_fingerprint(const struct sweep_opts *o, uint64_t seed, long reps, uint64_t *fp,
                      struct mx_err *err);

#endif
