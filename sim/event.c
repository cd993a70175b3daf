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
#define BRANCH_FREE_MAX 2048u /* heap entries up to which sift_down is branch-free */
#define FAR_PER_BUCKET 32u /* mean entries per far bucket at a rebuild */
#define FAR_MIN_VEC 8u     /* entries of a far vector at its first push */

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#define NOINLINE __attribute__((noinline))
#else
#define PREFETCH(p) ((void)(p))
#define NOINLINE
#endif

_Static_assert(LANE_SLOTS >= 2 * SIM_QUEUE_MAX_LANES, "the lane table is at most half full");
_Static_assert(SIM_QUEUE_MAX_LANES < UINT16_MAX, "lane slots hold 1 + a lane index");
_Static_assert(SIM_NOW_TAG < (1u << SIM_LANE_BITS), "orders hold 1 + a lane index, or the now tag");

#define LANE_TAG_MASK SIM_LANE_TAG_MASK
#define POS_MASK (SIM_SLOT_PENDING - 1)

_Static_assert(SIM_LANE_MAX_CAP <= POS_MASK, "ring indexes fit the slot's position bits");

#if defined(__SIZEOF_INT128__)
/* (time, order) as one unsigned 128-bit number (times are never negative):
 * one branch-free comparison */
static inline unsigned __int128 entry_key(const struct sim_heap_entry *e)
{
	return (unsigned __int128)(uint64_t)e->time << 64 | e->order;
}

static inline bool entry_less(const struct sim_heap_entry *a, const struct sim_heap_entry *b)
{
	return entry_key(a) < entry_key(b);
}
#else
static inline bool entry_less(const struct sim_heap_entry *a, const struct sim_heap_entry *b)
{
	return a->time < b->time || (a->time == b->time && a->order < b->order);
}
#endif

/* 1 + the index of the lane whose head e stands for, 0 for a direct entry */
static inline uint32_t entry_lane_tag(const struct sim_heap_entry *e)
{
	return (uint32_t)(e->order & LANE_TAG_MASK);
}

/* a direct heap entry is live while its event is pending with its order */
static inline bool direct_is_live(const struct sim_heap_entry *e)
{
	return e->ev->slot != 0 && e->ev->order == e->order;
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

/* move e down from h[i] to its place among h[0 .. len) (h[i] is free) */
static inline void sift_down_with(struct sim_heap_entry *h, uint32_t len, uint32_t i,
                                  struct sim_heap_entry e)
{
	for (;;) {
		uint32_t first = i * ARITY + 1;
		uint32_t best;
		if (first + ARITY <= len && len <= BRANCH_FREE_MAX) {
			/* all four children: a tournament, without branches (in
			 * cache, a mispredicted branch costs more than the
			 * compares; out of cache, branches let the processor
			 * fetch the next level ahead) */
			uint32_t a = first + entry_less(&h[first + 1], &h[first]);
			uint32_t b = first + 2 + entry_less(&h[first + 3], &h[first + 2]);
			best = entry_less(&h[b], &h[a]) ? b : a;
		} else {
			if (first >= len)
				break;
			best = first;
			uint32_t last = first + ARITY < len ? first + ARITY : len;
			for (uint32_t c = first + 1; c < last; c++)
				if (entry_less(&h[c], &h[best]))
					best = c;
		}
		if (!entry_less(&h[best], &e))
			break;
		h[i] = h[best];
		i = best;
	}
	h[i] = e;
}

/* move h[i] down to its place among h[0 .. len) */
static void sift_down(struct sim_heap_entry *h, uint32_t len, uint32_t i)
{
	sift_down_with(h, len, i, h[i]);
}

/* ---- lanes ------------------------------------------------------------------ */

static inline uint32_t ring_index(const struct sim_lane *l, uint32_t pos)
{
	return pos & (l->cap - 1);
}

static inline struct sim_lane_entry *lane_at(const struct sim_lane *l, uint32_t i)
{
	return &l->ring[ring_index(l, l->first + i)];
}

static inline struct sim_lane_entry *lane_head(const struct sim_lane *l)
{
	return &l->ring[ring_index(l, l->first)];
}

/* the heap entry standing for lane li's head (the lane is not empty) */
static inline struct sim_heap_entry lane_head_entry(const struct sim_lane *l)
{
	const struct sim_lane_entry *e = lane_head(l);
	return (struct sim_heap_entry){e->time, e->order, e->ev};
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
 * when realloc can; every entry keeps its position, so the events' slots stay
 * right; -1 when out of memory, the lane unchanged */
static int lane_resize(struct sim_queue *q, struct sim_lane *l, uint32_t ncap)
{
	assert(ncap >= l->len && ncap <= SIM_LANE_MAX_CAP);
	struct sim_lane_entry *r = l->ring;
	uint32_t cap = l->cap;
	if (ncap < cap) {
		/* each entry to its index in the smaller ring: those below ncap
		 * stay, the others move down to indexes no entry holds (the
		 * positions are consecutive and fewer than ncap) */
		for (uint32_t i = 0; i < l->len; i++) {
			uint32_t pos = l->first + i;
			uint32_t from = pos & (cap - 1), to = pos & (ncap - 1);
			if (from != to)
				r[to] = r[from];
		}
		struct sim_lane_entry *nr = realloc(r, sizeof(*r) * ncap);
		if (!nr)
			nr = r; /* keep the larger block, the entries where they are now */
		account(q, -(int64_t)((cap - ncap) * sizeof(*r)));
		l->ring = nr;
		l->cap = ncap;
		return 0;
	}
	struct sim_lane_entry *nr = realloc(r, sizeof(*r) * ncap);
	if (!nr)
		return -1;
	/* an entry at index i moves to i + cap when its position says so */
	for (uint32_t i = 0; i < l->len && cap > 0; i++) {
		uint32_t pos = l->first + i;
		uint32_t from = pos & (cap - 1), to = pos & (ncap - 1);
		if (from != to)
			nr[to] = nr[from];
	}
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
 * head (if any) was live when the lane advanced; reads only the ring */
static void lane_advance(struct sim_queue *q, struct sim_lane *l)
{
	uint32_t mask = l->cap - 1;
	uint32_t dropped = 0;
	do {
		l->first = (l->first + 1) & POS_MASK;
		l->len--;
		dropped++;
	} while (l->len > 0 && l->ring[l->first & mask].ev == NULL);
	q->held -= dropped;
	/* the lane's new head, live, will likely fire (it outlived the
	 * cancelled entries before it): its event and the two lines after it
	 * are fetched now, long before its handler reads them (lane events
	 * usually sit at the start of a larger object, a connection); and the
	 * event due next but LANE_PREFETCH (a NULL or stale pointer is harmless
	 * to prefetch) */
	if (l->len > 0)
		sim_prefetch(l->ring[l->first & mask].ev, 3 * 64);
	if (l->len > LANE_PREFETCH)
		PREFETCH(l->ring[(l->first + LANE_PREFETCH) & mask].ev);
	if (l->cap > LANE_MIN_CAP && l->len < l->cap / 4)
		lane_shrink(q, l);
}

/* drop the lane's stale entries, keeping the order; the live entries that
 * move tell their events their new positions */
static void lane_compact(struct sim_queue *q, struct sim_lane *l)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < l->len; i++) {
		struct sim_lane_entry e = *lane_at(l, i);
		if (!e.ev)
			continue;
		if (n != i) {
			*lane_at(l, n) = e;
			e.ev->slot = SIM_SLOT_PENDING | ((l->first + n) & POS_MASK);
		}
		n++;
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
	q->top_taken = 0;
	q->live = 0;
	q->max_live = 0;
	q->held = 0;
	q->next_seq = 0;
	q->fired = 0;
	q->now = 0;
	q->horizon = SIM_TIME_NEVER;
	q->far = (struct sim_far){0};
	q->far_at = SIM_FAR_AT;
	q->nowl = (struct sim_lane){.key = UINT64_MAX};
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
	free(q->nowl.ring);
	q->nowl = (struct sim_lane){.key = UINT64_MAX};
	for (uint32_t i = 0; i < q->far.cap_b; i++)
		free(q->far.b[i].v);
	free(q->far.b);
	free(q->far.top.v);
	q->far = (struct sim_far){0};
	q->horizon = SIM_TIME_NEVER;
	free(q->lanes);
	free(q->lane_slots);
	free(q->heap);
	q->heap = NULL;
	q->lanes = NULL;
	q->lane_slots = NULL;
	q->len = q->cap = q->live = 0;
	q->top_taken = 0;
	q->n_lanes = q->lanes_cap = 0;
	q->held = 0;
	q->bytes = 0; /* max_bytes stays, for reports made after fini */
}

static inline bool is_mostly_stale(const struct sim_queue *q)
{
	return q->held - q->live > (uint64_t)q->live + STALE_SLACK;
}

/* the event that will likely fire next is fetched while the caller works:
 * its handler (or the liveness check) will read it */
static inline void prefetch_top(const struct sim_queue *q)
{
	if (q->len > 0)
		PREFETCH(q->heap[0].ev);
}

/* remove heap[0], a direct entry */
static inline void heap_remove_top(struct sim_queue *q)
{
	q->held--;
	q->len--;
	if (q->len > 0)
		sift_down_with(q->heap, q->len, 0, q->heap[q->len]);
}

/* the popped top is removed now (its event was not rescheduled) */
static inline void settle_top(struct sim_queue *q)
{
	if (q->top_taken) {
		q->top_taken = 0;
		heap_remove_top(q);
	}
}

/* ---- the far tier ------------------------------------------------------------ */

/* room for need entries in v; -1 when out of memory (v unchanged) */
static int vec_reserve(struct sim_queue *q, struct sim_far_vec *v, uint32_t need)
{
	if (need <= v->cap)
		return 0;
	uint64_t ncap = v->cap ? v->cap : FAR_MIN_VEC;
	while (ncap < need)
		ncap *= 2;
	if (ncap > UINT32_MAX / 2)
		return -1;
	struct sim_heap_entry *nv = realloc(v->v, sizeof(*nv) * ncap);
	if (!nv)
		return -1;
	account(q, (int64_t)((ncap - v->cap) * sizeof(*nv)));
	v->v = nv;
	v->cap = (uint32_t)ncap;
	return 0;
}

static void vec_free(struct sim_queue *q, struct sim_far_vec *v)
{
	account(q, -(int64_t)(v->cap * sizeof(*v->v)));
	free(v->v);
	*v = (struct sim_far_vec){0};
}

/* the far vector an entry due at t (>= the horizon) belongs in */
static inline struct sim_far_vec *far_vec(struct sim_far *f, sim_time_ns t)
{
	if (t >= f->end)
		return &f->top;
	return &f->b[(uint64_t)(t - f->base) >> f->shift];
}

/* add e, due at or after the horizon, to the far tier (room reserved) */
static inline void far_push(struct sim_far *f, struct sim_heap_entry e)
{
	struct sim_far_vec *v = far_vec(f, e.time);
	if (v == &f->top) {
		if (v->len == 0 || e.time < f->top_min)
			f->top_min = e.time;
		if (v->len == 0 || e.time > f->top_max)
			f->top_max = e.time;
	}
	v->v[v->len++] = e;
	f->count++;
}

/* drop the far tier's stale entries (all are direct entries); returns the
 * entries kept */
static uint64_t far_compact(struct sim_queue *q)
{
	struct sim_far *f = &q->far;
	uint64_t kept = 0;
	for (uint32_t i = f->cur; i <= f->nb && f->count > 0; i++) {
		struct sim_far_vec *v = i < f->nb ? &f->b[i] : &f->top;
		uint32_t n = 0;
		for (uint32_t k = 0; k < v->len; k++)
			if (direct_is_live(&v->v[k]))
				v->v[n++] = v->v[k];
		v->len = n;
		kept += n;
	}
	f->count = kept;
	return kept;
}

/* room for n more heap entries, in a pop: out of memory aborts, since the
 * order could not be kept otherwise */
static void heap_room(struct sim_queue *q, uint32_t n)
{
	if (q->cap - q->len >= n)
		return;
	uint64_t ncap = q->cap;
	while (ncap - q->len < n)
		ncap *= 2;
	struct sim_heap_entry *nh = ncap <= UINT32_MAX ? realloc(q->heap, sizeof(*nh) * ncap) : NULL;
	if (!nh)
		abort(); /* out of memory with events to run */
	q->heap = nh;
	account(q, (int64_t)((ncap - q->cap) * sizeof(*nh)));
	q->cap = (uint32_t)ncap;
}

/* add the n entries of v to the heap (room made) */
static void heap_add(struct sim_queue *q, const struct sim_heap_entry *v, uint32_t n)
{
	uint32_t old = q->len;
	memcpy(q->heap + old, v, sizeof(*v) * n);
	q->len += n;
	if (n > old) { /* Floyd: O(len) */
		for (uint32_t i = q->len / ARITY + 1; i-- > 0;)
			if (i < q->len)
				sift_down(q->heap, q->len, i);
	} else {
		for (uint32_t i = old; i < q->len; i++)
			sift_up(q->heap, i);
	}
}

/* the tier switches off: its entries go back to the heap, its memory is
 * freed */
static void far_off(struct sim_queue *q)
{
	struct sim_far *f = &q->far;
	heap_room(q, f->top.len);
	heap_add(q, f->top.v, f->top.len);
	for (uint32_t i = 0; i < f->cap_b; i++)
		vec_free(q, &f->b[i]);
	account(q, -(int64_t)(f->cap_b * sizeof(*f->b)));
	free(f->b);
	vec_free(q, &f->top);
	uint64_t refills = f->refills, rebuilds = f->rebuilds, switches = f->switches;
	*f = (struct sim_far){.refills = refills, .rebuilds = rebuilds, .switches = switches};
	q->horizon = SIM_TIME_NEVER;
}

/* the buckets are used up: spread the top over new ones, about
 * FAR_PER_BUCKET entries each, or switch the tier off when little is left
 * in it (and in the heap, so that it does not switch on again at once) */
static void far_rebuild(struct sim_queue *q)
{
	struct sim_far *f = &q->far;
	uint32_t n = f->top.len;
	if (n <= q->far_at / 4 && q->len < q->far_at / 2) {
		far_off(q);
		return;
	}
	uint64_t span = (uint64_t)(f->top_max - f->top_min);
	uint64_t want = n / FAR_PER_BUCKET ? n / FAR_PER_BUCKET : 1;
	uint32_t shift = 0;
	while ((span >> shift) >= want)
		shift++;
	uint32_t nb = (uint32_t)(span >> shift) + 1;
	if (nb > f->cap_b) {
		struct sim_far_vec *nbv = realloc(f->b, sizeof(*nbv) * nb);
		if (!nbv)
			abort(); /* out of memory with events to run */
		memset(nbv + f->cap_b, 0, sizeof(*nbv) * (nb - f->cap_b));
		account(q, (int64_t)((nb - f->cap_b) * sizeof(*nbv)));
		f->b = nbv;
		f->cap_b = nb;
	}
	/* buckets keep their memory for the next rounds unless it is much
	 * more than they should need: the tier's memory stays O(pending) */
	uint32_t keep = 4 * (n / nb) + 4 * FAR_MIN_VEC;
	for (uint32_t i = 0; i < f->cap_b; i++)
		if (f->b[i].cap > keep)
			vec_free(q, &f->b[i]);
	f->base = f->top_min;
	uint64_t width_all = (uint64_t)nb << shift;
	f->end = width_all > (uint64_t)(INT64_MAX - f->base) ? INT64_MAX : f->base + (sim_time_ns)width_all;
	f->nb = nb;
	f->cur = 0;
	f->shift = shift;
	for (uint32_t k = 0; k < n; k++) {
		struct sim_heap_entry e = f->top.v[k];
		struct sim_far_vec *v = &f->b[(uint64_t)(e.time - f->base) >> shift];
		if (v->len == v->cap && vec_reserve(q, v, v->len + 1) < 0)
			abort(); /* out of memory with events to run */
		v->v[v->len++] = e;
	}
	f->top.len = 0;
	q->horizon = f->base;
	f->rebuilds++;
}

/* the heap's front is due at or after the horizon (or the heap is empty)
 * and the tier holds entries: move its next bucket into the heap and move
 * the horizon to the end of that bucket */
static void far_refill(struct sim_queue *q)
{
	struct sim_far *f = &q->far;
	for (;;) {
		while (f->cur < f->nb && f->b[f->cur].len == 0)
			f->cur++;
		if (f->cur < f->nb)
			break;
		far_rebuild(q);
		if (q->horizon == SIM_TIME_NEVER)
			return; /* switched off: everything is in the heap */
	}
	struct sim_far_vec *v = &f->b[f->cur++];
	heap_room(q, v->len);
	heap_add(q, v->v, v->len);
	f->count -= v->len;
	v->len = 0;
	f->refills++;
	q->horizon = f->cur < f->nb ? f->base + ((sim_time_ns)f->cur << f->shift) : f->end;
}

/* the heap has grown past far_at: its direct entries move to the top of a
 * far tier with no buckets, whose horizon is now, so that the next pop
 * spreads them over buckets (lane heads stay in the heap) */
static void far_on(struct sim_queue *q)
{
	struct sim_far *f = &q->far;
	settle_top(q);
	uint32_t direct = 0;
	for (uint32_t i = 0; i < q->len; i++)
		direct += entry_lane_tag(&q->heap[i]) == 0;
	if (direct == 0 || vec_reserve(q, &f->top, direct) < 0)
		return; /* stays off; the heap grows instead */
	uint32_t n = 0;
	f->base = f->end = q->now;
	f->nb = f->cur = f->shift = 0;
	for (uint32_t i = 0; i < q->len; i++) {
		struct sim_heap_entry e = q->heap[i];
		if (entry_lane_tag(&e) == 0)
			far_push(f, e);
		else
			q->heap[n++] = e;
	}
	q->len = n;
	for (uint32_t i = n / ARITY + 1; i-- > 0;)
		if (i < n)
			sift_down(q->heap, n, i);
	q->horizon = q->now;
	f->switches++;
}

/* drop every stale entry from the lanes and the heap, then rebuild the heap
 * (Floyd) from the live direct entries and the lanes' new heads:
 * O(held + lanes) */
static void compact(struct sim_queue *q)
{
	settle_top(q);
	uint32_t n = 0;
	for (uint32_t i = 0; i < q->len; i++) {
		struct sim_heap_entry e = q->heap[i];
		if (entry_lane_tag(&e) == 0 && direct_is_live(&e))
			q->heap[n++] = e;
	}
	uint64_t held = n;
	for (uint32_t li = 0; li < q->n_lanes; li++) {
		struct sim_lane *l = &q->lanes[li];
		lane_compact(q, l);
		if (l->len > 0)
			q->heap[n++] = lane_head_entry(l); /* at most one per old head */
		held += l->len;
	}
	lane_compact(q, &q->nowl);
	held += q->nowl.len;
	held += far_compact(q);
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
	if (q->len >= q->far_at && q->horizon == SIM_TIME_NEVER)
		far_on(q);
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

/* room to append to lane l's ring */
static int ring_reserve(struct sim_queue *q, struct sim_lane *l)
{
	if (l->len == l->cap) {
		if (l->cap > 0 && is_mostly_stale(q))
			compact(q);
		if (l->len == l->cap) {
			if (l->cap >= SIM_LANE_MAX_CAP)
				return -1;
			if (lane_resize(q, l, l->cap ? l->cap * 2 : LANE_MIN_CAP) < 0)
				return -1;
		}
	}
	return 0;
}

/* room to append to lane l, and for its heap entry if it is empty */
static int lane_reserve(struct sim_queue *q, struct sim_lane *l)
{
	if (ring_reserve(q, l) < 0)
		return -1;
	return l->len > 0 ? 0 : heap_reserve(q);
}

/* append ev, armed for t, to lane l (room reserved) */
static inline void lane_append(struct sim_lane *l, struct sim_event *ev, sim_time_ns t)
{
	uint32_t pos = (l->first + l->len) & POS_MASK;
	l->ring[ring_index(l, pos)] = (struct sim_lane_entry){t, ev->order, ev};
	ev->slot = SIM_SLOT_PENDING | pos;
	l->len++;
	l->tail = t;
}

/* ev becomes pending under a new order (with lane tag tag); its old entry,
 * if any, goes stale */
static inline void arm(struct sim_queue *q, struct sim_event *ev, uint32_t tag)
{
	if (q->next_seq == SIM_SEQ_LIMIT)
		abort(); /* seqs would no longer fit heap entries */
	if (ev->slot) {
		sim__unlink(q, ev);
	} else {
		if (++q->live > q->max_live)
			q->max_live = q->live;
	}
	ev->order = q->next_seq++ << SIM_LANE_BITS | tag;
	ev->slot = SIM_SLOT_PENDING;
	q->held++;
}

/* ev is due now itself: to the zero-delay FIFO; every entry there is due
 * now, in seq order, so the FIFO stays sorted */
static int schedule_now(struct sim_queue *q, struct sim_event *ev)
{
	if (ring_reserve(q, &q->nowl) < 0)
		return -1;
	arm(q, ev, SIM_NOW_TAG);
	lane_append(&q->nowl, ev, q->now);
	return 0;
}

/* ev is due at t, at or after the horizon: to the far tier (out of line,
 * like every rare path of sim_queue_schedule, so that the common one saves
 * few registers) */
static NOINLINE int schedule_far(struct sim_queue *q, struct sim_event *ev, sim_time_ns t)
{
	struct sim_far_vec *v = far_vec(&q->far, t);
	if (v->len == v->cap) {
		if (is_mostly_stale(q)) {
			compact(q);
			v = far_vec(&q->far, t);
		}
		if (vec_reserve(q, v, v->len + 1) < 0)
			return -1;
	}
	arm(q, ev, 0);
	far_push(&q->far, (struct sim_heap_entry){t, ev->order, ev});
	return 0;
}

/* ev due at t into the heap, when the heap may have to grow, compact or
 * switch the far tier on first */
static NOINLINE int schedule_heap_reserving(struct sim_queue *q, struct sim_event *ev, sim_time_ns t)
{
	if (heap_reserve(q) < 0)
		return -1;
	arm(q, ev, 0);
	q->heap[q->len] = (struct sim_heap_entry){t, ev->order, ev};
	sift_up(q->heap, q->len++);
	return 0;
}

/* the event just popped reschedules itself: its entry, still at the top,
 * takes the new time in place */
static NOINLINE void schedule_in_place(struct sim_queue *q, struct sim_event *ev, sim_time_ns t)
{
	arm(q, ev, 0);
	q->held--; /* the popped entry was still counted */
	q->top_taken = 0;
	sift_down_with(q->heap, q->len, 0, (struct sim_heap_entry){t, ev->order, ev});
	prefetch_top(q);
}

static NOINLINE int schedule_now_checked(struct sim_queue *q, struct sim_event *ev, sim_time_ns t)
{
	if (t < q->now)
		abort(); /* a model asked for the past: results would be corrupt */
	return schedule_now(q, ev);
}

int sim_queue_schedule(struct sim_queue *q, struct sim_event *ev, sim_time_ns t)
{
	if (t <= q->now)
		return schedule_now_checked(q, ev, t);
	if (t >= q->horizon && q->horizon != SIM_TIME_NEVER)
		return schedule_far(q, ev, t); /* a popped top left there is removed at the next pop */
	if (q->top_taken && q->heap[0].ev == ev) {
		schedule_in_place(q, ev, t);
		return 0;
	}
	if (q->len >= q->cap || q->len >= q->far_at)
		return schedule_heap_reserving(q, ev, t);
	arm(q, ev, 0);
	q->heap[q->len] = (struct sim_heap_entry){t, ev->order, ev};
	sift_up(q->heap, q->len++);
	return 0;
}

int sim_queue_schedule_lane(struct sim_queue *q, struct sim_event *ev, sim_time_ns t,
                            uint64_t lane_key)
{
	if (t <= q->now)
		return schedule_now_checked(q, ev, t);
	struct sim_lane *l = lane_find(q, lane_key);
	if (!l || (l->len > 0 && t < l->tail))
		return sim_queue_schedule(q, ev, t); /* out of order for the lane */
	if (lane_reserve(q, l) < 0)
		return -1;
	uint32_t li = (uint32_t)(l - q->lanes);
	arm(q, ev, li + 1);
	lane_append(l, ev, t);
	if (l->len == 1) {
		q->heap[q->len] = lane_head_entry(l);
		sift_up(q->heap, q->len++);
	}
	return 0;
}

/* heap[0] stands for lane li's head: drop that head (and the stale entries
 * behind it) and put the lane's next head in its place, or remove it */
static inline void lane_pop_head(struct sim_queue *q, uint32_t li)
{
	struct sim_lane *l = &q->lanes[li];
	lane_advance(q, l);
	if (l->len > 0) {
		sift_down_with(q->heap, q->len, 0, lane_head_entry(l));
		return;
	}
	q->len--;
	if (q->len > 0)
		sift_down_with(q->heap, q->len, 0, q->heap[q->len]);
}

/* drop stale entries from the front: true when heap[0] is then live */
static inline bool front_is_live(struct sim_queue *q)
{
	settle_top(q);
	for (;;) {
		if (q->len == 0 || q->heap[0].time >= q->horizon) {
			/* what the far tier holds may come first */
			if (q->far.count > 0) {
				far_refill(q);
				continue;
			}
			if (q->len == 0)
				return false;
		}
		const struct sim_heap_entry *e = &q->heap[0];
		uint32_t tag = entry_lane_tag(e);
		if (tag != 0) {
			struct sim_lane *l = &q->lanes[tag - 1];
			if (lane_head(l)->ev)
				return true;
			lane_pop_head(q, tag - 1);
		} else {
			if (direct_is_live(e))
				return true;
			heap_remove_top(q);
		}
	}
}

/* the zero-delay FIFO's first live entry, or NULL (drops stale ones) */
static inline const struct sim_lane_entry *now_front(struct sim_queue *q)
{
	struct sim_lane *l = &q->nowl;
	while (l->len > 0) {
		const struct sim_lane_entry *h = lane_head(l);
		if (h->ev)
			return h;
		l->first = (l->first + 1) & POS_MASK;
		l->len--;
		q->held--;
	}
	return NULL;
}

/* the zero-delay FIFO's head goes first when it is before the heap's front */
static inline bool now_goes_first(struct sim_queue *q, const struct sim_lane_entry *h)
{
	if (!front_is_live(q))
		return true;
	const struct sim_heap_entry *top = &q->heap[0];
	return top->time > h->time || (top->time == h->time && top->order > h->order);
}

sim_time_ns sim_queue_peek_time(struct sim_queue *q)
{
	const struct sim_lane_entry *h = q->nowl.len ? now_front(q) : NULL;
	if (h)
		return h->time; /* now: nothing is before it */
	return front_is_live(q) ? q->heap[0].time : SIM_TIME_NEVER;
}

/* ev fired at t */
static inline struct sim_event *fire(struct sim_queue *q, struct sim_event *ev, sim_time_ns t)
{
	ev->slot = 0;
	q->live--;
	if (t < q->now)
		abort(); /* the clock never runs backwards */
	q->now = t;
	q->fired++;
	return ev;
}

struct sim_event *sim_queue_pop_until(struct sim_queue *q, sim_time_ns limit)
{
	if (q->nowl.len) {
		const struct sim_lane_entry *h = now_front(q);
		if (h && h->time <= limit && now_goes_first(q, h)) {
			struct sim_event *ev = h->ev;
			sim_time_ns t = h->time;
			lane_advance(q, &q->nowl);
			return fire(q, ev, t);
		}
	}
	if (!front_is_live(q) || q->heap[0].time > limit)
		return NULL;
	struct sim_heap_entry top = q->heap[0];
	uint32_t tag = entry_lane_tag(&top);
	if (tag != 0) {
		lane_pop_head(q, tag - 1);
		prefetch_top(q);
	} else {
		q->top_taken = 1; /* removed at the next pop, or replaced */
		if (q->len > 1) /* the top's likely successor: a child */
			PREFETCH(q->heap[1].ev);
	}
	return fire(q, top.ev, top.time);
}

struct sim_event *sim_queue_pop(struct sim_queue *q)
{
	return sim_queue_pop_until(q, SIM_TIME_NEVER);
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
	b += (uint64_t)q->nowl.cap * sizeof(*q->nowl.ring);
	for (uint32_t i = 0; i < q->n_lanes; i++)
		b += (uint64_t)q->lanes[i].cap * sizeof(*q->lanes[i].ring);
	b += (uint64_t)q->far.cap_b * sizeof(*q->far.b) + (uint64_t)q->far.top.cap * sizeof(*q->heap);
	for (uint32_t i = 0; i < q->far.cap_b; i++)
		b += (uint64_t)q->far.b[i].cap * sizeof(*q->heap);
	return b;
}

/* a live entry agrees with its event and is not in the past */
static bool entry_is_sane(const struct sim_queue *q, const struct sim_event *ev, sim_time_ns t,
                          uint64_t order)
{
	return ev->order == order && ev->slot != 0 && t >= q->now;
}

bool sim_queue_check(const struct sim_queue *q)
{
	uint8_t heads[SIM_QUEUE_MAX_LANES] = {0};
	uint64_t live = 0, held = 0;
	if (q->len > q->cap || q->n_lanes > SIM_QUEUE_MAX_LANES || q->n_lanes > q->lanes_cap)
		return false;
	if (q->top_taken && (q->len == 0 || entry_lane_tag(&q->heap[0]) != 0))
		return false;
	for (uint32_t i = 0; i < q->len; i++) {
		const struct sim_heap_entry *e = &q->heap[i];
		if (i > 0 && entry_less(e, &q->heap[(i - 1) / ARITY]))
			return false;
		uint32_t tag = entry_lane_tag(e);
		if (tag == 0) {
			held++;
			if ((i > 0 || !q->top_taken) && direct_is_live(e)) {
				live++;
				if (!entry_is_sane(q, e->ev, e->time, e->order))
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
		const struct sim_lane_entry *h = lane_head(l);
		if (h->time != e->time || h->order != e->order || (h->ev && h->ev != e->ev))
			return false;
	}
	for (uint32_t li = 0; li < q->n_lanes; li++) {
		const struct sim_lane *l = &q->lanes[li];
		if ((l->cap & (l->cap - 1)) != 0 || l->len > l->cap || l->first > POS_MASK)
			return false;
		if (q->lane_slots[lane_slot(q, l->key)] != li + 1)
			return false;
		if ((l->len > 0) != (heads[li] != 0))
			return false;
		held += l->len;
		for (uint32_t i = 0; i < l->len; i++) {
			const struct sim_lane_entry *e = lane_at(l, i);
			if ((e->order & LANE_TAG_MASK) != li + 1)
				return false;
			if (i > 0) {
				const struct sim_lane_entry *p = lane_at(l, i - 1);
				if (e->time < p->time || (e->time == p->time && e->order <= p->order))
					return false;
			}
			if (e->ev) {
				live++;
				uint32_t pos = (l->first + i) & POS_MASK;
				if (!entry_is_sane(q, e->ev, e->time, e->order) ||
				    e->ev->slot != (SIM_SLOT_PENDING | pos))
					return false;
			}
		}
		if (l->len > 0 && lane_at(l, l->len - 1)->time != l->tail)
			return false;
	}
	const struct sim_lane *l = &q->nowl;
	if ((l->cap & (l->cap - 1)) != 0 || l->len > l->cap || l->first > POS_MASK)
		return false;
	held += l->len;
	for (uint32_t i = 0; i < l->len; i++) {
		const struct sim_lane_entry *e = lane_at(l, i);
		if ((e->order & LANE_TAG_MASK) != SIM_NOW_TAG || e->time != q->now)
			return false;
		if (i > 0 && e->order <= lane_at(l, i - 1)->order)
			return false;
		if (e->ev) {
			live++;
			uint32_t pos = (l->first + i) & POS_MASK;
			if (!entry_is_sane(q, e->ev, e->time, e->order) || e->ev->slot != (SIM_SLOT_PENDING | pos))
				return false;
		}
	}
	/* the far tier: direct entries, each in its bucket (or the top), none
	 * before the horizon */
	const struct sim_far *f = &q->far;
	uint64_t far = 0;
	if (q->horizon == SIM_TIME_NEVER && (f->count != 0 || f->nb != 0 || f->top.len != 0))
		return false;
	if (f->nb > f->cap_b || f->cur > f->nb || f->base > f->end)
		return false;
	if (q->horizon != SIM_TIME_NEVER &&
	    q->horizon != (f->cur < f->nb ? f->base + ((sim_time_ns)f->cur << f->shift) : f->end))
		return false;
	for (uint32_t i = 0; i <= f->nb; i++) {
		const struct sim_far_vec *v = i < f->nb ? &f->b[i] : &f->top;
		if (v->len > v->cap || (i < f->cur && v->len != 0))
			return false;
		for (uint32_t k = 0; k < v->len; k++) {
			const struct sim_heap_entry *e = &v->v[k];
			if (entry_lane_tag(e) != 0 || e->time < q->horizon)
				return false;
			if (i < f->nb ? (uint64_t)(e->time - f->base) >> f->shift != i
			              : e->time < f->end || e->time < f->top_min || e->time > f->top_max)
				return false;
			held++;
			far++;
			if (direct_is_live(e)) {
				live++;
				if (!entry_is_sane(q, e->ev, e->time, e->order))
					return false;
			}
		}
	}
	if (far != f->count)
		return false;
	return live == q->live && held == q->held && q->bytes == count_bytes(q) &&
	       q->bytes <= q->max_bytes;
}
