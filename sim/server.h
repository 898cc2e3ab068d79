/* server.h -- an SMTP server: listening addresses, sessions, the listen backlog.
 * Owns:   struct srv (session count, backlog queue, fault state, counters).
 * Reads:  its const struct scen_server; the clock.
 * Calls:  loop_schedule for session ends. Never sender internals beyond a message's
 *         wait_seq, server and backlog links.
 * Invariants: (1) busy <= cfg->process_limit; (2) bl_len <= cfg->backlog;
 *   (3) a connection is in exactly one place: the backlog, a session, or gone;
 *   (4) a message in the backlog or a session has m->server == this server. */
#ifndef MXSIM_SERVER_H
#define MXSIM_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

enum connect_result {
    CONNECT_SESSION, /* a slot was free: the session runs; EV_SESSION_END is scheduled */
    CONNECT_QUEUED,  /* all slots busy, the backlog had room: waiting for the greeting */
    CONNECT_REFUSED, /* RST: fault "refused", or when_full = refuse (R18, R65) */
    CONNECT_TIMEOUT, /* no SYN-ACK: fault "blackhole", or a full backlog (R19, R64) */
    CONNECT_TEMPFAIL, /* a 421 greeting: fault "tempfail" (R21) */
    CONNECT_REJECT,  /* a 5xx greeting: fault "reject" (R22) */
    CONNECT_MUTE,    /* connected, no greeting ever: fault "nogreet" (R20) */
};

int server_init(struct run *r, uint32_t s, uint64_t seed);
void server_fini(struct srv *srv);
/* A new connection from message m, whose handshake takes connect (the sender's
 * connect_latency draw): a session then lasts connect + a session_time draw.
 * SIMPLIFICATION(R18): the worker is taken at once, not after the handshake. */
enum connect_result server_connect(struct run *r, uint32_t s, uint32_t addr, uint32_t m,
                                   mx_time connect);
/* The message waiting in the backlog gave up (greeting timeout): remove it. */
void server_abandon(struct run *r, uint32_t s, uint32_t m);
/* A session ended with a delivery. keep: the connection stays open in the sender's
 * cache, holding its worker (R39); else the worker takes the next waiting
 * connection. */
void server_session_end(struct run *r, uint32_t s, bool keep);
/* A cached connection closed: its worker takes the next waiting connection. */
void server_release(struct run *r, uint32_t s);
/* A delivery over a connection that already holds a worker (R38); its session is
 * longer by rset, the RSET probe's round trip. */
void server_reuse(struct run *r, uint32_t s, uint32_t m, mx_time rset);
/* A fault window is open on the server or on addr: new connections fail, cached
 * ones are found dead. */
bool server_down(const struct run *r, uint32_t s, uint32_t addr);
/* A fault window opens (+1) or closes (-1); factor is slow's. */
void server_fault(struct run *r, uint32_t s, enum scen_fault_mode mode, double factor, int delta);
/* Brings the busy-time integral up to now; call before reading counters. */
void server_settle(struct run *r, uint32_t s);
void server_check(const struct run *r, uint32_t s);

#endif
