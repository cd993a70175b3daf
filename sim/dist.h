/* dist.h: random durations.
 *
 * A struct dist describes a non-negative random quantity: a constant, or an
 * exponential, uniform, normal (truncated at 0), lognormal or empirical
 * distribution.  Values are in whatever unit the owner keeps (the models use
 * nanoseconds).  Sampling draws from a caller-given stream; a constant draws
 * nothing, so a constant never disturbs a stream.
 */
#ifndef TCPQSIM_DIST_H
#define TCPQSIM_DIST_H

#include <stddef.h>

#include "sim/rng.h"

enum dist_kind {
	DIST_CONSTANT,
	DIST_EXPONENTIAL,
	DIST_UNIFORM,
	DIST_NORMAL,
	DIST_LOGNORMAL,
	DIST_EMPIRICAL,
};

struct dist {
	enum dist_kind kind;
	double a;             /* constant: value; exponential: mean; uniform: min;
	                         normal: mean; lognormal: median */
	double b;             /* uniform: max; normal: stddev; lognormal: sigma */
	const double *values; /* empirical: sorted sample values (borrowed) */
	size_t n_values;      /* empirical: how many */
};

/* dist_constant: a distribution that always gives v. */
static inline struct dist dist_constant(double v)
{
	struct dist d = {DIST_CONSTANT, v, 0, NULL, 0};
	return d;
}

/* dist_sample: one draw, never negative (normal is truncated at 0 by
 * redrawing; an empirical distribution returns one of its values at random,
 * interpolating between neighbours). */
double dist_sample(const struct dist *d, struct rng_stream *s);

/* dist_mean: the mean of the distribution (of the truncated normal). */
double dist_mean(const struct dist *d);

/* dist_reach: the largest draw d can give in practice, in its own unit (the
 * generators draw from 32-bit uniforms: an exponential stays under 23 means,
 * a Gaussian under 10 standard deviations). */
double dist_reach(const struct dist *d);

/* dist_max_hint: a value the draws rarely exceed (the 99.99th percentile, or
 * the maximum where there is one), used to size run lengths. */
double dist_max_hint(const struct dist *d);

#endif
