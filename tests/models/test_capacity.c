/* test_capacity.c: the peak/fluid estimate (models/capacity.h) against
 * known answers and against runs of the simulator. */
#include <criterion/criterion.h>
#include <math.h>

#include "helpers.h"
#include "models/capacity.h"

/* 8 workers of 5 ms (1600 /s), room for everyone */
static struct scenario workers_1600(void)
{
	struct scenario s = sc_basic("linux-6.18");
	s.server.backlog = 65535;
	s.server.sysctl.somaxconn = 65535;
	s.server.acceptor.kind = ACCEPTOR_WORKERS;
	s.server.acceptor.workers = 8;
	s.server.acceptor.service = dist_constant(5 * MS_NS);
	s.pops[0].after.hold = dist_constant(0);
	return s;
}

static const struct rate_phase peak_phases[] = {{0, 3000, 3000}, {1 * S_NS, 0, 0}};

/* 3000 /s for 1 s against 1600 /s: 1400 pile up by t = 1 s and the last
 * waits 1400 / 1600 = 0.875 s */
Test(capacity, a_peak_piles_up_lambda_minus_mu_times_t)
{
	struct scenario s = workers_1600();
	s.pops[0].arrival.kind = ARRIVAL_SCHEDULE;
	s.pops[0].arrival.phases = peak_phases;
	s.pops[0].arrival.n_phases = 2;
	s.duration = 3 * S_NS;
	struct capacity_estimate ce;
	cr_assert_eq(capacity_estimate(&s, 65536, &ce), 0);
	cr_assert_eq(ce.regime, CAPACITY_PEAK);
	cr_assert_float_eq(ce.service_per_s, 1600, 1e-9);
	cr_assert_float_eq(ce.peak_per_s, 3000, 1e-9);
	cr_assert_float_eq(ce.mean_per_s, 1000, 1);
	cr_assert_float_eq(ce.queue_max, 1400 - 8, 2, "queue %g", ce.queue_max);
	cr_assert_float_eq(ce.wait_max_s, 1392.0 / 1600, 0.002, "wait %g", ce.wait_max_s);
	cr_assert_eq(ce.servers_for_peak, 15);
	cr_assert_float_eq(ce.rate_for_peak, 3000, 1e-9);
	/* with the default queue of 129 places nearly all of the pile is turned away */
	cr_assert_eq(capacity_estimate(&s, 129, &ce), 0);
	cr_assert_float_eq(ce.turned_away, 1392 - 129, 3, "turned away %g", ce.turned_away);
}

/* the same scenario run: the accept queue and the longest accept-queue wait
 * agree with the fluid estimate within 10% (Poisson arrivals: about 3000 +- 55
 * arrive in the second) */
Test(capacity, fluid_estimate_matches_a_run, .timeout = 60)
{
	struct scenario s = workers_1600();
	s.pops[0].arrival.kind = ARRIVAL_SCHEDULE;
	s.pops[0].arrival.phases = peak_phases;
	s.pops[0].arrival.n_phases = 2;
	s.duration = 3 * S_NS;
	s.seed = 5;
	s.drain = scenario_default_drain(&s);
	struct capacity_estimate ce;
	cr_assert_eq(capacity_estimate(&s, 65536, &ce), 0);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.outcomes[OUTCOME_CONNECTED], o.r.attempts);
	cr_assert_leq(fabs(o.r.max_accept_queue - ce.queue_max) / ce.queue_max, 0.10, "seed 5: run %u, fluid %g",
	              o.r.max_accept_queue, ce.queue_max);
	cr_assert_leq(fabs(o.accept_wait_max_ms / 1e3 - ce.wait_max_s) / ce.wait_max_s, 0.10,
	              "seed 5: run %g s, fluid %g s", o.accept_wait_max_ms / 1e3, ce.wait_max_s);
}

/* one burst of 1000 at once: 8 go to the workers, 992 wait, the last
 * 992 / 1600 s; the run agrees */
Test(capacity, a_burst_queues_all_but_the_workers)
{
	struct scenario s = workers_1600();
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = 1000;
	s.pops[0].arrival.at = 0;
	s.drain = scenario_default_drain(&s);
	struct capacity_estimate ce;
	cr_assert_eq(capacity_estimate(&s, 65536, &ce), 0);
	cr_assert_eq(ce.regime, CAPACITY_PEAK);
	cr_assert_float_eq(ce.burst, 1000, 1e-9);
	cr_assert_float_eq(ce.queue_max, 992, 1e-6);
	cr_assert_float_eq(ce.wait_max_s, 992.0 / 1600, 0.001, "wait %g", ce.wait_max_s);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_leq(fabs(o.r.max_accept_queue - 992.0), 8, "run %u", o.r.max_accept_queue);
	cr_assert_float_eq(o.accept_wait_max_ms / 1e3, 992.0 / 1600, 0.01, "run %g ms", o.accept_wait_max_ms);
}

/* a stall of 150 ms at 6000 /s piles up 900 (the solve-nginx-backlog example) */
Test(capacity, a_stall_piles_up_rate_times_length)
{
	struct scenario s = sc_basic("linux-6.18");
	s.server.acceptor.kind = ACCEPTOR_RATE;
	s.server.acceptor.rate_per_s = 10000;
	s.server.acceptor.stalls[0] = (struct stall){2 * S_NS, 150 * MS_NS, 0};
	s.server.acceptor.n_stalls = 1;
	s.pops[0].arrival.kind = ARRIVAL_POISSON;
	s.pops[0].arrival.rate_per_s = 6000;
	s.duration = 5 * S_NS;
	struct capacity_estimate ce;
	cr_assert_eq(capacity_estimate(&s, 4097, &ce), 0);
	cr_assert_eq(ce.regime, CAPACITY_PEAK);
	cr_assert_float_eq(ce.queue_max, 900, 1, "queue %g", ce.queue_max);
	/* the first one caught by the stall waits it out, the last (at its end) 900 / 10000 s */
	cr_assert_float_eq(ce.wait_max_s, 0.150, 0.001, "wait %g", ce.wait_max_s);
}

Test(capacity, regimes)
{
	struct scenario s = workers_1600();
	s.pops[0].arrival.kind = ARRIVAL_POISSON;
	s.pops[0].arrival.rate_per_s = 1000;
	struct capacity_estimate ce;
	cr_assert_eq(capacity_estimate(&s, 65536, &ce), 0);
	cr_assert_eq(ce.regime, CAPACITY_STEADY);
	cr_assert_float_eq(ce.queue_max, 0, 1e-9);
	s.pops[0].arrival.rate_per_s = 2000;
	cr_assert_eq(capacity_estimate(&s, 65536, &ce), 0);
	cr_assert_eq(ce.regime, CAPACITY_OVERLOAD);
	cr_assert_float_eq(ce.queue_max, 400 * 1.0 - 8, 1, "queue %g", ce.queue_max); /* 1 s at +400 /s */
	cr_assert_eq(ce.servers_for_peak, 10);
	s.pops[0].arrival.kind = ARRIVAL_CLOSED_LOOP;
	cr_assert_eq(capacity_estimate(&s, 65536, &ce), 0);
	cr_assert_eq(ce.regime, CAPACITY_UNKNOWN);
	s.pops[0].arrival.kind = ARRIVAL_POISSON;
	s.server.acceptor.kind = ACCEPTOR_NEVER;
	cr_assert_eq(capacity_estimate(&s, 65536, &ce), 0);
	cr_assert_eq(ce.regime, CAPACITY_UNKNOWN);
}
