/* cost.h: what a run of a scenario would cost, estimated before it starts.
 * The estimate is an upper bound of the usual case: every population
 * arrives at its mean rate, every attempt may need all its SYNs and
 * SYN-ACKs, and every application retry is made. */
#ifndef TCPQSIM_COST_H
#define TCPQSIM_COST_H

#include "models/scenario.h"

struct scenario_cost {
	double attempts;   /* connect attempts, application retries included */
	double events;     /* events the run processes (packets, timers, samples) */
	double peak_conns; /* connections held at once, both ends counted once */
	double peak_bytes; /* bytes of in-flight state at the peak */
};

/* scenario_estimate_cost: fill *out for scenario s (borrowed).  Never fails. */
void scenario_estimate_cost(const struct scenario *s, struct scenario_cost *out);

#endif
