/* sweep_merge.c: the merge: every point file of a sweep folder into
 * results.csv and results.json (sweep.h). */
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

/* ---- the merge ------------------------------------------------------------- */

static void csv_cell(FILE *f, const char *s, bool first)
{
	if (!first)
		fputc(',', f);
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* sweep.json is read like a scenario: every field merge uses is checked,
 * with its JSON path; the metrics must be numbers of a summary of the base
 * scenario the manifest holds */
static int check_manifest(const char *path, const cJSON *man, char *err, size_t n)
{
	struct jr r;
	jr_init(&r, path);
	const cJSON *params = get(man, "params"), *metrics = get(man, "metrics"), *np = get(man, "points");
	const cJSON *base = get(man, "base_scenario");
	char d[128];
	if (!cJSON_IsNumber(np) || np->valuedouble < 1 || np->valuedouble > SWEEP_MAX_POINTS ||
	    np->valuedouble != floor(np->valuedouble)) {
		jr_describe(np, d, sizeof(d));
		jr_fail(&r, "points", "expected an integer from 1 to %d, got %s", SWEEP_MAX_POINTS, d);
	} else if (!cJSON_IsArray(params) || cJSON_GetArraySize(params) > SWEEP_MAX_PARAMS) {
		jr_describe(params, d, sizeof(d));
		jr_fail(&r, "params", "expected an array of at most %d parameter paths, got %s", SWEEP_MAX_PARAMS, d);
	} else if (!cJSON_IsArray(metrics) || cJSON_GetArraySize(metrics) < 1 ||
	           cJSON_GetArraySize(metrics) > SWEEP_MAX_METRICS) {
		jr_describe(metrics, d, sizeof(d));
		jr_fail(&r, "metrics", "expected an array of 1 to %d summary paths, got %s", SWEEP_MAX_METRICS, d);
	}
	int i = 0;
	for (const cJSON *p = params ? params->child : NULL; p && !r.failed; p = p->next, i++)
		if (!cJSON_IsString(p) || !p->valuestring[0]) {
			char where[64];
			snprintf(where, sizeof(where), "params[%d]", i);
			jr_describe(p, d, sizeof(d));
			jr_fail(&r, where, "expected a parameter path, got %s", d);
		}
	if (!r.failed && !cJSON_IsObject(base))
		jr_fail(&r, "base_scenario", "expected the resolved base scenario (an object), got %s",
		        base ? "something else" : "nothing");
	if (!r.failed)
		sweep_check_metrics(&r, path, base, metrics);
	if (r.failed) {
		snprintf(err, n, "%s", r.msg);
		return 2;
	}
	return 0;
}

int sweep_merge(const char *dir, bool partial, size_t *n_missing, char *note, size_t note_n, char *err, size_t n)
{
	char path[4400];
	*n_missing = 0;
	note[0] = '\0';
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	bool missing;
	cJSON *man = sweep_read_json(path, &missing);
	const cJSON *kind = get(man, "kind");
	if (!cJSON_IsObject(man) || !cJSON_IsString(kind) || strcmp(kind->valuestring, "sweep") != 0) {
		snprintf(err, n, "%s: expected a sweep folder (with sweep.json, written by tcpqsim sweep or point), %s", dir,
		         missing ? "got none"
		         : man   ? "got a sweep.json without \"kind\": \"sweep\""
		                 : "got an unreadable sweep.json");
		cJSON_Delete(man);
		return 2;
	}
	if (check_manifest(path, man, err, n) != 0) {
		cJSON_Delete(man);
		return 2;
	}
	const cJSON *params = get(man, "params"), *metrics = get(man, "metrics"), *np = get(man, "points");
	size_t points = (size_t)np->valuedouble;
	int rc = 1;
	char *csv = NULL, *json = NULL;
	size_t csv_len = 0;
	FILE *f = open_memstream(&csv, &csv_len);
	cJSON *res = cJSON_CreateObject();
	cJSON *missing_arr = cJSON_CreateArray();
	char miss[512] = "";
	size_t miss_used = 0;
	if (!f || !res || !missing_arr) {
		snprintf(err, n, "out of memory");
		goto out;
	}
	cJSON_AddStringToObject(res, "tool", "tcpqsim");
	cJSON_AddStringToObject(res, "kind", "sweep-results");
	static const char *const copied[] = {"name", "base", "seed", "replications", "combine", "params", "metrics", NULL};
	for (size_t i = 0; copied[i]; i++)
		if (get(man, copied[i]))
			cJSON_AddItemToObject(res, copied[i], cJSON_Duplicate(get(man, copied[i]), true));
	cJSON_AddNumberToObject(res, "points", (double)points);
	cJSON *rows = cJSON_AddArrayToObject(res, "rows");
	/* header */
	csv_cell(f, "point", true);
	for (const cJSON *p = params->child; p; p = p->next)
		csv_cell(f, cJSON_IsString(p) ? p->valuestring : "", false);
	for (const cJSON *m = metrics->child; m; m = m->next) {
		char h[300];
		snprintf(h, sizeof(h), "%s_mean", cJSON_IsString(m) ? m->valuestring : "");
		csv_cell(f, h, false);
		snprintf(h, sizeof(h), "%s_ci95", cJSON_IsString(m) ? m->valuestring : "");
		csv_cell(f, h, false);
	}
	fputc('\n', f);
	for (size_t i = 0; i < points; i++) {
		sweep_point_path(dir, i, path, sizeof(path));
		cJSON *pd = sweep_read_json(path, &missing);
		if (missing) {
			(*n_missing)++;
			cJSON_AddItemToArray(missing_arr, cJSON_CreateNumber((double)i));
			if (miss_used + 40 < sizeof(miss))
				miss_used += (size_t)snprintf(miss + miss_used, sizeof(miss) - miss_used, "%s%zu",
				                              miss_used ? ", " : "", i);
			else if (!strstr(miss, "..."))
				miss_used += (size_t)snprintf(miss + miss_used, sizeof(miss) - miss_used, ", ...");
			continue;
		}
		const cJSON *pt = get(pd, "point");
		const cJSON *idx = get(pt, "index");
		const cJSON *vals = get(pt, "values");
		if (!pd || !cJSON_IsNumber(idx) || !cJSON_IsObject(vals)) {
			snprintf(err, n, "%s: expected a point file (JSON with point.index and point.values), got %s", path,
			         pd ? "something else" : "malformed JSON");
			cJSON_Delete(pd);
			goto out;
		}
		if (idx->valuedouble != (double)i) {
			snprintf(err, n, "%s: point.index: expected %zu, got %.17g", path, i, idx->valuedouble);
			cJSON_Delete(pd);
			goto out;
		}
		cJSON *row = cJSON_CreateObject();
		cJSON_AddItemToArray(rows, row);
		cJSON_AddNumberToObject(row, "point", (double)i);
		cJSON_AddItemToObject(row, "values", cJSON_Duplicate(vals, true));
		cJSON *rm = cJSON_AddObjectToObject(row, "metrics");
		char cell[1024];
		snprintf(cell, sizeof(cell), "%zu", i);
		csv_cell(f, cell, true);
		for (const cJSON *p = params->child; p; p = p->next) {
			sweep_format_value(cJSON_IsString(p) ? get(vals, p->valuestring) : NULL, cell, sizeof(cell));
			csv_cell(f, cell, false);
		}
		for (const cJSON *m = metrics->child; m; m = m->next) {
			const char *name = cJSON_IsString(m) ? m->valuestring : "";
			const cJSON *st = replicate_find(pd, name);
			cJSON *zero = NULL;
			if (!cJSON_IsObject(st))
				st = NULL;
			if (!st && strchr(name, '[')) {
				/* a count list shorter than the index: that count is 0 */
				const cJSON *r = get(pd, "replications");
				double z = 0;
				st = zero = replicate_stat(&z, 1);
				if (zero) {
					cJSON_ReplaceItemInObjectCaseSensitive(zero, "ci95", cJSON_CreateNumber(0));
					cJSON_ReplaceItemInObjectCaseSensitive(zero, "sd", cJSON_CreateNumber(0));
					cJSON_ReplaceItemInObjectCaseSensitive(zero, "n",
					                                       cJSON_CreateNumber(cJSON_IsNumber(r) ? r->valuedouble : 1));
				}
			}
			cJSON_AddItemToObject(rm, name, st ? cJSON_Duplicate(st, true) : cJSON_CreateNull());
			sweep_format_value(get(st, "mean"), cell, sizeof(cell));
			csv_cell(f, cJSON_IsNumber(get(st, "mean")) ? cell : "", false);
			sweep_format_value(get(st, "ci95"), cell, sizeof(cell));
			csv_cell(f, cJSON_IsNumber(get(st, "ci95")) ? cell : "", false);
			cJSON_Delete(zero);
		}
		fputc('\n', f);
		cJSON_Delete(pd);
	}
	if (*n_missing && !partial) {
		snprintf(err, n, "%s: %zu of %zu points missing: %s (run them with tcpqsim point or sweep --resume, or "
		                 "merge with --partial)",
		         dir, *n_missing, points, miss);
		goto out;
	}
	if (*n_missing) {
		snprintf(note, note_n, "%s: %zu of %zu points missing, left out of the table: %s", dir, *n_missing, points,
		         miss);
		cJSON_AddItemToObject(res, "missing", missing_arr);
		missing_arr = NULL;
	}
	if (fclose(f) != 0) {
		f = NULL;
		snprintf(err, n, "out of memory");
		goto out;
	}
	f = NULL;
	json = cJSON_Print(res);
	if (!json) {
		snprintf(err, n, "out of memory");
		goto out;
	}
	size_t jl = strlen(json);
	char *jn = realloc(json, jl + 2);
	if (!jn) {
		snprintf(err, n, "out of memory");
		goto out;
	}
	json = jn;
	json[jl] = '\n';
	json[jl + 1] = '\0';
	/* both files or neither (output.h) */
	static const char *const results[] = {"results.csv", "results.json", NULL};
	struct output o;
	if (output_open(&o, dir, err, n) < 0)
		goto out;
	o.names = results;
	FILE *fc = output_file(&o, "results.csv"), *fj = output_file(&o, "results.json");
	bool ok = fc && fj && fwrite(csv, 1, csv_len, fc) == csv_len && fwrite(json, 1, jl + 1, fj) == jl + 1;
	errno = 0;
	if (!ok) {
		int e = errno;
		output_abort(&o);
		snprintf(err, n, "%s: cannot write results.csv and results.json: %s", dir, strerror(e ? e : EIO));
		goto out;
	}
	if (output_commit(&o) < 0) {
		if (errno == EINTR) {
			snprintf(err, n, "interrupted: nothing written");
			rc = 130;
		} else {
			snprintf(err, n, "%s: cannot write results.csv and results.json: %s", dir, strerror(errno));
		}
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	free(csv);
	free(json);
	cJSON_Delete(missing_arr);
	cJSON_Delete(res);
	cJSON_Delete(man);
	return rc;
}
