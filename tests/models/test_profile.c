/* test_profile.c: the profile table and its decision functions, as tables
 * (docs/kernels.md "Sysctl defaults", "Rules"). */
#include <criterion/criterion.h>
#include <string.h>

#include "models/profile.h"

#define S SIM_NS_PER_S
#define MS SIM_NS_PER_MS

Test(profile, every_generation_is_in_the_table)
{
	const char *names[] = {"linux-2.6.32", "linux-3.10", "linux-4.4", "linux-4.9", "linux-4.19",
	                       "linux-5.4",    "linux-5.10", "linux-6.1",  "linux-6.12", "linux-6.18",
	                       "freebsd-14"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_assert_not_null(profile_find(names[i]), "%s", names[i]);
	cr_assert_null(profile_find("linux-9.9"));
}

Test(profile, defaults_follow_kernel_md)
{
	struct row {
		const char *name;
		int somaxconn, msb, syncookies, syn_retries, linear;
		sim_time_ns rto, cookie_valid;
	} rows[] = {
	    {"linux-2.6.32", 128, 2048, 0, 5, -1, 3 * S, 3 * S},
	    {"linux-3.10", 128, 2048, 1, 6, -1, 1 * S, 3 * S},
	    {"linux-4.4", 128, 2048, 1, 6, -1, 1 * S, 120 * S},
	    {"linux-4.9", 128, 2048, 1, 6, -1, 1 * S, 120 * S},
	    {"linux-4.19", 128, 2048, 1, 6, -1, 1 * S, 120 * S},
	    {"linux-5.4", 4096, 4096, 1, 6, -1, 1 * S, 120 * S},
	    {"linux-5.10", 4096, 4096, 1, 6, -1, 1 * S, 120 * S},
	    {"linux-6.1", 4096, 4096, 1, 6, -1, 1 * S, 120 * S},
	    {"linux-6.12", 4096, 4096, 1, 6, 4, 1 * S, 120 * S},
	    {"linux-6.18", 4096, 4096, 1, 6, 4, 1 * S, 120 * S},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct kernel_rules *r = profile_find(rows[i].name);
		cr_assert_eq(r->somaxconn, rows[i].somaxconn, "%s", rows[i].name);
		cr_assert_eq(r->tcp_max_syn_backlog, rows[i].msb, "%s", rows[i].name);
		cr_assert_eq(r->tcp_syncookies, rows[i].syncookies, "%s", rows[i].name);
		cr_assert_eq(r->tcp_syn_retries, rows[i].syn_retries, "%s", rows[i].name);
		cr_assert_eq(r->tcp_syn_linear_timeouts, rows[i].linear, "%s", rows[i].name);
		cr_assert_eq(r->init_rto, rows[i].rto, "%s", rows[i].name);
		cr_assert_eq(r->cookie_valid, rows[i].cookie_valid, "%s", rows[i].name);
		cr_assert_eq(r->tcp_synack_retries, 5, "%s", rows[i].name);
	}
}

Test(profile, effective_backlog)
{
	const struct kernel_rules *m = profile_find("linux-6.18"), *o = profile_find("linux-3.10");
	cr_assert_eq(profile_effective_backlog(m, 1000, 32), 32);
	cr_assert_eq(profile_effective_backlog(m, 8, 4096), 8);
	cr_assert_eq(profile_effective_backlog(m, -1, 4096), 4096);
	cr_assert_eq(profile_effective_backlog(m, 70000, 100000), 70000);
	/* 16-bit sk_max_ack_backlog wraps above 65535 */
	cr_assert_eq(profile_effective_backlog(o, 70000, 100000), 70000 - 65536);
	cr_assert_eq(profile_effective_backlog(o, 65536, 65536), 0);
}

Test(profile, accept_queue_holds_n_plus_one)
{
	const struct kernel_rules *r = profile_find("linux-6.18");
	cr_assert(!profile_accept_queue_is_full(r, 8, 8));
	cr_assert(profile_accept_queue_is_full(r, 9, 8));
	cr_assert(profile_accept_queue_is_full(r, 1, 0));
	const struct kernel_rules *f = profile_find("freebsd-14");
	cr_assert(!profile_accept_queue_is_full(f, 192, 128)); /* 193 fit for Q = 128 */
	cr_assert(profile_accept_queue_is_full(f, 193, 128));
}

Test(profile, syn_queue_full_by_generation)
{
	const struct kernel_rules *old = profile_find("linux-2.6.32"), *mid = profile_find("linux-4.4"),
	                          *now = profile_find("linux-6.18");
	/* roundup_pow2(max(8, min(N, msb)) + 1) */
	cr_assert_eq(profile_syn_table_size(8, 2048), 16);
	cr_assert_eq(profile_syn_table_size(1, 2048), 16);
	cr_assert_eq(profile_syn_table_size(128, 2048), 256);
	cr_assert_eq(profile_syn_table_size(511, 2048), 512);
	cr_assert_eq(profile_syn_table_size(4096, 2048), 4096);
	cr_assert(!profile_syn_queue_is_full(old, 15, 8, 2048));
	cr_assert(profile_syn_queue_is_full(old, 16, 8, 2048));
	cr_assert(!profile_syn_queue_is_full(mid, 7, 8, 2048));
	cr_assert(profile_syn_queue_is_full(mid, 8, 8, 2048));
	/* v6.12 still full at qlen >= N (qlen > N came with 6.12.10 and 6.13) */
	const struct kernel_rules *v612 = profile_find("linux-6.12");
	cr_assert(!profile_syn_queue_is_full(v612, 7, 8, 4096));
	cr_assert(profile_syn_queue_is_full(v612, 8, 8, 4096));
	cr_assert(!profile_syn_queue_is_full(now, 8, 8, 4096));
	cr_assert(profile_syn_queue_is_full(now, 9, 8, 4096));
}

Test(profile, synack_retry_limit_shrinks_with_old_requests)
{
	const struct kernel_rules *r = profile_find("linux-6.18");
	/* not crowded: 2*qlen <= max(8, N) */
	cr_assert_eq(profile_synack_retry_limit(r, 5, 4, 0, 128, 4096), 5);
	cr_assert_eq(profile_synack_retry_limit(r, 5, 64, 0, 128, 4096), 5);
	/* crowded: y = young/qlen: > 1/2 -> 5, > 1/4 -> 4, > 1/8 -> 3, else 2 */
	cr_assert_eq(profile_synack_retry_limit(r, 5, 100, 51, 128, 4096), 5);
	cr_assert_eq(profile_synack_retry_limit(r, 5, 100, 50, 128, 4096), 4);
	cr_assert_eq(profile_synack_retry_limit(r, 5, 100, 26, 128, 4096), 4);
	cr_assert_eq(profile_synack_retry_limit(r, 5, 100, 25, 128, 4096), 3);
	cr_assert_eq(profile_synack_retry_limit(r, 5, 100, 13, 128, 4096), 3);
	cr_assert_eq(profile_synack_retry_limit(r, 5, 100, 12, 128, 4096), 2);
	cr_assert_eq(profile_synack_retry_limit(r, 5, 100, 0, 128, 4096), 2);
	/* the old table prunes from qlen >= T/2 */
	const struct kernel_rules *o = profile_find("linux-3.10");
	cr_assert_eq(profile_synack_retry_limit(o, 5, 7, 0, 8, 2048), 5);
	cr_assert_eq(profile_synack_retry_limit(o, 5, 8, 0, 8, 2048), 2);
}

Test(profile, synack_timeouts_expire_at_63_and_189_s)
{
	const struct kernel_rules *r = profile_find("linux-6.18"), *o = profile_find("linux-2.6.32");
	sim_time_ns t = 0, to = 0;
	for (int k = 0; k <= 5; k++) {
		t += profile_synack_timeout(r, k);
		to += profile_synack_timeout(o, k);
	}
	cr_assert_eq(t, 63 * S);
	cr_assert_eq(to, 189 * S);
	cr_assert_eq(profile_synack_timeout(r, 10), 120 * S);
}

/* the models' SYN schedule, nominal: the send instants and the give-up */
static void syn_schedule(const char *profile, int retries, int linear, double *sends, int *n, double *fail)
{
	struct syn_schedule it;
	syn_schedule_init(&it, profile_find(profile), retries, linear, SIM_TIME_NEVER, false);
	sim_time_ns at;
	*n = 0;
	sends[(*n)++] = 0;
	while (syn_schedule_next(&it, &at) == SYN_RETRANSMIT)
		sends[(*n)++] = (double)at / S;
	*fail = (double)at / S;
}

Test(profile, client_syn_schedules)
{
	double s[32], fail;
	int n;
	syn_schedule("linux-6.18", 3, 4, s, &n, &fail);
	double a[] = {0, 1, 2, 3, 4, 5, 7, 11};
	cr_assert_eq(n, 8);
	for (int i = 0; i < n; i++)
		cr_assert_float_eq(s[i], a[i], 1e-9);
	cr_assert_float_eq(fail, 19, 1e-9);

	syn_schedule("linux-6.18", 6, 4, s, &n, &fail);
	double b[] = {0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
	cr_assert_eq(n, 11);
	for (int i = 0; i < n; i++)
		cr_assert_float_eq(s[i], b[i], 1e-9);
	cr_assert_float_eq(fail, 131, 1e-9);

	syn_schedule("linux-6.18", 3, 0, s, &n, &fail);
	double c[] = {0, 1, 3, 7};
	cr_assert_eq(n, 4);
	for (int i = 0; i < n; i++)
		cr_assert_float_eq(s[i], c[i], 1e-9);
	cr_assert_float_eq(fail, 15, 1e-9);

	syn_schedule("linux-5.4", 6, 0, s, &n, &fail);
	cr_assert_eq(n, 7);
	cr_assert_float_eq(s[6], 63, 1e-9);
	cr_assert_float_eq(fail, 127, 1e-9);

	/* 2.6.32: 3 s RTO, and the give-up bug ends the attempt at 21 s */
	syn_schedule("linux-2.6.32", 5, 0, s, &n, &fail);
	double d[] = {0, 3, 9};
	cr_assert_eq(n, 3);
	for (int i = 0; i < n; i++)
		cr_assert_float_eq(s[i], d[i], 1e-9);
	cr_assert_float_eq(fail, 21, 1e-9);
}

/* the application's connect timeout ends the schedule at or before the
 * timer it meets (a tie goes to the timeout); the timer wheel only delays */
Test(profile, syn_schedule_connect_timeout_and_timer_wheel)
{
	const struct kernel_rules *r = profile_find("linux-6.18");
	struct syn_schedule it;
	sim_time_ns at;
	syn_schedule_init(&it, r, 6, 4, 2500 * MS, false);
	cr_assert_eq(syn_schedule_next(&it, &at), SYN_RETRANSMIT);
	cr_assert_eq(at, 1 * S);
	cr_assert_eq(syn_schedule_next(&it, &at), SYN_RETRANSMIT);
	cr_assert_eq(at, 2 * S);
	cr_assert_eq(syn_schedule_next(&it, &at), SYN_CONNECT_TIMEOUT);
	cr_assert_eq(at, 2500 * MS);
	syn_schedule_init(&it, r, 6, 4, 2 * S, false);
	cr_assert_eq(syn_schedule_next(&it, &at), SYN_RETRANSMIT);
	cr_assert_eq(syn_schedule_next(&it, &at), SYN_CONNECT_TIMEOUT);
	cr_assert_eq(at, 2 * S);
	/* tcp_syn_retries 0: one SYN, given up at the first timer */
	syn_schedule_init(&it, r, 0, 4, SIM_TIME_NEVER, false);
	cr_assert_eq(syn_schedule_next(&it, &at), SYN_GIVE_UP);
	cr_assert_eq(at, 1 * S);
	/* with the wheel every instant is at or after the nominal one, on a
	 * granule, and the same SYNs are sent (3 retries: 8 SYNs) */
	struct syn_schedule nominal;
	syn_schedule_init(&nominal, r, 3, 4, SIM_TIME_NEVER, false);
	syn_schedule_init(&it, r, 3, 4, SIM_TIME_NEVER, true);
	int syns = 1;
	for (;;) {
		sim_time_ns nat, wat;
		enum syn_event ne = syn_schedule_next(&nominal, &nat), we = syn_schedule_next(&it, &wat);
		cr_assert_eq(ne, we);
		cr_assert_geq(wat, nat);
		cr_assert_eq(wat % (4 * MS), 0, "%lld not on a jiffy", (long long)wat);
		if (we != SYN_RETRANSMIT)
			break;
		syns++;
	}
	cr_assert_eq(syns, 8);
}

/* the SYN-ACK schedule: 1 + 2 + 4 + 8 + 16 + 32 s = 63 s with 5 retries; the
 * old shared scan adds its lateness only when asked */
Test(profile, synack_expiry)
{
	cr_assert_eq(profile_synack_expiry(profile_find("linux-6.18"), 5, false), 63 * S);
	cr_assert_eq(profile_synack_expiry(profile_find("linux-6.18"), 5, true), 63 * S);
	const struct kernel_rules *old = profile_find("linux-3.10");
	cr_assert_eq(profile_synack_expiry(old, 5, false), 63 * S);
	cr_assert_eq(profile_synack_expiry(old, 5, true),
	             63 * S + 6 * (profile_scan_period(old) + PROFILE_SCAN_TICK_NS));
}

Test(profile, fail_times_match_kernel_md)
{
	int syns;
	cr_assert_eq(profile_syn_fail_time(profile_find("linux-6.18"), 6, 4, &syns), 131 * S);
	cr_assert_eq(syns, 11);
	cr_assert_eq(profile_syn_fail_time(profile_find("linux-6.18"), 3, 4, &syns), 19 * S);
	cr_assert_eq(syns, 8);
	/* measured on 6.18 (docs/kcheck.md): retries 1 -> 3 SYNs, 3 s; 2 -> 6 SYNs, 7 s; 4 -> 9 SYNs, 35 s */
	cr_assert_eq(profile_syn_fail_time(profile_find("linux-6.18"), 1, 4, &syns), 3 * S);
	cr_assert_eq(syns, 3);
	cr_assert_eq(profile_syn_fail_time(profile_find("linux-6.18"), 2, 4, &syns), 7 * S);
	cr_assert_eq(syns, 6);
	cr_assert_eq(profile_syn_fail_time(profile_find("linux-6.18"), 4, 4, &syns), 35 * S);
	cr_assert_eq(syns, 9);
	cr_assert_eq(profile_syn_fail_time(profile_find("linux-4.19"), 6, 0, &syns), 127 * S);
	cr_assert_eq(syns, 7);
	cr_assert_eq(profile_syn_fail_time(profile_find("linux-2.6.32"), 5, 0, &syns), 21 * S);
	cr_assert_eq(syns, 3);
	/* the legacy 3 s RTO without the give-up bug: 0, 3, 9, 21, 45, 93 s, fail at 189 s */
	struct kernel_rules legacy = *profile_find("linux-2.6.32");
	legacy.syn_giveup_base = 3 * S;
	cr_assert_eq(profile_syn_fail_time(&legacy, 5, 0, &syns), 189 * S);
	cr_assert_eq(syns, 6);
}

Test(profile, timer_wheel_rounds_up_never_early)
{
	const struct kernel_rules *r = profile_find("linux-6.18");
	struct kernel_rules off = *r;
	off.timer_wheel = false;
	cr_assert_eq(profile_timer_fire(&off, 5 * MS, 1 * S), 1 * S + 5 * MS);
	/* 1 s at HZ=250 is 250 jiffies: level 1, 8-jiffy (32 ms) granules */
	for (sim_time_ns now = 0; now < 2 * S; now += 777 * SIM_NS_PER_US) {
		sim_time_ns f = profile_timer_fire(r, now, 1 * S);
		cr_assert_geq(f, now + 1 * S);
		cr_assert_leq(f, now + 1 * S + 32 * MS + 4 * MS);
		cr_assert_eq(f % (32 * MS), 0);
	}
	/* 8 s: level 2, 256 ms granules; 32 s: level 3, 2.048 s granules */
	sim_time_ns f = profile_timer_fire(r, 11 * S, 8 * S);
	cr_assert(f >= 19 * S && f <= 19 * S + 256 * MS && f % (256 * MS) == 0);
	f = profile_timer_fire(r, 35 * S, 32 * S);
	cr_assert(f >= 67 * S && f <= 67 * S + 2048 * MS && f % (2048 * MS) == 0);
}

/* the closed-form limits are the first length at which the is_full test says
 * yes, for every rule, by brute force over small N, and known values for
 * large ones (where counting would take hours) */
Test(profile, queue_limits_are_closed_forms_of_the_full_tests)
{
	for (size_t i = 0; i < profile_count(); i++) {
		struct kernel_rules r = *profile_at(i);
		for (int rule = 0; rule < 4; rule++) {
			r.syn_queue_full = (enum syn_queue_rule)rule;
			r.accept_limit = (enum accept_limit_rule)(rule & 1);
			r.syncache_limit = rule == SYNQ_FREEBSD ? 300 : r.syncache_limit;
			for (int n = 0; n <= 300; n += n < 20 ? 1 : 37) {
				for (int msb = 0; msb <= 300; msb += 60) {
					uint32_t q = 0;
					while (!profile_syn_queue_is_full(&r, q, n, msb))
						q++;
					cr_assert_eq(profile_syn_queue_limit(&r, n, msb), q, "%s rule %d n %d msb %d", r.profile,
					             rule, n, msb);
				}
				uint32_t a = 0;
				while (!profile_accept_queue_is_full(&r, a, n))
					a++;
				cr_assert_eq(profile_accept_queue_limit(&r, n), a, "%s accept rule %d n %d", r.profile,
				             r.accept_limit, n);
			}
		}
	}
	const struct kernel_rules *l618 = profile_find("linux-6.18"), *l2632 = profile_find("linux-2.6.32"),
	                          *bsd = profile_find("freebsd-14");
	cr_assert_eq(profile_accept_queue_limit(l618, INT32_MAX), UINT32_C(2147483648));
	cr_assert_eq(profile_syn_queue_limit(l618, INT32_MAX, INT32_MAX), UINT32_C(2147483648)); /* qlen > N */
	cr_assert_eq(profile_syn_queue_limit(l2632, 65535, INT32_MAX), 65536u);
	cr_assert_eq(profile_syn_queue_limit(l2632, INT32_MAX, INT32_MAX), UINT32_C(2147483648));
	cr_assert_eq(profile_accept_queue_limit(bsd, INT32_MAX), UINT32_C(3221225471));
	cr_assert(profile_syn_queue_is_full(l618, UINT32_C(2147483648), INT32_MAX, INT32_MAX));
	cr_assert(!profile_syn_queue_is_full(l618, INT32_MAX, INT32_MAX, INT32_MAX));
}

/* the rule metadata comes from one list: every rule names its kernel
 * function, and its value under a profile reads back as that profile's */
Test(profile, rule_metadata_from_one_list)
{
	const struct kernel_rules *r = profile_find("linux-6.18"), *old = profile_find("linux-2.6.32");
	struct {
		const char *name, *v618, *v2632;
	} rows[] = {
	    {"backlog_16bit", "false", "true"},         {"accept_limit", "n_plus_1", "n_plus_1"},
	    {"syn_queue_full", "qlen_gt_n", "pow2_table"}, {"syn_on_full_accept", "drop", "young"},
	    {"synack_timer", "per_request", "shared_scan"}, {"init_rto_ms", "1000", "3000"},
	    {"syn_giveup_base_ms", "1000", "200"},     {"cookie_valid_s", "120", "3"},
	};
	cr_assert_eq(profile_rule_count(), 20);
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		const struct rule_info *ri = NULL;
		for (size_t i = 0; i < profile_rule_count(); i++)
			if (strcmp(profile_rule(i)->name, rows[k].name) == 0)
				ri = profile_rule(i);
		cr_assert_not_null(ri, "%s", rows[k].name);
		char v[64];
		profile_rule_value(ri, r, v, sizeof(v));
		cr_assert_str_eq(v, rows[k].v618, "%s", rows[k].name);
		profile_rule_value(ri, old, v, sizeof(v));
		cr_assert_str_eq(v, rows[k].v2632, "%s", rows[k].name);
	}
	for (size_t i = 0; i < profile_rule_count(); i++)
		cr_assert(profile_rule(i)->kernel_fn[0] && profile_rule(i)->meaning[0], "%s", profile_rule(i)->name);
	char words[64];
	profile_syn_queue_words(old, 128, 2048, words, sizeof(words));
	cr_assert_str_eq(words, "qlen >= T = 256");
	profile_syn_queue_words(r, 128, 2048, words, sizeof(words));
	cr_assert_str_eq(words, "qlen > N");
	cr_assert_str_eq(profile_syn_full_accept_label(SYN_FULL_ACCEPT_YOUNG), "drop if young>1");
}
