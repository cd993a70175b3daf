/* records.h: what a run reports (world.h): how attempts end, the records
 * the hooks receive (attempts, trace lines, segments, samples, snapshots),
 * the hooks themselves, and the results. */
#ifndef TCPQSIM_RECORDS_H
#define TCPQSIM_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/counters.h"
#include "models/scenario.h"
#include "models/trace.h"
#include "sim/clock.h"
#include "sim/hist.h"

/* Outcomes partition the attempts (the client's view). */
#define OUTCOME_LIST(X)                                                           \
	X(CONNECTED, "connected", "connect() succeeded and nothing failed after")   \
	X(TIMED_OUT, "timed_out", "connect() failed with ETIMEDOUT: SYN retries ran out") \
	X(REFUSED, "refused", "connect() failed with ECONNREFUSED: RST while connecting") \
	X(CONNECT_TIMEOUT, "connect_timeout", "the application's connect timeout fired first") \
	X(RESET_AFTER_CONNECT, "reset_after_connect", "connected, then ECONNRESET (the server reset it)") \
	X(READ_TIMEOUT, "read_timeout", "connected, but the server's first bytes did not come in time") \
	X(TIMED_OUT_AFTER_CONNECT, "timed_out_after_connect", "connected, then ETIMEDOUT: data retransmits ran out") \
	X(IN_PROGRESS, "in_progress", "still connecting or waiting for the server at the end of the run")

enum outcome {
#define X(id, name, text) OUTCOME_##id,
	OUTCOME_LIST(X)
#undef X
	OUTCOME_COUNT
};

const char *outcome_name(enum outcome o);
const char *outcome_text(enum outcome o);

#define WORLD_MAX_SYNS 32 /* connected_by_syns slots; later SYNs share the last */

/* One segment where a capture on the server's interface sees it: a segment
 * to the server when it arrives there (one lost on the way is never seen), a
 * segment from the server when it leaves.  models/wire.h turns it into
 * headers. */
struct segment_rec {
	sim_time_ns t;            /* ns */
	sim_time_ns conn_start;   /* the attempt's first SYN, ns */
	uint64_t conn;            /* attempt id */
	uint32_t pop;             /* client population */
	uint32_t listener;
	uint8_t kind;             /* enum packet_kind */
	bool cookie;              /* SYN-ACK: its ISN is a syncookie */
};

/* What one finished attempt looked like (attempts.jsonl). */
struct attempt_rec {
	uint64_t id;
	uint32_t pop;
	uint32_t listener;
	uint32_t syns;            /* SYNs sent */
	uint32_t app_try;         /* application-level try, from 0 */
	enum outcome outcome;
	sim_time_ns start;        /* ns */
	sim_time_ns request_start; /* the user's first try of this request (application retries), ns */
	sim_time_ns connect_at;   /* ns, -1 */
	sim_time_ns served_at;    /* ns, -1 */
	sim_time_ns accepted_at;  /* ns, -1 */
	sim_time_ns queued_at;    /* the child joined the accept queue, ns, -1 */
	sim_time_ns end;          /* client done (or end of run), ns */
	bool cookie;              /* connected through a syncookie */
	bool counted;             /* inside the statistics window (after warm-up) */
};

/* One trace line: what happened to which packet or connection, and why. */
struct trace_rec {
	sim_time_ns t;            /* ns */
	uint64_t conn;            /* attempt id */
	uint32_t listener;
	const char *what;         /* "send", "deliver", "lost", "drop", "queue", "accept", "expire", ... */
	enum trace_side side;     /* who acted (TS_CLIENT, TS_SERVER, TS_NETWORK) */
	enum trace_dir dir;       /* the segment's way, TD_NONE without one */
	int kind;                 /* the segment's enum packet_kind, -1 without one */
	enum trace_reason reason; /* why (models/trace.h) */
	const char *pkt;          /* packet_name(kind), or NULL */
	const char *why;          /* trace_reason_text(reason): the rule and the kernel function, or NULL */
	uint32_t syn_queue;       /* after the event */
	uint32_t accept_queue;    /* after the event */
	uint32_t young;           /* young requests in the SYN queue, after the event */
};

/* A time-series sample (all listeners summed). */
struct sample_rec {
	sim_time_ns t;
	uint32_t syn_queue, accept_queue;
	uint64_t counters[LISTENER_COUNTER_COUNT];
	uint64_t outcomes[OUTCOME_COUNT]; /* attempts finished so far, by outcome */
	uint64_t client_established;      /* clients that believe they are connected */
	uint64_t client_syn_sent;         /* clients still connecting */
};

/* The sockets at one moment, as ss and netstat would show them. */
struct snapshot_listener {
	uint32_t syn_queue;          /* requests (SYN_RECV) */
	uint32_t accept_queue;       /* ss -lnt Recv-Q on a LISTEN socket */
	int backlog;                 /* ss -lnt Send-Q: the effective backlog N */
	uint64_t counters[LISTENER_COUNTER_COUNT];
};

struct world_snapshot {
	sim_time_ns t;
	sim_time_ns ended_at; /* -1; or the run ended at this time, before t: the view is its final state */
	uint32_t n_listeners;
	const struct snapshot_listener *listeners;
	/* client sockets by state (netstat -tn on the client host) */
	uint64_t client_syn_sent, client_established, client_fin_wait;
	/* server sockets by state (netstat -tn on the server host) */
	uint64_t server_syn_recv;    /* requests */
	uint64_t server_established; /* children, queued or accepted, client still open */
	uint64_t server_close_wait;  /* children whose client has closed */
	uint64_t outcomes[OUTCOME_COUNT]; /* attempts settled so far */
	/* the requests in the SYN queues (ss -nt state syn-recv), in attempt
	 * order, at most WORLD_SNAPSHOT_REQUESTS of them */
	const struct snapshot_request *requests;
	size_t n_requests;
};

#define WORLD_SNAPSHOT_REQUESTS 1024

struct snapshot_request {
	uint64_t conn;      /* attempt id */
	uint32_t pop;       /* client population */
	uint32_t listener;
};

struct world_hooks {
	void *ctx;
	void (*attempt)(void *ctx, const struct attempt_rec *r);
	void (*trace)(void *ctx, const struct trace_rec *r);
	void (*sample)(void *ctx, const struct sample_rec *r);
	/* every segment, as a capture on the server's interface sees it */
	void (*segment)(void *ctx, const struct segment_rec *r);
	/* snapshots at the given times (sorted, ns), e.g. for --ss-at */
	void (*snapshot)(void *ctx, const struct world_snapshot *s);
	const sim_time_ns *snapshot_times;
	size_t n_snapshots;
	/* tcpsynbl: the accept-queue length each arriving SYN sees (SYN copies,
	 * spoofed ones included), counted in syn_seen[min(len, max - 1)] */
	uint64_t *syn_seen;
	size_t syn_seen_max;
	/* called every few thousand events with the simulated time (for a
	 * progress line); NULL for none */
	void (*progress)(void *ctx, sim_time_ns now);
};

/* One client population's share of the results (its counted attempts). */
struct pop_results {
	uint64_t attempts;                  /* in the window */
	uint64_t outcomes[OUTCOME_COUNT];
	struct hist connect_time;           /* ns, first SYN to connect() */
	struct hist accept_wait;            /* ns, accept queue to accept() */
	struct hist first_byte;             /* ns, first SYN to the server's first byte */
	struct hist request_time;           /* ns, request's first try to what the user waits for */
};

struct world_results {
	uint64_t attempts;                          /* in the window */
	uint64_t outcomes[OUTCOME_COUNT];
	uint64_t connected_by_syns[WORLD_MAX_SYNS]; /* [k]: connected on SYN k+1 */
	uint64_t app_tries;                         /* application-level retries made */
	struct hist connect_time;                   /* ns, connected attempts */
	struct fixed_hist connect_time_bins;        /* ns bins of scenario hist_bin */
	struct hist accept_gap;                     /* ns from connect() to accept() */
	struct hist accept_wait;                    /* ns from joining the accept queue to accept() */
	struct hist first_byte;                     /* ns from the first SYN to the server's first byte at the client */
	struct hist request_time;                   /* ns from a request's first try (application retries) to the
	                                               server's first byte (request, greeting) or connect() (hold) */
	struct pop_results pops[SCENARIO_MAX_POPS]; /* per population (hists set up for the scenario's n_pops) */
	uint64_t requests_failed;                   /* requests whose last try failed to connect */
	uint64_t accepted;                          /* accept() calls that returned a connection */
	uint64_t connected_never_accepted;          /* client connected, server never accepted */
	uint32_t max_accept_queue, max_syn_queue;   /* over all listeners, peak of one */
	double mean_accept_queue, mean_syn_queue;   /* time averages, averaged over listeners */
	double accept_queue_high_s, syn_queue_high_s; /* time at or above 90% of the limit, s (averaged over listeners) */
	sim_time_ns window;                         /* length of the statistics window, ns */
	uint64_t counters[LISTENER_COUNTER_COUNT];  /* server host's nstat counters */
	uint64_t synacks_sent;                      /* all SYN-ACKs, cookies included */
	uint64_t syns_sent;                         /* all client SYNs */
	uint64_t flood_syns;                        /* spoofed SYNs sent */
	uint64_t client_loss_probes;                /* client hosts: TCPLossProbes */
	uint64_t client_timeouts;                   /* client hosts: TCPTimeouts (SYN, data and FIN RTOs) */
	uint64_t client_retrans_segs;               /* client hosts: RetransSegs (SYNs, probes, RTO copies) */
	uint64_t events;                            /* events run */
	sim_time_ns end_time;                       /* simulated time at the end, ns */
	uint64_t peak_conns;                        /* most conns alive at once */
	uint64_t peak_packets;                      /* most packets in flight at once */
	uint64_t peak_events;                       /* most events pending at once */
	uint64_t peak_bytes;                        /* pools' bytes at the peak */
	bool stopped_by_memory;                     /* max_memory was reached */
};

#endif
