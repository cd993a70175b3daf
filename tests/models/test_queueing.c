/* test_queueing.c: the simulator against queueing theory. */
#include <criterion/criterion.h>
#include <math.h>

#include "helpers.h"
#include "models/analytic.h"

/* tcp_syn_retries = 0, Poisson arrivals, one worker with exponential service
 * and near-zero delay: a SYN is dropped exactly when the accept queue (N+1)
 * is full and the worker busy, so the fraction of SYNs dropped is the M/M/1/K
 * blocking probability with K = N + 2 */
static void check_mm1k(double lambda, double mu, long n, uint64_t seed)
{
	struct scenario s = sc_basic("linux-6.18");
	s.seed = seed;
	s.server.backlog = n;
	s.server.acceptor.kind = ACCEPTOR_WORKERS;
	s.server.acceptor.workers = 1;
	s.server.acceptor.service = (struct dist){DIST_EXPONENTIAL, 1e9 / mu, 0, NULL, 0};
	s.pops[0].arrival.kind = ARRIVAL_POISSON;
	s.pops[0].arrival.rate_per_s = lambda;
	s.pops[0].sysctl.tcp_syn_retries = 0;
	s.pops[0].after.hold = dist_constant(0);
	s.pops[0].path.delay_to_server = dist_constant(1000); /* 1 us */
	s.pops[0].path.delay_to_client = dist_constant(1000);
	s.duration = (sim_time_ns)(1e6 / lambda * 1e9);
	s.drain = scenario_default_drain(&s);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_geq(o.r.attempts, 990000);
	/* one SYN per attempt: a dropped SYN is a timed-out attempt */
	cr_assert_eq(o.r.syns_sent, o.r.attempts);
	double dropped = (double)o.r.outcomes[OUTCOME_TIMED_OUT] / (double)o.r.attempts;
	double want = analytic_mm1k_blocking(lambda, mu, analytic_listener_capacity(n, 1));
	cr_assert_leq(fabs(dropped - want) / want, 0.02, "seed %llu: lambda %g mu %g N %ld: dropped %g, M/M/1/K %g",
	              (unsigned long long)seed, lambda, mu, n, dropped, want);
	/* ListenOverflows counts those SYNs, plus the rare final ACK that found
	 * the queue filled in the 2 us since its SYN was admitted (and that
	 * ACK's retries on each SYN-ACK retransmit) */
	cr_assert_geq(o.r.counters[CTR_ListenOverflows], o.r.outcomes[OUTCOME_TIMED_OUT]);
	cr_assert_leq(o.r.counters[CTR_ListenOverflows] - o.r.outcomes[OUTCOME_TIMED_OUT], o.r.attempts / 100);
}

Test(queueing, syn_drops_match_mm1k_overloaded, .timeout = 120)
{
	check_mm1k(1200, 1000, 4, 11);
}

Test(queueing, syn_drops_match_mm1k_near_saturation, .timeout = 120)
{
	check_mm1k(900, 1000, 8, 12);
}

/* The accept-queue wait of M/M/c with room for everyone (backlog far above
 * what the queue reaches): the mean wait before service is Erlang C's
 * W_q = C(c, a) / (c mu - lambda).  connect_time cannot see this wait. */
Test(queueing, accept_wait_matches_erlang_c, .timeout = 120)
{
	const double lambda = 320, mu = 100;
	const long c = 4;
	struct scenario s = sc_basic("linux-6.18");
	s.seed = 21;
	s.server.backlog = 4096;
	s.server.acceptor.kind = ACCEPTOR_WORKERS;
	s.server.acceptor.workers = (uint32_t)c;
	s.server.acceptor.service = (struct dist){DIST_EXPONENTIAL, 1e9 / mu, 0, NULL, 0};
	s.pops[0].arrival.kind = ARRIVAL_POISSON;
	s.pops[0].arrival.rate_per_s = lambda;
	s.pops[0].after.hold = dist_constant(0);
	s.pops[0].path.delay_to_server = dist_constant(1000);
	s.pops[0].path.delay_to_client = dist_constant(1000);
	s.duration = (sim_time_ns)(200000 / lambda * 1e9);
	s.drain = scenario_default_drain(&s);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.outcomes[OUTCOME_CONNECTED], o.r.attempts);
	cr_assert_eq(o.accept_wait_count, o.r.attempts);
	double want_ms = analytic_erlang_c(c, lambda / mu) / (c * mu - lambda) * 1e3;
	cr_assert_leq(fabs(o.accept_wait_mean_ms - want_ms) / want_ms, 0.05,
	              "seed 21: accept wait mean %g ms, Erlang C %g ms", o.accept_wait_mean_ms, want_ms);
	/* the handshake itself is instant: all of the wait is in the accept queue */
	cr_assert_lt(o.connect_max_ms, 0.01);
}
