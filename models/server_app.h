/* server_app.h: the server application above each listener.
 *
 * It decides when accept() takes the head of the accept queue: never; at a
 * limited rate (fixed or exponential gaps); with a pool of workers, each
 * holding the connection it took for a service time and then closing it; or
 * as an event loop that wakes (after a latency) when the queue is non-empty
 * and takes up to a batch per wake-up.  Stalls stop every kind from accepting
 * for a while.  Once it has accepted a connection it writes its greeting, or
 * its response once the request is in.  It is woken with what a segment woke
 * on the listener (sk_data_ready, server_app_wake); it calls the listener's
 * accept(), write and close.  Invariant: idle <= n_workers, and an idle
 * worker exists only while the accept queue is empty or the application is
 * stalled.
 */
#ifndef TCPQSIM_SERVER_APP_H
#define TCPQSIM_SERVER_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "models/scenario.h"
#include "sim/event.h"

struct world;
struct listener;
struct conn;

struct app_worker {
	struct sim_event done;  /* service time over */
	struct conn *conn;      /* connection held, NULL when idle */
	uint16_t listener;      /* owner */
	uint32_t index;         /* in the application's array */
};

struct server_app {
	const struct acceptor_spec *spec; /* borrowed from the scenario */
	struct listener *l;      /* the listener it accepts from */
	struct app_worker *workers; /* workers (ACCEPTOR_WORKERS) */
	uint32_t *idle_stack;    /* indices of idle workers */
	uint32_t n_workers;      /* array size */
	uint32_t idle;           /* idle workers */
	struct sim_event tick;   /* rate: next accept allowed; event loop: wake-up */
	struct sim_event stall;  /* next stall start or end */
	bool ready;              /* rate: an accept() is allowed now */
	bool stalled;            /* inside a stall */
};

/* server_app_init: set up the application of listener l (workers start
 * idle; stalls are scheduled).  Returns 0, -1
 * when out of memory. */
int server_app_init(struct world *w, struct server_app *a, const struct acceptor_spec *spec, struct listener *l);
void server_app_fini(struct server_app *a);

/* server_app_wake: what a segment of attempt c woke on the listener
 * (LISTENER_WAKE_ bits of listener_rcv): the reader of c's accepted child,
 * then the accept queue's. */
void server_app_wake(struct world *w, struct server_app *a, struct conn *c, unsigned wake);

/* the application's events: its tick, a stall's start or end, a worker's
 * service time over */
void server_app_on_tick(struct world *w, struct server_app *a);
void server_app_on_stall(struct world *w, struct server_app *a);
void server_app_on_worker_done(struct world *w, struct app_worker *wk);

#endif
