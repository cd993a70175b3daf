/* compare_stats.c: CDFs, the KS distance and the tolerance checks of
 * compare (compare.h). */
#include "app/compare.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/util/jsonread.h"

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* ---- distances ------------------------------------------------------------- */

int cmp_bins_from_values(const double *values, size_t n, double bin_ms, struct cmp_bins *out)
{
	memset(out, 0, sizeof(*out));
	out->bin_ms = bin_ms;
	out->lower_ms = malloc((n ? n : 1) * sizeof(double));
	out->count = malloc((n ? n : 1) * sizeof(double));
	if (!out->lower_ms || !out->count) {
		cmp_bins_fini(out);
		return -1;
	}
	/* values may be unsorted: sort the bin indices */
	double *idx = malloc((n ? n : 1) * sizeof(double));
	if (!idx) {
		cmp_bins_fini(out);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = floor(values[i] / bin_ms);
	qsort(idx, n, sizeof(double), cmp_double);
	for (size_t i = 0; i < n; i++) {
		if (out->n && out->lower_ms[out->n - 1] == idx[i] * bin_ms) {
			out->count[out->n - 1] += 1;
		} else {
			out->lower_ms[out->n] = idx[i] * bin_ms;
			out->count[out->n++] = 1;
		}
	}
	out->total = (double)n;
	free(idx);
	return 0;
}

/* the number of bins whose lower edge is <= x (binary search) */
static size_t bins_at_or_below(const struct cmp_bins *b, double x)
{
	size_t lo = 0, hi = b->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->lower_ms[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* F at x given the counts of the bins below bin i, interpolated in bin i */
static double cdf_in_bin(const struct cmp_bins *b, size_t i, double below, double x)
{
	double part = (x - b->lower_ms[i]) / b->bin_ms;
	if (part > 1)
		part = 1;
	return (below + b->count[i] * part) / b->total;
}

double cmp_bins_cdf(const struct cmp_bins *b, double x)
{
	if (b->total <= 0 || b->n == 0)
		return 0;
	size_t lo = bins_at_or_below(b, x);
	if (lo == 0)
		return 0;
	double below = 0; /* O(bins): the distance below uses prefix sums instead */
	for (size_t j = 0; j + 1 < lo; j++)
		below += b->count[j];
	return cdf_in_bin(b, lo - 1, below, x);
}

/* F at x with a prefix-sum array (cum[i] = counts of bins before i) */
static double cdf_fast(const struct cmp_bins *b, const double *cum, double x)
{
	size_t lo = bins_at_or_below(b, x);
	if (lo == 0)
		return 0;
	return cdf_in_bin(b, lo - 1, cum[lo - 1], x);
}

static double *prefix_sums(const struct cmp_bins *b)
{
	double *cum = malloc((b->n ? b->n : 1) * sizeof(double));
	if (!cum)
		return NULL;
	double acc = 0;
	for (size_t i = 0; i < b->n; i++) {
		cum[i] = acc;
		acc += b->count[i];
	}
	return cum;
}

static double ks_bins(const struct cmp_bins *a, const struct cmp_bins *b, double grid_ms)
{
	if (a->total <= 0 || b->total <= 0)
		return NAN;
	double *ca = prefix_sums(a), *cb = prefix_sums(b);
	double d = NAN;
	if (!ca || !cb)
		goto out;
	d = 0;
	double top = fmax(a->lower_ms[a->n - 1] + a->bin_ms, b->lower_ms[b->n - 1] + b->bin_ms);
	if (grid_ms > 0 && top / grid_ms <= 1e7) {
		for (double k = 0;; k++) {
			double x = k * grid_ms;
			double diff = fabs(cdf_fast(a, ca, x) - cdf_fast(b, cb, x));
			if (diff > d)
				d = diff;
			if (x >= top)
				break;
		}
		goto out;
	}
	/* both CDFs are piecewise linear between the edges of either side, so the
	 * largest gap is at one of those edges */
	const struct cmp_bins *sides[2] = {a, b};
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < sides[s]->n; i++)
			for (int e = 0; e < 2; e++) {
				double x = sides[s]->lower_ms[i] + (e ? sides[s]->bin_ms : 0);
				double diff = fabs(cdf_fast(a, ca, x) - cdf_fast(b, cb, x));
				if (diff > d)
					d = diff;
			}
out:
	free(ca);
	free(cb);
	return d;
}

/* exact two-sample statistic on sorted values */
static double ks_values(const double *x, size_t n, const double *y, size_t m)
{
	size_t i = 0, j = 0;
	double d = 0;
	while (i < n && j < m) {
		double t = x[i] < y[j] ? x[i] : y[j];
		while (i < n && x[i] <= t)
			i++;
		while (j < m && y[j] <= t)
			j++;
		double diff = fabs((double)i / (double)n - (double)j / (double)m);
		if (diff > d)
			d = diff;
	}
	return d;
}

/* a summary without bins: its CDF through the percentiles, linear between
 * (0, 0), (p50, 0.5), (p90, 0.9), (p99, 0.99), (p999, 0.999), (max, 1) */
static double cdf_percentiles(const struct cmp_side *s, double x)
{
	const double xs[] = {0, s->p50, s->p90, s->p99, s->p999, s->max};
	const double qs[] = {0, 0.5, 0.9, 0.99, 0.999, 1};
	if (x <= 0)
		return 0;
	for (int i = 1; i < 6; i++)
		if (x < xs[i])
			return xs[i] > xs[i - 1] ? qs[i - 1] + (qs[i] - qs[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1])
			                         : qs[i];
	return 1;
}

/* fraction of the values below or at x (a durations file) */
static double cdf_values(const struct cmp_side *s, double x)
{
	size_t lo = 0, hi = s->n_values;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->values[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return s->n_values ? (double)lo / (double)s->n_values : 0;
}

static double cdf_any(const struct cmp_side *s, double x)
{
	if (s->kind == CMP_DURATIONS)
		return cdf_values(s, x);
	if (!s->has_bins)
		return cdf_percentiles(s, x);
	return cmp_bins_cdf(&s->hist, x);
}

double cmp_side_cdf(const struct cmp_side *s, double x)
{
	return cdf_any(s, x);
}

/* the distance at the percentiles of the side(s) without bins */
static double ks_percentiles(const struct cmp_side *a, const struct cmp_side *b)
{
	const struct cmp_side *sides[2] = {a, b};
	double d = 0;
	for (int k = 0; k < 2; k++) {
		const struct cmp_side *s = sides[k];
		if (s->kind != CMP_SUMMARY || s->has_bins)
			continue;
		const double xs[] = {s->p50, s->p90, s->p99, s->p999, s->max};
		for (int i = 0; i < 5; i++) {
			double diff = fabs(cdf_any(a, xs[i]) - cdf_any(b, xs[i]));
			if (diff > d)
				d = diff;
		}
	}
	return d;
}

bool cmp_side_has_distribution(const struct cmp_side *s)
{
	return s->kind == CMP_DURATIONS || s->has_bins;
}

double cmp_ks_distance(const struct cmp_side *a, const struct cmp_side *b, double grid_ms)
{
	if (!(a->count > 0) || !(b->count > 0))
		return NAN;
	if (!cmp_side_has_distribution(a) || !cmp_side_has_distribution(b))
		return ks_percentiles(a, b);
	if (a->kind == CMP_DURATIONS && b->kind == CMP_DURATIONS && !(grid_ms > 0))
		return ks_values(a->values, a->n_values, b->values, b->n_values);
	struct cmp_bins ta = {0}, tb = {0};
	const struct cmp_bins *ba = &a->hist, *bb = &b->hist;
	double d = NAN;
	if (a->kind == CMP_DURATIONS) {
		double w = grid_ms > 0 ? grid_ms : b->hist.bin_ms;
		if (b->kind == CMP_DURATIONS)
			w = grid_ms;
		if (cmp_bins_from_values(a->values, a->n_values, w, &ta) < 0)
			goto out;
		ba = &ta;
	}
	if (b->kind == CMP_DURATIONS) {
		double w = grid_ms > 0 ? grid_ms : a->hist.bin_ms;
		if (cmp_bins_from_values(b->values, b->n_values, w, &tb) < 0)
			goto out;
		bb = &tb;
	}
	d = ks_bins(ba, bb, grid_ms);
out:
	cmp_bins_fini(&ta);
	cmp_bins_fini(&tb);
	return d;
}

/* the largest share of b's values in one cell of width w (w <= 0: one bin) */
static double max_cell_mass(const struct cmp_bins *b, double w)
{
	if (!(b->total > 0))
		return 0;
	double best = 0, acc = 0;
	double cell = -1;
	for (size_t i = 0; i < b->n; i++) {
		double c = w > 0 ? floor(b->lower_ms[i] / w) : (double)i;
		if (c != cell) {
			acc = 0;
			cell = c;
		}
		acc += b->count[i];
		if (acc > best)
			best = acc;
	}
	return best / b->total;
}

double cmp_ks_slack(const struct cmp_side *a, const struct cmp_side *b, double grid_ms)
{
	if (!(a->count > 0) || !(b->count > 0) || !cmp_side_has_distribution(a) || !cmp_side_has_distribution(b))
		return NAN;
	if (a->kind == CMP_DURATIONS && b->kind == CMP_DURATIONS && !(grid_ms > 0))
		return 0;
	const struct cmp_side *sides[2] = {a, b};
	double mass[2] = {0, 0}, width[2] = {0, 0};
	for (int k = 0; k < 2; k++) {
		const struct cmp_side *s = sides[k], *o = sides[1 - k];
		double w = grid_ms > 0 ? grid_ms : 0;
		if (s->kind == CMP_DURATIONS) {
			struct cmp_bins t = {0};
			double bw = grid_ms > 0 ? grid_ms : o->hist.bin_ms;
			if (cmp_bins_from_values(s->values, s->n_values, bw, &t) < 0)
				return NAN;
			mass[k] = max_cell_mass(&t, w);
			width[k] = bw;
			cmp_bins_fini(&t);
		} else {
			mass[k] = max_cell_mass(&s->hist, w);
			width[k] = grid_ms > 0 ? grid_ms : s->hist.bin_ms;
		}
	}
	/* on one grid of cells (both sides binned alike from 0), at a point x
	 * inside a cell each CDF lies between its values at the cell's edges,
	 * where the distance is known: it can grow by the larger of the two
	 * cells' shares.  On different grids the shares add up. */
	if (width[0] == width[1])
		return fmax(mass[0], mass[1]);
	return mass[0] + mass[1];
}

/* ---- checks ------------------------------------------------------------------ */

double cmp_outcome_frac(const struct cmp_side *s, int o)
{
	if (o < 0 || o >= OUTCOME_COUNT || isnan(s->outcomes[o]) || !(s->attempts > 0))
		return NAN;
	return s->outcomes[o] / s->attempts;
}

double cmp_counter(const struct cmp_side *s, const char *name)
{
	for (size_t i = 0; i < s->n_counters; i++)
		if (strcmp(s->counter_name[i], name) == 0)
			return s->counter[i];
	return NAN;
}

static void add_failure(struct cmp_failure *out, size_t max, size_t *n, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void add_failure(struct cmp_failure *out, size_t max, size_t *n, const char *what, const char *fmt, ...)
{
	if (*n < max) {
		snprintf(out[*n].what, sizeof(out[*n].what), "%s", what);
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(out[*n].text, sizeof(out[*n].text), fmt, ap);
		va_end(ap);
	}
	(*n)++;
}

size_t cmp_check(const struct cmp_side *a, const struct cmp_side *b, double ks, const struct cmp_tolerances *tol,
                 struct cmp_failure *out, size_t max)
{
	size_t n = 0;
	for (int o = 0; o < OUTCOME_COUNT; o++) {
		double fa = cmp_outcome_frac(a, o), fb = cmp_outcome_frac(b, o);
		if (isnan(fa) || isnan(fb))
			continue;
		double d = fabs(fa - fb);
		if (d > tol->frac) {
			char what[64];
			snprintf(what, sizeof(what), "%s_frac", outcome_name((enum outcome)o));
			add_failure(out, max, &n, what, "|%.4f - %.4f| = %.4f > %g (--tol-frac)", fa, fb, d, tol->frac);
		}
	}
	if (a->count > 0 && b->count > 0) {
		double d = fabs(a->p99 - b->p99);
		if (d > tol->p99_ms)
			add_failure(out, max, &n, "p99", "|%.3f - %.3f| = %.3f ms > %g ms (--tol-p99-ms)", a->p99, b->p99, d,
			            tol->p99_ms);
	}
	if (!isnan(ks) && ks > tol->ks)
		add_failure(out, max, &n, "KS", "distance %.4f > %g (--tol-ks)", ks, tol->ks);
	for (size_t i = 0; i < a->n_counters; i++) {
		double va = a->counter[i], vb = cmp_counter(b, a->counter_name[i]);
		if (isnan(vb))
			continue;
		double scale = fmax(fmax(fabs(va), fabs(vb)), 1);
		double rel = fabs(va - vb) / scale;
		if (rel > tol->counters && fabs(va - vb) > tol->counters_abs)
			add_failure(out, max, &n, a->counter_name[i], "%.0f vs %.0f: |A - B| / max = %.3f > %g (--tol-counters)",
			            va, vb, rel, tol->counters);
	}
	return n;
}
