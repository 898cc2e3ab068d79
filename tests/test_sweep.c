/* test_sweep.c -- mxsim sweep and merge as a pipeline uses them: -j 1, -j 2 and
 * three merged shards write the same bytes; merge refuses what does not fit with
 * exact messages (exit 2); a run that dies is reported with the command that runs
 * it alone, and that command gives the row bit for bit; check on a sweep. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cli_util.h"

#define GATE MXSIM_SOURCE_DIR "/scenarios/ci-gate.ini"
/* 8 points x 2 replications of 5 minutes: 16 short runs */
#define SETS " --set simulation.duration=5m --set simulation.replications=2"
#define SHORT SETS " --reproducible"

static size_t lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static void same_files(const char *a, const char *b)
{
    const char *files[] = {"summary.csv", "servers.csv", "points.csv", "manifest.ini",
                           "scenario.ini"};
    for (size_t i = 0; i < 5; i++) {
        char pa[256], pb[256];
        snprintf(pa, sizeof pa, "%s/%s", a, files[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[i]);
        char *x = slurp(pa), *y = slurp(pb);
        cr_assert(strlen(x) > 50, "%s is nearly empty", pa);
        cr_assert_str_eq(x, y, "%s and %s differ", pa, pb);
        free(x), free(y);
    }
}

/* The guarantee of sweeps: however the runs are spread, the same bytes. */
Test(sweep, j1_j2_and_merged_shards_are_byte_identical, .timeout = 600)
{
    char err[2048];
    system("rm -rf /tmp/mxsim-sw-j1 /tmp/mxsim-sw-j2 /tmp/mxsim-sw-s1 /tmp/mxsim-sw-s2 "
           "/tmp/mxsim-sw-s3 /tmp/mxsim-sw-m");
    cr_assert_eq(sh(MXSIM_BINARY " sweep " GATE SHORT " -j 1 -o /tmp/mxsim-sw-j1", err), 0, "%s",
                 err);
    cr_assert_eq(sh(MXSIM_BINARY " sweep " GATE SHORT " -j 2 -o /tmp/mxsim-sw-j2", err), 0, "%s",
                 err);
    /* 16 runs in 3 shards: 5, 5 and 6 runs; points 2 and 5 are split between shards */
    for (int k = 1; k <= 3; k++) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, MXSIM_BINARY " sweep " GATE SHORT " -j 2 --shard %d/3 -o "
                 "/tmp/mxsim-sw-s%d", k, k);
        cr_assert_eq(sh(cmd, err), 0, "%s", err);
    }
    cr_assert_eq(sh(MXSIM_BINARY " merge /tmp/mxsim-sw-s3 /tmp/mxsim-sw-s1 /tmp/mxsim-sw-s2 -o "
                    "/tmp/mxsim-sw-m", err), 0, "%s", err);
    same_files("/tmp/mxsim-sw-j1", "/tmp/mxsim-sw-j2");
    same_files("/tmp/mxsim-sw-j1", "/tmp/mxsim-sw-m");
    char *summary = slurp("/tmp/mxsim-sw-j1/summary.csv"), *points =
        slurp("/tmp/mxsim-sw-j1/points.csv");
    cr_assert_eq(lines(summary), 1 + 16);
    cr_assert_eq(lines(points), 1 + 8);
    cr_assert(strncmp(summary, "point,replication,relays,randomize,limit,seed,", 46) == 0,
              "%.80s", summary);
    cr_assert(strstr(points, "\n7,4,no,100,2,"), "%s", points);
    free(summary), free(points);
    char *shard = slurp("/tmp/mxsim-sw-s2/manifest.ini");
    cr_assert(strstr(shard, "shard = 2/3\nfirst_run = 5\nend_run = 10\nfailed = 0\n"), "%s",
              shard);
    free(shard);

    /* merge refuses what does not fit, saying which */
    cr_assert_eq(sh(MXSIM_BINARY " merge /tmp/mxsim-sw-s1 /tmp/mxsim-sw-s3 -o /tmp/mxsim-sw-x",
                    err), 2);
    cr_assert_str_eq(err, "mxsim: runs 5 to 9 are in none of the directories: a shard is "
                          "missing\n");
    cr_assert_eq(sh(MXSIM_BINARY " merge /tmp/mxsim-sw-s1 /tmp/mxsim-sw-s2 /tmp/mxsim-sw-j1 -o "
                    "/tmp/mxsim-sw-x", err), 2);
    cr_assert_str_eq(err, "mxsim: /tmp/mxsim-sw-s1 and /tmp/mxsim-sw-j1 overlap: both hold runs "
                          "0 to 4\n");
    cr_assert_eq(sh(MXSIM_BINARY " sweep " GATE SHORT " --seed 2 --shard 2/3 -o "
                    "/tmp/mxsim-sw-other", err), 0, "%s", err);
    cr_assert_eq(sh(MXSIM_BINARY " merge /tmp/mxsim-sw-s1 /tmp/mxsim-sw-other /tmp/mxsim-sw-s3 "
                    "-o /tmp/mxsim-sw-x", err), 2);
    cr_assert(strstr(err, "mxsim: /tmp/mxsim-sw-s1 and /tmp/mxsim-sw-other are not shards of "
                          "one sweep: the scenario, its --set options, seed, replications or "
                          "mxsim version differ (fingerprints ") == err, "%s", err);
    cr_assert_eq(sh(MXSIM_BINARY " merge /tmp -o /tmp/mxsim-sw-x", err), 2);
    cr_assert_str_eq(err, "mxsim: /tmp/manifest.ini: cannot open: No such file or directory "
                          "(not a directory written by mxsim sweep)\n");
    cr_assert_neq(access("/tmp/mxsim-sw-x/summary.csv", F_OK), 0, "a refused merge wrote files");
}

/* A run that dies: reported with its point, replication and the command that runs
 * it alone; its worker is replaced, the other rows are written, the exit code is 3,
 * and merge will not take the directory. The printed command reproduces a row bit for bit. */
Test(sweep, a_dead_run_is_reported_and_its_command_reproduces_a_row, .timeout = 300)
{
    char err[2048];
    system("rm -rf /tmp/mxsim-sw-kill /tmp/mxsim-sw-one");
    cr_assert_eq(sh("MXSIM_TEST_KILL_RUN=3 " MXSIM_BINARY " sweep " GATE SHORT
                    " -j 2 -o /tmp/mxsim-sw-kill", err), 3, "%s", err);
    cr_assert(strstr(err, "mxsim sweep: run 3 (point 1, replication 1) died: killed by signal 9 "
                          "(Killed); it runs alone with:\n# point 1, replication 1: relays=3 "
                          "randomize=yes limit=100\nmxsim run "), "%s", err);
    cr_assert(strstr(err, "mxsim sweep: 1 run failed (above); the others are in "
                          "/tmp/mxsim-sw-kill\n"), "%s", err);
    char *summary = slurp("/tmp/mxsim-sw-kill/summary.csv");
    cr_assert_eq(lines(summary), 1 + 15);
    cr_assert_null(strstr(summary, "\n1,1,"));
    char *points = slurp("/tmp/mxsim-sw-kill/points.csv");
    cr_assert_null(strstr(points, "\n1,"), "point 1 lacks a replication: no mean");
    cr_assert_eq(lines(points), 1 + 7);
    /* With -j 1 the one worker dies: its replacement runs the 12 runs after it, and
     * the directory is the -j 2 one byte for byte. */
    system("rm -rf /tmp/mxsim-sw-kill1");
    cr_assert_eq(sh("MXSIM_TEST_KILL_RUN=3 " MXSIM_BINARY " sweep " GATE SHORT
                    " -j 1 -o /tmp/mxsim-sw-kill1", err), 3, "%s", err);
    char *summary1 = slurp("/tmp/mxsim-sw-kill1/summary.csv");
    cr_assert_str_eq(summary1, summary);
    char *points1 = slurp("/tmp/mxsim-sw-kill1/points.csv");
    cr_assert_str_eq(points1, points);
    free(summary1), free(points1);
    cr_assert_eq(sh(MXSIM_BINARY " merge /tmp/mxsim-sw-kill -o /tmp/mxsim-sw-x", err), 2);
    cr_assert_str_eq(err, "mxsim: /tmp/mxsim-sw-kill: 1 of its runs failed; run that shard "
                          "again\n");

    /* --print-run gives the command; running it gives the sweep's row 2/1 */
    FILE *p = popen(MXSIM_BINARY " sweep " GATE SHORT " --print-run 2/1", "r");
    char comment[512], cmd[2048];
    cr_assert(fgets(comment, sizeof comment, p) && fgets(cmd, sizeof cmd, p));
    pclose(p);
    cr_assert_str_eq(comment, "# point 2, replication 1: relays=3 randomize=no limit=50\n");
    cr_assert(strncmp(cmd, "mxsim run ", 10) == 0, "%s", cmd);
    cmd[strlen(cmd) - 1] = '\0';
    char full[3000];
    snprintf(full, sizeof full, MXSIM_BINARY " %s --reproducible -o /tmp/mxsim-sw-one", cmd + 6);
    cr_assert_eq(sh(full, err), 0, "%s: %s", full, err);
    char *one = slurp("/tmp/mxsim-sw-one/summary.csv");
    const char *row = strchr(one, '\n') + 1;
    cr_assert(strncmp(row, "2,1,3,no,50,1,", 14) == 0, "%s", row);
    cr_assert(strstr(summary, row), "the row of point 2, replication 1 differs:\n%s", row);
    free(one), free(summary), free(points);
}

/* run refuses a sweep without --point; check runs a swept scenario as a sweep and
 * its JUnit report validates against the schema CI servers read. */
Test(sweep, run_check_and_junit_on_a_sweep, .timeout = 300)
{
    char err[2048];
    cr_assert_eq(sh(MXSIM_BINARY " run " GATE " -o /tmp/mxsim-sw-run", err), 2);
    cr_assert_str_eq(err, "mxsim run: " GATE " is a sweep of 8 points: run them all with mxsim "
                          "sweep, or one with --point P (0 to 7)\n");
    cr_assert_eq(sh(MXSIM_BINARY " explain " GATE, err), 2);
    cr_assert_str_eq(err, "mxsim explain: " GATE " is a sweep of 8 points: pick one with --point "
                          "P (0 to 7)\n");
    cr_assert_eq(sh(MXSIM_BINARY " explain " GATE " --point 7", err), 0, "%s", err);
    system("rm -rf /tmp/mxsim-sw-chk");
    /* 20 sessions at 2 relays miss the gate while relay1 is down (docs/sweeps.md);
     * the fault moved into the 5 minutes */
    cr_assert_eq(sh(MXSIM_BINARY " check " GATE SETS " --set 'fault relay1-down.at=1m' --set "
                    "'fault relay1-down.for=3m' --set 'dns.zone=ci-gate-${relays = 2, 4}"
                    ".zone' --set 'server relay1.process_limit=${limit = 20, 100}' -o "
                    "/tmp/mxsim-sw-chk --junit /tmp/mxsim-sw-chk.xml", err), 1, "%s", err);
    char *x = slurp("/tmp/mxsim-sw-chk.xml");
    cr_assert(strstr(x, "<testsuite name=\"mxsim expect\" tests=\"16\" failures=\""), "%s", x);
    cr_assert(strstr(x, "<testcase classname=\"point 0 (relays=2, randomize=yes, limit=20)\" "
                        "name=\"delay_p99 &lt;= 5m ci\" time=\"0\"><failure message=\"value "),
              "%s", x);
    free(x);
    cr_assert_eq(sh("xmllint --noout --schema " MXSIM_SOURCE_DIR "/tests/junit.xsd "
                    "/tmp/mxsim-sw-chk.xml", err), 0, "%s", err);
    /* check DIR reads only the [expect] lines: the zone files need not be there */
    cr_assert_eq(sh(MXSIM_BINARY " check /tmp/mxsim-sw-chk", err), 1, "%s", err);
    /* the metric-against-swept-value charts */
    cr_assert_eq(sh(MXSIM_BINARY " plot /tmp/mxsim-sw-chk", err), 0, "%s", err);
    cr_assert_eq(access("/tmp/mxsim-sw-chk/plots/sweep-delay_p99.svg", F_OK), 0);
    char *svg = slurp("/tmp/mxsim-sw-chk/plots/sweep-delay_p99.svg");
    cr_assert(strstr(svg, "randomize=no,limit=100"), "no line per combination");
    free(svg);
}

/* The GNU parallel recipe of docs/sweeps.md, as written there: one shard per job,
 * then merge; the same bytes as one sweep. */
Test(sweep, gnu_parallel_recipe, .timeout = 300)
{
    char err[2048];
    system("rm -rf /tmp/mxsim-par");
    cr_assert_eq(sh("command -v parallel", err), 0, "GNU parallel is not installed "
                    "(analysis/install-deps.sh installs it)");
    cr_assert_eq(sh("mkdir -p /tmp/mxsim-par && cd /tmp/mxsim-par && "
                    "seq 1 4 | parallel --halt now,fail=1 -j 2 " MXSIM_BINARY " sweep " GATE
                    SHORT " --shard {}/4 -j 1 -o shard-{} && "
                    MXSIM_BINARY " merge shard-* -o merged", err), 0, "%s", err);
    cr_assert_eq(sh(MXSIM_BINARY " sweep " GATE SHORT " -o /tmp/mxsim-par/one", err), 0, "%s",
                 err);
    same_files("/tmp/mxsim-par/one", "/tmp/mxsim-par/merged");
}

/* SIGTERM to a sweep whose workers are busy: exit 3, no output file, and no
 * worker left behind (they share the parent's command line, so pgrep finds any; the
 * [s] keeps the shell that runs pgrep from matching). */
Test(sweep, sigterm_stops_every_worker_and_leaves_no_output, .timeout = 120)
{
    system("rm -rf /tmp/mxsim-sw-int");
    char *argv[] = {"mxsim", "sweep", GATE, "--set", "simulation.duration=2000h", "-j", "2",
                    "-o", "/tmp/mxsim-sw-int", NULL};
    pid_t pid = start_quiet(argv, 1000);
    int three = system("pgrep -f '[s]weep .*/tmp/mxsim-sw-int' | wc -l | grep -qx 3");
    int code = stop_with(pid, SIGTERM);
    cr_assert_eq(three, 0, "expected the sweep and its 2 workers");
    cr_assert_eq(code, 3);
    cr_assert_eq(system("test -z \"$(ls -A /tmp/mxsim-sw-int 2>/dev/null)\""), 0,
                 "files left in /tmp/mxsim-sw-int");
    cr_assert_neq(system("pgrep -f '[s]weep .*/tmp/mxsim-sw-int' >/dev/null"), 0,
                  "a worker outlived the sweep");
}
