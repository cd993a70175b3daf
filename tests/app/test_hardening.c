/* test_hardening.c: bad inputs (one file per class in tests/data/, each with
 * its one-line message and exit status 2), the fuzzers' regression inputs
 * (tests/data/fuzz-*.json), the size estimate and its refusal, the memory
 * ceiling, and signals during a run (no partial output). */
#include <criterion/criterion.h>

#include <glob.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"
#include "app/config.h"
#include "app/runner.h"

struct bad_case {
	const char *file;
	const char *message; /* a part of the one line printed */
};

/* a private copy: temp_dir() returns a static buffer */
static void make_temp(char *buf, size_t n)
{
	char *d = temp_dir();
	cr_assert_not_null(d, "cannot make a temporary folder");
	snprintf(buf, n, "%s", d);
}

/* run FILE -o TMP/out [extra]: status 2, the message, one line, nothing written */
static void check_bad_run(const char *file, const char *message, const char *extra)
{
	char dir[256], out[300];
	make_temp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	struct cli_result r = extra ? run_cli("run", file, "-o", out, extra, NULL) : run_cli("run", file, "-o", out, NULL);
	cr_assert_eq(r.status, 2, "%s: status %d, stderr: %s", file, r.status, r.err);
	cr_assert(strstr(r.err, message), "%s: expected \"%s\", got: %s", file, message, r.err);
	cr_assert_eq(strncmp(r.err, "tcpqsim: ", 9), 0, "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "%s: not one line: %s", file, r.err);
	cr_assert_eq(count_entries(dir), 0, "%s: something was written", file);
	remove_tree(dir);
}

static void check_good_run(const char *file)
{
	char dir[256];
	make_temp(dir, sizeof(dir));
	struct cli_result r = run_cli("run", file, "-q", "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "%s: status %d, stderr: %s", file, r.status, r.err);
	char path[512];
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	char *t = read_text(path);
	cr_assert_not_null(t, "%s: no summary.json", file);
	free(t);
	remove_tree(dir);
}

Test(hardening, bad_input_classes_exit_2_with_one_line)
{
	static const struct bad_case cases[] = {
	    /* NaN and infinities: JSON has no NaN; 1e999 parses to inf */
	    {"tests/data/nan_literal.json", "tests/data/nan_literal.json:1:16: malformed JSON: expected a JSON value, got \"NaN}\""},
	    {"tests/data/infinite_duration.json", "tests/data/infinite_duration.json: duration_s: expected a finite number, got inf"},
	    {"tests/data/negative_infinity.json", "network.loss_to_server: expected a finite number, got -inf"},
	    /* numbers too large for their type */
	    {"tests/data/backlog_too_large.json",
	     "tests/data/backlog_too_large.json: server.backlog: expected an integer in [-2147483648, 2147483647], got 4294967296"},
	    {"tests/data/seed_too_large.json", "seed: expected an integer in [0, 4611686018427387904], got 9223372036854775807"},
	    {"tests/data/fractional_integer.json", "server.listeners: expected an integer, got 1.5"},
	    {"tests/data/time_too_large.json",
	     "server.acceptor.stalls[0].at_s: expected a number in [0, 1e+08], got 1000000000000"},
	    {"tests/data/distribution_too_wide.json",
	     "server.acceptor.service_ms: expected draws under 1e+11 ms (about 3 years), got a lognormal distribution "
	     "reaching about 5.18e+23 ms"},
	    {"tests/data/attempt_too_long.json",
	     "clients.app_retry: expected an attempt to end within 1e+08 s (about 3 years) with its retries and timeouts, "
	     "got up to 1.01e+10 s"},
	    /* negative or zero where not allowed */
	    {"tests/data/zero_rate.json", "clients.arrival.rate_per_s: expected a number in [1e-06, 1e+09], got 0"},
	    {"tests/data/rate_too_small.json",
	     "clients.arrival.phases[0].rate_per_s: expected 0 or a rate of at least 1e-06 per second, got 1e-09"},
	    {"tests/data/negative_delay.json", "network.one_way_delay_ms: expected a number in [0, 1e+07], got -1"},
	    {"tests/data/zero_stall_length.json",
	     "server.acceptor.stalls[0].for_s: expected a number in [1e-06, 1e+08], got 0"},
	    /* empty arrays: no clients and no phases are errors (no stalls is not) */
	    {"tests/data/empty_clients.json", "tests/data/empty_clients.json: clients: expected 1 to 15 client populations, got 0"},
	    {"tests/data/empty_phases.json",
	     "clients.arrival.phases: expected a non-empty array of {\"at_s\", \"rate_per_s\", \"ramp_to_per_s\"}, got an array"},
	    /* names that would write outside the output folder */
	    {"tests/data/name_absolute.json", "name: expected a name of letters, digits, '-', '_' and '.' (it names the output "
	                                      "folder), got \"/tmp/escape\""},
	    /* files that are not text (and never end) */
	    {"tests/data/replay_not_text.json", "clients.arrival.file: expected a text file, got a NUL byte at /dev/zero:1"},
	    {"/dev/zero", "tcpqsim: /dev/zero: expected text, got a NUL byte"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_bad_run(cases[i].file, cases[i].message, NULL);
}

Test(hardening, empty_stalls_are_no_stalls)
{
	check_good_run("tests/data/empty_stalls.json");
}

Test(hardening, output_folder_that_is_a_file_exits_2)
{
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-q", "-o", "tests/data/empty_file.json", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "tests/data/empty_file.json: cannot write the output folder: Not a directory"), "%s", r.err);
}

/* ---- the fuzzers' findings, kept ------------------------------------------ */

Test(hardening, fuzz_regressions)
{
	static const struct bad_case cases[] = {
	    /* a control character in a key made the message two lines */
	    {"tests/data/fuzz-control-char-in-key.json",
	     "tests/data/fuzz-control-char-in-key.json: server.backlo\\x1bg: unknown key (did you mean \"backlog\"?)"},
	    /* a distribution object without "kind" read names[-1] (global-buffer-overflow) */
	    {"tests/data/fuzz-dist-without-kind.json",
	     "server.acceptor.service_ms.kind: expected \"constant\", \"exponential\", \"uniform\", \"normal\", "
	     "\"lognormal\" or \"empirical\", got nothing"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_bad_run(cases[i].file, cases[i].message, NULL);
	/* on/off with a tiny off_s gave phases out of order: now valid */
	check_good_run("tests/data/fuzz-on-off-tiny-off.json");
}

/* every fuzz-*.json, listed or not: exit 0, or 2 with one line */
Test(hardening, every_fuzz_file_exits_0_or_2)
{
	glob_t g;
	cr_assert_eq(glob("tests/data/fuzz-*.json", 0, NULL, &g), 0, "no tests/data/fuzz-*.json");
	cr_assert_geq(g.gl_pathc, 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char dir[256];
		make_temp(dir, sizeof(dir));
		struct cli_result r = run_cli("run", g.gl_pathv[i], "-q", "-o", dir, NULL);
		cr_assert(r.status == 0 || r.status == 2, "%s: status %d: %s", g.gl_pathv[i], r.status, r.err);
		if (r.status == 2)
			cr_assert(strncmp(r.err, "tcpqsim: ", 9) == 0 && strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
			          "%s: %s", g.gl_pathv[i], r.err);
		remove_tree(dir);
	}
	globfree(&g);
}

/* ---- the size estimate ------------------------------------------------------- */

static void load(const char *path, struct loaded_scenario *ls, struct jr *err, const char *set)
{
	const char *sets[1] = {set};
	int rc = config_load_file(path, sets, set ? 1 : 0, ls, err);
	cr_assert_eq(rc, 0, "%s: %s", path, err->msg);
}

static struct scenario_cost estimate(const char *path, const char *set)
{
	struct loaded_scenario ls;
	struct jr err;
	load(path, &ls, &err, set);
	struct scenario_cost z;
	scenario_estimate_cost(&ls.s, &z);
	loaded_scenario_fini(&ls);
	return z;
}

Test(hardening, estimate_counts_arrivals)
{
	/* constant 20/s for 20 s */
	cr_assert_float_eq(estimate("configs/seed-experiment.json", NULL).attempts, 400, 1e-9);
	/* Poisson 300/s for 10 s: the mean */
	cr_assert_float_eq(estimate("configs/default.json", NULL).attempts, 3000, 1e-9);
	/* 20 at 0.5 s, every 1 s, for 3 s: 3 bursts */
	cr_assert_float_eq(estimate("fuzz/corpus/scenario/03-burst.json", NULL).attempts, 60, 1e-9);
	/* 10/s on [0, 1), a ramp 10 -> 100/s on [1, 3), 0 after: 10 + 110 */
	cr_assert_float_eq(estimate("fuzz/corpus/scenario/05-schedule.json", NULL).attempts, 120, 1e-9);
	/* 5 replayed times, all before duration_s */
	cr_assert_float_eq(
	    estimate("fuzz/corpus/scenario/07-replay.json", "clients.arrival.file=../../../tests/data/arrival-times.txt")
	        .attempts,
	    5, 1e-9);
	/* every application retry counted: 3 tries of 10/s for 2 s */
	cr_assert_float_eq(estimate("fuzz/corpus/scenario/14-request.json", NULL).attempts, 60, 1e-9);
	/* seed experiment: 400 attempts, each up to 4 SYNs and 6 SYN-ACKs
	 * (3*4 + 2*6 + 8 = 32 events), plus one sample per 0.1 s */
	struct scenario_cost z = estimate("configs/seed-experiment.json", NULL);
	cr_assert_geq(z.events, 400 * 32);
	/* every connection is held 1000 s: all 400 alive at the end */
	cr_assert_geq(z.peak_conns, 400);
	cr_assert_leq(z.peak_conns, 400 + 9 + 4096);
}

static void check_refused(const char *path, const char *message)
{
	struct loaded_scenario ls;
	struct jr err;
	load(path, &ls, &err, NULL);
	cr_assert_eq(config_check_size(&ls.s, &err), -1, "%s was not refused", path);
	cr_assert(strstr(err.msg, message), "%s: expected \"%s\", got %s", path, message, err.msg);
	loaded_scenario_fini(&ls);
}

Test(hardening, absurd_runs_are_refused_with_an_estimate)
{
	check_refused("tests/data/absurd_attempts.json",
	              "tests/data/absurd_attempts.json: duration_s: the run would make about 1e+13 attempts (over the limit "
	              "of 1e+09); use --force to run it anyway");
	check_refused("tests/data/absurd_events.json",
	              "tests/data/absurd_events.json: duration_s: the run would process about 1e+12 events (over the limit "
	              "of 5e+10); use --force to run it anyway");
	check_refused("tests/data/absurd_memory.json",
	              "tests/data/absurd_memory.json: duration_s: the run would hold about ");
	check_refused("tests/data/absurd_memory.json", "GiB of connections at once (over the limit of 8 GiB); use "
	                                               "--max-memory MiB to cap it, or --force to run it anyway");
	/* with a memory ceiling the run stops cleanly instead: not refused */
	struct loaded_scenario ls;
	struct jr err;
	load("tests/data/absurd_memory.json", &ls, &err, NULL);
	ls.s.max_memory = (uint64_t)1 << 30;
	cr_assert_eq(config_check_size(&ls.s, &err), 0, "%s", err.msg);
	loaded_scenario_fini(&ls);
}

/* no scenario shipped in configs/ is refused */
Test(hardening, no_shipped_config_is_refused)
{
	glob_t g;
	cr_assert_eq(glob("configs/*.json", 0, NULL, &g), 0);
	glob("configs/*/*.json", GLOB_APPEND, NULL, &g);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *t = read_text(g.gl_pathv[i]);
		cJSON *doc = t ? cJSON_Parse(t) : NULL;
		free(t);
		bool sweep = cJSON_GetObjectItemCaseSensitive(doc, "grid") || cJSON_GetObjectItemCaseSensitive(doc, "solve") ||
		             cJSON_GetObjectItemCaseSensitive(doc, "base");
		cJSON_Delete(doc);
		if (sweep)
			continue;
		struct loaded_scenario ls;
		struct jr err;
		load(g.gl_pathv[i], &ls, &err, NULL);
		cr_assert_eq(config_check_size(&ls.s, &err), 0, "%s", err.msg);
		loaded_scenario_fini(&ls);
	}
	globfree(&g);
}

/* `run` refuses them too, unless --force (when cmd_run.c has --force) */
Test(hardening, run_refuses_absurd_runs_unless_forced)
{
	char dir[256];
	make_temp(dir, sizeof(dir));
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-q", "--force", "-o", dir, NULL);
	remove_tree(dir);
	cr_assert_eq(r.status, 0, "%s", r.err);
	check_bad_run("tests/data/absurd_attempts.json",
	              "tests/data/absurd_attempts.json: duration_s: the run would make about 1e+13 attempts (over the "
	              "limit of 1e+09); use --force to run it anyway",
	              NULL);
	check_bad_run("tests/data/absurd_events.json", "duration_s: the run would process about 1e+12 events", NULL);
	check_bad_run("tests/data/absurd_memory.json", "duration_s: the run would hold about", NULL);
}

/* ---- the memory ceiling -------------------------------------------------- */

/* 2000 connects/s for 20 s, each held 1000 s: 40000 connections (about 8
 * MB) alive at the end */
#define GROWING "clients={\"arrival\": {\"kind\": \"constant\", \"rate_per_s\": 2000}, " \
                "\"after_connect\": {\"kind\": \"hold\", \"hold_s\": 1000}}"

Test(hardening, max_memory_stops_the_run_cleanly)
{
	struct loaded_scenario ls;
	struct jr err;
	load("configs/seed-experiment.json", &ls, &err, GROWING);
	ls.s.max_memory = (uint64_t)1 << 20;
	char dir[256];
	make_temp(dir, sizeof(dir));
	struct run_request rq = {.ls = &ls, .out_dir = dir, .attempts = true, .series = true};
	cJSON *summary = NULL;
	char msg[4400];
	enum run_status st = runner_run(&rq, &summary, msg, sizeof(msg));
	cr_assert_eq(st, RUN_FAILED, "status %d: %s", st, msg);
	cr_assert_null(summary);
	cr_assert(strstr(msg, "nothing written"), "%s", msg);
	cr_assert_eq(count_entries(dir), 0, "files were left in %s", dir);
	/* the same run without the ceiling finishes */
	ls.s.max_memory = 0;
	st = runner_run(&rq, &summary, msg, sizeof(msg));
	cr_assert_eq(st, RUN_OK, "%s", msg);
	cJSON_Delete(summary);
	loaded_scenario_fini(&ls);
	remove_tree(dir);
}

Test(hardening, run_max_memory_option)
{
	char dir[256], out[300];
	make_temp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-q", "--max-memory", "1", "--set", GROWING, "-o",
	                              out, NULL);
	cr_assert_eq(r.status, 1, "status %d: %s", r.status, r.err);
	cr_assert(strstr(r.err, "nothing written"), "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
	cr_assert_eq(count_entries(dir), 0, "something was written");
	r = run_cli("run", "configs/seed-experiment.json", "--max-memory", "x", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	remove_tree(dir);
}

/* ---- signals -------------------------------------------------------------- */

static const char *tcpqsim_path(void)
{
	const char *p = getenv("TCPQSIM");
	if (p && *p)
		return p;
	return access("./tcpqsim", X_OK) == 0 ? "./tcpqsim" : NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* a run of default.json lasting minutes, stopped by sig once it has begun:
 * status 130 and nothing in the output folder */
static void check_signal(int sig)
{
	const char *bin = tcpqsim_path();
	if (!bin)
		cr_skip_test("no tcpqsim binary (set TCPQSIM)");
	char dir[256], out[300];
	make_temp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		/* --force: the files of a run this long would pass the size limit
		 * (config_check_outputs); it is stopped long before */
		execl(bin, bin, "run", "configs/default.json", "--set", "duration_s=100000", "--attempts", "--force", "-q",
		      "-o", out, (char *)NULL);
		_exit(127);
	}
	/* the output folder appears once the signal handlers are in place */
	double t0 = now_s();
	struct stat st;
	while (stat(out, &st) != 0 && now_s() - t0 < 20)
		usleep(10000);
	usleep(300000);
	int status = 0;
	pid_t done = waitpid(pid, &status, WNOHANG);
	cr_assert_eq(done, 0, "the run ended before the signal (status %d)", status);
	/* the temporaries exist while it runs: the check below can fail */
	cr_assert_gt(count_entries(out), 0, "no temporary files in %s while the run goes on", out);
	kill(pid, sig);
	t0 = now_s();
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 && now_s() - t0 < 20)
		usleep(10000);
	if (done == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		cr_assert_fail("the run did not stop within 20 s of signal %d", sig);
	}
	cr_assert(WIFEXITED(status), "killed by signal %d instead of exiting", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	cr_assert_eq(WEXITSTATUS(status), 130);
	cr_assert_eq(count_entries(dir), 0, "partial output left in %s", dir);
	remove_tree(dir);
}

Test(hardening, sigint_leaves_no_partial_output, .timeout = 60)
{
	check_signal(SIGINT);
}

Test(hardening, sigterm_leaves_no_partial_output, .timeout = 60)
{
	check_signal(SIGTERM);
}

/* backlog, somaxconn and tcp_max_syn_backlog at their largest on 1024
 * listeners: the queue limits are closed forms, so the run starts at once
 * (counting up to the limits one step at a time took seconds per listener,
 * hours for 1024; the timeout would end this test long before) */
Test(hardening, the_largest_queues_on_1024_listeners_start_at_once, .timeout = 60)
{
	char dir[256];
	make_temp(dir, sizeof(dir));
	struct cli_result r = run_cli("run", "configs/classroom/01-handshake.json", "-q", "--set", "server.listeners=1024",
	                              "--set", "server.backlog=2147483647", "--set", "server.sysctl.somaxconn=2147483647",
	                              "--set", "server.sysctl.tcp_max_syn_backlog=2147483647", "-o", dir, NULL);
	remove_tree(dir);
	cr_assert_eq(r.status, 0, "%s", r.err);
}
