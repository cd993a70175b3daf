/* cmd_plot.c: "tcpqsim plot": PNG and SVG figures of a run or a sweep.
 *
 * `tcpqsim plot DIR` looks at what DIR holds.  A run's folder (summary.json
 * with connect_hist.tsv and series.tsv) gives connect_hist, queues and
 * outcomes; a sweep's folder (results.csv) gives, for each metric, the metric
 * against one swept parameter with one line per value of a second, and a heat
 * map over the two.  `--profiles A,B,...` draws runs of one scenario under
 * several kernel profiles side by side into DIR/profiles.
 *
 * gnuplot draws every figure with a script of plots/ (found in $TCPQSIM_PLOTS
 * or beside the executable).  The facts the TSV files do not hold are
 * computed here from summary.json's resolved scenario, with the kernel
 * profiles' own decision functions: the client's SYN retransmit instants and
 * its ETIMEDOUT instant, the two queue limits, the stall windows.  They reach
 * gnuplot as variables (-e "name=value; ..."), strings single-quoted with
 * quotes doubled; gnuplot runs through posix_spawn, never a shell.  Each
 * figure is written to a temporary name in DIR and renamed when gnuplot
 * succeeds, so a figure is either whole or absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "models/profile.h"
#include "models/scenario.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/util/jsonread.h"

extern char **environ;

#define PLOT_MAX_MARKS 64      /* SYN retransmit instants drawn */
#define PLOT_MAX_STALLS 500    /* stall windows shaded */
#define PLOT_MAX_PROFILES 12   /* runs side by side */
#define PLOT_INSTALL_HINT "apt-get install -y gnuplot-nox"

/* ---- growing strings ----------------------------------------------------- */

struct strbuf {
	char *p;    /* NUL-terminated text, or NULL before the first append */
	size_t len; /* bytes used, without the NUL */
	size_t cap; /* bytes allocated */
	bool oom;   /* an allocation failed; the text is incomplete */
};

static void sb_append(struct strbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		sb_append(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_append(b, big, (size_t)n);
	free(big);
}

static void sb_fini(struct strbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static const char *sb_str(const struct strbuf *b)
{
	return b->p ? b->p : "";
}

/* gnuplot variables: name=value; ... */
static void gv_num(struct strbuf *b, const char *name, double v)
{
	if (isfinite(v))
		sb_printf(b, "%s=%.12g; ", name, v);
	else
		sb_printf(b, "%s=NaN; ", name);
}

/* a gnuplot single-quoted string: quotes doubled, control characters as '?' */
static void gv_quote(struct strbuf *b, const char *s)
{
	sb_append(b, "'", 1);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '\'')
			sb_append(b, "''", 2);
		else if (*c < 0x20 || *c == 0x7f)
			sb_append(b, "?", 1);
		else
			sb_append(b, (const char *)c, 1);
	}
	sb_append(b, "'", 1);
}

static void gv_str(struct strbuf *b, const char *name, const char *s)
{
	sb_printf(b, "%s=", name);
	gv_quote(b, s);
	sb_append(b, "; ", 2);
}

static void gv_strf(struct strbuf *b, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void gv_strf(struct strbuf *b, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (!text) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	gv_str(b, name, text);
	free(text);
}

/* ---- finding things ------------------------------------------------------ */

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* path_join: dir/name into out; false (and an empty out) when it does not
 * fit, which then names no file */
static bool path_join(char *out, size_t n, const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	int len = snprintf(out, n, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);
	if (len < 0 || (size_t)len >= n) {
		out[0] = '\0';
		return false;
	}
	return true;
}

/* find_gnuplot: $TCPQSIM_GNUPLOT, else "gnuplot" on $PATH.  Returns false
 * when there is none. */
static bool find_gnuplot(char *out, size_t n)
{
	const char *forced = getenv("TCPQSIM_GNUPLOT");
	if (forced && *forced) {
		snprintf(out, n, "%s", forced);
		return access(out, X_OK) == 0 && is_file(out);
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	const char *p = path;
	while (*p) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char dir[PATH_MAX];
		if (len == 0)
			snprintf(dir, sizeof(dir), ".");
		else
			snprintf(dir, sizeof(dir), "%.*s", (int)len, p);
		path_join(out, n, dir, "gnuplot");
		if (access(out, X_OK) == 0 && is_file(out))
			return true;
		p = end ? end + 1 : p + len;
	}
	return false;
}

/* find_scripts: $TCPQSIM_PLOTS, else plots/ beside the executable (or one
 * level up, for build/test-prog), else share/tcpqsim/plots of an install. */
static bool find_scripts(char *out, size_t n)
{
	char probe[PATH_MAX + 32];
	const char *env = getenv("TCPQSIM_PLOTS");
	if (env && *env) {
		snprintf(out, n, "%s", env);
		path_join(probe, sizeof(probe), out, "common.gp");
		return is_file(probe);
	}
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return false;
	exe[len] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	static const char *const rel[] = {"plots", "../plots", "../share/tcpqsim/plots"};
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if (path_join(out, n, exe, rel[i]) && path_join(probe, sizeof(probe), out, "common.gp") &&
		    is_file(probe))
			return true;
	}
	return false;
}

struct plot_env {
	char gnuplot[PATH_MAX]; /* the gnuplot executable */
	char scripts[PATH_MAX]; /* folder of the .gp files */
	bool quiet;             /* no "wrote" lines */
	int failures;           /* figures gnuplot failed to draw */
};

/* ---- running gnuplot ----------------------------------------------------- */

/* the last non-blank line of text (gnuplot ends an error with its message) */
static void last_line(const char *text, char *out, size_t n)
{
	const char *best = NULL;
	size_t best_len = 0;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		bool blank = true;
		for (size_t i = 0; i < l; i++)
			if (p[i] != ' ' && p[i] != '\t' && p[i] != '^')
				blank = false;
		if (!blank) {
			best = p;
			best_len = l;
		}
		p = e ? e + 1 : p + l;
	}
	snprintf(out, n, "%.*s", best ? (int)best_len : 0, best ? best : "");
}

static char *read_stream(FILE *f)
{
	struct strbuf b = {0};
	char chunk[4096];
	rewind(f);
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sb_append(&b, chunk, got);
	if (!b.p)
		sb_append(&b, "", 0);
	return b.p;
}

static bool has_word(const char *p, size_t l, const char *w)
{
	size_t wl = strlen(w);
	for (size_t i = 0; i + wl <= l; i++)
		if (memcmp(p + i, w, wl) == 0)
			return true;
	return false;
}

/* plot_draw: run script with vars, writing `out` in format term ("png" or
 * "svg").  Returns 0, or -1 after printing one line. */
static int plot_draw(struct plot_env *env, const char *script, const char *vars, const char *out, const char *term)
{
	int rc = -1;
	char script_path[PATH_MAX + 64], tmp[PATH_MAX + 64];
	path_join(script_path, sizeof(script_path), env->scripts, script);
	const char *slash = strrchr(out, '/');
	int tl;
	if (slash)
		tl = snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp-%ld", (int)(slash - out), out, slash + 1, (long)getpid());
	else
		tl = snprintf(tmp, sizeof(tmp), ".%s.tmp-%ld", out, (long)getpid());
	if (tl < 0 || (size_t)tl >= sizeof(tmp)) {
		fprintf(stderr, PROG ": %s: the path is too long\n", out);
		env->failures++;
		return -1;
	}

	struct strbuf all = {0};
	sb_append(&all, vars, strlen(vars));
	gv_str(&all, "out", tmp);
	gv_str(&all, "term", term);
	FILE *errf = tmpfile();
	posix_spawn_file_actions_t fa;
	bool fa_ok = false;
	char *err_text = NULL;
	if (all.oom || !errf) {
		fprintf(stderr, PROG ": %s: %s\n", out, all.oom ? "out of memory" : strerror(errno));
		goto out_buf;
	}
	if (posix_spawn_file_actions_init(&fa) != 0)
		goto out_buf;
	fa_ok = true;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fileno(errf), 2);
	char *argv[] = {env->gnuplot, (char *)"-e", all.p, script_path, NULL};
	pid_t pid;
	int err = posix_spawn(&pid, env->gnuplot, &fa, NULL, argv, environ);
	if (err != 0) {
		fprintf(stderr, PROG ": cannot run %s: %s\n", env->gnuplot, strerror(err));
		goto out_spawn;
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, PROG ": waiting for gnuplot: %s\n", strerror(errno));
			goto out_tmp;
		}
	}
	err_text = read_stream(errf);
	struct stat st;
	bool drawn = WIFEXITED(status) && WEXITSTATUS(status) == 0 && stat(tmp, &st) == 0 && st.st_size > 0;
	if (!drawn) {
		char line[512];
		last_line(err_text ? err_text : "", line, sizeof(line));
		if (WIFSIGNALED(status))
			snprintf(line, sizeof(line), "killed by signal %d", WTERMSIG(status));
		fprintf(stderr, PROG ": %s: gnuplot %s failed: %s\n", out, script, line[0] ? line : "no output");
		goto out_tmp;
	}
	if (rename(tmp, out) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", out, strerror(errno));
		goto out_tmp;
	}
	/* gnuplot's warnings are worth seeing; nothing else it says on success */
	for (const char *p = err_text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (has_word(p, l, "warning"))
			fprintf(stderr, PROG ": %s: gnuplot: %.*s\n", out, (int)l, p);
		p = e ? e + 1 : p + l;
	}
	if (!env->quiet)
		printf("wrote %s\n", out);
	rc = 0;
	goto out_spawn;
out_tmp:
	unlink(tmp);
out_spawn:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
out_buf:
	free(err_text);
	if (errf)
		fclose(errf);
	sb_fini(&all);
	if (rc != 0)
		env->failures++;
	return rc;
}

/* plot_figure: DIR/base.png and DIR/base.svg */
static void plot_figure(struct plot_env *env, const char *script, const struct strbuf *vars, const char *dir,
                        const char *base)
{
	static const char *const terms[] = {"png", "svg"};
	for (size_t i = 0; i < 2; i++) {
		char name[NAME_MAX + 1], out[PATH_MAX + NAME_MAX + 2];
		snprintf(name, sizeof(name), "%s.%s", base, terms[i]);
		path_join(out, sizeof(out), dir, name);
		if (vars->oom) {
			fprintf(stderr, PROG ": %s: out of memory\n", out);
			env->failures++;
			continue;
		}
		plot_draw(env, script, sb_str(vars), out, terms[i]);
	}
}

/* ---- a run's facts ------------------------------------------------------- */

struct run_facts {
	char dir[PATH_MAX];      /* the run's folder */
	char name[128];          /* scenario name */
	char server_kernel[64];  /* server profile */
	char client_kernel[64];  /* first population's profile */
	long backlog;            /* the listen() argument */
	int n_backlog;           /* effective backlog N; -1 when unknown */
	double attempts;         /* counted attempts */
	double connected;        /* attempts whose connect() returned */
	double timed_out;        /* outcomes.timed_out */
	double connect_timeout;  /* outcomes.connect_timeout */
	double bin_ms;           /* histogram bin width, ms */
	double duration_s;       /* arrivals last this long, s */
	double simulated_s;      /* the run ended at, s */
	long nbins;              /* data lines of connect_hist.tsv; -1 without the file */
	bool has_series;         /* series.tsv exists */
	bool has_scenario;       /* the scenario loaded: the fields below are known */
	int syn_retries;         /* first population's tcp_syn_retries */
	int n_pops;              /* connecting populations (floods left out) */
	double marks[PLOT_MAX_MARKS]; /* SYN retransmit instants, s after the first SYN */
	int n_marks;
	bool marks_mixed;        /* the populations' schedules differ: marks is their union */
	double giveup_s;         /* ETIMEDOUT instant, s; NaN when unknown or mixed */
	double appto_s;          /* application connect timeout, s; NaN when none or mixed */
	double aq_limit;         /* most the accept queues hold, all listeners */
	double sq_limit;         /* most the SYN queues hold, all listeners */
	char sq_rule[64];        /* when the SYN queue is full, in words */
	struct strbuf stalls;    /* "start end start end ..." in s */
};

static const cJSON *json_at(const cJSON *o, const char *dotted)
{
	char key[128];
	const char *p = dotted;
	while (o && *p) {
		const char *e = strchr(p, '.');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		snprintf(key, sizeof(key), "%.*s", (int)l, p);
		o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
		p = e ? e + 1 : p + l;
	}
	return o;
}

static double json_num(const cJSON *o, const char *dotted, double def)
{
	const cJSON *v = json_at(o, dotted);
	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static void json_str(const cJSON *o, const char *dotted, char *out, size_t n)
{
	const cJSON *v = json_at(o, dotted);
	snprintf(out, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* syn_schedule: the instants (s after the first SYN) at which a client of
 * population p retransmits its SYN, and when connect() gives up, as
 * client_on_timer decides them (nominal times: no timer-wheel lateness). */
static int syn_schedule(const struct client_pop *p, double *marks, int max, double *giveup_s, double *appto_s)
{
	sim_time_ns t = 0, rto = p->rules.init_rto;
	sim_time_ns giveup_after = profile_syn_giveup_after(&p->rules, p->sysctl.tcp_syn_retries);
	int n = 0, k = 0;
	*giveup_s = NAN;
	*appto_s = NAN;
	while (n < max && rto > 0) {
		sim_time_ns fire = t + rto;
		if (p->connect_timeout != SIM_TIME_NEVER && p->connect_timeout <= fire) {
			*appto_s = sim_time_to_s(p->connect_timeout);
			break;
		}
		if (p->sysctl.tcp_syn_retries == 0 || (k > 0 && fire >= giveup_after)) {
			*giveup_s = sim_time_to_s(fire);
			break;
		}
		k++;
		marks[n++] = sim_time_to_s(fire);
		t = fire;
		rto = profile_syn_next_rto(&p->rules, p->sysctl.tcp_syn_linear_timeouts, k, rto);
	}
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* first_full: the smallest length at which full(len) holds: the most a queue
 * reaches, since a queue that is not full admits one more. */
static uint32_t first_full(bool (*full)(const struct server_spec *, uint32_t, int), const struct server_spec *sv,
                           int n)
{
	uint32_t hi = 16;
	while (hi < (UINT32_C(1) << 31) && !full(sv, hi, n))
		hi *= 2;
	uint32_t lo = 0;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (full(sv, mid, n))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static bool accept_full(const struct server_spec *sv, uint32_t len, int n)
{
	return profile_accept_queue_is_full(&sv->rules, len, n);
}

static bool syn_full(const struct server_spec *sv, uint32_t len, int n)
{
	return profile_syn_queue_is_full(&sv->rules, len, n, sv->sysctl.tcp_max_syn_backlog);
}

/* facts_from_scenario: what the resolved scenario says beyond the files */
static void facts_from_scenario(struct run_facts *f, const struct scenario *s)
{
	const struct server_spec *sv = &s->server;
	int n = profile_effective_backlog(&sv->rules, sv->backlog, sv->sysctl.somaxconn);
	uint32_t listeners = sv->listeners ? sv->listeners : 1;
	f->n_backlog = n;
	f->aq_limit = (double)first_full(accept_full, sv, n) * listeners;
	f->sq_limit = (double)first_full(syn_full, sv, n) * listeners;
	switch (sv->rules.syn_queue_full) {
	case SYNQ_QLEN_GT_N:
		snprintf(f->sq_rule, sizeof(f->sq_rule), "qlen > N");
		break;
	case SYNQ_QLEN_GE_N:
		snprintf(f->sq_rule, sizeof(f->sq_rule), "qlen >= N");
		break;
	case SYNQ_POW2_TABLE:
		snprintf(f->sq_rule, sizeof(f->sq_rule), "qlen >= T = %u",
		         profile_syn_table_size(n, sv->sysctl.tcp_max_syn_backlog));
		break;
	default:
		snprintf(f->sq_rule, sizeof(f->sq_rule), "the syncache is full");
		break;
	}
	if (listeners > 1) {
		size_t l = strlen(f->sq_rule);
		snprintf(f->sq_rule + l, sizeof(f->sq_rule) - l, ", x%u listeners", listeners);
	}

	/* SYN schedules: one if every population shares it, else the union */
	f->giveup_s = NAN;
	f->appto_s = NAN;
	f->n_pops = 0;
	for (uint32_t i = 0; i < s->n_pops; i++) {
		const struct client_pop *p = &s->pops[i];
		if (p->spoofed)
			continue;
		double m[PLOT_MAX_MARKS], g, a;
		int nm = syn_schedule(p, m, PLOT_MAX_MARKS, &g, &a);
		if (f->n_pops++ == 0) {
			memcpy(f->marks, m, (size_t)nm * sizeof(double));
			f->n_marks = nm;
			f->giveup_s = g;
			f->appto_s = a;
			f->syn_retries = p->sysctl.tcp_syn_retries;
			continue;
		}
		bool same = nm == f->n_marks && memcmp(m, f->marks, (size_t)nm * sizeof(double)) == 0;
		if (!(g == f->giveup_s || (isnan(g) && isnan(f->giveup_s)))) {
			f->giveup_s = NAN;
			same = false;
		}
		if (!(a == f->appto_s || (isnan(a) && isnan(f->appto_s)))) {
			f->appto_s = NAN;
			same = false;
		}
		if (same)
			continue;
		f->marks_mixed = true;
		for (int k = 0; k < nm && f->n_marks < PLOT_MAX_MARKS; k++) {
			bool have = false;
			for (int j = 0; j < f->n_marks; j++)
				have = have || f->marks[j] == m[k];
			if (!have)
				f->marks[f->n_marks++] = m[k];
		}
		qsort(f->marks, (size_t)f->n_marks, sizeof(double), cmp_double);
	}

	/* stall windows within the run */
	double end = f->simulated_s > 0 ? f->simulated_s : sim_time_to_s(s->duration + s->drain);
	int windows = 0;
	for (uint32_t i = 0; i < sv->acceptor.n_stalls; i++) {
		const struct stall *st = &sv->acceptor.stalls[i];
		for (sim_time_ns t = st->start; sim_time_to_s(t) < end && windows < PLOT_MAX_STALLS; t += st->every) {
			sb_printf(&f->stalls, "%.9g %.9g ", sim_time_to_s(t), sim_time_to_s(t + st->length));
			windows++;
			if (st->every <= 0)
				break;
		}
	}
}

static long count_data_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long n = 0;
	int c, prev = '\n';
	bool comment = false;
	while ((c = getc(f)) != EOF) {
		if (prev == '\n') {
			comment = c == '#';
			if (!comment && c != '\n')
				n++;
		}
		prev = c;
	}
	fclose(f);
	return n;
}

/* run_facts_read: summary.json and the files of a run's folder.  Returns 0,
 * 2 for a folder with nothing to plot or a summary that cannot be read (one
 * line printed). */
static int run_facts_read(struct run_facts *f, const char *dir)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	f->n_backlog = -1;
	f->giveup_s = f->appto_s = NAN;
	f->aq_limit = f->sq_limit = NAN;
	char path[PATH_MAX + 32];
	path_join(path, sizeof(path), dir, "connect_hist.tsv");
	f->nbins = count_data_lines(path);
	path_join(path, sizeof(path), dir, "series.tsv");
	f->has_series = is_file(path);
	path_join(path, sizeof(path), dir, "summary.json");
	if (!is_file(path) || (f->nbins < 0 && !f->has_series)) {
		fprintf(stderr, PROG ": %s: nothing to plot (no summary.json with connect_hist.tsv or series.tsv, "
		                "and no results.csv)\n", dir);
		return 2;
	}

	int rc = 2;
	struct jr r;
	jr_init(&r, path);
	size_t len = 0;
	char *text = jr_read_file(&r, path, &len);
	cJSON *doc = text ? jr_parse_text(&r, text, len) : NULL;
	const cJSON *scen = doc ? cJSON_GetObjectItemCaseSensitive(doc, "scenario") : NULL;
	if (!doc) {
		fprintf(stderr, PROG ": %s\n", r.msg);
		goto out;
	}
	if (!cJSON_IsObject(scen) || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(doc, "attempts"))) {
		fprintf(stderr, PROG ": %s: expected a tcpqsim summary with \"scenario\" and \"attempts\"\n", path);
		goto out;
	}
	json_str(scen, "name", f->name, sizeof(f->name));
	json_str(scen, "server.kernel", f->server_kernel, sizeof(f->server_kernel));
	const cJSON *cl = cJSON_GetObjectItemCaseSensitive(scen, "clients");
	json_str(cJSON_IsArray(cl) ? cJSON_GetArrayItem(cl, 0) : cl, "kernel", f->client_kernel,
	         sizeof(f->client_kernel));
	f->backlog = (long)json_num(scen, "server.backlog", 0);
	f->attempts = json_num(doc, "attempts", 0);
	f->connected = json_num(doc, "connect_time_ms.count", 0);
	f->timed_out = json_num(doc, "outcomes.timed_out", 0);
	f->connect_timeout = json_num(doc, "outcomes.connect_timeout", 0);
	f->bin_ms = json_num(doc, "connect_time_ms.histogram.bin_ms", json_num(scen, "hist_bin_ms", 10));
	f->duration_s = json_num(scen, "duration_s", 0);
	f->simulated_s = json_num(doc, "run.simulated_s", 0);

	/* the scenario as run, for the kernel's own numbers */
	struct loaded_scenario ls;
	struct jr cr;
	char label[PATH_MAX + 48];
	snprintf(label, sizeof(label), "%s (scenario)", path);
	jr_init(&cr, label);
	if (config_load_doc(label, dir, scen, &ls, &cr) == 0) {
		f->has_scenario = true;
		facts_from_scenario(f, &ls.s);
		loaded_scenario_fini(&ls);
	} else {
		fprintf(stderr, PROG ": warning: %s; the figures go without retransmit instants and queue limits\n",
		        cr.msg);
	}
	rc = f->stalls.oom ? 1 : 0;
	if (f->stalls.oom)
		fprintf(stderr, PROG ": %s: out of memory\n", dir);
out:
	cJSON_Delete(doc);
	free(text);
	return rc;
}

static void run_facts_fini(struct run_facts *f)
{
	sb_fini(&f->stalls);
}

/* the marks as gnuplot words, and their labels when schedules were mixed */
static void vars_marks(struct strbuf *v, const struct run_facts *f, const char *suffix)
{
	struct strbuf words = {0}, labels = {0};
	for (int i = 0; i < f->n_marks; i++) {
		sb_printf(&words, "%s%.9g", i ? " " : "", f->marks[i]);
		sb_printf(&labels, "%s\"%.9g s\"", i ? " " : "", f->marks[i]);
	}
	char name[32];
	snprintf(name, sizeof(name), "marks%s", suffix);
	gv_str(v, name, sb_str(&words));
	if (f->marks_mixed) {
		snprintf(name, sizeof(name), "marklabels%s", suffix);
		gv_str(v, name, sb_str(&labels));
	}
	if (words.oom || labels.oom)
		v->oom = true;
	sb_fini(&words);
	sb_fini(&labels);
}

static void plot_run(struct plot_env *env, const struct run_facts *f)
{
	char path[PATH_MAX + 32];
	const char *name = f->name[0] ? f->name : f->dir;

	if (f->nbins >= 0) {
		struct strbuf v = {0};
		path_join(path, sizeof(path), f->dir, "connect_hist.tsv");
		gv_str(&v, "in", path);
		gv_num(&v, "binms", f->bin_ms);
		gv_num(&v, "nbins", (double)f->nbins);
		gv_num(&v, "attempts", f->attempts);
		if (f->has_scenario) {
			vars_marks(&v, f, "");
			gv_num(&v, "giveup", f->giveup_s);
			gv_num(&v, "timedout", isfinite(f->giveup_s) ? f->timed_out : 0);
			gv_num(&v, "appto", f->appto_s);
			gv_num(&v, "apptimedout", isfinite(f->appto_s) ? f->connect_timeout : 0);
		}
		if (f->has_scenario && f->n_pops == 1)
			gv_strf(&v, "title", "%s: connect time of %.0f attempts (clients %s, tcp_syn_retries %d)", name,
			        f->attempts, f->client_kernel, f->syn_retries);
		else
			gv_strf(&v, "title", "%s: connect time of %.0f attempts", name, f->attempts);
		plot_figure(env, "connect_hist.gp", &v, f->dir, "connect_hist");
		sb_fini(&v);
	}
	if (f->has_series) {
		struct strbuf v = {0};
		path_join(path, sizeof(path), f->dir, "series.tsv");
		gv_str(&v, "in", path);
		gv_str(&v, "stalls", sb_str(&f->stalls));
		if (f->has_scenario) {
			gv_num(&v, "aqlimit", f->aq_limit);
			gv_num(&v, "sqlimit", f->sq_limit);
			gv_str(&v, "sqrule", f->sq_rule);
			gv_num(&v, "backlog", f->n_backlog);
			gv_strf(&v, "title", "%s: queues (server %s, listen(%ld), N = %d)", name, f->server_kernel,
			        f->backlog, f->n_backlog);
		} else {
			gv_strf(&v, "title", "%s: queues (server %s)", name, f->server_kernel);
		}
		plot_figure(env, "queues.gp", &v, f->dir, "queues");
		sb_fini(&v);

		struct strbuf o = {0};
		gv_str(&o, "in", path);
		gv_str(&o, "stalls", sb_str(&f->stalls));
		gv_strf(&o, "title", "%s: outcomes of %.0f attempts as they settle", name, f->attempts);
		plot_figure(env, "outcomes.gp", &o, f->dir, "outcomes");
		sb_fini(&o);
	}
}

/* ---- kernel profiles side by side --------------------------------------- */

static int plot_profiles(struct plot_env *env, const char *list, const char *out_dir)
{
	struct run_facts *runs = calloc(PLOT_MAX_PROFILES, sizeof(*runs));
	char *copy = strdup(list);
	int n = 0, rc = 2;
	if (!runs || !copy) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = 1;
		goto out;
	}
	for (char *save = NULL, *d = strtok_r(copy, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		if (n == PLOT_MAX_PROFILES) {
			fprintf(stderr, PROG ": --profiles: at most %d folders\n", PLOT_MAX_PROFILES);
			goto out;
		}
		char hist[PATH_MAX + 32], series[PATH_MAX + 32];
		path_join(hist, sizeof(hist), d, "connect_hist.tsv");
		path_join(series, sizeof(series), d, "series.tsv");
		if (!is_file(hist) || !is_file(series)) {
			fprintf(stderr, PROG ": %s: nothing to plot (a run's folder with connect_hist.tsv and series.tsv "
			                "expected)\n", d);
			goto out;
		}
		int r = run_facts_read(&runs[n++], d);
		if (r) {
			rc = r;
			goto out;
		}
	}
	if (n == 0) {
		fprintf(stderr, PROG ": --profiles: expected folders like out/a,out/b\n");
		goto out;
	}

	/* column titles: the kernels, or the folders when the kernels agree */
	char labels[PLOT_MAX_PROFILES][160];
	bool distinct = true;
	for (int i = 0; i < n; i++) {
		if (strcmp(runs[i].server_kernel, runs[i].client_kernel) == 0)
			snprintf(labels[i], sizeof(labels[i]), "%s", runs[i].server_kernel);
		else
			snprintf(labels[i], sizeof(labels[i]), "server %s, clients %s", runs[i].server_kernel,
			         runs[i].client_kernel);
		for (int j = 0; j < i; j++)
			distinct = distinct && strcmp(labels[i], labels[j]) != 0;
	}
	struct strbuf v = {0};
	double tmax = 0;
	bool same_name = true;
	for (int i = 0; i < n; i++) {
		const struct run_facts *f = &runs[i];
		char key[32];
		if (!distinct) {
			const char *base = strrchr(f->dir, '/');
			snprintf(labels[i], sizeof(labels[i]), "%.159s", base && base[1] ? base + 1 : f->dir);
		}
		same_name = same_name && strcmp(f->name, runs[0].name) == 0;
		snprintf(key, sizeof(key), "dir%d", i + 1);
		gv_str(&v, key, f->dir);
		snprintf(key, sizeof(key), "label%d", i + 1);
		gv_str(&v, key, labels[i]);
		snprintf(key, sizeof(key), "%d", i + 1);
		vars_marks(&v, f, key);
		snprintf(key, sizeof(key), "giveup%d", i + 1);
		gv_num(&v, key, f->giveup_s);
		snprintf(key, sizeof(key), "timedout%d", i + 1);
		gv_num(&v, key, f->timed_out);
		snprintf(key, sizeof(key), "attempts%d", i + 1);
		gv_num(&v, key, f->attempts);
		snprintf(key, sizeof(key), "connected%d", i + 1);
		gv_num(&v, key, f->connected);
		snprintf(key, sizeof(key), "binms%d", i + 1);
		gv_num(&v, key, f->bin_ms);
		snprintf(key, sizeof(key), "nbins%d", i + 1);
		gv_num(&v, key, (double)f->nbins);
		/* time axis: the arrivals and the longest wait for ETIMEDOUT after */
		double t = f->simulated_s;
		if (isfinite(f->giveup_s) && f->duration_s + f->giveup_s + 2 < t)
			t = f->duration_s + f->giveup_s + 2;
		tmax = t > tmax ? t : tmax;
	}
	gv_num(&v, "n", n);
	gv_num(&v, "tmax", tmax);
	if (same_name && runs[0].name[0])
		gv_strf(&v, "title", "%s under %d kernel profiles", runs[0].name, n);
	else
		gv_strf(&v, "title", "%d runs side by side", n);
	if (!is_dir(out_dir) && mkdir(out_dir, 0777) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", out_dir, strerror(errno));
		rc = 1;
		sb_fini(&v);
		goto out;
	}
	plot_figure(env, "profiles.gp", &v, out_dir, "profiles");
	sb_fini(&v);
	rc = 0;
out:
	for (int i = 0; runs && i < n; i++)
		run_facts_fini(&runs[i]);
	free(runs);
	free(copy);
	return rc;
}

/* ---- a sweep's results.csv ----------------------------------------------- */

struct csv {
	char **cells;  /* rows * cols strings, row-major; row 0 is the header */
	size_t rows;   /* rows, the header included */
	size_t cols;   /* fields per row */
};

static void csv_fini(struct csv *c)
{
	for (size_t i = 0; c->cells && i < c->rows * c->cols; i++)
		free(c->cells[i]);
	free(c->cells);
	memset(c, 0, sizeof(*c));
}

static const char *csv_at(const struct csv *c, size_t row, size_t col)
{
	return c->cells[row * c->cols + col];
}

/* csv_parse: RFC 4180 text (quoted fields, "" for a quote, CRLF or LF).
 * Returns 0, or -1 with err filled ("line L: ..."). */
static int csv_parse(const char *text, struct csv *c, char *err, size_t n)
{
	memset(c, 0, sizeof(*c));
	size_t cap = 0, count = 0, line = 1;
	struct strbuf field = {0};
	const char *p = text;
	int rc = -1;
	while (*p) {
		/* one row: fields separated by commas (a comma before the end of
		 * the line or file opens one more, empty, field) */
		size_t row_fields = 0;
		for (;;) {
			field.len = 0;
			sb_append(&field, "", 0);
			if (*p == '"') {
				size_t first_line = line;
				p++;
				for (;;) {
					if (!*p) {
						snprintf(err, n, "line %zu: a quoted field does not end", first_line);
						goto out;
					}
					if (*p == '"' && p[1] == '"') {
						sb_append(&field, "\"", 1);
						p += 2;
					} else if (*p == '"') {
						p++;
						break;
					} else {
						line += *p == '\n';
						sb_append(&field, p++, 1);
					}
				}
			} else {
				while (*p && *p != ',' && *p != '\n' && *p != '\r')
					sb_append(&field, p++, 1);
			}
			if (count == cap) {
				cap = cap ? cap * 2 : 64;
				char **nc = realloc(c->cells, cap * sizeof(*nc));
				if (!nc) {
					snprintf(err, n, "out of memory");
					goto out;
				}
				c->cells = nc;
			}
			c->cells[count] = field.oom ? NULL : strdup(field.p);
			if (!c->cells[count]) {
				snprintf(err, n, "out of memory");
				goto out;
			}
			count++;
			row_fields++;
			if (*p != ',')
				break;
			p++;
		}
		if (*p && *p != '\r' && *p != '\n') {
			snprintf(err, n, "line %zu: unexpected text after a quoted field", line);
			goto out;
		}
		if (c->rows == 0) {
			c->cols = row_fields;
		} else if (row_fields != c->cols) {
			snprintf(err, n, "line %zu: expected %zu fields, got %zu", line, c->cols, row_fields);
			goto out;
		}
		c->rows++;
		while (*p == '\n' || *p == '\r') /* the line end, and blank lines */
			line += *p++ == '\n';
	}
	rc = 0;
out:
	if (rc != 0) {
		for (size_t i = 0; i < count; i++)
			free(c->cells[i]);
		free(c->cells);
		memset(c, 0, sizeof(*c));
	}
	sb_fini(&field);
	return rc;
}

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
static int plot_sweep_metric(struct plot_env *env, const struct sweep *s, size_t metric_col, int param, int by)
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

struct plot_opts {
	const char *dir;       /* DIR */
	const char *profiles;  /* --profiles A,B,... */
	const char *param;     /* --param */
	const char *by;        /* --by ("none": no second parameter) */
	const char *metrics;   /* --metric M[,M...] */
	bool quiet;            /* -q */
};

static int plot_sweep(struct plot_env *env, const char *dir, const struct plot_opts *o)
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
		if (wanted[k] && plot_sweep_metric(env, &s, s.metric_col[k], param, by) != 0)
			rc = 1;
out:
	csv_fini(&s.csv);
	free(text);
	return rc;
}

/* ---- the command ---------------------------------------------------------- */

static const char plot_usage[] =
    "usage: " PROG " plot DIR [--param PATH] [--by PATH|none] [--metric M[,M...]] [-q]\n"
    "       " PROG " plot --profiles RUN1,RUN2,... DIR\n"
    "  DIR of a run (summary.json, connect_hist.tsv, series.tsv): connect_hist, queues, outcomes\n"
    "  DIR of a sweep (results.csv): for each metric, sweep-METRIC-vs-PARAM[-by-BY] and\n"
    "    heatmap-METRIC-PARAM-BY (default: the first two swept columns)\n"
    "  --profiles: runs of one scenario under several kernels, side by side: DIR/profiles\n"
    "  Each figure is written as .png and .svg; gnuplot draws them with the scripts in\n"
    "  plots/ (or $TCPQSIM_PLOTS).\n";

static int parse_plot_args(int argc, char **argv, struct plot_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = NULL;
		if (strcmp(a, "--profiles") == 0)
			slot = &o->profiles;
		else if (strcmp(a, "--param") == 0)
			slot = &o->param;
		else if (strcmp(a, "--by") == 0)
			slot = &o->by;
		else if (strcmp(a, "--metric") == 0)
			slot = &o->metrics;
		if (slot) {
			if (!v || !*v)
				return cli_misuse("%s needs a value", a);
			*slot = v;
			i++;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->quiet = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(plot_usage, stdout);
			return -1;
		} else if (a[0] == '-' && a[1]) {
			return cli_misuse("unknown option %s", a);
		} else if (!o->dir) {
			o->dir = a;
		} else {
			return cli_misuse("unexpected argument %s", a);
		}
	}
	if (!o->dir)
		return cli_misuse("%s", "plot needs a folder: tcpqsim plot DIR");
	return 0;
}

int cmd_plot(int argc, char **argv)
{
	struct plot_opts o;
	int rc = parse_plot_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct plot_env env;
	memset(&env, 0, sizeof(env));
	env.quiet = o.quiet;

	/* what is there to plot */
	char csv[PATH_MAX + 32], summary[PATH_MAX + 32];
	path_join(csv, sizeof(csv), o.dir, "results.csv");
	path_join(summary, sizeof(summary), o.dir, "summary.json");
	bool sweep = !o.profiles && is_file(csv);
	bool run = !o.profiles && is_file(summary);
	if (!o.profiles && !sweep && !run) {
		fprintf(stderr, PROG ": %s: nothing to plot (no summary.json or results.csv)\n", o.dir);
		return 2;
	}
	if (!find_gnuplot(env.gnuplot, sizeof(env.gnuplot))) {
		fprintf(stderr, PROG ": gnuplot not found%s%s; install it with: %s\n",
		        getenv("TCPQSIM_GNUPLOT") ? " at " : "", getenv("TCPQSIM_GNUPLOT") ? getenv("TCPQSIM_GNUPLOT") : "",
		        PLOT_INSTALL_HINT);
		return 1;
	}
	if (!find_scripts(env.scripts, sizeof(env.scripts))) {
		fprintf(stderr, PROG ": cannot find the gnuplot scripts (plots/common.gp beside the executable); "
		                "set TCPQSIM_PLOTS to that folder\n");
		return 1;
	}

	if (o.profiles) {
		rc = plot_profiles(&env, o.profiles, o.dir);
		return rc ? rc : (env.failures ? 1 : 0);
	}
	if (run) {
		struct run_facts f;
		rc = run_facts_read(&f, o.dir);
		if (rc == 0)
			plot_run(&env, &f);
		run_facts_fini(&f);
		if (rc)
			return rc;
	}
	if (sweep && (rc = plot_sweep(&env, o.dir, &o)) != 0)
		return rc;
	return env.failures ? 1 : 0;
}
