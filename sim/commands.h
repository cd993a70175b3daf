/* commands.h: one function per tcpqsim command; each returns the exit
 * status (0 success, 1 failure while running, 2 bad input or misuse). */
#ifndef TCPQSIM_COMMANDS_H
#define TCPQSIM_COMMANDS_H

#define PROG "tcpqsim"

int cmd_run(int argc, char **argv);
int cmd_profiles(int argc, char **argv);

/* cli_misuse: print "tcpqsim: MESSAGE" and the help hint; returns 2. */
int cli_misuse(const char *fmt, const char *arg);

/* cli_install_signals / cli_restore_signals: SIGINT and SIGTERM set
 * *cli_stop_flag() instead of killing the process. */
volatile int *cli_stop_flag(void);
void cli_install_signals(void);
void cli_restore_signals(void);

#endif
