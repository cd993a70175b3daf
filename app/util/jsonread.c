/* jsonread.c: reading hand-written JSON with precise errors (jsonread.h). */
#include "app/util/jsonread.h"
#include "app/util/strdist.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* store text as the one-line message: control characters (a key or a value
 * may hold a newline) are written as \n, \t or \xNN */
static void store_msg(struct jr *r, const char *text)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p && k + 5 < sizeof(r->msg); p++) {
		if (*p >= 32 && *p != 127) {
			r->msg[k++] = (char)*p;
			continue;
		}
		r->msg[k++] = '\\';
		if (*p == '\n') {
			r->msg[k++] = 'n';
		} else if (*p == '\t') {
			r->msg[k++] = 't';
		} else {
			r->msg[k++] = 'x';
			r->msg[k++] = hex[*p >> 4];
			r->msg[k++] = hex[*p & 15];
		}
	}
	r->msg[k] = '\0';
	r->failed = true;
}

/* fail_line: replace the message (whatever came before) with one line */
static void fail_line(struct jr *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_line(struct jr *r, const char *fmt, ...)
{
	char text[JR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	store_msg(r, text);
}

void jr_init(struct jr *r, const char *file)
{
	r->file = file;
	r->path[0] = '\0';
	r->failed = false;
	r->msg[0] = '\0';
}

void jr_fail(struct jr *r, const char *key, const char *fmt, ...)
{
	if (r->failed)
		return;
	r->failed = true;
	char full[JR_PATH_MAX + 128];
	if (key && r->path[0])
		snprintf(full, sizeof(full), "%s.%s", r->path, key);
	else if (key)
		snprintf(full, sizeof(full), "%s", key);
	else
		snprintf(full, sizeof(full), "%s", r->path[0] ? r->path : "(top level)");
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	char text[JR_MSG_MAX];
	snprintf(text, sizeof(text), "%.200s: %.300s: %s", r->file, full, what);
	store_msg(r, text);
}

size_t jr_push(struct jr *r, const char *key, long index)
{
	size_t mark = strlen(r->path);
	size_t room = sizeof(r->path) - mark;
	if (key)
		snprintf(r->path + mark, room, "%s%s", mark ? "." : "", key);
	else
		snprintf(r->path + mark, room, "[%ld]", index);
	return mark;
}

void jr_pop(struct jr *r, size_t mark)
{
	r->path[mark] = '\0';
}

const char *jr_nearest(const char *s, const char *const *names)
{
	const char *best = NULL;
	size_t best_d = (strlen(s) + 2) / 3 + 1;
	for (size_t i = 0; names[i]; i++) {
		size_t d = strdist(s, names[i]);
		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	return best;
}

void jr_check_keys(struct jr *r, const cJSON *in, const char *const *allowed)
{
	if (r->failed || !in)
		return;
	for (const cJSON *c = in->child; c; c = c->next) {
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(c->string, allowed[i]) == 0) {
				ok = true;
				break;
			}
		if (!ok) {
			const char *hint = jr_nearest(c->string, allowed);
			char list[512] = "";
			size_t used = 0;
			for (size_t i = 0; allowed[i] && used + 40 < sizeof(list); i++)
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", allowed[i]);
			if (hint)
				jr_fail(r, c->string, "unknown key (did you mean \"%s\"?)", hint);
			else
				jr_fail(r, c->string, "unknown key (expected one of: %s)", list);
			return;
		}
		for (const cJSON *d = in->child; d != c; d = d->next)
			if (strcmp(d->string, c->string) == 0) {
				jr_fail(r, c->string, "duplicate key");
				return;
			}
	}
}

void jr_describe(const cJSON *v, char *buf, size_t n)
{
	if (!v)
		snprintf(buf, n, "nothing");
	else if (cJSON_IsBool(v))
		snprintf(buf, n, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNull(v))
		snprintf(buf, n, "null");
	else if (cJSON_IsNumber(v))
		snprintf(buf, n, "%.17g", v->valuedouble);
	else if (cJSON_IsString(v)) {
		if (strlen(v->valuestring) <= 40)
			snprintf(buf, n, "string \"%s\"", v->valuestring);
		else
			snprintf(buf, n, "a string");
	} else if (cJSON_IsArray(v))
		snprintf(buf, n, "an array");
	else if (cJSON_IsObject(v))
		snprintf(buf, n, "an object");
	else
		snprintf(buf, n, "something else");
}

static void fail_type(struct jr *r, const char *key, const char *expected, const cJSON *got)
{
	char g[96];
	jr_describe(got, g, sizeof(g));
	jr_fail(r, key, "expected %s, got %s", expected, g);
}

static void add_number(cJSON *out, const char *key, double v)
{
	if (out)
		cJSON_AddItemToObject(out, key, cJSON_CreateNumber(v));
}

/* an integer in the resolved document: beyond 2^53 a double would round it,
 * so it is written as its decimal literal (a raw node), and read back
 * exactly by jr_int */
static void add_int(cJSON *out, const char *key, int64_t x)
{
	if (out)
		cJSON_AddItemToObject(out, key, jr_int_node(x));
}

double jr_number(struct jr *r, const cJSON *in, cJSON *out, const char *key, double def, double min,
                 double max)
{
	if (r->failed)
		return def;
	const cJSON *v = in ? cJSON_GetObjectItemCaseSensitive(in, key) : NULL;
	double x = def;
	if (v) {
		if (!cJSON_IsNumber(v)) {
			fail_type(r, key, "a number", v);
			return def;
		}
		x = v->valuedouble;
		if (!isfinite(x)) {
			jr_fail(r, key, "expected a finite number, got %g", x);
			return def;
		}
		if (x < min || x > max) {
			jr_fail(r, key, "expected a number in [%g, %g], got %.17g", min, max, x);
			return def;
		}
	}
	add_number(out, key, x);
	return x;
}

int64_t jr_int(struct jr *r, const cJSON *in, cJSON *out, const char *key, int64_t def, int64_t min,
               int64_t max)
{
	if (r->failed)
		return def;
	const cJSON *v = in ? cJSON_GetObjectItemCaseSensitive(in, key) : NULL;
	int64_t x = def;
	if (v) {
		if (cJSON_IsRaw(v) && v->valuestring) {
			/* a large integer written by add_int */
			char *e = NULL;
			errno = 0;
			long long q = strtoll(v->valuestring, &e, 10);
			if (*e || errno || q < min || q > max) {
				jr_fail(r, key, "expected an integer in [%lld, %lld], got %s", (long long)min, (long long)max,
				        v->valuestring);
				return def;
			}
			add_int(out, key, (int64_t)q);
			return (int64_t)q;
		}
		if (!cJSON_IsNumber(v)) {
			fail_type(r, key, "an integer", v);
			return def;
		}
		double d = v->valuedouble;
		/* the literal, when the parser kept it: 64-bit integers exactly */
		const char *lit = v->valuestring;
		if (lit && lit[strspn(lit, "-0123456789")] == '\0' && lit[0]) {
			char *e = NULL;
			errno = 0;
			long long q = strtoll(lit, &e, 10);
			if (*e || errno || q < min || q > max) {
				jr_fail(r, key, "expected an integer in [%lld, %lld], got %s", (long long)min, (long long)max,
				        lit);
				return def;
			}
			x = (int64_t)q;
			add_int(out, key, x);
			return x;
		}
		if (!isfinite(d) || d != floor(d)) {
			jr_fail(r, key, "expected an integer, got %.17g", d);
			return def;
		}
		/* (double)max may round up (INT64_MAX becomes 2^63): check that
		 * d converts, then compare as integers */
		if (d < (double)min || d > (double)max || d >= 0x1p63 || d < -0x1p63 ||
		    (int64_t)d < min || (int64_t)d > max) {
			jr_fail(r, key, "expected an integer in [%lld, %lld], got %.17g", (long long)min,
			        (long long)max, d);
			return def;
		}
		x = (int64_t)d;
	}
	add_int(out, key, x);
	return x;
}

bool jr_bool(struct jr *r, const cJSON *in, cJSON *out, const char *key, bool def)
{
	if (r->failed)
		return def;
	const cJSON *v = in ? cJSON_GetObjectItemCaseSensitive(in, key) : NULL;
	bool x = def;
	if (v) {
		if (!cJSON_IsBool(v)) {
			fail_type(r, key, "true or false", v);
			return def;
		}
		x = cJSON_IsTrue(v);
	}
	if (out)
		cJSON_AddItemToObject(out, key, cJSON_CreateBool(x));
	return x;
}

const char *jr_string(struct jr *r, const cJSON *in, cJSON *out, const char *key, const char *def)
{
	if (r->failed)
		return def;
	const cJSON *v = in ? cJSON_GetObjectItemCaseSensitive(in, key) : NULL;
	const char *x = def;
	if (v) {
		if (!cJSON_IsString(v)) {
			fail_type(r, key, "a string", v);
			return def;
		}
		x = v->valuestring;
	}
	if (out && x)
		cJSON_AddItemToObject(out, key, cJSON_CreateString(x));
	return x;
}

int jr_enum(struct jr *r, const cJSON *in, cJSON *out, const char *key, const char *const *names, int def)
{
	if (r->failed)
		return def;
	const cJSON *v = in ? cJSON_GetObjectItemCaseSensitive(in, key) : NULL;
	int x = def;
	if (v) {
		char list[256] = "";
		size_t used = 0;
		for (size_t i = 0; names[i] && used + 40 < sizeof(list); i++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s\"%s\"", i ? " or " : "", names[i]);
		if (!cJSON_IsString(v)) {
			fail_type(r, key, list, v);
			return def;
		}
		x = -1;
		for (int i = 0; names[i]; i++)
			if (strcmp(names[i], v->valuestring) == 0)
				x = i;
		if (x < 0) {
			const char *hint = jr_nearest(v->valuestring, names);
			if (hint)
				jr_fail(r, key, "expected %s, got \"%s\" (did you mean \"%s\"?)", list, v->valuestring, hint);
			else
				jr_fail(r, key, "expected %s, got \"%s\"", list, v->valuestring);
			return def;
		}
	}
	/* absent with no default (def < 0): nothing to write back */
	if (out && x >= 0)
		cJSON_AddItemToObject(out, key, cJSON_CreateString(names[x]));
	return x;
}

double jr_nullable_number(struct jr *r, const cJSON *in, cJSON *out, const char *key, double def,
                          double min, double max)
{
	if (r->failed)
		return def;
	const cJSON *v = in ? cJSON_GetObjectItemCaseSensitive(in, key) : NULL;
	if ((v && cJSON_IsNull(v)) || (!v && isnan(def))) {
		if (out)
			cJSON_AddItemToObject(out, key, cJSON_CreateNull());
		return NAN;
	}
	if (v && !cJSON_IsNumber(v)) {
		fail_type(r, key, "a number or null", v);
		return def;
	}
	return jr_number(r, in, out, key, def, min, max);
}

const cJSON *jr_object(struct jr *r, const cJSON *in, const char *key)
{
	if (r->failed || !in)
		return NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
	if (v && !cJSON_IsObject(v)) {
		fail_type(r, key, "an object", v);
		return NULL;
	}
	return v;
}

/* ---- what cJSON does not keep: a number's text, a string's raw bytes -----
 *
 * A second pass over the text cJSON has just parsed, in the same order as
 * its tree (so the n-th number token is the n-th number node): each number
 * node gets its literal in valuestring (cJSON_Delete and cJSON_Duplicate
 * handle valuestring for every type; cJSON_Print ignores it), so that 64-bit
 * integers are read exactly (jr_int); each string, key or value, must be
 * valid UTF-8 and hold no \u0000 (cJSON would cut it there). */

struct lex {
	const char *p, *end;
};

static void lex_ws(struct lex *lx)
{
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r'))
		lx->p++;
}

/* the length of a valid UTF-8 sequence at s (at most n bytes), or 0 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k;
	unsigned min;
	if (c < 0x80)
		return 1;
	else if (c >= 0xc2 && c <= 0xdf)
		k = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, min = 0x10000;
	else
		return 0;
	if (k > n)
		return 0;
	unsigned v = c & (0xff >> (k + 1));
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return k;
}

bool jr_utf8_valid(const char *s, size_t n, size_t *bad)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len((const unsigned char *)s + i, n - i);
		if (!k) {
			if (bad)
				*bad = i;
			return false;
		}
		i += k;
	}
	return true;
}

/* a string token at lx->p ('"'): check it; path names it in messages */
static bool lex_string(struct jr *r, struct lex *lx, const char *path)
{
	const char *s = ++lx->p;
	while (lx->p < lx->end && *lx->p != '"') {
		if (*lx->p == '\\' && lx->p + 1 < lx->end) {
			if (lx->p[1] == 'u' && lx->end - lx->p >= 6 && strncmp(lx->p + 2, "0000", 4) == 0) {
				fail_line(r, "%s%s%s: expected a string without NUL characters, got \\u0000", r->file,
				          path[0] ? ": " : "", path);
				return false;
			}
			lx->p += 2;
			continue;
		}
		lx->p++;
	}
	size_t bad;
	if (!jr_utf8_valid(s, (size_t)(lx->p - s), &bad)) {
		fail_line(r, "%s%s%s: expected UTF-8 text, got the byte 0x%02x", r->file, path[0] ? ": " : "", path,
		          (unsigned)(unsigned char)s[bad]);
		return false;
	}
	if (lx->p < lx->end)
		lx->p++;
	return true;
}

static bool lex_value(struct jr *r, struct lex *lx, cJSON *node, char *path, size_t cap)
{
	lex_ws(lx);
	if (lx->p >= lx->end || !node)
		return true;
	size_t plen = strlen(path);
	char c = *lx->p;
	if (c == '{' || c == '[') {
		lx->p++;
		int idx = 0;
		for (cJSON *ch = node->child; ch; ch = ch->next, idx++) {
			lex_ws(lx);
			if (c == '{') {
				snprintf(path + plen, cap - plen, "%s%s", plen ? "." : "", ch->string ? ch->string : "");
				if (lx->p < lx->end && *lx->p == '"' && !lex_string(r, lx, path))
					return false;
				lex_ws(lx);
				if (lx->p < lx->end && *lx->p == ':')
					lx->p++;
			} else {
				snprintf(path + plen, cap - plen, "[%d]", idx);
			}
			if (!lex_value(r, lx, ch, path, cap))
				return false;
			path[plen] = '\0';
			lex_ws(lx);
			if (lx->p < lx->end && *lx->p == ',')
				lx->p++;
		}
		lex_ws(lx);
		if (lx->p < lx->end)
			lx->p++; /* the closing bracket */
		return true;
	}
	if (c == '"')
		return lex_string(r, lx, path);
	const char *s = lx->p;
	while (lx->p < lx->end && strchr("+-.0123456789eE", *lx->p))
		lx->p++;
	if (lx->p > s && cJSON_IsNumber(node) && !node->valuestring) {
		size_t n = (size_t)(lx->p - s);
		node->valuestring = malloc(n + 1);
		if (node->valuestring) {
			memcpy(node->valuestring, s, n);
			node->valuestring[n] = '\0';
		}
	}
	while (lx->p < lx->end && ((*lx->p >= 'a' && *lx->p <= 'z') || (*lx->p >= 'A' && *lx->p <= 'Z')))
		lx->p++; /* true, false, null */
	return true;
}

static bool check_text(struct jr *r, cJSON *doc, const char *text, size_t len)
{
	struct lex lx = {text, text + len};
	char path[JR_PATH_MAX] = "";
	return lex_value(r, &lx, doc, path, sizeof(path));
}

/* cJSON prints numbers with 15 significant digits when that reads back
 * within its epsilon: past 1e15 an integer needs its own literal */
#define EXACT_MAX INT64_C(999999999999999)

static bool big_int_literal(const char *lit)
{
	if (!lit || !lit[0] || lit[strspn(lit, "-0123456789")] != '\0')
		return false;
	errno = 0;
	long long q = strtoll(lit, NULL, 10);
	return errno || q > EXACT_MAX || q < -EXACT_MAX;
}

/* integers beyond 2^53 become raw nodes holding their literal */
static void raw_big_ints(cJSON *node)
{
	for (; node; node = node->next) {
		if (cJSON_IsNumber(node) && big_int_literal(node->valuestring))
			node->type = cJSON_Raw | (node->type & cJSON_StringIsConst);
		raw_big_ints(node->child);
	}
}

cJSON *jr_parse_exact(const char *text, size_t len)
{
	cJSON *doc = cJSON_ParseWithLength(text, len);
	if (!doc)
		return NULL;
	struct jr r;
	jr_init(&r, "");
	if (!check_text(&r, doc, text, len)) {
		cJSON_Delete(doc);
		return NULL;
	}
	raw_big_ints(doc);
	return doc;
}

/* cJSON prints numbers with 15 significant digits when that reads back
 * within its epsilon: past 1e15 an integer needs its own literal */
cJSON *jr_int_node(int64_t x)
{
	if (x > EXACT_MAX || x < -EXACT_MAX) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%" PRId64, x);
		return cJSON_CreateRaw(buf);
	}
	return cJSON_CreateNumber((double)x);
}

bool jr_get_int(const cJSON *v, int64_t *out)
{
	const char *lit = v ? v->valuestring : NULL;
	if (v && (cJSON_IsRaw(v) || cJSON_IsNumber(v)) && lit && lit[0] && lit[strspn(lit, "-0123456789")] == '\0') {
		char *e = NULL;
		errno = 0;
		long long q = strtoll(lit, &e, 10);
		if (*e || errno)
			return false;
		*out = q;
		return true;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) >= 0x1p63)
		return false;
	*out = (int64_t)v->valuedouble;
	return true;
}

cJSON *jr_parse_text(struct jr *r, const char *text, size_t len)
{
	const char *end = NULL;
	cJSON *doc = cJSON_ParseWithLengthOpts(text, len + 1, &end, true);
	if (doc && !check_text(r, doc, text, len)) {
		cJSON_Delete(doc);
		return NULL;
	}
	if (doc)
		return doc;
	size_t off = end && end >= text ? (size_t)(end - text) : 0;
	if (off > len)
		off = len;
	/* cJSON stops past the offending character when white space follows
	 * it: step back to the last character that is not white space */
	while (off > 0 && off < len && (text[off] == ' ' || text[off] == '\n' || text[off] == '\t' || text[off] == '\r'))
		off--;
	long line = 1, col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	char near[24];
	size_t k = 0;
	for (size_t i = off; i < len && k + 1 < sizeof(near) && text[i] != '\n'; i++)
		near[k++] = text[i] >= 32 && text[i] < 127 ? text[i] : '?';
	near[k] = '\0';
	if (k)
		fail_line(r, "%s:%ld:%ld: malformed JSON: expected a JSON value, got \"%s\"", r->file, line, col, near);
	else
		fail_line(r, "%s:%ld:%ld: malformed JSON: expected more, got the end of the file", r->file, line, col);
	return NULL;
}

char *jr_read_file(struct jr *r, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fail_line(r, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			if (cap >= ((size_t)64 << 20)) {
				free(buf);
				fclose(f);
				fail_line(r, "%s: expected a file under 64 MiB", path);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		errno = 0;
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		if (memchr(buf + n, '\0', got)) {
			/* not text (/dev/zero would fill 64 MiB first) */
			free(buf);
			fclose(f);
			fail_line(r, "%s: expected text, got a NUL byte", path);
			return NULL;
		}
		n += got;
		if (got == 0)
			break;
	}
	int read_errno = errno;
	bool err = ferror(f);
	fclose(f);
	if (!buf || err) {
		const char *why = !buf ? "out of memory" : read_errno ? strerror(read_errno) : "read error";
		free(buf);
		fail_line(r, "%s: cannot read: %s", path, why);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int jr_set(struct jr *r, cJSON *doc, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	if (!eq || eq == assignment) {
		fail_line(r, "--set %s: expected PATH=VALUE", assignment);
		return -1;
	}
	char path[JR_PATH_MAX];
	size_t plen = (size_t)(eq - assignment);
	if (plen >= sizeof(path)) {
		fail_line(r, "--set: path too long");
		return -1;
	}
	memcpy(path, assignment, plen);
	path[plen] = '\0';
	const char *valtext = eq + 1;
	cJSON *val = cJSON_ParseWithOpts(valtext, NULL, true);
	size_t bad;
	if (val) {
		struct jr sub;
		char label[JR_PATH_MAX + 8];
		snprintf(label, sizeof(label), "--set %s", path);
		jr_init(&sub, label);
		if (!check_text(&sub, val, valtext, strlen(valtext))) {
			cJSON_Delete(val);
			fail_line(r, "%s", sub.msg);
			return -1;
		}
	} else if (!jr_utf8_valid(valtext, strlen(valtext), &bad)) {
		fail_line(r, "--set %s: expected UTF-8 text, got the byte 0x%02x", path,
		          (unsigned)(unsigned char)valtext[bad]);
		return -1;
	} else {
		val = cJSON_CreateString(valtext);
	}
	if (!val)
		return -1;
	cJSON *node = doc;
	char *save = NULL;
	char *tok = strtok_r(path, ".", &save);
	while (tok) {
		char *next = strtok_r(NULL, ".", &save);
		/* key[index]... */
		char *br = strchr(tok, '[');
		long idx = -1;
		if (br) {
			char *endp = NULL;
			idx = strtol(br + 1, &endp, 10);
			if (!endp || *endp != ']' || endp[1] != '\0' || idx < 0) {
				cJSON_Delete(val);
				fail_line(r, "--set %s: bad array index in \"%s\"", assignment, tok);
				return -1;
			}
			*br = '\0';
		}
		if (!cJSON_IsObject(node)) {
			cJSON_Delete(val);
			fail_line(r, "--set %s: \"%s\" is inside something that is not an object", assignment, tok);
			return -1;
		}
		cJSON *child = cJSON_GetObjectItemCaseSensitive(node, tok);
		if (idx >= 0) {
			if (!cJSON_IsArray(child) || idx >= cJSON_GetArraySize(child)) {
				cJSON_Delete(val);
				fail_line(r, "--set %s: %s has no element [%ld]", assignment, tok, idx);
				return -1;
			}
			if (!next) {
				cJSON_ReplaceItemInArray(child, (int)idx, val);
				return 0;
			}
			node = cJSON_GetArrayItem(child, (int)idx);
		} else if (!next) {
			if (child)
				cJSON_ReplaceItemInObjectCaseSensitive(node, tok, val);
			else
				cJSON_AddItemToObject(node, tok, val);
			return 0;
		} else {
			if (!child) {
				child = cJSON_CreateObject();
				cJSON_AddItemToObject(node, tok, child);
			}
			node = child;
		}
		tok = next;
	}
	cJSON_Delete(val);
	fail_line(r, "--set %s: empty path", assignment);
	return -1;
}
