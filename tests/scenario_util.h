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
