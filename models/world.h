/* world.h: one simulated run — clients, network path, listeners, the
 * server application.
 *
 * The world builds the model's parts for a scenario (models/core.h holds
 * what they share), runs the event loop, handing each event to the part that
 * owns it, and gathers the results.  It reports through hooks the caller sets
 * (all optional, models/records.h): a record per finished attempt, a trace
 * record per event, a sample per time-series tick.  It never prints and
 * never touches files.
 */
#ifndef TCPQSIM_WORLD_H
#define TCPQSIM_WORLD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/listener.h"
#include "models/records.h"
#include "models/scenario.h"
#include "models/trace.h"
#include "sim/event.h"
#include "sim/hist.h"
#include "sim/pool.h"
#include "sim/rng.h"

struct world;

/* world_create: build a run of scenario s (borrowed: must outlive the world).
 * Returns NULL when out of memory. */
struct world *world_create(const struct scenario *s, const struct world_hooks *hooks);

/* world_run: run to the end (arrivals over and every attempt ended, or the
 * drain cap).  Returns 0, -1 when out of memory or past max_memory (the
 * results so far stay readable).  stop, when non-NULL, is polled every few
 * thousand events: a non-zero value stops the run early (returns 1). */
int world_run(struct world *w, volatile sig_atomic_t *stop);

/* world_results: the results; valid after world_run, owned by the world. */
const struct world_results *world_results(const struct world *w);

/* world_now: the simulated time. */
sim_time_ns world_now(const struct world *w);

void world_destroy(struct world *w);

/* world_check: validate the queues and counts (for tests). */
bool world_check(const struct world *w);

#endif
