#!/bin/sh
# check-layers.sh: every #include of the project runs one way, app -> models
# -> sim (make layers, part of make test).
#
#   sh scripts/check-layers.sh [ROOT]   check the tree at ROOT (default .)
#   sh scripts/check-layers.sh --self-test
#                                        plant a wrong-way include in a scratch
#                                        copy and show that both this check and
#                                        the compiler's include roots refuse it
#
# A file of layer L may include only headers of L and of the layers below it:
#   sim/, tests/sim/        sim/
#   models/, tests/models/  sim/ models/
#   app/, tests/app/, tools/, fuzz/, web/   sim/ models/ app/
# and never a relative path that climbs out of its folder ("../").
set -eu

check_tree() {
	root=$1
	status=0
	for dir in sim models app tests/sim tests/models tests/app tools fuzz web; do
		[ -d "$root/$dir" ] || continue
		case $dir in
		sim | tests/sim) allowed="sim" ;;
		models | tests/models) allowed="sim models" ;;
		*) allowed="sim models app" ;;
		esac
		for f in $(find "$root/$dir" -name '*.[ch]' | sort); do
			# every quoted include with a folder in it
			grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/' "$f" 2>/dev/null |
				while IFS= read -r line; do
					path=$(printf '%s\n' "$line" | sed 's/^[^"]*"\([^"]*\)".*$/\1/')
					top=${path%%/*}
					ok=0
					case $path in
					*../*) ok=0 ;;
					*) for a in $allowed; do [ "$top" = "$a" ] && ok=1; done ;;
					esac
					if [ $ok = 0 ]; then
						echo "${f#"$root"/}:${line%%:*}: wrong-way include \"$path\" (layer $dir may include only: $allowed)"
					fi
				done
		done
	done | {
		bad=0
		while IFS= read -r msg; do
			echo "layers: $msg" >&2
			bad=1
		done
		exit $bad
	} || status=1
	return $status
}

if [ "${1:-}" = --self-test ]; then
	build=${BUILD:-build}
	cc=${CC:-cc}
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpqsim-layers.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# 1. the check accepts the tree as it is, and refuses each planted
	#    wrong-way include
	check_tree . || { echo "layers: self-test: the tree itself fails the check" >&2; exit 1; }
	for plant in "sim:models/world.h" "sim:app/config.h" "models:app/config.h" \
	             "tests/sim:models/world.h" "models:../app/config.h"; do
		dir=${plant%%:*}
		inc=${plant#*:}
		rm -rf "$tmp/tree"
		mkdir -p "$tmp/tree/$dir"
		printf '#include "%s"\n' "$inc" >"$tmp/tree/$dir/planted.c"
		if check_tree "$tmp/tree" 2>/dev/null; then
			echo "layers: self-test: a wrong-way include of $inc in $dir/ was not caught" >&2
			exit 1
		fi
	done
	# 2. the compiler's include roots refuse a wrong-way include too: an
	#    engine file cannot even find a model header or a program header
	for plant in "sim:models/world.h" "sim:app/config.h" "models:app/config.h"; do
		layer=${plant%%:*}
		inc=${plant#*:}
		printf '#include "%s"\nint planted;\n' "$inc" >"$tmp/planted.c"
		if $cc -fsyntax-only -I"$build/inc/$layer" "$tmp/planted.c" 2>/dev/null; then
			echo "layers: self-test: $layer/ compiled an include of $inc" >&2
			exit 1
		fi
		# and the right-way include of the same layer does compile
		printf '#include "%s/%s"\nint planted;\n' "sim" "clock.h" >"$tmp/ok.c"
		$cc -fsyntax-only -I"$build/inc/$layer" "$tmp/ok.c" ||
			{ echo "layers: self-test: $layer/ cannot include sim/clock.h" >&2; exit 1; }
	done
	echo "layers: self-test: 5 planted includes refused by the check, 3 by the include roots"
	exit 0
fi

check_tree "${1:-.}" && echo "layers: every include runs app -> models -> sim"
