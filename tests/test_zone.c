/* test_zone.c -- the authoritative records (sim/zone.h): RFC 1035 master files as
 * ldns reads them ($ORIGIN, $TTL, relative names, @, comments, parentheses), every
 * record set in zone order with its TTL (RFC 2181 5.2: the least of its records),
 * canonical names, seed 000's two nslookup examples as zone files, the null MX
 * (R6), and the exact file:line and message of every kind of bad zone input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>

#include "zone.h"

static void quiet_gsl(void)
{
    gsl_set_error_handler_off();
}
TestSuite(zone, .init = quiet_gsl);

/* A zone file in a fresh temporary directory; zf_fini removes both. */
struct zf {
    char dir[64];
    char path[96];
};

static void zf_write(struct zf *f, const char *text)
{
    strcpy(f->dir, "/tmp/mxsim-zone-XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/test.zone", f->dir);
    FILE *fp = fopen(f->path, "w");
    cr_assert_not_null(fp);
    cr_assert_eq(fputs(text, fp) >= 0, 1);
    cr_assert_eq(fclose(fp), 0);
}

static void zf_fini(struct zf *f)
{
    unlink(f->path);
    rmdir(f->dir);
}

/* Loads text as a zone file; the load must succeed. */
static struct zone *load_ok(const char *text)
{
    struct zf f;
    zf_write(&f, text);
    struct zone *z = NULL;
    cr_assert_eq(zone_new(&z), MX_OK);
    struct mx_err err = {0};
    int rc = zone_add_file(z, f.path, &err);
    cr_assert_eq(rc, MX_OK, "line %d: %s", err.line, err.msg);
    zf_fini(&f);
    return z;
}

/* Loads text as a zone file that must fail at line with exactly msg (MX_EINPUT). */
static void load_fails(const char *text, int line, const char *msg)
{
    struct zf f;
    zf_write(&f, text);
    struct zone *z = NULL;
    cr_assert_eq(zone_new(&z), MX_OK);
    struct mx_err err = {0};
    cr_assert_eq(zone_add_file(z, f.path, &err), MX_EINPUT, "status (msg: %s)", err.msg);
    cr_assert_eq(err.status, MX_EINPUT);
    cr_assert_not_null(err.file);
    cr_assert_str_eq(err.file, f.path);
    cr_assert_eq(err.line, line, "line %d, expected %d (%s)", err.line, line, err.msg);
    cr_assert_str_eq(err.msg, msg);
    zone_free(z);
    zf_fini(&f);
}

static uint32_t id_of(const struct zone *z, const char *canon)
{
    uint32_t id = zone_name(z, canon);
    cr_assert_neq(id, ZONE_NONE, "no name %s", canon);
    return id;
}

/* Asserts name's MX set is exactly (prefs[i], hosts[i]) in this order. */
static void assert_mx(const struct zone *z, const char *name, size_t n, const uint16_t *prefs,
                      const char *const *hosts)
{
    size_t got = 99;
    const struct zone_mx *mx = zone_mx(z, id_of(z, name), &got);
    cr_assert_eq(got, n, "%s: %zu MX, expected %zu", name, got, n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(mx[i].pref, prefs[i], "%s MX %zu", name, i);
        cr_assert_neq(mx[i].host, ZONE_NONE);
        cr_assert_str_eq(zone_name_text(z, mx[i].host), hosts[i], "%s MX %zu", name, i);
    }
}

/* Asserts name's address set is exactly addrs, in this order. */
static void assert_addrs(const struct zone *z, const char *name, size_t n,
                         const char *const *addrs)
{
    size_t got = 99;
    const uint32_t *a = zone_addrs(z, id_of(z, name), &got);
    cr_assert_eq(got, n, "%s: %zu addresses, expected %zu", name, got, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(zone_addr_text(z, a[i]), addrs[i], "%s address %zu", name, i);
}

static void assert_ns(const struct zone *z, const char *name, size_t n, const char *const *ns)
{
    size_t got = 99;
    const uint32_t *a = zone_ns(z, id_of(z, name), &got);
    cr_assert_eq(got, n, "%s: %zu NS, expected %zu", name, got, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(zone_name_text(z, a[i]), ns[i], "%s NS %zu", name, i);
}

/* ---- master-file syntax ---- */

static const char features[] =
    "; mxsim test zone: every master-file feature zone.h promises\n" /* 1 */
    "$ORIGIN Example.JP.\n"                                          /* 2 */
    "$TTL 300\n"                                                     /* 3 */
    "@   IN SOA ns1 hostmaster ( 2024010101 ; serial\n"              /* 4 */
    "            3600 900 604800 300 )      ; ignored type\n"        /* 5 */
    "@        IN NS    ns1                  ; relative\n"            /* 6 */
    "@        IN NS    NS2.example.jp.      ; absolute, upper case\n" /* 7 */
    "\n"                                                             /* 8 */
    "@   600  IN MX    20 Mail2             ; written first\n"       /* 9 */
    "@        IN MX    ( 10                 ; over three lines\n"    /* 10 */
    "                    mail1\n"                                    /* 11 */
    "                  )\n"                                          /* 12 */
    "mail1    IN A     192.168.200.2\n"                              /* 13 */
    "mail1    IN AAAA  2001:DB8:0::2\n"                              /* 14 */
    "mail2 1d IN A     192.168.200.3        ; explicit TTL\n"        /* 15 */
    "www      IN CNAME mail1\n"                                      /* 16 */
    "sub.example.jp. 60 IN A 10.0.0.1\n"                             /* 17 */
    "SUB      IN A     10.0.0.2\n";                                  /* 18 */

/* zone.h: $ORIGIN, $TTL, relative names, @, comments, blank lines, parentheses over
 * lines; names canonical (lower case, absolute); sets in the order written, not
 * sorted by preference (R12 relies on zone order under rrset_order = fixed, R55). */
Test(zone, master_file_features_give_every_set_in_zone_order)
{
    struct zone *z = load_ok(features);
    assert_mx(z, "example.jp.", 2, (const uint16_t[]){20, 10},
              (const char *const[]){"mail2.example.jp.", "mail1.example.jp."});
    assert_ns(z, "example.jp.", 2, (const char *const[]){"ns1.example.jp.", "ns2.example.jp."});
    assert_addrs(z, "mail1.example.jp.", 2, (const char *const[]){"192.168.200.2", "2001:db8::2"});
    assert_addrs(z, "mail2.example.jp.", 1, (const char *const[]){"192.168.200.3"});
    assert_addrs(z, "sub.example.jp.", 2, (const char *const[]){"10.0.0.1", "10.0.0.2"});
    uint32_t www = id_of(z, "www.example.jp.");
    cr_assert_eq(zone_cname(z, www), id_of(z, "mail1.example.jp."));
    cr_assert_eq(zone_cname(z, id_of(z, "mail1.example.jp.")), ZONE_NONE);
    /* Names exist only in canonical form; the SOA (another type) adds nothing. */
    cr_assert_eq(zone_name(z, "Example.JP."), ZONE_NONE);
    cr_assert_eq(zone_name(z, "example.jp"), ZONE_NONE);
    cr_assert_eq(zone_name(z, "hostmaster.example.jp."), ZONE_NONE);
    /* example.jp, ns1, ns2, mail2, mail1, www, sub: nothing else. */
    cr_assert_eq(zone_n_names(z), 7);
    cr_assert_eq(zone_n_addrs(z), 5);
    cr_assert_eq(zone_max_set(z), 2);
    zone_free(z);
}

/* RFC 2181 5.2: one TTL per RRset, the least of its records'. $TTL applies to records
 * without one; an explicit TTL (with a unit) overrides it. The MX set has 600 then 300
 * (least = last), sub's addresses 60 then 300 (least = first): neither "first wins"
 * nor "last wins" passes both. */
Test(zone, ttl_of_a_set_is_the_least_of_its_records)
{
    struct zone *z = load_ok(features);
    uint32_t apex = id_of(z, "example.jp.");
    cr_assert_eq(zone_ttl(z, apex, ZONE_SET_MX), 300);
    cr_assert_eq(zone_ttl(z, id_of(z, "sub.example.jp."), ZONE_SET_ADDR), 60);
    cr_assert_eq(zone_ttl(z, id_of(z, "mail2.example.jp."), ZONE_SET_ADDR), 86400);
    cr_assert_eq(zone_ttl(z, id_of(z, "mail1.example.jp."), ZONE_SET_ADDR), 300);
    cr_assert_eq(zone_ttl(z, id_of(z, "www.example.jp."), ZONE_SET_CNAME), 300);
    /* Empty sets have TTL 0. */
    cr_assert_eq(zone_ttl(z, apex, ZONE_SET_ADDR), 0);
    cr_assert_eq(zone_ttl(z, id_of(z, "mail1.example.jp."), ZONE_SET_MX), 0);
    zone_free(z);
}

/* Without $TTL a record gets 3600 s (docs/dns.md); $TTL changes only later records. */
Test(zone, default_ttl_is_3600_until_a_ttl_directive)
{
    struct zone *z = load_ok("$ORIGIN example.jp.\n"
                             "a IN A 10.0.0.1\n"
                             "$TTL 5m\n"
                             "b IN A 10.0.0.2\n");
    cr_assert_eq(zone_ttl(z, id_of(z, "a.example.jp."), ZONE_SET_ADDR), 3600);
    cr_assert_eq(zone_ttl(z, id_of(z, "b.example.jp."), ZONE_SET_ADDR), 300);
    zone_free(z);
}

/* docs/dns.md: "An RRset holds each record once (a duplicate line is dropped) and has
 * one TTL: the least of its records'." Names compare case-insensitively, so MAIL1 and
 * mail1 are one record; so are two spellings of one address. */
Test(zone, duplicate_records_are_one_record_with_the_least_ttl)
{
    struct zone *z = load_ok("$ORIGIN example.jp.\n"
                             "@     900 IN MX 10 mail1\n"
                             "@     200 IN MX 10 MAIL1\n"
                             "@     300 IN MX 20 mail1\n" /* another preference: another record */
                             "mail1     IN A  10.0.0.1\n"
                             "mail1     IN A  10.0.0.1\n"
                             "mail1     IN AAAA 2001:db8::1\n"
                             "mail1     IN AAAA 2001:DB8:0:0::1\n"
                             "ns        IN NS a\n"
                             "ns        IN NS A\n"
                             "www   600 IN CNAME mail1\n"
                             "www   120 IN CNAME mail1\n"
                             "ftp   120 IN CNAME mail1\n"
                             "ftp   600 IN CNAME Mail1\n");
    assert_mx(z, "example.jp.", 2, (const uint16_t[]){10, 20},
              (const char *const[]){"mail1.example.jp.", "mail1.example.jp."});
    cr_assert_eq(zone_ttl(z, id_of(z, "example.jp."), ZONE_SET_MX), 200);
    assert_addrs(z, "mail1.example.jp.", 2, (const char *const[]){"10.0.0.1", "2001:db8::1"});
    assert_ns(z, "ns.example.jp.", 1, (const char *const[]){"a.example.jp."});
    cr_assert_eq(zone_ttl(z, id_of(z, "www.example.jp."), ZONE_SET_CNAME), 120);
    cr_assert_eq(zone_ttl(z, id_of(z, "ftp.example.jp."), ZONE_SET_CNAME), 120);
    zone_free(z);
}

/* ---- seed 000: the nslookup examples as zone files ---- */

/* Seed 000, first example: MX 10 mail1 and 20 mail2, NS ns1 and ns2, mail1 =
 * 192.168.200.2, mail2 = 192.168.200.3. Exactly these sets, nothing more. */
Test(zone, seed000_primary_and_backup_example)
{
    struct zone *z = load_ok("$ORIGIN example.jp.\n"
                             "$TTL 3600\n"
                             "@     IN MX 10 mail1\n"
                             "@     IN MX 20 mail2\n"
                             "@     IN NS ns1\n"
                             "@     IN NS ns2\n"
                             "mail1 IN A  192.168.200.2\n"
                             "mail2 IN A  192.168.200.3\n");
    assert_mx(z, "example.jp.", 2, (const uint16_t[]){10, 20},
              (const char *const[]){"mail1.example.jp.", "mail2.example.jp."});
    assert_ns(z, "example.jp.", 2, (const char *const[]){"ns1.example.jp.", "ns2.example.jp."});
    assert_addrs(z, "mail1.example.jp.", 1, (const char *const[]){"192.168.200.2"});
    assert_addrs(z, "mail2.example.jp.", 1, (const char *const[]){"192.168.200.3"});
    assert_addrs(z, "example.jp.", 0, NULL);
    assert_addrs(z, "ns1.example.jp.", 0, NULL);
    cr_assert_eq(zone_n_names(z), 5);
    cr_assert_eq(zone_n_addrs(z), 2);
    zone_free(z);
}

/* Seed 000, second example: three MX of preference 10; mail1 has 3 A records, mail2
 * 6, mail3 (no address in the article) is given 192.168.200.10. */
Test(zone, seed000_three_equal_preference_example)
{
    struct zone *z = load_ok("$ORIGIN example.jp.\n"
                             "$TTL 3600\n"
                             "@     IN MX 10 mail1\n"
                             "@     IN MX 10 mail2\n"
                             "@     IN MX 10 mail3\n"
                             "@     IN NS ns1\n"
                             "@     IN NS ns2\n"
                             "mail1 IN A  192.168.200.1\n"
                             "mail1 IN A  192.168.200.2\n"
                             "mail1 IN A  192.168.200.3\n"
                             "mail2 IN A  192.168.200.4\n"
                             "mail2 IN A  192.168.200.5\n"
                             "mail2 IN A  192.168.200.6\n"
                             "mail2 IN A  192.168.200.7\n"
                             "mail2 IN A  192.168.200.8\n"
                             "mail2 IN A  192.168.200.9\n"
                             "mail3 IN A  192.168.200.10\n");
    assert_mx(z, "example.jp.", 3, (const uint16_t[]){10, 10, 10},
              (const char *const[]){"mail1.example.jp.", "mail2.example.jp.",
                                    "mail3.example.jp."});
    assert_ns(z, "example.jp.", 2, (const char *const[]){"ns1.example.jp.", "ns2.example.jp."});
    assert_addrs(z, "mail1.example.jp.", 3,
                 (const char *const[]){"192.168.200.1", "192.168.200.2", "192.168.200.3"});
    assert_addrs(z, "mail2.example.jp.", 6,
                 (const char *const[]){"192.168.200.4", "192.168.200.5", "192.168.200.6",
                                       "192.168.200.7", "192.168.200.8", "192.168.200.9"});
    assert_addrs(z, "mail3.example.jp.", 1, (const char *const[]){"192.168.200.10"});
    cr_assert_eq(zone_n_names(z), 6);
    cr_assert_eq(zone_n_addrs(z), 10);
    cr_assert_eq(zone_max_set(z), 6);
    zone_free(z);
}

/* ---- the null MX (R6, RFC 7505) ---- */

/* R6: "MX 0 ." is the null MX: host ZONE_NONE. The root is absolute, so $ORIGIN does
 * not turn it into the origin; it interns no name. */
Test(zone, null_mx_has_no_host)
{
    struct zone *z = NULL;
    struct mx_err err = {0};
    cr_assert_eq(zone_new(&z), MX_OK);
    cr_assert_eq(zone_add_text(z, "example.jp. 300 IN MX 0 .", &err), MX_OK, "%s", err.msg);
    size_t n = 0;
    const struct zone_mx *mx = zone_mx(z, id_of(z, "example.jp."), &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(mx[0].host, ZONE_NONE);
    cr_assert_eq(mx[0].pref, 0);
    cr_assert_eq(zone_n_names(z), 1);
    zone_free(z);

    z = load_ok("$ORIGIN nomail.jp.\n@ IN MX 0 .\n@ IN MX 10 mail\n");
    mx = zone_mx(z, id_of(z, "nomail.jp."), &n);
    cr_assert_eq(n, 2);
    cr_assert_eq(mx[0].host, ZONE_NONE);
    cr_assert_eq(mx[0].pref, 0);
    cr_assert_str_eq(zone_name_text(z, mx[1].host), "mail.nomail.jp.");
    zone_free(z);
}

/* ---- zone_add_text ---- */

/* zone.h: a record line without a trailing dot is absolute (record = has no origin);
 * names become lower case; types other than MX, A, AAAA, CNAME, NS are ignored. */
Test(zone, add_text_names_are_absolute_and_canonical)
{
    struct zone *z = NULL;
    struct mx_err err = {0};
    cr_assert_eq(zone_new(&z), MX_OK);
    cr_assert_eq(zone_add_text(z, "Example.JP 120 IN MX 10 MX1.example.jp", &err), MX_OK);
    cr_assert_eq(zone_add_text(z, "mx1.example.jp. IN A 10.0.0.1", &err), MX_OK);
    cr_assert_eq(zone_add_text(z, "txt.example.jp. IN TXT \"v=spf1 -all\"", &err), MX_OK);
    assert_mx(z, "example.jp.", 1, (const uint16_t[]){10},
              (const char *const[]){"mx1.example.jp."});
    cr_assert_eq(zone_ttl(z, id_of(z, "example.jp."), ZONE_SET_MX), 120);
    /* Without a TTL: 3600 s. */
    cr_assert_eq(zone_ttl(z, id_of(z, "mx1.example.jp."), ZONE_SET_ADDR), 3600);
    cr_assert_eq(zone_name(z, "txt.example.jp."), ZONE_NONE);
    cr_assert_eq(zone_n_names(z), 2);
    zone_free(z);
}

#define TEXT_MSG(why, text)                                                                   \
    "expected a record such as \"example.jp. 300 IN MX 10 mx.example.jp.\" (" why "), got \"" \
    text "\""

/* STYLE 10: bad records give the exact message, naming what was expected and found. */
Test(zone, add_text_errors_have_exact_messages)
{
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"example.jp. 300 IN MX ten mx.example.jp.",
         TEXT_MSG("Syntax error, could not parse the RR's rdata",
                  "example.jp. 300 IN MX ten mx.example.jp.")},
        {"mx.example.jp. IN A 10.0.0", TEXT_MSG("Syntax error, could not parse the RR's rdata",
                                                "mx.example.jp. IN A 10.0.0")},
        {"mx.example.jp. IN AAAA 10.0.0.1",
         TEXT_MSG("Syntax error, could not parse the RR's rdata",
                  "mx.example.jp. IN AAAA 10.0.0.1")},
        {"", TEXT_MSG("Syntax error, could not parse the RR", "")},
    };
    for (size_t i = 0; i < MX_ARRAY_LEN(bad); i++) {
        struct zone *z = NULL;
        struct mx_err err = {0};
        cr_assert_eq(zone_new(&z), MX_OK);
        cr_assert_eq(zone_add_text(z, bad[i].text, &err), MX_EINPUT, "%s", bad[i].text);
        cr_assert_eq(err.status, MX_EINPUT);
        cr_assert_str_eq(err.msg, bad[i].msg);
        cr_assert_eq(zone_n_names(z), 0, "a failed record adds nothing");
        zone_free(z);
    }
}

/* RFC 2181 10.1: at most one CNAME per name; the same one twice is a duplicate. */
Test(zone, add_text_second_cname_is_an_error)
{
    struct zone *z = NULL;
    struct mx_err err = {0};
    cr_assert_eq(zone_new(&z), MX_OK);
    cr_assert_eq(zone_add_text(z, "a.jp. IN CNAME b.jp.", &err), MX_OK);
    cr_assert_eq(zone_add_text(z, "A.jp. IN CNAME B.jp.", &err), MX_OK);
    cr_assert_eq(zone_add_text(z, "a.jp. IN CNAME c.jp.", &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "a name has at most one CNAME record (RFC 2181 10.1), got a "
                              "second one for a.jp.");
    cr_assert_eq(zone_cname(z, id_of(z, "a.jp.")), id_of(z, "b.jp."));
    zone_free(z);
}

/* STYLE 5: a name mxsim cannot use (a wildcard, an escaped dot) is bad input (exit 2),
 * not "out of memory" (exit 3). */
Test(zone, unusable_owner_name_is_bad_input)
{
    struct zone *z = NULL;
    struct mx_err err = {0};
    cr_assert_eq(zone_new(&z), MX_OK);
    cr_assert_eq(zone_add_text(z, "*.example.jp. IN MX 10 mx.example.jp.", &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "expected an owner name of letters, digits, '-', '_' and dots "
                              "(no wildcards or escapes), got \"*.example.jp.\"");
    zone_free(z);
    load_fails("$ORIGIN example.jp.\nmail IN A 10.0.0.1\nfoo\\.bar IN A 10.0.0.2\n", 3,
               "expected an owner name of letters, digits, '-', '_' and dots "
               "(no wildcards or escapes), got \"foo\\.bar.example.jp.\"");
}

/* zone_canon_name: lower case, trailing dot; the root stays "."; exact message. */
Test(zone, canon_name_lowercases_and_adds_the_dot)
{
    char out[300];
    struct mx_err err = {0};
    cr_assert_eq(zone_canon_name("Mail1.Example.JP", out, sizeof out, &err), MX_OK);
    cr_assert_str_eq(out, "mail1.example.jp.");
    cr_assert_eq(zone_canon_name("example.jp.", out, sizeof out, &err), MX_OK);
    cr_assert_str_eq(out, "example.jp.");
    cr_assert_eq(zone_canon_name(".", out, sizeof out, &err), MX_OK);
    cr_assert_str_eq(out, ".");
    cr_assert_eq(zone_canon_name("bad..name", out, sizeof out, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "expected a domain name such as example.jp, got \"bad..name\"");
    cr_assert_eq(zone_canon_name("", out, sizeof out, &err), MX_EINPUT);
    cr_assert_str_eq(err.msg, "expected a domain name such as example.jp, got \"\"");
}

/* ---- zone file errors: file and line of the bad record, exact message ---- */

#define RDATA                                                                                 \
    "expected a record in master-file syntax (Syntax error, could not parse the RR's rdata)"

/* (a) Bad rdata on line 3, the file's last line, ending with a newline. */
Test(zone, bad_rdata_on_last_line_with_newline)
{
    load_fails("$ORIGIN example.jp.\n@ IN MX 10 mail1\n@ IN MX ten mail2\n", 3, RDATA);
}

/* (b) The same with no newline at the end of the file. */
Test(zone, bad_rdata_on_last_line_without_newline)
{
    load_fails("$ORIGIN example.jp.\n@ IN MX 10 mail1\n@ IN MX ten mail2", 3, RDATA);
}

/* The bad record's line, whatever follows: more records, comments, blank lines (ldns
 * counts the blank lines it skips after a record before it reports the error). */
Test(zone, bad_rdata_line_is_exact_whatever_follows)
{
    load_fails("$ORIGIN example.jp.\n@ IN MX 10 mail1\n@ IN MX ten mail2\nmail1 IN A 10.0.0.1\n",
               3, RDATA);
    load_fails("$ORIGIN example.jp.\n; c\n\n@ IN MX ten mail2\n; c\n\n", 4, RDATA);
    load_fails("$ORIGIN example.jp.\n@ IN MX ten mail2\n\n\n\nmail1 IN A 10.0.0.1\n", 2, RDATA);
    load_fails("$ORIGIN example.jp.\r\n@ IN MX ten mail2\r\n\r\n\r\n", 2, RDATA);
    load_fails("@ IN MX ten mail2.example.jp.\n\n", 1, RDATA);
}

/* (c) An error inside a record spanning lines in parentheses: the line where the
 * record ends. */
Test(zone, bad_multiline_record_reports_the_line_where_it_ends)
{
    load_fails("$ORIGIN example.jp.\n"
               "@ IN MX 10 mail1\n"
               "@ IN MX ( twenty   ; line 3\n"
               "          mail2    ; line 4\n"
               "        )          ; line 5\n"
               "mail1 IN A 10.0.0.1\n",
               5, RDATA);
    load_fails("$ORIGIN example.jp.\n"
               "@ IN MX ( 20\n"
               "          mail2\n"
               "          extra ) ; line 4\n"
               "\n"
               "\n",
               4,
               "expected a record in master-file syntax (Syntax error, superfluous text present)");
}

/* A record ldns accepts but the zone refuses (a second CNAME) has the same line rule. */
Test(zone, semantic_error_reports_the_records_line)
{
    load_fails("$ORIGIN example.jp.\n"
               "www IN CNAME mail1\n"
               "www IN CNAME (\n"
               "      mail2 )\n"
               "\n"
               "mail1 IN A 10.0.0.1\n",
               4, "a name has at most one CNAME record (RFC 2181 10.1), got a second one for "
                  "www.example.jp.");
}

/* (d) $INCLUDE is refused (docs/dns.md), at its line. */
Test(zone, include_is_refused_at_its_line)
{
    load_fails("$ORIGIN example.jp.\n@ IN MX 10 mail1\n$INCLUDE other.zone\nmail1 IN A 10.0.0.1\n",
               3, "$INCLUDE is not supported; list each file as its own [dns] zone = line");
}

/* (e) A missing file: its path, line 0 (none), the system's reason. */
Test(zone, missing_file_names_the_path)
{
    struct zone *z = NULL;
    struct mx_err err = {0};
    const char *path = "/tmp/mxsim-zone-no-such-dir/absent.zone";
    cr_assert_eq(zone_new(&z), MX_OK);
    cr_assert_eq(zone_add_file(z, path, &err), MX_EINPUT);
    cr_assert_eq(err.status, MX_EINPUT);
    cr_assert_str_eq(err.file, path);
    cr_assert_eq(err.line, 0);
    cr_assert_str_eq(err.msg, "cannot open the zone file: No such file or directory");
    zone_free(z);
}

/* (f) ZONE_MAX_SET: 4096 records of one type for one name load (duplicates do not
 * count); the 4097th is refused at its line, MX, address and NS alike. */
Test(zone, a_set_larger_than_a_dns_message_is_refused_at_its_line)
{
    static const char *const type[] = {"MX", "address", "NS"};
    for (size_t k = 0; k < 3; k++) {
        size_t cap = 64 * (ZONE_MAX_SET + 2);
        char *text = malloc(cap), *p = text;
        cr_assert_not_null(text);
        p += sprintf(p, "$ORIGIN example.jp.\n");
        for (int i = 0; i <= ZONE_MAX_SET; i++)
            for (int dup = 0; dup <= (i == 17); dup++) { /* record 0 again at 17: one record */
                int v = dup ? 0 : i;
                if (k == 0)
                    p += sprintf(p, "@ IN MX 10 m%d\n", v);
                else if (k == 1)
                    p += sprintf(p, "@ IN A 10.%d.%d.%d\n", v / 65536, v / 256 % 256, v % 256);
                else
                    p += sprintf(p, "@ IN NS ns%d\n", v);
            }
        char msg[200];
        snprintf(msg, sizeof msg, "expected at most 4096 %s records for example.jp. (a DNS "
                 "message holds 65,535 bytes: RFC 1035 4.2.2), got more", type[k]);
        /* line 1 is $ORIGIN, then 4096 distinct records and the duplicate */
        load_fails(text, 1 + ZONE_MAX_SET + 1 + 1, msg);
        /* without the last record: loads, with 4096 in the set */
        *strrchr(text, '@') = '\0';
        struct zf f;
        zf_write(&f, text);
        struct zone *z = NULL;
        struct mx_err err = {0};
        cr_assert_eq(zone_new(&z), MX_OK);
        cr_assert_eq(zone_add_file(z, f.path, &err), MX_OK, "%s", err.msg);
        size_t n = ZONE_MAX_SET; /* NS sets are kept but not exposed */
        uint32_t name = zone_name(z, "example.jp.");
        if (k == 0)
            zone_mx(z, name, &n);
        else if (k == 1)
            zone_addrs(z, name, &n);
        cr_assert_eq(n, ZONE_MAX_SET);
        zone_free(z);
        zf_fini(&f);
        free(text);
    }
}
