/* test_scenario_dns.c -- DNS end to end: resolver order and caching against the
 * sender's shuffle (R12, R55 to R58), lookup time (R4, R60), SERVFAIL (R7), and
 * mxsim explain's nslookup output (seed 000). */
#include <string.h>

#include <gsl/gsl_errno.h>

#include "explain.h"
#include "scenario_util.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(dns, .init = setup);

/* Three equal-preference relays; a sender with smtp_randomize_addresses = no behind
 * a shared resolver "r" whose settings the test sets. 1 message/s, const sessions.
 * No connection caching, so that every delivery follows its DNS answer (with it,
 * R42 steers deliveries to cached connections instead). */
static const char three[] =
    "[simulation]\nduration = 4m\nseed = 5\n"
    "[dns]\n"
    "record = d. 300 IN MX 10 r1.d.\n"
    "record = d. 300 IN MX 10 r2.d.\n"
    "record = d. 300 IN MX 10 r3.d.\n"
    "record = r1.d. 300 IN A 10.0.0.1\n"
    "record = r2.d. 300 IN A 10.0.0.2\n"
    "record = r3.d. 300 IN A 10.0.0.3\n"
    "[resolver r]\n"
    "[sender s]\nsmtp_randomize_addresses = no\nresolver = r\n"
    "smtp_connection_cache_on_demand = no\n"
    "[server r1]\naddress = 10.0.0.1\nsession_time = 200ms\n"
    "[server r2]\naddress = 10.0.0.2\nsession_time = 200ms\n"
    "[server r3]\naddress = 10.0.0.3\nsession_time = 200ms\n"
    "[traffic t]\nfrom = s\nto = d.\nrate = 1/s\n";

static void shares(const char *const *sets, size_t n, uint64_t acc[3], uint64_t *total)
{
    struct scenario *s = load_text(three, sets, n);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    for (int i = 0; i < 3; i++)
        acc[i] = res.server[i].accepted;
    *total = res.delivered;
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* R12 + R57: a fixed order: every message to the first record. */
Test(dns, randomize_no_behind_fixed_resolver_sends_all_to_the_first)
{
    uint64_t acc[3], total;
    shares(NULL, 0, acc, &total);
    cr_assert_gt(total, 150);
    cr_assert_eq(acc[0], total);
}

/* R58: the authority rotates (cyclic), but a non-rotating cache keeps the order it
 * fetched for the TTL (300 s > the 4 min run): one relay gets everything. With
 * cache = no every message gets a fresh answer and the rotation spreads mail
 * exactly: each relay first once in every three fetches. */
Test(dns, cyclic_authority_spreads_only_fresh_answers)
{
    uint64_t acc[3], total;
    const char *cached[] = {"resolver r.rrset_order=cyclic"};
    shares(cached, 1, acc, &total);
    cr_assert_eq(acc[0] + acc[1] + acc[2], total);
    cr_assert(acc[0] == total || acc[1] == total || acc[2] == total, "%llu %llu %llu",
              (unsigned long long)acc[0], (unsigned long long)acc[1], (unsigned long long)acc[2]);
    const char *fresh[] = {"resolver r.rrset_order=cyclic", "resolver r.cache=no"};
    shares(fresh, 2, acc, &total);
    for (int i = 0; i < 3; i++)
        cr_assert(acc[i] * 3 >= total - 2 && acc[i] * 3 <= total + 2, "relay %d: %llu of %llu", i,
                  (unsigned long long)acc[i], (unsigned long long)total);
}

/* R56: a rotating cache (unbound's rrset-roundrobin) reorders every answer, cached or
 * not: shares are binomial around 1/3. About 240 messages: sd = sqrt(240 p (1-p)) =
 * 7.3; allow 5 sd = 37 messages either side of 80. */
Test(dns, rotating_cache_spreads_cached_answers)
{
    uint64_t acc[3], total;
    const char *sets[] = {"resolver r.rotate=roundrobin"};
    shares(sets, 1, acc, &total);
    for (int i = 0; i < 3; i++)
        cr_assert(acc[i] * 3 + 3 * 37 >= total && acc[i] * 3 <= total + 3 * 37,
                  "relay %d: %llu of %llu", i, (unsigned long long)acc[i],
                  (unsigned long long)total);
}

/* R4, R60: each fetch costs the resolver's latency; hits cost nothing. A delivery
 * queries MX, then the addresses of every MX host, even those it will not try (R4):
 * four fetches, 4 x 50 ms before the first connect. */
Test(dns, lookup_latency_is_paid_per_fetch)
{
    const char *nocache[] = {"resolver r.latency=50ms", "resolver r.cache=no"};
    struct scenario *s = load_text(three, nocache, 2);
    struct run r;
    struct run_result res;
    run_one(&r, s, 0, &res);
    cr_assert_eq(r.totals.delay.min, mx_time_from_s(0.4));
    cr_assert_eq(r.totals.delay.max, mx_time_from_s(0.4));
    cr_assert_eq(r.res[0].misses, 4 * res.messages);
    free(res.server);
    run_fini(&r);
    scen_free(s);
    const char *cache[] = {"resolver r.latency=50ms"};
    s = load_text(three, cache, 1);
    run_one(&r, s, 0, &res);
    cr_assert_eq(r.totals.delay.max, mx_time_from_s(0.4)); /* the first message */
    cr_assert_eq(r.totals.delay.min, mx_time_from_s(0.2)); /* cache hits */
    cr_assert_eq(r.res[0].misses, 4);
    cr_assert_eq(r.res[0].hits, 4 * res.messages - 4);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* The three relays behind resolver r with cache = no (every delivery fetches), and a
 * servfail window from 1 to 2 min on target (dns, or a name): runs replication 0
 * into r and res (free res->server, run_fini, scen_free the result). */
static struct scenario *run_servfail(const char *target, struct run *r, struct run_result *res)
{
    char text[4096];
    snprintf(text, sizeof text, "%s[fault sf]\ntarget = %s\nmode = servfail\nat = 1m\nfor = 1m\n",
             three, target);
    const char *sets[] = {"resolver r.cache=no"};
    struct scenario *s = load_text(text, sets, 1);
    run_one(r, s, 0, res);
    return s;
}

/* R7: while the DNS answers SERVFAIL every delivery that must fetch is deferred, and
 * retried later (R33); none is lost or bounced. */
Test(dns, servfail_window_defers_then_delivers)
{
    struct run r;
    struct run_result res;
    struct scenario *s = run_servfail("dns", &r, &res);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.bounced, 0);
    cr_assert_gt(res.attempts_mean, 1.0); /* the minute's messages were tried again */
    cr_assert_geq(res.delay_max, 60.0);   /* those waited for the next queue scan */
    cr_assert_gt(r.res[0].servfails, 40);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* R8: a servfail window on one MX host's name: that host's addresses are left out
 * of the list and the others are tried; nothing is deferred. Behind the fixed,
 * non-rotating resolver r1 is first for every message (the test above), so from
 * 1 to 2 min every delivery goes to r2 instead (about 60 at 1/s), and r1's fetches
 * fail (cache = no: one per delivery). This is also what keeps lookup plans
 * (docs/dns.md) out of the way while a window on a name is open. */
Test(dns, servfail_on_one_host_leaves_its_addresses_out)
{
    struct run r;
    struct run_result res;
    struct scenario *s = run_servfail("r1.d.", &r, &res);
    cr_assert_eq(res.delivered, res.messages);
    cr_assert_eq(res.attempts_mean, 1.0); /* R8: no deferral, r2 instead */
    /* Poisson at 1/s: about 60 in the minute (sd 7.7); 4 sd either way */
    cr_assert(res.server[1].accepted >= 30 && res.server[1].accepted <= 91, "%llu",
              (unsigned long long)res.server[1].accepted);
    cr_assert_eq(res.server[1].accepted + res.server[0].accepted, res.delivered);
    cr_assert_eq(r.res[0].servfails, res.server[1].accepted);
    free(res.server);
    run_fini(&r);
    scen_free(s);
}

/* mxsim explain prints seed 000's nslookup lines byte for byte (the Server and
 * Address header aside). */
Test(dns, explain_prints_the_seed_nslookup_lines)
{
    struct scenario *s = load_text("[dns]\n"
                                   "record = example.jp. 300 IN MX 10 mail1.example.jp.\n"
                                   "record = example.jp. 300 IN MX 20 mail2.example.jp.\n"
                                   "record = example.jp. 300 IN NS ns1.example.jp.\n"
                                   "record = example.jp. 300 IN NS ns2.example.jp.\n"
                                   "record = mail1.example.jp. 300 IN A 192.168.200.2\n"
                                   "record = mail2.example.jp. 300 IN A 192.168.200.3\n"
                                   "[sender s]\n[server m1]\naddress = 192.168.200.2\n"
                                   "[traffic t]\nfrom = s\nto = example.jp\nrate = 1/s\n",
                                   NULL, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct explain_opts o = {.messages = 2};
    struct mx_err err = {0};
    cr_assert_eq(explain_print(s, &o, f, &err), MX_OK);
    fclose(f);
    const char *want =
        "Non-authoritative answer:\n"
        "example.jp MX preference = 10, mail exchanger = mail1.example.jp\n"
        "example.jp MX preference = 20, mail exchanger = mail2.example.jp\n"
        "\n"
        "example.jp nameserver = ns1.example.jp\n"
        "example.jp nameserver = ns2.example.jp\n"
        "mail1.example.jp internet address = 192.168.200.2\n"
        "mail2.example.jp internet address = 192.168.200.3\n";
    cr_assert(strstr(buf, want), "%s", buf);
    /* then the try order: MX 10 first, MX 20 second; mail2 has no server */
    cr_assert(strstr(buf, "  1. 192.168.200.2   mail1.example.jp         MX 10    up\n"
                          "  2. 192.168.200.3   mail2.example.jp         MX 20    no server "
                          "listens: connect times out (R19)\n"),
              "%s", buf);
    free(buf);
    scen_free(s);
}
