/* capacity.c: peak and fluid estimates (capacity.h). */
#include "models/capacity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STEPS 200000   /* grid of the fluid model over [0, duration] */
#define WAIT_BINS 4096 /* histogram of the waits, for the percentile */

const char *capacity_regime_name(enum capacity_regime r)
{
	switch (r) {
	case CAPACITY_STEADY:
		return "steady";
	case CAPACITY_PEAK:
		return "peak";
	case CAPACITY_OVERLOAD:
		return "overload";
	case CAPACITY_UNKNOWN:
		break;
	}
	return "unknown";
}

/* one server's rate and the servers per listener, as acceptor.c serves */
static bool service_rate(const struct acceptor_spec *a, double *mu, long *c)
{
	switch (a->kind) {
	case ACCEPTOR_RATE:
		*mu = a->rate_per_s;
		*c = 1;
		return *mu > 0;
	case ACCEPTOR_WORKERS: {
		double m = dist_mean(&a->service);
		*c = a->workers;
		*mu = m > 0 ? 1e9 / m : INFINITY;
		return a->workers > 0;
	}
	case ACCEPTOR_EVENT_LOOP: {
		double m = dist_mean(&a->wake_latency);
		*c = 1;
		*mu = m > 0 ? a->batch * 1e9 / m : INFINITY;
		return a->batch > 0;
	}
	case ACCEPTOR_NEVER:
		break;
	}
	return false;
}

/* the acceptor's rate at t (0 while the application stalls) */
static double service_at(const struct acceptor_spec *a, double full, double t_s)
{
	for (uint32_t i = 0; i < a->n_stalls; i++) {
		const struct stall *st = &a->stalls[i];
		double t0 = (double)st->start / 1e9, len = (double)st->length / 1e9, ev = (double)st->every / 1e9;
		if (t_s < t0)
			continue;
		double off = ev > 0 ? fmod(t_s - t0, ev) : t_s - t0;
		if (off < len)
			return 0;
	}
	return full;
}

/* population p's continuous arrival rate at t, per s */
static double rate_at(const struct arrival_spec *a, double t_s)
{
	switch (a->kind) {
	case ARRIVAL_CONSTANT:
	case ARRIVAL_POISSON:
		return a->rate_per_s;
	case ARRIVAL_SCHEDULE: {
		double r = 0;
		for (uint32_t i = 0; i < a->n_phases; i++) {
			double t0 = (double)a->phases[i].start / 1e9;
			if (t0 > t_s)
				break;
			double t1 = i + 1 < a->n_phases ? (double)a->phases[i + 1].start / 1e9 : INFINITY;
			const struct rate_phase *ph = &a->phases[i];
			r = isfinite(t1) && t1 > t0 ? ph->rate_from + (ph->rate_to - ph->rate_from) * (t_s - t0) / (t1 - t0)
			                            : ph->rate_from;
		}
		return r;
	}
	default:
		return 0;
	}
}

/* connects arriving at one instant in [t0, t1) (bursts, replay) */
static double jumps_in(const struct arrival_spec *a, sim_time_ns t0, sim_time_ns t1, sim_time_ns duration)
{
	if (a->kind == ARRIVAL_BURST) {
		double n = 0;
		for (sim_time_ns t = a->at; t < duration && t < t1; t += a->every) {
			if (t >= t0)
				n += a->count;
			if (!a->every)
				break;
		}
		return n;
	}
	if (a->kind == ARRIVAL_REPLAY) {
		/* times are sorted: count those in [t0, t1) */
		uint64_t lo = 0, hi = a->n_times;
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2;
			if (a->times[mid] < t0)
				lo = mid + 1;
			else
				hi = mid;
		}
		uint64_t n = 0;
		for (uint64_t i = lo; i < a->n_times && a->times[i] < t1 && a->times[i] < duration; i++)
			n++;
		return (double)n;
	}
	return 0;
}

int capacity_estimate(const struct scenario *s, double queue_places, struct capacity_estimate *out)
{
	memset(out, 0, sizeof(*out));
	out->regime = CAPACITY_UNKNOWN;
	const struct acceptor_spec *ac = &s->server.acceptor;
	double mu1;
	long c;
	if (!service_rate(ac, &mu1, &c))
		return 0;
	for (uint32_t p = 0; p < s->n_pops; p++)
		if (!s->pops[p].spoofed && s->pops[p].arrival.kind == ARRIVAL_CLOSED_LOOP)
			return 0; /* closed loops slow down as they wait: not a flow */
	long L = s->server.listeners ? s->server.listeners : 1;
	out->server_per_s = mu1;
	out->servers = c;
	out->listeners = L;
	double mu = mu1 * (double)c * (double)L;
	out->service_per_s = mu;
	double dur = (double)s->duration / 1e9;
	double dt = dur / STEPS;
	double *q = malloc((STEPS + 1) * sizeof(*q));     /* Q at the start of each step, after its jumps */
	double *lam = malloc((STEPS + 1) * sizeof(*lam)); /* continuous arrivals in each step */
	double *jump = malloc((STEPS + 1) * sizeof(*jump));
	double *served = malloc((STEPS + 2) * sizeof(*served)); /* cumulative service capacity */
	double *hist = calloc(WAIT_BINS, sizeof(*hist));
	if (!q || !lam || !jump || !served || !hist) {
		free(q), free(lam), free(jump), free(served), free(hist);
		return -1;
	}

	/* pass 1: the queue.  Q is the content (waiting, and held by workers);
	 * the accept queue is what the workers do not hold */
	double held = ac->kind == ACCEPTOR_WORKERS ? (double)c * (double)L : 0;
	double Q = 0, Qcap = 0, total = 0, run = 0;
	served[0] = 0;
	for (long i = 0; i <= STEPS; i++) {
		double t = (double)i * dt;
		sim_time_ns t0 = (sim_time_ns)(t * 1e9), t1 = (sim_time_ns)((t + dt) * 1e9);
		double l = 0, j = 0;
		for (uint32_t p = 0; p < s->n_pops; p++) {
			const struct client_pop *pp = &s->pops[p];
			if (pp->spoofed)
				continue;
			l += rate_at(&pp->arrival, t + dt / 2);
			j += jumps_in(&pp->arrival, t0, t1, s->duration);
		}
		if (i == STEPS)
			l = 0; /* the last point only closes the grid */
		if (l > out->peak_per_s)
			out->peak_per_s = l;
		if (j > out->burst)
			out->burst = j;
		double m = service_at(ac, mu, t + dt / 2);
		served[i + 1] = served[i] + m * dt;
		lam[i] = l * dt;
		jump[i] = j;
		total += l * dt + j;
		Q += j;
		q[i] = fmax(0, Q - held); /* the accept queue an arrival of this step meets */
		if (q[i] > out->queue_max) {
			out->queue_max = q[i];
			out->queue_max_at_s = t;
		}
		Q = fmax(0, Q + l * dt - m * dt);
		/* the same flow into a queue of queue_places: the excess is turned away */
		Qcap += j + l * dt - m * dt;
		if (Qcap < 0)
			Qcap = 0;
		if (Qcap > queue_places + held) {
			out->turned_away += Qcap - queue_places - held;
			Qcap = queue_places + held;
		}
		if (q[i] >= 1) {
			run += dt;
			if (run > out->over_s)
				out->over_s = run;
		} else {
			run = 0;
		}
	}
	out->mean_per_s = dur > 0 ? total / dur : 0;

	/* pass 2: each arrival's wait: the time the acceptor needs, from its
	 * arrival, to serve the queue ahead of it (served[] after the grid goes on
	 * at the full rate) */
	double wsum = 0, wn = 0;
	double *waits = malloc((STEPS + 1) * sizeof(*waits));
	if (!waits) {
		free(q), free(lam), free(jump), free(served), free(hist);
		return -1;
	}
	for (long i = 0; i <= STEPS; i++) {
		double target = served[i] + q[i];
		double w;
		if (target <= served[STEPS + 1]) {
			long lo = i, hi = STEPS + 1;
			while (lo < hi) {
				long mid = lo + (hi - lo) / 2;
				if (served[mid] < target)
					lo = mid + 1;
				else
					hi = mid;
			}
			w = (double)(lo - i) * dt;
		} else {
			w = (double)(STEPS + 1 - i) * dt + (mu > 0 ? (target - served[STEPS + 1]) / mu : INFINITY);
		}
		waits[i] = w;
		double n = lam[i] + jump[i];
		if (n > 0) {
			wsum += w * n;
			wn += n;
			if (w > out->wait_max_s)
				out->wait_max_s = w;
		}
	}
	out->wait_mean_s = wn > 0 ? wsum / wn : 0;
	if (wn > 0 && out->wait_max_s > 0) {
		for (long i = 0; i <= STEPS; i++) {
			double n = lam[i] + jump[i];
			if (n <= 0)
				continue;
			long b = (long)(waits[i] / out->wait_max_s * (WAIT_BINS - 1));
			hist[b < 0 ? 0 : b >= WAIT_BINS ? WAIT_BINS - 1 : b] += n;
		}
		double acc = 0;
		for (long b = 0; b < WAIT_BINS; b++) {
			acc += hist[b];
			if (acc >= 0.99 * wn) {
				out->wait_p99_s = (double)(b + 1) / (WAIT_BINS - 1) * out->wait_max_s;
				break;
			}
		}
		if (out->wait_p99_s > out->wait_max_s)
			out->wait_p99_s = out->wait_max_s;
	}
	free(waits);
	free(q), free(lam), free(jump), free(served), free(hist);

	double need = fmax(out->peak_per_s, out->mean_per_s);
	out->rate_for_peak = need;
	if (ac->kind == ACCEPTOR_WORKERS && isfinite(mu1) && mu1 > 0)
		out->servers_for_peak = (long)ceil(need / (mu1 * (double)L) - 1e-9);
	if (out->mean_per_s > mu * (1 - 1e-9) && out->queue_max > 0)
		out->regime = CAPACITY_OVERLOAD;
	else if (out->queue_max >= 1)
		out->regime = CAPACITY_PEAK;
	else
		out->regime = CAPACITY_STEADY;
	return 0;
}
