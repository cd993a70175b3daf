/* hold.c: the classic hold model, the engine's event queue beside a plain
 * 4-ary heap and a ladder queue, in the same run (make bench).
 *
 * N events are pending; each step pops the earliest and schedules it again
 * at now + an exponential increment (mean 1 ms), so N stays constant.  The
 * three queues see the same increments and must pop the same events in the
 * same (time, scheduling order) order: a hash of the popped (time, id) is
 * compared.  Every queue holds pointers to the same kind of event records
 * (24 bytes), and the step reads the popped record's id as a dispatcher
 * would.  The time reported is CPU time (CLOCK_PROCESS_CPUTIME_ID) of the
 * steps alone, the median of several rounds run in turn (queue after queue),
 * so that a busy machine slows the three alike.
 *
 *   hold [N...]          default: 1000 100000 1000000
 * Prints one line per N: ns per step of each queue and the ratios
 * (heap time / engine time: above 1 means the engine is faster).  At 10^5
 * and 10^6 pending the engine runs with its far tier (docs/performance.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/event.h"

#define MEAN_NS 1e6
#ifndef ROUNDS
#define ROUNDS 5
#endif

/* ---- the increments, the same for every queue ----------------------------- */

static uint64_t rng_state;

static uint64_t next_random(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* a table of increments, walked in a cycle: drawing costs nothing in the loop */
enum { INCS = 1 << 16 };
static sim_time_ns incs[INCS];

static void make_incs(void)
{
	rng_state = 42;
	for (int i = 0; i < INCS; i++) {
		double u = (double)(next_random() >> 11) * 0x1p-53;
		incs[i] = (sim_time_ns)(-MEAN_NS * log1p(-u));
	}
}

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t h, sim_time_ns t, uint32_t id)
{
	return (h ^ ((uint64_t)t * 31 + id)) * UINT64_C(0x100000001b3);
}

/* ---- the engine ------------------------------------------------------------- */

struct item {
	struct sim_event ev;
	uint32_t id;
};

static double run_engine(uint32_t n, uint64_t steps, uint64_t *hash)
{
	struct sim_queue q;
	struct item *it = calloc(n, sizeof(*it));
	if (!it || sim_queue_init(&q) < 0)
		abort();
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		sim_event_init(&it[i].ev, 0);
		it[i].id = i;
		if (sim_queue_schedule(&q, &it[i].ev, incs[k++ & (INCS - 1)]) < 0)
			abort();
	}
	uint64_t h = 0;
	double t0 = cpu_now();
	for (uint64_t s = 0; s < steps; s++) {
		struct sim_event *ev = sim_queue_pop(&q);
		struct item *x = sim_container_of(ev, struct item, ev);
		h = mix(h, q.now, x->id);
		if (sim_queue_schedule(&q, ev, q.now + incs[k++ & (INCS - 1)]) < 0)
			abort();
	}
	double t = cpu_now() - t0;
	*hash = h;
	sim_queue_fini(&q);
	free(it);
	return t;
}

/* ---- a plain 4-ary heap of (time, seq, id) ----------------------------------- */

struct hentry {
	sim_time_ns time;
	uint64_t seq;
	struct item *it;
};

struct heap4 {
	struct hentry *h;
	uint32_t len;
	uint64_t seq;
};

static inline int hless(const struct hentry *a, const struct hentry *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void heap4_push(struct heap4 *q, sim_time_ns t, struct item *it)
{
	struct hentry e = {t, q->seq++, it};
	uint32_t i = q->len++;
	while (i > 0) {
		uint32_t p = (i - 1) / 4;
		if (!hless(&e, &q->h[p]))
			break;
		q->h[i] = q->h[p];
		i = p;
	}
	q->h[i] = e;
}

static struct hentry heap4_pop(struct heap4 *q)
{
	struct hentry top = q->h[0];
	struct hentry e = q->h[--q->len];
	uint32_t i = 0, n = q->len;
	for (;;) {
		uint32_t c = 4 * i + 1;
		if (c >= n)
			break;
		uint32_t best = c, end = c + 4 < n ? c + 4 : n;
		for (uint32_t j = c + 1; j < end; j++)
			if (hless(&q->h[j], &q->h[best]))
				best = j;
		if (!hless(&q->h[best], &e))
			break;
		q->h[i] = q->h[best];
		i = best;
	}
	if (n > 0)
		q->h[i] = e;
	return top;
}

static double run_heap(uint32_t n, uint64_t steps, uint64_t *hash)
{
	struct heap4 q = {calloc(n + 1, sizeof(struct hentry)), 0, 0};
	struct item *it = calloc(n, sizeof(*it));
	if (!q.h || !it)
		abort();
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		it[i].id = i;
		heap4_push(&q, incs[k++ & (INCS - 1)], &it[i]);
	}
	uint64_t h = 0;
	double t0 = cpu_now();
	for (uint64_t s = 0; s < steps; s++) {
		struct hentry e = heap4_pop(&q);
		h = mix(h, e.time, e.it->id);
		heap4_push(&q, e.time + incs[k++ & (INCS - 1)], e.it);
	}
	double t = cpu_now() - t0;
	*hash = h;
	free(q.h);
	free(it);
	return t;
}

/* ---- a ladder queue (Tang, Goh and Thng, ACM TOMACS 2005) -------------------
 * Top: an unsorted list of the far future; rungs of buckets, each rung
 * splitting one bucket of the rung above; Bottom: a short sorted list of the
 * nearest events.  Amortized O(1) per operation. */

#define LQ_THRESH 50     /* a bucket with more events spawns a rung */
#define LQ_MAX_RUNGS 8

struct vec {
	struct hentry *v;
	uint32_t len, cap;
};

static void vec_push(struct vec *a, struct hentry e)
{
	if (a->len == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->v = realloc(a->v, sizeof(*a->v) * a->cap);
		if (!a->v)
			abort();
	}
	a->v[a->len++] = e;
}

struct rung {
	struct vec *b;      /* nb buckets */
	uint32_t nb, cur;   /* buckets, the current one */
	uint32_t count;     /* events in the rung */
	sim_time_ns start;  /* time of bucket 0 */
	sim_time_ns width;  /* bucket width, >= 1 */
	uint32_t cap_b;     /* allocated buckets */
};

struct ladder {
	struct vec top;
	sim_time_ns top_min, top_max, top_start;
	struct rung rung[LQ_MAX_RUNGS];
	int nr;
	struct vec bottom;  /* sorted by (time, seq), descending: the next at the end */
	uint64_t seq;
};

static void bottom_insert(struct ladder *q, struct hentry e)
{
	vec_push(&q->bottom, e);
	struct hentry *v = q->bottom.v;
	uint32_t i = q->bottom.len - 1;
	while (i > 0 && hless(&v[i - 1], &e)) {
		v[i] = v[i - 1];
		i--;
	}
	v[i] = e;
}

static int cmp_desc(const void *a, const void *b)
{
	const struct hentry *x = a, *y = b;
	return hless(x, y) ? 1 : hless(y, x) ? -1 : 0;
}

static void ladder_push(struct ladder *q, sim_time_ns t, struct item *it)
{
	struct hentry e = {t, q->seq++, it};
	if (t >= q->top_start) {
		if (q->top.len == 0 || t < q->top_min)
			q->top_min = t;
		if (q->top.len == 0 || t > q->top_max)
			q->top_max = t;
		vec_push(&q->top, e);
		return;
	}
	for (int r = 0; r < q->nr; r++) {
		struct rung *g = &q->rung[r];
		sim_time_ns cur_start = g->start + (sim_time_ns)g->cur * g->width;
		if (t >= cur_start) {
			uint32_t b = (uint32_t)((t - g->start) / g->width);
			if (b >= g->nb)
				b = g->nb - 1;
			vec_push(&g->b[b], e);
			g->count++;
			return;
		}
	}
	bottom_insert(q, e);
}

/* a rung below the others holding the events of v, spread over [start,
 * start + span) */
static void spawn_rung(struct ladder *q, struct vec *v, sim_time_ns start, sim_time_ns span)
{
	struct rung *g = &q->rung[q->nr++];
	uint32_t nb = v->len;
	sim_time_ns w = span / nb + 1;
	if (g->cap_b < nb) {
		g->b = realloc(g->b, sizeof(*g->b) * nb);
		if (!g->b)
			abort();
		memset(g->b + g->cap_b, 0, sizeof(*g->b) * (nb - g->cap_b));
		g->cap_b = nb;
	}
	g->nb = nb;
	g->cur = 0;
	g->count = 0;
	g->start = start;
	g->width = w;
	for (uint32_t i = 0; i < nb; i++)
		g->b[i].len = 0;
	for (uint32_t i = 0; i < v->len; i++) {
		uint32_t b = (uint32_t)((v->v[i].time - start) / w);
		if (b >= nb)
			b = nb - 1;
		vec_push(&g->b[b], v->v[i]);
		g->count++;
	}
	v->len = 0;
}

/* refill the bottom from the rungs (and the top); false when empty */
static int ladder_refill(struct ladder *q)
{
	for (;;) {
		if (q->nr == 0) {
			if (q->top.len == 0)
				return 0;
			sim_time_ns span = q->top_max - q->top_min + 1;
			sim_time_ns lo = q->top_min;
			spawn_rung(q, &q->top, lo, span);
			q->top_start = lo + q->rung[0].width * (sim_time_ns)q->rung[0].nb;
			continue;
		}
		struct rung *g = &q->rung[q->nr - 1];
		while (g->cur < g->nb && g->b[g->cur].len == 0)
			g->cur++;
		if (g->cur == g->nb) {
			q->nr--; /* this rung is used up */
			continue;
		}
		struct vec *b = &g->b[g->cur];
		sim_time_ns bstart = g->start + (sim_time_ns)g->cur * g->width;
		if (b->len > LQ_THRESH && g->width > 1 && q->nr < LQ_MAX_RUNGS) {
			/* split the bucket into a rung below; this rung moves past it,
			 * so that later events of its span go to the new rung */
			g->cur++;
			g->count -= b->len;
			spawn_rung(q, b, bstart, g->width);
			continue;
		}
		/* the bucket becomes the bottom */
		g->count -= b->len;
		struct vec tmp = q->bottom;
		q->bottom = *b;
		*b = tmp;
		b->len = 0;
		qsort(q->bottom.v, q->bottom.len, sizeof(*q->bottom.v), cmp_desc);
		g->cur++;
		/* later pushes before the next bucket go to the bottom */
		return 1;
	}
}

static struct hentry ladder_pop(struct ladder *q)
{
	if (q->bottom.len == 0 && !ladder_refill(q))
		abort();
	return q->bottom.v[--q->bottom.len];
}

static double run_ladder(uint32_t n, uint64_t steps, uint64_t *hash)
{
	struct ladder q;
	memset(&q, 0, sizeof(q));
	q.top_start = 0;
	struct item *it = calloc(n, sizeof(*it));
	if (!it)
		abort();
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		it[i].id = i;
		ladder_push(&q, incs[k++ & (INCS - 1)], &it[i]);
	}
	uint64_t h = 0;
	double t0 = cpu_now();
	for (uint64_t s = 0; s < steps; s++) {
		struct hentry e = ladder_pop(&q);
		h = mix(h, e.time, e.it->id);
		ladder_push(&q, e.time + incs[k++ & (INCS - 1)], e.it);
	}
	double t = cpu_now() - t0;
	*hash = h;
	free(it);
	free(q.top.v);
	free(q.bottom.v);
	for (int r = 0; r < LQ_MAX_RUNGS; r++) {
		for (uint32_t i = 0; i < q.rung[r].cap_b; i++)
			free(q.rung[r].b[i].v);
		free(q.rung[r].b);
	}
	return t;
}

/* ---- main ---------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	uint32_t sizes[8] = {1000, 100000, 1000000};
	int n_sizes = 3;
	if (argc > 1) {
		n_sizes = 0;
		for (int i = 1; i < argc && n_sizes < 8; i++) {
			long v = atol(argv[i]);
			if (v < 1 || v > 100000000) {
				fprintf(stderr, "usage: hold [N...] (1 <= N <= 10^8)\n");
				return 2;
			}
			sizes[n_sizes++] = (uint32_t)v;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	make_incs();
	printf("hold model: pop the earliest, schedule it again at now + Exp(1 ms); CPU ns per step, "
	       "median of %d rounds\n", ROUNDS);
	printf("%10s %10s %10s %10s %14s %14s\n", "pending", "engine", "4-ary heap", "ladder",
	       "heap/engine", "ladder/engine");
	int status = 0;
	for (int s = 0; s < n_sizes; s++) {
		uint32_t n = sizes[s];
		uint64_t steps = n < 2000000 ? 2000000 : (uint64_t)n;
		double te[ROUNDS], th[ROUNDS], tl[ROUNDS];
		for (int r = 0; r < ROUNDS; r++) {
			uint64_t he, hh, hl;
			te[r] = run_engine(n, steps, &he) / (double)steps * 1e9;
			th[r] = run_heap(n, steps, &hh) / (double)steps * 1e9;
			tl[r] = run_ladder(n, steps, &hl) / (double)steps * 1e9;
			if (he != hh || he != hl) {
				fprintf(stderr, "hold: N=%u: the queues popped different events\n", n);
				status = 1;
			}
		}
		qsort(te, ROUNDS, sizeof(double), cmp_double);
		qsort(th, ROUNDS, sizeof(double), cmp_double);
		qsort(tl, ROUNDS, sizeof(double), cmp_double);
		double e = te[ROUNDS / 2], h = th[ROUNDS / 2], l = tl[ROUNDS / 2];
		printf("%10u %10.1f %10.1f %10.1f %13.2fx %13.2fx\n", n, e, h, l, h / e, l / e);
	}
	return status;
}
