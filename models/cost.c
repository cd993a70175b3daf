/* cost.c: what a run of a scenario would cost (cost.h). */
#include "models/cost.h"

#include <math.h>
#include <string.h>

#include "models/core.h"

#define NS_PER_S 1e9

/* ---- what a run would cost ----------------------------------------------- */

/* the first tries of population p during [0, duration) */
static double pop_first_tries(const struct client_pop *p, double dur_s, double life_s, double *peak)
{
	const struct arrival_spec *a = &p->arrival;
	double n = 0, rate = 0;
	switch (a->kind) {
	case ARRIVAL_CONSTANT:
	case ARRIVAL_POISSON:
		n = a->rate_per_s * dur_s;
		rate = a->rate_per_s;
		break;
	case ARRIVAL_BURST: {
		double bursts = 1, at = (double)a->at / NS_PER_S;
		if (a->every > 0 && dur_s > at)
			bursts = floor((dur_s - at) / ((double)a->every / NS_PER_S)) + 1;
		n = (double)a->count * bursts;
		/* bursts whose connections overlap */
		double overlap = a->every > 0 ? ceil(life_s / ((double)a->every / NS_PER_S)) : 1;
		*peak = (double)a->count * fmin(bursts, fmax(overlap, 1));
		return n;
	}
	case ARRIVAL_CLOSED_LOOP: {
		/* a user's cycle is at least its think time and a round trip */
		double rtt = (dist_mean(&p->path.delay_to_server) + dist_mean(&p->path.delay_to_client)) / NS_PER_S;
		double cycle = fmax(dist_mean(&a->think) / NS_PER_S + rtt, 1e-6);
		n = (double)a->users * (dur_s / cycle + 1);
		*peak = (double)a->users;
		return n;
	}
	case ARRIVAL_SCHEDULE:
		for (uint32_t i = 0; i < a->n_phases; i++) {
			const struct rate_phase *ph = &a->phases[i];
			double t0 = (double)ph->start / NS_PER_S;
			double t1 = i + 1 < a->n_phases ? (double)a->phases[i + 1].start / NS_PER_S : dur_s;
			if (t0 >= dur_s || t1 <= t0)
				continue;
			double te = fmin(t1, dur_s);
			double r_end = ph->rate_from + (ph->rate_to - ph->rate_from) * (te - t0) / (t1 - t0);
			n += (ph->rate_from + r_end) / 2 * (te - t0);
			rate = fmax(rate, fmax(ph->rate_from, ph->rate_to));
		}
		break;
	case ARRIVAL_REPLAY:
		for (uint64_t i = 0; i < a->n_times && a->times[i] < (sim_time_ns)(dur_s * NS_PER_S); i++)
			n++;
		rate = dur_s > 0 ? n / dur_s : n;
		break;
	case ARRIVAL_NONE:
		break;
	}
	*peak = fmin(n, rate * life_s);
	return n;
}

void scenario_estimate_cost(const struct scenario *s, struct scenario_cost *out)
{
	memset(out, 0, sizeof(*out));
	const struct server_spec *sv = &s->server;
	double dur_s = (double)s->duration / NS_PER_S;
	double synack_tries = sv->sysctl.tcp_synack_retries + 1.0;
	for (uint32_t i = 0; i < s->n_pops; i++) {
		const struct client_pop *p = &s->pops[i];
		/* how long one try holds its connection, s */
		double life = (double)profile_syn_giveup_after(&p->rules, p->sysctl.tcp_syn_retries) / NS_PER_S;
		if (p->connect_timeout != SIM_TIME_NEVER)
			life = fmin(life, (double)p->connect_timeout / NS_PER_S);
		if (p->after.read_timeout != SIM_TIME_NEVER)
			life += (double)p->after.read_timeout / NS_PER_S;
		life += dist_mean(&p->after.hold) / NS_PER_S;
		double peak = 0;
		double tries = pop_first_tries(p, dur_s, life, &peak) * (1.0 + p->app_retries);
		peak *= 1.0 + p->app_retries;
		/* per try: each SYN sent and delivered and its timer; each SYN-ACK
		 * sent and delivered; the ACK, the request, the response, the close */
		double per_try = 3.0 * (p->sysctl.tcp_syn_retries + 1) + 2.0 * synack_tries + 8;
		out->attempts += tries;
		out->events += tries * per_try;
		out->peak_conns += fmin(peak, tries);
	}
	/* the server side: children nobody accepts stay queued to the end, and
	 * requests wait in the SYN queue */
	double listeners = sv->listeners ? sv->listeners : 1;
	int n = profile_effective_backlog(&sv->rules, sv->backlog, sv->sysctl.somaxconn);
	double queued = listeners * ((double)(n > 0 ? n : 0) + 1 + fmax((double)n, (double)sv->sysctl.tcp_max_syn_backlog));
	out->peak_conns += fmin(queued, out->attempts);
	/* time-series samples and stall starts and ends */
	double end_s = dur_s + (double)s->drain / NS_PER_S;
	if (s->sample_interval > 0)
		out->events += end_s / ((double)s->sample_interval / NS_PER_S);
	for (uint32_t i = 0; i < sv->acceptor.n_stalls; i++) {
		const struct stall *st = &sv->acceptor.stalls[i];
		double left = end_s - (double)st->start / NS_PER_S;
		if (st->every > 0 && left > 0)
			out->events += listeners * 2 * (left / ((double)st->every / NS_PER_S) + 1);
		else
			out->events += listeners * 2;
	}
	out->events = fmax(out->events, out->attempts);
	/* a connection, two packets in flight, its three timers in the queue */
	/* an upper bound, not a typical figure (it was 15% low on large bursts):
	 * the event queue's entry for each of the three timers, times four (its
	 * arrays may be up to twice what they hold, and the entries of cancelled
	 * timers wait for the next compaction: up to as many again, sim/event.h);
	 * and the pools' last chunks (pool_init in world_create: 4096 objects) */
	double per_conn = (double)(sizeof(struct conn) + 2 * sizeof(struct packet) + 3 * 4 * sizeof(struct sim_heap_entry));
	out->peak_bytes = out->peak_conns * per_conn + 4096.0 * (double)(sizeof(struct conn) + sizeof(struct packet));
	for (uint32_t i = 0; i < s->n_pops; i++) {
		const struct arrival_spec *a = &s->pops[i].arrival;
		if (a->kind == ARRIVAL_CLOSED_LOOP)
			out->peak_bytes += (double)a->users * 64;
	}
}
