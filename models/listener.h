/* listener.h: a listening socket, its SYN queue and its accept queue.
 *
 * The SYN queue is a count (qlen, young) over the requests living in their
 * conns (conn->server_state == SERVER_REQUEST); the accept queue is a FIFO of
 * conns whose child socket is established but not yet accepted.  The
 * functions below are the kernel's receive paths for a listener, in
 * the order of docs/kernels.md "How the listener uses the rules", each rule with its kernel function; every decision that
 * depends on the generation goes through profile.h.  Counters are the server
 * host's nstat counters.  Invariant: syn_queue == number of conns in
 * SERVER_REQUEST for this listener, young <= syn_queue, accept_queue == length
 * of the FIFO.
 */
#ifndef TCPQSIM_LISTENER_H
#define TCPQSIM_LISTENER_H

#include <stdbool.h>
#include <stdint.h>

#include "models/acceptor.h"
#include "models/profile.h"
#include "sim/clock.h"

/* nstat name, netstat -s phrase ("%" is the count) */
#define LISTENER_COUNTER_LIST(X)                                                   \
	X(ListenOverflows, "TcpExtListenOverflows", "% times the listen queue of a socket overflowed") \
	X(ListenDrops, "TcpExtListenDrops", "% SYNs to LISTEN sockets dropped")           \
	X(TCPReqQFullDrop, "TcpExtTCPReqQFullDrop", "TCPReqQFullDrop: %")                \
	X(TCPReqQFullDoCookies, "TcpExtTCPReqQFullDoCookies", "TCPReqQFullDoCookies: %")  \
	X(SyncookiesSent, "TcpExtSyncookiesSent", "% SYN cookies sent")                  \
	X(SyncookiesRecv, "TcpExtSyncookiesRecv", "% SYN cookies received")              \
	X(SyncookiesFailed, "TcpExtSyncookiesFailed", "% invalid SYN cookies received")  \
	X(EmbryonicRsts, "TcpExtEmbryonicRsts", "% resets received for embryonic SYN_RECV sockets") \
	X(TcpPassiveOpens, "TcpPassiveOpens", "% passive connection openings")           \
	X(TCPSynRetrans, "TcpExtTCPSynRetrans", "TCPSynRetrans: %")                      \
	X(TcpOutRsts, "TcpOutRsts", "% resets sent")

enum listener_counter {
#define X(id, nstat, phrase) CTR_##id,
	LISTENER_COUNTER_LIST(X)
#undef X
	LISTENER_COUNTER_COUNT
};

/* counter_name: the short name (ListenOverflows); counter_nstat_name: as
 * nstat prints it (TcpExtListenOverflows); counter_netstat_phrase: netstat -s's
 * line with % where the number goes. */
const char *counter_name(enum listener_counter c);
const char *counter_nstat_name(enum listener_counter c);
const char *counter_netstat_phrase(enum listener_counter c);

enum server_state {
	SERVER_NONE,         /* nothing on the server for this attempt */
	SERVER_REQUEST,      /* a request in the SYN queue (SYN_RECV) */
	SERVER_ACCEPT_QUEUE, /* a child in the accept queue */
	SERVER_ACCEPTED,     /* accept() returned it */
	SERVER_CLOSED,       /* the server closed it */
};

struct conn;
struct world;

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
	struct acceptor acceptor; /* the application on this listener */
};

/* listener_init: a listener with N from the server spec. */
void listener_init(struct listener *l, uint16_t index, const struct kernel_rules *rules,
                   const struct server_sysctl *sysctl, long backlog);

/* listener_on_syn: a SYN from c arrived (tcp_conn_request; a retransmitted
 * SYN for a queued request goes to tcp_check_req). */
void listener_on_syn(struct world *w, struct listener *l, struct conn *c);

/* listener_on_segment: a client segment other than SYN (ACK, data, FIN, RST)
 * arrived for c (tcp_check_req / cookie_v4_check / tcp_v4_syn_recv_sock). */
void listener_on_segment(struct world *w, struct listener *l, struct conn *c, int pkt_kind);

/* listener_on_synack_timer: c's request timer fired (reqsk_timer_handler, or
 * the shared scan of inet_csk_reqsk_queue_prune). */
void listener_on_synack_timer(struct world *w, struct listener *l, struct conn *c);

/* listener_accept: accept() on l: pops the head child, or NULL. */
struct conn *listener_accept(struct world *w, struct listener *l);

/* listener_server_close: the application closed an accepted child. */
void listener_server_close(struct world *w, struct listener *l, struct conn *c);

/* listener_account: bring the queue-length integrals up to now. */
void listener_account(struct listener *l, sim_time_ns now);

/* listener_start_window: the statistics window starts now (end of the
 * warm-up): counters are measured from here, peaks and averages restart. */
void listener_start_window(struct listener *l, sim_time_ns now);

/* listener_check: the invariants above, counting requests through conns
 * passed by the world (for tests). */
bool listener_check(const struct listener *l);

#endif
