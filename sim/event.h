/* event.h: the pending-event queue.
 *
 * A 4-ary min-heap of entries (time, seq, event) ordered by (time, seq).  The
 * seq is a number the queue hands out at each schedule call, so events due at
 * the same time run in the order they were scheduled and runs are
 * reproducible.  Event nodes live inside the objects that own them:
 * scheduling never allocates (beyond the heap array growing), and cancelling
 * is O(1) and always safe, even for an event that is not pending or from
 * inside a handler.
 *
 * Cancellation is lazy: a cancelled or rescheduled event leaves a stale entry
 * behind (its seq no longer matches the event's), skipped when it reaches the
 * top.  The heap never touches an event while sifting, only its own array,
 * which keeps the hot path in cache.  When stale entries outnumber live ones
 * the heap is compacted, so its size stays within twice the pending events
 * (plus a constant): memory is bounded by what is in flight.
 * Invariant: ev->pending exactly when one heap entry has entry.seq == ev->seq;
 * live == number of such entries.  The clock (now) never runs backwards.
 */
#ifndef TCPQSIM_EVENT_H
#define TCPQSIM_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"

struct sim_event {
	sim_time_ns time; /* when it is due, ns */
	uint64_t seq;     /* seq of its live heap entry; tie-break by scheduling order */
	uint32_t pending; /* 1 while scheduled and not yet fired or cancelled */
	uint16_t kind;    /* owner-defined event kind, for dispatch */
	uint16_t aux;     /* owner-defined small payload */
};

struct sim_heap_entry {
	sim_time_ns time;     /* due time, ns */
	uint64_t seq;         /* the event's seq when this entry was made */
	struct sim_event *ev; /* the event (stale when ev->seq != seq or !ev->pending) */
};

struct sim_queue {
	struct sim_heap_entry *heap; /* 4-ary heap, heap[0] is the next entry */
	uint32_t len;                /* entries, live and stale */
	uint32_t cap;                /* allocated entries */
	uint32_t live;               /* pending events */
	uint32_t max_live;           /* largest live seen */
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
	ev->seq = UINT64_MAX;
	ev->pending = 0;
	ev->kind = kind;
	ev->aux = 0;
}

static inline bool sim_event_is_pending(const struct sim_event *ev)
{
	return ev->pending != 0;
}

/* sim_queue_init: an empty queue at time 0.  Returns 0, or -1 when out of
 * memory.  The caller owns q; sim_queue_fini frees what init allocated (and
 * touches no event). */
int sim_queue_init(struct sim_queue *q);
void sim_queue_fini(struct sim_queue *q);

/* sim_queue_schedule: make ev due at time t (>= now), or move it there if it
 * is already pending; it then runs after every event already due at t.
 * Borrows ev, which must stay alive until it fires or is cancelled (after a
 * cancel its memory may be reused for another event).  Returns 0, or -1 when
 * the heap cannot grow (out of memory).  A time in the past aborts: the
 * results would be corrupt. */
int sim_queue_schedule(struct sim_queue *q, struct sim_event *ev, sim_time_ns t);

/* sim_queue_cancel: ev is no longer pending; no-op if it was not. */
static inline void sim_queue_cancel(struct sim_queue *q, struct sim_event *ev)
{
	if (ev->pending) {
		ev->pending = 0;
		q->live--;
	}
}

/* sim_queue_pop: remove and return the next pending event and advance now to
 * its time; NULL when nothing is pending. */
struct sim_event *sim_queue_pop(struct sim_queue *q);

/* sim_queue_peek_time: time of the next pending event, or SIM_TIME_NEVER
 * (drops stale entries from the top). */
sim_time_ns sim_queue_peek_time(struct sim_queue *q);

/* sim_queue_check: validate the heap order and the live count.  Returns true
 * when the structure is consistent (for tests). */
bool sim_queue_check(const struct sim_queue *q);

#endif
