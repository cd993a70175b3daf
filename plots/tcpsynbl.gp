# tcpsynbl.gp: the accept-queue length each arriving SYN met, as a histogram
# with a logarithmic count axis (the view of bpftrace's tcpsynbl.bt).  SYNs
# that met a full queue (length >= the limit N+1) are drawn in red: the
# kernel drops them (on old profiles only while young requests are queued).
# Reads a run's tcpsynbl.tsv: a header line "accept_queue_len syns limit",
# then one line per length seen.
#
#   gnuplot -e "in='out/default/tcpsynbl.tsv'; out='tcpsynbl.png'" plots/tcpsynbl.gp
#
# Variables: in, out (required); title.

if (!exists("w")) { w = 950 }
if (!exists("h")) { h = 560 }
_here = ""
do for [_i = strlen(ARG0):1:-1] { if (_here eq "" && ARG0[_i:_i] eq "/") { _here = ARG0[1:_i] } }
load _here."common.gp"

if (!exists("in")) { print "tcpsynbl.gp: set in='DIR/tcpsynbl.tsv'"; exit status 2 }
if (!exists("title")) { title = "Accept queue seen by each arriving SYN" }

set datafile separator "\t"
set datafile commentschars ""
set datafile columnheaders

stats in using 1 nooutput
n = STATS_records
xmax = n > 0 ? STATS_max : 1
stats in using 3 nooutput
limit = n > 0 ? STATS_max : 1
stats in using 2 nooutput
total = n > 0 ? STATS_sum : 0
stats in using ($1 >= limit ? $2 : 0) nooutput
full = n > 0 ? STATS_sum : 0

set title title . sprintf("\n%d SYNs, %d (%.1f%%) met a full accept queue (N+1 = %d)", total, full, total > 0 ? 100.0 * full / total : 0, limit) font ",13"
set xlabel "accept-queue length when the SYN arrived (connections)"
set ylabel "SYNs (log scale)"
set logscale y
set xrange [-0.5:max2(xmax, limit) + 0.5 + 0.02 * max2(xmax, limit)]
set yrange [0.8:*]
set style fill solid 0.9 noborder
set boxwidth (max2(xmax, limit) > 60 ? max2(xmax, limit) / 120.0 : 0.8) absolute
set arrow from limit, graph 0 to limit, graph 1 nohead dt 2 lw 1.5 lc rgb col_timed_out back
set label sprintf("full: N+1 = %d", limit) at limit, graph 0.95 right offset -0.8, 0 font ",10" tc rgb col_timed_out
set key top center horizontal noopaque nobox
if (n == 0) {
	set label "no SYN reached the server" at graph 0.5, graph 0.5 center
	plot NaN notitle
} else {
	plot in using 1:($1 < limit ? $2 : NaN) with boxes fc rgb col_connected title "room in the queue", \
	     in using 1:($1 >= limit ? $2 : NaN) with boxes fc rgb col_timed_out title "queue full: dropped"
}
