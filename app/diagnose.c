/* diagnose.c: from measured connect times to the SYN schedule and the cause
 * (diagnose.h). */
#include "app/diagnose.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/profile.h"
#include "models/world.h"
#include "app/compare.h"
#include "app/config.h"
#include "app/report.h"
#include "app/util/jsonread.h"

/* ---- families: the SYN schedules of the profiles --------------------------- */

static const struct {
	enum diag_family_id id;
	const char *name, *profile;
	int linear;
	const char *kernels;
} fam_table[DIAG_FAM_COUNT] = {
    {DIAG_FAM_EXPONENTIAL, "exponential", "linux-6.18", 0,
     "3.10 to 6.4, or 6.5 and later with tcp_syn_linear_timeouts 0 (1 s initial RTO, doubling)"},
    {DIAG_FAM_LINEAR, "linear", "linux-6.18", 4,
     "6.5 and later (tcp_syn_linear_timeouts 4: four retransmits 1 s apart, then doubling)"},
    {DIAG_FAM_OLD, "old", "linux-2.6.32", 0, "2.6.32 and older (3 s initial RTO, doubling)"},
};

/* the latest a timer armed for `delay` can fire after it is due, over every
 * phase of `now` (profile_timer_fire rounds up to the wheel's granule) */
static sim_time_ns max_late(const struct kernel_rules *r, sim_time_ns delay)
{
	if (!r->timer_wheel || r->hz <= 0)
		return 0;
	sim_time_ns jiffy = SIM_NS_PER_S / r->hz, worst = 0;
	for (int j = 0; j < 4096; j++) {
		sim_time_ns now = (sim_time_ns)j * jiffy + jiffy / 2;
		sim_time_ns late = profile_timer_fire(r, now, delay) - (now + delay);
		if (late > worst)
			worst = late;
	}
	return worst;
}

int diag_family_build(enum diag_family_id id, struct diag_family *f)
{
	memset(f, 0, sizeof(*f));
	const struct kernel_rules *r = profile_find(fam_table[id].profile);
	if (!r)
		return -1;
	f->id = id;
	f->name = fam_table[id].name;
	f->profile = fam_table[id].profile;
	f->linear = fam_table[id].linear;
	f->kernels = fam_table[id].kernels;
	/* the nominal schedule from models/ (syn_schedule: initial RTO, linear
	 * timeouts, doubling); each timer can fire up to max_late after it is
	 * due, and the lateness adds up over the retransmits */
	struct syn_schedule sch;
	syn_schedule_init(&sch, r, DIAG_MAX_SYNS + 8, f->linear, SIM_TIME_NEVER, false);
	sim_time_ns prev = 0, late = 0, at = 0;
	f->at_s[0] = 0;
	f->n = 1;
	while (f->n < DIAG_MAX_SYNS && syn_schedule_next(&sch, &at) == SYN_RETRANSMIT) {
		late += max_late(r, at - prev);
		prev = at;
		f->at_s[f->n] = (double)at / 1e9;
		f->late_s[f->n] = (double)late / 1e9;
		f->n++;
	}
	for (int retries = 1; retries <= DIAG_MAX_RETRIES; retries++) {
		syn_schedule_init(&sch, r, retries, f->linear, SIM_TIME_NEVER, false);
		sim_time_ns p0 = 0, ll = 0, t = 0;
		enum syn_event ev;
		while ((ev = syn_schedule_next(&sch, &t)) == SYN_RETRANSMIT) {
			ll += max_late(r, t - p0);
			p0 = t;
		}
		ll += max_late(r, t - p0); /* the give-up timer */
		f->fail_s[retries] = (double)t / 1e9;
		f->fail_late_s[retries] = (double)ll / 1e9;
	}
	return 0;
}

/* ---- causes ------------------------------------------------------------------ */

static const struct {
	const char *name, *text;
} cause_table[DIAG_CAUSE_COUNT] = {
    {"accept_queue_full", "the accept queue is full: the application accepts too slowly, and the kernel drops SYNs "
                          "(and final ACKs) that meet it"},
    {"young_drops", "the accept queue is full on an old kernel: SYNs are dropped only while young requests are "
                    "queued, so some get through in bursts tied to other requests' SYN-ACK timers"},
    {"syn_queue_full", "the SYN queue is full with syncookies off: SYNs are dropped until requests leave it"},
    {"path_loss", "segments are lost on the path: each SYN (or SYN-ACK) is lost independently"},
    {"syn_flood", "a SYN flood: spoofed SYNs fill the SYN queue (cookies off) and real SYNs are dropped until "
                  "the flood's requests expire"},
};

const char *diag_cause_name(enum diag_cause c)
{
	return c < DIAG_CAUSE_COUNT ? cause_table[c].name : "?";
}

const char *diag_cause_text(enum diag_cause c)
{
	return c < DIAG_CAUSE_COUNT ? cause_table[c].text : "?";
}

int diag_cause_parse(const char *s)
{
	for (int i = 0; i < DIAG_CAUSE_COUNT; i++)
		if (strcmp(s, cause_table[i].name) == 0)
			return i;
	return -1;
}

/* ---- input ------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static const char *const error_names[DIAG_ERR_COUNT] = {"ETIMEDOUT", "ECONNREFUSED", "connect_timeout", "other"};

/* "# failed ERROR COUNT [AT_MS]" lines of a durations file */
static int read_failed_lines(struct diag_input *in, const char *text, char *msg, size_t n)
{
	int line = 0;
	for (const char *p = text; *p; line++) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char buf[512];
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, p, len);
		buf[len] = '\0';
		p = e ? e + 1 : p + strlen(p);
		char *q = buf;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '#')
			continue;
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "failed", 6) != 0 || !isspace((unsigned char)q[6]))
			continue;
		char err[64];
		double count = 0, at = NAN;
		int got = sscanf(q + 6, "%63s %lf %lf", err, &count, &at);
		if (got < 2 || !(count >= 0) || !isfinite(count)) {
			snprintf(msg, n, "%s: line %d: expected \"# failed ERROR COUNT [AT_MS]\", got \"%s\"", in->label, line + 1,
			         buf);
			return -1;
		}
		int k = DIAG_EOTHER;
		for (int i = 0; i < DIAG_ERR_COUNT; i++)
			if (strcmp(err, error_names[i]) == 0)
				k = i;
		in->failed[k] += count;
		if (k == DIAG_ETIMEDOUT && got == 3 && at >= 0)
			in->fail_ms = at;
	}
	return 0;
}

static double num_at(const cJSON *doc, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, a);
	const cJSON *v = b ? cJSON_GetObjectItemCaseSensitive(o, b) : o;
	if (cJSON_IsObject(v))
		v = cJSON_GetObjectItemCaseSensitive(v, "mean"); /* merged documents */
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int diag_input_load(struct diag_input *in, const char *path, char *msg, size_t n)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->label, sizeof(in->label), "%s", path);
	in->fail_ms = NAN;
	in->flood_syns = in->max_accept_queue = in->max_syn_queue = in->accepted = in->never_accepted = NAN;
	struct cmp_side s;
	if (cmp_side_load(&s, path, msg, n) < 0)
		return -1;
	int rc = -1;
	struct jr jr;
	jr_init(&jr, path);
	size_t len = 0;
	char *text = jr_read_file(&jr, path, &len);
	if (!text) {
		snprintf(msg, n, "%s", jr.msg);
		goto out;
	}
	if (s.kind == CMP_DURATIONS) {
		in->values = malloc((s.n_values ? s.n_values : 1) * sizeof(double));
		if (!in->values)
			goto oom;
		memcpy(in->values, s.values, s.n_values * sizeof(double));
		in->n_values = s.n_values;
		if (read_failed_lines(in, text, msg, n) < 0)
			goto out;
	} else {
		in->is_summary = true;
		if (!s.has_bins) {
			snprintf(msg, n, "%s: connect_time_ms.histogram.bins: expected the histogram of one run (a summary.json), "
			                 "got a document without bins",
			         path);
			goto out;
		}
		in->bin_ms = s.hist.bin_ms;
		size_t total = 0;
		for (size_t i = 0; i < s.hist.n; i++)
			total += (size_t)s.hist.count[i];
		in->values = malloc((total ? total : 1) * sizeof(double));
		if (!in->values)
			goto oom;
		for (size_t i = 0; i < s.hist.n; i++)
			for (size_t k = 0; k < (size_t)s.hist.count[i]; k++)
				in->values[in->n_values++] = s.hist.lower_ms[i] + s.hist.bin_ms / 2;
		in->failed[DIAG_ETIMEDOUT] = isnan(s.outcomes[OUTCOME_TIMED_OUT]) ? 0 : s.outcomes[OUTCOME_TIMED_OUT];
		in->failed[DIAG_ECONNREFUSED] = isnan(s.outcomes[OUTCOME_REFUSED]) ? 0 : s.outcomes[OUTCOME_REFUSED];
		in->failed[DIAG_ECONNTIMEOUT] =
		    isnan(s.outcomes[OUTCOME_CONNECT_TIMEOUT]) ? 0 : s.outcomes[OUTCOME_CONNECT_TIMEOUT];
		double lo = cmp_counter(&s, "ListenOverflows");
		in->has_counters = !isnan(lo);
		in->listen_overflows = isnan(lo) ? 0 : lo;
		double v = cmp_counter(&s, "TCPReqQFullDrop");
		in->reqq_full_drop = isnan(v) ? 0 : v;
		v = cmp_counter(&s, "TCPReqQFullDoCookies");
		in->reqq_full_cookies = isnan(v) ? 0 : v;
		v = cmp_counter(&s, "SyncookiesSent");
		in->cookies_sent = isnan(v) ? 0 : v;
		in->max_accept_queue = s.server[CMP_SV_MAX_ACCEPT_QUEUE];
		in->max_syn_queue = s.server[CMP_SV_MAX_SYN_QUEUE];
		in->accepted = s.server[CMP_SV_ACCEPTED];
		in->never_accepted = s.server[CMP_SV_CONNECTED_NEVER_ACCEPTED];
		cJSON *doc = cJSON_Parse(text);
		if (doc) {
			in->fail_ms = num_at(cJSON_GetObjectItemCaseSensitive(doc, "run"), "timed_out_ms", "p50");
			in->flood_syns = num_at(doc, "clients", "flood_syns");
			const cJSON *sc = cJSON_GetObjectItemCaseSensitive(doc, "scenario");
			if (cJSON_IsObject(sc))
				in->scenario = cJSON_Duplicate(sc, true);
			cJSON_Delete(doc);
		}
	}
	qsort(in->values, in->n_values, sizeof(double), cmp_double);
	if (in->n_values == 0 && diag_input_total(in) == 0) {
		snprintf(msg, n, "%s: expected connect times or failed connects, got none", path);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	snprintf(msg, n, "%s: out of memory", path);
out:
	free(text);
	cmp_side_fini(&s);
	if (rc < 0)
		diag_input_fini(in);
	return rc;
}

void diag_input_fini(struct diag_input *in)
{
	free(in->values);
	cJSON_Delete(in->scenario);
	in->values = NULL;
	in->scenario = NULL;
	in->n_values = 0;
}

double diag_input_total(const struct diag_input *in)
{
	double t = (double)in->n_values;
	for (int i = 0; i < DIAG_ERR_COUNT; i++)
		t += in->failed[i];
	return t;
}

/* ---- analysis ------------------------------------------------------------------ */

/* two neighbouring values belong to one spike when closer than this (ms):
 * timer rounding spreads a spike at t over up to about t/8 */
static double spike_gap_ms(double t_ms, double bin_ms)
{
	double g = fmax(40, 0.05 * t_ms);
	return g + bin_ms;
}

static void find_spikes(const struct diag_input *in, struct diag_result *r)
{
	size_t i = 0;
	while (i < in->n_values && r->n_spikes < DIAG_MAX_SPIKES) {
		size_t j = i + 1;
		while (j < in->n_values && in->values[j] - in->values[j - 1] <= spike_gap_ms(in->values[j - 1], in->bin_ms))
			j++;
		struct diag_spike *s = &r->spikes[r->n_spikes++];
		s->lo_ms = in->values[i];
		s->hi_ms = in->values[j - 1];
		s->median_ms = in->values[i + (j - i) / 2];
		s->count = (double)(j - i);
		i = j;
	}
}

/* the SYN (0-based) whose send time explains a connect at t_ms, or -1 */
static int syn_of(const struct diag_family *f, double t_ms, double rtt_ms, double bin_ms)
{
	double t = (t_ms - rtt_ms) / 1e3;
	double slack = 0.03 + bin_ms / 1e3;
	if (t < f->at_s[1] / 2)
		return 0;
	int best = -1;
	for (int k = 1; k < f->n; k++) {
		double lo = f->at_s[k] - slack;
		double hi = f->at_s[k] + f->late_s[k] + slack + 0.03 * f->at_s[k];
		if (t >= lo && t <= hi)
			best = k;
	}
	return best;
}

static int match_retries(const struct diag_family *f, double fail_ms, double rtt_ms)
{
	if (isnan(fail_ms))
		return -1;
	double t = (fail_ms - rtt_ms) / 1e3;
	for (int r = 1; r <= DIAG_MAX_RETRIES; r++)
		if (t >= f->fail_s[r] - 0.05 && t <= f->fail_s[r] + f->fail_late_s[r] + 0.05 + 0.03 * f->fail_s[r])
			return r;
	return -1;
}

static void evidence(struct diag_cause_rank *c, double delta, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void evidence(struct diag_cause_rank *c, double delta, const char *fmt, ...)
{
	c->score += delta;
	if (c->n_evidence == (int)(sizeof(c->evidence) / sizeof(c->evidence[0])))
		return;
	char *b = c->evidence[c->n_evidence++];
	int k = snprintf(b, sizeof(c->evidence[0]), "%s ", delta > 0 ? "for:" : delta < 0 ? "against:" : "note:");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b + k, sizeof(c->evidence[0]) - (size_t)k, fmt, ap);
	va_end(ap);
}

static int cmp_rank(const void *a, const void *b)
{
	const struct diag_cause_rank *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (int)x->cause - (int)y->cause;
}

static void rank_causes(const struct diag_input *in, struct diag_result *r)
{
	double total = diag_input_total(in);
	double f1 = r->n_by_syn > 0 ? r->by_syn[0] : 0;
	double later = 0;
	for (int k = 1; k < r->n_by_syn; k++)
		later += r->by_syn[k];
	bool modern = r->family == DIAG_FAM_LINEAR || r->family == DIAG_FAM_EXPONENTIAL;
	bool old = r->family == DIAG_FAM_OLD;
	for (int c = 0; c < DIAG_CAUSE_COUNT; c++) {
		memset(&r->causes[c], 0, sizeof(r->causes[c]));
		r->causes[c].cause = (enum diag_cause)c;
	}
	struct diag_cause_rank *aq = &r->causes[DIAG_ACCEPT_QUEUE_FULL], *yd = &r->causes[DIAG_YOUNG_DROPS],
	                       *sq = &r->causes[DIAG_SYN_QUEUE_FULL], *pl = &r->causes[DIAG_PATH_LOSS],
	                       *fl = &r->causes[DIAG_SYN_FLOOD];

	/* the family */
	if (old) {
		evidence(yd, 2, "the schedule is the old 3 s family: a kernel of that age answers SYNs while at most one "
		                "young request is queued");
		evidence(aq, -1, "the schedule is the old 3 s family: on those kernels a full accept queue does not drop "
		                 "every SYN");
	} else if (modern) {
		evidence(yd, -2, "the schedule (%s) is a modern kernel's, where a full accept queue drops every SYN",
		         r->fam[r->family].name);
		evidence(aq, 0.5, "the schedule (%s) is a modern kernel's: a full accept queue drops every SYN",
		         r->fam[r->family].name);
	}

	/* the shape: independent drops make a geometric law */
	if (later > 0.005 || r->failed_frac > 0) {
		double fit = 1 - fmin(1, r->geometric_err / 0.3);
		if (r->geometric_err < 0.1)
			evidence(pl, 1.5 * fit,
			         "the attempts spread over the SYNs like independent drops with probability %.3g (a geometric "
			         "law, off by %.3g in all)",
			         r->geometric_q, r->geometric_err);
		else
			evidence(pl, 1.5 * fit - 0.5,
			         "the spread over the SYNs is not geometric (off by %.3g): drops come in runs, not one by one",
			         r->geometric_err);
		if (f1 > 0.5)
			evidence(pl, 0.5, "%.1f%% connect on the first SYN: a loss rate of a few percent to tens of percent",
			         100 * f1);
		else
			evidence(pl, -0.5, "only %.1f%% connect on the first SYN: the path would lose most segments", 100 * f1);
		if (r->geometric_err >= 0.15 && r->gap_syns == 0 && later > 0.05)
			evidence(aq, 1,
			         "retransmitted SYNs get through in waves, %.1f%% after the first SYN: the queue drains "
			         "between them",
			         100 * later);
	}
	if (later < 0.01 && r->failed_frac > 0.2) {
		evidence(aq, 1.5,
		         "%.0f connected at once and %.1f%% of the attempts failed after every SYN, none on a retransmit: "
		         "the queue stayed full (an application that stopped accepting; N + 1 = %.0f?)",
		         f1 * total, 100 * r->failed_frac, f1 * total);
		evidence(pl, -1, "no retransmitted SYN ever got through, which loss would allow");
	}
	if (r->gap_syns >= 2 && later > 0.05) {
		evidence(fl, 1.5,
		         "%d SYNs in the middle of the schedule connected nobody, then many connected at once: every SYN "
		         "was dropped for a stretch of time, then all got through",
		         r->gap_syns);
		evidence(sq, 0.5, "%d SYNs connected nobody, then many at once: the SYN queue was full for a while",
		         r->gap_syns);
		evidence(pl, -0.5 * r->gap_syns, "%d SYNs in the middle connected nobody, which independent loss would not do",
		         r->gap_syns);
	}

	/* counters */
	if (in->has_counters) {
		if (in->listen_overflows > 0) {
			evidence(aq, 2, "ListenOverflows %.0f: SYNs and final ACKs met a full accept queue", in->listen_overflows);
			evidence(yd, 0.5, "ListenOverflows %.0f: the accept queue was full", in->listen_overflows);
			evidence(pl, -1.5, "ListenOverflows %.0f: the listener dropped segments itself", in->listen_overflows);
		} else {
			evidence(aq, -2, "ListenOverflows is 0: nothing met a full accept queue");
			evidence(yd, -1, "ListenOverflows is 0");
		}
		if (in->reqq_full_drop > 0) {
			evidence(sq, 2, "TCPReqQFullDrop %.0f: SYNs dropped for a full SYN queue (cookies off)",
			         in->reqq_full_drop);
			evidence(fl, 1, "TCPReqQFullDrop %.0f: the SYN queue was full", in->reqq_full_drop);
			evidence(pl, -1.5, "TCPReqQFullDrop %.0f: the listener dropped SYNs itself", in->reqq_full_drop);
		} else {
			evidence(sq, -2, "TCPReqQFullDrop is 0: no SYN was dropped for a full SYN queue");
			if (in->reqq_full_cookies == 0)
				evidence(fl, -2, "TCPReqQFullDrop and TCPReqQFullDoCookies are 0: the SYN queue never filled");
		}
		if (in->listen_overflows == 0 && in->reqq_full_drop == 0 && (later > 0 || r->failed_frac > 0))
			evidence(pl, 1.5, "no queue counter moved, yet SYNs were retransmitted: they were lost before the "
			                  "listener");
		if (in->flood_syns > 0)
			evidence(fl, 2, "%.0f spoofed SYNs (clients.flood_syns)", in->flood_syns);
		else if (in->flood_syns == 0)
			evidence(fl, -1, "no spoofed SYNs (clients.flood_syns is 0)");
		if (in->never_accepted > 0 && old)
			evidence(yd, 0.5, "%.0f clients connected that the server never accepted", in->never_accepted);
	} else {
		evidence(sq, 0, "no counters in a durations file: TCPReqQFullDrop would tell a full SYN queue apart");
	}
	qsort(r->causes, DIAG_CAUSE_COUNT, sizeof(r->causes[0]), cmp_rank);
}

int diag_analyse(const struct diag_input *in, struct diag_result *r)
{
	memset(r, 0, sizeof(*r));
	r->family = -1;
	r->retries = -1;
	for (int f = 0; f < DIAG_FAM_COUNT; f++)
		if (diag_family_build((enum diag_family_id)f, &r->fam[f]) < 0)
			return -1;
	find_spikes(in, r);
	/* the round trip: the first spike, when it is a first-SYN one */
	if (r->n_spikes && r->spikes[0].lo_ms < 400)
		r->rtt_ms = fmax(0, r->spikes[0].median_ms - in->bin_ms / 2);
	double connected = (double)in->n_values;
	double total = diag_input_total(in);

	/* score each family */
	int best = -1;
	bool any_retx = false;
	for (int f = 0; f < DIAG_FAM_COUNT; f++) {
		const struct diag_family *fa = &r->fam[f];
		double explained = 0, retx = 0;
		bool seen[DIAG_MAX_SYNS] = {false};
		int kmax = 0;
		for (size_t i = 0; i < r->n_spikes; i++) {
			int k = syn_of(fa, r->spikes[i].lo_ms, r->rtt_ms, in->bin_ms);
			if (k == 0)
				continue; /* every family explains the first SYN */
			retx += r->spikes[i].count;
			if (k < 0)
				continue;
			explained += r->spikes[i].count;
			seen[k] = true;
			if (k > kmax)
				kmax = k;
			any_retx = true;
		}
		int missing = 0;
		for (int k = 1; k < kmax; k++)
			missing += !seen[k];
		double s = retx > 0 ? explained / retx : 0;
		s -= 0.1 * missing;
		int rt = match_retries(fa, in->fail_ms, r->rtt_ms);
		if (!isnan(in->fail_ms))
			s += rt > 0 ? 0.5 : -0.5;
		r->family_score[f] = s;
	}
	for (int f = 0; f < DIAG_FAM_COUNT; f++)
		if (best < 0 || r->family_score[f] > r->family_score[best] + 1e-9)
			best = f;
	if (any_retx || !isnan(in->fail_ms)) {
		r->family = best;
		r->retries = match_retries(&r->fam[best], in->fail_ms, r->rtt_ms);
		int second = -1;
		for (int f = 0; f < DIAG_FAM_COUNT; f++)
			if (f != best && (second < 0 || r->family_score[f] > r->family_score[second]))
				second = f;
		snprintf(r->family_why, sizeof(r->family_why),
		         "score %.2f against %.2f for %s (the share of the connects on retransmitted SYNs that its send "
		         "times explain, less 0.1 per send time with nothing before a later one%s)",
		         r->family_score[best], r->family_score[second], r->fam[second].name,
		         isnan(in->fail_ms) ? "" : ", and +-0.5 for the ETIMEDOUT time");
	} else {
		snprintf(r->family_why, sizeof(r->family_why),
		         "nothing connected on a retransmitted SYN and no ETIMEDOUT time was given: the spikes cannot tell "
		         "the families apart");
	}

	/* fractions per SYN, on the chosen family (or the linear one, to say something) */
	const struct diag_family *fa = &r->fam[r->family >= 0 ? r->family : DIAG_FAM_LINEAR];
	double unexplained = 0;
	r->n_by_syn = 1;
	for (size_t i = 0; i < in->n_values; i++) {
		int k = syn_of(fa, in->values[i], r->rtt_ms, in->bin_ms);
		if (k < 0) {
			unexplained++;
			continue;
		}
		r->by_syn[k] += 1;
		if (k + 1 > r->n_by_syn)
			r->n_by_syn = k + 1;
	}
	for (int k = 0; k < r->n_by_syn; k++) {
		r->by_syn[k] /= total > 0 ? total : 1;
		if (k > 0 && r->by_syn[k] == 0)
			r->gap_syns++;
	}
	for (size_t i = 0; i < r->n_spikes; i++) {
		int k = syn_of(fa, r->spikes[i].lo_ms, r->rtt_ms, in->bin_ms);
		r->spikes[i].syn = k >= 0 ? k + 1 : 0;
	}
	r->unexplained = connected > 0 ? unexplained / connected : 0;
	r->failed_frac = total > 0 ? (total - connected) / total : 0;

	/* the geometric law with the same first-SYN share: q = 1 - f1 */
	double q = 1 - r->by_syn[0];
	r->geometric_q = q;
	double err = 0, g = 1 - q;
	int kmax = r->n_by_syn;
	if (r->failed_frac > 0 && r->retries > 0 && r->retries + 1 > kmax)
		kmax = r->retries + 1 < DIAG_MAX_SYNS ? r->retries + 1 : DIAG_MAX_SYNS;
	double tail = 1;
	for (int k = 0; k < kmax; k++) {
		err += fabs(r->by_syn[k] - g);
		tail -= g;
		g *= q;
	}
	if (r->failed_frac > 0)
		err += fabs(r->failed_frac - fmax(0, tail));
	r->geometric_err = err;
	rank_causes(in, r);
	return 0;
}

/* ---- JSON ------------------------------------------------------------------------ */

cJSON *diag_result_json(const struct diag_input *in, const struct diag_result *r)
{
	cJSON *d = cJSON_CreateObject();
	if (!d)
		return NULL;
	cJSON_AddStringToObject(d, "tool", "tcpqsim");
	cJSON_AddStringToObject(d, "kind", "diagnosis");
	cJSON_AddStringToObject(d, "input", in->label);
	cJSON_AddNumberToObject(d, "connected", (double)in->n_values);
	cJSON_AddNumberToObject(d, "failed", diag_input_total(in) - (double)in->n_values);
	cJSON_AddNumberToObject(d, "rtt_ms", report_round(r->rtt_ms, 3));
	cJSON *sp = cJSON_AddArrayToObject(d, "spikes");
	for (size_t i = 0; i < r->n_spikes; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddNumberToObject(s, "from_ms", report_round(r->spikes[i].lo_ms, 3));
		cJSON_AddNumberToObject(s, "median_ms", report_round(r->spikes[i].median_ms, 3));
		cJSON_AddNumberToObject(s, "to_ms", report_round(r->spikes[i].hi_ms, 3));
		cJSON_AddNumberToObject(s, "count", r->spikes[i].count);
		if (r->spikes[i].syn > 0)
			cJSON_AddNumberToObject(s, "syn", r->spikes[i].syn);
		else
			cJSON_AddNullToObject(s, "syn");
		cJSON_AddItemToArray(sp, s);
	}
	if (r->family >= 0) {
		const struct diag_family *f = &r->fam[r->family];
		cJSON *fo = cJSON_AddObjectToObject(d, "family");
		cJSON_AddStringToObject(fo, "name", f->name);
		cJSON_AddStringToObject(fo, "kernels", f->kernels);
		cJSON *at = cJSON_AddArrayToObject(fo, "syn_at_s");
		for (int k = 0; k < 8 && k < f->n; k++)
			cJSON_AddItemToArray(at, cJSON_CreateNumber(report_round(f->at_s[k], 6)));
		if (r->retries > 0)
			cJSON_AddNumberToObject(fo, "tcp_syn_retries", r->retries);
		else
			cJSON_AddNullToObject(fo, "tcp_syn_retries");
	} else {
		cJSON_AddNullToObject(d, "family");
	}
	cJSON *fs = cJSON_AddObjectToObject(d, "family_scores");
	for (int f = 0; f < DIAG_FAM_COUNT; f++)
		cJSON_AddNumberToObject(fs, r->fam[f].name, report_round(r->family_score[f], 4));
	cJSON *bs = cJSON_AddArrayToObject(d, "connected_by_syn_frac");
	for (int k = 0; k < r->n_by_syn; k++)
		cJSON_AddItemToArray(bs, cJSON_CreateNumber(report_round(r->by_syn[k], 6)));
	cJSON_AddNumberToObject(d, "failed_frac", report_round(r->failed_frac, 6));
	cJSON_AddNumberToObject(d, "unexplained_frac", report_round(r->unexplained, 6));
	cJSON *cs = cJSON_AddArrayToObject(d, "causes");
	for (int i = 0; i < DIAG_CAUSE_COUNT; i++) {
		const struct diag_cause_rank *c = &r->causes[i];
		cJSON *co = cJSON_CreateObject();
		cJSON_AddStringToObject(co, "cause", diag_cause_name(c->cause));
		cJSON_AddNumberToObject(co, "score", report_round(c->score, 4));
		cJSON *ev = cJSON_AddArrayToObject(co, "evidence");
		for (int k = 0; k < c->n_evidence; k++)
			cJSON_AddItemToArray(ev, cJSON_CreateString(c->evidence[k]));
		cJSON_AddItemToArray(cs, co);
	}
	return d;
}
