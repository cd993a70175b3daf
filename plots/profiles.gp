# profiles.gp: one scenario under several kernel profiles, side by side.  One
# column per run: on top its connect-time histogram (log counts) with the
# client's SYN retransmit instants and the attempts that timed out drawn at
# their ETIMEDOUT instant; below, over time, the connections the clients
# believe established against the server's two queues.  The histogram and
# time axes are shared so the columns compare at a glance; socket counts
# keep their own scale.
#
#   gnuplot -e "n=2; dir1='out/k/linux-2.6.32'; dir2='out/k/linux-6.18'; out='k.png'" plots/profiles.gp
#
# Variables, for each run i = 1..n (tcpqsim plot --profiles sets them):
#   dir<i>        the run's folder (connect_hist.tsv, series.tsv); required
#   label<i>      column title (default: the folder)
#   marks<i>      SYN retransmit instants, s ("1 2 3 4 5 7 11")
#   giveup<i>     ETIMEDOUT instant, s
#   connected<i>, timedout<i>, attempts<i>   counts of the run
#   binms<i>      histogram bin width, ms (default 10)
#   nbins<i>      data lines of connect_hist.tsv (0: nothing connected)
#   aqlimit<i>    accept-queue limit (N+1)
# and for the figure: xmax (histogram axis, s), tmax (time axis, s), title.

if (!exists("n")) { print "profiles.gp: set n=2; dir1='...'; dir2='...'"; exit status 2 }
if (!exists("w")) { w = 120 + 380 * n }
if (!exists("h")) { h = 760 }
_here = ""
do for [_i = strlen(ARG0):1:-1] { if (_here eq "" && ARG0[_i:_i] eq "/") { _here = ARG0[1:_i] } }
load _here."common.gp"
if (!exists("title")) { title = "One scenario, several kernel profiles" }

# per-run variables by name
v(name, i, def) = exists(sprintf("%s%d", name, i)) ? value(sprintf("%s%d", name, i)) : def
vs(name, i, def) = exists(sprintf("%s%d", name, i)) ? value(sprintf("%s%d", name, i)) : def
dir(i) = value(sprintf("dir%d", i))
do for [i = 1:n] {
	if (!exists(sprintf("dir%d", i))) { print sprintf("profiles.gp: dir%d is not set", i); exit status 2 }
}

set datafile separator "\t"
# shared ranges
ymax = 1
hx = 0
tx = 0
do for [i = 1:n] {
	set datafile commentschars "#"
	set datafile nocolumnheaders
	binms = v("binms", i, 10.0)
	if (v("nbins", i, 1) > 0) {
		stats dir(i) . "/connect_hist.tsv" skip 1 using 2 nooutput
		ymax = max2(ymax, STATS_max)
		stats dir(i) . "/connect_hist.tsv" skip 1 using 1 nooutput
		hx = max2(hx, (STATS_max + binms) / 1000.0)
	}
	if (v("timedout", i, 0) > 0 && v("giveup", i, NaN) == v("giveup", i, NaN)) {
		ymax = max2(ymax, v("timedout", i, 0))
		hx = max2(hx, v("giveup", i, 0))
	}
	set datafile commentschars ""
	set datafile columnheaders
	stats dir(i) . "/series.tsv" using (column(1)) nooutput
	tx = max2(tx, STATS_max)
}
if (!exists("xmax")) { xmax = hx * 1.08 + 0.2 }
if (!exists("tmax")) { tmax = tx }
bw = xmax / 120.0

left = 0.07
right = 0.985
colw = (right - left) / n

set multiplot title title font ",13"

set style fill solid 0.85 noborder
do for [i = 1:n] {
	# room for each column's own y tics in the lower row
	set lmargin at screen left + (i - 1) * colw + (i > 1 ? 0.035 : 0.0)
	set rmargin at screen left + i * colw - 0.012
	marks = vs("marks", i, "")
	giveup = v("giveup", i, NaN)
	timedout = v("timedout", i, 0)
	attempts = v("attempts", i, 0)
	binms = v("binms", i, 10.0)

	# ---- top: connect time ----
	set datafile commentschars "#"
	set datafile nocolumnheaders
	set tmargin at screen 0.80
	set bmargin at screen 0.50
	set offsets 0, 0, 0, 0
	set xrange [-0.04 * xmax:xmax]
	set logscale y
	set yrange [0.7:ymax * 3]
	set format y (i == 1 ? "%.0f" : "")
	set ylabel (i == 1 ? "attempts per bin (log)" : "")
	set xlabel "connect time (s)"
	set title sprintf("%s\nconnected %d of %d, timed out %d", vs("label", i, dir(i)), \
		v("connected", i, 0), attempts, timedout) font ",11"
	unset arrow
	unset label
	do for [k = 1:words(marks)] {
		m = real(word(marks, k))
		if (m <= xmax) { set arrow from m, graph 0 to m, graph 1 nohead dt 2 lc rgb col_mark back }
	}
	if (giveup == giveup) {
		set arrow from giveup, graph 0 to giveup, graph 1 nohead lw 1.5 lc rgb col_timed_out back
	}
	set print $fail
	if (timedout > 0 && giveup == giveup) { print sprintf("%.6f\t%d", giveup, timedout) }
	unset print
	cmd = ""
	if (v("nbins", i, 1) > 0) {
		cmd = cmd . ", dir(i) . '/connect_hist.tsv' skip 1 using (($1 + binms / 2.0) / 1000.0):2:(bw) with boxes fc rgb col_connected notitle"
	}
	if (timedout > 0 && giveup == giveup) {
		cmd = cmd . ", $fail using 1:2:(bw) with boxes fc rgb col_timed_out notitle"
	}
	unset key
	if (cmd eq "") { cmd = ", NaN notitle" }
	eval "plot " . cmd[3:]

	# ---- bottom: what each side holds ----
	set datafile commentschars ""
	set datafile columnheaders
	unset key
	unset title
	unset arrow
	set tmargin at screen 0.38
	set bmargin at screen 0.08
	set xrange [0:tmax]
	unset logscale y
	# each column its own scale: a few sockets next to hundreds would vanish
	set yrange [0:*]
	set offsets 0, 0, graph 0.08, 0
	set format y "%g"
	set ylabel (i == 1 ? "sockets" : "")
	set xlabel "simulated time (s)"
	plot dir(i) . "/series.tsv" using (column(1)):(column("client_established")) with lines lw 4 lc rgb col_connected notitle, \
		"" using (column(1)):(column("accept_queue")) with lines lw 1.5 lc rgb col_accept_queue notitle, \
		"" using (column(1)):(column("syn_queue")) with lines lw 1.5 lc rgb col_syn_queue notitle
}

# ---- the legend, across the whole width ----
set lmargin at screen 0.05
set rmargin at screen 0.95
set tmargin at screen 0.935
set bmargin at screen 0.875
unset border
unset tics
unset xlabel
unset ylabel
unset title
unset grid
unset arrow
set xrange [0:1]
set yrange [0:1]
set key center center horizontal maxrows 2 noopaque nobox samplen 2 width 2
plot -1 with lines notitle, \
	keyentry with boxes fc rgb col_connected title "connected (histogram)", \
	keyentry with boxes fc rgb col_timed_out title "timed out, at ETIMEDOUT", \
	keyentry with lines dt 2 lc rgb col_mark title "SYN retransmits (client profile)", \
	keyentry with lines lw 4 lc rgb col_connected title "client sockets ESTABLISHED", \
	keyentry with lines lw 1.5 lc rgb col_accept_queue title "server accept queue", \
	keyentry with lines lw 1.5 lc rgb col_syn_queue title "server SYN queue"
unset multiplot
