/* test_compare.c: "tcpqsim compare": loading, the KS distance, the
 * tolerances and exit statuses, durations files, bad input, --rank. */
#include <criterion/criterion.h>
#include <math.h>

#include "cli_helpers.h"
#include "app/compare.h"

/* paths handed out by put(), freed by done() */
static char *paths[64];
static int n_paths;

static void done(char *dir)
{
	remove_tree(dir);
	for (int i = 0; i < n_paths; i++)
		free(paths[i]);
	n_paths = 0;
}

/* write text to dir/name; returns the path (freed by done()) */
static char *put(const char *dir, const char *name, const char *text)
{
	char *path = malloc(512);
	cr_assert(path && n_paths < 64);
	paths[n_paths++] = path;
	snprintf(path, 512, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	return path;
}

/* a small summary: attempts, connected, timed_out, bins, ListenOverflows */
static char *summary(const char *dir, const char *name, int attempts, int connected, const char *bins, double bin_ms,
                     double p99, int overflows)
{
	char text[4096];
	snprintf(text, sizeof(text),
	         "{\"schema_version\": 1, \"tool\": \"tcpqsim\", \"attempts\": %d,\n"
	         " \"scenario\": {\"server\": {\"kernel\": \"linux-6.18\"}},\n"
	         " \"outcomes\": {\"connected\": %d, \"timed_out\": %d, \"refused\": 0},\n"
	         " \"connected_by_syns\": [%d],\n"
	         " \"connect_time_ms\": {\"count\": %d, \"mean\": 1, \"p50\": 1, \"p90\": 1, \"p99\": %g, \"p999\": %g,"
	         " \"max\": %g, \"histogram\": {\"bin_ms\": %g, \"bins\": [%s]}},\n"
	         " \"server\": {\"accepted\": 3, \"max_accept_queue\": 9},\n"
	         " \"counters\": {\"ListenOverflows\": %d, \"ListenDrops\": %d}}\n",
	         attempts, connected, attempts - connected, connected, connected, p99, p99, p99, bin_ms, bins, overflows,
	         overflows);
	return put(dir, name, text);
}

static struct cmp_side load(const char *path)
{
	struct cmp_side s;
	char msg[CMP_MSG_MAX];
	cr_assert_eq(cmp_side_load(&s, path, msg, sizeof(msg)), 0, "%s", msg);
	return s;
}

Test(compare, identical_summaries_are_within)
{
	char *d = temp_dir();
	char *a = summary(d, "a.json", 100, 90, "[0, 60], [1000, 30]", 10, 1003, 80);
	struct cli_result r = run_cli("compare", a, a, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "verdict: within tolerances"), "%s", r.out);
	cr_assert(strstr(r.out, "KS distance                    0.0000"), "%s", r.out);
	done(d);
}

Test(compare, ks_distance_of_known_histograms)
{
	char *d = temp_dir();
	/* A: half at 0-10 ms, half at 1000-1010 ms; B: all at 0-10 ms */
	struct cmp_side a = load(summary(d, "a.json", 100, 100, "[0, 50], [1000, 50]", 10, 1005, 0));
	struct cmp_side b = load(summary(d, "b.json", 100, 100, "[0, 100]", 10, 5, 0));
	cr_assert_float_eq(cmp_ks_distance(&a, &b, 0), 0.5, 1e-12);
	cr_assert_float_eq(cmp_ks_distance(&b, &a, 0), 0.5, 1e-12);
	cr_assert_float_eq(cmp_ks_distance(&a, &a, 0), 0, 1e-12);
	/* different widths: [0,10) against [0,20): CDFs 1 vs 0.5 at 10 ms */
	struct cmp_side c = load(summary(d, "c.json", 10, 10, "[0, 10]", 10, 5, 0));
	struct cmp_side e = load(summary(d, "e.json", 10, 10, "[0, 10]", 20, 5, 0));
	cr_assert_float_eq(cmp_ks_distance(&c, &e, 0), 0.5, 1e-12);
	/* on a 20 ms grid they agree */
	cr_assert_float_eq(cmp_ks_distance(&c, &e, 20), 0, 1e-12);
	/* the CDF spreads a bin's values evenly */
	cr_assert_float_eq(cmp_bins_cdf(&e.hist, 5), 0.25, 1e-12);
	cmp_side_fini(&a);
	cmp_side_fini(&b);
	cmp_side_fini(&c);
	cmp_side_fini(&e);
	done(d);
}

Test(compare, tolerances_decide_the_status)
{
	char *d = temp_dir();
	char *a = summary(d, "a.json", 100, 100, "[0, 50], [1000, 50]", 10, 1005, 100);
	char *b = summary(d, "b.json", 100, 100, "[0, 100]", 10, 5, 80);
	/* KS 0.5, p99 differs by 1000 ms, counters by 0.2 */
	struct cli_result r = run_cli("compare", a, b, NULL);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "verdict: OUTSIDE tolerances (2 checks)"), "%s", r.out);
	cr_assert(strstr(r.out, "  KS: distance 0.5000 > 0.1 (--tol-ks)"), "%s", r.out);
	cr_assert(strstr(r.out, "  p99: |1005.000 - 5.000| = 1000.000 ms > 250 ms (--tol-p99-ms)"), "%s", r.out);
	r = run_cli("compare", a, b, "--tol-ks", "0.6", "--tol-p99-ms", "off", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	r = run_cli("compare", a, b, "--tol-ks", "0.6", "--tol-p99-ms", "off", "--tol-counters", "0.1", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "ListenOverflows: 100 vs 80: |A - B| / max = 0.200 > 0.1 (--tol-counters)"), "%s", r.out);
	/* --tol-counters-abs: a difference of 20 passes at 20, not at 19 */
	r = run_cli("compare", a, b, "--tol-ks", "0.6", "--tol-p99-ms", "off", "--tol-counters", "0.1",
	            "--tol-counters-abs", "20", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	r = run_cli("compare", a, b, "--tol-ks", "0.6", "--tol-p99-ms", "off", "--tol-counters", "0.1",
	            "--tol-counters-abs", "19", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	/* outcome fractions: 0.9 vs 0.8 connected */
	char *c = summary(d, "c.json", 100, 90, "[0, 90]", 10, 5, 0);
	char *e = summary(d, "e.json", 100, 80, "[0, 80]", 10, 5, 0);
	r = run_cli("compare", c, e, NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "connected_frac: |0.9000 - 0.8000| = 0.1000 > 0.05 (--tol-frac)"), "%s", r.out);
	cr_assert(strstr(r.out, "timed_out_frac: |0.1000 - 0.2000| = 0.1000 > 0.05 (--tol-frac)"), "%s", r.out);
	r = run_cli("compare", c, e, "--tol-frac", "0.1", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	done(d);
}

Test(compare, durations_file_against_a_summary_and_another_file)
{
	char *d = temp_dir();
	char *sum = summary(d, "s.json", 4, 4, "[0, 3], [1000, 1]", 10, 1005, 0);
	char *m = put(d, "m.txt", "# measured connect times, ms\n0.5\n  0.7  \n\n0.9 # fast\n1005\n");
	struct cmp_side a = load(m), b = load(sum);
	cr_assert_eq(a.kind, CMP_DURATIONS);
	cr_assert_eq(a.n_values, 4);
	cr_assert_float_eq(a.p50, 0.7, 1e-12);  /* nearest rank: ceil(0.5 * 4) = 2nd */
	cr_assert_float_eq(a.p99, 1005, 1e-12);
	cr_assert_float_eq(cmp_ks_distance(&a, &b, 0), 0, 1e-12);
	/* two durations files: the exact two-sample statistic */
	struct cmp_side x = load(put(d, "x.txt", "1\n2\n3\n4\n")), y = load(put(d, "y.txt", "3\n4\n5\n6\n"));
	cr_assert_float_eq(cmp_ks_distance(&x, &y, 0), 0.5, 1e-12);
	struct cli_result r = run_cli("compare", m, sum, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "(durations)"), "%s", r.out);
	cmp_side_fini(&a);
	cmp_side_fini(&b);
	cmp_side_fini(&x);
	cmp_side_fini(&y);
	done(d);
}

Test(compare, kcheck_summaries_load)
{
	char *d = temp_dir();
	/* kcheck writes counts without *_frac, a kernel release, fewer counters */
	char *k = put(d, "k.json",
	              "{\"schema_version\": 1, \"tool\": \"kcheck\", \"kernel\": \"6.18.44\", \"attempts\": 60,"
	              " \"outcomes\": {\"connected\": 9, \"timed_out\": 51, \"in_progress\": 0},"
	              " \"connected_by_syns\": [9],"
	              " \"connect_time_ms\": {\"count\": 9, \"mean\": 0.07, \"p50\": 0.064, \"p90\": 0.1, \"p99\": 0.1,"
	              " \"p999\": 0.1, \"max\": 0.1, \"histogram\": {\"bin_ms\": 10, \"bins\": [[0, 9]]}},"
	              " \"counters\": {\"ListenOverflows\": 408}}");
	char *s = summary(d, "s.json", 60, 9, "[0, 9]", 10, 0.1, 408);
	struct cli_result r = run_cli("compare", k, s, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "(kcheck, kernel 6.18.44)"), "%s", r.out);
	cr_assert(strstr(r.out, "(tcpqsim, profile linux-6.18)"), "%s", r.out);
	cr_assert(strstr(r.out, "only in B (not compared): ListenDrops"), "%s", r.out);
	done(d);
}

Test(compare, bad_input_is_one_line_and_status_2)
{
	char *d = temp_dir();
	char *ok = summary(d, "ok.json", 10, 10, "[0, 10]", 10, 5, 0);
	struct {
		const char *name, *text, *want;
	} cases[] = {
	    {"words.txt", "1.5\n2\nabc\n", "words.txt: line 3: expected one duration in ms (a number >= 0) per line, got \"abc\""},
	    {"neg.txt", "-1\n", "neg.txt: line 1: expected one duration in ms (a number >= 0) per line, got \"-1\""},
	    {"empty.txt", "# nothing\n\n", "empty.txt: expected connect durations in ms, one per line, got no number"},
	    {"scenario.json", "{\"name\": \"x\", \"duration_s\": 1}",
	     "scenario.json: (document): expected a summary.json (with \"attempts\" and \"connect_time_ms\"), got an "
	     "object without \"attempts\""},
	    {"bins.json",
	     "{\"attempts\": 1, \"connect_time_ms\": {\"count\": 1, \"mean\": 1, \"p50\": 1, \"p90\": 1, \"p99\": 1,"
	     " \"p999\": 1, \"max\": 1, \"histogram\": {\"bin_ms\": 10, \"bins\": [[0, 1, 2]]}}}",
	     "bins.json: connect_time_ms.histogram.bins[0]: expected [lower_ms >= 0, count >= 0], got"},
	    {"width.json",
	     "{\"attempts\": 1, \"connect_time_ms\": {\"count\": 1, \"mean\": 1, \"p50\": 1, \"p90\": 1, \"p99\": 1,"
	     " \"p999\": 1, \"max\": 1, \"histogram\": {\"bin_ms\": 0, \"bins\": []}}}",
	     "width.json: connect_time_ms.histogram.bin_ms: expected a number > 0, got"},
	    {"outcome.json",
	     "{\"attempts\": 1, \"outcomes\": {\"connected\": \"many\"}, \"connect_time_ms\": {\"count\": 1}}",
	     "outcome.json: outcomes.connected: expected a non-negative number, got"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = put(d, cases[i].name, cases[i].text);
		struct cli_result r = run_cli("compare", p, ok, NULL);
		cr_assert_eq(r.status, 2, "%s: status %d: %s%s", cases[i].name, r.status, r.out, r.err);
		cr_assert(strstr(r.err, cases[i].want), "%s: %s", cases[i].name, r.err);
		cr_assert(strncmp(r.err, "tcpqsim: ", 9) == 0, "%s", r.err);
		cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line: %s", r.err);
		cr_assert_eq(r.out[0], '\0', "nothing on stdout: %s", r.out);
	}
	struct cli_result r = run_cli("compare", "/nonexistent/x.json", ok, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "/nonexistent/x.json"), "%s", r.err);
	r = run_cli("compare", ok, NULL);
	cr_assert_eq(r.status, 2);
	r = run_cli("compare", ok, ok, "--tol-ks", "lots", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--tol-ks: expected a number >= 0 or \"off\", got \"lots\""), "%s", r.err);
	r = run_cli("compare", "--help", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "usage: tcpqsim compare"));
	done(d);
}

Test(compare, rank_orders_points_by_distance)
{
	char *d = temp_dir();
	char sub[600];
	/* measured: everything near 1000 ms */
	char *m = put(d, "measured.txt", "1001\n1002\n1003\n1004\n");
	/* folders of summaries: far (all at 0), near (all at 1000), half */
	const char *names[] = {"far", "near", "half"};
	const char *bins[] = {"[0, 4]", "[1000, 4]", "[0, 2], [1000, 2]"};
	for (int i = 0; i < 3; i++) {
		snprintf(sub, sizeof(sub), "%s/sweep/%s", d, names[i]);
		char cmd[700];
		snprintf(cmd, sizeof(cmd), "mkdir -p %s", sub);
		cr_assert_eq(system(cmd), 0);
		summary(sub, "summary.json", 4, 4, bins[i], 10, 1000, 0);
	}
	snprintf(sub, sizeof(sub), "%s/sweep", d);
	struct cli_result r = run_cli("compare", m, sub, "--rank", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	char *near = strstr(r.out, "near/summary.json"), *half = strstr(r.out, "half/summary.json"),
	     *far = strstr(r.out, "far/summary.json");
	cr_assert(near && half && far && near < half && half < far, "%s", r.out);
	cr_assert(strstr(r.out, "   1   0.0000"), "%s", r.out);
	cr_assert(strstr(r.out, "   2   0.5000"), "%s", r.out);
	cr_assert(strstr(r.out, "   3   1.0000"), "%s", r.out);
	r = run_cli("compare", m, sub, "--rank", "--top", "1", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(!strstr(r.out, "far/summary.json"), "%s", r.out);
	cr_assert(strstr(r.out, "(2 more)"), "%s", r.out);
	/* a sweep folder: points/point-*.json, each {"point": {...}} and the merged
	 * document of its replications (numbers as {"mean", ...}, no bins), so
	 * the distance is taken at its percentiles */
	snprintf(sub, sizeof(sub), "%s/sweep2/points", d);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", sub);
	cr_assert_eq(system(cmd), 0);
	put(sub, "point-00000.json",
	    "{\"point\": {\"index\": 0, \"values\": {\"server.backlog\": 8}}, \"kind\": \"replications\","
	    " \"attempts\": {\"mean\": 4, \"ci95\": 0, \"sd\": 0, \"n\": 2},"
	    " \"outcomes\": {\"connected\": {\"mean\": 4, \"n\": 2}},"
	    " \"connect_time_ms\": {\"count\": {\"mean\": 4}, \"mean\": {\"mean\": 1}, \"p50\": {\"mean\": 1},"
	    " \"p90\": {\"mean\": 1}, \"p99\": {\"mean\": 1}, \"p999\": {\"mean\": 1}, \"max\": {\"mean\": 1},"
	    " \"histogram\": {\"bin_ms\": {\"mean\": 10}}}}");
	put(sub, "point-00001.json",
	    "{\"point\": {\"index\": 1, \"values\": {\"server.backlog\": 64}}, \"kind\": \"replications\","
	    " \"attempts\": {\"mean\": 4, \"ci95\": 0, \"sd\": 0, \"n\": 2},"
	    " \"outcomes\": {\"connected\": {\"mean\": 4, \"n\": 2}},"
	    " \"connect_time_ms\": {\"count\": {\"mean\": 4}, \"mean\": {\"mean\": 1002}, \"p50\": {\"mean\": 1002},"
	    " \"p90\": {\"mean\": 1004}, \"p99\": {\"mean\": 1004}, \"p999\": {\"mean\": 1004}, \"max\": {\"mean\": 1004},"
	    " \"histogram\": {\"bin_ms\": {\"mean\": 10}}}}");
	snprintf(sub, sizeof(sub), "%s/sweep2", d);
	r = run_cli("compare", m, sub, "--rank", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	char *p1 = strstr(r.out, "point-00001.json  (server.backlog=64)"), *p0 = strstr(r.out, "point-00000.json");
	cr_assert(p1 && p0 && p1 < p0, "%s", r.out);
	/* measured 1001..1004 against the point's percentiles: at p50 = 1002
	 * both CDFs are 0.5, at p90 = ... = max = 1004 both are 1 */
	cr_assert(strstr(r.out, "   1   0.0000"), "%s", r.out);
	cr_assert(strstr(r.out, "   2   1.0000"), "%s", r.out);
	/* an empty folder is bad input */
	snprintf(sub, sizeof(sub), "%s/empty", d);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", sub);
	cr_assert_eq(system(cmd), 0);
	r = run_cli("compare", m, sub, "--rank", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "expected a sweep output folder"), "%s", r.err);
	done(d);
}

/* A sweep built around a known point: a path losing 10% of the segments
 * to the server, swept over the loss rate.  The measured run is that point
 * with another seed.  Ranked on the pooled histograms the point files keep,
 * the 0.1 point comes first; on the percentiles alone (what the point files
 * held before) every point tied at 0.5 and the first listed won. */
Test(compare, rank_picks_the_known_point_of_a_sweep, .timeout = 120)
{
	char *d = temp_dir();
	put(d, "base.json",
	    "{\"duration_s\": 20,\n"
	    " \"server\": {\"backlog\": 4096, \"acceptor\": {\"kind\": \"rate\", \"rate_per_s\": 5000, \"process\": "
	    "\"exponential\"}},\n"
	    " \"clients\": {\"sysctl\": {\"tcp_syn_linear_timeouts\": 0}, \"arrival\": {\"kind\": \"poisson\", "
	    "\"rate_per_s\": 200},\n"
	    "             \"after_connect\": {\"kind\": \"hold\", \"hold_s\": 0.1}},\n"
	    " \"network\": {\"one_way_delay_ms\": 5, \"loss_to_server\": 0.1}}\n");
	char *sw = put(d, "sweep.json",
	               "{\"base\": \"base.json\", \"seed\": 1, \"replications\": 2,\n"
	               " \"grid\": {\"network.loss_to_server\": [0.02, 0.05, 0.1, 0.2, 0.3, 0.4]}}\n");
	char out[600], meas[600], base[600];
	snprintf(out, sizeof(out), "%s/sw", d);
	snprintf(meas, sizeof(meas), "%s/meas", d);
	snprintf(base, sizeof(base), "%s/base.json", d);
	struct cli_result r = run_cli("sweep", sw, "-j", "2", "-q", "-o", out, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	r = run_cli("run", base, "--seed", "7", "-q", "-o", meas, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* the point files keep the replications' pooled histogram */
	char p0[700];
	snprintf(p0, sizeof(p0), "%s/points/point-00002.json", out);
	char *t = read_text(p0);
	cJSON *pt = cJSON_Parse(t);
	free(t);
	const cJSON *bins = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(pt, "connect_time_ms"),
	                                                             "histogram"),
	                                        "bins");
	cr_assert(cJSON_GetArraySize(bins) > 3, "no pooled bins in %s", p0);
	double pooled = 0;
	for (const cJSON *e = bins->child; e; e = e->next)
		pooled += cJSON_GetArrayItem(e, 1)->valuedouble;
	double count = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(pt, "connect_time_ms"), "count"),
	                                   "mean")
	                   ->valuedouble;
	cr_assert_float_eq(pooled, 2 * count, 1e-6, "pooled %g, 2 x mean count %g", pooled, count);
	cJSON_Delete(pt);
	snprintf(meas, sizeof(meas), "%s/meas/summary.json", d);
	char plot[700];
	snprintf(plot, sizeof(plot), "%s/plot", d);
	setenv("TCPQSIM_PLOTS", "plots", 1);
	r = run_cli("compare", meas, out, "--rank", "--plot", plot, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* the overlay: the measurement and the three nearest points */
	char tsv[800];
	snprintf(tsv, sizeof(tsv), "%s/cdf.tsv", plot);
	t = read_text(tsv);
	cr_assert_not_null(t, "no %s", tsv);
	cr_assert(strncmp(t, "t_s\tmeasured\t#1 KS ", strlen("t_s\tmeasured\t#1 KS ")) == 0, "%.200s", t);
	free(t);
	snprintf(tsv, sizeof(tsv), "%s/cdf.png", plot);
	struct stat st;
	cr_assert(stat(tsv, &st) == 0 && st.st_size > 1000, "no %s", tsv);
	const char *first = strstr(r.out, "\n   1 ");
	cr_assert_not_null(first, "%s", r.out);
	const char *eol = strchr(first + 1, '\n');
	cr_assert(strstr(first, "(network.loss_to_server=0.1)") && strstr(first, "(network.loss_to_server=0.1)") < eol,
	          "%s", r.out);
	/* no two points tie */
	double ks[6];
	const char *p = r.out;
	for (int i = 0; i < 6; i++) {
		char key[32];
		snprintf(key, sizeof(key), "\n   %d ", i + 1);
		p = strstr(p, key);
		cr_assert_not_null(p, "%s", r.out);
		cr_assert_eq(sscanf(p + strlen(key), "%lf", &ks[i]), 1);
		if (i > 0)
			cr_assert_gt(ks[i], ks[i - 1], "rank %d ties rank %d:\n%s", i + 1, i, r.out);
	}
	done(d);
}
