#!/bin/sh
# fetch.sh: fetch Debian's cloud kernel of one release and cJSON's source,
# with apt-get, into a cache folder.  It uses a private apt state under the
# cache (its own sources list, lists and archives), so the machine's own apt
# sources are neither read for this nor changed.
#
# Usage: sh tools/vm/fetch.sh KERNEL CACHE
#   KERNEL  5.10 (Debian 11 bullseye), 6.1 (12 bookworm) or 6.12 (13 trixie):
#           the first two columns of tools/vm/kernels
#   CACHE   folder for the apt state and the unpacked packages
# Prints the unpacked kernel's folder (CACHE/KERNEL/root) on stdout, after
# writing CACHE/KERNEL/package (the package name and version) there.
# A second call with the package already unpacked does no network access.
set -eu

say() { printf '%s\n' "vm-fetch: $*" >&2; }

[ $# -eq 2 ] || { say "usage: fetch.sh KERNEL CACHE"; exit 2; }
kernel=$1
cache=$2
# tools/vm/kernels: KERNEL SUITE PROFILE RULES
suite=$(awk -v k="$kernel" '$1 == k { print $2 }' "$(dirname "$0")/kernels")
if [ -z "$suite" ]; then
	say "KERNEL: expected one of $(awk '!/^#/ { printf "%s ", $1 }' "$(dirname "$0")/kernels")got '$kernel'"
	exit 2
fi

dir="$cache/$kernel"
if [ -f "$dir/package" ] && [ -d "$dir/root/boot" ] && [ -f "$cache/cjson/cJSON.c" ]; then
	echo "$dir/root"
	exit 0
fi

apt_dir=$(mkdir -p "$cache/apt" && cd "$cache/apt" && pwd)
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/etc/preferences.d"
# One private apt state per suite: the lists of one never mix with another's.
# apt_for SUITE sets APT and APTCACHE to apt-get and apt-cache on that state.
apt_for() {
	sl="$apt_dir/$1.list"
	{
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $1 main"
		echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $1 main"
	} >"$sl"
	mkdir -p "$apt_dir/state-$1/lists/partial" "$apt_dir/cache-$1/archives/partial"
	APT="apt-get -q -o Dir::Etc::SourceList=$sl -o Dir::Etc::SourceParts=/nonexistent
		-o Dir::Etc::Preferences=/nonexistent -o Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d
		-o Dir::State=$apt_dir/state-$1 -o Dir::State::Lists=$apt_dir/state-$1/lists
		-o Dir::State::status=/dev/null -o Dir::Cache=$apt_dir/cache-$1
		-o APT::Get::List-Cleanup=false -o Debug::NoLocking=true -o APT::Sandbox::User=root"
	APTCACHE=$(echo "$APT" | sed 's/^apt-get -q/apt-cache/')
}
apt_for "$suite"

tmp="$dir.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

say "updating the $suite package lists (private apt state in $apt_dir)"
# shellcheck disable=SC2086
$APT update >&2

# The metapackage names the current ABI's image: linux-image-6.1.0-NN-cloud-amd64
# shellcheck disable=SC2086
image=$($APTCACHE depends linux-image-cloud-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\(-unsigned\)\{0,1\}\)$/\1/p' | head -n 1)
[ -n "$image" ] || { say "no linux-image-cloud-amd64 in $suite"; exit 1; }
# shellcheck disable=SC2086
version=$($APTCACHE show "$image" | sed -n 's/^Version: //p' | head -n 1)

rm -rf "$tmp"
mkdir -p "$tmp/root"
say "downloading $image $version"
# shellcheck disable=SC2086
(cd "$tmp" && $APT download "$image" >&2)
dpkg-deb -x "$tmp"/*.deb "$tmp/root"
rm -f "$tmp"/*.deb
echo "$image $version ($suite)" >"$tmp/package"

# cJSON's source, so that kcheck links statically (libcjson-dev ships no .a):
# bookworm's, the release of the machine's libcjson-dev (whichever kernel is
# fetched first: bullseye's source package is no longer on the mirror).
if [ ! -f "$cache/cjson/cJSON.c" ]; then
	if [ "$suite" != bookworm ]; then
		apt_for bookworm
		say "updating the bookworm package lists for cJSON's source"
		# shellcheck disable=SC2086
		$APT update >&2
	fi
	mkdir -p "$tmp/src"
	# shellcheck disable=SC2086
	(cd "$tmp/src" && $APT source --download-only cjson >&2)
	mkdir -p "$tmp/cjson"
	tar -xf "$tmp"/src/cjson_*.orig.tar.* -C "$tmp/cjson" --strip-components=1
	# Debian's patches too (security fixes), in the order of their series
	tar -xf "$tmp"/src/cjson_*.debian.tar.* -C "$tmp/cjson"
	if [ -f "$tmp/cjson/debian/patches/series" ]; then
		grep -v '^#' "$tmp/cjson/debian/patches/series" | while read -r p; do
			[ -n "$p" ] || continue
			patch -s -d "$tmp/cjson" -p1 <"$tmp/cjson/debian/patches/$p" >&2
		done
	fi
	rm -rf "$cache/cjson"
	mkdir -p "$cache/cjson"
	cp "$tmp/cjson/cJSON.c" "$tmp/cjson/cJSON.h" "$tmp/cjson/LICENSE" "$cache/cjson/"
	ls "$tmp"/src/cjson_*.dsc | sed 's,.*/,,' >"$cache/cjson/source"
	rm -rf "$tmp/src" "$tmp/cjson"
fi
rm -rf "$dir"
mv "$tmp" "$dir"
echo "$dir/root"
