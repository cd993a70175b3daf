/* compare.c: loading summaries and durations, KS distance, tolerance checks
 * (compare.h). */
#include "app/compare.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/util/jsonread.h"

/* ---- messages ------------------------------------------------------------ */

struct ld {
	const char *label; /* file name */
	char *msg;         /* caller's buffer */
	size_t n;
	bool failed;
};

static void ld_fail(struct ld *c, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void ld_fail(struct ld *c, const char *path, const char *fmt, ...)
{
	if (c->failed)
		return;
	c->failed = true;
	int k = snprintf(c->msg, c->n, "%s: %s%s", c->label, path ? path : "", path ? ": " : "");
	if (k < 0 || (size_t)k >= c->n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->msg + k, c->n - (size_t)k, fmt, ap);
	va_end(ap);
}

static void describe(const cJSON *v, char *buf, size_t n)
{
	if (!v)
		snprintf(buf, n, "nothing");
	else
		jr_describe(v, buf, n);
}

/* ---- summaries ------------------------------------------------------------ */

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

/* o[key] as a number >= 0; absent gives NAN when optional, else an error */
static double read_count(struct ld *c, const cJSON *o, const char *prefix, const char *key, bool optional)
{
	const cJSON *v = get(o, key);
	char path[256];
	snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "." : "", key);
	if (!v && optional)
		return NAN;
	/* a merged document (replications, sweep points): {"mean", "ci95", "sd", "n"} */
	if (cJSON_IsObject(v) && cJSON_IsNumber(get(v, "mean")))
		v = get(v, "mean");
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0) {
		char got[96];
		describe(v, got, sizeof(got));
		ld_fail(c, path, "expected a non-negative number, got %s", got);
		return NAN;
	}
	return v->valuedouble;
}

static void copy_string(char *dst, size_t n, const cJSON *v)
{
	if (cJSON_IsString(v) && v->valuestring)
		snprintf(dst, n, "%s", v->valuestring);
}

/* the object holding the summary fields: doc, or doc.summary / doc.merged */
static const cJSON *summary_root(const cJSON *doc, char *prefix, size_t n)
{
	prefix[0] = '\0';
	if (get(doc, "connect_time_ms"))
		return doc;
	static const char *const nests[] = {"summary", "merged", NULL};
	for (int i = 0; nests[i]; i++) {
		const cJSON *in = get(doc, nests[i]);
		if (get(in, "connect_time_ms")) {
			snprintf(prefix, n, "%s", nests[i]);
			return in;
		}
	}
	return doc;
}

static void read_histogram(struct ld *c, const cJSON *ct, const char *pre, struct cmp_bins *h, bool *has_bins)
{
	char path[256];
	snprintf(path, sizeof(path), "%s%sconnect_time_ms.histogram", pre, pre[0] ? "." : "");
	const cJSON *hist = get(ct, "histogram");
	char got[96];
	if (!cJSON_IsObject(hist)) {
		describe(hist, got, sizeof(got));
		ld_fail(c, path, "expected an object {bin_ms, bins}, got %s", got);
		return;
	}
	const cJSON *bw = get(hist, "bin_ms");
	if (cJSON_IsObject(bw) && cJSON_IsNumber(get(bw, "mean")))
		bw = get(bw, "mean");
	const cJSON *bins = get(hist, "bins");
	if (!bins) {
		/* a merged document leaves the bins out: percentiles only */
		h->bin_ms = cJSON_IsNumber(bw) && bw->valuedouble > 0 ? bw->valuedouble : 10;
		return;
	}
	if (!cJSON_IsNumber(bw) || !(bw->valuedouble > 0) || !isfinite(bw->valuedouble)) {
		describe(bw, got, sizeof(got));
		char p2[300];
		snprintf(p2, sizeof(p2), "%s.bin_ms", path);
		ld_fail(c, p2, "expected a number > 0, got %s", got);
		return;
	}
	h->bin_ms = bw->valuedouble;
	if (!cJSON_IsArray(bins)) {
		describe(bins, got, sizeof(got));
		char p2[300];
		snprintf(p2, sizeof(p2), "%s.bins", path);
		ld_fail(c, p2, "expected an array of [lower_ms, count], got %s", got);
		return;
	}
	size_t n = (size_t)cJSON_GetArraySize(bins);
	h->lower_ms = malloc((n ? n : 1) * sizeof(double));
	h->count = malloc((n ? n : 1) * sizeof(double));
	if (!h->lower_ms || !h->count) {
		ld_fail(c, NULL, "out of memory");
		return;
	}
	size_t i = 0;
	double prev = -INFINITY;
	for (const cJSON *e = bins->child; e; e = e->next, i++) {
		char p2[320];
		snprintf(p2, sizeof(p2), "%s.bins[%zu]", path, i);
		const cJSON *lo = cJSON_GetArrayItem(e, 0), *ct2 = cJSON_GetArrayItem(e, 1);
		if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 || !cJSON_IsNumber(lo) || !cJSON_IsNumber(ct2) ||
		    !isfinite(lo->valuedouble) || lo->valuedouble < 0 || !isfinite(ct2->valuedouble) ||
		    ct2->valuedouble < 0) {
			describe(e, got, sizeof(got));
			ld_fail(c, p2, "expected [lower_ms >= 0, count >= 0], got %s", got);
			return;
		}
		if (lo->valuedouble <= prev) {
			ld_fail(c, p2, "expected lower edges in increasing order, got %g after %g", lo->valuedouble, prev);
			return;
		}
		prev = lo->valuedouble;
		h->lower_ms[i] = lo->valuedouble;
		h->count[i] = ct2->valuedouble;
		h->total += ct2->valuedouble;
	}
	h->n = i;
	*has_bins = true;
}

int cmp_side_from_json(struct cmp_side *s, const char *label, const cJSON *doc, char *msg, size_t n)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->kind = CMP_SUMMARY;
	struct ld c = {label, msg, n, false};
	char got[96];
	if (!cJSON_IsObject(doc)) {
		describe(doc, got, sizeof(got));
		ld_fail(&c, "(document)", "expected a summary.json object, got %s", got);
		goto fail;
	}
	char pre[32];
	const cJSON *root = summary_root(doc, pre, sizeof(pre));
	if (!get(root, "connect_time_ms") || !get(root, "attempts")) {
		ld_fail(&c, "(document)",
		        "expected a summary.json (with \"attempts\" and \"connect_time_ms\"), got an object without \"%s\"",
		        get(root, "attempts") ? "connect_time_ms" : "attempts");
		goto fail;
	}
	snprintf(s->tool, sizeof(s->tool), "summary");
	copy_string(s->tool, sizeof(s->tool), get(doc, "tool"));
	const cJSON *kernel = get(doc, "kernel");
	const cJSON *profile = get(get(get(root, "scenario"), "server"), "kernel");
	if (!profile)
		profile = get(get(get(doc, "scenario"), "server"), "kernel");
	const cJSON *kind = get(doc, "kind");
	if (cJSON_IsString(kind) && kind->valuestring) {
		size_t l = strlen(s->tool);
		snprintf(s->tool + l, sizeof(s->tool) - l, " %s", kind->valuestring);
	}
	if (cJSON_IsString(kernel))
		snprintf(s->origin, sizeof(s->origin), "kernel %s", kernel->valuestring);
	else if (cJSON_IsString(profile))
		snprintf(s->origin, sizeof(s->origin), "profile %s", profile->valuestring);

	s->attempts = read_count(&c, root, pre, "attempts", false);
	char p[64];
	snprintf(p, sizeof(p), "%s%soutcomes", pre, pre[0] ? "." : "");
	const cJSON *oc = get(root, "outcomes");
	if (oc && !cJSON_IsObject(oc)) {
		describe(oc, got, sizeof(got));
		ld_fail(&c, p, "expected an object of counts, got %s", got);
	}
	for (int i = 0; i < OUTCOME_COUNT; i++)
		s->outcomes[i] = read_count(&c, oc, p, outcome_name((enum outcome)i), true);

	const cJSON *bys = get(root, "connected_by_syns");
	snprintf(p, sizeof(p), "%s%sconnected_by_syns", pre, pre[0] ? "." : "");
	if (bys && !cJSON_IsArray(bys)) {
		describe(bys, got, sizeof(got));
		ld_fail(&c, p, "expected an array of counts, got %s", got);
	}
	size_t k = 0;
	for (const cJSON *item = bys ? bys->child : NULL; item && !c.failed; item = item->next, k++) {
		const cJSON *e = item;
		if (cJSON_IsObject(e) && cJSON_IsNumber(get(e, "mean")))
			e = get(e, "mean");
		if (!cJSON_IsNumber(e) || e->valuedouble < 0 || !isfinite(e->valuedouble)) {
			char p2[96];
			snprintf(p2, sizeof(p2), "%s[%zu]", p, k);
			describe(e, got, sizeof(got));
			ld_fail(&c, p2, "expected a non-negative number, got %s", got);
			break;
		}
		if (k < CMP_MAX_SYNS)
			s->by_syns[k] = e->valuedouble;
		else
			s->by_syns[CMP_MAX_SYNS - 1] += e->valuedouble;
	}
	s->n_by_syns = k < CMP_MAX_SYNS ? k : CMP_MAX_SYNS;

	const cJSON *ct = get(root, "connect_time_ms");
	snprintf(p, sizeof(p), "%s%sconnect_time_ms", pre, pre[0] ? "." : "");
	if (!cJSON_IsObject(ct)) {
		describe(ct, got, sizeof(got));
		ld_fail(&c, p, "expected an object, got %s", got);
		goto fail;
	}
	s->count = read_count(&c, ct, p, "count", false);
	s->mean = read_count(&c, ct, p, "mean", false);
	s->p50 = read_count(&c, ct, p, "p50", false);
	s->p90 = read_count(&c, ct, p, "p90", false);
	s->p99 = read_count(&c, ct, p, "p99", false);
	s->p999 = read_count(&c, ct, p, "p999", false);
	s->max = read_count(&c, ct, p, "max", false);
	if (!c.failed)
		read_histogram(&c, ct, pre, &s->hist, &s->has_bins);

	snprintf(p, sizeof(p), "%s%sserver", pre, pre[0] ? "." : "");
	const cJSON *sv = get(root, "server");
	static const char *const sv_keys[CMP_SV_COUNT] = {"accepted", "connected_never_accepted", "max_accept_queue",
	                                                   "max_syn_queue"};
	for (int i = 0; i < CMP_SV_COUNT; i++)
		s->server[i] = read_count(&c, sv, p, sv_keys[i], true);

	snprintf(p, sizeof(p), "%s%scounters", pre, pre[0] ? "." : "");
	const cJSON *cn = get(root, "counters");
	if (cn && !cJSON_IsObject(cn)) {
		describe(cn, got, sizeof(got));
		ld_fail(&c, p, "expected an object of counts, got %s", got);
	}
	for (const cJSON *e = cn ? cn->child : NULL; e && !c.failed && s->n_counters < CMP_MAX_COUNTERS; e = e->next) {
		double v = read_count(&c, cn, p, e->string, false);
		snprintf(s->counter_name[s->n_counters], CMP_NAME_MAX, "%s", e->string);
		s->counter[s->n_counters++] = v;
	}
	if (c.failed)
		goto fail;
	return 0;
fail:
	cmp_side_fini(s);
	return -1;
}

/* ---- durations files ------------------------------------------------------- */

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* nearest rank: the smallest value with at least q of the values at or below */
static double rank_quantile(const double *v, size_t n, double q)
{
	if (!n)
		return 0;
	size_t r = (size_t)ceil(q * (double)n);
	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return v[r - 1];
}

static int parse_durations(struct cmp_side *s, struct ld *c, char *text)
{
	size_t cap = 1024, n = 0;
	double *v = malloc(cap * sizeof(double));
	if (!v) {
		ld_fail(c, NULL, "out of memory");
		return -1;
	}
	long line = 0;
	for (char *p = text; *p && !c->failed;) {
		char *eol = strchr(p, '\n');
		if (eol)
			*eol = '\0';
		line++;
		char *hash = strchr(p, '#');
		if (hash)
			*hash = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (*p) {
			char *end = NULL;
			errno = 0;
			double x = strtod(p, &end);
			char *rest = end;
			while (rest && isspace((unsigned char)*rest))
				rest++;
			if (end == p || errno || *rest || !isfinite(x) || x < 0) {
				char *t = p + strlen(p);
				while (t > p && isspace((unsigned char)t[-1]))
					*--t = '\0';
				char where[64];
				snprintf(where, sizeof(where), "line %ld", line);
				ld_fail(c, where, "expected one duration in ms (a number >= 0) per line, got \"%.60s\"", p);
				break;
			}
			if (n == cap) {
				double *nv = realloc(v, cap * 2 * sizeof(double));
				if (!nv) {
					ld_fail(c, NULL, "out of memory");
					break;
				}
				v = nv;
				cap *= 2;
			}
			v[n++] = x;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	if (!c->failed && n == 0)
		ld_fail(c, NULL, "expected connect durations in ms, one per line, got no number");
	if (c->failed) {
		free(v);
		return -1;
	}
	qsort(v, n, sizeof(double), cmp_double);
	s->values = v;
	s->n_values = n;
	s->count = (double)n;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->mean = sum / (double)n;
	s->p50 = rank_quantile(v, n, 0.50);
	s->p90 = rank_quantile(v, n, 0.90);
	s->p99 = rank_quantile(v, n, 0.99);
	s->p999 = rank_quantile(v, n, 0.999);
	s->max = v[n - 1];
	return 0;
}

int cmp_side_load(struct cmp_side *s, const char *path, char *msg, size_t n)
{
	memset(s, 0, sizeof(*s));
	struct jr jr;
	jr_init(&jr, path);
	size_t len = 0;
	char *text = jr_read_file(&jr, path, &len);
	if (!text) {
		snprintf(msg, n, "%s", jr.msg);
		return -1;
	}
	if (strlen(text) != len) {
		snprintf(msg, n, "%s: expected a summary.json or a text file of durations, got a NUL byte (binary file?)",
		         path);
		free(text);
		return -1;
	}
	/* the first character that is not blank and not inside a # comment */
	const char *p = text;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '#')
			break;
		while (*p && *p != '\n')
			p++;
	}
	int rc;
	if (*p == '{' || *p == '[') {
		cJSON *doc = jr_parse_text(&jr, text, len);
		if (!doc) {
			snprintf(msg, n, "%s", jr.msg);
			rc = -1;
		} else {
			rc = cmp_side_from_json(s, path, doc, msg, n);
			cJSON_Delete(doc);
		}
	} else {
		snprintf(s->label, sizeof(s->label), "%s", path);
		s->kind = CMP_DURATIONS;
		snprintf(s->tool, sizeof(s->tool), "durations");
		s->attempts = NAN;
		for (int i = 0; i < OUTCOME_COUNT; i++)
			s->outcomes[i] = NAN;
		for (int i = 0; i < CMP_SV_COUNT; i++)
			s->server[i] = NAN;
		struct ld c = {path, msg, n, false};
		rc = parse_durations(s, &c, text);
		if (rc < 0)
			cmp_side_fini(s);
	}
	free(text);
	return rc;
}

void cmp_bins_fini(struct cmp_bins *b)
{
	free(b->lower_ms);
	free(b->count);
	memset(b, 0, sizeof(*b));
}

void cmp_side_fini(struct cmp_side *s)
{
	cmp_bins_fini(&s->hist);
	free(s->values);
	s->values = NULL;
	s->n_values = 0;
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
		if (rel > tol->counters)
			add_failure(out, max, &n, a->counter_name[i], "%.0f vs %.0f: |A - B| / max = %.3f > %g (--tol-counters)",
			            va, vb, rel, tol->counters);
	}
	return n;
}
