/* model.h -- one replication's run state, shared by the model modules.
 * Owns:   nothing itself: each field below names the module that owns it, and only
 *         that module's functions write it (STYLE 4).
 * A run is a value: everything a replication needs is reachable from struct run, and
 * nothing else is mutable, so tests and sweep workers make as many as they like. */
#ifndef MXSIM_MODEL_H
#define MXSIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "loop.h"
#include "pool.h"
#include "rng.h"
#include "resolver.h"
#include "scen.h"
#include "zone.h"

/* One row of trace.csv: what became of one connection attempt, or of a delivery
 * that ended without one. Built only when run->on_trace is set. */
enum trace_outcome {
    TR_DELIVERED, TR_REUSED, TR_REFUSED, TR_TIMEOUT, TR_GREETING_TIMEOUT, TR_DEFERRED,
    TR_SUSPENDED, TR_BOUNCED, TR_DNS_DEFER, TR_EXPIRED, TR_TEMPFAIL, TR_REJECTED
};
struct trace_row {
    mx_time time, latency; /* when it was known; how long since the attempt began */
    uint64_t message;
    uint32_t attempt, inst, addr, server; /* addr, server: MX_NONE when none */
    enum trace_outcome outcome;
};

/* Event kinds: the handler table (loop_on) is filled by run_init. */
enum ev_kind {
    EV_ARRIVAL,          /* traffic: ref = traffic index */
    EV_START,            /* sender: a message taken from a destination queue */
    EV_DNS_DONE,         /* sender: the delivery's DNS answers have come (R4, R60) */
    EV_CONNECT_FAIL,     /* sender: an attempt failed: timeout, RST, 4xx/5xx greeting (R18-R22) */
    EV_GREETING_TIMEOUT, /* sender: no greeting within smtp_helo_timeout (R20, R63) */
    EV_SESSION_END,      /* server: a session ended, the message is delivered */
    EV_RETRY,            /* sender: a deferred message is picked up by a scan (R34) */
    EV_FAULT,            /* fault: ref = fault index * 2 + (0 start, 1 end) */
    EV_SAMPLE,           /* run: a timeseries sample is due */
    EV_REVIVE,           /* qmgr: a dead destination's minimal_backoff_time is over (R32) */
    EV_CONN_IDLE,        /* scache: a cached connection idled out (R39) */
    EV_ADMIT,            /* qmgr: a message enters the active queue (R28) */
    EV_AGENT,            /* qmgr: a queue's head is ready to be selected (delivery_agent_delay) */
    EV_KINDS
};

#define MX_NONE UINT32_MAX
/* Addresses one delivery keeps in its try list. smtp_mx_address_limit is applied
 * first (R14); a limit of 0 (none) or above this cap is capped here (model.md). */
#define MX_TRY_MAX 16
/* Postfix's hopcount_limit (default 50): a message handed on this many times is in
 * a forwarding loop and bounces. */
#define MX_HOPCOUNT_LIMIT 50

enum msg_flag {
    MSG_COUNTED = 1,
    MSG_PAID_TIMEOUT = 2,
    MSG_SAVE = 4, /* cache its session (R37: the request's CONN_STORE) */
    MSG_LOAD = 8, /* look for a cached session (R37, R38: the request's CONN_LOAD) */
    /* trace_columns: its own values, in place of draws, each used once */
    MSG_OWN_WAIT = 16,     /* ready: its first delivery's wait for an agent (R29) */
    MSG_OWN_CONNECT = 32,  /* own_connect: its first session's, on a new connection */
    MSG_OWN_RSET = 64,     /* own_rset: its first session's, on a cached one (R38) */
    MSG_OWN_SESSION = 128, /* own_session: its first session's session_time */
};

/* A message in flight. Owned by sender.c; its prev/next links belong to whichever
 * queue holds it (a destination queue in sender.c, a backlog in server.c). */
struct msg {
    uint32_t inst;     /* sender instance */
    uint32_t dq;       /* destination queue (instance x nexthop) */
    uint64_t wait_seq; /* seq of the one event it waits for; survives pool_put */
    mx_time arrived;   /* at this hop's sender */
    mx_time origin;    /* at the first hop: end-to-end delay counts from here */
    uint32_t domain;   /* recipient domain: index into run->domains */
    uint32_t server;   /* server of the connection in progress, or MX_NONE */
    uint32_t prev, next;
    uint32_t attempts; /* deliveries started (R17: each is a fresh lookup and order) */
    uint8_t n_try, i_try;
    uint8_t flags;
    uint8_t outcome; /* enum dest_outcome of the lookup, while its answer is awaited */
    uint8_t pending; /* enum trace_outcome its EV_CONNECT_FAIL will report */
    uint8_t hops;    /* relay hand-overs so far */
    uint32_t conn;   /* the cached connection its session runs on, or MX_NONE */
    uint32_t hop;    /* the run->dest its delivery is trying now (R3) */
    mx_time conn_at; /* when its current connection was opened */
    uint64_t id;     /* 1, 2, ... in order of arrival: trace.csv's message */
    mx_time ready;   /* with MSG_OWN_WAIT: its trace row's delivery_agent_delay; in a
                        queue's FIFO: when it can be selected (qmgr.c) */
    mx_time own_connect, own_rset, own_session; /* with MSG_OWN_CONNECT, _RSET, _SESSION */
    mx_time started; /* its current delivery's start (sender_start): own_connect and
                        own_rset count from here */
    uint32_t try_addr[MX_TRY_MAX];
};

_Static_assert(offsetof(struct msg, wait_seq) == POOL_TAG_OFFSET, "wait_seq must be the pool tag");

/* What is left at now of a message's own connect or RSET latency (trace_columns),
 * or 0: the value is the whole setup of its delivery, as Postfix's delays= c is,
 * from the delivery's start, the lookup, the attempts that failed before (each
 * taking its own time) and a wait in a server's backlog included. */
static inline mx_time msg_own_left(const struct msg *mp, mx_time own, mx_time now)
{
    mx_time spent = now - mp->started;
    return own > spent ? own - spent : 0;
}

/* What a delivery's lookup found (R5 to R8). */
enum dest_outcome { DEST_OK, DEST_BOUNCE, DEST_DEFER };

struct dest_entry { /* one address of a delivery's list, with its MX preference (R10) */
    uint32_t addr;
    uint32_t host; /* the MX host (or the name itself) it belongs to: a zone name id */
    uint16_t pref;
};

struct dest_ranked { /* an address with a sort key: the orders of exim and sendmail */
    struct dest_entry e;
    uint64_t key;
    uint32_t pos;
};

/* What an exim or sendmail instance remembers of an address (R48, R52). */
struct hoststat {
    mx_time until; /* skipped by new deliveries until then */
    mx_time first; /* start of the current run of failures; -1: none */
    uint32_t n;    /* failures in exim's geometric phase */
};

struct dest_keyed { /* an MX record and its answer position: policy's sort key */
    struct zone_mx mx;
    uint32_t pos;
};

/* A nexthop (R1, R2), fixed for the run: what a delivery to it looks up. */
struct dest_plan; /* policy.c: a lookup whose list never changes */

struct dest {
    uint32_t name;    /* zone name id, or ZONE_NONE: no record names it */
    uint32_t literal; /* [192.0.2.1]: that address id; else ZONE_NONE */
    bool mx;          /* look up MX (no brackets) */
    bool relay;       /* it is the relayhost: hard failures defer (R7) */
    bool cache_always; /* listed in smtp_connection_cache_destinations (R37) */
    uint32_t next;    /* the next hop to try when this one fails (R3, R25), or MX_NONE */
    struct dest_plan *plan; /* owned: policy_plan(), or NULL */
};

struct dq { /* owned by qmgr.c: one per (instance, nexthop), R1 */
    uint32_t inst, dest; /* its instance, and its nexthop in run->dest */
    uint32_t busy;       /* deliveries running (R29) */
    uint32_t window;     /* deliveries allowed at once (R29 to R31) */
    uint32_t head, tail; /* waiting messages, FIFO */
    double fail_cohorts; /* R31 */
    mx_time last_done;   /* when the last delivery ended; -1: none since creation */
    uint64_t revive_seq; /* the EV_REVIVE this dead queue waits for */
    uint64_t agent_seq;  /* the EV_AGENT for its head's ready time, or 0 */
    mx_time agent_at;    /* when that EV_AGENT comes */
    bool exists;         /* deleted when empty (R29) */
    bool dead;           /* R32 */
    bool fresh;          /* the next failure cuts by 2 (R31) */
    bool cache_load;     /* R37: deliveries look in the cache (Postfix's CONN_LOAD) */
    bool cache_store;    /* R37: deliveries save their sessions (CONN_STORE) */
};

/* A connection in an instance's cache (R37 to R44). Owned by scache.c. */
struct conn {
    uint32_t server, addr;
    uint64_t idle_seq; /* the EV_CONN_IDLE it waits for; survives pool_put */
    mx_time started;   /* when the connection was opened (R40) */
    uint32_t dq;       /* the nexthop it is bound to (R39) */
    uint32_t prev, next;
    uint32_t uses;     /* deliveries it has carried */
};
_Static_assert(offsetof(struct conn, idle_seq) == POOL_TAG_OFFSET, "idle_seq is the pool tag");

struct inst { /* owned by sender.c; the cache list by scache.c */
    struct rng_stream rng;
    uint32_t cache_head, cache_tail; /* idle cached connections, oldest first */
    uint32_t sender;  /* index into scenario senders */
    uint32_t dq_base; /* its destination queues: dq_base + nexthop index */
    uint32_t resolver; /* index into run->res */
    uint64_t process_seed; /* sendmail's per-process mxrand seed (R51) */
    /* R28, owned by qmgr.c: messages in the active queue, and those waiting to enter
     * it, new mail first, then deferred mail whose scan came. */
    uint32_t active;
    uint32_t in_head, in_tail, re_head, re_tail;
    struct hoststat *hs;   /* exim, sendmail: per address, made at the first failure */
    uint32_t deferred;
};

struct srv { /* owned by server.c */
    const struct scen_server *cfg;
    struct rng_stream rng;
    uint32_t busy;
    uint32_t bl_head, bl_tail, bl_len; /* the listen backlog, FIFO (R67) */
    uint32_t faults[FAULT_MODES]; /* open fault windows, by mode */
    double slow_factor;           /* of the last slow window opened */
    /* counters, from warmup on */
    uint64_t accepted, refused, timed_out, tempfailed;
    struct srv_count { /* whatever the warmup: for timeseries deltas */
        uint64_t accepted, refused, timed_out, tempfailed;
    } all;
    uint32_t peak;
    mx_time last_change;
    unsigned __int128 busy_area; /* sessions x ns, from warmup on */
};

struct series;
struct traffic_rt { /* owned by traffic.c */
    struct rng_stream rng;
    struct series *trace;   /* arrivals = trace(): the open file, streamed */
    mx_time next_own[SCEN_OWN_KINDS]; /* trace_columns: the pending arrival's own values
                                    (enum scen_own), -1 where it has none */
    uint32_t nexthop; /* index into the sender's nexthops */
    uint32_t domain;  /* index into run->domains */
};

struct run_totals { /* owned by sender.c */
    uint64_t messages, delivered, bounced;
    uint64_t in_flight; /* counted messages not yet delivered or bounced */
    uint64_t paid_timeout; /* finished counted messages that waited out a timeout */
    uint64_t suspended;    /* deferrals without a delivery: dead destination (R32) */
    uint64_t deferrals;    /* all deferrals, suspended ones included */
    uint64_t reused;       /* deliveries over a cached connection (R38) */
    uint64_t forwarded;    /* hand-overs from a relay server to its sender */
    struct hist hop_delay; /* per hop: from a sender's acceptance to its delivery */
    uint64_t attempts; /* over finished counted messages */
    struct hist delay;
};

struct run {
    const struct scenario *scen;
    struct loop loop;
    struct pool msgs;
    struct pool conns;
    mx_time end_of_arrivals, end_of_drain;
    struct inst *inst;
    uint32_t n_inst;
    uint32_t *inst_base;   /* per sender: its first instance */
    struct dest *dest;     /* per (sender, nexthop): dest_base[sender] + i; then hop chains */
    uint32_t n_dest;
    uint32_t *dest_base;   /* per sender */
    uint32_t *n_nexthops;  /* per sender */
    uint32_t *hop_of;      /* per sender x domain: its nexthop index (transport, relayhost) */
    const char **domains;  /* the recipient domains of all traffic, first seen first */
    uint32_t n_domains;
    struct dq *dq;
    uint32_t *addr_server; /* address id -> server index or MX_NONE */
    struct srv *srv;
    struct traffic_rt *traffic;
    struct rng_stream *fault_rng; /* per fault: its up and down times (random faults) */
    uint32_t *addr_faults;        /* per address x FAULT_MODES: open windows; or NULL */
    struct resolver_auth auth;  /* the authoritative side of DNS, shared */
    struct resolver_rt *res;    /* named resolvers, then one per instance without one */
    uint32_t n_res;
    struct dest_entry *scratch; /* policy's address list, grown on demand */
    uint32_t n_scratch;
    uint32_t *perm;             /* resolver answer orders: 3 x zone_max_set */
    struct dest_keyed *mx_order; /* zone_max_set */
    struct dest_ranked *ranked;  /* policy_rank's sort buffer, grown on demand */
    uint32_t n_ranked;
    struct run_totals totals;
    uint32_t *deferred;    /* per sender: messages in its instances' deferred queues */
    /* --trace: on_trace(trace_ctx, row) for every attempt and outcome (trace.h). */
    void (*on_trace)(void *ctx, const struct trace_row *row);
    void *trace_ctx;
    uint64_t next_msg_id;
    /* Timeseries: on_sample(sample_ctx, run) every sample_every while the run lasts. */
    mx_time sample_every;  /* 0 = no samples */
    void (*on_sample)(void *ctx, const struct run *r);
    void *sample_ctx;
};

#endif
