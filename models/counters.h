/* counters.h: the server host's nstat counters the listener moves, from one
 * list (the nstat name and netstat -s's phrase). */
#ifndef TCPQSIM_COUNTERS_H
#define TCPQSIM_COUNTERS_H

/* nstat name, netstat -s phrase ("%" is the count) */
#define LISTENER_COUNTER_LIST(X)                                                   \
	X(ListenOverflows, "TcpExtListenOverflows", "% times the listen queue of a socket overflowed") \
	X(ListenDrops, "TcpExtListenDrops", "% SYNs to LISTEN sockets dropped")           \
	X(TCPReqQFullDrop, "TcpExtTCPReqQFullDrop", "TCPReqQFullDrop: %")                \
	X(TCPReqQFullDoCookies, "TcpExtTCPReqQFullDoCookies", "TCPReqQFullDoCookies: %")  \
	X(SyncookiesSent, "TcpExtSyncookiesSent", "% SYN cookies sent")                  \
	X(SyncookiesRecv, "TcpExtSyncookiesRecv", "% SYN cookies received")              \
	X(SyncookiesFailed, "TcpExtSyncookiesFailed", "% invalid SYN cookies received")  \
	X(EmbryonicRsts, "TcpExtEmbryonicRsts", "% resets received for embryonic SYN_RECV sockets") \
	X(TcpPassiveOpens, "TcpPassiveOpens", "% passive connection openings")           \
	X(TCPSynRetrans, "TcpExtTCPSynRetrans", "TCPSynRetrans: %")                      \
	X(TcpOutRsts, "TcpOutRsts", "% resets sent")

enum listener_counter {
#define X(id, nstat, phrase) CTR_##id,
	LISTENER_COUNTER_LIST(X)
#undef X
	LISTENER_COUNTER_COUNT
};

/* counter_name: the short name (ListenOverflows); counter_nstat_name: as
 * nstat prints it (TcpExtListenOverflows); counter_netstat_phrase: netstat -s's
 * line with % where the number goes. */
struct counter_info {
	const char *name, *nstat, *phrase;
};

static inline const struct counter_info *counter_info(enum listener_counter c)
{
	static const struct counter_info info[] = {
#define X(id, nstat, phrase) {#id, nstat, phrase},
		LISTENER_COUNTER_LIST(X)
#undef X
	};
	return &info[c];
}

static inline const char *counter_name(enum listener_counter c)
{
	return counter_info(c)->name;
}

static inline const char *counter_nstat_name(enum listener_counter c)
{
	return counter_info(c)->nstat;
}

static inline const char *counter_netstat_phrase(enum listener_counter c)
{
	return counter_info(c)->phrase;
}

#endif
