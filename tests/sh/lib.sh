# lib.sh: the little the shell tests share (sourced).  Each check prints
# "ok: WHAT" or "FAIL: WHAT", and finish prints "NAME: N passed, N failed".
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  ok: $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL: $*"; }
# check WHAT COMMAND...: ok when COMMAND succeeds
check() {
	what=$1; shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
finish() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
# the sweep used by the install and Slurm tests: 4 points x 2 replications of
# a short default scenario, written as configs/sweeps/nginx-backlog-rate.json
# under $1 (the name the commands in docs/sweeps.md use)
write_small_sweep() {
	mkdir -p "$1/configs/sweeps/base"
	cat >"$1/configs/sweeps/base/nginx.json" <<'JSON'
{"name": "small", "duration_s": 1, "seed": 3,
 "server": {"backlog": 16, "acceptor": {"kind": "workers", "count": 2, "service_ms": 10}},
 "clients": {"arrival": {"kind": "poisson", "rate_per_s": 200}}}
JSON
	cat >"$1/configs/sweeps/nginx-backlog-rate.json" <<'JSON'
{"name": "small-sweep", "base": "base/nginx.json", "seed": 7, "replications": 2,
 "grid": {"server.backlog": [4, 64], "clients.arrival.rate_per_s": [100, 300]},
 "metrics": ["outcomes.connected_frac", "connect_time_ms.p99", "counters.ListenOverflows"]}
JSON
}
# doc_block FILE PATTERN: the first ```sh fenced block of a markdown file
# that holds a line matching PATTERN (an awk regular expression), as written
doc_block() {
	awk -v pat="$2" '
	/^```sh$/ {on = 1; text = ""; hit = 0; next}
	on && /^```$/ {on = 0; if (hit) {printf "%s", text; exit}; next}
	on {text = text $0 "\n"; if ($0 ~ pat) hit = 1}' "$1"
}
