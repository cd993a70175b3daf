/* hostcap.c: nstat, netstat -s and ss captures of a real host (hostcap.h). */
#include "app/hostcap.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* one line at a time, without its newline; NULL at the end */
static char *next_line(FILE *f, char *buf, size_t n)
{
	if (!fgets(buf, (int)n, f))
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool parse_u64(const char *p, uint64_t *v, const char **end)
{
	if (!isdigit((unsigned char)*p))
		return false;
	char *e = NULL;
	errno = 0;
	unsigned long long x = strtoull(p, &e, 10);
	if (errno)
		return false;
	*v = x;
	*end = e;
	return true;
}

/* "TcpExtListenOverflows" -> the counter, or -1 */
static int counter_by_nstat(const char *name, size_t len)
{
	for (int k = 0; k < LISTENER_COUNTER_COUNT; k++) {
		const char *c = counter_nstat_name((enum listener_counter)k);
		if (strlen(c) == len && strncmp(c, name, len) == 0)
			return k;
	}
	return -1;
}

/* the netstat -s section a counter is printed under: Tcp or TcpExt, as its
 * nstat name begins */
static bool in_section(int k, const char *section)
{
	const char *nstat = counter_nstat_name((enum listener_counter)k);
	bool ext = strncmp(nstat, "TcpExt", 6) == 0;
	return strcmp(section, ext ? "TcpExt" : "Tcp") == 0;
}

/* a netstat -s line (blanks stripped) against counter k's phrase ("% times
 * the listen queue..." or "TCPSynRetrans: %") */
static bool netstat_match(int k, const char *line, uint64_t *v)
{
	const char *phrase = counter_netstat_phrase((enum listener_counter)k);
	const char *pct = strchr(phrase, '%');
	size_t pre = (size_t)(pct - phrase);
	if (strncmp(line, phrase, pre) != 0)
		return false;
	const char *end;
	if (!parse_u64(line + pre, v, &end))
		return false;
	return strcmp(end, pct + 1) == 0;
}

int hostcap_read_counters(const char *path, struct host_counters *out, char *msg, size_t n)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(msg, n, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	char buf[1024], section[64] = "";
	int lineno = 0, kind = -1; /* -1 unknown yet, else enum hostcap_format */
	bool tcp_seen = false, ext_seen = false;
	while (next_line(f, buf, sizeof(buf))) {
		lineno++;
		const char *p = skip_blanks(buf);
		if (!*p)
			continue;
		if (kind < 0) {
			if (*p == '#' || (buf[0] != ' ' && buf[0] != '\t' && !strchr(p, ':')))
				kind = HOSTCAP_NSTAT;
			else
				kind = HOSTCAP_NETSTAT;
		}
		if (kind == HOSTCAP_NSTAT) {
			if (*p == '#')
				continue; /* "#kernel" */
			size_t len = strcspn(p, " \t");
			const char *q = skip_blanks(p + len), *end;
			uint64_t v;
			if (!parse_u64(q, &v, &end)) {
				snprintf(msg, n, "%s: line %d: expected an nstat line \"NAME VALUE RATE\", got \"%.60s\"", path, lineno,
				         buf);
				fclose(f);
				return -1;
			}
			int k = counter_by_nstat(p, len);
			if (k >= 0) {
				out->value[k] = v;
				out->has[k] = true;
			}
			continue;
		}
		/* netstat -s: "Section:" headings at the margin, entries indented */
		if (buf[0] != ' ' && buf[0] != '\t') {
			size_t len = strlen(p);
			if (len < 2 || p[len - 1] != ':' || len > sizeof(section)) {
				snprintf(msg, n, "%s: line %d: expected a netstat -s heading like \"TcpExt:\", got \"%.60s\"", path,
				         lineno, buf);
				fclose(f);
				return -1;
			}
			snprintf(section, sizeof(section), "%.*s", (int)len - 1, p);
			tcp_seen = tcp_seen || strcmp(section, "Tcp") == 0;
			ext_seen = ext_seen || strcmp(section, "TcpExt") == 0;
			continue;
		}
		for (int k = 0; k < LISTENER_COUNTER_COUNT; k++) {
			uint64_t v;
			if (in_section(k, section) && netstat_match(k, p, &v)) {
				out->value[k] = v;
				out->has[k] = true;
			}
		}
	}
	fclose(f);
	if (kind < 0) {
		snprintf(msg, n, "%s: expected the output of nstat -az or netstat -s, got an empty file", path);
		return -1;
	}
	out->format = (enum hostcap_format)kind;
	if (kind == HOSTCAP_NETSTAT) {
		if (!tcp_seen && !ext_seen) {
			snprintf(msg, n, "%s: expected netstat -s with Tcp: and TcpExt: sections, got neither", path);
			return -1;
		}
		/* net-tools prints no line for a TcpExt counter that is 0 */
		for (int k = 0; k < LISTENER_COUNTER_COUNT; k++)
			if (!out->has[k] && in_section(k, "TcpExt") && ext_seen)
				out->has[k] = true;
	}
	return 0;
}

int hostcap_read_ss(const char *path, struct host_listen *out, size_t max, size_t *n_out, char *msg, size_t n)
{
	*n_out = 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(msg, n, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	char buf[1024];
	int lineno = 0;
	bool header = false;
	while (next_line(f, buf, sizeof(buf))) {
		lineno++;
		const char *p = skip_blanks(buf);
		if (!*p)
			continue;
		if (strncmp(p, "State", 5) == 0 || strncmp(p, "Recv-Q", 6) == 0) {
			header = true;
			continue;
		}
		char state[32], local[64];
		unsigned long long rq, sq;
		if (sscanf(p, "%31s %llu %llu %63s", state, &rq, &sq, local) != 4) {
			snprintf(msg, n, "%s: line %d: expected an ss -lnt line \"LISTEN RECV-Q SEND-Q LOCAL PEER\", got \"%.60s\"",
			         path, lineno, buf);
			fclose(f);
			return -1;
		}
		if (strcmp(state, "LISTEN") != 0 || *n_out == max)
			continue;
		out[*n_out].recv_q = rq;
		out[*n_out].send_q = sq;
		snprintf(out[*n_out].local, sizeof(out[*n_out].local), "%s", local);
		(*n_out)++;
	}
	fclose(f);
	if (!header) {
		snprintf(msg, n, "%s: expected the output of ss -lnt (a \"State Recv-Q Send-Q ...\" header), got none", path);
		return -1;
	}
	return 0;
}

int hostcap_load(struct host_capture *c, const char *before, const char *after, const char *ss, char *msg, size_t n)
{
	memset(c, 0, sizeof(*c));
	struct host_counters b, a;
	if (hostcap_read_counters(before, &b, msg, n) < 0 || hostcap_read_counters(after, &a, msg, n) < 0)
		return -1;
	if (a.format != b.format) {
		snprintf(msg, n, "%s, %s: expected two captures of one tool, got nstat and netstat -s", before, after);
		return -1;
	}
	c->format = a.format;
	for (int k = 0; k < LISTENER_COUNTER_COUNT; k++) {
		if (!a.has[k] || !b.has[k])
			continue;
		if (a.value[k] < b.value[k]) {
			snprintf(msg, n, "%s: %s went down from %llu (in %s) to %llu: expected the later capture of the same host",
			         after, counter_name((enum listener_counter)k), (unsigned long long)b.value[k], before,
			         (unsigned long long)a.value[k]);
			return -1;
		}
		c->delta[k] = a.value[k] - b.value[k];
		c->has[k] = true;
	}
	snprintf(c->before, sizeof(c->before), "%s", before);
	snprintf(c->after, sizeof(c->after), "%s", after);
	if (ss) {
		if (hostcap_read_ss(ss, c->listen, HOSTCAP_MAX_LISTEN, &c->n_listen, msg, n) < 0)
			return -1;
		snprintf(c->ss, sizeof(c->ss), "%s", ss);
		c->has_ss = true;
	}
	return 0;
}

static double run_counter(const struct cmp_side *run, int k)
{
	if (!run)
		return NAN;
	const char *name = counter_name((enum listener_counter)k);
	for (size_t i = 0; i < run->n_counters; i++)
		if (strcmp(run->counter_name[i], name) == 0)
			return run->counter[i];
	return NAN;
}

void hostcap_print_beside(FILE *f, const struct host_capture *c, const struct cmp_side *run, double tol, int *outside)
{
	fprintf(f, "\nthe host's counters: %s -> %s (%s, after - before)%s%s\n", c->before, c->after,
	        c->format == HOSTCAP_NSTAT ? "nstat -az" : "netstat -s", run ? " beside " : "", run ? run->label : "");
	fprintf(f, "  %-24s %14s %14s %10s\n", "counter", "host", run ? "run" : "", run ? "rel diff" : "");
	for (int k = 0; k < LISTENER_COUNTER_COUNT; k++) {
		double r = run_counter(run, k);
		if (!c->has[k] && isnan(r))
			continue;
		fprintf(f, "  %-24s", counter_name((enum listener_counter)k));
		if (c->has[k])
			fprintf(f, " %14llu", (unsigned long long)c->delta[k]);
		else
			fprintf(f, " %14s", "-");
		if (isnan(r))
			fprintf(f, " %14s", run ? "-" : "");
		else
			fprintf(f, " %14.0f", r);
		if (c->has[k] && !isnan(r)) {
			double h = (double)c->delta[k];
			double m = fmax(fmax(h, r), 1);
			double d = fabs(h - r) / m;
			bool out = d > tol;
			fprintf(f, " %10.3f%s", d, out ? "  !" : "");
			if (out && outside)
				(*outside)++;
		}
		fputc('\n', f);
	}
	if (c->has[CTR_TCPSynRetrans] && c->delta[CTR_TCPSynRetrans])
		fprintf(f, "  (the host's TCPSynRetrans counts its SYN and SYN-ACK retransmits: clients on the same host, as\n"
		           "   with kcheck, add theirs; a run counts the server host's)\n");
	if (!c->has_ss)
		return;
	fprintf(f, "the host's listening sockets (%s, ss -lnt: Recv-Q is the accept queue, Send-Q the backlog N)\n", c->ss);
	for (size_t i = 0; i < c->n_listen; i++)
		fprintf(f, "  LISTEN %-22s Recv-Q %-6llu Send-Q %llu\n", c->listen[i].local,
		        (unsigned long long)c->listen[i].recv_q, (unsigned long long)c->listen[i].send_q);
	if (!c->n_listen)
		fprintf(f, "  (no LISTEN line)\n");
	if (run && !isnan(run->server[CMP_SV_MAX_ACCEPT_QUEUE]))
		fprintf(f, "  run: the accept queue held at most %.0f\n", run->server[CMP_SV_MAX_ACCEPT_QUEUE]);
}

cJSON *hostcap_json(const struct host_capture *c)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "before", c->before);
	cJSON_AddStringToObject(o, "after", c->after);
	cJSON_AddStringToObject(o, "format", c->format == HOSTCAP_NSTAT ? "nstat" : "netstat");
	cJSON *d = cJSON_AddObjectToObject(o, "counters");
	for (int k = 0; d && k < LISTENER_COUNTER_COUNT; k++)
		if (c->has[k])
			cJSON_AddNumberToObject(d, counter_name((enum listener_counter)k), (double)c->delta[k]);
	if (c->has_ss) {
		cJSON *l = cJSON_AddArrayToObject(o, "listen");
		for (size_t i = 0; l && i < c->n_listen; i++) {
			cJSON *e = cJSON_CreateObject();
			if (!e)
				break;
			cJSON_AddStringToObject(e, "local", c->listen[i].local);
			cJSON_AddNumberToObject(e, "recv_q", (double)c->listen[i].recv_q);
			cJSON_AddNumberToObject(e, "send_q", (double)c->listen[i].send_q);
			cJSON_AddItemToArray(l, e);
		}
	}
	return o;
}
