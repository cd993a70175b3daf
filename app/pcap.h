/* pcap.h: a run's segments as a libpcap capture, for tcpdump and Wireshark.
 *
 * A world segment hook (struct segment_rec) goes in, a packet record comes
 * out: an IPv4 header and a TCP header with its options, whose fields
 * models/wire.h decides, then zero bytes of payload.  The file is libpcap
 * 2.4 with nanosecond time stamps (magic 0xa1b23c4d) and link type RAW (101:
 * each packet starts with its IP header); a record's time is the simulated
 * time since t = 0, so tcpdump -tt prints simulated seconds.  The writer keeps
 * per connection what the capture has seen (struct wire_conn) in a hash table
 * of the connections it has written.  Program layer.
 */
#ifndef TCPQSIM_PCAP_H
#define TCPQSIM_PCAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "models/scenario.h"
#include "models/wire.h"
#include "models/world.h"
#include "app/util/output.h"

struct pcap_slot;

struct pcap_writer {
	FILE *f;                          /* borrowed; the caller closes it */
	const struct scenario *s;         /* borrowed */
	double from_s, to_s;              /* only segments in this window, s */
	uint64_t *conns;                  /* only these attempts (sorted, owned), or all when n_conns == 0 */
	size_t n_conns;
	struct pcap_slot *slots;          /* open addressing, by attempt id */
	size_t cap, used;
	uint64_t packets;                 /* records written */
	bool failed;                      /* a write or an allocation failed */
};

/* pcap_writer_init: write the file header to f; the trace filter's time
 * window and attempt ids choose the segments (its event kinds do not apply).
 * Returns 0, or -1 (errno) when the header cannot be written or memory runs
 * out. */
int pcap_writer_init(struct pcap_writer *w, FILE *f, const struct scenario *s, const struct trace_filter *filter);

/* pcap_segment_hook: the world hook (ctx is the struct pcap_writer). */
void pcap_segment_hook(void *ctx, const struct segment_rec *r);

/* pcap_writer_fini: free the table (f stays open). */
void pcap_writer_fini(struct pcap_writer *w);

#endif
