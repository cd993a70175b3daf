/* kc_run: one measured run of a scenario against the running kernel.
 *
 * kc_run() drives a listener, its acceptor and every client connect attempt
 * from one epoll loop with one timerfd (single thread, no child processes),
 * inside the network namespace the caller has already entered.  It models
 * nothing: each attempt's outcome is what the kernel reported on its socket,
 * and every time is CLOCK_MONOTONIC measured by this process.  When kc_run()
 * returns, every socket it opened is closed.
 */
#ifndef KC_RUN_H
#define KC_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kc_scenario.h"

/* X(ID, name): outcomes, in the order summary.json lists them. */
#define KC_OUTCOME_MAP(X)                          \
	X(CONNECTED, "connected")                  \
	X(TIMED_OUT, "timed_out")                  \
	X(REFUSED, "refused")                      \
	X(RESET_AFTER_CONNECT, "reset_after_connect") \
	X(READ_TIMEOUT, "read_timeout")            \
	X(CONNECT_TIMEOUT, "connect_timeout")      \
	X(IN_PROGRESS, "in_progress")              \
	X(ERROR, "error")

enum kc_outcome {
#define KC_OUTCOME_ENUM(id, name) KC_OUTCOME_##id,
	KC_OUTCOME_MAP(KC_OUTCOME_ENUM)
#undef KC_OUTCOME_ENUM
	KC_OUTCOME_COUNT
};

/* Returns the outcome's name as summary.json spells it. */
const char *kc_outcome_name(enum kc_outcome o);

/* One client connect attempt.  Times are nanoseconds. */
struct kc_attempt {
	int fd;                  /* client socket; -1 once closed */
	enum kc_outcome outcome; /* KC_OUTCOME_IN_PROGRESS while connecting */
	bool connecting;         /* connect() not resolved yet */
	bool connect_ok;         /* connect() succeeded (outcome connected or reset later) */
	bool accepted;           /* the server accept()ed it (matched by port) */
	bool peer_closed;        /* a FIN arrived while held */
	uint16_t port;           /* client local port, host order; 0 unknown */
	int syns;                /* SYNs sent: tcpi_total_retrans + 1; 0 unknown */
	int err;                 /* errno of a failure; 0 otherwise */
	int64_t start_ns;        /* connect() call, from run start */
	int64_t connect_ns;      /* connect() success seen, from start_ns; -1 if none */
	int64_t failed_ns;       /* failure seen, from start_ns; -1 if none */
	int64_t accepted_ns;     /* server accept(), from run start; -1 if none */
	int64_t end_ns;          /* client socket closed, from run start; -1 if open */
	long prev_same_port;     /* previous attempt with the same port; -1 */
};

/* What a run measured.  Owned by the caller; release with kc_run_result_fini(). */
struct kc_run_result {
	struct kc_attempt *attempts; /* owned array of n attempts, in start order */
	size_t n;                    /* attempts made */
	long accepted;               /* connections accept() returned */
	long accepted_unmatched;     /* of those, not matched to an attempt */
	int max_accept_queue;        /* largest listener tcpi_unacked seen */
	int accept_queue_limit;      /* listener tcpi_sacked (the accept-queue limit) */
	int max_syn_queue;           /* largest SYN_RECV count seen; -1 if never sampled */
	long accept_samples;         /* accept-queue samples taken */
	long syn_samples;            /* SYN-queue samples taken */
	double syn_queue_sum;        /* sum of the SYN-queue samples (their mean: mean_syn_queue) */
	double accept_queue_sum;     /* sum of the accept-queue samples (mean_accept_queue) */
	double syn_interval_ms;      /* SYN-queue sampling period, ms */
	double syn_sample_cost_us;   /* mean time one SYN-queue dump took, us */
	char queue_sampling[256];    /* how the queues were sampled, for the report */
	double wall_s;               /* run time, start to cut, seconds */
	const char *cut_by;          /* "all_ended", "drain_s", "max_wall_s" or "signal" */
	int signal;                  /* the signal that cut the run, 0 if none */
	long unexpected_errors;      /* attempts with an errno kcheck did not expect */
	int first_unexpected_errno;  /* the first such errno */
	uint16_t port;               /* the listener's port */
};

/* Runs `sc` (borrowed) in the current namespace for at most max_wall_s
 * seconds of run time.  `at_cut(ctx)`, if not NULL, is called once when the
 * run is cut and before any socket is closed (the moment to read counters).
 * Fills *res (caller's memory, zeroed here).  Returns 0, or -1 with `err` set
 * (the run could not be measured: socket cap, out of ports, a failing system
 * call); *res is then released. */
int kc_run(const struct kc_scenario *sc, double max_wall_s, void (*at_cut)(void *ctx), void *ctx,
	   struct kc_run_result *res, char *err, size_t errlen);

/* Frees the attempts array; safe on a zeroed struct. */
void kc_run_result_fini(struct kc_run_result *res);

#endif
