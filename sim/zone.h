/* zone.h -- the authoritative DNS records of a scenario, parsed by ldns.
 * Owns:   interned names and addresses, and per name its MX, address and CNAME
 *         record sets in the order written (the zone-file order: what a resolver
 *         with rrset_order = fixed answers, R55, R57).
 * Names are canonical: lower case, absolute (trailing dot). Addresses are the text
 * inet_ntop gives, so "10.0.0.01"-style spellings cannot make two ids.
 * Immutable once the scenario is loaded; runs only read it. */
#ifndef MXSIM_ZONE_H
#define MXSIM_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "mx.h"

#define ZONE_NONE UINT32_MAX
/* Caps (docs/scenario.md): records per scenario; records of one type (MX, address,
 * NS) for one name. No resolver can receive a larger set: a DNS message holds
 * 65,535 bytes (RFC 1035 4.2.2, over TCP), about 4,000 A or 3,600 MX records at
 * the shortest, so a name with more exists only in a zone file. */
#define ZONE_MAX_RECORDS 1000000
#define ZONE_MAX_SET 4096

struct zone;

/* The record sets a name may own, for TTLs. */
enum zone_set { ZONE_SET_MX, ZONE_SET_ADDR, ZONE_SET_CNAME, ZONE_SETS };

struct zone_mx {
    uint32_t host; /* name id; ZONE_NONE for the null MX "." (RFC 7505) */
    uint16_t pref;
};

int zone_new(struct zone **out);
void zone_free(struct zone *z);

/* Reads an RFC 1035 master file with ldns ($ORIGIN, $TTL, relative names, @,
 * comments, parentheses over several lines). On error, err has the file and the
 * line of the bad record. */
int zone_add_file(struct zone *z, const char *path, struct mx_err *err);

/* Parses one record in master-file syntax ("example.jp. 300 IN MX 10 mx.example.jp.")
 * and adds it. Names without a trailing dot are taken as absolute. Types other than
 * MX, A, AAAA, CNAME and NS are accepted and ignored (docs/dns.md). */
int zone_add_text(struct zone *z, const char *text, struct mx_err *err);

/* Canonical form of a domain or host name written by a user: lower case, trailing
 * dot. Returns 0, or MX_EINPUT if it is not a valid name. */
int zone_canon_name(const char *in, char *out, size_t len, struct mx_err *err);
/* Canonical text of an IPv4 or IPv6 address; MX_EINPUT if it is not one. */
int zone_canon_addr(const char *in, char *out, size_t len, struct mx_err *err);

size_t zone_n_names(const struct zone *z);
/* The largest MX or address set of any name (at least 1): sizes lookup buffers. */
size_t zone_max_set(const struct zone *z);

/* Name id of a canonical name, or ZONE_NONE if no record names it. */
uint32_t zone_name(const struct zone *z, const char *canon);
const char *zone_name_text(const struct zone *z, uint32_t name);
/* Address ids: every address a record or a server names. */
int zone_addr_intern(struct zone *z, const char *canon, uint32_t *id);
uint32_t zone_addr(const struct zone *z, const char *canon);
const char *zone_addr_text(const struct zone *z, uint32_t addr);
size_t zone_n_addrs(const struct zone *z);

/* Record sets of a name, in the order written; n = 0 when there are none. */
const struct zone_mx *zone_mx(const struct zone *z, uint32_t name, size_t *n);
const uint32_t *zone_addrs(const struct zone *z, uint32_t name, size_t *n);
/* CNAME target's name id, or ZONE_NONE. */
uint32_t zone_cname(const struct zone *z, uint32_t name);
/* NS record set (name ids), for explain's nslookup-style output. */
const uint32_t *zone_ns(const struct zone *z, uint32_t name, size_t *n);
/* TTL of a name's record set in seconds (0 when the set is empty). */
uint32_t zone_ttl(const struct zone *z, uint32_t name, enum zone_set set);

#endif
