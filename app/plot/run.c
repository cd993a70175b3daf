/* run.c: a run's figures: connect_hist, queues, outcomes (plot.h). */
#include <limits.h>
#include <math.h>

#include "app/plot/plot.h"

void plot_run(struct plot_env *env, const struct run_facts *f, const struct plot_opts *o)
{
	char path[PATH_MAX + 32];
	const char *name = f->name[0] ? f->name : f->dir;

	if (f->nbins >= 0) {
		struct strbuf v = {0};
		path_join(path, sizeof(path), f->dir, "connect_hist.tsv");
		gv_str(&v, "in", path);
		gv_num(&v, "binms", f->bin_ms);
		gv_num(&v, "nbins", (double)f->nbins);
		gv_num(&v, "attempts", f->attempts);
		if (f->has_scenario) {
			vars_marks(&v, f, "");
			gv_num(&v, "giveup", f->giveup_s);
			gv_num(&v, "timedout", isfinite(f->giveup_s) ? f->timed_out : 0);
			gv_num(&v, "appto", f->appto_s);
			gv_num(&v, "apptimedout", isfinite(f->appto_s) ? f->connect_timeout : 0);
		}
		if (f->has_scenario && f->n_pops == 1)
			gv_strf(&v, "title", "%s: connect time of %.0f attempts (clients %s, tcp_syn_retries %d)", name,
			        f->attempts, f->client_kernel, f->syn_retries);
		else
			gv_strf(&v, "title", "%s: connect time of %.0f attempts", name, f->attempts);
		if (o && isfinite(o->target))
			gv_num(&v, "target", o->target / 1e3);
		plot_figure(env, "connect_hist.gp", &v, f->dir, "connect_hist");
		sb_fini(&v);
	}
	if (f->has_series) {
		struct strbuf v = {0};
		path_join(path, sizeof(path), f->dir, "series.tsv");
		gv_str(&v, "in", path);
		gv_str(&v, "stalls", sb_str(&f->stalls));
		if (f->has_scenario) {
			gv_num(&v, "aqlimit", f->aq_limit);
			gv_num(&v, "sqlimit", f->sq_limit);
			gv_str(&v, "sqrule", f->sq_rule);
			gv_num(&v, "backlog", f->n_backlog);
			gv_strf(&v, "title", "%s: queues (server %s, listen(%ld), N = %d)", name, f->server_kernel,
			        f->backlog, f->n_backlog);
		} else {
			gv_strf(&v, "title", "%s: queues (server %s)", name, f->server_kernel);
		}
		plot_figure(env, "queues.gp", &v, f->dir, "queues");
		sb_fini(&v);

		struct strbuf ob = {0};
		gv_str(&ob, "in", path);
		gv_str(&ob, "stalls", sb_str(&f->stalls));
		gv_strf(&ob, "title", "%s: outcomes of %.0f attempts as they settle", name, f->attempts);
		plot_figure(env, "outcomes.gp", &ob, f->dir, "outcomes");
		sb_fini(&ob);
	}
	path_join(path, sizeof(path), f->dir, "tcpsynbl.tsv");
	if (is_file(path)) {
		struct strbuf b = {0};
		gv_str(&b, "in", path);
		gv_strf(&b, "title", "%s: the accept queue each arriving SYN met (as bcc's tcpsynbl)", name);
		plot_figure(env, "tcpsynbl.gp", &b, f->dir, "tcpsynbl");
		sb_fini(&b);
	}
}
