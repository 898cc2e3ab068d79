/* merge.c -- see merge.h. Rows are copied as text (they are the bytes the unsharded
 * sweep writes); points.csv is computed again from the summary and server rows,
 * whose numbers read back exactly (out_num writes the shortest exact text), so a
 * point split between shards gets the row the unsharded sweep gives it. */
#include "merge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <ini.h>

#include "out.h"
#include "runner.h"
#include "sweep.h"

struct shard {
    const char *dir;
    char version[64], scenario[4096];
    uint64_t fingerprint, points, replications, runs, shard_k, shard_n, first_run, end_run,
        failed;
    unsigned seen; /* a bit per key */
};

static const char *const manifest_keys[] = {"version", "scenario", "fingerprint", "points",
                                            "replications", "runs", "shard", "first_run",
                                            "end_run", "failed"};

static int on_manifest(void *user, const char *section, const char *key, const char *value)
{
    struct shard *s = user;
    char *end;
    if (strcmp(section, "sweep") != 0)
        return 1;
    for (unsigned i = 0; i < MX_ARRAY_LEN(manifest_keys); i++) {
        if (strcmp(key, manifest_keys[i]) != 0)
            continue;
        errno = 0;
        bool ok = true;
        switch (i) {
        case 0: ok = snprintf(s->version, sizeof s->version, "%s", value) < (int)sizeof s->version;
            break;
        case 1: ok = snprintf(s->scenario, sizeof s->scenario, "%s", value) <
                     (int)sizeof s->scenario;
            break;
        case 2: s->fingerprint = strtoull(value, &end, 16), ok = *value && !*end; break;
        case 6: ok = sscanf(value, "%" SCNu64 "/%" SCNu64, &s->shard_k, &s->shard_n) == 2; break;
        default: {
            uint64_t v = strtoull(value, &end, 10);
            ok = *value >= '0' && *value <= '9' && !*end;
            uint64_t *f[] = {NULL, NULL, NULL, &s->points, &s->replications, &s->runs, NULL,
                             &s->first_run, &s->end_run, &s->failed};
            *f[i] = v;
        }
        }
        if (!ok || errno)
            return 0;
        s->seen |= 1u << i;
    }
    return 1;
}

static int read_manifest(struct shard *s, struct mx_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/manifest.ini", s->dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        mx_err_file(err, path);
        return mx_fail(err, MX_EINPUT, "cannot open: %s (not a directory written by mxsim "
                                       "sweep)", strerror(errno));
    }
    int line = ini_parse_file(f, on_manifest, s);
    fclose(f);
    mx_err_file(err, path);
    if (line != 0) {
        err->line = line;
        return mx_fail(err, MX_EINPUT, "expected the manifest mxsim sweep writes");
    }
    for (unsigned i = 0; i < MX_ARRAY_LEN(manifest_keys); i++)
        if (!(s->seen & (1u << i)))
            return mx_fail(err, MX_EINPUT, "no %s: expected the manifest mxsim sweep writes",
                           manifest_keys[i]);
    if (s->replications == 0 || s->runs != s->points * s->replications ||
        s->first_run > s->end_run || s->end_run > s->runs)
        return mx_fail(err, MX_EINPUT, "its runs do not add up (points %" PRIu64 " x replications "
                       "%" PRIu64 ", runs %" PRIu64 " to %" PRIu64 " of %" PRIu64 ")", s->points,
                       s->replications, s->first_run, s->end_run, s->runs);
    err->file = NULL;
    return MX_OK;
}

static int by_first_run(const void *a, const void *b)
{
    const struct shard *x = a, *y = b;
    return x->first_run < y->first_run ? -1 : x->first_run > y->first_run ? 1
         : x->end_run < y->end_run     ? -1 : x->end_run > y->end_run;
}

/* Which shards hold which runs: every run exactly once. */
static int check_shards(struct shard *sh, size_t n, struct mx_err *err)
{
    for (size_t i = 1; i < n; i++)
        if (sh[i].fingerprint != sh[0].fingerprint || strcmp(sh[i].version, sh[0].version) != 0)
            return mx_fail(err, MX_EINPUT, "%s and %s are not shards of one sweep: the scenario, "
                           "its --set options, seed, replications or mxsim version differ "
                           "(fingerprints %016" PRIx64 " and %016" PRIx64 ")", sh[0].dir,
                           sh[i].dir, sh[0].fingerprint, sh[i].fingerprint);
    for (size_t i = 0; i < n; i++)
        if (sh[i].failed)
            return mx_fail(err, MX_EINPUT, "%s: %" PRIu64 " of its runs failed; run that shard "
                           "again", sh[i].dir, sh[i].failed);
    qsort(sh, n, sizeof *sh, by_first_run);
    uint64_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (sh[i].first_run > at)
            return mx_fail(err, MX_EINPUT, "runs %" PRIu64 " to %" PRIu64 " are in none of the "
                           "directories: a shard is missing", at, sh[i].first_run - 1);
        if (sh[i].first_run < at)
            return mx_fail(err, MX_EINPUT, "%s and %s overlap: both hold runs %" PRIu64 " to "
                           "%" PRIu64, sh[i - 1].dir, sh[i].dir, sh[i].first_run,
                           (at < sh[i].end_run ? at : sh[i].end_run) - 1);
        at = sh[i].end_run;
    }
    if (at < sh[0].runs)
        return mx_fail(err, MX_EINPUT, "runs %" PRIu64 " to %" PRIu64 " are in none of the "
                       "directories: a shard is missing", at, sh[0].runs - 1);
    return MX_OK;
}

/* ---- one CSV line into fields (libcsv) ---- */

struct fields {
    char **f;
    size_t n, cap;
    bool nomem;
};

static void on_field(void *data, size_t len, void *user)
{
    struct fields *fs = user;
    if (fs->n == fs->cap) {
        size_t nc = fs->cap ? fs->cap * 2 : 32;
        char **nf = realloc(fs->f, nc * sizeof *nf);
        if (!nf) {
            fs->nomem = true;
            return;
        }
        fs->f = nf, fs->cap = nc;
    }
    char *v = strndup(data ? data : "", len);
    if (!v) {
        fs->nomem = true;
        return;
    }
    fs->f[fs->n++] = v;
}

static void clear_fields(struct fields *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        free(fs->f[i]);
    fs->n = 0;
}

static int split(const char *line, struct fields *fs)
{
    struct csv_parser p;
    clear_fields(fs);
    if (csv_init(&p, 0) != 0)
        return MX_ENOMEM;
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    csv_parse(&p, line, len, on_field, NULL, fs);
    csv_fini(&p, on_field, NULL, fs);
    csv_free(&p);
    return fs->nomem ? MX_ENOMEM : MX_OK;
}

/* ---- the merge ---- */

struct table_in {
    FILE *fp;
    char path[4200];
    char *line;
    size_t cap;
};

static int open_in(struct table_in *t, const char *dir, const char *name, struct mx_err *err)
{
    snprintf(t->path, sizeof t->path, "%s/%s", dir, name);
    if (!(t->fp = fopen(t->path, "r"))) {
        mx_err_file(err, t->path);
        return mx_fail(err, MX_EINPUT, "cannot open: %s", strerror(errno));
    }
    return MX_OK;
}

/* The next line, or NULL at the end. */
static const char *next_line(struct table_in *t)
{
    return getline(&t->line, &t->cap, t->fp) > 0 ? t->line : NULL;
}

static void close_in(struct table_in *t)
{
    if (t->fp)
        fclose(t->fp);
    free(t->line);
    *t = (struct table_in){0};
}

struct merger {
    struct out f[5];
    char *header[3];      /* summary, servers, points: the first shard's */
    size_t n_swept, seed_col, *metric_col;
    uint64_t reps;
    uint64_t point;       /* the point being accumulated */
    uint64_t have;        /* its replications so far */
    size_t n_servers;
    double *vals;         /* runner_points_row's layout */
    char **swept;         /* the point's swept values */
    struct fields row, srow;
};

enum { M_SUMMARY, M_SERVERS, M_POINTS, M_MANIFEST, M_SCENARIO };

static size_t column(const struct fields *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->f[i], name) == 0)
            return i;
    return (size_t)-1;
}

/* Reads the first shard's headers: where the swept values and metrics are. */
static int learn_columns(struct merger *m, const struct shard *first, struct mx_err *err)
{
    struct fields h = {0};
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.csv", first->dir);
    int rc = split(m->header[0], &h);
    if (rc != MX_OK)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    size_t nm = runner_n_metrics();
    m->seed_col = column(&h, "seed");
    m->metric_col = calloc(nm, sizeof *m->metric_col);
    if (!m->metric_col)
        rc = mx_fail(err, MX_ENOMEM, "out of memory");
    if (rc == MX_OK && (m->seed_col == (size_t)-1 || m->seed_col < 2 ||
                        strcmp(h.f[0], "point") != 0 || strcmp(h.f[1], "replication") != 0)) {
        mx_err_file(err, path);
        rc = mx_fail(err, MX_EINPUT, "expected the columns point, replication, the swept values, "
                                     "seed, ...: written by another version of mxsim?");
    }
    for (size_t i = 0; rc == MX_OK && i < nm; i++)
        if ((m->metric_col[i] = column(&h, runner_metric_name(i))) == (size_t)-1) {
            mx_err_file(err, path);
            rc = mx_fail(err, MX_EINPUT, "no column %s: written by another version of mxsim?",
                         runner_metric_name(i));
        }
    m->n_swept = m->seed_col - 2;
    clear_fields(&h);
    free(h.f);
    h = (struct fields){0};
    /* points.csv: point, the swept values, replications, 2 per metric, 2 per server
     * metric and server */
    size_t per_server = 2 * runner_n_server_metrics();
    if (rc == MX_OK && (rc = split(m->header[2], &h)) == MX_OK) {
        if (h.n < m->n_swept + 2 + 2 * nm || (h.n - m->n_swept - 2 - 2 * nm) % per_server) {
            snprintf(path, sizeof path, "%s/points.csv", first->dir);
            mx_err_file(err, path);
            rc = mx_fail(err, MX_EINPUT, "unexpected columns: written by another version of "
                                         "mxsim?");
        }
        m->n_servers = (h.n - m->n_swept - 2 - 2 * nm) / per_server;
    }
    clear_fields(&h);
    free(h.f);
    if (rc != MX_OK)
        return rc;
    m->vals = calloc((nm + runner_n_server_metrics() * m->n_servers) * m->reps + 1,
                     sizeof *m->vals);
    m->swept = calloc(m->n_swept + 1, sizeof *m->swept);
    return m->vals && m->swept ? MX_OK : mx_fail(err, MX_ENOMEM, "out of memory");
}

static uint64_t u64_of(const char *s, bool *ok)
{
    char *end;
    errno = 0;
    uint64_t v = strtoull(s, &end, 10);
    *ok &= *s >= '0' && *s <= '9' && !*end && !errno;
    return v;
}

/* One run's summary row (in m->row) and its server rows (read from sv). */
static int take_run(struct merger *m, struct table_in *sv, uint64_t run, struct mx_err *err)
{
    size_t nm = runner_n_metrics();
    bool ok = m->row.n > m->seed_col;
    uint64_t point = ok ? u64_of(m->row.f[0], &ok) : 0, rep = ok ? u64_of(m->row.f[1], &ok) : 0;
    if (!ok || point * m->reps + rep != run)
        return mx_fail(err, MX_EINPUT, "expected the row of run %" PRIu64 " (point %" PRIu64
                       ", replication %" PRIu64 ")", run, run / m->reps, run % m->reps);
    if (rep == 0 || m->point != point) {
        m->point = point;
        m->have = 0;
    }
    for (size_t i = 0; i < nm; i++) {
        const char *v = m->row.f[m->metric_col[i]];
        char *end;
        m->vals[i * m->reps + rep] = strtod(v, &end);
        if (!*v || *end)
            return mx_fail(err, MX_EINPUT, "run %" PRIu64 ": %s is not a number: \"%s\"", run,
                           runner_metric_name(i), v);
    }
    for (size_t v = 0; v < m->n_swept; v++) {
        free(m->swept[v]);
        if (!(m->swept[v] = strdup(m->row.f[2 + v])))
            return mx_fail(err, MX_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < m->n_servers; k++) {
        const char *line = next_line(sv);
        bool sok = line && split(line, &m->srow) == MX_OK && m->srow.n >= 11;
        if (sok) {
            uint64_t sp = u64_of(m->srow.f[0], &sok), sr = u64_of(m->srow.f[1], &sok);
            sok &= sp == point && sr == rep;
        }
        if (!sok) {
            mx_err_file(err, sv->path);
            return mx_fail(err, MX_EINPUT, "expected %zu rows for point %" PRIu64 ", "
                           "replication %" PRIu64, m->n_servers, point, rep);
        }
        fputs(line, m->f[M_SERVERS].fp);
        for (size_t i = 0; i < runner_n_server_metrics(); i++)
            m->vals[(nm + i * m->n_servers + k) * m->reps + rep] =
                strtod(m->srow.f[runner_server_metric_column(i)], NULL);
    }
    m->have++;
    if (rep + 1 == m->reps && m->have == m->reps)
        runner_points_row(&m->f[M_POINTS], point, (const char *const *)m->swept, m->n_swept,
                          (long)m->reps, m->vals, m->n_servers, m->vals + nm * m->reps);
    return MX_OK;
}

/* Copies shard s's rows; checks it holds exactly its runs. */
static int take_shard(struct merger *m, const struct shard *s, struct mx_err *err)
{
    struct table_in su = {0}, sv = {0};
    int rc = open_in(&su, s->dir, "summary.csv", err);
    if (rc == MX_OK)
        rc = open_in(&sv, s->dir, "servers.csv", err);
    const char *names[2] = {"summary.csv", "servers.csv"};
    struct table_in *t[2] = {&su, &sv};
    for (int i = 0; rc == MX_OK && i < 2; i++) {
        const char *h = next_line(t[i]);
        if (!h || strcmp(h, m->header[i]) != 0) {
            mx_err_file(err, t[i]->path);
            rc = mx_fail(err, MX_EINPUT, "its columns differ from those of the first shard's "
                                         "%s", names[i]);
        }
    }
    uint64_t run = s->first_run;
    for (const char *line; rc == MX_OK && (line = next_line(&su)); run++) {
        if (run == s->end_run || split(line, &m->row) != MX_OK) {
            mx_err_file(err, su.path);
            rc = mx_fail(err, MX_EINPUT, "expected %" PRIu64 " rows (runs %" PRIu64 " to "
                         "%" PRIu64 "), got more", s->end_run - s->first_run, s->first_run,
                         s->end_run - 1);
            break;
        }
        fputs(line, m->f[M_SUMMARY].fp);
        if ((rc = take_run(m, &sv, run, err)) != MX_OK && !err->file)
            mx_err_file(err, su.path);
    }
    if (rc == MX_OK && run != s->end_run) {
        mx_err_file(err, su.path);
        rc = mx_fail(err, MX_EINPUT, "expected %" PRIu64 " rows (runs %" PRIu64 " to %" PRIu64
                     "), got %" PRIu64 ": cut short?", s->end_run - s->first_run, s->first_run,
                     s->end_run - 1, run - s->first_run);
    }
    if (rc == MX_OK && next_line(&sv)) {
        mx_err_file(err, sv.path);
        rc = mx_fail(err, MX_EINPUT, "more rows than its summary.csv has runs");
    }
    close_in(&su), close_in(&sv);
    return rc;
}

static char *first_line(const char *dir, const char *name, struct mx_err *err)
{
    struct table_in t = {0};
    if (open_in(&t, dir, name, err) != MX_OK)
        return NULL;
    const char *l = next_line(&t);
    char *copy = l ? strdup(l) : NULL;
    if (!l) {
        mx_err_file(err, t.path);
        mx_fail(err, MX_EINPUT, "empty: expected a header row");
    } else if (!copy) {
        mx_fail(err, MX_ENOMEM, "out of memory");
    }
    close_in(&t);
    return copy;
}

int merge_dirs(const char *const *dirs, size_t n, const char *out_dir, struct mx_err *err)
{
    static const char *const outs[] = {"summary.csv", "servers.csv", "points.csv",
                                       "manifest.ini", "scenario.ini"};
    struct shard *sh = calloc(n, sizeof *sh);
    struct merger m = {0};
    int rc = sh ? MX_OK : mx_fail(err, MX_ENOMEM, "out of memory");
    for (size_t i = 0; rc == MX_OK && i < n; i++) {
        sh[i].dir = dirs[i];
        rc = read_manifest(&sh[i], err);
    }
    if (rc == MX_OK)
        rc = check_shards(sh, n, err);
    static const char *const tables[] = {"summary.csv", "servers.csv", "points.csv"};
    for (int i = 0; rc == MX_OK && i < 3; i++)
        if (!(m.header[i] = first_line(sh[0].dir, tables[i], err)))
            rc = err->status;
    m.reps = rc == MX_OK ? sh[0].replications : 1;
    if (rc == MX_OK)
        rc = learn_columns(&m, &sh[0], err);
    if (rc == MX_OK)
        rc = out_mkdir(out_dir, err);
    for (int i = 0; rc == MX_OK && i < 5; i++)
        rc = out_open(&m.f[i], out_dir, outs[i], err);
    for (int i = 0; rc == MX_OK && i < 3; i++)
        fputs(m.header[i], m.f[i].fp);
    for (size_t i = 0; rc == MX_OK && i < n; i++)
        rc = take_shard(&m, &sh[i], err);
    if (rc == MX_OK) {
        struct sweep_manifest mf = {.version = sh[0].version, .scenario = sh[0].scenario,
                                    .fingerprint = sh[0].fingerprint, .points = sh[0].points,
                                    .replications = sh[0].replications, .runs = sh[0].runs,
                                    .shard_k = 1, .shard_n = 1, .first_run = 0,
                                    .end_run = sh[0].runs, .failed = 0};
        sweep_manifest(m.f[M_MANIFEST].fp, &mf);
        struct table_in sc = {0};
        if ((rc = open_in(&sc, sh[0].dir, "scenario.ini", err)) == MX_OK)
            for (const char *l; (l = next_line(&sc));)
                fputs(l, m.f[M_SCENARIO].fp);
        close_in(&sc);
    }
    for (int i = 0; rc == MX_OK && i < 5; i++)
        rc = out_finish(&m.f[i], err);
    for (int i = 0; rc == MX_OK && i < 5; i++)
        rc = out_commit(&m.f[i], err);
    for (int i = 0; i < 5; i++)
        out_abort(&m.f[i]);
    for (int i = 0; i < 3; i++)
        free(m.header[i]);
    for (size_t v = 0; m.swept && v < m.n_swept; v++)
        free(m.swept[v]);
    clear_fields(&m.row), clear_fields(&m.srow);
    free(m.row.f), free(m.srow.f), free(m.swept), free(m.vals), free(m.metric_col), free(sh);
    return rc;
}
