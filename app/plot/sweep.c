/* sweep.c: a sweep's results.csv as figures (plot.h): for each metric, the
 * metric against one swept parameter with one line per value of a second,
 * and a heat map over the two. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/commands.h"
#include "app/plot/plot.h"
#include "app/util/csv.h"
#include "app/util/jsonread.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool parse_number(const char *s, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	while (end && (*end == ' ' || *end == '\t'))
		end++;
	if (end == s || !end || *end || errno || !isfinite(v))
		return false;
	*out = v;
	return true;
}

struct sweep {
	struct csv csv;        /* the table */
	size_t first_swept;    /* column of the first swept path (1 after a "point" index) */
	size_t n_swept;        /* swept columns */
	size_t metric_col[64]; /* column of each metric's _mean */
	size_t n_metrics;
	char path[PATH_MAX];   /* results.csv */
	char dir[PATH_MAX];    /* the sweep's folder */
};

/* the distinct values of a column, in order of first appearance or, when
 * every value is a number, in increasing order */
struct distinct {
	const char **v;  /* borrowed from the csv */
	double *num;     /* their values when numeric */
	size_t n;
	bool numeric;
};

static void distinct_fini(struct distinct *d)
{
	free(d->v);
	free(d->num);
	memset(d, 0, sizeof(*d));
}

static int distinct_of(const struct sweep *s, size_t col, const bool *keep, struct distinct *d)
{
	memset(d, 0, sizeof(*d));
	size_t rows = s->csv.rows;
	d->v = calloc(rows, sizeof(*d->v));
	d->num = calloc(rows, sizeof(*d->num));
	if (!d->v || !d->num)
		return -1;
	d->numeric = true;
	for (size_t r = 1; r < rows; r++) {
		if (keep && !keep[r])
			continue;
		const char *x = csv_at(&s->csv, r, col);
		bool seen = false;
		for (size_t i = 0; i < d->n && !seen; i++)
			seen = strcmp(d->v[i], x) == 0;
		if (seen)
			continue;
		d->v[d->n] = x;
		if (!parse_number(x, &d->num[d->n]))
			d->numeric = false;
		d->n++;
	}
	if (d->numeric) /* insertion sort: a handful of values */
		for (size_t i = 1; i < d->n; i++)
			for (size_t j = i; j > 0 && d->num[j - 1] > d->num[j]; j--) {
				double t = d->num[j];
				d->num[j] = d->num[j - 1];
				d->num[j - 1] = t;
				const char *u = d->v[j];
				d->v[j] = d->v[j - 1];
				d->v[j - 1] = u;
			}
	return 0;
}

static size_t distinct_index(const struct distinct *d, const char *x)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i], x) == 0)
			return i;
	return d->n;
}

/* a value as it goes to the TSV and to gnuplot words: no tabs, line breaks or
 * double quotes */
static void clean_value(struct strbuf *b, const char *s)
{
	for (const char *c = s; *c; c++) {
		char ch = *c;
		if (ch == '\t' || ch == '\n' || ch == '\r')
			ch = ' ';
		else if (ch == '"')
			ch = '\'';
		sb_append(b, &ch, 1);
	}
}

static void vars_words(struct strbuf *v, const char *name, const struct distinct *d)
{
	struct strbuf w = {0};
	for (size_t i = 0; i < d->n; i++) {
		sb_append(&w, i ? " \"" : "\"", i ? 2 : 1);
		clean_value(&w, d->v[i]);
		sb_append(&w, "\"", 1);
	}
	gv_str(v, name, sb_str(&w));
	if (w.oom)
		v->oom = true;
	sb_fini(&w);
}

/* a file-name piece: letters, digits, '.', '-', '_' */
static void file_piece(char *out, size_t n, const char *s)
{
	size_t i = 0;
	for (; *s && i + 1 < n; s++)
		out[i++] = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		                   *s == '.' || *s == '-' || *s == '_'
		               ? *s
		               : '_';
	out[i] = '\0';
}

struct row_key {
	size_t row;    /* csv row */
	size_t by;     /* index of its by value */
	double x;      /* its param value (or index) */
};

static int cmp_row_key(const void *a, const void *b)
{
	const struct row_key *x = a, *y = b;
	if (x->by != y->by)
		return x->by < y->by ? -1 : 1;
	if (x->x != y->x)
		return x->x < y->x ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static int sweep_column(const struct sweep *s, const char *name, const char *opt)
{
	size_t end = s->first_swept + s->n_swept;
	for (size_t i = s->first_swept; i < end; i++)
		if (strcmp(csv_at(&s->csv, 0, i), name) == 0)
			return (int)i;
	struct strbuf all = {0};
	for (size_t i = s->first_swept; i < end; i++)
		sb_printf(&all, "%s%s", i > s->first_swept ? ", " : "", csv_at(&s->csv, 0, i));
	fprintf(stderr, PROG ": %s: %s: no swept column \"%s\" (swept: %s)\n", s->path, opt, name, sb_str(&all));
	sb_fini(&all);
	return -1;
}

/* plot_sweep_metric: the line figure (and the heat map when by >= 0) of one
 * metric.  Rows where another swept column differs from its first value are
 * left out (and said in the title). */
static int plot_sweep_metric(struct plot_env *env, const struct sweep *s, size_t metric_col, int param, int by,
                             const struct plot_opts *o)
{
	int rc = 1;
	const struct csv *c = &s->csv;
	char metric[256];
	const char *mean_name = csv_at(c, 0, metric_col);
	snprintf(metric, sizeof(metric), "%.*s", (int)(strlen(mean_name) - 5), mean_name);

	bool *keep = calloc(c->rows, sizeof(bool));
	bool *has_value = calloc(c->rows, sizeof(bool));
	struct row_key *keys = calloc(c->rows, sizeof(*keys));
	struct distinct xs = {0}, bys = {0};
	struct strbuf note = {0}, v = {0}, tsv = {0};
	char tmp[PATH_MAX] = "";
	int fd = -1;
	if (!keep || !has_value || !keys)
		goto out_oom;
	for (size_t r = 1; r < c->rows; r++)
		keep[r] = true;
	for (size_t col = s->first_swept; col < s->first_swept + s->n_swept; col++) {
		if ((int)col == param || (int)col == by)
			continue;
		const char *first = csv_at(c, 1, col);
		bool varies = false;
		for (size_t r = 1; r < c->rows; r++)
			if (strcmp(csv_at(c, r, col), first) != 0)
				keep[r] = false, varies = true;
		if (varies) {
			sb_printf(&note, "%s%s = ", note.len ? ", " : "at ", csv_at(c, 0, col));
			clean_value(&note, first);
		}
	}
	/* rows without a value of the metric draw nothing: the lines are those
	 * with at least one value */
	size_t valued = 0;
	double z;
	for (size_t r = 1; r < c->rows; r++) {
		if (keep[r] && parse_number(csv_at(c, r, metric_col), &z)) {
			has_value[r] = true;
			valued++;
		}
	}
	if (valued == 0) {
		fprintf(stderr, PROG ": %s: warning: %s has no values%s; not drawn\n", s->path, metric,
		        note.len ? " in the rows drawn" : "");
		rc = 0;
		goto out;
	}
	if (distinct_of(s, (size_t)param, keep, &xs) < 0 || (by >= 0 && distinct_of(s, (size_t)by, has_value, &bys) < 0))
		goto out_oom;

	/* the rows kept, sorted by line then x, as a TSV gnuplot reads easily */
	size_t nk = 0;
	for (size_t r = 1; r < c->rows; r++) {
		if (!keep[r])
			continue;
		const char *xv = csv_at(c, r, (size_t)param);
		keys[nk].row = r;
		keys[nk].by = by >= 0 ? distinct_index(&bys, csv_at(c, r, (size_t)by)) : 0;
		keys[nk].x = xs.numeric ? strtod(xv, NULL) : (double)distinct_index(&xs, xv);
		nk++;
	}
	qsort(keys, nk, sizeof(*keys), cmp_row_key);
	for (size_t col = 0; col < c->cols; col++) {
		sb_append(&tsv, col ? "\t" : "", col ? 1 : 0);
		clean_value(&tsv, csv_at(c, 0, col));
	}
	sb_append(&tsv, "\n", 1);
	for (size_t k = 0; k < nk; k++) {
		for (size_t col = 0; col < c->cols; col++) {
			sb_append(&tsv, col ? "\t" : "", col ? 1 : 0);
			clean_value(&tsv, csv_at(c, keys[k].row, col));
		}
		sb_append(&tsv, "\n", 1);
	}
	if (tsv.oom || note.oom)
		goto out_oom;
	const char *tmpdir = getenv("TMPDIR");
	snprintf(tmp, sizeof(tmp), "%s/tcpqsim-plot-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(tmp);
	if (fd < 0 || write(fd, tsv.p, tsv.len) != (ssize_t)tsv.len) {
		fprintf(stderr, PROG ": %s: %s\n", tmp, strerror(errno));
		goto out;
	}

	/* the metric against param, one line per by value */
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < xs.n && xs.numeric; i++) {
		lo = xs.num[i] < lo ? xs.num[i] : lo;
		hi = xs.num[i] > hi ? xs.num[i] : hi;
	}
	const char *pname = csv_at(c, 0, (size_t)param);
	const char *bname = by >= 0 ? csv_at(c, 0, (size_t)by) : "";
	char base[NAME_MAX + 1], p1[80], p2[80], p3[80];
	file_piece(p1, sizeof(p1), metric);
	file_piece(p2, sizeof(p2), pname);
	file_piece(p3, sizeof(p3), bname);
	gv_str(&v, "in", tmp);
	gv_str(&v, "sep", "tab");
	gv_str(&v, "param", pname);
	gv_str(&v, "metric", metric);
	vars_words(&v, "xvals", &xs);
	gv_num(&v, "xcat", !xs.numeric);
	gv_num(&v, "logx", xs.numeric && lo > 0 && hi / lo >= 20);
	gv_num(&v, "logy", o->logy);
	if (isfinite(o->target))
		gv_num(&v, "target", o->target);
	if (by >= 0) {
		gv_str(&v, "by", bname);
		vars_words(&v, "byvals", &bys);
	}
	gv_str(&v, "note", sb_str(&note));
	gv_strf(&v, "title", "%s against %s (mean and 95%% confidence interval)", metric, pname);
	if (by >= 0)
		snprintf(base, sizeof(base), "sweep-%s-vs-%s-by-%s", p1, p2, p3);
	else
		snprintf(base, sizeof(base), "sweep-%s-vs-%s", p1, p2);
	plot_figure(env, "sweep.gp", &v, s->dir, base);

	/* the heat map over param and by */
	if (by >= 0) {
		struct strbuf h = {0};
		gv_str(&h, "in", tmp);
		gv_str(&h, "sep", "tab");
		gv_str(&h, "xparam", pname);
		gv_str(&h, "yparam", bname);
		gv_str(&h, "metric", metric);
		vars_words(&h, "xvals", &xs);
		vars_words(&h, "yvals", &bys);
		gv_str(&h, "note", sb_str(&note));
		gv_strf(&h, "title", "%s (mean) over %s and %s", metric, pname, bname);
		snprintf(base, sizeof(base), "heatmap-%s-%s-%s", p1, p2, p3);
		plot_figure(env, "heatmap.gp", &h, s->dir, base);
		sb_fini(&h);
	}
	rc = 0;
	goto out;
out_oom:
	fprintf(stderr, PROG ": %s: out of memory\n", s->path);
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	sb_fini(&tsv);
	sb_fini(&note);
	sb_fini(&v);
	distinct_fini(&xs);
	distinct_fini(&bys);
	free(keys);
	free(has_value);
	free(keep);
	return rc;
}
int plot_sweep(struct plot_env *env, const char *dir, const struct plot_opts *o)
{
	int rc = 2;
	struct sweep s;
	memset(&s, 0, sizeof(s));
	snprintf(s.dir, sizeof(s.dir), "%s", dir);
	path_join(s.path, sizeof(s.path), dir, "results.csv");
	struct jr r;
	jr_init(&r, s.path);
	size_t len = 0;
	char *text = jr_read_file(&r, s.path, &len);
	char err[256];
	if (!text) {
		fprintf(stderr, PROG ": %s\n", r.msg);
		return 2;
	}
	if (csv_parse(text, &s.csv, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", s.path, err);
		goto out;
	}
	/* swept columns, then METRIC_mean,METRIC_ci95 pairs */
	const struct csv *c = &s.csv;
	size_t first_pair = c->cols;
	for (size_t i = 0; c->rows > 0 && i + 1 < c->cols; i++) {
		const char *a = csv_at(c, 0, i), *b = csv_at(c, 0, i + 1);
		size_t stem = strlen(a) - (ends_with(a, "_mean") ? 5 : 0);
		if (ends_with(a, "_mean") && ends_with(b, "_ci95") && strlen(b) == stem + 5 && strncmp(a, b, stem) == 0) {
			if (first_pair == c->cols)
				first_pair = i;
			if (s.n_metrics < sizeof(s.metric_col) / sizeof(s.metric_col[0]))
				s.metric_col[s.n_metrics++] = i;
			i++;
		}
	}
	/* the sweep's merge puts the point's index first */
	s.first_swept = c->rows > 0 && c->cols > 0 && strcmp(csv_at(c, 0, 0), "point") == 0 ? 1 : 0;
	s.n_swept = first_pair == c->cols || first_pair < s.first_swept ? 0 : first_pair - s.first_swept;
	if (c->rows == 0 || s.n_swept == 0 || s.n_metrics == 0) {
		fprintf(stderr, PROG ": %s: expected a header of swept columns then METRIC_mean,METRIC_ci95 pairs, got "
		                "\"%s%s\"\n", s.path, c->rows ? csv_at(c, 0, 0) : "", c->cols > 1 ? ",..." : "");
		goto out;
	}
	if (c->rows < 2) {
		fprintf(stderr, PROG ": %s: nothing to plot (no points yet)\n", s.path);
		goto out;
	}
	int first = (int)s.first_swept;
	int param = o->param ? sweep_column(&s, o->param, "--param") : first;
	int by = -1;
	if (o->by && strcmp(o->by, "none") != 0)
		by = sweep_column(&s, o->by, "--by");
	else if (!o->by && s.n_swept > 1)
		by = param == first + 1 ? first : first + 1;
	if (param < 0 || (o->by && strcmp(o->by, "none") != 0 && by < 0))
		goto out;
	if (by == param) {
		fprintf(stderr, PROG ": --by: \"%s\" is already the x axis (--param)\n", csv_at(c, 0, (size_t)by));
		goto out;
	}
	/* the metrics asked for, or all */
	bool wanted[64] = {false};
	if (o->metrics) {
		char *copy = strdup(o->metrics);
		if (!copy) {
			rc = 1;
			goto out;
		}
		bool bad = false;
		for (char *save = NULL, *m = strtok_r(copy, ",", &save); m && !bad; m = strtok_r(NULL, ",", &save)) {
			bool found = false;
			for (size_t k = 0; k < s.n_metrics; k++) {
				const char *name = csv_at(c, 0, s.metric_col[k]);
				if (strlen(name) == strlen(m) + 5 && strncmp(name, m, strlen(m)) == 0)
					wanted[k] = found = true;
			}
			if (!found) {
				struct strbuf all = {0};
				for (size_t k = 0; k < s.n_metrics; k++) {
					const char *name = csv_at(c, 0, s.metric_col[k]);
					sb_printf(&all, "%s%.*s", k ? ", " : "", (int)strlen(name) - 5, name);
				}
				fprintf(stderr, PROG ": %s: --metric: no metric \"%s\" (metrics: %s)\n", s.path, m,
				        sb_str(&all));
				sb_fini(&all);
				bad = true;
			}
		}
		free(copy);
		if (bad)
			goto out;
	} else {
		for (size_t k = 0; k < s.n_metrics; k++)
			wanted[k] = true;
	}
	rc = 0;
	for (size_t k = 0; k < s.n_metrics; k++)
		if (wanted[k] && plot_sweep_metric(env, &s, s.metric_col[k], param, by, o) != 0)
			rc = 1;
out:
	csv_fini(&s.csv);
	free(text);
	return rc;
}
