/* kc_report: summary.json, attempts.jsonl and the human summary of one run.
 *
 * struct kc_report gathers, by reference, everything a report shows: the
 * resolved scenario, the run's measurements and the counter deltas.  The
 * files are written under a temporary name and renamed into place, so a
 * reader never sees half a file.
 */
#ifndef KC_REPORT_H
#define KC_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "kc_run.h"

/* X(name): the TcpExt counters summary.json reports, as nstat names them. */
#define KC_COUNTER_MAP(X)                                                                   \
	X(ListenOverflows) X(ListenDrops) X(TCPReqQFullDrop) X(TCPReqQFullDoCookies)        \
	X(SyncookiesSent) X(SyncookiesRecv) X(SyncookiesFailed) X(EmbryonicRsts)

enum kc_counter_id {
#define KC_COUNTER_ENUM(name) KC_COUNTER_##name,
	KC_COUNTER_MAP(KC_COUNTER_ENUM)
#undef KC_COUNTER_ENUM
	KC_COUNTER_COUNT
};

/* Returns the nstat name of counter `id`. */
const char *kc_counter_name(int id);

/* X(group, name): further counters kept in run.other_counters. */
#define KC_OTHER_COUNTER_MAP(X)                                                              \
	X("Tcp", ActiveOpens) X("Tcp", PassiveOpens) X("Tcp", AttemptFails)                  \
	X("Tcp", EstabResets) X("Tcp", RetransSegs) X("Tcp", OutRsts)                         \
	X("TcpExt", TCPSynRetrans) X("TcpExt", TCPTimeouts) X("TcpExt", TCPAbortOnData)       \
	X("TcpExt", TCPAbortOnClose) X("TcpExt", TCPOrigDataSent) X("TcpExt", TCPLossProbes)        \
	X("TcpExt", TCPACKSkippedSynRecv)

#define KC_OTHER_COUNTER_COUNT 13

/* Returns the group and nstat name of further counter `id`. */
void kc_other_counter_name(int id, const char **group, const char **name);

struct kc_report {
	const char *kernel;                        /* uname -r */
	const cJSON *scenario;                     /* resolved scenario, borrowed */
	const struct kc_run_result *res;           /* borrowed */
	long long counters[KC_COUNTER_COUNT];      /* after - before */
	long long other[KC_OTHER_COUNTER_COUNT];   /* after - before */
	bool other_found[KC_OTHER_COUNTER_COUNT];  /* present on this kernel */
	const char *skipped_sysctls[8];            /* names not written (file absent), NULL-ended */
};

/* Creates DIR (and its parents) and writes DIR/summary.json and, when
 * `with_attempts`, DIR/attempts.jsonl.  Returns 0, or -1 with `err` set. */
int kc_report_write(const struct kc_report *rep, const char *dir, bool with_attempts, char *err,
		    size_t errlen);

/* Prints a short human summary to `out`. */
void kc_report_print(const struct kc_report *rep, FILE *out);

#endif
