/* test_traffic.c -- arrivals: rate profiles (thinning) and replayed traces. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "scenario_util.h"
#include "series.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(traffic, .init = setup);

static const char base[] =
    "[simulation]\nduration = 2h\n"
    "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
    "[sender s]\n[server a]\naddress = 10.0.0.1\nprocess_limit = 1000\nsession_time = 100ms\n";

/* A profile of 1 for the first hour and 3 for the second, at 1/s: 4 h worth of mean
 * arrivals, 14400; Poisson sd 120; allow 5 sd = 600. Without the profile: 7200. */
Test(traffic, profile_scales_the_rate_piecewise)
{
    write_file("/tmp/mxsim-profile.csv", "time,multiplier\n0,1\n1h,3\n2h,1\n");
    char text[2048];
    snprintf(text, sizeof text, "%s[traffic t]\nfrom = s\nto = d.\nrate = 1/s\n"
                                "profile = /tmp/mxsim-profile.csv\n", base);
    struct scenario *s = load_text(text, NULL, 0);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert(fabs((double)res.messages - 14400) <= 600, "%llu messages",
              (unsigned long long)res.messages);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* A trace replays its times exactly; a header row is skipped; times past the
 * duration are not used. */
Test(traffic, trace_replays_arrival_times)
{
    write_file("/tmp/mxsim-trace-in.csv", "time\n0\n1.5\n2s\n1m\n3h\n");
    char text[2048];
    snprintf(text, sizeof text, "%s[traffic t]\nfrom = s\nto = d.\n"
                                "arrivals = trace(/tmp/mxsim-trace-in.csv)\n", base);
    struct scenario *s = load_text(text, NULL, 0);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_eq(res.messages, 4); /* 3h is past the 2h duration */
    cr_assert_eq(r.totals.delay.max, mx_time_from_s(0.1));
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* Bad rows are reported with the file and line; out-of-order times are an error. */
Test(traffic, bad_traces_and_profiles_name_file_and_line)
{
    char text[2048];
    struct scenario *s = NULL;
    struct mx_err err = {0};
    char buf[600];
    write_file("/tmp/mxsim-bad-trace.csv", "0\n5\n3\n");
    snprintf(text, sizeof text, "%s[traffic t]\nfrom = s\nto = d.\n"
                                "arrivals = trace(/tmp/mxsim-bad-trace.csv)\n", base);
    write_file("/tmp/mxsim-t.ini", text);
    cr_assert_eq(scen_load("/tmp/mxsim-t.ini", NULL, 0, &s, &err), MX_EINPUT);
    cr_assert_str_eq(mx_err_format(&err, buf, sizeof buf),
                     "/tmp/mxsim-bad-trace.csv:3: expected times in order, got 3 s after 5 s");
    /* line numbers count physical lines: blank lines and CRLF endings included */
    write_file("/tmp/mxsim-bad-trace.csv", "time\r\n0\r\n\r\n5\r\n\n3\r\n");
    err = (struct mx_err){0};
    cr_assert_eq(scen_load("/tmp/mxsim-t.ini", NULL, 0, &s, &err), MX_EINPUT);
    cr_assert_str_eq(mx_err_format(&err, buf, sizeof buf),
                     "/tmp/mxsim-bad-trace.csv:6: expected times in order, got 3 s after 5 s");
    write_file("/tmp/mxsim-bad-profile.csv", "0,1\n1h,lots\n2h,1\n");
    snprintf(text, sizeof text, "%s[traffic t]\nfrom = s\nto = d.\nrate = 1/s\n"
                                "profile = /tmp/mxsim-bad-profile.csv\n", base);
    write_file("/tmp/mxsim-t.ini", text);
    err = (struct mx_err){0};
    cr_assert_eq(scen_load("/tmp/mxsim-t.ini", NULL, 0, &s, &err), MX_EINPUT);
    cr_assert_str_eq(mx_err_format(&err, buf, sizeof buf),
                     "/tmp/mxsim-bad-profile.csv:2: expected a number >= 0, got \"lots\"");
    snprintf(text, sizeof text, "%s[traffic t]\nfrom = s\nto = d.\narrivals = tracee(x.csv)\n",
             base);
    write_file("/tmp/mxsim-t.ini", text);
    err = (struct mx_err){0};
    cr_assert_eq(scen_load("/tmp/mxsim-t.ini", NULL, 0, &s, &err), MX_EINPUT);
    cr_assert_str_eq(mx_err_format(&err, buf, sizeof buf),
                     "/tmp/mxsim-t.ini:13: [traffic t] arrivals: expected poisson, constant or "
                     "trace(FILE.csv), got \"tracee(x.csv)\"");
}

/* trace_columns = time, NAME...: each row's later columns are read as durations,
 * in the key's order (each message's own values, test_scenario_qmgr.c); an empty
 * field is no value (the draw); a row without them, or with something else there,
 * is an error at its file:line; the key's value is checked column by column (a
 * did-you-mean gives the column; a value too long to read says how long), and the
 * key only goes with a trace (reported at its line). */
Test(traffic, trace_columns_reads_each_rows_own_values)
{
    char text[2048], buf[600];
    struct scenario *s = NULL;
    struct mx_err err = {0};
    snprintf(text, sizeof text, "%s[traffic t]\nfrom = s\nto = d.\n"
                                "arrivals = trace(/tmp/mxsim-wait-trace.csv)\n"
                                "trace_columns = time , delivery_agent_delay\n", base);
    write_file("/tmp/mxsim-t.ini", text);
    write_file("/tmp/mxsim-wait-trace.csv", "time,delivery_agent_delay\n0,50ms\n1,0.2\n2\n");
    cr_assert_eq(scen_load("/tmp/mxsim-t.ini", NULL, 0, &s, &err), MX_EINPUT);
    cr_assert_str_eq(mx_err_format(&err, buf, sizeof buf),
                     "/tmp/mxsim-wait-trace.csv:4: expected two columns, time and "
                     "delivery_agent_delay");
    write_file("/tmp/mxsim-wait-trace.csv", "0,50ms\n1,slow\n");
    err = (struct mx_err){0};
    cr_assert_eq(scen_load("/tmp/mxsim-t.ini", NULL, 0, &s, &err), MX_EINPUT);
    cr_assert_str_eq(mx_err_format(&err, buf, sizeof buf),
                     "/tmp/mxsim-wait-trace.csv:2: expected a delivery_agent_delay such as 50ms "
                     "or 0.2, got \"slow\"");
    /* with trace_columns = time (the default) the second column is ignored, as
     * without the key */
    const char *no_key = "traffic t.trace_columns=time";
    err = (struct mx_err){0};
    cr_assert_eq(scen_load("/tmp/mxsim-t.ini", &no_key, 1, &s, &err), MX_OK, "%s", err.msg);
    cr_assert_eq(s->traffic[0].n_own, 0);
    scen_free(s);
    write_file("/tmp/mxsim-wait-trace.csv", "time,delivery_agent_delay\n0,50ms\n1,0.2\n");
    cr_assert_eq(scen_load("/tmp/mxsim-t.ini", NULL, 0, &s, &err), MX_OK, "%s", err.msg);
    cr_assert_eq(s->traffic[0].n_own, 1);
    cr_assert_eq(s->traffic[0].own_kind[0], SCEN_OWN_AGENT_WAIT);
    scen_free(s);
    /* three columns, in the key's order, not the enum's; a short row names them all */
    const char *three = "traffic t.trace_columns=time, session_time,connect_latency";
    write_file("/tmp/mxsim-wait-trace.csv", "0,5ms,1ms\n1,,2ms\n2,7ms\n");
    err = (struct mx_err){0};
    cr_assert_eq(scen_load("/tmp/mxsim-t.ini", &three, 1, &s, &err), MX_EINPUT);
    cr_assert_str_eq(mx_err_format(&err, buf, sizeof buf),
                     "/tmp/mxsim-wait-trace.csv:3: expected three columns, time, session_time "
                     "and connect_latency");
    write_file("/tmp/mxsim-wait-trace.csv", "0,5ms,1ms\n1,,2ms\n");
    err = (struct mx_err){0};
    cr_assert_eq(scen_load("/tmp/mxsim-t.ini", &three, 1, &s, &err), MX_OK, "%s", err.msg);
    cr_assert_eq(s->traffic[0].n_own, 2);
    cr_assert_eq(s->traffic[0].own_kind[0], SCEN_OWN_SESSION);
    cr_assert_eq(s->traffic[0].own_kind[1], SCEN_OWN_CONNECT);
    struct series sr;
    cr_assert_eq(series_open(&sr, "/tmp/mxsim-wait-trace.csv", SERIES_TIMES, &err), MX_OK);
    series_columns(&sr, s->traffic[0].own_name, s->traffic[0].n_own);
    struct series_row row;
    bool got;
    cr_assert_eq(series_next(&sr, &row, &got, &err), MX_OK);
    cr_assert(got && row.t == 0 && row.own[0] == 5000000 && row.own[1] == 1000000);
    cr_assert_eq(series_next(&sr, &row, &got, &err), MX_OK);
    cr_assert(got && row.own[0] == -1 && row.own[1] == 2000000); /* empty: the draw */
    series_close(&sr);
    scen_free(s);
    char long_set[400]; /* time, then a 300-character name: too long to read */
    snprintf(long_set, sizeof long_set, "traffic t.trace_columns=time,%0300d", 0);
    struct { const char *set, *msg; } bad[] = {
        {"traffic t.trace_columns=time,delivery_agent_dely",
         "--set traffic t.trace_columns: expected time, then any of delivery_agent_delay, "
         "connect_latency, rset_latency and session_time, got \"delivery_agent_dely\"; "
         "did you mean \"delivery_agent_delay\"?"},
        {"traffic t.trace_columns=time,",
         "--set traffic t.trace_columns: expected a column name after each comma, got none "
         "in \"time,\""},
        {"traffic t.trace_columns=tim, session_time",
         "--set traffic t.trace_columns: expected time as the first column, got \"tim\"; "
         "did you mean \"time\"?"},
        {"traffic t.trace_columns=time, session_time, rset_latency, session_time",
         "--set traffic t.trace_columns: expected each column once, got \"session_time\" "
         "twice"},
        {long_set, "--set traffic t.trace_columns: expected a list of at most 255 characters, "
                   "got 305"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = (struct mx_err){0};
        cr_assert_eq(scen_load("/tmp/mxsim-t.ini", &bad[i].set, 1, &s, &err), MX_EINPUT);
        cr_assert_str_eq(mx_err_format(&err, buf, sizeof buf), bad[i].msg);
    }
    snprintf(text, sizeof text, "%s[traffic t]\nfrom = s\nto = d.\nrate = 1/s\n"
                                "trace_columns = time, delivery_agent_delay\n", base);
    write_file("/tmp/mxsim-t.ini", text);
    err = (struct mx_err){0};
    cr_assert_eq(scen_load("/tmp/mxsim-t.ini", NULL, 0, &s, &err), MX_EINPUT);
    cr_assert_str_eq(mx_err_format(&err, buf, sizeof buf),
                     "/tmp/mxsim-t.ini:14: [traffic t] trace_columns: trace_columns goes with "
                     "arrivals = trace(FILE.csv)");
    unlink("/tmp/mxsim-t.ini");
    unlink("/tmp/mxsim-wait-trace.csv");
}
