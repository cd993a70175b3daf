/* cli_helpers.h: calling cli_main in-process with stdout/stderr captured. */
#ifndef TCPQSIM_CLI_HELPERS_H
#define TCPQSIM_CLI_HELPERS_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/cli.h"

struct cli_result {
	int status;
	char out[65536];
	char err[8192];
};

static inline void slurp(int fd, char *buf, size_t n)
{
	lseek(fd, 0, SEEK_SET);
	ssize_t got = read(fd, buf, n - 1);
	buf[got > 0 ? got : 0] = '\0';
}

/* run_cli("run", "x.json", NULL): argv[0] is added */
static inline struct cli_result run_cli(const char *first, ...)
{
	static struct cli_result r;
	char *argv[64];
	int argc = 0;
	argv[argc++] = (char *)"tcpqsim";
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	char o_name[] = "/tmp/tcpqsim-out-XXXXXX", e_name[] = "/tmp/tcpqsim-err-XXXXXX";
	int ofd = mkstemp(o_name), efd = mkstemp(e_name);
	int save_out = dup(1), save_err = dup(2);
	dup2(ofd, 1);
	dup2(efd, 2);
	r.status = cli_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(save_out, 1);
	dup2(save_err, 2);
	close(save_out);
	close(save_err);
	slurp(ofd, r.out, sizeof(r.out));
	slurp(efd, r.err, sizeof(r.err));
	close(ofd);
	close(efd);
	unlink(o_name);
	unlink(e_name);
	return r;
}

/* a fresh empty folder */
static inline char *temp_dir(void)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "/tmp/tcpqsim-test-XXXXXX");
	return mkdtemp(buf);
}

static inline char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	size_t got = fread(b, 1, (size_t)n, f);
	b[got] = '\0';
	fclose(f);
	return b;
}

static inline int count_entries(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "ls -A %s 2>/dev/null | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static inline void remove_tree(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

#endif
