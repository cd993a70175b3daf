/* test_round2.c: the second hardening round (docs/hardening.md, "Second
 * round"): command-line times, signals at every stage, broken pipes and
 * hang-ups, folders written whole (replications, merge, resume), CSV empty
 * fields, strings, 64-bit seeds, rules the README states, merge's checks
 * of sweep.json, and plot on a moved run.  Each test fails on the code
 * before the fix; each class has an input in tests/data/. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/runner.h"

static const char *bin_path(void)
{
	const char *b = getenv("TCPQSIM");
	return b && access(b, X_OK) == 0 ? b : NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_temp(char *buf, size_t n)
{
	char *d = temp_dir();
	cr_assert_not_null(d);
	snprintf(buf, n, "%s", d);
}

static bool exists(const char *dir, const char *name)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* start the binary with args (stdout to out_fd, or /dev/null; stderr to
 * /dev/null), with the signals at their defaults and an optional file size
 * limit (bytes; SIGXFSZ ignored so that a write fails with EFBIG, as on a
 * full disk) */
static pid_t spawn_bin(char *const *args, int out_fd, long fsize)
{
	const char *bin = bin_path();
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(out_fd >= 0 ? out_fd : null, 1);
		dup2(null, 2);
		for (int s = 1; s < 32; s++)
			signal(s, SIG_DFL);
		if (fsize > 0) {
			struct rlimit rl = {(rlim_t)fsize, (rlim_t)fsize};
			setrlimit(RLIMIT_FSIZE, &rl);
			signal(SIGXFSZ, SIG_IGN);
		}
		char *argv[40];
		int n = 0;
		argv[n++] = (char *)bin;
		for (int i = 0; args[i] && n < 39; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(bin, argv);
		_exit(127);
	}
	return pid;
}

/* wait at most secs; returns the status, or fails the test */
static int wait_for(pid_t pid, double secs, const char *what)
{
	int status = 0;
	double t0 = now_s();
	pid_t done;
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 && now_s() - t0 < secs)
		usleep(5000);
	if (done == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		cr_assert_fail("%s: still running %.1f s later", what, secs);
	}
	return status;
}

static int run_status(char *const *args, long fsize)
{
	pid_t pid = spawn_bin(args, -1, fsize);
	int st = wait_for(pid, 60, args[0]);
	cr_assert(WIFEXITED(st), "%s: killed by signal %d", args[0], WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return WEXITSTATUS(st);
}

/* ---- 1. times given on the command line -------------------------------- */

Test(round2, cli_times_out_of_range_exit_2_naming_the_option)
{
	FILE *f = fopen("tests/data/cli_options_out_of_range.txt", "r");
	cr_assert_not_null(f);
	char line[1024];
	int cases = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "expect:", 7) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		char *words[32] = {0};
		int n = 0;
		char *save = NULL;
		for (char *w = strtok_r(line + 7, " ", &save); w && n < 31; w = strtok_r(NULL, " ", &save))
			words[n++] = w;
		const char *opt = words[0];
		char *argv[32];
		argv[0] = (char *)"tcpqsim";
		for (int i = 1; i < n; i++)
			argv[i] = words[i];
		argv[n] = NULL;
		fflush(stdout);
		struct cli_result r;
		/* run_cli takes a NULL-terminated list: at most 8 words here */
		r = run_cli(argv[1], argv[2], argv[3], n > 4 ? argv[4] : NULL, n > 5 ? argv[5] : NULL,
		            n > 6 ? argv[6] : NULL, NULL);
		cr_assert_eq(r.status, 2, "%s: status %d: %s", opt, r.status, r.err);
		char want[64];
		snprintf(want, sizeof(want), "tcpqsim: %s: expected", opt);
		cr_assert(strstr(r.err, want), "expected \"%s\", got: %s", want, r.err);
		cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
		cases++;
	}
	fclose(f);
	cr_assert_geq(cases, 9);
}

/* ---- 2. signals at every stage ------------------------------------------ */

/* the flag already set when a small run starts (a signal that came during
 * setup or between two polls): interrupted, nothing written */
Test(round2, a_small_run_sees_a_signal)
{
	struct loaded_scenario ls;
	struct jr err;
	const char *sets[] = {"duration_s=0.1"};
	cr_assert_eq(config_load_file("configs/default.json", sets, 1, &ls, &err), 0, "%s", err.msg);
	char dir[256], out[300];
	make_temp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	volatile int stop = 1;
	struct run_request rq = {.ls = &ls, .out_dir = out, .series = true, .stop = &stop};
	cJSON *summary = NULL;
	char msg[4400];
	enum run_status st = runner_run(&rq, &summary, msg, sizeof(msg));
	cr_assert_eq(st, RUN_INTERRUPTED, "status %d (%s)", st, msg);
	cr_assert_null(summary);
	cr_assert_eq(count_entries(dir), 0, "written although stopped");
	loaded_scenario_fini(&ls);
	remove_tree(dir);
}

/* the largest queues on 1024 listeners (set up at once: closed-form limits)
 * and a long busy run: it stops within a
 * second of SIGTERM or SIGINT, with status 130 and nothing written */
static void check_setup_signal(int sig)
{
	if (!bin_path())
		cr_skip_test("no tcpqsim binary (set TCPQSIM)");
	char dir[256], out[300];
	make_temp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	char *args[] = {"run", "tests/data/setup_huge_queues.json", "--force", "-q", "-o", out, NULL};
	pid_t pid = spawn_bin(args, -1, 0);
	usleep(300000);
	double t0 = now_s();
	kill(pid, sig);
	int st = wait_for(pid, 5, "setup");
	cr_assert_lt(now_s() - t0, 1.0, "took %.2f s to stop", now_s() - t0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 130, "status %d", st);
	cr_assert_eq(count_entries(dir), 0, "written although stopped");
	remove_tree(dir);
}

Test(round2, setup_stops_on_sigterm, .timeout = 30)
{
	check_setup_signal(SIGTERM);
}

Test(round2, setup_stops_on_sigint, .timeout = 30)
{
	check_setup_signal(SIGINT);
}

/* sweep --list of a million points into a pipe nobody reads: SIGTERM ends it */
Test(round2, sweep_list_stops_on_sigterm, .timeout = 30)
{
	if (!bin_path())
		cr_skip_test("no tcpqsim binary (set TCPQSIM)");
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	char *args[] = {"sweep", "tests/data/sweep_million_points.json", "--list", NULL};
	pid_t pid = spawn_bin(args, fds[1], 0);
	close(fds[1]);
	usleep(500000);
	double t0 = now_s();
	kill(pid, SIGTERM);
	int st = wait_for(pid, 5, "sweep --list");
	close(fds[0]);
	cr_assert_lt(now_s() - t0, 1.0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 130, "status %d (signal %d)", st, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* ---- 10. pipes and hang-ups ---------------------------------------------- */

Test(round2, broken_pipe_exits_130_and_cleans_up, .timeout = 60)
{
	if (!bin_path())
		cr_skip_test("no tcpqsim binary (set TCPQSIM)");
	char dir[256], out[300];
	make_temp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	close(fds[0]); /* "| head -1" that has already exited */
	/* 16 views of the sockets: more than a pipe buffer, printed during the run */
	char *args[40] = {"run", "configs/default.json", "--set", "duration_s=300", "-o", out};
	char at[16][16];
	for (int i = 0; i < 16; i++) {
		snprintf(at[i], sizeof(at[i]), "%d", (i + 1) * 8);
		args[6 + 2 * i] = (char *)"--ss-at";
		args[7 + 2 * i] = at[i];
	}
	pid_t pid = spawn_bin(args, fds[1], 0);
	close(fds[1]);
	int st = wait_for(pid, 30, "run | closed pipe");
	cr_assert(WIFEXITED(st), "killed by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	cr_assert_eq(WEXITSTATUS(st), 130);
	cr_assert_eq(count_entries(dir), 0, "left in %s", dir);
	remove_tree(dir);
}

Test(round2, hangup_exits_130_and_cleans_up, .timeout = 60)
{
	if (!bin_path())
		cr_skip_test("no tcpqsim binary (set TCPQSIM)");
	char dir[256], out[300];
	make_temp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	char *args[] = {"run", "configs/default.json", "--set", "duration_s=100000", "--attempts", "--force", "-q", "-o", out,
	                NULL};
	pid_t pid = spawn_bin(args, -1, 0);
	double t0 = now_s();
	while (access(out, F_OK) != 0 && now_s() - t0 < 20)
		usleep(5000);
	usleep(200000);
	cr_assert_gt(count_entries(out), 0, "nothing staged while it runs");
	kill(pid, SIGHUP);
	int st = wait_for(pid, 5, "run after SIGHUP");
	cr_assert(WIFEXITED(st), "killed by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	cr_assert_eq(WEXITSTATUS(st), 130);
	cr_assert_eq(count_entries(dir), 0, "left in %s", dir);
	remove_tree(dir);
}

/* ---- 4. folders written whole ------------------------------------------- */

static char *file_at(const char *dir, const char *name)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return read_text(p);
}

/* a disk that fills while --replications writes: the old run stays, whole */
Test(round2, replications_on_a_full_disk_leave_the_old_folder, .timeout = 120)
{
	if (!bin_path())
		cr_skip_test("no tcpqsim binary (set TCPQSIM)");
	char dir[256];
	make_temp(dir, sizeof(dir));
	char *first[] = {"run", "configs/default.json", "-q", "-o", dir, NULL};
	cr_assert_eq(run_status(first, 0), 0);
	char *before = file_at(dir, "summary.json");
	cr_assert_not_null(before);
	/* a replication file is about 4 KB, the merged summary.json about 9 KB:
	 * the disk "fills" (EFBIG) at the last file */
	char *reps[] = {"run", "configs/default.json", "--replications", "6", "-j", "2", "-q", "-o", dir, NULL};
	int rc = run_status(reps, 6000);
	cr_assert_neq(rc, 0);
	char *after = file_at(dir, "summary.json");
	cr_assert_not_null(after);
	cr_assert_str_eq(before, after, "summary.json changed by a failed run");
	cr_assert(!exists(dir, "replications"), "replications/ of a failed run left beside the old summary");
	cr_assert(exists(dir, "series.tsv"), "the old run lost its series.tsv");
	cr_assert_eq(count_entries(dir), 4, "old files missing or temporaries left");
	free(before);
	free(after);
	/* and in a fresh folder: nothing at all */
	char fresh[300];
	snprintf(fresh, sizeof(fresh), "%s/fresh", dir);
	reps[8] = fresh;
	cr_assert_neq(run_status(reps, 6000), 0);
	cr_assert(!exists(dir, "fresh"), "a failed run left %s", fresh);
	remove_tree(dir);
}

/* a run after --replications in the same folder: no replications/ of the
 * other run left beside it */
Test(round2, run_replaces_every_file_of_the_previous_run)
{
	char dir[256];
	make_temp(dir, sizeof(dir));
	struct cli_result r = run_cli("run", "configs/default.json", "--replications", "2", "-j", "1", "-q", "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(exists(dir, "replications"));
	r = run_cli("run", "configs/default.json", "--no-series", "-q", "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(!exists(dir, "replications"), "replications/ of another run left");
	cr_assert(!exists(dir, "series.tsv"));
	cr_assert_eq(count_entries(dir), 3, "expected summary.json, connect_hist.tsv, tcpsynbl.tsv only");
	remove_tree(dir);
}

static void make_sweep(char *dir, size_t n)
{
	make_temp(dir, n);
	struct cli_result r = run_cli("sweep", "tests/data/sweep_small.json", "-j", "1", "-q", "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
}

/* merge on a full disk: results.csv and results.json both, or neither */
Test(round2, merge_on_a_full_disk_writes_neither_file, .timeout = 60)
{
	if (!bin_path())
		cr_skip_test("no tcpqsim binary (set TCPQSIM)");
	char dir[256];
	make_sweep(dir, sizeof(dir));
	char p[600];
	snprintf(p, sizeof(p), "%s/results.csv", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/results.json", dir);
	unlink(p);
	/* results.csv is about 120 bytes, results.json about 800 */
	char *args[] = {"merge", dir, "-q", NULL};
	cr_assert_neq(run_status(args, 500), 0);
	cr_assert(!exists(dir, "results.csv") && !exists(dir, "results.json"), "one of the pair written");
	cr_assert_eq(run_status(args, 0), 0);
	cr_assert(exists(dir, "results.csv") && exists(dir, "results.json"));
	remove_tree(dir);
}

/* --resume runs an empty or truncated point again, and says so */
Test(round2, resume_reruns_truncated_points)
{
	char dir[256];
	make_sweep(dir, sizeof(dir));
	char p0[600], p1[600];
	snprintf(p0, sizeof(p0), "%s/points/point-00000.json", dir);
	snprintf(p1, sizeof(p1), "%s/points/point-00001.json", dir);
	char *whole = read_text(p1);
	cr_assert_not_null(whole);
	FILE *f = fopen(p0, "w");
	fclose(f); /* empty */
	f = fopen(p1, "w");
	fwrite(whole, 1, strlen(whole) / 2, f); /* truncated */
	fclose(f);
	struct cli_result r = run_cli("sweep", "tests/data/sweep_small.json", "-j", "1", "-q", "--resume", "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err, "point-00000.json") && strstr(r.err, "point-00001.json") && strstr(r.err, "again"),
	          "not said: %s", r.err);
	char *again = read_text(p1);
	cr_assert_str_eq(again, whole, "the point run again differs");
	free(again);
	free(whole);
	remove_tree(dir);
}

/* ---- 5. CSV empty fields -------------------------------------------------- */

Test(round2, csv_empty_field_is_an_error_with_line_and_column)
{
	char dir[256], out[300];
	make_temp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	struct cli_result r = run_cli("run", "tests/data/csv_empty_field.json", "-q", "-o", out, NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "csv-empty-field.csv:3:3, got an empty field"), "%s", r.err);
	cr_assert_eq(count_entries(dir), 0);
	remove_tree(dir);
}

/* ---- 9. merge checks sweep.json --------------------------------------- */

static void check_bad_manifest(const char *field, const char *value, const char *message)
{
	char dir[256];
	make_sweep(dir, sizeof(dir));
	char path[600];
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	char *text = read_text(path);
	cJSON *doc = cJSON_Parse(text);
	free(text);
	cJSON_ReplaceItemInObjectCaseSensitive(doc, field, cJSON_Parse(value));
	char *out = cJSON_Print(doc);
	FILE *f = fopen(path, "w");
	fputs(out, f);
	fclose(f);
	free(out);
	cJSON_Delete(doc);
	struct cli_result r = run_cli("merge", dir, "-q", NULL);
	cr_assert_eq(r.status, 2, "%s=%s: status %d: %s", field, value, r.status, r.err);
	cr_assert(strstr(r.err, message), "%s=%s: expected \"%s\", got: %s", field, value, message, r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
	remove_tree(dir);
}

Test(round2, merge_checks_sweep_json, .timeout = 60)
{
	check_bad_manifest("points", "1e18", "sweep.json: points: expected an integer from 1 to 1000000, got 1e+18");
	check_bad_manifest("points", "0", "sweep.json: points: expected an integer from 1 to 1000000, got 0");
	check_bad_manifest("metrics", "[\"attempts\", \"no_such_metric\"]",
	                   "sweep.json: metrics[1]: expected a number of the summary");
}

/* ---- 8. rules the README states ---------------------------------------- */

/* "every_s ... otherwise p must be longer than d": a period that rounds to
 * 0 ns is no exception (it silently meant "once") */
Test(round2, stall_period_shorter_than_the_stall_is_refused)
{
	char dir[256], out[300];
	make_temp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	struct cli_result r = run_cli("run", "tests/data/stall_every_shorter_than_for.json", "-q", "-o", out, NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "stalls[0].every_s: expected 0 (once) or a period longer than for_s (2 s), got 1e-10"),
	          "%s", r.err);
	cr_assert_eq(count_entries(dir), 0);
	remove_tree(dir);
}

/* ---- 6. strings ----------------------------------------------------------- */

Test(round2, nul_and_invalid_utf8_are_refused_with_the_json_path)
{
	static const struct {
		const char *file, *message;
	} cases[] = {
	    {"tests/data/string_with_nul.json", "server.kernel: expected a string without NUL characters, got \\u0000"},
	    {"tests/data/string_not_utf8.json", "clients.name: expected UTF-8 text, got the byte 0xff"},
	    {"tests/data/population_name_too_long.json", "clients.name: expected a name of at most 31 bytes, got 32"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[256], out[300];
		make_temp(dir, sizeof(dir));
		snprintf(out, sizeof(out), "%s/out", dir);
		struct cli_result r = run_cli("run", cases[i].file, "-q", "-o", out, NULL);
		cr_assert_eq(r.status, 2, "%s: %s", cases[i].file, r.err);
		cr_assert(strstr(r.err, cases[i].message), "%s: expected \"%s\", got: %s", cases[i].file, cases[i].message,
		          r.err);
		cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
		cr_assert_eq(count_entries(dir), 0);
		remove_tree(dir);
	}
	/* and through --set */
	struct cli_result r = run_cli("run", "configs/default.json", "-q", "--set", "clients.name=caf\xff", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "--set clients.name: expected UTF-8 text, got the byte 0xff"), "%s", r.err);
	r = run_cli("run", "configs/default.json", "-q", "--set", "server.kernel=\"linux-6.18\\u0000x\"", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "--set server.kernel: expected a string without NUL characters"), "%s", r.err);
}

/* ---- 7. 64-bit integers --------------------------------------------------- */

static char *summary_of(const char *seed, char *dir, size_t n)
{
	make_temp(dir, n);
	struct cli_result r = run_cli("run", "configs/default.json", "-q", "--no-series", "-o", dir, "--seed", seed, NULL);
	cr_assert_eq(r.status, 0, "seed %s: %s", seed, r.err);
	char *t = file_at(dir, "summary.json");
	cr_assert_not_null(t);
	return t;
}

/* the part of summary.json a seed decides (from "attempts" on, without run) */
static const char *results_part(const char *summary)
{
	const char *p = strstr(summary, "\"attempts\"");
	cr_assert_not_null(p);
	return p;
}

Test(round2, seeds_past_2_53_are_exact, .timeout = 60)
{
	char d1[256], d2[256], d3[256];
	char *a = summary_of("9007199254740992", d1, sizeof(d1));
	char *b = summary_of("9007199254740993", d2, sizeof(d2));
	/* two seeds, two runs (they were rounded to one double) */
	cr_assert(strstr(b, "\"seed\":\t9007199254740993"), "the seed is not printed exactly");
	char *ra = strdup(results_part(a)), *rb = strdup(results_part(b));
	char *wa = strstr(ra, "\"run\""), *wb = strstr(rb, "\"run\"");
	if (wa)
		*wa = '\0';
	if (wb)
		*wb = '\0';
	cr_assert_str_neq(ra, rb, "seeds 2^53 and 2^53+1 gave the same run");
	/* the documented maximum, 2^62, is taken, printed exactly, and the
	 * printed seed gives the same run again */
	char *c = summary_of("4611686018427387904", d3, sizeof(d3));
	const char *s = strstr(c, "\"seed\":\t");
	cr_assert_not_null(s);
	char printed[32];
	cr_assert_eq(sscanf(s + 8, "%31[0-9]", printed), 1);
	cr_assert_str_eq(printed, "4611686018427387904");
	struct cli_result r = run_cli("run", "configs/default.json", "-q", "--seed", "4611686018427387905", NULL);
	cr_assert_eq(r.status, 2, "past the maximum: %s", r.err);
	free(a);
	free(b);
	free(c);
	free(ra);
	free(rb);
	remove_tree(d1);
	remove_tree(d2);
	remove_tree(d3);
}

Test(round2, a_seed_in_the_scenario_file_is_read_exactly)
{
	char dir[256];
	make_temp(dir, sizeof(dir));
	struct cli_result r = run_cli("run", "tests/data/seed_past_2_53.json", "-q", "--no-series", "-o", dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *t = file_at(dir, "summary.json");
	cr_assert(t && strstr(t, "\"seed\":\t9007199254740993"), "not exact");
	free(t);
	remove_tree(dir);
}

/* ---- 8. --ss-at after the end -------------------------------------------- */

Test(round2, ss_at_after_the_end_shows_the_final_state)
{
	struct cli_result r = run_cli("run", "configs/default.json", "--set", "duration_s=1", "--ss-at", "5000", "-o",
	                              "/tmp/tcpqsim-round2-ssat", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "at t=5000.000 s (the run ended at "), "no view: %s", r.out);
	cr_assert(strstr(r.out, "$ ss -lnt"), "%s", r.out);
	remove_tree("/tmp/tcpqsim-round2-ssat");
}

/* ---- 11. plot on a moved run ---------------------------------------------- */

Test(round2, plot_finds_the_files_of_a_moved_run, .timeout = 120)
{
	char dir[256], out[300], moved[300];
	make_temp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/run", dir);
	snprintf(moved, sizeof(moved), "%s/elsewhere", dir);
	struct cli_result r = run_cli("run", "tests/data/moved_run_relative_files.json", "-q", "-o", out, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* summary.json names both files by an absolute path that exists */
	char *t = file_at(out, "summary.json");
	cJSON *doc = cJSON_Parse(t);
	free(t);
	const cJSON *sc = cJSON_GetObjectItem(doc, "scenario");
	const cJSON *f1 = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "clients"), "arrival"), "file");
	const cJSON *f2 = cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "server"), "acceptor"), "service_ms"), "file");
	cr_assert(cJSON_IsString(f1) && f1->valuestring[0] == '/' && access(f1->valuestring, R_OK) == 0);
	cr_assert(cJSON_IsString(f2) && f2->valuestring[0] == '/' && access(f2->valuestring, R_OK) == 0);
	cJSON_Delete(doc);
	cr_assert_eq(rename(out, moved), 0);
	r = run_cli("plot", moved, "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(!strstr(r.err, "warning"), "plot lost the scenario: %s", r.err);
	remove_tree(dir);
}

/* ---- 3. estimates: memory an upper bound, outputs refused above a limit -- */

#include "models/cost.h"

static void check_memory_bound(const char *file, const char *const *sets, size_t n_sets)
{
	struct loaded_scenario ls;
	struct jr err;
	cr_assert_eq(config_load_file(file, sets, n_sets, &ls, &err), 0, "%s", err.msg);
	struct scenario_cost z;
	scenario_estimate_cost(&ls.s, &z);
	volatile sig_atomic_t stop = 0;
	struct run_request rq = {.ls = &ls, .stop = &stop};
	cJSON *summary = NULL;
	char msg[4400];
	cr_assert_eq(runner_run(&rq, &summary, msg, sizeof(msg)), RUN_OK, "%s", msg);
	const cJSON *pb = cJSON_GetObjectItem(cJSON_GetObjectItem(summary, "run"), "peak_bytes");
	cr_assert(cJSON_IsNumber(pb));
	cr_assert_geq(z.peak_bytes, pb->valuedouble, "%s %s: estimated %.0f bytes, the run held %.0f (%.1f%% more)", file,
	              n_sets ? sets[n_sets - 1] : "", z.peak_bytes, pb->valuedouble,
	              100 * (pb->valuedouble / z.peak_bytes - 1));
	cJSON_Delete(summary);
	loaded_scenario_fini(&ls);
}

Test(round2, memory_estimate_is_an_upper_bound, .timeout = 120)
{
	static const char *const b1[] = {"clients.arrival.count=200000", "server.backlog=8"};
	static const char *const b2[] = {"clients.arrival.count=200000", "server.backlog=4096"};
	static const char *const b3[] = {"clients.arrival.count=50000", "clients.arrival.every_s=0.5"};
	static const char *const b4[] = {"clients.arrival.count=100000", "server.sysctl.tcp_syncookies=0"};
	check_memory_bound("tests/data/large_burst.json", b1, 2);
	check_memory_bound("tests/data/large_burst.json", b2, 2);
	check_memory_bound("tests/data/large_burst.json", b3, 2);
	check_memory_bound("tests/data/large_burst.json", b4, 2);
	check_memory_bound("configs/default.json", NULL, 0);
	check_memory_bound("configs/seed-experiment.json", NULL, 0);
}

Test(round2, huge_outputs_are_refused_before_the_run, .timeout = 30)
{
	char dir[256], out[300];
	make_temp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	struct cli_result r = run_cli("run", "tests/data/series_too_large.json", "-o", out, NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "series_too_large.json: sample_interval_s: series.tsv would take about"), "%s", r.err);
	cr_assert(strstr(r.err, "--no-series") && strstr(r.err, "--force"), "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
	r = run_cli("run", "configs/default.json", "--set", "duration_s=1e6", "--set", "clients.arrival.rate_per_s=100",
	            "--attempts", "--no-series", "-o", out, NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "--attempts: attempts.jsonl would take about"), "%s", r.err);
	r = run_cli("run", "configs/default.json", "--set", "duration_s=1e5", "--trace", "--no-series", "-o", out, NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "--trace: trace.jsonl would take about"), "%s", r.err);
	cr_assert_eq(count_entries(dir), 0);
	remove_tree(dir);
}
