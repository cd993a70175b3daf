/* commands.h: one function per tcpqsim command; each returns the exit
 * status (0 success, 1 failure while running, 2 bad input or misuse). */
#ifndef TCPQSIM_COMMANDS_H
#define TCPQSIM_COMMANDS_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#define PROG "tcpqsim"

/* ---- options and commands --------------------------------------------------
 *
 * Each command has one table of its options: name (and short alias), the kind
 * of argument, the help line.  The table is the only place an option is
 * named: the command's parser walks argv with cli_next, `tcpqsim CMD --help`
 * prints the table, and `tcpqsim help` prints every command's. */

enum cli_arg_kind {
	CLI_FLAG,  /* no value */
	CLI_VALUE, /* one value: the next argument, or --name=VALUE */
};

struct cli_option {
	int id;                 /* the command's code for it (>= 0) */
	const char *name;       /* "--out" */
	const char *alias;      /* "-o", or NULL */
	enum cli_arg_kind kind;
	const char *arg;        /* the value in help ("DIR"); NULL for a flag */
	const char *help;       /* one line */
};

struct cli_command {
	const char *name;                 /* "run" */
	int (*fn)(int argc, char **argv); /* argv after the command's name */
	const char *operands;             /* "SCENARIO.json" (help only) */
	const char *summary;              /* one line */
	const struct cli_option *options; /* ended by an entry with name NULL */
	const char *details;              /* more text for CMD --help, or NULL */
};

/* Every command, each defined in its app/cmd/cmd_*.c; cli.c lists them in a
 * plain table, so a build without one does not link. */
extern const struct cli_command cli_cmd_run, cli_cmd_profiles, cli_cmd_sweep, cli_cmd_point, cli_cmd_merge,
    cli_cmd_solve, cli_cmd_plot, cli_cmd_explain, cli_cmd_watch, cli_cmd_compare, cli_cmd_analytic,
    cli_cmd_host_profile, cli_cmd_diagnose;

/* cli_next's answers besides an option's id */
#define CLI_END (-1)     /* no arguments left */
#define CLI_OPERAND (-2) /* *value is an operand (not an option) */
#define CLI_HELP (-3)    /* -h or --help: the command's help is printed; exit 0 */
#define CLI_MISUSE (-4)  /* unknown option or missing value: one line printed; exit 2 */

struct cli_args {
	const struct cli_command *cmd;
	int argc;
	char **argv;
	int i;           /* next argument */
	const char *opt; /* the option as written, for messages */
};

/* cli_args_init: walk argv (argc of them) against cmd's options. */
void cli_args_init(struct cli_args *it, const struct cli_command *cmd, int argc, char **argv);

/* cli_next: the next argument of it: an option's id with its value in *value
 * (NULL for a flag), CLI_OPERAND with the operand in *value ("-" alone is an
 * operand), CLI_END, CLI_HELP or CLI_MISUSE. */
int cli_next(struct cli_args *it, const char **value);

/* cli_exit: the exit status for CLI_HELP (0) and CLI_MISUSE (2). */
int cli_exit(int code);

/* cli_print_help: `tcpqsim CMD --help`. */
void cli_print_help(FILE *f, const struct cli_command *cmd);

struct loaded_scenario;

/* The scenario overrides every scenario command takes: --set PATH=VALUE
 * (repeatable) and --seed N, which goes last as "seed=N". */
#define CLI_MAX_SETS 256
struct cli_overrides {
	const char *sets[CLI_MAX_SETS + 1]; /* borrowed from argv, or seed_set */
	size_t n_sets;
	char seed_set[64];                  /* "seed=N" when --seed was given */
};

/* The two options every scenario command takes, with their ids: put
 * CLI_OVERRIDE_OPTIONS in the command's table and hand those ids to
 * cli_take_override. */
#define CLI_ID_SET 1000
#define CLI_ID_SEED 1001
#define CLI_OVERRIDE_OPTIONS                                                                              \
	{CLI_ID_SET, "--set", "-s", CLI_VALUE, "PATH=VALUE",                                               \
	 "override a field (dotted path; VALUE is JSON, or a string; repeatable)"},                        \
	{CLI_ID_SEED, "--seed", NULL, CLI_VALUE, "N", "the run seed (same as --set seed=N)"}

/* cli_take_override: the value of --set or --seed (id) into ov.  Returns 0,
 * or 2 on misuse (the message printed). */
int cli_take_override(struct cli_overrides *ov, int id, const char *value);

/* cli_overrides_finish: the --seed override joins the list, last. */
void cli_overrides_finish(struct cli_overrides *ov);

/* cli_load_scenario: load path with the --set overrides, print the one-line
 * problem (returns 2) or the warnings (returns 0).  ls is the caller's; on
 * success loaded_scenario_fini releases it. */
int cli_load_scenario(const char *path, const char *const *sets, size_t n_sets, struct loaded_scenario *ls);

/* cli_parse_number: v as a finite number in [min, max] (the ranges of the
 * scenario's keys: times up to CONFIG_MAX_TIME_S); otherwise print
 * "tcpqsim: OPT: expected a number in [min, max], got "V"" and return 2. */
int cli_parse_number(const char *opt, const char *v, double min, double max, double *out);

/* cli_misuse: print "tcpqsim: MESSAGE" and the help hint; returns 2. */
int cli_misuse(const char *fmt, const char *arg);

/* cli_install_signals / cli_restore_signals: a section (nested) in which
 * SIGINT, SIGTERM, SIGHUP and SIGPIPE only set *cli_stop_flag(), which the
 * code polls; outside one they end the program at once with status 130
 * (app/util/stop.h). */
volatile sig_atomic_t *cli_stop_flag(void);
void cli_install_signals(void);
void cli_restore_signals(void);

#endif
