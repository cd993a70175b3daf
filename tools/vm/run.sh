#!/bin/sh
# run.sh: measure scenarios with kcheck on one of Debian's kernels, in a QEMU
# guest, and bring the results out.
#
# Usage: sh tools/vm/run.sh KERNEL OUT SCENARIO.json...
#   KERNEL  5.10, 6.1 or 6.12 (tools/vm/fetch.sh says which Debian release)
#   OUT     results: OUT/NAME/kernel/{summary.json,attempts.jsonl},
#           OUT/NAME/kcheck.log, OUT/release, OUT/vm.txt (what ran, timings)
# Environment: VM_CACHE (default build/vm), VM_MEM_MB (default 512),
#   VM_MAX_WALL_S (per scenario, default 60), VM_TIMEOUT_S (default 540),
#   VM_APPEND (more kernel
#   arguments, default "mitigations=off": the CPU side-channel mitigations
#   only slow the emulated CPU down and change nothing in TCP),
#   VM_ICOUNT (QEMU's -icount setting, default "shift=0,sleep=off"; empty for
#   none: the guest's clock then follows the host's), CC (default cc).
#
# The guest is Debian's cloud kernel (fetched once, cached under VM_CACHE)
# with an initramfs of busybox (busybox-static), a static kcheck, the
# scenarios and tools/vm/init.sh.  QEMU runs with TCG (software emulation):
# KVM is present on the machines this was written on but aborts ("failed to
# set MSR 0x10a").  It counts instructions (-icount shift=0,sleep=off): the
# guest's clocks advance 1 ns per instruction it executes and jump over its
# idle time, so the guest sees a CPU of a fixed speed (1 GHz, one instruction
# a cycle) whatever the host's load, instead of an emulated CPU that is tens
# of times slower than its clock (docs/validation.md, "What TCG changes").
# The guest's results come out on its second serial port.
# The whole run is bounded: QEMU is killed after 30 s per scenario plus
# VM_MAX_WALL_S per scenario plus 120 s, or VM_TIMEOUT_S (default 540 s) if
# that is sooner (host seconds; kcheck's own cut, VM_MAX_WALL_S, is in the
# guest's seconds).  Temporary files are removed on exit.
#
# Exit: 0 results written; 1 the guest failed or gave no results; 2 misuse or
# a missing tool.
set -eu

say() { printf '%s\n' "vm: $*" >&2; }

[ $# -ge 3 ] || { say "usage: run.sh KERNEL OUT SCENARIO.json..."; exit 2; }
kernel=$1
out=$2
shift 2
cache=${VM_CACHE:-build/vm}
mem=${VM_MEM_MB:-512}
max_wall=${VM_MAX_WALL_S:-60}
append=${VM_APPEND-mitigations=off}
icount=${VM_ICOUNT-shift=0,sleep=off}
CC=${CC:-cc}
here=$(dirname "$0")

for tool in qemu-system-x86_64 busybox cpio gzip xz base64 "$CC"; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ say "needs $tool (make validate installs qemu-system-x86, busybox-static, cpio)"; exit 2; }
done
if ! file -L "$(command -v busybox)" 2>/dev/null | grep -q 'statically linked'; then
	say "needs a static busybox (apt-get install busybox-static)"
	exit 2
fi
for cfg in "$@"; do
	[ -f "$cfg" ] || { say "$cfg: no such scenario file"; exit 2; }
done

root=$(sh "$here/fetch.sh" "$kernel" "$cache")
package=$(cat "$cache/$kernel/package")
vmlinuz=$(ls "$root"/boot/vmlinuz-* | head -n 1)
release=${vmlinuz##*/vmlinuz-}
moddir="$root/lib/modules/$release"
[ -d "$moddir" ] || moddir="$root/usr/lib/modules/$release"

work=$(mktemp -d "${TMPDIR:-/tmp}/tcpqsim-vm.XXXXXX")
qpid=
cleanup() {
	if [ -n "$qpid" ]; then
		kill "$qpid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# A static kcheck: cJSON from Debian's source (libcjson-dev has no static
# library), GSL and libc from their static archives.
mkdir -p "$work/inc/cjson"
cp "$cache/cjson/cJSON.h" "$work/inc/cjson/"
$CC -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -static -I"$work/inc" -I. \
	-pthread -o "$work/kcheck" tools/kcheck/*.c "$cache/cjson/cJSON.c" -lgsl -lgslcblas -lm ||
	{ say "could not link a static kcheck (needs libgsl-dev's libgsl.a and libc6-dev)"; exit 2; }

# The initramfs
ir="$work/initramfs"
mkdir -p "$ir/bin" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/tmp" "$ir/modules" "$ir/scenarios"
cp "$(command -v busybox)" "$ir/bin/busybox"
for app in $(busybox --list); do
	[ "$app" = busybox ] || ln -s busybox "$ir/bin/$app"
done
cp "$here/init.sh" "$ir/init"
chmod 755 "$ir/init"
cp "$work/kcheck" "$ir/kcheck"
for m in inet_diag tcp_diag; do
	f=$(find "$moddir" -name "$m.ko" -o -name "$m.ko.xz" | head -n 1)
	case "$f" in
	"") ;; # built in
	*.xz) xz -dc "$f" >"$ir/modules/$m.ko" ;;
	*) cp "$f" "$ir/modules/$m.ko" ;;
	esac
done
: >"$ir/scenarios/list"
for cfg in "$@"; do
	name=$(basename "$cfg" .json)
	cp "$cfg" "$ir/scenarios/$name.json"
	echo "$name" >>"$ir/scenarios/list"
done
echo "$max_wall" >"$ir/scenarios/max_wall_s"
mknod "$ir/dev/console" c 5 1 2>/dev/null || true
(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.gz"

n=$#
# every scenario's own cut plus 30 s for it and 120 s for the boot and the
# results, but never past VM_TIMEOUT_S (default 540 s: the whole make validate
# KERNEL=... stays under 10 minutes with the twins)
bound=$((n * (max_wall + 30) + 120))
limit=${VM_TIMEOUT_S:-540}
[ "$bound" -le "$limit" ] || bound=$limit
say "booting $package ($release) under QEMU/TCG${icount:+ (icount $icount)}, ${mem} MB, 1 CPU, $n scenario(s), cut after ${bound} s"
t0=$(date +%s)
# -accel tcg: KVM aborts on these machines.  One vCPU: the guest's timing is
# then the emulator's single thread, and the host (2 cores, shared) keeps one.
# -icount needs the single-threaded TCG.
accel="-accel tcg"
[ -z "$icount" ] || accel="-accel tcg,thread=single -icount $icount"
# shellcheck disable=SC2086
nice -n 10 timeout -k 10 "$bound" qemu-system-x86_64 $accel -m "$mem" -smp 1 \
	-nographic -no-reboot -nodefaults -display none \
	-kernel "$vmlinuz" -initrd "$work/initramfs.gz" \
	-append "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=3 $append" \
	-serial "file:$work/console.log" -serial "file:$work/results.b64" \
	</dev/null >"$work/qemu.log" 2>&1 &
qpid=$!
rc=0
wait "$qpid" || rc=$?
qpid=
t1=$(date +%s)
mkdir -p "$out"
cp "$work/console.log" "$out/console.log"
if [ $rc -ne 0 ]; then
	cat "$work/qemu.log" >&2
	[ $rc -eq 124 ] && say "QEMU was cut after ${bound} s"
	say "QEMU exited with status $rc (console: $out/console.log)"
	exit 1
fi
if ! grep -q '^TCPQSIM-RESULTS-END' "$work/results.b64"; then
	tail -n 20 "$work/console.log" >&2
	say "the guest sent no results (console: $out/console.log)"
	exit 1
fi
tr -d '\r' <"$work/results.b64" | sed -n '/^TCPQSIM-RESULTS-BEGIN$/,/^TCPQSIM-RESULTS-END$/p' |
	sed '1d;$d' | base64 -d | gzip -dc | tar -xf - -C "$out"
{
	echo "package: $package"
	echo "release: $(cat "$out/release")"
	echo "qemu: $(qemu-system-x86_64 --version | head -n 1), $accel -smp 1 -m $mem"
	echo "guest clocksource: $(cat "$out/clocksource" 2>/dev/null)"
	echo "scenarios: $*"
	echo "wall: $((t1 - t0)) s (boot, $n scenario(s), results out)"
	for cfg in "$@"; do
		name=$(basename "$cfg" .json)
		if [ -f "$out/$name/guest-uptime" ]; then
			awk -v n="$name" '{ printf "  %s: %.1f s in the guest, kcheck exit ", n, $2 - $1 }' \
				"$out/$name/guest-uptime"
			cat "$out/$name/kcheck.rc"
		fi
	done
} >"$out/vm.txt"
cat "$out/vm.txt" >&2
