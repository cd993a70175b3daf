/* diagnose: from measured connect times to the SYN schedule and the cause.
 *
 * Input is what `compare` reads: a plain file of connect durations (ms, one
 * per line; `# failed ERROR COUNT [AT_MS]` comment lines add failed
 * connects, which compare ignores), or a summary.json (kcheck's or
 * tcpqsim's), whose counters and resolved scenario are evidence too.
 *
 * The analysis: the connect times are grouped into spikes (clusters of
 * nearby values; a retransmitted SYN that gets through connects one round
 * trip after it was sent, and kernel timers fire late, never early).  Each
 * SYN schedule family, read from the kernel profiles in models/ (the
 * profile's initial RTO, tcp_syn_linear_timeouts and timer rounding), is
 * scored by how much of the spikes' mass it explains, less the retransmit
 * instants it predicts that have nothing while later ones do; a known
 * ETIMEDOUT time also has to match one of its give-up times.  The causes
 * are then ranked from the shape (how the attempts spread over the SYNs),
 * the family and, when present, the counters.  A candidate scenario is built
 * for a cause, and diag_fit runs it in the simulator over a grid of its free
 * parameters, scoring each by the Kolmogorov-Smirnov distance of the connect
 * times plus the difference in the failed fraction.
 *
 * Program layer (reads files, runs worlds); messages are one line
 * "FILE: what was expected, what was found" without the program prefix.
 */
#ifndef TCPQSIM_DIAGNOSE_H
#define TCPQSIM_DIAGNOSE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define DIAG_MAX_SYNS 16      /* SYN send times per family */
#define DIAG_MAX_RETRIES 12   /* give-up times per family: tcp_syn_retries 1..12 */
#define DIAG_MAX_SPIKES 64
#define DIAG_MSG_MAX 1024

enum diag_family_id {
	DIAG_FAM_EXPONENTIAL, /* 0, 1, 3, 7, 15 s: 3.10 to 6.1, and 6.5+ with linear timeouts off */
	DIAG_FAM_LINEAR,      /* 0, 1, 2, 3, 4, 5, 7, 11 s: 6.5+ (tcp_syn_linear_timeouts 4) */
	DIAG_FAM_OLD,         /* 0, 3, 9, 21 s: a 3 s initial RTO (2.6.32) */
	DIAG_FAM_COUNT
};

struct diag_family {
	enum diag_family_id id;
	const char *name;       /* "exponential", "linear", "old" */
	const char *profile;    /* kernel profile the schedule is read from */
	int linear;             /* its tcp_syn_linear_timeouts */
	const char *kernels;    /* which kernels send it */
	int n;                  /* send times listed */
	double at_s[DIAG_MAX_SYNS];   /* SYN k+1 is sent at_s[k] after the first, s (nominal) */
	double late_s[DIAG_MAX_SYNS]; /* ... and up to late_s[k] later (timer rounding), s */
	double fail_s[DIAG_MAX_RETRIES + 1];      /* ETIMEDOUT with tcp_syn_retries r, s (nominal; [0] unused) */
	double fail_late_s[DIAG_MAX_RETRIES + 1]; /* ... up to this much later, s */
};

/* diag_family_build: the family's schedule from its profile (models/).
 * Returns 0, -1 when the profile is missing (a build without it). */
int diag_family_build(enum diag_family_id id, struct diag_family *f);

enum diag_cause {
	DIAG_ACCEPT_QUEUE_FULL, /* the application accepts too slowly: SYNs dropped for a full accept queue */
	DIAG_YOUNG_DROPS,       /* the same on an old kernel: dropped only while young requests are queued */
	DIAG_SYN_QUEUE_FULL,    /* the SYN queue full with syncookies off */
	DIAG_PATH_LOSS,         /* segments lost on the path */
	DIAG_SYN_FLOOD,         /* spoofed SYNs fill the SYN queue */
	DIAG_CAUSE_COUNT
};

const char *diag_cause_name(enum diag_cause c);  /* "accept_queue_full", ... */
const char *diag_cause_text(enum diag_cause c);  /* one line for people */
/* diag_cause_parse: the cause named s, or -1. */
int diag_cause_parse(const char *s);

enum diag_error { DIAG_ETIMEDOUT, DIAG_ECONNREFUSED, DIAG_ECONNTIMEOUT, DIAG_EOTHER, DIAG_ERR_COUNT };

/* What was measured. */
struct diag_input {
	char label[512];        /* the file name */
	bool is_summary;        /* a summary.json (else a durations file) */
	double *values;         /* connect times of the connected attempts, ms, ascending (owned) */
	size_t n_values;
	double bin_ms;          /* resolution of the values: a summary's bin width; 0 for exact durations */
	double failed[DIAG_ERR_COUNT]; /* failed connects by error, attempts */
	double fail_ms;         /* when ETIMEDOUT came (median), ms; NAN when unknown */
	bool has_counters;      /* the counters below were read */
	double listen_overflows, reqq_full_drop, reqq_full_cookies, cookies_sent; /* nstat counters */
	double flood_syns;      /* spoofed SYNs (tcpqsim summaries), NAN when unknown */
	double max_accept_queue, max_syn_queue, accepted, never_accepted; /* NAN when unknown */
	cJSON *scenario;        /* the summary's resolved scenario (owned), or NULL */
};

/* diag_input_load: read path.  Returns 0, or -1 with msg ("FILE: ..."). */
int diag_input_load(struct diag_input *in, const char *path, char *msg, size_t n);
void diag_input_fini(struct diag_input *in);

/* diag_input_total: connected plus failed attempts. */
double diag_input_total(const struct diag_input *in);

struct diag_spike {
	double lo_ms, median_ms, hi_ms; /* the cluster's first, middle and last value */
	double count;                   /* attempts in it */
	int syn;                        /* the SYN it is explained by (1 = the first), 0 = none */
};

struct diag_cause_rank {
	enum diag_cause cause;
	double score;           /* higher is likelier; only the order means something */
	char evidence[6][300];  /* for and against, one line each */
	int n_evidence;
};

struct diag_result {
	struct diag_spike spikes[DIAG_MAX_SPIKES];
	size_t n_spikes;
	double rtt_ms;            /* the round trip read from the first-SYN spike, ms (0 when none) */
	int family;               /* enum diag_family_id, or -1: the spikes cannot tell */
	double family_score[DIAG_FAM_COUNT];
	struct diag_family fam[DIAG_FAM_COUNT];
	char family_why[512];     /* why that family */
	int retries;              /* tcp_syn_retries that explains the ETIMEDOUT time, or -1 */
	double by_syn[DIAG_MAX_SYNS]; /* fraction of all attempts connected on SYN k+1 */
	int n_by_syn;             /* entries used */
	double unexplained;       /* fraction of the connected not on any SYN of the family */
	double failed_frac;       /* failed over all attempts (0 when none reported) */
	double geometric_q;       /* the per-SYN drop probability a geometric law would need */
	double geometric_err;     /* sum over SYNs of |observed - geometric|, fraction of attempts */
	int gap_syns;             /* SYNs with nothing between the first and the last that connected */
	struct diag_cause_rank causes[DIAG_CAUSE_COUNT]; /* best first */
};

/* diag_analyse: spikes, family, fractions, causes.  Returns 0, -1 when out
 * of memory or a family cannot be built. */
int diag_analyse(const struct diag_input *in, struct diag_result *out);

/* Options of the candidate scenario and of the fit. */
struct diag_opts {
	double rate_per_s;   /* arrival rate for a durations file (default 100) */
	double duration_s;   /* arrival window for a durations file (default attempts / rate) */
	unsigned seed;
};

/* diag_candidate: a scenario document (new) that reproduces `cause` with
 * the family's client kernel, free parameters at p[0], p[1] (their meaning:
 * diag_fit_params).  NULL when out of memory. */
cJSON *diag_candidate(const struct diag_input *in, const struct diag_result *res, enum diag_cause cause,
                      const struct diag_opts *o, const double *p);

/* The free parameters a fit sweeps for a cause: their dotted paths, and
 * their starting values and ranges. */
struct diag_param {
	const char *path;   /* scenario path (e.g. "server.acceptor.rate_per_s") */
	double start, min, max;
	bool integer, logscale;
};
size_t diag_fit_params(const struct diag_input *in, enum diag_cause cause, const struct diag_opts *o,
                       struct diag_param *out, size_t max);

struct diag_fit {
	enum diag_cause cause;
	double p[2];            /* best values */
	size_t n_params;
	struct diag_param params[2];
	double ks;              /* KS distance of the connect times at the best */
	double fail_diff;       /* |failed fraction measured - simulated| at the best */
	double score;           /* ks + fail_diff */
	size_t runs;            /* simulations made */
	cJSON *scenario;        /* the best candidate (owned) */
};

/* diag_fit_run: sweep the cause's free parameters (a coarse grid, then a
 * finer one around the best) and keep the best.  stop, when set, ends it
 * early (returns 1).  Returns 0, -1 with msg on failure. */
int diag_fit_run(const struct diag_input *in, const struct diag_result *res, enum diag_cause cause,
                 const struct diag_opts *o, volatile sig_atomic_t *stop, struct diag_fit *out, char *msg, size_t n);
void diag_fit_fini(struct diag_fit *f);

/* diag_result_json: the analysis as a JSON object (new; NULL on ENOMEM). */
cJSON *diag_result_json(const struct diag_input *in, const struct diag_result *res);

#endif
