/* policy_mta.c -- the try orders of exim and sendmail (R46 to R52), behind policy.h.
 * exim (R46): MX records sorted by preference x 1000 + random(0..499), drawn per
 *   delivery: hosts of equal preference in random order; each host's own addresses
 *   shuffled too. Addresses whose retry time has not come are skipped (R48) and do
 *   not count against hosts_max_try (R49).
 * sendmail (R51, R52): equal preferences ordered by mxrand(host), a hash of the
 *   lower-cased host name seeded once per process (here: per instance), so one
 *   instance always orders a domain's hosts the same way; addresses in resolver
 *   order; a host that failed is skipped for Timeout.hoststatus (30 min).
 * SIMPLIFICATION(R49): exim's "one address of each higher MX value" past the limit
 *   is not modelled. */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "zone.h"

static int cmp_ranked(const void *a, const void *b)
{
    const struct dest_ranked *x = a, *y = b;
    if (x->e.pref != y->e.pref)
        return x->e.pref < y->e.pref ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* sendmail's mxrand(): a hash of the host name, seeded per process, modulo 65536. */
static uint64_t mxrand(const struct zone *z, uint32_t host, uint64_t seed)
{
    uint64_t h = host != ZONE_NONE ? rng_hash_str(zone_name_text(z, host), seed) : seed;
    return rng_mix64(h) % 65536;
}

static bool skipped(const struct inst *in, uint32_t addr, mx_time now)
{
    return in->hs && in->hs[addr].until > now;
}

uint32_t policy_rank(struct run *r, struct dest_entry *list, uint32_t n, uint32_t inst)
{
    const struct inst *in = &r->inst[inst];
    const struct scen_sender *snd = &r->scen->senders[in->sender];
    if (snd->mta != MTA_EXIM && snd->mta != MTA_SENDMAIL)
        return n;
    if (n > r->n_ranked) {
        struct dest_ranked *nr = realloc(r->ranked, (size_t)n * sizeof *nr);
        if (!nr) {
            r->loop.nomem = true;
            return 0;
        }
        r->ranked = nr;
        r->n_ranked = n;
    }
    mx_time now = loop_now(&r->loop);
    struct rng_stream *rng = &r->inst[inst].rng;
    uint32_t k = 0, last_host = ZONE_NONE;
    uint64_t host_key = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (skipped(in, list[i].addr, now))
            continue;
        if (snd->mta == MTA_EXIM) {
            if (list[i].host != last_host || i == 0) /* a new host: its weight (R46) */
                host_key = rng_below(rng, 500);
            /* host weight, then a random place among the host's own addresses */
            r->ranked[k].key = host_key << 32 | rng_below(rng, UINT32_MAX);
        } else {
            r->ranked[k].key = mxrand(r->scen->zone, list[i].host, in->process_seed);
        }
        last_host = list[i].host;
        r->ranked[k].e = list[i];
        r->ranked[k].pos = k;
        k++;
    }
    qsort(r->ranked, k, sizeof *r->ranked, cmp_ranked);
    for (uint32_t i = 0; i < k; i++)
        list[i] = r->ranked[i].e;
    return k;
}
