/* diagnose_fit.c: the candidate scenario of a cause and the fit of its free
 * parameters by simulation (diagnose.h). */
#include "app/diagnose.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/profile.h"
#include "models/world.h"
#include "app/compare.h"
#include "app/config.h"
#include "app/report.h"
#include "app/util/jsonread.h"

/* ---- candidate scenarios --------------------------------------------------------- */

static const cJSON *path_get(const cJSON *doc, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, a);
	return b ? cJSON_GetObjectItemCaseSensitive(o, b) : o;
}

/* the clients' arrival rate and window the candidate uses */
static void arrivals_of(const struct diag_input *in, const struct diag_opts *o, double *rate, double *duration)
{
	*rate = o->rate_per_s > 0 ? o->rate_per_s : 100;
	double n = diag_input_total(in);
	*duration = o->duration_s > 0 ? o->duration_s : fmax(1, n / *rate);
	const cJSON *sc = in->scenario;
	if (sc && o->rate_per_s <= 0) {
		const cJSON *ar = path_get(path_get(sc, "clients", NULL), "arrival", NULL);
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(ar, "rate_per_s");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(sc, "duration_s");
		if (cJSON_IsNumber(r))
			*rate = r->valuedouble;
		if (cJSON_IsNumber(d) && o->duration_s <= 0)
			*duration = d->valuedouble;
	}
}

size_t diag_fit_params(const struct diag_input *in, enum diag_cause cause, const struct diag_opts *o,
                       struct diag_param *out, size_t max)
{
	double rate, dur;
	arrivals_of(in, o, &rate, &dur);
	size_t n = 0;
	switch (cause) {
	case DIAG_ACCEPT_QUEUE_FULL:
	case DIAG_YOUNG_DROPS:
		if (n < max)
			out[n++] = (struct diag_param){"server.acceptor.rate_per_s", rate * 0.5, rate * 0.001, rate * 2, false, true};
		/* a measured peak of the accept queue is N + 1: the backlog is known */
		if (n < max && !(in->max_accept_queue >= 1))
			out[n++] = (struct diag_param){"server.backlog", 16, 1, 1024, true, true};
		break;
	case DIAG_PATH_LOSS:
		if (n < max)
			out[n++] = (struct diag_param){"network.loss", 0.05, 0.002, 0.6, false, true};
		break;
	case DIAG_SYN_QUEUE_FULL:
	case DIAG_SYN_FLOOD:
		if (n < max)
			out[n++] = (struct diag_param){"flood.rate_per_s", 1000, 50, 50000, false, true};
		if (n < max)
			out[n++] = (struct diag_param){"flood.length_s", dur / 2, dur / 20, dur, false, true};
		break;
	case DIAG_CAUSE_COUNT:
		break;
	}
	return n;
}

static void add_num(cJSON *o, const char *k, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	cJSON_AddNumberToObject(o, k, v);
}

static cJSON *obj(cJSON *parent, const char *k)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, k);
	if (!cJSON_IsObject(o)) {
		cJSON_DeleteItemFromObjectCaseSensitive(parent, k);
		o = cJSON_AddObjectToObject(parent, k);
	}
	return o;
}

cJSON *diag_candidate(const struct diag_input *in, const struct diag_result *res, enum diag_cause cause,
                      const struct diag_opts *o, const double *p)
{
	double rate, dur;
	arrivals_of(in, o, &rate, &dur);
	const struct diag_family *fa = &res->fam[res->family >= 0 ? res->family : DIAG_FAM_LINEAR];
	const char *profile = cause == DIAG_YOUNG_DROPS ? "linux-2.6.32" : fa->profile;
	const struct kernel_rules *kr = profile_find(profile);
	cJSON *d = cJSON_CreateObject();
	if (!d)
		return NULL;
	char name[160];
	snprintf(name, sizeof(name), "diagnose-%s", diag_cause_name(cause));
	cJSON_AddStringToObject(d, "name", name);
	char desc[600];
	snprintf(desc, sizeof(desc), "Written by tcpqsim diagnose from %s: %s. SYN schedule: the %s family (%s).",
	         in->label, diag_cause_text(cause), fa->name, fa->kernels);
	cJSON_AddStringToObject(d, "description", desc);
	cJSON_AddNumberToObject(d, "duration_s", report_round(dur, 6));
	cJSON_AddNumberToObject(d, "seed", o->seed ? o->seed : 1);
	cJSON *sv = cJSON_AddObjectToObject(d, "server");
	cJSON_AddStringToObject(sv, "kernel", profile);
	cJSON *cl = cJSON_AddObjectToObject(d, "clients");
	cJSON_AddStringToObject(cl, "kernel", profile);
	cJSON *cs = cJSON_AddObjectToObject(cl, "sysctl");
	int retries = res->retries > 0 ? res->retries : -1;
	const cJSON *isc = in->scenario;
	const cJSON *ir = path_get(path_get(isc, "clients", NULL), "sysctl", NULL);
	if (retries < 0 && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ir, "tcp_syn_retries")))
		retries = cJSON_GetObjectItemCaseSensitive(ir, "tcp_syn_retries")->valueint;
	if (retries > 0)
		cJSON_AddNumberToObject(cs, "tcp_syn_retries", retries);
	if (kr && kr->tcp_syn_linear_timeouts >= 0 && cause != DIAG_YOUNG_DROPS)
		cJSON_AddNumberToObject(cs, "tcp_syn_linear_timeouts", fa->linear);
	/* arrivals: the measured scenario's, when it has them */
	const cJSON *iar = path_get(path_get(isc, "clients", NULL), "arrival", NULL);
	if (cJSON_IsObject(iar) && o->rate_per_s <= 0) {
		cJSON_AddItemToObject(cl, "arrival", cJSON_Duplicate(iar, true));
	} else {
		cJSON *ar = cJSON_AddObjectToObject(cl, "arrival");
		cJSON_AddStringToObject(ar, "kind", "poisson");
		cJSON_AddNumberToObject(ar, "rate_per_s", report_round(rate, 6));
	}
	const cJSON *iac = path_get(path_get(isc, "clients", NULL), "after_connect", NULL);
	if (cJSON_IsObject(iac) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(iac, "kind")) &&
	    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(iac, "hold_s"))) {
		cJSON *ac = cJSON_AddObjectToObject(cl, "after_connect");
		cJSON_AddStringToObject(ac, "kind", cJSON_GetObjectItemCaseSensitive(iac, "kind")->valuestring);
		cJSON_AddNumberToObject(ac, "hold_s", cJSON_GetObjectItemCaseSensitive(iac, "hold_s")->valuedouble);
	} else {
		cJSON *ac = cJSON_AddObjectToObject(cl, "after_connect");
		cJSON_AddStringToObject(ac, "kind", "hold");
		cJSON_AddNumberToObject(ac, "hold_s", 1);
	}
	cJSON *net = cJSON_AddObjectToObject(d, "network");
	cJSON_AddNumberToObject(net, "one_way_delay_ms", report_round(fmax(0.005, res->rtt_ms / 2), 3));
	/* the server: the measured one where known, else one that keeps up */
	const cJSON *isv = path_get(isc, "server", NULL);
	const cJSON *ib = cJSON_GetObjectItemCaseSensitive(isv, "backlog");
	cJSON_AddNumberToObject(sv, "backlog", cJSON_IsNumber(ib) ? ib->valuedouble : 128);
	const cJSON *iacc = cJSON_GetObjectItemCaseSensitive(isv, "acceptor");
	if (cJSON_IsObject(iacc))
		cJSON_AddItemToObject(sv, "acceptor", cJSON_Duplicate(iacc, true));
	else {
		cJSON *acc = cJSON_AddObjectToObject(sv, "acceptor");
		cJSON_AddStringToObject(acc, "kind", "rate");
		cJSON_AddNumberToObject(acc, "rate_per_s", report_round(rate * 10, 6));
		cJSON_AddStringToObject(acc, "process", "exponential");
	}
	cJSON *ssy = obj(sv, "sysctl");
	const cJSON *isy = cJSON_GetObjectItemCaseSensitive(isv, "sysctl");
	const cJSON *smc = cJSON_GetObjectItemCaseSensitive(isy, "somaxconn");
	if (cJSON_IsNumber(smc))
		cJSON_AddNumberToObject(ssy, "somaxconn", smc->valuedouble);
	struct diag_param pr[2];
	size_t np = diag_fit_params(in, cause, o, pr, 2);
	double v[2];
	for (size_t i = 0; i < np; i++)
		v[i] = p ? p[i] : pr[i].start;
	switch (cause) {
	case DIAG_ACCEPT_QUEUE_FULL:
	case DIAG_YOUNG_DROPS: {
		/* a rate acceptor; the measured one's process when it had one */
		const char *process = "exponential";
		const cJSON *ip = cJSON_GetObjectItemCaseSensitive(iacc, "process");
		if (cJSON_IsString(ip) && strcmp(ip->valuestring, "fixed") == 0)
			process = "fixed";
		cJSON_DeleteItemFromObjectCaseSensitive(sv, "acceptor");
		cJSON *acc = cJSON_AddObjectToObject(sv, "acceptor");
		cJSON_AddStringToObject(acc, "kind", "rate");
		cJSON_AddNumberToObject(acc, "rate_per_s", report_round(v[0], 6));
		cJSON_AddStringToObject(acc, "process", process);
		add_num(sv, "backlog", np > 1 ? round(v[1]) : fmax(1, in->max_accept_queue - 1));
		add_num(ssy, "somaxconn", 65535);
		break;
	}
	case DIAG_PATH_LOSS:
		cJSON_AddNumberToObject(net, "loss_to_server", report_round(v[0], 6));
		cJSON_AddNumberToObject(net, "loss_to_client", report_round(v[0], 6));
		add_num(sv, "backlog", 4096);
		break;
	case DIAG_SYN_QUEUE_FULL:
	case DIAG_SYN_FLOOD: {
		add_num(ssy, "tcp_syncookies", 0);
		cJSON *fl = cJSON_AddObjectToObject(d, "flood");
		cJSON_AddStringToObject(fl, "kind", "poisson");
		cJSON_AddNumberToObject(fl, "rate_per_s", report_round(v[0], 6));
		double from = dur / 4, len = fmin(v[1], dur - from);
		cJSON_AddNumberToObject(fl, "from_s", report_round(from, 6));
		cJSON_AddNumberToObject(fl, "until_s", report_round(from + fmax(len, 1e-3), 6));
		break;
	}
	case DIAG_CAUSE_COUNT:
		break;
	}
	return d;
}

/* ---- the fit ------------------------------------------------------------------- */

/* run doc in the simulator; its summary (new) or NULL with msg */
static cJSON *simulate(const cJSON *doc, char *msg, size_t n)
{
	struct loaded_scenario ls;
	struct jr err;
	jr_init(&err, "candidate");
	if (config_load_doc("candidate", ".", doc, &ls, &err) < 0) {
		snprintf(msg, n, "%s", err.msg);
		return NULL;
	}
	struct world_hooks hooks;
	memset(&hooks, 0, sizeof(hooks));
	struct world *w = world_create(&ls.s, &hooks);
	cJSON *sum = NULL;
	if (!w || world_run(w, NULL) != 0)
		snprintf(msg, n, "candidate: the simulation failed (out of memory)");
	else
		sum = report_summary(&ls, world_results(w), 0);
	if (w)
		world_destroy(w);
	loaded_scenario_fini(&ls);
	return sum;
}

static double failed_frac_of(const struct cmp_side *s)
{
	double f = 0;
	int o[] = {OUTCOME_TIMED_OUT, OUTCOME_REFUSED, OUTCOME_CONNECT_TIMEOUT};
	for (size_t i = 0; i < 3; i++)
		if (!isnan(s->outcomes[o[i]]))
			f += s->outcomes[o[i]];
	return s->attempts > 0 ? f / s->attempts : 0;
}

struct fit_ctx {
	const struct diag_input *in;
	const struct diag_result *res;
	const struct diag_opts *o;
	enum diag_cause cause;
	struct cmp_side measured;
	double measured_fail;
	bool fail_known;
	struct diag_fit *best;
	char *msg;
	size_t n;
};

/* score one parameter set; updates the best.  Returns 0, -1 on failure. */
static int try_point(struct fit_ctx *c, const double *p)
{
	cJSON *doc = diag_candidate(c->in, c->res, c->cause, c->o, p);
	if (!doc) {
		snprintf(c->msg, c->n, "out of memory");
		return -1;
	}
	cJSON *sum = simulate(doc, c->msg, c->n);
	if (!sum) {
		cJSON_Delete(doc);
		return -1;
	}
	struct cmp_side sim;
	char m[CMP_MSG_MAX];
	int rc = cmp_side_from_json(&sim, "simulated", sum, m, sizeof(m));
	cJSON_Delete(sum);
	if (rc < 0) {
		snprintf(c->msg, c->n, "%s", m);
		cJSON_Delete(doc);
		return -1;
	}
	double ks = cmp_ks_distance(&c->measured, &sim, 0);
	if (isnan(ks))
		ks = 1; /* nothing connected on one side */
	double fd = c->fail_known ? fabs(failed_frac_of(&sim) - c->measured_fail) : 0;
	cmp_side_fini(&sim);
	c->best->runs++;
	double score = ks + fd;
	if (!c->best->scenario || score < c->best->score - 1e-12) {
		cJSON_Delete(c->best->scenario);
		c->best->scenario = doc;
		c->best->score = score;
		c->best->ks = ks;
		c->best->fail_diff = fd;
		for (size_t i = 0; i < c->best->n_params; i++)
			c->best->p[i] = p[i];
	} else {
		cJSON_Delete(doc);
	}
	return 0;
}

static double grid_value(const struct diag_param *pr, double lo, double hi, int i, int steps)
{
	double t = steps > 1 ? (double)i / (steps - 1) : 0.5;
	double v = pr->logscale ? exp(log(lo) + t * (log(hi) - log(lo))) : lo + t * (hi - lo);
	return pr->integer ? round(v) : v;
}

int diag_fit_run(const struct diag_input *in, const struct diag_result *res, enum diag_cause cause,
                 const struct diag_opts *o, volatile sig_atomic_t *stop, struct diag_fit *out, char *msg, size_t n)
{
	memset(out, 0, sizeof(*out));
	out->cause = cause;
	out->n_params = diag_fit_params(in, cause, o, out->params, 2);
	struct fit_ctx c;
	memset(&c, 0, sizeof(c));
	c.in = in;
	c.res = res;
	c.o = o;
	c.cause = cause;
	c.best = out;
	c.msg = msg;
	c.n = n;
	if (cmp_side_load(&c.measured, in->label, msg, n) < 0)
		return -1;
	double total = diag_input_total(in);
	c.fail_known = total > (double)in->n_values;
	c.measured_fail = total > 0 ? (total - (double)in->n_values) / total : 0;
	int rc = 0;
	double lo[2], hi[2];
	for (size_t i = 0; i < out->n_params; i++) {
		lo[i] = out->params[i].min;
		hi[i] = out->params[i].max;
	}
	/* a coarse grid, then three finer ones, each around the best so far */
	for (int round_ = 0; round_ < 4 && rc == 0; round_++) {
		const int steps = out->n_params == 1 ? 17 : round_ == 0 ? 13 : 9;
		int s1 = out->n_params > 1 ? steps : 1;
		for (int i = 0; i < steps && rc == 0; i++)
			for (int j = 0; j < s1 && rc == 0; j++) {
				if (stop && *stop) {
					rc = 1;
					break;
				}
				double p[2] = {grid_value(&out->params[0], lo[0], hi[0], i, steps), 0};
				if (out->n_params > 1)
					p[1] = grid_value(&out->params[1], lo[1], hi[1], j, steps);
				if (try_point(&c, p) < 0)
					rc = -1;
			}
		/* narrow each range to two grid steps around the best */
		for (size_t k = 0; k < out->n_params; k++) {
			const struct diag_param *pr = &out->params[k];
			if (pr->logscale) {
				double f = pow(hi[k] / lo[k], 2.0 / (steps - 1));
				lo[k] = fmax(pr->min, out->p[k] / f);
				hi[k] = fmin(pr->max, out->p[k] * f);
			} else {
				double w = (hi[k] - lo[k]) * 2.0 / (steps - 1);
				lo[k] = fmax(pr->min, out->p[k] - w);
				hi[k] = fmin(pr->max, out->p[k] + w);
			}
			if (pr->integer && hi[k] - lo[k] < steps)
				hi[k] = fmin(pr->max, lo[k] + steps - 1);
		}
	}
	cmp_side_fini(&c.measured);
	return rc;
}

void diag_fit_fini(struct diag_fit *f)
{
	cJSON_Delete(f->scenario);
	f->scenario = NULL;
}

