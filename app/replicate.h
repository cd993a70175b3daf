/* replicate.h: independent replications in worker processes, and their merge.
 *
 * A task list (struct replicate_tasks) runs numbered tasks in at most `jobs`
 * child processes made with fork: each child computes one task, sends its
 * text back through a pipe and exits.  The parent hands every text to a
 * callback as it arrives; callers file the texts by task number, so nothing
 * they write depends on the number of workers or on the order in which the
 * tasks finish.  The parent only ever ends its own children, by pid.
 *
 * replicate_merge turns the summaries of R replications of one scenario
 * (replication r = 0..R-1; the random streams derive from seed, replication
 * and stream id) into one document in which every number of the summaries
 * becomes {"mean", "ci95", "sd", "n"}: the mean, the half-width of the 95%
 * confidence interval from Student's t, the sample standard deviation and
 * the number of replications.  The merge walks the replications in index
 * order, so its result is the same whatever the number of workers.  The
 * format is documented in docs/sweeps.md.  Program layer only.
 */
#ifndef TCPQSIM_REPLICATE_H
#define TCPQSIM_REPLICATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "app/config.h"
#include "app/runner.h"

#define REPLICATE_MAX 100000 /* most replications of one scenario */
#define REPLICATE_MAX_JOBS 1024 /* most worker processes */

struct replicate_tasks {
	size_t n_tasks;     /* tasks 0..n_tasks-1, started in this order */
	unsigned jobs;      /* most children at once (>= 1) */
	void *ctx;          /* passed to both callbacks (the child has its own copy) */
	/* run: in the child, compute task i; returns a new malloc'd text, or
	 * NULL with a one-line message in err */
	char *(*run)(void *ctx, size_t task, char *err, size_t n);
	/* done: in the parent, task i's text (taken: the callback frees it);
	 * returns 0, or -1 with a one-line message in err (stops everything) */
	int (*done)(void *ctx, size_t task, char *text, char *err, size_t n);
	volatile sig_atomic_t *stop; /* polled; non-zero ends the children and returns (may be NULL) */
};

/* replicate_run_tasks: run every task.  Returns RUN_OK; RUN_FAILED with err
 * filled when a task or a callback failed; RUN_INTERRUPTED when *stop was
 * set.  On return no child of this call is left running. */
enum run_status replicate_run_tasks(const struct replicate_tasks *t, char *err, size_t n);

/* replicate_scenario: R replications of ls (borrowed), replication r with
 * ls->s.replication = r, in `jobs` workers.  On RUN_OK *summaries is a new
 * array of R new summary documents, in replication order (free with
 * replicate_free_summaries). */
enum run_status replicate_scenario(const struct loaded_scenario *ls, uint64_t replications, unsigned jobs,
                                   volatile sig_atomic_t *stop, cJSON ***summaries, char *err, size_t n);
void replicate_free_summaries(cJSON **summaries, size_t n);

/* replicate_merge: the merged document of n >= 1 summaries (borrowed);
 * returns a new document, or NULL when out of memory. */
cJSON *replicate_merge(cJSON *const *summaries, size_t n);

/* replicate_stat: {"mean", "ci95", "sd", "n"} of n values (new object). */
cJSON *replicate_stat(const double *values, size_t n);

/* replicate_find: the node at a dotted path ("connect_time_ms.p99",
 * "connected_by_syns[1]") in doc, or NULL.  Borrowed from doc. */
const cJSON *replicate_find(const cJSON *doc, const char *path);

/* replicate_default_jobs: the number of online processors (at least 1). */
unsigned replicate_default_jobs(void);

/* replicate_parse_jobs: "-j N" text into *jobs; returns 0 or -1. */
int replicate_parse_jobs(const char *text, unsigned *jobs);

/* replicate_command: the body of "tcpqsim run SCENARIO --replications R":
 * writes dir/summary.json (merged) and dir/replications/rep-NNN.json, and
 * prints the merged summary unless quiet.  Returns the exit status. */
int replicate_command(const struct loaded_scenario *ls, uint64_t replications, unsigned jobs, const char *dir,
                      bool quiet);

#endif
