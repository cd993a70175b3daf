/* listener.c: a listener's receive and timer paths (docs/kernels.md "How the
 * listener uses the rules": "Listener, on the final ACK", "SYN-ACK timers and
 * expiry"). */
#include "models/listener.h"

#include <string.h>

#include "models/core.h"
#include "models/network.h"

void listener_init(struct listener *l, uint16_t index, const struct kernel_rules *rules,
                   const struct server_sysctl *sysctl, long backlog)
{
	l->index = index;
	l->rules = rules;
	l->sysctl = sysctl;
	l->n = profile_effective_backlog(rules, backlog, sysctl->somaxconn);
	l->msb = sysctl->tcp_max_syn_backlog;
	l->syn_queue = l->young = l->accept_queue = 0;
	l->aq_head = l->aq_tail = NULL;
	l->last_overflow = 0;
	l->ever_overflowed = false;
	for (int i = 0; i < LISTENER_COUNTER_COUNT; i++)
		l->counters[i] = 0;
	l->max_syn_queue = l->max_accept_queue = 0;
	l->last_change = 0;
	l->syn_queue_area = l->accept_queue_area = 0;
	/* 90% of the limits: the accept queue holds N+1; the SYN queue is full
	 * at the profile's threshold */
	uint64_t aq_limit = profile_accept_queue_limit(rules, l->n);
	uint64_t sq_limit = profile_syn_queue_limit(rules, l->n, l->msb);
	l->aq_high = (uint32_t)((aq_limit * 9 + 9) / 10);
	l->sq_high = (uint32_t)((sq_limit * 9 + 9) / 10);
	if (l->aq_high == 0)
		l->aq_high = 1;
	if (l->sq_high == 0)
		l->sq_high = 1;
	l->aq_high_time = l->sq_high_time = 0;
}

void listener_start_window(struct listener *l, sim_time_ns now)
{
	listener_account(l, now);
	memcpy(l->counters_base, l->counters, sizeof(l->counters));
	l->max_syn_queue = l->syn_queue;
	l->max_accept_queue = l->accept_queue;
	l->syn_queue_area = l->accept_queue_area = 0;
	l->aq_high_time = l->sq_high_time = 0;
}

void listener_account(struct listener *l, sim_time_ns now)
{
	sim_time_ns d = now - l->last_change;
	double dt = (double)d;
	l->syn_queue_area += dt * l->syn_queue;
	l->accept_queue_area += dt * l->accept_queue;
	if (l->accept_queue >= l->aq_high)
		l->aq_high_time += d;
	if (l->syn_queue >= l->sq_high)
		l->sq_high_time += d;
	l->last_change = now;
}

static inline void count(struct listener *l, enum listener_counter c)
{
	l->counters[c]++;
}

static void arm_synack_timer(struct world *w, struct listener *l, struct conn *c, sim_time_ns delay)
{
	sim_time_ns now = w->q.now, fire;
	if (l->rules->synack_timer == SYNACK_TIMER_SHARED_SCAN) {
		/* inet_csk_reqsk_queue_prune: a 200 ms timer scans a slice of the
		 * table; the request's bucket is visited every scan period, so the
		 * timeout is handled at the first visit at or after it is due */
		sim_time_ns period = profile_scan_period(l->rules);
		sim_time_ns due = now + delay;
		sim_time_ns k = (due - c->scan_phase + period - 1) / period;
		if (k < 0)
			k = 0;
		fire = c->scan_phase + k * period;
		fire = (fire + PROFILE_SCAN_TICK_NS - 1) / PROFILE_SCAN_TICK_NS * PROFILE_SCAN_TICK_NS;
		if (fire < due)
			fire += PROFILE_SCAN_TICK_NS;
	} else {
		/* reqsk_queue_hash_req / mod_timer: one timer per request */
		world_schedule_lane(w, &c->synack_timer, profile_timer_fire(l->rules, now, delay),
		                    lane_key(LANE_SYNACK, l->index, delay));
		return;
	}
	world_schedule(w, &c->synack_timer, fire);
}

static void send_synack(struct world *w, struct conn *c, bool cookie)
{
	net_send(w, c, PKT_SYNACK, cookie);
}

static void send_rst(struct world *w, struct listener *l, struct conn *c)
{
	count(l, CTR_TcpOutRsts);
	net_send(w, c, PKT_RST_S, false);
}

/* the request leaves the SYN queue (moved, dropped, expired) */
static void unlink_request(struct world *w, struct listener *l, struct conn *c, uint8_t new_state)
{
	listener_account(l, w->q.now);
	l->syn_queue--;
	if (c->young) {
		c->young = false;
		l->young--;
	}
	sim_queue_cancel(&w->q, &c->synack_timer);
	c->server_state = new_state;
}

/* the child's first data: kept for the application, acknowledged; an
 * accepted child's reader is woken */
static unsigned child_data(struct world *w, struct conn *c)
{
	c->has_data = true;
	net_send(w, c, PKT_DATA_ACK, false);
	return c->server_state == SERVER_ACCEPTED ? LISTENER_WAKE_DATA : 0;
}

static void enqueue_child(struct world *w, struct listener *l, struct conn *c)
{
	listener_account(l, w->q.now);
	c->server_state = SERVER_ACCEPT_QUEUE;
	c->queued_at = w->q.now;
	c->aq_next = NULL;
	if (l->aq_tail)
		l->aq_tail->aq_next = c;
	else
		l->aq_head = c;
	l->aq_tail = c;
	l->accept_queue++;
	if (l->accept_queue > l->max_accept_queue)
		l->max_accept_queue = l->accept_queue;
	count(l, CTR_TcpPassiveOpens);
}

/* tcp_peer_is_proven: before 4.12 every peer counts as unproven; after, a
 * peer whose address has TCP metrics (an earlier connection closed) */
static bool peer_is_proven(const struct world *w, const struct listener *l, const struct conn *c)
{
	if (l->rules->unproven_all || w->s->pops[c->pop].spoofed)
		return false;
	return *world_metrics_rtt((struct world *)w, c->pop, true) != 0;
}

/* docs/kernels.md "tcp_metrics cache": the RTT sample the child took when
 * it was made (at queued_at; tcp_synack_rtt_meas): from a request
 * (tcp_check_req), from the SYN-ACK's send time (snt_synack, in us) when it
 * was sent once; otherwise, and for a cookie's child (tcp_rcv_state_process,
 * SYN_RECV, no request), from the timestamp the segment echoes (the SYN-ACK's
 * TSval, tcp_rtt_tsopt_us) when timestamps are on; else none (0) */
static sim_time_ns child_rtt(const struct world *w, const struct listener *l, const struct conn *c)
{
	if (!c->cookie_isn && c->num_retrans == 0) {
		sim_time_ns us = (c->queued_at - c->synack_ts) / 1000 * 1000;
		return us > 0 ? us : 1;
	}
	if (world_pop_of(w, c)->sysctl.tcp_timestamps && l->sysctl->tcp_timestamps)
		return profile_ts_rtt(l->rules, c->synack_ts, c->queued_at);
	return 0;
}

/* ---- the decisions ------------------------------------------------------- */

struct syn_verdict listener_syn_verdict(const struct kernel_rules *r, const struct syn_state *s)
{
	struct syn_verdict v = {SYN_QUEUE, TR_REQUEST_QUEUED, false, 0};
	/* SYN drops are counted from 3.10 on (tcp_listendrop; count_syn_drops) */
	uint32_t drop_ctr = r->count_syn_drops ? ~UINT32_C(0) : 0;

	/* Rule SYN.1: SYN queue full, or tcp_syncookies=2 (tcp_conn_request,
	 * inet_csk_reqsk_queue_is_full, tcp_syn_flood_action) */
	bool want_cookie = false;
	bool always = s->tcp_syncookies == 2 && r->syncookies_always;
	if (always || profile_syn_queue_is_full(r, s->syn_queue, s->n, s->msb)) {
		if (s->tcp_syncookies) {
			want_cookie = true;
			v.counters |= LISTENER_CTR(TCPReqQFullDoCookies) & drop_ctr;
		} else {
			v.counters |= (LISTENER_CTR(TCPReqQFullDrop) | LISTENER_CTR(ListenDrops)) & drop_ctr;
			v.action = SYN_DROP;
			v.reason = TR_SYNQ_FULL_NO_COOKIES;
			return v;
		}
	}

	/* Rule SYN.2: accept queue full (sk_acceptq_is_full); old kernels drop
	 * only while more than one young request is queued */
	if (r->syn_on_full_accept != SYN_FULL_ACCEPT_IGNORE && profile_accept_queue_is_full(r, s->accept_queue, s->n)) {
		if (r->syn_on_full_accept == SYN_FULL_ACCEPT_DROP || s->young > 1) {
			v.counters |= (LISTENER_CTR(ListenOverflows) | LISTENER_CTR(ListenDrops)) & drop_ctr;
			v.action = SYN_DROP;
			v.reason = r->syn_on_full_accept == SYN_FULL_ACCEPT_DROP ? TR_ACCEPTQ_FULL_SYN : TR_ACCEPTQ_FULL_YOUNG;
			return v;
		}
		v.passed_full_accept = true;
	}

	/* Rule SYN.3: cookies off and less than a quarter of tcp_max_syn_backlog
	 * left: only proven peers (tcp_conn_request, tcp_peer_is_proven) */
	if (!want_cookie && !s->tcp_syncookies && r->syn_queue_full != SYNQ_FREEBSD &&
	    (int64_t)s->msb - (int64_t)s->syn_queue < (int64_t)(s->msb >> 2) && !s->peer_proven) {
		v.counters |= LISTENER_CTR(ListenDrops) & drop_ctr;
		v.action = SYN_DROP;
		v.reason = TR_UNPROVEN_PEER;
		return v;
	}

	if (want_cookie) {
		/* cookie_v4_init_sequence, tcp_synq_overflow: no state is kept */
		v.counters |= LISTENER_CTR(SyncookiesSent);
		if (r->cookie_counts_listendrops)
			v.counters |= LISTENER_CTR(ListenDrops); /* 3.10, 4.4: the cookie path ends at drop_and_free */
		v.action = SYN_COOKIE;
		v.reason = always ? TR_COOKIE_ALWAYS : TR_COOKIE_SYNQ_FULL;
		return v;
	}
	/* Rule SYN.4: queue a request (inet_csk_reqsk_queue_hash_add) */
	return v;
}

struct ack_verdict listener_ack_verdict(const struct ack_state *s)
{
	struct ack_verdict v = {ACK_ESTABLISH, TR_CHILD_QUEUED, false, TR_SEND, 0};
	if (s->request) {
		if (s->rst) {
			/* tcp_check_req: RST -> embryonic_reset, the request is dropped */
			v.action = ACK_DROP_REQUEST;
			v.reason = TR_REQUEST_RST;
			v.counters = LISTENER_CTR(EmbryonicRsts);
			return v;
		}
		/* Rule ACK.1: accept queue full (tcp_v4_syn_recv_sock: exit_overflow) */
		if (s->accept_full) {
			v.counters = LISTENER_CTR(ListenOverflows) | LISTENER_CTR(ListenDrops);
			if (s->abort_on_overflow) {
				/* tcp_check_req: embryonic_reset */
				v.action = ACK_RESET_REQUEST;
				v.reason = TR_ACK_OVERFLOW_RST;
				v.counters |= LISTENER_CTR(EmbryonicRsts);
			} else {
				v.action = ACK_KEEP_REQUEST; /* inet_rsk(req)->acked = 1 */
				v.reason = TR_ACK_OVERFLOW_DROP;
			}
			return v;
		}
		/* Rule ACK.2: the child joins the accept queue (inet_csk_complete_hashdance) */
		return v;
	}
	if (s->rst) {
		v.action = ACK_IGNORE; /* an RST for nothing is ignored */
		v.reason = TR_SEND;
		return v;
	}
	/* cookie_v4_check: only within cookie_valid of the last overflow */
	if (s->cookie_check) {
		if (s->cookie && s->cookie_too_old) {
			v.counters = LISTENER_CTR(SyncookiesFailed);
			v.cookie_failed = true;
			v.fail_reason = TR_COOKIE_TOO_OLD;
		} else if (s->cookie) {
			/* Rule ACK.3: a valid cookie ACK */
			v.counters = LISTENER_CTR(SyncookiesRecv);
			if (s->accept_full) {
				v.counters |= LISTENER_CTR(ListenOverflows) | LISTENER_CTR(ListenDrops);
				v.action = ACK_DROP;
				v.reason = TR_COOKIE_ACK_OVERFLOW;
				return v;
			}
			v.reason = TR_COOKIE_VALID;
			return v;
		} else {
			v.counters = LISTENER_CTR(SyncookiesFailed);
			v.cookie_failed = true;
			v.fail_reason = TR_COOKIE_INVALID;
		}
	}
	/* Rule ACK.4: nothing but the listener: RST */
	v.action = ACK_RESET;
	v.reason = TR_NO_REQUEST_RST;
	return v;
}

bool listener_synack_expires(const struct kernel_rules *r, int synack_retries, int num_timeout, uint32_t qlen,
                             uint32_t young, int n, int msb)
{
	/* reqsk_timer_handler / inet_csk_reqsk_queue_prune: the retry limit
	 * shrinks with the share of young requests once the queue is crowded;
	 * syn_ack_recalc: expire = num_timeout >= max */
	return num_timeout >= profile_synack_retry_limit(r, synack_retries, qlen, young, n, msb);
}

static void count_verdict(struct listener *l, uint32_t counters)
{
	for (int i = 0; counters && i < LISTENER_COUNTER_COUNT; i++, counters >>= 1)
		if (counters & 1)
			l->counters[i]++;
}

/* ---- receiving: one function per state of the attempt's server side ------
 *
 * tcp_v4_rcv finds the socket a segment belongs to: an established child
 * (queued or accepted), a request (TCP_NEW_SYN_RECV: tcp_check_req), or only
 * the listener (tcp_rcv_state_process in LISTEN: tcp_conn_request for a SYN,
 * cookie_v4_check for an ACK). */

/* the child joins the accept queue, with what its segment carries */
static unsigned establish(struct world *w, struct listener *l, struct conn *c, int kind, enum trace_reason why)
{
	enqueue_child(w, l, c);
	TRACE(w, c, l, "established", kind, why);
	if (kind == PKT_DATA)
		child_data(w, c); /* not accepted yet: no reader to wake */
	else if (kind == PKT_FIN)
		net_send(w, c, PKT_DATA_ACK, false); /* the FIN is acknowledged: CLOSE_WAIT */
	return LISTENER_WAKE_ACCEPT; /* sk_data_ready of the listening socket */
}

/* a verdict of listener_ack_verdict, applied */
static inline __attribute__((always_inline)) unsigned apply_ack_verdict(struct world *w, struct listener *l,
                                                                    struct conn *c, int kind,
                                  const struct ack_verdict *v)
{
	count_verdict(l, v->counters);
	if (v->cookie_failed)
		TRACE(w, c, l, "fail", kind, v->fail_reason);
	switch (v->action) {
	case ACK_ESTABLISH:
		if (c->server_state == SERVER_REQUEST)
			unlink_request(w, l, c, SERVER_ACCEPT_QUEUE);
		return establish(w, l, c, kind, v->reason);
	case ACK_KEEP_REQUEST:
	case ACK_DROP:
		TRACE(w, c, l, "drop", kind, v->reason);
		return 0;
	case ACK_RESET_REQUEST:
		TRACE(w, c, l, "reset", kind, v->reason);
		send_rst(w, l, c);
		unlink_request(w, l, c, SERVER_NONE);
		return 0;
	case ACK_DROP_REQUEST:
		TRACE(w, c, l, "drop", kind, v->reason);
		unlink_request(w, l, c, SERVER_NONE);
		return 0;
	case ACK_IGNORE:
		return 0;
	case ACK_RESET:
		TRACE(w, c, l, "reset", kind, v->reason);
		send_rst(w, l, c);
		return 0;
	}
	return 0;
}

/* tcp_conn_request: a SYN that finds no request (listener_syn_verdict),
 * applied */
static void conn_request(struct world *w, struct listener *l, struct conn *c)
{
	const struct kernel_rules *r = l->rules;
	c->ts_recent = c->rx_stamp; /* tcp_openreq_init: the SYN-ACK echoes this SYN's TSval */

	struct syn_state st = {
	    .syn_queue = l->syn_queue,
	    .young = l->young,
	    .accept_queue = l->accept_queue,
	    .n = l->n,
	    .msb = l->msb,
	    .tcp_syncookies = l->sysctl->tcp_syncookies,
	    .peer_proven = peer_is_proven(w, l, c),
	};
	struct syn_verdict v = listener_syn_verdict(r, &st);
	count_verdict(l, v.counters);
	if (v.passed_full_accept)
		TRACE(w, c, l, "pass", PKT_SYN, TR_ACCEPTQ_FULL_PASS);
	if (v.action == SYN_DROP) {
		TRACE(w, c, l, "drop", PKT_SYN, v.reason);
		return;
	}
	if (v.action == SYN_COOKIE) {
		/* tcp_synq_overflow: the stamp moves only when it is more than a
		 * second old (4.4+; docs/kernels.md "Listener rules of tcp_check_req
		 * and the cookie check") */
		l->last_overflow = profile_overflow_stamp(r, l->ever_overflowed, l->last_overflow, w->q.now);
		l->ever_overflowed = true;
		c->cookie_at = w->q.now;
		TRACE(w, c, l, "cookie", PKT_SYN, v.reason);
		send_synack(w, c, true);
		return;
	}

	/* Rule SYN.4: queue a request (inet_csk_reqsk_queue_hash_add) */
	listener_account(l, w->q.now);
	l->syn_queue++;
	l->young++;
	if (l->syn_queue > l->max_syn_queue)
		l->max_syn_queue = l->syn_queue;
	c->server_state = SERVER_REQUEST;
	c->young = true;
	c->num_timeout = 0;
	c->num_retrans = 0;
	if (r->synack_timer == SYNACK_TIMER_SHARED_SCAN) {
		sim_time_ns period = profile_scan_period(r);
		sim_time_ns ticks = period / PROFILE_SCAN_TICK_NS;
		c->scan_phase = (sim_time_ns)rng_below(&w->server_rng, (unsigned long)(ticks > 0 ? ticks : 1)) *
		                PROFILE_SCAN_TICK_NS;
	}
	TRACE(w, c, l, "queue", PKT_SYN, TR_REQUEST_QUEUED);
	send_synack(w, c, false);
	arm_synack_timer(w, l, c, r->init_rto);
}

/* LISTEN: nothing but the listener.  A SYN: tcp_conn_request; another
 * segment: the cookie check within cookie_valid of the last overflow
 * (cookie_v4_check), else RST; an RST is ignored */
static unsigned rcv_listen(struct world *w, struct listener *l, struct conn *c, int kind)
{
	if (kind == PKT_SYN) {
		conn_request(w, l, c);
		return 0;
	}
	const struct kernel_rules *r = l->rules;
	bool cookie_check =
	    l->sysctl->tcp_syncookies && l->ever_overflowed && w->q.now - l->last_overflow <= r->cookie_valid;
	struct ack_state st = {
	    .request = false,
	    .rst = kind == PKT_RST_C,
	    .accept_full = profile_accept_queue_is_full(r, l->accept_queue, l->n),
	    .abort_on_overflow = l->sysctl->tcp_abort_on_overflow || r->rst_on_refused_ack,
	    .cookie_check = cookie_check,
	    .cookie = c->cookie_isn,
	    .cookie_too_old = cookie_check && c->cookie_isn && profile_cookie_too_old(c->cookie_at, w->q.now),
	};
	struct ack_verdict v = listener_ack_verdict(&st);
	return apply_ack_verdict(w, l, c, kind, &v);
}

/* SYN_RECV: tcp_check_req.  A retransmitted SYN finds its request and is
 * answered with a SYN-ACK again; it takes no new slot.  docs/kernels.md
 * "Retransmitted SYN for a request": tcp_check_req answers at most once per
 * tcp_invalid_ratelimit (tcp_oow_rate_limited, last_oow_ack_time), and
 * restarts the request timer at reqsk_timeout (mod_timer_pending).  Another
 * segment completes the handshake (tcp_v4_syn_recv_sock) unless the accept
 * queue is full; an RST drops the request. */
static unsigned rcv_syn_recv(struct world *w, struct listener *l, struct conn *c, int kind)
{
	const struct kernel_rules *r = l->rules;
	if (kind == PKT_SYN) {
		if (r->synrecv_syn_ratelimit) {
			sim_time_ns j = SIM_NS_PER_S / (r->hz > 0 ? r->hz : 1000);
			if (c->oow_at >= 0 &&
			    w->q.now / j - c->oow_at / j < (l->sysctl->tcp_invalid_ratelimit + j - 1) / j) {
				TRACE(w, c, l, "drop", PKT_SYN, TR_SYN_RATELIMITED);
				return 0;
			}
			c->oow_at = w->q.now;
		}
		c->num_retrans++;
		count(l, CTR_TCPSynRetrans);
		TRACE(w, c, l, "deliver", PKT_SYN, TR_SYN_FINDS_REQUEST);
		send_synack(w, c, false);
		if (r->synrecv_syn_rearm && r->synack_timer == SYNACK_TIMER_PER_REQUEST &&
		    sim_event_is_pending(&c->synack_timer)) {
			sim_queue_cancel(&w->q, &c->synack_timer);
			arm_synack_timer(w, l, c, profile_synack_timeout(r, c->num_timeout));
		}
		return 0;
	}
	struct ack_state st = {
	    .request = true,
	    .rst = kind == PKT_RST_C,
	    .accept_full = profile_accept_queue_is_full(r, l->accept_queue, l->n),
	    .abort_on_overflow = l->sysctl->tcp_abort_on_overflow || r->rst_on_refused_ack,
	};
	struct ack_verdict v = listener_ack_verdict(&st);
	return apply_ack_verdict(w, l, c, kind, &v);
}

/* ESTABLISHED child, queued or accepted (tcp_rcv_established): data is
 * acknowledged, the first data kept for the application; a FIN is
 * acknowledged (CLOSE_WAIT); a SYN is stale */
static unsigned rcv_child(struct world *w, struct listener *l, struct conn *c, int kind)
{
	switch (kind) {
	case PKT_SYN:
		TRACE(w, c, l, "deliver", PKT_SYN, TR_SYN_STALE);
		return 0;
	case PKT_DATA:
		if (!c->has_data)
			return child_data(w, c);
		net_send(w, c, PKT_DATA_ACK, false);
		return 0;
	case PKT_FIN:
		TRACE(w, c, l, "deliver", PKT_FIN, TR_CHILD_FIN);
		net_send(w, c, PKT_DATA_ACK, false);
		return 0;
	default:
		return 0;
	}
}

/* a child the server closed (tcp_rcv_state_process): a FIN is acknowledged;
 * new data resets (TCPAbortOnData); a SYN is stale */
static void rcv_closed_child(struct world *w, struct listener *l, struct conn *c, int kind)
{
	switch (kind) {
	case PKT_SYN:
		TRACE(w, c, l, "deliver", PKT_SYN, TR_SYN_STALE);
		return;
	case PKT_FIN:
		net_send(w, c, PKT_DATA_ACK, false);
		return;
	case PKT_DATA:
		if (!c->has_data) {
			TRACE(w, c, l, "reset", PKT_DATA, TR_ABORT_ON_DATA);
			c->has_data = true;
			send_rst(w, l, c);
		}
		return;
	default:
		return;
	}
}

unsigned listener_rcv(struct world *w, struct listener *l, struct conn *c, int kind)
{
	if (kind == PKT_SYN && w->hooks.syn_seen) {
		/* tcpsynbl: the accept-queue length this SYN sees */
		size_t k = l->accept_queue < w->hooks.syn_seen_max ? l->accept_queue : w->hooks.syn_seen_max - 1;
		w->hooks.syn_seen[k]++;
	}
	switch (c->server_state) {
	case SERVER_NONE:
		return rcv_listen(w, l, c, kind);
	case SERVER_REQUEST:
		return rcv_syn_recv(w, l, c, kind);
	case SERVER_ACCEPT_QUEUE:
	case SERVER_ACCEPTED:
		return rcv_child(w, l, c, kind);
	default:
		rcv_closed_child(w, l, c, kind);
		return 0;
	}
}

/* the request timer (reqsk_timer_handler, or the shared scan of
 * inet_csk_reqsk_queue_prune): the retry limit shrinks with the share of
 * young requests once the queue is crowded (listener_synack_expires); a
 * request that does not expire has its SYN-ACK resent */
void listener_reqsk_timer(struct world *w, struct listener *l, struct conn *c)
{
	const struct kernel_rules *r = l->rules;
	if (listener_synack_expires(r, l->sysctl->tcp_synack_retries, c->num_timeout, l->syn_queue, l->young, l->n,
	                            l->msb)) {
		TRACE(w, c, l, "expire", PKT_NONE, TR_REQUEST_EXPIRED);
		unlink_request(w, l, c, SERVER_NONE);
		return;
	}
	c->num_retrans++;
	count(l, CTR_TCPSynRetrans);
	TRACE(w, c, l, "timer", PKT_SYNACK,
	      r->synack_timer == SYNACK_TIMER_SHARED_SCAN ? TR_SYNACK_RTO_SCAN : TR_SYNACK_RTO);
	send_synack(w, c, false);
	if (c->num_timeout++ == 0 && c->young) {
		c->young = false;
		l->young--;
	}
	arm_synack_timer(w, l, c, profile_synack_timeout(r, c->num_timeout));
}

struct conn *listener_accept(struct world *w, struct listener *l)
{
	struct conn *c = l->aq_head;
	if (!c)
		return NULL;
	listener_account(l, w->q.now);
	l->aq_head = c->aq_next;
	if (!l->aq_head)
		l->aq_tail = NULL;
	c->aq_next = NULL;
	l->accept_queue--;
	c->server_state = SERVER_ACCEPTED;
	c->accepted_at = w->q.now;
	TRACE(w, c, l, "accept", PKT_NONE, TR_ACCEPTED);
	return c;
}

void listener_child_write(struct world *w, struct conn *c)
{
	net_send(w, c, PKT_DATA_S, false);
}

void listener_update_metrics(struct world *w, const struct listener *l, const struct conn *c)
{
	/* tcp_update_metrics when the child ends, a round trip after the
	 * application's close (tcp_time_wait from FIN_WAIT2, or LAST_ACK
	 * acknowledged), taken at the close (docs/kernels.md "tcp_metrics
	 * cache"): its RTT sample is cached (profile_metrics_rtt), none resets
	 * the cache; the peer is proven while an RTT is cached
	 * (tcp_peer_is_proven) */
	if (l->sysctl->tcp_no_metrics_save)
		return;
	sim_time_ns *crtt = world_metrics_rtt(w, c->pop, true);
	*crtt = profile_metrics_rtt(*crtt, child_rtt(w, l, c), 0);
}

void listener_child_close(struct world *w, struct listener *l, struct conn *c, bool unread)
{
	c->server_state = SERVER_CLOSED;
	if (unread) {
		/* tcp_close with data the application never read: RST instead of
		 * FIN (TCPAbortOnClose); the socket ends without tcp_update_metrics */
		TRACE(w, c, l, "reset", PKT_NONE, TR_ABORT_ON_CLOSE);
		send_rst(w, l, c);
	} else {
		listener_update_metrics(w, l, c);
	}
	TRACE(w, c, l, "server-close", PKT_NONE, TR_SERVER_CLOSE);
}

bool listener_check(const struct listener *l)
{
	uint32_t n = 0;
	const struct conn *last = NULL;
	for (const struct conn *c = l->aq_head; c; c = c->aq_next) {
		if (c->server_state != SERVER_ACCEPT_QUEUE)
			return false;
		last = c;
		n++;
	}
	return n == l->accept_queue && last == l->aq_tail && l->young <= l->syn_queue;
}
