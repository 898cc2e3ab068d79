/* policy.c -- see policy.h. Postfix (mta = postfix) and the ordered sender (R53).
 * R4/R45 (a fresh lookup per delivery) holds trivially: the answer is the zone's and
 * never changes during a run, so it is computed once.
 * SIMPLIFICATION(R54-R60): no resolver yet: every answer comes at once, in zone
 *   order (a fixed-order, non-rotating resolver, R57's default), and TTLs play no part.
 * SIMPLIFICATION(R15): AAAA records are addresses like A records, shuffled together
 *   (smtp_address_preference = any); smtp_balance_inet_protocols is not modelled.
 * SIMPLIFICATION(R3, R16, R25): one nexthop; no relayhost lists, no
 *   smtp_fallback_relay, no loop detection. */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

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
    return zone_cname(z, name) == ZONE_NONE ? name : ZONE_NONE;
}

static const uint32_t *addrs_of(const struct zone *z, uint32_t name, size_t *n)
{
    name = follow(z, name);
    if (name == ZONE_NONE) {
        *n = 0;
        return NULL;
    }
    return zone_addrs(z, name, n);
}

struct keyed {
    struct dest_entry e;
    uint32_t pos;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->e.pref != y->e.pref)
        return x->e.pref < y->e.pref ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int push(struct dest *d, uint32_t *cap, uint32_t addr, uint16_t pref)
{
    if (d->n == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 8;
        struct dest_entry *nl = realloc(d->list, ncap * sizeof *nl);
        if (!nl)
            return MX_ENOMEM;
        d->list = nl;
        *cap = ncap;
    }
    d->list[d->n++] = (struct dest_entry){addr, pref};
    return MX_OK;
}

/* The outcome when nothing usable was found. R7: a relayhost that fails hard is
 * deferred ("relayhost configuration problem"), not bounced. */
static enum dest_outcome not_found(const struct scen_sender *snd)
{
    return snd->relay_target ? DEST_DEFER : DEST_BOUNCE;
}

int policy_resolve(const struct zone *z, const struct scen_sender *snd, const char *nexthop,
                   struct dest *d, struct mx_err *err)
{
    memset(d, 0, sizeof *d);
    uint32_t cap = 0;
    size_t n;
    if (snd->relay_literal) { /* [192.0.2.1]: that address only (R2) */
        uint32_t a = zone_addr(z, nexthop);
        if (a == ZONE_NONE || push(d, &cap, a, 0) != MX_OK)
            goto nomem; /* scen interns every relayhost literal */
        return MX_OK;
    }
    uint32_t name = zone_name(z, nexthop);
    bool mx_lookup = !snd->relay_target || snd->relay_mx;
    const struct zone_mx *mx = NULL;
    size_t n_mx = 0;
    if (name != ZONE_NONE && mx_lookup) {
        uint32_t target = follow(z, name);
        if (target != ZONE_NONE)
            mx = zone_mx(z, target, &n_mx);
    }
    if (n_mx > 0) {
        for (size_t i = 0; i < n_mx; i++)
            if (mx[i].host == ZONE_NONE) { /* R6: a null MX anywhere: no mail */
                d->outcome = not_found(snd);
                return MX_OK;
            }
        for (size_t i = 0; i < n_mx; i++) { /* R10: each address inherits its pref */
            const uint32_t *a = addrs_of(z, mx[i].host, &n);
            for (size_t k = 0; k < n; k++)
                if (push(d, &cap, a[k], mx[i].pref) != MX_OK)
                    goto nomem;
        }
        /* R8: no MX host has an address: every failure here is permanent. */
    } else if (name != ZONE_NONE) { /* R5: implicit MX, or [host] (R2) */
        const uint32_t *a = addrs_of(z, name, &n);
        for (size_t k = 0; k < n; k++)
            if (push(d, &cap, a[k], 0) != MX_OK)
                goto nomem;
    }
    if (d->n == 0) { /* R5 NXDOMAIN, R8 */
        d->outcome = not_found(snd);
        return MX_OK;
    }
    /* R10: sort by preference, keeping zone order within one (R12). qsort is not
     * stable, so the zone position is an explicit second key. */
    struct keyed *tmp = malloc((size_t)d->n * sizeof *tmp);
    if (!tmp)
        goto nomem;
    for (uint32_t i = 0; i < d->n; i++)
        tmp[i] = (struct keyed){d->list[i], i};
    qsort(tmp, d->n, sizeof *tmp, cmp_keyed);
    for (uint32_t i = 0; i < d->n; i++)
        d->list[i] = tmp[i].e;
    free(tmp);
    d->outcome = DEST_OK;
    return MX_OK;
nomem:
    free(d->list);
    d->list = NULL;
    return mx_fail(err, MX_ENOMEM, "out of memory resolving %s", nexthop);
}

void policy_dest_fini(struct dest *d)
{
    free(d->list);
    d->list = NULL;
    d->n = 0;
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
void policy_order(const struct dest *d, const struct scen_sender *snd, struct rng_stream *rng,
                  struct msg *m)
{
    /* SIMPLIFICATION(R14): at most MX_TRY_MAX (16) addresses per delivery, also
     * when smtp_mx_address_limit is 0 (no limit) or larger. */
    uint32_t limit = MX_TRY_MAX;
    if (snd->smtp_mx_address_limit > 0 && snd->smtp_mx_address_limit < MX_TRY_MAX)
        limit = (uint32_t)snd->smtp_mx_address_limit;
    if (limit > d->n)
        limit = d->n;
    bool shuffle = snd->mta == MTA_POSTFIX && snd->smtp_randomize_addresses;
    uint32_t k = 0;
    for (uint32_t lo = 0; lo < d->n && k < limit;) {
        uint32_t hi = lo + 1;
        while (hi < d->n && d->list[hi].pref == d->list[lo].pref)
            hi++;
        if (!shuffle || hi - lo == 1) {
            for (uint32_t i = lo; i < hi && k < limit; i++)
                m->try_addr[k++] = d->list[i].addr;
        } else {
            uint32_t g = hi - lo, take = limit - k < g ? limit - k : g;
            struct sparse sw = {.n = 0};
            for (uint32_t i = 0; i < take; i++) {
                uint32_t j = i + rng_below(rng, g - i);
                uint32_t vj = sparse_get(&sw, j);
                sparse_set(&sw, j, sparse_get(&sw, i));
                m->try_addr[k++] = d->list[lo + vj].addr;
            }
        }
        lo = hi;
    }
    m->n_try = (uint8_t)k;
    m->i_try = 0;
}
