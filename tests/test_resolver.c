/* test_resolver.c -- the caching resolver (sim/resolver.h): the order an answer
 * comes in under each rrset_order (R55, R57) and rotate (R55, R56), TTL caching and
 * what it does to the order (R58), lookup latency paid per fetch only (R60), and
 * SERVFAIL on fetches but not on cached sets (R7). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "resolver.h"
#include "scenario_util.h"

static void quiet_gsl(void)
{
    gsl_set_error_handler_off();
}
TestSuite(resolver, .init = quiet_gsl);

/* d. has 3 MX records, four.d. 4 A records, zero.d. 3 A records with TTL 0, a.d. an
 * address but no MX. All other TTLs are 300 s. */
static const char scenario[] = "[dns]\n"
                               "record = d. 300 IN MX 10 a.d.\n"
                               "record = d. 300 IN MX 10 b.d.\n"
                               "record = d. 300 IN MX 10 c.d.\n"
                               "record = a.d. 300 IN A 10.0.0.1\n"
                               "record = four.d. 300 IN A 10.0.1.1\n"
                               "record = four.d. 300 IN A 10.0.1.2\n"
                               "record = four.d. 300 IN A 10.0.1.3\n"
                               "record = four.d. 300 IN A 10.0.1.4\n"
                               "record = zero.d. 0 IN A 10.0.2.1\n"
                               "record = zero.d. 0 IN A 10.0.2.2\n"
                               "record = zero.d. 0 IN A 10.0.2.3\n"
                               "[sender s]\n"
                               "[server x]\naddress = 10.9.9.9\n"
                               "[traffic t]\nfrom = s\nto = d.\nrate = 1/s\n";

#define S(x) ((mx_time)(x) * MX_NS_PER_S)
#define MS5 (5 * MX_NS_PER_S / 1000)

struct fx {
    struct scenario *s;
    struct resolver_auth auth;
    uint32_t *perm; /* 3 * zone_max_set entries, as resolver.h asks */
    uint32_t d, four, zero, a;
};

static void fx_init(struct fx *f)
{
    f->s = load_text(scenario, NULL, 0);
    /* every name of the zone is a next hop here, so every one gets a cache slot */
    size_t n = zone_n_names(f->s->zone);
    uint32_t *names = calloc(n, sizeof *names);
    for (size_t i = 0; i < n; i++)
        names[i] = (uint32_t)i;
    cr_assert_eq(resolver_auth_init(&f->auth, f->s, names, n), MX_OK);
    free(names);
    cr_assert_eq(zone_max_set(f->s->zone), 4);
    f->perm = calloc(3 * zone_max_set(f->s->zone), sizeof *f->perm);
    cr_assert_not_null(f->perm);
    f->d = zone_name(f->s->zone, "d.");
    f->four = zone_name(f->s->zone, "four.d.");
    f->zero = zone_name(f->s->zone, "zero.d.");
    f->a = zone_name(f->s->zone, "a.d.");
    cr_assert(f->d != ZONE_NONE && f->four != ZONE_NONE && f->zero != ZONE_NONE &&
              f->a != ZONE_NONE);
}

static void fx_fini(struct fx *f)
{
    free(f->perm);
    resolver_auth_fini(&f->auth);
    scen_free(f->s);
}

static struct scen_resolver cfg(enum scen_order order, int cache, enum scen_order rot,
                                double latency_s)
{
    return (struct scen_resolver){.name = "r",
                                  .rrset_order = order,
                                  .cache = cache,
                                  .rotate = rot,
                                  .latency = {.kind = DIST_CONST, .a = latency_s}};
}

/* One lookup that must answer (RES_OK) with want records; the order is in f->perm,
 * and it must be a permutation of 0..want-1. */
static void ask_ok(struct fx *f, struct resolver_rt *res, uint32_t name, enum zone_set set,
                   mx_time now, size_t want, mx_time *latency)
{
    size_t n = 99;
    mx_time dummy = 0;
    enum resolver_status st =
        resolver_answer(res, &f->auth, name, set, now, f->perm, &n, latency ? latency : &dummy);
    cr_assert_eq(st, RES_OK);
    cr_assert_eq(n, want);
    bool seen[8] = {false};
    for (size_t i = 0; i < n; i++) {
        cr_assert_lt(f->perm[i], n, "not a permutation");
        cr_assert_not(seen[f->perm[i]], "not a permutation: %u twice", f->perm[i]);
        seen[f->perm[i]] = true;
    }
}

/* The answer is the zone order rotated by `by`: perm[i] = (i + by) mod n. */
static void assert_rotation(const uint32_t *perm, size_t n, size_t by, const char *what, int j)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(perm[i], (i + by) % n, "%s answer %d: position %zu is %u, expected rotation "
                                            "by %zu",
                     what, j, i, perm[i], by);
}

/* The rotation offset if perm is a rotation of the zone order, else -1. */
static int rotation_of(const uint32_t *perm, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (perm[i] != (perm[0] + i) % n)
            return -1;
    return (int)perm[0];
}

/* Index 0..5 of a permutation of 3 records, in lexicographic order. */
static int perm3_index(const uint32_t *p)
{
    return (int)(p[0] * 2 + (p[1] > p[2] ? 1 : 0));
}

/* ---- rrset_order on every fetch (cache = no) ---- */

/* R55 fixed, R57 (nsd's default round-robin: no): zone order on every answer, cached
 * or not, for every set, across TTL expiry. */
Test(resolver, fixed_keeps_zone_order_on_every_answer)
{
    struct fx f;
    fx_init(&f);
    for (int cache = 0; cache <= 1; cache++) {
        struct scen_resolver c = cfg(ORDER_FIXED, cache, ORDER_FIXED, 0);
        struct resolver_rt res;
        cr_assert_eq(resolver_init(&res, &c, 17), MX_OK);
        for (int j = 0; j < 60; j++) { /* 0 .. 590 s: crosses the 300 s TTL */
            ask_ok(&f, &res, f.d, ZONE_SET_MX, S(10 * j), 3, NULL);
            assert_rotation(f.perm, 3, 0, "d MX", j);
            ask_ok(&f, &res, f.four, ZONE_SET_ADDR, S(10 * j), 4, NULL);
            assert_rotation(f.perm, 4, 0, "four A", j);
        }
        cr_assert_eq(res.misses, cache ? 4 : 120);
        resolver_fini(&res);
    }
    fx_fini(&f);
}

/* R55 cyclic, R57 round-robin: yes: each fetch rotates the set one further, so with
 * cache = no each of k records is first exactly once per k answers. Over 3k answers
 * the sequence is exact: answer j is the zone order rotated by j mod k. */
Test(resolver, cyclic_uncached_rotates_one_record_per_answer)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_CYCLIC, 0, ORDER_FIXED, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 17), MX_OK);
    int first[4] = {0};
    for (int j = 0; j < 12; j++) {
        ask_ok(&f, &res, f.four, ZONE_SET_ADDR, S(j), 4, NULL);
        assert_rotation(f.perm, 4, (size_t)j % 4, "four A", j);
        first[f.perm[0]]++;
        if (j % 4 == 3) /* each record first exactly once in every block of k */
            for (int i = 0; i < 4; i++)
                cr_assert_eq(first[i], j / 4 + 1, "record %d", i);
    }
    cr_assert_eq(res.misses, 12);
    cr_assert_eq(res.hits, 0);
    resolver_fini(&res);
    fx_fini(&f);
}

/* resolver.h: the cyclic counter is the authority's, one per set, shared by every
 * resolver: two resolvers asking in turn see rotations 0, 1, 2, 3, ... between them.
 * rotate = cyclic is each resolver's own counter: both start at rotation 0. */
Test(resolver, cyclic_counter_is_the_authoritys_rotate_counter_the_resolvers)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_CYCLIC, 0, ORDER_FIXED, 0);
    struct resolver_rt r1, r2;
    cr_assert_eq(resolver_init(&r1, &c, 1), MX_OK);
    cr_assert_eq(resolver_init(&r2, &c, 2), MX_OK);
    for (int j = 0; j < 8; j++) {
        ask_ok(&f, j % 2 ? &r2 : &r1, f.four, ZONE_SET_ADDR, S(j), 4, NULL);
        assert_rotation(f.perm, 4, (size_t)j % 4, "authority cyclic", j);
    }
    resolver_fini(&r1);
    resolver_fini(&r2);

    struct scen_resolver rc = cfg(ORDER_FIXED, 0, ORDER_CYCLIC, 0);
    cr_assert_eq(resolver_init(&r1, &rc, 1), MX_OK);
    cr_assert_eq(resolver_init(&r2, &rc, 2), MX_OK);
    for (int j = 0; j < 8; j++) {
        ask_ok(&f, j % 2 ? &r2 : &r1, f.four, ZONE_SET_ADDR, S(j), 4, NULL);
        assert_rotation(f.perm, 4, (size_t)(j / 2) % 4, "resolver cyclic", j);
    }
    resolver_fini(&r1);
    resolver_fini(&r2);
    fx_fini(&f);
}

/* R55 random (modelled as a uniform permutation per fetch, resolver.h): with
 * cache = no each of 3 records is first with p = 1/3, and each of the 6 orders comes
 * with p = 1/6. n = 30000, seed 23.
 *   first: sd = sqrt((1/3)(2/3)/30000) = 0.002722; 4.89 sd = 0.0133.
 *   order: sd = sqrt((1/6)(5/6)/30000) = 0.002152; 4.89 sd = 0.0105.
 * (two-sided miss 1e-6 each). Fixed would give first = 1.0; cyclic or roundrobin
 * (rotations only) would give 1/3 to three orders and 0 to A-C-B, B-A-C, C-B-A. */
Test(resolver, random_uncached_is_a_uniform_permutation)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_RANDOM, 0, ORDER_FIXED, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 23), MX_OK);
    const int n = 30000;
    int first[3] = {0}, order[6] = {0};
    for (int j = 0; j < n; j++) {
        ask_ok(&f, &res, f.d, ZONE_SET_MX, S(j), 3, NULL); /* checks it is a permutation */
        first[f.perm[0]]++;
        order[perm3_index(f.perm)]++;
    }
    for (int i = 0; i < 3; i++)
        cr_assert(fabs((double)first[i] / n - 1.0 / 3) <= 0.0133, "record %d first: %.4f", i,
                  (double)first[i] / n);
    for (int i = 0; i < 6; i++)
        cr_assert(fabs((double)order[i] / n - 1.0 / 6) <= 0.0105, "order %d: %.4f", i,
                  (double)order[i] / n);
    cr_assert_eq(res.misses, (uint64_t)n);
    resolver_fini(&res);
    fx_fini(&f);
}

/* R56 (unbound's rotation) as rrset_order = roundrobin: each answer is a rotation by a
 * uniformly random offset: A-B-C, B-C-A, C-A-B, never A-C-B. n = 30000, seed 29:
 *   first record: p = 1/3, sd = 0.002722, allow 4.89 sd = 0.0133;
 *   same first as the answer before: p = 1/3 over n - 1 pairs (the indicators of
 *   successive pairs are uncorrelated: P(three equal) = 1/9 = p^2), allow 0.0133.
 * Cyclic would give 0 repeats; random would give non-rotations. */
Test(resolver, roundrobin_uncached_gives_uniform_rotations_only)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_ROUNDROBIN, 0, ORDER_FIXED, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 29), MX_OK);
    const int n = 30000;
    int first[3] = {0}, repeats = 0, prev = -1;
    for (int j = 0; j < n; j++) {
        ask_ok(&f, &res, f.d, ZONE_SET_MX, S(j), 3, NULL);
        int r = rotation_of(f.perm, 3);
        cr_assert_geq(r, 0, "answer %d is %u-%u-%u, not a rotation", j, f.perm[0], f.perm[1],
                      f.perm[2]);
        first[r]++;
        repeats += r == prev;
        prev = r;
    }
    for (int i = 0; i < 3; i++)
        cr_assert(fabs((double)first[i] / n - 1.0 / 3) <= 0.0133, "rotation %d: %.4f", i,
                  (double)first[i] / n);
    cr_assert(fabs((double)repeats / (n - 1) - 1.0 / 3) <= 0.0133, "repeats %.4f",
              (double)repeats / (n - 1));
    /* Four records: still only rotations. */
    for (int j = 0; j < 2000; j++) {
        ask_ok(&f, &res, f.four, ZONE_SET_ADDR, S(j), 4, NULL);
        cr_assert_geq(rotation_of(f.perm, 4), 0, "answer %d: not a rotation", j);
    }
    resolver_fini(&res);
    fx_fini(&f);
}

/* ---- caching (R58) ---- */

/* R58: cache = yes keeps a fetched set for its TTL (300 s) in the order it was
 * fetched, so rrset_order = cyclic changes the order only once per TTL. Every lookup
 * before 300 s is a hit; the first at exactly 300 s is a miss that fetches the next
 * rotation, which then holds until 600 s. */
Test(resolver, cache_keeps_the_fetched_order_for_the_ttl)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_CYCLIC, 1, ORDER_FIXED, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 31), MX_OK);
    static const struct {
        mx_time now;
        size_t rotation;
        uint64_t hits, misses;
    } steps[] = {
        {0, 0, 0, 1},
        {S(1), 0, 1, 1},
        {S(150), 0, 2, 1},
        {S(300) - 1, 0, 3, 1},
        {S(300), 1, 3, 2},
        {S(300) + 1, 1, 4, 2},
        {S(599), 1, 5, 2},
        {S(600) - 1, 1, 6, 2},
        {S(600), 2, 6, 3},
    };
    for (int j = 0; j < (int)MX_ARRAY_LEN(steps); j++) {
        ask_ok(&f, &res, f.d, ZONE_SET_MX, steps[j].now, 3, NULL);
        assert_rotation(f.perm, 3, steps[j].rotation, "cached cyclic", j);
        cr_assert_eq(res.hits, steps[j].hits, "step %d", j);
        cr_assert_eq(res.misses, steps[j].misses, "step %d", j);
    }
    resolver_fini(&res);
    fx_fini(&f);
}

/* R58 with rrset_order = random: the order drawn at the fetch is the order of every
 * answer until the TTL runs out (200 lookups, all hits, all the same). */
Test(resolver, cache_keeps_a_random_order_for_the_ttl)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_RANDOM, 1, ORDER_FIXED, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 37), MX_OK);
    for (int rep = 0; rep < 5; rep++) { /* five TTL periods: five fetched orders */
        mx_time t0 = S(300 * rep);
        ask_ok(&f, &res, f.four, ZONE_SET_ADDR, t0, 4, NULL);
        uint32_t fetched[4];
        memcpy(fetched, f.perm, sizeof fetched);
        for (int j = 1; j < 200; j++) {
            ask_ok(&f, &res, f.four, ZONE_SET_ADDR, t0 + S(j) + j, 4, NULL);
            cr_assert_arr_eq(f.perm, fetched, sizeof fetched, "period %d lookup %d", rep, j);
        }
        cr_assert_eq(res.misses, (uint64_t)rep + 1);
        cr_assert_eq(res.hits, (uint64_t)(rep + 1) * 199);
    }
    resolver_fini(&res);
    fx_fini(&f);
}

/* R58: a set with TTL 0 is never kept: every lookup, even at the same instant, is a
 * fetch (with rrset_order = cyclic, each one rotated further). */
Test(resolver, ttl_zero_is_never_a_hit)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_CYCLIC, 1, ORDER_FIXED, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 41), MX_OK);
    static const mx_time when[] = {0, 0, 0, 1, S(1), S(1), S(1000)};
    for (int j = 0; j < (int)MX_ARRAY_LEN(when); j++) {
        ask_ok(&f, &res, f.zero, ZONE_SET_ADDR, when[j], 3, NULL);
        assert_rotation(f.perm, 3, (size_t)j % 3, "TTL 0", j);
    }
    cr_assert_eq(res.hits, 0);
    cr_assert_eq(res.misses, MX_ARRAY_LEN(when));
    resolver_fini(&res);
    fx_fini(&f);
}

/* ---- rotate: reordering every answer, cached ones too (R55, R56) ---- */

/* R55 (a BIND cache with rrset-order cyclic): rotate = cyclic turns every answer one
 * further, cache hits included: within one TTL, answer j is rotation j mod k, while
 * only the first lookup fetched. */
Test(resolver, rotate_cyclic_reorders_cached_answers)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_FIXED, 1, ORDER_CYCLIC, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 43), MX_OK);
    for (int j = 0; j < 12; j++) {
        ask_ok(&f, &res, f.four, ZONE_SET_ADDR, S(j), 4, NULL);
        assert_rotation(f.perm, 4, (size_t)j % 4, "rotate cyclic", j);
        /* Another set's lookups do not move this set's counter. */
        ask_ok(&f, &res, f.d, ZONE_SET_MX, S(j), 3, NULL);
        assert_rotation(f.perm, 3, (size_t)j % 3, "rotate cyclic d", j);
    }
    cr_assert_eq(res.misses, 2);
    cr_assert_eq(res.hits, 22);
    resolver_fini(&res);
    fx_fini(&f);
}

/* R56 (unbound, rrset-roundrobin: yes): every answer, cached or not, is a random
 * rotation of the cached order. All 30000 lookups fall in one TTL (one fetch); the
 * same bounds as roundrobin_uncached_gives_uniform_rotations_only (seed 47): first
 * record 1/3 +- 0.0133, repeats of the previous first 1/3 +- 0.0133. Without rotation
 * the cache would answer rotation 0 every time. */
Test(resolver, rotate_roundrobin_reorders_cached_answers)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_FIXED, 1, ORDER_ROUNDROBIN, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 47), MX_OK);
    const int n = 30000;
    int first[3] = {0}, repeats = 0, prev = -1;
    for (int j = 0; j < n; j++) {
        ask_ok(&f, &res, f.d, ZONE_SET_MX, j, 3, NULL); /* j ns: all within the TTL */
        int r = rotation_of(f.perm, 3);
        cr_assert_geq(r, 0, "answer %d is %u-%u-%u, not a rotation", j, f.perm[0], f.perm[1],
                      f.perm[2]);
        first[r]++;
        repeats += r == prev;
        prev = r;
    }
    for (int i = 0; i < 3; i++)
        cr_assert(fabs((double)first[i] / n - 1.0 / 3) <= 0.0133, "rotation %d: %.4f", i,
                  (double)first[i] / n);
    cr_assert(fabs((double)repeats / (n - 1) - 1.0 / 3) <= 0.0133, "repeats %.4f",
              (double)repeats / (n - 1));
    cr_assert_eq(res.misses, 1);
    cr_assert_eq(res.hits, (uint64_t)n - 1);
    resolver_fini(&res);
    fx_fini(&f);
}

/* R55 (BIND's random order from a cache): rotate = random shuffles every cached
 * answer: each of the 6 orders of 3 records with p = 1/6. n = 30000, seed 53:
 * sd = 0.002152, allow 4.89 sd = 0.0105 per order. One fetch for all. */
Test(resolver, rotate_random_reorders_cached_answers)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_FIXED, 1, ORDER_RANDOM, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 53), MX_OK);
    const int n = 30000;
    int order[6] = {0};
    for (int j = 0; j < n; j++) {
        ask_ok(&f, &res, f.d, ZONE_SET_MX, j, 3, NULL);
        order[perm3_index(f.perm)]++;
    }
    for (int i = 0; i < 6; i++)
        cr_assert(fabs((double)order[i] / n - 1.0 / 6) <= 0.0105, "order %d: %.4f", i,
                  (double)order[i] / n);
    cr_assert_eq(res.misses, 1);
    resolver_fini(&res);
    fx_fini(&f);
}

/* resolver.h step 3 after step 2: rotate acts on the cached (fetched) order. With
 * rrset_order = cyclic and cache = yes, the second TTL period's fetched order is
 * rotation 1; rotate = cyclic then adds this resolver's count: answer j of the run is
 * rotation (period + j) mod k. */
Test(resolver, rotate_applies_to_the_fetched_order)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_CYCLIC, 1, ORDER_CYCLIC, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 59), MX_OK);
    int j = 0;
    for (int period = 0; period < 3; period++)
        for (int k = 0; k < 5; k++, j++) {
            ask_ok(&f, &res, f.four, ZONE_SET_ADDR, S(300 * period + k), 4, NULL);
            assert_rotation(f.perm, 4, (size_t)(period + j) % 4, "cyclic + cyclic", j);
        }
    cr_assert_eq(res.misses, 3);
    resolver_fini(&res);
    fx_fini(&f);
}

/* ---- latency (R60) ---- */

/* R60, resolver.h: a fetch costs one latency draw, added to *latency; a cache hit
 * costs nothing. const 5 ms: the sums are exact. */
Test(resolver, latency_is_paid_per_fetch_not_per_hit)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_FIXED, 1, ORDER_FIXED, 0.005);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 61), MX_OK);
    static const struct {
        mx_time now;
        mx_time cost;
    } steps[] = {{0, MS5}, {S(1), 0}, {S(2), 0}, {S(300), MS5}, {S(301), 0}, {S(599), 0},
                 {S(600), MS5}};
    mx_time total = 1234; /* added to, not overwritten */
    for (int j = 0; j < (int)MX_ARRAY_LEN(steps); j++) {
        mx_time before = total;
        ask_ok(&f, &res, f.d, ZONE_SET_MX, steps[j].now, 3, &total);
        cr_assert_eq(total - before, steps[j].cost, "step %d", j);
    }
    cr_assert_eq(total, 1234 + 3 * MS5);
    cr_assert_eq(res.misses, 3);
    cr_assert_eq(res.hits, 4);
    resolver_fini(&res);

    /* cache = no: every lookup is a fetch. */
    c = cfg(ORDER_FIXED, 0, ORDER_FIXED, 0.005);
    cr_assert_eq(resolver_init(&res, &c, 61), MX_OK);
    total = 0;
    for (int j = 0; j < 7; j++)
        ask_ok(&f, &res, f.d, ZONE_SET_MX, S(j), 3, &total);
    cr_assert_eq(total, 7 * MS5);
    resolver_fini(&res);
    fx_fini(&f);
}

/* ---- SERVFAIL (R7) ---- */

/* R7 + resolver.h: a servfail window on "dns" (servfail_all) makes every fetch fail;
 * a failed fetch still costs its latency draw and is not cached (docs: no SERVFAIL
 * caching): once the window closes, the next lookup answers. */
Test(resolver, servfail_all_fails_every_fetch)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_FIXED, 1, ORDER_FIXED, 0.005);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 67), MX_OK);
    f.auth.servfail_all = 1;
    mx_time lat = 0;
    size_t n = 0;
    for (int j = 0; j < 3; j++) {
        cr_assert_eq(resolver_answer(&res, &f.auth, f.d, ZONE_SET_MX, S(j), f.perm, &n, &lat),
                     RES_SERVFAIL);
        cr_assert_eq(resolver_answer(&res, &f.auth, f.four, ZONE_SET_ADDR, S(j), f.perm, &n, &lat),
                     RES_SERVFAIL);
    }
    cr_assert_eq(res.servfails, 6);
    cr_assert_eq(res.hits, 0);
    cr_assert_eq(lat, 6 * MS5);
    f.auth.servfail_all = 0;
    ask_ok(&f, &res, f.d, ZONE_SET_MX, S(3), 3, &lat);
    cr_assert_eq(res.hits, 0, "the failure was not cached");
    cr_assert_eq(lat, 7 * MS5);
    resolver_fini(&res);
    fx_fini(&f);
}

/* R7: a servfail window on one name fails only that name's fetches. */
Test(resolver, servfail_on_a_name_fails_only_that_name)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_FIXED, 0, ORDER_FIXED, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 71), MX_OK);
    f.auth.servfail[f.auth.qname[f.d]] = 1;
    mx_time lat = 0;
    size_t n = 0;
    cr_assert_eq(resolver_answer(&res, &f.auth, f.d, ZONE_SET_MX, 0, f.perm, &n, &lat),
                 RES_SERVFAIL);
    ask_ok(&f, &res, f.four, ZONE_SET_ADDR, 0, 4, &lat);
    ask_ok(&f, &res, f.a, ZONE_SET_ADDR, 0, 1, &lat);
    cr_assert_eq(res.servfails, 1);
    f.auth.servfail[f.auth.qname[f.d]] = 0;
    ask_ok(&f, &res, f.d, ZONE_SET_MX, 0, 3, &lat);
    resolver_fini(&res);
    fx_fini(&f);
}

/* R58 + resolver.h: answers already cached still come during a servfail window (a
 * hit, same order, no latency); the first lookup after the TTL is a fetch and fails. */
Test(resolver, cached_set_answers_during_servfail)
{
    for (int all = 0; all <= 1; all++) {
        struct fx f;
        fx_init(&f);
        struct scen_resolver c = cfg(ORDER_CYCLIC, 1, ORDER_FIXED, 0.005);
        struct resolver_rt res;
        cr_assert_eq(resolver_init(&res, &c, 73), MX_OK);
        mx_time lat = 0;
        ask_ok(&f, &res, f.d, ZONE_SET_MX, 0, 3, &lat); /* cached until 300 s */
        ask_ok(&f, &res, f.d, ZONE_SET_MX, 0, 3, &lat);
        ask_ok(&f, &res, f.d, ZONE_SET_MX, S(1), 3, &lat);
        if (all)
            f.auth.servfail_all = 1;
        else
            f.auth.servfail[f.auth.qname[f.d]] = 1;
        for (int j = 0; j < 5; j++) {
            ask_ok(&f, &res, f.d, ZONE_SET_MX, S(100 + 40 * j), 3, &lat);
            assert_rotation(f.perm, 3, 0, "cached during servfail", j);
        }
        cr_assert_eq(res.hits, 7);
        cr_assert_eq(res.misses, 1);
        cr_assert_eq(lat, MS5);
        size_t n = 0;
        cr_assert_eq(resolver_answer(&res, &f.auth, f.d, ZONE_SET_MX, S(300), f.perm, &n, &lat),
                     RES_SERVFAIL);
        cr_assert_eq(res.servfails, 1);
        cr_assert_eq(lat, 2 * MS5);
        resolver_fini(&res);
        fx_fini(&f);
    }
}

/* resolver.h: n = 0 when the name has no records of that set; still RES_OK. */
Test(resolver, name_without_the_set_answers_empty)
{
    struct fx f;
    fx_init(&f);
    struct scen_resolver c = cfg(ORDER_CYCLIC, 1, ORDER_ROUNDROBIN, 0);
    struct resolver_rt res;
    cr_assert_eq(resolver_init(&res, &c, 79), MX_OK);
    ask_ok(&f, &res, f.a, ZONE_SET_MX, 0, 0, NULL);
    ask_ok(&f, &res, f.d, ZONE_SET_ADDR, 0, 0, NULL);
    resolver_fini(&res);
    fx_fini(&f);
}
