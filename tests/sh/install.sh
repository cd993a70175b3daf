#!/bin/sh
# install.sh: make install into a scratch PREFIX, then use the installed
# program as a newcomer would: plot from another folder (and after moving the
# whole install), the man page, bash completion of a profile name, sweep
# --list naming the binary by its absolute path, the GNU parallel recipe of
# docs/sweeps.md as written, DESTDIR staging, make uninstall.
#
#   sh tests/sh/install.sh MAKE [MAKE VARIABLES...]    (run by make test)
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tests/sh/lib.sh"
make=${1:?usage: install.sh MAKE [VAR=VALUE...]}
shift
tmp=$(mktemp -d /tmp/tcpqsim-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
prefix=$tmp/prefix
echo "install: make install PREFIX=$prefix"
cd "$here" || exit 1
if ! $make --no-print-directory -s "$@" install PREFIX="$prefix" >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	fail "make install PREFIX=$prefix"
	finish install
	exit 1
fi
ok "make install PREFIX=$prefix"
bin=$prefix/bin/tcpqsim
for f in bin/tcpqsim share/tcpqsim/plots/common.gp share/man/man1/tcpqsim.1 \
	share/bash-completion/completions/tcpqsim share/zsh/site-functions/_tcpqsim \
	share/doc/tcpqsim/docs/schema.md share/tcpqsim/configs/seed-experiment.json; do
	check "installed $f" test -f "$prefix/$f"
done

# plot from another folder, with no plots/ beside it and nothing on PATH
mkdir -p "$tmp/elsewhere"
cd "$tmp/elsewhere" || exit 1
unset TCPQSIM_PLOTS
check "installed run from another folder" \
	"$bin" run "$prefix/share/tcpqsim/configs/seed-experiment.json" -q -o run
check "installed plot from another folder" sh -c "'$bin' plot run >plot.log 2>&1"
check "plot wrote connect_hist.png and queues.svg" test -s run/connect_hist.png -a -s run/queues.svg
# the install moved whole: the scripts are found from the binary's own place
mv "$prefix" "$tmp/moved"
rm -f run/*.png run/*.svg
check "plot after moving the install to another folder" sh -c "'$tmp/moved/bin/tcpqsim' plot run >plot.log 2>&1"
check "... wrote connect_hist.png" test -s run/connect_hist.png
mv "$tmp/moved" "$prefix"

# the man page: man -l shows it, and it names every option --help names
man_text=$(MANWIDTH=120 man -l "$prefix/share/man/man1/tcpqsim.1" 2>"$tmp/man.err" | col -b)
check "man -l shows tcpqsim(1)" sh -c 'printf "%s" "$1" | grep -q "^TCPQSIM(1)"' _ "$man_text"
check "man -l: no warnings" test ! -s "$tmp/man.err"
missing=""
for o in $("$bin" help | grep -oE '(^|[ ,[])--[a-z][-a-z0-9]*' | sed 's/^[ ,[]//' | sort -u); do
	printf '%s\n' "$man_text" | grep -q -- "$o" || missing="$missing $o"
done
check "the man page names every option of tcpqsim help${missing:+ (missing:$missing)}" test -z "$missing"
check "man finds the page through MANPATH" sh -c "MANPATH='$prefix/share/man' man -w tcpqsim | grep -q '$prefix'"

# bash completion, non-interactively: the installed script, the installed
# binary on PATH
comp() {
	PATH="$prefix/bin:$PATH" bash -c '
	. "$1"; shift
	COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
	_tcpqsim
	printf "%s\n" "${COMPREPLY[@]}"' _ "$prefix/share/bash-completion/completions/tcpqsim" "$@"
}
check "bash completion: tcpqsim profiles linux-6.1<TAB> offers linux-6.12 and linux-6.18" \
	sh -c '[ "$(echo "$1" | grep -c .)" = 3 ] && echo "$1" | grep -qx linux-6.12 && echo "$1" | grep -qx linux-6.18' _ "$(comp tcpqsim profiles linux-6.1)"
check "bash completion: --set server.kernel=linux-2<TAB> completes linux-2.6.32" \
	sh -c '[ "$1" = server.kernel=linux-2.6.32 ]' _ "$(comp tcpqsim run x.json --set server.kernel=linux-2)"
check "bash completion: tcpqsim swe<TAB> completes sweep" sh -c '[ "$1" = sweep ]' _ "$(comp tcpqsim swe)"
check "bash completion: run --trace-c<TAB> completes --trace-conn" \
	sh -c '[ "$1" = --trace-conn ]' _ "$(comp tcpqsim run --trace-c)"
if command -v zsh >/dev/null 2>&1; then
	check "zsh completion parses (zsh -n)" zsh -n "$prefix/share/zsh/site-functions/_tcpqsim"
fi

# sweep --list names the running binary by its absolute path
write_small_sweep "$tmp/work"
cd "$tmp/work" || exit 1
first=$("$bin" sweep configs/sweeps/nginx-backlog-rate.json --list -o out/x | head -1)
check "sweep --list names $bin" test "$first" = "$bin point configs/sweeps/nginx-backlog-rate.json --index 0 -o out/x"

# the GNU parallel recipe of docs/sweeps.md as written, with the installed
# binary typed by its path and no tcpqsim on PATH; hosts holds ":" (this
# machine); /shared is a scratch folder here
if command -v parallel >/dev/null 2>&1; then
	echo ":" >hosts
	doc_block "$here/docs/sweeps.md" 'sshloginfile' |
		sed -e "s|^tcpqsim |'$bin' |" -e "s|/shared/|$tmp/shared/|g" -e 's/parallel /parallel --will-cite /' >recipe.sh
	check "the GNU parallel recipe is in docs/sweeps.md" grep -q -- '--sshloginfile hosts' recipe.sh
	check "the GNU parallel recipe runs as written" sh -c 'PATH=/usr/bin:/bin sh recipe.sh >recipe.log 2>&1'
	"$bin" sweep configs/sweeps/nginx-backlog-rate.json -j 2 -o j2 -q 2>/dev/null
	check "GNU parallel's results.csv equals sweep -j 2's" cmp -s j2/results.csv "$tmp/shared/out/nginx/results.csv"
	check "GNU parallel's results.json equals sweep -j 2's" cmp -s j2/results.json "$tmp/shared/out/nginx/results.json"
else
	fail "GNU parallel is not installed (scripts/deps.sh installs it for make test)"
fi

# DESTDIR stages the same tree under another root; uninstall removes it all
cd "$here" || exit 1
$make --no-print-directory -s "$@" install PREFIX=/usr DESTDIR="$tmp/stage" >/dev/null 2>&1
check "make install DESTDIR=... PREFIX=/usr stages usr/bin/tcpqsim" test -x "$tmp/stage/usr/bin/tcpqsim"
check "make install DESTDIR=... stages the plot scripts" test -f "$tmp/stage/usr/share/tcpqsim/plots/common.gp"
$make --no-print-directory -s "$@" uninstall PREFIX="$prefix" >/dev/null 2>&1
left=$(find "$prefix" -type f 2>/dev/null | head -3)
check "make uninstall removes every installed file${left:+ (left: $left)}" test -z "$left"
finish install
