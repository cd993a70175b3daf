/* gnuplot.c: finding gnuplot and the scripts of plots/, and running one
 * script per figure (plot.h).  The facts reach gnuplot as variables
 * (-e "name=value; ..."), strings single-quoted with quotes doubled; gnuplot
 * runs through posix_spawn, never a shell.  Each figure is written to a
 * temporary name in DIR and renamed when gnuplot succeeds. */
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

#include "app/commands.h"
#include "app/plot/plot.h"
#include "app/util/output.h"

extern char **environ;

/* gnuplot variables: name=value; ... */
void gv_num(struct strbuf *b, const char *name, double v)
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

void gv_str(struct strbuf *b, const char *name, const char *s)
{
	sb_printf(b, "%s=", name);
	gv_quote(b, s);
	sb_append(b, "; ", 2);
}

void gv_strf(struct strbuf *b, const char *name, const char *fmt, ...)
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

bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* path_join: dir/name into out; false (and an empty out) when it does not
 * fit, which then names no file */
bool path_join(char *out, size_t n, const char *dir, const char *name)
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
bool find_gnuplot(char *out, size_t n)
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
 * level up, for build/test-prog), else ../share/tcpqsim/plots from the
 * executable's folder (an install under any PREFIX), else the usual
 * install places (a binary copied out of its PREFIX). */
bool find_scripts(char *out, size_t n)
{
	char probe[PATH_MAX + 32];
	const char *env = getenv("TCPQSIM_PLOTS");
	if (env && *env) {
		snprintf(out, n, "%s", env);
		path_join(probe, sizeof(probe), out, "common.gp");
		return is_file(probe);
	}
	char exe[PATH_MAX];
	char *slash = output_self_exe(exe, sizeof(exe)) ? strrchr(exe, '/') : NULL;
	if (slash) {
		*slash = '\0';
		static const char *const rel[] = {"plots", "../plots", "../share/tcpqsim/plots"};
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			if (path_join(out, n, exe[0] ? exe : "/", rel[i]) &&
			    path_join(probe, sizeof(probe), out, "common.gp") && is_file(probe))
				return true;
		}
	}
	static const char *const usual[] = {"/usr/local/share/tcpqsim/plots", "/usr/share/tcpqsim/plots"};
	for (size_t i = 0; i < sizeof(usual) / sizeof(usual[0]); i++) {
		snprintf(out, n, "%s", usual[i]);
		if (path_join(probe, sizeof(probe), out, "common.gp") && is_file(probe))
			return true;
	}
	return false;
}

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
int plot_draw(struct plot_env *env, const char *script, const char *vars, const char *out, const char *term)
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
void plot_figure(struct plot_env *env, const char *script, const struct strbuf *vars, const char *dir,
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
