/* views.c: ss, netstat and nstat views of a snapshot (views.h). */
#include "app/views.h"

#include <string.h>

void views_ss(FILE *f, const struct world_snapshot *s, int port)
{
	fprintf(f, "at t=%.3f s:\n", (double)s->t / 1e9);
	fprintf(f, "$ ss -lnt\n%-10s %-7s %-7s %-22s %s\n", "State", "Recv-Q", "Send-Q", "Local Address:Port",
	        "Peer Address:Port");
	for (uint32_t i = 0; i < s->n_listeners; i++) {
		char local[32];
		snprintf(local, sizeof(local), "0.0.0.0:%d", port);
		fprintf(f, "%-10s %-7u %-7d %-22s %s\n", "LISTEN", s->listeners[i].accept_queue, s->listeners[i].backlog,
		        local, "0.0.0.0:*");
	}
	fprintf(f, "$ netstat -tn | awk '{print $6}' | sort | uniq -c    # server host\n");
	if (s->server_syn_recv)
		fprintf(f, "%7llu SYN_RECV\n", (unsigned long long)s->server_syn_recv);
	if (s->server_established)
		fprintf(f, "%7llu ESTABLISHED\n", (unsigned long long)s->server_established);
	if (s->server_close_wait)
		fprintf(f, "%7llu CLOSE_WAIT\n", (unsigned long long)s->server_close_wait);
	fprintf(f, "$ netstat -tn | awk '{print $6}' | sort | uniq -c    # client host\n");
	if (s->client_established)
		fprintf(f, "%7llu ESTABLISHED\n", (unsigned long long)s->client_established);
	if (s->client_fin_wait)
		fprintf(f, "%7llu FIN_WAIT1\n", (unsigned long long)s->client_fin_wait);
	if (s->client_syn_sent)
		fprintf(f, "%7llu SYN_SENT\n", (unsigned long long)s->client_syn_sent);
}

void views_nstat(FILE *f, const uint64_t *counters)
{
	fprintf(f, "$ nstat -az\n");
	for (int i = 0; i < LISTENER_COUNTER_COUNT; i++)
		fprintf(f, "%-28s %-12llu 0.0\n", counter_nstat_name((enum listener_counter)i),
		        (unsigned long long)counters[i]);
	fprintf(f, "$ netstat -s\n");
	for (int i = 0; i < LISTENER_COUNTER_COUNT; i++) {
		const char *phrase = counter_netstat_phrase((enum listener_counter)i);
		const char *pct = strchr(phrase, '%');
		fprintf(f, "    %.*s%llu%s\n", (int)(pct - phrase), phrase, (unsigned long long)counters[i], pct + 1);
	}
}
