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
#include "app/util/stop.h"

/* the signal side lives in app/util/stop.c; these names are the commands' */
volatile sig_atomic_t *cli_stop_flag(void)
{
	return stop_flag();
}

void cli_install_signals(void)
{
	stop_defer();
}

void cli_restore_signals(void)
{
	stop_undefer();
}

/* every command, in the order help lists them */
static const struct cli_command *const commands[] = {
    &cli_cmd_run,     &cli_cmd_profiles, &cli_cmd_sweep,   &cli_cmd_point,
    &cli_cmd_merge,   &cli_cmd_solve,    &cli_cmd_plot,    &cli_cmd_explain,
    &cli_cmd_watch,   &cli_cmd_compare,  &cli_cmd_diagnose, &cli_cmd_analytic,
    &cli_cmd_host_profile,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* "-o, --out DIR" */
static void option_words(const struct cli_option *o, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "", o->name,
	         o->kind == CLI_VALUE ? " " : "", o->kind == CLI_VALUE && o->arg ? o->arg : "");
}

static void print_options(FILE *f, const struct cli_command *cmd)
{
	for (const struct cli_option *o = cmd->options; o && o->name; o++) {
		char words[96];
		option_words(o, words, sizeof(words));
		fprintf(f, "  %-26s %s\n", words, o->help);
	}
	fprintf(f, "  %-26s %s\n", "-h, --help", "this help");
}

void cli_print_help(FILE *f, const struct cli_command *cmd)
{
	fprintf(f, "usage: " PROG " %s%s%s%s\n%s\n", cmd->name, cmd->operands ? " " : "",
	        cmd->operands ? cmd->operands : "", cmd->options && cmd->options->name ? " [options]" : "",
	        cmd->summary);
	if (cmd->details)
		fprintf(f, "\n%s", cmd->details);
	fprintf(f, "\noptions:\n");
	print_options(f, cmd);
}

static void print_usage(FILE *f)
{
	fprintf(f, "usage: " PROG " COMMAND [ARGS]   (" PROG " COMMAND --help: one command)\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		char words[128];
		snprintf(words, sizeof(words), "%s %s", commands[i]->name, commands[i]->operands ? commands[i]->operands : "");
		fprintf(f, "  %-34s %s\n", words, commands[i]->summary);
	}
	fprintf(f, "  %-34s %s\n", "help", "this text");
	fprintf(f, "  %-34s %s\n", "version", "the version");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		fprintf(f, "\n%s options:\n", commands[i]->name);
		print_options(f, commands[i]);
	}
}

void cli_args_init(struct cli_args *it, const struct cli_command *cmd, int argc, char **argv)
{
	memset(it, 0, sizeof(*it));
	it->cmd = cmd;
	it->argc = argc;
	it->argv = argv;
}

int cli_next(struct cli_args *it, const char **value)
{
	*value = NULL;
	if (it->i >= it->argc)
		return CLI_END;
	const char *a = it->argv[it->i++];
	it->opt = a;
	if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
		cli_print_help(stdout, it->cmd);
		return CLI_HELP;
	}
	if (a[0] != '-' || !a[1]) {
		*value = a;
		return CLI_OPERAND;
	}
	const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	for (const struct cli_option *o = it->cmd->options; o && o->name; o++) {
		bool named = (strlen(o->name) == len && strncmp(a, o->name, len) == 0) ||
		             (!eq && o->alias && strcmp(a, o->alias) == 0);
		if (!named)
			continue;
		if (o->kind == CLI_FLAG) {
			if (eq) {
				fprintf(stderr, PROG ": %s takes no value\n", o->name);
				return CLI_MISUSE;
			}
			return o->id;
		}
		if (eq) {
			*value = eq + 1;
		} else if (it->i < it->argc) {
			*value = it->argv[it->i++];
		} else {
			char msg[128];
			snprintf(msg, sizeof(msg), "%%s needs %s", o->arg ? o->arg : "a value");
			cli_misuse(msg, a);
			return CLI_MISUSE;
		}
		return o->id;
	}
	cli_misuse("unknown option %s", a);
	return CLI_MISUSE;
}

int cli_exit(int code)
{
	return code == CLI_HELP ? 0 : 2;
}

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

int cli_take_override(struct cli_overrides *ov, int id, const char *v)
{
	if (id == CLI_ID_SET) {
		if (ov->n_sets == CLI_MAX_SETS)
			return cli_misuse("too many %s options", "--set");
		ov->sets[ov->n_sets++] = v;
		return 0;
	}
	char *end = NULL;
	errno = 0;
	unsigned long long seed = strtoull(v, &end, 10);
	if (!v[0] || v[0] == '-' || *end || errno)
		return cli_misuse("--seed: expected a non-negative integer, got \"%s\"", v);
	snprintf(ov->seed_set, sizeof(ov->seed_set), "seed=%llu", seed);
	return 0;
}

void cli_overrides_finish(struct cli_overrides *ov)
{
	if (ov->seed_set[0])
		ov->sets[ov->n_sets++] = ov->seed_set; /* room kept: sets has one slot more */
}

int cli_parse_number(const char *opt, const char *v, double min, double max, double *out)
{
	char *end = NULL;
	errno = 0;
	double x = v ? strtod(v, &end) : NAN;
	if (!v || !v[0] || *end || (errno && errno != ERANGE) || !isfinite(x) || x < min || x > max) {
		fprintf(stderr, PROG ": %s: expected a number in [%g, %g], got \"%s\"\n", opt, min, max, v ? v : "");
		return 2;
	}
	*out = x;
	return 0;
}

int cli_misuse(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n" PROG ": try '" PROG " help'\n");
	return 2;
}

static int dispatch(int argc, char **argv);

int cli_main(int argc, char **argv)
{
	stop_install();
	int rc = dispatch(argc, argv);
	/* a signal that came while a command could not stop at once (it was
	 * writing, or its outputs were already committed): still 130 */
	if (*stop_flag() && rc != STOP_EXIT) {
		fflush(stdout);
		fprintf(stderr, PROG ": interrupted\n");
		rc = STOP_EXIT;
	}
	return rc;
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		print_usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf(PROG " %s\n", TCPQSIM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(cmd, commands[i]->name) == 0)
			return commands[i]->fn(argc - 2, argv + 2);
	return cli_misuse("unknown command \"%s\"", cmd);
}
