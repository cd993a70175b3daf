/* fuzz_sweep.c: libFuzzer harness for the sweep loader (sweep_load).
 *
 * sweep_load reads a file, so each input is written to
 * FUZZ_SWEEP_DIR/sweep.json (fuzz/run.sh sets it inside its output folder), beside copies of the shipped base scenarios
 * (configs/sweeps/base/ *.json, copied once at start-up into
 * FUZZ_SWEEP_DIR/base/) and a small one of its own (FUZZ_SWEEP_DIR/base.json),
 * then loaded with SWEEP_NEED_GRID (even input length) or SWEEP_NEED_SOLVE
 * (odd).  Besides the sanitizers the harness checks the loader's contract:
 *   - a failure leaves one printable line naming the sweep file or its base;
 *   - a success has 1 to SWEEP_MAX_POINTS points, the first and the last of
 *     which load (sweep_point_values + sweep_point_load), and a manifest;
 *   - sweep_fini frees everything (LeakSanitizer), also after a failure.
 * While an input runs, fopen may read only under FUZZ_SWEEP_DIR (the loader
 * follows "base" and replay/empirical file names wherever they point).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/sweep.h"

#ifndef FUZZ_SWEEP_DIR
#define FUZZ_SWEEP_DIR "build-fuzz/sweep-work"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
FILE *__wrap_fopen(const char *path, const char *mode);
FILE *__real_fopen(const char *path, const char *mode);

static bool in_input;

FILE *__wrap_fopen(const char *path, const char *mode)
{
	bool writes = strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+');
	size_t nb = strlen(FUZZ_SWEEP_DIR);
	if (in_input && !writes && (strncmp(path, FUZZ_SWEEP_DIR "/", nb + 1) != 0 || strstr(path, ".."))) {
		errno = EACCES;
		return NULL;
	}
	return __real_fopen(path, mode);
}

static void broken(const char *rule, const char *detail)
{
	fprintf(stderr, "fuzz_sweep: broken rule: %s\n  ", rule);
	for (const char *p = detail ? detail : ""; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch < 32 || ch == 127)
			fprintf(stderr, "\\x%02x", ch);
		else
			fputc(ch, stderr);
	}
	fputc('\n', stderr);
	abort();
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = __real_fopen(from, "rb"), *out = __real_fopen(to, "wb");
	char buf[4096];
	size_t n;
	while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

static const char own_base[] =
    "{\"name\": \"fuzz-base\", \"duration_s\": 1, \"seed\": 3,\n"
    " \"server\": {\"backlog\": 8, \"acceptor\": {\"kind\": \"workers\", \"count\": 2, \"service_ms\": 5}},\n"
    " \"clients\": {\"arrival\": {\"kind\": \"poisson\", \"rate_per_s\": 50}}}\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mkdir(FUZZ_SWEEP_DIR, 0777);
	mkdir(FUZZ_SWEEP_DIR "/base", 0777);
	static const char *const bases[] = {"nginx.json", "mysql.json", NULL};
	for (size_t i = 0; bases[i]; i++) {
		char from[256], to[256];
		snprintf(from, sizeof(from), "configs/sweeps/base/%s", bases[i]);
		snprintf(to, sizeof(to), FUZZ_SWEEP_DIR "/base/%s", bases[i]);
		copy_file(from, to);
	}
	FILE *f = __real_fopen(FUZZ_SWEEP_DIR "/base.json", "w");
	if (f) {
		fputs(own_base, f);
		fclose(f);
	}
	return 0;
}

static void check_message(const struct jr *r, const struct sweep *sw)
{
	if (!r->failed || !r->msg[0])
		broken("a failure has a message", r->msg);
	if (strncmp(r->msg, sw->file, strlen(sw->file)) != 0 &&
	    (!sw->base_path[0] || strncmp(r->msg, sw->base_path, strlen(sw->base_path)) != 0))
		broken("the message starts with the sweep file (or its base)", r->msg);
	for (const unsigned char *p = (const unsigned char *)r->msg; *p; p++)
		if (*p < 32 || *p == 127)
			broken("the message is one line of printable text", r->msg);
}

static void check_point(const struct sweep *sw, size_t i)
{
	cJSON *values = sweep_point_values(sw, i);
	if (!values)
		return; /* out of memory */
	struct loaded_scenario ls;
	struct jr err;
	jr_init(&err, sw->base_path);
	if (sweep_point_load(sw, values, &ls, &err) < 0)
		broken("every point of a loaded sweep loads", err.msg);
	loaded_scenario_fini(&ls);
	cJSON_Delete(values);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char path[] = FUZZ_SWEEP_DIR "/sweep.json";
	FILE *f = __real_fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	in_input = true;
	struct sweep sw;
	struct jr r;
	enum sweep_need need = size % 2 ? SWEEP_NEED_SOLVE : SWEEP_NEED_GRID;
	if (sweep_load(&sw, path, need, &r) < 0) {
		check_message(&r, &sw);
	} else {
		if (r.failed)
			broken("a success leaves no failure", r.msg);
		if (sw.n_points < 1 || sw.n_points > SWEEP_MAX_POINTS)
			broken("1 to SWEEP_MAX_POINTS points", NULL);
		if (need == SWEEP_NEED_SOLVE && !sw.has_solve)
			broken("tcpqsim solve gets a solve object", NULL);
		if (!sw.manifest)
			broken("a loaded sweep has a manifest", NULL);
		check_point(&sw, 0);
		check_point(&sw, sw.n_points - 1);
	}
	sweep_fini(&sw);
	in_input = false;
	return 0;
}
