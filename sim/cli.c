/* cli.c -- see cli.h. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "runner.h"
#include "scen.h"
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
    "  explain SCENARIO  the MX answer as nslookup shows it, then the try order\n"
    "  help [COMMAND]    this text, or a command's\n"
    "  version           print the version\n"
    "\n"
    "Not yet available (see docs/): sweep, merge, plot, check.\n"
    "Exit codes: 0 success, 1 an expectation failed, 2 bad input, 3 internal or I/O error.\n";

static const char usage_run[] =
    "usage: mxsim run SCENARIO [-o DIR] [--seed N] [--replications N] [--set KEY=VALUE]...\n"
    "                 [--reproducible] [--max-events N]\n"
    "\n"
    "Runs SCENARIO (an INI file, docs/scenario.md) and writes into DIR:\n"
    "  summary.csv   one row per replication: messages, delivered, delays, ...\n"
    "  servers.csv   one row per replication and server: accepted, share, ...\n"
    "  timeseries.csv  the first replication, every [simulation] sample (1m): per server\n"
    "                sessions, backlog, accepted; each sender's deferred queue\n"
    "\n"
    "  -o DIR              output directory (default: results/NAME, NAME the scenario's\n"
    "                      file name without .ini)\n"
    "  --seed N            overrides [simulation] seed\n"
    "  --replications N    overrides [simulation] replications\n"
    "  --set KEY=VALUE     overrides a key: section.key or \"section NAME.key\",\n"
    "                      e.g. --set simulation.duration=2h --set 'server relay1.backlog=0'\n"
    "  --reproducible      write 0 as wall_seconds, so the same seed gives byte-identical\n"
    "                      files (for golden-file tests)\n"
    "  --max-events N      stop a replication after N events (exit 3)\n";

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

static int unknown_option(const char *cmd, const char *a, const char *const *opts, size_t n)
{
    const char *near = scen_nearest(a, opts, n);
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

static int need_value(int argc, char **argv, int i, const char *cmd)
{
    if (i + 1 >= argc)
        return bad_arg(cmd, "%s needs a value", argv[i]);
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    const char *scenario = NULL, *sets[MAX_SETS];
    size_t n_set = 0;
    char dir[4096];
    struct runner_opts o = {0};
    struct mx_err err = {0};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_run, stdout);
            return 0;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "--seed") == 0 || strcmp(a, "--set") == 0 ||
            strcmp(a, "--replications") == 0 || strcmp(a, "--max-events") == 0) {
            if (need_value(argc, argv, i, "run"))
                return 2;
            const char *v = argv[++i];
            long n;
            if (strcmp(a, "-o") == 0) {
                o.out_dir = v;
            } else if (strcmp(a, "--set") == 0) {
                if (n_set == MAX_SETS)
                    return bad_arg("run", "at most %d --set options, got more", MAX_SETS);
                sets[n_set++] = v;
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
        } else if (strcmp(a, "--trace") == 0 || strcmp(a, "--plot") == 0 ||
                   strcmp(a, "-j") == 0) {
            return bad_arg("run", "%s is not available in this version yet", a);
        } else if (a[0] == '-' && a[1]) {
            static const char *const opts[] = {"-o", "--seed", "--replications", "--set",
                                               "--reproducible", "--max-events", "--help"};
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
    if (scen_load(scenario, sets, n_set, &s, &err) != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    print_warnings(s);
    err = (struct mx_err){0}; /* the file is not to blame for what happens in a run */
    int rc = runner_run(s, &o, &err);
    scen_free(s);
    if (rc != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
    }
    printf("%s/summary.csv\n%s/servers.csv\n%s/timeseries.csv\n", o.out_dir, o.out_dir,
           o.out_dir);
    return 0;
}

static const char usage_explain[] =
    "usage: mxsim explain SCENARIO [--from SENDER] [--to DOMAIN] [--seed N] [-n K]\n"
    "                     [--set KEY=VALUE]...\n"
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
    "  --set KEY=VALUE overrides a key, as for run\n";

static int cmd_explain(int argc, char **argv)
{
    const char *scenario = NULL, *sets[MAX_SETS];
    size_t n_set = 0;
    struct explain_opts o = {.messages = 5};
    struct mx_err err = {0};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_explain, stdout);
            return 0;
        }
        if (strcmp(a, "--from") == 0 || strcmp(a, "--to") == 0 || strcmp(a, "--seed") == 0 ||
            strcmp(a, "-n") == 0 || strcmp(a, "--set") == 0) {
            if (need_value(argc, argv, i, "explain"))
                return 2;
            const char *v = argv[++i];
            if (strcmp(a, "--set") == 0) {
                if (n_set == MAX_SETS)
                    return bad_arg("explain", "at most %d --set options, got more", MAX_SETS);
                sets[n_set++] = v;
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
            static const char *const opts[] = {"--from", "--to", "--seed", "-n", "--set", "--help"};
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
    if (scen_load(scenario, sets, n_set, &s, &err) != MX_OK) {
        print_err(&err);
        return mx_exit_code(err.status);
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

static int cmd_help(int argc, char **argv)
{
    const char *topic = argc > 2 ? argv[2] : NULL;
    if (!topic) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(topic, "run") == 0) {
        fputs(usage_run, stdout);
        return 0;
    }
    if (strcmp(topic, "explain") == 0) {
        fputs(usage_explain, stdout);
        return 0;
    }
    fputs(usage_main, stdout);
    return strcmp(topic, "help") == 0 || strcmp(topic, "version") == 0 ? 0 : 2;
}

int cli_main(int argc, char **argv)
{
    static const char *const cmds[] = {"run", "explain", "help", "version", "sweep", "merge",
                                       "plot", "check"};
    if (argc < 2) {
        fputs(usage_main, stderr);
        return 2;
    }
    const char *c = argv[1];
    if (strcmp(c, "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(c, "explain") == 0)
        return cmd_explain(argc, argv);
    if (strcmp(c, "help") == 0 || strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0)
        return cmd_help(argc, argv);
    if (strcmp(c, "version") == 0 || strcmp(c, "--version") == 0) {
        printf("mxsim %s\n", MXSIM_VERSION);
        return 0;
    }
    for (size_t i = 4; i < MX_ARRAY_LEN(cmds); i++)
        if (strcmp(c, cmds[i]) == 0) {
            fprintf(stderr, "mxsim: %s is not available in this version yet\n", c);
            return 2;
        }
    const char *near = scen_nearest(c, cmds, MX_ARRAY_LEN(cmds));
    fprintf(stderr, "mxsim: unknown command \"%s\"", c);
    if (near)
        fprintf(stderr, "; did you mean \"%s\"?", near);
    fprintf(stderr, "\n(see: mxsim help)\n");
    return 2;
}
