/* core.c: the services every part of the model calls (core.h): timers, the
 * trace, an attempt's settling, and the release of a conn once both ends
 * are done. */
#include "models/core.h"

#include <stdlib.h>

void world_fail(struct world *w)
{
	w->status = -1;
	w->done = true;
}

void world_trace(struct world *w, const struct conn *c, const struct listener *l, const char *what, int kind,
                 enum trace_reason reason)
{
	enum trace_dir dir = kind < 0 ? TD_NONE : packet_to_server(kind) ? TD_C2S : TD_S2C;
	enum trace_side side = trace_reason_side(reason);
	if (side == TS_SENDER)
		side = dir == TD_C2S ? TS_CLIENT : TS_SERVER;
	struct trace_rec r = {
		.t = w->q.now,
		.conn = c ? c->id : UINT64_MAX,
		.listener = l ? l->index : 0,
		.what = what,
		.side = side,
		.dir = dir,
		.kind = kind,
		.reason = reason,
		.pkt = kind < 0 ? NULL : packet_name(kind),
		.why = trace_reason_text(reason),
		.syn_queue = l ? l->syn_queue : 0,
		.accept_queue = l ? l->accept_queue : 0,
		.young = l ? l->young : 0,
	};
	w->hooks.trace(w->hooks.ctx, &r);
}

void world_resolve(struct world *w, struct conn *c)
{
	if (!c->resolved) {
		c->resolved = true;
		w->unresolved--;
		w->settled[c->outcome]++;
	}
}

void world_set_outcome(struct world *w, struct conn *c, enum outcome o)
{
	if (c->resolved) {
		w->settled[c->outcome]--;
		w->settled[o]++;
	}
	c->outcome = (uint8_t)o;
	world_resolve(w, c);
}

/* world_touch's list is full: it doubles (out of memory: the run stops) */
int world_touch_grow(struct world *w)
{
	size_t n = w->cap_touched ? w->cap_touched * 2 : 64;
	struct conn **t = realloc(w->touched, n * sizeof(*t));
	if (!t) {
		world_fail(w);
		return -1;
	}
	w->touched = t;
	w->cap_touched = n;
	return 0;
}
