/* clock.h: simulated time.
 *
 * Simulated time is a signed 64-bit count of nanoseconds from the start of the
 * run.  Every duration in the engine and the models is a sim_time_ns; only the
 * program layer converts to seconds or milliseconds, at the edges.
 */
#ifndef TCPQSIM_CLOCK_H
#define TCPQSIM_CLOCK_H

#include <stdint.h>

typedef int64_t sim_time_ns;

#define SIM_NS_PER_US ((sim_time_ns)1000)
#define SIM_NS_PER_MS ((sim_time_ns)1000000)
#define SIM_NS_PER_S ((sim_time_ns)1000000000)
#define SIM_TIME_NEVER INT64_MAX

/* sim_time_from_s: seconds (double) to nanoseconds, rounded to nearest. */
static inline sim_time_ns sim_time_from_s(double s)
{
	double ns = s * 1e9;
	return (sim_time_ns)(ns < 0 ? ns - 0.5 : ns + 0.5);
}

static inline sim_time_ns sim_time_from_ms(double ms)
{
	return sim_time_from_s(ms / 1e3);
}

static inline double sim_time_to_s(sim_time_ns t)
{
	return (double)t / 1e9;
}

static inline double sim_time_to_ms(sim_time_ns t)
{
	return (double)t / 1e6;
}

#endif
