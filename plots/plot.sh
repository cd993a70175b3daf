#!/bin/sh
# plot.sh: the figures of `make plots`.
#
#   sh plots/plot.sh [TCPQSIM [OUT]]     TCPQSIM default ./tcpqsim, OUT default out
#   sh plots/plot.sh --docs [TCPQSIM]    the same, then copy the README's
#                                        pictures to docs/img/
#
# 1. configs/default.json into OUT/default, then `tcpqsim plot OUT/default`:
#    connect_hist, queues and outcomes (.png and .svg).
# 2. configs/seed-experiment.json under linux-2.6.32, linux-4.4 and linux-6.18
#    into OUT/kernels/PROFILE, then `tcpqsim plot --profiles ...`:
#    OUT/kernels/profiles.png and .svg.
# gnuplot must be installed (scripts/deps.sh installs it as root when
# TCPQSIM_EXTRA_DEPS=gnuplot; `make plots` does that first).
set -eu

docs=0
if [ "${1:-}" = "--docs" ]; then
	docs=1
	shift
fi
bin=${1:-./tcpqsim}
out=${2:-out}
case "$bin" in
*/*) ;;
*) bin=./$bin ;;
esac
kernels="linux-2.6.32 linux-4.4 linux-6.18"

"$bin" run configs/default.json -q -o "$out/default"
"$bin" plot "$out/default"

list=""
for k in $kernels; do
	"$bin" run configs/seed-experiment.json -q --set "server.kernel=$k" --set "clients.kernel=$k" \
		-o "$out/kernels/$k"
	list="$list${list:+,}$out/kernels/$k"
done
"$bin" plot --profiles "$list" "$out/kernels"

if [ "$docs" = 1 ]; then
	mkdir -p docs/img
	for pair in "$out/default/connect_hist.png:connect_hist.png" "$out/default/queues.png:queues.png" \
		"$out/kernels/profiles.png:kernels.png"; do
		src=${pair%%:*}
		dst=docs/img/${pair#*:}
		cp "$src" "$dst.tmp" && mv "$dst.tmp" "$dst"
		size=$(wc -c <"$dst")
		echo "wrote $dst ($size bytes)"
		[ "$size" -le 102400 ] || echo "plot.sh: warning: $dst is over 100 KB" >&2
	done
fi
