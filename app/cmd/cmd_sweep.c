/* cmd_sweep.c: "tcpqsim sweep", "tcpqsim point" and "tcpqsim merge".
 *
 * sweep runs every point of a sweep file (each point's replications) in N
 * worker processes and writes one file per point, then merges; point runs
 * one point (for GNU parallel or a Slurm array, from the commands that
 * `sweep --list` prints); merge writes results.csv and results.json.  The
 * formats and the workflow are in docs/sweeps.md.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/commands.h"
#include "app/replicate.h"
#include "app/util/jsonread.h"
#include "app/sweep.h"
#include "app/util/output.h"

#define misuse cli_misuse

struct sweep_opts {
	const char *file;   /* the sweep file */
	const char *out;    /* -o DIR, or NULL for out/NAME */
	unsigned jobs;      /* -j N worker processes */
	bool jobs_set;      /* -j was given (--list passes it on) */
	bool resume, list, quiet, partial;
	long long index;    /* point --index I, -1 when absent */
};

enum sweep_opt { O_OUT, O_JOBS, O_RESUME, O_LIST, O_PARTIAL, O_INDEX, O_QUIET };

#define OPT_OUT {O_OUT, "--out", "-o", CLI_VALUE, "DIR", "output folder (default out/NAME)"}
#define OPT_QUIET {O_QUIET, "--quiet", "-q", CLI_FLAG, NULL, "print nothing on success"}
#define OPT_END {0, NULL, NULL, CLI_FLAG, NULL, NULL}

static const struct cli_option sweep_options[] = {
	OPT_OUT,
	{O_JOBS, "--jobs", "-j", CLI_VALUE, "N", "worker processes (default: every core)"},
	{O_RESUME, "--resume", NULL, CLI_FLAG, NULL, "keep the points already in DIR, run the rest"},
	{O_LIST, "--list", NULL, CLI_FLAG, NULL, "print one tcpqsim point command per point instead of running"},
	OPT_QUIET,
	OPT_END,
};
static const struct cli_option point_options[] = {
	{O_INDEX, "--index", NULL, CLI_VALUE, "I", "the point to run (sweep --list prints the commands)"},
	OPT_OUT,
	{O_JOBS, "--jobs", "-j", CLI_VALUE, "N", "worker processes for the point's replications"},
	OPT_QUIET,
	OPT_END,
};
static const struct cli_option merge_options[] = {
	{O_PARTIAL, "--partial", NULL, CLI_FLAG, NULL, "tabulate the points there are; name the missing ones"},
	OPT_QUIET,
	OPT_END,
};

int cmd_sweep(int argc, char **argv);
int cmd_point(int argc, char **argv);
int cmd_merge(int argc, char **argv);
const struct cli_command cli_cmd_sweep = {
    "sweep", cmd_sweep, "SWEEP.json", "run a parameter sweep (or list one command per point)", sweep_options, NULL,
};
const struct cli_command cli_cmd_point = {
    "point", cmd_point, "SWEEP.json --index I", "run one point of a sweep", point_options, NULL,
};
const struct cli_command cli_cmd_merge = {
    "merge", cmd_merge, "DIR", "tabulate a sweep's points: results.csv, results.json", merge_options, NULL,
};

static int parse_opts(const struct cli_command *cmd, int argc, char **argv, struct sweep_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->index = -1;
	o->jobs = replicate_default_jobs();
	struct cli_args it;
	cli_args_init(&it, cmd, argc, argv);
	const char *v;
	int id;
	while ((id = cli_next(&it, &v)) != CLI_END) {
		switch (id) {
		case O_JOBS:
			if (replicate_parse_jobs(v, &o->jobs) < 0)
				return misuse("-j: expected a number of worker processes from 1 to 1024, got \"%s\"", v);
			o->jobs_set = true;
			break;
		case O_OUT:
			o->out = v;
			break;
		case O_RESUME:
			o->resume = true;
			break;
		case O_LIST:
			o->list = true;
			break;
		case O_PARTIAL:
			o->partial = true;
			break;
		case O_INDEX: {
			char *end = NULL;
			errno = 0;
			o->index = strtoll(v, &end, 10);
			if (!v[0] || *end || errno || o->index < 0)
				return misuse("--index: expected a point number (0, 1, ...), got \"%s\"", v);
			break;
		}
		case O_QUIET:
			o->quiet = true;
			break;
		case CLI_OPERAND:
			if (o->file)
				return misuse("unexpected argument %s", v);
			o->file = v;
			break;
		default:
			return id;
		}
	}
	if (!o->file) {
		char msg[64];
		snprintf(msg, sizeof(msg), "%s needs %s", cmd->name, cmd == &cli_cmd_merge ? "a sweep folder" : "a sweep file");
		return misuse("%s", msg);
	}
	if (cmd == &cli_cmd_point && o->index < 0)
		return misuse("%s", "point needs --index I (tcpqsim sweep SWEEP.json --list prints the commands)");
	return 0;
}

static int load(const char *file, enum sweep_need need, struct sweep *sw)
{
	struct jr err;
	if (sweep_load(sw, file, need, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		sweep_fini(sw);
		return 2;
	}
	return 0;
}

static void out_dir(const struct sweep_opts *o, const struct sweep *sw, char *dir, size_t n)
{
	if (o->out)
		snprintf(dir, n, "%s", o->out);
	else
		snprintf(dir, n, "out/%s", sw->name);
}

/* a word as the shell reads it */
static void print_word(FILE *f, const char *s)
{
	bool plain = *s != '\0';
	for (const char *p = s; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		        strchr("_-./,:=+@%", *p);
	if (plain) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

/* a point is done when its file is a whole point file of that index; an
 * empty or truncated one (a full disk, a crash of another tool) is not, and
 * with say set that is said once */
static bool point_done_say(const char *dir, size_t i, bool say)
{
	char path[4400];
	sweep_point_path(dir, i, path, sizeof(path));
	if (access(path, F_OK) != 0)
		return false;
	struct jr r;
	jr_init(&r, path);
	size_t len = 0;
	char *text = jr_read_file(&r, path, &len);
	cJSON *doc = text ? cJSON_ParseWithLength(text, len) : NULL;
	free(text);
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "point"), "index");
	bool ok = cJSON_IsNumber(idx) && idx->valuedouble == (double)i;
	cJSON_Delete(doc);
	if (!ok && say)
		fprintf(stderr, PROG ": sweep: %s is empty, truncated or not point %zu: running it again\n", path, i);
	return ok;
}

static bool point_done(const char *dir, size_t i)
{
	return point_done_say(dir, i, false);
}

/* ---- progress -------------------------------------------------------------- */

struct progress {
	bool tty;        /* redraw one line with \r */
	size_t done;     /* points finished, those found at the start included */
	size_t total;    /* points of the sweep */
	size_t at_start; /* points found finished at the start */
	double t0;       /* monotonic seconds at the start */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void format_duration(double s, char *buf, size_t n)
{
	if (!isfinite(s) || s < 0) {
		snprintf(buf, n, "?");
		return;
	}
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static void progress_show(const struct progress *p)
{
	if (!p->tty) {
		fprintf(stderr, PROG ": sweep: %zu/%zu points\n", p->done, p->total);
		return;
	}
	double el = now_s() - p->t0;
	size_t ran = p->done - p->at_start;
	double rate = el > 0 && ran > 0 ? (double)ran / el : NAN;
	char left[32];
	format_duration(isnan(rate) ? NAN : (double)(p->total - p->done) / rate, left, sizeof(left));
	char bar[31];
	size_t fill = p->total ? p->done * 30 / p->total : 30;
	for (size_t i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	if (isnan(rate))
		fprintf(stderr, "\r[%s] %zu/%zu points  %s left\033[K", bar, p->done, p->total, left);
	else
		fprintf(stderr, "\r[%s] %zu/%zu points  %.3g points/s  %s left\033[K", bar, p->done, p->total, rate, left);
	fflush(stderr);
}

/* ---- running points -------------------------------------------------------- */

struct points_ctx {
	const char *dir;            /* the sweep folder */
	const size_t *index;        /* [k]: the point number of set k */
	cJSON **values;             /* [k]: its values */
	struct progress *progress;  /* or NULL */
};

static int point_finished(void *p, size_t k, cJSON *merged, char *err, size_t n)
{
	struct points_ctx *c = p;
	int rc = sweep_write_point(c->dir, c->index[k], c->values[k], merged);
	cJSON_Delete(merged);
	if (rc < 0) {
		char path[4400];
		sweep_point_path(c->dir, c->index[k], path, sizeof(path));
		snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	if (c->progress) {
		c->progress->done++;
		progress_show(c->progress);
	}
	return 0;
}

/* run the listed points; returns the run status */
static enum run_status run_points(const struct sweep *sw, const char *dir, const size_t *index, size_t n,
                                  unsigned jobs, struct progress *prog, char *err, size_t errn)
{
	cJSON **values = calloc(n + 1, sizeof(*values));
	enum run_status st = RUN_FAILED;
	if (!values) {
		snprintf(err, errn, "out of memory");
		return st;
	}
	for (size_t k = 0; k < n; k++)
		if (!(values[k] = sweep_point_values(sw, index[k]))) {
			snprintf(err, errn, "out of memory");
			goto out;
		}
	struct points_ctx c = {dir, index, values, prog};
	volatile sig_atomic_t *stop = cli_stop_flag();
	cli_install_signals();
	st = sweep_run_sets(sw, values, index, n, jobs, stop, point_finished, &c, err, errn);
	cli_restore_signals();
out:
	for (size_t k = 0; k < n; k++)
		cJSON_Delete(values[k]);
	free(values);
	return st;
}

/* the merged table on stdout: swept values, then each metric's mean ± ci95 */
static void print_table(const char *dir)
{
	char path[4400];
	snprintf(path, sizeof(path), "%s/results.json", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char *text = NULL;
	size_t cap = 0;
	ssize_t got = getdelim(&text, &cap, '\0', f);
	fclose(f);
	cJSON *doc = got > 0 ? cJSON_Parse(text) : NULL;
	free(text);
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(doc, "params");
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(doc, "metrics");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(doc, "rows");
	int nc = cJSON_GetArraySize(params) + cJSON_GetArraySize(metrics);
	int nr = cJSON_GetArraySize(rows);
	if (!doc || nc == 0 || nc > 80 || nr > 200) {
		cJSON_Delete(doc);
		return;
	}
	char(*cells)[64] = calloc((size_t)(nr + 1) * (size_t)nc, 64);
	int width[80] = {0};
	if (!cells) {
		cJSON_Delete(doc);
		return;
	}
	int c = 0;
	for (const cJSON *p = params->child; p; p = p->next, c++)
		snprintf(cells[c], 64, "%s", p->valuestring);
	for (const cJSON *m = metrics->child; m; m = m->next, c++)
		snprintf(cells[c], 64, "%s", m->valuestring);
	int r = 1;
	for (const cJSON *row = rows->child; row; row = row->next, r++) {
		c = 0;
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(row, "values");
		const cJSON *rm = cJSON_GetObjectItemCaseSensitive(row, "metrics");
		for (const cJSON *p = params->child; p; p = p->next, c++)
			sweep_format_value(cJSON_GetObjectItemCaseSensitive(vals, p->valuestring), cells[r * nc + c], 64);
		for (const cJSON *m = metrics->child; m; m = m->next, c++) {
			const cJSON *st = cJSON_GetObjectItemCaseSensitive(rm, m->valuestring);
			const cJSON *mean = cJSON_GetObjectItemCaseSensitive(st, "mean");
			const cJSON *ci = cJSON_GetObjectItemCaseSensitive(st, "ci95");
			if (cJSON_IsNumber(mean) && cJSON_IsNumber(ci))
				snprintf(cells[r * nc + c], 64, "%.4g ± %.2g", mean->valuedouble, ci->valuedouble);
			else if (cJSON_IsNumber(mean))
				snprintf(cells[r * nc + c], 64, "%.4g", mean->valuedouble);
		}
	}
	/* widths in characters (± is two bytes) */
	for (int i = 0; i <= nr; i++)
		for (c = 0; c < nc; c++) {
			const char *s = cells[i * nc + c];
			int w = (int)strlen(s) - (strstr(s, "±") ? 1 : 0);
			if (w > width[c])
				width[c] = w;
		}
	for (int i = 0; i <= nr; i++) {
		printf(" ");
		for (c = 0; c < nc; c++) {
			const char *s = cells[i * nc + c];
			int pad = width[c] - ((int)strlen(s) - (strstr(s, "±") ? 1 : 0));
			printf(" %*s%s", pad, "", s);
		}
		printf("\n");
	}
	free(cells);
	cJSON_Delete(doc);
}

static int merge_and_report(const char *dir, bool partial, bool quiet)
{
	char err[2048], note[1024];
	size_t missing = 0;
	int rc = sweep_merge(dir, partial, &missing, note, sizeof(note), err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return rc;
	}
	if (note[0])
		fprintf(stderr, PROG ": %s\n", note);
	if (!quiet) {
		print_table(dir);
		printf("  wrote %s/results.csv and %s/results.json\n", dir, dir);
	}
	return 0;
}

/* ---- the commands ---------------------------------------------------------- */

int cmd_sweep(int argc, char **argv)
{
	struct sweep_opts o;
	int rc = parse_opts(&cli_cmd_sweep, argc, argv, &o);
	if (rc)
		return rc < 0 ? cli_exit(rc) : rc;
	struct sweep sw;
	if ((rc = load(o.file, SWEEP_NEED_GRID, &sw)))
		return rc;
	char dir[4096];
	out_dir(&o, &sw, dir, sizeof(dir));
	size_t *todo = calloc(sw.n_points, sizeof(*todo));
	size_t n_todo = 0;
	if (!todo) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < sw.n_points; i++)
		if (!o.resume || !point_done_say(dir, i, !o.list))
			todo[n_todo++] = i;
	if (o.list) {
		/* the running binary by its absolute path, so that the lines run
		 * where tcpqsim is not on PATH (GNU parallel, Slurm, cron) */
		char self[PATH_MAX];
		if (!output_self_exe(self, sizeof(self)))
			snprintf(self, sizeof(self), PROG);
		for (size_t k = 0; k < n_todo; k++) {
			print_word(stdout, self);
			fputs(" point ", stdout);
			print_word(stdout, o.file);
			printf(" --index %zu -o ", todo[k]);
			print_word(stdout, dir);
			if (o.jobs_set)
				printf(" -j %u", o.jobs);
			fputc('\n', stdout);
		}
		goto out;
	}
	char err[4600];
	if (sweep_prepare_dir(&sw, dir, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		rc = 2;
		goto out;
	}
	if (!o.resume) {
		size_t found = 0;
		for (size_t i = 0; i < sw.n_points; i++)
			found += point_done(dir, i);
		if (found) {
			fprintf(stderr,
			        PROG ": %s already holds %zu of the %zu points of this sweep: add --resume to finish it, or "
			             "choose another -o\n",
			        dir, found, sw.n_points);
			rc = 2;
			goto out;
		}
	}
	sweep_remove_temporaries(dir);
	struct progress prog = {
	    .tty = isatty(2),
	    .done = sw.n_points - n_todo,
	    .total = sw.n_points,
	    .at_start = sw.n_points - n_todo,
	    .t0 = now_s(),
	};
	if (!o.quiet) {
		printf("%s: %zu points x %llu replications in %u worker%s -> %s\n", sw.name, sw.n_points,
		       (unsigned long long)sw.replications, o.jobs, o.jobs == 1 ? "" : "s", dir);
		fflush(stdout);
	}
	if (prog.done)
		fprintf(stderr, PROG ": sweep: resuming: %zu/%zu points already done\n", prog.done, prog.total);
	if (prog.tty && n_todo)
		progress_show(&prog);
	enum run_status st = run_points(&sw, dir, todo, n_todo, o.jobs, &prog, err, sizeof(err));
	if (prog.tty && n_todo)
		fputc('\n', stderr);
	if (st == RUN_INTERRUPTED) {
		size_t done = 0;
		for (size_t i = 0; i < sw.n_points; i++)
			done += point_done(dir, i);
		fprintf(stderr, PROG ": sweep: interrupted: %zu of %zu points done in %s/points (finish with --resume)\n",
		        done, sw.n_points, dir);
		rc = 130;
		goto out;
	}
	if (st != RUN_OK) {
		fprintf(stderr, PROG ": %s\n", err);
		rc = 1;
		goto out;
	}
	rc = merge_and_report(dir, false, o.quiet);
out:
	free(todo);
	sweep_fini(&sw);
	return rc;
}

int cmd_point(int argc, char **argv)
{
	struct sweep_opts o;
	int rc = parse_opts(&cli_cmd_point, argc, argv, &o);
	if (rc)
		return rc < 0 ? cli_exit(rc) : rc;
	struct sweep sw;
	if ((rc = load(o.file, SWEEP_NEED_GRID, &sw)))
		return rc;
	char dir[4096], err[4600];
	out_dir(&o, &sw, dir, sizeof(dir));
	if ((size_t)o.index >= sw.n_points) {
		fprintf(stderr, PROG ": --index: expected a point from 0 to %zu, got %lld\n", sw.n_points - 1, o.index);
		rc = 2;
	} else if (sweep_prepare_dir(&sw, dir, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		rc = 2;
	} else {
		size_t idx = (size_t)o.index;
		enum run_status st = run_points(&sw, dir, &idx, 1, o.jobs, NULL, err, sizeof(err));
		if (st != RUN_OK) {
			fprintf(stderr, PROG ": %s%s\n", err, st == RUN_INTERRUPTED ? ": nothing written" : "");
			rc = st == RUN_INTERRUPTED ? 130 : 1;
		} else if (!o.quiet) {
			char path[4400];
			sweep_point_path(dir, idx, path, sizeof(path));
			printf("wrote %s\n", path);
		}
	}
	sweep_fini(&sw);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	struct sweep_opts o;
	int rc = parse_opts(&cli_cmd_merge, argc, argv, &o);
	if (rc)
		return rc < 0 ? cli_exit(rc) : rc;
	return merge_and_report(o.file, o.partial, o.quiet);
}
