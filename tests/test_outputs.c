/* test_outputs.c -- the output directory of mxsim run as a user gets it: every file
 * and column, the confidence intervals of points.csv against queueing theory, a
 * run interrupted by a signal, and the charts of mxsim plot. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <criterion/criterion.h>

#define SCEN MXSIM_SOURCE_DIR "/scenarios/"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)len + 1);
    size_t n = fread(buf, 1, (size_t)len, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int sh(const char *cmd)
{
    char full[4096];
    snprintf(full, sizeof full, "%s >/dev/null 2>&1", cmd);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The value of column col in line 2 (the first data row) of a CSV file. */
static double cell(const char *csv, const char *col)
{
    const char *nl = strchr(csv, '\n');
    size_t k = 0;
    const char *p = csv;
    while (p < nl) {
        const char *end = strpbrk(p, ",\n");
        if ((size_t)(end - p) == strlen(col) && strncmp(p, col, strlen(col)) == 0)
            break;
        k++;
        p = end + 1;
    }
    cr_assert(p < nl, "no column %s", col);
    p = nl + 1;
    for (size_t i = 0; i < k; i++)
        p = strchr(p, ',') + 1;
    return strtod(p, NULL);
}

/* Erlang C (M/M/c): the mean wait in queue for arrival rate lam, service rate mu. */
static double erlang_c_wq(double lam, double mu, int c)
{
    double a = lam / mu, term = 1, sum = 0;
    for (int k = 0; k < c; k++) {
        sum += term;
        term *= a / (k + 1);
    }
    double pc = term / (1 - a / c);
    return pc / (sum + pc) / (c * mu - lam);
}

/* One server, 4 workers, exponential sessions of mean 1 s, Poisson arrivals at 3/s
 * (rho = 0.75), a backlog nobody gives up in: an M/M/4 queue, so the mean delay is
 * Wq + 1/mu = 1.4909 s (Erlang C). The sender's window and cache are taken out of the
 * way. 20 replications of 2 h after a 10 min warmup: points.csv's 95% interval covers
 * the value. A correct model misses 5% of the time for a random seed; the seed is
 * fixed, so the test is stable, and it fails for a model off by more than the
 * half-width (about 1%): e.g. a backlog served LIFO-with-timeouts or a window of 20. */
Test(outputs, ci_covers_erlang_c)
{
    FILE *f = fopen("/tmp/mxsim-mm4.ini", "w");
    fputs("[simulation]\nduration = 2h\nwarmup = 10m\nreplications = 20\nseed = 11\n"
          "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
          "[sender s]\ninitial_destination_concurrency = 1000\n"
          "smtp_destination_concurrency_limit = 1000\nsmtp_connection_cache_on_demand = no\n"
          "smtp_helo_timeout = 1d\n"
          "[server a]\naddress = 10.0.0.1\nprocess_limit = 4\nbacklog = 100000\n"
          "session_time = exp(1s)\n"
          "[traffic t]\nfrom = s\nto = d.\nrate = 3/s\n", f);
    fclose(f);
    cr_assert_eq(sh(MXSIM_BINARY " run /tmp/mxsim-mm4.ini -o /tmp/mxsim-mm4"), 0);
    char *p = slurp("/tmp/mxsim-mm4/points.csv");
    double mean = cell(p, "delay_mean_mean"), half = cell(p, "delay_mean_ci95");
    double want = erlang_c_wq(3, 1, 4) + 1;
    cr_assert(half > 0 && half < 0.05 * want, "half-width %.4f", half);
    cr_assert(fabs(mean - want) <= half, "mean delay %.4f +- %.4f, Erlang C %.4f", mean, half,
              want);
    cr_assert_eq(cell(p, "replications"), 20);
    free(p);
    /* Utilization is rho = 0.75: the 95% interval of the 20 runs' utilizations
     * (t(0.975, 19) = 2.093) covers it. */
    char *s = slurp("/tmp/mxsim-mm4/servers.csv"), *line = strchr(s, '\n') + 1;
    double u[20], sum = 0, ss = 0;
    for (int k = 0; k < 20; k++) {
        u[k] = strtod(strrchr(strtok(k ? NULL : line, "\n"), ',') + 1, NULL);
        sum += u[k];
    }
    double m = sum / 20;
    for (int k = 0; k < 20; k++)
        ss += (u[k] - m) * (u[k] - m);
    double hw = 2.093 * sqrt(ss / 19) / sqrt(20);
    cr_assert(fabs(m - 0.75) <= hw, "utilization %.4f +- %.4f", m, hw);
    free(s);
}

Test(outputs, every_file_and_column)
{
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-failover.ini --replications 2 "
                    "-o /tmp/mxsim-out"), 0);
    char *p = slurp("/tmp/mxsim-out/points.csv");
    cr_assert_eq(strncmp(p, "point,replications,messages_mean,messages_ci95,delivered_mean,", 62),
                 0, "%s", p);
    cr_assert(strstr(p, ",delay_p99_mean,delay_p99_ci95,"));
    cr_assert(strstr(p, ",share_mail1_mean,share_mail1_ci95,share_mail2_mean,share_mail2_ci95,"
                        "accepted_mail1_mean,"));
    cr_assert(strstr(p, ",utilization_mail2_mean,utilization_mail2_ci95\n"));
    free(p);
    p = slurp("/tmp/mxsim-out/delays.csv");
    cr_assert_eq(strncmp(p, "delay,count,cdf\n", 16), 0);
    cr_assert(strstr(p, ",1\n"), "the last row's cdf is 1"); /* cdf ends at 1 */
    free(p);
    p = slurp("/tmp/mxsim-out/faults.csv");
    cr_assert_str_eq(p, "fault,target,mode,start,end\nmail1-down,mail1,blackhole,1800,3000\n");
    free(p);
}

/* An interrupted run leaves nothing that looks complete: no CSV, no temporary. */
Test(outputs, sigterm_leaves_no_output)
{
    system("rm -rf /tmp/mxsim-int");
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", 1);
        dup2(fd, 1), dup2(fd, 2);
        execl(MXSIM_BINARY, "mxsim", "run", SCEN "seed000-spread.ini", "--set",
              "simulation.duration=2000h", "-o", "/tmp/mxsim-int", (char *)NULL);
        _exit(127);
    }
    struct timespec wait = {0, 800 * 1000 * 1000};
    nanosleep(&wait, NULL);
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st));
    cr_assert_eq(WEXITSTATUS(st), 3);
    cr_assert_eq(system("test -z \"$(ls -A /tmp/mxsim-int 2>/dev/null)\""), 0,
                 "files left in /tmp/mxsim-int");
}

/* mxsim plot draws every chart, PNG and SVG. */
Test(outputs, plot_draws_every_chart)
{
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed001-relayhost.ini --replications 2 "
                    "-o /tmp/mxsim-plot"), 0);
    system("rm -rf /tmp/mxsim-plot/plots");
    cr_assert_eq(sh("MXSIM_ANALYSIS=" MXSIM_SOURCE_DIR "/analysis " MXSIM_BINARY
                    " plot /tmp/mxsim-plot"), 0);
    const char *charts[] = {"accepted", "share-over-time", "sessions", "backlog", "deferred",
                            "delay-cdf", "share"};
    for (size_t i = 0; i < 7; i++)
        for (int svg = 0; svg < 2; svg++) {
            char path[256];
            struct stat st;
            snprintf(path, sizeof path, "/tmp/mxsim-plot/plots/%s.%s", charts[i],
                     svg ? "svg" : "png");
            cr_assert_eq(stat(path, &st), 0, "%s missing", path);
            cr_assert_gt(st.st_size, 2000, "%s is too small", path);
        }
    cr_assert_eq(sh(MXSIM_BINARY " plot /nonexistent-dir"), 2);
}

/* --trace: one row per connection attempt and per delivery that ended without one.
 * In seed 000's failover, every attempt on black-holed mail1 is a "timeout" row of
 * exactly smtp_connect_timeout (30 s), and each message has one delivery row. */
Test(outputs, trace_rows_tell_each_attempt)
{
    cr_assert_eq(sh(MXSIM_BINARY " run " SCEN "seed000-failover.ini --replications 1 --trace "
                    "-o /tmp/mxsim-trace"), 0);
    char *t = slurp("/tmp/mxsim-trace/trace.csv");
    const char *head = "replication,time,message,attempt,sender,mx,address,server,outcome,latency\n";
    cr_assert_eq(strncmp(t, head, strlen(head)), 0, "%.80s", t);
    long timeouts = 0, deliveries = 0, bad = 0;
    for (char *line = strtok(strchr(t, '\n') + 1, "\n"); line; line = strtok(NULL, "\n")) {
        if (strstr(line, ",mail1,timeout,")) {
            timeouts++;
            bad += strcmp(strrchr(line, ',') + 1, "30") != 0;
        }
        deliveries += strstr(line, ",delivered,") || strstr(line, ",reused,");
    }
    char *s = slurp("/tmp/mxsim-trace/servers.csv");
    free(t);
    cr_assert_gt(timeouts, 100);
    cr_assert_eq(bad, 0, "timeout rows whose latency is not 30 s");
    char *summary = slurp("/tmp/mxsim-trace/summary.csv");
    cr_assert_eq(deliveries, (long)cell(summary, "delivered"));
    free(s), free(summary);
}
