/* sweep.c: sweep files and their points (sweep.h); sweep_run.c runs sets
 * of values, sweep_store.c keeps the sweep folder, sweep_merge.c tabulates. */
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

#define BIG 1e15
#define MAX_NAMES 512

static const char *const default_metrics[] = {
    "outcomes.connected_frac", "outcomes.timed_out_frac", "connect_time_ms.p50", "connect_time_ms.p99",
    "server.max_accept_queue", "counters.ListenOverflows", NULL,
};

/* summary fields that are not statistics: never merged, never metrics */
static const char *const identity[] = {"schema_version", "tool", "version", "scenario",
                                       "seed", "replication", "run", NULL};

/* ---- small helpers -------------------------------------------------------- */

static bool in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static void format_number(double d, char *buf, size_t n)
{
	if (!isfinite(d)) {
		snprintf(buf, n, "%s", "");
		return;
	}
	if (d == floor(d) && fabs(d) < 1e15) {
		snprintf(buf, n, "%.0f", d == 0 ? 0.0 : d);
		return;
	}
	snprintf(buf, n, "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, n, "%.17g", d);
}

void sweep_format_value(const cJSON *v, char *buf, size_t n)
{
	if (cJSON_IsNumber(v)) {
		format_number(v->valuedouble, buf, n);
	} else if (cJSON_IsString(v)) {
		snprintf(buf, n, "%s", v->valuestring);
	} else if (v) {
		char *t = cJSON_PrintUnformatted(v);
		snprintf(buf, n, "%s", t ? t : "");
		free(t);
	} else {
		snprintf(buf, n, "%s", "");
	}
}

/* apply "path = v" to doc through jr_set (v is JSON, so it stays JSON) */
static int apply_value(struct jr *r, cJSON *doc, const char *path, const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);
	size_t len = strlen(path) + (text ? strlen(text) : 0) + 2;
	char *a = text ? malloc(len) : NULL;
	if (!a) {
		free(text);
		jr_fail(r, NULL, "out of memory");
		return -1;
	}
	snprintf(a, len, "%s=%s", path, text);
	int rc = jr_set(r, doc, a);
	free(a);
	free(text);
	return rc;
}

/* a scenario problem found for a value of the sweep file: say where in the
 * sweep file, then what the scenario loader said (sub: "LABEL: PATH: WHAT") */
static void fail_at(struct jr *r, const char *where, const char *label, const struct jr *sub)
{
	const char *m = sub->msg;
	size_t ll = strlen(label);
	if (strncmp(m, label, ll) == 0 && m[ll] == ':' && m[ll + 1] == ' ') {
		const char *rest = m + ll + 2;
		const char *sep = strstr(rest, ": ");
		if (sep && sep > rest && rest[0] != '-') {
			jr_fail(r, where, "%s (%.*s in %s)", sep + 2, (int)(sep - rest), rest, label);
			return;
		}
	}
	jr_fail(r, where, "%s", m);
}

static bool path_is_valid(const char *p)
{
	size_t n = strlen(p);
	if (n == 0 || n >= JR_PATH_MAX - 8 || p[0] == '.' || p[n - 1] == '.' || strstr(p, "..") || strchr(p, '='))
		return false;
	return true;
}

static bool name_is_safe(const char *s)
{
	if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strlen(s) >= 128)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return false;
	return true;
}

/* ---- metrics: what a summary holds ---------------------------------------- */

/* a summary with every field of a real one, from a world stopped at once */
static cJSON *probe_summary(const struct loaded_scenario *ls)
{
	struct world_hooks hooks;
	memset(&hooks, 0, sizeof(hooks));
	struct world *w = world_create(&ls->s, &hooks);
	if (!w)
		return NULL;
	volatile sig_atomic_t stop = 1;
	world_run(w, &stop);
	cJSON *doc = report_summary(ls, world_results(w), 0);
	world_destroy(w);
	return doc;
}

struct names {
	char *v[MAX_NAMES + 1]; /* NULL-terminated, owned */
	size_t n;
};

static void names_collect(struct names *nm, const cJSON *node, const char *prefix)
{
	for (const cJSON *c = node->child; c && nm->n < MAX_NAMES; c = c->next) {
		if (!prefix[0] && in_list(c->string, identity))
			continue;
		char p[256];
		snprintf(p, sizeof(p), "%s%s%s", prefix, prefix[0] ? "." : "", c->string);
		if (cJSON_IsNumber(c))
			nm->v[nm->n++] = strdup(p);
		else if (cJSON_IsObject(c))
			names_collect(nm, c, p);
		else if (cJSON_IsArray(c) && (!c->child || cJSON_IsNumber(c->child))) {
			char q[300];
			snprintf(q, sizeof(q), "%s[0]", p);
			nm->v[nm->n++] = strdup(q);
		}
	}
	nm->v[nm->n] = NULL;
}

static void names_free(struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	nm->n = 0;
	nm->v[0] = NULL;
}

/* is metric a number of the summary (any index of a number array)? */
static bool metric_is_known(const cJSON *probe, const char *metric)
{
	char buf[256];
	if (!probe || strlen(metric) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", metric);
	const cJSON *node = probe;
	bool first = true;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		char *br = strchr(tok, '[');
		if (br)
			*br = '\0';
		if (!*tok || (first && in_list(tok, identity)) || !cJSON_IsObject(node))
			return false;
		first = false;
		node = cJSON_GetObjectItemCaseSensitive(node, tok);
		if (!node)
			return false;
		if (br) {
			char *end = NULL;
			long idx = strtol(br + 1, &end, 10);
			if (end == br + 1 || *end != ']' || end[1] || idx < 0 || !cJSON_IsArray(node))
				return false;
			/* count lists grow with the run: any index will do */
			return strtok_r(NULL, ".", &save) == NULL && (!node->child || cJSON_IsNumber(node->child));
		}
	}
	return cJSON_IsNumber(node);
}

static void check_metric(struct jr *r, const char *where, const char *metric, const cJSON *probe,
                         const struct names *nm)
{
	if (metric_is_known(probe, metric))
		return;
	const char *hint = jr_nearest(metric, (const char *const *)nm->v);
	if (hint)
		jr_fail(r, where, "expected a number of the summary, got \"%s\" (did you mean \"%s\"?)", metric, hint);
	else
		jr_fail(r, where, "expected a number of the summary such as \"connect_time_ms.p99\", got \"%s\"", metric);
}

/* ---- loading -------------------------------------------------------------- */

/* "connect_time_ms.p99 <= 100" */
static void read_target(struct jr *r, const char *where, const char *text, struct sweep_target *t, const cJSON *probe,
                        const struct names *nm)
{
	snprintf(t->text, sizeof(t->text), "%s", text);
	const char *op = strpbrk(text, "<>");
	if (!op || op == text) {
		jr_fail(r, where, "expected \"METRIC <= NUMBER\" (or <, >=, >), got \"%s\"", text);
		return;
	}
	size_t ml = (size_t)(op - text);
	while (ml > 0 && (text[ml - 1] == ' ' || text[ml - 1] == '\t'))
		ml--;
	const char *lead = text;
	while (*lead == ' ' || *lead == '\t') {
		lead++;
		ml--;
	}
	if (ml == 0 || ml >= sizeof(t->metric)) {
		jr_fail(r, where, "expected \"METRIC <= NUMBER\", got \"%s\"", text);
		return;
	}
	memcpy(t->metric, lead, ml);
	t->metric[ml] = '\0';
	const char *num = op + 1;
	if (op[0] == '<')
		t->op = op[1] == '=' ? SWEEP_LE : SWEEP_LT;
	else
		t->op = op[1] == '=' ? SWEEP_GE : SWEEP_GT;
	if (op[1] == '=')
		num++;
	char *end = NULL;
	errno = 0;
	t->value = strtod(num, &end);
	while (end && (*end == ' ' || *end == '\t'))
		end++;
	if (end == num || !end || *end || errno || !isfinite(t->value)) {
		jr_fail(r, where, "expected a number after the comparison, got \"%s\"", text);
		return;
	}
	check_metric(r, where, t->metric, probe, nm);
}

/* load the base with one assignment; fail at `where` when it is refused */
static void check_one_value(struct sweep *sw, struct jr *r, const char *where, const char *path, const cJSON *v)
{
	if (r->failed)
		return;
	struct jr sub;
	jr_init(&sub, sw->base_path);
	cJSON *copy = cJSON_Duplicate(sw->base, true);
	if (!copy) {
		jr_fail(r, where, "out of memory");
		return;
	}
	struct loaded_scenario ls;
	memset(&ls, 0, sizeof(ls));
	if (apply_value(&sub, copy, path, v) < 0)
		jr_fail(r, where, "cannot be applied to the base scenario: %s", sub.msg);
	else if (config_load_doc(sw->base_path, sw->base_dir, copy, &ls, &sub) < 0)
		fail_at(r, where, sw->base_path, &sub);
	loaded_scenario_fini(&ls);
	cJSON_Delete(copy);
}

static void read_solve(struct sweep *sw, struct jr *r, const cJSON *so, const cJSON *probe, const struct names *nm)
{
	struct sweep_solve *s = &sw->solve;
	static const char *const k[] = {"param", "min", "max", "integer", "targets", "direction", "tolerance",
	                                "capacity", NULL};
	static const char *const dirs[] = {"increasing", "decreasing", NULL};
	size_t mark = jr_push(r, "solve", 0);
	jr_check_keys(r, so, k);
	if (!r->failed && !cJSON_GetObjectItemCaseSensitive(so, "param"))
		jr_fail(r, "param", "expected the dotted scenario path to solve for, got nothing");
	s->param = jr_string(r, so, NULL, "param", NULL);
	if (!r->failed && !path_is_valid(s->param))
		jr_fail(r, "param", "expected a dotted scenario path such as \"server.backlog\", got \"%s\"", s->param);
	if (!r->failed && !cJSON_GetObjectItemCaseSensitive(so, "min"))
		jr_fail(r, "min", "expected a number (the lower end of the search), got nothing");
	if (!r->failed && !cJSON_GetObjectItemCaseSensitive(so, "max"))
		jr_fail(r, "max", "expected a number (the upper end of the search), got nothing");
	s->min = jr_number(r, so, NULL, "min", 0, -BIG, BIG);
	s->max = jr_number(r, so, NULL, "max", 0, -BIG, BIG);
	if (!r->failed && s->max <= s->min)
		jr_fail(r, "max", "expected a number above solve.min (%g), got %g", s->min, s->max);
	bool whole = s->min == floor(s->min) && s->max == floor(s->max);
	s->integer = jr_bool(r, so, NULL, "integer", whole);
	if (!r->failed && s->integer && !whole)
		jr_fail(r, s->min != floor(s->min) ? "min" : "max", "expected a whole number (\"integer\" is true), got %g",
		        s->min != floor(s->min) ? s->min : s->max);
	s->increasing = jr_enum(r, so, NULL, "direction", dirs, 0) == 0;
	s->tolerance = jr_number(r, so, NULL, "tolerance", s->integer ? 1 : (s->max - s->min) / 1000, 1e-300, BIG);
	const cJSON *tg = cJSON_GetObjectItemCaseSensitive(so, "targets");
	if (!r->failed && (!cJSON_IsArray(tg) || cJSON_GetArraySize(tg) < 1 || cJSON_GetArraySize(tg) > SWEEP_MAX_TARGETS)) {
		char g[96];
		jr_describe(tg, g, sizeof(g));
		jr_fail(r, "targets", "expected an array of 1 to %d targets such as \"connect_time_ms.p99 <= 100\", got %s",
		        SWEEP_MAX_TARGETS, cJSON_IsArray(tg) ? "another number of them" : g);
	}
	for (int i = 0; !r->failed && i < cJSON_GetArraySize(tg); i++) {
		const cJSON *e = cJSON_GetArrayItem(tg, i);
		char where[64];
		snprintf(where, sizeof(where), "targets[%d]", i);
		if (!cJSON_IsString(e)) {
			char g[96];
			jr_describe(e, g, sizeof(g));
			jr_fail(r, where, "expected a string such as \"connect_time_ms.p99 <= 100\", got %s", g);
			break;
		}
		read_target(r, where, e->valuestring, &s->targets[s->n_targets++], probe, nm);
	}
	const cJSON *cap = cJSON_GetObjectItemCaseSensitive(so, "capacity");
	if (!r->failed && cap) {
		size_t m2 = jr_push(r, "capacity", 0);
		static const char *const ck[] = {"param", "min", "max", "integer", NULL};
		if (!cJSON_IsObject(cap)) {
			jr_fail(r, NULL, "expected an object {\"param\", \"min\", \"max\"}");
		} else {
			jr_check_keys(r, cap, ck);
			s->has_capacity = true;
			if (!r->failed && !cJSON_GetObjectItemCaseSensitive(cap, "param"))
				jr_fail(r, "param", "expected the dotted scenario path of the capacity, such as "
				                    "\"server.acceptor.count\", got nothing");
			s->cap_param = jr_string(r, cap, NULL, "param", NULL);
			if (!r->failed && !path_is_valid(s->cap_param))
				jr_fail(r, "param", "expected a dotted scenario path such as \"server.acceptor.count\", got \"%s\"",
				        s->cap_param);
			if (!r->failed && strcmp(s->cap_param, s->param) == 0)
				jr_fail(r, "param", "expected a parameter other than solve.param, got \"%s\"", s->cap_param);
			if (!r->failed && (!cJSON_GetObjectItemCaseSensitive(cap, "min") ||
			                   !cJSON_GetObjectItemCaseSensitive(cap, "max")))
				jr_fail(r, cJSON_GetObjectItemCaseSensitive(cap, "min") ? "max" : "min",
				        "expected a number (an end of the capacity's search), got nothing");
			s->cap_min = jr_number(r, cap, NULL, "min", 0, -BIG, BIG);
			s->cap_max = jr_number(r, cap, NULL, "max", 0, -BIG, BIG);
			if (!r->failed && s->cap_max <= s->cap_min)
				jr_fail(r, "max", "expected a number above solve.capacity.min (%g), got %g", s->cap_min, s->cap_max);
			bool cw = s->cap_min == floor(s->cap_min) && s->cap_max == floor(s->cap_max);
			s->cap_integer = jr_bool(r, cap, NULL, "integer", cw);
			if (!r->failed && s->cap_integer && !cw)
				jr_fail(r, "min", "expected whole numbers (\"integer\" is true), got %g and %g", s->cap_min,
				        s->cap_max);
		}
		jr_pop(r, m2);
	}
	jr_pop(r, mark);
	for (size_t i = 0; !r->failed && i < sw->n_params; i++) {
		if (strcmp(sw->params[i].path, s->param) == 0)
			jr_fail(r, "solve.param", "expected a parameter the grid does not sweep, got \"%s\"", s->param);
		else if (s->has_capacity && strcmp(sw->params[i].path, s->cap_param) == 0)
			jr_fail(r, "solve.capacity.param", "expected a parameter the grid does not sweep, got \"%s\"",
			        s->cap_param);
	}
	if (r->failed)
		return;
	if (s->has_capacity) {
		cJSON *clo = cJSON_CreateNumber(s->cap_min), *chi = cJSON_CreateNumber(s->cap_max);
		if (clo && chi) {
			check_one_value(sw, r, "solve.capacity.min", s->cap_param, clo);
			check_one_value(sw, r, "solve.capacity.max", s->cap_param, chi);
		}
		cJSON_Delete(clo);
		cJSON_Delete(chi);
		if (r->failed)
			return;
	}
	cJSON *lo = cJSON_CreateNumber(s->min), *hi = cJSON_CreateNumber(s->max);
	if (lo && hi) {
		check_one_value(sw, r, "solve.min", s->param, lo);
		check_one_value(sw, r, "solve.max", s->param, hi);
	}
	cJSON_Delete(lo);
	cJSON_Delete(hi);
}

static void read_grid(struct sweep *sw, struct jr *r, const cJSON *g)
{
	for (const cJSON *c = g->child; c && !r->failed; c = c->next) {
		char where[JR_PATH_MAX];
		snprintf(where, sizeof(where), "grid.%s", c->string);
		for (const cJSON *d = g->child; d != c; d = d->next)
			if (strcmp(d->string, c->string) == 0) {
				jr_fail(r, where, "duplicate key");
				return;
			}
		if (!path_is_valid(c->string)) {
			jr_fail(r, where, "expected a dotted scenario path such as \"server.backlog\" as the key");
			return;
		}
		if (sw->n_params == SWEEP_MAX_PARAMS) {
			jr_fail(r, where, "expected at most %d swept parameters", SWEEP_MAX_PARAMS);
			return;
		}
		if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) < 1) {
			char got[96];
			jr_describe(c, got, sizeof(got));
			jr_fail(r, where, "expected a non-empty array of values, got %s",
			        cJSON_IsArray(c) ? "an empty array" : got);
			return;
		}
		struct sweep_param *p = &sw->params[sw->n_params++];
		p->path = c->string;
		p->values = c;
		p->n_values = (size_t)cJSON_GetArraySize(c);
		int k = 0;
		for (const cJSON *v = c->child; v && !r->failed; v = v->next, k++) {
			char w2[JR_PATH_MAX + 32];
			snprintf(w2, sizeof(w2), "%s[%d]", where, k);
			if (cJSON_IsNull(v)) {
				jr_fail(r, w2, "expected a value for %s, got null", c->string);
				break;
			}
			check_one_value(sw, r, w2, c->string, v);
		}
	}
	if (r->failed)
		return;
	if (sw->n_params == 0) {
		jr_fail(r, "grid", "expected at least one dotted scenario path with its list of values, got an empty object");
		return;
	}
	if (sw->zip) {
		for (size_t i = 1; i < sw->n_params; i++)
			if (sw->params[i].n_values != sw->params[0].n_values) {
				char where[JR_PATH_MAX];
				snprintf(where, sizeof(where), "grid.%s", sw->params[i].path);
				jr_fail(r, where, "expected %zu values (\"combine\": \"zip\" pairs the lists), got %zu",
				        sw->params[0].n_values, sw->params[i].n_values);
				return;
			}
		sw->n_points = sw->params[0].n_values;
		return;
	}
	size_t n = 1;
	for (size_t i = 0; i < sw->n_params; i++) {
		if (n > SWEEP_MAX_POINTS / sw->params[i].n_values) {
			jr_fail(r, "grid", "expected at most %d points, got more", SWEEP_MAX_POINTS);
			return;
		}
		n *= sw->params[i].n_values;
	}
	sw->n_points = n;
}

void sweep_check_metrics(struct jr *r, const char *path, const cJSON *base, const cJSON *metrics)
{
	struct jr sub;
	char label[4500];
	snprintf(label, sizeof(label), "%s: base_scenario", path);
	jr_init(&sub, label);
	struct loaded_scenario ls;
	if (config_load_doc(label, ".", base, &ls, &sub) < 0) {
		r->failed = true;
		snprintf(r->msg, sizeof(r->msg), "%s", sub.msg);
		return;
	}
	cJSON *probe = probe_summary(&ls);
	struct names nm = {.n = 0};
	if (probe)
		names_collect(&nm, probe, "");
	int i = 0;
	for (const cJSON *m = metrics->child; m && !r->failed; m = m->next, i++) {
		char where[64], d[128];
		snprintf(where, sizeof(where), "metrics[%d]", i);
		if (!cJSON_IsString(m)) {
			jr_describe(m, d, sizeof(d));
			jr_fail(r, where, "expected a summary path such as \"connect_time_ms.p99\", got %s", d);
		} else {
			check_metric(r, where, m->valuestring, probe, &nm);
		}
	}
	names_free(&nm);
	cJSON_Delete(probe);
	loaded_scenario_fini(&ls);
}

static void build_manifest(struct sweep *sw, const cJSON *resolved_base)
{
	cJSON *m = cJSON_CreateObject();
	sw->manifest = m;
	if (!m)
		return;
	cJSON_AddStringToObject(m, "tool", "tcpqsim");
	cJSON_AddStringToObject(m, "kind", "sweep");
	cJSON_AddStringToObject(m, "name", sw->name);
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(sw->doc, "base");
	cJSON_AddStringToObject(m, "base", b->valuestring);
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(sw->doc, "set");
	if (set)
		cJSON_AddItemToObject(m, "set", cJSON_Duplicate(set, true));
	int64_t seed = 0;
	jr_get_int(cJSON_GetObjectItemCaseSensitive(resolved_base, "seed"), &seed);
	cJSON_AddItemToObject(m, "seed", jr_int_node(seed));
	cJSON_AddNumberToObject(m, "replications", (double)sw->replications);
	cJSON_AddStringToObject(m, "combine", sw->zip ? "zip" : "product");
	cJSON *params = cJSON_AddArrayToObject(m, "params");
	cJSON *grid = cJSON_AddObjectToObject(m, "grid");
	for (size_t i = 0; i < sw->n_params; i++) {
		cJSON_AddItemToArray(params, cJSON_CreateString(sw->params[i].path));
		cJSON_AddItemToObject(grid, sw->params[i].path, cJSON_Duplicate(sw->params[i].values, true));
	}
	cJSON *metrics = cJSON_AddArrayToObject(m, "metrics");
	for (size_t i = 0; i < sw->n_metrics; i++)
		cJSON_AddItemToArray(metrics, cJSON_CreateString(sw->metrics[i]));
	cJSON_AddNumberToObject(m, "points", (double)sw->n_points);
	cJSON_AddItemToObject(m, "base_scenario", cJSON_Duplicate(resolved_base, true));
}

static void describe_point(const cJSON *values, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const cJSON *c = values->child; c && used + 8 < n; c = c->next) {
		char v[128];
		sweep_format_value(c, v, sizeof(v));
		used += (size_t)snprintf(buf + used, n - used, "%s%s=%s", used ? ", " : "", c->string, v);
	}
}

int sweep_load(struct sweep *sw, const char *path, enum sweep_need need, struct jr *r)
{
	memset(sw, 0, sizeof(*sw));
	snprintf(sw->file, sizeof(sw->file), "%s", path);
	jr_init(r, sw->file);
	struct loaded_scenario ls;
	memset(&ls, 0, sizeof(ls));
	struct names nm = {.n = 0};
	cJSON *probe = NULL;
	size_t len = 0;
	char *text = jr_read_file(r, sw->file, &len);
	if (!text)
		return -1;
	sw->doc = jr_parse_text(r, text, len);
	free(text);
	if (!sw->doc)
		return -1;
	const cJSON *doc = sw->doc;
	if (!cJSON_IsObject(doc)) {
		char g[96];
		jr_describe(doc, g, sizeof(g));
		jr_fail(r, NULL, "expected a JSON object (a sweep), got %s", g);
		return -1;
	}
	static const char *const k[] = {"name", "description", "base", "set", "seed", "replications", "combine",
	                                "grid", "metrics", "solve", NULL};
	static const char *const combines[] = {"product", "zip", NULL};
	jr_check_keys(r, doc, k);
	/* the name: the file's base name without .json unless given */
	char defname[128];
	{
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s", sw->file);
		snprintf(defname, sizeof(defname), "%s", basename(tmp));
		size_t l = strlen(defname);
		if (l > 5 && strcmp(defname + l - 5, ".json") == 0)
			defname[l - 5] = '\0';
	}
	const char *name = jr_string(r, doc, NULL, "name", defname);
	if (!r->failed && !name_is_safe(name))
		jr_fail(r, "name", "expected a name of letters, digits, '-', '_' and '.' (it names the output folder), "
		                   "got \"%s\"",
		        name);
	if (!r->failed)
		snprintf(sw->name, sizeof(sw->name), "%s", name);
	jr_string(r, doc, NULL, "description", "");
	if (!r->failed && !cJSON_GetObjectItemCaseSensitive(doc, "base"))
		jr_fail(r, "base", "expected the path of the base scenario (relative to the sweep file), got nothing");
	const char *base = jr_string(r, doc, NULL, "base", NULL);
	sw->replications = (uint64_t)jr_int(r, doc, NULL, "replications", 1, 1, REPLICATE_MAX);
	bool has_seed = cJSON_GetObjectItemCaseSensitive(doc, "seed") != NULL;
	int64_t seed = jr_int(r, doc, NULL, "seed", 1, 0, INT64_C(1) << 62);
	sw->zip = jr_enum(r, doc, NULL, "combine", combines, 0) == 1;
	const cJSON *set = jr_object(r, doc, "set");
	const cJSON *grid = cJSON_GetObjectItemCaseSensitive(doc, "grid");
	const cJSON *solve = jr_object(r, doc, "solve");
	if (!r->failed && grid && !cJSON_IsObject(grid)) {
		char g[96];
		jr_describe(grid, g, sizeof(g));
		jr_fail(r, "grid", "expected an object of dotted scenario paths to arrays of values, got %s", g);
	}
	if (!r->failed && need == SWEEP_NEED_GRID && !grid)
		jr_fail(r, "grid", "expected an object of dotted scenario paths to arrays of values, got nothing%s",
		        solve ? " (this file has only \"solve\": run tcpqsim solve)" : "");
	if (!r->failed && need == SWEEP_NEED_SOLVE && !solve)
		jr_fail(r, "solve", "expected an object {\"param\", \"min\", \"max\", \"targets\", ...}, got nothing "
		                    "(tcpqsim solve needs one)");
	if (r->failed)
		goto fail;

	/* the base scenario, relative to the sweep file */
	if (base[0] == '/') {
		snprintf(sw->base_path, sizeof(sw->base_path), "%s", base);
	} else {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s", sw->file);
		const char *d = dirname(tmp);
		if (strcmp(d, ".") == 0)
			snprintf(sw->base_path, sizeof(sw->base_path), "%s", base);
		else
			snprintf(sw->base_path, sizeof(sw->base_path), "%.2000s/%.2000s", d, base);
	}
	{
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s", sw->base_path);
		snprintf(sw->base_dir, sizeof(sw->base_dir), "%s", dirname(tmp));
	}
	if (access(sw->base_path, R_OK) < 0) {
		jr_fail(r, "base", "expected a readable scenario file, got \"%s\" (%s)", sw->base_path, strerror(errno));
		goto fail;
	}
	struct jr sub;
	jr_init(&sub, sw->base_path);
	text = jr_read_file(&sub, sw->base_path, &len);
	sw->base = text ? jr_parse_text(&sub, text, len) : NULL;
	free(text);
	if (!sw->base) {
		*r = sub;
		r->file = sw->file;
		goto fail;
	}
	for (const cJSON *c = set ? set->child : NULL; c && !r->failed; c = c->next) {
		char where[JR_PATH_MAX];
		snprintf(where, sizeof(where), "set.%s", c->string);
		for (const cJSON *d = set->child; d != c; d = d->next)
			if (strcmp(d->string, c->string) == 0)
				jr_fail(r, where, "duplicate key");
		if (!r->failed && !path_is_valid(c->string))
			jr_fail(r, where, "expected a dotted scenario path such as \"duration_s\" as the key");
		check_one_value(sw, r, where, c->string, c);
		if (!r->failed && apply_value(&sub, sw->base, c->string, c) < 0)
			jr_fail(r, where, "%s", sub.msg);
	}
	if (!r->failed && has_seed) {
		cJSON *sv = jr_int_node(seed);
		if (!sv || apply_value(&sub, sw->base, "seed", sv) < 0)
			jr_fail(r, "seed", "%s", sub.msg);
		cJSON_Delete(sv);
	}
	if (r->failed)
		goto fail;
	jr_init(&sub, sw->base_path);
	if (config_load_doc(sw->base_path, sw->base_dir, sw->base, &ls, &sub) < 0) {
		*r = sub;
		r->file = sw->file;
		goto fail;
	}
	probe = probe_summary(&ls);
	if (!probe) {
		jr_fail(r, NULL, "out of memory");
		goto fail;
	}
	names_collect(&nm, probe, "");

	if (grid)
		read_grid(sw, r, grid);
	else
		sw->n_points = 1;
	if (r->failed)
		goto fail;

	const cJSON *mt = cJSON_GetObjectItemCaseSensitive(doc, "metrics");
	if (!mt) {
		for (size_t i = 0; default_metrics[i]; i++)
			sw->metrics[sw->n_metrics++] = default_metrics[i];
	} else if (!cJSON_IsArray(mt) || cJSON_GetArraySize(mt) < 1 || cJSON_GetArraySize(mt) > SWEEP_MAX_METRICS) {
		char g[96];
		jr_describe(mt, g, sizeof(g));
		jr_fail(r, "metrics", "expected an array of 1 to %d summary paths such as \"connect_time_ms.p99\", got %s",
		        SWEEP_MAX_METRICS, cJSON_IsArray(mt) ? "another number of them" : g);
	} else {
		int i = 0;
		for (const cJSON *e = mt->child; e && !r->failed; e = e->next, i++) {
			char where[64];
			snprintf(where, sizeof(where), "metrics[%d]", i);
			if (!cJSON_IsString(e)) {
				char g[96];
				jr_describe(e, g, sizeof(g));
				jr_fail(r, where, "expected a string such as \"connect_time_ms.p99\", got %s", g);
				break;
			}
			check_metric(r, where, e->valuestring, probe, &nm);
			for (size_t j = 0; j < sw->n_metrics && !r->failed; j++)
				if (strcmp(sw->metrics[j], e->valuestring) == 0)
					jr_fail(r, where, "expected each metric once, got \"%s\" again", e->valuestring);
			sw->metrics[sw->n_metrics++] = e->valuestring;
		}
	}
	if (solve && !r->failed) {
		sw->has_solve = true;
		read_solve(sw, r, solve, probe, &nm);
	}
	if (r->failed)
		goto fail;

	/* every combination (single values were checked above) */
	for (size_t i = 0; sw->n_params > 1 && i < sw->n_points && !r->failed; i++) {
		cJSON *values = sweep_point_values(sw, i);
		struct loaded_scenario pls;
		struct jr psub;
		if (!values) {
			jr_fail(r, NULL, "out of memory");
			break;
		}
		if (sweep_point_load(sw, values, &pls, &psub) < 0) {
			char desc[512];
			describe_point(values, desc, sizeof(desc));
			jr_fail(r, "grid", "point %zu (%s) is not a valid scenario: %s", i, desc, psub.msg);
		} else {
			loaded_scenario_fini(&pls);
		}
		cJSON_Delete(values);
	}
	if (r->failed)
		goto fail;
	build_manifest(sw, ls.resolved);
	if (!sw->manifest) {
		jr_fail(r, NULL, "out of memory");
		goto fail;
	}
	names_free(&nm);
	cJSON_Delete(probe);
	loaded_scenario_fini(&ls);
	return 0;
fail:
	names_free(&nm);
	cJSON_Delete(probe);
	loaded_scenario_fini(&ls);
	return -1;
}

void sweep_fini(struct sweep *sw)
{
	cJSON_Delete(sw->doc);
	cJSON_Delete(sw->base);
	cJSON_Delete(sw->manifest);
	sw->doc = sw->base = sw->manifest = NULL;
}

cJSON *sweep_point_values(const struct sweep *sw, size_t i)
{
	cJSON *o = cJSON_CreateObject();
	size_t idx[SWEEP_MAX_PARAMS];
	size_t rest = i;
	/* product: the last parameter varies fastest */
	for (size_t j = sw->n_params; j-- > 0;) {
		idx[j] = sw->zip ? i : rest % sw->params[j].n_values;
		rest /= sw->params[j].n_values;
	}
	for (size_t j = 0; o && j < sw->n_params; j++) {
		cJSON *v = cJSON_Duplicate(cJSON_GetArrayItem(sw->params[j].values, (int)idx[j]), true);
		if (!v) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddItemToObject(o, sw->params[j].path, v);
	}
	return o;
}

int sweep_point_load(const struct sweep *sw, const cJSON *values, struct loaded_scenario *ls, struct jr *err)
{
	memset(ls, 0, sizeof(*ls));
	jr_init(err, sw->base_path);
	cJSON *copy = cJSON_Duplicate(sw->base, true);
	if (!copy) {
		jr_fail(err, NULL, "out of memory");
		return -1;
	}
	int rc = 0;
	for (const cJSON *c = values ? values->child : NULL; c && rc == 0; c = c->next)
		rc = apply_value(err, copy, c->string, c);
	if (rc == 0)
		rc = config_load_doc(sw->base_path, sw->base_dir, copy, ls, err);
	cJSON_Delete(copy);
	if (rc < 0)
		loaded_scenario_fini(ls);
	return rc < 0 ? -1 : 0;
}
