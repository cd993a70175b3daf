/* test_client.c: the client's SYN schedule in a running world (docs/kernels.md
 * "Client", "Timer granularity"). */
#include <criterion/criterion.h>
#include <math.h>

#include "helpers.h"

/* one connect against a server whose accept queue is full (backlog 0 with
 * one connection in it): every SYN is dropped */
static struct scenario lone_client(int retries, int linear, bool wheel)
{
	struct scenario s = sc_basic("linux-6.18");
	s.server.backlog = 0;
	s.n_pops = 2;
	s.pops[1] = s.pops[0];
	s.pops[0].arrival.kind = ARRIVAL_BURST; /* fills the accept queue (N+1 = 1) */
	s.pops[0].arrival.count = 1;
	s.pops[0].arrival.at = 0;
	s.pops[1].arrival.kind = ARRIVAL_BURST;
	s.pops[1].arrival.count = 1;
	s.pops[1].arrival.at = 100 * MS_NS;
	s.pops[1].sysctl.tcp_syn_retries = retries;
	s.pops[1].sysctl.tcp_syn_linear_timeouts = linear;
	s.pops[1].rules.timer_wheel = wheel;
	s.drain = 400 * S_NS;
	return s;
}

static void check_schedule(int retries, int linear, const double *want, size_t n_want, double fail)
{
	struct scenario s = lone_client(retries, linear, false);
	struct capture cap = {0};
	struct outcome_summary o = run_scenario(&s, &cap);
	cr_assert_eq(o.r.outcomes[OUTCOME_TIMED_OUT], 1);
	double t[64];
	size_t n = trace_times(&cap, 1, "send", "SYN", t, 64);
	cr_assert_eq(n, n_want, "retries %d linear %d: %zu SYNs", retries, linear, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_float_eq(t[i] - 0.1, want[i], 1e-9, "SYN %zu at %g", i, t[i] - 0.1);
	n = trace_times(&cap, 1, "fail", NULL, t, 64);
	cr_assert_eq(n, 1);
	cr_assert_float_eq(t[0] - 0.1, fail, 1e-9);
	capture_free(&cap);
}

Test(client, linear_timeouts_retries_3)
{
	double want[] = {0, 1, 2, 3, 4, 5, 7, 11};
	check_schedule(3, 4, want, 8, 19);
}

Test(client, exponential_retries_3)
{
	double want[] = {0, 1, 3, 7};
	check_schedule(3, 0, want, 4, 15);
}

Test(client, linear_timeouts_default_retries)
{
	double want[] = {0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
	check_schedule(6, 4, want, 11, 131);
}

Test(client, zero_retries_is_one_syn)
{
	double want[] = {0};
	check_schedule(0, 4, want, 1, 1);
}

Test(client, timer_wheel_makes_19_s_land_between_19_and_19_7)
{
	struct scenario s = lone_client(3, 4, true);
	struct capture cap = {0};
	run_scenario(&s, &cap);
	double t[8];
	cr_assert_eq(trace_times(&cap, 1, "fail", NULL, t, 8), 1);
	double elapsed = t[0] - 0.1;
	cr_assert(elapsed >= 19.0 && elapsed <= 19.7, "ETIMEDOUT after %g s", elapsed);
	cr_assert_eq(trace_times(&cap, 1, "send", "SYN", t, 8), 8);
	capture_free(&cap);
}

Test(client, old_kernel_gives_up_at_21_s_after_two_retransmits)
{
	/* a 2.6.32 client (3 s RTO, tcp_syn_retries 5, the TCP_RTO_MIN give-up
	 * bug) against a server that drops every SYN */
	struct scenario s = lone_client(5, 0, false);
	s.pops[1].rules = *profile_find("linux-2.6.32");
	struct capture cap = {0};
	struct outcome_summary o = run_scenario(&s, &cap);
	cr_assert_eq(o.r.outcomes[OUTCOME_TIMED_OUT], 1);
	double t[8];
	size_t n = trace_times(&cap, 1, "send", "SYN", t, 8);
	cr_assert_eq(n, 3);
	cr_assert_float_eq(t[1] - t[0], 3, 1e-9);
	cr_assert_float_eq(t[2] - t[0], 9, 1e-9);
	cr_assert_eq(trace_times(&cap, 1, "fail", NULL, t, 8), 1);
	cr_assert_float_eq(t[0] - 0.1, 21, 1e-9);
	capture_free(&cap);
}

Test(client, connect_timeout_fires_before_the_retries_run_out)
{
	struct scenario s = lone_client(6, 4, false);
	s.pops[1].connect_timeout = 2500 * MS_NS;
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.outcomes[OUTCOME_CONNECT_TIMEOUT], 1);
	cr_assert_eq(o.r.outcomes[OUTCOME_TIMED_OUT], 0);
}

Test(client, greeting_read_timeout_when_never_accepted)
{
	/* MySQL: the client waits for the server to speak; a server that never
	 * accepts never speaks */
	struct scenario s = sc_basic("linux-6.18");
	s.pops[0].after.kind = AFTER_GREETING;
	s.pops[0].after.read_timeout = 2 * S_NS;
	s.pops[0].sysctl.tcp_syn_retries = 1;
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.outcomes[OUTCOME_READ_TIMEOUT], 9);
	cr_assert_eq(o.r.outcomes[OUTCOME_TIMED_OUT], 11);
}

Test(client, greeting_served_when_accepted)
{
	struct scenario s = sc_basic("linux-6.18");
	s.pops[0].after.kind = AFTER_GREETING;
	s.pops[0].after.read_timeout = 2 * S_NS;
	s.pops[0].after.hold = dist_constant(0.01 * S_NS);
	s.server.acceptor.kind = ACCEPTOR_WORKERS;
	s.server.acceptor.workers = 4;
	s.server.acceptor.service = dist_constant(1 * MS_NS);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.r.outcomes[OUTCOME_CONNECTED], 20);
	cr_assert_eq(o.r.accepted, 20);
}
