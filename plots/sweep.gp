# sweep.gp: one metric against one swept parameter, mean with its 95%
# confidence interval as error bars, one line per value of a second swept
# parameter.  Reads a sweep's results.csv: a header row with the swept dotted
# paths first, then METRIC_mean,METRIC_ci95 pairs; one row per point.  The
# ci95 column is the half-width of the interval (mean +- ci95); an empty one
# (a single replication) draws no bar.
#
#   gnuplot -e "in='DIR/results.csv'; out='p99.png'; param='server.backlog'; \
#       metric='connect_time_ms.p99'; by='clients.arrival.rate_per_s'" plots/sweep.gp
#
# Variables:
#   in, out, param, metric   required (metric without its _mean suffix)
#   by       second parameter, one line per value (optional)
#   sep      field separator: "," (default), or "tab"
#   byvals   the values of by to draw, as words ("16 32" or '"a b" "c"');
#            default: every value, in order of first appearance
#   xvals    the values of param, as words (default: order of first appearance);
#            the x axis spans them; with 12 or fewer, the x tics sit at them
#   xcat     1: param is not a number; points sit at equal spacing, in the
#            order of xvals
#   logx, logy   1 for a logarithmic axis
#   target   a target (SLO) value of the metric: a dashed horizontal line
# A metric whose means are all >= 0 (times, counts, fractions) cannot go
# below 0: its confidence intervals are cut at 0 (at the mean itself on a
# logarithmic axis), and the axis starts at 0.
#   note     second title line (e.g. the values the other parameters hold)
#   title    figure title
# Within a line the points are joined in file order: rows sorted by param
# (tcpqsim plot sorts them).

if (!exists("w")) { w = 950 }
if (!exists("h")) { h = 620 }
_here = ""
do for [_i = strlen(ARG0):1:-1] { if (_here eq "" && ARG0[_i:_i] eq "/") { _here = ARG0[1:_i] } }
load _here."common.gp"

if (!exists("in") || !exists("param") || !exists("metric")) {
	print "sweep.gp: set in='DIR/results.csv'; param='a.b'; metric='m'"
	exit status 2
}
if (!exists("by")) { by = "" }
if (!exists("sep")) { sep = "," }
if (!exists("xcat")) { xcat = 0 }
if (!exists("logx")) { logx = 0 }
if (!exists("logy")) { logy = 0 }
if (!exists("note")) { note = "" }
if (!exists("title")) { title = metric . " against " . param }
mcol = metric . "_mean"
ccol = metric . "_ci95"

if (sep eq "tab" || sep eq "\t") { set datafile separator "\t" } else { set datafile separator sep }
set datafile commentschars ""
set datafile columnheaders

# distinct values, in order of first appearance: '"v1" "v2" ...'
_add(list, s) = strstrt(list, '"' . s . '"') > 0 ? list : list . ' "' . s . '"'
if (!exists("byvals")) {
	byvals = ""
	if (nonempty(by)) { stats in using (byvals = _add(byvals, strcol(by)), 0) nooutput }
}
if (!exists("xvals")) {
	xvals = ""
	stats in using (xvals = _add(xvals, strcol(param)), 0) nooutput
}
nlines = nonempty(by) ? words(byvals) : 1

# one table per line: x, mean, half-width
xof(s) = xcat ? index_of(s, xvals) : real(s)
ci(col) = (_c = column(col), _c == _c ? _c : 0)
do for [i = 1:nlines] {
	eval sprintf("set table $line%d", i)
	if (nonempty(by)) {
		plot in using (xof(strcol(param))):(column(mcol)):(ci(ccol)) with table if (strcol(by) eq word(byvals, i))
	} else {
		plot in using (xof(strcol(param))):(column(mcol)):(ci(ccol)) with table
	}
	unset table
}

# the tables are plain whitespace-separated data
set datafile separator whitespace
set datafile nocolumnheaders
set datafile commentschars "#"
lo = 0
hi = 0
do for [i = 1:nlines] {
	stats sprintf("$line%d", i) using 2 nooutput
	lo = min2(lo, STATS_min)
	hi = max2(hi, STATS_max)
}
# a logarithmic axis needs a value above 0: with none, the axis stays linear
if (logy && hi <= 0) {
	logy = 0
	note = note . (nonempty(note) ? "; " : "") . "every value is 0: linear axis"
}
# the lower end of a bar: cut at 0 for a metric that cannot be negative
ylow(m, c) = lo >= 0 ? (m - c > 0 ? m - c : (logy ? m : 0)) : m - c
if (logx) { set logscale x }
if (logy) { set logscale y }
if (xcat) {
	set xtics ()
	if (words(xvals) > 8) { set xtics rotate by -20 left }
	do for [i = 1:words(xvals)] { set xtics add (word(xvals, i) i) }
	set xrange [0.5:words(xvals) + 0.5]
} else {
	if (words(xvals) <= 12) {
		set xtics ()
		do for [i = 1:words(xvals)] { set xtics add (word(xvals, i) real(word(xvals, i))) }
	}
	# the axis spans every swept value, even those without a point drawn
	if (words(xvals) > 0) {
		xlo = real(word(xvals, 1))
		xhi = xlo
		do for [i = 2:words(xvals)] { xlo = min2(xlo, real(word(xvals, i))); xhi = max2(xhi, real(word(xvals, i))) }
		if (xlo == xhi) { xlo = logx ? xlo / 2 : xlo - 1; xhi = logx ? xhi * 2 : xhi + 1 }
		# a margin of 4% of the axis on each side
		if (logx) {
			_m = (xhi / xlo) ** 0.04
			set xrange [xlo / _m:xhi * _m]
		} else {
			_m = 0.04 * (xhi - xlo)
			set xrange [xlo - _m:xhi + _m]
		}
	}
}
if (!logy && lo >= 0) { set yrange [0:*] }
set offsets graph 0.04, graph 0.04, graph 0.05, 0
set xlabel param
set ylabel metric . " (mean, 95% CI)"
set title (nonempty(note) ? title . "\n" . note : title) font ",13"
set key outside bottom center horizontal reverse Left title (nonempty(by) ? "one line per " . by : "") noopaque nobox samplen 2 width 2
set pointsize 1.1
if (!exists("target")) { target = NaN }
plot for [i = 1:nlines] sprintf("$line%d", i) using 1:2:(ylow($2, $3)):($2 + $3) with yerrorlines lw 2 \
	pt (4 + 2 * ((i - 1) % 4)) title (nonempty(by) ? word(byvals, i) : metric), \
	(target == target ? target : NaN) with lines dt 2 lw 2 lc rgb "#d62728" \
	title (target == target ? sprintf("target %g", target) : "")
