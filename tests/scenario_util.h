/* scenario_util.h -- helpers for end-to-end tests: load a scenario from text, run
 * one replication, read its results. Included by tests/test_scenario_*.c only. */
#ifndef MXSIM_TEST_SCENARIO_UTIL_H
#define MXSIM_TEST_SCENARIO_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "run.h"
#include "scen.h"

static inline struct scenario *load_text(const char *text, const char *const *sets, size_t n)
{
    char path[] = "/tmp/mxsim-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    struct scenario *s = NULL;
    struct mx_err err = {0};
    char buf[600];
    int rc = scen_load(path, sets, n, &s, &err);
    unlink(path);
    cr_assert_eq(rc, MX_OK, "%s", mx_err_format(&err, buf, sizeof buf));
    return s;
}

/* Loads text and initialises its replication 0 with seed 1, for a test that drives
 * the loop itself (then run_fini and scen_free). */
static inline struct scenario *start_text(struct run *r, const char *text,
                                          const char *const *sets, size_t n)
{
    struct scenario *s = load_text(text, sets, n);
    struct mx_err err = {0};
    cr_assert_eq(run_init(r, s, 1, 0, 0, &err), MX_OK, "%s", err.msg);
    return s;
}

/* A file holding text, for a scenario, a zone or a trace. */
static inline void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

/* A trace file for arrivals = trace(path): a header, then one time a line. */
static inline void write_times(const char *path, const double *t, size_t n)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("time\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%.9g\n", t[i]);
    fclose(f);
}

/* Runs replication rep to the end, checks every invariant, fills res (res->server
 * is allocated here; free it). The run is left for the caller to inspect and
 * run_fini. */
static inline void run_one(struct run *r, const struct scenario *s, uint64_t rep,
                           struct run_result *res)
{
    struct mx_err err = {0};
    cr_assert_eq(run_init(r, s, s->sim.seed, 0, rep, &err), MX_OK, "%s", err.msg);
    cr_assert_eq(run_exec(r, &err), MX_OK, "%s", err.msg);
    run_check(r);
    res->server = calloc(s->n_servers, sizeof *res->server);
    run_result(r, res);
}

#endif
