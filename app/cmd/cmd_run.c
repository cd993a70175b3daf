/* cmd_run.c: "tcpqsim run" and "tcpqsim profiles". */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/profile.h"
#include "models/world.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/util/output.h"
#include "app/replicate.h"
#include "app/report.h"
#include "app/runner.h"
#include "app/views.h"

#define MAX_SNAPSHOTS 64
#define misuse cli_misuse

struct run_opts {
	const char *scenario;
	struct cli_overrides ov;  /* --set, --seed */
	const char *out_dir;
	const char *pcap;         /* --pcap FILE */
	bool attempts, trace, quiet, nstat, netstat, no_series, force;
	double max_memory_mib; /* --max-memory, MiB; 0 for none */
	struct trace_filter filter;
	sim_time_ns ss_at[MAX_SNAPSHOTS];
	size_t n_ss;
	uint64_t replications;    /* --replications R (0: one plain run) */
	unsigned jobs;            /* -j N worker processes for the replications */
	bool jobs_set;            /* -j was given */
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

enum run_opt {
	O_OUT, O_ATTEMPTS, O_TRACE, O_TRACE_FROM, O_TRACE_TO, O_TRACE_CONN, O_TRACE_EVENTS, O_REPLICATIONS,
	O_JOBS, O_SS_AT, O_NSTAT, O_NO_SERIES, O_FORCE, O_MAX_MEMORY, O_QUIET, O_PCAP, O_NETSTAT,
};

static const struct cli_option run_options[] = {
	CLI_OVERRIDE_OPTIONS,
	{O_OUT, "--out", "-o", CLI_VALUE, "DIR", "output folder (default out/NAME)"},
	{O_ATTEMPTS, "--attempts", NULL, CLI_FLAG, NULL, "also write attempts.jsonl (one line per connect attempt)"},
	{O_TRACE, "--trace", NULL, CLI_FLAG, NULL, "also write trace.jsonl (one line per event)"},
	{O_TRACE_FROM, "--trace-from", NULL, CLI_VALUE, "S", "only events from this simulated time on, s"},
	{O_TRACE_TO, "--trace-to", NULL, CLI_VALUE, "S", "only events up to this simulated time, s"},
	{O_TRACE_CONN, "--trace-conn", NULL, CLI_VALUE, "ID[,ID...]", "only these attempts"},
	{O_TRACE_EVENTS, "--trace-events", NULL, CLI_VALUE, "K[,K...]", "only these event kinds (send, drop, queue, ...)"},
	{O_PCAP, "--pcap", NULL, CLI_VALUE, "FILE",
	 "also write the segments as libpcap for tcpdump/Wireshark (--trace-from/-to/-conn choose)"},
	{O_REPLICATIONS, "--replications", NULL, CLI_VALUE, "R",
	 "R independent replications: mean and 95% CI of every number"},
	{O_JOBS, "--jobs", "-j", CLI_VALUE, "N", "worker processes for --replications (default: every core)"},
	{O_SS_AT, "--ss-at", NULL, CLI_VALUE, "S", "print the ss/netstat view at simulated time S (repeatable)"},
	{O_NSTAT, "--nstat", NULL, CLI_FLAG, NULL,
	 "print the counters as nstat -az does (and nstat -z: the deltas since the --ss-at view before)"},
	{O_NETSTAT, "--netstat", NULL, CLI_FLAG, NULL, "print the counters as netstat -s does, under Tcp: and TcpExt:"},
	{O_NO_SERIES, "--no-series", NULL, CLI_FLAG, NULL, "do not write series.tsv"},
	{O_FORCE, "--force", NULL, CLI_FLAG, NULL, "run even when the estimate says the run or its files are absurdly long or large"},
	{O_MAX_MEMORY, "--max-memory", NULL, CLI_VALUE, "MiB",
	 "stop cleanly (exit 1, nothing written) past this much in-flight state"},
	{O_QUIET, "--quiet", "-q", CLI_FLAG, NULL, "print nothing on success"},
	{0, NULL, NULL, CLI_FLAG, NULL, NULL},
};

int cmd_run(int argc, char **argv);
const struct cli_command cli_cmd_run = {
    "run", cmd_run, "SCENARIO.json", "simulate a scenario, write DIR/summary.json", run_options, NULL,
};

static int parse_run_args(int argc, char **argv, struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->filter.from_s = -INFINITY;
	o->filter.to_s = INFINITY;
	struct cli_args it;
	cli_args_init(&it, &cli_cmd_run, argc, argv);
	const char *v;
	int id;
	while ((id = cli_next(&it, &v)) != CLI_END) {
		const char *a = it.opt;
		switch (id) {
		case CLI_HELP:
		case CLI_MISUSE:
			return id;
		case CLI_ID_SET:
		case CLI_ID_SEED:
			if (cli_take_override(&o->ov, id, v))
				return 2;
			break;
		case O_OUT:
			o->out_dir = v;
			break;
		case O_ATTEMPTS:
			o->attempts = true;
			break;
		case O_PCAP:
			o->pcap = v;
			break;
		case O_TRACE:
			o->trace = true;
			break;
		case O_TRACE_FROM:
		case O_TRACE_TO:
			if (cli_parse_number(id == O_TRACE_FROM ? "--trace-from" : "--trace-to", v, 0, CONFIG_MAX_TIME_S,
			                     id == O_TRACE_FROM ? &o->filter.from_s : &o->filter.to_s))
				return 2;
			o->trace = true;
			break;
		case O_TRACE_CONN:
			free(o->filter.conns);
			if (parse_u64_list(v, &o->filter.conns, &o->filter.n_conns) < 0)
				return misuse("--trace-conn: expected ids like 3,17,42, got \"%s\"", v);
			o->trace = true;
			break;
		case O_TRACE_EVENTS:
			snprintf(o->filter.kinds, sizeof(o->filter.kinds), "%s", v);
			o->trace = true;
			break;
		case O_SS_AT: {
			double t;
			/* the scenario keys' range: t * 1e9 fits sim_time_ns */
			if (cli_parse_number("--ss-at", v, 0, CONFIG_MAX_TIME_S, &t))
				return 2;
			if (o->n_ss == MAX_SNAPSHOTS)
				return misuse("too many %s options", a);
			o->ss_at[o->n_ss++] = (sim_time_ns)(t * 1e9 + 0.5);
			break;
		}
		case O_NSTAT:
			o->nstat = true;
			break;
		case O_NETSTAT:
			o->netstat = true;
			break;
		case O_NO_SERIES:
			o->no_series = true;
			break;
		case O_FORCE:
			o->force = true;
			break;
		case O_MAX_MEMORY:
			if (cli_parse_number("--max-memory", v, 1, 1048576, &o->max_memory_mib))
				return 2;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case O_REPLICATIONS: {
			char *end = NULL;
			errno = 0;
			long long r = strtoll(v, &end, 10);
			if (!v[0] || *end || errno || r < 1 || r > REPLICATE_MAX)
				return misuse("--replications: expected an integer from 1 to 100000, got \"%s\"", v);
			o->replications = (uint64_t)r;
			break;
		}
		case O_JOBS:
			if (replicate_parse_jobs(v, &o->jobs) < 0)
				return misuse("-j: expected a number of worker processes from 1 to 1024, got \"%s\"", v);
			o->jobs_set = true;
			break;
		case CLI_OPERAND:
			if (o->scenario)
				return misuse("unexpected argument %s", v);
			o->scenario = v;
			break;
		}
	}
	if (!o->scenario)
		return misuse("%s", "run needs a scenario file");
	if (o->jobs_set && !o->replications)
		return misuse("%s", "-j goes with --replications R");
	if (o->replications && (o->attempts || o->trace || o->n_ss || o->nstat || o->netstat || o->pcap))
		return misuse("%s", "--replications writes summaries only: drop --attempts, --trace, --pcap, --ss-at, --nstat and --netstat");
	if (!o->jobs_set)
		o->jobs = replicate_default_jobs();
	cli_overrides_finish(&o->ov);
	return 0;
}

static int cmp_time(const void *x, const void *y)
{
	sim_time_ns a = *(const sim_time_ns *)x, b = *(const sim_time_ns *)y;
	return (a > b) - (a < b);
}

struct view_ctx {
	bool nstat, netstat;
	FILE *f;
	const struct scenario *sc;               /* for the addresses of ss -nt state syn-recv */
	uint64_t prev[LISTENER_COUNTER_COUNT];   /* the counters at the view before */
	bool have_prev;
};

static void print_snapshot(void *p, const struct world_snapshot *s)
{
	struct view_ctx *v = p;
	views_ss(v->f, s, 8000);
	views_syn_recv(v->f, s, v->sc, 20);
	uint64_t sum[LISTENER_COUNTER_COUNT] = {0};
	for (uint32_t i = 0; i < s->n_listeners; i++)
		for (int k = 0; k < LISTENER_COUNTER_COUNT; k++)
			sum[k] += s->listeners[i].counters[k];
	if (v->nstat)
		views_nstat(v->f, sum, v->have_prev ? v->prev : NULL);
	if (v->netstat)
		views_netstat(v->f, sum);
	memcpy(v->prev, sum, sizeof(sum));
	v->have_prev = true;
	fputc('\n', v->f);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse_run_args(argc, argv, &o);
	if (rc) {
		free(o.filter.conns);
		return rc < 0 ? cli_exit(rc) : rc;
	}
	struct jr err;
	struct loaded_scenario ls;
	if (config_load_file(o.scenario, o.ov.sets, o.ov.n_sets, &ls, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		free(o.filter.conns);
		return 2;
	}
	if (o.max_memory_mib > 0)
		ls.s.max_memory = (uint64_t)(o.max_memory_mib * 1048576.0);
	/* refuse absurdly long or large runs, or files (series, attempts, an
	 * unfiltered trace) over 10 GB, with an estimate, unless --force */
	bool trace_filtered = o.filter.n_conns || o.filter.kinds[0] || isfinite(o.filter.from_s) || isfinite(o.filter.to_s);
	if (!o.force && (config_check_size(&ls.s, &err) < 0 ||
	                 (!o.replications && config_check_outputs(&ls.s, !o.no_series, o.attempts,
	                                                          o.trace && !trace_filtered, &err) < 0))) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		free(o.filter.conns);
		loaded_scenario_fini(&ls);
		return 2;
	}
	for (int i = 0; i < ls.n_warnings; i++)
		fprintf(stderr, PROG ": %s\n", ls.warnings[i]);
	if (o.trace && !o.quiet) {
		/* announce a large trace before writing it: about one line per
		 * event, about 150 bytes a line */
		struct scenario_cost z;
		scenario_estimate_cost(&ls.s, &z);
		if (z.events * 150 > 100e6)
			fprintf(stderr, PROG ": trace.jsonl will hold up to about %.3g lines (%.0f MB); narrow it with "
			        "--trace-from/--trace-to/--trace-conn/--trace-events\n",
			        z.events, z.events * 150 / 1e6);
	}
	char dir[4096];
	if (o.out_dir)
		snprintf(dir, sizeof(dir), "%s", o.out_dir);
	else
		snprintf(dir, sizeof(dir), "out/%s", ls.name);
	if (o.replications) {
		free(o.filter.conns);
		rc = replicate_command(&ls, o.replications, o.jobs, dir, o.quiet);
		loaded_scenario_fini(&ls);
		return rc;
	}
	qsort(o.ss_at, o.n_ss, sizeof(o.ss_at[0]), cmp_time);
	struct view_ctx views = {.nstat = o.nstat, .netstat = o.netstat, .f = o.quiet ? NULL : stdout, .sc = &ls.s};
	struct run_request rq = {
	    .ls = &ls,
	    .out_dir = dir,
	    .attempts = o.attempts,
	    .trace = o.trace,
	    .series = !o.no_series,
	    .pcap = o.pcap,
	    .filter = o.filter,
	    .ctx = &views,
	    .on_snapshot = o.n_ss && !o.quiet ? print_snapshot : NULL,
	    .snapshot_times = o.ss_at,
	    .n_snapshots = o.n_ss,
	    .stop = cli_stop_flag(),
	    /* a progress line for long runs, on a terminal, unless -q or the
	     * --ss-at views print meanwhile */
	    .progress = !o.quiet && !(o.n_ss) && isatty(STDERR_FILENO),
	    .progress_after_s = 1,
	};
	cJSON *summary = NULL;
	char msg[4400];
	/* runner_run defers signals while it stages the folder (stop.h) */
	enum run_status st = runner_run(&rq, &summary, msg, sizeof(msg));
	free(o.filter.conns);
	if (st != RUN_OK) {
		fprintf(stderr, PROG ": %s\n", msg);
		loaded_scenario_fini(&ls);
		return (int)st;
	}
	if (!o.quiet) {
		report_print(stdout, summary);
		if ((o.nstat || o.netstat) && !o.n_ss) {
			const cJSON *cn = cJSON_GetObjectItemCaseSensitive(summary, "counters");
			uint64_t c[LISTENER_COUNTER_COUNT];
			for (int k = 0; k < LISTENER_COUNTER_COUNT; k++) {
				const cJSON *v = cJSON_GetObjectItemCaseSensitive(cn, counter_name((enum listener_counter)k));
				c[k] = cJSON_IsNumber(v) ? (uint64_t)v->valuedouble : 0;
			}
			if (o.nstat)
				views_nstat(stdout, c, NULL);
			if (o.netstat)
				views_netstat(stdout, c);
		}
		printf("  wrote %s/summary.json\n", dir);
	}
	cJSON_Delete(summary);
	loaded_scenario_fini(&ls);
	return 0;
}

static const struct cli_option profiles_options[] = {
	{0, NULL, NULL, CLI_FLAG, NULL, NULL},
};

int cmd_profiles(int argc, char **argv);
const struct cli_command cli_cmd_profiles = {
    "profiles", cmd_profiles, "[NAME]", "list the kernel profiles, or every rule of one", profiles_options, NULL,
};

int cmd_profiles(int argc, char **argv)
{
	struct cli_args it;
	cli_args_init(&it, &cli_cmd_profiles, argc, argv);
	const char *v, *profile = NULL;
	int id;
	while ((id = cli_next(&it, &v)) != CLI_END) {
		if (id != CLI_OPERAND)
			return cli_exit(id);
		if (profile)
			return misuse("unexpected argument %s", v);
		profile = v;
	}
	if (!profile) {
		printf("%-14s %-10s %-13s %-9s %-8s %s\n", "profile", "somaxconn", "syn queue", "init RTO", "retries",
		       "SYN on full accept queue");
		for (size_t i = 0; i < profile_count(); i++) {
			const struct kernel_rules *r = profile_at(i);
			printf("%-14s %-10d %-13s %-9g %-8d %s\n", r->profile, r->somaxconn,
			       profile_syn_queue_label(r->syn_queue_full), (double)r->init_rto / 1e9, r->tcp_syn_retries,
			       profile_syn_full_accept_label(r->syn_on_full_accept));
		}
		return 0;
	}
	const struct kernel_rules *r = profile_find(profile);
	if (!r) {
		const char *hint = config_profile_hint(profile);
		fprintf(stderr, PROG ": no profile \"%s\"%s%s%s\n", profile, hint ? " (did you mean \"" : "",
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
	for (size_t i = 0; i < profile_rule_count(); i++) {
		const struct rule_info *ri = profile_rule(i);
		char value[64];
		profile_rule_value(ri, r, value, sizeof(value));
		printf("  %-26s %-13s %s\n", ri->name, value, ri->meaning);
	}
	printf("\nderived:\n");
	int syns = 0;
	sim_time_ns fail = profile_syn_fail_time(r, r->tcp_syn_retries,
	                                         r->tcp_syn_linear_timeouts > 0 ? r->tcp_syn_linear_timeouts : 0, &syns);
	printf("  %-26s %g s, after %d SYNs (retransmits_timed_out past %g s)\n", "connect() ETIMEDOUT at", (double)fail / 1e9,
	       syns, (double)profile_syn_giveup_after(r, r->tcp_syn_retries) / 1e9);
	sim_time_ns expiry = profile_synack_expiry(r, r->tcp_synack_retries, false);
	printf("  %-26s %g s\n", "a request expires at", (double)expiry / 1e9);
	return 0;
}

