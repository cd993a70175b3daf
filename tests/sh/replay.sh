#!/bin/sh
# replay.sh: the burst twin of tools/validate.sh (tools/validate-replay.sh,
# docs/validation.md D5) on made-up kcheck attempts whose answer is known.
#
# A burst of 300 connects 60 us apart from t = 0.00001 s, whose first
# retransmit batch (the kernel's granule) ends between connects 250 and 251
# (from 0): the simulator starts a batch at 24 ms mod 32 ms (a 1 s timer at
# HZ 250 on the timer wheel), so the shift must put that cut there, keep
# every gap, and leave connects 0-250 in one simulator granule and 251-299 in
# the next.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tests/sh/lib.sh"
. "$here/tools/validate-replay.sh"

command -v jq >/dev/null 2>&1 || { echo "replay: needs jq (make test installs it)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpqsim-replay.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# attempts.jsonl: ATTEMPTS FIRE1 FIRE2 SPREAD, the winners of each batch being
# the last 17 connects of it, their SYN-ACKs back from FIREb on, SPREAD s apart
# newest first; connect i accepted at 0.0001 (i = 0) and 0.040 (i = 1).
make_attempts() {
	awk -v f1="$2" -v f2="$3" -v sp="$4" 'BEGIN {
		for (i = 0; i < 300; i++) {
			st = 0.00001 + i * 0.00006
			syns = 3; ok = 0
			if (i < 17) { syns = 1; ok = 1; cms = 0.1 }
			else if (i >= 234 && i <= 250) { syns = 2; ok = 1; cms = (f1 + (250 - i) * sp - st) * 1000 }
			else if (i >= 283) { syns = 2; ok = 1; cms = (f2 + (299 - i) * sp - st) * 1000 }
			acc = i == 0 ? 0.0001 : (i == 1 ? 0.040 : -1)
			printf "{\"id\":%d,\"start_s\":%.6f,\"syns\":%d,\"outcome\":\"%s\",\"connect_ms\":%s,\"accepted_s\":%s}\n",
				i, st, syns, ok ? "connected" : "timed_out", ok ? sprintf("%.3f", cms) : "null",
				acc < 0 ? "null" : sprintf("%.4f", acc)
		}
	}' >"$1"
}

# a native or -icount burst: batches 32 ms apart
make_attempts "$tmp/a.jsonl" 1.0241 1.0561 0.00001
out=$(replay_file "$tmp/a.jsonl" "$tmp/a.txt")
check "two batches found, the times shifted" [ "$(echo "$out" | awk '{ print $1, $3 }')" = "2 shifted" ]
# the cut midway between connect 250 (0.01501) and 251 (0.01507), at 0.01504,
# goes to 0.024: a shift of 8.96 ms
check "shift of 8.96 ms" awk -v d="$(echo "$out" | awk '{ print $2 }')" 'BEGIN { exit !(d > 0.008959 && d < 0.008961) }'
check "every connect kept, in order, 60 us apart" awk '
	NR > 1 && ($1 - p < 0.0000599 || $1 - p > 0.0000601) { bad = 1 } { p = $1 } END { exit bad || NR != 300 }' "$tmp/a.txt"
check "connects 0-250 in one granule of the simulator, 251-299 in the next" awk '
	{ k = int(($1 - 0.024) / 0.032 + 100) } NR == 1 { k0 = k }
	NR <= 251 && k != k0 { bad = 1 } NR > 251 && k != k0 + 1 { bad = 1 } END { exit bad }' "$tmp/a.txt"

# the acceptor: stalled until kcheck's first accept (0.0001 + shift), and
# after it until kcheck's first accept after the burst (0.040, the burst ending
# at 0.01795 > 0.0001 + 1/50)... not here: 0.0001 + 0.02 > 0.01795, one stall
check "one stall, until the first accept" [ "$(burst_stalls "$tmp/a.jsonl" 0.00896 50 | jq -c '[.[] | .for_s]')" = "[0.00906]" ]
# at 100/s the burst outlasts the gap: a second stall up to the accept at 0.040
check "a second stall up to the first accept after the burst" [ \
	"$(burst_stalls "$tmp/a.jsonl" 0.00896 100 | jq -c '[.[] | [.at_s, .for_s]]')" = "[[0,0.00906],[0.009061,0.039899]]" ]

# a guest without -icount (its jiffies stall during a burst): the placement,
# each batch's connects in the last 16 ms of the granule that fires it
out=$(replay_file "$tmp/a.jsonl" "$tmp/b.txt" place)
check "without -icount: placed" [ "$(echo "$out" | awk '{ print $1, $3 }')" = "2 placed" ]
check "placed: batch 1 (251 connects) within 16 ms, batch 2 a granule later" awk '
	{ t[NR] = $1 } END { exit !(NR == 300 && t[251] - t[1] <= 0.016 + 1e-9 &&
		int((t[252] - 0.024) / 0.032 + 100) == int((t[1] - 0.024) / 0.032 + 100) + 1) }' "$tmp/b.txt"
# a shift that would put a winner in the wrong batch is refused: 18 early
# connects (6-7 ms) whose SYN #2 fired with the second batch, after later
# connects had fired in the first (what a guest whose jiffies stall can do)
awk '{ if (NR >= 100 && NR <= 117) sub(/"syns":3,"outcome":"timed_out","connect_ms":null/, "\"syns\":2,\"outcome\":\"connected\",\"connect_ms\":1050.0"); print }' \
	"$tmp/a.jsonl" >"$tmp/c.jsonl"
check "the made-up attempts have 52 winners of SYN #2" [ "$(grep -c '"syns":2' "$tmp/c.jsonl")" -eq 52 ]
out=$(replay_file "$tmp/c.jsonl" "$tmp/c.txt" shift)
check "no shift fits winners out of order: placed" [ "$(echo "$out" | awk '{ print $3 }')" = placed ]

finish replay
