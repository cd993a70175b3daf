/* cmd_analytic.c: "tcpqsim analytic SCENARIO.json": queueing-theory
 * estimates for a scenario, beside the assumptions they rest on.
 *
 * The scenario is loaded as `run` loads it, then mapped to M/M/c/K
 * (models/analytic.h): Poisson arrivals at lambda, c servers of rate mu, K =
 * N + 1 + c places (N the effective backlog).  A rate acceptor is one server
 * of rate R; workers are c servers of rate 1/(mean service); an event loop
 * that takes one connection per wake-up is one server whose customer waits in
 * the accept queue (K = N + 1).  The client's SYN schedule (the profile's
 * timers, tcp_syn_retries, tcp_syn_linear_timeouts, the connect timeout)
 * gives the number of SYN copies for the retry fixed point.  Every
 * assumption is printed with whether the scenario keeps it.  Exit 0 when
 * mapped, 2 when the scenario cannot be mapped at all or is bad input.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/analytic.h"
#include "models/capacity.h"
#include "models/profile.h"
#include "app/commands.h"
#include "app/config.h"

#define MAX_COPIES (ANALYTIC_SYN_RETRIES_MAX + 1)
#define MAX_NOTES 24

static const struct cli_option analytic_options[] = {
	CLI_OVERRIDE_OPTIONS,
	{0, NULL, NULL, CLI_FLAG, NULL, NULL},
};

int cmd_analytic(int argc, char **argv);
const struct cli_command cli_cmd_analytic = {
    "analytic", cmd_analytic, "SCENARIO.json", "queueing-theory estimates for a scenario", analytic_options,
    "Maps the scenario to M/M/c/K (Poisson arrivals, c servers, K = N + 1 + c) and the SYN-retry\n"
    "fixed point, and prints the estimates beside the assumptions the scenario keeps or breaks.\n",
};

enum note_kind { NOTE_OK, NOTE_APPROX, NOTE_VIOLATED };

struct note {
	enum note_kind kind;
	char text[512];
};

/* The scenario as the formulas see it. */
struct mapping {
	double lambda_per_s;  /* connect attempts per s, per listener */
	double total_per_s;   /* connect attempts per s, all listeners */
	double mu_per_s;      /* service rate of one server, 1/s */
	long servers;         /* c */
	long backlog;         /* N, effective */
	long capacity;        /* K */
	bool served_in_queue; /* the customer in service still sits in the accept queue (event loop) */
	char servers_text[160]; /* how c and mu were read */
	char arrivals_text[160];
	uint32_t first_pop;   /* the population whose SYN schedule is used */
	/* the client's SYN schedule (population 0) */
	int copies;                   /* SYNs an attempt sends at most */
	double copy_at_s[MAX_COPIES]; /* when each is sent, s from the first */
	double end_s;                 /* the attempt fails then (ETIMEDOUT or the connect timeout), s */
	bool ends_by_connect_timeout; /* the application's connect timeout comes first */
	struct note notes[MAX_NOTES];
	int n_notes;
};

static void note(struct mapping *m, enum note_kind k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void note(struct mapping *m, enum note_kind k, const char *fmt, ...)
{
	if (m->n_notes == MAX_NOTES)
		return;
	struct note *n = &m->notes[m->n_notes++];
	n->kind = k;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof(n->text), fmt, ap);
	va_end(ap);
}

/* time average of a piecewise (linear) rate over [0, duration] */
static double schedule_mean_rate(const struct arrival_spec *a, double duration_s, bool *constant)
{
	double area = 0;
	*constant = a->n_phases > 0 && a->phases[0].start == 0;
	for (uint32_t i = 0; i < a->n_phases; i++) {
		const struct rate_phase *p = &a->phases[i];
		double t0 = (double)p->start / 1e9;
		double t1 = i + 1 < a->n_phases ? (double)a->phases[i + 1].start / 1e9 : duration_s;
		if (t0 >= duration_s)
			break;
		if (t1 > duration_s)
			t1 = duration_s;
		area += (t1 - t0) * (p->rate_from + p->rate_to) / 2;
		if (p->rate_from != p->rate_to || p->rate_from != a->phases[0].rate_from)
			*constant = false;
	}
	return duration_s > 0 ? area / duration_s : 0;
}

/* the SYN schedule of population p, as client.c runs it (timers included):
 * the models' SYN schedule with the timer wheel */
static void syn_schedule(const struct client_pop *p, struct mapping *m)
{
	struct syn_schedule s;
	syn_schedule_init(&s, &p->rules, p->sysctl.tcp_syn_retries, p->sysctl.tcp_syn_linear_timeouts,
	                  p->connect_timeout, true);
	m->copies = 1;
	m->copy_at_s[0] = 0;
	for (;;) {
		sim_time_ns at;
		enum syn_event ev = syn_schedule_next(&s, &at);
		if (ev == SYN_RETRANSMIT && m->copies < MAX_COPIES) {
			m->copy_at_s[m->copies++] = (double)at / 1e9;
			continue;
		}
		m->end_s = (double)at / 1e9;
		m->ends_by_connect_timeout = ev == SYN_CONNECT_TIMEOUT;
		return;
	}
}

/* Returns 0, or 2 after printing why the scenario cannot be mapped. */
static int map_scenario(const char *file, const struct scenario *s, struct mapping *m)
{
	memset(m, 0, sizeof(*m));
	const struct server_spec *sv = &s->server;
	const struct acceptor_spec *ac = &sv->acceptor;
	double duration_s = (double)s->duration / 1e9;

	/* arrivals */
	const struct client_pop *first = NULL;
	uint32_t real_pops = 0;
	bool poisson = true;
	char kinds[128] = "";
	for (uint32_t i = 0; i < s->n_pops; i++) {
		const struct client_pop *p = &s->pops[i];
		if (p->spoofed) {
			note(m, NOTE_VIOLATED, "no SYN flood: spoofed SYNs fill the SYN queue, which the model leaves out");
			continue;
		}
		const struct arrival_spec *a = &p->arrival;
		double rate = 0;
		const char *kind = "";
		switch (a->kind) {
		case ARRIVAL_POISSON:
			rate = a->rate_per_s, kind = "poisson";
			break;
		case ARRIVAL_CONSTANT:
			rate = a->rate_per_s, kind = "constant", poisson = false;
			break;
		case ARRIVAL_BURST:
			if (!a->every) {
				/* no steady state: the mean over the run stands in, and
				 * the peak/fluid estimate is the one that applies */
				rate = duration_s > 0 ? a->count / duration_s : 0, kind = "burst", poisson = false;
				note(m, NOTE_VIOLATED,
				     "a steady arrival process: one burst of %u connects at %g s has no steady state; "
				     "its mean over duration_s (%g /s) is used",
				     a->count, (double)a->at / 1e9, rate);
				break;
			}
			rate = a->count / ((double)a->every / 1e9), kind = "burst", poisson = false;
			break;
		case ARRIVAL_CLOSED_LOOP: {
			double cycle = (dist_mean(&a->think) + dist_mean(&p->after.hold)) / 1e9;
			rate = cycle > 0 ? a->users / cycle : 0;
			kind = "closed_loop", poisson = false;
			note(m, NOTE_VIOLATED,
			     "an infinite population: %u closed-loop users give at most users / (think + hold) = %g "
			     "connects/s, and fewer while they wait",
			     a->users, rate);
			break;
		}
		case ARRIVAL_SCHEDULE: {
			bool constant = false;
			rate = schedule_mean_rate(a, duration_s, &constant);
			kind = "schedule";
			if (!constant) {
				poisson = false;
				note(m, NOTE_VIOLATED,
				     "a constant arrival rate: the schedule varies; its time average %g /s is used", rate);
			}
			break;
		}
		case ARRIVAL_REPLAY:
			rate = duration_s > 0 ? (double)a->n_times / duration_s : 0, kind = "replay", poisson = false;
			break;
		case ARRIVAL_NONE:
			continue;
		}
		if (!first) {
			first = p;
			m->first_pop = i;
		}
		real_pops++;
		m->total_per_s += rate;
		size_t l = strlen(kinds);
		snprintf(kinds + l, sizeof(kinds) - l, "%s%s", l ? "+" : "", kind);
	}
	if (!first || !(m->total_per_s > 0)) {
		fprintf(stderr, PROG ": %s: clients.arrival: expected connects at a rate > 0, got none\n", file);
		return 2;
	}
	uint32_t listeners = sv->listeners ? sv->listeners : 1;
	m->lambda_per_s = m->total_per_s / listeners;
	snprintf(m->arrivals_text, sizeof(m->arrivals_text), "%s, %g connects/s%s", kinds, m->total_per_s,
	         listeners > 1 ? " in all" : "");
	if (poisson)
		note(m, NOTE_OK, "Poisson arrivals (%s)", kinds);
	else
		note(m, NOTE_VIOLATED,
		     "Poisson arrivals: %s arrivals are %s; their mean rate is used", kinds,
		     strstr(kinds, "constant") ? "more regular (blocking is lower than M/M/c/K says)"
		                               : "not Poisson (burstier arrivals block more)");

	/* servers */
	switch (ac->kind) {
	case ACCEPTOR_NEVER:
		fprintf(stderr,
		        PROG ": %s: server.acceptor.kind: expected an acceptor that takes connections (rate, workers, "
		             "event_loop with batch 1), got \"never\" (nothing is served: no steady state)\n",
		        file);
		return 2;
	case ACCEPTOR_RATE:
		m->servers = 1;
		m->mu_per_s = ac->rate_per_s;
		snprintf(m->servers_text, sizeof(m->servers_text), "c = 1 (rate acceptor: one accept() per %s gap of 1/%g s)",
		         ac->exponential ? "exponential" : "fixed", ac->rate_per_s);
		if (ac->exponential)
			note(m, NOTE_OK, "exponential service (the rate acceptor's gaps are exponential)");
		else
			note(m, NOTE_VIOLATED,
			     "exponential service: the rate acceptor's gaps are fixed (M/D/1/K blocks less than M/M/1/K "
			     "below saturation)");
		break;
	case ACCEPTOR_WORKERS: {
		double mean_ns = dist_mean(&ac->service);
		if (!(mean_ns > 0)) {
			fprintf(stderr, PROG ": %s: server.acceptor.service_ms: expected a mean service time > 0, got 0\n",
			        file);
			return 2;
		}
		m->servers = ac->workers;
		m->mu_per_s = 1e9 / mean_ns;
		snprintf(m->servers_text, sizeof(m->servers_text), "c = %u workers, mean service %g ms", ac->workers,
		         mean_ns / 1e6);
		if (ac->service.kind == DIST_EXPONENTIAL)
			note(m, NOTE_OK, "exponential service (workers' service_ms is exponential)");
		else
			note(m, NOTE_VIOLATED,
			     "exponential service: the workers' service time is %s (M/G/c/K; with c = 1 and a "
			     "constant time blocking is lower)",
			     ac->service.kind == DIST_CONSTANT ? "constant" : "not exponential");
		break;
	}
	case ACCEPTOR_EVENT_LOOP: {
		if (ac->batch != 1) {
			fprintf(stderr,
			        PROG ": %s: server.acceptor.batch: expected 1 to map an event loop to one server, got %u "
			             "(batches of accepts are not an M/M/c/K queue)\n",
			        file, ac->batch);
			return 2;
		}
		double mean_ns = dist_mean(&ac->wake_latency);
		if (!(mean_ns > 0)) {
			fprintf(stderr,
			        PROG ": %s: server.acceptor.wake_latency_ms: expected a mean > 0 to map it to a server, "
			             "got 0\n",
			        file);
			return 2;
		}
		m->servers = 1;
		m->mu_per_s = 1e9 / mean_ns;
		m->served_in_queue = true;
		snprintf(m->servers_text, sizeof(m->servers_text),
		         "c = 1 (event loop, one accept per wake-up after %g ms; the one waiting for it stays queued)",
		         mean_ns / 1e6);
		if (ac->wake_latency.kind == DIST_EXPONENTIAL)
			note(m, NOTE_OK, "exponential service (the wake-up latency is exponential)");
		else
			note(m, NOTE_VIOLATED, "exponential service: the wake-up latency is not exponential");
		break;
	}
	}
	m->backlog = profile_effective_backlog(&sv->rules, sv->backlog, sv->sysctl.somaxconn);
	m->capacity = m->served_in_queue ? m->backlog + 1 : analytic_listener_capacity(m->backlog, m->servers);
	if (m->capacity < m->servers || m->capacity < 1) {
		fprintf(stderr, PROG ": %s: server.backlog: expected a capacity N + 1 + c that fits, got N = %ld, c = %ld\n",
		        file, m->backlog, m->servers);
		return 2;
	}

	/* everything else the formulas leave out */
	if (ac->n_stalls)
		note(m, NOTE_VIOLATED, "the application always accepts: %u stall%s stop it", ac->n_stalls,
		     ac->n_stalls == 1 ? "" : "s");
	else
		note(m, NOTE_OK, "the application always accepts (no stalls)");
	if (listeners > 1)
		note(m, NOTE_VIOLATED,
		     "one listener: %u SO_REUSEPORT listeners are read as %u independent queues, each offered "
		     "lambda/%u (exact only if the hash splits connects evenly and at random)",
		     listeners, listeners, listeners);
	if (real_pops > 1)
		note(m, NOTE_VIOLATED,
		     "one client population: %u populations' rates are summed; the first one's SYN schedule is used",
		     real_pops);
	const struct kernel_rules *kr = &sv->rules;
	if (kr->syn_on_full_accept != SYN_FULL_ACCEPT_DROP)
		note(m, NOTE_VIOLATED,
		     "a SYN is dropped whenever the accept queue is full: profile %s %s", kr->profile,
		     kr->syn_on_full_accept == SYN_FULL_ACCEPT_YOUNG
		         ? "still answers SYNs while at most one young request is queued"
		         : "does not check SYNs against the accept queue");
	if (kr->accept_limit != ACCEPT_LIMIT_N_PLUS_1)
		note(m, NOTE_VIOLATED, "the accept queue holds N + 1: profile %s holds up to 3N/2", kr->profile);
	else
		note(m, NOTE_OK, "the accept queue holds N + 1 = %ld (profile %s)", m->backlog + 1, kr->profile);
	double rtt_ms = 0, loss = 0;
	bool app_retries = false;
	for (uint32_t i = 0; i < s->n_pops; i++) {
		const struct client_pop *p = &s->pops[i];
		double r = (dist_mean(&p->path.delay_to_server) + dist_mean(&p->path.delay_to_client)) / 1e6;
		rtt_ms = fmax(rtt_ms, r);
		loss = fmax(loss, fmax(p->path.loss_to_server, p->path.loss_to_client));
		app_retries = app_retries || (p->app_retries > 0 && !p->spoofed);
	}
	/* a SYN that comes while another's handshake is under way does not see
	 * that child yet: about lambda x 1.5 RTT of the SYNs see a stale queue */
	double service_ms = 1e3 / m->mu_per_s;
	double stale = m->lambda_per_s * 1.5 * rtt_ms / 1e3;
	if (stale < 0.02)
		note(m, NOTE_OK, "the handshake takes no time (round trip %g ms; %.2g of the SYNs meet one under way)",
		     rtt_ms, stale);
	else
		note(m, stale < 0.2 ? NOTE_APPROX : NOTE_VIOLATED,
		     "the handshake takes no time: with a %g ms round trip about %.2g of the SYNs arrive while another "
		     "handshake is under way and see the accept queue without its child (blocking comes out lower; "
		     "service %g ms)",
		     rtt_ms, stale, service_ms);
	if (loss > 0)
		note(m, NOTE_VIOLATED, "no packet loss: up to %g of the segments are lost", loss);
	if (app_retries)
		note(m, NOTE_VIOLATED, "no application retries: failed connects come back as new attempts (more load)");

	syn_schedule(first, m);
	if (m->copies > 1)
		note(m, NOTE_APPROX,
		     "retransmitted SYNs: each copy is dropped independently with the same probability b and the "
		     "copies join a Poisson stream; in fact a run of drops comes back %g s later as a run of "
		     "retransmits and is mostly dropped again, so below saturation P(attempt fails) can be many "
		     "times b^%d (5 to 55 times in the simulator's tests); in overload b is within about 10%%",
		     m->copies > 1 ? m->copy_at_s[1] : 0, m->copies);
	if (m->copies > 1 && sv->sysctl.tcp_syncookies) {
		double rho = m->lambda_per_s / (m->mu_per_s * (double)m->servers);
		note(m, rho >= 1 ? NOTE_VIOLATED : NOTE_APPROX,
		     "a blocked SYN is dropped: with tcp_syncookies %d, retransmits that come together (one RTO after "
		     "a run of drops) fill the SYN queue and get cookies while the accept queue has a free slot, so "
		     "many clients connect that the server then drops (connected but never accepted); the formulas "
		     "count them as drops%s",
		     sv->sysctl.tcp_syncookies, rho >= 1 ? " (common at rho >= 1)" : "");
	}
	if (m->ends_by_connect_timeout)
		note(m, NOTE_APPROX, "the connect timeout (%g s) cuts the SYN schedule to %d cop%s", m->end_s, m->copies,
		     m->copies == 1 ? "y" : "ies");
	note(m, NOTE_APPROX,
	     "steady state: the run starts with empty queues and lasts %g s; the estimates are long-run averages",
	     duration_s);
	return 0;
}

/* the peak/fluid estimate (models/capacity.h) and which estimate applies */
static void print_fluid(const struct scenario *s, const struct mapping *m)
{
	struct capacity_estimate ce;
	long L = s->server.listeners ? s->server.listeners : 1;
	printf("\npeak/fluid estimate (arrivals and accepts as flows, no randomness; bursts and stalls included)\n");
	if (capacity_estimate(s, (double)L * (double)(m->backlog + 1), &ce) < 0) {
		printf("  (not computed: out of memory)\n");
		return;
	}
	if (ce.regime == CAPACITY_UNKNOWN) {
		printf("  (not computed: closed-loop users slow down as they wait)\n");
		return;
	}
	printf("  %-40s %.6g /s (%ld listener%s x %ld server%s x %.6g /s)\n", "service capacity", ce.service_per_s,
	       ce.listeners, ce.listeners == 1 ? "" : "s", ce.servers, ce.servers == 1 ? "" : "s", ce.server_per_s);
	printf("  %-40s mean %.6g /s, peak %.6g /s", "arrivals", ce.mean_per_s, ce.peak_per_s);
	if (ce.burst > 0)
		printf(", bursts of %.0f at once", ce.burst);
	printf("\n");
	printf("  %-40s %.6g connections (at %.3f s)\n", "accept queue at its peak", ce.queue_max, ce.queue_max_at_s);
	printf("  %-40s N >= %.0f (per listener)\n", "backlog that holds the peak",
	       ce.queue_max > 1 ? ceil(ce.queue_max / (double)ce.listeners) - 1 : 0);
	printf("  %-40s max %.4g s, p99 %.4g s, mean %.4g s\n", "wait for accept()", ce.wait_max_s, ce.wait_p99_s,
	       ce.wait_mean_s);
	printf("  %-40s %.6g (first SYNs; they come back on the SYN schedule)\n", "turned away with N + 1 places",
	       ce.turned_away);
	if (ce.servers_for_peak > 0)
		printf("  %-40s %.6g accepts/s: %ld workers of %.4g ms per listener\n", "capacity that keeps up",
		       ce.rate_for_peak, ce.servers_for_peak, 1e3 / ce.server_per_s);
	else
		printf("  %-40s %.6g accepts/s\n", "capacity that keeps up", ce.rate_for_peak);

	printf("\nwhich estimate applies\n");
	double rho = m->lambda_per_s / (m->mu_per_s * (double)m->servers);
	switch (ce.regime) {
	case CAPACITY_STEADY:
		printf("  M/M/c/K: the arrivals never outrun the service capacity (peak %.6g /s <= %.6g /s), so the "
		       "queue comes from chance coincidences; the fluid model sees none\n",
		       ce.peak_per_s, ce.service_per_s);
		break;
	case CAPACITY_PEAK:
		printf("  peak/fluid: %s, %.6g connections pile up and the queue stays for up to %.3g s; M/M/c/K's steady "
		       "state on the mean rate (rho = %.3g) does not see the pile and understates blocking and waits\n",
		       ce.burst > 0 && ce.peak_per_s <= ce.service_per_s ? "bursts outrun the acceptor"
		       : ce.peak_per_s > ce.service_per_s ? "the arrival peak exceeds the service capacity"
		                                           : "the application's stalls stop the service",
		       ce.queue_max, ce.over_s, rho);
		if (ce.wait_max_s > 0)
			printf("  a backlog of %.0f holds the peak, but the last connections then wait %.3g s for accept(); "
			       "a shorter wait needs more capacity (%.6g accepts/s), not a larger backlog\n",
			       ce.queue_max, ce.wait_max_s, ce.rate_for_peak);
		break;
	case CAPACITY_OVERLOAD:
		printf("  neither settles: the mean arrival rate (%.6g /s) exceeds the service capacity (%.6g /s), "
		       "the queue never drains and no backlog helps; the capacity that would is %.6g accepts/s",
		       ce.mean_per_s, ce.service_per_s, ce.rate_for_peak);
		if (ce.servers_for_peak > 0)
			printf(" (%ld workers)", ce.servers_for_peak);
		printf("\n");
		break;
	case CAPACITY_UNKNOWN:
		break;
	}
}

static void print_report(const char *file, const struct loaded_scenario *ls, const struct mapping *m)
{
	const struct scenario *s = &ls->s;
	const struct client_pop *p = &s->pops[m->first_pop];
	double a = m->lambda_per_s / m->mu_per_s;
	printf("analytic: %s (%s)\n\nmapping\n", file, ls->name);
	printf("  %-22s %s\n", "arrivals", m->arrivals_text);
	if (s->server.listeners > 1)
		printf("  %-22s lambda = %g /s per listener (%u listeners)\n", "", m->lambda_per_s, s->server.listeners);
	else
		printf("  %-22s lambda = %g /s\n", "", m->lambda_per_s);
	printf("  %-22s %s, mu = %g /s\n", "servers", m->servers_text, m->mu_per_s);
	printf("  %-22s N = %ld (listen(%ld), somaxconn %d); the accept queue holds N + 1 = %ld\n", "backlog", m->backlog,
	       s->server.backlog, s->server.sysctl.somaxconn, m->backlog + 1);
	if (m->served_in_queue)
		printf("  %-22s K = N + 1 = %ld\n", "capacity", m->capacity);
	else
		printf("  %-22s K = N + 1 + c = %ld\n", "capacity", m->capacity);
	printf("  %-22s a = lambda/mu = %.4g erlangs, rho = a/c = %.4g\n", "offered load", a, a / (double)m->servers);
	printf("  %-22s %d cop%s at", "SYN schedule", m->copies, m->copies == 1 ? "y" : "ies");
	for (int k = 0; k < m->copies; k++)
		printf(" %g", m->copy_at_s[k]);
	printf(" s; %s at %g s (%s: tcp_syn_retries %d, tcp_syn_linear_timeouts %d)\n",
	       m->ends_by_connect_timeout ? "connect timeout" : "ETIMEDOUT", m->end_s, p->rules.profile,
	       p->sysctl.tcp_syn_retries, p->sysctl.tcp_syn_linear_timeouts);

	struct analytic_mmck q;
	int rc = analytic_mmck_solve(m->lambda_per_s, m->mu_per_s, m->servers, m->capacity, &q);
	printf("\nM/M/c/K, one SYN per attempt (as with tcp_syn_retries 0)\n");
	if (rc != ANALYTIC_OK) {
		printf("  (not computed: %s)\n", analytic_strerror(rc));
	} else {
		printf("  %-40s %.6g\n", "blocking per SYN", q.blocking_prob);
		printf("  %-40s %.4g\n", "mean accept queue", m->served_in_queue ? q.mean_in_system : q.mean_waiting);
		printf("  %-40s %.4g ms\n", "mean wait for accept()", q.mean_wait_s * 1e3 + (m->served_in_queue ? 1e3 / m->mu_per_s : 0));
		printf("  %-40s %.4g\n", "utilisation", q.utilisation);
		printf("  %-40s %.6g /s\n", "accepted", q.throughput_per_s * (s->server.listeners ? s->server.listeners : 1));
	}

	struct analytic_syn_retry f;
	rc = analytic_syn_retry_solve(m->lambda_per_s, m->mu_per_s, m->servers, m->capacity, m->copies - 1, &f);
	printf("\nretry fixed point (%d SYN cop%s per attempt at most)\n", m->copies, m->copies == 1 ? "y" : "ies");
	if (rc != ANALYTIC_OK) {
		printf("  (not computed: %s)\n", analytic_strerror(rc));
	} else {
		struct analytic_mmck at;
		int rc2 = analytic_mmck_solve(f.offered_per_s, m->mu_per_s, m->servers, m->capacity, &at);
		printf("  %-40s %.6g\n", "b, blocking per SYN copy", f.copy_blocking);
		printf("  %-40s %.6g /s\n", "SYN copies offered", f.offered_per_s);
		printf("  %-40s %.6g\n", "SYN copies per attempt (mean)", f.mean_copies);
		printf("  %-40s %.6g\n", m->ends_by_connect_timeout ? "P(attempt fails: connect timeout)"
		                                                    : "P(attempt fails: timed_out)",
		       f.attempt_failure_prob);
		printf("  %-40s %.6g\n", "P(attempt connects)", 1 - f.attempt_failure_prob);
		if (rc2 == ANALYTIC_OK) {
			printf("  %-40s %.4g\n", "mean accept queue", m->served_in_queue ? at.mean_in_system : at.mean_waiting);
			printf("  %-40s %.4g\n", "utilisation", at.utilisation);
		}
		printf("  which SYN connects (of all attempts; connect time ~ when it was sent):\n");
		for (int k = 0; k < m->copies; k++)
			printf("    SYN #%-3d at %8.3f s   %.6g\n", k + 1, m->copy_at_s[k], f.success_at_copy_prob[k]);
	}

	print_fluid(s, m);

	printf("\nassumptions\n");
	static const char *const tags[] = {"ok", "approx", "VIOLATED"};
	int violated = 0;
	for (int i = 0; i < m->n_notes; i++) {
		printf("  %-10s %s\n", tags[m->notes[i].kind], m->notes[i].text);
		violated += m->notes[i].kind == NOTE_VIOLATED;
	}
	if (violated)
		printf("\n%d assumption%s violated: treat the estimates as a rough guide and check with `" PROG " run`\n",
		       violated, violated == 1 ? " is" : "s are");
}

int cmd_analytic(int argc, char **argv)
{
	const char *file = NULL;
	struct cli_overrides ov;
	memset(&ov, 0, sizeof(ov));
	struct cli_args it;
	cli_args_init(&it, &cli_cmd_analytic, argc, argv);
	const char *v;
	int id;
	while ((id = cli_next(&it, &v)) != CLI_END) {
		if (id == CLI_ID_SET || id == CLI_ID_SEED) {
			if (cli_take_override(&ov, id, v))
				return 2;
		} else if (id != CLI_OPERAND) {
			return cli_exit(id);
		} else if (!file) {
			file = v;
		} else {
			return cli_misuse("analytic: unexpected argument %s", v);
		}
	}
	if (!file)
		return cli_misuse("%s", "analytic needs a scenario file");
	cli_overrides_finish(&ov);
	/* loaded without the run's warnings: analytic prints its own assumptions */
	struct jr err;
	struct loaded_scenario ls;
	if (config_load_file(file, ov.sets, ov.n_sets, &ls, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		return 2;
	}
	struct mapping *m = malloc(sizeof(*m));
	int status = 1;
	if (!m) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	status = map_scenario(file, &ls.s, m);
	if (status == 0)
		print_report(file, &ls, m);
out:
	free(m);
	loaded_scenario_fini(&ls);
	return status;
}
