/* world.c: building, running and tearing down one simulated run (world.h):
 * the parts of the model are built here, and the event loop hands each event
 * to the part that owns it; the parts never call back into this file. */
#include "models/world.h"

#include <stdlib.h>
#include <string.h>

#include "models/client.h"
#include "models/core.h"
#include "models/listener.h"
#include "models/network.h"
#include "models/server_app.h"
#include "models/workload.h"

static const char *const outcome_names[] = {
#define X(id, name, text) name,
	OUTCOME_LIST(X)
#undef X
};
static const char *const outcome_texts[] = {
#define X(id, name, text) text,
	OUTCOME_LIST(X)
#undef X
};

const char *outcome_name(enum outcome o)
{
	return o < OUTCOME_COUNT ? outcome_names[o] : "?";
}

const char *outcome_text(enum outcome o)
{
	return o < OUTCOME_COUNT ? outcome_texts[o] : "?";
}

/* the attempt's record, into the results and out through the hook */
static void finish_attempt(struct world *w, struct conn *c)
{
	struct world_results *r = &w->res;
	const struct client_pop *p = world_pop_of(w, c);
	if (p->spoofed)
		return;
	struct attempt_rec a = {
		.id = c->id,
		.pop = c->pop,
		.listener = c->listener,
		.syns = c->syns,
		.app_try = c->app_try,
		.outcome = (enum outcome)c->outcome,
		.start = c->start,
		.request_start = c->user_started,
		.connect_at = c->connect_at,
		.served_at = c->served_at,
		.accepted_at = c->accepted_at,
		.queued_at = c->queued_at,
		.end = w->q.now,
		.cookie = c->cookie_isn,
		.counted = c->start >= w->s->warmup,
	};
	if (a.counted) {
		struct pop_results *pr = &r->pops[a.pop];
		r->attempts++;
		r->outcomes[a.outcome]++;
		pr->attempts++;
		pr->outcomes[a.outcome]++;
		if (a.queued_at >= 0 && a.accepted_at >= 0) {
			hist_record(&r->accept_wait, a.accepted_at - a.queued_at);
			hist_record(&pr->accept_wait, a.accepted_at - a.queued_at);
		}
		if (a.served_at >= 0) {
			hist_record(&r->first_byte, a.served_at - a.start);
			hist_record(&pr->first_byte, a.served_at - a.start);
		}
		if (a.connect_at >= 0) {
			uint32_t k = a.syns > 0 ? a.syns - 1 : 0;
			r->connected_by_syns[k < WORLD_MAX_SYNS ? k : WORLD_MAX_SYNS - 1]++;
			hist_record(&r->connect_time, a.connect_at - a.start);
			hist_record(&pr->connect_time, a.connect_at - a.start);
			if (fixed_hist_record(&r->connect_time_bins, a.connect_at - a.start) < 0)
				world_fail(w);
			/* what the user waits for: the server's first bytes when it
			 * expects them, connect() for a client that only holds */
			sim_time_ns got = p->after.kind == AFTER_HOLD ? a.connect_at : a.served_at;
			if (got >= 0) {
				hist_record(&r->request_time, got - a.request_start);
				hist_record(&pr->request_time, got - a.request_start);
			}
			if (a.accepted_at >= 0)
				hist_record(&r->accept_gap, a.accepted_at - a.connect_at);
			else
				r->connected_never_accepted++;
		} else if ((a.outcome == OUTCOME_TIMED_OUT || a.outcome == OUTCOME_REFUSED ||
		            a.outcome == OUTCOME_CONNECT_TIMEOUT) &&
		           a.app_try >= w->s->pops[a.pop].app_retries) {
			r->requests_failed++;
		}
	}
	if (w->hooks.attempt)
		w->hooks.attempt(w->hooks.ctx, &a);
}

static bool server_done(const struct conn *c)
{
	return c->server_state == SERVER_NONE || c->server_state == SERVER_CLOSED ||
	       (c->server_state == SERVER_ACCEPTED && !c->held);
}

static void maybe_release(struct world *w, struct conn *c)
{
	if (c->client_state != CLIENT_GONE || c->in_flight || !server_done(c) ||
	    sim_event_is_pending(&c->synack_timer))
		return;
	if (sim_event_is_pending(&c->client_timer) || sim_event_is_pending(&c->client_deadline))
		abort(); /* a timer of a freed conn would fire: the results would be corrupt */
	finish_attempt(w, c);
	c->live_prev->live_next = c->live_next;
	c->live_next->live_prev = c->live_prev;
	w->live_conns--;
	pool_put(&w->conns, c);
}

static void on_end(struct world *w, struct sim_event *ev)
{
	if (ev->aux == 0) {
		/* the arrivals are over */
		w->arrivals_done = true;
		return;
	}
	w->done = true; /* the drain cap */
}

static void take_snapshot(struct world *w, sim_time_ns t, sim_time_ns ended_at)
{
	struct world_snapshot snap;
	memset(&snap, 0, sizeof(snap));
	struct snapshot_listener *ls = calloc(w->n_listeners, sizeof(*ls));
	if (!ls) {
		world_fail(w);
		return;
	}
	struct snapshot_request *rq = calloc(WORLD_SNAPSHOT_REQUESTS, sizeof(*rq));
	if (!rq) {
		free(ls);
		world_fail(w);
		return;
	}
	snap.requests = rq;
	snap.t = t;
	snap.ended_at = ended_at;
	snap.n_listeners = w->n_listeners;
	snap.listeners = ls;
	for (uint32_t i = 0; i < w->n_listeners; i++) {
		const struct listener *l = &w->listeners[i];
		ls[i].syn_queue = l->syn_queue;
		ls[i].accept_queue = l->accept_queue;
		ls[i].backlog = l->n;
		memcpy(ls[i].counters, l->counters, sizeof(l->counters));
	}
	for (const struct conn *c = w->live.live_next; c != &w->live; c = c->live_next) {
		if (c->server_state == SERVER_REQUEST && snap.n_requests < WORLD_SNAPSHOT_REQUESTS)
			rq[snap.n_requests++] = (struct snapshot_request){c->id, c->pop, c->listener};
		if (w->s->pops[c->pop].spoofed) {
			snap.server_syn_recv += c->server_state == SERVER_REQUEST;
			continue;
		}
		switch (c->client_state) {
		case CLIENT_SYN_SENT:
			snap.client_syn_sent++;
			break;
		case CLIENT_ESTABLISHED:
			snap.client_established++;
			break;
		case CLIENT_FIN_WAIT1:
			snap.client_fin_wait++;
			break;
		default:
			break;
		}
		bool client_open = c->client_state == CLIENT_ESTABLISHED || c->client_state == CLIENT_SYN_SENT;
		switch (c->server_state) {
		case SERVER_REQUEST:
			snap.server_syn_recv++;
			break;
		case SERVER_ACCEPT_QUEUE:
		case SERVER_ACCEPTED:
			if (c->server_state == SERVER_ACCEPTED && !c->held)
				break; /* the application is done with it */
			if (client_open)
				snap.server_established++;
			else
				snap.server_close_wait++;
			break;
		default:
			break;
		}
	}
	memcpy(snap.outcomes, w->settled, sizeof(snap.outcomes));
	w->hooks.snapshot(w->hooks.ctx, &snap);
	free(rq);
	free(ls);
}

static void on_snapshot(struct world *w)
{
	take_snapshot(w, w->q.now, -1);
	if (++w->next_snapshot < w->hooks.n_snapshots)
		world_schedule(w, &w->snapshot_ev, w->hooks.snapshot_times[w->next_snapshot]);
}

static void emit_sample(struct world *w)
{
	struct sample_rec r;
	memset(&r, 0, sizeof(r));
	r.t = w->q.now;
	for (uint32_t i = 0; i < w->n_listeners; i++) {
		const struct listener *l = &w->listeners[i];
		r.syn_queue += l->syn_queue;
		r.accept_queue += l->accept_queue;
		for (int k = 0; k < LISTENER_COUNTER_COUNT; k++)
			r.counters[k] += l->counters[k];
	}
	memcpy(r.outcomes, w->settled, sizeof(r.outcomes));
	r.client_established = w->client_established;
	r.client_syn_sent = w->client_syn_sent;
	w->hooks.sample(w->hooks.ctx, &r);
}

static void on_sample(struct world *w)
{
	emit_sample(w);
	w->next_sample = w->q.now + w->s->sample_interval;
	world_schedule(w, &w->sample_ev, w->next_sample);
}

struct world *world_create(const struct scenario *s, const struct world_hooks *hooks)
{
	struct world *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->s = s;
	if (hooks)
		w->hooks = *hooks;
	if (sim_queue_init(&w->q) < 0)
		goto fail;
	pool_init(&w->conns, sizeof(struct conn), 4096);
	pool_init(&w->packets, sizeof(struct packet), 4096);
	w->live.live_next = w->live.live_prev = &w->live;
	if (hist_init(&w->res.connect_time) < 0 || hist_init(&w->res.accept_gap) < 0 ||
	    hist_init(&w->res.request_time) < 0 || hist_init(&w->res.accept_wait) < 0 ||
	    hist_init(&w->res.first_byte) < 0)
		goto fail;
	for (uint32_t p = 0; p < s->n_pops; p++) {
		struct pop_results *pr = &w->res.pops[p];
		if (hist_init(&pr->connect_time) < 0 || hist_init(&pr->accept_wait) < 0 ||
		    hist_init(&pr->first_byte) < 0 || hist_init(&pr->request_time) < 0)
			goto fail;
	}
	fixed_hist_init(&w->res.connect_time_bins, s->hist_bin > 0 ? s->hist_bin : 10 * SIM_NS_PER_MS,
	                1u << 22);
	if (rng_stream_init(&w->server_rng, s->seed, s->replication, STREAM_SERVER) < 0 ||
	    rng_stream_init(&w->hash_rng, s->seed, s->replication, STREAM_HASH) < 0)
		goto fail;
	for (uint32_t p = 0; p < s->n_pops; p++) {
		struct pop_state *ps = &w->pops[p];
		if (rng_stream_init(&ps->arrivals, s->seed, s->replication, STREAM_ARRIVAL + p) < 0 ||
		    rng_stream_init(&ps->network, s->seed, s->replication, STREAM_NETWORK + p) < 0 ||
		    rng_stream_init(&ps->client, s->seed, s->replication, STREAM_CLIENT + p) < 0)
			goto fail;
		pool_init(&ps->retry_pool, sizeof(struct user), 256);
		if (s->pops[p].arrival.kind == ARRIVAL_CLOSED_LOOP) {
			ps->n_users = s->pops[p].arrival.users;
			ps->users = calloc(ps->n_users ? ps->n_users : 1, sizeof(*ps->users));
			if (!ps->users)
				goto fail;
			for (uint32_t i = 0; i < ps->n_users; i++) {
				sim_event_init(&ps->users[i].ev, EV_USER);
				ps->users[i].pop = p;
				ps->users[i].index = i;
			}
		}
	}
	w->n_listeners = s->server.listeners ? s->server.listeners : 1;
	w->listeners = calloc(w->n_listeners, sizeof(*w->listeners));
	w->apps = calloc(w->n_listeners, sizeof(*w->apps));
	w->service_rng = calloc(w->n_listeners, sizeof(*w->service_rng));
	if (!w->listeners || !w->apps || !w->service_rng)
		goto fail;
	for (uint32_t i = 0; i < w->n_listeners; i++) {
		listener_init(&w->listeners[i], (uint16_t)i, &s->server.rules, &s->server.sysctl, s->server.backlog);
		if (rng_stream_init(&w->service_rng[i], s->seed, s->replication, STREAM_SERVICE + i) < 0)
			goto fail;
	}
	for (uint32_t i = 0; i < w->n_listeners; i++)
		if (server_app_init(w, &w->apps[i], &s->server.acceptor, &w->listeners[i]) < 0)
			goto fail;
	net_init(w);
	sim_event_init(&w->end_ev, EV_END);
	sim_event_init(&w->sample_ev, EV_SAMPLE);
	if (s->max_memory) {
		w->conns.max_bytes = s->max_memory / 2;
		w->packets.max_bytes = s->max_memory / 4;
	}
	return w;
fail:
	world_destroy(w);
	return NULL;
}

void world_destroy(struct world *w)
{
	if (!w)
		return;
	sim_queue_fini(&w->q);
	if (w->apps)
		for (uint32_t i = 0; i < w->n_listeners; i++)
			server_app_fini(&w->apps[i]);
	free(w->apps);
	free(w->listeners);
	if (w->service_rng) {
		for (uint32_t i = 0; i < w->n_listeners; i++)
			if (w->service_rng[i].gen)
				rng_stream_fini(&w->service_rng[i]);
		free(w->service_rng);
	}
	for (uint32_t p = 0; p < SCENARIO_MAX_POPS; p++) {
		struct pop_state *ps = &w->pops[p];
		if (ps->arrivals.gen)
			rng_stream_fini(&ps->arrivals);
		if (ps->network.gen)
			rng_stream_fini(&ps->network);
		if (ps->client.gen)
			rng_stream_fini(&ps->client);
		free(ps->users);
		if (p < w->s->n_pops)
			pool_fini(&ps->retry_pool);
	}
	if (w->server_rng.gen)
		rng_stream_fini(&w->server_rng);
	if (w->hash_rng.gen)
		rng_stream_fini(&w->hash_rng);
	pool_fini(&w->conns);
	pool_fini(&w->packets);
	hist_fini(&w->res.connect_time);
	hist_fini(&w->res.accept_gap);
	hist_fini(&w->res.request_time);
	hist_fini(&w->res.accept_wait);
	hist_fini(&w->res.first_byte);
	for (size_t p = 0; p < SCENARIO_MAX_POPS; p++) {
		struct pop_results *pr = &w->res.pops[p];
		hist_fini(&pr->connect_time);
		hist_fini(&pr->accept_wait);
		hist_fini(&pr->first_byte);
		hist_fini(&pr->request_time);
	}
	fixed_hist_fini(&w->res.connect_time_bins);
	free(w->touched);
	free(w);
}

/* a segment reached its end (ip_local_deliver): the server host's listener
 * (tcp_v4_rcv), whose application is then woken if the segment woke it
 * (sk_data_ready), or the client host */
static void deliver(struct world *w, struct arrival a)
{
	if (packet_to_server(a.kind)) {
		struct listener *l = world_listener_of(w, a.conn);
		unsigned wake = listener_rcv(w, l, a.conn, a.kind);
		if (wake)
			server_app_wake(w, &w->apps[l->index], a.conn, wake);
	} else
		client_rcv(w, a.conn, a.kind, a.cookie);
	world_touch(w, a.conn);
}

static void dispatch(struct world *w, struct sim_event *ev)
{
	switch (ev->kind) {
	case EV_PACKET:
		deliver(w, net_arrive(w, sim_container_of(ev, struct packet, ev)));
		return;
	case EV_CLIENT_TIMER: {
		struct conn *c = sim_container_of(ev, struct conn, client_timer);
		client_write_timer(w, c);
		world_touch(w, c);
		return;
	}
	case EV_CLIENT_DEADLINE: {
		struct conn *c = sim_container_of(ev, struct conn, client_deadline);
		client_app_timer(w, c);
		world_touch(w, c);
		return;
	}
	case EV_SYNACK_TIMER: {
		struct conn *c = sim_container_of(ev, struct conn, synack_timer);
		listener_reqsk_timer(w, world_listener_of(w, c), c);
		world_touch(w, c);
		return;
	}
	case EV_ARRIVAL:
		workload_on_arrival(w, ev->aux);
		return;
	case EV_USER:
		client_user_try(w, sim_container_of(ev, struct user, ev));
		return;
	case EV_ACCEPT_TICK:
		server_app_on_tick(w, &w->apps[ev->aux]);
		return;
	case EV_STALL:
		server_app_on_stall(w, &w->apps[ev->aux]);
		return;
	case EV_WORKER_DONE:
		server_app_on_worker_done(w, sim_container_of(ev, struct app_worker, done));
		return;
	case EV_SAMPLE:
		on_sample(w);
		return;
	case EV_CHANNEL:
		deliver(w, net_arrive(w, net_channel_pop(w, ev->aux)));
		return;
	case EV_SNAPSHOT:
		on_snapshot(w);
		return;
	case EV_WARMUP:
		w->window_start = w->q.now;
		for (uint32_t i = 0; i < w->n_listeners; i++)
			listener_start_window(&w->listeners[i], w->q.now);
		return;
	case EV_END:
		on_end(w, ev);
		return;
	default:
		abort(); /* an event nobody owns: the results would be corrupt */
	}
}

/* any request still in a SYN queue (its SYN-ACKs and expiry are still to come) */
static bool requests_pending(const struct world *w)
{
	for (uint32_t i = 0; i < w->n_listeners; i++)
		if (w->listeners[i].syn_queue)
			return true;
	return false;
}

int world_run(struct world *w, volatile sig_atomic_t *stop)
{
	const struct scenario *s = w->s;
	workload_start(w);
	/* EV_END with aux 0: the arrivals are over; then aux 1: the drain cap */
	w->end_ev.aux = 0;
	world_schedule(w, &w->end_ev, s->duration);
	if (s->sample_interval > 0 && w->hooks.sample)
		world_schedule(w, &w->sample_ev, w->next_sample = 0);
	sim_event_init(&w->warmup_ev, EV_WARMUP);
	if (s->warmup > 0)
		world_schedule(w, &w->warmup_ev, s->warmup);
	sim_event_init(&w->snapshot_ev, EV_SNAPSHOT);
	if (w->hooks.snapshot && w->hooks.n_snapshots)
		world_schedule(w, &w->snapshot_ev, w->hooks.snapshot_times[0]);
	sim_time_ns cap = s->duration + s->drain;
	int rc = 0;
	uint64_t polled = 0;
	while (!w->done) {
		struct sim_event *ev = sim_queue_pop_until(&w->q, cap);
		if (!ev) {
			if (sim_queue_peek_time(&w->q) != SIM_TIME_NEVER)
				w->q.now = cap; /* what is left is due after the drain cap */
			break;
		}
		dispatch(w, ev);
		while (w->n_touched) {
			struct conn *c = w->touched[--w->n_touched];
			c->release_pending = false;
			maybe_release(w, c);
		}
		if (ev == &w->end_ev && ev->aux == 0) {
			/* the arrivals are over: from now on the drain cap */
			w->end_ev.aux = 1;
			world_schedule(w, &w->end_ev, cap);
		}
		if (w->arrivals_done && w->unresolved == 0 && (s->end_at_last_close || !requests_pending(w)) &&
		    w->live_packets == 0 && w->client_established == 0)
			break;
		if ((stop || w->hooks.progress) && (++polled & 255) == 0) {
			if (w->hooks.progress && (polled & 4095) == 0)
				w->hooks.progress(w->hooks.ctx, w->q.now);
			if (stop && *stop) {
				rc = 1;
				break;
			}
		}
	}
	if (w->status < 0)
		rc = -1;
	/* views asked for after the end (README: --ss-at): the final state,
	 * marked as such; the run itself is not made longer */
	while (rc == 0 && w->hooks.snapshot && w->next_snapshot < w->hooks.n_snapshots) {
		take_snapshot(w, w->hooks.snapshot_times[w->next_snapshot], w->q.now);
		w->next_snapshot++;
	}
	/* the end: a last sample, then every attempt still alive is finished, in id order */
	if (s->sample_interval > 0 && w->hooks.sample && w->next_sample != w->q.now)
		emit_sample(w);
	w->res.end_time = w->q.now;
	w->res.events = w->q.fired;
	w->res.peak_events = w->q.max_live;
	w->res.peak_bytes = w->conns.bytes + w->packets.bytes + w->q.max_bytes;
	for (uint32_t i = 0; i < w->n_listeners; i++)
		listener_account(&w->listeners[i], w->q.now);
	for (struct conn *c = w->live.live_next; c != &w->live; c = c->live_next) {
		if (!c->resolved)
			c->outcome = OUTCOME_IN_PROGRESS;
		finish_attempt(w, c);
	}
	struct world_results *r = &w->res;
	sim_time_ns span_ns = w->q.now - w->window_start;
	double span = (double)(span_ns > 0 ? span_ns : 1);
	r->window = span_ns;
	for (uint32_t i = 0; i < w->n_listeners; i++) {
		const struct listener *l = &w->listeners[i];
		for (int k = 0; k < LISTENER_COUNTER_COUNT; k++)
			r->counters[k] += l->counters[k] - l->counters_base[k];
		r->accept_queue_high_s += (double)l->aq_high_time / 1e9 / w->n_listeners;
		r->syn_queue_high_s += (double)l->sq_high_time / 1e9 / w->n_listeners;
		if (l->max_accept_queue > r->max_accept_queue)
			r->max_accept_queue = l->max_accept_queue;
		if (l->max_syn_queue > r->max_syn_queue)
			r->max_syn_queue = l->max_syn_queue;
		r->mean_accept_queue += l->accept_queue_area / span / w->n_listeners;
		r->mean_syn_queue += l->syn_queue_area / span / w->n_listeners;
	}
	return rc;
}

const struct world_results *world_results(const struct world *w)
{
	return &w->res;
}

sim_time_ns world_now(const struct world *w)
{
	return w->q.now;
}

bool world_check(const struct world *w)
{
	if (!sim_queue_check(&w->q))
		return false;
	for (uint32_t i = 0; i < w->n_listeners; i++) {
		const struct listener *l = &w->listeners[i];
		if (!listener_check(l))
			return false;
		uint32_t req = 0, young = 0;
		for (const struct conn *c = w->live.live_next; c != &w->live; c = c->live_next) {
			if (c->listener != i)
				continue;
			if (c->server_state == SERVER_REQUEST) {
				req++;
				young += c->young;
			}
		}
		if (req != l->syn_queue || young != l->young)
			return false;
	}
	return true;
}
