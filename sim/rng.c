/* rng.c -- see rng.h. */
#include "rng.h"

#include <string.h>

#include "mx.h"

uint64_t rng_derive(uint64_t seed, uint64_t point, uint64_t rep, const char *name)
{
    uint64_t h = rng_hash_str(name, RNG_FNV_BASIS);
    uint64_t z = rng_mix64(seed);
    z = rng_mix64(z ^ point);
    z = rng_mix64(z ^ rep);
    return rng_mix64(z ^ h);
}

/* taus2's state as GSL lays it out (three unsigned longs, each needing a few
 * low bits set). The layout is checked against gsl_rng_size() at run time. */
struct taus_state {
    unsigned long s1, s2, s3;
};

int rng_init(struct rng_stream *s, uint64_t seed64)
{
    s->r = gsl_rng_alloc(gsl_rng_taus2);
    if (!s->r)
        return MX_ENOMEM;
    assert(gsl_rng_size(s->r) == sizeof(struct taus_state));
    struct taus_state st;
    uint64_t z = seed64;
    /* taus2 needs s1 > 1, s2 > 7, s3 > 15 and uses 32 bits of each. */
    st.s1 = (unsigned long)((z = rng_mix64(z)) & 0xffffffffu) | 2u;
    st.s2 = (unsigned long)((z = rng_mix64(z)) & 0xffffffffu) | 8u;
    st.s3 = (unsigned long)((z = rng_mix64(z)) & 0xffffffffu) | 16u;
    memcpy(gsl_rng_state(s->r), &st, sizeof st);
    for (int i = 0; i < 6; i++) /* warm up, as gsl's own taus2 seeding does */
        (void)gsl_rng_get(s->r);
    return MX_OK;
}

void rng_fini(struct rng_stream *s)
{
    gsl_rng_free(s->r);
    s->r = NULL;
}
