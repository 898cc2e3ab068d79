/* runner.c -- see runner.h. Replications run one after another in this process;
 * each has its own streams (rng_derive with its replication number), so the rows
 * do not depend on how many replications ran before. */
#include "runner.h"

#include <stdlib.h>
#include <time.h>

#include "out.h"
#include "run.h"
#include "scen.h"

static const char *const summary_cols[] = {
    "point", "replication", "seed", "messages", "delivered", "bounced", "queued_at_end",
    "delivered_fraction", "delay_mean", "delay_p50", "delay_p90", "delay_p99", "delay_max",
    "attempts_mean", "timeout_fraction", "deferrals", "suspended", "reused_fraction", "events",
    "wall_seconds",
};
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

static void summary_row(struct out *o, long rep, const struct run_result *res, double wall)
{
    out_u64(o, 0);
    out_u64(o, (uint64_t)rep);
    out_u64(o, res->seed);
    out_u64(o, res->messages);
    out_u64(o, res->delivered);
    out_u64(o, res->bounced);
    out_u64(o, res->queued_at_end);
    out_num(o, res->delivered_fraction);
    out_num(o, res->delay_mean);
    out_num(o, res->delay_p50);
    out_num(o, res->delay_p90);
    out_num(o, res->delay_p99);
    out_num(o, res->delay_max);
    out_num(o, res->attempts_mean);
    out_num(o, res->timeout_fraction);
    out_u64(o, res->deferrals);
    out_u64(o, res->suspended);
    out_num(o, res->reused_fraction);
    out_u64(o, res->events);
    out_num(o, wall);
    out_end_row(o);
}

static void server_rows(struct out *o, const struct scenario *s, long rep,
                        const struct run_result *res)
{
    for (size_t k = 0; k < s->n_servers; k++) {
        const struct run_server_result *v = &res->server[k];
        out_u64(o, 0);
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
    uint64_t *last_accepted; /* per server, at the previous sample */
};

static void sample_header(struct out *o, const struct scenario *s)
{
    static const char *const cols[] = {"time", "server", "sessions", "backlog", "accepted"};
    char name[300];
    header_cells(o, cols, MX_ARRAY_LEN(cols));
    for (size_t k = 0; k < s->n_senders; k++) {
        snprintf(name, sizeof name, "deferred_%s", s->senders[k].name);
        out_str(o, name);
    }
    out_end_row(o);
}

/* One row per server: sessions and backlog now, accepted since the last sample. */
static void on_sample(void *ctx, const struct run *r)
{
    struct sampler *sm = ctx;
    const struct scenario *s = r->scen;
    for (size_t k = 0; k < s->n_servers; k++) {
        const struct srv *v = &r->srv[k];
        out_num(sm->o, mx_time_to_s(loop_now(&r->loop)));
        out_str(sm->o, s->servers[k].name);
        out_u64(sm->o, v->busy);
        out_u64(sm->o, v->bl_len);
        out_u64(sm->o, v->accepted_all - sm->last_accepted[k]);
        sm->last_accepted[k] = v->accepted_all;
        for (size_t j = 0; j < s->n_senders; j++)
            out_u64(sm->o, r->deferred[j]);
        out_end_row(sm->o);
    }
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int one(const struct scenario *s, const struct runner_opts *o, uint64_t seed, long rep,
               struct sampler *sm, struct run_result *res, double *wall, struct mx_err *err)
{
    struct run r;
    double t0 = seconds_now();
    int rc = run_init(&r, s, seed, 0, (uint64_t)rep, err);
    if (rc == MX_OK) {
        r.loop.max_events = o->max_events;
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
    }
    run_fini(&r);
    *wall = o->reproducible ? 0 : seconds_now() - t0;
    return rc;
}

int runner_run(const struct scenario *s, const struct runner_opts *o, struct mx_err *err)
{
    struct out sum = {0}, srv = {0}, ts = {0};
    struct sampler sm = {.o = &ts, .last_accepted = calloc(s->n_servers + 1, sizeof(uint64_t))};
    uint64_t seed = o->have_seed ? o->seed : s->sim.seed;
    long reps = o->replications ? o->replications : s->sim.replications;
    struct run_result res = {.server = calloc(s->n_servers + 1, sizeof *res.server)};
    int rc = MX_ENOMEM;
    if (!res.server || !sm.last_accepted) {
        mx_fail(err, MX_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = out_mkdir(o->out_dir, err)) || (rc = out_open(&sum, o->out_dir, "summary.csv", err)) ||
        (rc = out_open(&srv, o->out_dir, "servers.csv", err)) ||
        (rc = out_open(&ts, o->out_dir, "timeseries.csv", err)))
        goto fail;
    header(&sum, summary_cols, MX_ARRAY_LEN(summary_cols));
    header(&srv, server_cols, MX_ARRAY_LEN(server_cols));
    sample_header(&ts, s);
    for (long rep = 0; rep < reps; rep++) {
        double wall;
        if ((rc = one(s, o, seed, rep, rep == 0 ? &sm : NULL, &res, &wall, err)) != MX_OK)
            goto fail;
        summary_row(&sum, rep, &res, wall);
        server_rows(&srv, s, rep, &res);
    }
    if ((rc = out_close(&sum, err)) != MX_OK || (rc = out_close(&srv, err)) != MX_OK ||
        (rc = out_close(&ts, err)) != MX_OK)
        goto fail;
    free(res.server);
    free(sm.last_accepted);
    return MX_OK;
fail:
    if (sum.fp)
        out_abort(&sum);
    if (srv.fp)
        out_abort(&srv);
    if (ts.fp)
        out_abort(&ts);
    free(res.server);
    free(sm.last_accepted);
    return rc;
}
