/* kc_scenario: the subset of the tcpqsim scenario format that kcheck can measure.
 *
 * struct kc_scenario holds one scenario after loading, --set overrides and
 * checking: every field is either the value the file gave or the documented
 * default.  Sysctls are the exception: a sysctl the file does not name is left
 * unset (set == false) so the running kernel's fresh-namespace default is
 * measured; kc_scenario_to_json() then reports the value actually in force.
 * Loading never prints and never exits: it fills a caller-owned message of the
 * form "FILE: json.path: what was expected, what was found".
 */
#ifndef KC_SCENARIO_H
#define KC_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* X(ID, section, name, /proc path, min, max): the sysctls kcheck may write.
 * All of them are per network namespace on Linux 6.x. */
#define KC_SYSCTL_MAP(X)                                                                 \
	X(SOMAXCONN, "server", "somaxconn", "/proc/sys/net/core/somaxconn", 0, 2147483647L)  \
	X(TCP_MAX_SYN_BACKLOG, "server", "tcp_max_syn_backlog",                              \
	  "/proc/sys/net/ipv4/tcp_max_syn_backlog", 0, 2147483647L)                          \
	X(TCP_SYNCOOKIES, "server", "tcp_syncookies", "/proc/sys/net/ipv4/tcp_syncookies", 0, \
	  2)                                                                                 \
	X(TCP_ABORT_ON_OVERFLOW, "server", "tcp_abort_on_overflow",                          \
	  "/proc/sys/net/ipv4/tcp_abort_on_overflow", 0, 1)                                  \
	X(TCP_SYNACK_RETRIES, "server", "tcp_synack_retries",                                \
	  "/proc/sys/net/ipv4/tcp_synack_retries", 0, 255)                                   \
	X(TCP_SYN_RETRIES, "clients", "tcp_syn_retries", "/proc/sys/net/ipv4/tcp_syn_retries", \
	  1, 127)                                                                            \
	X(TCP_SYN_LINEAR_TIMEOUTS, "clients", "tcp_syn_linear_timeouts",                     \
	  "/proc/sys/net/ipv4/tcp_syn_linear_timeouts", 0, 127)                               \
	X(TCP_TIMESTAMPS, "clients", "tcp_timestamps", "/proc/sys/net/ipv4/tcp_timestamps", 0, 2) \
	X(TCP_EARLY_RETRANS, "clients", "tcp_early_retrans",                                 \
	  "/proc/sys/net/ipv4/tcp_early_retrans", 0, 4)                                       \
	X(TCP_NO_METRICS_SAVE, "clients", "tcp_no_metrics_save",                             \
	  "/proc/sys/net/ipv4/tcp_no_metrics_save", 0, 1)

enum kc_sysctl_id {
#define KC_SYSCTL_ENUM(id, sec, name, path, lo, hi) KC_SYSCTL_##id,
	KC_SYSCTL_MAP(KC_SYSCTL_ENUM)
#undef KC_SYSCTL_ENUM
	KC_SYSCTL_COUNT
};

/* One row of KC_SYSCTL_MAP. */
struct kc_sysctl_info {
	const char *section; /* "server" or "clients" */
	const char *name;    /* the /proc/sys base name */
	const char *path;    /* absolute /proc/sys path */
	long min, max;       /* accepted range (the kernel's own) */
};

/* Returns the static description of sysctl `id` (0 <= id < KC_SYSCTL_COUNT). */
const struct kc_sysctl_info *kc_sysctl_info(int id);

enum kc_acceptor_kind { KC_ACCEPTOR_NEVER, KC_ACCEPTOR_RATE, KC_ACCEPTOR_WORKERS };
enum kc_arrival_kind { KC_ARRIVAL_CONSTANT, KC_ARRIVAL_POISSON, KC_ARRIVAL_BURST };

/* Attempts a scenario may ask for (checked on the expected count; the run
 * stops with an error if a random arrival process overshoots it). */
#define KC_MAX_ATTEMPTS 100000L
/* A port-range filter binds attempt i to port KC_CLIENT_PORT_BASE + i. */
#define KC_CLIENT_PORT_BASE 10000
#define KC_MAX_BOUND_ATTEMPTS 20000

struct kc_sysctl_setting {
	bool set;   /* the scenario names it: kcheck writes it */
	long value; /* value to write (unitless, as /proc/sys takes it) */
};

struct kc_scenario {
	char *name;              /* owned; names the output folder */
	char *description;       /* owned, may be NULL */
	double duration_s;       /* arrivals happen in [0, duration_s), seconds */
	double drain_s;          /* extra time after duration_s, seconds */
	uint64_t seed;           /* seeds the GSL generators */
	long backlog;            /* listen() argument; negative means somaxconn */
	struct kc_sysctl_setting sysctl[KC_SYSCTL_COUNT];
	enum kc_acceptor_kind acceptor;
	double accept_rate_per_s;   /* KC_ACCEPTOR_RATE: accepts per second */
	bool accept_exponential;    /* KC_ACCEPTOR_RATE: exponential gaps, else fixed */
	long workers;               /* KC_ACCEPTOR_WORKERS: worker count */
	bool service_exponential;   /* service time exponential, else constant */
	double service_ms;          /* constant service time or its mean, ms */
	enum kc_arrival_kind arrival;
	double arrival_rate_per_s;  /* constant/poisson: attempts per second */
	long burst_count;           /* burst: attempts at once */
	double burst_at_s;          /* burst: when, seconds */
	double hold_s;              /* client keeps a connected socket this long, s */
	bool write_byte;            /* hold mode: write one byte right after connect */
	bool app_thread;            /* kcheck.app_thread: the acceptor runs on its own thread(s) */
	bool has_filter;            /* faults[0]: a BPF filter on the listener drops non-SYN segments */
	double filter_from_s;       /* ... from this time */
	double filter_to_s;         /* ... until this time (detached) */
	bool filter_ports;          /* ... only from the clients of attempts [first, last] */
	long filter_first, filter_last;
	bool has_connect_timeout;   /* an application connect timeout is set */
	double connect_timeout_s;   /* that timeout, seconds */
};

/* Loads FILE, applies the --set overrides ("a.b=JSON", borrowed) and checks
 * the result into *sc (caller's memory).  Returns 0, or -1 with `err` set to
 * one line "FILE: json.path: ..." (no program prefix) and *sc left empty.
 * Release a loaded scenario with kc_scenario_fini(). */
int kc_scenario_load(struct kc_scenario *sc, const char *file, char *const *sets, int nsets,
		     char *err, size_t errlen);

/* Frees what kc_scenario_load() allocated; safe on a zeroed struct. */
void kc_scenario_fini(struct kc_scenario *sc);

/* Returns new: the scenario as resolved, defaults filled in.  used[i] is the
 * value sysctl i had during the run and present[i] says whether its file
 * existed (false: written as null).  Returns NULL when out of memory. */
cJSON *kc_scenario_to_json(const struct kc_scenario *sc, const long *used, const bool *present);

#endif
