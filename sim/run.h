/* run.h -- one replication of a scenario: build the run state, run it, read results.
 * Owns:   struct run and everything in it (see model.h for which module writes what).
 * Seeds: every component's stream is seeded by rng_derive(seed, point, replication,
 *   "kind:NAME[#instance]"), so a component's draws depend only on its own name. */
#ifndef MXSIM_RUN_H
#define MXSIM_RUN_H

#include <stdint.h>

#include "model.h"

struct run_server_result {
    uint64_t accepted, refused, timed_out, tempfailed;
    uint32_t peak_sessions;
    double share, utilization;
};

struct run_result {
    uint64_t seed;
    uint64_t messages, delivered, bounced, queued_at_end;
    double delivered_fraction;
    double delay_mean, delay_p50, delay_p90, delay_p99, delay_max; /* seconds */
    double attempts_mean;
    double timeout_fraction; /* of finished messages, those that waited out a timeout */
    uint64_t deferrals;      /* deferrals, suspended ones included (R26, R32) */
    uint64_t suspended;      /* deferrals without a delivery: dead destination (R32) */
    double reused_fraction;  /* of delivered messages, those over a cached connection */
    uint64_t forwarded;      /* hand-overs from relay servers to their senders */
    double hop_delay_mean, hop_delay_p99; /* per hop, seconds; = delay without relays */
    uint64_t events;
    double end_time; /* simulated seconds when the run ended */
    struct run_server_result *server; /* n_servers entries, owned by the caller */
};

/* point and rep pick the streams (PRODUCT.md: seeds from seed, point, replication). */
int run_init(struct run *r, const struct scenario *s, uint64_t seed, uint64_t point, uint64_t rep,
             struct mx_err *err);
/* Runs arrivals for duration, then drains until no message is in flight or drain
 * has passed. MX_OK, MX_ENOMEM or MX_ELIMIT. */
int run_exec(struct run *r, struct mx_err *err);
/* Fills res (res->server must hold n_servers entries). */
void run_result(struct run *r, struct run_result *res);
void run_fini(struct run *r);
/* Asserts every module's invariants. */
void run_check(const struct run *r);

#endif
