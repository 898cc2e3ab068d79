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
    bool one_rep;          /* run only replication rep (its streams, its number) */
    long rep;
    bool reproducible;     /* write 0 as wall_seconds, so files are byte-identical */
    bool trace;            /* write trace.csv: every connection attempt and outcome */
    uint64_t max_events;   /* per replication; 0 = no limit */
    uint64_t max_memory;   /* bytes of resident memory; 0 = no limit */
    /* Set by a signal handler: the run stops between events, writing nothing. */
    const volatile sig_atomic_t *interrupt;
    /* Called now and then between events (cli prints progress on a terminal); with
     * jobs > 1, reps_progress instead after each replication is in. */
    void (*progress)(void *ctx, const struct loop *l);
    void (*reps_progress)(void *ctx, long done, long reps, long running);
    void *progress_ctx;
    /* Worker processes for the replications (workers.h); 0 or 1: this process.
     * The files are the same bytes whatever the number. */
    long jobs;
};

/* Runs the replications of s (at its point s->point) and writes o->out_dir. */
int runner_run(const struct scenario *s, const struct runner_opts *o, struct mx_err *err);

/* ---- the pieces sweep and merge share, so that their files match run's ---- */
struct out;
struct grid;
struct hist;
struct run_result;
struct sampler;
struct tracer;

/* One replication: streams from (seed, s->point, rep). sm, tr and delays may be
 * NULL. wall: its seconds (0 with o->reproducible). */
int runner_one(const struct scenario *s, const struct runner_opts *o, uint64_t seed, long rep,
               struct sampler *sm, struct tracer *tr, struct run_result *res, struct hist *delays,
               double *wall, struct mx_err *err);
/* The main metrics, in the order of summary.csv's columns. */
size_t runner_n_metrics(void);
const char *runner_metric_name(size_t i);
double runner_metric(size_t i, const struct run_result *res);
/* Each server's metrics in points.csv (share, accepted, refused, ...), and where
 * each is in servers.csv. */
struct run_server_result;
size_t runner_n_server_metrics(void);
const char *runner_server_metric_name(size_t i);
double runner_server_metric(size_t i, const struct run_server_result *v);
size_t runner_server_metric_column(size_t i);
void runner_summary_header(struct out *o, const struct grid *g);
void runner_summary_row(struct out *o, const struct grid *g, uint64_t point, long rep,
                        const struct run_result *res, double wall);
void runner_servers_header(struct out *o);
void runner_server_rows(struct out *o, const struct scenario *s, uint64_t point, long rep,
                        const struct run_result *res);
void runner_points_header(struct out *o, const char *const *swept, size_t n_swept,
                          const char *const *servers, size_t n_servers);
/* vals: each metric's value in each replication (metric-major: vals[i * reps + k]);
 * server_vals: likewise, server metric i of server j at [(i * n_servers + j) * reps
 * + k]. */
void runner_points_row(struct out *o, uint64_t point, const char *const *swept, size_t n_swept,
                       long reps, const double *vals, size_t n_servers,
                       const double *server_vals);
/* points.csv of one point (header and row) from its replications' results. */
int runner_points_file(struct out *o, const struct scenario *s, const struct run_result *all,
                       long reps, struct mx_err *err);

#endif
