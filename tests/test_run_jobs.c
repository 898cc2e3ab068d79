/* test_run_jobs.c -- mxsim run -j N as a user relies on it: the replications on N
 * worker processes give the same bytes in every file (trace.csv and timeseries.csv
 * included) as one process; a worker that dies fails the run with the replication
 * named, and a signal stops it; neither leaves a file, or a part of one, behind. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cli_util.h"

#define FAILOVER MXSIM_SOURCE_DIR "/scenarios/seed000-failover.ini"

/* Every file of the directory, hidden ones too, listed: "" when it is empty. */
static char *listing(const char *dir)
{
    char cmd[512], path[] = "/tmp/mxsim-rj-ls-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    snprintf(cmd, sizeof cmd, "ls -A %s > %s 2>/dev/null", dir, path);
    system(cmd);
    char *text = slurp(path);
    unlink(path);
    return text;
}

/* 5 replications on 1, 2 and 3 workers (3 leaves one with two of them, in either
 * order): the directories are identical, file for file. */
Test(run_jobs, any_j_writes_the_same_bytes, .timeout = 300)
{
    char err[2048];
    system("rm -rf /tmp/mxsim-rj1 /tmp/mxsim-rj2 /tmp/mxsim-rj3");
    for (int j = 1; j <= 3; j++) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, MXSIM_BINARY " run " FAILOVER " --replications 5 --trace "
                 "--reproducible -j %d -o /tmp/mxsim-rj%d", j, j);
        cr_assert_eq(sh(cmd, err), 0, "%s", err);
    }
    char *files = listing("/tmp/mxsim-rj1");
    cr_assert_str_eq(files, "delays.csv\nfaults.csv\npoints.csv\nscenario.ini\nservers.csv\n"
                            "summary.csv\ntimeseries.csv\ntrace.csv\n");
    free(files);
    cr_assert_eq(sh("diff -r /tmp/mxsim-rj1 /tmp/mxsim-rj2", err), 0, "-j 2 differs");
    cr_assert_eq(sh("diff -r /tmp/mxsim-rj1 /tmp/mxsim-rj3", err), 0, "-j 3 differs");
    /* the trace holds all 5 replications, in order */
    cr_assert_eq(sh("cut -d, -f1 /tmp/mxsim-rj2/trace.csv | uniq | tr '\\n' ' ' | "
                    "grep -qx 'replication 0 1 2 3 4 '", err), 0);
}

/* A worker killed in replication 1 (the hook of the sweep tests): exit 3, the
 * replication named, nothing written. */
Test(run_jobs, a_dead_worker_fails_the_run_and_writes_nothing, .timeout = 120)
{
    char err[2048];
    system("rm -rf /tmp/mxsim-rj-kill");
    cr_assert_eq(sh("MXSIM_TEST_KILL_RUN=1 " MXSIM_BINARY " run " FAILOVER " --replications 3 "
                    "--trace -j 2 -o /tmp/mxsim-rj-kill", err), 3, "%s", err);
    cr_assert_str_eq(err, "mxsim: replication 1: its worker died: killed by signal 9 (Killed)\n");
    char *files = listing("/tmp/mxsim-rj-kill");
    cr_assert_str_eq(files, "", "left behind: %s", files);
    free(files);
}

/* -j outside 1 to 256 is bad input. */
Test(run_jobs, j_out_of_range_is_exit_2)
{
    char err[2048];
    cr_assert_eq(sh(MXSIM_BINARY " run " FAILOVER " -j 0", err), 2);
    cr_assert_str_eq(err, "mxsim run: -j: expected a whole number from 1 to 256, got \"0\"\n"
                          "(see: mxsim help run)\n");
    cr_assert_eq(sh(MXSIM_BINARY " run " FAILOVER " -j", err), 2);
}

/* SIGTERM while 2 workers run long replications with a trace: exit 3, no file and
 * no part file, no worker left (the [m] keeps pgrep's own shell from matching). */
Test(run_jobs, sigterm_leaves_no_file_and_no_worker, .timeout = 120)
{
    system("rm -rf /tmp/mxsim-rj-int");
    char *argv[] = {"mxsim", "run", FAILOVER, "--set", "simulation.duration=2000h",
                    "--replications", "4", "--trace", "-j", "2", "-o", "/tmp/mxsim-rj-int", NULL};
    pid_t pid = start_quiet(argv, 1500);
    int three = system("pgrep -f '[m]xsim run .*/tmp/mxsim-rj-int' | wc -l | grep -qx 3");
    int code = stop_with(pid, SIGTERM);
    cr_assert_eq(three, 0, "expected the run and its 2 workers");
    cr_assert_eq(code, 3);
    char *files = listing("/tmp/mxsim-rj-int");
    cr_assert_str_eq(files, "", "left behind: %s", files);
    free(files);
    cr_assert_neq(system("pgrep -f '[m]xsim run .*/tmp/mxsim-rj-int' >/dev/null"), 0,
                  "a worker outlived the run");
}
