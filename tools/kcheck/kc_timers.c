/* kc_timers: binary min-heap of timers ordered by (when, seq). */
#include "kc_timers.h"

#include <assert.h>
#include <stdlib.h>

static bool timer_less(const struct kc_timer *a, const struct kc_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

int kc_timers_push(struct kc_timers *t, int64_t when, int kind, size_t id)
{
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		struct kc_timer *nh = realloc(t->heap, ncap * sizeof *nh);
		if (nh == NULL)
			return -1;
		t->heap = nh;
		t->cap = ncap;
	}
	struct kc_timer x = {when, t->seq++, kind, id};
	size_t i = t->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!timer_less(&x, &t->heap[parent]))
			break;
		t->heap[i] = t->heap[parent];
		i = parent;
	}
	t->heap[i] = x;
	return 0;
}

bool kc_timers_peek(const struct kc_timers *t, int64_t *when)
{
	if (t->n == 0)
		return false;
	*when = t->heap[0].when;
	return true;
}

struct kc_timer kc_timers_pop(struct kc_timers *t)
{
	assert(t->n > 0);
	struct kc_timer top = t->heap[0];
	struct kc_timer last = t->heap[--t->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= t->n)
			break;
		if (c + 1 < t->n && timer_less(&t->heap[c + 1], &t->heap[c]))
			c++;
		if (!timer_less(&t->heap[c], &last))
			break;
		t->heap[i] = t->heap[c];
		i = c;
	}
	if (t->n > 0)
		t->heap[i] = last;
	return top;
}

void kc_timers_fini(struct kc_timers *t)
{
	free(t->heap);
	t->heap = NULL;
	t->n = t->cap = 0;
}
