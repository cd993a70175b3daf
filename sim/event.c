/* event.c: the pending-event queue, a 4-ary heap with lazy cancellation
 * (see event.h). */
#include "sim/event.h"

#include <stdlib.h>

#define ARITY 4

static inline bool entry_less(const struct sim_heap_entry *a, const struct sim_heap_entry *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static inline bool entry_is_live(const struct sim_heap_entry *e)
{
	return e->ev->pending && e->ev->seq == e->seq;
}

static void sift_up(struct sim_heap_entry *h, uint32_t i, struct sim_heap_entry e)
{
	while (i > 0) {
		uint32_t parent = (i - 1) / ARITY;
		if (!entry_less(&e, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = e;
}

static void sift_down(struct sim_heap_entry *h, uint32_t len, uint32_t i, struct sim_heap_entry e)
{
	for (;;) {
		uint32_t first = i * ARITY + 1;
		if (first >= len)
			break;
		uint32_t best = first;
		uint32_t last = first + ARITY < len ? first + ARITY : len;
		for (uint32_t c = first + 1; c < last; c++)
			if (entry_less(&h[c], &h[best]))
				best = c;
		if (!entry_less(&h[best], &e))
			break;
		h[i] = h[best];
		i = best;
	}
	h[i] = e;
}

int sim_queue_init(struct sim_queue *q)
{
	q->cap = 1024;
	q->len = 0;
	q->live = 0;
	q->max_live = 0;
	q->next_seq = 0;
	q->fired = 0;
	q->now = 0;
	q->heap = malloc(sizeof(*q->heap) * q->cap);
	return q->heap ? 0 : -1;
}

void sim_queue_fini(struct sim_queue *q)
{
	free(q->heap);
	q->heap = NULL;
	q->len = q->cap = q->live = 0;
}

/* drop every stale entry and rebuild the heap (Floyd), O(len) */
static void compact(struct sim_queue *q)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < q->len; i++)
		if (entry_is_live(&q->heap[i]))
			q->heap[n++] = q->heap[i];
	q->len = n;
	for (uint32_t i = n / ARITY + 1; i-- > 0;)
		if (i < n)
			sift_down(q->heap, n, i, q->heap[i]);
}

int sim_queue_schedule(struct sim_queue *q, struct sim_event *ev, sim_time_ns t)
{
	if (t < q->now)
		abort(); /* a model asked for the past: results would be corrupt */
	if (ev->pending)
		q->live--; /* its old entry goes stale */
	if (q->len == q->cap) {
		if (q->len - q->live > q->live + 1024) {
			compact(q);
		} else {
			uint32_t ncap = q->cap * 2;
			struct sim_heap_entry *nh = realloc(q->heap, sizeof(*nh) * ncap);
			if (!nh)
				return -1;
			q->heap = nh;
			q->cap = ncap;
		}
	}
	ev->time = t;
	ev->seq = q->next_seq++;
	ev->pending = 1;
	struct sim_heap_entry e = {t, ev->seq, ev};
	q->len++;
	if (++q->live > q->max_live)
		q->max_live = q->live;
	sift_up(q->heap, q->len - 1, e);
	return 0;
}

static inline void pop_top(struct sim_queue *q)
{
	q->len--;
	if (q->len > 0)
		sift_down(q->heap, q->len, 0, q->heap[q->len]);
}

sim_time_ns sim_queue_peek_time(struct sim_queue *q)
{
	while (q->len > 0 && !entry_is_live(&q->heap[0]))
		pop_top(q);
	return q->len ? q->heap[0].time : SIM_TIME_NEVER;
}

struct sim_event *sim_queue_pop(struct sim_queue *q)
{
	while (q->len > 0) {
		struct sim_heap_entry top = q->heap[0];
		pop_top(q);
		if (!entry_is_live(&top))
			continue;
		struct sim_event *ev = top.ev;
		ev->pending = 0;
		q->live--;
		if (ev->time < q->now)
			abort(); /* the clock never runs backwards */
		q->now = ev->time;
		q->fired++;
		return ev;
	}
	return NULL;
}

bool sim_queue_check(const struct sim_queue *q)
{
	uint32_t live = 0;
	for (uint32_t i = 0; i < q->len; i++) {
		const struct sim_heap_entry *e = &q->heap[i];
		if (entry_is_live(e)) {
			live++;
			if (e->ev->time != e->time || e->time < q->now)
				return false;
		}
		if (i > 0 && entry_less(e, &q->heap[(i - 1) / ARITY]))
			return false;
	}
	return live == q->live && q->len <= q->cap;
}
