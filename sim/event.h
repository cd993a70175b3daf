/* event.h: the pending-event queue.
 *
 * A 4-ary min-heap of pointers to events ordered by (time, seq).  The seq is a
 * number the queue hands out at each schedule call, so events due at the same
 * time run in the order they were scheduled and runs are reproducible.  Event
 * nodes live inside the objects that own them: scheduling never allocates
 * (beyond the heap array growing to the largest number ever pending), and an
 * event knows its heap slot, so cancelling or rescheduling is O(log n) and
 * always safe, even for an event that is not pending or from inside a handler.
 * Invariant: ev->slot == SIM_EVENT_IDLE exactly when ev is not in the heap, and
 * heap[ev->slot] == ev otherwise.  The clock (now) never runs backwards.
 */
#ifndef TCPQSIM_EVENT_H
#define TCPQSIM_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"

#define SIM_EVENT_IDLE UINT32_MAX

struct sim_event {
	sim_time_ns time; /* when it is due, ns */
	uint64_t seq;     /* tie-break: order of scheduling */
	uint32_t slot;    /* index in the heap, SIM_EVENT_IDLE when not pending */
	uint16_t kind;    /* owner-defined event kind, for dispatch */
	uint16_t aux;     /* owner-defined small payload */
};

struct sim_heap_entry {
	sim_time_ns time;     /* copy of ev->time, ns (kept here for cache locality) */
	uint64_t seq;         /* copy of ev->seq */
	struct sim_event *ev; /* the event */
};

struct sim_queue {
	struct sim_heap_entry *heap; /* 4-ary heap, heap[0] is the next event */
	uint32_t len;                /* events pending */
	uint32_t cap;                /* allocated entries */
	uint32_t max_len;            /* largest len seen */
	uint64_t next_seq;           /* seq handed to the next schedule */
	uint64_t fired;              /* events popped so far */
	sim_time_ns now;             /* time of the last popped event, ns */
};

/* container_of: the owner of an embedded member. */
#define sim_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* sim_event_init: mark ev as not pending.  Call once before first use. */
static inline void sim_event_init(struct sim_event *ev, uint16_t kind)
{
	ev->time = 0;
	ev->seq = 0;
	ev->slot = SIM_EVENT_IDLE;
	ev->kind = kind;
	ev->aux = 0;
}

static inline bool sim_event_is_pending(const struct sim_event *ev)
{
	return ev->slot != SIM_EVENT_IDLE;
}

/* sim_queue_init: an empty queue at time 0.  Returns 0, or -1 when out of
 * memory.  The caller owns q; sim_queue_fini frees what init allocated. */
int sim_queue_init(struct sim_queue *q);
void sim_queue_fini(struct sim_queue *q);

/* sim_queue_schedule: make ev due at time t (>= now), or move it there if it
 * is already pending; it then runs after every event already due at t.
 * Borrows ev, which must stay alive until it fires or is cancelled.  Returns
 * 0, or -1 when the heap cannot grow (out of memory). */
int sim_queue_schedule(struct sim_queue *q, struct sim_event *ev, sim_time_ns t);

/* sim_queue_cancel: remove ev if it is pending; no-op otherwise. */
void sim_queue_cancel(struct sim_queue *q, struct sim_event *ev);

/* sim_queue_pop: remove and return the next event and advance now to its
 * time; NULL when nothing is pending. */
struct sim_event *sim_queue_pop(struct sim_queue *q);

/* sim_queue_peek_time: time of the next event, or SIM_TIME_NEVER. */
static inline sim_time_ns sim_queue_peek_time(const struct sim_queue *q)
{
	return q->len ? q->heap[0].time : SIM_TIME_NEVER;
}

/* sim_queue_check: validate the heap order and every slot back-pointer.
 * Returns true when the structure is consistent (for tests). */
bool sim_queue_check(const struct sim_queue *q);

#endif
