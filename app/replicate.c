/* replicate.c: worker processes, replications and their merge (replicate.h). */
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

/* ---- replications of one scenario ----------------------------------------- */

struct rep_ctx {
	const struct loaded_scenario *ls; /* borrowed */
	cJSON **summaries;                /* [replication], filled by done */
};

static char *rep_run(void *p, size_t task, char *err, size_t n)
{
	struct rep_ctx *c = p;
	struct loaded_scenario copy = *c->ls; /* the child's own: shares the owned arrays */
	copy.s.replication = task;
	struct run_request rq = {.ls = &copy, .stop = cli_stop_flag()};
	cJSON *summary = NULL;
	if (runner_run(&rq, &summary, err, n) != RUN_OK)
		return NULL;
	char *text = cJSON_PrintUnformatted(summary);
	cJSON_Delete(summary);
	if (!text)
		snprintf(err, n, "out of memory");
	return text;
}

static int rep_done(void *p, size_t task, char *text, char *err, size_t n)
{
	struct rep_ctx *c = p;
	cJSON *doc = cJSON_Parse(text);
	free(text);
	if (!doc) {
		snprintf(err, n, "replication %zu: a worker sent something that is not JSON", task);
		return -1;
	}
	c->summaries[task] = doc;
	return 0;
}

void replicate_free_summaries(cJSON **summaries, size_t n)
{
	if (!summaries)
		return;
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(summaries[i]);
	free(summaries);
}

enum run_status replicate_scenario(const struct loaded_scenario *ls, uint64_t replications, unsigned jobs,
                                   volatile int *stop, cJSON ***summaries, char *err, size_t n)
{
	*summaries = NULL;
	struct rep_ctx c = {ls, calloc(replications ? replications : 1, sizeof(cJSON *))};
	if (!c.summaries) {
		snprintf(err, n, "out of memory");
		return RUN_FAILED;
	}
	struct replicate_tasks t = {
	    .n_tasks = replications,
	    .jobs = jobs,
	    .ctx = &c,
	    .run = rep_run,
	    .done = rep_done,
	    .stop = stop,
	};
	enum run_status st = replicate_run_tasks(&t, err, n);
	if (st != RUN_OK) {
		replicate_free_summaries(c.summaries, replications);
		return st;
	}
	*summaries = c.summaries;
	return RUN_OK;
}

/* ---- the merge -------------------------------------------------------------- */

/* x rounded to 12 significant digits: stable text, no false precision */
static double round_sig(double x)
{
	if (x == 0 || !isfinite(x))
		return x == 0 ? 0 : x;
	double d = ceil(log10(fabs(x)));
	double m = pow(10, 12 - d);
	if (!isfinite(m) || m == 0)
		return x;
	double v = round(x * m) / m;
	return v == 0 ? 0 : v;
}

cJSON *replicate_stat(const double *v, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	double mean = n ? sum / (double)n : 0;
	bool constant = true;
	for (size_t i = 1; i < n && constant; i++)
		constant = v[i] == v[0];
	if (n && constant)
		mean = v[0]; /* exactly, without rounding noise */
	cJSON_AddNumberToObject(o, "mean", round_sig(mean));
	if (n >= 2) {
		double ss = 0;
		for (size_t i = 0; i < n && !constant; i++)
			ss += (v[i] - mean) * (v[i] - mean);
		double sd = sqrt(ss / (double)(n - 1));
		double t = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1));
		cJSON_AddNumberToObject(o, "ci95", round_sig(t * sd / sqrt((double)n)));
		cJSON_AddNumberToObject(o, "sd", round_sig(sd));
	} else {
		cJSON_AddNullToObject(o, "ci95");
		cJSON_AddNullToObject(o, "sd");
	}
	cJSON_AddNumberToObject(o, "n", (double)n);
	return o;
}

static bool array_is_numbers(const cJSON *a)
{
	for (const cJSON *e = a->child; e; e = e->next)
		if (!cJSON_IsNumber(e))
			return false;
	return true;
}

/* merge the same node of n documents (NULL where a document lacks it);
 * returns a new node, or NULL when there is nothing to merge */
static cJSON *merge_nodes(const cJSON *const *nodes, size_t n, double *vals)
{
	const cJSON *first = NULL;
	for (size_t i = 0; i < n && !first; i++)
		first = nodes[i];
	if (!first)
		return NULL;
	if (cJSON_IsNumber(first)) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (cJSON_IsNumber(nodes[i]))
				vals[k++] = nodes[i]->valuedouble;
		return replicate_stat(vals, k);
	}
	if (cJSON_IsArray(first)) {
		/* count lists such as connected_by_syns leave out trailing zeros:
		 * merged element-wise, a missing element counts as 0 */
		int len = 0;
		for (size_t i = 0; i < n; i++) {
			if (!nodes[i])
				continue;
			if (!cJSON_IsArray(nodes[i]) || !array_is_numbers(nodes[i]))
				return NULL;
			if (cJSON_GetArraySize(nodes[i]) > len)
				len = cJSON_GetArraySize(nodes[i]);
		}
		cJSON *out = cJSON_CreateArray();
		for (int e = 0; out && e < len; e++) {
			size_t k = 0;
			for (size_t i = 0; i < n; i++) {
				if (!nodes[i])
					continue;
				const cJSON *x = cJSON_GetArrayItem(nodes[i], e);
				vals[k++] = x ? x->valuedouble : 0;
			}
			cJSON_AddItemToArray(out, replicate_stat(vals, k));
		}
		return out;
	}
	if (!cJSON_IsObject(first))
		return NULL; /* strings, booleans, null: not statistics */
	const cJSON **kids = malloc(n * sizeof(*kids));
	double *sub = malloc(n * sizeof(*sub));
	cJSON *out = kids && sub ? cJSON_CreateObject() : NULL;
	for (size_t i = 0; out && i < n; i++) {
		if (!cJSON_IsObject(nodes[i]))
			continue;
		for (const cJSON *c = nodes[i]->child; c; c = c->next) {
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = cJSON_IsObject(nodes[j]) && cJSON_GetObjectItemCaseSensitive(nodes[j], c->string);
			if (seen)
				continue;
			for (size_t j = 0; j < n; j++)
				kids[j] = cJSON_IsObject(nodes[j]) ? cJSON_GetObjectItemCaseSensitive(nodes[j], c->string) : NULL;
			cJSON *m = merge_nodes(kids, n, sub);
			if (m)
				cJSON_AddItemToObject(out, c->string, m);
		}
	}
	free(kids);
	free(sub);
	return out;
}

cJSON *replicate_merge(cJSON *const *summaries, size_t n)
{
	static const char *const identity[] = {"schema_version", "tool", "version", "scenario",
	                                       "seed", "replication", "run", NULL};
	cJSON *doc = cJSON_CreateObject();
	const cJSON **tops = malloc(n * sizeof(*tops));
	double *vals = malloc(n * sizeof(*vals));
	if (!doc || !tops || !vals || n == 0) {
		cJSON_Delete(doc);
		free(tops);
		free(vals);
		return NULL;
	}
	const cJSON *s0 = summaries[0];
	cJSON_AddNumberToObject(doc, "schema_version", TCPQSIM_SCHEMA_VERSION);
	cJSON_AddStringToObject(doc, "tool", "tcpqsim");
	cJSON_AddStringToObject(doc, "version", TCPQSIM_VERSION);
	cJSON_AddStringToObject(doc, "kind", "replications");
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(s0, "scenario");
	if (sc)
		cJSON_AddItemToObject(doc, "scenario", cJSON_Duplicate(sc, true));
	const cJSON *seed = cJSON_GetObjectItemCaseSensitive(s0, "seed");
	if (cJSON_IsNumber(seed))
		cJSON_AddNumberToObject(doc, "seed", seed->valuedouble);
	cJSON_AddNumberToObject(doc, "replications", (double)n);
	for (size_t i = 0; i < n; i++) {
		for (const cJSON *c = summaries[i]->child; c; c = c->next) {
			bool skip = false;
			for (size_t k = 0; identity[k] && !skip; k++)
				skip = strcmp(c->string, identity[k]) == 0;
			for (size_t j = 0; j < i && !skip; j++)
				skip = cJSON_GetObjectItemCaseSensitive(summaries[j], c->string) != NULL;
			if (skip)
				continue;
			for (size_t j = 0; j < n; j++)
				tops[j] = cJSON_GetObjectItemCaseSensitive(summaries[j], c->string);
			cJSON *m = merge_nodes(tops, n, vals);
			if (m)
				cJSON_AddItemToObject(doc, c->string, m);
		}
	}
	free(tops);
	free(vals);
	return doc;
}

const cJSON *replicate_find(const cJSON *doc, const char *path)
{
	char buf[512];
	if (strlen(path) >= sizeof(buf))
		return NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	const cJSON *node = doc;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ".", &save); tok && node; tok = strtok_r(NULL, ".", &save)) {
		char *br = strchr(tok, '[');
		if (br)
			*br = '\0';
		if (*tok)
			node = cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, tok) : NULL;
		else if (!br)
			return NULL;
		while (br && node) {
			char *end = NULL;
			long idx = strtol(br + 1, &end, 10);
			if (end == br + 1 || *end != ']' || idx < 0 || !cJSON_IsArray(node))
				return NULL;
			node = cJSON_GetArrayItem(node, (int)idx);
			br = end[1] == '[' ? end + 1 : NULL;
			if (!br && end[1])
				return NULL;
		}
	}
	return node;
}

/* ---- tcpqsim run --replications --------------------------------------------- */

static double stat_num(const cJSON *doc, const char *path, const char *field)
{
	const cJSON *s = replicate_find(doc, path);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, field);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void print_stat(FILE *f, const cJSON *doc, const char *label, const char *path)
{
	double m = stat_num(doc, path, "mean"), h = stat_num(doc, path, "ci95");
	if (isnan(m))
		return;
	if (isnan(h))
		fprintf(f, "  %-26s %.6g\n", label, m);
	else
		fprintf(f, "  %-26s %.6g ± %.3g\n", label, m, h);
}

static void print_merged(FILE *f, const cJSON *doc, const char *name, unsigned jobs)
{
	double r = cJSON_GetObjectItemCaseSensitive(doc, "replications")->valuedouble;
	const cJSON *seed = cJSON_GetObjectItemCaseSensitive(doc, "seed");
	fprintf(f, "%s: %.0f replications (seed %.0f, %u worker%s); mean ± 95%% confidence half-width\n", name, r,
	        cJSON_IsNumber(seed) ? seed->valuedouble : 0, jobs, jobs == 1 ? "" : "s");
	print_stat(f, doc, "attempts", "attempts");
	const cJSON *oc = cJSON_GetObjectItemCaseSensitive(doc, "outcomes");
	for (const cJSON *c = oc ? oc->child : NULL; c; c = c->next) {
		size_t l = strlen(c->string);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "mean");
		if (l > 5 && strcmp(c->string + l - 5, "_frac") == 0 && cJSON_IsNumber(m) && m->valuedouble > 0) {
			char path[160], label[160];
			snprintf(path, sizeof(path), "outcomes.%s", c->string);
			snprintf(label, sizeof(label), "%s", c->string);
			print_stat(f, doc, label, path);
		}
	}
	print_stat(f, doc, "connect_time_ms.mean", "connect_time_ms.mean");
	print_stat(f, doc, "connect_time_ms.p50", "connect_time_ms.p50");
	print_stat(f, doc, "connect_time_ms.p99", "connect_time_ms.p99");
	print_stat(f, doc, "server.max_accept_queue", "server.max_accept_queue");
	print_stat(f, doc, "counters.ListenOverflows", "counters.ListenOverflows");
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
	bool created;
	return output_make_dirs(dir, &created);
}

int replicate_command(const struct loaded_scenario *ls, uint64_t replications, unsigned jobs, const char *dir,
                      bool quiet)
{
	char err[1024];
	cJSON **sums = NULL;
	volatile int *stop = cli_stop_flag();
	*stop = 0;
	cli_install_signals();
	enum run_status st = replicate_scenario(ls, replications, jobs, stop, &sums, err, sizeof(err));
	cli_restore_signals();
	if (st != RUN_OK) {
		fprintf(stderr, PROG ": %s%s\n", err, st == RUN_INTERRUPTED ? ": nothing written" : "");
		return (int)st;
	}
	int rc = 0;
	cJSON *merged = replicate_merge(sums, replications);
	char path[4400], reps[4200];
	snprintf(reps, sizeof(reps), "%s/replications", dir);
	if (!merged) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = 1;
		goto out;
	}
	if (make_dirs(reps) < 0) {
		fprintf(stderr, PROG ": %s: cannot write the output folder: %s\n", dir, strerror(errno));
		rc = 2;
		goto out;
	}
	for (uint64_t r = 0; r < replications; r++) {
		snprintf(path, sizeof(path), "%s/rep-%03llu.json", reps, (unsigned long long)r);
		if (report_write_json(path, sums[r]) < 0) {
			fprintf(stderr, PROG ": %s: cannot write: %s\n", path, strerror(errno));
			rc = 2;
			goto out;
		}
	}
	/* replications left from an earlier, longer run would mislead */
	for (uint64_t r = replications;; r++) {
		snprintf(path, sizeof(path), "%s/rep-%03llu.json", reps, (unsigned long long)r);
		if (unlink(path) < 0)
			break;
	}
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	if (report_write_json(path, merged) < 0) {
		fprintf(stderr, PROG ": %s: cannot write: %s\n", path, strerror(errno));
		rc = 2;
		goto out;
	}
	if (!quiet) {
		print_merged(stdout, merged, ls->name, jobs);
		printf("  wrote %s/summary.json and %llu replications in %s/\n", dir, (unsigned long long)replications,
		       reps);
	}
out:
	cJSON_Delete(merged);
	replicate_free_summaries(sums, replications);
	return rc;
}
