/* event.h: the pending-event queue.
 *
 * A 4-ary min-heap of entries (time, seq, event) ordered by (time, seq), plus
 * FIFO lanes.  The seq is a number the queue hands out at each schedule call,
 * so events due at the same time run in the order they were scheduled and
 * runs are reproducible.  Event nodes live inside the objects that own them:
 * scheduling never allocates (beyond the queue's arrays growing), and
 * cancelling is O(1) and always safe, even for an event that is not pending or
 * from inside a handler.
 *
 * Lanes: most timers share their delay with many others (a 1 s SYN timer, a
 * fixed holding time), so for one delay their due times come in
 * non-decreasing order and a FIFO keeps them sorted.  An event scheduled with a
 * lane key is appended to that key's lane (a ring buffer) when it is not due
 * before the lane's newest entry, and goes into the heap otherwise.  Only the
 * head of each non-empty lane sits in the heap, as an entry carrying the
 * head's own (time, seq): the firing order is exactly the (time, seq) order,
 * the same as with the heap alone, while the heap stays small.
 *
 * Cancellation is lazy and touches only the queue's own memory on the way
 * out: an event remembers where its lane entry is (the entry's position in
 * the lane), and cancelling or rescheduling it marks that entry dead in place
 * (its ev becomes NULL), so that popping never reads the memory of an event
 * that is no longer pending (a closed connection, long out of cache).  An
 * entry in the heap is stale when its order no longer matches the event's
 * (the event was cancelled or moved); those events are few and hot (channel
 * heads, workers, arrivals).  When stale entries outnumber live ones (plus a
 * constant), the next array growth compacts the heap and every lane instead,
 * and a lane's ring shrinks when it runs mostly empty: memory stays within a
 * constant factor of the pending events plus a constant per lane, bounded by
 * what is in flight.
 *
 * The far tier: while many events are pending, a heap of all of them is
 * slow (each sift walks levels out of cache), so past SIM_FAR_AT heap entries
 * the events due at or after a horizon leave the heap for unsorted buckets of
 * equal width (a calendar, the rung of a ladder queue), and those due beyond
 * the buckets for one unsorted list (the top).  The heap then holds only what
 * is due before the horizon (plus the lane heads, which never leave it), and
 * when its front reaches the horizon the next bucket moves into it; when
 * the buckets are used up, the top is spread over new buckets sized to it.
 * Every far entry is due at or after the horizon and every heap entry popped
 * is due before it (or the tier is empty), so the order stays exactly (time,
 * seq).  With few far entries left at a rebuild the tier switches off.
 *
 * Zero delay: an event scheduled for now itself goes to a FIFO of its own
 * (nowl), whose head is compared with the heap's front at each pop instead of
 * sifting through the heap: same (time, seq) order, O(1).
 *
 * The hot path: sim_queue_pop_until peeks and pops in one pass; a popped
 * heap entry stays at the top until the next pop, so that an event that
 * reschedules itself from its handler (a channel's next packet, a worker's
 * next service) replaces the top in place: one sift instead of two.  A popped
 * lane head is replaced by the lane's next entry in place, likewise.
 * Invariant: ev is pending (ev->slot != 0) exactly when one entry (in the
 * heap or a lane) is its live entry: a heap entry with entry.order ==
 * ev->order, or the lane entry at ev->slot's position holding ev; live ==
 * number of such entries; each lane is sorted by (time, order) and is
 * non-empty exactly when one heap entry stands for its head.  The clock (now)
 * never runs backwards.
 */
#ifndef TCPQSIM_EVENT_H
#define TCPQSIM_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"

/* Lanes a queue creates at most; later keys use the heap. */
#define SIM_QUEUE_MAX_LANES 1024u
/* Low bits of an order naming the lane (1 + index, 0 for none). */
#define SIM_LANE_BITS 11
#define SIM_LANE_TAG_MASK ((UINT64_C(1) << SIM_LANE_BITS) - 1)
/* the lane tag of the zero-delay FIFO (sim_queue.nowl) */
#define SIM_NOW_TAG (SIM_QUEUE_MAX_LANES + 1u)
/* sim_event.slot: bit 31 while pending; the low bits, the lane position of
 * its entry (lane events) */
#define SIM_SLOT_PENDING UINT32_C(0x80000000)
/* a lane's ring holds at most this many entries (positions wrap at 2^31) */
#define SIM_LANE_MAX_CAP (UINT32_C(1) << 30)
/* heap entries past which the far tier switches on (sim_queue.far_at) */
#define SIM_FAR_AT 4096u
/* Seqs stay below this (2^53: 28 years at 10^7 events/s); beyond, abort. */
#define SIM_SEQ_LIMIT (UINT64_C(1) << (64 - SIM_LANE_BITS))

struct sim_event {
	uint64_t order;   /* of its live entry: seq << SIM_LANE_BITS | lane tag; the
	                   * seq breaks ties by scheduling order */
	uint32_t slot;    /* 0 when not pending; else SIM_SLOT_PENDING | the
	                   * position of its entry in its lane (lane events) */
	uint16_t kind;    /* owner-defined event kind, for dispatch */
	uint16_t aux;     /* owner-defined small payload */
};

/* Ordered by (time, order), which is the (time, seq) order since seqs are
 * unique.  The lane tag rides in order's low bits to keep entries at three
 * words: the heap's footprint in cache is what the pop time depends on. */
struct sim_heap_entry {
	sim_time_ns time;     /* due time, ns */
	uint64_t order;       /* seq << SIM_LANE_BITS | (1 + index of the lane whose
	                       * head this is, or 0 for a direct entry): the
	                       * event's order when this entry was made */
	struct sim_event *ev; /* the event (a direct entry is stale when
	                       * ev->order != order or ev is not pending) */
};

struct sim_lane_entry {
	sim_time_ns time;     /* due time, ns */
	uint64_t order;       /* the event's order when this entry was made */
	struct sim_event *ev; /* the event, or NULL once cancelled or moved (stale) */
};

/* A FIFO of entries sorted by (time, order): the entry at position p (the
 * i-th oldest is at p = first + i, mod 2^31) is ring[p & (cap - 1)]. */
struct sim_lane {
	struct sim_lane_entry *ring; /* cap entries, NULL until the first append */
	uint64_t key;                /* the caller's lane key */
	sim_time_ns tail;            /* time of the newest entry, ns (meaningless when empty) */
	uint32_t first;              /* position of the oldest entry */
	uint32_t len;                /* entries, live and stale */
	uint32_t cap;                /* allocated entries, a power of two, or 0 */
};

/* a vector of far entries, in no order */
struct sim_far_vec {
	struct sim_heap_entry *v; /* cap entries */
	uint32_t len;
	uint32_t cap;
};

/* The far tier: direct entries due at or after the queue's horizon.  Bucket
 * i covers [base + i 2^shift, base + (i + 1) 2^shift); buckets before cur are
 * empty, the horizon is the start of bucket cur (end once they are used up);
 * the top holds what is due at or after end. */
struct sim_far {
	struct sim_far_vec *b;   /* nb buckets in use, cap_b allocated */
	struct sim_far_vec top;  /* due at or after end, unsorted */
	sim_time_ns base;        /* start of bucket 0, ns */
	sim_time_ns end;         /* base + nb 2^shift (INT64_MAX if beyond) */
	sim_time_ns top_min;     /* bounds of the top's due times (when not empty) */
	sim_time_ns top_max;
	uint64_t count;          /* entries in the buckets and the top */
	uint32_t nb;             /* buckets in use */
	uint32_t cap_b;          /* buckets allocated */
	uint32_t cur;            /* the next bucket to move into the heap */
	uint32_t shift;          /* log2 of the bucket width in ns */
	uint64_t refills;        /* buckets moved into the heap so far */
	uint64_t rebuilds;       /* times the top was spread over buckets */
	uint64_t switches;       /* times the tier switched on */
};

struct sim_queue {
	struct sim_heap_entry *heap; /* 4-ary heap, heap[0] is the next entry */
	uint32_t len;                /* heap entries, live, stale and lane heads */
	uint32_t cap;                /* allocated heap entries */
	uint32_t top_taken;          /* heap[0] is a direct entry already popped,
	                              * removed at the next pop unless its event
	                              * is rescheduled first (then replaced) */
	uint32_t live;               /* pending events */
	uint32_t max_live;           /* largest live seen */
	uint64_t held;               /* entries held, live and stale: heap entries
	                              * other than lane heads, plus lane entries */
	uint64_t next_seq;           /* seq handed to the next schedule */
	uint64_t fired;              /* events popped so far */
	sim_time_ns now;             /* time of the last popped event, ns */
	sim_time_ns horizon;         /* the far tier holds what is due at or
	                              * after it; SIM_TIME_NEVER while it is off */
	struct sim_lane nowl;        /* events scheduled for now itself, in
	                              * scheduling order: they run before anything
	                              * later, after what is due now with a smaller
	                              * seq, without a heap sift */
	struct sim_lane *lanes;      /* n_lanes lanes, in creation order */
	uint32_t n_lanes;            /* lanes in use, at most SIM_QUEUE_MAX_LANES */
	uint32_t lanes_cap;          /* allocated lanes */
	uint16_t *lane_slots;        /* hash table key -> 1 + lane index, 0 = free;
	                              * NULL until the first lane */
	struct sim_far far;          /* the far tier */
	uint32_t far_at;             /* heap entries past which the far tier
	                              * switches on (SIM_FAR_AT; tests lower it) */
	uint64_t bytes;              /* bytes allocated: heap, lanes, lane table,
	                              * far tier */
	uint64_t max_bytes;          /* largest bytes seen */
};

/* sim_prefetch: ask for the cache lines of the bytes at p ahead of their
 * use (a hint: any address is harmless, nothing is read) */
static inline void sim_prefetch(const void *p, size_t bytes)
{
#if defined(__GNUC__)
	for (size_t off = 0; off < bytes; off += 64)
		__builtin_prefetch((const void *)((uintptr_t)p + off));
#else
	(void)p;
	(void)bytes;
#endif
}

/* container_of: the owner of an embedded member. */
#define sim_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* sim_event_init: mark ev as not pending.  Call once before first use. */
static inline void sim_event_init(struct sim_event *ev, uint16_t kind)
{
	ev->order = UINT64_MAX;
	ev->slot = 0;
	ev->kind = kind;
	ev->aux = 0;
}

static inline bool sim_event_is_pending(const struct sim_event *ev)
{
	return ev->slot != 0;
}

/* sim_queue_init: an empty queue at time 0, without lanes.  Returns 0, or -1
 * when out of memory.  The caller owns q; sim_queue_fini frees what the queue
 * allocated (heap, lanes) and touches no event. */
int sim_queue_init(struct sim_queue *q);
void sim_queue_fini(struct sim_queue *q);

/* sim_queue_schedule: make ev due at time t (>= now), or move it there if it
 * is already pending; it then runs after every event already due at t.
 * Borrows ev, which must stay alive until it fires or is cancelled (after a
 * cancel its memory may be reused for another event).  Returns 0, or -1 when
 * the heap cannot grow (out of memory; ev is then left as it was).  A time in
 * the past aborts: the results would be corrupt. */
int sim_queue_schedule(struct sim_queue *q, struct sim_event *ev, sim_time_ns t);

/* sim_queue_schedule_lane: like sim_queue_schedule, with a hint: events
 * scheduled with the same lane key (for example the delay in ns) usually come
 * in non-decreasing time order.  Such an event is appended to the key's lane
 * in O(1) and the heap holds only the lane's head; an event due before the
 * lane's newest entry goes into the heap instead.  Any key and any time are
 * correct: the firing order is exactly the one sim_queue_schedule would give,
 * and ev may move between lanes and the heap freely.  The first
 * SIM_QUEUE_MAX_LANES distinct keys get a lane, for the queue's lifetime;
 * later keys use the heap, so keep keys few (a fixed delay, not a drawn one),
 * and give each way of computing times its own key (now + d and a rounded
 * now + d would interleave out of order and fall back to the heap).
 * Borrows ev as sim_queue_schedule does.  Returns 0, or -1 when out of memory
 * (ev is then left as it was).  A time in the past aborts. */
int sim_queue_schedule_lane(struct sim_queue *q, struct sim_event *ev, sim_time_ns t,
                            uint64_t lane_key);

/* sim__unlink: a pending ev's lane entry, if it has one, goes stale (internal) */
static inline void sim__unlink(struct sim_queue *q, const struct sim_event *ev)
{
	uint32_t tag = (uint32_t)(ev->order & SIM_LANE_TAG_MASK);
	if (tag != 0) {
		struct sim_lane *l = tag == SIM_NOW_TAG ? &q->nowl : &q->lanes[tag - 1];
		l->ring[ev->slot & (l->cap - 1)].ev = NULL;
	}
}

/* sim_queue_cancel: ev is no longer pending; no-op if it was not. */
static inline void sim_queue_cancel(struct sim_queue *q, struct sim_event *ev)
{
	if (ev->slot) {
		sim__unlink(q, ev);
		ev->slot = 0;
		q->live--;
	}
}

/* sim_queue_pop: remove and return the next pending event and advance now to
 * its time; NULL when nothing is pending.  Moving far-tier entries into the
 * heap may grow it: out of memory there aborts (a pop cannot fail). */
struct sim_event *sim_queue_pop(struct sim_queue *q);

/* sim_queue_pop_until: the same when the next pending event is due at or
 * before limit; NULL (and nothing popped) when none is.  One pass: the run
 * loop's peek and pop together. */
struct sim_event *sim_queue_pop_until(struct sim_queue *q, sim_time_ns limit);

/* sim_queue_peek_time: time of the next pending event, or SIM_TIME_NEVER
 * (drops stale entries from the front). */
sim_time_ns sim_queue_peek_time(struct sim_queue *q);

/* sim_queue_entries: entries the queue holds, live and stale, in the heap and
 * in the lanes (a lane head counts once).  At least live. */
uint64_t sim_queue_entries(const struct sim_queue *q);

/* sim_queue_bytes: bytes the queue has allocated now (heap, lanes, lane
 * table), for memory reports; q->max_bytes is the largest value it took. */
uint64_t sim_queue_bytes(const struct sim_queue *q);

/* sim_queue_check: validate the heap order, each lane's order and its one
 * heap entry, the far tier's buckets against the horizon, the lane table,
 * and the live and held counts.  Returns true when the structure is
 * consistent (for tests). */
bool sim_queue_check(const struct sim_queue *q);

#endif
