/* Tests for models/analytic: textbook values, brute-force state sums, limits,
 * invariants, and the SYN-retry fixed point's own equation. */
#include "models/analytic.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>

#include <criterion/criterion.h>

/* |got - want| <= rel * |want| + abs_tol, reported with both values. */
#define assert_close(got, want, rel, abs_tol)                                   \
	do {                                                                    \
		double got_ = (got), want_ = (want);                            \
		cr_assert(fabs(got_ - want_) <= (rel) * fabs(want_) + (abs_tol), \
			  "%s = %.17g, expected %.17g (rel %g, abs %g)", #got,   \
			  got_, want_, (double)(rel), (double)(abs_tol));        \
	} while (0)

#define assert_prob(p)                                                          \
	cr_assert((p) >= 0.0 && (p) <= 1.0, "%s = %.17g is not a probability", \
		  #p, (double)(p))

/* ---- references ----------------------------------------------------------- */

/* M/M/c/K straight from the unnormalised state probabilities, in log space so
 * it works for large c and K too: log w_n = n log a - lgamma(n+1) for n <= c,
 * log w_c + (n - c) log(a/c) beyond.  O(K); independent of the recurrences and
 * closed forms in models/analytic.c. */
static void direct_mmck(double lambda, double mu, long c, long k,
			struct analytic_mmck *r)
{
	double a = lambda / mu, lmax = -INFINITY, z = 0.0, l = 0.0, lq = 0.0;
	double busy = 0.0, carried = 0.0, pk = 0.0;

	for (long n = 0; n <= k; n++) {
		double lw = n <= c ? (double)n * log(a) - lgamma((double)n + 1.0)
				   : (double)c * log(a) - lgamma((double)c + 1.0) +
				     (double)(n - c) * log(a / (double)c);
		if (lw > lmax)
			lmax = lw;
	}
	for (long n = 0; n <= k; n++) {
		double lw = n <= c ? (double)n * log(a) - lgamma((double)n + 1.0)
				   : (double)c * log(a) - lgamma((double)c + 1.0) +
				     (double)(n - c) * log(a / (double)c);
		double w = exp(lw - lmax);

		z += w;
		l += (double)n * w;
		lq += (double)(n > c ? n - c : 0) * w;
		carried += (double)(n < c ? n : c) * w;
		if (n >= c)
			busy += w;
		if (n == k)
			pk = w;
	}
	r->offered_erlangs = a;
	r->blocking_prob = pk / z;
	r->servers_busy_prob = busy / z;
	r->mean_in_system = l / z;
	r->mean_waiting = lq / z;
	r->throughput_per_s = lambda * (1.0 - pk / z);
	r->mean_wait_s = r->mean_waiting / r->throughput_per_s;
	r->mean_sojourn_s = r->mean_in_system / r->throughput_per_s;
	r->utilisation = carried / z / (double)c;
}

static void assert_mmck_close(const struct analytic_mmck *got,
			      const struct analytic_mmck *want, double rel,
			      long c, long k)
{
	cr_assert(fabs(got->blocking_prob - want->blocking_prob) <=
		  rel * want->blocking_prob + 1e-300,
		  "c=%ld K=%ld a=%g: blocking %.17g, direct %.17g", c, k,
		  want->offered_erlangs, got->blocking_prob, want->blocking_prob);
	cr_assert(fabs(got->servers_busy_prob - want->servers_busy_prob) <=
		  rel * want->servers_busy_prob + 1e-300,
		  "c=%ld K=%ld a=%g: busy %.17g, direct %.17g", c, k,
		  want->offered_erlangs, got->servers_busy_prob, want->servers_busy_prob);
	cr_assert(fabs(got->mean_in_system - want->mean_in_system) <=
		  rel * want->mean_in_system,
		  "c=%ld K=%ld a=%g: L %.17g, direct %.17g", c, k,
		  want->offered_erlangs, got->mean_in_system, want->mean_in_system);
	cr_assert(fabs(got->mean_waiting - want->mean_waiting) <=
		  rel * want->mean_waiting + 1e-300,
		  "c=%ld K=%ld a=%g: Lq %.17g, direct %.17g", c, k,
		  want->offered_erlangs, got->mean_waiting, want->mean_waiting);
	cr_assert(fabs(got->mean_wait_s - want->mean_wait_s) <=
		  rel * want->mean_wait_s + 1e-300,
		  "c=%ld K=%ld a=%g: W %.17g, direct %.17g", c, k,
		  want->offered_erlangs, got->mean_wait_s, want->mean_wait_s);
	cr_assert(fabs(got->mean_sojourn_s - want->mean_sojourn_s) <=
		  rel * want->mean_sojourn_s,
		  "c=%ld K=%ld a=%g: T %.17g, direct %.17g", c, k,
		  want->offered_erlangs, got->mean_sojourn_s, want->mean_sojourn_s);
	cr_assert(fabs(got->throughput_per_s - want->throughput_per_s) <=
		  rel * want->throughput_per_s,
		  "c=%ld K=%ld a=%g: X %.17g, direct %.17g", c, k,
		  want->offered_erlangs, got->throughput_per_s, want->throughput_per_s);
	cr_assert(fabs(got->utilisation - want->utilisation) <= rel * want->utilisation,
		  "c=%ld K=%ld a=%g: U %.17g, direct %.17g", c, k,
		  want->offered_erlangs, got->utilisation, want->utilisation);
}

static double mm1k_closed_form(double rho, long k)
{
	if (rho == 1.0)
		return 1.0 / (double)(k + 1);
	return (1.0 - rho) * pow(rho, (double)k) / (1.0 - pow(rho, (double)(k + 1)));
}

/* ---- Erlang B and C --------------------------------------------------------- */

Test(analytic, erlang_b_textbook_values)
{
	/* Reference values from exact rational arithmetic. */
	assert_close(analytic_erlang_b(10, 5.0), 0.018384570336648132, 1e-13, 0);
	assert_close(analytic_erlang_b(2, 1.0), 0.2, 1e-15, 0);
	assert_close(analytic_erlang_b(1000, 950.0), 0.0036492936889424097, 1e-10, 0);
	cr_assert_eq(analytic_erlang_b(0, 3.0), 1.0);
	cr_assert_eq(analytic_erlang_b(7, 0.0), 0.0);
}

Test(analytic, erlang_b_one_server_is_a_over_one_plus_a)
{
	static const double loads[] = { 1e-9, 0.01, 0.5, 1.0, 2.0, 37.5, 1e6, 1e200 };

	for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++)
		assert_close(analytic_erlang_b(1, loads[i]),
			     loads[i] / (1.0 + loads[i]), 1e-15, 0);
}

Test(analytic, erlang_b_large_arguments_finite)
{
	static const struct { long c; double a; } cases[] = {
		{ 1000, 950.0 }, { 1000, 1000.0 }, { 1000, 2000.0 }, { 1000, 1.0 },
		{ 100000, 99000.0 }, { 200000, 250000.0 }, { 5000, 4800.0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double b = analytic_erlang_b(cases[i].c, cases[i].a);

		cr_assert(isfinite(b) && b >= 0.0 && b <= 1.0,
			  "B(%ld, %g) = %g", cases[i].c, cases[i].a, b);
	}
	/* Against the log-space state sum where it is representable. */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct analytic_mmck want;

		if (cases[i].c > 5000 || cases[i].a < 2.0)
			continue;
		direct_mmck(cases[i].a, 1.0, cases[i].c, cases[i].c, &want);
		assert_close(analytic_erlang_b(cases[i].c, cases[i].a),
			     want.blocking_prob, 1e-9, 0);
	}
	/* Overload: carried load a (1 - B) stays below c. */
	cr_assert(2000.0 * (1.0 - analytic_erlang_b(1000, 2000.0)) <= 1000.0);
	/* a << c: tiny but not negative. */
	cr_assert(analytic_erlang_b(1000, 1.0) >= 0.0);
}

Test(analytic, erlang_c_textbook_values)
{
	assert_close(analytic_erlang_c(2, 1.0), 1.0 / 3.0, 1e-15, 0);
	assert_close(analytic_erlang_c(10, 5.0), 0.03610535915832019, 1e-13, 0);
	assert_close(analytic_erlang_c(1000, 950.0), 0.06825341537714143, 1e-10, 0);
	/* M/M/1: an arrival waits with probability rho. */
	for (double rho = 0.05; rho < 1.0; rho += 0.1)
		assert_close(analytic_erlang_c(1, rho), rho, 1e-14, 0);
	cr_assert_eq(analytic_erlang_c(4, 0.0), 0.0);
}

Test(analytic, erlang_c_is_one_at_or_above_saturation)
{
	cr_assert_eq(analytic_erlang_c(10, 10.0), 1.0);
	cr_assert_eq(analytic_erlang_c(10, 12.5), 1.0);
	cr_assert_eq(analytic_erlang_c(0, 0.0), 1.0);
	cr_assert(analytic_erlang_c(10, 9.999999) < 1.0);
	cr_assert(analytic_erlang_c(10, 9.999999) > 0.999);
}

Test(analytic, erlang_rejects_bad_arguments)
{
	cr_assert(isnan(analytic_erlang_b(-1, 1.0)));
	cr_assert(isnan(analytic_erlang_b(3, -0.5)));
	cr_assert(isnan(analytic_erlang_b(3, NAN)));
	cr_assert(isnan(analytic_erlang_b(3, INFINITY)));
	cr_assert(isnan(analytic_erlang_c(-1, 1.0)));
	cr_assert(isnan(analytic_erlang_c(3, -0.5)));
	cr_assert(isnan(analytic_erlang_c(3, NAN)));
	cr_assert(isnan(analytic_erlang_c(3, INFINITY)));
}

/* ---- M/M/1/K and M/M/c/K ------------------------------------------------------ */

Test(analytic, mm1k_matches_closed_form)
{
	static const double rhos[] = { 0.01, 0.1, 0.5, 0.9, 0.999, 1.001, 1.5, 3.0, 20.0 };
	static const long ks[] = { 1, 2, 3, 5, 10, 50, 200 };
	const double mu = 250.0;

	for (size_t i = 0; i < sizeof rhos / sizeof rhos[0]; i++)
		for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++) {
			double want = mm1k_closed_form(rhos[i], ks[j]);
			double got = analytic_mm1k_blocking(rhos[i] * mu, mu, ks[j]);

			cr_assert(fabs(got - want) <= 1e-11 * want + 1e-300,
				  "rho=%g K=%ld: %.17g, closed form %.17g",
				  rhos[i], ks[j], got, want);
		}
}

Test(analytic, mm1k_rho_one_is_one_over_k_plus_one)
{
	for (long k = 1; k <= 1000; k += (k < 20 ? 1 : 97)) {
		struct analytic_mmck r;

		assert_close(analytic_mm1k_blocking(42.0, 42.0, k), 1.0 / (double)(k + 1), 1e-14, 0);
		cr_assert_eq(analytic_mmck_solve(42.0, 42.0, 1, k, &r), ANALYTIC_OK);
		/* Uniform on 0..K. */
		assert_close(r.mean_in_system, (double)k / 2.0, 1e-13, 0);
	}
	assert_close(analytic_mm1k_blocking(1.0, 1.0, 1L << 40), 1.0 / 1099511627777.0, 1e-12, 0);
}

Test(analytic, mm1k_mean_in_system_closed_form)
{
	static const double rhos[] = { 0.2, 0.8, 0.99, 1.01, 1.25, 4.0 };

	for (size_t i = 0; i < sizeof rhos / sizeof rhos[0]; i++)
		for (long k = 1; k <= 64; k *= 2) {
			double rho = rhos[i];
			double want = rho / (1.0 - rho) -
				      (double)(k + 1) * pow(rho, (double)(k + 1)) /
				      (1.0 - pow(rho, (double)(k + 1)));
			struct analytic_mmck r;

			cr_assert_eq(analytic_mmck_solve(rho * 10.0, 10.0, 1, k, &r), ANALYTIC_OK);
			assert_close(r.mean_in_system, want, 1e-10, 0);
		}
}

Test(analytic, mmck_matches_direct_state_sums_small)
{
	/* Includes rho within 1e-9 of 1, where the closed forms' series branch
	 * takes over, and rho exactly 1. */
	static const double rhos[] = { 0.05, 0.5, 0.93, 1.0 - 1e-9, 1.0, 1.0 + 1e-9,
				       1.07, 1.7, 10.0 };
	const double mu = 3.5;

	for (long c = 1; c <= 6; c++)
		for (long k = c; k <= 14; k++)
			for (size_t i = 0; i < sizeof rhos / sizeof rhos[0]; i++) {
				double lambda = rhos[i] * (double)c * mu;
				struct analytic_mmck got, want;

				cr_assert_eq(analytic_mmck_solve(lambda, mu, c, k, &got), ANALYTIC_OK);
				direct_mmck(lambda, mu, c, k, &want);
				assert_mmck_close(&got, &want, 1e-13, c, k);
				assert_close(analytic_mmck_blocking(lambda, mu, c, k),
					     want.blocking_prob, 1e-13, 0);
			}
}

Test(analytic, mmck_matches_direct_state_sums_large)
{
	static const struct { long c, k; double rho; } cases[] = {
		{ 200, 5000, 0.95 }, { 200, 5000, 1.0 }, { 200, 5000, 1.05 },
		{ 200, 5000, 1.0001 }, { 1, 20000, 0.9999 }, { 1, 20000, 1.5 },
		{ 1000, 1200, 0.95 }, { 50, 100000, 0.999 }, { 3, 300, 0.001 },
		{ 1000, 3001000, 1.0 + 3e-7 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double lambda = cases[i].rho * (double)cases[i].c * 2.0;
		struct analytic_mmck got, want;

		cr_assert_eq(analytic_mmck_solve(lambda, 2.0, cases[i].c, cases[i].k, &got),
			     ANALYTIC_OK);
		direct_mmck(lambda, 2.0, cases[i].c, cases[i].k, &want);
		assert_mmck_close(&got, &want, 1e-10, cases[i].c, cases[i].k);
	}
}

Test(analytic, mmck_with_no_waiting_room_is_erlang_b)
{
	for (long c = 1; c <= 300; c += 23)
		for (double a = 0.25; a < 2.0 * (double)c; a *= 1.9)
			assert_close(analytic_mmck_blocking(a * 7.0, 7.0, c, c),
				     analytic_erlang_b(c, a), 1e-13, 0);
}

Test(analytic, mmck_large_k_approaches_erlang_c)
{
	static const long ks[] = { 10000, 1000000, 1L << 40 };
	const long c = 5;
	const double mu = 4.0, lambda = 3.5 * mu;   /* a = 3.5, rho = 0.7 */
	double erlang_c = analytic_erlang_c(c, lambda / mu);
	double rho = lambda / (c * mu);

	for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
		struct analytic_mmck r;

		cr_assert_eq(analytic_mmck_solve(lambda, mu, c, ks[i], &r), ANALYTIC_OK);
		cr_assert(r.blocking_prob < 1e-300, "blocking %g", r.blocking_prob);
		assert_close(r.servers_busy_prob, erlang_c, 1e-12, 0);
		assert_close(r.mean_waiting, erlang_c * rho / (1.0 - rho), 1e-12, 0);
		assert_close(r.mean_wait_s, erlang_c / (c * mu - lambda), 1e-12, 0);
		assert_close(r.mean_in_system, erlang_c * rho / (1.0 - rho) + lambda / mu, 1e-12, 0);
		assert_close(r.utilisation, rho, 1e-12, 0);
		assert_close(r.throughput_per_s, lambda, 1e-12, 0);
	}
	/* Monotone approach from below in the waiting probability. */
	cr_assert(analytic_mmck_blocking(lambda, mu, c, 8) > analytic_mmck_blocking(lambda, mu, c, 30));
}

Test(analytic, mmck_overload_with_huge_k_saturates)
{
	const long c = 4;
	const double mu = 1.0, lambda = 6.0;   /* rho = 1.5 */
	static const long ks[] = { 1000, 1000000, 1L << 40 };

	for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
		struct analytic_mmck r;

		cr_assert_eq(analytic_mmck_solve(lambda, mu, c, ks[i], &r), ANALYTIC_OK);
		/* Every server busy; the excess 1 - c mu / lambda is lost. */
		assert_close(r.blocking_prob, 1.0 - (double)c * mu / lambda, 1e-12, 0);
		assert_close(r.utilisation, 1.0, 1e-12, 0);
		assert_close(r.throughput_per_s, (double)c * mu, 1e-12, 0);
		/* Queue sits near full: K - c - rho/(rho-1) + ... */
		assert_close(r.mean_waiting, (double)(ks[i] - c) - 2.0, 1e-12, 0);
		cr_assert(isfinite(r.mean_wait_s) && isfinite(r.mean_in_system));
	}
}

Test(analytic, mmck_invariants_hold_everywhere)
{
	static const long cs[] = { 1, 2, 7, 64, 1000 };
	static const long extra[] = { 0, 1, 3, 100, 65536, 1L << 32 };
	static const double rhos[] = { 1e-6, 0.3, 0.99, 1.0, 1.01, 2.0, 100.0 };
	const double mu = 0.125;

	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
		for (size_t j = 0; j < sizeof extra / sizeof extra[0]; j++)
			for (size_t l = 0; l < sizeof rhos / sizeof rhos[0]; l++) {
				long c = cs[i], k = cs[i] + extra[j];
				double lambda = rhos[l] * (double)c * mu;
				double a = lambda / mu;
				struct analytic_mmck r;

				cr_assert_eq(analytic_mmck_solve(lambda, mu, c, k, &r), ANALYTIC_OK);
				assert_prob(r.blocking_prob);
				assert_prob(r.servers_busy_prob);
				assert_prob(r.utilisation);
				cr_assert(r.blocking_prob <= r.servers_busy_prob);
				cr_assert(r.mean_waiting >= 0.0 && r.mean_waiting <= (double)(k - c));
				cr_assert(r.mean_in_system >= r.mean_waiting &&
					  r.mean_in_system <= (double)k);
				/* Busy servers = carried load: flow balance. */
				assert_close(r.mean_in_system - r.mean_waiting,
					     a * (1.0 - r.blocking_prob), 1e-9, 1e-12);
				assert_close(r.throughput_per_s, lambda * (1.0 - r.blocking_prob), 1e-9, 0);
				/* Little's law for the admitted customers. */
				assert_close(r.mean_wait_s * r.throughput_per_s, r.mean_waiting, 1e-12, 1e-300);
				assert_close(r.mean_sojourn_s, r.mean_wait_s + 1.0 / mu, 1e-14, 0);
				assert_close(r.mean_sojourn_s * r.throughput_per_s,
					     r.mean_in_system, 1e-9, 0);
				assert_close(r.offered_erlangs, a, 1e-15, 0);
			}
}

Test(analytic, mmck_blocking_monotone_in_load_and_capacity)
{
	double prev = 0.0;

	for (double lambda = 0.1; lambda < 50.0; lambda *= 1.3) {
		double b = analytic_mmck_blocking(lambda, 5.0, 3, 12);

		cr_assert(b > prev, "lambda=%g: %g <= %g", lambda, b, prev);
		prev = b;
	}
	prev = 1.0;
	for (long k = 3; k < 40; k++) {
		double b = analytic_mmck_blocking(14.0, 5.0, 3, k);

		cr_assert(b < prev, "K=%ld: %g >= %g", k, b, prev);
		prev = b;
	}
}

Test(analytic, mmck_zero_arrivals)
{
	struct analytic_mmck r;

	cr_assert_eq(analytic_mmck_solve(0.0, 2.0, 3, 10, &r), ANALYTIC_OK);
	cr_assert_eq(r.blocking_prob, 0.0);
	cr_assert_eq(r.mean_in_system, 0.0);
	cr_assert_eq(r.mean_wait_s, 0.0);
	cr_assert_eq(r.throughput_per_s, 0.0);
	assert_close(r.mean_sojourn_s, 0.5, 1e-15, 0);
}

Test(analytic, mmck_rejects_bad_arguments)
{
	struct analytic_mmck r;

	cr_assert(isnan(analytic_mmck_blocking(-1.0, 1.0, 1, 2)));
	cr_assert(isnan(analytic_mmck_blocking(NAN, 1.0, 1, 2)));
	cr_assert(isnan(analytic_mmck_blocking(INFINITY, 1.0, 1, 2)));
	cr_assert(isnan(analytic_mmck_blocking(1.0, 0.0, 1, 2)));
	cr_assert(isnan(analytic_mmck_blocking(1.0, -2.0, 1, 2)));
	cr_assert(isnan(analytic_mmck_blocking(1.0, INFINITY, 1, 2)));
	cr_assert(isnan(analytic_mmck_blocking(1e300, 1e-300, 1, 2)));   /* a overflows */
	cr_assert(isnan(analytic_mmck_blocking(1.0, 1.0, 0, 2)));
	cr_assert(isnan(analytic_mmck_blocking(1.0, 1.0, 3, 2)));
	cr_assert(isnan(analytic_mm1k_blocking(1.0, 1.0, 0)));
	cr_assert_eq(analytic_mmck_solve(1.0, 1.0, 3, 2, &r), ANALYTIC_EINVAL);
	cr_assert_eq(analytic_mmck_solve(1.0, 1.0, 1, 2, NULL), ANALYTIC_EINVAL);
}

/* ---- listener mapping --------------------------------------------------------- */

Test(analytic, listener_capacity_is_accept_queue_plus_workers)
{
	/* backlog 8: the accept queue holds 9, one worker holds 1. */
	cr_assert_eq(analytic_listener_capacity(8, 1), 10);
	cr_assert_eq(analytic_listener_capacity(0, 1), 2);
	cr_assert_eq(analytic_listener_capacity(511, 16), 528);
	cr_assert_eq(analytic_listener_capacity(-1, 1), -1);
	cr_assert_eq(analytic_listener_capacity(8, 0), -1);
	cr_assert_eq(analytic_listener_capacity(LONG_MAX - 1, 1), -1);
	/* One worker, N = 8: M/M/1/10. */
	assert_close(analytic_mm1k_blocking(90.0, 100.0, analytic_listener_capacity(8, 1)),
		     mm1k_closed_form(0.9, 10), 1e-13, 0);
}

/* ---- SYN-retry fixed point ---------------------------------------------------- */

static void assert_fixed_point(double lambda, double mu, long c, long k, long r)
{
	struct analytic_syn_retry s;
	double b, sum, copies = 0.0, bi = 1.0;
	int status = analytic_syn_retry_solve(lambda, mu, c, k, r, &s);

	cr_assert_eq(status, ANALYTIC_OK, "lambda=%g mu=%g c=%ld K=%ld R=%ld: %s",
		     lambda, mu, c, k, r, analytic_strerror(status));
	b = s.copy_blocking;
	assert_prob(b);
	cr_assert_eq(s.syn_retries, r);
	for (long i = 0; i <= r; i++) {
		copies += bi;
		bi *= b;
	}
	assert_close(s.mean_copies, copies, 1e-14, 0);
	assert_close(s.offered_per_s, lambda * copies, 1e-14, 0);
	/* Its own equation: b = B(lambda (1 + b + ... + b^R)). */
	cr_assert(fabs(analytic_mmck_blocking(s.offered_per_s, mu, c, k) - b) <= 1e-9,
		  "lambda=%g c=%ld K=%ld R=%ld: b=%.17g, B(offered)=%.17g",
		  lambda, c, k, r, b, analytic_mmck_blocking(s.offered_per_s, mu, c, k));
	assert_close(s.attempt_failure_prob, pow(b, (double)(r + 1)), 1e-13, 1e-300);
	sum = s.attempt_failure_prob;
	for (long j = 0; j <= ANALYTIC_SYN_RETRIES_MAX; j++) {
		if (j <= r)
			assert_close(s.success_at_copy_prob[j], (1.0 - b) * pow(b, (double)j),
				     1e-12, 1e-300);
		else
			cr_assert_eq(s.success_at_copy_prob[j], 0.0);
		sum += s.success_at_copy_prob[j];
	}
	assert_close(sum, 1.0, 1e-13, 0);
}

Test(analytic, syn_retry_satisfies_its_equation)
{
	static const long rs[] = { 0, 1, 3, 6, 127 };
	static const double loads[] = { 0.01, 0.5, 0.9, 1.0, 1.2, 3.0, 50.0 };
	static const struct { long c, k; } queues[] = {
		{ 1, 2 }, { 1, 10 }, { 1, 130 }, { 4, 12 }, { 16, 528 }, { 100, 4197 },
	};

	for (size_t q = 0; q < sizeof queues / sizeof queues[0]; q++)
		for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++)
			for (size_t j = 0; j < sizeof rs / sizeof rs[0]; j++)
				assert_fixed_point(loads[i] * (double)queues[q].c * 20.0, 20.0,
						   queues[q].c, queues[q].k, rs[j]);
}

Test(analytic, syn_retry_with_no_retries_is_plain_blocking)
{
	for (double lambda = 0.5; lambda < 400.0; lambda *= 1.7) {
		struct analytic_syn_retry s;
		double plain = analytic_mmck_blocking(lambda, 100.0, 2, 9);

		cr_assert_eq(analytic_syn_retry_solve(lambda, 100.0, 2, 9, 0, &s), ANALYTIC_OK);
		assert_close(s.copy_blocking, plain, 1e-12, 0);
		assert_close(s.attempt_failure_prob, plain, 1e-12, 0);
		assert_close(s.offered_per_s, lambda, 1e-15, 0);
		assert_close(s.success_at_copy_prob[0], 1.0 - plain, 1e-12, 0);
	}
}

Test(analytic, syn_retry_blocking_increases_with_load)
{
	static const long rs[] = { 1, 3, 6 };

	for (size_t j = 0; j < sizeof rs / sizeof rs[0]; j++) {
		double prev = 0.0;

		for (double lambda = 10.0; lambda < 1000.0; lambda *= 1.15) {
			struct analytic_syn_retry s;

			cr_assert_eq(analytic_syn_retry_solve(lambda, 100.0, 1, 10, rs[j], &s),
				     ANALYTIC_OK);
			cr_assert(s.copy_blocking > prev, "R=%ld lambda=%g: b %.17g <= %.17g",
				  rs[j], lambda, s.copy_blocking, prev);
			prev = s.copy_blocking;
		}
	}
}

Test(analytic, syn_retry_amplifies_blocking)
{
	/* Retries add offered load, so each copy is dropped more often than
	 * without retries, yet the attempt as a whole fails less often. */
	struct analytic_syn_retry s0, s3;

	cr_assert_eq(analytic_syn_retry_solve(80.0, 100.0, 1, 10, 0, &s0), ANALYTIC_OK);
	cr_assert_eq(analytic_syn_retry_solve(80.0, 100.0, 1, 10, 3, &s3), ANALYTIC_OK);
	cr_assert(s3.copy_blocking > s0.copy_blocking);
	cr_assert(s3.attempt_failure_prob < s0.attempt_failure_prob);
	cr_assert(s3.offered_per_s > 80.0);
}

Test(analytic, syn_retry_fixed_point_is_unique)
{
	/* The header claims b -> B(lambda (1 + ... + b^R)) - b crosses zero once
	 * on [0,1]; check on a fine grid, including heavy overload and long
	 * queues where the map is steep, that it is positive below the
	 * reported b and negative above. */
	static const struct { double lambda; long c, k, r; } cases[] = {
		{ 0.95, 1, 100, 10 }, { 0.999, 1, 1000, 127 }, { 1.5, 1, 10, 6 },
		{ 30.0, 1, 3, 6 }, { 7.5, 8, 40, 3 }, { 12.0, 8, 200, 6 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct analytic_syn_retry s;

		cr_assert_eq(analytic_syn_retry_solve(cases[i].lambda, 1.0, cases[i].c,
						      cases[i].k, cases[i].r, &s), ANALYTIC_OK);
		assert_fixed_point(cases[i].lambda, 1.0, cases[i].c, cases[i].k, cases[i].r);
		for (int g = 0; g <= 2000; g++) {
			double x = g / 2000.0, copies = 0.0, xi = 1.0, resid;

			for (long n = 0; n <= cases[i].r; n++) {
				copies += xi;
				xi *= x;
			}
			resid = analytic_mmck_blocking(cases[i].lambda * copies, 1.0,
						       cases[i].c, cases[i].k) - x;
			if (x < s.copy_blocking - 1e-9)
				cr_assert(resid > 0.0, "case %zu: b=%.17g, g(%g) = %g",
					  i, s.copy_blocking, x, resid);
			else if (x > s.copy_blocking + 1e-9)
				cr_assert(resid < 0.0, "case %zu: b=%.17g, g(%g) = %g",
					  i, s.copy_blocking, x, resid);
		}
	}
}

Test(analytic, syn_retry_zero_load_and_bad_arguments)
{
	struct analytic_syn_retry s;

	cr_assert_eq(analytic_syn_retry_solve(0.0, 1.0, 1, 5, 6, &s), ANALYTIC_OK);
	cr_assert_eq(s.copy_blocking, 0.0);
	cr_assert_eq(s.success_at_copy_prob[0], 1.0);
	cr_assert_eq(s.attempt_failure_prob, 0.0);

	cr_assert_eq(analytic_syn_retry_solve(1.0, 1.0, 1, 5, -1, &s), ANALYTIC_EINVAL);
	cr_assert_eq(analytic_syn_retry_solve(1.0, 1.0, 1, 5, 128, &s), ANALYTIC_EINVAL);
	cr_assert_eq(analytic_syn_retry_solve(1.0, 1.0, 0, 5, 1, &s), ANALYTIC_EINVAL);
	cr_assert_eq(analytic_syn_retry_solve(1.0, 1.0, 6, 5, 1, &s), ANALYTIC_EINVAL);
	cr_assert_eq(analytic_syn_retry_solve(-1.0, 1.0, 1, 5, 1, &s), ANALYTIC_EINVAL);
	cr_assert_eq(analytic_syn_retry_solve(1.0, 0.0, 1, 5, 1, &s), ANALYTIC_EINVAL);
	cr_assert_eq(analytic_syn_retry_solve(1.0, 1.0, 1, 5, 1, NULL), ANALYTIC_EINVAL);
	cr_assert_str_eq(analytic_strerror(ANALYTIC_EINVAL), "argument out of range");
	cr_assert_str_eq(analytic_strerror(12345), "unknown analytic status");
}
