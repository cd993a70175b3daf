/* profile.c: the kernel generations of docs/kernels.md as a table, and the pure
 * decision functions (see profile.h). */
#include "models/profile.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define S SIM_NS_PER_S
#define MS SIM_NS_PER_MS

/* Rows follow docs/kernels.md "Sysctl defaults", "Rules" and "The generations". */
static const struct kernel_rules profiles[] = {
	{
		.profile = "linux-2.6.32",
		.somaxconn = 128, .tcp_max_syn_backlog = 2048, .tcp_syncookies = 0,
		.tcp_abort_on_overflow = 0, .tcp_synack_retries = 5, .tcp_syn_retries = 5,
		.tcp_syn_linear_timeouts = -1,
		.backlog_16bit = true, .accept_limit = ACCEPT_LIMIT_N_PLUS_1,
		.syn_queue_full = SYNQ_POW2_TABLE, .syn_on_full_accept = SYN_FULL_ACCEPT_YOUNG,
		.count_syn_drops = false, .cookie_counts_listendrops = false,
		.syncookies_always = false, .unproven_all = true,
		.synack_timer = SYNACK_TIMER_SHARED_SCAN, .prune = PRUNE_HALF_TABLE,
		.init_rto = 3 * S, .syn_giveup_base = 200 * MS, .cookie_valid = 3 * S,
		.timer_wheel = false, .hz = 250, .rst_on_refused_ack = false, .syncache_limit = 0,
		.tlp = TLP_NONE, .ts_hz = 250, .synrecv_syn_ratelimit = false, .synrecv_syn_rearm = false,
		.cookie_stamp_once_per_s = false,
		.source = "v2.6.32 tcp_v4_conn_request, inet_csk_reqsk_queue_prune, retransmits_timed_out",
	},
	{
		.profile = "linux-3.10",
		.somaxconn = 128, .tcp_max_syn_backlog = 2048, .tcp_syncookies = 1,
		.tcp_abort_on_overflow = 0, .tcp_synack_retries = 5, .tcp_syn_retries = 6,
		.tcp_syn_linear_timeouts = -1,
		.backlog_16bit = true, .accept_limit = ACCEPT_LIMIT_N_PLUS_1,
		.syn_queue_full = SYNQ_POW2_TABLE, .syn_on_full_accept = SYN_FULL_ACCEPT_YOUNG,
		.count_syn_drops = true, .cookie_counts_listendrops = true,
		.syncookies_always = false, .unproven_all = true,
		.synack_timer = SYNACK_TIMER_SHARED_SCAN, .prune = PRUNE_HALF_TABLE,
		.init_rto = 1 * S, .syn_giveup_base = 1 * S, .cookie_valid = 3 * S,
		.timer_wheel = false, .hz = 250, .rst_on_refused_ack = false, .syncache_limit = 0,
		.tlp = TLP_1_5_RTT, .ts_hz = 250, .synrecv_syn_ratelimit = false, .synrecv_syn_rearm = true,
		.cookie_stamp_once_per_s = false,
		.source = "v3.10 tcp_v4_conn_request, inet_csk_reqsk_queue_prune",
	},
	{
		.profile = "linux-4.4",
		.somaxconn = 128, .tcp_max_syn_backlog = 2048, .tcp_syncookies = 1,
		.tcp_abort_on_overflow = 0, .tcp_synack_retries = 5, .tcp_syn_retries = 6,
		.tcp_syn_linear_timeouts = -1,
		.backlog_16bit = false, .accept_limit = ACCEPT_LIMIT_N_PLUS_1,
		.syn_queue_full = SYNQ_QLEN_GE_N, .syn_on_full_accept = SYN_FULL_ACCEPT_YOUNG,
		.count_syn_drops = true, .cookie_counts_listendrops = true,
		.syncookies_always = true, .unproven_all = true,
		.synack_timer = SYNACK_TIMER_PER_REQUEST, .prune = PRUNE_HALF_BACKLOG,
		.init_rto = 1 * S, .syn_giveup_base = 1 * S, .cookie_valid = 120 * S,
		.timer_wheel = false, .hz = 250, .rst_on_refused_ack = false, .syncache_limit = 0,
		.tlp = TLP_1_5_RTT, .ts_hz = 250, .synrecv_syn_ratelimit = true, .synrecv_syn_rearm = true,
		.cookie_stamp_once_per_s = true,
		.source = "v4.4 tcp_conn_request, reqsk_timer_handler",
	},
	{
		.profile = "linux-4.9",
		.somaxconn = 128, .tcp_max_syn_backlog = 2048, .tcp_syncookies = 1,
		.tcp_abort_on_overflow = 0, .tcp_synack_retries = 5, .tcp_syn_retries = 6,
		.tcp_syn_linear_timeouts = -1,
		.backlog_16bit = false, .accept_limit = ACCEPT_LIMIT_N_PLUS_1,
		.syn_queue_full = SYNQ_QLEN_GE_N, .syn_on_full_accept = SYN_FULL_ACCEPT_YOUNG,
		.count_syn_drops = true, .cookie_counts_listendrops = false,
		.syncookies_always = true, .unproven_all = true,
		.synack_timer = SYNACK_TIMER_PER_REQUEST, .prune = PRUNE_HALF_BACKLOG,
		.init_rto = 1 * S, .syn_giveup_base = 1 * S, .cookie_valid = 120 * S,
		.timer_wheel = true, .hz = 250, .rst_on_refused_ack = false, .syncache_limit = 0,
		.tlp = TLP_1_5_RTT, .ts_hz = 250, .synrecv_syn_ratelimit = true, .synrecv_syn_rearm = true,
		.cookie_stamp_once_per_s = true,
		.source = "v4.9 tcp_conn_request, reqsk_timer_handler, kernel/time/timer.c",
	},
	{
		.profile = "linux-4.19",
		.somaxconn = 128, .tcp_max_syn_backlog = 2048, .tcp_syncookies = 1,
		.tcp_abort_on_overflow = 0, .tcp_synack_retries = 5, .tcp_syn_retries = 6,
		.tcp_syn_linear_timeouts = -1,
		.backlog_16bit = false, .accept_limit = ACCEPT_LIMIT_N_PLUS_1,
		.syn_queue_full = SYNQ_QLEN_GE_N, .syn_on_full_accept = SYN_FULL_ACCEPT_DROP,
		.count_syn_drops = true, .cookie_counts_listendrops = false,
		.syncookies_always = true, .unproven_all = false,
		.synack_timer = SYNACK_TIMER_PER_REQUEST, .prune = PRUNE_HALF_BACKLOG,
		.init_rto = 1 * S, .syn_giveup_base = 1 * S, .cookie_valid = 120 * S,
		.timer_wheel = true, .hz = 250, .rst_on_refused_ack = false, .syncache_limit = 0,
		.tlp = TLP_2_RTT, .ts_hz = 1000, .synrecv_syn_ratelimit = true, .synrecv_syn_rearm = true,
		.cookie_stamp_once_per_s = true,
		.source = "v4.19 tcp_conn_request, reqsk_timer_handler",
	},
	{
		.profile = "linux-5.4",
		.somaxconn = 4096, .tcp_max_syn_backlog = 4096, .tcp_syncookies = 1,
		.tcp_abort_on_overflow = 0, .tcp_synack_retries = 5, .tcp_syn_retries = 6,
		.tcp_syn_linear_timeouts = -1,
		.backlog_16bit = false, .accept_limit = ACCEPT_LIMIT_N_PLUS_1,
		.syn_queue_full = SYNQ_QLEN_GE_N, .syn_on_full_accept = SYN_FULL_ACCEPT_DROP,
		.count_syn_drops = true, .cookie_counts_listendrops = false,
		.syncookies_always = true, .unproven_all = false,
		.synack_timer = SYNACK_TIMER_PER_REQUEST, .prune = PRUNE_HALF_BACKLOG,
		.init_rto = 1 * S, .syn_giveup_base = 1 * S, .cookie_valid = 120 * S,
		.timer_wheel = true, .hz = 250, .rst_on_refused_ack = false, .syncache_limit = 0,
		.tlp = TLP_2_RTT, .ts_hz = 1000, .synrecv_syn_ratelimit = true, .synrecv_syn_rearm = true,
		.cookie_stamp_once_per_s = true,
		.source = "v5.4 tcp_conn_request, reqsk_timer_handler",
	},
	{
		/* docs/kernels.md "linux-5.10": Debian 11's kernel, the rules of
		 * linux-5.4 (the request timer restart by a retransmitted SYN,
		 * tcp_check_req, is older: 3.10 and 4.9 have it). */
		.profile = "linux-5.10",
		.somaxconn = 4096, .tcp_max_syn_backlog = 4096, .tcp_syncookies = 1,
		.tcp_abort_on_overflow = 0, .tcp_synack_retries = 5, .tcp_syn_retries = 6,
		.tcp_syn_linear_timeouts = -1,
		.backlog_16bit = false, .accept_limit = ACCEPT_LIMIT_N_PLUS_1,
		.syn_queue_full = SYNQ_QLEN_GE_N, .syn_on_full_accept = SYN_FULL_ACCEPT_DROP,
		.count_syn_drops = true, .cookie_counts_listendrops = false,
		.syncookies_always = true, .unproven_all = false,
		.synack_timer = SYNACK_TIMER_PER_REQUEST, .prune = PRUNE_HALF_BACKLOG,
		.init_rto = 1 * S, .syn_giveup_base = 1 * S, .cookie_valid = 120 * S,
		.timer_wheel = true, .hz = 250, .rst_on_refused_ack = false, .syncache_limit = 0,
		.tlp = TLP_2_RTT, .ts_hz = 1000, .synrecv_syn_ratelimit = true, .synrecv_syn_rearm = true,
		.cookie_stamp_once_per_s = true,
		.source = "v5.10 tcp_conn_request, tcp_check_req, reqsk_timer_handler",
	},
	{
		.profile = "linux-6.1",
		.somaxconn = 4096, .tcp_max_syn_backlog = 4096, .tcp_syncookies = 1,
		.tcp_abort_on_overflow = 0, .tcp_synack_retries = 5, .tcp_syn_retries = 6,
		.tcp_syn_linear_timeouts = -1,
		.backlog_16bit = false, .accept_limit = ACCEPT_LIMIT_N_PLUS_1,
		.syn_queue_full = SYNQ_QLEN_GE_N, .syn_on_full_accept = SYN_FULL_ACCEPT_DROP,
		.count_syn_drops = true, .cookie_counts_listendrops = false,
		.syncookies_always = true, .unproven_all = false,
		.synack_timer = SYNACK_TIMER_PER_REQUEST, .prune = PRUNE_HALF_BACKLOG,
		.init_rto = 1 * S, .syn_giveup_base = 1 * S, .cookie_valid = 120 * S,
		.timer_wheel = true, .hz = 250, .rst_on_refused_ack = false, .syncache_limit = 0,
		.tlp = TLP_2_RTT, .ts_hz = 1000, .synrecv_syn_ratelimit = true, .synrecv_syn_rearm = true,
		.cookie_stamp_once_per_s = true,
		.source = "v6.1 tcp_conn_request, reqsk_timer_handler",
	},
	{
		/* docs/kernels.md "linux-6.12": linux-6.1 with tcp_syn_linear_timeouts
		 * (tcp_retransmit_timer, since 6.5); inet_csk_reqsk_queue_is_full is
		 * still qlen >= N at v6.12 (qlen > N came with 6.12.10). */
		.profile = "linux-6.12",
		.somaxconn = 4096, .tcp_max_syn_backlog = 4096, .tcp_syncookies = 1,
		.tcp_abort_on_overflow = 0, .tcp_synack_retries = 5, .tcp_syn_retries = 6,
		.tcp_syn_linear_timeouts = 4,
		.backlog_16bit = false, .accept_limit = ACCEPT_LIMIT_N_PLUS_1,
		.syn_queue_full = SYNQ_QLEN_GE_N, .syn_on_full_accept = SYN_FULL_ACCEPT_DROP,
		.count_syn_drops = true, .cookie_counts_listendrops = false,
		.syncookies_always = true, .unproven_all = false,
		.synack_timer = SYNACK_TIMER_PER_REQUEST, .prune = PRUNE_HALF_BACKLOG,
		.init_rto = 1 * S, .syn_giveup_base = 1 * S, .cookie_valid = 120 * S,
		.timer_wheel = true, .hz = 250, .rst_on_refused_ack = false, .syncache_limit = 0,
		.tlp = TLP_2_RTT, .ts_hz = 1000, .synrecv_syn_ratelimit = true, .synrecv_syn_rearm = true,
		.cookie_stamp_once_per_s = true,
		.source = "v6.12 tcp_conn_request, inet_csk_reqsk_queue_is_full, tcp_retransmit_timer",
	},
	{
		.profile = "linux-6.18",
		.somaxconn = 4096, .tcp_max_syn_backlog = 4096, .tcp_syncookies = 1,
		.tcp_abort_on_overflow = 0, .tcp_synack_retries = 5, .tcp_syn_retries = 6,
		.tcp_syn_linear_timeouts = 4,
		.backlog_16bit = false, .accept_limit = ACCEPT_LIMIT_N_PLUS_1,
		.syn_queue_full = SYNQ_QLEN_GT_N, .syn_on_full_accept = SYN_FULL_ACCEPT_DROP,
		.count_syn_drops = true, .cookie_counts_listendrops = false,
		.syncookies_always = true, .unproven_all = false,
		.synack_timer = SYNACK_TIMER_PER_REQUEST, .prune = PRUNE_HALF_BACKLOG,
		.init_rto = 1 * S, .syn_giveup_base = 1 * S, .cookie_valid = 120 * S,
		.timer_wheel = true, .hz = 250, .rst_on_refused_ack = false, .syncache_limit = 0,
		.tlp = TLP_2_RTT, .ts_hz = 1000, .synrecv_syn_ratelimit = true, .synrecv_syn_rearm = true,
		.cookie_stamp_once_per_s = true,
		.source = "v6.18 tcp_conn_request, tcp_check_req, reqsk_timer_handler, tcp_retransmit_timer",
	},
	{
		/* docs/kernels.md "freebsd-14 (server only)": a server-side profile. */
		.profile = "freebsd-14",
		.somaxconn = 128, .tcp_max_syn_backlog = 15360, .tcp_syncookies = 1,
		.tcp_abort_on_overflow = 0, .tcp_synack_retries = 3, .tcp_syn_retries = 6,
		.tcp_syn_linear_timeouts = -1,
		.backlog_16bit = false, .accept_limit = ACCEPT_LIMIT_3Q_HALVES,
		.syn_queue_full = SYNQ_FREEBSD, .syn_on_full_accept = SYN_FULL_ACCEPT_IGNORE,
		.count_syn_drops = true, .cookie_counts_listendrops = false,
		.syncookies_always = false, .unproven_all = false,
		.synack_timer = SYNACK_TIMER_PER_REQUEST, .prune = PRUNE_NONE,
		.init_rto = 1 * S, .syn_giveup_base = 1 * S, .cookie_valid = 120 * S,
		.timer_wheel = false, .hz = 1000, .rst_on_refused_ack = true, .syncache_limit = 15360,
		.tlp = TLP_2_RTT, .ts_hz = 1000, .synrecv_syn_ratelimit = false, .synrecv_syn_rearm = false,
		.cookie_stamp_once_per_s = false,
		.source = "FreeBSD 14 sys/netinet/tcp_syncache.c, sys/kern/uipc_socket.c sonewconn",
	},
};

#define N_PROFILES (sizeof(profiles) / sizeof(profiles[0]))

/* ---- the rules' metadata, from the lists in profile.h ---- */

#define VALUE_NAME(id, name, label, words) name,
#define VALUE_LABEL(id, name, label, words) label,
#define VALUE_WORDS(id, name, label, words) words,
static const char *const syn_queue_values[] = {SYN_QUEUE_RULE_LIST(VALUE_NAME) NULL};
static const char *const syn_full_accept_values[] = {SYN_FULL_ACCEPT_RULE_LIST(VALUE_NAME) NULL};
static const char *const synack_timer_values[] = {SYNACK_TIMER_RULE_LIST(VALUE_NAME) NULL};
static const char *const prune_values[] = {PRUNE_RULE_LIST(VALUE_NAME) NULL};
static const char *const accept_limit_values[] = {ACCEPT_LIMIT_RULE_LIST(VALUE_NAME) NULL};
static const char *const tlp_values[] = {TLP_RULE_LIST(VALUE_NAME) NULL};
static const char *const syn_queue_labels[] = {SYN_QUEUE_RULE_LIST(VALUE_LABEL)};
static const char *const syn_queue_words[] = {SYN_QUEUE_RULE_LIST(VALUE_WORDS)};
static const char *const syn_full_accept_labels[] = {SYN_FULL_ACCEPT_RULE_LIST(VALUE_LABEL)};

static const struct rule_info rules[] = {
#define X(name, field, type, values, server, client, kfn, meaning) \
	{#name, type, offsetof(struct kernel_rules, field), values, server, client, kfn, meaning},
	KERNEL_RULE_LIST(X)
#undef X
};

size_t profile_rule_count(void)
{
	return sizeof(rules) / sizeof(rules[0]);
}

const struct rule_info *profile_rule(size_t i)
{
	return i < profile_rule_count() ? &rules[i] : NULL;
}

void profile_rule_value(const struct rule_info *ri, const struct kernel_rules *r, char *buf, size_t n)
{
	const char *base = (const char *)r + ri->offset;
	switch (ri->type) {
	case RULE_BOOL:
		snprintf(buf, n, "%s", *(const bool *)base ? "true" : "false");
		break;
	case RULE_INT:
		snprintf(buf, n, "%d", *(const int *)base);
		break;
	case RULE_ENUM:
		snprintf(buf, n, "%s", ri->values[*(const int *)base]);
		break;
	case RULE_MS:
		snprintf(buf, n, "%g", (double)*(const sim_time_ns *)base / 1e6);
		break;
	case RULE_S:
		snprintf(buf, n, "%g", (double)*(const sim_time_ns *)base / 1e9);
		break;
	}
}

const char *profile_syn_queue_label(enum syn_queue_rule v)
{
	return syn_queue_labels[v];
}

const char *profile_syn_full_accept_label(enum syn_full_accept_rule v)
{
	return syn_full_accept_labels[v];
}

void profile_syn_queue_words(const struct kernel_rules *r, int n, int msb, char *buf, size_t len)
{
	if (r->syn_queue_full == SYNQ_POW2_TABLE)
		snprintf(buf, len, "%s = %u", syn_queue_words[r->syn_queue_full], profile_syn_table_size(n, msb));
	else
		snprintf(buf, len, "%s", syn_queue_words[r->syn_queue_full]);
}

const struct kernel_rules *profile_find(const char *name)
{
	for (size_t i = 0; i < N_PROFILES; i++)
		if (strcmp(profiles[i].profile, name) == 0)
			return &profiles[i];
	return NULL;
}

size_t profile_count(void)
{
	return N_PROFILES;
}

const struct kernel_rules *profile_at(size_t i)
{
	return i < N_PROFILES ? &profiles[i] : NULL;
}

int profile_effective_backlog(const struct kernel_rules *r, long backlog, int somaxconn)
{
	/* __sys_listen: if ((unsigned int)backlog > somaxconn) backlog = somaxconn */
	long n = backlog;
	if (n < 0 || n > somaxconn)
		n = somaxconn;
	if (r->backlog_16bit)
		n &= 0xffff; /* unsigned short sk_max_ack_backlog */
	return (int)n;
}

bool profile_accept_queue_is_full(const struct kernel_rules *r, uint32_t aq_len, int n)
{
	if (r->accept_limit == ACCEPT_LIMIT_3Q_HALVES)
		return (uint64_t)aq_len * 2 > (uint64_t)n * 3; /* sonewconn: qlen > 3 * qlimit / 2 */
	return (int64_t)aq_len > n; /* sk_acceptq_is_full: sk_ack_backlog > sk_max_ack_backlog */
}

uint32_t profile_accept_queue_limit(const struct kernel_rules *r, int n)
{
	if (n < 0)
		return 0;
	if (r->accept_limit == ACCEPT_LIMIT_3Q_HALVES)
		return (uint32_t)((uint64_t)n * 3 / 2 + 1); /* 2 * qlen > 3 * N */
	return (uint32_t)n + 1;                          /* qlen > N */
}

uint32_t profile_syn_queue_limit(const struct kernel_rules *r, int n, int msb)
{
	switch (r->syn_queue_full) {
	case SYNQ_POW2_TABLE:
		return profile_syn_table_size(n, msb);
	case SYNQ_QLEN_GE_N:
		return n > 0 ? (uint32_t)n : 0;
	case SYNQ_QLEN_GT_N:
		return n >= 0 ? (uint32_t)n + 1 : 0;
	case SYNQ_FREEBSD:
		return r->syncache_limit > 0 ? (uint32_t)r->syncache_limit : 0;
	}
	return 0;
}

uint32_t profile_syn_table_size(int n, int msb)
{
	/* reqsk_queue_alloc: nr = roundup_pow_of_two(max(8, min(N, msb)) + 1) */
	uint32_t nr = (uint32_t)(n < msb ? n : msb);
	if (nr < 8)
		nr = 8;
	nr += 1;
	/* roundup_pow_of_two: the highest bit of nr - 1, shifted up once */
	if (nr > (UINT32_C(1) << 31))
		return 0; /* no table that large: a negative N */
	return UINT32_C(1) << (32 - __builtin_clz(nr - 1));
}

bool profile_syn_queue_is_full(const struct kernel_rules *r, uint32_t qlen, int n, int msb)
{
	switch (r->syn_queue_full) {
	case SYNQ_POW2_TABLE:
		return qlen >= profile_syn_table_size(n, msb); /* qlen >> max_qlen_log */
	case SYNQ_QLEN_GE_N:
		return (int64_t)qlen >= n;
	case SYNQ_QLEN_GT_N:
		return (int64_t)qlen > n;
	case SYNQ_FREEBSD:
		return (int64_t)qlen >= r->syncache_limit;
	}
	return false;
}

int profile_synack_retry_limit(const struct kernel_rules *r, int synack_retries, uint32_t qlen,
                               uint32_t young, int n, int msb)
{
	int max = synack_retries;
	bool crowded = false;
	switch (r->prune) {
	case PRUNE_HALF_TABLE: /* lopt->qlen >> (lopt->max_qlen_log - 1) */
		crowded = qlen >= profile_syn_table_size(n, msb) / 2;
		break;
	case PRUNE_HALF_BACKLOG: /* (qlen << 1) > max(8U, sk_max_ack_backlog) */
		crowded = (uint64_t)qlen * 2 > (uint64_t)(n > 8 ? n : 8);
		break;
	case PRUNE_NONE:
		crowded = false;
		break;
	}
	if (crowded) {
		uint64_t y = (uint64_t)young << 1;
		while (max > 2) {
			if (qlen < y)
				break;
			max--;
			y <<= 1;
		}
	}
	return max;
}

sim_time_ns profile_synack_timeout(const struct kernel_rules *r, int num_timeout)
{
	if (num_timeout >= 30)
		return TCP_RTO_MAX_NS;
	sim_time_ns t = r->init_rto << num_timeout;
	return t < TCP_RTO_MAX_NS ? t : TCP_RTO_MAX_NS;
}

sim_time_ns profile_syn_next_rto(const struct kernel_rules *r, int linear_timeouts, int k,
                                 sim_time_ns prev_rto)
{
	if (linear_timeouts > 0 && k <= linear_timeouts)
		return r->init_rto;
	sim_time_ns t = prev_rto * 2;
	return t < TCP_RTO_MAX_NS ? t : TCP_RTO_MAX_NS;
}

sim_time_ns profile_model_timeout(sim_time_ns base, int boundary)
{
	int thresh = 0; /* ilog2(TCP_RTO_MAX / rto_base) */
	while ((base << (thresh + 1)) <= TCP_RTO_MAX_NS)
		thresh++;
	if (boundary <= thresh)
		return (((sim_time_ns)2 << boundary) - 1) * base;
	return (((sim_time_ns)2 << thresh) - 1) * base + (sim_time_ns)(boundary - thresh) * TCP_RTO_MAX_NS;
}

sim_time_ns profile_syn_giveup_after(const struct kernel_rules *r, int syn_retries)
{
	/* retransmits_timed_out(sk, tcp_syn_retries, 0): rto_base is the initial
	 * RTO (tcp_timeout_init); 2.6.32 used TCP_RTO_MIN here, hence its give-up
	 * at ~21 s after two 3 s-based retransmits. */
	return profile_model_timeout(r->syn_giveup_base, syn_retries);
}

struct syn_timeout profile_syn_timeout(const struct kernel_rules *r, int syn_retries, int linear_timeouts,
                                       int retransmits, sim_time_ns rto, sim_time_ns elapsed)
{
	struct syn_timeout t = {false, 0};
	if (syn_retries == 0 || (retransmits > 0 && elapsed >= profile_syn_giveup_after(r, syn_retries))) {
		t.give_up = true;
		return t;
	}
	t.next_rto = profile_syn_next_rto(r, linear_timeouts, retransmits + 1, rto);
	return t;
}

void syn_schedule_init(struct syn_schedule *s, const struct kernel_rules *r, int syn_retries, int linear_timeouts,
                       sim_time_ns connect_timeout, bool wheel)
{
	s->r = r;
	s->syn_retries = syn_retries;
	s->linear_timeouts = linear_timeouts;
	s->connect_timeout = connect_timeout;
	s->wheel = wheel;
	s->retransmits = 0;
	s->rto = r->init_rto; /* tcp_connect: the timer at the initial RTO */
	s->armed = 0;
}

enum syn_event syn_schedule_next(struct syn_schedule *s, sim_time_ns *at)
{
	sim_time_ns fire = s->wheel ? profile_timer_fire(s->r, s->armed, s->rto) : s->armed + s->rto;
	if (s->connect_timeout != SIM_TIME_NEVER && s->connect_timeout <= fire) {
		*at = s->connect_timeout;
		return SYN_CONNECT_TIMEOUT;
	}
	*at = fire;
	struct syn_timeout t = profile_syn_timeout(s->r, s->syn_retries, s->linear_timeouts, s->retransmits, s->rto, fire);
	if (t.give_up)
		return SYN_GIVE_UP;
	s->retransmits++;
	s->rto = t.next_rto;
	s->armed = fire;
	return SYN_RETRANSMIT;
}

sim_time_ns profile_syn_fail_time(const struct kernel_rules *r, int syn_retries, int linear_timeouts, int *syns)
{
	struct syn_schedule s;
	syn_schedule_init(&s, r, syn_retries, linear_timeouts, SIM_TIME_NEVER, false);
	sim_time_ns at;
	*syns = 1;
	while (syn_schedule_next(&s, &at) == SYN_RETRANSMIT)
		(*syns)++;
	return at;
}

sim_time_ns profile_synack_expiry(const struct kernel_rules *r, int synack_retries, bool late)
{
	sim_time_ns expiry = 0;
	for (int k = 0; k <= synack_retries; k++)
		expiry += profile_synack_timeout(r, k) +
		          (late && r->synack_timer == SYNACK_TIMER_SHARED_SCAN ? profile_scan_period(r) + PROFILE_SCAN_TICK_NS
		                                                              : 0);
	return expiry;
}

sim_time_ns profile_timer_fire(const struct kernel_rules *r, sim_time_ns now, sim_time_ns delay)
{
	if (!r->timer_wheel || r->hz <= 0)
		return now + delay;
	sim_time_ns jiffy = SIM_NS_PER_S / r->hz;
	int64_t now_j = now / jiffy;
	int64_t delta_j = (delay + jiffy - 1) / jiffy; /* msecs_to_jiffies rounds up */
	int64_t expires = now_j + delta_j;
	/* calc_wheel_index: level by delta; LVL_START(n) = 63 << 3(n-1) */
	int lvl = 0;
	while (lvl < 8 && delta_j >= ((int64_t)63 << (3 * lvl)))
		lvl++;
	/* calc_index: expires = (expires + LVL_GRAN(lvl)) >> LVL_SHIFT(lvl) */
	int shift = 3 * lvl;
	int64_t bucket = ((expires + ((int64_t)1 << shift)) >> shift) << shift;
	sim_time_ns t = bucket * jiffy;
	return t > now + delay ? t : now + delay;
}

sim_time_ns profile_scan_period(const struct kernel_rules *r)
{
	/* the table is scanned in (timeout / interval) / 2 ticks */
	sim_time_ns p = r->init_rto / 2;
	return p < PROFILE_SCAN_TICK_NS ? PROFILE_SCAN_TICK_NS : p;
}

sim_time_ns profile_jiffies_up(const struct kernel_rules *r, sim_time_ns t)
{
	int hz = r->hz > 0 ? r->hz : 1000;
	sim_time_ns j = SIM_NS_PER_S / hz;
	return (t + j - 1) / j * j;
}

sim_time_ns profile_ts_rtt(const struct kernel_rules *r, sim_time_ns echoed, sim_time_ns now)
{
	/* tcp_rtt_tsopt_us: delta = tcp_time_stamp - rcv_tsecr; if (!delta)
	 * delta = 1; in whole ticks of the TS clock */
	sim_time_ns tick = SIM_NS_PER_S / (r->ts_hz > 0 ? r->ts_hz : 1000);
	sim_time_ns d = now / tick - echoed / tick;
	if (d < 1)
		d = 1;
	return d * tick;
}

sim_time_ns profile_rto_from_rtt(const struct kernel_rules *r, sim_time_ns m)
{
	/* first sample: srtt = m, rttvar = max(2 m, tcp_rto_min); __tcp_set_rto:
	 * usecs_to_jiffies(srtt + rttvar); tcp_bound_rto */
	sim_time_ns var = 2 * m > TCP_RTO_MIN_NS ? 2 * m : TCP_RTO_MIN_NS;
	sim_time_ns rto = profile_jiffies_up(r, m + var);
	return rto < TCP_RTO_MAX_NS ? rto : TCP_RTO_MAX_NS;
}

sim_time_ns profile_init_rto_after_handshake(const struct kernel_rules *r, sim_time_ns srtt, sim_time_ns crtt)
{
	if (crtt > srtt) {
		/* crtt /= 8 * USEC_PER_SEC / HZ: whole jiffies, rounded down */
		int hz = r->hz > 0 ? r->hz : 1000;
		sim_time_ns j = SIM_NS_PER_S / hz;
		sim_time_ns cj = crtt / j * j;
		sim_time_ns var = 2 * cj > TCP_RTO_MIN_NS ? 2 * cj : TCP_RTO_MIN_NS;
		sim_time_ns rto = cj + var;
		return rto < TCP_RTO_MAX_NS ? rto : TCP_RTO_MAX_NS;
	}
	if (srtt > 0)
		return profile_rto_from_rtt(r, srtt);
	return TCP_TIMEOUT_FALLBACK_NS; /* RFC 6298 5.7 */
}

sim_time_ns profile_metrics_rtt(sim_time_ns crtt, sim_time_ns srtt, int backoff)
{
	/* tcp_update_metrics: "This session failed to estimate rtt ... Reset
	 * our results"; else m = rtt - srtt: store srtt if m <= 0, else
	 * rtt -= m >> 3 */
	if (backoff || srtt == 0)
		return 0;
	if (crtt <= srtt)
		return srtt;
	return crtt - (crtt - srtt) / 8;
}

sim_time_ns profile_cookie_tsval(const struct kernel_rules *r, sim_time_ns sent)
{
	/* cookie_init_timestamp: options = snd_wscale | TS_OPT_SACK (ecn_ok
	 * off); ts = (ts_now >> TSBITS) << TSBITS | options; if (ts > ts_now)
	 * ts -= 1 << TSBITS (TSBITS 6) */
	sim_time_ns tick = SIM_NS_PER_S / (r->ts_hz > 0 ? r->ts_hz : 1000);
	int64_t now = sent / tick;
	int64_t ts = (now & ~(int64_t)63) | 26;
	if (ts > now)
		ts -= 64;
	return ts * tick;
}

sim_time_ns profile_loss_probe_timeout(const struct kernel_rules *r, int early_retrans, sim_time_ns srtt,
                                       sim_time_ns rto)
{
	if (r->tlp == TLP_NONE || (early_retrans != 3 && early_retrans != 4))
		return -1;
	sim_time_ns pto;
	if (srtt <= 0) {
		pto = SIM_NS_PER_S; /* TCP_TIMEOUT_INIT */
	} else if (r->tlp == TLP_2_RTT) {
		/* timeout_us = srtt_us >> 2 (2 srtt), + tcp_rto_min with one
		 * segment out; usecs_to_jiffies */
		pto = profile_jiffies_up(r, 2 * srtt + TCP_RTO_MIN_NS);
	} else {
		/* max(2 rtt, rtt + rtt/2 + TCP_DELACK_MAX, 10 ms), in jiffies */
		sim_time_ns rtt = profile_jiffies_up(r, srtt);
		pto = 2 * rtt;
		if (rtt + rtt / 2 + TCP_RTO_MIN_NS > pto)
			pto = rtt + rtt / 2 + TCP_RTO_MIN_NS;
		if (pto < 10 * SIM_NS_PER_MS)
			pto = 10 * SIM_NS_PER_MS;
	}
	/* "If the RTO formula yields an earlier time, then use that time." */
	return pto < rto ? pto : rto;
}

bool profile_orphan_expired(int orphan_retries, sim_time_ns rto, int retransmits, sim_time_ns since)
{
	bool alive = rto < TCP_RTO_MAX_NS;
	int retry_until = orphan_retries;
	if (retry_until == 0 && alive)
		retry_until = 8; /* tcp_orphan_retries: "8 corresponds to >100 seconds" */
	if (retransmits == 0)
		return false; /* retransmits_timed_out: !icsk_retransmits */
	return since >= profile_model_timeout(TCP_RTO_MIN_NS, retry_until);
}

bool profile_cookie_too_old(sim_time_ns minted, sim_time_ns now)
{
	/* check_tcp_syn_cookie: diff = tcp_cookie_time() - count; diff >= MAX_SYNCOOKIE_AGE */
	return now / TCP_SYNCOOKIE_PERIOD_NS - minted / TCP_SYNCOOKIE_PERIOD_NS >= MAX_SYNCOOKIE_AGE;
}

sim_time_ns profile_overflow_stamp(const struct kernel_rules *r, bool ever, sim_time_ns last, sim_time_ns now)
{
	/* if (!time_between32(now, last_overflow, last_overflow + HZ)) stamp = now */
	sim_time_ns j = SIM_NS_PER_S / (r->hz > 0 ? r->hz : 1000);
	if (!r->cookie_stamp_once_per_s || !ever || now / j > last / j + SIM_NS_PER_S / j || now < last)
		return now;
	return last;
}
