/* helpers.h: building scenarios in C and running them, for the core tests
 * (which link only the engine and the models: no JSON, no files). */
#ifndef TCPQSIM_TEST_HELPERS_H
#define TCPQSIM_TEST_HELPERS_H

#include <stdlib.h>
#include <string.h>

#include "models/world.h"

#define S_NS SIM_NS_PER_S
#define MS_NS SIM_NS_PER_MS

/* A scenario on `kernel` (server and clients): backlog 8, never accepting,
 * one connect every 50 ms for 1 s, hold 1000 s, 0.05 ms one way. */
static inline struct scenario sc_basic(const char *kernel)
{
	struct scenario s;
	memset(&s, 0, sizeof(s));
	const struct kernel_rules *r = profile_find(kernel);
	if (!r)
		abort();
	s.duration = 1 * S_NS;
	s.seed = 1;
	s.hist_bin = 10 * MS_NS;
	s.server.rules = *r;
	s.server.sysctl.somaxconn = r->somaxconn;
	s.server.sysctl.tcp_max_syn_backlog = r->tcp_max_syn_backlog;
	s.server.sysctl.tcp_syncookies = r->tcp_syncookies;
	s.server.sysctl.tcp_abort_on_overflow = r->tcp_abort_on_overflow;
	s.server.sysctl.tcp_synack_retries = r->tcp_synack_retries;
	s.server.sysctl.tcp_timestamps = 1;
	s.server.sysctl.tcp_invalid_ratelimit = 500 * MS_NS;
	s.server.backlog = 8;
	s.server.listeners = 1;
	s.server.acceptor.kind = ACCEPTOR_NEVER;
	s.n_pops = 1;
	struct client_pop *p = &s.pops[0];
	snprintf(p->name, sizeof(p->name), "clients");
	p->rules = *r;
	p->sysctl.tcp_syn_retries = r->tcp_syn_retries;
	p->sysctl.tcp_syn_linear_timeouts = r->tcp_syn_linear_timeouts > 0 ? r->tcp_syn_linear_timeouts : 0;
	p->sysctl.tcp_timestamps = 1;
	p->sysctl.tcp_early_retrans = 3;
	p->connect_timeout = SIM_TIME_NEVER;
	p->arrival.kind = ARRIVAL_CONSTANT;
	p->arrival.rate_per_s = 20;
	p->after.kind = AFTER_HOLD;
	p->after.hold = dist_constant(1000.0 * S_NS);
	p->after.read_timeout = SIM_TIME_NEVER;
	p->path.delay_to_server = dist_constant(0.05 * MS_NS);
	p->path.delay_to_client = dist_constant(0.05 * MS_NS);
	p->app_backoff = dist_constant(0);
	s.drain = scenario_default_drain(&s);
	return s;
}

/* Trace and attempt records collected during a run. */
struct capture {
	struct trace_rec *tr;
	size_t n_tr, cap_tr;
	struct attempt_rec *at;
	size_t n_at, cap_at;
};

static inline void capture_trace(void *ctx, const struct trace_rec *r)
{
	struct capture *c = ctx;
	if (c->n_tr == c->cap_tr) {
		c->cap_tr = c->cap_tr ? c->cap_tr * 2 : 1024;
		c->tr = realloc(c->tr, c->cap_tr * sizeof(*c->tr));
	}
	c->tr[c->n_tr++] = *r;
}

static inline void capture_attempt(void *ctx, const struct attempt_rec *r)
{
	struct capture *c = ctx;
	if (c->n_at == c->cap_at) {
		c->cap_at = c->cap_at ? c->cap_at * 2 : 1024;
		c->at = realloc(c->at, c->cap_at * sizeof(*c->at));
	}
	c->at[c->n_at++] = *r;
}

static inline void capture_free(struct capture *c)
{
	free(c->tr);
	free(c->at);
	memset(c, 0, sizeof(*c));
}

/* run s; results copied out (scalars only), records captured when cap != NULL */
struct outcome_summary {
	struct world_results r;
	double connect_p50_ms, connect_max_ms, connect_mean_ms;
	double accept_wait_mean_ms, accept_wait_max_ms; /* accept queue to accept() */
	double first_byte_mean_ms, request_mean_ms;
	uint64_t accept_wait_count, first_byte_count, request_count;
	uint64_t pop_attempts[SCENARIO_MAX_POPS];        /* per population */
	uint64_t pop_connect_count[SCENARIO_MAX_POPS];
};

static inline struct outcome_summary run_scenario(const struct scenario *s, struct capture *cap)
{
	struct world_hooks h = {0};
	if (cap) {
		h.ctx = cap;
		h.trace = capture_trace;
		h.attempt = capture_attempt;
	}
	struct world *w = world_create(s, &h);
	if (!w || world_run(w, NULL) != 0)
		abort();
	if (!world_check(w))
		abort();
	struct outcome_summary o;
	o.r = *world_results(w);
	o.connect_p50_ms = (double)hist_quantile(&o.r.connect_time, 0.5) / 1e6;
	o.connect_max_ms = (double)o.r.connect_time.max / 1e6;
	o.connect_mean_ms = hist_mean(&o.r.connect_time) / 1e6;
	o.accept_wait_mean_ms = hist_mean(&o.r.accept_wait) / 1e6;
	o.accept_wait_max_ms = (double)o.r.accept_wait.max / 1e6;
	o.accept_wait_count = o.r.accept_wait.count;
	o.first_byte_mean_ms = hist_mean(&o.r.first_byte) / 1e6;
	o.first_byte_count = o.r.first_byte.count;
	o.request_mean_ms = hist_mean(&o.r.request_time) / 1e6;
	o.request_count = o.r.request_time.count;
	for (size_t p = 0; p < SCENARIO_MAX_POPS; p++) {
		o.pop_attempts[p] = o.r.pops[p].attempts;
		o.pop_connect_count[p] = o.r.pops[p].connect_time.count;
	}
	/* the histograms belong to the world */
	memset(&o.r.connect_time, 0, sizeof(o.r.connect_time));
	memset(&o.r.accept_gap, 0, sizeof(o.r.accept_gap));
	memset(&o.r.request_time, 0, sizeof(o.r.request_time));
	memset(&o.r.accept_wait, 0, sizeof(o.r.accept_wait));
	memset(&o.r.first_byte, 0, sizeof(o.r.first_byte));
	memset(&o.r.pops, 0, sizeof(o.r.pops));
	memset(&o.r.connect_time_bins, 0, sizeof(o.r.connect_time_bins));
	world_destroy(w);
	return o;
}

/* times (s) of the trace records of conn `id` with event `what` and packet `pkt` */
static inline size_t trace_times(const struct capture *c, uint64_t id, const char *what, const char *pkt,
                                 double *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_tr && n < max; i++) {
		const struct trace_rec *t = &c->tr[i];
		if (t->conn != id || strcmp(t->what, what) != 0)
			continue;
		if (pkt && (!t->pkt || strcmp(t->pkt, pkt) != 0))
			continue;
		out[n++] = (double)t->t / 1e9;
	}
	return n;
}

#endif
