/* rng.h: independent random streams derived from one run seed.
 *
 * Each source of randomness (arrivals, network, service, ...) owns one
 * stream: a GSL generator (mt19937) whose seed is a hash of the run seed, the
 * replication index and the stream's id.  Changing what one source draws
 * leaves every other source's draws unchanged, which gives common random
 * numbers across the points of a sweep.
 */
#ifndef TCPQSIM_RNG_H
#define TCPQSIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

struct rng_stream {
	gsl_rng *gen; /* owned GSL generator */
};

/* rng_mix64: the splitmix64 finaliser, a bijective 64-bit hash. */
uint64_t rng_mix64(uint64_t x);

/* rng_derive_seed: the seed of stream `stream` of replication `rep` of a run
 * seeded with `seed`. */
uint64_t rng_derive_seed(uint64_t seed, uint64_t rep, uint64_t stream);

/* rng_stream_init: allocate and seed a stream.  Returns 0, -1 when out of
 * memory.  rng_stream_fini frees it. */
int rng_stream_init(struct rng_stream *s, uint64_t seed, uint64_t rep, uint64_t stream);
void rng_stream_fini(struct rng_stream *s);

/* rng_uniform: a double in [0, 1). */
static inline double rng_uniform(struct rng_stream *s)
{
	return gsl_rng_uniform(s->gen);
}

/* rng_uniform_pos: a double in (0, 1). */
static inline double rng_uniform_pos(struct rng_stream *s)
{
	return gsl_rng_uniform_pos(s->gen);
}

/* rng_bernoulli: true with probability p (p <= 0 never draws). */
static inline int rng_bernoulli(struct rng_stream *s, double p)
{
	return p > 0 && gsl_rng_uniform(s->gen) < p;
}

/* rng_below: an integer in [0, n), n >= 1. */
static inline unsigned long rng_below(struct rng_stream *s, unsigned long n)
{
	return gsl_rng_uniform_int(s->gen, n);
}

#endif
