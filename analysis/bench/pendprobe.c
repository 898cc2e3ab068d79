/* pendprobe.c -- how many events are pending in a run of a scenario, on average.
 *
 *   mxsim-pendprobe SCENARIO [--seed N] [--set KEY=VALUE]...
 *
 * mxsim does not report the size of its pending-event set (loop.h keeps the evq;
 * evq_len reads it, nothing prints it), so this runs replication 0 of the scenario
 * the way `mxsim run` does (run_init, then run_exec's two loop_run calls: arrivals,
 * then the drain while messages are in flight) in slices of STEP events
 * (loop.max_events), and reads evq_len between slices. The run is the same as
 * mxsim's (same seed, same events; only the timeseries sampler, one pending
 * event at most, is left out). Prints one line of key=value pairs:
 *   pending_mean     mean over events of the pending count (sampled every STEP
 *                    events): what the heap's sift depth sees;
 *   pending_tmean    time-weighted mean over simulated time (same samples);
 *   pending_max      the largest sample; events, messages as in summary.csv.
 * Not timed: the timing comes from mxsim itself (analysis/bench/run.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "run.h"
#include "scen.h"

#define STEP 64
#define MAX_SETS 64

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    const char *path = NULL, *sets[MAX_SETS];
    size_t n_set = 0;
    unsigned long long seed = 0;
    int have_seed = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && n_set < MAX_SETS)
            sets[n_set++] = argv[++i];
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10), have_seed = 1;
        else if (!path && argv[i][0] != '-')
            path = argv[i];
        else {
            fprintf(stderr, "usage: mxsim-pendprobe SCENARIO [--seed N] [--set K=V]...\n");
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: mxsim-pendprobe SCENARIO [--seed N] [--set K=V]...\n");
        return 2;
    }
    struct scenario *s = NULL;
    struct mx_err err = {0};
    char buf[600];
    int rc = scen_load(path, sets, n_set, &s, &err);
    if (rc != MX_OK) {
        fprintf(stderr, "mxsim-pendprobe: %s\n", mx_err_format(&err, buf, sizeof buf));
        return mx_exit_code(rc);
    }
    struct run r;
    rc = run_init(&r, s, have_seed ? seed : s->sim.seed, 0, 0, &err);
    if (rc != MX_OK) {
        fprintf(stderr, "mxsim-pendprobe: %s\n", mx_err_format(&err, buf, sizeof buf));
        scen_free(s);
        return mx_exit_code(rc);
    }
    double sum = 0, tsum = 0, samples = 0;
    size_t max = 0;
    mx_time last_t = 0;
    for (int phase = 0; phase < 2 && rc == MX_OK; phase++) {
        if (phase == 1 && (r.loop.stop || r.msgs.live == 0))
            break;
        mx_time until = phase == 0 ? r.end_of_arrivals : r.end_of_drain;
        for (;;) {
            r.loop.max_events = r.loop.events + STEP;
            rc = loop_run(&r.loop, until);
            size_t n = evq_len(&r.loop.q);
            mx_time now = loop_now(&r.loop);
            sum += (double)n;
            samples++;
            tsum += (double)n * (double)(now - last_t);
            last_t = now;
            if (n > max)
                max = n;
            if (rc != MX_ELIMIT)
                break;
            rc = MX_OK;
        }
    }
    if (rc != MX_OK) {
        fprintf(stderr, "mxsim-pendprobe: run stopped with status %d\n", rc);
        run_fini(&r);
        scen_free(s);
        return 3;
    }
    run_check(&r);
    printf("pendprobe events=%llu messages=%llu pending_mean=%.1f pending_tmean=%.1f "
           "pending_max=%zu end_time=%.3f\n",
           (unsigned long long)r.loop.events, (unsigned long long)r.totals.messages,
           samples ? sum / samples : 0, last_t > 0 ? tsum / (double)last_t : 0, max,
           mx_time_to_s(loop_now(&r.loop)));
    run_fini(&r);
    scen_free(s);
    return 0;
}
