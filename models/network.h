/* network.h: the path between the clients and the server (network.c). */
#ifndef TCPQSIM_NETWORK_H
#define TCPQSIM_NETWORK_H

#include "models/core.h"

/* A segment that reached its end: the attempt and what it carries. */
struct arrival {
	struct conn *conn;
	int kind;      /* enum packet_kind */
	bool cookie;   /* SYN-ACK: its ISN is a syncookie */
};

/* net_init: the constant-delay channels, empty. */
void net_init(struct world *w);

/* net_send: c's end sends a segment of this kind: lost, or in flight to the
 * other end. */
void net_send(struct world *w, struct conn *c, int kind, bool cookie);

/* net_channel_pop: constant-delay channel `which` (2 * population +
 * direction) delivers its head: the packet, the next head scheduled. */
struct packet *net_channel_pop(struct world *w, uint16_t which);

/* net_capture: the segment hook (a capture on the server's interface). */
void net_capture(struct world *w, const struct conn *c, int kind, bool cookie);

/* net_arrive: packet p reaches its end (freed here): the capture sees a
 * segment to the server, and the world hands the arrival to the host it
 * reached. */
static inline struct arrival net_arrive(struct world *w, struct packet *p)
{
	struct arrival a = {p->conn, p->kind, p->cookie};
	a.conn->rx_stamp = p->stamp;
	if (a.kind == PKT_SYNACK && a.conn->client_state == CLIENT_SYN_SENT)
		a.conn->synack_ts = p->sent; /* the SYN-ACK's TSval, if the client takes it */
	pool_put(&w->packets, p);
	w->live_packets--;
	a.conn->in_flight--;
	if (packet_to_server(a.kind) && w->hooks.segment)
		net_capture(w, a.conn, a.kind, a.cookie); /* seen arriving at the server */
	return a;
}

#endif
