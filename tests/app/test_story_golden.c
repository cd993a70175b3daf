/* test_story_golden.c: the whole story of chosen connections, compared with
 * golden files (tests/app/golden), and, for every classroom lesson, the
 * side named on every line of `explain` against the typed trace's side.
 *
 * Goldens: a client SYN retransmit (02, conn 1), a client resending its
 * request into a full accept queue (06-0 with request clients, conn 5), the
 * server's RST on an overflowing final ACK (06-1, conn 5) and the client's
 * RST to a SYN-ACK for a socket its connect timeout closed (01 with 500 ms
 * each way and a 0.8 s connect timeout).  After a deliberate change of the
 * story's wording, regenerate them with the commands in each test. */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"

static void check_golden(const char *golden, const char *out)
{
	char *want = read_text(golden);
	cr_assert_not_null(want, "%s missing", golden);
	if (strcmp(want, out) != 0) {
		/* the first differing line, for the message */
		const char *a = want, *b = out;
		int line = 1;
		while (*a && *a == *b) {
			line += *a == '\n';
			a++;
			b++;
		}
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		cr_assert_fail("%s: line %d differs:\n  want: %.*s\n  got:  %.*s", golden, line,
		               (int)(ea ? ea - a : (long)strlen(a)), a, (int)(eb ? eb - b : (long)strlen(b)), b);
	}
	free(want);
}

Test(story_golden, client_syn_retransmit)
{
	struct cli_result r = run_cli("explain", "configs/classroom/02-syn-retransmits.json", "--conn", "1", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	check_golden("tests/app/golden/explain-syn-retransmit.txt", r.out);
}

Test(story_golden, client_resends_its_request)
{
	struct cli_result r = run_cli("explain", "configs/classroom/06-abort-on-overflow-0.json", "--set",
	                              "clients[0].after_connect.kind=request", "--set",
	                              "clients[1].after_connect.kind=request", "--conn", "5", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	check_golden("tests/app/golden/explain-request-resent.txt", r.out);
}

Test(story_golden, server_rst_on_overflow)
{
	struct cli_result r = run_cli("explain", "configs/classroom/06-abort-on-overflow-1.json", "--conn", "5", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	check_golden("tests/app/golden/explain-server-rst.txt", r.out);
}

Test(story_golden, client_rst_to_a_late_synack)
{
	struct cli_result r = run_cli("explain", "configs/classroom/01-handshake.json", "--set",
	                              "network.one_way_delay_ms=500", "--set", "clients.connect_timeout_s=0.8", "--conn",
	                              "0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	check_golden("tests/app/golden/explain-client-rst.txt", r.out);
}

/* the "who" column of explain's step lines, in order (listener-wide stall
 * and resume lines left out: they are not the attempt's records) */
static size_t explain_sides(const char *out, char sides[][8], size_t max)
{
	const char *p = strstr(out, "Step by step:");
	const char *end = p ? strstr(p, "Sequence diagram") : NULL;
	size_t n = 0;
	for (p = p ? strchr(p, '\n') : NULL; p && p < end && n < max; p = strchr(p + 1, '\n')) {
		const char *line = p + 1;
		/* "  %10.3f ms  %9s  %9s  %-6s  %s" */
		if (strncmp(line + 12, " ms  ", 5) != 0)
			continue;
		const char *who = line + 39, *what = line + 47;
		if (strncmp(what, "the application stops accepting", 31) == 0 ||
		    strncmp(what, "the application accepts again", 29) == 0)
			continue;
		snprintf(sides[n++], 8, "%.6s", who);
		char *sp = strchr(sides[n - 1], ' ');
		if (sp)
			*sp = '\0';
	}
	return n;
}

Test(story_golden, every_lesson_names_the_side_that_acted, .timeout = 120)
{
	static const char *const lessons[] = {
	    "01-handshake", "02-syn-retransmits", "03-accept-queue-fills", "04-somaxconn",
	    "05-experiment-2.6.32", "05-experiment-6.18", "06-abort-on-overflow-0", "06-abort-on-overflow-1",
	    "07-syn-flood-cookies", "07-syn-flood-no-cookies",
	};
	static const char *const conns[] = {"0", "1", "3", "5", "8"};
	static char sides[512][8];
	char *dir = temp_dir();
	size_t checked = 0;
	for (size_t i = 0; i < sizeof(lessons) / sizeof(lessons[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "configs/classroom/%s.json", lessons[i]);
		for (size_t k = 0; k < sizeof(conns) / sizeof(conns[0]); k++) {
			struct cli_result r = run_cli("explain", path, "--conn", conns[k], NULL);
			if (r.status != 0)
				continue; /* a lesson with fewer attempts */
			size_t n = explain_sides(r.out, sides, 512);
			char out[512];
			snprintf(out, sizeof(out), "%s/%s-%s", dir, lessons[i], conns[k]);
			r = run_cli("run", path, "-q", "-o", out, "--trace-conn", conns[k], NULL);
			cr_assert_eq(r.status, 0, "%s: %s", path, r.err);
			char tpath[600];
			snprintf(tpath, sizeof(tpath), "%s/trace.jsonl", out);
			char *text = read_text(tpath);
			cr_assert_not_null(text);
			size_t j = 0;
			for (char *line = strtok(text, "\n"); line && j < n; line = strtok(NULL, "\n"), j++) {
				cJSON *o = cJSON_Parse(line);
				cr_assert_not_null(o);
				const char *ev = cJSON_GetObjectItem(o, "event")->valuestring;
				const char *side = cJSON_GetObjectItem(o, "side")->valuestring;
				const cJSON *d = cJSON_GetObjectItem(o, "dir");
				/* a send or a loss is drawn as the sender's */
				const char *want = side;
				if (strcmp(ev, "send") == 0 || strcmp(ev, "lost") == 0)
					want = strcmp(d->valuestring, "c2s") == 0 ? "client" : "server";
				cr_assert_str_eq(sides[j], want, "%s --conn %s, step %zu (%s): explain says %s", path, conns[k],
				                 j + 1, ev, sides[j]);
				cJSON_Delete(o);
				checked++;
			}
			cr_assert_eq(j, n, "%s --conn %s: %zu lines, %zu records", path, conns[k], n, j);
			free(text);
		}
	}
	remove_tree(dir);
	cr_assert_gt(checked, 200, "only %zu lines checked", checked);
}
