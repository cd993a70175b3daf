/* tcpqsim_web.c: the program's entry points for the browser classroom.
 *
 * Compiled with Emscripten together with the engine, the models and the
 * program's scenario loader, runner, summary writer, story and views (make
 * web).  Nothing here decides anything about TCP: a run is runner_run, as
 * "tcpqsim run SCENARIO -o DIR" makes it (same hooks, same files,
 * written into Emscripten's in-memory file system), and a story is the one
 * "tcpqsim explain" prints.  JavaScript (web/engine.js) calls:
 *
 *   web_load(path, sets)  load the scenario file at path (in the in-memory
 *                         file system) with "PATH=VALUE" overrides, one a line;
 *                         returns "" or the loader's one-line error
 *   web_warnings()        what the loader found worth saying, one a line
 *   web_info()            JSON: limits, counter and outcome names, each
 *                         population's SYN retransmit instants
 *   web_run(dir)          run it, as "tcpqsim run -o dir" does (summary.json,
 *                         series.tsv, connect_hist.tsv, tcpsynbl.tsv), keeping
 *                         the attempt records in memory; "" or the error line
 *   web_attempts(), web_attempt_count()  those records (see on_attempt)
 *   web_story(id)         the story of attempt id (explain's text), or
 *                         "tcpqsim: ..." when there is none
 *   web_report()          the last run's summary as "tcpqsim run" prints it
 *   web_ss(t, aq, ...)    the "ss -lnt" lines for a time-series sample
 *
 * Returned strings belong to this file and live until the next call of the
 * same function.
 */
#include <emscripten.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "models/cost.h"
#include "models/profile.h"
#include "models/world.h"
#include "app/config.h"
#include "app/report.h"
#include "app/runner.h"
#include "app/story.h"
#include "app/views.h"
#include "tcpqsim_web.h"

#define PROG "tcpqsim"
#define WEB_MAX_SETS 64
#define WEB_MAX_MARKS 64

static struct loaded_scenario g_ls;
static int g_loaded;

/* a returned string: replaces the previous one held in *slot */
static const char *keep(char **slot, char *s)
{
	free(*slot);
	*slot = s;
	return s ? s : "";
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

EMSCRIPTEN_KEEPALIVE
const char *web_load(const char *path, const char *sets_text)
{
	static char *out;
	if (g_loaded) {
		loaded_scenario_fini(&g_ls);
		g_loaded = 0;
	}
	/* the overrides, one a line, as --set takes them */
	char *buf = dup_str(sets_text ? sets_text : "");
	const char *sets[WEB_MAX_SETS];
	size_t n_sets = 0;
	if (!buf)
		return keep(&out, dup_str(PROG ": out of memory"));
	for (char *p = buf, *e; *p; p = e) {
		e = strchr(p, '\n');
		if (e)
			*e++ = '\0';
		else
			e = p + strlen(p);
		if (!*p)
			continue;
		if (n_sets == WEB_MAX_SETS) {
			free(buf);
			return keep(&out, dup_str(PROG ": too many --set options"));
		}
		sets[n_sets++] = p;
	}
	struct jr err;
	char msg[sizeof(err.msg) + 16];
	if (config_load_file(path, sets, n_sets, &g_ls, &err) < 0) {
		free(buf);
		snprintf(msg, sizeof(msg), PROG ": %s", err.msg);
		return keep(&out, dup_str(msg));
	}
	free(buf);
	/* the run command's refusal of absurdly long or large runs */
	if (config_check_size(&g_ls.s, &err) < 0) {
		loaded_scenario_fini(&g_ls);
		snprintf(msg, sizeof(msg), PROG ": %s", err.msg);
		return keep(&out, dup_str(msg));
	}
	g_loaded = 1;
	return keep(&out, dup_str(""));
}

EMSCRIPTEN_KEEPALIVE
const char *web_warnings(void)
{
	static char *out;
	size_t n = 1;
	for (int i = 0; g_loaded && i < g_ls.n_warnings; i++)
		n += strlen(PROG ": ") + strlen(g_ls.warnings[i]) + 1;
	char *s = calloc(n, 1);
	for (int i = 0; s && g_loaded && i < g_ls.n_warnings; i++) {
		strcat(s, PROG ": ");
		strcat(s, g_ls.warnings[i]);
		strcat(s, "\n");
	}
	return keep(&out, s);
}

/* the instants (s after the first SYN) at which a client of population p
 * retransmits its SYN when no SYN-ACK comes, and when connect() gives up:
 * the models' SYN schedule (syn_schedule_next), nominal times (no timer-wheel
 * lateness), as the plots mark them */
static cJSON *syn_marks(const struct client_pop *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *marks = cJSON_AddArrayToObject(o, "retransmit_s");
	struct syn_schedule s;
	syn_schedule_init(&s, &p->rules, p->sysctl.tcp_syn_retries, p->sysctl.tcp_syn_linear_timeouts,
	                  p->connect_timeout, false);
	for (int n = 0; n < WEB_MAX_MARKS; n++) {
		sim_time_ns at;
		enum syn_event ev = syn_schedule_next(&s, &at);
		if (ev == SYN_CONNECT_TIMEOUT) {
			cJSON_AddNumberToObject(o, "connect_timeout_s", (double)at / 1e9);
			break;
		}
		if (ev == SYN_GIVE_UP) {
			cJSON_AddNumberToObject(o, "etimedout_s", (double)at / 1e9);
			break;
		}
		cJSON_AddItemToArray(marks, cJSON_CreateNumber((double)at / 1e9));
	}
	return o;
}

EMSCRIPTEN_KEEPALIVE
const char *web_info(void)
{
	static char *out;
	if (!g_loaded)
		return keep(&out, dup_str("{}"));
	const struct scenario *s = &g_ls.s;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", g_ls.name);
	cJSON_AddNumberToObject(o, "duration_s", (double)s->duration / 1e9);
	cJSON_AddNumberToObject(o, "drain_s", (double)s->drain / 1e9);
	cJSON_AddNumberToObject(o, "sample_interval_s", (double)s->sample_interval / 1e9);
	cJSON_AddNumberToObject(o, "hist_bin_ms", (double)s->hist_bin / 1e6);
	cJSON_AddNumberToObject(o, "listeners", s->server.listeners);
	cJSON_AddNumberToObject(o, "effective_backlog",
	                        profile_effective_backlog(&s->server.rules, s->server.backlog, s->server.sysctl.somaxconn));
	cJSON_AddNumberToObject(o, "syn_queue_limit", story_syn_queue_limit(s));
	cJSON_AddNumberToObject(o, "accept_queue_limit", story_accept_queue_limit(s));
	struct scenario_cost z;
	scenario_estimate_cost(s, &z);
	cJSON_AddNumberToObject(o, "estimated_attempts", round(z.attempts));
	cJSON_AddNumberToObject(o, "estimated_events", round(z.events));
	cJSON *prof = cJSON_AddArrayToObject(o, "profiles");
	for (size_t i = 0; i < profile_count(); i++)
		cJSON_AddItemToArray(prof, cJSON_CreateString(profile_at(i)->profile));
	cJSON *ctr = cJSON_AddArrayToObject(o, "counters");
	for (int i = 0; i < LISTENER_COUNTER_COUNT; i++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name", counter_name((enum listener_counter)i));
		cJSON_AddStringToObject(c, "nstat", counter_nstat_name((enum listener_counter)i));
		cJSON_AddStringToObject(c, "netstat", counter_netstat_phrase((enum listener_counter)i));
		cJSON_AddItemToArray(ctr, c);
	}
	cJSON *oc = cJSON_AddArrayToObject(o, "outcomes");
	for (int i = 0; i < OUTCOME_COUNT; i++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name", outcome_name((enum outcome)i));
		cJSON_AddStringToObject(c, "text", outcome_text((enum outcome)i));
		cJSON_AddItemToArray(oc, c);
	}
	cJSON *pops = cJSON_AddArrayToObject(o, "populations");
	for (uint32_t i = 0; i < s->n_pops; i++) {
		cJSON *p = syn_marks(&s->pops[i]);
		cJSON_AddStringToObject(p, "name", s->pops[i].name);
		cJSON_AddStringToObject(p, "kernel", s->pops[i].rules.profile);
		cJSON_AddItemToArray(pops, p);
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return keep(&out, text);
}

/* the human summary of the last run, as "tcpqsim run" prints it */
static char *g_report;

/* the last run's attempt records, WEB_ATT_FIELDS doubles each (id, start s,
 * connect ms or -1, end s or -1, SYNs, outcome, counted + 2 * cookie,
 * population): read in place by engine.js, so that no number goes through
 * printf (musl formats doubles with software long double in WebAssembly) */
#define WEB_ATT_FIELDS 8
struct att_buf {
	double *v;
	size_t n, cap;
	bool out_of_memory;
};
static struct att_buf g_att;

static void on_attempt(void *ctx, const struct attempt_rec *r)
{
	struct att_buf *b = ctx;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		double *v = realloc(b->v, cap * WEB_ATT_FIELDS * sizeof(*v));
		if (!v) {
			b->out_of_memory = true;
			return;
		}
		b->v = v;
		b->cap = cap;
	}
	double *d = b->v + b->n++ * WEB_ATT_FIELDS;
	d[0] = (double)r->id;
	d[1] = (double)r->start / 1e9;
	d[2] = r->connect_at >= 0 ? (double)(r->connect_at - r->start) / 1e6 : -1;
	d[3] = r->end >= 0 ? (double)r->end / 1e9 : -1;
	d[4] = r->syns;
	d[5] = r->outcome;
	d[6] = (r->counted ? 1 : 0) + (r->cookie ? 2 : 0);
	d[7] = r->pop;
}

EMSCRIPTEN_KEEPALIVE
const double *web_attempts(void)
{
	return g_att.v;
}

EMSCRIPTEN_KEEPALIVE
double web_attempt_count(void)
{
	return (double)g_att.n;
}

EMSCRIPTEN_KEEPALIVE
const char *web_report(void)
{
	return g_report ? g_report : "";
}

EMSCRIPTEN_KEEPALIVE
const char *web_run(const char *dir)
{
	static char *out;
	free(g_report);
	g_report = NULL;
	g_att.n = 0;
	g_att.out_of_memory = false;
	if (!g_loaded)
		return keep(&out, dup_str(PROG ": no scenario loaded"));
	struct run_request rq = {
	    .ls = &g_ls,
	    .out_dir = dir,
	    .series = true,
	    .ctx = &g_att,
	    .on_attempt = on_attempt,
	};
	cJSON *summary = NULL;
	char msg[4400];
	enum run_status st = runner_run(&rq, &summary, msg, sizeof(msg));
	if (summary) {
		size_t len = 0;
		FILE *f = open_memstream(&g_report, &len);
		if (f) {
			report_print(f, summary);
			fclose(f);
		}
	}
	cJSON_Delete(summary);
	if (st == RUN_OK && g_att.out_of_memory)
		return keep(&out, dup_str(PROG ": out of memory while keeping the attempt records"));
	if (st != RUN_OK) {
		char line[4500];
		snprintf(line, sizeof(line), PROG ": %s", msg);
		return keep(&out, dup_str(line));
	}
	return keep(&out, dup_str(""));
}

EMSCRIPTEN_KEEPALIVE
const char *web_story(double id)
{
	static char *out;
	char line[4500];
	if (!g_loaded)
		return keep(&out, dup_str(PROG ": no scenario loaded"));
	if (!(id >= 0) || id != floor(id) || id > 9007199254740992.0)
		return keep(&out, dup_str(PROG ": --conn: expected an attempt id (0, 1, 2, ...)"));
	uint64_t conn = (uint64_t)id;
	/* as cmd_explain runs it: no files, the story's hooks only */
	struct story st;
	story_init(&st, conn);
	char msg[4400];
	enum run_status run = story_run(&st, &g_ls, NULL, msg, sizeof(msg));
	char *text = NULL;
	if (run != RUN_OK) {
		snprintf(line, sizeof(line), PROG ": %s", msg);
		text = dup_str(line);
	} else if (st.out_of_memory) {
		snprintf(line, sizeof(line), PROG ": out of memory while keeping the story of attempt %llu",
		         (unsigned long long)conn);
		text = dup_str(line);
	} else if (!story_exists(&st)) {
		if (st.attempts)
			snprintf(line, sizeof(line),
			         PROG ": --conn %llu: no such attempt: the run made %llu attempts (ids 0 to %llu)",
			         (unsigned long long)conn, (unsigned long long)st.attempts, (unsigned long long)st.max_id);
		else
			snprintf(line, sizeof(line), PROG ": --conn %llu: no such attempt: the run made 0 attempts",
			         (unsigned long long)conn);
		text = dup_str(line);
	} else {
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (f) {
			story_print(f, &st, &g_ls);
			fclose(f);
		}
	}
	story_fini(&st);
	return keep(&out, text ? text : dup_str(PROG ": out of memory"));
}

EMSCRIPTEN_KEEPALIVE
const char *web_ss(double t_s, double accept_queue, double client_syn_sent, double client_established)
{
	static char *out;
	if (!g_loaded)
		return keep(&out, dup_str(""));
	const struct scenario *s = &g_ls.s;
	/* one LISTEN socket: series.tsv sums the listeners' queues */
	struct snapshot_listener l;
	memset(&l, 0, sizeof(l));
	l.accept_queue = (uint32_t)accept_queue;
	l.backlog = profile_effective_backlog(&s->server.rules, s->server.backlog, s->server.sysctl.somaxconn);
	struct world_snapshot snap;
	memset(&snap, 0, sizeof(snap));
	snap.t = (sim_time_ns)llround(t_s * 1e9);
	snap.n_listeners = 1;
	snap.listeners = &l;
	snap.client_syn_sent = (uint64_t)client_syn_sent;
	snap.client_established = (uint64_t)client_established;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f) {
		views_ss(f, &snap, 8000);
		fclose(f);
	}
	/* keep the ss part: the server's socket states are not in the series */
	char *cut = text ? strstr(text, "$ netstat") : NULL;
	if (cut)
		*cut = '\0';
	return keep(&out, text);
}
