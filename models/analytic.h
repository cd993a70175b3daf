/* analytic: closed-form queueing results the simulator is checked against.
 *
 * Pure functions of their arguments: no I/O, no global state, nothing to free.
 * The central model is M/M/c/K: Poisson arrivals at lambda_per_s, c servers
 * each serving at mu_per_s (exponential), and K places in the system in total
 * (c in service plus K - c waiting, c <= K); an arrival that finds K present is
 * lost, and by PASTA the fraction of arrivals lost equals the time-stationary
 * P(N = K).  Erlang B is M/M/c/c, Erlang C is M/M/c/infinity.  Everything is
 * computed with the stable Erlang B recurrence, O(c) steps, plus closed forms
 * in log space for the c..K tail, so K may be huge (2^40 is fine) and c may be
 * thousands without overflow; results smaller than about 1e-308 underflow to 0.
 *
 * The listener mapping: with tcp_syn_retries = 0, Poisson connects at rate
 * lambda, c workers that each accept one connection and hold it for an
 * exponential service time (rate mu), and an accept queue that holds N + 1
 * connections (N the effective backlog), a SYN is dropped exactly when the
 * accept queue is full and every worker is busy, so the SYN drop probability is
 * the M/M/c/K blocking with K = N + 1 + c (one worker: M/M/1/K, K = N + 2).
 * This ignores the handshake's round trip and assumes an idle worker accepts at
 * once.  analytic_listener_capacity() computes that K.
 *
 * Failure convention: functions returning a double return NAN when an argument
 * is out of range (negative or non-finite rate, too few servers, K < c...);
 * functions returning long return -1; functions filling a struct return an
 * enum analytic_status value (0 on success) and leave *out unspecified on
 * failure.
 */
#ifndef TCPQSIM_MODELS_ANALYTIC_H
#define TCPQSIM_MODELS_ANALYTIC_H

/* Largest tcp_syn_retries the fixed point accepts (the kernel's own maximum). */
#define ANALYTIC_SYN_RETRIES_MAX 127

enum analytic_status {
	ANALYTIC_OK = 0,
	ANALYTIC_EINVAL = -1,   /* an argument is out of range */
	ANALYTIC_ENOCONV = -2,  /* the root finder did not converge */
	ANALYTIC_ENOMEM = -3,   /* the root finder could not be allocated */
};

/* Returns a static description of an enum analytic_status value (never NULL;
 * "unknown analytic status" for values not in the enum). */
const char *analytic_strerror(int status);

/* Steady state of an M/M/c/K queue.  Means are time averages; "admitted" means
 * not blocked. */
struct analytic_mmck {
	double offered_erlangs;   /* a = lambda / mu, erlangs */
	double blocking_prob;     /* P(arrival finds K present) = P(N = K), [0,1] */
	double servers_busy_prob; /* P(arrival finds all c servers busy) = P(N >= c), [0,1] */
	double mean_in_system;    /* E[N], connections (customers) */
	double mean_waiting;      /* E[max(N - c, 0)], customers */
	double mean_wait_s;       /* mean time an admitted customer waits before service, s; 0 if lambda = 0 */
	double mean_sojourn_s;    /* mean wait plus mean service (1/mu), s */
	double throughput_per_s;  /* admitted (= served) customers per s: lambda (1 - blocking) */
	double utilisation;       /* mean fraction of the c servers busy: a (1 - blocking) / c, [0,1] */
};

/* Erlang B: the blocking probability of M/M/c/c (c = servers) offered
 * offered_erlangs of traffic.  servers = 0 gives 1 (every arrival lost).
 * O(servers) steps.  Returns a probability in [0,1]; NAN if servers < 0 or
 * offered_erlangs is negative or not finite. */
double analytic_erlang_b(long servers, double offered_erlangs);

/* Erlang C: the probability that an arrival to M/M/c (c = servers, unlimited
 * waiting room) must wait, C = c B / (c - a (1 - B)) with B = Erlang B.
 * Returns a probability in [0,1]; returns exactly 1.0 when offered_erlangs >=
 * servers (no steady state: the queue grows without bound and every arrival
 * eventually waits), including servers = 0.  NAN if servers < 0 or
 * offered_erlangs is negative or not finite. */
double analytic_erlang_c(long servers, double offered_erlangs);

/* M/M/c/K blocking: the probability an arrival (rate lambda_per_s) finds all
 * capacity places occupied, with servers servers each of rate mu_per_s.
 * Requires lambda_per_s >= 0 and finite, mu_per_s > 0 and finite,
 * 1 <= servers <= capacity.  Returns a probability in [0,1]; NAN on a bad
 * argument. */
double analytic_mmck_blocking(double lambda_per_s, double mu_per_s,
			      long servers, long capacity);

/* M/M/1/K blocking (servers = 1), (1 - rho) rho^K / (1 - rho^(K+1)) with
 * rho = lambda / mu, and 1 / (K + 1) at rho = 1.  Same arguments and failures
 * as analytic_mmck_blocking with capacity >= 1. */
double analytic_mm1k_blocking(double lambda_per_s, double mu_per_s, long capacity);

/* Fills *out with the M/M/c/K steady state (fields above).  Same argument
 * rules as analytic_mmck_blocking.  Returns ANALYTIC_OK, or ANALYTIC_EINVAL
 * for a bad argument or a NULL out. */
int analytic_mmck_solve(double lambda_per_s, double mu_per_s, long servers,
			long capacity, struct analytic_mmck *out);

/* System capacity K of the listener mapping above: the accept queue's N + 1
 * places plus one connection held by each worker, effective_backlog + 1 +
 * workers.  Returns -1 if effective_backlog < 0, workers < 1, or the sum
 * overflows a long. */
long analytic_listener_capacity(long effective_backlog, long workers);

/* The SYN-retry fixed point (see analytic_syn_retry_solve). */
struct analytic_syn_retry {
	long syn_retries;            /* R as given: retransmits after the first SYN */
	double copy_blocking;        /* b: P(one SYN copy is dropped), [0,1] */
	double offered_per_s;        /* SYN copies per s reaching the listener, lambda (1 + b + ... + b^R) */
	double mean_copies;          /* SYN copies sent per connect attempt, 1 + b + ... + b^R */
	double attempt_failure_prob; /* b^(R+1): every copy dropped, the attempt times out */
	/* success_at_copy_prob[k-1] = (1 - b) b^(k-1): P(copy k, k = 1..R+1, is the
	 * first admitted; k = 1 is the original SYN).  Entries past R are 0.  The R+1
	 * entries plus attempt_failure_prob sum to 1. */
	double success_at_copy_prob[ANALYTIC_SYN_RETRIES_MAX + 1];
};

/* Solves the SYN-retry fixed point.  Connect attempts arrive at lambda_per_s;
 * a dropped SYN is retransmitted, up to syn_retries times, and each copy is
 * assumed dropped independently with the same probability b, so the listener
 * is offered lambda (1 + b + ... + b^R) SYN copies per s and b must equal the
 * M/M/c/K blocking B at that offered rate (servers of rate mu_per_s,
 * capacity places).  Solves b = B(lambda (1 + ... + b^R)) on [0,1] with
 * GSL's Brent solver (allocated and freed inside) until b is known to about
 * 1e-15, so the equation holds to well below 1e-9.
 *
 * The root is unique: writing y for the offered rate, a fixed point is a y with
 * y (1 - B(y)) = lambda (1 - B(y)^(R+1)); the left side (the carried rate) is
 * increasing in y and the right side is non-increasing, so they cross once.
 * Since B(y) grows with lambda for fixed b, b is non-decreasing in lambda.
 *
 * This is an approximation: retransmitted copies are not a Poisson stream
 * (they come at fixed delays after drops, correlated with the queue's state:
 * a copy dropped by a full queue tends to be retried while it is still full),
 * and the independence of successive copies' fates is assumed, not derived.
 * With syn_retries = 0 it is exact: b is plain M/M/c/K blocking.
 *
 * syn_retries must be 0..ANALYTIC_SYN_RETRIES_MAX (0 is not a kernel value
 * but means one SYN, no retransmit); other arguments as for
 * analytic_mmck_blocking.  Returns ANALYTIC_OK; ANALYTIC_EINVAL for a bad
 * argument or a NULL out; ANALYTIC_ENOCONV if the solver fails to converge
 * (not expected); ANALYTIC_ENOMEM if it cannot be allocated (GSL's error
 * handler, if the program left it installed, runs first). */
int analytic_syn_retry_solve(double lambda_per_s, double mu_per_s, long servers,
			     long capacity, long syn_retries,
			     struct analytic_syn_retry *out);

#endif /* TCPQSIM_MODELS_ANALYTIC_H */
