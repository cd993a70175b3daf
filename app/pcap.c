/* pcap.c: the segments of a run as a libpcap file (pcap.h). */
#include "app/pcap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_MAGIC_NS 0xa1b23c4du /* libpcap, nanosecond time stamps */
#define LINKTYPE_RAW 101u         /* packets start with the IP header */
#define SNAPLEN 65535u

struct pcap_slot {
	uint64_t conn;           /* attempt id + 1; 0 for an empty slot */
	struct wire_conn state;
};

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void put_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

int pcap_writer_init(struct pcap_writer *w, FILE *f, const struct scenario *s, const struct trace_filter *filter)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->s = s;
	w->from_s = filter ? filter->from_s : -1e300;
	w->to_s = filter ? filter->to_s : 1e300;
	if (filter && filter->n_conns) {
		w->conns = malloc(filter->n_conns * sizeof(*w->conns));
		if (!w->conns)
			return -1;
		memcpy(w->conns, filter->conns, filter->n_conns * sizeof(*w->conns));
		qsort(w->conns, filter->n_conns, sizeof(*w->conns), cmp_u64);
		w->n_conns = filter->n_conns;
	}
	w->cap = 1024;
	w->slots = calloc(w->cap, sizeof(*w->slots));
	if (!w->slots) {
		free(w->conns);
		return -1;
	}
	uint8_t h[24];
	put_le32(h, PCAP_MAGIC_NS);
	put_le16(h + 4, 2);
	put_le16(h + 6, 4);
	put_le32(h + 8, 0);  /* thiszone */
	put_le32(h + 12, 0); /* sigfigs */
	put_le32(h + 16, SNAPLEN);
	put_le32(h + 20, LINKTYPE_RAW);
	if (fwrite(h, sizeof(h), 1, f) != 1) {
		pcap_writer_fini(w);
		return -1;
	}
	return 0;
}

void pcap_writer_fini(struct pcap_writer *w)
{
	free(w->slots);
	free(w->conns);
	w->slots = NULL;
	w->conns = NULL;
}

static size_t slot_of(uint64_t conn, size_t cap)
{
	uint64_t h = (conn + 1) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 20) & (cap - 1);
}

/* the connection's state, created zeroed on its first segment */
static struct wire_conn *state_of(struct pcap_writer *w, uint64_t conn)
{
	if (2 * (w->used + 1) > w->cap) {
		size_t cap = w->cap * 2;
		struct pcap_slot *slots = calloc(cap, sizeof(*slots));
		if (!slots)
			return NULL;
		for (size_t i = 0; i < w->cap; i++) {
			if (!w->slots[i].conn)
				continue;
			size_t j = slot_of(w->slots[i].conn - 1, cap);
			while (slots[j].conn)
				j = (j + 1) & (cap - 1);
			slots[j] = w->slots[i];
		}
		free(w->slots);
		w->slots = slots;
		w->cap = cap;
	}
	size_t j = slot_of(conn, w->cap);
	while (w->slots[j].conn && w->slots[j].conn != conn + 1)
		j = (j + 1) & (w->cap - 1);
	if (!w->slots[j].conn) {
		w->slots[j].conn = conn + 1;
		w->used++;
	}
	return &w->slots[j].state;
}

/* the Internet checksum (RFC 1071) of n bytes, from a running sum */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void pcap_segment_hook(void *ctx, const struct segment_rec *r)
{
	struct pcap_writer *w = ctx;
	if (w->failed)
		return;
	double t_s = (double)r->t / 1e9;
	if (t_s < w->from_s || t_s > w->to_s)
		return;
	if (w->n_conns && !bsearch(&r->conn, w->conns, w->n_conns, sizeof(*w->conns), cmp_u64))
		return;
	struct wire_conn *st = state_of(w, r->conn);
	if (!st) {
		w->failed = true;
		return;
	}
	struct wire_segment g;
	wire_segment_fill(w->s, st, r, &g);

	uint8_t pkt[20 + 20 + WIRE_MAX_OPTIONS + WIRE_REQUEST_BYTES + WIRE_RESPONSE_BYTES];
	size_t tcp_len = 20 + (size_t)g.options_len + g.payload;
	size_t len = 20 + tcp_len;
	memset(pkt, 0, len);
	/* IPv4: no options, DF, the sender's TTL */
	pkt[0] = 0x45;
	put_be16(pkt + 2, (uint32_t)len);
	put_be16(pkt + 6, 0x4000);
	pkt[8] = g.ttl;
	pkt[9] = 6;
	put_be32(pkt + 12, g.src_addr);
	put_be32(pkt + 16, g.dst_addr);
	put_be16(pkt + 10, fold(sum16(0, pkt, 20)));
	/* TCP */
	uint8_t *t = pkt + 20;
	put_be16(t, g.src_port);
	put_be16(t + 2, g.dst_port);
	put_be32(t + 4, g.seq);
	put_be32(t + 8, g.ack);
	t[12] = (uint8_t)(((20 + g.options_len) / 4) << 4);
	t[13] = g.flags;
	put_be16(t + 14, g.window);
	memcpy(t + 20, g.options, g.options_len);
	/* the checksum over the pseudo-header and the segment */
	uint8_t pseudo[12];
	put_be32(pseudo, g.src_addr);
	put_be32(pseudo + 4, g.dst_addr);
	pseudo[8] = 0;
	pseudo[9] = 6;
	put_be16(pseudo + 10, (uint32_t)tcp_len);
	put_be16(t + 16, fold(sum16(sum16(0, pseudo, 12), t, tcp_len)));

	uint8_t rec[16];
	put_le32(rec, (uint32_t)(r->t / 1000000000));
	put_le32(rec + 4, (uint32_t)(r->t % 1000000000));
	put_le32(rec + 8, (uint32_t)len);
	put_le32(rec + 12, (uint32_t)len);
	if (fwrite(rec, sizeof(rec), 1, w->f) != 1 || fwrite(pkt, len, 1, w->f) != 1) {
		w->failed = true;
		return;
	}
	w->packets++;
}
