/* test_listener.c: scenarios with known answers for the listener's rules
 * (docs/kernels.md "How the listener uses the rules"; docs/kcheck.md). */
#include <criterion/criterion.h>

#include "helpers.h"

Test(listener, accept_queue_holds_backlog_plus_one)
{
	for (long backlog = 0; backlog <= 20; backlog += 4) {
		struct scenario s = sc_basic("linux-6.18");
		s.server.backlog = backlog;
		s.duration = 2 * S_NS;
		s.pops[0].sysctl.tcp_syn_retries = 2;
		struct outcome_summary o = run_scenario(&s, NULL);
		cr_assert_eq(o.r.outcomes[OUTCOME_CONNECTED], (uint64_t)backlog + 1, "backlog %ld", backlog);
		cr_assert_eq(o.r.max_accept_queue, (uint32_t)backlog + 1);
		cr_assert_eq(o.r.connected_never_accepted, (uint64_t)backlog + 1);
		cr_assert_eq(o.r.outcomes[OUTCOME_TIMED_OUT], o.r.attempts - (uint64_t)backlog - 1);
	}
}

Test(listener, somaxconn_clamps_listen_1000_to_33)
{
	struct scenario s = sc_basic("linux-6.18");
	s.server.backlog = 1000;
	s.server.sysctl.somaxconn = 32;
	s.duration = 5 * S_NS;
	s.pops[0].sysctl.tcp_syn_retries = 1;
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.attempts, 100);
	cr_assert_eq(o.r.outcomes[OUTCOME_CONNECTED], 33);
	cr_assert_eq(o.r.max_accept_queue, 33);
}

Test(listener, every_syn_copy_on_a_full_accept_queue_is_counted)
{
	struct scenario s = sc_basic("linux-6.18");
	s.pops[0].sysctl.tcp_syn_retries = 3; /* 8 SYNs per attempt */
	struct outcome_summary o = run_scenario(&s, NULL);
	uint64_t failed = o.r.outcomes[OUTCOME_TIMED_OUT];
	cr_assert_eq(failed, 20 - 9);
	cr_assert_eq(o.r.counters[CTR_ListenOverflows], failed * 8);
	cr_assert_eq(o.r.counters[CTR_ListenDrops], failed * 8);
	cr_assert_eq(o.r.counters[CTR_TCPReqQFullDrop], 0);
	/* ListenDrops = ListenOverflows + TCPReqQFullDrop */
	cr_assert_eq(o.r.counters[CTR_ListenDrops],
	             o.r.counters[CTR_ListenOverflows] + o.r.counters[CTR_TCPReqQFullDrop]);
}

/* a burst against backlog 8: cookies off drop at the SYN queue, cookies on answer */
static struct scenario burst(const char *kernel, int syncookies, uint32_t count)
{
	struct scenario s = sc_basic(kernel);
	s.server.sysctl.tcp_syncookies = syncookies;
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = count;
	s.pops[0].arrival.at = 0;
	s.pops[0].sysctl.tcp_syn_retries = 1;
	s.server.acceptor.kind = ACCEPTOR_WORKERS;
	s.server.acceptor.workers = 1000;
	s.server.acceptor.service = dist_constant(1.0 * S_NS);
	s.drain = scenario_default_drain(&s);
	return s;
}

Test(listener, full_syn_queue_with_cookies_off_drops)
{
	struct scenario s = burst("linux-6.18", 0, 20);
	struct outcome_summary o = run_scenario(&s, NULL);
	/* qlen > N: 9 requests fit, the other 11 first SYNs are dropped; their
	 * retransmits a second later meet an empty SYN queue again: 9 fit, 2 are
	 * dropped and get in at the third SYN (tcp_syn_retries=1 still sends
	 * SYNs at 0, 1, 2 s with linear timeouts: the give-up time is 3 s) */
	cr_assert_eq(o.r.max_syn_queue, 9);
	cr_assert_eq(o.r.counters[CTR_TCPReqQFullDrop], 13);
	cr_assert_eq(o.r.counters[CTR_SyncookiesSent], 0);
	cr_assert_eq(o.r.counters[CTR_ListenDrops],
	             o.r.counters[CTR_ListenOverflows] + o.r.counters[CTR_TCPReqQFullDrop]);
	cr_assert_eq(o.r.connected_by_syns[0], 9);
	cr_assert_eq(o.r.connected_by_syns[1], 9);
	cr_assert_eq(o.r.connected_by_syns[2], 2);
}

Test(listener, full_syn_queue_with_cookies_on_answers_without_state)
{
	struct scenario s = burst("linux-6.18", 1, 20);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.max_syn_queue, 9);
	cr_assert_eq(o.r.counters[CTR_TCPReqQFullDrop], 0);
	cr_assert_eq(o.r.counters[CTR_TCPReqQFullDoCookies], 11);
	cr_assert_eq(o.r.counters[CTR_SyncookiesSent], 11);
	cr_assert_eq(o.r.counters[CTR_SyncookiesRecv], 11);
	cr_assert_eq(o.r.counters[CTR_ListenDrops], 0);
	cr_assert_eq(o.r.connected_by_syns[0], 20);
	cr_assert_eq(o.r.accepted, 20);
}

Test(listener, syncookies_2_always_sends_cookies)
{
	struct scenario s = burst("linux-6.18", 2, 5);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.counters[CTR_SyncookiesSent], 5);
	cr_assert_eq(o.r.max_syn_queue, 0);
	cr_assert_eq(o.r.accepted, 5);
}

/* five connections fill 5 of 9 accept-queue slots; then 8 SYNs at once are
 * all admitted (the queue is not full at SYN time) and their 8 ACKs meet a
 * queue with 4 free slots */
static struct scenario ack_overflow(int abort_on_overflow)
{
	struct scenario s = sc_basic("linux-6.18");
	s.server.sysctl.tcp_abort_on_overflow = abort_on_overflow;
	s.n_pops = 2;
	s.pops[1] = s.pops[0];
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = 5;
	s.pops[0].arrival.at = 0;
	s.pops[1].arrival.kind = ARRIVAL_BURST;
	s.pops[1].arrival.count = 8;
	s.pops[1].arrival.at = 500 * MS_NS;
	s.pops[0].sysctl.tcp_syn_retries = 1;
	s.pops[1].sysctl.tcp_syn_retries = 1;
	s.drain = 100 * S_NS;
	return s;
}

Test(listener, abort_on_overflow_1_resets_when_the_final_ack_overflows)
{
	struct scenario s = ack_overflow(1);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.attempts, 13);
	cr_assert_eq(o.r.outcomes[OUTCOME_RESET_AFTER_CONNECT], 4);
	cr_assert_eq(o.r.outcomes[OUTCOME_CONNECTED], 9);
	cr_assert_eq(o.r.counters[CTR_ListenOverflows], 4);
	cr_assert_eq(o.r.counters[CTR_EmbryonicRsts], 4);
	cr_assert_eq(o.r.max_accept_queue, 9);
}

Test(listener, abort_on_overflow_0_keeps_the_request_and_retries)
{
	struct scenario s = ack_overflow(0);
	struct outcome_summary o = run_scenario(&s, NULL);
	/* the 4 clients believe they are connected; the server never accepts them */
	cr_assert_eq(o.r.outcomes[OUTCOME_CONNECTED], 13);
	cr_assert_eq(o.r.outcomes[OUTCOME_RESET_AFTER_CONNECT], 0);
	cr_assert_eq(o.r.connected_never_accepted, 13);
	/* each SYN-ACK retransmit (1, 3, 7, 15, 31 s) brings an ACK that overflows
	 * again: 4 x (1 + 5) overflows, then the requests expire at 63 s */
	cr_assert_eq(o.r.counters[CTR_ListenOverflows], 4 * 6);
	cr_assert_eq(o.r.counters[CTR_EmbryonicRsts], 0);
}

Test(listener, abort_on_overflow_changes_nothing_at_syn_time)
{
	struct scenario a = sc_basic("linux-6.18"), b = sc_basic("linux-6.18");
	b.server.sysctl.tcp_abort_on_overflow = 1;
	struct outcome_summary oa = run_scenario(&a, NULL), ob = run_scenario(&b, NULL);
	for (int i = 0; i < OUTCOME_COUNT; i++)
		cr_assert_eq(oa.r.outcomes[i], ob.r.outcomes[i]);
	for (int i = 0; i < LISTENER_COUNTER_COUNT; i++)
		cr_assert_eq(oa.r.counters[i], ob.r.counters[i]);
}

/* spoofed SYNs: requests nobody completes */
static struct scenario flood(uint32_t count, long backlog)
{
	struct scenario s = sc_basic("linux-6.18");
	s.server.backlog = backlog;
	s.server.rules.timer_wheel = false;
	s.server.sysctl.tcp_syncookies = 0;
	s.pops[0].spoofed = true;
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = count;
	s.pops[0].arrival.at = 0;
	s.drain = 200 * S_NS;
	return s;
}

Test(listener, synack_retransmits_then_silent_expiry_at_63_s)
{
	struct scenario s = flood(1, 128);
	struct capture cap = {0};
	run_scenario(&s, &cap);
	double t[16];
	size_t n = trace_times(&cap, 0, "send", "SYN-ACK", t, 16);
	double want[] = {0, 1, 3, 7, 15, 31};
	cr_assert_eq(n, 6);
	for (size_t i = 0; i < n; i++)
		cr_assert_float_eq(t[i], want[i] + 0.00005, 1e-6, "SYN-ACK %zu at %g", i, t[i]);
	n = trace_times(&cap, 0, "expire", NULL, t, 16);
	cr_assert_eq(n, 1);
	cr_assert_float_eq(t[0], 63.00005, 1e-6);
	capture_free(&cap);
}

Test(listener, a_crowded_queue_of_old_requests_expires_after_two_retries)
{
	/* 16 requests with N = 16: 2*qlen > max(8, N).  After their first
	 * timeout none is young, so the limit drops to 2 (reqsk_timer_handler):
	 * SYN-ACKs at 0, 1, 3 s and expiry at 7 s.  But as the first 8 expire the
	 * queue is no longer crowded (2*8 = 16 is not > 16): the other 8 keep the
	 * full 5 retries and expire at 63 s ("reserve half of room for young") */
	struct scenario s = flood(16, 16);
	struct capture cap = {0};
	struct outcome_summary o = run_scenario(&s, &cap);
	cr_assert_eq(o.r.max_syn_queue, 16);
	for (uint64_t id = 0; id < 16; id++) {
		double t[16];
		size_t n = trace_times(&cap, id, "send", "SYN-ACK", t, 16);
		cr_assert_eq(n, id < 8 ? 3 : 6, "request %llu sent %zu SYN-ACKs", (unsigned long long)id, n);
		n = trace_times(&cap, id, "expire", NULL, t, 16);
		cr_assert_eq(n, 1);
		cr_assert_float_eq(t[0], id < 8 ? 7.00005 : 63.00005, 1e-6);
	}
	capture_free(&cap);
}

Test(listener, an_ack_for_an_expired_request_gets_rst)
{
	/* all SYN-ACKs lost: the client keeps sending SYNs (each answered by the
	 * request), then the request expires; with retries 7 the client is still
	 * connecting and a late SYN makes a new request */
	struct scenario s = sc_basic("linux-6.18");
	s.server.rules.timer_wheel = false;
	s.pops[0].rules.timer_wheel = false;
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = 1;
	s.pops[0].path.loss_to_client = 1.0;
	s.pops[0].sysctl.tcp_syn_retries = 2;
	s.drain = 200 * S_NS;
	struct capture cap = {0};
	struct outcome_summary o = run_scenario(&s, &cap);
	cr_assert_eq(o.r.outcomes[OUTCOME_TIMED_OUT], 1);
	/* the client gave up (socket gone) while the request lived: the next
	 * SYN-ACK is lost too, so nothing answers; the request expires silently */
	double t[8];
	cr_assert_eq(trace_times(&cap, 0, "expire", NULL, t, 8), 1);
	capture_free(&cap);

	/* clients that sent a request on a connection whose ACK overflowed: their
	 * data retransmits retry the move until the request expires at 63 s; the
	 * next one meets only the listener and is answered with RST (rule ACK.4) */
	struct scenario r = ack_overflow(0);
	r.pops[1].after.kind = AFTER_REQUEST;
	r.drain = 300 * S_NS;
	struct outcome_summary o2 = run_scenario(&r, NULL);
	cr_assert_eq(o2.r.counters[CTR_TcpOutRsts], 4);
	cr_assert_eq(o2.r.outcomes[OUTCOME_RESET_AFTER_CONNECT], 4);
}

Test(listener, retransmitted_syns_take_no_new_slot)
{
	/* SYN-ACKs lost: the client's SYN retransmits find the request */
	struct scenario s = sc_basic("linux-6.18");
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = 3;
	s.pops[0].path.loss_to_client = 1.0;
	s.pops[0].sysctl.tcp_syn_retries = 3;
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.max_syn_queue, 3);
	cr_assert_eq(o.r.outcomes[OUTCOME_TIMED_OUT], 3);
}

/* 5 clients hold 5 of the 9 slots; 8 more connect at 0.5 s and 4 of their
 * ACKs overflow; those 4 close at 0.6 s.  The application stalls until 2 s,
 * then 100 workers take everything. */
static struct scenario closing_after_overflow(int orphan_retries)
{
	struct scenario s = ack_overflow(0);
	s.server.acceptor.kind = ACCEPTOR_WORKERS;
	s.server.acceptor.workers = 100;
	s.server.acceptor.service = dist_constant(10 * MS_NS);
	s.server.acceptor.stalls[0] = (struct stall){0, 2 * S_NS, 0};
	s.server.acceptor.n_stalls = 1;
	s.pops[1].after.hold = dist_constant(100 * MS_NS);
	s.pops[1].sysctl.tcp_orphan_retries = orphan_retries;
	s.pops[1].rules.timer_wheel = false;
	return s;
}

Test(listener, fin_retransmits_complete_a_request_whose_ack_was_dropped)
{
	/* FIN_WAIT1 retransmits the FIN (0.8, 1.2, 2.0, 3.6 s ...): a copy after
	 * the stall moves the request into the accept queue as a CLOSE_WAIT child */
	struct scenario s = closing_after_overflow(0);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.accepted, 13);
	cr_assert_eq(o.r.connected_never_accepted, 0);
	cr_assert_eq(o.r.counters[CTR_EmbryonicRsts], 0);
}

Test(listener, an_orphan_that_gives_up_resets_its_request)
{
	/* with one FIN retransmit the socket is gone at 1.2 s; the request's
	 * SYN-ACK retransmit at 1.5 s meets no socket: RST, and the request is
	 * dropped (EmbryonicRsts) before the application could accept it */
	struct scenario s = closing_after_overflow(1);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.accepted, 9);
	cr_assert_eq(o.r.connected_never_accepted, 4);
	cr_assert_eq(o.r.counters[CTR_EmbryonicRsts], 4);
}

/* the listener's decisions as tables: state in, verdict out (the kernel's
 * tcp_conn_request, tcp_check_req and cookie_v4_check, docs/kernels.md "How
 * the listener uses the rules") */
Test(listener, syn_verdicts_as_a_table)
{
	const struct kernel_rules *l618 = profile_find("linux-6.18"), *l2632 = profile_find("linux-2.6.32"),
	                          *l310 = profile_find("linux-3.10");
	struct row {
		const struct kernel_rules *r;
		struct syn_state s;
		enum syn_action action;
		enum trace_reason reason;
		bool pass;
		uint32_t counters;
	} rows[] = {
	    /* room everywhere: queued */
	    {l618, {0, 0, 0, 128, 4096, 1, true}, SYN_QUEUE, TR_REQUEST_QUEUED, false, 0},
	    /* 6.18 SYN queue full (qlen > N): cookie, TCPReqQFullDoCookies + SyncookiesSent */
	    {l618, {129, 0, 0, 128, 4096, 1, true}, SYN_COOKIE, TR_COOKIE_SYNQ_FULL, false,
	     LISTENER_CTR(TCPReqQFullDoCookies) | LISTENER_CTR(SyncookiesSent)},
	    /* ... cookies off: dropped, TCPReqQFullDrop + ListenDrops */
	    {l618, {129, 0, 0, 128, 4096, 0, true}, SYN_DROP, TR_SYNQ_FULL_NO_COOKIES, false,
	     LISTENER_CTR(TCPReqQFullDrop) | LISTENER_CTR(ListenDrops)},
	    /* tcp_syncookies=2: always cookies (counted as the full queue's) */
	    {l618, {0, 0, 0, 128, 4096, 2, true}, SYN_COOKIE, TR_COOKIE_ALWAYS, false,
	     LISTENER_CTR(TCPReqQFullDoCookies) | LISTENER_CTR(SyncookiesSent)},
	    /* 6.18 accept queue full (N + 1 = 129): dropped, ListenOverflows + ListenDrops */
	    {l618, {0, 0, 129, 128, 4096, 1, true}, SYN_DROP, TR_ACCEPTQ_FULL_SYN, false,
	     LISTENER_CTR(ListenOverflows) | LISTENER_CTR(ListenDrops)},
	    /* 2.6.32: accept queue full, young <= 1: let through and queued; drops not counted */
	    {l2632, {0, 1, 129, 128, 2048, 0, false}, SYN_QUEUE, TR_REQUEST_QUEUED, true, 0},
	    {l2632, {2, 2, 129, 128, 2048, 0, false}, SYN_DROP, TR_ACCEPTQ_FULL_YOUNG, false, 0},
	    /* 3.10 counts the same drop, and a cookie also counts ListenDrops */
	    {l310, {2, 2, 129, 128, 2048, 1, false}, SYN_DROP, TR_ACCEPTQ_FULL_YOUNG, false,
	     LISTENER_CTR(ListenOverflows) | LISTENER_CTR(ListenDrops)},
	    {l310, {256, 0, 0, 128, 2048, 1, false}, SYN_COOKIE, TR_COOKIE_SYNQ_FULL, false,
	     LISTENER_CTR(TCPReqQFullDoCookies) | LISTENER_CTR(SyncookiesSent) | LISTENER_CTR(ListenDrops)},
	    /* cookies off, over 3/4 of tcp_max_syn_backlog (100 of 128 used): unproven peers dropped */
	    {l618, {100, 0, 0, 4096, 128, 0, false}, SYN_DROP, TR_UNPROVEN_PEER, false, LISTENER_CTR(ListenDrops)},
	    {l618, {100, 0, 0, 4096, 128, 0, true}, SYN_QUEUE, TR_REQUEST_QUEUED, false, 0},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct syn_verdict v = listener_syn_verdict(rows[i].r, &rows[i].s);
		cr_assert_eq(v.action, rows[i].action, "row %zu", i);
		cr_assert_eq(v.reason, rows[i].reason, "row %zu: %s", i, trace_reason_text(v.reason));
		cr_assert_eq(v.passed_full_accept, rows[i].pass, "row %zu", i);
		cr_assert_eq(v.counters, rows[i].counters, "row %zu: counters %#x", i, v.counters);
	}
}

Test(listener, ack_verdicts_as_a_table)
{
	struct row {
		struct ack_state s;
		enum ack_action action;
		enum trace_reason reason;
		bool failed;
		uint32_t counters;
	} rows[] = {
	    /* request, room: established */
	    {{true, false, false, false, false, false, false}, ACK_ESTABLISH, TR_CHILD_QUEUED, false, 0},
	    /* request, accept queue full, abort_on_overflow 0: dropped, request kept */
	    {{true, false, true, false, false, false, false}, ACK_KEEP_REQUEST, TR_ACK_OVERFLOW_DROP, false,
	     LISTENER_CTR(ListenOverflows) | LISTENER_CTR(ListenDrops)},
	    /* ... abort_on_overflow 1: RST, request dropped, EmbryonicRsts */
	    {{true, false, true, true, false, false, false}, ACK_RESET_REQUEST, TR_ACK_OVERFLOW_RST, false,
	     LISTENER_CTR(ListenOverflows) | LISTENER_CTR(ListenDrops) | LISTENER_CTR(EmbryonicRsts)},
	    /* the client's RST for a request */
	    {{true, true, false, false, false, false, false}, ACK_DROP_REQUEST, TR_REQUEST_RST, false,
	     LISTENER_CTR(EmbryonicRsts)},
	    /* an RST for nothing */
	    {{false, true, false, false, true, true, false}, ACK_IGNORE, TR_SEND, false, 0},
	    /* no request, valid cookie */
	    {{false, false, false, false, true, true, false}, ACK_ESTABLISH, TR_COOKIE_VALID, false,
	     LISTENER_CTR(SyncookiesRecv)},
	    {{false, false, true, false, true, true, false}, ACK_DROP, TR_COOKIE_ACK_OVERFLOW, false,
	     LISTENER_CTR(SyncookiesRecv) | LISTENER_CTR(ListenOverflows) | LISTENER_CTR(ListenDrops)},
	    /* cookie too old, or none: SyncookiesFailed, then RST */
	    {{false, false, false, false, true, true, true}, ACK_RESET, TR_NO_REQUEST_RST, true,
	     LISTENER_CTR(SyncookiesFailed)},
	    {{false, false, false, false, true, false, false}, ACK_RESET, TR_NO_REQUEST_RST, true,
	     LISTENER_CTR(SyncookiesFailed)},
	    /* no overflow lately: no cookie check, just RST */
	    {{false, false, false, false, false, true, false}, ACK_RESET, TR_NO_REQUEST_RST, false, 0},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ack_verdict v = listener_ack_verdict(&rows[i].s);
		cr_assert_eq(v.action, rows[i].action, "row %zu", i);
		cr_assert_eq(v.reason, rows[i].reason, "row %zu", i);
		cr_assert_eq(v.cookie_failed, rows[i].failed, "row %zu", i);
		cr_assert_eq(v.counters, rows[i].counters, "row %zu: counters %#x", i, v.counters);
	}
	/* syn_ack_recalc: 5 retries, uncrowded queue: expires at the 5th timeout */
	const struct kernel_rules *r = profile_find("linux-6.18");
	cr_assert(!listener_synack_expires(r, 5, 4, 1, 0, 128, 4096));
	cr_assert(listener_synack_expires(r, 5, 5, 1, 0, 128, 4096));
}
