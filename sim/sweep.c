/* sweep.c -- see sweep.h. The parent keeps `jobs` workers busy and at most `window`
 * runs between dispatch and row, so its memory does not grow with the number of
 * runs; rows are written as soon as every earlier run is in. Workers are forked
 * once, not once a run: a fork, a pipe and a reap per run cost the parent about
 * 4.5 ms of serial work, a sixth of a short run (docs/performance.md). */
#include "sweep.h"

#include <errno.h>
#include <malloc.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grid.h"
#include "out.h"
#include "rng.h"
#include "run.h"
#include "runner.h"
#include "scen.h"

/* What a worker sends for each run: this head, then n_servers struct
 * run_server_result. */
struct reply {
    int status;
    struct mx_err err;
    struct run_result res; /* res.server is not sent */
    double wall;
};

/* A run between its dispatch and its row. */
struct job {
    unsigned char *buf; /* the reply as it arrives; NULL: the slot is free */
    bool done;          /* the reply is complete, or the run died: it waits to be written */
    bool ok;            /* a complete reply with status MX_OK */
};

/* A worker process: it reads run numbers from its socket and answers each with a
 * reply, until the socket closes. */
struct worker {
    pid_t pid; /* 0: none */
    int fd;    /* our end of a socketpair */
    bool busy;
    uint64_t run; /* the run it is doing, when busy */
    size_t got;   /* bytes of that run's reply read so far */
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
    size_t n_servers, reply_len;
    struct job *slot; /* ring of `window` slots, indexed by run % window */
    uint64_t window, lo, hi, next, written, failed;
    struct worker *wk; /* o->jobs of them */
    long n_wk;
    long running;
    struct acc acc;
    struct out f[4];
    double started;
};
enum { F_SUMMARY, F_SERVERS, F_POINTS, F_MANIFEST };
static const char *const file_names[] = {"summary.csv", "servers.csv", "points.csv",
                                         "manifest.ini"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* ---- the worker ---- */

/* Writes all of p, or ends the worker: the parent is gone and nothing is left to
 * tell it. */
static void write_all(int fd, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n) {
        ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            _exit(4);
        b += k, n -= (size_t)k;
    }
}

/* Reads one run number; false when the parent closed the socket (or broke it). */
static bool read_run(int fd, uint64_t *run)
{
    unsigned char *b = (unsigned char *)run;
    size_t n = sizeof *run;
    while (n) {
        ssize_t k = read(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        b += k, n -= (size_t)k;
    }
    return true;
}

/* The worker's loop. It loads each point's scenario itself (the parent checked
 * them all before the first run) and keeps it for the point's next replication.
 * Under --max-memory it gives its heap back between runs, so that the limit sees
 * the run and not what the worker's earlier runs left behind (not always: the
 * trim costs about 3 % of a short run). */
static _Noreturn void worker_main(struct sweep *w, int fd)
{
    const struct sweep_opts *o = w->o;
    struct scenario *cur = NULL;
    struct run_server_result *servers = calloc(w->n_servers + 1, sizeof *servers);
    const char *kill_run = getenv("MXSIM_TEST_KILL_RUN");
    uint64_t run;
    while (read_run(fd, &run)) {
        uint64_t point = run / (uint64_t)w->reps;
        long rep = (long)(run % (uint64_t)w->reps);
        /* A hook for the tests of crash reporting: the run dies as if killed. */
        if (kill_run && strtoull(kill_run, NULL, 10) == run)
            raise(SIGKILL);
        struct reply r = {0};
        struct runner_opts ro = {.reproducible = o->reproducible, .max_events = o->max_events,
                                 .max_memory = o->max_memory, .interrupt = o->interrupt};
        if (cur && cur->point != point) {
            scen_free(cur);
            cur = NULL;
        }
        if (!servers)
            r.status = mx_fail(&r.err, MX_ENOMEM, "out of memory");
        else if (cur || (r.status = scen_load_point(o->path, o->sets, o->n_set, point, &cur,
                                                    &r.err)) == MX_OK) {
            r.res.server = servers;
            r.status = runner_one(cur, &ro, w->seed, rep, NULL, NULL, &r.res, NULL, &r.wall,
                                  &r.err);
        }
        r.err.file = NULL; /* a pointer into this process means nothing to the parent */
        r.res.server = NULL;
        write_all(fd, &r, sizeof r);
        if (servers)
            write_all(fd, servers, w->n_servers * sizeof *servers);
        if (o->max_memory)
            malloc_trim(0);
    }
    _exit(0); /* no atexit handlers, no flush of the parent's stdio buffers */
}

/* ---- the parent ---- */

static struct job *slot_of(struct sweep *w, uint64_t run)
{
    return &w->slot[run % w->window];
}

/* Starts worker k. */
static int spawn(struct sweep *w, long k, struct mx_err *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return mx_fail(err, MX_EIO, "cannot make a socket for a worker: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]), close(sv[1]);
        return mx_fail(err, MX_EIO, "cannot start a worker: %s", strerror(errno));
    }
    if (pid == 0) {
        /* The other workers' sockets: held open here, they would never see their
         * end when the parent closes them. */
        for (long i = 0; i < w->n_wk; i++)
            if (w->wk[i].pid)
                close(w->wk[i].fd);
        close(sv[0]);
        worker_main(w, sv[1]);
    }
    close(sv[1]);
    w->wk[k] = (struct worker){.pid = pid, .fd = sv[0]};
    return MX_OK;
}

static void report_failure(struct sweep *w, uint64_t run, const char *what)
{
    uint64_t point = run / (uint64_t)w->reps;
    long rep = (long)(run % (uint64_t)w->reps);
    if (!w->o->log)
        return;
    fprintf(w->o->log, "%smxsim sweep: run %" PRIu64 " (point %" PRIu64 ", replication %ld) "
                       "%s; it runs alone with:\n", w->o->progress ? "\n" : "", run, point,
            rep, what);
    sweep_print_run(w->o->log, w->s0, w->o, point, rep);
}

/* The run of a worker is over, whole or not: judge it. `what` says how it died,
 * NULL when its reply is complete. */
static void finish(struct sweep *w, struct worker *k, const char *what)
{
    struct job *j = slot_of(w, k->run);
    const struct reply *r = (const struct reply *)j->buf;
    char buf[600];
    k->busy = false;
    w->running--;
    j->done = true;
    if (!what && r->status == MX_OK) {
        j->ok = true;
        return;
    }
    if (!what) {
        char e[400];
        snprintf(buf, sizeof buf, "failed: %s", mx_err_format(&r->err, e, sizeof e));
        what = buf;
    }
    if (!(w->o->interrupt && *w->o->interrupt))
        report_failure(w, k->run, what);
    w->failed++;
}

/* Worker k closed its socket or broke it: reap it, fail its run if it had one, and
 * start another in its place while runs remain. */
static int lost(struct sweep *w, long i, struct mx_err *err)
{
    struct worker *k = &w->wk[i];
    int st = 0;
    close(k->fd);
    while (waitpid(k->pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (k->busy) {
        char what[400];
        if (WIFSIGNALED(st))
            snprintf(what, sizeof what, "died: killed by signal %d (%s)", WTERMSIG(st),
                     strsignal(WTERMSIG(st)));
        else
            snprintf(what, sizeof what, "died: exit status %d, %zu of %zu bytes of its result",
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1, k->got, w->reply_len);
        finish(w, k, what);
    }
    k->pid = 0;
    if (w->next < w->hi && !(w->o->interrupt && *w->o->interrupt))
        return spawn(w, i, err);
    return MX_OK;
}

/* Gives run `next` to idle worker i. */
static int dispatch(struct sweep *w, long i, struct mx_err *err)
{
    struct worker *k = &w->wk[i];
    uint64_t run = w->next;
    struct job *j = slot_of(w, run);
    *j = (struct job){.buf = malloc(w->reply_len)};
    if (!j->buf)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    k->busy = true;
    k->run = run;
    k->got = 0;
    w->next++;
    w->running++;
    ssize_t n;
    while ((n = send(k->fd, &run, sizeof run, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof run) /* the worker is gone: its run fails, once */
        return lost(w, i, err);
    return MX_OK;
}

/* Reads whatever the workers sent; waits at most 200 ms. */
static int collect(struct sweep *w, struct mx_err *err)
{
    struct pollfd pf[SWEEP_MAX_JOBS];
    long of[SWEEP_MAX_JOBS];
    nfds_t n = 0;
    for (long i = 0; i < w->n_wk; i++)
        if (w->wk[i].pid) {
            pf[n] = (struct pollfd){.fd = w->wk[i].fd, .events = POLLIN};
            of[n++] = i;
        }
    if (n == 0)
        return MX_OK;
    int ready = poll(pf, n, 200);
    if (ready < 0 && errno != EINTR)
        return mx_fail(err, MX_EIO, "poll: %s", strerror(errno));
    for (nfds_t p = 0; ready > 0 && p < n; p++) {
        if (!(pf[p].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        struct worker *k = &w->wk[of[p]];
        unsigned char spill[512];
        size_t room = k->busy ? w->reply_len - k->got : 0;
        ssize_t got = read(k->fd, room ? slot_of(w, k->run)->buf + k->got : spill,
                           room ? room : sizeof spill);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || !k->busy) { /* an idle worker says nothing unless it is gone */
            int rc = lost(w, of[p], err);
            if (rc != MX_OK)
                return rc;
            continue;
        }
        k->got += (size_t)got;
        if (k->got == w->reply_len)
            finish(w, k, NULL);
    }
    return MX_OK;
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

/* Writes every finished run that no earlier unfinished run holds back. */
static void drain(struct sweep *w)
{
    while (w->written < w->next) {
        struct job *j = slot_of(w, w->written);
        if (!j->done)
            return;
        uint64_t point = w->written / (uint64_t)w->reps;
        long rep = (long)(w->written % (uint64_t)w->reps);
        const struct reply *r = j->ok ? (const struct reply *)j->buf : NULL;
        const struct run_server_result *servers =
            r ? (const struct run_server_result *)(j->buf + sizeof *r) : NULL;
        if (r) {
            struct run_result res = r->res;
            res.server = (struct run_server_result *)servers;
            runner_summary_row(&w->f[F_SUMMARY], &w->s0->grid, point, rep, &res, r->wall);
            runner_server_rows(&w->f[F_SERVERS], w->s0, point, rep, &res);
        }
        account(w, w->written, r, servers);
        free(j->buf);
        *j = (struct job){0};
        w->written++;
    }
}

static void show_progress(struct sweep *w)
{
    if (!w->o->progress || !w->o->log)
        return;
    uint64_t done = w->written - w->lo, all = w->hi - w->lo;
    double el = now_s() - w->started;
    fprintf(w->o->log, "\rmxsim sweep: %" PRIu64 " of %" PRIu64 " runs written, %ld running, "
                       "about %.0f s left   ", done, all, w->running,
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

/* Closes every worker's socket (an idle worker then ends by itself), stops the
 * busy ones and reaps them all. */
static void stop_workers(struct sweep *w)
{
    for (long i = 0; i < w->n_wk; i++) {
        struct worker *k = &w->wk[i];
        if (!k->pid)
            continue;
        if (k->busy)
            kill(k->pid, SIGTERM);
        close(k->fd);
        while (waitpid(k->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        *k = (struct worker){0};
    }
    for (uint64_t i = 0; i < w->window; i++)
        free(w->slot[i].buf);
    w->running = 0;
}

int sweep_run(const struct scenario *s0, const struct sweep_opts *o, uint64_t *failed,
              struct mx_err *err)
{
    struct sweep w = {.s0 = s0, .o = o, .n_servers = s0->n_servers, .started = now_s()};
    w.seed = o->have_seed ? o->seed : s0->sim.seed;
    w.reps = s0->sim.replications;
    w.reply_len = sizeof(struct reply) + w.n_servers * sizeof(struct run_server_result);
    uint64_t runs = s0->grid.n_points * (uint64_t)w.reps, fp;
    sweep_shard_range(runs, o->shard_k, o->shard_n, &w.lo, &w.hi);
    w.next = w.written = w.lo;
    w.window = (uint64_t)o->jobs * 16;
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
    w.slot = calloc(w.window, sizeof *w.slot);
    w.n_wk = (uint64_t)o->jobs < w.hi - w.lo ? o->jobs : (long)(w.hi - w.lo);
    w.wk = calloc((size_t)w.n_wk + 1, sizeof *w.wk);
    w.acc.vals = calloc((runner_n_metrics() + runner_n_server_metrics() * w.n_servers) *
                            (size_t)w.reps, sizeof(double));
    const char **cols = calloc(s0->grid.n_var + w.n_servers + 1, sizeof *cols);
    if (!w.slot || !w.wk || !w.acc.vals || !cols) {
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
    for (long i = 0; i < w.n_wk; i++)
        if ((rc = spawn(&w, i, err)) != MX_OK)
            goto done;
    while (w.written < w.hi) {
        if (o->interrupt && *o->interrupt) {
            rc = mx_fail(err, MX_EINTR, "interrupted");
            goto done;
        }
        for (long i = 0; i < w.n_wk && w.next < w.hi && w.next - w.written < w.window; i++)
            if (w.wk[i].pid && !w.wk[i].busy && (rc = dispatch(&w, i, err)) != MX_OK)
                goto done;
        if ((rc = collect(&w, err)) != MX_OK)
            goto done;
        uint64_t before = w.written;
        drain(&w);
        if (w.written != before)
            show_progress(&w);
    }
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
    if (w.slot && w.wk)
        stop_workers(&w);
    for (int i = 0; i < 4; i++)
        out_abort(&w.f[i]);
    free(w.wk), free(w.slot), free(w.acc.vals), free(cols);
    return rc;
}
