/* test_schema.c: every field the program writes is documented in
 * docs/schema.md (as `dotted.path`, with `x[].y` inside arrays). */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"

static char *schema_doc;

static void need(const char *what)
{
	char pat[512];
	snprintf(pat, sizeof(pat), "`%s`", what);
	cr_expect(strstr(schema_doc, pat) != NULL, "docs/schema.md does not document %s", pat);
}

/* every leaf (and every object) of a summary, by path */
static void walk(const cJSON *node, const char *path)
{
	if (path[0])
		need(path);
	if (cJSON_IsObject(node)) {
		for (const cJSON *c = node->child; c; c = c->next) {
			char p[512];
			/* populations are documented as populations.NAME */
			if (strcmp(path, "populations") == 0)
				snprintf(p, sizeof(p), "populations.NAME");
			else
				snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", c->string);
			walk(c, p);
		}
	} else if (cJSON_IsArray(node) && node->child && cJSON_IsObject(node->child)) {
		for (const cJSON *c = node->child; c; c = c->next) {
			char p[512];
			/* the client populations are documented under scenario.clients */
			if (strcmp(path, "scenario.clients") == 0)
				snprintf(p, sizeof(p), "%s", path);
			else
				snprintf(p, sizeof(p), "%s[]", path);
			for (const cJSON *k = c->child; k; k = k->next) {
				char q[600];
				snprintf(q, sizeof(q), "%s.%s", p, k->string);
				walk(k, q);
			}
		}
	}
}

static void check_jsonl(const char *file)
{
	char *t = read_text(file);
	cr_assert_not_null(t, "%s", file);
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
		cJSON *o = cJSON_Parse(line);
		cr_assert_not_null(o, "%s: %s", file, line);
		for (const cJSON *k = o->child; k; k = k->next)
			need(k->string);
		cJSON_Delete(o);
	}
	free(t);
}

static void check_tsv(const char *file)
{
	char *t = read_text(file);
	cr_assert_not_null(t, "%s", file);
	char *nl = strchr(t, '\n');
	if (nl)
		*nl = '\0';
	/* a plain header any CSV/TSV reader takes as the column names: no "# "
	 * prefix, tab-separated names of letters, digits and '_' */
	cr_assert(t[0] != '#', "%s: the header starts with '#': %s", file, t);
	cr_assert(strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_\t") == strlen(t),
	          "%s: the header holds more than tab-separated names: %s", file, t);
	for (char *col = strtok(t, "\t"); col; col = strtok(NULL, "\t"))
		need(col);
	free(t);
}

static void check_run(const char *config, const char *set)
{
	char *dir = temp_dir();
	struct cli_result r = set ? run_cli("run", config, "-q", "-o", dir, "--attempts", "--trace", "--set", set, NULL)
	                          : run_cli("run", config, "-q", "-o", dir, "--attempts", "--trace", NULL);
	cr_assert_eq(r.status, 0, "%s: %s", config, r.err);
	char path[512];
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	char *t = read_text(path);
	cJSON *doc = cJSON_Parse(t);
	free(t);
	walk(doc, "");
	cJSON_Delete(doc);
	const char *jsonl[] = {"attempts.jsonl", "trace.jsonl"};
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, jsonl[i]);
		check_jsonl(path);
	}
	const char *tsv[] = {"series.tsv", "connect_hist.tsv", "tcpsynbl.tsv"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, tsv[i]);
		check_tsv(path);
	}
	remove_tree(dir);
}

Test(schema, every_field_written_is_documented)
{
	schema_doc = read_text("docs/schema.md");
	cr_assert_not_null(schema_doc);
	check_run("configs/default.json", "duration_s=2");
	check_run("configs/seed/03-abort-on-overflow.json", NULL);
	check_run("configs/whatif/syn-flood.json", "duration_s=3");
	check_run("configs/whatif/reuseport-4.json", "duration_s=2");
	check_run("tests/fixtures/replay.json", NULL);
	check_run("configs/seed/01-syn-retransmits.json", "clients[1].app_retry={\"retries\":1,\"backoff_ms\":{\"kind\":\"uniform\",\"min\":1,\"max\":2}}");
	free(schema_doc);
}
