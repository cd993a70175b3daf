/* csv.h: an RFC 4180 table read whole into memory (quoted fields, "" for a
 * quote, CRLF or LF).  Program layer (app/util). */
#ifndef TCPQSIM_CSV_H
#define TCPQSIM_CSV_H

#include <stddef.h>

struct csv {
	char **cells;  /* rows * cols strings, row-major; row 0 is the header */
	size_t rows;   /* rows, the header included */
	size_t cols;   /* fields per row */
};

/* csv_parse: Returns 0, or -1 with err filled ("line L: ..."). */
int csv_parse(const char *text, struct csv *c, char *err, size_t n);
const char *csv_at(const struct csv *c, size_t row, size_t col);
void csv_fini(struct csv *c);

#endif
