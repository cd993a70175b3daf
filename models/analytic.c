/* analytic: closed-form queueing results the simulator is checked against.
 *
 * M/M/c/K in two parts.  With a = lambda/mu and rho = a/c the unnormalised
 * state weights are w_n = a^n/n! for n <= c (the head) and w_c rho^j for
 * n = c + j, j = 1..m, m = K - c (the tail).  The head enters only through
 * Erlang B, E = w_c / sum(head), from the stable recurrence; the tail through
 * S = rho + ... + rho^m, handled in log space.  With h = P(N <= c):
 *     h = 1 / (1 + E S),  P(N > c) = E S h,  P(N = c + j) = E h rho^j,
 * and the waiting count given N > c is a geometric law truncated to 1..m,
 * whose mean is written so that its two 1/x poles cancel analytically.
 */
#include "models/analytic.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

/* Brent iterations allowed; [0,1] to 1e-15 takes well under 100. */
#define SYN_MAX_ITERATIONS 200

const char *analytic_strerror(int status)
{
	switch (status) {
	case ANALYTIC_OK:
		return "success";
	case ANALYTIC_EINVAL:
		return "argument out of range";
	case ANALYTIC_ENOCONV:
		return "root finder did not converge";
	case ANALYTIC_ENOMEM:
		return "out of memory";
	default:
		return "unknown analytic status";
	}
}

/* Erlang B by B(0) = 1, B(n) = a B(n-1) / (n + a B(n-1)).  Stores 1 - B(c),
 * computed without cancellation (n / (n + a B(n-1))), in *complement. */
static double erlang_b_pair(long servers, double a, double *complement)
{
	double b = 1.0, bc = 0.0;

	for (long n = 1; n <= servers; n++) {
		double t = a * b;
		double d = (double)n + t;

		b = t / d;
		bc = (double)n / d;
	}
	*complement = bc;
	return b;
}

/* log(e^x + e^2x + ... + e^mx) for m >= 1 and x = log rho <= 0: the log of
 * the tail sum S (for x > 0 the caller splits off m x itself). */
static double log_geometric_tail(double x, long m)
{
	if (x == 0.0)
		return log((double)m);
	return x + log(-expm1((double)m * x)) - log(-expm1(x));
}

/* log(1 + e^u). */
static double log1p_exp(double u)
{
	return u > 0.0 ? u + log1p(exp(-u)) : log1p(exp(u));
}

/* f(y) = 1/expm1(y) - 1/y, with its Bernoulli series near 0 where the two
 * terms cancel; f(0) = -1/2. */
static double expm1_pole_free(double y)
{
	if (fabs(y) < 0.1) {
		double y2 = y * y;

		return -0.5 + y * (1.0 / 12.0 + y2 * (-1.0 / 720.0 +
			y2 * (1.0 / 30240.0 + y2 * (-1.0 / 1209600.0 +
			y2 * (1.0 / 47900160.0)))));
	}
	return 1.0 / expm1(y) - 1.0 / y;
}

/* Mean of the law P(J = j) proportional to e^(j x), j = 1..m (m >= 1).
 * For j on 0..M it is 1/expm1(-x) - (M+1)/expm1(-(M+1)x); the 1/x parts of
 * the two terms cancel, leaving f(-x) - (M+1) f(-(M+1)x), finite at x = 0
 * (M/2) and for any m. */
static double truncated_geometric_mean(double x, long m)
{
	return 1.0 + expm1_pole_free(-x) - (double)m * expm1_pole_free(-(double)m * x);
}

/* log(a / c) for a > 0, accurate near a = c. */
static double log_rho(double a, long c)
{
	double rho = a / (double)c;

	if (rho > 0.5 && rho < 2.0)
		return log1p((a - (double)c) / (double)c);
	return log(a) - log((double)c);
}

/* The M/M/c/K steady state for offered load a (erlangs, finite, >= 0),
 * 1 <= c <= K; mu only scales the times and the throughput. */
static void mmck_compute(double a, double mu, long c, long k,
			 struct analytic_mmck *out)
{
	double e, ec, h, tail, q, blocking, carried, waiting;
	long m = k - c;

	out->offered_erlangs = a;
	if (a == 0.0) {
		out->blocking_prob = 0.0;
		out->servers_busy_prob = 0.0;
		out->mean_in_system = 0.0;
		out->mean_waiting = 0.0;
		out->mean_wait_s = 0.0;
		out->mean_sojourn_s = 1.0 / mu;
		out->throughput_per_s = 0.0;
		out->utilisation = 0.0;
		return;
	}

	e = erlang_b_pair(c, a, &ec);
	if (m == 0 || e == 0.0) {
		/* No waiting room, or the tail is below the smallest double. */
		h = 1.0;
		tail = 0.0;
		q = e;
		blocking = m == 0 ? e : 0.0;
		waiting = 0.0;
	} else {
		double x = log_rho(a, c);
		double log_e = log(e);
		double mx = (double)m * x;
		double u, lse;

		if (x > 0.0) {
			/* S = rho^m (1 - rho^-m) / (1 - rho^-1): keep m x apart
			 * so that it cancels exactly in the blocking. */
			double rest = log(-expm1(-mx)) - log(-expm1(-x));

			u = log_e + mx + rest;
			lse = log1p_exp(u);
			blocking = u > 0.0 ? exp(-rest - log1p(exp(-u)))
					   : exp(log_e + mx - lse);
		} else {
			u = log_e + log_geometric_tail(x, m);
			lse = log1p_exp(u);
			blocking = exp(log_e + mx - lse);
		}
		/* u = log(E S), lse = -log h. */
		h = exp(-lse);
		tail = exp(u - lse);
		q = exp(log_e - lse);
		waiting = tail * truncated_geometric_mean(x, m);
	}

	/* Mean busy servers: sum of min(n, c) p_n = a h (1 - E) + c P(N > c);
	 * equal to a (1 - blocking) by flow balance, but exact in overload. */
	carried = a * h * ec + (double)c * tail;

	out->blocking_prob = fmin(blocking, 1.0);
	out->servers_busy_prob = fmin(q + tail, 1.0);
	out->mean_in_system = carried + waiting;
	out->mean_waiting = waiting;
	out->throughput_per_s = mu * carried;
	out->mean_wait_s = out->throughput_per_s > 0.0
			   ? waiting / out->throughput_per_s : 0.0;
	out->mean_sojourn_s = out->mean_wait_s + 1.0 / mu;
	out->utilisation = fmin(carried / (double)c, 1.0);
}

/* a = lambda/mu if the arguments are valid and a is finite, else NAN. */
static double offered_load(double lambda_per_s, double mu_per_s, long servers,
			   long capacity)
{
	double a;

	if (!(lambda_per_s >= 0.0) || !isfinite(lambda_per_s) ||
	    !(mu_per_s > 0.0) || !isfinite(mu_per_s) ||
	    servers < 1 || capacity < servers)
		return NAN;
	a = lambda_per_s / mu_per_s;
	return isfinite(a) ? a : NAN;
}

double analytic_erlang_b(long servers, double offered_erlangs)
{
	double ec;

	if (servers < 0 || !(offered_erlangs >= 0.0) || !isfinite(offered_erlangs))
		return NAN;
	return erlang_b_pair(servers, offered_erlangs, &ec);
}

double analytic_erlang_c(long servers, double offered_erlangs)
{
	double b, bc;

	if (servers < 0 || !(offered_erlangs >= 0.0) || !isfinite(offered_erlangs))
		return NAN;
	if (offered_erlangs >= (double)servers)
		return 1.0;
	b = erlang_b_pair(servers, offered_erlangs, &bc);
	return (double)servers * b / ((double)servers - offered_erlangs * bc);
}

int analytic_mmck_solve(double lambda_per_s, double mu_per_s, long servers,
			long capacity, struct analytic_mmck *out)
{
	double a = offered_load(lambda_per_s, mu_per_s, servers, capacity);

	if (out == NULL || isnan(a))
		return ANALYTIC_EINVAL;
	mmck_compute(a, mu_per_s, servers, capacity, out);
	return ANALYTIC_OK;
}

double analytic_mmck_blocking(double lambda_per_s, double mu_per_s,
			      long servers, long capacity)
{
	struct analytic_mmck r;

	if (analytic_mmck_solve(lambda_per_s, mu_per_s, servers, capacity, &r) != ANALYTIC_OK)
		return NAN;
	return r.blocking_prob;
}

double analytic_mm1k_blocking(double lambda_per_s, double mu_per_s, long capacity)
{
	return analytic_mmck_blocking(lambda_per_s, mu_per_s, 1, capacity);
}

long analytic_listener_capacity(long effective_backlog, long workers)
{
	if (effective_backlog < 0 || workers < 1 ||
	    effective_backlog > LONG_MAX - 1 - workers)
		return -1;
	return effective_backlog + 1 + workers;
}

/* ---- SYN-retry fixed point ------------------------------------------------ */

struct syn_fixed_point {
	double a;         /* offered connect attempts, erlangs */
	long servers;
	long capacity;
	long syn_retries;
};

/* 1 + b + ... + b^R by Horner. */
static double copies_per_attempt(double b, long syn_retries)
{
	double s = 1.0;

	for (long i = 0; i < syn_retries; i++)
		s = 1.0 + b * s;
	return s;
}

/* g(b) = B(a (1 + ... + b^R)) - b, the function whose root is the fixed point. */
static double syn_residual(double b, void *params)
{
	const struct syn_fixed_point *p = params;
	struct analytic_mmck r;

	mmck_compute(p->a * copies_per_attempt(b, p->syn_retries), 1.0,
		     p->servers, p->capacity, &r);
	return r.blocking_prob - b;
}

/* Refines a root of g on [lo, hi], where g(lo) > 0 > g(hi). */
static int syn_brent(struct syn_fixed_point *p, double lo, double hi, double *root)
{
	gsl_function fn = { .function = syn_residual, .params = p };
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	int status = ANALYTIC_ENOCONV;

	if (s == NULL)
		return ANALYTIC_ENOMEM;
	if (gsl_root_fsolver_set(s, &fn, lo, hi) != GSL_SUCCESS)
		goto out_free;
	for (int i = 0; i < SYN_MAX_ITERATIONS; i++) {
		if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
			goto out_free;
		if (gsl_root_test_interval(gsl_root_fsolver_x_lower(s),
					   gsl_root_fsolver_x_upper(s),
					   1e-15, 4.0 * DBL_EPSILON) == GSL_SUCCESS) {
			status = ANALYTIC_OK;
			break;
		}
	}
	*root = gsl_root_fsolver_root(s);
out_free:
	gsl_root_fsolver_free(s);
	return status;
}

int analytic_syn_retry_solve(double lambda_per_s, double mu_per_s, long servers,
			     long capacity, long syn_retries,
			     struct analytic_syn_retry *out)
{
	struct syn_fixed_point p;
	double a = offered_load(lambda_per_s, mu_per_s, servers, capacity);
	double b, pk, copies;

	if (out == NULL || isnan(a) || syn_retries < 0 ||
	    syn_retries > ANALYTIC_SYN_RETRIES_MAX ||
	    !isfinite(a * (double)(syn_retries + 1)))
		return ANALYTIC_EINVAL;
	p = (struct syn_fixed_point){ .a = a, .servers = servers,
				      .capacity = capacity,
				      .syn_retries = syn_retries };

	/* g(0) = B(a) >= 0 and g(1) = B(a (R+1)) - 1 <= 0; the root between is
	 * unique (see the header).  Either end may be the root itself: g(0) = 0
	 * when lambda = 0 or B underflows, g(1) = 0 when B rounds to 1. */
	if (syn_residual(0.0, &p) <= 0.0) {
		b = 0.0;
	} else if (syn_residual(1.0, &p) >= 0.0) {
		b = 1.0;
	} else {
		int status = syn_brent(&p, 0.0, 1.0, &b);

		if (status != ANALYTIC_OK)
			return status;
	}

	copies = copies_per_attempt(b, syn_retries);
	out->syn_retries = syn_retries;
	out->copy_blocking = b;
	out->mean_copies = copies;
	out->offered_per_s = lambda_per_s * copies;
	out->attempt_failure_prob = pow(b, (double)(syn_retries + 1));
	pk = 1.0 - b;
	for (long k = 0; k <= ANALYTIC_SYN_RETRIES_MAX; k++) {
		out->success_at_copy_prob[k] = k <= syn_retries ? pk : 0.0;
		pk *= b;
	}
	return ANALYTIC_OK;
}
