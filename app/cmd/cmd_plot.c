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
 * or beside the executable); the figures themselves are in app/plot/.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/plot/plot.h"

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
