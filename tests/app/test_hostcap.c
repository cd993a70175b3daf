/* test_hostcap.c: a real host's nstat -az, netstat -s and ss -lnt captures
 * (tests/data/host-captures/, made by kcheck on this machine's 6.18 kernel:
 * see the README there) beside a run's counters, in compare and diagnose;
 * and run's own --nstat/--netstat/--ss-at views, which the same reader must
 * take as the real tools' output. */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>

#include "app/hostcap.h"
#include "cli_helpers.h"

#define CAP "tests/data/host-captures/"

/* the run of backlog8-never that kcheck measured, simulated */
static char *simulate_backlog8(char *dir)
{
	static char path[700];
	char out[600];
	snprintf(out, sizeof(out), "%s/sim", dir);
	struct cli_result r = run_cli("run", "tools/kcheck/examples/backlog8-never.json", "-q", "-o", out, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(path, sizeof(path), "%s/summary.json", out);
	return path;
}

/* "  NAME  HOST  RUN ..." of the table */
static bool table_row(const char *out, const char *name, const char *host, const char *run)
{
	char want[200];
	snprintf(want, sizeof(want), "  %-24s %14s %14s", name, host, run);
	return strstr(out, want) != NULL;
}

Test(hostcap, compare_sets_the_kernels_counters_beside_a_run)
{
	char *dir = temp_dir();
	const char *sim = simulate_backlog8(dir);
	/* nstat -az captures: the simulator agrees with the kernel on the
	 * listener's counters; TCPSynRetrans differs (the clients shared the
	 * host) and puts the verdict outside the counters' tolerance */
	struct cli_result r = run_cli("compare", sim, "--before", CAP "backlog8-never/nstat-before.txt", "--after",
	                              CAP "backlog8-never/nstat-after.txt", "--ss", CAP "backlog8-never/ss-lnt-after.txt",
	                              NULL);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(table_row(r.out, "ListenOverflows", "408", "408"), "%s", r.out);
	cr_assert(table_row(r.out, "ListenDrops", "408", "408"), "%s", r.out);
	cr_assert(table_row(r.out, "TcpPassiveOpens", "9", "9"), "%s", r.out);
	cr_assert(table_row(r.out, "TCPSynRetrans", "357", "0"), "%s", r.out);
	cr_assert(strstr(r.out, "(nstat -az, after - before)"), "%s", r.out);
	cr_assert(strstr(r.out, "LISTEN 127.0.0.1:8000         Recv-Q 9      Send-Q 8"), "%s", r.out);
	cr_assert(strstr(r.out, "run: the accept queue held at most 9"), "%s", r.out);
	cr_assert(strstr(r.out, "verdict: OUTSIDE tolerances"), "%s", r.out);
	/* netstat -s captures of the same moments give the same deltas (its
	 * TcpExt zeros are left out by net-tools and read as 0) */
	struct cli_result s = run_cli("compare", sim, "--before", CAP "backlog8-never/netstat-s-before.txt", "--after",
	                              CAP "backlog8-never/netstat-s-after.txt", "--tol-counters", "off", NULL);
	cr_assert_eq(s.status, 0, "%s%s", s.out, s.err);
	cr_assert(strstr(s.out, "(netstat -s, after - before)"), "%s", s.out);
	cr_assert(table_row(s.out, "ListenOverflows", "408", "408"), "%s", s.out);
	cr_assert(table_row(s.out, "SyncookiesSent", "0", "0"), "%s", s.out);
	cr_assert(table_row(s.out, "TCPSynRetrans", "357", "0"), "%s", s.out);
	remove_tree(dir);
}

Test(hostcap, nstat_and_netstat_captures_agree)
{
	static const char *const runs[] = {"backlog8-never", "burst-cookies-on"};
	for (int i = 0; i < 2; i++) {
		char p[4][300];
		snprintf(p[0], sizeof(p[0]), CAP "%s/nstat-before.txt", runs[i]);
		snprintf(p[1], sizeof(p[1]), CAP "%s/nstat-after.txt", runs[i]);
		snprintf(p[2], sizeof(p[2]), CAP "%s/netstat-s-before.txt", runs[i]);
		snprintf(p[3], sizeof(p[3]), CAP "%s/netstat-s-after.txt", runs[i]);
		struct host_capture a, b;
		char msg[512];
		cr_assert_eq(hostcap_load(&a, p[0], p[1], NULL, msg, sizeof(msg)), 0, "%s", msg);
		cr_assert_eq(hostcap_load(&b, p[2], p[3], NULL, msg, sizeof(msg)), 0, "%s", msg);
		cr_assert_eq(a.format, HOSTCAP_NSTAT);
		cr_assert_eq(b.format, HOSTCAP_NETSTAT);
		for (int k = 0; k < LISTENER_COUNTER_COUNT; k++) {
			cr_assert(a.has[k], "%s: nstat has %s", runs[i], counter_name((enum listener_counter)k));
			if (b.has[k])
				cr_assert_eq(a.delta[k], b.delta[k], "%s: %s: nstat %llu, netstat %llu", runs[i],
				             counter_name((enum listener_counter)k), (unsigned long long)a.delta[k],
				             (unsigned long long)b.delta[k]);
		}
		/* and they are the counters kcheck reported for the run */
		char sum[300];
		snprintf(sum, sizeof(sum), CAP "%s/kcheck-summary.json", runs[i]);
		char *t = read_text(sum);
		cJSON *doc = cJSON_Parse(t);
		free(t);
		const cJSON *cn = cJSON_GetObjectItem(doc, "counters");
		cr_assert_not_null(cn);
		const int checked[] = {CTR_ListenOverflows, CTR_ListenDrops, CTR_SyncookiesSent, CTR_SyncookiesRecv};
		for (size_t j = 0; j < sizeof(checked) / sizeof(checked[0]); j++) {
			const cJSON *v = cJSON_GetObjectItem(cn, counter_name((enum listener_counter)checked[j]));
			cr_assert(cJSON_IsNumber(v));
			cr_assert_eq((double)a.delta[checked[j]], v->valuedouble, "%s: %s", runs[i],
			             counter_name((enum listener_counter)checked[j]));
		}
		cJSON_Delete(doc);
	}
}

Test(hostcap, bad_captures_are_named)
{
	char *dir = temp_dir();
	const char *sim = simulate_backlog8(dir);
	/* the captures in the wrong order: counters cannot go down */
	struct cli_result r = run_cli("compare", sim, "--before", CAP "backlog8-never/nstat-after.txt", "--after",
	                              CAP "backlog8-never/nstat-before.txt", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "nstat-before.txt: ListenOverflows went down from 408"), "%s", r.err);
	/* one nstat, one netstat */
	r = run_cli("compare", sim, "--before", CAP "backlog8-never/nstat-before.txt", "--after",
	            CAP "backlog8-never/netstat-s-after.txt", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "expected two captures of one tool"), "%s", r.err);
	/* not a capture at all */
	char junk[700];
	snprintf(junk, sizeof(junk), "%s/junk.txt", dir);
	FILE *f = fopen(junk, "w");
	fputs("#kernel\nTcpExtListenOverflows lots 0.0\n", f);
	fclose(f);
	r = run_cli("compare", sim, "--before", junk, "--after", junk, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "junk.txt: line 2: expected an nstat line"), "%s", r.err);
	r = run_cli("compare", sim, "--before", CAP "backlog8-never/nstat-before.txt", "--after",
	            CAP "backlog8-never/nstat-after.txt", "--ss", CAP "backlog8-never/nstat-after.txt", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "nstat-after.txt: line 1: expected an ss -lnt line"), "%s", r.err);
	r = run_cli("compare", sim, "--before", CAP "backlog8-never/nstat-before.txt", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--before and --after go together"), "%s", r.err);
	r = run_cli("diagnose", sim, "--after", CAP "backlog8-never/nstat-after.txt", NULL);
	cr_assert_eq(r.status, 2);
	remove_tree(dir);
}

Test(hostcap, diagnose_reads_the_captures)
{
	char *dir = temp_dir();
	char out[600];
	snprintf(out, sizeof(out), "%s/diag", dir);
	struct cli_result r = run_cli("diagnose", CAP "backlog8-never/kcheck-summary.json", "-o", out, "--before",
	                              CAP "backlog8-never/netstat-s-before.txt", "--after",
	                              CAP "backlog8-never/netstat-s-after.txt", "--ss", CAP "backlog8-never/ss-lnt-after.txt",
	                              NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(table_row(r.out, "ListenOverflows", "408", "408"), "%s", r.out);
	cr_assert(strstr(r.out, "Recv-Q 9      Send-Q 8"), "%s", r.out);
	char path[700];
	snprintf(path, sizeof(path), "%s/diagnosis.json", out);
	char *t = read_text(path);
	cJSON *doc = cJSON_Parse(t);
	free(t);
	const cJSON *h = cJSON_GetObjectItem(doc, "host");
	cr_assert_not_null(h);
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(h, "counters"), "ListenOverflows")->valuedouble, 408);
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(h, "listen"), 0), "recv_q")->valuedouble, 9);
	cJSON_Delete(doc);
	remove_tree(dir);
}

/* the text between the first line starting with `from` and the next "$ "
 * line (or blank line), from the k-th occurrence (0-based) */
static void cut_view(const char *text, const char *from, int k, const char *path)
{
	const char *p = text;
	for (int i = 0; i <= k; i++) {
		p = strstr(p, from);
		cr_assert_not_null(p, "no %d-th %s", k, from);
		p += strlen(from);
	}
	p = strchr(p, '\n') + 1;
	const char *end = p;
	while (*end && strncmp(end, "$ ", 2) != 0 && *end != '\n')
		end = strchr(end, '\n') + 1;
	FILE *f = fopen(path, "w");
	fwrite(p, 1, (size_t)(end - p), f);
	fclose(f);
}

Test(hostcap, run_views_speak_the_tools_formats)
{
	char *dir = temp_dir();
	char out[600];
	snprintf(out, sizeof(out), "%s/run", dir);
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-o", out, "--ss-at", "5", "--ss-at", "10",
	                              "--nstat", "--netstat", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* nstat's own format: "#kernel", then NAME (32 wide) VALUE (16 wide) RATE */
	cr_assert(strstr(r.out, "$ nstat -az\n#kernel\nTcpExtListenOverflows           253                0.0\n"), "%s",
	          r.out);
	/* the second view also has nstat -z: the deltas since the first */
	cr_assert(strstr(r.out, "#kernel\nTcpExtListenOverflows           638                0.0\n"), "%s", r.out);
	/* netstat -s: Tcp: and TcpExt:, TcpExt zeros left out */
	cr_assert(strstr(r.out, "$ netstat -s\nTcp:\n    9 passive connection openings\n    0 resets sent\nTcpExt:\n"
	                        "    253 times the listen queue of a socket overflowed\n"),
	          "%s", r.out);
	cr_assert(strstr(r.out, "$ ss -nt state syn-recv\n"), "%s", r.out);
	/* the reader of real captures takes them as they are */
	char a[700], b[700], c[700], d[700];
	snprintf(a, sizeof(a), "%s/n1.txt", dir);
	snprintf(b, sizeof(b), "%s/n2.txt", dir);
	snprintf(c, sizeof(c), "%s/s1.txt", dir);
	snprintf(d, sizeof(d), "%s/s2.txt", dir);
	cut_view(r.out, "$ nstat -az", 0, a);
	cut_view(r.out, "$ nstat -az", 1, b);
	cut_view(r.out, "$ netstat -s", 0, c);
	cut_view(r.out, "$ netstat -s", 1, d);
	struct host_capture n, s;
	char msg[512];
	cr_assert_eq(hostcap_load(&n, a, b, NULL, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(hostcap_load(&s, c, d, NULL, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(n.format, HOSTCAP_NSTAT);
	cr_assert_eq(s.format, HOSTCAP_NETSTAT);
	cr_assert_eq(n.delta[CTR_ListenOverflows], 638);
	cr_assert_eq(s.delta[CTR_ListenOverflows], 638);
	cr_assert_eq(s.delta[CTR_TcpPassiveOpens], 0);
	remove_tree(dir);
}

Test(hostcap, ss_syn_recv_lists_the_requests)
{
	char *dir = temp_dir();
	/* linux-3.10 keeps the refused SYNs' requests in the SYN queue */
	struct cli_result r = run_cli("run", "configs/seed-experiment.json", "-q", "-o", dir, "--set",
	                              "server.kernel=linux-3.10", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	r = run_cli("run", "configs/seed-experiment.json", "-o", dir, "--set", "server.kernel=linux-3.10", "--ss-at", "5",
	            NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	const char *v = strstr(r.out, "$ ss -nt state syn-recv\n");
	cr_assert_not_null(v, "%s", r.out);
	cr_assert(strstr(v, "10.0.0.1:8000         10.0.1.2:32777\n"), "%s", v);
	remove_tree(dir);
}
