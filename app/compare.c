/* compare.c: loading summaries and durations files for compare
 * (compare.h); the KS distance and the tolerance checks are in
 * compare_stats.c. */
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
