/* event.c: the pending-event queue, a 4-ary heap (see event.h). */
#include "sim/event.h"

#include <stdlib.h>

#define ARITY 4

static inline bool entry_less(const struct sim_heap_entry *a, const struct sim_heap_entry *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static inline void place(struct sim_queue *q, uint32_t i, struct sim_heap_entry e)
{
	q->heap[i] = e;
	e.ev->slot = i;
}

static void sift_up(struct sim_queue *q, uint32_t i, struct sim_heap_entry e)
{
	while (i > 0) {
		uint32_t parent = (i - 1) / ARITY;
		if (!entry_less(&e, &q->heap[parent]))
			break;
		place(q, i, q->heap[parent]);
		i = parent;
	}
	place(q, i, e);
}

static void sift_down(struct sim_queue *q, uint32_t i, struct sim_heap_entry e)
{
	uint32_t len = q->len;
	for (;;) {
		uint32_t first = i * ARITY + 1;
		if (first >= len)
			break;
		uint32_t best = first;
		uint32_t last = first + ARITY < len ? first + ARITY : len;
		for (uint32_t c = first + 1; c < last; c++)
			if (entry_less(&q->heap[c], &q->heap[best]))
				best = c;
		if (!entry_less(&q->heap[best], &e))
			break;
		place(q, i, q->heap[best]);
		i = best;
	}
	place(q, i, e);
}

int sim_queue_init(struct sim_queue *q)
{
	q->cap = 1024;
	q->len = 0;
	q->max_len = 0;
	q->next_seq = 0;
	q->fired = 0;
	q->now = 0;
	q->heap = malloc(sizeof(*q->heap) * q->cap);
	return q->heap ? 0 : -1;
}

void sim_queue_fini(struct sim_queue *q)
{
	for (uint32_t i = 0; i < q->len; i++)
		q->heap[i].ev->slot = SIM_EVENT_IDLE;
	free(q->heap);
	q->heap = NULL;
	q->len = q->cap = 0;
}

/* remove the entry at slot i, keeping the heap ordered */
static void remove_at(struct sim_queue *q, uint32_t i)
{
	struct sim_event *ev = q->heap[i].ev;
	ev->slot = SIM_EVENT_IDLE;
	q->len--;
	if (i == q->len)
		return;
	struct sim_heap_entry last = q->heap[q->len];
	if (i > 0 && entry_less(&last, &q->heap[(i - 1) / ARITY]))
		sift_up(q, i, last);
	else
		sift_down(q, i, last);
}

int sim_queue_schedule(struct sim_queue *q, struct sim_event *ev, sim_time_ns t)
{
	if (t < q->now)
		abort(); /* a model asked for the past: results would be corrupt */
	if (ev->slot != SIM_EVENT_IDLE)
		remove_at(q, ev->slot);
	if (q->len == q->cap) {
		uint32_t ncap = q->cap * 2;
		struct sim_heap_entry *nh = realloc(q->heap, sizeof(*nh) * ncap);
		if (!nh)
			return -1;
		q->heap = nh;
		q->cap = ncap;
	}
	ev->time = t;
	ev->seq = q->next_seq++;
	struct sim_heap_entry e = {t, ev->seq, ev};
	q->len++;
	if (q->len > q->max_len)
		q->max_len = q->len;
	sift_up(q, q->len - 1, e);
	return 0;
}

void sim_queue_cancel(struct sim_queue *q, struct sim_event *ev)
{
	if (ev->slot != SIM_EVENT_IDLE)
		remove_at(q, ev->slot);
}

struct sim_event *sim_queue_pop(struct sim_queue *q)
{
	if (q->len == 0)
		return NULL;
	struct sim_event *ev = q->heap[0].ev;
	ev->slot = SIM_EVENT_IDLE;
	q->len--;
	if (q->len > 0)
		sift_down(q, 0, q->heap[q->len]);
	if (ev->time < q->now)
		abort(); /* the clock never runs backwards */
	q->now = ev->time;
	q->fired++;
	return ev;
}

bool sim_queue_check(const struct sim_queue *q)
{
	for (uint32_t i = 0; i < q->len; i++) {
		const struct sim_heap_entry *e = &q->heap[i];
		if (e->ev->slot != i || e->ev->time != e->time || e->ev->seq != e->seq)
			return false;
		if (e->time < q->now)
			return false;
		if (i > 0 && entry_less(e, &q->heap[(i - 1) / ARITY]))
			return false;
	}
	return true;
}
