/* test_seed.c: every claim of the seed note, one scenario in configs/seed/
 * and one test each. */
#include <criterion/criterion.h>
#include <math.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"

static cJSON *run_summary(const char *config, const char *out, const char *set1, const char *set2)
{
	struct cli_result r;
	if (set2)
		r = run_cli("run", config, "-q", "-o", out, "--trace", "--set", set1, "--set", set2, NULL);
	else if (set1)
		r = run_cli("run", config, "-q", "-o", out, "--trace", "--set", set1, NULL);
	else
		r = run_cli("run", config, "-q", "-o", out, "--trace", NULL);
	cr_assert_eq(r.status, 0, "%s: %s", config, r.err);
	char path[512];
	snprintf(path, sizeof(path), "%s/summary.json", out);
	char *t = read_text(path);
	cr_assert_not_null(t);
	cJSON *doc = cJSON_Parse(t);
	free(t);
	return doc;
}

static double get(const cJSON *doc, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, a);
	if (b)
		o = cJSON_GetObjectItemCaseSensitive(o, b);
	cr_assert(cJSON_IsNumber(o), "%s.%s", a, b ? b : "");
	return o->valuedouble;
}

static double by_syn(const cJSON *doc, int k)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, "connected_by_syns");
	const cJSON *v = cJSON_GetArrayItem(a, k);
	return v ? v->valuedouble : 0;
}

/* SYN send times (s) of attempt `id` from trace.jsonl, relative to the first */
static size_t syn_times(const char *out, int id, double *t, size_t max)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/trace.jsonl", out);
	char *text = read_text(path);
	cr_assert_not_null(text);
	size_t n = 0;
	for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n")) {
		cJSON *e = cJSON_Parse(line);
		const cJSON *conn = cJSON_GetObjectItemCaseSensitive(e, "conn");
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(e, "event");
		const cJSON *pkt = cJSON_GetObjectItemCaseSensitive(e, "packet");
		if (cJSON_IsNumber(conn) && conn->valueint == id && cJSON_IsString(ev) && !strcmp(ev->valuestring, "send") &&
		    cJSON_IsString(pkt) && !strcmp(pkt->valuestring, "SYN"))
			t[n++] = cJSON_GetObjectItemCaseSensitive(e, "t_s")->valuedouble;
		cJSON_Delete(e);
	}
	free(text);
	for (size_t i = n; i-- > 0;)
		t[i] -= t[0];
	return n;
}

static void check_times(const char *kernel, const double *want, size_t n_want)
{
	char *dir = temp_dir();
	char set[64];
	snprintf(set, sizeof(set), "clients[1].kernel=%s", kernel);
	cJSON *doc = run_summary("configs/seed/01-syn-retransmits.json", dir, set, NULL);
	double t[32];
	size_t n = syn_times(dir, 1, t, 32);
	cr_assert_geq(n, n_want, "%s: %zu SYNs", kernel, n);
	for (size_t i = 0; i < n_want; i++)
		cr_assert_float_eq(t[i], want[i], 1e-6, "%s: SYN %zu at %g s", kernel, i, t[i]);
	cr_assert_eq(get(doc, "outcomes", "timed_out"), 1);
	cJSON_Delete(doc);
	remove_tree(dir);
}

Test(seed, claim1_syn_retransmits_3_then_9_s_on_old_kernels)
{
	double old[] = {0, 3, 9};
	check_times("linux-2.6.32", old, 3);
	double mid[] = {0, 1, 3, 7, 15, 31, 63};
	check_times("linux-5.4", mid, 7);
	double now[] = {0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
	check_times("linux-6.18", now, 11);
}

Test(seed, claim2_somaxconn_128_holds_129)
{
	char *dir = temp_dir();
	cJSON *doc = run_summary("configs/seed/02-somaxconn-128.json", dir, NULL, NULL);
	cr_assert_eq(get(doc, "server", "effective_backlog"), 128);
	cr_assert_eq(get(doc, "server", "max_accept_queue"), 129);
	cJSON_Delete(doc);
	remove_tree(dir);
}

Test(seed, claim3_abort_on_overflow_read_timeout_or_reset)
{
	char *dir = temp_dir();
	cJSON *a = run_summary("configs/seed/03-abort-on-overflow.json", dir, NULL, NULL);
	/* =0: nothing is reset; every client waits for a greeting that never comes */
	cr_assert_eq(get(a, "outcomes", "reset_after_connect"), 0);
	cr_assert_eq(get(a, "outcomes", "read_timeout"), 13);
	cr_assert_geq(get(a, "counters", "ListenOverflows"), 4);
	cJSON *b = run_summary("configs/seed/03-abort-on-overflow.json", dir, "server.sysctl.tcp_abort_on_overflow=1", NULL);
	/* =1: the 4 whose final ACK overflowed see "connection reset by peer" */
	cr_assert_eq(get(b, "outcomes", "reset_after_connect"), 4);
	cr_assert_eq(get(b, "outcomes", "read_timeout"), 9);
	cr_assert_eq(get(b, "counters", "EmbryonicRsts"), 4);
	cJSON_Delete(a);
	cJSON_Delete(b);
	/* and when the overflow happens at SYN time, =1 changes nothing */
	cJSON *c = run_summary("configs/seed/04-experiment-6.18.json", dir, "duration_s=2", NULL);
	cJSON *d = run_summary("configs/seed/04-experiment-6.18.json", dir, "duration_s=2", "server.sysctl.tcp_abort_on_overflow=1");
	cr_assert_eq(get(c, "outcomes", "connected"), get(d, "outcomes", "connected"));
	cr_assert_eq(get(c, "outcomes", "timed_out"), get(d, "outcomes", "timed_out"));
	cr_assert_eq(get(d, "outcomes", "reset_after_connect"), 0);
	cr_assert_eq(get(c, "counters", "ListenOverflows"), get(d, "counters", "ListenOverflows"));
	cJSON_Delete(c);
	cJSON_Delete(d);
	remove_tree(dir);
}

Test(seed, claim4_the_experiment_old_versus_new)
{
	char *dir = temp_dir();
	cJSON *old = run_summary("configs/seed/04-experiment-2.6.32.json", dir, NULL, NULL);
	double attempts = get(old, "attempts", NULL);
	double connected = get(old, "outcomes", "connected");
	/* some at once, some after a delay, some time out */
	cr_assert_gt(by_syn(old, 0), 0);
	cr_assert_gt(by_syn(old, 1) + by_syn(old, 2), 0);
	cr_assert_gt(get(old, "outcomes", "timed_out"), 0);
	/* the client believes more are established than the server holds */
	cr_assert_gt(connected, 9);
	cr_assert_eq(get(old, "server", "max_accept_queue"), 9);
	cr_assert_eq(get(old, "server", "connected_never_accepted"), connected);
	cr_assert_lt(connected, attempts);
	cJSON *now = run_summary("configs/seed/04-experiment-6.18.json", dir, NULL, NULL);
	cr_assert_eq(get(now, "outcomes", "connected"), 9);
	cr_assert_eq(by_syn(now, 0), 9);
	cr_assert_eq(get(now, "outcomes", "timed_out"), get(now, "attempts", NULL) - 9);
	cJSON_Delete(old);
	cJSON_Delete(now);
	remove_tree(dir);
}

Test(seed, claim4_established_keep_growing_on_the_old_kernel)
{
	char *dir = temp_dir();
	cJSON *doc = run_summary("configs/seed/04-experiment-2.6.32.json", dir, NULL, NULL);
	cJSON_Delete(doc);
	char path[512];
	snprintf(path, sizeof(path), "%s/series.tsv", dir);
	char *t = read_text(path);
	cr_assert_not_null(t);
	/* client_established (5th column) at 1 s, 10 s and 19.9 s */
	double at[3] = {1.0, 10.0, 19.9}, est[3] = {-1, -1, -1};
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		double ts, sq, aq, ss, es;
		if (sscanf(line, "%lf %lf %lf %lf %lf", &ts, &sq, &aq, &ss, &es) != 5)
			continue;
		for (int i = 0; i < 3; i++)
			if (fabs(ts - at[i]) < 1e-9)
				est[i] = es;
	}
	free(t);
	cr_assert_geq(est[0], 9);
	cr_assert_lt(est[0], est[1]);
	cr_assert_lt(est[1], est[2]);
	remove_tree(dir);
}

Test(seed, claim5_ss_recvq_is_the_accept_queue_sendq_the_backlog)
{
	char *dir = temp_dir();
	struct cli_result r = run_cli("run", "configs/seed/05-ss-listen.json", "-o", dir, "--ss-at", "1", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "LISTEN     9       8       0.0.0.0:8000"), "%s", r.out);
	cr_assert(strstr(r.out, "      9 ESTABLISHED"), "%s", r.out);
	remove_tree(dir);
}

Test(seed, claim6_netstat_s_phrases)
{
	char *dir = temp_dir();
	struct cli_result r = run_cli("run", "configs/seed/06-netstat-s.json", "-o", dir, "--nstat", "--netstat", NULL);
	cr_assert_eq(r.status, 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	char *t = read_text(path);
	cJSON *doc = cJSON_Parse(t);
	free(t);
	double ov = get(doc, "counters", "ListenOverflows"), dr = get(doc, "counters", "ListenDrops"),
	       full = get(doc, "counters", "TCPReqQFullDrop");
	cr_assert_gt(ov, 0);
	cr_assert_gt(full, 0);
	cr_assert_eq(dr, ov + full);
	char want[128];
	snprintf(want, sizeof(want), "    %.0f times the listen queue of a socket overflowed\n", ov);
	cr_assert(strstr(r.out, want), "%s", r.out);
	snprintf(want, sizeof(want), "    %.0f SYNs to LISTEN sockets dropped\n", dr);
	cr_assert(strstr(r.out, want), "%s", r.out);
	snprintf(want, sizeof(want), "TcpExtListenOverflows           %-16.0f   0.0\n", ov);
	cr_assert(strstr(r.out, want), "%s", r.out);
	cJSON_Delete(doc);
	remove_tree(dir);
}

Test(seed, claim7_mysql_connect_times_cluster_at_3_and_9_s)
{
	char *dir = temp_dir();
	cJSON *doc = run_summary("configs/seed/07-mysql-back-log.json", dir, NULL, NULL);
	cr_assert_eq(get(doc, "counters", "ListenOverflows"), get(doc, "counters", "ListenDrops"));
	cr_assert_gt(get(doc, "counters", "ListenOverflows"), 0);
	/* every connect time is near 0, 3 or 9 s */
	const cJSON *bins = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "connect_time_ms"), "histogram"), "bins");
	double near0 = 0, near3 = 0, near9 = 0, other = 0;
	for (const cJSON *b = bins->child; b; b = b->next) {
		double lo = cJSON_GetArrayItem(b, 0)->valuedouble, n = cJSON_GetArrayItem(b, 1)->valuedouble;
		if (lo < 100)
			near0 += n;
		else if (lo >= 2990 && lo < 3100)
			near3 += n;
		else if (lo >= 8990 && lo < 9100)
			near9 += n;
		else
			other += n;
	}
	cr_assert_gt(near3, 50);
	cr_assert_gt(near9, 50);
	cr_assert_eq(other, 0);
	cr_assert_eq(near0 + near3 + near9, get(doc, "connect_time_ms", "count"));
	cJSON_Delete(doc);
	remove_tree(dir);
}

Test(seed, claim8_nginx_511_against_somaxconn_128_and_4096)
{
	char *dir = temp_dir();
	struct cli_result r = run_cli("run", "configs/seed/08-nginx-511.json", "-q", "-o", dir, NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.err, "backlog 511 cannot be enforced because net.core.somaxconn is set to the lower value of 128"),
	          "%s", r.err);
	char path[512];
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	char *t = read_text(path);
	cJSON *doc = cJSON_Parse(t);
	free(t);
	cr_assert_eq(get(doc, "server", "max_accept_queue"), 129);
	cJSON_Delete(doc);
	doc = run_summary("configs/seed/08-nginx-511.json", dir, "server.sysctl.somaxconn=4096", NULL);
	cr_assert_eq(get(doc, "server", "max_accept_queue"), 512);
	cr_assert_eq(get(doc, "outcomes", "connected"), 512);
	cJSON_Delete(doc);
	remove_tree(dir);
}
