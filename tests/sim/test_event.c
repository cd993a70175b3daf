/* test_event.c: the pending-event queue. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

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
		cr_assert_geq(q.now, last);
		last = q.now;
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

Test(event, scheduling_in_a_lane_in_the_past_aborts, .signal = SIGABRT)
{
	struct sim_queue q;
	sim_queue_init(&q);
	struct sim_event a, b;
	sim_event_init(&a, 0);
	sim_event_init(&b, 0);
	sim_queue_schedule_lane(&q, &a, 100, 7);
	sim_queue_pop(&q);
	sim_queue_schedule_lane(&q, &b, 99, 7);
}

/* key 0: the heap (sim_queue_schedule); other keys: that lane */
static void schedule_keyed(struct sim_queue *q, struct sim_event *ev, sim_time_ns t, uint64_t key)
{
	int rc = key ? sim_queue_schedule_lane(q, ev, t, key) : sim_queue_schedule(q, ev, t);
	cr_assert_eq(rc, 0);
}

Test(event, equal_times_in_lanes_and_heap_pop_in_scheduling_order)
{
	struct sim_queue q;
	cr_assert_eq(sim_queue_init(&q), 0);
	enum { N = 14 };
	struct sim_event ev[N];
	/* 6: before lane 1's tail, so the heap; 9: before lane 3's tail;
	 * 10: before lane 2's tail; 12, 13: equal to the tail, so the lane */
	sim_time_ns t[N] = {100, 100, 100, 100, 100, 100, 50, 100, 200, 100, 50, 200, 200, 100};
	uint64_t key[N] = {1, 0, 1, 2, 0, 2, 1, 3, 3, 3, 2, 1, 1, 2};
	for (int i = 0; i < N; i++) {
		sim_event_init(&ev[i], (uint16_t)i);
		schedule_keyed(&q, &ev[i], t[i], key[i]);
		cr_assert(sim_queue_check(&q), "after schedule %d", i);
	}
	cr_assert_eq(q.n_lanes, 3);
	cr_assert_eq(q.lanes[0].len, 4); /* 0, 2, 11, 12 */
	cr_assert_eq(q.lanes[1].len, 3); /* 3, 5, 13 */
	cr_assert_eq(q.lanes[2].len, 2); /* 7, 8 */
	int order[N] = {6, 10, 0, 1, 2, 3, 4, 5, 7, 9, 13, 8, 11, 12};
	for (int i = 0; i < N; i++) {
		struct sim_event *e = sim_queue_pop(&q);
		cr_assert_not_null(e);
		cr_assert_eq(e->kind, order[i], "pop %d: got %d, want %d", i, e->kind, order[i]);
		cr_assert(sim_queue_check(&q), "after pop %d", i);
	}
	cr_assert_null(sim_queue_pop(&q));
	/* a second round at the now of the last pop: ties with what is left */
	for (int i = 0; i < 6; i++)
		schedule_keyed(&q, &ev[i], 200 + 10 * (i % 2), (uint64_t)(i % 3));
	sim_queue_cancel(&q, &ev[2]);
	schedule_keyed(&q, &ev[2], 200, 0); /* now after 4 and 0 */
	int order2[] = {0, 4, 2, 1, 3, 5};
	for (int i = 0; i < 6; i++) {
		struct sim_event *e = sim_queue_pop(&q);
		cr_assert_not_null(e);
		cr_assert_eq(e->kind, order2[i], "round 2 pop %d: got %d, want %d", i, e->kind, order2[i]);
	}
	cr_assert_null(sim_queue_pop(&q));
	cr_assert_eq(sim_queue_entries(&q), 0);
	sim_queue_fini(&q);
}

/* The same random operations on two queues, one using only the heap, one
 * using lanes, must pop the same events at the same times. */
enum { EQ_EVENTS = 600, EQ_OPS = 60000, EQ_KEYS = 6 };

struct eq_run {
	struct sim_queue a, b;                  /* heap only; with lanes */
	struct sim_event ea[EQ_EVENTS], eb[EQ_EVENTS];
	struct rng_stream rs;
	unsigned seed;
	uint64_t compactions;                   /* schedules after which b held fewer entries */
};

static void eq_schedule(struct eq_run *r, int op)
{
	/* key = delay, in units of 10 ns so that times often tie; 0 = the heap */
	static const sim_time_ns delay[EQ_KEYS] = {0, 0, 10, 250, 1000, 7000};
	uint32_t i = (uint32_t)rng_below(&r->rs, EQ_EVENTS);
	uint32_t k = (uint32_t)rng_below(&r->rs, EQ_KEYS);
	sim_time_ns d = delay[k] * 10;
	unsigned long how = rng_below(&r->rs, 10);
	if (k == 0 || how == 0)
		d = (sim_time_ns)rng_below(&r->rs, 1000) * 10; /* anything */
	else if (how == 1)
		d -= (sim_time_ns)rng_below(&r->rs, (unsigned long)d / 10 + 1) * 10; /* early for its lane */
	sim_time_ns t = r->a.now + d;
	uint64_t before = sim_queue_entries(&r->b);
	cr_assert_eq(sim_queue_schedule(&r->a, &r->ea[i], t), 0, "seed %u op %d", r->seed, op);
	schedule_keyed(&r->b, &r->eb[i], t, k == 0 ? 0 : (uint64_t)delay[k] + 1);
	if (sim_queue_entries(&r->b) < before)
		r->compactions++;
}

static void eq_pop(struct eq_run *r, int op)
{
	struct sim_event *x = sim_queue_pop(&r->a);
	struct sim_event *y = sim_queue_pop(&r->b);
	cr_assert_eq(x == NULL, y == NULL, "seed %u op %d: one queue is empty", r->seed, op);
	if (x) {
		cr_assert_eq(x - r->ea, y - r->eb, "seed %u op %d: popped event %td, want %td", r->seed,
		             op, y - r->eb, x - r->ea);
	}
	cr_assert_eq(r->a.now, r->b.now, "seed %u op %d", r->seed, op);
}

static void eq_run_seed(struct eq_run *r, unsigned seed)
{
	r->seed = seed;
	r->compactions = 0;
	cr_assert_eq(rng_stream_init(&r->rs, seed, 0, 1), 0);
	cr_assert_eq(sim_queue_init(&r->a), 0);
	cr_assert_eq(sim_queue_init(&r->b), 0);
	for (int i = 0; i < EQ_EVENTS; i++) {
		sim_event_init(&r->ea[i], 0);
		sim_event_init(&r->eb[i], 0);
	}
	for (int op = 0; op < EQ_OPS; op++) {
		/* calm phases, then churn phases where stale entries pile up */
		bool churn = (op / 5000) % 2 == 1;
		unsigned long x = rng_below(&r->rs, 100);
		if (x < 40)
			eq_schedule(r, op);
		else if (x < (churn ? 90u : 55u)) {
			uint32_t i = (uint32_t)rng_below(&r->rs, EQ_EVENTS);
			sim_queue_cancel(&r->a, &r->ea[i]);
			sim_queue_cancel(&r->b, &r->eb[i]);
		} else if (x < 95)
			eq_pop(r, op);
		else
			cr_assert_eq(sim_queue_peek_time(&r->a), sim_queue_peek_time(&r->b), "seed %u op %d",
			             seed, op);
		cr_assert_eq(r->a.live, r->b.live, "seed %u op %d", seed, op);
		if (op % 8 == 0 || churn) {
			cr_assert(sim_queue_check(&r->a), "seed %u op %d: heap-only queue invalid", seed, op);
			cr_assert(sim_queue_check(&r->b), "seed %u op %d: queue with lanes invalid", seed, op);
		}
	}
	while (r->a.live > 0 || r->b.live > 0)
		eq_pop(r, EQ_OPS);
	eq_pop(r, EQ_OPS); /* both empty */
	cr_assert_eq(r->a.fired, r->b.fired, "seed %u", seed);
	cr_assert(sim_queue_check(&r->b), "seed %u: invalid once drained", seed);
	cr_assert_eq(r->b.n_lanes, EQ_KEYS - 1, "seed %u", seed);
	cr_assert_gt(r->compactions, 0, "seed %u: the lanes were never compacted", seed);
	sim_queue_fini(&r->a);
	sim_queue_fini(&r->b);
	rng_stream_fini(&r->rs);
}

Test(event, lanes_pop_exactly_as_the_heap_alone)
{
	static struct eq_run r;
	for (unsigned seed = 1; seed <= 4; seed++)
		eq_run_seed(&r, seed);
}

/* a long-delay lane whose events are all cancelled long before they are due
 * (a connect deadline): compaction keeps it near the live count */
static void check_cancelled_lane(unsigned lag)
{
	struct sim_queue q;
	cr_assert_eq(sim_queue_init(&q), 0);
	enum { N = 1000000, RING = 64 };
	static struct sim_event ev[RING];
	struct sim_event tick;
	for (int i = 0; i < RING; i++)
		sim_event_init(&ev[i], 0);
	sim_event_init(&tick, 1);
	uint64_t max_entries = 0;
	for (unsigned i = 0; i < N; i++) {
		if (i >= lag)
			sim_queue_cancel(&q, &ev[(i - lag) % RING]);
		cr_assert_eq(sim_queue_schedule_lane(&q, &ev[i % RING], q.now + 60 * SIM_NS_PER_S,
		                                     60 * SIM_NS_PER_S), 0);
		if (lag == 0)
			sim_queue_cancel(&q, &ev[i % RING]);
		if (i % 4 == 0) { /* time goes by: 5 us per 4 schedules */
			cr_assert_eq(sim_queue_schedule(&q, &tick, q.now + 5 * SIM_NS_PER_US), 0);
			cr_assert_eq(sim_queue_pop(&q), &tick);
		}
		uint64_t n = sim_queue_entries(&q);
		max_entries = n > max_entries ? n : max_entries;
		if (i % 65536 == 0)
			cr_assert(sim_queue_check(&q), "lag %u: invalid at %u", lag, i);
	}
	cr_assert_eq(q.live, lag);
	cr_assert_leq(max_entries, 2 * (uint64_t)q.max_live + 2 * 1024 + 2,
	              "lag %u: %llu entries for at most %u live", lag, (unsigned long long)max_entries,
	              q.max_live);
	/* the heap's initial 24 kB, a 2048-entry ring, the lane and its table */
	cr_assert_leq(q.max_bytes, 128 * 1024, "lag %u: %llu bytes", lag, (unsigned long long)q.max_bytes);
	cr_assert_leq(sim_queue_bytes(&q), q.max_bytes);
	cr_assert(sim_queue_check(&q));
	sim_queue_fini(&q);
}

Test(event, cancelled_lane_events_keep_memory_bounded)
{
	check_cancelled_lane(0);
	check_cancelled_lane(8);
}

/* events of the far tier cancelled before they are due (direct schedules,
 * no lane, beyond the buckets: the top): compaction drops them there too,
 * memory stays bounded, and none of them is ever popped */
Test(event, cancelled_far_events_keep_memory_bounded)
{
	struct sim_queue q;
	cr_assert_eq(sim_queue_init(&q), 0);
	q.far_at = 64;
	enum { N = 300000, RING = 64, KEEP = 200 };
	static struct sim_event ev[RING], keep[KEEP];
	struct sim_event tick;
	for (int i = 0; i < RING; i++)
		sim_event_init(&ev[i], 0);
	sim_event_init(&tick, 1);
	for (int i = 0; i < KEEP; i++) { /* pending all along: the tier stays on */
		sim_event_init(&keep[i], 2);
		cr_assert_eq(sim_queue_schedule(&q, &keep[i], 1000 * SIM_NS_PER_S + i * SIM_NS_PER_MS), 0);
	}
	uint64_t max_entries = 0;
	for (unsigned i = 0; i < N; i++) {
		if (i % 4 == 0) { /* time goes by (a lane: its head stays in the heap) */
			cr_assert_eq(sim_queue_schedule_lane(&q, &tick, q.now + 5 * SIM_NS_PER_US, 5), 0);
			cr_assert_eq(sim_queue_pop(&q), &tick);
		}
		cr_assert_eq(sim_queue_schedule(&q, &ev[i % RING], q.now + 2000 * SIM_NS_PER_S), 0);
		sim_queue_cancel(&q, &ev[i % RING]);
		uint64_t n = sim_queue_entries(&q);
		max_entries = n > max_entries ? n : max_entries;
		if (i % 16384 == 0)
			cr_assert(sim_queue_check(&q), "invalid at %u", i);
	}
	cr_assert_eq(q.far.switches, 1);
	cr_assert_eq(q.live, KEEP);
	cr_assert_leq(max_entries, 2 * (uint64_t)q.max_live + 2 * 1024 + 2, "%llu entries for %u live",
	              (unsigned long long)max_entries, q.max_live);
	cr_assert_leq(q.max_bytes, 256 * 1024, "%llu bytes", (unsigned long long)q.max_bytes);
	for (int i = 0; i < KEEP; i++)
		cr_assert_eq(sim_queue_pop(&q), &keep[i]);
	cr_assert_null(sim_queue_pop(&q));
	cr_assert_geq(q.far.refills, 2);
	cr_assert(sim_queue_check(&q));
	sim_queue_fini(&q);
}

Test(event, keys_beyond_the_lane_limit_use_the_heap)
{
	struct sim_queue q;
	cr_assert_eq(sim_queue_init(&q), 0);
	enum { N = 3 * SIM_QUEUE_MAX_LANES };
	static struct sim_event ev[N];
	for (uint32_t i = 0; i < N; i++) {
		sim_event_init(&ev[i], 0);
		/* times decrease with the key: the lane heads reorder in the heap */
		cr_assert_eq(sim_queue_schedule_lane(&q, &ev[i], (sim_time_ns)(N - i) * 10, i % (N / 2)), 0);
	}
	cr_assert_eq(q.n_lanes, SIM_QUEUE_MAX_LANES);
	cr_assert(sim_queue_check(&q));
	for (uint32_t i = 0; i < N; i++) {
		struct sim_event *e = sim_queue_pop(&q);
		cr_assert_eq(e, &ev[N - 1 - i], "pop %u", i);
	}
	cr_assert_null(sim_queue_pop(&q));
	cr_assert(sim_queue_check(&q));
	sim_queue_fini(&q);
}

Test(event, pop_until_pops_only_what_is_due_by_the_limit)
{
	struct sim_queue q;
	cr_assert_eq(sim_queue_init(&q), 0);
	struct sim_event a, b;
	sim_event_init(&a, 1);
	sim_event_init(&b, 2);
	sim_queue_schedule(&q, &b, 20);
	sim_queue_schedule_lane(&q, &a, 10, 10);
	cr_assert_eq(sim_queue_pop_until(&q, 15), &a);
	cr_assert_null(sim_queue_pop_until(&q, 15));
	cr_assert_eq(q.now, 10);
	cr_assert(sim_event_is_pending(&b));
	cr_assert_eq(sim_queue_peek_time(&q), 20);
	cr_assert_eq(sim_queue_pop_until(&q, 20), &b);
	cr_assert_null(sim_queue_pop_until(&q, SIM_TIME_NEVER));
	cr_assert(sim_queue_check(&q));
	sim_queue_fini(&q);
}

/* The queue against a reference that scans every pending event for the
 * smallest (time, seq): handlers that reschedule the event they were given
 * (the top replaced in place), events due now itself (the zero-delay FIFO),
 * lanes, cancels, and schedules made between a pop and the reschedule. */
enum { REF_MAX = 2000, REF_OPS = 40000 };

struct ref {
	sim_time_ns time[REF_MAX];
	uint64_t seq[REF_MAX];
	bool pending[REF_MAX];
	uint64_t next_seq;
	uint32_t n; /* events in use */
};

static void ref_schedule(struct ref *r, uint32_t i, sim_time_ns t)
{
	r->time[i] = t;
	r->seq[i] = r->next_seq++;
	r->pending[i] = true;
}

static int ref_pop(struct ref *r)
{
	int best = -1;
	for (int i = 0; i < (int)r->n; i++)
		if (r->pending[i] && (best < 0 || r->time[i] < r->time[best] ||
		                      (r->time[i] == r->time[best] && r->seq[i] < r->seq[best])))
			best = i;
	if (best >= 0)
		r->pending[best] = false;
	return best;
}

/* schedule event i at now + a drawn delay in both */
static void both_schedule(struct sim_queue *q, struct ref *r, struct sim_event *ev, uint32_t i,
                          struct rng_stream *rs)
{
	static const sim_time_ns fixed[3] = {100, 1000, 5000};
	unsigned long how = rng_below(rs, 6);
	sim_time_ns t = q->now;
	int rc;
	if (how == 0) { /* now itself */
		rc = sim_queue_schedule(q, &ev[i], t);
	} else if (how <= 2) { /* a fixed delay, in its lane */
		sim_time_ns d = fixed[rng_below(rs, 3)];
		t += d;
		rc = sim_queue_schedule_lane(q, &ev[i], t, (uint64_t)d);
	} else { /* anything, often tying */
		t += (sim_time_ns)rng_below(rs, 20) * 50;
		rc = sim_queue_schedule(q, &ev[i], t);
	}
	cr_assert_eq(rc, 0);
	ref_schedule(r, i, t);
}

/* the run against the reference with n events; far_at: heap entries past
 * which the far tier switches on; the queue is left for the caller to
 * inspect */
struct ref_stats {
	uint64_t replaced; /* pops whose event took the top's place again */
	uint64_t zero;     /* operations after which the zero-delay FIFO held events */
};

static struct ref_stats ref_run(struct sim_queue *q, uint32_t n, uint32_t far_at, unsigned seed)
{
	static struct ref r;
	static struct sim_event ev[REF_MAX];
	struct rng_stream rs;
	cr_assert_eq(rng_stream_init(&rs, seed, 0, 3), 0);
	cr_assert_eq(sim_queue_init(q), 0);
	q->far_at = far_at;
	memset(&r, 0, sizeof(r));
	r.n = n;
	for (uint32_t i = 0; i < n; i++)
		sim_event_init(&ev[i], (uint16_t)i);
	uint64_t replaced = 0, zero = 0;
	for (int op = 0; op < REF_OPS; op++) {
		unsigned long x = rng_below(&rs, 100);
		if (x < 30) {
			uint32_t i = (uint32_t)rng_below(&rs, n);
			both_schedule(q, &r, ev, i, &rs);
		} else if (x < 38) {
			uint32_t i = (uint32_t)rng_below(&rs, n);
			sim_queue_cancel(q, &ev[i]);
			r.pending[i] = false;
		} else {
			int want = ref_pop(&r);
			struct sim_event *e = sim_queue_pop(q);
			cr_assert_eq(e ? (int)(e - ev) : -1, want, "op %d: popped %td, want %d", op,
			             e ? e - ev : -1, want);
			if (!e)
				continue;
			cr_assert_eq(q->now, r.time[want], "op %d", op);
			/* the handler: sometimes other events first, then itself again */
			if (rng_below(&rs, 2) == 0) {
				for (unsigned long k = rng_below(&rs, 3); k > 0; k--) {
					uint32_t i = (uint32_t)rng_below(&rs, n);
					if (i != (uint32_t)want)
						both_schedule(q, &r, ev, i, &rs);
				}
				bool top = q->top_taken && q->heap[0].ev == e;
				both_schedule(q, &r, ev, (uint32_t)want, &rs);
				replaced += top && !q->top_taken;
			}
		}
		zero += q->nowl.len > 0;
		if (op % 64 == 0)
			cr_assert(sim_queue_check(q), "op %d: queue invalid", op);
	}
	for (int want; (want = ref_pop(&r)) >= 0;) {
		struct sim_event *e = sim_queue_pop(q);
		cr_assert_eq(e ? (int)(e - ev) : -1, want);
	}
	cr_assert_null(sim_queue_pop(q));
	cr_assert(sim_queue_check(q));
	rng_stream_fini(&rs);
	return (struct ref_stats){replaced, zero};
}

Test(event, rescheduling_from_a_handler_and_zero_delays_keep_the_exact_order)
{
	static struct sim_queue q;
	struct ref_stats st = ref_run(&q, 48, SIM_FAR_AT, 11);
	cr_assert_gt(st.replaced, 1000, "the top was replaced in place only %llu times",
	             (unsigned long long)st.replaced);
	cr_assert_gt(st.zero, 1000, "the zero-delay FIFO was used only %llu times",
	             (unsigned long long)st.zero);
	cr_assert_eq(q.far.switches, 0, "48 events never need the far tier");
	sim_queue_fini(&q);
}

/* The same with the far tier switching on early: 48 events with the tier
 * at 8 heap entries (it switches on and off again and again, one bucket at a
 * time), and 2000 events with the tier at 64 (tens of buckets, most times
 * tying): events move between the heap, the buckets and the top, handlers
 * reschedule into it, cancelled entries wait in it; the order must stay the
 * reference's. */
Test(event, the_far_tier_keeps_the_exact_order)
{
	static struct sim_queue q;
	static const struct {
		uint32_t n, far_at;
		uint64_t switches, rebuilds, refills;
	} runs[] = {{48, 8, 20, 500, 500}, {2000, 64, 1, 10, 150}};
	for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
		for (unsigned seed = 1; seed <= 2; seed++) {
			struct ref_stats st = ref_run(&q, runs[k].n, runs[k].far_at, seed);
			cr_assert_gt(st.zero, 1000, "n %u seed %u", runs[k].n, seed);
			/* the tier did its work: 58 and 34 switches, 820 and 782 rebuilds and
			 * refills with 48 events; 1 switch, 21 and 20 rebuilds, 211 and 227
			 * refills with 2000 */
			cr_assert(q.far.switches >= runs[k].switches && q.far.rebuilds >= runs[k].rebuilds &&
			          q.far.refills >= runs[k].refills,
			          "n %u seed %u: %llu switches, %llu rebuilds, %llu refills", runs[k].n, seed,
			          (unsigned long long)q.far.switches, (unsigned long long)q.far.rebuilds,
			          (unsigned long long)q.far.refills);
			sim_queue_fini(&q);
			cr_assert_eq(q.bytes, 0);
		}
	}
}

/* a heap far larger than the branch-free sift's limit pops in exact
 * (time, seq) order, with events rescheduled from their handler */
Test(event, a_large_heap_pops_in_time_then_schedule_order)
{
	enum { N = 20000 };
	static struct sim_queue q;
	static struct sim_event ev[N];
	static sim_time_ns due[N];
	static uint64_t seq[N];
	struct rng_stream rs;
	cr_assert_eq(rng_stream_init(&rs, 5, 0, 2), 0);
	cr_assert_eq(sim_queue_init(&q), 0);
	uint64_t next = 0;
	for (uint32_t i = 0; i < N; i++) {
		sim_event_init(&ev[i], 0);
		due[i] = (sim_time_ns)rng_below(&rs, 100000);
		seq[i] = next++;
		cr_assert_eq(sim_queue_schedule(&q, &ev[i], due[i]), 0);
	}
	sim_time_ns last = -1;
	uint64_t last_seq = 0;
	for (int k = 0; k < 3 * N; k++) {
		struct sim_event *e = sim_queue_pop(&q);
		cr_assert_not_null(e);
		uint32_t i = (uint32_t)(e - ev);
		cr_assert_eq(due[i], q.now, "pop %d", k);
		cr_assert(q.now > last || (q.now == last && seq[i] > last_seq), "pop %d out of order", k);
		last = q.now;
		last_seq = seq[i];
		if (k % 1000 == 0)
			cr_assert(sim_queue_check(&q), "pop %d: heap invalid", k);
		due[i] = q.now + (sim_time_ns)rng_below(&rs, 100000);
		seq[i] = next++;
		cr_assert_eq(sim_queue_schedule(&q, e, due[i]), 0);
	}
	/* 20000 pending: past SIM_FAR_AT, the far tier did the work */
	cr_assert_eq(q.far.switches, 1);
	cr_assert_gt(q.far.refills, 500, "%llu refills, %llu rebuilds", (unsigned long long)q.far.refills, (unsigned long long)q.far.rebuilds);
	cr_assert(sim_queue_check(&q));
	sim_queue_fini(&q);
	rng_stream_fini(&rs);
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
