/* test_hist.c: streaming histograms against exact quantiles. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "sim/dist.h"
#include "sim/hist.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int64_t exact_quantile(const int64_t *v, size_t n, double q)
{
	double r = ceil(q * (double)n);
	size_t rank = r < 1 ? 1 : (size_t)r;
	return v[rank - 1];
}

Test(hist, buckets_tile_the_line)
{
	for (size_t b = 0; b < hist_bucket_of(INT64_MAX); b++) {
		cr_assert_eq(hist_bucket_low(b + 1), hist_bucket_high(b) + 1, "bucket %zu", b);
		cr_assert_eq(hist_bucket_of(hist_bucket_low(b)), b);
		cr_assert_eq(hist_bucket_of(hist_bucket_high(b)), b);
		double width = (double)(hist_bucket_high(b) - hist_bucket_low(b) + 1);
		if (hist_bucket_low(b) >= 256)
			cr_assert_leq(width / (double)hist_bucket_low(b), 1.0 / 256 + 1e-12);
	}
}

Test(hist, quantiles_within_half_a_percent_of_exact)
{
	struct rng_stream rs;
	rng_stream_init(&rs, 3, 0, 9);
	enum { N = 200000 };
	int64_t *v = malloc(N * sizeof(*v));
	struct hist h;
	cr_assert_eq(hist_init(&h), 0);
	struct dist d = {DIST_LOGNORMAL, 5e6, 1.5, NULL, 0};
	for (size_t i = 0; i < N; i++) {
		v[i] = (int64_t)dist_sample(&d, &rs);
		hist_record(&h, v[i]);
	}
	qsort(v, N, sizeof(*v), cmp_i64);
	double qs[] = {0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double e = (double)exact_quantile(v, N, qs[i]);
		double got = (double)hist_quantile(&h, qs[i]);
		cr_assert_leq(fabs(got - e) / e, 0.005, "seed 3: q=%g exact %g got %g", qs[i], e, got);
	}
	cr_assert_eq(hist_quantile(&h, 0), v[0]);
	cr_assert_eq(hist_quantile(&h, 1), v[N - 1]);
	cr_assert_eq(h.count, N);
	hist_fini(&h);
	free(v);
	rng_stream_fini(&rs);
}

Test(hist, a_spike_is_reported_exactly)
{
	struct hist h;
	hist_init(&h);
	for (int i = 0; i < 10; i++)
		hist_record(&h, 100);
	for (int i = 0; i < 90; i++)
		hist_record(&h, 3000100000);
	cr_assert_eq(hist_quantile(&h, 0.5), 3000100000);
	cr_assert_eq(hist_quantile(&h, 0.05), 100);
	hist_fini(&h);
}

Test(hist, merge_equals_recording_everything)
{
	struct hist a, b, all;
	hist_init(&a);
	hist_init(&b);
	hist_init(&all);
	for (int64_t i = 0; i < 10000; i++) {
		hist_record(i % 2 ? &a : &b, i * 977);
		hist_record(&all, i * 977);
	}
	hist_merge(&a, &b);
	for (double q = 0.05; q < 1; q += 0.05)
		cr_assert_eq(hist_quantile(&a, q), hist_quantile(&all, q));
	hist_fini(&a);
	hist_fini(&b);
	hist_fini(&all);
}

Test(hist, fixed_bins_count_into_the_right_bin)
{
	struct fixed_hist f;
	fixed_hist_init(&f, 10, 1000);
	fixed_hist_record(&f, 0);
	fixed_hist_record(&f, 9);
	fixed_hist_record(&f, 10);
	fixed_hist_record(&f, 12345);
	cr_assert_eq(f.bins[0], 2);
	cr_assert_eq(f.bins[1], 1);
	cr_assert_eq(f.bins[999], 1); /* past the ceiling: the last bin */
	fixed_hist_fini(&f);
}
