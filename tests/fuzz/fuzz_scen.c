/* fuzz_scen.c -- libFuzzer harness for scen_load (sim/scen.h), then a short run.
 *
 * Input: a scenario INI file. Lines that begin with "--set " are taken out of the
 * file and passed to scen_load as --set overrides (at most FUZZ_MAX_SETS), so one
 * input covers both the file parser (inih, units, dist, [dns] records through
 * ldns) and apply_set. A line "--file NAME" starts a side file: the lines up to
 * "--end" (or the end of the input) are written to NAME next to the scenario (at
 * most FUZZ_MAX_FILES; NAME of letters, digits, '.', '_', '-'), for
 * "zone = NAME", "profile = NAME" and "arrivals = trace(NAME)": the zone file,
 * profile and trace parsers (ldns, libcsv in series.c) get fuzzed content too.
 * The rest is written to a fixed per-process path and loaded. "zone = z.zone"
 * names a small valid zone, made once at start-up.
 *
 * After a successful load, when the scenario is small enough (see run_ok), one
 * replication is built with run_init and run for at most FUZZ_MAX_EVENTS events,
 * with run_check's invariants asserted afterwards and run_result's figures checked
 * (check_result), and no message may be left in flight once no event is pending
 * (a lost event): odd-but-valid scenarios fuzz the model too. Every failed load
 * formats its error report (mx_err_format), which catches reports that point at
 * freed memory. MXSIM_FUZZ_VERBOSE=1 prints what became of each input.
 *
 * Build: see tests/fuzz/run.sh. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "mx.h"
#include "run.h"
#include "scen.h"

#define FUZZ_NAME "fuzz_scen"
#include "fuzz_util.h"

#define FUZZ_MAX_SETS 8
#define FUZZ_MAX_FILES 4
#define FUZZ_MAX_EVENTS 20000
#define FUZZ_MAX_INSTANCES 1000 /* over all senders */

#ifdef FUZZ_GUARD_DIRS
/* Known bug (tests/fuzz/README.md, bug 1): zone_add_file loops for ever on a path
 * that opens but cannot be read as a file, such as "zone = ." (a directory). While
 * sim/ has that bug, run.sh links with -Wl,--wrap=fopen and this wrapper refuses
 * to open anything but a regular file for reading, so the campaign can go past
 * it. Build with FUZZ_GUARD_DIRS=0 (run.sh) to see the hang. */
FILE *__real_fopen(const char *p, const char *mode);
FILE *__wrap_fopen(const char *p, const char *mode);
FILE *__wrap_fopen(const char *p, const char *mode)
{
    struct stat st;
    if (mode[0] == 'r' && stat(p, &st) == 0 && !S_ISREG(st.st_mode)) {
        errno = EISDIR;
        return NULL;
    }
    return __real_fopen(p, mode);
}
#endif

static char dir[64], path[96], zpath[96];
static bool verbose; /* MXSIM_FUZZ_VERBOSE=1: say what became of each input */

static void cleanup(void)
{
    unlink(path);
    unlink(zpath);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    gsl_set_error_handler_off();
    verbose = getenv("MXSIM_FUZZ_VERBOSE") != NULL;
    snprintf(dir, sizeof dir, "/tmp/mxsim-fuzz-scen.%ld", (long)getpid());
    snprintf(path, sizeof path, "%s/s.ini", dir);
    snprintf(zpath, sizeof zpath, "%s/z.zone", dir);
    mkdir(dir, 0700);
    FILE *f = fopen(zpath, "w");
    if (!f) {
        perror(zpath);
        abort();
    }
    fputs("$ORIGIN z.example.\n$TTL 300\n@ IN MX 10 mx1\n@ IN MX 20 mx2\n"
          "mx1 IN A 192.0.2.1\nmx2 IN A 192.0.2.2\nmx2 IN AAAA 2001:db8::2\n"
          "alias IN CNAME mx1\n",
          f);
    fclose(f);
    atexit(cleanup);
    return 0;
}

/* A run is affordable: few instances (each has a GSL stream and maybe a private
 * resolver), and run_init's tables are bounded by the input size otherwise. */
static bool run_ok(const struct scenario *s)
{
    long inst = 0;
    for (size_t k = 0; k < s->n_senders; k++) {
        if (s->senders[k].instances > FUZZ_MAX_INSTANCES)
            return false;
        inst += s->senders[k].instances;
    }
    return inst <= FUZZ_MAX_INSTANCES;
}


static bool frac(double x)
{
    return x >= 0 && x <= 1;
}

/* What any run's results must satisfy, whatever the scenario. */
static void check_result(const struct scenario *s, const struct run_result *res)
{
    CHECK(res->messages == res->delivered + res->bounced + res->queued_at_end);
    CHECK(frac(res->delivered_fraction) && frac(res->timeout_fraction) &&
          frac(res->reused_fraction));
    CHECK(res->delay_p50 >= 0 && res->delay_p50 <= res->delay_p90 &&
          res->delay_p90 <= res->delay_p99 && res->delay_max >= 0);
    CHECK(res->attempts_mean >= 0 && res->suspended <= res->deferrals);
    CHECK(res->end_time >= 0 &&
          res->end_time <= mx_time_to_s(s->sim.duration) + mx_time_to_s(s->sim.drain) + 1e-6);
    double share = 0;
    for (size_t k = 0; k < s->n_servers; k++) {
        const struct run_server_result *v = &res->server[k];
        CHECK(frac(v->share) && v->utilization >= 0 && v->utilization <= 1 + 1e-9);
        CHECK(v->peak_sessions <= (uint64_t)s->servers[k].process_limit);
        share += v->share;
    }
    CHECK(share == 0 || (share > 1 - 1e-9 && share < 1 + 1e-9));
}

static void run_one(const struct scenario *s)
{
    struct run r;
    struct mx_err err = {0};
    int rc = run_init(&r, s, s->sim.seed, 0, 0, &err);
    if (rc == MX_OK) {
        r.loop.max_events = FUZZ_MAX_EVENTS;
        rc = run_exec(&r, &err);
        if (verbose)
            fprintf(stderr, "fuzz_scen: run: rc %d, %llu events, %llu messages, t %.3f s\n", rc,
                    (unsigned long long)r.loop.events, (unsigned long long)r.totals.messages,
                    mx_time_to_s(loop_now(&r.loop)));
        /* Every live message waits for an event (docs/architecture.md, "How a message
         * flows", 6), directly or behind one that does: a run that ran out of events
         * with messages still in flight has lost some (docs/robustness.md). */
        if (rc == MX_OK && loop_idle(&r.loop) && r.msgs.live > 0) {
            fprintf(stderr, "fuzz_scen: check failed: %u messages in flight, no event pending\n",
                    (unsigned)r.msgs.live);
            abort();
        }
        if (rc == MX_OK || rc == MX_ELIMIT) {
            run_check(&r);
            struct run_result res = {0};
            res.server = calloc(s->n_servers + 1, sizeof *res.server);
            if (res.server) {
                run_result(&r, &res);
                check_result(s, &res);
            }
            free(res.server);
        }
    }
    run_fini(&r);
}

/* A side file's name: a plain file name, not the scenario's or the zone's. */
static bool side_name(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
              (p[i] >= '0' && p[i] <= '9') || p[i] == '.' || p[i] == '_' || p[i] == '-'))
            return false;
    return !(n == 1 && p[0] == '.') && !(n == 2 && memcmp(p, "..", 2) == 0) &&
           !(n == 5 && memcmp(p, "s.ini", 5) == 0) && !(n == 6 && memcmp(p, "z.zone", 6) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* No device or proc files through "zone = ...": they could block or never end. */
    if (memmem(data, size, "/dev", 4) || memmem(data, size, "/proc", 5) ||
        memmem(data, size, "/sys", 4))
        return 0;
    char *text = malloc(size + 1), *sets_buf = malloc(size + 1);
    if (!text || !sets_buf) {
        free(text), free(sets_buf);
        return 0;
    }
    const char *sets[FUZZ_MAX_SETS];
    char files[FUZZ_MAX_FILES][96];
    size_t n_set = 0, n_file = 0, nt = 0, ns = 0;
    FILE *side = NULL; /* the side file being written, or NULL */
    for (size_t i = 0; i < size;) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t len = nl ? (size_t)(nl - (data + i)) + 1 : size - i;
        const char *line = (const char *)data + i;
        size_t body = len - (nl != NULL); /* without the newline */
        if (side) {
            if (body == 5 && memcmp(line, "--end", 5) == 0) {
                fclose(side);
                side = NULL;
            } else {
                fwrite(line, 1, len, side);
            }
        } else if (n_set < FUZZ_MAX_SETS && len >= 6 && memcmp(line, "--set ", 6) == 0 &&
                   !memchr(line, '\0', len)) {
            memcpy(sets_buf + ns, line + 6, body - 6);
            sets_buf[ns + body - 6] = '\0';
            sets[n_set++] = sets_buf + ns;
            ns += body - 6 + 1;
        } else if (body > 7 && body <= 7 + 32 && memcmp(line, "--file ", 7) == 0 &&
                   side_name(line + 7, body - 7) && n_file < FUZZ_MAX_FILES) {
            snprintf(files[n_file], sizeof files[n_file], "%s/%.*s", dir, (int)(body - 7),
                     line + 7);
            if (!(side = fopen(files[n_file++], "w")))
                abort();
        } else {
            memcpy(text + nt, line, len);
            nt += len;
        }
        i += len;
    }
    if (side)
        fclose(side);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fwrite(text, 1, nt, f);
    fclose(f);

    struct scenario *s = NULL;
    struct mx_err err = {0};
    char buf[600];
    int rc = scen_load(path, sets, n_set, &s, &err);
    if (rc == MX_OK) {
        for (size_t i = 0; i < s->n_warnings; i++)
            (void)strlen(s->warnings[i]);
        if (run_ok(s))
            run_one(s);
        else if (verbose)
            fprintf(stderr, "fuzz_scen: loaded; too large to run\n");
        scen_free(s);
    } else {
        if (s)
            abort(); /* *out is set only on success */
        if (rc != MX_EINPUT && rc != MX_ENOMEM && rc != MX_EIO)
            abort(); /* bad input, memory or a file that cannot be read; never a limit */
        if ((int)err.status != rc)
            abort(); /* the report says what the return value says */
        mx_err_format(&err, buf, sizeof buf);
        if (verbose)
            fprintf(stderr, "fuzz_scen: %s\n", buf);
    }
    unlink(path);
    for (size_t i = 0; i < n_file; i++)
        unlink(files[i]);
    free(text), free(sets_buf);
    return 0;
}
