#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/fuzz/run.sh [--build DIR] [SECONDS] [HARNESS...]
# tests/fuzz/run.sh [--build DIR] --reproduce FILE HARNESS
#
# Build the libFuzzer harnesses (tests/fuzz/build.sh, into DIR, default build-fuzz/fuzz),
# then fuzz each one (or the HARNESSes named: "config", "seccomp") for SECONDS (default 15)
# starting from a copy of its seed corpus tests/fuzz/corpus/<name>/ and the dictionary
# tests/fuzz/oci.dict, in a temporary directory: new corpus entries never land in the
# source tree. One TAP-style line per harness:
#
#   ok - fuzz: config (123456 runs)
#   not ok - fuzz: seccomp: <what>, report /tmp/berth-fuzz-seccomp.XXXXXX/fuzz.log,
#       reproducer /tmp/berth-fuzz-seccomp.XXXXXX/crash-<sha1>
#
# A failed harness keeps its report and reproducer under /tmp (printed); a passing one
# leaves nothing behind. Exit status: 0 when every harness ran clean, 1 when one crashed,
# leaked, timed out or ran out of memory (or the build failed), 77 when clang/libFuzzer is
# not available (nothing was run).
#
# --reproduce FILE HARNESS: run HARNESS ("config", "seccomp", or "fuzz-config", ...) once on
# FILE, verbosely (BERTH_FUZZ_VERBOSE=1), with the sanitizer report on stderr; the exit
# status is the harness's.
#
# Environment: BERTH_FUZZ_ASAN_OPTIONS, BERTH_FUZZ_UBSAN_OPTIONS override the sanitizer
# options; BERTH_FUZZ_ARGS adds libFuzzer options (e.g. "-use_value_profile=1").
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
out=build-fuzz/fuzz
seconds=15
reproduce=""
harness=""
only=()

usage()
{
	sed -n '4,27p' "$0" | sed 's/^# \{0,1\}//'
}

while (($# > 0)); do
	case $1 in
	--build) out=${2:?--build needs a directory}; shift 2 ;;
	--build=*) out=${1#*=}; shift ;;
	--reproduce)
		reproduce=${2:?--reproduce needs FILE and HARNESS}
		harness=${3:?--reproduce needs FILE and HARNESS}
		shift 3
		;;
	-h | --help) usage; exit 0 ;;
	-*) echo "fuzz/run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*)
		if [[ $1 =~ ^[0-9]+$ ]]; then
			if (($1 == 0)); then
				echo "fuzz/run.sh: SECONDS must be a positive integer" >&2
				exit 2
			fi
			seconds=$1
		else
			only+=("${1#fuzz-}")
		fi
		shift
		;;
	esac
done
build_arg=""
[[ $out == build-fuzz/fuzz ]] || build_arg="--build $out"
[[ $out == /* ]] || out=$src/$out

# The sanitizers' verdict is the test: report leaks, and make sure nothing is recovered
# from (the harnesses are also built with -fno-sanitize-recover=all).
export ASAN_OPTIONS=${BERTH_FUZZ_ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${BERTH_FUZZ_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Build (quietly unless it fails; 77: no clang or libFuzzer).
build_log=$(mktemp /tmp/berth-fuzz-build.XXXXXX)
"$src/tests/fuzz/build.sh" "$out" >"$build_log" 2>&1
rc=$?
if ((rc != 0)); then
	if ((rc == 77)); then
		echo "# fuzz: SKIPPED — $(grep -m1 'fuzz/build.sh:' "$build_log" | sed 's/^fuzz\/build.sh: //; s/:$//')"
	else
		sed 's/^/    /' "$build_log"
		echo "not ok - fuzz: build failed (tests/fuzz/build.sh $out)"
		rc=1
	fi
	rm -f "$build_log"
	exit "$rc"
fi
rm -f "$build_log"

if [[ -n $reproduce ]]; then
	harness=${harness#fuzz-}
	if [[ ! -x $out/fuzz-$harness ]]; then
		echo "fuzz/run.sh: no harness '$harness' (have: $(cd "$out" && ls fuzz-* | sed 's/^fuzz-//' | tr '\n' ' '))" >&2
		exit 2
	fi
	[[ -f $reproduce ]] || { echo "fuzz/run.sh: '$reproduce' is not a file" >&2; exit 2; }
	BERTH_FUZZ_VERBOSE=1 exec "$out/fuzz-$harness" "$reproduce"
fi

for name in "${only[@]}"; do
	if [[ ! -d $src/tests/fuzz/corpus/$name ]]; then
		echo "fuzz/run.sh: no harness '$name' (have: $(cd "$src/tests/fuzz/corpus" && echo *))" >&2
		exit 2
	fi
done

failed=0
for corpus in "$src"/tests/fuzz/corpus/*/; do
	name=$(basename "$corpus")
	if ((${#only[@]} > 0)) && [[ " ${only[*]} " != *" $name "* ]]; then
		continue
	fi
	bin=$out/fuzz-$name
	if [[ ! -x $bin ]]; then
		echo "not ok - fuzz: $name: no harness $bin for corpus $corpus"
		failed=1
		continue
	fi
	work=$(mktemp -d "/tmp/berth-fuzz-$name.XXXXXX")
	mkdir "$work/corpus"
	cp -- "$corpus"* "$work/corpus/"
	# -error_exitcode/-timeout_exitcode: libFuzzer's defaults (77, 70) would be taken for
	# "skipped" by tests/run. The outer timeout only catches a fuzzer that wedges itself.
	# (cd: libFuzzer writes crash-*/leak-*/timeout-* files relative to the working
	# directory unless told otherwise; -artifact_prefix tells it.)
	rc=0
	(cd "$work" && exec timeout -k 10 $((seconds + 120)) "$bin" \
		-max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
		-dict="$src/tests/fuzz/oci.dict" -artifact_prefix="$work/" \
		${BERTH_FUZZ_ARGS:-} "$work/corpus") >"$work/fuzz.log" 2>&1 </dev/null || rc=$?
	runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$work/fuzz.log" | tail -n 1)
	artifacts=$(find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o \
		-name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | sort | tr '\n' ' ')
	if ((rc == 0)) && [[ -z $artifacts && -n $runs ]]; then
		# e.g. "#1048576 DONE cov: 1234 ft: 5678 corp: 321/45Kb ..."
		cov=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/fuzz.log" | tail -n 1 |
			sed -nE 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [^ ]+).*/\1/p')
		echo "ok - fuzz: $name ($runs runs)"
		[[ -n $cov ]] && echo "# fuzz: $name: $cov, ${seconds}s"
		rm -rf "$work"
		continue
	fi
	failed=1
	rm -rf "$work/corpus"
	what=$(grep -m1 -oE '(ERROR: (libFuzzer|[A-Za-z]+Sanitizer): [A-Za-z -]*[A-Za-z]|runtime error: .{0,80}|check failed: .{0,80})' "$work/fuzz.log")
	[[ -n $what ]] || what="exit status $rc"
	echo "not ok - fuzz: $name: $what, report $work/fuzz.log${artifacts:+, reproducer ${artifacts% }}"
	grep -E '^(==[0-9]+==|SUMMARY|[^ ]* runtime error|fuzz-[a-z]+: )|^    #[0-9]+ ' "$work/fuzz.log" | head -n 40 | sed 's/^/    /'
	[[ -n $artifacts ]] &&
		echo "#   reproduce with: tests/fuzz/run.sh${build_arg:+ $build_arg} --reproduce ${artifacts%% *} $name"
done
exit "$failed"
