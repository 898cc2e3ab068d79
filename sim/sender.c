/* sender.c -- see sender.h. A Postfix sender (R1, R14, R17 to R19, R26, R29, R33 to
 * R35) with the simplifications listed in docs/model.md:
 * SIMPLIFICATION(R29, R30, R31): the destination concurrency window is fixed at
 *   smtp_destination_concurrency_limit; no feedback, no dead destinations (R32).
 * SIMPLIFICATION(R37-R45): no connection cache: every delivery opens new connections.
 * SIMPLIFICATION(R18): a refused connection costs no time (no network latency yet).
 * SIMPLIFICATION(R28): no qmgr_message_active_limit and no cap on smtp processes.
 * SIMPLIFICATION(R23, R24): one recipient per message and no failures after the
 *   greeting, so the session limit never binds.
 * SIMPLIFICATION(R34): the scan timer's phase is 0: scans at 0, queue_run_delay, ...
 * R34's scans are computed, not simulated: a deferred message is picked up at the
 *   first multiple of queue_run_delay (from time 0) at or after its eligible time
 *   less 1 s, exactly when Postfix's scan timer would take it. */
#include "sender.h"

#include "policy.h"
#include "server.h"

static struct msg *msg_at(struct run *r, uint32_t m)
{
    return pool_at(&r->msgs, m);
}

static const struct scen_sender *cfg_of(const struct run *r, uint32_t inst)
{
    return &r->scen->senders[r->inst[inst].sender];
}

static void deliver(struct run *r, uint32_t m);

/* R29: start now if the window has room, else wait in FIFO order. */
static void submit(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    struct dq *q = &r->dq[mp->dq];
    if (q->busy < (uint32_t)cfg_of(r, mp->inst)->smtp_destination_concurrency_limit) {
        q->busy++;
        deliver(r, m);
        return;
    }
    mp->next = MX_NONE;
    if (q->tail != MX_NONE)
        msg_at(r, q->tail)->next = m;
    else
        q->head = m;
    q->tail = m;
}

/* A delivery ended: free its window slot and start the next waiting message. The
 * start is an event at the same instant, not a call: deliveries that fail at once
 * (all refused) would otherwise recurse once per waiting message. */
static void release(struct run *r, uint32_t dq)
{
    struct dq *q = &r->dq[dq];
    assert(q->busy > 0);
    q->busy--;
    if (q->head == MX_NONE)
        return;
    uint32_t m = q->head;
    q->head = msg_at(r, m)->next;
    if (q->head == MX_NONE)
        q->tail = MX_NONE;
    q->busy++;
    msg_at(r, m)->wait_seq = loop_schedule(&r->loop, loop_now(&r->loop), EV_START, m);
}

static void finish(struct run *r, uint32_t m, bool delivered)
{
    struct msg *mp = msg_at(r, m);
    if (mp->flags & MSG_COUNTED) {
        struct run_totals *t = &r->totals;
        t->attempts += mp->attempts;
        t->in_flight--;
        t->paid_timeout += (mp->flags & MSG_PAID_TIMEOUT) != 0;
        if (delivered) {
            t->delivered++;
            hist_add(&t->delay, loop_now(&r->loop) - mp->arrived);
        } else {
            t->bounced++;
        }
    }
    pool_put(&r->msgs, m);
    if (r->msgs.live == 0 && loop_now(&r->loop) >= r->end_of_arrivals)
        r->loop.stop = true; /* drained */
}

void sender_accept(struct run *r, uint32_t inst, uint32_t dq)
{
    uint32_t m;
    if (pool_get(&r->msgs, &m) != MX_OK) {
        r->loop.nomem = true;
        return;
    }
    struct msg *mp = msg_at(r, m);
    mp->arrived = loop_now(&r->loop);
    mp->inst = inst;
    mp->dq = dq;
    mp->server = MX_NONE;
    if (mp->arrived >= r->scen->sim.warmup) {
        mp->flags |= MSG_COUNTED;
        r->totals.messages++;
        r->totals.in_flight++;
    }
    submit(r, m);
}

/* R33, R35: after a failed delivery, bounce if the message is too old, else wait
 * as long as it is old, clamped to [minimal, maximal]_backoff_time, then for the
 * next deferred-queue scan (R34). */
static void defer(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    const struct scen_sender *c = cfg_of(r, mp->inst);
    mx_time now = loop_now(&r->loop), age = now - mp->arrived;
    release(r, mp->dq);
    if (age >= c->maximal_queue_lifetime) {
        finish(r, m, false);
        return;
    }
    mx_time wait = age < c->minimal_backoff_time   ? c->minimal_backoff_time
                   : age > c->maximal_backoff_time ? c->maximal_backoff_time
                                                   : age;
    mx_time due = now + wait - MX_NS_PER_S, qrd = c->queue_run_delay, t = due;
    if (qrd > 0) {
        t = (due + qrd - 1) / qrd * qrd; /* the first scan at or after due */
        if (t <= now)
            t += qrd * ((now - t) / qrd + 1);
    }
    if (t < now)
        t = now;
    r->inst[mp->inst].deferred++;
    r->deferred[r->inst[mp->inst].sender]++;
    mp->wait_seq = loop_schedule(&r->loop, t, EV_RETRY, m);
}

/* R17, R19, R26: try the next address, or defer when none is left. A refused
 * connection moves on at once; a silent one costs smtp_connect_timeout. */
static void try_next(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    const struct scen_sender *c = cfg_of(r, mp->inst);
    mx_time now = loop_now(&r->loop);
    while (mp->i_try < mp->n_try) {
        uint32_t s = r->addr_server[mp->try_addr[mp->i_try++]];
        enum connect_result cr = s == MX_NONE ? CONNECT_TIMEOUT : server_connect(r, s, m);
        switch (cr) {
        case CONNECT_SESSION:
            return;
        case CONNECT_QUEUED: /* R63: connected, waiting for the greeting */
            mp->wait_seq = loop_schedule(&r->loop, now + c->smtp_helo_timeout, EV_GREETING_TIMEOUT, m);
            return;
        case CONNECT_TIMEOUT:
            mp->flags |= MSG_PAID_TIMEOUT; /* also set by a greeting timeout */
            mp->wait_seq = loop_schedule(&r->loop, now + c->smtp_connect_timeout, EV_CONNECT_FAIL, m);
            return;
        case CONNECT_REFUSED:
            break;
        }
    }
    defer(r, m);
}

/* The lookup's answer is in: act on its outcome. */
static void answered(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    switch ((enum dest_outcome)mp->outcome) {
    case DEST_BOUNCE: /* R5, R6, R8 */
        release(r, mp->dq);
        finish(r, m, false);
        return;
    case DEST_DEFER: /* R7, R8 */
        defer(r, m);
        return;
    case DEST_OK:
        try_next(r, m);
        return;
    }
}

/* R4, R17: every delivery starts afresh: a new lookup, a new order. The order is
 * drawn now; the first connection waits for the DNS time, if any (R45, R60). */
static void deliver(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    struct inst *in = &r->inst[mp->inst];
    const struct dest *d = &r->dest[r->dest_base[in->sender] + (mp->dq - in->dq_base)];
    uint32_t n;
    mx_time latency = 0;
    mp->attempts++;
    mp->outcome = (uint8_t)policy_lookup(r, d, &r->res[in->resolver], &n, &latency);
    mp = msg_at(r, m);
    if (mp->outcome == DEST_OK)
        policy_order(r->scratch, n, cfg_of(r, mp->inst), &in->rng, mp);
    if (latency > 0) {
        mp->wait_seq = loop_schedule(&r->loop, loop_now(&r->loop) + latency, EV_DNS_DONE, m);
        return;
    }
    answered(r, m);
}

void sender_on_start(void *run, const struct ev *ev)
{
    struct run *r = run;
    if (ev->seq != msg_at(r, ev->ref)->wait_seq) {
        loop_stale(&r->loop);
        return;
    }
    deliver(r, ev->ref);
}

void sender_on_dns_done(void *run, const struct ev *ev)
{
    struct run *r = run;
    assert(ev->seq == msg_at(r, ev->ref)->wait_seq);
    answered(r, ev->ref);
}

void sender_on_connect_fail(void *run, const struct ev *ev)
{
    struct run *r = run;
    if (ev->seq != msg_at(r, ev->ref)->wait_seq) {
        loop_stale(&r->loop);
        return;
    }
    try_next(r, ev->ref);
}

void sender_on_greeting_timeout(void *run, const struct ev *ev)
{
    struct run *r = run;
    struct msg *mp = msg_at(r, ev->ref);
    if (ev->seq != mp->wait_seq) { /* the session started meanwhile */
        loop_stale(&r->loop);
        return;
    }
    server_abandon(r, mp->server, ev->ref);
    mp->flags |= MSG_PAID_TIMEOUT;
    try_next(r, ev->ref);
}

void sender_on_session_end(void *run, const struct ev *ev)
{
    struct run *r = run;
    struct msg *mp = msg_at(r, ev->ref);
    assert(ev->seq == mp->wait_seq);
    server_session_end(r, mp->server);
    release(r, mp->dq);
    finish(r, ev->ref, true);
}

void sender_on_retry(void *run, const struct ev *ev)
{
    struct run *r = run;
    struct msg *mp = msg_at(r, ev->ref);
    assert(ev->seq == mp->wait_seq);
    r->inst[mp->inst].deferred--;
    r->deferred[r->inst[mp->inst].sender]--;
    submit(r, ev->ref);
}

void sender_check(const struct run *r)
{
    /* Invariant (3), conservation: every counted message is delivered, bounced or
     * still in flight. */
    const struct run_totals *t = &r->totals;
    assert(t->delivered + t->bounced + t->in_flight == t->messages);
    assert(t->in_flight <= r->msgs.live);
    (void)t;
}
