/* policy.c -- see policy.h. Postfix (mta = postfix) and the ordered sender (R53).
 * SIMPLIFICATION(R4): the MX query and every host's address query are answered in one
 *   step: their latencies add up, and the answers are those at the delivery's start.
 * SIMPLIFICATION(R15): AAAA records are addresses like A records, shuffled together
 *   (smtp_address_preference = any); smtp_balance_inet_protocols is not modelled.
 * SIMPLIFICATION(R3, R16, R25): one nexthop; no relayhost lists, no
 *   smtp_fallback_relay, no loop detection. */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "resolver.h"
#include "zone.h"

/* R9: follow CNAMEs up to 10 links; a longer chain is "not found". */
static uint32_t follow(const struct zone *z, uint32_t name)
{
    for (int i = 0; i < 10 && name != ZONE_NONE; i++) {
        uint32_t next = zone_cname(z, name);
        if (next == ZONE_NONE)
            return name;
        name = next;
    }
    return name != ZONE_NONE && zone_cname(z, name) == ZONE_NONE ? name : ZONE_NONE;
}

/* R37: is nexthop (canonical) in a smtp_connection_cache_destinations list? Entries
 * are separated by commas or white space; brackets and a trailing dot are ignored. */
static bool listed(const char *list, const char *nexthop)
{
    char buf[1024], canon[300];
    snprintf(buf, sizeof buf, "%s", list ? list : "");
    for (char *tok = strtok(buf, ", \t"); tok; tok = strtok(NULL, ", \t")) {
        struct mx_err ignore = {0};
        size_t n = strlen(tok);
        if (tok[0] == '[' && n > 1 && tok[n - 1] == ']')
            tok[n - 1] = '\0', tok++;
        if (zone_canon_name(tok, canon, sizeof canon, &ignore) == MX_OK &&
            strcmp(canon, nexthop) == 0)
            return true;
        if (strcmp(tok, nexthop) == 0) /* an address */
            return true;
    }
    return false;
}

void policy_hop_init(const struct scenario *s, const struct scen_sender *snd,
                     const struct scen_hop *hop, const char *name, struct dest *d)
{
    memset(d, 0, sizeof *d);
    d->relay = hop != NULL; /* R7: a relayhost or fallback relay defers hard failures */
    d->mx = !hop || hop->mx;
    d->literal = ZONE_NONE;
    d->next = MX_NONE;
    d->name = zone_name(s->zone, name);
    if (hop && hop->literal) {
        d->literal = zone_addr(s->zone, name); /* scen interns relayhost literals */
        assert(d->literal != ZONE_NONE);
    }
    d->cache_always = listed(snd->smtp_connection_cache_destinations, name);
}

static int grow_scratch(struct run *r, size_t need)
{
    if (need <= r->n_scratch)
        return MX_OK;
    if (need > POLICY_MAX_LIST)
        return MX_ENOMEM;
    uint32_t cap = r->n_scratch ? r->n_scratch : 16;
    while (cap < need)
        cap *= 2; /* need <= 2^20: no overflow */
    struct dest_entry *ns = realloc(r->scratch, (size_t)cap * sizeof *ns);
    if (!ns)
        return MX_ENOMEM;
    r->scratch = ns;
    r->n_scratch = cap;
    return MX_OK;
}

/* Appends name's addresses (resolver order) with preference pref. RES_SERVFAIL if
 * the lookup failed. */
static enum resolver_status add_addrs(struct run *r, struct resolver_rt *res, uint32_t name,
                                      uint16_t pref, uint32_t *n, mx_time *latency)
{
    uint32_t target = follow(r->scen->zone, name);
    if (target == ZONE_NONE)
        return RES_OK; /* a CNAME loop: "not found" (R9) */
    size_t k;
    enum resolver_status st = resolver_answer(res, &r->auth, target, ZONE_SET_ADDR,
                                              loop_now(&r->loop), r->perm, &k, latency);
    if (st == RES_NOMEM)
        r->loop.nomem = true;
    if (st != RES_OK)
        return st;
    const uint32_t *addrs = zone_addrs(r->scen->zone, target, &k);
    if (*n + k > POLICY_MAX_LIST) /* SIMPLIFICATION(R10): a list this long is cut */
        k = POLICY_MAX_LIST - *n;
    if (grow_scratch(r, *n + k) != MX_OK) {
        r->loop.nomem = true;
        return RES_OK;
    }
    for (size_t i = 0; i < k; i++)
        r->scratch[(*n)++] = (struct dest_entry){addrs[r->perm[i]], target, pref};
    return RES_OK;
}

/* R7: a hop that fails hard is deferred when it is the relayhost ("relayhost
 * configuration problem", 4.3.5), bounced otherwise. */
static enum dest_outcome hard_failure(const struct dest *d)
{
    return d->relay ? DEST_DEFER : DEST_BOUNCE;
}

/* R10, R12: by preference, then by answer position. */
static bool keyed_before(const struct dest_keyed *x, const struct dest_keyed *y)
{
    return x->mx.pref < y->mx.pref || (x->mx.pref == y->mx.pref && x->pos < y->pos);
}

static int cmp_keyed(const void *a, const void *b)
{
    const struct dest_keyed *x = a, *y = b;
    return keyed_before(x, y) ? -1 : keyed_before(y, x);
}

/* Sorts an MX set by keyed_before: insertion sort for the few records a set usually
 * has (qsort's set-up cost a third of a three-MX lookup), qsort past that, where
 * insertion's n^2 would show. The key is total (pos is unique), so both give the
 * same order. */
#define SORT_INSERTION_MAX 16
static void sort_keyed(struct dest_keyed *a, size_t n)
{
    if (n > SORT_INSERTION_MAX) {
        qsort(a, n, sizeof *a, cmp_keyed);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        struct dest_keyed x = a[i];
        size_t j = i;
        for (; j > 0 && keyed_before(&x, &a[j - 1]); j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

struct plan_query {
    uint32_t name;
    uint32_t set; /* enum zone_set */
};

struct dest_plan { /* allocated to size: the queries, then the list */
    uint32_t n_query, n;
    struct dest_entry *list;
    struct plan_query query[]; /* the MX set, then each host's addresses */
};

/* What policy_lookup below does with every answer in zone order (perm = identity),
 * recorded instead of asked: the MX query of the name (R4), then, by preference
 * and zone order (R10, R12), the address query of each host that is not a CNAME
 * loop (R9), or the name's own addresses (R5, R2). Hard failures (R5 to R8) and
 * long lists are not planned. */
int policy_plan(struct run *r, struct dest *d)
{
    const struct zone *z = r->scen->zone;
    struct plan_query query[POLICY_PLAN_MAX + 1];
    struct dest_entry list[POLICY_PLAN_MAX];
    uint32_t n_query = 0, n = 0;
    d->plan = NULL;
    uint32_t name = follow(z, d->name);
    if (d->literal != ZONE_NONE || name == ZONE_NONE)
        return MX_OK;
    size_t n_mx = 0, k;
    const struct zone_mx *mx = NULL;
    if (d->mx) {
        query[n_query++] = (struct plan_query){name, ZONE_SET_MX};
        mx = zone_mx(z, name, &n_mx);
    }
    bool ok = n_mx <= POLICY_PLAN_MAX;
    if (ok && n_mx == 0) {
        const uint32_t *addrs = zone_addrs(z, name, &k);
        query[n_query++] = (struct plan_query){name, ZONE_SET_ADDR};
        ok = k <= POLICY_PLAN_MAX;
        for (size_t i = 0; ok && i < k; i++)
            list[n++] = (struct dest_entry){addrs[i], name, 0};
    }
    struct dest_keyed *order = r->mx_order;
    for (size_t i = 0; ok && i < n_mx; i++) {
        ok = mx[i].host != ZONE_NONE; /* R6: null MX */
        order[i] = (struct dest_keyed){mx[i], (uint32_t)i};
    }
    if (ok && n_mx)
        sort_keyed(order, n_mx);
    for (size_t i = 0; ok && i < n_mx; i++) {
        uint32_t target = follow(z, order[i].mx.host);
        if (target == ZONE_NONE)
            continue;
        const uint32_t *addrs = zone_addrs(z, target, &k);
        query[n_query++] = (struct plan_query){target, ZONE_SET_ADDR};
        ok = n + k <= POLICY_PLAN_MAX;
        for (size_t j = 0; ok && j < k; j++)
            list[n++] = (struct dest_entry){addrs[j], target, order[i].mx.pref};
    }
    if (!ok || n == 0)
        return MX_OK;
    struct dest_plan *p = malloc(sizeof *p + n_query * sizeof *query + n * sizeof *list);
    if (!p)
        return MX_ENOMEM;
    p->n_query = n_query;
    p->n = n;
    memcpy(p->query, query, n_query * sizeof *query);
    p->list = (struct dest_entry *)(p->query + n_query);
    memcpy(p->list, list, n * sizeof *list);
    d->plan = p;
    return MX_OK;
}

void policy_plan_free(struct dest *d)
{
    free(d->plan);
    d->plan = NULL;
}

/* The plan's queries charged as resolver_answer would, and its list. */
static enum dest_outcome planned(struct run *r, const struct dest_plan *p,
                                 struct resolver_rt *res, uint32_t *n, mx_time *latency)
{
    mx_time now = loop_now(&r->loop);
    for (uint32_t i = 0; i < p->n_query; i++)
        if (resolver_charge(res, &r->auth, p->query[i].name, (enum zone_set)p->query[i].set, now,
                            latency) != RES_OK) { /* only memory: no servfail is open */
            r->loop.nomem = true;
            return DEST_DEFER;
        }
    if (grow_scratch(r, p->n) != MX_OK) {
        r->loop.nomem = true;
        return DEST_DEFER;
    }
    memcpy(r->scratch, p->list, p->n * sizeof *p->list);
    *n = p->n;
    return DEST_OK;
}

enum dest_outcome policy_lookup(struct run *r, const struct dest *d, struct resolver_rt *res,
                                uint32_t *n, mx_time *latency)
{
    const struct zone *z = r->scen->zone;
    *n = 0;
    if (d->plan && resolver_zone_order(res, &r->auth))
        return planned(r, d->plan, res, n, latency);
    if (d->literal != ZONE_NONE) { /* [192.0.2.1]: that address, no DNS (R2) */
        if (grow_scratch(r, 1) != MX_OK) {
            r->loop.nomem = true;
            return DEST_DEFER;
        }
        r->scratch[(*n)++] = (struct dest_entry){d->literal, ZONE_NONE, 0};
        return DEST_OK;
    }
    uint32_t name = follow(z, d->name);
    size_t n_mx = 0;
    if (d->mx && name != ZONE_NONE) {
        enum resolver_status st = resolver_answer(res, &r->auth, name, ZONE_SET_MX,
                                                  loop_now(&r->loop), r->perm, &n_mx, latency);
        if (st == RES_NOMEM)
            r->loop.nomem = true;
        if (st != RES_OK)
            return DEST_DEFER; /* R7: SERVFAIL on the MX query defers, no A fallback */
    }
    if (n_mx == 0) { /* R5 implicit MX; or [host] (R2, R13) */
        if (name == ZONE_NONE)
            return hard_failure(d); /* NXDOMAIN (R5) */
        if (add_addrs(r, res, name, 0, n, latency) != RES_OK)
            return DEST_DEFER;
        return *n ? DEST_OK : hard_failure(d);
    }
    size_t k;
    const struct zone_mx *mx = zone_mx(z, name, &k);
    for (size_t i = 0; i < n_mx; i++)
        if (mx[i].host == ZONE_NONE)
            return hard_failure(d); /* R6: a null MX anywhere: no mail */
    /* R10: sort by preference; within one, the resolver's order (R12). The answer
     * position is an explicit second key: the order never rests on a sort's stability. */
    struct dest_keyed *order = r->mx_order;
    for (size_t i = 0; i < n_mx; i++)
        order[i] = (struct dest_keyed){mx[r->perm[i]], (uint32_t)i};
    sort_keyed(order, n_mx);
    bool temporary = false;
    for (size_t i = 0; i < n_mx; i++)
        if (add_addrs(r, res, order[i].mx.host, order[i].mx.pref, n, latency) != RES_OK)
            temporary = true; /* R8: other hosts may still have addresses */
    if (*n)
        return DEST_OK;
    return temporary ? DEST_DEFER : hard_failure(d); /* R8 */
}

/* A partial Fisher-Yates over positions 0..g-1 without touching all g of them: only
 * the positions a swap moved are stored (at most 2 per step). */
struct sparse {
    uint32_t pos[2 * MX_TRY_MAX], val[2 * MX_TRY_MAX];
    uint32_t n;
};

static uint32_t sparse_get(const struct sparse *s, uint32_t p)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->pos[i] == p)
            return s->val[i];
    return p;
}

static void sparse_set(struct sparse *s, uint32_t p, uint32_t v)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->pos[i] == p) {
            s->val[i] = v;
            return;
        }
    assert(s->n < 2 * MX_TRY_MAX);
    s->pos[s->n] = p;
    s->val[s->n++] = v;
}

/* R11: Postfix shuffles the whole list, then sorts it by preference again, so each
 * preference's addresses (across hosts) come out in uniformly random order. We draw
 * that same distribution directly: a partial Fisher-Yates within each preference
 * group, stopping once the address limit is filled (R14 counts after the shuffle),
 * so a delivery costs O(limit) draws, not O(list). R12, R53: no shuffle keeps the
 * answer's order. R13: non-MX lists all have preference 0 and shuffle the same way. */
void policy_order(const struct dest_entry *list, uint32_t n, const struct scen_sender *snd,
                  struct rng_stream *rng, struct msg *m)
{
    /* SIMPLIFICATION(R14): at most MX_TRY_MAX (16) addresses per delivery, also
     * when smtp_mx_address_limit is 0 (no limit) or larger. */
    uint32_t limit = MX_TRY_MAX;
    if (snd->smtp_mx_address_limit > 0 && snd->smtp_mx_address_limit < MX_TRY_MAX)
        limit = (uint32_t)snd->smtp_mx_address_limit;
    if (limit > n)
        limit = n;
    bool shuffle = snd->mta == MTA_POSTFIX && snd->smtp_randomize_addresses;
    uint32_t k = 0;
    for (uint32_t lo = 0; lo < n && k < limit;) {
        uint32_t hi = lo + 1;
        while (hi < n && list[hi].pref == list[lo].pref)
            hi++;
        if (!shuffle || hi - lo == 1) {
            for (uint32_t i = lo; i < hi && k < limit; i++)
                m->try_addr[k++] = list[i].addr;
        } else {
            uint32_t g = hi - lo, take = limit - k < g ? limit - k : g;
            struct sparse sw; /* only n is set: pos and val are read below n only */
            sw.n = 0;
            for (uint32_t i = 0; i < take; i++) {
                uint32_t j = i + rng_below(rng, g - i);
                uint32_t vj = sparse_get(&sw, j);
                sparse_set(&sw, j, sparse_get(&sw, i));
                m->try_addr[k++] = list[lo + vj].addr;
            }
        }
        lo = hi;
    }
    m->n_try = (uint8_t)k;
    m->i_try = 0;
}
