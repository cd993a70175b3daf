/* server_app.c: the server application above each listener (see
 * server_app.h). */
#include "models/server_app.h"

#include <stdlib.h>

#include "models/core.h"
#include "models/listener.h"

static sim_time_ns draw(struct world *w, const struct dist *d, uint16_t listener)
{
	if (d->kind == DIST_CONSTANT)
		return (sim_time_ns)d->a;
	return (sim_time_ns)dist_sample(d, &w->service_rng[listener]);
}

static sim_time_ns rate_gap(struct world *w, const struct acceptor_spec *sp, uint16_t listener)
{
	double mean_ns = 1e9 / sp->rate_per_s;
	if (!sp->exponential)
		return (sim_time_ns)(mean_ns + 0.5);
	struct dist d = {DIST_EXPONENTIAL, mean_ns, 0, NULL, 0};
	return (sim_time_ns)dist_sample(&d, &w->service_rng[listener]);
}

/* the next stall start strictly after `after`, and its length */
static sim_time_ns next_stall(const struct acceptor_spec *sp, sim_time_ns after, sim_time_ns *len)
{
	sim_time_ns best = SIM_TIME_NEVER;
	for (uint32_t i = 0; i < sp->n_stalls; i++) {
		const struct stall *st = &sp->stalls[i];
		sim_time_ns t = st->start;
		if (t <= after) {
			if (!st->every)
				continue;
			sim_time_ns k = (after - st->start) / st->every + 1;
			t = st->start + k * st->every;
		}
		if (t < best) {
			best = t;
			*len = st->length;
		}
	}
	return best;
}

/* ---- what it does with a connection ---------------------------------------- */

/* the application writes its greeting (greeting) or its response (request,
 * once the request is in) as soon as it has accepted */
static void respond(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	if (c->responded)
		return;
	if (p->after.kind == AFTER_GREETING || (p->after.kind == AFTER_REQUEST && c->has_data)) {
		c->responded = true;
		listener_child_write(w, c);
	}
}

/* accept() one connection, answer it, and hand it to worker wk (or to
 * nobody) */
static void take(struct world *w, struct server_app *a, struct app_worker *wk)
{
	struct listener *l = a->l;
	struct conn *c = listener_accept(w, l);
	if (!c)
		return;
	respond(w, c);
	w->res.accepted++;
	world_touch(w, c);
	if (!wk)
		/* the rate and event-loop applications close what they accept
		 * at once (kcheck does): of that close only the tcp_metrics
		 * update is modelled, the child stays as it is */
		listener_update_metrics(w, l, c);
	if (wk) {
		wk->conn = c;
		c->held = true;
		const struct dist *d = &a->spec->service;
		if (d->kind == DIST_CONSTANT)
			world_schedule_lane(w, &wk->done, w->q.now + (sim_time_ns)d->a,
			                    lane_key(LANE_SERVICE, l->index, (sim_time_ns)d->a));
		else
			world_schedule(w, &wk->done, w->q.now + draw(w, d, l->index));
	}
}

/* the worker's service time is over: it closes the connection without
 * reading what a holding client wrote */
static void close_child(struct world *w, struct server_app *a, struct conn *c)
{
	c->held = false;
	listener_child_close(w, a->l, c, c->has_data && world_pop_of(w, c)->after.kind == AFTER_HOLD);
}

/* ---- when it accepts ---------------------------------------------------- */

static void drain_workers(struct world *w, struct server_app *a)
{
	while (a->idle > 0 && a->l->accept_queue > 0) {
		struct app_worker *wk = &a->workers[a->idle_stack[--a->idle]];
		take(w, a, wk);
	}
}

/* accept_ready: a child joined the accept queue (or the stall ended) */
static void accept_ready(struct world *w, struct server_app *a)
{
	struct listener *l = a->l;
	if (a->stalled)
		return;
	switch (a->spec->kind) {
	case ACCEPTOR_NEVER:
		return;
	case ACCEPTOR_RATE:
		if (a->ready && l->accept_queue > 0) {
			a->ready = false;
			take(w, a, NULL);
			world_schedule(w, &a->tick, w->q.now + rate_gap(w, a->spec, l->index));
		}
		return;
	case ACCEPTOR_WORKERS:
		drain_workers(w, a);
		return;
	case ACCEPTOR_EVENT_LOOP:
		if (!sim_event_is_pending(&a->tick) && l->accept_queue > 0)
			world_schedule(w, &a->tick, w->q.now + draw(w, &a->spec->wake_latency, l->index));
		return;
	}
}

void server_app_wake(struct world *w, struct server_app *a, struct conn *c, unsigned wake)
{
	if (wake & LISTENER_WAKE_DATA)
		respond(w, c); /* the request is in */
	if (wake & LISTENER_WAKE_ACCEPT)
		accept_ready(w, a);
}

int server_app_init(struct world *w, struct server_app *a, const struct acceptor_spec *spec, struct listener *l)
{
	a->spec = spec;
	a->l = l;
	a->workers = NULL;
	a->idle_stack = NULL;
	a->n_workers = 0;
	a->idle = 0;
	sim_event_init(&a->tick, EV_ACCEPT_TICK);
	a->tick.aux = l->index;
	sim_event_init(&a->stall, EV_STALL);
	a->stall.aux = l->index;
	a->ready = true;
	a->stalled = false;
	if (spec->kind == ACCEPTOR_WORKERS) {
		a->n_workers = spec->workers;
		a->workers = calloc(a->n_workers, sizeof(*a->workers));
		a->idle_stack = calloc(a->n_workers, sizeof(*a->idle_stack));
		if (!a->workers || !a->idle_stack)
			return -1;
		for (uint32_t i = 0; i < a->n_workers; i++) {
			sim_event_init(&a->workers[i].done, EV_WORKER_DONE);
			a->workers[i].listener = l->index;
			a->workers[i].index = i;
			a->workers[i].conn = NULL;
			/* idle stack: worker 0 on top */
			a->idle_stack[i] = a->n_workers - 1 - i;
		}
		a->idle = a->n_workers;
	}
	sim_time_ns len = 0;
	sim_time_ns first = next_stall(spec, -1, &len);
	if (first != SIM_TIME_NEVER)
		world_schedule(w, &a->stall, first);
	return 0;
}

void server_app_fini(struct server_app *a)
{
	free(a->workers);
	free(a->idle_stack);
	a->workers = NULL;
	a->idle_stack = NULL;
}

void server_app_on_tick(struct world *w, struct server_app *a)
{
	struct listener *l = a->l;
	switch (a->spec->kind) {
	case ACCEPTOR_RATE:
		if (a->stalled || l->accept_queue == 0) {
			a->ready = true;
			return;
		}
		take(w, a, NULL);
		world_schedule(w, &a->tick, w->q.now + rate_gap(w, a->spec, l->index));
		return;
	case ACCEPTOR_EVENT_LOOP:
		if (a->stalled)
			return;
		for (uint32_t i = 0; i < a->spec->batch && l->accept_queue > 0; i++)
			take(w, a, NULL);
		if (l->accept_queue > 0)
			world_schedule(w, &a->tick, w->q.now + draw(w, &a->spec->wake_latency, l->index));
		return;
	default:
		return;
	}
}

void server_app_on_stall(struct world *w, struct server_app *a)
{
	struct listener *l = a->l;
	if (!a->stalled) {
		sim_time_ns len = 0;
		next_stall(a->spec, w->q.now - 1, &len);
		a->stalled = true;
		TRACE(w, NULL, l, "stall", PKT_NONE, TR_STALL);
		world_schedule(w, &a->stall, w->q.now + len);
		return;
	}
	a->stalled = false;
	TRACE(w, NULL, l, "resume", PKT_NONE, TR_RESUME);
	sim_time_ns len = 0;
	sim_time_ns next = next_stall(a->spec, w->q.now, &len);
	if (next != SIM_TIME_NEVER)
		world_schedule(w, &a->stall, next);
	if (a->spec->kind == ACCEPTOR_RATE && sim_event_is_pending(&a->tick))
		return;
	if (a->spec->kind == ACCEPTOR_RATE)
		a->ready = true;
	accept_ready(w, a);
}

void server_app_on_worker_done(struct world *w, struct app_worker *wk)
{
	struct server_app *a = &w->apps[wk->listener];
	struct conn *c = wk->conn;
	wk->conn = NULL;
	a->idle_stack[a->idle++] = wk->index;
	if (c) {
		close_child(w, a, c);
		world_touch(w, c);
	}
	if (!a->stalled)
		drain_workers(w, a);
}
