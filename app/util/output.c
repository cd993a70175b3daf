/* output.c: all-or-nothing output folders and the JSONL/TSV writers. */
#include "app/util/output.h"
#include "app/util/stop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

int output_make_dirs(const char *dir, bool *created)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", dir);
	*created = false;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0777) == 0) {
		*created = true;
		return 0;
	}
	if (errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* rm -r of a staging folder (it holds files and folders written by us) */
int output_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (!d)
			return -1;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char sub[4400];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			output_remove_tree(sub);
		}
		closedir(d);
		return rmdir(path);
	}
	return unlink(path);
}

int output_open(struct output *o, const char *dir, char *err, size_t n)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->dir, sizeof(o->dir), "%s", dir);
	/* from here a signal only sets the stop flag: the run polls it and
	 * output_abort removes what was staged */
	stop_defer();
	if (output_make_dirs(dir, &o->created_dir) != 0 || access(dir, W_OK) != 0) {
		snprintf(err, n, "%s: cannot write the output folder: %s", dir, strerror(errno));
		stop_undefer();
		return -1;
	}
	snprintf(o->stage, sizeof(o->stage), "%s/.tcpqsim-stage.%ld", dir, (long)getpid());
	output_remove_tree(o->stage);
	if (mkdir(o->stage, 0777) != 0) {
		snprintf(err, n, "%s: cannot write the output folder: %s", dir, strerror(errno));
		if (o->created_dir)
			rmdir(dir);
		stop_undefer();
		return -1;
	}
	o->open = true;
	return 0;
}

void output_staged_path(const struct output *o, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", o->stage, name);
}

FILE *output_file(struct output *o, const char *name)
{
	if (o->n >= OUTPUT_MAX_FILES)
		return NULL;
	int i = o->n;
	output_staged_path(o, name, o->temp[i], sizeof(o->temp[i]));
	o->fp[i] = fopen(o->temp[i], "w");
	if (!o->fp[i])
		return NULL;
	o->n++;
	return o->fp[i];
}

/* every name a run or a replicated run writes: a commit replaces all of
 * them, so the folder never mixes two runs (a plain run after
 * --replications removes replications/, --no-series an old series.tsv) */
const char *const output_run_names[] = {"summary.json",     "series.tsv",   "attempts.jsonl", "trace.jsonl",
                                        "connect_hist.tsv", "tcpsynbl.tsv", "replications",   NULL};

int output_commit(struct output *o)
{
	int rc = o->failed ? -1 : 0;
	int e = 0;
	for (int i = 0; i < o->n; i++) {
		if (o->fp[i] && (ferror(o->fp[i]) || fclose(o->fp[i]) != 0)) {
			if (!e)
				e = errno ? errno : EIO;
			rc = -1;
		}
		o->fp[i] = NULL;
	}
	o->n = 0;
	if (rc == 0 && *stop_flag()) {
		/* stopped after the last poll: still nothing */
		output_abort(o);
		errno = EINTR;
		return -1;
	}
	/* move the old names aside into the staging folder, then the new ones
	 * in; undo on failure (renames inside one folder) */
	const char *const *names = o->names ? o->names : output_run_names;
	char old[4400], fin[4400], staged[4400];
	int moved_old = 0, moved_new = 0;
	for (int i = 0; rc == 0 && names[i]; i++, moved_old++) {
		snprintf(fin, sizeof(fin), "%s/%s", o->dir, names[i]);
		snprintf(old, sizeof(old), "%s/.old.%s", o->stage, names[i]);
		if (rename(fin, old) != 0 && errno != ENOENT) {
			e = errno;
			rc = -1;
		}
	}
	for (int i = 0; rc == 0 && names[i]; i++, moved_new++) {
		snprintf(fin, sizeof(fin), "%s/%s", o->dir, names[i]);
		output_staged_path(o, names[i], staged, sizeof(staged));
		if (rename(staged, fin) != 0 && errno != ENOENT) {
			e = errno;
			rc = -1;
		}
	}
	if (rc != 0) {
		for (int i = 0; i < moved_new; i++) {
			snprintf(fin, sizeof(fin), "%s/%s", o->dir, names[i]);
			output_staged_path(o, names[i], staged, sizeof(staged));
			rename(fin, staged);
		}
		for (int i = 0; i < moved_old; i++) {
			snprintf(fin, sizeof(fin), "%s/%s", o->dir, names[i]);
			snprintf(old, sizeof(old), "%s/.old.%s", o->stage, names[i]);
			rename(old, fin);
		}
		output_abort(o);
		errno = e ? e : EIO;
		return -1;
	}
	output_remove_tree(o->stage);
	o->open = false;
	stop_undefer();
	return 0;
}

void output_abort(struct output *o)
{
	for (int i = 0; i < o->n; i++) {
		if (o->fp[i])
			fclose(o->fp[i]);
		o->fp[i] = NULL;
	}
	o->n = 0;
	if (!o->open)
		return;
	output_remove_tree(o->stage);
	if (o->created_dir)
		rmdir(o->dir);
	o->open = false;
	stop_undefer();
}

static void put_time(FILE *f, const char *key, sim_time_ns t, double scale)
{
	if (t < 0)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%.6f", key, (double)t / scale);
}

void output_attempt_hook(void *ctx, const struct attempt_rec *r)
{
	struct output *o = ctx;
	if (!o->attempts)
		return;
	FILE *f = o->attempts;
	fprintf(f, "{\"id\":%llu,\"population\":\"%s\",\"listener\":%u,\"start_s\":%.9f,\"syns\":%u",
	        (unsigned long long)r->id, o->pop_names ? o->pop_names[r->pop] : "clients", r->listener,
	        (double)r->start / 1e9, r->syns);
	fprintf(f, ",\"outcome\":\"%s\"", outcome_name(r->outcome));
	put_time(f, "connect_ms", r->connect_at >= 0 ? r->connect_at - r->start : -1, 1e6);
	put_time(f, "accepted_s", r->accepted_at, 1e9);
	put_time(f, "served_ms", r->served_at >= 0 ? r->served_at - r->start : -1, 1e6);
	put_time(f, "queued_s", r->queued_at, 1e9);
	put_time(f, "accept_wait_ms", r->queued_at >= 0 && r->accepted_at >= 0 ? r->accepted_at - r->queued_at : -1, 1e6);
	put_time(f, "request_start_s", r->request_start, 1e9);
	put_time(f, "end_s", r->end, 1e9);
	fprintf(f, ",\"cookie\":%s,\"app_try\":%u,\"counted\":%s}\n", r->cookie ? "true" : "false", r->app_try,
	        r->counted ? "true" : "false");
}

static bool kind_wanted(const char *kinds, const char *what)
{
	if (!kinds[0])
		return true;
	size_t n = strlen(what);
	for (const char *p = kinds; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, what, n) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

static void put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void output_trace_hook(void *ctx, const struct trace_rec *r)
{
	struct output *o = ctx;
	const struct trace_filter *ft = &o->filter;
	double t = (double)r->t / 1e9;
	if (!o->trace || t < ft->from_s || t > ft->to_s || !kind_wanted(ft->kinds, r->what))
		return;
	if (ft->n_conns) {
		bool hit = false;
		for (size_t i = 0; i < ft->n_conns && !hit; i++)
			hit = ft->conns[i] == r->conn;
		if (!hit)
			return;
	}
	FILE *f = o->trace;
	fprintf(f, "{\"t_s\":%.9f,", t);
	if (r->conn == UINT64_MAX)
		fprintf(f, "\"conn\":null");
	else
		fprintf(f, "\"conn\":%llu", (unsigned long long)r->conn);
	fprintf(f, ",\"listener\":%u,\"event\":\"%s\",\"side\":\"%s\"", r->listener, r->what,
	        trace_side_name(r->side));
	if (r->dir != TD_NONE)
		fprintf(f, ",\"dir\":\"%s\"", trace_dir_name(r->dir));
	if (r->pkt)
		fprintf(f, ",\"packet\":\"%s\"", r->pkt);
	if (r->why) {
		fprintf(f, ",\"why\":");
		put_json_string(f, r->why);
	}
	fprintf(f, ",\"syn_queue\":%u,\"young\":%u,\"accept_queue\":%u}\n", r->syn_queue, r->young, r->accept_queue);
}

bool output_self_exe(char *out, size_t n)
{
	ssize_t len = n > 1 ? readlink("/proc/self/exe", out, n - 1) : -1;
	if (len <= 0 || (size_t)len >= n - 1 || out[0] != '/') {
		if (n)
			out[0] = '\0';
		return false;
	}
	out[len] = '\0';
	return true;
}

void output_series_header(FILE *f)
{
	fprintf(f, "t_s\tsyn_queue\taccept_queue\tclient_syn_sent\tclient_established");
	for (int i = 0; i < LISTENER_COUNTER_COUNT; i++)
		fprintf(f, "\t%s", counter_name((enum listener_counter)i));
	for (int i = 0; i < OUTCOME_COUNT; i++)
		fprintf(f, "\t%s", outcome_name((enum outcome)i));
	fputc('\n', f);
}

void output_sample_hook(void *ctx, const struct sample_rec *r)
{
	struct output *o = ctx;
	if (!o->series)
		return;
	FILE *f = o->series;
	fprintf(f, "%.6f\t%u\t%u\t%llu\t%llu", (double)r->t / 1e9, r->syn_queue, r->accept_queue,
	        (unsigned long long)r->client_syn_sent, (unsigned long long)r->client_established);
	for (int i = 0; i < LISTENER_COUNTER_COUNT; i++)
		fprintf(f, "\t%llu", (unsigned long long)r->counters[i]);
	for (int i = 0; i < OUTCOME_COUNT; i++)
		fprintf(f, "\t%llu", (unsigned long long)r->outcomes[i]);
	fputc('\n', f);
}
