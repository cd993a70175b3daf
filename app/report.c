/* report.c: summary.json and the human summary (report.h). */
#include "app/report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

double report_round(double x, int digits)
{
	double m = pow(10, digits);
	double v = round(x * m) / m;
	return v == 0 ? 0 : v; /* no -0 */
}

static double ms(int64_t ns)
{
	return report_round((double)ns / 1e6, 3);
}

static cJSON *time_stats(const struct hist *h)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "count", (double)h->count);
	cJSON_AddNumberToObject(o, "mean", report_round(hist_mean(h) / 1e6, 3));
	cJSON_AddNumberToObject(o, "p50", ms(hist_quantile(h, 0.50)));
	cJSON_AddNumberToObject(o, "p90", ms(hist_quantile(h, 0.90)));
	cJSON_AddNumberToObject(o, "p99", ms(hist_quantile(h, 0.99)));
	cJSON_AddNumberToObject(o, "p999", ms(hist_quantile(h, 0.999)));
	cJSON_AddNumberToObject(o, "max", ms(h->count ? h->max : 0));
	return o;
}

cJSON *report_summary(const struct loaded_scenario *ls, const struct world_results *r, double wall_s)
{
	const struct scenario *s = &ls->s;
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "schema_version", TCPQSIM_SCHEMA_VERSION);
	cJSON_AddStringToObject(doc, "tool", "tcpqsim");
	cJSON_AddStringToObject(doc, "version", TCPQSIM_VERSION);
	cJSON_AddItemToObject(doc, "scenario", cJSON_Duplicate(ls->resolved, true));
	cJSON_AddItemToObject(doc, "seed", jr_int_node((int64_t)s->seed)); /* exactly, past 2^53 too */
	cJSON_AddNumberToObject(doc, "replication", (double)s->replication);
	cJSON_AddNumberToObject(doc, "attempts", (double)r->attempts);

	cJSON *oc = cJSON_AddObjectToObject(doc, "outcomes");
	for (int i = 0; i < OUTCOME_COUNT; i++)
		cJSON_AddNumberToObject(oc, outcome_name((enum outcome)i), (double)r->outcomes[i]);
	for (int i = 0; i < OUTCOME_COUNT; i++) {
		char key[64];
		snprintf(key, sizeof(key), "%s_frac", outcome_name((enum outcome)i));
		double f = r->attempts ? (double)r->outcomes[i] / (double)r->attempts : 0;
		cJSON_AddNumberToObject(oc, key, report_round(f, 9));
	}

	int last = -1;
	for (int k = 0; k < WORLD_MAX_SYNS; k++)
		if (r->connected_by_syns[k])
			last = k;
	cJSON *bys = cJSON_AddArrayToObject(doc, "connected_by_syns");
	for (int k = 0; k <= last; k++)
		cJSON_AddItemToArray(bys, cJSON_CreateNumber((double)r->connected_by_syns[k]));

	cJSON *ct = time_stats(&r->connect_time);
	cJSON *hist = cJSON_AddObjectToObject(ct, "histogram");
	const struct fixed_hist *fh = &r->connect_time_bins;
	cJSON_AddNumberToObject(hist, "bin_ms", report_round((double)fh->bin_width / 1e6, 6));
	cJSON *bins = cJSON_AddArrayToObject(hist, "bins");
	for (size_t i = 0; i < fh->n_bins; i++) {
		if (!fh->bins[i])
			continue;
		cJSON *pair = cJSON_CreateArray();
		cJSON_AddItemToArray(pair, cJSON_CreateNumber(report_round((double)i * (double)fh->bin_width / 1e6, 6)));
		cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)fh->bins[i]));
		cJSON_AddItemToArray(bins, pair);
	}
	cJSON_AddItemToObject(doc, "connect_time_ms", ct);
	cJSON_AddItemToObject(doc, "accept_gap_ms", time_stats(&r->accept_gap));
	cJSON_AddItemToObject(doc, "accept_wait_ms", time_stats(&r->accept_wait));
	cJSON_AddItemToObject(doc, "first_byte_ms", time_stats(&r->first_byte));
	cJSON *rt = time_stats(&r->request_time);
	cJSON_AddNumberToObject(rt, "failed", (double)r->requests_failed);
	cJSON_AddItemToObject(doc, "request_time_ms", rt);

	/* per population, by name (sweep and solve metrics such as
	 * populations.clients.connect_time_ms.p99); flood populations are not attempts */
	cJSON *pops = cJSON_AddObjectToObject(doc, "populations");
	for (uint32_t i = 0; i < s->n_pops; i++) {
		if (s->pops[i].spoofed || cJSON_GetObjectItemCaseSensitive(pops, s->pops[i].name))
			continue;
		const struct pop_results *pr = &r->pops[i];
		cJSON *po = cJSON_AddObjectToObject(pops, s->pops[i].name);
		cJSON_AddNumberToObject(po, "attempts", (double)pr->attempts);
		cJSON *poc = cJSON_AddObjectToObject(po, "outcomes");
		for (int k = 0; k < OUTCOME_COUNT; k++)
			cJSON_AddNumberToObject(poc, outcome_name((enum outcome)k), (double)pr->outcomes[k]);
		for (int k = 0; k < OUTCOME_COUNT; k++) {
			char key[64];
			snprintf(key, sizeof(key), "%s_frac", outcome_name((enum outcome)k));
			double f = pr->attempts ? (double)pr->outcomes[k] / (double)pr->attempts : 0;
			cJSON_AddNumberToObject(poc, key, report_round(f, 9));
		}
		cJSON_AddItemToObject(po, "connect_time_ms", time_stats(&pr->connect_time));
		cJSON_AddItemToObject(po, "accept_wait_ms", time_stats(&pr->accept_wait));
		cJSON_AddItemToObject(po, "first_byte_ms", time_stats(&pr->first_byte));
		cJSON_AddItemToObject(po, "request_time_ms", time_stats(&pr->request_time));
	}

	cJSON *sv = cJSON_AddObjectToObject(doc, "server");
	int n = profile_effective_backlog(&s->server.rules, s->server.backlog, s->server.sysctl.somaxconn);
	cJSON_AddNumberToObject(sv, "effective_backlog", n);
	cJSON_AddNumberToObject(sv, "listeners", s->server.listeners);
	cJSON_AddNumberToObject(sv, "accepted", (double)r->accepted);
	cJSON_AddNumberToObject(sv, "connected_never_accepted", (double)r->connected_never_accepted);
	cJSON_AddNumberToObject(sv, "max_accept_queue", r->max_accept_queue);
	cJSON_AddNumberToObject(sv, "max_syn_queue", r->max_syn_queue);
	cJSON_AddNumberToObject(sv, "mean_accept_queue", report_round(r->mean_accept_queue, 6));
	cJSON_AddNumberToObject(sv, "mean_syn_queue", report_round(r->mean_syn_queue, 6));
	cJSON_AddNumberToObject(sv, "accept_queue_above_90pct_s", report_round(r->accept_queue_high_s, 6));
	cJSON_AddNumberToObject(sv, "syn_queue_above_90pct_s", report_round(r->syn_queue_high_s, 6));
	cJSON_AddNumberToObject(sv, "window_s", report_round((double)r->window / 1e9, 9));
	cJSON_AddNumberToObject(sv, "synacks_sent", (double)r->synacks_sent);

	cJSON *cn = cJSON_AddObjectToObject(doc, "counters");
	for (int i = 0; i < LISTENER_COUNTER_COUNT; i++)
		cJSON_AddNumberToObject(cn, counter_name((enum listener_counter)i), (double)r->counters[i]);

	cJSON *cl = cJSON_AddObjectToObject(doc, "clients");
	cJSON_AddNumberToObject(cl, "syns_sent", (double)r->syns_sent);
	cJSON_AddNumberToObject(cl, "flood_syns", (double)r->flood_syns);
	cJSON_AddNumberToObject(cl, "TCPLossProbes", (double)r->client_loss_probes);
	cJSON_AddNumberToObject(cl, "TCPTimeouts", (double)r->client_timeouts);
	cJSON_AddNumberToObject(cl, "RetransSegs", (double)r->client_retrans_segs);
	cJSON_AddNumberToObject(cl, "app_retries", (double)r->app_tries);

	cJSON *run = cJSON_AddObjectToObject(doc, "run");
	cJSON_AddNumberToObject(run, "events", (double)r->events);
	cJSON_AddNumberToObject(run, "simulated_s", report_round((double)r->end_time / 1e9, 9));
	cJSON_AddNumberToObject(run, "wall_s", report_round(wall_s, 6));
	cJSON_AddNumberToObject(run, "events_per_s", wall_s > 0 ? round((double)r->events / wall_s) : 0);
	cJSON_AddNumberToObject(run, "peak_conns", (double)r->peak_conns);
	cJSON_AddNumberToObject(run, "peak_packets", (double)r->peak_packets);
	cJSON_AddNumberToObject(run, "peak_events", (double)r->peak_events);
	cJSON_AddNumberToObject(run, "peak_bytes", (double)r->peak_bytes);
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cJSON_AddNumberToObject(run, "max_rss_kb", (double)ru.ru_maxrss);
	return doc;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

void report_print(FILE *f, const cJSON *doc)
{
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(doc, "scenario");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(sc, "name");
	double attempts = num(doc, "attempts");
	fprintf(f, "%s: %.0f connect attempts\n", cJSON_IsString(name) ? name->valuestring : "scenario", attempts);
	const cJSON *oc = cJSON_GetObjectItemCaseSensitive(doc, "outcomes");
	fprintf(f, "  outcomes:");
	for (int i = 0; i < OUTCOME_COUNT; i++) {
		double v = num(oc, outcome_name((enum outcome)i));
		if (v > 0)
			fprintf(f, "  %s %.0f (%.1f%%)", outcome_name((enum outcome)i), v, attempts ? 100 * v / attempts : 0);
	}
	fprintf(f, "\n");
	const cJSON *bys = cJSON_GetObjectItemCaseSensitive(doc, "connected_by_syns");
	if (cJSON_GetArraySize(bys) > 0) {
		fprintf(f, "  connected on SYN:");
		int k = 1;
		for (const cJSON *e = bys ? bys->child : NULL; e; e = e->next, k++)
			if (e->valuedouble > 0)
				fprintf(f, "  #%d %.0f", k, e->valuedouble);
		fprintf(f, "\n");
	}
	const cJSON *ct = cJSON_GetObjectItemCaseSensitive(doc, "connect_time_ms");
	if (num(ct, "count") > 0)
		fprintf(f, "  connect time ms:  mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
		        num(ct, "mean"), num(ct, "p50"), num(ct, "p90"), num(ct, "p99"), num(ct, "p999"), num(ct, "max"));
	static const struct {
		const char *key, *label;
	} waits[] = {
		{"accept_wait_ms", "accept-queue wait"},
		{"first_byte_ms", "first byte"},
		{"request_time_ms", "request time"},
	};
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, waits[i].key);
		if (num(o, "count") > 0)
			fprintf(f, "  %s ms:  mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
			        waits[i].label, num(o, "mean"), num(o, "p50"), num(o, "p90"), num(o, "p99"), num(o, "p999"),
			        num(o, "max"));
	}
	const cJSON *pops = cJSON_GetObjectItemCaseSensitive(doc, "populations");
	if (cJSON_GetArraySize(pops) > 1)
		for (const cJSON *po = pops->child; po; po = po->next) {
			const cJSON *pc = cJSON_GetObjectItemCaseSensitive(po, "connect_time_ms");
			const cJSON *pw = cJSON_GetObjectItemCaseSensitive(po, "accept_wait_ms");
			const cJSON *pq = cJSON_GetObjectItemCaseSensitive(po, "request_time_ms");
			fprintf(f, "  population %s: %.0f attempts, connected %.1f%%  p99 connect %.3f ms  accept wait %.3f ms  request %.3f ms\n",
			        po->string, num(po, "attempts"),
			        100 * num(cJSON_GetObjectItemCaseSensitive(po, "outcomes"), "connected_frac"), num(pc, "p99"),
			        num(pw, "p99"), num(pq, "p99"));
		}
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(doc, "server");
	fprintf(f, "  server: backlog N=%.0f (accept queue holds %.0f)  accepted %.0f  connected but never accepted %.0f\n",
	        num(sv, "effective_backlog"), num(sv, "effective_backlog") + 1, num(sv, "accepted"),
	        num(sv, "connected_never_accepted"));
	fprintf(f, "          max accept queue %.0f  max SYN queue %.0f  mean accept queue %.2f  mean SYN queue %.2f\n",
	        num(sv, "max_accept_queue"), num(sv, "max_syn_queue"), num(sv, "mean_accept_queue"),
	        num(sv, "mean_syn_queue"));
	const cJSON *cn = cJSON_GetObjectItemCaseSensitive(doc, "counters");
	fprintf(f, "  counters:");
	int shown = 0;
	for (const cJSON *e = cn ? cn->child : NULL; e; e = e->next)
		if (e->valuedouble > 0) {
			fprintf(f, "%s %s %.0f", shown % 4 == 0 && shown ? "\n           " : " ", e->string, e->valuedouble);
			shown++;
		}
	fprintf(f, "%s\n", shown ? "" : " none");
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(doc, "run");
	if (run)
		fprintf(f, "  run: %.0f events in %.3f s (%.2f M events/s), %.1f s simulated\n", num(run, "events"),
		        num(run, "wall_s"), num(run, "events_per_s") / 1e6, num(run, "simulated_s"));
}

int report_write_json(const char *path, const cJSON *doc)
{
	char *text = cJSON_Print(doc);
	if (!text) {
		errno = ENOMEM;
		return -1;
	}
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		free(text);
		return -1;
	}
	int ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
	free(text);
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e ? e : EIO;
		return -1;
	}
	return 0;
}
