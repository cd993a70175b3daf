#!/bin/sh
# web-deps.sh: what the browser classroom (make web) and its tests need.
#
#   sh scripts/web-deps.sh DIR           emscripten, then GSL and cJSON built
#                                        for WebAssembly into DIR (lib/, include/)
#   sh scripts/web-deps.sh --test DIR    also Chromium and playwright-core
#                                        (npm, into DIR/node_modules)
#
# Debian packages come from apt-get (as root; otherwise the exact command is
# printed and the script fails, as scripts/deps.sh does).  GSL and cJSON come
# from Debian's source packages (through a private apt state; /etc/apt unchanged):
# `apt-get source --download-only`, the upstream tarball unpacked, and only the
# parts tcpqsim links compiled with emcc (GSL's rng, randist, cdf, roots,
# specfunc and their helpers: about 2 minutes on 2 cores, once).  Everything
# lands in DIR and is reused while DIR/stamp says it is complete.
set -eu

test_deps=0
if [ "${1:-}" = "--test" ]; then
	test_deps=1
	shift
fi
[ $# -eq 1 ] || { echo "usage: sh scripts/web-deps.sh [--test] DIR" >&2; exit 2; }
mkdir -p "$1"
dir=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)

# ---- Debian packages --------------------------------------------------------
need=""
command -v emcc >/dev/null 2>&1 || need="$need emscripten"
command -v node >/dev/null 2>&1 || need="$need nodejs"
if [ $test_deps = 1 ]; then
	command -v chromium >/dev/null 2>&1 || need="$need chromium"
	command -v npm >/dev/null 2>&1 || need="$need npm"
fi
if [ -n "$need" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "web-deps: installing$need" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -o DPkg::Lock::Timeout=600 -y -q $need >&2 ||
			{ apt-get update -q >&2 && apt-get install -o DPkg::Lock::Timeout=600 -y -q $need >&2; }
	else
		echo "web-deps: missing Debian packages:$need" >&2
		echo "web-deps: run: sudo apt-get update && sudo apt-get install -y$need" >&2
		exit 1
	fi
fi

# ---- GSL and cJSON for WebAssembly -----------------------------------------
# emscripten's JS optimizer finds its node modules there (Debian packages them)
NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
export NODE_PATH

if [ ! -f "$dir/stamp" ]; then
	src="$dir/src"
	rm -rf "$src" "$dir/lib" "$dir/include" "$dir/obj"
	mkdir -p "$src" "$dir/lib" "$dir/include/cjson" "$dir/obj"
	# the source packages, of the versions the native build links
	# (libgsl-dev, libcjson-dev), through a private apt state under $dir/apt
	# whose sources are the machine's with deb-src: /etc/apt is read, never
	# changed
	want=""
	for p in libgsl-dev libcjson-dev; do
		v=$(dpkg-query -W -f='${source:Package}=${source:Version}' "$p" 2>/dev/null) || v=""
		want="$want ${v:-$(echo "$p" | sed 's/^lib//; s/-dev$//')}"
	done
	apt_dir=$(mkdir -p "$dir/apt" && cd "$dir/apt" && pwd)
	mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && sed 's/^Types:.*$/Types: deb-src/' "$f" >"$apt_dir/sources.list.d/${f##*/}"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && sed -n 's/^deb \(.*\)$/deb-src \1/p' "$f" >"$apt_dir/sources.list.d/$(echo "${f#/etc/apt/}" | tr / _)"
	done
	APT="apt-get -q -o Dir::Etc::SourceList=/nonexistent -o Dir::Etc::SourceParts=$apt_dir/sources.list.d
		-o Dir::State::Lists=$apt_dir/lists -o Dir::State::status=/dev/null -o Dir::Cache=$apt_dir/cache
		-o Debug::NoLocking=true -o APT::Sandbox::User=$(id -un)"
	echo "web-deps: fetching the source packages$want (private apt state in $apt_dir)" >&2
	# shellcheck disable=SC2086
	$APT update >&2 && (cd "$src" && $APT source --download-only $want >&2) || {
		echo "web-deps: apt-get cannot fetch the source packages$want from the machine's Debian mirrors" >&2
		exit 1
	}
	# the upstream tarballs with Debian's patches (debian/patches/series), as
	# the native libraries were built
	(cd "$src" && for t in gsl_*.orig.tar.* cjson_*.orig.tar.*; do tar xf "$t"; done)
	gsl=$(find "$src" -mindepth 1 -maxdepth 1 -type d -iname 'gsl*' | head -n 1)
	cjson=$(find "$src" -mindepth 1 -maxdepth 1 -type d -iname 'cjson*' | head -n 1)
	[ -n "$gsl" ] && [ -n "$cjson" ] || { echo "web-deps: source tarballs did not unpack" >&2; exit 1; }
	for pair in "$gsl:gsl" "$cjson:cjson"; do
		d=${pair%%:*}
		(cd "$d" && tar xf "$src"/"${pair#*:}"_*.debian.tar.* &&
			if [ -f debian/patches/series ]; then
				sed 's/#.*//' debian/patches/series | while read -r pt _; do
					[ -n "$pt" ] && patch -s -p1 <"debian/patches/$pt"
				done
			fi)
	done

	echo "web-deps: building cJSON for WebAssembly" >&2
	emcc -O2 -c "$cjson/cJSON.c" -o "$dir/obj/cJSON.o"
	cp "$cjson/cJSON.h" "$dir/include/cjson/"
	emar rcs "$dir/lib/libcjson.a" "$dir/obj/cJSON.o"

	echo "web-deps: configuring GSL for WebAssembly" >&2
	# a cross build (emcc's programs cannot run at configure time); i686 has
	# wasm32's type sizes
	(cd "$gsl" && emconfigure ./configure --host=i686-pc-linux-gnu --disable-shared --enable-static -q >/dev/null)
	# the public headers, as GSL's own build links them into gsl/
	mkdir -p "$dir/include/gsl"
	for h in "$gsl"/*/gsl_*.h "$gsl"/gsl_*.h; do
		[ -f "$h" ] && cp "$h" "$dir/include/gsl/"
	done
	# the library parts tcpqsim calls, and the ones those call
	parts="err sys rng randist cdf roots specfunc complex poly"
	echo "web-deps: compiling GSL's $parts" >&2
	list="$dir/obj/list"
	: >"$list"
	for p in $parts; do
		# the sources of each part, as its Makefile.am lists them
		srcs=$(awk '/^libgsl[a-z]*_la_SOURCES *=/ { on = 1; sub(/^[^=]*=/, "") }
			on { c = sub(/\\$/, ""); print; if (!c) on = 0 }' "$gsl/$p/Makefile.am" |
			tr ' \t' '\n\n' | grep '\.c$' || true)
		for f in $srcs; do
			echo "$p $f" >>"$list"
		done
	done
	jobs=$(nproc 2>/dev/null || echo 2)
	[ "$jobs" -gt 2 ] && jobs=2
	GSLSRC=$gsl WEBDEPS=$dir
	export GSLSRC WEBDEPS
	# each line of the list is "PART FILE.c"
	# shellcheck disable=SC2016
	xargs -P "$jobs" -L 1 sh -c 'emcc -O2 -DHAVE_CONFIG_H -I"$GSLSRC" -I"$GSLSRC/$1" -I"$WEBDEPS/include" -w \
		-c "$GSLSRC/$1/$2" -o "$WEBDEPS/obj/$1_${2%.c}.o"' sh <"$list" >&2
	n_obj=$(find "$dir/obj" -name '*.o' | wc -l)
	n_src=$(wc -l <"$list")
	if [ "$n_obj" -lt "$((n_src + 1))" ]; then
		echo "web-deps: GSL did not compile ($n_obj of $((n_src + 1)) objects)" >&2
		exit 1
	fi
	rm -f "$dir/lib/libgsl.a"
	emar rcs "$dir/lib/libgsl.a" $(find "$dir/obj" -name '*.o' ! -name cJSON.o | sort)
	rm -rf "$src" "$dir/obj"
	date -u >"$dir/stamp"
	echo "web-deps: GSL and cJSON for WebAssembly are in $dir" >&2
fi

# ---- the browser test's tools -------------------------------------------------
if [ $test_deps = 1 ] && [ ! -d "$dir/node_modules/playwright-core" ]; then
	echo "web-deps: installing playwright-core (npm, pinned in tests/web/package.json)" >&2
	cp "$root/tests/web/package.json" "$dir/package.json"
	[ -f "$root/tests/web/package-lock.json" ] && cp "$root/tests/web/package-lock.json" "$dir/"
	(cd "$dir" && npm install --no-audit --no-fund --ignore-scripts -q >&2)
fi
