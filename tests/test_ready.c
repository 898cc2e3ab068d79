/* test_ready.c -- every ready scenario loads and runs (shortened to 10 minutes of
 * arrivals), keeping every invariant: the files users start from must work. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "scenario_util.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(ready, .init = setup);

static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert(d, "%s", dir);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".ini") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        const char *sets[] = {"simulation.duration=10m", "simulation.drain=1h"};
        struct scenario *s = NULL;
        struct mx_err err = {0};
        char buf[600];
        cr_assert_eq(scen_load(path, sets, 2, &s, &err), MX_OK, "%s",
                     mx_err_format(&err, buf, sizeof buf));
        struct run r;
        struct run_result res;
        run_one(&r, s, 0, &res);
        cr_assert_gt(res.messages, 0, "%s", path);
        free(res.server);
        run_fini(&r);
        scen_free(s);
        n++;
    }
    closedir(d);
    return n;
}

Test(ready, every_scenario_loads_and_runs)
{
    cr_assert_geq(run_dir(MXSIM_SOURCE_DIR "/scenarios"), 7);
    cr_assert_geq(run_dir(MXSIM_SOURCE_DIR "/scenarios/testbed"), 3);
    cr_assert_geq(run_dir(MXSIM_SOURCE_DIR "/analysis/bench"), 1);
}
