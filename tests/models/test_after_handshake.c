/* test_after_handshake.c: the client's TCP after the handshake, the listener
 * rules of tcp_check_req and the cookie stamp, and faults on the path
 * (docs/kernels.md "Client after the handshake", "Retransmitted SYN for a
 * request", "Cookie stamp and age", "tcp_metrics cache"; docs/schema.md
 * "Faults").  Each test has a known answer that the rule decides. */
#include <criterion/criterion.h>
#include <math.h>

#include "helpers.h"

static const struct kernel_rules *k618(void)
{
	return profile_find("linux-6.18");
}

/* ---- pure rules ---------------------------------------------------------- */

Test(after_rules, rto_from_a_first_sample_is_m_plus_rto_min_in_jiffies)
{
	/* tcp_rtt_estimator + __tcp_set_rto: 1 ms + max(2 ms, 200 ms) = 201 ms
	 * -> 51 jiffies at HZ 250 = 204 ms */
	cr_assert_eq(profile_rto_from_rtt(k618(), 1 * MS_NS), 204 * MS_NS);
	/* 150 ms: 150 + 300 = 450 ms */
	cr_assert_eq(profile_rto_from_rtt(k618(), 150 * MS_NS), 452 * MS_NS);
}

Test(after_rules, no_sample_falls_back_to_3_s_and_a_cached_rtt_seeds_the_rto)
{
	cr_assert_eq(profile_init_rto_after_handshake(k618(), 0, 0), 3 * S_NS);
	/* a cached loopback RTT (50 us) rounds to 0 jiffies: 0 + max(0, 200 ms) */
	cr_assert_eq(profile_init_rto_after_handshake(k618(), 0, 50000), 200 * MS_NS);
	/* a cached 100 ms above the sample: 100 + max(200, 200) */
	cr_assert_eq(profile_init_rto_after_handshake(k618(), 1 * MS_NS, 100 * MS_NS), 300 * MS_NS);
	/* the sample wins when the cache is not above it */
	cr_assert_eq(profile_init_rto_after_handshake(k618(), 1 * MS_NS, 50000), 204 * MS_NS);
}

Test(after_rules, timestamp_sample_counts_whole_ticks_at_least_one)
{
	cr_assert_eq(profile_ts_rtt(k618(), 400000, 900000), 1 * MS_NS);
	cr_assert_eq(profile_ts_rtt(k618(), 1200 * MS_NS + 300000, 2000 * MS_NS + 700000), 800 * MS_NS);
	/* before 4.13 the TS clock is jiffies (4 ms at HZ 250) */
	cr_assert_eq(profile_ts_rtt(profile_find("linux-4.9"), 0, 1 * MS_NS), 4 * MS_NS);
}

Test(after_rules, loss_probe_is_2_srtt_plus_rto_min_capped_by_the_rto)
{
	const struct kernel_rules *r = k618();
	/* 2 x 20 + 200 = 240 ms, before an RTO of 300 ms */
	cr_assert_eq(profile_loss_probe_timeout(r, 3, 20 * MS_NS, 300 * MS_NS), 240 * MS_NS);
	/* after the handshake the RTO (m + 200 ms) comes first */
	cr_assert_eq(profile_loss_probe_timeout(r, 3, 1 * MS_NS, 204 * MS_NS), 204 * MS_NS);
	/* no RTT sample: TCP_TIMEOUT_INIT (1 s), before the 3 s fallback RTO */
	cr_assert_eq(profile_loss_probe_timeout(r, 3, 0, 3 * S_NS), 1 * S_NS);
	/* tcp_early_retrans 0..2: no probe; 4: probe */
	cr_assert_eq(profile_loss_probe_timeout(r, 2, 20 * MS_NS, 300 * MS_NS), -1);
	cr_assert_eq(profile_loss_probe_timeout(r, 4, 20 * MS_NS, 300 * MS_NS), 240 * MS_NS);
	/* 2.6.32: none; 3.10-4.12: max(2 rtt, 1.5 rtt + 200 ms) = 230 ms */
	cr_assert_eq(profile_loss_probe_timeout(profile_find("linux-2.6.32"), 3, 20 * MS_NS, 300 * MS_NS), -1);
	cr_assert_eq(profile_loss_probe_timeout(profile_find("linux-4.9"), 3, 20 * MS_NS, 300 * MS_NS), 230 * MS_NS);
}

Test(after_rules, orphan_retries_bound_the_time_not_the_count)
{
	/* 0 means 8 while the RTO is below 120 s: (2^9 - 1) x 200 ms = 102.2 s */
	cr_assert(!profile_orphan_expired(0, 3 * S_NS, 5, 102199 * MS_NS));
	cr_assert(profile_orphan_expired(0, 3 * S_NS, 5, 102200 * MS_NS));
	cr_assert(!profile_orphan_expired(0, 3 * S_NS, 0, 500 * S_NS)); /* no retransmit yet */
	/* at TCP_RTO_MAX (not alive) 0 stays 0: (2^1 - 1) x 200 ms */
	cr_assert(profile_orphan_expired(0, TCP_RTO_MAX_NS, 1, 200 * MS_NS));
	/* tcp_orphan_retries 2: 7 x 200 ms = 1.4 s, whatever the count */
	cr_assert(!profile_orphan_expired(2, 800 * MS_NS, 7, 1399 * MS_NS));
	cr_assert(profile_orphan_expired(2, 800 * MS_NS, 1, 1400 * MS_NS));
}

Test(after_rules, cookie_age_is_two_minute_counters)
{
	cr_assert(!profile_cookie_too_old(59 * S_NS, 119 * S_NS));
	cr_assert(profile_cookie_too_old(59 * S_NS, 120 * S_NS));
	cr_assert(!profile_cookie_too_old(61 * S_NS, 179 * S_NS));
}

Test(after_rules, overflow_stamp_moves_at_most_once_a_second)
{
	const struct kernel_rules *r = k618();
	cr_assert_eq(profile_overflow_stamp(r, false, 0, 500 * MS_NS), 500 * MS_NS);
	cr_assert_eq(profile_overflow_stamp(r, true, 0, 500 * MS_NS), 0);
	cr_assert_eq(profile_overflow_stamp(r, true, 0, 1000 * MS_NS), 0); /* within [last, last + HZ] */
	cr_assert_eq(profile_overflow_stamp(r, true, 0, 1004 * MS_NS), 1004 * MS_NS);
	/* 3.10 moves it on every cookie */
	cr_assert_eq(profile_overflow_stamp(profile_find("linux-3.10"), true, 0, 500 * MS_NS), 500 * MS_NS);
}

/* ---- in a running world --------------------------------------------------- */

/* pop 0: one client at t = 0, held `hold`; pop 1: one keeper holding 900 s so
 * that the run goes on while pop 0's socket closes; no timer wheel */
static struct scenario one_client(double hold_s)
{
	struct scenario s = sc_basic("linux-6.18");
	s.server.backlog = 8;
	s.server.acceptor.kind = ACCEPTOR_NEVER;
	s.n_pops = 2;
	s.pops[1] = s.pops[0];
	snprintf(s.pops[1].name, sizeof(s.pops[1].name), "keeper");
	for (int i = 0; i < 2; i++) {
		s.pops[i].arrival.kind = ARRIVAL_BURST;
		s.pops[i].arrival.count = 1;
		s.pops[i].arrival.at = 0;
		s.pops[i].rules.timer_wheel = false;
	}
	s.server.rules.timer_wheel = false;
	s.pops[0].after.hold = dist_constant(hold_s * S_NS);
	s.pops[1].after.hold = dist_constant(900.0 * S_NS);
	s.pops[1].arrival.at = 10 * MS_NS;
	s.drain = 800 * S_NS;
	return s;
}

static void add_fault(struct scenario *s, double from, double to, uint32_t dirs, uint32_t kinds, int pop)
{
	struct fault *f = &s->faults[s->n_faults++];
	f->from = (sim_time_ns)(from * S_NS);
	f->to = to < 0 ? SIM_TIME_NEVER : (sim_time_ns)(to * S_NS);
	f->dirs = dirs;
	f->kinds = kinds;
	f->pop = pop;
	f->first = 0;
	f->last = UINT64_MAX;
	f->p = 1;
}

#define NON_SYN ((1u << SEG_ACK) | (1u << SEG_DATA) | (1u << SEG_FIN) | (1u << SEG_RST))

/* the FIN's copies (all lost on the way) relative to the close */
static size_t fin_copies(struct scenario *s, double *rel, size_t max, uint64_t *probes)
{
	struct capture cap = {0};
	struct outcome_summary o = run_scenario(s, &cap);
	double close_t[2];
	cr_assert_eq(trace_times(&cap, 0, "close", "FIN", close_t, 2), 1);
	size_t n = trace_times(&cap, 0, "lost", "FIN", rel, max);
	for (size_t i = 0; i < n; i++)
		rel[i] -= close_t[0];
	*probes = o.r.client_loss_probes;
	capture_free(&cap);
	return n;
}

Test(after_world, fin_gets_a_tail_loss_probe_then_doubling_rtos)
{
	struct scenario s = one_client(1);
	add_fault(&s, 0.5, -1, FAULT_TO_SERVER, 1u << SEG_FIN, 0);
	s.drain = 8 * S_NS;
	double t[16];
	uint64_t probes;
	size_t n = fin_copies(&s, t, 16, &probes);
	/* RTT 0.1 ms: RTO 204 ms; the probe at min(2 srtt + 200 ms, RTO) =
	 * 204 ms, then the RTO restarts: +204, then 408, 816, 1632, 3264 */
	double want[] = {0, 0.204, 0.408, 0.816, 1.632, 3.264};
	cr_assert_geq(n, 6);
	for (size_t i = 0; i < 6; i++)
		cr_assert_float_eq(t[i], want[i], 1e-6, "FIN copy %zu at +%g s", i, t[i]);
	cr_assert_eq(probes, 1);
}

Test(after_world, no_probe_with_early_retrans_0)
{
	struct scenario s = one_client(1);
	s.pops[0].sysctl.tcp_early_retrans = 0;
	add_fault(&s, 0.5, -1, FAULT_TO_SERVER, 1u << SEG_FIN, 0);
	s.drain = 8 * S_NS;
	double t[16];
	uint64_t probes;
	size_t n = fin_copies(&s, t, 16, &probes);
	double want[] = {0, 0.204, 0.612, 1.428};
	cr_assert_geq(n, 4);
	for (size_t i = 0; i < 4; i++)
		cr_assert_float_eq(t[i], want[i], 1e-6, "FIN copy %zu at +%g s", i, t[i]);
	cr_assert_eq(probes, 0);
}

Test(after_world, a_cookie_without_timestamps_has_no_sack_so_no_probe)
{
	/* tcp_syncookies=2: pop 0 connects through a cookie; without timestamps
	 * the cookie SYN-ACK carries no SACK, and tcp_schedule_loss_probe needs
	 * it: the FIN goes at +0, then RTOs of 204 ms doubling */
	for (int ts = 0; ts < 2; ts++) {
		struct scenario s = one_client(1);
		s.server.sysctl.tcp_syncookies = 2;
		s.pops[0].sysctl.tcp_timestamps = ts;
		add_fault(&s, 0.5, -1, FAULT_TO_SERVER, 1u << SEG_FIN, 0);
		s.drain = 8 * S_NS;
		double t[16];
		uint64_t probes;
		size_t n = fin_copies(&s, t, 16, &probes);
		cr_assert_geq(n, 3);
		cr_assert_eq(probes, ts ? 1u : 0u);
		cr_assert_float_eq(t[2], ts ? 0.408 : 0.612, 1e-6);
	}
}

/* the first SYN of pop 0 is lost: it connects on SYN #2 at 1 s */
static struct scenario retransmitted_syn(bool timestamps)
{
	struct scenario s = one_client(1);
	add_fault(&s, 0, 0.5, FAULT_TO_SERVER, 1u << SEG_SYN, 0);
	add_fault(&s, 1.5, -1, FAULT_TO_SERVER, 1u << SEG_FIN, 0);
	s.pops[0].sysctl.tcp_timestamps = timestamps;
	return s;
}

Test(after_world, timestamps_keep_the_rtt_sample_after_a_retransmitted_syn)
{
	struct scenario s = retransmitted_syn(true);
	s.drain = 10 * S_NS;
	double t[16];
	uint64_t probes;
	size_t n = fin_copies(&s, t, 16, &probes);
	/* the echoed TSval is SYN #2's: sample 1 ms (one tick), RTO 204 ms */
	cr_assert_geq(n, 3);
	cr_assert_float_eq(t[1], 0.204, 1e-6);
	cr_assert_float_eq(t[2], 0.408, 1e-6);
}

Test(after_world, without_timestamps_the_rto_falls_back_to_3_s_and_the_probe_to_1_s)
{
	struct scenario s = retransmitted_syn(false);
	s.drain = 30 * S_NS;
	double t[16];
	uint64_t probes;
	size_t n = fin_copies(&s, t, 16, &probes);
	double want[] = {0, 1, 4, 10, 22};
	cr_assert_geq(n, 5);
	for (size_t i = 0; i < 5; i++)
		cr_assert_float_eq(t[i], want[i], 1e-6, "FIN copy %zu at +%g s", i, t[i]);
	cr_assert_eq(probes, 1);
}

Test(after_world, orphan_gives_up_by_time_after_five_rtos_from_3_s)
{
	struct scenario s = retransmitted_syn(false);
	s.drain = 400 * S_NS;
	struct capture cap = {0};
	run_scenario(&s, &cap);
	double close_t[2], t[32], ex[2];
	cr_assert_eq(trace_times(&cap, 0, "close", "FIN", close_t, 2), 1);
	/* copies at +0, 1 (probe), 4, 10, 22, 46, 94; the timer at +190 finds
	 * 186 s since the first RTO copy >= 102.2 s: gone (not 8 retransmits) */
	cr_assert_eq(trace_times(&cap, 0, "lost", "FIN", t, 32), 7);
	cr_assert_eq(trace_times(&cap, 0, "expire", "FIN", ex, 2), 1);
	cr_assert_float_eq(ex[0] - close_t[0], 190, 1e-6);
	capture_free(&cap);
}

Test(after_world, a_cached_rtt_seeds_the_rto_of_a_connection_without_a_sample)
{
	/* pop 0 connects at 0 s (clean: its FIN is acknowledged and its RTT
	 * cached) and at 8 s with its SYN lost once and timestamps off: no
	 * sample, so the RTO comes from the cache (tcp_init_metrics) */
	for (int nosave = 0; nosave < 2; nosave++) {
		struct scenario s = one_client(1);
		s.pops[0].arrival.kind = ARRIVAL_CONSTANT;
		s.pops[0].arrival.rate_per_s = 1.0 / 8;
		s.pops[0].sysctl.tcp_timestamps = 0;
		s.pops[0].sysctl.tcp_no_metrics_save = nosave;
		s.duration = 8100 * MS_NS;
		s.drain = 30 * S_NS;
		add_fault(&s, 8, 8.5, FAULT_TO_SERVER, 1u << SEG_SYN, 0);
		add_fault(&s, 9.5, -1, FAULT_TO_SERVER, 1u << SEG_FIN, 0);
		struct capture cap = {0};
		run_scenario(&s, &cap);
		double close_t[2], t[8];
		cr_assert_eq(trace_times(&cap, 2, "close", "FIN", close_t, 2), 1);
		size_t n = trace_times(&cap, 2, "lost", "FIN", t, 8);
		cr_assert_geq(n, 3);
		if (!nosave) {
			/* RTO 200 ms from the cached 0.1 ms (not 3 s); probe min(1 s, 200 ms) */
			cr_assert_float_eq(t[1] - close_t[0], 0.2, 1e-6);
			cr_assert_float_eq(t[2] - close_t[0], 0.4, 1e-6);
		} else {
			/* tcp_no_metrics_save: nothing cached, 3 s fallback, probe at 1 s */
			cr_assert_float_eq(t[1] - close_t[0], 1, 1e-6);
			cr_assert_float_eq(t[2] - close_t[0], 4, 1e-6);
		}
		capture_free(&cap);
	}
}

/* a request whose SYN-ACKs are all lost, with the client's SYNs 1 s apart */
static struct scenario lost_synacks(int ratelimit_ms)
{
	struct scenario s = one_client(1);
	s.pops[0].sysctl.tcp_syn_retries = 3; /* SYNs at 0..5, 7, 11 s */
	s.server.sysctl.tcp_invalid_ratelimit = (sim_time_ns)ratelimit_ms * MS_NS;
	add_fault(&s, 0, -1, FAULT_TO_CLIENT, 1u << SEG_SYNACK, 0);
	s.drain = 30 * S_NS;
	return s;
}

Test(after_world, retransmitted_syn_restarts_the_request_timer)
{
	struct scenario s = lost_synacks(500);
	struct capture cap = {0};
	run_scenario(&s, &cap);
	double t[16];
	/* timer SYN-ACKs: at 1 s (before SYN #2 arrives), then each SYN pushes
	 * the timer 2 s ahead; after SYN #6 (5 s) it fires at 7 s, where SYN
	 * #7 pushes it to 11 s ... */
	size_t n = trace_times(&cap, 0, "timer", "SYN-ACK", t, 16);
	cr_assert_geq(n, 1);
	cr_assert_float_eq(t[0], 1.00005, 1e-6);
	for (size_t i = 1; i < n; i++)
		cr_assert(t[i] > 6.9, "a timer SYN-ACK at %g s: the SYNs should have pushed it", t[i]);
	capture_free(&cap);

	s.server.rules.synrecv_syn_rearm = false;
	struct capture cap2 = {0};
	run_scenario(&s, &cap2);
	n = trace_times(&cap2, 0, "timer", "SYN-ACK", t, 16);
	cr_assert_geq(n, 2);
	cr_assert_float_eq(t[1], 3.00005, 1e-6); /* 1 + 2 s, untouched */
	capture_free(&cap2);
}

Test(after_world, retransmitted_syns_within_the_ratelimit_get_no_synack)
{
	struct scenario s = lost_synacks(1500);
	struct capture cap = {0};
	struct outcome_summary o = run_scenario(&s, &cap);
	double t[16];
	/* SYNs #2..#6 arrive at 1, 2, 3, 4, 5 s: answered at 1, 3, 5 s only */
	size_t n = trace_times(&cap, 0, "drop", "SYN", t, 16);
	cr_assert_geq(n, 2);
	cr_assert_float_eq(t[0], 2.00005, 1e-6);
	cr_assert_float_eq(t[1], 4.00005, 1e-6);
	(void)o;
	capture_free(&cap);

	s.server.rules.synrecv_syn_ratelimit = false;
	struct capture cap2 = {0};
	run_scenario(&s, &cap2);
	cr_assert_eq(trace_times(&cap2, 0, "drop", "SYN", t, 16), 0);
	capture_free(&cap2);
}

Test(after_world, cookie_older_than_two_minute_counters_fails)
{
	/* tcp_syncookies=2: every SYN gets a cookie.  pop 0's ACK is lost; its
	 * FIN at 150 s carries a cookie minted at 0 (counter 0 vs 2): failed.
	 * The keeper's SYNs every 20 s keep the overflow stamp fresh. */
	struct scenario s = one_client(150);
	s.server.sysctl.tcp_syncookies = 2;
	s.pops[1].arrival.kind = ARRIVAL_CONSTANT;
	s.pops[1].arrival.rate_per_s = 0.05;
	s.duration = 200 * S_NS;
	s.drain = 10 * S_NS;
	add_fault(&s, 0, 140, FAULT_TO_SERVER, NON_SYN, 0);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.counters[CTR_SyncookiesFailed], 1);

	/* held 100 s: counters 0 and 1, the cookie is good */
	s.pops[0].after.hold = dist_constant(100.0 * S_NS);
	s.faults[0].to = 90 * S_NS;
	o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.counters[CTR_SyncookiesFailed], 0);
}

Test(after_world, unread_byte_resets_at_close)
{
	/* hold with write_bytes 1: the worker closes after 10 ms without reading */
	struct scenario s = one_client(1);
	s.n_pops = 1;
	s.server.acceptor.kind = ACCEPTOR_WORKERS;
	s.server.acceptor.workers = 1;
	s.server.acceptor.service = dist_constant(10.0 * MS_NS);
	s.pops[0].after.write = true;
	s.drain = 5 * S_NS;
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.outcomes[OUTCOME_RESET_AFTER_CONNECT], 1);
	cr_assert_eq(o.r.counters[CTR_TcpOutRsts], 1);
	s.pops[0].after.write = false;
	o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.outcomes[OUTCOME_CONNECTED], 1);
}

/* ---- faults on the path --------------------------------------------------- */

static size_t count_lost(const struct capture *cap, const char *pkt)
{
	size_t n = 0;
	for (size_t i = 0; i < cap->n_tr; i++)
		if (strcmp(cap->tr[i].what, "lost") == 0 && cap->tr[i].pkt && strcmp(cap->tr[i].pkt, pkt) == 0)
			n++;
	return n;
}

Test(faults, window_direction_kind_and_attempts_select_the_lost_segments)
{
	/* sc_basic: 20 attempts 50 ms apart; SYNs lost in [0, 0.5) */
	for (int sel = 0; sel < 2; sel++) {
		struct scenario s = sc_basic("linux-6.18");
		add_fault(&s, 0, 0.5, FAULT_TO_SERVER, 1u << SEG_SYN, -1);
		if (sel) {
			s.faults[0].first = 2;
			s.faults[0].last = 4;
		}
		struct capture cap = {0};
		struct outcome_summary o = run_scenario(&s, &cap);
		/* all: the first SYNs of attempts 0..9; selected: of 2, 3, 4 (their
		 * copies at 1 s are outside the window) */
		cr_assert_eq(count_lost(&cap, "SYN"), sel ? 3u : 10u);
		cr_assert_eq(o.r.connected_by_syns[0], 9); /* N + 1 = 9 slots either way */
		capture_free(&cap);
	}
	/* the same window on SYN-ACKs, towards the clients */
	struct scenario s2 = sc_basic("linux-6.18");
	add_fault(&s2, 0, 0.5, FAULT_TO_CLIENT, 1u << SEG_SYNACK, -1);
	struct capture cap = {0};
	run_scenario(&s2, &cap);
	cr_assert_eq(count_lost(&cap, "SYN-ACK"), 10u);
	cr_assert_eq(count_lost(&cap, "SYN"), 0u);
	capture_free(&cap);
}

Test(faults, outage_loses_everything_and_partial_loss_is_seeded)
{
	struct scenario s = sc_basic("linux-6.18");
	add_fault(&s, 0, 0.5, FAULT_TO_SERVER | FAULT_TO_CLIENT, (1u << SEG_KIND_COUNT) - 1, -1);
	struct capture cap = {0};
	struct outcome_summary o = run_scenario(&s, &cap);
	cr_assert_eq(count_lost(&cap, "SYN"), 10u); /* attempts 0..9 */
	cr_assert_eq(o.r.connected_by_syns[0], 9);  /* attempts 10..18 */
	capture_free(&cap);

	struct scenario a = sc_basic("linux-6.18"), b = sc_basic("linux-6.18");
	add_fault(&a, 0, -1, FAULT_TO_SERVER, 1u << SEG_SYN, -1);
	add_fault(&b, 0, -1, FAULT_TO_SERVER, 1u << SEG_SYN, -1);
	a.faults[0].p = b.faults[0].p = 0.5;
	struct outcome_summary oa = run_scenario(&a, NULL), ob = run_scenario(&b, NULL);
	cr_assert_eq(oa.r.syns_sent, ob.r.syns_sent);
	cr_assert_gt(oa.r.syns_sent, 20u);
	cr_assert_gt(oa.r.connected_by_syns[1], 0u);
}

Test(faults, reorder_window_lets_segments_overtake)
{
	/* a burst of 50 SYNs at one instant: in order without a window */
	for (int win = 0; win < 2; win++) {
		struct scenario s = sc_basic("linux-6.18");
		s.server.backlog = 100;
		s.pops[0].arrival.kind = ARRIVAL_BURST;
		s.pops[0].arrival.count = 50;
		s.pops[0].arrival.at = 0;
		s.pops[0].path.reorder = win ? 100000 : 0;
		struct capture cap = {0};
		run_scenario(&s, &cap);
		size_t inversions = 0;
		uint64_t last = 0;
		bool first = true;
		for (size_t i = 0; i < cap.n_tr; i++) {
			const struct trace_rec *t = &cap.tr[i];
			if (strcmp(t->what, "queue") != 0)
				continue;
			if (!first && t->conn < last)
				inversions++;
			last = t->conn;
			first = false;
		}
		if (win)
			cr_assert_gt(inversions, 5u);
		else
			cr_assert_eq(inversions, 0u);
		capture_free(&cap);
	}
}

/* tcp_peer_is_proven from the server's tcp_metrics cache: one client at 0 s,
 * accepted and closed by a worker after 10 ms (tcp_update_metrics), then 20
 * SYNs at 2 s from the same population whose ACKs are lost.  Cookies off,
 * tcp_max_syn_backlog 16: past 16 - 16/4 = 12 requests only proven peers are
 * queued (tcp_conn_request). */
static uint64_t queued_after_close(bool no_metrics_save, bool timestamps, bool lose_first_synack)
{
	static const sim_time_ns times[21] = {0,           2 * S_NS, 2 * S_NS, 2 * S_NS, 2 * S_NS, 2 * S_NS, 2 * S_NS,
	                                      2 * S_NS,    2 * S_NS, 2 * S_NS, 2 * S_NS, 2 * S_NS, 2 * S_NS, 2 * S_NS,
	                                      2 * S_NS,    2 * S_NS, 2 * S_NS, 2 * S_NS, 2 * S_NS, 2 * S_NS, 2 * S_NS};
	struct scenario s = sc_basic("linux-6.18");
	s.server.backlog = 100;
	s.server.sysctl.tcp_syncookies = 0;
	s.server.sysctl.tcp_max_syn_backlog = 16;
	s.server.sysctl.tcp_no_metrics_save = no_metrics_save;
	s.server.sysctl.tcp_timestamps = timestamps;
	s.server.acceptor.kind = ACCEPTOR_WORKERS;
	s.server.acceptor.workers = 1;
	s.server.acceptor.service = dist_constant(10.0 * MS_NS);
	s.pops[0].arrival.kind = ARRIVAL_REPLAY;
	s.pops[0].arrival.times = times;
	s.pops[0].arrival.n_times = 21;
	s.pops[0].sysctl.tcp_timestamps = timestamps;
	s.duration = 3 * S_NS;
	s.drain = 3 * S_NS;
	add_fault(&s, 1.5, -1, FAULT_TO_SERVER, NON_SYN, -1);
	if (lose_first_synack)
		add_fault(&s, 0, 0.5, FAULT_TO_CLIENT, 1u << SEG_SYNACK, -1);
	struct capture cap = {0};
	run_scenario(&s, &cap);
	uint64_t queued = 0;
	for (size_t i = 0; i < cap.n_tr; i++)
		if (strcmp(cap.tr[i].what, "queue") == 0 && cap.tr[i].t >= 2 * S_NS)
			queued++;
	capture_free(&cap);
	return queued;
}

Test(after_world, the_metrics_cache_decides_tcp_peer_is_proven)
{
	cr_assert_eq(queued_after_close(false, true, false), 20);  /* proven: all queued */
	cr_assert_eq(queued_after_close(true, true, false), 13);   /* tcp_no_metrics_save: unproven */
	/* no timestamps and a retransmitted SYN-ACK: the child had no RTT, its
	 * close resets the cache */
	cr_assert_eq(queued_after_close(false, false, true), 13);
	cr_assert_eq(queued_after_close(false, false, false), 20); /* no timestamps, SYN-ACK sent once */
}

/* On loopback (network.loopback) client and server share one tcp_metrics
 * entry (tcp_get_metrics keys by saddr, daddr and netns).  Attempt 0 at 0 s
 * loses its ACK; its FIN at 0.5 s completes the request (SYN-ACK sent once:
 * the child's RTT is 0.5 s from snt_synack, tcp_synack_rtt_meas), the
 * application accepts and closes it, and tcp_update_metrics caches 0.5 s.
 * Attempt 1 at 2 s has a 0.1 ms handshake sample, but the cached RTT is above
 * it (tcp_init_metrics): RTO 0.5 + max(1, 0.2) = 1.5 s; its FIN is lost: probe
 * at 204 ms, the RTO copy 1.5 s after the probe (tcp_send_loss_probe restarts
 * the RTO).  With two hosts its own cache holds only client samples: RTO
 * 204 ms, its copy 204 ms after the probe.  Both a worker (closes
 * after 10 ms) and a rate acceptor at 1/s (closes at once, at 1.01 s). */
static double loopback_rto_copy(bool loopback, enum acceptor_kind kind)
{
	static const sim_time_ns times[2] = {0, 2 * S_NS};
	struct scenario s = one_client(0.5); /* the keeper is attempt 1 */
	s.server.acceptor.kind = kind;
	s.server.acceptor.rate_per_s = 1; /* the keeper at 10 ms, attempt 0 at 1.01 s */
	s.server.acceptor.workers = 1;
	s.server.acceptor.service = dist_constant(10.0 * MS_NS);
	s.pops[0].arrival.kind = ARRIVAL_REPLAY;
	s.pops[0].arrival.times = times;
	s.pops[0].arrival.n_times = 2;
	s.pops[0].path.loopback = loopback;
	s.duration = 3 * S_NS;
	s.drain = 30 * S_NS;
	add_fault(&s, 0, 0.1, FAULT_TO_SERVER, 1u << SEG_ACK, 0);
	add_fault(&s, 2.4, -1, FAULT_TO_SERVER, 1u << SEG_FIN, 0);
	struct capture cap = {0};
	run_scenario(&s, &cap);
	double close_t[2], t[4];
	cr_assert_eq(trace_times(&cap, 2, "close", "FIN", close_t, 2), 1);
	cr_assert_geq(trace_times(&cap, 2, "lost", "FIN", t, 4), 3);
	capture_free(&cap);
	/* the probe: 2 x 0.1 ms + 200 ms in whole jiffies */
	cr_assert_float_eq(t[1] - close_t[0], 0.204, 1e-6);
	return t[2] - close_t[0];
}

Test(after_world, on_loopback_the_servers_child_rtt_seeds_the_clients_rto)
{
	cr_assert_float_eq(loopback_rto_copy(true, ACCEPTOR_WORKERS), 1.704, 1e-6);
	cr_assert_float_eq(loopback_rto_copy(true, ACCEPTOR_RATE), 1.704, 1e-6);
	cr_assert_float_eq(loopback_rto_copy(false, ACCEPTOR_WORKERS), 0.408, 1e-6);
	cr_assert_float_eq(loopback_rto_copy(false, ACCEPTOR_RATE), 0.408, 1e-6);
}

Test(after_rules, metrics_update_and_cookie_timestamp)
{
	/* tcp_update_metrics: reset without a sample or after a backoff; up at
	 * once, down by 1/8 */
	cr_assert_eq(profile_metrics_rtt(800, 0, 0), 0);
	cr_assert_eq(profile_metrics_rtt(800, 100, 1), 0);
	cr_assert_eq(profile_metrics_rtt(100, 800, 0), 800);
	cr_assert_eq(profile_metrics_rtt(900, 100, 0), 800);
	/* cookie_init_timestamp: the low 6 bits of the ms clock become 26: at
	 * 1000 ms (1000 & 63 = 40) -> 986; at 1010 ms (50) -> 986; at 960 ms
	 * (0) -> 960 - 64 + 26 = 922 */
	cr_assert_eq(profile_cookie_tsval(k618(), 1000 * MS_NS + 500000), 986 * MS_NS);
	cr_assert_eq(profile_cookie_tsval(k618(), 1010 * MS_NS), 986 * MS_NS);
	cr_assert_eq(profile_cookie_tsval(k618(), 960 * MS_NS), 922 * MS_NS);
}

/* server.receive (docs/kernels.md "Faults and delivery order"): a flow's
 * segments are processed by CPU id % cpus, one at a time, 10 us each, in the
 * order they reach it (process_backlog).  Three SYNs at 0 over a 50 us path:
 * one CPU takes them at 60, 70, 80 us and each SYN-ACK queues behind the
 * SYNs (breadth first): they reach the clients at 120, 130, 140 us.  Two
 * CPUs: attempts 0 and 2 share CPU 0 (SYN-ACKs at 120 and 130 us), attempt
 * 1 has CPU 1 to itself (120 us).  Without the option: 100 us each. */
static void receive_connect_times(uint32_t cpus, double out[3])
{
	struct scenario s = sc_basic("linux-6.18");
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = 3;
	s.pops[0].arrival.at = 0;
	s.server.receive.cpus = cpus;
	s.server.receive.cost = 10000;
	struct capture cap = {0};
	run_scenario(&s, &cap);
	for (uint64_t i = 0; i < 3; i++) {
		double t[2];
		cr_assert_eq(trace_times(&cap, i, "connected", "SYN-ACK", t, 2), 1);
		out[i] = t[0] * 1e6;
	}
	capture_free(&cap);
}

Test(faults, receive_cpus_serialise_a_flows_segments)
{
	double t[3];
	receive_connect_times(1, t);
	cr_assert_float_eq(t[0], 120, 1e-3);
	cr_assert_float_eq(t[1], 130, 1e-3);
	cr_assert_float_eq(t[2], 140, 1e-3);
	receive_connect_times(2, t);
	cr_assert_float_eq(t[0], 120, 1e-3);
	cr_assert_float_eq(t[1], 120, 1e-3);
	cr_assert_float_eq(t[2], 130, 1e-3);
	receive_connect_times(0, t);
	for (int i = 0; i < 3; i++)
		cr_assert_float_eq(t[i], 100, 1e-3);
}
