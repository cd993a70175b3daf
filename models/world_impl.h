/* world_impl.h: the inside of struct world, shared by the model modules
 * (client.c, network.c, listener.c, acceptor.c, workload.c, world.c) and by
 * nothing else. */
#ifndef TCPQSIM_WORLD_IMPL_H
#define TCPQSIM_WORLD_IMPL_H

#include "models/world.h"

enum event_kind {
	EV_ARRIVAL = 1,      /* a population's next arrival (aux = population) */
	EV_USER,             /* a closed-loop user or an application retry starts a try */
	EV_PACKET,           /* a packet is delivered */
	EV_CLIENT_TIMER,     /* conn: SYN/data retransmit or hold end */
	EV_CLIENT_DEADLINE,  /* conn: connect or read timeout */
	EV_SYNACK_TIMER,     /* conn: request timer */
	EV_ACCEPT_TICK,      /* acceptor: rate tick or event-loop wake-up (aux = listener) */
	EV_STALL,            /* acceptor: stall start/end (aux = listener) */
	EV_WORKER_DONE,      /* worker: service time over */
	EV_SAMPLE,           /* time-series tick */
	EV_CHANNEL,          /* the head of a constant-delay channel arrives (aux = 2*pop + dir) */
	EV_END,              /* the drain cap */
	EV_SNAPSHOT,         /* the next snapshot time */
	EV_WARMUP,           /* the warm-up ends: the statistics window starts */
};

/* stream ids (rng_derive_seed): one stream per source */
enum {
	STREAM_ARRIVAL = 100,  /* + population */
	STREAM_NETWORK = 200,  /* + population */
	STREAM_CLIENT = 300,   /* + population: hold, think, backoff */
	STREAM_SERVICE = 400,  /* + listener */
	STREAM_SERVER = 500,   /* scan phases */
	STREAM_HASH = 600,     /* SO_REUSEPORT spreading */
};

/* A closed-loop user, or the slot that starts an application retry. */
struct user {
	struct sim_event ev;   /* next try starts */
	uint32_t pop;          /* population */
	uint32_t index;        /* user number */
	uint32_t app_try;      /* try number of the pending start */
	sim_time_ns started;   /* first try of the current request, ns */
};

/* A constant-delay path delivers in send order: its packets wait in a FIFO
 * and only the head is in the event queue. */
struct channel {
	struct sim_event ev;   /* the head's delivery */
	struct packet *head, *tail;
};

struct pop_state {
	struct channel chan[2];      /* to the server [0], to the client [1] */
	struct sim_event arrival;    /* next open-loop arrival */
	struct rng_stream arrivals;  /* arrival times */
	struct rng_stream network;   /* delays and losses on this path */
	struct rng_stream client;    /* hold, think and backoff draws */
	struct user *users;          /* closed loop: one per user */
	uint32_t n_users;
	uint64_t next_index;         /* replay: next time; burst: round */
	struct pool retry_pool;      /* open-loop application retries (struct user) */
};

struct world {
	const struct scenario *s;
	struct world_hooks hooks;
	struct sim_queue q;
	struct pop_state pops[SCENARIO_MAX_POPS];
	struct rng_stream server_rng;  /* scan phases */
	struct rng_stream hash_rng;    /* SO_REUSEPORT */
	struct rng_stream *service_rng; /* per listener */
	struct pool conns;             /* struct conn */
	struct pool packets;           /* struct packet */
	struct conn live;              /* sentinel of the live list (by id) */
	struct listener *listeners;
	uint32_t n_listeners;
	uint64_t next_id;              /* next attempt id */
	uint64_t unresolved;           /* attempts whose outcome is not settled */
	bool arrivals_done;            /* duration passed: no new requests */
	bool done;                     /* stop the loop */
	int status;                    /* 0, or -1 after an allocation failure */
	bool proven[SCENARIO_MAX_POPS]; /* server host's tcp_metrics: an RTT cached for the population's address */
	sim_time_ns client_crtt[SCENARIO_MAX_POPS]; /* client host's tcp_metrics: RTT cached for the server, ns */
	uint64_t client_syn_sent;      /* client sockets in SYN_SENT */
	uint64_t client_established;   /* client sockets that believe they are connected */
	uint64_t live_conns;
	uint64_t live_packets;
	struct sim_event end_ev;
	struct sim_event snapshot_ev;
	struct sim_event warmup_ev;
	sim_time_ns window_start;      /* start of the statistics window, ns */
	size_t next_snapshot;
	struct sim_event sample_ev;
	sim_time_ns next_sample;       /* when sample_ev is (or was last) due, ns */
	struct conn **touched;         /* conns to look at after this event */
	size_t n_touched, cap_touched;
	uint64_t settled[OUTCOME_COUNT]; /* attempts settled so far, by outcome (time series) */
	struct world_results res;
};

/* client.c */
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

/* network.c */
void net_send(struct world *w, struct conn *c, int kind, bool cookie);
void net_on_deliver(struct world *w, struct packet *p);
void net_on_channel(struct world *w, uint16_t which);
void net_init(struct world *w);

/* workload.c */
void workload_start(struct world *w);
void workload_on_arrival(struct world *w, uint32_t pop);

/* world.c */
void world_trace(struct world *w, const struct conn *c, const struct listener *l, const char *what, int kind,
                 enum trace_reason reason);
/* world_touch: c's state changed: after the current event, free it if both
 * ends are done (deferred, so no handler ever sees a freed conn) */
void world_touch(struct world *w, struct conn *c);
void world_resolve(struct world *w, struct conn *c);
/* world_set_outcome: change c's outcome and settle it (fixes the running tallies) */
void world_set_outcome(struct world *w, struct conn *c, enum outcome o);
void world_fail(struct world *w); /* out of memory: stop */
void world_schedule(struct world *w, struct sim_event *ev, sim_time_ns t);

/* Timers of one kind with one fixed delay fire in the order they are armed:
 * they share a FIFO lane of the event queue (sim_queue_schedule_lane).  The
 * key names the kind (site), who arms it (population or listener, whose
 * rules round the time) and the delay. */
enum lane_site {
	LANE_SYN_RTO = 1,     /* client SYN timer: profile_timer_fire(now, rto) */
	LANE_CONNECT_TIMEOUT, /* application connect timeout: now + d */
	LANE_HOLD,            /* constant holding time: now + d */
	LANE_DATA_RTO,        /* client data retransmit: profile_timer_fire(now, rto) */
	LANE_READ_TIMEOUT,    /* read timeout: now + d */
	LANE_SYNACK,          /* per-request SYN-ACK timer: profile_timer_fire(now, d) */
	LANE_SERVICE,         /* constant service time: now + d */
	LANE_PROBE,           /* client tail loss probe: profile_timer_fire(now, pto) */
	LANE_HOLD_WRITE,      /* constant holding time of a client that wrote: now + d (client_deadline) */
};

static inline uint64_t lane_key(enum lane_site site, uint32_t who, sim_time_ns delay)
{
	return ((uint64_t)site << 56) | ((uint64_t)(who & 0xff) << 48) | ((uint64_t)delay & ((1ULL << 48) - 1));
}

void world_schedule_lane(struct world *w, struct sim_event *ev, sim_time_ns t, uint64_t key);

static inline struct listener *world_listener_of(struct world *w, const struct conn *c)
{
	return &w->listeners[c->listener];
}

static inline const struct client_pop *world_pop_of(const struct world *w, const struct conn *c)
{
	return &w->s->pops[c->pop];
}

/* TRACE: one record of the typed trace: the event kind, the segment's enum
 * packet_kind (PKT_NONE for none) and the reason (TR_ id of models/trace.h,
 * which says who acted) */
#define PKT_NONE (-1)
#define TRACE(w, c, l, what, kind, reason)                       \
	do {                                                         \
		if ((w)->hooks.trace)                                    \
			world_trace((w), (c), (l), (what), (kind), (reason)); \
	} while (0)

#endif
