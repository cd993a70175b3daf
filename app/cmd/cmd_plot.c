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
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/plot/plot.h"

/* ---- the command ---------------------------------------------------------- */

enum plot_opt { O_PROFILES, O_PARAM, O_BY, O_METRIC, O_QUIET, O_TARGET, O_LOGY };

static const struct cli_option plot_options[] = {
	{O_PARAM, "--param", NULL, CLI_VALUE, "PATH", "a sweep: the swept column on the x axis (default: the first)"},
	{O_BY, "--by", NULL, CLI_VALUE, "PATH|none", "a sweep: one line per value of this column (default: the second)"},
	{O_METRIC, "--metric", NULL, CLI_VALUE, "M[,M...]", "a sweep: only these metrics (default: all)"},
	{O_PROFILES, "--profiles", NULL, CLI_VALUE, "RUN1,RUN2,...",
	 "runs of one scenario under several kernels, side by side: DIR/profiles"},
	{O_TARGET, "--target", NULL, CLI_VALUE, "X",
	 "draw the target (SLO) line: on a sweep's figures at X in the metric's unit; on connect_hist at X ms"},
	{O_LOGY, "--logy", NULL, CLI_FLAG, NULL, "a sweep's figures: a logarithmic y axis"},
	{O_QUIET, "--quiet", "-q", CLI_FLAG, NULL, "no \"wrote\" lines"},
	{0, NULL, NULL, CLI_FLAG, NULL, NULL},
};

int cmd_plot(int argc, char **argv);
const struct cli_command cli_cmd_plot = {
    "plot", cmd_plot, "DIR", "PNG and SVG figures from a run's or a sweep's outputs", plot_options,
    "  DIR of a run (summary.json, connect_hist.tsv, series.tsv): connect_hist, queues, outcomes\n"
    "  DIR of a sweep (results.csv): for each metric, sweep-METRIC-vs-PARAM[-by-BY] and\n"
    "    heatmap-METRIC-PARAM-BY (default: the first two swept columns)\n"
    "  Each figure is written as .png and .svg; gnuplot draws them with the scripts in\n"
    "  plots/ (or $TCPQSIM_PLOTS).\n",
};

static int parse_plot_args(int argc, char **argv, struct plot_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->target = NAN;
	struct cli_args it;
	cli_args_init(&it, &cli_cmd_plot, argc, argv);
	const char *v;
	int id;
	while ((id = cli_next(&it, &v)) != CLI_END) {
		const char **slot = NULL;
		switch (id) {
		case O_PROFILES:
			slot = &o->profiles;
			break;
		case O_PARAM:
			slot = &o->param;
			break;
		case O_BY:
			slot = &o->by;
			break;
		case O_METRIC:
			slot = &o->metrics;
			break;
		case O_TARGET: {
			char *end = NULL;
			errno = 0;
			o->target = strtod(v, &end);
			if (!v[0] || *end || errno || !isfinite(o->target)) {
				fprintf(stderr, PROG ": --target: expected a number, got \"%s\"\n", v);
				return 2;
			}
			break;
		}
		case O_LOGY:
			o->logy = true;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case CLI_OPERAND:
			if (o->dir)
				return cli_misuse("unexpected argument %s", v);
			o->dir = v;
			break;
		default:
			return id;
		}
		if (slot) {
			if (!*v)
				return cli_misuse("%s needs a value", it.opt);
			*slot = v;
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
		return rc < 0 ? cli_exit(rc) : rc;
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
			plot_run(&env, &f, &o);
		run_facts_fini(&f);
		if (rc)
			return rc;
	}
	if (sweep && (rc = plot_sweep(&env, o.dir, &o)) != 0)
		return rc;
	return env.failures ? 1 : 0;
}
