/* test_limits.c -- documented limits and edge cases of issue 10 (docs/robustness.md,
 * docs/scenario.md "Caps and limits"): a 1000-deep CNAME chain (R9), the profile row
 * cap, 100 years with the default sample, rate 0, zero-length fault windows, and
 * every MX host down for ever (R35). End to end: in-process runs through
 * scenario_util.h, and the mxsim binary where the exit code is the behaviour. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "cli_util.h"
#include "scenario_util.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(limits, .init = setup);

/* A per-process path /tmp/mxsim-limits-PID-NAME in buf (ctest runs test programs in
 * parallel, and other programs' files start with /tmp/mxsim- too). */
static const char *tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "/tmp/mxsim-limits-%ld-%s", (long)getpid(), name);
    return buf;
}

/* One sender, one server a (10.0.0.1), 1 message/s for 10 min at constant
 * intervals: exactly 600 messages (docs/scenario.md: the first at 0, every 1/rate,
 * in [0, duration)). The [dns] section and what follows are the test's. */
static const char head[] =
    "[simulation]\nduration = 10m\nseed = 4\n"
    "[sender s]\n"
    "[server a]\naddress = 10.0.0.1\nsession_time = 100ms\n";
#define MESSAGES 600

/* ---- 1. CNAME chains (R9) ---- */

/* A zone in which the chain c0 -> c1 -> ... -> c<links> has `links` CNAME links. With
 * mx_head, the domain d. has MX 10 c0 and the chain ends at the host's A record; else
 * the recipient domain is c0 and the chain ends at d., whose MX host has the A
 * record. Runs the 600 messages of `head` to c0 or d. */
static void run_chain(int links, bool mx_head, struct run_result *res)
{
    char zpath[96], text[1024];
    tmp_path(zpath, sizeof zpath, "chain.zone");
    FILE *f = fopen(zpath, "w");
    cr_assert(f);
    fputs("$ORIGIN d.\n$TTL 300\n", f);
    if (mx_head) {
        fputs("@ IN MX 10 c0\n", f);
        for (int i = 0; i < links; i++)
            fprintf(f, "c%d IN CNAME %s%d\n", i, i + 1 < links ? "c" : "host", i + 1);
        fprintf(f, "host%d IN A 10.0.0.1\n", links);
    } else {
        fputs("@ IN MX 10 host\nhost IN A 10.0.0.1\n", f);
        for (int i = 0; i < links; i++)
            if (i + 1 < links)
                fprintf(f, "c%d IN CNAME c%d\n", i, i + 1);
            else
                fprintf(f, "c%d IN CNAME @\n", i);
    }
    fclose(f);
    snprintf(text, sizeof text,
             "%s[dns]\nzone = %s\n[traffic t]\nfrom = s\nto = %s\nrate = 1/s\n"
             "arrivals = constant\n",
             head, zpath, mx_head ? "d." : "c0.d.");
    struct scenario *s = load_text(text, NULL, 0);
    unlink(zpath);
    struct run r;
    run_one(&r, s, 0, res);
    run_fini(&r);
    scen_free(s);
}

/* R9 (docs/dns.md "Records"): CNAME chains are followed up to 10 links, a longer one
 * is "not found". A 1000-deep chain from the MX host (then R8: no MX host has an
 * address, a permanent failure) or from the recipient domain (R5: not found) makes
 * every message bounce at its first lookup: all 600 bounced, none delivered or left
 * queued, server a never contacted. The run must also end: no attempt is made, so
 * nothing is retried, and the chain costs a bounded walk (docs/robustness.md, probes
 * 11 and 13). The boundary pins the 10: 10 links deliver all 600, 11 bounce all 600:
 * a limit of 11 or more fails the 11-link cases, one of 9 or less the 10-link ones. */
Test(limits, cname_chain_of_1000_links_bounces_every_message)
{
    struct { int links; bool mx_head; uint64_t delivered; } cases[] = {
        {1000, true, 0}, {1000, false, 0}, {11, true, 0},
        {11, false, 0}, {10, true, MESSAGES}, {10, false, MESSAGES},
    };
    for (size_t i = 0; i < MX_ARRAY_LEN(cases); i++) {
        struct run_result res = {0};
        run_chain(cases[i].links, cases[i].mx_head, &res);
        uint64_t bounced = MESSAGES - cases[i].delivered;
        cr_assert_eq(res.messages, MESSAGES, "%d links", cases[i].links);
        cr_assert_eq(res.delivered, cases[i].delivered, "%d links from the %s: %llu delivered",
                     cases[i].links, cases[i].mx_head ? "MX host" : "domain",
                     (unsigned long long)res.delivered);
        cr_assert_eq(res.bounced, bounced, "%d links: %llu bounced", cases[i].links,
                     (unsigned long long)res.bounced);
        cr_assert_eq(res.queued_at_end, 0);
        cr_assert_eq(res.server[0].accepted, cases[i].delivered);
        cr_assert_eq(res.deferrals, 0); /* a bounce at lookup, never a retry */
        free(res.server);
    }
}

/* ---- 2. The profile row cap (SCEN_MAX_PROFILE_ROWS) ---- */

/* A profile of n rows after a header: rows 0 .. n - 3 at i ms with multiplier 0, row
 * n - 2 at (n - 2) ms with multiplier 1, and the last row, which closes the cycle
 * (docs/scenario.md), at 2000 s. So the rate is 0 until 999.998 s, then rate x 1
 * until 2000 s, when the cycle would start again. */
static void write_profile(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("time,multiplier\n", f);
    for (long i = 0; i < n - 1; i++)
        fprintf(f, "%ld.%03ld,%d\n", i / 1000, i % 1000, i == n - 2);
    fputs("2000,0\n", f);
    cr_assert_eq(fclose(f), 0);
}

/* docs/scenario.md "Caps and limits": at most SCEN_MAX_PROFILE_ROWS (1e6) rows; one
 * more is bad input, exit 2, "FILE:N: expected at most 1000000 rows", where N is the
 * line of the 1000001st row: 1000002, the header being line 1. No output file is
 * written. Exactly 1e6 rows is accepted and every row is used: the last used row
 * (multiplier 1, from 999.998 s) is the one just under the cap, and the row at the
 * cap closes the cycle at 2000 s. Over a duration of 2000 s at 1/s that is Poisson
 * with mean 1000.002; sd 31.6, allow 5 sd = 158. A cap one row lower refuses this file;
 * a reader that dropped the row at the cap would leave row 999999 to close the
 * cycle and give 0 messages; a profile ignored would give about 2000. (Under ASan
 * the test takes about 1.7 s, both files included.) */
Test(limits, profile_rows_are_capped_at_one_million)
{
    char ppath[96], spath[96], out[96], cmd[512], err[2048], want[256], text[1024];
    tmp_path(ppath, sizeof ppath, "profile.csv");
    tmp_path(spath, sizeof spath, "profile.ini");
    tmp_path(out, sizeof out, "profile-out");
    snprintf(text, sizeof text,
             "%s[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
             "[traffic t]\nfrom = s\nto = d.\nrate = 1/s\nprofile = %s\n",
             head, ppath);
    write_file(spath, text);

    write_profile(ppath, SCEN_MAX_PROFILE_ROWS + 1);
    snprintf(cmd, sizeof cmd, MXSIM_BINARY " run %s -o %s", spath, out);
    cr_assert_eq(sh(cmd, err), 2, "%s", err);
    snprintf(want, sizeof want, "mxsim: %s:%d: expected at most %d rows\n", ppath,
             SCEN_MAX_PROFILE_ROWS + 2, SCEN_MAX_PROFILE_ROWS);
    cr_assert_str_eq(err, want);
    char summary[128];
    snprintf(summary, sizeof summary, "%s/summary.csv", out);
    struct stat st;
    cr_assert_neq(stat(summary, &st), 0, "no output on bad input");

    write_profile(ppath, SCEN_MAX_PROFILE_ROWS);
    const char *sets[] = {"simulation.duration=2000s", "traffic t.arrivals=poisson"};
    struct scenario *s = load_text(text, sets, 2);
    cr_assert_eq(s->traffic[0].n_profile, SCEN_MAX_PROFILE_ROWS);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert(res.messages >= 1000 - 158 && res.messages <= 1000 + 158, "%llu messages",
              (unsigned long long)res.messages);
    cr_assert_eq(res.delivered, res.messages);
    free(res.server);
    run_fini(&r);
    scen_free(s);
    unlink(ppath);
    unlink(spath);
}

/* ---- 3. 100 years with the default sample (SCEN_MAX_SAMPLES) ---- */

/* docs/scenario.md "Caps and limits": timeseries.csv has at most 1e6 rows, so
 * floor((duration + drain) / sample) <= floor(1e6 / (servers + 1)). duration = 36500d
 * (100 years, the most a duration may be: one more is refused, test_units.c,
 * durations_over_100_years_are_rejected) with the default drain 1d and one server:
 * span 36501 d = 3,153,686,400 s, at most 500,000 samples, so sample >= 6307.3728 s,
 * printed as 6307.373. The default sample (1m) is refused: bad input, exit 2, the
 * message naming the file (no line: no single line is at fault) and no output.
 * 6307 s gives 500,029 samples (refused), 6308 s gives 499,950 (accepted). */
Test(limits, hundred_years_with_the_default_sample_is_refused)
{
    char spath[96], out[96], cmd[512], err[2048], want[400], text[1024], msg[600];
    tmp_path(spath, sizeof spath, "century.ini");
    tmp_path(out, sizeof out, "century-out");
    snprintf(text, sizeof text,
             "%s[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
             "[traffic t]\nfrom = s\nto = d.\nrate = 5/s\n",
             head);
    write_file(spath, text);
    const char *msg_tail = "[simulation] sample: expected at least 6307.373 s, so that "
                           "timeseries.csv has at most 1000000 rows (samples x servers)";

    snprintf(cmd, sizeof cmd, MXSIM_BINARY " run %s --set simulation.duration=36500d -o %s",
             spath, out);
    cr_assert_eq(sh(cmd, err), 2, "%s", err);
    snprintf(want, sizeof want, "mxsim: %s: %s\n", spath, msg_tail);
    cr_assert_str_eq(err, want);
    char summary[128];
    snprintf(summary, sizeof summary, "%s/summary.csv", out);
    struct stat st;
    cr_assert_neq(stat(summary, &st), 0, "no output on bad input");

    struct scenario *s = NULL;
    struct mx_err e = {0};
    const char *at_6307[] = {"simulation.duration=36500d", "simulation.sample=6307s"};
    cr_assert_eq(scen_load(spath, at_6307, 2, &s, &e), MX_EINPUT);
    snprintf(want, sizeof want, "%s: %s", spath, msg_tail);
    cr_assert_str_eq(mx_err_format(&e, msg, sizeof msg), want);
    const char *at_6308[] = {"simulation.duration=36500d", "simulation.sample=6308s"};
    e = (struct mx_err){0};
    cr_assert_eq(scen_load(spath, at_6308, 2, &s, &e), MX_OK, "%s", e.msg);
    cr_assert_eq(s->sim.duration, MX_TIME_CAP);
    scen_free(s);
    unlink(spath);
}

/* ---- 4. rate = 0/s ---- */

/* docs/scenario.md, [traffic] rate: "0 to 1e7/s; 0/s = no arrivals". With either
 * arrival process (constant's gap 1/rate would be infinite) the run has 0 messages,
 * and, with nothing to do, 0 events; mxsim run exits 0 and writes a summary row of
 * 0 messages, 0 delivered, 0 bounced, 0 queued. A rate of 0 that were refused, or
 * that made arrivals, fails this. */
Test(limits, rate_zero_runs_with_no_messages_and_exits_0)
{
    char text[1024];
    snprintf(text, sizeof text,
             "%s[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
             "[traffic t]\nfrom = s\nto = d.\nrate = 0/s\n",
             head);
    const char *arrivals[] = {"traffic t.arrivals=poisson", "traffic t.arrivals=constant"};
    for (size_t i = 0; i < 2; i++) {
        struct scenario *s = load_text(text, &arrivals[i], 1);
        struct run r;
        struct run_result res;
        run_one(&r, s, 0, &res);
        cr_assert_eq(res.messages, 0, "%s", arrivals[i]);
        cr_assert_eq(res.events, 0, "%s: %llu events", arrivals[i],
                     (unsigned long long)res.events);
        free(res.server);
        run_fini(&r);
        scen_free(s);
    }
    char spath[96], out[96], cmd[512], err[2048], summary[128];
    tmp_path(spath, sizeof spath, "rate0.ini");
    tmp_path(out, sizeof out, "rate0-out");
    write_file(spath, text);
    snprintf(cmd, sizeof cmd, MXSIM_BINARY " run %s -o %s", spath, out);
    cr_assert_eq(sh(cmd, err), 0, "%s", err);
    snprintf(summary, sizeof summary, "%s/summary.csv", out);
    char *csv = slurp(summary);
    /* point,replication,seed,messages,delivered,bounced,queued_at_end,... */
    const char *row = strchr(csv, '\n');
    cr_assert(row, "%s", csv);
    cr_assert_eq(strncmp(row + 1, "0,0,", 4), 0, "%s", csv);
    const char *after_seed = strchr(row + 5, ',');
    cr_assert(after_seed);
    cr_assert_eq(strncmp(after_seed, ",0,0,0,0,", 9), 0, "%s", csv);
    free(csv);
    unlink(spath);
    snprintf(cmd, sizeof cmd, "rm -rf %s", out);
    cr_assert_eq(sh(cmd, NULL), 0);
}

/* ---- 5. A zero-length fault window ---- */

/* Two MX hosts and Poisson arrivals with random session times, so that any change to
 * what happens shows in the results. */
static const char two_mx[] =
    "[simulation]\nduration = 30m\nseed = 6\n"
    "[dns]\n"
    "record = d. 300 IN MX 10 a.d.\nrecord = d. 300 IN MX 20 b.d.\n"
    "record = a.d. 300 IN A 10.0.0.1\nrecord = b.d. 300 IN A 10.0.0.2\n"
    "[sender s]\ninstances = 3\n"
    "[server a]\naddress = 10.0.0.1\nsite = east\nsession_time = exp(300ms)\n"
    "[server b]\naddress = 10.0.0.2\nsession_time = exp(300ms)\n"
    "[traffic t]\nfrom = s\nto = d.\nrate = 2/s\n";

static struct run_result run_faults(const char *faults)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", two_mx, faults);
    struct scenario *s = load_text(text, NULL, 0);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    run_fini(&r);
    scen_free(s);
    return res;
}

static void assert_same_run(const struct run_result *x, const struct run_result *y)
{
    cr_assert_eq(x->messages, y->messages);
    cr_assert_eq(x->delivered, y->delivered);
    cr_assert_eq(x->bounced, y->bounced);
    cr_assert_eq(x->queued_at_end, y->queued_at_end);
    cr_assert_eq(x->deferrals, y->deferrals);
    cr_assert_eq(x->suspended, y->suspended);
    cr_assert_eq(x->events, y->events);
    cr_assert_eq(x->end_time, y->end_time);
    cr_assert_eq(x->delay_mean, y->delay_mean);
    cr_assert_eq(x->delay_max, y->delay_max);
    cr_assert_eq(x->attempts_mean, y->attempts_mean);
    cr_assert_eq(x->reused_fraction, y->reused_fraction);
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(x->server[k].accepted, y->server[k].accepted, "server %d", k);
        cr_assert_eq(x->server[k].refused, y->server[k].refused, "server %d", k);
        cr_assert_eq(x->server[k].timed_out, y->server[k].timed_out, "server %d", k);
        cr_assert_eq(x->server[k].peak_sessions, y->server[k].peak_sessions, "server %d", k);
    }
}

/* docs/scenario.md [fault] for: "0 never opens". Zero-length windows of every kind
 * of target (a server, a site, an address, the DNS, a name), at time 0 and later,
 * leave the run exactly as without them: the same counts, delays, events and end
 * time, as a window draws nothing and every component has its own random stream
 * (STYLE 4). The control: the same faults for 5 min do change the run (a refuses, so
 * b takes mail), so a 0 read as "for ever" (the default of for) or as any length
 * would fail the first comparison. */
Test(limits, zero_length_fault_window_never_opens)
{
    static const char zero[] =
        "[fault f1]\ntarget = a\nmode = refused\nat = 0, 10m\nfor = 0\n"
        "[fault f2]\ntarget = east\nmode = blackhole\nat = 5m\nfor = 0\n"
        "[fault f3]\ntarget = 10.0.0.1\nmode = tempfail\nat = 0\nfor = 0\n"
        "[fault f4]\ntarget = dns\nmode = servfail\nat = 1m\nfor = 0\n"
        "[fault f5]\ntarget = b.d.\nmode = servfail\nat = 0\nfor = 0\n";
    struct run_result none = run_faults("");
    struct run_result zeroed = run_faults(zero);
    cr_assert_gt(none.delivered, 3000); /* about 3600 at 2/s for 30 min */
    cr_assert_eq(none.server[0].refused, 0);
    assert_same_run(&zeroed, &none);
    struct run_result open = run_faults("[fault f1]\ntarget = a\nmode = refused\nat = 0\n"
                                        "for = 5m\n");
    cr_assert_gt(open.server[0].refused, 0);
    cr_assert_gt(open.server[1].accepted, none.server[1].accepted);
    free(none.server), free(zeroed.server), free(open.server);
}

/* ---- 6. Every MX host down for ever (R35) ---- */

/* MX 10 a, MX 20 b; 600 messages at constant intervals (the last at 599 s). */
static const char down[] =
    "[simulation]\nduration = 10m\nseed = 8\n"
    "[dns]\n"
    "record = d. 300 IN MX 10 a.d.\nrecord = d. 300 IN MX 20 b.d.\n"
    "record = a.d. 300 IN A 10.0.0.1\nrecord = b.d. 300 IN A 10.0.0.2\n"
    "[sender s]\n"
    "[server a]\naddress = 10.0.0.1\nsession_time = 100ms\n"
    "[server b]\naddress = 10.0.0.2\nsession_time = 100ms\n"
    "[traffic t]\nfrom = s\nto = d.\nrate = 1/s\narrivals = constant\n";

static struct scenario *run_down(const char *faults, const char *const *sets, size_t n,
                                 struct run *r, struct run_result *res)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", down, faults);
    struct scenario *s = load_text(text, sets, n);
    run_one(r, s, 0, res);
    return s;
}

/* Both hosts refuse from 0 for ever (at = 0, no for). R35: a message is returned only
 * once it is maximal_queue_lifetime (5d) old; the default drain (1d) ends first, and
 * the run goes on to its end because mail is in flight (docs/scenario.md, drain). So
 * all 600 are queued at the end, none delivered or bounced, the run ends at exactly
 * duration + drain = 600 s + 86400 s, and each host refused at least the first
 * delivery (a, then b: R18). */
Test(limits, all_mx_refusing_for_ever_leaves_every_message_queued)
{
    struct run r;
    struct run_result res;
    struct scenario *s = run_down("[fault fa]\ntarget = a\nmode = refused\nat = 0\n"
                                  "[fault fb]\ntarget = b\nmode = refused\nat = 0\n",
                                  NULL, 0, &r, &res);
    cr_assert_eq(res.messages, MESSAGES);
    cr_assert_eq(res.delivered, 0);
    cr_assert_eq(res.bounced, 0);
    cr_assert_eq(res.queued_at_end, MESSAGES);
    cr_assert_eq(res.end_time, 600.0 + 86400.0);
    cr_assert_eq(res.server[0].accepted + res.server[1].accepted, 0);
    cr_assert_geq(res.server[0].refused, 1);
    cr_assert_geq(res.server[1].refused, 1);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* a black-holed, b refusing, both for ever, with a drain (6d) longer than the
 * lifetime. R35: each message bounces at its first failed attempt at or after
 * maximal_queue_lifetime (5d = 432000 s), up to maximal_backoff_time (4000 s) +
 * queue_run_delay (300 s) later, plus the attempt itself (a's smtp_connect_timeout,
 * 30 s, R19; b refuses at once). So all 600 bounce, none is delivered or left, and
 * the run ends when the last one (arrived at 599 s) bounces: in [599 + 432000,
 * 600 + 432000 + 4000 + 300 + 30] s, well before the drain's end. R35 "0 means try
 * once": with maximal_queue_lifetime = 0 every message bounces after one attempt at
 * most, so the run ends within 600 + 30 s and attempts per message are at most 1. */
Test(limits, all_mx_down_for_ever_bounces_at_maximal_queue_lifetime)
{
    static const char faults[] = "[fault fa]\ntarget = a\nmode = blackhole\nat = 0\n"
                                 "[fault fb]\ntarget = b\nmode = refused\nat = 0\n";
    const char *sets[] = {"simulation.drain=6d", "sender s.maximal_queue_lifetime=0"};
    struct run r;
    struct run_result res;
    struct scenario *s = run_down(faults, sets, 1, &r, &res);
    cr_assert_eq(res.messages, MESSAGES);
    cr_assert_eq(res.delivered, 0);
    cr_assert_eq(res.bounced, MESSAGES);
    cr_assert_eq(res.queued_at_end, 0);
    cr_assert(res.end_time >= 599.0 + 432000 && res.end_time <= 600.0 + 432000 + 4000 + 300 + 30,
              "ended at %.3f s", res.end_time);
    cr_assert_eq(res.server[0].accepted + res.server[1].accepted, 0);
    cr_assert_geq(res.server[0].timed_out, 1);
    cr_assert_geq(res.server[1].refused, 1);
    free(res.server);
    run_fini(&r);
    scen_free(s);

    s = run_down(faults, sets, 2, &r, &res);
    cr_assert_eq(res.bounced, MESSAGES);
    cr_assert_eq(res.delivered + res.queued_at_end, 0);
    cr_assert_leq(res.end_time, 600.0 + 30, "ended at %.3f s", res.end_time);
    cr_assert_leq(res.attempts_mean, 1.0);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}
