/* workload.h: when connect attempts start (workload.c). */
#ifndef TCPQSIM_WORKLOAD_H
#define TCPQSIM_WORKLOAD_H

#include "models/core.h"

/* workload_start: the first arrival of each population (users of a closed
 * loop start spread over one think time). */
void workload_start(struct world *w);

/* workload_on_arrival: a population's arrival: attempts start, the next is
 * scheduled. */
void workload_on_arrival(struct world *w, uint32_t pop);

#endif
