/* scenario.h: a scenario as plain C values, every default resolved.
 *
 * The program layer fills a struct scenario from JSON; the models read it and
 * never see JSON.  Durations are nanoseconds (struct dist values too), rates
 * per second, probabilities in [0, 1].  A scenario has one server (with one or
 * more SO_REUSEPORT listeners sharing a port) and one or more client
 * populations, each with its own kernel, sysctls, arrivals, path and behaviour
 * after connect.
 */
#ifndef TCPQSIM_SCENARIO_H
#define TCPQSIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "models/profile.h"
#include "sim/clock.h"
#include "sim/dist.h"

#define SCENARIO_MAX_POPS 16
#define SCENARIO_MAX_STALLS 32

enum arrival_kind {
	ARRIVAL_CONSTANT,    /* one connect every 1/rate */
	ARRIVAL_POISSON,     /* exponential gaps of mean 1/rate */
	ARRIVAL_BURST,       /* count connects at once, at `at` */
	ARRIVAL_CLOSED_LOOP, /* users who connect, hold, think, reconnect */
	ARRIVAL_SCHEDULE,    /* Poisson with a piecewise rate (constant or linear ramps) */
	ARRIVAL_REPLAY,      /* arrival times read from a file */
	ARRIVAL_NONE,        /* no arrivals (a population used only by a flood) */
};

struct rate_phase {
	sim_time_ns start;   /* phase begins, ns from the start of the run */
	double rate_from;    /* rate at start, per second */
	double rate_to;      /* rate at the end of the phase (== rate_from: constant) */
};

struct arrival_spec {
	enum arrival_kind kind;
	double rate_per_s;          /* constant, poisson */
	uint32_t count;             /* burst: connects per burst */
	sim_time_ns at;             /* burst: first burst time, ns */
	sim_time_ns every;          /* burst: period between bursts, 0 = once */
	uint32_t users;             /* closed loop: users */
	struct dist think;          /* closed loop: think time, ns */
	const struct rate_phase *phases; /* schedule: sorted phases (borrowed) */
	uint32_t n_phases;          /* schedule: phases used */
	const sim_time_ns *times;   /* replay: sorted arrival times, ns (borrowed) */
	uint64_t n_times;           /* replay: how many */
};

enum after_connect_kind {
	AFTER_HOLD,     /* stay connected for `hold`, then close */
	AFTER_REQUEST,  /* send a request at once, wait for the response */
	AFTER_GREETING, /* wait for the server to speak first (MySQL) */
};

struct after_connect_spec {
	enum after_connect_kind kind;
	struct dist hold;          /* time held open once served, ns */
	bool write;                /* hold: write one byte right after connect (and never read) */
	sim_time_ns read_timeout;  /* greeting/request: read timeout, ns; SIM_TIME_NEVER for none */
};

struct path_spec {
	struct dist delay_to_server; /* one-way delay client -> server, ns */
	struct dist delay_to_client; /* one-way delay server -> client, ns */
	double loss_to_server;       /* drop probability of each segment to the server */
	double loss_to_client;       /* drop probability of each segment to the client */
	sim_time_ns reorder;         /* segments to the server get an extra delay uniform in [0, reorder), ns:
	                                several receive CPUs reorder a batch; 0 = one in-order path */
	bool loopback;               /* the clients run on the server's host: one tcp_metrics entry for both
	                                ends (tcp_get_metrics keys by saddr, daddr and netns) */
};

/* Segment kinds a fault can select (bit i = enum seg_kind i). */
enum seg_kind { SEG_SYN, SEG_SYNACK, SEG_ACK, SEG_DATA, SEG_FIN, SEG_RST, SEG_KIND_COUNT };

#define SCENARIO_MAX_FAULTS 32
#define FAULT_TO_SERVER 1u
#define FAULT_TO_CLIENT 2u

/* A fault on the path: segments of the selected kinds, directions,
 * populations and attempts sent in [from, to) are lost with probability p.
 * An outage is a fault on everything with p = 1. */
struct fault {
	sim_time_ns from, to;  /* window, ns (to = SIM_TIME_NEVER: for ever) */
	uint32_t kinds;        /* bit mask of enum seg_kind */
	uint32_t dirs;         /* FAULT_TO_SERVER | FAULT_TO_CLIENT */
	int32_t pop;           /* population index, -1 for all */
	uint64_t first, last;  /* attempt ids [first, last] (the port range of a test); 0, UINT64_MAX for all */
	double p;              /* loss probability */
};

struct client_sysctl {
	int tcp_syn_retries;         /* SYN retransmits before ETIMEDOUT (0: sim-only, one SYN) */
	int tcp_syn_linear_timeouts; /* retransmits at the initial RTO (6.5+) */
	int tcp_orphan_retries;      /* FIN retransmits of a closed socket; 0 means 8 */
	int tcp_timestamps;          /* 0 off, else on (used when the server has them on too) */
	int tcp_early_retrans;       /* 3 or 4: tail loss probes on */
	int tcp_no_metrics_save;     /* 1: closes do not update the tcp_metrics cache */
};

struct client_pop {
	char name[32];                /* population name, for reports */
	struct kernel_rules rules;    /* client host's kernel */
	struct client_sysctl sysctl;  /* client host's sysctls */
	sim_time_ns connect_timeout;  /* application connect timeout, ns; SIM_TIME_NEVER for none */
	struct arrival_spec arrival;  /* when this population connects */
	struct after_connect_spec after; /* what it does once connected */
	struct path_spec path;        /* network path to the server */
	bool spoofed;                 /* a SYN flood: SYNs from addresses that never answer */
	uint32_t app_retries;         /* application-level retries after a failed connect */
	struct dist app_backoff;      /* wait before each application retry, ns */
};

struct server_sysctl {
	int somaxconn;
	int tcp_max_syn_backlog;
	int tcp_syncookies;        /* 0 off, 1 on overflow, 2 always */
	int tcp_abort_on_overflow; /* 0 drop the ACK, 1 reset */
	int tcp_synack_retries;
	int tcp_timestamps;        /* 0 off, else on */
	int tcp_no_metrics_save;   /* 1: closes do not update the tcp_metrics cache */
	sim_time_ns tcp_invalid_ratelimit; /* SYN-ACKs to retransmitted SYNs at most once per this, ns */
};

enum acceptor_kind {
	ACCEPTOR_NEVER,      /* the application never calls accept() */
	ACCEPTOR_RATE,       /* at most rate accepts per second */
	ACCEPTOR_WORKERS,    /* count workers, each holding a connection for a service time */
	ACCEPTOR_EVENT_LOOP, /* wakes on a non-empty queue, accepts up to batch per wake-up */
};

struct stall {
	sim_time_ns start;  /* first stall starts, ns */
	sim_time_ns length; /* stall lasts, ns */
	sim_time_ns every;  /* period of repetition, ns; 0 = once */
};

struct acceptor_spec {
	enum acceptor_kind kind;
	double rate_per_s;        /* rate */
	bool exponential;         /* rate: exponential gaps instead of fixed */
	uint32_t workers;         /* workers */
	struct dist service;      /* workers / event loop: time a connection is held, ns */
	uint32_t batch;           /* event loop: accepts per wake-up */
	struct dist wake_latency; /* event loop: wake-up latency, ns */
	struct stall stalls[SCENARIO_MAX_STALLS]; /* the application stops accepting */
	uint32_t n_stalls;
};

#define SCENARIO_MAX_RX_CPUS 64

/* The CPUs that process a flow's segments (server.receive): each flow is
 * processed by one CPU (its id modulo cpus), every segment of it, both
 * directions, in the order it reaches that CPU, each taking `cost`; a CPU
 * works on one segment at a time.  cpus = 0: off (segments cost nothing and
 * arrive after the path's delay). */
struct receive_spec {
	uint32_t cpus;
	sim_time_ns cost; /* per segment, ns */
};

struct server_spec {
	struct kernel_rules rules;    /* server host's kernel */
	struct server_sysctl sysctl;  /* server host's sysctls */
	long backlog;                 /* the listen() argument; negative = somaxconn */
	uint32_t listeners;           /* SO_REUSEPORT listeners sharing the port (>= 1) */
	struct acceptor_spec acceptor; /* one per listener */
	struct receive_spec receive;  /* per-CPU segment processing; cpus 0 = off */
};

struct scenario {
	sim_time_ns duration;     /* new attempts arrive during [0, duration), ns */
	sim_time_ns drain;        /* then at most this long for attempts to end, ns */
	bool end_at_last_close;   /* end when the last client socket is closed, as kcheck does, without
	                             waiting for the SYN queues to empty */
	sim_time_ns warmup;       /* statistics exclude attempts started before, ns */
	sim_time_ns sample_interval; /* time-series sampling, ns; 0 = off */
	uint64_t seed;            /* run seed */
	uint64_t replication;     /* replication index (streams derive from seed, replication) */
	struct server_spec server;
	struct client_pop pops[SCENARIO_MAX_POPS];
	uint32_t n_pops;
	int64_t hist_bin;         /* connect-time histogram bin width, ns */
	uint64_t max_memory;      /* ceiling on in-flight memory, bytes; 0 = none */
	struct fault faults[SCENARIO_MAX_FAULTS]; /* losses and outages on the path */
	uint32_t n_faults;
};

/* scenario_attempt_span: the longest one attempt of p can last, retries
 * included, ns, as a double (no overflow for any input): the SYN schedule's
 * end (one RTO_MAX past its give-up time, or the connect timeout), the read
 * timeout or the data retransmits, the path's delays at their `reach`
 * (dist_max_hint for the drain, dist_reach for the loader's bound), and the
 * application's retries and backoffs.  Each term is truncated to whole ns as
 * the drain's integer arithmetic does. */
double scenario_attempt_span(const struct client_pop *p, double (*reach)(const struct dist *));

/* scenario_default_drain: the longest time an attempt started at the end of
 * the arrivals can take to end, ns: the longest attempt span, or the server's
 * SYN-ACK expiry (profile_synack_expiry, with the scan's lateness) and 2 s. */
sim_time_ns scenario_default_drain(const struct scenario *s);

#endif
