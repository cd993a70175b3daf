/* test_pcap.c: run --pcap read back by tcpdump, against the trace and
 * against a real SYN and SYN-ACK of this machine's kernel.
 *
 * The seed experiment's capture must show, in tcpdump's own words, the 8
 * SYNs of a failing client at linux-6.18's schedule (the times of the
 * trace's SYN arrivals, one ISN for all 8) and the 9 completed handshakes
 * (SYN, SYN-ACK acking the SYN's ISN + 1, ACK acking the SYN-ACK's + 1).
 * tcpdump (Debian package, installed by make test) is required.  The real
 * kernel part needs root and network namespaces, like test_validate.c.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <math.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "models/wire.h"
#include "app/config.h"
#include "cli_helpers.h"

#define SEED_CONFIG "configs/seed-experiment.json"

/* one tcpdump line, parsed */
struct dumped {
	double t;
	char src[40], dst[40];
	char flags[8];
	unsigned long seq, ack; /* absolute (tcpdump -S) */
	bool has_seq, has_ack;
};

static bool have_tcpdump(void)
{
	return system("command -v tcpdump >/dev/null 2>&1") == 0;
}

/* read a capture through tcpdump -r -tt -nn -S (filter may be NULL) */
static size_t tcpdump_read(const char *pcap, const char *filter, struct dumped *out, size_t max)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "tcpdump -r '%s' -tt -nn -S %s%s%s 2>/dev/null", pcap, filter ? "'" : "",
	         filter ? filter : "", filter ? "'" : "");
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p, "%s", cmd);
	char line[1024];
	size_t n = 0;
	while (n < max && fgets(line, sizeof(line), p)) {
		struct dumped *d = &out[n];
		memset(d, 0, sizeof(*d));
		/* 0.450050 IP 10.0.1.2.32777 > 10.0.0.1.8000: Flags [S], seq 628061893, win ... */
		if (sscanf(line, "%lf IP %39s > %39[^:]: Flags [%7[^]]]", &d->t, d->src, d->dst, d->flags) != 4)
			continue;
		char *s = strstr(line, ", seq ");
		if (s && sscanf(s, ", seq %lu", &d->seq) == 1)
			d->has_seq = true;
		char *a = strstr(line, ", ack ");
		if (a && sscanf(a, ", ack %lu", &d->ack) == 1)
			d->has_ack = true;
		n++;
	}
	cr_assert_eq(pclose(p), 0, "%s failed", cmd);
	return n;
}

/* the times of one attempt's events of a kind in trace.jsonl */
static size_t trace_times(const char *dir, unsigned conn, const char *event, const char *packet, double *t, size_t max)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/trace.jsonl", dir);
	char *text = read_text(path);
	cr_assert_not_null(text, "%s", path);
	char want[200], kind[100];
	snprintf(want, sizeof(want), "\"conn\":%u,\"listener\":0,\"event\":\"%s\",", conn, event);
	snprintf(kind, sizeof(kind), ",\"packet\":\"%s\",", packet);
	size_t n = 0;
	for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n"))
		if (strstr(line, want) && strstr(line, kind) && sscanf(line, "{\"t_s\":%lf", &t[n]) == 1)
			n++;
	free(text);
	return n;
}

Test(pcap, seed_experiment_in_tcpdump)
{
	cr_assert(have_tcpdump(), "tcpdump is not installed (make test installs it: scripts/deps.sh)");
	char *dir = temp_dir();
	char out[600], pcap[600];
	snprintf(out, sizeof(out), "%s/run", dir);
	snprintf(pcap, sizeof(pcap), "%s/seed.pcap", dir);
	struct cli_result r = run_cli("run", SEED_CONFIG, "-q", "-o", out, "--pcap", pcap, "--trace", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);

	static struct dumped d[8000];
	size_t n = tcpdump_read(pcap, NULL, d, 8000);
	cr_assert_gt(n, 3000u);

	/* attempt 9 is the first that fails: 10.0.1.2 port 32768 + 9 */
	const char *client9 = "10.0.1.2.32777";
	double syn_at[16];
	size_t syns = 0;
	unsigned long isn = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(d[i].src, client9) != 0)
			continue;
		cr_assert_str_eq(d[i].flags, "S", "attempt 9 sent only SYNs");
		if (syns == 0)
			isn = d[i].seq;
		cr_assert_eq(d[i].seq, isn, "a retransmitted SYN keeps the ISN");
		cr_assert_lt(syns, 16u);
		syn_at[syns++] = d[i].t;
	}
	cr_assert_eq(syns, 8u, "tcp_syn_retries=3 on linux-6.18: 8 SYNs, got %zu", syns);
	/* the times: where the trace has them arrive at the server (dropped,
	 * accept queue full), at the 6.18 schedule 0, 1, 2, 3, 4, 5, 7, 11 s on
	 * the timer wheel */
	double drop_at[16];
	cr_assert_eq(trace_times(out, 9, "drop", "SYN", drop_at, 16), 8u);
	static const double after_first[8] = {0, 1.022, 2.046, 3.070, 4.094, 5.118, 7.134, 11.326};
	for (size_t k = 0; k < 8; k++) {
		cr_assert(fabs(syn_at[k] - drop_at[k]) < 1.5e-6, "SYN %zu at %.6f, trace %.6f", k + 1, syn_at[k], drop_at[k]);
		cr_assert(fabs(syn_at[k] - syn_at[0] - after_first[k]) < 1.5e-6, "SYN %zu %.6f s after the first",
		          k + 1, syn_at[k] - syn_at[0]);
	}
	/* and the ISN is the model's (secure_tcp_seq of the attempt's 4-tuple) */
	struct loaded_scenario ls;
	struct jr err;
	cr_assert_eq(config_load_file(SEED_CONFIG, NULL, 0, &ls, &err), 0, "%s", err.msg);
	sim_time_ns start9 = (sim_time_ns)450000000;
	cr_assert_eq(isn, (unsigned long)wire_client_isn(&ls.s, 9, 0, start9));
	loaded_scenario_fini(&ls);

	/* the 9 completed handshakes: SYN, SYN-ACK (ack = ISN + 1), ACK (seq =
	 * ISN + 1, ack = the server's ISN + 1), each pair of ports once */
	size_t synacks = 0, complete = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(d[i].flags, "S.") != 0)
			continue;
		synacks++;
		const struct dumped *sa = &d[i], *syn = NULL, *ack = NULL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(d[j].src, sa->dst) == 0 && strcmp(d[j].flags, "S") == 0)
				syn = &d[j];
		for (size_t j = i + 1; j < n && !ack; j++)
			if (strcmp(d[j].src, sa->dst) == 0 && strcmp(d[j].flags, ".") == 0)
				ack = &d[j];
		cr_assert_not_null(syn, "a SYN-ACK to %s without a SYN", sa->dst);
		cr_assert(sa->has_ack && sa->ack == ((syn->seq + 1) & 0xffffffffUL), "SYN-ACK to %s acks %lu, SYN %lu",
		          sa->dst, sa->ack, syn->seq);
		cr_assert_not_null(ack, "no ACK from %s", sa->dst);
		cr_assert(ack->has_ack && ack->ack == ((sa->seq + 1) & 0xffffffffUL));
		cr_assert(ack->t > sa->t && sa->t >= syn->t);
		/* tcpdump prints no seq for a bare ACK: ask its filter for the
		 * ACK whose seq is ISN + 1 */
		char filter[200];
		static struct dumped one[4];
		snprintf(filter, sizeof(filter), "tcp[13] = 16 and tcp[4:4] = %lu and tcp[8:4] = %lu",
		         (syn->seq + 1) & 0xffffffffUL, (sa->seq + 1) & 0xffffffffUL);
		cr_assert_eq(tcpdump_read(pcap, filter, one, 4), 1u, "the ACK from %s with seq ISN + 1", sa->dst);
		complete++;
	}
	cr_assert_eq(synacks, 9u, "9 SYN-ACKs, got %zu", synacks);
	cr_assert_eq(complete, 9u);
	/* every SYN the trace has arrive at the server is in the capture */
	size_t all_syns = 0;
	for (size_t i = 0; i < n; i++)
		all_syns += strcmp(d[i].flags, "S") == 0;
	cr_assert_eq(all_syns, 9u + 391u * 8u);

	/* deterministic: the same run writes the same bytes */
	char pcap2[600], out2[600];
	snprintf(pcap2, sizeof(pcap2), "%s/seed2.pcap", dir);
	snprintf(out2, sizeof(out2), "%s/run2", dir);
	r = run_cli("run", SEED_CONFIG, "-q", "-o", out2, "--pcap", pcap2, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char cmd[1400];
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", pcap, pcap2);
	cr_assert_eq(system(cmd), 0, "two runs wrote different captures");
	remove_tree(dir);
}

Test(pcap, trace_filters_choose_connections)
{
	cr_assert(have_tcpdump(), "tcpdump is not installed (make test installs it: scripts/deps.sh)");
	char *dir = temp_dir();
	char out[600], pcap[600];
	snprintf(out, sizeof(out), "%s/run", dir);
	snprintf(pcap, sizeof(pcap), "%s/two.pcap", dir);
	struct cli_result r = run_cli("run", SEED_CONFIG, "-q", "-o", out, "--pcap", pcap, "--trace-conn", "3,9",
	                              "--trace-to", "3", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	static struct dumped d[100];
	size_t n = tcpdump_read(pcap, NULL, d, 100);
	/* attempt 3: SYN, SYN-ACK, ACK; attempt 9: the SYNs up to 3 s (3) */
	cr_assert_eq(n, 6u, "%zu packets", n);
	for (size_t i = 0; i < n; i++) {
		cr_assert(strstr(d[i].src, ".32771") || strstr(d[i].dst, ".32771") || strstr(d[i].src, ".32777"), "%s > %s",
		          d[i].src, d[i].dst);
		cr_assert_leq(d[i].t, 3.0);
	}
	/* a capture that cannot be written: exit 2, one line, nothing written */
	char bad[700], out2[600];
	snprintf(bad, sizeof(bad), "%s/no/such/folder/x.pcap", dir);
	snprintf(out2, sizeof(out2), "%s/run2", dir);
	r = run_cli("run", SEED_CONFIG, "-q", "-o", out2, "--pcap", bad, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "x.pcap: cannot write"), "%s", r.err);
	cr_assert(access(out2, F_OK) != 0, "the run's folder was written");
	remove_tree(dir);
}

/* ---- a real SYN and SYN-ACK of this machine's kernel --------------------- */

struct measured {
	int ok;                   /* 1 when both were seen */
	char why[120];
	uint16_t syn_window, synack_window;
	uint8_t syn_opts[40], synack_opts[40];
	uint8_t syn_opts_len, synack_opts_len;
	uint64_t rcvbuf_max;      /* max(tcp_rmem[2], rmem_max) in the namespace */
};

static uint64_t read_max(const char *path)
{
	FILE *f = fopen(path, "r");
	uint64_t v = 0, best = 0;
	while (f && fscanf(f, "%lu", &v) == 1)
		best = v > best ? v : best;
	if (f)
		fclose(f);
	return best;
}

/* in a new network namespace: loopback with a 1500-byte MTU (MSS 1460),
 * a listener on 127.0.0.1:8000, one connect(), the first SYN and SYN-ACK
 * read from a packet socket */
static void measure(struct measured *m)
{
	memset(m, 0, sizeof(*m));
	if (unshare(CLONE_NEWNET) != 0) {
		snprintf(m->why, sizeof(m->why), "unshare(CLONE_NEWNET): %s", strerror(errno));
		return;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ifr.ifr_mtu = 1500;
	if (ioctl(fd, SIOCSIFMTU, &ifr) != 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
		snprintf(m->why, sizeof(m->why), "lo: %s", strerror(errno));
		return;
	}
	ifr.ifr_flags |= IFF_UP;
	ioctl(fd, SIOCSIFFLAGS, &ifr);
	m->rcvbuf_max = read_max("/proc/sys/net/ipv4/tcp_rmem");
	uint64_t core = read_max("/proc/sys/net/core/rmem_max");
	m->rcvbuf_max = core > m->rcvbuf_max ? core : m->rcvbuf_max;
	int ps = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = (int)if_nametoindex("lo")};
	struct timeval tv = {1, 0};
	setsockopt(ps, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (ps < 0 || bind(ps, (struct sockaddr *)&ll, sizeof(ll)) != 0) {
		snprintf(m->why, sizeof(m->why), "packet socket: %s", strerror(errno));
		return;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(8000)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int ls = socket(AF_INET, SOCK_STREAM, 0), cs = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(ls, 8) != 0 ||
	    connect(cs, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(m->why, sizeof(m->why), "loopback connect: %s", strerror(errno));
		return;
	}
	bool syn = false, synack = false;
	for (int k = 0; k < 20 && !(syn && synack); k++) {
		uint8_t b[2048];
		ssize_t got = recv(ps, b, sizeof(b), 0);
		if (got < 40)
			break;
		size_t ihl = (size_t)(b[0] & 15) * 4;
		const uint8_t *t = b + ihl;
		size_t off = (size_t)(t[12] >> 4) * 4;
		uint8_t flags = t[13];
		uint16_t win = (uint16_t)(t[14] << 8 | t[15]);
		size_t olen = off > 20 ? off - 20 : 0;
		if (olen > 40 || ihl + off > (size_t)got)
			continue;
		if (flags == WIRE_SYN && !syn) {
			syn = true;
			m->syn_window = win;
			memcpy(m->syn_opts, t + 20, olen);
			m->syn_opts_len = (uint8_t)olen;
		} else if (flags == (WIRE_SYN | WIRE_ACK) && !synack) {
			synack = true;
			m->synack_window = win;
			memcpy(m->synack_opts, t + 20, olen);
			m->synack_opts_len = (uint8_t)olen;
		}
	}
	m->ok = syn && synack;
	if (!m->ok)
		snprintf(m->why, sizeof(m->why), "the SYN or the SYN-ACK was not seen");
}

Test(pcap, linux_6_18_syn_and_synack_match_this_kernel)
{
	if (geteuid() != 0)
		cr_skip("not root: the kernel cannot be measured here");
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct measured m;
		measure(&m);
		ssize_t w = write(fds[1], &m, sizeof(m));
		_exit(w == (ssize_t)sizeof(m) ? 0 : 1);
	}
	struct measured m;
	ssize_t got = read(fds[0], &m, sizeof(m));
	int st;
	waitpid(pid, &st, 0);
	close(fds[0]);
	close(fds[1]);
	cr_assert_eq(got, (ssize_t)sizeof(m));
	cr_assert(m.ok, "%s", m.why);

	struct loaded_scenario ls;
	struct jr err;
	cr_assert_eq(config_load_file(SEED_CONFIG, NULL, 0, &ls, &err), 0, "%s", err.msg);
	cr_assert_str_eq(ls.s.server.rules.profile, "linux-6.18");
	struct wire_conn wc;
	memset(&wc, 0, sizeof(wc));
	struct segment_rec rs = {.t = 0, .conn = 0, .kind = PKT_SYN};
	struct segment_rec ra = {.t = 50000, .conn = 0, .kind = PKT_SYNACK};
	struct wire_segment syn, synack;
	wire_segment_fill(&ls.s, &wc, &rs, &syn);
	wire_segment_fill(&ls.s, &wc, &ra, &synack);
	const struct wire_stack *st618 = wire_stack_of("linux-6.18");
	loaded_scenario_fini(&ls);

	/* the windows: 44 x 1460 in the SYN, 45 x 1448 in the SYN-ACK */
	cr_assert_eq(m.syn_window, syn.window, "SYN window: kernel %u, model %u", m.syn_window, syn.window);
	cr_assert_eq(m.synack_window, synack.window, "SYN-ACK window: kernel %u, model %u", m.synack_window,
	             synack.window);
	/* the options, byte for byte but for the time stamps (bytes 8-15) and
	 * the scale (byte 19), which follows this machine's tcp_rmem[2] */
	const uint8_t *ko[2] = {m.syn_opts, m.synack_opts}, *mo[2] = {syn.options, synack.options};
	uint8_t kl[2] = {m.syn_opts_len, m.synack_opts_len}, ml[2] = {syn.options_len, synack.options_len};
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(kl[k], ml[k], "%s options: kernel %u bytes, model %u", k ? "SYN-ACK" : "SYN", kl[k], ml[k]);
		for (int i = 0; i < kl[k]; i++)
			if (!(i >= 8 && i < 16) && i != 19)
				cr_assert_eq(ko[k][i], mo[k][i], "%s option byte %d: kernel %u, model %u", k ? "SYN-ACK" : "SYN",
				             i, ko[k][i], mo[k][i]);
		cr_assert_eq(ko[k][19], wire_wscale(st618, m.rcvbuf_max), "window scale %u for a largest buffer of %lu",
		             ko[k][19], (unsigned long)m.rcvbuf_max);
	}
	cr_assert_eq(mo[0][19], wire_wscale(st618, st618->rcvbuf_max));
	cr_assert_eq(wire_wscale(st618, 6291456), 7);
}
