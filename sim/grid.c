/* grid.c -- see grid.h. Hand-written: the ${...} syntax is OMNeT++'s, and no
 * Debian library parses it (docs/architecture.md). */
#include "grid.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One ${...} found in a value. */
struct expr {
    size_t start, end;    /* offsets of '$' and of the closing '}' */
    const char *body;     /* the values part: after "name =" if named */
    size_t body_len;
    char name[64];        /* named definition or reference; "" for an unnamed one */
    bool reference;       /* ${name} alone */
};

static bool ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static void skip_space(const char *s, size_t *i, size_t end)
{
    while (*i < end && (s[*i] == ' ' || s[*i] == '\t'))
        (*i)++;
}

/* Parses the ${...} at s + start (s[start] == '$', s[start + 1] == '{'). */
static int parse_expr(const char *s, size_t start, struct expr *x, size_t *at, struct mx_err *err)
{
    memset(x, 0, sizeof *x);
    x->start = start;
    size_t i = start + 2, close = i;
    while (s[close] && s[close] != '}') {
        if (s[close] == '$' && s[close + 1] == '{') {
            *at = close;
            return mx_fail(err, MX_EINPUT, "a sweep expression cannot hold another: expected } "
                                           "before this ${");
        }
        close++;
    }
    if (!s[close]) {
        *at = start;
        return mx_fail(err, MX_EINPUT, "this ${ has no closing }");
    }
    x->end = close;
    skip_space(s, &i, close);
    size_t id = i;
    if (ident_start(s[i])) {
        while (ident_char(s[i]))
            i++;
        size_t id_end = i;
        skip_space(s, &i, close);
        if (i == close || s[i] == '=') {
            if (id_end - id >= sizeof x->name) {
                *at = id;
                return mx_fail(err, MX_EINPUT, "expected a variable name of at most %zu "
                                               "characters", sizeof x->name - 1);
            }
            memcpy(x->name, s + id, id_end - id);
            x->reference = i == close;
            if (!x->reference)
                i++; /* the '=' */
        } else {
            i = id; /* a value that starts like a name: "${fixed, cyclic}" */
        }
    }
    x->body = s + i;
    x->body_len = close - i;
    if (!x->reference) {
        size_t j = i;
        skip_space(s, &j, close);
        if (j == close) {
            *at = start;
            return mx_fail(err, MX_EINPUT, "expected values in ${...}, such as ${1, 2, 3} or "
                                           "${1..10 step 3}");
        }
    }
    return MX_OK;
}

/* "10s" -> 10 and unit "s". */
static int range_number(const char *text, double *v, char *unit, size_t unit_len)
{
    char *end;
    *v = strtod(text, &end);
    if (end == text || !isfinite(*v))
        return -1;
    while (*end == ' ')
        end++;
    snprintf(unit, unit_len, "%s", end);
    return 0;
}

static int add_value(struct grid_var *v, const char *text, size_t len)
{
    char **nv = realloc(v->value, (v->n_value + 1) * sizeof *nv);
    if (!nv)
        return MX_ENOMEM;
    v->value = nv;
    if (!(nv[v->n_value] = strndup(text, len)))
        return MX_ENOMEM;
    v->n_value++;
    return MX_OK;
}

/* "FROM..TO [step S]": the values from FROM by S while they do not pass TO. */
static int parse_range(struct grid_var *v, const char *s, const struct expr *x, size_t *at,
                       struct mx_err *err)
{
    char body[256], from_u[64], to_u[64], step_u[64] = "";
    if (x->body_len >= sizeof body) {
        *at = (size_t)(x->body - s);
        return mx_fail(err, MX_EINPUT, "expected a range of at most %zu characters",
                       sizeof body - 1);
    }
    memcpy(body, x->body, x->body_len);
    body[x->body_len] = '\0';
    char *dots = strstr(body, ".."), *to = dots + 2, *step = NULL;
    *dots = '\0';
    char *kw = strstr(to, "step");
    if (kw) {
        *kw = '\0';
        step = kw + 4;
    }
    double from, upto, by = 1;
    *at = (size_t)(x->body - s);
    if (range_number(body, &from, from_u, sizeof from_u) != 0)
        return mx_fail(err, MX_EINPUT, "expected a number before .., got \"%s\"", body);
    *at += (size_t)(to - body);
    if (range_number(to, &upto, to_u, sizeof to_u) != 0)
        return mx_fail(err, MX_EINPUT, "expected a number after .., got \"%s\"", to);
    if (step) {
        *at = (size_t)(x->body - s) + (size_t)(step - body);
        if (range_number(step, &by, step_u, sizeof step_u) != 0)
            return mx_fail(err, MX_EINPUT, "expected a number after step, got \"%s\"", step);
    }
    for (char *u = from_u + strlen(from_u); u > from_u && u[-1] == ' ';)
        *--u = '\0';
    for (char *u = to_u + strlen(to_u); u > to_u && u[-1] == ' ';)
        *--u = '\0';
    for (char *u = step_u + strlen(step_u); u > step_u && u[-1] == ' ';)
        *--u = '\0';
    *at = x->start;
    if (strcmp(from_u, to_u) != 0 || (*step_u && strcmp(step_u, from_u) != 0))
        return mx_fail(err, MX_EINPUT, "expected the same unit on every number of a range, got "
                                       "\"%s\", \"%s\"%s%s%s", from_u, to_u, step ? " and \"" : "",
                       step ? step_u : "", step ? "\"" : "");
    if (by == 0 || (upto - from) / by < 0)
        return mx_fail(err, MX_EINPUT, "step %g never goes from %g to %g", by, from, upto);
    double n = floor((upto - from) / by + 1e-9) + 1;
    if (!(n <= GRID_MAX_VALUES))
        return mx_fail(err, MX_EINPUT, "expected at most %d values in a range, got %.0f",
                       GRID_MAX_VALUES, n);
    for (size_t k = 0; k < (size_t)n; k++) {
        char text[96];
        int len = snprintf(text, sizeof text, "%.15g%s", from + (double)k * by, from_u);
        if (add_value(v, text, (size_t)len) != MX_OK)
            return mx_fail(err, MX_ENOMEM, "out of memory");
    }
    return MX_OK;
}

/* "a, b, c": each value trimmed; none may be empty. */
static int parse_list(struct grid_var *v, const char *s, const struct expr *x, size_t *at,
                      struct mx_err *err)
{
    size_t i = (size_t)(x->body - s), end = x->end;
    for (;;) {
        skip_space(s, &i, end);
        size_t b = i;
        while (i < end && s[i] != ',')
            i++;
        size_t e = i;
        while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
            e--;
        if (e == b) {
            *at = b;
            return mx_fail(err, MX_EINPUT, "expected a value here: ${...} lists are values "
                                           "separated by commas");
        }
        if (v->n_value == GRID_MAX_VALUES) {
            *at = b;
            return mx_fail(err, MX_EINPUT, "expected at most %d values in a list",
                           GRID_MAX_VALUES);
        }
        if (add_value(v, s + b, e - b) != MX_OK)
            return mx_fail(err, MX_ENOMEM, "out of memory");
        if (i == end)
            return MX_OK;
        i++; /* the ',' */
    }
}

static const struct grid_var *find_var(const struct grid *g, const char *name, size_t *index)
{
    for (size_t k = 0; k < g->n_var; k++)
        if (g->var[k].name && strcmp(g->var[k].name, name) == 0) {
            if (index)
                *index = k;
            return &g->var[k];
        }
    return NULL;
}

int grid_scan(struct grid *g, const char *value, const char *column, size_t *at,
              struct mx_err *err)
{
    for (size_t i = 0; value[i]; i++) {
        if (value[i] != '$' || value[i + 1] != '{')
            continue;
        struct expr x;
        int rc = parse_expr(value, i, &x, at, err);
        if (rc != MX_OK)
            return rc;
        if (!x.reference) {
            if (*x.name && find_var(g, x.name, NULL)) {
                *at = i;
                return mx_fail(err, MX_EINPUT, "the sweep variable %s is defined twice; refer "
                                               "to it as $%s", x.name, x.name);
            }
            struct grid_var *nv = realloc(g->var, (g->n_var + 1) * sizeof *nv);
            if (!nv)
                return mx_fail(err, MX_ENOMEM, "out of memory");
            g->var = nv;
            struct grid_var *v = &g->var[g->n_var++];
            memset(v, 0, sizeof *v);
            if (!(v->name = *x.name ? strdup(x.name) : NULL) && *x.name)
                return mx_fail(err, MX_ENOMEM, "out of memory");
            if (!(v->column = strdup(*x.name ? x.name : column)))
                return mx_fail(err, MX_ENOMEM, "out of memory");
            bool range = false;
            for (size_t k = 0; k + 1 < x.body_len; k++)
                range |= x.body[k] == '.' && x.body[k + 1] == '.';
            rc = range ? parse_range(v, value, &x, at, err) : parse_list(v, value, &x, at, err);
            if (rc != MX_OK)
                return rc;
        }
        i = x.end;
    }
    return MX_OK;
}

int grid_seal(struct grid *g, struct mx_err *err)
{
    g->n_points = 1;
    for (size_t k = 0; k < g->n_var; k++) {
        if (g->var[k].n_value > GRID_MAX_POINTS / g->n_points)
            return mx_fail(err, MX_EINPUT, "expected at most %d points in a sweep, got more "
                                           "(the product of the lists' lengths)", GRID_MAX_POINTS);
        g->n_points *= g->var[k].n_value;
    }
    /* Two unnamed expressions with the same column: relay1.session_time, then
     * relay1.session_time_2, ... (counted on the names as scanned, then renamed). */
    unsigned *dup = calloc(g->n_var + 1, sizeof *dup);
    if (!dup)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    for (size_t k = 0; k < g->n_var; k++)
        for (size_t j = 0; j < k; j++)
            dup[k] += strcmp(g->var[j].column, g->var[k].column) == 0;
    int rc = MX_OK;
    for (size_t k = 0; k < g->n_var && rc == MX_OK; k++) {
        if (!dup[k])
            continue;
        char *c = malloc(strlen(g->var[k].column) + 12);
        if (!c) {
            rc = mx_fail(err, MX_ENOMEM, "out of memory");
            break;
        }
        sprintf(c, "%s_%u", g->var[k].column, dup[k] + 1);
        free(g->var[k].column);
        g->var[k].column = c;
    }
    free(dup);
    return rc;
}

const char *grid_value(const struct grid *g, size_t v, uint64_t point)
{
    uint64_t stride = 1;
    for (size_t k = g->n_var; k-- > v + 1;)
        stride *= g->var[k].n_value;
    return g->var[v].value[(point / stride) % g->var[v].n_value];
}

/* Appends text to a growing string. */
static int append(char **buf, size_t *len, size_t *cap, const char *text, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = (*len + n + 1) * 2;
        char *nb = realloc(*buf, nc);
        if (!nb)
            return MX_ENOMEM;
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, text, n);
    *len += n;
    (*buf)[*len] = '\0';
    return MX_OK;
}

char *grid_expand(const struct grid *g, const char *value, size_t *next, uint64_t point,
                  size_t *at, struct mx_err *err)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = append(&buf, &len, &cap, "", 0);
    for (size_t i = 0; rc == MX_OK && value[i];) {
        if (value[i] != '$') {
            size_t k = strcspn(value + i, "$");
            rc = append(&buf, &len, &cap, value + i, k);
            i += k;
            continue;
        }
        if (value[i + 1] == '{') {
            struct expr x;
            if (parse_expr(value, i, &x, at, err) != MX_OK)
                goto fail;
            size_t k = 0;
            if (x.reference && !find_var(g, x.name, &k)) {
                const char *names[64];
                size_t n = 0;
                for (size_t j = 0; j < g->n_var && n < MX_ARRAY_LEN(names); j++)
                    if (g->var[j].name)
                        names[n++] = g->var[j].name;
                const char *near = mx_nearest(x.name, names, n);
                *at = i;
                mx_fail(err, MX_EINPUT, "no sweep variable %s: define it with ${%s = ...}",
                        x.name, x.name);
                snprintf(err->hint, sizeof err->hint, "%s", near ? near : "");
                goto fail;
            }
            if (!x.reference) {
                assert(*next < g->n_var); /* grid_scan met the same expressions */
                k = (*next)++;
            }
            const char *v = grid_value(g, k, point);
            rc = append(&buf, &len, &cap, v, strlen(v));
            i = x.end + 1;
            continue;
        }
        size_t j = i + 1;
        while (ident_char(value[j]))
            j++;
        char name[64];
        size_t k;
        snprintf(name, sizeof name, "%.*s", (int)(j - i - 1), value + i + 1);
        if (j - i - 1 < sizeof name && ident_start(value[i + 1]) && find_var(g, name, &k)) {
            const char *v = grid_value(g, k, point);
            rc = append(&buf, &len, &cap, v, strlen(v));
        } else {
            rc = append(&buf, &len, &cap, value + i, j - i); /* Postfix's $parameter */
        }
        i = j;
    }
    if (rc == MX_OK)
        return buf;
    mx_fail(err, MX_ENOMEM, "out of memory");
fail:
    free(buf);
    return NULL;
}

void grid_free(struct grid *g)
{
    for (size_t k = 0; k < g->n_var; k++) {
        for (size_t j = 0; j < g->var[k].n_value; j++)
            free(g->var[k].value[j]);
        free(g->var[k].value);
        free(g->var[k].name);
        free(g->var[k].column);
    }
    free(g->var);
    memset(g, 0, sizeof *g);
}
