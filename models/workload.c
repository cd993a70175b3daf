/* workload.c: when connect attempts start (DESIGN.md "Workload").
 *
 * Open-loop populations have one pending arrival event each; closed-loop
 * populations have one event per user.  Arrivals happen during [0, duration).
 */
#include "models/workload.h"

#include <math.h>

#include "models/client.h"


/* the largest rate of a schedule, for thinning */
static double schedule_max_rate(const struct arrival_spec *a)
{
	double m = 0;
	for (uint32_t i = 0; i < a->n_phases; i++) {
		if (a->phases[i].rate_from > m)
			m = a->phases[i].rate_from;
		if (a->phases[i].rate_to > m)
			m = a->phases[i].rate_to;
	}
	return m;
}

/* the scheduled rate at t: phases are sorted; the last one lasts to the end */
static double schedule_rate_at(const struct arrival_spec *a, sim_time_ns t, sim_time_ns end)
{
	uint32_t i = 0;
	while (i + 1 < a->n_phases && a->phases[i + 1].start <= t)
		i++;
	const struct rate_phase *p = &a->phases[i];
	if (t < p->start)
		return 0;
	sim_time_ns pend = i + 1 < a->n_phases ? a->phases[i + 1].start : end;
	if (p->rate_to == p->rate_from || pend <= p->start)
		return p->rate_from;
	double f = (double)(t - p->start) / (double)(pend - p->start);
	return p->rate_from + f * (p->rate_to - p->rate_from);
}

static sim_time_ns exp_gap(struct pop_state *ps, double rate)
{
	return (sim_time_ns)(-log(rng_uniform_pos(&ps->arrivals)) / rate * 1e9);
}

/* the next arrival strictly after `now` for an open-loop population, or
 * SIM_TIME_NEVER */
static sim_time_ns next_arrival(struct world *w, uint32_t pop, sim_time_ns now, bool first)
{
	const struct arrival_spec *a = &w->s->pops[pop].arrival;
	struct pop_state *ps = &w->pops[pop];
	switch (a->kind) {
	case ARRIVAL_CONSTANT:
		if (a->rate_per_s <= 0)
			return SIM_TIME_NEVER;
		/* the k-th arrival at k / rate exactly: no drift from rounding */
		if (first) {
			ps->next_index = 0;
			return 0;
		}
		ps->next_index++;
		return (sim_time_ns)((double)ps->next_index * 1e9 / a->rate_per_s + 0.5);
	case ARRIVAL_POISSON:
		if (a->rate_per_s <= 0)
			return SIM_TIME_NEVER;
		return now + exp_gap(ps, a->rate_per_s);
	case ARRIVAL_BURST:
		if (first) {
			ps->next_index = 0;
			return a->at;
		}
		if (!a->every)
			return SIM_TIME_NEVER;
		ps->next_index++;
		return a->at + (sim_time_ns)ps->next_index * a->every;
	case ARRIVAL_SCHEDULE: {
		/* non-homogeneous Poisson by thinning (Lewis and Shedler) */
		double max = schedule_max_rate(a);
		if (max <= 0)
			return SIM_TIME_NEVER;
		sim_time_ns t = now;
		for (;;) {
			t += exp_gap(ps, max);
			if (t >= w->s->duration)
				return SIM_TIME_NEVER;
			if (rng_uniform(&ps->arrivals) * max < schedule_rate_at(a, t, w->s->duration))
				return t;
		}
	}
	case ARRIVAL_REPLAY:
		if (first)
			ps->next_index = 0;
		else
			ps->next_index++;
		return ps->next_index < a->n_times ? a->times[ps->next_index] : SIM_TIME_NEVER;
	default:
		return SIM_TIME_NEVER;
	}
}

static void arm_arrival(struct world *w, uint32_t pop, sim_time_ns t)
{
	if (t != SIM_TIME_NEVER && t < w->s->duration && t >= w->q.now)
		world_schedule(w, &w->pops[pop].arrival, t);
}

void workload_start(struct world *w)
{
	for (uint32_t p = 0; p < w->s->n_pops; p++) {
		const struct arrival_spec *a = &w->s->pops[p].arrival;
		struct pop_state *ps = &w->pops[p];
		sim_event_init(&ps->arrival, EV_ARRIVAL);
		ps->arrival.aux = (uint16_t)p;
		if (a->kind == ARRIVAL_CLOSED_LOOP) {
			/* users start spread over one mean think time */
			double spread = dist_mean(&a->think);
			for (uint32_t i = 0; i < ps->n_users; i++) {
				struct user *u = &ps->users[i];
				sim_time_ns t = (sim_time_ns)(rng_uniform(&ps->arrivals) * spread);
				u->app_try = 0;
				if (t < w->s->duration)
					world_schedule(w, &u->ev, t);
			}
			continue;
		}
		arm_arrival(w, p, next_arrival(w, p, 0, true));
	}
}

void workload_on_arrival(struct world *w, uint32_t pop)
{
	const struct arrival_spec *a = &w->s->pops[pop].arrival;
	uint32_t n = a->kind == ARRIVAL_BURST ? a->count : 1;
	for (uint32_t i = 0; i < n && !w->done; i++)
		client_connect(w, pop, -1, 0, w->q.now);
	arm_arrival(w, pop, next_arrival(w, pop, w->q.now, false));
}
