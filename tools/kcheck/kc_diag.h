/* kc_diag: counts a listener's SYN-queue entries through netlink sock_diag.
 *
 * A request socket (state TCP_NEW_SYN_RECV, or TCP_SYN_RECV for a full socket
 * still in the handshake) is one SYN-queue entry.  struct kc_diag owns one
 * NETLINK_SOCK_DIAG socket and a receive buffer; each count is one inet_diag
 * dump of those two states in the current network namespace, filtered to the
 * listener's local port.
 */
#ifndef KC_DIAG_H
#define KC_DIAG_H

#include <stddef.h>
#include <stdint.h>

struct kc_diag {
	int fd;        /* NETLINK_SOCK_DIAG socket, -1 when closed */
	uint32_t seq;  /* last request's sequence number */
	char *buf;     /* receive buffer, owned */
	size_t buflen; /* its size, bytes */
};

/* Opens the netlink socket.  Returns 0, or -1 with `err` set. */
int kc_diag_open(struct kc_diag *d, char *err, size_t errlen);

/* Returns the number of SYN_RECV/NEW_SYN_RECV IPv4 TCP sockets whose local
 * port is `port` (host order), or -1 if the dump failed. */
int kc_diag_count_syn_recv(struct kc_diag *d, uint16_t port);

/* Closes the socket and frees the buffer; safe to call twice. */
void kc_diag_close(struct kc_diag *d);

#endif
