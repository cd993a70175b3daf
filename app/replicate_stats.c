/* replicate_stats.c: the merge of replications: mean, spread and 95%
 * confidence interval of every number (replicate.h). */
#include "app/replicate.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <gsl/gsl_cdf.h>

#include "app/commands.h"
#include "app/report.h"
#include "app/util/output.h"

/* ---- the merge -------------------------------------------------------------- */

/* x rounded to 12 significant digits: stable text, no false precision */
static double round_sig(double x)
{
	if (x == 0 || !isfinite(x))
		return x == 0 ? 0 : x;
	double d = ceil(log10(fabs(x)));
	double m = pow(10, 12 - d);
	if (!isfinite(m) || m == 0)
		return x;
	double v = round(x * m) / m;
	return v == 0 ? 0 : v;
}

cJSON *replicate_stat(const double *v, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	double mean = n ? sum / (double)n : 0;
	bool constant = true;
	for (size_t i = 1; i < n && constant; i++)
		constant = v[i] == v[0];
	if (n && constant)
		mean = v[0]; /* exactly, without rounding noise */
	cJSON_AddNumberToObject(o, "mean", round_sig(mean));
	if (n >= 2) {
		double ss = 0;
		for (size_t i = 0; i < n && !constant; i++)
			ss += (v[i] - mean) * (v[i] - mean);
		double sd = sqrt(ss / (double)(n - 1));
		double t = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1));
		cJSON_AddNumberToObject(o, "ci95", round_sig(t * sd / sqrt((double)n)));
		cJSON_AddNumberToObject(o, "sd", round_sig(sd));
	} else {
		cJSON_AddNullToObject(o, "ci95");
		cJSON_AddNullToObject(o, "sd");
	}
	cJSON_AddNumberToObject(o, "n", (double)n);
	return o;
}

static bool array_is_numbers(const cJSON *a)
{
	for (const cJSON *e = a->child; e; e = e->next)
		if (!cJSON_IsNumber(e))
			return false;
	return true;
}

/* merge the same node of n documents (NULL where a document lacks it);
 * returns a new node, or NULL when there is nothing to merge */
static cJSON *merge_nodes(const cJSON *const *nodes, size_t n, double *vals)
{
	const cJSON *first = NULL;
	for (size_t i = 0; i < n && !first; i++)
		first = nodes[i];
	if (!first)
		return NULL;
	if (cJSON_IsNumber(first)) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (cJSON_IsNumber(nodes[i]))
				vals[k++] = nodes[i]->valuedouble;
		return replicate_stat(vals, k);
	}
	if (cJSON_IsArray(first)) {
		/* count lists such as connected_by_syns leave out trailing zeros:
		 * merged element-wise, a missing element counts as 0 */
		int len = 0;
		for (size_t i = 0; i < n; i++) {
			if (!nodes[i])
				continue;
			if (!cJSON_IsArray(nodes[i]) || !array_is_numbers(nodes[i]))
				return NULL;
			if (cJSON_GetArraySize(nodes[i]) > len)
				len = cJSON_GetArraySize(nodes[i]);
		}
		cJSON *out = cJSON_CreateArray();
		for (int e = 0; out && e < len; e++) {
			size_t k = 0;
			for (size_t i = 0; i < n; i++) {
				if (!nodes[i])
					continue;
				const cJSON *x = cJSON_GetArrayItem(nodes[i], e);
				vals[k++] = x ? x->valuedouble : 0;
			}
			cJSON_AddItemToArray(out, replicate_stat(vals, k));
		}
		return out;
	}
	if (!cJSON_IsObject(first))
		return NULL; /* strings, booleans, null: not statistics */
	const cJSON **kids = malloc(n * sizeof(*kids));
	double *sub = malloc(n * sizeof(*sub));
	cJSON *out = kids && sub ? cJSON_CreateObject() : NULL;
	for (size_t i = 0; out && i < n; i++) {
		if (!cJSON_IsObject(nodes[i]))
			continue;
		for (const cJSON *c = nodes[i]->child; c; c = c->next) {
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = cJSON_IsObject(nodes[j]) && cJSON_GetObjectItemCaseSensitive(nodes[j], c->string);
			if (seen)
				continue;
			for (size_t j = 0; j < n; j++)
				kids[j] = cJSON_IsObject(nodes[j]) ? cJSON_GetObjectItemCaseSensitive(nodes[j], c->string) : NULL;
			cJSON *m = merge_nodes(kids, n, sub);
			if (m)
				cJSON_AddItemToObject(out, c->string, m);
		}
	}
	free(kids);
	free(sub);
	return out;
}

struct bin_pair {
	double lower, count;
};

static int cmp_bin_pair(const void *a, const void *b)
{
	double x = ((const struct bin_pair *)a)->lower, y = ((const struct bin_pair *)b)->lower;
	return x < y ? -1 : x > y;
}

/* the replications' connect-time histograms pooled: counts of equal bins
 * summed (the bins of one bin width only; NULL when they differ or a
 * summary has none), so that a merged document keeps the shape of the
 * distribution (its spikes), not only its percentiles */
static cJSON *pooled_bins(cJSON *const *summaries, size_t n)
{
	double width = NAN;
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		const cJSON *h = replicate_find(summaries[i], "connect_time_ms.histogram");
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(h, "bin_ms");
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(h, "bins");
		if (!cJSON_IsNumber(w) || !cJSON_IsArray(b) || (i > 0 && w->valuedouble != width))
			return NULL;
		width = w->valuedouble;
		total += (size_t)cJSON_GetArraySize(b);
	}
	struct bin_pair *v = malloc((total ? total : 1) * sizeof(*v));
	if (!v)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const cJSON *b = replicate_find(summaries[i], "connect_time_ms.histogram.bins");
		for (const cJSON *e = b->child; e && k < total; e = e->next) {
			const cJSON *lo = cJSON_GetArrayItem(e, 0), *c = cJSON_GetArrayItem(e, 1);
			if (!cJSON_IsNumber(lo) || !cJSON_IsNumber(c)) {
				free(v);
				return NULL;
			}
			v[k++] = (struct bin_pair){lo->valuedouble, c->valuedouble};
		}
	}
	qsort(v, k, sizeof(*v), cmp_bin_pair);
	cJSON *out = cJSON_CreateArray();
	for (size_t i = 0; out && i < k;) {
		size_t j = i;
		double c = 0;
		while (j < k && v[j].lower == v[i].lower)
			c += v[j++].count;
		cJSON *pair = cJSON_CreateArray();
		cJSON_AddItemToArray(pair, cJSON_CreateNumber(v[i].lower));
		cJSON_AddItemToArray(pair, cJSON_CreateNumber(c));
		cJSON_AddItemToArray(out, pair);
		i = j;
	}
	free(v);
	return out;
}

cJSON *replicate_merge(cJSON *const *summaries, size_t n)
{
	static const char *const identity[] = {"schema_version", "tool", "version", "scenario",
	                                       "seed", "replication", "run", NULL};
	cJSON *doc = cJSON_CreateObject();
	const cJSON **tops = malloc(n * sizeof(*tops));
	double *vals = malloc(n * sizeof(*vals));
	if (!doc || !tops || !vals || n == 0) {
		cJSON_Delete(doc);
		free(tops);
		free(vals);
		return NULL;
	}
	const cJSON *s0 = summaries[0];
	cJSON_AddNumberToObject(doc, "schema_version", TCPQSIM_SCHEMA_VERSION);
	cJSON_AddStringToObject(doc, "tool", "tcpqsim");
	cJSON_AddStringToObject(doc, "version", TCPQSIM_VERSION);
	cJSON_AddStringToObject(doc, "kind", "replications");
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(s0, "scenario");
	if (sc)
		cJSON_AddItemToObject(doc, "scenario", cJSON_Duplicate(sc, true));
	int64_t seed;
	if (jr_get_int(cJSON_GetObjectItemCaseSensitive(s0, "seed"), &seed))
		cJSON_AddItemToObject(doc, "seed", jr_int_node(seed));
	cJSON_AddNumberToObject(doc, "replications", (double)n);
	for (size_t i = 0; i < n; i++) {
		for (const cJSON *c = summaries[i]->child; c; c = c->next) {
			bool skip = false;
			for (size_t k = 0; identity[k] && !skip; k++)
				skip = strcmp(c->string, identity[k]) == 0;
			for (size_t j = 0; j < i && !skip; j++)
				skip = cJSON_GetObjectItemCaseSensitive(summaries[j], c->string) != NULL;
			if (skip)
				continue;
			for (size_t j = 0; j < n; j++)
				tops[j] = cJSON_GetObjectItemCaseSensitive(summaries[j], c->string);
			cJSON *m = merge_nodes(tops, n, vals);
			if (m)
				cJSON_AddItemToObject(doc, c->string, m);
		}
	}
	free(tops);
	free(vals);
	cJSON *hist = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "connect_time_ms"),
	                                               "histogram");
	cJSON *bins = cJSON_IsObject(hist) ? pooled_bins(summaries, n) : NULL;
	if (bins)
		cJSON_AddItemToObject(hist, "bins", bins);
	return doc;
}

const cJSON *replicate_find(const cJSON *doc, const char *path)
{
	char buf[512];
	if (strlen(path) >= sizeof(buf))
		return NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	const cJSON *node = doc;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ".", &save); tok && node; tok = strtok_r(NULL, ".", &save)) {
		char *br = strchr(tok, '[');
		if (br)
			*br = '\0';
		if (*tok)
			node = cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, tok) : NULL;
		else if (!br)
			return NULL;
		while (br && node) {
			char *end = NULL;
			long idx = strtol(br + 1, &end, 10);
			if (end == br + 1 || *end != ']' || idx < 0 || !cJSON_IsArray(node))
				return NULL;
			node = cJSON_GetArrayItem(node, (int)idx);
			br = end[1] == '[' ? end + 1 : NULL;
			if (!br && end[1])
				return NULL;
		}
	}
	return node;
}
