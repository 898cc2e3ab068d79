/* scen.c -- see scen.h.
 * Two phases. (1) Reading: inih parses the file through our own line reader, which
 * counts lines (Debian's inih is built without INI_HANDLER_LINENO), strips inline
 * "#" comments (inih strips only ";"), stops indented lines from being taken as
 * continuations, and takes [expect] lines (which are not key = value) before inih
 * sees them. Every section header and key = value becomes an entry with its line.
 * (2) Building: --set overrides replace or add entries, then each section is checked
 * against its key table, values are parsed, defaults applied, references resolved. */
#include "scen.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "grid.h"
#include "postconf.h"
#include "series.h"
#include "units.h"
#include "zone.h"

/* ---- owned memory: every allocation of a scenario hangs off s->mem ---- */

struct blk {
    struct blk *next;
    max_align_t data[];
};

static void *salloc(struct scenario *s, size_t n)
{
    struct blk *b = calloc(1, sizeof *b + n);
    if (!b)
        return NULL;
    b->next = s->mem;
    s->mem = b;
    return b->data;
}

static char *sdup(struct scenario *s, const char *str)
{
    size_t n = strlen(str) + 1;
    char *p = salloc(s, n);
    return p ? memcpy(p, str, n) : NULL;
}

void scen_free(struct scenario *s)
{
    if (!s)
        return;
    grid_free(&s->grid);
    zone_free(s->zone);
    for (struct blk *b = s->mem, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(s);
}

/* ---- phase 1: entries ---- */

struct entry {
    char *kind, *name; /* section kind and NAME ("" if none) */
    char *key, *value; /* key NULL: the section header itself */
    const char *origin; /* file path, or "--set" */
    int line;
    int col; /* of the value's first character in its line (in the --set argument) */
};

struct reader {
    FILE *fp;
    const char *path;
    int line;
    bool in_expect;
    bool too_long;
    int long_line;
    int too_many; /* the line where SCEN_MAX_ENTRIES was passed, or 0 */
    struct entry *e;
    size_t n, cap;
    bool nomem;
    char kind[64], name[200];
    const char *text; /* the line as handed to inih, and how many characters */
    int lead;         /* were cut from its start (blanks, a byte-order mark) */
};

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static int add_entry(struct reader *r, const char *kind, const char *name, const char *key,
                     const char *value, const char *origin, int line)
{
    if (r->n >= SCEN_MAX_ENTRIES) {
        if (!r->too_many)
            r->too_many = line > 0 ? line : -1; /* -1: a --set, no line */
        return -1;
    }
    if (r->n == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 64;
        struct entry *ne = realloc(r->e, ncap * sizeof *ne);
        if (!ne)
            return r->nomem = true, -1;
        r->e = ne;
        r->cap = ncap;
    }
    struct entry *e = &r->e[r->n];
    e->kind = strdup(kind);
    e->name = strdup(name);
    e->key = key ? strdup(key) : NULL;
    e->value = value ? strdup(value) : NULL;
    e->origin = origin;
    e->line = line;
    if (!e->kind || !e->name || (key && !e->key) || (value && !e->value)) {
        free(e->kind), free(e->name), free(e->key), free(e->value);
        return r->nomem = true, -1;
    }
    r->n++;
    return 0;
}

static void free_entries(struct reader *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->e[i].kind), free(r->e[i].name), free(r->e[i].key), free(r->e[i].value);
    free(r->e);
}

/* "[server relay1]" -> kind "server", name "relay1" */
static void split_section(const char *sec, char *kind, size_t kl, char *name, size_t nl)
{
    while (*sec == ' ' || *sec == '\t')
        sec++;
    size_t k = strcspn(sec, " \t");
    snprintf(kind, kl, "%.*s", (int)k, sec);
    const char *rest = sec + k;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    snprintf(name, nl, "%s", rest);
    char *t = name + strlen(name);
    while (t > name && (t[-1] == ' ' || t[-1] == '\t'))
        *--t = '\0';
}

/* Removes an inline comment: "#" or ";" preceded by white space. */
static void strip_comment(char *s)
{
    for (char *p = s + 1; *p; p++)
        if ((*p == '#' || *p == ';') && (p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            return;
        }
}

static char *read_line(char *str, int num, void *stream)
{
    struct reader *r = stream;
    char buf[SCEN_MAX_LINE + 2];
    if (!fgets(buf, sizeof buf, r->fp))
        return NULL;
    r->line++;
    int bom = 0;
    if (r->line == 1 && strncmp(buf, "\xef\xbb\xbf", 3) == 0) /* a UTF-8 byte-order mark */
        memmove(buf, buf + 3, strlen(buf + 3) + 1), bom = 3;
    size_t n = strlen(buf);
    if (n == sizeof buf - 1 && buf[n - 1] != '\n') {
        int c; /* skip the rest of an over-long line */
        while ((c = fgetc(r->fp)) != EOF && c != '\n')
            ;
        if (!r->too_long)
            r->too_long = true, r->long_line = r->line;
        str[0] = '\0';
        return str;
    }
    char *s = trim(buf);
    if (*s == '#' || *s == ';' || !*s) {
        str[0] = '\0';
        return str;
    }
    strip_comment(s);
    s = trim(s);
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (close) {
            *close = '\0';
            split_section(s + 1, r->kind, sizeof r->kind, r->name, sizeof r->name);
            r->in_expect = strcmp(r->kind, "expect") == 0;
            add_entry(r, r->kind, r->name, NULL, NULL, r->path, r->line);
            *close = ']';
        }
    } else if (r->in_expect) {
        add_entry(r, "expect", "", "", s, r->path, r->line);
        str[0] = '\0';
        return str;
    }
    if ((int)strlen(s) + 2 > num) {
        if (!r->too_long)
            r->too_long = true, r->long_line = r->line;
        str[0] = '\0';
        return str;
    }
    strcpy(str, s);
    strcat(str, "\n");
    r->text = str; /* inih parses in place: on_value's value points into str */
    r->lead = bom + (int)(s - buf);
    return str;
}

static int on_value(void *user, const char *section, const char *key, const char *value)
{
    struct reader *r = user;
    (void)section; /* the reader already split it into kind and name */
    if (add_entry(r, r->kind, r->name, key, value, r->path, r->line) != 0)
        return 0;
    if (r->text && value >= r->text && value < r->text + SCEN_MAX_LINE)
        r->e[r->n - 1].col = r->lead + (int)(value - r->text) + 1;
    return 1;
}

/* ---- phase 2: key tables ---- */

enum ktype { K_DUR, K_INT, K_BOOL, K_RATE, K_DIST, K_STR, K_ENUM, K_SEED, K_DOMAIN,
             K_ADDRS, K_REF };

struct key {
    const char *name;
    enum ktype type;
    size_t off;
    const char *def;   /* default, parsed like a value; NULL = required */
    long lo, hi;       /* K_INT bounds */
    const char *const *words; /* K_ENUM: values in enum order, NULL-terminated */
    const char *expected;     /* K_ENUM: how to say what is accepted */
};

#define OFF(T, f) offsetof(struct T, f)

static const char *const mta_words[] = {"postfix", "ordered", "exim", "sendmail", NULL};
static const char *const full_words[] = {"wait", "refuse", "drop", NULL};
static const char *const mode_words[] = {"refused", "blackhole", "servfail", "tempfail",
                                         "reject",  "nogreet",   "slow",     NULL};
static const char *const order_words[] = {"fixed", "cyclic", "random", "roundrobin", NULL};
static const char *const rotate_words[] = {"no", "cyclic", "random", "roundrobin", NULL};

static const struct key sim_keys[] = {
    {"duration", K_DUR, OFF(scen_sim, duration), "1h", 0, 0, NULL, NULL},
    {"drain", K_DUR, OFF(scen_sim, drain), "1d", 0, 0, NULL, NULL},
    {"warmup", K_DUR, OFF(scen_sim, warmup), "0", 0, 0, NULL, NULL},
    {"replications", K_INT, OFF(scen_sim, replications), "1", 1, 100000, NULL, NULL},
    {"sample", K_DUR, OFF(scen_sim, sample), "1m", 0, 0, NULL, NULL},
    {"seed", K_SEED, OFF(scen_sim, seed), "1", 0, 0, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const struct key sender_keys[] = {
    {"mta", K_ENUM, OFF(scen_sender, mta), "postfix", 0, 0, mta_words,
     "postfix, ordered, exim or sendmail"},
    {"instances", K_INT, OFF(scen_sender, instances), "1", 1, SCEN_MAX_INSTANCES, NULL, NULL},
    {"relayhost", K_STR, OFF(scen_sender, relayhost), "", 0, 0, NULL, NULL},
    {"smtp_fallback_relay", K_STR, OFF(scen_sender, smtp_fallback_relay), "", 0, 0, NULL, NULL},
    {"smtp_randomize_addresses", K_BOOL, OFF(scen_sender, smtp_randomize_addresses), "yes", 0, 0,
     NULL, NULL},
    {"smtp_connect_timeout", K_DUR, OFF(scen_sender, smtp_connect_timeout), "30s", 0, 0, NULL,
     NULL},
    {"smtp_helo_timeout", K_DUR, OFF(scen_sender, smtp_helo_timeout), "300s", 0, 0, NULL, NULL},
    {"smtp_mx_address_limit", K_INT, OFF(scen_sender, smtp_mx_address_limit), "5", 0, 1000000,
     NULL, NULL},
    {"smtp_skip_5xx_greeting", K_BOOL, OFF(scen_sender, smtp_skip_5xx_greeting), "yes", 0, 0,
     NULL, NULL},
    {"initial_destination_concurrency", K_INT, OFF(scen_sender, initial_destination_concurrency),
     "5", 1, 100000, NULL, NULL},
    {"default_destination_concurrency_limit", K_INT,
     OFF(scen_sender, default_destination_concurrency_limit), "20", 1, 100000, NULL, NULL},
    {"smtp_destination_concurrency_limit", K_INT,
     OFF(scen_sender, smtp_destination_concurrency_limit), "$default_destination_concurrency_limit",
     1, 100000, NULL, NULL},
    {"default_destination_concurrency_failed_cohort_limit", K_INT,
     OFF(scen_sender, default_destination_concurrency_failed_cohort_limit), "1", 0, 100000, NULL,
     NULL},
    {"smtp_destination_concurrency_failed_cohort_limit", K_INT,
     OFF(scen_sender, smtp_destination_concurrency_failed_cohort_limit),
     "$default_destination_concurrency_failed_cohort_limit", 0, 100000, NULL, NULL},
    {"smtp_connection_cache_on_demand", K_BOOL, OFF(scen_sender, smtp_connection_cache_on_demand),
     "yes", 0, 0, NULL, NULL},
    {"smtp_connection_cache_destinations", K_STR,
     OFF(scen_sender, smtp_connection_cache_destinations), "", 0, 0, NULL, NULL},
    {"smtp_connection_cache_time_limit", K_DUR, OFF(scen_sender, smtp_connection_cache_time_limit),
     "2s", 0, 0, NULL, NULL},
    {"connection_cache_ttl_limit", K_DUR, OFF(scen_sender, connection_cache_ttl_limit), "2s", 0, 0,
     NULL, NULL},
    {"smtp_connection_reuse_time_limit", K_DUR, OFF(scen_sender, smtp_connection_reuse_time_limit),
     "300s", 0, 0, NULL, NULL},
    {"smtp_connection_reuse_count_limit", K_INT,
     OFF(scen_sender, smtp_connection_reuse_count_limit), "0", 0, 1000000000, NULL, NULL},
    {"minimal_backoff_time", K_DUR, OFF(scen_sender, minimal_backoff_time), "300s", 0, 0, NULL,
     NULL},
    {"maximal_backoff_time", K_DUR, OFF(scen_sender, maximal_backoff_time), "4000s", 0, 0, NULL,
     NULL},
    {"queue_run_delay", K_DUR, OFF(scen_sender, queue_run_delay), "300s", 0, 0, NULL, NULL},
    {"maximal_queue_lifetime", K_DUR, OFF(scen_sender, maximal_queue_lifetime), "5d", 0, 0, NULL,
     NULL},
    {"transport", K_STR, OFF(scen_sender, transport), "", 0, 0, NULL, NULL},
    {"qmgr_message_active_limit", K_INT, OFF(scen_sender, qmgr_message_active_limit), "20000", 1,
     100000000, NULL, NULL},
    {"resolver", K_REF, OFF(scen_sender, resolver), "", 0, 0, NULL, NULL},
    {"connect_latency", K_DIST, OFF(scen_sender, connect_latency), "0", 0, 0, NULL, NULL},
    {"rset_latency", K_DIST, OFF(scen_sender, rset_latency), "0", 0, 0, NULL, NULL},
    {"delivery_agent_delay", K_DIST, OFF(scen_sender, delivery_agent_delay), "0", 0, 0, NULL,
     NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const struct key resolver_keys[] = {
    {"rrset_order", K_ENUM, OFF(scen_resolver, rrset_order), "fixed", 0, 0, order_words,
     "fixed, cyclic, random or roundrobin"},
    {"cache", K_BOOL, OFF(scen_resolver, cache), "yes", 0, 0, NULL, NULL},
    {"rotate", K_ENUM, OFF(scen_resolver, rotate), "no", 0, 0, rotate_words,
     "no, cyclic, random or roundrobin"},
    {"latency", K_DIST, OFF(scen_resolver, latency), "0", 0, 0, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const struct key server_keys[] = {
    {"address", K_ADDRS, 0, NULL, 0, 0, NULL, NULL},
    {"site", K_STR, OFF(scen_server, site), "", 0, 0, NULL, NULL},
    {"forward", K_REF, OFF(scen_server, forward), "", 0, 0, NULL, NULL},
    {"process_limit", K_INT, OFF(scen_server, process_limit), "100", 1, 1000000, NULL, NULL},
    {"backlog", K_INT, OFF(scen_server, backlog), "100", 0, 1000000, NULL, NULL},
    {"when_full", K_ENUM, OFF(scen_server, when_full), "wait", 0, 0, full_words,
     "wait, refuse or drop"},
    {"session_time", K_DIST, OFF(scen_server, session_time), "lognormal(250ms, 0.6)", 0, 0, NULL,
     NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const struct key fault_keys[] = {
    {"target", K_REF, OFF(scen_fault, server), NULL, 0, 0, NULL, NULL},
    {"mode", K_ENUM, OFF(scen_fault, mode), NULL, 0, 0, mode_words,
     "refused, blackhole, tempfail, reject, nogreet, slow or servfail"},
    {"at", K_STR, OFF(scen_fault, at_text), "", 0, 0, NULL, NULL},
    {"for", K_STR, OFF(scen_fault, for_text), "", 0, 0, NULL, NULL},
    {"mtbf", K_STR, OFF(scen_fault, mtbf_text), "", 0, 0, NULL, NULL},
    {"mttr", K_STR, OFF(scen_fault, mttr_text), "", 0, 0, NULL, NULL},
    {"uptime", K_STR, OFF(scen_fault, uptime_text), "", 0, 0, NULL, NULL},
    {"downtime", K_STR, OFF(scen_fault, downtime_text), "", 0, 0, NULL, NULL},
    {"factor", K_STR, OFF(scen_fault, factor_text), "", 0, 0, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const struct key traffic_keys[] = {
    {"from", K_REF, OFF(scen_traffic, sender), NULL, 0, 0, NULL, NULL},
    {"to", K_DOMAIN, OFF(scen_traffic, to), NULL, 0, 0, NULL, NULL},
    {"rate", K_RATE, OFF(scen_traffic, rate_per_s), "0/s", 0, 0, NULL, NULL},
    {"arrivals", K_STR, OFF(scen_traffic, arrivals_text), "poisson", 0, 0, NULL, NULL},
    {"profile", K_STR, OFF(scen_traffic, profile_text), "", 0, 0, NULL, NULL},
    {"trace_columns", K_STR, OFF(scen_traffic, trace_columns_text), "time", 0, 0, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const struct key dns_keys[] = { /* both repeatable; handled by apply_entry */
    {"record", K_STR, 0, "", 0, 0, NULL, NULL},
    {"zone", K_STR, 0, "", 0, 0, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

struct section_kind {
    const char *kind;
    bool named;
    const struct key *keys;
};

static const struct section_kind kinds[] = {
    {"simulation", false, sim_keys}, {"dns", false, dns_keys},        {"sender", true, sender_keys},
    {"server", true, server_keys},   {"fault", true, fault_keys},     {"traffic", true, traffic_keys},
    {"resolver", true, resolver_keys}, {"expect", false, NULL},
};

/* ---- errors with position ---- */

static void locate(struct mx_err *err, const struct entry *e)
{
    if (!err)
        return;
    if (strcmp(e->origin, "--set") == 0) {
        err->file = NULL;
        err->line = 0;
        snprintf(err->where, sizeof err->where, "--set %s%s%s.%s", e->kind, *e->name ? " " : "",
                 e->name, e->key ? e->key : "");
        return;
    }
    err->file = e->origin;
    err->line = e->line;
    if (!*e->kind)
        snprintf(err->where, sizeof err->where, "%s", e->key ? e->key : "");
    else if (e->key && *e->key)
        snprintf(err->where, sizeof err->where, "[%s%s%s] %s", e->kind, *e->name ? " " : "",
                 e->name, e->key);
    else
        snprintf(err->where, sizeof err->where, "[%s%s%s]", e->kind, *e->name ? " " : "",
                 e->name);
}

static int fail_at(struct mx_err *err, const struct entry *e, const char *hint, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static int fail_at(struct mx_err *err, const struct entry *e, const char *hint, const char *fmt,
                   ...)
{
    if (!err)
        return MX_EINPUT;
    char msg[sizeof err->msg]; /* the arguments may point into err->msg */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memcpy(err->msg, msg, sizeof msg);
    err->status = MX_EINPUT;
    locate(err, e);
    snprintf(err->hint, sizeof err->hint, "%s", hint ? hint : "");
    return MX_EINPUT;
}

/* ---- phase 2: building ---- */

struct section {
    const struct section_kind *sk;
    const struct entry *header;
    void *obj;            /* struct scen_sim/sender/server/fault/traffic */
    uint64_t seen;        /* bit per key index: tables hold at most 64 keys */
    const struct entry *first[64];
};

struct build {
    struct scenario *s;
    struct reader *r;
    struct section *sec;
    size_t n_sec;
    const struct entry **fault_target; /* per fault: its target entry */
    const struct entry **traffic_from; /* per traffic: its from entry */
    const struct entry **sender_resolver; /* per sender: its resolver entry, or NULL */
    const struct entry **server_forward;  /* per server: its forward entry, or NULL */
    struct mx_err *err;
};

static const struct section_kind *find_kind(const char *kind)
{
    for (size_t i = 0; i < MX_ARRAY_LEN(kinds); i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return &kinds[i];
    return NULL;
}

static int check_header(const struct entry *e, struct mx_err *err)
{
    const struct section_kind *sk = find_kind(e->kind);
    if (!sk) {
        const char *names[MX_ARRAY_LEN(kinds) + 1];
        for (size_t i = 0; i < MX_ARRAY_LEN(kinds); i++)
            names[i] = kinds[i].kind;
        return fail_at(err, e, mx_nearest(e->kind, names, MX_ARRAY_LEN(kinds)),
                       "unknown section; expected simulation, dns, resolver, sender, server, "
                       "fault, traffic or expect");
    }
    if (sk->named && !*e->name)
        return fail_at(err, e, NULL, "expected a name, as in [%s NAME]", e->kind);
    if (!sk->named && *e->name)
        return fail_at(err, e, NULL, "expected no name: [%s] occurs once", e->kind);
    return MX_OK;
}

static int load_empirical(struct build *b, const struct entry *e, const char *file,
                          struct dist *d);

static int parse_value(struct build *b, const struct key *k, const struct entry *e, void *obj)
{
    struct mx_err *err = b->err;
    char *at = (char *)obj + k->off;
    const char *v = e->value;
    char buf[300];
    int bval;
    switch (k->type) {
    case K_DUR:
        if (units_parse_duration(v, (mx_time *)at, err) != MX_OK)
            return fail_at(err, e, NULL, "%s", err->msg);
        return MX_OK;
    case K_INT:
        if (units_parse_int(v, k->lo, k->hi, (long *)at, err) != MX_OK)
            return fail_at(err, e, NULL, "%s", err->msg);
        return MX_OK;
    case K_SEED: {
        char *end;
        errno = 0;
        unsigned long long x = strtoull(v, &end, 10);
        if (!*v || *end || *v == '-' || errno == ERANGE)
            return fail_at(err, e, NULL, "expected a whole number from 0 to %llu, got \"%s\"",
                           (unsigned long long)UINT64_MAX, v);
        *(uint64_t *)at = (uint64_t)x;
        return MX_OK;
    }
    case K_BOOL:
        if (units_parse_bool(v, &bval, err) != MX_OK)
            return fail_at(err, e, NULL, "%s", err->msg);
        *(int *)at = bval;
        return MX_OK;
    case K_RATE:
        if (units_parse_rate(v, (double *)at, err) != MX_OK)
            return fail_at(err, e, NULL, "%s", err->msg);
        return MX_OK;
    case K_DIST:
        if (dist_empirical_path(v, buf, sizeof buf))
            return load_empirical(b, e, buf, (struct dist *)at);
        if (dist_parse(v, (struct dist *)at, err) != MX_OK)
            return fail_at(err, e, NULL, "%s", err->msg);
        return MX_OK;
    case K_REF:
        return MX_OK; /* resolved once every section is known: resolve_refs */
    case K_STR:
        if (!(*(const char **)at = sdup(b->s, v)))
            return mx_fail(err, MX_ENOMEM, "out of memory");
        return MX_OK;
    case K_DOMAIN:
        if (zone_canon_name(v, buf, sizeof buf, err) != MX_OK)
            return fail_at(err, e, NULL, "%s", err->msg);
        if (!(*(const char **)at = sdup(b->s, buf)))
            return mx_fail(err, MX_ENOMEM, "out of memory");
        return MX_OK;
    case K_ENUM:
        for (int i = 0; k->words[i]; i++)
            if (strcmp(v, k->words[i]) == 0)
                return *(int *)at = i, MX_OK;
        {
            size_t n = 0;
            while (k->words[n])
                n++;
            return fail_at(err, e, mx_nearest(v, (const char *const *)k->words, n),
                           "expected %s, got \"%s\"", k->expected, v);
        }
    case K_ADDRS:
        break; /* build_addresses */
    }
    return MX_OK;
}

static int build_addresses(struct build *b, const struct entry *e, struct scen_server *srv)
{
    char copy[SCEN_MAX_LINE + 1], canon[64];
    snprintf(copy, sizeof copy, "%s", e->value);
    size_t n = 1;
    for (const char *p = copy; *p; p++)
        n += *p == ',';
    srv->address = salloc(b->s, n * sizeof *srv->address);
    if (!srv->address)
        return mx_fail(b->err, MX_ENOMEM, "out of memory");
    srv->n_address = 0;
    for (char *tok = copy, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        tok = trim(tok);
        if (zone_canon_addr(tok, canon, sizeof canon, b->err) != MX_OK)
            return fail_at(b->err, e, NULL, "expected addresses separated by commas, such as "
                                            "10.0.0.1, 10.0.0.2; got \"%s\"", tok);
        if (!(srv->address[srv->n_address++] = sdup(b->s, canon)))
            return mx_fail(b->err, MX_ENOMEM, "out of memory");
    }
    return MX_OK;
}

/* A path in a scenario is relative to the scenario file (PRODUCT.md). */
static void relative_path(const char *scenario, const char *p, char *out, size_t len)
{
    const char *slash = strrchr(scenario, '/');
    if (p[0] == '/' || !slash)
        snprintf(out, len, "%s", p);
    else
        snprintf(out, len, "%.*s/%s", (int)(slash - scenario), scenario, p);
}

/* empirical(FILE.csv): the durations of the file's first column, in any order,
 * read once here and kept with the scenario (a draw picks one of them, each with
 * the same chance: dist.c). Errors name the file and line, or the key when the
 * file cannot be read at all. */
static int load_empirical(struct build *b, const struct entry *e, const char *file,
                          struct dist *d)
{
    char path[4096];
    relative_path(b->r->path, file, path, sizeof path);
    const char *kept = sdup(b->s, path);
    if (!kept)
        return mx_fail(b->err, MX_ENOMEM, "out of memory");
    struct series sr;
    if (series_open(&sr, kept, SERIES_SAMPLE, b->err) != MX_OK)
        return fail_at(b->err, e, NULL, "%s: %s", kept, b->err->msg);
    mx_time *v = NULL;
    size_t n = 0, cap = 0;
    double sum = 0;
    struct series_row row;
    bool got = true;
    int rc = MX_OK;
    while ((rc = series_next(&sr, &row, &got, b->err)) == MX_OK && got) {
        if (n == DIST_MAX_EMPIRICAL) {
            mx_err_file(b->err, kept);
            b->err->line = row.line;
            rc = mx_fail(b->err, MX_EINPUT, "expected at most %d values", DIST_MAX_EMPIRICAL);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            mx_time *nv = salloc(b->s, cap * sizeof *nv);
            if (!nv) {
                rc = mx_fail(b->err, MX_ENOMEM, "out of memory");
                break;
            }
            if (n)
                memcpy(nv, v, n * sizeof *nv);
            v = nv;
        }
        v[n++] = row.t;
        sum += mx_time_to_s(row.t);
    }
    series_close(&sr);
    if (rc != MX_OK)
        return rc;
    if (n == 0)
        return fail_at(b->err, e, NULL, "%s: expected at least one duration in its first column",
                       kept);
    *d = (struct dist){.kind = DIST_EMPIRICAL, .a = sum / (double)n, .values = v, .n_values = n};
    return MX_OK;
}

static int add_zone_file(struct build *b, const struct entry *e)
{
    char path[4096];
    relative_path(b->r->path, e->value, path, sizeof path);
    char *kept = sdup(b->s, path); /* the error may name it after we return */
    if (!kept)
        return mx_fail(b->err, MX_ENOMEM, "out of memory");
    if (zone_add_file(b->s->zone, kept, b->err) == MX_OK)
        return MX_OK;
    if (b->err->line == 0) /* the file itself is the problem: point at the key */
        return fail_at(b->err, e, NULL, "%s: %s", kept, b->err->msg);
    mx_err_file(b->err, kept); /* kept is freed with the scenario */
    return b->err->status;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A Postfix parameter mxsim does not model: kept as a warning for cli to print. */
static int warn_unmodelled(struct build *b, const struct entry *e)
{
    struct scenario *s = b->s;
    if (s->n_warnings % 16 == 0) {
        const char **nw = salloc(s, (s->n_warnings + 16) * sizeof *nw);
        if (!nw)
            return mx_fail(b->err, MX_ENOMEM, "out of memory");
        if (s->n_warnings)
            memcpy(nw, s->warnings, s->n_warnings * sizeof *nw);
        s->warnings = nw;
    }
    struct mx_err tmp = {0};
    char buf[600];
    fail_at(&tmp, e, NULL, "a Postfix parameter that mxsim does not model: ignored");
    if (!(s->warnings[s->n_warnings++] = sdup(s, mx_err_format(&tmp, buf, sizeof buf))))
        return mx_fail(b->err, MX_ENOMEM, "out of memory");
    return MX_OK;
}

static int apply_entry(struct build *b, struct section *sec, const struct entry *e)
{
    if (strcmp(sec->sk->kind, "dns") == 0) {
        const char *zone_keys[] = {"record", "zone"};
        if (strcmp(e->key, "zone") == 0)
            return add_zone_file(b, e);
        if (strcmp(e->key, "record") != 0)
            return fail_at(b->err, e, mx_nearest(e->key, zone_keys, 2),
                           "unknown key in [dns]; expected record or zone");
        if (zone_add_text(b->s->zone, e->value, b->err) != MX_OK)
            return b->err->status == MX_EINPUT ? fail_at(b->err, e, NULL, "%s", b->err->msg)
                                               : (int)b->err->status;
        return MX_OK;
    }
    const struct key *keys = sec->sk->keys;
    size_t i, n = 0;
    while (keys[n].name)
        n++;
    for (i = 0; i < n && strcmp(keys[i].name, e->key) != 0; i++)
        ;
    assert(n <= 64);
    if (i == n) {
        const char *names[64];
        for (size_t j = 0; j < n; j++)
            names[j] = keys[j].name;
        const char *near = mx_nearest(e->key, names, n);
        if (strcmp(sec->sk->kind, "sender") == 0) {
            if (bsearch(&e->key, postconf_names, POSTCONF_N_NAMES, sizeof *postconf_names,
                        cmp_name))
                return warn_unmodelled(b, e);
            if (!near)
                near = mx_nearest(e->key, postconf_names, POSTCONF_N_NAMES);
            return fail_at(b->err, e, near, "neither a key of mxsim's nor a Postfix 3.7 "
                                            "parameter");
        }
        return fail_at(b->err, e, near, "unknown key in [%s]", sec->sk->kind);
    }
    if (sec->seen & (UINT64_C(1) << i))
        return fail_at(b->err, e, NULL, "set twice; first at line %d", sec->first[i]->line);
    sec->seen |= UINT64_C(1) << i;
    sec->first[i] = e;
    if (keys[i].type == K_ADDRS)
        return build_addresses(b, e, sec->obj);
    return parse_value(b, &keys[i], e, sec->obj);
}

/* A default "$name" takes the value of key name of the same section, as Postfix's
 * smtp_destination_concurrency_limit = $default_destination_concurrency_limit. The
 * key named comes earlier in the table, so it is set by then. */
static void inherit(const struct key *keys, const struct key *k, void *obj)
{
    for (size_t j = 0; keys[j].name; j++)
        if (strcmp(keys[j].name, k->def + 1) == 0) {
            assert(keys[j].type == k->type && (k->type == K_INT || k->type == K_DUR));
            memcpy((char *)obj + k->off, (char *)obj + keys[j].off,
                   k->type == K_INT ? sizeof(long) : sizeof(mx_time));
            return;
        }
    assert(!"inherited key not in the table");
}

static int apply_defaults(struct build *b, struct section *sec)
{
    const struct key *keys = sec->sk->keys;
    for (size_t i = 0; keys && keys[i].name; i++) {
        if (sec->seen & (UINT64_C(1) << i) || strcmp(sec->sk->kind, "dns") == 0)
            continue;
        if (!keys[i].def)
            return fail_at(b->err, sec->header, NULL, "missing key %s", keys[i].name);
        if (keys[i].def[0] == '$') {
            inherit(keys, &keys[i], sec->obj);
            continue;
        }
        struct entry d = *sec->header;
        d.key = (char *)keys[i].name;
        d.value = (char *)keys[i].def;
        if (parse_value(b, &keys[i], &d, sec->obj) != MX_OK)
            return b->err->status; /* a default that does not parse is a bug in the table */
    }
    return MX_OK;
}

/* "section.key" or "section NAME.key" = value, split at the last '.' before '='. */
static int apply_set(struct reader *r, const char *set, struct mx_err *err)
{
    char buf[SCEN_MAX_LINE + 1], kind[64], name[200];
    if (strlen(set) >= sizeof buf) {
        err->file = NULL;
        err->line = 0;
        snprintf(err->where, sizeof err->where, "--set %.40s...", set);
        return mx_fail(err, MX_EINPUT, "expected at most %d characters, got %zu", SCEN_MAX_LINE,
                       strlen(set));
    }
    snprintf(buf, sizeof buf, "%s", set);
    char *eq = strchr(buf, '=');
    char *dot = NULL;
    if (eq) {
        *eq = '\0';
        dot = strrchr(buf, '.');
    }
    if (!eq || !dot || dot == buf || !*trim(dot + 1)) {
        err->file = NULL;
        err->line = 0;
        snprintf(err->where, sizeof err->where, "--set %s", set);
        return mx_fail(err, MX_EINPUT, "expected SECTION.KEY=VALUE or \"SECTION NAME.KEY=VALUE\", "
                                       "such as simulation.duration=2h");
    }
    *dot = '\0';
    const char *key = trim(dot + 1), *value = trim(eq + 1);
    split_section(buf, kind, sizeof kind, name, sizeof name);
    bool header = false;
    for (size_t i = r->n; i-- > 0;) {
        struct entry *e = &r->e[i];
        if (strcmp(e->kind, kind) != 0 || strcmp(e->name, name) != 0)
            continue;
        if (e->key && strcmp(e->key, key) == 0 && strcmp(key, "record") != 0) {
            char *nv = strdup(value);
            if (!nv)
                return mx_fail(err, MX_ENOMEM, "out of memory");
            free(e->value);
            e->value = nv;
            e->origin = "--set";
            e->col = (int)(value - buf) + 1;
            return MX_OK;
        }
        header |= !e->key;
    }
    const struct section_kind *sk = find_kind(kind);
    if (!header && !(sk && !sk->named)) {
        struct entry e = {kind, name, (char *)key, (char *)value, "--set", 0, 0};
        return fail_at(err, &e, NULL, "no such section in the scenario");
    }
    if ((!header && add_entry(r, kind, name, NULL, NULL, "--set", 0) != 0) ||
        add_entry(r, kind, name, key, value, "--set", 0) != 0)
        return r->too_many ? mx_fail(err, MX_EINPUT, "expected at most %d section headers and "
                                                     "keys, got more", SCEN_MAX_ENTRIES)
                           : mx_fail(err, MX_ENOMEM, "out of memory");
    r->e[r->n - 1].col = (int)(value - buf) + 1;
    return MX_OK;
}

/* ---- sweeps: ${...} in values (grid.h) ---- */

/* An error inside a value: FILE:LINE:COL, or for a --set the column in its value. */
static int fail_in_value(struct mx_err *err, const struct entry *e, size_t at)
{
    char msg[sizeof err->msg], hint[sizeof err->hint];
    memcpy(msg, err->msg, sizeof msg);
    memcpy(hint, err->hint, sizeof hint);
    int status = err->status;
    locate(err, e);
    if (strcmp(e->origin, "--set") == 0)
        snprintf(err->msg, sizeof err->msg, "at column %zu of the argument: %.150s",
                 (size_t)e->col + at, msg);
    else
        memcpy(err->msg, msg, sizeof msg), err->col = e->col > 0 ? e->col + (int)at : 0;
    memcpy(err->hint, hint, sizeof hint);
    err->status = status;
    return status;
}

/* Finds the grid in the entries' values, then puts point's values in their place. */
static int sweep_entries(struct reader *r, struct grid *g, uint64_t point, struct mx_err *err)
{
    char column[300];
    size_t at = 0, next = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct entry *e = &r->e[i];
        if (!e->key || strcmp(e->kind, "expect") == 0 || !strstr(e->value, "${"))
            continue;
        snprintf(column, sizeof column, "%s.%s", *e->name ? e->name : e->kind, e->key);
        if (grid_scan(g, e->value, column, &at, err) != MX_OK)
            return fail_in_value(err, e, at);
    }
    if (grid_seal(g, err) != MX_OK)
        return err->file = r->path, err->line = 0, err->status;
    if (point >= g->n_points) {
        err->file = r->path;
        return mx_fail(err, MX_EINPUT, "no point %" PRIu64 ": the sweep has %" PRIu64 " (0 to "
                       "%" PRIu64 ")", point, g->n_points, g->n_points - 1);
    }
    for (size_t i = 0; i < r->n; i++) {
        struct entry *e = &r->e[i];
        if (!e->key || strcmp(e->kind, "expect") == 0 || !strchr(e->value, '$'))
            continue;
        char *v = grid_expand(g, e->value, &next, point, &at, err);
        if (!v)
            return fail_in_value(err, e, at);
        if (g->n_points > 1 && strcmp(e->kind, "simulation") == 0 &&
            strcmp(e->key, "replications") == 0 && strcmp(v, e->value) != 0) {
            free(v);
            return fail_at(err, e, NULL, "cannot be swept: every point of a sweep runs the same "
                                         "number of replications");
        }
        free(e->value);
        e->value = v;
    }
    return MX_OK;
}

static int read_file(struct reader *r, const char *path, struct mx_err *err)
{
    r->fp = fopen(path, "r");
    if (!r->fp) {
        err->file = path;
        return mx_fail(err, MX_EINPUT, "cannot open the scenario: %s", strerror(errno));
    }
    int rc = ini_parse_stream(read_line, r, on_value, r);
    bool rerr = ferror(r->fp);
    fclose(r->fp);
    err->file = path;
    if (r->too_many) {
        err->line = r->too_many > 0 ? r->too_many : 0;
        return mx_fail(err, MX_EINPUT, "expected at most %d section headers and keys, got more "
                                       "(put large record sets in a zone file)", SCEN_MAX_ENTRIES);
    }
    if (r->nomem)
        return mx_fail(err, MX_ENOMEM, "out of memory reading the scenario");
    if (rerr)
        return mx_fail(err, MX_EIO, "cannot read the scenario: %s", strerror(errno));
    if (r->too_long && (rc == 0 || r->long_line <= rc)) {
        err->line = r->long_line;
        return mx_fail(err, MX_EINPUT, "line too long: expected at most 198 characters");
    }
    if (rc > 0) {
        err->line = rc;
        return mx_fail(err, MX_EINPUT, "expected [section], key = value or a comment");
    }
    return MX_OK;
}

static size_t count_kind(const struct reader *r, const char *kind)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += !r->e[i].key && strcmp(r->e[i].kind, kind) == 0;
    return n;
}

static int make_sections(struct build *b)
{
    struct scenario *s = b->s;
    struct reader *r = b->r;
    s->n_senders = s->n_servers = s->n_faults = s->n_traffic = 0;
    s->senders = salloc(s, (count_kind(r, "sender") + 1) * sizeof *s->senders);
    s->servers = salloc(s, (count_kind(r, "server") + 1) * sizeof *s->servers);
    s->faults = salloc(s, (count_kind(r, "fault") + 1) * sizeof *s->faults);
    s->traffic = salloc(s, (count_kind(r, "traffic") + 1) * sizeof *s->traffic);
    s->resolvers = salloc(s, (count_kind(r, "resolver") + 1) * sizeof *s->resolvers);
    s->n_resolvers = 0;
    b->sender_resolver = calloc(r->n + 1, sizeof *b->sender_resolver);
    b->server_forward = calloc(r->n + 1, sizeof *b->server_forward);
    b->sec = calloc(r->n + 2, sizeof *b->sec);
    b->fault_target = calloc(r->n + 1, sizeof *b->fault_target);
    b->traffic_from = calloc(r->n + 1, sizeof *b->traffic_from);
    if (!s->senders || !s->servers || !s->faults || !s->traffic || !s->resolvers || !b->sec ||
        !b->fault_target || !b->traffic_from || !b->sender_resolver || !b->server_forward)
        return mx_fail(b->err, MX_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->n; i++) {
        const struct entry *e = &r->e[i];
        if (e->key)
            continue;
        if (check_header(e, b->err) != MX_OK)
            return MX_EINPUT;
        for (size_t j = 0; j < b->n_sec; j++)
            if (strcmp(b->sec[j].header->kind, e->kind) == 0 &&
                strcmp(b->sec[j].header->name, e->name) == 0)
                return fail_at(b->err, e, NULL, "defined twice; first at line %d",
                               b->sec[j].header->line);
        struct section *sec = &b->sec[b->n_sec++];
        sec->sk = find_kind(e->kind);
        sec->header = e;
        const char *name = sdup(s, e->name);
        if (!name)
            return mx_fail(b->err, MX_ENOMEM, "out of memory");
        if (strcmp(e->kind, "simulation") == 0)
            sec->obj = &s->sim;
        else if (strcmp(e->kind, "sender") == 0)
            sec->obj = &s->senders[s->n_senders], s->senders[s->n_senders].name = name,
            s->senders[s->n_senders++].line = e->line;
        else if (strcmp(e->kind, "server") == 0)
            sec->obj = &s->servers[s->n_servers], s->servers[s->n_servers].name = name,
            s->servers[s->n_servers++].line = e->line;
        else if (strcmp(e->kind, "fault") == 0)
            sec->obj = &s->faults[s->n_faults], s->faults[s->n_faults].name = name,
            s->faults[s->n_faults++].line = e->line;
        else if (strcmp(e->kind, "traffic") == 0)
            sec->obj = &s->traffic[s->n_traffic], s->traffic[s->n_traffic].name = name,
            s->traffic[s->n_traffic++].line = e->line;
        else if (strcmp(e->kind, "resolver") == 0)
            sec->obj = &s->resolvers[s->n_resolvers], s->resolvers[s->n_resolvers].name = name,
            s->resolvers[s->n_resolvers++].line = e->line;
    }
    return MX_OK;
}

static struct section *section_of(struct build *b, const struct entry *e)
{
    /* Linear in sections: scenarios have tens of sections; records all go to [dns],
     * which is found first by the check below. */
    for (size_t j = 0; j < b->n_sec; j++)
        if (strcmp(b->sec[j].header->kind, e->kind) == 0 &&
            strcmp(b->sec[j].header->name, e->name) == 0)
            return &b->sec[j];
    return NULL;
}

static int apply_entries(struct build *b)
{
    struct section *last = NULL;
    for (size_t i = 0; i < b->r->n; i++) {
        const struct entry *e = &b->r->e[i];
        if (!e->key)
            continue;
        if (!*e->kind)
            return fail_at(b->err, e, NULL, "expected a [section] header before the first key");
        if (strcmp(e->kind, "expect") == 0)
            continue;
        struct section *sec = last && strcmp(last->header->kind, e->kind) == 0 &&
                                      strcmp(last->header->name, e->name) == 0
                                  ? last
                                  : section_of(b, e);
        assert(sec); /* every key follows its header */
        last = sec;
        if (apply_entry(b, sec, e) != MX_OK)
            return b->err->status;
        /* Remember which entry named a reference, to point at it if unresolved. */
        if (strcmp(e->kind, "fault") == 0 && strcmp(e->key, "target") == 0)
            b->fault_target[(size_t)((struct scen_fault *)sec->obj - b->s->faults)] = e;
        if (strcmp(e->kind, "traffic") == 0 && strcmp(e->key, "from") == 0)
            b->traffic_from[(size_t)((struct scen_traffic *)sec->obj - b->s->traffic)] = e;
        if (strcmp(e->kind, "sender") == 0 && strcmp(e->key, "resolver") == 0)
            b->sender_resolver[(size_t)((struct scen_sender *)sec->obj - b->s->senders)] = e;
        if (strcmp(e->kind, "server") == 0 && strcmp(e->key, "forward") == 0)
            b->server_forward[(size_t)((struct scen_server *)sec->obj - b->s->servers)] = e;
    }
    for (size_t j = 0; j < b->n_sec; j++)
        if (b->sec[j].sk->keys && apply_defaults(b, &b->sec[j]) != MX_OK)
            return b->err->status;
    return MX_OK;
}

static int resolve_ref(struct build *b, const struct entry *e, const char *what,
                       const char *const *names, size_t n, size_t *out)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], e->value) == 0)
            return *out = i, MX_OK;
    return fail_at(b->err, e, mx_nearest(e->value, names, n), "no [%s %s] in the scenario", what,
                   e->value);
}

/* target = a server's name, "dns" (every name), an address a server listens on, a
 * site (servers with site = NAME), or a DNS name of the zone. Mode servfail goes
 * with DNS targets, the others with servers, addresses and sites. */
static int resolve_target(struct build *b, size_t f, const char **servers)
{
    struct scenario *s = b->s;
    struct scen_fault *ft = &s->faults[f];
    const struct entry *e = b->fault_target[f];
    char canon[300];
    struct mx_err ignore = {0};
    size_t i, n_site = 0;
    for (i = 0; i < s->n_servers && strcmp(servers[i], e->value) != 0; i++)
        ;
    for (size_t k = 0; k < s->n_servers; k++)
        n_site += *s->servers[k].site && strcmp(s->servers[k].site, e->value) == 0;
    if (i < s->n_servers) {
        ft->target = TARGET_SERVER;
        ft->server = i;
    } else if (strcmp(e->value, "dns") == 0) {
        ft->target = TARGET_DNS;
    } else if (zone_canon_addr(e->value, canon, sizeof canon, &ignore) == MX_OK) {
        ft->target = TARGET_ADDR;
        if (!(ft->addr = sdup(s, canon)))
            return mx_fail(b->err, MX_ENOMEM, "out of memory");
    } else if (n_site > 0) {
        ft->target = TARGET_SITE;
        if (!(ft->site = salloc(s, n_site * sizeof *ft->site)))
            return mx_fail(b->err, MX_ENOMEM, "out of memory");
        for (size_t k = 0; k < s->n_servers; k++)
            if (*s->servers[k].site && strcmp(s->servers[k].site, e->value) == 0)
                ft->site[ft->n_site++] = k;
    } else if (zone_canon_name(e->value, canon, sizeof canon, &ignore) == MX_OK &&
               zone_name(s->zone, canon) != ZONE_NONE) {
        ft->target = TARGET_NAME;
        if (!(ft->dns_name = sdup(s, canon)))
            return mx_fail(b->err, MX_ENOMEM, "out of memory");
    } else {
        return fail_at(b->err, e, mx_nearest(e->value, servers, s->n_servers),
                       "expected a [server] name, an address, a site, dns, or a name in the "
                       "zone, got \"%s\"", e->value);
    }
    bool dns = ft->target == TARGET_DNS || ft->target == TARGET_NAME;
    if ((ft->mode == FAULT_SERVFAIL) != dns)
        return fail_at(b->err, e, NULL, "mode %s needs %s as its target, got \"%s\"",
                       mode_words[ft->mode],
                       ft->mode == FAULT_SERVFAIL ? "dns or a DNS name"
                                                  : "a server, an address or a site",
                       e->value);
    if (ft->mode == FAULT_SLOW && ft->target == TARGET_ADDR)
        return fail_at(b->err, e, NULL, "mode slow needs a server or a site as its target, got "
                                        "\"%s\"", e->value);
    return MX_OK;
}

/* Splits a comma-separated list of durations ("30m, 2h") into out (at most max); returns the count,
 * or -1 with err->msg set. forever_ok: "forever" is MX_TIME_MAX. */
static long duration_list(const char *v, bool forever_ok, mx_time *out, size_t max,
                          struct mx_err *err)
{
    char buf[SCEN_MAX_LINE + 1];
    snprintf(buf, sizeof buf, "%s", v);
    size_t n = 0;
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (n == max) {
            mx_fail(err, MX_EINPUT, "expected at most %zu values", max);
            return -1;
        }
        if (forever_ok && strcmp(tok, "forever") == 0)
            out[n++] = MX_TIME_MAX;
        else if (units_parse_duration(tok, &out[n++], err) != MX_OK)
            return -1;
    }
    return (long)n;
}

/* A fault's timing (R65): at = T1, T2, ... with for = D (all) or D1, D2, ... (each;
 * default forever); or mtbf + mttr (exponential up and down times); or uptime +
 * downtime (any distributions). Exactly one of the three. And slow's factor. */
static int fault_timing(struct build *b, const struct section *sec)
{
    struct scen_fault *f = sec->obj;
    const struct entry *at_e = sec->first[2], *for_e = sec->first[3];
    const struct entry *where = sec->header;
    bool windows = *f->at_text, mt = *f->mtbf_text || *f->mttr_text;
    bool ud = *f->uptime_text || *f->downtime_text;
    if (windows + mt + ud != 1)
        return fail_at(b->err, where, NULL, "expected one timing: at (with for), mtbf and mttr, "
                                            "or uptime and downtime");
    if (mt && (!*f->mtbf_text || !*f->mttr_text))
        return fail_at(b->err, where, NULL, "expected both mtbf and mttr");
    if (ud && (!*f->uptime_text || !*f->downtime_text))
        return fail_at(b->err, where, NULL, "expected both uptime and downtime");
    if (*f->for_text && !windows)
        return fail_at(b->err, for_e, NULL, "for goes with at");
    if (mt || ud) {
        f->random = true;
        const char *up = mt ? f->mtbf_text : f->uptime_text, *down = mt ? f->mttr_text
                                                                         : f->downtime_text;
        const struct entry *ue = sec->first[mt ? 4 : 6], *de = sec->first[mt ? 5 : 7];
        mx_time mean;
        /* A fault that flips every nanosecond would run ~1e9 events per simulated
         * second: means below 1 ms are refused (docs/robustness.md). */
        const mx_time floor = MX_NS_PER_S / 1000;
        if (mt) {
            if (units_parse_duration(up, &mean, b->err) != MX_OK || mean < floor)
                return fail_at(b->err, ue, NULL, "expected a duration of at least 1ms, got \"%s\"",
                               up);
            f->up = (struct dist){.kind = DIST_EXP, .a = mx_time_to_s(mean)};
            if (units_parse_duration(down, &mean, b->err) != MX_OK || mean < floor)
                return fail_at(b->err, de, NULL, "expected a duration of at least 1ms, got \"%s\"",
                               down);
            f->down = (struct dist){.kind = DIST_EXP, .a = mx_time_to_s(mean)};
        } else {
            if (dist_parse(up, &f->up, b->err) != MX_OK)
                return fail_at(b->err, ue, NULL, "%s", b->err->msg);
            if (dist_parse(down, &f->down, b->err) != MX_OK)
                return fail_at(b->err, de, NULL, "%s", b->err->msg);
            /* zero up and down times would flip the fault for ever at one instant */
            if (dist_mean_s(&f->up) < 1e-3)
                return fail_at(b->err, ue, NULL, "expected a mean of at least 1ms, got \"%s\"",
                               up);
            if (dist_mean_s(&f->down) < 1e-3)
                return fail_at(b->err, de, NULL, "expected a mean of at least 1ms, got \"%s\"",
                               down);
        }
    } else {
        size_t max = 1; /* a value at most per comma + 1, in either list */
        for (const char *p = f->at_text; *p; p++)
            max += *p == ',';
        size_t commas = 1;
        for (const char *p = f->for_text; *p; p++)
            commas += *p == ',';
        if (commas > max)
            max = commas;
        mx_time *buf = salloc(b->s, 2 * max * sizeof *buf);
        if (!buf)
            return mx_fail(b->err, MX_ENOMEM, "out of memory");
        long n_at = duration_list(f->at_text, false, buf, max, b->err);
        if (n_at < 1)
            return fail_at(b->err, at_e, NULL, "%s", n_at < 0 ? b->err->msg : "expected a time");
        long n_for = *f->for_text ? duration_list(f->for_text, true, buf + max, max, b->err) : 0;
        if (n_for < 0)
            return fail_at(b->err, for_e, NULL, "%s, or forever", b->err->msg);
        if (n_for > 1 && n_for != n_at)
            return fail_at(b->err, for_e, NULL, "expected one duration, or one for each of the "
                                                "%ld at values, got %ld", n_at, n_for);
        f->at = buf;
        f->len = buf + max;
        for (long i = 0; i < n_at; i++)
            f->len[i] = n_for == 0 ? MX_TIME_MAX : f->len[n_for == 1 ? 0 : i];
        f->n_windows = (size_t)n_at;
    }
    f->factor = 1;
    if (*f->factor_text) {
        const struct entry *fe = sec->first[8];
        if (f->mode != FAULT_SLOW)
            return fail_at(b->err, fe, NULL, "factor goes with mode = slow");
        if (units_parse_number(f->factor_text, &f->factor, b->err) != MX_OK || f->factor < 1)
            return fail_at(b->err, fe, NULL, "expected a number of at least 1, got \"%s\"",
                           f->factor_text);
    } else if (f->mode == FAULT_SLOW) {
        f->factor = 10;
    }
    return MX_OK;
}

static int resolve_refs(struct build *b)
{
    struct scenario *s = b->s;
    size_t most = s->n_senders + s->n_servers + s->n_resolvers + 1;
    const char **names = calloc(most, sizeof *names);
    if (!names)
        return mx_fail(b->err, MX_ENOMEM, "out of memory");
    int rc = MX_OK;
    for (size_t i = 0; i < s->n_servers; i++)
        names[i] = s->servers[i].name;
    for (size_t i = 0; rc == MX_OK && i < s->n_faults; i++)
        rc = resolve_target(b, i, names);
    for (size_t i = 0; i < s->n_senders; i++)
        names[i] = s->senders[i].name;
    for (size_t i = 0; rc == MX_OK && i < s->n_traffic; i++)
        rc = resolve_ref(b, b->traffic_from[i], "sender", names, s->n_senders,
                         &s->traffic[i].sender);
    for (size_t i = 0; rc == MX_OK && i < s->n_servers; i++) {
        s->servers[i].forward = SCEN_NO_FORWARD;
        if (b->server_forward[i])
            rc = resolve_ref(b, b->server_forward[i], "sender", names, s->n_senders,
                             &s->servers[i].forward);
    }
    for (size_t i = 0; i < s->n_resolvers; i++)
        names[i] = s->resolvers[i].name;
    for (size_t i = 0; rc == MX_OK && i < s->n_senders; i++) {
        s->senders[i].resolver = SCEN_PRIVATE_RESOLVER;
        if (b->sender_resolver[i])
            rc = resolve_ref(b, b->sender_resolver[i], "resolver", names, s->n_resolvers,
                             &s->senders[i].resolver);
    }
    free(names);
    return rc;
}

/* R2: one hop: "[host]", "[host]:port", "[192.0.2.1]", "host", "domain", "host:port".
 * Fills hop, or fails naming what was written (whole, v). */
static int parse_hop(struct build *b, const struct entry *e, const char *v, const char *one,
                     struct scen_hop *hop)
{
    char buf[300], canon[300];
    snprintf(buf, sizeof buf, "%s", one);
    char *host = buf, *port = NULL;
    bool bracket = buf[0] == '[';
    if (bracket) {
        char *close = strchr(buf, ']');
        if (!close || (close[1] && close[1] != ':'))
            return fail_at(b->err, e, NULL, "expected [host], [host]:port, [address], host or "
                                            "domain, got \"%s\"", v);
        *close = '\0';
        host = buf + 1;
        port = close[1] ? close + 2 : NULL;
    } else if ((port = strrchr(buf, ':')) != NULL) {
        *port++ = '\0';
    }
    long p;
    if (port && units_parse_int(port, 1, 65535, &p, b->err) != MX_OK)
        return fail_at(b->err, e, NULL, "expected a port from 1 to 65535 after \":\", got \"%s\"", v);
    struct mx_err ignore = {0};
    if (!bracket && zone_canon_addr(host, canon, sizeof canon, &ignore) == MX_OK)
        return fail_at(b->err, e, NULL, "a numeric next hop must be bracketed, as Postfix "
                                        "requires (R2): [%s], got \"%s\"", host, v);
    hop->literal = bracket && zone_canon_addr(host, canon, sizeof canon, &ignore) == MX_OK;
    if (!hop->literal && zone_canon_name(host, canon, sizeof canon, b->err) != MX_OK)
        return fail_at(b->err, e, NULL, "expected [host], [host]:port, [address], host or domain, "
                                        "got \"%s\"", v);
    hop->mx = !bracket;
    if (!(hop->target = sdup(b->s, canon)))
        return mx_fail(b->err, MX_ENOMEM, "out of memory");
    return MX_OK;
}

/* Appends the hops of a list (separated by commas or white space, R3). */
static int parse_hops(struct build *b, struct scen_sender *snd, const struct entry *e,
                      const char *v)
{
    char buf[SCEN_MAX_LINE + 1];
    snprintf(buf, sizeof buf, "%s", v);
    for (char *save, *tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
        if (parse_hop(b, e, v, tok, &snd->hops[snd->n_hops++]) != MX_OK)
            return MX_EINPUT;
    return MX_OK;
}

/* R2, R3, R25: relayhost (a list since Postfix 3.5), then smtp_fallback_relay. */
static int parse_relayhost(struct build *b, struct scen_sender *snd, const struct section *sec)
{
    size_t n = 2;
    for (const char *p = snd->relayhost; *p; p++) /* a hop at most per separator + 1 */
        n += *p == ',' || *p == ' ' || *p == '\t';
    for (const char *p = snd->smtp_fallback_relay; *p; p++)
        n += *p == ',' || *p == ' ' || *p == '\t';
    if (!(snd->hops = salloc(b->s, n * sizeof *snd->hops)))
        return mx_fail(b->err, MX_ENOMEM, "out of memory");
    const struct entry *e = sec->first[2] ? sec->first[2] : sec->header; /* [2]: relayhost */
    if (parse_hops(b, snd, e, snd->relayhost) != MX_OK)
        return MX_EINPUT;
    snd->n_relay = snd->n_hops;
    e = sec->first[3] ? sec->first[3] : sec->header; /* [3]: smtp_fallback_relay */
    if (parse_hops(b, snd, e, snd->smtp_fallback_relay) != MX_OK)
        return MX_EINPUT;
    /* transport = DOMAIN [smtp:]NEXTHOP, ...: what Postfix's transport(5) table says */
    if (*snd->transport) {
        char buf[SCEN_MAX_LINE + 1], canon[300];
        size_t k = 1;
        for (const char *p = snd->transport; *p; p++)
            k += *p == ',';
        snd->transport_domain = salloc(b->s, k * sizeof *snd->transport_domain);
        snd->transport_hop = salloc(b->s, k * sizeof *snd->transport_hop);
        if (!snd->transport_domain || !snd->transport_hop)
            return mx_fail(b->err, MX_ENOMEM, "out of memory");
        for (k = 0; k < 64 && strcmp(sender_keys[k].name, "transport") != 0; k++)
            ;
        e = sec->first[k] ? sec->first[k] : sec->header;
        snprintf(buf, sizeof buf, "%s", snd->transport);
        for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            char *dom = trim(tok), *hop = dom + strcspn(dom, " \t");
            if (*hop)
                *hop++ = '\0';
            hop = trim(hop);
            if (strncmp(hop, "smtp:", 5) == 0)
                hop += 5;
            if (!*hop || zone_canon_name(dom, canon, sizeof canon, b->err) != MX_OK)
                return fail_at(b->err, e, NULL, "expected DOMAIN NEXTHOP entries separated by "
                                                "commas, such as example.jp smtp:[mail.example.jp]; "
                                                "got \"%s\"", snd->transport);
            size_t t = snd->n_transport++;
            if (!(snd->transport_domain[t] = sdup(b->s, canon)) ||
                parse_hop(b, e, snd->transport, hop, &snd->transport_hop[t]) != MX_OK)
                return b->err->status;
        }
    }
    if (snd->n_relay) {
        snd->relay_target = snd->hops[0].target;
        snd->relay_mx = snd->hops[0].mx;
        snd->relay_literal = snd->hops[0].literal;
    }
    return MX_OK;
}

/* Where a sender is exim or sendmail, the keys it did not set take that MTA's own
 * defaults (docs/senders.md), not Postfix's. */
static void mta_defaults(struct section *sec)
{
    struct scen_sender *snd = sec->obj;
    size_t rk = 0; /* rset_latency not set: a probe costs what a connection does */
    while (strcmp(sender_keys[rk].name, "rset_latency") != 0)
        rk++;
    if (!(sec->seen & (UINT64_C(1) << rk)))
        snd->rset_latency = snd->connect_latency;
    struct mta_default {
        const char *key;
        mx_time exim, sendmail;
    } const table[] = {
        /* R49: connect_timeout 5m; R19: sendmail leaves it to the kernel (~127 s) */
        {"smtp_connect_timeout", 300 * MX_NS_PER_S, 127 * MX_NS_PER_S},
        /* R49: command_timeout 5m; R52: Timeout.initial 5m */
        {"smtp_helo_timeout", 300 * MX_NS_PER_S, 300 * MX_NS_PER_S},
        /* R50: Debian's exim4 runs its queue every 30m; sendmail -q30m (unverified) */
        {"queue_run_delay", 1800 * MX_NS_PER_S, 1800 * MX_NS_PER_S},
        /* R48: exim's default retry rule ends at 4d; sendmail Timeout.queuereturn 5d */
        {"maximal_queue_lifetime", 4 * 86400 * MX_NS_PER_S, 5 * 86400 * MX_NS_PER_S},
    };
    /* R19: smtp_connect_timeout = 0 turns Postfix's limit off, leaving the kernel's:
     * Linux gives up on a SYN after 6 retries, 1 + 2 + ... + 64 = 127 s. */
    if (snd->smtp_connect_timeout == 0)
        snd->smtp_connect_timeout = 127 * MX_NS_PER_S;
    if (snd->mta != MTA_EXIM && snd->mta != MTA_SENDMAIL)
        return;
    for (size_t i = 0; i < MX_ARRAY_LEN(table); i++) {
        size_t k = 0;
        while (strcmp(sender_keys[k].name, table[i].key) != 0)
            k++;
        if (!(sec->seen & (UINT64_C(1) << k)))
            *(mx_time *)((char *)snd + sender_keys[k].off) =
                snd->mta == MTA_EXIM ? table[i].exim : table[i].sendmail;
    }
}

const char *const scen_own_names[SCEN_OWN_KINDS] = {"delivery_agent_delay", "connect_latency",
                                                "rset_latency", "session_time"};
_Static_assert(SCEN_OWN_KINDS <= SERIES_MAX_OWN, "a trace's row holds every own column");

/* trace_columns = time[, NAME]...: what a trace's columns are: the time, then any of
 * scen_own_names, each at most once, in the file's order. */
static int trace_columns(struct build *b, const struct section *sec)
{
    struct scen_traffic *t = sec->obj;
    const struct entry *ce = sec->first[5];
    char list[256];
    if (strlen(t->trace_columns_text) >= sizeof list)
        return fail_at(b->err, ce, NULL, "expected a list of at most %zu characters, got %zu",
                       sizeof list - 1, strlen(t->trace_columns_text));
    snprintf(list, sizeof list, "%s", t->trace_columns_text);
    t->n_own = 0;
    bool first = true;
    for (char *c = list, *end;; c = end + 1) { /* empty columns count: "time," is wrong */
        end = c + strcspn(c, ",");
        bool last = *end == '\0';
        *end = '\0';
        const char *name = trim(c);
        if (first) {
            static const char *const time_word[] = {"time"};
            if (strcmp(name, "time") != 0)
                return fail_at(b->err, ce, mx_nearest(name, time_word, 1),
                               "expected time as the first column, got \"%s\"", name);
            first = false;
        } else {
            if (!*name)
                return fail_at(b->err, ce, NULL, "expected a column name after each comma, "
                               "got none in \"%s\"", t->trace_columns_text);
            unsigned k = 0;
            while (k < SCEN_OWN_KINDS && strcmp(name, scen_own_names[k]) != 0)
                k++;
            if (k == SCEN_OWN_KINDS)
                return fail_at(b->err, ce, mx_nearest(name, scen_own_names, SCEN_OWN_KINDS),
                               "expected time, then any of delivery_agent_delay, "
                               "connect_latency, rset_latency and session_time, got \"%s\"",
                               name);
            for (unsigned j = 0; j < t->n_own; j++)
                if (t->own_kind[j] == (enum scen_own)k)
                    return fail_at(b->err, ce, NULL, "expected each column once, got \"%s\" twice",
                                   name);
            t->own_kind[t->n_own] = (enum scen_own)k;
            t->own_name[t->n_own++] = scen_own_names[k];
        }
        if (last)
            break;
    }
    if (t->n_own && t->arrivals != ARRIVALS_TRACE)
        return fail_at(b->err, ce, NULL, "trace_columns goes with arrivals = trace(FILE.csv)");
    return MX_OK;
}

/* arrivals = poisson | constant | trace(FILE.csv); profile = FILE.csv (poisson only).
 * A trace is read through once here to check it (it is streamed again by each run);
 * a profile is read into memory (at most SCEN_MAX_PROFILE_ROWS rows). */
static int traffic_inputs(struct build *b, const struct section *sec)
{
    struct scen_traffic *t = sec->obj;
    const struct entry *ae = sec->first[3] ? sec->first[3] : sec->header;
    const struct entry *pe = sec->first[4] ? sec->first[4] : sec->header;
    const char *a = t->arrivals_text;
    char path[4096];
    if (strcmp(a, "poisson") == 0) {
        t->arrivals = ARRIVALS_POISSON;
    } else if (strcmp(a, "constant") == 0) {
        t->arrivals = ARRIVALS_CONSTANT;
    } else if (strncmp(a, "trace(", 6) == 0 && a[strlen(a) - 1] == ')') {
        t->arrivals = ARRIVALS_TRACE;
    } else {
        static const char *const words[] = {"poisson", "constant", "trace"};
        return fail_at(b->err, ae, mx_nearest(a, words, 3),
                       "expected poisson, constant or trace(FILE.csv), got \"%s\"", a);
    }
    if (sec->first[5] && trace_columns(b, sec) != MX_OK)
        return MX_EINPUT;
    if (t->arrivals == ARRIVALS_TRACE) {
        snprintf(path, sizeof path, "%.*s", (int)(strlen(a) - 7), a + 6);
        char full[4096];
        relative_path(b->r->path, trim(path), full, sizeof full);
        if (!(t->trace_path = sdup(b->s, full)))
            return mx_fail(b->err, MX_ENOMEM, "out of memory");
        struct series sr;
        if (series_open(&sr, t->trace_path, SERIES_TIMES, b->err) != MX_OK)
            return fail_at(b->err, ae, NULL, "%s: %s", t->trace_path, b->err->msg);
        series_columns(&sr, t->own_name, t->n_own);
        struct series_row row;
        bool got = true;
        int rc = MX_OK;
        while (rc == MX_OK && got)
            rc = series_next(&sr, &row, &got, b->err);
        series_close(&sr);
        if (rc != MX_OK)
            return rc;
    }
    if (t->arrivals != ARRIVALS_TRACE && !(sec->seen & (UINT64_C(1) << 2)))
        return fail_at(b->err, sec->header, NULL, "missing key rate");
    if (!*t->profile_text)
        return MX_OK;
    if (t->arrivals != ARRIVALS_POISSON)
        return fail_at(b->err, pe, NULL, "a profile goes with arrivals = poisson");
    relative_path(b->r->path, t->profile_text, path, sizeof path);
    const char *kept = sdup(b->s, path);
    struct series sr;
    if (!kept)
        return mx_fail(b->err, MX_ENOMEM, "out of memory");
    if (series_open(&sr, kept, SERIES_PROFILE, b->err) != MX_OK)
        return fail_at(b->err, pe, NULL, "%s: %s", kept, b->err->msg);
    size_t cap = 0;
    struct series_row row;
    bool got = true;
    int rc = MX_OK;
    while (rc == MX_OK) {
        if ((rc = series_next(&sr, &row, &got, b->err)) != MX_OK || !got)
            break;
        if (t->n_profile == SCEN_MAX_PROFILE_ROWS) {
            mx_err_file(b->err, kept);
            b->err->line = row.line;
            rc = mx_fail(b->err, MX_EINPUT, "expected at most %d rows", SCEN_MAX_PROFILE_ROWS);
            break;
        }
        if (t->n_profile == cap) {
            cap = cap ? cap * 2 : 64;
            mx_time *nt = salloc(b->s, cap * sizeof *nt);
            double *nm = salloc(b->s, cap * sizeof *nm);
            if (!nt || !nm) {
                rc = mx_fail(b->err, MX_ENOMEM, "out of memory");
                break;
            }
            if (t->n_profile) {
                memcpy(nt, t->profile_time, t->n_profile * sizeof *nt);
                memcpy(nm, t->profile_mult, t->n_profile * sizeof *nm);
            }
            t->profile_time = nt, t->profile_mult = nm;
        }
        t->profile_time[t->n_profile] = row.t;
        t->profile_mult[t->n_profile++] = row.v;
        if (row.v > t->profile_max)
            t->profile_max = row.v;
    }
    series_close(&sr);
    if (rc != MX_OK)
        return rc;
    if (t->n_profile < 2 || t->profile_time[0] != 0) {
        mx_err_file(b->err, kept);
        return mx_fail(b->err, MX_EINPUT, "expected rows from time 0 on, at least two (the last "
                                          "closes the cycle)");
    }
    t->profile_period = t->profile_time[t->n_profile - 1];
    if (t->profile_period == 0) {
        mx_err_file(b->err, kept);
        return mx_fail(b->err, MX_EINPUT, "expected the last row's time to be after 0");
    }
    return MX_OK;
}

/* Postfix refuses times below 1 s for these (its qmgr time table); with 0 a
 * delivery that fails at once would be retried at the same instant for ever. */
static int check_times(struct build *b, const struct section *sec)
{
    static const char *const keys[] = {"queue_run_delay", "minimal_backoff_time",
                                       "maximal_backoff_time"};
    const struct scen_sender *snd = sec->obj;
    for (size_t i = 0; i < MX_ARRAY_LEN(keys); i++) {
        size_t k = 0;
        while (strcmp(sender_keys[k].name, keys[i]) != 0)
            k++;
        if (*(const mx_time *)((const char *)snd + sender_keys[k].off) < MX_NS_PER_S)
            return sec->first[k] ? fail_at(b->err, sec->first[k], NULL,
                                           "expected at least 1s, as Postfix requires")
                                 : fail_at(b->err, sec->header, NULL, "%s: expected at least 1s, "
                                           "as Postfix requires", keys[i]);
    }
    return MX_OK;
}

static int check_model(struct build *b)
{
    struct scenario *s = b->s;
    for (size_t j = 0; j < b->n_sec; j++) {
        if (strcmp(b->sec[j].sk->kind, "sender") == 0 && check_times(b, &b->sec[j]) != MX_OK)
            return MX_EINPUT;
        if (strcmp(b->sec[j].sk->kind, "traffic") == 0 && traffic_inputs(b, &b->sec[j]) != MX_OK)
            return b->err->status;
    }
    for (size_t j = 0; j < b->n_sec; j++)
        if (strcmp(b->sec[j].sk->kind, "sender") == 0)
            mta_defaults(&b->sec[j]);
        else if (strcmp(b->sec[j].sk->kind, "fault") == 0 && fault_timing(b, &b->sec[j]) != MX_OK)
            return b->err->status;
    for (size_t j = 0; j < b->n_sec; j++)
        if (strcmp(b->sec[j].sk->kind, "sender") == 0 &&
            parse_relayhost(b, b->sec[j].obj, &b->sec[j]) != MX_OK)
            return MX_EINPUT;
    /* An address belongs to at most one server. */
    for (size_t i = 0; i < s->n_servers; i++)
        for (size_t a = 0; a < s->servers[i].n_address; a++)
            for (size_t k = 0; k <= i; k++)
                for (size_t c = 0; c < (k == i ? a : s->servers[k].n_address); c++)
                    if (strcmp(s->servers[i].address[a], s->servers[k].address[c]) == 0) {
                        const struct section *sec = NULL;
                        for (size_t j = 0; j < b->n_sec; j++)
                            if (b->sec[j].obj == &s->servers[i])
                                sec = &b->sec[j];
                        return fail_at(b->err, sec->first[0], NULL,
                                       "address %s already belongs to [server %s]",
                                       s->servers[i].address[a], s->servers[k].name);
                    }
    /* Runs map addresses to servers by zone address id: intern every address a
     * server listens on or a relayhost names, whether DNS names it or not. */
    uint32_t id;
    for (size_t i = 0; i < s->n_servers; i++)
        for (size_t a = 0; a < s->servers[i].n_address; a++)
            if (zone_addr_intern(s->zone, s->servers[i].address[a], &id) != MX_OK)
                return mx_fail(b->err, MX_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n_faults; i++)
        if (s->faults[i].target == TARGET_ADDR &&
            zone_addr_intern(s->zone, s->faults[i].addr, &id) != MX_OK)
            return mx_fail(b->err, MX_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n_senders; i++)
        for (size_t h = 0; h < s->senders[i].n_hops; h++)
            if (s->senders[i].hops[h].literal &&
                zone_addr_intern(s->zone, s->senders[i].hops[h].target, &id) != MX_OK)
                return mx_fail(b->err, MX_ENOMEM, "out of memory");
    if (s->n_traffic == 0) {
        b->err->file = b->r->path;
        return mx_fail(b->err, MX_EINPUT, "expected at least one [traffic NAME] section");
    }
    if (s->sim.duration == 0) {
        b->err->file = b->r->path;
        return mx_fail(b->err, MX_EINPUT, "[simulation] duration: expected more than 0");
    }
    mx_time span = s->sim.duration + s->sim.drain; /* both <= 100 years: no overflow */
    if (s->sim.sample > 0 && span / s->sim.sample > SCEN_MAX_SAMPLES / (mx_time)(s->n_servers + 1)) {
        b->err->file = b->r->path;
        return mx_fail(b->err, MX_EINPUT, "[simulation] sample: expected at least %.3f s, so that "
                       "timeseries.csv has at most %d rows (samples x servers)",
                       mx_time_to_s(span / (SCEN_MAX_SAMPLES / (mx_time)(s->n_servers + 1))),
                       SCEN_MAX_SAMPLES);
    }

    return MX_OK;
}

static int keep_expects(struct build *b)
{
    struct scenario *s = b->s;
    size_t n = 0;
    for (size_t i = 0; i < b->r->n; i++)
        n += b->r->e[i].key && strcmp(b->r->e[i].kind, "expect") == 0;
    s->expects = salloc(s, (n + 1) * sizeof *s->expects);
    if (!s->expects)
        return mx_fail(b->err, MX_ENOMEM, "out of memory");
    for (size_t i = 0; i < b->r->n; i++) {
        const struct entry *e = &b->r->e[i];
        if (!e->key || strcmp(e->kind, "expect") != 0)
            continue;
        char text[SCEN_MAX_LINE + 4];
        /* --set 'expect.delay_p99 <= 10m' was split at its first '=': key
         * "delay_p99 <", value "10m"; put the '=' back. File lines come whole. */
        snprintf(text, sizeof text, "%s%s%s", e->key, *e->key ? "=" : "", e->value);
        s->expects[s->n_expects].line = e->line;
        if (!(s->expects[s->n_expects++].text = sdup(s, text)))
            return mx_fail(b->err, MX_ENOMEM, "out of memory");
    }
    return MX_OK;
}

int scen_load_expects(const char *path, struct scenario **out, struct mx_err *err)
{
    struct reader r = {.path = path};
    struct build b = {.r = &r, .err = err};
    struct scenario *s = calloc(1, sizeof *s);
    int rc = MX_ENOMEM;
    b.s = s;
    if (!s || !(s->path = sdup(s, path)))
        rc = mx_fail(err, MX_ENOMEM, "out of memory");
    else if ((rc = read_file(&r, path, err)) == MX_OK)
        rc = keep_expects(&b);
    free_entries(&r);
    if (rc != MX_OK) {
        scen_free(s);
        return rc;
    }
    *out = s;
    return MX_OK;
}

int scen_load(const char *path, const char *const *sets, size_t n_set, struct scenario **out,
              struct mx_err *err)
{
    return scen_load_point(path, sets, n_set, 0, out, err);
}

int scen_load_point(const char *path, const char *const *sets, size_t n_set, uint64_t point,
                    struct scenario **out, struct mx_err *err)
{
    struct reader r = {.path = path};
    struct build b = {.r = &r, .err = err};
    struct scenario *s = calloc(1, sizeof *s);
    int rc = MX_ENOMEM;
    if (!s || zone_new(&s->zone) != MX_OK) {
        mx_fail(err, MX_ENOMEM, "out of memory");
        goto fail;
    }
    b.s = s;
    if (!(s->path = sdup(s, path)))
        goto fail;
    /* Errors outlive the scenario: they point at the caller's path, not our copy. */
    r.path = path;
    if ((rc = read_file(&r, path, err)) != MX_OK)
        goto fail;
    for (size_t i = 0; i < n_set; i++)
        if ((rc = apply_set(&r, sets[i], err)) != MX_OK)
            goto fail;
    if ((rc = sweep_entries(&r, &s->grid, point, err)) != MX_OK)
        goto fail;
    s->point = point;
    /* A sender without resolver = gets its own: fixed order, caching, no latency. */
    s->default_resolver = (struct scen_resolver){.name = "default", .rrset_order = ORDER_FIXED,
                                                 .cache = 1, .rotate = ORDER_FIXED,
                                                 .latency = {.kind = DIST_CONST}};
    /* Without a [simulation] section its defaults still apply. */
    if (count_kind(&r, "simulation") == 0 && add_entry(&r, "simulation", "", NULL, NULL, path, 1)) {
        rc = r.too_many ? mx_fail(err, MX_EINPUT, "expected at most %d section headers and keys, "
                                                  "got more", SCEN_MAX_ENTRIES)
                        : mx_fail(err, MX_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = make_sections(&b)) != MX_OK || (rc = apply_entries(&b)) != MX_OK ||
        (rc = resolve_refs(&b)) != MX_OK || (rc = check_model(&b)) != MX_OK ||
        (rc = keep_expects(&b)) != MX_OK)
        goto fail;
    free(b.sec), free(b.fault_target), free(b.traffic_from), free(b.sender_resolver),
        free(b.server_forward);
    free_entries(&r);
    *out = s;
    return MX_OK;
fail:
    free(b.sec), free(b.fault_target), free(b.traffic_from), free(b.sender_resolver),
        free(b.server_forward);
    free_entries(&r);
    scen_free(s);
    return rc;
}
