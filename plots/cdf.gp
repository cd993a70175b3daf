# cdf.gp: connect-time CDFs overlaid: a measurement and one or more
# simulated runs or sweep points (written by tcpqsim compare --plot).  Reads
# a tab-separated file: a header row "t_s" then one name per curve, then one
# row per time (s) with each curve's share of its connected attempts that had
# connected by then.
#
#   gnuplot -e "in='DIR/cdf.tsv'; out='cdf.png'" plots/cdf.gp
#
# Variables:
#   in, out   required
#   ncurves   curves in the file (default 2)
#   note      second title line (e.g. the KS distances)
#   logx      1 for a logarithmic time axis (from 0.1 ms)
#   title     figure title

if (!exists("w")) { w = 1000 }
if (!exists("h")) { h = 620 }
_here = ""
do for [_i = strlen(ARG0):1:-1] { if (_here eq "" && ARG0[_i:_i] eq "/") { _here = ARG0[1:_i] } }
load _here."common.gp"

if (!exists("in")) { print "cdf.gp: set in='DIR/cdf.tsv'"; exit status 2 }
if (!exists("ncurves")) { ncurves = 2 }
if (!exists("note")) { note = "" }
if (!exists("logx")) { logx = 0 }
if (!exists("title")) { title = "Connect time: measured and simulated" }

set datafile separator "\t"
set title title.(note eq "" ? "" : "\n".note)
set xlabel "connect time (s)"
set ylabel "share of the connected attempts"
set yrange [0:1.02]
set key bottom right
if (logx) { set logscale x; set xrange [0.0001:*] } else { set xrange [0:*] }
# the measurement black and thick, the simulations in colour
plot in using 1:2 with steps lw 3 lc rgb "#000000" title columnhead(2), \
     for [i=3:ncurves+1] in using 1:i with steps lw 1.8 lc (i - 2) title columnhead(i)
