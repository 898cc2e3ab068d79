/* mx.h -- project-wide base: simulated time, error reports, asserts, checked sizes.
 * Owns:   nothing at run time; only types and tiny helpers every module shares.
 * Invariants: mx_time is integer nanoseconds of simulated time, so ties are exact
 *   and sums are exact; a double becomes mx_time only through mx_time_from_s(). */
#ifndef MXSIM_MX_H
#define MXSIM_MX_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t mx_time; /* simulated nanoseconds */

#define MX_NS_PER_S INT64_C(1000000000)
#define MX_TIME_MAX INT64_MAX
/* Longest duration a scenario may name: 100 years. Past it, sums of times
 * could overflow int64 ns (292 years), so inputs are capped here. */
#define MX_TIME_CAP (INT64_C(100) * 365 * 86400 * MX_NS_PER_S)

/* The one place a double (seconds, from a GSL draw) becomes simulated time:
 * rounded to the nearest ns, saturating at MX_TIME_CAP and at 0 from below. */
mx_time mx_time_from_s(double s);
/* Wall-clock seconds from an arbitrary start (CLOCK_MONOTONIC): for elapsed times
 * (wall_seconds, progress), never for simulated time. */
double mx_wall_s(void);

static inline double mx_time_to_s(mx_time t)
{
    return (double)t / (double)MX_NS_PER_S;
}

enum mx_status {
    MX_OK = 0,
    MX_EINPUT,  /* bad scenario, zone, CSV or argument: exit 2 */
    MX_EIO,     /* I/O failure: exit 3 */
    MX_ENOMEM,  /* out of memory: exit 3 */
    MX_ELIMIT,  /* a --max-* limit was reached: exit 3 */
    MX_EINTR,   /* interrupted by a signal: exit 3 */
};

/* An error report: the layer that knows a fact fills it in (STYLE 5). */
struct mx_err {
    enum mx_status status;
    const char *file; /* scenario, zone or CSV path; NULL if none */
    int line;         /* 1-based; 0 = unknown */
    int col;          /* 1-based column in that line; 0 = unknown or the whole line */
    char where[80];   /* "[server relay1] process_limit" */
    char msg[200];    /* what was expected, what was found */
    char hint[64];    /* did-you-mean candidate, or "" */
    char file_buf[256]; /* holds file when the path's owner may be gone (mx_err_file) */
};

/* Points e->file at a copy of path kept inside e: for paths that live in memory
 * freed before the error is printed (a zone file named by a failed scenario). */
void mx_err_file(struct mx_err *e, const char *path);

int mx_fail(struct mx_err *e, enum mx_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats the report as one line: "FILE:LINE[:COL]: [section] key: msg (did you mean
 * "hint"?)" with the parts that are known. Returns buf. */
const char *mx_err_format(const struct mx_err *e, char *buf, size_t len);

/* The closest of n candidates to word, or NULL if none is close (edit distance at
 * most max(2, strlen(word) / 3)): the did-you-mean of every error (STYLE 5). */
const char *mx_nearest(const char *word, const char *const *cand, size_t n);

/* Exit code for a status: 2 for bad input, 3 for the environment. */
int mx_exit_code(enum mx_status s);

/* a + b for times >= 0, saturating at MX_TIME_MAX: an event that far away never
 * happens within a run (durations are capped at 100 years, but sums of several
 * capped values, e.g. latencies, could otherwise overflow int64). */
static inline mx_time mx_add(mx_time a, mx_time b)
{
    return a > MX_TIME_MAX - b ? MX_TIME_MAX : a + b;
}

/* Checked size arithmetic (Lua's luaM_testsize): false on overflow. */
static inline bool mx_mul_ok(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* malloc/realloc that abort on failure are deliberately absent: callers that
 * grow report MX_ENOMEM through struct mx_err. */

#define MX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
