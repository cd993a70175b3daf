/* story.c: one attempt told step by step, and its sequence diagram (story.h).
 *
 * Printing goes in two passes over the stored steps.  The first reads, for
 * every step, who acted and which way its segment goes from the typed trace
 * (side, dir, reason: models/trace.h), and pairs each "send" with the first
 * receive of the same packet name going the same way (first in, first out);
 * the second prints the table and then the diagram from the same pairing.
 */
#include "app/story.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/profile.h"

#define LANE 34      /* width of the diagram between the two time lines, chars */
#define LABEL_MAX 40 /* a packet label such as "SYN-ACK #2 (cookie)", chars */

enum side { SIDE_CLIENT, SIDE_SERVER };
enum dir { DIR_NONE, DIR_UP, DIR_DOWN }; /* UP: client -> server */
enum fate { FATE_PENDING, FATE_DELIVERED, FATE_DROPPED, FATE_LOST };

/* what the first pass found out about one step */
struct step_info {
	enum side side;      /* who acted */
	enum dir dir;        /* send/lost: the packet's way; receive: the way it came */
	bool is_send;        /* sends (or loses) a packet: starts row `row` */
	bool is_receive;     /* ends the packet of row `row` */
	bool is_note;        /* annotates the receive that follows at the same instant */
	bool after_note;     /* a receive whose packet a note at the same instant already named */
	int row;             /* index into rows, -1 for none */
	double gap_ms;       /* send of a numbered retransmission: ms since the previous one, or -1 */
	int number;          /* SYN / SYN-ACK number, 0 for unnumbered packets */
};

/* one arrow of the diagram */
struct row {
	sim_time_ns t;              /* sent, ns */
	enum dir dir;               /* its way */
	enum fate fate;             /* what became of it */
	const char *name;           /* packet name (static) */
	char label[LABEL_MAX];      /* "SYN #2" */
	const char *note;           /* short reason of its fate (static or NULL) */
	const char *pre_note;       /* an annotation at the receiver before the fate (static or NULL) */
	const struct story_step *ev; /* an event row (no packet): the step, else NULL */
	enum side ev_side;          /* event row: who acted */
};

void story_init(struct story *st, uint64_t conn)
{
	memset(st, 0, sizeof(*st));
	st->conn = conn;
}

void story_fini(struct story *st)
{
	free(st->steps);
	st->steps = NULL;
	st->n_steps = st->cap_steps = 0;
}

static void push_step(struct story *st, const struct trace_rec *r, bool wide)
{
	if (st->n_steps == st->cap_steps) {
		size_t n = st->cap_steps ? st->cap_steps * 2 : 64;
		struct story_step *s = realloc(st->steps, n * sizeof(*s));
		if (!s) {
			st->out_of_memory = true;
			return;
		}
		st->steps = s;
		st->cap_steps = n;
	}
	st->steps[st->n_steps++] = (struct story_step){
	    .t = r->t,
	    .what = r->what,
	    .side = r->side,
	    .dir = r->dir,
	    .reason = r->reason,
	    .pkt = r->pkt,
	    .why = r->why,
	    .syn_queue = r->syn_queue,
	    .accept_queue = r->accept_queue,
	    .listener = r->listener,
	    .listener_wide = wide,
	};
}

enum run_status story_run(struct story *st, const struct loaded_scenario *ls,
                          volatile sig_atomic_t *stop, char *msg, size_t n)
{
	struct run_request rq = {
	    .ls = ls,
	    .out_dir = NULL,
	    .ctx = st,
	    .on_trace = story_on_trace,
	    .on_attempt = story_on_attempt,
	    .stop = stop,
	};
	cJSON *summary = NULL;
	enum run_status run = runner_run(&rq, &summary, msg, n);
	if (summary) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(summary, "run"),
		                                                  "simulated_s");
		if (cJSON_IsNumber(t))
			st->run_end = (sim_time_ns)llround(t->valuedouble * 1e9);
	}
	cJSON_Delete(summary);
	return run;
}

void story_on_trace(void *ctx, const struct trace_rec *r)
{
	struct story *st = ctx;
	if (st->done || !r->what)
		return;
	if (r->conn == st->conn) {
		/* a stall already under way when the attempt begins belongs to its story */
		if (st->n_steps == 0 && st->have_before && st->before.listener == r->listener &&
		    st->before.what && strcmp(st->before.what, "stall") == 0)
			push_step(st, &st->before, true);
		push_step(st, r, false);
	} else if (r->conn == UINT64_MAX && st->n_steps == 0) {
		st->before = *r;
		st->have_before = true;
	} else if (r->conn == UINT64_MAX && r->listener == st->steps[st->n_steps - 1].listener) {
		/* the application's stalls and resumes while the attempt lives */
		push_step(st, r, true);
	}
}

void story_on_attempt(void *ctx, const struct attempt_rec *r)
{
	struct story *st = ctx;
	st->attempts++;
	if (r->id > st->max_id || st->attempts == 1)
		st->max_id = r->id;
	if (r->id == st->conn) {
		st->rec = *r;
		st->have_rec = true;
		st->done = true;
	}
}

bool story_exists(const struct story *st)
{
	return st->have_rec || st->n_steps > 0;
}

static int effective_backlog(const struct scenario *s)
{
	return profile_effective_backlog(&s->server.rules, s->server.backlog, s->server.sysctl.somaxconn);
}

uint32_t story_syn_queue_limit(const struct scenario *s)
{
	return profile_syn_queue_limit(&s->server.rules, effective_backlog(s), s->server.sysctl.tcp_max_syn_backlog);
}

uint32_t story_accept_queue_limit(const struct scenario *s)
{
	return profile_accept_queue_limit(&s->server.rules, effective_backlog(s));
}

/* ---- the first pass: sides, packets, pairing ------------------------------ */

static bool is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static enum dir way(enum trace_dir d)
{
	return d == TD_C2S ? DIR_UP : d == TD_S2C ? DIR_DOWN : DIR_NONE;
}

/* who acted, and which packet (if any) the event ends: an event whose
 * segment comes toward the side that acted is that segment's arrival */
static void classify(const struct story_step *s, struct step_info *in, const char **ends)
{
	const char *w = s->what;
	*ends = NULL;
	in->dir = way(s->dir);
	in->side = s->side == TS_CLIENT ? SIDE_CLIENT : SIDE_SERVER;
	if (s->listener_wide) {
		in->dir = DIR_NONE;
		return;
	}
	if (is(w, "send") || is(w, "lost")) {
		/* the sender's arrow, lost or not */
		in->is_send = true;
		in->side = in->dir == DIR_UP ? SIDE_CLIENT : SIDE_SERVER;
		return;
	}
	bool arrives = (in->side == SIDE_SERVER && in->dir == DIR_UP) || (in->side == SIDE_CLIENT && in->dir == DIR_DOWN);
	if (arrives && (is(w, "pass") || (is(w, "fail") && in->side == SIDE_SERVER))) {
		/* a note on the arrival that follows at the same instant: let
		 * through (old kernels), or a cookie check failed (an RST follows) */
		in->is_note = true;
		return;
	}
	if (arrives)
		*ends = s->pkt;
	else
		in->dir = DIR_NONE;
}

struct analysis {
	struct step_info *info; /* one per step */
	struct row *rows;       /* the diagram's rows, in time order */
	size_t n_rows;
};

static void analysis_fini(struct analysis *a)
{
	free(a->info);
	free(a->rows);
}

static int analyse(const struct story *st, struct analysis *a)
{
	size_t n = st->n_steps;
	a->n_rows = 0;
	a->info = calloc(n ? n : 1, sizeof(*a->info));
	a->rows = calloc(n ? n : 1, sizeof(*a->rows));
	if (!a->info || !a->rows) {
		analysis_fini(a);
		return -1;
	}
	int syns = 0, synacks = 0;
	sim_time_ns last_syn = 0, last_synack = 0;
	const char *note = NULL; /* a pending annotation ("pass") */
	const struct step_info *prev = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct story_step *s = &st->steps[i];
		struct step_info *in = &a->info[i];
		const char *ends = NULL;
		in->row = -1;
		in->gap_ms = -1;
		if (prev && s->t != st->steps[prev - a->info].t)
			prev = NULL;
		classify(s, in, &ends);
		if (in->is_send) {
			struct row *r = &a->rows[a->n_rows];
			in->row = (int)a->n_rows++;
			r->t = s->t;
			r->dir = in->dir;
			r->name = s->pkt ? s->pkt : "?";
			r->fate = is(s->what, "lost") ? FATE_LOST : FATE_PENDING;
			if (is(s->pkt, "SYN")) {
				in->number = ++syns;
				if (syns > 1)
					in->gap_ms = (double)(s->t - last_syn) / 1e6;
				last_syn = s->t;
			} else if (is(s->pkt, "SYN-ACK")) {
				in->number = ++synacks;
				if (synacks > 1)
					in->gap_ms = (double)(s->t - last_synack) / 1e6;
				last_synack = s->t;
			}
			if (in->number)
				snprintf(r->label, sizeof(r->label), "%s #%d%s", r->name, in->number,
				         s->reason == TR_SEND_COOKIE ? " (cookie)" : "");
			else
				snprintf(r->label, sizeof(r->label), "%s", r->name);
			if (r->fate == FATE_LOST)
				r->note = "lost in the network";
		} else if (in->is_note) {
			note = s->why;
			for (size_t k = 0; s->pkt && k < a->n_rows; k++) {
				const struct row *r = &a->rows[k];
				if (!r->ev && r->fate == FATE_PENDING && r->dir == DIR_UP && strcmp(r->name, s->pkt) == 0) {
					in->row = (int)k;
					break;
				}
			}
		} else if (ends) {
			/* the first packet of that name still on its way */
			for (size_t k = 0; k < a->n_rows; k++) {
				struct row *r = &a->rows[k];
				if (r->ev || r->fate != FATE_PENDING || r->dir != in->dir || strcmp(r->name, ends) != 0)
					continue;
				r->fate = is(s->what, "drop") ? FATE_DROPPED : FATE_DELIVERED;
				r->note = s->why;
				r->pre_note = note;
				in->row = (int)k;
				in->after_note = prev && prev->is_note && prev->row == (int)k;
				in->is_receive = true;
				break;
			}
			note = NULL;
		}
		if (!in->is_send && !in->is_receive && !in->is_note && !is(s->what, "connect")) {
			/* an event of its own (timeouts, accept, close, stalls) */
			struct row *r = &a->rows[a->n_rows++];
			r->t = s->t;
			r->ev = s;
			r->ev_side = in->side;
			r->note = s->why;
		}
		if (!s->listener_wide)
			prev = in;
	}
	return 0;
}

/* ---- the second pass: printing -------------------------------------------- */

/* "reason (kernel detail)" -> the reason, and the detail when there is one */
static void split_why(const char *why, char *reason, size_t n, const char **detail, size_t *detail_len)
{
	*detail = NULL;
	*detail_len = 0;
	if (!why) {
		reason[0] = '\0';
		return;
	}
	const char *open = strrchr(why, '(');
	size_t len = strlen(why);
	if (open && open > why && open[-1] == ' ' && why[len - 1] == ')') {
		snprintf(reason, n, "%.*s", (int)(open - 1 - why), why);
		*detail = open + 1;
		*detail_len = (size_t)(why + len - 1 - *detail);
	} else {
		snprintf(reason, n, "%s", why);
	}
}

static double rel_ms(sim_time_ns t, sim_time_ns start)
{
	return (double)(t - start) / 1e6;
}

/* what the receiver did, in one or two words */
static const char *receive_verb(const struct story_step *s)
{
	static const struct {
		const char *what, *verb;
	} verbs[] = {
	    {"queue", "queued"},
	    {"drop", "DROPPED"},
	    {"cookie", "answered with a syncookie"},
	    {"established", "handshake complete"},
	    {"reset", "answered with RST"},
	    {"connected", "connect() returns 0"},
	    {"served", "the server has spoken"},
	    {"fail", "connect() fails"},
	    {"deliver", NULL},
	};
	if (is(s->what, "reset") && s->side == TS_CLIENT)
		return "connection reset";
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (is(s->what, verbs[i].what))
			return verbs[i].verb;
	return s->what;
}

static void step_headline(char *out, size_t n, const struct story_step *s, const struct step_info *in,
                          const struct analysis *a)
{
	const struct row *r = in->row >= 0 ? &a->rows[in->row] : NULL;
	if (in->is_send && r) {
		const char *lost = r->fate == FATE_LOST ? ": LOST in the network" : "";
		if (in->gap_ms >= 0)
			snprintf(out, n, "timer: %s %s, %.0f ms after #%d%s",
			         is(r->name, "SYN") ? "retransmits" : "resends", r->label, in->gap_ms, in->number - 1,
			         lost);
		else if (is(r->name, "SYN-ACK"))
			snprintf(out, n, "answers with %s%s", r->label, lost);
		else if (is(r->name, "DATA"))
			snprintf(out, n, "sends %s (%s)%s", r->label, in->side == SIDE_CLIENT ? "the request" : "its first bytes",
			         lost);
		else
			snprintf(out, n, "sends %s%s", r->label, lost);
		return;
	}
	if (in->is_receive && r) {
		const char *verb = receive_verb(s);
		snprintf(out, n, "%s%s%s%s", r->label, in->after_note ? "" : " arrives", verb ? ": " : "",
		         verb ? verb : "");
		return;
	}
	if (is(s->what, "connect")) {
		snprintf(out, n, "connect() called");
		return;
	}
	if (in->is_note && s->pkt) {
		const char *verb = is(s->what, "pass") ? "let through" : is(s->what, "fail") ? "cookie check fails" : s->what;
		if (r)
			snprintf(out, n, "%s arrives: %s", r->label, verb);
		else
			snprintf(out, n, "%s: %s", s->pkt, verb);
		return;
	}
	if (is(s->what, "accept")) {
		snprintf(out, n, "accept() returns it");
		return;
	}
	if (s->why) {
		char reason[160];
		const char *d;
		size_t dl;
		split_why(s->why, reason, sizeof(reason), &d, &dl);
		snprintf(out, n, "%s", reason);
		return;
	}
	snprintf(out, n, "%s%s%s", s->what, s->pkt ? " " : "", s->pkt ? s->pkt : "");
}

/* does the headline already carry the whole why? */
static bool why_in_headline(const struct story_step *s, const struct step_info *in)
{
	return !in->is_send && !in->is_receive && !in->is_note && !is(s->what, "accept");
}

static void print_heading(FILE *f, const struct story *st, const struct loaded_scenario *ls, sim_time_ns start)
{
	const struct scenario *s = &ls->s;
	uint32_t pop = st->have_rec ? st->rec.pop : 0;
	if (!st->have_rec)
		for (uint32_t i = 0; i < s->n_pops; i++)
			if (s->pops[i].spoofed)
				pop = i; /* a trace but no record: a flood SYN */
	const struct client_pop *p = &s->pops[pop < s->n_pops ? pop : 0];
	int n = effective_backlog(s);
	fprintf(f, "Attempt %llu of %s (seed %llu)\n", (unsigned long long)st->conn, ls->name,
	        (unsigned long long)s->seed);
	fprintf(f, "  client: population \"%s\", %s", p->name, p->rules.profile ? p->rules.profile : "?");
	if (!p->spoofed)
		fprintf(f, ", tcp_syn_retries=%d", p->sysctl.tcp_syn_retries);
	fprintf(f, "\n");
	fprintf(f, "  server: %s, listen(%ld) -> backlog %d: the accept queue holds %u, the SYN queue %u%s\n",
	        s->server.rules.profile ? s->server.rules.profile : "?", s->server.backlog, n,
	        story_accept_queue_limit(s), story_syn_queue_limit(s),
	        s->server.sysctl.tcp_syncookies ? " (then syncookies)" : "");
	fprintf(f, "          tcp_syncookies=%d, tcp_abort_on_overflow=%d, tcp_synack_retries=%d\n",
	        s->server.sysctl.tcp_syncookies, s->server.sysctl.tcp_abort_on_overflow,
	        s->server.sysctl.tcp_synack_retries);
	fprintf(f, "  first SYN at t = %.6f s; times below are ms from it\n", (double)start / 1e9);
}

static void print_steps(FILE *f, const struct story *st, const struct analysis *a, sim_time_ns start,
                        uint32_t syn_limit, uint32_t acc_limit)
{
	fprintf(f, "\nStep by step:\n");
	fprintf(f, "  %13s  %9s  %9s  %-6s  %s\n", "time", "SYN queue", "accept q", "who", "what happened");
	for (size_t i = 0; i < st->n_steps; i++) {
		const struct story_step *s = &st->steps[i];
		const struct step_info *in = &a->info[i];
		char head[256], sq[32], aq[32];
		step_headline(head, sizeof(head), s, in, a);
		snprintf(sq, sizeof(sq), "%u/%u", s->syn_queue, syn_limit);
		snprintf(aq, sizeof(aq), "%u/%u", s->accept_queue, acc_limit);
		fprintf(f, "  %10.3f ms  %9s  %9s  %-6s  %s\n", rel_ms(s->t, start), sq, aq,
		        in->side == SIDE_CLIENT ? "client" : "server", head);
		if (!s->why || s->reason == TR_SEND_COOKIE || is(s->what, "lost"))
			continue;
		char reason[200];
		const char *detail;
		size_t dl;
		split_why(s->why, reason, sizeof(reason), &detail, &dl);
		bool whole = why_in_headline(s, in);
		if (whole && !detail)
			continue;
		fprintf(f, "  %13s  %9s  %9s  %-6s    ", "", "", "", "");
		if (!whole)
			fprintf(f, "why: %s%s", reason, detail ? "  " : "");
		if (detail)
			fprintf(f, "[%.*s]", (int)dl, detail);
		fputc('\n', f);
	}
}

/* an arrow across the lane, with its label, fate and way */
static void draw_arrow(char *lane, const struct row *r)
{
	memset(lane, '-', LANE);
	lane[LANE] = '\0';
	int from = 0, to = LANE; /* the dashes' extent */
	bool up = r->dir == DIR_UP;
	if (up) {
		if (r->fate == FATE_LOST) {
			to = LANE * 2 / 3;
			memset(lane + to, ' ', (size_t)(LANE - to));
			lane[to - 1] = 'X';
			to -= 1;
		} else if (r->fate == FATE_DROPPED) {
			lane[LANE - 2] = '>';
			lane[LANE - 1] = 'X';
			to = LANE - 2;
		} else {
			lane[LANE - 1] = '>';
			to = LANE - 1;
		}
	} else {
		if (r->fate == FATE_LOST) {
			from = LANE / 3;
			memset(lane, ' ', (size_t)from);
			lane[from] = 'X';
			from += 1;
		} else if (r->fate == FATE_DROPPED) {
			lane[0] = 'X';
			lane[1] = '<';
			from = 2;
		} else {
			lane[0] = '<';
			from = 1;
		}
	}
	char lab[LABEL_MAX + 2];
	int len = snprintf(lab, sizeof(lab), " %s ", r->label);
	int room = to - from;
	if (len > room - 2)
		len = room - 2 > 0 ? room - 2 : 0;
	int at = from + (room - len) / 2;
	memcpy(lane + at, lab, (size_t)len);
}

static void print_diagram(FILE *f, const struct analysis *a, sim_time_ns start)
{
	fprintf(f, "\nSequence diagram (X: dropped by the server, or lost on the way):\n\n");
	fprintf(f, "  %10s     %-*s%s\n", "", LANE + 1, "Client", "Server");
	for (size_t i = 0; i < a->n_rows; i++) {
		const struct row *r = &a->rows[i];
		char lane[LANE + 1], reason[200], pre[200];
		const char *detail;
		size_t dl;
		split_why(r->note, reason, sizeof(reason), &detail, &dl);
		if (r->ev) {
			memset(lane, ' ', LANE);
			lane[LANE] = '\0';
			const char *who = r->ev_side == SIDE_CLIENT ? "client" : "server";
			fprintf(f, "  %10.3f ms  |%s|  %s: %s\n", rel_ms(r->t, start), lane, who,
			        reason[0] ? reason : r->ev->what);
			continue;
		}
		draw_arrow(lane, r);
		const char *mark = r->fate == FATE_DROPPED ? "dropped: " : "";
		pre[0] = '\0';
		if (r->pre_note) {
			const char *d2;
			size_t l2;
			split_why(r->pre_note, pre, sizeof(pre) - 2, &d2, &l2);
			strcat(pre, "; ");
		}
		fprintf(f, "  %10.3f ms  |%s|", rel_ms(r->t, start), lane);
		if (mark[0] || pre[0] || reason[0])
			fprintf(f, "  %s%s%s", mark, pre, reason);
		fputc('\n', f);
	}
	fprintf(f, "  %13s  |%*s|\n", "", LANE, "");
}

/* where the server side of the attempt ended up, from its last server event */
static const char *server_fate(const struct story *st)
{
	static const struct {
		const char *what, *fate;
	} fates[] = {
	    {"queue", "the server still holds its request in the SYN queue (SYN_RECV)"},
	    {"established", "its child socket still waits in the accept queue"},
	    {"accept", ""},
	    {"expire", "the server forgot the request (SYN-ACK retries ran out): only the client believes "
	               "it is connected"},
	    {"server-close", "the application closed it"},
	};
	const char *fate = NULL;
	for (size_t i = 0; i < st->n_steps; i++) {
		const struct story_step *s = &st->steps[i];
		if (s->listener_wide || s->side != TS_SERVER)
			continue;
		for (size_t k = 0; k < sizeof(fates) / sizeof(fates[0]); k++)
			if (is(s->what, fates[k].what))
				fate = fates[k].fate;
		if (is(s->what, "reset"))
			fate = "the server answered with RST and kept nothing";
	}
	return fate;
}

static void print_outcome(FILE *f, const struct story *st, sim_time_ns start)
{
	fprintf(f, "\nOutcome: ");
	if (!st->have_rec) {
		fprintf(f, "a spoofed SYN of the flood: no client socket, nobody answers the server\n");
		return;
	}
	const struct attempt_rec *r = &st->rec;
	fprintf(f, "%s: %s\n", outcome_name(r->outcome), outcome_text(r->outcome));
	fprintf(f, "  SYNs sent: %u", r->syns);
	if (r->connect_at >= 0)
		fprintf(f, "; connect() returned at %.3f ms", (double)(r->connect_at - start) / 1e6);
	else
		fprintf(f, "; connect() never returned 0");
	fputc('\n', f);
	if (r->accepted_at >= 0)
		fprintf(f, "  the server accept()ed it at %.3f ms\n", (double)(r->accepted_at - start) / 1e6);
	else if (r->connect_at >= 0)
		fprintf(f, "  the server never accept()ed it\n");
	const char *fate = server_fate(st);
	if (fate && fate[0] && r->connect_at >= 0)
		fprintf(f, "  at the end %s\n", fate);
	if (r->served_at >= 0)
		fprintf(f, "  the server's first bytes arrived at %.3f ms\n", (double)(r->served_at - start) / 1e6);
	if (r->cookie)
		fprintf(f, "  connected through a syncookie: the server kept no request for it\n");
	if (r->app_try > 0)
		fprintf(f, "  this is the application's retry #%u\n", r->app_try);
	fprintf(f, "  the attempt's record closed at %.3f ms%s\n", (double)(r->end - start) / 1e6,
	        r->outcome == OUTCOME_IN_PROGRESS || (st->run_end && r->end >= st->run_end) ? " (the end of the run)"
	                                                                                   : "");
	if (!r->counted)
		fprintf(f, "  it started during the warm-up: the statistics leave it out\n");
}

void story_print(FILE *f, const struct story *st, const struct loaded_scenario *ls)
{
	sim_time_ns start = 0;
	if (st->have_rec)
		start = st->rec.start;
	else
		for (size_t i = 0; i < st->n_steps; i++)
			if (!st->steps[i].listener_wide) {
				start = st->steps[i].t;
				break;
			}
	print_heading(f, st, ls, start);
	struct analysis a;
	if (analyse(st, &a) < 0) {
		fprintf(f, "(out of memory: no steps)\n");
		return;
	}
	uint32_t syn_limit = story_syn_queue_limit(&ls->s), acc_limit = story_accept_queue_limit(&ls->s);
	print_steps(f, st, &a, start, syn_limit, acc_limit);
	print_diagram(f, &a, start);
	print_outcome(f, st, start);
	analysis_fini(&a);
}
