/* views.h: a snapshot in the words of ss, netstat and nstat.  Program layer. */
#ifndef TCPQSIM_VIEWS_H
#define TCPQSIM_VIEWS_H

#include <stdio.h>

#include "models/world.h"

/* views_ss: "ss -lnt" LISTEN lines (Recv-Q = accept queue, Send-Q = backlog)
 * and the socket counts by state on each host, as
 * "netstat -tn | awk '{print $6}' | sort | uniq -c" shows them. */
void views_ss(FILE *f, const struct world_snapshot *s, int port);

/* views_syn_recv: "ss -nt state syn-recv": one line per request in the SYN
 * queues, with the addresses of models/wire.h (at most `max` lines, then a
 * count of the rest). */
void views_syn_recv(FILE *f, const struct world_snapshot *s, const struct scenario *sc, size_t max);

/* views_nstat: the counters as "nstat -az" prints them (a "#kernel" line,
 * then NAME VALUE RATE); with prev (the counters at the view before), also
 * as a later "nstat -z" prints them: the deltas since then. */
void views_nstat(FILE *f, const uint64_t *counters, const uint64_t *prev);

/* views_netstat: the counters as "netstat -s" prints them, under "Tcp:" and
 * "TcpExt:" (net-tools leaves out the TcpExt lines that are 0). */
void views_netstat(FILE *f, const uint64_t *counters);

#endif
