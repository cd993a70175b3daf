/* kc_netns: the private network namespace kcheck measures in, its sysctls and
 * its nstat counters.
 *
 * kc_netns_enter() moves the calling process (which must be single-threaded)
 * into a new network namespace with only `lo`, and brings `lo` up.  The
 * namespace belongs to this process and disappears when it exits; nothing here
 * ever touches the host namespace.  /proc/sys/net and /proc/net are read
 * through the calling process, so once inside they show the namespace's own
 * values.  struct kc_counters is a snapshot of every counter in
 * /proc/net/netstat and /proc/net/snmp, by group ("TcpExt", "Tcp"...) and the
 * name nstat prints.
 */
#ifndef KC_NETNS_H
#define KC_NETNS_H

#include <stdbool.h>
#include <stddef.h>

/* Creates and enters a private network namespace and brings lo up.  Returns 0,
 * or -1 with `err` naming the call that failed (caller then exits 77). */
int kc_netns_enter(char *err, size_t errlen);

/* Writes `value` to the /proc/sys file `path`.  Returns 0, 1 when the file
 * does not exist on this kernel (nothing written), or -1 with `err` set. */
int kc_sysctl_write(const char *path, long value, char *err, size_t errlen);

/* Reads the integer in the /proc/sys file `path` into *value.  Returns 0, or
 * -1 when it is absent or unreadable. */
int kc_sysctl_read(const char *path, long *value);

#define KC_COUNTERS_MAX 640

/* One snapshot of the namespace's SNMP and netstat counters. */
struct kc_counters {
	int n; /* entries used */
	struct {
		char group[16]; /* "TcpExt", "Tcp", "IpExt"... */
		char name[48];  /* the counter's name as nstat prints it after the group */
		long long value; /* its value (unitless count) */
	} c[KC_COUNTERS_MAX];
};

/* Reads /proc/net/netstat and /proc/net/snmp into *out (caller's memory).
 * Returns 0, or -1 with `err` set. */
int kc_counters_read(struct kc_counters *out, char *err, size_t errlen);

/* Looks up group/name.  Returns true and sets *value when found. */
bool kc_counters_get(const struct kc_counters *c, const char *group, const char *name,
		     long long *value);

#endif
