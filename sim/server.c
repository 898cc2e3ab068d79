/* server.c -- see server.h.
 * A server is process_limit smtpd workers sharing one FIFO accept queue of size
 * backlog (R61, R62, R67). A connection that finds every worker busy waits in the
 * backlog for its greeting (R63); the client's greeting timeout runs meanwhile.
 * when_full says what becomes of a connection that finds every worker busy:
 * wait: it queues in the backlog (R63), and once the backlog is full the SYN is
 * dropped, so the client's connect times out (R64); refuse: reset at once (R64's
 * "a front end that refuses"); drop: the SYN is dropped at once.
 * SIMPLIFICATION(R64): a dropped SYN is never retried into a freed slot: the
 *   client waits out smtp_connect_timeout and moves on.
 * Faults (R65): "refused" resets new connections, "blackhole" drops their SYNs,
 * "nogreet" accepts them and never greets (R20), "tempfail" greets with 421 (R21),
 * "reject" with a 5xx (R22), "slow" multiplies its session times by a factor. The
 * worker of a failing server is not taken. A fault on one address acts like one on
 * its server, for connections to that address only.
 * SIMPLIFICATION(R65): sessions running and connections already in the backlog
 * when a fault starts finish normally (the fault cuts off new connections only). */
#include "server.h"

#include "dist.h"
#include "sender.h"

static struct srv *srv_of(struct run *r, uint32_t s)
{
    return &r->srv[s];
}

int server_init(struct run *r, uint32_t s, uint64_t seed)
{
    struct srv *srv = srv_of(r, s);
    srv->cfg = &r->scen->servers[s];
    srv->bl_head = srv->bl_tail = MX_NONE;
    return rng_init(&srv->rng, seed);
}

void server_fini(struct srv *srv)
{
    if (srv->rng.r)
        rng_fini(&srv->rng);
}

static bool counting(const struct run *r)
{
    return loop_now(&r->loop) >= r->scen->sim.warmup;
}

/* Integrates busy sessions over time, from warmup on. */
void server_settle(struct run *r, uint32_t s)
{
    struct srv *srv = srv_of(r, s);
    mx_time now = loop_now(&r->loop), from = srv->last_change;
    if (from < r->scen->sim.warmup)
        from = r->scen->sim.warmup;
    if (now > from)
        srv->busy_area += (unsigned __int128)srv->busy * (uint64_t)(now - from);
    srv->last_change = now;
}

/* Message m's session on server s starts now: it ends after extra (the
 * connection's own time) plus a session_time draw, factor times longer while the
 * server is slow (R65), on a new connection or a cached one alike. At the
 * message's first session its own session_time (trace_columns), if it has one,
 * replaces the draw (made all the same, so that the server's later draws do not
 * move), and its own values are used up: the sender has already taken its own
 * connect or RSET latency for this session (sender.c). */
static void schedule_session_end(struct run *r, uint32_t s, uint32_t m, mx_time extra)
{
    struct srv *srv = srv_of(r, s);
    struct msg *mp = pool_at(&r->msgs, m);
    mp->server = s;
    mx_time len = dist_draw(&srv->cfg->session_time, &srv->rng);
    if (mp->flags & MSG_OWN_SESSION)
        len = mp->own_session;
    mp->flags &= (uint8_t)~(MSG_OWN_CONNECT | MSG_OWN_RSET | MSG_OWN_SESSION);
    if (srv->faults[FAULT_SLOW])
        len = mx_time_from_s(mx_time_to_s(len) * srv->slow_factor);
    mp->wait_seq = loop_schedule(&r->loop, mx_add(loop_now(&r->loop), mx_add(len, extra)),
                                 EV_SESSION_END, m);
}

/* A session starts on a free worker. */
static void start_session(struct run *r, uint32_t s, uint32_t m, mx_time extra)
{
    struct srv *srv = srv_of(r, s);
    server_settle(r, s);
    srv->busy++;
    if (srv->busy > srv->peak && counting(r))
        srv->peak = srv->busy;
    schedule_session_end(r, s, m, extra);
}

enum connect_result server_connect(struct run *r, uint32_t s, uint32_t addr, uint32_t m,
                                   mx_time connect)
{
    struct srv *srv = srv_of(r, s);
    bool count = counting(r);
    const uint32_t *af = r->addr_faults ? &r->addr_faults[(size_t)addr * FAULT_MODES] : NULL;
#define OPEN(mode) (srv->faults[mode] || (af && af[mode]))
    /* R65: with several windows open, the one that fails earliest wins */
    if (OPEN(FAULT_BLACKHOLE)) {
        srv->timed_out += count, srv->all.timed_out++;
        return CONNECT_TIMEOUT;
    }
    if (OPEN(FAULT_REFUSED)) {
        srv->refused += count, srv->all.refused++;
        return CONNECT_REFUSED;
    }
    if (OPEN(FAULT_NOGREET)) {
        srv->timed_out += count, srv->all.timed_out++;
        return CONNECT_MUTE;
    }
    if (OPEN(FAULT_TEMPFAIL) || OPEN(FAULT_REJECT)) {
        srv->tempfailed += count, srv->all.tempfailed++;
        return OPEN(FAULT_TEMPFAIL) ? CONNECT_TEMPFAIL : CONNECT_REJECT;
    }
#undef OPEN
    if (srv->busy < srv->cfg->process_limit) {
        start_session(r, s, m, connect);
        return CONNECT_SESSION;
    }
    if (srv->cfg->when_full == FULL_WAIT && srv->bl_len < srv->cfg->backlog) {
        struct msg *mp = pool_at(&r->msgs, m);
        mp->server = s;
        mp->next = MX_NONE;
        mp->prev = srv->bl_tail;
        if (srv->bl_tail != MX_NONE)
            ((struct msg *)pool_at(&r->msgs, srv->bl_tail))->next = m;
        else
            srv->bl_head = m;
        srv->bl_tail = m;
        srv->bl_len++;
        return CONNECT_QUEUED;
    }
    if (srv->cfg->when_full == FULL_REFUSE) {
        srv->refused += count, srv->all.refused++;
        return CONNECT_REFUSED;
    }
    srv->timed_out += count, srv->all.timed_out++;
    return CONNECT_TIMEOUT;
}

static void unlink_backlog(struct run *r, struct srv *srv, uint32_t m)
{
    struct msg *mp = pool_at(&r->msgs, m);
    if (mp->prev != MX_NONE)
        ((struct msg *)pool_at(&r->msgs, mp->prev))->next = mp->next;
    else
        srv->bl_head = mp->next;
    if (mp->next != MX_NONE)
        ((struct msg *)pool_at(&r->msgs, mp->next))->prev = mp->prev;
    else
        srv->bl_tail = mp->prev;
    mp->prev = mp->next = MX_NONE;
    srv->bl_len--;
}

void server_abandon(struct run *r, uint32_t s, uint32_t m)
{
    struct srv *srv = srv_of(r, s);
    unlink_backlog(r, srv, m);
    srv->timed_out += counting(r), srv->all.timed_out++;
    ((struct msg *)pool_at(&r->msgs, m))->server = MX_NONE;
}

/* A worker is free: it accepts the first connection in the backlog, if any. */
static void free_slot(struct run *r, uint32_t s)
{
    struct srv *srv = srv_of(r, s);
    assert(srv->busy > 0);
    server_settle(r, s);
    srv->busy--;
    if (srv->bl_head != MX_NONE) {
        uint32_t next = srv->bl_head;
        unlink_backlog(r, srv, next);
        /* Its greeting timeout is now stale (wait_seq). The wait was its setup: the
         * session starts at once, or when what is left of its own connect latency
         * (trace_columns) has passed. */
        const struct msg *np = pool_at(&r->msgs, next);
        mx_time left = 0;
        if (np->flags & MSG_OWN_CONNECT)
            left = msg_own_left(np, np->own_connect, loop_now(&r->loop));
        start_session(r, s, next, left);
    }
}

void server_session_end(struct run *r, uint32_t s, bool keep)
{
    struct srv *srv = srv_of(r, s);
    srv->accepted += counting(r);
    srv->all.accepted++;
    if (!keep)
        free_slot(r, s);
}

void server_release(struct run *r, uint32_t s)
{
    free_slot(r, s);
}

void server_reuse(struct run *r, uint32_t s, uint32_t m, mx_time rset)
{
    assert(srv_of(r, s)->busy > 0); /* the cached connection holds its worker */
    schedule_session_end(r, s, m, rset);
}

bool server_down(const struct run *r, uint32_t s, uint32_t addr)
{
    static const enum scen_fault_mode down[] = {FAULT_BLACKHOLE, FAULT_REFUSED, FAULT_NOGREET,
                                                FAULT_TEMPFAIL, FAULT_REJECT};
    const struct srv *v = &r->srv[s];
    const uint32_t *af = r->addr_faults ? &r->addr_faults[(size_t)addr * FAULT_MODES] : NULL;
    for (size_t i = 0; i < MX_ARRAY_LEN(down); i++)
        if (v->faults[down[i]] || (af && af[down[i]]))
            return true;
    return false;
}

void server_fault(struct run *r, uint32_t s, enum scen_fault_mode mode, double factor, int delta)
{
    struct srv *srv = srv_of(r, s);
    uint32_t *n = &srv->faults[mode];
    if (mode == FAULT_SLOW && delta > 0)
        srv->slow_factor = factor; /* SIMPLIFICATION(R65): overlapping slow windows: the last */
    assert(delta > 0 || *n > 0);
    *n = (uint32_t)((int64_t)*n + delta);
}

void server_check(const struct run *r, uint32_t s)
{
    const struct srv *srv = &r->srv[s];
    assert(srv->busy <= (uint64_t)srv->cfg->process_limit);
    assert(srv->bl_len <= (uint64_t)srv->cfg->backlog);
    uint32_t n = 0;
    for (uint32_t m = srv->bl_head; m != MX_NONE; n++) {
        const struct msg *mp = pool_at(&r->msgs, m);
        assert(mp->server == s);
        m = mp->next;
    }
    assert(n == srv->bl_len);
    (void)srv, (void)n;
}
