/* trace.h: what a trace record says, typed.
 *
 * Every record names the side that acted, the segment it concerns (its kind
 * and so its direction) and a reason from one list, the way the kernel's
 * include/net/dropreason.h lists drop reasons.  The list is
 * X(id, side, kernel function, text); the text is the `why` of trace.jsonl
 * (NULL: none).  A reason's side is who acted; TS_SENDER means the sender of
 * the segment (send events).  Readers (explain, watch, stories) read these
 * fields and never parse the text.
 */
#ifndef TCPQSIM_TRACE_H
#define TCPQSIM_TRACE_H

#include <stdbool.h>

enum packet_kind {
	PKT_SYN,       /* client -> server */
	PKT_ACK,       /* client -> server, completes the handshake */
	PKT_DATA,      /* client -> server, a request (also acts as ACK) */
	PKT_FIN,       /* client -> server, close (also acts as ACK) */
	PKT_RST_C,     /* client -> server */
	PKT_SYNACK,    /* server -> client */
	PKT_RST_S,     /* server -> client */
	PKT_DATA_S,    /* server -> client: greeting or response */
	PKT_DATA_ACK,  /* server -> client: acknowledges the request */
	PKT_KIND_COUNT
};

const char *packet_name(enum packet_kind k);

/* packet_to_server: does a segment of this kind go client -> server? */
static inline bool packet_to_server(int kind)
{
	return kind <= PKT_RST_C;
}

enum trace_side {
	TS_CLIENT,  /* the client host (its socket or application) */
	TS_SERVER,  /* the server host (listener, child socket, application) */
	TS_NETWORK, /* the path between them */
	TS_SENDER,  /* (in the list only) the sender of the record's segment */
};

enum trace_dir {
	TD_NONE, /* the record is about no segment */
	TD_C2S,  /* client to server */
	TD_S2C,  /* server to client */
};

#define TRACE_REASON_LIST(X)                                                                                     \
	/* the network (network.c) */                                                                            \
	X(SEND, TS_SENDER, NULL, NULL)                                                                           \
	X(SEND_COOKIE, TS_SENDER, "cookie_v4_init_sequence", "syncookie")                                        \
	X(LOST_TO_SERVER, TS_NETWORK, NULL, "network loss to the server")                                       \
	X(LOST_TO_CLIENT, TS_NETWORK, NULL, "network loss to the client")                                       \
	X(LOST_FAULT, TS_NETWORK, NULL, "a fault on the path (scenario faults)")                                \
	/* the client (client.c) */                                                                              \
	X(CONNECT, TS_CLIENT, "tcp_v4_connect", NULL)                                                            \
	X(CONNECTED, TS_CLIENT, "tcp_rcv_synsent_state_process",                                                 \
	  "connect() returns on the SYN-ACK (tcp_rcv_synsent_state_process)")                                    \
	X(SYN_RTO, TS_CLIENT, "tcp_retransmit_timer", "SYN timeout: retransmit (tcp_retransmit_timer)")          \
	X(SYN_TIMEDOUT, TS_CLIENT, "tcp_write_timeout", "SYN retries ran out: ETIMEDOUT (tcp_write_timeout)")    \
	X(CONNECT_TIMEOUT, TS_CLIENT, NULL, "the application's connect timeout")                                \
	X(REFUSED, TS_CLIENT, "tcp_reset", "RST while connecting: ECONNREFUSED")                                 \
	X(SPOOFED, TS_CLIENT, NULL, "spoofed source address: nobody answers")                                   \
	X(DUP_SYNACK, TS_CLIENT, "tcp_send_dupack", "duplicate SYN-ACK: the client ACKs it again")              \
	X(SYNACK_NO_SOCKET, TS_CLIENT, "tcp_v4_send_reset", "no socket: answered with RST")                      \
	X(CONN_RESET, TS_CLIENT, "tcp_reset", "ECONNRESET after connect")                                        \
	X(SERVED, TS_CLIENT, NULL, "the server's first bytes arrived")                                          \
	X(LOSS_PROBE, TS_CLIENT, "tcp_send_loss_probe",                                                          \
	  "tail loss probe: the last segment again (tcp_send_loss_probe)")                                       \
	X(DATA_RTO, TS_CLIENT, "tcp_retransmit_timer", "RTO: retransmit, the RTO doubles (tcp_retransmit_timer)") \
	X(DATA_TIMEDOUT, TS_CLIENT, "tcp_write_timeout",                                                         \
	  "data retransmits ran out: ETIMEDOUT (tcp_write_timeout, tcp_retries2)")                               \
	X(ORPHAN_EXPIRED, TS_CLIENT, "tcp_write_timeout",                                                        \
	  "orphan retries ran out by time: gone without RST (tcp_write_timeout, tcp_orphan_retries)")            \
	X(READ_TIMEOUT, TS_CLIENT, NULL, "read timeout: the server did not speak")                              \
	X(CLIENT_CLOSE, TS_CLIENT, "tcp_close", "the application closed the connection (tcp_close)")             \
	/* the listener (listener.c) */                                                                          \
	X(SYN_RATELIMITED, TS_SERVER, "tcp_oow_rate_limited",                                                    \
	  "retransmitted SYN within tcp_invalid_ratelimit: no SYN-ACK (tcp_oow_rate_limited)")                   \
	X(SYN_FINDS_REQUEST, TS_SERVER, "tcp_check_req",                                                         \
	  "retransmitted SYN finds its request: SYN-ACK again (tcp_check_req)")                                  \
	X(SYN_STALE, TS_SERVER, NULL, "stale SYN for an established connection: ignored")                       \
	X(SYNQ_FULL_NO_COOKIES, TS_SERVER, "inet_csk_reqsk_queue_is_full",                                       \
	  "SYN queue full, cookies off (inet_csk_reqsk_queue_is_full)")                                          \
	X(ACCEPTQ_FULL_SYN, TS_SERVER, "sk_acceptq_is_full",                                                     \
	  "accept queue full (sk_acceptq_is_full in tcp_conn_request)")                                          \
	X(ACCEPTQ_FULL_YOUNG, TS_SERVER, "inet_csk_reqsk_queue_young",                                           \
	  "accept queue full and young > 1 (inet_csk_reqsk_queue_young)")                                        \
	X(ACCEPTQ_FULL_PASS, TS_SERVER, "tcp_conn_request", "accept queue full but young <= 1: answered (old kernels)") \
	X(UNPROVEN_PEER, TS_SERVER, "tcp_peer_is_proven",                                                        \
	  "over 3/4 of tcp_max_syn_backlog, peer unproven (tcp_peer_is_proven)")                                 \
	X(COOKIE_ALWAYS, TS_SERVER, "tcp_syn_flood_action", "tcp_syncookies=2: always cookies")                  \
	X(COOKIE_SYNQ_FULL, TS_SERVER, "tcp_syn_flood_action", "SYN queue full: syncookie, no state kept")       \
	X(REQUEST_QUEUED, TS_SERVER, "inet_csk_reqsk_queue_hash_add",                                            \
	  "request queued, SYN_RECV (inet_csk_reqsk_queue_hash_add)")                                            \
	X(ACK_OVERFLOW_RST, TS_SERVER, "tcp_check_req", "accept queue full, tcp_abort_on_overflow=1: RST (tcp_check_req)") \
	X(ACK_OVERFLOW_DROP, TS_SERVER, "tcp_v4_syn_recv_sock",                                                  \
	  "accept queue full: ACK dropped, request kept (tcp_abort_on_overflow=0)")                              \
	X(CHILD_QUEUED, TS_SERVER, "inet_csk_complete_hashdance",                                                \
	  "child joins the accept queue (inet_csk_complete_hashdance)")                                          \
	X(REQUEST_RST, TS_SERVER, "tcp_check_req", "RST for a request: request dropped (tcp_check_req embryonic_reset)") \
	X(CHILD_FIN, TS_SERVER, NULL, "client closed: the child keeps its slot (CLOSE_WAIT)")                   \
	X(ABORT_ON_DATA, TS_SERVER, "tcp_rcv_state_process",                                                     \
	  "data for a socket the application closed: RST (TCPAbortOnData)")                                      \
	X(COOKIE_TOO_OLD, TS_SERVER, "check_tcp_syn_cookie",                                                     \
	  "cookie older than MAX_SYNCOOKIE_AGE minutes (check_tcp_syn_cookie): SyncookiesFailed")                \
	X(COOKIE_ACK_OVERFLOW, TS_SERVER, "tcp_get_cookie_sock",                                                 \
	  "cookie ACK, accept queue full: dropped, nothing remembered (tcp_get_cookie_sock)")                    \
	X(COOKIE_VALID, TS_SERVER, "cookie_v4_check", "valid syncookie: child joins the accept queue (cookie_v4_check)") \
	X(COOKIE_INVALID, TS_SERVER, "cookie_v4_check", "no request and not a valid cookie (SyncookiesFailed)")  \
	X(NO_REQUEST_RST, TS_SERVER, "tcp_v4_send_reset", "no request for this ACK: RST (tcp_v4_send_reset)")    \
	X(REQUEST_EXPIRED, TS_SERVER, "syn_ack_recalc",                                                          \
	  "SYN-ACK retries ran out: request dropped silently (syn_ack_recalc)")                                  \
	X(SYNACK_RTO_SCAN, TS_SERVER, "inet_csk_reqsk_queue_prune",                                              \
	  "SYN-ACK timeout: resend (inet_csk_reqsk_queue_prune)")                                                \
	X(SYNACK_RTO, TS_SERVER, "reqsk_timer_handler", "SYN-ACK timeout: resend (reqsk_timer_handler)")         \
	X(ACCEPTED, TS_SERVER, "inet_csk_accept", "accept() takes the head of the accept queue")                 \
	X(ABORT_ON_CLOSE, TS_SERVER, "tcp_close", "closed with unread data: RST (tcp_close, TCPAbortOnClose)")    \
	X(SERVER_CLOSE, TS_SERVER, "tcp_close", "the application closed the connection")                        \
	/* the application on the listener (acceptor.c) */                                                       \
	X(STALL, TS_SERVER, NULL, "the application stops accepting")                                            \
	X(RESUME, TS_SERVER, NULL, "the application accepts again")

enum trace_reason {
#define X(id, side, kfn, text) TR_##id,
	TRACE_REASON_LIST(X)
#undef X
	TRACE_REASON_COUNT
};

/* trace_reason_text: the `why` (NULL for none); trace_reason_function: the
 * kernel function (NULL when the rule is the simulator's or the
 * application's); trace_reason_side: who acted (TS_SENDER: the sender). */
const char *trace_reason_text(enum trace_reason r);
const char *trace_reason_function(enum trace_reason r);
enum trace_side trace_reason_side(enum trace_reason r);

/* trace_side_name: "client", "server", "network"; trace_dir_name: "c2s",
 * "s2c", or NULL for none. */
const char *trace_side_name(enum trace_side s);
const char *trace_dir_name(enum trace_dir d);

#endif
