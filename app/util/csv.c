/* csv.c: an RFC 4180 table (csv.h). */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "app/util/csv.h"
#include "app/util/strbuf.h"

void csv_fini(struct csv *c)
{
	for (size_t i = 0; c->cells && i < c->rows * c->cols; i++)
		free(c->cells[i]);
	free(c->cells);
	memset(c, 0, sizeof(*c));
}

const char *csv_at(const struct csv *c, size_t row, size_t col)
{
	return c->cells[row * c->cols + col];
}

/* csv_parse: RFC 4180 text (quoted fields, "" for a quote, CRLF or LF).
 * Returns 0, or -1 with err filled ("line L: ..."). */
int csv_parse(const char *text, struct csv *c, char *err, size_t n)
{
	memset(c, 0, sizeof(*c));
	size_t cap = 0, count = 0, line = 1;
	struct strbuf field = {0};
	const char *p = text;
	int rc = -1;
	while (*p) {
		/* one row: fields separated by commas (a comma before the end of
		 * the line or file opens one more, empty, field) */
		size_t row_fields = 0;
		for (;;) {
			field.len = 0;
			sb_append(&field, "", 0);
			if (*p == '"') {
				size_t first_line = line;
				p++;
				for (;;) {
					if (!*p) {
						snprintf(err, n, "line %zu: a quoted field does not end", first_line);
						goto out;
					}
					if (*p == '"' && p[1] == '"') {
						sb_append(&field, "\"", 1);
						p += 2;
					} else if (*p == '"') {
						p++;
						break;
					} else {
						line += *p == '\n';
						sb_append(&field, p++, 1);
					}
				}
			} else {
				while (*p && *p != ',' && *p != '\n' && *p != '\r')
					sb_append(&field, p++, 1);
			}
			if (count == cap) {
				cap = cap ? cap * 2 : 64;
				char **nc = realloc(c->cells, cap * sizeof(*nc));
				if (!nc) {
					snprintf(err, n, "out of memory");
					goto out;
				}
				c->cells = nc;
			}
			c->cells[count] = field.oom ? NULL : strdup(field.p);
			if (!c->cells[count]) {
				snprintf(err, n, "out of memory");
				goto out;
			}
			count++;
			row_fields++;
			if (*p != ',')
				break;
			p++;
		}
		if (*p && *p != '\r' && *p != '\n') {
			snprintf(err, n, "line %zu: unexpected text after a quoted field", line);
			goto out;
		}
		if (c->rows == 0) {
			c->cols = row_fields;
		} else if (row_fields != c->cols) {
			snprintf(err, n, "line %zu: expected %zu fields, got %zu", line, c->cols, row_fields);
			goto out;
		}
		c->rows++;
		while (*p == '\n' || *p == '\r') /* the line end, and blank lines */
			line += *p++ == '\n';
	}
	rc = 0;
out:
	if (rc != 0) {
		for (size_t i = 0; i < count; i++)
			free(c->cells[i]);
		free(c->cells);
		memset(c, 0, sizeof(*c));
	}
	sb_fini(&field);
	return rc;
}
