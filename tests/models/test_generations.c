/* test_generations.c: the rules that differ between kernel generations, in
 * running worlds (docs/kernels.md "The generations"). */
#include <criterion/criterion.h>

#include "helpers.h"

Test(generations, freebsd_holds_three_halves_of_q_and_resets_the_rest)
{
	struct scenario s = sc_basic("linux-6.18");
	const struct kernel_rules *f = profile_find("freebsd-14");
	s.server.rules = *f;
	s.server.sysctl.somaxconn = f->somaxconn;
	s.server.sysctl.tcp_abort_on_overflow = f->tcp_abort_on_overflow;
	s.server.sysctl.tcp_synack_retries = f->tcp_synack_retries;
	s.server.sysctl.tcp_max_syn_backlog = f->tcp_max_syn_backlog;
	s.server.backlog = 128;
	s.pops[0].arrival.rate_per_s = 300;
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.max_accept_queue, 193);
	/* SYNs are not checked against the accept queue; refused ACKs get RST */
	cr_assert_eq(o.r.outcomes[OUTCOME_RESET_AFTER_CONNECT], o.r.attempts - 193);
	cr_assert_eq(o.r.outcomes[OUTCOME_TIMED_OUT], 0);
}

Test(generations, one_rule_flipped_on_a_modern_kernel)
{
	struct scenario a = sc_basic("linux-6.18"), b = sc_basic("linux-6.18");
	a.duration = b.duration = 10 * S_NS;
	b.server.rules.syn_on_full_accept = SYN_FULL_ACCEPT_YOUNG;
	struct outcome_summary oa = run_scenario(&a, NULL), ob = run_scenario(&b, NULL);
	cr_assert_eq(oa.r.outcomes[OUTCOME_CONNECTED], 9);
	cr_assert_gt(ob.r.outcomes[OUTCOME_CONNECTED], 9);
	cr_assert_eq(ob.r.max_accept_queue, 9);
}

Test(generations, linux_2_6_32_counts_no_syn_drops)
{
	struct scenario s = sc_basic("linux-6.18");
	s.server.rules = *profile_find("linux-2.6.32");
	s.server.rules.syn_on_full_accept = SYN_FULL_ACCEPT_DROP;
	s.pops[0].sysctl.tcp_syn_retries = 2;
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.outcomes[OUTCOME_TIMED_OUT], o.r.attempts - 9);
	cr_assert_eq(o.r.counters[CTR_ListenOverflows], 0);
	cr_assert_eq(o.r.counters[CTR_ListenDrops], 0);
	struct scenario t = s;
	t.server.rules = *profile_find("linux-3.10");
	t.server.rules.syn_on_full_accept = SYN_FULL_ACCEPT_DROP;
	struct outcome_summary p = run_scenario(&t, NULL);
	cr_assert_gt(p.r.counters[CTR_ListenOverflows], 0);
}

static struct outcome_summary cookie_burst(const char *kernel)
{
	struct scenario s = sc_basic(kernel);
	s.server.rules.syn_queue_full = SYNQ_QLEN_GE_N;
	s.pops[0].rules = *profile_find("linux-6.18");
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = 16;
	s.server.acceptor.kind = ACCEPTOR_WORKERS;
	s.server.acceptor.workers = 100;
	s.server.acceptor.service = dist_constant(1.0 * S_NS);
	return run_scenario(&s, NULL);
}

Test(generations, a_cookie_counts_listendrops_on_3_10_and_4_4_only)
{
	struct outcome_summary a = cookie_burst("linux-4.4"), b = cookie_burst("linux-4.9");
	cr_assert_eq(a.r.counters[CTR_SyncookiesSent], 8);
	cr_assert_eq(a.r.counters[CTR_ListenDrops], 8);
	cr_assert_eq(b.r.counters[CTR_SyncookiesSent], 8);
	cr_assert_eq(b.r.counters[CTR_ListenDrops], 0);
	cr_assert_eq(a.r.accepted, 16);
}

static void check_scan_lateness(const char *kernel, double rto, double max_late)
{
	struct scenario s = sc_basic("linux-6.18");
	s.server.rules = *profile_find(kernel);
	s.server.sysctl.tcp_syncookies = 0;
	s.server.backlog = 128;
	s.pops[0].spoofed = true;
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = 20;
	s.drain = 300 * S_NS;
	struct capture cap = {0};
	run_scenario(&s, &cap);
	double late_sum = 0;
	for (uint64_t id = 0; id < 20; id++) {
		double t[16];
		size_t n = trace_times(&cap, id, "send", "SYN-ACK", t, 16);
		cr_assert_eq(n, 6, "%s: %zu SYN-ACKs", kernel, n);
		/* each retransmit is due rto << k after the previous send, never
		 * early, and late by at most one scan period plus a tick */
		for (size_t k = 1; k < n; k++) {
			double gap = t[k] - t[k - 1], due = rto * (double)(1 << (k - 1));
			cr_assert_geq(gap, due - 1e-9, "%s: request %llu retransmit %zu early", kernel, (unsigned long long)id, k);
			cr_assert_leq(gap, due + max_late + 1e-9, "%s: retransmit %zu late by %g", kernel, k, gap - due);
			late_sum += gap - due;
		}
	}
	cr_assert_gt(late_sum, 0, "%s: the shared scan never made a timer late", kernel);
	capture_free(&cap);
}

Test(generations, old_kernels_scan_the_syn_table_every_200_ms)
{
	check_scan_lateness("linux-2.6.32", 3, 1.5 + 0.2);
	check_scan_lateness("linux-3.10", 1, 0.5 + 0.2);
}

Test(generations, the_16_bit_backlog_wraps)
{
	struct scenario s = sc_basic("linux-3.10");
	s.server.backlog = 70000;
	s.server.sysctl.somaxconn = 70000;
	s.server.rules.syn_on_full_accept = SYN_FULL_ACCEPT_DROP;
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = 6000;
	s.pops[0].sysctl.tcp_syn_retries = 1;
	s.server.sysctl.tcp_syncookies = 1;
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.max_accept_queue, 70000 - 65536 + 1);
}
