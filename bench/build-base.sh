#!/bin/sh
# build-base.sh: build tcpqsim as it was at a commit, in a scratch worktree
# beside the work tree (build-bench/base-SHA/, detached), and print the path
# of its binary.  Built once per commit; later calls reuse it.
#
#   sh bench/build-base.sh COMMIT
set -eu
[ $# -eq 1 ] || { echo "usage: sh bench/build-base.sh COMMIT" >&2; exit 2; }
sha=$(git rev-parse --verify --quiet "$1^{commit}") ||
	{ echo "build-base: $1 is not a commit of this repository" >&2; exit 2; }
short=$(git rev-parse --short "$sha")
dir=$(pwd)/build-bench/base-$short
if [ ! -x "$dir/tcpqsim" ]; then
	mkdir -p build-bench
	if [ ! -d "$dir" ]; then
		git worktree add --detach "$dir" "$sha" >&2
	fi
	echo "build-base: building $short in $dir" >&2
	make -C "$dir" -j2 tcpqsim >&2
fi
echo "$dir/tcpqsim"
