/* test_explain.c: "tcpqsim explain": the story of one attempt, checked
 * against the kernel rules it must show (scenarios with seed 1). */
#include <criterion/criterion.h>

#include "cli_helpers.h"

/* the text between two markers (static buffer) */
static const char *section(const char *text, const char *from, const char *to)
{
	static char buf[65536];
	const char *a = strstr(text, from);
	cr_assert_not_null(a, "no \"%s\" in:\n%s", from, text);
	const char *b = to ? strstr(a, to) : NULL;
	size_t n = b ? (size_t)(b - a) : strlen(a);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, a, n);
	buf[n] = '\0';
	return buf;
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
		if (strstr(line, needle))
			n++;
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

Test(explain, first_attempt_of_seed_experiment_completes_the_handshake)
{
	struct cli_result r = run_cli("explain", "configs/seed-experiment.json", "--conn", "0", NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	const char *d = section(r.out, "Sequence diagram", "Outcome:");
	/* three arrows: SYN over, SYN-ACK back, ACK over; nothing dropped */
	cr_assert_eq(count_lines_with(d, "->|"), 2, "seed 1:\n%s", d);
	cr_assert_eq(count_lines_with(d, "|<-"), 1, "seed 1:\n%s", d);
	cr_assert_eq(count_lines_with(d, "X|"), 0, "seed 1:\n%s", d);
	cr_assert(strstr(d, " SYN #1 ") && strstr(d, " SYN-ACK #1 ") && strstr(d, " ACK "), "seed 1:\n%s", d);
	cr_assert(strstr(d, "child joins the accept queue"), "seed 1:\n%s", d);
	/* the SYN-ACK comes back one round trip (2 x 0.05 ms) after the SYN */
	cr_assert(strstr(r.out, "connect() returned at 0.100 ms"), "seed 1:\n%s", r.out);
	cr_assert(strstr(r.out, "Outcome: connected"), "seed 1:\n%s", r.out);
	/* the queue column shows the child entering the accept queue */
	cr_assert(strstr(r.out, "1/9  server  ACK arrives: handshake complete"), "seed 1:\n%s", r.out);
}

Test(explain, attempt_twenty_meets_a_full_accept_queue_and_times_out)
{
	struct cli_result r = run_cli("explain", "configs/seed-experiment.json", "--conn", "20", NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	unsigned syns = 0;
	const char *o = strstr(r.out, "SYNs sent: ");
	cr_assert(o && sscanf(o, "SYNs sent: %u", &syns) == 1, "seed 1:\n%s", r.out);
	cr_assert_geq(syns, 2);
	const char *d = section(r.out, "Sequence diagram", "Outcome:");
	/* every SYN is dropped at the server, none is answered */
	cr_assert_eq(count_lines_with(d, ">X|  dropped: accept queue full"), (int)syns, "seed 1:\n%s", d);
	cr_assert_eq(count_lines_with(d, "|<-"), 0, "seed 1:\n%s", d);
	cr_assert(strstr(r.out, "sk_acceptq_is_full"), "seed 1:\n%s", r.out);
	cr_assert(strstr(r.out, "9/9"), "seed 1: the accept queue is shown full\n%s", r.out);
	cr_assert(strstr(d, "ETIMEDOUT"), "seed 1:\n%s", d);
	cr_assert(strstr(r.out, "Outcome: timed_out"), "seed 1:\n%s", r.out);
}

Test(explain, old_kernel_syn_retransmits_at_3_and_9_seconds)
{
	/* claim 1 of the seed: 3 s initial RTO, doubling, give-up at 21 s */
	struct cli_result r = run_cli("explain", "configs/classroom/02-syn-retransmits.json", "--conn", "1", NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	const char *d = section(r.out, "Sequence diagram", "Outcome:");
	cr_assert(strstr(d, "     0.000 ms  |------------ SYN #1"), "seed 1:\n%s", d);
	cr_assert(strstr(d, "  3000.000 ms  |------------ SYN #2"), "seed 1:\n%s", d);
	cr_assert(strstr(d, "  9000.000 ms  |------------ SYN #3"), "seed 1:\n%s", d);
	cr_assert(strstr(d, " 21000.000 ms  |"), "seed 1:\n%s", d);
	cr_assert_eq(count_lines_with(d, ">X|"), 3, "seed 1:\n%s", d);
	cr_assert(strstr(r.out, "Outcome: timed_out"), "seed 1:\n%s", r.out);
}

Test(explain, abort_on_overflow_resets_the_client_whose_ack_finds_no_room)
{
	struct cli_result r = run_cli("explain", "configs/classroom/06-abort-on-overflow-1.json", "--conn", "5", NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	const char *d = section(r.out, "Sequence diagram", "Outcome:");
	cr_assert(strstr(d, "tcp_abort_on_overflow=1: RST"), "seed 1:\n%s", d);
	cr_assert_eq(count_lines_with(d, "-- RST --"), 1, "seed 1:\n%s", d);
	cr_assert(strstr(r.out, "Outcome: reset_after_connect"), "seed 1:\n%s", r.out);
	/* with =0 the same client is served late instead */
	r = run_cli("explain", "configs/classroom/06-abort-on-overflow-0.json", "--conn", "5", NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	cr_assert(strstr(r.out, "accept queue full: ACK dropped, request kept"), "seed 1:\n%s", r.out);
	cr_assert(strstr(r.out, "Outcome: connected"), "seed 1:\n%s", r.out);
	cr_assert(strstr(r.out, "the server's first bytes arrived at"), "seed 1:\n%s", r.out);
}

Test(explain, an_attempt_that_never_existed_is_bad_input)
{
	struct cli_result r = run_cli("explain", "configs/seed-experiment.json", "--conn", "400", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--conn 400") && strstr(r.err, "400 attempts"), "%s", r.err);
	cr_assert_eq(count_lines_with(r.err, "tcpqsim:"), 1, "one line: %s", r.err);
	cr_assert_eq(r.out[0], '\0', "nothing on stdout: %s", r.out);
	r = run_cli("explain", "configs/seed-experiment.json", "--conn", "x1", NULL);
	cr_assert_eq(r.status, 2);
	r = run_cli("explain", "configs/seed-experiment.json", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--conn"), "%s", r.err);
	r = run_cli("explain", "--help", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "usage: tcpqsim explain"));
}

Test(explain, overrides_reach_the_run)
{
	/* with backlog 20 the accept queue holds 21: attempt 20 now gets in */
	struct cli_result r =
	    run_cli("explain", "configs/seed-experiment.json", "--conn", "20", "--set", "server.backlog=20", NULL);
	cr_assert_eq(r.status, 0, "seed 1: %s", r.err);
	cr_assert(strstr(r.out, "Outcome: connected"), "seed 1:\n%s", r.out);
	cr_assert(strstr(r.out, "21/21"), "seed 1: attempt 20 is the 21st child\n%s", r.out);
}
