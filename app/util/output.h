/* output.h: an output folder written all or nothing.
 *
 * Files are written under temporary names inside the folder and renamed to
 * their real names only by output_commit; output_abort removes them (and the
 * folder, when this run created it and it is empty).  The attempt, trace and
 * series writers are world hooks.  Program layer only.
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
	bool created_dir;
	int n;
	char final[OUTPUT_MAX_FILES][4200];
	char temp[OUTPUT_MAX_FILES][4200];
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

/* output_file: open a new temporary file that becomes dir/name on commit. */
FILE *output_file(struct output *o, const char *name);

/* output_commit: close and rename every file.  Returns 0 or -1 (errno). */
int output_commit(struct output *o);

/* output_abort: close and remove every temporary file. */
void output_abort(struct output *o);

/* output_self_exe: the absolute path of the running program, symbolic
 * links resolved (/proc/self/exe), into out.  Returns false, out empty, when
 * it cannot be read or does not fit. */
bool output_self_exe(char *out, size_t n);

/* world hooks writing attempts.jsonl, trace.jsonl and series.tsv */
void output_attempt_hook(void *ctx, const struct attempt_rec *r);
void output_trace_hook(void *ctx, const struct trace_rec *r);
void output_sample_hook(void *ctx, const struct sample_rec *r);
void output_series_header(FILE *f);

#endif
