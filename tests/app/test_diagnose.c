/* test_diagnose.c: `tcpqsim diagnose` on measurements with a known cause:
 * kcheck runs on this machine's 6.18 kernel and simulator runs with known
 * parameters (tests/data/diagnose/, made by make.sh there). */
#include <criterion/criterion.h>
#include <math.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"

#define D "tests/data/diagnose/"

/* run diagnose on file (extra options after it); the diagnosis (new) */
static cJSON *diagnose(const char *file, const char *o1, const char *o2, const char *o3, const char *o4,
                       const char *o5)
{
	char *dir = temp_dir();
	char out[128];
	snprintf(out, sizeof(out), "%s", dir);
	struct cli_result r = run_cli("diagnose", file, "-q", "-o", out, o1, o2, o3, o4, o5, NULL);
	cr_assert_eq(r.status, 0, "%s: %s", file, r.err);
	char p[256];
	snprintf(p, sizeof(p), "%s/diagnosis.json", out);
	char *t = read_text(p);
	cr_assert_not_null(t, "%s: no diagnosis.json", file);
	cJSON *doc = cJSON_Parse(t);
	free(t);
	/* the candidate is a scenario the simulator runs */
	snprintf(p, sizeof(p), "%s/candidate.json", out);
	char cout[160];
	snprintf(cout, sizeof(cout), "%s/run", out);
	struct cli_result rr = run_cli("run", p, "-q", "--no-series", "-o", cout, NULL);
	cr_assert_eq(rr.status, 0, "%s: the candidate does not run: %s", file, rr.err);
	remove_tree(out);
	return doc;
}

static const char *family_of(const cJSON *d)
{
	const cJSON *f = cJSON_GetObjectItem(d, "family");
	return cJSON_IsObject(f) ? cJSON_GetObjectItem(f, "name")->valuestring : "none";
}

static const char *first_cause(const cJSON *d)
{
	return cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "causes"), 0), "cause")->valuestring;
}

struct known {
	const char *file, *family, *cause;
	int retries; /* tcp_syn_retries read from the ETIMEDOUT time, 0: not checked */
};

/* Every data set, as a durations file and as its summary: the schedule
 * family and the first-ranked cause are the ones that made it. */
Test(diagnose, recovers_the_family_and_the_cause)
{
	static const struct known cases[] = {
	    {D "kcheck-overload-linear4", "linear", "accept_queue_full", 2},
	    {D "kcheck-overload-linear0", "exponential", "accept_queue_full", 2},
	    {D "kcheck-seed-6.18", "linear", "accept_queue_full", 3},
	    {D "sim-seed-2.6.32", "old", "young_drops", 0},
	    {D "sim-lossy", "linear", "path_loss", 0},
	    {D "sim-flood-no-cookies", "linear", "syn_flood", 0},
	    {D "sim-overload-rate50", "linear", "accept_queue_full", 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int json = 0; json < 2; json++) {
			char f[256];
			snprintf(f, sizeof(f), "%s.%s", cases[i].file, json ? "json" : "txt");
			cJSON *d = diagnose(f, NULL, NULL, NULL, NULL, NULL);
			cr_expect_str_eq(family_of(d), cases[i].family, "%s", f);
			cr_expect_str_eq(first_cause(d), cases[i].cause, "%s", f);
			/* the ETIMEDOUT time: in durations files and kcheck's summaries */
			if (cases[i].retries && (!json || strstr(f, "kcheck-"))) {
				const cJSON *r = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "family"), "tcp_syn_retries");
				cr_expect(cJSON_IsNumber(r) && r->valueint == cases[i].retries, "%s: retries", f);
			}
			cJSON_Delete(d);
		}
	}
}

/* The fraction connected on each SYN, read from the connect times alone,
 * equals what kcheck measured on each socket (TCP_INFO's retransmit count)
 * and what the simulator counted. */
Test(diagnose, fraction_per_syn_matches_the_sockets)
{
	static const char *const names[] = {"kcheck-overload-linear4", "kcheck-overload-linear0", "sim-lossy",
	                                    "sim-seed-2.6.32", "sim-flood-no-cookies"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char f[256], s[256];
		snprintf(f, sizeof(f), D "%s.txt", names[i]);
		snprintf(s, sizeof(s), D "%s.json", names[i]);
		cJSON *d = diagnose(f, NULL, NULL, NULL, NULL, NULL);
		char *t = read_text(s);
		cJSON *sum = cJSON_Parse(t);
		free(t);
		double attempts = cJSON_GetObjectItem(sum, "attempts")->valuedouble;
		const cJSON *want = cJSON_GetObjectItem(sum, "connected_by_syns");
		const cJSON *got = cJSON_GetObjectItem(d, "connected_by_syn_frac");
		cr_assert_eq(cJSON_GetArraySize(got), cJSON_GetArraySize(want), "%s", names[i]);
		for (int k = 0; k < cJSON_GetArraySize(want); k++) {
			double w = cJSON_GetArrayItem(want, k)->valuedouble / attempts;
			double g = cJSON_GetArrayItem(got, k)->valuedouble;
			cr_expect_leq(fabs(w - g), 0.002, "%s: SYN #%d: sockets %g, diagnose %g", names[i], k + 1, w, g);
		}
		cJSON_Delete(sum);
		cJSON_Delete(d);
	}
}

static double fit_param(const cJSON *d, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "fit"), "params"), name);
	cr_assert(cJSON_IsNumber(v), "no fit.params.%s", name);
	return v->valuedouble;
}

/* --fit recovers the parameters the simulator ran with, within the
 * tolerances docs/diagnose.md states: the acceptor rate within 10% when the
 * summary gives the arrivals and the accept queue's peak (the backlog), within
 * 25% from connect durations alone with the arrival rate given; the loss rate
 * within 0.02. */
Test(diagnose, fit_recovers_known_parameters, .timeout = 120)
{
	cJSON *d = diagnose(D "sim-overload-rate50.json", "--fit", NULL, NULL, NULL, NULL);
	double rate = fit_param(d, "server.acceptor.rate_per_s");
	cr_expect_leq(fabs(rate - 50) / 50, 0.10, "acceptor rate %g, ran with 50", rate);
	cr_expect_leq(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "fit"), "ks")->valuedouble, 0.05);
	cJSON_Delete(d);
	d = diagnose(D "sim-overload-rate50.txt", "--fit", "--rate", "200", "--duration", "5");
	rate = fit_param(d, "server.acceptor.rate_per_s");
	cr_expect_leq(fabs(rate - 50) / 50, 0.25, "acceptor rate %g from durations, ran with 50", rate);
	cJSON_Delete(d);
	d = diagnose(D "sim-lossy.txt", "--fit", NULL, NULL, NULL, NULL);
	double loss = fit_param(d, "network.loss");
	cr_expect_leq(fabs(loss - 0.1), 0.02, "loss %g, ran with 0.1", loss);
	cJSON_Delete(d);
}

Test(diagnose, bad_input_exits_2_with_one_line)
{
	char *dir = temp_dir();
	char f[256];
	snprintf(f, sizeof(f), "%s/bad.txt", dir);
	FILE *fp = fopen(f, "w");
	fputs("12.5\n# failed ETIMEDOUT many\n", fp);
	fclose(fp);
	struct cli_result r = run_cli("diagnose", f, "-o", dir, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "line 2: expected \"# failed ERROR COUNT [AT_MS]\""), "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line: %s", r.err);
	r = run_cli("diagnose", D "sim-lossy.txt", "--cause", "gremlins", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--cause: expected accept_queue_full"), "%s", r.err);
	r = run_cli("diagnose", "/nonexistent.txt", NULL);
	cr_assert_eq(r.status, 2);
	r = run_cli("diagnose", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert_eq(count_entries(dir), 1, "nothing written beside bad.txt");
	remove_tree(dir);
}
