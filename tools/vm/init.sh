#!/bin/sh
# init.sh: PID 1 of the validation guest (tools/vm/run.sh packs it as /init).
#
# Runs /kcheck on every scenario listed in /scenarios/list, then sends the
# results out on the second serial port (/dev/ttyS1) as a base64 gzip'd tar
# between two marker lines, and reboots (QEMU runs with -no-reboot, so it
# exits).  The console (ttyS0) gets the progress lines.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null

say() { echo "vm-guest: $*"; }

# kcheck reads the listener's SYN queue with NETLINK_SOCK_DIAG: Debian builds
# inet_diag and tcp_diag as modules, and nothing here autoloads them.
for m in inet_diag tcp_diag; do
	if [ -f "/modules/$m.ko" ]; then
		insmod "/modules/$m.ko" || say "insmod $m failed"
	fi
done

max_wall=$(cat /scenarios/max_wall_s)
say "kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU(s)," \
	"$(sed -n 's/^MemTotal: *//p' /proc/meminfo), max wall ${max_wall} s per scenario"
mkdir -p /out
echo "$(uname -r)" >/out/release
cat /sys/devices/system/clocksource/clocksource0/current_clocksource >/out/clocksource 2>/dev/null
say "clocksource $(cat /out/clocksource 2>/dev/null)"
while read -r name; do
	[ -n "$name" ] || continue
	mkdir -p "/out/$name"
	t0=$(cut -d' ' -f1 /proc/uptime)
	say "=== $name: start at ${t0} s"
	/kcheck "/scenarios/$name.json" -o "/out/$name/kernel" --max-wall-s "$max_wall" --attempts \
		>"/out/$name/kcheck.log" 2>&1
	rc=$?
	echo "$rc" >"/out/$name/kcheck.rc"
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "$t0 $t1" >"/out/$name/guest-uptime"
	say "=== $name: kcheck exit $rc at ${t1} s"
	[ $rc -eq 0 ] || cat "/out/$name/kcheck.log"
done </scenarios/list

say "sending the results"
{
	echo "TCPQSIM-RESULTS-BEGIN"
	(cd /out && tar -cf - .) | gzip -c | base64
	echo "TCPQSIM-RESULTS-END"
} >/dev/ttyS1
sync
say "done"
reboot -f
