#!/bin/sh
# bench.sh: the benchmark (make bench).  Runs bench/overload.json (10^7
# attempts) and the same scenario at a fifth of its duration, and prints
# simulated attempts per second, events per second and peak memory: the two
# peaks must be about equal (memory bounded by what is in flight).
set -eu
bin=${1:-./tcpqsim}
out=${TMPDIR:-/tmp}/tcpqsim-bench.$$
trap 'rm -rf "$out"' EXIT
field() { # field FILE KEY: a number from summary.json
	sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\([0-9.e+-]*\),\{0,1\}$/\1/p" "$1" | head -n 1
}
run() { # run LABEL DURATION
	"$bin" run bench/overload.json -q -o "$out/$1" --set "duration_s=$2"
	s="$out/$1/summary.json"
	attempts=$(field "$s" attempts)
	wall=$(field "$s" wall_s)
	events=$(field "$s" events)
	rss=$(field "$s" max_rss_kb)
	peak=$(field "$s" peak_bytes)
	awk -v l="$1" -v a="$attempts" -v w="$wall" -v e="$events" -v r="$rss" -v p="$peak" 'BEGIN {
		printf "%-6s %10d attempts  %6.2f s  %6.2f M attempts/s  %6.2f M events/s  peak in-flight %7.1f MiB  max RSS %7.1f MiB\n",
		       l, a, w, a / w / 1e6, e / w / 1e6, p / 1048576, r / 1024 }'
}
echo "bench/overload.json on $(uname -m), $(nproc) cores: one core used"
run short 10
run full 50
