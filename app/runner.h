/* runner.h: one run of a loaded scenario, with its output files.
 *
 * runner_run builds the world, attaches the writers the request asks for,
 * runs it and returns the summary document.  With an output folder every
 * file is written all or nothing (output.h).  The sweep, replication,
 * explain and watch commands all run scenarios through here.  Program layer.
 */
#ifndef TCPQSIM_RUNNER_H
#define TCPQSIM_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "models/world.h"
#include "app/config.h"
#include "app/util/output.h"

struct run_request {
	const struct loaded_scenario *ls; /* borrowed */
	const char *out_dir;      /* NULL: no files, only the summary */
	bool attempts;            /* write attempts.jsonl */
	bool trace;               /* write trace.jsonl */
	bool series;              /* write series.tsv (time series) */
	const char *pcap;         /* write the segments here as libpcap (pcap.h), or NULL;
	                             chosen by filter's window and attempt ids */
	struct trace_filter filter; /* borrowed (conns array not freed) */
	/* extra hooks, called besides the writers (any may be NULL) */
	void *ctx;
	void (*on_trace)(void *ctx, const struct trace_rec *r);
	void (*on_attempt)(void *ctx, const struct attempt_rec *r);
	void (*on_snapshot)(void *ctx, const struct world_snapshot *s);
	const sim_time_ns *snapshot_times;
	size_t n_snapshots;
	volatile sig_atomic_t *stop;       /* polled: non-zero stops the run */
	bool progress;            /* a progress line on stderr (the caller checks it is a terminal) */
	double progress_after_s;  /* ... from this long after the start (wall clock, s) */
};

enum run_status {
	RUN_OK = 0,
	RUN_FAILED = 1,      /* out of memory, or past max_memory */
	RUN_BAD_OUTPUT = 2,  /* the output folder cannot be written */
	RUN_INTERRUPTED = 130,
};

/* runner_run: run rq; on RUN_OK *summary is a new document (caller
 * deletes).  On failure nothing is left in the output folder and err holds
 * one line. */
enum run_status runner_run(const struct run_request *rq, cJSON **summary, char *err, size_t n);

#endif
