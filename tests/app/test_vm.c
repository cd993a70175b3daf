/* test_vm.c: `make validate KERNEL=6.1` in small: boot Debian's 6.1 kernel
 * under QEMU (tools/vm/run.sh), run kcheck inside on one deterministic
 * scenario (tests/data/vm-smoke.json), bring the results out and compare them
 * with the simulator's twin on the profile tools/vm/kernels names.
 *
 * It does not skip: `make test` installs QEMU, busybox-static and cpio
 * (scripts/deps.sh), and the kernel package comes from the Debian mirror the
 * first time (then from build/vm).  Without them the test fails and says why.
 * About 15 s of wall time (boot ~2 s under TCG, the scenario ~6 s).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "cli_helpers.h"

static cJSON *read_json(const char *path)
{
	char *t = read_text(path);
	cr_assert_not_null(t, "cannot read %s", path);
	cJSON *doc = cJSON_Parse(t);
	free(t);
	cr_assert_not_null(doc, "not JSON: %s", path);
	return doc;
}

static double num_at(const cJSON *doc, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, a);
	if (b)
		o = cJSON_GetObjectItemCaseSensitive(o, b);
	cr_assert(cJSON_IsNumber(o), "no number at %s%s%s", a, b ? "." : "", b ? b : "");
	return o->valuedouble;
}

/* the counts the rules give for vm-smoke.json on a 4.19+ kernel: N + 1 = 3
 * connect, 7 time out, each of their 2 SYNs meets the full accept queue */
static void expect_counts(const char *path)
{
	cJSON *s = read_json(path);
	cr_expect_eq(num_at(s, "attempts", NULL), 10, "%s: attempts", path);
	cr_expect_eq(num_at(s, "outcomes", "connected"), 3, "%s: connected", path);
	cr_expect_eq(num_at(s, "outcomes", "timed_out"), 7, "%s: timed_out", path);
	cr_expect_eq(num_at(s, "counters", "ListenOverflows"), 14, "%s: ListenOverflows", path);
	cJSON_Delete(s);
}

Test(vm, debian_6_1_boots_and_agrees, .timeout = 180)
{
	const char *tcpqsim = getenv("TCPQSIM");
	cr_assert(tcpqsim && *tcpqsim, "TCPQSIM is not set (make test sets it)");
	char *dir = temp_dir();
	cr_assert_not_null(dir);
	char cmd[1024], path[512];
	snprintf(cmd, sizeof(cmd),
	         "VALIDATE_KERNEL=6.1 VALIDATE_OUT='%s/out' TCPQSIM='%s' "
	         "sh tools/validate.sh tests/data/vm-smoke.json >'%s/log' 2>&1",
	         dir, tcpqsim, dir);
	int st = system(cmd);
	snprintf(path, sizeof(path), "%s/log", dir);
	char *log = read_text(path);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	          "make validate KERNEL=6.1 on vm-smoke.json failed (status %d; needs qemu-system-x86, "
	          "busybox-static, cpio and the Debian mirror or build/vm):\n%s",
	          st, log ? log : "(no log)");
	cr_expect_not_null(strstr(log, "verdict: within tolerances"), "no verdict:\n%s", log);
	free(log);

	/* the guest really ran Debian's 6.1 kernel */
	snprintf(path, sizeof(path), "%s/out/vm/release", dir);
	char *release = read_text(path);
	cr_assert_not_null(release);
	cr_expect_eq(strncmp(release, "6.1.0-", 6), 0, "guest release %s", release);
	free(release);

	snprintf(path, sizeof(path), "%s/out/vm-smoke/kernel/summary.json", dir);
	expect_counts(path);
	snprintf(path, sizeof(path), "%s/out/vm-smoke/sim/summary.json", dir);
	expect_counts(path);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}
