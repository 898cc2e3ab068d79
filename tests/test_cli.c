/* test_cli.c -- the mxsim binary as a user runs it: exit codes, exact messages,
 * output files, determinism. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cli_util.h"

#define SCEN MXSIM_SOURCE_DIR "/scenarios/"

/* Same scenario and seed: byte-identical files (wall_seconds zeroed). */
Test(cli, same_seed_gives_byte_identical_csvs)
{
    const char *files[] = {"summary.csv", "servers.csv", "timeseries.csv"};
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-failover.ini --reproducible "
                    "--replications 2 -o /tmp/mxsim-det-a", NULL), 0);
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-failover.ini --reproducible "
                    "--replications 2 -o /tmp/mxsim-det-b", NULL), 0);
    for (size_t i = 0; i < 3; i++) {
        char a[256], b[256];
        snprintf(a, sizeof a, "/tmp/mxsim-det-a/%s", files[i]);
        snprintf(b, sizeof b, "/tmp/mxsim-det-b/%s", files[i]);
        char *x = slurp(a), *y = slurp(b);
        cr_assert(strlen(x) > 100);
        cr_assert_str_eq(x, y, "%s differs", files[i]);
        free(x), free(y);
    }
    /* A different seed gives different results. */
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-failover.ini --reproducible "
                    "--replications 2 --seed 2 -o /tmp/mxsim-det-c", NULL), 0);
    char *x = slurp("/tmp/mxsim-det-a/summary.csv"), *y = slurp("/tmp/mxsim-det-c/summary.csv");
    cr_assert_str_neq(x, y);
    free(x), free(y);
}

/* Replication k's row does not depend on how many replications ran. */
Test(cli, replication_rows_do_not_depend_on_the_count)
{
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-spread.ini --reproducible "
                    "--replications 1 -o /tmp/mxsim-rep-1", NULL), 0);
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-spread.ini --reproducible "
                    "--replications 3 -o /tmp/mxsim-rep-3", NULL), 0);
    char *one = slurp("/tmp/mxsim-rep-1/summary.csv"), *three = slurp("/tmp/mxsim-rep-3/summary.csv");
    cr_assert_eq(strncmp(one, three, strlen(one)), 0);
    free(one), free(three);
}

Test(cli, summary_has_the_product_columns)
{
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed001-relayhost.ini --replications 1 "
                    "-o /tmp/mxsim-cols", NULL), 0);
    char *s = slurp("/tmp/mxsim-cols/summary.csv");
    cr_assert_eq(strncmp(s, "point,replication,seed,messages,delivered,bounced,queued_at_end,"
                            "delivered_fraction,delay_mean,delay_p50,delay_p90,delay_p99,"
                            "delay_max,attempts_mean,timeout_fraction,deferrals,suspended,"
                            "reused_fraction,forwarded,hop_delay_mean,hop_delay_p99,events,"
                            "wall_seconds\n",
                         strlen("point,replication,seed,messages,delivered,bounced,queued_at_end,"
                                "delivered_fraction,delay_mean,delay_p50,delay_p90,delay_p99,"
                                "delay_max,attempts_mean,timeout_fraction,deferrals,suspended,"
                                "reused_fraction,forwarded,hop_delay_mean,hop_delay_p99,events,"
                                "wall_seconds\n")),
              0, "%s", s);
    free(s);
    s = slurp("/tmp/mxsim-cols/servers.csv");
    cr_assert_eq(strncmp(s, "point,replication,seed,server,accepted,share,refused,timed_out,"
                            "tempfailed,peak_sessions,utilization\n", 99), 0, "%s", s);
    free(s);
    s = slurp("/tmp/mxsim-cols/timeseries.csv");
    const char *ts = "time,server,sessions,backlog,accepted,refused,timed_out,tempfailed,"
                     "deferred_mail\n";
    cr_assert_eq(strncmp(s, ts, strlen(ts)), 0, "%s", s);
    free(s);
}

Test(cli, bad_input_exits_2_with_file_line_and_key)
{
    char err[2048];
    FILE *f = fopen("/tmp/mxsim-bad.ini", "w");
    fputs("[simulation]\nduraton = 1h\n", f);
    fclose(f);
    cr_assert_eq(sh(MXSIM_BINARY " run /tmp/mxsim-bad.ini -o /tmp/mxsim-bad-out", err), 2);
    cr_assert_str_eq(err, "mxsim: /tmp/mxsim-bad.ini:2: [simulation] duraton: unknown key in "
                          "[simulation]; did you mean \"duration\"?\n");
    struct stat st;
    cr_assert_neq(stat("/tmp/mxsim-bad-out/summary.csv", &st), 0, "no output on bad input");
    cr_assert_eq(sh(MXSIM_BINARY " run /tmp/mxsim-none.ini", err), 2);
    cr_assert_str_eq(err, "mxsim: /tmp/mxsim-none.ini: cannot open the scenario: No such file "
                          "or directory\n");
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-spread.ini --sed 3", err), 2);
    cr_assert_str_eq(err, "mxsim run: unknown option --sed; did you mean --seed?\n"
                          "(see: mxsim help run)\n");
    cr_assert_eq(sh(MXSIM_BINARY " runn x.ini", err), 2);
    cr_assert_str_eq(err, "mxsim: unknown command \"runn\"; did you mean \"run\"?\n"
                          "(see: mxsim help)\n");
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-spread.ini --replications 0", err), 2);
    cr_assert_str_eq(err, "mxsim run: --replications: expected a whole number from 1 to 100000, "
                          "got \"0\"\n(see: mxsim help run)\n");
}

Test(cli, event_limit_stops_with_exit_3_and_no_output)
{
    char err[2048];
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-spread.ini --max-events 1000 "
                    "-o /tmp/mxsim-limit", err), 3);
    cr_assert_str_eq(err, "mxsim: stopped after 1000 events (--max-events) at simulated time "
                          "17.601 s\n");
    struct stat st;
    cr_assert_neq(stat("/tmp/mxsim-limit/summary.csv", &st), 0);
    cr_assert_neq(stat("/tmp/mxsim-limit/timeseries.csv", &st), 0);
}

/* --max-memory: a process past the limit stops between events with exit 3, a
 * message saying so, and no output; a bad size is exit 2. (1 MiB: less than any
 * process resides in, so the first check, at event 0, stops it.) */
Test(cli, memory_limit_stops_with_exit_3_and_no_output)
{
    char err[2048];
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-spread.ini --max-memory 1M "
                    "-o /tmp/mxsim-memlimit", err), 3);
    cr_assert(strncmp(err, "mxsim: stopped: resident memory ", 32) == 0, "%s", err);
    cr_assert(strstr(err, " MiB passed --max-memory 1 MiB at simulated time 0.000 s, after 0 "
                          "events\n"), "%s", err);
    struct stat st;
    cr_assert_neq(stat("/tmp/mxsim-memlimit/summary.csv", &st), 0);
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-spread.ini --max-memory 4G "
                    "--set simulation.duration=1m --replications 1 -o /tmp/mxsim-memlimit", err),
                 0, "%s", err);
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-spread.ini --max-memory 10k", err), 2);
    cr_assert_str_eq(err, "mxsim run: --max-memory: expected a size of at least 1M such as 512M "
                          "or 4G, got \"10k\"\n(see: mxsim help run)\n");
}

Test(cli, help_and_version_exit_0)
{
    cr_assert_eq(sh(MXSIM_BINARY " help", NULL), 0);
    cr_assert_eq(sh(MXSIM_BINARY " help run", NULL), 0);
    cr_assert_eq(sh(MXSIM_BINARY " run --help", NULL), 0);
    cr_assert_eq(sh(MXSIM_BINARY " version", NULL), 0);
}

/* PRODUCT.md's mxsim(1): mxsim help --man is the man page, written from the same
 * texts as the help, one section per command, and groff reads it without a
 * warning (-ww: all of them). The build writes it to mxsim.1. */
Test(cli, man_page_has_every_command_and_groff_reads_it_cleanly)
{
    char err[2048];
    cr_assert_eq(sh(MXSIM_BINARY " help --man > /tmp/mxsim-test.1", err), 0, "%s", err);
    char *page = slurp("/tmp/mxsim-test.1");
    cr_assert(strncmp(page, ".TH MXSIM 1 ", 12) == 0, "%.40s", page);
    const char *cmds[] = {"run", "sweep", "merge", "explain", "plot", "check"};
    for (size_t i = 0; i < 6; i++) {
        char sec[32], use[64];
        snprintf(sec, sizeof sec, "\n.SS %s\n", cmds[i]);
        snprintf(use, sizeof use, "usage: mxsim %s ", cmds[i]);
        cr_assert(strstr(page, sec) && strstr(page, use), "no section for %s", cmds[i]);
    }
    cr_assert(strstr(page, "\n.SH EXIT STATUS\n"));
    free(page);
    /* groff -ww warns of anything it would have to guess; -z: no output */
    cr_assert_eq(sh("groff -man -Tutf8 -ww -z /tmp/mxsim-test.1 2>&1 | grep . >&2", err), 1,
                 "groff warned: %s", err);
    cr_assert_eq(sh("test -s " MXSIM_BINARY_DIR "/mxsim.1", NULL), 0, "the build wrote no mxsim.1");
    remove("/tmp/mxsim-test.1");
}
