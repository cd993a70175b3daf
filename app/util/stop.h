/* stop.h: Ctrl-C, SIGTERM, SIGHUP and SIGPIPE, the same way in every command.
 *
 * stop_install (once, from cli_main) catches the four signals.  Outside a
 * deferred section a signal ends the program at once: one line on stderr,
 * exit status 130 (STOP_EXIT).  Nothing is half-written then, because every
 * file is written inside a deferred section.  Inside one (stop_defer ...
 * stop_undefer, nested), a signal only sets *stop_flag(): the code that
 * writes polls it, removes what it staged and returns RUN_INTERRUPTED, and
 * cli_main turns any command's status into 130 when a signal came.
 * A broken pipe (SIGPIPE, e.g. "tcpqsim run ... | head -1") and a hang-up
 * (SIGHUP) are treated like SIGTERM.  Program layer only.
 */
#ifndef TCPQSIM_STOP_H
#define TCPQSIM_STOP_H

#include <signal.h>

#define STOP_EXIT 130

void stop_install(void);
volatile sig_atomic_t *stop_flag(void);
/* the signal that set the flag, or 0 */
int stop_signal(void);
void stop_defer(void);
void stop_undefer(void);
/* in a worker process: no section is deferred, and the exit is silent */
void stop_child(void);

#endif
