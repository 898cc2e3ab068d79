/* zone.c -- see zone.h. Records are parsed by ldns (ldns_rr_new_frm_str), so the
 * syntax is RFC 1035's master-file syntax exactly as ldns reads it. */
#include "zone.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "intern.h"

struct name_sets {
    struct zone_mx *mx;
    uint32_t n_mx, cap_mx;
    uint32_t *addr;
    uint32_t n_addr, cap_addr;
    uint32_t cname;
};

struct zone {
    struct intern names, addrs;
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
    }
    free(z->sets);
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

static int push_addr(struct name_sets *ns, uint32_t addr)
{
    for (uint32_t i = 0; i < ns->n_addr; i++)
        if (ns->addr[i] == addr)
            return MX_OK; /* an RRset holds each record once (RFC 2181 5) */
    if (ns->n_addr == ns->cap_addr) {
        uint32_t ncap = ns->cap_addr ? ns->cap_addr * 2 : 4;
        uint32_t *a = realloc(ns->addr, ncap * sizeof *a);
        if (!a)
            return MX_ENOMEM;
        ns->addr = a;
        ns->cap_addr = ncap;
    }
    ns->addr[ns->n_addr++] = addr;
    return MX_OK;
}

static int add_rr(struct zone *z, const ldns_rr *rr, struct mx_err *err)
{
    char owner[300], val[300];
    uint32_t id, target;
    ldns_rr_type type = ldns_rr_get_type(rr);
    if (type != LDNS_RR_TYPE_MX && type != LDNS_RR_TYPE_A && type != LDNS_RR_TYPE_AAAA &&
        type != LDNS_RR_TYPE_CNAME)
        return MX_OK;
    if (rdf_text(ldns_rr_owner(rr), true, owner, sizeof owner) != MX_OK ||
        name_id(z, owner, &id) != MX_OK)
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
        if (push_mx(ns, (struct zone_mx){target, ldns_rdf2native_int16(pref)}) != MX_OK)
            return mx_fail(err, MX_ENOMEM, "out of memory");
        break;
    }
    case LDNS_RR_TYPE_A:
    case LDNS_RR_TYPE_AAAA:
        if (!ldns_rr_rdf(rr, 0) || rdf_text(ldns_rr_rdf(rr, 0), false, val, sizeof val) != MX_OK ||
            zone_canon_addr(val, val, sizeof val, err) != MX_OK)
            return mx_fail(err, MX_EINPUT, "expected an address record with one address");
        if (zone_addr_intern(z, val, &target) != MX_OK || push_addr(&z->sets[id], target) != MX_OK)
            return mx_fail(err, MX_ENOMEM, "out of memory");
        break;
    default: /* CNAME */
        if (!ldns_rr_rdf(rr, 0) || rdf_text(ldns_rr_rdf(rr, 0), true, val, sizeof val) != MX_OK)
            return mx_fail(err, MX_EINPUT, "expected a CNAME record with a target name");
        if (name_id(z, val, &target) != MX_OK)
            return mx_fail(err, MX_ENOMEM, "out of memory");
        if (z->sets[id].cname != ZONE_NONE && z->sets[id].cname != target)
            return mx_fail(err, MX_EINPUT, "a name has at most one CNAME record (RFC 2181 10.1), "
                                           "got a second one for %s", owner);
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
