/* zone.c -- see zone.h. Records are parsed by ldns (ldns_rr_new_frm_str), so the
 * syntax is RFC 1035's master-file syntax exactly as ldns reads it. */
#include "zone.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "intern.h"

struct name_sets {
    struct zone_mx *mx;
    uint32_t n_mx, cap_mx;
    uint32_t *addr;
    uint32_t n_addr, cap_addr;
    uint32_t *ns;
    uint32_t n_ns, cap_ns;
    uint32_t cname;
    uint32_t ttl[ZONE_SETS]; /* per RRset: the least TTL of its records (RFC 2181 5.2) */
};

/* The records already added, to drop duplicates in O(1) (RFC 2181 5: an RRset holds
 * each record once): (name, value, kind) with value an address id or an MX host id
 * and kind the MX preference, or ADDR_KIND for an address record. */
#define ADDR_KIND UINT32_MAX /* and ADDR_KIND - 1 for NS records */
struct rec_key {
    uint32_t name, value, kind;
};

struct zone {
    struct intern names, addrs;
    struct rec_key *seen; /* open addressing; used[i] marks a taken slot */
    unsigned char *used;
    size_t n_seen, cap_seen;
    struct name_sets *sets; /* by name id */
    uint32_t cap_sets;
    size_t n_records;
};

int zone_new(struct zone **out)
{
    struct zone *z = calloc(1, sizeof *z);
    if (!z)
        return MX_ENOMEM;
    intern_init(&z->names);
    intern_init(&z->addrs);
    *out = z;
    return MX_OK;
}

void zone_free(struct zone *z)
{
    if (!z)
        return;
    for (uint32_t i = 0; i < z->names.n && i < z->cap_sets; i++) {
        free(z->sets[i].mx);
        free(z->sets[i].addr);
        free(z->sets[i].ns);
    }
    free(z->sets);
    free(z->seen);
    free(z->used);
    intern_fini(&z->names);
    intern_fini(&z->addrs);
    free(z);
}

int zone_canon_name(const char *in, char *out, size_t len, struct mx_err *err)
{
    size_t n = strlen(in);
    if (n == 0 || n + 2 > len || n > 254)
        return mx_fail(err, MX_EINPUT, "expected a domain name such as example.jp, got \"%s\"", in);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (!(isalnum(c) || c == '-' || c == '.' || c == '_') ||
            (c == '.' && i + 1 < n && in[i + 1] == '.'))
            return mx_fail(err, MX_EINPUT, "expected a domain name such as example.jp, got \"%s\"",
                           in);
        out[i] = (char)tolower(c);
    }
    out[n] = '\0';
    if (strcmp(out, ".") != 0 && out[n - 1] != '.')
        strcat(out, ".");
    return MX_OK;
}

int zone_canon_addr(const char *in, char *out, size_t len, struct mx_err *err)
{
    unsigned char buf[16];
    if (inet_pton(AF_INET, in, buf) == 1) {
        if (inet_ntop(AF_INET, buf, out, (socklen_t)len))
            return MX_OK;
    } else if (inet_pton(AF_INET6, in, buf) == 1) {
        if (inet_ntop(AF_INET6, buf, out, (socklen_t)len))
            return MX_OK;
    }
    return mx_fail(err, MX_EINPUT, "expected an IPv4 or IPv6 address such as 10.0.0.1, got \"%s\"",
                   in);
}

static int name_id(struct zone *z, const char *canon, uint32_t *id)
{
    uint32_t before = z->names.n;
    if (intern_add(&z->names, canon, id) != MX_OK)
        return MX_ENOMEM;
    if (z->names.n == before)
        return MX_OK;
    if (*id >= z->cap_sets) {
        uint32_t ncap = z->cap_sets ? z->cap_sets * 2 : 16;
        struct name_sets *ns = realloc(z->sets, ncap * sizeof *ns);
        if (!ns) /* the name stays interned, with no record sets: harmless */
            return MX_ENOMEM;
        memset(ns + z->cap_sets, 0, (ncap - z->cap_sets) * sizeof *ns);
        z->sets = ns;
        z->cap_sets = ncap;
    }
    z->sets[*id] = (struct name_sets){.cname = ZONE_NONE};
    return MX_OK;
}

/* rdf as canonical text into buf. */
static int rdf_text(const ldns_rdf *rdf, bool is_name, char *buf, size_t len)
{
    char *s = ldns_rdf2str(rdf);
    if (!s)
        return MX_ENOMEM;
    int rc = MX_OK;
    if (is_name)
        rc = zone_canon_name(s, buf, len, NULL);
    else if (strlen(s) < len)
        strcpy(buf, s);
    else
        rc = MX_EINPUT;
    free(s);
    return rc;
}

static size_t rec_slot(const struct zone *z, struct rec_key k)
{
    uint64_t h = ((uint64_t)k.name * UINT64_C(0x9e3779b97f4a7c15)) ^
                 ((uint64_t)k.value * UINT64_C(0xbf58476d1ce4e5b9)) ^ k.kind;
    h ^= h >> 29;
    size_t mask = z->cap_seen - 1, i = (size_t)h & mask;
    while (z->used[i] && (z->seen[i].name != k.name || z->seen[i].value != k.value ||
                          z->seen[i].kind != k.kind))
        i = (i + 1) & mask;
    return i;
}

/* Records k; false if it was there already. MX_ENOMEM through *nomem. */
static bool first_time(struct zone *z, struct rec_key k, bool *nomem)
{
    if ((z->n_seen + 1) * 2 > z->cap_seen) {
        size_t ncap = z->cap_seen ? z->cap_seen * 2 : 256;
        struct rec_key *old = z->seen;
        unsigned char *old_used = z->used;
        size_t old_cap = z->cap_seen;
        z->seen = malloc(ncap * sizeof *z->seen);
        z->used = calloc(ncap, 1);
        if (!z->seen || !z->used) {
            free(z->seen), free(z->used);
            z->seen = old, z->used = old_used;
            *nomem = true;
            return false;
        }
        z->cap_seen = ncap;
        for (size_t i = 0; i < old_cap; i++)
            if (old_used[i]) {
                size_t j = rec_slot(z, old[i]);
                z->seen[j] = old[i];
                z->used[j] = 1;
            }
        free(old), free(old_used);
    }
    size_t i = rec_slot(z, k);
    if (z->used[i])
        return false;
    z->seen[i] = k;
    z->used[i] = 1;
    z->n_seen++;
    return true;
}

static int push_mx(struct name_sets *ns, struct zone_mx mx)
{
    if (ns->n_mx == ns->cap_mx) {
        uint32_t ncap = ns->cap_mx ? ns->cap_mx * 2 : 4;
        struct zone_mx *a = realloc(ns->mx, ncap * sizeof *a);
        if (!a)
            return MX_ENOMEM;
        ns->mx = a;
        ns->cap_mx = ncap;
    }
    ns->mx[ns->n_mx++] = mx;
    return MX_OK;
}

/* Appends v to a set of ids (duplicates are dropped by the caller: first_time). */
static int push_id(uint32_t **a, uint32_t *n, uint32_t *cap, uint32_t v)
{
    if (*n == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 4;
        uint32_t *na = realloc(*a, ncap * sizeof *na);
        if (!na)
            return MX_ENOMEM;
        *a = na;
        *cap = ncap;
    }
    (*a)[(*n)++] = v;
    return MX_OK;
}

static void note_ttl(struct name_sets *ns, enum zone_set set, bool first, uint32_t ttl)
{
    if (first || ttl < ns->ttl[set])
        ns->ttl[set] = ttl;
}

/* ZONE_MAX_SET: a record set no resolver could receive. */
static int too_many(struct mx_err *err, const char *type, const char *owner)
{
    return mx_fail(err, MX_EINPUT, "expected at most %d %s records for %s (a DNS message holds "
                                   "65,535 bytes: RFC 1035 4.2.2), got more", ZONE_MAX_SET,
                   type, owner);
}

static int add_rr(struct zone *z, const ldns_rr *rr, struct mx_err *err)
{
    char owner[300], val[300];
    uint32_t id, target;
    ldns_rr_type type = ldns_rr_get_type(rr);
    if (type != LDNS_RR_TYPE_MX && type != LDNS_RR_TYPE_A && type != LDNS_RR_TYPE_AAAA &&
        type != LDNS_RR_TYPE_CNAME && type != LDNS_RR_TYPE_NS)
        return MX_OK;
    uint32_t ttl = ldns_rr_ttl(rr);
    int rc = rdf_text(ldns_rr_owner(rr), true, owner, sizeof owner);
    if (rc == MX_EINPUT) { /* a wildcard or an escape: not a name mxsim can use */
        char *s = ldns_rdf2str(ldns_rr_owner(rr));
        rc = mx_fail(err, MX_EINPUT, "expected an owner name of letters, digits, '-', '_' and "
                                     "dots (no wildcards or escapes), got \"%s\"", s ? s : "");
        free(s);
        return rc;
    }
    if (rc != MX_OK || name_id(z, owner, &id) != MX_OK)
        return mx_fail(err, MX_ENOMEM, "out of memory");
    struct name_sets *ns;
    switch (type) {
    case LDNS_RR_TYPE_MX: {
        ldns_rdf *pref = ldns_rr_rdf(rr, 0), *host = ldns_rr_rdf(rr, 1);
        if (!pref || !host || rdf_text(host, true, val, sizeof val) != MX_OK)
            return mx_fail(err, MX_EINPUT, "expected an MX record as PREFERENCE HOST");
        target = ZONE_NONE;
        if (strcmp(val, ".") != 0 && name_id(z, val, &target) != MX_OK)
            return mx_fail(err, MX_ENOMEM, "out of memory");
        ns = &z->sets[id];
        note_ttl(ns, ZONE_SET_MX, ns->n_mx == 0, ttl);
        uint16_t p16 = ldns_rdf2native_int16(pref);
        bool nomem = false;
        if (first_time(z, (struct rec_key){id, target, p16}, &nomem)) {
            if (ns->n_mx >= ZONE_MAX_SET)
                return too_many(err, "MX", owner);
            nomem = push_mx(ns, (struct zone_mx){target, p16}) != MX_OK;
        }
        if (nomem)
            return mx_fail(err, MX_ENOMEM, "out of memory");
        break;
    }
    case LDNS_RR_TYPE_A:
    case LDNS_RR_TYPE_AAAA: {
        if (!ldns_rr_rdf(rr, 0) || rdf_text(ldns_rr_rdf(rr, 0), false, val, sizeof val) != MX_OK ||
            zone_canon_addr(val, val, sizeof val, err) != MX_OK)
            return mx_fail(err, MX_EINPUT, "expected an address record with one address");
        ns = &z->sets[id];
        note_ttl(ns, ZONE_SET_ADDR, ns->n_addr == 0, ttl);
        bool nomem = false;
        if (zone_addr_intern(z, val, &target) != MX_OK)
            nomem = true;
        else if (first_time(z, (struct rec_key){id, target, ADDR_KIND}, &nomem)) {
            if (ns->n_addr >= ZONE_MAX_SET)
                return too_many(err, "address", owner);
            nomem = push_id(&ns->addr, &ns->n_addr, &ns->cap_addr, target) != MX_OK;
        }
        if (nomem)
            return mx_fail(err, MX_ENOMEM, "out of memory");
        break;
    }
    case LDNS_RR_TYPE_NS: {
        if (!ldns_rr_rdf(rr, 0) || rdf_text(ldns_rr_rdf(rr, 0), true, val, sizeof val) != MX_OK)
            return mx_fail(err, MX_EINPUT, "expected an NS record with a name server");
        bool nomem = name_id(z, val, &target) != MX_OK;
        ns = &z->sets[id];
        if (!nomem && first_time(z, (struct rec_key){id, target, ADDR_KIND - 1}, &nomem)) {
            if (ns->n_ns >= ZONE_MAX_SET)
                return too_many(err, "NS", owner);
            nomem = push_id(&ns->ns, &ns->n_ns, &ns->cap_ns, target) != MX_OK;
        }
        if (nomem)
            return mx_fail(err, MX_ENOMEM, "out of memory");
        break;
    }
    default: /* CNAME */
        if (!ldns_rr_rdf(rr, 0) || rdf_text(ldns_rr_rdf(rr, 0), true, val, sizeof val) != MX_OK)
            return mx_fail(err, MX_EINPUT, "expected a CNAME record with a target name");
        if (name_id(z, val, &target) != MX_OK)
            return mx_fail(err, MX_ENOMEM, "out of memory");
        if (z->sets[id].cname != ZONE_NONE && z->sets[id].cname != target)
            return mx_fail(err, MX_EINPUT, "a name has at most one CNAME record (RFC 2181 10.1), "
                                           "got a second one for %s", owner);
        note_ttl(&z->sets[id], ZONE_SET_CNAME, z->sets[id].cname == ZONE_NONE, ttl);
        z->sets[id].cname = target;
        break;
    }
    return MX_OK;
}

int zone_add_text(struct zone *z, const char *text, struct mx_err *err)
{
    if (z->n_records >= ZONE_MAX_RECORDS)
        return mx_fail(err, MX_EINPUT, "expected at most %d records, got more", ZONE_MAX_RECORDS);
    ldns_rr *rr = NULL;
    ldns_status st = ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL);
    if (st != LDNS_STATUS_OK)
        return mx_fail(err, MX_EINPUT, "expected a record such as \"example.jp. 300 IN MX 10 "
                                       "mx.example.jp.\" (%s), got \"%s\"",
                       ldns_get_errorstr_by_id(st), text);
    int rc = add_rr(z, rr, err);
    ldns_rr_free(rr);
    if (rc == MX_OK)
        z->n_records++;
    return rc;
}

uint32_t zone_name(const struct zone *z, const char *canon)
{
    return intern_find(&z->names, canon);
}

const char *zone_name_text(const struct zone *z, uint32_t name)
{
    return intern_str(&z->names, name);
}

int zone_addr_intern(struct zone *z, const char *canon, uint32_t *id)
{
    return intern_add(&z->addrs, canon, id);
}

uint32_t zone_addr(const struct zone *z, const char *canon)
{
    return intern_find(&z->addrs, canon);
}

const char *zone_addr_text(const struct zone *z, uint32_t addr)
{
    return intern_str(&z->addrs, addr);
}

size_t zone_n_addrs(const struct zone *z)
{
    return z->addrs.n;
}

const struct zone_mx *zone_mx(const struct zone *z, uint32_t name, size_t *n)
{
    *n = z->sets[name].n_mx;
    return z->sets[name].mx;
}

const uint32_t *zone_addrs(const struct zone *z, uint32_t name, size_t *n)
{
    *n = z->sets[name].n_addr;
    return z->sets[name].addr;
}

uint32_t zone_cname(const struct zone *z, uint32_t name)
{
    return z->sets[name].cname;
}

const uint32_t *zone_ns(const struct zone *z, uint32_t name, size_t *n)
{
    *n = z->sets[name].n_ns;
    return z->sets[name].ns;
}

uint32_t zone_ttl(const struct zone *z, uint32_t name, enum zone_set set)
{
    return z->sets[name].ttl[set];
}

/* After an error, ldns has counted the newline that ended the bad record, when there
 * was one, and every blank line after it (ldns_fskipcs_l skips "\f\n\r\v" and counts
 * each newline): step back over them to the record's last line. */
static int error_line(FILE *fp, int line_nr)
{
    long pos = ftell(fp);
    while (pos > 0 && fseek(fp, --pos, SEEK_SET) == 0) {
        int c = fgetc(fp);
        if (c == '\n')
            line_nr--;
        else if (c != '\r' && c != '\f' && c != '\v')
            break;
    }
    return line_nr;
}

int zone_add_file(struct zone *z, const char *path, struct mx_err *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        err->file = path;
        err->line = 0;
        return mx_fail(err, MX_EINPUT, "cannot open the zone file: %s", strerror(errno));
    }
    ldns_rdf *origin = NULL, *prev = NULL;
    uint32_t ttl = 3600; /* without $TTL, as BIND's default */
    int line = 1, rc = MX_OK;
    while (rc == MX_OK && !feof(fp) && !ferror(fp)) {
        ldns_rr *rr = NULL;
        ldns_status st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
        if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
            st == LDNS_STATUS_SYNTAX_ORIGIN)
            continue;
        if (st == LDNS_STATUS_OK && z->n_records >= ZONE_MAX_RECORDS)
            st = LDNS_STATUS_MEM_ERR, rc = MX_EINPUT;
        if (st != LDNS_STATUS_OK) {
            err->file = path;
            err->line = error_line(fp, line);
            err->where[0] = '\0';
            if (rc == MX_EINPUT)
                mx_fail(err, MX_EINPUT, "expected at most %d records, got more", ZONE_MAX_RECORDS);
            else if (st == LDNS_STATUS_SYNTAX_INCLUDE)
                rc = mx_fail(err, MX_EINPUT, "$INCLUDE is not supported; list each file as its "
                                             "own [dns] zone = line");
            else
                rc = mx_fail(err, MX_EINPUT, "expected a record in master-file syntax (%s)",
                             ldns_get_errorstr_by_id(st));
            ldns_rr_free(rr);
            break;
        }
        rc = add_rr(z, rr, err);
        if (rc == MX_OK)
            z->n_records++;
        else {
            err->file = path;
            err->line = error_line(fp, line);
        }
        ldns_rr_free(rr);
    }
    if (rc == MX_OK && ferror(fp)) { /* e.g. a directory: every read fails (EISDIR) */
        mx_err_file(err, path);
        err->line = 0;
        rc = mx_fail(err, MX_EINPUT, "cannot read the zone file: %s", strerror(errno));
    }
    ldns_rdf_deep_free(origin);
    ldns_rdf_deep_free(prev);
    fclose(fp);
    return rc;
}

size_t zone_n_names(const struct zone *z)
{
    return z->names.n;
}

size_t zone_max_set(const struct zone *z)
{
    size_t m = 1;
    for (uint32_t i = 0; i < z->names.n && i < z->cap_sets; i++) {
        if (z->sets[i].n_mx > m)
            m = z->sets[i].n_mx;
        if (z->sets[i].n_addr > m)
            m = z->sets[i].n_addr;
    }
    return m;
}
