/* test_watch.c: "tcpqsim watch --frames": the replay's frames, checked
 * against the rules they must show (scenarios with seed 1). */
#include <criterion/criterion.h>

#include "cli_helpers.h"

#define SEPARATOR "------------------------------------------------------------------------\n"

/* frame k (from 0) of the output, copied into buf; false when there is none */
static bool frame_at(const char *out, int k, char *buf, size_t n)
{
	const char *p = out;
	for (int i = 0; i < k; i++) {
		p = strstr(p, SEPARATOR);
		if (!p)
			return false;
		p += strlen(SEPARATOR);
	}
	const char *end = strstr(p, SEPARATOR);
	size_t len = end ? (size_t)(end - p) : strlen(p);
	if (len >= n)
		len = n - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return len > 0;
}

static int count_frames(const char *out)
{
	int n = 1;
	for (const char *p = strstr(out, SEPARATOR); p; p = strstr(p + 1, SEPARATOR))
		n++;
	return n;
}

/* "  client ESTABLISHED  server ESTABLISHED" counts of a frame */
static void established(const char *frame, unsigned long *client, unsigned long *server)
{
	const char *line = strstr(frame, "ESTABLISHED");
	cr_assert_not_null(line, "%s", frame);
	while (line > frame && line[-1] != '\n')
		line--;
	cr_assert_eq(sscanf(line, " %lu ESTABLISHED %lu ESTABLISHED", client, server), 2, "%s", frame);
}

Test(watch, seed_experiment_frame_at_5_s_shows_a_full_accept_queue)
{
	struct cli_result r = run_cli("watch", "configs/seed-experiment.json", "--frames", NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	cr_assert_null(strchr(r.out, '\033'), "no escapes in --frames");
	char f[8192];
	/* frames every 0.5 s from 0: frame 10 is t = 5 s */
	cr_assert(frame_at(r.out, 10, f, sizeof(f)));
	cr_assert(strstr(f, "t =    5.000 s"), "seed 1:\n%s", f);
	unsigned long client, server;
	established(f, &client, &server);
	cr_assert_eq(server, 9, "seed 1: server ESTABLISHED\n%s", f);
	cr_assert_eq(client, 9, "seed 1: client ESTABLISHED\n%s", f);
	const char *aq = strstr(f, "accept queue    [");
	cr_assert_not_null(aq, "%s", f);
	cr_assert(strstr(aq, "]       9/9   ss: Recv-Q 9 Send-Q 8"), "seed 1:\n%s", f);
	cr_assert(strstr(aq, "[########################################]"), "a full bar\n%s", f);
	/* the first frame is t = 0 with empty queues */
	cr_assert(frame_at(r.out, 0, f, sizeof(f)));
	cr_assert(strstr(f, "t =    0.000 s") && strstr(f, "0/9   ss: Recv-Q 0"), "seed 1:\n%s", f);
}

Test(watch, frames_follow_the_interval_and_until)
{
	struct cli_result r =
	    run_cli("watch", "configs/seed-experiment.json", "--frames", "--interval", "2", "--until", "10", NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	cr_assert_eq(count_frames(r.out), 6, "t = 0, 2, 4, 6, 8, 10\n%s", r.out);
	char f[8192];
	cr_assert(frame_at(r.out, 5, f, sizeof(f)));
	cr_assert(strstr(f, "t =   10.000 s"), "%s", f);
	/* ListenOverflows counts every dropped SYN: by 10 s each of the 191
	 * attempts after the first 9 (ids 9 to 199) has had a SYN dropped */
	const char *c = strstr(f, "TcpExtListenOverflows");
	unsigned long drops = 0;
	cr_assert(c && sscanf(c, "TcpExtListenOverflows %lu", &drops) == 1, "%s", f);
	cr_assert_geq(drops, 191, "seed 1: %lu", drops);
}

Test(watch, old_kernel_client_believes_more_connections_than_the_server_holds)
{
	struct cli_result r = run_cli("watch", "configs/classroom/05-experiment-2.6.32.json", "--frames", "--interval",
	                              "5", "--until", "15", NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	char f[8192];
	cr_assert(frame_at(r.out, 3, f, sizeof(f)));
	cr_assert(strstr(f, "t =   15.000 s"), "%s", f);
	unsigned long client, server;
	established(f, &client, &server);
	cr_assert_eq(server, 9, "seed 1: the server holds backlog + 1\n%s", f);
	cr_assert_gt(client, 9, "seed 1: the client's count keeps growing\n%s", f);
}

Test(watch, bad_options_are_misuse)
{
	struct cli_result r = run_cli("watch", "configs/seed-experiment.json", "--interval", "0", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--interval"), "%s", r.err);
	r = run_cli("watch", "configs/seed-experiment.json", "--speed", "-1", NULL);
	cr_assert_eq(r.status, 2);
	r = run_cli("watch", NULL);
	cr_assert_eq(r.status, 2);
	r = run_cli("watch", "configs/seed-experiment.json", "--interval", "0.0000001", NULL);
	cr_assert_eq(r.status, 2, "too many frames");
	cr_assert(strstr(r.err, "frames"), "%s", r.err);
}
