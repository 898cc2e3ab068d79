/* runner.c -- see runner.h. Replications run one after another in this process;
 * each has its own streams (rng_derive with its replication number), so the rows
 * do not depend on how many replications ran before. */
#include "runner.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grid.h"
#include "out.h"
#include "run.h"
#include "scen.h"
#include "stats.h"
#include "workers.h"
#include "zone.h"

/* The main metrics: a column of summary.csv each, and a mean and a 95% CI in
 * points.csv. */
enum mtype { M_U64, M_DBL };
struct metric {
    const char *name;
    enum mtype type;
    size_t off;
};
#define M(f, t) {#f, t, offsetof(struct run_result, f)}
static const struct metric metrics[] = {
    M(messages, M_U64),       M(delivered, M_U64),      M(bounced, M_U64),
    M(queued_at_end, M_U64),  M(delivered_fraction, M_DBL), M(delay_mean, M_DBL),
    M(delay_p50, M_DBL),      M(delay_p90, M_DBL),      M(delay_p99, M_DBL),
    M(delay_max, M_DBL),      M(attempts_mean, M_DBL),  M(timeout_fraction, M_DBL),
    M(deferrals, M_U64),      M(suspended, M_U64),      M(reused_fraction, M_DBL),
    M(forwarded, M_U64),      M(hop_delay_mean, M_DBL), M(hop_delay_p99, M_DBL),
};
#undef M

size_t runner_n_metrics(void)
{
    return MX_ARRAY_LEN(metrics);
}

const char *runner_metric_name(size_t i)
{
    return metrics[i].name;
}

double runner_metric(size_t i, const struct run_result *res)
{
    const char *p = (const char *)res + metrics[i].off;
    return metrics[i].type == M_U64 ? (double)*(const uint64_t *)p : *(const double *)p;
}

/* Each server's metrics, in the order of servers.csv's columns (from "accepted"):
 * points.csv has a mean and a CI for each, per server. */
enum { S_N = 7 };
static const char *const smetric_names[S_N] = {"share", "accepted", "refused", "timed_out",
                                                "tempfailed", "peak_sessions", "utilization"};

size_t runner_n_server_metrics(void)
{
    return S_N;
}

const char *runner_server_metric_name(size_t i)
{
    return smetric_names[i];
}

/* In points.csv's order (share first, as before the others were added); the
 * servers.csv column of metric i is runner_server_metric_column(i). */
double runner_server_metric(size_t i, const struct run_server_result *v)
{
    switch (i) {
    case 0: return v->share;
    case 1: return (double)v->accepted;
    case 2: return (double)v->refused;
    case 3: return (double)v->timed_out;
    case 4: return (double)v->tempfailed;
    case 5: return (double)v->peak_sessions;
    default: return v->utilization;
    }
}

size_t runner_server_metric_column(size_t i)
{
    static const size_t col[S_N] = {5, 4, 6, 7, 8, 9, 10}; /* see server_cols */
    return col[i];
}

static const char *const server_cols[] = {
    "point", "replication", "seed", "server", "accepted", "share", "refused", "timed_out",
    "tempfailed", "peak_sessions", "utilization",
};

static void header_cells(struct out *o, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out_str(o, cols[i]);
}

static void header(struct out *o, const char *const *cols, size_t n)
{
    header_cells(o, cols, n);
    out_end_row(o);
}

void runner_summary_header(struct out *o, const struct grid *g)
{
    out_str(o, "point");
    out_str(o, "replication");
    for (size_t v = 0; v < g->n_var; v++)
        out_str(o, g->var[v].column);
    out_str(o, "seed");
    for (size_t i = 0; i < MX_ARRAY_LEN(metrics); i++)
        out_str(o, metrics[i].name);
    out_str(o, "events");
    out_str(o, "wall_seconds");
    out_end_row(o);
}

void runner_summary_row(struct out *o, const struct grid *g, uint64_t point, long rep,
                        const struct run_result *res, double wall)
{
    out_u64(o, point);
    out_u64(o, (uint64_t)rep);
    for (size_t v = 0; v < g->n_var; v++)
        out_str(o, grid_value(g, v, point));
    out_u64(o, res->seed);
    for (size_t i = 0; i < MX_ARRAY_LEN(metrics); i++) {
        const char *p = (const char *)res + metrics[i].off;
        if (metrics[i].type == M_U64)
            out_u64(o, *(const uint64_t *)p);
        else
            out_num(o, *(const double *)p);
    }
    out_u64(o, res->events);
    out_num(o, wall);
    out_end_row(o);
}

void runner_points_header(struct out *o, const char *const *swept, size_t n_swept,
                          const char *const *servers, size_t n_servers)
{
    char name[300];
    out_str(o, "point");
    header_cells(o, swept, n_swept);
    out_str(o, "replications");
    for (size_t i = 0; i < MX_ARRAY_LEN(metrics); i++) {
        snprintf(name, sizeof name, "%s_mean", metrics[i].name);
        out_str(o, name);
        snprintf(name, sizeof name, "%s_ci95", metrics[i].name);
        out_str(o, name);
    }
    for (size_t i = 0; i < S_N; i++)
        for (size_t k = 0; k < n_servers; k++) {
            snprintf(name, sizeof name, "%s_%s_mean", smetric_names[i], servers[k]);
            out_str(o, name);
            snprintf(name, sizeof name, "%s_%s_ci95", smetric_names[i], servers[k]);
            out_str(o, name);
        }
    out_end_row(o);
}

/* Each metric's mean over replications and the half-width of its 95% confidence
 * interval (Student t), then each server metric of each server. */
void runner_points_row(struct out *o, uint64_t point, const char *const *swept, size_t n_swept,
                       long reps, const double *vals, size_t n_servers,
                       const double *server_vals)
{
    double mean, half;
    out_u64(o, point);
    header_cells(o, swept, n_swept);
    out_u64(o, (uint64_t)reps);
    for (size_t i = 0; i < MX_ARRAY_LEN(metrics); i++) {
        stats_mean_ci95(vals + i * (size_t)reps, (size_t)reps, &mean, &half);
        out_num(o, mean);
        out_num(o, half);
    }
    for (size_t j = 0; j < S_N * n_servers; j++) {
        stats_mean_ci95(server_vals + j * (size_t)reps, (size_t)reps, &mean, &half);
        out_num(o, mean);
        out_num(o, half);
    }
    out_end_row(o);
}

int runner_points_file(struct out *o, const struct scenario *s, const struct run_result *all,
                       long reps, struct mx_err *err)
{
    const struct grid *g = &s->grid;
    size_t nm = MX_ARRAY_LEN(metrics), ns = s->n_servers;
    const char **cols = calloc(g->n_var + ns + 1, sizeof *cols), **names = cols + g->n_var;
    double *vals = calloc((nm + S_N * ns) * (size_t)reps + 1, sizeof *vals);
    if (!cols || !vals) {
        free(cols), free(vals);
        return mx_fail(err, MX_ENOMEM, "out of memory");
    }
    for (size_t v = 0; v < g->n_var; v++)
        cols[v] = g->var[v].column;
    for (size_t k = 0; k < ns; k++)
        names[k] = s->servers[k].name;
    runner_points_header(o, cols, g->n_var, names, ns);
    for (size_t v = 0; v < g->n_var; v++)
        cols[v] = grid_value(g, v, s->point);
    for (long k = 0; k < reps; k++) {
        for (size_t i = 0; i < nm; i++)
            vals[i * (size_t)reps + (size_t)k] = runner_metric(i, &all[k]);
        for (size_t i = 0; i < S_N; i++)
            for (size_t j = 0; j < ns; j++)
                vals[(nm + i * ns + j) * (size_t)reps + (size_t)k] =
                    runner_server_metric(i, &all[k].server[j]);
    }
    runner_points_row(o, s->point, cols, g->n_var, reps, vals, ns, vals + nm * (size_t)reps);
    free(cols), free(vals);
    return MX_OK;
}

/* delays.csv: the delay distribution over all replications, one row per non-empty
 * histogram bucket: its upper end, the count, and the fraction at or below it. */
static void delays_file(struct out *o, const struct hist *h)
{
    static const char *const cols[] = {"delay", "count", "cdf"};
    header(o, cols, 3);
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        if (!h->bucket[i])
            continue;
        seen += h->bucket[i];
        mx_time hi = hist_bucket_hi(i);
        out_num(o, mx_time_to_s(hi < h->max ? hi : h->max));
        out_u64(o, h->bucket[i]);
        out_num(o, (double)seen / (double)h->count);
        out_end_row(o);
    }
}

/* faults.csv: the fault windows, for charts to shade: one row per window; a random
 * fault has one row with empty start and end. */
static void faults_file(struct out *o, const struct scenario *s)
{
    static const char *const cols[] = {"fault", "target", "mode", "start", "end"};
    static const char *const modes[] = {"refused", "blackhole", "servfail", "tempfail",
                                        "reject",  "nogreet",   "slow"};
    header(o, cols, 5);
    for (size_t i = 0; i < s->n_faults; i++) {
        const struct scen_fault *f = &s->faults[i];
        const char *target = f->target == TARGET_SERVER ? s->servers[f->server].name
                             : f->target == TARGET_DNS  ? "dns"
                             : f->target == TARGET_NAME ? f->dns_name
                             : f->target == TARGET_ADDR ? f->addr
                                                        : s->servers[f->site[0]].site;
        for (size_t w = 0; w < (f->random ? 1 : f->n_windows); w++) {
            out_str(o, f->name);
            out_str(o, target);
            out_str(o, modes[f->mode]);
            if (f->random) {
                out_str(o, "");
                out_str(o, "");
            } else {
                out_num(o, mx_time_to_s(f->at[w]));
                if (f->len[w] == MX_TIME_MAX)
                    out_str(o, "inf");
                else
                    out_num(o, mx_time_to_s(f->at[w] + f->len[w]));
            }
            out_end_row(o);
        }
    }
}

void runner_servers_header(struct out *o)
{
    header(o, server_cols, MX_ARRAY_LEN(server_cols));
}

void runner_server_rows(struct out *o, const struct scenario *s, uint64_t point, long rep,
                        const struct run_result *res)
{
    for (size_t k = 0; k < s->n_servers; k++) {
        const struct run_server_result *v = &res->server[k];
        out_u64(o, point);
        out_u64(o, (uint64_t)rep);
        out_u64(o, res->seed);
        out_str(o, s->servers[k].name);
        out_u64(o, v->accepted);
        out_num(o, v->share);
        out_u64(o, v->refused);
        out_u64(o, v->timed_out);
        out_u64(o, v->tempfailed);
        out_u64(o, v->peak_sessions);
        out_num(o, v->utilization);
        out_end_row(o);
    }
}

struct sampler {
    struct out *o;
    uint64_t samples; /* sample events: not counted in summary.csv's events */
    struct srv_count *last; /* per server, at the previous sample */
};

static void sample_header(struct out *o, const struct scenario *s)
{
    static const char *const cols[] = {"time",     "server",  "sessions",  "backlog",
                                       "accepted", "refused", "timed_out", "tempfailed"};
    char name[300];
    header_cells(o, cols, MX_ARRAY_LEN(cols));
    for (size_t k = 0; k < s->n_senders; k++) {
        snprintf(name, sizeof name, "deferred_%s", s->senders[k].name);
        out_str(o, name);
    }
    out_end_row(o);
}

/* One row per server: sessions and backlog now; accepted, refused, timed out and
 * tempfailed since the last sample. */
static void on_sample(void *ctx, const struct run *r)
{
    struct sampler *sm = ctx;
    const struct scenario *s = r->scen;
    sm->samples++;
    for (size_t k = 0; k < s->n_servers; k++) {
        const struct srv *v = &r->srv[k];
        out_num(sm->o, mx_time_to_s(loop_now(&r->loop)));
        out_str(sm->o, s->servers[k].name);
        out_u64(sm->o, v->busy);
        out_u64(sm->o, v->bl_len);
        out_u64(sm->o, v->all.accepted - sm->last[k].accepted);
        out_u64(sm->o, v->all.refused - sm->last[k].refused);
        out_u64(sm->o, v->all.timed_out - sm->last[k].timed_out);
        out_u64(sm->o, v->all.tempfailed - sm->last[k].tempfailed);
        sm->last[k] = v->all;
        for (size_t j = 0; j < s->n_senders; j++)
            out_u64(sm->o, r->deferred[j]);
        out_end_row(sm->o);
    }
}

struct tracer {
    struct out *o;
    const struct run *r;
    long rep;
    uint32_t *owner; /* address id -> the first name listing it, or ZONE_NONE */
};

static void on_trace(void *ctx, const struct trace_row *row)
{
    static const char *const outcomes[] = {"delivered", "reused",  "refused",   "timeout",
                                           "greeting_timeout", "deferred", "suspended",
                                           "bounced", "dns_defer", "expired", "tempfail",
                                           "rejected"};
    struct tracer *t = ctx;
    const struct scenario *s = t->r->scen;
    const struct zone *z = s->zone;
    uint32_t snd = t->r->inst[row->inst].sender;
    char name[300];
    out_u64(t->o, (uint64_t)t->rep);
    out_num(t->o, mx_time_to_s(row->time));
    out_u64(t->o, row->message);
    out_u64(t->o, row->attempt);
    if (s->senders[snd].instances > 1)
        snprintf(name, sizeof name, "%s#%u", s->senders[snd].name,
                 row->inst - t->r->inst_base[snd]);
    else
        snprintf(name, sizeof name, "%s", s->senders[snd].name);
    out_str(t->o, name);
    uint32_t host = row->addr == MX_NONE ? ZONE_NONE : t->owner[row->addr];
    out_str(t->o, host == ZONE_NONE ? "" : zone_name_text(z, host));
    out_str(t->o, row->addr == MX_NONE ? "" : zone_addr_text(z, row->addr));
    out_str(t->o, row->server == MX_NONE ? "" : s->servers[row->server].name);
    out_str(t->o, outcomes[row->outcome]);
    out_num(t->o, mx_time_to_s(row->latency));
    out_end_row(t->o);
}

/* address -> the first name whose address set lists it, for trace.csv's mx column */
static uint32_t *owners(const struct zone *z)
{
    size_t na = zone_n_addrs(z), nn = zone_n_names(z), k;
    uint32_t *o = malloc((na + 1) * sizeof *o);
    if (!o)
        return NULL;
    for (size_t a = 0; a < na; a++)
        o[a] = ZONE_NONE;
    for (uint32_t n = 0; n < nn; n++) {
        const uint32_t *a = zone_addrs(z, n, &k);
        for (size_t i = 0; i < k; i++)
            if (o[a[i]] == ZONE_NONE)
                o[a[i]] = n;
    }
    return o;
}

int runner_one(const struct scenario *s, const struct runner_opts *o, uint64_t seed, long rep,
               struct sampler *sm, struct tracer *tr, struct run_result *res, struct hist *delays,
               double *wall, struct mx_err *err)
{
    struct run r;
    double t0 = mx_wall_s();
    int rc = run_init(&r, s, seed, s->point, (uint64_t)rep, err);
    if (rc == MX_OK) {
        r.loop.max_events = o->max_events;
        r.loop.max_rss = o->max_memory;
        r.loop.interrupt = o->interrupt;
        r.loop.progress = o->progress;
        r.loop.progress_ctx = o->progress_ctx;
        if (tr) {
            tr->r = &r;
            tr->rep = rep;
            r.on_trace = on_trace;
            r.trace_ctx = tr;
        }
        if (sm) { /* the first replication's timeseries */
            r.sample_every = s->sim.sample;
            r.on_sample = on_sample;
            r.sample_ctx = sm;
        }
        rc = run_exec(&r, err);
    }
    if (rc == MX_OK) {
        run_check(&r);
        run_result(&r, res);
        res->seed = seed;
        if (sm) /* so that a row is the same with or without timeseries.csv */
            res->events -= sm->samples;
        if (delays)
            hist_merge(delays, &r.totals.delay);
    }
    run_fini(&r);
    *wall = o->reproducible ? 0 : mx_wall_s() - t0;
    return rc;
}

enum { F_SUMMARY, F_SERVERS, F_POINTS, F_TIMESERIES, F_DELAYS, F_FAULTS, F_TRACE, F_N };
static const char *const file_names[F_N] = {"summary.csv", "servers.csv", "points.csv",
                                            "timeseries.csv", "delays.csv", "faults.csv",
                                            "trace.csv"};

/* ---- mxsim run -j: the replications on workers (workers.h) ---- */

/* What a worker sends for a replication: this, then n_servers + 1 struct
 * run_server_result. Its timeseries (the first replication) and trace rows go to
 * part files that the parent appends in order. */
struct rep_reply {
    int status;
    struct mx_err err;
    struct run_result res; /* res.server is not sent */
    double wall;
    struct hist delays;
};

struct reps {
    const struct scenario *s;
    const struct runner_opts *o;
    uint64_t seed;
    long first, reps;
    pid_t parent;
    struct out *f;
    struct run_result *all;
    struct run_server_result *servers;
    struct hist *delays;
    uint32_t *owner; /* for trace.csv */
};

enum { PART_TIMESERIES, PART_TRACE };

/* A part's path, known to the parent without a word from the worker: so that the
 * parent can remove the parts of a run that fails. */
static void part_path(const struct reps *c, int part, uint64_t t, char *buf, size_t len)
{
    snprintf(buf, len, "%s/.%s.%ld.%" PRIu64 ".part", c->o->out_dir,
             part == PART_TIMESERIES ? "timeseries.csv" : "trace.csv", (long)c->parent, t);
}

static void rep_work(void *ctx, uint64_t t, void *reply)
{
    struct reps *c = ctx;
    struct rep_reply *r = reply;
    struct run_server_result *servers = (struct run_server_result *)(r + 1);
    struct runner_opts ro = *c->o;
    ro.progress = NULL; /* the parent shows the replications in */
    struct out ts = {0}, trace = {0};
    struct sampler sm = {.o = &ts};
    struct tracer tr = {.o = &trace, .owner = c->owner};
    char path[4300];
    hist_init(&r->delays);
    if (t == 0) {
        sm.last = calloc(c->s->n_servers + 1, sizeof *sm.last);
        part_path(c, PART_TIMESERIES, t, path, sizeof path);
        if (!sm.last)
            r->status = mx_fail(&r->err, MX_ENOMEM, "out of memory");
        else
            r->status = out_open_part(&ts, path, &r->err);
    }
    if (r->status == MX_OK && c->o->trace) {
        part_path(c, PART_TRACE, t, path, sizeof path);
        r->status = out_open_part(&trace, path, &r->err);
    }
    if (r->status == MX_OK) {
        r->res.server = servers;
        r->status = runner_one(c->s, &ro, c->seed, c->first + (long)t, t == 0 ? &sm : NULL,
                               c->o->trace ? &tr : NULL, &r->res, &r->delays, &r->wall, &r->err);
    }
    if (r->status == MX_OK && ts.fp)
        r->status = out_part_close(&ts, &r->err);
    if (r->status == MX_OK && trace.fp)
        r->status = out_part_close(&trace, &r->err);
    if (r->status != MX_OK)
        out_abort(&ts), out_abort(&trace);
    free(sm.last);
    r->err.file = NULL; /* a pointer into this process means nothing to the parent */
    r->res.server = NULL;
}

static int rep_deliver(void *ctx, uint64_t t, const void *reply, const char *death,
                       struct mx_err *err)
{
    struct reps *c = ctx;
    const struct rep_reply *r = reply;
    long rep = c->first + (long)t;
    size_t ns = c->s->n_servers + 1;
    char path[4300];
    if (!r)
        return mx_fail(err, MX_EIO, "replication %ld: its worker %s", rep, death);
    if (r->status != MX_OK) {
        *err = r->err;
        return r->status;
    }
    c->all[t] = r->res;
    c->all[t].server = c->servers + t * ns;
    memcpy(c->all[t].server, r + 1, ns * sizeof *c->servers);
    hist_merge(c->delays, &r->delays);
    int rc = MX_OK;
    if (t == 0) {
        part_path(c, PART_TIMESERIES, t, path, sizeof path);
        rc = out_append_part(&c->f[F_TIMESERIES], path, err);
    }
    if (rc == MX_OK && c->o->trace) {
        part_path(c, PART_TRACE, t, path, sizeof path);
        rc = out_append_part(&c->f[F_TRACE], path, err);
    }
    if (rc != MX_OK)
        return rc;
    runner_summary_row(&c->f[F_SUMMARY], &c->s->grid, c->s->point, rep, &c->all[t], r->wall);
    runner_server_rows(&c->f[F_SERVERS], c->s, c->s->point, rep, &c->all[t]);
    return MX_OK;
}

static void rep_progress(void *ctx, uint64_t delivered, long running)
{
    struct reps *c = ctx;
    if (c->o->reps_progress)
        c->o->reps_progress(c->o->progress_ctx, (long)delivered, c->reps, running);
}

static int run_parallel(struct reps *c, struct mx_err *err)
{
    struct workers w = {
        .jobs = c->o->jobs, .window = (uint64_t)c->o->jobs * 4,
        .reply_len = sizeof(struct rep_reply) + (c->s->n_servers + 1) * sizeof *c->servers,
        .trim = c->o->max_memory != 0, .work = rep_work, .deliver = rep_deliver,
        .progress = rep_progress, .ctx = c, .interrupt = c->o->interrupt};
    c->parent = getpid();
    int rc = workers_run(&w, 0, (uint64_t)c->reps, err);
    if (rc != MX_OK) { /* the parts of replications that were not appended */
        char path[4300];
        part_path(c, PART_TIMESERIES, 0, path, sizeof path);
        unlink(path);
        for (long t = 0; t < c->reps && c->o->trace; t++) {
            part_path(c, PART_TRACE, (uint64_t)t, path, sizeof path);
            unlink(path);
        }
    }
    return rc;
}

int runner_run(const struct scenario *s, const struct runner_opts *o, struct mx_err *err)
{
    struct out f[F_N] = {{0}};
    uint64_t seed = o->have_seed ? o->seed : s->sim.seed;
    long reps = o->one_rep ? 1 : o->replications ? o->replications : s->sim.replications;
    long first = o->one_rep ? o->rep : 0; /* replication numbers first .. first + reps - 1 */
    struct sampler sm = {.o = &f[F_TIMESERIES],
                         .last = calloc(s->n_servers + 1, sizeof(struct srv_count))};
    struct run_result *all = calloc((size_t)reps, sizeof *all);
    struct run_server_result *servers = calloc((size_t)reps * (s->n_servers + 1), sizeof *servers);
    struct hist *delays = malloc(sizeof *delays);
    struct tracer tr = {.o = &f[F_TRACE], .owner = o->trace ? owners(s->zone) : NULL};
    int n_files = o->trace ? F_N : F_N - 1;
    int rc = MX_ENOMEM;
    if (!sm.last || !all || !servers || !delays || (o->trace && !tr.owner)) {
        mx_fail(err, MX_ENOMEM, "out of memory");
        goto fail;
    }
    hist_init(delays);
    if ((rc = out_mkdir(o->out_dir, err)) != MX_OK)
        goto fail;
    /* An earlier run's files (and charts) would pass for this run's if this one
     * fails. */
    static const char *const charts[] = {"accepted", "share-over-time", "sessions", "backlog",
                                         "deferred", "delay-cdf", "share"};
    char path[4200];
    for (int i = 0; i < F_N; i++) {
        snprintf(path, sizeof path, "%s/%s", o->out_dir, file_names[i]);
        unlink(path);
    }
    for (size_t i = 0; i < MX_ARRAY_LEN(charts); i++)
        for (int svg = 0; svg < 2; svg++) {
            snprintf(path, sizeof path, "%s/plots/%s.%s", o->out_dir, charts[i], svg ? "svg" : "png");
            unlink(path);
        }
    for (int i = 0; i < n_files; i++)
        if ((rc = out_open(&f[i], o->out_dir, file_names[i], err)) != MX_OK)
            goto fail;
    if (o->trace) {
        static const char *const cols[] = {"replication", "time", "message", "attempt", "sender",
                                           "mx", "address", "server", "outcome", "latency"};
        header(&f[F_TRACE], cols, MX_ARRAY_LEN(cols));
    }
    runner_summary_header(&f[F_SUMMARY], &s->grid);
    runner_servers_header(&f[F_SERVERS]);
    sample_header(&f[F_TIMESERIES], s);
    if (o->jobs > 1 && reps > 1) { /* on workers: the same rows, in the same order */
        struct reps c = {.s = s, .o = o, .seed = seed, .first = first, .reps = reps, .f = f,
                         .all = all, .servers = servers, .delays = delays, .owner = tr.owner};
        if ((rc = run_parallel(&c, err)) != MX_OK)
            goto fail;
    } else {
        for (long rep = 0; rep < reps; rep++) {
            double wall;
            all[rep].server = servers + (size_t)rep * (s->n_servers + 1);
            rc = runner_one(s, o, seed, first + rep, rep == 0 ? &sm : NULL,
                            o->trace ? &tr : NULL, &all[rep], delays, &wall, err);
            if (rc == MX_OK && o->interrupt && *o->interrupt)
                rc = mx_fail(err, MX_EINTR, "interrupted");
            if (rc != MX_OK)
                goto fail;
            runner_summary_row(&f[F_SUMMARY], &s->grid, s->point, first + rep, &all[rep], wall);
            runner_server_rows(&f[F_SERVERS], s, s->point, first + rep, &all[rep]);
        }
    }
    if ((rc = runner_points_file(&f[F_POINTS], s, all, reps, err)) != MX_OK)
        goto fail;
    delays_file(&f[F_DELAYS], delays);
    faults_file(&f[F_FAULTS], s);
    for (int i = 0; i < n_files; i++)
        if ((rc = out_finish(&f[i], err)) != MX_OK)
            goto fail;
    for (int i = 0; i < n_files; i++)
        if ((rc = out_commit(&f[i], err)) != MX_OK)
            goto fail;
    rc = MX_OK;
fail:
    if (rc == MX_EINTR)
        mx_fail(err, MX_EINTR, "interrupted by a signal; no output file was written");
    for (int i = 0; i < F_N; i++)
        out_abort(&f[i]);
    free(sm.last), free(all), free(servers), free(delays);
    free(tr.owner);
    return rc;
}
