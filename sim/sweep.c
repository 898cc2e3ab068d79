/* sweep.c -- see sweep.h. The runs are workers.h tasks: at most 16 x jobs runs
 * between dispatch and row, so memory does not grow with the number of runs; rows
 * are written as soon as every earlier run is in. */
#include "sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grid.h"
#include "out.h"
#include "rng.h"
#include "run.h"
#include "runner.h"
#include "scen.h"
#include "workers.h"

/* What a worker sends for each run: this head, then n_servers struct
 * run_server_result. */
struct reply {
    int status;
    struct mx_err err;
    struct run_result res; /* res.server is not sent */
    double wall;
};

/* One point's replications as they are written, for its points.csv row. */
struct acc {
    uint64_t point;
    long have;        /* replications of this point written so far */
    bool broken;      /* a run of it failed, or this shard does not hold them all */
    double *vals;     /* runner_points_row's layout: metrics, then servers */
};

struct sweep {
    const struct scenario *s0;
    const struct sweep_opts *o;
    uint64_t seed;
    long reps;
    size_t n_servers;
    uint64_t lo, hi, failed;
    struct acc acc;
    struct out f[4];
    double started;
    struct scenario *cur; /* in a worker: the point of its last run */
};

enum { F_SUMMARY, F_SERVERS, F_POINTS, F_MANIFEST };
static const char *const file_names[] = {"summary.csv", "servers.csv", "points.csv",
                                         "manifest.ini"};

void sweep_shard_range(uint64_t runs, uint64_t k, uint64_t n, uint64_t *lo, uint64_t *hi)
{
    /* runs * k fits: runs <= GRID_MAX_POINTS * 100000 < 2^37 and k <= 2^20 (cli) */
    *lo = runs * (k - 1) / n;
    *hi = runs * k / n;
}

int sweep_fingerprint(const struct sweep_opts *o, uint64_t seed, long reps, uint64_t *fp,
                      struct mx_err *err)
{
    FILE *in = fopen(o->path, "r");
    if (!in) {
        err->file = o->path;
        return mx_fail(err, MX_EIO, "cannot read the scenario: %s", strerror(errno));
    }
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    char line[4096];
    while (fgets(line, sizeof line, in))
        h = rng_hash_str(line, h);
    fclose(in);
    for (size_t i = 0; i < o->n_set; i++)
        h = rng_hash_str("\n--set ", rng_hash_str(o->sets[i], h));
    snprintf(line, sizeof line, "\nseed %" PRIu64 " replications %ld mxsim %s", seed, reps,
             MXSIM_VERSION);
    *fp = rng_mix64(rng_hash_str(line, h));
    return MX_OK;
}

/* Single quotes for a shell, when the word needs them. */
static void shell_word(FILE *out, const char *w)
{
    if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        "_-./=:,+@%") == strlen(w)) {
        fputs(w, out);
        return;
    }
    fputc('\'', out);
    for (; *w; w++)
        if (*w == '\'')
            fputs("'\\''", out);
        else
            fputc(*w, out);
    fputc('\'', out);
}

void sweep_print_run(FILE *out, const struct scenario *s0, const struct sweep_opts *o,
                     uint64_t point, long rep)
{
    const struct grid *g = &s0->grid;
    fputs("# point", out);
    fprintf(out, " %" PRIu64 ", replication %ld:", point, rep);
    for (size_t v = 0; v < g->n_var; v++) {
        fprintf(out, " %s=", g->var[v].column);
        shell_word(out, grid_value(g, v, point));
    }
    fputs("\nmxsim run ", out);
    shell_word(out, o->path);
    fprintf(out, " --point %" PRIu64 " --replication %ld --seed %" PRIu64, point, rep,
            o->have_seed ? o->seed : s0->sim.seed);
    for (size_t i = 0; i < o->n_set; i++) {
        fputs(" --set ", out);
        shell_word(out, o->sets[i]);
    }
    fputc('\n', out);
}

/* ---- in a worker ---- */

/* Runs one run: loads its point (the parent checked them all before the first run)
 * or keeps it from the worker's last run, a replication of the same point. */
static void work(void *ctx, uint64_t run, void *reply)
{
    struct sweep *w = ctx;
    const struct sweep_opts *o = w->o;
    uint64_t point = run / (uint64_t)w->reps;
    struct reply *r = reply;
    struct runner_opts ro = {.reproducible = o->reproducible, .max_events = o->max_events,
                             .max_memory = o->max_memory, .interrupt = o->interrupt};
    if (w->cur && w->cur->point != point) {
        scen_free(w->cur);
        w->cur = NULL;
    }
    if (w->cur ||
        (r->status = scen_load_point(o->path, o->sets, o->n_set, point, &w->cur, &r->err)) ==
            MX_OK) {
        r->res.server = (struct run_server_result *)(r + 1);
        r->status = runner_one(w->cur, &ro, w->seed, (long)(run % (uint64_t)w->reps), NULL,
                               NULL, &r->res, NULL, &r->wall, &r->err);
    }
    r->err.file = NULL; /* a pointer into this process means nothing to the parent */
    r->res.server = NULL;
}

/* ---- in the parent ---- */

static void report_failure(struct sweep *w, uint64_t run, const char *what)
{
    uint64_t point = run / (uint64_t)w->reps;
    long rep = (long)(run % (uint64_t)w->reps);
    if (!w->o->log || (w->o->interrupt && *w->o->interrupt))
        return;
    fprintf(w->o->log, "%smxsim sweep: run %" PRIu64 " (point %" PRIu64 ", replication %ld) "
                       "%s; it runs alone with:\n", w->o->progress ? "\n" : "", run, point,
            rep, what);
    sweep_print_run(w->o->log, w->s0, w->o, point, rep);
}

/* Adds a written run to its point's accumulator; writes the point's row when all
 * of its replications are in. */
static void account(struct sweep *w, uint64_t run, const struct reply *r,
                    const struct run_server_result *servers)
{
    uint64_t point = run / (uint64_t)w->reps;
    long rep = (long)(run % (uint64_t)w->reps);
    size_t nm = runner_n_metrics(), reps = (size_t)w->reps;
    if (rep == 0 || w->acc.point != point) {
        w->acc.point = point;
        w->acc.have = 0;
        w->acc.broken = rep != 0; /* the shard starts inside this point */
    }
    if (!r) {
        w->acc.broken = true;
    } else {
        for (size_t i = 0; i < nm; i++)
            w->acc.vals[i * reps + (size_t)rep] = runner_metric(i, &r->res);
        for (size_t i = 0; i < runner_n_server_metrics(); i++)
            for (size_t k = 0; k < w->n_servers; k++)
                w->acc.vals[(nm + i * w->n_servers + k) * reps + (size_t)rep] =
                    runner_server_metric(i, &servers[k]);
        w->acc.have++;
    }
    if (rep != w->reps - 1 || w->acc.broken)
        return;
    const struct grid *g = &w->s0->grid;
    const char *swept[64];
    size_t n = g->n_var < MX_ARRAY_LEN(swept) ? g->n_var : MX_ARRAY_LEN(swept);
    for (size_t v = 0; v < n; v++)
        swept[v] = grid_value(g, v, point);
    runner_points_row(&w->f[F_POINTS], point, swept, n, w->reps, w->acc.vals, w->n_servers,
                      w->acc.vals + nm * reps);
}

/* A run's reply, in run order: its rows, or its failure reported. */
static int deliver(void *ctx, uint64_t run, const void *reply, const char *death,
                   struct mx_err *err)
{
    (void)err;
    struct sweep *w = ctx;
    uint64_t point = run / (uint64_t)w->reps;
    long rep = (long)(run % (uint64_t)w->reps);
    const struct reply *r = reply;
    char what[600];
    if (r && r->status != MX_OK) {
        char e[400];
        snprintf(what, sizeof what, "failed: %s", mx_err_format(&r->err, e, sizeof e));
        death = what;
        r = NULL;
    }
    const struct run_server_result *servers =
        r ? (const struct run_server_result *)(r + 1) : NULL;
    if (r) {
        struct run_result res = r->res;
        res.server = (struct run_server_result *)servers;
        runner_summary_row(&w->f[F_SUMMARY], &w->s0->grid, point, rep, &res, r->wall);
        runner_server_rows(&w->f[F_SERVERS], w->s0, point, rep, &res);
    } else {
        report_failure(w, run, death);
        w->failed++;
    }
    account(w, run, r, servers);
    return MX_OK;
}

static void show_progress(void *ctx, uint64_t delivered, long running)
{
    struct sweep *w = ctx;
    if (!w->o->progress || !w->o->log)
        return;
    uint64_t done = delivered - w->lo, all = w->hi - w->lo;
    double el = mx_wall_s() - w->started;
    fprintf(w->o->log, "\rmxsim sweep: %" PRIu64 " of %" PRIu64 " runs written, %ld running, "
                       "about %.0f s left   ", done, all, running,
            done ? el / (double)done * (double)(all - done) : 0.0);
}

void sweep_manifest(FILE *m, const struct sweep_manifest *v)
{
    fprintf(m, "# mxsim sweep: which runs this directory holds (mxsim merge reads it)\n"
               "[sweep]\n"
               "version = %s\n"
               "scenario = %s\n"
               "fingerprint = %016" PRIx64 "\n"
               "points = %" PRIu64 "\n"
               "replications = %" PRIu64 "\n"
               "runs = %" PRIu64 "\n"
               "shard = %" PRIu64 "/%" PRIu64 "\n"
               "first_run = %" PRIu64 "\n"
               "end_run = %" PRIu64 "\n"
               "failed = %" PRIu64 "\n",
            v->version, v->scenario, v->fingerprint, v->points, v->replications, v->runs,
            v->shard_k, v->shard_n, v->first_run, v->end_run, v->failed);
}

int sweep_run(const struct scenario *s0, const struct sweep_opts *o, uint64_t *failed,
              struct mx_err *err)
{
    struct sweep w = {.s0 = s0, .o = o, .n_servers = s0->n_servers, .started = mx_wall_s()};
    w.seed = o->have_seed ? o->seed : s0->sim.seed;
    w.reps = s0->sim.replications;
    uint64_t runs = s0->grid.n_points * (uint64_t)w.reps, fp;
    sweep_shard_range(runs, o->shard_k, o->shard_n, &w.lo, &w.hi);
    *failed = 0;
    int rc = sweep_fingerprint(o, w.seed, w.reps, &fp, err);
    if (rc != MX_OK)
        return rc;
    /* Every point this shard runs is checked before any runs: a bad value at point 7
     * is exit 2 now, not a failed run after an hour. */
    uint64_t p_lo = w.lo / (uint64_t)w.reps, p_hi = (w.hi + (uint64_t)w.reps - 1) / (uint64_t)w.reps;
    for (uint64_t p = p_lo; p < p_hi; p++) {
        struct scenario *s;
        if (p == 0)
            continue;
        if ((rc = scen_load_point(o->path, o->sets, o->n_set, p, &s, err)) != MX_OK)
            return rc;
        scen_free(s);
    }
    w.acc.vals = calloc((runner_n_metrics() + runner_n_server_metrics() * w.n_servers) *
                            (size_t)w.reps, sizeof(double));
    const char **cols = calloc(s0->grid.n_var + w.n_servers + 1, sizeof *cols);
    if (!w.acc.vals || !cols) {
        rc = mx_fail(err, MX_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = out_mkdir(o->out_dir, err)) != MX_OK)
        goto done;
    /* A run's or an earlier sweep's files would pass for this sweep's. */
    static const char *const stale[] = {"summary.csv", "servers.csv", "points.csv",
                                        "manifest.ini", "timeseries.csv", "delays.csv",
                                        "faults.csv", "trace.csv"};
    char path[4200];
    for (size_t i = 0; i < MX_ARRAY_LEN(stale); i++) {
        snprintf(path, sizeof path, "%s/%s", o->out_dir, stale[i]);
        unlink(path);
    }
    for (int i = 0; i < 4; i++)
        if ((rc = out_open(&w.f[i], o->out_dir, file_names[i], err)) != MX_OK)
            goto done;
    runner_summary_header(&w.f[F_SUMMARY], &s0->grid);
    runner_servers_header(&w.f[F_SERVERS]);
    for (size_t v = 0; v < s0->grid.n_var; v++)
        cols[v] = s0->grid.var[v].column;
    for (size_t k = 0; k < w.n_servers; k++)
        cols[s0->grid.n_var + k] = s0->servers[k].name;
    runner_points_header(&w.f[F_POINTS], cols, s0->grid.n_var, cols + s0->grid.n_var,
                         w.n_servers);
    struct workers pool = {
        .jobs = o->jobs, .window = (uint64_t)o->jobs * 16,
        .reply_len = sizeof(struct reply) + w.n_servers * sizeof(struct run_server_result),
        /* Under --max-memory a worker gives its heap back between runs, so that the
         * limit sees the run and not what its earlier runs left (not always: the
         * trim costs about 3 % of a short run). */
        .trim = o->max_memory != 0,
        .work = work, .deliver = deliver, .progress = show_progress, .ctx = &w,
        .interrupt = o->interrupt};
    if ((rc = workers_run(&pool, w.lo, w.hi, err)) != MX_OK)
        goto done;
    if (o->progress && o->log)
        fprintf(o->log, "\r%100s\r", "");
    struct sweep_manifest m = {.version = MXSIM_VERSION, .scenario = o->path, .fingerprint = fp,
                               .points = s0->grid.n_points, .replications = (uint64_t)w.reps,
                               .runs = runs, .shard_k = o->shard_k, .shard_n = o->shard_n,
                               .first_run = w.lo, .end_run = w.hi, .failed = w.failed};
    sweep_manifest(w.f[F_MANIFEST].fp, &m);
    for (int i = 0; i < 4; i++)
        if ((rc = out_finish(&w.f[i], err)) != MX_OK)
            goto done;
    for (int i = 0; i < 4; i++)
        if ((rc = out_commit(&w.f[i], err)) != MX_OK)
            goto done;
    *failed = w.failed;
done:
    if (rc == MX_EINTR)
        mx_fail(err, MX_EINTR, "interrupted by a signal; no output file was written");
    for (int i = 0; i < 4; i++)
        out_abort(&w.f[i]);
    free(w.acc.vals), free(cols);
    return rc;
}
