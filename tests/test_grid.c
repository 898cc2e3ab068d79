/* test_grid.c -- sweep expressions (${...}): lists, ranges, named variables, the
 * order of points, and each syntax error with its exact message and column, alone
 * (grid.h) and through a scenario file (FILE:LINE:COL). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cli_util.h"
#include "grid.h"
#include "scen.h"

/* Scans each value in turn, seals, and returns the grid. */
static struct grid scan(const char *const *values, size_t n)
{
    struct grid g = {0};
    struct mx_err err = {0};
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(grid_scan(&g, values[i], "col", &at, &err), MX_OK, "%s: %s", values[i],
                     err.msg);
    cr_assert_eq(grid_seal(&g, &err), MX_OK, "%s", err.msg);
    return g;
}

static char *expand(const struct grid *g, const char *value, size_t *next, uint64_t point)
{
    struct mx_err err = {0};
    size_t at = 0;
    char *v = grid_expand(g, value, next, point, &at, &err);
    cr_assert(v, "%s: %s", value, err.msg);
    return v;
}

Test(grid, lists_and_ranges_keep_their_text)
{
    const char *values[] = {"${50, 100,200}", "${1..10 step 3}", "${10s..30s step 10s}",
                            "${0.1..0.3 step 0.1}", "${5..1 step -2}"};
    struct grid g = scan(values, 5);
    cr_assert_eq(g.n_var, 5);
    const char *want[][4] = {{"50", "100", "200"}, {"1", "4", "7", "10"}, {"10s", "20s", "30s"},
                             {"0.1", "0.2", "0.3"}, {"5", "3", "1"}};
    size_t lens[] = {3, 4, 3, 3, 3};
    for (size_t v = 0; v < 5; v++) {
        cr_assert_eq(g.var[v].n_value, lens[v], "variable %zu", v);
        for (size_t k = 0; k < lens[v]; k++)
            cr_assert_str_eq(g.var[v].value[k], want[v][k]);
    }
    cr_assert_eq(g.n_points, 3 * 4 * 3 * 3 * 3);
    grid_free(&g);
}

/* The cartesian product: the first variable varies slowest, as nested loops in
 * file order; point p is the mixed-radix number of the value indices. */
Test(grid, points_enumerate_the_product_first_variable_slowest)
{
    const char *values[] = {"${a, b}", "${1, 2, 3}"};
    struct grid g = scan(values, 2);
    cr_assert_eq(g.n_points, 6);
    const char *want[6][2] = {{"a", "1"}, {"a", "2"}, {"a", "3"},
                              {"b", "1"}, {"b", "2"}, {"b", "3"}};
    for (uint64_t p = 0; p < 6; p++) {
        cr_assert_str_eq(grid_value(&g, 0, p), want[p][0]);
        cr_assert_str_eq(grid_value(&g, 1, p), want[p][1]);
    }
    grid_free(&g);
}

/* A named variable drives other keys through $n and ${n}; a $name that is no
 * variable (Postfix's $default_destination_concurrency_limit) is left alone. */
Test(grid, named_variables_and_references)
{
    const char *values[] = {"relay-${n = 2, 3}.zone", "$n", "x${n}y",
                            "$default_destination_concurrency_limit"};
    struct grid g = scan(values, 4);
    cr_assert_eq(g.n_var, 1);
    cr_assert_str_eq(g.var[0].column, "n");
    size_t next = 0;
    char *a = expand(&g, values[0], &next, 1), *b = expand(&g, values[1], &next, 1),
         *c = expand(&g, values[2], &next, 1), *d = expand(&g, values[3], &next, 1);
    cr_assert_str_eq(a, "relay-3.zone");
    cr_assert_str_eq(b, "3");
    cr_assert_str_eq(c, "x3y");
    cr_assert_str_eq(d, "$default_destination_concurrency_limit");
    cr_assert_eq(next, 1);
    free(a), free(b), free(c), free(d);
    grid_free(&g);
}

/* Two unnamed expressions under one key name get distinct columns. */
Test(grid, columns_are_unique)
{
    struct grid g = {0};
    struct mx_err err = {0};
    size_t at;
    cr_assert_eq(grid_scan(&g, "${1, 2}", "dns.record", &at, &err), MX_OK);
    cr_assert_eq(grid_scan(&g, "${3, 4}", "dns.record", &at, &err), MX_OK);
    cr_assert_eq(grid_scan(&g, "${5, 6}", "dns.record", &at, &err), MX_OK);
    cr_assert_eq(grid_seal(&g, &err), MX_OK);
    cr_assert_str_eq(g.var[0].column, "dns.record");
    cr_assert_str_eq(g.var[1].column, "dns.record_2");
    cr_assert_str_eq(g.var[2].column, "dns.record_3");
    grid_free(&g);
}

static void scan_error(const char *value, size_t want_at, const char *want)
{
    struct grid g = {0};
    struct mx_err err = {0};
    size_t at = 99;
    cr_assert_eq(grid_scan(&g, value, "c", &at, &err), MX_EINPUT, "accepted %s", value);
    cr_assert_str_eq(err.msg, want);
    cr_assert_eq(at, want_at, "%s: at %zu", value, at);
    grid_free(&g);
}

Test(grid, syntax_errors_say_what_and_where)
{
    scan_error("x ${1, 2", 2, "this ${ has no closing }");
    scan_error("${1,,3}", 4, "expected a value here: ${...} lists are values separated by "
                             "commas");
    scan_error("${ }", 0, "expected values in ${...}, such as ${1, 2, 3} or ${1..10 step 3}");
    scan_error("${1..3 step 0}", 0, "step 0 never goes from 1 to 3");
    scan_error("${3..1}", 0, "step 1 never goes from 3 to 1");
    scan_error("${1s..3m}", 0, "expected the same unit on every number of a range, got \"s\", "
                               "\"m\"");
    scan_error("${a..3}", 2, "expected a number before .., got \"a\"");
    scan_error("${1..x}", 5, "expected a number after .., got \"x\"");
    scan_error("${1..9 step z}", 11, "expected a number after step, got \" z\"");
    scan_error("${1, ${2}}", 5, "a sweep expression cannot hold another: expected } before "
                                "this ${");
    scan_error("${1..1e9}", 0, "expected at most 100000 values in a range, got 1000000000");
    struct grid g = {0};
    struct mx_err err = {0};
    size_t at;
    cr_assert_eq(grid_scan(&g, "${n = 1, 2}", "c", &at, &err), MX_OK);
    cr_assert_eq(grid_scan(&g, "${n = 3}", "c", &at, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "the sweep variable n is defined twice; refer to it as $n");
    grid_free(&g);
}

/* 1e6 points at most: 1001 x 1000 is refused before anything runs. */
Test(grid, the_number_of_points_is_capped)
{
    struct grid g = {0};
    struct mx_err err = {0};
    size_t at;
    cr_assert_eq(grid_scan(&g, "${1..1001}", "a", &at, &err), MX_OK);
    cr_assert_eq(grid_scan(&g, "${1..1000}", "b", &at, &err), MX_OK);
    cr_assert_eq(grid_seal(&g, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "expected at most 1000000 points in a sweep, got more (the "
                              "product of the lists' lengths)");
    grid_free(&g);
}

/* ---- through a scenario file ---- */

static const char base[] = "[simulation]\n"
                           "duration = 10m\n"
                           "replications = 2\n"
                           "[dns]\n"
                           "record = example.jp. 300 IN MX 10 mail1.example.jp.\n"
                           "record = mail1.example.jp. 300 IN A 192.168.200.2\n"
                           "[sender internet]\n"
                           "[server mail1]\n"
                           "address = 192.168.200.2\n"
                           "%s\n"
                           "[traffic in]\n"
                           "from = internet\n"
                           "to = example.jp\n"
                           "rate = 5/s\n";

/* Loads base with line 10 replaced; returns the error with the path as "S". */
static int load(const char *line10, const char *const *sets, size_t n, uint64_t point,
                struct scenario **s, char *msg)
{
    char text[2000];
    snprintf(text, sizeof text, base, line10);
    const char *path = write_tmp(text);
    struct mx_err err = {0};
    int rc = scen_load_point(path, sets, n, point, s, &err);
    if (rc != MX_OK)
        err_as_s(&err, path, msg);
    unlink(path);
    return rc;
}

Test(grid, a_scenario_takes_the_values_of_its_point)
{
    struct scenario *s;
    char msg[700] = "";
    const char *sets[] = {"traffic in.rate=${r = 1/s, 2/s}"};
    cr_assert_eq(load("process_limit = ${10..30 step 10}", sets, 1, 4, &s, msg), MX_OK, "%s",
                 msg);
    cr_assert_eq(s->grid.n_points, 6);
    cr_assert_eq(s->point, 4);
    cr_assert_eq(s->servers[0].process_limit, 30); /* point 4 = (index 2, index 0) */
    cr_assert_float_eq(s->traffic[0].rate_per_s, 1.0, 0);
    cr_assert_str_eq(s->grid.var[0].column, "mail1.process_limit");
    cr_assert_str_eq(s->grid.var[1].column, "r");
    scen_free(s);
    cr_assert_eq(load("process_limit = ${10, 20}", NULL, 0, 2, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S: no point 2: the sweep has 2 (0 to 1)");
}

Test(grid, scenario_errors_point_at_file_line_column)
{
    struct scenario *s;
    char msg[700] = "";
    cr_assert_eq(load("process_limit = ${10,,20}", NULL, 0, 0, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S:10:22: [server mail1] process_limit: expected a value here: "
                          "${...} lists are values separated by commas");
    cr_assert_eq(load("  process_limit =   5${m}", NULL, 0, 0, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S:10:22: [server mail1] process_limit: no sweep variable m: define "
                          "it with ${m = ...}");
    cr_assert_eq(load("process_limit = ${n = 1, 2}\nbacklog = ${nn}", NULL, 0, 0, &s, msg),
                 MX_EINPUT);
    cr_assert_str_eq(msg, "S:11:11: [server mail1] backlog: no sweep variable nn: define it "
                          "with ${nn = ...}; did you mean \"n\"?");
    /* a swept value is checked like any other */
    cr_assert_eq(load("process_limit = ${1, 0}", NULL, 0, 1, &s, msg), MX_EINPUT);
    cr_assert(strstr(msg, "S:10: [server mail1] process_limit: expected") == msg, "%s", msg);
    /* --set: the column in the argument */
    const char *sets[] = {"server mail1.backlog=${4,}"};
    cr_assert_eq(load("", sets, 1, 0, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S--set server mail1.backlog: at column 26 of the argument: expected "
                          "a value here: ${...} lists are values separated by commas");
    const char *reps[] = {"simulation.replications=${2, 3}"};
    cr_assert_eq(load("", reps, 1, 0, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S--set simulation.replications: cannot be swept: every point of a "
                          "sweep runs the same number of replications");
}
