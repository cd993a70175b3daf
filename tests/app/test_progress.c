/* test_progress.c: the progress line of a long single run (runner.h). */
#include <criterion/criterion.h>

#include "app/runner.h"
#include "cli_helpers.h"

static const char long_run[] =
    "{\"name\": \"long\", \"duration_s\": 600,\n"
    " \"server\": {\"backlog\": 128, \"acceptor\": {\"kind\": \"workers\", \"count\": 8, \"service_ms\": 5}},\n"
    " \"clients\": {\"arrival\": {\"kind\": \"poisson\", \"rate_per_s\": 1500},\n"
    "             \"after_connect\": {\"kind\": \"hold\", \"hold_s\": 0.01}}}\n";

/* a long run (progress from the start, so that a fast machine shows it
 * too): a line on stderr with the simulated time, the share done and the
 * time left, redrawn in place, and wiped at the end; without the request,
 * nothing */
Test(progress, long_run_shows_simulated_time_and_time_left, .timeout = 120)
{
	char *d = temp_dir();
	char path[300];
	snprintf(path, sizeof(path), "%s/long.json", d);
	FILE *f = fopen(path, "w");
	fputs(long_run, f);
	fclose(f);
	struct loaded_scenario ls;
	struct jr err;
	cr_assert_eq(config_load_file(path, NULL, 0, &ls, &err), 0, "%s", err.msg);
	for (int want = 1; want >= 0; want--) {
		char ename[] = "/tmp/tcpqsim-progress-XXXXXX";
		int efd = mkstemp(ename);
		fflush(stderr);
		int save = dup(2);
		dup2(efd, 2);
		struct run_request rq = {.ls = &ls, .progress = want, .progress_after_s = 0};
		cJSON *sum = NULL;
		char msg[512];
		enum run_status st = runner_run(&rq, &sum, msg, sizeof(msg));
		fflush(stderr);
		dup2(save, 2);
		close(save);
		char text[8192];
		slurp(efd, text, sizeof(text));
		close(efd);
		unlink(ename);
		cr_assert_eq(st, RUN_OK, "%s", msg);
		cJSON_Delete(sum);
		if (want) {
			cr_assert(strstr(text, "\rtcpqsim: run: ") || strstr(text, "\r\033[Ktcpqsim: run: "), "%s", text);
			cr_assert(strstr(text, " of 600.0 s simulated ("), "%s", text);
			cr_assert(strstr(text, " s left"), "%s", text);
			size_t n = strlen(text);
			cr_assert(n >= 4 && strcmp(text + n - 4, "\r\033[K") == 0, "the line is not wiped at the end");
		} else {
			cr_assert_str_eq(text, "");
		}
	}
	loaded_scenario_fini(&ls);
	remove_tree(d);
}
