/* intern.c -- see intern.h. */
#include "intern.h"

#include <stdlib.h>
#include <string.h>

#include "mx.h"
#include "rng.h"

void intern_init(struct intern *t)
{
    memset(t, 0, sizeof *t);
}

void intern_fini(struct intern *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        free(t->str[i]);
    free(t->str);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

static size_t probe(const struct intern *t, const char *s)
{
    size_t mask = t->n_slot - 1, i = (size_t)rng_hash_str(s, RNG_FNV_BASIS) & mask;
    while (t->slot[i] && strcmp(t->str[t->slot[i] - 1], s) != 0)
        i = (i + 1) & mask;
    return i;
}

uint32_t intern_find(const struct intern *t, const char *s)
{
    if (!t->n_slot)
        return INTERN_NONE;
    size_t i = probe(t, s);
    return t->slot[i] ? t->slot[i] - 1 : INTERN_NONE;
}

static int rehash(struct intern *t)
{
    size_t n = t->n_slot ? t->n_slot * 2 : 64;
    uint32_t *ns = calloc(n, sizeof *ns);
    if (!ns)
        return MX_ENOMEM;
    free(t->slot);
    t->slot = ns;
    t->n_slot = n;
    for (uint32_t id = 0; id < t->n; id++)
        t->slot[probe(t, t->str[id])] = id + 1;
    return MX_OK;
}

int intern_add(struct intern *t, const char *s, uint32_t *id)
{
    uint32_t found = intern_find(t, s);
    if (found != INTERN_NONE)
        return *id = found, MX_OK;
    if ((size_t)(t->n + 1) * 2 > t->n_slot && rehash(t) != MX_OK)
        return MX_ENOMEM;
    if (t->n == t->cap) {
        uint32_t ncap = t->cap ? t->cap * 2 : 16;
        char **na = realloc(t->str, ncap * sizeof *na);
        if (!na)
            return MX_ENOMEM;
        t->str = na;
        t->cap = ncap;
    }
    char *copy = strdup(s);
    if (!copy)
        return MX_ENOMEM;
    t->str[t->n] = copy;
    t->slot[probe(t, s)] = ++t->n;
    *id = t->n - 1;
    return MX_OK;
}
