/* kcheck: measure a tcpqsim scenario on this machine's real kernel.
 *
 * The program layer: command line, exit codes and the order of the steps
 * (load and check the scenario, enter a private network namespace, write the
 * sysctls, snapshot counters, run, snapshot again, report).  Exit codes: 0
 * done, 1 the run failed, 2 bad usage or input (nothing written), 77 no root
 * or no network namespaces, 128+N when signal N cut the run (the summary of
 * what ran is still written).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kc_netns.h"
#include "kc_report.h"
#include "kc_run.h"
#include "kc_scenario.h"

#define DEFAULT_MAX_WALL_S 300.0
#define MAX_SETS 64

int kcheck_main(int argc, char **argv);

struct options {
	const char *file;       /* scenario file */
	char *sets[MAX_SETS];   /* --set arguments, borrowed from argv */
	int nsets;
	const char *out_dir;    /* -o, or NULL for out/NAME-kernel */
	double max_wall_s;      /* --max-wall-s */
	bool attempts;          /* --attempts */
	const char *captures;   /* --captures DIR, or NULL */
};

static void usage(FILE *f)
{
	fputs("usage: kcheck SCENARIO.json [--set a.b=JSON]... [-o DIR] [--max-wall-s S] "
	      "[--attempts] [--captures DIR]\n"
	      "Runs the scenario against this machine's kernel in a private network namespace\n"
	      "(needs root) and writes DIR/summary.json (default out/NAME-kernel/).\n"
	      "  --set a.b=JSON    override one scenario field (value parsed as JSON)\n"
	      "  -o DIR            output folder\n"
	      "  --max-wall-s S    cut the run after S seconds (default 300)\n"
	      "  --attempts        also write attempts.jsonl, one line per connect attempt\n"
	      "  --captures DIR    also keep what nstat -az, netstat -s, ss -lnt and\n"
	      "                    ss -nt state syn-recv print in the namespace, before the\n"
	      "                    run and when it is cut (DIR/*.txt, for tcpqsim compare)\n"
	      "Exit: 0 done, 1 run failed, 2 bad usage or input, 77 needs root and netns,\n"
	      "128+N cut by signal N (the summary is still written).\n",
	      f);
}

/* Returns 0, 1 for --help, or 2 after printing the problem. */
static int parse_args(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof *o);
	o->max_wall_s = DEFAULT_MAX_WALL_S;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return 1;
		if (strcmp(a, "--attempts") == 0) {
			o->attempts = true;
			continue;
		}
		if (strncmp(a, "--set=", 6) == 0 || strncmp(a, "--max-wall-s=", 13) == 0) {
			val = strchr(a, '=') + 1;
		} else if (strcmp(a, "--set") == 0 || strcmp(a, "-o") == 0 ||
			   strcmp(a, "--max-wall-s") == 0 || strcmp(a, "--captures") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "kcheck: %s needs a value (try kcheck --help)\n", a);
				return 2;
			}
			val = argv[++i];
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "kcheck: unknown option '%s' (try kcheck --help)\n", a);
			return 2;
		} else {
			if (o->file != NULL) {
				fprintf(stderr, "kcheck: one scenario file only, got '%s' and '%s' "
						"(try kcheck --help)\n",
					o->file, a);
				return 2;
			}
			o->file = a;
			continue;
		}
		if (strncmp(a, "--set", 5) == 0) {
			if (o->nsets == MAX_SETS) {
				fprintf(stderr, "kcheck: at most %d --set options\n", MAX_SETS);
				return 2;
			}
			o->sets[o->nsets++] = (char *)val;
		} else if (strcmp(a, "--captures") == 0) {
			if (val[0] == '\0') {
				fprintf(stderr, "kcheck: --captures needs a folder name\n");
				return 2;
			}
			o->captures = val;
		} else if (strcmp(a, "-o") == 0) {
			if (val[0] == '\0') {
				fprintf(stderr, "kcheck: -o needs a folder name\n");
				return 2;
			}
			o->out_dir = val;
		} else {
			char *end;
			errno = 0;
			o->max_wall_s = strtod(val, &end);
			if (errno || end == val || *end || !isfinite(o->max_wall_s) ||
			    o->max_wall_s <= 0 || o->max_wall_s > 86400 * 7) {
				fprintf(stderr, "kcheck: --max-wall-s: expected seconds > 0, got '%s'\n",
					val);
				return 2;
			}
		}
	}
	if (o->file == NULL) {
		fprintf(stderr, "kcheck: no scenario file (try kcheck --help)\n");
		return 2;
	}
	return 0;
}

/* Writes the scenario's sysctls; reads back every value in force. */
static int apply_sysctls(const struct kc_scenario *sc, long *used, bool *present,
			 const char **skipped)
{
	int nskipped = 0;
	char err[256];

	for (int i = 0; i < KC_SYSCTL_COUNT; i++) {
		const struct kc_sysctl_info *info = kc_sysctl_info(i);
		if (sc->sysctl[i].set) {
			int rc = kc_sysctl_write(info->path, sc->sysctl[i].value, err, sizeof err);
			if (rc < 0) {
				fprintf(stderr, "kcheck: %s\n", err);
				return -1;
			}
			if (rc > 0)
				skipped[nskipped++] = info->name;
		}
		present[i] = kc_sysctl_read(info->path, &used[i]) == 0;
	}
	skipped[nskipped] = NULL;
	return 0;
}

static void counter_deltas(const struct kc_counters *before, const struct kc_counters *after,
			   struct kc_report *rep)
{
	for (int i = 0; i < KC_COUNTER_COUNT; i++) {
		long long b = 0, a = 0;
		kc_counters_get(before, "TcpExt", kc_counter_name(i), &b);
		kc_counters_get(after, "TcpExt", kc_counter_name(i), &a);
		rep->counters[i] = a - b;
	}
	for (int i = 0; i < KC_OTHER_COUNTER_COUNT; i++) {
		const char *group, *name;
		long long b = 0, a = 0;
		kc_other_counter_name(i, &group, &name);
		rep->other_found[i] = kc_counters_get(before, group, name, &b) &&
				      kc_counters_get(after, group, name, &a);
		rep->other[i] = a - b;
	}
}

/* --captures: what the operator's tools print in this namespace, run as
 * a shell would run them (nstat keeps its history in DIR, not in /tmp).
 * Returns 0, or -1 with err set. */
static int capture_tools(const char *dir, const char *when, bool sockets, char *err, size_t errlen)
{
	static const struct {
		const char *file, *cmd;
		bool sockets;
	} tools[] = {
	    {"nstat-%s.txt", "nstat -az", false},
	    {"netstat-s-%s.txt", "netstat -s", false},
	    {"ss-lnt-%s.txt", "ss -lnt", true},
	    {"ss-syn-recv-%s.txt", "ss -nt state syn-recv", true},
	};
	for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
		if (tools[i].sockets && !sockets)
			continue;
		char name[64], cmd[8800];
		snprintf(name, sizeof name, tools[i].file, when);
		snprintf(cmd, sizeof cmd, "NSTAT_HISTORY='%s/.nstat-history' %s > '%s/%s'", dir, tools[i].cmd, dir, name);
		if (system(cmd) != 0) {
			snprintf(err, errlen, "--captures: '%s' failed (iproute2 and net-tools installed?)", tools[i].cmd);
			return -1;
		}
	}
	char hist[4200];
	snprintf(hist, sizeof hist, "%s/.nstat-history", dir);
	remove(hist);
	return 0;
}

/* Counters read when the run is cut, before its sockets are closed. */
struct cut_snapshot {
	struct kc_counters *after; /* borrowed, filled */
	int rc;                    /* kc_counters_read()'s result */
	char err[256];             /* its message */
	const char *captures;      /* --captures DIR, or NULL */
};

static void snapshot_at_cut(void *ctx)
{
	struct cut_snapshot *s = ctx;
	s->rc = kc_counters_read(s->after, s->err, sizeof s->err);
	if (s->rc == 0 && s->captures && capture_tools(s->captures, "after", true, s->err, sizeof s->err) < 0)
		s->rc = -1;
}

int kcheck_main(int argc, char **argv)
{
	struct options opt;
	struct kc_scenario sc;
	struct kc_run_result res;
	struct kc_report rep;
	struct kc_counters *before = NULL, *after = NULL;
	struct utsname uts;
	long used[KC_SYSCTL_COUNT] = {0};
	bool present[KC_SYSCTL_COUNT] = {0};
	char err[1024], dir[4096];
	cJSON *resolved = NULL;
	int status = 1;

	int rc = parse_args(argc, argv, &opt);
	if (rc == 1) {
		usage(stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (kc_scenario_load(&sc, opt.file, opt.sets, opt.nsets, err, sizeof err) < 0) {
		fprintf(stderr, "kcheck: %s\n", err);
		return 2;
	}
	if (opt.out_dir)
		snprintf(dir, sizeof dir, "%s", opt.out_dir);
	else
		snprintf(dir, sizeof dir, "out/%s-kernel", sc.name);

	memset(&res, 0, sizeof res);
	memset(&rep, 0, sizeof rep);
	if (kc_netns_enter(err, sizeof err) < 0) {
		fprintf(stderr, "kcheck: needs root and network namespaces (%s)\n", err);
		status = 77;
		goto out;
	}
	if (apply_sysctls(&sc, used, present, rep.skipped_sysctls) < 0)
		goto out;
	long somaxconn = used[KC_SYSCTL_SOMAXCONN];
	if (present[KC_SYSCTL_SOMAXCONN] && sc.backlog > somaxconn)
		fprintf(stderr, "kcheck: note: listen backlog %ld is above net.core.somaxconn %ld; "
				"the kernel uses %ld\n",
			sc.backlog, somaxconn, somaxconn);

	before = malloc(sizeof *before);
	after = malloc(sizeof *after);
	if (before == NULL || after == NULL) {
		fprintf(stderr, "kcheck: out of memory\n");
		goto out;
	}
	if (kc_counters_read(before, err, sizeof err) < 0) {
		fprintf(stderr, "kcheck: %s\n", err);
		goto out;
	}
	if (opt.captures) {
		if (mkdir(opt.captures, 0777) < 0 && errno != EEXIST) {
			fprintf(stderr, "kcheck: %s: %s\n", opt.captures, strerror(errno));
			goto out;
		}
		if (capture_tools(opt.captures, "before", false, err, sizeof err) < 0) {
			fprintf(stderr, "kcheck: %s\n", err);
			goto out;
		}
	}
	struct cut_snapshot snap = {after, 0, "", opt.captures};
	if (kc_run(&sc, opt.max_wall_s, snapshot_at_cut, &snap, &res, err, sizeof err) < 0) {
		fprintf(stderr, "kcheck: %s\n", err);
		goto out;
	}
	if (snap.rc < 0) {
		fprintf(stderr, "kcheck: %s\n", snap.err);
		goto out;
	}
	counter_deltas(before, after, &rep);

	if (uname(&uts) < 0)
		snprintf(uts.release, sizeof uts.release, "unknown");
	resolved = kc_scenario_to_json(&sc, used, present);
	if (resolved == NULL) {
		fprintf(stderr, "kcheck: out of memory\n");
		goto out;
	}
	rep.kernel = uts.release;
	rep.scenario = resolved;
	rep.res = &res;
	if (kc_report_write(&rep, dir, opt.attempts, err, sizeof err) < 0) {
		fprintf(stderr, "kcheck: %s\n", err);
		goto out;
	}
	kc_report_print(&rep, stdout);
	printf("  wrote %s/summary.json%s\n", dir, opt.attempts ? " and attempts.jsonl" : "");
	/* A run cut by a signal still reports, then exits as the shell expects. */
	status = res.signal ? 128 + res.signal : 0;
out:
	cJSON_Delete(resolved);
	kc_run_result_fini(&res);
	free(before);
	free(after);
	kc_scenario_fini(&sc);
	return status;
}

int main(int argc, char **argv)
{
	return kcheck_main(argc, argv);
}
