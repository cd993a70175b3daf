# queues.gp: both queue lengths over time with their limits, the stalls of
# the application shaded; below, the client sockets still connecting and
# those that believe they are connected.  Reads a run's series.tsv (header
# line "t_s syn_queue accept_queue client_syn_sent client_established ...";
# columns are found by name, time is the first column).
#
#   gnuplot -e "in='out/default/series.tsv'; out='queues.png'" plots/queues.gp
#
# Optional variables (tcpqsim plot sets them from summary.json):
#   aqlimit   most the accept queue holds (N+1 on Linux), summed over listeners
#   sqlimit   most the SYN queue holds under the profile's rule
#   sqrule    how that limit comes about, e.g. "qlen > N"
#   backlog   N, the effective backlog
#   stalls    stall windows as "start end start end ..." in seconds
#   dt        sampling interval, s (for the axis label)
#   title     figure title

if (!exists("w")) { w = 1000 }
if (!exists("h")) { h = 720 }
_here = ""
do for [_i = strlen(ARG0):1:-1] { if (_here eq "" && ARG0[_i:_i] eq "/") { _here = ARG0[1:_i] } }
load _here."common.gp"

if (!exists("in")) { print "queues.gp: set in='DIR/series.tsv'"; exit status 2 }
if (!exists("aqlimit")) { aqlimit = NaN }
if (!exists("sqlimit")) { sqlimit = NaN }
if (!exists("sqrule")) { sqrule = "" }
if (!exists("backlog")) { backlog = NaN }
if (!exists("stalls")) { stalls = "" }
if (!exists("title")) { title = "Queues" }

# the first line holds the column names
set datafile separator "\t"
set datafile commentschars ""
set datafile columnheaders

stats in using (column(1)) nooutput
tmax = STATS_max
if (!exists("dt")) {
	# between the first two samples (the last one sits at the run's end),
	# rounded to 4 significant digits
	_t1 = NaN
	_t2 = NaN
	stats in every ::0::1 using (_t1 != _t1 ? (_t1 = column(1)) : (_t2 = column(1)), 0) nooutput
	dt = _t2 == _t2 && _t2 > _t1 ? real(sprintf("%.4g", _t2 - _t1)) : 0
}
stats in using (max2(column("syn_queue"), column("accept_queue"))) nooutput
qmax = STATS_max
stats in using (max2(column("client_syn_sent"), column("client_established"))) nooutput
cmax = STATS_max

qtop = qmax
if (aqlimit == aqlimit) { qtop = max2(qtop, aqlimit) }
if (sqlimit == sqlimit) { qtop = max2(qtop, sqlimit) }
qtop = max2(qtop, 1) * 1.1
ctop = max2(cmax, 1) * 1.1

set xrange [0:tmax]
unset object
_n = 0
do for [i = 1:words(stalls) - 1:2] {
	_n = _n + 1
	set object _n rect from real(word(stalls, i)), graph 0 to real(word(stalls, i + 1)), graph 1 \
		fc rgb col_stall fs solid 1.0 noborder behind
}
set multiplot title title font ",13"
set lmargin at screen 0.09
set rmargin at screen 0.97

# ---- top: the server's queues ----------------------------------------------
set tmargin at screen 0.85
set bmargin at screen 0.45
set yrange [0:qtop]
set ylabel "queue length (sockets)"
set format x ""
# keys sit above their panels, where they hide nothing
set key at screen 0.53, screen 0.885 center center horizontal noopaque nobox samplen 2
cmd = ", in using (column(1)):(column('accept_queue')) with lines lw 2 lc rgb col_accept_queue title 'accept queue (Recv-Q)'"
cmd = cmd . ", in using (column(1)):(column('syn_queue')) with lines lw 1.5 lc rgb col_syn_queue title 'SYN queue (SYN_RECV)'"
if (aqlimit == aqlimit) {
	aqt = backlog == backlog ? sprintf("accept queue holds N+1 = %d", aqlimit) : sprintf("accept queue limit %d", aqlimit)
	cmd = cmd . ", aqlimit with lines dt 2 lw 1.5 lc rgb col_accept_queue title aqt"
}
if (sqlimit == sqlimit) {
	sqt = nonempty(sqrule) ? sprintf("SYN queue limit %d (full when %s)", sqlimit, sqrule) : sprintf("SYN queue limit %d", sqlimit)
	cmd = cmd . ", sqlimit with lines dt 3 lw 1.5 lc rgb col_syn_queue title sqt"
}
if (words(stalls) >= 2) {
	cmd = cmd . ", keyentry with boxes fs solid 1.0 noborder fc rgb col_stall title 'accept() stalled'"
}
eval "plot " . cmd[3:]

# ---- bottom: the clients' sockets ------------------------------------------
set tmargin at screen 0.37
set bmargin at screen 0.08
set yrange [0:ctop]
set ylabel "client sockets"
set format x "%g"
set xlabel (dt > 0 ? sprintf("simulated time (s), sampled every %s s", sprintf("%.4g", dt)) : "simulated time (s)")
set key at screen 0.53, screen 0.395 center center horizontal noopaque nobox samplen 2
plot in using (column(1)):(column("client_established")) with lines lw 2 lc rgb col_connected \
		title "ESTABLISHED on the client (connect() returned)", \
	in using (column(1)):(column("client_syn_sent")) with lines lw 1.5 lc rgb col_refused \
		title "SYN_SENT (still connecting)"
unset multiplot
