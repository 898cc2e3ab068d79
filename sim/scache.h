/* scache.h -- Postfix's connection cache, one per sender instance (R37 to R44).
 * Owns:   struct conn records (the conns pool) and each instance's idle list.
 * Calls:  server_release for a connection it closes; loop_schedule for idle timers.
 * A cached connection keeps its smtpd process busy on the server (the server sees
 * an idle session), so cached connections count against process_limit.
 * Invariants: (1) an idle connection is on exactly one instance's list, oldest
 *   first, with one pending EV_CONN_IDLE whose seq is its idle_seq; (2) a connection
 *   carrying a delivery is on no list; (3) every conn holds one busy slot of its
 *   server. */
#ifndef MXSIM_SCACHE_H
#define MXSIM_SCACHE_H

#include <stdint.h>

#include "model.h"

/* R38 step 1: an idle connection bound to destination queue dq (oldest first,
 * R41), or MX_NONE. Connections to a server that has failed since are closed. */
uint32_t scache_take_hop(struct run *r, uint32_t inst, uint32_t dq);
/* R38 steps 2-3: an idle connection to addr, or MX_NONE. */
uint32_t scache_take_addr(struct run *r, uint32_t inst, uint32_t addr);
/* After a good delivery over conn c (made by scache_open if it was new): keep it
 * idle for smtp_connection_cache_time_limit, or close it if it is too old or too
 * used (R39, R40). */
void scache_put(struct run *r, uint32_t inst, uint32_t c);
/* A record for a new connection to server s at addr, bound to dq, opened at t. */
uint32_t scache_open(struct run *r, uint32_t s, uint32_t addr, uint32_t dq, mx_time t);
/* Closes a connection that is not on a list: frees its server slot. */
void scache_close(struct run *r, uint32_t c);
void scache_on_idle(void *run, const struct ev *ev);
void scache_check(const struct run *r, uint32_t inst);

#endif
