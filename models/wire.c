/* wire.c: the headers of simulated segments (wire.h); rules in
 * docs/kernels.md, "On the wire". */
#include "models/wire.h"

#include <string.h>

#include "sim/rng.h"

/* tcp_select_initial_window on a 1500-byte MTU path (MSS 1460): the window
 * is the receive space, at most 65535, rounded down to whole MSS, and capped
 * at 4 MSS before 2.6.39 (then at an initial receive window of 10, from 3.x
 * 20 MSS, until 4.19 let tcp_rmem[1] = 128 KB through).  The SYN rounds to
 * the full MSS (tcp_connect_init: no timestamp seen yet); the SYN-ACK to
 * the MSS less the 12 bytes of timestamps (tcp_openreq_init_rwin): 64240 and
 * 65160 on 4.19+, 29200 and 28960 on 3.10-4.9, 5840 and 5792 on 2.6.32.
 * tcp_rmem[2] was 4 MB, 6 MB from 3.x: window scale 7.  The timestamp clock
 * is jiffies (HZ 250) before 4.13 (tcp_time_stamp), milliseconds after
 * (tcp_time_stamp_ms); secure_tcp_ts_off adds a per-address-pair offset
 * since 4.10.  FreeBSD: tcp_addoptions order, a 65535 window, kern.ipc.
 * maxsockbuf 2 MB (scale 6), millisecond ticks with a per-connection offset
 * (tcp_new_ts_offset). */
static const struct wire_stack stacks[] = {
    {"linux-2.6.32", 1460, 5840, 5792, 4194304, false, false, 250, 64, "tcp_select_initial_window, 2.6.32: 4 MSS"},
    {"linux-3.10", 1460, 29200, 28960, 6291456, false, false, 250, 64, "tcp_select_initial_window, 3.10: 20 MSS"},
    {"linux-4.4", 1460, 29200, 28960, 6291456, false, false, 250, 64, "tcp_select_initial_window, 4.4: 20 MSS"},
    {"linux-4.9", 1460, 29200, 28960, 6291456, false, false, 250, 64, "tcp_select_initial_window, 4.9: 20 MSS"},
    {"linux-4.19", 1460, 64240, 65160, 6291456, false, true, 1000, 64, "tcp_select_initial_window, 4.19: 64 KB"},
    {"linux-5.4", 1460, 64240, 65160, 6291456, false, true, 1000, 64, "tcp_select_initial_window, 5.4: 64 KB"},
    {"linux-6.1", 1460, 64240, 65160, 6291456, false, true, 1000, 64, "tcp_select_initial_window, 6.1: 64 KB"},
    {"linux-6.18", 1460, 64240, 65160, 6291456, false, true, 1000, 64,
     "tcp_select_initial_window, 6.18: 64 KB (measured: tests/app/test_pcap.c)"},
    {"freebsd-14", 1460, 65535, 65535, 2097152, true, true, 1000, 64, "tcp_addoptions, syncache_respond, FreeBSD 14"},
};

int wire_wscale(const struct wire_stack *st, uint64_t rcvbuf_max)
{
	int ws = 0;
	if (st->freebsd_layout) {
		while (ws < 14 && (65535ull << ws) < rcvbuf_max)
			ws++;
		return ws;
	}
	while (ws < 14 && rcvbuf_max >> (ws + 16)) /* ilog2(space) - 15 */
		ws++;
	return ws;
}

const struct wire_stack *wire_stack_of(const char *profile)
{
	size_t n = sizeof(stacks) / sizeof(stacks[0]);
	for (size_t i = 0; profile && i < n; i++)
		if (strcmp(stacks[i].profile, profile) == 0)
			return &stacks[i];
	return &stacks[n - 2]; /* the newest Linux */
}

/* a keyed hash standing in for the kernel's siphash with its boot secret:
 * the secret is the run seed */
static uint64_t keyed(uint64_t seed, uint64_t a, uint64_t b)
{
	return rng_mix64(rng_mix64(seed ^ 0x7463707173696d21ull) ^ rng_mix64(a + 0x9e3779b97f4a7c15ull) ^ b);
}

static uint32_t client_addr(const struct scenario *s, uint64_t conn, uint32_t pop)
{
	if (s->pops[pop].spoofed) /* 198.18.0.0/15, never .0 */
		return 0xc6120000u | (uint32_t)(keyed(s->seed, conn, 11) % 0x1ffffu + 1);
	return 0x0a000002u | ((pop + 1) & 0xffu) << 8;
}

static uint16_t client_port(const struct scenario *s, uint64_t conn, uint32_t pop)
{
	if (s->pops[pop].spoofed)
		return (uint16_t)(1024 + keyed(s->seed, conn, 12) % 64512);
	return (uint16_t)(32768 + conn % 28232); /* ip_local_port_range 32768 60999 */
}

static uint64_t tuple_key(uint32_t caddr, uint16_t cport)
{
	return ((uint64_t)caddr << 32) | ((uint64_t)cport << 16) | WIRE_SERVER_PORT;
}

/* secure_tcp_seq: hash(saddr, daddr, sport, dport) + (clock_ns >> 6) */
static uint32_t isn(uint64_t seed, uint64_t key, uint64_t side, sim_time_ns t)
{
	return (uint32_t)(keyed(seed, key, side) + ((uint64_t)t >> 6));
}

void wire_client_endpoint(const struct scenario *s, uint64_t conn, uint32_t pop, uint32_t *addr, uint16_t *port)
{
	*addr = client_addr(s, conn, pop);
	*port = client_port(s, conn, pop);
}

uint32_t wire_client_isn(const struct scenario *s, uint64_t conn, uint32_t pop, sim_time_ns start)
{
	return isn(s->seed, tuple_key(client_addr(s, conn, pop), client_port(s, conn, pop)), 1, start);
}

/* __cookie_v4_init_sequence / secure_tcp_syn_cookie: the MSS index of
 * msstab {536, 1300, 1440, 1460} in the low 24 bits under a hash, the minute
 * counter (tcp_cookie_time) in the top 8, the client's ISN added. */
static uint32_t linux_cookie(uint64_t seed, uint64_t key, uint32_t client_isn, sim_time_ns t, uint16_t mss)
{
	static const uint16_t msstab[] = {536, 1300, 1440, 1460};
	uint32_t mssind = 3;
	while (mssind && mss < msstab[mssind])
		mssind--;
	uint32_t count = (uint32_t)(keyed(seed, 0, 21) & 0xffffff) + (uint32_t)(t / (60 * SIM_NS_PER_S));
	uint32_t h1 = (uint32_t)keyed(seed, key, 22);
	uint32_t h2 = (uint32_t)keyed(seed, key ^ count, 23);
	return h1 + client_isn + (count << 24) + ((h2 + mssind) & 0xffffffu);
}

/* syncookie_generate (FreeBSD): a MAC with the low 8 bits xored with the
 * MSS index (tcp_sc_msstab: 1460 is 7), the scale index (tcp_sc_wstab: 7
 * is 6), SACK and the secret's odd/even bit */
static uint32_t freebsd_cookie(uint64_t seed, uint64_t key, uint32_t client_isn, sim_time_ns t)
{
	uint32_t flags = 7u | 6u << 3 | 1u << 6 | (uint32_t)((t / (15 * SIM_NS_PER_S)) & 1) << 7;
	uint32_t mac = (uint32_t)keyed(seed, key ^ client_isn, 24 + flags);
	return (mac & ~0xffu) | ((flags ^ (mac >> 24)) & 0xffu);
}

static uint32_t tsval(const struct wire_stack *st, uint64_t seed, uint64_t key, sim_time_ns t)
{
	uint64_t ticks = (uint64_t)t / (SIM_NS_PER_S / st->ts_hz);
	return (uint32_t)(keyed(seed, key, st->ts_offset_per_conn ? 31 : 32) + ticks);
}

/* cookie_init_timestamp: with syncookies the SYN-ACK's tsval keeps the
 * client's scale, SACK and ECN in its low 6 bits (TSBITS), rounded down so
 * it never runs ahead of the millisecond clock; no per-connection offset */
static uint32_t cookie_tsval(uint64_t seed, sim_time_ns t, uint8_t client_wscale, bool sack)
{
	/* the millisecond clock counts from boot: the run starts some 16 min
	 * to 12 days after it */
	uint64_t uptime_ms = 1000000 + keyed(seed, 0, 33) % 1000000000;
	uint32_t now = (uint32_t)(uptime_ms + (uint64_t)t / SIM_NS_PER_MS);
	uint32_t opts = (client_wscale & 0xfu) | (sack ? 1u << 4 : 0);
	uint32_t ts = (now >> 6 << 6) | opts;
	if ((int32_t)(ts - now) > 0)
		ts -= 1u << 6;
	return ts;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* the SYN and SYN-ACK options: tcp_options_write (Linux: mss, sackOK+TS,
 * nop, wscale) or tcp_addoptions (FreeBSD: mss, nop, wscale, sackOK, TS) */
static void syn_options(struct wire_segment *o, const struct wire_stack *st, uint32_t val, uint32_t ecr)
{
	uint8_t *p = o->options;
	p[0] = 2, p[1] = 4, put16(p + 2, st->mss);
	if (st->freebsd_layout) {
		p[4] = 1, p[5] = 3, p[6] = 3, p[7] = (uint8_t)wire_wscale(st, st->rcvbuf_max);
		p[8] = 4, p[9] = 2, p[10] = 8, p[11] = 10;
	} else {
		p[4] = 4, p[5] = 2, p[6] = 8, p[7] = 10;
	}
	uint8_t *ts = st->freebsd_layout ? p + 12 : p + 8;
	put32(ts, val);
	put32(ts + 4, ecr);
	if (!st->freebsd_layout)
		p[16] = 1, p[17] = 3, p[18] = 3, p[19] = (uint8_t)wire_wscale(st, st->rcvbuf_max);
	o->options_len = 20;
}

/* tcp_established_options: nop, nop, TS */
static void ts_option(struct wire_segment *o, uint32_t val, uint32_t ecr)
{
	uint8_t *p = o->options;
	p[0] = 1, p[1] = 1, p[2] = 8, p[3] = 10;
	put32(p + 4, val);
	put32(p + 8, ecr);
	o->options_len = 12;
}

/* the established window: the handshake's window under the scale, rounded
 * up (tcp_select_window) */
static uint16_t scaled(const struct wire_stack *st, uint16_t window)
{
	int ws = wire_wscale(st, st->rcvbuf_max);
	return (uint16_t)((window + (1u << ws) - 1) >> ws);
}

void wire_segment_fill(const struct scenario *s, struct wire_conn *cs, const struct segment_rec *r,
                       struct wire_segment *o)
{
	const struct client_pop *p = &s->pops[r->pop];
	const struct wire_stack *cst = wire_stack_of(p->rules.profile);
	const struct wire_stack *sst = wire_stack_of(s->server.rules.profile);
	uint32_t caddr = client_addr(s, r->conn, r->pop);
	uint16_t cport = client_port(s, r->conn, r->pop);
	uint64_t key = tuple_key(caddr, cport);
	uint64_t ckey = cst->ts_offset_per_conn ? ((uint64_t)caddr << 32 | WIRE_SERVER_ADDR) : caddr;
	uint64_t skey = sst->ts_offset_per_conn ? ((uint64_t)WIRE_SERVER_ADDR << 32 | caddr) : WIRE_SERVER_ADDR;
	uint32_t cisn = isn(s->seed, key, 1, r->conn_start);
	bool to_server = r->kind <= PKT_RST_C;

	memset(o, 0, sizeof(*o));
	o->src_addr = to_server ? caddr : WIRE_SERVER_ADDR;
	o->dst_addr = to_server ? WIRE_SERVER_ADDR : caddr;
	o->src_port = to_server ? cport : WIRE_SERVER_PORT;
	o->dst_port = to_server ? WIRE_SERVER_PORT : cport;
	o->ttl = to_server ? cst->ttl : sst->ttl;
	uint32_t client_next = cisn + 1 + cs->client_bytes + (cs->client_fin ? 1 : 0);
	uint32_t server_next = cs->server_isn + 1 + cs->server_bytes;

	switch (r->kind) {
	case PKT_SYN:
		o->seq = cisn;
		o->flags = WIRE_SYN;
		o->window = cst->syn_window;
		cs->client_tsval = tsval(cst, s->seed, ckey, r->t);
		syn_options(o, cst, cs->client_tsval, 0);
		return;
	case PKT_SYNACK: {
		uint32_t sisn, val;
		if (!r->cookie) {
			sisn = cs->have_server_isn ? cs->server_isn : isn(s->seed, key, 2, r->t);
			val = tsval(sst, s->seed, skey, r->t);
		} else if (sst->freebsd_layout) {
			sisn = freebsd_cookie(s->seed, key, cisn, r->t);
			val = tsval(sst, s->seed, skey, r->t);
		} else {
			sisn = linux_cookie(s->seed, key, cisn, r->t, cst->mss);
			val = cookie_tsval(s->seed, r->t, (uint8_t)wire_wscale(cst, cst->rcvbuf_max), true);
		}
		if (!cs->have_server_isn) {
			cs->server_isn = sisn;
			cs->have_server_isn = true;
		}
		o->seq = sisn;
		o->ack = cisn + 1;
		o->flags = WIRE_SYN | WIRE_ACK;
		o->window = sst->synack_window;
		cs->server_tsval = val;
		syn_options(o, sst, val, cs->client_tsval);
		return;
	}
	case PKT_RST_C:
		/* tcp_v4_send_reset for a segment with ACK: seq = its ack_seq */
		o->seq = cisn + 1;
		o->flags = WIRE_RST;
		return;
	case PKT_RST_S:
		if (cs->have_server_isn) {
			o->seq = server_next;
			o->flags = WIRE_RST;
		} else {
			o->ack = cisn + 1; /* an answer to a SYN */
			o->flags = WIRE_RST | WIRE_ACK;
		}
		return;
	default:
		break;
	}
	/* the established segments: ACK set, timestamps */
	o->flags = WIRE_ACK;
	if (to_server) {
		cs->client_tsval = tsval(cst, s->seed, ckey, r->t);
		ts_option(o, cs->client_tsval, cs->server_tsval);
		o->window = scaled(cst, cst->syn_window);
		o->ack = server_next;
		o->seq = cisn + 1;
		if (r->kind == PKT_DATA) {
			o->flags |= WIRE_PSH;
			o->payload = WIRE_REQUEST_BYTES;
			cs->client_bytes = WIRE_REQUEST_BYTES;
		} else if (r->kind == PKT_FIN) {
			o->flags |= WIRE_FIN;
			o->seq = cisn + 1 + (p->after.kind == AFTER_REQUEST ? WIRE_REQUEST_BYTES : 0);
			cs->client_fin = true;
		} else {
			o->seq = cisn + 1 + cs->client_bytes;
		}
		return;
	}
	cs->server_tsval = tsval(sst, s->seed, skey, r->t);
	ts_option(o, cs->server_tsval, cs->client_tsval);
	o->window = scaled(sst, sst->synack_window);
	o->seq = server_next;
	o->ack = client_next;
	if (r->kind == PKT_DATA_S) {
		o->flags |= WIRE_PSH;
		o->payload = WIRE_RESPONSE_BYTES;
		cs->server_bytes += WIRE_RESPONSE_BYTES;
	}
}
