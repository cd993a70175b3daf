/* config.h: scenario files into struct scenario.
 *
 * A struct loaded_scenario owns everything a scenario points to (replayed
 * times, empirical samples, schedule phases) and the resolved JSON: the
 * scenario as run, every default filled in.  Loading never prints; the first
 * problem comes back as one line "FILE: json.path: expected ..., got ...".
 */
#ifndef TCPQSIM_CONFIG_H
#define TCPQSIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "models/cost.h"
#include "models/scenario.h"
#include "app/util/jsonread.h"

struct owned_block {
	struct owned_block *next;
	/* data follows */
};

struct loaded_scenario {
	struct scenario s;      /* what the models read */
	char name[128];         /* scenario name (names the output folder) */
	cJSON *resolved;        /* the scenario as run, defaults filled in (owned) */
	struct owned_block *blocks; /* arrays s points into (owned) */
	char warnings[4][256];  /* things worth saying (backlog above somaxconn...) */
	int n_warnings;
};

/* config_load_file: read path, apply the n_sets "--set a.b=v" overrides in
 * order, and resolve.  Returns 0, or -1 with err->msg filled. */
int config_load_file(const char *path, const char *const *sets, size_t n_sets, struct loaded_scenario *out,
                     struct jr *err);

/* config_load_doc: resolve an already parsed document (borrowed); `label`
 * names it in messages and `base_dir` resolves relative file names.  The
 * caller initialises err with jr_init(err, label) first. */
int config_load_doc(const char *label, const char *base_dir, const cJSON *doc, struct loaded_scenario *out,
                    struct jr *err);

void loaded_scenario_fini(struct loaded_scenario *ls);

/* The limits on scenario_estimate_cost (models/cost.h) a run must stay under
 * without --force. */
/* the largest time a scenario key (and a command-line option) may give, s:
 * 1e17 ns, so that sums of a few stay inside sim_time_ns */
#define CONFIG_MAX_TIME_S 1e8

#define CONFIG_MAX_OUTPUT_BYTES 1e10 /* a run's files: refused above 10 GB (without --force) */

#define CONFIG_MAX_ATTEMPTS 1e9  /* refused above this many attempts ... */
#define CONFIG_MAX_EVENTS 5e10   /* ... or events (hours of CPU) ... */
#define CONFIG_MAX_BYTES 8589934592.0 /* ... or 8 GiB in flight (without a max_memory) */

/* config_check_size: refuse a run that would be absurdly long or large:
 * returns 0, or -1 with r filled ("FILE: duration_s: the run would make about
 * N attempts (over the limit of M); use --force to run it anyway"); r's file
 * name labels the message (config_load_file leaves it set to the path).  The
 * memory limit is not checked when s->max_memory is set: the run then stops
 * cleanly at that ceiling instead. */
int config_check_size(const struct scenario *s, struct jr *r);

/* config_check_outputs: refuse a run whose files would be absurdly large:
 * series.tsv (one row per sample_interval_s over the run and its drain),
 * attempts.jsonl (one line per attempt) and trace.jsonl (one line per event;
 * not checked when filtered: filtered is the way to make it small), each
 * estimated from above, over CONFIG_MAX_OUTPUT_BYTES in all.  Returns 0, or
 * -1 with r filled, naming the key or option to change. */
int config_check_outputs(const struct scenario *s, bool series, bool attempts, bool trace, struct jr *r);

/* config_profile_hint: the profile name closest to `name` (for "did you
 * mean"), or NULL when none is within three edits. */
const char *config_profile_hint(const char *name);

#endif
