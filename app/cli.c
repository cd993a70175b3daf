/* cli.c: the tcpqsim command line (cli.h). */
#include "app/cli.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/report.h"

static volatile int stop_requested;
static struct sigaction old_int, old_term;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

volatile int *cli_stop_flag(void)
{
	return &stop_requested;
}

void cli_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
}

void cli_restore_signals(void)
{
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}

static const char usage[] =
    "usage: " PROG " COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.json [options]   simulate a scenario, write DIR/summary.json\n"
    "  profiles [NAME]               list the kernel profiles, or every rule of one\n"
    "  sweep SWEEP.json [-j N] [-o DIR] [--resume] [--list]\n"
    "                                run a parameter sweep (or list one command per point)\n"
    "  point SWEEP.json --index I [-o DIR]   run one point of a sweep\n"
    "  merge DIR [--partial]         tabulate a sweep's points: results.csv, results.json\n"
    "  solve SWEEP.json [-j N] [-o DIR]  the smallest parameter value that meets the targets\n"
    "  plot DIR                      PNG and SVG figures from a run's or a sweep's outputs\n"
    "  explain SCENARIO.json --conn ID   the story of one connection, packet by packet\n"
    "  watch SCENARIO.json           a terminal replay of the sockets and queues\n"
    "  compare A.json B.json         two summaries (or measured durations) side by side\n"
    "  analytic SCENARIO.json        queueing-theory estimates for a scenario\n"
    "  host-profile                  this host's kernel profile and sysctls, as JSON\n"
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
    "  --replications R     R independent replications: mean and 95% CI of every number\n"
    "  -j N                 worker processes for --replications (default: every core)\n"
    "  --ss-at S            print the ss/netstat view at simulated time S (repeatable)\n"
    "  --nstat              print the counters as nstat and netstat -s name them\n"
    "  --no-series          do not write series.tsv\n"
    "  --force              run even when the estimate says the run is absurdly long or large\n"
    "  --max-memory MiB     stop cleanly (exit 1, nothing written) past this much in-flight state\n"
    "  -q, --quiet          print nothing on success\n";

int cli_load_scenario(const char *path, const char *const *sets, size_t n_sets, struct loaded_scenario *ls)
{
	struct jr err;
	if (config_load_file(path, sets, n_sets, ls, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		return 2;
	}
	for (int i = 0; i < ls->n_warnings; i++)
		fprintf(stderr, PROG ": %s\n", ls->warnings[i]);
	return 0;
}

int cli_parse_override(int argc, char **argv, int *i, struct cli_overrides *ov)
{
	const char *a = argv[*i];
	const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	if (strcmp(a, "--set") == 0 || strcmp(a, "-s") == 0 || strncmp(a, "--set=", 6) == 0) {
		bool inline_value = a[5] == '=';
		if (!inline_value && !v)
			return cli_misuse("%s needs PATH=VALUE", a);
		if (ov->n_sets == CLI_MAX_SETS)
			return cli_misuse("too many %s options", "--set");
		ov->sets[ov->n_sets++] = inline_value ? a + 6 : v;
		*i += inline_value ? 0 : 1;
		return 0;
	}
	if (strcmp(a, "--seed") == 0) {
		if (!v)
			return cli_misuse("%s needs a number", a);
		char *end = NULL;
		errno = 0;
		unsigned long long seed = strtoull(v, &end, 10);
		if (!v[0] || v[0] == '-' || *end || errno)
			return cli_misuse("--seed: expected a non-negative integer, got \"%s\"", v);
		snprintf(ov->seed_set, sizeof(ov->seed_set), "seed=%llu", seed);
		*i += 1;
		return 0;
	}
	return -1;
}

void cli_overrides_finish(struct cli_overrides *ov)
{
	if (ov->seed_set[0])
		ov->sets[ov->n_sets++] = ov->seed_set; /* room kept: sets has one slot more */
}

int cli_misuse(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n" PROG ": try '" PROG " help'\n");
	return 2;
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
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} table[] = {
	    {"run", cmd_run},         {"profiles", cmd_profiles}, {"sweep", cmd_sweep},
	    {"point", cmd_point},     {"merge", cmd_merge},       {"solve", cmd_solve},
	    {"plot", cmd_plot},       {"explain", cmd_explain},   {"watch", cmd_watch},
	    {"compare", cmd_compare}, {"analytic", cmd_analytic}, {"host-profile", cmd_host_profile},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(cmd, table[i].name) != 0)
			continue;
		if (!table[i].fn) {
			fprintf(stderr, PROG ": this build has no \"%s\" command\n", cmd);
			return 2;
		}
		return table[i].fn(argc - 2, argv + 2);
	}
	return cli_misuse("unknown command \"%s\"", cmd);
}
