/* client.h: the connecting side (client.c): the client host's TCP and the
 * client application, as the world calls them. */
#ifndef TCPQSIM_CLIENT_H
#define TCPQSIM_CLIENT_H

#include "models/core.h"

/* client_connect: connect() of a new attempt (tcp_v4_connect) */
void client_connect(struct world *w, uint32_t pop, int32_t user, uint32_t app_try, sim_time_ns started);
/* client_rcv: a segment from the server reaches the client host */
void client_rcv(struct world *w, struct conn *c, int kind, bool cookie);
/* client_write_timer: client_timer fired (tcp_write_timer: SYN or data
 * retransmit, loss probe; or the holding time of a served client) */
void client_write_timer(struct world *w, struct conn *c);
/* client_app_timer: client_deadline fired (connect or read timeout, a
 * writer's holding time) */
void client_app_timer(struct world *w, struct conn *c);
/* client_user_try: a closed-loop user's try or an application retry starts */
void client_user_try(struct world *w, struct user *u);

#endif
