/* config_rules.c: the kernel profile a scenario names and its rule
 * overrides (config_int.h, config.h). */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/world.h"
#include "app/config_int.h"

/* ---- kernel rules ----------------------------------------------------- */

enum rule_type { RT_BOOL, RT_INT, RT_ENUM, RT_MS, RT_S };

struct rule_desc {
	const char *name;
	enum rule_type type;
	size_t offset;
	const char *const *names; /* RT_ENUM */
	bool server, client;      /* where it may be overridden */
	const char *meaning;
};

static const char *const syn_queue_names[] = {"pow2_table", "qlen_ge_n", "qlen_gt_n", "syncache", NULL};
static const char *const syn_full_names[] = {"young", "drop", "ignore", NULL};
static const char *const synack_timer_names[] = {"per_request", "shared_scan", NULL};
static const char *const prune_names[] = {"half_table", "half_backlog", "none", NULL};
static const char *const accept_limit_names[] = {"n_plus_1", "3q_halves", NULL};
static const char *const tlp_names[] = {"none", "1.5rtt", "2rtt", NULL};

#define OFF(f) offsetof(struct kernel_rules, f)
static const struct rule_desc rules_table[] = {
	{"backlog_16bit", RT_BOOL, OFF(backlog_16bit), NULL, true, false,
	 "sk_max_ack_backlog is 16 bits: N wraps above 65535 (inet_listen)"},
	{"accept_limit", RT_ENUM, OFF(accept_limit), accept_limit_names, true, false,
	 "accept queue full: qlen > N, so it holds N+1 (sk_acceptq_is_full); FreeBSD qlen > 3N/2 (sonewconn)"},
	{"syn_queue_full", RT_ENUM, OFF(syn_queue_full), syn_queue_names, true, false,
	 "SYN queue full: qlen >= roundup_pow2(max(8,min(N,msb))+1) (old reqsk table), qlen >= N, or qlen > N "
	 "(inet_csk_reqsk_queue_is_full)"},
	{"syn_on_full_accept", RT_ENUM, OFF(syn_on_full_accept), syn_full_names, true, false,
	 "a SYN meeting a full accept queue: dropped only when young > 1, or always (tcp_conn_request)"},
	{"count_syn_drops", RT_BOOL, OFF(count_syn_drops), NULL, true, false,
	 "SYN drops move ListenOverflows/ListenDrops/TCPReqQFull* (not on 2.6.32)"},
	{"cookie_counts_listendrops", RT_BOOL, OFF(cookie_counts_listendrops), NULL, true, false,
	 "a cookie SYN-ACK also counts ListenDrops (3.10, 4.4: drop_and_free path)"},
	{"syncookies_always", RT_BOOL, OFF(syncookies_always), NULL, true, false,
	 "tcp_syncookies=2 (always send cookies) exists (4.4+)"},
	{"unproven_all", RT_BOOL, OFF(unproven_all), NULL, true, false,
	 "3/4-of-msb rule: every peer is unproven (before 4.12, tcp_peer_is_proven)"},
	{"synack_timer", RT_ENUM, OFF(synack_timer), synack_timer_names, true, false,
	 "SYN-ACK retransmits from one timer per request (reqsk_timer_handler) or a shared 200 ms scan "
	 "(inet_csk_reqsk_queue_prune)"},
	{"prune", RT_ENUM, OFF(prune), prune_names, true, false,
	 "half-open pruning starts at qlen >= T/2 (old table) or 2*qlen > max(8, N) (reqsk_timer_handler)"},
	{"init_rto_ms", RT_MS, OFF(init_rto), NULL, true, true,
	 "initial RTO of SYN and SYN-ACK (TCP_TIMEOUT_INIT: 3 s before 3.1, then 1 s)"},
	{"syn_giveup_base_ms", RT_MS, OFF(syn_giveup_base), NULL, false, true,
	 "rto_base of the SYN give-up time, ((2 << retries) - 1) * base (retransmits_timed_out; "
	 "200 ms on 2.6.32: the ~21 s give-up)"},
	{"cookie_valid_s", RT_S, OFF(cookie_valid), NULL, true, false,
	 "cookie ACKs are checked until this long after the last overflow (tcp_synq_no_recent_overflow)"},
	{"timer_wheel", RT_BOOL, OFF(timer_wheel), NULL, true, true,
	 "timers round up to the wheel level's granularity (kernel/time/timer.c calc_wheel_index, 4.8+)"},
	{"hz", RT_INT, OFF(hz), NULL, true, true, "jiffies per second (CONFIG_HZ), for timer rounding"},
	{"tlp", RT_ENUM, OFF(tlp), tlp_names, false, true,
	 "tail loss probe of a data or FIN segment: none (before 3.10), max(2 srtt, 1.5 srtt + 200 ms) (3.10-4.12) "
	 "or 2 srtt + 200 ms (4.13+), never after the RTO (tcp_schedule_loss_probe)"},
	{"ts_hz", RT_INT, OFF(ts_hz), NULL, false, true,
	 "TCP timestamp clock, ticks per second: HZ before 4.13, then 1000 (tcp_rtt_tsopt_us)"},
	{"synrecv_syn_ratelimit", RT_BOOL, OFF(synrecv_syn_ratelimit), NULL, true, false,
	 "a retransmitted SYN for a request gets a SYN-ACK at most once per tcp_invalid_ratelimit "
	 "(tcp_check_req, tcp_oow_rate_limited, 4.0+)"},
	{"synrecv_syn_rearm", RT_BOOL, OFF(synrecv_syn_rearm), NULL, true, false,
	 "... and restarts the request's SYN-ACK timer (tcp_check_req mod_timer_pending, 5.10+)"},
	{"cookie_stamp_once_per_s", RT_BOOL, OFF(cookie_stamp_once_per_s), NULL, true, false,
	 "the last-overflow stamp that keeps cookie ACKs valid moves at most once a second (tcp_synq_overflow, 4.4+)"},
};
#undef OFF
#define N_RULES (sizeof(rules_table) / sizeof(rules_table[0]))

size_t config_rule_count(void)
{
	return N_RULES;
}

void config_rule_describe(size_t i, const struct kernel_rules *kr, const char **name, char *value, size_t n,
                          const char **meaning)
{
	const struct rule_desc *d = &rules_table[i];
	const char *base = (const char *)kr;
	*name = d->name;
	*meaning = d->meaning;
	switch (d->type) {
	case RT_BOOL:
		snprintf(value, n, "%s", *(const bool *)(base + d->offset) ? "true" : "false");
		break;
	case RT_INT:
		snprintf(value, n, "%d", *(const int *)(base + d->offset));
		break;
	case RT_ENUM:
		snprintf(value, n, "%s", d->names[*(const int *)(base + d->offset)]);
		break;
	case RT_MS:
		snprintf(value, n, "%g", (double)*(const sim_time_ns *)(base + d->offset) / NS_PER_MS);
		break;
	case RT_S:
		snprintf(value, n, "%g", (double)*(const sim_time_ns *)(base + d->offset) / NS_PER_S);
		break;
	}
}

/* "rules": {name: value} overrides of the profile's rules, written back in full */
void read_rules(struct cfg *c, const cJSON *in, cJSON *out, struct kernel_rules *kr, bool server)
{
	struct jr *r = c->r;
	const cJSON *o = jr_object(r, in, "rules");
	const char *allowed[N_RULES + 1];
	size_t na = 0;
	for (size_t i = 0; i < N_RULES; i++)
		if (server ? rules_table[i].server : rules_table[i].client)
			allowed[na++] = rules_table[i].name;
	allowed[na] = NULL;
	size_t mark = jr_push(r, "rules", 0);
	jr_check_keys(r, o, allowed);
	cJSON *ro = add_obj(out, "rules");
	char *base = (char *)kr;
	for (size_t i = 0; i < N_RULES; i++) {
		const struct rule_desc *d = &rules_table[i];
		if (!(server ? d->server : d->client))
			continue;
		switch (d->type) {
		case RT_BOOL:
			*(bool *)(base + d->offset) = jr_bool(r, o, ro, d->name, *(bool *)(base + d->offset));
			break;
		case RT_INT:
			*(int *)(base + d->offset) = (int)jr_int(r, o, ro, d->name, *(int *)(base + d->offset), 1, 10000);
			break;
		case RT_ENUM:
			*(int *)(base + d->offset) = jr_enum(r, o, ro, d->name, d->names, *(int *)(base + d->offset));
			break;
		case RT_MS: {
			sim_time_ns *t = (sim_time_ns *)(base + d->offset);
			*t = (sim_time_ns)(jr_number(r, o, ro, d->name, (double)*t / NS_PER_MS, 1, 120000) * NS_PER_MS);
			break;
		}
		case RT_S: {
			sim_time_ns *t = (sim_time_ns *)(base + d->offset);
			*t = (sim_time_ns)(jr_number(r, o, ro, d->name, (double)*t / NS_PER_S, 0, 86400) * NS_PER_S);
			break;
		}
		}
	}
	jr_pop(r, mark);
}

const struct kernel_rules *read_kernel(struct cfg *c, const cJSON *in, cJSON *out)
{
	struct jr *r = c->r;
	const char *name = jr_string(r, in, NULL, "kernel", "linux-6.18");
	if (r->failed)
		return NULL;
	const struct kernel_rules *kr = profile_find(name);
	if (!kr) {
		const char *hint = config_profile_hint(name);
		if (hint)
			jr_fail(r, "kernel", "expected a profile name (tcpqsim profiles), got \"%s\" (did you mean \"%s\"?)",
			        name, hint);
		else
			jr_fail(r, "kernel", "expected a profile name (tcpqsim profiles), got \"%s\"", name);
		return NULL;
	}
	cJSON_AddItemToObject(out, "kernel", cJSON_CreateString(kr->profile));
	return kr;
}
