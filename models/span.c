/* span.c: how long an attempt can last, and the default drain (scenario.h). */
#include <math.h>

#include "models/profile.h"
#include "models/scenario.h"

double scenario_attempt_span(const struct client_pop *p, double (*reach)(const struct dist *))
{
	/* the last SYN timer fires at most one RTO_MAX past the give-up time */
	double t = (double)profile_syn_giveup_after(&p->rules, p->sysctl.tcp_syn_retries) + (double)TCP_RTO_MAX_NS;
	if (p->connect_timeout != SIM_TIME_NEVER && (double)p->connect_timeout < t)
		t = (double)p->connect_timeout;
	/* a request nobody acknowledges: tcp_retries2 (15) backed-off retransmits from 200 ms */
	if (p->after.kind == AFTER_REQUEST && p->after.read_timeout == SIM_TIME_NEVER)
		t += (double)profile_model_timeout(200 * SIM_NS_PER_MS, 15) + (double)TCP_RTO_MAX_NS;
	else if (p->after.kind != AFTER_HOLD && p->after.read_timeout != SIM_TIME_NEVER)
		t += (double)p->after.read_timeout;
	t += trunc(reach(&p->path.delay_to_server)) + trunc(reach(&p->path.delay_to_client));
	if (p->app_retries)
		t = t * (p->app_retries + 1.0) + trunc(reach(&p->app_backoff) * p->app_retries);
	return t;
}

sim_time_ns scenario_default_drain(const struct scenario *s)
{
	sim_time_ns longest = 0;
	for (uint32_t i = 0; i < s->n_pops; i++) {
		sim_time_ns t = (sim_time_ns)scenario_attempt_span(&s->pops[i], dist_max_hint);
		if (t > longest)
			longest = t;
	}
	/* a request's SYN-ACK retransmits and silent expiry (plus the old
	 * kernels' scan lateness), timer-wheel lateness and the last round trip */
	sim_time_ns expiry =
	    profile_synack_expiry(&s->server.rules, s->server.sysctl.tcp_synack_retries, true) + 2 * SIM_NS_PER_S;
	return longest > expiry ? longest : expiry;
}
