/* test_determinism.c: every scenario in configs/ run twice gives the same
 * bytes (summary.json without its "run" object, every other file as is),
 * and replications give the same files with -j 1 and -j 2. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <glob.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"
#include "app/config.h"

/* a scenario estimated above this many events runs shortened (--set
 * duration_s) so that the suite stays quick; the shipped ones are far below */
#define EVENT_BUDGET 2e7

static void make_temp(char *buf, size_t n)
{
	char *d = temp_dir();
	cr_assert_not_null(d, "cannot make a temporary folder");
	snprintf(buf, n, "%s", d);
}

/* a file's text, and for JSON documents the text without "run" */
static char *comparable_text(const char *path)
{
	char *t = read_text(path);
	cr_assert_not_null(t, "cannot read %s", path);
	size_t len = strlen(t);
	if (len < 5 || strcmp(path + strlen(path) - 5, ".json") != 0)
		return t;
	cJSON *doc = cJSON_Parse(t);
	cr_assert_not_null(doc, "%s is not JSON", path);
	free(t);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "run");
	t = cJSON_Print(doc);
	cJSON_Delete(doc);
	return t;
}

/* every file under a (recursively) equals its twin under b, and b holds
 * no other file; returns the number of files compared */
static int compare_folders(const char *a, const char *b, const char *label)
{
	DIR *d = opendir(a);
	cr_assert_not_null(d, "%s: no folder %s", label, a);
	int files = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char pa[1024], pb[1024];
		snprintf(pa, sizeof(pa), "%s/%s", a, e->d_name);
		snprintf(pb, sizeof(pb), "%s/%s", b, e->d_name);
		struct stat st;
		cr_assert_eq(stat(pa, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			files += compare_folders(pa, pb, label);
			continue;
		}
		char *ta = comparable_text(pa), *tb = comparable_text(pb);
		cr_assert_str_eq(ta, tb, "%s: %s differs between two runs", label, e->d_name);
		free(ta);
		free(tb);
		files++;
	}
	closedir(d);
	cr_assert_eq(count_entries(a), count_entries(b), "%s: %s and %s hold different files", label, a, b);
	return files;
}

/* sweep files (a top-level "grid" or "solve") are not scenarios */
static bool is_sweep(const char *path)
{
	char *t = read_text(path);
	cJSON *doc = t ? cJSON_Parse(t) : NULL;
	free(t);
	bool sweep = cJSON_GetObjectItemCaseSensitive(doc, "grid") || cJSON_GetObjectItemCaseSensitive(doc, "solve");
	cJSON_Delete(doc);
	return sweep;
}

/* "" when the scenario is small enough, else a --set duration_s=... */
static void shorten(const char *path, char *set, size_t n)
{
	set[0] = '\0';
	struct loaded_scenario ls;
	struct jr err;
	if (config_load_file(path, NULL, 0, &ls, &err) < 0)
		return; /* the run will say why */
	struct scenario_cost z;
	scenario_estimate_cost(&ls.s, &z);
	if (z.events > EVENT_BUDGET)
		snprintf(set, n, "duration_s=%.6g", (double)ls.s.duration / 1e9 * EVENT_BUDGET / z.events);
	loaded_scenario_fini(&ls);
	/* a scenario that cannot be shortened (a burst after the new end) runs whole */
	const char *sets[1] = {set};
	if (set[0] && config_load_file(path, sets, 1, &ls, &err) < 0)
		set[0] = '\0';
	else if (set[0])
		loaded_scenario_fini(&ls);
}

static void run_twice(const char *path)
{
	char dir[256], a[300], b[300], set[64];
	make_temp(dir, sizeof(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	shorten(path, set, sizeof(set));
	for (int k = 0; k < 2; k++) {
		const char *out = k ? b : a;
		struct cli_result r = set[0] ? run_cli("run", path, "-q", "--attempts", "--set", set, "-o", out, NULL)
		                             : run_cli("run", path, "-q", "--attempts", "-o", out, NULL);
		cr_assert_eq(r.status, 0, "%s %s: status %d: %s", path, set, r.status, r.err);
	}
	/* summary, series, histogram, tcpsynbl, attempts */
	int files = compare_folders(a, b, path);
	cr_assert_geq(files, 4, "%s: only %d files", path, files);
	remove_tree(dir);
}

Test(determinism, every_config_twice_gives_the_same_bytes, .timeout = 120)
{
	glob_t g;
	cr_assert_eq(glob("configs/*.json", 0, NULL, &g), 0, "no configs/*.json");
	glob("configs/*/*.json", GLOB_APPEND, NULL, &g);
	int ran = 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		if (is_sweep(g.gl_pathv[i]))
			continue;
		run_twice(g.gl_pathv[i]);
		ran++;
	}
	globfree(&g);
	cr_assert_geq(ran, 2, "only %d configs ran", ran);
}

/* R replications: the same files with one worker and with two */
static void replications_j1_j2(const char *path)
{
	char dir[256], a[300], b[300];
	make_temp(dir, sizeof(dir));
	snprintf(a, sizeof(a), "%s/j1", dir);
	snprintf(b, sizeof(b), "%s/j2", dir);
	struct cli_result r = run_cli("run", path, "-q", "--replications", "4", "-j", "1", "-o", a, NULL);
	cr_assert_eq(r.status, 0, "%s -j 1: %s", path, r.err);
	r = run_cli("run", path, "-q", "--replications", "4", "-j", "2", "-o", b, NULL);
	cr_assert_eq(r.status, 0, "%s -j 2: %s", path, r.err);
	/* the merged summary and one file per replication */
	int files = compare_folders(a, b, path);
	cr_assert_geq(files, 5, "%s: only %d files", path, files);
	remove_tree(dir);
}

Test(determinism, replications_with_one_or_two_workers_give_the_same_bytes, .timeout = 120)
{
	replications_j1_j2("configs/default.json");
	replications_j1_j2("configs/seed-experiment.json");
}
