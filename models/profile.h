/* profile.h: kernel generations as data.
 *
 * A struct kernel_rules holds one generation's sysctl defaults and its rule
 * switches, each a row of docs/kernels.md "Rules".  A scenario
 * copies the rules of the profile it names and may override any single rule.
 * The decision functions below are pure: given the rules and the state they
 * need, they answer one question the kernel asks, and their comments name the
 * kernel function they mirror.  No #ifdef per version: one table entry per
 * generation (profile.c).
 */
#ifndef TCPQSIM_PROFILE_H
#define TCPQSIM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"

/* The rule switches' values, each list X(id, name in scenarios, label in
 * `tcpqsim profiles`, words for "full when" / the rule in a sentence).
 * docs/kernels.md "Rules" has one row per switch. */

/* SYN queue full when (inet_csk_reqsk_queue_is_full) */
#define SYN_QUEUE_RULE_LIST(X)                                                     \
	X(SYNQ_POW2_TABLE, "pow2_table", "pow2 table", "qlen >= T") /* T = roundup_pow2(max(8, min(N, msb)) + 1) */ \
	X(SYNQ_QLEN_GE_N, "qlen_ge_n", "qlen >= N", "qlen >= N")                   \
	X(SYNQ_QLEN_GT_N, "qlen_gt_n", "qlen > N", "qlen > N")                     \
	X(SYNQ_FREEBSD, "syncache", "syncache", "the syncache is full")

/* a SYN meeting a full accept queue (tcp_conn_request) */
#define SYN_FULL_ACCEPT_RULE_LIST(X)                                               \
	X(SYN_FULL_ACCEPT_YOUNG, "young", "drop if young>1", "dropped only when young > 1") \
	X(SYN_FULL_ACCEPT_DROP, "drop", "always drop", "always dropped")           \
	X(SYN_FULL_ACCEPT_IGNORE, "ignore", "not checked", "not checked (FreeBSD)")

/* SYN-ACK timer: one per request (reqsk_timer_handler), or a 200 ms scan of
 * the table (inet_csk_reqsk_queue_prune) */
#define SYNACK_TIMER_RULE_LIST(X)                                                  \
	X(SYNACK_TIMER_PER_REQUEST, "per_request", "per request", "one timer per request") \
	X(SYNACK_TIMER_SHARED_SCAN, "shared_scan", "shared scan", "a shared 200 ms scan")

/* half-open pruning starts when (reqsk_timer_handler) */
#define PRUNE_RULE_LIST(X)                                                         \
	X(PRUNE_HALF_TABLE, "half_table", "half table", "qlen >= T/2")            \
	X(PRUNE_HALF_BACKLOG, "half_backlog", "half backlog", "2*qlen > max(8, N)") \
	X(PRUNE_NONE, "none", "none", "never (FreeBSD syncache: fixed retries)")

/* accept queue full when (sk_acceptq_is_full; FreeBSD solisten_upcall/sonewconn) */
#define ACCEPT_LIMIT_RULE_LIST(X)                                                  \
	X(ACCEPT_LIMIT_N_PLUS_1, "n_plus_1", "N+1", "qlen > N")                    \
	X(ACCEPT_LIMIT_3Q_HALVES, "3q_halves", "3N/2+1", "qlen > 3N/2")

#define PROFILE_ENUM_ID(id, name, label, words) id,
enum syn_queue_rule { SYN_QUEUE_RULE_LIST(PROFILE_ENUM_ID) };
enum syn_full_accept_rule { SYN_FULL_ACCEPT_RULE_LIST(PROFILE_ENUM_ID) };
enum synack_timer_rule { SYNACK_TIMER_RULE_LIST(PROFILE_ENUM_ID) };
enum prune_rule { PRUNE_RULE_LIST(PROFILE_ENUM_ID) };
enum accept_limit_rule { ACCEPT_LIMIT_RULE_LIST(PROFILE_ENUM_ID) };

/* docs/kernels.md "Tail loss probe": when the first retransmit of a data or
 * FIN segment goes out (tcp_schedule_loss_probe): none before 3.10 (the RTO
 * is the first retransmit); 3.10-4.12 PTO = max(2 srtt, 1.5 srtt +
 * TCP_DELACK_MAX, 10 ms); 4.13+ (RACK-TLP) PTO = 2 srtt + tcp_rto_min with one
 * segment out */
#define TLP_RULE_LIST(X)                                                           \
	X(TLP_NONE, "none", "none", "no probe")                                    \
	X(TLP_1_5_RTT, "1.5rtt", "1.5 rtt", "max(2 srtt, 1.5 srtt + 200 ms)")      \
	X(TLP_2_RTT, "2rtt", "2 rtt", "2 srtt + 200 ms")
enum tlp_rule { TLP_RULE_LIST(PROFILE_ENUM_ID) };

struct kernel_rules {
	const char *profile;          /* profile these rules came from */
	/* sysctl defaults */
	int somaxconn;                /* net.core.somaxconn */
	int tcp_max_syn_backlog;      /* net.ipv4.tcp_max_syn_backlog (msb) */
	int tcp_syncookies;           /* 0, 1, 2 */
	int tcp_abort_on_overflow;    /* 0, 1 */
	int tcp_synack_retries;       /* SYN-ACK retransmits before expiry */
	int tcp_syn_retries;          /* client SYN retransmits */
	int tcp_syn_linear_timeouts;  /* client SYN retransmits at the initial RTO; -1 when absent */
	/* rule switches */
	bool backlog_16bit;           /* sk_max_ack_backlog is 16 bits: wraps above 65535 */
	enum accept_limit_rule accept_limit;
	enum syn_queue_rule syn_queue_full;
	enum syn_full_accept_rule syn_on_full_accept;
	bool count_syn_drops;         /* SYN drops move ListenOverflows/ListenDrops/TCPReqQFull* */
	bool cookie_counts_listendrops; /* a cookie SYN-ACK also counts ListenDrops */
	bool syncookies_always;       /* tcp_syncookies=2 exists */
	bool unproven_all;            /* 3/4 rule: every peer unproven (before 4.12) */
	enum synack_timer_rule synack_timer;
	enum prune_rule prune;
	sim_time_ns init_rto;         /* initial RTO of SYN and SYN-ACK, ns */
	sim_time_ns syn_giveup_base;  /* rto_base of retransmits_timed_out, ns
	                                 (200 ms on 2.6.32: the give-up bug) */
	sim_time_ns cookie_valid;     /* cookie ACKs checked until this long after the last overflow, ns */
	bool timer_wheel;             /* timers round up to the wheel's level granularity */
	int hz;                       /* jiffies per second, for timer rounding */
	bool rst_on_refused_ack;      /* FreeBSD: a refused completed connection gets RST */
	int syncache_limit;           /* FreeBSD: syncache entries (net.inet.tcp.syncache.cachelimit) */
	/* after the handshake (docs/kernels.md "Client after the handshake") */
	enum tlp_rule tlp;            /* tail loss probe formula */
	int ts_hz;                    /* TCP timestamp clock, ticks per second (1000 from 4.13, HZ before) */
	bool synrecv_syn_ratelimit;   /* a retransmitted SYN for a request: SYN-ACK at most once per
	                                 tcp_invalid_ratelimit (tcp_oow_rate_limited in tcp_check_req, 4.0+) */
	bool synrecv_syn_rearm;       /* ... and the request timer restarts (mod_timer_pending, 5.10+) */
	bool cookie_stamp_once_per_s; /* the overflow stamp moves at most once a second (tcp_synq_overflow, 4.4+) */
	const char *source;           /* kernel version the table row was read from */
};

/* The overridable rules (server.rules.NAME, clients.rules.NAME): one list
 * X(name, field, type, values, server, client, kernel function, meaning),
 * from which the loader reads them and `tcpqsim profiles NAME` prints them.
 * values names the value list of an enum rule (profile.c). */
#define KERNEL_RULE_LIST(X)                                                                                   \
	X(backlog_16bit, backlog_16bit, RULE_BOOL, NULL, true, false, "inet_listen",                             \
	  "sk_max_ack_backlog is 16 bits: N wraps above 65535 (inet_listen)")                                     \
	X(accept_limit, accept_limit, RULE_ENUM, accept_limit_values, true, false, "sk_acceptq_is_full",          \
	  "accept queue full: qlen > N, so it holds N+1 (sk_acceptq_is_full); FreeBSD qlen > 3N/2 (sonewconn)")  \
	X(syn_queue_full, syn_queue_full, RULE_ENUM, syn_queue_values, true, false, "inet_csk_reqsk_queue_is_full", \
	  "SYN queue full: qlen >= roundup_pow2(max(8,min(N,msb))+1) (old reqsk table), qlen >= N, or qlen > N "  \
	  "(inet_csk_reqsk_queue_is_full)")                                                                       \
	X(syn_on_full_accept, syn_on_full_accept, RULE_ENUM, syn_full_accept_values, true, false, "tcp_conn_request", \
	  "a SYN meeting a full accept queue: dropped only when young > 1, or always (tcp_conn_request)")        \
	X(count_syn_drops, count_syn_drops, RULE_BOOL, NULL, true, false, "tcp_listendrop",                      \
	  "SYN drops move ListenOverflows/ListenDrops/TCPReqQFull* (not on 2.6.32)")                              \
	X(cookie_counts_listendrops, cookie_counts_listendrops, RULE_BOOL, NULL, true, false, "tcp_conn_request", \
	  "a cookie SYN-ACK also counts ListenDrops (3.10, 4.4: drop_and_free path)")                             \
	X(syncookies_always, syncookies_always, RULE_BOOL, NULL, true, false, "tcp_syn_flood_action",            \
	  "tcp_syncookies=2 (always send cookies) exists (4.4+)")                                                 \
	X(unproven_all, unproven_all, RULE_BOOL, NULL, true, false, "tcp_peer_is_proven",                        \
	  "3/4-of-msb rule: every peer is unproven (before 4.12, tcp_peer_is_proven)")                            \
	X(synack_timer, synack_timer, RULE_ENUM, synack_timer_values, true, false, "reqsk_timer_handler",        \
	  "SYN-ACK retransmits from one timer per request (reqsk_timer_handler) or a shared 200 ms scan "         \
	  "(inet_csk_reqsk_queue_prune)")                                                                         \
	X(prune, prune, RULE_ENUM, prune_values, true, false, "reqsk_timer_handler",                             \
	  "half-open pruning starts at qlen >= T/2 (old table) or 2*qlen > max(8, N) (reqsk_timer_handler)")      \
	X(init_rto_ms, init_rto, RULE_MS, NULL, true, true, "tcp_timeout_init",                                  \
	  "initial RTO of SYN and SYN-ACK (TCP_TIMEOUT_INIT: 3 s before 3.1, then 1 s)")                          \
	X(syn_giveup_base_ms, syn_giveup_base, RULE_MS, NULL, false, true, "retransmits_timed_out",              \
	  "rto_base of the SYN give-up time, ((2 << retries) - 1) * base (retransmits_timed_out; "               \
	  "200 ms on 2.6.32: the ~21 s give-up)")                                                                 \
	X(cookie_valid_s, cookie_valid, RULE_S, NULL, true, false, "tcp_synq_no_recent_overflow",                \
	  "cookie ACKs are checked until this long after the last overflow (tcp_synq_no_recent_overflow)")       \
	X(timer_wheel, timer_wheel, RULE_BOOL, NULL, true, true, "calc_wheel_index",                             \
	  "timers round up to the wheel level's granularity (kernel/time/timer.c calc_wheel_index, 4.8+)")       \
	X(hz, hz, RULE_INT, NULL, true, true, "CONFIG_HZ", "jiffies per second (CONFIG_HZ), for timer rounding")   \
	X(tlp, tlp, RULE_ENUM, tlp_values, false, true, "tcp_schedule_loss_probe",                               \
	  "tail loss probe of a data or FIN segment: none (before 3.10), max(2 srtt, 1.5 srtt + 200 ms) (3.10-4.12) " \
	  "or 2 srtt + 200 ms (4.13+), never after the RTO (tcp_schedule_loss_probe)")                            \
	X(ts_hz, ts_hz, RULE_INT, NULL, false, true, "tcp_rtt_tsopt_us",                                         \
	  "TCP timestamp clock, ticks per second: HZ before 4.13, then 1000 (tcp_rtt_tsopt_us)")                  \
	X(synrecv_syn_ratelimit, synrecv_syn_ratelimit, RULE_BOOL, NULL, true, false, "tcp_oow_rate_limited",    \
	  "a retransmitted SYN for a request gets a SYN-ACK at most once per tcp_invalid_ratelimit "             \
	  "(tcp_check_req, tcp_oow_rate_limited, 4.0+)")                                                          \
	X(synrecv_syn_rearm, synrecv_syn_rearm, RULE_BOOL, NULL, true, false, "tcp_check_req",                   \
	  "... and restarts the request's SYN-ACK timer (tcp_check_req mod_timer_pending, 5.10+)")               \
	X(cookie_stamp_once_per_s, cookie_stamp_once_per_s, RULE_BOOL, NULL, true, false, "tcp_synq_overflow",   \
	  "the last-overflow stamp that keeps cookie ACKs valid moves at most once a second (tcp_synq_overflow, 4.4+)")

enum rule_type {
	RULE_BOOL, /* bool field */
	RULE_INT,  /* int field */
	RULE_ENUM, /* int-sized enum field, its names in values */
	RULE_MS,   /* sim_time_ns field, given in ms */
	RULE_S,    /* sim_time_ns field, given in s */
};

struct rule_info {
	const char *name;          /* as scenarios spell it */
	enum rule_type type;
	size_t offset;             /* of its field in struct kernel_rules */
	const char *const *values; /* RULE_ENUM: names by value, NULL-terminated */
	bool server, client;       /* where it may be overridden */
	const char *kernel_fn;     /* the kernel function it mirrors */
	const char *meaning;
};

/* profile_rule_count / profile_rule: the list above, in order. */
size_t profile_rule_count(void);
const struct rule_info *profile_rule(size_t i);

/* profile_rule_value: the rule's value under r as text ("true", "4", "qlen_gt_n", "1000"). */
void profile_rule_value(const struct rule_info *ri, const struct kernel_rules *r, char *buf, size_t n);

/* the labels of the enum rules' values, for `tcpqsim profiles` */
const char *profile_syn_queue_label(enum syn_queue_rule v);
const char *profile_syn_full_accept_label(enum syn_full_accept_rule v);

/* profile_syn_queue_words: when r's SYN queue is full, in words ("qlen > N",
 * "qlen >= T = 256"). */
void profile_syn_queue_words(const struct kernel_rules *r, int n, int msb, char *buf, size_t len);

#define TCP_RTO_MAX_NS (120 * SIM_NS_PER_S)
#define TCP_RTO_MIN_NS (200 * SIM_NS_PER_MS)
#define TCP_TIMEOUT_FALLBACK_NS (3 * SIM_NS_PER_S) /* no RTT sample from the handshake */
#define TCP_SYNCOOKIE_PERIOD_NS (60 * SIM_NS_PER_S) /* cookie age counter unit */
#define MAX_SYNCOOKIE_AGE 2                        /* in TCP_SYNCOOKIE_PERIODs */

/* profile_find: the rules of the named profile, or NULL. */
const struct kernel_rules *profile_find(const char *name);

/* profile_count / profile_at: iterate the table in order. */
size_t profile_count(void);
const struct kernel_rules *profile_at(size_t i);

/* profile_effective_backlog: N = min(backlog, somaxconn); a negative backlog
 * becomes somaxconn; 16-bit kernels keep N & 0xffff.  Mirrors __sys_listen /
 * inet_listen (sk_max_ack_backlog).  FreeBSD: min(backlog, soacceptqueue). */
int profile_effective_backlog(const struct kernel_rules *r, long backlog, int somaxconn);

/* profile_accept_queue_is_full: sk_acceptq_is_full (qlen > N: the queue holds
 * N+1); FreeBSD: sonewconn refuses when qlen > 3N/2. */
bool profile_accept_queue_is_full(const struct kernel_rules *r, uint32_t aq_len, int n);

/* profile_accept_queue_limit: the most the accept queue holds, in closed
 * form: the smallest length at which profile_accept_queue_is_full says yes
 * (N + 1 for sk_acceptq_is_full; floor(3N/2) + 1 for FreeBSD's sonewconn). */
uint32_t profile_accept_queue_limit(const struct kernel_rules *r, int n);

/* profile_syn_queue_limit: the most the SYN queue holds, in closed form: the
 * smallest qlen at which profile_syn_queue_is_full says yes (T, N, N + 1 or
 * the syncache limit; inet_csk_reqsk_queue_is_full). */
uint32_t profile_syn_queue_limit(const struct kernel_rules *r, int n, int msb);

/* profile_syn_table_size: T of the old request table (reqsk_queue_alloc):
 * roundup_pow2(max(8, min(N, msb)) + 1). */
uint32_t profile_syn_table_size(int n, int msb);

/* profile_syn_queue_is_full: inet_csk_reqsk_queue_is_full for the rule. */
bool profile_syn_queue_is_full(const struct kernel_rules *r, uint32_t qlen, int n, int msb);

/* profile_synack_retry_limit: the retransmit limit for a request timing out
 * now (reqsk_timer_handler; inet_csk_reqsk_queue_prune before 4.4): with the
 * queue at least half full, y = young/qlen gives 5 (y > 1/2), 4 (y > 1/4),
 * 3 (y > 1/8) or 2 from a limit of 5. */
int profile_synack_retry_limit(const struct kernel_rules *r, int synack_retries, uint32_t qlen,
                               uint32_t young, int n, int msb);

/* profile_synack_timeout: the SYN-ACK timer after the num_timeout-th timeout:
 * min(init_rto << num_timeout, 120 s) (reqsk_timeout). */
sim_time_ns profile_synack_timeout(const struct kernel_rules *r, int num_timeout);

/* profile_syn_next_rto: the client's RTO after its k-th SYN retransmit (k >=
 * 1), given the previous RTO: the initial RTO while k <= linear timeouts
 * (tcp_retransmit_timer, 6.5+), else doubled up to 120 s. */
sim_time_ns profile_syn_next_rto(const struct kernel_rules *r, int linear_timeouts, int k,
                                 sim_time_ns prev_rto);

/* profile_syn_giveup_after: the elapsed time since the first SYN after which
 * a SYN timer that fires gives up (retransmits_timed_out/tcp_model_timeout):
 * ((2 << R) - 1) * base for R <= ilog2(120 s / base), then + 120 s each. */
sim_time_ns profile_syn_giveup_after(const struct kernel_rules *r, int syn_retries);

/* profile_model_timeout: tcp_model_timeout: the time `boundary` backed-off
 * retransmits take from rto_base: ((2 << b) - 1) * base for b <= ilog2(120 s /
 * base), then 120 s more for each further retransmit. */
sim_time_ns profile_model_timeout(sim_time_ns rto_base, int boundary);

/* profile_syn_timeout: the client's SYN timer fired `elapsed` after the
 * first SYN, after `retransmits` retransmits at RTO `rto`: tcp_write_timeout
 * gives up once retransmits_timed_out (never before the first retransmit;
 * tcp_syn_retries = 0 is the simulator's "one SYN, no retransmit"), else
 * tcp_retransmit_timer sends another SYN and arms next_rto. */
struct syn_timeout {
	bool give_up;         /* ETIMEDOUT */
	sim_time_ns next_rto; /* the RTO of the timer after this retransmit */
};
struct syn_timeout profile_syn_timeout(const struct kernel_rules *r, int syn_retries, int linear_timeouts,
                                       int retransmits, sim_time_ns rto, sim_time_ns elapsed);

/* The SYN schedule of one connect() whose SYNs go unanswered, event by event:
 * the one iterator of the initial RTO, linear timeouts then doubling, the
 * timer wheel and HZ (profile_timer_fire), the give-up time and the
 * application's connect timeout.  The client runs its timers with the same
 * profile_syn_timeout and profile_timer_fire; the program walks this. */
enum syn_event {
	SYN_RETRANSMIT,      /* the SYN timer fired: another SYN */
	SYN_GIVE_UP,         /* the SYN timer fired past the give-up time: ETIMEDOUT */
	SYN_CONNECT_TIMEOUT, /* the application's connect timeout came first (at or before the timer) */
};

struct syn_schedule {
	const struct kernel_rules *r;
	int syn_retries, linear_timeouts;
	sim_time_ns connect_timeout; /* after the first SYN, or SIM_TIME_NEVER */
	bool wheel;                  /* timers fire as the kernel's wheel rounds them */
	int retransmits;             /* SYN retransmits so far */
	sim_time_ns rto;             /* the armed timer's RTO */
	sim_time_ns armed;           /* when it was armed, after the first SYN */
};

/* syn_schedule_init: the first SYN at time 0 (the timer wheel rounds as if
 * time 0 were a jiffy boundary); wheel false gives the nominal schedule. */
void syn_schedule_init(struct syn_schedule *s, const struct kernel_rules *r, int syn_retries, int linear_timeouts,
                       sim_time_ns connect_timeout, bool wheel);

/* syn_schedule_next: the next event and when (after the first SYN).  After
 * SYN_GIVE_UP or SYN_CONNECT_TIMEOUT the schedule is over. */
enum syn_event syn_schedule_next(struct syn_schedule *s, sim_time_ns *at);

/* profile_syn_fail_time: without timer rounding, when connect() fails with
 * ETIMEDOUT for a client whose SYNs all go unanswered (the SYN schedule's
 * end), and how many SYNs it sent (*syns). */
sim_time_ns profile_syn_fail_time(const struct kernel_rules *r, int syn_retries, int linear_timeouts, int *syns);

/* profile_synack_expiry: when a request whose SYN-ACKs go unanswered is
 * dropped: the sum of its synack_retries + 1 timeouts (reqsk_timeout), each
 * with, when `late`, the shared scan's lateness (a scan period and a tick). */
sim_time_ns profile_synack_expiry(const struct kernel_rules *r, int synack_retries, bool late);

/* profile_timer_fire: when a kernel timer armed at `now` for `delay` fires:
 * exactly then, or, with the timer wheel, rounded up to the granularity of
 * the wheel level the delay falls in (calc_wheel_index/calc_index): never
 * early, up to one granule late. */
sim_time_ns profile_timer_fire(const struct kernel_rules *r, sim_time_ns now, sim_time_ns delay);

/* profile_scan_period: the SYN-ACK scan revisits a request every this long
 * (half of the initial timeout: budget = 2 * entries / (timeout / 200 ms)). */
sim_time_ns profile_scan_period(const struct kernel_rules *r);

/* profile_jiffies_up: t rounded up to whole jiffies (usecs_to_jiffies). */
sim_time_ns profile_jiffies_up(const struct kernel_rules *r, sim_time_ns t);

/* profile_ts_rtt: the RTT sample a timestamp echo gives (tcp_rtt_tsopt_us):
 * whole ticks of the TS clock between the echoed value and now, at least one
 * tick. */
sim_time_ns profile_ts_rtt(const struct kernel_rules *r, sim_time_ns echoed, sim_time_ns now);

/* profile_rto_from_rtt: the RTO after a first RTT sample m (tcp_rtt_estimator
 * then tcp_set_rto): m + max(2 m, tcp_rto_min), in whole jiffies, at most
 * 120 s. */
sim_time_ns profile_rto_from_rtt(const struct kernel_rules *r, sim_time_ns m);

/* profile_init_rto_after_handshake: tcp_init_metrics: the RTO the connection
 * starts with, given its handshake RTT sample srtt (0: none) and the RTT cached
 * for the destination crtt (0: none): from the cached RTT when it is above
 * srtt (crtt + max(2 crtt, tcp_rto_min), crtt in whole jiffies); else from
 * the sample; else TCP_TIMEOUT_FALLBACK (3 s). */
sim_time_ns profile_init_rto_after_handshake(const struct kernel_rules *r, sim_time_ns srtt, sim_time_ns crtt);

/* profile_metrics_rtt: tcp_update_metrics on the RTT cached for a
 * destination (0: none), when a connection with smoothed RTT srtt (0: no
 * sample) and RTO backoff `backoff` ends: a session with backoff or no sample
 * resets it; else it takes srtt if larger, or moves 1/8 of the way down. */
sim_time_ns profile_metrics_rtt(sim_time_ns crtt, sim_time_ns srtt, int backoff);

/* profile_cookie_tsval: the TSval a syncookie SYN-ACK sent at `sent` carries
 * (cookie_init_timestamp): the TS clock with its low 6 bits replaced by the
 * options (window scale 10 and SACK, a loopback client's: 26), 64 ticks back
 * when that is ahead of the clock; as a time in ns on the TS tick grid. */
sim_time_ns profile_cookie_tsval(const struct kernel_rules *r, sim_time_ns sent);

/* profile_loss_probe_timeout: tcp_schedule_loss_probe for a socket with one
 * segment out whose RTO is `rto`: when the probe fires, or -1 when the rule
 * (or tcp_early_retrans not 3 or 4) sends none. */
sim_time_ns profile_loss_probe_timeout(const struct kernel_rules *r, int early_retrans, sim_time_ns srtt,
                                       sim_time_ns rto);

/* profile_orphan_expired: tcp_write_timeout for an orphaned socket
 * (SOCK_DEAD): expired once retransmits_timed_out(retry_until) with rto_base
 * TCP_RTO_MIN, where retry_until is tcp_orphan_retries(): the sysctl, or 8
 * when it is 0 and the RTO is below TCP_RTO_MAX (alive).  `retransmits` is
 * icsk_retransmits and `since` the time since the first retransmit. */
bool profile_orphan_expired(int orphan_retries, sim_time_ns rto, int retransmits, sim_time_ns since);

/* profile_overflow_stamp: tcp_synq_overflow: the listener's last-overflow
 * stamp after a cookie is sent at `now`: moved to now, except (4.4+) while it
 * is at most one second (HZ jiffies) old. */
sim_time_ns profile_overflow_stamp(const struct kernel_rules *r, bool ever, sim_time_ns last, sim_time_ns now);

/* profile_cookie_too_old: check_tcp_syn_cookie: a cookie minted at `minted`
 * is refused at `now` when the minute counters differ by MAX_SYNCOOKIE_AGE or
 * more (so between 1 and 2 minutes of age). */
bool profile_cookie_too_old(sim_time_ns minted, sim_time_ns now);

#define PROFILE_SCAN_TICK_NS (200 * SIM_NS_PER_MS) /* TCP_SYNQ_INTERVAL = HZ/5 */

#endif
