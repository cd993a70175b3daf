/* facts.c: a run's facts for its figures (plot.h).  The facts the TSV files
 * do not hold are computed from summary.json's resolved scenario, with the
 * kernel profiles' own decision functions: the client's SYN retransmit
 * instants and its ETIMEDOUT instant, the two queue limits, the stall
 * windows. */
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "models/profile.h"
#include "models/scenario.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/plot/plot.h"
#include "app/util/jsonread.h"

static const cJSON *json_at(const cJSON *o, const char *dotted)
{
	char key[128];
	const char *p = dotted;
	while (o && *p) {
		const char *e = strchr(p, '.');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		snprintf(key, sizeof(key), "%.*s", (int)l, p);
		o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
		p = e ? e + 1 : p + l;
	}
	return o;
}

static double json_num(const cJSON *o, const char *dotted, double def)
{
	const cJSON *v = json_at(o, dotted);
	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static void json_str(const cJSON *o, const char *dotted, char *out, size_t n)
{
	const cJSON *v = json_at(o, dotted);
	snprintf(out, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* syn_schedule: the instants (s after the first SYN) at which a client of
 * population p retransmits its SYN, and when connect() gives up, from the
 * models' SYN schedule (nominal times: no timer-wheel lateness). */
static int syn_schedule(const struct client_pop *p, double *marks, int max, double *giveup_s, double *appto_s)
{
	struct syn_schedule s;
	syn_schedule_init(&s, &p->rules, p->sysctl.tcp_syn_retries, p->sysctl.tcp_syn_linear_timeouts,
	                  p->connect_timeout, false);
	int n = 0;
	*giveup_s = NAN;
	*appto_s = NAN;
	while (n < max) {
		sim_time_ns at;
		enum syn_event ev = syn_schedule_next(&s, &at);
		if (ev == SYN_CONNECT_TIMEOUT) {
			*appto_s = sim_time_to_s(at);
			break;
		}
		if (ev == SYN_GIVE_UP) {
			*giveup_s = sim_time_to_s(at);
			break;
		}
		marks[n++] = sim_time_to_s(at);
	}
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* facts_from_scenario: what the resolved scenario says beyond the files */
static void facts_from_scenario(struct run_facts *f, const struct scenario *s)
{
	const struct server_spec *sv = &s->server;
	int n = profile_effective_backlog(&sv->rules, sv->backlog, sv->sysctl.somaxconn);
	uint32_t listeners = sv->listeners ? sv->listeners : 1;
	f->n_backlog = n;
	f->aq_limit = (double)profile_accept_queue_limit(&sv->rules, n) * listeners;
	f->sq_limit = (double)profile_syn_queue_limit(&sv->rules, n, sv->sysctl.tcp_max_syn_backlog) * listeners;
	profile_syn_queue_words(&sv->rules, n, sv->sysctl.tcp_max_syn_backlog, f->sq_rule, sizeof(f->sq_rule));
	if (listeners > 1) {
		size_t l = strlen(f->sq_rule);
		snprintf(f->sq_rule + l, sizeof(f->sq_rule) - l, ", x%u listeners", listeners);
	}

	/* SYN schedules: one if every population shares it, else the union */
	f->giveup_s = NAN;
	f->appto_s = NAN;
	f->n_pops = 0;
	for (uint32_t i = 0; i < s->n_pops; i++) {
		const struct client_pop *p = &s->pops[i];
		if (p->spoofed)
			continue;
		double m[PLOT_MAX_MARKS], g, a;
		int nm = syn_schedule(p, m, PLOT_MAX_MARKS, &g, &a);
		if (f->n_pops++ == 0) {
			memcpy(f->marks, m, (size_t)nm * sizeof(double));
			f->n_marks = nm;
			f->giveup_s = g;
			f->appto_s = a;
			f->syn_retries = p->sysctl.tcp_syn_retries;
			continue;
		}
		bool same = nm == f->n_marks && memcmp(m, f->marks, (size_t)nm * sizeof(double)) == 0;
		if (!(g == f->giveup_s || (isnan(g) && isnan(f->giveup_s)))) {
			f->giveup_s = NAN;
			same = false;
		}
		if (!(a == f->appto_s || (isnan(a) && isnan(f->appto_s)))) {
			f->appto_s = NAN;
			same = false;
		}
		if (same)
			continue;
		f->marks_mixed = true;
		for (int k = 0; k < nm && f->n_marks < PLOT_MAX_MARKS; k++) {
			bool have = false;
			for (int j = 0; j < f->n_marks; j++)
				have = have || f->marks[j] == m[k];
			if (!have)
				f->marks[f->n_marks++] = m[k];
		}
		qsort(f->marks, (size_t)f->n_marks, sizeof(double), cmp_double);
	}

	/* stall windows within the run */
	double end = f->simulated_s > 0 ? f->simulated_s : sim_time_to_s(s->duration + s->drain);
	int windows = 0;
	for (uint32_t i = 0; i < sv->acceptor.n_stalls; i++) {
		const struct stall *st = &sv->acceptor.stalls[i];
		for (sim_time_ns t = st->start; sim_time_to_s(t) < end && windows < PLOT_MAX_STALLS; t += st->every) {
			sb_printf(&f->stalls, "%.9g %.9g ", sim_time_to_s(t), sim_time_to_s(t + st->length));
			windows++;
			if (st->every <= 0)
				break;
		}
	}
}

/* data lines of a TSV: the non-blank lines after its header line */
static long count_data_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long n = 0;
	int c, prev = '\n';
	bool header = true;
	while ((c = getc(f)) != EOF) {
		if (prev == '\n' && c != '\n') {
			if (!header)
				n++;
			header = false;
		}
		prev = c;
	}
	fclose(f);
	return n;
}

/* run_facts_read: summary.json and the files of a run's folder.  Returns 0,
 * 2 for a folder with nothing to plot or a summary that cannot be read (one
 * line printed). */
int run_facts_read(struct run_facts *f, const char *dir)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	f->n_backlog = -1;
	f->giveup_s = f->appto_s = NAN;
	f->aq_limit = f->sq_limit = NAN;
	char path[PATH_MAX + 32];
	path_join(path, sizeof(path), dir, "connect_hist.tsv");
	f->nbins = count_data_lines(path);
	path_join(path, sizeof(path), dir, "series.tsv");
	f->has_series = is_file(path);
	path_join(path, sizeof(path), dir, "summary.json");
	if (!is_file(path) || (f->nbins < 0 && !f->has_series)) {
		fprintf(stderr, PROG ": %s: nothing to plot (no summary.json with connect_hist.tsv or series.tsv, "
		                "and no results.csv)\n", dir);
		return 2;
	}

	int rc = 2;
	struct jr r;
	jr_init(&r, path);
	size_t len = 0;
	char *text = jr_read_file(&r, path, &len);
	cJSON *doc = text ? jr_parse_text(&r, text, len) : NULL;
	const cJSON *scen = doc ? cJSON_GetObjectItemCaseSensitive(doc, "scenario") : NULL;
	if (!doc) {
		fprintf(stderr, PROG ": %s\n", r.msg);
		goto out;
	}
	if (!cJSON_IsObject(scen) || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(doc, "attempts"))) {
		fprintf(stderr, PROG ": %s: expected a tcpqsim summary with \"scenario\" and \"attempts\"\n", path);
		goto out;
	}
	json_str(scen, "name", f->name, sizeof(f->name));
	json_str(scen, "server.kernel", f->server_kernel, sizeof(f->server_kernel));
	const cJSON *cl = cJSON_GetObjectItemCaseSensitive(scen, "clients");
	json_str(cJSON_IsArray(cl) ? cJSON_GetArrayItem(cl, 0) : cl, "kernel", f->client_kernel,
	         sizeof(f->client_kernel));
	f->backlog = (long)json_num(scen, "server.backlog", 0);
	f->attempts = json_num(doc, "attempts", 0);
	f->connected = json_num(doc, "connect_time_ms.count", 0);
	f->timed_out = json_num(doc, "outcomes.timed_out", 0);
	f->connect_timeout = json_num(doc, "outcomes.connect_timeout", 0);
	f->bin_ms = json_num(doc, "connect_time_ms.histogram.bin_ms", json_num(scen, "hist_bin_ms", 10));
	f->duration_s = json_num(scen, "duration_s", 0);
	f->simulated_s = json_num(doc, "run.simulated_s", 0);

	/* the scenario as run, for the kernel's own numbers */
	struct loaded_scenario ls;
	struct jr cr;
	char label[PATH_MAX + 48];
	snprintf(label, sizeof(label), "%s (scenario)", path);
	jr_init(&cr, label);
	if (config_load_doc(label, dir, scen, &ls, &cr) == 0) {
		f->has_scenario = true;
		facts_from_scenario(f, &ls.s);
		loaded_scenario_fini(&ls);
	} else {
		fprintf(stderr, PROG ": warning: %s; the figures go without retransmit instants and queue limits\n",
		        cr.msg);
	}
	rc = f->stalls.oom ? 1 : 0;
	if (f->stalls.oom)
		fprintf(stderr, PROG ": %s: out of memory\n", dir);
out:
	cJSON_Delete(doc);
	free(text);
	return rc;
}

void run_facts_fini(struct run_facts *f)
{
	sb_fini(&f->stalls);
}

/* the marks as gnuplot words, and their labels when schedules were mixed */
void vars_marks(struct strbuf *v, const struct run_facts *f, const char *suffix)
{
	struct strbuf words = {0}, labels = {0};
	for (int i = 0; i < f->n_marks; i++) {
		sb_printf(&words, "%s%.9g", i ? " " : "", f->marks[i]);
		sb_printf(&labels, "%s\"%.9g s\"", i ? " " : "", f->marks[i]);
	}
	char name[32];
	snprintf(name, sizeof(name), "marks%s", suffix);
	gv_str(v, name, sb_str(&words));
	if (f->marks_mixed) {
		snprintf(name, sizeof(name), "marklabels%s", suffix);
		gv_str(v, name, sb_str(&labels));
	}
	if (words.oom || labels.oom)
		v->oom = true;
	sb_fini(&words);
	sb_fini(&labels);
}
