/* kc_timers: the run's pending timers, a binary min-heap.
 *
 * Timers order by (when, seq): equal times pop in the order they were pushed.
 * A timer is never removed early; whoever handles it checks that what it was
 * set for still holds, so a stale timer is harmless.
 */
#ifndef KC_TIMERS_H
#define KC_TIMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kc_timer {
	int64_t when; /* ns from run start */
	uint64_t seq; /* push order, breaks ties */
	int kind;     /* caller's timer kind */
	size_t id;    /* caller's object index */
};

struct kc_timers {
	struct kc_timer *heap; /* owned array, heap-ordered */
	size_t n, cap;         /* timers held, slots allocated */
	uint64_t seq;          /* next sequence number */
};

/* Adds a timer.  Returns 0, or -1 when out of memory (nothing added). */
int kc_timers_push(struct kc_timers *t, int64_t when, int kind, size_t id);

/* Returns true and the earliest timer's time in *when, false when empty. */
bool kc_timers_peek(const struct kc_timers *t, int64_t *when);

/* Removes and returns the earliest timer; the heap must not be empty. */
struct kc_timer kc_timers_pop(struct kc_timers *t);

/* Frees the heap; safe on a zeroed struct. */
void kc_timers_fini(struct kc_timers *t);

#endif
