/* explain.c -- see explain.h. */
#include "explain.h"

#include <string.h>

#include "policy.h"
#include "run.h"
#include "scen.h"
#include "server.h"
#include "zone.h"

/* "example.jp." -> "example.jp", as nslookup prints names. */
static void bare(const char *name, char *out, size_t len)
{
    size_t n = strlen(name);
    if (n > 1 && name[n - 1] == '.')
        n--;
    snprintf(out, len, "%.*s", (int)n, name);
}

static int is_v6(const char *addr)
{
    return strchr(addr, ':') != NULL;
}

/* The nslookup -type=mx output of seed 000, for the resolver's first answer. */
static void print_nslookup(struct run *r, const struct dest *d, struct resolver_rt *res,
                           const char *hop, FILE *out)
{
    const struct zone *z = r->scen->zone;
    char owner[300], host[300];
    fprintf(out, "Server:  mxsim (resolver %s)\nAddress: simulated\n\n", res->cfg->name);
    if (d->name == ZONE_NONE) {
        bare(hop, owner, sizeof owner);
        fprintf(out, "** server can't find %s: NXDOMAIN\n", owner);
        return;
    }
    bare(zone_name_text(z, d->name), owner, sizeof owner);
    size_t n_mx = 0, k;
    mx_time lat = 0;
    uint32_t *perm = r->perm;
    enum resolver_status st = resolver_answer(res, &r->auth, d->name, ZONE_SET_MX, 0, perm, &n_mx,
                                              &lat);
    if (st != RES_OK) {
        fprintf(out, "** server can't find %s: %s\n", owner,
                st == RES_SERVFAIL ? "SERVFAIL" : "out of memory");
        return;
    }
    const struct zone_mx *mx = zone_mx(z, d->name, &k);
    fprintf(out, "Non-authoritative answer:\n");
    uint32_t hosts[64];
    size_t n_hosts = 0;
    for (size_t i = 0; i < n_mx; i++) {
        const struct zone_mx *m = &mx[perm[i]];
        if (m->host == ZONE_NONE) {
            fprintf(out, "%s MX preference = %u, mail exchanger = .\n", owner, m->pref);
            continue;
        }
        bare(zone_name_text(z, m->host), host, sizeof host);
        fprintf(out, "%s MX preference = %u, mail exchanger = %s\n", owner, m->pref, host);
        if (n_hosts < 64)
            hosts[n_hosts++] = m->host;
    }
    if (n_mx == 0)
        fprintf(out, "*** No mail exchanger (MX) records for %s: implicit MX (R5)\n", owner);
    fprintf(out, "\n");
    const uint32_t *ns = zone_ns(z, d->name, &k);
    for (size_t i = 0; i < k; i++) {
        bare(zone_name_text(z, ns[i]), host, sizeof host);
        fprintf(out, "%s nameserver = %s\n", owner, host);
    }
    for (size_t h = 0; h < n_hosts; h++) {
        size_t na;
        const uint32_t *a = zone_addrs(z, hosts[h], &na);
        bare(zone_name_text(z, hosts[h]), host, sizeof host);
        for (size_t i = 0; i < na; i++) {
            const char *t = zone_addr_text(z, a[i]);
            fprintf(out, "%s %s = %s\n", host, is_v6(t) ? "has AAAA address" : "internet address",
                    t);
        }
    }
}

/* The name an address belongs to, for display: the first that lists it. */
static const char *owner_of(const struct zone *z, uint32_t addr, char *buf, size_t len)
{
    for (uint32_t n = 0; n < zone_n_names(z); n++) {
        size_t k;
        const uint32_t *a = zone_addrs(z, n, &k);
        for (size_t i = 0; i < k; i++)
            if (a[i] == addr) {
                bare(zone_name_text(z, n), buf, len);
                return buf;
            }
    }
    snprintf(buf, len, "-");
    return buf;
}

static const char *state_at_0(const struct run *r, uint32_t addr)
{
    uint32_t s = r->addr_server[addr];
    if (s == MX_NONE)
        return "no server listens: connect times out (R19)";
    const struct srv *v = &r->srv[s];
    if (v->faults[FAULT_BLACKHOLE])
        return "black hole at time 0: connect times out (R19)";
    if (v->faults[FAULT_REFUSED])
        return "refused at time 0: next address at once (R18)";
    if (v->faults[FAULT_NOGREET])
        return "no greeting at time 0: greeting timeout, next address (R20)";
    if (v->faults[FAULT_TEMPFAIL])
        return "421 greeting at time 0: next address (R21)";
    if (v->faults[FAULT_REJECT])
        return "5xx greeting at time 0: next address, or bounce (R22)";
    if (r->addr_faults)
        for (int mode = 0; mode < FAULT_MODES; mode++)
            if (r->addr_faults[(size_t)addr * FAULT_MODES + mode])
                return "this address has a fault at time 0";
    if (v->faults[FAULT_SLOW])
        return "up, slow at time 0";
    return "up";
}

static void describe_hop(const struct scen_sender *snd, const char *hop, FILE *out)
{
    char h[300];
    bare(hop, h, sizeof h);
    if (!snd->relay_target)
        fprintf(out, "nexthop %s: the recipient domain; MX lookup, then its addresses if it "
                     "has no MX (R1, R5)\n", h);
    else if (snd->relay_literal)
        fprintf(out, "relayhost = %s: that address only, no DNS (R2)\n", snd->relayhost);
    else if (!snd->relay_mx)
        fprintf(out, "relayhost = %s: the addresses of %s only, no MX lookup (R2)\n",
                snd->relayhost, h);
    else
        fprintf(out, "relayhost = %s: MX lookup of %s, then its addresses if it has no MX (R2)\n",
                snd->relayhost, h);
}

int explain_print(const struct scenario *s, const struct explain_opts *o, FILE *out,
                  struct mx_err *err)
{
    size_t k = 0;
    if (o->from) {
        while (k < s->n_senders && strcmp(s->senders[k].name, o->from) != 0)
            k++;
        if (k == s->n_senders) {
            const char *names[256];
            size_t n = s->n_senders < 256 ? s->n_senders : 256;
            for (size_t i = 0; i < n; i++)
                names[i] = s->senders[i].name;
            const char *near = mx_nearest(o->from, names, n);
            snprintf(err->hint, sizeof err->hint, "%s", near ? near : "");
            snprintf(err->where, sizeof err->where, "--from");
            return mx_fail(err, MX_EINPUT, "no [sender %s] in the scenario", o->from);
        }
    }
    const struct scen_sender *snd = &s->senders[k];
    char to[300];
    if (o->to) {
        if (zone_canon_name(o->to, to, sizeof to, err) != MX_OK) {
            snprintf(err->where, sizeof err->where, "--to");
            return MX_EINPUT;
        }
    } else {
        size_t t = 0;
        while (t < s->n_traffic && s->traffic[t].sender != k)
            t++;
        snprintf(to, sizeof to, "%s", t < s->n_traffic ? s->traffic[t].to : "example.invalid.");
    }
    const char *hop = snd->relay_target ? snd->relay_target : to;
    struct run r;
    int rc = run_init(&r, s, o->have_seed ? o->seed : s->sim.seed, 0, 0, err);
    if (rc == MX_OK)
        rc = loop_run(&r.loop, 0); /* faults that start at 0 are in force */
    if (rc != MX_OK) {
        run_fini(&r);
        return rc ? rc : MX_ENOMEM;
    }
    struct dest d;
    policy_hop_init(s, snd, snd->n_relay ? &snd->hops[0] : NULL, hop, &d);
    uint32_t inst = r.inst_base[k];
    struct resolver_rt *res = &r.res[r.inst[inst].resolver];
    if (d.literal == ZONE_NONE && d.mx)
        print_nslookup(&r, &d, res, hop, out);
    fprintf(out, "\nsender %s (mta %s, smtp_randomize_addresses = %s, smtp_mx_address_limit = "
                 "%ld), instance 1 of %ld\n",
            snd->name, (const char *[]){"postfix", "ordered", "exim", "sendmail"}[snd->mta],
            snd->smtp_randomize_addresses ? "yes" : "no", snd->smtp_mx_address_limit,
            snd->instances);
    describe_hop(snd, hop, out);
    fprintf(out, "resolver %s: rrset_order = %s, cache = %s, rotate = %s\n", res->cfg->name,
            (const char *[]){"fixed", "cyclic", "random", "roundrobin"}[res->cfg->rrset_order],
            res->cfg->cache ? "yes" : "no",
            (const char *[]){"no", "cyclic", "random", "roundrobin"}[res->cfg->rotate]);
    for (long m = 1; m <= o->messages; m++) {
        struct msg msg = {0};
        uint32_t n;
        mx_time lat = 0;
        enum dest_outcome oc = policy_lookup(&r, &d, res, &n, &lat);
        fprintf(out, "\nmessage %ld:", m);
        if (oc != DEST_OK) {
            fprintf(out, " %s\n", oc == DEST_BOUNCE ? "bounces: no usable address (R5, R6, R8)"
                                                    : "deferred: the lookup failed (R7, R8)");
            continue;
        }
        fprintf(out, "\n");
        n = policy_rank(&r, r.scratch, n, inst);
        policy_order(r.scratch, n, snd, &r.inst[inst].rng, &msg);
        for (uint32_t i = 0; i < msg.n_try; i++) {
            char name[300];
            uint16_t pref = 0;
            for (uint32_t j = 0; j < n; j++)
                if (r.scratch[j].addr == msg.try_addr[i])
                    pref = r.scratch[j].pref;
            fprintf(out, "  %u. %-15s %-24s MX %-5u %s\n", i + 1,
                    zone_addr_text(s->zone, msg.try_addr[i]),
                    owner_of(s->zone, msg.try_addr[i], name, sizeof name), pref,
                    state_at_0(&r, msg.try_addr[i]));
        }
    }
    run_fini(&r);
    return MX_OK;
}
