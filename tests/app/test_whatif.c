/* test_whatif.c: each what-if scenario in configs/whatif/ answers its
 * question in the expected direction. */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"

/* run config with up to three --set overrides; returns the summary */
static cJSON *run3(const char *config, const char *s1, const char *s2, const char *s3)
{
	char *dir = temp_dir();
	const char *argv[16] = {"run", config, "-q", "--no-series", "-o", dir};
	int n = 6;
	const char *sets[3] = {s1, s2, s3};
	for (int i = 0; i < 3; i++)
		if (sets[i]) {
			argv[n++] = "--set";
			argv[n++] = sets[i];
		}
	argv[n] = NULL;
	struct cli_result r = run_cli(argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], argv[6], argv[7], argv[8],
	                              argv[9], argv[10], argv[11], NULL);
	cr_assert_eq(r.status, 0, "%s: %s", config, r.err);
	char path[512];
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	char *t = read_text(path);
	cJSON *doc = cJSON_Parse(t);
	free(t);
	remove_tree(dir);
	return doc;
}

static double get(const cJSON *doc, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, a), b);
	cr_assert(cJSON_IsNumber(o), "%s.%s", a, b);
	return o->valuedouble;
}

/* fraction connected on the first SYN */
static double first_syn_frac(const cJSON *doc)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, "connected_by_syns");
	double first = cJSON_GetArrayItem(a, 0)->valuedouble;
	return first / cJSON_GetObjectItemCaseSensitive(doc, "attempts")->valuedouble;
}

Test(whatif, nginx_511_holds_a_3x_crowd_only_with_a_large_somaxconn)
{
	cJSON *small = run3("configs/whatif/nginx-flash-crowd.json", NULL, NULL, NULL);
	cJSON *large = run3("configs/whatif/nginx-flash-crowd.json", "server.sysctl.somaxconn=4096", NULL, NULL);
	cr_assert_eq(get(small, "server", "max_accept_queue"), 129);
	cr_assert_eq(get(large, "server", "max_accept_queue"), 512);
	cr_assert_gt(get(small, "counters", "ListenOverflows"), 3 * get(large, "counters", "ListenOverflows"));
	cr_assert_gt(first_syn_frac(large), first_syn_frac(small));
	cJSON_Delete(small);
	cJSON_Delete(large);
}

Test(whatif, mysql_back_log_1000_absorbs_a_500_ms_stall)
{
	cJSON *a = run3("configs/whatif/mysql-2000.json", NULL, NULL, NULL);
	cJSON *b = run3("configs/whatif/mysql-2000.json", "server.backlog=1000", NULL, NULL);
	/* about 1000 arrive during the stall; back_log 50 keeps 51 */
	cr_assert_gt(get(a, "counters", "ListenOverflows"), 500);
	cr_assert_eq(get(b, "counters", "ListenOverflows"), 0);
	cr_assert_gt(get(a, "connect_time_ms", "p99"), 900);
	cr_assert_lt(get(b, "connect_time_ms", "p99"), 10);
	cr_assert_eq(get(b, "outcomes", "read_timeout"), 0);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

Test(whatif, java_backlog_50_drops_during_gc_pauses)
{
	cJSON *a = run3("configs/whatif/java-backlog-50.json", NULL, NULL, NULL);
	cJSON *b = run3("configs/whatif/java-backlog-50.json", "server.backlog=1024", NULL, NULL);
	cr_assert_eq(get(a, "server", "max_accept_queue"), 51);
	cr_assert_gt(get(a, "counters", "ListenOverflows"), 0);
	cr_assert_eq(get(b, "counters", "ListenOverflows"), 0);
	cr_assert_lt(first_syn_frac(a), first_syn_frac(b));
	cJSON_Delete(a);
	cJSON_Delete(b);
}

Test(whatif, syncookies_protect_real_clients_from_a_flood)
{
	cJSON *on = run3("configs/whatif/syn-flood.json", NULL, NULL, NULL);
	cJSON *off = run3("configs/whatif/syn-flood.json", "server.sysctl.tcp_syncookies=0", NULL, NULL);
	cr_assert_gt(get(on, "clients", "flood_syns"), 100000);
	cr_assert_gt(get(on, "counters", "SyncookiesSent"), 0);
	cr_assert_gt(get(off, "counters", "TCPReqQFullDrop"), 0);
	cr_assert_eq(get(on, "server", "max_syn_queue"), 512);
	cr_assert_gt(first_syn_frac(on), 0.99);
	cr_assert_lt(first_syn_frac(off), 0.5);
	cr_assert_lt(get(on, "connect_time_ms", "p99"), 10);
	cr_assert_gt(get(off, "connect_time_ms", "p50"), 1000);
	cJSON_Delete(on);
	cJSON_Delete(off);
}

Test(whatif, reuseport_hashing_overflows_more_than_one_big_queue)
{
	cJSON *four = run3("configs/whatif/reuseport-4.json", NULL, NULL, NULL);
	cJSON *one = run3("configs/whatif/reuseport-4.json", "server.listeners=1", "server.backlog=512",
	                  "server.acceptor.count=8");
	cr_assert_eq(get(four, "server", "max_accept_queue"), 129);
	cr_assert_gt(get(four, "counters", "ListenOverflows"), get(one, "counters", "ListenOverflows"));
	cr_assert_eq(get(four, "server", "listeners"), 4);
	cJSON_Delete(four);
	cJSON_Delete(one);
}
