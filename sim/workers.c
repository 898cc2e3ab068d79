/* workers.c -- see workers.h. Workers are forked once, not once a task: a fork, a
 * pipe and a reap per task cost the parent about 4.5 ms of serial work, a sixth of
 * a short sweep run (docs/performance.md). */
#include "workers.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A task between its dispatch and its delivery. */
struct slot {
    unsigned char *buf; /* the reply as it arrives; NULL: the slot is free */
    bool done;          /* complete, or its worker died: it waits to be delivered */
    char death[160];    /* how its worker died; "" when the reply is complete */
};

/* A worker process and our end of its socketpair. */
struct worker {
    pid_t pid; /* 0: none */
    int fd;
    bool busy;
    uint64_t task; /* the task it is doing, when busy */
    size_t got;    /* bytes of that task's reply read so far */
};

struct pool {
    const struct workers *w;
    struct slot *slot; /* ring of w->window slots, indexed by task % window */
    struct worker *wk;
    long n_wk, running;
    uint64_t hi, next, delivered;
};

/* ---- in a worker ---- */

/* Writes all of p, or ends the worker: the parent is gone and nothing is left to
 * tell it. */
static void send_all(int fd, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n) {
        ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            _exit(4);
        b += k, n -= (size_t)k;
    }
}

/* Reads one task number; false when the parent closed the socket (or broke it). */
static bool read_task(int fd, uint64_t *t)
{
    unsigned char *b = (unsigned char *)t;
    size_t n = sizeof *t;
    while (n) {
        ssize_t k = read(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        b += k, n -= (size_t)k;
    }
    return true;
}

static _Noreturn void worker_main(const struct workers *w, int fd)
{
    unsigned char *reply = malloc(w->reply_len);
    const char *kill_task = getenv("MXSIM_TEST_KILL_RUN");
    uint64_t t;
    if (!reply)
        _exit(5); /* the parent reports its task as died, exit status 5 */
    while (read_task(fd, &t)) {
        if (kill_task && strtoull(kill_task, NULL, 10) == t)
            raise(SIGKILL);
        memset(reply, 0, w->reply_len);
        w->work(w->ctx, t, reply);
        send_all(fd, reply, w->reply_len);
        if (w->trim)
            malloc_trim(0);
    }
    free(reply);
    _exit(0); /* no atexit handlers, no flush of the parent's stdio buffers */
}

/* ---- in the parent ---- */

static struct slot *slot_of(struct pool *p, uint64_t t)
{
    return &p->slot[t % p->w->window];
}

/* Starts worker i. */
static int spawn(struct pool *p, long i, struct mx_err *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return mx_fail(err, MX_EIO, "cannot make a socket for a worker: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]), close(sv[1]);
        return mx_fail(err, MX_EIO, "cannot start a worker: %s", strerror(errno));
    }
    if (pid == 0) {
        /* The other workers' sockets: held open here, they would never see their
         * end when the parent closes them. */
        for (long k = 0; k < p->n_wk; k++)
            if (p->wk[k].pid)
                close(p->wk[k].fd);
        close(sv[0]);
        worker_main(p->w, sv[1]);
    }
    close(sv[1]);
    p->wk[i] = (struct worker){.pid = pid, .fd = sv[0]};
    return MX_OK;
}

static bool interrupted(const struct pool *p)
{
    return p->w->interrupt && *p->w->interrupt;
}

/* Worker i closed its socket or broke it: reap it, fail its task if it had one,
 * and start another in its place while tasks remain. */
static int lost(struct pool *p, long i, struct mx_err *err)
{
    struct worker *k = &p->wk[i];
    int st = 0;
    close(k->fd);
    while (waitpid(k->pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (k->busy) {
        struct slot *s = slot_of(p, k->task);
        if (WIFSIGNALED(st))
            snprintf(s->death, sizeof s->death, "died: killed by signal %d (%s)",
                     WTERMSIG(st), strsignal(WTERMSIG(st)));
        else
            snprintf(s->death, sizeof s->death,
                     "died: exit status %d, %zu of %zu bytes of its result",
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1, k->got, p->w->reply_len);
        s->done = true;
        k->busy = false;
        p->running--;
    }
    k->pid = 0;
    if (p->next < p->hi && !interrupted(p))
        return spawn(p, i, err);
    return MX_OK;
}

/* Gives task `next` to idle worker i. */
static int dispatch(struct pool *p, long i, struct mx_err *err)
{
    struct worker *k = &p->wk[i];
    uint64_t t = p->next;
    struct slot *s = slot_of(p, t);
    *s = (struct slot){.buf = malloc(p->w->reply_len)};
    if (!s->buf)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    *k = (struct worker){.pid = k->pid, .fd = k->fd, .busy = true, .task = t};
    p->next++;
    p->running++;
    ssize_t n;
    while ((n = send(k->fd, &t, sizeof t, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof t) /* the worker is gone: its task fails, once */
        return lost(p, i, err);
    return MX_OK;
}

/* Reads whatever the workers sent; waits at most 200 ms. */
static int collect(struct pool *p, struct mx_err *err)
{
    struct pollfd pf[WORKERS_MAX];
    long of[WORKERS_MAX];
    nfds_t n = 0;
    for (long i = 0; i < p->n_wk; i++)
        if (p->wk[i].pid) {
            pf[n] = (struct pollfd){.fd = p->wk[i].fd, .events = POLLIN};
            of[n++] = i;
        }
    if (n == 0)
        return MX_OK;
    int ready = poll(pf, n, 200);
    if (ready < 0 && errno != EINTR)
        return mx_fail(err, MX_EIO, "poll: %s", strerror(errno));
    for (nfds_t q = 0; ready > 0 && q < n; q++) {
        if (!(pf[q].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        struct worker *k = &p->wk[of[q]];
        unsigned char spill[512];
        size_t room = k->busy ? p->w->reply_len - k->got : 0;
        ssize_t got = read(k->fd, room ? slot_of(p, k->task)->buf + k->got : spill,
                           room ? room : sizeof spill);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || !k->busy) { /* an idle worker says nothing unless it is gone */
            int rc = lost(p, of[q], err);
            if (rc != MX_OK)
                return rc;
            continue;
        }
        k->got += (size_t)got;
        if (k->got == p->w->reply_len) {
            slot_of(p, k->task)->done = true;
            k->busy = false;
            p->running--;
        }
    }
    return MX_OK;
}

/* Delivers every finished task that no earlier unfinished one holds back. */
static int deliver(struct pool *p, struct mx_err *err)
{
    uint64_t before = p->delivered;
    while (p->delivered < p->next) {
        struct slot *s = slot_of(p, p->delivered);
        if (!s->done)
            break;
        int rc = p->w->deliver(p->w->ctx, p->delivered, s->death[0] ? NULL : s->buf,
                               s->death[0] ? s->death : NULL, err);
        free(s->buf);
        *s = (struct slot){0};
        p->delivered++;
        if (rc != MX_OK)
            return rc;
    }
    if (p->delivered != before && p->w->progress)
        p->w->progress(p->w->ctx, p->delivered, p->running);
    return MX_OK;
}

/* Closes every worker's socket (an idle worker then ends by itself), stops the
 * busy ones and reaps them all. */
static void stop(struct pool *p)
{
    for (long i = 0; i < p->n_wk; i++) {
        struct worker *k = &p->wk[i];
        if (!k->pid)
            continue;
        if (k->busy)
            kill(k->pid, SIGTERM);
        close(k->fd);
        while (waitpid(k->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    for (uint64_t t = 0; t < p->w->window; t++)
        free(p->slot[t].buf);
}

int workers_run(const struct workers *w, uint64_t lo, uint64_t hi, struct mx_err *err)
{
    assert(w->jobs >= 1 && w->jobs <= WORKERS_MAX && w->window >= (uint64_t)w->jobs);
    struct pool p = {.w = w, .hi = hi, .next = lo, .delivered = lo};
    p.n_wk = (uint64_t)w->jobs < hi - lo ? w->jobs : (long)(hi - lo);
    p.slot = calloc(w->window, sizeof *p.slot);
    p.wk = calloc((size_t)p.n_wk + 1, sizeof *p.wk);
    int rc = MX_OK;
    if (!p.slot || !p.wk) {
        rc = mx_fail(err, MX_ENOMEM, "out of memory");
        goto done;
    }
    for (long i = 0; i < p.n_wk; i++)
        if ((rc = spawn(&p, i, err)) != MX_OK)
            goto done;
    while (p.delivered < hi) {
        if (interrupted(&p)) {
            rc = mx_fail(err, MX_EINTR, "interrupted");
            goto done;
        }
        for (long i = 0; i < p.n_wk && p.next < hi && p.next - p.delivered < w->window; i++)
            if (p.wk[i].pid && !p.wk[i].busy && (rc = dispatch(&p, i, err)) != MX_OK)
                goto done;
        if ((rc = collect(&p, err)) != MX_OK || (rc = deliver(&p, err)) != MX_OK)
            goto done;
    }
done:
    if (p.slot && p.wk)
        stop(&p);
    free(p.slot), free(p.wk);
    return rc;
}
