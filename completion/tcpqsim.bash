# bash completion for tcpqsim: commands, options, kernel profile names and
# scenario files.  The words come from the program itself (tcpqsim help,
# tcpqsim COMMAND --help, tcpqsim profiles), so they follow the installed
# version.  Installed by `make install` as
# PREFIX/share/bash-completion/completions/tcpqsim.

# the program being completed: the word typed, else tcpqsim on PATH
_tcpqsim_prog()
{
	local p=${COMP_WORDS[0]}
	p=${p/#\~/$HOME}
	if [[ $p == */* && -x $p ]] || command -v -- "$p" >/dev/null 2>&1; then
		printf '%s\n' "$p"
	else
		printf 'tcpqsim\n'
	fi
}

_tcpqsim_commands()
{
	"$1" help 2>/dev/null | awk '/^commands:/ {on = 1; next} on && /^[^ ]/ {on = 0} on && /^  [a-z]/ {print $1}'
}

# every option the help of one command names
_tcpqsim_options()
{
	{
		"$1" "$2" --help 2>/dev/null
		"$1" help 2>/dev/null | awk -v c="$2" '$0 ~ "^" c " options:" {on = 1; next} /^[^ ]/ {on = 0} on'
		"$1" help 2>/dev/null | awk -v c="$2" '$1 == c {print}'
	} | grep -oE '(^|[ ,[])--?[A-Za-z][-A-Za-z0-9]*' | sed 's/^[ ,[]//' | sort -u
}

_tcpqsim_profiles()
{
	"$1" profiles 2>/dev/null | awk 'NR > 1 && NF {print $1}'
}

_tcpqsim()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog
	prog=$(_tcpqsim_prog)
	COMPREPLY=()
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "$(_tcpqsim_commands "$prog") --help --version" -- "$cur"))
		return 0
	fi
	local cmd=${COMP_WORDS[1]}
	case $prev in
	-o | --out | --proc)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	--profiles)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	--pcap | --before | --after | --ss | --captures)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return 0
		;;
	--release | --seed | --index | -j | --jobs | --replications | --ss-at | --trace-from | --trace-to | --trace-conn | \
		--conn | --max-memory | --speed | --interval | --until | --top | --tol-* | --ks-bin-ms)
		return 0
		;;
	esac
	# --set PATH=VALUE: profile names after server.kernel= or clients...kernel=
	# (interactive bash splits "server.kernel=linux" at the "=": words
	# "server.kernel" "=" "linux")
	if ((COMP_CWORD >= 3)) && [[ $cur == = || $prev == = ]]; then
		local key=${COMP_WORDS[COMP_CWORD - 1]}
		[[ $cur == = ]] && cur=
		[[ $prev == = ]] && key=${COMP_WORDS[COMP_CWORD - 2]}
		if [[ $key == *kernel ]]; then
			COMPREPLY=($(compgen -W "$(_tcpqsim_profiles "$prog")" -- "$cur"))
			return 0
		fi
	fi
	if [[ ($prev == --set || $prev == -s) && $cur == *kernel=* ]]; then
		local key=${cur%%=*}
		COMPREPLY=($(compgen -P "$key=" -W "$(_tcpqsim_profiles "$prog")" -- "${cur#*=}"))
		return 0
	fi
	if [[ $prev == --set || $prev == -s ]]; then
		COMPREPLY=($(compgen -W "server.kernel= clients.kernel= server.backlog= seed= duration_s=" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return 0
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_tcpqsim_options "$prog" "$cmd")" -- "$cur"))
		return 0
	fi
	case $cmd in
	profiles)
		COMPREPLY=($(compgen -W "$(_tcpqsim_profiles "$prog")" -- "$cur"))
		;;
	run | explain | watch | analytic | sweep | point | solve)
		# scenario and sweep files: *.json, and folders to reach them
		COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
		compopt -o filenames 2>/dev/null
		;;
	plot | merge)
		COMPREPLY=($(compgen -d -- "$cur"))
		compopt -o filenames 2>/dev/null
		;;
	*)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		;;
	esac
	return 0
}
complete -F _tcpqsim tcpqsim
