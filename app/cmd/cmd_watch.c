/* cmd_watch.c: "tcpqsim watch SCENARIO.json": a terminal replay of the
 * sockets and queues, the way
 *   watch "netstat -tn | grep 8000 | grep -oP '\w+\s*$' | sort | uniq -c"
 * looks during the seed's experiment.
 *
 * The run is fast, so the frames are collected first (one world snapshot
 * every --interval of simulated time) and replayed afterwards: on a terminal
 * each frame redraws the screen and --speed simulated seconds pass per wall
 * second; with --frames, or when stdout is not a terminal, every frame is
 * printed one after the other with no escapes and no waiting.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/runner.h"
#include "app/story.h"

#define MAX_FRAMES 100000
#define SHOWN_LISTENERS 4 /* listeners drawn one by one; more are summed */
#define BAR 40            /* bar width, chars */

enum watch_opt { O_SPEED, O_INTERVAL, O_UNTIL, O_FRAMES };

static const struct cli_option watch_options[] = {
	{O_SPEED, "--speed", NULL, CLI_VALUE, "X", "simulated seconds per wall second on a terminal (default 1)"},
	{O_INTERVAL, "--interval", NULL, CLI_VALUE, "S", "simulated seconds between frames (default 0.5)"},
	{O_UNTIL, "--until", NULL, CLI_VALUE, "S", "the last frame at or before this simulated time"},
	{O_FRAMES, "--frames", NULL, CLI_FLAG, NULL, "print every frame, one after another, no escapes"},
	CLI_OVERRIDE_OPTIONS,
	{0, NULL, NULL, CLI_FLAG, NULL, NULL},
};

int cmd_watch(int argc, char **argv);
const struct cli_command cli_cmd_watch = {
    "watch", cmd_watch, "SCENARIO.json", "a terminal replay of the sockets and queues", watch_options,
    "Replays the run as frames, one every S seconds of simulated time (default\n"
    "0.5): sockets by state on each host, the accept and SYN queues as bars\n"
    "against their limits, the counters, the outcomes so far.  On a terminal the\n"
    "screen is redrawn with X simulated seconds per wall second (default 1);\n"
    "Ctrl-C stops.  --frames (or a pipe) prints every frame, one after another.\n",
};

struct watch_opts {
	const char *scenario;
	struct cli_overrides ov; /* --set, --seed */
	double speed;     /* simulated seconds per wall second */
	double interval;  /* simulated seconds between frames */
	double until;     /* last frame at or before this simulated time, s; < 0 for the end */
	bool frames;      /* print every frame, no escapes */
};

/* one frame: what the snapshot said */
struct frame {
	sim_time_ns t;                               /* simulated time, ns */
	uint64_t client_syn_sent, client_established, client_fin_wait; /* client sockets */
	uint64_t server_syn_recv, server_established, server_close_wait; /* server sockets */
	uint32_t n_listeners;                        /* listeners in the snapshot */
	uint32_t syn_queue[SHOWN_LISTENERS + 1];     /* per listener; [SHOWN_LISTENERS]: the sum */
	uint32_t accept_queue[SHOWN_LISTENERS + 1];  /* per listener; [SHOWN_LISTENERS]: the sum */
	int backlog;                                 /* ss Send-Q of listener 0 */
	uint64_t counters[LISTENER_COUNTER_COUNT];   /* summed over listeners */
	uint64_t outcomes[OUTCOME_COUNT];            /* attempts settled so far */
};

struct frames {
	struct frame *v; /* owned */
	size_t n, cap;
	bool out_of_memory;
};

static int parse_num(const char *opt, const char *v, double *out)
{
	char *end = NULL;
	errno = 0;
	*out = v ? strtod(v, &end) : NAN;
	if (!v || !v[0] || *end || errno || !isfinite(*out) || *out <= 0) {
		fprintf(stderr, PROG ": %s: expected a positive number, got \"%s\"\n", opt, v ? v : "");
		return -1;
	}
	return 0;
}

static int parse_watch_args(int argc, char **argv, struct watch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->speed = 1;
	o->interval = 0.5;
	o->until = -1;
	struct cli_args it;
	cli_args_init(&it, &cli_cmd_watch, argc, argv);
	const char *v;
	int id;
	while ((id = cli_next(&it, &v)) != CLI_END) {
		switch (id) {
		case CLI_ID_SET:
		case CLI_ID_SEED:
			if (cli_take_override(&o->ov, id, v))
				return 2;
			break;
		case O_FRAMES:
			o->frames = true;
			break;
		case O_SPEED:
		case O_INTERVAL:
		case O_UNTIL:
			if (parse_num(it.opt, v, id == O_SPEED ? &o->speed : id == O_INTERVAL ? &o->interval : &o->until) < 0 ||
			    /* times in the scenario keys' range, a speed up to 1e9 */
			    cli_parse_number(id == O_SPEED ? "--speed" : id == O_INTERVAL ? "--interval" : "--until", v, 1e-9,
			                     id == O_SPEED ? 1e9 : CONFIG_MAX_TIME_S,
			                     id == O_SPEED ? &o->speed : id == O_INTERVAL ? &o->interval : &o->until))
				return 2;
			break;
		case CLI_OPERAND:
			if (o->scenario)
				return cli_misuse("unexpected argument %s", v);
			o->scenario = v;
			break;
		default:
			return id;
		}
	}
	if (!o->scenario)
		return cli_misuse("%s", "watch needs a scenario file");
	cli_overrides_finish(&o->ov);
	return 0;
}

static void on_snapshot(void *ctx, const struct world_snapshot *s)
{
	struct frames *fs = ctx;
	if (fs->n == fs->cap) {
		size_t n = fs->cap ? fs->cap * 2 : 128;
		struct frame *v = realloc(fs->v, n * sizeof(*v));
		if (!v) {
			fs->out_of_memory = true;
			return;
		}
		fs->v = v;
		fs->cap = n;
	}
	struct frame *f = &fs->v[fs->n++];
	memset(f, 0, sizeof(*f));
	f->t = s->t;
	f->client_syn_sent = s->client_syn_sent;
	f->client_established = s->client_established;
	f->client_fin_wait = s->client_fin_wait;
	f->server_syn_recv = s->server_syn_recv;
	f->server_established = s->server_established;
	f->server_close_wait = s->server_close_wait;
	f->n_listeners = s->n_listeners;
	f->backlog = s->n_listeners ? s->listeners[0].backlog : 0;
	for (uint32_t i = 0; i < s->n_listeners; i++) {
		const struct snapshot_listener *l = &s->listeners[i];
		if (i < SHOWN_LISTENERS) {
			f->syn_queue[i] = l->syn_queue;
			f->accept_queue[i] = l->accept_queue;
		}
		f->syn_queue[SHOWN_LISTENERS] += l->syn_queue;
		f->accept_queue[SHOWN_LISTENERS] += l->accept_queue;
		for (int k = 0; k < LISTENER_COUNTER_COUNT; k++)
			f->counters[k] += l->counters[k];
	}
	memcpy(f->outcomes, s->outcomes, sizeof(f->outcomes));
}

/* what every frame shows, fixed from the whole run so frames line up */
struct layout {
	const struct loaded_scenario *ls;
	sim_time_ns end;                      /* the run's last simulated instant, ns */
	uint32_t syn_limit, accept_limit;     /* per listener */
	bool counter_shown[LISTENER_COUNTER_COUNT];
	bool outcome_shown[OUTCOME_COUNT];
};

/* a count of the summary, 0 when absent */
static double summary_count(const cJSON *summary, const char *group, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(summary, group), name);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* the rows shown: the counters and outcomes that move at all during the
 * whole run (from its summary), so that every frame has the same lines */
static void layout_init(struct layout *lo, const struct loaded_scenario *ls, const cJSON *summary, sim_time_ns end)
{
	memset(lo, 0, sizeof(*lo));
	lo->ls = ls;
	lo->end = end;
	lo->syn_limit = story_syn_queue_limit(&ls->s);
	lo->accept_limit = story_accept_queue_limit(&ls->s);
	for (int k = 0; k < LISTENER_COUNTER_COUNT; k++)
		lo->counter_shown[k] = k == CTR_ListenOverflows || k == CTR_ListenDrops ||
		                       summary_count(summary, "counters", counter_name((enum listener_counter)k)) > 0;
	for (int k = 0; k < OUTCOME_COUNT; k++)
		lo->outcome_shown[k] = k == OUTCOME_CONNECTED ||
		                       (k != OUTCOME_IN_PROGRESS &&
		                        summary_count(summary, "outcomes", outcome_name((enum outcome)k)) > 0);
}

static void draw_bar(FILE *f, const char *name, uint32_t len, uint32_t limit, const char *extra)
{
	char bar[BAR + 1];
	uint32_t fill = 0;
	if (limit) {
		double x = (double)len * BAR / (double)limit;
		fill = len > limit ? BAR : (uint32_t)(x + 0.5);
		if (len > 0 && fill == 0)
			fill = 1;
	}
	memset(bar, '#', fill);
	memset(bar + fill, '.', BAR - fill);
	bar[BAR] = '\0';
	char count[48];
	snprintf(count, sizeof(count), "%u/%u", len, limit);
	fprintf(f, "  %-15s [%s] %9s%s\n", name, bar, count, extra);
}

static void render_frame(FILE *f, const struct layout *lo, const struct frame *fr, const struct frame *prev)
{
	const struct scenario *s = &lo->ls->s;
	fprintf(f, "%s   t = %8.3f s   (run ends at %.3f s)\n", lo->ls->name, (double)fr->t / 1e9,
	        (double)lo->end / 1e9);
	fprintf(f, "server %s, listen(%ld), port 8000; clients %s\n",
	        s->server.rules.profile ? s->server.rules.profile : "?", s->server.backlog,
	        s->pops[0].rules.profile ? s->pops[0].rules.profile : "?");
	fprintf(f, "\nnetstat -tn | grep 8000 | ... | sort | uniq -c\n");
	fprintf(f, "  %-26s %s\n", "client host", "server host");
	fprintf(f, "  %7llu %-18s %7llu %s\n", (unsigned long long)fr->client_syn_sent, "SYN_SENT",
	        (unsigned long long)fr->server_syn_recv, "SYN_RECV");
	fprintf(f, "  %7llu %-18s %7llu %s\n", (unsigned long long)fr->client_established, "ESTABLISHED",
	        (unsigned long long)fr->server_established, "ESTABLISHED");
	fprintf(f, "  %7llu %-18s %7llu %s\n", (unsigned long long)fr->client_fin_wait, "FIN_WAIT1",
	        (unsigned long long)fr->server_close_wait, "CLOSE_WAIT");

	fprintf(f, "\nqueues (limits: accept queue backlog+1, SYN queue by the kernel's rule)\n");
	char extra[64];
	if (fr->n_listeners <= SHOWN_LISTENERS) {
		for (uint32_t i = 0; i < fr->n_listeners; i++) {
			char name[32];
			snprintf(extra, sizeof(extra), "   ss: Recv-Q %u Send-Q %d", fr->accept_queue[i], fr->backlog);
			snprintf(name, sizeof(name), fr->n_listeners > 1 ? "accept queue %u" : "accept queue", i);
			draw_bar(f, name, fr->accept_queue[i], lo->accept_limit, extra);
			snprintf(name, sizeof(name), fr->n_listeners > 1 ? "SYN queue %u" : "SYN queue", i);
			draw_bar(f, name, fr->syn_queue[i], lo->syn_limit, "");
		}
	} else {
		snprintf(extra, sizeof(extra), "   (%u listeners)", fr->n_listeners);
		draw_bar(f, "accept queues", fr->accept_queue[SHOWN_LISTENERS], lo->accept_limit * fr->n_listeners, extra);
		draw_bar(f, "SYN queues", fr->syn_queue[SHOWN_LISTENERS], lo->syn_limit * fr->n_listeners, "");
	}

	fprintf(f, "\ncounters (nstat)                   total  since last frame\n");
	for (int k = 0; k < LISTENER_COUNTER_COUNT; k++) {
		if (!lo->counter_shown[k])
			continue;
		uint64_t d = fr->counters[k] - (prev ? prev->counters[k] : 0);
		fprintf(f, "  %-28s %10llu  %+lld\n", counter_nstat_name((enum listener_counter)k),
		        (unsigned long long)fr->counters[k], (long long)d);
	}

	fprintf(f, "\noutcomes so far\n ");
	for (int k = 0; k < OUTCOME_COUNT; k++)
		if (lo->outcome_shown[k])
			fprintf(f, " %s %llu  ", outcome_name((enum outcome)k), (unsigned long long)fr->outcomes[k]);
	fprintf(f, " still connecting %llu\n", (unsigned long long)fr->client_syn_sent);
}

/* sleep for `s` seconds unless stopped; returns false when stopped */
static bool pause_for(double s, volatile sig_atomic_t *stop)
{
	struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
	while (!*stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return !*stop;
}

/* replay on a terminal: redraw in place, restore the cursor at the end */
static void replay_terminal(const struct layout *lo, const struct frames *fs, const struct watch_opts *o,
                            volatile sig_atomic_t *stop)
{
	fputs("\033[?25l\033[2J", stdout);
	for (size_t i = 0; i < fs->n && !*stop; i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);
		if (!m)
			break;
		render_frame(m, lo, &fs->v[i], i ? &fs->v[i - 1] : NULL);
		fprintf(m, "\n[%zu/%zu]  %gx speed, a frame every %g s of simulated time;  Ctrl-C stops\n", i + 1, fs->n,
		        o->speed, o->interval);
		fclose(m);
		fputs("\033[H", stdout);
		for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			fwrite(line, 1, nl ? (size_t)(nl - line) : strlen(line), stdout);
			fputs("\033[K\n", stdout);
			if (!nl)
				break;
		}
		fputs("\033[J", stdout);
		fflush(stdout);
		free(text);
		if (i + 1 < fs->n && !pause_for(o->interval / o->speed, stop))
			break;
	}
	fputs("\033[?25h", stdout);
	fflush(stdout);
}

static void replay_frames(FILE *f, const struct layout *lo, const struct frames *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		if (i)
			fprintf(f, "------------------------------------------------------------------------\n");
		render_frame(f, lo, &fs->v[i], i ? &fs->v[i - 1] : NULL);
	}
}

/* the simulated end of a run, from its summary */
static sim_time_ns summary_end(const cJSON *summary)
{
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(summary, "run");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(run, "simulated_s");
	return cJSON_IsNumber(t) ? (sim_time_ns)llround(t->valuedouble * 1e9) : 0;
}

int cmd_watch(int argc, char **argv)
{
	struct watch_opts o;
	int rc = parse_watch_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? cli_exit(rc) : rc;
	struct loaded_scenario ls;
	if (cli_load_scenario(o.scenario, o.ov.sets, o.ov.n_sets, &ls) != 0)
		return 2;

	volatile sig_atomic_t *stop = cli_stop_flag();
	struct frames fs = {0};
	sim_time_ns *times = NULL;
	cJSON *summary = NULL;
	char msg[4400];

	/* first run: how long the run lasts */
	struct run_request rq = {.ls = &ls, .stop = stop};
	enum run_status run = runner_run(&rq, &summary, msg, sizeof(msg));
	if (run != RUN_OK)
		goto out_failed;
	sim_time_ns end = summary_end(summary);
	struct layout lo;
	layout_init(&lo, &ls, summary, end);
	cJSON_Delete(summary);
	summary = NULL;
	sim_time_ns step = (sim_time_ns)llround(o.interval * 1e9);
	sim_time_ns last = o.until >= 0 && (sim_time_ns)llround(o.until * 1e9) < end ? (sim_time_ns)llround(o.until * 1e9)
	                                                                              : end;
	if (step <= 0) {
		rc = cli_misuse("--interval: expected at least a nanosecond, got \"%s\"", "0");
		goto out;
	}
	size_t n = (size_t)(last / step) + 1;
	if (last % step && o.until < 0)
		n++; /* one frame past the end shows how it ended */
	if (n > MAX_FRAMES) {
		fprintf(stderr, PROG ": --interval: %g s gives %zu frames over %.3f s; at most %d (take a longer interval)\n",
		        o.interval, n, (double)last / 1e9, MAX_FRAMES);
		rc = 2;
		goto out;
	}
	times = malloc(n * sizeof(*times));
	if (!times) {
		snprintf(msg, sizeof(msg), "out of memory");
		run = RUN_FAILED;
		goto out_failed;
	}
	for (size_t i = 0; i < n; i++)
		times[i] = (sim_time_ns)i * step;

	/* second run: the same run, with a snapshot at every frame */
	rq.ctx = &fs;
	rq.on_snapshot = on_snapshot;
	rq.snapshot_times = times;
	rq.n_snapshots = n;
	run = runner_run(&rq, &summary, msg, sizeof(msg));
	if (run != RUN_OK)
		goto out_failed;
	if (fs.out_of_memory) {
		snprintf(msg, sizeof(msg), "out of memory while keeping %zu frames", n);
		run = RUN_FAILED;
		goto out_failed;
	}

	if (!o.frames && isatty(STDOUT_FILENO)) {
		/* Ctrl-C ends the replay, which puts the terminal back */
		cli_install_signals();
		replay_terminal(&lo, &fs, &o, stop);
		cli_restore_signals();
	}
	else
		replay_frames(stdout, &lo, &fs);
	rc = 0;
	goto out;

out_failed:
	fprintf(stderr, PROG ": %s\n", msg);
	rc = (int)run;
out:
	cJSON_Delete(summary);
	free(times);
	free(fs.v);
	loaded_scenario_fini(&ls);
	return rc;
}
