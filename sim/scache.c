/* scache.c -- see scache.h.
 * SIMPLIFICATION(R38): a reused connection's RSET probe costs one round trip (a
 *   connect_latency draw, sender.c) and always succeeds on a live server; the
 *   delivery's session time is drawn from the same distribution as a new one's.
 * SIMPLIFICATION(R65): an idle cached connection to a server that has failed since
 *   is found dead when next taken, at no cost (Postfix's RSET probe would fail,
 *   after up to smtp_rset_timeout against a black hole). */
#include "scache.h"

#include "server.h"

static struct conn *conn_at(const struct run *r, uint32_t c)
{
    return pool_at(&r->conns, c);
}

static const struct scen_sender *cfg_of(const struct run *r, uint32_t inst)
{
    return &r->scen->senders[r->inst[inst].sender];
}

uint32_t scache_open(struct run *r, uint32_t s, uint32_t addr, uint32_t dq, mx_time t)
{
    uint32_t c;
    if (pool_get(&r->conns, &c) != MX_OK) {
        r->loop.nomem = true;
        return MX_NONE;
    }
    *conn_at(r, c) = (struct conn){.server = s, .addr = addr, .dq = dq, .started = t,
                                   .prev = MX_NONE, .next = MX_NONE};
    return c;
}

static void unlink_conn(struct run *r, uint32_t inst, uint32_t c)
{
    struct inst *in = &r->inst[inst];
    struct conn *cp = conn_at(r, c);
    if (cp->prev != MX_NONE)
        conn_at(r, cp->prev)->next = cp->next;
    else
        in->cache_head = cp->next;
    if (cp->next != MX_NONE)
        conn_at(r, cp->next)->prev = cp->prev;
    else
        in->cache_tail = cp->prev;
    cp->prev = cp->next = MX_NONE;
    cp->idle_seq = 0; /* its idle timer is now stale */
}

void scache_close(struct run *r, uint32_t c)
{
    server_release(r, conn_at(r, c)->server);
    pool_put(&r->conns, c);
}

/* The first idle connection (oldest first) that matches; dead ones are closed. */
static uint32_t take(struct run *r, uint32_t inst, uint32_t key, bool by_hop)
{
    for (uint32_t c = r->inst[inst].cache_head, next; c != MX_NONE; c = next) {
        struct conn *cp = conn_at(r, c);
        next = cp->next;
        if ((by_hop ? cp->dq : cp->addr) != key)
            continue;
        unlink_conn(r, inst, c);
        if (server_down(r, cp->server, cp->addr)) {
            scache_close(r, c);
            continue;
        }
        return c;
    }
    return MX_NONE;
}

uint32_t scache_take_hop(struct run *r, uint32_t inst, uint32_t dq)
{
    return take(r, inst, dq, true);
}

uint32_t scache_take_addr(struct run *r, uint32_t inst, uint32_t addr)
{
    return take(r, inst, addr, false);
}

void scache_put(struct run *r, uint32_t inst, uint32_t c)
{
    const struct scen_sender *cfg = cfg_of(r, inst);
    struct conn *cp = conn_at(r, c);
    mx_time now = loop_now(&r->loop);
    cp->uses++;
    /* R40: used for at most the reuse time limit from when it was opened, and for
     * at most the count limit (0: no limit) */
    if (now - cp->started >= cfg->smtp_connection_reuse_time_limit ||
        (cfg->smtp_connection_reuse_count_limit > 0 &&
         cp->uses >= (uint32_t)cfg->smtp_connection_reuse_count_limit)) {
        scache_close(r, c);
        return;
    }
    struct inst *in = &r->inst[inst];
    cp->next = MX_NONE;
    cp->prev = in->cache_tail;
    if (in->cache_tail != MX_NONE)
        conn_at(r, in->cache_tail)->next = c;
    else
        in->cache_head = c;
    in->cache_tail = c;
    /* R39: idle for at most smtp_connection_cache_time_limit, capped by the cache
     * service's connection_cache_ttl_limit */
    mx_time ttl = cfg->smtp_connection_cache_time_limit;
    if (ttl > cfg->connection_cache_ttl_limit)
        ttl = cfg->connection_cache_ttl_limit;
    uint64_t seq = loop_schedule_after(&r->loop, ttl, EV_CONN_IDLE, c);
    conn_at(r, c)->idle_seq = seq;
}

void scache_on_idle(void *run, const struct ev *ev)
{
    struct run *r = run;
    struct conn *cp = conn_at(r, ev->ref);
    if (cp->idle_seq != ev->seq) { /* taken meanwhile, or closed */
        loop_stale(&r->loop);
        return;
    }
    unlink_conn(r, r->dq[cp->dq].inst, ev->ref);
    scache_close(r, ev->ref);
}

void scache_check(const struct run *r, uint32_t inst)
{
    uint32_t prev = MX_NONE;
    for (uint32_t c = r->inst[inst].cache_head; c != MX_NONE;) {
        const struct conn *cp = conn_at(r, c);
        assert(cp->prev == prev && cp->idle_seq != 0);
        prev = c;
        c = cp->next;
    }
    assert(r->inst[inst].cache_tail == prev);
    (void)prev;
}
