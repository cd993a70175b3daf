/* commands.h: one function per tcpqsim command; each returns the exit
 * status (0 success, 1 failure while running, 2 bad input or misuse). */
#ifndef TCPQSIM_COMMANDS_H
#define TCPQSIM_COMMANDS_H

#include <stddef.h>

#define PROG "tcpqsim"

int cmd_run(int argc, char **argv);
int cmd_profiles(int argc, char **argv);

/* Each of these lives in its own sim/cmd_*.c.  They are declared weak so
 * that the dispatcher can say plainly when a build lacks one. */
#define WEAK __attribute__((weak))
WEAK int cmd_sweep(int argc, char **argv);   /* sim/cmd_sweep.c */
WEAK int cmd_point(int argc, char **argv);   /* sim/cmd_sweep.c */
WEAK int cmd_merge(int argc, char **argv);   /* sim/cmd_sweep.c */
WEAK int cmd_solve(int argc, char **argv);   /* sim/cmd_solve.c */
WEAK int cmd_plot(int argc, char **argv);    /* sim/cmd_plot.c */
WEAK int cmd_explain(int argc, char **argv); /* sim/cmd_explain.c */
WEAK int cmd_watch(int argc, char **argv);   /* sim/cmd_watch.c */
WEAK int cmd_compare(int argc, char **argv); /* sim/cmd_compare.c */
WEAK int cmd_analytic(int argc, char **argv); /* sim/cmd_analytic.c */
WEAK int cmd_host_profile(int argc, char **argv); /* sim/cmd_host.c */
#undef WEAK

struct loaded_scenario;

/* The scenario overrides every scenario command takes: --set PATH=VALUE
 * (repeatable) and --seed N, which goes last as "seed=N". */
#define CLI_MAX_SETS 256
struct cli_overrides {
	const char *sets[CLI_MAX_SETS + 1]; /* borrowed from argv, or seed_set */
	size_t n_sets;
	char seed_set[64];                  /* "seed=N" when --seed was given */
};

/* cli_parse_override: if argv[*i] is --set, -s, --set=... or --seed, take
 * it (and its value: *i moves past it) and return 0; 2 on misuse (the
 * message printed); -1 when it is none of these. */
int cli_parse_override(int argc, char **argv, int *i, struct cli_overrides *ov);

/* cli_overrides_finish: the --seed override joins the list, last. */
void cli_overrides_finish(struct cli_overrides *ov);

/* cli_load_scenario: load path with the --set overrides, print the one-line
 * problem (returns 2) or the warnings (returns 0).  ls is the caller's; on
 * success loaded_scenario_fini releases it. */
int cli_load_scenario(const char *path, const char *const *sets, size_t n_sets, struct loaded_scenario *ls);

/* cli_misuse: print "tcpqsim: MESSAGE" and the help hint; returns 2. */
int cli_misuse(const char *fmt, const char *arg);

/* cli_install_signals / cli_restore_signals: SIGINT and SIGTERM set
 * *cli_stop_flag() instead of killing the process. */
volatile int *cli_stop_flag(void);
void cli_install_signals(void);
void cli_restore_signals(void);

#endif
