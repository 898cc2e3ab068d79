/* sender.c -- see sender.h. A Postfix sender's deliveries: lookup (R4, R45), the
 * connection cache (R38), addresses tried one at a time (R17 to R20), deferral with
 * Postfix's backoff (R26, R33 to R35). Queueing and windows are qmgr.c's, the cache
 * scache.c's. The simplifications, listed in docs/model.md:
 * R18: a connection attempt takes the sender's connect_latency (mxsim's own key: one
 *   round trip plus the sender's overhead; 0 by default) to be refused or accepted.
 * SIMPLIFICATION(R28): no qmgr_message_active_limit and no cap on smtp processes.
 * SIMPLIFICATION(R23, R24): one recipient per message and no failures after the
 *   greeting, so the session limit never binds.
 * SIMPLIFICATION(R34): the scan timer's phase is 0: scans at 0, queue_run_delay, ...
 * R34's scans are computed, not simulated: a deferred message is picked up at the
 *   first multiple of queue_run_delay at or after its eligible time less 1 s, when
 *   Postfix's scan timer would take it. */
#include "sender.h"

#include <math.h>
#include <stdlib.h>

#include "dist.h"
#include "policy.h"
#include "qmgr.h"
#include "scache.h"
#include "server.h"
#include "zone.h"

static struct msg *msg_at(struct run *r, uint32_t m)
{
    return pool_at(&r->msgs, m);
}

static const struct scen_sender *cfg_of(const struct run *r, uint32_t inst)
{
    return &r->scen->senders[r->inst[inst].sender];
}

/* --trace: one branch when off. addr and server may be MX_NONE; since is when the
 * attempt began. */
static void trace(struct run *r, uint32_t m, enum trace_outcome oc, uint32_t addr, mx_time since)
{
    if (!r->on_trace)
        return;
    const struct msg *mp = msg_at(r, m);
    mx_time now = loop_now(&r->loop);
    struct trace_row row = {.time = now, .latency = now - since, .message = mp->id,
                            .attempt = mp->attempts, .inst = mp->inst, .addr = addr,
                            .server = addr == MX_NONE ? MX_NONE : r->addr_server[addr],
                            .outcome = oc};
    r->on_trace(r->trace_ctx, &row);
}

static void finish(struct run *r, uint32_t m, bool delivered)
{
    struct msg *mp = msg_at(r, m);
    qmgr_left(r, mp->inst); /* R28 */
    if (mp->flags & MSG_COUNTED) {
        struct run_totals *t = &r->totals;
        t->attempts += mp->attempts;
        t->in_flight--;
        t->paid_timeout += (mp->flags & MSG_PAID_TIMEOUT) != 0;
        if (delivered) {
            t->delivered++;
            hist_add(&t->delay, loop_now(&r->loop) - mp->origin);
            hist_add(&t->hop_delay, loop_now(&r->loop) - mp->arrived);
        } else {
            t->bounced++;
        }
    }
    pool_put(&r->msgs, m);
    if (r->msgs.live == 0 && loop_now(&r->loop) >= r->end_of_arrivals)
        r->loop.stop = true; /* drained */
}

/* A trace row's own values (-1: none) into m: flags say which it has. */
static void take_own(struct msg *mp, const mx_time *own)
{
    static const uint8_t flag[SCEN_OWN_KINDS] = {
        [SCEN_OWN_AGENT_WAIT] = MSG_OWN_WAIT, [SCEN_OWN_CONNECT] = MSG_OWN_CONNECT,
        [SCEN_OWN_RSET] = MSG_OWN_RSET, [SCEN_OWN_SESSION] = MSG_OWN_SESSION};
    mx_time *slot[SCEN_OWN_KINDS] = {
        [SCEN_OWN_AGENT_WAIT] = &mp->ready, [SCEN_OWN_CONNECT] = &mp->own_connect,
        [SCEN_OWN_RSET] = &mp->own_rset, [SCEN_OWN_SESSION] = &mp->own_session};
    for (unsigned k = 0; k < SCEN_OWN_KINDS; k++)
        if (own[k] >= 0) {
            mp->flags |= flag[k];
            *slot[k] = own[k];
        }
}

void sender_accept(struct run *r, uint32_t inst, uint32_t dq, uint32_t domain, mx_time origin,
                   uint32_t from, const mx_time *own)
{
    uint32_t m;
    if (pool_get(&r->msgs, &m) != MX_OK) {
        r->loop.nomem = true;
        return;
    }
    struct msg *mp = msg_at(r, m);
    mp->arrived = loop_now(&r->loop);
    mp->origin = origin;
    mp->domain = domain;
    mp->inst = inst;
    mp->dq = dq;
    mp->server = MX_NONE;
    mp->conn = MX_NONE;
    mp->id = ++r->next_msg_id;
    if (from != MX_NONE) { /* a relay hands it on: the same message (counted once) */
        const struct msg *fp = msg_at(r, from);
        mp->flags = fp->flags & (MSG_COUNTED | MSG_PAID_TIMEOUT);
        mp->attempts = fp->attempts; /* attempts and timeouts add up over the hops */
        mp->hops = (uint8_t)(fp->hops + 1);
    } else if (mp->arrived >= r->scen->sim.warmup) {
        mp->flags |= MSG_COUNTED;
        r->totals.messages++;
        r->totals.in_flight++;
    }
    if (own) /* trace_columns: each given value replaces one draw */
        take_own(mp, own);
    qmgr_admit(r, m, true);
}

/* A relay server accepted m and hands it to its own sender: a new hop begins at
 * that sender, the end-to-end delay keeps counting from the origin. */
static void forward(struct run *r, uint32_t m, uint32_t s)
{
    if (msg_at(r, m)->hops + 1 >= MX_HOPCOUNT_LIMIT) { /* a forwarding loop: Postfix's */
        finish(r, m, false);                          /* hopcount_limit bounces it */
        return;
    }
    const struct scen_server *cfg = &r->scen->servers[s];
    size_t k = cfg->forward;
    uint32_t n = (uint32_t)r->scen->senders[k].instances;
    uint32_t inst = r->inst_base[k] + (n > 1 ? rng_below(&r->srv[s].rng, n) : 0);
    struct msg *mp = msg_at(r, m);
    uint32_t dq = r->inst[inst].dq_base + r->hop_of[k * r->n_domains + mp->domain];
    if (mp->flags & MSG_COUNTED) {
        r->totals.forwarded++;
        hist_add(&r->totals.hop_delay, loop_now(&r->loop) - mp->arrived);
    }
    sender_accept(r, inst, dq, mp->domain, mp->origin, m, NULL);
    qmgr_left(r, msg_at(r, m)->inst);
    pool_put(&r->msgs, m);
}

/* R33, R35: bounce if the message is too old, else wait as long as it is old,
 * clamped to [minimal, maximal]_backoff_time, then for the next scan (R34). */
static void backoff(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    const struct scen_sender *c = cfg_of(r, mp->inst);
    mx_time now = loop_now(&r->loop), age = now - mp->arrived;
    if (mp->flags & MSG_COUNTED)
        r->totals.deferrals++;
    if (age >= c->maximal_queue_lifetime) { /* finish() leaves the active queue */
        trace(r, m, TR_EXPIRED, MX_NONE, now);
        finish(r, m, false);
        return;
    }
    /* clamped to the maximum first, then the minimum, as qmgr_active.c does: with
     * minimal > maximal the minimum wins */
    mx_time wait = age > c->maximal_backoff_time ? c->maximal_backoff_time : age;
    if (wait < c->minimal_backoff_time)
        wait = c->minimal_backoff_time;
    if (c->mta == MTA_EXIM || c->mta == MTA_SENDMAIL)
        wait = MX_NS_PER_S; /* R48, R50, R52: the next queue run; hosts keep the retry data */
    mx_time due = mx_add(now, wait) - MX_NS_PER_S, qrd = c->queue_run_delay, t = due;
    if (qrd > 0 && due < MX_TIME_MAX - qrd) {
        t = (due + qrd - 1) / qrd * qrd; /* the first scan at or after due */
        if (t <= now)
            t += qrd * ((now - t) / qrd + 1);
    }
    if (t <= now) /* qrd >= 1 s and wait >= 1 s (scen): only if they are huge */
        t = mx_add(now, MX_NS_PER_S);
    qmgr_left(r, mp->inst); /* R28: to the deferred queue */
    r->inst[mp->inst].deferred++;
    r->deferred[r->inst[mp->inst].sender]++;
    mp->wait_seq = loop_schedule(&r->loop, t, EV_RETRY, m);
}

void sender_suspend(struct run *r, uint32_t m)
{
    if (msg_at(r, m)->flags & MSG_COUNTED)
        r->totals.suspended++;
    trace(r, m, TR_SUSPENDED, MX_NONE, loop_now(&r->loop));
    backoff(r, m); /* R32: "delivery temporarily suspended" */
}

/* R26, R36: the whole nexthop failed: a site failure for the queue manager. */
static void site_failure(struct run *r, uint32_t m)
{
    qmgr_done(r, msg_at(r, m)->dq, QMGR_SITE_FAIL);
    backoff(r, m);
}

/* R48, R52: exim and sendmail remember a failed address and skip it for a while:
 * exim by its default retry rule F,2h,15m; G,16h,1h,1.5; F,4d,6h (counted from
 * the first failure of a run), sendmail for Timeout.hoststatus = 30 min. */
static void host_failed(struct run *r, uint32_t inst, uint32_t addr)
{
    struct inst *in = &r->inst[inst];
    enum scen_mta mta = cfg_of(r, inst)->mta;
    if (mta != MTA_EXIM && mta != MTA_SENDMAIL)
        return; /* R17: Postfix keeps no host state */
    if (!in->hs) {
        size_t n = zone_n_addrs(r->scen->zone);
        if (!(in->hs = malloc(n * sizeof *in->hs))) {
            r->loop.nomem = true;
            return;
        }
        for (size_t i = 0; i < n; i++)
            in->hs[i] = (struct hoststat){.until = 0, .first = -1};
    }
    struct hoststat *h = &in->hs[addr];
    mx_time now = loop_now(&r->loop), wait;
    if (h->first < 0)
        h->first = now;
    mx_time since = now - h->first;
    if (mta == MTA_SENDMAIL)
        wait = 1800 * MX_NS_PER_S;
    else if (since < 2 * 3600 * MX_NS_PER_S)
        wait = 900 * MX_NS_PER_S; /* F,2h,15m */
    else if (since < 16 * 3600 * MX_NS_PER_S)
        wait = mx_time_from_s(3600.0 * pow(1.5, (double)h->n++)); /* G,16h,1h,1.5 */
    else
        wait = 6 * 3600 * MX_NS_PER_S; /* F,4d,6h */
    h->until = mx_add(now, wait);
}

static void host_worked(struct run *r, uint32_t inst, uint32_t addr)
{
    struct inst *in = &r->inst[inst];
    if (in->hs)
        in->hs[addr] = (struct hoststat){.until = 0, .first = -1};
}

/* R38: the delivery goes over a cached connection, first probed with RSET, one
 * round trip, and the cache service is asked for it: an rset_latency draw
 * (connect_latency's when not set), or the message's own (trace_columns) at its
 * first session; the draw is made all the same, so that the other messages' draws
 * are the ones a trace without the column gives. */
static void reuse(struct run *r, uint32_t m, uint32_t c)
{
    struct msg *mp = msg_at(r, m);
    const struct conn *cp = pool_at(&r->conns, c);
    mp->conn = c;
    mp->conn_at = loop_now(&r->loop); /* this delivery's start, for trace.csv */
    mx_time rset = dist_draw(&cfg_of(r, mp->inst)->rset_latency, &r->inst[mp->inst].rng);
    if (mp->flags & MSG_OWN_RSET)
        rset = msg_own_left(mp, mp->own_rset, mp->conn_at);
    server_reuse(r, cp->server, m, rset);
}

static bool next_hop(struct run *r, uint32_t m);

/* An attempt failed; its outcome is known after wait (0: at once, the loop goes
 * on). fixed: wait is a configured timeout, not a draw, so its timer can wait in
 * the loop's FIFO of that delay. Returns true if the message now waits for
 * EV_CONNECT_FAIL. */
static bool failed_after(struct run *r, uint32_t m, enum trace_outcome oc, mx_time wait,
                         bool fixed)
{
    struct msg *mp = msg_at(r, m);
    host_failed(r, mp->inst, mp->try_addr[mp->i_try - 1]);
    if (wait > 0) { /* traced when it fires */
        mp->pending = (uint8_t)oc;
        mp->wait_seq = fixed ? loop_schedule_after(&r->loop, wait, EV_CONNECT_FAIL, m)
                             : loop_schedule(&r->loop, mx_add(loop_now(&r->loop), wait),
                                             EV_CONNECT_FAIL, m);
        return true;
    }
    trace(r, m, oc, mp->try_addr[mp->i_try - 1], loop_now(&r->loop));
    return false;
}

/* R17 to R22, R26, R38: try the next address (a cached connection to it first), or
 * fail the site when none is left. A refused connection, or a 4xx or 5xx greeting,
 * moves on after connect_latency; a silent server costs smtp_connect_timeout, a
 * mute one smtp_helo_timeout. A connection that gets a session takes what is left
 * of the message's own connect latency (trace_columns, msg_own_left) instead of the
 * draw, if it has one: the draw is made all the same (see reuse). */
static void try_next(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    const struct scen_sender *c = cfg_of(r, mp->inst);
    mx_time now = loop_now(&r->loop);
    while (mp->i_try < mp->n_try) {
        uint32_t addr = mp->try_addr[mp->i_try++];
        uint32_t cached = (mp->flags & MSG_LOAD) ? scache_take_addr(r, mp->inst, addr) : MX_NONE;
        if (cached != MX_NONE) {
            reuse(r, m, cached);
            return;
        }
        uint32_t s = r->addr_server[addr];
        mx_time rtt = dist_draw(&c->connect_latency, &r->inst[mp->inst].rng);
        mx_time own = rtt;
        if (mp->flags & MSG_OWN_CONNECT)
            own = msg_own_left(mp, mp->own_connect, now);
        enum connect_result cr =
            s == MX_NONE ? CONNECT_TIMEOUT : server_connect(r, s, addr, m, own);
        mp->conn_at = now;
        switch (cr) {
        case CONNECT_SESSION:
            return;
        case CONNECT_QUEUED: /* R63: connected, waiting for the greeting */
            mp->wait_seq = loop_schedule_after(&r->loop, c->smtp_helo_timeout,
                                               EV_GREETING_TIMEOUT, m);
            return;
        case CONNECT_TIMEOUT: /* R19 */
            mp->flags |= MSG_PAID_TIMEOUT;
            if (failed_after(r, m, TR_TIMEOUT, c->smtp_connect_timeout, true))
                return;
            break; /* a zero wait: the next address at once */
        case CONNECT_MUTE: /* R20: connected; the greeting never comes */
            mp->flags |= MSG_PAID_TIMEOUT;
            if (failed_after(r, m, TR_GREETING_TIMEOUT, mx_add(rtt, c->smtp_helo_timeout),
                             false))
                return;
            break;
        case CONNECT_REFUSED: /* R18 */
            if (failed_after(r, m, TR_REFUSED, rtt, false))
                return;
            break;
        case CONNECT_TEMPFAIL: /* R21: 421: next address; never cached */
            if (failed_after(r, m, TR_TEMPFAIL, rtt, false))
                return;
            break;
        case CONNECT_REJECT: /* R22: skipped like a 4xx, or a bounce (R23, R36) */
            if (c->smtp_skip_5xx_greeting) {
                if (failed_after(r, m, TR_REJECTED, rtt, false))
                    return;
                break;
            }
            trace(r, m, TR_BOUNCED, addr, now);
            qmgr_done(r, mp->dq, QMGR_GOOD);
            finish(r, m, false);
            return;
        }
    }
    if (next_hop(r, m)) /* R3, R25 */
        return;
    trace(r, m, TR_DEFERRED, MX_NONE, now);
    site_failure(r, m);
}

/* The lookup's answer is in: act on its outcome. */
static void answered(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    switch ((enum dest_outcome)mp->outcome) {
    case DEST_BOUNCE: /* R5, R6, R8: not a site failure (R36) */
        if (next_hop(r, m)) /* R6, R25: not found: the fallback relay */
            return;
        trace(r, m, TR_BOUNCED, MX_NONE, loop_now(&r->loop));
        qmgr_done(r, mp->dq, QMGR_GOOD);
        finish(r, m, false);
        return;
    case DEST_DEFER: /* R7, R8: a site failure (R36) */
        if (next_hop(r, m)) /* R7: a configured fallback relay is tried */
            return;
        trace(r, m, TR_DNS_DEFER, MX_NONE, loop_now(&r->loop));
        site_failure(r, m);
        return;
    case DEST_OK: { /* R38 step 1: a connection bound to the nexthop, oldest first;
                     * only when the queue manager asked for a lookup (R37: smtp_connect.c
                     * searches the cache only with SMTP_MISC_FLAG_CONN_LOAD) */
        uint32_t c = (mp->flags & MSG_LOAD) ? scache_take_hop(r, mp->inst, mp->dq) : MX_NONE;
        if (c != MX_NONE)
            reuse(r, m, c);
        else
            try_next(r, m);
        return;
    }
    }
}

/* R4, R45: look up the hop mp->hop, draw its try order; the first connection
 * waits for the DNS time, if any (R60). */
static void look_up(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    struct inst *in = &r->inst[mp->inst];
    const struct dest *d = &r->dest[mp->hop];
    uint32_t n;
    mx_time latency = 0;
    mp->outcome = (uint8_t)policy_lookup(r, d, &r->res[in->resolver], &n, &latency);
    mp = msg_at(r, m);
    if (mp->outcome == DEST_OK && (n = policy_rank(r, r->scratch, n, mp->inst)) == 0)
        mp->outcome = DEST_DEFER; /* R48: "retry time not reached for any host" */
    if (mp->outcome == DEST_OK)
        policy_order(r->scratch, n, cfg_of(r, mp->inst), &in->rng, mp);
    if (latency > 0) {
        mp->wait_seq = loop_schedule(&r->loop, mx_add(loop_now(&r->loop), latency), EV_DNS_DONE, m);
        return;
    }
    answered(r, m);
}

/* R3, R25: this hop is unreachable or not found: go on to the next relayhost or
 * fallback relay, if any, with its own lookup and limits. */
static bool next_hop(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    uint32_t next = r->dest[mp->hop].next;
    if (next == MX_NONE)
        return false;
    mp->hop = next;
    look_up(r, m);
    return true;
}

/* R4, R17, R45: every delivery starts afresh: a new lookup (even when a cached
 * connection will carry it), a new order. */
void sender_start(struct run *r, uint32_t m)
{
    struct msg *mp = msg_at(r, m);
    mp->attempts++;
    mp->started = loop_now(&r->loop);
    mp->flags &= (uint8_t)~(MSG_SAVE | MSG_LOAD);
    if (qmgr_cache_store(r, mp->dq)) /* R37: asked for when selected */
        mp->flags |= MSG_SAVE;
    if (qmgr_cache_load(r, mp->dq)) /* R37, R38: without it, no cache lookup at all */
        mp->flags |= MSG_LOAD;
    mp->hop = r->dq[mp->dq].dest;
    look_up(r, m);
}

void sender_on_start(void *run, const struct ev *ev)
{
    struct run *r = run;
    if (ev->seq != msg_at(r, ev->ref)->wait_seq) {
        loop_stale(&r->loop);
        return;
    }
    sender_start(r, ev->ref);
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
    struct msg *mp = msg_at(r, ev->ref);
    if (ev->seq != mp->wait_seq) {
        loop_stale(&r->loop);
        return;
    }
    trace(r, ev->ref, (enum trace_outcome)mp->pending, mp->try_addr[mp->i_try - 1], mp->conn_at);
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
    host_failed(r, mp->inst, mp->try_addr[mp->i_try - 1]);
    mp->flags |= MSG_PAID_TIMEOUT;
    trace(r, ev->ref, TR_GREETING_TIMEOUT, mp->try_addr[mp->i_try - 1], mp->conn_at);
    try_next(r, ev->ref);
}

/* Delivered. R39: with caching asked for, the connection goes back into the cache
 * (bound to the nexthop); otherwise it closes and frees its worker. */
void sender_on_session_end(void *run, const struct ev *ev)
{
    struct run *r = run;
    struct msg *mp = msg_at(r, ev->ref);
    assert(ev->seq == mp->wait_seq);
    uint32_t s = mp->server, c = mp->conn;
    bool save = (mp->flags & MSG_SAVE) != 0;
    if ((mp->flags & MSG_COUNTED) && c != MX_NONE) /* counted when the session ends, as */
        r->totals.reused++;                       /* delivered and forwarded are */
    if (r->on_trace) {
        uint32_t addr = c == MX_NONE ? mp->try_addr[mp->i_try - 1]
                                     : ((const struct conn *)pool_at(&r->conns, c))->addr;
        trace(r, ev->ref, c == MX_NONE ? TR_DELIVERED : TR_REUSED, addr, mp->conn_at);
    }
    if (c == MX_NONE)
        host_worked(r, mp->inst, mp->try_addr[mp->i_try - 1]);
    if (c == MX_NONE && !save) {
        server_session_end(r, s, false);
    } else {
        server_session_end(r, s, true);
        if (c == MX_NONE)
            c = scache_open(r, s, mp->try_addr[mp->i_try - 1], mp->dq, mp->conn_at);
        if (c != MX_NONE && save)
            scache_put(r, mp->inst, c);
        else if (c != MX_NONE)
            scache_close(r, c);
    }
    mp = msg_at(r, ev->ref);
    qmgr_done(r, mp->dq, QMGR_GOOD);
    if (r->scen->servers[s].forward != SCEN_NO_FORWARD)
        forward(r, ev->ref, s);
    else
        finish(r, ev->ref, true);
}

void sender_on_retry(void *run, const struct ev *ev)
{
    struct run *r = run;
    struct msg *mp = msg_at(r, ev->ref);
    assert(ev->seq == mp->wait_seq);
    r->inst[mp->inst].deferred--;
    r->deferred[r->inst[mp->inst].sender]--;
    mp->conn = MX_NONE;
    qmgr_admit(r, ev->ref, false);
}

void sender_check(const struct run *r)
{
    /* Invariant (2), conservation: every counted message is delivered, bounced or
     * still in flight. */
    const struct run_totals *t = &r->totals;
    assert(t->delivered + t->bounced + t->in_flight == t->messages);
    assert(t->in_flight <= r->msgs.live);
    (void)t;
}
