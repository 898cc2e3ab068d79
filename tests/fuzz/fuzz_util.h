/* fuzz_util.h -- what the libFuzzer harnesses share: CHECK, which aborts (a crash
 * libFuzzer records) with the harness's name and the failed condition, and the
 * per-process temporary file a harness writes its input to. */
#ifndef MXSIM_FUZZ_UTIL_H
#define MXSIM_FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#ifndef FUZZ_NAME
#error "define FUZZ_NAME (\"fuzz_zone\", ...) before including fuzz_util.h"
#endif

#define CHECK(c)                                                                        \
    do {                                                                                \
        if (!(c)) {                                                                     \
            fprintf(stderr, FUZZ_NAME ": check failed: %s (line %d)\n", #c, __LINE__);  \
            abort();                                                                    \
        }                                                                               \
    } while (0)

static char fuzz_path[96];

static inline void fuzz_cleanup(void)
{
    unlink(fuzz_path);
}

/* /tmp/mxsim-FUZZ_NAME.PID.ext, removed at exit; GSL errors come back as codes. */
static inline void fuzz_init_file(const char *ext)
{
    gsl_set_error_handler_off();
    snprintf(fuzz_path, sizeof fuzz_path, "/tmp/mxsim-%s.%ld.%s", FUZZ_NAME, (long)getpid(),
             ext);
    atexit(fuzz_cleanup);
}

#endif
