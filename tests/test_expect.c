/* test_expect.c -- [expect] lines and mxsim check: operators, units, ci, share(),
 * exact errors, exit codes and the JUnit report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

#include "expect.h"

Test(expect, parses_operators_units_and_ci)
{
    struct expect e;
    struct mx_err err = {0};
    cr_assert_eq(expect_parse("delay_p99 <= 10m ci", &e, &err), MX_OK, "%s", err.msg);
    cr_assert_str_eq(e.column, "delay_p99_mean");
    cr_assert_str_eq(e.ci_column, "delay_p99_ci95");
    cr_assert_eq(e.op, OP_LE);
    cr_assert_float_eq(e.bound, 600, 0);
    cr_assert(e.ci);
    cr_assert_eq(expect_parse("share(relay1)<0.6", &e, &err), MX_OK, "%s", err.msg);
    cr_assert_str_eq(e.column, "share_relay1_mean");
    cr_assert_eq(e.op, OP_LT);
    cr_assert_float_eq(e.bound, 0.6, 0);
    const char *ops[] = {"x > 1", "x >= 1", "x == 1", "x < 1", "x <= 1"};
    enum expect_op want[] = {OP_GT, OP_GE, OP_EQ, OP_LT, OP_LE};
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(expect_parse(ops[i], &e, &err), MX_OK);
        cr_assert_eq(e.op, want[i], "%s", ops[i]);
    }
    cr_assert_eq(expect_parse("delay_mean < 250ms", &e, &err), MX_OK);
    cr_assert_float_eq(e.bound, 0.25, 1e-12);
    /* accessors: p99(delay) is delay_p99, with the delay's units */
    cr_assert_eq(expect_parse("p99(delay) <= 5m ci", &e, &err), MX_OK, "%s", err.msg);
    cr_assert_str_eq(e.column, "delay_p99_mean");
    cr_assert_str_eq(e.ci_column, "delay_p99_ci95");
    cr_assert_float_eq(e.bound, 300, 0);
    cr_assert_eq(expect_parse("mean(attempts) < 1.5", &e, &err), MX_OK, "%s", err.msg);
    cr_assert_str_eq(e.column, "attempts_mean_mean");
    cr_assert_eq(expect_parse("utilization(relay2) < 0.8 ci", &e, &err), MX_OK, "%s", err.msg);
    cr_assert_str_eq(e.column, "utilization_relay2_mean");
    cr_assert_str_eq(e.ci_column, "utilization_relay2_ci95");
    cr_assert_eq(expect_parse("refused(relay1) == 0", &e, &err), MX_OK, "%s", err.msg);
    cr_assert_str_eq(e.column, "refused_relay1_mean");
    cr_assert_eq(expect_parse("p50(hop_delay) < 2s", &e, &err), MX_OK, "%s", err.msg);
    cr_assert_str_eq(e.column, "hop_delay_p50_mean");
    cr_assert_float_eq(e.bound, 2, 0);
}

Test(expect, bad_lines_say_what_was_expected)
{
    struct expect e;
    struct mx_err err = {0};
    cr_assert_eq(expect_parse("delay_p99 ~ 10m", &e, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "expected an operator <, <=, >, >= or == after delay_p99, got "
                              "\"delay_p99 ~ 10m\"");
    cr_assert_eq(expect_parse("delivered_fraction >= lots", &e, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "expected a number after delivered_fraction >=, got \"lots\"");
    cr_assert_eq(expect_parse("delay_p99 <= 10m maybe", &e, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "expected nothing or ci after the value, got \"maybe\"");
}

static int sh(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* check: exit 0 when all hold, 1 when one fails, 2 for an unknown metric; the
 * JUnit report has one test case per expectation. */
Test(expect, check_exit_codes_and_junit)
{
    FILE *f = fopen("/tmp/mxsim-expect.ini", "w");
    fputs("[simulation]\nduration = 10m\nreplications = 3\n"
          "[dns]\nrecord = d. 300 IN A 10.0.0.1\n"
          "[sender s]\n[server a]\naddress = 10.0.0.1\nsession_time = 200ms\n"
          "[traffic t]\nfrom = s\nto = d.\nrate = 1/s\n"
          "[expect]\ndelivered_fraction >= 0.999\ndelay_max <= 1s ci\nshare(a) == 1\n", f);
    fclose(f);
    cr_assert_eq(sh(MXSIM_BINARY " check /tmp/mxsim-expect.ini -o /tmp/mxsim-expect "
                    "--junit /tmp/mxsim-expect/junit.xml >/dev/null 2>&1"), 0);
    FILE *j = fopen("/tmp/mxsim-expect/junit.xml", "r");
    cr_assert(j);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, j);
    buf[n] = '\0';
    fclose(j);
    cr_assert(strstr(buf, "<testsuite name=\"mxsim expect\" tests=\"3\" failures=\"0\" "
                          "errors=\"0\" skipped=\"0\" time=\"0\">"), "%s", buf);
    cr_assert(strstr(buf, "<testcase classname=\"point 0\" name=\"share(a) == 1\" "
                          "time=\"0\"></testcase>"), "%s", buf);
    /* the schema Jenkins, GitLab and GitHub reporters read (tests/junit.xsd) */
    cr_assert_eq(sh("xmllint --noout --schema " MXSIM_SOURCE_DIR "/tests/junit.xsd "
                    "/tmp/mxsim-expect/junit.xml 2>/dev/null"), 0);
    /* the same run, checked again from its directory, with a bound it misses */
    cr_assert_eq(sh(MXSIM_BINARY " check /tmp/mxsim-expect >/dev/null 2>&1"), 0);
    cr_assert_eq(sh(MXSIM_BINARY " check /tmp/mxsim-expect.ini -o /tmp/mxsim-expect "
                    "--set 'expect.delay_max <= 100ms' >/dev/null 2>&1"), 1);
    cr_assert_eq(sh(MXSIM_BINARY " check /tmp/mxsim-expect.ini -o /tmp/mxsim-expect "
                    "--set 'expect.delay_p98 <= 1s' >/dev/null 2>&1"), 2);
}
