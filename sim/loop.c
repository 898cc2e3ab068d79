/* loop.c -- see loop.h. */
#include "loop.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void loop_init(struct loop *l)
{
    memset(l, 0, sizeof *l);
    evq_init(&l->q);
}

void loop_fini(struct loop *l)
{
    evq_fini(&l->q);
}

void loop_on(struct loop *l, uint32_t kind, loop_handler h, void *ctx)
{
    assert(kind < LOOP_MAX_KINDS);
    l->handler[kind] = h;
    l->ctx[kind] = ctx;
}

uint64_t loop_schedule(struct loop *l, mx_time t, uint32_t kind, uint32_t ref)
{
    assert(t >= l->now && kind < LOOP_MAX_KINDS && l->handler[kind]);
    uint64_t seq = 0;
    if (l->top_consumed) { /* see top_consumed */
        if ((seq = evq_replace_top(&l->q, t, kind, ref)) != 0)
            l->top_consumed = false;
        else
            l->nomem = true;
        return seq;
    }
    if (evq_push(&l->q, t, kind, ref, &seq) != MX_OK)
        l->nomem = true;
    return seq;
}

uint64_t loop_schedule_after(struct loop *l, mx_time delay, uint32_t kind, uint32_t ref)
{
    assert(delay >= 0 && kind < LOOP_MAX_KINDS && l->handler[kind]);
    uint64_t seq = 0;
    if (evq_push_after(&l->q, l->now, delay, kind, ref, &seq) != MX_OK)
        l->nomem = true;
    return seq;
}

uint64_t loop_rss(void)
{
    /* /proc/self/statm: size, resident, ... in pages; read with one read(2), as
     * this runs every LOOP_MEMORY_EVERY events */
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    unsigned long long size, resident;
    if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
        return 0;
    long page = sysconf(_SC_PAGESIZE);
    return (uint64_t)resident * (uint64_t)(page > 0 ? page : 4096);
}

int loop_run(struct loop *l, mx_time until)
{
    struct ev ev;
    const struct ev *top;
    while (!l->stop && (top = evq_peek(&l->q)) && top->t <= until) {
        if (l->nomem)
            return MX_ENOMEM;
        if (l->max_events && l->events >= l->max_events)
            return MX_ELIMIT;
        /* every event: one event can be slow (a delivery to a name with 4096 MX
         * hosts), and Ctrl-C should not wait for a thousand of them */
        if (l->interrupt && *l->interrupt)
            return MX_EINTR;
        if ((l->events & (LOOP_MEMORY_EVERY - 1)) == 0 && l->max_rss &&
            loop_rss() > l->max_rss) {
            l->over_memory = true;
            return MX_ELIMIT;
        }
        if ((l->events & (LOOP_PROGRESS_EVERY - 1)) == 0 && l->events && l->progress)
            l->progress(l->progress_ctx, l);
        ev = *top; /* the handler's copy: its slot in the heap may be reused */
        l->now = ev.t;
        l->events++;
        l->top_consumed = true;
        l->handler[ev.kind](l->ctx[ev.kind], &ev);
        if (l->top_consumed) {
            l->top_consumed = false;
            evq_drop_top(&l->q);
        }
    }
    if (l->nomem)
        return MX_ENOMEM;
    if (!l->stop && until > l->now)
        l->now = until;
    return MX_OK;
}
