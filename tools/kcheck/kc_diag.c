/* kc_diag: SYN-queue length through an inet_diag dump. */
#include "kc_diag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Kernel TCP states (include/net/tcp_states.h). */
#define KC_TCP_SYN_RECV 3
#define KC_TCP_NEW_SYN_RECV 12

int kc_diag_open(struct kc_diag *d, char *err, size_t errlen)
{
	struct timeval tv = {1, 0};

	d->seq = 0;
	d->buflen = 64 * 1024;
	d->buf = malloc(d->buflen);
	if (d->buf == NULL) {
		snprintf(err, errlen, "out of memory");
		d->fd = -1;
		return -1;
	}
	d->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (d->fd < 0) {
		snprintf(err, errlen, "socket(NETLINK_SOCK_DIAG): %s", strerror(errno));
		free(d->buf);
		d->buf = NULL;
		return -1;
	}
	/* A dump is answered at once; the timeout only guards against a hang. */
	setsockopt(d->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return 0;
}

int kc_diag_count_syn_recv(struct kc_diag *d, uint16_t port)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int count = 0;

	memset(&req, 0, sizeof req);
	req.nlh.nlmsg_len = sizeof req;
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = ++d->seq;
	req.r.sdiag_family = AF_INET;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = (1u << KC_TCP_SYN_RECV) | (1u << KC_TCP_NEW_SYN_RECV);
	if (sendto(d->fd, &req, sizeof req, 0, (struct sockaddr *)&sa, sizeof sa) < 0)
		return -1;
	for (;;) {
		ssize_t n = recv(d->fd, d->buf, d->buflen, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		const struct nlmsghdr *h = (const struct nlmsghdr *)d->buf;
		size_t left = (size_t)n;
		for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != d->seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return count;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -1;
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
				continue;
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			if ((m->idiag_state == KC_TCP_SYN_RECV ||
			     m->idiag_state == KC_TCP_NEW_SYN_RECV) &&
			    ntohs(m->id.idiag_sport) == port)
				count++;
		}
	}
}

void kc_diag_close(struct kc_diag *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	free(d->buf);
	d->buf = NULL;
}
