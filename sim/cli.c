/* cli.c -- see cli.h. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expect.h"
#include "explain.h"
#include "loop.h"
#include "merge.h"
#include "out.h"
#include "runner.h"
#include "scen.h"
#include "sweep.h"
#include "workers.h"
#include "units.h"

#define MAX_SETS 256

static const char usage_main[] =
    "usage: mxsim COMMAND [ARGS]\n"
    "\n"
    "Simulates how mail is spread over, and fails over between, the servers that DNS\n"
    "MX records name, with senders that choose and retry as Postfix does.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO      run a scenario's replications; write summary.csv, servers.csv,\n"
    "                    timeseries.csv\n"
    "  sweep SCENARIO    run every point of a ${...} grid x replications on all cores\n"
    "  merge DIR... -o DIR  join a sweep's shards\n"
    "  explain SCENARIO  the MX answer as nslookup shows it, then the try order\n"
    "  plot DIR          charts from a run's CSV files\n"
    "  check SCENARIO|DIR  evaluate [expect]: exit 1 when one fails (--junit FILE)\n"
    "  help [COMMAND]    this text, or a command's; help --man: the man page, mxsim(1)\n"
    "  version           print the version\n"
    "\n"

    "Exit codes: 0 success, 1 an expectation failed, 2 bad input, 3 internal or I/O error.\n";

static const char usage_run[] =
    "usage: mxsim run SCENARIO [-o DIR] [--seed N] [--replications N] [--set KEY=VALUE]...\n"
    "                 [--trace] [-j N] [--plot] [--reproducible] [--max-events N]\n"
    "                 [--max-memory SIZE] [--point P] [--replication R]\n"
    "\n"
    "Runs SCENARIO (an INI file, docs/scenario.md) and writes into DIR:\n"
    "  summary.csv   one row per replication: messages, delivered, delays, ...\n"
    "  points.csv    each metric's mean over replications and its 95% confidence\n"
    "                half-width (Student t)\n"
    "  servers.csv   one row per replication and server: accepted, share, ...\n"
    "  timeseries.csv  the first replication, every [simulation] sample (1m): per server\n"
    "                sessions, backlog, accepted; each sender's deferred queue\n"
    "  delays.csv    the delay distribution over all replications (histogram, CDF)\n"
    "  faults.csv    the fault windows\n"
    "\n"
    "  -o DIR              output directory (default: results/NAME, NAME the scenario's\n"
    "                      file name without .ini)\n"
    "  --seed N            overrides [simulation] seed\n"
    "  --replications N    overrides [simulation] replications\n"
    "  --set KEY=VALUE     overrides a key: section.key or \"section NAME.key\",\n"
    "                      e.g. --set simulation.duration=2h --set 'server relay1.backlog=0'\n"
    "  --trace             also write trace.csv: every connection attempt and outcome\n"
    "  -j N                run the replications on N worker processes (default: the\n"
    "                      number of cores); the files are the same bytes for any N\n"
    "  --plot              then draw the charts (mxsim plot DIR)\n"
    "  --reproducible      write 0 as wall_seconds, so the same seed gives byte-identical\n"
    "                      files (for golden-file tests)\n"
    "  --max-events N      stop a replication after N events (exit 3)\n"
    "  --max-memory SIZE   stop when a process's resident memory passes SIZE (512M, 4G;\n"
    "                      exit 3)\n"
    "  --point P           a sweep's point P: its values and its streams (mxsim sweep)\n"
    "  --replication R     run only replication R (its streams): one row of a sweep\n";

static int bad_arg(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad_arg(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mxsim %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see: mxsim help %s)\n", cmd);
    return 2;
}

static void print_warnings(const struct scenario *s)
{
    for (size_t i = 0; i < s->n_warnings; i++)
        fprintf(stderr, "mxsim: warning: %s\n", s->warnings[i]);
}

static void print_err(const struct mx_err *e)
{
    char buf[600];
    fprintf(stderr, "mxsim: %s\n", mx_err_format(e, buf, sizeof buf));
}

/* The default output directory: results/NAME. */
static void default_dir(const char *scenario, char *buf, size_t len)
{
    const char *base = strrchr(scenario, '/');
    base = base ? base + 1 : scenario;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".ini") == 0)
        n -= 4;
    snprintf(buf, len, "results/%.*s", (int)n, base);
}

/* The one piece of global state: set by SIGINT/SIGTERM, read by the event loop
 * between events (a signal handler can reach nothing else). */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

struct progress {
    double started;      /* wall clock at the start of the replication */
    uint64_t last_events; /* the loop's count at the last call: it drops at a new one */
    mx_time span;        /* simulated time a replication is expected to cover */
};

/* Progress on stderr, only when it is a terminal: simulated time, events/s, and
 * the time left for this replication's arrivals at the pace so far. */
static void show_progress(void *ctx, const struct loop *l)
{
    struct progress *p = ctx;
    if (l->events < p->last_events) /* a new replication */
        p->started = mx_wall_s();
    p->last_events = l->events;
    double wall = mx_wall_s() - p->started;
    double frac = p->span > 0 ? mx_time_to_s(l->now) / mx_time_to_s(p->span) : 0;
    if (frac > 1)
        frac = 1;
    fprintf(stderr, "\rmxsim: simulated %.0f s (%.0f%% of the arrivals), %.1f M events/s, "
                    "about %.0f s left   ",
            mx_time_to_s(l->now), 100 * frac, wall > 0 ? (double)l->events / wall / 1e6 : 0,
            frac > 0 ? wall / frac - wall : 0);
}

/* The same with -j: replications in, and the time left at the pace so far. */
static void show_reps_progress(void *ctx, long done, long reps, long running)
{
    struct progress *p = ctx;
    double wall = mx_wall_s() - p->started;
    fprintf(stderr, "\rmxsim: %ld of %ld replications done, %ld running, about %.0f s left   ",
            done, reps, running, done ? wall / (double)done * (double)(reps - done) : 0.0);
}

/* Runs analysis/plot.sh on dir; returns its exit status (3 if it cannot run). */
static int run_plot(const char *dir)
{
    const char *analysis = getenv("MXSIM_ANALYSIS");
    char script[4096];
    snprintf(script, sizeof script, "%s/plot.sh", analysis ? analysis : MXSIM_ANALYSIS_DIR);
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "mxsim plot: cannot find %s (set MXSIM_ANALYSIS to the analysis/ "
                        "directory)\n", script);
        return 3;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "mxsim plot: cannot start bash: %s\n", strerror(errno));
        return 3;
    }
    if (pid == 0) {
        execlp("bash", "bash", script, dir, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    fprintf(stderr, "mxsim plot: %s failed\n", script);
    return WIFEXITED(st) && WEXITSTATUS(st) == 2 ? 2 : 3;
}

static int unknown_option(const char *cmd, const char *a, const char *const *opts, size_t n)
{
    const char *near = mx_nearest(a, opts, n);
    fprintf(stderr, "mxsim %s: unknown option %s", cmd, a);
    if (near)
        fprintf(stderr, "; did you mean %s?", near);
    fprintf(stderr, "\n(see: mxsim help %s)\n", cmd);
    return 2;
}

static int parse_seed(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || *v == '-' || errno)
        return -1;
    *out = x;
    return 0;
}

/* Collects a --set value; 2 (after saying so) past MAX_SETS. */
static int add_set(const char **sets, size_t *n_set, const char *v, const char *cmd)
{
    if (*n_set == MAX_SETS)
        return bad_arg(cmd, "at most %d --set options, got more", MAX_SETS);
    sets[(*n_set)++] = v;
    return 0;
}

static int need_value(int argc, char **argv, int i, const char *cmd)
{
    if (i + 1 >= argc)
        return bad_arg(cmd, "%s needs a value", argv[i]);
    return 0;
}

/* Copies the scenario into the run's directory (scenario.ini), so that check DIR
 * can find its [expect] lines. */
static int keep_scenario(const char *scenario, const char *dir, struct mx_err *err)
{
    struct out o;
    FILE *in = fopen(scenario, "rb");
    char buf[65536];
    size_t k;
    if (!in)
        return mx_fail(err, MX_EIO, "cannot read %s: %s", scenario, strerror(errno));
    int rc = out_open(&o, dir, "scenario.ini", err);
    while (rc == MX_OK && (k = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, k, o.fp) != k)
            o.failed = true;
    fclose(in);
    return rc == MX_OK ? out_close(&o, err) : rc;
}

/* "512M", "2G", "1048576": bytes, with K, M, G or T (powers of 1024). */
static int parse_size(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*v < '0' || *v > '9')
        return -1;
    double x = strtod(v, &end);
    double mult = *end == 'K' ? 1024.0 : *end == 'M' ? 1048576.0 : *end == 'G' ? 1073741824.0
                : *end == 'T' ? 1099511627776.0 : 1.0;
    if (mult > 1)
        end++;
    if (*end || errno || !(x * mult >= 1048576.0) || x * mult > 1e18)
        return -1;
    *out = (uint64_t)(x * mult);
    return 0;
}

/* -j's default: the number of cores, at most WORKERS_MAX. */
static long default_jobs(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (cores < WORKERS_MAX ? cores : WORKERS_MAX) : 1;
}

static int cmd_run(int argc, char **argv)
{
    const char *scenario = NULL, *sets[MAX_SETS];
    size_t n_set = 0;
    char dir[4096];
    struct runner_opts o = {.jobs = default_jobs()};
    struct mx_err err = {0};
    bool plot = false, have_point = false;
    uint64_t point = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_run, stdout);
            return 0;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "--seed") == 0 || strcmp(a, "--set") == 0 ||
            strcmp(a, "--replications") == 0 || strcmp(a, "--max-events") == 0 ||
            strcmp(a, "--point") == 0 || strcmp(a, "--replication") == 0 ||
            strcmp(a, "--max-memory") == 0 || strcmp(a, "-j") == 0) {
            if (need_value(argc, argv, i, "run"))
                return 2;
            const char *v = argv[++i];
            long n;
            if (strcmp(a, "-j") == 0) {
                if (units_parse_int(v, 1, WORKERS_MAX, &n, &err))
                    return bad_arg("run", "-j: %s", err.msg);
                o.jobs = n;
            } else if (strcmp(a, "--max-memory") == 0) {
                if (parse_size(v, &o.max_memory) != 0)
                    return bad_arg("run", "--max-memory: expected a size of at least 1M such as "
                                          "512M or 4G, got \"%s\"", v);
            } else if (strcmp(a, "--point") == 0) {
                if (parse_seed(v, &point) != 0)
                    return bad_arg("run", "--point: expected a whole number, got \"%s\"", v);
                have_point = true;
            } else if (strcmp(a, "--replication") == 0) {
                if (units_parse_int(v, 0, 99999, &n, &err))
                    return bad_arg("run", "--replication: %s", err.msg);
                o.one_rep = true;
                o.rep = n;
            } else if (strcmp(a, "-o") == 0) {
                o.out_dir = v;
            } else if (strcmp(a, "--set") == 0) {
                if (add_set(sets, &n_set, v, "run"))
                    return 2;
            } else if (strcmp(a, "--seed") == 0) {
                if (parse_seed(v, &o.seed) != 0)
                    return bad_arg("run", "--seed: expected a whole number, got \"%s\"", v);
                o.have_seed = true;
            } else if (strcmp(a, "--replications") == 0) {
                if (units_parse_int(v, 1, 100000, &n, &err))
                    return bad_arg("run", "--replications: %s", err.msg);
                o.replications = n;
            } else {
                if (units_parse_int(v, 1, 4000000000000000000, &n, &err))
                    return bad_arg("run", "--max-events: %s", err.msg);
                o.max_events = (uint64_t)n;
            }
        } else if (strcmp(a, "--reproducible") == 0) {
            o.reproducible = true;
        } else if (strcmp(a, "--plot") == 0) {
            plot = true;
        } else if (strcmp(a, "--trace") == 0) {
            o.trace = true;
        } else if (a[0] == '-' && a[1]) {
            static const char *const opts[] = {"-o", "--seed", "--replications", "--set",
                                               "--reproducible", "--max-events", "--plot",
                                               "--trace", "--help", "--point", "--replication",
                                               "--max-memory", "-j"};
            return unknown_option("run", a, opts, MX_ARRAY_LEN(opts));
        } else if (!scenario) {
            scenario = a;
        } else {
            return bad_arg("run", "expected one SCENARIO, got a second: \"%s\"", a);
        }
    }
    if (!scenario)
        return bad_arg("run", "expected a SCENARIO file");
    if (!o.out_dir) {
        default_dir(scenario, dir, sizeof dir);
        o.out_dir = dir;
    }
    struct scenario *s;
    if (scen_load_point(scenario, sets, n_set, point, &s, &err) != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    if (s->grid.n_points > 1 && !have_point) {
        fprintf(stderr, "mxsim run: %s is a sweep of %" PRIu64 " points: run them all with "
                        "mxsim sweep, or one with --point P (0 to %" PRIu64 ")\n",
                scenario, s->grid.n_points, s->grid.n_points - 1);
        scen_free(s);
        return 2;
    }
    print_warnings(s);
    err = (struct mx_err){0}; /* the file is not to blame for what happens in a run */
    catch_signals();
    o.interrupt = &interrupted;
    struct progress pr = {.started = mx_wall_s(), .span = s->sim.duration};
    if (isatty(STDERR_FILENO)) {
        o.progress = show_progress;
        o.reps_progress = show_reps_progress;
        o.progress_ctx = &pr;
    }
    int rc = runner_run(s, &o, &err);
    scen_free(s);
    if (o.progress)
        fprintf(stderr, "\r%110s\r", "");
    if (rc != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    static const char *const files[] = {"summary.csv", "servers.csv", "points.csv",
                                        "timeseries.csv", "delays.csv", "faults.csv"};
    for (size_t i = 0; i < MX_ARRAY_LEN(files); i++)
        printf("%s/%s\n", o.out_dir, files[i]);
    if (o.trace)
        printf("%s/trace.csv\n", o.out_dir);
    if (keep_scenario(scenario, o.out_dir, &err) != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    return plot ? run_plot(o.out_dir) : 0;
}

static const char usage_sweep[] =
    "usage: mxsim sweep SCENARIO [-o DIR] [-j N] [--shard K/N] [--set KEY=VALUE]...\n"
    "                   [--seed N] [--reproducible] [--max-events N] [--max-memory SIZE]\n"
    "                   [--plot]\n"
    "       mxsim sweep SCENARIO --print-run POINT/REPLICATION [--set KEY=VALUE]...\n"
    "\n"
    "Runs every point of the scenario's grid (values written ${a, b, c},\n"
    "${FROM..TO step S} or ${name = ...} with $name elsewhere; docs/sweeps.md) times\n"
    "its replications, on N worker processes, and writes into DIR:\n"
    "  summary.csv   one row per point and replication, with the swept values\n"
    "  servers.csv   one row per point, replication and server\n"
    "  points.csv    one row per point: means and 95% confidence half-widths\n"
    "  manifest.ini  which runs DIR holds, for mxsim merge\n"
    "Rows come in the order of the runs whatever N is: -j 1 and -j 8 write the same\n"
    "bytes (with --reproducible). A run that dies is reported with the command that\n"
    "runs it alone; the others are kept and the exit code is 3.\n"
    "\n"
    "  -o DIR              output directory (default: results/NAME)\n"
    "  -j N                worker processes (default: the number of cores)\n"
    "  --shard K/N         run only the K-th of N equal shares of the runs; join the\n"
    "                      shards' directories with mxsim merge\n"
    "  --set KEY=VALUE     overrides a key, as for run (the value may be a ${...})\n"
    "  --seed N            overrides [simulation] seed\n"
    "  --reproducible      write 0 as wall_seconds\n"
    "  --max-events N      stop a run after N events (it counts as failed)\n"
    "  --max-memory SIZE   stop a run whose process passes SIZE resident (512M, 4G)\n"
    "  --plot              then draw the charts (mxsim plot DIR)\n"
    "  --print-run P/R     print the mxsim run command for point P, replication R, and\n"
    "                      exit\n";

static int parse_pair(const char *v, char sep, uint64_t *a, uint64_t *b)
{
    char *end, *end2;
    errno = 0;
    if (*v < '0' || *v > '9')
        return -1;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end != sep || end[1] < '0' || end[1] > '9')
        return -1;
    unsigned long long y = strtoull(end + 1, &end2, 10);
    if (*end2 || errno)
        return -1;
    *a = x, *b = y;
    return 0;
}

static int cmd_sweep(int argc, char **argv)
{
    const char *scenario = NULL, *sets[MAX_SETS];
    size_t n_set = 0;
    char dir[4096];
    struct sweep_opts o = {.shard_k = 1, .shard_n = 1, .log = stderr};
    struct mx_err err = {0};
    bool plot = false, print = false;
    uint64_t pr_point = 0, pr_rep = 0;
    o.jobs = default_jobs();
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_sweep, stdout);
            return 0;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "-j") == 0 || strcmp(a, "--shard") == 0 ||
            strcmp(a, "--set") == 0 || strcmp(a, "--seed") == 0 ||
            strcmp(a, "--max-events") == 0 || strcmp(a, "--print-run") == 0 ||
            strcmp(a, "--max-memory") == 0) {
            if (need_value(argc, argv, i, "sweep"))
                return 2;
            const char *v = argv[++i];
            long n;
            if (strcmp(a, "--max-memory") == 0) {
                if (parse_size(v, &o.max_memory) != 0)
                    return bad_arg("sweep", "--max-memory: expected a size of at least 1M such "
                                            "as 512M or 4G, got \"%s\"", v);
            } else if (strcmp(a, "-o") == 0) {
                o.out_dir = v;
            } else if (strcmp(a, "-j") == 0) {
                if (units_parse_int(v, 1, WORKERS_MAX, &n, &err))
                    return bad_arg("sweep", "-j: %s", err.msg);
                o.jobs = n;
            } else if (strcmp(a, "--shard") == 0) {
                if (parse_pair(v, '/', &o.shard_k, &o.shard_n) != 0 || o.shard_n < 1 ||
                    o.shard_n > 1000000 || o.shard_k < 1 || o.shard_k > o.shard_n)
                    return bad_arg("sweep", "--shard: expected K/N with 1 <= K <= N <= 1000000, "
                                            "got \"%s\"", v);
            } else if (strcmp(a, "--set") == 0) {
                if (add_set(sets, &n_set, v, "sweep"))
                    return 2;
            } else if (strcmp(a, "--seed") == 0) {
                if (parse_seed(v, &o.seed) != 0)
                    return bad_arg("sweep", "--seed: expected a whole number, got \"%s\"", v);
                o.have_seed = true;
            } else if (strcmp(a, "--print-run") == 0) {
                if (parse_pair(v, '/', &pr_point, &pr_rep) != 0)
                    return bad_arg("sweep", "--print-run: expected POINT/REPLICATION such as "
                                            "3/0, got \"%s\"", v);
                print = true;
            } else {
                if (units_parse_int(v, 1, 4000000000000000000, &n, &err))
                    return bad_arg("sweep", "--max-events: %s", err.msg);
                o.max_events = (uint64_t)n;
            }
        } else if (strcmp(a, "--reproducible") == 0) {
            o.reproducible = true;
        } else if (strcmp(a, "--plot") == 0) {
            plot = true;
        } else if (a[0] == '-' && a[1]) {
            static const char *const opts[] = {"-o", "-j", "--shard", "--set", "--seed",
                                               "--reproducible", "--max-events", "--plot",
                                               "--print-run", "--help", "--max-memory"};
            return unknown_option("sweep", a, opts, MX_ARRAY_LEN(opts));
        } else if (!scenario) {
            scenario = a;
        } else {
            return bad_arg("sweep", "expected one SCENARIO, got a second: \"%s\"", a);
        }
    }
    if (!scenario)
        return bad_arg("sweep", "expected a SCENARIO file");
    if (!o.out_dir) {
        default_dir(scenario, dir, sizeof dir);
        o.out_dir = dir;
    }
    o.path = scenario;
    o.sets = sets;
    o.n_set = n_set;
    struct scenario *s;
    if (scen_load(scenario, sets, n_set, &s, &err) != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    if (print) {
        int rc = 0;
        if (pr_point >= s->grid.n_points || pr_rep >= (uint64_t)s->sim.replications)
            rc = bad_arg("sweep", "--print-run: the sweep has points 0 to %" PRIu64 " and "
                                  "replications 0 to %ld", s->grid.n_points - 1,
                         s->sim.replications - 1);
        else
            sweep_print_run(stdout, s, &o, pr_point, (long)pr_rep);
        scen_free(s);
        return rc;
    }
    print_warnings(s);
    err = (struct mx_err){0};
    catch_signals();
    o.interrupt = &interrupted;
    o.progress = isatty(STDERR_FILENO);
    uint64_t failed = 0;
    int rc = sweep_run(s, &o, &failed, &err);
    scen_free(s);
    if (rc != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    static const char *const files[] = {"summary.csv", "servers.csv", "points.csv",
                                        "manifest.ini"};
    for (size_t i = 0; i < MX_ARRAY_LEN(files); i++)
        printf("%s/%s\n", o.out_dir, files[i]);
    if (keep_scenario(scenario, o.out_dir, &err) != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    if (failed) {
        fprintf(stderr, "mxsim sweep: %" PRIu64 " run%s failed (above); the others are in %s\n",
                failed, failed == 1 ? "" : "s", o.out_dir);
        return 3;
    }
    return plot ? run_plot(o.out_dir) : 0;
}

static const char usage_merge[] =
    "usage: mxsim merge DIR... -o DIR\n"
    "\n"
    "Joins the directories of a sweep's shards (mxsim sweep --shard K/N) into what\n"
    "the unsharded sweep writes, byte for byte. Refuses, with exit 2, directories of\n"
    "different sweeps, shards that overlap or leave runs out, and shards with failed\n"
    "runs.\n"
    "\n"
    "  -o DIR    where the merged files go (required)\n";

static int cmd_merge(int argc, char **argv)
{
    const char *out_dir = NULL;
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    size_t n = 0;
    if (!dirs)
        return 3;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_merge, stdout);
            free(dirs);
            return 0;
        }
        if (strcmp(a, "-o") == 0) {
            if (need_value(argc, argv, i, "merge")) {
                free(dirs);
                return 2;
            }
            out_dir = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            static const char *const opts[] = {"-o", "--help"};
            free(dirs);
            return unknown_option("merge", a, opts, MX_ARRAY_LEN(opts));
        } else {
            dirs[n++] = a;
        }
    }
    int rc;
    if (!out_dir)
        rc = bad_arg("merge", "expected -o DIR for the merged files");
    else if (n == 0)
        rc = bad_arg("merge", "expected the shards' directories");
    else {
        struct mx_err err = {0};
        rc = merge_dirs(dirs, n, out_dir, &err);
        if (rc != MX_OK) {
            print_err(&err);
            rc = mx_exit_code(err.status);
        } else {
            printf("%s/summary.csv\n%s/servers.csv\n%s/points.csv\n%s/manifest.ini\n", out_dir,
                   out_dir, out_dir, out_dir);
        }
    }
    free(dirs);
    return rc;
}

static const char usage_explain[] =
    "usage: mxsim explain SCENARIO [--from SENDER] [--to DOMAIN] [--seed N] [-n K]\n"
    "                     [--set KEY=VALUE]... [--point P]\n"
    "\n"
    "Prints the MX answer for the nexthop as nslookup -type=mx prints it, then the\n"
    "order in which SENDER (default: the first) would try addresses for K (default 5)\n"
    "successive messages, with the shuffle and the resolver's order applied, and what\n"
    "each address would do at time 0 (faults in force then).\n"
    "\n"
    "  --from SENDER   a [sender NAME] of the scenario\n"
    "  --to DOMAIN     recipient domain (default: that of the sender's first [traffic])\n"
    "  --seed N        overrides [simulation] seed\n"
    "  -n K            how many messages (1 to 1000)\n"
    "  --point P       a sweep's point P (docs/sweeps.md)\n"
    "  --set KEY=VALUE overrides a key, as for run\n";

static int cmd_explain(int argc, char **argv)
{
    const char *scenario = NULL, *sets[MAX_SETS];
    size_t n_set = 0;
    struct explain_opts o = {.messages = 5};
    struct mx_err err = {0};
    bool have_point = false;
    uint64_t point = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_explain, stdout);
            return 0;
        }
        if (strcmp(a, "--from") == 0 || strcmp(a, "--to") == 0 || strcmp(a, "--seed") == 0 ||
            strcmp(a, "-n") == 0 || strcmp(a, "--set") == 0 || strcmp(a, "--point") == 0) {
            if (need_value(argc, argv, i, "explain"))
                return 2;
            const char *v = argv[++i];
            if (strcmp(a, "--point") == 0) {
                if (parse_seed(v, &point) != 0)
                    return bad_arg("explain", "--point: expected a whole number, got \"%s\"", v);
                have_point = true;
            } else if (strcmp(a, "--set") == 0) {
                if (add_set(sets, &n_set, v, "explain"))
                    return 2;
            } else if (strcmp(a, "--from") == 0) {
                o.from = v;
            } else if (strcmp(a, "--to") == 0) {
                o.to = v;
            } else if (strcmp(a, "-n") == 0) {
                if (units_parse_int(v, 1, 1000, &o.messages, &err))
                    return bad_arg("explain", "-n: %s", err.msg);
            } else if (parse_seed(v, &o.seed) != 0) {
                return bad_arg("explain", "--seed: expected a whole number, got \"%s\"", v);
            } else {
                o.have_seed = true;
            }
        } else if (a[0] == '-' && a[1]) {
            static const char *const opts[] = {"--from", "--to", "--seed", "-n", "--set", "--help",
                                               "--point"};
            return unknown_option("explain", a, opts, MX_ARRAY_LEN(opts));
        } else if (!scenario) {
            scenario = a;
        } else {
            return bad_arg("explain", "expected one SCENARIO, got a second: \"%s\"", a);
        }
    }
    if (!scenario)
        return bad_arg("explain", "expected a SCENARIO file");
    struct scenario *s;
    if (scen_load_point(scenario, sets, n_set, point, &s, &err) != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    if (s->grid.n_points > 1 && !have_point) {
        fprintf(stderr, "mxsim explain: %s is a sweep of %" PRIu64 " points: pick one with "
                        "--point P (0 to %" PRIu64 ")\n",
                scenario, s->grid.n_points, s->grid.n_points - 1);
        scen_free(s);
        return 2;
    }
    print_warnings(s);
    err = (struct mx_err){0};
    int rc = explain_print(s, &o, stdout, &err);
    scen_free(s);
    if (rc != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    return 0;
}

static const char usage_check[] =
    "usage: mxsim check SCENARIO [-o DIR] [--set KEY=VALUE]... [--junit FILE]\n"
    "       mxsim check DIR [--junit FILE]\n"
    "\n"
    "Evaluates the scenario's [expect] lines on the means over replications in\n"
    "points.csv (with ci: on the far end of the 95% interval), on every point of a\n"
    "sweep. With a SCENARIO, runs it first (as mxsim run, or mxsim sweep when it has\n"
    "${...} values, into DIR); with a DIR, uses the run or sweep there (the [expect]\n"
    "lines of its scenario.ini). Prints one line per expectation and point: PASS or\n"
    "FAIL, the value, the bound. Exit 0 if all pass, 1 if one fails, 2 on bad input.\n"
    "\n"
    "  --junit FILE    also write a JUnit XML report (one test case per expectation)\n";

static int cmd_check(int argc, char **argv)
{
    const char *target = NULL, *junit = NULL, *out_dir = NULL, *sets[MAX_SETS];
    size_t n_set = 0;
    struct mx_err err = {0};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_check, stdout);
            return 0;
        }
        if (strcmp(a, "--junit") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--set") == 0) {
            if (need_value(argc, argv, i, "check"))
                return 2;
            const char *v = argv[++i];
            if (strcmp(a, "--junit") == 0)
                junit = v;
            else if (strcmp(a, "-o") == 0)
                out_dir = v;
            else if (add_set(sets, &n_set, v, "check"))
                return 2;
        } else if (a[0] == '-' && a[1]) {
            static const char *const opts[] = {"--junit", "-o", "--set", "--help"};
            return unknown_option("check", a, opts, MX_ARRAY_LEN(opts));
        } else if (!target) {
            target = a;
        } else {
            return bad_arg("check", "expected one SCENARIO or DIR, got a second: \"%s\"", a);
        }
    }
    if (!target)
        return bad_arg("check", "expected a SCENARIO file or a run's DIR");
    struct stat st;
    bool is_dir = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
    char dir[4096], path[4200];
    const char *scenario = target;
    if (is_dir) {
        snprintf(path, sizeof path, "%s/scenario.ini", target);
        scenario = path;
        snprintf(dir, sizeof dir, "%s", target);
    } else if (out_dir) {
        snprintf(dir, sizeof dir, "%s", out_dir);
    } else {
        default_dir(target, dir, sizeof dir);
    }
    struct scenario *s;
    if ((is_dir ? scen_load_expects(scenario, &s, &err)
                : scen_load(scenario, sets, n_set, &s, &err)) != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    print_warnings(s);
    int rc = MX_OK;
    if (!is_dir && s->grid.n_points > 1) { /* a sweep: all its points, on every core */
        uint64_t failed = 0;
        struct sweep_opts o = {.path = target, .sets = sets, .n_set = n_set, .out_dir = dir,
                               .jobs = default_jobs(),
                               .shard_k = 1, .shard_n = 1, .interrupt = &interrupted,
                               .log = stderr};
        catch_signals();
        err = (struct mx_err){0};
        rc = sweep_run(s, &o, &failed, &err);
        if (rc == MX_OK)
            rc = keep_scenario(target, dir, &err);
        if (rc == MX_OK && failed)
            rc = mx_fail(&err, MX_EIO, "%" PRIu64 " runs of the sweep failed (above)", failed);
    } else if (!is_dir) {
        struct runner_opts o = {.out_dir = dir, .interrupt = &interrupted};
        catch_signals();
        err = (struct mx_err){0};
        rc = runner_run(s, &o, &err);
        if (rc == MX_OK)
            rc = keep_scenario(target, dir, &err);
    }
    int failed = 0;
    if (rc == MX_OK && s->n_expects == 0) {
        fprintf(stderr, "mxsim check: %s has no [expect] lines\n", scenario);
        scen_free(s);
        return 2;
    }
    if (rc == MX_OK)
        rc = expect_check(s, dir, stdout, junit, &failed, &err);
    scen_free(s);
    if (rc != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    return failed ? 1 : 0;
}

static const char usage_plot[] =
    "usage: mxsim plot DIR\n"
    "\n"
    "Draws charts (PNG and SVG, with gnuplot) from the CSV files of a run in DIR into\n"
    "DIR/plots/, and prints their paths. The scripts are in analysis/ (plot.sh and\n"
    "*.gp); MXSIM_ANALYSIS names another copy of that directory.\n";

static int cmd_plot(int argc, char **argv)
{
    if (argc == 3 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0)) {
        fputs(usage_plot, stdout);
        return 0;
    }
    if (argc != 3)
        return bad_arg("plot", "expected one DIR");
    return run_plot(argv[2]);
}

/* The commands' help texts: mxsim help COMMAND, COMMAND --help, and the man page. */
static const struct {
    const char *name, *usage;
} helps[] = {{"run", usage_run},         {"sweep", usage_sweep}, {"merge", usage_merge},
             {"explain", usage_explain}, {"plot", usage_plot},   {"check", usage_check}};

/* Text as roff: backslashes escaped, and no line may start with a control
 * character ('.' or '\''). */
static void roff_text(const char *t)
{
    bool bol = true;
    for (; *t; t++) {
        if (bol && (*t == '.' || *t == '\''))
            fputs("\\&", stdout);
        if (*t == '\\')
            fputs("\\e", stdout);
        else
            putchar(*t);
        bol = *t == '\n';
    }
}

/* mxsim help --man: mxsim(1), from the same texts as the help, so the two cannot
 * drift apart (CMake writes it to mxsim.1 at build time). */
static void man_page(void)
{
    printf(".TH MXSIM 1 \"\" \"mxsim %s\" \"User Commands\"\n", MXSIM_VERSION);
    puts(".SH NAME\nmxsim \\- simulate how mail is spread over and fails over between the "
         "servers that DNS MX records name\n.SH SYNOPSIS\n.B mxsim\n.I COMMAND\n[\n.I ARGS\n]"
         "\n.SH DESCRIPTION\n.nf");
    roff_text(usage_main);
    puts(".fi\n.SH COMMANDS");
    for (size_t i = 0; i < MX_ARRAY_LEN(helps); i++) {
        printf(".SS %s\n.nf\n", helps[i].name);
        roff_text(helps[i].usage);
        puts(".fi");
    }
    puts(".SH EXIT STATUS\n0 success; 1 an expectation failed (check); 2 bad input (scenario, "
         "zone, CSV or arguments), with FILE:LINE and the key; 3 an internal or I/O error, out "
         "of memory, --max-events or --max-memory, or a signal.\n.SH FILES\nThe scenario "
         "format, the output files and the model are described in docs/scenario.md, "
         "docs/outputs.md and docs/model.md of the mxsim sources.");
}

static int cmd_help(int argc, char **argv)
{
    const char *topic = argc > 2 ? argv[2] : NULL;
    if (!topic) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(topic, "--man") == 0) {
        man_page();
        return 0;
    }
    for (size_t i = 0; i < MX_ARRAY_LEN(helps); i++)
        if (strcmp(topic, helps[i].name) == 0) {
            fputs(helps[i].usage, stdout);
            return 0;
        }
    fputs(usage_main, stdout);
    return strcmp(topic, "help") == 0 || strcmp(topic, "version") == 0 ? 0 : 2;
}

int cli_main(int argc, char **argv)
{
    static const char *const cmds[] = {"run", "explain", "plot", "check", "help", "version",
                                       "sweep", "merge"};
    if (argc < 2) {
        fputs(usage_main, stderr);
        return 2;
    }
    const char *c = argv[1];
    if (strcmp(c, "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(c, "explain") == 0)
        return cmd_explain(argc, argv);
    if (strcmp(c, "sweep") == 0)
        return cmd_sweep(argc, argv);
    if (strcmp(c, "merge") == 0)
        return cmd_merge(argc, argv);
    if (strcmp(c, "plot") == 0)
        return cmd_plot(argc, argv);
    if (strcmp(c, "check") == 0)
        return cmd_check(argc, argv);
    if (strcmp(c, "help") == 0 || strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0)
        return cmd_help(argc, argv);
    if (strcmp(c, "version") == 0 || strcmp(c, "--version") == 0) {
        printf("mxsim %s\n", MXSIM_VERSION);
        return 0;
    }
    const char *near = mx_nearest(c, cmds, MX_ARRAY_LEN(cmds));
    fprintf(stderr, "mxsim: unknown command \"%s\"", c);
    if (near)
        fprintf(stderr, "; did you mean \"%s\"?", near);
    fprintf(stderr, "\n(see: mxsim help)\n");
    return 2;
}
