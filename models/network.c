/* network.c: the path between the clients and the server.
 *
 * A packet gets a one-way delay (constant or drawn) and is lost with the
 * direction's probability, independently of every other packet; each
 * population's path draws from its own stream.  A packet in flight holds its
 * conn alive (conn->in_flight).
 */
#include "models/world_impl.h"

static const char *const packet_names[PKT_KIND_COUNT] = {
	[PKT_SYN] = "SYN",       [PKT_ACK] = "ACK",         [PKT_DATA] = "DATA",
	[PKT_FIN] = "FIN",       [PKT_RST_C] = "RST",       [PKT_SYNACK] = "SYN-ACK",
	[PKT_RST_S] = "RST",     [PKT_DATA_S] = "DATA",     [PKT_DATA_ACK] = "ACK",
};

const char *packet_name(enum packet_kind k)
{
	return k < PKT_KIND_COUNT ? packet_names[k] : "?";
}

static inline bool to_server(int kind)
{
	return kind <= PKT_RST_C;
}

void net_send(struct world *w, struct conn *c, int kind, bool cookie)
{
	const struct client_pop *pop = world_pop_of(w, c);
	struct pop_state *ps = &w->pops[c->pop];
	bool up = to_server(kind);
	double loss = up ? pop->path.loss_to_server : pop->path.loss_to_client;
	if (kind == PKT_SYN)
		w->res.syns_sent++;
	if (kind == PKT_SYNACK)
		w->res.synacks_sent++;
	if (loss > 0 && rng_bernoulli(&ps->network, loss)) {
		TRACE(w, c, world_listener_of(w, c), "lost", packet_name(kind),
		      up ? "network loss to the server" : "network loss to the client");
		return;
	}
	const struct dist *d = up ? &pop->path.delay_to_server : &pop->path.delay_to_client;
	sim_time_ns delay = d->kind == DIST_CONSTANT ? (sim_time_ns)d->a
	                                              : (sim_time_ns)dist_sample(d, &ps->network);
	struct packet *p = pool_get(&w->packets);
	if (!p) {
		world_fail(w);
		return;
	}
	sim_event_init(&p->ev, EV_PACKET);
	p->conn = c;
	p->kind = (uint8_t)kind;
	p->cookie = cookie;
	c->in_flight++;
	if (++w->live_packets > w->res.peak_packets)
		w->res.peak_packets = w->live_packets;
	TRACE(w, c, world_listener_of(w, c), "send", packet_name(kind), cookie ? "syncookie" : NULL);
	world_schedule(w, &p->ev, w->q.now + delay);
}

void net_on_deliver(struct world *w, struct packet *p)
{
	struct conn *c = p->conn;
	int kind = p->kind;
	bool cookie = p->cookie;
	pool_put(&w->packets, p);
	w->live_packets--;
	c->in_flight--;
	if (to_server(kind)) {
		struct listener *l = world_listener_of(w, c);
		if (kind == PKT_SYN)
			listener_on_syn(w, l, c);
		else
			listener_on_segment(w, l, c, kind);
	} else {
		client_on_packet(w, c, kind, cookie);
	}
	world_maybe_release(w, c);
}
