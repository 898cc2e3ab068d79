/* scen.h -- a scenario: the INI file as a const, validated model description.
 * Owns:   everything built from the file (names, records, configs); freed by
 *         scen_free(). Built once, then read-only (const struct scenario *).
 * Reads:  the file through inih, values through units and dist, records through
 *         zone. Knows nothing of the run.
 * Errors: FILE:LINE: [section NAME] key: what was expected, got "..." with a
 *   did-you-mean for unknown sections, keys and references (STYLE 5). */
#ifndef MXSIM_SCEN_H
#define MXSIM_SCEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "grid.h"
#include "mx.h"

struct zone;

/* Caps on what a scenario may hold (docs/scenario.md). */
#define SCEN_MAX_INSTANCES 1000000
#define SCEN_MAX_LINE 1000
#define SCEN_MAX_SAMPLES 1000000
#define SCEN_MAX_ENTRIES 1000000 /* section headers and key lines, --set included */

struct scen_sim {
    mx_time duration, drain, warmup;
    mx_time sample; /* timeseries interval */
    long replications;
    uint64_t seed;
};

enum scen_mta { MTA_POSTFIX, MTA_ORDERED, MTA_EXIM, MTA_SENDMAIL };

/* One next hop of a relayhost or smtp_fallback_relay list (R2, R3). */
struct scen_hop {
    const char *target; /* canonical name, or address text for a literal */
    bool mx;            /* host or domain: MX lookup, then addresses */
    bool literal;       /* [192.0.2.1]: that address only */
};

/* How a record set is ordered (resolver.h): the same words serve rrset_order and
 * rotate ("no" for rotate is ORDER_FIXED). */
enum scen_order { ORDER_FIXED, ORDER_CYCLIC, ORDER_RANDOM, ORDER_ROUNDROBIN };

struct scen_resolver {
    const char *name;
    int line;
    enum scen_order rrset_order; /* the authority's order per fetch (R55, R57) */
    int cache;                   /* keep fetched sets for their TTL (R58) */
    enum scen_order rotate;      /* reorder every answer (R55 BIND, R56 unbound) */
    struct dist latency;         /* per fetch; cache hits cost nothing (R60) */
};

#define SCEN_PRIVATE_RESOLVER ((size_t)-1)
#define SCEN_NO_FORWARD ((size_t)-1)

/* Postfix main.cf parameters the model reads, under their own names, with Postfix
 * 3.7's defaults (postfix-behaviour.md gives the rule of each). */
struct scen_sender {
    const char *name;
    int line;
    enum scen_mta mta;
    long instances;
    const char *relayhost;              /* as written; "" = the recipient domain (R1) */
    const char *smtp_fallback_relay;    /* as written (R3, R25) */
    /* Both parsed (R2, R3): n_relay relayhost hops, then the fallback relays. */
    struct scen_hop *hops;
    size_t n_relay, n_hops;
    /* transport (mxsim's inline transport(5) table): per domain, its own next hop */
    const char *transport;
    const char **transport_domain; /* canonical */
    struct scen_hop *transport_hop;
    size_t n_transport;
    /* The first relayhost hop, or NULL target without a relayhost. */
    const char *relay_target;
    bool relay_mx, relay_literal;
    int smtp_randomize_addresses;       /* R11, R12 */
    mx_time smtp_connect_timeout;       /* R19 */
    mx_time smtp_helo_timeout;          /* R20, R63 */
    long smtp_mx_address_limit;         /* R14 */
    int smtp_skip_5xx_greeting;         /* R22 */
    long initial_destination_concurrency;           /* R29 */
    long default_destination_concurrency_limit;     /* R29 */
    long smtp_destination_concurrency_limit;        /* R29: $default_... */
    long default_destination_concurrency_failed_cohort_limit; /* R31 */
    long smtp_destination_concurrency_failed_cohort_limit;    /* R31: $default_... */
    int smtp_connection_cache_on_demand;            /* R37 */
    const char *smtp_connection_cache_destinations; /* R37 */
    mx_time smtp_connection_cache_time_limit;       /* R39 */
    mx_time connection_cache_ttl_limit;             /* R39 */
    mx_time smtp_connection_reuse_time_limit;       /* R40 */
    long smtp_connection_reuse_count_limit;         /* R40 */
    mx_time minimal_backoff_time;       /* R33 */
    mx_time maximal_backoff_time;       /* R33 */
    mx_time queue_run_delay;            /* R34 */
    mx_time maximal_queue_lifetime;     /* R35 */
    long qmgr_message_active_limit;     /* R28 */
    size_t resolver; /* index into resolvers, or SCEN_PRIVATE_RESOLVER: one per instance */
    struct dist connect_latency; /* mxsim's own: time to a SYN-ACK or RST (R18) */
    struct dist rset_latency;    /* mxsim's own: a cached session's probe (R38); unset:
                                  * connect_latency */
    /* mxsim's own: from the queue manager's selection of a delivery to its smtp
     * process starting it; the delivery holds its window slot meanwhile (R29) */
    struct dist delivery_agent_delay;
};

enum scen_when_full { FULL_WAIT, FULL_REFUSE, FULL_DROP };

struct scen_server {
    const char *name;
    int line;
    const char *site;     /* a group of servers that can fail together; "" = none */
    size_t forward;       /* the sender it hands accepted mail to, or SCEN_NO_FORWARD */
    const char **address; /* canonical text */
    size_t n_address;
    long process_limit;
    long backlog;
    enum scen_when_full when_full;
    struct dist session_time;
};

enum scen_fault_mode {
    FAULT_REFUSED, FAULT_BLACKHOLE, FAULT_SERVFAIL, FAULT_TEMPFAIL, FAULT_REJECT, FAULT_NOGREET,
    FAULT_SLOW, FAULT_MODES
};
enum scen_fault_target { TARGET_SERVER, TARGET_DNS, TARGET_NAME, TARGET_ADDR, TARGET_SITE };


struct scen_fault {
    const char *name;
    int line;
    enum scen_fault_target target;
    size_t server;        /* TARGET_SERVER: index into servers */
    const char *dns_name; /* TARGET_NAME: canonical name */
    const char *addr;     /* TARGET_ADDR: canonical address */
    size_t *site;         /* TARGET_SITE: the servers of the site */
    size_t n_site;
    enum scen_fault_mode mode;
    double factor;        /* slow: session time x factor */
    /* Timing: windows (at, len; len == MX_TIME_MAX: for ever), or random up/down */
    const char *at_text, *for_text, *mtbf_text, *mttr_text, *uptime_text, *downtime_text;
    const char *factor_text;
    mx_time *at, *len;
    size_t n_windows;
    bool random;
    struct dist up, down; /* random: time up before each failure, and down */
};

enum scen_arrivals { ARRIVALS_POISSON, ARRIVALS_CONSTANT, ARRIVALS_TRACE };

/* What a trace's column after the time can give each message, in place of a draw
 * (trace_columns): its first delivery's wait for a delivery agent (R29), and its
 * first session's connect or RSET latency and session time (R18, R38). */
enum scen_own { SCEN_OWN_AGENT_WAIT, SCEN_OWN_CONNECT, SCEN_OWN_RSET, SCEN_OWN_SESSION, SCEN_OWN_KINDS };
extern const char *const scen_own_names[SCEN_OWN_KINDS]; /* their trace_columns names */

#define SCEN_MAX_PROFILE_ROWS 1000000

struct scen_traffic {
    const char *name;
    int line;
    size_t sender;   /* index into senders */
    const char *to;  /* recipient domain, canonical (lower case, trailing dot) */
    double rate_per_s;
    enum scen_arrivals arrivals;
    const char *arrivals_text, *profile_text;
    const char *trace_path;  /* ARRIVALS_TRACE: the CSV of arrival times */
    const char *trace_columns_text;
    /* trace_columns: the columns after the time, in file order: what each gives
     * (own_kind) and its name (own_name, for series_columns); n_own = 0: none */
    unsigned n_own;
    enum scen_own own_kind[SCEN_OWN_KINDS];
    const char *own_name[SCEN_OWN_KINDS];
    /* profile: rate x mult[i] from time[i] on (piecewise constant), repeating every
     * period (the last row's time); n_profile = 0: none */
    mx_time *profile_time;
    double *profile_mult;
    size_t n_profile;
    mx_time profile_period;
    double profile_max;
};

struct scen_expect {
    const char *text; /* the line as written, kept for `check` */
    int line;
};

struct scenario {
    const char *path;
    struct scen_sim sim;
    struct zone *zone;
    struct scen_resolver *resolvers;
    size_t n_resolvers;
    struct scen_resolver default_resolver; /* what a sender without resolver = gets */
    struct scen_sender *senders;
    size_t n_senders;
    struct scen_server *servers;
    size_t n_servers;
    struct scen_fault *faults;
    size_t n_faults;
    struct scen_traffic *traffic;
    size_t n_traffic;
    struct scen_expect *expects;
    size_t n_expects;
    struct grid grid;      /* the sweep's variables (none: one point) */
    uint64_t point;        /* the point of the grid this scenario was built for */
    const char **warnings; /* "FILE:LINE: [sender x] key: ..." lines for cli to print */
    size_t n_warnings;
    void *mem; /* owned allocations */
};

/* Loads path, applies the n_set "KEY=VALUE" overrides (section.key or
 * "section NAME.key"), validates. On success *out owns everything. A sweep's
 * ${...} values take their values at point (scen_load: point 0); s->grid tells how
 * many points there are. */
int scen_load(const char *path, const char *const *sets, size_t n_set, struct scenario **out,
              struct mx_err *err);
int scen_load_point(const char *path, const char *const *sets, size_t n_set, uint64_t point,
                    struct scenario **out, struct mx_err *err);
/* Only the [expect] lines (s->expects), for checking a finished run's directory:
 * nothing else is read, so the zone files it named need not be there. */
int scen_load_expects(const char *path, struct scenario **out, struct mx_err *err);
void scen_free(struct scenario *s);


#endif
