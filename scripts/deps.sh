#!/bin/sh
# deps.sh: make sure the Debian packages tcpqsim builds with are installed.
# As root, a missing package is installed with apt-get; otherwise the exact
# command to run is printed and the script fails.  With an argument, it writes
# the pkg-config flags as make variables to that file.
set -eu

need_pkgs=""
# pkg-config module -> Debian package
check_pc() {
	if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$1" 2>/dev/null; then
		need_pkgs="$need_pkgs $2"
	fi
}
check_bin() {
	command -v "$1" >/dev/null 2>&1 || need_pkgs="$need_pkgs $2"
}
check_bin pkg-config pkg-config
check_pc gsl libgsl-dev
check_pc libcjson libcjson-dev
for extra in ${TCPQSIM_EXTRA_DEPS:-}; do
	case "$extra" in
	gnuplot) check_bin gnuplot gnuplot-nox ;;
	parallel) check_bin parallel parallel ;;
	clang) check_bin clang clang ;;
	criterion) check_pc criterion libcriterion-dev ;;
	man) check_bin man man-db; check_bin col bsdextrautils ;;
	zsh) check_bin zsh zsh ;;
	tcpdump) check_bin tcpdump tcpdump ;;
	slurm-wlm) check_bin slurmctld slurm-wlm ;;
	munge) check_bin munged munge ;;
	jq) check_bin jq jq ;;
	qemu) check_bin qemu-system-x86_64 qemu-system-x86 ;;
	busybox-static) [ -f /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
		need_pkgs="$need_pkgs busybox-static" ;;
	cpio) check_bin cpio cpio ;;
	xz) check_bin xz xz-utils ;;
	patch) check_bin patch patch ;;
	file) check_bin file file ;;
	*) need_pkgs="$need_pkgs $extra" ;;
	esac
done

if [ -n "$need_pkgs" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "deps: installing$need_pkgs" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -q $need_pkgs >&2 ||
			{ apt-get update -q >&2 && apt-get install -y -q $need_pkgs >&2; }
	else
		echo "deps: missing Debian packages:$need_pkgs" >&2
		echo "deps: run: sudo apt-get update && sudo apt-get install -y$need_pkgs" >&2
		exit 1
	fi
fi

if [ $# -ge 1 ]; then
	tmp="$1.tmp.$$"
	{
		echo "# written by scripts/deps.sh; delete to regenerate"
		echo "PKG_CFLAGS := $(pkg-config --cflags gsl libcjson)"
		echo "PKG_LIBS := $(pkg-config --libs gsl libcjson)"
	} >"$tmp"
	mv "$tmp" "$1"
fi
