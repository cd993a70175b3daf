# validate-replay.sh: how tools/validate.sh turns a kcheck burst into the
# simulator's twin (sourced by it and by tests/sh/replay.sh): the replay file
# of connect() times and the acceptor's stalls.  docs/validation.md, D5.

# A shifted replay's rate acceptor, as kcheck's ran during the burst
# (tools/kcheck/kc_run.c): kcheck makes the burst from its one thread and
# handles only ready sockets between two connects, so its acceptor takes the
# first connection when it first sees the listener readable (0.1 ms into the
# burst natively, up to 6 ms in the QEMU guest) and the next only after the
# burst, when its timers run again (1.5 ms after the last connect() in the
# guest).  As acceptor stalls: none before the first accept kcheck made, and,
# when the burst outlasts the acceptor's gap, none from just after it to
# kcheck's first accept after the burst's last connect.  Prints a JSON array
# of stalls (empty when kcheck accepted nothing).
burst_stalls() { # ATTEMPTS SHIFT_S RATE_PER_S
	jq -r '"\(.start_s) \(.accepted_s // "-")"' "$1" | sort -g | awk -v d="$2" -v rate="$3" '
		{ st[NR] = $1 + 0; if ($2 != "-") acc[++na] = $2 + 0; n = NR }
		END {
			if (na == 0) { print "[]"; exit }
			for (i = 2; i <= na; i++) for (j = i; j > 1 && acc[j] < acc[j - 1]; j--) {
				t = acc[j]; acc[j] = acc[j - 1]; acc[j - 1] = t
			}
			a = acc[1]; last = st[n]
			printf "[{\"at_s\": 0, \"for_s\": %.9f, \"every_s\": 0}", a + d
			if (a + 1 / rate < last) {
				e = last
				for (i = 2; i <= na; i++) if (acc[i] > last) { e = acc[i]; break }
				printf ", {\"at_s\": %.9f, \"for_s\": %.9f, \"every_s\": 0}", a + d + 1e-6, e - a - 1e-6
			}
			print "]"
		}'
}

# The burst's connect() times as a replay file for the twin, placed on the
# kernel's timer-wheel granules (8 jiffies = 32 ms at HZ 250; the simulator
# counts them from its t = 0).  The kernel's retransmit batches are read off
# the clients that connected on SYN #2 (start_s + connect_ms is when their
# SYN-ACK came back, a little after the wheel fired their batch), and the
# wheel runs a batch newest timer first, so a batch's winners are the last
# connects of that batch.
# First choice, a shift: the times as kcheck made them, all moved by one
# constant so that the simulator's granule ends where the kernel's first batch
# ends (midway between that batch's last winner and the next connect).  It is
# taken (MODE shift) on native kernels (a batch is one granule of connect()
# times) and under QEMU with -icount (the guest's clock follows its
# instructions; docs/validation.md, "What TCG changes"), when every winner
# then falls in the simulator's batch of the same rank and each batch's
# SYN-ACKs came back within half a granule.  It keeps the
# connects' spacing, so the acceptor (which starts at the first connect) meets
# them as kcheck's did.
# Otherwise (MODE place: QEMU without -icount, whose guest's jiffies stall
# while a burst keeps its CPU busy, so that one batch can hold up to 59 ms of
# connect() times), a placement: fires more than 4 ms apart are different batches; every connect
# up to the latest winner of batch b (and after batch b - 1's) had its timer
# in batch b; each batch's connects go, in their order, into the last 16 ms
# (at most their own span) of the granule whose end is the batch's fire time
# minus the 1 s RTO, so that the simulator's wheel fires them together too;
# connects after the last batch go into the next granule.  Whole granules are
# added if that would start the burst before t = 0.
# Prints how many batches were found, the shift of the first connect in s,
# and "shifted" or "placed".
replay_file() { # ATTEMPTS OUT MODE
	jq -r '"\(.start_s) \(if .outcome == "connected" and .syns == 2 then .start_s + .connect_ms / 1000 else "-" end)"' \
		"$1" | sort -g | awk -v g=0.032 -v rto=1.0 -v out="$2" -v mode="${3:-shift}" '
		function ph(x) { return x - g * int(x / g) + (x < 0 ? g : 0) }
		{ st[NR] = $1; fi[NR] = $2; n = NR }
		END {
			# the batches, in order of their fire times
			m = 0
			for (i = 1; i <= n; i++) if (fi[i] != "-") { m++; f[m] = fi[i] + 0; w[m] = st[i] + 0 }
			if (m == 0) {
				for (i = 1; i <= n; i++) printf "%.9f\n", st[i] > out
				print "0 0 shifted"
				exit
			}
			# the shift: winners in start order, a new batch where the fire
			# time jumps by more than half a granule
			nw = 0
			for (i = 1; i <= n; i++) if (fi[i] != "-") {
				x = fi[i] + 0
				if (nw == 0 || x - lastf > g / 2) { nw++; flo[nw] = x; fhi[nw] = x }
				if (x < flo[nw]) flo[nw] = x
				if (x > fhi[nw]) fhi[nw] = x
				wb[i] = nw; z[nw] = i; lastf = x
			}
			c = z[1] < n ? (st[z[1]] + st[z[1] + 1]) / 2 : st[z[1]] + 0.0001
			# the simulator starts a batch at jiffy 6 of 8 (1 s = 250 jiffies,
			# a 1 s timer rounds up to the next multiple of 8): at ph(-rto)
			p = ph(-rto)
			delta = ph(p - c)
			while (st[1] + delta < 0) delta += g
			ok = 1
			k1 = int((st[z[1]] + delta - p) / g + 1000)
			for (i = 1; i <= n; i++) if (fi[i] != "-")
				if (int((st[i] + delta - p) / g + 1000) - k1 != wb[i] - 1) ok = 0
			# and each batch came back within half a granule
			for (b = 1; b <= nw; b++) if (fhi[b] - flo[b] > g / 2) ok = 0

			if (ok && mode == "shift") {
				for (i = 1; i <= n; i++) printf "%.9f\n", st[i] + delta > out
				print nw, delta, "shifted"
				exit
			}
			# the placement
			for (i = 2; i <= m; i++) for (j = i; j > 1 && f[j] < f[j - 1]; j--) {
				t = f[j]; f[j] = f[j - 1]; f[j - 1] = t; t = w[j]; w[j] = w[j - 1]; w[j - 1] = t
			}
			nb = 0
			for (i = 1; i <= m; i++) {
				if (nb == 0 || f[i] - last > 0.004) { nb++; F[nb] = f[i]; B[nb] = w[i] }
				else if (w[i] > B[nb]) B[nb] = w[i]
				last = f[i]
			}
			# the kernel granule edge: the earliest fire phase around the first
			p0 = ph(F[1]); d = 0
			for (b = 1; b <= nb; b++) { x = ph(ph(F[b]) - p0 + g / 2) - g / 2; if (x < d) d = x }
			edge = ph(p0 + d)
			shift = ph(g - edge)
			for (b = 1; b <= nb; b++) {
				E[b] = edge + g * int((F[b] - edge) / g + 0.5)
				if (b > 1 && E[b] < E[b - 1] + g) E[b] = E[b - 1] + g
			}
			E[nb + 1] = E[nb] + g; B[nb + 1] = st[n] + 1
			i = 1
			for (b = 1; b <= nb + 1; b++) {
				lo = i
				while (i <= n && (st[i] <= B[b] || b == nb + 1)) i++
				k = i - lo
				if (k == 0) continue
				span = st[i - 1] - st[lo]; if (span > 0.016) span = 0.016
				from = E[b] - rto - 0.004 - span
				for (j = lo; j < i; j++)
					tt[j] = from + (k > 1 ? span * (j - lo) / (k - 1) : 0) + shift
			}
			lift = tt[1] < 0 ? g * (int(-tt[1] / g) + 1) : 0
			for (j = 1; j <= n; j++)
				printf "%.9f\n", tt[j] + lift > out
			print nb, tt[1] + lift - st[1], "placed"
		}' || return 1
}
