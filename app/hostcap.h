/* hostcap.h: what a real host's tools printed, read back.
 *
 * An operator captures `nstat -az` (or `netstat -s`) before and after an
 * incident and `ss -lnt` during it; a struct host_capture holds the counter
 * deltas of the two captures (under the counter names of models/counters.h)
 * and the listening sockets ss showed.  compare and diagnose set them beside
 * a run's counters (hostcap_print_beside).  The formats: nstat -az lines
 * "NAME VALUE RATE" after a "#kernel" line (TcpExtListenOverflows...);
 * netstat -s lines under "Tcp:" and "TcpExt:" headings, "N phrase" or
 * "Name: N" (net-tools leaves out the TcpExt counters that are 0); ss -lnt
 * lines "LISTEN RECV-Q SEND-Q LOCAL PEER".  Program layer; messages are one
 * line, "FILE: line N: expected ..., got ...".
 */
#ifndef TCPQSIM_HOSTCAP_H
#define TCPQSIM_HOSTCAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "models/counters.h"
#include "app/compare.h"

#define HOSTCAP_MAX_LISTEN 64

enum hostcap_format { HOSTCAP_NSTAT, HOSTCAP_NETSTAT };

/* One capture of the counters. */
struct host_counters {
	enum hostcap_format format;
	uint64_t value[LISTENER_COUNTER_COUNT]; /* events */
	bool has[LISTENER_COUNTER_COUNT];       /* the capture reports it */
};

/* One LISTEN line of ss -lnt. */
struct host_listen {
	uint64_t recv_q;          /* connections waiting for accept() */
	uint64_t send_q;          /* the backlog N */
	char local[64];           /* Local Address:Port */
};

struct host_capture {
	char before[512], after[512], ss[512];     /* the files, for the headings ("" when not given) */
	enum hostcap_format format;
	uint64_t delta[LISTENER_COUNTER_COUNT];    /* after - before, events */
	bool has[LISTENER_COUNTER_COUNT];          /* both captures report it */
	struct host_listen listen[HOSTCAP_MAX_LISTEN];
	size_t n_listen;
	bool has_ss;
};

/* hostcap_read_counters: an nstat -az or netstat -s capture (told apart by
 * their lines).  Returns 0, or -1 with msg filled. */
int hostcap_read_counters(const char *path, struct host_counters *out, char *msg, size_t n);

/* hostcap_read_ss: the LISTEN lines of an ss -lnt capture.  Returns 0, or -1
 * with msg filled. */
int hostcap_read_ss(const char *path, struct host_listen *out, size_t max, size_t *n_out, char *msg, size_t n);

/* hostcap_load: before and after (both needed), ss (may be NULL); the deltas
 * taken.  Counters that went down mean the captures are not of one host in
 * order: an error.  Returns 0, or -1 with msg filled. */
int hostcap_load(struct host_capture *c, const char *before, const char *after, const char *ss, char *msg, size_t n);

/* hostcap_print_beside: the host's deltas beside run's counters (run may be
 * NULL: the host's alone), then ss beside the run's backlog and accept queue.
 * Counts the counters both report whose |host - run| / max(host, run, 1)
 * exceeds tol into *outside (may be NULL). */
void hostcap_print_beside(FILE *f, const struct host_capture *c, const struct cmp_side *run, double tol, int *outside);

/* hostcap_json: the capture as a JSON object (counters, listeners); NULL
 * when out of memory. */
cJSON *hostcap_json(const struct host_capture *c);

#endif
