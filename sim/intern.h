/* intern.h -- a set of strings, each given a dense uint32_t id in order of first
 * appearance. Open addressing over FNV-1a; the table doubles at half load.
 * Owns:   copies of its strings. Ids are stable; lookups never allocate. */
#ifndef MXSIM_INTERN_H
#define MXSIM_INTERN_H

#include <stddef.h>
#include <stdint.h>

#define INTERN_NONE UINT32_MAX

struct intern {
    char **str;       /* by id */
    uint32_t n, cap;
    uint32_t *slot;   /* id + 1, 0 = empty */
    size_t n_slot;    /* power of two */
};

void intern_init(struct intern *t);
void intern_fini(struct intern *t);
/* Id of s, adding it if new. Returns 0 or MX_ENOMEM (table unchanged). */
int intern_add(struct intern *t, const char *s, uint32_t *id);
uint32_t intern_find(const struct intern *t, const char *s);
static inline const char *intern_str(const struct intern *t, uint32_t id)
{
    return t->str[id];
}

#endif
