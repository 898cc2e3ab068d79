/* rng.h -- independent, reproducible random streams (GSL), one per component.
 * Owns:   one gsl_rng per stream.
 * Seeds derive from (scenario seed, sweep point, replication, the component's
 * name) by a 64-bit mix (SplitMix64's finaliser over FNV-1a of the name), so adding
 * a server never shifts another component's draws, and any one run can be
 * reproduced alone. The generator is GSL's taus2 (L'Ecuyer 1996, period 2^88,
 * 24 bytes of state): small enough for 100,000 sender instances. Its state is
 * filled from the 64-bit seed (gsl_rng_set() would keep only 32 bits, and 32-bit
 * seeds collide among ~10^5 streams). See docs/model.md, "Random streams". */
#ifndef MXSIM_RNG_H
#define MXSIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

struct rng_stream {
    gsl_rng *r;
};

/* SplitMix64's finaliser (Steele, Lea, Flood 2014): a bijection on 64 bits with
 * full avalanche. Seeds, and every hash of the project that needs mixing. */
static inline uint64_t rng_mix64(uint64_t z)
{
    z += UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* FNV-1a over a string, from h (FNV's offset basis, or a seed to key the hash). */
#define RNG_FNV_BASIS UINT64_C(0xcbf29ce484222325)
static inline uint64_t rng_hash_str(const char *s, uint64_t h)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * UINT64_C(0x100000001b3);
    return h;
}

/* The seed of a component's stream. */
uint64_t rng_derive(uint64_t seed, uint64_t point, uint64_t rep, const char *name);
/* Allocates and seeds; returns 0 or MX_ENOMEM. */
int rng_init(struct rng_stream *s, uint64_t seed64);
void rng_fini(struct rng_stream *s);

/* Uniform on [0, 1). */
static inline double rng_uniform(struct rng_stream *s)
{
    return gsl_rng_uniform(s->r);
}
/* Uniform integer on [0, n), n >= 1. */
static inline uint32_t rng_below(struct rng_stream *s, uint32_t n)
{
    return (uint32_t)gsl_rng_uniform_int(s->r, n);
}

#endif
