/* test_workload.c: arrivals, server applications and paths (issue 4) with
 * known answers. */
#include <criterion/criterion.h>
#include <math.h>

#include "helpers.h"

/* a server that accepts everything at once and clients that leave at once */
static struct scenario open_server(void)
{
	struct scenario s = sc_basic("linux-6.18");
	s.server.backlog = 4096;
	s.server.acceptor.kind = ACCEPTOR_WORKERS;
	s.server.acceptor.workers = 100000;
	s.server.acceptor.service = dist_constant(1 * MS_NS);
	s.pops[0].after.hold = dist_constant(0);
	return s;
}

Test(workload, schedule_with_a_ramp_gives_its_integral)
{
	struct scenario s = open_server();
	s.duration = 100 * S_NS;
	/* 0..50 s: 100/s; 50..100 s: ramp 100 -> 300/s: 5000 + 10000 expected */
	struct rate_phase ph[2] = {{0, 100, 100}, {50 * S_NS, 100, 300}};
	s.pops[0].arrival.kind = ARRIVAL_SCHEDULE;
	s.pops[0].arrival.phases = ph;
	s.pops[0].arrival.n_phases = 2;
	struct capture cap = {0};
	struct outcome_summary o = run_scenario(&s, &cap);
	double n = (double)o.r.attempts;
	cr_assert_float_eq(n, 15000, 4 * sqrt(15000), "seed 1: %g arrivals", n);
	size_t late = 0;
	for (size_t i = 0; i < cap.n_at; i++)
		late += cap.at[i].start >= 75 * S_NS;
	/* 75..100 s of the ramp: 200 -> 300/s, 6250 expected */
	cr_assert_float_eq((double)late, 6250, 4 * sqrt(6250));
	capture_free(&cap);
}

Test(workload, constant_and_burst_counts_are_exact)
{
	struct scenario s = open_server();
	s.duration = 10 * S_NS;
	s.pops[0].arrival.rate_per_s = 37;
	cr_assert_eq(run_scenario(&s, NULL).r.attempts, 370);
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = 25;
	s.pops[0].arrival.at = 1 * S_NS;
	s.pops[0].arrival.every = 2 * S_NS;
	cr_assert_eq(run_scenario(&s, NULL).r.attempts, 25 * 5); /* at 1, 3, 5, 7, 9 s */
}

Test(workload, closed_loop_users_reconnect_after_thinking)
{
	struct scenario s = open_server();
	s.duration = 10 * S_NS;
	s.pops[0].arrival.kind = ARRIVAL_CLOSED_LOOP;
	s.pops[0].arrival.users = 10;
	s.pops[0].arrival.think = dist_constant(100 * MS_NS);
	s.pops[0].after.hold = dist_constant(100 * MS_NS);
	/* each user: connect (0.1 ms), hold 100 ms, think 100 ms: ~5 tries/s */
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_float_eq((double)o.r.attempts, 10 * 10 * 5, 10 * 2);
}

Test(workload, a_stall_stops_accepting_for_its_length)
{
	struct scenario s = open_server();
	s.duration = 4 * S_NS;
	s.pops[0].arrival.rate_per_s = 100;
	s.server.acceptor.stalls[0] = (struct stall){1 * S_NS, 1 * S_NS, 0};
	s.server.acceptor.n_stalls = 1;
	struct capture cap = {0};
	struct outcome_summary o = run_scenario(&s, &cap);
	size_t in_stall = 0, after = 0;
	for (size_t i = 0; i < cap.n_at; i++) {
		sim_time_ns a = cap.at[i].accepted_at;
		cr_assert_geq(a, 0);
		in_stall += a > 1 * S_NS && a < 2 * S_NS;
		after += a == 2 * S_NS; /* the queued ones, accepted the moment it ends */
	}
	cr_assert_eq(in_stall, 0);
	cr_assert_eq(after, 100);
	cr_assert_eq(o.r.max_accept_queue, 100);
	capture_free(&cap);
}

Test(workload, periodic_stalls_repeat)
{
	struct scenario s = open_server();
	s.duration = 10 * S_NS;
	s.pops[0].arrival.rate_per_s = 100;
	s.server.acceptor.stalls[0] = (struct stall){1 * S_NS, 500 * MS_NS, 3 * S_NS};
	s.server.acceptor.n_stalls = 1;
	struct capture cap = {0};
	run_scenario(&s, &cap);
	size_t at_end[4] = {0};
	for (size_t i = 0; i < cap.n_at; i++)
		for (int k = 0; k < 4; k++)
			at_end[k] += cap.at[i].accepted_at == (1500 + 3000 * k) * MS_NS;
	for (int k = 0; k < 3; k++)
		cr_assert_eq(at_end[k], 50, "stall %d released %zu", k, at_end[k]);
	capture_free(&cap);
}

Test(workload, event_loop_accepts_a_batch_per_wakeup)
{
	struct scenario s = open_server();
	s.server.acceptor.kind = ACCEPTOR_EVENT_LOOP;
	s.server.acceptor.batch = 4;
	s.server.acceptor.wake_latency = dist_constant(10 * MS_NS);
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = 10;
	struct capture cap = {0};
	run_scenario(&s, &cap);
	/* wake-ups at 10, 20, 30 ms after the children arrive: 4 + 4 + 2 */
	size_t n[3] = {0};
	for (size_t i = 0; i < cap.n_at; i++) {
		double ms = (double)cap.at[i].accepted_at / 1e6;
		for (int k = 0; k < 3; k++)
			n[k] += fabs(ms - (0.15 + 10 * (k + 1))) < 0.01;
	}
	cr_assert_eq(n[0], 4);
	cr_assert_eq(n[1], 4);
	cr_assert_eq(n[2], 2);
	capture_free(&cap);
}

Test(workload, application_retries_count_each_try_and_the_user_visible_time)
{
	/* the accept queue is full for good: every try times out at 3 s
	 * (tcp_syn_retries 1); two application retries after 500 ms each */
	struct scenario s = sc_basic("linux-6.18");
	s.server.backlog = 0;
	s.n_pops = 2;
	s.pops[1] = s.pops[0];
	s.pops[0].arrival.kind = ARRIVAL_BURST; /* fills the accept queue (N+1 = 1) */
	s.pops[0].arrival.count = 1;
	s.pops[1].arrival.kind = ARRIVAL_BURST;
	s.pops[1].arrival.count = 2;
	s.pops[1].arrival.at = 100 * MS_NS;
	s.pops[1].sysctl.tcp_syn_retries = 1;
	s.pops[1].rules.timer_wheel = false;
	s.pops[1].app_retries = 2;
	s.pops[1].app_backoff = dist_constant(500 * MS_NS);
	s.drain = scenario_default_drain(&s);
	struct capture cap = {0};
	struct outcome_summary o = run_scenario(&s, &cap);
	/* one connects; the other two try 3 times each */
	cr_assert_eq(o.r.attempts, 1 + 2 * 3);
	cr_assert_eq(o.r.app_tries, 4);
	cr_assert_eq(o.r.requests_failed, 2);
	size_t last_tries = 0;
	for (size_t i = 0; i < cap.n_at; i++)
		if (cap.at[i].app_try == 2) {
			last_tries++;
			/* the third try starts after 2 x (3 s + 0.5 s) */
			cr_assert_eq(cap.at[i].start - cap.at[i].request_start, 7 * S_NS);
		}
	cr_assert_eq(last_tries, 2);
	capture_free(&cap);
}

Test(workload, reuseport_spreads_arrivals_evenly)
{
	struct scenario s = open_server();
	s.server.listeners = 4;
	s.duration = 10 * S_NS;
	s.pops[0].arrival.rate_per_s = 4000;
	struct capture cap = {0};
	run_scenario(&s, &cap);
	size_t per[4] = {0};
	for (size_t i = 0; i < cap.n_at; i++)
		per[cap.at[i].listener]++;
	for (int k = 0; k < 4; k++)
		cr_assert_float_eq((double)per[k], 10000, 4 * sqrt(10000 * 0.75), "listener %d: %zu", k, per[k]);
	capture_free(&cap);
}

Test(workload, delay_distributions_and_loss_shape_connect_times)
{
	struct scenario s = open_server();
	s.duration = 20 * S_NS;
	s.pops[0].arrival.kind = ARRIVAL_POISSON;
	s.pops[0].arrival.rate_per_s = 1000;
	s.pops[0].path.delay_to_server = (struct dist){DIST_UNIFORM, 10 * MS_NS, 30 * MS_NS, NULL, 0};
	s.pops[0].path.delay_to_client = (struct dist){DIST_NORMAL, 5 * MS_NS, 10 * MS_NS, NULL, 0};
	struct outcome_summary o = run_scenario(&s, NULL);
	/* connect time = up + down: mean 20 ms + the truncated normal's mean */
	double tn = dist_mean(&s.pops[0].path.delay_to_client) / 1e6;
	double mean = o.connect_mean_ms;
	cr_assert_float_eq(mean, 20 + tn, 0.3, "mean connect %g ms", mean);
	/* 10% loss each way: P(first SYN and its SYN-ACK both arrive) = 0.81 */
	s.pops[0].path = open_server().pops[0].path;
	s.pops[0].path.loss_to_server = 0.1;
	s.pops[0].path.loss_to_client = 0.1;
	o = run_scenario(&s, NULL);
	double first = (double)o.r.connected_by_syns[0] / (double)o.r.attempts;
	cr_assert_float_eq(first, 0.81, 0.01, "connected on the first SYN: %g", first);
}

Test(workload, lognormal_and_empirical_service_times)
{
	double vals[] = {1e6, 2e6, 3e6, 4e6};
	struct rng_stream rs;
	rng_stream_init(&rs, 5, 0, 1);
	struct dist e = {DIST_EMPIRICAL, 0, 0, vals, 4};
	struct dist l = {DIST_LOGNORMAL, 2e6, 0.5, NULL, 0};
	double se = 0, sl = 0;
	for (int i = 0; i < 200000; i++) {
		double x = dist_sample(&e, &rs);
		cr_assert(x >= 1e6 && x <= 4e6);
		se += x;
		sl += dist_sample(&l, &rs);
	}
	cr_assert_float_eq(se / 200000, dist_mean(&e), 0.01e6);
	cr_assert_float_eq(sl / 200000, dist_mean(&l), 0.02e6);
	rng_stream_fini(&rs);
}

Test(workload, warmup_excludes_the_first_seconds_from_every_statistic)
{
	struct scenario a = sc_basic("linux-6.18"), b;
	a.duration = 2 * S_NS;
	a.pops[0].sysctl.tcp_syn_retries = 2;
	b = a;
	b.warmup = 1 * S_NS;
	struct outcome_summary oa = run_scenario(&a, NULL), ob = run_scenario(&b, NULL);
	cr_assert_eq(oa.r.attempts, 40);
	cr_assert_eq(oa.r.outcomes[OUTCOME_CONNECTED], 9);
	/* the 9 connected in the first half second: outside the window */
	cr_assert_eq(ob.r.attempts, 20);
	cr_assert_eq(ob.r.outcomes[OUTCOME_CONNECTED], 0);
	cr_assert_eq(ob.r.outcomes[OUTCOME_TIMED_OUT], 20);
	cr_assert_eq(ob.r.connect_time.count, 0);
	cr_assert_eq(ob.r.max_accept_queue, 9);
	cr_assert_eq(ob.r.counters[CTR_TcpPassiveOpens], 0);
	cr_assert_lt(ob.r.counters[CTR_ListenOverflows], oa.r.counters[CTR_ListenOverflows]);
	cr_assert_gt(ob.r.counters[CTR_ListenOverflows], 20 * 6 - 1);
	cr_assert_eq(ob.r.window, oa.r.window - 1 * S_NS);
	/* the accept queue is full for the whole window */
	cr_assert_float_eq(ob.r.accept_queue_high_s, (double)ob.r.window / 1e9, 1e-9);
}
