/* hist.c: streaming histograms (see hist.h). */
#include "sim/hist.h"

#include <stdlib.h>
#include <string.h>

#define SUB (1 << HIST_SUB_BITS) /* 256 */

size_t hist_bucket_of(int64_t v)
{
	if (v < 0)
		v = 0;
	uint64_t u = (uint64_t)v;
	if (u < 2 * SUB)
		return (size_t)u;
	int mag = 63 - __builtin_clzll(u);  /* >= HIST_SUB_BITS + 1 */
	int shift = mag - HIST_SUB_BITS;     /* >= 1; u >> shift in [SUB, 2 SUB) */
	return (size_t)shift * SUB + (size_t)(u >> shift);
}

int64_t hist_bucket_low(size_t b)
{
	if (b < 2 * SUB)
		return (int64_t)b;
	size_t shift = b / SUB - 1;
	uint64_t top = b - shift * SUB; /* in [SUB, 2 SUB) */
	return (int64_t)(top << shift);
}

int64_t hist_bucket_high(size_t b)
{
	if (b < 2 * SUB)
		return (int64_t)b;
	size_t shift = b / SUB - 1;
	uint64_t top = b - shift * SUB;
	uint64_t hi = ((top + 1) << shift) - 1;
	return hi > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)hi;
}

int hist_init(struct hist *h)
{
	h->buckets = calloc(HIST_BUCKETS, sizeof(*h->buckets));
	h->sums = calloc(HIST_BUCKETS, sizeof(*h->sums));
	if (!h->buckets || !h->sums) {
		hist_fini(h);
		return -1;
	}
	h->count = 0;
	h->min = INT64_MAX;
	h->max = 0;
	h->sum = 0;
	return 0;
}

void hist_fini(struct hist *h)
{
	free(h->buckets);
	free(h->sums);
	h->buckets = NULL;
	h->sums = NULL;
}

void hist_reset(struct hist *h)
{
	memset(h->buckets, 0, HIST_BUCKETS * sizeof(*h->buckets));
	memset(h->sums, 0, HIST_BUCKETS * sizeof(*h->sums));
	h->count = 0;
	h->min = INT64_MAX;
	h->max = 0;
	h->sum = 0;
}

void hist_record(struct hist *h, int64_t v)
{
	if (v < 0)
		v = 0;
	size_t b = hist_bucket_of(v);
	h->buckets[b]++;
	h->sums[b] += (double)v;
	h->count++;
	h->sum += (double)v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		dst->buckets[i] += src->buckets[i];
		dst->sums[i] += src->sums[i];
	}
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

int64_t hist_quantile(const struct hist *h, double q)
{
	if (h->count == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank) {
			int64_t lo = hist_bucket_low(b), hi = hist_bucket_high(b);
			int64_t mid = (int64_t)(h->sums[b] / (double)h->buckets[b] + 0.5);
			if (mid < lo)
				mid = lo;
			if (mid > hi)
				mid = hi;
			if (mid < h->min)
				mid = h->min;
			if (mid > h->max)
				mid = h->max;
			return mid;
		}
	}
	return h->max;
}

int fixed_hist_init(struct fixed_hist *f, int64_t w, size_t max_bins)
{
	f->bin_width = w > 0 ? w : 1;
	f->bins = NULL;
	f->n_bins = 0;
	f->max_bins = max_bins ? max_bins : 1000000;
	return 0;
}

void fixed_hist_fini(struct fixed_hist *f)
{
	free(f->bins);
	f->bins = NULL;
	f->n_bins = 0;
}

static int grow(struct fixed_hist *f, size_t need)
{
	size_t n = f->n_bins ? f->n_bins : 64;
	while (n < need)
		n *= 2;
	if (n > f->max_bins)
		n = f->max_bins;
	uint64_t *nb = realloc(f->bins, n * sizeof(*nb));
	if (!nb)
		return -1;
	memset(nb + f->n_bins, 0, (n - f->n_bins) * sizeof(*nb));
	f->bins = nb;
	f->n_bins = n;
	return 0;
}

int fixed_hist_record(struct fixed_hist *f, int64_t v)
{
	if (v < 0)
		v = 0;
	uint64_t i = (uint64_t)(v / f->bin_width);
	if (i >= f->max_bins)
		i = f->max_bins - 1;
	if (i >= f->n_bins && grow(f, (size_t)i + 1) < 0)
		return -1;
	f->bins[i]++;
	return 0;
}

int fixed_hist_merge(struct fixed_hist *dst, const struct fixed_hist *src)
{
	if (src->n_bins > dst->n_bins && grow(dst, src->n_bins) < 0)
		return -1;
	for (size_t i = 0; i < src->n_bins; i++)
		dst->bins[i] += src->bins[i];
	return 0;
}
