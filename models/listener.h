/* listener.h: the server host's TCP for a listening socket (struct listener,
 * models/core.h), its SYN queue and its accept queue.
 *
 * The listener's decisions are pure functions (the verdicts below); the
 * functions after them are the kernel's receive and timer paths for a
 * listener and its requests and children, in the order of docs/kernels.md
 * "How the listener uses the rules", each rule with its kernel function;
 * every decision that depends on the generation goes through profile.h.  The
 * application above (server_app.c) never runs inside these paths: what a
 * segment woke (sk_data_ready) is returned, the world wakes the application,
 * and the application calls accept(), write and close().
 */
#ifndef TCPQSIM_LISTENER_H
#define TCPQSIM_LISTENER_H

#include <stdbool.h>
#include <stdint.h>

#include "models/counters.h"
#include "models/profile.h"
#include "models/scenario.h"
#include "models/trace.h"
#include "sim/clock.h"

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

struct conn;
struct listener;
struct world;

/* listener_init: a listener with N from the server spec. */
void listener_init(struct listener *l, uint16_t index, const struct kernel_rules *rules,
                   const struct server_sysctl *sysctl, long backlog);

/* What a segment woke (sk_data_ready): the listening socket (a child joined
 * the accept queue), the reader of the attempt's accepted child (its data
 * came); the caller wakes the application, data first. */
#define LISTENER_WAKE_ACCEPT 1u
#define LISTENER_WAKE_DATA 2u

/* listener_rcv: a client segment reaches the server host for attempt c
 * (tcp_v4_rcv): it goes to the function of the attempt's server-side state:
 * the listener alone (tcp_conn_request for a SYN, cookie_v4_check), its
 * request (tcp_check_req, tcp_v4_syn_recv_sock), its child.  Returns the
 * LISTENER_WAKE_ bits. */
unsigned listener_rcv(struct world *w, struct listener *l, struct conn *c, int pkt_kind);

/* listener_reqsk_timer: c's request timer fired (reqsk_timer_handler, or
 * the shared scan of inet_csk_reqsk_queue_prune). */
void listener_reqsk_timer(struct world *w, struct listener *l, struct conn *c);

/* listener_accept: accept() on l (inet_csk_accept): pops the head child, or
 * NULL. */
struct conn *listener_accept(struct world *w, struct listener *l);

/* listener_child_write: the application writes its first bytes on an
 * accepted child (tcp_sendmsg). */
void listener_child_write(struct world *w, struct conn *c);

/* listener_child_close: the application closes an accepted child
 * (tcp_close); `unread`: data it never read is left on the socket. */
void listener_child_close(struct world *w, struct listener *l, struct conn *c, bool unread);

/* listener_update_metrics: the child c ends after the application's close:
 * tcp_update_metrics on the server's entry for its peer. */
void listener_update_metrics(struct world *w, const struct listener *l, const struct conn *c);

/* listener_account: bring the queue-length integrals up to now. */
void listener_account(struct listener *l, sim_time_ns now);

/* listener_start_window: the statistics window starts now (end of the
 * warm-up): counters are measured from here, peaks and averages restart. */
void listener_start_window(struct listener *l, sim_time_ns now);

/* listener_check: the invariants above, counting requests through conns
 * passed by the world (for tests). */
bool listener_check(const struct listener *l);

#endif
