/* pool.c -- see pool.h. */
#include "pool.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

void pool_init(struct pool *p, size_t slot_size)
{
    memset(p, 0, sizeof *p);
    if (slot_size < POOL_KEEP)
        slot_size = POOL_KEEP;
    p->size = (slot_size + 7) & ~(size_t)7;
    p->free = POOL_NONE;
}

void pool_fini(struct pool *p)
{
    if (p->slots)
        UNPOISON(p->slots, (size_t)p->cap * p->size);
    free(p->slots);
    p->slots = NULL;
    p->cap = p->used = p->live = 0;
    p->free = POOL_NONE;
}

/* Called only when the free list is empty (pool_get takes free slots first), so
 * every slot of the old block is live and unpoisoned: realloc may read it all. */
static int grow(struct pool *p)
{
    uint32_t ncap = p->cap ? p->cap * 2 : 64;
    size_t bytes;
    assert(p->free == POOL_NONE);
    if (p->cap >= POOL_MAX_SLOTS || !mx_mul_ok(ncap, p->size, &bytes))
        return MX_ENOMEM;
    unsigned char *ns = realloc(p->slots, bytes);
    if (!ns)
        return MX_ENOMEM;
    p->slots = ns;
    p->cap = ncap;
    return MX_OK;
}

int pool_get(struct pool *p, uint32_t *idx)
{
    uint32_t i;
    if (p->free != POOL_NONE) {
        i = p->free;
        unsigned char *s = p->slots + (size_t)i * p->size;
        UNPOISON(s, p->size);
        memcpy(&p->free, s, sizeof p->free);
    } else {
        if (p->used == p->cap && grow(p) != MX_OK)
            return MX_ENOMEM;
        i = p->used++;
    }
    memset(p->slots + (size_t)i * p->size, 0, p->size);
    p->live++;
    *idx = i;
    return MX_OK;
}

void pool_put(struct pool *p, uint32_t idx)
{
    assert(idx < p->used && p->live > 0);
    unsigned char *s = p->slots + (size_t)idx * p->size;
    memcpy(s, &p->free, sizeof p->free);
    POISON(s + POOL_KEEP, p->size - POOL_KEEP); /* see POOL_KEEP */
    p->free = idx;
    p->live--;
}
