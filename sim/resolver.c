/* resolver.c -- see resolver.h.
 * SIMPLIFICATION(R58, R59): no negative caching and no SERVFAIL caching; a failed
 *   fetch costs one latency draw, not the stub resolver's timeout x attempts. */
#include "resolver.h"

#include "dist.h"

#include <stdlib.h>
#include <string.h>


struct resolver_cache {
    mx_time expires; /* 0 = empty */
    uint64_t key;    /* the fetched order: a rotation offset, or a permutation seed */
    uint32_t rotate; /* this resolver's cyclic counter for rotate = cyclic */
};

/* Gives name, and everything a lookup from it can reach (its CNAME chain, its MX
 * hosts and theirs), a query index: only those can be asked for. */
static void reach(struct resolver_auth *a, uint32_t name)
{
    for (int depth = 0; name != ZONE_NONE && a->qname[name] == ZONE_NONE && depth < 12; depth++) {
        a->qname[name] = a->n_qnames++;
        size_t n;
        const struct zone_mx *mx = zone_mx(a->zone, name, &n);
        for (size_t i = 0; i < n; i++)
            if (mx[i].host != ZONE_NONE && a->qname[mx[i].host] == ZONE_NONE)
                reach(a, mx[i].host); /* depth 2 at most: MX hosts' own MX are not asked */
        name = zone_cname(a->zone, name);
    }
}

int resolver_auth_init(struct resolver_auth *a, const struct scenario *s, const uint32_t *names,
                       size_t n_names)
{
    memset(a, 0, sizeof *a);
    a->zone = s->zone;
    size_t n = zone_n_names(s->zone);
    a->qname = malloc((n + 1) * sizeof *a->qname);
    if (!a->qname)
        return MX_ENOMEM;
    /* A private resolver per sender instance keeps a cache slot per query name: only
     * the names the run's next hops can reach get one, not every name of the zone. */
    for (size_t i = 0; i < n; i++)
        a->qname[i] = ZONE_NONE;
    for (size_t i = 0; i < n_names; i++)
        reach(a, names[i]);
    for (size_t i = 0; i < s->n_faults; i++) /* servfail windows on a name need a slot */
        if (s->faults[i].target == TARGET_NAME)
            reach(a, zone_name(s->zone, s->faults[i].dns_name));
    a->cyclic = calloc(((size_t)a->n_qnames + 1) * ZONE_SETS, sizeof *a->cyclic);
    a->servfail = calloc((size_t)a->n_qnames + 1, sizeof *a->servfail);
    return a->cyclic && a->servfail ? MX_OK : MX_ENOMEM;
}

void resolver_auth_fini(struct resolver_auth *a)
{
    free(a->qname), free(a->cyclic), free(a->servfail);
    memset(a, 0, sizeof *a);
}

int resolver_init(struct resolver_rt *res, const struct scen_resolver *cfg, uint64_t seed)
{
    memset(res, 0, sizeof *res);
    res->cfg = cfg;
    return rng_init(&res->rng, seed);
}

void resolver_fini(struct resolver_rt *res)
{
    if (res->rng.r)
        rng_fini(&res->rng);
    free(res->cache);
    res->cache = NULL;
}

/* perm = a uniform permutation of 0..n-1 from a 64-bit key (Fisher-Yates driven by
 * SplitMix64), so a cached random order is one word, not n. */
static void permute(uint32_t *perm, size_t n, uint64_t key)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        key = rng_mix64(key);
        size_t j = (size_t)(key % i); /* bias < n / 2^64: none that matters */
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

static void rotate(uint32_t *perm, size_t n, size_t by, uint32_t *tmp)
{
    by %= n;
    if (by == 0)
        return;
    memcpy(tmp, perm, n * sizeof *perm);
    for (size_t i = 0; i < n; i++)
        perm[i] = tmp[(i + by) % n];
}

/* The order a fetch hands out (rrset_order), as a key for cache entries. */
static uint64_t fetch_key(struct resolver_rt *res, struct resolver_auth *a, size_t slot, size_t n)
{
    switch (res->cfg->rrset_order) {
    case ORDER_CYCLIC:
        return a->cyclic[slot]++;
    case ORDER_RANDOM:
        return ((uint64_t)gsl_rng_get(res->rng.r) << 32) ^ gsl_rng_get(res->rng.r);
    case ORDER_ROUNDROBIN:
        return rng_below(&res->rng, (uint32_t)n);
    default:
        return 0;
    }
}

static void apply_key(int order, uint64_t key, uint32_t *perm, size_t n, uint32_t *tmp)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    if (order == ORDER_RANDOM)
        permute(perm, n, key);
    else if (order != ORDER_FIXED)
        rotate(perm, n, (size_t)(key % n), tmp);
}

static size_t set_size(const struct zone *z, uint32_t name, enum zone_set set)
{
    size_t n = 0;
    if (set == ZONE_SET_MX)
        zone_mx(z, name, &n);
    else
        zone_addrs(z, name, &n);
    return n;
}

/* One query's cost at now: a cache hit (nothing), or a fetch: one latency draw,
 * SERVFAIL while a window is open on the name or on "dns", else the authority's
 * order (its key), kept for the TTL with cache = yes. n: the set's size. */
static enum resolver_status ask(struct resolver_rt *res, struct resolver_auth *a, uint32_t name,
                                enum zone_set set, size_t n, mx_time now, mx_time *latency,
                                struct resolver_cache **entry, uint64_t *key)
{
    const struct scen_resolver *c = res->cfg;
    size_t slot = (size_t)a->qname[name] * ZONE_SETS + set;
    assert(a->qname[name] != ZONE_NONE); /* every name a lookup reaches has a slot */
    if (!res->cache &&
        !(res->cache = calloc((size_t)a->n_qnames * ZONE_SETS + 1, sizeof *res->cache)))
        return RES_NOMEM;
    struct resolver_cache *e = *entry = &res->cache[slot];
    if (c->cache && e->expires > now) {
        res->hits++;
        *key = e->key;
        return RES_OK;
    }
    *latency = mx_add(*latency, dist_draw(&c->latency, &res->rng));
    if (a->servfail_all || a->servfail[a->qname[name]]) {
        res->servfails++;
        return RES_SERVFAIL;
    }
    res->misses++;
    *key = fetch_key(res, a, slot, n ? n : 1);
    if (c->cache) {
        uint32_t ttl = zone_ttl(a->zone, name, set);
        e->expires = mx_add(now, (mx_time)ttl * MX_NS_PER_S); /* TTL 0: never a hit */
        e->key = *key;
    }
    return RES_OK;
}

bool resolver_zone_order(const struct resolver_rt *res, const struct resolver_auth *a)
{
    return res->cfg->rrset_order == ORDER_FIXED && res->cfg->rotate == ORDER_FIXED &&
           a->servfail_all == 0 && a->servfail_names == 0;
}

enum resolver_status resolver_charge(struct resolver_rt *res, struct resolver_auth *a,
                                     uint32_t name, enum zone_set set, mx_time now,
                                     mx_time *latency)
{
    struct resolver_cache *e;
    uint64_t key;
    return ask(res, a, name, set, 1, now, latency, &e, &key);
}

enum resolver_status resolver_answer(struct resolver_rt *res, struct resolver_auth *a,
                                     uint32_t name, enum zone_set set, mx_time now,
                                     uint32_t *perm, size_t *n_out, mx_time *latency)
{
    size_t n = set_size(a->zone, name, set);
    uint32_t *tmp = perm + n, *tmp2 = perm + 2 * n; /* the caller gives 3n */
    struct resolver_cache *e;
    uint64_t key;
    enum resolver_status st = ask(res, a, name, set, n, now, latency, &e, &key);
    if (st != RES_OK)
        return st;
    const struct scen_resolver *c = res->cfg;
    *n_out = n;
    if (n == 0)
        return RES_OK;
    apply_key(c->rrset_order, key, perm, n, tmp);
    switch (c->rotate) { /* R55, R56: every answer, cached or not */
    case ORDER_CYCLIC:
        rotate(perm, n, e->rotate++, tmp);
        break;
    case ORDER_RANDOM:
        permute(tmp2, n, ((uint64_t)gsl_rng_get(res->rng.r) << 32) ^ gsl_rng_get(res->rng.r));
        memcpy(tmp, perm, n * sizeof *perm);
        for (size_t i = 0; i < n; i++)
            perm[i] = tmp[tmp2[i]];
        break;
    case ORDER_ROUNDROBIN:
        rotate(perm, n, rng_below(&res->rng, (uint32_t)n), tmp);
        break;
    default:
        break;
    }
    return RES_OK;
}
