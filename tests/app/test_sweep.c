/* test_sweep.c: sweep files (errors name file and path), points and their
 * order, results that do not depend on -j or on GNU parallel, a sweep killed
 * with SIGKILL that resumes to the same table, Ctrl-C, the merge with a
 * missing point, common random numbers, and solve's known answers. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"
#include "app/sweep.h"

#define SEED 5

/* a second of Poisson arrivals against a server accepting 150/s */
static const char base_text[] =
    "{\"name\": \"t\", \"duration_s\": 1, \"seed\": 3,\n"
    " \"server\": {\"backlog\": 16, \"acceptor\": {\"kind\": \"rate\", \"rate_per_s\": 150, \"process\": \"exponential\"}},\n"
    " \"clients\": {\"arrival\": {\"kind\": \"poisson\", \"rate_per_s\": 200},\n"
    "             \"after_connect\": {\"kind\": \"hold\", \"hold_s\": 0.1}},\n"
    " \"network\": {\"one_way_delay_ms\": 0.5}}\n";

static const char sweep_text[] =
    "{\"name\": \"small\", \"base\": \"base.json\", \"seed\": 5, \"replications\": 3,\n"
    " \"grid\": {\"server.backlog\": [4, 16, 64], \"clients.arrival.rate_per_s\": [100, 300]},\n"
    " \"metrics\": [\"attempts\", \"outcomes.connected_frac\", \"connect_time_ms.p99\", \"connected_by_syns[1]\"]}\n";

/* the SYN-queue experiment: backlog b never accepted connects b+1 */
static const char never_text[] =
    "{\"name\": \"never\", \"duration_s\": 2, \"seed\": 1,\n"
    " \"server\": {\"backlog\": 8, \"acceptor\": {\"kind\": \"never\"}},\n"
    " \"clients\": {\"sysctl\": {\"tcp_syn_retries\": 1}, \"arrival\": {\"kind\": \"constant\", \"rate_per_s\": 20},\n"
    "             \"after_connect\": {\"kind\": \"hold\", \"hold_s\": 100}},\n"
    " \"network\": {\"one_way_delay_ms\": 0.05}}\n";

struct fixture {
	char dir[256];   /* temporary folder */
	char sweep[320]; /* the sweep file in it */
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static void fixture_init(struct fixture *fx, const char *sweep)
{
	snprintf(fx->dir, sizeof(fx->dir), "%s", temp_dir());
	char p[400];
	snprintf(p, sizeof(p), "%s/base.json", fx->dir);
	write_file(p, base_text);
	snprintf(p, sizeof(p), "%s/never.json", fx->dir);
	write_file(p, never_text);
	snprintf(fx->sweep, sizeof(fx->sweep), "%s/sweep.json", fx->dir);
	write_file(fx->sweep, sweep);
}

static char *file_text(const char *dir, const char *name)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	char *t = read_text(p);
	cr_assert_not_null(t, "no %s", p);
	return t;
}

static void sub(char *buf, size_t n, const char *dir, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* the binary for the tests that need their own process, or NULL */
static const char *binary(void)
{
	static char path[4096];
	const char *e = getenv("TCPQSIM");
	if (e && access(e, X_OK) == 0)
		return e;
	if (realpath("tcpqsim", path) && access(path, X_OK) == 0)
		return path;
	return NULL;
}

static int count_points(const char *out, int *temporaries)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/points", out);
	DIR *d = opendir(p);
	int n = 0;
	*temporaries = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t l = strlen(e->d_name);
		if (strncmp(e->d_name, "point-", 6) == 0 && l == 16 && strcmp(e->d_name + 11, ".json") == 0)
			n++;
		else
			(*temporaries)++;
	}
	closedir(d);
	return n;
}

/* every point file there is whole JSON */
static void check_points_whole(const char *out)
{
	char p[600];
	for (int i = 0; i < 1000; i++) {
		snprintf(p, sizeof(p), "%s/points/point-%05d.json", out, i);
		if (access(p, F_OK) < 0)
			continue;
		char *t = read_text(p);
		cJSON *doc = t ? cJSON_Parse(t) : NULL;
		cr_assert_not_null(doc, "%s is not whole JSON", p);
		cJSON_Delete(doc);
		free(t);
	}
}

/* start `tcpqsim ARGS...` with stdout and stderr in files */
static pid_t spawn(const char *bin, const char *err_file, char *const *args)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int fd = open(err_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 1);
		dup2(fd, 2);
		char *argv[32];
		int n = 0;
		argv[n++] = (char *)bin;
		for (int i = 0; args[i] && n < 31; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(bin, argv);
		_exit(127);
	}
	return pid;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- sweep files ---------------------------------------------------------- */

struct bad_sweep {
	const char *text;    /* the sweep file */
	const char *message; /* what the one line says after "FILE: " */
	const char *command; /* "sweep" or "solve" */
};

Test(sweep, bad_sweep_files_exit_2_with_one_line)
{
	struct fixture fx;
	fixture_init(&fx, sweep_text);
	static const struct bad_sweep cases[] = {
	    {"{\"base\": \"base.json\", \"grdi\": {\"server.backlog\": [1]}}",
	     "grdi: unknown key (did you mean \"grid\"?)", "sweep"},
	    {"{\"base\": \"base.json\", \"grid\": {\"server.backlog\": 128}}",
	     "grid.server.backlog: expected a non-empty array of values, got 128", "sweep"},
	    {"{\"base\": \"base.json\", \"grid\": {\"server.backlog\": []}}",
	     "grid.server.backlog: expected a non-empty array of values, got an empty array", "sweep"},
	    {"{\"base\": \"base.json\", \"grid\": {\"server.backlog\": [16, \"many\"]}}",
	     "grid.server.backlog[1]: expected an integer, got string \"many\" (server.backlog in ", "sweep"},
	    {"{\"base\": \"base.json\", \"grid\": {\"server.backlgo\": [16]}}",
	     "grid.server.backlgo[0]: unknown key (did you mean \"backlog\"?)", "sweep"},
	    {"{\"base\": \"base.json\", \"base\": \"other.json\", \"grid\": {\"server.backlog\": [16]}}",
	     "base: duplicate key", "sweep"},
	    {"{\"base\": \"base.json\", \"grid\": {\"server.backlog\": [16], \"server.backlog\": [8]}}",
	     "grid.server.backlog: duplicate key", "sweep"},
	    {"{\"base\": \"base.json\", \"grid\": {\"server.backlog\": [16]}, \"metrics\": [\"connect_time.p99\"]}",
	     "metrics[0]: expected a number of the summary, got \"connect_time.p99\" (did you mean "
	     "\"connect_time_ms.p99\"?)",
	     "sweep"},
	    {"{\"base\": \"base.json\", \"grid\": {\"server.backlog\": [16]}, \"metrics\": [\"run.wall_s\"]}",
	     "metrics[0]: expected a number of the summary", "sweep"},
	    {"{\"base\": \"base.json\", \"combine\": \"zip\", \"grid\": {\"server.backlog\": [4, 16, 64], "
	     "\"clients.arrival.rate_per_s\": [100, 300]}}",
	     "grid.clients.arrival.rate_per_s: expected 3 values (\"combine\": \"zip\" pairs the lists), got 2", "sweep"},
	    {"{\"base\": \"base.json\", \"combine\": \"cartesian\", \"grid\": {\"server.backlog\": [4]}}",
	     "combine: expected \"product\" or \"zip\", got \"cartesian\"", "sweep"},
	    {"{\"base\": \"missing.json\", \"grid\": {\"server.backlog\": [4]}}",
	     "base: expected a readable scenario file", "sweep"},
	    {"{\"base\": \"base.json\", \"replications\": 0, \"grid\": {\"server.backlog\": [4]}}",
	     "replications: expected an integer in [1, 100000], got 0", "sweep"},
	    {"{\"base\": \"base.json\", \"set\": {\"duration_s\": -1}, \"grid\": {\"server.backlog\": [4]}}",
	     "set.duration_s: expected a number in", "sweep"},
	    {"{\"base\": \"base.json\", \"solve\": {\"param\": \"server.backlog\", \"min\": 1, \"max\": 10, "
	     "\"targets\": [\"connect_time_ms.p99 <= 100\"]}}",
	     "grid: expected an object of dotted scenario paths to arrays of values, got nothing (this file has only "
	     "\"solve\": run tcpqsim solve)",
	     "sweep"},
	    {"{\"base\": \"base.json\", \"grid\": {\"server.backlog\": [4]}}", "solve: expected an object", "solve"},
	    {"{\"base\": \"base.json\", \"solve\": {\"param\": \"server.backlog\", \"min\": 1, \"max\": 10, "
	     "\"targets\": [\"connect_time_ms.p99 = 100\"]}}",
	     "solve.targets[0]: expected \"METRIC <= NUMBER\" (or <, >=, >), got \"connect_time_ms.p99 = 100\"", "solve"},
	    {"{\"base\": \"base.json\", \"solve\": {\"param\": \"server.backlog\", \"min\": 1, \"max\": 10, "
	     "\"targets\": [\"p99 <= 100\"]}}",
	     "solve.targets[0]: expected a number of the summary", "solve"},
	    {"{\"base\": \"base.json\", \"solve\": {\"param\": \"server.backlog\", \"min\": 10, \"max\": 1, "
	     "\"targets\": [\"connect_time_ms.p99 <= 100\"]}}",
	     "solve.max: expected a number above solve.min (10), got 1", "solve"},
	    {"{\"base\": \"base.json\", \"solve\": {\"param\": \"server.backlog\", \"min\": 1, \"max\": 10, \"integre\": true,"
	     "\"targets\": [\"connect_time_ms.p99 <= 100\"]}}",
	     "solve.integre: unknown key (did you mean \"integer\"?)", "solve"},
	    {"{\"base\": \"base.json\", \"grid\": {\"server.backlog\": [4, 8]}, \"solve\": {\"param\": \"server.backlog\", "
	     "\"min\": 1, \"max\": 10, \"targets\": [\"connect_time_ms.p99 <= 100\"]}}",
	     "solve.param: expected a parameter the grid does not sweep, got \"server.backlog\"", "solve"},
	    {"{\"base\": \"base.json\", \"solve\": {\"param\": \"server.acceptor.kind\", \"min\": 1, \"max\": 10, "
	     "\"targets\": [\"connect_time_ms.p99 <= 100\"]}}",
	     "solve.min: expected \"never\"", "solve"},
	};
	char out[400], file[400];
	sub(out, sizeof(out), fx.dir, "out");
	sub(file, sizeof(file), fx.dir, "bad.json");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(file, cases[i].text);
		struct cli_result r = run_cli(cases[i].command, file, "-o", out, NULL);
		cr_assert_eq(r.status, 2, "case %zu: status %d: %s", i, r.status, r.err);
		char want[1200];
		snprintf(want, sizeof(want), "tcpqsim: %s: %s", file, cases[i].message);
		cr_assert(strncmp(r.err, want, strlen(want)) == 0, "case %zu:\nwant %s\ngot  %s", i, want, r.err);
		cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "case %zu: more than one line: %s", i, r.err);
		cr_assert(access(out, F_OK) < 0, "case %zu: something was written", i);
	}
	/* malformed JSON keeps the parser's line and column */
	write_file(file, "{\"base\": \"base.json\",\n \"grid\": {\"server.backlog\": [4,]}}");
	struct cli_result r = run_cli("sweep", file, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "bad.json:2:") && strstr(r.err, "malformed JSON"), "%s", r.err);
	remove_tree(fx.dir);
}

Test(sweep, points_are_in_a_fixed_order)
{
	struct fixture fx;
	fixture_init(&fx, sweep_text);
	struct sweep sw;
	struct jr err;
	cr_assert_eq(sweep_load(&sw, fx.sweep, SWEEP_NEED_GRID, &err), 0, "%s", err.msg);
	cr_assert_eq(sw.n_points, 6);
	/* product: the first parameter varies slowest */
	static const double want[6][2] = {{4, 100}, {4, 300}, {16, 100}, {16, 300}, {64, 100}, {64, 300}};
	for (size_t i = 0; i < 6; i++) {
		cJSON *v = sweep_point_values(&sw, i);
		cr_assert_eq(cJSON_GetObjectItem(v, "server.backlog")->valuedouble, want[i][0], "point %zu", i);
		cr_assert_eq(cJSON_GetObjectItem(v, "clients.arrival.rate_per_s")->valuedouble, want[i][1], "point %zu", i);
		cJSON_Delete(v);
	}
	sweep_fini(&sw);
	/* zip pairs the lists */
	write_file(fx.sweep, "{\"base\": \"base.json\", \"combine\": \"zip\", \"grid\": {\"server.backlog\": [4, 16], "
	                     "\"clients.arrival\": [{\"kind\": \"constant\", \"rate_per_s\": 50}, "
	                     "{\"kind\": \"poisson\", \"rate_per_s\": 70}]}}");
	cr_assert_eq(sweep_load(&sw, fx.sweep, SWEEP_NEED_GRID, &err), 0, "%s", err.msg);
	cr_assert_eq(sw.n_points, 2);
	cJSON *v = sweep_point_values(&sw, 1);
	cr_assert_eq(cJSON_GetObjectItem(v, "server.backlog")->valuedouble, 16);
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "clients.arrival"), "kind")->valuestring, "poisson");
	/* values are JSON: an object replaces the whole arrival object */
	struct loaded_scenario ls;
	cr_assert_eq(sweep_point_load(&sw, v, &ls, &err), 0, "%s", err.msg);
	cr_assert_eq(ls.s.server.backlog, 16);
	cr_assert_eq(ls.s.pops[0].arrival.rate_per_s, 70);
	loaded_scenario_fini(&ls);
	cJSON_Delete(v);
	sweep_fini(&sw);
	/* --list: one command per point */
	write_file(fx.sweep, sweep_text);
	char out[400];
	sub(out, sizeof(out), fx.dir, "out");
	struct cli_result r = run_cli("sweep", fx.sweep, "--list", "-o", out, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* each line names the running program by its absolute path (here the
	 * test binary, which runs the command in-process) */
	char self[4096], line[6000];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	cr_assert_gt(len, 0);
	self[len] = '\0';
	cr_assert_eq(self[0], '/');
	snprintf(line, sizeof(line), "%s point %s --index 0 -o %s\n", self, fx.sweep, out);
	cr_assert_eq(strncmp(r.out, line, strlen(line)), 0, "%s", r.out);
	int lines = 0;
	for (const char *p = r.out; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 6);
	cr_assert(access(out, F_OK) < 0, "--list wrote something");
	/* point: the index must name a point */
	r = run_cli("point", fx.sweep, "--index", "6", "-o", out, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--index: expected a point from 0 to 5, got 6"), "%s", r.err);
	r = run_cli("point", fx.sweep, "-o", out, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "point needs --index I"), "%s", r.err);
	r = run_cli("sweep", fx.sweep, "--bogus", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "unknown option --bogus"), "%s", r.err);
	remove_tree(fx.dir);
}

/* ---- results ---------------------------------------------------------------- */

Test(sweep, results_do_not_depend_on_jobs_or_machines)
{
	struct fixture fx;
	fixture_init(&fx, sweep_text);
	char a[400], b[400], c[400], d[400];
	sub(a, sizeof(a), fx.dir, "j1");
	sub(b, sizeof(b), fx.dir, "j2");
	sub(c, sizeof(c), fx.dir, "parallel");
	sub(d, sizeof(d), fx.dir, "point");
	struct cli_result r = run_cli("sweep", fx.sweep, "-j", "1", "-o", a, "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err, "tcpqsim: sweep: 6/6 points"), "plain progress lines: %s", r.err);
	r = run_cli("sweep", fx.sweep, "-j", "2", "-o", b, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "wrote"), "%s", r.out);
	char *ca = file_text(a, "results.csv"), *cb = file_text(b, "results.csv");
	cr_assert_str_eq(ca, cb, "results.csv differs between -j 1 and -j 2 (seed %d)", SEED);
	char *ja = file_text(a, "results.json"), *jb = file_text(b, "results.json");
	cr_assert_str_eq(ja, jb);
	/* the table: a header and one row per point, in index order */
	const char *header = "point,server.backlog,clients.arrival.rate_per_s,attempts_mean,attempts_ci95,"
	                     "outcomes.connected_frac_mean,outcomes.connected_frac_ci95,connect_time_ms.p99_mean,"
	                     "connect_time_ms.p99_ci95,connected_by_syns[1]_mean,connected_by_syns[1]_ci95\n";
	cr_assert_eq(strncmp(ca, header, strlen(header)), 0, "%s", ca);
	cr_assert(strstr(ca, "\n0,4,100,") && strstr(ca, "\n5,64,300,"), "%s", ca);
	int lines = 0;
	for (const char *p = ca; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 7);
	/* one point alone writes the same file as the sweep did */
	r = run_cli("point", fx.sweep, "--index", "3", "-o", d, "-j", "2", "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *pa = file_text(a, "points/point-00003.json"), *pd = file_text(d, "points/point-00003.json");
	cr_assert_str_eq(pa, pd);
	free(pa);
	free(pd);
	/* many machines: the --list commands through GNU parallel, then merge */
	const char *bin = binary();
	if (!bin || system("command -v parallel >/dev/null 2>&1") != 0) {
		cr_log_warn("skipping the GNU parallel part: %s", bin ? "parallel is not installed" : "no tcpqsim binary (TCPQSIM)");
	} else {
		char cmd[16384];
		/* the commands say "tcpqsim": put this build first on PATH */
		snprintf(cmd, sizeof(cmd),
		         "mkdir -p %s/bin && ln -sf %s %s/bin/tcpqsim && "
		         "PATH=%s/bin:$PATH tcpqsim sweep %s --list -o %s > %s/list.txt && "
		         "PATH=%s/bin:$PATH parallel --will-cite -j 2 < %s/list.txt > /dev/null 2>&1 && "
		         "%s merge %s -q",
		         fx.dir, bin, fx.dir, fx.dir, fx.sweep, c, fx.dir, fx.dir, fx.dir, bin, c);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		char *cc = file_text(c, "results.csv"), *jc = file_text(c, "results.json");
		cr_assert_str_eq(ca, cc, "results.csv differs between -j 1 and GNU parallel (seed %d)", SEED);
		cr_assert_str_eq(ja, jc);
		free(cc);
		free(jc);
	}
	free(ca);
	free(cb);
	free(ja);
	free(jb);
	remove_tree(fx.dir);
}

Test(sweep, points_share_random_numbers)
{
	struct fixture fx;
	fixture_init(&fx, sweep_text);
	char out[400];
	sub(out, sizeof(out), fx.dir, "out");
	cr_assert_eq(run_cli("sweep", fx.sweep, "-j", "2", "-o", out, "-q", NULL).status, 0);
	char *t = file_text(out, "results.json");
	cJSON *doc = cJSON_Parse(t);
	free(t);
	const cJSON *rows = cJSON_GetObjectItem(doc, "rows");
	cr_assert_eq(cJSON_GetArraySize(rows), 6);
	/* open-loop arrivals: the backlog does not change the arrival times, so
	 * every backlog sees the same attempts at the same rate */
	for (int i = 0; i < 2; i++) {
		double want = -1;
		for (int b = 0; b < 3; b++) {
			const cJSON *row = cJSON_GetArrayItem(rows, b * 2 + i);
			const cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(row, "metrics"), "attempts");
			double got = cJSON_GetObjectItem(m, "mean")->valuedouble;
			if (want < 0)
				want = got;
			cr_assert_eq(got, want, "rate column %d, backlog row %d: attempts %g, not %g (seed %d)", i, b, got, want,
			             SEED);
		}
	}
	/* the sweep's seed replaces the base's in every point */
	char *p = file_text(out, "points/point-00004.json");
	cJSON *pt = cJSON_Parse(p);
	free(p);
	cr_assert_eq(cJSON_GetObjectItem(pt, "seed")->valuedouble, SEED);
	cr_assert_eq(cJSON_GetObjectItem(pt, "replications")->valuedouble, 3);
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(pt, "point"), "values"),
	                                 "server.backlog")->valuedouble,
	             64);
	/* a count list shorter than the index reads as 0 in the table */
	const cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 4), "metrics"),
	                                     "connected_by_syns[1]");
	cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(m, "mean")));
	cJSON_Delete(pt);
	cJSON_Delete(doc);
	remove_tree(fx.dir);
}

Test(sweep, merge_names_missing_points)
{
	struct fixture fx;
	fixture_init(&fx, sweep_text);
	char out[400], p[600];
	sub(out, sizeof(out), fx.dir, "out");
	cr_assert_eq(run_cli("sweep", fx.sweep, "-j", "2", "-o", out, "-q", NULL).status, 0);
	/* running it again into the same folder asks for --resume */
	struct cli_result r = run_cli("sweep", fx.sweep, "-o", out, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "already holds 6 of the 6 points of this sweep: add --resume"), "%s", r.err);
	snprintf(p, sizeof(p), "%s/points/point-00002.json", out);
	cr_assert_eq(unlink(p), 0);
	snprintf(p, sizeof(p), "%s/points/point-00005.json", out);
	cr_assert_eq(unlink(p), 0);
	r = run_cli("merge", out, NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "2 of 6 points missing: 2, 5"), "%s", r.err);
	r = run_cli("merge", out, "--partial", "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err, "2 of 6 points missing"), "%s", r.err);
	char *csv = file_text(out, "results.csv");
	int lines = 0;
	for (const char *c = csv; *c; c++)
		lines += *c == '\n';
	cr_assert_eq(lines, 5, "%s", csv);
	cr_assert(!strstr(csv, "\n2,") && strstr(csv, "\n3,"), "%s", csv);
	free(csv);
	char *js = file_text(out, "results.json");
	cJSON *doc = cJSON_Parse(js);
	free(js);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "missing")), 2);
	cJSON_Delete(doc);
	/* --resume computes only the missing ones */
	r = run_cli("sweep", fx.sweep, "-o", out, "--resume", "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err, "resuming: 4/6 points already done") && !strstr(r.err, "sweep: 3/6"), "%s", r.err);
	/* a folder of another sweep is refused */
	write_file(fx.sweep, "{\"base\": \"base.json\", \"grid\": {\"server.backlog\": [4, 5]}}");
	r = run_cli("sweep", fx.sweep, "-o", out, "--resume", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "describes another sweep"), "%s", r.err);
	r = run_cli("merge", fx.dir, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "expected a sweep folder"), "%s", r.err);
	remove_tree(fx.dir);
}

/* a sweep slow enough to be caught midway: 12 points, ~30 ms each */
static const char slow_text[] =
    "{\"name\": \"slow\", \"base\": \"base.json\", \"seed\": 5, \"replications\": 2,\n"
    " \"set\": {\"clients.arrival.rate_per_s\": 20000, \"server.acceptor\": {\"kind\": \"rate\", \"rate_per_s\": 15000}},\n"
    " \"grid\": {\"server.backlog\": [8, 64, 256, 1024], \"network.one_way_delay_ms\": [0.1, 0.5, 2]},\n"
    " \"metrics\": [\"attempts\", \"connect_time_ms.p99\"]}\n";

static void run_until_points_then_signal(const char *bin, const char *sweep, const char *out, const char *errf,
                                         int sig, int *status, int *done_at_signal)
{
	char *args[] = {(char *)"sweep", (char *)sweep, (char *)"-j", (char *)"1", (char *)"-o", (char *)out, NULL};
	pid_t pid = spawn(bin, errf, args);
	int tmp = 0;
	for (int i = 0; i < 20000 && count_points(out, &tmp) < 1; i++)
		sleep_ms(1);
	kill(pid, sig);
	cr_assert_eq(waitpid(pid, status, 0), pid);
	*done_at_signal = count_points(out, &tmp);
}

Test(sweep, killed_sweep_resumes_to_the_same_table)
{
	const char *bin = binary();
	if (!bin)
		cr_skip_test("no tcpqsim binary: set TCPQSIM (make test does)");
	struct fixture fx;
	fixture_init(&fx, slow_text);
	char ref[400], out[400], errf[400];
	sub(ref, sizeof(ref), fx.dir, "ref");
	sub(out, sizeof(out), fx.dir, "killed");
	sub(errf, sizeof(errf), fx.dir, "stderr.txt");
	int status, done;
	run_until_points_then_signal(bin, fx.sweep, out, errf, SIGKILL, &status, &done);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	cr_assert(done >= 1 && done < 12, "%d of 12 points done when killed", done);
	check_points_whole(out);
	struct cli_result r = run_cli("sweep", fx.sweep, "-j", "2", "-o", out, "--resume", "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	int tmp;
	cr_assert_eq(count_points(out, &tmp), 12);
	cr_assert_eq(tmp, 0, "temporaries left in %s/points", out);
	r = run_cli("sweep", fx.sweep, "-j", "2", "-o", ref, "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *a = file_text(ref, "results.csv"), *b = file_text(out, "results.csv");
	cr_assert_str_eq(a, b, "a resumed sweep ends with another table (seed %d)", SEED);
	free(a);
	free(b);
	remove_tree(fx.dir);
}

Test(sweep, interrupt_stops_cleanly)
{
	const char *bin = binary();
	if (!bin)
		cr_skip_test("no tcpqsim binary: set TCPQSIM (make test does)");
	struct fixture fx;
	fixture_init(&fx, slow_text);
	char out[400], errf[400];
	sub(out, sizeof(out), fx.dir, "out");
	sub(errf, sizeof(errf), fx.dir, "stderr.txt");
	int sigs[] = {SIGINT, SIGTERM};
	for (int k = 0; k < 2; k++) {
		remove_tree(out);
		int status, done;
		run_until_points_then_signal(bin, fx.sweep, out, errf, sigs[k], &status, &done);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 130, "signal %d: status %d", sigs[k], status);
		int tmp;
		int n = count_points(out, &tmp);
		cr_assert_eq(tmp, 0, "signal %d: temporaries left", sigs[k]);
		cr_assert(n >= 1 && n < 12, "signal %d: %d points", sigs[k], n);
		check_points_whole(out);
		char *e = read_text(errf);
		cr_assert(e && strstr(e, "interrupted") && strstr(e, "--resume"), "%s", e ? e : "");
		free(e);
	}
	remove_tree(fx.dir);
}

/* ---- solve ------------------------------------------------------------------ */

Test(solve, finds_the_smallest_backlog)
{
	struct fixture fx;
	/* connected = min(attempts, backlog + 1): 30 connects need backlog 29 */
	fixture_init(&fx, "{\"base\": \"never.json\", \"replications\": 2,\n"
	                  " \"solve\": {\"param\": \"server.backlog\", \"min\": 1, \"max\": 1000,\n"
	                  "            \"targets\": [\"outcomes.connected >= 30\", \"outcomes.timed_out < 10.5\"]}}");
	char out[400];
	sub(out, sizeof(out), fx.dir, "out");
	struct cli_result r = run_cli("solve", fx.sweep, "-j", "2", "-o", out, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "answer: server.backlog = 29\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  server.backlog=1000  outcomes.connected=40 ± 0  outcomes.timed_out=0 ± 0  met\n"),
	          "%s", r.out);
	cr_assert(strstr(r.out, "  server.backlog=28  outcomes.connected=29 ± 0") && strstr(r.out, "not met"), "%s", r.out);
	/* one line per probe: max, min, then a bisection of [1, 1000] */
	int probes = 0;
	for (const char *p = strstr(r.out, "  server.backlog="); p; p = strstr(p + 1, "  server.backlog="))
		probes++;
	cr_assert(probes >= 10 && probes <= 13, "%d probes:\n%s", probes, r.out);
	char *t = file_text(out, "solve.json");
	cJSON *doc = cJSON_Parse(t);
	free(t);
	const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "results"), 0);
	cr_assert_eq(cJSON_GetObjectItem(res, "answer")->valuedouble, 29);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(res, "probes")), probes);
	cJSON_Delete(doc);
	remove_tree(fx.dir);
}

Test(solve, largest_value_per_grid_point_and_unreachable_targets)
{
	struct fixture fx;
	/* backlog 8 never accepted connects 9 of 2*rate attempts: at most 11
	 * time out up to rate 10 */
	fixture_init(&fx, "{\"base\": \"never.json\", \"replications\": 1,\n"
	                  " \"solve\": {\"param\": \"clients.arrival.rate_per_s\", \"min\": 1, \"max\": 100,\n"
	                  "            \"direction\": \"decreasing\", \"targets\": [\"outcomes.timed_out <= 11\"]}}");
	struct cli_result r = run_cli("solve", fx.sweep, "-j", "1", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "the largest clients.arrival.rate_per_s in [1, 100]"), "%s", r.out);
	cr_assert(strstr(r.out, "answer: clients.arrival.rate_per_s = 10\n"), "%s", r.out);
	/* with a grid: one answer per point (rate 10: 20 attempts, 15 connects
	 * need backlog 14; rate 20: 40 attempts, 30 need 29) */
	write_file(fx.sweep, "{\"base\": \"never.json\",\n"
	                     " \"grid\": {\"clients.arrival.rate_per_s\": [10, 20]},\n"
	                     " \"solve\": {\"param\": \"server.backlog\", \"min\": 1, \"max\": 200,\n"
	                     "            \"targets\": [\"outcomes.connected_frac >= 0.75\"]}}");
	r = run_cli("solve", fx.sweep, "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "answer: server.backlog = 14\nanswer: server.backlog = 29\n");
	/* even the largest value fails: exit 1, naming it */
	write_file(fx.sweep, "{\"base\": \"never.json\",\n"
	                     " \"solve\": {\"param\": \"server.backlog\", \"min\": 1, \"max\": 200,\n"
	                     "            \"targets\": [\"outcomes.connected >= 100\"]}}");
	r = run_cli("solve", fx.sweep, NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "tcpqsim: solve: even server.backlog=200 does not meet outcomes.connected >= 100"), "%s",
	          r.err);
	remove_tree(fx.dir);
}

Test(solve, example_configs_load)
{
	static const char *const files[] = {"configs/sweeps/nginx-backlog-rate.json", "configs/sweeps/somaxconn-profile.json",
	                                    "configs/sweeps/mysql-back-log.json", NULL};
	for (size_t i = 0; files[i]; i++) {
		struct sweep sw;
		struct jr err;
		cr_assert_eq(sweep_load(&sw, files[i], SWEEP_NEED_GRID, &err), 0, "%s", err.msg);
		cr_assert(sw.n_points >= 6 && sw.n_points * sw.replications <= 400, "%s: %zu points", files[i], sw.n_points);
		sweep_fini(&sw);
	}
	struct sweep sw;
	struct jr err;
	cr_assert_eq(sweep_load(&sw, "configs/sweeps/solve-nginx-backlog.json", SWEEP_NEED_SOLVE, &err), 0, "%s", err.msg);
	cr_assert(sw.has_solve && sw.solve.integer && sw.solve.increasing);
	sweep_fini(&sw);
	cr_assert_eq(sweep_load(&sw, "configs/sweeps/solve-nginx-bursts.json", SWEEP_NEED_SOLVE, &err), 0, "%s", err.msg);
	cr_assert(sw.has_solve && sw.solve.has_capacity && sw.solve.n_targets == 2);
	sweep_fini(&sw);
}

/* The README's capacity question, scaled down (bursts of 1 s instead of
 * 10 s): 3000 /s against 8 workers of 5 ms (1600 /s).  solve says that no
 * backlog helps and why, finds the workers (the fluid estimate says 15 keep
 * up with the peak), then the backlog for that count. */
Test(solve, capacity_first_when_no_backlog_helps, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx, "{\"base\": \"bursts.json\", \"replications\": 2,\n"
	                  " \"set\": {\"server.sysctl.somaxconn\": 65535},\n"
	                  " \"solve\": {\"param\": \"server.backlog\", \"min\": 1, \"max\": 65535,\n"
	                  "            \"capacity\": {\"param\": \"server.acceptor.count\", \"min\": 1, \"max\": 32},\n"
	                  "            \"targets\": [\"connect_time_ms.p99 <= 200\", \"accept_wait_ms.p99 <= 50\"]}}");
	char base[400];
	sub(base, sizeof(base), fx.dir, "bursts.json");
	write_file(base, "{\"duration_s\": 3,\n"
	                 " \"server\": {\"backlog\": 511, \"acceptor\": {\"kind\": \"workers\", \"count\": 8, \"service_ms\": 5}},\n"
	                 " \"clients\": {\"arrival\": {\"kind\": \"on_off\", \"rate_per_s\": 3000, \"on_s\": 1, \"off_s\": 2},\n"
	                 "             \"after_connect\": {\"kind\": \"request\", \"hold_s\": 0.01}},\n"
	                 " \"network\": {\"one_way_delay_ms\": 0.5}}");
	char out[400];
	sub(out, sizeof(out), fx.dir, "out");
	struct cli_result r = run_cli("solve", fx.sweep, "-j", "2", "-o", out, NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_assert(strstr(r.out, "the arrival peak (3000 /s) exceeds the service capacity (1600 /s): a backlog only "
	                        "trades drops for waiting"),
	          "%s", r.out);
	cr_assert(strstr(r.out, "the capacity that keeps up is 3000 accepts/s (15 workers per listener)"), "%s", r.out);
	/* 14 workers leave 200 /s to pile up for a second: the last waits about
	 * 70 ms; 16 keep up */
	const char *a = strstr(r.out, "answer: server.acceptor.count = ");
	cr_assert_not_null(a, "%s", r.out);
	int workers = 0, backlog = 0;
	cr_assert_eq(sscanf(a, "answer: server.acceptor.count = %d, server.backlog = %d", &workers, &backlog), 2, "%s", a);
	cr_assert(workers == 15 || workers == 16, "%d workers\n%s", workers, r.out);
	cr_assert(backlog > 1 && backlog < 65535, "backlog %d\n%s", backlog, r.out);
	char *t = file_text(out, "solve.json");
	cJSON *doc = cJSON_Parse(t);
	free(t);
	const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "results"), 0);
	cr_assert_eq(cJSON_GetObjectItem(res, "capacity_answer")->valuedouble, workers);
	cr_assert_eq(cJSON_GetObjectItem(res, "answer")->valuedouble, backlog);
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(res, "capacity"), "regime")->valuestring, "peak");
	cJSON_Delete(doc);
	remove_tree(fx.dir);
}
