/* fuzz_scenario.c: libFuzzer harness for the scenario loader.
 *
 * The input is a scenario document, optionally followed by lines that start
 * with "SET:": each such line is one "--set PATH=VALUE" override, applied in
 * order with jr_set before config_load_doc resolves the document.  Besides the
 * sanitizers (address, undefined, leaks) the harness checks the loader's
 * contract on every input:
 *   - a failure leaves exactly one printable line, naming the file (or --set);
 *   - a success gives a scenario within its documented ranges, a resolved
 *     document, and a size estimate (scenario_estimate_cost) that is finite;
 *   - the resolved document loads again to the same resolved document.
 * A broken rule aborts, so libFuzzer keeps the input as a crash.
 *
 * Built with -DFUZZ_RUN_WORLD, scenarios whose estimated size is small are
 * also run (world_create, world_run, world_check), stopped after
 * FUZZ_RUN_EVENTS traced events and under a 64 MiB max_memory: the models
 * then see every value the loader accepts.
 *
 * Files named by the scenario (replay, empirical) are opened only inside
 * tests/data/ (fopen is wrapped at link time, -Wl,--wrap=fopen): a fuzzer
 * must not read /dev or block on a pipe.
 */
#include <errno.h>
#include <math.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/world.h"
#include "app/config.h"
#include "app/util/jsonread.h"

#define FUZZ_LABEL "fuzz.json"
#define FUZZ_BASE_DIR "tests/data"
#define FUZZ_MAX_SETS 16
#define FUZZ_RUN_EVENTS 20000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
FILE *__wrap_fopen(const char *path, const char *mode);
FILE *__real_fopen(const char *path, const char *mode);

/* while an input runs, a file opened for reading must lie under
 * FUZZ_BASE_DIR (libFuzzer writes its crash files with fopen, even from
 * inside an input: writing is left alone; the loaders never write) */
static bool in_input;

/* under DIR (relative as given, or absolute: the loader records a replay or
 * empirical file by its absolute path, and the resolved document is loaded
 * again) */
static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return n && strncmp(path, dir, n) == 0 && path[n] == '/';
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
	static char abs_base[PATH_MAX];
	if (!abs_base[0] && !realpath(FUZZ_BASE_DIR, abs_base))
		abs_base[0] = '\0';
	bool writes = strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+');
	if (in_input && !writes &&
	    ((!is_under(path, FUZZ_BASE_DIR) && !is_under(path, abs_base)) || strstr(path, ".."))) {
		errno = EACCES;
		return NULL;
	}
	return __real_fopen(path, mode);
}

static void broken(const char *rule, const char *detail)
{
	fprintf(stderr, "fuzz_scenario: broken rule: %s\n  ", rule);
	for (const char *p = detail ? detail : ""; *p; p++)
		fprintf(stderr, (unsigned char)*p < 32 || *p == 127 ? "\\x%02x" : "%c", (unsigned char)*p);
	fputc('\n', stderr);
	abort();
}

/* one line of printable text starting with prefix */
static void check_message(const struct jr *r, const char *prefix)
{
	if (!r->failed)
		broken("a failure sets failed", r->msg);
	if (!r->msg[0])
		broken("a failure has a message", NULL);
	if (strncmp(r->msg, prefix, strlen(prefix)) != 0)
		broken("the message starts with the file name (or --set)", r->msg);
	for (const unsigned char *p = (const unsigned char *)r->msg; *p; p++)
		if (*p < 32 || *p == 127)
			broken("the message is one line of printable text", r->msg);
}

static void check_dist(const struct dist *d, const char *what)
{
	if (!isfinite(d->a) || !isfinite(d->b) || d->a < -1e30 || d->b < 0)
		broken("a distribution has finite parameters", what);
	if (d->kind == DIST_EMPIRICAL && (!d->values || !d->n_values))
		broken("an empirical distribution has values", what);
	/* (a normal with a negative mean has a negative hint: its draws are
	 * truncated at 0) */
	double hint = dist_max_hint(d);
	if (!(hint <= 1e18))
		broken("a distribution's 99.99th percentile fits in sim_time_ns", what);
}

static void check_scenario(const struct loaded_scenario *ls)
{
	const struct scenario *s = &ls->s;
	if (!ls->resolved || !cJSON_IsObject(ls->resolved))
		broken("a loaded scenario has a resolved document", NULL);
	if (!ls->name[0])
		broken("a loaded scenario has a name", NULL);
	if (s->duration <= 0 || s->drain < 0 || s->warmup < 0 || s->warmup >= s->duration)
		broken("0 <= warmup < duration, drain >= 0", NULL);
	if (s->sample_interval <= 0 || s->hist_bin <= 0)
		broken("sample interval and histogram bin are positive", NULL);
	if (s->n_pops < 1 || s->n_pops > SCENARIO_MAX_POPS)
		broken("1 to SCENARIO_MAX_POPS populations", NULL);
	if (s->server.listeners < 1)
		broken("at least one listener", NULL);
	const struct acceptor_spec *a = &s->server.acceptor;
	if (a->n_stalls > SCENARIO_MAX_STALLS)
		broken("at most SCENARIO_MAX_STALLS stalls", NULL);
	for (uint32_t i = 0; i < a->n_stalls; i++)
		if (a->stalls[i].start < 0 || a->stalls[i].length <= 0 || a->stalls[i].every < 0)
			broken("stalls have non-negative times and a positive length", NULL);
	check_dist(&a->service, "server.acceptor.service_ms");
	check_dist(&a->wake_latency, "server.acceptor.wake_latency_ms");
	for (uint32_t i = 0; i < s->n_pops; i++) {
		const struct client_pop *p = &s->pops[i];
		const struct arrival_spec *ar = &p->arrival;
		if (p->sysctl.tcp_syn_retries < 0 || p->sysctl.tcp_syn_retries > 127)
			broken("tcp_syn_retries in [0, 127]", NULL);
		if (ar->kind == ARRIVAL_SCHEDULE) {
			if (!ar->phases || !ar->n_phases)
				broken("a schedule has phases", NULL);
			for (uint32_t k = 0; k < ar->n_phases; k++) {
				if (ar->phases[k].start < 0 || !(ar->phases[k].rate_from >= 0) ||
				    !(ar->phases[k].rate_to >= 0))
					broken("phases start at t >= 0 with rates >= 0", NULL);
				if (k && ar->phases[k].start < ar->phases[k - 1].start)
					broken("phases are sorted", NULL);
			}
		}
		if (ar->kind == ARRIVAL_REPLAY) {
			if (!ar->times || !ar->n_times)
				broken("a replay has arrival times", NULL);
			for (uint64_t k = 1; k < ar->n_times; k++)
				if (ar->times[k] < ar->times[k - 1])
					broken("replay times are sorted", NULL);
		}
		check_dist(&ar->think, "think_ms");
		check_dist(&p->after.hold, "hold_s");
		check_dist(&p->path.delay_to_server, "delay_to_server_ms");
		check_dist(&p->path.delay_to_client, "delay_to_client_ms");
		check_dist(&p->app_backoff, "backoff_ms");
		if (!(p->path.loss_to_server >= 0 && p->path.loss_to_server <= 1 && p->path.loss_to_client >= 0 &&
		      p->path.loss_to_client <= 1))
			broken("losses are probabilities", NULL);
	}
	struct scenario_cost sz;
	scenario_estimate_cost(s, &sz);
	if (!(sz.attempts >= 0) || !(sz.events >= sz.attempts) || !(sz.peak_bytes >= 0))
		broken("the size estimate is a non-negative number", NULL);
}

/* the resolved document loads again, to itself */
static void check_round_trip(const struct loaded_scenario *ls)
{
	char *first = cJSON_PrintUnformatted(ls->resolved);
	if (!first)
		return; /* out of memory */
	struct jr r;
	jr_init(&r, FUZZ_LABEL);
	struct loaded_scenario again;
	int rc = config_load_doc(FUZZ_LABEL, FUZZ_BASE_DIR, ls->resolved, &again, &r);
	if (rc < 0) {
		fprintf(stderr, "resolved: %s\n", first);
		broken("the resolved document loads again", r.msg);
	}
	char *second = cJSON_PrintUnformatted(again.resolved);
	if (second && strcmp(first, second) != 0) {
		fprintf(stderr, "first:  %s\nsecond: %s\n", first, second);
		broken("the resolved document resolves to itself", NULL);
	}
	free(second);
	free(first);
	loaded_scenario_fini(&again);
}

#ifdef FUZZ_RUN_WORLD
struct run_guard {
	uint64_t traced;   /* trace records seen */
	volatile int stop; /* set past FUZZ_RUN_EVENTS */
};

static void count_trace(void *ctx, const struct trace_rec *rec)
{
	struct run_guard *g = ctx;
	(void)rec;
	if (++g->traced > 5 * FUZZ_RUN_EVENTS)
		g->stop = 1;
}

static void run_world(struct loaded_scenario *ls, const struct scenario_cost *sz)
{
	if (sz->events > FUZZ_RUN_EVENTS || sz->attempts > FUZZ_RUN_EVENTS / 10)
		return;
	struct run_guard g = {0, 0};
	struct world_hooks hooks;
	memset(&hooks, 0, sizeof(hooks));
	hooks.ctx = &g;
	hooks.trace = count_trace;
	ls->s.max_memory = (uint64_t)64 << 20;
	struct world *w = world_create(&ls->s, &hooks);
	if (!w)
		return;
	int st = world_run(w, &g.stop);
	if (!world_check(w))
		broken("world_check after the run", NULL);
	if (st == 0) {
		const struct world_results *res = world_results(w);
		uint64_t sum = 0;
		for (int k = 0; k < OUTCOME_COUNT; k++)
			sum += res->outcomes[k];
		if (sum != res->attempts)
			broken("outcomes partition the attempts", NULL);
	}
	world_destroy(w);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the document ends at the first line starting with "SET:" */
	size_t doc_len = size;
	for (size_t i = 0; i + 4 <= size; i++)
		if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, "SET:", 4) == 0) {
			doc_len = i;
			break;
		}
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	in_input = true;
	memcpy(text, data, size);
	text[size] = '\0';

	const char *sets[FUZZ_MAX_SETS];
	size_t n_sets = 0;
	for (size_t i = doc_len; i < size && n_sets < FUZZ_MAX_SETS;) {
		char *nl = memchr(text + i, '\n', size - i);
		size_t end = nl ? (size_t)(nl - text) : size;
		text[end] = '\0';
		if (end - i >= 4 && memcmp(text + i, "SET:", 4) == 0)
			sets[n_sets++] = text + i + 4;
		i = end + 1;
	}
	char *doc_text = malloc(doc_len + 1);
	if (!doc_text) {
		free(text);
		in_input = false;
		return 0;
	}
	memcpy(doc_text, data, doc_len);
	doc_text[doc_len] = '\0';

	struct jr r;
	jr_init(&r, FUZZ_LABEL);
	cJSON *doc = jr_parse_text(&r, doc_text, doc_len);
	if (!doc) {
		check_message(&r, FUZZ_LABEL ":");
		goto free_text;
	}
	for (size_t i = 0; i < n_sets; i++)
		if (jr_set(&r, doc, sets[i]) < 0) {
			check_message(&r, "--set");
			goto free_doc;
		}
	struct loaded_scenario ls;
	if (config_load_doc(FUZZ_LABEL, FUZZ_BASE_DIR, doc, &ls, &r) < 0) {
		check_message(&r, FUZZ_LABEL ": ");
	} else {
		if (r.failed)
			broken("a success leaves no failure", r.msg);
		check_scenario(&ls);
		check_round_trip(&ls);
		/* the size check's message, when it refuses */
		struct jr lim;
		jr_init(&lim, FUZZ_LABEL);
		if (config_check_size(&ls.s, &lim) < 0)
			check_message(&lim, FUZZ_LABEL ": duration_s: the run would ");
#ifdef FUZZ_RUN_WORLD
		struct scenario_cost sz;
		scenario_estimate_cost(&ls.s, &sz);
		run_world(&ls, &sz);
#endif
	}
	loaded_scenario_fini(&ls);
free_doc:
	cJSON_Delete(doc);
free_text:
	free(doc_text);
	free(text);
	in_input = false;
	return 0;
}
