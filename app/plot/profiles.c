/* profiles.c: runs of one scenario under several kernel profiles, side by
 * side (plot --profiles; plot.h). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "app/commands.h"
#include "app/plot/plot.h"

int plot_profiles(struct plot_env *env, const char *list, const char *out_dir)
{
	struct run_facts *runs = calloc(PLOT_MAX_PROFILES, sizeof(*runs));
	char *copy = strdup(list);
	int n = 0, rc = 2;
	if (!runs || !copy) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = 1;
		goto out;
	}
	for (char *save = NULL, *d = strtok_r(copy, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		if (n == PLOT_MAX_PROFILES) {
			fprintf(stderr, PROG ": --profiles: at most %d folders\n", PLOT_MAX_PROFILES);
			goto out;
		}
		char hist[PATH_MAX + 32], series[PATH_MAX + 32];
		path_join(hist, sizeof(hist), d, "connect_hist.tsv");
		path_join(series, sizeof(series), d, "series.tsv");
		if (!is_file(hist) || !is_file(series)) {
			fprintf(stderr, PROG ": %s: nothing to plot (a run's folder with connect_hist.tsv and series.tsv "
			                "expected)\n", d);
			goto out;
		}
		int r = run_facts_read(&runs[n++], d);
		if (r) {
			rc = r;
			goto out;
		}
	}
	if (n == 0) {
		fprintf(stderr, PROG ": --profiles: expected folders like out/a,out/b\n");
		goto out;
	}

	/* column titles: the kernels, or the folders when the kernels agree */
	char labels[PLOT_MAX_PROFILES][160];
	bool distinct = true;
	for (int i = 0; i < n; i++) {
		if (strcmp(runs[i].server_kernel, runs[i].client_kernel) == 0)
			snprintf(labels[i], sizeof(labels[i]), "%s", runs[i].server_kernel);
		else
			snprintf(labels[i], sizeof(labels[i]), "server %s, clients %s", runs[i].server_kernel,
			         runs[i].client_kernel);
		for (int j = 0; j < i; j++)
			distinct = distinct && strcmp(labels[i], labels[j]) != 0;
	}
	struct strbuf v = {0};
	double tmax = 0;
	bool same_name = true;
	for (int i = 0; i < n; i++) {
		const struct run_facts *f = &runs[i];
		char key[32];
		if (!distinct) {
			const char *base = strrchr(f->dir, '/');
			snprintf(labels[i], sizeof(labels[i]), "%.159s", base && base[1] ? base + 1 : f->dir);
		}
		same_name = same_name && strcmp(f->name, runs[0].name) == 0;
		snprintf(key, sizeof(key), "dir%d", i + 1);
		gv_str(&v, key, f->dir);
		snprintf(key, sizeof(key), "label%d", i + 1);
		gv_str(&v, key, labels[i]);
		snprintf(key, sizeof(key), "%d", i + 1);
		vars_marks(&v, f, key);
		snprintf(key, sizeof(key), "giveup%d", i + 1);
		gv_num(&v, key, f->giveup_s);
		snprintf(key, sizeof(key), "timedout%d", i + 1);
		gv_num(&v, key, f->timed_out);
		snprintf(key, sizeof(key), "attempts%d", i + 1);
		gv_num(&v, key, f->attempts);
		snprintf(key, sizeof(key), "connected%d", i + 1);
		gv_num(&v, key, f->connected);
		snprintf(key, sizeof(key), "binms%d", i + 1);
		gv_num(&v, key, f->bin_ms);
		snprintf(key, sizeof(key), "nbins%d", i + 1);
		gv_num(&v, key, (double)f->nbins);
		/* time axis: the arrivals and the longest wait for ETIMEDOUT after */
		double t = f->simulated_s;
		if (isfinite(f->giveup_s) && f->duration_s + f->giveup_s + 2 < t)
			t = f->duration_s + f->giveup_s + 2;
		tmax = t > tmax ? t : tmax;
	}
	gv_num(&v, "n", n);
	gv_num(&v, "tmax", tmax);
	if (same_name && runs[0].name[0])
		gv_strf(&v, "title", "%s under %d kernel profiles", runs[0].name, n);
	else
		gv_strf(&v, "title", "%d runs side by side", n);
	if (!is_dir(out_dir) && mkdir(out_dir, 0777) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", out_dir, strerror(errno));
		rc = 1;
		sb_fini(&v);
		goto out;
	}
	plot_figure(env, "profiles.gp", &v, out_dir, "profiles");
	sb_fini(&v);
	rc = 0;
out:
	for (int i = 0; runs && i < n; i++)
		run_facts_fini(&runs[i]);
	free(runs);
	free(copy);
	return rc;
}
