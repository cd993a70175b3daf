#!/bin/sh
# check-citations.sh: code and docs cite what is in the repository: the
# kernel function and the section of docs/kernels.md, never the research
# notes outside the project (make layers, part of make test).
#
#   sh scripts/check-citations.sh [ROOT]   check the tree at ROOT (default .)
#   sh scripts/check-citations.sh --self-test
#                                          show that a planted citation fails
set -eu

# the name is assembled so that this file does not mention it
notes="KERNEL"".md"

check_tree() {
	root=$1
	hits=$(cd "$root" && grep -rIl --exclude-dir=.git --exclude-dir='build*' --exclude-dir=out -e "$notes" \
		sim models app tests tools fuzz scripts docs configs plots bench README.md Makefile 2>/dev/null || true)
	if [ -n "$hits" ]; then
		for f in $hits; do
			echo "citations: $f cites $notes, a document outside the project; cite the kernel function and docs/kernels.md" >&2
		done
		return 1
	fi
	return 0
}

if [ "${1:-}" = --self-test ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpqsim-citations.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/models"
	echo "/* clean: tcp_conn_request (docs/kernels.md \"Rules\") */" >"$tmp/models/a.c"
	check_tree "$tmp" || { echo "citations: self-test: a clean tree failed" >&2; exit 1; }
	echo "/* see $notes \"Rules\" */" >"$tmp/models/b.c"
	if check_tree "$tmp" 2>/dev/null; then
		echo "citations: self-test: a planted citation passed" >&2
		exit 1
	fi
	exit 0
fi
check_tree "${1:-.}"
