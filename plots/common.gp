# common.gp: what every tcpqsim figure shares (loaded by the other scripts).
#
# Variables (set with gnuplot -e "..." before the script runs):
#   out    output file (required)
#   term   "png" or "svg"; default: from the extension of out
#   w, h   size in pixels (each script sets its own default first)
# PNG uses the pngcairo terminal, or png when this gnuplot lacks cairo.
# Text is not "enhanced": underscores in names such as timed_out print as is.

if (!exists("out") || out eq "") {
	print "common.gp: set out='FILE.png' or out='FILE.svg'"
	exit status 2
}
if (!exists("term")) {
	term = (strlen(out) > 4 && out[strlen(out)-3:] eq ".svg") ? "svg" : "png"
}
if (!exists("w")) { w = 1000 }
if (!exists("h")) { h = 650 }

if (term eq "svg") {
	set terminal svg size w,h fixed noenhanced font "DejaVu Sans,12" background rgb "white"
} else {
	if (strstrt(GPVAL_TERMINALS, " pngcairo ") > 0) {
		set terminal pngcairo size w,h noenhanced font "DejaVu Sans,11" background rgb "white"
	} else {
		set terminal png size w,h noenhanced background rgb "white"
	}
}
set output out

set encoding utf8
set grid xtics ytics lt 1 lc rgb "#e8e8e8" lw 1 dt solid
set border 3 lc rgb "#444444"
set tics nomirror out scale 0.6
set key opaque box lc rgb "#bbbbbb" samplen 2 spacing 1.1

# One colour per outcome, the same in every figure.
col_connected = "#2ca02c"
col_timed_out = "#d62728"
col_refused = "#ff7f0e"
col_connect_timeout = "#9467bd"
col_reset_after_connect = "#8c564b"
col_read_timeout = "#e6ab02"
col_timed_out_after_connect = "#7f0000"
col_in_progress = "#7f7f7f"
outcome_colour(name) = exists("col_".name) ? value("col_".name) : "#17becf"
col_syn_queue = "#1f77b4"
col_accept_queue = "#d62728"
col_mark = "#666666"
col_stall = "#fde0c5"

# nonempty(s): s is set and not blank
nonempty(s) = strlen(s) > 0 && s ne " "
# index_of(s, list): position (from 1) of word s in list, or NaN
index_of(s, list) = _index_of(s, list, 1)
_index_of(s, list, i) = i > words(list) ? NaN : (word(list, i) eq s ? i : _index_of(s, list, i + 1))
max2(a, b) = a > b ? a : b
min2(a, b) = a < b ? a : b
# nice_ceil(x): x rounded up to 1, 2 or 5 times a power of ten
nice_ceil(x) = x <= 0 ? 1 : _nice(x, 10 ** floor(log10(x)))
_nice(x, p) = x <= p ? p : (x <= 2 * p ? 2 * p : (x <= 5 * p ? 5 * p : 10 * p))
# line colours for figures with one line per value (Tableau 10)
set linetype 1 lc rgb "#1f77b4" lw 1.5
set linetype 2 lc rgb "#ff7f0e" lw 1.5
set linetype 3 lc rgb "#2ca02c" lw 1.5
set linetype 4 lc rgb "#d62728" lw 1.5
set linetype 5 lc rgb "#9467bd" lw 1.5
set linetype 6 lc rgb "#8c564b" lw 1.5
set linetype 7 lc rgb "#e377c2" lw 1.5
set linetype 8 lc rgb "#7f7f7f" lw 1.5
set linetype 9 lc rgb "#bcbd22" lw 1.5
set linetype 10 lc rgb "#17becf" lw 1.5
set linetype cycle 10
