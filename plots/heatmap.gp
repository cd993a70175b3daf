# heatmap.gp: one metric over two swept parameters, as coloured cells with
# the value written in each.  Reads a sweep's results.csv (swept dotted paths
# first, then METRIC_mean,METRIC_ci95 pairs).  Cells sit at equal spacing in
# the order of the values, so an uneven grid (16, 64, 512) shows as a grid.
#
#   gnuplot -e "in='DIR/results.csv'; out='heat.png'; xparam='server.backlog'; \
#       yparam='clients.arrival.rate_per_s'; metric='connect_time_ms.p99'" plots/heatmap.gp
#
# Variables:
#   in, out, xparam, yparam, metric   required (metric without _mean)
#   sep      field separator: "," (default), or "tab"
#   xvals, yvals   the values in axis order, as words; default: order of
#            first appearance in the file
#   logz     1 for a logarithmic colour scale (all values > 0)
#   fmt      format of the value in each cell (default: "%.0f" from 100 up,
#            else "%.3g")
#   note     second title line
#   title    figure title

if (!exists("w")) { w = 950 }
if (!exists("h")) { h = 700 }
_here = ""
do for [_i = strlen(ARG0):1:-1] { if (_here eq "" && ARG0[_i:_i] eq "/") { _here = ARG0[1:_i] } }
load _here."common.gp"

if (!exists("in") || !exists("xparam") || !exists("yparam") || !exists("metric")) {
	print "heatmap.gp: set in='DIR/results.csv'; xparam='a.b'; yparam='c.d'; metric='m'"
	exit status 2
}
if (!exists("sep")) { sep = "," }
if (!exists("logz")) { logz = 0 }
if (!exists("fmt")) { fmt = "" }
cell(z) = fmt ne "" ? sprintf(fmt, z) : (abs(z) >= 100 ? sprintf("%.0f", z) : sprintf("%.3g", z))
if (!exists("note")) { note = "" }
if (!exists("title")) { title = metric . " over " . xparam . " and " . yparam }
mcol = metric . "_mean"

if (sep eq "tab" || sep eq "\t") { set datafile separator "\t" } else { set datafile separator sep }
set datafile commentschars ""
set datafile columnheaders

_add(list, s) = strstrt(list, '"' . s . '"') > 0 ? list : list . ' "' . s . '"'
if (!exists("xvals")) {
	xvals = ""
	stats in using (xvals = _add(xvals, strcol(xparam)), 0) nooutput
}
if (!exists("yvals")) {
	yvals = ""
	stats in using (yvals = _add(yvals, strcol(yparam)), 0) nooutput
}
nx = words(xvals)
ny = words(yvals)

# cells: column, row, value
set table $cells
plot in using (index_of(strcol(xparam), xvals)):(index_of(strcol(yparam), yvals)):(column(mcol)) with table
unset table
set datafile separator whitespace
set datafile nocolumnheaders
set datafile commentschars "#"
stats $cells using 3 nooutput
zmin = STATS_min
zmax = STATS_max
if (logz && zmin <= 0) { logz = 0 }
zmid = logz ? sqrt(zmin * zmax) : (zmin + zmax) / 2.0
# dark cells get white text
textcol(z) = z < zmid ? 0xffffff : 0x000000

set xrange [0.5:nx + 0.5]
set yrange [0.5:ny + 0.5]
set xtics () scale 0
set ytics () scale 0
do for [i = 1:nx] { set xtics add (word(xvals, i) i) }
do for [i = 1:ny] { set ytics add (word(yvals, i) i) }
if (nx > 8) { set xtics rotate by -30 left }
set grid noxtics noytics
set border 0
set xlabel xparam
set ylabel yparam
set cblabel metric . " (mean)"
# viridis
set palette defined (0 "#440154", 1 "#3b528b", 2 "#21918c", 3 "#5ec962", 4 "#fde725")
if (logz) { set logscale cb }
if (zmin == zmax) { set cbrange [zmin - 0.5:zmax + 0.5] } else { set cbrange [zmin:zmax] }
set title (nonempty(note) ? title . "\n" . note : title) font ",13"
unset key
set style fill solid 1.0 noborder
fsize = (nx <= 8 && ny <= 12) ? ",10" : ",8"
plot $cells using 1:2:(0.5):(0.5):3 with boxxyerror fc palette, \
	$cells using 1:2:(nx * ny <= 200 ? cell($3) : ""):(textcol($3)) with labels tc rgb variable font fsize
