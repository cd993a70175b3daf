/* runner.c: one run with its outputs (runner.h). */
#include "app/runner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/pcap.h"
#include "app/report.h"

#define TSYNBL_MAX 65536

struct run_ctx {
	struct output out;
	const struct run_request *rq;
	bool files;
	struct pcap_writer *pcap; /* --pcap, or NULL */
	struct {
		double start;      /* wall clock at the start, s */
		double last;       /* wall clock of the last line drawn, s */
		double duration_s; /* arrivals end then (simulated), s */
		double after_s;    /* nothing before this much wall time, s */
		bool shown;        /* a line is on the terminal */
	} progress;
};

static void trace_hook(void *p, const struct trace_rec *r)
{
	struct run_ctx *c = p;
	if (c->files && c->out.trace)
		output_trace_hook(&c->out, r);
	if (c->rq->on_trace)
		c->rq->on_trace(c->rq->ctx, r);
}

static void attempt_hook(void *p, const struct attempt_rec *r)
{
	struct run_ctx *c = p;
	if (c->files && c->out.attempts)
		output_attempt_hook(&c->out, r);
	if (c->rq->on_attempt)
		c->rq->on_attempt(c->rq->ctx, r);
}

static void sample_hook(void *p, const struct sample_rec *r)
{
	struct run_ctx *c = p;
	output_sample_hook(&c->out, r);
}

static void segment_hook(void *p, const struct segment_rec *r)
{
	struct run_ctx *c = p;
	pcap_segment_hook(c->pcap, r);
}

static void snapshot_hook(void *p, const struct world_snapshot *s)
{
	struct run_ctx *c = p;
	c->rq->on_snapshot(c->rq->ctx, s);
}

/* --pcap FILE: written under a hidden temporary name beside FILE and
 * renamed when the run succeeds, like the output folder's files */
struct pcap_out {
	FILE *f;
	char tmp[4200];
	struct pcap_writer w;
};

static int pcap_out_open(struct pcap_out *p, const char *path, const struct loaded_scenario *ls,
                         const struct trace_filter *filter, char *err, size_t n)
{
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path + 1) : 0;
	snprintf(p->tmp, sizeof(p->tmp), "%.*s.%s.tmp.%ld", dir_len, path, slash ? slash + 1 : path, (long)getpid());
	p->f = fopen(p->tmp, "wb");
	if (!p->f || pcap_writer_init(&p->w, p->f, &ls->s, filter) < 0) {
		snprintf(err, n, "%s: cannot write: %s", path, strerror(errno ? errno : ENOMEM));
		if (p->f) {
			fclose(p->f);
			remove(p->tmp);
		}
		p->f = NULL;
		return -1;
	}
	return 0;
}

static void pcap_out_abort(struct pcap_out *p)
{
	if (!p->f)
		return;
	pcap_writer_fini(&p->w);
	fclose(p->f);
	remove(p->tmp);
	p->f = NULL;
}

/* close the temporary file; -1 (errno) when a write failed */
static int pcap_out_close(struct pcap_out *p)
{
	bool failed = p->w.failed;
	pcap_writer_fini(&p->w);
	int rc = fclose(p->f);
	p->f = NULL;
	if (failed || rc != 0) {
		if (failed && !errno)
			errno = EIO;
		remove(p->tmp);
		return -1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The progress line of a long run (stderr, a terminal only): simulated
 * time against duration_s, and the time left at the pace so far.  Nothing
 * before progress_after_s (run: 1 s), then at most twice a second. */
static void progress_hook(void *p, sim_time_ns now)
{
	struct run_ctx *c = p;
	double t = now_s(), wall = t - c->progress.start;
	if (wall < c->progress.after_s || t - c->progress.last < 0.5)
		return;
	c->progress.last = t;
	c->progress.shown = true;
	double sim = (double)now / 1e9, dur = c->progress.duration_s;
	if (sim < dur && sim > 0) {
		double left = wall * (dur - sim) / sim;
		fprintf(stderr, "\r\033[K" "tcpqsim: run: %.1f of %.1f s simulated (%.0f%%), %.0f s so far, about %.0f s left",
		        sim, dur, 100 * sim / dur, wall, left);
	} else {
		fprintf(stderr, "\r\033[K" "tcpqsim: run: arrivals over; draining at %.1f s simulated, %.0f s so far", sim, wall);
	}
	fflush(stderr);
}

/* connect_hist.tsv: the fixed-bin connect-time histogram, for plotting */
static void write_hist(FILE *f, const struct fixed_hist *h, uint64_t total)
{
	fprintf(f, "bin_lower_ms\tcount\tcdf\n");
	uint64_t seen = 0;
	for (size_t i = 0; i < h->n_bins; i++) {
		if (!h->bins[i])
			continue;
		seen += h->bins[i];
		fprintf(f, "%.6f\t%llu\t%.9f\n", (double)i * (double)h->bin_width / 1e6, (unsigned long long)h->bins[i],
		        total ? (double)seen / (double)total : 0);
	}
}

/* tcpsynbl.tsv: the accept-queue length each SYN saw */
static void write_synbl(FILE *f, const uint64_t *seen, size_t n, int limit)
{
	fprintf(f, "accept_queue_len\tsyns\tlimit\n");
	for (size_t i = 0; i < n; i++)
		if (seen[i])
			fprintf(f, "%zu\t%llu\t%lld\n", i, (unsigned long long)seen[i], (long long)limit + 1);
}

enum run_status runner_run(const struct run_request *rq, cJSON **summary, char *err, size_t n)
{
	const struct loaded_scenario *ls = rq->ls;
	struct run_ctx c;
	memset(&c, 0, sizeof(c));
	c.rq = rq;
	c.files = rq->out_dir != NULL;
	*summary = NULL;
	err[0] = '\0';
	const char *pop_names[SCENARIO_MAX_POPS];
	for (uint32_t i = 0; i < ls->s.n_pops; i++)
		pop_names[i] = ls->s.pops[i].name;
	struct world_hooks hooks;
	memset(&hooks, 0, sizeof(hooks));
	hooks.ctx = &c;
	bool ok = true;
	FILE *sf = NULL, *hf = NULL, *bf = NULL;
	uint64_t *synbl = calloc(TSYNBL_MAX, sizeof(*synbl));
	if (!synbl) {
		snprintf(err, n, "out of memory");
		return RUN_FAILED;
	}
	hooks.syn_seen = synbl;
	hooks.syn_seen_max = TSYNBL_MAX;
	if (c.files && rq->series)
		hooks.sample = sample_hook;
	if ((c.files && rq->trace) || rq->on_trace)
		hooks.trace = trace_hook;
	if ((c.files && rq->attempts) || rq->on_attempt)
		hooks.attempt = attempt_hook;
	if (rq->on_snapshot) {
		hooks.snapshot = snapshot_hook;
		hooks.snapshot_times = rq->snapshot_times;
		hooks.n_snapshots = rq->n_snapshots;
	}
	if (rq->pcap)
		hooks.segment = segment_hook;
	if (rq->progress) {
		c.progress.start = now_s();
		c.progress.duration_s = (double)ls->s.duration / 1e9;
		c.progress.after_s = rq->progress_after_s;
		hooks.progress = progress_hook;
	}
	/* the world first: its setup stages nothing, so a signal during it ends
	 * the program at once (app/util/stop.h) */
	struct world *w = world_create(&ls->s, &hooks);
	if (!w) {
		snprintf(err, n, "out of memory");
		free(synbl);
		return RUN_FAILED;
	}
	if (c.files && output_open(&c.out, rq->out_dir, err, n) < 0) {
		world_destroy(w);
		free(synbl);
		return RUN_BAD_OUTPUT;
	}
	c.out.pop_names = pop_names;
	c.out.filter = rq->filter;
	if (c.files) {
		if (rq->attempts)
			ok = ok && (c.out.attempts = output_file(&c.out, "attempts.jsonl"));
		if (rq->trace)
			ok = ok && (c.out.trace = output_file(&c.out, "trace.jsonl"));
		if (rq->series) {
			ok = ok && (c.out.series = output_file(&c.out, "series.tsv"));
			if (c.out.series)
				output_series_header(c.out.series);
		}
		ok = ok && (hf = output_file(&c.out, "connect_hist.tsv"));
		ok = ok && (bf = output_file(&c.out, "tcpsynbl.tsv"));
		ok = ok && (sf = output_file(&c.out, "summary.json"));
		if (!ok) {
			snprintf(err, n, "%s: cannot write: %s", rq->out_dir, strerror(errno));
			output_abort(&c.out);
			world_destroy(w);
			free(synbl);
			return RUN_BAD_OUTPUT;
		}
	}
	struct pcap_out pcap = {0};
	if (rq->pcap) {
		if (pcap_out_open(&pcap, rq->pcap, ls, &rq->filter, err, n) < 0) {
			if (c.files)
				output_abort(&c.out);
			world_destroy(w);
			free(synbl);
			return RUN_BAD_OUTPUT;
		}
		c.pcap = &pcap.w;
	}
	double t0 = now_s();
	int st = world_run(w, rq->stop);
	double wall = now_s() - t0;
	if (st == 0 && rq->stop && *rq->stop)
		st = 1; /* stopped after the last poll */
	if (c.progress.shown)
		fprintf(stderr, "\r\033[K"); /* the progress line goes away */
	if (st != 0) {
		if (st > 0)
			snprintf(err, n, "interrupted: nothing written");
		else
			snprintf(err, n, "out of memory at simulated time %.6f s (seed %llu): nothing written",
			         (double)world_now(w) / 1e9, (unsigned long long)ls->s.seed);
		world_destroy(w);
		if (c.files)
			output_abort(&c.out);
		pcap_out_abort(&pcap);
		free(synbl);
		return st > 0 ? RUN_INTERRUPTED : RUN_FAILED;
	}
	const struct world_results *res = world_results(w);
	cJSON *doc = report_summary(ls, res, wall);
	int limit = profile_effective_backlog(&ls->s.server.rules, ls->s.server.backlog, ls->s.server.sysctl.somaxconn);
	if (pcap.f && pcap_out_close(&pcap) < 0) {
		snprintf(err, n, "%s: cannot write: %s", rq->pcap, strerror(errno));
		if (c.files)
			output_abort(&c.out);
		cJSON_Delete(doc);
		world_destroy(w);
		free(synbl);
		return RUN_BAD_OUTPUT;
	}
	if (c.files) {
		write_hist(hf, &res->connect_time_bins, res->connect_time.count);
		write_synbl(bf, synbl, TSYNBL_MAX, limit);
		char *text = cJSON_Print(doc);
		if (text) {
			fputs(text, sf);
			fputc('\n', sf);
			free(text);
		}
		errno = 0;
		if (!text || output_commit(&c.out) != 0) {
			bool stopped = text && errno == EINTR;
			if (stopped)
				snprintf(err, n, "interrupted: nothing written");
			else
				snprintf(err, n, "%s: cannot write: %s", rq->out_dir, strerror(errno ? errno : ENOMEM));
			if (!text)
				output_abort(&c.out);
			if (rq->pcap)
				remove(pcap.tmp);
			cJSON_Delete(doc);
			world_destroy(w);
			free(synbl);
			return stopped ? RUN_INTERRUPTED : RUN_BAD_OUTPUT;
		}
	}
	if (rq->pcap && rename(pcap.tmp, rq->pcap) != 0) {
		snprintf(err, n, "%s: cannot write: %s", rq->pcap, strerror(errno));
		remove(pcap.tmp);
		cJSON_Delete(doc);
		world_destroy(w);
		free(synbl);
		return RUN_BAD_OUTPUT;
	}
	world_destroy(w);
	free(synbl);
	*summary = doc;
	return RUN_OK;
}
