/* output.h: an output folder written all or nothing.
 *
 * Files are written into a staging folder inside the output folder
 * (DIR/.tcpqsim-stage.PID) and moved to their real names only by
 * output_commit, which also moves away every other name of the command's
 * list (output_run_names, or o->names) so that the folder never mixes two
 * runs; output_abort removes the staging folder (and the output folder,
 * when this run created it).  Between output_open and commit/abort a signal
 * only sets the stop flag (app/util/stop.h).  The attempt, trace and series
 * writers are world hooks.  Program layer only.
 */
#ifndef TCPQSIM_OUTPUT_H
#define TCPQSIM_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "models/world.h"

#define OUTPUT_MAX_FILES 8

struct trace_filter {
	double from_s, to_s;     /* time window, s */
	uint64_t *conns;         /* only these attempt ids (borrowed), or all when n_conns == 0 */
	size_t n_conns;
	char kinds[256];         /* comma-separated event kinds, or "" for all */
};

struct output {
	char dir[4096];
	char stage[4200];        /* the staging folder */
	bool created_dir;
	bool open;               /* staged, not yet committed or aborted */
	const char *const *names; /* the names a commit replaces (NULL: output_run_names) */
	int n;
	char temp[OUTPUT_MAX_FILES][4400];
	FILE *fp[OUTPUT_MAX_FILES];
	FILE *attempts, *trace, *series; /* open writers, or NULL */
	const char *const *pop_names;    /* population names for attempts.jsonl */
	struct trace_filter filter;
	bool failed;                     /* a write failed */
};

/* output_make_dirs: mkdir -p dir; *created tells whether the last component
 * was made by this call.  Returns 0, or -1 with errno set (ENOTDIR when dir
 * exists and is not a folder). */
int output_make_dirs(const char *dir, bool *created);

/* output_open: prepare dir (created with its parents when missing).
 * Returns 0, or -1 with a message in err. */
int output_open(struct output *o, const char *dir, char *err, size_t n);

/* output_file: open a new staged file that becomes dir/name on commit. */
FILE *output_file(struct output *o, const char *name);

/* output_staged_path: where name is staged (for folders and files written
 * by other means, e.g. report_write_json). */
void output_staged_path(const struct output *o, const char *name, char *buf, size_t n);

/* the names a run or a replicated run writes (NULL-terminated) */
extern const char *const output_run_names[];

/* output_commit: close every file and move the staged names in (the old
 * ones of the list out).  Returns 0, or -1 (errno; EINTR when a signal came)
 * with the folder as it was. */
int output_commit(struct output *o);

/* output_abort: close and remove everything staged. */
void output_abort(struct output *o);

/* output_self_exe: the absolute path of the running program, symbolic
 * links resolved (/proc/self/exe), into out.  Returns false, out empty, when
 * it cannot be read or does not fit. */
bool output_self_exe(char *out, size_t n);

/* output_remove_tree: rm -r path.  Returns 0 or -1. */
int output_remove_tree(const char *path);

/* world hooks writing attempts.jsonl, trace.jsonl and series.tsv */
void output_attempt_hook(void *ctx, const struct attempt_rec *r);
void output_trace_hook(void *ctx, const struct trace_rec *r);
void output_sample_hook(void *ctx, const struct sample_rec *r);
void output_series_header(FILE *f);

#endif
