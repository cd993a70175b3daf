/* kc_scenario: load, override and check the scenario subset kcheck measures. */
#include "kc_scenario.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct kc_sysctl_info sysctl_table[KC_SYSCTL_COUNT] = {
#define KC_SYSCTL_ROW(id, sec, nm, p, lo, hi) {sec, nm, p, lo, hi},
	KC_SYSCTL_MAP(KC_SYSCTL_ROW)
#undef KC_SYSCTL_ROW
};

const struct kc_sysctl_info *kc_sysctl_info(int id)
{
	return &sysctl_table[id];
}

/* Defaults for keys the scenario leaves out. */
#define DEFAULT_DURATION_S 10.0
#define DEFAULT_DRAIN_S 140.0
#define DEFAULT_SEED 1
#define DEFAULT_BACKLOG 128
#define DEFAULT_RATE_PER_S 10.0
#define DEFAULT_HOLD_S 1.0
#define MAX_SECONDS 86400.0
#define MAX_RATE_PER_S 1e6
#define MAX_WORKERS 10000

/* The loader's diagnostic state: the file name and the caller's buffer. */
struct loader {
	const char *file; /* borrowed, names the file in messages */
	char *err;        /* caller's buffer */
	size_t errlen;    /* its size */
};

static int fail(struct loader *ld, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct loader *ld, const char *path, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(ld->err, ld->errlen, "%s: %s: %s", ld->file, path[0] ? path : "(top level)",
		 msg);
	return -1;
}

/* Writes a short description of a JSON value ("a string \"x\"", "8.5"...). */
static void describe(const cJSON *v, char *buf, size_t n)
{
	if (v == NULL) {
		snprintf(buf, n, "nothing");
	} else if (cJSON_IsObject(v)) {
		snprintf(buf, n, "an object");
	} else if (cJSON_IsArray(v)) {
		snprintf(buf, n, "an array");
	} else {
		char *text = cJSON_PrintUnformatted(v);
		if (text == NULL) {
			snprintf(buf, n, "a value");
			return;
		}
		if (strlen(text) > 40)
			snprintf(buf, n, "%.37s...", text);
		else
			snprintf(buf, n, "%s", text);
		cJSON_free(text);
	}
}

static int fail_type(struct loader *ld, const char *path, const char *expected, const cJSON *got)
{
	char desc[64];

	describe(got, desc, sizeof desc);
	return fail(ld, path, "expected %s, got %s", expected, desc);
}

/* out = path.key (or key at the top level), cut to fit n bytes. */
static void join_path(char *out, size_t n, const char *path, const char *key)
{
	size_t used = 0;

	for (const char *s = path; *s && used + 1 < n; s++)
		out[used++] = *s;
	if (path[0] && used + 1 < n)
		out[used++] = '.';
	for (const char *s = key; *s && used + 1 < n; s++)
		out[used++] = *s;
	out[used] = '\0';
}

/* Why a key that tcpqsim knows is not measured here. */
static const char *unsupported_reason(const char *path)
{
	static const struct {
		const char *path;
		const char *why;
	} reasons[] = {
		{"server.kernel", "kcheck measures the running kernel, not a profile"},
		{"clients.kernel", "kcheck measures the running kernel, not a profile"},
		{"network", "kcheck runs over loopback with no added delay or loss"},
		{"server.listeners", "kcheck runs one listener"},
	};
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (strcmp(path, reasons[i].path) == 0)
			return reasons[i].why;
	return "not in kcheck's subset; see docs/kcheck.md";
}

/* Fails on the first key of `obj` that is not in `allowed` (NULL-ended). */
static int check_keys(struct loader *ld, const cJSON *obj, const char *path,
		      const char *const *allowed)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, obj) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (item->string && strcmp(item->string, *a) == 0)
				ok = true;
		if (!ok) {
			char p[256];
			join_path(p, sizeof p, path, item->string ? item->string : "?");
			return fail(ld, p, "unsupported here (%s)", unsupported_reason(p));
		}
	}
	return 0;
}

/* Fetches obj[key] as an object. Returns 1 found, 0 absent, -1 error. */
static int get_object(struct loader *ld, const cJSON *obj, const char *path, const char *key,
		      const cJSON **out, char *child, size_t childlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	join_path(child, childlen, path, key);
	*out = NULL;
	if (v == NULL)
		return 0;
	if (!cJSON_IsObject(v))
		return fail_type(ld, child, "an object", v);
	*out = v;
	return 1;
}

static void range_text(char *buf, size_t n, const char *what, double lo, bool lo_open, double hi)
{
	if (hi >= MAX_SECONDS * 1e6)
		snprintf(buf, n, "%s %s %g", what, lo_open ? ">" : ">=", lo);
	else
		snprintf(buf, n, "%s in %s%g, %g]", what, lo_open ? "(" : "[", lo, hi);
}

/* Fetches obj[key] as a number in [lo or (lo, hi]; null counts as absent
 * when `null_ok`.  Returns 1 found, 0 absent, -1 error. */
static int get_number(struct loader *ld, const cJSON *obj, const char *path, const char *key,
		      double lo, bool lo_open, double hi, bool null_ok, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[256], expect[96];

	join_path(p, sizeof p, path, key);
	if (v == NULL || (null_ok && cJSON_IsNull(v)))
		return 0;
	range_text(expect, sizeof expect, null_ok ? "null or a number" : "a number", lo, lo_open,
		   hi);
	if (!cJSON_IsNumber(v))
		return fail_type(ld, p, expect, v);
	double x = v->valuedouble;
	if (!isfinite(x) || (lo_open ? x <= lo : x < lo) || x > hi)
		return fail_type(ld, p, expect, v);
	*out = x;
	return 1;
}

/* Fetches obj[key] as an integer in [lo, hi]. Returns 1, 0 absent, -1 error. */
static int get_integer(struct loader *ld, const cJSON *obj, const char *path, const char *key,
		       double lo, double hi, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[256], expect[96];

	join_path(p, sizeof p, path, key);
	if (v == NULL)
		return 0;
	snprintf(expect, sizeof expect, "an integer in %.0f..%.0f", lo, hi);
	if (!cJSON_IsNumber(v))
		return fail_type(ld, p, expect, v);
	double x = v->valuedouble;
	if (!isfinite(x) || x != floor(x) || x < lo || x > hi)
		return fail_type(ld, p, expect, v);
	*out = x;
	return 1;
}

/* Fetches obj[key] as a string. Returns 1 found, 0 absent, -1 error. */
static int get_string(struct loader *ld, const cJSON *obj, const char *path, const char *key,
		      const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[256];

	join_path(p, sizeof p, path, key);
	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return fail_type(ld, p, "a string", v);
	*out = v->valuestring;
	return 1;
}

/* Reads obj.kind, which must be one of `kinds` (NULL-ended); `supported`
 * lists them for the message.  Returns the index, or -1. */
static int get_kind(struct loader *ld, const cJSON *obj, const char *path,
		    const char *const *kinds, const char *supported)
{
	const char *kind = NULL;
	char p[256];
	int rc = get_string(ld, obj, path, "kind", &kind);

	join_path(p, sizeof p, path, "kind");
	if (rc < 0)
		return -1;
	if (rc == 0)
		return fail(ld, p, "expected a string (%s), got nothing", supported);
	for (int i = 0; kinds[i]; i++)
		if (strcmp(kind, kinds[i]) == 0)
			return i;
	return fail(ld, p, "unsupported here (\"%s\"; kcheck supports %s)", kind, supported);
}

static int load_sysctls(struct loader *ld, struct kc_scenario *sc, const cJSON *section,
			const char *secname)
{
	const char *allowed[KC_SYSCTL_COUNT + 1];
	const cJSON *obj;
	char path[256];
	int n = 0, rc;

	rc = get_object(ld, section, secname, "sysctl", &obj, path, sizeof path);
	if (rc <= 0)
		return rc;
	for (int i = 0; i < KC_SYSCTL_COUNT; i++)
		if (strcmp(sysctl_table[i].section, secname) == 0)
			allowed[n++] = sysctl_table[i].name;
	allowed[n] = NULL;
	if (check_keys(ld, obj, path, allowed) < 0)
		return -1;
	for (int i = 0; i < KC_SYSCTL_COUNT; i++) {
		double x;
		if (strcmp(sysctl_table[i].section, secname) != 0)
			continue;
		rc = get_integer(ld, obj, path, sysctl_table[i].name, (double)sysctl_table[i].min,
				 (double)sysctl_table[i].max, &x);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			sc->sysctl[i].set = true;
			sc->sysctl[i].value = (long)x;
		}
	}
	return 0;
}

static int load_service(struct loader *ld, struct kc_scenario *sc, const cJSON *acc,
			const char *path)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(acc, "service_ms");
	char p[256];

	join_path(p, sizeof p, path, "service_ms");
	if (v == NULL)
		return fail(ld, p, "expected a number or {\"kind\":\"exponential\",\"mean\":m}, "
				   "got nothing");
	if (cJSON_IsNumber(v)) {
		double x;
		if (get_number(ld, acc, path, "service_ms", 0, false, MAX_SECONDS * 1000, false,
			       &x) < 0)
			return -1;
		sc->service_exponential = false;
		sc->service_ms = x;
		return 0;
	}
	if (!cJSON_IsObject(v))
		return fail_type(ld, p, "a number or an object", v);
	static const char *const kinds[] = {"exponential", NULL};
	static const char *const keys[] = {"kind", "mean", NULL};
	if (get_kind(ld, v, p, kinds, "a number or \"exponential\"") < 0)
		return -1;
	if (check_keys(ld, v, p, keys) < 0)
		return -1;
	double mean;
	int rc = get_number(ld, v, p, "mean", 0, true, MAX_SECONDS * 1000, false, &mean);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		char mp[300];
		join_path(mp, sizeof mp, p, "mean");
		return fail(ld, mp, "expected a number > 0, got nothing");
	}
	sc->service_exponential = true;
	sc->service_ms = mean;
	return 0;
}

static int load_acceptor(struct loader *ld, struct kc_scenario *sc, const cJSON *server)
{
	static const char *const kinds[] = {"never", "rate", "workers", NULL};
	static const char *const keys_never[] = {"kind", NULL};
	static const char *const keys_rate[] = {"kind", "rate_per_s", "process", NULL};
	static const char *const keys_workers[] = {"kind", "count", "service_ms", NULL};
	const cJSON *acc;
	char path[256], p[300];
	double x;
	int rc;

	sc->acceptor = KC_ACCEPTOR_NEVER;
	rc = get_object(ld, server, "server", "acceptor", &acc, path, sizeof path);
	if (rc <= 0)
		return rc;
	int kind = get_kind(ld, acc, path, kinds, "never, rate, workers");
	if (kind < 0)
		return -1;
	sc->acceptor = (enum kc_acceptor_kind)kind;
	switch (sc->acceptor) {
	case KC_ACCEPTOR_NEVER:
		return check_keys(ld, acc, path, keys_never);
	case KC_ACCEPTOR_RATE: {
		const char *process = "fixed";
		if (check_keys(ld, acc, path, keys_rate) < 0)
			return -1;
		rc = get_number(ld, acc, path, "rate_per_s", 0, true, MAX_RATE_PER_S, false, &x);
		if (rc < 0)
			return -1;
		join_path(p, sizeof p, path, "rate_per_s");
		if (rc == 0)
			return fail(ld, p, "expected a number > 0, got nothing");
		sc->accept_rate_per_s = x;
		if (get_string(ld, acc, path, "process", &process) < 0)
			return -1;
		join_path(p, sizeof p, path, "process");
		if (strcmp(process, "fixed") == 0)
			sc->accept_exponential = false;
		else if (strcmp(process, "exponential") == 0)
			sc->accept_exponential = true;
		else
			return fail(ld, p, "expected \"fixed\" or \"exponential\", got \"%s\"",
				    process);
		return 0;
	}
	case KC_ACCEPTOR_WORKERS:
		if (check_keys(ld, acc, path, keys_workers) < 0)
			return -1;
		rc = get_integer(ld, acc, path, "count", 1, MAX_WORKERS, &x);
		if (rc < 0)
			return -1;
		join_path(p, sizeof p, path, "count");
		if (rc == 0)
			return fail(ld, p, "expected an integer in 1..%d, got nothing", MAX_WORKERS);
		sc->workers = (long)x;
		return load_service(ld, sc, acc, path);
	}
	return 0;
}

static int load_server(struct loader *ld, struct kc_scenario *sc, const cJSON *root)
{
	static const char *const keys[] = {"backlog", "sysctl", "acceptor", NULL};
	const cJSON *server;
	char path[256];
	double x;
	int rc;

	sc->backlog = DEFAULT_BACKLOG;
	sc->acceptor = KC_ACCEPTOR_NEVER;
	rc = get_object(ld, root, "", "server", &server, path, sizeof path);
	if (rc <= 0)
		return rc;
	if (check_keys(ld, server, "server", keys) < 0)
		return -1;
	rc = get_integer(ld, server, "server", "backlog", (double)INT_MIN, (double)INT_MAX, &x);
	if (rc < 0)
		return -1;
	if (rc > 0)
		sc->backlog = (long)x;
	if (load_sysctls(ld, sc, server, "server") < 0)
		return -1;
	return load_acceptor(ld, sc, server);
}

static int load_arrival(struct loader *ld, struct kc_scenario *sc, const cJSON *clients)
{
	static const char *const kinds[] = {"constant", "poisson", "burst", NULL};
	static const char *const keys_rate[] = {"kind", "rate_per_s", NULL};
	static const char *const keys_burst[] = {"kind", "count", "at_s", NULL};
	const cJSON *arr;
	char path[256], p[300];
	double x;
	int rc;

	rc = get_object(ld, clients, "clients", "arrival", &arr, path, sizeof path);
	if (rc <= 0)
		return rc;
	int kind = get_kind(ld, arr, path, kinds, "constant, poisson, burst");
	if (kind < 0)
		return -1;
	sc->arrival = (enum kc_arrival_kind)kind;
	if (sc->arrival == KC_ARRIVAL_BURST) {
		if (check_keys(ld, arr, path, keys_burst) < 0)
			return -1;
		rc = get_integer(ld, arr, path, "count", 1, (double)KC_MAX_ATTEMPTS, &x);
		if (rc < 0)
			return -1;
		join_path(p, sizeof p, path, "count");
		if (rc == 0)
			return fail(ld, p, "expected an integer in 1..%ld, got nothing",
				    KC_MAX_ATTEMPTS);
		sc->burst_count = (long)x;
		rc = get_number(ld, arr, path, "at_s", 0, false, MAX_SECONDS, false, &x);
		if (rc < 0)
			return -1;
		sc->burst_at_s = rc > 0 ? x : 0.0;
		return 0;
	}
	if (check_keys(ld, arr, path, keys_rate) < 0)
		return -1;
	rc = get_number(ld, arr, path, "rate_per_s", 0, true, MAX_RATE_PER_S, false, &x);
	if (rc < 0)
		return -1;
	join_path(p, sizeof p, path, "rate_per_s");
	if (rc == 0)
		return fail(ld, p, "expected a number > 0, got nothing");
	sc->arrival_rate_per_s = x;
	return 0;
}

static int load_after_connect(struct loader *ld, struct kc_scenario *sc, const cJSON *clients)
{
	static const char *const kinds[] = {"hold", NULL};
	static const char *const keys[] = {"kind", "hold_s", "write_bytes", NULL};
	const cJSON *ac;
	char path[256], p[300];
	double x;
	int rc;

	rc = get_object(ld, clients, "clients", "after_connect", &ac, path, sizeof path);
	if (rc <= 0)
		return rc;
	if (get_kind(ld, ac, path, kinds, "hold") < 0)
		return -1;
	if (check_keys(ld, ac, path, keys) < 0)
		return -1;
	join_path(p, sizeof p, path, "hold_s");
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(ac, "hold_s");
	if (h != NULL && cJSON_IsObject(h))
		return fail(ld, p, "unsupported here (kcheck takes a constant hold_s)");
	rc = get_number(ld, ac, path, "hold_s", 0, false, 1e6, false, &x);
	if (rc < 0)
		return -1;
	if (rc > 0)
		sc->hold_s = x;
	rc = get_integer(ld, ac, path, "write_bytes", 0, 1, &x);
	if (rc < 0)
		return -1;
	sc->write_byte = rc > 0 && x > 0;
	return 0;
}

/* "kcheck": settings of the measurement only (the simulator ignores them) */
static int load_kcheck(struct loader *ld, struct kc_scenario *sc, const cJSON *root)
{
	static const char *const keys[] = {"app_thread", NULL};
	const cJSON *o, *v;
	char path[256];
	int rc = get_object(ld, root, "", "kcheck", &o, path, sizeof path);

	if (rc <= 0)
		return rc;
	if (check_keys(ld, o, path, keys) < 0)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "app_thread");
	if (v != NULL && !cJSON_IsBool(v))
		return fail_type(ld, "kcheck.app_thread", "true or false", v);
	sc->app_thread = v != NULL && cJSON_IsTrue(v);
	return 0;
}

/* "faults": kcheck makes one kind, with a classic BPF filter on the listener:
 * every non-SYN segment to the server (ACK, DATA, FIN, RST) is dropped from
 * from_s to to_s, for every client or for the clients of attempts
 * [first, last] (each attempt binds port KC_CLIENT_PORT_BASE + its number). */
static int load_faults(struct loader *ld, struct kc_scenario *sc, const cJSON *root)
{
	static const char *const keys[] = {"kind", "from_s", "to_s", "direction", "segments",
					   "attempts", "probability", NULL};
	static const char *const want[] = {"ACK", "DATA", "FIN", "RST"};
	const cJSON *fa = cJSON_GetObjectItemCaseSensitive(root, "faults"), *f, *v;
	const char *s = NULL;
	double x;
	int rc;

	if (fa == NULL)
		return 0;
	if (!cJSON_IsArray(fa) || cJSON_GetArraySize(fa) != 1)
		return fail(ld, "faults", "unsupported here (kcheck makes one fault: a filter that drops "
					  "non-SYN segments to the server)");
	f = cJSON_GetArrayItem(fa, 0);
	if (!cJSON_IsObject(f))
		return fail_type(ld, "faults[0]", "an object", f);
	if (check_keys(ld, f, "faults[0]", keys) < 0)
		return -1;
	if (get_kind(ld, f, "faults[0]", (const char *const[]){"loss", NULL}, "loss") < 0)
		return -1;
	if (get_string(ld, f, "faults[0]", "direction", &s) < 0)
		return -1;
	if (s == NULL || strcmp(s, "to_server") != 0)
		return fail(ld, "faults[0].direction", "unsupported here (kcheck filters segments "
						       "\"to_server\" only)");
	v = cJSON_GetObjectItemCaseSensitive(f, "segments");
	bool ok = cJSON_IsArray(v) && cJSON_GetArraySize(v) == 4;
	for (int i = 0; ok && i < 4; i++) {
		bool hit = false;
		for (int j = 0; j < 4; j++)
			hit = hit || (cJSON_IsString(cJSON_GetArrayItem(v, j)) &&
				      strcmp(cJSON_GetArrayItem(v, j)->valuestring, want[i]) == 0);
		ok = hit;
	}
	if (!ok)
		return fail(ld, "faults[0].segments", "unsupported here (kcheck drops exactly the "
						      "non-SYN segments: [\"ACK\", \"DATA\", \"FIN\", \"RST\"])");
	rc = get_number(ld, f, "faults[0]", "probability", 1, false, 1, false, &x);
	if (rc < 0)
		return -1;
	rc = get_number(ld, f, "faults[0]", "from_s", 0, false, MAX_SECONDS, false, &x);
	if (rc < 0)
		return -1;
	sc->filter_from_s = rc > 0 ? x : 0;
	rc = get_number(ld, f, "faults[0]", "to_s", sc->filter_from_s, true, MAX_SECONDS, false, &x);
	if (rc <= 0)
		return rc < 0 ? -1 : fail(ld, "faults[0].to_s", "expected a number > from_s, got nothing");
	sc->filter_to_s = x;
	v = cJSON_GetObjectItemCaseSensitive(f, "attempts");
	if (v != NULL) {
		const cJSON *a0 = cJSON_GetArrayItem(v, 0), *a1 = cJSON_GetArrayItem(v, 1);
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2 || !cJSON_IsNumber(a0) ||
		    !cJSON_IsNumber(a1) || a0->valuedouble < 0 || a1->valuedouble < a0->valuedouble ||
		    a1->valuedouble >= KC_MAX_BOUND_ATTEMPTS || a0->valuedouble != floor(a0->valuedouble) ||
		    a1->valuedouble != floor(a1->valuedouble))
			return fail_type(ld, "faults[0].attempts", "[first, last], integers, first <= last < 20000", v);
		sc->filter_ports = true;
		sc->filter_first = (long)a0->valuedouble;
		sc->filter_last = (long)a1->valuedouble;
	}
	sc->has_filter = true;
	return 0;
}

static int load_clients(struct loader *ld, struct kc_scenario *sc, const cJSON *root)
{
	static const char *const keys[] = {"sysctl", "arrival", "after_connect",
					   "connect_timeout_s", NULL};
	const cJSON *clients;
	char path[256];
	double x;
	int rc;

	rc = get_object(ld, root, "", "clients", &clients, path, sizeof path);
	if (rc <= 0)
		return rc;
	if (check_keys(ld, clients, "clients", keys) < 0)
		return -1;
	if (load_sysctls(ld, sc, clients, "clients") < 0)
		return -1;
	if (load_arrival(ld, sc, clients) < 0)
		return -1;
	if (load_after_connect(ld, sc, clients) < 0)
		return -1;
	rc = get_number(ld, clients, "clients", "connect_timeout_s", 0, true, MAX_SECONDS, true, &x);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		sc->has_connect_timeout = true;
		sc->connect_timeout_s = x;
	}
	return 0;
}

/* Rough upper bound on the attempts a scenario makes. */
static double expected_attempts(const struct kc_scenario *sc)
{
	double mean;

	switch (sc->arrival) {
	case KC_ARRIVAL_BURST:
		return (double)sc->burst_count;
	case KC_ARRIVAL_CONSTANT:
		return ceil(sc->arrival_rate_per_s * sc->duration_s);
	case KC_ARRIVAL_POISSON:
		mean = sc->arrival_rate_per_s * sc->duration_s;
		return mean + 6.0 * sqrt(mean);
	}
	return 0;
}

static int load_root(struct loader *ld, struct kc_scenario *sc, const cJSON *root)
{
	static const char *const keys[] = {"name",   "description", "duration_s", "drain_s",
					   "seed",   "server",      "clients",    "kcheck",
					   "faults", NULL};
	const char *name = NULL, *desc = NULL;
	double x;
	int rc;

	if (!cJSON_IsObject(root))
		return fail_type(ld, "", "an object", root);
	if (check_keys(ld, root, "", keys) < 0)
		return -1;
	if (get_string(ld, root, "", "name", &name) < 0)
		return -1;
	if (name != NULL && (name[0] == '\0' || strchr(name, '/') != NULL ||
			     strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
		return fail_type(ld, "name", "a non-empty name without '/'",
				 cJSON_GetObjectItemCaseSensitive(root, "name"));
	if (get_string(ld, root, "", "description", &desc) < 0)
		return -1;
	rc = get_number(ld, root, "", "duration_s", 0, true, MAX_SECONDS, false, &x);
	if (rc < 0)
		return -1;
	sc->duration_s = rc > 0 ? x : DEFAULT_DURATION_S;
	rc = get_number(ld, root, "", "drain_s", 0, false, MAX_SECONDS, true, &x);
	if (rc < 0)
		return -1;
	sc->drain_s = rc > 0 ? x : DEFAULT_DRAIN_S;
	rc = get_integer(ld, root, "", "seed", 0, 9007199254740991.0, &x);
	if (rc < 0)
		return -1;
	sc->seed = rc > 0 ? (uint64_t)x : DEFAULT_SEED;

	sc->arrival = KC_ARRIVAL_CONSTANT;
	sc->arrival_rate_per_s = DEFAULT_RATE_PER_S;
	sc->hold_s = DEFAULT_HOLD_S;
	if (load_server(ld, sc, root) < 0)
		return -1;
	if (load_clients(ld, sc, root) < 0)
		return -1;
	if (load_kcheck(ld, sc, root) < 0 || load_faults(ld, sc, root) < 0)
		return -1;
	if (sc->filter_ports && expected_attempts(sc) > KC_MAX_BOUND_ATTEMPTS)
		return fail(ld, "faults[0].attempts", "unsupported here (a port-range filter binds one port "
						      "per attempt: at most %d attempts)", KC_MAX_BOUND_ATTEMPTS);
	if (sc->arrival == KC_ARRIVAL_BURST && sc->burst_at_s >= sc->duration_s)
		return fail(ld, "clients.arrival.at_s",
			    "expected a number in [0, duration_s = %g), got %g", sc->duration_s,
			    sc->burst_at_s);
	double n = expected_attempts(sc);
	if (n > (double)KC_MAX_ATTEMPTS)
		return fail(ld, "clients.arrival",
			    "unsupported here (about %.0f attempts; kcheck makes at most %ld)", n,
			    KC_MAX_ATTEMPTS);

	sc->name = strdup(name ? name : "scenario");
	sc->description = desc ? strdup(desc) : NULL;
	if (sc->name == NULL || (desc && sc->description == NULL))
		return fail(ld, "", "out of memory");
	return 0;
}

/* Derives a default name from the file's base name without ".json". */
static char *name_from_file(const char *file)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	size_t n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	if (n == 0 || (n == 1 && base[0] == '.') || (n == 2 && strncmp(base, "..", 2) == 0))
		return strdup("scenario");
	return strndup(base, n);
}

static char *read_file(const char *file, size_t *len, int *err)
{
	FILE *f = fopen(file, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL) {
		*err = errno;
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, ncap);
			if (nb == NULL) {
				*err = ENOMEM;
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				*err = errno ? errno : EIO;
				goto fail;
			}
			break;
		}
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/* Applies one "a.b.c=JSON" override to `root`. */
static int apply_set(struct loader *ld, cJSON *root, const char *set)
{
	const char *eq = strchr(set, '=');
	char path[256];

	if (eq == NULL || eq == set || (size_t)(eq - set) >= sizeof path) {
		snprintf(ld->err, ld->errlen, "--set: %s: expected a.b=JSON", set);
		return -1;
	}
	memcpy(path, set, (size_t)(eq - set));
	path[eq - set] = '\0';
	cJSON *value = cJSON_Parse(eq + 1);
	if (value == NULL) {
		snprintf(ld->err, ld->errlen, "--set: %s: expected a JSON value, got '%.60s'", path,
			 eq + 1);
		return -1;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(value);
		return fail_type(ld, "", "an object", root);
	}
	cJSON *obj = root;
	char *save = NULL, *tok = strtok_r(path, ".", &save);
	char done[256] = "";
	while (tok != NULL) {
		char *next = strtok_r(NULL, ".", &save);
		char here[256];
		join_path(here, sizeof here, done, tok);
		if (next == NULL) {
			if (cJSON_GetObjectItemCaseSensitive(obj, tok) != NULL)
				cJSON_ReplaceItemInObjectCaseSensitive(obj, tok, value);
			else
				cJSON_AddItemToObject(obj, tok, value);
			return 0;
		}
		cJSON *child = cJSON_GetObjectItemCaseSensitive(obj, tok);
		if (child == NULL) {
			child = cJSON_AddObjectToObject(obj, tok);
			if (child == NULL) {
				cJSON_Delete(value);
				return fail(ld, here, "out of memory");
			}
		} else if (!cJSON_IsObject(child)) {
			cJSON_Delete(value);
			return fail_type(ld, here, "an object (for --set)", child);
		}
		obj = child;
		snprintf(done, sizeof done, "%s", here);
		tok = next;
	}
	cJSON_Delete(value);
	snprintf(ld->err, ld->errlen, "--set: %s: expected a.b=JSON", set);
	return -1;
}

/* 1-based line and column of `at` in `text`. */
static void line_col(const char *text, const char *at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const char *p = text; p < at && *p; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int kc_scenario_load(struct kc_scenario *sc, const char *file, char *const *sets, int nsets,
		     char *err, size_t errlen)
{
	struct loader ld = {file, err, errlen};
	size_t len = 0;
	int ferr = 0, rc = -1;
	char *text;
	cJSON *root = NULL;

	memset(sc, 0, sizeof *sc);
	text = read_file(file, &len, &ferr);
	if (text == NULL) {
		snprintf(err, errlen, "%s: (file): expected a readable file, got %s", file,
			 strerror(ferr));
		return -1;
	}
	if (strlen(text) != len) {
		snprintf(err, errlen, "%s: (document): expected JSON text, got a NUL byte", file);
		goto out;
	}
	const char *end = NULL;
	root = cJSON_ParseWithLengthOpts(text, len + 1, &end, true);
	if (root == NULL) {
		int line, col;
		const char *at = cJSON_GetErrorPtr();
		if (at == NULL || at < text || at > text + len)
			at = text + len;
		line_col(text, at, &line, &col);
		snprintf(err, errlen, "%s: (document): expected valid JSON, got a syntax error at "
				      "line %d column %d",
			 file, line, col);
		goto out;
	}
	for (int i = 0; i < nsets; i++)
		if (apply_set(&ld, root, sets[i]) < 0)
			goto out;
	if (load_root(&ld, sc, root) < 0)
		goto out;
	if (cJSON_GetObjectItemCaseSensitive(root, "name") == NULL) {
		free(sc->name);
		sc->name = name_from_file(file);
		if (sc->name == NULL) {
			fail(&ld, "name", "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0)
		kc_scenario_fini(sc);
	cJSON_Delete(root);
	free(text);
	return rc;
}

void kc_scenario_fini(struct kc_scenario *sc)
{
	free(sc->name);
	free(sc->description);
	memset(sc, 0, sizeof *sc);
}

static cJSON *sysctl_json(const char *section, const long *used, const bool *present)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	for (int i = 0; i < KC_SYSCTL_COUNT; i++) {
		if (strcmp(sysctl_table[i].section, section) != 0)
			continue;
		cJSON *v;
		if (present[i])
			v = cJSON_CreateNumber((double)used[i]);
		else
			v = cJSON_CreateNull();
		if (v == NULL || !cJSON_AddItemToObject(o, sysctl_table[i].name, v)) {
			cJSON_Delete(v);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

cJSON *kc_scenario_to_json(const struct kc_scenario *sc, const long *used, const bool *present)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *server = NULL, *clients = NULL, *acc = NULL, *arr = NULL, *ac = NULL, *sys = NULL;
	bool ok = root != NULL;

	ok = ok && cJSON_AddStringToObject(root, "name", sc->name);
	if (sc->description)
		ok = ok && cJSON_AddStringToObject(root, "description", sc->description);
	ok = ok && cJSON_AddNumberToObject(root, "duration_s", sc->duration_s);
	ok = ok && cJSON_AddNumberToObject(root, "drain_s", sc->drain_s);
	ok = ok && cJSON_AddNumberToObject(root, "seed", (double)sc->seed);
	ok = ok && (server = cJSON_AddObjectToObject(root, "server")) != NULL;
	ok = ok && cJSON_AddNumberToObject(server, "backlog", (double)sc->backlog);
	ok = ok && (sys = sysctl_json("server", used, present)) != NULL;
	ok = ok && cJSON_AddItemToObject(server, "sysctl", sys);
	ok = ok && (acc = cJSON_AddObjectToObject(server, "acceptor")) != NULL;
	if (ok) {
		switch (sc->acceptor) {
		case KC_ACCEPTOR_NEVER:
			ok = cJSON_AddStringToObject(acc, "kind", "never") != NULL;
			break;
		case KC_ACCEPTOR_RATE:
			ok = cJSON_AddStringToObject(acc, "kind", "rate") &&
			     cJSON_AddNumberToObject(acc, "rate_per_s", sc->accept_rate_per_s) &&
			     cJSON_AddStringToObject(acc, "process", sc->accept_exponential
									 ? "exponential"
									 : "fixed");
			break;
		case KC_ACCEPTOR_WORKERS:
			ok = cJSON_AddStringToObject(acc, "kind", "workers") &&
			     cJSON_AddNumberToObject(acc, "count", (double)sc->workers);
			if (ok && sc->service_exponential) {
				cJSON *d = cJSON_AddObjectToObject(acc, "service_ms");
				ok = d && cJSON_AddStringToObject(d, "kind", "exponential") &&
				     cJSON_AddNumberToObject(d, "mean", sc->service_ms);
			} else if (ok) {
				ok = cJSON_AddNumberToObject(acc, "service_ms", sc->service_ms) != NULL;
			}
			break;
		}
	}
	ok = ok && (clients = cJSON_AddObjectToObject(root, "clients")) != NULL;
	ok = ok && (sys = sysctl_json("clients", used, present)) != NULL;
	ok = ok && cJSON_AddItemToObject(clients, "sysctl", sys);
	ok = ok && (arr = cJSON_AddObjectToObject(clients, "arrival")) != NULL;
	if (ok) {
		switch (sc->arrival) {
		case KC_ARRIVAL_CONSTANT:
		case KC_ARRIVAL_POISSON:
			ok = cJSON_AddStringToObject(arr, "kind", sc->arrival == KC_ARRIVAL_CONSTANT
									  ? "constant"
									  : "poisson") &&
			     cJSON_AddNumberToObject(arr, "rate_per_s", sc->arrival_rate_per_s);
			break;
		case KC_ARRIVAL_BURST:
			ok = cJSON_AddStringToObject(arr, "kind", "burst") &&
			     cJSON_AddNumberToObject(arr, "count", (double)sc->burst_count) &&
			     cJSON_AddNumberToObject(arr, "at_s", sc->burst_at_s);
			break;
		}
	}
	if (ok) {
		ok = sc->has_connect_timeout
			     ? cJSON_AddNumberToObject(clients, "connect_timeout_s",
						       sc->connect_timeout_s) != NULL
			     : cJSON_AddNullToObject(clients, "connect_timeout_s") != NULL;
	}
	ok = ok && (ac = cJSON_AddObjectToObject(clients, "after_connect")) != NULL;
	ok = ok && cJSON_AddStringToObject(ac, "kind", "hold");
	ok = ok && cJSON_AddNumberToObject(ac, "hold_s", sc->hold_s);
	if (sc->write_byte)
		ok = ok && cJSON_AddNumberToObject(ac, "write_bytes", 1);
	if (ok && sc->app_thread) {
		cJSON *k = cJSON_AddObjectToObject(root, "kcheck");
		ok = k && cJSON_AddBoolToObject(k, "app_thread", true);
	}
	if (ok && sc->has_filter) {
		cJSON *fa = cJSON_AddArrayToObject(root, "faults"), *f = cJSON_CreateObject(), *sg;
		ok = fa && f && cJSON_AddItemToArray(fa, f) && cJSON_AddStringToObject(f, "kind", "loss") &&
		     cJSON_AddStringToObject(f, "direction", "to_server") &&
		     (sg = cJSON_AddArrayToObject(f, "segments")) != NULL &&
		     cJSON_AddItemToArray(sg, cJSON_CreateString("ACK")) &&
		     cJSON_AddItemToArray(sg, cJSON_CreateString("DATA")) &&
		     cJSON_AddItemToArray(sg, cJSON_CreateString("FIN")) &&
		     cJSON_AddItemToArray(sg, cJSON_CreateString("RST")) &&
		     cJSON_AddNumberToObject(f, "from_s", sc->filter_from_s) &&
		     cJSON_AddNumberToObject(f, "to_s", sc->filter_to_s);
		if (ok && sc->filter_ports) {
			cJSON *a = cJSON_AddArrayToObject(f, "attempts");
			ok = a && cJSON_AddItemToArray(a, cJSON_CreateNumber((double)sc->filter_first)) &&
			     cJSON_AddItemToArray(a, cJSON_CreateNumber((double)sc->filter_last));
		}
	}
	if (!ok) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
