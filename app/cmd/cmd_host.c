/* cmd_host.c: "tcpqsim host-profile": this host's kernel as a scenario block.
 *
 * Reads the running kernel's release (uname) and the handshake sysctls under
 * /proc/sys, picks the profile of the nearest kernel generation at or below
 * the release (6.18.44 -> linux-6.18, 5.10 -> linux-5.4), and prints a JSON
 * object with "server" and "clients" blocks ready to paste into a scenario
 * (on its own it is a valid scenario too).  --name prints only the profile
 * name, --json only the JSON; --proc and --release read another tree or
 * release (for tests).  Exit 0, 1 when /proc cannot be read, 2 on misuse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <cjson/cJSON.h>

#include "models/profile.h"
#include "app/commands.h"

enum host_opt { O_NAME, O_JSON, O_PROC, O_RELEASE };

static const struct cli_option host_options[] = {
	{O_NAME, "--name", NULL, CLI_FLAG, NULL, "print only the profile name"},
	{O_JSON, "--json", NULL, CLI_FLAG, NULL, "print only the JSON block"},
	{O_PROC, "--proc", NULL, CLI_VALUE, "DIR", "read DIR/sys/net/... instead of /proc/sys/net/..."},
	{O_RELEASE, "--release", NULL, CLI_VALUE, "R", "take R as the kernel release instead of uname -r"},
	{0, NULL, NULL, CLI_FLAG, NULL, NULL},
};

int cmd_host_profile(int argc, char **argv);
const struct cli_command cli_cmd_host_profile = {
    "host-profile", cmd_host_profile, NULL, "this host's kernel profile and sysctls, as JSON", host_options,
    "Prints the profile of this host's kernel (the nearest generation at or below its release)\n"
    "and a JSON \"server\"/\"clients\" block with its /proc/sys values, ready to paste into a scenario.\n",
};

enum host_sysctl {
	HS_SOMAXCONN,
	HS_TCP_MAX_SYN_BACKLOG,
	HS_TCP_SYNCOOKIES,
	HS_TCP_ABORT_ON_OVERFLOW,
	HS_TCP_SYNACK_RETRIES,
	HS_TCP_SYN_RETRIES,
	HS_TCP_SYN_LINEAR_TIMEOUTS,
	HS_COUNT
};

static const struct {
	const char *name;  /* the /proc/sys base name, as scenarios spell it */
	const char *path;  /* under /proc */
	bool server;       /* in the "server" block, else "clients" */
} host_sysctls[HS_COUNT] = {
    {"somaxconn", "sys/net/core/somaxconn", true},
    {"tcp_max_syn_backlog", "sys/net/ipv4/tcp_max_syn_backlog", true},
    {"tcp_syncookies", "sys/net/ipv4/tcp_syncookies", true},
    {"tcp_abort_on_overflow", "sys/net/ipv4/tcp_abort_on_overflow", true},
    {"tcp_synack_retries", "sys/net/ipv4/tcp_synack_retries", true},
    {"tcp_syn_retries", "sys/net/ipv4/tcp_syn_retries", false},
    {"tcp_syn_linear_timeouts", "sys/net/ipv4/tcp_syn_linear_timeouts", false},
};

/* "6.18.44-fc" -> {6, 18, 44}; returns how many numbers were read */
static int parse_version(const char *s, long v[3])
{
	v[0] = v[1] = v[2] = 0;
	int n = 0;
	while (n < 3 && *s >= '0' && *s <= '9') {
		char *end = NULL;
		v[n++] = strtol(s, &end, 10);
		s = end;
		if (*s != '.')
			break;
		s++;
	}
	return n;
}

static int version_cmp(const long a[3], const long b[3])
{
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* the linux-X.Y profile at or below release; *below_all when none is */
static const struct kernel_rules *profile_for_release(const char *release, bool *below_all)
{
	long want[3];
	const struct kernel_rules *best = NULL, *oldest = NULL;
	long best_v[3] = {0, 0, 0}, oldest_v[3] = {0, 0, 0};
	*below_all = false;
	if (parse_version(release, want) < 2)
		return NULL;
	for (size_t i = 0; i < profile_count(); i++) {
		const struct kernel_rules *r = profile_at(i);
		long v[3];
		if (strncmp(r->profile, "linux-", 6) != 0 || parse_version(r->profile + 6, v) < 2)
			continue;
		if (!oldest || version_cmp(v, oldest_v) < 0) {
			oldest = r;
			memcpy(oldest_v, v, sizeof(v));
		}
		if (version_cmp(v, want) <= 0 && (!best || version_cmp(v, best_v) > 0)) {
			best = r;
			memcpy(best_v, v, sizeof(v));
		}
	}
	if (!best) {
		*below_all = true;
		return oldest;
	}
	return best;
}

/* 1 read, 0 no such file, -1 unreadable or not a number (msg filled) */
static int read_sysctl(const char *proc, const char *rel, long *out, char *msg, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", proc, rel);
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(msg, n, "%s: expected a readable file, got %s", path, strerror(errno));
		return -1;
	}
	char buf[64] = "";
	char *got = fgets(buf, sizeof(buf), f);
	fclose(f);
	char *end = NULL;
	errno = 0;
	long v = got ? strtol(buf, &end, 10) : 0;
	if (!got || end == buf || errno || (*end && *end != '\n')) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(msg, n, "%s: expected an integer, got \"%s\"", path, buf);
		return -1;
	}
	*out = v;
	return 1;
}

static int profile_default(const struct kernel_rules *r, int i)
{
	switch (i) {
	case HS_SOMAXCONN:
		return r->somaxconn;
	case HS_TCP_MAX_SYN_BACKLOG:
		return r->tcp_max_syn_backlog;
	case HS_TCP_SYNCOOKIES:
		return r->tcp_syncookies;
	case HS_TCP_ABORT_ON_OVERFLOW:
		return r->tcp_abort_on_overflow;
	case HS_TCP_SYNACK_RETRIES:
		return r->tcp_synack_retries;
	case HS_TCP_SYN_RETRIES:
		return r->tcp_syn_retries;
	default:
		return r->tcp_syn_linear_timeouts;
	}
}

int cmd_host_profile(int argc, char **argv)
{
	bool name_only = false, json_only = false;
	const char *proc = "/proc", *release = NULL;
	struct cli_args it;
	cli_args_init(&it, &cli_cmd_host_profile, argc, argv);
	const char *v;
	int id;
	while ((id = cli_next(&it, &v)) != CLI_END) {
		switch (id) {
		case O_NAME:
			name_only = true;
			break;
		case O_JSON:
			json_only = true;
			break;
		case O_PROC:
			proc = v;
			break;
		case O_RELEASE:
			release = v;
			break;
		case CLI_OPERAND:
			return cli_misuse("host-profile: unexpected argument %s", v);
		default:
			return cli_exit(id);
		}
	}
	if (name_only && json_only)
		return cli_misuse("%s", "host-profile: --name and --json exclude each other");
	struct utsname uts;
	if (!release) {
		if (uname(&uts) != 0) {
			fprintf(stderr, PROG ": uname: %s\n", strerror(errno));
			return 1;
		}
		release = uts.release;
	}
	bool below_all = false;
	const struct kernel_rules *r = profile_for_release(release, &below_all);
	if (!r) {
		fprintf(stderr, PROG ": --release: expected a kernel release like 6.18.44, got \"%s\"\n", release);
		return 2;
	}
	if (name_only) {
		printf("%s\n", r->profile);
		return 0;
	}

	long val[HS_COUNT];
	int have[HS_COUNT];
	char msg[4400];
	for (int i = 0; i < HS_COUNT; i++) {
		have[i] = read_sysctl(proc, host_sysctls[i].path, &val[i], msg, sizeof(msg));
		if (have[i] < 0) {
			fprintf(stderr, PROG ": %s\n", msg);
			return 1;
		}
	}

	cJSON *doc = cJSON_CreateObject();
	cJSON *sv = cJSON_AddObjectToObject(doc, "server");
	cJSON_AddStringToObject(sv, "kernel", r->profile);
	cJSON *svs = cJSON_AddObjectToObject(sv, "sysctl");
	cJSON *cl = cJSON_AddObjectToObject(doc, "clients");
	cJSON_AddStringToObject(cl, "kernel", r->profile);
	cJSON *cls = cJSON_AddObjectToObject(cl, "sysctl");
	char notes[8][400];
	int n_notes = 0;
	for (int i = 0; i < HS_COUNT; i++) {
		if (have[i] == 0) {
			if (i != HS_TCP_SYN_LINEAR_TIMEOUTS || r->tcp_syn_linear_timeouts >= 0)
				snprintf(notes[n_notes++], sizeof(notes[0]), "%s: no such file under %s/sys; left out",
				         host_sysctls[i].name, proc);
			continue;
		}
		if (i == HS_TCP_SYN_LINEAR_TIMEOUTS && r->tcp_syn_linear_timeouts < 0) {
			snprintf(notes[n_notes++], sizeof(notes[0]),
			         "tcp_syn_linear_timeouts is %ld here but profile %s has none: left out, so the simulator's "
			         "clients back off from the first retransmit (linux-6.18 has linear timeouts)",
			         val[i], r->profile);
			continue;
		}
		cJSON_AddNumberToObject(host_sysctls[i].server ? svs : cls, host_sysctls[i].name, (double)val[i]);
		if (val[i] != profile_default(r, i) && n_notes < 8)
			snprintf(notes[n_notes++], sizeof(notes[0]), "%s = %ld here (profile default %d)", host_sysctls[i].name,
			         val[i], profile_default(r, i));
	}
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	if (!text) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	if (!json_only) {
		printf("kernel %s: profile %s (%s)\n", release, r->profile,
		       below_all ? "older than every profile: the oldest one" : "the nearest generation at or below it");
		for (int i = 0; i < n_notes; i++)
			printf("note: %s\n", notes[i]);
		printf("\n");
	}
	printf("%s\n", text);
	free(text);
	return 0;
}
