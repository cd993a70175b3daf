/* acceptor.h: the server application's side of accept().
 *
 * One acceptor per listener decides when accept() takes the head of the
 * accept queue: never; at a limited rate (fixed or exponential gaps); with a
 * pool of workers, each holding the connection it took for a service time; or
 * as an event loop that wakes (after a latency) when the queue is non-empty
 * and takes up to a batch per wake-up.  Stalls stop every kind from accepting
 * for a while.  Invariant: idle <= n_workers, and an idle worker exists only
 * while the accept queue is empty or the application is stalled.
 */
#ifndef TCPQSIM_ACCEPTOR_H
#define TCPQSIM_ACCEPTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "models/scenario.h"
#include "sim/event.h"

struct world;
struct listener;
struct conn;

struct acceptor_worker {
	struct sim_event done;  /* service time over */
	struct conn *conn;      /* connection held, NULL when idle */
	uint16_t listener;      /* owner */
	uint32_t index;         /* in the acceptor's array */
};

struct acceptor {
	const struct acceptor_spec *spec; /* borrowed from the scenario */
	struct acceptor_worker *workers;  /* workers (ACCEPTOR_WORKERS), or release slots */
	uint32_t *idle_stack;    /* indices of idle workers */
	uint32_t n_workers;      /* array size */
	uint32_t idle;           /* idle workers */
	struct sim_event tick;   /* rate: next accept allowed; event loop: wake-up */
	struct sim_event stall;  /* next stall start or end */
	bool ready;              /* rate: an accept() is allowed now */
	bool stalled;            /* inside a stall */
	uint32_t stall_next;     /* next stall in spec->stalls */
	uint64_t stall_round;    /* periodic stalls: repetition number */
	uint64_t accepted;       /* connections taken */
};

/* acceptor_init: set up the acceptor of listener `listener` (workers start
 * idle; stalls are scheduled).  Returns 0, -1 when out of memory. */
int acceptor_init(struct world *w, struct acceptor *a, const struct acceptor_spec *spec,
                  uint16_t listener);
void acceptor_fini(struct acceptor *a);

/* acceptor_notify: a child joined the accept queue of the listener. */
void acceptor_notify(struct world *w, struct listener *l);

/* acceptor_on_event: the acceptor's events (tick, stall, worker done). */
void acceptor_on_tick(struct world *w, struct listener *l);
void acceptor_on_stall(struct world *w, struct listener *l);
void acceptor_on_worker_done(struct world *w, struct acceptor_worker *wk);

#endif
