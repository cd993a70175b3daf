/* test_analytic_cmd.c: "tcpqsim analytic" (the mapping to M/M/c/K, the
 * numbers against models/analytic.h, the assumptions) and "tcpqsim
 * host-profile" (release to profile, /proc/sys to a scenario block). */
#include <criterion/criterion.h>
#include <math.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"
#include "models/analytic.h"

static char *write_file(const char *dir, const char *name, const char *text)
{
	static char path[8][512];
	static int next;
	char *p = path[next++ % 8];
	snprintf(p, 512, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "cannot write %s", p);
	fputs(text, f);
	fclose(f);
	return p;
}

/* Poisson 900/s, one exponential worker of mean 1 ms, backlog 8 */
static const char base_scenario[] =
    "{\"name\": \"an\", \"duration_s\": 10,\n"
    " \"server\": {\"backlog\": 8, \"acceptor\": {\"kind\": \"workers\", \"count\": 1,"
    " \"service_ms\": {\"kind\": \"exponential\", \"mean\": 1}}},\n"
    " \"clients\": {\"sysctl\": {\"tcp_syn_retries\": 0}, \"arrival\": {\"kind\": \"poisson\", \"rate_per_s\": 900},"
    " \"after_connect\": {\"kind\": \"hold\", \"hold_s\": 0}}}\n";

/* the number after `label` on its line of out */
static double value_after(const char *out, const char *label)
{
	const char *p = strstr(out, label);
	cr_assert_not_null(p, "no \"%s\" in:\n%s", label, out);
	p += strlen(label);
	while (*p == ' ')
		p++;
	return strtod(p, NULL);
}

Test(analytic_cmd, mm1k_numbers_match_the_library)
{
	char *d = temp_dir();
	char *f = write_file(d, "an.json", base_scenario);
	struct cli_result r = run_cli("analytic", f, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "K = N + 1 + c = 10"), "%s", r.out);
	cr_assert(strstr(r.out, "rho = a/c = 0.9"), "%s", r.out);
	struct analytic_mmck q;
	cr_assert_eq(analytic_mmck_solve(900, 1000, 1, 10, &q), ANALYTIC_OK);
	cr_assert_float_eq(value_after(r.out, "blocking per SYN"), q.blocking_prob, 1e-6);
	cr_assert_float_eq(value_after(r.out, "mean accept queue"), q.mean_waiting, 1e-3);
	cr_assert_float_eq(value_after(r.out, "utilisation"), q.utilisation, 1e-4);
	cr_assert(strstr(r.out, "ok         Poisson arrivals"), "%s", r.out);
	cr_assert(strstr(r.out, "ok         exponential service"), "%s", r.out);
	cr_assert(strstr(r.out, "1 copy at 0 s"), "%s", r.out);
	remove_tree(d);
}

Test(analytic_cmd, retry_fixed_point_uses_the_syn_schedule)
{
	char *d = temp_dir();
	char *f = write_file(d, "an.json", base_scenario);
	/* linux-6.18, tcp_syn_retries 2: the time budget gives 6 SYNs with
	 * linear timeouts and 3 without (docs/kernels.md, measured: docs/kcheck.md) */
	struct cli_result r = run_cli("analytic", f, "--set", "clients.sysctl.tcp_syn_retries=2", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "6 copies at 0 1.0"), "%s", r.out);
	cr_assert(strstr(r.out, "; ETIMEDOUT at 7."), "%s", r.out);
	struct analytic_syn_retry fp;
	cr_assert_eq(analytic_syn_retry_solve(900, 1000, 1, 10, 5, &fp), ANALYTIC_OK);
	cr_assert_float_eq(value_after(r.out, "b, blocking per SYN copy"), fp.copy_blocking, 1e-6);
	cr_assert_float_eq(value_after(r.out, "P(attempt fails: timed_out)"), fp.attempt_failure_prob,
	                   1e-6 + 1e-5 * fp.attempt_failure_prob);
	cr_assert(strstr(r.out, "approx     retransmitted SYNs"), "%s", r.out);

	r = run_cli("analytic", f, "--set", "clients.sysctl.tcp_syn_retries=2", "--set",
	            "clients.sysctl.tcp_syn_linear_timeouts=0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "3 copies at 0 1.0"), "%s", r.out);

	/* an application connect timeout cuts the schedule */
	r = run_cli("analytic", f, "--set", "clients.sysctl.tcp_syn_retries=2", "--set",
	            "clients.sysctl.tcp_syn_linear_timeouts=0", "--set", "clients.connect_timeout_s=2.5", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "2 copies at 0 1.0"), "%s", r.out);
	cr_assert(strstr(r.out, "connect timeout at 2.5 s"), "%s", r.out);
	cr_assert_eq(analytic_syn_retry_solve(900, 1000, 1, 10, 1, &fp), ANALYTIC_OK);
	cr_assert_float_eq(value_after(r.out, "P(attempt fails: connect timeout)"), fp.attempt_failure_prob,
	                   1e-6 + 1e-5 * fp.attempt_failure_prob);
	remove_tree(d);
}

Test(analytic_cmd, assumptions_the_scenario_breaks)
{
	char *d = temp_dir();
	char *f = write_file(d, "an.json", base_scenario);
	struct {
		const char *set, *want;
	} cases[] = {
	    {"server.acceptor={\"kind\":\"rate\",\"rate_per_s\":1000,\"process\":\"fixed\"}",
	     "VIOLATED   exponential service: the rate acceptor's gaps are fixed"},
	    {"server.acceptor={\"kind\":\"rate\",\"rate_per_s\":1000,\"process\":\"exponential\"}",
	     "ok         exponential service (the rate acceptor's gaps are exponential)"},
	    {"server.acceptor.service_ms=1", "VIOLATED   exponential service: the workers' service time is constant"},
	    {"clients.arrival={\"kind\":\"constant\",\"rate_per_s\":900}", "VIOLATED   Poisson arrivals: constant"},
	    {"server.listeners=2", "VIOLATED   one listener: 2 SO_REUSEPORT listeners"},
	    {"server.acceptor.stalls=[{\"at_s\":1,\"for_s\":1}]", "VIOLATED   the application always accepts: 1 stall"},
	    {"server.kernel=linux-4.9", "VIOLATED   a SYN is dropped whenever the accept queue is full: profile linux-4.9"},
	    {"network.loss_to_server=0.01", "VIOLATED   no packet loss"},
	    {"server.acceptor={\"kind\":\"event_loop\",\"batch\":1,\"wake_latency_ms\":{\"kind\":\"exponential\",\"mean\":1}}",
	     "K = N + 1 = 9"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli_result r = run_cli("analytic", f, "--set", cases[i].set, NULL);
		cr_assert_eq(r.status, 0, "%s: %s", cases[i].set, r.err);
		cr_assert(strstr(r.out, cases[i].want), "%s:\n%s", cases[i].set, r.out);
	}
	/* two listeners: each offered half */
	struct cli_result r = run_cli("analytic", f, "--set", "server.listeners=2", NULL);
	cr_assert(strstr(r.out, "lambda = 450 /s per listener (2 listeners)"), "%s", r.out);
	remove_tree(d);
}

Test(analytic_cmd, unmappable_scenarios_exit_2_with_one_line)
{
	char *d = temp_dir();
	char *f = write_file(d, "an.json", base_scenario);
	struct {
		const char *set, *want;
	} cases[] = {
	    {"server.acceptor={\"kind\":\"never\"}", "server.acceptor.kind: expected an acceptor that takes connections"},
	    {"server.acceptor={\"kind\":\"event_loop\",\"batch\":4}",
	     "server.acceptor.batch: expected 1 to map an event loop to one server, got 4"},
	    {"server.backlog=\"many\"", "server.backlog"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli_result r = run_cli("analytic", f, "--set", cases[i].set, NULL);
		cr_assert_eq(r.status, 2, "%s: status %d", cases[i].set, r.status);
		cr_assert(strstr(r.err, cases[i].want), "%s: %s", cases[i].set, r.err);
		cr_assert(strncmp(r.err, "tcpqsim: ", 9) == 0, "%s", r.err);
		cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line: %s", r.err);
		cr_assert_eq(r.out[0], '\0', "%s", r.out);
	}
	struct cli_result r = run_cli("analytic", NULL);
	cr_assert_eq(r.status, 2);
	r = run_cli("analytic", "--help", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "usage: tcpqsim analytic"));
	remove_tree(d);
}

/* The peak/fluid estimate beside M/M/c/K, and which one applies: the
 * README's nginx bursts (3000 /s for 10 s against 8 workers of 5 ms) pile
 * up (3000 - 1600) x 10 = 14000 less the 8 held by workers; a single burst
 * maps too; a steady rate below the capacity is M/M/c/K's */
Test(analytic_cmd, fluid_estimate_and_which_applies)
{
	struct cli_result r = run_cli("analytic", "configs/capacity/nginx-bursts.json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "service capacity                         1600 /s (1 listener x 8 servers x 200 /s)"),
	          "%s", r.out);
	cr_assert(strstr(r.out, "accept queue at its peak                 13991.9 connections (at 10.000 s)"), "%s",
	          r.out);
	cr_assert(strstr(r.out, "wait for accept()                        max 8.745 s"), "%s", r.out);
	cr_assert(strstr(r.out, "3000 accepts/s: 15 workers of 5 ms per listener"), "%s", r.out);
	cr_assert(strstr(r.out, "  peak/fluid: the arrival peak exceeds the service capacity"), "%s", r.out);
	char *d = temp_dir();
	char *f = write_file(d, "an.json", base_scenario);
	r = run_cli("analytic", f, "--set", "clients.arrival={\"kind\":\"burst\",\"count\":1000}", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "VIOLATED   a steady arrival process: one burst of 1000 connects"), "%s", r.out);
	cr_assert(strstr(r.out, "  peak/fluid: bursts outrun the acceptor"), "%s", r.out);
	r = run_cli("analytic", f, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "  M/M/c/K: the arrivals never outrun the service capacity"), "%s", r.out);
	r = run_cli("analytic", f, "--set", "clients.arrival.rate_per_s=1e6", NULL);
	cr_assert(strstr(r.out, "  neither settles: the mean arrival rate"), "%s", r.out);
	remove_tree(d);
}

/* ---- host-profile ------------------------------------------------------------ */

/* a fake /proc: DIR/sys/net/{core,ipv4}/...; linear < 0 leaves that file out */
static void fake_proc(const char *dir, int linear)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/sys/net/core %s/sys/net/ipv4", dir, dir);
	cr_assert_eq(system(cmd), 0);
	char sub[512];
	snprintf(sub, sizeof(sub), "%s/sys/net/core", dir);
	write_file(sub, "somaxconn", "128\n");
	snprintf(sub, sizeof(sub), "%s/sys/net/ipv4", dir);
	write_file(sub, "tcp_max_syn_backlog", "512\n");
	write_file(sub, "tcp_syncookies", "0\n");
	write_file(sub, "tcp_abort_on_overflow", "1\n");
	write_file(sub, "tcp_synack_retries", "3\n");
	write_file(sub, "tcp_syn_retries", "4\n");
	if (linear >= 0) {
		char v[16];
		snprintf(v, sizeof(v), "%d\n", linear);
		write_file(sub, "tcp_syn_linear_timeouts", v);
	}
}

static double json_num(const cJSON *doc, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	                                                      cJSON_GetObjectItemCaseSensitive(doc, a), "sysctl"),
	                                                  b);
	cr_assert(cJSON_IsNumber(v), "%s.sysctl.%s missing", a, b);
	return v->valuedouble;
}

Test(host_profile, release_picks_the_generation_at_or_below)
{
	struct {
		const char *release, *profile;
	} cases[] = {
	    {"6.18.44-fc-v595", "linux-6.18"}, {"6.19.0", "linux-6.18"}, {"6.17.9", "linux-6.12"},
	    {"6.11.2", "linux-6.1"},         {"6.12.117+deb13-cloud-amd64", "linux-6.12"},
	    {"5.10.0-21-amd64", "linux-5.10"},  {"5.4.0", "linux-5.4"},   {"4.14.1", "linux-4.9"},
	    {"4.19.300", "linux-4.19"},        {"3.2.0", "linux-2.6.32"}, {"2.6.32-754.el6", "linux-2.6.32"},
	    {"2.6.18", "linux-2.6.32"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli_result r = run_cli("host-profile", "--release", cases[i].release, "--name", NULL);
		cr_assert_eq(r.status, 0, "%s: %s", cases[i].release, r.err);
		char want[64];
		snprintf(want, sizeof(want), "%s\n", cases[i].profile);
		cr_assert_str_eq(r.out, want, "%s", cases[i].release);
	}
	struct cli_result r = run_cli("host-profile", "--release", "banana", "--name", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--release: expected a kernel release like 6.18.44, got \"banana\""), "%s", r.err);
	r = run_cli("host-profile", "--release", "2.6.18", NULL);
	cr_assert(strstr(r.out, "older than every profile"), "%s", r.out);
}

Test(host_profile, proc_values_become_a_scenario_block)
{
	char *d = temp_dir();
	fake_proc(d, 2);
	struct cli_result r = run_cli("host-profile", "--proc", d, "--release", "6.18.3", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "kernel 6.18.3: profile linux-6.18"), "%s", r.out);
	cr_assert(strstr(r.out, "note: somaxconn = 128 here (profile default 4096)"), "%s", r.out);
	r = run_cli("host-profile", "--proc", d, "--release", "6.18.3", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cJSON *doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc, "not JSON: %s", r.out);
	cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "server"), "kernel")
	                     ->valuestring,
	                 "linux-6.18");
	cr_assert_eq(json_num(doc, "server", "somaxconn"), 128);
	cr_assert_eq(json_num(doc, "server", "tcp_max_syn_backlog"), 512);
	cr_assert_eq(json_num(doc, "server", "tcp_syncookies"), 0);
	cr_assert_eq(json_num(doc, "server", "tcp_abort_on_overflow"), 1);
	cr_assert_eq(json_num(doc, "server", "tcp_synack_retries"), 3);
	cr_assert_eq(json_num(doc, "clients", "tcp_syn_retries"), 4);
	cr_assert_eq(json_num(doc, "clients", "tcp_syn_linear_timeouts"), 2);
	cJSON_Delete(doc);
	/* the block is a scenario by itself: the simulator takes it */
	char *f = write_file(d, "host.json", r.out);
	char out[600];
	snprintf(out, sizeof(out), "%s/run", d);
	struct cli_result rr = run_cli("run", f, "-o", out, "-q", "--set", "duration_s=0.5", NULL);
	cr_assert_eq(rr.status, 0, "%s", rr.err);
	remove_tree(d);
}

Test(host_profile, files_the_profile_lacks_or_the_host_lacks)
{
	char *d = temp_dir();
	/* 5.15 has linear timeouts (6.5+ backports aside, say it does); linux-5.10 has none */
	fake_proc(d, 4);
	struct cli_result r = run_cli("host-profile", "--proc", d, "--release", "5.15.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "tcp_syn_linear_timeouts is 4 here but profile linux-5.10 has none: left out"), "%s",
	          r.out);
	cr_assert(!strstr(r.out, "\"tcp_syn_linear_timeouts\""), "%s", r.out);
	remove_tree(d);
	d = temp_dir();
	fake_proc(d, -1);
	r = run_cli("host-profile", "--proc", d, "--release", "6.18.3", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "tcp_syn_linear_timeouts: no such file"), "%s", r.out);
	/* an unreadable value is a failure to read this host: status 1 */
	char sub[512];
	snprintf(sub, sizeof(sub), "%s/sys/net/ipv4", d);
	write_file(sub, "tcp_syncookies", "lots\n");
	r = run_cli("host-profile", "--proc", d, "--release", "6.18.3", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "tcp_syncookies: expected an integer, got \"lots\""), "%s", r.err);
	r = run_cli("host-profile", "--name", "--json", NULL);
	cr_assert_eq(r.status, 2);
	remove_tree(d);
}
