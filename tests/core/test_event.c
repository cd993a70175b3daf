/* test_event.c: the pending-event queue. */
#include <criterion/criterion.h>
#include <signal.h>

#include "sim/event.h"
#include "sim/rng.h"

Test(event, pops_in_time_then_schedule_order)
{
	struct sim_queue q;
	cr_assert_eq(sim_queue_init(&q), 0);
	struct sim_event ev[6];
	sim_time_ns t[6] = {50, 10, 50, 10, 30, 50};
	for (int i = 0; i < 6; i++) {
		sim_event_init(&ev[i], (uint16_t)i);
		cr_assert_eq(sim_queue_schedule(&q, &ev[i], t[i]), 0);
	}
	int order[6] = {1, 3, 4, 0, 2, 5};
	for (int i = 0; i < 6; i++) {
		struct sim_event *e = sim_queue_pop(&q);
		cr_assert_eq(e->kind, order[i], "pop %d: got kind %d", i, e->kind);
		cr_assert(!sim_event_is_pending(e));
	}
	cr_assert_null(sim_queue_pop(&q));
	sim_queue_fini(&q);
}

Test(event, cancel_and_reschedule_keep_the_heap_valid)
{
	struct sim_queue q;
	cr_assert_eq(sim_queue_init(&q), 0);
	enum { N = 5000 };
	static struct sim_event ev[N];
	struct rng_stream rs;
	cr_assert_eq(rng_stream_init(&rs, 7, 0, 1), 0);
	for (int i = 0; i < N; i++) {
		sim_event_init(&ev[i], 0);
		sim_queue_schedule(&q, &ev[i], (sim_time_ns)rng_below(&rs, 1000000));
	}
	for (int i = 0; i < N; i += 3)
		sim_queue_cancel(&q, &ev[i]);
	for (int i = 1; i < N; i += 6)
		sim_queue_schedule(&q, &ev[i], (sim_time_ns)rng_below(&rs, 1000000));
	sim_queue_cancel(&q, &ev[0]); /* already cancelled: a no-op */
	cr_assert(sim_queue_check(&q), "seed 7: heap invalid after cancels");
	sim_time_ns last = -1;
	size_t n = 0;
	struct sim_event *e;
	while ((e = sim_queue_pop(&q))) {
		cr_assert_geq(e->time, last);
		last = e->time;
		n++;
	}
	cr_assert_eq(n, N - (N + 2) / 3);
	rng_stream_fini(&rs);
	sim_queue_fini(&q);
}

Test(event, scheduling_in_the_past_aborts, .signal = SIGABRT)
{
	struct sim_queue q;
	sim_queue_init(&q);
	struct sim_event a, b;
	sim_event_init(&a, 0);
	sim_event_init(&b, 0);
	sim_queue_schedule(&q, &a, 100);
	sim_queue_pop(&q);
	sim_queue_schedule(&q, &b, 99);
}

Test(rng, streams_are_reproducible_and_independent)
{
	struct rng_stream a, b, c;
	rng_stream_init(&a, 42, 0, 100);
	rng_stream_init(&b, 42, 0, 100);
	rng_stream_init(&c, 42, 0, 101);
	int same = 0;
	for (int i = 0; i < 1000; i++) {
		double x = rng_uniform(&a), y = rng_uniform(&b), z = rng_uniform(&c);
		cr_assert_eq(x, y);
		same += x == z;
	}
	cr_assert_lt(same, 5);
	cr_assert_neq(rng_derive_seed(1, 0, 5), rng_derive_seed(1, 1, 5));
	rng_stream_fini(&a);
	rng_stream_fini(&b);
	rng_stream_fini(&c);
}
