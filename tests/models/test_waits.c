/* test_waits.c: the waits users feel (accept-queue wait, first byte, request
 * time) and the per-population split, on scenarios with a known answer. */
#include <criterion/criterion.h>
#include <math.h>

#include "helpers.h"

/* Five connects at once against an application that accepts 10 per second
 * (fixed gaps): the children join the accept queue together and leave it at
 * 0, 100, 200, 300 and 400 ms.  connect() returned at once for all five. */
static struct scenario burst_of_five(enum after_connect_kind after)
{
	struct scenario s = sc_basic("linux-6.18");
	s.server.backlog = 128;
	s.server.acceptor.kind = ACCEPTOR_RATE;
	s.server.acceptor.rate_per_s = 10;
	s.pops[0].arrival.kind = ARRIVAL_BURST;
	s.pops[0].arrival.count = 5;
	s.pops[0].arrival.at = 0;
	s.pops[0].after.kind = after;
	s.pops[0].after.hold = dist_constant(0);
	s.drain = scenario_default_drain(&s);
	return s;
}

Test(waits, accept_wait_of_a_burst_is_the_acceptor_spacing)
{
	struct scenario s = burst_of_five(AFTER_HOLD);
	struct capture cap = {0};
	struct outcome_summary o = run_scenario(&s, &cap);
	cr_assert_eq(o.r.attempts, 5);
	cr_assert_eq(o.accept_wait_count, 5);
	cr_assert_float_eq(o.accept_wait_mean_ms, 200, 0.01, "mean %g", o.accept_wait_mean_ms);
	cr_assert_float_eq(o.accept_wait_max_ms, 400, 0.01, "max %g", o.accept_wait_max_ms);
	cr_assert_lt(o.connect_max_ms, 0.2); /* one round trip */
	/* hold clients wait for nothing from the server */
	cr_assert_eq(o.first_byte_count, 0);
	/* their request time is the time to connect() */
	cr_assert_eq(o.request_count, 5);
	cr_assert_float_eq(o.request_mean_ms, o.connect_mean_ms, 1e-9);
	for (size_t i = 0; i < cap.n_at; i++) {
		const struct attempt_rec *a = &cap.at[i];
		cr_assert_geq(a->queued_at, a->connect_at);
		cr_assert_geq(a->accepted_at, a->queued_at);
	}
	capture_free(&cap);
}

/* The same burst with clients that send a request: the response comes once
 * the server has accepted, so the first byte and the request time carry the
 * accept-queue wait plus one round trip, while connect time does not. */
Test(waits, request_time_includes_the_accept_queue_wait)
{
	struct scenario s = burst_of_five(AFTER_REQUEST);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.first_byte_count, 5);
	cr_assert_eq(o.request_count, 5);
	cr_assert_lt(o.connect_max_ms, 0.2);
	/* 0.1 ms handshake + wait + 0.05 ms response ... all within 0.3 ms of the wait */
	cr_assert_float_eq(o.first_byte_mean_ms, 200, 0.3, "first byte mean %g", o.first_byte_mean_ms);
	cr_assert_float_eq(o.request_mean_ms, o.first_byte_mean_ms, 1e-9);
}

/* Two populations: each attempt counts in its own, and they add up. */
Test(waits, populations_partition_the_attempts)
{
	struct scenario s = sc_basic("linux-6.18");
	s.n_pops = 2;
	s.pops[1] = s.pops[0];
	snprintf(s.pops[1].name, sizeof(s.pops[1].name), "other");
	s.pops[1].arrival.rate_per_s = 5;
	s.server.backlog = 4;
	s.drain = scenario_default_drain(&s);
	struct outcome_summary o = run_scenario(&s, NULL);
	cr_assert_eq(o.pop_attempts[0], 20);
	cr_assert_eq(o.pop_attempts[1], 5);
	cr_assert_eq(o.pop_attempts[0] + o.pop_attempts[1], o.r.attempts);
	uint64_t connected = 0;
	for (int k = 0; k < WORLD_MAX_SYNS; k++)
		connected += o.r.connected_by_syns[k];
	cr_assert_eq(o.pop_connect_count[0] + o.pop_connect_count[1], connected);
	/* the accept queue holds 5: five connect, the rest never do */
	cr_assert_eq(connected, 5);
}
