/* sweep_run.c: running sets of values, each R replications, on the worker
 * pool of replicate.h (sweep.h). */
#include "app/sweep.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/world.h"
#include "app/commands.h"
#include "app/replicate.h"
#include "app/report.h"
#include "app/util/output.h"

/* ---- running sets of values ---------------------------------------------- */

struct sets_ctx {
	const struct sweep *sw;
	cJSON *const *values;   /* borrowed */
	const size_t *labels;   /* point numbers for messages, or NULL */
	cJSON **sums;           /* [set * R + replication] */
	uint64_t *count;        /* replications arrived, per set */
	int (*on_done)(void *ctx, size_t k, cJSON *merged, char *err, size_t n);
	void *ctx;
};

static char *set_run(void *p, size_t task, char *err, size_t n)
{
	struct sets_ctx *c = p;
	uint64_t R = c->sw->replications;
	struct loaded_scenario ls;
	struct jr jr;
	if (sweep_point_load(c->sw, c->values[task / R], &ls, &jr) < 0) {
		snprintf(err, n, "%s", jr.msg);
		return NULL;
	}
	ls.s.replication = task % R;
	struct run_request rq = {.ls = &ls, .stop = cli_stop_flag()};
	cJSON *summary = NULL;
	char *text = NULL;
	char msg[1024];
	if (runner_run(&rq, &summary, msg, sizeof(msg)) == RUN_OK) {
		text = cJSON_PrintUnformatted(summary);
		if (!text)
			snprintf(msg, sizeof(msg), "out of memory");
	}
	if (!text && c->labels)
		snprintf(err, n, "point %zu, replication %llu: %s", c->labels[task / R], (unsigned long long)(task % R), msg);
	else if (!text)
		snprintf(err, n, "replication %llu: %s", (unsigned long long)(task % R), msg);
	cJSON_Delete(summary);
	loaded_scenario_fini(&ls);
	return text;
}

static int set_done(void *p, size_t task, char *text, char *err, size_t n)
{
	struct sets_ctx *c = p;
	uint64_t R = c->sw->replications;
	size_t k = task / R;
	cJSON *doc = jr_parse_exact(text, strlen(text));
	free(text);
	if (!doc) {
		snprintf(err, n, "a worker sent something that is not JSON");
		return -1;
	}
	c->sums[task] = doc;
	if (++c->count[k] < R)
		return 0;
	cJSON *merged = replicate_merge(&c->sums[k * R], R);
	for (uint64_t r = 0; r < R; r++) {
		cJSON_Delete(c->sums[k * R + r]);
		c->sums[k * R + r] = NULL;
	}
	if (!merged) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	return c->on_done(c->ctx, k, merged, err, n);
}

enum run_status sweep_run_sets(const struct sweep *sw, cJSON *const *values, const size_t *labels, size_t n,
                               unsigned jobs, volatile sig_atomic_t *stop,
                               int (*on_done)(void *ctx, size_t k, cJSON *merged, char *err, size_t n),
                               void *ctx, char *err, size_t errn)
{
	uint64_t R = sw->replications;
	struct sets_ctx c = {sw, values, labels, calloc(n * R + 1, sizeof(cJSON *)), calloc(n + 1, sizeof(uint64_t)),
	                     on_done, ctx};
	enum run_status st = RUN_FAILED;
	if (!c.sums || !c.count) {
		snprintf(err, errn, "out of memory");
		goto out;
	}
	struct replicate_tasks t = {
	    .n_tasks = n * R,
	    .jobs = jobs,
	    .ctx = &c,
	    .run = set_run,
	    .done = set_done,
	    .stop = stop,
	};
	st = replicate_run_tasks(&t, err, errn);
out:
	if (c.sums)
		for (size_t i = 0; i < n * R; i++)
			cJSON_Delete(c.sums[i]);
	free(c.sums);
	free(c.count);
	return st;
}
