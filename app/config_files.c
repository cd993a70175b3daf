/* config_files.c: numbers from text files, for replay arrivals and
 * empirical distributions (config_int.h). */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/world.h"
#include "app/config_int.h"

/* the most a replay or empirical file may hold */
#define NUMBERS_MAX_BYTES ((size_t)1 << 30)
#define NUMBERS_MAX_COUNT ((size_t)100000000)

#define NUMBERS_LINE_MAX 65536

/* one line of f into buf (NUL-terminated, the newline kept): returns its
 * length, 0 at the end of the file, -1 for a line of cap - 1 bytes or more,
 * -2 for a NUL byte */
static long read_line(FILE *f, char *buf, size_t cap)
{
	size_t k = 0;
	int ch;
	while ((ch = getc(f)) != EOF) {
		if (ch == '\0')
			return -2;
		if (k + 1 >= cap)
			return -1;
		buf[k++] = (char)ch;
		if (ch == '\n')
			break;
	}
	buf[k] = '\0';
	return (long)k;
}

/* read one column (1-based, or named by a header line) of numbers from a
 * text or CSV file; '#' lines and blank lines are skipped.  A file that is
 * not text (a NUL byte: /dev/zero), larger than NUMBERS_MAX_BYTES (an
 * endless stream) or with more than NUMBERS_MAX_COUNT numbers is refused. */
double *read_numbers(struct cfg *c, const char *key, const char *file, const cJSON *column, size_t *n_out,
                     cJSON *out)
{
	char path[4096];
	if (file[0] == '/' || !c->base_dir)
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s/%s", c->base_dir, file);
	FILE *f = fopen(path, "r");
	if (!f) {
		jr_fail(c->r, key, "expected a readable file, got \"%s\" (%s)", path, strerror(errno));
		return NULL;
	}
	/* the resolved document names the file as this run found it (absolute),
	 * so that it loads again from anywhere: plot on a moved run folder */
	char *abs = realpath(path, NULL);
	if (abs && out && cJSON_GetObjectItemCaseSensitive(out, key))
		cJSON_ReplaceItemInObjectCaseSensitive(out, key, cJSON_CreateString(abs));
	free(abs);
	long col = 1;
	const char *col_name = NULL;
	if (column && cJSON_IsNumber(column))
		col = (long)column->valuedouble;
	else if (column && cJSON_IsString(column))
		col_name = column->valuestring;
	size_t cap = 1024, n = 0, bytes = 0;
	double *v = malloc(cap * sizeof(*v));
	char *line = malloc(NUMBERS_LINE_MAX);
	long lineno = 0;
	bool header_done = col_name == NULL;
	bool past_header = false; /* the first line that is not a comment may be a header */
	long got;
	errno = 0;
	while (v && line && (got = read_line(f, line, NUMBERS_LINE_MAX)) != 0) {
		lineno++;
		if (got == -2) {
			jr_fail(c->r, key, "expected a text file, got a NUL byte at %s:%ld", path, lineno);
			break;
		}
		if (got == -1) {
			jr_fail(c->r, key, "expected lines under %d bytes, got a longer one at %s:%ld", NUMBERS_LINE_MAX, path,
			        lineno);
			break;
		}
		bytes += (size_t)got;
		if (bytes > NUMBERS_MAX_BYTES) {
			jr_fail(c->r, key, "expected a file under %zu MiB, got more in %s", NUMBERS_MAX_BYTES >> 20, path);
			break;
		}
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '#' || *s == '\n' || *s == '\r' || *s == '\0')
			continue;
		/* split on commas (CSV: every comma ends a field, and an empty
		 * field is an error, never skipped), or else on tabs or spaces */
		char *fields[64];
		int nf = 0;
		if (strchr(s, ',')) {
			bool empty = false;
			for (char *t = s; nf < 64;) {
				char *e = strchr(t, ',');
				if (e)
					*e = '\0';
				while (*t == ' ' || *t == '\t')
					t++;
				char *z = t + strlen(t);
				while (z > t && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\r' || z[-1] == '\n'))
					*--z = '\0';
				if (!*t) {
					jr_fail(c->r, key, "expected a number at %s:%ld:%ld, got an empty field", path, lineno,
					        (long)(t - line) + 1);
					empty = true;
					break;
				}
				fields[nf++] = t;
				if (!e)
					break;
				t = e + 1;
			}
			if (empty)
				break;
		} else {
			char *save = NULL;
			for (char *t = strtok_r(s, "\t \r\n", &save); t && nf < 64; t = strtok_r(NULL, "\t \r\n", &save))
				fields[nf++] = t;
		}
		if (!header_done) {
			for (int i = 0; i < nf; i++)
				if (strcmp(fields[i], col_name) == 0)
					col = i + 1;
			header_done = true;
			if (col < 1 || (col == 1 && nf > 0 && strcmp(fields[0], col_name) != 0)) {
				jr_fail(c->r, key, "expected a header line naming column \"%s\" in %s", col_name, path);
				break;
			}
			continue;
		}
		if (col > nf) {
			jr_fail(c->r, key, "expected at least %ld columns at %s:%ld, got %d", col, path, lineno, nf);
			break;
		}
		char *end = NULL;
		errno = 0;
		double x = strtod(fields[col - 1], &end);
		if (!end || *end || errno || !isfinite(x) || x < 0) {
			if (n == 0 && !past_header && !col_name) {
				past_header = true;
				continue; /* a header line */
			}
			jr_fail(c->r, key, "expected a non-negative number at %s:%ld, got \"%.40s\"", path, lineno,
			        fields[col - 1]);
			break;
		}
		if (n == NUMBERS_MAX_COUNT) {
			jr_fail(c->r, key, "expected at most %zu numbers in %s", NUMBERS_MAX_COUNT, path);
			break;
		}
		if (n == cap) {
			double *nv = realloc(v, cap * 2 * sizeof(*v));
			if (!nv) {
				free(v);
				v = NULL;
				break;
			}
			v = nv;
			cap *= 2;
		}
		v[n++] = x;
		errno = 0;
	}
	int read_errno = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (!line) {
		free(v);
		v = NULL;
	}
	free(line);
	if (!v) {
		jr_fail(c->r, key, "out of memory reading %s", path);
		return NULL;
	}
	if (!c->r->failed && read_errno)
		jr_fail(c->r, key, "expected a readable file, got \"%s\" (%s)", path, strerror(read_errno));
	if (c->r->failed) {
		free(v);
		return NULL;
	}
	if (n == 0) {
		free(v);
		jr_fail(c->r, key, "expected at least one number in %s, got none", path);
		return NULL;
	}
	*n_out = n;
	return v;
}
