# outcomes.gp: the outcome mix over time: attempts settling per second in
# each outcome, stacked.  Reads a run's series.tsv, whose outcome columns
# (connected, timed_out, refused, ...) are cumulative counts; the rate over
# each sampling interval is the difference of two samples divided by the
# interval.  An attempt settles when its outcome is known: a "hold" attempt
# when connect() returns, a "request" attempt when the server's answer
# arrives, a failed one when connect() fails.
#
#   gnuplot -e "in='out/default/series.tsv'; out='outcomes.png'" plots/outcomes.gp
#
# Optional variables:
# The time axis ends soon after the last attempt settled; over long runs
# consecutive intervals are merged so that about 150 bars show.
#
#   stalls    stall windows as "start end start end ..." in seconds
#   title     figure title
# An attempt that moves from connected to reset_after_connect lowers the
# connected count; such a decrease is not drawn (the rate is clamped at 0).

if (!exists("w")) { w = 1000 }
if (!exists("h")) { h = 520 }
_here = ""
do for [_i = strlen(ARG0):1:-1] { if (_here eq "" && ARG0[_i:_i] eq "/") { _here = ARG0[1:_i] } }
load _here."common.gp"

if (!exists("in")) { print "outcomes.gp: set in='DIR/series.tsv'"; exit status 2 }
if (!exists("stalls")) { stalls = "" }
if (!exists("title")) { title = "Outcomes over time" }

set datafile separator "\t"
set datafile commentschars ""
set datafile columnheaders

all = "connected read_timeout reset_after_connect timed_out_after_connect refused connect_timeout timed_out"
stats in using (column(1)) nooutput
tmax = STATS_max
# the sampling interval: between the first two samples (the last sample
# sits at the run's end, off the grid), rounded to 4 significant digits
_t1 = NaN
_t2 = NaN
stats in every ::0::1 using (_t1 != _t1 ? (_t1 = column(1)) : (_t2 = column(1)), 0) nooutput
dt = _t2 == _t2 && _t2 > _t1 ? real(sprintf("%.4g", _t2 - _t1)) : 1
# the outcomes that occur, with their totals
shown = ""
totals = ""
do for [i = 1:words(all)] {
	stats in using (column(word(all, i))) nooutput
	if (STATS_max > 0) {
		shown = shown . " " . word(all, i)
		totals = totals . sprintf(" %d", STATS_max)
	}
}
K = words(shown)
# the time axis ends a little after the last attempt settled (a run goes on
# while SYN-ACKs are retransmitted to clients that gave up long ago)
if (K > 0) {
	_last = -1
	_tend = 0
	settled(k) = sum [j = 1:K] column(word(shown, j))
	stats in using (_v = settled(0), _v > _last ? (_last = _v, _tend = column(1)) : 0, 0) nooutput
	tmax = min2(tmax, _tend * 1.05 + 2 * dt)
}
# at most about 150 bars: every agg-th sample (differences of cumulative
# counts over agg intervals are the counts of the longer interval)
agg = max2(1, int(nice_ceil(tmax / 150.0) / dt + 0.5))
dt = dt * agg

set xrange [0:tmax]
# stacked rates: the axis starts at 0
set yrange [0:*]
set xlabel sprintf("simulated time (s); rates over %s s intervals", sprintf("%.4g", dt))
set ylabel "attempts settling per second"
set style fill solid 0.9 noborder
set key at screen 0.53, screen 0.875 center center horizontal noopaque nobox samplen 2
set offsets 0, 0, graph 0.05, 0
set tmargin at screen 0.83
set title title font ",13" offset 0, 2.2
unset object
_n = 0
do for [i = 1:words(stalls) - 1:2] {
	_n = _n + 1
	set object _n rect from real(word(stalls, i)), graph 0 to real(word(stalls, i + 1)), graph 1 \
		fc rgb col_stall fs solid 1.0 noborder behind
}

if (K == 0) {
	set label "no attempt settled" at graph 0.5, graph 0.5 center
	set yrange [0:1]
	plot NaN notitle
} else {
	# prev[(k-1)*K + j]: the last sample of outcome j, as seen by the k-th curve
	array prev[K * K]
	do for [i = 1:K * K] { prev[i] = 0 }
	delta(k, j) = (_v = column(word(shown, j)), _d = _v - prev[(k - 1) * K + j], prev[(k - 1) * K + j] = _v, _d > 0 ? _d : 0)
	# curve k is the sum of the rates of outcomes 1..k; drawn from the top
	# down, each covers the one above it but for its own band
	cmd = ""
	do for [k = K:1:-1] {
		cmd = cmd . sprintf(", in every agg using (column(1) - dt):((sum [j=1:%d] delta(%d, j)) / dt) with fillsteps fs solid 1.0 noborder fc rgb outcome_colour(word(shown, %d)) notitle", k, k, k)
	}
	# the key in stacking order, bottom band first
	do for [k = 1:K] {
		cmd = cmd . sprintf(", keyentry with boxes fs solid 1.0 noborder fc rgb outcome_colour(word(shown, %d)) title sprintf('%%s (%%s)', word(shown, %d), word(totals, %d))", k, k, k)
	}
	if (words(stalls) >= 2) {
		cmd = cmd . ", keyentry with boxes fs solid 1.0 noborder fc rgb col_stall title 'accept() stalled'"
	}
	eval "plot " . cmd[3:]
}
