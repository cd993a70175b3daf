/* cmd_explain.c: "tcpqsim explain SCENARIO.json --conn ID": the story of one
 * connect attempt, packet by packet (story.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/runner.h"
#include "app/story.h"


enum explain_opt { O_CONN };

static const struct cli_option explain_options[] = {
	{O_CONN, "--conn", "-c", CLI_VALUE, "ID", "the attempt to tell (numbered from 0 in the order they start)"},
	CLI_OVERRIDE_OPTIONS,
	{0, NULL, NULL, CLI_FLAG, NULL, NULL},
};

int cmd_explain(int argc, char **argv);
const struct cli_command cli_cmd_explain = {
    "explain", cmd_explain, "SCENARIO.json --conn ID", "the story of one connection, packet by packet",
    explain_options,
    "Runs the scenario and tells the story of connect attempt ID (attempts are\n"
    "numbered from 0 in the order they start): every packet with its time in ms\n"
    "from the attempt's first SYN, what the server did with it and why (the rule\n"
    "and its kernel function), the queue lengths at that moment, a sequence\n"
    "diagram, and the outcome.\n",
};

struct explain_opts {
	const char *scenario;
	struct cli_overrides ov; /* --set, --seed */
	uint64_t conn;
	bool have_conn;
};

static int parse_u64(const char *v, uint64_t *out)
{
	char *end = NULL;
	errno = 0;
	if (!v || !v[0] || v[0] == '-')
		return -1;
	unsigned long long x = strtoull(v, &end, 10);
	if (*end || errno)
		return -1;
	*out = x;
	return 0;
}

static int parse_explain_args(int argc, char **argv, struct explain_opts *o)
{
	memset(o, 0, sizeof(*o));
	struct cli_args it;
	cli_args_init(&it, &cli_cmd_explain, argc, argv);
	const char *v;
	int id;
	while ((id = cli_next(&it, &v)) != CLI_END) {
		if (id == CLI_ID_SET || id == CLI_ID_SEED) {
			if (cli_take_override(&o->ov, id, v))
				return 2;
		} else if (id == O_CONN) {
			if (parse_u64(v, &o->conn) < 0)
				return cli_misuse("--conn: expected an attempt id (0, 1, 2, ...), got \"%s\"", v);
			o->have_conn = true;
		} else if (id != CLI_OPERAND) {
			return id;
		} else if (!o->scenario) {
			o->scenario = v;
		} else {
			return cli_misuse("unexpected argument %s", v);
		}
	}
	if (!o->scenario)
		return cli_misuse("%s", "explain needs a scenario file");
	if (!o->have_conn)
		return cli_misuse("%s", "explain needs --conn ID");
	cli_overrides_finish(&o->ov);
	return 0;
}

int cmd_explain(int argc, char **argv)
{
	struct explain_opts o;
	int rc = parse_explain_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? cli_exit(rc) : rc;
	struct loaded_scenario ls;
	if (cli_load_scenario(o.scenario, o.ov.sets, o.ov.n_sets, &ls) != 0)
		return 2;

	struct story st;
	story_init(&st, o.conn);
	char msg[4400];
	enum run_status run = story_run(&st, &ls, cli_stop_flag(), msg, sizeof(msg));
	if (run != RUN_OK) {
		fprintf(stderr, PROG ": %s\n", msg);
		rc = (int)run;
		goto out_story;
	}
	if (st.out_of_memory) {
		fprintf(stderr, PROG ": out of memory while keeping the story of attempt %llu\n",
		        (unsigned long long)o.conn);
		rc = 1;
		goto out_story;
	}
	if (!story_exists(&st)) {
		if (st.attempts)
			fprintf(stderr, PROG ": --conn %llu: no such attempt: the run made %llu attempts (ids 0 to %llu)\n",
			        (unsigned long long)o.conn, (unsigned long long)st.attempts, (unsigned long long)st.max_id);
		else
			fprintf(stderr, PROG ": --conn %llu: no such attempt: the run made 0 attempts\n",
			        (unsigned long long)o.conn);
		rc = 2;
		goto out_story;
	}
	story_print(stdout, &st, &ls);
	rc = 0;
out_story:
	story_fini(&st);
	loaded_scenario_fini(&ls);
	return rc;
}
