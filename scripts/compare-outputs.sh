#!/bin/sh
# compare-outputs.sh: two tcpqsim binaries must give byte-identical outputs on
# every scenario of configs/ (and on the benchmark scenarios, shortened).
#
#   sh scripts/compare-outputs.sh OLD_BIN NEW_BIN [--full]
#
# Every scenario in configs/ runs with --attempts and --trace (every file a run
# can write: summary.json, series.tsv, connect_hist.tsv, tcpsynbl.tsv,
# attempts.jsonl, trace.jsonl, and what it prints); every sweep file runs with
# `sweep -j 1` (or `solve -j 1`: points, results.csv, results.json); the
# scenarios of bench/ run for 2 simulated seconds with --attempts and --trace
# and, with --full, whole (summary and series only).  Files are compared byte
# for byte, except in summary.json's "run" object the fields that measure the
# run's cost rather than its result: events, wall_s, events_per_s,
# peak_events, peak_bytes, max_rss_kb (printed side by side instead), and the
# printed "run:" line.  Exit status 0 when everything is identical, 1 when
# anything differs (each difference is named), 2 on bad usage.
#
# Speed-ups and restructurings are checked with it: build the old binary from
# the base commit (e.g. `git worktree add /tmp/base main && make -C /tmp/base`)
# and run this script from the work tree.
set -eu

usage() {
	echo "usage: sh scripts/compare-outputs.sh OLD_BIN NEW_BIN [--full]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
old=$1
new=$2
full=0
[ "${3:-}" = "--full" ] && full=1
[ $# -le 3 ] || usage
for b in "$old" "$new"; do
	[ -x "$b" ] || { echo "compare-outputs: $b is not an executable" >&2; exit 2; }
done
case "$old" in /*) ;; *) old=$(pwd)/$old ;; esac
case "$new" in /*) ;; *) new=$(pwd)/$new ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/tcpqsim-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# the cost fields of summary.json's "run" object (one per line, tab-indented)
COST='"(events|wall_s|events_per_s|peak_events|peak_bytes|max_rss_kb)":'

# normalize FILE: drop the cost fields of "run" blocks, and in printed
# output the "run:" line and the output folder's name
normalize() {
	case "$1" in
	*.json)
		awk -v cost="$COST" '
			/"run":[ \t]*\{/ { inrun = 1; print; next }
			inrun && /^[ \t]*\}/ { inrun = 0 }
			inrun && $0 ~ cost { next }
			{ print }' "$1" ;;
	*/stdout)
		sed -e '/^  run: /d' -e "s#$2#OUT#g" "$1" ;;
	*) cat "$1" ;;
	esac
}

# cost FILE: the cost fields of summary.json, on one line
cost() {
	awk -v cost="$COST" '
		/"run":[ \t]*\{/ { inrun = 1; next }
		inrun && /^[ \t]*\}/ { inrun = 0 }
		inrun && $0 ~ cost { gsub(/[ \t",]/, ""); printf "%s ", $0 }' "$1"
}

fails=0
runs=0
files=0
# check LABEL: compare $work/a and $work/b, file by file
check() {
	(cd "$work/a" && find . -type f | sort) >"$work/list.a"
	(cd "$work/b" && find . -type f | sort) >"$work/list.b"
	if ! cmp -s "$work/list.a" "$work/list.b"; then
		echo "DIFFER $1: the two runs wrote different files:"
		diff "$work/list.a" "$work/list.b" | sed 's/^/    /' | head -n 10
		fails=$((fails + 1))
		return
	fi
	ok=1
	while IFS= read -r f; do
		normalize "$work/a/$f" "$work/a" >"$work/na"
		normalize "$work/b/$f" "$work/b" >"$work/nb"
		files=$((files + 1))
		if ! cmp -s "$work/na" "$work/nb"; then
			echo "DIFFER $1: $f"
			diff "$work/na" "$work/nb" | head -n 6 | cut -c1-200 | sed 's/^/    /'
			ok=0
		fi
	done <"$work/list.a"
	runs=$((runs + 1))
	if [ $ok = 1 ]; then
		line="same   $1"
		if [ -f "$work/a/out/summary.json" ]; then
			line="$line   old: $(cost "$work/a/out/summary.json")  new: $(cost "$work/b/out/summary.json")"
		fi
		echo "$line"
	else
		fails=$((fails + 1))
	fi
}

# both LABEL ARGS...: run both binaries with ARGS (OUT stands for the folder)
both() {
	label=$1
	shift
	for side in a b; do
		rm -rf "$work/$side"
		mkdir -p "$work/$side"
		bin=$old
		[ $side = b ] && bin=$new
		args=""
		for a in "$@"; do
			[ "$a" = OUT ] && a="$work/$side/out"
			args="$args '$a'"
		done
		status=0
		eval "\"\$bin\" $args" >"$work/$side/stdout" 2>"$work/$side/stderr" || status=$?
		echo "$status" >"$work/$side/status"
		sed -i "s#$work/$side#OUT#g" "$work/$side/stderr"
	done
	check "$label"
}

is_sweep() {
	grep -q '"grid"[[:space:]]*:\|"solve"[[:space:]]*:' "$1"
}

for f in configs/*.json configs/*/*.json; do
	[ -f "$f" ] || continue
	if is_sweep "$f"; then
		if grep -q '"solve"[[:space:]]*:' "$f"; then
			both "$f (solve)" solve "$f" -j 1 -o OUT
		else
			both "$f (sweep)" sweep "$f" -j 1 -o OUT
		fi
	else
		both "$f" run "$f" --attempts --trace -o OUT
	fi
done
for f in bench/*.json; do
	[ -f "$f" ] || continue
	both "$f (2 s)" run "$f" --attempts --trace --set duration_s=2 -o OUT
	if [ $full = 1 ]; then
		both "$f (whole)" run "$f" -o OUT
	fi
done

echo "compare-outputs: $runs runs identical ($files files), $fails differ"
[ $fails = 0 ]
