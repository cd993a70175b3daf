/* core.h: what the model's parts share, and nothing else sees: the state of
 * a connect attempt at both ends (struct conn), a packet, a listening socket,
 * the world, the event kinds; and the services every part calls (core.c):
 * timers, the trace, an attempt's settling and release.  The parts
 * (client.c, network.c, listener.c, server_app.c, workload.c) sit on this;
 * world.c builds them and runs the loop above them.
 */
#ifndef TCPQSIM_CORE_H
#define TCPQSIM_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "models/counters.h"
#include "models/profile.h"
#include "models/records.h"
#include "models/scenario.h"
#include "models/trace.h"
#include "sim/event.h"
#include "sim/pool.h"
#include "sim/rng.h"

struct world;
struct listener;
struct server_app;

enum client_state {
	CLIENT_SYN_SENT,    /* connect() in progress */
	CLIENT_ESTABLISHED, /* connect() returned; waiting or holding */
	CLIENT_FIN_WAIT1,   /* FIN_WAIT1: the application closed, the FIN is out; the socket still answers SYN-ACKs */
	CLIENT_GONE,        /* no socket: anything from the server is answered with RST */
};

/* Laid out by heat: the first cache line (64 bytes) holds what nearly every
 * event of a connection reads or writes (its two busy timers, the states,
 * counts, RTO and most flags); the cold fields (written at a few transitions,
 * read when the attempt is recorded) come after.  The pool starts each conn
 * on a cache line. */
struct conn {
	/* hot: the first cache line */
	struct sim_event client_timer;    /* SYN or data retransmit, hold end */
	struct sim_event synack_timer;    /* server: the request's SYN-ACK timer */
	uint32_t in_flight;               /* packets of this conn in the network */
	uint16_t pop;                     /* client population */
	uint16_t listener;                /* SO_REUSEPORT listener it hashed to */
	uint8_t client_state;             /* enum client_state */
	uint8_t server_state;             /* enum server_state (listener.h) */
	uint8_t outcome;                  /* enum outcome (provisional until the client is done) */
	uint8_t syns;                     /* SYNs sent */
	uint8_t retransmits;              /* SYN or data retransmits so far */
	uint8_t num_timeout;              /* SYN-ACK timer expiries so far */
	uint8_t num_retrans;              /* SYN-ACKs resent so far */
	bool young;                       /* no SYN-ACK timeout yet */
	sim_time_ns rto;                  /* client's current retransmit timeout, ns */
	bool resolved;                    /* outcome final or connected-and-served */
	bool cookie_isn;                  /* the SYN-ACK the client took carried a cookie */
	bool request_acked;               /* request mode: server acknowledged the data */
	uint8_t app_try;                  /* application-level try number, from 0 */
	bool has_data;                    /* the server socket holds the request */
	bool responded;                   /* the server sent its first bytes */
	bool held;                        /* a worker holds the accepted child */
	/* the second line: warm */
	bool release_pending;             /* on the world's list of conns to look at */
	/* client after the handshake (docs/kernels.md "Client after the handshake") */
	uint8_t out_kind;                 /* the data or FIN segment outstanding (enum packet_kind) */
	uint8_t backoff;                  /* icsk_backoff: RTOs since the last valid RTT sample */
	bool probe_armed;                 /* client_timer is a tail loss probe, not the RTO */
	bool probe_out;                   /* a probe is outstanding (tlp_high_seq) */
	bool in_loss;                     /* an RTO fired (TCP_CA_Loss): no new probe */
	int32_t user;                     /* closed-loop user, -1 for none */
	sim_time_ns srtt;                 /* smoothed RTT, ns; 0 = no valid sample yet */
	sim_time_ns seg_at;               /* the outstanding segment was last sent, ns */
	sim_time_ns retrans_stamp;        /* its first RTO retransmit, ns */
	sim_time_ns rx_stamp;             /* TS echo of the segment being delivered, ns */
	/* cold: written at a few transitions, read when the attempt is recorded */
	struct sim_event client_deadline; /* connect timeout or read timeout */
	struct conn *aq_next;             /* listener's accept queue link */
	uint64_t id;                      /* attempt number, from 0 */
	sim_time_ns start;                /* first SYN sent, ns */
	sim_time_ns connect_at;           /* connect() returned, ns; -1 if not */
	sim_time_ns served_at;            /* first byte from the server, ns; -1 if not */
	sim_time_ns accepted_at;          /* accept() returned it, ns; -1 if not */
	sim_time_ns queued_at;            /* the child joined the accept queue, ns; -1 if not */
	sim_time_ns scan_phase;           /* old kernels: when the scan visits its bucket */
	sim_time_ns ts_recent;            /* TSval (send time) of the latest SYN seen, ns */
	sim_time_ns oow_at;               /* last SYN-ACK to a retransmitted SYN (last_oow_ack_time), ns; -1 none */
	sim_time_ns cookie_at;            /* the last cookie SYN-ACK was sent (its minute counter), ns */
	sim_time_ns synack_ts;            /* TSval of the SYN-ACK the client took (its ts_recent), ns */
	sim_time_ns user_started;         /* closed loop / app retry: first try started, ns */
	struct conn *live_prev, *live_next; /* world's list of live conns, by id */
};

struct packet {
	struct sim_event ev;  /* delivery (drawn delays) */
	struct packet *next;  /* next in a constant-delay channel */
	sim_time_ns due;      /* delivery time in a channel, ns */
	struct conn *conn;    /* owner (holds a reference: conn->in_flight) */
	uint8_t kind;         /* enum packet_kind */
	bool cookie;          /* SYN-ACK: the ISN is a syncookie */
	sim_time_ns stamp;    /* TS option: TSval of a client segment, TSecr of a SYN-ACK, ns */
	sim_time_ns sent;     /* sent at, ns (a SYN-ACK's own TSval) */
};


enum server_state {
	SERVER_NONE,         /* nothing on the server for this attempt */
	SERVER_REQUEST,      /* a request in the SYN queue (SYN_RECV) */
	SERVER_ACCEPT_QUEUE, /* a child in the accept queue */
	SERVER_ACCEPTED,     /* accept() returned it */
	SERVER_CLOSED,       /* the server closed it */
};

/* A listening socket.  Its SYN queue is a count (qlen, young) over the
 * requests living in their conns (server_state == SERVER_REQUEST); its accept
 * queue is a FIFO of conns whose child socket is established but not yet
 * accepted.  Invariant: syn_queue == number of conns in SERVER_REQUEST for
 * this listener, young <= syn_queue, accept_queue == length of the FIFO.
 * Counters are the server host's nstat counters (counters.h). */
struct listener {
	uint16_t index;           /* among SO_REUSEPORT listeners */
	int n;                    /* effective backlog N = min(backlog, somaxconn) */
	int msb;                  /* tcp_max_syn_backlog */
	const struct kernel_rules *rules;    /* server kernel (borrowed) */
	const struct server_sysctl *sysctl; /* server sysctls (borrowed) */
	uint32_t syn_queue;       /* qlen: requests */
	uint32_t young;           /* requests with no SYN-ACK timeout yet */
	uint32_t accept_queue;    /* children waiting for accept() */
	struct conn *aq_head, *aq_tail; /* accept queue FIFO */
	sim_time_ns last_overflow; /* last cookie sent (tcp_synq_overflow), ns */
	bool ever_overflowed;     /* a cookie was ever sent */
	uint64_t counters[LISTENER_COUNTER_COUNT];
	uint32_t max_syn_queue, max_accept_queue;
	sim_time_ns last_change;  /* time of the last queue-length change, ns */
	double syn_queue_area, accept_queue_area; /* integrals of the lengths, len*ns */
	uint32_t aq_high, sq_high; /* lengths at or above 90% of each queue's limit */
	sim_time_ns aq_high_time, sq_high_time; /* time spent at or above them, ns */
	uint64_t counters_base[LISTENER_COUNTER_COUNT]; /* counters at the end of the warm-up */
};


enum event_kind {
	EV_ARRIVAL = 1,      /* a population's next arrival (aux = population) */
	EV_USER,             /* a closed-loop user or an application retry starts a try */
	EV_PACKET,           /* a packet is delivered */
	EV_CLIENT_TIMER,     /* conn: SYN/data retransmit or hold end */
	EV_CLIENT_DEADLINE,  /* conn: connect or read timeout */
	EV_SYNACK_TIMER,     /* conn: request timer */
	EV_ACCEPT_TICK,      /* server application: rate tick or event-loop wake-up (aux = listener) */
	EV_STALL,            /* server application: stall start/end (aux = listener) */
	EV_WORKER_DONE,      /* server application: a worker's service time is over */
	EV_SAMPLE,           /* time-series tick */
	EV_CHANNEL,          /* the head of a constant-delay channel arrives (aux = 2*pop + dir, or
	                        2*SCENARIO_MAX_POPS + cpu) */
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
	struct channel cpu[SCENARIO_MAX_RX_CPUS]; /* server.receive: one FIFO per CPU */
	sim_time_ns cpu_free[SCENARIO_MAX_RX_CPUS]; /* when each CPU is done with its last segment, ns */
	struct rng_stream server_rng;  /* scan phases */
	struct rng_stream hash_rng;    /* SO_REUSEPORT */
	struct rng_stream *service_rng; /* per listener */
	struct pool conns;             /* struct conn */
	struct pool packets;           /* struct packet */
	struct conn live;              /* sentinel of the live list (by id) */
	struct listener *listeners;
	struct server_app *apps;       /* the application on each listener */
	uint32_t n_listeners;
	uint64_t next_id;              /* next attempt id */
	uint64_t unresolved;           /* attempts whose outcome is not settled */
	bool arrivals_done;            /* duration passed: no new requests */
	bool done;                     /* stop the loop */
	int status;                    /* 0, or -1 after an allocation failure */
	sim_time_ns server_crtt[SCENARIO_MAX_POPS]; /* server host's tcp_metrics: RTT cached for the population, ns */
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

/* ---- the services (core.c) ---- */

/* world_trace: one trace record (TRACE below) */
void world_trace(struct world *w, const struct conn *c, const struct listener *l, const char *what, int kind,
                 enum trace_reason reason);
/* world_touch: c's state changed: after the current event, free it if both
 * ends are done (deferred, so no handler ever sees a freed conn) */
int world_touch_grow(struct world *w);
static inline void world_touch(struct world *w, struct conn *c)
{
	if (c->release_pending || (w->n_touched == w->cap_touched && world_touch_grow(w) < 0))
		return;
	c->release_pending = true;
	w->touched[w->n_touched++] = c;
}
void world_resolve(struct world *w, struct conn *c);
/* world_set_outcome: change c's outcome and settle it (fixes the running tallies) */
void world_set_outcome(struct world *w, struct conn *c, enum outcome o);
void world_fail(struct world *w); /* out of memory: stop */
/* world_schedule: sim_queue_schedule, the run stopped when out of memory */
static inline void world_schedule(struct world *w, struct sim_event *ev, sim_time_ns t)
{
	if (sim_queue_schedule(&w->q, ev, t) < 0)
		world_fail(w);
}

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

static inline void world_schedule_lane(struct world *w, struct sim_event *ev, sim_time_ns t, uint64_t key)
{
	if (sim_queue_schedule_lane(&w->q, ev, t, key) < 0)
		world_fail(w);
}

static inline struct listener *world_listener_of(struct world *w, const struct conn *c)
{
	return &w->listeners[c->listener];
}

static inline const struct client_pop *world_pop_of(const struct world *w, const struct conn *c)
{
	return &w->s->pops[c->pop];
}

/* world_metrics_rtt: the RTT cached in the tcp_metrics entry a side of a
 * population's connections uses (0: none): each host keeps its own, except
 * on loopback (network.loopback) where client and server share one */
static inline sim_time_ns *world_metrics_rtt(struct world *w, uint32_t pop, bool server)
{
	return server && !w->s->pops[pop].path.loopback ? &w->server_crtt[pop] : &w->client_crtt[pop];
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
