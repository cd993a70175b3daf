/* compare: two measurements of connect attempts, side by side.
 *
 * A struct cmp_side is one input: a summary.json (written by `tcpqsim run`,
 * by kcheck, or a merged sweep point holding the same fields), or a plain
 * file of measured connect durations, one number of milliseconds per line.
 * Merged documents (replications, sweep points) give every number as
 * {"mean", "ci95", "sd", "n"}: the mean is read.  Loading copies what it
 * needs out of the file, so a side owns its memory
 * (cmp_side_fini frees it).  The comparison functions are pure: the
 * Kolmogorov-Smirnov distance between the connect-time distributions, and
 * the tolerance checks that decide `tcpqsim compare`'s exit status.
 *
 * Connect times are only those of attempts that connected: failures are
 * compared through the outcome fractions, never through the distance.
 * Program layer only (reads files and JSON); messages are one line,
 * "FILE: json.path: expected ..., got ...", without the program prefix.
 */
#ifndef TCPQSIM_COMPARE_H
#define TCPQSIM_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "models/world.h"

#define CMP_MSG_MAX 1024
#define CMP_MAX_COUNTERS 64
#define CMP_MAX_SYNS 32
#define CMP_NAME_MAX 48

enum cmp_kind {
	CMP_SUMMARY,   /* a summary.json (tcpqsim, kcheck, a sweep point) */
	CMP_DURATIONS, /* measured connect durations, ms, one per line */
};

/* Connect times in fixed-width bins (a summary's connect_time_ms.histogram,
 * or durations binned). */
struct cmp_bins {
	double bin_ms;     /* width of every bin, ms (> 0) */
	size_t n;          /* non-empty bins */
	double *lower_ms;  /* lower edge of each bin, ms, increasing (owned) */
	double *count;     /* values in [lower, lower + bin_ms), attempts (owned) */
	double total;      /* sum of count, attempts */
};

/* Server-side numbers a summary may carry (NAN when absent). */
enum cmp_server_field {
	CMP_SV_ACCEPTED,                 /* connections accept() returned */
	CMP_SV_CONNECTED_NEVER_ACCEPTED, /* attempts connected but never accepted */
	CMP_SV_MAX_ACCEPT_QUEUE,         /* connections */
	CMP_SV_MAX_SYN_QUEUE,            /* requests */
	CMP_SV_COUNT
};

struct cmp_side {
	char label[512];          /* the file name, for messages and headings */
	enum cmp_kind kind;
	char tool[32];            /* "tcpqsim", "kcheck", ... or "durations" */
	char origin[96];          /* kcheck: "kernel RELEASE"; tcpqsim: "profile NAME"; else "" */
	double attempts;          /* attempts; NAN for a durations file */
	double outcomes[OUTCOME_COUNT]; /* attempts by outcome; NAN when the file has no such key */
	double by_syns[CMP_MAX_SYNS];   /* connected on SYN k+1, attempts */
	size_t n_by_syns;         /* entries of by_syns given */
	/* connect times of the connected attempts, ms */
	double count;             /* attempts with a connect time */
	double mean, p50, p90, p99, p999, max; /* ms */
	struct cmp_bins hist;     /* summaries: the histogram; durations: n == 0 */
	bool has_bins;            /* the summary had histogram bins (a merged document has none) */
	double *values;           /* durations: sorted ascending, ms (owned); else NULL */
	size_t n_values;
	double server[CMP_SV_COUNT];        /* NAN when absent */
	char counter_name[CMP_MAX_COUNTERS][CMP_NAME_MAX]; /* counters, as the file names them */
	double counter[CMP_MAX_COUNTERS];   /* their values, events */
	size_t n_counters;
};

/* Tolerances of `tcpqsim compare` (INFINITY turns a check off). */
struct cmp_tolerances {
	double frac;      /* largest |fraction A - fraction B| of any outcome */
	double p99_ms;    /* largest |p99 A - p99 B|, ms */
	double ks;        /* largest Kolmogorov-Smirnov distance */
	double counters;  /* largest |A - B| / max(|A|, |B|, 1) of any counter both report */
	double counters_abs; /* ... unless |A - B| is at most this (small counts); 0 = none */
};

#define CMP_TOL_FRAC_DEFAULT 0.05
#define CMP_TOL_P99_MS_DEFAULT 250.0
#define CMP_TOL_KS_DEFAULT 0.10
#define CMP_TOL_COUNTERS_DEFAULT 0.25

/* One check that failed. */
struct cmp_failure {
	char what[CMP_NAME_MAX + 16]; /* e.g. "timed_out_frac", "p99", "KS", "ListenOverflows" */
	char text[256];               /* "|0.850 - 0.700| = 0.150 > 0.05 (--tol-frac)" */
};

/* cmp_side_load: read path (a summary.json or a durations file; told apart by
 * the first character that is not blank or a '#' comment: '{' means JSON).
 * Returns 0, or -1 with msg filled ("FILE: ..."); *s is then empty. */
int cmp_side_load(struct cmp_side *s, const char *path, char *msg, size_t n);

/* cmp_side_from_json: fill *s from a parsed summary document (borrowed),
 * labelled `label`.  A document that holds its summary under "summary" or
 * "merged" is looked into.  Returns 0, or -1 with msg filled. */
int cmp_side_from_json(struct cmp_side *s, const char *label, const cJSON *doc, char *msg, size_t n);

/* cmp_side_fini: free what the side owns; safe on a zeroed or failed side. */
void cmp_side_fini(struct cmp_side *s);

/* cmp_bins_from_values: count the n values (ms) in bins of width bin_ms
 * (> 0) starting at 0, into *out (caller's memory; free with
 * cmp_bins_fini).  Returns 0, -1 when out of memory. */
int cmp_bins_from_values(const double *values, size_t n, double bin_ms, struct cmp_bins *out);
void cmp_bins_fini(struct cmp_bins *b);

/* cmp_bins_cdf: the fraction of values below x, with the values spread
 * evenly inside each bin (piecewise linear between bin edges). */
double cmp_bins_cdf(const struct cmp_bins *b, double x);

/* cmp_ks_distance: sup over x of |F_A(x) - F_B(x)| for the connect times.
 * Two durations files: the exact two-sample statistic on the values, unless
 * grid_ms > 0.  Otherwise both sides are binned (a durations file with the
 * other side's bin width, or grid_ms when given) and the piecewise-linear
 * CDFs are compared at every bin edge of either side, or only at the
 * multiples of grid_ms when grid_ms > 0 (at most 10^7 of them; beyond, at
 * the edges).  A summary without bins (numbers given as {"mean", ...}, bins
 * left out: a merged document) stands for the CDF linear between (0, 0) and
 * its percentiles (p50, 0.5) ... (max, 1), and the distance is then taken at
 * its five percentiles only: max |F_A(x) - F_B(x)| there, a lower bound of
 * the full distance.  Returns a value in [0, 1]; NAN when a side has no
 * connect times or memory runs out. */
double cmp_ks_distance(const struct cmp_side *a, const struct cmp_side *b, double grid_ms);

/* cmp_ks_slack: how far the true distance can exceed cmp_ks_distance's
 * because of binning: 0 for two durations files compared value by value;
 * otherwise the largest share of either side's values in one bin (or one
 * grid cell of grid_ms): the larger of the two sides' when both are binned
 * on one grid, their sum otherwise (inside a bin the values can sit
 * anywhere, and the distance is only known at bin edges).  So the
 * distance lies in [d, d + slack].  NAN when cmp_ks_distance works from
 * percentiles only or a side has no connect times. */
double cmp_ks_slack(const struct cmp_side *a, const struct cmp_side *b, double grid_ms);

/* cmp_side_cdf: the share of s's connect times below x ms (values,
 * bins spread evenly, or linear between the percentiles). */
double cmp_side_cdf(const struct cmp_side *s, double x);

/* cmp_side_has_distribution: a durations file, or a summary with bins.  A
 * summary without bins (a sweep point's merged document) has percentiles
 * only, and the distance to it is taken at those (see cmp_ks_distance). */
bool cmp_side_has_distribution(const struct cmp_side *s);

/* cmp_outcome_frac: attempts with outcome o over attempts; NAN when unknown. */
double cmp_outcome_frac(const struct cmp_side *s, int o);

/* cmp_counter: the counter named name, or NAN. */
double cmp_counter(const struct cmp_side *s, const char *name);

/* cmp_check: every check of `tol` between a and b; fills up to max failures
 * and returns how many checks failed (possibly more than max).  ks is the
 * distance already computed (NAN: not checked). */
size_t cmp_check(const struct cmp_side *a, const struct cmp_side *b, double ks, const struct cmp_tolerances *tol,
                 struct cmp_failure *out, size_t max);

#endif
