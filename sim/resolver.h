/* resolver.h -- a caching DNS resolver between a sender and the zone (R54 to R60).
 * Owns:   struct resolver_rt: its cache of record sets, its stream, hit/miss counts.
 * Reads:  the zone (immutable), its const struct scen_resolver, the clock.
 * How an answer's order is made, for a record set of n records in zone order:
 *   1. On a fetch (a cache miss, or every lookup with cache = no), the authority
 *      orders the set by rrset_order: fixed (zone order), cyclic (rotated one
 *      further per fetch, one counter per set shared by every resolver: it is the
 *      authority's), random (a uniform permutation), roundrobin (a rotation from a
 *      uniformly random offset).
 *   2. With cache = yes the set is kept for its TTL in that order (R58).
 *   3. Every answer is then reordered by rotate (no, cyclic, random, roundrobin),
 *      as a rotating cache does to cached and fresh answers alike (R55, R56).
 * A fetch costs one latency draw; a cache hit costs nothing. A fault window of mode
 * servfail on "dns" or on the name makes fetches fail (SERVFAIL, R7); answers
 * already cached still come. */
#ifndef MXSIM_RESOLVER_H
#define MXSIM_RESOLVER_H

#include <stdbool.h>
#include <stdint.h>

#include "rng.h"
#include "scen.h"
#include "zone.h"

struct resolver_cache; /* per query name and set */

struct resolver_rt {
    const struct scen_resolver *cfg;
    struct rng_stream rng;
    struct resolver_cache *cache; /* n_qnames * ZONE_SETS entries, made on first use */
    uint64_t hits, misses, servfails;
};

/* The authority's state, shared by every resolver of a run. */
struct resolver_auth {
    const struct zone *zone;
    uint32_t *qname;      /* zone name id -> query-name index, or ZONE_NONE: names no
                           * lookup of the run can reach */
    uint32_t n_qnames;
    uint32_t *cyclic;     /* per query name and set: the authority's rotation */
    uint32_t *servfail;   /* per query name: open servfail windows */
    uint32_t servfail_all; /* open servfail windows on "dns" */
    uint32_t servfail_names; /* open servfail windows on names, all names together */
};

enum resolver_status { RES_OK, RES_SERVFAIL, RES_NOMEM };

/* names: the run's next hops (zone name ids; ZONE_NONE entries are skipped). */
int resolver_auth_init(struct resolver_auth *a, const struct scenario *s, const uint32_t *names,
                       size_t n_names);
void resolver_auth_fini(struct resolver_auth *a);
int resolver_init(struct resolver_rt *res, const struct scen_resolver *cfg, uint64_t seed);
void resolver_fini(struct resolver_rt *res);

/* Answers the set (ZONE_SET_MX or ZONE_SET_ADDR) of name at now: writes into perm
 * the order of the zone's records (perm[i] = index in zone order), n of them, and
 * adds the lookup's cost to *latency. n = 0: the name has no such records. perm must
 * hold 3 * zone_max_set(zone) entries (the rest is scratch). */
enum resolver_status resolver_answer(struct resolver_rt *res, struct resolver_auth *a,
                                     uint32_t name, enum zone_set set, mx_time now,
                                     uint32_t *perm, size_t *n, mx_time *latency);

/* Whether every answer of res comes in zone order (rrset_order = fixed, rotate =
 * no) and no fetch can fail (no servfail window open): a lookup's list is then the
 * same every time, and only its cost varies (policy.c's plans). */
bool resolver_zone_order(const struct resolver_rt *res, const struct resolver_auth *a);
/* What resolver_answer charges for the set at now, without the order: the same
 * hit or fetch, the same draws, the same counts. For resolver_zone_order only. */
enum resolver_status resolver_charge(struct resolver_rt *res, struct resolver_auth *a,
                                     uint32_t name, enum zone_set set, mx_time now,
                                     mx_time *latency);

#endif
