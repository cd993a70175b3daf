/* event.c: the pending-event queue, a 4-ary heap with lazy cancellation and
 * FIFO lanes (see event.h). */
#include "sim/event.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define ARITY 4
#define HEAP_INIT_CAP 1024u
#define STALE_SLACK 1024u  /* stale entries tolerated beyond the live count */
#define LANE_MIN_CAP 16u   /* ring entries of a lane at its first append */
#define LANE_SLOT_BITS 11  /* lane table: 2 * SIM_QUEUE_MAX_LANES slots */
#define LANE_SLOTS (1u << LANE_SLOT_BITS)
#define LANE_PREFETCH 8u   /* lane entries whose event is fetched ahead */

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

_Static_assert(LANE_SLOTS >= 2 * SIM_QUEUE_MAX_LANES, "the lane table is at most half full");
_Static_assert(SIM_QUEUE_MAX_LANES < UINT16_MAX, "lane slots hold 1 + a lane index");
_Static_assert(SIM_QUEUE_MAX_LANES < (1u << SIM_LANE_BITS), "heap entries hold 1 + a lane index");

#define LANE_TAG_MASK ((UINT64_C(1) << SIM_LANE_BITS) - 1)

static inline bool entry_less(const struct sim_heap_entry *a, const struct sim_heap_entry *b)
{
	return a->time < b->time || (a->time == b->time && a->order < b->order);
}

static inline struct sim_heap_entry make_entry(sim_time_ns t, uint64_t seq, struct sim_event *ev,
                                               uint32_t lane_tag)
{
	return (struct sim_heap_entry){t, seq << SIM_LANE_BITS | lane_tag, ev};
}

static inline uint64_t entry_seq(const struct sim_heap_entry *e)
{
	return e->order >> SIM_LANE_BITS;
}

/* 1 + the index of the lane whose head e stands for, 0 for a direct entry */
static inline uint32_t entry_lane_tag(const struct sim_heap_entry *e)
{
	return (uint32_t)(e->order & LANE_TAG_MASK);
}

static inline bool is_live(const struct sim_event *ev, uint64_t seq)
{
	return ev->pending && ev->seq == seq;
}

/* the queue's allocations changed by delta bytes */
static inline void account(struct sim_queue *q, int64_t delta)
{
	q->bytes += (uint64_t)delta;
	if (q->bytes > q->max_bytes)
		q->max_bytes = q->bytes;
}

/* move h[i] up to its place */
static void sift_up(struct sim_heap_entry *h, uint32_t i)
{
	struct sim_heap_entry e = h[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / ARITY;
		if (!entry_less(&e, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = e;
}

/* move h[i] down to its place among h[0 .. len) */
static void sift_down(struct sim_heap_entry *h, uint32_t len, uint32_t i)
{
	struct sim_heap_entry e = h[i];
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

/* ---- lanes ------------------------------------------------------------------ */

static inline struct sim_lane_entry *lane_at(const struct sim_lane *l, uint32_t i)
{
	return &l->ring[(l->head + i) & (l->cap - 1)];
}

/* the heap entry standing for lane li's head (the lane is not empty) */
static inline struct sim_heap_entry lane_head_entry(const struct sim_lane *l, uint32_t li)
{
	const struct sim_lane_entry *e = &l->ring[l->head];
	return make_entry(e->time, e->seq, e->ev, li + 1);
}

/* the lane table slot holding key, or the free slot where it would go */
static uint32_t lane_slot(const struct sim_queue *q, uint64_t key)
{
	uint32_t s = (uint32_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - LANE_SLOT_BITS));
	while (q->lane_slots[s] != 0 && q->lanes[q->lane_slots[s] - 1].key != key)
		s = (s + 1) & (LANE_SLOTS - 1);
	return s;
}

/* the lane for key, made on first use; NULL when every lane is taken or out
 * of memory (the caller then uses the heap) */
static struct sim_lane *lane_find(struct sim_queue *q, uint64_t key)
{
	if (!q->lane_slots) {
		q->lane_slots = calloc(LANE_SLOTS, sizeof(*q->lane_slots));
		if (!q->lane_slots)
			return NULL;
		account(q, (int64_t)(LANE_SLOTS * sizeof(*q->lane_slots)));
	}
	uint32_t s = lane_slot(q, key);
	if (q->lane_slots[s] != 0)
		return &q->lanes[q->lane_slots[s] - 1];
	if (q->n_lanes == SIM_QUEUE_MAX_LANES)
		return NULL;
	if (q->n_lanes == q->lanes_cap) {
		uint32_t ncap = q->lanes_cap ? q->lanes_cap * 2 : 8;
		struct sim_lane *nl = realloc(q->lanes, sizeof(*nl) * ncap);
		if (!nl)
			return NULL;
		q->lanes = nl;
		account(q, (int64_t)((ncap - q->lanes_cap) * sizeof(*nl)));
		q->lanes_cap = ncap;
	}
	struct sim_lane *l = &q->lanes[q->n_lanes];
	*l = (struct sim_lane){.key = key};
	q->lane_slots[s] = (uint16_t)++q->n_lanes;
	return l;
}

/* give the lane a ring of ncap entries (a power of two >= len), in place
 * when realloc can; -1 when out of memory, the lane unchanged */
static int lane_resize(struct sim_queue *q, struct sim_lane *l, uint32_t ncap)
{
	struct sim_lane_entry *r = l->ring;
	uint32_t cap = l->cap, wrapped = l->head + l->len > cap ? l->head + l->len - cap : 0;
	if (ncap < cap) {
		/* to the front first: the entries fit in the first ncap slots, and
		 * when they wrap, the part after the wrap stays clear of the rest */
		assert(2 * l->len < ncap);
		if (wrapped) {
			uint32_t first = cap - l->head; /* entries before the wrap */
			memmove(r + first, r, sizeof(*r) * wrapped);
			memmove(r, r + l->head, sizeof(*r) * first);
		} else {
			memmove(r, r + l->head, sizeof(*r) * l->len);
		}
		l->head = 0;
		struct sim_lane_entry *nr = realloc(r, sizeof(*r) * ncap);
		if (nr) { /* else keep the larger block, now unwrapped */
			account(q, -(int64_t)((cap - ncap) * sizeof(*r)));
			l->ring = nr;
			l->cap = ncap;
		}
		return 0;
	}
	struct sim_lane_entry *nr = realloc(r, sizeof(*r) * ncap);
	if (!nr)
		return -1;
	/* the entries after the wrap move past the old end, after the others */
	memcpy(nr + cap, nr, sizeof(*nr) * wrapped);
	account(q, (int64_t)((ncap - cap) * sizeof(*nr)));
	l->ring = nr;
	l->cap = ncap;
	return 0;
}

/* give memory back when the ring is less than a quarter full: halve it until
 * it is at least a quarter full, so that after a shrink at a pop the ring is
 * about half full and the copies cost O(1) per pop, amortized */
static void lane_shrink(struct sim_queue *q, struct sim_lane *l)
{
	uint32_t ncap = l->cap;
	while (ncap > LANE_MIN_CAP && l->len < ncap / 4)
		ncap /= 2;
	if (ncap < l->cap)
		(void)lane_resize(q, l, ncap); /* out of memory: keep the larger ring */
}

/* drop the lane's head, then every stale entry behind it, so that the new
 * head (if any) was live when the lane advanced */
static void lane_advance(struct sim_queue *q, struct sim_lane *l)
{
	uint32_t mask = l->cap - 1;
	do {
		l->head = (l->head + 1) & mask;
		l->len--;
		q->held--;
		if (l->len > LANE_PREFETCH)
			PREFETCH(l->ring[(l->head + LANE_PREFETCH) & mask].ev);
	} while (l->len > 0 && !is_live(l->ring[l->head].ev, l->ring[l->head].seq));
	if (l->cap > LANE_MIN_CAP && l->len < l->cap / 4)
		lane_shrink(q, l);
}

/* drop the lane's stale entries, keeping the order */
static void lane_compact(struct sim_queue *q, struct sim_lane *l)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < l->len; i++) {
		struct sim_lane_entry e = *lane_at(l, i);
		if (is_live(e.ev, e.seq))
			*lane_at(l, n++) = e;
	}
	l->len = n;
	if (n > 0)
		l->tail = lane_at(l, n - 1)->time;
	lane_shrink(q, l);
}

/* ---- the queue -------------------------------------------------------------- */

int sim_queue_init(struct sim_queue *q)
{
	q->cap = HEAP_INIT_CAP;
	q->len = 0;
	q->live = 0;
	q->max_live = 0;
	q->held = 0;
	q->next_seq = 0;
	q->fired = 0;
	q->now = 0;
	q->lanes = NULL;
	q->n_lanes = 0;
	q->lanes_cap = 0;
	q->lane_slots = NULL;
	q->heap = malloc(sizeof(*q->heap) * q->cap);
	q->bytes = q->max_bytes = q->heap ? sizeof(*q->heap) * q->cap : 0;
	return q->heap ? 0 : -1;
}

void sim_queue_fini(struct sim_queue *q)
{
	for (uint32_t i = 0; i < q->n_lanes; i++)
		free(q->lanes[i].ring);
	free(q->lanes);
	free(q->lane_slots);
	free(q->heap);
	q->heap = NULL;
	q->lanes = NULL;
	q->lane_slots = NULL;
	q->len = q->cap = q->live = 0;
	q->n_lanes = q->lanes_cap = 0;
	q->held = 0;
	q->bytes = 0; /* max_bytes stays, for reports made after fini */
}

static inline bool is_mostly_stale(const struct sim_queue *q)
{
	return q->held - q->live > (uint64_t)q->live + STALE_SLACK;
}

/* drop every stale entry from the lanes and the heap, then rebuild the heap
 * (Floyd) from the live direct entries and the lanes' new heads:
 * O(held + lanes) */
static void compact(struct sim_queue *q)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < q->len; i++) {
		struct sim_heap_entry e = q->heap[i];
		if (entry_lane_tag(&e) == 0 && is_live(e.ev, entry_seq(&e)))
			q->heap[n++] = e;
	}
	uint64_t held = n;
	for (uint32_t li = 0; li < q->n_lanes; li++) {
		struct sim_lane *l = &q->lanes[li];
		lane_compact(q, l);
		if (l->len > 0)
			q->heap[n++] = lane_head_entry(l, li); /* at most one per old head */
		held += l->len;
	}
	q->len = n;
	q->held = held;
	for (uint32_t i = n / ARITY + 1; i-- > 0;)
		if (i < n)
			sift_down(q->heap, n, i);
}

/* room for one more heap entry: compact when stale entries dominate, else
 * (or if that was not enough) grow */
static int heap_reserve(struct sim_queue *q)
{
	if (q->len < q->cap)
		return 0;
	if (is_mostly_stale(q)) {
		compact(q);
		if (q->len < q->cap)
			return 0;
	}
	if (q->cap > UINT32_MAX / 2)
		return -1;
	uint32_t ncap = q->cap * 2;
	struct sim_heap_entry *nh = realloc(q->heap, sizeof(*nh) * ncap);
	if (!nh)
		return -1;
	q->heap = nh;
	account(q, (int64_t)((ncap - q->cap) * sizeof(*nh)));
	q->cap = ncap;
	return 0;
}

/* room to append to lane l, and for its heap entry if it is empty */
static int lane_reserve(struct sim_queue *q, struct sim_lane *l)
{
	if (l->len == l->cap) {
		if (l->cap > 0 && is_mostly_stale(q))
			compact(q);
		if (l->len == l->cap) {
			if (l->cap > UINT32_MAX / 2)
				return -1;
			if (lane_resize(q, l, l->cap ? l->cap * 2 : LANE_MIN_CAP) < 0)
				return -1;
		}
	}
	return l->len > 0 ? 0 : heap_reserve(q);
}

/* ev becomes pending at t under a new seq; its old entry, if any, goes stale */
static inline void arm(struct sim_queue *q, struct sim_event *ev, sim_time_ns t)
{
	if (q->next_seq == SIM_SEQ_LIMIT)
		abort(); /* seqs would no longer fit heap entries */
	if (!ev->pending) {
		ev->pending = 1;
		if (++q->live > q->max_live)
			q->max_live = q->live;
	}
	ev->time = t;
	ev->seq = q->next_seq++;
	q->held++;
}

int sim_queue_schedule(struct sim_queue *q, struct sim_event *ev, sim_time_ns t)
{
	if (t < q->now)
		abort(); /* a model asked for the past: results would be corrupt */
	if (heap_reserve(q) < 0)
		return -1;
	arm(q, ev, t);
	q->heap[q->len] = make_entry(t, ev->seq, ev, 0);
	sift_up(q->heap, q->len++);
	return 0;
}

int sim_queue_schedule_lane(struct sim_queue *q, struct sim_event *ev, sim_time_ns t,
                            uint64_t lane_key)
{
	if (t < q->now)
		abort(); /* a model asked for the past: results would be corrupt */
	struct sim_lane *l = lane_find(q, lane_key);
	if (!l || (l->len > 0 && t < l->tail))
		return sim_queue_schedule(q, ev, t); /* out of order for the lane */
	if (lane_reserve(q, l) < 0)
		return -1;
	arm(q, ev, t);
	*lane_at(l, l->len) = (struct sim_lane_entry){t, ev->seq, ev};
	l->len++;
	l->tail = t;
	if (l->len == 1) {
		q->heap[q->len] = lane_head_entry(l, (uint32_t)(l - q->lanes));
		sift_up(q->heap, q->len++);
	}
	return 0;
}

/* remove heap[0]; a lane head is replaced by its lane's next entry */
static void drop_top(struct sim_queue *q)
{
	uint32_t tag = entry_lane_tag(&q->heap[0]);
	if (tag != 0) {
		uint32_t li = tag - 1;
		struct sim_lane *l = &q->lanes[li];
		lane_advance(q, l);
		if (l->len > 0) {
			q->heap[0] = lane_head_entry(l, li);
			sift_down(q->heap, q->len, 0);
			return;
		}
	} else {
		q->held--;
	}
	q->len--;
	if (q->len > 0) {
		q->heap[0] = q->heap[q->len];
		sift_down(q->heap, q->len, 0);
	}
}

sim_time_ns sim_queue_peek_time(struct sim_queue *q)
{
	while (q->len > 0 && !is_live(q->heap[0].ev, entry_seq(&q->heap[0])))
		drop_top(q);
	return q->len ? q->heap[0].time : SIM_TIME_NEVER;
}

struct sim_event *sim_queue_pop(struct sim_queue *q)
{
	while (q->len > 0) {
		struct sim_heap_entry top = q->heap[0];
		drop_top(q);
		if (!is_live(top.ev, entry_seq(&top)))
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

uint64_t sim_queue_entries(const struct sim_queue *q)
{
	return q->held;
}

uint64_t sim_queue_bytes(const struct sim_queue *q)
{
	return q->bytes;
}

/* the bytes allocated, counted afresh */
static uint64_t count_bytes(const struct sim_queue *q)
{
	uint64_t b = (uint64_t)q->cap * sizeof(*q->heap) + (uint64_t)q->lanes_cap * sizeof(*q->lanes);
	if (q->lane_slots)
		b += LANE_SLOTS * sizeof(*q->lane_slots);
	for (uint32_t i = 0; i < q->n_lanes; i++)
		b += (uint64_t)q->lanes[i].cap * sizeof(*q->lanes[i].ring);
	return b;
}

/* a live entry agrees with its event and is not in the past */
static bool entry_is_sane(const struct sim_queue *q, const struct sim_event *ev, sim_time_ns t)
{
	return ev->time == t && t >= q->now;
}

bool sim_queue_check(const struct sim_queue *q)
{
	uint8_t heads[SIM_QUEUE_MAX_LANES] = {0};
	uint64_t live = 0, held = 0;
	if (q->len > q->cap || q->n_lanes > SIM_QUEUE_MAX_LANES || q->n_lanes > q->lanes_cap)
		return false;
	for (uint32_t i = 0; i < q->len; i++) {
		const struct sim_heap_entry *e = &q->heap[i];
		if (i > 0 && entry_less(e, &q->heap[(i - 1) / ARITY]))
			return false;
		uint32_t tag = entry_lane_tag(e);
		if (tag == 0) {
			held++;
			if (is_live(e->ev, entry_seq(e))) {
				live++;
				if (!entry_is_sane(q, e->ev, e->time))
					return false;
			}
			continue;
		}
		/* a lane head: the copy of a non-empty lane's first entry, once */
		if (tag > q->n_lanes || heads[tag - 1]++ != 0)
			return false;
		const struct sim_lane *l = &q->lanes[tag - 1];
		if (l->len == 0)
			return false;
		const struct sim_lane_entry *h = &l->ring[l->head];
		if (h->time != e->time || h->seq != entry_seq(e) || h->ev != e->ev)
			return false;
	}
	for (uint32_t li = 0; li < q->n_lanes; li++) {
		const struct sim_lane *l = &q->lanes[li];
		if ((l->cap & (l->cap - 1)) != 0 || l->len > l->cap || (l->cap > 0 && l->head >= l->cap))
			return false;
		if (q->lane_slots[lane_slot(q, l->key)] != li + 1)
			return false;
		if ((l->len > 0) != (heads[li] != 0))
			return false;
		held += l->len;
		for (uint32_t i = 0; i < l->len; i++) {
			const struct sim_lane_entry *e = lane_at(l, i);
			if (i > 0) {
				const struct sim_lane_entry *p = lane_at(l, i - 1);
				if (e->time < p->time || (e->time == p->time && e->seq <= p->seq))
					return false;
			}
			if (is_live(e->ev, e->seq)) {
				live++;
				if (!entry_is_sane(q, e->ev, e->time))
					return false;
			}
		}
		if (l->len > 0 && lane_at(l, l->len - 1)->time != l->tail)
			return false;
	}
	return live == q->live && held == q->held && q->bytes == count_bytes(q) &&
	       q->bytes <= q->max_bytes;
}
