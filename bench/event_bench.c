/* event_bench.c: the event queue under the overload benchmark's pattern,
 * with and without lanes.
 *
 * Connect attempts arrive at `rate` per second (uniform gaps, mean 1/rate) for
 * `seconds` simulated seconds.  Each arms a 1 s SYN timer and sends a SYN that
 * reaches the server 50 us later; 70% of the SYNs are answered and the SYN-ACK
 * cancels the timer 50 us after that (0.1 ms after the timer was armed); the
 * other 30% of the timers fire.  The timers and the two deliveries use a fixed
 * delay each, so they can use a lane; the arrivals use drawn gaps and the heap.
 * The run is made twice, once with sim_queue_schedule only and once with
 * lanes; both must fire the same events in the same order (checked by a hash).
 *
 * Build: cc -O2 -I. bench/event_bench.c sim/event.c -o /tmp/event_bench
 * Run:   /tmp/event_bench [seconds [rate_per_s [heap|lanes]]]
 * (one mode only, for profilers: perf record, valgrind --tool=cachegrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/event.h"

#define TIMER_NS (1 * SIM_NS_PER_S)
#define ONE_WAY_NS (50 * SIM_NS_PER_US)
#define ANSWERED_PER_MILLE 700

enum { EV_ARRIVAL, EV_TIMER, EV_PACKET };

struct conn {
	struct sim_event timer; /* the SYN timer, 1 s */
	struct sim_event pkt;   /* the packet in flight: SYN, then SYN-ACK */
	struct conn *next_free; /* free list link */
};

struct bench {
	struct sim_queue q;
	bool lanes;              /* schedule fixed delays in lanes */
	struct conn *conns;      /* n_conns allocated */
	struct conn *free_list;  /* conns not in use */
	uint32_t n_conns;        /* allocated conns */
	uint64_t rng;            /* splitmix64 state */
	uint64_t hash;           /* of every popped (kind, conn, time) */
	uint64_t max_entries;    /* largest sim_queue_entries seen (sampled) */
};

static uint64_t next_random(struct bench *b)
{
	uint64_t z = (b->rng += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void schedule_fixed(struct bench *b, struct sim_event *ev, sim_time_ns delay)
{
	int rc = b->lanes ? sim_queue_schedule_lane(&b->q, ev, b->q.now + delay, (uint64_t)delay)
	                  : sim_queue_schedule(&b->q, ev, b->q.now + delay);
	if (rc < 0) {
		fprintf(stderr, "event_bench: out of memory\n");
		exit(1);
	}
}

static struct conn *conn_get(struct bench *b)
{
	struct conn *c = b->free_list;
	if (!c) {
		fprintf(stderr, "event_bench: more than %u connections in flight\n", b->n_conns);
		exit(1);
	}
	b->free_list = c->next_free;
	sim_event_init(&c->timer, EV_TIMER);
	sim_event_init(&c->pkt, EV_PACKET);
	return c;
}

static void conn_put(struct bench *b, struct conn *c)
{
	c->next_free = b->free_list;
	b->free_list = c;
}

/* one run; returns the wall time in seconds */
static double run(struct bench *b, bool lanes, double seconds, double rate)
{
	b->lanes = lanes;
	b->rng = 1;
	b->hash = 0;
	b->max_entries = 0;
	b->n_conns = (uint32_t)(rate * 1.5) + 1024; /* a timer lives 1 s */
	b->conns = calloc(b->n_conns, sizeof(*b->conns));
	if (!b->conns || sim_queue_init(&b->q) < 0) {
		fprintf(stderr, "event_bench: out of memory\n");
		exit(1);
	}
	b->free_list = NULL;
	for (uint32_t i = b->n_conns; i-- > 0;)
		conn_put(b, &b->conns[i]);
	sim_time_ns end = (sim_time_ns)(seconds * 1e9);
	uint64_t max_gap = (uint64_t)(2e9 / rate); /* uniform gaps, mean 1/rate */
	struct sim_event arrival;
	sim_event_init(&arrival, EV_ARRIVAL);
	sim_queue_schedule(&b->q, &arrival, 0);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct sim_event *ev;
	while ((ev = sim_queue_pop(&b->q))) {
		struct conn *c = NULL;
		if (ev->kind == EV_TIMER)
			c = sim_container_of(ev, struct conn, timer);
		else if (ev->kind == EV_PACKET)
			c = sim_container_of(ev, struct conn, pkt);
		uint64_t id = c ? (uint64_t)(c - b->conns) : UINT64_MAX;
		b->hash = (b->hash ^ ((uint64_t)ev->kind << 56 ^ id << 20 ^ (uint64_t)b->q.now)) *
		          UINT64_C(0x100000001b3);
		switch (ev->kind) {
		case EV_ARRIVAL:
			c = conn_get(b);
			schedule_fixed(b, &c->timer, TIMER_NS);
			schedule_fixed(b, &c->pkt, ONE_WAY_NS);
			if (b->q.now < end)
				sim_queue_schedule(&b->q, &arrival,
				                   b->q.now + (sim_time_ns)(next_random(b) % (max_gap + 1)));
			break;
		case EV_PACKET:
			if (c->pkt.aux == 0 && next_random(b) % 1000 < ANSWERED_PER_MILLE) {
				c->pkt.aux = 1; /* the SYN-ACK */
				schedule_fixed(b, &c->pkt, ONE_WAY_NS);
			} else if (c->pkt.aux == 1) {
				sim_queue_cancel(&b->q, &c->timer);
				conn_put(b, c);
			}
			break;
		case EV_TIMER:
			if (sim_event_is_pending(&c->pkt))
				abort(); /* the SYN left 1 s ago */
			conn_put(b, c);
			break;
		}
		if ((b->q.fired & 1023) == 0) {
			uint64_t n = sim_queue_entries(&b->q);
			b->max_entries = n > b->max_entries ? n : b->max_entries;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!sim_queue_check(&b->q))
		abort();
	sim_queue_fini(&b->q);
	free(b->conns);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 20;
	double rate = argc > 2 ? atof(argv[2]) : 200000;
	const char *only = argc > 3 ? argv[3] : NULL;
	if (seconds <= 0 || rate <= 0 || argc > 4 ||
	    (only && strcmp(only, "heap") != 0 && strcmp(only, "lanes") != 0)) {
		fprintf(stderr, "usage: event_bench [seconds [rate_per_s [heap|lanes]]]\n");
		return 2;
	}
	static struct bench b;
	double wall[2];
	uint64_t hash[2], fired[2];
	int from = only && strcmp(only, "lanes") == 0, to = only && strcmp(only, "heap") == 0 ? 1 : 2;
	for (int lanes = from; lanes < to; lanes++) {
		wall[lanes] = run(&b, lanes, seconds, rate);
		hash[lanes] = b.hash;
		fired[lanes] = b.q.fired;
		printf("%-10s %llu events in %.3f s: %.2f M events/s; peak %llu entries, %.2f MB, %u live\n",
		       lanes ? "lanes" : "heap only", (unsigned long long)b.q.fired, wall[lanes],
		       (double)b.q.fired / wall[lanes] / 1e6, (unsigned long long)b.max_entries,
		       (double)b.q.max_bytes / 1e6, b.q.max_live);
	}
	if (only)
		return 0;
	if (hash[0] != hash[1] || fired[0] != fired[1]) {
		fprintf(stderr, "event_bench: the two runs fired different events\n");
		return 1;
	}
	printf("speed-up   %.2fx (same events, same order)\n", wall[0] / wall[1]);
	return 0;
}
