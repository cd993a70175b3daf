/* fuzz_cli.c: a fuzzer of the command line itself (make fuzz; fuzz/run.sh).
 *
 *   fuzz_cli TCPQSIM SECONDS WORKDIR [SEED]
 *
 * Random option combinations and values for every command (run, sweep,
 * point, merge, solve, plot, explain, watch, compare, analytic, profiles,
 * host-profile, help, version and unknown ones), each run as its own process
 * of TCPQSIM (the sanitizer build) in WORKDIR, where configs/ and tests/
 * are links to the repository's: default output folders land in
 * WORKDIR/out/.  About one run in six also gets SIGINT, SIGTERM or SIGHUP
 * after a random delay, one in twenty writes its stdout to a pipe closed at
 * once.  Each run must:
 *   - end by exit (never killed by a signal other than one we sent and
 *     ignored), with status 0, 1, 2 or 130 (130 only when we sent a signal
 *     or closed its pipe);
 *   - print nothing from the sanitizers (AddressSanitizer, LeakSanitizer,
 *     "runtime error");
 *   - with status 2, say why: stderr not empty, each line from tcpqsim;
 *   - leave no staging folder or temporary file anywhere in WORKDIR;
 *   - stop within 3 s of SIGTERM when it runs longer than 6 s.
 * A signal is sent only once the program catches it (SigCgt in
 * /proc/PID/status): before main() any program dies of it.
 * A run that breaks a rule is a finding: its command line and stderr go to
 * WORKDIR/findings/N.txt.  The exit status is 1 when there was a finding.
 * The last lines print the executions, the time and the findings.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t rs = 88172645463325252ull;
static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}
static unsigned pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}
static bool chance(unsigned pct)
{
	return pick(100) < pct;
}
#define PICK(a) ((a)[pick(sizeof(a) / sizeof((a)[0]))])

static const char *const numbers[] = {
    "0", "1", "2", "3", "8", "-1", "0.5", "1e-9", "1e-6", "0.001", "10", "100", "1e3", "1e8", "1.0000001e8", "1e10",
    "1e17", "1e19", "1e300", "-1e300", "1e999", "nan", "inf", "-inf", "", " 1", "1 ", "0x10", "abc", "1,2,3",
    "18446744073709551615", "18446744073709551616", "9223372036854775807", "9223372036854775808",
    "4611686018427387904", "4611686018427387903", "9007199254740993", "-0", "1e-300", "65536", "2147483648",
    "100000", "1048576", "1048577", "5"};
static const char *const scenarios[] = {
    "configs/default.json", "configs/seed-experiment.json", "configs/default.json", "tests/data/empty_stalls.json",
    "tests/data/fuzz-on-off-tiny-off.json", "tests/data/bad_enum.json", "tests/data/malformed_json.json",
    "tests/data/csv_empty_field.json", "tests/data/nan_literal.json", "tests/data/absurd_attempts.json",
    "tests/data/seed_too_large.json", "tests/data/replay_not_text.json", "tests/data/empty_file.json",
    "nonexistent.json", "/dev/null", "configs", "/dev/zero", "tests/data/service-times.csv", ""};
static const char *const set_paths[] = {
    "duration_s", "seed", "server.backlog", "server.listeners", "clients.arrival.rate_per_s", "sample_interval_s",
    "server.acceptor.count", "name", "network.one_way_delay_ms", "server.kernel", "clients.kernel", "drain_s",
    "warmup_s", "server.sysctl.somaxconn", "server.sysctl.tcp_max_syn_backlog", "server.acceptor.stalls",
    "server.acceptor.service_ms", "clients.arrival", "clients.sysctl.tcp_syn_retries", "network.loss_to_server",
    "hist_bin_ms", "nosuch.key", "server", "", "clients.arrival.kind", "server.rules.syn_queue_full"};
static const char *const set_values[] = {
    "1", "0", "0.5", "1e300", "-1", "2", "1e-9", "null", "true", "[]", "{}", "\"x\"", "linux-6.18", "freebsd-14",
    "\"a\\u0000b\"", "\"\\u00e9t\\u00e9\"", "\xff\xfe", "poisson", "{\"kind\": \"constant\", \"value\": 1}",
    "[{\"at_s\": 0.1, \"for_s\": 0.2, \"every_s\": 0.1}]", "18446744073709551615", "9007199254740993", "1e8", "3"};
static const char *const commands[] = {"run",   "run",     "run",     "run",      "profiles",     "sweep", "point",
                                       "merge", "solve",   "plot",    "explain",  "watch",        "compare",
                                       "analytic", "host-profile", "help", "version", "nosuch", "-x", ""};
static const char *const sweep_files[] = {"tests/data/sweep_small.json", "configs/sweeps/solve-nginx-backlog.json",
                                          "configs/sweeps/mysql-back-log.json", "configs/default.json",
                                          "nonexistent.json", "tests/data/sweep_million_points.json"};

struct cmdline {
	char *argv[64];
	int argc;
	char store[64][256];
	int n_store;
	bool may_long; /* --force or a big sweep: a timeout is no finding */
};

static void add(struct cmdline *c, const char *s)
{
	if (c->argc >= 62 || c->n_store >= 64)
		return;
	snprintf(c->store[c->n_store], sizeof(c->store[0]), "%s", s);
	c->argv[c->argc++] = c->store[c->n_store++];
	c->argv[c->argc] = NULL;
}

static const char *out_dir(void)
{
	static const char *const dirs[] = {"o/a", "o/b", "o/a", "o/deep/er/folder", "o/file", "/proc/tcpqsim-no",
	                                   "o/sweep", "o/sweep", "o/run", "o/run", ""};
	return PICK(dirs);
}

static void add_override(struct cmdline *c)
{
	char buf[256];
	switch (pick(4)) {
	case 0:
		add(c, "--seed");
		add(c, PICK(numbers));
		break;
	case 1:
		snprintf(buf, sizeof(buf), "--set=%s=%s", PICK(set_paths), PICK(set_values));
		add(c, buf);
		break;
	default:
		add(c, chance(50) ? "--set" : "-s");
		snprintf(buf, sizeof(buf), "%s=%s", PICK(set_paths), chance(60) ? PICK(set_values) : PICK(numbers));
		add(c, buf);
		break;
	}
}

static void gen(struct cmdline *c)
{
	memset(c, 0, sizeof(*c));
	const char *cmd = PICK(commands);
	add(c, "tcpqsim");
	add(c, cmd);
	unsigned n_opts = pick(7);
	if (!strcmp(cmd, "run") || !strcmp(cmd, "explain") || !strcmp(cmd, "watch") || !strcmp(cmd, "analytic")) {
		if (chance(95))
			add(c, PICK(scenarios));
		/* keep most runs short */
		if (chance(80)) {
			add(c, "--set");
			add(c, chance(50) ? "duration_s=1" : "duration_s=0.2");
		}
		for (unsigned i = 0; i < n_opts; i++) {
			unsigned k = pick(!strcmp(cmd, "run") ? 20 : 6);
			if (k < 2) {
				add_override(c);
				continue;
			}
			if (!strcmp(cmd, "explain")) {
				add(c, chance(80) ? "--conn" : "-c");
				add(c, PICK(numbers));
			} else if (!strcmp(cmd, "watch")) {
				static const char *const w[] = {"--frames", "--speed", "--interval", "--until", "-h"};
				const char *o = PICK(w);
				add(c, o);
				if (strcmp(o, "--frames") && strcmp(o, "-h"))
					add(c, PICK(numbers));
			} else if (!strcmp(cmd, "analytic")) {
				add(c, chance(90) ? "--set" : "--bogus");
				add(c, "server.backlog=16");
			} else {
				static const char *const r[] = {"-o", "--attempts", "--trace", "--trace-from", "--trace-to",
				                                "--trace-conn", "--trace-events", "--replications", "-j",
				                                "--ss-at", "--nstat", "--no-series", "--force", "--max-memory",
				                                "-q", "--out", "--bogus", "--ss-at"};
				const char *o = PICK(r);
				if (!strcmp(o, "--force") && !chance(20))
					o = "-q";
				add(c, o);
				if (!strcmp(o, "--force"))
					c->may_long = true;
				if (!strcmp(o, "-o") || !strcmp(o, "--out"))
					add(c, out_dir());
				else if (!strcmp(o, "--trace-events"))
					add(c, chance(50) ? "send,drop" : "nosuch,,");
				else if (!strcmp(o, "--trace-conn"))
					add(c, chance(50) ? "1,2,3" : PICK(numbers));
				else if (!strcmp(o, "--replications"))
					add(c, chance(70) ? (chance(50) ? "2" : "3") : PICK(numbers));
				else if (!strcmp(o, "-j"))
					add(c, chance(70) ? "2" : PICK(numbers));
				else if (!strcmp(o, "--trace-from") || !strcmp(o, "--trace-to") || !strcmp(o, "--ss-at") ||
				         !strcmp(o, "--max-memory"))
					add(c, PICK(numbers));
			}
		}
		if (!strcmp(cmd, "run") && chance(70)) {
			add(c, "-o");
			add(c, out_dir());
		}
	} else if (!strcmp(cmd, "sweep") || !strcmp(cmd, "point") || !strcmp(cmd, "solve")) {
		const char *f = PICK(sweep_files);
		if (strstr(f, "million") || strstr(f, "mysql") || strstr(f, "solve-nginx"))
			c->may_long = true;
		if (chance(95))
			add(c, f);
		for (unsigned i = 0; i < n_opts; i++) {
			static const char *const s[] = {"-j", "-o", "--resume", "--list", "-q", "--index", "--partial", "--bogus"};
			const char *o = PICK(s);
			add(c, o);
			if (!strcmp(o, "-j") || !strcmp(o, "--index"))
				add(c, chance(50) ? "1" : PICK(numbers));
			else if (!strcmp(o, "-o"))
				add(c, chance(70) ? "o/sweep" : out_dir());
		}
	} else if (!strcmp(cmd, "merge") || !strcmp(cmd, "plot")) {
		add(c, chance(80) ? out_dir() : PICK(scenarios));
		for (unsigned i = 0; i < n_opts % 3; i++) {
			static const char *const m[] = {"--partial", "-q", "--profiles", "--param", "--by", "--metric", "-h"};
			const char *o = PICK(m);
			add(c, o);
			if (!strcmp(o, "--profiles"))
				add(c, chance(50) ? "linux-6.18,linux-3.10" : "nosuch,,");
			else if (!strcmp(o, "--param") || !strcmp(o, "--by"))
				add(c, chance(50) ? "server.backlog" : "nosuch");
			else if (!strcmp(o, "--metric"))
				add(c, chance(50) ? "attempts" : "nosuch");
		}
	} else if (!strcmp(cmd, "compare")) {
		static const char *const sums[] = {"o/a/summary.json", "o/b/summary.json", "o/run/summary.json",
		                                   "configs/default.json", "nonexistent", "tests/data/service-times.csv",
		                                   "tests/data/arrival-times.txt"};
		add(c, PICK(sums));
		add(c, PICK(sums));
		for (unsigned i = 0; i < n_opts % 4; i++) {
			static const char *const m[] = {"--tol-frac", "--tol-p99-ms", "--tol-ks", "--tol-counters",
			                                "--ks-bin-ms", "--rank", "--top"};
			const char *o = PICK(m);
			add(c, o);
			if (strcmp(o, "--rank"))
				add(c, chance(30) ? "off" : PICK(numbers));
		}
	} else if (!strcmp(cmd, "profiles")) {
		if (chance(60))
			add(c, chance(50) ? "linux-6.18" : "linux-6.1x");
	} else if (!strcmp(cmd, "host-profile")) {
		static const char *const h[] = {"--json", "--name", "--proc", "--release", "-h"};
		for (unsigned i = 0; i < n_opts % 3; i++) {
			const char *o = PICK(h);
			add(c, o);
			if (!strcmp(o, "--name") || !strcmp(o, "--proc") || !strcmp(o, "--release"))
				add(c, chance(50) ? "x" : "/nonexistent");
		}
	}
	/* now and then a stray word */
	if (chance(5))
		add(c, PICK(numbers));
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* a staging folder or temporary file anywhere under dir: its path */
static bool find_leftover(const char *dir, char *hit, size_t n)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *e;
	bool found = false;
	while (!found && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "configs") ||
		    !strcmp(e->d_name, "tests") || !strcmp(e->d_name, "findings") || !strcmp(e->d_name, "plots"))
			continue;
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (strstr(e->d_name, ".tcpqsim-stage.") || strstr(e->d_name, ".tmp.")) {
			snprintf(hit, n, "%s", p);
			found = true;
			break;
		}
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			found = find_leftover(p, hit, n);
	}
	closedir(d);
	return found;
}

/* has pid installed its handler for sig yet (SigCgt in /proc/PID/status)?
 * A signal before main() kills any program: that is no finding */
static bool catches(pid_t pid, int sig)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool yes = false;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "SigCgt:", 7) == 0) {
			unsigned long long mask = strtoull(line + 7, NULL, 16);
			yes = (mask >> (sig - 1)) & 1;
			break;
		}
	fclose(f);
	return yes;
}

static char *slurp_fd(int fd)
{
	size_t cap = 1 << 16, len = 0;
	char *b = malloc(cap);
	lseek(fd, 0, SEEK_SET);
	ssize_t got;
	while (b && (got = read(fd, b + len, cap - 1 - len)) > 0) {
		len += (size_t)got;
		if (len + 1 == cap) {
			char *nb = realloc(b, cap * 2);
			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
	}
	if (b)
		b[len] = '\0';
	return b;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: fuzz_cli TCPQSIM SECONDS WORKDIR [SEED]\n");
		return 2;
	}
	const char *bin = argv[1];
	double secs = atof(argv[2]);
	const char *work = argv[3];
	if (argc > 4)
		rs = strtoull(argv[4], NULL, 10) * 2654435761u + 1;
	else
		rs ^= (uint64_t)time(NULL) * 2654435761u;
	uint64_t seed0 = rs;
	if (chdir(work) != 0) {
		perror(work);
		return 2;
	}
	mkdir("findings", 0777);
	mkdir("o", 0777);
	FILE *ff = fopen("o/file", "w");
	if (ff)
		fclose(ff);
	signal(SIGPIPE, SIG_IGN);
	double t0 = now_s();
	unsigned long execs = 0, findings = 0, signalled = 0, by_status[256] = {0};
	char errname[] = "/tmp/tcpqsim-fuzzcli-err-XXXXXX";
	int efd = mkstemp(errname);
	unlink(errname);
	while (now_s() - t0 < secs) {
		struct cmdline c;
		gen(&c);
		if (ftruncate(efd, 0) != 0)
			break;
		lseek(efd, 0, SEEK_SET);
		int sig = 0;
		double delay = 0;
		unsigned r = pick(100);
		bool closed_pipe = r < 5;
		if (r >= 5 && r < 22) {
			static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
			sig = PICK(sigs);
			delay = (double)pick(300) / 1000.0;
		}
		int pfd[2] = {-1, -1};
		if (closed_pipe && pipe(pfd) != 0)
			closed_pipe = false;
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);
			dup2(null, 0);
			dup2(closed_pipe ? pfd[1] : null, 1);
			dup2(efd, 2);
			for (int s = 1; s < 32; s++)
				signal(s, SIG_DFL);
			setpgid(0, 0);
			execv(bin, c.argv);
			_exit(127);
		}
		if (closed_pipe) {
			close(pfd[0]);
			close(pfd[1]);
		}
		double start = now_s();
		int status = 0;
		bool sent = false, timed_out = false, armed = false;
		pid_t done;
		for (;;) {
			done = waitpid(pid, &status, WNOHANG);
			if (done == pid)
				break;
			if (sig && !armed && catches(pid, sig)) {
				armed = true;
				start = now_s(); /* the delay counts from main() */
			}
			double el = now_s() - start;
			if (sig && armed && !sent && el >= delay) {
				kill(pid, sig);
				sent = true;
			}
			if (!timed_out && el > 6 && (!sig || sent)) {
				kill(pid, SIGTERM);
				timed_out = true;
				sent = true;
				start = now_s() - 6;
			}
			if (timed_out && now_s() - start > 9) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				done = -2;
				break;
			}
			usleep(2000);
		}
		/* the process group: workers and gnuplot must be gone too */
		kill(-pid, SIGKILL);
		execs++;
		signalled += sent;
		char *err = slurp_fd(efd);
		char why[4200] = "";
		if (done == -2)
			snprintf(why, sizeof(why), "did not stop within 3 s of SIGTERM");
		else if (WIFSIGNALED(status))
			snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status));
		else {
			int st = WEXITSTATUS(status);
			by_status[st]++;
			if (st != 0 && st != 1 && st != 2 && st != 130)
				snprintf(why, sizeof(why), "exit status %d", st);
			else if (st == 130 && !sent && !closed_pipe)
				snprintf(why, sizeof(why), "exit status 130 without a signal");
			else if (err && (strstr(err, "AddressSanitizer") || strstr(err, "LeakSanitizer") ||
			                 strstr(err, "runtime error") || strstr(err, "UndefinedBehaviorSanitizer")))
				snprintf(why, sizeof(why), "sanitizer report");
			else if (st == 2 && (!err || !err[0]))
				snprintf(why, sizeof(why), "exit status 2 without a message");
			else if (st == 2) {
				for (char *l = err; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
					if (strncmp(l, "tcpqsim", 7) != 0 && strncmp(l, "usage:", 6) != 0 && *l != '\n' &&
					    *l != ' ' && *l != '\0' && strncmp(l, "commands:", 9) != 0 &&
					    strncmp(l, "run options:", 12) != 0 && strncmp(l, "options:", 8) != 0) {
						snprintf(why, sizeof(why), "a message line not from tcpqsim: %.200s", l);
						break;
					}
			}
		}
		char hit[4096];
		if (!why[0] && find_leftover(".", hit, sizeof(hit))) {
			snprintf(why, sizeof(why), "left %s", hit);
			char cmd[4200];
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", hit);
			if (system(cmd) != 0)
				break;
		}
		if (why[0]) {
			findings++;
			char name[64];
			snprintf(name, sizeof(name), "findings/%lu.txt", findings);
			FILE *f = fopen(name, "w");
			if (f) {
				fprintf(f, "finding: %s\nsignal: %d after %.3f s%s\ncommand:", why, sig, delay,
				        closed_pipe ? " (stdout: a closed pipe)" : "");
				for (int i = 0; i < c.argc; i++)
					fprintf(f, " '%s'", c.argv[i]);
				fprintf(f, "\nstderr:\n%s\n", err ? err : "");
				fclose(f);
			}
			fprintf(stderr, "fuzz_cli: finding %lu: %s (%s)\n", findings, why, name);
		}
		free(err);
		/* the work folder stays small: output folders are reused */
		if (execs % 200 == 0) {
			if (system("rm -rf out o/deep") != 0)
				break;
		}
	}
	double el = now_s() - t0;
	printf("fuzz_cli: %lu executions in %.0f s (%.1f/s), %lu with a signal or a closed pipe; seed %llu\n", execs, el,
	       (double)execs / (el > 0 ? el : 1), signalled, (unsigned long long)seed0);
	printf("fuzz_cli: exit status 0: %lu, 1: %lu, 2: %lu, 130: %lu\n", by_status[0], by_status[1], by_status[2],
	       by_status[130]);
	printf("fuzz_cli: %lu finding%s\n", findings, findings == 1 ? "" : "s");
	return findings ? 1 : 0;
}
