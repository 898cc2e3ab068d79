/* sweep.c -- see sweep.h. The parent keeps at most `jobs` children running and at
 * most WINDOW finished runs waiting for an earlier one, so its memory does not grow
 * with the number of runs; rows are written as soon as every earlier run is in. */
#include "sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grid.h"
#include "out.h"
#include "rng.h"
#include "run.h"
#include "runner.h"
#include "scen.h"

/* What a child sends: this head, then n_servers struct run_server_result. */
struct reply {
    int status;
    struct mx_err err;
    struct run_result res; /* res.server is not sent */
    double wall;
};

struct job {
    pid_t pid;       /* 0: free */
    int fd;
    uint64_t run;
    unsigned char *buf; /* the reply as it arrives */
    size_t got;
    bool done;       /* the child is reaped: the slot waits to be written */
    bool ok;         /* a complete reply with status MX_OK */
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
    long running;
    struct scenario *cur; /* the scenario of run `next`'s point */
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

/* ---- the child ---- */

static void write_all(int fd, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            _exit(4); /* the parent is gone or broke the pipe: nothing left to tell */
        b += k, n -= (size_t)k;
    }
}

static void child(struct sweep *w, uint64_t run, int fd)
{
    const struct scenario *s = w->cur;
    long rep = (long)(run % (uint64_t)w->reps);
    /* A hook for the tests of crash reporting: the run dies as if killed. */
    const char *kill_run = getenv("MXSIM_TEST_KILL_RUN");
    if (kill_run && strtoull(kill_run, NULL, 10) == run)
        raise(SIGKILL);
    struct run_server_result *servers = calloc(w->n_servers + 1, sizeof *servers);
    struct reply r = {0};
    struct runner_opts ro = {.reproducible = w->o->reproducible, .max_events = w->o->max_events,
                             .max_memory = w->o->max_memory, .interrupt = w->o->interrupt};
    r.res.server = servers;
    r.status = servers ? runner_one(s, &ro, w->seed, rep, NULL, NULL, &r.res, NULL, &r.wall, &r.err)
                       : mx_fail(&r.err, MX_ENOMEM, "out of memory");
    r.err.file = NULL; /* a pointer into this process means nothing to the parent */
    r.res.server = NULL;
    write_all(fd, &r, sizeof r);
    if (servers)
        write_all(fd, servers, w->n_servers * sizeof *servers);
    _exit(0); /* no atexit handlers, no flush of the parent's stdio buffers */
}

/* ---- the parent ---- */

static struct job *slot_of(struct sweep *w, uint64_t run)
{
    return &w->slot[run % w->window];
}

static int start(struct sweep *w, struct mx_err *err)
{
    uint64_t run = w->next, point = run / (uint64_t)w->reps;
    if (!w->cur || w->cur->point != point) {
        scen_free(w->cur);
        w->cur = NULL;
        int rc = scen_load_point(w->o->path, w->o->sets, w->o->n_set, point, &w->cur, err);
        if (rc != MX_OK)
            return rc;
    }
    int p[2];
    if (pipe(p) != 0)
        return mx_fail(err, MX_EIO, "cannot make a pipe for a worker: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]), close(p[1]);
        return mx_fail(err, MX_EIO, "cannot start a worker: %s", strerror(errno));
    }
    if (pid == 0) {
        close(p[0]);
        child(w, run, p[1]);
    }
    close(p[1]);
    struct job *j = slot_of(w, run);
    *j = (struct job){.pid = pid, .fd = p[0], .run = run, .buf = malloc(w->reply_len)};
    if (!j->buf)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    w->next++;
    w->running++;
    return MX_OK;
}

static void report_failure(struct sweep *w, const struct job *j, const char *what)
{
    uint64_t point = j->run / (uint64_t)w->reps;
    long rep = (long)(j->run % (uint64_t)w->reps);
    if (!w->o->log)
        return;
    fprintf(w->o->log, "%smxsim sweep: run %" PRIu64 " (point %" PRIu64 ", replication %ld) "
                       "%s; it runs alone with:\n", w->o->progress ? "\n" : "", j->run, point,
            rep, what);
    sweep_print_run(w->o->log, w->s0, w->o, point, rep);
}

/* The child of j closed its pipe: reap it and judge its reply. */
static void finish(struct sweep *w, struct job *j)
{
    int st = 0;
    close(j->fd);
    while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
        ;
    w->running--;
    j->done = true;
    const struct reply *r = (const struct reply *)j->buf;
    char what[400];
    if (WIFSIGNALED(st)) {
        snprintf(what, sizeof what, "died: killed by signal %d (%s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || j->got != w->reply_len) {
        snprintf(what, sizeof what, "died: exit status %d, %zu of %zu bytes of its result",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1, j->got, w->reply_len);
    } else if (r->status != MX_OK) {
        char buf[600];
        snprintf(what, sizeof what, "failed: %s", mx_err_format(&r->err, buf, sizeof buf));
    } else {
        j->ok = true;
        return;
    }
    if (!(w->o->interrupt && *w->o->interrupt))
        report_failure(w, j, what);
    w->failed++;
}

/* Reads whatever the running children sent; waits at most 200 ms. */
static int collect(struct sweep *w, struct mx_err *err)
{
    struct pollfd pf[256];
    struct job *of[256];
    nfds_t n = 0;
    for (uint64_t run = w->written; run < w->next && n < MX_ARRAY_LEN(pf); run++) {
        struct job *j = slot_of(w, run);
        if (j->pid && !j->done) {
            pf[n] = (struct pollfd){.fd = j->fd, .events = POLLIN};
            of[n++] = j;
        }
    }
    if (n == 0)
        return MX_OK;
    int k = poll(pf, n, 200);
    if (k < 0 && errno != EINTR)
        return mx_fail(err, MX_EIO, "poll: %s", strerror(errno));
    for (nfds_t i = 0; k > 0 && i < n; i++) {
        if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        struct job *j = of[i];
        unsigned char spill[512];
        size_t room = w->reply_len - j->got;
        ssize_t got = read(j->fd, room ? j->buf + j->got : spill, room ? room : sizeof spill);
        if (got < 0 && errno == EINTR)
            continue;
        if (got > 0 && room)
            j->got += (size_t)got;
        if (got <= 0)
            finish(w, j);
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

static void stop_children(struct sweep *w)
{
    for (uint64_t run = w->written; run < w->next; run++) {
        struct job *j = slot_of(w, run);
        if (j->pid && !j->done) {
            kill(j->pid, SIGTERM);
            close(j->fd);
            while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        free(j->buf);
        *j = (struct job){0};
    }
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
    w.acc.vals = calloc((runner_n_metrics() + runner_n_server_metrics() * w.n_servers) *
                            (size_t)w.reps, sizeof(double));
    const char **cols = calloc(s0->grid.n_var + w.n_servers + 1, sizeof *cols);
    if (!w.slot || !w.acc.vals || !cols) {
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
    while (w.written < w.hi) {
        if (o->interrupt && *o->interrupt) {
            rc = mx_fail(err, MX_EINTR, "interrupted");
            goto done;
        }
        while (w.running < o->jobs && w.next < w.hi && w.next - w.written < w.window)
            if ((rc = start(&w, err)) != MX_OK)
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
    if (w.slot)
        stop_children(&w);
    for (int i = 0; i < 4; i++)
        out_abort(&w.f[i]);
    scen_free(w.cur);
    free(w.slot), free(w.acc.vals), free(cols);
    return rc;
}
