/* pool.h -- fixed-size slots addressed by uint32_t index, on a free list.
 * Owns:   the slot array and its free list.
 * Invariants: (1) a slot is either live (handed out by pool_get, not yet put back)
 *   or on the free list, never both; (2) live == handed out - put back;
 *   (3) the array doubles when full and never shrinks during a run, so memory
 *   follows the peak of in-flight objects, not how many were ever made.
 * Slots are addressed by index, not pointer, because growing may move the array:
 * a pointer from pool_at() is valid only until the next pool_get().
 * pool_put() poisons the slot for AddressSanitizer, pool_get() unpoisons it, so a
 * use after put is reported (no-ops without ASan), except for the first POOL_KEEP
 * bytes: bytes 0-3 become the free-list link, and bytes 8-15 keep what the owner
 * last wrote there. An owner keeps a tag there (the sender: the seq of the event a
 * message waits for), so an event that outlived its object reads the old tag and
 * knows it is stale, instead of reading freed memory. */
#ifndef MXSIM_POOL_H
#define MXSIM_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "mx.h"

#define POOL_NONE UINT32_MAX
#define POOL_KEEP 16
#define POOL_TAG_OFFSET 8
/* Index cap: leaves POOL_NONE free and keeps byte sizes far from overflow. */
#define POOL_MAX_SLOTS (UINT32_C(1) << 30)

struct pool {
    unsigned char *slots;
    size_t size;      /* bytes per slot, >= POOL_KEEP, rounded to 8 */
    uint32_t cap;     /* slots allocated */
    uint32_t used;    /* slots ever handed out (the high-water index) */
    uint32_t free;    /* head of the free list, or POOL_NONE */
    uint32_t live;
};

void pool_init(struct pool *p, size_t slot_size);
void pool_fini(struct pool *p);
/* Hands out a zeroed slot's index in *idx; MX_ENOMEM (pool unchanged) if the
 * array cannot grow or POOL_MAX_SLOTS are live. */
int pool_get(struct pool *p, uint32_t *idx);
void pool_put(struct pool *p, uint32_t idx);

static inline void *pool_at(const struct pool *p, uint32_t idx)
{
    assert(idx < p->used);
    return p->slots + (size_t)idx * p->size;
}

#endif
