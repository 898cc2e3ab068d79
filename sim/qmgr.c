/* qmgr.c -- see qmgr.h. */
#include "qmgr.h"

#include "sender.h"

static const struct scen_sender *cfg_of(const struct run *r, uint32_t dq)
{
    return &r->scen->senders[r->inst[r->dq[dq].inst].sender];
}

static struct msg *msg_at(const struct run *r, uint32_t m)
{
    return pool_at(&r->msgs, m);
}

/* R29: a queue comes into being with the initial window and no history. */
/* Only Postfix and the ordered sender (Postfix without the shuffle) have windows,
 * feedback and caching; exim and sendmail deliver each message in its own process. */
static bool postfix_like(const struct scen_sender *c)
{
    return c->mta == MTA_POSTFIX || c->mta == MTA_ORDERED;
}

static void create(struct run *r, uint32_t dq)
{
    struct dq *q = &r->dq[dq];
    q->exists = true;
    q->window = postfix_like(cfg_of(r, dq)) ? (uint32_t)cfg_of(r, dq)->initial_destination_concurrency
                                             : UINT32_MAX;
    q->fresh = true;
    q->fail_cohorts = 0;
    q->cache_load = q->cache_store = false;
    q->last_done = -1;
}

static void start(struct run *r, uint32_t dq, uint32_t m, bool now)
{
    struct dq *q = &r->dq[dq];
    /* R37, as qmgr_entry_select() decides when it selects a delivery:
     * - caching off (no CONN_STORE): it is switched on, load and store, only for a
     *   back-to-back delivery, one selected within 1 s of the last delivery of
     *   this queue ending; never for concurrency alone ("Don't enable session
     *   caching just because we have concurrent deliveries"). So the first
     *   deliveries of a new queue (last_done = -1) neither save nor look, however
     *   many run at once.
     * - caching on: storing is switched off again when a delivery is selected
     *   with no other running and not back to back; loading stays on ("fetch any
     *   existing entries from the cache, but don't add new ones").
     * SIMPLIFICATION(R37): Postfix compares whole seconds (last_done + 1 >=
     *   event_time()), up to 2 s of real time; mxsim's "back to back" is 1 s. */
    bool back_to_back = q->last_done >= 0 && loop_now(&r->loop) < q->last_done + MX_NS_PER_S;
    if (!q->cache_store) {
        if (back_to_back)
            q->cache_load = q->cache_store = true;
    } else if (q->busy == 0 && !back_to_back) {
        q->cache_store = false;
    }
    q->busy++;
    if (now) {
        sender_start(r, m);
        return;
    }
    /* From qmgr_done: an event at the same instant, not a call, so that deliveries
     * failing at once (all refused) cannot recurse once per waiting message. */
    msg_at(r, m)->wait_seq = loop_schedule_after(&r->loop, 0, EV_START, m);
}

/* The wait for a delivery agent (mxsim's delivery_agent_delay; Postfix's delays= b
 * is this wait and the wait for the window together). Postfix's queue manager
 * selects a queue entry only when the transport has a delivery agent for it
 * (qmgr_transport_alloc(), then qmgr_job_entry_select()) and the destination's
 * window has room, taking the entries in order (R29). So a message joins its
 * queue's FIFO at once, ready to be selected its wait later; the head is selected
 * when it is ready and a slot is free. The two waits overlap: a message that
 * waited its agent delay for a window slot anyway waits no longer. The queue is not
 * empty meanwhile and is not deleted: a message that arrives during the wait finds
 * the queue, and is back to back once a delivery has ended (R37). On a loaded
 * machine this is what keeps Postfix's queues, and so its caching, alive through a
 * burst (docs/validation.md). A message from a trace whose trace_columns name
 * delivery_agent_delay waits its own row's value at its first delivery instead of
 * a draw: a replayed real b then selects it when Postfix did, unless mxsim's window
 * holds it longer. 0, the default, draws nothing and waits not at all. */
static mx_time agent_delay(struct run *r, uint32_t dq, struct msg *mp)
{
    const struct dist *d = &cfg_of(r, dq)->delivery_agent_delay;
    if (mp->flags & MSG_OWN_WAIT) {
        mp->flags &= (uint8_t)~MSG_OWN_WAIT;
        return mp->ready;
    }
    if (d->kind == DIST_CONST && d->a == 0)
        return 0;
    return dist_draw(d, &r->inst[r->dq[dq].inst].rng);
}

/* A queue that holds nothing is deleted (R29). */
static bool empty(const struct dq *q)
{
    return q->busy == 0 && q->head == MX_NONE;
}

/* The head is not ready yet: an EV_AGENT when it is (one pending per queue). */
static void arm(struct run *r, uint32_t dq, mx_time at)
{
    struct dq *q = &r->dq[dq];
    if (q->agent_seq && q->agent_at == at)
        return;
    q->agent_at = at;
    q->agent_seq = loop_schedule(&r->loop, at, EV_AGENT, dq);
}

/* R29: while the window has room, the head of the FIFO is selected if it is ready;
 * the starts are events at the same instant (start(..., false)). */
static void select_ready(struct run *r, uint32_t dq)
{
    struct dq *q = &r->dq[dq];
    while (!q->dead && q->head != MX_NONE && q->busy < q->window) {
        uint32_t m = q->head;
        struct msg *mp = msg_at(r, m);
        if (mp->ready > loop_now(&r->loop)) {
            arm(r, dq, mp->ready);
            return;
        }
        q->head = mp->next;
        if (q->head == MX_NONE)
            q->tail = MX_NONE;
        start(r, dq, m, false);
    }
}

/* Into the destination queue, ready to be selected at ready: a delivery now if it
 * is ready, the window has room and nobody waits before it, else the FIFO. */
static void enqueue(struct run *r, uint32_t dq, uint32_t m, mx_time ready)
{
    struct dq *q = &r->dq[dq];
    if (q->busy < q->window && q->head == MX_NONE && ready <= loop_now(&r->loop)) {
        start(r, dq, m, true);
        return;
    }
    struct msg *mp = msg_at(r, m);
    mp->ready = ready;
    mp->next = MX_NONE;
    if (q->tail != MX_NONE)
        msg_at(r, q->tail)->next = m;
    else
        q->head = m;
    q->tail = m;
    if (q->head == m && q->busy < q->window)
        arm(r, dq, ready);
}

static void submit(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    uint32_t dq = mp->dq;
    struct dq *q = &r->dq[dq];
    if (q->dead) { /* R32: new mail for a dead destination is deferred at once */
        sender_suspend(r, m);
        return;
    }
    if (!q->exists)
        create(r, dq);
    enqueue(r, dq, m, mx_add(loop_now(&r->loop), agent_delay(r, dq, mp)));
}

void qmgr_on_agent(void *run, const struct ev *ev)
{
    struct run *r = run;
    struct dq *q = &r->dq[ev->ref];
    if (ev->seq != q->agent_seq) { /* re-armed for another time, or the queue died */
        loop_stale(&r->loop);
        return;
    }
    q->agent_seq = 0;
    select_ready(r, ev->ref);
}

static void push(struct run *r, uint32_t *head, uint32_t *tail, uint32_t m)
{
    msg_at(r, m)->next = MX_NONE;
    if (*tail != MX_NONE)
        msg_at(r, *tail)->next = m;
    else
        *head = m;
    *tail = m;
}

static uint32_t pop(struct run *r, uint32_t *head, uint32_t *tail)
{
    uint32_t m = *head;
    *head = msg_at(r, m)->next;
    if (*head == MX_NONE)
        *tail = MX_NONE;
    return m;
}

static uint32_t active_limit(const struct run *r, uint32_t inst)
{
    const struct scen_sender *c = &r->scen->senders[r->inst[inst].sender];
    return postfix_like(c) ? (uint32_t)c->qmgr_message_active_limit : UINT32_MAX;
}

void qmgr_admit(struct run *r, uint32_t m, bool fresh)
{
    struct inst *in = &r->inst[msg_at(r, m)->inst];
    uint32_t inst = msg_at(r, m)->inst;
    if (in->active < active_limit(r, inst) && in->in_head == MX_NONE && in->re_head == MX_NONE) {
        in->active++;
        submit(r, m);
    } else if (fresh) {
        push(r, &in->in_head, &in->in_tail, m);
    } else {
        push(r, &in->re_head, &in->re_tail, m);
    }
}

/* Room in the active queue: the next waiting message enters it, through an event at
 * the same instant (a message that fails at once would otherwise recurse). */
void qmgr_left(struct run *r, uint32_t inst)
{
    struct inst *in = &r->inst[inst];
    assert(in->active > 0);
    in->active--;
    if (in->active >= active_limit(r, inst))
        return;
    uint32_t m;
    if (in->in_head != MX_NONE)
        m = pop(r, &in->in_head, &in->in_tail);
    else if (in->re_head != MX_NONE)
        m = pop(r, &in->re_head, &in->re_tail);
    else
        return;
    in->active++;
    msg_at(r, m)->wait_seq = loop_schedule_after(&r->loop, 0, EV_ADMIT, m);
}

void qmgr_on_admit(void *run, const struct ev *ev)
{
    struct run *r = run;
    assert(ev->seq == msg_at(r, ev->ref)->wait_seq);
    submit(r, ev->ref);
}

/* R30: +1 per good delivery, while below the limit and below busy + initial. */
static void positive(struct run *r, uint32_t dq)
{
    struct dq *q = &r->dq[dq];
    const struct scen_sender *c = cfg_of(r, dq);
    if (q->window < (uint32_t)c->smtp_destination_concurrency_limit &&
        q->window < q->busy + (uint32_t)c->initial_destination_concurrency) {
        q->window++;
        q->fresh = true; /* the next failure overshoots again */
    }
    q->fail_cohorts = 0;
}

/* R32: dead for minimal_backoff_time: waiting mail is deferred, caching is off. */
static void kill_dest(struct run *r, uint32_t dq)
{
    struct dq *q = &r->dq[dq];
    q->dead = true;
    q->cache_load = q->cache_store = false; /* Postfix: queue->dflags = 0 */
    q->window = 0;
    q->agent_seq = 0; /* its EV_AGENT, if any, is stale */
    q->revive_seq = loop_schedule_after(&r->loop, cfg_of(r, dq)->minimal_backoff_time,
                                        EV_REVIVE, dq);
    while (q->head != MX_NONE) {
        uint32_t m = q->head;
        q->head = msg_at(r, m)->next;
        sender_suspend(r, m);
    }
    q->tail = MX_NONE;
}

/* R31: fail_cohorts grows by 1/window (the window before the cut); at the limit the
 * destination dies; else the window shrinks by 2 on the first failure after a reset
 * and by 1 on each further one, never below 1. */
static void negative(struct run *r, uint32_t dq)
{
    struct dq *q = &r->dq[dq];
    const struct scen_sender *c = cfg_of(r, dq);
    q->fail_cohorts += 1.0 / (double)q->window;
    if (c->smtp_destination_concurrency_failed_cohort_limit > 0 &&
        q->fail_cohorts >= (double)c->smtp_destination_concurrency_failed_cohort_limit) {
        kill_dest(r, dq);
        return;
    }
    uint32_t cut = q->fresh ? 2 : 1;
    q->fresh = false;
    q->window = q->window > cut ? q->window - cut : 1;
}

void qmgr_done(struct run *r, uint32_t dq, enum qmgr_feedback fb)
{
    struct dq *q = &r->dq[dq];
    assert(q->busy > 0);
    if (!postfix_like(cfg_of(r, dq))) {
        /* no feedback: exim and sendmail have no destination windows */
    } else if (fb == QMGR_GOOD) {
        if (q->dead) { /* R32: a running delivery that succeeds revives at once, with the
                        * window = deliveries still running (this one included), no step */
            q->dead = false;
            q->revive_seq = 0;
            q->window = q->busy;
            q->fresh = true;
            q->fail_cohorts = 0;
        } else {
            positive(r, dq);
        }
    } else if (!q->dead) { /* R31: failures of deliveries running at death count once */
        negative(r, dq);
    }
    q->busy--;
    q->last_done = loop_now(&r->loop);
    select_ready(r, dq);
    if (!q->dead && empty(q))
        q->exists = false; /* R29: an empty queue is deleted */
}

void qmgr_on_revive(void *run, const struct ev *ev)
{
    struct run *r = run;
    struct dq *q = &r->dq[ev->ref];
    if (!q->dead || ev->seq != q->revive_seq) {
        loop_stale(&r->loop);
        return;
    }
    /* R32: alive again; the window is what still runs, or the initial one. */
    q->dead = false;
    q->window = q->busy ? q->busy : (uint32_t)cfg_of(r, ev->ref)->initial_destination_concurrency;
    q->fresh = true;
    q->fail_cohorts = 0;
    if (empty(q))
        q->exists = false;
}

/* R37: smtp_cache_policy(): a destination of smtp_connection_cache_destinations
 * always loads and stores; else, with smtp_connection_cache_on_demand, what the
 * queue manager asked for when it selected the delivery. */
static bool cache_flag(const struct run *r, uint32_t dq, bool flag)
{
    const struct dq *q = &r->dq[dq];
    if (!postfix_like(cfg_of(r, dq)))
        return false; /* R49, R52: modelled as one connection per delivery */
    if (r->dest[q->dest].cache_always)
        return true; /* smtp_connection_cache_destinations (R37) */
    return cfg_of(r, dq)->smtp_connection_cache_on_demand && flag;
}

bool qmgr_cache_store(const struct run *r, uint32_t dq)
{
    return cache_flag(r, dq, r->dq[dq].cache_store);
}

bool qmgr_cache_load(const struct run *r, uint32_t dq)
{
    return cache_flag(r, dq, r->dq[dq].cache_load);
}

void qmgr_check(const struct run *r, uint32_t dq)
{
    const struct dq *q = &r->dq[dq];
    assert(!q->dead || q->head == MX_NONE); /* a dead queue holds no waiting mail */
    assert(q->exists || empty(q));
    (void)q;
}
