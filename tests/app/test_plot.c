/* test_plot.c: "tcpqsim plot": the figures of a run, a sweep and a kernel
 * comparison exist and are real PNG and SVG files; the kernel's numbers drawn
 * on them (SYN retransmit instants, queue limits) are the known ones; a folder
 * with nothing to plot, a missing gnuplot and a failing script give one line
 * and the documented status, and leave no partial figure.  Tests that need
 * gnuplot skip when it is not installed.  Scenarios use their fixed seed 1. */
#include <criterion/criterion.h>

#include <dirent.h>

#include "cli_helpers.h"

static bool have_gnuplot(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

static void need_gnuplot(void)
{
	if (!have_gnuplot())
		cr_skip_test("gnuplot is not installed (apt-get install -y gnuplot-nox)");
	/* the scripts of this tree, whatever binary runs the tests */
	setenv("TCPQSIM_PLOTS", "plots", 1);
	unsetenv("TCPQSIM_GNUPLOT");
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void assert_png(const char *dir, const char *base)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.png", dir, base);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "no %s", path);
	unsigned char sig[8] = {0};
	size_t got = fread(sig, 1, sizeof(sig), f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	cr_assert_eq(got, 8);
	cr_assert(memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG", path);
	cr_assert_gt(size, 1024, "%s is only %ld bytes", path, size);
}

/* returns the SVG text (caller frees) */
static char *assert_svg(const char *dir, const char *base)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.svg", dir, base);
	char *t = read_text(path);
	cr_assert_not_null(t, "no %s", path);
	cr_assert(strstr(t, "<svg"), "%s has no <svg", path);
	cr_assert_gt(strlen(t), 1024, "%s is too small", path);
	return t;
}

static bool has_leftover(const char *dir)
{
	DIR *d = opendir(dir);
	bool found = false;
	for (struct dirent *e; d && (e = readdir(d));)
		found = found || strstr(e->d_name, ".tmp-") != NULL;
	if (d)
		closedir(d);
	return found;
}

Test(plot, run_folder_gives_four_figures_in_png_and_svg)
{
	need_gnuplot();
	char *dir = temp_dir();
	struct cli_result r = run_cli("run", "configs/default.json", "-q", "--set", "duration_s=2", "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	r = run_cli("plot", dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_empty(r.err, "gnuplot said: %s", r.err);
	static const char *const figs[] = {"connect_hist", "queues", "outcomes", "tcpsynbl"};
	for (size_t i = 0; i < 4; i++) {
		assert_png(dir, figs[i]);
		free(assert_svg(dir, figs[i]));
		char line[600];
		snprintf(line, sizeof(line), "wrote %s/%s.png\n", dir, figs[i]);
		cr_assert(strstr(r.out, line), "no \"%s\" in %s", line, r.out);
	}
	cr_assert_not(has_leftover(dir));
	remove_tree(dir);
}

/* docs/kernels.md "linux-6.18": with tcp_syn_retries 3 sends SYNs at 0, 1, 2, 3, 4, 5,
 * 7, 11 s and fails at 19 s; backlog 8 holds 9; its SYN queue is full when
 * qlen > N, so it holds 9 too. */
Test(plot, modern_kernel_marks_eight_syns_and_the_limits)
{
	need_gnuplot();
	char *dir = temp_dir();
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-q", "--set", "duration_s=2", "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	r = run_cli("plot", dir, "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_empty(r.out);
	char *hist = assert_svg(dir, "connect_hist");
	for (int k = 2; k <= 8; k++) {
		char label[32];
		snprintf(label, sizeof(label), ">SYN %d<", k);
		cr_assert(strstr(hist, label), "seed 1: no %s on the histogram", label);
	}
	cr_assert_null(strstr(hist, ">SYN 9<"), "seed 1: a ninth SYN is marked");
	cr_assert(strstr(hist, ">ETIMEDOUT<"));
	cr_assert(strstr(hist, "timed out: 31 (ETIMEDOUT)"), "seed 1: 40 attempts, the first 9 connect");
	free(hist);
	char *q = assert_svg(dir, "queues");
	cr_assert(strstr(q, "accept queue holds N+1 = 9"));
	cr_assert(strstr(q, "SYN queue limit 9 (full when qlen &gt; N)") || strstr(q, "SYN queue limit 9 (full when qlen > N)"));
	free(q);
	remove_tree(dir);
}

/* docs/kernels.md "linux-2.6.32": starts at a 3 s RTO and its give-up bug ends a
 * connect with tcp_syn_retries 3 at ((2 << 3) - 1) * 200 ms = 3 s after the
 * first retransmit's timer: SYNs at 0 and 3 s, ETIMEDOUT at 9 s.  Its SYN
 * table holds T = roundup_pow2(max(8, min(8, 2048)) + 1) = 16. */
Test(plot, old_kernel_marks_one_retransmit_and_the_table_size)
{
	need_gnuplot();
	char *dir = temp_dir();
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-q", "--set", "duration_s=2", "--set",
	                              "server.kernel=linux-2.6.32", "--set", "clients.kernel=linux-2.6.32", "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	r = run_cli("plot", dir, "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *hist = assert_svg(dir, "connect_hist");
	cr_assert(strstr(hist, ">SYN 2<"));
	cr_assert_null(strstr(hist, ">SYN 3<"), "seed 1: 2.6.32 gives up before a third SYN");
	free(hist);
	char *q = assert_svg(dir, "queues");
	cr_assert(strstr(q, "SYN queue limit 16"), "seed 1: the 2.6.32 table holds 16");
	free(q);
	remove_tree(dir);
}

Test(plot, profiles_side_by_side)
{
	need_gnuplot();
	char *dir = temp_dir();
	char a[300], b[300], list[620];
	snprintf(a, sizeof(a), "%s/linux-2.6.32", dir);
	snprintf(b, sizeof(b), "%s/linux-6.18", dir);
	snprintf(list, sizeof(list), "%s,%s", a, b);
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-q", "--set", "duration_s=2", "--set",
	                              "server.kernel=linux-2.6.32", "--set", "clients.kernel=linux-2.6.32", "-o", a, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	r = run_cli("run", "configs/seed-experiment.json", "-q", "--set", "duration_s=2", "-o", b, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	r = run_cli("plot", "--profiles", list, dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_png(dir, "profiles");
	char *svg = assert_svg(dir, "profiles");
	cr_assert(strstr(svg, "linux-2.6.32") && strstr(svg, "linux-6.18"));
	free(svg);
	/* a folder that is not a run's */
	snprintf(list, sizeof(list), "%s,%s/nothing", a, dir);
	r = run_cli("plot", "--profiles", list, dir, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
	remove_tree(dir);
}

/* a results.csv the way the sweep's merge writes it (the point's index, the
 * swept paths, then mean and ci95 per metric), with a quoted value holding a
 * comma, an empty ci95 and a third swept column */
static const char results_csv[] =
    "point,server.backlog,clients.arrival.rate_per_s,clients.note,connect_time_ms.p99_mean,connect_time_ms.p99_ci95,"
    "outcomes.timed_out_frac_mean,outcomes.timed_out_frac_ci95\n"
    "0,16,200,\"a, b\",2054.3,2.1,0.01,0.002\n"
    "1,16,400,\"a, b\",3275.5,565.2,0.13,\n"
    "2,128,200,\"a, b\",2048.0,4.3,0.0,0.0\n"
    "3,128,400,\"a, b\",2865.1,560.0,0.12,0.01\n"
    "4,512,200,\"a, b\",1.0,0.0,0.0,0.0\n"
    "5,512,400,\"a, b\",2048.2,3.3,0.04,0.01\n"
    "6,512,400,other,9999,1,1,0\n";

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

Test(plot, sweep_folder_gives_lines_and_heat_maps)
{
	need_gnuplot();
	char *dir = temp_dir();
	char path[512];
	snprintf(path, sizeof(path), "%s/results.csv", dir);
	write_text(path, results_csv);
	struct cli_result r = run_cli("plot", dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_empty(r.err, "%s", r.err);
	static const char *const figs[] = {
	    "sweep-connect_time_ms.p99-vs-server.backlog-by-clients.arrival.rate_per_s",
	    "heatmap-connect_time_ms.p99-server.backlog-clients.arrival.rate_per_s",
	    "sweep-outcomes.timed_out_frac-vs-server.backlog-by-clients.arrival.rate_per_s",
	    "heatmap-outcomes.timed_out_frac-server.backlog-clients.arrival.rate_per_s",
	};
	for (size_t i = 0; i < 4; i++) {
		assert_png(dir, figs[i]);
		char *svg = assert_svg(dir, figs[i]);
		/* the third parameter is held at its first value, and said so */
		cr_assert(strstr(svg, "at clients.note = a, b"), "%s", figs[i]);
		free(svg);
	}
	/* the row with clients.note = other is left out of the heat map */
	char *svg = assert_svg(dir, figs[1]);
	cr_assert_null(strstr(svg, ">9999<"));
	cr_assert(strstr(svg, ">2865<"));
	free(svg);
	cr_assert_eq(count_entries(dir), 1 + 8);

	r = run_cli("plot", dir, "-q", "--param", "clients.arrival.rate_per_s", "--by", "none", "--metric",
	            "outcomes.timed_out_frac", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_png(dir, "sweep-outcomes.timed_out_frac-vs-clients.arrival.rate_per_s");

	r = run_cli("plot", dir, "--metric", "connect_time_ms.p50", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
	cr_assert(strstr(r.err, "no metric \"connect_time_ms.p50\""), "%s", r.err);
	remove_tree(dir);
}

Test(plot, sweep_without_metric_pairs_is_bad_input)
{
	need_gnuplot();
	char *dir = temp_dir();
	char path[512];
	snprintf(path, sizeof(path), "%s/results.csv", dir);
	write_text(path, "server.backlog,p99\n16,3\n");
	struct cli_result r = run_cli("plot", dir, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
	cr_assert(strstr(r.err, "METRIC_mean,METRIC_ci95"), "%s", r.err);
	write_text(path, "point,server.backlog,m_mean,m_ci95\n0,16,3\n");
	r = run_cli("plot", dir, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "line 2: expected 4 fields, got 3"), "%s", r.err);
	remove_tree(dir);
}

Test(plot, folder_with_nothing_to_plot_is_status_2)
{
	char *dir = temp_dir();
	struct cli_result r = run_cli("plot", dir, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
	cr_assert(strstr(r.err, "nothing to plot"), "%s", r.err);
	r = run_cli("plot", NULL);
	cr_assert_eq(r.status, 2);
	remove_tree(dir);
}

Test(plot, missing_gnuplot_names_the_package)
{
	char *dir = temp_dir();
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-q", "--set", "duration_s=1", "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	setenv("TCPQSIM_GNUPLOT", "/nonexistent/gnuplot", 1);
	r = run_cli("plot", dir, NULL);
	unsetenv("TCPQSIM_GNUPLOT");
	cr_assert_eq(r.status, 1);
	cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
	cr_assert(strstr(r.err, "apt-get install -y gnuplot-nox"), "%s", r.err);
	remove_tree(dir);
}

/* a script that fails: status 1, one line per figure, no figure and no
 * temporary file left behind */
Test(plot, failing_script_leaves_no_figure)
{
	need_gnuplot();
	char *dir = temp_dir();
	char scripts[300], path[400];
	snprintf(scripts, sizeof(scripts), "%s/plots", dir);
	mkdir(scripts, 0777);
	snprintf(path, sizeof(path), "%s/common.gp", scripts);
	write_text(path, "set terminal svg\n");
	snprintf(path, sizeof(path), "%s/connect_hist.gp", scripts);
	write_text(path, "set output out\nplot no_such_function(x)\n");
	/* the run's other figure draws */
	snprintf(path, sizeof(path), "%s/tcpsynbl.gp", scripts);
	write_text(path, "set terminal svg\nset output out\nplot x\n");
	snprintf(path, sizeof(path), "%s/run", dir);
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-q", "--set", "duration_s=1", "--no-series",
	                              "-o", path, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	setenv("TCPQSIM_PLOTS", scripts, 1);
	r = run_cli("plot", path, NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_eq(count_lines(r.err), 2, "%s", r.err); /* png and svg */
	cr_assert(strstr(r.err, "no_such_function"), "%s", r.err);
	char fig[500];
	snprintf(fig, sizeof(fig), "%s/connect_hist.png", path);
	cr_assert_neq(access(fig, F_OK), 0);
	cr_assert_not(has_leftover(path));
	remove_tree(dir);
}

/* --target draws the SLO line (connect_hist: at X ms; a sweep's figures:
 * at X in the metric's unit), the sampling interval in the labels is the
 * rounded period (not the average over the run, whose last sample sits at
 * its end), the outcome bars start at 0, tcpsynbl is drawn, and --logy works
 * on a sweep; a bad --target is bad input */
Test(plot, target_logy_rounded_intervals_and_tcpsynbl, .timeout = 120)
{
	need_gnuplot();
	char *dir = temp_dir();
	struct cli_result r = run_cli("run", "configs/whatif/nginx-flash-crowd.json", "-q", "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	r = run_cli("plot", dir, "--target", "200", "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_empty(r.err, "gnuplot said: %s", r.err);
	char *svg = assert_svg(dir, "connect_hist");
	cr_assert(strstr(svg, "target 200 ms"), "no target line in connect_hist.svg");
	free(svg);
	svg = assert_svg(dir, "queues");
	cr_assert(strstr(svg, "sampled every 0.1 s"), "the sampling interval is not 0.1 s in queues.svg");
	free(svg);
	svg = assert_svg(dir, "outcomes");
	cr_assert(strstr(svg, "rates over 0.1 s intervals"), "the interval is not 0.1 s in outcomes.svg");
	free(svg);
	svg = assert_svg(dir, "tcpsynbl");
	cr_assert(strstr(svg, "met a full accept queue (N+1 = 129)"), "tcpsynbl.svg without its limit");
	free(svg);
	r = run_cli("plot", dir, "--target", "soon", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--target: expected a number, got \"soon\""), "%s", r.err);
	remove_tree(dir);
}
