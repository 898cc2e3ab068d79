/* test_scen.c -- the scenario file: values, defaults, --set, and every kind of bad
 * input with its exact message (STYLE 5: FILE:LINE: [section] key: ...). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>

#include "cli_util.h"
#include "dist.h"
#include "rng.h"
#include "scen.h"
#include "zone.h"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(scen, .init = setup);

static const char base[] = "[simulation]\n"
                           "duration = 2h\n"
                           "[dns]\n"
                           "record = example.jp. 300 IN MX 10 mail1.example.jp.\n"
                           "record = mail1.example.jp. 300 IN A 192.168.200.2\n"
                           "[sender internet]\n"
                           "[server mail1]\n"
                           "address = 192.168.200.2\n"
                           "[traffic in]\n"
                           "from = internet\n"
                           "to = example.jp\n"
                           "rate = 5/s\n";

/* Loads text (+ sets); on failure returns the formatted one-line error. */
static int load(const char *text, const char *const *sets, size_t n, struct scenario **s,
                char *msg)
{
    struct mx_err err = {0};
    const char *path = write_tmp(text);
    int rc = scen_load(path, sets, n, s, &err);
    if (rc != MX_OK)
        err_as_s(&err, path, msg);
    unlink(path);
    return rc;
}

static void expect_error(const char *text, const char *want)
{
    struct scenario *s = NULL;
    char msg[700] = "";
    cr_assert_eq(load(text, NULL, 0, &s, msg), MX_EINPUT, "loaded: %s", text);
    cr_assert_str_eq(msg, want);
}

Test(scen, values_and_postfix_defaults)
{
    struct scenario *s;
    char msg[700];
    cr_assert_eq(load(base, NULL, 0, &s, msg), MX_OK, "%s", msg);
    cr_assert_eq(s->sim.duration, 7200 * MX_NS_PER_S);
    cr_assert_eq(s->sim.drain, 86400 * MX_NS_PER_S); /* drain = 1d */
    cr_assert_eq(s->sim.replications, 1);
    cr_assert_eq(s->n_senders, 1);
    const struct scen_sender *p = &s->senders[0];
    /* Postfix 3.7 defaults (postfix-behaviour.md R11, R14, R19, R20, R29, R33-R35) */
    cr_assert_eq(p->smtp_randomize_addresses, 1);
    cr_assert_eq(p->smtp_connect_timeout, 30 * MX_NS_PER_S);
    cr_assert_eq(p->smtp_helo_timeout, 300 * MX_NS_PER_S);
    cr_assert_eq(p->smtp_mx_address_limit, 5);
    cr_assert_eq(p->smtp_destination_concurrency_limit, 20);
    cr_assert_eq(p->minimal_backoff_time, 300 * MX_NS_PER_S);
    cr_assert_eq(p->maximal_backoff_time, 4000 * MX_NS_PER_S);
    cr_assert_eq(p->queue_run_delay, 300 * MX_NS_PER_S);
    cr_assert_eq(p->maximal_queue_lifetime, 5 * 86400 * MX_NS_PER_S);
    cr_assert_eq(s->servers[0].process_limit, 100);
    cr_assert_eq(s->servers[0].backlog, 100);
    cr_assert_str_eq(s->traffic[0].to, "example.jp.");
    cr_assert_float_eq(s->traffic[0].rate_per_s, 5.0, 1e-12);
    uint32_t name = zone_name(s->zone, "example.jp.");
    size_t n;
    const struct zone_mx *mx = zone_mx(s->zone, name, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(mx[0].pref, 10);
    cr_assert_str_eq(zone_name_text(s->zone, mx[0].host), "mail1.example.jp.");
    scen_free(s);
}

Test(scen, set_overrides_and_adds_keys)
{
    struct scenario *s;
    char msg[700];
    const char *sets[] = {"simulation.duration=30m", "server mail1.process_limit=7",
                          "sender internet.smtp_randomize_addresses=no"};
    cr_assert_eq(load(base, sets, 3, &s, msg), MX_OK, "%s", msg);
    cr_assert_eq(s->sim.duration, 1800 * MX_NS_PER_S);
    cr_assert_eq(s->servers[0].process_limit, 7);
    cr_assert_eq(s->senders[0].smtp_randomize_addresses, 0);
    scen_free(s);
}

Test(scen, set_errors_name_the_option)
{
    struct scenario *s;
    char msg[700];
    const char *bad[] = {"server mail1.process_limit=lots"};
    cr_assert_eq(load(base, bad, 1, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S--set server mail1.process_limit: expected a whole number, got "
                          "\"lots\"");
    const char *none[] = {"server mail9.backlog=3"};
    cr_assert_eq(load(base, none, 1, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S--set server mail9.backlog: no such section in the scenario");
    const char *form[] = {"duration"};
    cr_assert_eq(load(base, form, 1, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S--set duration: expected SECTION.KEY=VALUE or \"SECTION NAME.KEY=VALUE\", "
                          "such as simulation.duration=2h");
}

Test(scen, relayhost_forms)
{
    struct scenario *s;
    char msg[700];
    const char *forms[][1] = {{"sender internet.relayhost=[mail1.example.jp]"},
                              {"sender internet.relayhost=[192.168.200.2]:25"},
                              {"sender internet.relayhost=example.jp:2525"}};
    cr_assert_eq(load(base, forms[0], 1, &s, msg), MX_OK, "%s", msg);
    cr_assert(!s->senders[0].relay_mx && !s->senders[0].relay_literal);
    cr_assert_str_eq(s->senders[0].relay_target, "mail1.example.jp.");
    scen_free(s);
    cr_assert_eq(load(base, forms[1], 1, &s, msg), MX_OK, "%s", msg);
    cr_assert(s->senders[0].relay_literal);
    cr_assert_str_eq(s->senders[0].relay_target, "192.168.200.2");
    scen_free(s);
    cr_assert_eq(load(base, forms[2], 1, &s, msg), MX_OK, "%s", msg);
    cr_assert(s->senders[0].relay_mx);
    cr_assert_str_eq(s->senders[0].relay_target, "example.jp.");
    scen_free(s);
}

Test(scen, unknown_key_suggests_the_nearest)
{
    char text[2048];
    snprintf(text, sizeof text, "%s[server mail2]\naddress = 10.0.0.9\nproces_limit = 5\n", base);
    expect_error(text, "S:15: [server mail2] proces_limit: unknown key in [server]; did you mean "
                       "\"process_limit\"?");
}

Test(scen, unknown_section_suggests_the_nearest)
{
    char text[2048];
    snprintf(text, sizeof text, "%s[sever x]\n", base);
    expect_error(text, "S:13: [sever x]: unknown section; expected simulation, dns, resolver, "
                       "sender, server, fault, traffic or expect; did you mean \"server\"?");
}

Test(scen, bad_values_say_what_was_expected)
{
    char text[2048];
    snprintf(text, sizeof text, "%s[server m2]\naddress = 10.0.0.9\nsession_time = lognrmal(1s, 1)\n",
             base);
    expect_error(text, "S:15: [server m2] session_time: expected a distribution: const(X), "
                       "exp(MEAN), uniform(A, B), lognormal(MEDIAN, SIGMA), gamma(SHAPE, SCALE), "
                       "weibull(SHAPE, SCALE), empirical(FILE.csv) or a duration, got "
                       "\"lognrmal(1s, 1)\"");
    snprintf(text, sizeof text, "%s[fault f]\ntarget = mail1\nmode = blackhol\nat = 3o s\n", base);
    expect_error(text, "S:15: [fault f] mode: expected refused, blackhole, tempfail, reject, "
                       "nogreet, slow or servfail, got \"blackhol\"; did you mean \"blackhole\"?");
    snprintf(text, sizeof text, "%s[fault f]\ntarget = mail1\nmode = refused\nat = 3o s\n", base);
    expect_error(text, "S:16: [fault f] at: expected a duration such as 250ms, 30s, 5m, 2h, 5d "
                       "or 1w, got \"3o s\"");
}

Test(scen, undefined_references_suggest_the_nearest)
{
    char text[2048];
    snprintf(text, sizeof text, "%s[fault f]\ntarget = mial1\nmode = refused\nat = 1m\n", base);
    expect_error(text, "S:14: [fault f] target: expected a [server] name, an address, a site, dns, "
                       "or a name in the zone, got \"mial1\"; did you mean \"mail1\"?");
    snprintf(text, sizeof text, "%s[traffic t2]\nfrom = internt\nto = example.jp\nrate = 1/s\n",
             base);
    expect_error(text, "S:14: [traffic t2] from: no [sender internt] in the scenario; did you "
                       "mean \"internet\"?");
}

Test(scen, missing_required_key_points_at_the_section)
{
    char text[2048];
    snprintf(text, sizeof text, "%s[server mail2]\nprocess_limit = 5\n", base);
    expect_error(text, "S:13: [server mail2]: missing key address");
}

Test(scen, duplicates_are_errors)
{
    char text[2048];
    snprintf(text, sizeof text, "%s[server mail1]\naddress = 10.0.0.9\n", base);
    expect_error(text, "S:13: [server mail1]: defined twice; first at line 7");
    snprintf(text, sizeof text, "%s[server mail2]\naddress = 10.0.0.9\naddress = 10.0.0.8\n", base);
    expect_error(text, "S:15: [server mail2] address: set twice; first at line 14");
    snprintf(text, sizeof text, "%s[server mail2]\naddress = 192.168.200.2\n", base);
    expect_error(text, "S:14: [server mail2] address: address 192.168.200.2 already belongs to "
                       "[server mail1]");
}

Test(scen, bad_record_is_reported_at_its_line)
{
    expect_error("[dns]\nrecord = example.jp. 300 IN MX ten mail1.example.jp.\n",
                 "S:2: [dns] record: expected a record such as \"example.jp. 300 IN MX 10 "
                 "mx.example.jp.\" (Syntax error, could not parse the RR's rdata), got \"example.jp. 300 IN "
                 "MX ten mail1.example.jp.\"");
}

Test(scen, comments_and_indentation)
{
    struct scenario *s;
    char msg[700];
    const char text[] = "; a comment\n# another\n[simulation]\n  duration = 90s   # inline\n"
                        "replications = 3 ; inline too\n"
                        "[sender a]\n[server b]\naddress = 10.0.0.1\n"
                        "[traffic t]\nfrom = a\nto = Example.JP\nrate = 60/m\n"
                        "[expect]\ndelivered_fraction >= 0.999\ndelay_p99 <= 10m\n";
    cr_assert_eq(load(text, NULL, 0, &s, msg), MX_OK, "%s", msg);
    cr_assert_eq(s->sim.duration, 90 * MX_NS_PER_S);
    cr_assert_eq(s->sim.replications, 3);
    cr_assert_str_eq(s->traffic[0].to, "example.jp.");
    cr_assert_float_eq(s->traffic[0].rate_per_s, 1.0, 1e-12);
    cr_assert_eq(s->n_expects, 2);
    cr_assert_str_eq(s->expects[0].text, "delivered_fraction >= 0.999");
    cr_assert_eq(s->expects[1].line, 15);
    scen_free(s);
}

Test(scen, missing_file_and_garbage_lines)
{
    struct scenario *s;
    struct mx_err err = {0};
    cr_assert_eq(scen_load("/nonexistent/x.ini", NULL, 0, &s, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "cannot open the scenario: No such file or directory");
    expect_error("[simulation]\nthis line has no equals sign\n",
                 "S:2: expected [section], key = value or a comment");
    expect_error("duration = 1h\n", "S:1: duration: expected a [section] header before the first key");
}

Test(scen, resolvers_and_dns_faults)
{
    char text[2048];
    snprintf(text, sizeof text, "%s[resolver site]\nrrset_order = cyclc\n", base);
    expect_error(text, "S:14: [resolver site] rrset_order: expected fixed, cyclic, random or "
                       "roundrobin, got \"cyclc\"; did you mean \"cyclic\"?");
    snprintf(text, sizeof text, "%s[sender b]\nresolver = sit\n[resolver site]\n", base);
    expect_error(text, "S:14: [sender b] resolver: no [resolver sit] in the scenario; did you "
                       "mean \"site\"?");
    snprintf(text, sizeof text, "%s[fault f]\ntarget = mail1\nmode = servfail\nat = 0\n", base);
    expect_error(text, "S:14: [fault f] target: mode servfail needs dns or a DNS name as its "
                       "target, got \"mail1\"");
    snprintf(text, sizeof text, "%s[fault f]\ntarget = example.jp\nmode = refused\nat = 0\n",
             base);
    expect_error(text, "S:14: [fault f] target: mode refused needs a server, an address or a "
                       "site as its target, got \"example.jp\"");
    struct scenario *s;
    char msg[700];
    snprintf(text, sizeof text, "%s[resolver site]\nrotate = roundrobin\nlatency = exp(5ms)\n"
                                "[fault f]\ntarget = mail1.example.jp\nmode = servfail\nat = 0\n",
             base);
    const char *sets[] = {"sender internet.resolver=site"};
    cr_assert_eq(load(text, sets, 1, &s, msg), MX_OK, "%s", msg);
    cr_assert_eq(s->n_resolvers, 1);
    cr_assert_eq(s->senders[0].resolver, 0);
    cr_assert_eq(s->resolvers[0].rrset_order, ORDER_FIXED);
    cr_assert_eq(s->resolvers[0].cache, 1);
    cr_assert_eq(s->resolvers[0].rotate, ORDER_ROUNDROBIN);
    cr_assert_eq(s->faults[0].target, TARGET_NAME);
    cr_assert_str_eq(s->faults[0].dns_name, "mail1.example.jp.");
    scen_free(s);
}

Test(scen, zone_files_are_relative_to_the_scenario)
{
    char text[2048];
    snprintf(text, sizeof text, "%s[dns]\n", base);
    /* [dns] is already defined in base: a second [dns] is an error */
    expect_error(text, "S:13: [dns]: defined twice; first at line 3");
    expect_error("[dns]\nzone = no-such.zone\n",
                 "S:2: [dns] zone: /tmp/no-such.zone: cannot open the zone file: No such file or "
                 "directory");
    FILE *f = fopen("/tmp/mxsim-test-rel.zone", "w");
    fputs("$ORIGIN example.jp.\n$TTL 300\n@ IN MX 10 mail1\nmail1 IN A ten\n", f);
    fclose(f);
    struct scenario *s;
    char msg[700];
    cr_assert_eq(load("[dns]\nzone = mxsim-test-rel.zone\n", NULL, 0, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S/tmp/mxsim-test-rel.zone:4: expected a record in master-file syntax "
                          "(Syntax error, could not parse the RR's rdata)");
    unlink("/tmp/mxsim-test-rel.zone");
}

/* Issue 5: an unknown Postfix parameter is an error with a did-you-mean; a known one
 * the model does not use is a warning naming it. */
Test(scen, postfix_parameters_known_and_unknown)
{
    char text[2048];
    snprintf(text, sizeof text, "%s[sender b]\nsmtp_randomise_addresses = no\n", base);
    expect_error(text, "S:14: [sender b] smtp_randomise_addresses: neither a key of mxsim's nor "
                       "a Postfix 3.7 parameter; did you mean \"smtp_randomize_addresses\"?");
    snprintf(text, sizeof text, "%s[sender b]\nsmtp_tls_securty_level = may\n", base);
    expect_error(text, "S:14: [sender b] smtp_tls_securty_level: neither a key of mxsim's nor a "
                       "Postfix 3.7 parameter; did you mean \"smtp_tls_security_level\"?");
    struct scenario *s;
    char msg[700];
    snprintf(text, sizeof text, "%s[sender b]\nsmtp_tls_security_level = may\n", base);
    cr_assert_eq(load(text, NULL, 0, &s, msg), MX_OK, "%s", msg);
    cr_assert_eq(s->n_warnings, 1);
    cr_assert(strstr(s->warnings[0], ":14: [sender b] smtp_tls_security_level: a Postfix "
                                     "parameter that mxsim does not model: ignored"),
              "%s", s->warnings[0]);
    scen_free(s);
}

Test(scen, numeric_relayhost_must_be_bracketed)
{
    char text[2048];
    snprintf(text, sizeof text, "%s[sender b]\nrelayhost = 10.0.0.2\n", base);
    expect_error(text, "S:14: [sender b] relayhost: a numeric next hop must be bracketed, as "
                       "Postfix requires (R2): [10.0.0.2], got \"10.0.0.2\"");
}

Test(scen, byte_order_mark_is_skipped)
{
    struct scenario *s;
    char msg[700], text[2048];
    snprintf(text, sizeof text, "\xef\xbb\xbf%s", base);
    cr_assert_eq(load(text, NULL, 0, &s, msg), MX_OK, "%s", msg);
    scen_free(s);
}

/* docs/robustness.md: a random fault may not flip faster than every millisecond on
 * average (1 ns flipping made ~1e9 events per simulated second). */
Test(scen, random_faults_flip_at_most_every_millisecond)
{
    char text[2000];
    snprintf(text, sizeof text, "%s[fault f]\ntarget = mail1\nmode = refused\nmtbf = 1e-9s\nmttr = 1s\n", base);
    expect_error(text, "S:16: [fault f] mtbf: expected a duration of at least 1ms, got \"1e-9s\"");
    snprintf(text, sizeof text, "%s[fault f]\ntarget = mail1\nmode = refused\nuptime = exp(1s)\n"
                               "downtime = uniform(0, 1ms)\n", base);
    expect_error(text, "S:17: [fault f] downtime: expected a mean of at least 1ms, got "
                       "\"uniform(0, 1ms)\"");
    snprintf(text, sizeof text, "%s[fault f]\ntarget = mail1\nmode = refused\nmtbf = 1ms\nmttr = 1ms\n", base);
    struct scenario *s = NULL;
    char msg[700] = "";
    cr_assert_eq(load(text, NULL, 0, &s, msg), MX_OK, "%s", msg);
    scen_free(s);
}

/* empirical(FILE.csv) (PRODUCT.md's distributions): the file's durations, a header
 * and any order allowed, relative to the scenario; a draw is one of them, each
 * with the same chance: over 30,000 draws of {1s, 4s, 2s} with a fixed seed, each
 * value's share is within 4 binomial sds of 1/3 (sd = sqrt(1/3 x 2/3 / 30000) =
 * 0.0027, so +-0.011; a correct sampler strays that far with p = 6e-5). The mean
 * is the sample's. Errors: a bad row at its file:line, an empty file and a
 * missing one at the key. */
Test(scen, empirical_distributions_draw_the_files_values)
{
    FILE *f = fopen("/tmp/mxsim-test-emp.csv", "w");
    cr_assert(f);
    fputs("session_time\n1s\n4s\n2000ms\n", f);
    fclose(f);
    const char text[] = "[dns]\nrecord = example.jp. 300 IN A 192.168.200.2\n"
                        "[sender internet]\n"
                        "[server mail1]\naddress = 192.168.200.2\n"
                        "session_time = empirical( mxsim-test-emp.csv )\n"
                        "[traffic in]\nfrom = internet\nto = example.jp\nrate = 5/s\n";
    struct scenario *s;
    char msg[700];
    cr_assert_eq(load(text, NULL, 0, &s, msg), MX_OK, "%s", msg);
    const struct dist *d = &s->servers[0].session_time;
    cr_assert_eq(d->kind, DIST_EMPIRICAL);
    cr_assert_eq(d->n_values, 3);
    cr_assert_float_eq(dist_mean_s(d), 7.0 / 3, 1e-12);
    struct rng_stream rng;
    cr_assert_eq(rng_init(&rng, 42), MX_OK);
    int count[5] = {0};
    for (int i = 0; i < 30000; i++) {
        mx_time t = dist_draw(d, &rng);
        cr_assert(t == MX_NS_PER_S || t == 2 * MX_NS_PER_S || t == 4 * MX_NS_PER_S, "%lld",
                  (long long)t);
        count[t / MX_NS_PER_S]++;
    }
    for (int v = 1; v <= 4; v *= 2)
        cr_assert(fabs(count[v] / 30000.0 - 1.0 / 3) < 0.011, "%d s: %d of 30000", v, count[v]);
    rng_fini(&rng);
    scen_free(s);

    f = fopen("/tmp/mxsim-test-emp.csv", "w");
    fputs("1s\n2s\nslow\n", f);
    fclose(f);
    cr_assert_eq(load(text, NULL, 0, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S/tmp/mxsim-test-emp.csv:3: expected a time such as 90s, 6h or 3600, "
                          "got \"slow\"");
    f = fopen("/tmp/mxsim-test-emp.csv", "w");
    fputs("session_time\n", f);
    fclose(f);
    expect_error(text, "S:6: [server mail1] session_time: /tmp/mxsim-test-emp.csv: expected at "
                       "least one duration in its first column");
    unlink("/tmp/mxsim-test-emp.csv");
    expect_error(text, "S:6: [server mail1] session_time: /tmp/mxsim-test-emp.csv: cannot open: "
                       "No such file or directory");
    /* what the file reader refuses for profiles and traces too: a line that never
     * ends (it would grow libcsv's buffer for ever), and a directory (exit 2, not
     * an I/O error) */
    const char *sets[] = {"server mail1.session_time=empirical(/dev/zero)"};
    cr_assert_eq(load(text, sets, 1, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S/dev/zero:1: expected lines of at most 65536 bytes, got a longer one");
    sets[0] = "server mail1.session_time=empirical(/tmp)";
    cr_assert_eq(load(text, sets, 1, &s, msg), MX_EINPUT);
    cr_assert_str_eq(msg, "S/tmp: expected a CSV file, got a directory");
}
