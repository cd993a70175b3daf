/* story.h: one connect attempt told step by step, with a sequence diagram.
 *
 * A struct story collects, while a run goes on, the trace records of one
 * attempt (and the listener-wide events, such as stalls, that happen during
 * its life) and the attempt's final record.  story_print then tells it for a
 * classroom: every event with its time in ms from the attempt's first SYN,
 * who acted, what was done and why (the rule and its kernel function, as
 * the models name them), the queue lengths at that moment; then an ASCII
 * sequence diagram in which each packet is an arrow with its fate (delivered,
 * dropped "X" with the reason, lost in the network); then the outcome.
 *
 * The trace records do not say which way an ACK, DATA or RST goes (the
 * server's DATA and ACK have the client's names); the story infers it from the
 * event just before at the same instant (see story.c).  Program layer: the
 * story prints, but only to the FILE it is given.
 */
#ifndef TCPQSIM_STORY_H
#define TCPQSIM_STORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "models/world.h"
#include "app/config.h"
#include "app/runner.h"

/* one trace record kept for the story */
struct story_step {
	sim_time_ns t;          /* simulated time, ns */
	const char *what;       /* event kind (static string from the models) */
	enum trace_side side;   /* who acted */
	enum trace_dir dir;     /* the segment's way, TD_NONE without one */
	enum trace_reason reason; /* why (models/trace.h) */
	const char *pkt;        /* packet name or NULL (static) */
	const char *why;        /* rule and kernel function or NULL (static) */
	uint32_t syn_queue;     /* the listener's SYN queue after the event, requests */
	uint32_t accept_queue;  /* the listener's accept queue after the event, children */
	uint32_t listener;      /* listener index */
	bool listener_wide;     /* an event of the listener (stall, resume), not of the attempt */
};

struct story {
	uint64_t conn;             /* the attempt told */
	struct story_step *steps;  /* its events in time order (owned) */
	size_t n_steps, cap_steps; /* used, allocated */
	bool done;                 /* its attempt record came: ignore what follows */
	struct trace_rec before;   /* the last listener-wide event before the attempt began */
	bool have_before;          /* before is valid */
	bool have_rec;             /* rec is valid */
	struct attempt_rec rec;    /* the attempt's record */
	uint64_t attempts;         /* attempt records seen (all attempts) */
	uint64_t max_id;           /* highest attempt id seen in a record */
	bool out_of_memory;        /* a step could not be stored */
	sim_time_ns run_end;       /* set by the caller after the run: its last instant, ns (0: unknown) */
};

/* story_init: an empty story about attempt `conn`. */
void story_init(struct story *st, uint64_t conn);

/* story_fini: free the steps. */
void story_fini(struct story *st);

/* story_on_trace / story_on_attempt: hooks for runner_run (ctx is the story).
 * On allocation failure the story sets out_of_memory and keeps what it has. */
void story_on_trace(void *ctx, const struct trace_rec *r);
void story_on_attempt(void *ctx, const struct attempt_rec *r);

/* story_run: run ls (borrowed) with no files, only st's hooks, and set
 * st->run_end from the summary; stop (may be NULL) is polled.  On failure
 * msg holds one line.  explain and the web page both tell stories this way. */
enum run_status story_run(struct story *st, const struct loaded_scenario *ls,
                          volatile sig_atomic_t *stop, char *msg, size_t n);

/* story_exists: the run had this attempt (an attempt record or a trace). */
bool story_exists(const struct story *st);

/* story_print: the whole story of st's attempt in scenario ls (borrowed):
 * heading, steps, sequence diagram, outcome. */
void story_print(FILE *f, const struct story *st, const struct loaded_scenario *ls);

/* story_syn_queue_limit / story_accept_queue_limit: how many requests or
 * children the listener holds before it is full under the server's rules
 * (the first length at which the kernel's "is full" test says yes). */
uint32_t story_syn_queue_limit(const struct scenario *s);
uint32_t story_accept_queue_limit(const struct scenario *s);

#endif
