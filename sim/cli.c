/* cli.c: the tcpqsim command line (cli.h). */
#include "sim/cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/profile.h"
#include "models/world.h"
#include "sim/config.h"
#include "sim/output.h"
#include "sim/report.h"

#define PROG "tcpqsim"
#define MAX_SETS 256

static volatile int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char usage[] =
    "usage: " PROG " COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.json [options]   simulate a scenario, write DIR/summary.json\n"
    "  profiles [NAME]               list the kernel profiles, or every rule of one\n"
    "  help                          this text\n"
    "  version                       the version\n"
    "\n"
    "run options:\n"
    "  --set PATH=VALUE     override a field (dotted path; VALUE is JSON, or a string)\n"
    "  --seed N             the run seed (same as --set seed=N)\n"
    "  -o, --out DIR        output folder (default out/NAME)\n"
    "  --attempts           also write attempts.jsonl (one line per connect attempt)\n"
    "  --trace              also write trace.jsonl (one line per event)\n"
    "  --trace-from S, --trace-to S   only events in this window of simulated time\n"
    "  --trace-conn ID[,ID...]        only these attempts\n"
    "  --trace-events K[,K...]        only these event kinds (send, drop, queue, ...)\n"
    "  -q, --quiet          print nothing on success\n";

static int misuse(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n" PROG ": try '" PROG " help'\n");
	return 2;
}

struct run_opts {
	const char *scenario;
	const char *sets[MAX_SETS];
	size_t n_sets;
	char seed_set[64];
	const char *out_dir;
	bool attempts, trace, quiet;
	struct trace_filter filter;
};

static int parse_u64_list(const char *s, uint64_t **out, size_t *n)
{
	size_t cap = 8;
	*out = malloc(cap * sizeof(**out));
	*n = 0;
	const char *p = s;
	while (*out && *p) {
		char *end = NULL;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p || errno || (*end && *end != ','))
			return -1;
		if (*n == cap) {
			uint64_t *nv = realloc(*out, cap * 2 * sizeof(**out));
			if (!nv)
				return -1;
			*out = nv;
			cap *= 2;
		}
		(*out)[(*n)++] = v;
		p = *end ? end + 1 : end;
	}
	return *out ? 0 : -1;
}

static int parse_double_arg(const char *opt, const char *v, double *out)
{
	char *end = NULL;
	errno = 0;
	*out = strtod(v, &end);
	if (!v[0] || *end || errno || !isfinite(*out)) {
		fprintf(stderr, PROG ": %s: expected a number, got \"%s\"\n", opt, v);
		return -1;
	}
	return 0;
}

static int parse_run_args(int argc, char **argv, struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->filter.from_s = -INFINITY;
	o->filter.to_s = INFINITY;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--set") == 0 || strcmp(a, "-s") == 0) {
			if (!v)
				return misuse("%s needs PATH=VALUE", a);
			if (o->n_sets == MAX_SETS)
				return misuse("too many %s options", a);
			o->sets[o->n_sets++] = v;
			i++;
		} else if (strncmp(a, "--set=", 6) == 0) {
			if (o->n_sets == MAX_SETS)
				return misuse("too many %s options", "--set");
			o->sets[o->n_sets++] = a + 6;
		} else if (strcmp(a, "--seed") == 0) {
			if (!v)
				return misuse("%s needs a number", a);
			char *end = NULL;
			errno = 0;
			long long seed = strtoll(v, &end, 10);
			if (!v[0] || *end || errno || seed < 0)
				return misuse("--seed: expected a non-negative integer, got \"%s\"", v);
			snprintf(o->seed_set, sizeof(o->seed_set), "seed=%lld", seed);
			i++;
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) {
			if (!v)
				return misuse("%s needs a folder", a);
			o->out_dir = v;
			i++;
		} else if (strcmp(a, "--attempts") == 0) {
			o->attempts = true;
		} else if (strcmp(a, "--trace") == 0) {
			o->trace = true;
		} else if (strcmp(a, "--trace-from") == 0 || strcmp(a, "--trace-to") == 0) {
			if (!v)
				return misuse("%s needs seconds", a);
			if (parse_double_arg(a, v, strcmp(a, "--trace-from") == 0 ? &o->filter.from_s : &o->filter.to_s) < 0)
				return 2;
			o->trace = true;
			i++;
		} else if (strcmp(a, "--trace-conn") == 0) {
			if (!v)
				return misuse("%s needs attempt ids", a);
			free(o->filter.conns);
			if (parse_u64_list(v, &o->filter.conns, &o->filter.n_conns) < 0)
				return misuse("--trace-conn: expected ids like 3,17,42, got \"%s\"", v);
			o->trace = true;
			i++;
		} else if (strcmp(a, "--trace-events") == 0) {
			if (!v)
				return misuse("%s needs event kinds", a);
			snprintf(o->filter.kinds, sizeof(o->filter.kinds), "%s", v);
			o->trace = true;
			i++;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->quiet = true;
		} else if (a[0] == '-' && a[1]) {
			return misuse("unknown option %s", a);
		} else if (!o->scenario) {
			o->scenario = a;
		} else {
			return misuse("unexpected argument %s", a);
		}
	}
	if (!o->scenario)
		return misuse("%s", "run needs a scenario file");
	if (o->seed_set[0] && o->n_sets < MAX_SETS)
		o->sets[o->n_sets++] = o->seed_set;
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse_run_args(argc, argv, &o);
	if (rc)
		return rc;
	struct jr err;
	struct loaded_scenario ls;
	if (config_load_file(o.scenario, o.sets, o.n_sets, &ls, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		free(o.filter.conns);
		return 2;
	}
	for (int i = 0; i < ls.n_warnings; i++)
		fprintf(stderr, PROG ": %s\n", ls.warnings[i]);

	char dir[4096];
	if (o.out_dir)
		snprintf(dir, sizeof(dir), "%s", o.out_dir);
	else
		snprintf(dir, sizeof(dir), "out/%s", ls.name);
	struct output out;
	char msg[4400];
	if (output_open(&out, dir, msg, sizeof(msg)) < 0) {
		fprintf(stderr, PROG ": %s\n", msg);
		loaded_scenario_fini(&ls);
		free(o.filter.conns);
		return 2;
	}
	out.filter = o.filter;
	const char *pop_names[SCENARIO_MAX_POPS];
	for (uint32_t i = 0; i < ls.s.n_pops; i++)
		pop_names[i] = ls.s.pops[i].name;
	out.pop_names = pop_names;
	struct world_hooks hooks = {.ctx = &out};
	bool io_ok = true;
	if (o.attempts) {
		out.attempts = output_file(&out, "attempts.jsonl");
		io_ok = io_ok && out.attempts;
		hooks.attempt = output_attempt_hook;
	}
	if (o.trace) {
		out.trace = output_file(&out, "trace.jsonl");
		io_ok = io_ok && out.trace;
		hooks.trace = output_trace_hook;
	}
	out.series = output_file(&out, "series.tsv");
	io_ok = io_ok && out.series;
	if (out.series) {
		output_series_header(out.series);
		hooks.sample = output_sample_hook;
	}
	FILE *sf = io_ok ? output_file(&out, "summary.json") : NULL;
	if (!sf) {
		fprintf(stderr, PROG ": %s: cannot write: %s\n", dir, strerror(errno));
		output_abort(&out);
		loaded_scenario_fini(&ls);
		return 2;
	}
	struct world *w = world_create(&ls.s, &hooks);
	if (!w) {
		fprintf(stderr, PROG ": out of memory\n");
		output_abort(&out);
		loaded_scenario_fini(&ls);
		return 1;
	}
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	double t0 = now_s();
	int st = world_run(w, &stop_requested);
	double wall = now_s() - t0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (st != 0) {
		if (st > 0)
			fprintf(stderr, PROG ": interrupted: nothing written\n");
		else
			fprintf(stderr, PROG ": out of memory at simulated time %.6f s (seed %llu): nothing written\n",
			        (double)world_now(w) / 1e9, (unsigned long long)ls.s.seed);
		world_destroy(w);
		output_abort(&out);
		loaded_scenario_fini(&ls);
		return st > 0 ? 130 : 1;
	}
	cJSON *summary = report_summary(&ls, world_results(w), wall);
	char *text = cJSON_Print(summary);
	if (text) {
		fputs(text, sf);
		fputc('\n', sf);
		free(text);
	}
	world_destroy(w);
	if (!text || output_commit(&out) != 0) {
		fprintf(stderr, PROG ": %s: cannot write: %s\n", dir, strerror(errno));
		if (!text)
			output_abort(&out);
		cJSON_Delete(summary);
		loaded_scenario_fini(&ls);
		return 1;
	}
	if (!o.quiet) {
		report_print(stdout, summary);
		printf("  wrote %s/summary.json\n", dir);
	}
	cJSON_Delete(summary);
	loaded_scenario_fini(&ls);
	return 0;
}

static int cmd_profiles(int argc, char **argv)
{
	if (argc == 0) {
		printf("%-14s %-10s %-13s %-9s %-8s %s\n", "profile", "somaxconn", "syn queue", "init RTO", "retries",
		       "SYN on full accept queue");
		for (size_t i = 0; i < profile_count(); i++) {
			const struct kernel_rules *r = profile_at(i);
			static const char *const sq[] = {"pow2 table", "qlen >= N", "qlen > N", "syncache"};
			static const char *const sf[] = {"drop if young>1", "always drop", "not checked"};
			printf("%-14s %-10d %-13s %-9g %-8d %s\n", r->profile, r->somaxconn, sq[r->syn_queue_full],
			       (double)r->init_rto / 1e9, r->tcp_syn_retries, sf[r->syn_on_full_accept]);
		}
		return 0;
	}
	if (argc > 1)
		return misuse("unexpected argument %s", argv[1]);
	const struct kernel_rules *r = profile_find(argv[0]);
	if (!r) {
		const char *hint = profile_nearest_name(argv[0]);
		fprintf(stderr, PROG ": no profile \"%s\"%s%s%s\n", argv[0], hint ? " (did you mean \"" : "",
		        hint ? hint : "", hint ? "\"?)" : "");
		return 2;
	}
	printf("%s  (from %s)\n\nsysctl defaults:\n", r->profile, r->source);
	printf("  %-26s %d\n", "somaxconn", r->somaxconn);
	printf("  %-26s %d\n", "tcp_max_syn_backlog", r->tcp_max_syn_backlog);
	printf("  %-26s %d\n", "tcp_syncookies", r->tcp_syncookies);
	printf("  %-26s %d\n", "tcp_abort_on_overflow", r->tcp_abort_on_overflow);
	printf("  %-26s %d\n", "tcp_synack_retries", r->tcp_synack_retries);
	printf("  %-26s %d\n", "tcp_syn_retries", r->tcp_syn_retries);
	if (r->tcp_syn_linear_timeouts >= 0)
		printf("  %-26s %d\n", "tcp_syn_linear_timeouts", r->tcp_syn_linear_timeouts);
	else
		printf("  %-26s %s\n", "tcp_syn_linear_timeouts", "(does not exist)");
	printf("\nrules (override with server.rules.NAME or clients.rules.NAME):\n");
	for (size_t i = 0; i < config_rule_count(); i++) {
		const char *name, *meaning;
		char value[64];
		config_rule_describe(i, r, &name, value, sizeof(value), &meaning);
		printf("  %-26s %-13s %s\n", name, value, meaning);
	}
	printf("\nderived:\n");
	printf("  %-26s %g s\n", "SYN give-up (defaults)",
	       (double)profile_syn_giveup_after(r, r->tcp_syn_retries) / 1e9);
	return 0;
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf(PROG " %s\n", TCPQSIM_VERSION);
		return 0;
	}
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (strcmp(cmd, "profiles") == 0)
		return cmd_profiles(argc - 2, argv + 2);
	return misuse("unknown command \"%s\"", cmd);
}
