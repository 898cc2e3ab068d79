/* run.c -- see run.h. */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "policy.h"
#include "qmgr.h"
#include "scache.h"
#include "sender.h"
#include "server.h"
#include "traffic.h"
#include "zone.h"

static uint64_t stream_seed(uint64_t seed, uint64_t point, uint64_t rep, const char *kind,
                            const char *name, long inst)
{
    char buf[300];
    if (inst >= 0)
        snprintf(buf, sizeof buf, "%s:%s#%ld", kind, name, inst);
    else
        snprintf(buf, sizeof buf, "%s:%s", kind, name);
    return rng_derive(seed, point, rep, buf);
}

/* The recipient domains of all traffic, in order of first appearance. */
static int build_domains(struct run *r, struct mx_err *err)
{
    const struct scenario *s = r->scen;
    r->domains = calloc(s->n_traffic + 1, sizeof *r->domains);
    if (!r->domains)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    for (size_t t = 0; t < s->n_traffic; t++) {
        uint32_t d = 0;
        while (d < r->n_domains && strcmp(r->domains[d], s->traffic[t].to) != 0)
            d++;
        if (d == r->n_domains)
            r->domains[r->n_domains++] = s->traffic[t].to;
        r->traffic[t].domain = d;
    }
    return MX_OK;
}

/* The nexthops of each sender (R1): its relayhost, or every recipient domain (a
 * relay server may forward any of them to it); plus, with a relayhost, a nexthop for
 * each domain its transport table names (transport(5) overrides relayhost):
 * dest_base[sender] + hop_of[sender][domain]. Behind them,
 * per sender, the chain of further hops (R3): the other relayhosts, then the
 * fallback relays; every primary nexthop's next is the chain's first. */
static int build_nexthops(struct run *r, struct mx_err *err)
{
    const struct scenario *s = r->scen;
    size_t ns = s->n_senders, most = 1;
    int rc = build_domains(r, err);
    if (rc != MX_OK)
        return rc;
    for (size_t k = 0; k < ns; k++)
        most += r->n_domains + s->senders[k].n_hops;
    r->dest_base = calloc(ns + 1, sizeof *r->dest_base);
    r->n_nexthops = calloc(ns + 1, sizeof *r->n_nexthops);
    r->dest = calloc(most, sizeof *r->dest);
    r->hop_of = calloc(ns * r->n_domains + 1, sizeof *r->hop_of);
    if (!r->dest_base || !r->n_nexthops || !r->dest || !r->hop_of)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    uint32_t n = 0;
    for (size_t k = 0; k < ns; k++) {
        const struct scen_sender *snd = &s->senders[k];
        const struct scen_hop *relay = snd->n_relay ? &snd->hops[0] : NULL;
        r->dest_base[k] = n;
        if (relay) /* R1: all mail shares the relayhost's queue... */
            policy_hop_init(s, snd, relay, relay->target, &r->dest[n++]);
        for (uint32_t d = 0; d < r->n_domains; d++) {
            const struct scen_hop *t = NULL; /* the transport table's entry, if any */
            for (size_t i = 0; i < snd->n_transport && !t; i++)
                if (strcmp(snd->transport_domain[i], r->domains[d]) == 0)
                    t = &snd->transport_hop[i];
            if (relay && !t) { /* ...but a transport entry takes precedence */
                r->hop_of[k * r->n_domains + d] = 0;
                continue;
            }
            r->hop_of[k * r->n_domains + d] = n - r->dest_base[k];
            policy_hop_init(s, snd, t, t ? t->target : r->domains[d], &r->dest[n++]);
        }
        r->n_nexthops[k] = n - r->dest_base[k];
        uint32_t chain = n;
        for (size_t h = relay ? 1 : 0; h < snd->n_hops; h++, n++) {
            policy_hop_init(s, snd, &snd->hops[h], snd->hops[h].target, &r->dest[n]);
            if (n > chain)
                r->dest[n - 1].next = n;
        }
        for (uint32_t i = r->dest_base[k]; n > chain && i < chain; i++)
            r->dest[i].next = chain;
    }
    for (size_t t = 0; t < s->n_traffic; t++)
        r->traffic[t].nexthop = r->hop_of[s->traffic[t].sender * r->n_domains + r->traffic[t].domain];
    r->n_dest = n;
    return MX_OK;
}

/* Named resolvers first (index = scenario order), then a private one for each
 * instance of a sender without resolver = (its own cache, R58). */
static int build_resolvers(struct run *r, uint64_t seed, uint64_t point, uint64_t rep,
                           struct mx_err *err)
{
    const struct scenario *s = r->scen;
    uint64_t n = s->n_resolvers;
    for (size_t k = 0; k < s->n_senders; k++)
        if (s->senders[k].resolver == SCEN_PRIVATE_RESOLVER)
            n += (uint64_t)s->senders[k].instances;
    size_t ms = zone_max_set(s->zone);
    r->res = calloc(n + 1, sizeof *r->res);
    r->perm = malloc(3 * ms * sizeof *r->perm);
    r->mx_order = malloc(ms * sizeof *r->mx_order);
    uint32_t *names = malloc((r->n_dest + 1) * sizeof *names);
    for (uint32_t d = 0; names && d < r->n_dest; d++)
        names[d] = r->dest[d].name;
    int rc = names ? resolver_auth_init(&r->auth, s, names, r->n_dest) : MX_ENOMEM;
    free(names);
    for (uint32_t d = 0; rc == MX_OK && r->mx_order && d < r->n_dest; d++)
        rc = policy_plan(r, &r->dest[d]);
    if (!r->res || !r->perm || !r->mx_order || rc != MX_OK)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    for (size_t k = 0; k < s->n_resolvers; k++, r->n_res++)
        if (resolver_init(&r->res[k], &s->resolvers[k],
                          stream_seed(seed, point, rep, "resolver", s->resolvers[k].name, -1)))
            return mx_fail(err, MX_ENOMEM, "out of memory");
    return MX_OK;
}

static int build_instances(struct run *r, uint64_t seed, uint64_t point, uint64_t rep,
                           struct mx_err *err)
{
    const struct scenario *s = r->scen;
    uint64_t n_inst = 0, n_dq = 0;
    for (size_t k = 0; k < s->n_senders; k++) {
        n_inst += (uint64_t)s->senders[k].instances;
        n_dq += (uint64_t)s->senders[k].instances * r->n_nexthops[k];
    }
    if (n_inst > UINT32_MAX / 2 || n_dq > UINT32_MAX / 2)
        return mx_fail(err, MX_EINPUT, "too many sender instances");
    r->inst_base = calloc(s->n_senders + 1, sizeof *r->inst_base);
    r->deferred = calloc(s->n_senders + 1, sizeof *r->deferred);
    r->inst = calloc(n_inst + 1, sizeof *r->inst);
    r->dq = calloc(n_dq + 1, sizeof *r->dq);
    if (!r->inst_base || !r->inst || !r->dq || !r->deferred)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    uint32_t i = 0, q = 0;
    for (size_t k = 0; k < s->n_senders; k++) {
        r->inst_base[k] = i;
        for (long c = 0; c < s->senders[k].instances; c++, i++) {
            r->inst[i].sender = (uint32_t)k;
            r->inst[i].dq_base = q;
            for (uint32_t h = 0; h < r->n_nexthops[k]; h++, q++)
                r->dq[q] = (struct dq){.inst = i, .dest = r->dest_base[k] + h, .head = MX_NONE,
                                       .tail = MX_NONE, .last_done = -1};
            r->inst[i].cache_head = r->inst[i].cache_tail = MX_NONE;
            r->inst[i].in_head = r->inst[i].in_tail = MX_NONE;
            r->inst[i].re_head = r->inst[i].re_tail = MX_NONE;
            const char *nm = s->senders[k].name;
            long tag = s->senders[k].instances > 1 ? c : -1;
            if (rng_init(&r->inst[i].rng, stream_seed(seed, point, rep, "sender", nm, tag)))
                return mx_fail(err, MX_ENOMEM, "out of memory");
            r->n_inst = i + 1;
            /* R51: sendmail's mxrand seed, fixed per process (here per instance) */
            r->inst[i].process_seed = stream_seed(seed, point, rep, "mxrand", nm, tag);
            if (s->senders[k].resolver != SCEN_PRIVATE_RESOLVER) {
                r->inst[i].resolver = (uint32_t)s->senders[k].resolver;
                continue;
            }
            r->inst[i].resolver = r->n_res;
            if (resolver_init(&r->res[r->n_res], &s->default_resolver,
                              stream_seed(seed, point, rep, "resolver-of", nm, tag)))
                return mx_fail(err, MX_ENOMEM, "out of memory");
            r->n_res++;
        }
    }
    return MX_OK;
}

static int build_servers(struct run *r, uint64_t seed, uint64_t point, uint64_t rep,
                         struct mx_err *err)
{
    const struct scenario *s = r->scen;
    size_t na = zone_n_addrs(s->zone);
    r->addr_server = malloc((na + 1) * sizeof *r->addr_server);
    r->srv = calloc(s->n_servers + 1, sizeof *r->srv);
    if (!r->addr_server || !r->srv)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    for (size_t a = 0; a < na; a++)
        r->addr_server[a] = MX_NONE;
    for (size_t k = 0; k < s->n_servers; k++) {
        if (server_init(r, (uint32_t)k, stream_seed(seed, point, rep, "server", s->servers[k].name, -1)))
            return mx_fail(err, MX_ENOMEM, "out of memory");
        for (size_t a = 0; a < s->servers[k].n_address; a++) {
            uint32_t id = zone_addr(s->zone, s->servers[k].address[a]);
            assert(id != ZONE_NONE); /* scen interns every server address */
            r->addr_server[id] = (uint32_t)k;
        }
    }
    return MX_OK;
}

/* A sample at each multiple of sample_every; the chain ends with the run. */
static void on_sample(void *run, const struct ev *ev)
{
    struct run *r = run;
    r->on_sample(r->sample_ctx, r);
    if (ev->t <= MX_TIME_MAX - r->sample_every)
        loop_schedule(&r->loop, ev->t + r->sample_every, EV_SAMPLE, 0);
}

int run_init(struct run *r, const struct scenario *s, uint64_t seed, uint64_t point, uint64_t rep,
             struct mx_err *err)
{
    memset(r, 0, sizeof *r);
    r->scen = s;
    loop_init(&r->loop);
    pool_init(&r->msgs, sizeof(struct msg));
    pool_init(&r->conns, sizeof(struct conn));
    hist_init(&r->totals.delay);
    hist_init(&r->totals.hop_delay);
    r->end_of_arrivals = s->sim.duration;
    r->end_of_drain = s->sim.duration > MX_TIME_MAX - s->sim.drain ? MX_TIME_MAX
                                                                   : s->sim.duration + s->sim.drain;
    loop_on(&r->loop, EV_ARRIVAL, traffic_on_arrival, r);
    loop_on(&r->loop, EV_START, sender_on_start, r);
    loop_on(&r->loop, EV_DNS_DONE, sender_on_dns_done, r);
    loop_on(&r->loop, EV_CONNECT_FAIL, sender_on_connect_fail, r);
    loop_on(&r->loop, EV_GREETING_TIMEOUT, sender_on_greeting_timeout, r);
    loop_on(&r->loop, EV_SESSION_END, sender_on_session_end, r);
    loop_on(&r->loop, EV_RETRY, sender_on_retry, r);
    loop_on(&r->loop, EV_FAULT, fault_on_edge, r);
    loop_on(&r->loop, EV_SAMPLE, on_sample, r);
    loop_on(&r->loop, EV_REVIVE, qmgr_on_revive, r);
    loop_on(&r->loop, EV_CONN_IDLE, scache_on_idle, r);
    loop_on(&r->loop, EV_ADMIT, qmgr_on_admit, r);
    loop_on(&r->loop, EV_AGENT, qmgr_on_agent, r);
    r->traffic = calloc(s->n_traffic + 1, sizeof *r->traffic);
    if (!r->traffic)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    int rc;
    if ((rc = build_nexthops(r, err)) || (rc = build_resolvers(r, seed, point, rep, err)) ||
        (rc = build_instances(r, seed, point, rep, err)) ||
        (rc = build_servers(r, seed, point, rep, err)))
        return rc;
    /* Faults first, so a window opening at the same instant as an arrival is
     * already in force for it (events at equal times run in scheduling order). */
    r->fault_rng = calloc(s->n_faults + 1, sizeof *r->fault_rng);
    bool addr_faults = false;
    for (size_t f = 0; f < s->n_faults; f++)
        addr_faults |= s->faults[f].target == TARGET_ADDR;
    if (addr_faults)
        r->addr_faults = calloc(zone_n_addrs(s->zone) * FAULT_MODES + 1, sizeof *r->addr_faults);
    if (!r->fault_rng || (addr_faults && !r->addr_faults))
        return mx_fail(err, MX_ENOMEM, "out of memory");
    for (size_t f = 0; f < s->n_faults; f++)
        if (fault_init(r, (uint32_t)f, stream_seed(seed, point, rep, "fault", s->faults[f].name, -1)))
            return mx_fail(err, MX_ENOMEM, "out of memory");
    for (size_t t = 0; t < s->n_traffic; t++)
        if (traffic_init(r, (uint32_t)t, stream_seed(seed, point, rep, "traffic", s->traffic[t].name, -1)))
            return mx_fail(err, MX_ENOMEM, "out of memory");
    if (r->loop.nomem)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    return MX_OK;
}

int run_exec(struct run *r, struct mx_err *err)
{
    if (r->sample_every > 0 && r->on_sample)
        loop_schedule(&r->loop, 0, EV_SAMPLE, 0);
    int rc = loop_run(&r->loop, r->end_of_arrivals);
    if (rc == MX_OK && !r->loop.stop && r->msgs.live > 0)
        rc = loop_run(&r->loop, r->end_of_drain);
    if (rc == MX_ENOMEM)
        return mx_fail(err, rc, "out of memory at simulated time %.3f s",
                       mx_time_to_s(loop_now(&r->loop)));
    if (rc == MX_ELIMIT && r->loop.over_memory)
        return mx_fail(err, rc, "stopped: resident memory %.0f MiB passed --max-memory %.0f MiB "
                       "at simulated time %.3f s, after %llu events",
                       (double)loop_rss() / 1048576.0, (double)r->loop.max_rss / 1048576.0,
                       mx_time_to_s(loop_now(&r->loop)), (unsigned long long)r->loop.events);
    if (rc == MX_ELIMIT)
        return mx_fail(err, rc, "stopped after %llu events (--max-events) at simulated time %.3f s",
                       (unsigned long long)r->loop.events, mx_time_to_s(loop_now(&r->loop)));
    return rc;
}

void run_result(struct run *r, struct run_result *res)
{
    const struct scenario *s = r->scen;
    const struct run_totals *t = &r->totals;
    struct run_server_result *srv = res->server;
    memset(res, 0, sizeof *res);
    res->server = srv;
    res->messages = t->messages;
    res->delivered = t->delivered;
    res->bounced = t->bounced;
    res->queued_at_end = t->in_flight;
    res->delivered_fraction = t->messages ? (double)t->delivered / (double)t->messages : 0;
    res->delay_mean = hist_mean_s(&t->delay);
    res->delay_p50 = mx_time_to_s(hist_quantile(&t->delay, 0.50));
    res->delay_p90 = mx_time_to_s(hist_quantile(&t->delay, 0.90));
    res->delay_p99 = mx_time_to_s(hist_quantile(&t->delay, 0.99));
    res->delay_max = mx_time_to_s(t->delay.max);
    uint64_t finished = t->delivered + t->bounced;
    res->attempts_mean = finished ? (double)t->attempts / (double)finished : 0;
    res->timeout_fraction = finished ? (double)t->paid_timeout / (double)finished : 0;
    res->deferrals = t->deferrals;
    res->suspended = t->suspended;
    /* per delivery to a server: relay hops deliver too */
    uint64_t sessions = t->delivered + t->forwarded;
    res->reused_fraction = sessions ? (double)t->reused / (double)sessions : 0;
    res->forwarded = t->forwarded;
    res->hop_delay_mean = hist_mean_s(&t->hop_delay);
    res->hop_delay_p99 = mx_time_to_s(hist_quantile(&t->hop_delay, 0.99));
    res->events = r->loop.events;
    res->end_time = mx_time_to_s(loop_now(&r->loop));
    uint64_t total = 0;
    for (size_t k = 0; k < s->n_servers; k++)
        total += r->srv[k].accepted;
    mx_time span = loop_now(&r->loop) - s->sim.warmup;
    for (size_t k = 0; k < s->n_servers; k++) {
        struct srv *v = &r->srv[k];
        server_settle(r, (uint32_t)k);
        srv[k] = (struct run_server_result){
            .accepted = v->accepted, .refused = v->refused, .timed_out = v->timed_out,
            .tempfailed = v->tempfailed, .peak_sessions = v->peak,
            .share = total ? (double)v->accepted / (double)total : 0,
            .utilization = span > 0 ? (double)v->busy_area / ((double)span *
                                                              (double)v->cfg->process_limit)
                                    : 0,
        };
    }
}

void run_check(const struct run *r)
{
    evq_check(&r->loop.q);
    sender_check(r);
    for (uint32_t i = 0; i < r->n_inst; i++) {
        scache_check(r, i);
        for (uint32_t h = 0; h < r->n_nexthops[r->inst[i].sender]; h++)
            qmgr_check(r, r->inst[i].dq_base + h);
    }
    for (size_t k = 0; k < r->scen->n_servers; k++)
        server_check(r, (uint32_t)k);
}

void run_fini(struct run *r)
{
    const struct scenario *s = r->scen;
    if (r->srv)
        for (size_t k = 0; k < s->n_servers; k++)
            server_fini(&r->srv[k]);
    if (r->traffic)
        for (size_t t = 0; t < s->n_traffic; t++)
            traffic_fini(&r->traffic[t]);
    for (uint32_t i = 0; i < r->n_inst; i++) {
        rng_fini(&r->inst[i].rng);
        free(r->inst[i].hs);
    }
    free(r->ranked);
    if (r->fault_rng)
        for (size_t f = 0; f < s->n_faults; f++)
            if (r->fault_rng[f].r)
                rng_fini(&r->fault_rng[f]);
    free(r->fault_rng), free(r->addr_faults);
    for (uint32_t i = 0; i < r->n_res; i++)
        resolver_fini(&r->res[i]);
    free(r->res), free(r->perm), free(r->mx_order);
    resolver_auth_fini(&r->auth);
    free(r->srv), free(r->traffic), free(r->inst), free(r->inst_base), free(r->dq);
    free(r->deferred);
    for (uint32_t d = 0; r->dest && d < r->n_dest; d++)
        policy_plan_free(&r->dest[d]);
    free(r->dest), free(r->dest_base), free(r->n_nexthops), free(r->addr_server);
    free(r->domains), free(r->hop_of);
    free(r->scratch);
    pool_fini(&r->msgs);
    pool_fini(&r->conns);
    loop_fini(&r->loop);
    memset(r, 0, sizeof *r);
}
