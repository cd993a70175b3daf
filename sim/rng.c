/* rng.c: random streams (see rng.h). */
#include "sim/rng.h"

uint64_t rng_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t rng_derive_seed(uint64_t seed, uint64_t rep, uint64_t stream)
{
	return rng_mix64(rng_mix64(rng_mix64(seed) ^ rep) ^ (stream * 0x632be59bd9b4e019ULL));
}

int rng_stream_init(struct rng_stream *s, uint64_t seed, uint64_t rep, uint64_t stream)
{
	s->gen = gsl_rng_alloc(gsl_rng_mt19937);
	if (!s->gen)
		return -1;
	uint64_t d = rng_derive_seed(seed, rep, stream);
	/* mt19937 takes 32 bits of seed; fold the 64-bit hash, avoid GSL's 0 -> 4357 */
	unsigned long s32 = (unsigned long)((d ^ (d >> 32)) & 0xffffffffUL);
	gsl_rng_set(s->gen, s32 ? s32 : 1);
	return 0;
}

void rng_stream_fini(struct rng_stream *s)
{
	gsl_rng_free(s->gen);
	s->gen = NULL;
}
