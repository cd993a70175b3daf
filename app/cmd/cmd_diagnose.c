/* cmd_diagnose.c: "tcpqsim diagnose FILE": from measured connect times to
 * the SYN schedule family and a ranked list of causes, a candidate scenario,
 * and with --fit the candidate's free parameters fitted by simulation
 * (app/diagnose.h).  Arguments and printing only. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/diagnose.h"
#include "app/hostcap.h"
#include "app/report.h"
#include "app/util/output.h"

enum { OPT_FIT, OPT_CAUSE, OPT_RATE, OPT_DURATION, OPT_OUT, OPT_QUIET, OPT_BEFORE, OPT_AFTER, OPT_SS };

static const struct cli_option diagnose_options[] = {
	{OPT_FIT, "--fit", NULL, CLI_FLAG, NULL,
	 "fit the candidate's free parameters by simulation (KS distance of the connect times)"},
	{OPT_CAUSE, "--cause", NULL, CLI_VALUE, "NAME",
	 "the candidate (and fit) for this cause, not the first ranked: accept_queue_full, young_drops, "
	 "syn_queue_full, path_loss, syn_flood"},
	{OPT_RATE, "--rate", NULL, CLI_VALUE, "R", "the candidate's arrival rate, connects/s (default: the summary's, else 100)"},
	{OPT_DURATION, "--duration", NULL, CLI_VALUE, "S", "its arrival window, s (default: the summary's, else attempts / rate)"},
	{OPT_OUT, "--out", "-o", CLI_VALUE, "DIR", "output folder (default out/diagnose-NAME, NAME the file's name)"},
	{OPT_QUIET, "--quiet", "-q", CLI_FLAG, NULL, "print nothing but errors"},
	{OPT_BEFORE, "--before", NULL, CLI_VALUE, "FILE",
	 "the host's nstat -az (or netstat -s) before: with --after, its counter deltas beside FILE's"},
	{OPT_AFTER, "--after", NULL, CLI_VALUE, "FILE", "the host's nstat -az (or netstat -s) after"},
	{OPT_SS, "--ss", NULL, CLI_VALUE, "FILE", "the host's ss -lnt during the incident"},
	{0, NULL, NULL, CLI_FLAG, NULL, NULL},
};

int cmd_diagnose(int argc, char **argv);

const struct cli_command cli_cmd_diagnose = {
    "diagnose", cmd_diagnose, "FILE",
    "measured connect times: SYN schedule family, fraction per SYN, likely causes, a candidate scenario",
    diagnose_options,
    "FILE: measured connect durations (ms, one per line; '# failed ETIMEDOUT COUNT [AT_MS]' lines add\n"
    "failed connects), or a summary.json (kcheck's or tcpqsim's).  Finds the spikes, the SYN schedule\n"
    "family, the fraction connected on each SYN and the likely causes, and writes DIR/diagnosis.json and\n"
    "DIR/candidate.json (docs/diagnose.md).\n",
};

struct diag_cmd_opts {
	const char *file;
	const char *before, *after, *ss; /* a real host's captures, or NULL */
	const char *out;
	bool fit, quiet;
	int cause; /* -1: the first ranked */
	struct diag_opts o;
};

static int parse_number(const char *opt, const char *v, double min, double *out)
{
	if (!v)
		return cli_misuse("%s needs a number", opt);
	char *end = NULL;
	errno = 0;
	double x = strtod(v, &end);
	if (!v[0] || *end || errno || !isfinite(x) || x < min) {
		fprintf(stderr, PROG ": %s: expected a number >= %g, got \"%s\"\n", opt, min, v);
		return 2;
	}
	*out = x;
	return 0;
}

static int parse_opts(int argc, char **argv, struct diag_cmd_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cause = -1;
	o->o.seed = 1;
	struct cli_args it;
	cli_args_init(&it, &cli_cmd_diagnose, argc, argv);
	const char *v;
	int id, rc;
	while ((id = cli_next(&it, &v)) != CLI_END) {
		switch (id) {
		case OPT_FIT:
			o->fit = true;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_CAUSE:
			o->cause = diag_cause_parse(v);
			if (o->cause < 0) {
				fprintf(stderr,
				        PROG ": --cause: expected accept_queue_full, young_drops, syn_queue_full, path_loss or "
				             "syn_flood, got \"%s\"\n",
				        v);
				return 2;
			}
			break;
		case OPT_RATE:
			if ((rc = parse_number("--rate", v, 1e-6, &o->o.rate_per_s)))
				return rc;
			break;
		case OPT_DURATION:
			if ((rc = parse_number("--duration", v, 1e-6, &o->o.duration_s)))
				return rc;
			break;
		case OPT_OUT:
			o->out = v;
			break;
		case OPT_BEFORE:
			o->before = v;
			break;
		case OPT_AFTER:
			o->after = v;
			break;
		case OPT_SS:
			o->ss = v;
			break;
		case CLI_OPERAND:
			if (o->file)
				return cli_misuse("diagnose: unexpected argument %s", v);
			o->file = v;
			break;
		default:
			return id == CLI_HELP ? -1 : cli_exit(id);
		}
	}
	if (!o->file)
		return cli_misuse("%s", "diagnose needs a file of connect durations or a summary.json");
	if (!o->before != !o->after)
		return cli_misuse("%s", "diagnose: --before and --after go together (two captures of one host)");
	if (o->ss && !o->before)
		return cli_misuse("%s", "diagnose: --ss goes with --before and --after");
	return 0;
}

static void print_report(const struct diag_input *in, const struct diag_result *r)
{
	double total = diag_input_total(in);
	printf("diagnose: %s: %.0f attempts, %zu connected, %.0f failed", in->label, total, in->n_values,
	       total - (double)in->n_values);
	if (!isnan(in->fail_ms))
		printf(" (ETIMEDOUT at %.3f s)", in->fail_ms / 1e3);
	printf("\n\nspikes (connect times that cluster)\n");
	for (size_t i = 0; i < r->n_spikes && i < 24; i++) {
		const struct diag_spike *s = &r->spikes[i];
		printf("  %10.3f .. %10.3f ms  %6.0f  (%5.1f%%)  ", s->lo_ms, s->hi_ms, s->count,
		       total > 0 ? 100 * s->count / total : 0);
		if (s->syn > 0)
			printf("SYN #%d\n", s->syn);
		else
			printf("no SYN of the family\n");
	}
	if (r->n_spikes > 24)
		printf("  ... %zu more\n", r->n_spikes - 24);
	if (r->rtt_ms > 0)
		printf("  round trip from the first-SYN spike: %.3f ms\n", r->rtt_ms);
	printf("\nSYN schedule family\n");
	for (int f = 0; f < DIAG_FAM_COUNT; f++) {
		const struct diag_family *fa = &r->fam[f];
		printf("  %s %-12s score %6.2f  SYNs at", f == r->family ? "*" : " ", fa->name, r->family_score[f]);
		for (int k = 0; k < 8 && k < fa->n; k++)
			printf(" %g", fa->at_s[k]);
		printf(" s ...\n");
	}
	if (r->family >= 0) {
		printf("  the %s family: %s\n", r->fam[r->family].name, r->fam[r->family].kernels);
		if (r->retries > 0)
			printf("  the ETIMEDOUT time fits tcp_syn_retries %d (give-up at %g s)\n", r->retries,
			       r->fam[r->family].fail_s[r->retries]);
	}
	printf("  %s\n", r->family_why);
	printf("\nconnected on each SYN (of all attempts)\n ");
	for (int k = 0; k < r->n_by_syn; k++)
		printf(" #%d %.1f%%", k + 1, 100 * r->by_syn[k]);
	if (r->failed_frac > 0)
		printf("  failed %.1f%%", 100 * r->failed_frac);
	if (r->unexplained > 0)
		printf("  not on a SYN of the family %.1f%% of the connected", 100 * r->unexplained);
	printf("\n\nlikely causes, best first\n");
	for (int i = 0; i < DIAG_CAUSE_COUNT; i++) {
		const struct diag_cause_rank *c = &r->causes[i];
		printf("  %d. %-18s (score %5.2f) %s\n", i + 1, diag_cause_name(c->cause), c->score,
		       diag_cause_text(c->cause));
		for (int k = 0; k < c->n_evidence; k++)
			printf("       %s\n", c->evidence[k]);
	}
}

static int write_json(const char *dir, const char *name, const cJSON *doc)
{
	char path[4200];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		fprintf(stderr, PROG ": %s: folder name too long\n", dir);
		return 1;
	}
	if (report_write_json(path, doc) < 0) {
		fprintf(stderr, PROG ": %s: cannot write: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

int cmd_diagnose(int argc, char **argv)
{
	struct diag_cmd_opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct diag_input in;
	char msg[DIAG_MSG_MAX];
	if (diag_input_load(&in, o.file, msg, sizeof(msg)) < 0) {
		fprintf(stderr, PROG ": %s\n", msg);
		return 2;
	}
	/* a real host's captures: read before anything runs, so that bad input
	 * ends here (exit 2, nothing written) */
	struct host_capture *hc = NULL;
	if (o.before) {
		hc = malloc(sizeof(*hc));
		if (!hc || hostcap_load(hc, o.before, o.after, o.ss, msg, sizeof(msg)) < 0) {
			fprintf(stderr, PROG ": %s\n", hc ? msg : "out of memory");
			free(hc);
			diag_input_fini(&in);
			return 2;
		}
	}
	struct diag_result *r = malloc(sizeof(*r));
	struct diag_fit fit;
	memset(&fit, 0, sizeof(fit));
	cJSON *doc = NULL, *cand = NULL;
	rc = 1;
	if (!r || diag_analyse(&in, r) < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	if (!o.quiet)
		print_report(&in, r);
	if (hc && !o.quiet) {
		/* beside FILE's counters when it is a summary (kcheck's, tcpqsim's) */
		struct cmp_side side;
		char smsg[CMP_MSG_MAX];
		bool have = cmp_side_load(&side, o.file, smsg, sizeof(smsg)) == 0 && side.kind == CMP_SUMMARY;
		hostcap_print_beside(stdout, hc, have ? &side : NULL, INFINITY, NULL);
		cmp_side_fini(&side);
	}
	enum diag_cause cause = o.cause >= 0 ? (enum diag_cause)o.cause : r->causes[0].cause;
	doc = diag_result_json(&in, r);
	if (!doc)
		goto oom;
	if (o.fit) {
		if (!o.quiet) {
			printf("\nfitting %s by simulation:", diag_cause_name(cause));
			struct diag_param pr[2];
			size_t np = diag_fit_params(&in, cause, &o.o, pr, 2);
			for (size_t i = 0; i < np; i++)
				printf(" %s in [%g, %g]", pr[i].path, pr[i].min, pr[i].max);
			printf("\n");
			fflush(stdout);
		}
		volatile sig_atomic_t *stop = cli_stop_flag();
		*stop = 0;
		cli_install_signals();
		int frc = diag_fit_run(&in, r, cause, &o.o, stop, &fit, msg, sizeof(msg));
		cli_restore_signals();
		if (frc < 0) {
			fprintf(stderr, PROG ": %s\n", msg);
			goto out;
		}
		if (frc > 0) {
			fprintf(stderr, PROG ": diagnose: interrupted; nothing written\n");
			rc = 130;
			goto out;
		}
		cJSON *fo = cJSON_AddObjectToObject(doc, "fit");
		cJSON_AddStringToObject(fo, "cause", diag_cause_name(cause));
		cJSON *ps = cJSON_AddObjectToObject(fo, "params");
		for (size_t i = 0; i < fit.n_params; i++)
			cJSON_AddNumberToObject(ps, fit.params[i].path, report_round(fit.p[i], 6));
		cJSON_AddNumberToObject(fo, "ks", report_round(fit.ks, 6));
		cJSON_AddNumberToObject(fo, "failed_frac_diff", report_round(fit.fail_diff, 6));
		cJSON_AddNumberToObject(fo, "runs", (double)fit.runs);
		if (!o.quiet) {
			printf("best fit (%zu runs):", fit.runs);
			for (size_t i = 0; i < fit.n_params; i++)
				printf(" %s = %.4g", fit.params[i].path, fit.p[i]);
			printf("\n  KS distance of the connect times %.4f, failed fraction off by %.4f%s\n", fit.ks, fit.fail_diff,
			       in.bin_ms > 0 ? " (connect times binned: the distance is a bound within one bin)" : "");
		}
		cand = fit.scenario;
		fit.scenario = NULL;
	} else {
		cand = diag_candidate(&in, r, cause, &o.o, NULL);
		if (!cand)
			goto oom;
	}
	cJSON_AddStringToObject(doc, "candidate_cause", diag_cause_name(cause));
	if (hc) {
		cJSON *h = hostcap_json(hc);
		if (!h)
			goto oom;
		cJSON_AddItemToObject(doc, "host", h);
	}
	char dir[4200];
	if (o.out) {
		snprintf(dir, sizeof(dir), "%s", o.out);
	} else {
		const char *base = strrchr(o.file, '/');
		base = base ? base + 1 : o.file;
		char name[256];
		snprintf(name, sizeof(name), "%s", base);
		char *dot = strrchr(name, '.');
		if (dot && dot != name)
			*dot = '\0';
		snprintf(dir, sizeof(dir), "out/diagnose-%s", name);
	}
	bool created = false;
	if (output_make_dirs(dir, &created) < 0) {
		fprintf(stderr, PROG ": %s: cannot make the output folder: %s\n", dir, strerror(errno));
		goto out;
	}
	if (write_json(dir, "candidate.json", cand) || write_json(dir, "diagnosis.json", doc))
		goto out;
	if (!o.quiet)
		printf("\nwrote %s/diagnosis.json and %s/candidate.json (the %s candidate; run it with: " PROG
		       " run %s/candidate.json)\n",
		       dir, dir, diag_cause_name(cause), dir);
	rc = 0;
	goto out;
oom:
	fprintf(stderr, PROG ": out of memory\n");
out:
	free(hc);
	cJSON_Delete(doc);
	cJSON_Delete(cand);
	diag_fit_fini(&fit);
	free(r);
	diag_input_fini(&in);
	return rc;
}
