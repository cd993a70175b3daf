/* kc_run: the measuring event loop (epoll + one timerfd, single thread).
 *
 * Pending work is a binary min-heap of timers ordered by (time, sequence);
 * the timerfd is armed at the heap's head before each epoll_wait.  Timers are
 * never removed early: each handler checks that its attempt or worker is still
 * in the state the timer was set for, so a stale timer does nothing.
 */
#define _GNU_SOURCE /* accept4() */
#include "kc_run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "kc_diag.h"
#include "kc_timers.h"

#define NS_PER_S 1000000000LL
#define NS_PER_MS 1000000LL
#define KC_PORT 8000              /* listener port inside the private namespace */
#define KC_MAX_SOCKETS 20000      /* open sockets (client + accepted) at once */
#define KC_SAMPLE_NS NS_PER_MS    /* queue sampling period */
#define KC_SLOW_SAMPLE_NS (10 * NS_PER_MS) /* fallback when a dump is slow */
#define KC_SLOW_DUMP_US 250.0     /* mean dump cost above which we fall back */
#define KC_COST_PROBE 200         /* dumps timed before deciding */

static const char *const outcome_names[KC_OUTCOME_COUNT] = {
#define KC_OUTCOME_NAME(id, name) name,
	KC_OUTCOME_MAP(KC_OUTCOME_NAME)
#undef KC_OUTCOME_NAME
};

const char *kc_outcome_name(enum kc_outcome o)
{
	return outcome_names[o];
}

enum timer_kind {
	T_ARRIVAL,         /* start the attempts due now */
	T_CONNECT_TIMEOUT, /* application connect timeout of attempt id */
	T_HOLD_END,        /* attempt id has held its connection long enough */
	T_WORKER_DONE,     /* worker id finished its service */
	T_ACCEPT_READY,    /* the rate acceptor may accept again */
	T_SAMPLE,          /* sample both queues */
	T_DEADLINE,        /* drain_s or max_wall_s reached */
	T_FILTER_ON,       /* attach the listener's BPF filter (faults[0]) */
	T_FILTER_OFF,      /* detach it */
};

/* One accept() made by an application thread: matched to its attempt by port
 * after the run (the threads never touch the attempts). */
struct acc_rec {
	uint16_t port;
	int64_t t;
};

/* An application thread: the rate acceptor, or one worker of a pool. */
struct app_thread {
	struct run *r;
	pthread_t th;
	bool started;
	int index;
	gsl_rng *rng;
	struct acc_rec *recs;
	size_t n, cap;
	const char *error;  /* a failing call, or NULL */
	int err;
};

enum ev_kind { EV_TIMER = 1, EV_SIGNAL, EV_LISTENER, EV_CLIENT };


/* The whole state of one run. */
struct run {
	const struct kc_scenario *sc;  /* borrowed */
	struct kc_run_result *res;     /* borrowed, filled */
	char *err;                     /* caller's message buffer */
	size_t errlen;
	bool failed;                   /* a fatal error is in err */
	bool done;                     /* the run is cut */
	int ep, tfd, sfd, lfd;         /* epoll, timerfd, signalfd, listener */
	sigset_t oldmask;              /* signal mask to restore */
	bool mask_blocked;             /* oldmask holds the mask to restore */
	struct kc_diag diag;           /* SYN-queue counter */
	struct sockaddr_in server;     /* 127.0.0.1:KC_PORT */
	gsl_rng *arrival_rng;          /* Poisson gaps */
	gsl_rng *service_rng;          /* acceptor gaps and service times */
	struct kc_timers timers;       /* pending timers */
	int64_t t0;                    /* CLOCK_MONOTONIC ns at run start */
	int64_t arrivals_end;          /* ns: no attempt starts at or after this */
	int64_t deadline;              /* ns: the run is cut here */
	const char *deadline_reason;   /* "drain_s" or "max_wall_s" */
	int64_t next_arrival;          /* ns, planned time of the next attempt; -1 none */
	long arrival_k;                /* attempts planned so far */
	bool arrivals_done;
	size_t capattempts;
	long port_last[65536];         /* last attempt that used each local port; -1 */
	int open_sockets;              /* client + accepted sockets open */
	int max_open;                  /* cap on open_sockets */
	long open_attempts;            /* attempts whose client socket is open */
	bool listen_armed;             /* listener is in epoll with EPOLLIN */
	int64_t next_accept_ok;        /* rate acceptor: ns when accept is allowed */
	int *worker_fd;                /* workers: accepted socket per worker; -1 idle */
	size_t *idle;                  /* workers: stack of idle worker ids */
	size_t nidle;
	bool sample_due;               /* the sampling timer fired */
	void (*at_cut)(void *);        /* called once the run is cut, before teardown */
	void *at_cut_ctx;
	int64_t syn_interval;          /* ns between SYN-queue dumps */
	int64_t next_syn_sample;       /* ns */
	double syn_cost_total_us;      /* dump time spent, us */
	long syn_cost_n;               /* dumps timed */
	struct app_thread *apps;       /* kcheck.app_thread: the application's threads */
	int napps;
	atomic_int app_stop;           /* tells the application threads to stop */
	bool filter_on;                /* the listener's BPF filter is attached */
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int64_t now_ns(const struct run *r)
{
	return mono_ns() - r->t0;
}

static int fatal(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fatal(struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->failed) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	r->failed = true;
	r->done = true;
	return -1;
}

/* ---- timers --------------------------------------------------------------- */

static int timer_push(struct run *r, int64_t when, int kind, size_t id)
{
	if (kc_timers_push(&r->timers, when, kind, id) < 0)
		return fatal(r, "out of memory (timers)");
	return 0;
}

static int timerfd_arm(struct run *r)
{
	struct itimerspec its;
	int64_t when = r->deadline;

	kc_timers_peek(&r->timers, &when);
	int64_t abs_ns = r->t0 + when;

	memset(&its, 0, sizeof its);
	if (abs_ns <= 0)
		abs_ns = 1;
	its.it_value.tv_sec = abs_ns / NS_PER_S;
	its.it_value.tv_nsec = abs_ns % NS_PER_S;
	if (timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return fatal(r, "timerfd_settime: %s", strerror(errno));
	return 0;
}

/* ---- sampling ------------------------------------------------------------- */

static void sample_accept_queue(struct run *r)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	if (getsockopt(r->lfd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return;
	r->res->accept_samples++;
	r->res->accept_queue_sum += ti.tcpi_unacked;
	if ((int)ti.tcpi_unacked > r->res->max_accept_queue)
		r->res->max_accept_queue = (int)ti.tcpi_unacked;
	r->res->accept_queue_limit = (int)ti.tcpi_sacked;
}

static void sample_syn_queue(struct run *r)
{
	int64_t t1 = mono_ns();
	int n = kc_diag_count_syn_recv(&r->diag, r->res->port);
	double us = (double)(mono_ns() - t1) / 1e3;

	if (n < 0)
		return;
	r->res->syn_samples++;
	r->res->syn_queue_sum += n;
	if (n > r->res->max_syn_queue)
		r->res->max_syn_queue = n;
	r->syn_cost_total_us += us;
	r->syn_cost_n++;
	if (r->syn_cost_n == KC_COST_PROBE && r->syn_interval == KC_SAMPLE_NS &&
	    r->syn_cost_total_us / (double)r->syn_cost_n > KC_SLOW_DUMP_US)
		r->syn_interval = KC_SLOW_SAMPLE_NS;
}

/* ---- client attempts ------------------------------------------------------ */

static int read_syns(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return 0;
	return (int)ti.tcpi_total_retrans + 1;
}

static int sock_error(int fd)
{
	int e = 0;
	socklen_t len = sizeof e;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		return errno;
	return e;
}

static void attempt_close(struct run *r, struct kc_attempt *a, int64_t now)
{
	if (a->fd < 0)
		return;
	close(a->fd); /* also removes it from the epoll set */
	a->fd = -1;
	a->end_ns = now;
	r->open_sockets--;
	r->open_attempts--;
}

static void note_unexpected(struct run *r, int e)
{
	if (r->res->unexpected_errors++ == 0)
		r->res->first_unexpected_errno = e;
}

/* The attempt's connect() failed with `e` at `now`. */
static void attempt_failed(struct run *r, struct kc_attempt *a, int e, int64_t now)
{
	a->connecting = false;
	a->err = e;
	a->failed_ns = now - a->start_ns;
	if (a->fd >= 0)
		a->syns = read_syns(a->fd);
	switch (e) {
	case ETIMEDOUT:
		a->outcome = KC_OUTCOME_TIMED_OUT;
		break;
	case ECONNREFUSED:
		a->outcome = KC_OUTCOME_REFUSED;
		break;
	case ECONNRESET:
	case EPIPE:
		/* An RST in SYN_SENT gives ECONNREFUSED; ECONNRESET means the
		 * handshake completed and the server reset the connection before
		 * this loop looked (loopback does both in one softirq, e.g. with
		 * tcp_abort_on_overflow=1).  No connect time is known. */
		a->outcome = KC_OUTCOME_RESET_AFTER_CONNECT;
		break;
	default:
		a->outcome = KC_OUTCOME_ERROR;
		note_unexpected(r, e);
		break;
	}
	attempt_close(r, a, now);
}

/* The attempt's connect() succeeded; `now` is when it was seen. */
static void attempt_connected(struct run *r, size_t id, int64_t now)
{
	struct kc_attempt *a = &r->res->attempts[id];
	struct epoll_event ev = {.events = EPOLLRDHUP, .data.u64 = ((uint64_t)EV_CLIENT << 32) | id};

	a->connecting = false;
	a->connect_ok = true;
	a->outcome = KC_OUTCOME_CONNECTED;
	a->connect_ns = now - a->start_ns;
	a->syns = read_syns(a->fd);
	if (r->sc->write_byte) {
		/* hold mode with a write: one byte now; a reset or EOF shows up
		 * through EPOLLERR/EPOLLRDHUP below */
		ssize_t w = send(a->fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno != EAGAIN) {
			int e = errno;
			a->outcome = (e == ECONNRESET || e == EPIPE) ? KC_OUTCOME_RESET_AFTER_CONNECT
								     : KC_OUTCOME_ERROR;
			a->err = e;
			if (a->outcome == KC_OUTCOME_ERROR)
				note_unexpected(r, e);
			attempt_close(r, a, now);
			return;
		}
	}
	if (epoll_ctl(r->ep, EPOLL_CTL_MOD, a->fd, &ev) < 0) {
		fatal(r, "epoll_ctl: %s", strerror(errno));
		return;
	}
	timer_push(r, now + (int64_t)llround(r->sc->hold_s * 1e9), T_HOLD_END, id);
}

static int attempt_start(struct run *r)
{
	struct kc_run_result *res = r->res;
	struct sockaddr_in local;
	socklen_t len = sizeof local;

	if (res->n >= (size_t)KC_MAX_ATTEMPTS)
		return fatal(r, "more than %ld attempts; lower clients.arrival.rate_per_s or "
				"duration_s",
			     KC_MAX_ATTEMPTS);
	if (r->open_sockets >= r->max_open)
		return fatal(r, "more than %d sockets open at once (cap %d); lower "
				"clients.arrival.rate_per_s, clients.after_connect.hold_s or "
				"duration_s",
			     r->open_sockets, r->max_open);
	if (res->n == r->capattempts) {
		size_t ncap = r->capattempts ? r->capattempts * 2 : 1024;
		struct kc_attempt *na = realloc(res->attempts, ncap * sizeof *na);
		if (na == NULL)
			return fatal(r, "out of memory (attempts)");
		res->attempts = na;
		r->capattempts = ncap;
	}
	size_t id = res->n;
	struct kc_attempt *a = &res->attempts[id];
	memset(a, 0, sizeof *a);
	a->fd = -1;
	a->connect_ns = a->failed_ns = a->accepted_ns = a->end_ns = -1;
	a->prev_same_port = -1;
	a->outcome = KC_OUTCOME_IN_PROGRESS;

	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fatal(r, "socket: %s (%d sockets open)", strerror(errno), r->open_sockets);
	res->n++;
	a->fd = fd;
	a->connecting = true;
	if (r->sc->filter_ports) {
		/* a port-range filter: attempt i comes from port KC_CLIENT_PORT_BASE + i */
		int one = 1;
		struct sockaddr_in me = {.sin_family = AF_INET,
					 .sin_port = htons((uint16_t)(KC_CLIENT_PORT_BASE + id)),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (const struct sockaddr *)&me, sizeof me) < 0)
			return fatal(r, "bind client port %zu: %s", KC_CLIENT_PORT_BASE + id, strerror(errno));
	}
	r->open_sockets++;
	r->open_attempts++;
	a->start_ns = now_ns(r);
	int rc = connect(fd, (const struct sockaddr *)&r->server, sizeof r->server);
	int e = rc < 0 ? errno : 0;
	int64_t now = now_ns(r);
	if (getsockname(fd, (struct sockaddr *)&local, &len) == 0 && local.sin_port != 0) {
		a->port = ntohs(local.sin_port);
		a->prev_same_port = r->port_last[a->port];
		r->port_last[a->port] = (long)id;
	}
	if (rc < 0 && e != EINPROGRESS) {
		if (e == EADDRNOTAVAIL || e == EAGAIN)
			return fatal(r, "out of local ports at attempt %zu (%d sockets open); "
					"lower the arrival rate or hold_s",
				     id, r->open_sockets);
		attempt_failed(r, a, e, now);
		return 0;
	}
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLRDHUP,
				 .data.u64 = ((uint64_t)EV_CLIENT << 32) | id};
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return fatal(r, "epoll_ctl: %s", strerror(errno));
	if (r->sc->has_connect_timeout)
		timer_push(r, a->start_ns + (int64_t)llround(r->sc->connect_timeout_s * 1e9),
			   T_CONNECT_TIMEOUT, id);
	sample_accept_queue(r);
	return 0;
}

static void client_event(struct run *r, size_t id, uint32_t events)
{
	struct kc_attempt *a = &r->res->attempts[id];
	int64_t now = now_ns(r);

	if (a->fd < 0)
		return; /* closed earlier in this batch */
	int e = sock_error(a->fd);
	if (a->connecting) {
		if (e != 0)
			attempt_failed(r, a, e, now);
		else if (events & EPOLLOUT)
			attempt_connected(r, id, now);
		return;
	}
	/* Held after connect: only errors and the peer's FIN are reported. */
	if (e == ECONNRESET || e == EPIPE) {
		a->outcome = KC_OUTCOME_RESET_AFTER_CONNECT;
		a->err = e;
		attempt_close(r, a, now);
	} else if (e != 0) {
		a->outcome = KC_OUTCOME_ERROR;
		a->err = e;
		note_unexpected(r, e);
		attempt_close(r, a, now);
	} else if (events & EPOLLHUP) {
		/* Both directions shut without an error: nothing more can arrive. */
		a->peer_closed = true;
		epoll_ctl(r->ep, EPOLL_CTL_DEL, a->fd, NULL);
	} else if (events & EPOLLRDHUP) {
		/* The server closed (FIN): keep holding, still watch for an RST. */
		struct epoll_event ev = {.events = 0,
					 .data.u64 = ((uint64_t)EV_CLIENT << 32) | id};
		a->peer_closed = true;
		epoll_ctl(r->ep, EPOLL_CTL_MOD, a->fd, &ev);
	}
}

/* ---- arrivals ------------------------------------------------------------- */

/* Plans the next arrival time into r->next_arrival (-1 when there is none). */
static void arrival_plan_next(struct run *r)
{
	const struct kc_scenario *sc = r->sc;
	int64_t t = -1;

	switch (sc->arrival) {
	case KC_ARRIVAL_CONSTANT:
		t = (int64_t)llround((double)r->arrival_k * 1e9 / sc->arrival_rate_per_s);
		break;
	case KC_ARRIVAL_POISSON: {
		int64_t prev = r->arrival_k == 0 ? 0 : r->next_arrival;
		double gap = gsl_ran_exponential(r->arrival_rng, 1.0 / sc->arrival_rate_per_s);
		t = prev + (int64_t)llround(gap * 1e9);
		break;
	}
	case KC_ARRIVAL_BURST:
		if (r->arrival_k < sc->burst_count)
			t = (int64_t)llround(sc->burst_at_s * 1e9);
		break;
	}
	r->arrival_k++;
	if (t < 0 || t >= r->arrivals_end) {
		r->next_arrival = -1;
		r->arrivals_done = true;
	} else {
		r->next_arrival = t;
	}
}

static void poll_ready(struct run *r);
static void filter_set(struct run *r, bool on);

static void arrivals_due(struct run *r)
{
	while (!r->done && r->next_arrival >= 0 && r->next_arrival <= now_ns(r)) {
		if (attempt_start(r) < 0)
			return;
		arrival_plan_next(r);
		poll_ready(r);
	}
	if (r->next_arrival >= 0)
		timer_push(r, r->next_arrival, T_ARRIVAL, 0);
}

/* ---- server --------------------------------------------------------------- */

static bool acceptor_can_accept(const struct run *r, int64_t now)
{
	switch (r->sc->acceptor) {
	case KC_ACCEPTOR_NEVER:
		return false;
	case KC_ACCEPTOR_RATE:
		return now >= r->next_accept_ok;
	case KC_ACCEPTOR_WORKERS:
		return r->nidle > 0;
	}
	return false;
}

static void listener_arm(struct run *r, bool want)
{
	struct epoll_event ev = {.events = want ? EPOLLIN : 0,
				 .data.u64 = (uint64_t)EV_LISTENER << 32};

	if (want == r->listen_armed)
		return;
	if (epoll_ctl(r->ep, EPOLL_CTL_MOD, r->lfd, &ev) < 0) {
		fatal(r, "epoll_ctl listener: %s", strerror(errno));
		return;
	}
	r->listen_armed = want;
}

/* Finds the attempt a server-side connection from `port` belongs to: the
 * latest attempt on that port not yet accepted, preferring one whose client
 * socket is known or seen (TCP_INFO) to be established. */
static long match_port(struct run *r, uint16_t port)
{
	long fallback = -1;

	for (long id = r->port_last[port]; id >= 0; id = r->res->attempts[id].prev_same_port) {
		struct kc_attempt *a = &r->res->attempts[id];
		if (a->accepted)
			continue;
		if (a->connect_ok)
			return id;
		if (a->connecting && a->fd >= 0) {
			struct tcp_info ti;
			socklen_t len = sizeof ti;
			if (getsockopt(a->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
			    ti.tcpi_state == TCP_ESTABLISHED)
				return id;
		}
		if (fallback < 0)
			fallback = id;
	}
	return fallback;
}

static double service_draw_ms(struct run *r)
{
	if (r->sc->service_exponential)
		return gsl_ran_exponential(r->service_rng, r->sc->service_ms);
	return r->sc->service_ms;
}

/* on_grid: called when the rate acceptor's gap ended (T_ACCEPT_READY): a
 * connection accepted now keeps the acceptor's schedule, so the next gap
 * counts from when this one ended, not from a late wake-up */
static void server_accept_at(struct run *r, bool on_grid)
{
	const struct kc_scenario *sc = r->sc;

	while (!r->done && acceptor_can_accept(r, now_ns(r))) {
		struct sockaddr_in peer;
		socklen_t len = sizeof peer;
		if (r->open_sockets >= r->max_open) {
			fatal(r, "more than %d sockets open at once (cap %d); lower the arrival "
				 "rate, hold_s or the workers' service time",
			      r->open_sockets, r->max_open);
			return;
		}
		int fd = accept4(r->lfd, (struct sockaddr *)&peer, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		int64_t now = now_ns(r);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fatal(r, "accept4: %s", strerror(errno));
			return;
		}
		r->open_sockets++;
		r->res->accepted++;
		long id = match_port(r, ntohs(peer.sin_port));
		if (id >= 0) {
			r->res->attempts[id].accepted = true;
			r->res->attempts[id].accepted_ns = now;
		} else {
			r->res->accepted_unmatched++;
		}
		if (sc->acceptor == KC_ACCEPTOR_RATE) {
			double gap = sc->accept_exponential
					     ? gsl_ran_exponential(r->service_rng,
								   1.0 / sc->accept_rate_per_s)
					     : 1.0 / sc->accept_rate_per_s;
			close(fd);
			r->open_sockets--;
			int64_t base = on_grid && r->next_accept_ok > 0 && r->next_accept_ok <= now ? r->next_accept_ok : now;
			on_grid = false;
			r->next_accept_ok = base + (int64_t)llround(gap * 1e9);
			if (r->next_accept_ok <= now)
				r->next_accept_ok = now + 1;
			timer_push(r, r->next_accept_ok, T_ACCEPT_READY, 0);
		} else {
			size_t w = r->idle[--r->nidle];
			r->worker_fd[w] = fd;
			timer_push(r, now + (int64_t)llround(service_draw_ms(r) * 1e6),
				   T_WORKER_DONE, w);
		}
		sample_accept_queue(r);
	}
	if (!r->done)
		listener_arm(r, acceptor_can_accept(r, now_ns(r)));
}

static void server_accept(struct run *r)
{
	server_accept_at(r, false);
}

/* ---- the listener's filter (faults[0]) ------------------------------------ */

/* A classic BPF program on the listening socket (SO_ATTACH_FILTER).  TCP runs
 * a socket's filter with the data at the TCP header (tcp_filter), for the
 * listener itself (SYNs, cookie ACKs) and for the segments of its requests
 * (tcp_v4_rcv, NEW_SYN_RECV); children copy it (sk_clone_lock), but none is
 * made from a dropped ACK.  Segments with SYN pass; the rest are dropped,
 * from every client or from source ports [lo, hi]. */
static void filter_set(struct run *r, bool on)
{
	const struct kc_scenario *sc = r->sc;
	if (on == r->filter_on)
		return;
	if (!on) {
		int zero = 0;
		if (setsockopt(r->lfd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof zero) < 0)
			fatal(r, "SO_DETACH_FILTER: %s", strerror(errno));
		r->filter_on = false;
		return;
	}
	uint32_t lo = (uint32_t)(KC_CLIENT_PORT_BASE + sc->filter_first);
	uint32_t hi = (uint32_t)(KC_CLIENT_PORT_BASE + sc->filter_last);
	struct sock_filter all[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),            /* flags */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x02, 1, 0), /* SYN: accept */
		BPF_STMT(BPF_RET | BPF_K, 0),                      /* drop */
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),            /* accept */
	};
	struct sock_filter ports[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),            /* flags */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x02, 4, 0), /* SYN: accept */
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0),             /* source port */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 2),     /* below lo: accept */
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, hi, 1, 0),     /* above hi: accept */
		BPF_STMT(BPF_RET | BPF_K, 0),                      /* drop */
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),            /* accept */
	};
	struct sock_fprog prog = {.len = sc->filter_ports ? 7 : 4, .filter = sc->filter_ports ? ports : all};
	if (setsockopt(r->lfd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) {
		fatal(r, "SO_ATTACH_FILTER: %s", strerror(errno));
		return;
	}
	r->filter_on = true;
}

/* ---- the application on its own thread(s) (kcheck.app_thread) -------------- */

static int app_record(struct app_thread *a, uint16_t port, int64_t t)
{
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 1024;
		struct acc_rec *nr = realloc(a->recs, ncap * sizeof *nr);
		if (nr == NULL)
			return -1;
		a->recs = nr;
		a->cap = ncap;
	}
	a->recs[a->n].port = port;
	a->recs[a->n].t = t;
	a->n++;
	return 0;
}

static void sleep_until(const struct run *r, int64_t t)
{
	int64_t abs_ns = r->t0 + t;
	struct timespec ts = {.tv_sec = abs_ns / NS_PER_S, .tv_nsec = abs_ns % NS_PER_S};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Waits for a connection and accepts it: returns the fd, or -1 when told to
 * stop or on an error (a->error set). */
static int app_accept(struct app_thread *a, uint16_t *port)
{
	struct run *r = a->r;
	while (!atomic_load(&r->app_stop)) {
		struct pollfd pfd = {.fd = r->lfd, .events = POLLIN};
		int n = poll(&pfd, 1, 5);
		if (n < 0 && errno != EINTR) {
			a->error = "poll";
			a->err = errno;
			return -1;
		}
		if (n <= 0)
			continue;
		struct sockaddr_in peer;
		socklen_t len = sizeof peer;
		int fd = accept4(r->lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
				continue;
			a->error = "accept4";
			a->err = errno;
			return -1;
		}
		*port = ntohs(peer.sin_port);
		return fd;
	}
	return -1;
}

static void *app_main(void *arg)
{
	struct app_thread *a = arg;
	struct run *r = a->r;
	const struct kc_scenario *sc = r->sc;
	int64_t next_ok = 0;

	while (!atomic_load(&r->app_stop)) {
		bool on_grid = false;
		if (sc->acceptor == KC_ACCEPTOR_RATE && next_ok > now_ns(r)) {
			sleep_until(r, next_ok);
			/* a connection already waiting when the gap ended keeps the
			 * schedule: the next gap counts from next_ok, not from a
			 * late wake-up */
			struct pollfd pfd = {.fd = r->lfd, .events = POLLIN};
			on_grid = poll(&pfd, 1, 0) == 1;
		}
		uint16_t port = 0;
		int fd = app_accept(a, &port);
		if (fd < 0)
			break;
		int64_t now = now_ns(r);
		if (app_record(a, port, now) < 0) {
			a->error = "out of memory (accepts)";
			close(fd);
			break;
		}
		if (sc->acceptor == KC_ACCEPTOR_RATE) {
			double gap = sc->accept_exponential
					     ? gsl_ran_exponential(a->rng, 1.0 / sc->accept_rate_per_s)
					     : 1.0 / sc->accept_rate_per_s;
			close(fd);
			int64_t base = on_grid && next_ok <= now ? next_ok : now;
			next_ok = base + (int64_t)llround(gap * 1e9);
		} else {
			double ms = sc->service_exponential ? gsl_ran_exponential(a->rng, sc->service_ms)
							    : sc->service_ms;
			sleep_until(r, now + (int64_t)llround(ms * 1e6));
			close(fd);
		}
	}
	return NULL;
}

static int apps_start(struct run *r)
{
	const struct kc_scenario *sc = r->sc;
	int n = sc->acceptor == KC_ACCEPTOR_WORKERS ? (int)sc->workers : 1;
	r->apps = calloc((size_t)n, sizeof *r->apps);
	if (r->apps == NULL)
		return fatal(r, "out of memory (threads)");
	r->napps = n;
	for (int i = 0; i < n; i++) {
		struct app_thread *a = &r->apps[i];
		a->r = r;
		a->index = i;
		a->rng = gsl_rng_alloc(gsl_rng_mt19937);
		if (a->rng == NULL)
			return fatal(r, "out of memory (rng)");
		gsl_rng_set(a->rng, (unsigned long)((sc->seed ^ 0x9e3779b97f4a7c15ULL) + (uint64_t)i));
	}
	for (int i = 0; i < n; i++) {
		int e = pthread_create(&r->apps[i].th, NULL, app_main, &r->apps[i]);
		if (e != 0)
			return fatal(r, "pthread_create: %s", strerror(e));
		r->apps[i].started = true;
	}
	return 0;
}

static int cmp_rec(const void *x, const void *y)
{
	const struct acc_rec *a = x, *b = y;
	return (a->t > b->t) - (a->t < b->t);
}

/* Joins the threads and matches every accept to its attempt: the latest
 * attempt on that port started before the accept and not yet matched,
 * preferring one that connected. */
static void apps_finish(struct run *r)
{
	size_t total = 0;
	atomic_store(&r->app_stop, 1);
	for (int i = 0; i < r->napps; i++) {
		struct app_thread *a = &r->apps[i];
		if (a->started)
			pthread_join(a->th, NULL);
		a->started = false;
		if (a->error && !r->failed)
			fatal(r, "application thread: %s: %s", a->error, strerror(a->err));
		total += a->n;
	}
	struct acc_rec *all = total ? malloc(total * sizeof *all) : NULL;
	size_t k = 0;
	for (int i = 0; i < r->napps && all; i++) {
		memcpy(all + k, r->apps[i].recs, r->apps[i].n * sizeof *all);
		k += r->apps[i].n;
	}
	if (total && !all) {
		fatal(r, "out of memory (accepts)");
		total = 0;
	}
	qsort(all, total, sizeof *all, cmp_rec);
	for (size_t i = 0; i < total; i++) {
		long best = -1, fallback = -1;
		r->res->accepted++;
		for (long id = r->port_last[all[i].port]; id >= 0; id = r->res->attempts[id].prev_same_port) {
			struct kc_attempt *at = &r->res->attempts[id];
			if (at->accepted || at->start_ns > all[i].t)
				continue;
			if (at->connect_ok && best < 0)
				best = id;
			if (fallback < 0)
				fallback = id;
		}
		if (best < 0)
			best = fallback;
		if (best >= 0) {
			r->res->attempts[best].accepted = true;
			r->res->attempts[best].accepted_ns = all[i].t;
		} else {
			r->res->accepted_unmatched++;
		}
	}
	free(all);
	for (int i = 0; i < r->napps; i++) {
		free(r->apps[i].recs);
		gsl_rng_free(r->apps[i].rng);
	}
	free(r->apps);
	r->apps = NULL;
	r->napps = 0;
}

/* ---- the loop ------------------------------------------------------------- */

static void run_timer(struct run *r, const struct kc_timer *t)
{
	struct kc_attempt *a;
	int64_t now = now_ns(r);

	switch ((enum timer_kind)t->kind) {
	case T_ARRIVAL:
		arrivals_due(r);
		break;
	case T_CONNECT_TIMEOUT:
		a = &r->res->attempts[t->id];
		if (a->connecting && a->fd >= 0) {
			a->connecting = false;
			a->outcome = KC_OUTCOME_CONNECT_TIMEOUT;
			a->failed_ns = now - a->start_ns;
			a->syns = read_syns(a->fd);
			attempt_close(r, a, now);
		}
		break;
	case T_HOLD_END:
		a = &r->res->attempts[t->id];
		if (!a->connecting && a->outcome == KC_OUTCOME_CONNECTED)
			attempt_close(r, a, now);
		break;
	case T_WORKER_DONE:
		if (r->worker_fd[t->id] >= 0) {
			close(r->worker_fd[t->id]);
			r->worker_fd[t->id] = -1;
			r->open_sockets--;
			r->idle[r->nidle++] = t->id;
			server_accept(r);
		}
		break;
	case T_ACCEPT_READY:
		server_accept_at(r, true);
		break;
	case T_SAMPLE:
		/* Sampled after the next epoll batch, so that a connect completing now
		 * is seen before the (slower) SYN-queue dump runs. */
		r->sample_due = true;
		timer_push(r, t->when + KC_SAMPLE_NS > now ? t->when + KC_SAMPLE_NS
							    : now + KC_SAMPLE_NS,
			   T_SAMPLE, 0);
		break;
	case T_DEADLINE:
		r->done = true;
		r->res->cut_by = r->deadline_reason;
		break;
	case T_FILTER_ON:
		filter_set(r, true);
		break;
	case T_FILTER_OFF:
		filter_set(r, false);
		break;
	}
}

static void check_all_ended(struct run *r)
{
	if (!r->done && r->arrivals_done && r->open_attempts == 0) {
		r->done = true;
		r->res->cut_by = "all_ended";
	}
}

static void dispatch(struct run *r, const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n && !r->done; i++) {
		uint32_t kind = (uint32_t)(evs[i].data.u64 >> 32);
		size_t id = (size_t)(evs[i].data.u64 & 0xffffffffu);
		uint64_t ticks;
		struct signalfd_siginfo si;
		switch (kind) {
		case EV_TIMER:
			if (read(r->tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
				fatal(r, "timerfd read: %s", strerror(errno));
			break;
		case EV_SIGNAL:
			if (read(r->sfd, &si, sizeof si) > 0) {
				r->done = true;
				r->res->cut_by = "signal";
				r->res->signal = (int)si.ssi_signo;
			}
			break;
		case EV_LISTENER:
			server_accept(r);
			break;
		case EV_CLIENT:
			client_event(r, id, evs[i].events);
			break;
		}
	}
}

/* Handles whatever is ready now without waiting: called between the connects
 * of a burst so that each completion is seen when it happens, not after the
 * whole burst was issued. */
static void poll_ready(struct run *r)
{
	struct epoll_event evs[64];
	int n = epoll_wait(r->ep, evs, (int)(sizeof evs / sizeof evs[0]), 0);

	if (n > 0)
		dispatch(r, evs, n);
}

static void loop(struct run *r)
{
	struct epoll_event evs[256];

	while (!r->done) {
		int64_t now = now_ns(r), when;
		while (!r->done && kc_timers_peek(&r->timers, &when) && when <= now) {
			struct kc_timer t = kc_timers_pop(&r->timers);
			run_timer(r, &t);
		}
		check_all_ended(r);
		if (r->done || timerfd_arm(r) < 0)
			break;
		int n = epoll_wait(r->ep, evs, (int)(sizeof evs / sizeof evs[0]), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal(r, "epoll_wait: %s", strerror(errno));
			break;
		}
		dispatch(r, evs, n);
		sample_accept_queue(r);
		if (r->sample_due) {
			int64_t now2 = now_ns(r);
			r->sample_due = false;
			if (now2 >= r->next_syn_sample) {
				sample_syn_queue(r);
				r->next_syn_sample = now2 + r->syn_interval;
			}
		}
		check_all_ended(r);
	}
	if (r->apps != NULL)
		atomic_store(&r->app_stop, 1);
	if (r->at_cut)
		r->at_cut(r->at_cut_ctx);
}

/* ---- setup and teardown --------------------------------------------------- */

static int raise_nofile(struct run *r)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return fatal(r, "getrlimit: %s", strerror(errno));
	rlim_t want = KC_MAX_SOCKETS + 64;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want
										  : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < 256)
		return fatal(r, "RLIMIT_NOFILE is %lu; kcheck needs at least 256",
			     (unsigned long)rl.rlim_cur);
	r->max_open = rl.rlim_cur >= want ? KC_MAX_SOCKETS : (int)rl.rlim_cur - 64;
	return 0;
}

static int setup(struct run *r, double max_wall_s)
{
	const struct kc_scenario *sc = r->sc;
	int one = 1;
	sigset_t mask;

	if (raise_nofile(r) < 0)
		return -1;
	for (size_t i = 0; i < 65536; i++)
		r->port_last[i] = -1;
	r->arrival_rng = gsl_rng_alloc(gsl_rng_mt19937);
	r->service_rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (r->arrival_rng == NULL || r->service_rng == NULL)
		return fatal(r, "out of memory (rng)");
	/* Two independent streams derived from the seed. */
	gsl_rng_set(r->arrival_rng, (unsigned long)sc->seed);
	gsl_rng_set(r->service_rng, (unsigned long)(sc->seed ^ 0x9e3779b97f4a7c15ULL));
	if (sc->acceptor == KC_ACCEPTOR_WORKERS) {
		r->worker_fd = malloc((size_t)sc->workers * sizeof *r->worker_fd);
		r->idle = malloc((size_t)sc->workers * sizeof *r->idle);
		if (r->worker_fd == NULL || r->idle == NULL)
			return fatal(r, "out of memory (workers)");
		for (long w = 0; w < sc->workers; w++) {
			r->worker_fd[w] = -1;
			r->idle[r->nidle++] = (size_t)(sc->workers - 1 - w);
		}
	}

	r->ep = epoll_create1(EPOLL_CLOEXEC);
	r->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->ep < 0 || r->tfd < 0)
		return fatal(r, "epoll/timerfd: %s", strerror(errno));
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, &r->oldmask) < 0)
		return fatal(r, "sigprocmask: %s", strerror(errno));
	r->mask_blocked = true;
	r->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sfd < 0)
		return fatal(r, "signalfd: %s", strerror(errno));
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)EV_TIMER << 32};
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->tfd, &ev) < 0)
		return fatal(r, "epoll_ctl timerfd: %s", strerror(errno));
	ev.data.u64 = (uint64_t)EV_SIGNAL << 32;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->sfd, &ev) < 0)
		return fatal(r, "epoll_ctl signalfd: %s", strerror(errno));

	r->server.sin_family = AF_INET;
	r->server.sin_port = htons(KC_PORT);
	r->server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->res->port = KC_PORT;
	r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->lfd < 0)
		return fatal(r, "listener socket: %s", strerror(errno));
	setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(r->lfd, (const struct sockaddr *)&r->server, sizeof r->server) < 0)
		return fatal(r, "bind 127.0.0.1:%d: %s", KC_PORT, strerror(errno));
	if (listen(r->lfd, (int)sc->backlog) < 0)
		return fatal(r, "listen(%ld): %s", sc->backlog, strerror(errno));
	ev.events = 0;
	ev.data.u64 = (uint64_t)EV_LISTENER << 32;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->lfd, &ev) < 0)
		return fatal(r, "epoll_ctl listener: %s", strerror(errno));
	r->open_sockets = 1;

	char derr[128];
	if (kc_diag_open(&r->diag, derr, sizeof derr) < 0)
		return fatal(r, "%s", derr);
	r->syn_interval = KC_SAMPLE_NS;
	r->res->max_syn_queue = -1;

	double limit_s = sc->duration_s + sc->drain_s;
	r->deadline_reason = "drain_s";
	if (max_wall_s < limit_s) {
		limit_s = max_wall_s;
		r->deadline_reason = "max_wall_s";
	}
	r->deadline = (int64_t)llround(limit_s * 1e9);
	r->arrivals_end = (int64_t)llround(sc->duration_s * 1e9);
	if (r->arrivals_end > r->deadline)
		r->arrivals_end = r->deadline;

	/* Time zero: everything above is ready. */
	r->t0 = mono_ns();
	timer_push(r, r->deadline, T_DEADLINE, 0);
	timer_push(r, 0, T_SAMPLE, 0);
	arrival_plan_next(r);
	if (r->next_arrival >= 0)
		timer_push(r, r->next_arrival, T_ARRIVAL, 0);
	if (sc->has_filter) {
		timer_push(r, (int64_t)llround(sc->filter_from_s * 1e9), T_FILTER_ON, 0);
		timer_push(r, (int64_t)llround(sc->filter_to_s * 1e9), T_FILTER_OFF, 0);
		if (sc->filter_from_s == 0)
			filter_set(r, true);
	}
	if (sc->acceptor != KC_ACCEPTOR_NEVER && sc->app_thread) {
		if (apps_start(r) < 0)
			return -1;
	} else if (sc->acceptor != KC_ACCEPTOR_NEVER) {
		listener_arm(r, true);
	}
	return r->failed ? -1 : 0;
}

static void teardown(struct run *r)
{
	int64_t now = r->t0 ? now_ns(r) : 0;

	if (r->apps != NULL)
		apps_finish(r);
	if (r->res->attempts != NULL) {
		for (size_t i = 0; i < r->res->n; i++) {
			struct kc_attempt *a = &r->res->attempts[i];
			if (a->connecting && a->fd >= 0) {
				a->outcome = KC_OUTCOME_IN_PROGRESS;
				a->syns = read_syns(a->fd);
			}
			attempt_close(r, a, now);
		}
	}
	if (r->worker_fd != NULL)
		for (long w = 0; w < r->sc->workers; w++)
			if (r->worker_fd[w] >= 0)
				close(r->worker_fd[w]);
	if (r->lfd >= 0)
		close(r->lfd);
	kc_diag_close(&r->diag);
	if (r->sfd >= 0)
		close(r->sfd);
	if (r->mask_blocked)
		sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
	if (r->tfd >= 0)
		close(r->tfd);
	if (r->ep >= 0)
		close(r->ep);
	gsl_rng_free(r->arrival_rng);
	gsl_rng_free(r->service_rng);
	free(r->worker_fd);
	free(r->idle);
	kc_timers_fini(&r->timers);
}

int kc_run(const struct kc_scenario *sc, double max_wall_s, void (*at_cut)(void *ctx),
	   void *ctx, struct kc_run_result *res, char *err, size_t errlen)
{
	struct run *r = calloc(1, sizeof *r);

	memset(res, 0, sizeof *res);
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->sc = sc;
	r->res = res;
	r->err = err;
	r->errlen = errlen;
	r->ep = r->tfd = r->sfd = r->lfd = -1;
	r->diag.fd = -1;
	r->at_cut = at_cut;
	r->at_cut_ctx = ctx;
	if (setup(r, max_wall_s) == 0)
		loop(r);
	int64_t end = r->t0 ? now_ns(r) : 0;
	res->wall_s = (double)end / 1e9;
	teardown(r);

	res->syn_interval_ms = (double)r->syn_interval / 1e6;
	res->syn_sample_cost_us = r->syn_cost_n ? r->syn_cost_total_us / (double)r->syn_cost_n : 0;
	if (res->max_syn_queue < 0)
		res->max_syn_queue = 0;
	snprintf(res->queue_sampling, sizeof res->queue_sampling,
		 "accept queue: getsockopt TCP_INFO tcpi_unacked on the listener every 1 ms, "
		 "after every connect/accept and every event-loop turn; SYN queue: "
		 "sock_diag inet_diag dump counting SYN_RECV|NEW_SYN_RECV every %g ms",
		 res->syn_interval_ms);
	bool failed = r->failed;
	free(r);
	if (failed) {
		kc_run_result_fini(res);
		return -1;
	}
	return 0;
}

void kc_run_result_fini(struct kc_run_result *res)
{
	free(res->attempts);
	res->attempts = NULL;
	res->n = 0;
}
