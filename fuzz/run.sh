#!/bin/sh
# run.sh: build the libFuzzer harnesses (and the command-line fuzzer) into
# build-fuzz/ and run each one.
#
#   fuzz/run.sh SECONDS        run every harness for SECONDS seconds (make fuzz)
#   fuzz/run.sh smoke          CI: every loader harness, 20 s in all, and the
#                              command line for 30 s
#   fuzz/run.sh build          build only
#   FUZZ_ONLY=scenario fuzz/run.sh 600    one harness (scenario, run, sweep, cli)
#
# Harnesses (all with -fsanitize=fuzzer,address,undefined):
#   scenario  fuzz/fuzz_scenario.c: jr_parse_text + "SET:" overrides (jr_set)
#             + config_load_doc + the size estimate, round trip of the
#             resolved document
#   run       the same file built with -DFUZZ_RUN_WORLD: small scenarios are
#             also run (world_create/world_run), at most FUZZ_RUN_EVENTS events
#   sweep     fuzz/fuzz_sweep.c (the sweep loader), when it exists
#   cli       fuzz/fuzz_cli.c: random command lines for every command, each
#             run as a process of the sanitizer build (build-san/tcpqsim,
#             made by make check's rules), some interrupted by a signal; not
#             libFuzzer: a generator with the rules listed in the file
# Seeds: fuzz/corpus/NAME, configs/ and tests/data/; what the fuzzer learns is
# kept in build-fuzz/corpus/NAME; crashes go to build-fuzz/artifacts/.
# Exit status: 0, or 1 when a harness found a crash, a hang or a leak.
set -eu
cd "$(dirname "$0")/.."

CLANG=${CLANG:-clang}
OUT=${FUZZ_OUT:-build-fuzz}
# the program layer's include root (the Makefile's $(BUILD)/inc/app)
INC="$OUT/inc"
mkdir -p "$INC"
for l in sim models app; do ln -sfn "$(pwd)/$l" "$INC/$l"; done
MAX_LEN=${FUZZ_MAX_LEN:-4096}

usage() {
	echo "usage: fuzz/run.sh SECONDS | smoke | build" >&2
	exit 2
}
[ $# -eq 1 ] || usage
mode=$1
case "$mode" in
smoke | build) ;;
*[!0-9]* | '') usage ;;
esac

if ! command -v "$CLANG" >/dev/null 2>&1; then
	TCPQSIM_EXTRA_DEPS=clang sh scripts/deps.sh
fi

BASE_CFLAGS="-std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I$INC -g -O1 -fno-omit-frame-pointer
	-Wall -Wextra -Wno-unused-parameter $(pkg-config --cflags gsl libcjson)"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
LIBS="$(pkg-config --libs gsl libcjson) -lm -Wl,--wrap=fopen"
ENGINE=$(ls sim/*.c)
MODELS=$(ls models/*.c)
# the scenario loader: app/config*.c and the utilities it reads with
LOADER=$(ls app/config*.c app/util/jsonread.c app/util/strdist.c)

mkdir -p "$OUT/artifacts"

# build NAME "FUZZED SOURCES" "OTHER SOURCES" [EXTRA CFLAGS]: the fuzzed
# sources get libFuzzer's coverage instrumentation, the others only the
# sanitizers (coverage of the statistics loops would slow every input for
# nothing).  Rebuilt when a source, a header or this script is newer.
build() {
	name=$1
	fuzzed=$2
	other=$3
	extra=${4:-}
	bin="$OUT/fuzz_$name"
	if [ -x "$bin" ] && [ -z "$(find $fuzzed $other sim/*.h models/*.h app/*.h app/*/*.h fuzz/run.sh -newer "$bin" 2>/dev/null)" ]; then
		return 0
	fi
	echo "fuzz: building $bin"
	obj="$OUT/obj/$name"
	rm -rf "$obj"
	mkdir -p "$obj"
	objs=""
	for src in $fuzzed $other; do
		o="$obj/$(echo "$src" | tr '/' '_' | sed 's/\.c$/.o/')"
		case " $fuzzed " in
		*" $src "*) cov="-fsanitize=fuzzer-no-link" ;;
		*) cov="" ;;
		esac
		# shellcheck disable=SC2086
		$CLANG $BASE_CFLAGS $SAN $cov $extra -c "$src" -o "$o" &
		objs="$objs $o"
	done
	wait
	# shellcheck disable=SC2086
	$CLANG $SAN -fsanitize=fuzzer -o "$bin" $objs $LIBS
}

# the dictionary: every quoted name in the loaders and the profiles
dict="$OUT/scenario.dict"
{
	grep -ho '"[A-Za-z0-9_.-]\{2,40\}"' app/config.c app/util/jsonread.c models/profile.c app/sweep.c |
		sort -u | sed 's/^"\(.*\)"$/"\\"\1\\""/'
	printf '%s\n' '"SET:"' '"\x0aSET:"' '"1e999"' '"-1e999"' '"NaN"' '"null"' '"[]"' '"{}"' '"true"' '"1e-9"' \
		'"1e-7"' '"1e8"' '"1e12"' '"1e17"' '"1e300"' '"-0"' '"0.5"' '"2147483648"' '"-2147483649"' \
		'"4294967296"' '"9223372036854775807"' '"9007199254740993"' '"[0]"' '"\\u0000"' '"\\n"'
} >"$dict"

harnesses="scenario"
build scenario "fuzz/fuzz_scenario.c $LOADER" "$MODELS $ENGINE"
if [ "$mode" != smoke ]; then
	build run "fuzz/fuzz_scenario.c $LOADER $MODELS" "$ENGINE" "-DFUZZ_RUN_WORLD"
	harnesses="$harnesses run"
fi
if [ -f fuzz/fuzz_sweep.c ]; then
	# the sweep loader uses the rest of the program layer (runner, report...)
	prog=""
	for f in app/*.c app/*/*.c; do
		case " app/main.c app/sweep.c $(echo $LOADER) " in
		*" $f "*) ;;
		*) prog="$prog $f" ;;
		esac
	done
	build sweep "fuzz/fuzz_sweep.c app/sweep.c $LOADER" "$prog $MODELS $ENGINE" "-DFUZZ_SWEEP_DIR=\"$OUT/sweep-work\""
	harnesses="$harnesses sweep"
fi
# the command-line fuzzer drives the sanitizer build of the program
build_cli() {
	make -s -j2 BUILD=build-san OPT="-O1 -g" LTO= \
		SANFLAGS="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		TCPQSIM_BIN=build-san/tcpqsim build-san/tcpqsim >&2
	if [ ! -x "$OUT/fuzz_cli" ] || [ fuzz/fuzz_cli.c -nt "$OUT/fuzz_cli" ]; then
		echo "fuzz: building $OUT/fuzz_cli"
		${CC:-cc} -std=c17 -D_DEFAULT_SOURCE -O1 -g -Wall -Wextra -o "$OUT/fuzz_cli" fuzz/fuzz_cli.c
	fi
}
build_cli
harnesses="$harnesses cli"
[ "$mode" = build ] && exit 0

if [ -n "${FUZZ_ONLY:-}" ]; then
	harnesses=$FUZZ_ONLY
fi

# smoke: the loader harnesses only (no "run"), 20 s shared between them
if [ "$mode" = smoke ]; then
	n=$(($(echo "$harnesses" | wc -w) - 1))
	[ "$n" -ge 1 ] || n=1
	secs=$((20 / n))
else
	secs=$mode
fi

status=0
for h in $harnesses; do
	if [ "$h" = cli ]; then
		csecs=$secs
		[ "$mode" = smoke ] && csecs=30
		work="$OUT/cli-work"
		rm -rf "$work"
		mkdir -p "$work"
		for l in configs tests; do ln -sfn "$(pwd)/$l" "$work/$l"; done
		log="$OUT/cli.log"
		echo "fuzz: cli for ${csecs} s (log $log, findings in $work/findings/)"
		rc=0
		# shellcheck disable=SC2086
		TCPQSIM_PLOTS="$(pwd)/plots" ASAN_OPTIONS=detect_leaks=1 \
			"$OUT/fuzz_cli" "$(pwd)/build-san/tcpqsim" "$csecs" "$work" ${FUZZ_CLI_SEED:-} >"$log" 2>&1 || rc=$?
		grep '^fuzz_cli:' "$log" | sed 's/^fuzz_cli/fuzz: cli/' | grep -v 'finding [0-9]'
		if [ "$rc" -ne 0 ]; then
			status=1
			grep 'finding [0-9]' "$log" | head -5 >&2
		fi
		continue
	fi
	case "$h" in
	scenario | run) seeds="fuzz/corpus/scenario configs tests/data" ;;
	sweep) seeds="fuzz/corpus/sweep configs/sweeps" ;;
	*) echo "fuzz: no harness \"$h\"" >&2; exit 2 ;;
	esac
	existing=""
	for d in $seeds; do
		[ -d "$d" ] && existing="$existing $d"
	done
	mkdir -p "$OUT/corpus/$h"
	log="$OUT/$h.log"
	echo "fuzz: $h for ${secs} s (log $log)"
	rc=0
	# shellcheck disable=SC2086
	"$OUT/fuzz_$h" -max_len="$MAX_LEN" -timeout=5 -rss_limit_mb=2048 -max_total_time="$secs" \
		-print_final_stats=1 -dict="$dict" -artifact_prefix="$OUT/artifacts/$h-" \
		"$OUT/corpus/$h" $existing >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -1)
	echo "fuzz: $h: ${execs:-?} executions, ${rate:-?}/s, ${cov:-cov: ?}, status $rc"
	if [ "$rc" -ne 0 ]; then
		status=1
		grep -aE 'ERROR|runtime error|broken rule|Test unit written' "$log" | head -5 >&2
	fi
done
exit $status
