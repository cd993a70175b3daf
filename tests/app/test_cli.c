/* test_cli.c: the command line: outputs, determinism, messages and exit
 * statuses (one bad-input file per defect in tests/data/). */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"
#include "app/commands.h"
#include "app/config.h"

static cJSON *load_summary(const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	char *t = read_text(path);
	cr_assert_not_null(t, "no %s", path);
	cJSON *doc = cJSON_Parse(t);
	free(t);
	cr_assert_not_null(doc);
	return doc;
}

static double num(const cJSON *doc, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, a);
	if (b)
		o = cJSON_GetObjectItemCaseSensitive(o, b);
	cr_assert(cJSON_IsNumber(o), "%s.%s is not a number", a, b ? b : "");
	return o->valuedouble;
}

Test(cli, a_misspelt_profile_gets_its_nearest_name)
{
	cr_assert_str_eq(config_profile_hint("linx-6.18"), "linux-6.18");
	cr_assert_null(config_profile_hint("windows-11"));
}

/* every command, from the same table cli_main dispatches on */
static const struct cli_command *const all_commands[] = {
    &cli_cmd_run,   &cli_cmd_profiles, &cli_cmd_sweep,   &cli_cmd_point,    &cli_cmd_merge,    &cli_cmd_solve,
    &cli_cmd_plot,  &cli_cmd_explain,  &cli_cmd_watch,   &cli_cmd_compare,  &cli_cmd_analytic, &cli_cmd_host_profile,
};

Test(cli, every_command_has_help_and_the_top_level_help_lists_every_option)
{
	struct cli_result top = run_cli("help", NULL);
	cr_assert_eq(top.status, 0);
	for (size_t i = 0; i < sizeof(all_commands) / sizeof(all_commands[0]); i++) {
		const struct cli_command *c = all_commands[i];
		char usage[64], heading[64];
		snprintf(usage, sizeof(usage), "usage: tcpqsim %s", c->name);
		snprintf(heading, sizeof(heading), "\n%s options:\n", c->name);
		const char *section = strstr(top.out, heading);
		cr_assert(section, "tcpqsim help has no \"%s options:\" section", c->name);
		const char *end = strstr(section + strlen(heading), " options:\n");
		for (const char *flag = "--help"; flag; flag = strcmp(flag, "--help") == 0 ? "-h" : NULL) {
			struct cli_result r = run_cli(c->name, flag, NULL);
			cr_assert_eq(r.status, 0, "%s %s: status %d: %s", c->name, flag, r.status, r.err);
			cr_assert(strncmp(r.out, usage, strlen(usage)) == 0, "%s %s: %s", c->name, flag, r.out);
			for (const struct cli_option *o = c->options; o->name; o++)
				cr_assert(strstr(r.out, o->name), "%s %s does not list %s", c->name, flag, o->name);
		}
		for (const struct cli_option *o = c->options; o->name; o++) {
			const char *at = strstr(section, o->name);
			cr_assert(at && (!end || at < end), "tcpqsim help does not list %s %s", c->name, o->name);
		}
	}
}

/* an option the table gives is taken; one it lacks is refused, with the
 * name and --name=VALUE forms alike */
Test(cli, options_come_from_the_table)
{
	struct cli_result r = run_cli("profiles", "--nonsense", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "unknown option --nonsense"), "%s", r.err);
	r = run_cli("run", "configs/default.json", "--out", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--out needs DIR"), "%s", r.err);
	r = run_cli("run", "configs/default.json", "--quiet=yes", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--quiet takes no value"), "%s", r.err);
	r = run_cli("explain", "configs/classroom/01-handshake.json", "--conn=0", "--seed=3", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
}

Test(cli, help_goes_to_stdout_with_status_0)
{
	struct cli_result r = run_cli("help", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "usage: tcpqsim"));
	r = run_cli("frobnicate", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "tcpqsim: unknown command \"frobnicate\""), "%s", r.err);
}

Test(cli, seed_experiment_gives_nine_and_writes_summary)
{
	char *dir = temp_dir();
	char out[256];
	snprintf(out, sizeof(out), "%s/seed", dir);
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-o", out, "--attempts", "--trace", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cJSON *doc = load_summary(out);
	cr_assert_eq(num(doc, "attempts", NULL), 400);
	cr_assert_eq(num(doc, "outcomes", "connected"), 9);
	cr_assert_eq(num(doc, "outcomes", "timed_out"), 391);
	cr_assert_eq(num(doc, "server", "connected_never_accepted"), 9);
	cr_assert_eq(num(doc, "counters", "ListenOverflows"), 391 * 8);
	cr_assert_eq(num(doc, "schema_version", NULL), 1);
	/* the resolved scenario has every default filled in */
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(doc, "scenario");
	cr_assert_eq(num(cJSON_GetObjectItemCaseSensitive(sc, "server"), "sysctl", "tcp_max_syn_backlog"), 4096);
	cJSON_Delete(doc);
	char path[512];
	snprintf(path, sizeof(path), "%s/attempts.jsonl", out);
	char *t = read_text(path);
	cr_assert_not_null(t);
	int lines = 0;
	for (char *p = t; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 400);
	free(t);
	snprintf(path, sizeof(path), "%s/trace.jsonl", out);
	t = read_text(path);
	cr_assert(t && strstr(t, "\"event\":\"drop\""));
	free(t);
	/* summary, series, histogram, tcpsynbl, attempts, trace: no temporaries */
	cr_assert_eq(count_entries(out), 6);
	remove_tree(dir);
}

/* the summary without its "run" object */
static char *summary_without_run(const char *dir)
{
	cJSON *doc = load_summary(dir);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "run");
	char *t = cJSON_Print(doc);
	cJSON_Delete(doc);
	return t;
}

Test(cli, same_config_and_seed_give_identical_outputs)
{
	char *dir = temp_dir();
	char a[256], b[256], c[256];
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(c, sizeof(c), "%s/c", dir);
	cr_assert_eq(run_cli("run", "configs/default.json", "-q", "-o", a, "--attempts", NULL).status, 0);
	cr_assert_eq(run_cli("run", "configs/default.json", "-q", "-o", b, "--attempts", NULL).status, 0);
	cr_assert_eq(run_cli("run", "configs/default.json", "-q", "-o", c, "--seed", "2", NULL).status, 0);
	char *sa = summary_without_run(a), *sb = summary_without_run(b), *sc = summary_without_run(c);
	cr_assert_str_eq(sa, sb);
	cr_assert_str_neq(sa, sc);
	char pa[512], pb[512];
	const char *files[] = {"attempts.jsonl", "series.tsv"};
	for (int i = 0; i < 2; i++) {
		snprintf(pa, sizeof(pa), "%s/%s", a, files[i]);
		snprintf(pb, sizeof(pb), "%s/%s", b, files[i]);
		char *ta = read_text(pa), *tb = read_text(pb);
		cr_assert(ta && tb);
		cr_assert_str_eq(ta, tb, "%s differs", files[i]);
		free(ta);
		free(tb);
	}
	free(sa);
	free(sb);
	free(sc);
	remove_tree(dir);
}

Test(cli, set_overrides_any_field)
{
	char *dir = temp_dir();
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-q", "-o", dir, "--set", "server.backlog=1000",
	                              "--set", "server.sysctl.somaxconn=32", "--set", "duration_s=5", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* listen(1000) with somaxconn 32: 33, and the Redis-style warning */
	cr_assert(strstr(r.err, "backlog 1000") && strstr(r.err, "somaxconn is set to the lower value of 32"), "%s",
	          r.err);
	cJSON *doc = load_summary(dir);
	cr_assert_eq(num(doc, "outcomes", "connected"), 33);
	cJSON_Delete(doc);
	remove_tree(dir);
	r = run_cli("run", "configs/seed-experiment.json", "-o", dir,
	            "--set", "clients.arrival={\"kind\":\"poisson\",\"rate_per_s\":\"x\"}", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "configs/seed-experiment.json: clients.arrival.rate_per_s: expected a number, got string \"x\""),
	          "%s", r.err);
}

struct bad_case {
	const char *file;
	const char *message;
};

static void check_bad(const struct bad_case *c)
{
	char *dir = temp_dir();
	char out[256];
	snprintf(out, sizeof(out), "%s/out", dir);
	struct cli_result r = run_cli("run", c->file, "-o", out, NULL);
	cr_assert_eq(r.status, 2, "%s: status %d", c->file, r.status);
	cr_assert(strstr(r.err, c->message), "%s: got message: %s", c->file, r.err);
	/* one line, prefixed with the program name */
	cr_assert_eq(strncmp(r.err, "tcpqsim: ", 9), 0, "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "%s: more than one line: %s", c->file, r.err);
	cr_assert_eq(count_entries(dir), 0, "%s: something was written", c->file);
	remove_tree(dir);
}

Test(cli, bad_inputs_name_file_path_and_expectation)
{
	struct bad_case cases[] = {
	    {"tests/data/malformed_json.json", "tests/data/malformed_json.json:2:26: malformed JSON"},
	    {"tests/data/wrong_type.json", "tests/data/wrong_type.json: server.backlog: expected an integer, got string \"eight\""},
	    {"tests/data/unknown_key.json", "tests/data/unknown_key.json: server.backlgo: unknown key (did you mean \"backlog\"?)"},
	    {"tests/data/out_of_range.json", "tests/data/out_of_range.json: server.sysctl.tcp_syncookies: expected an integer in [0, 2], got 3"},
	    {"tests/data/negative_duration.json", "tests/data/negative_duration.json: duration_s: expected a number in"},
	    {"tests/data/number_too_large.json", "clients.sysctl.tcp_syn_retries: expected an integer"},
	    {"tests/data/unknown_profile.json", "server.kernel: expected a profile name (tcpqsim profiles), got \"linux-6.81\""},
	    {"tests/data/duplicate_key.json", "tests/data/duplicate_key.json: server.backlog: duplicate key"},
	    {"tests/data/name_escapes_output_dir.json", "name: expected a name of letters"},
	    {"tests/data/bad_enum.json", "clients.arrival.kind: expected \"constant\" or \"poisson\""},
	    {"tests/data/zero_workers.json", "server.acceptor.count: expected an integer in [1, 1000000], got 0"},
	    {"tests/data/not_an_object.json", "expected a JSON object (a scenario), got an array"},
	    {"tests/data/empty_file.json", "tests/data/empty_file.json:1:1: malformed JSON"},
	    {"tests/data/no_such_file.json", "tests/data/no_such_file.json: cannot read: No such file or directory"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_bad(&cases[i]);
}

Test(cli, misuse_exits_2_with_a_hint)
{
	struct cli_result r = run_cli("run", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "run needs a scenario file") && strstr(r.err, "try 'tcpqsim help'"));
	r = run_cli("run", "configs/default.json", "--bogus", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "unknown option --bogus"));
	r = run_cli("run", "configs/default.json", "--seed", "x", NULL);
	cr_assert_eq(r.status, 2);
	r = run_cli("run", "configs/default.json", "--set", "nodot", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "expected PATH=VALUE"), "%s", r.err);
}

Test(cli, unwritable_output_folder_exits_2)
{
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-o", "/proc/tcpqsim-cannot", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "/proc/tcpqsim-cannot: cannot write the output folder"), "%s", r.err);
}

Test(cli, profiles_lists_and_explains)
{
	struct cli_result r = run_cli("profiles", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "linux-2.6.32") && strstr(r.out, "freebsd-14"));
	r = run_cli("profiles", "linux-2.6.32", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "syn_on_full_accept") && strstr(r.out, "young") && strstr(r.out, "tcp_conn_request"));
	r = run_cli("profiles", "linux-6.81", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "did you mean \"linux-6.1\"") || strstr(r.err, "did you mean \"linux-6.18\""));
}

Test(cli, replayed_arrivals_and_empirical_service_from_files)
{
	char *dir = temp_dir();
	struct cli_result r = run_cli("run", "tests/fixtures/replay.json", "-q", "-o", dir, "--attempts", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cJSON *doc = load_summary(dir);
	cr_assert_eq(num(doc, "attempts", NULL), 4);
	/* the resolved scenario says how many were read, and it runs again */
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "scenario"), "clients"), "arrival");
	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(arr, "arrivals")->valuedouble, 4);
	cJSON_Delete(doc);
	char path[512];
	snprintf(path, sizeof(path), "%s/attempts.jsonl", dir);
	char *t = read_text(path);
	cr_assert(strstr(t, "\"start_s\":0.100000000") && strstr(t, "\"start_s\":2.000000000"), "%s", t);
	free(t);
	remove_tree(dir);
	r = run_cli("run", "tests/fixtures/replay.json", "-q", "-o", dir, "--set", "clients.arrival.column=\"when\"", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "expected a header line naming column \"when\""), "%s", r.err);
}
