/* dist.c: random durations (see dist.h). */
#include "sim/dist.h"

#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

double dist_sample(const struct dist *d, struct rng_stream *s)
{
	switch (d->kind) {
	case DIST_CONSTANT:
		return d->a;
	case DIST_EXPONENTIAL:
		return gsl_ran_exponential(s->gen, d->a);
	case DIST_UNIFORM:
		return d->a + (d->b - d->a) * rng_uniform(s);
	case DIST_NORMAL:
		for (int i = 0; i < 1000; i++) {
			double v = d->a + gsl_ran_gaussian_ziggurat(s->gen, d->b);
			if (v >= 0)
				return v;
		}
		return 0;
	case DIST_LOGNORMAL:
		return gsl_ran_lognormal(s->gen, log(d->a), d->b);
	case DIST_EMPIRICAL: {
		if (d->n_values == 1)
			return d->values[0];
		double u = rng_uniform(s) * (double)(d->n_values - 1);
		size_t i = (size_t)u;
		double f = u - (double)i;
		return d->values[i] + f * (d->values[i + 1] - d->values[i]);
	}
	}
	return d->a;
}

double dist_mean(const struct dist *d)
{
	switch (d->kind) {
	case DIST_CONSTANT:
	case DIST_EXPONENTIAL:
		return d->a;
	case DIST_UNIFORM:
		return (d->a + d->b) / 2;
	case DIST_NORMAL: {
		if (d->b <= 0)
			return d->a > 0 ? d->a : 0;
		double alpha = -d->a / d->b;
		double z = 1 - gsl_cdf_ugaussian_P(alpha);
		return z > 0 ? d->a + d->b * gsl_ran_ugaussian_pdf(alpha) / z : 0;
	}
	case DIST_LOGNORMAL:
		return d->a * exp(d->b * d->b / 2);
	case DIST_EMPIRICAL: {
		double sum = 0;
		for (size_t i = 0; i + 1 < d->n_values; i++)
			sum += (d->values[i] + d->values[i + 1]) / 2;
		return d->n_values > 1 ? sum / (double)(d->n_values - 1) : d->values[0];
	}
	}
	return d->a;
}

/* the largest draw a distribution can give in practice, in its own unit: the
 * generators draw from 32-bit uniforms, so an exponential stays under 23
 * means and a Gaussian under 10 standard deviations */
double dist_reach(const struct dist *d)
{
	switch (d->kind) {
	case DIST_CONSTANT:
		return d->a;
	case DIST_EXPONENTIAL:
		return 23 * d->a;
	case DIST_UNIFORM:
		return d->b;
	case DIST_NORMAL:
		return d->a + 10 * d->b;
	case DIST_LOGNORMAL:
		return d->a * exp(10 * d->b);
	case DIST_EMPIRICAL:
		return d->n_values ? d->values[d->n_values - 1] : 0;
	}
	return d->a;
}

double dist_max_hint(const struct dist *d)
{
	switch (d->kind) {
	case DIST_CONSTANT:
		return d->a;
	case DIST_EXPONENTIAL:
		return d->a * 9.21; /* -ln(1e-4) */
	case DIST_UNIFORM:
		return d->b;
	case DIST_NORMAL:
		return d->a + 3.72 * d->b;
	case DIST_LOGNORMAL:
		return d->a * exp(3.72 * d->b);
	case DIST_EMPIRICAL:
		return d->values[d->n_values - 1];
	}
	return d->a;
}
