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

/* net_arrive: packet p reaches its end (freed here): the capture sees a
 * segment to the server, and the world hands the arrival to the host it
 * reached. */
struct arrival net_arrive(struct world *w, struct packet *p);

#endif
