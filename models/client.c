/* client.c: the connecting side (KERNEL.md "Client").
 *
 * connect() sends a SYN and retransmits it on the client kernel's schedule
 * until a SYN-ACK comes, the retries run out (ETIMEDOUT), an RST comes
 * (ECONNREFUSED) or the application's connect timeout fires.  On SYN-ACK the
 * client sends the ACK and connect() returns at once, whatever the server
 * does with that ACK.  Then, per population: hold the connection; send a
 * request and wait for the response; or wait for the server to speak first.
 */
#include <stdlib.h>

#include "models/world_impl.h"

#define TCP_RTO_MIN_NS (200 * SIM_NS_PER_MS)
#define TCP_TIMEOUT_INIT_NS (1 * SIM_NS_PER_S)
#define TCP_RETRIES2 15

static void set_timer(struct world *w, struct sim_event *ev, sim_time_ns t)
{
	world_schedule(w, ev, t);
}

/* the data RTO after the handshake: TCP_RTO_MIN + RTT from the SYN's RTT
 * sample, or the initial 1 s when the SYN was retransmitted (no valid sample,
 * Karn's rule) */
static sim_time_ns data_rto(const struct world *w, const struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	if (c->syns > 1)
		return TCP_TIMEOUT_INIT_NS;
	double rtt = dist_mean(&p->path.delay_to_server) + dist_mean(&p->path.delay_to_client);
	return TCP_RTO_MIN_NS + (sim_time_ns)rtt;
}

/* the holding time: a constant one shares a lane */
static void arm_hold(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	const struct dist *d = &p->after.hold;
	if (d->kind == DIST_CONSTANT)
		world_schedule_lane(w, &c->client_timer, w->q.now + (sim_time_ns)d->a,
		                    lane_key(LANE_HOLD, c->pop, (sim_time_ns)d->a));
	else
		set_timer(w, &c->client_timer, w->q.now + (sim_time_ns)dist_sample(d, &w->pops[c->pop].client));
}

static void arm_read_timeout(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	if (p->after.read_timeout != SIM_TIME_NEVER)
		world_schedule_lane(w, &c->client_deadline, w->q.now + p->after.read_timeout,
		                    lane_key(LANE_READ_TIMEOUT, c->pop, p->after.read_timeout));
}

static bool is_connect_failure(enum outcome o)
{
	return o == OUTCOME_TIMED_OUT || o == OUTCOME_REFUSED || o == OUTCOME_CONNECT_TIMEOUT;
}

/* the client socket is closed: start the user's next try (closed loop), or an
 * application retry after a failed connect */
static void client_done(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	struct pop_state *ps = &w->pops[c->pop];
	if (is_connect_failure((enum outcome)c->outcome) && c->app_try < p->app_retries) {
		struct user *u;
		if (c->user >= 0) {
			u = &ps->users[c->user];
		} else {
			u = pool_get(&ps->retry_pool);
			if (!u) {
				world_fail(w);
				return;
			}
			sim_event_init(&u->ev, EV_USER);
			u->pop = c->pop;
			u->index = UINT32_MAX;
		}
		u->app_try = (uint32_t)c->app_try + 1;
		u->started = c->user_started;
		u->active = true;
		w->pending_retries++;
		w->unresolved++;
		sim_time_ns backoff = (sim_time_ns)dist_sample(&p->app_backoff, &ps->client);
		set_timer(w, &u->ev, w->q.now + backoff);
		return;
	}
	if (c->user >= 0 && !w->arrivals_done) {
		struct user *u = &ps->users[c->user];
		sim_time_ns think = (sim_time_ns)dist_sample(&p->arrival.think, &ps->client);
		u->app_try = 0;
		u->active = true;
		set_timer(w, &u->ev, w->q.now + think);
	}
}

/* the socket leaves FIN_WAIT1 for good */
static void closing_to_gone(struct world *w, struct conn *c)
{
	sim_queue_cancel(&w->q, &c->client_timer);
	if (c->client_state == CLIENT_CLOSING)
		w->client_closing--;
	c->client_state = CLIENT_GONE;
}

static void leave_established(struct world *w, struct conn *c)
{
	if (c->counted_established) {
		c->counted_established = false;
		w->client_established--;
	}
}

/* the socket is gone (failure, reset, or abort) */
static void client_gone(struct world *w, struct conn *c)
{
	sim_queue_cancel(&w->q, &c->client_timer);
	sim_queue_cancel(&w->q, &c->client_deadline);
	if (c->client_state == CLIENT_SYN_SENT)
		w->client_syn_sent--;
	leave_established(w, c);
	bool was_open = c->client_state != CLIENT_CLOSING;
	closing_to_gone(w, c);
	if (was_open)
		client_done(w, c);
}

/* a connect failure: the outcome is final, the socket is gone */
static void connect_failed(struct world *w, struct conn *c, enum outcome o, const char *pkt, const char *why)
{
	TRACE(w, c, world_listener_of(w, c), "fail", pkt, why);
	world_set_outcome(w, c, o);
	client_gone(w, c);
}

/* the application closes a connected socket: FIN.  The socket stays in
 * FIN_WAIT1, retransmitting the FIN (tcp_retransmit_timer, up to
 * tcp_orphan_retries) and answering SYN-ACKs, until the server acknowledges
 * the FIN or resets; each copy is a client segment that can complete a
 * request whose ACK was dropped */
static void graceful_close(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	sim_queue_cancel(&w->q, &c->client_timer);
	sim_queue_cancel(&w->q, &c->client_deadline);
	leave_established(w, c);
	c->client_state = CLIENT_CLOSING;
	w->client_closing++;
	TRACE(w, c, world_listener_of(w, c), "close", "FIN", "the application closed the connection (tcp_close)");
	net_send(w, c, PKT_FIN, c->cookie_isn);
	c->retransmits = 0;
	c->rto = data_rto(w, c);
	world_schedule_lane(w, &c->client_timer, profile_timer_fire(&p->rules, w->q.now, c->rto),
	                    lane_key(LANE_DATA_RTO, c->pop, c->rto));
	client_done(w, c);
}

void client_server_left_request(struct world *w, struct conn *c)
{
	(void)w;
	(void)c;
}

void client_start(struct world *w, uint32_t pop, int32_t user, uint32_t app_try, sim_time_ns started)
{
	const struct client_pop *p = &w->s->pops[pop];
	struct conn *c = pool_get(&w->conns);
	if (!c) {
		world_fail(w);
		return;
	}
	sim_event_init(&c->client_timer, EV_CLIENT_TIMER);
	sim_event_init(&c->client_deadline, EV_CLIENT_DEADLINE);
	sim_event_init(&c->synack_timer, EV_SYNACK_TIMER);
	c->id = w->next_id++;
	c->user = user;
	c->pop = (uint16_t)pop;
	c->listener = w->n_listeners > 1 ? (uint16_t)rng_below(&w->hash_rng, w->n_listeners) : 0;
	c->start = w->q.now;
	c->connect_at = -1;
	c->served_at = -1;
	c->accepted_at = -1;
	c->queued_at = -1;
	c->rto = p->rules.init_rto;
	c->outcome = OUTCOME_IN_PROGRESS;
	c->syns = 1;
	c->retransmits = 0;
	c->resolved = false;
	c->cookie_isn = false;
	c->request_acked = false;
	c->app_try = (uint8_t)(app_try > 255 ? 255 : app_try);
	c->scan_phase = 0;
	c->server_state = SERVER_NONE;
	c->num_timeout = 0;
	c->num_retrans = 0;
	c->young = false;
	c->acked = false;
	c->has_data = false;
	c->responded = false;
	c->held = false;
	c->counted_established = false;
	c->release_pending = false;
	c->aq_next = NULL;
	c->in_flight = 0;
	c->user_started = started;
	/* the live list, in id order */
	c->live_prev = w->live.live_prev;
	c->live_next = &w->live;
	w->live.live_prev->live_next = c;
	w->live.live_prev = c;
	if (++w->live_conns > w->res.peak_conns)
		w->res.peak_conns = w->live_conns;

	if (p->spoofed) {
		/* a flood SYN: nobody at that address will ever answer */
		c->client_state = CLIENT_GONE;
		c->resolved = true;
		w->res.flood_syns++;
		net_send(w, c, PKT_SYN, false);
		world_touch(w, c);
		return;
	}
	c->client_state = CLIENT_SYN_SENT;
	w->client_syn_sent++;
	w->unresolved++;
	TRACE(w, c, world_listener_of(w, c), "connect", NULL, NULL);
	net_send(w, c, PKT_SYN, false);
	/* tcp_connect: the retransmit timer at the initial RTO */
	world_schedule_lane(w, &c->client_timer, profile_timer_fire(&p->rules, w->q.now, c->rto),
	                    lane_key(LANE_SYN_RTO, pop, c->rto));
	if (p->connect_timeout != SIM_TIME_NEVER)
		world_schedule_lane(w, &c->client_deadline, w->q.now + p->connect_timeout,
		                    lane_key(LANE_CONNECT_TIMEOUT, pop, p->connect_timeout));
}

void client_on_user(struct world *w, struct user *u)
{
	bool retry = u->app_try > 0;
	u->active = false;
	if (retry) {
		w->pending_retries--;
		w->unresolved--;
	}
	int32_t idx = u->index == UINT32_MAX ? -1 : (int32_t)u->index;
	sim_time_ns started = retry ? u->started : w->q.now;
	uint32_t pop = u->pop, try_no = u->app_try;
	if (idx < 0)
		pool_put(&w->pops[pop].retry_pool, u);
	else if (!retry && w->arrivals_done)
		return; /* a closed-loop user does not start anew after the arrivals end */
	if (retry)
		w->res.app_tries++;
	client_start(w, pop, idx, try_no, started);
}

/* connect() returned: KERNEL.md "On SYN-ACK the client sends the ACK and
 * connect() returns at once" */
static void connected(struct world *w, struct conn *c, bool cookie)
{
	const struct client_pop *p = world_pop_of(w, c);
	sim_queue_cancel(&w->q, &c->client_timer);
	sim_queue_cancel(&w->q, &c->client_deadline);
	w->client_syn_sent--;
	c->client_state = CLIENT_ESTABLISHED;
	c->counted_established = true;
	w->client_established++;
	c->connect_at = w->q.now;
	c->cookie_isn = cookie;
	c->outcome = OUTCOME_CONNECTED;
	TRACE(w, c, world_listener_of(w, c), "connected", "SYN-ACK",
	      "connect() returns on the SYN-ACK (tcp_rcv_synsent_state_process)");
	net_send(w, c, PKT_ACK, cookie);
	switch (p->after.kind) {
	case AFTER_HOLD:
		world_resolve(w, c);
		arm_hold(w, c);
		break;
	case AFTER_REQUEST:
		net_send(w, c, PKT_DATA, cookie);
		c->retransmits = 0;
		c->rto = data_rto(w, c);
		world_schedule_lane(w, &c->client_timer, profile_timer_fire(&p->rules, w->q.now, c->rto),
		                    lane_key(LANE_DATA_RTO, c->pop, c->rto));
		arm_read_timeout(w, c);
		break;
	case AFTER_GREETING:
		arm_read_timeout(w, c);
		break;
	}
}

void client_on_packet(struct world *w, struct conn *c, int kind, bool cookie)
{
	const struct client_pop *p = world_pop_of(w, c);
	if (p->spoofed) {
		TRACE(w, c, world_listener_of(w, c), "deliver", packet_name(kind),
		      "spoofed source address: nobody answers");
		return;
	}
	switch (kind) {
	case PKT_SYNACK:
		switch (c->client_state) {
		case CLIENT_SYN_SENT:
			connected(w, c, cookie);
			break;
		case CLIENT_ESTABLISHED:
		case CLIENT_CLOSING:
			/* a retransmitted SYN-ACK: answered with an ACK (tcp_send_dupack),
			 * which retries the move into the accept queue */
			TRACE(w, c, world_listener_of(w, c), "deliver", "SYN-ACK",
			      "duplicate SYN-ACK: the client ACKs it again");
			net_send(w, c, PKT_ACK, c->cookie_isn);
			break;
		case CLIENT_GONE:
			TRACE(w, c, world_listener_of(w, c), "deliver", "SYN-ACK", "no socket: answered with RST");
			net_send(w, c, PKT_RST_C, false);
			break;
		}
		break;
	case PKT_RST_S:
		switch (c->client_state) {
		case CLIENT_SYN_SENT:
			connect_failed(w, c, OUTCOME_REFUSED, "RST", "RST while connecting: ECONNREFUSED");
			break;
		case CLIENT_ESTABLISHED:
			/* KERNEL.md: RST after connect gives ECONNRESET */
			TRACE(w, c, world_listener_of(w, c), "reset", "RST", "ECONNRESET after connect");
			world_set_outcome(w, c, OUTCOME_RESET_AFTER_CONNECT);
			client_gone(w, c);
			break;
		case CLIENT_CLOSING:
			closing_to_gone(w, c);
			break;
		case CLIENT_GONE:
			break;
		}
		break;
	case PKT_DATA_S:
		if (c->client_state == CLIENT_ESTABLISHED && !c->resolved) {
			c->served_at = w->q.now;
			c->request_acked = true;
			sim_queue_cancel(&w->q, &c->client_timer);
			sim_queue_cancel(&w->q, &c->client_deadline);
			TRACE(w, c, world_listener_of(w, c), "served", "DATA", "the server's first bytes arrived");
			world_resolve(w, c);
			arm_hold(w, c);
		}
		break;
	case PKT_DATA_ACK:
		if (c->client_state == CLIENT_CLOSING) {
			/* the FIN is acknowledged: FIN_WAIT2, then gone */
			closing_to_gone(w, c);
			break;
		}
		if (c->client_state == CLIENT_ESTABLISHED && !c->request_acked) {
			c->request_acked = true;
			if (!c->resolved)
				sim_queue_cancel(&w->q, &c->client_timer);
		}
		break;
	default:
		break;
	}
}

void client_on_timer(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	switch (c->client_state) {
	case CLIENT_SYN_SENT: {
		/* tcp_write_timeout: give up once retransmits_timed_out (never
		 * before the first retransmit); tcp_syn_retries = 0 is the
		 * simulator's "one SYN, no retransmit", not a kernel value */
		int retries = p->sysctl.tcp_syn_retries;
		sim_time_ns elapsed = w->q.now - c->start;
		if (retries == 0 ||
		    (c->retransmits > 0 && elapsed >= profile_syn_giveup_after(&p->rules, retries))) {
			connect_failed(w, c, OUTCOME_TIMED_OUT, NULL, "SYN retries ran out: ETIMEDOUT (tcp_write_timeout)");
			return;
		}
		c->retransmits++;
		if (c->syns < 255)
			c->syns++;
		TRACE(w, c, world_listener_of(w, c), "timer", "SYN", "SYN timeout: retransmit (tcp_retransmit_timer)");
		net_send(w, c, PKT_SYN, false);
		/* tcp_retransmit_timer: linear for tcp_syn_linear_timeouts, then doubling */
		c->rto = profile_syn_next_rto(&p->rules, p->sysctl.tcp_syn_linear_timeouts, c->retransmits, c->rto);
		world_schedule_lane(w, &c->client_timer, profile_timer_fire(&p->rules, w->q.now, c->rto),
		                    lane_key(LANE_SYN_RTO, c->pop, c->rto));
		return;
	}
	case CLIENT_ESTABLISHED:
		if (c->resolved) {
			graceful_close(w, c); /* the holding time is over */
			return;
		}
		/* the request was not acknowledged: retransmit it (tcp_retries2) */
		if (w->q.now - c->connect_at >= profile_model_timeout(TCP_RTO_MIN_NS, TCP_RETRIES2) &&
		    c->retransmits > 0) {
			TRACE(w, c, world_listener_of(w, c), "fail", NULL, "data retransmits ran out: ETIMEDOUT");
			world_set_outcome(w, c, OUTCOME_TIMED_OUT_AFTER_CONNECT);
			client_gone(w, c);
			return;
		}
		c->retransmits++;
		net_send(w, c, PKT_DATA, c->cookie_isn);
		c->rto = c->rto * 2 < TCP_RTO_MAX_NS ? c->rto * 2 : TCP_RTO_MAX_NS;
		world_schedule_lane(w, &c->client_timer, profile_timer_fire(&p->rules, w->q.now, c->rto),
		                    lane_key(LANE_DATA_RTO, c->pop, c->rto));
		return;
	case CLIENT_CLOSING: {
		/* the FIN was not acknowledged: retransmit it, or give up
		 * (tcp_orphan_retries(): the sysctl, 0 meaning 8) */
		int orphan_retries = p->sysctl.tcp_orphan_retries ? p->sysctl.tcp_orphan_retries : 8;
		if (c->retransmits >= orphan_retries) {
			TRACE(w, c, world_listener_of(w, c), "expire", "FIN", "FIN retries ran out (tcp_orphan_retries)");
			closing_to_gone(w, c);
			return;
		}
		c->retransmits++;
		TRACE(w, c, world_listener_of(w, c), "timer", "FIN", "FIN timeout: retransmit (tcp_retransmit_timer)");
		net_send(w, c, PKT_FIN, c->cookie_isn);
		c->rto = c->rto * 2 < TCP_RTO_MAX_NS ? c->rto * 2 : TCP_RTO_MAX_NS;
		world_schedule_lane(w, &c->client_timer, profile_timer_fire(&p->rules, w->q.now, c->rto),
		                    lane_key(LANE_DATA_RTO, c->pop, c->rto));
		return;
	}
	default:
		return;
	}
}

void client_on_deadline(struct world *w, struct conn *c)
{
	if (c->client_state == CLIENT_SYN_SENT) {
		connect_failed(w, c, OUTCOME_CONNECT_TIMEOUT, NULL, "the application's connect timeout");
	} else if (c->client_state == CLIENT_ESTABLISHED && !c->resolved) {
		TRACE(w, c, world_listener_of(w, c), "fail", NULL, "read timeout: the server did not speak");
		world_set_outcome(w, c, OUTCOME_READ_TIMEOUT);
		graceful_close(w, c);
	}
}
