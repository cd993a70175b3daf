/* strbuf.h: a growing NUL-terminated string.  An allocation failure sets
 * oom and makes every later append a no-op, so callers check once at the
 * end.  Program layer (app/util). */
#ifndef TCPQSIM_STRBUF_H
#define TCPQSIM_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *p;    /* NUL-terminated text, or NULL before the first append */
	size_t len; /* bytes used, without the NUL */
	size_t cap; /* bytes allocated */
	bool oom;   /* an allocation failed; the text is incomplete */
};

void sb_append(struct strbuf *b, const char *s, size_t n);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_fini(struct strbuf *b);
/* the text, or "" before the first append */
const char *sb_str(const struct strbuf *b);

#endif
