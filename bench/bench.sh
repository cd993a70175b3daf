#!/bin/sh
# bench.sh: the benchmark (make bench).
#
#   sh bench/bench.sh TCPQSIM HOLD [BASE_TCPQSIM BASE_LABEL]
#
# 1. The engine alone: the hold model (bench/hold.c) with 10^3, 10^5 and
#    10^6 events pending, the engine's queue beside a plain 4-ary heap and a
#    ladder queue in the same run (ratios above 1: the engine is faster).
# 2. Throughput: the two overload scenarios (bench/overload.json: 10^7
#    attempts; bench/overload-workers.json: Poisson 1000/s, 8 workers of
#    Exp(10 ms), backlog 128, 10^7 attempts): simulated attempts per
#    CPU-second and per wall-second, events per attempt, peak memory.
# 3. Memory flatness: bench/overload.json for 50 and for 200 simulated
#    seconds (past the ramp of live orphaned connections, about 14 s): the
#    peak in-flight bytes and the maximum RSS must agree within 5 %.
# 4. With a base binary (make bench BASE=<commit>): both overload scenarios,
#    base and work tree run in turn (BENCH_PAIRS pairs, default 3), CPU time
#    each; the paired ratio (base CPU / work-tree CPU) of each pair and their
#    median.  A change to the hot path is judged by this ratio, measured in
#    one run on the same machine, never by an absolute time.
#
# CPU time is user + system time of the run (the shell's `times`); runs are
# pinned to one CPU with taskset when it exists (BENCH_CPU, default the last
# one).  BENCH_SECTIONS picks sections (default "1 2 3 4"; e.g. 4 for the
# paired ratios alone).  Exit status 1 when the hold model's queues disagree
# or memory is not flat.
set -eu
bin=${1:?usage: bench.sh TCPQSIM HOLD [BASE_TCPQSIM BASE_LABEL]}
hold=${2:?usage: bench.sh TCPQSIM HOLD [BASE_TCPQSIM BASE_LABEL]}
base=${3:-}
base_label=${4:-base}
pairs=${BENCH_PAIRS:-3}
sections=" ${BENCH_SECTIONS:-1 2 3 4} "
want() { case "$sections" in *" $1 "*) return 0 ;; esac; return 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/tcpqsim-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM
status=0

pin=""
if command -v taskset >/dev/null 2>&1; then
	cpu=${BENCH_CPU:-$(($(getconf _NPROCESSORS_ONLN) - 1))}
	pin="taskset -c $cpu"
fi

field() { # field FILE KEY: a number from summary.json
	sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\([0-9.e+-]*\),\{0,1\}$/\1/p" "$1" | head -n 1
}

# cpu_seconds FILE: children's CPU seconds (user + system) from the output of
# `times` (its second line), which must run in the shell that ran them, not
# in a command substitution
cpu_seconds() {
	awk 'NR == 2 {
		n = split($0, f, /[ \t]+/); s = 0
		for (i = 1; i <= n; i++) {
			if (f[i] == "") continue
			m = f[i]; sub(/m.*/, "", m); x = f[i]; sub(/^[0-9]+m/, "", x); sub(/s$/, "", x)
			s += m * 60 + x
		}
		printf "%.3f\n", s }' "$1"
}

# timed BIN DIR ARGS...: run BIN run ARGS -q -o DIR; prints "cpu wall"
timed() {
	b=$1
	d=$2
	shift 2
	times >"$out/times.0"
	t0=$(date +%s.%N)
	$pin "$b" run "$@" -q -o "$d" --no-series
	t1=$(date +%s.%N)
	times >"$out/times.1"
	awk -v a="$(cpu_seconds "$out/times.0")" -v b="$(cpu_seconds "$out/times.1")" -v s="$t0" -v e="$t1" \
	    'BEGIN { printf "%.3f %.3f\n", b - a, e - s }'
}

echo "tcpqsim benchmark on $(uname -m), $(getconf _NPROCESSORS_ONLN) CPUs${pin:+, runs pinned ($pin)}"
echo

if want 1; then
echo "== 1. the engine alone: hold model =="
$pin "$hold" 1000 100000 1000000 || status=1
echo
fi

if want 2 || want 3; then
echo "== 2. throughput: 10^7 connect attempts =="
printf "%-28s %11s %8s %8s %14s %14s %9s %10s %10s\n" scenario attempts cpu_s wall_s \
	"attempts/cpu-s" "attempts/wall-s" "ev/att" "peak MiB" "RSS MiB"
for sc in overload overload-workers; do
	r=$(timed "$bin" "$out/$sc" "bench/$sc.json")
	s="$out/$sc/summary.json"
	awk -v l="bench/$sc.json" -v r="$r" -v a="$(field "$s" attempts)" -v e="$(field "$s" events)" \
	    -v p="$(field "$s" peak_bytes)" -v m="$(field "$s" max_rss_kb)" 'BEGIN {
		split(r, t, " ")
		printf "%-28s %11d %8.2f %8.2f %12.2f M %12.2f M %9.2f %10.1f %10.1f\n", l, a, t[1], t[2],
		       a / t[1] / 1e6, a / t[2] / 1e6, e / a, p / 1048576, m / 1024 }'
done
echo
fi

if want 3; then
echo "== 3. memory flatness: bench/overload.json, 50 s and 200 s simulated =="
timed "$bin" "$out/long" bench/overload.json --set duration_s=200 >/dev/null
awk -v p1="$(field "$out/overload/summary.json" peak_bytes)" -v r1="$(field "$out/overload/summary.json" max_rss_kb)" \
    -v p2="$(field "$out/long/summary.json" peak_bytes)" -v r2="$(field "$out/long/summary.json" max_rss_kb)" \
    -v a2="$(field "$out/long/summary.json" attempts)" 'BEGIN {
	printf "50 s:  peak in-flight %7.1f MiB  max RSS %7.1f MiB\n", p1 / 1048576, r1 / 1024
	printf "200 s: peak in-flight %7.1f MiB  max RSS %7.1f MiB  (%d attempts)\n", p2 / 1048576, r2 / 1024, a2
	dp = (p2 - p1) / p1 * 100; dr = (r2 - r1) / r1 * 100
	ok = dp <= 5 && dp >= -5 && dr <= 5 && dr >= -5
	printf "growth: peak %+.1f %%, RSS %+.1f %%: %s\n", dp, dr, ok ? "flat (within 5 %)" : "NOT FLAT"
	exit ok ? 0 : 1 }' || status=1
fi

if [ -n "$base" ] && want 4; then
	echo
	echo "== 4. paired against $base_label: CPU time, $pairs pairs run in turn =="
	printf "%-28s %14s %14s %s\n" scenario "base cpu_s" "tree cpu_s" "pair ratios (base/tree) -> median"
	for sc in overload overload-workers; do
		rb="" rt="" ratios=""
		i=0
		while [ $i -lt "$pairs" ]; do
			b=$(timed "$base" "$out/b-$sc" "bench/$sc.json" | cut -d' ' -f1)
			t=$(timed "$bin" "$out/t-$sc" "bench/$sc.json" | cut -d' ' -f1)
			rb="$rb $b"
			rt="$rt $t"
			ratios="$ratios $(awk -v b="$b" -v t="$t" 'BEGIN { printf "%.3f", b / t }')"
			i=$((i + 1))
		done
		ab=$(field "$out/b-$sc/summary.json" attempts)
		at=$(field "$out/t-$sc/summary.json" attempts)
		[ "$ab" = "$at" ] || echo "warning: bench/$sc.json: $ab attempts with the base, $at with the tree"
		echo "$sc|$rb|$rt|$ratios" | awk -F'|' '
			function median(s,   a, n, i, j, x) {
				n = split(s, a, " ")
				for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
				return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
			}
			{ printf "%-28s %14.2f %14.2f %s -> %.2fx attempts per CPU-second\n", "bench/" $1 ".json",
			         median($2), median($3), $4, median($4) }'
	done
fi
exit $status
