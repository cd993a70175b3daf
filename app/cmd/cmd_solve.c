/* cmd_solve.c: "tcpqsim solve": the smallest (or largest) value of one
 * parameter that meets every target.
 *
 * Bisection over a parameter the targets are monotone in: each probe runs
 * the sweep's replications of the base scenario (plus the grid point's
 * values, when the file has a grid: one answer per point) and compares each
 * target with the metric's mean over the replications.  Every probe is
 * printed as it finishes.  docs/sweeps.md describes the "solve" object.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/capacity.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/replicate.h"
#include "app/report.h"
#include "app/sweep.h"

#define misuse cli_misuse

struct solve_opts {
	const char *file; /* the sweep file */
	const char *out;  /* -o DIR: also write DIR/solve.json */
	unsigned jobs;    /* -j N worker processes */
	bool quiet;       /* print only the answer */
};

struct probe_ctx {
	cJSON *merged; /* the probe's merged document (owned) */
};

static int probe_finished(void *p, size_t k, cJSON *merged, char *err, size_t n)
{
	(void)k;
	(void)err;
	(void)n;
	struct probe_ctx *c = p;
	c->merged = merged;
	return 0;
}

/* one parameter searched by bisection */
struct axis {
	const char *param;
	double min, max;
	bool integer;
	bool increasing; /* targets met from the answer up */
	double tolerance;
};

struct search {
	const struct sweep *sw;
	const cJSON *point;  /* the grid point's values, and a fixed capacity (borrowed) */
	unsigned jobs;
	bool quiet;
	cJSON *probes;       /* array of probe records (borrowed) */
	const struct axis *ax; /* the parameter probed */
	cJSON *last;         /* the last probe that met the targets: its metrics (owned) */
};

static void format_axis(const struct axis *a, double v, char *buf, size_t n)
{
	if (a->integer)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.10g", v);
}

static void format_param(const struct sweep_solve *s, double v, char *buf, size_t n)
{
	if (s->integer)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.10g", v);
}

/* run one probe; *met tells whether every target is met.  Returns the run
 * status. */
static enum run_status probe(struct search *se, double v, bool *met, char *err, size_t errn)
{
	const struct sweep_solve *s = &se->sw->solve;
	const struct axis *ax = se->ax;
	cJSON *values = cJSON_Duplicate(se->point, true);
	if (values)
		cJSON_DeleteItemFromObjectCaseSensitive(values, ax->param);
	if (!values || !cJSON_AddNumberToObject(values, ax->param, v)) {
		cJSON_Delete(values);
		snprintf(err, errn, "out of memory");
		return RUN_FAILED;
	}
	struct probe_ctx c = {NULL};
	volatile sig_atomic_t *stop = cli_stop_flag();
	cli_install_signals();
	enum run_status st = sweep_run_sets(se->sw, &values, NULL, 1, se->jobs, stop, probe_finished, &c, err, errn);
	cli_restore_signals();
	cJSON_Delete(values);
	if (st != RUN_OK) {
		cJSON_Delete(c.merged);
		return st;
	}
	*met = true;
	char vt[64];
	format_axis(ax, v, vt, sizeof(vt));
	if (!se->quiet) {
		printf(" ");
		for (const cJSON *e = se->point->child; e; e = e->next)
			if (strcmp(e->string, ax->param) != 0 && s->has_capacity && strcmp(e->string, s->cap_param) == 0)
				printf(" %s=%.10g", e->string, e->valuedouble);
		printf(" %s=%s", ax->param, vt);
	}
	cJSON *rec = cJSON_CreateObject();
	if (s->has_capacity)
		cJSON_AddStringToObject(rec, "param", ax->param);
	cJSON_AddNumberToObject(rec, "value", v);
	cJSON *rm = cJSON_AddObjectToObject(rec, "metrics");
	for (size_t i = 0; i < s->n_targets; i++) {
		double mean;
		bool ok = sweep_target_met(&s->targets[i], c.merged, &mean);
		*met = *met && ok;
		const cJSON *stat = replicate_find(c.merged, s->targets[i].metric);
		const cJSON *ci = cJSON_GetObjectItemCaseSensitive(stat, "ci95");
		if (!cJSON_GetObjectItemCaseSensitive(rm, s->targets[i].metric))
			cJSON_AddItemToObject(rm, s->targets[i].metric,
			                      cJSON_IsObject(stat) ? cJSON_Duplicate(stat, true) : cJSON_CreateNull());
		if (se->quiet)
			continue;
		if (cJSON_IsNumber(ci))
			printf("  %s=%.6g ± %.3g", s->targets[i].metric, mean, ci->valuedouble);
		else
			printf("  %s=%.6g", s->targets[i].metric, mean);
	}
	cJSON_AddBoolToObject(rec, "met", *met);
	cJSON_AddItemToArray(se->probes, rec);
	if (*met) {
		cJSON_Delete(se->last);
		se->last = cJSON_Duplicate(rm, true);
	}
	if (!se->quiet) {
		printf("  %s\n", *met ? "met" : "not met");
		fflush(stdout);
	}
	cJSON_Delete(c.merged);
	return RUN_OK;
}

/* bisection: *found and *answer; returns the run status */
static enum run_status bisect(struct search *se, bool *found, double *answer, char *err, size_t n)
{
	const struct axis *s = se->ax;
	/* good: the end where the targets should hold; bad: the other */
	double good = s->increasing ? s->max : s->min;
	double bad = s->increasing ? s->min : s->max;
	bool met;
	enum run_status st;
	*found = false;
	if ((st = probe(se, good, &met, err, n)) != RUN_OK)
		return st;
	if (!met)
		return RUN_OK;
	*found = true;
	*answer = good;
	if ((st = probe(se, bad, &met, err, n)) != RUN_OK)
		return st;
	if (met) {
		*answer = bad;
		return RUN_OK;
	}
	/* invariant: targets met at good, not at bad */
	while (fabs(good - bad) > s->tolerance) {
		double mid = s->integer ? floor((good + bad) / 2) : (good + bad) / 2;
		if (mid == good || mid == bad)
			break; /* the bracket cannot narrow further */
		if ((st = probe(se, mid, &met, err, n)) != RUN_OK)
			return st;
		if (met)
			good = mid;
		else
			bad = mid;
	}
	*answer = good;
	return RUN_OK;
}

/* the peak/fluid estimate of the point's scenario (models/capacity.h) */
static bool capacity_of(const struct sweep *sw, const cJSON *values, struct capacity_estimate *ce)
{
	struct loaded_scenario ls;
	struct jr err;
	if (sweep_point_load(sw, values, &ls, &err) < 0)
		return false;
	const struct server_spec *sv = &ls.s.server;
	long n = profile_effective_backlog(&sv->rules, sv->backlog, sv->sysctl.somaxconn);
	double places = (double)(sv->listeners ? sv->listeners : 1) * (double)(n + 1);
	bool ok = capacity_estimate(&ls.s, places, ce) == 0 && ce->regime != CAPACITY_UNKNOWN;
	loaded_scenario_fini(&ls);
	return ok;
}

static char buf_advice[1024];

/* one sentence: why no backlog helps, and the capacity that would */
static const char *capacity_advice(const struct capacity_estimate *ce, char *buf, size_t n)
{
	int k;
	if (ce->regime == CAPACITY_OVERLOAD)
		k = snprintf(buf, n,
		             "the mean arrival rate (%.6g /s) exceeds the service capacity (%.6g /s): the accept queue never "
		             "drains and no backlog helps; the capacity that would is %.6g accepts/s",
		             ce->mean_per_s, ce->service_per_s, ce->rate_for_peak);
	else
		k = snprintf(buf, n,
		             "the arrival peak (%.6g /s) exceeds the service capacity (%.6g /s): a backlog only trades drops "
		             "for waiting (%.0f connections pile up and the last waits %.3g s for accept()); the capacity "
		             "that keeps up is %.6g accepts/s",
		             ce->peak_per_s, ce->service_per_s, ce->queue_max, ce->wait_max_s, ce->rate_for_peak);
	if (ce->servers_for_peak > 0 && k > 0 && (size_t)k < n)
		snprintf(buf + k, n - (size_t)k, " (%ld workers per listener)", ce->servers_for_peak);
	return buf;
}

static void print_capacity(const struct capacity_estimate *ce)
{
	printf("capacity (peak/fluid estimate): %.6g accepts/s against arrivals of mean %.6g /s, peak %.6g /s",
	       ce->service_per_s, ce->mean_per_s, ce->peak_per_s);
	if (ce->burst > 0)
		printf(", bursts of %.0f", ce->burst);
	printf("\n");
	if (ce->regime == CAPACITY_STEADY) {
		printf("  the arrivals never outrun the acceptor: queues come from chance only\n");
		return;
	}
	char b[1024];
	printf("  %s\n", capacity_advice(ce, b, sizeof(b)));
}

static cJSON *capacity_json(const struct capacity_estimate *ce)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "regime", capacity_regime_name(ce->regime));
	cJSON_AddNumberToObject(o, "service_per_s", report_round(ce->service_per_s, 6));
	cJSON_AddNumberToObject(o, "mean_per_s", report_round(ce->mean_per_s, 6));
	cJSON_AddNumberToObject(o, "peak_per_s", report_round(ce->peak_per_s, 6));
	cJSON_AddNumberToObject(o, "burst", ce->burst);
	cJSON_AddNumberToObject(o, "queue_max", report_round(ce->queue_max, 3));
	cJSON_AddNumberToObject(o, "wait_max_s", report_round(ce->wait_max_s, 6));
	cJSON_AddNumberToObject(o, "wait_p99_s", report_round(ce->wait_p99_s, 6));
	cJSON_AddNumberToObject(o, "rate_for_peak_per_s", report_round(ce->rate_for_peak, 6));
	cJSON_AddNumberToObject(o, "servers_for_peak", (double)ce->servers_for_peak);
	return o;
}
enum solve_opt { O_OUT, O_JOBS, O_QUIET };

static const struct cli_option solve_options[] = {
	{O_OUT, "--out", "-o", CLI_VALUE, "DIR", "output folder (default out/NAME)"},
	{O_JOBS, "--jobs", "-j", CLI_VALUE, "N", "worker processes (default: every core)"},
	{O_QUIET, "--quiet", "-q", CLI_FLAG, NULL, "print only the answer"},
	{0, NULL, NULL, CLI_FLAG, NULL, NULL},
};

int cmd_solve(int argc, char **argv);
const struct cli_command cli_cmd_solve = {
    "solve", cmd_solve, "SWEEP.json", "the smallest parameter value that meets the targets", solve_options, NULL,
};

static int parse_opts(int argc, char **argv, struct solve_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->jobs = replicate_default_jobs();
	struct cli_args it;
	cli_args_init(&it, &cli_cmd_solve, argc, argv);
	const char *v;
	int id;
	while ((id = cli_next(&it, &v)) != CLI_END) {
		switch (id) {
		case O_JOBS:
			if (replicate_parse_jobs(v, &o->jobs) < 0)
				return misuse("-j: expected a number of worker processes from 1 to 1024, got \"%s\"", v);
			break;
		case O_OUT:
			o->out = v;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case CLI_OPERAND:
			if (o->file)
				return misuse("unexpected argument %s", v);
			o->file = v;
			break;
		default:
			return id;
		}
	}
	if (!o->file)
		return misuse("%s", "solve needs a sweep file with a \"solve\" object");
	return 0;
}

static int write_solve_json(const char *dir, const cJSON *doc)
{
	char path[4200];
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, PROG ": %s: cannot write the output folder: %s\n", dir, strerror(errno));
		return 2;
	}
	snprintf(path, sizeof(path), "%s/solve.json", dir);
	if (report_write_json(path, doc) < 0) {
		fprintf(stderr, PROG ": %s: cannot write: %s\n", path, strerror(errno));
		return 2;
	}
	return 0;
}

int cmd_solve(int argc, char **argv)
{
	struct solve_opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? cli_exit(rc) : rc;
	struct sweep sw;
	struct jr jerr;
	if (sweep_load(&sw, o.file, SWEEP_NEED_SOLVE, &jerr) < 0) {
		fprintf(stderr, PROG ": %s\n", jerr.msg);
		sweep_fini(&sw);
		return 2;
	}
	const struct sweep_solve *s = &sw.solve;
	char lo[64], hi[64], targets[2048] = "";
	format_param(s, s->min, lo, sizeof(lo));
	format_param(s, s->max, hi, sizeof(hi));
	size_t used = 0;
	for (size_t i = 0; i < s->n_targets && used + 300 < sizeof(targets); i++)
		used += (size_t)snprintf(targets + used, sizeof(targets) - used, "%s%s", i ? " and " : "",
		                         s->targets[i].text);
	if (!o.quiet) {
		printf("solve: the %s %s in [%s, %s] with %s\n", s->increasing ? "smallest" : "largest", s->param, lo, hi,
		       targets);
		printf("  (each target on the mean of %llu replication%s; bisection to within %g)\n",
		       (unsigned long long)sw.replications, sw.replications == 1 ? "" : "s", s->tolerance);
	}
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "tool", "tcpqsim");
	cJSON_AddStringToObject(doc, "kind", "solve");
	cJSON_AddStringToObject(doc, "name", sw.name);
	cJSON_AddStringToObject(doc, "param", s->param);
	cJSON_AddStringToObject(doc, "direction", s->increasing ? "increasing" : "decreasing");
	cJSON *tg = cJSON_AddArrayToObject(doc, "targets");
	for (size_t i = 0; i < s->n_targets; i++)
		cJSON_AddItemToArray(tg, cJSON_CreateString(s->targets[i].text));
	cJSON_AddNumberToObject(doc, "replications", (double)sw.replications);
	cJSON *results = cJSON_AddArrayToObject(doc, "results");
	size_t unmet = 0;
	for (size_t p = 0; p < sw.n_points && rc == 0; p++) {
		cJSON *values = sw.n_params ? sweep_point_values(&sw, p) : cJSON_CreateObject();
		cJSON *res = cJSON_CreateObject();
		cJSON_AddItemToArray(results, res);
		if (!values) {
			fprintf(stderr, PROG ": out of memory\n");
			rc = 1;
			break;
		}
		cJSON_AddItemToObject(res, "values", cJSON_Duplicate(values, true));
		if (sw.n_params && !o.quiet) {
			printf("point %zu:", p);
			for (const cJSON *c = values->child; c; c = c->next) {
				char v[128];
				sweep_format_value(c, v, sizeof(v));
				printf(" %s=%s", c->string, v);
			}
			printf("\n");
		}
		struct capacity_estimate ce;
		bool have_ce = capacity_of(&sw, values, &ce);
		if (have_ce) {
			cJSON *cj = capacity_json(&ce);
			if (cj)
				cJSON_AddItemToObject(res, "capacity", cj);
			if (!o.quiet)
				print_capacity(&ce);
		}
		struct axis main_ax = {s->param, s->min, s->max, s->integer, s->increasing, s->tolerance};
		struct search se = {&sw, values, o.jobs, o.quiet, cJSON_AddArrayToObject(res, "probes"), &main_ax, NULL};
		bool found = false, cap_found = true;
		double answer = 0, cap_answer = 0;
		char err[4096];
		enum run_status st = RUN_OK;
		if (s->has_capacity) {
			/* the smallest capacity that meets the targets with param at its
			 * best end; then param at that capacity */
			struct axis cap_ax = {s->cap_param, s->cap_min, s->cap_max, s->cap_integer, true,
			                      s->cap_integer ? 1 : (s->cap_max - s->cap_min) / 1000};
			cJSON_DeleteItemFromObjectCaseSensitive(values, s->param);
			cJSON_AddNumberToObject(values, s->param, s->increasing ? s->max : s->min);
			if (!o.quiet) {
				char clo[64], chi[64], best[64];
				format_axis(&cap_ax, cap_ax.min, clo, sizeof(clo));
				format_axis(&cap_ax, cap_ax.max, chi, sizeof(chi));
				format_param(s, s->increasing ? s->max : s->min, best, sizeof(best));
				printf("first the smallest %s in [%s, %s] with %s=%s:\n", s->cap_param, clo, chi, s->param, best);
			}
			se.ax = &cap_ax;
			st = bisect(&se, &cap_found, &cap_answer, err, sizeof(err));
			cJSON_DeleteItemFromObjectCaseSensitive(values, s->param);
			if (st == RUN_OK && cap_found) {
				cJSON_DeleteItemFromObjectCaseSensitive(values, s->cap_param);
				cJSON_AddNumberToObject(values, s->cap_param, cap_answer);
				if (!o.quiet) {
					char cv[64];
					format_axis(&cap_ax, cap_answer, cv, sizeof(cv));
					printf("then the %s %s with %s=%s:\n", s->increasing ? "smallest" : "largest", s->param,
					       s->cap_param, cv);
				}
				se.ax = &main_ax;
				st = bisect(&se, &found, &answer, err, sizeof(err));
			}
		} else {
			st = bisect(&se, &found, &answer, err, sizeof(err));
		}
		cJSON_Delete(values);
		if (st != RUN_OK) {
			cJSON_Delete(se.last);
			fprintf(stderr, PROG ": %s\n", err);
			rc = st == RUN_INTERRUPTED ? 130 : 1;
			break;
		}
		char av[64], cv[64] = "";
		format_param(s, found ? answer : (s->increasing ? s->max : s->min), av, sizeof(av));
		if (s->has_capacity) {
			struct axis cap_ax = {s->cap_param, s->cap_min, s->cap_max, s->cap_integer, true, 1};
			format_axis(&cap_ax, cap_found ? cap_answer : s->cap_max, cv, sizeof(cv));
		}
		if (found && cap_found) {
			cJSON_AddNumberToObject(res, "answer", answer);
			if (s->has_capacity) {
				cJSON_AddNumberToObject(res, "capacity_answer", cap_answer);
				printf("answer: %s = %s, %s = %s\n", s->cap_param, cv, s->param, av);
			} else {
				printf("answer: %s = %s\n", s->param, av);
			}
			if (se.last) {
				cJSON_AddItemToObject(res, "metrics", cJSON_Duplicate(se.last, true));
				if (!o.quiet) {
					printf("  at the answer:");
					for (const cJSON *m = se.last->child; m; m = m->next) {
						const cJSON *mean = cJSON_GetObjectItemCaseSensitive(m, "mean");
						if (cJSON_IsNumber(mean))
							printf("  %s=%.6g", m->string, mean->valuedouble);
					}
					printf("\n");
				}
			}
		} else {
			cJSON_AddNullToObject(res, "answer");
			if (s->has_capacity)
				cJSON_AddNullToObject(res, "capacity_answer");
			unmet++;
			if (s->has_capacity && !cap_found)
				fprintf(stderr, PROG ": solve: even %s=%s with %s=%s does not meet %s\n", s->cap_param, cv, s->param,
				        av, targets);
			else
				fprintf(stderr, PROG ": solve: even %s=%s does not meet %s\n", s->param, av, targets);
			if (have_ce && (ce.regime == CAPACITY_PEAK || ce.regime == CAPACITY_OVERLOAD) && !s->has_capacity)
				fprintf(stderr, PROG ": solve: %s\n", capacity_advice(&ce, buf_advice, sizeof(buf_advice)));
		}
		cJSON_Delete(se.last);
		fflush(stdout);
	}
	if (rc == 0 && unmet)
		rc = 1;
	if (o.out && (rc == 0 || rc == 1)) {
		int wrc = write_solve_json(o.out, doc);
		if (wrc)
			rc = wrc;
	}
	cJSON_Delete(doc);
	sweep_fini(&sw);
	return rc;
}
