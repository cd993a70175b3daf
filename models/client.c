/* client.c: the connecting side (docs/kernels.md "How the listener uses the
 * rules", "Client after the handshake").
 *
 * The client socket's TCP is written the way the kernel's is: a segment goes
 * to the function of the socket's state (client_rcv: tcp_rcv_synsent_state_process
 * in SYN_SENT, tcp_rcv_established, tcp_rcv_state_process in FIN_WAIT1, the
 * reset of tcp_v4_rcv when no socket is left), and so does the retransmit
 * timer (client_write_timer: tcp_write_timer).
 *
 * connect() sends a SYN and retransmits it on the client kernel's schedule
 * until a SYN-ACK comes, the retries run out (ETIMEDOUT), an RST comes
 * (ECONNREFUSED) or the application's connect timeout fires.  On SYN-ACK the
 * client sends the ACK and connect() returns at once, whatever the server
 * does with that ACK.  Then the client application, per population: holds
 * the connection; sends a request and waits for the response; or waits for
 * the server to speak first.  Its timers (connect, read and holding time)
 * and its next try are at the end of this file.
 */
#include <stdlib.h>

#include "models/client.h"
#include "models/network.h"

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

/* tcp_update_metrics (tcp_time_wait), when the client socket closes after
 * its FIN was acknowledged (profile_metrics_rtt) */
static void client_update_metrics(struct world *w, const struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	sim_time_ns *crtt = world_metrics_rtt(w, c->pop, false);
	if (p->sysctl.tcp_no_metrics_save)
		return;
	*crtt = profile_metrics_rtt(*crtt, c->srtt, c->backoff);
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

/* ---- state changes ------------------------------------------------------- */

static void app_connected(struct world *w, struct conn *c);
static void app_response(struct world *w, struct conn *c);
static void app_socket_closed(struct world *w, struct conn *c);
static void app_hold_over(struct world *w, struct conn *c);

/* tcp_done: the socket is gone for good, its timers with it (from FIN_WAIT1,
 * the application has already let it go) */
static void tcp_done(struct world *w, struct conn *c)
{
	sim_queue_cancel(&w->q, &c->client_timer);
	sim_queue_cancel(&w->q, &c->client_deadline);
	c->client_state = CLIENT_GONE;
}

/* connect() fails (SYN_SENT): the outcome is final, the socket is gone */
static void connect_failed(struct world *w, struct conn *c, enum outcome o, int kind, enum trace_reason reason)
{
	TRACE(w, c, world_listener_of(w, c), "fail", kind, reason);
	world_set_outcome(w, c, o);
	w->client_syn_sent--;
	tcp_done(w, c);
	app_socket_closed(w, c);
}

/* an established connection fails (ECONNRESET, ETIMEDOUT) */
static void established_failed(struct world *w, struct conn *c, enum outcome o)
{
	world_set_outcome(w, c, o);
	w->client_established--;
	tcp_done(w, c);
	app_socket_closed(w, c);
}

/* tcp_close of an established socket: FIN.  The socket stays in FIN_WAIT1,
 * retransmitting the FIN (tcp_retransmit_timer, up to tcp_orphan_retries)
 * and answering SYN-ACKs, until the server acknowledges the FIN or resets;
 * each copy is a client segment that can complete a request whose ACK was
 * dropped */
static void tcp_close(struct world *w, struct conn *c)
{
	/* data still unacknowledged: the FIN queues behind it and its timer runs on */
	bool data_out = c->out_kind == PKT_DATA && !c->request_acked && sim_event_is_pending(&c->client_timer);
	if (!data_out)
		sim_queue_cancel(&w->q, &c->client_timer);
	sim_queue_cancel(&w->q, &c->client_deadline);
	w->client_established--;
	c->client_state = CLIENT_FIN_WAIT1;
	TRACE(w, c, world_listener_of(w, c), "close", PKT_FIN, TR_CLIENT_CLOSE);
	if (data_out) {
		net_send(w, c, PKT_FIN, c->cookie_isn);
		c->out_kind = PKT_FIN;
	} else {
		c->retransmits = 0;
		send_new_segment(w, c, PKT_FIN);
	}
}

/* ---- connect(): tcp_v4_connect, tcp_connect ------------------------------ */

void client_connect(struct world *w, uint32_t pop, int32_t user, uint32_t app_try, sim_time_ns started)
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
	c->has_data = false;
	c->responded = false;
	c->held = false;
	c->release_pending = false;
	c->aq_next = NULL;
	c->in_flight = 0;
	c->user_started = started;
	c->out_kind = PKT_SYN;
	c->backoff = 0;
	c->probe_armed = c->probe_out = c->in_loss = false;
	c->srtt = 0;
	c->seg_at = c->retrans_stamp = c->rx_stamp = 0;
	c->ts_recent = c->synack_ts = 0;
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

/* ---- receiving: one function per state ----------------------------------- */

/* SYN_SENT: tcp_rcv_synsent_state_process.  A SYN-ACK: the ACK goes out and
 * connect() returns at once (tcp_finish_connect: tcp_ack_update_rtt, then
 * tcp_init_metrics); an RST: ECONNREFUSED */
static void rcv_syn_sent(struct world *w, struct conn *c, int kind, bool cookie)
{
	const struct client_pop *p = world_pop_of(w, c);
	switch (kind) {
	case PKT_SYNACK:
		sim_queue_cancel(&w->q, &c->client_timer);
		sim_queue_cancel(&w->q, &c->client_deadline);
		w->client_syn_sent--;
		c->client_state = CLIENT_ESTABLISHED;
		w->client_established++;
		c->connect_at = w->q.now;
		c->cookie_isn = cookie;
		c->outcome = OUTCOME_CONNECTED;
		c->retransmits = 0;
		c->srtt = handshake_rtt(w, c);
		c->rto = profile_init_rto_after_handshake(&p->rules, c->srtt, *world_metrics_rtt(w, c->pop, false));
		/* ts_recent: the SYN-ACK's TSval (its send time, net_on_deliver),
		 * which the client's segments echo */
		if (cookie)
			c->synack_ts = profile_cookie_tsval(&w->s->server.rules, c->synack_ts);
		c->backoff = 0;
		TRACE(w, c, world_listener_of(w, c), "connected", PKT_SYNACK, TR_CONNECTED);
		net_send(w, c, PKT_ACK, cookie);
		app_connected(w, c);
		return;
	case PKT_RST_S:
		connect_failed(w, c, OUTCOME_REFUSED, PKT_RST_S, TR_REFUSED);
		return;
	default:
		return;
	}
}

/* a retransmitted SYN-ACK after connect(): answered with an ACK
 * (tcp_send_dupack), which retries the move into the accept queue */
static void dup_synack(struct world *w, struct conn *c)
{
	TRACE(w, c, world_listener_of(w, c), "deliver", PKT_SYNACK, TR_DUP_SYNACK);
	net_send(w, c, PKT_ACK, c->cookie_isn);
}

/* ESTABLISHED: tcp_rcv_established, tcp_ack */
static void rcv_established(struct world *w, struct conn *c, int kind)
{
	const struct client_pop *p = world_pop_of(w, c);
	switch (kind) {
	case PKT_SYNACK:
		dup_synack(w, c);
		return;
	case PKT_RST_S:
		/* tcp_reset: an RST after connect gives ECONNRESET */
		TRACE(w, c, world_listener_of(w, c), "reset", PKT_RST_S, TR_CONN_RESET);
		established_failed(w, c, OUTCOME_RESET_AFTER_CONNECT);
		return;
	case PKT_DATA_S:
		if (c->resolved)
			return; /* the application has had what it waited for */
		/* the server's first bytes; they acknowledge the request */
		c->request_acked = true;
		sim_queue_cancel(&w->q, &c->client_timer);
		if (c->out_kind == PKT_DATA)
			segment_acked(w, c);
		app_response(w, c);
		return;
	case PKT_DATA_ACK:
		if (c->request_acked)
			return;
		c->request_acked = true;
		segment_acked(w, c);
		/* the data's timer stops (once the application is served,
		 * client_timer is its holding time, except for a writer's) */
		if (!c->resolved || (p->after.kind == AFTER_HOLD && p->after.write))
			sim_queue_cancel(&w->q, &c->client_timer);
		return;
	default:
		return;
	}
}

/* FIN_WAIT1: tcp_rcv_state_process.  The FIN acknowledged: FIN_WAIT2, then
 * TIME_WAIT, whose tcp_time_wait updates the metrics cache; an RST: gone */
static void rcv_fin_wait1(struct world *w, struct conn *c, int kind)
{
	switch (kind) {
	case PKT_SYNACK:
		dup_synack(w, c);
		return;
	case PKT_RST_S:
		tcp_done(w, c);
		return;
	case PKT_DATA_ACK:
		segment_acked(w, c);
		client_update_metrics(w, c);
		tcp_done(w, c);
		return;
	default:
		return;
	}
}

/* no socket (tcp_v4_rcv, no_tcp_socket): a SYN-ACK is answered with RST
 * (tcp_v4_send_reset); a spoofed address has no host at all */
static void rcv_no_socket(struct world *w, struct conn *c, int kind)
{
	if (world_pop_of(w, c)->spoofed) {
		TRACE(w, c, world_listener_of(w, c), "deliver", kind, TR_SPOOFED);
		return;
	}
	if (kind == PKT_SYNACK) {
		TRACE(w, c, world_listener_of(w, c), "deliver", PKT_SYNACK, TR_SYNACK_NO_SOCKET);
		net_send(w, c, PKT_RST_C, false);
	}
}

void client_rcv(struct world *w, struct conn *c, int kind, bool cookie)
{
	switch (c->client_state) {
	case CLIENT_SYN_SENT:
		rcv_syn_sent(w, c, kind, cookie);
		return;
	case CLIENT_ESTABLISHED:
		rcv_established(w, c, kind);
		return;
	case CLIENT_FIN_WAIT1:
		rcv_fin_wait1(w, c, kind);
		return;
	default:
		rcv_no_socket(w, c, kind);
		return;
	}
}

/* ---- the retransmit timer: one function per state ------------------------ */

/* SYN_SENT: tcp_write_timeout, tcp_retransmit_timer (profile_syn_timeout: the
 * SYN schedule's step, docs/kernels.md "Rules") */
static void syn_sent_timer(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
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
}

/* the tail loss probe (tcp_send_loss_probe): retransmit the last segment;
 * count TCPLossProbes; the RTO restarts from now (icsk_pending = 0,
 * tcp_rearm_rto).  At most one probe outstanding: then what is left of the
 * RTO. */
static void loss_probe(struct world *w, struct conn *c)
{
	if (!c->probe_out) {
		TRACE(w, c, world_listener_of(w, c), "probe", c->out_kind, TR_LOSS_PROBE);
		net_send(w, c, c->out_kind, c->cookie_isn);
		c->seg_at = w->q.now;
		c->probe_out = true;
		w->res.client_loss_probes++;
		w->res.client_retrans_segs++;
		arm_rto(w, c, c->rto);
	} else {
		sim_time_ns left = c->seg_at + c->rto - w->q.now;
		arm_rto(w, c, left > 0 ? left : 1);
	}
}

/* tcp_retransmit_timer once the give-up checks passed: resend the outstanding
 * segment, enter loss (tcp_enter_loss), back the RTO off */
static void retransmit_segment(struct world *w, struct conn *c)
{
	TRACE(w, c, world_listener_of(w, c), "timer", c->out_kind, TR_DATA_RTO);
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

/* ESTABLISHED: the probe or the RTO of the outstanding data, which gives up
 * after tcp_retries2 (tcp_write_timeout); once the application is served
 * the timer is its holding time */
static void established_timer(struct world *w, struct conn *c)
{
	if (c->resolved) {
		/* the holding time is over.  A client that wrote holds on
		 * client_deadline and keeps client_timer for its byte: the byte's
		 * probe or RTO, when it comes before the ACK, lands here too and
		 * ends the hold early */
		app_hold_over(w, c);
		return;
	}
	if (c->probe_armed) {
		loss_probe(w, c);
		return;
	}
	w->res.client_timeouts++; /* tcp_retransmit_timer: TCPTimeouts */
	if (c->retransmits > 0 &&
	    w->q.now - c->retrans_stamp >= profile_model_timeout(TCP_RTO_MIN_NS, TCP_RETRIES2)) {
		TRACE(w, c, world_listener_of(w, c), "fail", PKT_NONE, TR_DATA_TIMEDOUT);
		established_failed(w, c, OUTCOME_TIMED_OUT_AFTER_CONNECT);
		return;
	}
	retransmit_segment(w, c);
}

/* FIN_WAIT1: the probe or the RTO of the FIN (or of data still before it);
 * an orphan gives up by tcp_orphan_retries, without RST */
static void fin_wait1_timer(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
	if (c->probe_armed) {
		loss_probe(w, c);
		return;
	}
	w->res.client_timeouts++; /* tcp_retransmit_timer: TCPTimeouts */
	if (profile_orphan_expired(p->sysctl.tcp_orphan_retries, c->rto, c->retransmits,
	                           w->q.now - c->retrans_stamp)) {
		TRACE(w, c, world_listener_of(w, c), "expire", c->out_kind, TR_ORPHAN_EXPIRED);
		tcp_done(w, c);
		return;
	}
	retransmit_segment(w, c);
}

void client_write_timer(struct world *w, struct conn *c)
{
	switch (c->client_state) {
	case CLIENT_SYN_SENT:
		syn_sent_timer(w, c);
		return;
	case CLIENT_ESTABLISHED:
		established_timer(w, c);
		return;
	case CLIENT_FIN_WAIT1:
		fin_wait1_timer(w, c);
		return;
	default:
		return;
	}
}

/* ---- the client application ---------------------------------------------- */

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

/* connect() returned: per population, hold the connection (a writer sends
 * its byte), send the request, or wait for the server's greeting */
static void app_connected(struct world *w, struct conn *c)
{
	const struct client_pop *p = world_pop_of(w, c);
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

/* the server's first bytes are read: served; hold the connection */
static void app_response(struct world *w, struct conn *c)
{
	c->served_at = w->q.now;
	sim_queue_cancel(&w->q, &c->client_deadline);
	TRACE(w, c, world_listener_of(w, c), "served", PKT_DATA_S, TR_SERVED);
	world_resolve(w, c);
	arm_hold(w, c);
}

static bool is_connect_failure(enum outcome o)
{
	return o == OUTCOME_TIMED_OUT || o == OUTCOME_REFUSED || o == OUTCOME_CONNECT_TIMEOUT;
}

/* the application is done with the socket (closed it, or it failed): the
 * user's next try (closed loop), or an application retry after a failed
 * connect */
static void app_socket_closed(struct world *w, struct conn *c)
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
		w->unresolved++;
		sim_time_ns backoff = (sim_time_ns)dist_sample(&p->app_backoff, &ps->client);
		set_timer(w, &u->ev, w->q.now + backoff);
		return;
	}
	if (c->user >= 0 && !w->arrivals_done) {
		struct user *u = &ps->users[c->user];
		sim_time_ns think = (sim_time_ns)dist_sample(&p->arrival.think, &ps->client);
		u->app_try = 0;
		set_timer(w, &u->ev, w->q.now + think);
	}
}

/* the holding time is over (or the read timed out): close() */
static void app_hold_over(struct world *w, struct conn *c)
{
	tcp_close(w, c);
	app_socket_closed(w, c);
}

/* the application's own timers (client_deadline): the connect timeout in
 * SYN_SENT; once connected, the read timeout, or the holding time of a
 * client that wrote */
void client_app_timer(struct world *w, struct conn *c)
{
	switch (c->client_state) {
	case CLIENT_SYN_SENT:
		connect_failed(w, c, OUTCOME_CONNECT_TIMEOUT, PKT_NONE, TR_CONNECT_TIMEOUT);
		return;
	case CLIENT_ESTABLISHED:
		if (!c->resolved) {
			TRACE(w, c, world_listener_of(w, c), "fail", PKT_NONE, TR_READ_TIMEOUT);
			world_set_outcome(w, c, OUTCOME_READ_TIMEOUT);
		}
		app_hold_over(w, c);
		return;
	default:
		return;
	}
}

/* a user's try starts (closed loop), or an application retry */
void client_user_try(struct world *w, struct user *u)
{
	bool retry = u->app_try > 0;
	if (retry)
		w->unresolved--;
	int32_t idx = u->index == UINT32_MAX ? -1 : (int32_t)u->index;
	sim_time_ns started = retry ? u->started : w->q.now;
	uint32_t pop = u->pop, try_no = u->app_try;
	if (idx < 0)
		pool_put(&w->pops[pop].retry_pool, u);
	else if (!retry && w->arrivals_done)
		return; /* a closed-loop user does not start anew after the arrivals end */
	if (retry)
		w->res.app_tries++;
	client_connect(w, pop, idx, try_no, started);
}
