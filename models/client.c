/* client.c: the connecting side (docs/kernels.md "How the listener uses the rules", "Client after the handshake").
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

#define TCP_RETRIES2 15

static void set_timer(struct world *w, struct sim_event *ev, sim_time_ns t)
{
	world_schedule(w, ev, t);
}

/* timestamps are used only when both ends have them on (tcp_timestamps,
 * negotiated in the SYN and SYN-ACK) */
static bool ts_on(const struct world *w, const struct client_pop *p)
{
	return p->sysctl.tcp_timestamps && w->s->server.sysctl.tcp_timestamps;
}

/* docs/kernels.md "Client after the handshake": the RTT sample the SYN-ACK
 * gives (tcp_ack_update_rtt): from the SYN's send time when it was not
 * retransmitted (tcp_clean_rtx_queue, Karn), else from the echoed timestamp
 * (tcp_rtt_tsopt_us) when timestamps are on, else none */
static sim_time_ns handshake_rtt(const struct world *w, const struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	if (c->syns == 1)
		return w->q.now - c->start > 0 ? w->q.now - c->start : 1;
	if (ts_on(w, p))
		return profile_ts_rtt(&p->rules, c->rx_stamp, w->q.now);
	return 0;
}

/* an ACK covers the outstanding segment: a valid RTT sample unless an RTO
 * copy was acknowledged without timestamps (Karn); a valid sample updates
 * srtt (tcp_rtt_estimator), the RTO (tcp_set_rto) and clears the backoff
 * (tcp_ack_update_rtt: "only reset backoff on valid RTT measurement") */
static void segment_acked(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	if (ts_on(w, p) || c->backoff == 0) {
		sim_time_ns m = w->q.now - c->seg_at;
		if (m < 1)
			m = 1;
		c->srtt = c->srtt ? c->srtt + (m - c->srtt) / 8 : m;
		c->rto = profile_rto_from_rtt(&p->rules, c->srtt);
		c->backoff = 0;
	}
	c->probe_out = false;
	c->in_loss = false;
	c->retransmits = 0;
}

/* tcp_update_metrics, when the client socket closes after its FIN was
 * acknowledged: a session with backoff or no RTT resets the cached RTT,
 * else the cache takes srtt if larger, or moves 1/8 of the way down */
static void client_update_metrics(struct world *w, const struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	sim_time_ns *crtt = &w->client_crtt[c->pop];
	if (p->sysctl.tcp_no_metrics_save)
		return;
	if (c->backoff || c->srtt == 0)
		*crtt = 0;
	else if (*crtt <= c->srtt)
		*crtt = c->srtt;
	else
		*crtt -= (*crtt - c->srtt) / 8;
}

/* SACK was negotiated (tcp_is_sack): always, except through a cookie without
 * timestamps, whose SYN-ACK carries no options (tcp_conn_request:
 * "if (want_cookie && !tmp_opt.saw_tstamp) tcp_clear_options") */
static bool sack_on(const struct world *w, const struct conn *c)
{
	return !(c->cookie_isn && !ts_on(w, world_pop_of(w, c)));
}

/* a new data or FIN segment goes out (tcp_write_xmit): the RTO is armed and
 * tcp_schedule_loss_probe replaces it with a probe timer when the rules allow
 * one, SACK is on and the socket is not in loss recovery */
static void send_new_segment(struct world *w, struct conn *c, int kind)
{
	const struct client_pop *p = world_pop_of(w, c);
	net_send(w, c, kind, c->cookie_isn);
	c->out_kind = (uint8_t)kind;
	c->seg_at = w->q.now;
	sim_time_ns pto = c->in_loss || !sack_on(w, c)
	                      ? -1
	                      : profile_loss_probe_timeout(&p->rules, p->sysctl.tcp_early_retrans, c->srtt, c->rto);
	if (pto >= 0) {
		c->probe_armed = true;
		world_schedule_lane(w, &c->client_timer, profile_timer_fire(&p->rules, w->q.now, pto),
		                    lane_key(LANE_PROBE, c->pop, pto));
	} else {
		c->probe_armed = false;
		world_schedule_lane(w, &c->client_timer, profile_timer_fire(&p->rules, w->q.now, c->rto),
		                    lane_key(LANE_DATA_RTO, c->pop, c->rto));
	}
}

static void arm_rto(struct world *w, struct conn *c, sim_time_ns delay)
{
	const struct client_pop *p = world_pop_of(w, c);
	c->probe_armed = false;
	world_schedule_lane(w, &c->client_timer, profile_timer_fire(&p->rules, w->q.now, delay),
	                    lane_key(LANE_DATA_RTO, c->pop, delay));
}

/* the holding time: a constant one shares a lane; a client that wrote keeps
 * client_timer for its byte and holds on client_deadline */
static void arm_hold(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	const struct dist *d = &p->after.hold;
	if (p->after.kind == AFTER_HOLD && p->after.write) {
		sim_time_ns h = (sim_time_ns)(d->kind == DIST_CONSTANT ? d->a : dist_sample(d, &w->pops[c->pop].client));
		if (d->kind == DIST_CONSTANT)
			world_schedule_lane(w, &c->client_deadline, w->q.now + h, lane_key(LANE_HOLD_WRITE, c->pop, h));
		else
			set_timer(w, &c->client_deadline, w->q.now + h);
		return;
	}
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
	if (c->client_state == CLIENT_FIN_WAIT1)
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
	bool was_open = c->client_state != CLIENT_FIN_WAIT1;
	closing_to_gone(w, c);
	if (was_open)
		client_done(w, c);
}

/* a connect failure: the outcome is final, the socket is gone */
static void connect_failed(struct world *w, struct conn *c, enum outcome o, int kind, enum trace_reason reason)
{
	TRACE(w, c, world_listener_of(w, c), "fail", kind, reason);
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
	/* data still unacknowledged: the FIN queues behind it and its timer runs on */
	bool data_out = c->out_kind == PKT_DATA && !c->request_acked && sim_event_is_pending(&c->client_timer);
	if (!data_out)
		sim_queue_cancel(&w->q, &c->client_timer);
	sim_queue_cancel(&w->q, &c->client_deadline);
	leave_established(w, c);
	c->client_state = CLIENT_FIN_WAIT1;
	w->client_closing++;
	TRACE(w, c, world_listener_of(w, c), "close", PKT_FIN, TR_CLIENT_CLOSE);
	if (data_out) {
		net_send(w, c, PKT_FIN, c->cookie_isn);
		c->out_kind = PKT_FIN;
	} else {
		c->retransmits = 0;
		send_new_segment(w, c, PKT_FIN);
	}
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
	c->out_kind = PKT_SYN;
	c->backoff = 0;
	c->probe_armed = c->probe_out = c->in_loss = false;
	c->srtt = 0;
	c->seg_at = c->retrans_stamp = c->rx_stamp = 0;
	c->ts_recent = 0;
	c->oow_at = -1;
	c->cookie_at = 0;
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
	TRACE(w, c, world_listener_of(w, c), "connect", PKT_NONE, TR_CONNECT);
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

/* connect() returned: docs/kernels.md "How the listener uses the rules", tcp_rcv_synsent_state_process: "On SYN-ACK the client sends the ACK and
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
	/* tcp_ack_update_rtt, then tcp_init_metrics (tcp_finish_connect) */
	c->retransmits = 0;
	c->srtt = handshake_rtt(w, c);
	c->rto = profile_init_rto_after_handshake(&p->rules, c->srtt, w->client_crtt[c->pop]);
	c->backoff = 0;
	TRACE(w, c, world_listener_of(w, c), "connected", PKT_SYNACK, TR_CONNECTED);
	net_send(w, c, PKT_ACK, cookie);
	switch (p->after.kind) {
	case AFTER_HOLD:
		world_resolve(w, c);
		arm_hold(w, c);
		if (p->after.write) {
			c->retransmits = 0;
			send_new_segment(w, c, PKT_DATA);
		}
		break;
	case AFTER_REQUEST:
		c->retransmits = 0;
		send_new_segment(w, c, PKT_DATA);
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
		TRACE(w, c, world_listener_of(w, c), "deliver", kind, TR_SPOOFED);
		return;
	}
	switch (kind) {
	case PKT_SYNACK:
		switch (c->client_state) {
		case CLIENT_SYN_SENT:
			connected(w, c, cookie);
			break;
		case CLIENT_ESTABLISHED:
		case CLIENT_FIN_WAIT1:
			/* a retransmitted SYN-ACK: answered with an ACK (tcp_send_dupack),
			 * which retries the move into the accept queue */
			TRACE(w, c, world_listener_of(w, c), "deliver", PKT_SYNACK, TR_DUP_SYNACK);
			net_send(w, c, PKT_ACK, c->cookie_isn);
			break;
		case CLIENT_GONE:
			TRACE(w, c, world_listener_of(w, c), "deliver", PKT_SYNACK, TR_SYNACK_NO_SOCKET);
			net_send(w, c, PKT_RST_C, false);
			break;
		}
		break;
	case PKT_RST_S:
		switch (c->client_state) {
		case CLIENT_SYN_SENT:
			connect_failed(w, c, OUTCOME_REFUSED, PKT_RST_S, TR_REFUSED);
			break;
		case CLIENT_ESTABLISHED:
			/* tcp_reset: an RST after connect gives ECONNRESET */
			TRACE(w, c, world_listener_of(w, c), "reset", PKT_RST_S, TR_CONN_RESET);
			world_set_outcome(w, c, OUTCOME_RESET_AFTER_CONNECT);
			client_gone(w, c);
			break;
		case CLIENT_FIN_WAIT1:
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
			if (c->out_kind == PKT_DATA)
				segment_acked(w, c); /* the response acknowledges the request */
			TRACE(w, c, world_listener_of(w, c), "served", PKT_DATA_S, TR_SERVED);
			world_resolve(w, c);
			arm_hold(w, c);
		}
		break;
	case PKT_DATA_ACK:
		if (c->client_state == CLIENT_FIN_WAIT1) {
			/* the FIN is acknowledged: FIN_WAIT2, then TIME_WAIT, whose
			 * tcp_time_wait updates the metrics cache */
			segment_acked(w, c);
			client_update_metrics(w, c);
			closing_to_gone(w, c);
			break;
		}
		if (c->client_state == CLIENT_ESTABLISHED && !c->request_acked) {
			c->request_acked = true;
			segment_acked(w, c);
			if (!c->resolved || (p->after.kind == AFTER_HOLD && p->after.write))
				sim_queue_cancel(&w->q, &c->client_timer);
		}
		break;
	default:
		break;
	}
}

/* the timer of an outstanding data or FIN segment: a tail loss probe
 * (tcp_send_loss_probe) or the RTO (tcp_retransmit_timer) */
static void segment_timer(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	struct listener *l = world_listener_of(w, c);
	if (c->probe_armed) {
		if (!c->probe_out) {
			/* retransmit the last segment; count TCPLossProbes; the RTO
			 * restarts from now (icsk_pending = 0, tcp_rearm_rto) */
			TRACE(w, c, l, "probe", c->out_kind, TR_LOSS_PROBE);
			net_send(w, c, c->out_kind, c->cookie_isn);
			c->seg_at = w->q.now;
			c->probe_out = true;
			w->res.client_loss_probes++;
			w->res.client_retrans_segs++;
			arm_rto(w, c, c->rto);
		} else {
			/* at most one probe outstanding: what is left of the RTO */
			sim_time_ns left = c->seg_at + c->rto - w->q.now;
			arm_rto(w, c, left > 0 ? left : 1);
		}
		return;
	}
	/* tcp_retransmit_timer: TCPTimeouts, then tcp_write_timeout */
	w->res.client_timeouts++;
	if (c->client_state == CLIENT_FIN_WAIT1) {
		if (profile_orphan_expired(p->sysctl.tcp_orphan_retries, c->rto, c->retransmits,
		                           w->q.now - c->retrans_stamp)) {
			TRACE(w, c, l, "expire", c->out_kind, TR_ORPHAN_EXPIRED);
			closing_to_gone(w, c);
			return;
		}
	} else if (c->retransmits > 0 &&
	           w->q.now - c->retrans_stamp >= profile_model_timeout(TCP_RTO_MIN_NS, TCP_RETRIES2)) {
		TRACE(w, c, l, "fail", PKT_NONE, TR_DATA_TIMEDOUT);
		world_set_outcome(w, c, OUTCOME_TIMED_OUT_AFTER_CONNECT);
		client_gone(w, c);
		return;
	}
	TRACE(w, c, l, "timer", c->out_kind, TR_DATA_RTO);
	net_send(w, c, c->out_kind, c->cookie_isn);
	c->seg_at = w->q.now;
	c->probe_out = false; /* tp->tlp_high_seq = 0 */
	c->in_loss = true;    /* tcp_enter_loss */
	w->res.client_retrans_segs++;
	if (c->retransmits == 0)
		c->retrans_stamp = w->q.now; /* tcp_retransmit_skb: stamp of the first retransmit */
	if (c->retransmits < 255)
		c->retransmits++;
	if (c->backoff < 255)
		c->backoff++;
	c->rto = c->rto * 2 < TCP_RTO_MAX_NS ? c->rto * 2 : TCP_RTO_MAX_NS;
	arm_rto(w, c, c->rto);
}

void client_on_timer(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	switch (c->client_state) {
	case CLIENT_SYN_SENT: {
		/* tcp_write_timeout, tcp_retransmit_timer (profile_syn_timeout: the
		 * SYN schedule's step, docs/kernels.md "Rules") */
		struct syn_timeout t = profile_syn_timeout(&p->rules, p->sysctl.tcp_syn_retries,
		                                           p->sysctl.tcp_syn_linear_timeouts, c->retransmits, c->rto,
		                                           w->q.now - c->start);
		if (t.give_up) {
			connect_failed(w, c, OUTCOME_TIMED_OUT, PKT_NONE, TR_SYN_TIMEDOUT);
			return;
		}
		c->retransmits++;
		w->res.client_timeouts++;     /* tcp_retransmit_timer: TCPTimeouts */
		w->res.client_retrans_segs++; /* tcp_retransmit_skb: RetransSegs */
		if (c->syns < 255)
			c->syns++;
		TRACE(w, c, world_listener_of(w, c), "timer", PKT_SYN, TR_SYN_RTO);
		net_send(w, c, PKT_SYN, false);
		c->rto = t.next_rto;
		world_schedule_lane(w, &c->client_timer, profile_timer_fire(&p->rules, w->q.now, c->rto),
		                    lane_key(LANE_SYN_RTO, c->pop, c->rto));
		return;
	}
	case CLIENT_ESTABLISHED:
		if (c->resolved) {
			graceful_close(w, c); /* the holding time is over */
			return;
		}
		segment_timer(w, c);
		return;
	case CLIENT_FIN_WAIT1:
		segment_timer(w, c);
		return;
	default:
		return;
	}
}

void client_on_deadline(struct world *w, struct conn *c)
{
	if (c->client_state == CLIENT_SYN_SENT) {
		connect_failed(w, c, OUTCOME_CONNECT_TIMEOUT, PKT_NONE, TR_CONNECT_TIMEOUT);
	} else if (c->client_state == CLIENT_ESTABLISHED && c->resolved) {
		graceful_close(w, c); /* a client that wrote: the holding time is over */
	} else if (c->client_state == CLIENT_ESTABLISHED && !c->resolved) {
		TRACE(w, c, world_listener_of(w, c), "fail", PKT_NONE, TR_READ_TIMEOUT);
		world_set_outcome(w, c, OUTCOME_READ_TIMEOUT);
		graceful_close(w, c);
	}
}
