/* test_replicate.c: replications: the merge's statistics (known answers),
 * independence from the number of workers, replication 0 = a plain run,
 * confidence intervals that shrink with R, and misuse. */
#include <criterion/criterion.h>

#include <math.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_cdf.h>

#include "cli_helpers.h"
#include "app/replicate.h"

#define SEED 11

/* a second of Poisson arrivals against a small backlog: noisy, quick */
static const char scenario_text[] =
    "{\"name\": \"rep\", \"duration_s\": 1, \"seed\": 11,\n"
    " \"server\": {\"backlog\": 8, \"acceptor\": {\"kind\": \"rate\", \"rate_per_s\": 150, \"process\": \"exponential\"}},\n"
    " \"clients\": {\"arrival\": {\"kind\": \"poisson\", \"rate_per_s\": 200},\n"
    "             \"after_connect\": {\"kind\": \"hold\", \"hold_s\": 0.1}},\n"
    " \"network\": {\"one_way_delay_ms\": 0.5}}\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static cJSON *load_json(const char *path)
{
	char *t = read_text(path);
	cr_assert_not_null(t, "no %s", path);
	cJSON *doc = cJSON_Parse(t);
	free(t);
	cr_assert_not_null(doc, "%s is not JSON", path);
	return doc;
}

static double stat_field(const cJSON *doc, const char *path, const char *field)
{
	const cJSON *s = replicate_find(doc, path);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, field);
	cr_assert(cJSON_IsNumber(v), "%s.%s is not a number (seed %d)", path, field, SEED);
	return v->valuedouble;
}

Test(replicate, stat_is_mean_and_student_t_half_width)
{
	double v[] = {1, 2, 3, 4};
	cJSON *s = replicate_stat(v, 4);
	/* sd = sqrt(5/3); t(0.975, 3) = 3.182446305284263 (tables: 3.182) */
	double sd = sqrt(5.0 / 3.0);
	double ci = 3.182446305284263 * sd / 2;
	cr_assert_float_eq(cJSON_GetObjectItem(s, "mean")->valuedouble, 2.5, 1e-12);
	cr_assert_float_eq(cJSON_GetObjectItem(s, "sd")->valuedouble, sd, 1e-9);
	cr_assert_float_eq(cJSON_GetObjectItem(s, "ci95")->valuedouble, ci, 1e-9);
	cr_assert_eq(cJSON_GetObjectItem(s, "n")->valuedouble, 4);
	cJSON_Delete(s);
	/* one value: no interval */
	s = replicate_stat(v, 1);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(s, "ci95")));
	cr_assert_eq(cJSON_GetObjectItem(s, "mean")->valuedouble, 1);
	cJSON_Delete(s);
	/* equal values: exactly that value, no spread */
	double w[] = {0.2, 0.2, 0.2};
	s = replicate_stat(w, 3);
	cr_assert_eq(cJSON_GetObjectItem(s, "mean")->valuedouble, 0.2);
	cr_assert_eq(cJSON_GetObjectItem(s, "ci95")->valuedouble, 0);
	cJSON_Delete(s);
}

Test(replicate, merge_walks_every_number_but_identity_and_run)
{
	cJSON *a = cJSON_Parse("{\"schema_version\": 1, \"tool\": \"tcpqsim\", \"scenario\": {\"name\": \"x\", \"duration_s\": 1},"
	                       " \"seed\": 7, \"replication\": 0, \"attempts\": 10,"
	                       " \"outcomes\": {\"connected\": 8, \"label\": \"text\"}, \"connected_by_syns\": [5, 3],"
	                       " \"connect_time_ms\": {\"p99\": 1000, \"histogram\": {\"bins\": [[0, 5], [1000, 3]]}},"
	                       " \"run\": {\"wall_s\": 0.25}}");
	cJSON *b = cJSON_Parse("{\"schema_version\": 1, \"tool\": \"tcpqsim\", \"scenario\": {\"name\": \"x\", \"duration_s\": 1},"
	                       " \"seed\": 7, \"replication\": 1, \"attempts\": 12,"
	                       " \"outcomes\": {\"connected\": 12, \"label\": \"text\"}, \"connected_by_syns\": [12],"
	                       " \"connect_time_ms\": {\"p99\": 0.5, \"histogram\": {\"bins\": [[0, 12]]}},"
	                       " \"run\": {\"wall_s\": 0.5}, \"extra\": {\"only_here\": 4}}");
	cr_assert(a && b);
	cJSON *docs[] = {a, b};
	cJSON *m = replicate_merge(docs, 2);
	cr_assert_not_null(m);
	cr_assert_eq(stat_field(m, "attempts", "mean"), 11);
	cr_assert_eq(stat_field(m, "outcomes.connected", "mean"), 10);
	cr_assert_eq(stat_field(m, "connect_time_ms.p99", "mean"), 500.25);
	/* count lists leave out trailing zeros: a missing element is 0 */
	cr_assert_eq(stat_field(m, "connected_by_syns[0]", "mean"), 8.5);
	cr_assert_eq(stat_field(m, "connected_by_syns[1]", "mean"), 1.5);
	cr_assert_eq(stat_field(m, "connected_by_syns[1]", "n"), 2);
	/* a field only one replication has: n says so */
	cr_assert_eq(stat_field(m, "extra.only_here", "n"), 1);
	/* not statistics: identity, run, strings, histogram bins */
	cr_assert_null(cJSON_GetObjectItem(m, "run"));
	cr_assert_null(cJSON_GetObjectItem(m, "replication"));
	cr_assert_null(replicate_find(m, "outcomes.label"));
	cr_assert_null(replicate_find(m, "connect_time_ms.histogram.bins"));
	cr_assert_eq(cJSON_GetObjectItem(m, "replications")->valuedouble, 2);
	cr_assert_eq(cJSON_GetObjectItem(m, "seed")->valuedouble, 7);
	cr_assert_str_eq(cJSON_GetObjectItem(m, "kind")->valuestring, "replications");
	cr_assert_str_eq(replicate_find(m, "scenario.name")->valuestring, "x");
	cJSON_Delete(m);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

/* summary text without its "run" object */
static char *without_run(const char *path)
{
	cJSON *doc = load_json(path);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "run");
	char *t = cJSON_Print(doc);
	cJSON_Delete(doc);
	return t;
}

Test(replicate, result_does_not_depend_on_workers)
{
	char *tmp = temp_dir();
	char dir[256], scen[300], a[300], b[300], plain[300], p1[400], p2[400];
	snprintf(dir, sizeof(dir), "%s", tmp);
	snprintf(scen, sizeof(scen), "%s/rep.json", dir);
	write_file(scen, scenario_text);
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(plain, sizeof(plain), "%s/plain", dir);
	struct cli_result r = run_cli("run", scen, "--replications", "5", "-j", "1", "-o", a, "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	r = run_cli("run", scen, "--replications", "5", "-j", "3", "-o", b, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "5 replications") && strstr(r.out, "attempts"), "%s", r.out);
	snprintf(p1, sizeof(p1), "%s/summary.json", a);
	snprintf(p2, sizeof(p2), "%s/summary.json", b);
	char *ta = read_text(p1), *tb = read_text(p2);
	cr_assert(ta && tb);
	cr_assert_str_eq(ta, tb, "merged summaries differ between -j 1 and -j 3 (seed %d)", SEED);
	free(ta);
	free(tb);
	snprintf(p1, sizeof(p1), "%s/replications", a);
	cr_assert_eq(count_entries(p1), 5);
	/* replication 0 is the plain run */
	r = run_cli("run", scen, "-o", plain, "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(p1, sizeof(p1), "%s/replications/rep-000.json", b);
	snprintf(p2, sizeof(p2), "%s/summary.json", plain);
	char *r0 = without_run(p1), *pl = without_run(p2);
	cr_assert_str_eq(r0, pl, "replication 0 differs from the plain run (seed %d)", SEED);
	/* and the others are other draws */
	snprintf(p1, sizeof(p1), "%s/replications/rep-001.json", b);
	cJSON *r1 = load_json(p1);
	cr_assert_eq(cJSON_GetObjectItem(r1, "replication")->valuedouble, 1);
	char *t1 = without_run(p1);
	cr_assert_str_neq(t1, r0);
	cJSON_Delete(r1);
	free(t1);
	free(r0);
	free(pl);
	/* a shorter run removes the replications it did not make */
	r = run_cli("run", scen, "--replications", "2", "-j", "2", "-o", b, "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(p1, sizeof(p1), "%s/replications", b);
	cr_assert_eq(count_entries(p1), 2);
	remove_tree(dir);
}

Test(replicate, confidence_interval_shrinks_with_replications)
{
	char *tmp = temp_dir();
	char dir[256], scen[300], a[300], b[300], p[400];
	snprintf(dir, sizeof(dir), "%s", tmp);
	snprintf(scen, sizeof(scen), "%s/rep.json", dir);
	write_file(scen, scenario_text);
	snprintf(a, sizeof(a), "%s/r3", dir);
	snprintf(b, sizeof(b), "%s/r20", dir);
	cr_assert_eq(run_cli("run", scen, "--replications", "3", "-j", "2", "-o", a, "-q", NULL).status, 0);
	cr_assert_eq(run_cli("run", scen, "--replications", "20", "-j", "2", "-o", b, "-q", NULL).status, 0);
	snprintf(p, sizeof(p), "%s/summary.json", a);
	cJSON *m3 = load_json(p);
	snprintf(p, sizeof(p), "%s/summary.json", b);
	cJSON *m20 = load_json(p);
	/* Poisson arrivals at 200/s for 1 s: attempts have mean 200, sd ~14 */
	double c3 = stat_field(m3, "attempts", "ci95"), c20 = stat_field(m20, "attempts", "ci95");
	cr_assert(c20 < c3, "ci95 with 20 replications (%g) not below 3 (%g), seed %d", c20, c3, SEED);
	double mean = stat_field(m20, "attempts", "mean");
	cr_assert(fabs(mean - 200) < 3 * c20 + 1, "mean attempts %g, ci95 %g (seed %d)", mean, c20, SEED);
	double sd = stat_field(m20, "attempts", "sd");
	cr_assert(sd > 5 && sd < 30, "sd of Poisson(200) counts: %g (seed %d)", sd, SEED);
	/* the half-width is t * sd / sqrt(n) */
	double t = gsl_cdf_tdist_Pinv(0.975, 19);
	cr_assert_float_eq(c20, t * sd / sqrt(20), 1e-6 * c20);
	/* every metric of the summary is there */
	cr_assert_eq(stat_field(m20, "counters.ListenOverflows", "n"), 20);
	cr_assert_eq(stat_field(m20, "connect_time_ms.p99", "n"), 20);
	cJSON_Delete(m3);
	cJSON_Delete(m20);
	remove_tree(dir);
}

Test(replicate, misuse_exits_2)
{
	struct cli_result r = run_cli("run", "configs/default.json", "--replications", "0", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--replications: expected an integer"), "%s", r.err);
	r = run_cli("run", "configs/default.json", "--replications", "2", "--trace", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "summaries only"), "%s", r.err);
	r = run_cli("run", "configs/default.json", "-j", "2", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "-j goes with --replications"), "%s", r.err);
	r = run_cli("run", "configs/default.json", "--replications", "2", "-j", "0", NULL);
	cr_assert_eq(r.status, 2);
}
