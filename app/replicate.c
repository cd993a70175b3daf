/* replicate.c: the pool of worker processes (replicate.h); the statistics
 * of replications are in replicate_stats.c, tcpqsim run --replications in
 * replicate_cmd.c. */
#include "app/replicate.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <gsl/gsl_cdf.h>

#include "app/commands.h"
#include "app/report.h"
#include "app/util/output.h"
#include "app/util/stop.h"

/* ---- worker processes ----------------------------------------------------- */

struct worker_proc {
	pid_t pid;      /* the child, or 0 when the slot is free */
	int fd;         /* read end of its pipe */
	size_t task;    /* the task it computes */
	char *buf;      /* what it sent so far */
	size_t len;     /* bytes in buf */
	size_t cap;     /* bytes allocated */
};

static void write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

/* the child's side: compute, send "O" + text or "E" + message, exit */
static void __attribute__((noreturn)) child_main(const struct replicate_tasks *t, size_t task, int fd, pid_t parent)
{
#ifdef __linux__
	/* a parent killed with SIGKILL takes its workers with it */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	if (getppid() != parent)
		_exit(1);
	signal(SIGPIPE, SIG_DFL);
	stop_child();
	char err[1024] = "";
	char *text = t->run(t->ctx, task, err, sizeof(err));
	if (text) {
		write_all(fd, "O", 1);
		write_all(fd, text, strlen(text));
	} else {
		write_all(fd, "E", 1);
		write_all(fd, err[0] ? err : "failed", strlen(err[0] ? err : "failed"));
	}
	_exit(text ? 0 : 1);
}

static int worker_start(struct worker_proc *w, const struct worker_proc *all, unsigned n_all,
                        const struct replicate_tasks *t, size_t task, char *err, size_t n)
{
	int fds[2];
	if (pipe(fds) < 0) {
		snprintf(err, n, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, n, "cannot start a worker process: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		for (unsigned i = 0; i < n_all; i++) /* the other workers' pipes */
			if (all[i].pid)
				close(all[i].fd);
		child_main(t, task, fds[1], parent);
	}
	close(fds[1]);
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->fd = fds[0];
	w->task = task;
	return 0;
}

/* end one child: close its pipe (a child blocked writing gets SIGPIPE),
 * SIGTERM, and after two seconds SIGKILL; always reaped */
static void worker_end(struct worker_proc *w)
{
	if (!w->pid)
		return;
	close(w->fd);
	kill(w->pid, SIGTERM);
	int status;
	bool reaped = false;
	for (int i = 0; i < 200 && !reaped; i++) {
		pid_t r = waitpid(w->pid, &status, WNOHANG);
		if (r == w->pid || (r < 0 && errno != EINTR))
			reaped = true;
		else {
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	if (!reaped) {
		kill(w->pid, SIGKILL);
		while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
		}
	}
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

/* read what is there; returns 1 at end of file, 0 for more, -1 on error */
static int worker_read(struct worker_proc *w)
{
	if (w->cap - w->len < 65536) {
		size_t cap = w->cap ? w->cap * 2 : 131072;
		char *nb = realloc(w->buf, cap);
		if (!nb)
			return -1;
		w->buf = nb;
		w->cap = cap;
	}
	ssize_t got = read(w->fd, w->buf + w->len, w->cap - w->len - 1);
	if (got < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (got == 0)
		return 1;
	w->len += (size_t)got;
	return 0;
}

/* a child's pipe reached its end: reap it and judge what it sent.
 * Returns the text (taken from w) or NULL with err filled. */
static char *worker_finish(struct worker_proc *w, char *err, size_t n)
{
	close(w->fd);
	int status = 0;
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
	}
	w->pid = 0;
	char *text = NULL;
	if (w->buf)
		w->buf[w->len] = '\0';
	if (w->len > 0 && w->buf[0] == 'O' && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		memmove(w->buf, w->buf + 1, w->len);
		text = w->buf;
		w->buf = NULL;
	} else if (w->len > 0 && w->buf[0] == 'E') {
		snprintf(err, n, "%s", w->buf + 1);
	} else if (WIFSIGNALED(status)) {
		snprintf(err, n, "a worker process was killed by signal %d", WTERMSIG(status));
	} else {
		snprintf(err, n, "a worker process failed (exit status %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	free(w->buf);
	memset(w, 0, sizeof(*w));
	return text;
}

enum run_status replicate_run_tasks(const struct replicate_tasks *t, char *err, size_t n)
{
	err[0] = '\0';
	unsigned jobs = t->jobs ? t->jobs : 1;
	if (jobs > REPLICATE_MAX_JOBS)
		jobs = REPLICATE_MAX_JOBS;
	if (jobs > t->n_tasks)
		jobs = t->n_tasks ? (unsigned)t->n_tasks : 1;
	struct worker_proc *ws = calloc(jobs, sizeof(*ws));
	struct pollfd *pfd = calloc(jobs, sizeof(*pfd));
	enum run_status st = RUN_OK;
	if (!ws || !pfd) {
		snprintf(err, n, "out of memory");
		st = RUN_FAILED;
		goto out_free;
	}
	size_t next = 0, active = 0;
	while (next < t->n_tasks || active > 0) {
		if (t->stop && *t->stop) {
			st = RUN_INTERRUPTED;
			snprintf(err, n, "interrupted");
			break;
		}
		for (unsigned i = 0; i < jobs && next < t->n_tasks; i++) {
			if (ws[i].pid)
				continue;
			if (worker_start(&ws[i], ws, jobs, t, next, err, n) < 0) {
				st = RUN_FAILED;
				goto out_end;
			}
			next++;
			active++;
		}
		unsigned np = 0;
		unsigned slot[REPLICATE_MAX_JOBS];
		for (unsigned i = 0; i < jobs; i++)
			if (ws[i].pid) {
				pfd[np].fd = ws[i].fd;
				pfd[np].events = POLLIN;
				pfd[np].revents = 0;
				slot[np++] = i;
			}
		int pr = poll(pfd, np, 200);
		if (pr < 0 && errno != EINTR) {
			snprintf(err, n, "poll: %s", strerror(errno));
			st = RUN_FAILED;
			break;
		}
		for (unsigned k = 0; pr > 0 && k < np; k++) {
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			struct worker_proc *w = &ws[slot[k]];
			int rr = worker_read(w);
			if (rr < 0) {
				snprintf(err, n, "reading from a worker: %s", errno ? strerror(errno) : "out of memory");
				st = RUN_FAILED;
				goto out_end;
			}
			if (rr == 0)
				continue;
			size_t task = w->task;
			char *text = worker_finish(w, err, n);
			active--;
			if (!text) {
				/* a worker stopped by Ctrl-C says "interrupted": report that */
				st = t->stop && *t->stop ? RUN_INTERRUPTED : RUN_FAILED;
				goto out_end;
			}
			if (t->done(t->ctx, task, text, err, n) < 0) {
				st = RUN_FAILED;
				goto out_end;
			}
		}
	}
out_end:
	for (unsigned i = 0; i < jobs; i++)
		worker_end(&ws[i]);
out_free:
	free(ws);
	free(pfd);
	return st;
}

unsigned replicate_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > REPLICATE_MAX_JOBS ? REPLICATE_MAX_JOBS : (unsigned)n;
}

int replicate_parse_jobs(const char *text, unsigned *jobs)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (!text[0] || *end || errno || v < 1 || v > REPLICATE_MAX_JOBS)
		return -1;
	*jobs = (unsigned)v;
	return 0;
}
