/* capacity.h: peak and fluid estimates of a scenario's arrivals against its
 * acceptor's service capacity.
 *
 * M/M/c/K (analytic.h) describes a steady state.  Bursts, on/off arrivals,
 * schedules and application stalls are not steady: while arrivals come faster
 * than the application accepts, connections pile up at about
 * (lambda_peak - mu) per second, and the queue, and the wait, grow with the
 * length of the peak whatever the backlog.  The fluid estimate follows that
 * pile: it treats arrivals and accepts as continuous flows, Q' = lambda(t) -
 * mu(t) while Q > 0 (mu = 0 during a stall), bursts as jumps of Q, with no
 * limit on Q, and reads each arrival's wait as the time the acceptor needs to
 * serve the Q ahead of it (first come, first served).  It leaves out the
 * randomness M/M/c/K is about, so it is the right estimate when the peak
 * exceeds the capacity (or the application stalls) and a poor one near or
 * below it, where queues come from chance coincidences.
 *
 * capacity_estimate() reads the scenario (never changes it) and allocates
 * nothing that outlives the call.
 */
#ifndef TCPQSIM_CAPACITY_H
#define TCPQSIM_CAPACITY_H

#include <stdbool.h>

#include "models/scenario.h"

enum capacity_regime {
	CAPACITY_STEADY,    /* arrivals never outrun the acceptor: M/M/c/K applies */
	CAPACITY_PEAK,      /* a peak (or a stall) outruns it for a while, then the queue drains: fluid */
	CAPACITY_OVERLOAD,  /* arrivals outrun it on average: the queue never drains, no backlog helps */
	CAPACITY_UNKNOWN,   /* closed loop or no acceptor: not estimated */
};

struct capacity_estimate {
	enum capacity_regime regime;
	double service_per_s;   /* accepts per s the acceptor sustains, all listeners: L c mu */
	double server_per_s;    /* one server's rate mu: 1/mean service (workers), the rate, batch/wake-up */
	long servers;           /* c per listener (1 for a rate acceptor or an event loop) */
	long listeners;         /* L */
	double mean_per_s;      /* connect attempts per s, averaged over duration_s */
	double peak_per_s;      /* highest arrival rate (a burst counts as its count per ms) */
	double burst;           /* the largest number of connects at one instant (bursts, replay); 0 if none */
	double over_s;          /* longest stretch with the queue non-empty in the fluid model, s */
	double queue_max;       /* the fluid queue's peak: connections waiting at most (no limit on Q) */
	double queue_max_at_s;  /* when it peaks, s */
	double wait_max_s;      /* the longest wait an arrival meets, s */
	double wait_p99_s;      /* 99th percentile of the waits over the arrivals, s */
	double wait_mean_s;     /* mean wait over the arrivals, s */
	double turned_away;     /* with the scenario's queue limit (L (N + 1)): connects that find it full, first SYN */
	long servers_for_peak;  /* workers per listener with L c mu >= peak_per_s (workers acceptor; 0 otherwise) */
	double rate_for_peak;   /* accepts per s that keep up with the peak: peak_per_s */
};

/* capacity_estimate: the fluid estimate of s (borrowed).  queue_places is the
 * accept-queue room in all (L (N + 1)), for turned_away.  Returns 0; -1 when
 * out of memory (out unspecified).  regime CAPACITY_UNKNOWN leaves the
 * estimates at 0. */
int capacity_estimate(const struct scenario *s, double queue_places, struct capacity_estimate *out);

/* capacity_regime_name: "steady", "peak", "overload", "unknown". */
const char *capacity_regime_name(enum capacity_regime r);

#endif
