/* views.h: a snapshot in the words of ss, netstat and nstat.  Program layer. */
#ifndef TCPQSIM_VIEWS_H
#define TCPQSIM_VIEWS_H

#include <stdio.h>

#include "models/world.h"

/* views_ss: "ss -lnt" LISTEN lines (Recv-Q = accept queue, Send-Q = backlog)
 * and the socket counts by state on each host, as
 * "netstat -tn | awk '{print $6}' | sort | uniq -c" shows them. */
void views_ss(FILE *f, const struct world_snapshot *s, int port);

/* views_nstat: the counters as "nstat -az" names them, then the "netstat -s"
 * lines for those that netstat knows. */
void views_nstat(FILE *f, const uint64_t *counters);

#endif
