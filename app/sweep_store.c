/* sweep_store.c: the sweep folder: DIR/sweep.json, the point files, the
 * targets a point meets (sweep.h). */
#include "app/sweep.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/world.h"
#include "app/commands.h"
#include "app/replicate.h"
#include "app/report.h"
#include "app/util/output.h"

/* ---- the sweep folder ------------------------------------------------------ */

void sweep_point_path(const char *dir, size_t i, char *buf, size_t n)
{
	snprintf(buf, n, "%s/points/point-%05zu.json", dir, i);
}

static int make_dirs(const char *dir)
{
	bool created;
	return output_make_dirs(dir, &created);
}

cJSON *sweep_read_json(const char *path, bool *missing)
{
	struct jr r;
	jr_init(&r, path);
	*missing = access(path, F_OK) < 0 && errno == ENOENT;
	if (*missing)
		return NULL;
	size_t len = 0;
	char *text = jr_read_file(&r, path, &len);
	cJSON *doc = text ? jr_parse_exact(text, len) : NULL;
	free(text);
	return doc;
}

int sweep_prepare_dir(const struct sweep *sw, const char *dir, char *err, size_t n)
{
	char path[4400];
	snprintf(path, sizeof(path), "%s/points", dir);
	if (make_dirs(path) < 0) {
		snprintf(err, n, "%s: cannot write the output folder: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	bool missing;
	cJSON *old = sweep_read_json(path, &missing);
	if (old) {
		bool same = cJSON_Compare(old, sw->manifest, true);
		cJSON_Delete(old);
		if (same)
			return 0;
		snprintf(err, n, "%s: describes another sweep (sweep file, base scenario, grid, replications or "
		                 "metrics differ): choose another -o, or remove %s",
		         path, dir);
		return -1;
	}
	if (!missing) {
		snprintf(err, n, "%s: expected a sweep manifest, got something unreadable: remove %s or choose another -o",
		         path, dir);
		return -1;
	}
	if (report_write_json(path, sw->manifest) < 0) {
		snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void sweep_remove_temporaries(const char *dir)
{
	char path[4400];
	snprintf(path, sizeof(path), "%s/points", dir);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "point-", 6) == 0 && strstr(e->d_name, ".tmp.")) {
			char f[4800];
			snprintf(f, sizeof(f), "%s/%s", path, e->d_name);
			unlink(f);
		}
	closedir(d);
}

int sweep_write_point(const char *dir, size_t i, const cJSON *values, const cJSON *merged)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *pt = doc ? cJSON_AddObjectToObject(doc, "point") : NULL;
	if (!pt) {
		cJSON_Delete(doc);
		errno = ENOMEM;
		return -1;
	}
	cJSON_AddNumberToObject(pt, "index", (double)i);
	cJSON_AddItemToObject(pt, "values", cJSON_Duplicate(values, true));
	for (const cJSON *c = merged->child; c; c = c->next)
		cJSON_AddItemToObject(doc, c->string, cJSON_Duplicate(c, true));
	char path[4400];
	sweep_point_path(dir, i, path, sizeof(path));
	int rc = report_write_json(path, doc);
	cJSON_Delete(doc);
	return rc;
}

/* ---- targets -------------------------------------------------------------- */

bool sweep_target_met(const struct sweep_target *t, const cJSON *merged, double *mean)
{
	const cJSON *s = replicate_find(merged, t->metric);
	const cJSON *m = cJSON_IsObject(s) ? cJSON_GetObjectItemCaseSensitive(s, "mean") : NULL;
	/* a count list shorter than the index means zero */
	double x = cJSON_IsNumber(m) ? m->valuedouble : (strchr(t->metric, '[') && !s ? 0 : NAN);
	*mean = x;
	if (isnan(x))
		return false;
	switch (t->op) {
	case SWEEP_LE:
		return x <= t->value;
	case SWEEP_LT:
		return x < t->value;
	case SWEEP_GE:
		return x >= t->value;
	case SWEEP_GT:
		return x > t->value;
	}
	return false;
}
