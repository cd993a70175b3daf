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
#include "models/trace.h"
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

/* ---- the listener's decisions, as pure functions ----------------------------
 *
 * Shaped like the kernel's syn_ack_recalc: the state the kernel reads goes in,
 * a verdict comes out (what to do, why, and which counters the decision
 * moves); listener.c only applies it.  Counters moved by the actions
 * themselves (TcpOutRsts by an RST sent, TcpPassiveOpens by a child queued)
 * are counted where those happen.  docs/kernels.md "How the listener uses the
 * rules". */

#define LISTENER_CTR(c) (UINT32_C(1) << CTR_##c)

/* what tcp_conn_request reads for a new SYN */
struct syn_state {
	uint32_t syn_queue, young, accept_queue; /* qlen, young, sk_ack_backlog */
	int n, msb;                              /* sk_max_ack_backlog, tcp_max_syn_backlog */
	int tcp_syncookies;                      /* 0, 1, 2 */
	bool peer_proven;                        /* tcp_peer_is_proven */
};

enum syn_action {
	SYN_QUEUE,  /* a request in the SYN queue, SYN-ACK sent (inet_csk_reqsk_queue_hash_add) */
	SYN_COOKIE, /* a cookie SYN-ACK, no state kept (cookie_v4_init_sequence) */
	SYN_DROP,   /* dropped (tcp_listendrop) */
};

struct syn_verdict {
	enum syn_action action;
	enum trace_reason reason;  /* why */
	bool passed_full_accept;   /* old kernels: the accept queue was full, young <= 1: let through */
	uint32_t counters;         /* LISTENER_CTR bits to count */
};

/* listener_syn_verdict: tcp_conn_request's answer to a SYN that finds no
 * request: SYN queue full (cookies or drop), accept queue full (young rule),
 * the 3/4-of-tcp_max_syn_backlog rule for unproven peers, else queue. */
struct syn_verdict listener_syn_verdict(const struct kernel_rules *r, const struct syn_state *s);

/* what tcp_check_req / cookie_v4_check read for a segment other than SYN
 * that is not for an established child */
struct ack_state {
	bool request;          /* it finds its request (SYN_RECV) */
	bool rst;              /* it is the client's RST */
	bool accept_full;      /* sk_acceptq_is_full */
	bool abort_on_overflow; /* tcp_abort_on_overflow=1 (or FreeBSD's refusal) */
	bool cookie_check;     /* syncookies on and an overflow within cookie_valid */
	bool cookie;           /* it answers a cookie SYN-ACK */
	bool cookie_too_old;   /* ... older than MAX_SYNCOOKIE_AGE */
};

enum ack_action {
	ACK_ESTABLISH,     /* the child joins the accept queue (from the request or a valid cookie) */
	ACK_KEEP_REQUEST,  /* dropped; the request stays (tcp_abort_on_overflow=0; its acked mark matters only to TCP_DEFER_ACCEPT, not modelled) */
	ACK_RESET_REQUEST, /* RST, the request dropped (embryonic_reset) */
	ACK_DROP_REQUEST,  /* the client's RST: the request dropped */
	ACK_DROP,          /* dropped, nothing remembered */
	ACK_IGNORE,        /* an RST for nothing */
	ACK_RESET,         /* RST: no request, no valid cookie (tcp_v4_send_reset) */
};

struct ack_verdict {
	enum ack_action action;
	enum trace_reason reason; /* why */
	bool cookie_failed;       /* a cookie check failed first (fail_reason) */
	enum trace_reason fail_reason;
	uint32_t counters;        /* LISTENER_CTR bits to count */
};

struct ack_verdict listener_ack_verdict(const struct ack_state *s);

/* listener_synack_expires: syn_ack_recalc: a request whose SYN-ACK timer
 * fired after num_timeout timeouts expires when num_timeout reaches the
 * retry limit (profile_synack_retry_limit), else its SYN-ACK is resent. */
bool listener_synack_expires(const struct kernel_rules *r, int synack_retries, int num_timeout, uint32_t qlen,
                             uint32_t young, int n, int msb);

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

/* listener_rcv: a client segment reaches the server host for attempt c
 * (tcp_v4_rcv): it goes to the function of the attempt's server-side state:
 * the listener alone (tcp_conn_request for a SYN, cookie_v4_check), its
 * request (tcp_check_req, tcp_v4_syn_recv_sock), its child. */
void listener_rcv(struct world *w, struct listener *l, struct conn *c, int pkt_kind);

/* listener_reqsk_timer: c's request timer fired (reqsk_timer_handler, or
 * the shared scan of inet_csk_reqsk_queue_prune). */
void listener_reqsk_timer(struct world *w, struct listener *l, struct conn *c);

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
