/* jsonread.h: reading JSON documents people write by hand.
 *
 * A struct jr walks an input cJSON tree and builds, beside it, the resolved
 * document: every value read (or its default) is added to an output object,
 * so the program can write back exactly what it ran.  The first problem is
 * kept as one line "FILE: json.path: expected ..., got ..." and every later
 * call does nothing.  Unknown keys (with a "did you mean" hint) and duplicate
 * keys are errors.  Program layer only.
 */
#ifndef TCPQSIM_JSONREAD_H
#define TCPQSIM_JSONREAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define JR_MSG_MAX 1024
#define JR_PATH_MAX 256

struct jr {
	const char *file;       /* name used in messages */
	char path[JR_PATH_MAX]; /* current JSON path */
	bool failed;            /* a problem was found */
	char msg[JR_MSG_MAX];   /* the first problem, one line */
};

void jr_init(struct jr *r, const char *file);

/* jr_fail: record a problem at path.key (key may be NULL). printf-style. */
void jr_fail(struct jr *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* jr_push / jr_pop: descend into key (or [index] when key is NULL). */
size_t jr_push(struct jr *r, const char *key, long index);
void jr_pop(struct jr *r, size_t mark);

/* jr_check_keys: every key of `in` must be in the NULL-terminated list, and
 * appear once. */
void jr_check_keys(struct jr *r, const cJSON *in, const char *const *allowed);

/* jr_type_name: "number", "string", ... for messages (with the value for
 * short scalars). */
void jr_describe(const cJSON *v, char *buf, size_t n);

/* jr_utf8_valid: s[0..n) is valid UTF-8 (no overlong forms, surrogates or
 * values past U+10FFFF); else *bad (if not NULL) is the first bad byte's
 * offset. */
bool jr_utf8_valid(const char *s, size_t n, size_t *bad);

/* 64-bit integers exactly, through documents whose numbers are doubles:
 * jr_parse_text keeps each number's literal (valuestring) and jr_int reads
 * it; jr_int_node makes a node that prints an integer exactly (a raw node
 * past 2^53); jr_parse_exact parses the program's own outputs keeping those
 * literals (integers past 2^53 become raw nodes, which print as they came);
 * jr_get_int reads either kind of node. */
cJSON *jr_int_node(int64_t x);
cJSON *jr_parse_exact(const char *text, size_t len);
bool jr_get_int(const cJSON *v, int64_t *out);

/* Getters: read in[key] (or use def when absent), check type and range, add
 * the value to out (when out is non-NULL) and store it.  Return the value. */
double jr_number(struct jr *r, const cJSON *in, cJSON *out, const char *key, double def, double min,
                 double max);
int64_t jr_int(struct jr *r, const cJSON *in, cJSON *out, const char *key, int64_t def, int64_t min,
               int64_t max);
bool jr_bool(struct jr *r, const cJSON *in, cJSON *out, const char *key, bool def);
/* jr_string: returns in's string or def; the result is borrowed from in. */
const char *jr_string(struct jr *r, const cJSON *in, cJSON *out, const char *key, const char *def);
/* jr_enum: a string among the NULL-terminated names; returns its index. */
int jr_enum(struct jr *r, const cJSON *in, cJSON *out, const char *key, const char *const *names, int def);
/* jr_nullable_number: a number, or null (returns NAN) */
double jr_nullable_number(struct jr *r, const cJSON *in, cJSON *out, const char *key, double def,
                          double min, double max);

/* jr_object: in[key] must be an object (or absent: returns NULL). */
const cJSON *jr_object(struct jr *r, const cJSON *in, const char *key);

/* jr_parse_text: parse text (len bytes) as JSON; on failure fills r with
 * "FILE:LINE:COL: malformed JSON ...". Returns a new tree or NULL. */
cJSON *jr_parse_text(struct jr *r, const char *text, size_t len);

/* jr_read_file: the whole file as a NUL-terminated string (caller frees), or
 * NULL with r filled. */
char *jr_read_file(struct jr *r, const char *path, size_t *len);

/* jr_set: apply one "--set a.b[2].c=VALUE" to doc (VALUE parsed as JSON, or
 * taken as a string when it is not JSON).  Returns 0, or -1 with r filled. */
int jr_set(struct jr *r, cJSON *doc, const char *assignment);

/* jr_nearest: the name in the NULL-terminated list closest to s, or NULL. */
const char *jr_nearest(const char *s, const char *const *names);

#endif
