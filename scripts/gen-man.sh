#!/bin/sh
# gen-man.sh: write the tcpqsim(1) manual page from the program's own help.
#
#   sh scripts/gen-man.sh ./tcpqsim > build/tcpqsim.1
#
# The page is made from what `tcpqsim help` and `tcpqsim COMMAND --help`
# print (the option tables the program itself answers --help from), so the
# manual and --help cannot drift apart.  Only the framing (name, description,
# files, environment, exit status) is written here, in man/tcpqsim.1.in.
set -eu

bin=${1:?usage: gen-man.sh TCPQSIM}
here=$(cd "$(dirname "$0")/.." && pwd)
version=$("$bin" version | awk '{print $2}')

# roff_help: one help text on stdin as man(7) markup.  "  TERM  TEXT" lines
# (two spaces or more between) become tagged paragraphs; deeper-indented
# lines continue the text of the tag above; "usage:" lines are kept as typed;
# "NAME:" lines become subsections.
roff_help() {
	awk -v sub_prefix="$1" '
	function esc(s) {
		gsub(/\\/, "\\e", s)
		gsub(/-/, "\\-", s)
		return s
	}
	function line_out(s) {
		s = esc(s)
		if (s ~ /^[.\x27]/) s = "\\&" s
		print s
	}
	function close_nf() { if (nf) { print ".fi"; nf = 0 } }
	BEGIN { nf = 0; intag = 0; tagind = 0 }
	/^usage: / || (nf && /^       +[a-z]/) {
		if (!nf) { print ".PP"; print ".nf"; nf = 1; intag = 0 }
		sub(/^usage: /, "")
		sub(/^ +/, "")
		print "\\fB" esc($0) "\\fR"
		next
	}
	{ close_nf() }
	/^[ \t]*$/ { intag = 0; print ".PP"; next }
	/^[A-Za-z][A-Za-z -]*:$/ {
		intag = 0
		t = $0; sub(/:$/, "", t)
		print ".SS \"" sub_prefix esc(t) "\""
		next
	}
	{
		match($0, /^ */)
		ind = RLENGTH
	}
	# a continuation: deeper than the tag it belongs to
	intag && ind > tagind + 2 { sub(/^ +/, ""); line_out($0); next }
	ind >= 1 && ind <= 6 {
		rest = substr($0, ind + 1)
		if (match(rest, /  +/)) {
			term = substr(rest, 1, RSTART - 1)
			desc = substr(rest, RSTART + RLENGTH)
		} else {
			term = rest
			desc = ""
		}
		print ".TP"
		print "\\fB" esc(term) "\\fR"
		if (desc != "") line_out(desc)
		intag = 1
		tagind = ind
		next
	}
	{ intag = 0; line_out($0) }
	END { close_nf() }'
}

sed -e "s/@VERSION@/$version/g" "$here/man/tcpqsim.1.in" | sed -n '1,/^@HELP@$/p' | sed '$d'
# the overview and the list of commands; each command's options follow in
# its own section, from COMMAND --help
"$bin" help | awk '/^[a-z-]+ options:$/ {exit} {print}' | roff_help ""
for cmd in $("$bin" help | awk '/^commands:/ {on = 1; next} on && /^[^ ]/ {on = 0} on && /^  [a-z]/ {print $1}'); do
	case "$cmd" in help | version) continue ;; esac
	if text=$("$bin" "$cmd" --help 2>/dev/null) && [ -n "$text" ]; then
		echo ".SH \"TCPQSIM $(echo "$cmd" | tr a-z A-Z)\""
		printf '%s\n' "$text" | roff_help "$cmd: "
	fi
done
sed -e "s/@VERSION@/$version/g" "$here/man/tcpqsim.1.in" | sed -n '/^@HELP@$/,$p' | sed '1d'
