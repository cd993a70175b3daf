/* replicate_cmd.c: replications of one scenario on the worker pool, and the
 * body of tcpqsim run --replications (replicate.h). */
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
#include "app/util/stop.h"

/* ---- replications of one scenario ----------------------------------------- */

struct rep_ctx {
	const struct loaded_scenario *ls; /* borrowed */
	cJSON **summaries;                /* [replication], filled by done */
};

static char *rep_run(void *p, size_t task, char *err, size_t n)
{
	struct rep_ctx *c = p;
	struct loaded_scenario copy = *c->ls; /* the child's own: shares the owned arrays */
	copy.s.replication = task;
	struct run_request rq = {.ls = &copy, .stop = cli_stop_flag()};
	cJSON *summary = NULL;
	if (runner_run(&rq, &summary, err, n) != RUN_OK)
		return NULL;
	char *text = cJSON_PrintUnformatted(summary);
	cJSON_Delete(summary);
	if (!text)
		snprintf(err, n, "out of memory");
	return text;
}

static int rep_done(void *p, size_t task, char *text, char *err, size_t n)
{
	struct rep_ctx *c = p;
	cJSON *doc = jr_parse_exact(text, strlen(text)); /* a seed past 2^53 stays exact */
	free(text);
	if (!doc) {
		snprintf(err, n, "replication %zu: a worker sent something that is not JSON", task);
		return -1;
	}
	c->summaries[task] = doc;
	return 0;
}

void replicate_free_summaries(cJSON **summaries, size_t n)
{
	if (!summaries)
		return;
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(summaries[i]);
	free(summaries);
}

enum run_status replicate_scenario(const struct loaded_scenario *ls, uint64_t replications, unsigned jobs,
                                   volatile sig_atomic_t *stop, cJSON ***summaries, char *err, size_t n)
{
	*summaries = NULL;
	struct rep_ctx c = {ls, calloc(replications ? replications : 1, sizeof(cJSON *))};
	if (!c.summaries) {
		snprintf(err, n, "out of memory");
		return RUN_FAILED;
	}
	struct replicate_tasks t = {
	    .n_tasks = replications,
	    .jobs = jobs,
	    .ctx = &c,
	    .run = rep_run,
	    .done = rep_done,
	    .stop = stop,
	};
	enum run_status st = replicate_run_tasks(&t, err, n);
	if (st != RUN_OK) {
		replicate_free_summaries(c.summaries, replications);
		return st;
	}
	*summaries = c.summaries;
	return RUN_OK;
}

/* ---- tcpqsim run --replications --------------------------------------------- */

static double stat_num(const cJSON *doc, const char *path, const char *field)
{
	const cJSON *s = replicate_find(doc, path);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, field);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void print_stat(FILE *f, const cJSON *doc, const char *label, const char *path)
{
	double m = stat_num(doc, path, "mean"), h = stat_num(doc, path, "ci95");
	if (isnan(m))
		return;
	if (isnan(h))
		fprintf(f, "  %-26s %.6g\n", label, m);
	else
		fprintf(f, "  %-26s %.6g ± %.3g\n", label, m, h);
}

static void print_merged(FILE *f, const cJSON *doc, const char *name, unsigned jobs)
{
	double r = cJSON_GetObjectItemCaseSensitive(doc, "replications")->valuedouble;
	int64_t seed = 0;
	jr_get_int(cJSON_GetObjectItemCaseSensitive(doc, "seed"), &seed);
	fprintf(f, "%s: %.0f replications (seed %lld, %u worker%s); mean ± 95%% confidence half-width\n", name, r,
	        (long long)seed, jobs, jobs == 1 ? "" : "s");
	print_stat(f, doc, "attempts", "attempts");
	const cJSON *oc = cJSON_GetObjectItemCaseSensitive(doc, "outcomes");
	for (const cJSON *c = oc ? oc->child : NULL; c; c = c->next) {
		size_t l = strlen(c->string);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "mean");
		if (l > 5 && strcmp(c->string + l - 5, "_frac") == 0 && cJSON_IsNumber(m) && m->valuedouble > 0) {
			char path[160], label[160];
			snprintf(path, sizeof(path), "outcomes.%s", c->string);
			snprintf(label, sizeof(label), "%s", c->string);
			print_stat(f, doc, label, path);
		}
	}
	print_stat(f, doc, "connect_time_ms.mean", "connect_time_ms.mean");
	print_stat(f, doc, "connect_time_ms.p50", "connect_time_ms.p50");
	print_stat(f, doc, "connect_time_ms.p99", "connect_time_ms.p99");
	print_stat(f, doc, "server.max_accept_queue", "server.max_accept_queue");
	print_stat(f, doc, "counters.ListenOverflows", "counters.ListenOverflows");
}

int replicate_command(const struct loaded_scenario *ls, uint64_t replications, unsigned jobs, const char *dir,
                      bool quiet)
{
	char err[1024];
	cJSON **sums = NULL;
	volatile sig_atomic_t *stop = cli_stop_flag();
	cli_install_signals();
	enum run_status st = replicate_scenario(ls, replications, jobs, stop, &sums, err, sizeof(err));
	cli_restore_signals();
	if (st != RUN_OK) {
		fprintf(stderr, PROG ": %s%s\n", err, st == RUN_INTERRUPTED ? ": nothing written" : "");
		return (int)st;
	}
	int rc = 0;
	cJSON *merged = replicate_merge(sums, replications);
	char path[4600], reps[4400];
	if (!merged) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = 1;
		goto out;
	}
	/* staged, then moved in whole: the folder never mixes two runs */
	struct output o;
	if (output_open(&o, dir, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		rc = 2;
		goto out;
	}
	output_staged_path(&o, "replications", reps, sizeof(reps));
	if (mkdir(reps, 0777) < 0) {
		fprintf(stderr, PROG ": %s: cannot write the output folder: %s\n", dir, strerror(errno));
		output_abort(&o);
		rc = 2;
		goto out;
	}
	for (uint64_t r = 0; r < replications; r++) {
		if (*stop) {
			fprintf(stderr, PROG ": interrupted: nothing written\n");
			output_abort(&o);
			rc = 130;
			goto out;
		}
		snprintf(path, sizeof(path), "%s/rep-%03llu.json", reps, (unsigned long long)r);
		if (report_write_json(path, sums[r]) < 0) {
			fprintf(stderr, PROG ": %s/replications/rep-%03llu.json: cannot write: %s\n", dir,
			        (unsigned long long)r, strerror(errno));
			output_abort(&o);
			rc = 2;
			goto out;
		}
	}
	output_staged_path(&o, "summary.json", path, sizeof(path));
	if (report_write_json(path, merged) < 0) {
		fprintf(stderr, PROG ": %s/summary.json: cannot write: %s\n", dir, strerror(errno));
		output_abort(&o);
		rc = 2;
		goto out;
	}
	errno = 0;
	if (output_commit(&o) < 0) {
		if (errno == EINTR) {
			fprintf(stderr, PROG ": interrupted: nothing written\n");
			rc = 130;
		} else {
			fprintf(stderr, PROG ": %s: cannot write: %s\n", dir, strerror(errno));
			rc = 2;
		}
		goto out;
	}
	if (!quiet) {
		print_merged(stdout, merged, ls->name, jobs);
		printf("  wrote %s/summary.json and %llu replications in %s/\n", dir, (unsigned long long)replications,
		       reps);
	}
out:
	cJSON_Delete(merged);
	replicate_free_summaries(sums, replications);
	return rc;
}
