/* stop.c: the signal handling every command shares (stop.h). */
#include "app/util/stop.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stop_sig;
static volatile sig_atomic_t defer_depth;
static volatile sig_atomic_t silent;

static void say(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));
	(void)r;
}

static void on_signal(int sig)
{
	stop_requested = 1;
	if (!stop_sig)
		stop_sig = sig;
	if (defer_depth > 0)
		return;
	/* nothing is staged: end now (async-signal-safe calls only) */
	/* a reader that went away (| head) needs no message */
	if (!silent && sig != SIGPIPE) {
		say("tcpqsim: interrupted by ");
		say(sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "SIGPIPE");
		say(": nothing written\n");
	}
	_exit(STOP_EXIT);
}

void stop_install(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;
		/* a signal ignored by whoever started us (nohup, a shell's
		 * background job) stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

volatile sig_atomic_t *stop_flag(void)
{
	return &stop_requested;
}

int stop_signal(void)
{
	return stop_sig;
}

void stop_defer(void)
{
	defer_depth++;
}

void stop_undefer(void)
{
	if (defer_depth > 0)
		defer_depth--;
}

void stop_child(void)
{
	defer_depth = 0;
	silent = 1;
	if (stop_requested)
		_exit(STOP_EXIT);
}
