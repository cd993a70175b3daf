/* views.c: ss, netstat and nstat views of a snapshot (views.h). */
#include "app/views.h"

#include <string.h>

#include "models/wire.h"

void views_ss(FILE *f, const struct world_snapshot *s, int port)
{
	if (s->ended_at >= 0)
		fprintf(f, "at t=%.3f s (the run ended at %.3f s; its final state):\n", (double)s->t / 1e9,
		        (double)s->ended_at / 1e9);
	else
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

void views_syn_recv(FILE *f, const struct world_snapshot *s, const struct scenario *sc, size_t max)
{
	fprintf(f, "$ ss -nt state syn-recv\n%-7s %-7s %22s %22s\n", "Recv-Q", "Send-Q", "Local Address:Port",
	        "Peer Address:Port");
	for (size_t i = 0; i < s->n_requests && i < max; i++) {
		uint32_t a;
		uint16_t port;
		wire_client_endpoint(sc, s->requests[i].conn, s->requests[i].pop, &a, &port);
		char local[32], peer[32];
		snprintf(local, sizeof(local), "%u.%u.%u.%u:%d", WIRE_SERVER_ADDR >> 24, (WIRE_SERVER_ADDR >> 16) & 255,
		         (WIRE_SERVER_ADDR >> 8) & 255, WIRE_SERVER_ADDR & 255, WIRE_SERVER_PORT);
		snprintf(peer, sizeof(peer), "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, port);
		fprintf(f, "%-7d %-7d %22s %22s\n", 0, 0, local, peer);
	}
	uint64_t all = 0;
	for (uint32_t i = 0; i < s->n_listeners; i++)
		all += s->listeners[i].syn_queue;
	size_t shown = s->n_requests < max ? s->n_requests : max;
	if (all > shown)
		fprintf(f, "... and %llu more\n", (unsigned long long)(all - shown));
}

/* nstat's line: name, value, rate (print_one_counter in misc/nstat.c) */
static void nstat_line(FILE *f, const char *name, uint64_t v)
{
	fprintf(f, "%-32s%-16llu%6.1f\n", name, (unsigned long long)v, 0.0);
}

void views_nstat(FILE *f, const uint64_t *counters, const uint64_t *prev)
{
	fprintf(f, "$ nstat -az\n#kernel\n");
	for (int i = 0; i < LISTENER_COUNTER_COUNT; i++)
		nstat_line(f, counter_nstat_name((enum listener_counter)i), counters[i]);
	if (!prev)
		return;
	fprintf(f, "$ nstat -z    # again: the counts since the view before\n#kernel\n");
	for (int i = 0; i < LISTENER_COUNTER_COUNT; i++)
		nstat_line(f, counter_nstat_name((enum listener_counter)i), counters[i] - prev[i]);
}

void views_netstat(FILE *f, const uint64_t *counters)
{
	fprintf(f, "$ netstat -s\n");
	static const char *const sections[] = {"Tcp", "TcpExt"};
	for (int sct = 0; sct < 2; sct++) {
		fprintf(f, "%s:\n", sections[sct]);
		for (int i = 0; i < LISTENER_COUNTER_COUNT; i++) {
			const char *nstat = counter_nstat_name((enum listener_counter)i);
			bool ext = strncmp(nstat, "TcpExt", 6) == 0;
			if (ext != (sct == 1) || (ext && counters[i] == 0))
				continue;
			const char *phrase = counter_netstat_phrase((enum listener_counter)i);
			const char *pct = strchr(phrase, '%');
			fprintf(f, "    %.*s%llu%s\n", (int)(pct - phrase), phrase, (unsigned long long)counters[i], pct + 1);
		}
	}
}
