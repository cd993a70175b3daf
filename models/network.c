/* network.c: the path between the clients and the server.
 *
 * A packet gets a one-way delay (constant or drawn) and is lost with the
 * direction's probability, independently of every other packet; each
 * population's path draws from its own stream.  A packet in flight holds its
 * conn alive (conn->in_flight).  Whoever sends calls net_send; the world
 * hands what arrives (net_arrive) to the host it reached.
 */
#include "models/network.h"

static const uint8_t seg_of[PKT_KIND_COUNT] = {
	[PKT_SYN] = SEG_SYN,     [PKT_ACK] = SEG_ACK,       [PKT_DATA] = SEG_DATA,
	[PKT_FIN] = SEG_FIN,     [PKT_RST_C] = SEG_RST,     [PKT_SYNACK] = SEG_SYNACK,
	[PKT_RST_S] = SEG_RST,   [PKT_DATA_S] = SEG_DATA,   [PKT_DATA_ACK] = SEG_ACK,
};

/* the scenario's faults on the path (docs/schema.md "faults"): is this
 * segment lost?  A fault with p < 1 draws from the population's network
 * stream, and only when it applies, so that scenarios without faults keep
 * their draws. */
static bool fault_loses(struct world *w, const struct conn *c, int kind, bool up)
{
	const struct scenario *s = w->s;
	for (uint32_t i = 0; i < s->n_faults; i++) {
		const struct fault *f = &s->faults[i];
		if (w->q.now < f->from || w->q.now >= f->to)
			continue;
		if (!(f->dirs & (up ? FAULT_TO_SERVER : FAULT_TO_CLIENT)) || !(f->kinds & (1u << seg_of[kind])))
			continue;
		if ((f->pop >= 0 && (uint32_t)f->pop != c->pop) || c->id < f->first || c->id > f->last)
			continue;
		if (f->p >= 1 || rng_bernoulli(&w->pops[c->pop].network, f->p))
			return true;
	}
	return false;
}

/* the segment hook: a capture on the server's interface */
void net_capture(struct world *w, const struct conn *c, int kind, bool cookie)
{
	struct segment_rec r = {
	    .t = w->q.now, .conn_start = c->start, .conn = c->id, .pop = c->pop,
	    .listener = c->listener, .kind = (uint8_t)kind, .cookie = cookie,
	};
	w->hooks.segment(w->hooks.ctx, &r);
}

/* appends p (its due time set, not before the tail's) to a FIFO channel */
static void enqueue(struct world *w, struct channel *ch, struct packet *p)
{
	p->next = NULL;
	if (ch->tail)
		ch->tail->next = p;
	else
		ch->head = p;
	ch->tail = p;
	if (!sim_event_is_pending(&ch->ev))
		world_schedule(w, &ch->ev, ch->head->due);
}

void net_send(struct world *w, struct conn *c, int kind, bool cookie)
{
	const struct client_pop *pop = world_pop_of(w, c);
	struct pop_state *ps = &w->pops[c->pop];
	bool up = packet_to_server(kind);
	double loss = up ? pop->path.loss_to_server : pop->path.loss_to_client;
	if (kind == PKT_SYN)
		w->res.syns_sent++;
	if (kind == PKT_SYNACK)
		w->res.synacks_sent++;
	if (!up && w->hooks.segment)
		net_capture(w, c, kind, cookie); /* seen leaving the server, lost or not */
	if (loss > 0 && rng_bernoulli(&ps->network, loss)) {
		TRACE(w, c, world_listener_of(w, c), "lost", kind, up ? TR_LOST_TO_SERVER : TR_LOST_TO_CLIENT);
		return;
	}
	if (w->s->n_faults && fault_loses(w, c, kind, up)) {
		TRACE(w, c, world_listener_of(w, c), "lost", kind, TR_LOST_FAULT);
		return;
	}
	const struct dist *d = up ? &pop->path.delay_to_server : &pop->path.delay_to_client;
	struct packet *p = pool_get(&w->packets);
	if (!p) {
		world_fail(w);
		return;
	}
	sim_event_init(&p->ev, EV_PACKET);
	p->conn = c;
	p->kind = (uint8_t)kind;
	p->cookie = cookie;
	/* TS option: a client segment carries its send time (TSval); a SYN-ACK
	 * echoes the latest SYN's (ts_recent) */
	p->stamp = kind == PKT_SYNACK ? c->ts_recent : w->q.now;
	p->sent = w->q.now;
	c->in_flight++;
	if (++w->live_packets > w->res.peak_packets)
		w->res.peak_packets = w->live_packets;
	TRACE(w, c, world_listener_of(w, c), "send", kind, cookie ? TR_SEND_COOKIE : TR_SEND);
	const struct receive_spec *rx = &w->s->server.receive;
	if (rx->cpus) {
		/* server.receive: the flow's CPU processes its segments one at a
		 * time, in the order they reach it (process_backlog) */
		uint32_t k = (uint32_t)(c->id % rx->cpus);
		sim_time_ns at = w->q.now + (sim_time_ns)dist_sample(d, &ps->network);
		p->due = (at > w->cpu_free[k] ? at : w->cpu_free[k]) + rx->cost;
		w->cpu_free[k] = p->due;
		enqueue(w, &w->cpu[k], p);
		return;
	}
	if (up && pop->path.reorder > 0) {
		/* several receive CPUs: a segment may overtake others sent up to
		 * `reorder` before it */
		sim_time_ns extra = (sim_time_ns)(rng_uniform(&ps->network) * (double)pop->path.reorder);
		world_schedule(w, &p->ev, w->q.now + (sim_time_ns)dist_sample(d, &ps->network) + extra);
		return;
	}
	if (d->kind == DIST_CONSTANT) {
		/* in send order through the channel: one pending event per path */
		p->due = w->q.now + (sim_time_ns)d->a;
		enqueue(w, &ps->chan[up ? 0 : 1], p);
		return;
	}
	world_schedule(w, &p->ev, w->q.now + (sim_time_ns)dist_sample(d, &ps->network));
}

void net_init(struct world *w)
{
	for (uint32_t i = 0; i < w->s->n_pops; i++)
		for (int d = 0; d < 2; d++) {
			struct channel *ch = &w->pops[i].chan[d];
			sim_event_init(&ch->ev, EV_CHANNEL);
			ch->ev.aux = (uint16_t)(2 * i + (uint32_t)d);
			ch->head = ch->tail = NULL;
		}
	for (uint32_t k = 0; k < SCENARIO_MAX_RX_CPUS; k++) {
		sim_event_init(&w->cpu[k].ev, EV_CHANNEL);
		w->cpu[k].ev.aux = (uint16_t)(2 * SCENARIO_MAX_POPS + k);
		w->cpu[k].head = w->cpu[k].tail = NULL;
		w->cpu_free[k] = 0;
	}
}

struct packet *net_channel_pop(struct world *w, uint16_t which)
{
	struct channel *ch = which >= 2 * SCENARIO_MAX_POPS ? &w->cpu[which - 2 * SCENARIO_MAX_POPS]
	                                                   : &w->pops[which / 2].chan[which % 2];
	struct packet *p = ch->head;
	ch->head = p->next;
	if (!ch->head) {
		ch->tail = NULL;
	} else {
		world_schedule(w, &ch->ev, ch->head->due);
		/* the next packet's connection is read when it arrives: fetch its
		 * lines now (out of cache, that read was a good part of a
		 * delivery's time) */
		sim_prefetch(ch->head->conn, sizeof(struct conn));
	}
	return p;
}
