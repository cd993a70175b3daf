/* wire.h: what the simulated segments would carry on the wire.
 *
 * The model moves segment kinds (SYN, SYN-ACK, ACK, data, FIN, RST); a packet
 * capture needs the headers a kernel would put on them: the addresses and
 * ports, sequence and acknowledgement numbers (the ISN of secure_tcp_seq, or
 * a syncookie of __cookie_v4_init_sequence), the flags, the window and the TCP
 * options each profile's kernel writes (tcp_syn_options, tcp_synack_options,
 * tcp_established_options, tcp_options_write).  struct wire_stack holds one
 * kernel generation's choices; wire_segment_fill turns a segment_rec into a
 * struct wire_segment, given what the capture has seen of the connection so
 * far (struct wire_conn, the caller's).  Every number derives from the run
 * seed and the simulated time, so a capture is as reproducible as the run.
 * The rules and their sources are in docs/kernels.md, "On the wire".
 *
 * Addresses are labels, as in the ss views: the server is 10.0.0.1 port
 * 8000; population p is the host 10.0.(p+1).2 (p < 254), which picks a source
 * port per attempt from ip_local_port_range (32768-60999) in attempt order; a
 * SYN flood's spoofed sources are drawn from 198.18.0.0/15.  Requests and
 * responses carry WIRE_REQUEST_BYTES and WIRE_RESPONSE_BYTES of zeros: the
 * model has no payload, but sequence numbers must move.
 */
#ifndef TCPQSIM_WIRE_H
#define TCPQSIM_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "models/scenario.h"
#include "models/records.h"

#define WIRE_SERVER_ADDR 0x0a000001u /* 10.0.0.1 */
#define WIRE_SERVER_PORT 8000
#define WIRE_REQUEST_BYTES 100       /* payload of a client request, bytes */
#define WIRE_RESPONSE_BYTES 100      /* payload of a server greeting or response, bytes */
#define WIRE_MAX_OPTIONS 40          /* TCP option space, bytes */

enum wire_flag {
	WIRE_FIN = 0x01,
	WIRE_SYN = 0x02,
	WIRE_RST = 0x04,
	WIRE_PSH = 0x08,
	WIRE_ACK = 0x10,
};

/* One kernel generation's segments. */
struct wire_stack {
	const char *profile;      /* profile name */
	uint16_t mss;             /* MSS option, bytes (a 1500-byte MTU path) */
	uint16_t syn_window;      /* window field of its SYN (never scaled), bytes */
	uint16_t synack_window;   /* window field of its SYN-ACK, bytes */
	uint32_t rcvbuf_max;      /* largest receive buffer, bytes: the default tcp_rmem[2]
	                             (FreeBSD: kern.ipc.maxsockbuf); sets the window scale */
	bool freebsd_layout;      /* FreeBSD's option order (tcp_addoptions), else Linux's (tcp_options_write) */
	bool ts_offset_per_conn;  /* tsval starts at a per-connection offset (secure_tcp_ts_off, 4.10+) */
	uint32_t ts_hz;           /* timestamp clock, ticks per second */
	uint8_t ttl;              /* IP TTL of its packets */
	const char *source;       /* where the values come from */
};

/* wire_stack_of: the stack of the named profile; an unknown name gets the
 * newest Linux's (never NULL). */
const struct wire_stack *wire_stack_of(const char *profile);

/* wire_wscale: the window scale a stack offers given its largest receive
 * buffer (bytes).  Linux, tcp_select_initial_window: ilog2(max(tcp_rmem[2],
 * rmem_max)) - 15, clamped to [0, 14]; FreeBSD, tcp_connect/syncache_add:
 * the smallest scale with 65535 << scale >= sb_max. */
int wire_wscale(const struct wire_stack *st, uint64_t rcvbuf_max);

/* What the capture has seen of one connection.  The caller zeroes it before
 * the connection's first segment and passes the same one every time. */
struct wire_conn {
	uint32_t server_isn;      /* ISN of the first SYN-ACK seen */
	bool have_server_isn;
	uint32_t client_bytes;    /* payload the server has received */
	uint32_t server_bytes;    /* payload the server has sent */
	bool client_fin;          /* the client's FIN has arrived */
	uint32_t client_tsval;    /* the last tsval the client sent (the server echoes it) */
	uint32_t server_tsval;    /* the last tsval the server sent */
};

/* A segment with its headers decided. */
struct wire_segment {
	uint32_t src_addr, dst_addr; /* IPv4, host order */
	uint16_t src_port, dst_port;
	uint32_t seq, ack;
	uint8_t flags;            /* enum wire_flag */
	uint16_t window;          /* window field */
	uint8_t ttl;
	uint16_t payload;         /* payload bytes (zeros) */
	uint8_t options[WIRE_MAX_OPTIONS];
	uint8_t options_len;      /* a multiple of 4 */
};

/* wire_client_endpoint: the address and port attempt `conn` of population
 * `pop` connects from (host order). */
void wire_client_endpoint(const struct scenario *s, uint64_t conn, uint32_t pop, uint32_t *addr, uint16_t *port);

/* wire_client_isn: the client's ISN for attempt `conn` whose first SYN left
 * at `start` (secure_tcp_seq: a keyed hash of the 4-tuple plus the clock in
 * 64 ns units). */
uint32_t wire_client_isn(const struct scenario *s, uint64_t conn, uint32_t pop, sim_time_ns start);

/* wire_segment_fill: the headers of r, as the kernels of s would write them;
 * st is updated with what this segment tells. */
void wire_segment_fill(const struct scenario *s, struct wire_conn *st, const struct segment_rec *r,
                       struct wire_segment *out);

#endif
