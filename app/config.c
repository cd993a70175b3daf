/* config.c: scenario JSON -> struct scenario, with the resolved document
 * built alongside (config.h).  Keys, units and defaults are documented in
 * README.md; every key is read here and nowhere else (the replay and
 * empirical files in config_files.c, the kernel rules in config_rules.c). */
#include "app/config.h"
#include "app/util/strdist.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/world.h"
#include "app/config_int.h"

/* ---- distributions ---------------------------------------------------- */

static const char *const dist_kinds[] = {"constant", "exponential", "uniform", "normal", "lognormal", "empirical", NULL};

/* D: a number, or {"kind": ...}; values in the key's unit, scaled to ns */
static struct dist read_dist(struct cfg *c, const cJSON *in, cJSON *out, const char *key, double def, double scale,
                             double max)
{
	struct jr *r = c->r;
	struct dist d = dist_constant(def * scale);
	if (r->failed)
		return d;
	const cJSON *v = in ? cJSON_GetObjectItemCaseSensitive(in, key) : NULL;
	if (!v || cJSON_IsNumber(v)) {
		double x = jr_number(r, in, out, key, def, 0, max);
		return dist_constant(x * scale);
	}
	if (!cJSON_IsObject(v)) {
		char g[96];
		jr_describe(v, g, sizeof(g));
		jr_fail(r, key, "expected a number or a distribution object {\"kind\": ...}, got %s", g);
		return d;
	}
	size_t mark = jr_push(r, key, 0);
	cJSON *o = add_obj(out, key);
	int kind = jr_enum(r, v, o, "kind", dist_kinds, -1);
	if (kind < 0 && !r->failed)
		jr_fail(r, "kind", "expected \"constant\", \"exponential\", \"uniform\", \"normal\", \"lognormal\" or "
		                   "\"empirical\", got nothing");
	switch (kind) {
	case DIST_CONSTANT: {
		static const char *const k[] = {"kind", "value", NULL};
		jr_check_keys(r, v, k);
		d = dist_constant(jr_number(r, v, o, "value", 0, 0, max) * scale);
		break;
	}
	case DIST_EXPONENTIAL: {
		static const char *const k[] = {"kind", "mean", NULL};
		jr_check_keys(r, v, k);
		if (!cJSON_GetObjectItemCaseSensitive(v, "mean"))
			jr_fail(r, "mean", "expected a number (the mean), got nothing");
		d.kind = DIST_EXPONENTIAL;
		d.a = jr_number(r, v, o, "mean", 0, 0, max) * scale;
		break;
	}
	case DIST_UNIFORM: {
		static const char *const k[] = {"kind", "min", "max", NULL};
		jr_check_keys(r, v, k);
		d.kind = DIST_UNIFORM;
		d.a = jr_number(r, v, o, "min", 0, 0, max) * scale;
		d.b = jr_number(r, v, o, "max", 0, 0, max) * scale;
		if (!r->failed && d.b < d.a)
			jr_fail(r, "max", "expected max >= min, got %g < %g", d.b / scale, d.a / scale);
		break;
	}
	case DIST_NORMAL: {
		static const char *const k[] = {"kind", "mean", "stddev", NULL};
		jr_check_keys(r, v, k);
		d.kind = DIST_NORMAL;
		d.a = jr_number(r, v, o, "mean", 0, -max, max) * scale;
		d.b = jr_number(r, v, o, "stddev", 0, 0, max) * scale;
		break;
	}
	case DIST_LOGNORMAL: {
		static const char *const k[] = {"kind", "median", "sigma", NULL};
		jr_check_keys(r, v, k);
		d.kind = DIST_LOGNORMAL;
		d.a = jr_number(r, v, o, "median", 1, 1e-12, max) * scale;
		d.b = jr_number(r, v, o, "sigma", 0, 0, 10);
		break;
	}
	case DIST_EMPIRICAL: {
		static const char *const k[] = {"kind", "file", "column", "samples", NULL};
		jr_check_keys(r, v, k);
		const char *file = jr_string(r, v, o, "file", NULL);
		const cJSON *col = cJSON_GetObjectItemCaseSensitive(v, "column");
		if (col && !cJSON_IsNumber(col) && !cJSON_IsString(col))
			jr_fail(r, "column", "expected a column number or name");
		else if (col && cJSON_IsNumber(col))
			jr_int(r, v, o, "column", 1, 1, 64);
		else if (col)
			jr_string(r, v, o, "column", NULL);
		if (!file && !r->failed)
			jr_fail(r, "file", "expected a file name, got nothing");
		if (r->failed)
			break;
		size_t n = 0;
		double *vals = read_numbers(c, "file", file, col, &n, o);
		if (!vals)
			break;
		qsort(vals, n, sizeof(*vals), cmp_double);
		double *kept = own(c, n * sizeof(*kept));
		if (kept)
			for (size_t i = 0; i < n; i++)
				kept[i] = vals[i] * scale;
		free(vals);
		d.kind = DIST_EMPIRICAL;
		d.values = kept;
		d.n_values = n;
		cJSON_AddNumberToObject(o, "samples", (double)n);
		break;
	}
	default:
		break;
	}
	/* every draw must fit in sim_time_ns with room to add it to a time */
	if (!r->failed && dist_reach(&d) > MAX_NS) {
		const char *unit = scale == NS_PER_S ? "s" : "ms";
		jr_fail(r, NULL, "expected draws under %g %s (about 3 years), got a %s distribution reaching about %.3g %s",
		        MAX_NS / scale, unit, dist_kinds[d.kind], dist_reach(&d) / scale, unit);
	}
	jr_pop(r, mark);
	return d;
}

/* ---- server ------------------------------------------------------------ */

static const char *const acceptor_kinds[] = {"never", "rate", "workers", "event_loop", NULL};
static const char *const process_names[] = {"fixed", "exponential", NULL};

static void read_stalls(struct cfg *c, const cJSON *in, cJSON *out, struct acceptor_spec *a)
{
	struct jr *r = c->r;
	const cJSON *st = in ? cJSON_GetObjectItemCaseSensitive(in, "stalls") : NULL;
	cJSON *arr = cJSON_CreateArray();
	cJSON_AddItemToObject(out, "stalls", arr);
	if (!st)
		return;
	if (!cJSON_IsArray(st)) {
		char g[96];
		jr_describe(st, g, sizeof(g));
		jr_fail(r, "stalls", "expected an array of {\"at_s\", \"for_s\", \"every_s\"}, got %s", g);
		return;
	}
	int n = cJSON_GetArraySize(st);
	if (n > SCENARIO_MAX_STALLS) {
		jr_fail(r, "stalls", "expected at most %d stalls, got %d", SCENARIO_MAX_STALLS, n);
		return;
	}
	size_t mark = jr_push(r, "stalls", 0);
	for (int i = 0; i < n && !r->failed; i++) {
		const cJSON *e = cJSON_GetArrayItem(st, i);
		size_t m2 = jr_push(r, NULL, i);
		if (!cJSON_IsObject(e)) {
			jr_fail(r, NULL, "expected an object {\"at_s\", \"for_s\", \"every_s\"}");
			break;
		}
		static const char *const k[] = {"at_s", "for_s", "every_s", NULL};
		jr_check_keys(r, e, k);
		if (!cJSON_GetObjectItemCaseSensitive(e, "at_s") || !cJSON_GetObjectItemCaseSensitive(e, "for_s"))
			jr_fail(r, NULL, "expected \"at_s\" and \"for_s\"");
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		struct stall *s = &a->stalls[a->n_stalls++];
		s->start = (sim_time_ns)(jr_number(r, e, o, "at_s", 0, 0, MAX_S) * NS_PER_S);
		s->length = (sim_time_ns)(jr_number(r, e, o, "for_s", 0, 1e-6, MAX_S) * NS_PER_S);
		double every = jr_number(r, e, o, "every_s", 0, 0, MAX_S);
		s->every = (sim_time_ns)(every * NS_PER_S);
		/* 0 means once; any other period, even one under a nanosecond (which
		 * would round to 0), must be longer than the stall */
		if (!r->failed && every > 0 && s->every <= s->length)
			jr_fail(r, "every_s", "expected 0 (once) or a period longer than for_s (%g s), got %g", (double)s->length / NS_PER_S,
			        every);
		jr_pop(r, m2);
	}
	jr_pop(r, mark);
}

static void read_acceptor(struct cfg *c, const cJSON *in, cJSON *out, struct acceptor_spec *a)
{
	struct jr *r = c->r;
	const cJSON *o = jr_object(r, in, "acceptor");
	size_t mark = jr_push(r, "acceptor", 0);
	cJSON *ao = add_obj(out, "acceptor");
	memset(a, 0, sizeof(*a));
	a->kind = (enum acceptor_kind)jr_enum(r, o, ao, "kind", acceptor_kinds, ACCEPTOR_NEVER);
	switch (a->kind) {
	case ACCEPTOR_NEVER: {
		static const char *const k[] = {"kind", "stalls", NULL};
		jr_check_keys(r, o, k);
		break;
	}
	case ACCEPTOR_RATE: {
		static const char *const k[] = {"kind", "rate_per_s", "process", "stalls", NULL};
		jr_check_keys(r, o, k);
		if (!cJSON_GetObjectItemCaseSensitive(o, "rate_per_s"))
			jr_fail(r, "rate_per_s", "expected a number (accepts per second), got nothing");
		a->rate_per_s = jr_number(r, o, ao, "rate_per_s", 1, MIN_RATE, 1e9);
		a->exponential = jr_enum(r, o, ao, "process", process_names, 0) == 1;
		break;
	}
	case ACCEPTOR_WORKERS: {
		static const char *const k[] = {"kind", "count", "service_ms", "stalls", NULL};
		jr_check_keys(r, o, k);
		a->workers = (uint32_t)jr_int(r, o, ao, "count", 1, 1, 1000000);
		a->service = read_dist(c, o, ao, "service_ms", 10, NS_PER_MS, MAX_MS);
		break;
	}
	case ACCEPTOR_EVENT_LOOP: {
		static const char *const k[] = {"kind", "batch", "wake_latency_ms", "stalls", NULL};
		jr_check_keys(r, o, k);
		a->batch = (uint32_t)jr_int(r, o, ao, "batch", 16, 1, 1000000);
		a->wake_latency = read_dist(c, o, ao, "wake_latency_ms", 0.05, NS_PER_MS, MAX_MS);
		break;
	}
	}
	read_stalls(c, o, ao, a);
	jr_pop(r, mark);
}

static void read_server(struct cfg *c, const cJSON *root, cJSON *out, struct server_spec *sv)
{
	struct jr *r = c->r;
	const cJSON *in = jr_object(r, root, "server");
	size_t mark = jr_push(r, "server", 0);
	static const char *const k[] = {"kernel", "backlog", "listeners", "sysctl", "rules", "acceptor", "receive", NULL};
	jr_check_keys(r, in, k);
	cJSON *so = add_obj(out, "server");
	const struct kernel_rules *kr = read_kernel(c, in, so);
	if (!kr) {
		jr_pop(r, mark);
		return;
	}
	sv->rules = *kr;
	sv->backlog = (long)jr_int(r, in, so, "backlog", 128, INT32_MIN, INT32_MAX);
	sv->listeners = (uint32_t)jr_int(r, in, so, "listeners", 1, 1, 1024);

	const cJSON *sc = jr_object(r, in, "sysctl");
	size_t m2 = jr_push(r, "sysctl", 0);
	static const char *const ks[] = {"somaxconn", "tcp_max_syn_backlog", "tcp_syncookies",
	                                 "tcp_abort_on_overflow", "tcp_synack_retries", "tcp_timestamps",
	                                 "tcp_no_metrics_save", "tcp_invalid_ratelimit", NULL};
	jr_check_keys(r, sc, ks);
	cJSON *sco = add_obj(so, "sysctl");
	sv->sysctl.somaxconn = (int)jr_int(r, sc, sco, "somaxconn", kr->somaxconn, 0, INT32_MAX);
	sv->sysctl.tcp_max_syn_backlog = (int)jr_int(r, sc, sco, "tcp_max_syn_backlog", kr->tcp_max_syn_backlog, 0, INT32_MAX);
	sv->sysctl.tcp_syncookies = (int)jr_int(r, sc, sco, "tcp_syncookies", kr->tcp_syncookies, 0,
	                                        kr->syncookies_always ? 2 : 1);
	sv->sysctl.tcp_abort_on_overflow = (int)jr_int(r, sc, sco, "tcp_abort_on_overflow", kr->tcp_abort_on_overflow, 0, 1);
	sv->sysctl.tcp_synack_retries = (int)jr_int(r, sc, sco, "tcp_synack_retries", kr->tcp_synack_retries, 0, 255);
	sv->sysctl.tcp_timestamps = (int)jr_int(r, sc, sco, "tcp_timestamps", 1, 0, 2);
	sv->sysctl.tcp_no_metrics_save = (int)jr_int(r, sc, sco, "tcp_no_metrics_save", 0, 0, 1);
	sv->sysctl.tcp_invalid_ratelimit =
	    (sim_time_ns)jr_int(r, sc, sco, "tcp_invalid_ratelimit", 500, 0, 3600000) * NS_PER_MS;
	jr_pop(r, m2);

	read_rules(c, in, so, &sv->rules, true);
	sv->rules.profile = kr->profile;
	read_acceptor(c, in, so, &sv->acceptor);
	/* server.receive: echoed only when given, so that scenarios without it
	 * keep their outputs */
	const cJSON *rx = jr_object(r, in, "receive");
	if (rx) {
		size_t m3 = jr_push(r, "receive", 0);
		static const char *const kr2[] = {"cpus", "segment_us", NULL};
		jr_check_keys(r, rx, kr2);
		cJSON *ro = add_obj(so, "receive");
		sv->receive.cpus = (uint32_t)jr_int(r, rx, ro, "cpus", 1, 1, SCENARIO_MAX_RX_CPUS);
		sv->receive.cost = (sim_time_ns)(jr_number(r, rx, ro, "segment_us", 0, 0, 1e6) * 1e3 + 0.5);
		jr_pop(r, m3);
	}
	jr_pop(r, mark);
}

/* ---- clients ------------------------------------------------------------ */

static const char *const arrival_kinds[] = {"constant", "poisson", "burst", "closed_loop", "schedule", "replay",
                                            "on_off", NULL};
enum { AK_CONSTANT, AK_POISSON, AK_BURST, AK_CLOSED, AK_SCHEDULE, AK_REPLAY, AK_ON_OFF };

static void read_phases(struct cfg *c, const cJSON *in, cJSON *out, struct arrival_spec *a)
{
	struct jr *r = c->r;
	const cJSON *ph = cJSON_GetObjectItemCaseSensitive(in, "phases");
	if (!cJSON_IsArray(ph) || cJSON_GetArraySize(ph) == 0) {
		char g[96];
		jr_describe(ph, g, sizeof(g));
		jr_fail(r, "phases", "expected a non-empty array of {\"at_s\", \"rate_per_s\", \"ramp_to_per_s\"}, got %s", g);
		return;
	}
	int n = cJSON_GetArraySize(ph);
	if (n > 100000) {
		jr_fail(r, "phases", "expected at most 100000 phases, got %d", n);
		return;
	}
	struct rate_phase *p = own(c, (size_t)n * sizeof(*p));
	if (!p)
		return;
	cJSON *arr = cJSON_CreateArray();
	cJSON_AddItemToObject(out, "phases", arr);
	size_t mark = jr_push(r, "phases", 0);
	for (int i = 0; i < n && !r->failed; i++) {
		const cJSON *e = cJSON_GetArrayItem(ph, i);
		size_t m2 = jr_push(r, NULL, i);
		if (!cJSON_IsObject(e)) {
			jr_fail(r, NULL, "expected an object {\"at_s\", \"rate_per_s\"}");
			break;
		}
		static const char *const k[] = {"at_s", "rate_per_s", "ramp_to_per_s", NULL};
		jr_check_keys(r, e, k);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		p[i].start = (sim_time_ns)(jr_number(r, e, o, "at_s", 0, 0, MAX_S) * NS_PER_S);
		p[i].rate_from = jr_number(r, e, o, "rate_per_s", 0, 0, 1e9);
		p[i].rate_to = jr_number(r, e, o, "ramp_to_per_s", p[i].rate_from, 0, 1e9);
		if (!r->failed && p[i].rate_from > 0 && p[i].rate_from < MIN_RATE)
			jr_fail(r, "rate_per_s", "expected 0 or a rate of at least %g per second, got %g", MIN_RATE, p[i].rate_from);
		if (!r->failed && p[i].rate_to > 0 && p[i].rate_to < MIN_RATE)
			jr_fail(r, "ramp_to_per_s", "expected 0 or a rate of at least %g per second, got %g", MIN_RATE, p[i].rate_to);
		if (!r->failed && i > 0 && p[i].start <= p[i - 1].start)
			jr_fail(r, "at_s", "expected phases in increasing at_s order");
		jr_pop(r, m2);
	}
	jr_pop(r, mark);
	a->phases = p;
	a->n_phases = (uint32_t)n;
}

static void read_arrival(struct cfg *c, const cJSON *in, cJSON *out, struct arrival_spec *a, sim_time_ns duration)
{
	struct jr *r = c->r;
	const cJSON *o = jr_object(r, in, "arrival");
	size_t mark = jr_push(r, "arrival", 0);
	cJSON *ao = add_obj(out, "arrival");
	memset(a, 0, sizeof(*a));
	int kind = jr_enum(r, o, ao, "kind", arrival_kinds, AK_CONSTANT);
	switch (kind) {
	case AK_CONSTANT:
	case AK_POISSON: {
		static const char *const k[] = {"kind", "rate_per_s", NULL};
		jr_check_keys(r, o, k);
		a->kind = kind == AK_CONSTANT ? ARRIVAL_CONSTANT : ARRIVAL_POISSON;
		a->rate_per_s = jr_number(r, o, ao, "rate_per_s", 10, MIN_RATE, 1e9);
		break;
	}
	case AK_BURST: {
		static const char *const k[] = {"kind", "count", "at_s", "every_s", NULL};
		jr_check_keys(r, o, k);
		a->kind = ARRIVAL_BURST;
		a->count = (uint32_t)jr_int(r, o, ao, "count", 100, 1, 100000000);
		a->at = (sim_time_ns)(jr_number(r, o, ao, "at_s", 0, 0, MAX_S) * NS_PER_S);
		a->every = (sim_time_ns)(jr_number(r, o, ao, "every_s", 0, 0, MAX_S) * NS_PER_S);
		if (!r->failed && a->at >= duration)
			jr_fail(r, "at_s", "expected a time before duration_s (%g s), got %g", (double)duration / NS_PER_S,
			        (double)a->at / NS_PER_S);
		break;
	}
	case AK_CLOSED: {
		static const char *const k[] = {"kind", "users", "think_ms", NULL};
		jr_check_keys(r, o, k);
		a->kind = ARRIVAL_CLOSED_LOOP;
		a->users = (uint32_t)jr_int(r, o, ao, "users", 10, 1, 10000000);
		a->think = read_dist(c, o, ao, "think_ms", 1000, NS_PER_MS, MAX_MS);
		break;
	}
	case AK_SCHEDULE: {
		static const char *const k[] = {"kind", "phases", NULL};
		jr_check_keys(r, o, k);
		a->kind = ARRIVAL_SCHEDULE;
		read_phases(c, o, ao, a);
		break;
	}
	case AK_ON_OFF: {
		/* Poisson at rate_per_s during on_s, nothing during off_s, repeated */
		static const char *const k[] = {"kind", "rate_per_s", "on_s", "off_s", NULL};
		jr_check_keys(r, o, k);
		a->kind = ARRIVAL_SCHEDULE;
		double rate = jr_number(r, o, ao, "rate_per_s", 10, MIN_RATE, 1e9);
		double on = jr_number(r, o, ao, "on_s", 1, 1e-6, MAX_S);
		double off = jr_number(r, o, ao, "off_s", 1, 0, MAX_S);
		if (r->failed)
			break;
		double cycles = ceil((double)duration / NS_PER_S / (on + off));
		if (cycles > 500000) {
			jr_fail(r, "on_s", "expected fewer than 500000 on/off cycles in duration_s, got %g", cycles);
			break;
		}
		size_t n = (size_t)cycles * 2;
		struct rate_phase *p = own(c, n * sizeof(*p));
		if (!p)
			break;
		/* in whole ns, so that the phases stay sorted whatever the rounding */
		sim_time_ns on_ns = (sim_time_ns)(on * NS_PER_S), off_ns = (sim_time_ns)(off * NS_PER_S);
		for (size_t i = 0; i < n; i++) {
			p[i].start = (sim_time_ns)(i / 2) * (on_ns + off_ns) + (i % 2 ? on_ns : 0);
			p[i].rate_from = p[i].rate_to = i % 2 ? 0 : rate;
		}
		if (off_ns == 0)
			n = 1;
		a->phases = p;
		a->n_phases = (uint32_t)n;
		break;
	}
	case AK_REPLAY: {
		static const char *const k[] = {"kind", "file", "column", "unit", "arrivals", NULL};
		static const char *const units[] = {"s", "ms", NULL};
		jr_check_keys(r, o, k);
		a->kind = ARRIVAL_REPLAY;
		const char *file = jr_string(r, o, ao, "file", NULL);
		const cJSON *col = cJSON_GetObjectItemCaseSensitive(o, "column");
		if (col && cJSON_IsNumber(col))
			jr_int(r, o, ao, "column", 1, 1, 64);
		else if (col && cJSON_IsString(col))
			jr_string(r, o, ao, "column", NULL);
		else if (col)
			jr_fail(r, "column", "expected a column number or name");
		int unit = jr_enum(r, o, ao, "unit", units, 0);
		if (!file && !r->failed)
			jr_fail(r, "file", "expected a file of arrival times, got nothing");
		if (r->failed)
			break;
		size_t n = 0;
		double *v = read_numbers(c, "file", file, col, &n, ao);
		if (!v)
			break;
		qsort(v, n, sizeof(*v), cmp_double);
		if (v[n - 1] * (unit ? NS_PER_MS : NS_PER_S) > MAX_NS) {
			jr_fail(r, "file", "expected arrival times under %g %s (about 3 years), got %g", unit ? MAX_MS : MAX_S,
			        units[unit], v[n - 1]);
			free(v);
			break;
		}
		sim_time_ns *t = own(c, n * sizeof(*t));
		if (t)
			for (size_t i = 0; i < n; i++)
				t[i] = (sim_time_ns)(v[i] * (unit ? NS_PER_MS : NS_PER_S));
		free(v);
		a->times = t;
		a->n_times = n;
		cJSON_AddNumberToObject(ao, "arrivals", (double)n);
		break;
	}
	}
	jr_pop(r, mark);
}

static const char *const after_kinds[] = {"hold", "request", "greeting", NULL};

static void read_after(struct cfg *c, const cJSON *in, cJSON *out, struct after_connect_spec *a)
{
	struct jr *r = c->r;
	const cJSON *o = jr_object(r, in, "after_connect");
	size_t mark = jr_push(r, "after_connect", 0);
	cJSON *ao = add_obj(out, "after_connect");
	a->kind = (enum after_connect_kind)jr_enum(r, o, ao, "kind", after_kinds, AFTER_HOLD);
	if (a->kind == AFTER_HOLD) {
		static const char *const k[] = {"kind", "hold_s", "write_bytes", NULL};
		jr_check_keys(r, o, k);
		a->hold = read_dist(c, o, ao, "hold_s", 1, NS_PER_S, MAX_S);
		a->read_timeout = SIM_TIME_NEVER;
		a->write = jr_int(r, o, ao, "write_bytes", 0, 0, 1) == 1;
	} else {
		static const char *const k[] = {"kind", "hold_s", "read_timeout_s", NULL};
		jr_check_keys(r, o, k);
		a->hold = read_dist(c, o, ao, "hold_s", 1, NS_PER_S, MAX_S);
		double rt = jr_nullable_number(r, o, ao, "read_timeout_s", a->kind == AFTER_GREETING ? 10 : NAN, 1e-6, MAX_S);
		a->read_timeout = isnan(rt) ? SIM_TIME_NEVER : (sim_time_ns)(rt * NS_PER_S);
	}
	jr_pop(r, mark);
}

static void read_path(struct cfg *c, const cJSON *in, cJSON *out, struct path_spec *p)
{
	struct jr *r = c->r;
	const cJSON *o = jr_object(r, in, "network");
	size_t mark = jr_push(r, "network", 0);
	static const char *const k[] = {"one_way_delay_ms", "delay_to_server_ms", "delay_to_client_ms",
	                                "loss_to_server", "loss_to_client", "reorder_window_us", "loopback", NULL};
	jr_check_keys(r, o, k);
	cJSON *no = add_obj(out, "network");
	struct dist both = read_dist(c, o, no, "one_way_delay_ms", 0.05, NS_PER_MS, 1e7);
	p->delay_to_server = both;
	p->delay_to_client = both;
	if (o && cJSON_GetObjectItemCaseSensitive(o, "delay_to_server_ms"))
		p->delay_to_server = read_dist(c, o, no, "delay_to_server_ms", 0.05, NS_PER_MS, 1e7);
	if (o && cJSON_GetObjectItemCaseSensitive(o, "delay_to_client_ms"))
		p->delay_to_client = read_dist(c, o, no, "delay_to_client_ms", 0.05, NS_PER_MS, 1e7);
	p->loss_to_server = jr_number(r, o, no, "loss_to_server", 0, 0, 1);
	p->loss_to_client = jr_number(r, o, no, "loss_to_client", 0, 0, 1);
	p->reorder = (sim_time_ns)(jr_number(r, o, no, "reorder_window_us", 0, 0, 1e7) * 1e3);
	/* echoed only when given, so that scenarios without it keep their outputs */
	if (o && cJSON_GetObjectItemCaseSensitive(o, "loopback"))
		p->loopback = jr_bool(r, o, no, "loopback", false);
	jr_pop(r, mark);
}

static void read_pop(struct cfg *c, const cJSON *in, cJSON *out, struct client_pop *p, const cJSON *root,
                     sim_time_ns duration, int index)
{
	struct jr *r = c->r;
	static const char *const k[] = {"name", "kernel", "sysctl", "rules", "arrival", "connect_timeout_s",
	                                "after_connect", "network", "app_retry", NULL};
	jr_check_keys(r, in, k);
	memset(p, 0, sizeof(*p));
	char defname[32];
	snprintf(defname, sizeof(defname), "clients%d", index);
	const char *name = jr_string(r, in, out, "name", index == 0 ? "clients" : defname);
	/* refused rather than cut (a cut could split a UTF-8 character) */
	if (!r->failed && strlen(name) >= sizeof(p->name))
		jr_fail(r, "name", "expected a name of at most %zu bytes, got %zu", sizeof(p->name) - 1, strlen(name));
	if (r->failed)
		return;
	snprintf(p->name, sizeof(p->name), "%s", name);
	const struct kernel_rules *kr = read_kernel(c, in, out);
	if (!kr)
		return;
	if (kr->syn_queue_full == SYNQ_FREEBSD) {
		jr_fail(r, "kernel", "expected a Linux profile: %s is a server-side profile", kr->profile);
		return;
	}
	p->rules = *kr;
	const cJSON *sc = jr_object(r, in, "sysctl");
	size_t m2 = jr_push(r, "sysctl", 0);
	static const char *const ks[] = {"tcp_syn_retries", "tcp_syn_linear_timeouts", "tcp_orphan_retries",
	                                 "tcp_timestamps", "tcp_early_retrans", "tcp_no_metrics_save", NULL};
	jr_check_keys(r, sc, ks);
	cJSON *sco = add_obj(out, "sysctl");
	p->sysctl.tcp_syn_retries = (int)jr_int(r, sc, sco, "tcp_syn_retries", kr->tcp_syn_retries, 0, 127);
	if (kr->tcp_syn_linear_timeouts < 0) {
		if (sc && cJSON_GetObjectItemCaseSensitive(sc, "tcp_syn_linear_timeouts"))
			jr_fail(r, "tcp_syn_linear_timeouts", "does not exist on %s (added in 6.5); use a newer profile",
			        kr->profile);
		p->sysctl.tcp_syn_linear_timeouts = 0;
	} else {
		p->sysctl.tcp_syn_linear_timeouts =
		    (int)jr_int(r, sc, sco, "tcp_syn_linear_timeouts", kr->tcp_syn_linear_timeouts, 0, 127);
	}
	p->sysctl.tcp_orphan_retries = (int)jr_int(r, sc, sco, "tcp_orphan_retries", 0, 0, 255);
	p->sysctl.tcp_timestamps = (int)jr_int(r, sc, sco, "tcp_timestamps", 1, 0, 2);
	p->sysctl.tcp_early_retrans = (int)jr_int(r, sc, sco, "tcp_early_retrans", 3, 0, 4);
	p->sysctl.tcp_no_metrics_save = (int)jr_int(r, sc, sco, "tcp_no_metrics_save", 0, 0, 1);
	jr_pop(r, m2);
	read_rules(c, in, out, &p->rules, false);
	p->rules.profile = kr->profile;
	read_arrival(c, in, out, &p->arrival, duration);
	double ct = jr_nullable_number(r, in, out, "connect_timeout_s", NAN, 1e-6, MAX_S);
	p->connect_timeout = isnan(ct) ? SIM_TIME_NEVER : (sim_time_ns)(ct * NS_PER_S);
	read_after(c, in, out, &p->after);
	/* the population's own network, else the scenario's */
	if (in && cJSON_GetObjectItemCaseSensitive(in, "network"))
		read_path(c, in, out, &p->path);
	else
		read_path(c, root, out, &p->path);
	const cJSON *ar = jr_object(r, in, "app_retry");
	size_t m3 = jr_push(r, "app_retry", 0);
	static const char *const ka[] = {"retries", "backoff_ms", NULL};
	jr_check_keys(r, ar, ka);
	cJSON *aro = add_obj(out, "app_retry");
	p->app_retries = (uint32_t)jr_int(r, ar, aro, "retries", 0, 0, 100);
	p->app_backoff = read_dist(c, ar, aro, "backoff_ms", 0, NS_PER_MS, MAX_MS);
	jr_pop(r, m3);
	if (!r->failed && scenario_attempt_span(p, dist_reach) > MAX_NS)
		jr_fail(r, p->app_retries ? "app_retry" : NULL,
		        "expected an attempt to end within %g s (about 3 years) with its retries and timeouts, got up "
		        "to %.3g s",
		        MAX_S, scenario_attempt_span(p, dist_reach) / NS_PER_S);
}

static void read_flood(struct cfg *c, const cJSON *root, cJSON *out, struct scenario *s)
{
	struct jr *r = c->r;
	const cJSON *f = jr_object(r, root, "flood");
	if (!f)
		return;
	size_t mark = jr_push(r, "flood", 0);
	static const char *const k[] = {"kind", "rate_per_s", "from_s", "until_s", NULL};
	static const char *const kinds[] = {"constant", "poisson", NULL};
	jr_check_keys(r, f, k);
	cJSON *fo = add_obj(out, "flood");
	if (s->n_pops >= SCENARIO_MAX_POPS) {
		jr_fail(r, NULL, "expected at most %d client populations with the flood", SCENARIO_MAX_POPS - 1);
		jr_pop(r, mark);
		return;
	}
	struct client_pop *p = &s->pops[s->n_pops];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "flood");
	p->rules = s->pops[0].rules;
	p->sysctl = s->pops[0].sysctl;
	p->spoofed = true;
	p->path = s->pops[0].path;
	p->connect_timeout = SIM_TIME_NEVER;
	p->after.kind = AFTER_HOLD;
	p->after.hold = dist_constant(0);
	p->app_backoff = dist_constant(0);
	int kind = jr_enum(r, f, fo, "kind", kinds, 1);
	double rate = jr_number(r, f, fo, "rate_per_s", 1000, MIN_RATE, 1e9);
	double from = jr_number(r, f, fo, "from_s", 0, 0, MAX_S);
	double until = jr_number(r, f, fo, "until_s", (double)s->duration / NS_PER_S, 0, MAX_S);
	if (!r->failed && until <= from)
		jr_fail(r, "until_s", "expected until_s > from_s");
	if (!r->failed) {
		struct rate_phase *ph = own(c, 2 * sizeof(*ph));
		if (ph) {
			ph[0].start = (sim_time_ns)(from * NS_PER_S);
			ph[0].rate_from = ph[0].rate_to = rate;
			ph[1].start = (sim_time_ns)(until * NS_PER_S);
			ph[1].rate_from = ph[1].rate_to = 0;
			p->arrival.kind = ARRIVAL_SCHEDULE;
			p->arrival.phases = ph;
			p->arrival.n_phases = 2;
			if (kind == 0 && from == 0 && until >= (double)s->duration / NS_PER_S) {
				p->arrival.kind = ARRIVAL_CONSTANT;
				p->arrival.rate_per_s = rate;
			}
		}
		s->n_pops++;
	}
	jr_pop(r, mark);
}

/* "faults": losses and outages on the path (docs/schema.md "faults") */
static void read_faults(struct cfg *c, const cJSON *root, cJSON *out, struct scenario *s)
{
	struct jr *r = c->r;
	const cJSON *fa = root ? cJSON_GetObjectItemCaseSensitive(root, "faults") : NULL;
	if (!fa)
		return;
	if (!cJSON_IsArray(fa) || cJSON_GetArraySize(fa) > SCENARIO_MAX_FAULTS) {
		char g[96];
		jr_describe(fa, g, sizeof(g));
		jr_fail(r, "faults", "expected an array of at most %d faults, got %s", SCENARIO_MAX_FAULTS, g);
		return;
	}
	static const char *const kinds[] = {"loss", "outage", NULL};
	static const char *const dirs[] = {"both", "to_server", "to_client", NULL};
	static const char *const segs[] = {"SYN", "SYN-ACK", "ACK", "DATA", "FIN", "RST", NULL};
	cJSON *arr = cJSON_CreateArray();
	cJSON_AddItemToObject(out, "faults", arr);
	size_t mark = jr_push(r, "faults", 0);
	int n = cJSON_GetArraySize(fa);
	for (int i = 0; i < n && !r->failed; i++) {
		const cJSON *e = cJSON_GetArrayItem(fa, i);
		size_t m2 = jr_push(r, NULL, i);
		struct fault *f = &s->faults[s->n_faults];
		if (!cJSON_IsObject(e)) {
			jr_fail(r, NULL, "expected an object (a fault)");
			jr_pop(r, m2);
			break;
		}
		static const char *const k[] = {"kind", "from_s", "to_s", "direction", "segments", "population",
		                                "attempts", "probability", NULL};
		static const char *const ko[] = {"kind", "from_s", "to_s", "population", "attempts", NULL};
		cJSON *fo = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, fo);
		int kind = jr_enum(r, e, fo, "kind", kinds, 0);
		jr_check_keys(r, e, kind == 1 ? ko : k);
		double from = jr_number(r, e, fo, "from_s", 0, 0, 1e8);
		double to = jr_nullable_number(r, e, fo, "to_s", NAN, 0, 1e8);
		if (!r->failed && !isnan(to) && to <= from)
			jr_fail(r, "to_s", "expected to_s > from_s (%g), got %g", from, to);
		f->from = (sim_time_ns)(from * NS_PER_S);
		f->to = isnan(to) ? SIM_TIME_NEVER : (sim_time_ns)(to * NS_PER_S);
		f->dirs = FAULT_TO_SERVER | FAULT_TO_CLIENT;
		f->kinds = (1u << SEG_KIND_COUNT) - 1;
		f->p = 1;
		if (kind == 0) {
			int d = jr_enum(r, e, fo, "direction", dirs, 0);
			f->dirs = d == 0 ? (FAULT_TO_SERVER | FAULT_TO_CLIENT) : d == 1 ? FAULT_TO_SERVER : FAULT_TO_CLIENT;
			f->p = jr_number(r, e, fo, "probability", 1, 0, 1);
			const cJSON *sg = cJSON_GetObjectItemCaseSensitive(e, "segments");
			cJSON *so = cJSON_CreateArray();
			cJSON_AddItemToObject(fo, "segments", so);
			if (sg) {
				if (!cJSON_IsArray(sg) || cJSON_GetArraySize(sg) == 0) {
					jr_fail(r, "segments", "expected a non-empty array of segment kinds (SYN, SYN-ACK, ACK, "
					                       "DATA, FIN, RST)");
				} else {
					f->kinds = 0;
					for (int j = 0; j < cJSON_GetArraySize(sg) && !r->failed; j++) {
						const cJSON *v = cJSON_GetArrayItem(sg, j);
						int hit = -1;
						for (int q = 0; segs[q] && cJSON_IsString(v); q++)
							if (strcmp(segs[q], v->valuestring) == 0)
								hit = q;
						if (hit < 0) {
							char g[96];
							jr_describe(v, g, sizeof(g));
							size_t m3 = jr_push(r, "segments", j);
							jr_fail(r, NULL, "expected one of SYN, SYN-ACK, ACK, DATA, FIN, RST, got %s", g);
							jr_pop(r, m3);
						} else {
							f->kinds |= 1u << hit;
						}
					}
				}
			}
			for (int q = 0; segs[q]; q++)
				if (f->kinds & (1u << q))
					cJSON_AddItemToArray(so, cJSON_CreateString(segs[q]));
		}
		f->pop = -1;
		const char *pop = jr_string(r, e, fo, "population", "");
		if (!r->failed && pop[0]) {
			for (uint32_t q = 0; q < s->n_pops; q++)
				if (strcmp(s->pops[q].name, pop) == 0)
					f->pop = (int32_t)q;
			if (f->pop < 0)
				jr_fail(r, "population", "expected the name of a client population, got \"%s\"", pop);
		}
		f->first = 0;
		f->last = UINT64_MAX;
		const cJSON *at = cJSON_GetObjectItemCaseSensitive(e, "attempts");
		if (at && !r->failed) {
			const cJSON *a0 = cJSON_GetArrayItem(at, 0), *a1 = cJSON_GetArrayItem(at, 1);
			if (!cJSON_IsArray(at) || cJSON_GetArraySize(at) != 2 || !cJSON_IsNumber(a0) || !cJSON_IsNumber(a1) ||
			    a0->valuedouble < 0 || a1->valuedouble < a0->valuedouble || a1->valuedouble > 9e15 ||
			    a0->valuedouble != floor(a0->valuedouble) || a1->valuedouble != floor(a1->valuedouble)) {
				jr_fail(r, "attempts", "expected [first, last]: attempt numbers from 0, first <= last");
			} else {
				f->first = (uint64_t)a0->valuedouble;
				f->last = (uint64_t)a1->valuedouble;
				cJSON_AddItemToObject(fo, "attempts", cJSON_Duplicate(at, true));
			}
		}
		if (!r->failed)
			s->n_faults++;
		jr_pop(r, m2);
	}
	jr_pop(r, mark);
}

/* ---- the whole scenario ------------------------------------------------- */

static void base_name(const char *label, char *out, size_t n)
{
	const char *b = strrchr(label, '/');
	b = b ? b + 1 : label;
	snprintf(out, n, "%s", b);
	char *dot = strrchr(out, '.');
	if (dot && strcmp(dot, ".json") == 0)
		*dot = '\0';
}

static bool name_is_safe(const char *s)
{
	if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return false;
	return true;
}

int config_load_doc(const char *label, const char *base_dir, const cJSON *doc, struct loaded_scenario *out,
                    struct jr *r)
{
	memset(out, 0, sizeof(*out));
	struct cfg c = {r, out, base_dir};
	struct scenario *s = &out->s;
	if (!cJSON_IsObject(doc)) {
		char g[96];
		jr_describe(doc, g, sizeof(g));
		jr_fail(r, NULL, "expected a JSON object (a scenario), got %s", g);
		return -1;
	}
	static const char *const k[] = {"name", "description", "duration_s", "drain_s", "warmup_s",
	                                "sample_interval_s", "seed", "hist_bin_ms", "server", "clients",
	                                "network", "flood", "faults", "end", "kcheck", NULL};
	jr_check_keys(r, doc, k);
	cJSON *o = cJSON_CreateObject();
	out->resolved = o;
	char defname[128];
	base_name(label, defname, sizeof(defname));
	const char *name = jr_string(r, doc, o, "name", defname);
	if (!r->failed && (!name_is_safe(name) || strlen(name) >= sizeof(out->name)))
		jr_fail(r, "name", "expected a name of letters, digits, '-', '_' and '.' (it names the output folder), "
		                   "got \"%s\"",
		        name);
	if (!r->failed)
		snprintf(out->name, sizeof(out->name), "%s", name);
	jr_string(r, doc, o, "description", "");
	s->duration = (sim_time_ns)(jr_number(r, doc, o, "duration_s", 10, 1e-6, 1e7) * NS_PER_S);
	/* 0 to 2^62 (README), read and written exactly (jr_int, jr_int_node) */
	s->seed = (uint64_t)jr_int(r, doc, o, "seed", 1, 0, INT64_C(1) << 62);
	s->warmup = (sim_time_ns)(jr_number(r, doc, o, "warmup_s", 0, 0, 1e7) * NS_PER_S);
	if (!r->failed && s->warmup >= s->duration)
		jr_fail(r, "warmup_s", "expected a warm-up shorter than duration_s");
	/* default: 0.1 s, coarser on long runs so series.tsv keeps to about
	 * 10000 rows (1, 2 or 5 times a power of ten) */
	double sample_def = 0.1, want = (double)s->duration / NS_PER_S / 10000;
	for (double decade = 0.1; sample_def < want; decade *= 10)
		for (int m = 0; m < 3 && sample_def < want; m++)
			sample_def = decade * (double)(m == 0 ? 2 : m == 1 ? 5 : 10);
	s->sample_interval = (sim_time_ns)(jr_number(r, doc, o, "sample_interval_s", sample_def, 1e-6, 1e7) * NS_PER_S);
	s->hist_bin = (int64_t)(jr_number(r, doc, o, "hist_bin_ms", 10, 1e-3, 1e6) * NS_PER_MS);

	read_server(&c, doc, o, &s->server);

	const cJSON *cl = doc ? cJSON_GetObjectItemCaseSensitive(doc, "clients") : NULL;
	if (cl && cJSON_IsArray(cl)) {
		int n = cJSON_GetArraySize(cl);
		if (n < 1 || n > SCENARIO_MAX_POPS - 1)
			jr_fail(r, "clients", "expected 1 to %d client populations, got %d", SCENARIO_MAX_POPS - 1, n);
		cJSON *arr = cJSON_CreateArray();
		cJSON_AddItemToObject(o, "clients", arr);
		size_t mark = jr_push(r, "clients", 0);
		for (int i = 0; i < n && !r->failed; i++) {
			const cJSON *e = cJSON_GetArrayItem(cl, i);
			size_t m2 = jr_push(r, NULL, i);
			if (!cJSON_IsObject(e)) {
				jr_fail(r, NULL, "expected an object (a client population)");
			} else {
				cJSON *po = cJSON_CreateObject();
				cJSON_AddItemToArray(arr, po);
				read_pop(&c, e, po, &s->pops[i], doc, s->duration, i);
				s->n_pops++;
			}
			jr_pop(r, m2);
		}
		jr_pop(r, mark);
	} else {
		const cJSON *e = jr_object(r, doc, "clients");
		size_t mark = jr_push(r, "clients", 0);
		cJSON *po = add_obj(o, "clients");
		read_pop(&c, e, po, &s->pops[0], doc, s->duration, 0);
		s->n_pops = 1;
		jr_pop(r, mark);
	}
	if (!r->failed)
		read_flood(&c, doc, o, s);
	if (!r->failed)
		read_faults(&c, doc, o, s);
	/* "kcheck": settings of the kernel measurement (docs/kcheck.md); the
	 * simulator keeps them as written and ignores them */
	const cJSON *kc = doc ? cJSON_GetObjectItemCaseSensitive(doc, "kcheck") : NULL;
	if (kc && !r->failed) {
		if (!cJSON_IsObject(kc))
			jr_fail(r, "kcheck", "expected an object (settings for kcheck, docs/kcheck.md)");
		else
			cJSON_AddItemToObject(o, "kcheck", cJSON_Duplicate(kc, true));
	}
	/* the top-level network object is also written back as read */
	if (!r->failed && !cJSON_GetObjectItemCaseSensitive(o, "network")) {
		struct path_spec tmp;
		read_path(&c, doc, o, &tmp);
	}
	if (!r->failed) {
		sim_time_ns def = scenario_default_drain(s);
		double d = jr_number(r, doc, o, "drain_s", (double)def / NS_PER_S, 0, 1e8);
		s->drain = (sim_time_ns)(d * NS_PER_S);
		static const char *const ends[] = {"settled", "last_close", NULL};
		s->end_at_last_close = jr_enum(r, doc, o, "end", ends, 0) == 1;
	}
	if (r->failed)
		return -1;
	/* warnings worth a line (the way Redis warns about somaxconn) */
	const struct server_spec *sv = &s->server;
	if (sv->backlog > sv->sysctl.somaxconn) {
		snprintf(out->warnings[out->n_warnings++], sizeof(out->warnings[0]),
		         "warning: the listen() backlog %ld cannot be enforced because net.core.somaxconn is set to "
		         "the lower value of %d: the accept queue holds %d",
		         sv->backlog, sv->sysctl.somaxconn,
		         profile_effective_backlog(&sv->rules, sv->backlog, sv->sysctl.somaxconn) + 1);
	}
	for (uint32_t i = 0; i < s->n_pops; i++)
		if (s->pops[i].sysctl.tcp_syn_retries == 0 && !s->pops[i].spoofed && out->n_warnings < 4)
			snprintf(out->warnings[out->n_warnings++], sizeof(out->warnings[0]),
			         "note: tcp_syn_retries=0 is not a kernel value (the kernel refuses it); the simulator "
			         "reads it as one SYN and no retransmit");
	return 0;
}

int config_load_file(const char *path, const char *const *sets, size_t n_sets, struct loaded_scenario *out,
                     struct jr *r)
{
	memset(out, 0, sizeof(*out));
	jr_init(r, path);
	size_t len = 0;
	char *text = jr_read_file(r, path, &len);
	if (!text)
		return -1;
	cJSON *doc = jr_parse_text(r, text, len);
	free(text);
	if (!doc)
		return -1;
	for (size_t i = 0; i < n_sets; i++)
		if (jr_set(r, doc, sets[i]) < 0) {
			cJSON_Delete(doc);
			return -1;
		}
	char *dup = strdup(path);
	int rc = dup ? config_load_doc(path, dirname(dup), doc, out, r) : -1;
	free(dup);
	cJSON_Delete(doc);
	if (rc < 0)
		loaded_scenario_fini(out);
	return rc;
}

void loaded_scenario_fini(struct loaded_scenario *ls)
{
	cJSON_Delete(ls->resolved);
	ls->resolved = NULL;
	while (ls->blocks) {
		struct owned_block *n = ls->blocks->next;
		free(ls->blocks);
		ls->blocks = n;
	}
}

int config_check_size(const struct scenario *s, struct jr *r)
{
	struct scenario_cost z;
	scenario_estimate_cost(s, &z);
	if (z.attempts > CONFIG_MAX_ATTEMPTS)
		jr_fail(r, "duration_s", "the run would make about %.3g attempts (over the limit of %.3g); "
		        "use --force to run it anyway", z.attempts, CONFIG_MAX_ATTEMPTS);
	else if (z.events > CONFIG_MAX_EVENTS)
		jr_fail(r, "duration_s", "the run would process about %.3g events (over the limit of %.3g); "
		        "use --force to run it anyway", z.events, CONFIG_MAX_EVENTS);
	else if (!s->max_memory && z.peak_bytes > CONFIG_MAX_BYTES)
		jr_fail(r, "duration_s", "the run would hold about %.3g GiB of connections at once (over the limit "
		        "of %.3g GiB); use --max-memory MiB to cap it, or --force to run it anyway",
		        z.peak_bytes / 1073741824.0, CONFIG_MAX_BYTES / 1073741824.0);
	return r->failed ? -1 : 0;
}

int config_check_outputs(const struct scenario *s, bool series, bool attempts, bool trace, struct jr *r)
{
	struct scenario_cost z;
	scenario_estimate_cost(s, &z);
	double end_s = (double)(s->duration + s->drain) / NS_PER_S;
	/* bytes per row or line, from above (measured on configs/default.json:
	 * 73, 300 and 146): a series row has 5 + the counters and outcomes
	 * columns of up to 12 characters; an attempt line 400; a trace line 250 */
	double row = 12.0 * (5 + LISTENER_COUNTER_COUNT + OUTCOME_COUNT);
	double rows = series && s->sample_interval > 0 ? end_s / ((double)s->sample_interval / NS_PER_S) + 2 : 0;
	double b_series = rows * row, b_attempts = attempts ? z.attempts * 400 : 0, b_trace = trace ? z.events * 250 : 0;
	double total = b_series + b_attempts + b_trace;
	if (total <= CONFIG_MAX_OUTPUT_BYTES)
		return 0;
	if (b_series >= b_attempts && b_series >= b_trace)
		jr_fail(r, "sample_interval_s",
		        "series.tsv would take about %.3g GB (%.3g rows of a sample every %g s; the run's files over the "
		        "limit of %.3g GB); raise sample_interval_s, add --no-series, or use --force to write it anyway",
		        b_series / 1e9, rows, (double)s->sample_interval / NS_PER_S, CONFIG_MAX_OUTPUT_BYTES / 1e9);
	else if (b_attempts >= b_trace)
		jr_fail(r, "duration_s",
		        "--attempts: attempts.jsonl would take about %.3g GB (%.3g attempts; the run's files over the limit "
		        "of %.3g GB); drop --attempts, shorten the run, or use --force to write it anyway",
		        b_attempts / 1e9, z.attempts, CONFIG_MAX_OUTPUT_BYTES / 1e9);
	else
		jr_fail(r, "duration_s",
		        "--trace: trace.jsonl would take about %.3g GB (%.3g events; the run's files over the limit of "
		        "%.3g GB); narrow it with --trace-from/--trace-to/--trace-conn/--trace-events, or use --force",
		        b_trace / 1e9, z.events, CONFIG_MAX_OUTPUT_BYTES / 1e9);
	return -1;
}

const char *config_profile_hint(const char *name)
{
	const char *best = NULL;
	size_t best_d = 4;
	for (size_t i = 0; i < profile_count(); i++) {
		size_t d = strdist(name, profile_at(i)->profile);
		if (d < best_d) {
			best_d = d;
			best = profile_at(i)->profile;
		}
	}
	return best;
}
