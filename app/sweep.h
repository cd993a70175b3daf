/* sweep.h: parameter sweeps: the sweep file, its points, their files, the merge.
 *
 * A struct sweep is a sweep file read and checked: a base scenario (parsed,
 * with the sweep's "set" and "seed" applied), the swept parameters (dotted
 * paths, each with its list of JSON values), how they combine (cartesian
 * product, first parameter slowest, or zip), the replications, the metrics
 * to tabulate and an optional "solve" object.  Point i is the base document
 * with point i's values applied by jr_set, then config_load_doc: points and
 * their order depend on the sweep file alone.  Every point uses the same seed
 * (common random numbers: the streams derive from seed, replication and
 * stream id, never from the point).
 *
 * A sweep's folder holds sweep.json (the manifest: what the merge needs and
 * what --resume compares), points/point-NNNNN.json (one per finished point,
 * written to a temporary name and renamed) and, after the merge,
 * results.csv and results.json.  Formats: docs/sweeps.md.  Program layer.
 */
#ifndef TCPQSIM_SWEEP_H
#define TCPQSIM_SWEEP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "app/config.h"
#include "app/util/jsonread.h"
#include "app/runner.h"

#define SWEEP_MAX_PARAMS 16
#define SWEEP_MAX_METRICS 64
#define SWEEP_MAX_TARGETS 16
#define SWEEP_MAX_POINTS 1000000

struct jr;
/* sweep_check_metrics: every entry of metrics (an array) is a number of a
 * summary of base (a resolved scenario document); the first problem goes to
 * r with its JSON path (path names the file in messages).  merge checks a
 * sweep folder's sweep.json with it. */
void sweep_check_metrics(struct jr *r, const char *path, const cJSON *base, const cJSON *metrics);

enum sweep_need {
	SWEEP_NEED_GRID,  /* tcpqsim sweep / point: "grid" is required */
	SWEEP_NEED_SOLVE, /* tcpqsim solve: "solve" is required, "grid" optional */
};

enum sweep_op { SWEEP_LE, SWEEP_LT, SWEEP_GE, SWEEP_GT };

struct sweep_param {
	const char *path;      /* dotted scenario path (borrowed from the sweep document) */
	const cJSON *values;   /* its array of values (borrowed) */
	size_t n_values;       /* values in the array (>= 1) */
};

struct sweep_target {
	char metric[160];      /* dotted summary path */
	enum sweep_op op;      /* comparison */
	double value;          /* threshold, in the metric's unit */
	char text[256];        /* as written, for messages */
};

struct sweep_solve {
	const char *param;     /* dotted scenario path (borrowed) */
	double min, max;       /* search interval, in the parameter's unit */
	bool integer;          /* probe whole numbers only */
	bool increasing;       /* true: targets met from the answer up (smallest value
	                        * wanted); false: met up to the answer (largest value) */
	double tolerance;      /* stop when the bracket is this narrow (parameter's unit) */
	struct sweep_target targets[SWEEP_MAX_TARGETS];
	size_t n_targets;
	/* "capacity": a second parameter (workers, a rate) searched first, with
	 * param at its best end, when no value of param alone can meet the
	 * targets; then param is solved at the capacity found */
	bool has_capacity;
	const char *cap_param;  /* dotted scenario path (borrowed) */
	double cap_min, cap_max; /* its search interval */
	bool cap_integer;        /* whole numbers only */
};

struct sweep {
	char file[4096];       /* the sweep file, as named on the command line */
	char name[128];        /* names the default output folder */
	cJSON *doc;            /* the parsed sweep file (owned) */
	char base_path[4096];  /* the base scenario file (relative to the sweep file) */
	char base_dir[4096];   /* its folder, for the scenario's own relative files */
	cJSON *base;           /* the base document with "set" and "seed" applied (owned) */
	struct sweep_param params[SWEEP_MAX_PARAMS];
	size_t n_params;       /* 0 only for a solve without a grid */
	bool zip;              /* combine "zip" rather than "product" */
	size_t n_points;       /* 1 when there is no grid */
	uint64_t replications; /* per point (>= 1) */
	const char *metrics[SWEEP_MAX_METRICS]; /* borrowed from doc or static */
	size_t n_metrics;
	bool has_solve;
	struct sweep_solve solve;
	cJSON *manifest;       /* the content of DIR/sweep.json (owned) */
};

/* sweep_load: read and check the sweep file at path: every value, every point
 * and every metric.  Returns 0, or -1 with err holding one line
 * "FILE: json.path: expected ..., got ...".  sweep_fini frees (also after a
 * failed load). */
int sweep_load(struct sweep *sw, const char *path, enum sweep_need need, struct jr *err);
void sweep_fini(struct sweep *sw);

/* sweep_point_values: point i's values, a new object {"path": value, ...}
 * in parameter order (NULL when out of memory). */
cJSON *sweep_point_values(const struct sweep *sw, size_t i);

/* sweep_point_load: the base scenario with `values` (an object of dotted
 * paths to JSON values, borrowed) applied.  Returns 0, or -1 with err. */
int sweep_point_load(const struct sweep *sw, const cJSON *values, struct loaded_scenario *ls, struct jr *err);

/* sweep_run_sets: for each of n value objects (borrowed), run the sweep's
 * replications in `jobs` workers (all sets' replications share the
 * workers), and hand each set's merged document (replicate_merge) to
 * on_done as soon as its last replication arrives (on_done takes it).
 * labels[k], when labels is non-NULL, is set k's point number for
 * messages.  Returns RUN_OK, RUN_FAILED (err) or RUN_INTERRUPTED. */
enum run_status sweep_run_sets(const struct sweep *sw, cJSON *const *values, const size_t *labels, size_t n,
                               unsigned jobs, volatile sig_atomic_t *stop,
                               int (*on_done)(void *ctx, size_t k, cJSON *merged, char *err, size_t n),
                               void *ctx, char *err, size_t errn);

/* sweep_point_path: DIR/points/point-NNNNN.json into buf. */
void sweep_point_path(const char *dir, size_t i, char *buf, size_t n);

/* sweep_prepare_dir: create DIR/points and write DIR/sweep.json, or check
 * that the one there describes this sweep.  Returns 0; -1 with err filled
 * when it describes another sweep or cannot be written. */
int sweep_prepare_dir(const struct sweep *sw, const char *dir, char *err, size_t n);

/* sweep_remove_temporaries: remove DIR/points/ *.tmp.* left by a killed run. */
void sweep_remove_temporaries(const char *dir);

/* sweep_write_point: DIR/points/point-NNNNN.json from a merged document
 * (borrowed) and the point's values (borrowed), through a temporary file.
 * Returns 0 or -1 (errno). */
int sweep_write_point(const char *dir, size_t i, const cJSON *values, const cJSON *merged);

/* sweep_read_json: a JSON file, or NULL (*missing when it does not exist). */
cJSON *sweep_read_json(const char *path, bool *missing);

/* sweep_merge: read DIR/sweep.json and every point file, write
 * DIR/results.csv and DIR/results.json (each through a temporary file).
 * Missing points are an error (returns 1, err names them) unless partial
 * (then *n_missing counts them and note names them).  Returns 0, 1 (missing
 * points, unreadable or unwritable files), 2 (DIR is not a sweep folder). */
int sweep_merge(const char *dir, bool partial, size_t *n_missing, char *note, size_t note_n, char *err, size_t n);

/* sweep_target_met: does the merged document meet target t (on the mean)?
 * *mean receives the metric's mean (NAN when missing). */
bool sweep_target_met(const struct sweep_target *t, const cJSON *merged, double *mean);

/* sweep_format_value: a JSON value as one CSV/terminal cell (numbers as
 * JSON writes them, strings bare, the rest compact JSON). */
void sweep_format_value(const cJSON *v, char *buf, size_t n);

#endif
