/* kc_netns: private network namespace, sysctls and nstat counters. */
#define _GNU_SOURCE /* unshare(), CLONE_NEWNET */
#include "kc_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int kc_netns_enter(char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd;

	if (geteuid() != 0) {
		snprintf(err, errlen, "not root (euid %u)", (unsigned)geteuid());
		return -1;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(err, errlen, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket for SIOCSIFFLAGS: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		snprintf(err, errlen, "SIOCGIFFLAGS lo: %s", strerror(errno));
		goto fail;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		snprintf(err, errlen, "SIOCSIFFLAGS lo up: %s", strerror(errno));
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

int kc_sysctl_write(const char *path, long value, char *err, size_t errlen)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	int n = snprintf(buf, sizeof buf, "%ld\n", value);
	if (write(fd, buf, (size_t)n) != n) {
		snprintf(err, errlen, "cannot write %ld to %s: %s", value, path, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		snprintf(err, errlen, "cannot write %ld to %s: %s", value, path, strerror(errno));
		return -1;
	}
	return 0;
}

int kc_sysctl_read(const char *path, long *value)
{
	FILE *f = fopen(path, "re");
	int rc = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", value) == 1)
		rc = 0;
	fclose(f);
	return rc;
}

/* Splits `line` ("Group: a b c\n") into its group and the rest. */
static char *split_group(char *line, char *group, size_t n)
{
	char *colon = strchr(line, ':');

	if (colon == NULL)
		return NULL;
	*colon = '\0';
	snprintf(group, n, "%s", line);
	return colon + 1;
}

/* Reads one file of paired header/value lines into *out. */
static int read_pairs(const char *path, struct kc_counters *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *names = NULL, *values = NULL;
	size_t ncap = 0, vcap = 0;
	int rc = -1;

	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&names, &ncap, f) > 0) {
		char g1[16], g2[16];
		if (getline(&values, &vcap, f) <= 0)
			break;
		char *np = split_group(names, g1, sizeof g1);
		char *vp = split_group(values, g2, sizeof g2);
		if (np == NULL || vp == NULL || strcmp(g1, g2) != 0) {
			snprintf(err, errlen, "cannot parse %s", path);
			goto out;
		}
		char *ns = NULL, *vs = NULL;
		char *name = strtok_r(np, " \n", &ns);
		char *val = strtok_r(vp, " \n", &vs);
		while (name != NULL && val != NULL) {
			if (out->n < KC_COUNTERS_MAX) {
				snprintf(out->c[out->n].group, sizeof out->c[0].group, "%s", g1);
				snprintf(out->c[out->n].name, sizeof out->c[0].name, "%s", name);
				out->c[out->n].value = strtoll(val, NULL, 10);
				out->n++;
			}
			name = strtok_r(NULL, " \n", &ns);
			val = strtok_r(NULL, " \n", &vs);
		}
	}
	rc = 0;
out:
	free(names);
	free(values);
	fclose(f);
	return rc;
}

int kc_counters_read(struct kc_counters *out, char *err, size_t errlen)
{
	out->n = 0;
	if (read_pairs("/proc/net/netstat", out, err, errlen) < 0)
		return -1;
	return read_pairs("/proc/net/snmp", out, err, errlen);
}

bool kc_counters_get(const struct kc_counters *c, const char *group, const char *name,
		     long long *value)
{
	for (int i = 0; i < c->n; i++) {
		if (strcmp(c->c[i].group, group) == 0 && strcmp(c->c[i].name, name) == 0) {
			*value = c->c[i].value;
			return true;
		}
	}
	return false;
}
