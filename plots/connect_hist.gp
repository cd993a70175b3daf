# connect_hist.gp: connect-time histogram (log counts) with the client's SYN
# retransmit instants marked, and below it the share of attempts connected by
# each time.  Reads a run's connect_hist.tsv (a header line
# "bin_lower_ms count cdf", then one line per non-empty bin).
#
#   gnuplot -e "in='out/default/connect_hist.tsv'; out='hist.png'" plots/connect_hist.gp
#
# Optional variables (tcpqsim plot sets them from summary.json):
#   binms     bin width, ms (scenario.hist_bin_ms; default 10)
#   marks     seconds after the first SYN at which SYN 2, 3, ... are sent: "1 2 3 4 5 7 11"
#   marklabels  one label per mark, as words ('"3 s" "9 s"'); default "SYN 2", ...
#   giveup    seconds at which connect() fails with ETIMEDOUT (omit when unknown)
#   timedout  attempts that timed out (drawn as a bar at giveup)
#   appto, apptimedout  the application's connect timeout (s) and how many hit it
#   attempts  all attempts (default: connected + timedout + apptimedout)
#   nbins     data lines in the file (0: nothing connected; default: some)
#   xmax      right end of the time axis, s
#   target    the target (SLO) connect time, s: a vertical line in both panels
#   title     figure title

if (!exists("w")) { w = 1000 }
if (!exists("h")) { h = 720 }
_here = ""
do for [_i = strlen(ARG0):1:-1] { if (_here eq "" && ARG0[_i:_i] eq "/") { _here = ARG0[1:_i] } }
load _here."common.gp"

if (!exists("in")) { print "connect_hist.gp: set in='DIR/connect_hist.tsv'"; exit status 2 }
if (!exists("binms")) { binms = 10.0 }
if (!exists("marks")) { marks = "" }
if (!exists("marklabels")) { marklabels = "" }
if (!exists("giveup")) { giveup = NaN }
if (!exists("timedout")) { timedout = 0 }
if (!exists("appto")) { appto = NaN }
if (!exists("apptimedout")) { apptimedout = 0 }
if (!exists("nbins")) { nbins = 1 }
if (!exists("title")) { title = "Connect time" }

set datafile separator "\t"
set datafile commentschars "#"

# ranges from the data
ymax = 1
dmax = 0
connected = 0
if (nbins > 0) {
	stats in skip 1 using 2 nooutput
	ymax = STATS_max
	connected = STATS_sum
	stats in skip 1 using 1 nooutput
	dmax = (STATS_max + binms) / 1000.0
}
if (!exists("attempts")) { attempts = connected + timedout + apptimedout }
frac = attempts > 0 ? real(connected) / attempts : 1.0
if (timedout > 0 && giveup == giveup) { ymax = max2(ymax, timedout) }
if (apptimedout > 0 && appto == appto) { ymax = max2(ymax, apptimedout) }
if (!exists("xmax")) {
	xmax = dmax
	if (timedout > 0 && giveup == giveup) { xmax = max2(xmax, giveup) }
	if (apptimedout > 0 && appto == appto) { xmax = max2(xmax, appto) }
	xmax = xmax * 1.08 + 0.2
}
xmin = -0.02 * xmax
# a bar is at least 1/250 of the axis wide, so that 10 ms bins stay visible
bw = max2(binms / 1000.0, xmax / 250.0)

# the failures as one-bar data sets
set print $fail
if (timedout > 0 && giveup == giveup) { print sprintf("%.6f\t%d\t1", giveup, timedout) }
if (apptimedout > 0 && appto == appto) { print sprintf("%.6f\t%d\t2", appto, apptimedout) }
unset print

set multiplot title title font ",13"
set lmargin at screen 0.09
set rmargin at screen 0.97

# ---- top: histogram --------------------------------------------------------
set tmargin at screen 0.86
set bmargin at screen 0.40
set xrange [xmin:xmax]
set logscale y
set yrange [0.7:ymax * 4]
set format y "%.0f"
set ylabel "attempts per bin (log scale)"
set format x ""
set xlabel ""
set style fill solid 0.85 noborder
set key at screen 0.53, screen 0.905 center center horizontal maxrows 1 noopaque nobox width 1

unset arrow
unset label
do for [i = 1:words(marks)] {
	m = real(word(marks, i))
	if (m <= xmax) {
		set arrow from m, graph 0 to m, graph 1 nohead dt 2 lw 1 lc rgb col_mark back
		set label (words(marklabels) >= i ? word(marklabels, i) : sprintf("SYN %d", i + 1)) at m, graph 0.97 rotate by 90 right offset -0.7, 0 font ",9" tc rgb col_mark
	}
}
if (giveup == giveup && giveup <= xmax) {
	set arrow from giveup, graph 0 to giveup, graph 1 nohead lw 1.5 lc rgb col_timed_out back
	set label "ETIMEDOUT" at giveup, graph 0.97 rotate by 90 right offset -0.7, 0 font ",9" tc rgb col_timed_out
}
if (appto == appto && appto <= xmax) {
	set arrow from appto, graph 0 to appto, graph 1 nohead lw 1.5 lc rgb col_connect_timeout back
	set label "connect timeout" at appto, graph 0.97 rotate by 90 right offset -0.7, 0 font ",9" tc rgb col_connect_timeout
}
if (!exists("target")) { target = NaN }
if (target == target && target <= xmax) {
	set arrow 999 from target, graph 0 to target, graph 1 nohead dt 4 lw 2 lc rgb "#9467bd" front
	set label 999 sprintf("target %g ms", target * 1000) at target, graph 0.5 rotate by 90 center offset -0.8, 0 font ",9" tc rgb "#9467bd"
}

# the plot command is built clause by clause: an empty source would warn
cmd = ""
if (nbins > 0) {
	cmd = cmd . ", in skip 1 using (($1 + binms / 2.0) / 1000.0):2:(bw) with boxes fc rgb col_connected" \
		. " title sprintf('connect() returned: %d (%g ms bins)', connected, binms)"
}
if (timedout > 0 && giveup == giveup) {
	cmd = cmd . ", $fail using ($3 == 1 ? $1 : NaN):2:(bw) with boxes fc rgb col_timed_out" \
		. " title sprintf('timed out: %d (ETIMEDOUT)', timedout)"
}
if (apptimedout > 0 && appto == appto) {
	cmd = cmd . ", $fail using ($3 == 2 ? $1 : NaN):2:(bw) with boxes fc rgb col_connect_timeout" \
		. " title sprintf('connect timeout: %d', apptimedout)"
}
if (words(marks) > 0) {
	cmd = cmd . ", keyentry with lines dt 2 lc rgb col_mark title 'SYN retransmit instants (client profile)'"
}
if (cmd eq "") {
	set label "no attempt connected or failed" at graph 0.5, graph 0.5 center
	cmd = ", NaN notitle"
}
eval "plot " . cmd[3:]

# ---- bottom: share connected by time t -------------------------------------
set tmargin at screen 0.37
set bmargin at screen 0.08
unset logscale y
set yrange [0:1.05]
set ytics 0, 0.25, 1
set format y "%.2f"
set format x "%g"
set ylabel "share of all attempts"
set xlabel "connect time: first SYN to connect() returning (s)"
unset label
if (target == target && target <= xmax) {
	set label 999 sprintf("target %g ms", target * 1000) at target, graph 0.5 rotate by 90 center offset -0.8, 0 font ",9" tc rgb "#9467bd"
}
set key default
set key at graph 0.5, graph 0.5 center center opaque box lc rgb "#bbbbbb" samplen 2
# failures stack on top of the connected share, as steps at their instants
set print $ended
y = frac
print sprintf("%.6f\t%.9f\t0", dmax, y)
if (timedout > 0 && giveup == giveup) {
	print sprintf("%.6f\t%.9f\t1", giveup, y)
	y = y + real(timedout) / attempts
	print sprintf("%.6f\t%.9f\t1", giveup, y)
}
if (apptimedout > 0 && appto == appto) {
	print sprintf("%.6f\t%.9f\t2", appto, y)
	y = y + real(apptimedout) / attempts
	print sprintf("%.6f\t%.9f\t2", appto, y)
}
print sprintf("%.6f\t%.9f\t3", xmax, y)
unset print
cmd = ""
if (nbins > 0) {
	cmd = cmd . ", in skip 1 using (($1 + binms) / 1000.0):($3 * frac) with steps lw 2 lc rgb col_connected" \
		. " title sprintf('connect() returned by t: %.1f%% of attempts in the end', 100 * frac)"
}
if (y > frac + 1e-9) {
	cmd = cmd . ", $ended using 1:2 with lines lw 2 lc rgb col_timed_out" \
		. " title sprintf('returned or failed by t: %.1f%%', 100 * y)"
}
if (cmd eq "") {
	set label "no attempt connected or failed" at graph 0.5, graph 0.5 center
	cmd = ", NaN notitle"
}
eval "plot " . cmd[3:]
unset multiplot
