/* kc_report: statistics and output files of one kcheck run. */
#include "kc_report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HIST_BIN_MS 10.0

static const char *const counter_names[KC_COUNTER_COUNT] = {
#define KC_COUNTER_NAME(name) #name,
	KC_COUNTER_MAP(KC_COUNTER_NAME)
#undef KC_COUNTER_NAME
};

const char *kc_counter_name(int id)
{
	return counter_names[id];
}

static const struct {
	const char *group, *name;
} other_names[] = {
#define KC_OTHER_ROW(g, name) {g, #name},
	KC_OTHER_COUNTER_MAP(KC_OTHER_ROW)
#undef KC_OTHER_ROW
};

_Static_assert(sizeof other_names / sizeof other_names[0] == KC_OTHER_COUNTER_COUNT,
	       "KC_OTHER_COUNTER_COUNT matches KC_OTHER_COUNTER_MAP");

void kc_other_counter_name(int id, const char **group, const char **name)
{
	*group = other_names[id].group;
	*name = other_names[id].name;
}

/* ---- statistics ----------------------------------------------------------- */

struct stats {
	size_t n;    /* values */
	double *v;   /* sorted values, owned */
	double mean; /* of v */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values: the smallest value with at least
 * a fraction p of the values at or below it. */
static double percentile(const struct stats *s, double p)
{
	if (s->n == 0)
		return 0;
	double rank = ceil(p * (double)s->n);
	size_t i = rank < 1 ? 0 : (size_t)rank - 1;
	if (i >= s->n)
		i = s->n - 1;
	return s->v[i];
}

static double round3(double x)
{
	return round(x * 1000.0) / 1000.0;
}

/* Collects ms values of attempts matching `want` into *s (sorted). */
static int collect(const struct kc_run_result *res, struct stats *s, bool connected)
{
	s->n = 0;
	s->mean = 0;
	s->v = malloc((res->n ? res->n : 1) * sizeof *s->v);
	if (s->v == NULL)
		return -1;
	for (size_t i = 0; i < res->n; i++) {
		const struct kc_attempt *a = &res->attempts[i];
		if (connected && a->connect_ok)
			s->v[s->n++] = (double)a->connect_ns / 1e6;
		else if (!connected && a->outcome == KC_OUTCOME_TIMED_OUT)
			s->v[s->n++] = (double)a->failed_ns / 1e6;
	}
	qsort(s->v, s->n, sizeof *s->v, cmp_double);
	double sum = 0;
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i];
	s->mean = s->n ? sum / (double)s->n : 0;
	return 0;
}

static void outcome_counts(const struct kc_run_result *res, long *counts)
{
	memset(counts, 0, KC_OUTCOME_COUNT * sizeof *counts);
	for (size_t i = 0; i < res->n; i++)
		counts[res->attempts[i].outcome]++;
}

static int max_syns(const struct kc_run_result *res)
{
	int m = 0;
	for (size_t i = 0; i < res->n; i++)
		if (res->attempts[i].connect_ok && res->attempts[i].syns > m)
			m = res->attempts[i].syns;
	return m;
}

static long never_accepted(const struct kc_run_result *res)
{
	long n = 0;
	for (size_t i = 0; i < res->n; i++)
		if (res->attempts[i].connect_ok && !res->attempts[i].accepted)
			n++;
	return n;
}

/* ---- summary.json --------------------------------------------------------- */

static cJSON *connect_time_json(const struct stats *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *hist, *bins;
	bool ok = o != NULL;

	ok = ok && cJSON_AddNumberToObject(o, "count", (double)s->n);
	ok = ok && cJSON_AddNumberToObject(o, "mean", round3(s->mean));
	ok = ok && cJSON_AddNumberToObject(o, "p50", round3(percentile(s, 0.50)));
	ok = ok && cJSON_AddNumberToObject(o, "p90", round3(percentile(s, 0.90)));
	ok = ok && cJSON_AddNumberToObject(o, "p99", round3(percentile(s, 0.99)));
	ok = ok && cJSON_AddNumberToObject(o, "p999", round3(percentile(s, 0.999)));
	ok = ok && cJSON_AddNumberToObject(o, "max", round3(s->n ? s->v[s->n - 1] : 0));
	ok = ok && (hist = cJSON_AddObjectToObject(o, "histogram")) != NULL;
	ok = ok && cJSON_AddNumberToObject(hist, "bin_ms", HIST_BIN_MS);
	ok = ok && (bins = cJSON_AddArrayToObject(hist, "bins")) != NULL;
	for (size_t i = 0; ok && i < s->n;) {
		double lower = floor(s->v[i] / HIST_BIN_MS) * HIST_BIN_MS;
		size_t j = i;
		while (j < s->n && floor(s->v[j] / HIST_BIN_MS) * HIST_BIN_MS == lower)
			j++;
		cJSON *bin = cJSON_CreateArray();
		ok = bin && cJSON_AddItemToArray(bins, bin) &&
		     cJSON_AddItemToArray(bin, cJSON_CreateNumber(lower)) &&
		     cJSON_AddItemToArray(bin, cJSON_CreateNumber((double)(j - i)));
		i = j;
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *run_json(const struct kc_report *rep, const struct stats *timeouts)
{
	const struct kc_run_result *res = rep->res;
	cJSON *o = cJSON_CreateObject();
	cJSON *arr, *t, *oc;
	bool ok = o != NULL;

	ok = ok && cJSON_AddNumberToObject(o, "wall_s", round3(res->wall_s));
	ok = ok && cJSON_AddStringToObject(o, "queue_sampling", res->queue_sampling);
	ok = ok && cJSON_AddStringToObject(o, "cut_by", res->cut_by ? res->cut_by : "error");
	ok = ok && cJSON_AddStringToObject(o, "clock", "CLOCK_MONOTONIC from the connect() call");
	ok = ok && cJSON_AddNumberToObject(o, "listen_port", res->port);
	ok = ok && cJSON_AddNumberToObject(o, "accept_queue_limit", res->accept_queue_limit);
	ok = ok && cJSON_AddNumberToObject(o, "accept_samples", (double)res->accept_samples);
	ok = ok && cJSON_AddNumberToObject(o, "syn_samples", (double)res->syn_samples);
	ok = ok && cJSON_AddNumberToObject(o, "syn_sample_interval_ms", res->syn_interval_ms);
	ok = ok && cJSON_AddNumberToObject(o, "syn_sample_cost_us",
					   round3(res->syn_sample_cost_us));
	ok = ok && cJSON_AddNumberToObject(o, "accepted_unmatched", (double)res->accepted_unmatched);
	ok = ok && cJSON_AddNumberToObject(o, "unexpected_errors", (double)res->unexpected_errors);
	if (ok && res->unexpected_errors)
		ok = cJSON_AddStringToObject(o, "first_unexpected_error",
					     strerror(res->first_unexpected_errno)) != NULL;
	ok = ok && (arr = cJSON_AddArrayToObject(o, "sysctls_not_written")) != NULL;
	for (int i = 0; ok && rep->skipped_sysctls[i]; i++)
		ok = cJSON_AddItemToArray(arr, cJSON_CreateString(rep->skipped_sysctls[i]));
	ok = ok && (t = cJSON_AddObjectToObject(o, "timed_out_ms")) != NULL;
	ok = ok && cJSON_AddNumberToObject(t, "count", (double)timeouts->n);
	ok = ok && cJSON_AddNumberToObject(t, "min", round3(timeouts->n ? timeouts->v[0] : 0));
	ok = ok && cJSON_AddNumberToObject(t, "p50", round3(percentile(timeouts, 0.5)));
	ok = ok && cJSON_AddNumberToObject(t, "max",
					   round3(timeouts->n ? timeouts->v[timeouts->n - 1] : 0));
	ok = ok && (oc = cJSON_AddObjectToObject(o, "other_counters")) != NULL;
	for (int i = 0; ok && i < KC_OTHER_COUNTER_COUNT; i++) {
		char key[80];
		if (!rep->other_found[i])
			continue;
		snprintf(key, sizeof key, "%s.%s", other_names[i].group, other_names[i].name);
		ok = cJSON_AddNumberToObject(oc, key, (double)rep->other[i]) != NULL;
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *summary_json(const struct kc_report *rep)
{
	const struct kc_run_result *res = rep->res;
	struct stats ct = {0}, to = {0};
	long counts[KC_OUTCOME_COUNT];
	cJSON *root = NULL, *o, *arr, *item;
	bool ok;

	if (collect(res, &ct, true) < 0 || collect(res, &to, false) < 0)
		goto out;
	outcome_counts(res, counts);
	root = cJSON_CreateObject();
	ok = root != NULL;
	ok = ok && cJSON_AddNumberToObject(root, "schema_version", 1);
	ok = ok && cJSON_AddStringToObject(root, "tool", "kcheck");
	ok = ok && cJSON_AddStringToObject(root, "kernel", rep->kernel);
	ok = ok && (item = cJSON_Duplicate(rep->scenario, true)) != NULL;
	ok = ok && cJSON_AddItemToObject(root, "scenario", item);
	ok = ok && (item = cJSON_GetObjectItemCaseSensitive(rep->scenario, "seed")) != NULL;
	ok = ok && cJSON_AddNumberToObject(root, "seed", item->valuedouble);
	ok = ok && cJSON_AddNumberToObject(root, "attempts", (double)res->n);
	ok = ok && (o = cJSON_AddObjectToObject(root, "outcomes")) != NULL;
	for (int i = 0; ok && i < KC_OUTCOME_COUNT; i++)
		if (i != KC_OUTCOME_ERROR)
			ok = cJSON_AddNumberToObject(o, kc_outcome_name((enum kc_outcome)i),
						     (double)counts[i]) != NULL;
	ok = ok && (arr = cJSON_AddArrayToObject(root, "connected_by_syns")) != NULL;
	int ms = max_syns(res);
	for (int k = 1; ok && k <= ms; k++) {
		long n = 0;
		for (size_t i = 0; i < res->n; i++)
			if (res->attempts[i].connect_ok && res->attempts[i].syns == k)
				n++;
		ok = cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)n));
	}
	ok = ok && (item = connect_time_json(&ct)) != NULL;
	ok = ok && cJSON_AddItemToObject(root, "connect_time_ms", item);
	ok = ok && (o = cJSON_AddObjectToObject(root, "server")) != NULL;
	ok = ok && cJSON_AddNumberToObject(o, "accepted", (double)res->accepted);
	ok = ok && cJSON_AddNumberToObject(o, "connected_never_accepted",
					   (double)never_accepted(res));
	ok = ok && cJSON_AddNumberToObject(o, "max_accept_queue", res->max_accept_queue);
	ok = ok && cJSON_AddNumberToObject(o, "max_syn_queue", res->max_syn_queue);
	/* the samples' means (accept queue every 1 ms and at every accept, SYN
	 * queue every 10 ms), next to the simulator's time averages */
	if (ok && res->accept_samples > 0)
		ok = cJSON_AddNumberToObject(o, "mean_accept_queue", res->accept_queue_sum / (double)res->accept_samples);
	if (ok && res->syn_samples > 0)
		ok = cJSON_AddNumberToObject(o, "mean_syn_queue", res->syn_queue_sum / (double)res->syn_samples);
	ok = ok && (o = cJSON_AddObjectToObject(root, "counters")) != NULL;
	for (int i = 0; ok && i < KC_COUNTER_COUNT; i++)
		ok = cJSON_AddNumberToObject(o, counter_names[i], (double)rep->counters[i]) != NULL;
	ok = ok && (item = run_json(rep, &to)) != NULL;
	ok = ok && cJSON_AddItemToObject(root, "run", item);
	if (!ok) {
		cJSON_Delete(root);
		root = NULL;
	}
out:
	free(ct.v);
	free(to.v);
	return root;
}

/* ---- files ---------------------------------------------------------------- */

static int mkdir_p(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof path) {
		snprintf(err, errlen, "bad output folder '%s'", dir);
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
		path[i] = c;
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a folder", dir);
		return -1;
	}
	return 0;
}

/* Opens DIR/.NAME.tmp.PID for writing; *tmp and *final get the two paths. */
static FILE *open_tmp(const char *dir, const char *name, char *tmp, char *final, size_t n)
{
	snprintf(tmp, n, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
	snprintf(final, n, "%s/%s", dir, name);
	return fopen(tmp, "we");
}

static int close_rename(FILE *f, const char *tmp, const char *final, char *err, size_t errlen)
{
	bool bad = ferror(f) != 0;

	if (fclose(f) != 0 || bad) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno ? errno : EIO));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, final) < 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void print_ms_or_null(FILE *f, const char *key, int64_t ns)
{
	if (ns < 0)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%.3f", key, (double)ns / 1e6);
}

static int write_attempts(const struct kc_run_result *res, const char *dir, char *err,
			  size_t errlen)
{
	char tmp[4200], final[4200];
	FILE *f = open_tmp(dir, "attempts.jsonl", tmp, final, sizeof tmp);

	if (f == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < res->n; i++) {
		const struct kc_attempt *a = &res->attempts[i];
		fprintf(f, "{\"id\":%zu,\"start_s\":%.6f,", i, (double)a->start_ns / 1e9);
		if (a->syns > 0)
			fprintf(f, "\"syns\":%d", a->syns);
		else
			fprintf(f, "\"syns\":null");
		fprintf(f, ",\"outcome\":\"%s\"", kc_outcome_name(a->outcome));
		print_ms_or_null(f, "connect_ms", a->connect_ns);
		if (a->accepted_ns < 0)
			fprintf(f, ",\"accepted_s\":null");
		else
			fprintf(f, ",\"accepted_s\":%.6f", (double)a->accepted_ns / 1e9);
		print_ms_or_null(f, "failed_ms", a->failed_ns);
		fprintf(f, ",\"port\":%u}\n", (unsigned)a->port);
	}
	return close_rename(f, tmp, final, err, errlen);
}

int kc_report_write(const struct kc_report *rep, const char *dir, bool with_attempts, char *err,
		    size_t errlen)
{
	char tmp[4200], final[4200];
	cJSON *root;
	char *text;
	FILE *f;

	if (mkdir_p(dir, err, errlen) < 0)
		return -1;
	root = summary_json(rep);
	if (root == NULL) {
		snprintf(err, errlen, "out of memory (summary)");
		return -1;
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (text == NULL) {
		snprintf(err, errlen, "out of memory (summary)");
		return -1;
	}
	f = open_tmp(dir, "summary.json", tmp, final, sizeof tmp);
	if (f == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		cJSON_free(text);
		return -1;
	}
	fputs(text, f);
	fputc('\n', f);
	cJSON_free(text);
	if (close_rename(f, tmp, final, err, errlen) < 0)
		return -1;
	if (with_attempts)
		return write_attempts(rep->res, dir, err, errlen);
	return 0;
}

void kc_report_print(const struct kc_report *rep, FILE *out)
{
	const struct kc_run_result *res = rep->res;
	struct stats ct = {0};
	long counts[KC_OUTCOME_COUNT];
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(rep->scenario, "name");

	outcome_counts(res, counts);
	if (collect(res, &ct, true) < 0)
		return;
	fprintf(out, "kcheck: %s on Linux %s: %zu attempts, run %.1f s (ended: %s)\n",
		cJSON_IsString(name) ? name->valuestring : "?", rep->kernel, res->n, res->wall_s,
		res->cut_by ? res->cut_by : "?");
	fprintf(out, "  outcomes:");
	for (int i = 0; i < KC_OUTCOME_COUNT; i++)
		if (counts[i] || i != KC_OUTCOME_ERROR)
			fprintf(out, " %s %ld", kc_outcome_name((enum kc_outcome)i), counts[i]);
	fprintf(out, "\n  connect ms: p50 %.3f  p99 %.3f  max %.3f  (%zu connected)\n",
		percentile(&ct, 0.5), percentile(&ct, 0.99), ct.n ? ct.v[ct.n - 1] : 0.0, ct.n);
	fprintf(out, "  connected by SYN #:");
	int ms = max_syns(res);
	for (int k = 1; k <= ms; k++) {
		long n = 0;
		for (size_t i = 0; i < res->n; i++)
			if (res->attempts[i].connect_ok && res->attempts[i].syns == k)
				n++;
		fprintf(out, " %d:%ld", k, n);
	}
	fprintf(out, "\n  server: accepted %ld, connected_never_accepted %ld, max accept queue %d "
		     "(limit %d), max SYN queue %d\n",
		res->accepted, never_accepted(res), res->max_accept_queue, res->accept_queue_limit,
		res->max_syn_queue);
	fprintf(out, "  counters:");
	for (int i = 0; i < KC_COUNTER_COUNT; i++)
		fprintf(out, " %s %lld", counter_names[i], rep->counters[i]);
	fputc('\n', out);
	free(ct.v);
}
