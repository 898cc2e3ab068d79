/* test_pool.c -- fixed-size slots by index (sim/pool.h): reuse, zeroing, growth,
 * the live count. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pool.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

struct obj {
    uint64_t id;
    uint32_t tag;
    char name[20];
};

static uint32_t get(struct pool *p)
{
    uint32_t i = POOL_NONE;
    cr_assert_eq(pool_get(p, &i), MX_OK);
    cr_assert_neq(i, POOL_NONE);
    return i;
}

static bool all_zero(const struct pool *p, uint32_t i)
{
    const unsigned char *s = pool_at(p, i);
    for (size_t k = 0; k < p->size; k++)
        if (s[k])
            return false;
    return true;
}

Test(pool, slot_size_is_at_least_pool_keep_and_a_multiple_of_8)
{
    static const size_t in[] = {1, 4, 8, 9, 16, 17, 25, 32};
    static const size_t out[] = {16, 16, 16, 16, 16, 24, 32, 32};
    for (size_t k = 0; k < MX_ARRAY_LEN(in); k++) {
        struct pool p;
        pool_init(&p, in[k]);
        cr_assert_eq(p.size, out[k], "slot size %zu became %zu", in[k], p.size);
        pool_fini(&p);
    }
}

Test(pool, fresh_slots_get_consecutive_indices)
{
    struct pool p;
    pool_init(&p, sizeof(struct obj));
    for (uint32_t k = 0; k < 10; k++)
        cr_assert_eq(get(&p), k);
    cr_assert_eq(p.live, 10);
    pool_fini(&p);
}

Test(pool, put_slots_are_reused_most_recent_first)
{
    struct pool p;
    pool_init(&p, sizeof(struct obj));
    for (uint32_t k = 0; k < 6; k++)
        get(&p);
    pool_put(&p, 1);
    pool_put(&p, 4);
    pool_put(&p, 2);
    cr_assert_eq(get(&p), 2);
    cr_assert_eq(get(&p), 4);
    cr_assert_eq(get(&p), 1);
    cr_assert_eq(get(&p), 6, "free list empty: a fresh slot");
    cr_assert_eq(p.used, 7, "reuse does not consume fresh slots");
    pool_fini(&p);
}

Test(pool, reused_slots_come_back_zeroed)
{
    struct pool p;
    pool_init(&p, sizeof(struct obj));
    uint32_t a = get(&p), b = get(&p);
    cr_assert(all_zero(&p, a) && all_zero(&p, b));
    memset(pool_at(&p, a), 0xa5, p.size);
    memset(pool_at(&p, b), 0x5a, p.size);
    pool_put(&p, a); /* its first word now holds the free-list link */
    pool_put(&p, b);
    cr_assert_eq(get(&p), b);
    cr_assert(all_zero(&p, b), "slot %u not zeroed", b);
    cr_assert_eq(get(&p), a);
    cr_assert(all_zero(&p, a), "slot %u not zeroed", a);
    pool_fini(&p);
}

Test(pool, growth_keeps_contents_by_index)
{
    /* 5000 slots: the array grows from 64 several times while every slot holds
     * a pattern derived from its index; one slot in 7 is put back and reused. */
    struct pool p;
    pool_init(&p, sizeof(struct obj));
    enum { N = 5000 };
    for (uint32_t k = 0; k < N; k++) {
        uint32_t i = get(&p);
        cr_assert_eq(i, k);
        struct obj *o = pool_at(&p, i);
        cr_assert(all_zero(&p, i));
        o->id = UINT64_C(0x1000000000) + i;
        o->tag = ~i;
        snprintf(o->name, sizeof o->name, "obj-%u", i);
    }
    cr_assert_geq(p.cap, N);
    for (uint32_t i = 0; i < N; i += 7)
        pool_put(&p, i);
    for (uint32_t k = 0; k < N / 2; k++) /* reuses the 715 put back, then grows */
        get(&p);
    for (uint32_t i = 0; i < N; i++) {
        if (i % 7 == 0)
            continue;
        const struct obj *o = pool_at(&p, i);
        char want[20];
        snprintf(want, sizeof want, "obj-%u", i);
        cr_assert(o->id == UINT64_C(0x1000000000) + i && o->tag == ~i, "slot %u changed", i);
        cr_assert_str_eq(o->name, want);
    }
    pool_fini(&p);
}

Test(pool, live_counts_handed_out_minus_put_back)
{
    struct pool p;
    pool_init(&p, 12);
    cr_assert_eq(p.live, 0);
    uint32_t idx[300];
    for (uint32_t k = 0; k < 300; k++) {
        idx[k] = get(&p);
        cr_assert_eq(p.live, k + 1);
    }
    for (uint32_t k = 0; k < 300; k += 2)
        pool_put(&p, idx[k]);
    cr_assert_eq(p.live, 150);
    for (uint32_t k = 0; k < 100; k++)
        get(&p);
    cr_assert_eq(p.live, 250);
    cr_assert_eq(p.used, 300, "the 100 came from the free list");
    pool_fini(&p);
    cr_assert_eq(p.live, 0);
}

Test(pool, put_slots_keep_the_owners_tag_until_reused)
{
    /* The 8 bytes at POOL_TAG_OFFSET survive put (an event that outlived its
     * object reads the old tag); get zeroes them like the rest. */
    struct pool p;
    pool_init(&p, sizeof(struct obj));
    uint32_t i = get(&p);
    uint64_t tag = UINT64_C(0x0123456789abcdef), seen;
    memcpy((char *)pool_at(&p, i) + POOL_TAG_OFFSET, &tag, sizeof tag);
    pool_put(&p, i);
    memcpy(&seen, (const char *)pool_at(&p, i) + POOL_TAG_OFFSET, sizeof seen);
    cr_assert_eq(seen, tag);
    cr_assert_eq(p.live, 0);
    cr_assert_eq(get(&p), i);
    memcpy(&seen, (const char *)pool_at(&p, i) + POOL_TAG_OFFSET, sizeof seen);
    cr_assert_eq(seen, 0);
    pool_fini(&p);
}

Test(pool, put_slots_are_poisoned_for_asan)
{
#if defined(__SANITIZE_ADDRESS__)
    /* A put slot is poisoned past its first POOL_KEEP bytes (link and tag), so a
     * use after put is reported; get makes the whole slot usable again. */
    struct pool p;
    pool_init(&p, sizeof(struct obj));
    cr_assert_gt(p.size, POOL_KEEP);
    for (uint32_t k = 0; k < 3; k++)
        get(&p);
    pool_put(&p, 1);
    const char *s = (const char *)p.slots + p.size;
    cr_assert_eq(__asan_region_is_poisoned((void *)(uintptr_t)s, POOL_KEEP), NULL,
                 "link or tag poisoned");
    for (size_t k = POOL_KEEP; k < p.size; k++)
        cr_assert(__asan_address_is_poisoned(s + k), "byte %zu of a put slot usable", k);
    cr_assert_eq(__asan_region_is_poisoned((void *)(uintptr_t)pool_at(&p, 0), p.size), NULL,
                 "a live neighbour was poisoned");
    cr_assert_eq(get(&p), 1);
    cr_assert_eq(__asan_region_is_poisoned((void *)(uintptr_t)pool_at(&p, 1), p.size), NULL);
    pool_fini(&p);
#else
    cr_skip_test("not built with AddressSanitizer");
#endif
}
