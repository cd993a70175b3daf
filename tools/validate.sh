#!/bin/sh
# validate.sh: the simulator against this machine's kernel.
#
# For each scenario in configs/validate/ (or the files given), run it on the
# real kernel with build/kcheck (loopback, inside a network namespace kcheck
# makes itself, cut after VALIDATE_MAX_WALL_S seconds), then run the same
# scenario in the simulator with the running kernel's profile
# (`tcpqsim host-profile --name`) and the sysctl values kcheck read back from
# its namespace, over loopback (5 us one way; a 10 us reordering window for the
# two CPUs that process a batch of segments, docs/validation.md D3), ending at
# the last client close as kcheck does, and print `tcpqsim compare KERNEL SIM`.
#
# Usage: sh tools/validate.sh [SCENARIO.json...]
# Environment: TCPQSIM (default ./tcpqsim), KCHECK (default build/kcheck),
#   VALIDATE_OUT (default out/validate), VALIDATE_MAX_WALL_S (default 60).
# Exit: 0 every comparison within its tolerances; 1 some outside (or a run
# failed); 2 misuse or a missing tool; 77 no root or no network namespaces.
set -u

TCPQSIM=${TCPQSIM:-./tcpqsim}
KCHECK=${KCHECK:-build/kcheck}
OUT=${VALIDATE_OUT:-out/validate}
MAX_WALL=${VALIDATE_MAX_WALL_S:-60}

say() { printf '%s\n' "validate: $*" >&2; }

for tool in "$TCPQSIM" "$KCHECK"; do
	if [ ! -x "$tool" ]; then
		say "no $tool (build it: make tcpqsim build/kcheck)"
		exit 2
	fi
done
if ! command -v jq >/dev/null 2>&1; then
	say "needs jq to hand kcheck's resolved scenario to the simulator (apt-get install jq)"
	exit 2
fi

# Tolerances per scenario (docs/validation.md says why each differs from
# compare's defaults).  Every comparison looks at the connect-time CDFs on a
# 250 ms grid: the kernel's timer wheel fires a retransmit up to a granule
# (32 ms for a 1 s timer at HZ 250) later than the simulator's, which moves
# whole retransmit spikes across 10 ms bins.
flags_for() {
	# Deterministic scenarios: equal counts.  The others: each tolerance is
	# the larger of the floor of its class (overload and bursts: KS 0.15,
	# counters 0.3; workers: KS 0.1, counters 0.25; compare's defaults
	# otherwise) and 1.5 x the largest difference
	# between two kernel runs of the scenario (3 to 6 runs on this machine
	# under a load average of 13-24; docs/validation.md "Tolerances"), and a
	# counter also passes within 10 (counts of a few, e.g. SyncookiesFailed).
	case "$1" in
	never-accept | somaxconn-clamp | late-ack-*) echo "--tol-frac 0 --tol-counters 0.02" ;;
	# equal counts, but the accept queue can take N+2 on two CPUs (D7): 18
	# ListenOverflows for 16 in 1 of 7 runs
	synq-filter-*) echo "--tol-frac 0 --tol-counters 0.02 --tol-counters-abs 2" ;;
	burst-cookies-off) echo "--tol-frac 0.13 --tol-p99-ms 300 --tol-ks 0.22 --tol-counters 0.32 --tol-counters-abs 10" ;;
	burst-cookies-on) echo "--tol-frac 0.05 --tol-p99-ms 300 --tol-ks 0.15 --tol-counters 0.3 --tol-counters-abs 10" ;;
	hold-write) echo "--tol-frac 0.11 --tol-p99-ms 300 --tol-ks 0.15 --tol-counters 0.58 --tol-counters-abs 10" ;;
	overload-linear0) echo "--tol-frac 0.1 --tol-p99-ms 300 --tol-ks 0.15 --tol-counters 0.72 --tol-counters-abs 10" ;;
	overload-linear4) echo "--tol-frac 0.1 --tol-p99-ms 300 --tol-ks 0.15 --tol-counters 0.69 --tol-counters-abs 10" ;;
	overload-threaded) echo "--tol-frac 0.09 --tol-p99-ms 300 --tol-ks 0.15 --tol-counters 0.58 --tol-counters-abs 10" ;;
	overload-ts-off) echo "--tol-frac 0.1 --tol-p99-ms 300 --tol-ks 0.17 --tol-counters 0.58 --tol-counters-abs 10" ;;
	workers-*) echo "--tol-frac 0.07 --tol-p99-ms 300 --tol-ks 0.1 --tol-counters 0.56 --tol-counters-abs 10" ;;
	*) echo "" ;;
	esac
}

# The simulator's twin of what kcheck ran: its resolved scenario (sysctls
# read back from the namespace; nulls are files that do not exist here, left
# to the profile) on the running kernel's profile, over a loopback-like path
# (5 us one way).  With a pace > 0, a burst becomes what kcheck really does on
# loopback: one connect() after another, PACE per second, each handshake done
# before the next connect() (docs/validation.md, "bursts on loopback").
make_twin() { # SUMMARY PROFILE PACE OUT
	jq --arg p "$2" --argjson pace "$3" '
		.scenario | .server.kernel = $p | .clients.kernel = $p | del(.. | nulls)
		| .network = {"one_way_delay_ms": 0.005, "reorder_window_us": 10}
		| .end = "last_close"
		| if .clients.sysctl.tcp_timestamps != null then .server.sysctl.tcp_timestamps = .clients.sysctl.tcp_timestamps else . end
		| if .clients.sysctl.tcp_no_metrics_save != null then .server.sysctl.tcp_no_metrics_save = .clients.sysctl.tcp_no_metrics_save else . end
		| if $pace > 0 then
			(.clients.arrival.count as $n | (($n - 0.5) / $pace) as $d
			 | .drain_s = .drain_s + .duration_s - $d | .duration_s = $d
			 | .clients.arrival = {"kind": "constant", "rate_per_s": $pace})
		  else . end' "$1" >"$4"
}

profile=$("$TCPQSIM" host-profile --name) || exit 2
release=$(uname -r)
if [ $# -eq 0 ]; then
	set -- configs/validate/*.json
fi
mkdir -p "$OUT" || exit 2

total=0
outside=0
failed=0
summary=""
for cfg in "$@"; do
	name=$(basename "$cfg" .json)
	dir="$OUT/$name"
	rm -rf "$dir"
	mkdir -p "$dir"
	total=$((total + 1))
	echo "=== $name ($cfg) on $release, profile $profile"
	"$KCHECK" "$cfg" -o "$dir/kernel" --max-wall-s "$MAX_WALL" --attempts >"$dir/kcheck.log" 2>&1
	rc=$?
	if [ $rc -eq 77 ]; then
		cat "$dir/kcheck.log" >&2
		say "skipped: kcheck needs root and network namespaces"
		exit 77
	fi
	if [ $rc -ne 0 ]; then
		cat "$dir/kcheck.log" >&2
		say "$name: kcheck failed (exit $rc)"
		failed=$((failed + 1))
		summary="$summary
  $name: kcheck failed (exit $rc)"
		continue
	fi
	pace=0
	if jq -e '.scenario.clients.arrival.kind == "burst" and .scenario.clients.arrival.at_s == 0' \
		"$dir/kernel/summary.json" >/dev/null 2>&1; then
		pace=$(jq -s 'map(.start_s) | if length > 1 and max > min then (length - 1) / (max - min) else 0 end' \
			"$dir/kernel/attempts.jsonl")
	fi
	if ! make_twin "$dir/kernel/summary.json" "$profile" "$pace" "$dir/sim-scenario.json" ||
		! "$TCPQSIM" run "$dir/sim-scenario.json" -o "$dir/sim" -q 2>"$dir/sim.log"; then
		cat "$dir/sim.log" >&2
		say "$name: the simulator failed"
		failed=$((failed + 1))
		summary="$summary
  $name: the simulator failed"
		continue
	fi
	# shellcheck disable=SC2046
	"$TCPQSIM" compare "$dir/kernel/summary.json" "$dir/sim/summary.json" --ks-bin-ms 250 \
		$(flags_for "$name") | tee "$dir/compare.txt"
	if [ "$pace" != 0 ]; then
		# the burst as written: every SYN at the same instant
		make_twin "$dir/kernel/summary.json" "$profile" 0 "$dir/sim-as-written.json" &&
			"$TCPQSIM" run "$dir/sim-as-written.json" -o "$dir/sim-as-written" -q 2>/dev/null &&
			"$TCPQSIM" compare "$dir/kernel/summary.json" "$dir/sim-as-written/summary.json" --ks-bin-ms 250 \
				$(flags_for "$name") >"$dir/compare-as-written.txt"
		echo "(the simulator above paced the burst as kcheck made it: $pace connects/s;"
		echo " with every SYN at once: $(grep '^verdict' "$dir/compare-as-written.txt"), see $dir/compare-as-written.txt)"
	fi
	rc=$(tail -n 50 "$dir/compare.txt" | grep -c '^verdict: OUTSIDE')
	if [ "$rc" -ne 0 ]; then
		outside=$((outside + 1))
		summary="$summary
  $name: OUTSIDE ($dir/compare.txt)"
	else
		summary="$summary
  $name: within"
	fi
	echo
done

echo "=== validate: $total scenario(s) on $release ($profile): $((total - outside - failed)) within," \
	"$outside outside, $failed failed$summary"
[ $outside -eq 0 ] && [ $failed -eq 0 ]
