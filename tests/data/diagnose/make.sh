#!/bin/sh
# make.sh: how the test data of `tcpqsim diagnose` were made.  Run from the
# repository root: sh tests/data/diagnose/make.sh.  The kcheck part measures
# this machine's kernel (root and network namespaces; docs/kcheck.md), so its
# files change from run to run; the simulator part is reproducible.
#
#   kcheck-overload-linear4.*  configs/validate/overload-linear4.json on the
#                              real kernel (6.18): listen(16), accept 50/s,
#                              Poisson 200/s, tcp_syn_linear_timeouts 4
#   kcheck-overload-linear0.*  the same with tcp_syn_linear_timeouts 0
#   kcheck-seed-6.18.*         the seed experiment (seed-6.18.scenario.json):
#                              listen(8), never accepted, 20/s, retries 3
#   sim-seed-2.6.32.*          configs/seed/04-experiment-2.6.32.json in the
#                              simulator (the linux-2.6.32 profile)
#   sim-lossy.*                lossy.scenario.json: 10% loss each way
#   sim-flood-no-cookies.*     configs/classroom/07-syn-flood-no-cookies.json
#   sim-overload-rate50.*      configs/validate/overload-linear4.json in the
#                              simulator: known parameters for the fit
#                              (acceptor 50/s, backlog 16)
# Each NAME.json is the summary.json; each NAME.txt the connect durations
# (ms, one per line) with "# failed ETIMEDOUT COUNT AT_MS" (the median time
# of the failures), made from attempts.jsonl.
set -eu
D=tests/data/diagnose
T=${TCPQSIM:-./tcpqsim}
K=${KCHECK:-build/kcheck}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

durations() { # ATTEMPTS.jsonl OUT.txt WHAT
	{
		echo "# connect durations in ms: $3"
		jq -r 'select(.counted != false) | select(.connect_ms != null) | .connect_ms' "$1"
		n=$(jq -s '[.[] | select(.counted != false) | select(.outcome == "timed_out")] | length' "$1")
		if [ "$n" -gt 0 ]; then
			at=$(jq -s '[.[] | select(.counted != false) | select(.outcome == "timed_out")
			             | (.failed_ms // ((.end_s - .start_s) * 1000))] | sort | .[length / 2 | floor]' "$1")
			echo "# failed ETIMEDOUT $n $at"
		fi
	} >"$2"
}

kernel() { # SCENARIO NAME
	"$K" "$1" -o "$tmp/$2" --attempts >/dev/null
	cp "$tmp/$2/summary.json" "$D/$2.json"
	durations "$tmp/$2/attempts.jsonl" "$D/$2.txt" "kcheck $1 on $(uname -r)"
}

sim() { # SCENARIO NAME
	"$T" run "$1" -q -o "$tmp/$2" --attempts --no-series
	jq 'del(.run)' "$tmp/$2/summary.json" >"$D/$2.json"
	durations "$tmp/$2/attempts.jsonl" "$D/$2.txt" "tcpqsim run $1"
}

if [ "$(id -u)" = 0 ] && [ -x "$K" ]; then
	kernel configs/validate/overload-linear4.json kcheck-overload-linear4
	kernel configs/validate/overload-linear0.json kcheck-overload-linear0
	kernel "$D/seed-6.18.scenario.json" kcheck-seed-6.18
else
	echo "make.sh: not root or no $K: the kcheck files are left as they are" >&2
fi
sim configs/seed/04-experiment-2.6.32.json sim-seed-2.6.32
sim "$D/lossy.scenario.json" sim-lossy
sim configs/classroom/07-syn-flood-no-cookies.json sim-flood-no-cookies
sim configs/validate/overload-linear4.json sim-overload-rate50
