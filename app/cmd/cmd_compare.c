/* cmd_compare.c: "tcpqsim compare A B" and "tcpqsim compare MEASURED DIR --rank".
 *
 * A and B are summary.json files (tcpqsim run, kcheck, a sweep point) or
 * files of measured connect durations (ms, one per line).  The two are
 * printed side by side and checked against the tolerances (compare.h); exit
 * 0 within them, 1 outside (each failing check named), 2 on bad input.  With
 * --rank, B is a sweep's output folder and its points are listed by their
 * Kolmogorov-Smirnov distance to A.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/commands.h"
#include "app/compare.h"
#include "app/hostcap.h"
#include "app/plot/plot.h"
#include "app/util/jsonread.h"
#include "app/util/output.h"

#define MAX_FAILURES 64

enum compare_opt {
	O_TOL_FRAC, O_TOL_P99, O_TOL_KS, O_TOL_COUNTERS, O_TOL_COUNTERS_ABS, O_KS_BIN, O_RANK, O_TOP, O_PLOT,
	O_BEFORE, O_AFTER, O_SS,
};

static const struct cli_option compare_options[] = {
	{O_TOL_FRAC, "--tol-frac", NULL, CLI_VALUE, "X", "largest difference of any outcome fraction (default 0.05)"},
	{O_TOL_P99, "--tol-p99-ms", NULL, CLI_VALUE, "Y", "largest difference of the connect-time p99, ms (default 250)"},
	{O_TOL_KS, "--tol-ks", NULL, CLI_VALUE, "D",
	 "largest Kolmogorov-Smirnov distance of the connect times (default 0.1)"},
	{O_TOL_COUNTERS, "--tol-counters", NULL, CLI_VALUE, "X",
	 "largest |A-B|/max(A,B,1) of any counter both report (default 0.25)"},
	{O_TOL_COUNTERS_ABS, "--tol-counters-abs", NULL, CLI_VALUE, "N",
	 "a counter also passes when |A-B| <= N (small counts; default 0)"},
	{O_KS_BIN, "--ks-bin-ms", NULL, CLI_VALUE, "W", "compare the CDFs only at multiples of W ms (default: every bin edge)"},
	{O_RANK, "--rank", NULL, CLI_FLAG, NULL,
	 "B is a sweep folder (points/point-*.json, or */summary.json): its points by KS distance to A"},
	{O_TOP, "--top", NULL, CLI_VALUE, "K", "with --rank, list only the K nearest"},
	{O_PLOT, "--plot", NULL, CLI_VALUE, "DIR",
	 "also write DIR/cdf.tsv and DIR/cdf.png, .svg: the CDFs of A and B (with --rank: the 3 nearest points) "
	 "overlaid"},
	{O_BEFORE, "--before", NULL, CLI_VALUE, "FILE", "a real host's nstat -az (or netstat -s) before: with --after, "
	 "its counter deltas beside A's"},
	{O_AFTER, "--after", NULL, CLI_VALUE, "FILE", "the same host's nstat -az (or netstat -s) after"},
	{O_SS, "--ss", NULL, CLI_VALUE, "FILE", "the host's ss -lnt during the incident, beside A's accept queue"},
	{0, NULL, NULL, CLI_FLAG, NULL, NULL},
};

int cmd_compare(int argc, char **argv);
const struct cli_command cli_cmd_compare = {
    "compare", cmd_compare, "A B", "two summaries (or measured durations) side by side", compare_options,
    "Or: " PROG " compare MEASURED DIR --rank [--top K] [--ks-bin-ms W]\n"
    "Or: " PROG " compare A --before NSTAT1 --after NSTAT2 [--ss SS] [--tol-counters X]\n"
    "A and B: summary.json files (tcpqsim run, kcheck) or files of connect durations in ms,\n"
    "one per line ('#' starts a comment).  Exit 0 within the tolerances, 1 outside, 2 bad input.\n"
    "Each tolerance also takes \"off\".\n",
};

struct compare_opts {
	const char *a, *b;
	const char *before, *after, *ss; /* a real host's captures, or NULL */
	struct cmp_tolerances tol;
	double grid_ms; /* --ks-bin-ms, 0 = bin edges */
	bool rank;
	long top;
	const char *plot; /* --plot DIR */
};

static int parse_tol(const char *opt, const char *v, double *out)
{
	if (!v)
		return cli_misuse("%s needs a number (or \"off\")", opt);
	if (strcmp(v, "off") == 0) {
		*out = INFINITY;
		return 0;
	}
	char *end = NULL;
	errno = 0;
	double x = strtod(v, &end);
	if (!v[0] || *end || errno || !isfinite(x) || x < 0) {
		fprintf(stderr, PROG ": %s: expected a number >= 0 or \"off\", got \"%s\"\n", opt, v);
		return 2;
	}
	*out = x;
	return 0;
}

static int parse_compare_args(int argc, char **argv, struct compare_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->tol = (struct cmp_tolerances){CMP_TOL_FRAC_DEFAULT, CMP_TOL_P99_MS_DEFAULT, CMP_TOL_KS_DEFAULT,
	                                  CMP_TOL_COUNTERS_DEFAULT, 0};
	struct cli_args it;
	cli_args_init(&it, &cli_cmd_compare, argc, argv);
	const char *v;
	int id;
	while ((id = cli_next(&it, &v)) != CLI_END) {
		const char *a = it.opt;
		int rc = 0;
		switch (id) {
		case CLI_HELP:
		case CLI_MISUSE:
			return id;
		case O_TOL_FRAC:
			rc = parse_tol(a, v, &o->tol.frac);
			break;
		case O_TOL_P99:
			rc = parse_tol(a, v, &o->tol.p99_ms);
			break;
		case O_TOL_KS:
			rc = parse_tol(a, v, &o->tol.ks);
			break;
		case O_TOL_COUNTERS:
			rc = parse_tol(a, v, &o->tol.counters);
			break;
		case O_TOL_COUNTERS_ABS:
			rc = parse_tol(a, v, &o->tol.counters_abs);
			break;
		case O_KS_BIN:
			rc = parse_tol(a, v, &o->grid_ms);
			if (!rc && (!isfinite(o->grid_ms) || o->grid_ms < 0.001)) {
				fprintf(stderr, PROG ": --ks-bin-ms: expected a number >= 0.001, got \"%s\"\n", v);
				rc = 2;
			}
			break;
		case O_PLOT:
			o->plot = v;
			break;
		case O_RANK:
			o->rank = true;
			break;
		case O_TOP: {
			char *end = NULL;
			errno = 0;
			o->top = strtol(v, &end, 10);
			if (!v[0] || *end || errno || o->top < 1) {
				fprintf(stderr, PROG ": --top: expected a count >= 1, got \"%s\"\n", v);
				return 2;
			}
			break;
		}
		case O_BEFORE:
			o->before = v;
			break;
		case O_AFTER:
			o->after = v;
			break;
		case O_SS:
			o->ss = v;
			break;
		case CLI_OPERAND:
			if (!o->a)
				o->a = v;
			else if (!o->b)
				o->b = v;
			else
				return cli_misuse("compare: unexpected argument %s", v);
			break;
		}
		if (rc)
			return rc;
	}
	if (!o->before != !o->after)
		return cli_misuse("%s", "compare: --before and --after go together (two captures of one host)");
	if (o->ss && !o->before)
		return cli_misuse("%s", "compare: --ss goes with --before and --after");
	if (o->before && o->rank)
		return cli_misuse("%s", "compare: --before/--after do not go with --rank");
	if (!o->a || (!o->b && !o->before))
		return cli_misuse("%s", "compare needs two files (A B), or MEASURED DIR --rank, or A --before F --after F");
	if (o->top && !o->rank)
		return cli_misuse("%s", "compare: --top goes with --rank");
	return 0;
}

/* ---- side by side ------------------------------------------------------------ */

static void print_num(double v, int width)
{
	if (isnan(v))
		printf(" %*s", width, "-");
	else if (v == floor(v) && fabs(v) < 1e15)
		printf(" %*.0f", width, v);
	else
		printf(" %*.3f", width, v);
}

static void print_header(const char *tag, const struct cmp_side *s)
{
	printf("%s = %s  (%s%s%s)\n", tag, s->label, s->tool, s->origin[0] ? ", " : "", s->origin);
}

static void print_outcomes(const struct cmp_side *a, const struct cmp_side *b, const struct cmp_tolerances *tol)
{
	if (a->kind == CMP_DURATIONS && b->kind == CMP_DURATIONS)
		return;
	printf("\n%-26s %12s %21s %10s\n", "outcomes", "A", "B", "|dfrac|");
	printf("  %-24s", "attempts");
	print_num(a->attempts, 12);
	print_num(b->attempts, 22);
	printf("\n");
	for (int o = 0; o < OUTCOME_COUNT; o++) {
		double ca = a->outcomes[o], cb = b->outcomes[o];
		bool shown = o == OUTCOME_CONNECTED || o == OUTCOME_TIMED_OUT || (ca > 0) || (cb > 0);
		if (!shown)
			continue;
		double fa = cmp_outcome_frac(a, o), fb = cmp_outcome_frac(b, o);
		char ta[48], tb[48];
		if (isnan(ca))
			snprintf(ta, sizeof(ta), "-");
		else
			snprintf(ta, sizeof(ta), "%.0f (%.4f)", ca, isnan(fa) ? 0 : fa);
		if (isnan(cb))
			snprintf(tb, sizeof(tb), "-");
		else
			snprintf(tb, sizeof(tb), "%.0f (%.4f)", cb, isnan(fb) ? 0 : fb);
		printf("  %-24s %12s %21s", outcome_name((enum outcome)o), ta, tb);
		if (!isnan(fa) && !isnan(fb)) {
			double d = fabs(fa - fb);
			printf(" %10.4f%s", d, d > tol->frac ? "  !" : "");
		}
		printf("\n");
	}
	size_t nsyn = a->n_by_syns > b->n_by_syns ? a->n_by_syns : b->n_by_syns;
	if (nsyn) {
		printf("connected on SYN #k (share of the connected)\n");
		for (size_t k = 0; k < nsyn; k++) {
			double va = k < a->n_by_syns ? a->by_syns[k] : 0, vb = k < b->n_by_syns ? b->by_syns[k] : 0;
			char ta[48], tb[48];
			snprintf(ta, sizeof(ta), "%.0f (%.4f)", va, a->count > 0 ? va / a->count : 0);
			snprintf(tb, sizeof(tb), "%.0f (%.4f)", vb, b->count > 0 ? vb / b->count : 0);
			if (a->kind == CMP_DURATIONS)
				snprintf(ta, sizeof(ta), "-");
			if (b->kind == CMP_DURATIONS)
				snprintf(tb, sizeof(tb), "-");
			char name[32];
			snprintf(name, sizeof(name), "#%zu", k + 1);
			printf("  %-24s %12s %21s\n", name, ta, tb);
		}
	}
}

static void print_times(const struct cmp_side *a, const struct cmp_side *b, double ks, double grid_ms,
                        const struct cmp_tolerances *tol)
{
	printf("\n%-26s %12s %21s %10s\n", "connect time ms", "A", "B", "|A-B|");
	const char *names[] = {"count", "mean", "p50", "p90", "p99", "p999", "max"};
	double va[] = {a->count, a->mean, a->p50, a->p90, a->p99, a->p999, a->max};
	double vb[] = {b->count, b->mean, b->p50, b->p90, b->p99, b->p999, b->max};
	for (int i = 0; i < 7; i++) {
		printf("  %-24s", names[i]);
		bool some = i == 0 || (a->count > 0 && b->count > 0);
		print_num(i == 0 || a->count > 0 ? va[i] : NAN, 12);
		print_num(i == 0 || b->count > 0 ? vb[i] : NAN, 21);
		if (some && i > 0) {
			double d = fabs(va[i] - vb[i]);
			printf(" %10.3f%s", d, i == 4 && d > tol->p99_ms ? "  !" : "");
		}
		printf("\n");
	}
	char how[128];
	if (!cmp_side_has_distribution(a) || !cmp_side_has_distribution(b))
		snprintf(how, sizeof(how), "at the percentiles only: %s has no histogram bins; a lower bound",
		         !cmp_side_has_distribution(a) ? "A" : "B");
	else if (a->kind == CMP_DURATIONS && b->kind == CMP_DURATIONS && !(grid_ms > 0))
		snprintf(how, sizeof(how), "exact, on the values");
	else if (grid_ms > 0)
		snprintf(how, sizeof(how), "CDFs at multiples of %g ms", grid_ms);
	else
		snprintf(how, sizeof(how), "CDFs at every bin edge; bins %g ms and %g ms",
		         a->kind == CMP_DURATIONS ? b->hist.bin_ms : a->hist.bin_ms,
		         b->kind == CMP_DURATIONS ? a->hist.bin_ms : b->hist.bin_ms);
	if (isnan(ks))
		printf("  %-24s %12s   (a side has no connect times)\n", "KS distance", "-");
	else
		printf("  %-24s %12.4f   (%s)%s\n", "KS distance", ks, how, ks > tol->ks ? "  !" : "");
}

static void print_server(const struct cmp_side *a, const struct cmp_side *b)
{
	bool any = false;
	for (int i = 0; i < CMP_SV_COUNT; i++)
		any = any || !isnan(a->server[i]) || !isnan(b->server[i]);
	if (!any)
		return;
	static const char *const names[CMP_SV_COUNT] = {"accepted", "connected_never_accepted", "max_accept_queue",
	                                                 "max_syn_queue"};
	printf("\n%-26s %12s %21s\n", "server", "A", "B");
	for (int i = 0; i < CMP_SV_COUNT; i++) {
		printf("  %-24s", names[i]);
		print_num(a->server[i], 12);
		print_num(b->server[i], 21);
		printf("\n");
	}
}

static void print_counters(const struct cmp_side *a, const struct cmp_side *b, const struct cmp_tolerances *tol)
{
	if (!a->n_counters && !b->n_counters)
		return;
	printf("\n%-26s %12s %21s %10s\n", "counters", "A", "B", "rel diff");
	char only_a[512] = "", only_b[512] = "";
	for (size_t i = 0; i < a->n_counters; i++) {
		double vb = cmp_counter(b, a->counter_name[i]);
		if (isnan(vb)) {
			size_t l = strlen(only_a);
			snprintf(only_a + l, sizeof(only_a) - l, " %s", a->counter_name[i]);
			continue;
		}
		double va = a->counter[i];
		double rel = fabs(va - vb) / fmax(fmax(fabs(va), fabs(vb)), 1);
		printf("  %-24s", a->counter_name[i]);
		print_num(va, 12);
		print_num(vb, 21);
		printf(" %10.3f%s\n", rel, rel > tol->counters && fabs(a->counter[i] - vb) > tol->counters_abs ? "  !" : "");
	}
	for (size_t i = 0; i < b->n_counters; i++)
		if (isnan(cmp_counter(a, b->counter_name[i]))) {
			size_t l = strlen(only_b);
			snprintf(only_b + l, sizeof(only_b) - l, " %s", b->counter_name[i]);
		}
	if (only_a[0])
		printf("  only in A (not compared):%s\n", only_a);
	if (only_b[0])
		printf("  only in B (not compared):%s\n", only_b);
}

static void print_tol(double v)
{
	if (isinf(v))
		printf("off");
	else
		printf("%g", v);
}

/* ---- the CDF overlay (--plot) ---------------------------------------------------- */

#define PLOT_CURVES 4

/* DIR/cdf.tsv, then DIR/cdf.png and .svg with plots/cdf.gp.  sides[0] is
 * the measurement.  Returns 0, or 1 after one line on stderr. */
static int write_cdf_plot(const char *dir, const struct cmp_side *const *sides, const char *const *names,
                          size_t n, const char *note)
{
	bool created = false;
	if (output_make_dirs(dir, &created) < 0) {
		fprintf(stderr, PROG ": %s: cannot make the folder: %s\n", dir, strerror(errno));
		return 1;
	}
	double xmax = 0, step = 10;
	for (size_t i = 0; i < n; i++) {
		if (sides[i]->count > 0 && sides[i]->max > xmax)
			xmax = sides[i]->max;
		if (sides[i]->kind == CMP_SUMMARY && sides[i]->has_bins && sides[i]->hist.bin_ms < step)
			step = sides[i]->hist.bin_ms;
	}
	xmax = xmax * 1.02 + step;
	while (xmax / step > 20000)
		step *= 2;
	char path[PATH_MAX + 32], tmp[PATH_MAX + 64];
	path_join(path, sizeof(path), dir, "cdf.tsv");
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, PROG ": %s: cannot write: %s\n", path, strerror(errno));
		return 1;
	}
	fprintf(f, "t_s");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "\t%s", names[i]);
	fprintf(f, "\n");
	for (double x = 0; x <= xmax; x += step) {
		fprintf(f, "%.6f", x / 1e3);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "\t%.6f", sides[i]->count > 0 ? cmp_side_cdf(sides[i], x) : 0);
		fprintf(f, "\n");
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, PROG ": %s: cannot write: %s\n", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	struct plot_env env;
	memset(&env, 0, sizeof(env));
	env.quiet = true;
	if (!find_gnuplot(env.gnuplot, sizeof(env.gnuplot))) {
		fprintf(stderr, PROG ": wrote %s, but gnuplot was not found to draw it; install it with: %s\n", path,
		        PLOT_INSTALL_HINT);
		return 1;
	}
	if (!find_scripts(env.scripts, sizeof(env.scripts))) {
		fprintf(stderr, PROG ": cannot find the gnuplot scripts (plots/common.gp beside the executable); "
		                "set TCPQSIM_PLOTS to that folder\n");
		return 1;
	}
	struct strbuf v = {0};
	gv_str(&v, "in", path);
	gv_num(&v, "ncurves", (double)n);
	gv_str(&v, "note", note);
	plot_figure(&env, "cdf.gp", &v, dir, "cdf");
	sb_fini(&v);
	if (env.failures)
		return 1;
	printf("wrote %s/cdf.tsv, cdf.png and cdf.svg\n", dir);
	return 0;
}

/* A beside a real host's captures */
static int compare_host(const struct compare_opts *o)
{
	struct cmp_side a;
	struct host_capture *hc = malloc(sizeof(*hc));
	char msg[CMP_MSG_MAX];
	if (!hc) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	if (hostcap_load(hc, o->before, o->after, o->ss, msg, sizeof(msg)) < 0) {
		fprintf(stderr, PROG ": %s\n", msg);
		free(hc);
		return 2;
	}
	if (cmp_side_load(&a, o->a, msg, sizeof(msg)) < 0) {
		fprintf(stderr, PROG ": %s\n", msg);
		free(hc);
		return 2;
	}
	print_header("A", &a);
	int outside = 0;
	hostcap_print_beside(stdout, hc, &a, o->tol.counters, &outside);
	printf("\ntolerance: counters ");
	print_tol(o->tol.counters);
	printf("\nverdict: %s\n", outside ? "OUTSIDE tolerances" : "within tolerances");
	cmp_side_fini(&a);
	free(hc);
	return outside ? 1 : 0;
}

static int compare_two(const struct compare_opts *o)
{
	struct cmp_side a, b;
	char msg[CMP_MSG_MAX];
	if (cmp_side_load(&a, o->a, msg, sizeof(msg)) < 0) {
		fprintf(stderr, PROG ": %s\n", msg);
		return 2;
	}
	if (cmp_side_load(&b, o->b, msg, sizeof(msg)) < 0) {
		fprintf(stderr, PROG ": %s\n", msg);
		cmp_side_fini(&a);
		return 2;
	}
	double ks = cmp_ks_distance(&a, &b, o->grid_ms);
	print_header("A", &a);
	print_header("B", &b);
	print_outcomes(&a, &b, &o->tol);
	print_times(&a, &b, ks, o->grid_ms, &o->tol);
	print_server(&a, &b);
	print_counters(&a, &b, &o->tol);
	struct cmp_failure fails[MAX_FAILURES];
	size_t nf = cmp_check(&a, &b, ks, &o->tol, fails, MAX_FAILURES);
	printf("\ntolerances: frac ");
	print_tol(o->tol.frac);
	printf(", p99 ");
	print_tol(o->tol.p99_ms);
	printf(" ms, KS ");
	print_tol(o->tol.ks);
	printf(", counters ");
	print_tol(o->tol.counters);
	if (o->tol.counters_abs > 0)
		printf(" or |A - B| <= %g", o->tol.counters_abs);
	printf("\n");
	if (nf == 0) {
		printf("verdict: within tolerances\n");
	} else {
		printf("verdict: OUTSIDE tolerances (%zu check%s)\n", nf, nf == 1 ? "" : "s");
		for (size_t i = 0; i < nf && i < MAX_FAILURES; i++)
			printf("  %s: %s\n", fails[i].what, fails[i].text);
	}
	int prc = 0;
	if (o->plot) {
		const struct cmp_side *sides[2] = {&a, &b};
		const char *names[2] = {"A (measured)", "B"};
		char note[160];
		snprintf(note, sizeof(note), "KS distance %.4f", ks);
		prc = write_cdf_plot(o->plot, sides, names, 2, note);
	}
	cmp_side_fini(&a);
	cmp_side_fini(&b);
	return nf ? 1 : prc;
}

/* ---- ranking a sweep ------------------------------------------------------------ */

struct ranked {
	char path[4096];  /* the point's file */
	char label[256];  /* what varies at this point, when the file says */
	double ks;        /* distance to the measured side; NAN sorts last */
	double slack;     /* binning: the true distance is in [ks, ks + slack]; NAN: percentiles only */
	double p50, p99;  /* the point's connect-time percentiles, ms */
	double connected_frac; /* NAN when unknown */
};

static int cmp_ranked(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	bool na = isnan(a->ks), nb = isnan(b->ks);
	if (na != nb)
		return na ? 1 : -1;
	if (!na && a->ks != b->ks)
		return a->ks < b->ks ? -1 : 1;
	return strcmp(a->path, b->path);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* the point files of dir, sorted; returns a new array of new strings */
static char **list_points(const char *dir, size_t *n, char *msg, size_t mn)
{
	*n = 0;
	size_t cap = 64;
	char **out = malloc(cap * sizeof(char *));
	if (!out) {
		snprintf(msg, mn, "out of memory");
		return NULL;
	}
	char sub[4096];
	snprintf(sub, sizeof(sub), "%s/points", dir);
	DIR *d = opendir(sub);
	bool points = d != NULL;
	if (!d)
		d = opendir(dir);
	if (!d) {
		snprintf(msg, mn, "%s: expected a sweep output folder, got %s", dir, strerror(errno));
		free(out);
		return NULL;
	}
	for (struct dirent *e; (e = readdir(d));) {
		char path[4096 + 300];
		if (e->d_name[0] == '.')
			continue;
		if (points) {
			size_t l = strlen(e->d_name);
			if (strncmp(e->d_name, "point-", 6) != 0 || l < 5 || strcmp(e->d_name + l - 5, ".json") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", sub, e->d_name);
		} else {
			snprintf(path, sizeof(path), "%s/%s/summary.json", dir, e->d_name);
			struct stat st;
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
		}
		if (*n == cap) {
			char **nv = realloc(out, cap * 2 * sizeof(char *));
			if (!nv)
				break;
			out = nv;
			cap *= 2;
		}
		out[*n] = strdup(path);
		if (out[*n])
			(*n)++;
	}
	closedir(d);
	if (*n == 0) {
		snprintf(msg, mn, "%s: expected a sweep output folder (points/point-*.json or */summary.json), got none",
		         dir);
		free(out);
		return NULL;
	}
	qsort(out, *n, sizeof(char *), cmp_str);
	return out;
}

/* "key=value ..." from the point's grid values (point.values, or the first
 * of values, params, grid, point, set that is an object) */
static void point_label(const cJSON *doc, char *buf, size_t n)
{
	buf[0] = '\0';
	/* a sweep point: {"point": {"index": I, "values": {...}}, ...} */
	const cJSON *pt = cJSON_GetObjectItemCaseSensitive(doc, "point");
	static const char *const keys[] = {"values", "params", "grid", "point", "set", NULL};
	for (int i = 0; keys[i]; i++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, keys[i]);
		if (i == 0 && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(pt, "values")))
			o = cJSON_GetObjectItemCaseSensitive(pt, "values");
		if (!cJSON_IsObject(o))
			continue;
		for (const cJSON *e = o->child; e; e = e->next) {
			char *v = cJSON_PrintUnformatted(e);
			size_t l = strlen(buf);
			snprintf(buf + l, n - l, "%s%s=%s", l ? " " : "", e->string, v ? v : "?");
			free(v);
		}
		return;
	}
}

static int compare_rank(const struct compare_opts *o)
{
	struct cmp_side m;
	char msg[CMP_MSG_MAX];
	int status = 2;
	if (cmp_side_load(&m, o->a, msg, sizeof(msg)) < 0) {
		fprintf(stderr, PROG ": %s\n", msg);
		return 2;
	}
	size_t n = 0;
	char **paths = list_points(o->b, &n, msg, sizeof(msg));
	struct ranked *r = NULL;
	if (!paths) {
		fprintf(stderr, PROG ": %s\n", msg);
		goto out;
	}
	r = calloc(n, sizeof(*r));
	if (!r) {
		fprintf(stderr, PROG ": out of memory\n");
		status = 1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct jr jr;
		jr_init(&jr, paths[i]);
		size_t len = 0;
		char *text = jr_read_file(&jr, paths[i], &len);
		cJSON *doc = text ? jr_parse_text(&jr, text, len) : NULL;
		free(text);
		if (!doc) {
			fprintf(stderr, PROG ": %s\n", jr.msg);
			goto out;
		}
		struct cmp_side p;
		int rc = cmp_side_from_json(&p, paths[i], doc, msg, sizeof(msg));
		if (rc == 0)
			point_label(doc, r[i].label, sizeof(r[i].label));
		cJSON_Delete(doc);
		if (rc < 0) {
			fprintf(stderr, PROG ": %s\n", msg);
			goto out;
		}
		snprintf(r[i].path, sizeof(r[i].path), "%s", paths[i]);
		r[i].ks = cmp_ks_distance(&m, &p, o->grid_ms);
		r[i].slack = cmp_ks_slack(&m, &p, o->grid_ms);
		r[i].p50 = p.count > 0 ? p.p50 : NAN;
		r[i].p99 = p.count > 0 ? p.p99 : NAN;
		r[i].connected_frac = cmp_outcome_frac(&p, OUTCOME_CONNECTED);
		cmp_side_fini(&p);
	}
	qsort(r, n, sizeof(*r), cmp_ranked);
	print_header("measured", &m);
	printf("  connect time ms: count %.0f  p50 %.3f  p99 %.3f  max %.3f\n\n", m.count, m.p50, m.p99, m.max);
	printf("%4s %8s %8s %12s %12s %10s  %s\n", "rank", "KS", "KS <=", "p50 ms", "p99 ms", "connected", "point");
	size_t shown = o->top && (size_t)o->top < n ? (size_t)o->top : n;
	for (size_t i = 0; i < shown; i++) {
		printf("%4zu", i + 1);
		if (isnan(r[i].ks))
			printf(" %8s", "-");
		else
			printf(" %8.4f", r[i].ks);
		if (isnan(r[i].slack))
			printf(" %8s", "?");
		else
			printf(" %8.4f", fmin(1, r[i].ks + r[i].slack));
		print_num(r[i].p50, 12);
		print_num(r[i].p99, 12);
		if (isnan(r[i].connected_frac))
			printf(" %10s", "-");
		else
			printf(" %10.4f", r[i].connected_frac);
		printf("  %s%s%s%s\n", r[i].path, r[i].label[0] ? "  (" : "", r[i].label, r[i].label[0] ? ")" : "");
	}
	if (shown < n)
		printf("(%zu more)\n", n - shown);
	status = 0;
	if (o->plot) {
		struct cmp_side pts[PLOT_CURVES - 1];
		const struct cmp_side *sides[PLOT_CURVES] = {&m};
		const char *names[PLOT_CURVES] = {"measured"};
		char labels[PLOT_CURVES - 1][300];
		size_t k = 0;
		for (; k < PLOT_CURVES - 1 && k < n && status == 0; k++) {
			if (cmp_side_load(&pts[k], r[k].path, msg, sizeof(msg)) < 0) {
				fprintf(stderr, PROG ": %s\n", msg);
				status = 2;
				break;
			}
			snprintf(labels[k], sizeof(labels[k]), "#%zu KS %.4f %s", k + 1, r[k].ks,
			         r[k].label[0] ? r[k].label : r[k].path);
			sides[k + 1] = &pts[k];
			names[k + 1] = labels[k];
		}
		if (status == 0)
			status = write_cdf_plot(o->plot, sides, names, k + 1, "the nearest points by KS distance");
		for (size_t i = 0; i < k && i < PLOT_CURVES - 1; i++)
			if (sides[i + 1])
				cmp_side_fini(&pts[i]);
	}
out:
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
	free(r);
	cmp_side_fini(&m);
	return status;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_opts o;
	int rc = parse_compare_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? cli_exit(rc) : rc;
	if (o.before && !o.b)
		return compare_host(&o);
	if (o.before) {
		rc = compare_two(&o);
		int hrc = compare_host(&o);
		return hrc == 2 ? 2 : (rc || hrc);
	}
	return o.rank ? compare_rank(&o) : compare_two(&o);
}
