#!/bin/sh
# pgo-train.sh: the training runs of make pgo: both overload benchmarks
# (shortened) and two everyday scenarios, with and without their files.
set -eu
bin=${1:?usage: pgo-train.sh TCPQSIM}
out=$(mktemp -d "${TMPDIR:-/tmp}/tcpqsim-pgo.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM
"$bin" run bench/overload.json -q -o "$out/a" --set duration_s=3
"$bin" run bench/overload-workers.json -q -o "$out/b" --set duration_s=300
"$bin" run configs/default.json -q -o "$out/c" --attempts
"$bin" run configs/seed-experiment.json -q -o "$out/d" --trace
