/* workers.h -- numbered tasks on worker processes that are forked once; the
 * results come back to the parent in task order, whatever order they finish in.
 *   A worker reads a task number from its socket, runs `work` on it (in the
 *   worker's own copy of the caller's memory: what work keeps in ctx stays for its
 *   next task) and sends back a fixed-size reply. The parent hands each reply to
 *   `deliver` in task order, at most `window` tasks after the first undelivered
 *   one, so its memory does not grow with the number of tasks. A worker that dies
 *   fails the one task it was doing (deliver gets NULL and how it died) and is
 *   replaced. mxsim sweep runs its runs this way, mxsim run -j its replications.
 * Owns:   the worker processes and their replies in flight.
 * Calls:  fork, socketpair, poll; work in the workers, deliver in the parent. */
#ifndef MXSIM_WORKERS_H
#define MXSIM_WORKERS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "mx.h"

enum { WORKERS_MAX = 256 };

struct workers {
    long jobs;        /* worker processes, 1 to WORKERS_MAX */
    size_t reply_len; /* bytes of every reply */
    uint64_t window;  /* tasks between dispatch and delivery, >= jobs */
    bool trim;        /* give the heap back (malloc_trim) after each task */
    /* In a worker: does task t and fills reply (reply_len bytes, zeroed). */
    void (*work)(void *ctx, uint64_t t, void *reply);
    /* In the parent, in task order: the reply, or NULL and how the worker died
     * ("died: killed by signal 9 (Killed)"). Anything but MX_OK stops the pool. */
    int (*deliver)(void *ctx, uint64_t t, const void *reply, const char *death,
                   struct mx_err *err);
    /* In the parent, after each delivery, if set: tasks delivered, tasks running. */
    void (*progress)(void *ctx, uint64_t delivered, long running);
    void *ctx;
    /* Set by a signal handler: workers_run stops the workers and returns MX_EINTR. */
    const volatile sig_atomic_t *interrupt;
};

/* Runs tasks [lo, hi). MX_OK when every task was delivered. A task whose number is
 * in the environment variable MXSIM_TEST_KILL_RUN makes its worker raise SIGKILL
 * (for the tests of dead workers). */
int workers_run(const struct workers *w, uint64_t lo, uint64_t hi, struct mx_err *err);

#endif
